"""Malformed key share checks (PQT-014..023): each sends one broken share for a PQ group the
server supports and expects a fatal illegal_parameter ([HYB], FIPS 203 §7.2, RFC 8446 §4.2.8).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from pqscan.conformance.model import FAIL, NOT_APPLICABLE, PASS, Verdict, register
from pqscan.conformance.probe import (
    HYBRIDS,
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
from pqscan.registry.tls import group
from pqscan.tls.extensions import KeyShareEntry
from pqscan.tls.keyshare import new_key_share
from pqscan.tls.keyshare_primitives import PRIMITIVES
from pqscan.tls.result import HandshakeResult

_Q = 3329  # FIPS 203 §2.3: the ML-KEM modulus; a coefficient >= q fails the §7.2 check
_ILLEGAL = ("illegal_parameter",)
ShareMaker = Callable[[int], bytes | bytearray]


def _offset(g: int, kind: str) -> tuple[int, int]:
    """(offset, length) of the first component whose name starts with `kind` in g's share."""
    pos = 0
    for comp in group(g).components:
        n = PRIMITIVES[comp]().client_len
        if comp.startswith(kind):
            return pos, n
        pos += n
    raise ValueError(f"{gname(g)} has no {kind} component")


def _share(g: int) -> bytearray:
    return bytearray(new_key_share(g).key_exchange())


async def _send(probe: Probe, g: int, data: bytes | bytearray) -> HandshakeResult:
    return await probe.handshake(depth="hello", groups=(g,), key_shares=(g,),
                                 share_overrides={g: bytes(data)})


async def _malformed(probe: Probe, data_for: ShareMaker, allowed: tuple[str, ...] = _ILLEGAL,
                     groups: tuple[int, ...] = PQ_GROUPS, why: str = "") -> Verdict:
    """Run `data_for(g)` -> share bytes against the first supported group of `groups`."""
    g = await probe.first_pq(groups)
    expected = "fatal " + " or ".join(allowed)
    if g is None:
        return no_pq_verdict(expected, "needs one of " + ", ".join(gname(x) for x in groups))
    r = await _send(probe, g, data_for(g))
    v = expect_alert(r, allowed, why)
    return Verdict(v.result, v.expected, f"{gname(g)}: {v.observed}")


@register("PQT-014", "malformed")
async def truncated(probe: Probe) -> Verdict:
    return await _malformed(probe, lambda g: _share(g)[:-1])


@register("PQT-015", "malformed")
async def padded(probe: Probe) -> Verdict:
    return await _malformed(probe, lambda g: _share(g) + b"\x02")


def _other_size(g: int) -> bytes:
    own = group(g).client_share_len
    other = SECP384R1MLKEM1024 if own != group(SECP384R1MLKEM1024).client_share_len \
        else X25519MLKEM768
    return bytes(_share(other))


@register("PQT-016", "malformed")
async def sized_for_other_group(probe: Probe) -> Verdict:
    return await _malformed(probe, _other_size)


@register("PQT-017", "malformed")
async def empty_share(probe: Probe) -> Verdict:
    # RFC 8446 §4.2.8 key_exchange<1..2^16-1> says decode_error; [HYB]/tlsfuzzer say
    # illegal_parameter: the research notes (section 6) score either as a pass
    return await _malformed(probe, lambda g: b"", ("decode_error", "illegal_parameter"))


