"""One endpoint's result: the facts the checks collected, turned into the JSON-contract dict.

`EndpointFacts` is filled by the scanner as checks finish; `build_endpoint` is the only place
that knows the report's endpoint shape (docs/json-contract.md), and it derives the K-state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pqscan.assess.kexstate import derive_kex_state
from pqscan.certs.info import certificate_info
from pqscan.errors import DecodeError
from pqscan.model.status import SUPPORTED, Status, undecided_decisions
from pqscan.registry.tls import cipher_suite, group, signature_scheme
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.behaviour import Negotiation
from pqscan.scan.probes.certificates import SignatureSchemesResult, SignedChain
from pqscan.scan.probes.groups import GroupsResult
from pqscan.scan.probes.tls12 import TLS12Result
from pqscan.scan.probes.versions import VersionsResult
from pqscan.scan.targets import Target


@dataclass
class EndpointFacts:
    """What the checks found so far (filled during one endpoint's scan, then read once)."""

    versions: VersionsResult
    behaviour: dict[str, Negotiation] = field(default_factory=dict)
    groups: GroupsResult | None = None
    tls13_suites: list[int] = field(default_factory=list)
    tls13_suites_reason: str | None = None
    tls12: TLS12Result | None = None
    tls12_suites: list[int] = field(default_factory=list)
    tls12_suites_reason: str | None = None
    legacy_version: int | None = None
    sigschemes: SignatureSchemesResult | None = None
    preference_basis: str = "unknown"
    tls12_sigschemes: dict[int, Status] = field(default_factory=dict)
    # `--depth full` only: suites of the older legacy versions; whose suite order rules
    older_suites: dict[str, list[int]] = field(default_factory=dict)
    suite_preference: dict[str, str] = field(default_factory=dict)

    @property
    def has_tls13(self) -> bool:
        return self.versions.versions["TLSv1.3"].value == SUPPORTED


def _status(s: Status) -> str:
    return s.value


def _chain(certificates: tuple[bytes, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for position, der in enumerate(certificates):
        try:
            entry = {"position": position, **certificate_info(der).to_dict()}
        except DecodeError as exc:
            entry = {"position": position, "error": str(exc)}
        out.append(entry)
    return out


def _negotiated(facts: EndpointFacts) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    negotiated: dict[str, Any] = {}
    status: dict[str, Any] = {}
    hrr: dict[str, Any] = {}
    for name in ("browser_like", "x25519_share_first", "classical_only"):
        n = facts.behaviour.get(name)
        negotiated[name] = group(n.group).name if n and n.group is not None else None
        status[name] = n.status if n else "not_run"
        hrr[name] = n.hrr if n else None
    return negotiated, status, hrr


def _signed_chains(result: SignatureSchemesResult) -> list[dict[str, Any]]:
    by_leaf: dict[str, list[SignedChain]] = {}
    for c in result.chains:
        by_leaf.setdefault(c.leaf_sha256, []).append(c)
    return [{"leaf_sha256": leaf, "schemes": [signature_scheme(c.scheme).name for c in chains],
             "chain": _chain(chains[0].certificates)} for leaf, chains in by_leaf.items()]


def _chain_source(facts: EndpointFacts
                  ) -> tuple[str | None, tuple[bytes, ...], dict[str, Any] | None]:
    """The chain a default client sees: the browser-like handshake's; if that was refused (a
    PQ-only server), the first signature-scheme handshake's; else TLS 1.2's plaintext chain."""
    browser = facts.behaviour.get("browser_like")
    if browser and browser.result.certificates:
        r = browser.result
        cv = {"scheme": signature_scheme(r.cv_scheme).name if r.cv_scheme is not None else None,
              "verified": r.cv_verified, "reason": r.cv_reason, "finished_verified": r.finished_ok}
        return "behaviour.browser_like", r.certificates, cv
    if facts.sigschemes and facts.sigschemes.chains:
        c = facts.sigschemes.chains[0]
        cv = {"scheme": signature_scheme(c.scheme).name, "verified": c.verified,
              "reason": c.reason, "finished_verified": None}
        return "sigalgs.TLSv1.3[0]", c.certificates, cv
    if facts.tls12 and facts.tls12.certificates:
        return "tls12.ecdhe[0]", facts.tls12.certificates, None
    return None, (), None


def _client_certificate_request(facts: EndpointFacts) -> dict[str, Any] | None:
    """Does the server ask for a client certificate (RFC 8446 §4.3.2, RFC 5246 §7.4.4), and
    with which schemes? Read from the first handshake that got through the whole server flight
    (TLS 1.3 Finished, or TLS 1.2 ServerHelloDone); None when no such handshake exists."""
    source: str | None = None
    schemes: tuple[int, ...] | None = None
    browser = facts.behaviour.get("browser_like")
    if browser and browser.result.outcome == "server_hello" and browser.result.finished_ok:
        source, schemes = "behaviour.browser_like", browser.result.cert_request_schemes
    elif facts.sigschemes and facts.sigschemes.chains:
        source, schemes = "sigalgs.TLSv1.3[0]", facts.sigschemes.chains[0].cert_request_schemes
    elif facts.tls12 and facts.tls12.flight_completed:
        source, schemes = "tls12.ecdhe", facts.tls12.cert_request_schemes
    if source is None:
        return None
    names = [signature_scheme(c).name for c in schemes or ()]
    return {"requested": schemes is not None, "signature_schemes": names,
            "pq_signature_schemes": [signature_scheme(c).name for c in schemes or ()
                                     if signature_scheme(c).is_pq],
            "source": source}


def build_endpoint(target: Target, facts: EndpointFacts, ctx: ProbeContext) -> dict[str, Any]:
    versions = {n: _status(s) for n, s in facts.versions.versions.items()}
    tls: dict[str, Any] = {"versions": versions}
    inconclusive = {n: s.reason for n, s in facts.versions.versions.items() if s.reason}
    if inconclusive:
        tls["version_reasons"] = inconclusive
    tls["groups"] = ({group(e.code).name: e.to_dict() for e in facts.groups.entries}
                     if facts.groups else {})
    tls["group_preference"] = ([group(c).name for c in facts.groups.preference]
                               if facts.groups else [])
    tls["group_preference_basis"] = facts.preference_basis
    tls["negotiated"], tls["negotiation_status"], hrr = _negotiated(facts)
    tls["hrr"] = hrr
    tls["cipher_suites"] = {
        "TLSv1.3": [cipher_suite(c).name for c in facts.tls13_suites],
        "TLSv1.2": [cipher_suite(c).name for c in facts.tls12_suites],
        **{v: [cipher_suite(c).name for c in codes] for v, codes in facts.older_suites.items()},
    }
    if facts.suite_preference:
        tls["cipher_suite_preference"] = dict(facts.suite_preference)
    if facts.tls12:
        t = facts.tls12
        tls["tls12"] = {
            "version_probed": {0x0303: "TLSv1.2", 0x0302: "TLSv1.1", 0x0301: "TLSv1.0"}.get(
                facts.legacy_version or 0),
            "ecdhe_curves": {group(c).name: _status(s) for c, s in t.curves.items()},
            "curve_preference": [group(c).name for c in t.curve_preference],
            "ffdhe": _status(t.ffdhe),
            "rsa_key_transport": _status(t.rsa_key_transport),
            "signature_schemes": {signature_scheme(c).name: _status(s)
                                  for c, s in facts.tls12_sigschemes.items()},
        }
        rsa = t.rsa_key_transport.value
        tls["rsa_key_transport"] = None if rsa == "inconclusive" else rsa == SUPPORTED
    else:
        legacy = [versions[v] for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2")]
        tls["tls12"] = None
        tls["rsa_key_transport"] = False if all(v == "not_supported" for v in legacy) else None
    tls["certificate_chain_source"], certs, tls["certificate_verify"] = _chain_source(facts)
    tls["certificate_chain"] = _chain(certs)
    if facts.sigschemes:
        tls["signature_schemes"] = {signature_scheme(c).name: _status(s)
                                    for c, s in facts.sigschemes.schemes.items()}
        tls["certificate_chains"] = _signed_chains(facts.sigschemes)
        tls["dual_certificate"] = facts.sigschemes.dual_certificate
    else:
        tls["signature_schemes"] = {}
    tls["client_certificate_request"] = _client_certificate_request(facts)
    tls["kex_state"], tls["kex_state_reason"] = derive_kex_state(tls)
    endpoint = _endpoint(target, "ok", None, tls, ctx)
    endpoint["undecided"] = undecided_decisions(endpoint["probes"], tls["kex_state"],
                                                tls["kex_state_reason"])
    return endpoint


def _endpoint(target: Target, status: str, error: str | None, tls: dict[str, Any] | None,
              ctx: ProbeContext) -> dict[str, Any]:
    return {
        "target": target.text, "host": target.host, "port": target.port, "sni": target.sni,
        # the STARTTLS protocol that carried TLS (null: TLS from the first byte)
        "starttls": target.starttls,
        "status": status, "error": error, "tls": tls,
        "probes": [r.to_dict() for r in ctx.records],
        "connections": len(ctx.records),
        # the longest chain of connections that waited for another's answer (issue 13)
        "round_trips": ctx.round_trips,
        "findings": [], "verdicts": [],
        # decisions a failed probe left open (probes.status.undecided_decisions)
        "undecided": [],
    }


def unreachable_endpoint(target: Target, status: str, reason: str,
                         ctx: ProbeContext) -> dict[str, Any]:
    return _endpoint(target, status, reason.splitlines()[0] if reason else status, None, ctx)
