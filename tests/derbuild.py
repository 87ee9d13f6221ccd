"""Hand-built DER for certificates no library will produce (pre-standard OIDs, bad times,
odd string types): a tiny encoder, byte for byte as RFC 5280 §4.1 lays a Certificate out."""

from __future__ import annotations


def der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        out += bytes(reversed(chunk))
    return der(0x06, out)


def name(*rdns: tuple[str, int, bytes]) -> bytes:
    """Name from (attribute OID, string tag, raw value) RDNs, most significant first."""
    return der(0x30, b"".join(der(0x31, der(0x30, oid(o) + der(tag, value)))
                              for o, tag, value in rdns))


def certificate(alg_oid: str, *, key: bytes = bytes(1952), signature: bytes = bytes(3309),
                subject: bytes | None = None, not_before: bytes = der(0x17, b"250101000000Z"),
                not_after: bytes = der(0x17, b"350101000000Z"), extensions: bytes = b"",
                serial: bytes = b"\x01") -> bytes:
    """A self-issued v3 certificate whose key and signature use `alg_oid` (no parameters, as
    RFC 9881 §2 wants); sizes default to ML-DSA-65's. `extensions` is the inner
    SEQUENCE OF Extension content."""
    alg = der(0x30, oid(alg_oid))
    subj = subject if subject is not None else name(("2.5.4.3", 0x0C, b"ipd"))
    spki = der(0x30, alg + der(0x03, b"\x00" + key))
    tbs = (der(0xA0, der(0x02, b"\x02")) + der(0x02, serial) + alg + subj
           + der(0x30, not_before + not_after) + subj + spki)
    if extensions:
        tbs += der(0xA3, der(0x30, extensions))
    return der(0x30, der(0x30, tbs) + alg + der(0x03, b"\x00" + signature))


def extension(ext_oid: str, value: bytes, critical: bool = False) -> bytes:
    return der(0x30, oid(ext_oid) + (der(0x01, b"\xff") if critical else b"")
               + der(0x04, value))
