"""Signature-scheme check (TLS 1.3): which schemes the server signs with, and with which chain.

Elimination again: a full handshake offering a list of schemes shows the CertificateVerify
scheme the server picked (RFC 8446 §4.4.3, verified over the transcript); dropping it and
asking again finds the next, until the server refuses. Distinct leaf certificates across those
handshakes reveal a dual-certificate server (e.g. ECDSA for classical clients, ML-DSA for
ML-DSA-capable ones).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import CIPHER_SUITES, SIGNATURE_SCHEMES
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.registry import Check, Facts
from pqscan.scan.probes.versions import tls12_groups
from pqscan.tls.keyshare import can_generate
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES
from pqscan.tls.result import HandshakeResult

# RFC 8446 §4.2.3: rsa_pkcs1_* and SHA-1 schemes are not for TLS 1.3 CertificateVerify
_NOT_TLS13 = {0x0401, 0x0501, 0x0601, 0x0201, 0x0203, 0x0202, 0x0101, 0x0102, 0x0103}


def tls13_schemes() -> tuple[int, ...]:
    return tuple(c for c, s in SIGNATURE_SCHEMES.items()
                 if c not in _NOT_TLS13 and s.family != "unknown" and c < 0xFE00)


@dataclass(frozen=True)
class SignedChain:
    scheme: int
    verified: bool | None
    reason: str | None
    certificates: tuple[bytes, ...]
    cert_request_schemes: tuple[int, ...] | None = None  # the server's CertificateRequest

    @property
    def leaf_sha256(self) -> str:
        return hashlib.sha256(self.certificates[0]).hexdigest() if self.certificates else ""


@dataclass(frozen=True)
class SignatureSchemesResult:
    schemes: dict[int, Status]
    chains: tuple[SignedChain, ...]  # one per scheme found, in server order

    @property
    def dual_certificate(self) -> bool:
        return len({c.leaf_sha256 for c in self.chains if c.certificates}) > 1


def _signed(r: HandshakeResult) -> SignedChain:
    return SignedChain(r.cv_scheme or 0, r.cv_verified, r.cv_reason, r.certificates,
                       r.cert_request_schemes)


def _seed(seen: HandshakeResult | None, candidates: tuple[int, ...]) -> HandshakeResult | None:
    """A handshake already made that can stand for a round of the elimination: it went through
    the whole server flight (Finished verified) and the server signed with a candidate."""
    if seen is None or seen.outcome != "server_hello" or not seen.finished_ok:
        return None
    return seen if seen.cv_scheme in candidates and seen.certificates else None


async def check_signature_schemes(ctx: ProbeContext, groups: list[int],
                                  seen: HandshakeResult | None = None) -> SignatureSchemesResult:
    """`seen`: a full TLS 1.3 handshake already made (the browser-like one). The scheme it was
    signed with is supported and its chain is served, so the elimination starts without it
    (issue 13: one connection fewer; the rounds that follow find the same set)."""
    group = next((g for g in groups if can_generate(g)), 0x001D)
    candidates = tls13_schemes()
    remaining = list(candidates)
    out: dict[int, Status] = {}
    chains: list[SignedChain] = []
    first = _seed(seen, candidates)
    if first is not None and first.cv_scheme is not None:
        remaining.remove(first.cv_scheme)
        out[first.cv_scheme] = Status(SUPPORTED)
        chains.append(_signed(first))
    for _ in range(len(candidates) + 1):
        if not remaining:
            break
        offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=(group,),
                          key_shares=(group,), signature_schemes=tuple(remaining))
        r = await ctx.handshake(f"sigalgs.TLSv1.3[{len(chains)}]", offer, depth="full")
        if r.outcome == "server_hello" and r.cv_scheme in remaining:
            remaining.remove(r.cv_scheme)
            out[r.cv_scheme] = Status(SUPPORTED)
            chains.append(_signed(r))
            continue
        if r.outcome == "alert":
            out.update({c: Status(NOT_SUPPORTED) for c in remaining})
        else:
            why = r.reason if r.outcome != "server_hello" else (
                f"server signed with unoffered scheme 0x{r.cv_scheme or 0:04x}")
            out.update({c: Status(INCONCLUSIVE, why or r.outcome) for c in remaining})
        break
    return SignatureSchemesResult(out, tuple(chains))


async def check_tls12_signature_schemes(ctx: ProbeContext, version: int, pq_only: bool
                                        ) -> dict[int, Status]:
    """TLS 1.2: the schemes that sign ServerKeyExchange, by elimination over (EC)DHE suites.

    ML-DSA, SLH-DSA and composite schemes are offered too: draft-ietf-tls-mldsa §3 forbids
    them in TLS 1.2, so a server that signs with one is reported. With `pq_only` (endpoints
    that also speak TLS 1.3, whose certificates the TLS 1.3 check already covers) only those
    PQ schemes are offered: one connection, normally refused.
    """
    candidates = tuple(c for c, s in SIGNATURE_SCHEMES.items()
                       if s.family != "unknown" and c < 0xFE00 and (s.is_pq or not pq_only))
    suites = tuple(c for c, s in CIPHER_SUITES.items()
                   if not s.tls13 and s.kex in ("ECDHE", "DHE"))
    remaining = list(candidates)
    out: dict[int, Status] = {}
    for round_ in range(len(candidates) + 1):
        if not remaining:
            break
        offer = ctx.offer(versions=(version,), cipher_suites=suites, groups=tls12_groups(),
                          signature_schemes=tuple(remaining))
        r = await ctx.handshake(f"sigalgs.TLSv1.2[{round_}]", offer, depth="full")
        scheme = r.tls12_kex.scheme if r.tls12_kex else None
        if r.outcome == "server_hello" and scheme in remaining:
            remaining.remove(scheme)
            out[scheme] = Status(SUPPORTED)
            continue
        if r.outcome == "alert":
            out.update({c: Status(NOT_SUPPORTED) for c in remaining})
        else:
            why = r.reason or ("no signed ServerKeyExchange" if scheme is None
                               else f"server signed with unoffered scheme 0x{scheme:04x}")
            out.update({c: Status(INCONCLUSIVE, why) for c in remaining})
        break
    return out


async def check_each_scheme(ctx: ProbeContext, group: int, found: SignatureSchemesResult
                            ) -> SignatureSchemesResult:
    """`full`: every TLS 1.3 scheme the elimination did not find, offered alone. A server
    whose choice an elimination cannot follow (one that picks by certificate, not by the
    client's list) still shows each scheme it signs with; a refusal is a per-scheme fact."""
    missing = [c for c in tls13_schemes()
               if c not in found.schemes or found.schemes[c].value != SUPPORTED]

    async def one(code: int) -> tuple[int, Status, SignedChain | None]:
        offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=(group,),
                          key_shares=(group,), signature_schemes=(code,))
        name = f"sigalgs.TLSv1.3.single[{SIGNATURE_SCHEMES[code].name}]"
        r = await ctx.handshake(name, offer, depth="full")
        if r.outcome == "server_hello" and r.cv_scheme == code:
            return code, Status(SUPPORTED), _signed(r)
        if r.outcome == "alert":
            return code, Status(NOT_SUPPORTED), None
        why = r.reason if r.outcome != "server_hello" else (
            f"server signed with unoffered scheme 0x{r.cv_scheme or 0:04x}")
        return code, Status(INCONCLUSIVE, why or r.outcome), None

    schemes = dict(found.schemes)
    chains = list(found.chains)
    for code, status, chain in await asyncio.gather(*(one(c) for c in missing)):
        schemes[code] = status
        if chain is not None:
            chains.append(chain)
    return SignatureSchemesResult(schemes, tuple(chains))


