"""The built-in `dilithium-py` adapter: the pure-Python ML-DSA reference of dilithium-py.

Every ACVP ML-DSA test type runs here: keyGen from the seed, sigGen deterministic or with the
given rnd, for the pure, pre-hash (all twelve ACVP hash functions; M' is built by
`prehash.encode_message` per FIPS 204 s5.4) and internal interfaces and external mu, from a seed
or an expanded private key, and sigVer for all of them.

dilithium-py's public API cannot take rnd, M' or mu for verification, so this adapter calls its
private FIPS 204 internals `_keygen_internal`, `_sign_internal`, `_unpack_pk`, `_unpack_sig`,
`_expand_matrix_from_seed` and `_h`. They are stable across 1.5.x; the lab extra pins
dilithium-py >= 1.5, < 2 for that reason.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from pqscan.conformance.vectors.adapter import (
    InProcessAdapter,
    Refused,
    Unsupported,
    sign_inputs,
    unhex,
)
from pqscan.conformance.vectors.model import Params
from pqscan.conformance.vectors.prehash import encode_message

_DSAS: dict[str, Any] = {"ML-DSA-44": ML_DSA_44, "ML-DSA-65": ML_DSA_65, "ML-DSA-87": ML_DSA_87}


def _dsa(params: Params) -> Any:
    ps = params.get("parameter_set")
    if ps not in _DSAS:
        raise Unsupported(f"dilithium-py has no {ps}")
    return _DSAS[ps]


def _verify_mu(dsa: Any, pk: bytes, mu: bytes, sig: bytes) -> bool:
    """ML-DSA.Verify_internal (FIPS 204 Alg. 8) from line 7 on, with mu given (external mu)."""
    rho, t1 = dsa._unpack_pk(pk)
    try:
        c_tilde, z, h = dsa._unpack_sig(sig)  # rejects malformed hints (Alg. 21)
    except ValueError:
        return False
    if h.sum_hint() > dsa.omega or z.check_norm_bound(dsa.gamma_1 - dsa.beta):
        return False
    a_hat = dsa._expand_matrix_from_seed(rho)
    c = dsa.R.sample_in_ball(c_tilde, dsa.tau).to_ntt()
    t1 = t1.scale(1 << dsa.d).to_ntt()
    w_approx = ((a_hat @ z.to_ntt()) - t1.scale(c)).from_ntt()
    w1 = h.use_hint(w_approx, 2 * dsa.gamma_2)
    return bool(c_tilde == dsa._h(mu + w1.bit_pack_w(dsa.gamma_2), dsa.c_tilde_bytes))


def _check_sk(dsa: Any, sk: bytes) -> None:
    """Refuse an expanded key with s1/s2 coefficients outside [-eta, eta] (FIPS 204 Alg. 25).

    dilithium-py 1.5 decodes such keys without complaint and signs with them (Wycheproof
    InvalidPrivateKey); the check is the adapter's, stated here so the difference is not hidden.
    """
    _, _, _, s1, s2, _ = dsa._unpack_sk(sk)
    if s1.check_norm_bound(dsa.eta + 1) or s2.check_norm_bound(dsa.eta + 1):
        raise Refused("private key has s1/s2 coefficients outside [-eta, eta]")


class DilithiumPyAdapter(InProcessAdapter):
    """In-process adapter around dilithium_py.ml_dsa (FIPS 204 internal functions)."""

    families = ("mldsa",)
    missing = "dilithium-py implements ML-DSA only"

    def __init__(self) -> None:
        try:
            self.name = f"dilithium-py {version('dilithium-py')}"
        except PackageNotFoundError:
            self.name = "dilithium-py"

    def _mldsa_keygen(self, params: Params) -> dict[str, Any]:
        seed = unhex(params, "seed")
        if len(seed) != 32:  # FIPS 204 Alg. 6: xi is 32 bytes
            raise Refused(f"seed must be 32 bytes, got {len(seed)}")
        pk, sk = _dsa(params)._keygen_internal(seed)
        return {"pk": pk.hex(), "sk": sk.hex()}

    def _mldsa_sign(self, params: Params) -> dict[str, Any]:
        dsa = _dsa(params)
        if "seed" in params:
            sk = bytes.fromhex(self._mldsa_keygen(params)["sk"])
        else:
            sk = unhex(params, "sk")
            if len(sk) != dsa._sk_size():
                raise Refused(f"private key must be {dsa._sk_size()} bytes, got {len(sk)}")
            _check_sk(dsa, sk)
        mu, rnd = sign_inputs(params, 32)
        rnd = rnd if rnd is not None else bytes(32)  # FIPS 204 Alg. 2 line 5: 0^32
        if mu is not None:
            sig = dsa._sign_internal(sk, mu, rnd, external_mu=True)
        else:
            sig = dsa._sign_internal(sk, encode_message(params), rnd)
        return {"signature": sig.hex()}

    def _mldsa_verify(self, params: Params) -> dict[str, Any]:
        dsa = _dsa(params)
        pk, sig = unhex(params, "pk"), unhex(params, "signature")
        if len(pk) != dsa._pk_size():
            raise Refused(f"public key must be {dsa._pk_size()} bytes, got {len(pk)}")
        if "mu" in params:
            mu, _ = sign_inputs({"mu": params["mu"], "deterministic": True}, 32)
            assert mu is not None
            return {"valid": _verify_mu(dsa, pk, mu, sig)}
        return {"valid": bool(dsa._verify_internal(pk, encode_message(params), sig))}
