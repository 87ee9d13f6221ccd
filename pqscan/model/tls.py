"""Typed TLS observations: the endpoint's `tls` object (docs/json-contract.md TLS).

What was seen, field by field: versions, TLS 1.3 groups with how each was learned (HRR or a
key share, and whether a real key share decrypted the server's flight), the group the server
picked for each client behaviour, TLS 1.2 facts, cipher suites, signature schemes, every chain
served (per leaf, with the schemes that fetched it), the CertificateVerify, and the client
certificate request. DERIVED fields are judgements kept for readers and recomputed
from the rest at every judgement (pqscan.assess.derive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pqscan.model.cert import ChainEntry
from pqscan.model.codec import ABSENT, DERIVED, Absent, Observation, key
from pqscan.model.vocab import KState, LearnedVia, Support, TLSVersion
from pqscan.registry.tls import GroupFamily


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupObservation(Observation):
    """One TLS 1.3 named group (RFC 8446 §4.2.7): supported or not, and how that was learned."""

    status: Support
    via: LearnedVia | None | Absent = ABSENT  # RFC 8446 §4.1.4 HRR, or a key share
    confirmed: bool | None | Absent = ABSENT  # a real key share decrypted EncryptedExtensions
    # both absent when they are the registry's for the group's name (a streamed report)
    code: str | Absent = ABSENT
    family: GroupFamily | Absent = field(default=ABSENT, metadata=DERIVED)  # registry.tls
    reason: str | None | Absent = ABSENT


@dataclass(frozen=True, slots=True, kw_only=True)
class Negotiated(Observation):
    """The group the server picked for each client behaviour (None: refused or undecided)."""

    browser_like: str | None
    x25519_share_first: str | None
    classical_only: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TLS12(Observation):
    version_probed: str | None | Absent = ABSENT
    ecdhe_curves: Mapping[str, Support]
    curve_preference: tuple[str, ...] | Absent = ABSENT
    ffdhe: Support
    rsa_key_transport: Support
    signature_schemes: Mapping[str, Support] | Absent = ABSENT  # ServerKeyExchange schemes


@dataclass(frozen=True, slots=True, kw_only=True)
class CipherSuites(Observation):
    """Suites accepted per version; None: not gathered at this depth (--depth quick)."""

    tls13: tuple[str, ...] | None = field(metadata=key("TLSv1.3"))
    tls12: tuple[str, ...] | None = field(metadata=key("TLSv1.2"))
    # --depth full: the older legacy versions supported below the highest
    tls11: tuple[str, ...] | Absent = field(default=ABSENT, metadata=key("TLSv1.1"))
    tls10: tuple[str, ...] | Absent = field(default=ABSENT, metadata=key("TLSv1.0"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateVerify(Observation):
    """The server's CertificateVerify (RFC 8446 §4.4.3) on the handshake that gave the chain."""

    scheme: str | None
    verified: bool | None
    reason: str | None | Absent = ABSENT
    finished_verified: bool | None | Absent = ABSENT


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedChain(Observation):
    """One distinct chain (by leaf) and the signature schemes whose handshakes served it."""

    leaf_sha256: str
    schemes: tuple[str, ...]
    # absent in the written form when it is the served certificate_chain (pqscan.scan.probe_detail)
    chain: tuple[ChainEntry, ...] | Absent = ABSENT


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCertificateRequest(Observation):
    """Did the server send a CertificateRequest (RFC 8446 §4.3.2, RFC 5246 §7.4.4)?"""

    requested: bool
    signature_schemes: tuple[str, ...]
    pq_signature_schemes: tuple[str, ...] = field(metadata=DERIVED)  # pqscan.registry.tls
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TLSObservation(Observation):
    versions: Mapping[TLSVersion, Support]
    version_reasons: Mapping[str, str] | Absent = ABSENT
    groups: Mapping[str, GroupObservation]
    group_preference: tuple[str, ...] | None | Absent = ABSENT
    group_preference_basis: str | Absent = ABSENT
    negotiated: Negotiated
    negotiation_status: Mapping[str, str] | Absent = ABSENT
    hrr: Mapping[str, bool | None] | Absent = ABSENT
    cipher_suites: CipherSuites
    # --depth full: per version, "server" | "client" | "unknown" (whose order picks the suite)
    cipher_suite_preference: Mapping[str, str] | Absent = ABSENT
    tls12: TLS12 | None | Absent = ABSENT
    rsa_key_transport: bool | None | Absent = ABSENT
    certificate_chain_source: str | None | Absent = ABSENT
    certificate_verify: CertificateVerify | None | Absent = ABSENT
    certificate_chain: tuple[ChainEntry, ...]
    signature_schemes: Mapping[str, Support]
    certificate_chains: tuple[SignedChain, ...] | Absent = ABSENT
    dual_certificate: bool | None | Absent = ABSENT
    client_certificate_request: ClientCertificateRequest | None | Absent = ABSENT
    kex_state: KState | None = field(metadata=DERIVED)  # pqscan.assess.kexstate
    kex_state_reason: str | None = field(metadata=DERIVED)
