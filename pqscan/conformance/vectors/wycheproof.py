"""The Wycheproof vector-file reader: C2SP/wycheproof ML-KEM and ML-DSA files as vector groups.

Test types follow the upstream schemas (mlkem_*_schema.json, mldsa_*_schema.json); `result` is
valid / invalid / acceptable and is carried through unchanged as the case outcome.
"""

from __future__ import annotations

from typing import Any

from pqscan.conformance.vectors.model import Params, VectorCase, VectorGroup
from pqscan.errors import DecodeError

_MLKEM_TYPES = ("MLKEMTest", "MLKEMEncapsTest", "MLKEMKeyGen", "MLKEMDecapsValidationTest")
_MLDSA_TYPES = ("MlDsaSign", "MlDsaVerify")


def is_wycheproof(data: Any) -> bool:
    """True for a Wycheproof test-vector file (has a schema name and testGroups)."""
    return (isinstance(data, dict) and isinstance(data.get("schema"), str)
            and isinstance(data.get("testGroups"), list) and "algorithm" in data)


def _hex(obj: dict[str, Any], key: str, where: str, optional: bool = False) -> str:
    value = obj.get(key, "" if optional else None)
    if not isinstance(value, str):
        raise DecodeError(f"{where}: field {key!r} missing or not a hex string")
    return value.lower()


def _invalid(t: dict[str, Any]) -> bool:
    # Invalid cases may omit the answer fields (there is no right answer to a bad input).
    return t.get("result") != "valid"


def _split_seed(seed: str) -> Params:
    # FIPS 203 s7.1: the 64-byte seed is d || z. Wrong-length seeds are passed on split at
    # byte 32 so that the implementation (not the runner) has to reject them.
    return {"d": seed[:64], "z": seed[64:]}


def _mlkem_case(gtype: str, ps: str, t: dict[str, Any], where: str) -> tuple[str, Params, Params]:
    p: Params = {"parameter_set": ps}
    if gtype == "MLKEMTest":
        return ("mlkem.decaps", {**p, **_split_seed(_hex(t, "seed", where)),
                                 "c": _hex(t, "c", where)}, {"k": _hex(t, "K", where, _invalid(t))})
    if gtype == "MLKEMEncapsTest":
        return ("mlkem.encaps", {**p, "ek": _hex(t, "ek", where), "m": _hex(t, "m", where)},
                {"c": _hex(t, "c", where, _invalid(t)), "k": _hex(t, "K", where, _invalid(t))})
    if gtype == "MLKEMKeyGen":
        return ("mlkem.keygen", {**p, **_split_seed(_hex(t, "seed", where))},
                {"ek": _hex(t, "ek", where, _invalid(t)),
                 "dk": _hex(t, "dk", where, _invalid(t))})
    return ("mlkem.decaps", {**p, "dk": _hex(t, "dk", where), "c": _hex(t, "c", where)},
            {"k": _hex(t, "K", where, _invalid(t))})


def _mldsa_case(gtype: str, ps: str, g: dict[str, Any], t: dict[str, Any],
                where: str) -> tuple[str, Params, Params]:
    p: Params = {"parameter_set": ps}
    # doc/mldsa.md: use msg/ctx (external interface) when present, otherwise the precomputed mu.
    if "msg" in t:
        p.update(interface="external", pre_hash=False, message=_hex(t, "msg", where),
                 context=_hex(t, "ctx", where) if "ctx" in t else "")
    else:
        p.update(interface="internal", mu=_hex(t, "mu", where))
    if gtype == "MlDsaVerify":
        p.update(pk=_hex(g, "publicKey", where), signature=_hex(t, "sig", where))
        return "mldsa.verify", p, {"valid": t.get("result") == "valid"}
    if "privateSeed" in g:
        p["seed"] = _hex(g, "privateSeed", where)
    else:
        p["sk"] = _hex(g, "privateKey", where)
    # doc/mldsa.md: vectors without rnd are deterministic signatures (rnd = 0^32).
    if "rnd" in t:
        p.update(deterministic=False, rnd=_hex(t, "rnd", where))
    else:
        p["deterministic"] = True
    return "mldsa.sign", p, {"signature": _hex(t, "sig", where, _invalid(t))}


def parse_wycheproof(vector_set: str, data: dict[str, Any]) -> list[VectorGroup]:
    """Vector groups of one Wycheproof file; DecodeError for other test types or bad fields."""
    if not is_wycheproof(data):
        raise DecodeError("not a Wycheproof test-vector file")
    groups = []
    for index, g in enumerate(data["testGroups"]):
        if not isinstance(g, dict) or not isinstance(g.get("tests"), list):
            raise DecodeError(f"testGroups[{index}] is not an object with a tests list")
        gtype = g.get("type")
        ps = str(g.get("parameterSet") or data.get("algorithm"))
        source = g.get("source", {}).get("name", "") if isinstance(g.get("source"), dict) else ""
        cases = []
        op = ""
        for t in g["tests"]:
            where = f"testGroups[{index}] tcId {t.get('tcId')}"
            if not isinstance(t.get("tcId"), int):
                raise DecodeError(f"{where}: tcId is not an integer")
            if gtype in _MLKEM_TYPES:
                op, params, expected = _mlkem_case(str(gtype), ps, t, where)
            elif gtype in _MLDSA_TYPES:
                op, params, expected = _mldsa_case(str(gtype), ps, g, t, where)
            else:
                raise DecodeError(f"testGroups[{index}]: unsupported test type {gtype!r}")
            outcome = t.get("result")
            if outcome not in ("valid", "invalid", "acceptable"):
                raise DecodeError(f"{where}: result {outcome!r} is not valid/invalid/acceptable")
            flags = t.get("flags") if isinstance(t.get("flags"), list) else []
            cases.append(VectorCase(t["tcId"], op, params, expected, outcome,
                                    str(t.get("comment", "")), tuple(str(f) for f in flags)))
        if cases:
            label = f"testGroups[{index}] {gtype}" + (f" ({source})" if source else "")
            groups.append(VectorGroup(vector_set, label, ps, op, tuple(cases),
                                      f"Wycheproof {data.get('schema')}"))
    return groups
