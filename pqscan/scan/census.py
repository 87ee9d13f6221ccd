"""The `quick` depth: a census of at most three connections per endpoint.

The first connection is the browser-like hello of `pqscan.scan.probes.behaviour`; what it
meets decides what the other two ask, so that each kind of server gets a K-state from facts:

- TLS 1.3 answered with a PQ group: the X25519-share-first and classical-only hellos, as at
  standard depth. They give the group a browser gets, whether PQ is preferred (HRR up to a
  PQ group) or enforced, and — the browser-like handshake runs to the end — the certificate
  chain. TLS 1.2 RSA key transport stays undecided (so does the readiness level).
- TLS 1.3 answered with a classical group (most servers): a hello offering every PQ group with
  no key share (refused: none supported, K3; HRR: the PQ group named), and a TLS 1.2 hello
  offering only RSA key transport suites (RFC 5246 §7.4.1.3: accepted, or refused, which
  says "not accepted"; a reset or timeout decides nothing), which the readiness level needs.
  The classical-only hello is not made: the browser-like one already showed classical key
  exchange is accepted.
- `protocol_version` alert (RFC 8446 §4.2.1: a server that speaks TLS 1.3 but none of the
  versions offered): TLS 1.3 is not supported, so two TLS 1.2 hellos instead, one offering
  every forward-secret suite (ECDHE, DHE) and one only RSA key transport (RFC 5246
  §7.4.7.1). K4 or K5 follows, and the first gives the chain.
- any other alert (no group in common: a server with only pure ML-KEM or other PQ groups
  refuses the browser's list): a PQ hello listing every PQ group pqscan can complete, with an
  empty key share so the server names its choice by HelloRetryRequest (one connection,
  confirmed by decrypting its flight), and the classical-only hello; K0 when the first is
  answered and the second refused.
- no TLS answer (a reset or timeout: some servers choke on a hello this large): the other two
  behaviours, as for TLS 1.3, since a smaller hello may get through.
- a connection that never reached the server: unreachable, no more connections are made.

Everything not gathered is recorded as inconclusive with the reason "not probed at depth
quick", so profiles that need it give NOT_TESTED and the K-state stays undecided rather than
guessed (a TLS 1.3 server whose hellos end on classical groups may still support a PQ group
no hello offered first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import cache
from typing import Any

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import cipher_suite as registry_suite
from pqscan.registry.tls import group as registry_group
from pqscan.scan.assemble import EndpointFacts
from pqscan.scan.context import CONNECT_FAILURES, ProbeContext
from pqscan.scan.probes.behaviour import (
    Negotiation,
    check_behaviour,
    negotiation,
    run_browser_like,
)
from pqscan.scan.probes.groups import GroupEntry, GroupsResult
from pqscan.scan.probes.registry import Check, EndpointDown, Facts
from pqscan.scan.probes.tls12 import ECDHE_CURVES, FFDHE_GROUPS, TLS12Result, tls12_suites
from pqscan.scan.probes.versions import VersionsResult, tls13_groups, unreachable_reason
from pqscan.tls.keyshare import can_generate
from pqscan.tls.messages import TLS12, TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult

NOT_PROBED = "not probed at depth quick"
PQ_HELLO = "pq_only"  # the behaviour name of the PQ hello (probe behaviour.pq_only)
PQ_ANY = "groups.enumerate.pq"  # decides tls/groups (pqscan.model.status.decided_by)


@cache  # the registry is fixed for the process; a census asks per endpoint (issue 12 speed)
def _pq_tls13_groups() -> tuple[int, ...]:
    return tuple(c for c in tls13_groups() if registry_group(c).is_pq)


@cache
def pq_hello_groups() -> tuple[int, ...]:
    """Every PQ group of the registry valid in TLS 1.3 that pqscan can complete a handshake
    with (a Kyber draft it cannot generate would be chosen and then fail)."""
    return tuple(c for c in _pq_tls13_groups() if can_generate(c))


async def _pq_hello(ctx: ProbeContext) -> Negotiation:
    offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=pq_hello_groups(),
                      key_shares=())
    return negotiation(await ctx.handshake(f"behaviour.{PQ_HELLO}", offer, depth="full"))


async def _pq_any(ctx: ProbeContext) -> HandshakeResult:
    """Every PQ group of the registry, no key share: the server names its pick by
    HelloRetryRequest (RFC 8446 §4.1.4) or refuses, supporting none of them (§4.1.1)."""
    offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=_pq_tls13_groups(),
                      key_shares=())
    return await ctx.handshake(PQ_ANY, offer, follow_hrr=False)


_FORWARD, _RSA = ("ECDHE", "DHE"), ("RSA",)
RSA_HELLO = "tls12.rsa_key_transport"


async def _tls12_hello(ctx: ProbeContext, name: str, kexes: tuple[str, ...],
                       groups: tuple[int, ...]) -> HandshakeResult:
    offer = ctx.offer(versions=(TLS12,), cipher_suites=tls12_suites(*kexes), groups=groups)
    return await ctx.handshake(name, offer, depth="full" if "ECDHE" in kexes else "hello")


def _accepted(r: HandshakeResult, kexes: tuple[str, ...]) -> Status:
    """Did a TLS 1.2 hello offering only suites of `kexes` get one of them? A refusal says
    no (RFC 5246 §7.4.1.3: the server picks from the client's list or fails); a reset or a
    timeout, or a suite not offered, decides nothing."""
    if r.outcome == "server_hello" and r.version == TLS12:
        if r.cipher_suite is not None and registry_suite(r.cipher_suite).kex in kexes:
            return Status(SUPPORTED)
        return Status(INCONCLUSIVE, f"server chose a suite not offered "
                                    f"(0x{r.cipher_suite or 0:04x})")
    if r.outcome == "alert":
        return Status(NOT_SUPPORTED)
    return Status(INCONCLUSIVE, r.reason or r.outcome)


def _tls12(forward: HandshakeResult, rsa: HandshakeResult) -> tuple[Status, TLS12Result]:
    """(TLS 1.2 support, what the two TLS 1.2 hellos showed)."""
    fs, rsa_status = _accepted(forward, _FORWARD), _accepted(rsa, _RSA)
    untested = Status(INCONCLUSIVE, NOT_PROBED)
    if SUPPORTED in (fs.value, rsa_status.value):
        version = Status(SUPPORTED)
    else:  # two refusals: a server of TLS 1.0/1.1 only, or of suites neither offered
        version = Status(INCONCLUSIVE, f"{NOT_PROBED}: both TLS 1.2 hellos ended in "
                         f"{forward.alert_name or forward.reason}, {rsa.alert_name or rsa.reason}")
        rsa_status = Status(INCONCLUSIVE, version.reason)
    curves: dict[int, Status] = {c: untested for c in ECDHE_CURVES}
    ffdhe = untested
    kex = registry_suite(forward.cipher_suite).kex if fs.value == SUPPORTED and \
        forward.cipher_suite is not None else None
    if kex == "ECDHE" and forward.group in curves:  # RFC 8422 §5.4: the curve it named
        curves[forward.group] = Status(SUPPORTED)
    elif kex == "DHE":
        ffdhe = Status(SUPPORTED)
    return version, TLS12Result(curves, (), ffdhe, rsa_status, forward.certificates,
                                forward.cert_request_schemes, forward.outcome == "server_hello")


def _rsa_version(rsa: HandshakeResult) -> Status:
    """TLS 1.2 support as an RSA-only hello shows it: accepted, or refused with
    protocol_version (RFC 8446 §4.2.1: a server without the client's version); any other
    refusal may be about the suites, so TLS 1.2 stays unknown."""
    if rsa.outcome == "server_hello" and rsa.version == TLS12:
        return Status(SUPPORTED)
    if rsa.outcome == "alert" and rsa.alert_name == "protocol_version":
        return Status(NOT_SUPPORTED)
    return Status(INCONCLUSIVE, NOT_PROBED)


def _rsa_only(rsa: HandshakeResult) -> TLS12Result:
    """The TLS 1.2 facts of the RSA-only hello alone: RSA key transport accepted or not (a
    server offered only TLS_RSA_* suites that refuses does not accept it, whatever else it
    takes); every curve and DHE was not asked."""
    untested = Status(INCONCLUSIVE, NOT_PROBED)
    return TLS12Result({c: untested for c in ECDHE_CURVES}, (), untested,
                       _accepted(rsa, _RSA), (), None, False)


async def census_facts(ctx: ProbeContext) -> tuple[EndpointFacts, list[HandshakeResult]]:
    """The census of one endpoint (at most three connections): its facts, and every handshake
    made (the caller decides from them whether the endpoint was reachable at all)."""
    first = negotiation(await run_browser_like(ctx))
    r = first.result
    if r.error_kind in CONNECT_FAILURES:  # never reached the server (after the retries)
        return EndpointFacts(versions=VersionsResult({}, {})), [r]
    if first.status == "ok" and first.group is not None and not registry_group(first.group).is_pq:
        # The browser-like hello (a PQ share first) ended on a classical group, so an X25519-
        # first client would too: its hello is spent instead on whether the server supports any
        # PQ group at all, which tells K2 from K3 (K3: none; most servers today). A
        # classical-only hello would only repeat what this one showed (classical key
        # exchange is accepted), so the third asks about TLS 1.2 RSA key transport instead,
        # which the readiness level needs (L0 even next to TLS 1.3)
        pq_any, rsa = await asyncio.gather(_pq_any(ctx), _tls12_hello(ctx, RSA_HELLO, _RSA, ()))
        facts = _tls13_facts({"browser_like": first}, _rsa_version(rsa), pq_any=pq_any)
        facts.tls12, facts.legacy_version = _rsa_only(rsa), TLS12
        return facts, [r, pq_any, rsa]
    if first.status != "refused":  # TLS 1.3 answered, or no answer (a reset: too big a hello?)
        behaviour = await check_behaviour(ctx, r)
        return _tls13_facts(behaviour), [n.result for n in behaviour.values()]
    if r.alert_name == "protocol_version":
        forward, rsa = await asyncio.gather(
            _tls12_hello(ctx, "tls12.forward_secret", _FORWARD, ECDHE_CURVES + FFDHE_GROUPS),
            _tls12_hello(ctx, RSA_HELLO, _RSA, ()))
        version12, tls12 = _tls12(forward, rsa)
        facts = _tls13_facts({"browser_like": first}, version12)
        facts.tls12, facts.legacy_version = tls12, TLS12
        facts.tls12_chain_source = "tls12.forward_secret"
        return facts, [r, forward, rsa]
    pq, classical = await asyncio.gather(_pq_hello(ctx), _classical(ctx))
    behaviour = {"browser_like": first, PQ_HELLO: pq, "classical_only": classical}
    return _tls13_facts(behaviour), [n.result for n in behaviour.values()]


async def _classical(ctx: ProbeContext) -> Negotiation:
    return (await check_behaviour(ctx, only=("classical_only",)))["classical_only"]


def _tls13(behaviour: dict[str, Negotiation]) -> Status:
    results = [n.result for n in behaviour.values()]
    if any(r.outcome == "server_hello" and r.version == TLS13 for r in results):
        return Status(SUPPORTED)
    # RFC 8446 §4.2.1: a server without TLS 1.3 answers a 1.3-only hello with protocol_version;
    # any other refusal may be a group mismatch (a PQ-only server), so it decides nothing
    if results and all(r.outcome == "alert" and r.alert_name == "protocol_version"
                       for r in results):
        return Status(NOT_SUPPORTED)
    reasons = sorted({r.alert_name or r.reason or r.outcome for r in results})
    return Status(INCONCLUSIVE, f"{NOT_PROBED}: the TLS 1.3 hellos ended in "
                                f"{', '.join(str(x) for x in reasons)}")


def _groups(behaviour: dict[str, Negotiation], pq_any: HandshakeResult | None = None
            ) -> GroupsResult:
    """Groups a hello ended on are supported (confirmed: the handshake decrypted); every other
    PQ group is inconclusive, so the K-state does not read silence as "classical only" —
    unless the all-PQ hello was refused (none supported) or named one by HRR."""
    seen: dict[int, GroupEntry] = {}
    for name, n in behaviour.items():
        if n.status == "ok" and n.group is not None and n.group not in seen:
            seen[n.group] = GroupEntry(n.group, SUPPORTED, "key_share", n.result.confirmed,
                                       f"negotiated by behaviour.{name}")
    rest = Status(INCONCLUSIVE, NOT_PROBED)
    if pq_any is not None and pq_any.outcome == "hrr" and pq_any.hrr_group is not None \
            and pq_any.hrr_group in _pq_tls13_groups():
        seen[pq_any.hrr_group] = GroupEntry(pq_any.hrr_group, SUPPORTED, "hrr", None,
                                            f"named by HelloRetryRequest to {PQ_ANY}")
    elif pq_any is not None and pq_any.outcome == "alert":
        rest = Status(NOT_SUPPORTED, f"{PQ_ANY}: a hello offering only PQ groups was refused "
                      f"({pq_any.alert_name})")
    elif pq_any is not None:  # a reset, a timeout, a violation: decides nothing
        rest = Status(INCONCLUSIVE, f"{PQ_ANY}: {pq_any.reason or pq_any.outcome}")
    for code in _pq_tls13_groups():
        if code not in seen:
            seen[code] = GroupEntry(code, rest.value, None, None, rest.reason)
    return GroupsResult(tuple(seen[c] for c in _tls13_order() if c in seen), ())


@cache
def _tls13_order() -> tuple[int, ...]:
    return tls13_groups()


def _tls13_facts(behaviour: dict[str, Negotiation], tls12: Status | None = None,
                 pq_any: HandshakeResult | None = None) -> EndpointFacts:
    untested = Status(INCONCLUSIVE, NOT_PROBED)
    versions = {"TLSv1.0": untested, "TLSv1.1": untested, "TLSv1.2": tls12 or untested,
                "TLSv1.3": _tls13(behaviour)}
    results = {f"behaviour.{k}": v.result for k, v in behaviour.items()}
    facts = EndpointFacts(versions=VersionsResult(versions, results), behaviour=behaviour)
    if facts.has_tls13:
        facts.groups = _groups(behaviour, pq_any)
        facts.tls13_suites_reason = NOT_PROBED
    return facts


def mark_not_gathered(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Lists a census never asked for are null, not empty: an empty list would read as "the
    server supports none" (json-contract: null = not gathered at this depth)."""
    tls = endpoint.get("tls")
    if tls:
        tls["group_preference"] = None
        tls["cipher_suites"] = {"TLSv1.3": None, "TLSv1.2": None}
    return endpoint


async def _census(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    endpoint, results = await census_facts(ctx)
    trouble = unreachable_reason(results)
    if trouble:
        raise EndpointDown(*trouble)
    return {"census": endpoint}


# `--depth quick` runs this probe alone (the registry's depth filter); its fact is the whole
# EndpointFacts of the census
CENSUS = Check("census", (), ("census",), _census, frozenset({"quick"}))
