"""A TLS 1.2 server with a 300-certificate chain whose subjects carry hostile text: the scan
completes within the connection budget at a small CPU cost, reports all 300 entries, and keeps
the hostile text as data (a fact recorded at scan time; renderers neutralise it).

A scripted peer (tests/fakepeer.tls12_chain): no real server in the lab sends 300 certificates.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator

import fakepeer
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pqscan.cli.exitcode import scan_exit_code
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target
from pqscan.tls.transport import Limits

TIMEOUT = 1.0
HOSTILE_CN = "<b>x</b>\u202e|=cmd|`[x](javascript:1)"
HOSTILE_ORG = "line1\r\nline2\x00 <script>alert(1)</script> \u2066bidi\u2069 " + "A" * 200


def _chain(n: int) -> tuple[bytes, ...]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_CN),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, HOSTILE_ORG)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.DER),) * n


@pytest.fixture(scope="module")
def chain_peer() -> Iterator[int]:
    port, close = fakepeer.serve(fakepeer.tls12_chain(_chain(300)))
    yield port
    close()


def test_300_certificate_chain_with_hostile_subjects(chain_peer: int) -> None:
    target = parse_target(f"127.0.0.1:{chain_peer}", "localhost")
    cpu, wall = time.thread_time(), time.monotonic()
    report = run_scan([target], ScanOptions(timeout=TIMEOUT, retries=0), concurrency=8)
    cpu, wall = time.thread_time() - cpu, time.monotonic() - wall
    endpoint = report["endpoints"][0]
    tls = endpoint["tls"]
    assert endpoint["status"] == "ok", endpoint["error"]
    assert tls["versions"]["TLSv1.2"] == "supported"
    assert tls["versions"]["TLSv1.3"] == "not_supported"
    assert tls["kex_state"] == "K4" and endpoint["undecided"] == []
    chain = tls["certificate_chain"]
    assert len(chain) == 300
    # RFC 4514 escapes <, >; the rest is kept as data for the renderers to neutralise
    assert "\u202e|=cmd|`[x](javascript:1)" in chain[0]["subject"]
    assert "line1\r\nline2" in chain[0]["subject"]
    json.dumps(report)  # the hostile text stays data: JSON still encodes it
    assert scan_exit_code(report) == 0
    # every connection is bounded by its budget; the 300 certificates cost little CPU
    connections = len(endpoint["probes"])
    assert wall < connections * Limits(TIMEOUT, TIMEOUT).budget
    assert max(p["duration_ms"] for p in endpoint["probes"]) < 1000 * Limits(
        TIMEOUT, TIMEOUT).budget
    assert cpu < 10.0
