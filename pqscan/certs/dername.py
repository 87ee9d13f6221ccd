"""Certificate fields read by pqscan's own DER reader: Name, Time, serial, SAN, basicConstraints.

The fallback for certificates that `cryptography` refuses as a whole (a bad string type in a
Name, an out-of-range time, a malformed extension it validates eagerly): an inventory should
still say what the certificate is. Every function takes DER bytes and raises only DecodeError.
"""

from __future__ import annotations

import ipaddress

from pqscan.certs.der import (
    TAG_OID,
    TAG_SEQUENCE,
    TAG_SET,
    children,
    decode_oid,
    parse_whole,
    read_tlv,
)
from pqscan.errors import DecodeError

# RFC 4514 §3 short names, plus emailAddress (PKCS #9) and serialNumber as OpenSSL prints them
_SHORT = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "STREET",
    "2.5.4.10": "O", "2.5.4.11": "OU", "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "emailAddress",
    "2.5.4.5": "serialNumber",
}
# X.520 DirectoryString choices and the other string types seen in Names
_STRINGS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1A: "ascii",
            0x1E: "utf-16-be", 0x1C: "utf-32-be"}
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18
# GeneralName IA5String choices, prefixed as pqscan.certs.info prints cryptography's names
_IA5_NAMES = {0x81: "email:", 0x82: "DNS:", 0x86: "URI:"}


def _escape(value: str) -> str:
    # RFC 4514 §2.4: escape the specials, a leading '#' or space, and a trailing space
    out = "".join("\\" + c if c in ',+"\\<>;=' else c for c in value)
    if out.startswith(("#", " ")):
        out = "\\" + out
    if out.endswith(" ") and len(out) > 1:
        out = out[:-1] + "\\ "
    return out


def _string(tag: int, raw: bytes) -> str:
    codec = _STRINGS.get(tag)
    if codec is None:
        return "#" + raw.hex()  # RFC 4514 §2.4: unknown types as hex of the BER value
    return raw.decode(codec, errors="replace")


def name_text(name_der: bytes) -> str:
    """An RFC 4514 string (most significant RDN last, as cryptography prints it)."""
    top = parse_whole(name_der)
    if top.tag != TAG_SEQUENCE:
        raise DecodeError("DER: Name is not a SEQUENCE")
    rdns = []
    for rdn in children(name_der, top):
        if rdn.tag != TAG_SET:
            raise DecodeError("DER: RelativeDistinguishedName is not a SET")
        parts = []
        for atv in children(name_der, rdn):
            pair = children(name_der, atv)
            if len(pair) != 2 or pair[0].tag != TAG_OID:
                raise DecodeError("DER: malformed AttributeTypeAndValue")
            oid = decode_oid(pair[0].value(name_der))
            value = _string(pair[1].tag, pair[1].value(name_der))
            parts.append(f"{_SHORT.get(oid, oid)}={_escape(value)}")
        rdns.append("+".join(parts))
    return ",".join(reversed(rdns))


def time_text(data: bytes, offset: int) -> str:
    """A UTCTime / GeneralizedTime at `offset` as ISO 8601 'YYYY-MM-DDTHH:MM:SSZ' (RFC 5280
    §4.1.2.5: UTCTime years 50-99 are 19xx)."""
    tlv = read_tlv(data, offset)
    raw = tlv.value(data).decode("ascii", errors="replace")
    digits = 12 if tlv.tag == _UTC_TIME else 14 if tlv.tag == _GENERALIZED_TIME else 0
    if not digits or not (raw[:digits].isascii() and raw[:digits].isdigit()):
        raise DecodeError(f"DER: not a time ({raw[:20]!r})")
    if digits == 12:
        year = int(raw[:2]) + (1900 if int(raw[:2]) >= 50 else 2000)
        rest = raw[2:]
    else:
        year, rest = int(raw[:4]), raw[4:]
    mo, d, h, mi, s = (rest[i : i + 2] for i in range(0, 10, 2))
    return f"{year:04d}-{mo}-{d}T{h}:{mi}:{s}Z"


def general_names(value: bytes) -> tuple[str, ...]:
    """subjectAltName GeneralNames (RFC 5280 §4.2.1.6): rfc822Name, dNSName, URI and iPAddress
    as "DNS:..." style text; other choices are skipped."""
    top = parse_whole(value)
    out = []
    for gn in children(value, top):
        raw = gn.value(value)
        if gn.tag in _IA5_NAMES:  # IA5String choices
            out.append(_IA5_NAMES[gn.tag] + raw.decode("ascii", errors="replace"))
        elif gn.tag == 0x87 and len(raw) in (4, 16):  # [7] iPAddress
            out.append(f"IP:{ipaddress.ip_address(raw)}")
    return tuple(out)


def is_ca(value: bytes) -> bool:
    """basicConstraints cA (RFC 5280 §4.2.1.9; DEFAULT FALSE)."""
    top = parse_whole(value)
    fields = children(value, top)
    return bool(fields) and fields[0].tag == 0x01 and fields[0].value(value) != b"\x00"
