"""The built-in `kyber-py` adapter: the pure-Python ML-KEM of kyber-py (all three parameter sets).

An independent implementation from cryptography's OpenSSL, with the FIPS 203 internal functions
exposed, so keygen from (d, z), encapsulation with a given m and expanded-key decapsulation can
all be checked. It has no ML-DSA or SLH-DSA.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024

from pqscan.conformance.vectors.adapter import Refused, Unsupported, unhex
from pqscan.conformance.vectors.model import OPS, Params

_KEMS: dict[str, Any] = {"ML-KEM-512": ML_KEM_512, "ML-KEM-768": ML_KEM_768,
                         "ML-KEM-1024": ML_KEM_1024}


def _kem(params: Params) -> Any:
    ps = params.get("parameter_set")
    if ps not in _KEMS:
        raise Unsupported(f"kyber-py has no {ps}")
    return _KEMS[ps]


def _dk(kem: Any, params: Params) -> bytes:
    if "dk" in params:
        return unhex(params, "dk")
    d, z = unhex(params, "d"), unhex(params, "z")
    if len(d) != 32 or len(z) != 32:  # FIPS 203 s7.1
        raise Refused(f"seed d||z must be 32+32 bytes, got {len(d)}+{len(z)}")
    dk: bytes = kem._keygen_internal(d, z)[1]
    return dk


class KyberPyAdapter:
    """In-process adapter around kyber_py.ml_kem (FIPS 203 internal functions)."""

    def __init__(self) -> None:
        try:
            self.name = f"kyber-py {version('kyber-py')}"
        except PackageNotFoundError:
            self.name = "kyber-py"

    def capabilities(self) -> dict[str, Any]:
        return {"name": self.name, "ops": [op for op in OPS if op.startswith("mlkem.")],
                "unsupported": {op: "kyber-py implements ML-KEM only" for op in OPS
                                if not op.startswith("mlkem.")}}

    def restart(self) -> None:
        """Nothing to restart in-process."""

    def close(self) -> None:
        """Nothing to release."""

    def call(self, op: str, params: Params) -> dict[str, Any]:
        kem = _kem(params)
        try:
            if op == "mlkem.keygen":
                d, z = unhex(params, "d"), unhex(params, "z")
                if len(d) != 32 or len(z) != 32:
                    raise Refused(f"seed d||z must be 32+32 bytes, got {len(d)}+{len(z)}")
                ek, dk = kem._keygen_internal(d, z)
                return {"ek": ek.hex(), "dk": dk.hex()}
            if op == "mlkem.encaps":
                m = unhex(params, "m")
                if len(m) != 32:
                    raise Refused(f"m must be 32 bytes, got {len(m)}")
                k, c = kem._encaps_internal(unhex(params, "ek"), m)
                return {"c": c.hex(), "k": k.hex()}
            if op == "mlkem.decaps":
                return {"k": kem.decaps(_dk(kem, params), unhex(params, "c")).hex()}
            if op == "mlkem.ek_check":
                # FIPS 203 s7.2 checks (length, modulus) run inside encapsulation.
                kem._encaps_internal(unhex(params, "ek"), bytes(32))
                return {"valid": True}
            if op == "mlkem.dk_check":
                # FIPS 203 s7.3 checks (length, hash of ek) run inside decapsulation; any
                # ciphertext of the right length will do.
                kem.decaps(unhex(params, "dk"), bytes(32 * (kem.du * kem.k + kem.dv)))
                return {"valid": True}
        except ValueError as exc:
            if op in ("mlkem.ek_check", "mlkem.dk_check"):
                return {"valid": False}
            raise Refused(str(exc).splitlines()[0][:200]) from None
        raise Unsupported(f"kyber-py implements ML-KEM only, not {op}")
