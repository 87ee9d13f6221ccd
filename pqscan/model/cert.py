"""Typed observations of X.509 certificates as a report records them (docs/json-contract.md CERT).

A served chain is a tuple of `Certificate` (what pqscan read from it) or `CertificateError`
(a position whose DER could not be read at all). `public_key.quantum_vulnerable` is a derived
field kept for readers; every judgement recomputes it (pqscan.assess.derive). `der` keeps the
raw bytes as received when the object was built by a scan (the JSON carries their `sha256`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pqscan.model.codec import ABSENT, DERIVED, Absent, Observation


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKey(Observation):
    algorithm: str
    oid: str
    parameter_set: str | Absent = ABSENT
    size_bits: int | Absent = ABSENT
    nist_category: int | None
    quantum_vulnerable: bool | None = field(metadata=DERIVED)  # pqscan.assess.exposure


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureAlgorithm(Observation):
    name: str | None
    oid: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate(Observation):
    position: int
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    sha256: str
    sans: tuple[str, ...] | Absent = ABSENT
    key_usage: tuple[str, ...] | Absent = ABSENT
    is_ca: bool | None | Absent = ABSENT
    public_key: PublicKey
    signature_algorithm: SignatureAlgorithm
    parse_warning: str | Absent = ABSENT
    der: bytes | None = field(default=None, compare=False, repr=False,
                              metadata={"json": False})


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateError(Observation):
    """A chain position pqscan could not read (the one-line reason)."""

    position: int
    error: str
    der: bytes | None = field(default=None, compare=False, repr=False,
                              metadata={"json": False})


ChainEntry = Certificate | CertificateError
