"""Certificates cryptography refuses are still inventoried by pqscan's DER reader."""

from __future__ import annotations

import json

import derbuild
import pytest
from click.testing import CliRunner
from cryptography import x509

from pqscan.certs.info import certificate_info
from pqscan.cli.certs import certs_command
from pqscan.errors import DecodeError

MLDSA65 = "2.16.840.1.101.3.4.3.18"


def _odd_certificate() -> bytes:
    # A UTCTime without its 'Z' (RFC 5280 §4.1.2.5.1 requires it): cryptography refuses the
    # whole certificate. The rest is ordinary: BMPString O, UTF8String CN, SAN, KU, cA.
    subject = derbuild.name(("2.5.4.6", 0x13, b"DE"), ("2.5.4.10", 0x1E, "Bü".encode("utf-16-be")),
                            ("2.5.4.3", 0x0C, b"odd, cert"))
    san = derbuild.der(0x30, derbuild.der(0x82, b"odd.example") + derbuild.der(0x87, b"\x7f\0\0\1"))
    exts = (derbuild.extension("2.5.29.17", san)
            + derbuild.extension("2.5.29.15", derbuild.der(0x03, b"\x07\x80"), critical=True)
            + derbuild.extension("2.5.29.19", derbuild.der(0x30, derbuild.der(0x01, b"\xff"))))
    return derbuild.certificate(MLDSA65, subject=subject, extensions=exts, serial=b"\x00\xab",
                                not_before=derbuild.der(0x17, b"250102030405"))


def test_cryptography_refuses_it() -> None:
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(_odd_certificate()).not_valid_before_utc  # noqa: B018


def test_der_reader_fills_every_field() -> None:
    info = certificate_info(_odd_certificate())
    assert info.parse_warning is not None
    assert info.parse_warning.startswith("cryptography refused it (")
    assert info.subject == "CN=odd\\, cert,O=Bü,C=DE"  # RFC 4514: escaped comma, reversed RDNs
    assert info.issuer == info.subject and info.self_issued
    assert info.serial == "ab"
    assert (info.not_before, info.not_after) == ("2025-01-02T03:04:05Z", "2035-01-01T00:00:00Z")
    assert info.sans == ("DNS:odd.example", "IP:127.0.0.1")
    assert info.key_usage == ("digitalSignature",)
    assert info.is_ca is True
    assert info.public_key.to_dict()["algorithm"] == "ML-DSA-65"
    assert info.signature_algorithm == "ML-DSA-65"
    assert info.to_dict()["parse_warning"] == info.parse_warning


def test_well_formed_certificates_carry_no_warning() -> None:
    ok = derbuild.certificate(MLDSA65)
    assert "parse_warning" not in certificate_info(ok).to_dict()


def test_truncated_certificate_is_still_an_error() -> None:
    with pytest.raises(DecodeError):
        certificate_info(_odd_certificate()[:-10])


def test_certs_command_reports_it(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "odd.der"
    path.write_bytes(_odd_certificate())
    res = CliRunner().invoke(certs_command, [str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    obj = doc["files"][0]["objects"][0]
    assert obj["subject"] == "CN=odd\\, cert,O=Bü,C=DE"
    assert obj["parse_warning"].startswith("cryptography refused it")
    assert res.stderr.startswith(f"pqscan: warning: {path}: cryptography refused it (")
    assert len(res.stderr.splitlines()) == 1
