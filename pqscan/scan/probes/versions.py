"""Protocol-version check: TLS 1.0, 1.1, 1.2 and 1.3, one connection each (TLS 1.3: the
browser-like behaviour handshake, and an all-groups offer only when that did not answer).

TLS 1.3 is offered alone in supported_versions (RFC 8446 §4.2.1) with X25519 and
X25519MLKEM768 shares, so an answer is a real ServerHello. The legacy versions use the
RFC 5246 form (legacy_version = the version, no supported_versions) with every known suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import CIPHER_SUITES, GROUPS, GroupFamily
from pqscan.scan.context import CONNECT_FAILURES, ProbeContext
from pqscan.scan.probes.behaviour import run_browser_like
from pqscan.scan.probes.registry import Check, EndpointDown, Facts
from pqscan.tls.messages import TLS10, TLS11, TLS12, TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult

VERSION_NAMES = {TLS10: "TLSv1.0", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3"}

X25519, X25519MLKEM768 = 0x001D, 0x11EC


def tls12_suites() -> tuple[int, ...]:
    """Every real TLS <= 1.2 suite; signalling values (RFC 7507 TLS_FALLBACK_SCSV, RFC 5746
    renegotiation SCSV) are not suites and would make a server refuse (inappropriate_fallback)."""
    return tuple(c for c, s in CIPHER_SUITES.items() if not s.tls13 and s.kex != "SCSV")


def tls12_groups() -> tuple[int, ...]:
    """Named curves and FFDHE groups; not the RFC 8422 explicit-curve markers 0xFF01/0xFF02."""
    return tuple(c for c, g in GROUPS.items() if g.tls12 and c < 0xFF00)


def tls13_groups() -> tuple[int, ...]:
    """Every registered group valid in TLS 1.3 (RFC 8446 §4.2.7): not the RFC 8422 curves 1-22,
    not the TLS 1.2 brainpool curves 26-28 and not the explicit-curve markers 0xFF01/0xFF02 —
    a TLS 1.3-only hello listing those is refused with illegal_parameter (tlslite-ng does)."""
    return tuple(c for c, g in GROUPS.items() if g.family != GroupFamily.UNKNOWN
                 and c >= 0x17 and c not in _TLS12_ONLY and c < 0xFF00)


_TLS12_ONLY = frozenset({0x001A, 0x001B, 0x001C})


@dataclass(frozen=True)
class VersionsResult:
    versions: dict[str, Status]
    results: dict[str, HandshakeResult]
    browser_like: HandshakeResult | None = None  # the behaviour handshake run here, if any


def classify(result: HandshakeResult, version: int) -> Status:
    if result.accepted:
        if result.version == version or result.outcome == "hrr":
            return Status(SUPPORTED)
        return Status(NOT_SUPPORTED, f"server answered with version 0x{result.version or 0:04x}")
    if result.refused and result.outcome == "alert":
        return Status(NOT_SUPPORTED)
    return Status(INCONCLUSIVE, result.reason)


async def check_versions(ctx: ProbeContext) -> VersionsResult:
    kept: dict[str, HandshakeResult] = {}

    async def one(version: int) -> tuple[str, HandshakeResult]:
        if version == TLS13:
            # Issue 13: the browser-like handshake answers "TLS 1.3?" for nearly every server,
            # so it goes first and is kept for the behaviour check (one connection fewer).
            # Anything but a clean TLS 1.3 answer (a server with none of its groups, a cut
            # connection) still gets the all-groups probe, so no server is judged on it alone.
            first = kept["browser_like"] = await run_browser_like(ctx)
            if classify(first, TLS13).value == SUPPORTED:
                return VERSION_NAMES[version], first
            offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES,
                              groups=tls13_groups(), key_shares=(X25519MLKEM768, X25519))
        else:
            offer = ctx.offer(versions=(version,), cipher_suites=tls12_suites(),
                              groups=tls12_groups())
        result = await ctx.handshake(f"versions.{VERSION_NAMES[version]}", offer)
        return VERSION_NAMES[version], result

    pairs = await asyncio.gather(*(one(v) for v in (TLS13, TLS12, TLS11, TLS10)))
    results = dict(sorted(pairs))
    names = {n: v for v, n in VERSION_NAMES.items()}
    return VersionsResult({n: classify(r, names[n]) for n, r in results.items()}, results,
                          kept.get("browser_like"))


def unreachable_reason(results: Sequence[HandshakeResult]) -> tuple[str, str] | None:
    """("unreachable" | "error", reason) when no version probe reached a TLS server."""
    if any(r.accepted or r.outcome == "alert" for r in results):
        return None
    kinds = {r.error_kind for r in results}
    first = results[0]
    if kinds <= CONNECT_FAILURES:
        return "unreachable", first.reason
    starttls = [r for r in results if r.error_kind == "starttls"]
    if starttls:  # the server answered the preamble but would not start TLS: not scanned
        return "error", starttls[0].reason
    # a protocol violation names the culprit; the TLS 1.3 probe's first (results are sorted)
    violation = [r for r in reversed(results) if r.error_kind == "violation"]
    if violation:
        return "error", f"protocol violation: {violation[0].reason}"
    decode = [r for r in results if r.error_kind == "decode"]
    if decode:
        return "error", decode[0].reason
    return "error", f"no TLS answer: {first.reason}"


async def _probe(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    """The entry probe. `tls13`: the accepted TLS 1.3 answer (every TLS 1.3 suite offered),
    only when TLS 1.3 is supported; `legacy`: (the highest TLS <= 1.2 version supported, its
    version probe's answer: every suite and every TLS 1.2 group offered), only when one is."""
    versions = await check_versions(ctx)
    trouble = unreachable_reason(list(versions.results.values()))
    if trouble:
        raise EndpointDown(*trouble)
    out: dict[str, Any] = {"versions": versions}
    if versions.versions["TLSv1.3"].value == SUPPORTED:
        out["tls13"] = versions.results["TLSv1.3"]
    legacy = [v for v, n in sorted(VERSION_NAMES.items(), reverse=True)
              if n != "TLSv1.3" and versions.versions[n].value == SUPPORTED]
    if legacy:
        out["legacy"] = (legacy[0], versions.results[VERSION_NAMES[legacy[0]]])
    return out


VERSIONS = Check("versions", (), ("versions", "tls13", "legacy"), _probe)
