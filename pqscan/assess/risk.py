"""Quantum risk per endpoint after Mosca: separate harvest-now-decrypt-later (HNDL) and
authentication scores, per quantum-timeline scenario, with every input's provenance.

Model (shared/reference regulators-adoption-risk.md §5c, after Mosca 2018 "x + y > z"):
  m_hndl,s = z_s - (x + y);  m_auth,s = z_s - y;  urgency f(m) = 1 if m <= 0,
  1 - m/H if 0 < m < H, 0 if m >= H (H = 5 years);
  S_hndl,s = 100 * V_kex * E * I * f(m_hndl,s);  S_auth,s = 100 * V_auth * E * I_auth * f(m_auth,s).
Inputs are "measured" (from the scan), "declared" (target metadata) or "default" (published
policy value below). Confidence is the share of non-default inputs, shown beside the score and
never multiplied in. A score whose measured input is undecided is INCONCLUSIVE with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pqscan.assess.strength import signature_oid_is_classical
from pqscan.model.metadata import TargetMetadata, metadata_for
from pqscan.model.view import all_certificates, kex_state, protocol

MODEL_VERSION = "mosca-1"
DEFAULT_SCENARIOS = (2030, 2035, 2040)
HORIZON_YEARS = 5.0
# V_kex per K-state (§5c table 1): K2 serves classical key exchange to X25519-first clients.
V_KEX = {"K0": 0.0, "K1": 0.1, "K2": 0.7, "K3": 1.0, "K4": 1.0, "K5": 1.0}
EXPOSURE = {"internet": 1.0, "partner": 0.7, "internal": 0.4}
IMPACT = {"low": 0.25, "moderate": 0.5, "high": 1.0}
DEFAULTS: dict[str, Any] = {"exposure": "internet", "impact": "moderate", "impact_auth": "moderate",
            "data_shelf_life_years": 5.0, "migration_years": 3.0}


@dataclass(frozen=True)
class RiskInput:
    """One model input with where it came from."""

    name: str
    value: float | None
    provenance: str  # measured | declared | default
    source: str
    label: str | None = None  # the declared word behind a value ("internet", "high")

    def __post_init__(self) -> None:
        if self.provenance not in ("measured", "declared", "default"):
            raise ValueError(f"bad provenance {self.provenance!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "label": self.label,
                "provenance": self.provenance, "source": self.source}


@dataclass(frozen=True)
class ScenarioScore:
    """Both scores for one quantum-timeline scenario z (a year)."""

    year: int
    z_years: float
    m_hndl: float | None
    m_auth: float | None
    s_hndl: float | None
    s_auth: float | None

    @property
    def headline(self) -> float | None:
        known = [s for s in (self.s_hndl, self.s_auth) if s is not None]
        return max(known) if known else None

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "z_years": self.z_years, "m_hndl": self.m_hndl,
                "m_auth": self.m_auth, "s_hndl": self.s_hndl, "s_auth": self.s_auth,
                "headline": self.headline}


@dataclass(frozen=True)
class EndpointRisk:
    """The risk of one endpoint: inputs, per-scenario scores, confidence and caveats."""

    target: str
    inputs: tuple[RiskInput, ...]
    scenarios: tuple[ScenarioScore, ...]
    confidence: float
    hndl_inconclusive: str | None
    auth_inconclusive: str | None
    amplifier: bool

    def input(self, name: str) -> RiskInput:
        return next(i for i in self.inputs if i.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"model": MODEL_VERSION, "target": self.target,
                "inputs": [i.to_dict() for i in self.inputs],
                "scenarios": [s.to_dict() for s in self.scenarios],
                "confidence": self.confidence, "hndl_inconclusive": self.hndl_inconclusive,
                "auth_inconclusive": self.auth_inconclusive, "amplifier": self.amplifier}


def urgency(margin: float, horizon: float = HORIZON_YEARS) -> float:
    if margin <= 0:
        return 1.0
    return 0.0 if margin >= horizon else 1.0 - margin / horizon


def _declared(meta: TargetMetadata | None, name: str, table: Mapping[str, float] | None,
              label: str) -> RiskInput:
    raw: Any = getattr(meta, name, None) if meta else None
    if raw is None:
        raw, provenance, source = DEFAULTS[name], "default", "pqscan default (§5c)"
    else:
        provenance, source = "declared", "target metadata"
    if table:
        return RiskInput(label, table[str(raw)], provenance, source, str(raw))
    return RiskInput(label, float(raw), provenance, source)


def _v_kex(ep: Mapping[str, Any]) -> tuple[RiskInput, str | None]:
    state = kex_state(ep)  # TLS or SSH K-state: the same scale
    if state not in V_KEX:
        proto = ep.get(protocol(ep)) or {}
        reason = (f"endpoint {ep.get('status')}: {ep.get('error')}" if ep.get("status") != "ok"
                  else f"kex_state undecided: {proto.get('kex_state_reason')}")
        return RiskInput("V_kex", None, "measured", "kex_state"), reason
    return RiskInput("V_kex", V_KEX[state], "measured", f"kex_state {state}"), None


def _v_auth_ssh(ep: Mapping[str, Any]) -> tuple[RiskInput, str | None]:
    """SSH: the host keys fetched stand where TLS has the certificate chain."""
    keys = [k for k in (ep.get("ssh") or {}).get("host_keys") or []
            if isinstance(k, Mapping) and k.get("status") == "fetched"]
    if not keys:
        return RiskInput("V_auth", None, "measured", "SSH host keys"), "no host key fetched"
    vulnerable = [k.get("quantum_vulnerable") for k in keys]
    if True in vulnerable:
        return RiskInput("V_auth", 1.0, "measured", "classical SSH host key"), None
    if None in vulnerable:
        return (RiskInput("V_auth", None, "measured", "SSH host keys"),
                "cannot classify a host key algorithm")
    return RiskInput("V_auth", 0.0, "measured", "every SSH host key is PQ"), None


def _v_auth(ep: Mapping[str, Any]) -> tuple[RiskInput, str | None]:
    if protocol(ep) == "ssh":
        return _v_auth_ssh(ep)
    certs = all_certificates(ep)
    if not certs:
        return (RiskInput("V_auth", None, "measured", "certificate chain"),
                "no certificate chain observed")
    classical, unknown = [], []
    for cert in certs:
        vulnerable = (cert.get("public_key") or {}).get("quantum_vulnerable")
        oid = (cert.get("signature_algorithm") or {}).get("oid")
        sig = signature_oid_is_classical(oid) if isinstance(oid, str) else None
        if vulnerable is True or sig is True:
            classical.append(str(cert.get("subject")))
        elif vulnerable is None or sig is None:
            unknown.append(str(cert.get("subject")))
    if classical:
        return RiskInput("V_auth", 1.0, "measured", "classical key or signature in chain"), None
    if unknown:
        return (RiskInput("V_auth", None, "measured", "certificate chain"),
                f"cannot classify the key or signature of {unknown[0]}")
    return RiskInput("V_auth", 0.0, "measured", "whole served chain is PQ"), None


def _scan_year(report: Mapping[str, Any]) -> float:
    stamp = str(report.get("started_at") or "")
    try:
        return float(datetime.strptime(stamp[:10], "%Y-%m-%d").year)
    except ValueError:
        return float(datetime.now(UTC).year)


def _score(v: float | None, e: float, i: float, margin: float) -> float | None:
    return None if v is None else round(100.0 * v * e * i * urgency(margin), 1)


def endpoint_risk(report: Mapping[str, Any], ep: Mapping[str, Any],
                  meta: TargetMetadata | None = None,
                  scenarios: Sequence[int] = DEFAULT_SCENARIOS) -> EndpointRisk:
    if not scenarios or not all(isinstance(z, int) for z in scenarios):
        raise TypeError("scenarios must be a non-empty sequence of years (int)")
    v_kex, hndl_reason = _v_kex(ep)
    v_auth, auth_reason = _v_auth(ep)
    exposure = _declared(meta, "exposure", EXPOSURE, "E")
    impact = _declared(meta, "impact", IMPACT, "I")
    impact_auth = _declared(meta, "impact_auth", IMPACT, "I_auth")
    x = _declared(meta, "data_shelf_life_years", None, "x")
    y = _declared(meta, "migration_years", None, "y")
    year = _scan_year(report)
    inputs = [v_kex, v_auth, exposure, impact, impact_auth, x, y,
              RiskInput("scan_year", year, "measured", "report started_at")]
    e, i, ia = (float(r.value or 0.0) for r in (exposure, impact, impact_auth))
    out = []
    for z in scenarios:
        z_years = float(z) - year
        m_hndl = z_years - (float(x.value or 0.0) + float(y.value or 0.0))
        m_auth = z_years - float(y.value or 0.0)
        out.append(ScenarioScore(z, z_years, m_hndl, m_auth, _score(v_kex.value, e, i, m_hndl),
                                 _score(v_auth.value, e, ia, m_auth)))
    scored = [r for r in inputs if r.name != "scan_year"]
    confidence = round(sum(r.provenance != "default" for r in scored) / len(scored), 2)
    return EndpointRisk(str(ep.get("target")), tuple(inputs), tuple(out), confidence,
                        hndl_reason, auth_reason, kex_state(ep) == "K5")


def report_risk(report: Mapping[str, Any], metadata: Mapping[str, TargetMetadata] | None = None,
                scenarios: Sequence[int] = DEFAULT_SCENARIOS) -> list[EndpointRisk]:
    return [endpoint_risk(report, ep, metadata_for(ep, metadata), scenarios)
            for ep in report.get("endpoints") or []]
