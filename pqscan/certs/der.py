"""The DER walker: minimal, strict TLV reading for the X.509 structures cryptography cannot open.

cryptography parses any certificate but gives no access to the raw SubjectPublicKeyInfo or to the
AlgorithmIdentifier parameters of keys it does not know (SLH-DSA, composite, FrodoKEM...). The
few fields the analysis and the lints need are read here, from the DER itself (X.690 s8, s10).
Every malformed input raises DecodeError, never anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from pqscan.errors import DecodeError

TAG_INTEGER = 0x02
TAG_BIT_STRING = 0x03
TAG_OCTET_STRING = 0x04
TAG_NULL = 0x05
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_SET = 0x31
TAG_CONTEXT_0 = 0xA0
TAG_CONTEXT_0_PRIMITIVE = 0x80


@dataclass(frozen=True)
class TLV:
    """One DER element: its tag byte and where its value and whole encoding sit in `data`."""

    tag: int
    start: int  # first byte of the tag
    value_start: int
    end: int  # one past the last value byte

    def value(self, data: bytes) -> bytes:
        return data[self.value_start : self.end]

    def encoding(self, data: bytes) -> bytes:
        return data[self.start : self.end]


def read_tlv(data: bytes, offset: int = 0, limit: int | None = None) -> TLV:
    """Read the element at `offset`; definite lengths only (X.690 s10.1)."""
    end_limit = len(data) if limit is None else limit
    if offset + 2 > end_limit:
        raise DecodeError("truncated DER: element header past the end")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DecodeError("unsupported DER: multi-byte tag")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DecodeError("not DER: indefinite length")
    else:
        count = first & 0x7F
        if count > 4 or pos + count > end_limit:
            raise DecodeError("truncated DER: bad length field")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end_limit:
        raise DecodeError("truncated DER: element longer than its container")
    return TLV(tag, offset, pos, pos + length)


def children(data: bytes, parent: TLV) -> list[TLV]:
    """The elements inside a constructed element."""
    if not parent.tag & 0x20:
        raise DecodeError(f"DER: tag 0x{parent.tag:02x} is not constructed")
    out: list[TLV] = []
    pos = parent.value_start
    while pos < parent.end:
        child = read_tlv(data, pos, parent.end)
        out.append(child)
        pos = child.end
    return out


def parse_whole(data: bytes) -> TLV:
    """The single top-level element, which must span all of `data`."""
    top = read_tlv(data, 0)
    if top.end != len(data):
        raise DecodeError(f"DER: {len(data) - top.end} trailing bytes after the top-level element")
    return top


def decode_oid(raw: bytes) -> str:
    """OBJECT IDENTIFIER content octets to dotted form (X.690 s8.19)."""
    if not raw:
        raise DecodeError("DER: empty OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if raw[-1] & 0x80:
        raise DecodeError("DER: truncated OBJECT IDENTIFIER")
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


@dataclass(frozen=True)
class AlgorithmIdentifier:
    """AlgorithmIdentifier (RFC 5280 s4.1.1.2): OID plus raw parameters DER, None when absent."""

    oid: str
    parameters: bytes | None


def algorithm_identifier(data: bytes, tlv: TLV) -> AlgorithmIdentifier:
    if tlv.tag != TAG_SEQUENCE:
        raise DecodeError("DER: AlgorithmIdentifier is not a SEQUENCE")
    parts = children(data, tlv)
    if not parts or parts[0].tag != TAG_OID or len(parts) > 2:
        raise DecodeError("DER: malformed AlgorithmIdentifier")
    params = parts[1].encoding(data) if len(parts) == 2 else None
    return AlgorithmIdentifier(decode_oid(parts[0].value(data)), params)


def bit_string_bytes(data: bytes, tlv: TLV) -> bytes:
    """BIT STRING content without the unused-bits octet; keys and signatures use whole octets."""
    if tlv.tag != TAG_BIT_STRING:
        raise DecodeError("DER: expected BIT STRING")
    raw = tlv.value(data)
    if not raw or raw[0] != 0:
        raise DecodeError("DER: BIT STRING with unused bits where whole octets are required")
    return raw[1:]


@dataclass(frozen=True)
class SPKI:
    """SubjectPublicKeyInfo (RFC 5280 s4.1.2.7)."""

    algorithm: AlgorithmIdentifier
    key: bytes
    der: bytes


def parse_spki(data: bytes, tlv: TLV | None = None) -> SPKI:
    node = parse_whole(data) if tlv is None else tlv
    if node.tag != TAG_SEQUENCE:
        raise DecodeError("DER: SubjectPublicKeyInfo is not a SEQUENCE")
    parts = children(data, node)
    if len(parts) != 2:
        raise DecodeError("DER: SubjectPublicKeyInfo must have 2 fields")
    alg = algorithm_identifier(data, parts[0])
    return SPKI(alg, bit_string_bytes(data, parts[1]), node.encoding(data))


@dataclass(frozen=True)
class CertificateParts:
    """The raw pieces of a Certificate (RFC 5280 s4.1) the lints need."""

    tbs: bytes
    spki: SPKI
    signature_algorithm: AlgorithmIdentifier  # outer signatureAlgorithm
    tbs_signature_algorithm: AlgorithmIdentifier  # TBSCertificate.signature
    signature: bytes
    issuer: bytes  # Name DER
    subject: bytes  # Name DER
    extensions: dict[str, bytes]  # extnID -> extnValue content (the inner DER)
    serial: int = 0
    validity: bytes = b""  # Validity DER: SEQUENCE { notBefore Time, notAfter Time }


# KeyUsage named bits in bit order (RFC 5280 s4.2.1.3).
KEY_USAGE_NAMES = (
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
    "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
)


def key_usage_bits(value: bytes) -> tuple[str, ...]:
    """Names of the bits set in a KeyUsage BIT STRING (the extnValue content)."""
    tlv = parse_whole(value)
    if tlv.tag != TAG_BIT_STRING or tlv.end == tlv.value_start:
        raise DecodeError("DER: keyUsage is not a BIT STRING")
    raw = tlv.value(value)[1:]
    bits = int.from_bytes(raw, "big") if raw else 0
    width = 8 * len(raw)
    return tuple(
        n for i, n in enumerate(KEY_USAGE_NAMES) if i < width and bits >> (width - 1 - i) & 1
    )


def _extensions(data: bytes, fields: list[TLV]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for field in fields:
        if field.tag != 0xA3:  # extensions [3] EXPLICIT (RFC 5280 s4.1)
            continue
        inner = children(data, field)
        if len(inner) != 1 or inner[0].tag != TAG_SEQUENCE:
            raise DecodeError("DER: malformed extensions")
        for ext in children(data, inner[0]):
            parts = children(data, ext)
            if len(parts) < 2 or parts[0].tag != TAG_OID or parts[-1].tag != TAG_OCTET_STRING:
                raise DecodeError("DER: malformed Extension")
            out[decode_oid(parts[0].value(data))] = parts[-1].value(data)
    return out


def certificate_parts(der: bytes) -> CertificateParts:
    top = parse_whole(der)
    if top.tag != TAG_SEQUENCE:
        raise DecodeError("not a certificate: top-level element is not a SEQUENCE")
    outer = children(der, top)
    if len(outer) != 3 or outer[0].tag != TAG_SEQUENCE:
        raise DecodeError("not a certificate: expected tbsCertificate, algorithm, signature")
    tbs = children(der, outer[0])
    idx = 1 if tbs and tbs[0].tag == TAG_CONTEXT_0 else 0  # version is [0] EXPLICIT, optional
    if len(tbs) < idx + 6:
        raise DecodeError("not a certificate: tbsCertificate too short")
    return CertificateParts(
        tbs=outer[0].encoding(der),
        spki=parse_spki(der, tbs[idx + 5]),
        signature_algorithm=algorithm_identifier(der, outer[1]),
        tbs_signature_algorithm=algorithm_identifier(der, tbs[idx + 1]),
        signature=bit_string_bytes(der, outer[2]),
        issuer=tbs[idx + 2].encoding(der),
        subject=tbs[idx + 4].encoding(der),
        extensions=_extensions(der, tbs[idx + 6 :]),
        serial=integer_value(der, tbs[idx]),
        validity=tbs[idx + 3].encoding(der),
    )


def integer_value(data: bytes, tlv: TLV) -> int:
    if tlv.tag != TAG_INTEGER or tlv.end == tlv.value_start:
        raise DecodeError("DER: expected INTEGER")
    return int.from_bytes(tlv.value(data), "big", signed=True)
