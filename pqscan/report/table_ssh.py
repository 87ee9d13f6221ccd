"""The terminal rendering of SSH endpoints (issue 15): one row per endpoint, then each
endpoint's host keys and the sshd_config lines that answer its findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

from pqscan.model import view
from pqscan.report import ssh_view

LEGEND = ("SSH kex: K0 PQ enforced (classical-only client refused), K1 OpenSSH 10 client gets "
          "PQ, K2 PQ listed but OpenSSH 10 gets classical, K3 classical only, K4 SHA-1 DH only."
          "\nPQ methods: ? listed but not confirmed by a real exchange, ! exchange failed.")


def render_ssh_table(endpoints: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    details = []
    for ep in endpoints:
        target = f"{ep['label']} {view.target(ep)}" if ep.get("label") else view.target(ep)
        s = ssh_view.ssh(ep)
        if ep.get("status") != "ok" or not s:
            rows.append([target, ep.get("status"), "", "", "", "", "", "",
                         ep.get("error") or ""])
            continue
        rows.append([target, "ok", ssh_view.software(ep), s.get("kex_state") or "?",
                     ssh_view.pq_kex(ep), *(ssh_view.negotiated(ep, b)
                                            for b in ssh_view.BEHAVIOURS),
                     ssh_view.host_key_types(ep)])
        lines = [f"  host key {k}" for k in ssh_view.host_keys(ep)]
        lines += [f"  sshd_config: {fix}" for fix in ssh_view.remediation(ep)]
        if lines:
            details.append(f"{target}\n" + "\n".join(lines))
    headers = ["SSH target", "status", "software", "kex", "PQ methods", "OpenSSH 10",
               "OpenSSH 9", "classical-only", "host keys"]
    text = tabulate(rows, headers=headers, tablefmt="simple")
    if details:
        text += "\n\n" + "\n".join(details)
    return text + "\n\n" + LEGEND
