"""One endpoint's result: the facts the checks collected, turned into the typed observation.

`EndpointFacts` is filled by the scanner as checks finish; `build_endpoint` turns them into a
`pqscan.model.endpoint.Endpoint` (the typed JSON contract, docs/json-contract.md) and writes its
`to_dict()`. The derived fields the contract keeps for readers (K-state, group families, PQ
schemes of a CertificateRequest) come from the same pqscan.assess / registry functions every
judgement recomputes them with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pqscan.assess.kexstate import derive_kex_state
from pqscan.certs.info import certificate_info
from pqscan.errors import DecodeError
from pqscan.model.cert import Certificate, CertificateError, ChainEntry
from pqscan.model.codec import ABSENT, Absent
from pqscan.model.endpoint import Endpoint, ProbeRecord
from pqscan.model.status import SUPPORTED, Status, undecided_decisions
from pqscan.model.tls import (
    TLS12,
    CertificateVerify,
    CipherSuites,
    ClientCertificateRequest,
    GroupObservation,
    Negotiated,
    TLSObservation,
)
from pqscan.model.tls import SignedChain as SignedChainObservation
from pqscan.model.vocab import EndpointStatus, KState, LearnedVia, Support, TLSVersion
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
    tls12_chain_source: str = "tls12.ecdhe[0]"  # the probe whose TLS 1.2 chain `tls12` holds

    @property
    def has_tls13(self) -> bool:
        return self.versions.versions["TLSv1.3"].value == SUPPORTED


_SUPPORT = {m.value: m for m in Support}
_TLS_VERSION = {m.value: m for m in TLSVersion}


def _support(s: Status) -> Support:
    return _SUPPORT[s.value]  # Support(s.value) without the enum call (~90 per endpoint)


# Names by codepoint, once per distinct code: an endpoint names ~120 groups, schemes and
# suites, and the registry lookup behind each is a few calls deep (issue 13, session 7).
@lru_cache(maxsize=1024)
def _group_name(code: int) -> str:
    return group(code).name


@lru_cache(maxsize=1024)
def _scheme_name(code: int) -> str:
    return signature_scheme(code).name


@lru_cache(maxsize=1024)
def _suite_name(code: int) -> str:
    return cipher_suite(code).name


@lru_cache(maxsize=1024)
def _certificate(der: bytes) -> ChainEntry:
    """One certificate as read, at position 0. Cached by its DER: a population shares
    intermediates (and a farm or CDN its leaves), and parsing is a third of a quick-depth
    endpoint's CPU. The entries are frozen, so sharing them is safe."""
    try:
        info = certificate_info(der).to_dict()
    except DecodeError as exc:
        return CertificateError(position=0, error=str(exc), der=der)
    return Certificate.from_dict({"position": 0, **info}).replace(der=der)


def observe_chain(certificates: tuple[bytes, ...]) -> tuple[ChainEntry, ...]:
    """Every certificate as served, raw DER kept on the typed entry (the JSON has its sha256)."""
    return tuple(_certificate_at(der, position) for position, der in enumerate(certificates))


@lru_cache(maxsize=1024)
def _certificate_at(der: bytes, position: int) -> ChainEntry:
    """`_certificate` at its place in a chain: a server sends the same chain on every
    connection, so the copy with another position is made once, not once per chain read."""
    entry = _certificate(der)
    return entry if position == 0 else entry.replace(position=position)


def _negotiated(facts: EndpointFacts) -> tuple[Negotiated, dict[str, str], dict[str, bool | None]]:
    negotiated: dict[str, str | None] = {}
    status: dict[str, str] = {}
    hrr: dict[str, bool | None] = {}
    for name in ("browser_like", "x25519_share_first", "classical_only"):
        n = facts.behaviour.get(name)
        negotiated[name] = _group_name(n.group) if n and n.group is not None else None
        status[name] = n.status if n else "not_run"
        hrr[name] = n.hrr if n else None
    return (Negotiated(browser_like=negotiated["browser_like"],
                       x25519_share_first=negotiated["x25519_share_first"],
                       classical_only=negotiated["classical_only"]), status, hrr)


