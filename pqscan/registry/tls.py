"""TLS named groups (IANA "TLS Supported Groups") and the facade of all TLS codepoint registries.

Owns `NamedGroup`, `GROUPS` and `group()`. The group table is built from the reference copy
`pqscan/data/pqc-standards.json` (key `tls_supported_groups`), so every size, status and source
key there is carried verbatim; the small Python tables below add only what that JSON lacks
(classical shared-secret sizes, TLS 1.2 usability, components of vendor groups, the legacy
curves 9-14/22 and the TLS 1.2 brainpool curves).

Signature schemes, cipher suites, alerts, extensions and versions live in sibling modules and
are re-exported here, so callers need only `pqscan.registry.tls`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
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
from pqscan.registry.tls_misc import (
    ALERTS,
    EXTENSIONS,
    VERSIONS,
    alert_name,
    extension_name,
    version_name,
)
from pqscan.registry.tls_sigschemes import SIGNATURE_SCHEMES, SignatureScheme, signature_scheme
from pqscan.registry.tls_suites import CIPHER_SUITES, CipherSuite, cipher_suite

__all__ = [
    "ALERTS",
    "CIPHER_SUITES",
    "EXTENSIONS",
    "GROUPS",
    "SIGNATURE_SCHEMES",
    "VERSIONS",
    "CipherSuite",
    "GroupFamily",
    "NamedGroup",
    "SignatureScheme",
    "alert_name",
    "cipher_suite",
    "extension_name",
    "group",
    "signature_scheme",
    "version_name",
]


class GroupFamily(StrEnum):
    """What kind of key exchange a group is; the values are the JSON words."""

    CLASSICAL = "classical"  # ECDHE / FFDHE
    HYBRID = "hybrid"  # ECDHE + ML-KEM (RFC 10024, drafts, OQS ML-KEM hybrids)
    PURE_PQ = "pure_pq"  # MLKEM512/768/1024 (draft-ietf-tls-mlkem)
    PRE_STANDARD = "pre_standard"  # round-3 Kyber (draft00 hybrids, OQS kyber*)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NamedGroup(Codepoint):
    """One TLS NamedGroup codepoint with its sizes, status and provenance."""

    code: int
    name: str
    family: GroupFamily
    components: tuple[str, ...]  # in wire order (RFC 9954 §3.2: concatenation order)
    client_share_len: int | None
    server_share_len: int | None
    shared_secret_len: int | None
    status: str
    source: str
    tls12: bool
    note: str = ""

    def __post_init__(self) -> None:
        check_code(self.code, "group")
        if not isinstance(self.family, GroupFamily):
            raise TypeError(f"family must be a GroupFamily, not {type(self.family).__name__}")
        if not isinstance(self.components, tuple):
            raise TypeError("components must be a tuple of component names")

    @property
    def is_pq(self) -> bool:
        """True when the group has a quantum-resistant component (hybrid, pure or Kyber)."""
        return self.family in (GroupFamily.HYBRID, GroupFamily.PURE_PQ, GroupFamily.PRE_STANDARD)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; `code` is the contract's lower-case hex string ("0x11ec")."""
        return {
            "code": hex_code(self.code),
            "name": self.name,
            "family": self.family.value,
            "components": list(self.components),
            "client_share_len": self.client_share_len,
            "server_share_len": self.server_share_len,
            "shared_secret_len": self.shared_secret_len,
            "status": self.status,
            "source": self.source,
            "tls12": self.tls12,
            "is_pq": self.is_pq,
            "note": self.note,
        }


# Reference "kind" words -> family. OQS ML-KEM hybrids are real ML-KEM (FIPS 203) with vendor
# codepoints, so HYBRID (their status keeps "vendor"); round-3 Kyber is PRE_STANDARD.
_KIND_FAMILY = {
    "classical": GroupFamily.CLASSICAL,
    "pure-pq": GroupFamily.PURE_PQ,
    "hybrid": GroupFamily.HYBRID,
    "hybrid-vendor": GroupFamily.HYBRID,
    "hybrid-obsolete": GroupFamily.PRE_STANDARD,
    "pq-vendor-obsolete": GroupFamily.PRE_STANDARD,
    "hybrid-vendor-obsolete": GroupFamily.PRE_STANDARD,
}

# Layout item prefix (reference `client_share_layout`) -> component name.
_LAYOUT_COMPONENT = re.compile(
    r"^(?:(mlkem\d+)_ek|(x25519|x448)_public|(\w+?)_uncompressed_point|kyber(\d+)r3_pk):\d+$"
)

