"""The JUnit XML rendering of a scan report: one testsuite per endpoint, one testcase per
(endpoint, requirement); FAIL -> <failure> with the due date, readable evidence and the fix,
NOT_TESTED / NOT_APPLICABLE -> <skipped> with the reason, an endpoint that could not be
scanned -> one <error> testcase.

A FAIL of a requirement not yet in force (issue 14: "passes now, FAILS from DATE") is
<skipped> with "DUE DATE" and the fix, so a CI gate stays green until the date — unless the
judgement ran with `--fail-on-due YEARS` and the date falls within that window, when it is a
<failure> whose message says so (pqscan.report.actions.counts_as_failure).

There is no single JUnit standard; this follows the common Jenkins/GitLab shape
(testsuites > testsuite > testcase) that pytest's xunit2 output also uses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from pqscan.model.view import protocol, safe_id
from pqscan.report import actions
from pqscan.report.evidence import verdict_text
from pqscan.report.text import CELL_LIMIT, visible


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})


def _clean(text: Any) -> str:
    """XML 1.0 cannot carry most control characters nor lone surrogates: shown as escapes
    (pqscan.report.text.visible), as are bidi controls (server text is untrusted)."""
    return visible(text, CELL_LIMIT)


def _fixes(v: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if "fixes" not in v:  # judged before issue 14: no fix recorded
        return []
    return [f"fix: {actions.fix_text(f, catalogue)}" for f in v.get("fixes") or []] or [
        "fix: none in the catalogue for this requirement"]


def _suite(root: ET.Element, ep: Mapping[str, Any], report: Mapping[str, Any],
           years: int | None) -> dict[str, int]:
    timestamp = str(report.get("started_at") or "")
    catalogue = actions.remediation(report)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suite = ET.SubElement(root, "testsuite", {"name": _clean(f"pqscan:{ep.get('target')}"),
                                              "timestamp": timestamp, "time": "0"})
    props = ET.SubElement(suite, "properties")
    for key in ("target", "host", "port", "sni", "status"):
        ET.SubElement(props, "property", {"name": f"pqscan.{key}",
                                          "value": _clean(ep.get(key) or "")})
    ET.SubElement(props, "property", {"name": "pqscan.protocol", "value": protocol(ep)})
    classname = f"pqscan.{safe_id(str(ep.get('host')))}_{ep.get('port')}"
    if ep.get("status") != "ok":
        case = _case(suite, classname, "scan endpoint")
        ET.SubElement(case, "error", {"type": str(ep.get("status")),
                                      "message": _clean(ep.get("error") or "")})
        counts["tests"] += 1
        counts["errors"] += 1
    for v in ep.get("verdicts") or []:
        name = f"{v.get('profile')} {v.get('requirement')} {v.get('title') or ''}".strip()
        case = _case(suite, classname, _clean(name))
        counts["tests"] += 1
        evidence = verdict_text(v)
        if v.get("result") == "FAIL" and actions.counts_as_failure(v, report, years):
            counts["failures"] += 1
            if actions.fails_now(v):
                when = f"in force (due {v.get('due')})" if v.get("due") else "in force"
            else:
                when = (f"due {v.get('due')}, counted as a failure: due within the "
                        f"{years}-year horizon")
            fixes = _fixes(v, catalogue)
            failure = ET.SubElement(case, "failure", {
                "type": str(v.get("severity")),
                "message": _clean(f"{v.get('requirement')} failed, {when}: {v.get('clause')}; "
                                  + "; ".join(fixes))})
            failure.text = "\n".join(_clean(line) for line in (
                f"evidence: {evidence}", f"clause: {v.get('clause')}", f"status: {when}",
                *fixes, f"source status: {v.get('source_status')}"))
        elif v.get("result") == "FAIL":
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", {"message": _clean(
                f"DUE {v.get('due')}: {v.get('requirement')} fails from {v.get('due')} (not in "
                f"force on {actions.as_of(report)}); {'; '.join(_fixes(v, catalogue))}; "
                f"evidence: {evidence}")})
        elif v.get("result") in ("NOT_TESTED", "NOT_APPLICABLE"):
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", {"message": _clean(f"{v.get('result')}: {evidence}")})
    for key, value in counts.items():
        suite.set(key, str(value))
    return counts


def render_junit(report: Mapping[str, Any], fail_on_due: int | None = None) -> str:
    """`fail_on_due`: the scan's --fail-on-due YEARS (else the report's evaluation.fail_on_due)."""
    years = fail_on_due if fail_on_due is not None else actions.fail_on_due(report)
    root = ET.Element("testsuites", {"name": "pqscan"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for ep in report.get("endpoints") or []:
        for key, value in _suite(root, ep, report, years).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