def _signed_chains(result: SignatureSchemesResult) -> tuple[SignedChainObservation, ...]:
    by_leaf: dict[str, list[SignedChain]] = {}
    for c in result.chains:
        by_leaf.setdefault(c.leaf_sha256, []).append(c)
    return tuple(SignedChainObservation(
        leaf_sha256=leaf, schemes=tuple(_scheme_name(c.scheme) for c in chains),
        chain=observe_chain(chains[0].certificates)) for leaf, chains in by_leaf.items())


def _chain_source(facts: EndpointFacts
                  ) -> tuple[str | None, tuple[bytes, ...], CertificateVerify | None]:
    """The chain a default client sees: the browser-like handshake's; if that was refused (a
    PQ-only server), the census's PQ hello's or the first signature-scheme handshake's; else
    TLS 1.2's plaintext chain."""
    # the census's PQ hello (pqscan.scan.census) stands in for a refused browser-like one
    for name in ("browser_like", "pq_only"):
        hello = facts.behaviour.get(name)
        if hello and hello.result.certificates:
            r = hello.result
            cv = CertificateVerify(
                scheme=signature_scheme(r.cv_scheme).name if r.cv_scheme is not None else None,
                verified=r.cv_verified, reason=r.cv_reason, finished_verified=r.finished_ok)
            return f"behaviour.{name}", r.certificates, cv
    if facts.sigschemes and facts.sigschemes.chains:
        c = facts.sigschemes.chains[0]
        cv = CertificateVerify(scheme=_scheme_name(c.scheme), verified=c.verified,
                               reason=c.reason, finished_verified=None)
        return "sigalgs.TLSv1.3[0]", c.certificates, cv
    if facts.tls12 and facts.tls12.certificates:
        return facts.tls12_chain_source, facts.tls12.certificates, None
    return None, (), None


def _client_certificate_request(facts: EndpointFacts) -> ClientCertificateRequest | None:
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
    return ClientCertificateRequest(
        requested=schemes is not None,
        signature_schemes=tuple(_scheme_name(c) for c in schemes or ()),
        pq_signature_schemes=tuple(_scheme_name(c) for c in schemes or ()
                                   if signature_scheme(c).is_pq),
        source=source)


def _groups(facts: EndpointFacts) -> dict[str, GroupObservation]:
    if not facts.groups:
        return {}
    # keyed by the entry's fields as a plain tuple: hashed and compared in C, where the
    # dataclass's own __hash__ and __eq__ are Python calls (~40 entries per endpoint)
    return dict(_group_observation(e.code, e.status, e.via, e.confirmed, e.reason)
                for e in facts.groups.entries)


@lru_cache(maxsize=4096)
def _group_observation(code: int, status: str, via: str | None, confirmed: bool | None,
                       reason: str | None) -> tuple[str, GroupObservation]:
    """One group's entry (a GroupEntry's fields), typed. Endpoints configured alike answer
    alike, so each distinct entry is typed once (the objects are frozen: sharing is safe)."""
    return group(code).name, GroupObservation(
        status=Support(status), via=LearnedVia(via) if via else None,
        confirmed=confirmed, code=f"0x{code:04x}", family=group(code).family, reason=reason)


