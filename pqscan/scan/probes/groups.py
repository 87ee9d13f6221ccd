"""TLS 1.3 group check: enumerate by HelloRetryRequest, then confirm PQ groups for real.

Enumeration (RFC 8446 §4.1.1, §4.1.4): a ClientHello with an empty key_share and a candidate
list makes the server answer with a HelloRetryRequest naming its choice, or an alert when none
fits. Removing the choice and asking again yields the supported set in server preference
order in k+1 connections, with no public-key operation on either side; when the answers begin
a known default order, rounds are sent ahead (fewer round trips, same offers).

Confirmation: HRR alone is not proof, so every supported PQ/hybrid group is offered once more
with a real key share; it is confirmed when the shared secret decrypts EncryptedExtensions.
If a server will not HRR at all, pqscan falls back to one key-share handshake per group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED
from pqscan.registry.tls import group as registry_group
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.scan.probes.versions import tls13_groups
from pqscan.tls.keyshare import can_generate
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult


@dataclass(frozen=True)
class GroupEntry:
    code: int
    status: str
    via: str | None = None  # hrr | key_share
    confirmed: bool | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        g = registry_group(self.code)
        return {"status": self.status, "via": self.via, "confirmed": self.confirmed,
                "code": f"0x{self.code:04x}", "family": str(g.family.value),
                "reason": self.reason}


@dataclass(frozen=True)
class GroupsResult:
    entries: tuple[GroupEntry, ...]
    preference: tuple[int, ...]  # server order as HRR enumeration observed it


# The orders the enumeration below shows on servers left at their defaults (measured with
# this client's candidate list): OpenSSL 3.0-3.4 (Debian 12's nginx 1.22.1, server order) and
# OpenSSL 4.0 `Groups = DEFAULT` (its tuples follow the client's order inside each tuple).
KNOWN_ORDERS: tuple[tuple[int, ...], ...] = tuple(
    tuple(registry_group(name).code for name in names) for names in (
        ("x25519", "secp256r1", "x448", "secp521r1", "secp384r1",
         "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"),
        ("SecP256r1MLKEM768", "X25519MLKEM768", "curveSM2MLKEM768", "secp256r1", "x25519",
         "secp384r1", "secp521r1", "x448", "curveSM2", "ffdhe2048", "ffdhe3072"),
    ))


def _predicted(order: list[int], remaining: list[int], ahead: int) -> list[int]:
    """The next answers a known default order predicts, once the answers so far are its
    beginning (never for round 0: the first answer picks the order)."""
    for known in KNOWN_ORDERS:
        if order and tuple(order) == known[:len(order)]:
            return [g for g in known[len(order):] if g in remaining][:ahead]
    return []


async def _enumerate(ctx: ProbeContext, candidates: tuple[int, ...]
                     ) -> tuple[list[int], dict[int, GroupEntry], HandshakeResult | None]:
    """The HRR chain, k+1 rounds, each offering what the answers before it left. When the
    answers so far begin a known default order, the next rounds are sent at once, each built
    as if the predicted answers held (issue 13: fewer round trips, the same offers). A round
    counts only if every prediction it was built on came true; the first wrong one ends the
    speculation, and the rounds built on it are renamed `groups.ahead[...]` (kept in the
    method sheet, deciding nothing)."""
    remaining = list(candidates)
    order: list[int] = []
    entries: dict[int, GroupEntry] = {}
    ahead_allowed = max(0, ctx.options.per_endpoint - 1)  # never queue behind ourselves
    for _ in range(len(candidates) + 1):
        if not remaining:
            return order, entries, None
        guesses = _predicted(order, remaining, ahead_allowed)
        offers = [tuple(remaining)]
        for g in guesses:
            left = tuple(c for c in offers[-1] if c != g)
            if not left:
                break
            offers.append(left)
        names = [f"groups.enumerate[{len(order) + i}]" for i in range(len(offers))]
        results = await asyncio.gather(*(ctx.handshake(
            n, ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=o, key_shares=()),
            follow_hrr=False) for n, o in zip(names, offers, strict=True)))
        ctx.join()
        for i, r in enumerate(results):
            if i and order[-1] != guesses[i - 1]:  # built on a wrong guess: void
                ctx.rename(names[i:], "groups.ahead")
                break
            if r.outcome == "hrr" and r.hrr_group in remaining:
                order.append(r.hrr_group)
                remaining.remove(r.hrr_group)
                entries[r.hrr_group] = GroupEntry(r.hrr_group, SUPPORTED, "hrr")
                continue
            if i + 1 < len(results):
                ctx.rename(names[i + 1:], "groups.ahead")
            if r.outcome == "alert":
                for code in remaining:  # the server saw all of these and accepted none
                    entries[code] = GroupEntry(code, NOT_SUPPORTED, "hrr")
                return order, entries, r
            why = (f"HelloRetryRequest named unoffered group 0x{r.hrr_group:04x}"
                   if r.outcome == "hrr" else r.reason or r.outcome)
            for code in remaining:
                entries[code] = GroupEntry(code, INCONCLUSIVE, None, None,
                                           f"enumeration stopped: {why}")
            return order, entries, r
    return order, entries, None


async def _confirm(ctx: ProbeContext, code: int) -> tuple[bool | None, str | None]:
    if not can_generate(code):
        return None, "pqscan cannot generate a key share for this group"
    offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=(code,),
                      key_shares=(code,))
    name = registry_group(code).name
    r = await ctx.handshake(f"groups.confirm[{name}]", offer, depth="full", follow_hrr=False)
    if r.confirmed and r.group == code:
        return True, None
    if r.outcome == "alert":
        return False, f"real {name} key share refused with alert {r.alert_name}"
    return False, f"real {name} key share not completed: {r.reason or r.outcome}"


async def _by_key_share(ctx: ProbeContext, candidates: tuple[int, ...]
                        ) -> dict[int, GroupEntry]:
    """Fallback for servers that never HRR: one real key-share handshake per group."""

    async def one(code: int) -> GroupEntry:
        if not can_generate(code):
            return GroupEntry(code, INCONCLUSIVE, None, None,
                              "server does not HelloRetryRequest and pqscan cannot make "
                              "a key share for this group")
        offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=(code,),
                          key_shares=(code,))
        name = registry_group(code).name
        r = await ctx.handshake(f"groups.key_share[{name}]", offer, depth="full",
                                follow_hrr=False)
        if r.outcome == "server_hello" and r.group == code:
            return GroupEntry(code, SUPPORTED, "key_share", r.confirmed)
        if r.outcome == "alert":
            return GroupEntry(code, NOT_SUPPORTED, "key_share")
        return GroupEntry(code, INCONCLUSIVE, None, None, r.reason or r.outcome)

    results = await asyncio.gather(*(one(c) for c in candidates))
    return {e.code: e for e in results}


async def enumerate_groups(ctx: ProbeContext
                          ) -> tuple[list[int], dict[int, GroupEntry], HandshakeResult | None]:
    """The HRR enumeration; falls back to per-group key shares if the server never HRRs."""
    candidates = tls13_groups()
    order, entries, stop = await _enumerate(ctx, candidates)
    if not order and stop is not None and stop.outcome == "alert":
        # Zero groups by HRR from a TLS 1.3 server means it does not HRR on an empty
        # key_share (or supports nothing we know): ask group by group instead.
        entries = await _by_key_share(ctx, candidates)
        return [], entries, stop
    return order, entries, stop


async def confirm_groups(ctx: ProbeContext, order: list[int], entries: dict[int, GroupEntry],
                         confirmed_elsewhere: dict[int, str], every: bool = False) -> GroupsResult:
    """Confirm each HRR-found PQ group (`every`: every HRR-found group) with a real key share,
    skipping ones a client-behaviour handshake already confirmed: `confirmed_elsewhere` maps
    group -> probe name."""
    to_confirm = [c for c in order
                  if (every or registry_group(c).is_pq) and c not in confirmed_elsewhere]
    confirmations = await asyncio.gather(*(_confirm(ctx, c) for c in to_confirm))
    for code, (ok, why) in zip(to_confirm, confirmations, strict=True):
        entries[code] = GroupEntry(code, SUPPORTED, "hrr", ok, why)
    for code, probe in confirmed_elsewhere.items():
        if code in entries and entries[code].status == SUPPORTED:
            entries[code] = GroupEntry(code, SUPPORTED, entries[code].via, True,
                                       f"confirmed by {probe}")
    candidates = tls13_groups()
    return GroupsResult(tuple(entries[c] for c in candidates if c in entries), tuple(order))


async def preference_basis(ctx: ProbeContext, order: list[int]) -> str:
    """Whose order the enumeration shows: one more HRR probe with the found groups reversed.

    "server" when the server still names the same first group; "client" when it follows the
    client's list (OpenSSL does so within one preference tuple); "unknown" otherwise.
    """
    if len(order) < 2:
        return "unknown"
    offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES,
                      groups=tuple(reversed(order)), key_shares=())
    r = await ctx.handshake("groups.preference_check", offer, follow_hrr=False)
    if r.outcome != "hrr":
        return "unknown"
    return "server" if r.hrr_group == order[0] else "client"


async def _enumeration(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    return {"group_enumeration": await enumerate_groups(ctx)}


def _confirmer(every: bool) -> Check:
    async def confirm(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
        order, entries, _stop = facts["group_enumeration"]
        confirmed = {n.group: f"behaviour.{name}" for name, n in facts["behaviour"].items()
                     if n.group is not None and n.result.confirmed}
        return {"groups": await confirm_groups(ctx, order, dict(entries), confirmed, every)}

    # `full`: every group, classical too, completes a real key exchange (an auditor's "proof")
    return Check("groups.confirm_all" if every else "groups.confirm",
                 ("group_enumeration", "behaviour"), ("groups",), confirm,
                 frozenset({"full"} if every else {"standard"}))


async def _preference(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    order, _entries, _stop = facts["group_enumeration"]
    return {"preference_basis": await preference_basis(ctx, order)}


ENUMERATE = Check("groups.enumerate", ("tls13",), ("group_enumeration",), _enumeration)
CONFIRM, CONFIRM_ALL = _confirmer(False), _confirmer(True)
PREFERENCE = Check("groups.preference", ("group_enumeration",), ("preference_basis",),
                   _preference)
