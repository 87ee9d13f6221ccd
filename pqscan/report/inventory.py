"""Terminal tables of the two file documents: the certificate inventory (`pqscan certs`,
`Inventory.to_dict()`) and the lint results (`pqscan lint`: {"certificates": [...]}).

JSON is the document itself; text from files arrives inert (pqscan.report.render).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

_INVENTORY_HEADERS = ["path", "kind", "algorithm", "category", "quantum-vulnerable", "subject",
                      "not after"]


def render_certs_table(inventory: Mapping[str, Any]) -> str:
    rows = []
    for f in inventory.get("files") or []:
        for obj in f.get("objects") or []:
            key = obj.get("public_key") or {}
            rows.append([
                f["path"], obj["kind"], key.get("algorithm", "encrypted"),
                key.get("nist_category") if key else None,
                "yes" if key.get("quantum_vulnerable") else "no" if key else "?",
                obj.get("subject", ""), obj.get("not_after", ""),
            ])
    return tabulate(rows, headers=_INVENTORY_HEADERS, tablefmt="simple", missingval="-")


def render_lint_table(document: Mapping[str, Any]) -> str:
    rows = [[e["path"] + (f"#{e['index']}" if e.get("index") else ""), f["severity"], f["code"],
             f["message"]]
            for e in document.get("certificates") or [] for f in e["findings"]]
    return tabulate(rows, headers=["certificate", "severity", "code", "message"])
