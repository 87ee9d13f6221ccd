"""The executive summary: a few plain sentences computed from the report and the risk scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import EndpointRisk
from pqscan.model import view


def executive_summary(report: Mapping[str, Any], risks: Sequence[EndpointRisk]) -> list[str]:
    eps = report.get("endpoints") or []
    ok = [ep for ep in eps if ep.get("status") == "ok"]
    dist = view.kex_distribution(report)
    protected = dist.get("K0", 0) + dist.get("K1", 0)
    lines = [f"{len(ok)} of {len(eps)} endpoint(s) were scanned completely; "
             f"{len(eps) - len(ok)} could not be reached or failed (never counted as classical)."]
    if ok:
        lines.append(f"{protected} of {len(ok)} scanned endpoint(s) use post-quantum key exchange "
                     f"for PQ-capable clients (K0/K1); {dist.get('K2', 0)} support it without "
                     f"preferring it (K2); {sum(dist.get(k, 0) for k in ('K3', 'K4', 'K5'))} "
                     "offer classical key exchange only (K3-K5).")
        classical = sum(1 for r in risks if r.input("V_auth").value == 1.0)
        ssh = any(view.protocol(ep) == "ssh" for ep in eps)
        lines.append(f"{classical} endpoint(s) authenticate with a quantum-vulnerable "
                     + ("certificate chain or SSH host key." if ssh else "certificate chain."))
    totals = view.result_totals(report)
    if any(totals.values()):
        lines.append("Profile verdicts: " + ", ".join(f"{n} {r}" for r, n in totals.items())
                     + ".")
    scored = [(r.scenarios[0].headline, r.target) for r in risks
              if r.scenarios and r.scenarios[0].headline is not None]
    if scored:
        worst = max(scored)
        year = risks[0].scenarios[0].year
        lines.append(f"Highest risk score for the {year} scenario: {worst[0]:g} ({worst[1]}).")
    return lines
