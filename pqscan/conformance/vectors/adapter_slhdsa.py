"""The built-in `slh-dsa` adapter: the SLH-DSA of the `slh-dsa` package (all twelve sets).

`slh-dsa` is LGPL-3.0: it is an optional extra (`pip install 'pqscan[vectors]'`), imported only
when this adapter is chosen, never vendored or copied.

Its public API derives keys from fresh randomness and signs with its own addrnd, so this adapter
calls the private FIPS 205 internals of `slhdsa.lowlevel`: `XMSS.node` for slh_keygen_internal
(Alg. 18: PK.root is the top XMSS node), `slhdsa.lowlevel.slhdsa.sign`/`verify` for
slh_sign_internal / slh_verify_internal on M' (built by `prehash.encode_message`, FIPS 205
s10.2). The given addrnd is supplied by substituting the module's `token_bytes` for the duration
of one call (the library reads opt_rand from it, Alg. 19 line 2). Tested with 0.2.x; the extra
pins slh-dsa >= 0.2.5, < 0.3 for that reason.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import slhdsa.lowlevel.parameters as slh_parameters
import slhdsa.lowlevel.slhdsa as slh_lowlevel
from slhdsa.lowlevel.addresses import Address
from slhdsa.lowlevel.xmss import XMSS

from pqscan.conformance.vectors.adapter import (
    InProcessAdapter,
    Refused,
    Unsupported,
    sign_inputs,
    unhex,
)
from pqscan.conformance.vectors.model import Params
from pqscan.conformance.vectors.prehash import encode_message

# FIPS 205 Table 2 names as ACVP spells them -> slhdsa parameter objects.
SETS: dict[str, Any] = {
    f"SLH-DSA-{h.upper()}-{size}{kind}": getattr(slh_parameters, f"{h}_{size}{kind}")
    for h in ("sha2", "shake") for size in ("128", "192", "256") for kind in ("s", "f")
}


def _par(params: Params) -> Any:
    ps = params.get("parameter_set")
    if ps not in SETS:
        raise Unsupported(f"slh-dsa has no {ps}")
    return SETS[ps]


def _split(key: bytes, par: Any, parts: int, what: str) -> Any:
    # FIPS 205 s9.1: SK = SK.seed || SK.prf || PK.seed || PK.root, PK = PK.seed || PK.root.
    n = par.n
    if len(key) != parts * n:
        raise Refused(f"{what} must be {parts * n} bytes, got {len(key)}")
    return tuple(key[i * n:(i + 1) * n] for i in range(parts))


def _root(par: Any, sk_seed: bytes, pk_seed: bytes) -> bytes:
    root: bytes = XMSS(par).node(sk_seed, 0, par.h_m, pk_seed, Address(par.d - 1, 0))
    return root


class SLHDSAAdapter(InProcessAdapter):
    """In-process adapter around slhdsa.lowlevel (FIPS 205 internal functions)."""

    families = ("slhdsa",)
    missing = "slh-dsa implements SLH-DSA only"

    def __init__(self) -> None:
        try:
            self.name = f"slh-dsa {version('slh-dsa')}"
        except PackageNotFoundError:
            self.name = "slh-dsa"

    def _slhdsa_keygen(self, params: Params) -> dict[str, Any]:
        par = _par(params)
        seeds = [unhex(params, k) for k in ("sk_seed", "sk_prf", "pk_seed")]
        if any(len(s) != par.n for s in seeds):
            raise Refused(f"seeds must be n = {par.n} bytes each")
        sk_seed, sk_prf, pk_seed = seeds
        root = _root(par, sk_seed, pk_seed)
        return {"sk": (sk_seed + sk_prf + pk_seed + root).hex(), "pk": (pk_seed + root).hex()}

    def _slhdsa_sign(self, params: Params) -> dict[str, Any]:
        par = _par(params)
        key = _split(unhex(params, "sk"), par, 4, "private key")
        _, addrnd = sign_inputs(params, par.n)
        message = encode_message(params)
        if addrnd is None:  # FIPS 205 Alg. 19 line 2: opt_rand = PK.seed when deterministic
            return {"signature": slh_lowlevel.sign(message, key, par, False).hex()}
        def given(nbytes: int | None = None) -> bytes:
            assert addrnd is not None
            return addrnd

        original = slh_lowlevel.token_bytes
        slh_lowlevel.token_bytes = given
        try:
            signature: bytes = slh_lowlevel.sign(message, key, par, True)
        finally:
            slh_lowlevel.token_bytes = original
        return {"signature": signature.hex()}

    def _slhdsa_verify(self, params: Params) -> dict[str, Any]:
        par = _par(params)
        key = _split(unhex(params, "pk"), par, 2, "public key")
        sig = unhex(params, "signature")
        return {"valid": bool(slh_lowlevel.verify(encode_message(params), sig, key, par))}
