#!/usr/bin/env python3
"""Worked pqscan vector adapter: PyCryptodome 4.4's ML-KEM and ML-DSA, in its own process.

    pqscan vectors run --impl "python3 examples/vector-adapter/pycryptodome_adapter.py"

It runs every ML-KEM and ML-DSA test type pqscan ships (seed and expanded keys, given m and rnd,
pure / pre-hash / internal / external-mu signing). It depends only on the standard library and
pycryptodome >= 4.4, < 5 (it calls the private `_keypair`, `_encaps`, `_decaps`, `_sign`,
`_verify` methods: the FIPS 203/204 internal functions ACVP tests). Protocol:
docs/vector-adapter-protocol.md. To test your own library, keep `answer` and the `serve`
call (adapter_loop.py beside it) and replace the `op_*` functions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import adapter_loop
import Crypto
from adapter_loop import Rejected, Unsupported
from Crypto.PublicKey import MLDSA, MLKEM

NAME = f"pycryptodome {Crypto.__version__} (example adapter)"
KEM = {"ML-KEM-512": MLKEM.ML_KEM_512, "ML-KEM-768": MLKEM.ML_KEM_768,
       "ML-KEM-1024": MLKEM.ML_KEM_1024}
DSA = {"ML-DSA-44": MLDSA.ML_DSA_44, "ML-DSA-65": MLDSA.ML_DSA_65,
       "ML-DSA-87": MLDSA.ML_DSA_87}
# FIPS 204 s5.4: pre-hash M' carries the DER OID 2.16.840.1.101.3.4.2.<arc> of the hash.
HASH_OID_PREFIX = bytes.fromhex("06096086480165030402")
HASHES: dict[str, tuple[int, Callable[[bytes], bytes]]] = {
    "SHA2-224": (4, lambda m: hashlib.sha224(m).digest()),
    "SHA2-256": (1, lambda m: hashlib.sha256(m).digest()),
    "SHA2-384": (2, lambda m: hashlib.sha384(m).digest()),
    "SHA2-512": (3, lambda m: hashlib.sha512(m).digest()),
    "SHA2-512/224": (5, lambda m: hashlib.new("sha512_224", m).digest()),
    "SHA2-512/256": (6, lambda m: hashlib.new("sha512_256", m).digest()),
    "SHA3-224": (7, lambda m: hashlib.sha3_224(m).digest()),
    "SHA3-256": (8, lambda m: hashlib.sha3_256(m).digest()),
    "SHA3-384": (9, lambda m: hashlib.sha3_384(m).digest()),
    "SHA3-512": (10, lambda m: hashlib.sha3_512(m).digest()),
    "SHAKE-128": (11, lambda m: hashlib.shake_128(m).digest(32)),
    "SHAKE-256": (12, lambda m: hashlib.shake_256(m).digest(64)),
}


def _set(table: dict[str, Any], p: dict[str, Any]) -> Any:
    if p.get("parameter_set") not in table:
        raise Unsupported(f"no {p.get('parameter_set')} in pycryptodome")
    return table[p["parameter_set"]]


def _kem_key(p: dict[str, Any]) -> Any:
    if "dk" in p:
        return MLKEM.construct(param_set=_set(KEM, p), expanded_dk=bytes.fromhex(p["dk"]))
    d, z = bytes.fromhex(p["d"]), bytes.fromhex(p["z"])
    if len(d) != 32 or len(z) != 32:
        raise Rejected("d and z must be 32 bytes each")
    return MLKEM.construct(param_set=_set(KEM, p), seed=d + z)


def check_ek(ps: Any, ek: bytes) -> Any:
    """Import an encapsulation key; pycryptodome runs the FIPS 203 s7.2 modulus check."""
    return MLKEM.construct(param_set=ps, ek=ek)


def context(p: dict[str, Any]) -> bytes:
    ctx = bytes.fromhex(p.get("context") or "")
    if len(ctx) > 255:  # FIPS 204 Alg. 2 line 1
        raise Rejected("context longer than 255 bytes")
    return ctx


def hash_oid(name: str) -> bytes:
    if name not in HASHES:
        raise Rejected(f"unknown hash {name}")
    return HASH_OID_PREFIX + bytes([HASHES[name][0]])


def message(p: dict[str, Any]) -> bytes:
    """M' (FIPS 204 Alg. 2-5), or the message itself for the internal interface."""
    m = bytes.fromhex(p["message"])
    if p.get("interface") == "internal":
        return m
    ctx = context(p)
    if p.get("pre_hash"):
        name = str(p.get("hash_alg"))
        oid = hash_oid(name)
        return b"\x01" + bytes([len(ctx)]) + ctx + oid + HASHES[name][1](m)
    return b"\x00" + bytes([len(ctx)]) + ctx + m


