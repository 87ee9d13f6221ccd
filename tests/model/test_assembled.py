"""What a live scan assembles is the typed model's `to_dict()`: real lab servers (OpenSSL,
tlslite-ng, sshd, asyncssh, paramiko) scanned, every endpoint read back as an `Endpoint` and
written again unchanged; the typed chain keeps the raw DER it was read from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from pqscan.model.cert import Certificate, CertificateError
from pqscan.model.endpoint import Endpoint
from pqscan.model.vocab import EndpointStatus, Protocol
from pqscan.scan.assemble import observe_chain

CERTS = Path(__file__).resolve().parents[1] / "data" / "pqc-certificates"


def _same(endpoint: dict[str, Any]) -> None:
    typed = Endpoint.from_dict(endpoint)
    assert json.dumps(typed.to_dict(), sort_keys=True) == json.dumps(endpoint, sort_keys=True)
    assert not typed.extra, "assemble wrote a key the model does not declare"


@pytest.mark.lab
def test_tls_lab_endpoints_are_typed_observations(lab_report: dict[str, Any]) -> None:
    for endpoint in lab_report["endpoints"]:
        _same(endpoint)
    typed = [Endpoint.from_dict(e) for e in lab_report["endpoints"]]
    assert all(t.status is EndpointStatus.OK and t.tls is not None for t in typed)


@pytest.mark.lab
def test_ssh_lab_endpoints_are_typed_observations(ssh_lab_report: dict[str, Any]) -> None:
    for endpoint in ssh_lab_report["endpoints"]:
        _same(endpoint)
        typed = Endpoint.from_dict(endpoint)
        assert typed.protocol is Protocol.SSH and typed.ssh is not None


def test_a_chain_keeps_every_certificate_as_served() -> None:
    leaf = (CERTS / "openjdk" / "ml-dsa-65-2.16.840.1.101.3.4.3.18_ta.der").read_bytes()
    garbage = b"\x30\x03\x02\x01"
    chain = observe_chain((leaf, garbage))
    assert isinstance(chain[0], Certificate) and isinstance(chain[1], CertificateError)
    assert chain[0].der == leaf and chain[1].der == garbage
    assert chain[0].sha256 == hashlib.sha256(leaf).hexdigest()
    assert chain[0].public_key.algorithm == "ML-DSA-65"
    assert [c.position for c in chain] == [0, 1]
    # the DER lives in memory only: the JSON contract carries its sha256
    assert "der" not in chain[0].to_dict() and "der" not in chain[1].to_dict()
