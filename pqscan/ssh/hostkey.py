"""SSH host keys: the public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4,
draft-sfluhrer-ssh-mldsa §3), OpenSSH certificates (PROTOCOL.certkeys) with their CA key, the
SHA256 fingerprint exactly as `ssh-keygen -l` prints it, and verification of the signature
over the exchange hash H (RFC 4253 §8, RFC 8332 §3, RFC 5656 §3.1.2).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from pqscan.errors import DecodeError
from pqscan.ssh.wire import SSHReader, string

CERT_SUFFIX = "-cert-v01@openssh.com"
_CURVES: dict[str, tuple[ec.EllipticCurve, Any, int]] = {
    "nistp256": (ec.SECP256R1(), hashes.SHA256, 256),
    "nistp384": (ec.SECP384R1(), hashes.SHA384, 384),
    "nistp521": (ec.SECP521R1(), hashes.SHA512, 521),
}
_MLDSA: dict[str, Any] = {"ssh-mldsa-44": mldsa.MLDSA44PublicKey,
                          "ssh-mldsa-65": mldsa.MLDSA65PublicKey,
                          "ssh-mldsa-87": mldsa.MLDSA87PublicKey}
_MLDSA_LEVEL = {"ssh-mldsa-44": 44, "ssh-mldsa-65": 65, "ssh-mldsa-87": 87}
# signature algorithm name -> (key type it needs, RSA hash) (RFC 8332 §3, RFC 4253 §6.6)
_RSA_SIGS: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA512]] = {
    "ssh-rsa": hashes.SHA1, "rsa-sha2-256": hashes.SHA256,
             "rsa-sha2-512": hashes.SHA512}


def fingerprint(blob: bytes) -> str:
    """`SHA256:` + unpadded base64 of SHA-256 over the key blob (ssh-keygen -l -E sha256)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Certificate:
    """An OpenSSH certificate's fields pqscan reports (PROTOCOL.certkeys)."""

    cert_type: int  # 1 user, 2 host
    serial: int
    key_id: str
    principals: tuple[str, ...]
    valid_after: int
    valid_before: int
    ca: PublicKey
    signature_valid: bool | None
    signature_reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": {1: "user", 2: "host"}.get(self.cert_type, str(self.cert_type)),
                "serial": self.serial, "key_id": self.key_id,
                "principals": list(self.principals), "valid_after": self.valid_after,
                "valid_before": self.valid_before, "ca_key": self.ca.to_dict(),
                "ca_signature_verified": self.signature_valid,
                "ca_signature_reason": self.signature_reason}


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One host key: its type name, size, the loaded key (None if pqscan cannot load it)."""

    key_type: str
    blob: bytes
    size_bits: int | None
    key: Any
    certificate: Certificate | None = None
    plain_blob: bytes | None = None  # a certificate's certified key as a plain key blob

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l`: a certificate is fingerprinted by its certified key
        (OpenSSH sshkey_fingerprint_raw serialises certificates as plain keys)."""
        return fingerprint(self.plain_blob or self.blob)

    def to_dict(self) -> dict[str, Any]:
        return {"key_type": self.key_type, "size_bits": self.size_bits,
                "fingerprint_sha256": self.fingerprint}


def _plain_key(key_type: str, r: SSHReader) -> tuple[int | None, Any]:
    """Read the key fields that follow the type name (or a certificate's nonce)."""
    try:
        if key_type == "ssh-ed25519":
            return 256, ed25519.Ed25519PublicKey.from_public_bytes(r.string())
        if key_type == "ssh-ed448":
            return 456, ed448.Ed448PublicKey.from_public_bytes(r.string())
        if key_type.startswith("ecdsa-sha2-"):
            curve_name = r.string().decode("ascii", "replace")
            point = r.string()
            if curve_name not in _CURVES or key_type != f"ecdsa-sha2-{curve_name}":
                raise DecodeError(f"host key: curve {curve_name!r} does not match {key_type}")
            curve, _, bits = _CURVES[curve_name]
            return bits, ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        if key_type == "ssh-rsa":
            e, n = r.mpint(), r.mpint()  # RFC 4253 §6.6: e before n
            if e <= 0 or n <= 0:
                raise DecodeError("host key: RSA e or n not positive")
            return n.bit_length(), rsa.RSAPublicNumbers(e, n).public_key()
        if key_type == "ssh-dss":
            p = r.mpint()
            for _ in range(3):
                r.mpint()
            return p.bit_length(), None  # DSA: sized, never verified (RFC 9142 disallows)
        if key_type in _MLDSA:
            return _MLDSA_LEVEL[key_type], _MLDSA[key_type].from_public_bytes(r.string())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise DecodeError(f"host key {key_type}: not a valid key ({exc})") from None
    r.rest()
    return None, None  # a type pqscan does not know: reported, not verified


