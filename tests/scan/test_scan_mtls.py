"""Scanning servers that require a client certificate: the scan completes without one and
reports the CertificateRequest (TLS 1.3 from the scan, TLS 1.2 from the engine directly)."""

from __future__ import annotations

import asyncio

import pytest

from pqscan.lab import Lab
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target
from pqscan.tls.handshake import run_handshake
from pqscan.tls.offer import ClientOffer

pytestmark = pytest.mark.lab


def test_scan_reports_the_client_certificate_request(mtls_lab: Lab) -> None:
    targets = [parse_target(ep.address, "localhost") for ep in mtls_lab.endpoints]
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=4)
    by_port = {ep["port"]: ep for ep in report["endpoints"]}
    for lab_ep in mtls_lab.endpoints:
        ep = by_port[lab_ep.port]
        assert ep["status"] == "ok"
        assert ep["tls"]["kex_state"] == lab_ep.spec.expected.kex_state
        req = ep["tls"]["client_certificate_request"]
        assert req["requested"] is True and req["source"] == "behaviour.browser_like"
        # both implementations list all three ML-DSA schemes for client certificates
        assert {"mldsa44", "mldsa65", "mldsa87"} <= set(req["pq_signature_schemes"])
        assert "ecdsa_secp256r1_sha256" in req["signature_schemes"]


def test_tls12_certificate_request_is_parsed(mtls_lab: Lab) -> None:
    ep = mtls_lab.endpoint("mtls-openssl")
    offer = ClientOffer(versions=(0x0303,), cipher_suites=(0xC02B, 0xC02F),
                        groups=(0x001D, 0x0017), sni="localhost")
    r = asyncio.run(run_handshake(ep.host, ep.port, offer, depth="full"))
    assert r.outcome == "server_hello" and r.version == 0x0303
    assert r.cert_request_schemes is not None
    # OpenSSL keeps ML-DSA out of a TLS 1.2 CertificateRequest (draft-ietf-tls-mldsa)
    assert not set(r.cert_request_schemes) & {0x0904, 0x0905, 0x0906}
    assert 0x0403 in r.cert_request_schemes
