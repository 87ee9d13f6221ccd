"""The certificate facts: CertificateInfo and its public-key summary (the contract's CERT shape).

cryptography decodes names, validity and extensions for every certificate; the public key and
algorithm identifiers come from the DER (pqscan.certs.der) so that keys cryptography cannot load
(SLH-DSA, composites, FrodoKEM...) are still identified by OID.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa

from pqscan.certs import der, dername
from pqscan.errors import DecodeError
from pqscan.registry.oids import algorithm, curve

# RFC 5280 s4.2.1.3 bit names, in bit order.
_KEY_USAGE_BITS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


@dataclass(frozen=True)
class PublicKeyInfo:
    """The "public_key" sub-dict of a CERT: algorithm, parameter set or size, strength."""

    algorithm: str
    oid: str
    parameter_set: str | None = None
    size_bits: int | None = None
    nist_category: int | None = None
    quantum_vulnerable: bool | None = None
    status: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"algorithm": self.algorithm, "oid": self.oid}
        if self.parameter_set is not None:
            out["parameter_set"] = self.parameter_set
        if self.size_bits is not None:
            out["size_bits"] = self.size_bits
        out["nist_category"] = self.nist_category
        out["quantum_vulnerable"] = self.quantum_vulnerable
        return out


def _rsa_bits(key: bytes) -> int | None:
    """Modulus size of an RSAPublicKey (RFC 8017 A.1.1) read from the DER."""
    try:
        top = der.parse_whole(key)
        parts = der.children(key, top)
        if len(parts) != 2:
            return None
        return der.integer_value(key, parts[0]).bit_length()
    except DecodeError:
        return None


def _dsa_bits(spki_der: bytes) -> int | None:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        loaded = load_der_public_key(spki_der)
    except Exception:  # noqa: BLE001 - any failure only means "size unknown"
        return None
    if isinstance(loaded, dsa.DSAPublicKey):
        return int(loaded.key_size)
    return None


def summarize_spki(spki: der.SPKI) -> PublicKeyInfo:
    info = algorithm(spki.algorithm.oid)
    name, size, pset = info.name, None, info.parameter_set
    if info.family == "RSA":
        size = _rsa_bits(spki.key)
    elif info.family in ("ECDSA", "ECDH") and info.name in ("ECDSA", "ECDH"):
        # id-ecPublicKey carries the curve as its parameter (RFC 5480 s2.1.1).
        params = spki.algorithm.parameters
        curve_name = None
        if params is not None and params[:1] == bytes([der.TAG_OID]):
            try:
                oid = der.decode_oid(der.read_tlv(params).value(params))
                named = curve(oid)
                curve_name, size = named if named else (f"curve {oid}", None)
            except DecodeError:
                curve_name = None
        name = f"{info.name} {curve_name}" if curve_name else info.name
    elif info.family == "DSA":
        size = _dsa_bits(spki.der)
    return PublicKeyInfo(
        algorithm=name,
        oid=info.oid,
        parameter_set=pset,
        size_bits=size,
        nist_category=info.nist_category,
        quantum_vulnerable=info.quantum_vulnerable,
        status=info.status,
    )


def public_key_info(spki_der: bytes) -> dict[str, Any]:
    """The CERT "public_key" sub-dict for a DER SubjectPublicKeyInfo; DecodeError on garbage."""
    if not isinstance(spki_der, bytes | bytearray | memoryview):
        raise TypeError(f"spki_der must be bytes, not {type(spki_der).__name__}")
    return summarize_spki(der.parse_spki(bytes(spki_der))).to_dict()


@dataclass(frozen=True)
class CertificateInfo:
    """Facts about one certificate, in the CERT shape of docs/json-contract.md."""

    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    sha256: str
    sans: tuple[str, ...]
    key_usage: tuple[str, ...]
    is_ca: bool
    public_key: PublicKeyInfo
    signature_algorithm: str
    signature_algorithm_oid: str
    self_issued: bool = False
    parse_warning: str | None = None  # set when pqscan's DER reader stood in for cryptography

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before,
            "not_after": self.not_after,
            "sha256": self.sha256,
            "sans": list(self.sans),
            "key_usage": list(self.key_usage),
            "is_ca": self.is_ca,
            "public_key": self.public_key.to_dict(),
            "signature_algorithm": {
                "name": self.signature_algorithm,
                "oid": self.signature_algorithm_oid,
            },
            **({"parse_warning": self.parse_warning} if self.parse_warning else {}),
        }


def _general_name(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name.value.rfc4514_string()}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}"
    return str(name)


def _time(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _extensions(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    sans: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()
    is_ca = False
    try:
        exts = cert.extensions
    except Exception as exc:  # noqa: BLE001 - duplicate / malformed extensions
        raise DecodeError(f"malformed certificate extensions: {exc}") from None
    for ext in exts:
        value = ext.value
        if isinstance(value, x509.SubjectAlternativeName):
            sans = tuple(_general_name(n) for n in value)
        elif isinstance(value, x509.KeyUsage):
            usage = tuple(label for attr, label in _KEY_USAGE_BITS if getattr(value, attr))
            if value.key_agreement:
                usage += tuple(
                    label
                    for attr, label in (("encipher_only", "encipherOnly"),
                                        ("decipher_only", "decipherOnly"))
                    if getattr(value, attr)
                )
        elif isinstance(value, x509.BasicConstraints):
            is_ca = value.ca
    return sans, usage, is_ca


def _from_der(data: bytes, parts: der.CertificateParts, warning: str) -> CertificateInfo:
    """The same facts from pqscan's own DER reader; DecodeError if even that fails."""
    validity = der.parse_whole(parts.validity)
    times = der.children(parts.validity, validity)
    if len(times) != 2:
        raise DecodeError("not a valid certificate: Validity is not two times")
    ext = parts.extensions
    ku = ext.get("2.5.29.15")
    san = ext.get("2.5.29.17")
    bc = ext.get("2.5.29.19")
    sig = algorithm(parts.signature_algorithm.oid)
    return CertificateInfo(
        subject=dername.name_text(parts.subject),
        issuer=dername.name_text(parts.issuer),
        serial=format(parts.serial, "x"),
        not_before=dername.time_text(parts.validity, times[0].start),
        not_after=dername.time_text(parts.validity, times[1].start),
        sha256=hashlib.sha256(data).hexdigest(),
        sans=dername.general_names(san) if san is not None else (),
        key_usage=der.key_usage_bits(ku) if ku is not None else (),
        is_ca=dername.is_ca(bc) if bc is not None else False,
        public_key=summarize_spki(parts.spki),
        signature_algorithm=sig.name,
        signature_algorithm_oid=sig.oid,
        self_issued=parts.subject == parts.issuer,
        parse_warning=warning.splitlines()[0],
    )


