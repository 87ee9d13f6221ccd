"""OID table and certificate facts (pqscan.registry.oids, pqscan.certs.info)."""

from __future__ import annotations

import pytest
from certs_helpers import der_of, ku, make_cert
from cryptography.hazmat.primitives import serialization

from pqscan.certs.info import certificate_info, public_key_info
from pqscan.errors import DecodeError
from pqscan.registry.oids import algorithm
from pqscan.registry.reference import reference_data


@pytest.mark.parametrize(
    ("oid", "name", "category", "vulnerable"),
    [
        ("2.16.840.1.101.3.4.3.17", "ML-DSA-44", 2, False),
        ("2.16.840.1.101.3.4.3.19", "ML-DSA-87", 5, False),
        ("2.16.840.1.101.3.4.4.1", "ML-KEM-512", 1, False),
        ("2.16.840.1.101.3.4.4.3", "ML-KEM-1024", 5, False),
        ("2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s", 1, False),
        ("2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f", 3, False),
        ("2.16.840.1.101.3.4.3.39", "HashSLH-DSA-SHA2-256s-SHA512", 5, False),
        ("1.3.6.1.5.5.7.6.40", "MLDSA44-ECDSA-P256-SHA256", 2, False),
        ("1.3.6.1.5.5.7.6.66", "MLKEM1024-ECDH-P521-SHA3-256", 5, False),
        ("1.2.840.113549.1.1.1", "RSA", None, True),
        ("1.3.101.112", "Ed25519", None, True),
    ],
)
def test_algorithm_names_and_categories(
    oid: str, name: str, category: int | None, vulnerable: bool
) -> None:
    info = algorithm(oid)
    assert (info.name, info.nist_category, info.quantum_vulnerable) == (name, category, vulnerable)


def test_every_reference_oid_is_named_and_keeps_its_status() -> None:
    for entry in reference_data()["x509_oids"]:
        info = algorithm(entry["oid"])
        assert info.known and not info.name.startswith("unknown"), entry
        assert info.status == entry["status"]
    assert algorithm("1.3.6.1.5.5.7.6.37").status.startswith("I-D")


def test_unknown_oid_and_wrong_type() -> None:
    info = algorithm("1.2.3.4.5")
    assert info.name == "unknown (1.2.3.4.5)" and not info.known and info.quantum_vulnerable is None
    with pytest.raises(TypeError):
        algorithm(123)  # type: ignore[arg-type]


def test_mldsa_certificate_info(mldsa_key) -> None:  # type: ignore[no-untyped-def]
    cert = make_cert(mldsa_key, "pq.example", key_usage=ku(digital_signature=True),
                     sans=("pq.example", "www.pq.example"))
    d = certificate_info(der_of(cert)).to_dict()
    assert d["subject"] == "CN=pq.example" and d["issuer"] == "CN=pq.example"
    assert d["serial"] == "1234abcd"
    assert (d["not_before"], d["not_after"]) == ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert d["sans"] == ["DNS:pq.example", "DNS:www.pq.example"]
    assert d["key_usage"] == ["digitalSignature"] and d["is_ca"] is False
    assert d["public_key"] == {"algorithm": "ML-DSA-65", "oid": "2.16.840.1.101.3.4.3.18",
                               "parameter_set": "ML-DSA-65", "nist_category": 3,
                               "quantum_vulnerable": False}
    assert d["signature_algorithm"] == {"name": "ML-DSA-65", "oid": "2.16.840.1.101.3.4.3.18"}
    assert len(d["sha256"]) == 64


def test_rsa_and_ec_sizes(rsa_key, ec_key) -> None:  # type: ignore[no-untyped-def]
    rsa_pk = certificate_info(der_of(make_cert(rsa_key, ca=True))).to_dict()["public_key"]
    assert rsa_pk == {"algorithm": "RSA", "oid": "1.2.840.113549.1.1.1", "size_bits": 2048,
                      "nist_category": None, "quantum_vulnerable": True}
    ec_cert = make_cert(ec_key)
    d = certificate_info(der_of(ec_cert)).to_dict()
    assert d["public_key"]["algorithm"] == "ECDSA P-256" and d["public_key"]["size_bits"] == 256
    assert d["signature_algorithm"]["name"] == "ecdsa-with-SHA256"
    spki = ec_cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert public_key_info(spki) == d["public_key"]


@pytest.mark.parametrize("blob", [b"", b"\x30", b"\x30\x03\x02\x01\x01", b"hello", b"\x30\x80"])
def test_garbage_raises_decode_error(blob: bytes) -> None:
    with pytest.raises(DecodeError):
        certificate_info(blob)
    with pytest.raises(DecodeError):
        public_key_info(blob)


def test_truncated_certificate(mldsa_key) -> None:  # type: ignore[no-untyped-def]
    data = der_of(make_cert(mldsa_key))
    with pytest.raises(DecodeError, match="truncated"):
        certificate_info(data[:-10])
    with pytest.raises(TypeError):
        certificate_info("not bytes")  # type: ignore[arg-type]
