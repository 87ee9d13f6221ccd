"""Security strength and quantum exposure of the algorithms an endpoint shows.

Owns the classification used by findings: is a signature OID / key / group classical (breakable
by a cryptographically relevant quantum computer, Shor) and what is its classical security
strength in bits. Strength values follow NIST SP 800-57 Part 1 Rev. 5 §5.6.1.1 Table 2, the
scale NIST IR 8547 ipd §4.1 uses for its "112-bit" and ">= 128-bit" rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pqscan.registry.reference import reference_data

# SP 800-57 Pt 1 Rev 5 Table 2 (ECC column is the group order size; X25519 ~ 128, X448 ~ 224).
CLASSICAL_GROUP_STRENGTH: Mapping[str, int] = {
    "x25519": 128,
    "x448": 224,
    "secp256r1": 128,
    "secp384r1": 192,
    "secp521r1": 256,
    "brainpoolP256r1tls13": 128,
    "brainpoolP384r1tls13": 192,
    "brainpoolP512r1tls13": 256,
    "brainpoolP256r1": 128,
    "brainpoolP384r1": 192,
    "brainpoolP512r1": 256,
    "curveSM2": 128,
    "ffdhe2048": 112,
    "ffdhe3072": 128,
    "ffdhe4096": 152,
    "ffdhe6144": 176,
    "ffdhe8192": 200,
}

# Classical signature OID arcs: PKCS#1 (RFC 8017), ANSI X9.62 ECDSA (RFC 5758), EdDSA
# (RFC 8410), DSA (RFC 3279), and the CSOR sig arc .3.1-.3.16 (DSA/ECDSA/RSA with SHA-2/SHA-3).
_CLASSICAL_SIG_PREFIXES = (
    "1.2.840.113549.1.1.",
    "1.2.840.10045.",
    "1.2.840.10040.4.",
    "1.3.132.",
)
_CLASSICAL_SIG_EXACT = {"1.3.101.112", "1.3.101.113"} | {
    f"2.16.840.1.101.3.4.3.{n}" for n in range(1, 17)
}


@lru_cache(maxsize=1)
def pq_signature_oids() -> frozenset[str]:
    """OIDs of PQ and composite algorithms, read from the shipped reference data (S15-S19)."""
    return frozenset(str(entry["oid"]) for entry in reference_data()["x509_oids"])


def signature_oid_is_classical(oid: str) -> bool | None:
    """True for a quantum-vulnerable signature OID, False for PQ/composite, None if unknown."""
    if not isinstance(oid, str):
        raise TypeError(f"oid must be str, not {type(oid).__name__}")
    if oid in pq_signature_oids():
        return False
    if oid in _CLASSICAL_SIG_EXACT or oid.startswith(_CLASSICAL_SIG_PREFIXES):
        return True
    return None


def rsa_strength(bits: int) -> int:
    """SP 800-57 Table 2: integer-factorisation modulus size -> security strength."""
    for minimum, strength in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)):
        if bits >= minimum:
            return strength
    return 0


def public_key_strength(public_key: Mapping[str, Any]) -> int | None:
    """Classical strength of a CERT public_key dict, None when it cannot be told."""
    name = str(public_key.get("algorithm") or "").upper().replace("_", "-")
    size = public_key.get("size_bits")
    if "ED25519" in name:
        return 128
    if "ED448" in name:
        return 224
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return None
    if "RSA" in name or name == "DSA":
        return rsa_strength(size)
    if "EC" in name:
        # ECC strength is half the order size (P-521 is listed as 256).
        return min(size // 2, 256)
    return None


def key_label(public_key: Mapping[str, Any]) -> str:
    """Short human label such as "RSA-2048" or "ML-DSA-65"."""
    name = str(public_key.get("parameter_set") or public_key.get("algorithm") or "unknown")
    size = public_key.get("size_bits")
    if isinstance(size, int) and str(size) not in name and "RSA" in name.upper():
        return f"{name}-{size}"
    return name
