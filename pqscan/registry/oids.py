"""The algorithm OID table: what an X.509 algorithm OID means (name, kind, strength, status).

PQ entries are fed from the reference (`pqscan/data/pqc-standards.json`, keys `x509_oids` and
`sizes`); classical entries (RFC 3279, RFC 4055, RFC 5480, RFC 5758, RFC 8410) and a handful of
pre-standard OIDs still found in hackathon certificates are declared below. `algorithm()` never
raises: an OID nobody declared is reported as "unknown (OID)".

nist_category is the NIST PQC security category (FIPS 203/204/205); it is None for classical
algorithms, which have no category (choosing None rather than 0 keeps "no category" distinct from
a number). For composites it is the category of the ML-DSA / ML-KEM component, the part that
still holds against a quantum adversary.

quantum_vulnerable is True for RSA/EC/DSA/DH (Shor), False for PQ and composite algorithms and
None for OIDs we cannot identify: unknown is never "vulnerable" (the one rule,
pqscan.assess.exposure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pqscan.registry.reference import reference_data


@dataclass(frozen=True)
class AlgorithmInfo:
    """One algorithm OID, as pqscan understands it."""

    oid: str
    name: str  # standards spelling: "ML-DSA-65", "SLH-DSA-SHA2-128s", "ECDSA P-256"
    kind: str  # "signature" | "kem" | "key-agreement" | "public-key" | "hash" | "curve" | "unknown"
    family: str  # "ML-DSA", "HashML-DSA", "SLH-DSA", "composite ML-DSA", "RSA", ...
    parameter_set: str | None
    nist_category: int | None
    quantum_vulnerable: bool | None
    status: str  # "RFC 9881", "I-D (...)", "pre-standard (...)", "unknown"
    source: str = ""  # reference source key (S15...) or the RFC that defines a classical OID

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    def to_dict(self) -> dict[str, Any]:
        return {
            "oid": self.oid,
            "name": self.name,
            "kind": self.kind,
            "family": self.family,
            "parameter_set": self.parameter_set,
            "nist_category": self.nist_category,
            "quantum_vulnerable": self.quantum_vulnerable,
            "status": self.status,
        }


def _categories() -> dict[str, int]:
    sizes = reference_data()["sizes"]
    groups = ("ml_kem", "ml_dsa", "slh_dsa")
    return {e["name"]: e["nist_category"] for k in groups for e in sizes[k]}


def _from_reference(entry: dict[str, Any], categories: dict[str, int]) -> AlgorithmInfo:
    """Turn a reference `x509_oids` row into an AlgorithmInfo, deriving the standards spelling."""
    ident: str = entry["name"]
    kind_text: str = entry["kind"]
    kind = "kem" if "kem" in kind_text.lower() else "signature"
    if m := re.fullmatch(r"id-(?:alg-)?ml-(dsa|kem)-(\d+)", ident):
        name = f"ML-{m[1].upper()}-{m[2]}"
        family, pset = f"ML-{m[1].upper()}", name
    elif m := re.fullmatch(r"id-hash-ml-dsa-(\d+)-with-(\w+)", ident):
        pset = f"ML-DSA-{m[1]}"
        name, family = f"HashML-DSA-{m[1]}-{m[2].upper()}", "HashML-DSA"
    elif m := re.fullmatch(r"id-(hash-)?slh-dsa-(sha2|shake)-(\d+)([sf])(?:-with-(\w+))?", ident):
        pset = f"SLH-DSA-{m[2].upper()}-{m[3]}{m[4]}"
        family = "HashSLH-DSA" if m[1] else "SLH-DSA"
        name = f"Hash{pset}-{m[5].upper()}" if m[1] else pset
    elif m := re.fullmatch(r"id-(ML(DSA|KEM)(\d+))-.+", ident):
        # Composite names keep the LAMPS draft spelling without the "id-" prefix (S18, S19).
        name = ident[3:]
        family = f"composite ML-{m[2]}"
        pset = f"ML-{m[2]}-{m[3]}"
    else:
        name, family, pset = ident, "unknown", None
    return AlgorithmInfo(
        oid=entry["oid"],
        name=name,
        kind=kind,
        family=family,
        parameter_set=pset,
        nist_category=categories.get(pset) if pset else None,
        quantum_vulnerable=False,
        status=entry["status"],
        source=entry.get("source", ""),
    )


def _c(oid: str, name: str, kind: str, family: str, src: str) -> AlgorithmInfo:
    vulnerable = family in {"RSA", "ECDSA", "EC", "DSA", "DH", "EdDSA", "ECDH"}
    return AlgorithmInfo(oid, name, kind, family, None, None, vulnerable, "RFC", src)


# Classical OIDs: RSA (RFC 8017, RFC 4055), EC (RFC 5480, RFC 5758), EdDSA/ECDH on Edwards and
# Montgomery curves (RFC 8410), DSA (RFC 3279, RFC 5758), hashes (RFC 5754, RFC 8702).
_CLASSICAL: tuple[AlgorithmInfo, ...] = (
    _c("1.2.840.113549.1.1.1", "RSA", "public-key", "RSA", "RFC 8017"),
    _c("1.2.840.113549.1.1.10", "RSASSA-PSS", "signature", "RSA", "RFC 4055"),
    _c("1.2.840.113549.1.1.7", "RSAES-OAEP", "public-key", "RSA", "RFC 4055"),
    _c("1.2.840.113549.1.1.4", "md5WithRSAEncryption", "signature", "RSA", "RFC 3279"),
    _c("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", "signature", "RSA", "RFC 3279"),
    _c("1.2.840.113549.1.1.14", "sha224WithRSAEncryption", "signature", "RSA", "RFC 4055"),
    _c("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", "signature", "RSA", "RFC 4055"),
    _c("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", "signature", "RSA", "RFC 4055"),
    _c("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", "signature", "RSA", "RFC 4055"),
    _c("1.2.840.10045.2.1", "ECDSA", "public-key", "ECDSA", "RFC 5480"),
    _c("1.3.132.1.12", "ECDH", "key-agreement", "ECDH", "RFC 5480"),
    _c("1.2.840.10045.4.1", "ecdsa-with-SHA1", "signature", "ECDSA", "RFC 3279"),
    _c("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", "signature", "ECDSA", "RFC 5758"),
    _c("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", "signature", "ECDSA", "RFC 5758"),
    _c("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", "signature", "ECDSA", "RFC 5758"),
    _c("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "signature", "ECDSA", "RFC 5758"),
    _c("1.3.101.112", "Ed25519", "signature", "EdDSA", "RFC 8410"),
    _c("1.3.101.113", "Ed448", "signature", "EdDSA", "RFC 8410"),
    _c("1.3.101.110", "X25519", "key-agreement", "ECDH", "RFC 8410"),
    _c("1.3.101.111", "X448", "key-agreement", "ECDH", "RFC 8410"),
    _c("1.2.840.10040.4.1", "DSA", "public-key", "DSA", "RFC 3279"),
    _c("1.2.840.10040.4.3", "dsa-with-SHA1", "signature", "DSA", "RFC 3279"),
    _c("2.16.840.1.101.3.4.3.1", "dsa-with-SHA224", "signature", "DSA", "RFC 5758"),
    _c("2.16.840.1.101.3.4.3.2", "dsa-with-SHA256", "signature", "DSA", "RFC 5758"),
    _c("1.2.840.10046.2.1", "DH", "key-agreement", "DH", "RFC 3279"),
    _c("1.3.14.3.2.26", "SHA-1", "hash", "hash", "RFC 3279"),
    _c("2.16.840.1.101.3.4.2.4", "SHA-224", "hash", "hash", "RFC 5754"),
    _c("2.16.840.1.101.3.4.2.1", "SHA-256", "hash", "hash", "RFC 5754"),
    _c("2.16.840.1.101.3.4.2.2", "SHA-384", "hash", "hash", "RFC 5754"),
    _c("2.16.840.1.101.3.4.2.3", "SHA-512", "hash", "hash", "RFC 5754"),
    _c("2.16.840.1.101.3.4.2.11", "SHAKE128", "hash", "hash", "RFC 8702"),
    _c("2.16.840.1.101.3.4.2.12", "SHAKE256", "hash", "hash", "RFC 8702"),
)

# Named curves (RFC 5480 s2.1.1.1, RFC 5639 for brainpool): OID -> (name, field size in bits).
CURVES: dict[str, tuple[str, int]] = {
    "1.2.840.10045.3.1.7": ("P-256", 256),
    "1.3.132.0.34": ("P-384", 384),
    "1.3.132.0.35": ("P-521", 521),
    "1.3.132.0.33": ("P-224", 224),
    "1.3.132.0.10": ("secp256k1", 256),
    "1.3.36.3.3.2.8.1.1.7": ("brainpoolP256r1", 256),
    "1.3.36.3.3.2.8.1.1.11": ("brainpoolP384r1", 384),
    "1.3.36.3.3.2.8.1.1.13": ("brainpoolP512r1", 512),
}

_PRE = "pre-standard"


def _p(oid: str, name: str, kind: str, family: str, cat: int | None, status: str) -> AlgorithmInfo:
    return AlgorithmInfo(oid, name, kind, family, name, cat, False, f"{_PRE} ({status})", "")


# Pre-standard OIDs seen in the IETF hackathon corpus (its docs/oid_mapping*.md). None has an RFC;
# the status string says where the OID comes from. Categories: NIST round-3 submissions (Falcon,
# NTRU) and the FrodoKEM specification (976 -> category 3, 1344 -> 5).
_PRE_STANDARD: tuple[AlgorithmInfo, ...] = (
    _p("1.3.9999.3.11", "Falcon-512", "signature", "Falcon", 1, "OQS experimental OID"),
    _p("1.3.9999.3.14", "Falcon-1024", "signature", "Falcon", 5, "OQS experimental OID"),
    _p("1.3.6.1.4.1.22554.5.5.1", "NTRU-HPS-2048-509", "kem", "NTRU", 1, "round 3, vendor OID"),
    _p("1.3.6.1.4.1.22554.5.5.2", "NTRU-HPS-2048-677", "kem", "NTRU", 3, "round 3, vendor OID"),
    _p("1.3.6.1.4.1.22554.5.5.3", "NTRU-HPS-4096-821", "kem", "NTRU", 5, "round 3, vendor OID"),
    _p("1.3.6.1.4.1.22554.5.5.4", "NTRU-HRSS-701", "kem", "NTRU", 3, "round 3, vendor OID"),
    _p("1.0.18033.2.2.7.1", "FrodoKEM-976-SHAKE", "kem", "FrodoKEM", 3, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.2", "FrodoKEM-1344-SHAKE", "kem", "FrodoKEM", 5, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.3", "eFrodoKEM-976-SHAKE", "kem", "FrodoKEM", 3, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.4", "eFrodoKEM-1344-SHAKE", "kem", "FrodoKEM", 5, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.5", "FrodoKEM-976-AES", "kem", "FrodoKEM", 3, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.6", "FrodoKEM-1344-AES", "kem", "FrodoKEM", 5, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.7", "eFrodoKEM-976-AES", "kem", "FrodoKEM", 3, "I-D smyslov-frodokem"),
    _p("1.0.18033.2.2.7.8", "eFrodoKEM-1344-AES", "kem", "FrodoKEM", 5, "I-D smyslov-frodokem"),
    # Initial-public-draft and NIST round-3 OIDs: IETF PQC hackathon docs/oid_mapping_historical.md
    # ("should no longer be used"; OQS oqs-provider generate.yml). That table prints the
    # ML-DSA-65/87-ipd OIDs as 1.1.4.1...; the arc is 1.3.6.1.4.1.2.267.12 like ML-DSA-44-ipd
    # (OQS ALGORITHMS.md, reference S9). Categories follow the final parameter sets.
    _p("1.3.6.1.4.1.2.267.12.4.4", "ML-DSA-44-ipd", "signature", "ML-DSA", 2, "FIPS 204 ipd"),
    _p("1.3.6.1.4.1.2.267.12.6.5", "ML-DSA-65-ipd", "signature", "ML-DSA", 3, "FIPS 204 ipd"),
    _p("1.3.6.1.4.1.2.267.12.8.7", "ML-DSA-87-ipd", "signature", "ML-DSA", 5, "FIPS 204 ipd"),
    *(_p(f"1.3.9999.6.{arc}", f"SLH-DSA-{name}-ipd", "signature", "SLH-DSA", cat, "FIPS 205 ipd")
      for arc, name, cat in (
          ("4.16", "SHA2-128s", 1), ("7.16", "SHAKE-128s", 1), ("4.13", "SHA2-128f", 1),
          ("7.13", "SHAKE-128f", 1), ("5.12", "SHA2-192s", 3), ("8.12", "SHAKE-192s", 3),
          ("5.10", "SHA2-192f", 3), ("8.10", "SHAKE-192f", 3), ("6.12", "SHA2-256s", 5),
          ("9.12", "SHAKE-256s", 5), ("6.10", "SHA2-256f", 5), ("9.10", "SHAKE-256f", 5))),
    _p("1.3.6.1.4.1.22554.5.6.1", "ML-KEM-512-ipd", "kem", "ML-KEM", 1, "FIPS 203 ipd"),
    _p("1.3.6.1.4.1.22554.5.6.2", "ML-KEM-768-ipd", "kem", "ML-KEM", 3, "FIPS 203 ipd"),
    _p("1.3.6.1.4.1.22554.5.6.3", "ML-KEM-1024-ipd", "kem", "ML-KEM", 5, "FIPS 203 ipd"),
    _p("1.3.6.1.4.1.2.267.7.4.4", "Dilithium2", "signature", "Dilithium", 2, "round 3, OQS"),
    _p("1.3.6.1.4.1.2.267.7.6.5", "Dilithium3", "signature", "Dilithium", 3, "round 3, OQS"),
    _p("1.3.6.1.4.1.2.267.7.8.7", "Dilithium5", "signature", "Dilithium", 5, "round 3, OQS"),
    _p("1.3.6.1.4.1.2.267.11.4.4", "DilithiumAES2", "signature", "Dilithium", 2, "round 3, OQS"),
    _p("1.3.6.1.4.1.2.267.11.6.5", "DilithiumAES3", "signature", "Dilithium", 3, "round 3, OQS"),
    _p("1.3.6.1.4.1.2.267.11.8.7", "DilithiumAES5", "signature", "Dilithium", 5, "round 3, OQS"),
    _p("1.3.9999.3.1", "Falcon-512 (round 3)", "signature", "Falcon", 1, "round 3, OQS"),
    _p("1.3.9999.3.4", "Falcon-1024 (round 3)", "signature", "Falcon", 5, "round 3, OQS"),
    *(_p(f"1.3.9999.6.{arc}", f"SPHINCS+-SHA256-{name}", "signature", "SPHINCS+", cat,
         "round 3, OQS")
      for arc, name, cat in (
          ("4.1", "128f-robust", 1), ("4.4", "128f-simple", 1), ("4.7", "128s-robust", 1),
          ("4.10", "128s-simple", 1), ("5.1", "192f-robust", 3), ("5.3", "192f-simple", 3),
          ("5.5", "192s-robust", 3), ("5.7", "192s-simple", 3), ("6.1", "256f-robust", 5),
          ("6.3", "256f-simple", 5), ("6.5", "256s-robust", 5), ("6.7", "256s-simple", 5))),
    # Generic composites: the components are inside the key, so strength is not knowable from the
    # OID alone; reported as vulnerable (conservative) with no category.
    AlgorithmInfo("2.16.840.1.114027.80.4.1", "Composite key (generic)", "public-key",
                  "generic composite", None, None, True, f"{_PRE} (Entrust draft OID)"),
    AlgorithmInfo("1.3.6.1.4.1.18227.2.1", "Composite signature (generic)", "signature",
                  "generic composite", None, None, True, f"{_PRE} (OpenCA draft OID)"),
)


@cache
def table() -> dict[str, AlgorithmInfo]:
    categories = _categories()
    out: dict[str, AlgorithmInfo] = {a.oid: a for a in _CLASSICAL + _PRE_STANDARD}
    for entry in reference_data()["x509_oids"]:
        out[entry["oid"]] = _from_reference(entry, categories)
    return out


def algorithm(oid: str) -> AlgorithmInfo:
    """What `oid` is; an unknown OID gives name "unknown (OID)" and kind "unknown"."""
    if not isinstance(oid, str):
        raise TypeError(f"oid must be str, not {type(oid).__name__}")
    found = table().get(oid)
    if found is not None:
        return found
    return AlgorithmInfo(oid, f"unknown ({oid})", "unknown", "unknown", None, None, None, "unknown")


def curve(oid: str) -> tuple[str, int] | None:
    """(name, bits) of a named curve OID, None when not a known curve."""
    return CURVES.get(oid)
