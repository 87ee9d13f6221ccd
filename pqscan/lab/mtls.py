"""The client-certificate (mTLS) lab servers (`MTLS_LAB`), kept apart from DEFAULT_LAB.

They require a client certificate, so the independent-client truth checks of tests/lab (which
carry none) and `pqscan demo` leave them out. Their server side equals a DEFAULT_LAB server; the
only difference is the CertificateRequest: OpenSSL verifies the chain against the lab client CA
(ML-DSA-65 root, pqscan.lab.certs.generate_client_pki), tlslite-ng checks only the
CertificateVerify against the client's leaf key.
"""

from __future__ import annotations

from dataclasses import replace

from pqscan.lab.defaults import DUAL_CERT, TLSLITE_HYBRID
from pqscan.lab.spec import ServerSpec

MTLS_OPENSSL = replace(DUAL_CERT, name="mtls-openssl", client_auth=True,
                       description="dual-cert, plus a required client certificate (lab CA)")
MTLS_TLSLITE = replace(TLSLITE_HYBRID, name="mtls-tlslite", client_auth=True,
                       description="tlslite-hybrid, plus a requested client certificate")

MTLS_LAB: tuple[ServerSpec, ...] = (MTLS_OPENSSL, MTLS_TLSLITE)
