"""TLS cipher-suite checks beyond key exchange: broken bulk ciphers still accepted (issue 14).

A server that still accepts 3DES (Sweet32, RFC 7525 §4.2 / RFC 9325 §4.1), RC4 (RFC 7465),
single DES (RFC 5469), NULL encryption or a 40-bit export suite (RFC 4346 §A.5, RFC 5246
App. E.3) has a classical problem to fix before any post-quantum one: one finding names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pqscan.assess.finding import Finding, FindingSpec, Undecided, check, make
from pqscan.assess.findings import observed_tls
from pqscan.registry.tls import cipher_suite

# cipher (pqscan.registry.tls_suites display name) -> why it is broken
BROKEN = {
    "3DES-EDE-CBC": "3DES (64-bit block, Sweet32; RFC 9325 §4.1)",
    "RC4-128": "RC4 (RFC 7465)",
    "RC4-40": "RC4 export (RFC 7465; RFC 5246 App. E.3)",
    "DES-CBC": "single DES (RFC 5469)",
    "DES40-CBC": "DES export (RFC 5246 App. E.3)",
    "NULL": "NULL encryption (RFC 5246 App. A.5)",
}


def _broken(name: str) -> str | None:
    try:
        return BROKEN.get(cipher_suite(name).cipher)
    except ValueError:  # a name the registry does not know: say nothing rather than guess
        return None


@check("tls", "tls12.cipher.broken",
       FindingSpec("tls12.cipher.broken", "high", "Broken cipher suites accepted",
           "The server accepts a TLS <= 1.2 cipher suite with 3DES, RC4, single DES, NULL "
           "encryption or 40-bit export strength.",
           "RFC 7465; RFC 9325 §4.1; RFC 5246 App. E.3", "tls12.cipher.broken"))
def _check_broken_suites(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    tls = observed_tls(endpoint)
    legacy = [(tls.get("versions") or {}).get(v) for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2")]
    if all(v == "not_supported" for v in legacy):
        return []  # TLS 1.3 only: its five suites are all AEAD (RFC 8446 §B.4)
    suites = (tls.get("cipher_suites") or {}).get("TLSv1.2")
    if not isinstance(suites, list):
        raise Undecided(f"TLS <= 1.2 cipher suites not enumerated ({suites!r})")
    found = {str(s): why for s in suites if (why := _broken(str(s)))}
    if not found:
        return []
    return [make("tls12.cipher.broken", "accepted: " + ", ".join(sorted(found)),
                 suites=sorted(found), why=sorted(set(found.values())))]
