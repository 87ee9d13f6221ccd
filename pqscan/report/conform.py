"""Renderings of a conformance run document (`SuiteRun.to_dict()`, docs/conformance.md): the
text table and JUnit XML (JSON is the document itself, pqscan.model.document.dump_json).

JUnit mapping (conformance guide §3.2): classname pq_tls.<host>_<port>, not_applicable and
inconclusive -> <skipped>, fail -> <failure>, an unusable target -> one <error> testcase.
Peer text arrives already inert (pqscan.report.render applies report.text.inert first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

from pqscan.model.junit import JUnitCase, JUnitSuite, junit_xml

# the conformance result words (pqscan.conformance.model.RESULTS), as the document spells them
_COUNTED = ("pass", "fail", "not_applicable", "inconclusive")
_SKIPPED = ("not_applicable", "inconclusive")


def render_conform_table(run: Mapping[str, Any]) -> str:
    head = f"pq-tls conformance: {run['target']}\n"
    if run.get("error"):
        return head + f"error: {run['error']}\n"
    checks = run.get("checks") or []
    rows = [[c["id"], c["level"], c["result"].upper(), c["title"],
             c["observed"] + (f" [{c['note']}]" if c.get("note") else "")] for c in checks]
    body = tabulate(rows, headers=["id", "level", "result", "check", "observed"],
                    maxcolwidths=[None, None, None, 36, 70])
    summary = ", ".join(f"{sum(c['result'] == w for c in checks)} {w}" for w in _COUNTED)
    return f"{head}{body}\n{summary}\n"


def _classname(target: str) -> str:
    return "pq_tls." + re.sub(r"[^A-Za-z0-9]", "_", target)


def _case(c: Mapping[str, Any], classname: str) -> JUnitCase:
    name = f"{c['id']} {c['title']}"
    if c["result"] == "fail":
        return JUnitCase(classname, name, "failure", f"expected {c['expected']}; got "
                         f"{c['observed']}", type=f"{c['level']}Violation",
                         text=f"expected: {c['expected']}\nobserved: {c['observed']}\n"
                         f"reference: {c['reference']}")
    if c["result"] in _SKIPPED:
        return JUnitCase(classname, name, "skipped", f"{c['result']}: {c['observed']}",
                         type=c["result"])
    return JUnitCase(classname, name)


def render_conform_junit(run: Mapping[str, Any]) -> str:
    classname = _classname(run["target"])
    cases = [JUnitCase(classname, "sanity handshake", "error", run["error"],
                       type="TargetUnusable")] if run.get("error") else []
    cases += [_case(c, classname) for c in run.get("checks") or []]
    suite = JUnitSuite(f"{run['suite']}:{run['target']}", tuple(cases),
                       (("pqscan.target", run["target"]), ("pqscan.suite", run["suite"])))
    return junit_xml([suite])
