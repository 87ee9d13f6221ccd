"""`pqscan vectors` through click and the subprocess protocol: example adapter, bad adapters."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from click.testing import CliRunner

from pqscan.cli.vectors import vectors_group
from pqscan.conformance.vectors import catalog, runner
from pqscan.conformance.vectors.adapter_cryptography import CryptographyAdapter
from pqscan.conformance.vectors.protocol import SubprocessAdapter

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = f"{sys.executable} {REPO / 'examples' / 'vector-adapter' / 'cryptography_adapter.py'}"
BROKEN = f"{sys.executable} {Path(__file__).parent / 'adapters' / 'broken_adapter.py'}"
MLKEM768 = str(REPO / "testvectors" / "wycheproof" / "mlkem_768_test.json")
MLKEM_ACVP = str(REPO / "testvectors" / "acvp" / "v1.1.0.43" / "ML-KEM-encapDecap-FIPS203-tr1")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(vectors_group, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_example_adapter_matches_in_process_adapter_on_all_vectors() -> None:
    root = catalog.shipped_root()
    groups = [g for s in catalog.discover(root) for g in catalog.load(root, s)]
    adapter = SubprocessAdapter(EXAMPLE, timeout=10)
    try:
        remote = runner.run_groups(adapter, groups)
    finally:
        adapter.close()
    local = runner.run_groups(CryptographyAdapter(), groups)
    assert [(r.passed, r.failed, r.skipped) for r in remote] == \
        [(r.passed, r.failed, r.skipped) for r in local]
    assert sum(r.failed for r in remote) == 0


def test_run_json_output_and_exit_zero() -> None:
    code, out, err = invoke("run", "--impl", EXAMPLE, "--vectors", MLKEM768, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] == "1"
    assert doc["impl"].startswith("cryptography ") and "(example adapter) via " in doc["impl"]
    assert [set(r) >= {"vector_set", "group", "passed", "failed", "skipped", "reason"}
            for r in doc["results"]] == [True, True]
    assert doc["totals"] == {"passed": 193, "failed": 0, "skipped": 0}


def test_flipped_shared_secret_fails_with_exit_one_and_junit(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    code, out, _ = invoke("run", "--impl", f"{BROKEN} flip-k", "--vectors", MLKEM768,
                          "--junit", str(junit))
    assert code == 1
    assert "total: 40 passed, 153 failed, 0 skipped in 2 groups" in out
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "2"
    failures = [f.text or "" for f in suite.iter("failure")]
    assert failures[0] == "failing tcIds: 1"
    # The 40 invalid cases (refused) are not among the failing tcIds.
    listed = {int(t) for f in failures for t in f.split(": ")[1].split(", ")}
    data = json.loads(Path(MLKEM768).read_text())
    valid = {t["tcId"] for g in data["testGroups"] for t in g["tests"] if t["result"] == "valid"}
    assert listed == valid


def _run_broken(mode: str, timeout: str = "10") -> dict[str, Any]:
    code, out, err = invoke("run", "--impl", f"{BROKEN} {mode}", "--vectors", MLKEM_ACVP,
                            "--format", "json", "--timeout", timeout)
    assert code == 1, (out, err)
    return json.loads(out)


def _check_isolated(doc: dict[str, Any], reason: str) -> None:
    results = doc["results"]
    assert isinstance(results, list)
    decaps = [r for r in results if "function=decapsulation," in r["group"]
              and r["parameter_set"] != "ML-KEM-512"
              and "keyformat=seed" in r["group"]]
    assert decaps and all(r["failed"] == 5 and reason in r["reason"] for r in decaps)
    # Other groups still ran (the adapter was restarted after each failure).
    others = [r for r in results if r not in decaps]
    assert all(r["failed"] == 0 for r in others)
    assert sum(r["skipped"] for r in others) > 0


def test_crashing_adapter_fails_only_that_group() -> None:
    _check_isolated(_run_broken("crash-decaps"), "adapter exited (code 3): boom")


def test_hanging_adapter_is_timed_out() -> None:
    _check_isolated(_run_broken("hang-decaps", "0.5"), "no answer to mlkem.decaps within 0.5 s")


def test_garbage_answers_fail_the_group() -> None:
    _check_isolated(_run_broken("garbage-decaps"), "garbage answer to mlkem.decaps")


def test_wrong_id_fails_the_group() -> None:
    _check_isolated(_run_broken("wrong-id"), "is not an object with id")


def test_adapter_dying_before_handshake() -> None:
    doc = _run_broken("crash-start")
    assert all(r["failed"] and "adapter refuses to start" in r["reason"]
               for r in doc["results"])


def test_unknown_impl_is_usage_error() -> None:
    code, _, err = invoke("run", "--impl", "/nonexistent/adapter", "--vectors", MLKEM768)
    assert code == 2
    assert err.strip().splitlines() == [
        "pqscan: error: --impl /nonexistent/adapter: cannot start: No such file or directory"]


def test_non_vector_json_is_warned_and_skipped_and_the_rest_still_runs(tmp_path: Path) -> None:
    shutil.copy(MLKEM768, tmp_path / "good.json")
    (tmp_path / "bad.json").write_text('{"hello": "world"}')
    (tmp_path / "broken.json").write_text("{not json")
    code, out, err = invoke("run", "--impl", "cryptography", "--vectors", str(tmp_path))
    assert code == 0
    assert "total: 193 passed, 0 failed, 0 skipped in 2 groups" in out
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == (f"pqscan: warning: {tmp_path}/bad.json: unknown vector format "
                        "(neither ACVP nor Wycheproof JSON); skipped")
    assert lines[1].startswith(f"pqscan: warning: {tmp_path}/broken.json: unknown vector format")


def test_malformed_vector_file_is_an_error_naming_it(tmp_path: Path) -> None:
    shutil.copy(MLKEM768, tmp_path / "good.json")
    doc = json.loads(Path(MLKEM768).read_text())
    doc["testGroups"][0]["tests"][0]["tcId"] = "one"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    code, out, err = invoke("run", "--impl", "cryptography", "--vectors", str(tmp_path))
    assert code == 2
    assert "total: 193 passed, 0 failed, 0 skipped in 2 groups" in out  # the good file ran
    assert err.strip().splitlines() == [
        f"pqscan: error: {tmp_path}/bad.json: bad vector file: testGroups[0] tcId one: tcId is not "
        "an integer"]


def test_single_non_vector_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[]")
    code, _, err = invoke("run", "--impl", "cryptography", "--vectors", str(tmp_path / "x.json"))
    assert code == 2 and err.startswith("pqscan: error: ") and "unknown vector format" in err


def test_missing_vectors_path() -> None:
    code, _, err = invoke("run", "--impl", "cryptography", "--vectors", "/nonexistent")
    assert code == 2 and "--vectors /nonexistent: no such file or directory" in err


def test_list_shipped_vector_sets() -> None:
    code, out, _ = invoke("list", "--format", "json")
    assert code == 0
    sets = {s["vector_set"]: s for s in json.loads(out)["vector_sets"]}
    assert len(sets) == 32
    assert sets["acvp/v1.1.0.43/ML-KEM-keyGen-FIPS203"]["cases"] == 39
    assert sets["wycheproof/mlkem_768_test"]["ops"] == ["mlkem.decaps"]


def test_kyber_py_builtin_runs_mlkem_512() -> None:
    path = str(REPO / "testvectors" / "wycheproof" / "mlkem_512_keygen_seed_test.json")
    code, out, _ = invoke("run", "--impl", "kyber-py", "--vectors", path)
    assert code == 0
    assert "total: 100 passed, 0 failed, 0 skipped in 1 groups" in out
