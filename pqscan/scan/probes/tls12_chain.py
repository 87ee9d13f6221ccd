"""The TLS 1.2 elimination chain: the accepted suites (server order) and the ECDHE curves,
learned from one set of connections (issue 13 item 4).

Round j of the suite elimination offers the suites left. Read through ServerHelloDone, an
answer with an ECDHE suite also names a curve in its ServerKeyExchange (RFC 8422 §5.4), so the
rounds offer the curves left of the curve elimination too, plus the **anchors** listed last:
the ECDSA certificate's curve (RFC 8422 §5.1: the server may use that certificate only if the
client lists its curve), the first curve found, and any P-256/P-384/P-521 found (the curve of
an ECDSA certificate not seen yet, on a server that holds two). An anchor is a curve the server
has taken, so ECDHE suites stay as eligible as with the full list. An ECDHE answer then moves
both eliminations: a curve left is found; the certificate's curve means no curve left comes
before it, which one `tls12.ecdhe_order` connection settles (`CurveElimination.behind`);
another anchor hands the curves left to the curve elimination's own rounds.

This rests on two properties of the server, stated here because the facts depend on them:
the suite it picks depends on whether a shared curve exists, not on which (OpenSSL
`ssl3_choose_cipher` -> `tls1_check_ec_tmp_key`: "Need a shared curve", any; its Suite B mode,
where the suite fixes the curve, is the exception), and the curve it picks does not depend on
which ECDHE suites are offered (OpenSSL `tls1_shared_group` reads only the two group lists;
Go's crypto/tls gates ECDHE suites on `supportsECDHE`, any shared curve, and picks the curve
in `generateServerKeyExchange` from the two curve lists alone — read in their sources, only
OpenSSL run here). `tests/scan/test_tls12_fold.py` compares the folded result with the
unfolded elimination on real servers (nginx, OpenSSL with client and with server order).

The fold stops — the curve elimination continues with its own rounds from where it stands,
concurrently, and the suite rounds go on unfolded (first answer only, every TLS 1.2 group) —
at a non-ECDHE answer after an ECDHE one (the server's ECDHE suites are behind it), at an
answer that decides no curve, or when the suite elimination ends. Before the first ECDHE answer
the curve elimination waits for one: that is what saves its rounds on an RSA server whose
plain-RSA suites come first, and it costs round trips only when the suite elimination ends
with curves still to find (fewer ECDHE suites than curves, all after the non-ECDHE ones).
Round 0 stays the version check's handshake, read to the ServerHello only: a version fact must
not depend on the rest of the flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any

from pqscan.registry.tls import cipher_suite as registry_suite
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.scan.probes.suites import eliminate, named_suite, suite_round
from pqscan.scan.probes.tls12 import CERTIFICATE_CURVES, ECDHE_CURVES, CurveElimination
from pqscan.scan.probes.versions import tls12_groups, tls12_suites
from pqscan.tls.result import HandshakeResult

# FFDHE (RFC 7919) and any other TLS 1.2 group, offered in every round as in an unfolded one
_OTHER_GROUPS = tuple(g for g in tls12_groups() if g not in ECDHE_CURVES)


def anchors(curves: CurveElimination) -> tuple[int, ...]:
    """The curves found that stay offered, after the curves left: the certificate's first."""
    found = curves.order
    keep = [c for c in found if c == curves.pinned]
    keep += [c for c in found if c not in keep and (c == found[0] or c in CERTIFICATE_CURVES)]
    return tuple(keep)