def op_capabilities(p: dict[str, Any]) -> dict[str, Any]:
    ops = [op for op in OPS if op != "capabilities"]
    return {"name": NAME, "ops": ops,
            "unsupported": {op: "pycryptodome has no SLH-DSA"
                            for op in ("slhdsa.keygen", "slhdsa.sign", "slhdsa.verify")}}


def op_mlkem_keygen(p: dict[str, Any]) -> dict[str, Any]:
    key = _kem_key(p)
    return {"ek": key._ek.hex(), "dk": key._expanded_dk.hex()}


def op_mlkem_encaps(p: dict[str, Any]) -> dict[str, Any]:
    key = check_ek(_set(KEM, p), bytes.fromhex(p["ek"]))
    m = bytes.fromhex(p["m"]) if "m" in p else os.urandom(32)
    k, c = key._encaps(m)
    return {"c": c.hex(), "k": k.hex()}


def op_mlkem_decaps(p: dict[str, Any]) -> dict[str, Any]:
    return {"k": _kem_key(p)._decaps(bytes.fromhex(p["c"])).hex()}


def op_mlkem_ek_check(p: dict[str, Any]) -> dict[str, Any]:
    try:
        check_ek(_set(KEM, p), bytes.fromhex(p["ek"]))
    except ValueError:
        return {"valid": False}
    return {"valid": True}


def op_mlkem_dk_check(p: dict[str, Any]) -> dict[str, Any]:
    try:
        _kem_key(p)
    except ValueError:
        return {"valid": False}
    return {"valid": True}


def _dsa_key(p: dict[str, Any]) -> Any:
    if "seed" in p:
        return MLDSA.construct(param_set=_set(DSA, p), seed=bytes.fromhex(p["seed"]))
    return MLDSA.construct(param_set=_set(DSA, p), sk=bytes.fromhex(p["sk"]))


def op_mldsa_keygen(p: dict[str, Any]) -> dict[str, Any]:
    key = _dsa_key(p)
    return {"pk": key._pk.hex(), "sk": key._sk.hex()}


def op_mldsa_sign(p: dict[str, Any]) -> dict[str, Any]:
    key = _dsa_key(p)
    if p.get("deterministic"):
        rnd = bytes(32)
    else:
        rnd = bytes.fromhex(p["rnd"]) if "rnd" in p else os.urandom(32)
    if "mu" in p:
        return {"signature": key._sign(bytes.fromhex(p["mu"]), rnd, external_mu=True).hex()}
    return {"signature": key._sign(message(p), rnd).hex()}


def op_mldsa_verify(p: dict[str, Any]) -> dict[str, Any]:
    key = MLDSA.construct(param_set=_set(DSA, p), pk=bytes.fromhex(p["pk"]))
    sig = bytes.fromhex(p["signature"])
    if "mu" in p:
        return {"valid": key._verify(bytes.fromhex(p["mu"]), sig, external_mu=True)}
    return {"valid": key._verify(message(p), sig)}


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "capabilities": op_capabilities, "mlkem.keygen": op_mlkem_keygen,
    "mlkem.encaps": op_mlkem_encaps, "mlkem.decaps": op_mlkem_decaps,
    "mlkem.ek_check": op_mlkem_ek_check, "mlkem.dk_check": op_mlkem_dk_check,
    "mldsa.keygen": op_mldsa_keygen, "mldsa.sign": op_mldsa_sign,
    "mldsa.verify": op_mldsa_verify,
}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    return adapter_loop.answer(OPS, request)


if __name__ == "__main__":
    adapter_loop.serve(OPS)
