"""The terminal table of a judged report as `pqscan evaluate` shows it: per endpoint its
findings and verdicts, then the verdict counts and the evaluation errors. (The other formats of
a judged report are the scan report's: pqscan.report.render registers them for both kinds.)"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from tabulate import tabulate


def source_note(source_status: str, confidence: str) -> str:
    return ", ".join(s for s in (source_status if source_status != "final" else "",
                                 confidence if confidence != "primary" else "") if s) or "-"


def _result(verdict: Mapping[str, Any]) -> str:
    """The result word; a FAIL not yet in force is DUE on its date (issue 14)."""
    if verdict.get("in_force") is False and verdict.get("result") == "FAIL":
        return f"DUE {verdict.get('due')}"
    return str(verdict["result"])


def _readiness_lines(endpoint: Mapping[str, Any]) -> list[str]:
    level = endpoint.get("readiness")
    if not isinstance(level, dict):
        return []
    out = [f"  readiness {level.get('level') or 'undecided'} ({level.get('label')}): "
           f"{level.get('reason')}"]
    deadline = level.get("next_deadline")
    if isinstance(deadline, dict):
        out.append(f"  next deadline {deadline.get('date')}: {deadline.get('profile')} "
                   f"{deadline.get('requirement')} ({deadline.get('title')})")
    return out


def summary_line(summary: Mapping[str, Any]) -> str:
    """The one-line answer of docs/readiness.md from `evaluation.summary`."""
    profiles = ", ".join(f"{p.get('id')} {p.get('version')}" for p in summary.get("profiles")
                         or []) or "no profile"
    line = (f"{summary.get('ready')} of {summary.get('endpoints')} endpoints post-quantum "
            f"ready (L3+); {summary.get('must_change')} must change")
    if summary.get("failing_now"):
        line += f" ({summary['failing_now']} failing now)"
    if summary.get("first_due"):
        line += f", the next by {summary['first_due']}"
    default = " (the default profile; profile 'none' skips it)" \
        if summary.get("default_profile") else ""
    return f"{line} — as of {summary.get('as_of')}, judged against {profiles}{default}"


def render_evaluation_table(report: Mapping[str, Any]) -> str:
    """Human table of findings and verdicts per endpoint."""
    lines: list[str] = []
    evaluation = report.get("evaluation") or {}
    for endpoint in report.get("endpoints", []):
        if not isinstance(endpoint, dict):
            continue
        tls = endpoint.get("tls") or {}
        lines.append(f"{endpoint.get('target')}  status {endpoint.get('status')}  "
                     f"kex {tls.get('kex_state') or '-'}  as of {evaluation.get('as_of')}")
        if endpoint.get("evaluation_error"):
            lines.append(f"  error: {endpoint['evaluation_error']}")
        lines.extend(_readiness_lines(endpoint))
        rows = [(f["severity"], f["code"], f["message"]) for f in endpoint.get("findings", [])]
        if rows:
            lines.append(tabulate(rows, headers=["severity", "finding", "message"]))
        verdicts = endpoint.get("verdicts", [])
        if verdicts:
            lines.append(tabulate(
                [(v["profile"], v["requirement"], v["severity"], _result(v),
                  source_note(v.get("source_status", "final"), v.get("confidence", "primary")),
                  v["clause"], ", ".join(v.get("fixes") or [])[:60] or "-")
                 for v in verdicts],
                headers=["profile", "requirement", "severity", "result", "status", "clause",
                         "fixes"]))
        lines.append("")
    counts = Counter(v["result"] for e in report.get("endpoints", []) if isinstance(e, dict)
                     for v in e.get("verdicts", []))
    summary = evaluation.get("summary")
    if isinstance(summary, dict):
        lines.append(summary_line(summary))
    lines.append("verdicts: " + ", ".join(f"{counts[r]} {r}" for r in
                                          ("PASS", "FAIL", "NOT_TESTED", "NOT_APPLICABLE")))
    lines.extend(f"error: {e}" for e in evaluation.get("errors", []))
    return "\n".join(lines)
