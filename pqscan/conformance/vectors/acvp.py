"""The ACVP vector-set reader: NIST ACVP JSON (FIPS 203/204/205) turned into vector groups.

Handles prompt.json + expectedResults.json pairs and single files that carry inputs and answers
(internalProjection.json, or third-party copies such as pslhdsa's with lower-cased keys).
Key names are compared case-insensitively for that reason.
"""

from __future__ import annotations

from typing import Any

from pqscan.conformance.vectors.model import Params, VectorCase, VectorGroup
from pqscan.errors import DecodeError

# Expected-answer fields per (algorithm, mode[, function]); ACVP spec names, lower-cased.
_ANSWERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ML-KEM", "keygen"): ("ek", "dk"),
    ("ML-KEM", "encapsulation"): ("c", "k"),
    ("ML-KEM", "decapsulation"): ("k",),
    ("ML-KEM", "encapsulationkeycheck"): ("testpassed",),
    ("ML-KEM", "decapsulationkeycheck"): ("testpassed",),
    ("ML-DSA", "keygen"): ("pk", "sk"),
    ("ML-DSA", "siggen"): ("signature",),
    ("ML-DSA", "sigver"): ("testpassed",),
    ("SLH-DSA", "keygen"): ("sk", "pk"),
    ("SLH-DSA", "siggen"): ("signature",),
    ("SLH-DSA", "sigver"): ("testpassed",),
}


def _lower(d: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in d.items()}


def _hex(test: dict[str, Any], key: str) -> str:
    value = test.get(key)
    if not isinstance(value, str):
        raise DecodeError(f"tcId {test.get('tcid')}: field {key!r} missing or not a hex string")
    return value.lower()


def is_acvp(data: Any) -> bool:
    """True for an ACVP vector-set document (prompt, answers or projection)."""
    if not isinstance(data, dict):
        return False
    keys = {k.lower() for k in data}
    return "vsid" in keys and "testgroups" in keys and "algorithm" in keys


def _groups(data: dict[str, Any]) -> list[dict[str, Any]]:
    groups = _lower(data).get("testgroups")
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise DecodeError("testGroups is not a list of objects")
    return [_lower(g) for g in groups]


