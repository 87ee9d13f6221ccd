"""Cipher-suite check: the accepted suites per version, in server order, by elimination.

TLS 1.3 uses the HelloRetryRequest too: it carries the server's cipher_suite choice (RFC 8446
§4.1.4), so no key share and no public-key operation are needed. TLS 1.2 reads the suite from
the ServerHello. Each round removes the chosen suite: k+1 connections for k suites. The TLS 1.2
rounds also carry the ECDHE curve elimination (`tls12_chain`, issue 13 item 4).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pqscan.model.status import SUPPORTED
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.scan.probes.versions import (
    VERSION_NAMES,
    VersionsResult,
    tls12_groups,
    tls12_suites,
)
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult

# One round of an elimination: (its connection's result, the suite its answer named or None)
Ask = Callable[[str, tuple[int, ...]], Awaitable[tuple[HandshakeResult, int | None]]]


def named_suite(r: HandshakeResult) -> int | None:
    """The suite an accepted answer named: the ServerHello's, or the HelloRetryRequest's."""
    if not r.accepted:
        return None
    return r.hrr_cipher_suite if r.outcome == "hrr" else r.cipher_suite


async def suite_round(ctx: ProbeContext, name: str, suites: tuple[int, ...],
                      **offer_args: object) -> tuple[HandshakeResult, int | None]:
    """A round as the elimination asks it by default: these suites, read to the first answer."""
    offer = ctx.offer(cipher_suites=suites, **offer_args)  # type: ignore[arg-type]
    r = await ctx.handshake(name, offer, follow_hrr=False)
    return r, named_suite(r)


async def eliminate(ctx: ProbeContext, name: str, candidates: tuple[int, ...],
                    first: HandshakeResult | None = None, ask: Ask | None = None,
                    **offer_args: object) -> tuple[list[int], str | None]:
    """(the suites the server chose, in order; why the elimination was cut short or None).
    `ask` makes a round other than `suite_round` with `offer_args` (the TLS 1.2 fold)."""
    remaining = list(candidates)
    chosen: list[int] = []
    for _ in range(len(candidates) + 1):
        if not remaining:
            return chosen, None
        if first is not None:  # round 0 is a handshake already made with this very offer
            r, suite, first = first, named_suite(first), None
        elif ask is not None:
            r, suite = await ask(f"{name}[{len(chosen)}]", tuple(remaining))
        else:
            r, suite = await suite_round(ctx, f"{name}[{len(chosen)}]", tuple(remaining),
                                         **offer_args)
        if suite is not None and suite in remaining:
            chosen.append(suite)
            remaining.remove(suite)
            continue
        if r.outcome == "alert":
            return chosen, None
        return chosen, r.reason or f"server chose unoffered suite {suite}"
    return chosen, None


async def check_tls13_suites(ctx: ProbeContext, group: int, first: HandshakeResult | None = None
                             ) -> tuple[list[int], str | None]:
    """`first`: the version check's accepted TLS 1.3 answer, whose hello offered every TLS 1.3
    suite — round 0 (issue 13). The suite a TLS 1.3 server picks does not depend on the groups
    offered (RFC 8446 §4.1.1: suite, then key share), so the rounds after it ask with one group
    and no key share (a HelloRetryRequest names the suite, §4.1.4)."""
    return await eliminate(ctx, "suites.TLSv1.3", TLS13_SUITES, first, versions=(TLS13,),
                            groups=(group,), key_shares=())


async def check_tls12_suites(ctx: ProbeContext, version: int, groups: tuple[int, ...],
                             first: HandshakeResult | None = None
                             ) -> tuple[list[int], str | None]:
    """`first`: the version check's handshake for `version`, which offered exactly round 0
    (every suite, `groups`), so the elimination starts from its answer (issue 13). The scan
    folds the curve elimination into these rounds (`tls12_chain`); this unfolded form stays
    for tests that compare the two on real servers."""
    return await eliminate(ctx, "suites.TLSv1.2", tls12_suites(), first, versions=(version,),
                            groups=groups)


async def _tls13(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    answer = facts["tls13"]
    return {"tls13_suites": await check_tls13_suites(ctx, answer.group or 0x001D, answer)}


async def _older(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    """`full`: the suites of every legacy version below the one the TLS 1.2 checks used (a
    server may keep weaker suites for TLS 1.0/1.1 clients), each from its version probe, and
    whose order picks among them: {version: (suites, why cut short, preference)}."""
    highest, _answer = facts["legacy"]
    versions: VersionsResult = facts["versions"]
    older = [v for v, n in VERSION_NAMES.items()
             if v < highest and versions.versions[n].value == SUPPORTED]

    async def one(version: int) -> tuple[str, tuple[list[int], str | None, str]]:
        name = VERSION_NAMES[version]
        offer_args: dict[str, Any] = {"versions": (version,), "groups": tls12_groups()}
        found, why = await eliminate(ctx, f"suites.{name}", tls12_suites(),
                                      versions.results.get(name), **offer_args)
        return name, (found, why, await suite_preference(ctx, name, found, **offer_args))

    return {"older_suites": dict(await asyncio.gather(*(one(v) for v in sorted(older))))}


async def suite_preference(ctx: ProbeContext, name: str, found: list[int],
                           **offer_args: object) -> str:
    """Whose order the elimination showed: the suites found, offered in reverse. "server"
    when the server still picks its first, "client" when it picks our first (the last found),
    "unknown" with fewer than two suites or any other answer."""
    if len(found) < 2:
        return "unknown"
    offer = ctx.offer(cipher_suites=tuple(reversed(found)), **offer_args)  # type: ignore[arg-type]
    r = await ctx.handshake(f"suite_preference.{name}", offer, follow_hrr=False)
    suite = r.hrr_cipher_suite if r.outcome == "hrr" else r.cipher_suite
    if not r.accepted:
        return "unknown"
    return "server" if suite == found[0] else "client" if suite == found[-1] else "unknown"


async def _tls13_preference(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    found, _why = facts["tls13_suites"]
    group = facts["tls13"].group or 0x001D
    return {"tls13_suite_preference": await suite_preference(
        ctx, "TLSv1.3", found, versions=(TLS13,), groups=(group,), key_shares=())}


async def _tls12_preference(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    found, _why = facts["tls12_suites"]
    version, _answer = facts["legacy"]
    return {"tls12_suite_preference": await suite_preference(
        ctx, VERSION_NAMES[version], found, versions=(version,), groups=tls12_groups())}


FULL = frozenset({"full"})
TLS13_SUITE_CHECK = Check("suites.TLSv1.3", ("tls13",), ("tls13_suites",), _tls13)
OLDER_SUITE_CHECK = Check("suites.older", ("versions", "legacy"), ("older_suites",), _older, FULL)
TLS13_PREFERENCE = Check("suite_preference.TLSv1.3", ("tls13", "tls13_suites"),
                         ("tls13_suite_preference",), _tls13_preference, FULL)
TLS12_PREFERENCE = Check("suite_preference.TLSv1.2", ("legacy", "tls12_suites"),
                         ("tls12_suite_preference",), _tls12_preference, FULL)
