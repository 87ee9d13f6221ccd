"""Cipher-suite check: the accepted suites per version, in server order, by elimination.

TLS 1.3 uses the HelloRetryRequest too: it carries the server's cipher_suite choice (RFC 8446
§4.1.4), so no key share and no public-key operation are needed. TLS 1.2 reads the suite from
the ServerHello. Each round removes the chosen suite: k+1 connections for k suites.
"""

from __future__ import annotations

from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.versions import tls12_suites
from pqscan.tls.handshake import HandshakeResult
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES


async def _eliminate(ctx: ProbeContext, name: str, candidates: tuple[int, ...],
                     first: HandshakeResult | None = None,
                     **offer_args: object) -> tuple[list[int], str | None]:
    remaining = list(candidates)
    chosen: list[int] = []
    for _ in range(len(candidates) + 1):
        if not remaining:
            return chosen, None
        if first is not None:  # round 0 is a handshake already made with this very offer
            r, first = first, None
        else:
            offer = ctx.offer(cipher_suites=tuple(remaining), **offer_args)  # type: ignore[arg-type]
            r = await ctx.handshake(f"{name}[{len(chosen)}]", offer, follow_hrr=False)
        suite = r.hrr_cipher_suite if r.outcome == "hrr" else r.cipher_suite
        if r.accepted and suite in remaining:
            chosen.append(suite)
            remaining.remove(suite)
            continue
        if r.outcome == "alert":
            return chosen, None
        return chosen, r.reason or f"server chose unoffered suite {suite}"
    return chosen, None


async def check_tls13_suites(ctx: ProbeContext, group: int) -> tuple[list[int], str | None]:
    return await _eliminate(ctx, "suites.TLSv1.3", TLS13_SUITES, versions=(TLS13,),
                            groups=(group,), key_shares=())


async def check_tls12_suites(ctx: ProbeContext, version: int, groups: tuple[int, ...],
                             first: HandshakeResult | None = None
                             ) -> tuple[list[int], str | None]:
    """`first`: the version check's handshake for `version`, which offered exactly round 0
    (every suite, `groups`), so the elimination starts from its answer (issue 13)."""
    return await _eliminate(ctx, "suites.TLSv1.2", tls12_suites(), first, versions=(version,),
                            groups=groups)
