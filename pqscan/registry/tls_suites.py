"""TLS cipher suite codepoints (IANA "TLS Cipher Suites").

Owns `CipherSuite`, `CIPHER_SUITES` and `cipher_suite()`: the five TLS 1.3 suites (RFC 8446
§B.4) and the TLS 1.2 suites a scanner commonly offers or meets (RFC 5246 App. C, RFC 5288,
RFC 5289, RFC 7905, RFC 8422, RFC 5746, RFC 7507). Only the IANA code and name are tabulated;
the other fields are parsed from the IANA name, whose grammar is fixed
(TLS_<kex>_<auth>_WITH_<cipher>_<mac> for TLS 1.2, TLS_<aead>_<hash> for TLS 1.3).
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
)


@dataclass(frozen=True)
class CipherSuite(Codepoint):
    """One TLS cipher suite."""

    code: int
    name: str
    tls13: bool
    kex: str  # "any" for TLS 1.3 (negotiated by key_share), "ECDHE", "DHE", "RSA", "SCSV", ...
    auth: str  # "any" for TLS 1.3, "RSA", "ECDSA", ...
    cipher: str  # "AES-128-GCM", "CHACHA20-POLY1305", "3DES-EDE-CBC", ...
    key_bits: int
    hash: str  # PRF / HKDF hash: "sha256" or "sha384" ("" for signalling values)
    aead: bool
    mac: str = "AEAD"  # record MAC for non-AEAD suites: "SHA1", "SHA256", "SHA384", "MD5"

    def __post_init__(self) -> None:
        check_code(self.code, "cipher suite")

    @property
    def forward_secret(self) -> bool:
        """True when the key exchange is ephemeral (TLS 1.3 always; ECDHE/DHE in TLS 1.2)."""
        return self.tls13 or self.kex in ("ECDHE", "DHE")

    def to_dict(self) -> dict[str, Any]:
        """JSON form with the contract's lower-case hex code."""
        return {
            "code": hex_code(self.code),
            "name": self.name,
            "tls13": self.tls13,
            "kex": self.kex,
            "auth": self.auth,
            "cipher": self.cipher,
            "key_bits": self.key_bits,
            "hash": self.hash,
            "aead": self.aead,
            "mac": self.mac,
        }


# IANA codes and names (TLS Cipher Suites registry).
_NAMES: dict[int, str] = {
    # TLS 1.3, RFC 8446 §B.4
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256",
    0x1305: "TLS_AES_128_CCM_8_SHA256",
    # ECDHE, RFC 8422 / RFC 5289 / RFC 7905
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    # DHE, RFC 5246 App. C / RFC 5288 / RFC 7905
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    # RSA key transport (no forward secrecy), RFC 5246 App. C / RFC 5288
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
    0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    # Broken suites, offered so that a server still accepting them is seen (issue 14):
    # single DES (RFC 5469 §2 deprecated), NULL encryption (RFC 5246 App. A.5), and the
    # 40-bit export suites TLS 1.1+ must not negotiate (RFC 4346 §A.5, RFC 5246 App. E.3)
    0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA",
    0x003B: "TLS_RSA_WITH_NULL_SHA256",
    0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
    # Signalling values: RFC 5746 §3.3, RFC 7507 §2
    0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    0x5600: "TLS_FALLBACK_SCSV",
}

_TLS13 = re.compile(r"^TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305|AES_128_CCM|AES_128_CCM_8)"
                    r"_(SHA256|SHA384)$")
_TLS12 = re.compile(r"^TLS_(ECDHE|DHE|RSA)(?:_(RSA|ECDSA))?(?:_EXPORT)?_WITH_(\w+?)_"
                    r"(SHA|SHA256|SHA384|MD5)$")

# Bulk cipher token -> (display name, key bits, aead).
_CIPHERS = {
    "AES_128_GCM": ("AES-128-GCM", 128, True),
    "AES_256_GCM": ("AES-256-GCM", 256, True),
    "CHACHA20_POLY1305": ("CHACHA20-POLY1305", 256, True),
    "AES_128_CCM": ("AES-128-CCM", 128, True),
    "AES_128_CCM_8": ("AES-128-CCM-8", 128, True),
    "AES_128_CBC": ("AES-128-CBC", 128, False),
    "AES_256_CBC": ("AES-256-CBC", 256, False),
    "3DES_EDE_CBC": ("3DES-EDE-CBC", 168, False),
    "RC4_128": ("RC4-128", 128, False),
    "RC4_40": ("RC4-40", 40, False),
    "DES_CBC": ("DES-CBC", 56, False),
    "DES40_CBC": ("DES40-CBC", 40, False),
    "NULL": ("NULL", 0, False),
}


def _parse(code: int, name: str) -> CipherSuite:
    m13 = _TLS13.match(name)
    if m13:
        cipher, bits, aead = _CIPHERS[m13.group(1)]
        return CipherSuite(code, name, True, "any", "any", cipher, bits, m13.group(2).lower(), aead)
    m12 = _TLS12.match(name)
    if m12:
        kex, auth, token, mac = m12.groups()
        cipher, bits, aead = _CIPHERS[token]
        # RFC 5246 §5: the TLS 1.2 PRF hash is SHA-256 unless the suite names SHA-384.
        prf = "sha384" if mac == "SHA384" else "sha256"
        mac_name = "AEAD" if aead else ("SHA1" if mac == "SHA" else mac)
        return CipherSuite(code, name, False, kex, auth or "RSA", cipher, bits, prf, aead,
                           mac_name)
    if name.endswith("_SCSV"):
        return CipherSuite(code, name, False, "SCSV", "none", "NULL", 0, "", False, "none")
    raise ValueError(f"cipher suite name {name!r} does not follow the IANA grammar")


CIPHER_SUITES: Mapping[int, CipherSuite] = MappingProxyType(
    {code: _parse(code, name) for code, name in sorted(_NAMES.items())}
)


def cipher_suite(code_or_name: int | str) -> CipherSuite:
    """Look a suite up by code or IANA name (case-insensitive).

    Unknown codes give a suite with kex/auth/cipher "unknown" named "0x1234" (GREASE:
    "GREASE(0x0a0a)"); an unknown name is a ValueError.
    """
    if type(code_or_name) is int:  # the hot path, a declared code: one call, not two
        found = CIPHER_SUITES.get(code_or_name)
        if found is not None:
            return found
    return _LOOKUP.lookup(code_or_name)


def _unknown(code: int) -> CipherSuite:
    name = grease_name(code) if is_grease(code) else hex_code(code)
    return CipherSuite(code, name, False, "unknown", "unknown", "unknown", 0, "", False,
                       "unknown")


_LOOKUP = CodeTable("cipher suite", CIPHER_SUITES, lambda s: s.name, _unknown)
