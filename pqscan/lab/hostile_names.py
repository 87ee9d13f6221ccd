"""The hostile subject fields of the hostile-certificate lab server (pqscan.lab.hostile): apart
from the server spec so that pqscan.lab.certs can build the leaf without importing the specs."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

LONG_FIELD = "L" * 65536  # 64 KiB: RFC 5280 sets no bound on description (X.520)
HOSTILE_ATTRIBUTES: tuple[tuple[x509.ObjectIdentifier, str], ...] = (
    # first in the DER, so last in the RFC 4514 text (RFC 4514 §2.1 reverses the RDNs): the
    # cut at the field limit leaves the other hostile fields in view
    (x509.ObjectIdentifier("2.5.4.13"), LONG_FIELD),
    # CN is bounded to 64 characters (RFC 5280 Appendix A ub-common-name)
    (NameOID.COMMON_NAME, "<script>alert(1)</script>\u202egnp.exe"),
    (NameOID.ORGANIZATION_NAME, '=HYPERLINK("http://evil.example","x")'),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "[x](javascript:alert(1)) `code` | pipe"),
    (NameOID.LOCALITY_NAME, "line1\r\nline2\x00nul\ttab"),
    (NameOID.STATE_OR_PROVINCE_NAME, "\u2066isolate\u2069 \u202aembed\u202c @SUM(1)"),
)
HOSTILE_DNS_NAMES = ("localhost", "<img src=x onerror=alert(1)>.example", "=cmd|'/C calc'!A0")


def hostile_name() -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in HOSTILE_ATTRIBUTES])
