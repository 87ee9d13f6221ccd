"""The pq-tls suite against the real lab servers (OpenSSL 4.0.3 via pyOpenSSL, tlslite-ng).

EXPECTED lists every check whose result is not "pass"; anything else must pass. The FAILs are
findings about the real servers, asserted on purpose so a change shows up:
- OpenSSL refuses a supported_groups list of more than 128 entries with illegal_parameter,
  so PQT-013 (256 unassigned groups + GREASE + PQ, tlsfuzzer style) fails on every OpenSSL server.
- OpenSSL accepts a SecP384r1MLKEM1024 share whose P-384 point is in the "hybrid" 0x06/0x07
  encoding (RFC 8446 §4.2.8.2 allows only uncompressed) -> PQT-021 fails on mlkem1024-only.
- PQT-006 / PQT-039 are SHOULD-level policy results (PQ not enforced / classical fallback).
"""

from __future__ import annotations

import pytest

from pqscan.conformance.runner import run_suite_sync
from pqscan.lab import LabEndpoint
from pqscan.tls.transport import Limits

NA, FAIL = "not_applicable", "fail"
_NO_PQ = {f"PQT-{n:03d}": NA for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18, 19,
                                       20, 21, 22, 23, 25, 26, 31)}
# no DEFAULT_LAB server asks for a client certificate (tests/conformance/test_conformance_mtls.py
# runs PQT-035..037 against MTLS_LAB); PQT-034/038 only apply to ML-DSA chains / ML-KEM-1024
_NO_MTLS = {"PQT-035": NA, "PQT-036": NA, "PQT-037": NA}
_NO_MLDSA_NO_1024 = {**_NO_MTLS, "PQT-034": NA, "PQT-038": NA}
EXPECTED: dict[str, dict[str, str]] = {
    "classical": {**_NO_PQ, **_NO_MLDSA_NO_1024, "PQT-039": FAIL},
    "hybrid-fallback": {**_NO_MLDSA_NO_1024, "PQT-002": NA, "PQT-003": NA, "PQT-004": NA,
                        "PQT-006": FAIL, "PQT-013": FAIL, "PQT-020": NA, "PQT-021": NA,
                        "PQT-031": NA, "PQT-039": FAIL},
    "hybrid-preferred": {**_NO_MLDSA_NO_1024, "PQT-002": NA, "PQT-003": NA, "PQT-004": NA,
                         "PQT-013": FAIL, "PQT-020": NA, "PQT-021": NA, "PQT-031": NA,
                         "PQT-039": FAIL},
    "mlkem1024-only": {**_NO_MTLS, "PQT-001": NA, "PQT-002": NA, "PQT-011": NA,
                       "PQT-013": FAIL, "PQT-019": NA, "PQT-021": FAIL, "PQT-033": NA},
    # PQT-038: SecP384r1MLKEM1024 is supported, but there is no ML-DSA-87 chain (RSA only)
    "tlslite-hybrid": {**_NO_MTLS, "PQT-034": NA, "PQT-038": FAIL, "PQT-004": NA,
                       "PQT-006": FAIL, "PQT-031": NA, "PQT-039": FAIL},
    "dual-cert": {**_NO_MTLS, "PQT-038": NA, "PQT-002": NA, "PQT-003": NA, "PQT-004": NA,
                  "PQT-013": FAIL, "PQT-020": NA, "PQT-021": NA, "PQT-039": FAIL},
}


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suite_against_lab(lab: dict[str, LabEndpoint], name: str) -> None:
    ep = lab[name]
    run = run_suite_sync(ep.host, ep.port, sni="localhost", limits=Limits(3, 3))
    assert run.error is None
    got = {c.id: c.result for c in run.checks if c.result != "pass"}
    assert got == EXPECTED[name], {c.id: c.observed for c in run.checks if c.id in got}
    assert run.checks[-1].id == "PQT-024"  # closing sanity runs last


@pytest.mark.lab
def test_findings_name_the_alert(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["mlkem1024-only"]
    run = run_suite_sync(ep.host, ep.port, sni="localhost", limits=Limits(3, 3),
                         checks=None)
    by_id = {c.id: c for c in run.checks}
    assert "fatal alert illegal_parameter" in by_id["PQT-013"].observed
    assert "SecP384r1MLKEM1024 hybrid: ServerHello" in by_id["PQT-021"].observed
    assert by_id["PQT-017"].expected.startswith("fatal decode_error or illegal_parameter "
                                                "(the references allow either)")
    assert by_id["PQT-031"].result == "pass" and "mldsa87" in by_id["PQT-031"].observed


@pytest.mark.lab
def test_tls12_only_server_is_incomplete(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["tls12-only"]
    run = run_suite_sync(ep.host, ep.port, sni="localhost", limits=Limits(3, 3))
    assert run.error == "sanity TLS 1.3 handshake failed: fatal alert protocol_version"
    assert run.checks == ()
