"""TLS 1.2 (and older) key exchange: ECDHE curves, FFDHE, RSA key transport.

Curves are enumerated by elimination: offer ECDHE suites with a curve list, read the curve the
ServerKeyExchange names (RFC 8422 §5.4), drop it and ask again; the TLS 1.2 suite elimination
carries most of these rounds (`tls12_chain`, issue 13 item 4). FFDHE: DHE suites with the
RFC 7919 groups listed. RSA key transport: only TLS_RSA_* suites (RFC 5246 §7.4.7.1) — a
server that accepts them offers no forward secrecy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import CIPHER_SUITES, GROUPS, GroupFamily, group
from pqscan.registry.tls import cipher_suite as registry_suite
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.tls.result import HandshakeResult


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
    chain_source: str | None = None  # the probe `certificates` came from


_CURVE_CODES = {"secp256r1": 0x0017, "secp384r1": 0x0018, "secp521r1": 0x0019}
CERTIFICATE_CURVES = tuple(_CURVE_CODES.values())  # the curves an ECDSA leaf names here
# The curves worth a connection each when elimination cannot run (not the RFC 8422 D-list)
_MODERN = (0x001D, 0x001E, 0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x001C)


def _cert_curve(certificates: tuple[bytes, ...]) -> int | None:
    """The named curve of an ECDSA leaf, which RFC 8422 §5.1 makes part of the curve list."""
    return _leaf_curve(certificates[0]) if certificates else None


@lru_cache(maxsize=256)
def _leaf_curve(der: bytes) -> int | None:
    # an endpoint asks this of the same leaf several times (issue 13): parsed once
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except ValueError:
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _CURVE_CODES.get(key.curve.name)
    return None


def curve_problem(r: HandshakeResult) -> str:
    """Why an answer to an ECDHE offer decides no curve: never a refusal (issue 13)."""
    if r.outcome != "server_hello":
        return r.reason or r.outcome
    if r.group is None:  # RFC 8422 §5.4: an ECDHE ServerKeyExchange names its curve
        return (f"server chose ECDHE suite 0x{r.cipher_suite or 0:04x} without naming a curve "
                "in a ServerKeyExchange")
    return f"server chose curve 0x{r.group:04x}, which was not offered"


class CurveElimination:
    """One endpoint's ECDHE curve elimination: the curves found (in the order the server took
    them), the curves left, and what the flights read so far showed (the ECDSA certificate's
    curve, the first chain, the first flight through ServerHelloDone).

    Its rounds come from two places (issue 13 item 4): the TLS 1.2 suite elimination
    (`pqscan.scan.probes.tls12_chain`), whose rounds answered with an ECDHE suite name a curve
    too, and `own_rounds`, today's rounds of ECDHE suites only, from wherever it stands.
    """

    def __init__(self, version: int, full: bool) -> None:
        self.version, self.full = version, full
        self.remaining = list(ECDHE_CURVES)
        self.order: list[int] = []
        self.out: dict[int, Status] = {}
        self.pinned: int | None = None  # the ECDSA certificate's curve, kept in every offer
        self.chain: tuple[bytes, ...] = ()
        self.chain_source: str | None = None
        self.done: HandshakeResult | None = None
        self.finished = False

    def saw(self, name: str, r: HandshakeResult) -> None:
        """A handshake read through the server flight (depth "full")."""
        if self.pinned is None:
            self.pinned = _cert_curve(r.certificates)
        if not self.chain and r.certificates:
            self.chain, self.chain_source = r.certificates, name
        if self.done is None and r.outcome == "server_hello":
            self.done = r

    def found(self, curve: int) -> None:
        self.order.append(curve)
        self.remaining.remove(curve)
        self.out[curve] = Status(SUPPORTED)

    def end(self, r: HandshakeResult) -> None:
        """The curves left from an answer that found none: refused, or undecided and why."""
        status = (Status(NOT_SUPPORTED) if r.outcome == "alert"
                  else Status(INCONCLUSIVE, curve_problem(r)))
        self.out.update({c: status for c in self.remaining})
        self.finished = True

    async def behind(self, ctx: ProbeContext) -> None:
        """The server took the certificate's curve, offered after the curves left."""
        assert self.pinned is not None
        self.finished = True
        self.out.update(await _behind_pinned(ctx, self.version, self.order, self.remaining,
                                             self.pinned, self.full))

    async def own_rounds(self, ctx: ProbeContext) -> None:
        """Offer ECDHE suites with the curves left (and the certificate's curve, RFC 8422
        §5.1), drop the one the ServerKeyExchange names, ask again; each round finds a curve
        or ends the elimination."""
        while self.remaining and not self.finished:
            pinned = () if self.pinned is None or self.pinned in self.remaining \
                else (self.pinned,)
            offer = ctx.offer(versions=(self.version,), cipher_suites=_suites("ECDHE"),
                              groups=tuple(self.remaining) + pinned)
            name = f"tls12.ecdhe[{len(self.order)}]"
            r = await ctx.handshake(name, offer, depth="full")
            self.saw(name, r)
            if r.outcome == "server_hello" and r.group in self.remaining:
                self.found(r.group)
            elif r.outcome == "server_hello" and pinned and r.group == self.pinned:
                await self.behind(ctx)
            else:
                self.end(r)

    def result(self) -> tuple[dict[int, Status], tuple[int, ...], tuple[bytes, ...],
                              HandshakeResult | None, str | None]:
        """(curve status, server order, first chain seen, first flight through
        ServerHelloDone, the probe that chain came from): the fact `tls12_curves`."""
        return self.out, tuple(self.order), self.chain, self.done, self.chain_source