def _merge(prompt: dict[str, Any], answers: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Prompt groups with each test's answer fields merged in (matched by tgId/tcId)."""
    by_id: dict[tuple[Any, Any], dict[str, Any]] = {}
    if answers is not None:
        for g in _groups(answers):
            for t in g.get("tests", []):
                t = _lower(t)
                by_id[(g.get("tgid"), t.get("tcid"))] = t
    merged = []
    for g in _groups(prompt):
        tests = g.get("tests")
        if not isinstance(tests, list):
            raise DecodeError(f"tgId {g.get('tgid')}: tests is not a list")
        g = dict(g)
        g["tests"] = [{**_lower(t), **by_id.get((g.get("tgid"), _lower(t).get("tcid")), {})}
                      for t in tests]
        merged.append(g)
    return merged


def _kem_case(func: str, g: dict[str, Any], t: dict[str, Any],
              params: Params) -> tuple[str, Params]:
    if func == "keygen":
        return "mlkem.keygen", {**params, "d": _hex(t, "d"), "z": _hex(t, "z")}
    if func == "encapsulation":
        return "mlkem.encaps", {**params, "ek": _hex(t, "ek"), "m": _hex(t, "m")}
    if func == "decapsulation":
        # FIPS203-tr1 adds keyFormat: the decapsulation key as seed (d, z) or expanded dk.
        if g.get("keyformat") == "seed":
            return "mlkem.decaps", {**params, "d": _hex(t, "d"), "z": _hex(t, "z"),
                                    "c": _hex(t, "c")}
        return "mlkem.decaps", {**params, "dk": _hex(t, "dk"), "c": _hex(t, "c")}
    if func == "encapsulationkeycheck":
        return "mlkem.ek_check", {**params, "ek": _hex(t, "ek")}
    if func == "decapsulationkeycheck":
        return "mlkem.dk_check", {**params, "dk": _hex(t, "dk")}
    raise DecodeError(f"tgId {g.get('tgid')}: unknown ML-KEM function {func!r}")


def _sig_inputs(alg: str, g: dict[str, Any], t: dict[str, Any], params: Params) -> Params:
    """Message-side inputs shared by sigGen and sigVer (FIPS 204 s5.2/5.4, FIPS 205 s10)."""
    # The legacy SLH-DSA sample sets predate signatureInterface: they are internal-only.
    interface = str(g.get("signatureinterface", "internal")).lower()
    p = {**params, "interface": interface}
    if interface == "external":
        pre_hash = str(g.get("prehash", "pure")).lower() == "prehash"
        p["pre_hash"] = pre_hash
        p["context"] = _hex(t, "context") if "context" in t else ""
        if pre_hash:
            p["hash_alg"] = t.get("hashalg")
        p["message"] = _hex(t, "message")
    elif g.get("externalmu") is True:
        p["mu"] = _hex(t, "mu")
    else:
        p["message"] = _hex(t, "message")
    return p


def _sig_case(alg: str, mode: str, g: dict[str, Any], t: dict[str, Any],
              params: Params) -> tuple[str, Params]:
    prefix = "mldsa" if alg == "ML-DSA" else "slhdsa"
    if mode == "keygen":
        if alg == "ML-DSA":
            return "mldsa.keygen", {**params, "seed": _hex(t, "seed")}
        return "slhdsa.keygen", {**params, "sk_seed": _hex(t, "skseed"),
                                 "sk_prf": _hex(t, "skprf"), "pk_seed": _hex(t, "pkseed")}
    p = _sig_inputs(alg, g, t, params)
    if mode == "siggen":
        if g.get("keyformat") == "seed":
            p["seed"] = _hex(t, "seed")
        else:
            p["sk"] = _hex(t, "sk")
        deterministic = g.get("deterministic") is True
        p["deterministic"] = deterministic
        if not deterministic:
            # ML-DSA: rnd (FIPS 204 Alg. 2); SLH-DSA: addrnd (FIPS 205 Alg. 22).
            p["rnd"] = _hex(t, "rnd" if alg == "ML-DSA" else "additionalrandomness")
        return f"{prefix}.sign", p
    if mode == "sigver":
        p["pk"] = _hex(t, "pk")
        p["signature"] = _hex(t, "signature")
        return f"{prefix}.verify", p
    raise DecodeError(f"unknown {alg} mode {mode!r}")


def parse_acvp(vector_set: str, prompt: dict[str, Any],
               answers: dict[str, Any] | None = None) -> list[VectorGroup]:
    """Vector groups of one ACVP vector set; raises DecodeError on anything malformed."""
    top = _lower(prompt)
    alg = str(top.get("algorithm", ""))
    mode = str(top.get("mode", "")).lower()
    if alg not in ("ML-KEM", "ML-DSA", "SLH-DSA"):
        raise DecodeError(f"unsupported ACVP algorithm {alg!r}")
    source = f"ACVP {alg} {top.get('mode')} revision {top.get('revision')} vsId {top.get('vsid')}"
    groups = []
    for g in _merge(prompt, answers):
        tgid = g.get("tgid")
        ps = str(g.get("parameterset", ""))
        func = str(g.get("function", mode)).lower() if alg == "ML-KEM" else mode
        answer_keys = _ANSWERS.get((alg, func))
        if answer_keys is None:
            raise DecodeError(f"tgId {tgid}: unsupported {alg} mode/function {func!r}")
        label = f"tgId {tgid}"
        extras = [f"{k}={g[k]}" for k in ("function", "keyformat", "signatureinterface",
                                           "prehash", "externalmu", "deterministic") if k in g]
        if extras:
            label += " (" + ", ".join(extras) + ")"
        cases, missing = [], 0
        op = ""
        for t in g["tests"]:
            params: Params = {"parameter_set": ps}
            if alg == "ML-KEM":
                op, params = _kem_case(func, g, t, params)
            else:
                op, params = _sig_case(alg, mode, g, t, params)
            if not all(k in t for k in answer_keys):
                missing += 1
                expected: Params = {}
            elif answer_keys == ("testpassed",):
                expected = {"valid": bool(t["testpassed"])}
            else:
                expected = {k: _hex(t, k) for k in answer_keys}
            tc = t.get("tcid")
            if not isinstance(tc, int):
                raise DecodeError(f"tgId {tgid}: tcId {tc!r} is not an integer")
            cases.append(VectorCase(tc, op, params, expected, "valid", str(t.get("reason", ""))))
        skip = f"{missing} of {len(cases)} test cases have no expected answer" if missing else None
        if not cases:
            continue
        groups.append(VectorGroup(vector_set, label, ps, op, tuple(cases), source, skip))
    return groups
