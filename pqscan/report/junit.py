"""The JUnit XML rendering of a scan report: one testsuite per endpoint, one testcase per
(endpoint, requirement); FAIL -> <failure> with evidence, NOT_TESTED / NOT_APPLICABLE ->
<skipped> with the reason, an endpoint that could not be scanned -> one <error> testcase.

There is no single JUnit standard; this follows the common Jenkins/GitLab shape
(testsuites > testsuite > testcase) that pytest's xunit2 output also uses.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from pqscan.model.view import protocol, safe_id
from pqscan.report.text import CELL_LIMIT, visible


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})


def _clean(text: Any) -> str:
    """XML 1.0 cannot carry most control characters nor lone surrogates: shown as escapes
    (pqscan.report.text.visible), as are bidi controls (server text is untrusted)."""
    return visible(text, CELL_LIMIT)


def _suite(root: ET.Element, ep: Mapping[str, Any], timestamp: str) -> dict[str, int]:
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
        evidence = json.dumps(v.get("evidence") or {}, sort_keys=True, default=str)
        if v.get("result") == "FAIL":
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", {
                "type": str(v.get("severity")),
                "message": _clean(f"{v.get('requirement')} failed: {v.get('clause')}")})
            failure.text = "\n".join(_clean(line) for line in (
                f"evidence: {evidence}", f"clause: {v.get('clause')}",
                f"source status: {v.get('source_status')}"))
        elif v.get("result") in ("NOT_TESTED", "NOT_APPLICABLE"):
            counts["skipped"] += 1
            reason = (v.get("evidence") or {}).get("reason") or evidence
            ET.SubElement(case, "skipped", {"message": _clean(f"{v.get('result')}: {reason}")})
    for key, value in counts.items():
        suite.set(key, str(value))
    return counts


def render_junit(report: Mapping[str, Any]) -> str:
    root = ET.Element("testsuites", {"name": "pqscan"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for ep in report.get("endpoints") or []:
        for key, value in _suite(root, ep, str(report.get("started_at") or "")).items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
