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

from collections.abc import Mapping
from typing import Any

from pqscan.model.junit import JUnitCase, JUnitSuite, junit_xml
from pqscan.model.view import protocol, safe_id
from pqscan.report import actions
from pqscan.report.evidence import verdict_text
from pqscan.report.text import CELL_LIMIT, visible


def _clean(text: Any) -> str:
    """XML 1.0 cannot carry most control characters nor lone surrogates: shown as escapes
    (pqscan.report.text.visible), as are bidi controls (server text is untrusted)."""
    return visible(text, CELL_LIMIT)


def _fixes(v: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if "fixes" not in v:  # judged before issue 14: no fix recorded
        return []
    return [f"fix: {actions.fix_text(f, catalogue)}" for f in v.get("fixes") or []] or [
        "fix: none in the catalogue for this requirement"]


def _verdict_case(classname: str, v: Mapping[str, Any], report: Mapping[str, Any],
                  catalogue: Mapping[str, Mapping[str, Any]], years: int | None) -> JUnitCase:
    name = _clean(f"{v.get('profile')} {v.get('requirement')} {v.get('title') or ''}".strip())
    evidence = verdict_text(v)
    if v.get("result") == "FAIL" and actions.counts_as_failure(v, report, years):
        if actions.fails_now(v):
            when = f"in force (due {v.get('due')})" if v.get("due") else "in force"
        else:
            when = (f"due {v.get('due')}, counted as a failure: due within the "
                    f"{years}-year horizon")
        fixes = _fixes(v, catalogue)
        return JUnitCase(classname, name, "failure",
                         _clean(f"{v.get('requirement')} failed, {when}: {v.get('clause')}; "
                                + "; ".join(fixes)),
                         type=str(v.get("severity")),
                         text="\n".join(_clean(line) for line in (
                             f"evidence: {evidence}", f"clause: {v.get('clause')}",
                             f"status: {when}", *fixes,
                             f"source status: {v.get('source_status')}")))
    if v.get("result") == "FAIL":
        return JUnitCase(classname, name, "skipped", _clean(
            f"DUE {v.get('due')}: {v.get('requirement')} fails from {v.get('due')} (not in "
            f"force on {actions.as_of(report)}); {'; '.join(_fixes(v, catalogue))}; "
            f"evidence: {evidence}"))
    if v.get("result") in ("NOT_TESTED", "NOT_APPLICABLE"):
        return JUnitCase(classname, name, "skipped", _clean(f"{v.get('result')}: {evidence}"))
    return JUnitCase(classname, name)


def _suite(ep: Mapping[str, Any], report: Mapping[str, Any], years: int | None) -> JUnitSuite:
    catalogue = actions.remediation(report)
    props = tuple((f"pqscan.{key}", _clean(ep.get(key) or ""))
                  for key in ("target", "host", "port", "sni", "status"))
    classname = f"pqscan.{safe_id(str(ep.get('host')))}_{ep.get('port')}"
    cases = [JUnitCase(classname, "scan endpoint", "error", _clean(ep.get("error") or ""),
                       type=str(ep.get("status")))] if ep.get("status") != "ok" else []
    cases += [_verdict_case(classname, v, report, catalogue, years)
              for v in ep.get("verdicts") or []]
    return JUnitSuite(_clean(f"pqscan:{ep.get('target')}"), tuple(cases),
                      (*props, ("pqscan.protocol", protocol(ep))),
                      str(report.get("started_at") or ""))


def render_junit(report: Mapping[str, Any], fail_on_due: int | None = None) -> str:
    """`fail_on_due`: the scan's --fail-on-due YEARS (else the report's evaluation.fail_on_due).
    The XML is written by pqscan.model.junit, the one JUnit writer (scan, conform, vectors)."""
    years = fail_on_due if fail_on_due is not None else actions.fail_on_due(report)
    return junit_xml([_suite(ep, report, years) for ep in report.get("endpoints") or []])
