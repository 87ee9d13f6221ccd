"""How much of the method sheet (`endpoint["probes"]`) a report keeps: `--probes`.

- `full`: every probe with the whole offer (groups, suites, schemes sent): 90-160 KB per
  endpoint, for debugging one server.
- `summary` (default): per probe its name, result, attempts and transcript hash, plus the
  reason and the evidence file when there is one (an inconclusive probe always has a reason).
  The name says which offer it was, the hash pins the exchange, and `--evidence DIR` still
  keeps every raw transcript.
- `none`: no probe list; `connections` still counts them.
"""

from __future__ import annotations

from typing import Any

PROBE_MODES = ("full", "summary", "none")


SUMMARY_FIELDS = ("name", "result", "transcript_sha256", "attempts")


def _summary(probe: dict[str, Any]) -> dict[str, Any]:
    out = {k: probe.get(k) for k in SUMMARY_FIELDS}
    for optional in ("reason", "evidence_file"):  # only when there is one
        if probe.get(optional):
            out[optional] = probe[optional]
    return out


def shape_probes(endpoint: dict[str, Any], mode: str) -> dict[str, Any]:
    """`endpoint` with its probe list cut to `mode` (in place; returned for chaining)."""
    if mode not in PROBE_MODES:
        raise ValueError(f"probe mode must be one of {', '.join(PROBE_MODES)}, not {mode!r}")
    probes = endpoint.get("probes") or []
    endpoint.setdefault("connections", len(probes))
    if mode == "none":
        endpoint["probes"] = []
    elif mode == "summary":
        endpoint["probes"] = [_summary(p) for p in probes]
    return endpoint
