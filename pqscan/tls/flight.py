"""The server's handshake flight after ServerHello: certificates, key exchange, signatures.

Parses EncryptedExtensions, Certificate (TLS 1.3 §4.4.2 and TLS 1.2 RFC 5246 §7.4.2),
CertificateVerify (§4.4.3), the TLS 1.2 ServerKeyExchange header (RFC 8422 §5.4, RFC 5246
§7.4.3), and verifies a CertificateVerify signature against the leaf certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from pqscan.errors import DecodeError
from pqscan.tls import extensions as ext
from pqscan.tls.codec import Reader
from pqscan.tls.extensions import Extension


def parse_encrypted_extensions(body: bytes) -> tuple[Extension, ...]:
    reader = Reader(body, "EncryptedExtensions")
    extensions = ext.decode_extensions(reader)
    reader.done()
    return extensions


def parse_certificate13(body: bytes) -> tuple[bytes, ...]:
    """TLS 1.3 Certificate: context, then CertificateEntry list with per-entry extensions."""
    reader = Reader(body, "Certificate")
    reader.vec8()  # certificate_request_context: empty in a server's Certificate
    certs: list[bytes] = []
    with reader.scope(3, "Certificate list") as entries:
        while entries.remaining:
            der = entries.vec24()
            if not der:
                raise DecodeError("Certificate: empty cert_data")
            entries.vec16()  # per-certificate extensions (OCSP, SCT) are not needed here
            certs.append(der)
    reader.done()
    return tuple(certs)


def parse_certificate12(body: bytes) -> tuple[bytes, ...]:
    """TLS 1.2 Certificate: ASN.1Cert certificate_list<0..2^24-1> (RFC 5246 §7.4.2)."""
    reader = Reader(body, "Certificate")
    certs: list[bytes] = []
    with reader.scope(3, "Certificate list") as entries:
        while entries.remaining:
            certs.append(entries.vec24())
    reader.done()
    return tuple(certs)


@dataclass(frozen=True)
class CertificateVerify:
    scheme: int
    signature: bytes

    @classmethod
    def parse(cls, body: bytes) -> CertificateVerify:
        reader = Reader(body, "CertificateVerify")
        cv = cls(reader.u16(), reader.vec16())
        reader.done()
        return cv


@dataclass(frozen=True)
class ServerKeyExchange12:
    """What a TLS 1.2 ServerKeyExchange says about the key exchange group."""

    kind: str  # "ecdhe" | "dhe"
    named_curve: int | None = None
    dh_prime: bytes | None = None
    scheme: int | None = None  # the SignatureAndHashAlgorithm that signed the parameters

    @classmethod
    def parse(cls, body: bytes, kex: str) -> ServerKeyExchange12:
        reader = Reader(body, "ServerKeyExchange")
        if kex == "ECDHE":
            curve_type = reader.u8()
            if curve_type != 3:  # named_curve (RFC 8422 §5.4); explicit curves are deprecated
                raise DecodeError(f"ServerKeyExchange: curve_type {curve_type} is not named_curve")
            curve = reader.u16()
            reader.vec8()  # the server's ECDH point
            return cls("ecdhe", named_curve=curve, scheme=_signature_scheme(reader))
        if kex == "DHE":
            prime = reader.vec16().lstrip(b"\x00")
            reader.vec16()  # g
            reader.vec16()  # Ys
            return cls("dhe", dh_prime=prime, scheme=_signature_scheme(reader))
        raise DecodeError(f"ServerKeyExchange for key exchange {kex!r} not understood")


def _signature_scheme(reader: Reader) -> int | None:
    """RFC 5246 §7.4.3: TLS 1.2 signs with an explicit SignatureAndHashAlgorithm; TLS 1.0/1.1
    (no such field) leave just the signature vector."""
    if reader.remaining < 4:
        return None
    rest = reader.rest()
    if int.from_bytes(rest[2:4], "big") == len(rest) - 4:
        return int.from_bytes(rest[:2], "big")
    return None


# RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash
_SERVER_CV_CONTEXT = b" " * 64 + b"TLS 1.3, server CertificateVerify" + b"\x00"

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1,
}

# scheme -> (method, hash); names as in RFC 8446 §4.2.3 and draft-ietf-tls-mldsa §3
_SCHEMES: dict[int, tuple[str, str | None]] = {
    0x0401: ("pkcs1", "sha256"), 0x0501: ("pkcs1", "sha384"), 0x0601: ("pkcs1", "sha512"),
    0x0201: ("pkcs1", "sha1"), 0x0203: ("ecdsa", "sha1"),
    0x0403: ("ecdsa", "sha256"), 0x0503: ("ecdsa", "sha384"), 0x0603: ("ecdsa", "sha512"),
    0x0804: ("pss", "sha256"), 0x0805: ("pss", "sha384"), 0x0806: ("pss", "sha512"),
    0x0809: ("pss", "sha256"), 0x080A: ("pss", "sha384"), 0x080B: ("pss", "sha512"),
    0x0807: ("ed25519", None), 0x0808: ("ed448", None),
    0x0904: ("mldsa", None), 0x0905: ("mldsa", None), 0x0906: ("mldsa", None),
}

_MLDSAPublicKey = mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey
_MLDSA_KEYS: dict[int, type] = {
    0x0904: mldsa.MLDSA44PublicKey, 0x0905: mldsa.MLDSA65PublicKey, 0x0906: mldsa.MLDSA87PublicKey,
}


@lru_cache(maxsize=256)
def _leaf_key(leaf_der: bytes) -> CertificatePublicKeyTypes:
    """The leaf's public key, parsed once per certificate: a scan checks a server's
    CertificateVerify on several connections with the same leaf (issue 13)."""
    return x509.load_der_x509_certificate(leaf_der).public_key()


def verify_certificate_verify(leaf_der: bytes, scheme: int, signature: bytes,
                              transcript_hash: bytes) -> tuple[bool | None, str]:
    """Check a TLS 1.3 server CertificateVerify; (True|False|None, reason).

    None means pqscan could not check it (unknown scheme, key type it cannot load).
    """
    content = _SERVER_CV_CONTEXT + transcript_hash
    try:
        key = _leaf_key(leaf_der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        return None, f"leaf public key not loadable: {exc}"
    method, hash_name = _SCHEMES.get(scheme, ("unknown", None))
    try:
        if method == "mldsa":
            mldsa_key = key
            if not isinstance(mldsa_key, _MLDSA_KEYS[scheme]):
                return False, "scheme does not match the leaf certificate's ML-DSA key"
            # draft-ietf-tls-mldsa §3: pure ML-DSA with an empty context string
            cast(_MLDSAPublicKey, mldsa_key).verify(signature, content)
        elif (method == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey)) or (
                method == "ed448" and isinstance(key, ed448.Ed448PublicKey)):
            key.verify(signature, content)
        elif method == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey) and hash_name:
            key.verify(signature, content, ec.ECDSA(_HASHES[hash_name]()))
        elif method == "pss" and isinstance(key, rsa.RSAPublicKey) and hash_name:
            h = _HASHES[hash_name]()
            key.verify(signature, content,
                       padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        elif method == "pkcs1" and isinstance(key, rsa.RSAPublicKey) and hash_name:
            key.verify(signature, content, padding.PKCS1v15(), _HASHES[hash_name]())
        elif method == "unknown":
            return None, f"signature scheme 0x{scheme:04x} not verifiable by pqscan"
        else:
            return False, "scheme does not match the leaf certificate's key type"
    except InvalidSignature:
        return False, "signature does not verify"
    return True, "signature verifies over the transcript"
