"""Format detection (pqscan.certs.load) and arbitrary-bytes robustness."""

from __future__ import annotations

import contextlib

import pytest
from certs_helpers import CORPUS, der_of, make_cert, pem_of
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from pqscan.certs.info import certificate_info
from pqscan.certs.load import UnrecognizedFormatError, load_objects
from pqscan.errors import DecodeError


def test_pem_bundle_and_der(mldsa_key, ec_key) -> None:  # type: ignore[no-untyped-def]
    a, b = make_cert(mldsa_key, "a"), make_cert(ec_key, "b")
    objs = load_objects(pem_of(a) + b"junk between\n" + pem_of(b))
    assert [(o.kind, o.container) for o in objs] == [("certificate", "pem")] * 2
    assert objs[1].der == der_of(b)
    assert [(o.kind, o.container) for o in load_objects(der_of(a))] == [("certificate", "der")]


def test_pkcs7_and_pkcs12(rsa_key, ec_key) -> None:  # type: ignore[no-untyped-def]
    a, b = make_cert(rsa_key, "a"), make_cert(ec_key, "b")
    p7 = pkcs7.serialize_certificates([a, b], serialization.Encoding.DER)
    assert [o.container for o in load_objects(p7)] == ["pkcs7", "pkcs7"]
    p12 = pkcs12.serialize_key_and_certificates(
        b"x", rsa_key, a, None, serialization.BestAvailableEncryption(b"s3cret"))
    objs = load_objects(p12, b"s3cret")
    assert sorted(o.kind for o in objs) == ["certificate", "private_key"]
    with pytest.raises(DecodeError, match="wrong password"):
        load_objects(p12, b"nope")
    with pytest.raises(DecodeError, match="missing password"):
        load_objects(p12, None)


def test_keys_and_csr(ec_key) -> None:  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    pkcs8 = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    sec1 = ec_key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    enc = ec_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"pw"))
    spki = ec_key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "req")]))
           .sign(ec_key, hashes.SHA256()))
    assert load_objects(pkcs8)[0].kind == "private_key"
    assert load_objects(sec1)[0].kind == "private_key"
    assert load_objects(enc)[0].encrypted is True
    assert load_objects(enc, b"pw")[0].encrypted is False
    with pytest.raises(DecodeError, match="wrong password"):
        load_objects(enc, b"bad")
    assert load_objects(spki)[0].kind == "public_key"
    assert load_objects(csr.public_bytes(serialization.Encoding.DER))[0].kind == "csr"


def test_pq_private_keys_from_corpus() -> None:
    for path in sorted(CORPUS.glob("*/*_priv.der")):
        (obj,) = load_objects(path.read_bytes())
        assert obj.kind == "private_key" and not obj.encrypted


def test_bad_inputs(mldsa_key) -> None:  # type: ignore[no-untyped-def]
    pem = pem_of(make_cert(mldsa_key))
    with pytest.raises(DecodeError, match="truncated PEM"):
        load_objects(pem[: len(pem) // 2])
    with pytest.raises(DecodeError, match="truncated DER"):
        load_objects(der_of(make_cert(mldsa_key))[:-100])
    with pytest.raises(DecodeError, match="invalid base64"):
        load_objects(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    with pytest.raises(UnrecognizedFormatError):
        load_objects(b"just some text\n")
    with pytest.raises(UnrecognizedFormatError):
        load_objects(b"")
    with pytest.raises(TypeError):
        load_objects("text")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_decode_error(blob: bytes) -> None:
    for func in (certificate_info, load_objects):
        with contextlib.suppress(DecodeError):
            func(blob)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3923), st.integers(min_value=0, max_value=255))
def test_mutated_certificate_raise_only_decode_error(pos: int, value: int) -> None:
    data = bytearray((CORPUS / "openjdk/ml-dsa-44-2.16.840.1.101.3.4.3.17_ta.der").read_bytes())
    data[pos] = value
    for func in (certificate_info, load_objects):
        with contextlib.suppress(DecodeError):
            func(bytes(data))
