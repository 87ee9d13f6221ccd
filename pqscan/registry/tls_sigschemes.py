"""TLS SignatureScheme codepoints (IANA "TLS SignatureScheme", RFC 8446 §4.2.3).

Owns `SignatureScheme`, `SIGNATURE_SCHEMES` and `signature_scheme()`. Built from the reference
copy (`tls_signature_schemes`: ML-DSA, SLH-DSA drafts, OQS vendor hybrids, the classical RFC 8446
set) plus a few legacy TLS 1.2 hash/signature pairs (RFC 5246 §7.4.1.4.1) the JSON lacks.
Composite ML-DSA schemes have no codepoints yet (TBD in S14); their names are kept in
`PENDING_SIGNATURE_SCHEMES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pqscan.registry.common import (
    Codepoint,
    CodeTable,
    check_code,
    grease_name,
    hex_code,
    is_grease,
    reference_ranges,
)
from pqscan.registry.reference import reference_data

SIGNATURE_FAMILIES = frozenset(
    {"ml-dsa", "slh-dsa", "composite", "rsa-pkcs1", "rsa-pss", "ecdsa", "eddsa", "sm2",
     "legacy", "unknown"}
)


@dataclass(frozen=True)
class SignatureScheme(Codepoint):
    """One TLS SignatureScheme codepoint."""

    code: int
    name: str
    family: str
    is_pq: bool
    tls12_allowed: bool
    status: str
    source: str
    hash: str | None  # digest the scheme signs with; None for ML-DSA, SLH-DSA, EdDSA (no prehash)
    oid: str | None = None

    def __post_init__(self) -> None:
        check_code(self.code, "signature scheme")
        if self.family not in SIGNATURE_FAMILIES:
            raise ValueError(f"unknown signature family {self.family!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form with the contract's lower-case hex code."""
        return {
            "code": hex_code(self.code),
            "name": self.name,
            "family": self.family,
            "is_pq": self.is_pq,
            "tls12_allowed": self.tls12_allowed,
            "status": self.status,
            "source": self.source,
            "hash": self.hash,
            "oid": self.oid,
        }


_HASH_SUFFIX = re.compile(r"_(sha1|sha224|sha256|sha384|sha512|sm3)$")

# TLS 1.3-only classical schemes: brainpool tls13 curves (RFC 8734 §3) and SM2 (RFC 8998 §3).
_TLS13_ONLY = frozenset(
    {"ecdsa_brainpoolP256r1tls13_sha256", "ecdsa_brainpoolP384r1tls13_sha384",
     "ecdsa_brainpoolP512r1tls13_sha512", "sm2sig_sm3"}
)

# TLS 1.2 hash/signature pairs (RFC 5246 §7.4.1.4.1) that RFC 8446 §4.2.3 lists only as
# reserved/legacy; servers still send them, so a scan must name them.
_LEGACY_ADDITIONS = (
    (0x0202, "dsa_sha1"),
    (0x0301, "rsa_pkcs1_sha224"),
    (0x0302, "dsa_sha224"),
    (0x0303, "ecdsa_sha224"),
    (0x0402, "dsa_sha256"),
    (0x0502, "dsa_sha384"),
    (0x0602, "dsa_sha512"),
)


def _family(name: str, status: str) -> str:
    if name.startswith("mldsa"):
        return "ml-dsa"
    if name.startswith("slhdsa"):
        return "slh-dsa"
    if "vendor" in status and "mldsa" in name:
        return "composite"  # OQS p256_mldsa44 etc.: classical + ML-DSA hybrids
    if name in ("rsa_pkcs1_sha1", "ecdsa_sha1") or name.startswith("dsa_"):
        return "legacy"  # RFC 8446 §4.2.3 "Legacy algorithms"
    if name.startswith("rsa_pkcs1"):
        return "rsa-pkcs1"
    if name.startswith("rsa_pss"):
        return "rsa-pss"
    if name.startswith("ecdsa"):
        return "ecdsa"
    if name in ("ed25519", "ed448"):
        return "eddsa"
    if name.startswith("sm2"):
        return "sm2"
    return "unknown"


def _make(code: int, name: str, status: str, source: str, oid: str | None) -> SignatureScheme:
    family = _family(name, status)
    is_pq = family in ("ml-dsa", "slh-dsa", "composite")
    m = _HASH_SUFFIX.search(name)
    hash_name = m.group(1) if m and not is_pq else None
    # PQ schemes MUST NOT be used in TLS 1.2 (S12 §3, S13, S14 -> illegal_parameter).
    tls12 = not is_pq and name not in _TLS13_ONLY
    return SignatureScheme(code, name, family, is_pq, tls12, status, source, hash_name, oid)


def _build() -> tuple[dict[int, SignatureScheme], tuple[str, ...]]:
    table: dict[int, SignatureScheme] = {}
    pending: list[str] = []
    for entry in reference_data()["tls_signature_schemes"]:
        if "range_hex" in entry:
            continue
        if not entry.get("value_hex"):
            pending.append(entry["name"])
            continue
        name = entry["name"].replace(" (OQS)", "")
        status = entry["status"]
        if status == "same as mldsa44":  # the reference abbreviates; spell it out
            status = table[0x0904].status
        code = int(entry["value_hex"], 16)
        if any(lo <= code <= hi for lo, hi in _PRIVATE):
            status = f"private use; {status}"
        table[code] = _make(code, name, status, entry["source"], entry.get("oid"))
    for code, name in _LEGACY_ADDITIONS:
        table.setdefault(
            code,
            _make(code, name, "legacy TLS 1.2 pair, reserved in RFC 8446",
                  "RFC 5246 s7.4.1.4.1; RFC 8446 s4.2.3", None),
        )
    return dict(sorted(table.items())), tuple(pending)


_PRIVATE = reference_ranges("tls_signature_schemes")
_TABLE, PENDING_SIGNATURE_SCHEMES = _build()
SIGNATURE_SCHEMES: Mapping[int, SignatureScheme] = MappingProxyType(_TABLE)


def signature_scheme(code_or_name: int | str) -> SignatureScheme:
    """Look a scheme up by codepoint or name (case-insensitive).

    Unknown codepoints give family "unknown" with status "GREASE", "private use" or "unknown";
    "0x1234" / "GREASE(0x0a0a)" round-trip; an unknown name is a ValueError.
    """
    if type(code_or_name) is int:  # the hot path, a declared code: one call, not two
        found = SIGNATURE_SCHEMES.get(code_or_name)
        if found is not None:
            return found
    return _LOOKUP.lookup(code_or_name)


def _unknown(code: int) -> SignatureScheme:
    if is_grease(code):
        return SignatureScheme(code, grease_name(code), "unknown", False, False, "GREASE",
                               "RFC 8701 s2", None)
    private = any(lo <= code <= hi for lo, hi in _PRIVATE)
    status, source = ("private use", "S11 s4.2.3") if private else ("unknown", "")
    return SignatureScheme(code, hex_code(code), "unknown", False, False, status, source, None)


_LOOKUP = CodeTable("signature scheme", SIGNATURE_SCHEMES, lambda s: s.name, _unknown)
