"""Group checks: PQ group acceptance, preference, HRR behaviour, retired and unknown groups
(PQT-001..013, 025..027, 039). Each function returns a `Verdict`; support is decided first
(HRR or alert to a share-less offer) so an unsupported group is not_applicable, never a fail.
"""

from __future__ import annotations

import os

from pqscan.conformance.model import FAIL, INCONCLUSIVE, NOT_APPLICABLE, PASS, Verdict, register
from pqscan.conformance.probe import (
    CLASSICAL,
    CLASSICAL_SIGALGS,
    MLKEM512,
    MLKEM768,
    MLKEM1024,
    PQ_GROUPS,
    SECP256R1MLKEM768,
    SECP384R1MLKEM1024,
    X25519,
    X25519MLKEM768,
    Probe,
    expect_alert,
    gname,
    no_pq_verdict,
    observed,
)
from pqscan.conformance.script import exchange
from pqscan.registry.tls import group
from pqscan.tls.extensions import KeyShareEntry
from pqscan.tls.keyshare import can_generate, new_key_share
from pqscan.tls.messages import ClientHello, ServerHello
from pqscan.tls.offer import ClientOffer, build_client_hello


async def _accept(probe: Probe, g: int) -> Verdict:
    """RFC 8446 §4.2.8 / [HYB]: SH echoes the group, the share has the exact length, and the
    handshake keys derived from it decrypt the server flight (Finished verifies)."""
    want = group(g).server_share_len
    expected = f"ServerHello with {gname(g)}, server share {want} B, Finished verifies"
    ok, evidence = await probe.support(g)
    if ok is None:
        return Verdict(INCONCLUSIVE, expected, evidence)
    if not ok:
        return Verdict(NOT_APPLICABLE, expected, f"not supported: {evidence}")
    r = await probe.group_handshake(g)
    good = (r.outcome == "server_hello" and r.group == g and r.server_share_len == want
            and r.confirmed and r.finished_ok is True)
    if r.outcome == "error" and r.error_kind in ("decode", "violation"):
        good = False  # e.g. a wrong-length ciphertext the client rejected ([HYB]: MUST check)
    elif r.outcome == "error":
        return Verdict(INCONCLUSIVE, expected, observed(r))
    return Verdict(PASS if good else FAIL, expected, observed(r))


@register("PQT-001", "groups")
async def x25519mlkem768(probe: Probe) -> Verdict:
    return await _accept(probe, X25519MLKEM768)


@register("PQT-002", "groups")
async def secp256r1mlkem768(probe: Probe) -> Verdict:
    return await _accept(probe, SECP256R1MLKEM768)


@register("PQT-003", "groups")
async def secp384r1mlkem1024(probe: Probe) -> Verdict:
    return await _accept(probe, SECP384R1MLKEM1024)


async def _all_accept(probe: Probe, groups: tuple[int, ...], what: str) -> Verdict:
    verdicts = [(g, await _accept(probe, g)) for g in groups if can_generate(g)]
    applicable = [(g, v) for g, v in verdicts if v.result != NOT_APPLICABLE]
    expected = f"every supported {what} group: exact server share length, Finished verifies"
    if not applicable:
        return Verdict(NOT_APPLICABLE, expected,
                       "; ".join(f"{gname(g)}: {v.observed}" for g, v in verdicts))
    obs = "; ".join(f"{gname(g)}: {v.observed}" for g, v in applicable)
    for word in (FAIL, INCONCLUSIVE):
        if any(v.result == word for _, v in applicable):
            return Verdict(word, expected, obs)
    return Verdict(PASS, expected, obs)


@register("PQT-004", "groups")
async def pure_mlkem(probe: Probe) -> Verdict:
    # MLKEM512/768/1024 are draft-ietf-tls-mlkem (I-D) codepoints
    return await _all_accept(probe, (MLKEM768, MLKEM1024, MLKEM512), "pure ML-KEM (I-D)")


@register("PQT-025", "groups")
async def server_share_well_formed(probe: Probe) -> Verdict:
    return await _all_accept(probe, PQ_GROUPS, "PQ")


@register("PQT-005", "groups")
async def pq_preferred(probe: Probe) -> Verdict:
    expected = "a PQ group selected when PQ and x25519 shares are both offered (policy)"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    r = await probe.handshake(depth="hello", groups=(pq, X25519), key_shares=(pq, X25519))
    if r.outcome != "server_hello":
        return Verdict(INCONCLUSIVE if r.outcome == "error" else FAIL, expected, observed(r))
    ok = r.group is not None and group(r.group).is_pq
    return Verdict(PASS if ok else FAIL, expected, observed(r),
                   "" if ok else "classical chosen although PQ was offered")


