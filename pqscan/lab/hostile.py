"""The hostile-certificate lab server (`HOSTILE_LAB`): a real OpenSSL server whose leaf
certificate carries hostile subject fields, so that inert rendering (issue 10 §8) is tested end
to end from a scan, not only from hand-written reports.

Every field targets one output format: HTML tags, Markdown links / code spans / pipes, CSV
formula prefixes, CR/LF and NUL, Unicode bidi controls (the "Trojan Source" characters of
CVE-2021-42574), and a 64 KiB attribute that every format must cut. Kept out of DEFAULT_LAB:
the demo's truth checks and the independent-client tests are about key exchange, and this
server is CLASSICAL with another certificate.
"""

from __future__ import annotations

from dataclasses import replace

from cryptography import x509
from cryptography.x509.oid import NameOID

from pqscan.lab.defaults import CLASSICAL
from pqscan.lab.spec import ServerSpec

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


HOSTILE_CERT = replace(
    CLASSICAL, name="hostile-cert", cert_kinds=("hostile",),
    description="classical TLS, leaf with hostile subject fields (HTML, Markdown, CSV, bidi, "
                "CR/LF, NUL, 64 KiB)",
    expected=replace(CLASSICAL.expected, chain_algorithms=("ECDSA P-256", "ECDSA P-256"),
                     classical_chain_algorithms=("ECDSA P-256", "ECDSA P-256")))

HOSTILE_LAB: tuple[ServerSpec, ...] = (HOSTILE_CERT,)
