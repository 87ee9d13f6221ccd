"""Client-behaviour check: which group three typical TLS 1.3 clients end up with.

- browser_like: lists X25519MLKEM768, x25519, secp256r1, secp384r1 and sends shares for the
  hybrid and x25519 (what current browsers send) -> the "default" group.
- x25519_share_first: same list, x25519 share only -> does the server HelloRetryRequest up to
  the hybrid ("preferred") or accept x25519?
- classical_only: classical groups only -> refused means PQ is "enforced".
The browser-like handshake is run to the end, so its certificate chain and CertificateVerify
serve the certificate check too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult

X25519, SECP256R1, SECP384R1, SECP521R1, X448 = 0x001D, 0x0017, 0x0018, 0x0019, 0x001E
X25519MLKEM768 = 0x11EC
FFDHE2048, FFDHE3072 = 0x0100, 0x0101

BEHAVIOURS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "browser_like": ((X25519MLKEM768, X25519, SECP256R1, SECP384R1), (X25519MLKEM768, X25519)),
    "x25519_share_first": ((X25519MLKEM768, X25519, SECP256R1, SECP384R1), (X25519,)),
    "classical_only": ((X25519, SECP256R1, SECP384R1, SECP521R1, X448, FFDHE2048, FFDHE3072),
                       (X25519,)),
}


@dataclass(frozen=True)
class Negotiation:
    status: str  # ok | refused | inconclusive
    group: int | None
    hrr: bool
    result: HandshakeResult
    reason: str | None = None


async def _run(ctx: ProbeContext, name: str) -> HandshakeResult:
    groups, shares = BEHAVIOURS[name]
    offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=groups,
                      key_shares=shares)
    depth = "full" if name == "browser_like" else "hello"
    return await ctx.handshake(f"behaviour.{name}", offer, depth=depth, follow_hrr=True)


async def run_browser_like(ctx: ProbeContext) -> HandshakeResult:
    """The browser-like handshake alone: the version check runs it first and hands it back."""
    return await _run(ctx, "browser_like")


def negotiation(r: HandshakeResult) -> Negotiation:
    """What one TLS 1.3 hello's handshake says about the client behaviour it stands for."""
    hrr = r.hrr_group is not None
    if r.outcome == "server_hello" and r.version == TLS13:
        return Negotiation("ok", r.group, hrr, r)
    if r.outcome == "alert":
        return Negotiation("refused", None, hrr, r)
    return Negotiation("inconclusive", None, hrr, r, r.reason or r.outcome)


async def check_behaviour(ctx: ProbeContext, browser_like: HandshakeResult | None = None,
                          only: tuple[str, ...] | None = None) -> dict[str, Negotiation]:
    """All three behaviours (or `only` these); `browser_like`: that handshake already made
    (by the version check), reused instead of a second identical connection."""
    async def one(name: str) -> Negotiation:
        if name == "browser_like" and browser_like is not None:
            return negotiation(browser_like)
        return negotiation(await _run(ctx, name))

    names = [n for n in BEHAVIOURS if only is None or n in only]
    results = await asyncio.gather(*(one(n) for n in names))
    return dict(zip(names, results, strict=True))


async def _probe(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    return {"behaviour": await check_behaviour(ctx, facts["versions"].browser_like)}


BEHAVIOUR = Check("behaviour", ("versions", "tls13"), ("behaviour",), _probe)