# ECDH/FFDHE shared-secret sizes (RFC 8446 §7.4.1: FFDHE Z left-padded to |p|; §7.4.2: the
# x-coordinate for NIST curves, the raw X25519/X448 output). The reference gives share sizes only.
_CLASSICAL_SECRET_LEN = {
    "secp256r1": 32,
    "secp384r1": 48,
    "secp521r1": 66,
    "x25519": 32,
    "x448": 56,
    "ffdhe2048": 256,
    "ffdhe3072": 384,
    "ffdhe4096": 512,
    "ffdhe6144": 768,
    "ffdhe8192": 1024,
    # RFC 8734 §2 / RFC 7027: brainpool curves, x-coordinate of the field size (derived)
    "brainpoolP256r1tls13": 32,
    "brainpoolP384r1tls13": 48,
    "brainpoolP512r1tls13": 64,
    "brainpoolP256r1": 32,
    "brainpoolP384r1": 48,
    "brainpoolP512r1": 64,
}

# Share sizes the reference leaves blank ("-"), derived from the encoding: brainpool shares are
# uncompressed points 0x04||X||Y (RFC 8734 §2 applies RFC 8446 §4.2.8.2) -> 1 + 2 * field bytes.
_DERIVED_SHARE_LEN = {
    name: 1 + 2 * size for name, size in _CLASSICAL_SECRET_LEN.items() if "brainpool" in name
}

# Groups usable in TLS 1.2 (RFC 8422 §5.1.1 ECDHE curves incl. x25519/x448, RFC 7919 FFDHE,
# RFC 7027 brainpool). brainpool*tls13 (RFC 8734) and curveSM2 (RFC 8998) are TLS 1.3 only.
_TLS12_NAMES = frozenset(
    {"secp256r1", "secp384r1", "secp521r1", "x25519", "x448"}
    | {f"ffdhe{n}" for n in (2048, 3072, 4096, 6144, 8192)}
)

# Components of vendor groups that the reference lists without a layout. Order follows the OQS
# name (classical first, the oqs-provider convention, S9); sizes stay None because the reference
# has none, so pqscan never generates these.
_VENDOR_COMPONENTS = {
    "X25519Kyber512Draft00": ("x25519", "Kyber512"),
    "p256_mlkem512": ("secp256r1", "MLKEM512"),
    "x25519_mlkem512": ("x25519", "MLKEM512"),
    "bp256_mlkem512": ("brainpoolP256r1", "MLKEM512"),
    "p384_mlkem768": ("secp384r1", "MLKEM768"),
    "x448_mlkem768": ("x448", "MLKEM768"),
    "bp384_mlkem768": ("brainpoolP384r1", "MLKEM768"),
    "p521_mlkem1024": ("secp521r1", "MLKEM1024"),
    "bp512_mlkem1024": ("brainpoolP512r1", "MLKEM1024"),
    "kyber512": ("Kyber512",),
    "kyber768": ("Kyber768",),
    "kyber1024": ("Kyber1024",),
    "x25519_kyber512": ("x25519", "Kyber512"),
    "p256_kyber512": ("secp256r1", "Kyber512"),
    "p384_kyber768": ("secp384r1", "Kyber768"),
    "x448_kyber768": ("x448", "Kyber768"),
    "p521_kyber1024": ("secp521r1", "Kyber1024"),
}

# Legacy curves (RFC 4492 §5.1.1 names; RFC 8422 §5.1.1 deprecates 1..22). The reference lists
# values 1-8 and 15-21 as IANA Recommended=D; names come from RFC 4492.
_LEGACY_CURVES = (
    "sect163k1", "sect163r1", "sect163r2", "sect193r1", "sect193r2", "sect233k1", "sect233r1",
    "sect239k1", "sect283k1", "sect283r1", "sect409k1", "sect409r1", "sect571k1", "sect571r1",
    "secp160k1", "secp160r1", "secp160r2", "secp192k1", "secp192r1", "secp224k1", "secp224r1",
    "secp256k1",
)

# Python-only additions (not in the reference JSON): TLS 1.2 brainpool curves and the explicit
# curve markers of RFC 4492, both deprecated or rare but seen in TLS 1.2 scans.
_EXTRA_CLASSICAL = (
    (26, "brainpoolP256r1", "IANA registered (TLS 1.2 only)", "RFC 7027 s2"),
    (27, "brainpoolP384r1", "IANA registered (TLS 1.2 only)", "RFC 7027 s2"),
    (28, "brainpoolP512r1", "IANA registered (TLS 1.2 only)", "RFC 7027 s2"),
    (0xFF01, "arbitrary_explicit_prime_curves", "deprecated", "RFC 8422 s5.1.1"),
    (0xFF02, "arbitrary_explicit_char2_curves", "deprecated", "RFC 8422 s5.1.1"),
)


