#!/usr/bin/env python3
"""Example pqscan vector adapter: pyca/cryptography ML-KEM and ML-DSA over JSON lines.

Run it through the runner:  pqscan vectors run --impl "python3 cryptography_adapter.py"
Protocol: docs/vector-adapter-protocol.md. Copy this file and adapter_loop.py and replace the
`op_*` functions to wrap your own implementation. It depends on nothing but the standard
library and cryptography.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import adapter_loop
import cryptography
from adapter_loop import Rejected, Unsupported
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

NAME = f"cryptography {cryptography.__version__} (example adapter)"
KEM = {"ML-KEM-768": (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey),
       "ML-KEM-1024": (mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey)}
DSA = {"ML-DSA-44": (mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey),
       "ML-DSA-65": (mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey),
       "ML-DSA-87": (mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey)}


def _classes(table: dict[str, Any], p: dict[str, Any]) -> Any:
    if p.get("parameter_set") not in table:
        raise Unsupported(f"no {p.get('parameter_set')} in cryptography")
    return table[p["parameter_set"]]


def _kem_key(p: dict[str, Any]) -> Any:
    priv, _ = _classes(KEM, p)
    if "dk" in p:
        raise Unsupported("expanded decapsulation keys cannot be imported")
    d, z = bytes.fromhex(p["d"]), bytes.fromhex(p["z"])
    if len(d) != 32 or len(z) != 32:
        raise Rejected("d and z must be 32 bytes each")
    return priv.from_seed_bytes(d + z)


def _dsa_key(p: dict[str, Any]) -> Any:
    priv, _ = _classes(DSA, p)
    if "seed" not in p:
        raise Unsupported("expanded ML-DSA private keys cannot be imported")
    seed = bytes.fromhex(p["seed"])
    if len(seed) != 32:
        raise Rejected("seed must be 32 bytes")
    return priv.from_seed_bytes(seed)


def _ctx(p: dict[str, Any]) -> bytes | None:
    return bytes.fromhex(p.get("context") or "") or None


def _plain_interface(p: dict[str, Any]) -> None:
    if p.get("pre_hash"):
        raise Unsupported("no HashML-DSA")
    if p.get("interface") == "internal" and "mu" not in p:
        raise Unsupported("no ML-DSA internal interface on M'")


def op_capabilities(p: dict[str, Any]) -> dict[str, Any]:
    return {"name": NAME, "protocol": 1,
            "ops": ["mlkem.keygen", "mlkem.encaps", "mlkem.decaps", "mlkem.ek_check",
                    "mldsa.keygen", "mldsa.sign", "mldsa.verify"],
            "unsupported": {"mlkem.dk_check": "expanded decapsulation keys cannot be imported",
                            "slhdsa.keygen": "no SLH-DSA in cryptography",
                            "slhdsa.sign": "no SLH-DSA in cryptography",
                            "slhdsa.verify": "no SLH-DSA in cryptography"}}


def op_mlkem_keygen(p: dict[str, Any]) -> dict[str, Any]:
    return {"ek": _kem_key(p).public_key().public_bytes_raw().hex(),
            "not_provided": {"dk": "cryptography does not expose the expanded key"}}


def op_mlkem_encaps(p: dict[str, Any]) -> dict[str, Any]:
    _classes(KEM, p)[1].from_public_bytes(bytes.fromhex(p["ek"]))  # key check only
    raise Unsupported("no deterministic encapsulation (m cannot be supplied)")


def op_mlkem_decaps(p: dict[str, Any]) -> dict[str, Any]:
    return {"k": _kem_key(p).decapsulate(bytes.fromhex(p["c"])).hex()}


def op_mlkem_ek_check(p: dict[str, Any]) -> dict[str, Any]:
    try:
        _classes(KEM, p)[1].from_public_bytes(bytes.fromhex(p["ek"]))
    except ValueError:
        return {"valid": False}
    return {"valid": True}


def op_mldsa_keygen(p: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _dsa_key(p).public_key().public_bytes_raw().hex(),
            "not_provided": {"sk": "cryptography does not expose the expanded key"}}


def op_mldsa_sign(p: dict[str, Any]) -> dict[str, Any]:
    _plain_interface(p)
    key = _dsa_key(p)
    if "mu" in p:
        key.sign_mu(bytes.fromhex(p["mu"]))
    else:
        key.sign(bytes.fromhex(p["message"]), _ctx(p))  # raises on a bad context
    raise Unsupported("signing is hedged only; rnd cannot be supplied")


def op_mldsa_verify(p: dict[str, Any]) -> dict[str, Any]:
    _plain_interface(p)
    pub = _classes(DSA, p)[1].from_public_bytes(bytes.fromhex(p["pk"]))
    sig = bytes.fromhex(p["signature"])
    try:
        if "mu" in p:
            pub.verify_mu(sig, bytes.fromhex(p["mu"]))
        else:
            pub.verify(sig, bytes.fromhex(p["message"]), _ctx(p))
    except InvalidSignature:
        return {"valid": False}
    return {"valid": True}


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "capabilities": op_capabilities, "mlkem.keygen": op_mlkem_keygen,
    "mlkem.encaps": op_mlkem_encaps, "mlkem.decaps": op_mlkem_decaps,
    "mlkem.ek_check": op_mlkem_ek_check, "mldsa.keygen": op_mldsa_keygen,
    "mldsa.sign": op_mldsa_sign, "mldsa.verify": op_mldsa_verify,
}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    return adapter_loop.answer(OPS, request)


if __name__ == "__main__":
    adapter_loop.serve(OPS)
