"""The client's side of certificate authentication (mTLS): credential, request, client messages.

Owns `ClientCredential` (chain + private key), `ClientAuth` (what to send when a server asks:
which credential, which scheme label, and an optional signature tamper for conformance checks),
`CertificateRequest` (TLS 1.3 RFC 8446 §4.3.2 and TLS 1.2 RFC 5246 §7.4.4), and the encoders for
the client's Certificate, CertificateVerify and the signed content (RFC 8446 §4.4.2-§4.4.3,
RFC 5246 §7.4.6, §7.4.8). ML-DSA signs pure with an empty context (draft-ietf-tls-mldsa, I-D).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pqscan.errors import DecodeError, UsageError
from pqscan.inputfile import MAX_SMALL_FILE_BYTES, read_bytes
from pqscan.tls import extensions as ext
from pqscan.tls.codec import Reader, u16, vec8, vec16, vec24
from pqscan.tls.messages import CERTIFICATE, CERTIFICATE_VERIFY, handshake_bytes

# RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash
_CLIENT_CV_CONTEXT = b" " * 64 + b"TLS 1.3, client CertificateVerify" + b"\x00"

MLDSA44, MLDSA65, MLDSA87 = 0x0904, 0x0905, 0x0906  # draft-ietf-tls-mldsa (I-D)
_MLDSA_PRIVATE: dict[type, int] = {
    mldsa.MLDSA44PrivateKey: MLDSA44, mldsa.MLDSA65PrivateKey: MLDSA65,
    mldsa.MLDSA87PrivateKey: MLDSA87,
}
_ECDSA_SCHEME = {"secp256r1": 0x0403, "secp384r1": 0x0503, "secp521r1": 0x0603}
_SCHEME_HASH: dict[int, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    0x0403: hashes.SHA256, 0x0503: hashes.SHA384, 0x0603: hashes.SHA512,
    0x0804: hashes.SHA256, 0x0805: hashes.SHA384, 0x0806: hashes.SHA512,
    0x0401: hashes.SHA256, 0x0501: hashes.SHA384, 0x0601: hashes.SHA512,
}

SignatureTamper = Callable[[bytes], bytes]


def natural_scheme(key: Any) -> int:
    """The TLS 1.3 signature scheme a private key signs with (RSA: rsa_pss_rsae_sha256)."""
    for cls, scheme in _MLDSA_PRIVATE.items():
        if isinstance(key, cls):
            return scheme
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _ECDSA_SCHEME:
            raise ValueError(f"no TLS 1.3 ECDSA scheme for curve {key.curve.name}")
        return _ECDSA_SCHEME[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return 0x0807
    if isinstance(key, ed448.Ed448PrivateKey):
        return 0x0808
    if isinstance(key, rsa.RSAPrivateKey):
        return 0x0804
    raise TypeError(f"unsupported client key type {type(key).__name__}")


def sign(key: Any, content: bytes, scheme: int | None = None) -> bytes:
    """Sign `content` the way the key type demands; `scheme` only picks the ECDSA/RSA hash, so a
    conformance check can put another scheme label on a genuine signature."""
    hash_cls = _SCHEME_HASH.get(scheme if scheme is not None else natural_scheme(key),
                                hashes.SHA256)
    if isinstance(key, mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey
                  | mldsa.MLDSA87PrivateKey):
        return key.sign(content)  # FIPS 204 pure ML-DSA, empty context
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return key.sign(content)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(content, ec.ECDSA(hash_cls()))
    if isinstance(key, rsa.RSAPrivateKey):
        h = hash_cls()
        return key.sign(content, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    raise TypeError(f"unsupported client key type {type(key).__name__}")


@dataclass(frozen=True)
class ClientCredential:
    """A client certificate chain (DER, leaf first) and the leaf's private key."""

    chain: tuple[bytes, ...]
    key: Any

    def __post_init__(self) -> None:
        if not isinstance(self.chain, tuple) or not self.chain:
            raise TypeError("chain must be a non-empty tuple of DER certificates")
        natural_scheme(self.key)  # TypeError for keys pqscan cannot sign with

    @property
    def scheme(self) -> int:
        return natural_scheme(self.key)

    @property
    def is_mldsa(self) -> bool:
        return self.scheme in (MLDSA44, MLDSA65, MLDSA87)

    @classmethod
    def from_pem(cls, chain_pem: bytes, key_pem: bytes,
                 culprit: str = "client") -> ClientCredential:
        """Load a PEM chain (leaf first) and PEM private key; UsageError naming the culprit."""
        try:
            certs = x509.load_pem_x509_certificates(chain_pem)
        except ValueError as exc:
            raise UsageError(
                f"{culprit} certificate: not a PEM certificate chain ({exc})") from None
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{culprit} key: not an unencrypted PEM private key ({exc})") from None
        try:
            cred = cls(tuple(c.public_bytes(serialization.Encoding.DER) for c in certs), key)
        except TypeError as exc:
            raise UsageError(f"{culprit} key: {exc}") from None
        leaf_key = certs[0].public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
        own = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        if leaf_key != own:
            raise UsageError(f"{culprit} key does not belong to the first certificate of the chain")
        return cred

    @classmethod
    def from_files(cls, cert_path: str | None, key_path: str | None) -> ClientCredential | None:
        """Both paths or neither (None); UsageError naming the unreadable or missing one."""
        if (cert_path is None) != (key_path is None):
            raise UsageError("a client certificate and its key go together: give both or neither")
        if cert_path is None or key_path is None:
            return None
        # read_bytes refuses FIFOs and devices without blocking on them (issue 10 §6)
        data = []
        for path in (cert_path, key_path):
            try:
                data.append(read_bytes(path, MAX_SMALL_FILE_BYTES))
            except UsageError as exc:  # read_bytes names the path and the reason
                raise UsageError(f"cannot read {exc}") from None
        return cls.from_pem(data[0], data[1], culprit=f"{cert_path} / {key_path}:")

    @classmethod
    def ephemeral(cls, scheme: int = MLDSA65) -> ClientCredential:
        """A throw-away self-signed ML-DSA client certificate (EKU clientAuth, RFC 5280 §4.2.1.12)
        for servers that request a certificate without anchoring it to a CA."""
        key_cls = {v: k for k, v in _MLDSA_PRIVATE.items()}.get(scheme)
        if key_cls is None:
            raise ValueError(f"ephemeral credentials are ML-DSA only, not 0x{scheme:04x}")
        key = key_cls.generate()  # type: ignore[attr-defined]
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pqscan conformance client")])
        now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                             False, False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .sign(key, None))
        return cls((cert.public_bytes(serialization.Encoding.DER),), key)


