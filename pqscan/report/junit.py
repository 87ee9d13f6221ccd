"""The JUnit XML rendering of a scan report: one testsuite per endpoint, one testcase per
(endpoint, requirement); FAIL -> <failure> with evidence, NOT_TESTED / NOT_APPLICABLE ->
<skipped> with the reason, an endpoint that could not be scanned -> one <error> testcase.

The XML itself is written by pqscan.model.junit (the one JUnit writer: scan, conform, vectors).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pqscan.model.junit import JUnitCase, JUnitSuite, junit_xml
from pqscan.model.view import protocol, safe_id
from pqscan.report.text import CELL_LIMIT, visible


def _clean(text: Any) -> str:
    """XML 1.0 cannot carry most control characters nor lone surrogates: shown as escapes
    (pqscan.report.text.visible), as are bidi controls (server text is untrusted)."""
    return visible(text, CELL_LIMIT)


def _verdict_case(classname: str, v: Mapping[str, Any]) -> JUnitCase:
    name = _clean(f"{v.get('profile')} {v.get('requirement')} {v.get('title') or ''}".strip())
    evidence = json.dumps(v.get("evidence") or {}, sort_keys=True, default=str)
    if v.get("result") == "FAIL":
        return JUnitCase(classname, name, "failure",
                         _clean(f"{v.get('requirement')} failed: {v.get('clause')}"),
                         type=str(v.get("severity")),
                         text="\n".join(_clean(line) for line in (
                             f"evidence: {evidence}", f"clause: {v.get('clause')}",
                             f"source status: {v.get('source_status')}")))
    if v.get("result") in ("NOT_TESTED", "NOT_APPLICABLE"):
        reason = (v.get("evidence") or {}).get("reason") or evidence
        return JUnitCase(classname, name, "skipped", _clean(f"{v.get('result')}: {reason}"))
    return JUnitCase(classname, name)


def _suite(ep: Mapping[str, Any], timestamp: str) -> JUnitSuite:
    props = tuple((f"pqscan.{key}", _clean(ep.get(key) or ""))
                  for key in ("target", "host", "port", "sni", "status"))
    classname = f"pqscan.{safe_id(str(ep.get('host')))}_{ep.get('port')}"
    cases = [JUnitCase(classname, "scan endpoint", "error", _clean(ep.get("error") or ""),
                       type=str(ep.get("status")))] if ep.get("status") != "ok" else []
    cases += [_verdict_case(classname, v) for v in ep.get("verdicts") or []]
    return JUnitSuite(_clean(f"pqscan:{ep.get('target')}"), tuple(cases),
                      (*props, ("pqscan.protocol", protocol(ep))), timestamp)


def render_junit(report: Mapping[str, Any]) -> str:
    timestamp = str(report.get("started_at") or "")
    return junit_xml([_suite(ep, timestamp) for ep in report.get("endpoints") or []])