def _tls12(facts: EndpointFacts) -> tuple[TLS12 | None, bool | None]:
    """The TLS 1.2 facts, and `rsa_key_transport` (None: undecided) for the K4/K5 split."""
    t = facts.tls12
    if t is None:
        legacy = [facts.versions.versions[v].value for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2")]
        return None, False if all(v == "not_supported" for v in legacy) else None
    tls12 = TLS12(
        version_probed={0x0303: "TLSv1.2", 0x0302: "TLSv1.1", 0x0301: "TLSv1.0"}.get(
            facts.legacy_version or 0),
        ecdhe_curves={_group_name(c): _support(s) for c, s in t.curves.items()},
        curve_preference=tuple(_group_name(c) for c in t.curve_preference),
        ffdhe=_support(t.ffdhe), rsa_key_transport=_support(t.rsa_key_transport),
        signature_schemes={_scheme_name(c): _support(s)
                           for c, s in facts.tls12_sigschemes.items()})
    rsa = t.rsa_key_transport.value
    return tls12, None if rsa == "inconclusive" else rsa == SUPPORTED


def _older_suites(facts: EndpointFacts, version: str) -> tuple[str, ...] | Absent:
    codes = facts.older_suites.get(version)
    return ABSENT if codes is None else tuple(_suite_name(c) for c in codes)


def observe_tls(facts: EndpointFacts) -> TLSObservation:
    """The typed `tls` object of one endpoint (its K-state derived as every judgement does)."""
    tls = _unjudged_tls(facts)
    state, reason = derive_kex_state(tls.to_dict())
    return tls.replace(kex_state=KState(state) if state else None, kex_state_reason=reason)


def _unjudged_tls(facts: EndpointFacts) -> TLSObservation:
    """The typed `tls` object without its K-state (derived from what it writes)."""
    inconclusive = {n: s.reason for n, s in facts.versions.versions.items() if s.reason}
    negotiated, negotiation_status, hrr = _negotiated(facts)
    tls12, rsa_key_transport = _tls12(facts)
    source, certificates, verify = _chain_source(facts)
    sig = facts.sigschemes
    tls = TLSObservation(
        versions={_TLS_VERSION[n]: _support(s) for n, s in facts.versions.versions.items()},
        version_reasons=inconclusive or ABSENT,
        groups=_groups(facts),
        group_preference=(tuple(_group_name(c) for c in facts.groups.preference)
                          if facts.groups else ()),
        group_preference_basis=facts.preference_basis,
        negotiated=negotiated, negotiation_status=negotiation_status, hrr=hrr,
        cipher_suites=CipherSuites(
            tls13=tuple(_suite_name(c) for c in facts.tls13_suites),
            tls12=tuple(_suite_name(c) for c in facts.tls12_suites),
            tls11=_older_suites(facts, "TLSv1.1"), tls10=_older_suites(facts, "TLSv1.0")),
        cipher_suite_preference=dict(facts.suite_preference) or ABSENT,
        tls12=tls12, rsa_key_transport=rsa_key_transport,
        certificate_chain_source=source, certificate_verify=verify,
        certificate_chain=observe_chain(certificates),
        signature_schemes=({_scheme_name(c): _support(s) for c, s in sig.schemes.items()}
                           if sig else {}),
        certificate_chains=_signed_chains(sig) if sig else ABSENT,
        dual_certificate=sig.dual_certificate if sig else ABSENT,
        client_certificate_request=_client_certificate_request(facts),
        kex_state=None, kex_state_reason=None)
    return tls


def build_endpoint(target: Target, facts: EndpointFacts, ctx: ProbeContext) -> dict[str, Any]:
    # One pass through the typed codec: the K-state is derived from the `tls` dict it wrote
    # and set in place (the same derive_kex_state as observe_tls; writing the observation
    # twice was ~1 ms of an endpoint's client CPU, issue 12 item 2)
    out = _endpoint(target, EndpointStatus.OK, None, _unjudged_tls(facts), ctx, ()).to_dict()
    tls = out["tls"]
    tls["kex_state"], tls["kex_state_reason"] = derive_kex_state(tls)
    probes = [r.to_dict() for r in ctx.records]
    out["undecided"] = undecided_decisions(probes, tls["kex_state"], tls["kex_state_reason"])
    # The method sheet goes out as the context recorded it (scan.context.ProbeRecord writes
    # the PROBE shape): passing ~40 records per endpoint through the typed codec and back was
    # about a quarter of an endpoint's client CPU (issue 13 profile). tests/model round-trips
    # the written PROBE shape through model.endpoint.ProbeRecord.
    out["probes"], out["connections"] = probes, len(probes)
    return out


def _endpoint(target: Target, status: EndpointStatus, error: str | None,
              tls: TLSObservation | None, ctx: ProbeContext,
              probes: list[dict[str, Any]] | tuple[()] | None = None) -> Endpoint:
    records = [r.to_dict() for r in ctx.records] if probes is None else probes
    return Endpoint(
        target=target.text, host=target.host, port=target.port, sni=target.sni,
        # the STARTTLS protocol that carried TLS (null: TLS from the first byte)
        starttls=target.starttls,
        status=status, error=error, tls=tls,
        probes=tuple(ProbeRecord.from_dict(r) for r in records),
        connections=len(records),
        # the longest chain of connections that waited for another's answer (issue 13)
        round_trips=ctx.round_trips, findings=(), verdicts=(),
        # decisions a failed probe left open (model.status.undecided_decisions)
        undecided=())


def unreachable_endpoint(target: Target, status: str, reason: str,
                         ctx: ProbeContext) -> dict[str, Any]:
    return _endpoint(target, EndpointStatus(status),
                     reason.splitlines()[0] if reason else status, None, ctx).to_dict()
