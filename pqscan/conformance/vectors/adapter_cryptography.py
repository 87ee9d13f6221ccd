"""The built-in `cryptography` adapter: pyca/cryptography's ML-KEM and ML-DSA (OpenSSL backend).

What cryptography 50 cannot do is answered Unsupported with the reason, never guessed:
no ML-KEM-512, no SLH-DSA, no import of expanded private keys, no deterministic encapsulation
(m cannot be supplied), hedged-only ML-DSA signing (rnd cannot be supplied), no HashML-DSA and
no ML-DSA.Sign_internal/Verify_internal on a raw M'.
"""

from __future__ import annotations

from typing import Any

import cryptography
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

from pqscan.conformance.vectors.adapter import Refused, Unsupported, unhex
from pqscan.conformance.vectors.model import OPS, Params

VERSION = cryptography.__version__
_MAJOR = VERSION.split(".")[0]

_MLKEM: dict[str, Any] = {
    "ML-KEM-768": (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey),
    "ML-KEM-1024": (mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey),
}
_MLDSA: dict[str, Any] = {
    "ML-DSA-44": (mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey),
    "ML-DSA-65": (mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey),
    "ML-DSA-87": (mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey),
}


def _classes(table: dict[str, Any], params: Params) -> Any:
    ps = params.get("parameter_set")
    if ps not in table:
        raise Unsupported(f"cryptography {_MAJOR} has no {ps}")
    return table[ps]


def _kem_private(params: Params) -> Any:
    priv, _ = _classes(_MLKEM, params)
    if "dk" in params:
        raise Unsupported(f"cryptography {_MAJOR} cannot import an expanded ML-KEM "
                          "decapsulation key (seed form only)")
    d, z = unhex(params, "d"), unhex(params, "z")
    # FIPS 203 s7.1: d and z are 32 bytes each.
    if len(d) != 32 or len(z) != 32:
        raise Refused(f"seed d||z must be 32+32 bytes, got {len(d)}+{len(z)}")
    try:
        return priv.from_seed_bytes(d + z)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def _dsa_private(params: Params) -> Any:
    priv, _ = _classes(_MLDSA, params)
    if "seed" not in params:
        raise Unsupported(f"cryptography {_MAJOR} cannot import an expanded ML-DSA private "
                          "key (seed form only)")
    seed = unhex(params, "seed")
    if len(seed) != 32:  # FIPS 204 Alg. 1: xi is 32 bytes
        raise Refused(f"seed must be 32 bytes, got {len(seed)}")
    try:
        return priv.from_seed_bytes(seed)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def _context(params: Params) -> bytes | None:
    ctx = unhex(params, "context") if params.get("context") else b""
    if len(ctx) > 255:  # FIPS 204 Alg. 2/3: |ctx| <= 255
        raise Refused(f"context is {len(ctx)} bytes, more than 255")
    return ctx or None


def _check_interface(params: Params, what: str) -> None:
    if params.get("pre_hash"):
        raise Unsupported(f"cryptography {_MAJOR} has no HashML-DSA (pre-hash) {what}")
    if params.get("interface") == "internal" and "mu" not in params:
        raise Unsupported(f"cryptography {_MAJOR} has no ML-DSA {what}_internal on a raw M'")


class CryptographyAdapter:
    """In-process adapter around cryptography's mlkem and mldsa modules."""

    def __init__(self) -> None:
        self.name = f"cryptography {VERSION}"

    def capabilities(self) -> dict[str, Any]:
        reason = f"cryptography {_MAJOR} has no SLH-DSA"
        return {"name": self.name, "ops": [op for op in OPS if not op.startswith("slhdsa.")],
                "unsupported": {op: reason for op in OPS if op.startswith("slhdsa.")}}

    def restart(self) -> None:
        """Nothing to restart in-process."""

    def close(self) -> None:
        """Nothing to release."""

    def call(self, op: str, params: Params) -> dict[str, Any]:
        handler = getattr(self, "_" + op.replace(".", "_"), None)
        if handler is None:
            raise Unsupported(f"{self.name}: operation {op} not implemented")
        result: dict[str, Any] = handler(params)
        return result

    def _mlkem_keygen(self, params: Params) -> dict[str, Any]:
        key = _kem_private(params)
        return {"ek": key.public_key().public_bytes_raw().hex(),
                "not_provided": {"dk": f"cryptography {_MAJOR} does not expose the expanded "
                                       "decapsulation key"}}

    def _mlkem_encaps(self, params: Params) -> dict[str, Any]:
        _, pub = _classes(_MLKEM, params)
        try:  # FIPS 203 s7.2 input check (length, modulus) happens on import
            key = pub.from_public_bytes(unhex(params, "ek"))
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if "m" not in params:  # own randomness: the differential cross-check
            k, c = key.encapsulate()
            return {"c": c.hex(), "k": k.hex()}
        raise Unsupported(f"cryptography {_MAJOR} has no deterministic encapsulation "
                          "(m cannot be supplied); only the key check was done")

    def _mlkem_decaps(self, params: Params) -> dict[str, Any]:
        key = _kem_private(params)
        try:
            return {"k": key.decapsulate(unhex(params, "c")).hex()}
        except ValueError as exc:
            raise Refused(str(exc)) from None

    def _mlkem_ek_check(self, params: Params) -> dict[str, Any]:
        _, pub = _classes(_MLKEM, params)
        try:
            pub.from_public_bytes(unhex(params, "ek"))
        except ValueError:
            return {"valid": False}
        return {"valid": True}

    def _mlkem_dk_check(self, params: Params) -> dict[str, Any]:
        _classes(_MLKEM, params)
        raise Unsupported(f"cryptography {_MAJOR} cannot import an expanded ML-KEM "
                          "decapsulation key (seed form only)")

    def _mldsa_keygen(self, params: Params) -> dict[str, Any]:
        key = _dsa_private(params)
        return {"pk": key.public_key().public_bytes_raw().hex(),
                "not_provided": {"sk": f"cryptography {_MAJOR} does not expose the expanded "
                                       "private key"}}

    def _mldsa_sign(self, params: Params) -> dict[str, Any]:
        _check_interface(params, "Sign")
        key = _dsa_private(params)
        ctx = _context(params)
        try:  # exercise the input checks so that invalid vectors can be refused
            if "mu" in params:
                sig = key.sign_mu(unhex(params, "mu"))
            else:
                sig = key.sign(unhex(params, "message"), ctx)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if not params.get("deterministic") and "rnd" not in params:
            return {"signature": sig.hex()}  # hedged, own randomness: the cross-check
        raise Unsupported(f"cryptography {_MAJOR} signs hedged with its own randomness "
                          "(FIPS 204 s3.4); a deterministic or given-rnd signature cannot be "
                          "reproduced")

    def _mldsa_verify(self, params: Params) -> dict[str, Any]:
        _check_interface(params, "Verify")
        _, pub_cls = _classes(_MLDSA, params)
        try:
            pub = pub_cls.from_public_bytes(unhex(params, "pk"))
        except ValueError as exc:
            raise Refused(str(exc)) from None
        sig = unhex(params, "signature")
        try:
            if "mu" in params:
                pub.verify_mu(sig, unhex(params, "mu"))
            else:
                pub.verify(sig, unhex(params, "message"), _context(params))
        except InvalidSignature:
            return {"valid": False}
        except ValueError as exc:
            raise Refused(str(exc)) from None
        return {"valid": True}
