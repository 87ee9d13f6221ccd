"""TLS 1.2 (and older) key exchange: ECDHE curves, FFDHE, RSA key transport.

Curves are enumerated by elimination: offer ECDHE suites with a curve list, read the curve the
ServerKeyExchange names (RFC 8422 §5.4), drop it and ask again. FFDHE: DHE suites with the
RFC 7919 groups listed. RSA key transport: only TLS_RSA_* suites (RFC 5246 §7.4.7.1) — a
server that accepts them offers no forward secrecy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import CIPHER_SUITES, GROUPS, GroupFamily, group
from pqscan.registry.tls import cipher_suite as registry_suite
from pqscan.scan.context import ProbeContext
from pqscan.tls.handshake import HandshakeResult


def tls12_suites(*kexes: str) -> tuple[int, ...]:
    """Every registered TLS 1.2 suite of these key exchanges ("ECDHE", "DHE", "RSA")."""
    return tuple(c for c, s in CIPHER_SUITES.items() if not s.tls13 and s.kex in kexes)


_suites = tls12_suites


ECDHE_CURVES = tuple(c for c, g in GROUPS.items()
                     if g.tls12 and g.family == GroupFamily.CLASSICAL and c < 0x100)
FFDHE_GROUPS = tuple(c for c in GROUPS if 0x100 <= c <= 0x104)


@dataclass(frozen=True)
class TLS12Result:
    curves: dict[int, Status]
    curve_preference: tuple[int, ...]
    ffdhe: Status
    rsa_key_transport: Status
    certificates: tuple[bytes, ...] = ()  # the chain of the first ECDHE handshake
    # the CertificateRequest of the first completed ECDHE flight; None: none seen / not reached
    cert_request_schemes: tuple[int, ...] | None = None
    flight_completed: bool = False


_CURVE_CODES = {"secp256r1": 0x0017, "secp384r1": 0x0018, "secp521r1": 0x0019}
# The curves worth a connection each when elimination cannot run (not the RFC 8422 D-list)
_MODERN = (0x001D, 0x001E, 0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x001C)


def _cert_curve(certificates: tuple[bytes, ...]) -> int | None:
    """The named curve of an ECDSA leaf, which RFC 8422 §5.1 makes part of the curve list."""
    if not certificates:
        return None
    try:
        key = x509.load_der_x509_certificate(certificates[0]).public_key()
    except ValueError:
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _CURVE_CODES.get(key.curve.name)
    return None


async def _curves(ctx: ProbeContext, version: int
                  ) -> tuple[dict[int, Status], tuple[int, ...], tuple[bytes, ...],
                             HandshakeResult | None]:
    """(curve status, server order, first chain seen, first flight through ServerHelloDone)."""
    remaining = list(ECDHE_CURVES)
    chain: tuple[bytes, ...] = ()
    done: HandshakeResult | None = None
    order: list[int] = []
    out: dict[int, Status] = {}
    pinned: int | None = None  # the ECDSA certificate's curve, kept in every later offer
    for _ in range(len(ECDHE_CURVES) + 1):
        if not remaining:
            break
        groups = tuple(remaining) + ((pinned,) if pinned is not None else ())
        offer = ctx.offer(versions=(version,), cipher_suites=_suites("ECDHE"), groups=groups)
        r = await ctx.handshake(f"tls12.ecdhe[{len(order)}]", offer, depth="full")
        if pinned is None:
            pinned = _cert_curve(r.certificates)
        chain = chain or r.certificates
        if done is None and r.outcome == "server_hello":
            done = r
        if r.outcome == "server_hello" and r.group in remaining:
            order.append(r.group)
            remaining.remove(r.group)
            out[r.group] = Status(SUPPORTED)
            continue
        if r.outcome == "server_hello" and r.group == pinned and pinned in order:
            # The server prefers its certificate's curve over everything left: ask one by one
            out.update(await _one_by_one(ctx, version, remaining, pinned))
            return out, tuple(order), chain, done
        if r.outcome == "alert":
            out.update({c: Status(NOT_SUPPORTED) for c in remaining})
        else:
            why = r.reason or "server chose a curve that was not offered"
            out.update({c: Status(INCONCLUSIVE, why) for c in remaining})
        break
    return out, tuple(order), chain, done


async def _one_by_one(ctx: ProbeContext, version: int, remaining: list[int],
                      pinned: int) -> dict[int, Status]:
    why = ("the ECDSA certificate's curve must stay offered (RFC 8422 §5.1) and the server "
           "prefers it")
    out: dict[int, Status] = {c: Status(INCONCLUSIVE, why) for c in remaining
                              if c not in _MODERN}

    async def one(code: int) -> tuple[int, Status]:
        offer = ctx.offer(versions=(version,), cipher_suites=_suites("ECDHE"),
                          groups=(code, pinned))
        r = await ctx.handshake(f"tls12.ecdhe_single[{group(code).name}]", offer, depth="full")
        if r.outcome == "server_hello" and r.group == code:
            return code, Status(SUPPORTED)
        if r.outcome == "server_hello":
            return code, Status(INCONCLUSIVE, why)
        if r.outcome == "alert":
            return code, Status(NOT_SUPPORTED)
        return code, Status(INCONCLUSIVE, r.reason or r.outcome)

    results = await asyncio.gather(*(one(c) for c in remaining if c in _MODERN))
    out.update(dict(results))
    return out


async def _accepts(ctx: ProbeContext, name: str, version: int, kex: str) -> Status:
    groups = FFDHE_GROUPS if kex == "DHE" else ()
    offer = ctx.offer(versions=(version,), cipher_suites=_suites(kex), groups=groups)
    r = await ctx.handshake(name, offer)
    if r.outcome == "server_hello":
        if registry_suite(r.cipher_suite or 0).kex == kex:
            return Status(SUPPORTED)
        return Status(INCONCLUSIVE, f"server chose unoffered suite 0x{r.cipher_suite or 0:04x}")
    if r.outcome == "alert":
        return Status(NOT_SUPPORTED)
    return Status(INCONCLUSIVE, r.reason or r.outcome)


async def _from_suites(ctx: ProbeContext, name: str, version: int, kex: str,
                       suites: Awaitable[tuple[list[int], str | None]] | None) -> Status:
    """Issue 13: a completed TLS 1.2 suite elimination (it ended with the server refusing
    what was left) lists every suite the server accepts, so whether it takes DHE or RSA key
    transport is read from it; an elimination cut short asks with a connection of its own."""
    if suites is not None:
        accepted, cut_short = await suites
        if cut_short is None:
            if any(registry_suite(c).kex == kex for c in accepted):
                return Status(SUPPORTED)
            return Status(NOT_SUPPORTED)
    return await _accepts(ctx, name, version, kex)


async def check_tls12(ctx: ProbeContext, version: int,
                      suites: Awaitable[tuple[list[int], str | None]] | None = None
                      ) -> TLS12Result:
    """`suites`: the TLS 1.2 suite elimination (a task shared with the suite check)."""
    (curves, order, chain, done), ffdhe, rsa = await asyncio.gather(
        _curves(ctx, version),
        _from_suites(ctx, "tls12.ffdhe", version, "DHE", suites),
        _from_suites(ctx, "tls12.rsa_key_transport", version, "RSA", suites),
    )
    return TLS12Result(curves, order, ffdhe, rsa, chain,
                       done.cert_request_schemes if done else None, done is not None)
