"""The vector-run report: table, JSON (schema_version "1") and JUnit XML renderings of results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from tabulate import tabulate

from pqscan.conformance.vectors.model import GroupResult

SCHEMA_VERSION = "1"


def to_dict(impl: str, results: Sequence[GroupResult],
            errors: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "impl": impl,
        "results": [r.to_dict() for r in results],
        "totals": {k: sum(getattr(r, k) for r in results)
                   for k in ("passed", "failed", "skipped")},
        "errors": list(errors),
    }


def render_json(impl: str, results: Sequence[GroupResult], errors: Sequence[str] = ()) -> str:
    return json.dumps(to_dict(impl, results, errors), indent=2)


def render_table(impl: str, results: Sequence[GroupResult]) -> str:
    rows = [(r.vector_set, r.group, r.parameter_set, r.passed, r.failed, r.skipped,
             r.reason or "") for r in results]
    table = tabulate(rows, headers=["vector set", "group", "parameter set", "passed", "failed",
                                    "skipped", "reason"], tablefmt="simple")
    totals = to_dict(impl, results)["totals"]
    return (f"implementation: {impl}\n{table}\n"
            f"total: {totals['passed']} passed, {totals['failed']} failed, "
            f"{totals['skipped']} skipped in {len(results)} groups")


def render_junit(impl: str, results: Sequence[GroupResult]) -> str:
    """JUnit XML: one testcase per vector group; failures list the failing tcIds."""
    suite = ET.Element("testsuite", name=f"pqscan vectors ({impl})", tests=str(len(results)),
                       failures=str(sum(1 for r in results if r.failed)),
                       skipped=str(sum(1 for r in results if not r.failed and not r.passed)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=r.vector_set,
                             name=f"{r.group} [{r.parameter_set}]")
        if r.failed:
            failure = ET.SubElement(case, "failure", message=r.reason or "failed")
            failure.text = "failing tcIds: " + ", ".join(str(t) for t in r.failed_tc_ids)
        elif not r.passed:
            ET.SubElement(case, "skipped", message=r.reason or "skipped")
        out = ET.SubElement(case, "system-out")
        out.text = f"passed={r.passed} failed={r.failed} skipped={r.skipped}"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