def certificate_info(der_bytes: bytes) -> CertificateInfo:
    """Analyse one DER certificate; DecodeError on anything that is not one."""
    if not isinstance(der_bytes, bytes | bytearray | memoryview):
        raise TypeError(f"der must be bytes, not {type(der_bytes).__name__}")
    data = bytes(der_bytes)
    parts = der.certificate_parts(data)  # strict structure check first: cheap DecodeError
    try:
        cert = x509.load_der_x509_certificate(data)
        subject = cert.subject.rfc4514_string()
        issuer = cert.issuer.rfc4514_string()
        not_before = _time(cert.not_valid_before_utc)
        not_after = _time(cert.not_valid_after_utc)
        serial = format(cert.serial_number, "x")
        sans, usage, is_ca = _extensions(cert)
    except Exception as exc:  # noqa: BLE001 - cryptography also raises InvalidVersion etc.
        return _from_der(data, parts, f"cryptography refused it ({exc}); fields read by "
                         "pqscan's DER reader")
    sig = algorithm(parts.signature_algorithm.oid)
    return CertificateInfo(
        subject=subject,
        issuer=issuer,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
        sha256=hashlib.sha256(data).hexdigest(),
        sans=sans,
        key_usage=usage,
        is_ca=is_ca,
        public_key=summarize_spki(parts.spki),
        signature_algorithm=sig.name,
        signature_algorithm_oid=sig.oid,
        self_issued=cert.subject == cert.issuer,
    )
