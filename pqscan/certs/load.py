"""The loaded object: certificates, keys and CSRs found in one file's bytes, whatever its format.

Formats: PEM (RFC 7468 labels), DER certificate / CSR / SubjectPublicKeyInfo / PKCS#8
(RFC 5958 OneAsymmetricKey) / EncryptedPrivateKeyInfo, PKCS#7 certificate bundles (RFC 2315) and
PKCS#12 (RFC 7292, via cryptography). Structure is sniffed from the DER itself, so keys and
certificates for algorithms cryptography does not know are still found.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from pqscan.certs import der
from pqscan.errors import DecodeError

KINDS = ("certificate", "private_key", "csr", "public_key")

_PEM_RE = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END ([A-Z0-9 ]+)-----", re.DOTALL
)
_BEGIN_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")

_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_DATA = "1.2.840.113549.1.7.1"


class UnrecognizedFormatError(DecodeError):
    """The bytes are not (and do not look like) any certificate, key or CSR format."""


@dataclass(frozen=True)
class LoadedObject:
    """One certificate / key / CSR: its kind, its DER, and the container it came from."""

    kind: str  # one of KINDS
    der: bytes  # certificate, CSR, SPKI or PKCS#8 PrivateKeyInfo DER
    container: str  # "pem" | "der" | "pkcs7" | "pkcs12"
    encrypted: bool = False  # private key that could not be decrypted (no password given)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown object kind {self.kind!r}")


def _pkcs8_from_key(key: object) -> bytes:
    return bytes(
        key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _looks_like_der(data: bytes) -> bool:
    """A SEQUENCE whose first element is a SEQUENCE, INTEGER or OID header.

    Every format we read starts this way; random bytes (ciphertexts, text) almost never do, so a
    damaged certificate is reported as corrupt while a README is reported as unrecognized.
    """
    if len(data) < 4 or data[0] != der.TAG_SEQUENCE:
        return False
    first = data[1]
    offset = 2 if first < 0x80 else 2 + (first & 0x7F)
    return offset < len(data) and first != 0x80 and data[offset] in (0x30, 0x02, 0x06)


def _sniff_der(data: bytes) -> str:
    """Which DER structure this is: certificate, csr, public_key, pkcs8, epki, pkcs7, pkcs12."""
    if not _looks_like_der(data):
        raise UnrecognizedFormatError("not a certificate, key or CSR (neither PEM nor DER)")
    top = der.parse_whole(data)
    if top.tag != der.TAG_SEQUENCE:
        raise UnrecognizedFormatError("not a certificate, key or CSR (no DER SEQUENCE)")
    parts = der.children(data, top)
    tags = [p.tag for p in parts]
    if tags[:1] == [der.TAG_OID]:
        oid = der.decode_oid(parts[0].value(data))
        if oid == _OID_SIGNED_DATA:
            return "pkcs7"
        raise UnrecognizedFormatError(f"CMS/PKCS#7 content type {oid} holds no certificates")
    if tags[:3] == [der.TAG_INTEGER, der.TAG_SEQUENCE, der.TAG_SEQUENCE] and len(parts) <= 3:
        inner = der.children(data, parts[1])
        first = inner[0] if inner else None
        if first and first.tag == der.TAG_OID and der.decode_oid(first.value(data)) == _OID_DATA:
            return "pkcs12"  # PFX (RFC 7292 s4): version, authSafe ContentInfo, macData
    if tags[:3] == [der.TAG_INTEGER, der.TAG_SEQUENCE, der.TAG_OCTET_STRING]:
        return "pkcs8"
    if tags == [der.TAG_SEQUENCE, der.TAG_OCTET_STRING]:
        return "epki"
    if tags == [der.TAG_SEQUENCE, der.TAG_BIT_STRING]:
        return "public_key"
    if len(parts) == 3 and tags == [der.TAG_SEQUENCE, der.TAG_SEQUENCE, der.TAG_BIT_STRING]:
        inner_tags = [p.tag for p in der.children(data, parts[0])]
        if len(inner_tags) == 4 and inner_tags[0] == der.TAG_INTEGER and inner_tags[3] == 0xA0:
            return "csr"  # CertificationRequestInfo (RFC 2986 s4.1)
        return "certificate"
    if tags and all(t == der.TAG_INTEGER for t in tags) and len(tags) >= 9:
        return "pkcs1"  # RSAPrivateKey (RFC 8017 A.1.2), traditional OpenSSL format
    if tags[:2] == [der.TAG_INTEGER, der.TAG_OCTET_STRING]:
        return "sec1"  # ECPrivateKey (RFC 5915 s3)
    raise UnrecognizedFormatError("not a certificate, key or CSR (unknown DER structure)")


def _certificates_from_pkcs7(data: bytes) -> list[bytes]:
    try:
        certs = pkcs7.load_der_pkcs7_certificates(data)
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(f"corrupt PKCS#7 bundle: {exc}") from None
    return [c.public_bytes(serialization.Encoding.DER) for c in certs]


def _from_pkcs12(data: bytes, password: bytes | None) -> list[LoadedObject]:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            hint = ("missing password (the file is encrypted)" if password is None
                    else "wrong password")
            raise DecodeError(f"PKCS#12: {hint} or corrupt file") from None
        raise DecodeError(f"corrupt PKCS#12: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - unsupported algorithms inside the bag
        raise DecodeError(f"PKCS#12 could not be opened: {exc}") from None
    out: list[LoadedObject] = []
    for c in ([cert] if cert is not None else []) + list(extra):
        der_cert = c.public_bytes(serialization.Encoding.DER)
        out.append(LoadedObject("certificate", der_cert, "pkcs12"))
    if key is not None:
        out.append(LoadedObject("private_key", _pkcs8_from_key(key), "pkcs12"))
    return out


def _from_der(data: bytes, password: bytes | None, container: str) -> list[LoadedObject]:
    kind = _sniff_der(data)
    if kind in ("certificate", "csr", "public_key", "pkcs8"):
        return [LoadedObject("private_key" if kind == "pkcs8" else kind, data, container)]
    if kind == "pkcs7":
        return [LoadedObject("certificate", c, "pkcs7") for c in _certificates_from_pkcs7(data)]
    if kind == "pkcs12":
        return _from_pkcs12(data, password)
    if kind == "epki" and password is None:
        return [LoadedObject("private_key", data, container, encrypted=True)]
    try:
        key = serialization.load_der_private_key(data, password if kind == "epki" else None)
    except (ValueError, TypeError) as exc:
        if kind == "epki":
            raise DecodeError("encrypted private key: wrong password or corrupt") from None
        raise DecodeError(f"corrupt private key: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - UnsupportedAlgorithm
        raise DecodeError(f"private key could not be opened: {exc}") from None
    return [LoadedObject("private_key", _pkcs8_from_key(key), container)]


_PEM_KINDS = {
    b"CERTIFICATE": "certificate",
    b"X509 CERTIFICATE": "certificate",
    b"TRUSTED CERTIFICATE": "certificate",
    b"CERTIFICATE REQUEST": "csr",
    b"NEW CERTIFICATE REQUEST": "csr",
    b"PUBLIC KEY": "public_key",
    b"PRIVATE KEY": "private_key",
    b"ENCRYPTED PRIVATE KEY": "private_key",
    b"RSA PRIVATE KEY": "private_key",
    b"EC PRIVATE KEY": "private_key",
    b"DSA PRIVATE KEY": "private_key",
    b"PKCS7": "pkcs7",
    b"CMS": "pkcs7",
}


def _from_pem(data: bytes, password: bytes | None) -> list[LoadedObject]:
    out: list[LoadedObject] = []
    matched_end = 0
    for match in _PEM_RE.finditer(data):
        label, body, end_label = match.group(1), match.group(2), match.group(3)
        matched_end = match.end()
        if label != end_label:
            raise DecodeError(f"PEM: BEGIN {label.decode()} closed by END {end_label.decode()}")
        kind = _PEM_KINDS.get(label)
        if kind is None:
            continue  # e.g. "DH PARAMETERS": not an object pqscan inventories
        if b":" in body.split(b"\n\n")[0] and b"Proc-Type" in body:
            # RFC 1421 encrypted traditional key: hand the whole block to cryptography.
            try:
                key = serialization.load_pem_private_key(match.group(0), password)
            except (TypeError, ValueError):
                raise DecodeError("encrypted PEM private key: wrong or missing password") from None
            out.append(LoadedObject("private_key", _pkcs8_from_key(key), "pem"))
            continue
        try:
            raw = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError(f"PEM {label.decode()}: invalid base64") from None
        if kind == "pkcs7":
            out += [LoadedObject("certificate", c, "pkcs7") for c in _certificates_from_pkcs7(raw)]
            continue
        loaded = _from_der(raw, password, "pem")
        if any(o.kind != kind for o in loaded):
            raise DecodeError(f"PEM {label.decode()} does not contain a {kind.replace('_', ' ')}")
        out += loaded
    trailing = _BEGIN_RE.search(data, matched_end)
    if trailing:
        raise DecodeError(f"truncated PEM: BEGIN {trailing.group(1).decode()} without END")
    return out


def load_objects(data: bytes, password: bytes | None = None) -> list[LoadedObject]:
    """Every certificate, key and CSR in `data`; DecodeError on anything corrupt or unknown."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if password is not None and not isinstance(password, bytes):
        raise TypeError("password must be bytes or None")
    raw = bytes(data)
    if b"-----BEGIN " in raw:
        objects = _from_pem(raw, password)
        if not objects:
            raise UnrecognizedFormatError("PEM file with no certificate, key or CSR")
        return objects
    if not raw:
        raise UnrecognizedFormatError("empty file")
    return _from_der(raw, password, "der")
