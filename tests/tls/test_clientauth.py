"""Client authentication pieces: CertificateRequest parsing, client message encoding, keys."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa

from pqscan.errors import DecodeError, UsageError
from pqscan.tls.clientauth import (
    MLDSA65,
    CertificateRequest,
    ClientAuth,
    ClientCredential,
    certificate13,
    certificate_verify,
    cv_content13,
    natural_scheme,
)

H = bytes.fromhex


def test_parse_tls13_certificate_request() -> None:
    body = H(
        "02" "abcd"          # certificate_request_context<0..255>: 2 bytes
        "000a"               # extensions<2..2^16-1>: 10 bytes
        "000d" "0006"        #   signature_algorithms (13), 6 bytes of data
        "0004"               #     supported_signature_algorithms: 4 bytes
        "0905" "0403"        #     mldsa65, ecdsa_secp256r1_sha256
    )
    req = CertificateRequest.parse13(body)
    assert req.context == H("abcd")
    assert req.signature_schemes == (0x0905, 0x0403)


def test_tls13_certificate_request_needs_signature_algorithms() -> None:
    body = H("00" "0004" "0005" "0000")  # empty context; only status_request (5), empty
    with pytest.raises(DecodeError, match="signature_algorithms"):
        CertificateRequest.parse13(body)


def test_parse_tls12_certificate_request() -> None:
    body = H(
        "02" "01" "40"       # certificate_types<1..255>: rsa_sign(1), ecdsa_sign(64)
        "0004" "0804" "0403" # supported_signature_algorithms: rsa_pss_rsae_sha256, ecdsa P-256
        "0000"               # certificate_authorities: none
    )
    req = CertificateRequest.parse12(body)
    assert req.certificate_types == (1, 64)
    assert req.signature_schemes == (0x0804, 0x0403)
    assert req.context == b""
    with pytest.raises(DecodeError):
        CertificateRequest.parse12(body[:-1])


def test_client_certificate_and_verify_encoding() -> None:
    msg = certificate13(H("abcd"), (H("3082"),))
    assert msg == H(
        "0b" "00000d"        # handshake type Certificate (11), length 13
        "02" "abcd"          # certificate_request_context echoed (RFC 8446 §4.4.2)
        "000007"             # certificate_list: 7 bytes
        "000002" "3082"      #   cert_data
        "0000"               #   per-entry extensions: none
    )
    empty = certificate13(b"", ())
    assert empty == H("0b" "000004" "00" "000000")  # an empty Certificate: no client cert
    assert certificate_verify(0x0905, b"\x01\x02") == H("0f" "000006" "0905" "0002" "0102")
    content = cv_content13(b"\xaa" * 32)
    assert content[:64] == b" " * 64
    assert content[64:97] == b"TLS 1.3, client CertificateVerify"  # 33 bytes
    assert content[97:98] == b"\x00" and content[98:] == b"\xaa" * 32


def test_ephemeral_credential_signs_and_tamper_applies() -> None:
    cred = ClientCredential.ephemeral()
    assert cred.scheme == MLDSA65 and cred.is_mldsa
    honest = ClientAuth(cred).signature(b"hello")
    assert len(honest) == 3309  # FIPS 204 Table 2, ML-DSA-65
    key = cred.key.public_key()
    key.verify(honest, b"hello")
    tampered = ClientAuth(cred, tamper=lambda s: s[:-1]).signature(b"hello")
    assert len(tampered) == 3308
    assert ClientAuth(cred, scheme=0x0403).label == 0x0403
    assert ClientAuth(None).label is None


def _pem_pair(key: object) -> tuple[bytes, bytes]:
    cred = ClientCredential.ephemeral()
    from cryptography import x509

    cert = x509.load_der_x509_certificate(cred.chain[0])
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return cert_pem, key_pem


def test_from_pem_errors_name_the_culprit() -> None:
    cert_pem, wrong_key = _pem_pair(mldsa.MLDSA65PrivateKey.generate())
    with pytest.raises(UsageError, match="does not belong"):
        ClientCredential.from_pem(cert_pem, wrong_key)
    with pytest.raises(UsageError, match="client certificate: not a PEM"):
        ClientCredential.from_pem(b"garbage", wrong_key)
    with pytest.raises(UsageError, match="client key: not an unencrypted PEM"):
        ClientCredential.from_pem(cert_pem, b"garbage")
    with pytest.raises(UsageError, match="go together"):
        ClientCredential.from_files("a.pem", None)
    with pytest.raises(UsageError, match="cannot read /nonexistent.pem"):
        ClientCredential.from_files("/nonexistent.pem", "/nonexistent.key")


def test_natural_scheme_by_key_type() -> None:
    assert natural_scheme(ec.generate_private_key(ec.SECP384R1())) == 0x0503
    assert natural_scheme(mldsa.MLDSA87PrivateKey.generate()) == 0x0906
    with pytest.raises(TypeError):
        natural_scheme("not a key")
