"""Differential testing: generated negative cases and cross-checks between implementations.

Keys come from the shipped keyGen vectors (first answered case per parameter set), so nothing
here depends on a random key. Negative cases (FIPS 203 s7.2/7.3 key checks, wrong lengths,
256-byte contexts) are ordinary vector groups, judged by the runner for every adapter.
Cross-checks need a fresh signature or encapsulation, so they run here: each signer signs
(hedged, with its own randomness: so hedged-only signers take part) with a 255-byte context,
and every verifier must accept it and reject its bit-flipped, infinity-norm-violating and
hint-malformed variants (FIPS 204 Alg. 21, Alg. 8 line 13); each encapsulator's ciphertext must
decapsulate to the same key everywhere, and a flipped ciphertext to the same implicit-rejection
key everywhere (FIPS 203 Alg. 18 lines 8-11).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from pqscan.conformance.vectors.adapter import Adapter, AdapterFailure, Refused, Unsupported
from pqscan.conformance.vectors.model import GroupResult, Params, VectorCase, VectorGroup

SET = "differential"
MESSAGE = b"pqscan differential cross-check".hex()
CTX255, CTX256 = "5a" * 255, "5a" * 256
# FIPS 204 Table 1/2: (c~ bytes, bits per z coefficient, k, omega).
_MLDSA = {"ML-DSA-44": (32, 18, 4, 80), "ML-DSA-65": (48, 20, 6, 55),
          "ML-DSA-87": (64, 20, 8, 75)}
_KEYGEN = {"mlkem.keygen": "mlkem", "mldsa.keygen": "mldsa", "slhdsa.keygen": "slhdsa"}


def keys(groups: Sequence[VectorGroup]) -> dict[str, tuple[str, Params, Params]]:
    """parameter set -> (family, keyGen inputs, keyGen answers), first answered valid case."""
    out: dict[str, tuple[str, Params, Params]] = {}
    for g in groups:
        if g.op in _KEYGEN and g.parameter_set not in out:
            for c in g.cases:
                if c.outcome == "valid" and c.expected and all(
                        isinstance(v, str) and v for v in c.expected.values()):
                    out[g.parameter_set] = (_KEYGEN[g.op], c.params, c.expected)
                    break
    return out


def _flip(hexstr: str, byte: int = 0) -> str:
    raw = bytearray.fromhex(hexstr)
    raw[byte] ^= 1
    return raw.hex()


def _group(ps: str, label: str, cases: list[VectorCase]) -> VectorGroup:
    return VectorGroup(SET, f"generated negatives: {label}", ps, cases[0].op, tuple(cases),
                       "pqscan generated")


def negative_groups(groups: Sequence[VectorGroup]) -> list[VectorGroup]:
    """Cases every conforming implementation must refuse, one group per (set, op)."""
    out: list[VectorGroup] = []
    for ps, (family, inputs, answers) in sorted(keys(groups).items()):
        base: Params = {"parameter_set": ps}
        if family == "mlkem":
            ek = answers["ek"]
            # FIPS 203 s7.2: ByteEncode12(ByteDecode12(ek)) != ek when a coefficient >= q;
            # the first coefficient is the low 12 bits of bytes 0-1: set it to q = 3329.
            raw = bytearray.fromhex(ek)
            raw[0], raw[1] = 0x01, (raw[1] & 0xF0) | 0x0D
            bad = {"coefficient >= q (s7.2)": raw.hex(), "one byte short": ek[:-2]}
            out.append(_group(ps, "ek check", [
                VectorCase(i, "mlkem.ek_check", {**base, "ek": v}, {"valid": False}, "invalid",
                           why) for i, (why, v) in enumerate(bad.items(), 1)]))
            out.append(_group(ps, "encaps input check", [
                VectorCase(i, "mlkem.encaps", {**base, "ek": v, "m": "00" * 32}, {}, "invalid",
                           why) for i, (why, v) in enumerate(bad.items(), 1)]))
            dk = answers["dk"]
            # FIPS 203 s7.3: H(ek) inside dk must match; it sits 64 bytes before the end.
            bad_dk = {"H(ek) altered (s7.3)": _flip(dk, len(dk) // 2 - 64),
                      "one byte short": dk[:-2]}
            out.append(_group(ps, "dk check", [
                VectorCase(i, "mlkem.dk_check", {**base, "dk": v}, {"valid": False}, "invalid",
                           why) for i, (why, v) in enumerate(bad_dk.items(), 1)]))
            out.append(_group(ps, "decaps wrong-length ciphertext", [
                VectorCase(1, "mlkem.decaps", {**base, "d": inputs["d"], "z": inputs["z"],
                                               "c": "00" * 100}, {}, "invalid",
                           "ciphertext of the wrong length")]))
            continue
        key = {"seed": inputs["seed"]} if family == "mldsa" else {"sk": answers["sk"]}
        sign = {**base, **key, "interface": "external", "pre_hash": False,
                "message": MESSAGE, "deterministic": True}
        short = ({"seed": inputs["seed"][:-2]} if family == "mldsa"
                 else {"sk": answers["sk"][:-2]})
        out.append(_group(ps, "sign input checks", [
            VectorCase(1, f"{family}.sign", {**sign, "context": CTX256}, {}, "invalid",
                       "256-byte context (FIPS 204 Alg. 2 / FIPS 205 Alg. 22)"),
            VectorCase(2, f"{family}.sign", {**sign, **short, "context": ""}, {}, "invalid",
                       "private key one byte short")]))
    return out


def _answer(adapter: Adapter, op: str, params: Params) -> tuple[str, Any]:
    """("result", dict) | ("unsupported"|"refused"|"failure", reason)."""
    try:
        return "result", adapter.call(op, params)
    except Unsupported as exc:
        return "unsupported", str(exc)
    except Refused as exc:
        return "refused", str(exc)
    except AdapterFailure as exc:
        adapter.restart()
        return "failure", str(exc)


def _sig_variants(ps: str, sig: str) -> dict[str, str]:
    """Signatures every verifier must reject, derived from a valid one."""
    out = {"bit-flipped signature": _flip(sig, 0)}
    if ps in _MLDSA:
        ct, bits, k, omega = _MLDSA[ps]
        raw = bytearray.fromhex(sig)
        # z_0 = gamma1 - packed value: packed 0 gives ||z||inf = gamma1 >= gamma1 - beta.
        raw[ct] = raw[ct + 1] = 0
        raw[ct + 2] &= 0xFF ^ ((1 << (bits - 16)) - 1)
        out["z infinity-norm violation"] = raw.hex()
        raw = bytearray.fromhex(sig)
        raw[len(raw) - k] = omega + 1  # first hint offset beyond omega (Alg. 21 line 4)
        out["hint offset beyond omega"] = raw.hex()
        raw = bytearray.fromhex(sig)
        if raw[-1] < omega:  # padding after the last hint index must be zero (line 10)
            raw[len(raw) - k - 1] = 1
            out["hint padding not zero"] = raw.hex()
    else:
        out["signature one byte short"] = sig[:-2]
    return out


def _row(impl: str, group: str, ps: str, verdicts: list[str | None],
         skipped: list[str]) -> tuple[str, GroupResult]:
    fails = [v for v in verdicts if v is not None]
    reason = "; ".join(fails[:3] + skipped[:1]) or None
    return impl, GroupResult(SET, group, ps, len(verdicts) - len(fails), len(fails),
                             len(skipped), reason,
                             tuple(i for i, v in enumerate(verdicts, 1) if v is not None))


def _sig_cross(adapters: Sequence[Adapter], ps: str, family: str, inputs: Params,
               answers: Params) -> list[tuple[str, GroupResult]]:
    """Sign with each signer, verify with each verifier: the valid one and its mutations."""
    rows = []
    key = {"seed": inputs["seed"]} if family == "mldsa" else {"sk": answers["sk"]}
    variants: tuple[tuple[str, Params], ...] = (
        ("pure, 255-byte context", {"pre_hash": False, "context": CTX255}),
        ("preHash SHA2-512", {"pre_hash": True, "hash_alg": "SHA2-512", "context": ""}))
    for variant, extra in variants:
        msg = {"parameter_set": ps, "interface": "external", "message": MESSAGE, **extra}
        for signer in adapters:
            kind, got = _answer(signer, f"{family}.sign", {**msg, **key, "deterministic": False})
            label = f"{variant}: signed by {signer.name}"
            if kind == "unsupported":
                continue
            if kind != "result" or not isinstance(got.get("signature"), str):
                rows.append(_row(signer.name, label, ps, [f"signer {kind}: {got}"], []))
                continue
            sigs: list[tuple[str, str, Params]] = [(what, sig, {}) for what, sig in (
                ("valid signature", got["signature"]),
                *_sig_variants(ps, got["signature"]).items())]
            if extra["context"]:  # the same signature under a 256-byte context: refused
                sigs.append(("256-byte context", got["signature"], {"context": CTX256}))
            for verifier in adapters:
                verdicts: list[str | None] = []
                skipped: list[str] = []
                for what, sig, override in sigs:
                    params = {**msg, "pk": answers["pk"], "signature": sig, **override}
                    vkind, vgot = _answer(verifier, f"{family}.verify", params)
                    if vkind == "unsupported":
                        skipped.append(f"verify unsupported: {vgot}")
                        continue
                    want = what == "valid signature"
                    ok = (vkind == "result" and vgot.get("valid") is want) or (
                        not want and vkind == "refused")
                    verdicts.append(None if ok else f"{what}: {vkind} {vgot}"[:160])
                if verdicts:
                    rows.append(_row(verifier.name, label, ps, verdicts, skipped))
    return rows


def _kem_cross(adapters: Sequence[Adapter], ps: str, inputs: Params,
               answers: Params) -> list[tuple[str, GroupResult]]:
    rows = []
    seed = {"parameter_set": ps, "d": inputs["d"], "z": inputs["z"]}
    for enc in adapters:
        params = {"parameter_set": ps, "ek": answers["ek"], "m": os.urandom(32).hex()}
        kind, got = _answer(enc, "mlkem.encaps", params)
        if kind == "unsupported":  # e.g. no caller-supplied m: use its own randomness
            kind, got = _answer(enc, "mlkem.encaps", {k: params[k] for k in params if k != "m"})
        if kind == "unsupported":
            continue
        label = f"encapsulated by {enc.name}"
        if kind != "result":
            rows.append(_row(enc.name, label, ps, [f"encapsulator {kind}: {got}"], []))
            continue
        rejected: dict[str, str] = {}
        for dec in adapters:
            verdicts: list[str | None] = []
            k_kind, k_got = _answer(dec, "mlkem.decaps", {**seed, "c": got["c"]})
            if k_kind == "unsupported":
                continue
            verdicts.append(None if k_kind == "result" and k_got.get("k") == got["k"]
                            else f"shared key differs: {k_kind}")
            r_kind, r_got = _answer(dec, "mlkem.decaps", {**seed, "c": _flip(got["c"])})
            if r_kind == "result" and r_got.get("k") != got["k"]:
                rejected[dec.name] = str(r_got.get("k"))
                verdicts.append(None if len(set(rejected.values())) == 1 else
                                "implicit-rejection key differs from "
                                f"{next(iter(rejected))}'s")
            else:
                verdicts.append(f"flipped ciphertext not implicitly rejected: {r_kind}")
            rows.append(_row(dec.name, label, ps, verdicts, []))
    return rows


def cross_check(adapters: Sequence[Adapter],
                groups: Sequence[VectorGroup]) -> list[tuple[str, GroupResult]]:
    """(implementation name, result row) for every cross-check, key by key."""
    rows: list[tuple[str, GroupResult]] = []
    families = {g.op.split(".")[0] for g in groups}
    for ps, (family, inputs, answers) in sorted(keys(groups).items()):
        if family not in families:
            continue
        if family == "mlkem":
            rows.extend(_kem_cross(adapters, ps, inputs, answers))
        else:
            rows.extend(_sig_cross(adapters, ps, family, inputs, answers))
    return rows
