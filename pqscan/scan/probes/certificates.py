"""Signature-scheme check (TLS 1.3): which schemes the server signs with, and with which chain.

Elimination again: a full handshake offering a list of schemes shows the CertificateVerify
scheme the server picked (RFC 8446 §4.4.3, verified over the transcript); dropping it and
asking again finds the next, until the server refuses. Distinct leaf certificates across those
handshakes reveal a dual-certificate server (e.g. ECDSA for classical clients, ML-DSA for
ML-DSA-capable ones).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import CIPHER_SUITES, SIGNATURE_SCHEMES
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.versions import tls12_groups
from pqscan.tls.keyshare import can_generate
from pqscan.tls.messages import TLS13
from pqscan.tls.offer import TLS13_SUITES

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


async def check_signature_schemes(ctx: ProbeContext, groups: list[int]) -> SignatureSchemesResult:
    group = next((g for g in groups if can_generate(g)), 0x001D)
    candidates = tls13_schemes()
    remaining = list(candidates)
    out: dict[int, Status] = {}
    chains: list[SignedChain] = []
    for _ in range(len(candidates) + 1):
        if not remaining:
            break
        offer = ctx.offer(versions=(TLS13,), cipher_suites=TLS13_SUITES, groups=(group,),
                          key_shares=(group,), signature_schemes=tuple(remaining))
        r = await ctx.handshake(f"sigalgs.TLSv1.3[{len(chains)}]", offer, depth="full")
        if r.outcome == "server_hello" and r.cv_scheme in remaining:
            remaining.remove(r.cv_scheme)
            out[r.cv_scheme] = Status(SUPPORTED)
            chains.append(SignedChain(r.cv_scheme, r.cv_verified, r.cv_reason, r.certificates,
                                      r.cert_request_schemes))
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