def _set_coefficient(share: bytearray, offset: int, index: int) -> bytearray:
    """Set t-hat coefficient `index` to q (ByteEncode12, FIPS 203 Alg. 5: two 12-bit values
    per 3 bytes, the even one in byte 0 + low nibble of byte 1)."""
    base = offset + 3 * (index // 2)
    if index % 2 == 0:
        share[base] = _Q & 0xFF
        share[base + 1] = (share[base + 1] & 0xF0) | (_Q >> 8)
    else:
        share[base + 1] = (share[base + 1] & 0x0F) | ((_Q & 0x0F) << 4)
        share[base + 2] = _Q >> 4
    return share


@register("PQT-018", "malformed")
async def mlkem_modulus_check(probe: Probe) -> Verdict:
    expected = "fatal illegal_parameter for every variant (FIPS 203 §7.2 modulus check)"
    g = await probe.first_pq()
    if g is None:
        return no_pq_verdict(expected)
    offset, length = _offset(g, "MLKEM")
    count = (length - 32) * 2 // 3  # 256*k coefficients before rho
    rng = random.Random(count)  # fixed indices: a rerun sends the same probes
    indices = sorted({0, count - 1, *rng.sample(range(1, count - 1), 2)})
    seen = []
    for i in indices:
        r = await _send(probe, g, _set_coefficient(_share(g), offset, i))
        v = expect_alert(r, _ILLEGAL)
        seen.append(f"t_hat[{i}]=3329: {v.observed}")
        if v.result != PASS:
            return Verdict(v.result, expected, f"{gname(g)} " + "; ".join(seen))
    return Verdict(PASS, expected, f"{gname(g)} " + "; ".join(seen))


@register("PQT-019", "malformed")
async def x25519_all_zero(probe: Probe) -> Verdict:
    def data(g: int) -> bytes:
        offset, n = _offset(g, "x25519")
        share = _share(g)
        share[offset:offset + n] = bytes(n)
        return bytes(share)

    return await _malformed(probe, data, groups=(X25519MLKEM768,),
                            why="RFC 8446 §7.4.2 all-zero check")


_NIST = (SECP256R1MLKEM768, SECP384R1MLKEM1024)


async def _each_nist(probe: Probe, variants: Mapping[str, ShareMaker], expected: str) -> Verdict:
    groups = await probe.supported(_NIST)
    if not groups:
        return Verdict(NOT_APPLICABLE, expected, "server supports neither SecP256r1MLKEM768 "
                       "nor SecP384r1MLKEM1024")
    seen = []
    for g in groups:
        for name, make in variants.items():
            r = await _send(probe, g, make(g))
            v = expect_alert(r, _ILLEGAL)
            seen.append(f"{gname(g)} {name}: {v.observed}")
            if v.result != PASS:
                return Verdict(v.result, expected, "; ".join(seen))
    return Verdict(PASS, expected, "; ".join(seen))


def _with_point(g: int, transform: Callable[[bytes], bytes]) -> bytes:
    offset, n = _offset(g, "secp")
    share = _share(g)
    point = bytes(share[offset:offset + n])
    return bytes(share[:offset]) + transform(point) + bytes(share[offset + n:])


@register("PQT-020", "malformed")
async def nist_point_off_curve(probe: Probe) -> Verdict:
    def corrupt(p: bytes) -> bytes:  # tlsfuzzer: byte 2 XOR 0xFF moves x off the curve
        return p[:2] + bytes([p[2] ^ 0xFF]) + p[3:]

    return await _each_nist(probe, {"x corrupted": lambda g: _with_point(g, corrupt)},
                            "fatal illegal_parameter (RFC 8446 §4.2.8.2 MUST validate)")


@register("PQT-021", "malformed")
async def nist_point_format(probe: Probe) -> Verdict:
    def compressed(p: bytes) -> bytes:
        half = (len(p) - 1) // 2
        return bytes([2 + (p[-1] & 1)]) + p[1:1 + half]

    variants = {
        "compressed": lambda g: _with_point(g, compressed),
        "hybrid": lambda g: _with_point(g, lambda p: bytes([6 + (p[-1] & 1)]) + p[1:]),
        "raw": lambda g: _with_point(g, lambda p: p[1:]),
    }
    return await _each_nist(probe, variants, "fatal illegal_parameter for compressed, hybrid "
                            "and raw points (RFC 8446 §4.2.8.2: uncompressed only)")


@register("PQT-022", "malformed")
async def duplicate_share(probe: Probe) -> Verdict:
    expected = ("fatal illegal_parameter preferred; proceeding is allowed (servers MAY check, "
                "RFC 8446 §4.2.8)")
    g = await probe.first_pq()
    if g is None:
        return no_pq_verdict(expected)
    r = await probe.handshake(groups=(g,), key_shares=(g,),
                              raw_shares=(KeyShareEntry(g, bytes(_share(g))),))
    if r.outcome == "alert" and r.alert_name == "illegal_parameter":
        return Verdict(PASS, expected, f"{gname(g)}: {observed(r)}")
    if r.outcome == "server_hello" and r.finished_ok is True:
        return Verdict(PASS, expected, f"{gname(g)}: {observed(r)}",
                       "lenient: duplicate KeyShareEntry accepted")
    return Verdict(FAIL, expected, f"{gname(g)}: {observed(r)}")


@register("PQT-023", "malformed")
async def share_for_unlisted_group(probe: Probe) -> Verdict:
    expected = ("fatal illegal_parameter, or the PQ share ignored; the unlisted group is never "
                "selected (RFC 8446 §4.2.8)")
    g = await probe.first_pq(HYBRIDS + PQ_GROUPS)
    if g is None:
        return no_pq_verdict(expected)
    r = await probe.handshake(groups=(X25519,), key_shares=(g, X25519))
    obs = f"{gname(g)} share, supported_groups=[x25519]: {observed(r)}"
    if r.outcome == "server_hello":
        return Verdict(FAIL if r.group == g else PASS, expected, obs)
    if r.outcome == "alert":
        # handshake_failure: the share was ignored and the server lacks x25519
        ok = r.alert_name in ("illegal_parameter", "handshake_failure")
        return Verdict(PASS if ok else FAIL, expected, obs)
    return expect_alert(r, _ILLEGAL)
