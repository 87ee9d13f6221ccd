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

from pqscan.lab.defaults import CLASSICAL
from pqscan.lab.hostile_names import (  # noqa: F401 - re-exported for the tests
    HOSTILE_ATTRIBUTES,
    HOSTILE_DNS_NAMES,
    LONG_FIELD,
    hostile_name,
)
from pqscan.lab.spec import ServerSpec

HOSTILE_CERT = replace(
    CLASSICAL, name="hostile-cert", cert_kinds=("hostile",),
    description="classical TLS, leaf with hostile subject fields (HTML, Markdown, CSV, bidi, "
                "CR/LF, NUL, 64 KiB)",
    expected=replace(CLASSICAL.expected, chain_algorithms=("ECDSA P-256", "ECDSA P-256"),
                     classical_chain_algorithms=("ECDSA P-256", "ECDSA P-256")))

HOSTILE_LAB: tuple[ServerSpec, ...] = (HOSTILE_CERT,)
