"""The CSV rendering of a scan report: one row per endpoint (with its readiness level, next
deadline and top fixes), or one per (endpoint, verdict) with the result as shown (FAIL /
DUE date), due date, fixes and readable evidence (pqscan.report.actions, .evidence).

Every cell goes through pqscan.report.text.csv_cell: a spreadsheet would run a leading = + - @
tab CR as a formula (OWASP "CSV injection"), so such a cell is prefixed with a quote, and
controls and bidi characters are shown as escapes, since certificate subjects and server
answers are untrusted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS, endpoint_risk
from pqscan.model import view
from pqscan.model.metadata import TargetMetadata, metadata_for
from pqscan.report import actions, ssh_view
from pqscan.report.evidence import verdict_text
from pqscan.report.text import csv_cell

MODES = ("endpoints", "verdicts")

def _write(header: Sequence[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buf.getvalue()


def _endpoint_rows(report: Mapping[str, Any], metadata: Mapping[str, TargetMetadata] | None,
                   scenarios: Sequence[int]) -> tuple[list[str], list[list[Any]]]:
    header = ["target", "host", "port", "sni", "starttls", "status", "error", "owner",
              "system_id", "tls_versions", "kex_state", "pq_groups", "negotiated_browser_like",
              "negotiated_x25519_first", "leaf_key", "leaf_signature", "client_certificate",
              "findings",
              "worst_severity", "pass", "fail", "not_tested", "not_applicable",
              *[f"risk_{z}" for z in scenarios], "risk_confidence",
              # issue 15: SSH endpoints (empty for TLS)
              "protocol", "ssh_software", "ssh_pq_kex", "ssh_openssh_10", "ssh_openssh_9",
              "ssh_classical_only", "ssh_host_keys",
              # issue 14: readiness, deadlines and fixes (judge time)
              "readiness_level", "readiness", "next_deadline", "next_deadline_requirement",
              "fails_now", "due_later", "top_fixes"]
    rows = []
    catalogue = actions.remediation(report)
    for ep in report.get("endpoints") or []:
        meta = metadata_for(ep, metadata)
        risk = endpoint_risk(report, ep, meta, scenarios)
        neg = view.tls(ep).get("negotiated") or {}
        counts = view.verdict_counts(ep)
        rows.append([
            ep.get("target"), ep.get("host"), ep.get("port"), ep.get("sni"),
            ep.get("starttls") or "", ep.get("status"),
            ep.get("error"), meta.owner if meta else "", meta.system_id if meta else "",
            " ".join(view.supported_versions(ep)), view.kex_state(ep) or "",
            " ".join(view.groups_with(ep, families=view.PQ_FAMILIES)),
            neg.get("browser_like"), neg.get("x25519_share_first"), view.leaf_key(ep),
            view.leaf_signature(ep), "" if view.client_auth(ep) == "-" else view.client_auth(ep),
            len(ep.get("findings") or []),
            view.max_severity(ep),
            counts["PASS"], counts["FAIL"], counts["NOT_TESTED"], counts["NOT_APPLICABLE"],
            *["INCONCLUSIVE" if s.headline is None else s.headline for s in risk.scenarios],
            risk.confidence, view.protocol(ep), *_ssh_columns(ep),
            *_action_columns(ep, catalogue)])
    return header, rows


def _action_columns(ep: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]]
                    ) -> list[Any]:
    deadline = actions.next_deadline(ep) or {}
    verdicts = ep.get("verdicts") or []
    return [actions.level(ep) or "", actions.level_text(ep), deadline.get("date") or "",
            f"{deadline.get('profile')} {deadline.get('requirement')}" if deadline else "",
            sum(1 for v in verdicts if actions.fails_now(v)),
            sum(1 for v in verdicts if actions.due_later(v)),
            " ".join(t.fix for t in actions.top_fixes(ep, catalogue) if t.fix)]


def _ssh_columns(ep: Mapping[str, Any]) -> list[str]:
    if not ssh_view.is_ssh(ep) or not ssh_view.ssh(ep):
        return [""] * 6
    pq = ssh_view.pq_kex(ep)
    return [ssh_view.software(ep), "" if pq == "-" else pq,
            *(ssh_view.negotiated(ep, b) for b in ssh_view.BEHAVIOURS),
            " ".join(ssh_view.host_keys(ep))]


def _verdict_rows(report: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["target", "profile", "requirement", "title", "severity", "result", "clause",
              "source_status", "confidence", "evidence", "shown_as", "in_force", "due", "fixes",
              "fix_text"]
    catalogue = actions.remediation(report)
    rows = [[ep.get("target"), v.get("profile"), v.get("requirement"), v.get("title"),
             v.get("severity"), v.get("result"), v.get("clause"), v.get("source_status"),
             v.get("confidence"), verdict_text(v), actions.state(v),
             "" if v.get("in_force") is None else str(bool(v.get("in_force"))).lower(),
             v.get("due") or "", " ".join(v.get("fixes") or []),
             " / ".join(actions.fix_text(f, catalogue) for f in v.get("fixes") or [])]
            for ep in report.get("endpoints") or [] for v in ep.get("verdicts") or []]
    return header, rows


def render_csv(report: Mapping[str, Any], mode: str = "endpoints",
               metadata: Mapping[str, TargetMetadata] | None = None,
               scenarios: Sequence[int] = DEFAULT_SCENARIOS) -> str:
    if mode not in MODES:
        raise ValueError(f"csv mode must be one of {', '.join(MODES)}, got {mode!r}")
    header, rows = (_endpoint_rows(report, metadata, scenarios) if mode == "endpoints"
                    else _verdict_rows(report))
    return _write(header, rows)