@register("PQT-006", "groups", "hrr")
async def pq_via_hrr(probe: Probe) -> Verdict:
    expected = "HelloRetryRequest for the PQ group when only an x25519 share is sent"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    r = await probe.handshake(depth="hello", follow_hrr=False, groups=(pq, X25519),
                              key_shares=(X25519,))
    if r.outcome == "hrr":
        ok = r.hrr_group is not None and group(r.hrr_group).is_pq
        return Verdict(PASS if ok else FAIL, expected, observed(r))
    if r.outcome == "server_hello":
        return Verdict(FAIL, expected, observed(r), "PQ not enforced: x25519-first client "
                       "gets classical key exchange")
    return Verdict(INCONCLUSIVE if r.outcome == "error" else FAIL, expected, observed(r))


@register("PQT-007", "hrr")
async def hrr_round_trip(probe: Probe) -> Verdict:
    expected = "HelloRetryRequest for the PQ group, then a full handshake (RFC 8446 §4.1.1 MUST)"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    r = await probe.handshake(groups=(pq,), key_shares=())
    ok = (r.outcome == "server_hello" and r.hrr_group == pq and r.group == pq
          and r.finished_ok is True)
    if r.outcome == "error" and r.error_kind not in ("violation", "decode", "timeout"):
        return Verdict(INCONCLUSIVE, expected, observed(r))
    return Verdict(PASS if ok else FAIL, expected, observed(r))


@register("PQT-008", "hrr")
async def hrr_well_formed(probe: Probe) -> Verdict:
    """RFC 8446 §4.1.4: selected_group offered but not shared; one HRR; same cipher suite."""
    expected = ("selected_group in supported_groups and not in key_share; a single HRR; "
                "ServerHello cipher suite equals the HRR's")
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    seen = []
    for shares in ((), (X25519,)):
        r = await probe.handshake(depth="hello", groups=(pq, X25519), key_shares=shares)
        if r.hrr_group is None:
            continue
        if r.outcome == "error" and r.error_kind == "violation":
            return Verdict(FAIL, expected, r.reason)
        if r.outcome == "server_hello" and r.hrr_cipher_suite != r.cipher_suite:
            return Verdict(FAIL, expected, f"HRR suite 0x{r.hrr_cipher_suite:04x}, "
                           f"ServerHello suite 0x{r.cipher_suite:04x}")
        if r.outcome != "server_hello":
            return Verdict(INCONCLUSIVE if r.outcome == "error" else FAIL, expected, observed(r))
        seen.append(observed(r))
    if not seen:
        return Verdict(NOT_APPLICABLE, expected, "the server sent no HelloRetryRequest")
    return Verdict(PASS, expected, "; ".join(seen))


@register("PQT-009", "hrr", "malformed")
async def second_hello_must_match(probe: Probe) -> Verdict:
    expected = "fatal illegal_parameter (servers MAY check, RFC 8446 §4.1.2; tlsfuzzer expects it)"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    offer = ClientOffer(groups=(pq, X25519), key_shares=(), sni=probe.sni)
    random, sid = os.urandom(32), os.urandom(32)
    first = build_client_hello(offer, (), random, sid)

    def second(hrr: ServerHello) -> ClientHello:
        # the HRR asked for the PQ group; answer with an x25519 share instead
        share = KeyShareEntry(X25519, new_key_share(X25519).key_exchange())
        return build_client_hello(offer, (share,), random, sid)

    ex = await exchange(probe.host, probe.port, first, probe.limits, second=second)
    if not ex.hellos or not ex.hellos[0].is_hrr:
        return Verdict(NOT_APPLICABLE if ex.outcome in ("alert", "server_hello") else
                       INCONCLUSIVE, expected, f"no HelloRetryRequest: {ex.observed()}")
    if ex.outcome == "alert":
        ok = ex.alert_name == "illegal_parameter"
        return Verdict(PASS if ok else FAIL, expected, ex.observed())
    if ex.outcome == "server_hello":
        return Verdict(FAIL, expected, "ServerHello to a second ClientHello whose key_share "
                       "ignores the HRR", "lenient")
    # a close or reset is no answer: undecided, never a fail (issue 10)
    return Verdict(INCONCLUSIVE, expected, ex.observed())


@register("PQT-010", "groups")
async def unsupported_pq_refused(probe: Probe) -> Verdict:
    expected = "fatal handshake_failure or insufficient_security (RFC 8446 §4.1.1); no hang"
    for g in PQ_GROUPS:
        ok, _ = await probe.support(g)
        if ok is False and can_generate(g):
            r = await probe.handshake(depth="hello", groups=(g,), key_shares=(g,))
            v = expect_alert(r, ("handshake_failure", "insufficient_security"))
            return Verdict(v.result, v.expected, f"{gname(g)}: {v.observed}")
    return Verdict(NOT_APPLICABLE, expected, "the server supports every PQ group pqscan offers")


_TLS12_ECDHE = (0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA8, 0xCCA9, 0xC013, 0xC009)
_HYBRIDS = (X25519MLKEM768, SECP256R1MLKEM768, SECP384R1MLKEM1024)