@dataclass(frozen=True)
class ClientAuth:
    """What the client answers to a CertificateRequest. `credential` None sends an empty
    Certificate (RFC 8446 §4.4.2); `scheme` overrides the CertificateVerify label; `tamper`
    rewrites the signature bytes after signing (conformance checks of the server's verifier)."""

    credential: ClientCredential | None
    scheme: int | None = None
    tamper: SignatureTamper | None = None

    @property
    def label(self) -> int | None:
        if self.scheme is not None:
            return self.scheme
        return None if self.credential is None else self.credential.scheme

    def signature(self, content: bytes) -> bytes:
        if self.credential is None:
            raise ValueError("no credential to sign with")
        sig = sign(self.credential.key, content, self.scheme)
        return self.tamper(sig) if self.tamper is not None else sig


@dataclass(frozen=True)
class CertificateRequest:
    """The server's request for a client certificate; `context` is empty in TLS 1.2."""

    context: bytes
    signature_schemes: tuple[int, ...]
    certificate_types: tuple[int, ...] = ()

    @classmethod
    def parse13(cls, body: bytes) -> CertificateRequest:
        """RFC 8446 §4.3.2: context<0..255>, extensions; signature_algorithms is mandatory."""
        reader = Reader(body, "CertificateRequest")
        context = reader.vec8()
        extensions = ext.decode_extensions(reader)
        reader.done()
        sigalgs = ext.find(extensions, ext.SIGNATURE_ALGORITHMS)
        if sigalgs is None:
            raise DecodeError("CertificateRequest without signature_algorithms (RFC 8446 §4.3.2)")
        return cls(context, ext.parse_u16_list(sigalgs))

    @classmethod
    def parse12(cls, body: bytes) -> CertificateRequest:
        """RFC 5246 §7.4.4: certificate_types<1..2^8-1>, supported_signature_algorithms,
        certificate_authorities (not needed here)."""
        reader = Reader(body, "CertificateRequest")
        types = tuple(reader.vec8())
        with reader.scope(2, "supported_signature_algorithms") as algs:
            schemes = tuple(algs.u16() for _ in range(algs.remaining // 2))
        reader.vec16()
        reader.done()
        return cls(b"", schemes, types)


def certificate13(context: bytes, chain: tuple[bytes, ...]) -> bytes:
    """The client's TLS 1.3 Certificate message, echoing the request context (§4.4.2)."""
    entries = b"".join(vec24(der) + vec16(b"") for der in chain)
    return handshake_bytes(CERTIFICATE, vec8(context) + vec24(entries))


def certificate12(chain: tuple[bytes, ...]) -> bytes:
    """The client's TLS 1.2 Certificate message (RFC 5246 §7.4.6)."""
    return handshake_bytes(CERTIFICATE, vec24(b"".join(vec24(der) for der in chain)))


def certificate_verify(scheme: int, signature: bytes) -> bytes:
    """CertificateVerify: scheme, signature<0..2^16-1> (RFC 8446 §4.4.3, RFC 5246 §7.4.8)."""
    return handshake_bytes(CERTIFICATE_VERIFY, u16(scheme) + vec16(signature))


def cv_content13(transcript_hash: bytes) -> bytes:
    """What a TLS 1.3 client signs (RFC 8446 §4.4.3)."""
    return _CLIENT_CV_CONTEXT + transcript_hash

