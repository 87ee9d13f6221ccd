"""The terminal rendering of a scan report (tabulate): a row per endpoint with its readiness
level, the verdicts (FAIL now / DUE date) with their fix ids, what must change by when with
each fix spelled out (pqscan.report.actions), the legend, and the one-line answer last."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from pqscan.model import view
from pqscan.registry.tls import group as registry_group
from pqscan.report import actions
from pqscan.report.table_ssh import render_ssh_table

_VERSION_SHORT = {"TLSv1.3": "1.3", "TLSv1.2": "1.2", "TLSv1.1": "1.1", "TLSv1.0": "1.0"}


def _versions(tls: dict[str, Any]) -> str:
    marks = {"supported": "", "inconclusive": "?"}
    shown = [_VERSION_SHORT[v] + marks[s] for v, s in tls.get("versions", {}).items()
             if s in marks]
    return " ".join(sorted(shown, reverse=True)) or "none"


def _pq_groups(tls: dict[str, Any]) -> str:
    out = []
    for name, g in tls.get("groups", {}).items():
        if g["status"] == "supported" and registry_group(name).is_pq:
            mark = "" if g.get("confirmed") else ("?" if g.get("confirmed") is None else "!")
            out.append(name + mark)
    return ", ".join(out) or "-"


def _leaf(tls: dict[str, Any]) -> str:
    chain = tls.get("certificate_chain") or []
    if not chain or "public_key" not in chain[0]:
        return "-"
    pk = chain[0]["public_key"]
    return str(pk.get("algorithm", "?"))


def _neg(value: str | None, status: str | None) -> str:
    if value:
        return value
    return {"refused": "refused", "inconclusive": "?", "not_run": "-"}.get(status or "", "-")


def render_table(report: dict[str, Any]) -> str:
    rows = []
    ssh = [ep for ep in report["endpoints"] if view.protocol(ep) == "ssh"]
    for ep in report["endpoints"]:
        if view.protocol(ep) == "ssh":
            continue  # SSH endpoints get their own table (pqscan.report.table_ssh)
        tls = ep.get("tls")
        target = f"{ep['label']} {view.target(ep)}" if ep.get("label") else view.target(ep)
        if ep["status"] != "ok" or not tls:
            rows.append([target, ep["status"], "", "", "", "", "", ep.get("error") or ""])
            continue
        neg, st = tls.get("negotiated", {}), tls.get("negotiation_status", {})
        rows.append([
            target, "ok", actions.level(ep) or "?", _versions(tls), tls.get("kex_state") or "?",
            _pq_groups(tls),
            _neg(neg.get("browser_like"), st.get("browser_like")),
            _neg(neg.get("x25519_share_first"), st.get("x25519_share_first")),
            _leaf(tls),
        ])
    headers = ["target", "status", "level", "TLS", "kex", "PQ groups", "browser-like",
               "x25519-first", "leaf key"]
    text = tabulate(rows, headers=headers, tablefmt="simple") if rows or not ssh else ""
    if ssh:
        text = (text + "\n\n" if text else "") + render_ssh_table(ssh)
    verdicts = [v for ep in report["endpoints"] for v in ep.get("verdicts", [])]
    if verdicts:
        vrows = [[view.target(ep), v["profile"], v["requirement"], v["severity"],
                  actions.state(v), ", ".join(v.get("fixes") or [])
                  if v.get("result") == "FAIL" else ""]
                 for ep in report["endpoints"] for v in ep.get("verdicts", [])]
        text += "\n\n" + tabulate(vrows, headers=["target", "profile", "requirement",
                                                  "severity", "result", "fix"])
    text += _must_change(report)
    legend = ("level: L0 legacy (TLS <= 1.2 / RSA key transport), L1 TLS 1.3 classical only, "
              "L2 PQ supported not preferred, L3 PQ for every PQ-capable client, L4 L3 + PQ "
              "authentication; ? undecided.\nresult: FAIL fails a requirement in force, "
              "DUE date fails one that comes into force on that date.\n"
              "kex: K0 PQ enforced, K1 PQ always chosen, K2 PQ supported but X25519 first "
              "gets classical, K3 TLS 1.3 classical, K4 TLS<=1.2 (EC)DHE, K5 RSA key transport."
              "\nPQ groups: ? not confirmed with a real key share (pqscan has no key for it), "
              "! real key share failed.")
    # the answer last: in a terminal it is the line left in view when the output stops
    answer = "\n\n" + actions.answer(report).sentence() if report["endpoints"] else ""
    return text + "\n\n" + legend + answer + "\n"


def _must_change(report: dict[str, Any]) -> str:
    """What must change, by when: one block per failing requirement with every fix."""
    eps = report["endpoints"]
    found = actions.must_change(report, [])
    if not found:
        return ""
    catalogue = actions.remediation(report)
    lines = ["", "", "What must change, by when:"]
    for a in found:
        when = "now" if a.due is None else f"by {a.due}"
        lines.append(f"- {when}: {a.profile} {a.requirement} ({a.severity}) {a.title} on "
                     + ", ".join(view.target(eps[i]) for i in a.endpoints))
        lines += [f"    fix: {actions.fix_text(f, catalogue)}" for f in a.fixes]
    return "\n".join(lines)