@register("PQT-011", "groups", "tls12")
async def no_hybrid_in_tls12(probe: Probe) -> Verdict:
    expected = ("TLS 1.2: classical curve in ServerKeyExchange; hybrids only -> "
                "fatal handshake_failure ([HYB] groups are TLS 1.3 only)")
    a = await probe.handshake(versions=(0x0303,), cipher_suites=_TLS12_ECDHE,
                              groups=CLASSICAL + _HYBRIDS)
    if a.outcome != "server_hello":
        if a.refused:
            return Verdict(NOT_APPLICABLE, expected, f"no TLS 1.2 ECDHE: {observed(a)}")
        return Verdict(INCONCLUSIVE, expected, observed(a))
    b = await probe.handshake(versions=(0x0303,), cipher_suites=_TLS12_ECDHE, groups=_HYBRIDS)
    obs = f"mixed: curve {gname(a.group)}; hybrids only: "
    obs += (f"ServerKeyExchange curve {gname(b.group)}" if b.outcome == "server_hello"
            else observed(b))
    ok_a = a.group is not None and not group(a.group).is_pq
    ok_b = b.outcome == "alert" and b.alert_name in ("handshake_failure",
                                                     "insufficient_security")
    return Verdict(PASS if ok_a and ok_b else FAIL, expected, obs)


@register("PQT-012", "groups")
async def kyber_retired(probe: Probe) -> Verdict:
    r = await probe.handshake(depth="hello", follow_hrr=False, groups=(0x6399, 0x639A),
                              key_shares=())
    return expect_alert(r, ("handshake_failure",), "pre-standard Kyber is obsolete")


@register("PQT-013", "groups")
async def unknown_and_grease_tolerated(probe: Probe) -> Verdict:
    expected = "ServerHello selecting the PQ group despite 256 unassigned groups and GREASE"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    unknown = tuple(c for c in range(0x2000, 0x2200) if group(c).family.value == "unknown")[:256]
    # RFC 8446 §4.2.8: shares in supported_groups order, so the GREASE share comes first
    r = await probe.handshake(groups=(0x0A0A, *unknown, pq), key_shares=(0x0A0A, pq),
                              share_overrides={0x0A0A: b"\x00"})
    ok = r.outcome == "server_hello" and r.group == pq and r.finished_ok is True
    return Verdict(PASS if ok else FAIL, expected, observed(r))


@register("PQT-026", "groups")
async def fresh_encapsulation(probe: Probe) -> Verdict:
    expected = "different server key_share bytes for two hellos carrying the identical share"
    pq = await probe.first_pq()
    if pq is None:
        return no_pq_verdict(expected)
    offer = ClientOffer(groups=(pq,), key_shares=(pq,), sni=probe.sni)
    hello = build_client_hello(offer, (KeyShareEntry(pq, new_key_share(pq).key_exchange()),))
    shares = []
    for _ in range(2):
        ex = await exchange(probe.host, probe.port, hello, probe.limits)
        sh = ex.hellos[-1] if ex.hellos else None
        if ex.outcome != "server_hello" or sh is None or sh.key_share is None:
            return Verdict(INCONCLUSIVE, expected, f"replayed hello: {ex.observed()}")
        shares.append(sh.key_share.key_exchange)
    ok = shares[0] != shares[1]
    return Verdict(PASS if ok else FAIL, expected,
                   f"{gname(pq)}: " + ("server shares differ" if ok else
                                       "identical server share/ciphertext returned twice"))


@register("PQT-027", "groups")
async def several_pq_shares(probe: Probe) -> Verdict:
    expected = "a complete handshake selecting one of the offered groups"
    offered = (X25519MLKEM768, SECP384R1MLKEM1024, X25519)
    r = await probe.handshake(groups=offered, key_shares=offered)
    ok = r.outcome == "server_hello" and r.group in offered and r.finished_ok is True
    if r.outcome == "alert" and not await probe.supported(offered):
        return Verdict(NOT_APPLICABLE, expected, f"none of the groups supported: {observed(r)}")
    return Verdict(PASS if ok else FAIL, expected, observed(r))


@register("PQT-039", "groups")
async def classical_fallback(probe: Probe) -> Verdict:
    expected = ("classical-only TLS 1.3 hello refused (informational: a quantum-vulnerable "
                "fallback, NIST IR 8547 ipd)")
    r = await probe.handshake(groups=CLASSICAL, key_shares=(X25519,),
                              signature_schemes=CLASSICAL_SIGALGS)
    if r.outcome == "server_hello":
        return Verdict(FAIL, expected, observed(r), "quantum-vulnerable fallback negotiates")
    if r.refused:
        return Verdict(PASS, expected, observed(r))
    return Verdict(INCONCLUSIVE, expected, observed(r))