async def eliminate_curves(ctx: ProbeContext, version: int, full: bool = False
                           ) -> tuple[dict[int, Status], tuple[int, ...], tuple[bytes, ...],
                                      HandshakeResult | None, str | None]:
    """The curve elimination on its own rounds only (no suite rounds to share)."""
    curves = CurveElimination(version, full)
    await curves.own_rounds(ctx)
    return curves.result()


_BEHIND = ("the ECDSA certificate's curve must stay offered (RFC 8422 §5.1) and the server "
           "prefers it")


async def _behind_pinned(ctx: ProbeContext, version: int, order: list[int],
                         remaining: list[int], pinned: int, full: bool) -> dict[int, Status]:
    """The curves left when the server chose the certificate's curve listed after them.

    If the server follows the client's order it would have taken any of them listed first,
    so none is supported. One connection tells: the curves found, offered in reverse — a
    server that follows the client answers with the last one found (issue 13: this replaced a
    connection per curve left, which such a server answers with the pinned curve anyway).
    A server with its own order may rank the pinned curve above curves it supports: those stay
    inconclusive, and `full` asks once per modern curve left, next to the pinned one.
    """
    if len(order) >= 2:
        offer = ctx.offer(versions=(version,), cipher_suites=_suites("ECDHE"),
                          groups=tuple(reversed(order)))
        r = await ctx.handshake("tls12.ecdhe_order", offer, depth="full")
        if r.outcome == "server_hello" and r.group == order[-1]:
            return {c: Status(NOT_SUPPORTED) for c in remaining}
    out: dict[int, Status] = {c: Status(INCONCLUSIVE, _BEHIND) for c in remaining}
    if full:
        out.update(await _one_by_one(ctx, version, remaining, pinned))
    return out


async def _one_by_one(ctx: ProbeContext, version: int, remaining: list[int],
                      pinned: int) -> dict[int, Status]:
    async def one(code: int) -> tuple[int, Status]:
        offer = ctx.offer(versions=(version,), cipher_suites=_suites("ECDHE"),
                          groups=(code, pinned))
        r = await ctx.handshake(f"tls12.ecdhe_single[{group(code).name}]", offer, depth="full")
        if r.outcome == "server_hello" and r.group == code:
            return code, Status(SUPPORTED)
        if r.outcome == "server_hello":
            return code, Status(INCONCLUSIVE, _BEHIND)
        if r.outcome == "alert":
            return code, Status(NOT_SUPPORTED)
        return code, Status(INCONCLUSIVE, r.reason or r.outcome)

    results = await asyncio.gather(*(one(c) for c in remaining if c in _MODERN))
    return dict(results)


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
                       suites: tuple[list[int], str | None]) -> Status:
    """Issue 13: a completed TLS 1.2 suite elimination (it ended with the server refusing
    what was left) lists every suite the server accepts, so whether it takes DHE or RSA key
    transport is read from it; an elimination cut short asks with a connection of its own."""
    accepted, cut_short = suites
    if cut_short is None:
        if any(registry_suite(c).kex == kex for c in accepted):
            return Status(SUPPORTED)
        return Status(NOT_SUPPORTED)
    return await _accepts(ctx, name, version, kex)


def combine(curves: dict[int, Status], order: tuple[int, ...], chain: tuple[bytes, ...],
            done: HandshakeResult | None, chain_source: str | None, ffdhe: Status,
            rsa: Status) -> TLS12Result:
    return TLS12Result(curves, order, ffdhe, rsa, chain,
                       done.cert_request_schemes if done else None, done is not None,
                       chain_source)


async def _kex(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    version, _answer = facts["legacy"]
    suites = facts["tls12_suites"]
    ffdhe, rsa = await asyncio.gather(
        _from_suites(ctx, "tls12.ffdhe", version, "DHE", suites),
        _from_suites(ctx, "tls12.rsa_key_transport", version, "RSA", suites))
    return {"tls12_kex": (ffdhe, rsa)}


async def _combine(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    return {"tls12": combine(*facts["tls12_curves"], *facts["tls12_kex"])}


# FFDHE and RSA key transport read from the finished suite elimination (issue 13)
KEX = Check("tls12.kex", ("legacy", "tls12_suites"), ("tls12_kex",), _kex)
TLS12 = Check("tls12", ("tls12_curves", "tls12_kex"), ("tls12",), _combine)
