"""How much detail a written endpoint keeps: the method sheet (`endpoint["probes"]`, cut to
`--probes`) and the compact form of the facts that every mode shares.

- `full`: every probe with the whole offer (groups, suites, schemes sent): 90-160 KB per
  endpoint, for debugging one server.
- `summary` (default): per probe its name, result, transcript hash and attempts, plus the
  reason and the evidence file when there is one (an inconclusive probe always has a
  reason), as one table (`probe_table`: the column names once, a row per probe; read with
  pqscan.model.view.probe_list). The name says which offer it was, the hash pins the
  exchange, and `--evidence DIR` still keeps every raw transcript.
- `none`: no probe list; `connections` still counts them.

In every mode the facts are written compactly without losing any (docs/json-contract.md,
"How much a report keeps"): a group entry leaves out `via`, `confirmed` and `reason` when
they are null and `code` and `family` when they are the registry's for its name, and a
`certificate_chains` entry whose chain is the served `certificate_chain` (the same
certificates, by SHA-256) leaves out `chain` — readers take the served chain for it. A
typical TLS 1.3 server's groups map has ~40 entries, and most servers have one
certificate: these were 15 % of a summary-mode endpoint.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pqscan.registry.tls import group

PROBE_MODES = ("full", "summary", "none")


SUMMARY_FIELDS = ("name", "result", "transcript_sha256", "attempts")
# the summary table's columns: SUMMARY_FIELDS, then the optional ones (a row stops at its
# last non-null cell)
TABLE_COLUMNS = (*SUMMARY_FIELDS, "reason", "evidence_file")
GROUP_OPTIONAL = ("via", "confirmed", "reason")  # json-contract: absent = null


def _row(probe: dict[str, Any]) -> list[Any]:
    get = probe.get  # TABLE_COLUMNS in order, spelled out: ~40 rows per endpoint
    row = [get("name"), get("result"), get("transcript_sha256"), get("attempts"),
           get("reason") or None, get("evidence_file") or None]
    while row and row[-1] is None:
        row.pop()
    return row


def probe_table(probes: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary method sheet as one table: column names once, a short row per probe
    (a list of 40 summary objects repeated every key: a third of a compact endpoint)."""
    return {"columns": list(TABLE_COLUMNS), "rows": [_row(p) for p in probes]}


@lru_cache(maxsize=512)
def _registry_fields(name: str) -> tuple[str, str] | None:
    """(code, family) the registry gives group `name`; None for a name it does not know."""
    try:
        known = group(name)
    except ValueError:
        return None
    return f"0x{known.code:04x}", known.family.value


def _fingerprints(chain: Any) -> list[Any]:
    return [c.get("sha256") if isinstance(c, dict) else None for c in chain or ()]


def compact_facts(endpoint: dict[str, Any]) -> dict[str, Any]:
    """`endpoint` with its TLS facts in their compact form (in place; returned)."""
    tls = endpoint.get("tls")
    if not isinstance(tls, dict):
        return endpoint
    for name, entry in (tls.get("groups") or {}).items():  # one pass: ~40 entries
        if isinstance(entry, dict):
            for key in GROUP_OPTIONAL:
                if entry.get(key, 0) is None:  # present and null
                    del entry[key]
            # left out when code and family are the registry's for the name (~40 per endpoint)
            known = _registry_fields(name)
            if known is not None and entry.get("code", known[0]) == known[0] and \
                    entry.get("family") == known[1]:
                entry.pop("code", None)
                del entry["family"]
    served = _fingerprints(tls.get("certificate_chain"))
    for entry in tls.get("certificate_chains") or ():
        if isinstance(entry, dict) and served and None not in served and \
                _fingerprints(entry.get("chain")) == served:
            del entry["chain"]
    return endpoint


def shape_probes(endpoint: dict[str, Any], mode: str) -> dict[str, Any]:
    """`endpoint` with its probe list cut to `mode` and its facts compact (in place;
    returned for chaining)."""
    if mode not in PROBE_MODES:
        raise ValueError(f"probe mode must be one of {', '.join(PROBE_MODES)}, not {mode!r}")
    probes = endpoint.get("probes") or []
    endpoint.setdefault("connections", len(probes))
    if mode == "none":
        endpoint.pop("probe_table", None)
        endpoint["probes"] = []
    elif mode == "summary" and "probe_table" not in endpoint:  # not yet shaped (a resume
        endpoint.pop("probes", None)                            # rewrites stored ones)
        endpoint["probe_table"] = probe_table(probes)
    return compact_facts(endpoint)
