"""Renderings of a `SuiteRun`: text table, JSON document and JUnit XML (section 3.2 mapping:
classname pq_tls.<host>_<port>, not_applicable/inconclusive -> <skipped>, fail -> <failure>)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from tabulate import tabulate

from pqscan.conformance.model import FAIL, INCONCLUSIVE, NOT_APPLICABLE, CheckResult
from pqscan.conformance.runner import SuiteRun

FORMATS = ("table", "json", "junit")


def to_json(run: SuiteRun) -> str:
    return json.dumps(run.to_dict(), indent=2) + "\n"


def to_table(run: SuiteRun) -> str:
    head = f"pq-tls conformance: {run.target}\n"
    if run.error:
        return head + f"error: {run.error}\n"
    rows = [[c.id, c.level, c.result.upper(), c.title, c.observed + (f" [{c.note}]" if c.note
                                                                       else "")]
            for c in run.checks]
    body = tabulate(rows, headers=["id", "level", "result", "check", "observed"],
                    maxcolwidths=[None, None, None, 36, 70])
    counts = {w: sum(c.result == w for c in run.checks)
              for w in ("pass", FAIL, NOT_APPLICABLE, INCONCLUSIVE)}
    summary = ", ".join(f"{n} {w}" for w, n in counts.items())
    return f"{head}{body}\n{summary}\n"


def _classname(target: str) -> str:
    return "pq_tls." + re.sub(r"[^A-Za-z0-9]", "_", target)


def _case(suite: ET.Element, c: CheckResult, classname: str) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=f"{c.id} {c.title}",
                         time="0")
    detail = f"expected: {c.expected}\nobserved: {c.observed}\nreference: {c.reference}"
    if c.result == FAIL:
        el = ET.SubElement(case, "failure", type=f"{c.level}Violation",
                           message=f"expected {c.expected}; got {c.observed}")
        el.text = detail
    elif c.result in (NOT_APPLICABLE, INCONCLUSIVE):
        ET.SubElement(case, "skipped", type=c.result, message=f"{c.result}: {c.observed}")


def to_junit(run: SuiteRun) -> str:
    fails = sum(c.result == FAIL for c in run.checks)
    skips = sum(c.result in (NOT_APPLICABLE, INCONCLUSIVE) for c in run.checks)
    errors = 1 if run.error else 0
    tests = len(run.checks) + errors
    root = ET.Element("testsuites", name="pqscan", tests=str(tests), failures=str(fails),
                      errors=str(errors), skipped=str(skips))
    suite = ET.SubElement(root, "testsuite", name=f"{run.suite}:{run.target}", tests=str(tests),
                          failures=str(fails), errors=str(errors), skipped=str(skips))
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="pqscan.target", value=run.target)
    ET.SubElement(props, "property", name="pqscan.suite", value=run.suite)
    classname = _classname(run.target)
    if run.error:
        case = ET.SubElement(suite, "testcase", classname=classname, name="sanity handshake",
                             time="0")
        ET.SubElement(case, "error", type="TargetUnusable", message=run.error)
    for c in run.checks:
        _case(suite, c, classname)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def render(run: SuiteRun, fmt: str) -> str:
    if fmt == "json":
        return to_json(run)
    if fmt == "junit":
        return to_junit(run)
    if fmt == "table":
        return to_table(run)
    raise ValueError(f"unknown format {fmt!r}")
