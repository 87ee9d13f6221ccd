"""The legends every report shows next to its codes: readiness levels, K-states, verdict
results, and the risk model in plain words.

Wording only (the definitions are judged elsewhere: levels in pqscan.assess.readiness, see
docs/readiness.md, whose table these lines follow; K-states in pqscan.assess.kexstate; risk
in pqscan.assess.risk).
"""

from __future__ import annotations

from collections.abc import Sequence

from pqscan.assess.risk import HORIZON_YEARS, MODEL_VERSION, EndpointRisk
from pqscan.model.view import KEX_MEANING
from pqscan.report.ssh_view import SSH_MEANING

LEVELS = (
    ("L0", "legacy: TLS 1.2 or older is the best version, or TLS 1.2 RSA key transport is "
           "accepted (K4/K5); SSH: only SHA-1 (EC)DH or RSA key transport methods"),
    ("L1", "classical only: TLS 1.3 with classical key exchange (K3); SSH: no PQ method"),
    ("L2", "PQ key exchange supported, not preferred (K2): a TLS client sending an X25519 share "
           "first, or an OpenSSH 10 client, still gets classical key exchange"),
    ("L3", "PQ key exchange for every PQ-capable client (K0/K1); some certificate chain served "
           "(or SSH host key offered) is classical"),
    ("L4", "L3, and every certificate chain served (every SSH host key) is PQ or composite"),
    ("undecided", "a fact the level needs was not gathered or was inconclusive (timeout, "
                  "reset, protocol violation, unknown algorithm); never counted as ready"),
)
RESULTS = (
    ("PASS", "meets the requirement"),
    ("FAIL", "misses a requirement in force on the evaluation date: must change now"),
    ("DUE date", "passes the law of today but misses a requirement that comes into force on "
                 "that date: must change by then"),
    ("NOT_TESTED", "the scan could not decide (undecided probe, fact not gathered)"),
    ("NOT_APPLICABLE", "the requirement does not apply (other protocol, condition false, or "
                       "expired)"),
)


def kex_states() -> list[tuple[str, str]]:
    return [(k, f"TLS: {meaning}; SSH: {SSH_MEANING.get(k, '-')}")
            for k, meaning in KEX_MEANING.items()]


def risk_model(scenarios: Sequence[int]) -> list[str]:
    """The Mosca model (pqscan.assess.risk) in plain words, for the risk tables."""
    first = scenarios[0] if scenarios else 2030
    return [
        f"Model {MODEL_VERSION}, after Mosca: data recorded today is at risk if it must stay "
        "secret longer than it takes until a quantum computer can break today's key exchange "
        "(x + y > z).",
        "z: the years until the scenario year (a quantum computer that breaks RSA and "
        f"elliptic curves exists from then; scenarios {', '.join(map(str, scenarios))}). "
        "x: how many years the data must stay secret. y: how many years the migration takes.",
        "m_hndl = z - (x + y): the margin before traffic recorded now (harvest now, decrypt "
        "later) becomes readable; m_auth = z - y: the margin before forged certificates or "
        "host keys become possible. A margin of 0 or less is already too late.",
        f"Urgency is 1 when the margin is used up, falling to 0 at a margin of "
        f"{HORIZON_YEARS:g} years. Each score is 100 x vulnerability x exposure x impact x "
        f"urgency, 0 (no risk) to 100 (highest); the headline is the larger of S_hndl and "
        f"S_auth for {first}.",
        "Vulnerability comes from the scan (K-state, certificate chain); exposure, impact and "
        "x, y from the metadata file, else published defaults. Confidence is the share of inputs "
        "that were measured or declared rather than defaults; it is shown, never multiplied "
        "in. A score whose measured input is undecided is INCONCLUSIVE, never 0.",
    ]


def _score(value: float | None, reason: str | None) -> str:
    return f"INCONCLUSIVE ({reason})" if value is None else f"{value:g}/100"


def _margin(m: float | None) -> str:
    if m is None:
        return "unknown"
    return f"{m:g} years: already too late" if m <= 0 else f"{m:g} years"


def risk_sentence(risk: EndpointRisk) -> str:
    """The first scenario's numbers of one endpoint in plain words."""
    s = risk.scenarios[0]
    return (f"If a quantum computer arrives in {s.year} ({s.z_years:g} years after the scan): "
            "traffic recorded now could be read while it must still be secret (margin "
            f"z - (x + y) = {_margin(s.m_hndl)}), score {_score(s.s_hndl, risk.hndl_inconclusive)}"
            f"; forged certificates or host keys (margin z - y = {_margin(s.m_auth)}), score "
            f"{_score(s.s_auth, risk.auth_inconclusive)}. Confidence {risk.confidence:g}: the "
            "share of inputs measured or declared rather than defaults.")