class _Fold:
    """The curve side of the chain: what each suite round's answer tells the curves."""

    def __init__(self, ctx: ProbeContext, version: int, full: bool) -> None:
        self.ctx, self.version = ctx, version
        self.curves = CurveElimination(version, full)
        self.folded = True
        self.seen_ecdhe = False
        self.task: asyncio.Future[None] | None = None

    def hand_off(self, work: Awaitable[None] | None) -> None:
        """Stop folding; the curve elimination finishes with `work`, concurrently. The task
        copies this context, so its connections count from the round that handed off."""
        self.folded = False
        if work is not None:
            self.task = asyncio.ensure_future(work)

    async def ask(self, name: str, left: tuple[int, ...]) -> tuple[HandshakeResult, int | None]:
        if not self.folded:
            return await suite_round(self.ctx, name, left, versions=(self.version,),
                                     groups=tls12_groups())
        curves = self.curves
        kept = anchors(curves)
        offer = self.ctx.offer(versions=(self.version,), cipher_suites=left,
                               groups=tuple(curves.remaining) + kept + _OTHER_GROUPS)
        r = await self.ctx.handshake(name, offer, depth="full")
        curves.saw(name, r)
        # the ServerHello named a suite even if the flight after it failed (`version` is set
        # only for a ServerHello that passed its checks): the suite fact stands, as it would
        # from a round read to the ServerHello only
        suite = r.cipher_suite if r.version is not None else None
        if suite is None or suite not in left:
            self.hand_off(curves.own_rounds(self.ctx))
            return r, suite
        if registry_suite(suite).kex != "ECDHE":
            if self.seen_ecdhe or r.outcome != "server_hello":
                self.hand_off(curves.own_rounds(self.ctx))
            return r, suite
        self.seen_ecdhe = True
        if r.outcome == "server_hello" and r.group in curves.remaining:
            curves.found(r.group)
        elif r.outcome == "server_hello" and r.group == curves.pinned and r.group in kept:
            self.hand_off(curves.behind(self.ctx))
        elif r.outcome == "server_hello" and r.group in kept:
            self.hand_off(curves.own_rounds(self.ctx))
        else:  # the flight failed, or named no curve or one not offered: decides none
            curves.end(r)
            self.hand_off(None)
        return r, suite

    async def finish(self) -> None:
        if self.folded:
            self.folded = False
            await self.curves.own_rounds(self.ctx)
        if self.task is not None:
            await self.task


async def eliminate_tls12(ctx: ProbeContext, version: int, first: HandshakeResult,
                          full: bool) -> Mapping[str, Any]:
    """`first`: the version check's handshake for `version` (every suite, every TLS 1.2
    group): round 0 of the suite elimination. `tls12_suites` as soon as the suite rounds end;
    `tls12_fold`, the curve elimination's end: a task whose result is `tls12_curves` (the
    curve rounds that outlast the suite rounds must not hold up what needs only the suites)."""
    fold = _Fold(ctx, version, full)
    # round 0 answered with ECDHE counts as the first ECDHE answer (it names no curve: it is
    # read to the ServerHello only)
    fold.seen_ecdhe = registry_suite(named_suite(first) or 0).kex == "ECDHE"
    try:
        found = await eliminate(ctx, "suites.TLSv1.2", tls12_suites(), first, fold.ask)
    except BaseException:
        if fold.task is not None:
            fold.task.cancel()
        raise

    async def curves() -> Any:
        await fold.finish()
        return fold.curves.result()

    # created here, in this check's context: its connections count from the suite rounds
    return {"tls12_suites": found, "tls12_fold": asyncio.ensure_future(curves())}


async def _curves(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    return {"tls12_curves": await facts["tls12_fold"]}


def _check(full: bool) -> Check:
    async def run(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
        version, answer = facts["legacy"]
        return await eliminate_tls12(ctx, version, answer, full)

    return Check("tls12.elimination_full" if full else "tls12.elimination", ("legacy",),
                 ("tls12_suites", "tls12_fold"), run,
                 frozenset({"full" if full else "standard"}))


ELIMINATION, ELIMINATION_FULL = _check(False), _check(True)
# the curves the suite rounds left, finishing concurrently with what needs only the suites
CURVES = Check("tls12.curves", ("tls12_fold",), ("tls12_curves",), _curves)
