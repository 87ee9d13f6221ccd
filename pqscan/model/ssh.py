"""Typed SSH observations: the endpoint's `ssh` object (docs/json-contract.md SSH).

The server's identification and KEXINIT lists (RFC 4253 §4.2, §7.1), each key exchange method
with whether a real exchange confirmed it, each host key fetched (and its OpenSSH certificate),
and the method each client behaviour got. DERIVED fields are judgements kept for
readers and recomputed at every judgement (pqscan.assess.derive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pqscan.model.codec import DERIVED, Observation
from pqscan.model.vocab import HostKeyStatus, KState, Negotiation, Readiness, SSHFamily, Support


@dataclass(frozen=True, slots=True, kw_only=True)
class Identification(Observation):
    """The identification line (RFC 4253 §4.2) and the lines the server sent before it."""

    raw: str
    protoversion: str
    software: str
    product: str
    version: str | None
    comments: str | None
    pre_banner_lines: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KexMethod(Observation):
    """One key exchange method the server lists, at its position in the server's order."""

    position: int
    family: SSHFamily = field(metadata=DERIVED)  # pqscan.registry.ssh
    components: tuple[str, ...] = field(metadata=DERIVED)
    sha1: bool = field(metadata=DERIVED)
    status: Support
    confirmed: bool | None  # a completed exchange whose host key signature over H verified
    reason: str | None
    source: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CAKey(Observation):
    key_type: str
    size_bits: int | None
    fingerprint_sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HostCertificate(Observation):
    """An OpenSSH host certificate (PROTOCOL.certkeys) and whether its CA signature verified."""

    type: str
    serial: int
    key_id: str
    principals: tuple[str, ...]
    valid_after: int
    valid_before: int
    ca_key: CAKey
    ca_signature_verified: bool | None
    ca_signature_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HostKey(Observation):
    algorithm: str
    algorithms: tuple[str, ...]
    key_type: str
    family: SSHFamily = field(metadata=DERIVED)
    quantum_vulnerable: bool | None = field(metadata=DERIVED)  # pqscan.assess.exposure
    certificate: HostCertificate | None
    size_bits: int | None
    fingerprint_sha256: str | None
    signature_verified: bool | None
    status: HostKeyStatus
    reason: str | None
    source: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Directions(Observation):
    """A KEXINIT list per direction (ciphers, MACs)."""

    client_to_server: tuple[str, ...]
    server_to_client: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SSHNegotiated(Observation):
    openssh_10: str | None
    openssh_9: str | None
    classical_only: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SSHNegotiationStatus(Observation):
    openssh_10: Negotiation
    openssh_9: Negotiation
    classical_only: Negotiation


@dataclass(frozen=True, slots=True, kw_only=True)
class SSHObservation(Observation):
    identification: Identification | None
    kex_algorithms: Mapping[str, KexMethod]
    kex_preference: tuple[str, ...]
    pq_kex_confirmed: tuple[str, ...] = field(metadata=DERIVED)
    host_key_algorithms: tuple[str, ...]
    host_keys: tuple[HostKey, ...]
    ciphers: Directions
    macs: Directions
    compression: tuple[str, ...]
    weak_ciphers: tuple[str, ...] = field(metadata=DERIVED)
    weak_macs: tuple[str, ...] = field(metadata=DERIVED)
    strict_kex: bool
    ext_info: bool
    negotiated: SSHNegotiated
    negotiation_status: SSHNegotiationStatus
    violations: tuple[str, ...]
    kex_state: KState | None = field(metadata=DERIVED)  # pqscan.assess.kexstate
    kex_state_reason: str = field(metadata=DERIVED)
    readiness: Readiness | None = field(metadata=DERIVED)