def _display_name(reference_name: str) -> str:
    """Strip the reference's annotations: "kyber768 r3 (OQS)" -> "kyber768"."""
    return reference_name.replace(" (OQS)", "").replace(" r3", "").strip()


def _components(entry: dict[str, Any], name: str) -> tuple[str, ...]:
    layout = entry.get("client_share_layout")
    if not layout:
        if entry.get("kind") == "classical":
            return (name,)
        return _VENDOR_COMPONENTS.get(name, ())
    out = []
    for item in layout:
        m = _LAYOUT_COMPONENT.match(item)
        if m is None:
            raise ValueError(f"reference layout item {item!r} of {name} is not understood")
        mlkem, xdh, curve, kyber = m.groups()
        out.append(mlkem.upper() if mlkem else xdh or curve or f"Kyber{kyber}")
    return tuple(out)


def _private_use(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _PRIVATE_RANGES)


def _from_reference(entry: dict[str, Any]) -> NamedGroup:
    code = int(entry["value_dec"])
    name = _display_name(entry["name"])
    family = _KIND_FAMILY[entry["kind"]]
    share = entry.get("key_share_len", _DERIVED_SHARE_LEN.get(name))
    client = entry.get("client_share_len", share)
    server = entry.get("server_share_len", share)
    secret = entry.get("shared_secret_len", _CLASSICAL_SECRET_LEN.get(name))
    status = entry["status"]
    if _private_use(code):
        status = f"private use; {status}"
    return NamedGroup(
        code=code,
        name=name,
        family=family,
        components=_components(entry, name),
        client_share_len=client,
        server_share_len=server,
        shared_secret_len=secret,
        status=status,
        source=entry["source"],
        tls12=name in _TLS12_NAMES,
        note=entry.get("note", "") or (
            "share sizes derived from the point encoding (RFC 8734 s2), not in the reference"
            if name in _DERIVED_SHARE_LEN else ""),
    )


def _legacy_entries() -> list[NamedGroup]:
    discouraged: set[int] = set()
    for entry in reference_data()["tls_supported_groups"]:
        discouraged.update(entry.get("values_dec", ()))
    out = []
    for code, name in enumerate(_LEGACY_CURVES, start=1):
        status = (
            "IANA registered, Recommended=D"
            if code in discouraged
            else "IANA registered, deprecated by RFC 8422"
        )
        source = "S1; RFC 8422 s5.1.1" if code in discouraged else "RFC 8422 s5.1.1"
        out.append(
            NamedGroup(code, name, GroupFamily.CLASSICAL, (name,), None, None, None,
                       status, source, tls12=True)
        )
    for code, name, status, source in _EXTRA_CLASSICAL:
        share = _DERIVED_SHARE_LEN.get(name)
        out.append(
            NamedGroup(code, name, GroupFamily.CLASSICAL, (name,), share, share,
                       _CLASSICAL_SECRET_LEN.get(name), status, source, tls12=True)
        )
    return out


def _build() -> dict[int, NamedGroup]:
    table: dict[int, NamedGroup] = {}
    for entry in reference_data()["tls_supported_groups"]:
        if "value_dec" in entry:
            g = _from_reference(entry)
            table[g.code] = g
    for g in _legacy_entries():
        table.setdefault(g.code, g)
    return dict(sorted(table.items()))


_PRIVATE_RANGES = reference_ranges("tls_supported_groups")
GROUPS: Mapping[int, NamedGroup] = MappingProxyType(_build())



def _unknown(code: int) -> NamedGroup:
    if is_grease(code):
        return NamedGroup(code, grease_name(code), GroupFamily.UNKNOWN, (), None, None, None,
                          "GREASE", "RFC 8701 s2", tls12=False)
    status, source = ("private use", "S1") if _private_use(code) else ("unknown", "")
    return NamedGroup(code, hex_code(code), GroupFamily.UNKNOWN, (), None, None, None,
                      status, source, tls12=False)


_LOOKUP = CodeTable("group", GROUPS, lambda g: g.name, _unknown)


def group(code_or_name: int | str) -> NamedGroup:
    """Look a group up by codepoint or IANA name.

    Unknown codepoints (incl. GREASE and private use) yield an UNKNOWN-family group that keeps the
    value, because a scanner must report what it saw. Names are matched exactly, then
    case-insensitively; "0x1234" and "GREASE(0x0a0a)" round-trip. An unknown name is a
    ValueError, a non-int/str a TypeError.
    """
    if type(code_or_name) is int:  # the hot path, a declared code: one call, not two
        found = GROUPS.get(code_or_name)
        if found is not None:
            return found
    return _LOOKUP.lookup(code_or_name)
