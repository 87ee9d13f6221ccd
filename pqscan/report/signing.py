"""Signed reports: key generation, detached signatures (REPORT.sig) and verification.

ML-DSA-65 (FIPS 204) by default, Ed25519 (RFC 8032) optional; keys are PEM (PKCS#8 private,
SubjectPublicKeyInfo public). The signature covers the report file's exact bytes, so any
change to it — even whitespace — fails verification. REPORT.sig is JSON:
{"format", "algorithm", "public_key_sha256" (SHA-256 of the SPKI DER), "report_sha256",
"signature" (base64)}.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

from pqscan.errors import UsageError
from pqscan.inputfile import (
    MAX_REPORT_BYTES,
    MAX_SMALL_FILE_BYTES,
    parse_json,
    read_bytes,
    read_text,
)

SIG_FORMAT = "pqscan-signature-1"
ALGORITHMS = ("ml-dsa-65", "ed25519")
DISPLAY_NAMES = {"ml-dsa-65": "ML-DSA-65", "ed25519": "Ed25519"}

PrivateKey = mldsa.MLDSA65PrivateKey | ed25519.Ed25519PrivateKey
PublicKey = mldsa.MLDSA65PublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying one report against one key."""

    ok: bool
    message: str
    algorithm: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, "algorithm": self.algorithm}


def generate_key(algorithm: str = "ml-dsa-65") -> PrivateKey:
    if not isinstance(algorithm, str):
        raise TypeError("algorithm must be a str")
    if algorithm == "ml-dsa-65":
        return mldsa.MLDSA65PrivateKey.generate()
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")


def private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: PublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def algorithm_name(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, mldsa.MLDSA65PrivateKey | mldsa.MLDSA65PublicKey):
        return "ML-DSA-65"
    return "Ed25519"


def _write_new(path: Path, data: bytes, mode: int, overwrite: bool) -> None:
    """Write `data` to `path` created with `mode` from the start (a private key is never
    readable by others, not even for a moment); an existing file is kept unless `overwrite`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if overwrite else os.O_EXCL)
    fd = os.open(path, flags, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # an overwritten file keeps its old mode otherwise


def keygen(path: str | Path, algorithm: str = "ml-dsa-65",
           overwrite: bool = False) -> tuple[Path, Path]:
    """Write KEY (private, mode 0600) and KEY.pub; UsageError if either exists (unless
    `overwrite`) or cannot be written."""
    key = generate_key(algorithm)
    priv, pub = Path(path), Path(f"{path}.pub")
    for target, data, mode in ((priv, private_pem(key), 0o600),
                               (pub, public_pem(key.public_key()), 0o644)):
        try:
            _write_new(target, data, mode, overwrite)
        except FileExistsError:
            raise UsageError(f"{str(target)!r} exists: not overwritten") from None
        except OSError as exc:
            raise UsageError(f"cannot write key {str(target)!r}: {exc.strerror or exc}") from None
    return priv, pub


def load_key(path: str | Path) -> PrivateKey | PublicKey:
    """A PEM private or public key of a supported algorithm; UsageError naming the file."""
    p = Path(path)
    data = read_bytes(p, MAX_SMALL_FILE_BYTES, "the key size limit")
    key: Any
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"key {str(p)!r} is not a usable PEM key: {exc}") from None
    if not isinstance(key, PrivateKey | PublicKey):
        raise UsageError(f"key {str(p)!r} is {type(key).__name__}; use ML-DSA-65 or Ed25519")
    return key


def _public(key: PrivateKey | PublicKey) -> PublicKey:
    return key.public_key() if isinstance(key, PrivateKey) else key


def sign_bytes(data: bytes, key: PrivateKey) -> dict[str, Any]:
    return {"format": SIG_FORMAT, "algorithm": algorithm_name(key),
            "public_key_sha256": fingerprint(key.public_key()),
            "report_sha256": hashlib.sha256(data).hexdigest(),
            "signature": base64.b64encode(key.sign(data)).decode("ascii")}


def verify_bytes(data: bytes, sig: dict[str, Any], key: PrivateKey | PublicKey) -> Verification:
    public = _public(key)
    algorithm = algorithm_name(public)
    if sig.get("format") != SIG_FORMAT:
        return Verification(False, f"signature format {sig.get('format')!r} is not "
                                   f"{SIG_FORMAT!r}")
    if sig.get("algorithm") != algorithm or sig.get("public_key_sha256") != fingerprint(public):
        return Verification(False, "signature was made with a different key "
                                   f"({sig.get('algorithm')} {sig.get('public_key_sha256')})",
                            algorithm)
    try:
        public.verify(base64.b64decode(str(sig.get("signature")), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        changed = sig.get("report_sha256") != hashlib.sha256(data).hexdigest()
        why = "the report was changed after signing" if changed else "the signature is invalid"
        return Verification(False, f"verification FAILED: {why}", algorithm)
    return Verification(True, f"signature OK ({algorithm}, key {fingerprint(public)[:16]})",
                        algorithm)


def signature_path(report: str | Path) -> Path:
    return Path(f"{report}.sig")


def sign_file(report: str | Path, key_path: str | Path) -> Path:
    key = load_key(key_path)
    if not isinstance(key, PrivateKey):
        raise UsageError(f"key {str(key_path)!r} is a public key; signing needs the private key")
    data = read_bytes(report, MAX_REPORT_BYTES, "the report size limit")
    out = signature_path(report)
    try:
        out.write_text(json.dumps(sign_bytes(data, key), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    return out


def verify_file(report: str | Path, key_path: str | Path) -> Verification:
    """Verify REPORT against REPORT.sig; UsageError (exit 2) if a file is missing or corrupt."""
    key = load_key(key_path)
    sig_file = signature_path(report)
    data = read_bytes(report, MAX_REPORT_BYTES, "the report size limit")
    raw = read_text(sig_file, MAX_SMALL_FILE_BYTES, "the signature size limit")
    try:
        sig = parse_json(raw)
    except ValueError as exc:
        raise UsageError(f"signature {str(sig_file)!r} is not JSON: {exc}") from None
    if not isinstance(sig, dict):
        raise UsageError(f"signature {str(sig_file)!r} is not a JSON object")
    return verify_bytes(data, sig, key)
