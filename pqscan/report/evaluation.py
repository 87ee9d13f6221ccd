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
        rows = [(f["severity"], f["code"], f["message"]) for f in endpoint.get("findings", [])]
        if rows:
            lines.append(tabulate(rows, headers=["severity", "finding", "message"]))
        verdicts = endpoint.get("verdicts", [])
        if verdicts:
            lines.append(tabulate(
                [(v["profile"], v["requirement"], v["severity"], v["result"],
                  source_note(v.get("source_status", "final"), v.get("confidence", "primary")),
                  v["clause"]) for v in verdicts],
                headers=["profile", "requirement", "severity", "result", "status", "clause"]))
        lines.append("")
    counts = Counter(v["result"] for e in report.get("endpoints", []) if isinstance(e, dict)
                     for v in e.get("verdicts", []))
    lines.append("verdicts: " + ", ".join(f"{counts[r]} {r}" for r in
                                          ("PASS", "FAIL", "NOT_TESTED", "NOT_APPLICABLE")))
    lines.extend(f"error: {e}" for e in evaluation.get("errors", []))
    return "\n".join(lines)
