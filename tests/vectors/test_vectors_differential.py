"""Differential mode: several --impl, reference answers, generated negatives, cross-checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.vectors import vectors_group
from pqscan.conformance.vectors import catalog, multirun, registry
from pqscan.conformance.vectors.adapter_slhdsa import SLHDSAAdapter
from pqscan.conformance.vectors.model import Params

pytest.importorskip("slhdsa")
pytest.importorskip("Crypto.PublicKey.MLKEM")

REPO = Path(__file__).resolve().parents[2]
ACVP = REPO / "testvectors" / "acvp" / "v1.1.0.43"
BROKEN = f"{sys.executable} {Path(__file__).parent / 'adapters' / 'broken_pycryptodome.py'}"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(vectors_group, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = invoke("run", *args, "--format", "json")
    return code, json.loads(out), err


def test_mlkem_implementations_agree_including_hedged_only_cryptography() -> None:
    code, doc, err = _json("--impl", "kyber-py", "--impl", "pycryptodome", "--impl",
                           "cryptography", "--vectors", str(ACVP / "ML-KEM-keyGen-FIPS203"))
    assert code == 0, err
    assert doc["disagreements"] == []
    diff = [r for r in doc["results"] if r["vector_set"] == "differential"]
    # cryptography cannot take a given m, yet its own encapsulations are cross-checked
    assert any(r["group"] == "encapsulated by " + doc["impls"][2] for r in diff)
    assert {r["impl"] for r in diff} == set(doc["impls"])
    assert all(r["failed"] == 0 for r in diff)
    assert all(r["passed"] == 2 for r in diff if r["group"].startswith("encapsulated by"))
    negatives = [r for r in diff if r["group"].startswith("generated negatives")]
    assert {r["parameter_set"] for r in negatives} == {"ML-KEM-512", "ML-KEM-768",
                                                       "ML-KEM-1024"}
    assert set(doc["families"]) == {"ml-kem"}


def test_mldsa_signatures_cross_verified_by_every_implementation() -> None:
    code, doc, err = _json("--impl", "cryptography", "--impl", "dilithium-py", "--impl",
                           "pycryptodome", "--vectors", str(ACVP / "ML-DSA-keyGen-FIPS204"),
                           "--only", "ML-DSA-44")
    assert code == 0, err
    rows = [r for r in doc["results"] if r["vector_set"] == "differential"
            and "signed by" in r["group"]]
    signers = {r["group"].split("signed by ")[1] for r in rows}
    assert signers == set(doc["impls"])
    # every signature checked by all three verifiers: valid + 4 mutated variants each
    pure = [r for r in rows if r["group"].startswith("pure, 255-byte context")]
    assert len(pure) == 9 and all(r["passed"] >= 4 and r["failed"] == 0 for r in pure)


def test_refusing_255_byte_contexts_is_caught_by_the_cross_check() -> None:
    code, doc, _ = _json("--impl", "pycryptodome", "--impl", f"{BROKEN} refuse-255",
                         "--vectors", str(ACVP / "ML-DSA-keyGen-FIPS204"), "--only",
                         "ML-DSA-65")
    assert code == 1
    bad = doc["disagreements"]
    assert bad and all(d["impl"].endswith("refuse-255") for d in bad)
    assert all("255-byte context" in d["group"] for d in bad)


class _FlippingSLHDSA(SLHDSAAdapter):
    """A deliberately broken SLH-DSA: flips the first bit of every signature."""

    name = "flipping slh-dsa"

    def __init__(self) -> None:
        pass

    def call(self, op: str, params: Params) -> dict[str, Any]:
        result = super().call(op, params)
        if op == "slhdsa.sign":
            sig = bytearray.fromhex(result["signature"])
            sig[0] ^= 1
            result["signature"] = sig.hex()
        return result


def test_unanswered_groups_are_judged_against_the_reference() -> None:
    root = catalog.shipped_root()
    source = next(s for s in catalog.discover(root)
                  if s.name == "acvp/v1.1.0.43/SLH-DSA-sigGen-FIPS205")
    groups = [g for g in catalog.load(root, source) if g.parameter_set.endswith("128f")]
    assert groups and all(g.skip_reason for g in groups)
    adapters = [registry.builtin("slh-dsa"), _FlippingSLHDSA(), registry.builtin("slh-dsa")]
    rows = multirun.run(["slh-dsa", "flipping", "slh-dsa"], adapters, groups, "slh-dsa", 1)
    by_impl: dict[int, list[Any]] = {0: [], 1: [], 2: []}
    for i, (_, r) in enumerate(rows):
        by_impl[i % 3].append(r)
    cases = sum(len(g.cases) for g in groups)
    assert sum(r.skipped for r in by_impl[0]) == cases  # the reference: its own answers
    assert sum(r.failed for r in by_impl[1]) == cases  # every flipped signature caught
    assert sum(r.passed for r in by_impl[2]) == cases  # an equal implementation agrees
    assert all("answers used as the reference" in (r.reason or "") for r in by_impl[0])


def test_unknown_impl_lists_builtins_and_exits_2() -> None:
    code, _, err = invoke("run", "--impl", "cryptography", "--impl", "nosuchlib")
    assert code == 2
    assert err.strip() == ("pqscan: error: --impl nosuchlib: not a built-in adapter nor a "
                           "command on PATH; built-in adapters: cryptography, dilithium-py, "
                           "kyber-py, pycryptodome, slh-dsa")


def test_reference_must_be_one_of_the_impls() -> None:
    code, _, err = invoke("run", "--impl", "cryptography", "--reference", "kyber-py")
    assert code == 2 and "--reference kyber-py is not one of the --impl values" in err


def test_table_fits_120_columns_and_formats_write_files(tmp_path: Path) -> None:
    args = ["--impl", "cryptography", "--impl", "kyber-py", "--impl", "pycryptodome",
            "--family", "ml-kem", "--only", "ML-KEM-512"]
    code, out, err = invoke("run", *args)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 120
    assert "ml-kem: " in out and "(passed/failed/skipped)" in out
    for fmt, marker in (("md", "# pqscan vectors"), ("html", "<table>"),
                        ("junit", "<testsuite"), ("json", '"schema_version"')):
        path = tmp_path / f"out.{fmt}"
        code, out, _ = invoke("run", *args, "--format", fmt, "-o", str(path))
        assert code == 0 and out == ""
        assert marker in path.read_text()


def test_family_filter_runs_only_that_family() -> None:
    code, doc, _ = _json("--impl", "pycryptodome", "--family", "ml-dsa", "--only",
                         "keyGen")
    assert code == 0
    assert {r["family"] for r in doc["results"]} == {"ml-dsa"}


def test_results_per_test_type_and_wycheproof_flag() -> None:
    skip_mod = f"{BROKEN} skip-modulus"
    code, doc, _ = _json("--impl", skip_mod, "--impl", "pycryptodome", "--family", "ml-kem",
                         "--only", "ML-KEM-768")
    assert code == 1
    broken, good = doc["impls"]
    checks = doc["test_types"]["mlkem.ek_check"]
    assert checks[good]["failed"] == 0 and checks[broken]["failed"] > 0
    assert all(c[good]["failed"] == 0 for c in doc["test_types"].values())
    assert {"ModulusOverflow", "InvalidDecapsulationKey"} <= set(doc["wycheproof_flags"])
    code, out, _ = invoke("run", "--impl", skip_mod, "--impl", "pycryptodome", "--family",
                          "ml-kem", "--only", "ML-KEM-768")
    assert "failed mlkem.ek_check: [1] pycryptodome" in out
    assert f"implementation [2]: {good}" in out
    assert max(len(line) for line in out.splitlines()) <= 120
