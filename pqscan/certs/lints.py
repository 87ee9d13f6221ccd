"""The lint declarations: every PQ certificate lint, declared once with code, severity, reference.

The engine (pqscan.certs.lint) decides when each fires; this module only says what each one is.
Section references name the section titles of RFC 9881 (ML-DSA), RFC 9909 (SLH-DSA), RFC 9935
(ML-KEM) and the LAMPS composite drafts (I-D: draft-ietf-lamps-pq-composite-sigs / -kem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITIES = ("error", "warning", "notice", "info")


@dataclass(frozen=True)
class Lint:
    code: str
    severity: str
    reference: str
    summary: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")


@dataclass(frozen=True)
class Finding:
    """A lint that fired on one certificate, with the specific message."""

    code: str
    severity: str
    message: str
    reference: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "reference": self.reference,
        }


_MLDSA = "RFC 9881"
_SLHDSA = "RFC 9909"
_MLKEM = "RFC 9935"
_CSIG = "draft-ietf-lamps-pq-composite-sigs (I-D)"
_CKEM = "draft-ietf-lamps-pq-composite-kem (I-D)"

_DECLARED = (
    # AlgorithmIdentifier parameters MUST be absent (signatureAlgorithm and SPKI).
    Lint("x509.mldsa.params_present", "error", f"{_MLDSA}, Algorithm Identifiers",
         "ML-DSA AlgorithmIdentifier has parameters"),
    Lint("x509.slhdsa.params_present", "error", f"{_SLHDSA}, Algorithm Identifiers",
         "SLH-DSA AlgorithmIdentifier has parameters"),
    Lint("x509.mlkem.params_present", "error", f"{_MLKEM}, Algorithm Identifiers",
         "ML-KEM AlgorithmIdentifier has parameters"),
    Lint("x509.composite_mldsa.params_present", "error", f"{_CSIG}, Algorithm Identifiers",
         "composite ML-DSA AlgorithmIdentifier has parameters"),
    Lint("x509.composite_mlkem.params_present", "error", f"{_CKEM}, Algorithm Identifiers",
         "composite ML-KEM AlgorithmIdentifier has parameters"),
    # keyUsage (reference x509_profile_rules).
    Lint("x509.mldsa.key_usage", "error", f"{_MLDSA}, Key Usage Bits",
         "keyUsage of an ML-DSA key outside the signature bits"),
    Lint("x509.slhdsa.key_usage", "error", f"{_SLHDSA}, Key Usage Bits",
         "keyUsage of an SLH-DSA key outside the signature bits"),
    Lint("x509.mlkem.key_usage", "error", f"{_MLKEM}, Key Usage Bits",
         "keyUsage of an ML-KEM key is not keyEncipherment alone"),
    Lint("x509.composite_mldsa.key_usage", "error", f"{_CSIG}, Key Usage Bits",
         "keyUsage of a composite ML-DSA key outside the signature bits"),
    Lint("x509.composite_mlkem.key_usage", "error", f"{_CKEM}, Key Usage Bits",
         "keyUsage of a composite ML-KEM key is not keyEncipherment alone"),
    # Public key and signature lengths (reference `sizes`).
    Lint("x509.mldsa.public_key_length", "error", f"{_MLDSA}, ML-DSA Public Keys",
         "ML-DSA public key length differs from FIPS 204"),
    Lint("x509.mldsa.signature_length", "error", f"{_MLDSA}, ML-DSA Signatures",
         "ML-DSA signature length differs from FIPS 204"),
    Lint("x509.slhdsa.public_key_length", "error", f"{_SLHDSA}, Subject Public Key Fields",
         "SLH-DSA public key length differs from FIPS 205"),
    Lint("x509.slhdsa.signature_length", "error", f"{_SLHDSA}, SLH-DSA Signatures",
         "SLH-DSA signature length differs from FIPS 205"),
    Lint("x509.mlkem.public_key_length", "error", f"{_MLKEM}, Subject Public Key Field",
         "ML-KEM public key length differs from FIPS 203"),
    Lint("x509.composite_mldsa.public_key_length", "error", f"{_CSIG}, sizeTable",
         "composite ML-DSA public key length differs from the draft's size table"),
    Lint("x509.composite_mldsa.signature_length", "error", f"{_CSIG}, sizeTable",
         "composite ML-DSA signature length differs from the draft's size table"),
    Lint("x509.composite_mlkem.public_key_length", "error", f"{_CKEM}, sizeTable",
         "composite ML-KEM public key length differs from the draft's size table"),
    # Algorithm choice.
    Lint("x509.mldsa.hash_variant", "error", f"{_MLDSA}, Algorithm Identifiers",
         "HashML-DSA OID in a certificate (MUST NOT be used in PKIX)"),
    Lint("x509.slhdsa.mode_mismatch", "error", f"{_SLHDSA}, Algorithm Identifiers",
         "self-signed SLH-DSA certificate signed in the other mode (pure / pre-hash) than its key"),
    Lint("x509.signature.algorithm_mismatch", "error", "RFC 5280 s4.1.1.2",
         "signatureAlgorithm differs from TBSCertificate.signature"),
    Lint("x509.signature.key_mismatch", "warning", "RFC 5280 s4.1.1.2",
         "self-signed certificate signed with an algorithm other than its own key's"),
    Lint("x509.oid.draft", "notice", "draft-ietf-lamps-pq-composite-sigs / -kem (I-D)",
         "algorithm OID defined only by an Internet-Draft"),
    Lint("x509.oid.pre_standard", "warning", "IETF hackathon oid_mapping_historical",
         "pre-standard / experimental algorithm OID"),
    Lint("x509.oid.unknown", "warning", "RFC 5280 s4.1.2.7",
         "algorithm OID pqscan does not know"),
    # Signature verification.
    Lint("x509.signature.invalid", "error", "RFC 5280 s6.1.3",
         "signature does not verify with the issuer's public key"),
    Lint("x509.signature.verified", "info", "RFC 5280 s6.1.3",
         "signature verifies with the issuer's public key"),
    Lint("x509.signature.issuer_not_found", "notice", "RFC 5280 s4.2.1.1, s6.1",
         "issuer not found: no given certificate matches the authorityKeyIdentifier or the "
         "issuer name (signature not checked)"),
    Lint("x509.signature.not_checked", "notice", "RFC 5280 s6.1.3",
         "signature not checked (inconclusive): algorithm unavailable or issuer not given"),
)

LINTS: dict[str, Lint] = {lint.code: lint for lint in _DECLARED}
if len(LINTS) != len(_DECLARED):  # pragma: no cover - a declaration error, caught at import
    raise RuntimeError("duplicate lint code")


def finding(code: str, message: str) -> Finding:
    """A Finding for declared lint `code` (KeyError on an undeclared code: a programming error)."""
    lint = LINTS[code]
    return Finding(lint.code, lint.severity, message, lint.reference)
