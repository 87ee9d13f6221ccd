"""How much detail a written endpoint keeps: the method sheet (`endpoint["probes"]`, cut to
`--probes`) and the compact form of the facts that every mode shares.

- `full`: every probe with the whole offer (groups, suites, schemes sent): 90-160 KB per
  endpoint, for debugging one server.
- `summary` (default): per probe its name, result, attempts and transcript hash, plus the
  reason and the evidence file when there is one (an inconclusive probe always has a
  reason). The name says which offer it was, the hash pins the exchange, and `--evidence
  DIR` still keeps every raw transcript.
- `none`: no probe list; `connections` still counts them.

In every mode the facts are written compactly without losing any (docs/json-contract.md,
"How much a report keeps"): a group entry leaves out `via`, `confirmed` and `reason` when
they are null, and a `certificate_chains` entry whose chain is the served
`certificate_chain` (the same certificates, by SHA-256) leaves out `chain` — readers take
the served chain for it. A typical TLS 1.3 server's groups map has ~40 entries, and most
servers have one certificate: these were 15 % of a summary-mode endpoint.
"""

from __future__ import annotations

from typing import Any

PROBE_MODES = ("full", "summary", "none")


SUMMARY_FIELDS = ("name", "result", "transcript_sha256", "attempts")
GROUP_OPTIONAL = ("via", "confirmed", "reason")  # json-contract: absent = null


def _summary(probe: dict[str, Any]) -> dict[str, Any]:
    out = {k: probe.get(k) for k in SUMMARY_FIELDS}
    for optional in ("reason", "evidence_file"):  # only when there is one
        if probe.get(optional):
            out[optional] = probe[optional]
    return out


def _fingerprints(chain: Any) -> list[Any]:
    return [c.get("sha256") if isinstance(c, dict) else None for c in chain or ()]


def compact_facts(endpoint: dict[str, Any]) -> dict[str, Any]:
    """`endpoint` with its TLS facts in their compact form (in place; returned)."""
    tls = endpoint.get("tls")
    if not isinstance(tls, dict):
        return endpoint
    for entry in (tls.get("groups") or {}).values():
        if isinstance(entry, dict):
            for name in GROUP_OPTIONAL:
                if name in entry and entry[name] is None:
                    del entry[name]
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
        endpoint["probes"] = []
    elif mode == "summary":
        endpoint["probes"] = [_summary(p) for p in probes]
    return compact_facts(endpoint)