def parse_host_key(blob: bytes) -> PublicKey:
    """Parse K_S; DecodeError on a malformed blob."""
    r = SSHReader(blob, "host key")
    key_type = r.string().decode("ascii", "replace")
    if not key_type.endswith(CERT_SUFFIX):
        size, key = _plain_key(key_type, r)
        r.done()
        return PublicKey(key_type, blob, size, key)
    r.string()  # nonce
    plain_type = key_type[: -len(CERT_SUFFIX)]
    start = len(blob) - r.remaining
    size, key = _plain_key(plain_type, r)
    plain_blob = string(plain_type.encode()) + blob[start:len(blob) - r.remaining]
    serial, cert_type = r.u64(), r.u32()
    key_id = r.string().decode("utf-8", "replace")
    principals = SSHReader(r.string(), "certificate principals")
    names: list[str] = []
    while principals.remaining:
        names.append(principals.string().decode("utf-8", "replace"))
    valid_after, valid_before = r.u64(), r.u64()
    r.string()  # critical options
    r.string()  # extensions
    r.string()  # reserved
    ca_blob = r.string()
    signed_len = len(blob) - r.remaining
    signature = r.string()
    r.done()
    if ca_blob[:4 + len(CERT_SUFFIX)].endswith(CERT_SUFFIX.encode()):
        raise DecodeError("certificate: the CA key is itself a certificate")
    ca = parse_host_key(ca_blob)
    ok, reason = verify_signature(ca, signature, blob[:signed_len], any_rsa=True)
    cert = Certificate(cert_type, serial, key_id, tuple(names), valid_after, valid_before, ca,
                       ok, reason)
    return PublicKey(key_type, blob, size, key, cert, plain_blob)


def verify_signature(key: PublicKey, signature_blob: bytes, data: bytes,
                     algorithm: str | None = None, any_rsa: bool = False
                     ) -> tuple[bool | None, str]:
    """Check an SSH signature blob (string alg, string sig) by `key` over `data`.

    `algorithm` is the negotiated host key algorithm (a certificate's signs as its plain
    name); the blob must name it (RFC 4253 §6.6). (True|False|None, reason): None means
    pqscan cannot verify this key type.
    """
    try:
        r = SSHReader(signature_blob, "signature")
        sig_alg = r.string().decode("ascii", "replace")
        sig = r.string()
        r.done()
    except DecodeError as exc:
        return False, str(exc)
    wanted = algorithm[: -len(CERT_SUFFIX)] if algorithm and algorithm.endswith(CERT_SUFFIX) \
        else algorithm
    if wanted and sig_alg != wanted:
        return False, f"signature is {sig_alg!r}, negotiated {wanted!r}"
    k = key.key
    base_type = key.key_type.removesuffix(CERT_SUFFIX)
    try:
        if base_type == "ssh-rsa" and sig_alg in _RSA_SIGS and isinstance(k, rsa.RSAPublicKey):
            if not any_rsa and wanted is None:
                return False, "RSA signature without a negotiated algorithm"
            k.verify(sig, data, padding.PKCS1v15(), _RSA_SIGS[sig_alg]())
        elif sig_alg == base_type and isinstance(
                k, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            k.verify(sig, data)
        elif sig_alg == base_type and isinstance(k, ec.EllipticCurvePublicKey):
            # RFC 5656 §3.1.2: mpint r, mpint s; hash by curve size
            rs = SSHReader(sig, "ECDSA signature")
            r_, s_ = rs.mpint(), rs.mpint()
            rs.done()
            hash_cls = _CURVES[base_type.removeprefix("ecdsa-sha2-")][1]
            k.verify(encode_dss_signature(r_, s_), data, ec.ECDSA(hash_cls()))
        elif sig_alg == base_type and base_type in _MLDSA and k is not None:
            k.verify(sig, data)  # draft-sfluhrer-ssh-mldsa §4: pure ML-DSA, empty context
        elif k is None:
            return None, f"pqscan cannot verify {base_type} signatures"
        else:
            return False, f"signature algorithm {sig_alg!r} does not fit a {base_type} key"
    except InvalidSignature:
        return False, "signature does not verify"
    except (DecodeError, ValueError) as exc:
        return False, f"malformed signature: {exc}"
    return True, "signature verifies"