def _tls13_check(each: bool) -> Check:
    async def schemes(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
        answer: HandshakeResult = facts["tls13"]
        group = answer.group if answer.group is not None and can_generate(answer.group) \
            else 0x001D
        found = await check_signature_schemes(ctx, [group], facts["versions"].browser_like)
        if each:
            found = await check_each_scheme(ctx, group, found)
        return {"sigschemes": found}

    return Check("sigalgs.TLSv1.3.each" if each else "sigalgs.TLSv1.3", ("versions", "tls13"),
                 ("sigschemes",), schemes, frozenset({"full"} if each else {"standard"}))


def _tls12_check(every: bool) -> Check:
    async def schemes(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
        version, _answer = facts["legacy"]
        # standard: a TLS 1.3 server's certificates are covered by the TLS 1.3 check, so TLS
        # 1.2 is only asked about PQ schemes; full: every scheme, for the TLS 1.2 clients
        pq_only = not every and facts["versions"].versions["TLSv1.3"].value == SUPPORTED
        return {"tls12_sigschemes": await check_tls12_signature_schemes(ctx, version, pq_only)}

    return Check("sigalgs.TLSv1.2.all" if every else "sigalgs.TLSv1.2", ("versions", "legacy"),
                 ("tls12_sigschemes",), schemes, frozenset({"full"} if every else {"standard"}))


TLS13_SCHEMES, TLS13_SCHEMES_EACH = _tls13_check(False), _tls13_check(True)
TLS12_SCHEMES, TLS12_SCHEMES_ALL = _tls12_check(False), _tls12_check(True)
