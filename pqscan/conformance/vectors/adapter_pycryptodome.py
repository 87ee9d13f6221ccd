"""The built-in `pycryptodome` adapter: PyCryptodome 4.4's native (C) ML-KEM and ML-DSA.

A second native implementation beside cryptography's OpenSSL, and one that covers what
cryptography cannot: ML-KEM-512, expanded keys, encapsulation with a given m, deterministic and
given-rnd signing, HashML-DSA (M' built by `prehash.encode_message`), the internal interface and
external mu. Those need the private methods `MLKEMKey._keypair`, `_encaps(coins)`, `_decaps`,
`MLDSAKey._sign(msg, rnd, prefix, external_mu)` and `_verify(...)` (FIPS 203 Alg. 16-18,
FIPS 204 Alg. 7-8); the extra pins pycryptodome >= 4.4, < 5 for that reason.
"""

from __future__ import annotations

from typing import Any

import Crypto
from Crypto.PublicKey import MLDSA, MLKEM

from pqscan.conformance.vectors.adapter import (
    InProcessAdapter,
    Refused,
    Unsupported,
    sign_inputs,
    unhex,
)
from pqscan.conformance.vectors.model import Params
from pqscan.conformance.vectors.prehash import encode_message

_KEM: dict[str, Any] = {"ML-KEM-512": MLKEM.ML_KEM_512, "ML-KEM-768": MLKEM.ML_KEM_768,
                        "ML-KEM-1024": MLKEM.ML_KEM_1024}
_DSA: dict[str, Any] = {"ML-DSA-44": MLDSA.ML_DSA_44, "ML-DSA-65": MLDSA.ML_DSA_65,
                        "ML-DSA-87": MLDSA.ML_DSA_87}


def _set(table: dict[str, Any], params: Params) -> Any:
    ps = params.get("parameter_set")
    if ps not in table:
        raise Unsupported(f"pycryptodome has no {ps}")
    return table[ps]


def _construct(factory: Any, **kwargs: Any) -> Any:
    try:
        return factory(**kwargs)
    except ValueError as exc:  # length, modulus (FIPS 203 s7.2), hash (s7.3) or pairwise checks
        raise Refused(str(exc)) from None


def _kem_key(params: Params) -> Any:
    ps = _set(_KEM, params)
    if "dk" in params:
        return _construct(MLKEM.construct, param_set=ps, expanded_dk=unhex(params, "dk"))
    return _construct(MLKEM.construct, param_set=ps,
                      seed=unhex(params, "d") + unhex(params, "z"))


class PyCryptodomeAdapter(InProcessAdapter):
    """In-process adapter around Crypto.PublicKey.MLKEM and MLDSA."""

    families = ("mlkem", "mldsa")
    missing = "pycryptodome has no SLH-DSA"

    def __init__(self) -> None:
        self.name = f"pycryptodome {Crypto.__version__}"

    def _mlkem_keygen(self, params: Params) -> dict[str, Any]:
        d, z = unhex(params, "d"), unhex(params, "z")
        if len(d) != 32 or len(z) != 32:  # FIPS 203 s7.1: a split 64-byte seed
            raise Refused(f"seed d||z must be 32+32 bytes, got {len(d)}+{len(z)}")
        key = _kem_key(params)
        return {"ek": key._ek.hex(), "dk": key._expanded_dk.hex()}

    def _mlkem_encaps(self, params: Params) -> dict[str, Any]:
        key = _construct(MLKEM.construct, param_set=_set(_KEM, params), ek=unhex(params, "ek"))
        m = unhex(params, "m")
        if len(m) != 32:
            raise Refused(f"m must be 32 bytes, got {len(m)}")
        k, c = key._encaps(m)
        return {"c": c.hex(), "k": k.hex()}

    def _mlkem_decaps(self, params: Params) -> dict[str, Any]:
        key = _kem_key(params)
        try:
            return {"k": key._decaps(unhex(params, "c")).hex()}
        except ValueError as exc:
            raise Refused(str(exc)) from None

    def _mlkem_ek_check(self, params: Params) -> dict[str, Any]:
        try:
            self._mlkem_encaps({**params, "m": "00" * 32})
        except Refused:
            return {"valid": False}
        return {"valid": True}

    def _mlkem_dk_check(self, params: Params) -> dict[str, Any]:
        try:
            _kem_key(params)
        except Refused:
            return {"valid": False}
        return {"valid": True}

    def _mldsa_keygen(self, params: Params) -> dict[str, Any]:
        key = _construct(MLDSA.construct, param_set=_set(_DSA, params),
                         seed=unhex(params, "seed"))
        return {"pk": key._pk.hex(), "sk": key._sk.hex()}

    def _mldsa_sign(self, params: Params) -> dict[str, Any]:
        ps = _set(_DSA, params)
        if "seed" in params:
            key = _construct(MLDSA.construct, param_set=ps, seed=unhex(params, "seed"))
        else:
            key = _construct(MLDSA.construct, param_set=ps, sk=unhex(params, "sk"))
        mu, rnd = sign_inputs(params, 32)
        rnd = rnd if rnd is not None else bytes(32)  # FIPS 204 Alg. 2 line 5
        if mu is not None:
            return {"signature": key._sign(mu, rnd, external_mu=True).hex()}
        return {"signature": key._sign(encode_message(params), rnd).hex()}

    def _mldsa_verify(self, params: Params) -> dict[str, Any]:
        key = _construct(MLDSA.construct, param_set=_set(_DSA, params), pk=unhex(params, "pk"))
        sig = unhex(params, "signature")
        if "mu" in params:
            mu, _ = sign_inputs({"mu": params["mu"], "deterministic": True}, 32)
            return {"valid": bool(key._verify(mu, sig, external_mu=True))}
        return {"valid": bool(key._verify(encode_message(params), sig))}
