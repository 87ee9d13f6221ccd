"""Helpers for the certificate tests: freshly made certificates and a tiny DER re-encoder."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import derbuild
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, rsa
from cryptography.x509.oid import NameOID

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA / "pqc-certificates"
GOLDEN = DATA / "golden" / "lint"

_NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def make_cert(
    key: object,
    cn: str = "test",
    issuer_key: object | None = None,
    issuer_cn: str | None = None,
    key_usage: x509.KeyUsage | None = None,
    ca: bool = False,
    sans: tuple[str, ...] = (),
) -> x509.Certificate:
    signer = issuer_key if issuer_key is not None else key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn or cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(0x1234ABCD)
        .not_valid_before(_NOW)
        .not_valid_after(_NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    algo = None if isinstance(signer, mldsa.MLDSA65PrivateKey | mldsa.MLDSA44PrivateKey
                              | mldsa.MLDSA87PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algo)  # type: ignore[arg-type]


def ku(**bits: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def mldsa_key() -> mldsa.MLDSA65PrivateKey:
    return mldsa.MLDSA65PrivateKey.generate()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --- minimal DER encoder used to forge malformed certificates --------------------------------

tlv = derbuild.der


Mutator = Callable[[bytes], bytes]
