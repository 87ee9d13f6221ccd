"""The signed-message encoding M' of ML-DSA and SLH-DSA: pure, pre-hash and internal interfaces.

FIPS 204 s5.2 / s5.4 (Algorithms 2-5) and FIPS 205 s10.2 / s10.3 (Algorithms 22-25) format the
message identically: pure M' = 0x00 || |ctx| || ctx || M; pre-hash
M' = 0x01 || |ctx| || ctx || OID || PH(M), with OID the DER encoding of the hash's NIST OID
(2.16.840.1.101.3.4.2.x). The internal interface signs M' as given. Built here once, so an
adapter whose library only offers the internal functions can run every ACVP interface.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from pqscan.conformance.vectors.adapter import Refused, unhex
from pqscan.conformance.vectors.model import Params

# DER prefix of 2.16.840.1.101.3.4.2 (tag 06, length 09, 8 arcs); the last arc names the hash.
OID_PREFIX = bytes.fromhex("06096086480165030402")

# ACVP hashAlg name -> (last OID arc, PH). SHAKE output lengths: FIPS 204 s5.4.1 (256 / 512 bits).
HASHES: dict[str, tuple[int, Callable[[bytes], bytes]]] = {
    "SHA2-224": (0x04, lambda m: hashlib.sha224(m).digest()),
    "SHA2-256": (0x01, lambda m: hashlib.sha256(m).digest()),
    "SHA2-384": (0x02, lambda m: hashlib.sha384(m).digest()),
    "SHA2-512": (0x03, lambda m: hashlib.sha512(m).digest()),
    "SHA2-512/224": (0x05, lambda m: hashlib.new("sha512_224", m).digest()),
    "SHA2-512/256": (0x06, lambda m: hashlib.new("sha512_256", m).digest()),
    "SHA3-224": (0x07, lambda m: hashlib.sha3_224(m).digest()),
    "SHA3-256": (0x08, lambda m: hashlib.sha3_256(m).digest()),
    "SHA3-384": (0x09, lambda m: hashlib.sha3_384(m).digest()),
    "SHA3-512": (0x0A, lambda m: hashlib.sha3_512(m).digest()),
    "SHAKE-128": (0x0B, lambda m: hashlib.shake_128(m).digest(32)),
    "SHAKE-256": (0x0C, lambda m: hashlib.shake_256(m).digest(64)),
}

MAX_CONTEXT = 255  # FIPS 204 Alg. 2 line 1, FIPS 205 Alg. 22 line 1


def context(params: Params) -> bytes:
    """The context string; longer than 255 bytes is refused (the standards' error return)."""
    ctx = unhex(params, "context") if params.get("context") else b""
    if len(ctx) > MAX_CONTEXT:
        raise Refused(f"context is {len(ctx)} bytes, more than {MAX_CONTEXT}")
    return ctx


def hash_oid(name: str) -> bytes:
    """DER of the pre-hash function's OID; unknown names are refused."""
    if name not in HASHES:
        raise Refused(f"unknown pre-hash function {name!r}")
    return OID_PREFIX + bytes([HASHES[name][0]])


def encode_message(params: Params) -> bytes:
    """M' for the external interfaces, or the message as given for the internal interface.

    External mu (params["mu"]) is not a message: callers handle it before asking for M'.
    """
    message = unhex(params, "message")
    if params.get("interface") == "internal":
        return message
    ctx = context(params)
    if params.get("pre_hash"):
        name = str(params.get("hash_alg"))
        oid = hash_oid(name)
        return b"\x01" + bytes([len(ctx)]) + ctx + oid + HASHES[name][1](message)
    return b"\x00" + bytes([len(ctx)]) + ctx + message
