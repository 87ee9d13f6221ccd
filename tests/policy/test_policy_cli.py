"""`pqscan evaluate` and `pqscan profiles`: exact output and exit codes via CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from policy_fixtures import report_of

from pqscan.cli.policy import evaluate_command, profiles_group


def run(args: list[str], tmp_path: Path, report: object = None) -> tuple[int, str, str]:
    if report is not None:
        (tmp_path / "r.json").write_text(json.dumps(report), "utf-8")
    result = CliRunner().invoke(evaluate_command, args)
    return result.exit_code, result.stdout, result.stderr


def test_evaluate_json_fills_findings_and_verdicts(tmp_path: Path) -> None:
    code, out, _ = run([str(tmp_path / "r.json"), "--profile", "nist-ir-8547", "--as-of",
                        "2036-06-01", "--format", "json"], tmp_path, report_of("k1-kyber-draft"))
    assert code == 1
    judged = json.loads(out)
    assert judged["evaluation"]["as_of"] == "2036-06-01"
    (endpoint,) = judged["endpoints"]
    assert "kex.state.k1" in {f["code"] for f in endpoint["findings"]}
    verdict = next(v for v in endpoint["verdicts"] if v["requirement"] == "IR8547-KEX-DISALLOWED")
    assert verdict == {
        "profile": "nist-ir-8547", "requirement": "IR8547-KEX-DISALLOWED",
        "title": "Classical-only key establishment is refused (K0)", "severity": "MUST",
        "result": "FAIL",
        "clause": "NIST IR 8547 ipd §4.1.2 Table 4 (all strengths: disallowed after 2035)",
        "evidence": {"as_of": "2036-06-01", "observed": {"tls/kex_state": "K1"},
                     # the report's facts are from its started_at: the verdict says it projects
                     "projection": "judged as of 2036-06-01 on facts observed 2026-06-01"},
        "source_status": "draft", "confidence": "primary",
        "in_force": True, "due": "2036-01-01", "fixes": ["openssl.groups.pq-only"]}


def test_evaluate_exit_codes_by_fail_on(tmp_path: Path) -> None:
    report = report_of("k1-hybrid-rsa")
    base = [str(tmp_path / "r.json"), "--profile", "nist-ir-8547", "--as-of", "2026-06-01"]
    # Only the SHOULD-level IR8547-CERT-LIFETIME fails in 2026.
    assert run(base, tmp_path, report)[0] == 0
    assert run(base + ["--fail-on", "should"], tmp_path)[0] == 1
    assert run(base + ["--fail-on", "never"], tmp_path)[0] == 0


def test_evaluate_incomplete_is_exit_3(tmp_path: Path) -> None:
    code, out, _ = run([str(tmp_path / "r.json"), "--profile", "pq-baseline", "--as-of",
                        "2026-06-01"], tmp_path, report_of("k0-cnsa-mldsa87", "unreachable"))
    assert code == 3
    # the 2 pq-baseline SSH requirements are NOT_APPLICABLE to both TLS endpoints
    assert out.splitlines()[-1] == "verdicts: 6 PASS, 0 FAIL, 6 NOT_TESTED, 4 NOT_APPLICABLE"


def test_evaluate_table_output(tmp_path: Path) -> None:
    code, out, _ = run([str(tmp_path / "r.json"), "--profile", "pq-baseline,anssi",
                        "--as-of", "2026-06-01"], tmp_path, report_of("pure-mlkem768"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "127.0.0.1:8448  status ok  kex K0  as of 2026-06-01"
    row = next(line for line in lines if "ANSSI-PQ-CLAIM-HYBRID" in line)
    assert row.split()[:5] == ["anssi", "ANSSI-PQ-CLAIM-HYBRID", "MUST", "FAIL", "secondary"]
    # pq-baseline: 4 PASS, 2 FAIL (no hybrid), its 2 SSH requirements N/A; anssi: 1 PASS,
    # 2 FAIL (pure ML-KEM).
    assert lines[-1] == "verdicts: 5 PASS, 4 FAIL, 0 NOT_TESTED, 2 NOT_APPLICABLE"


def test_evaluate_output_file(tmp_path: Path) -> None:
    out_file = tmp_path / "judged.json"
    code, out, _ = run([str(tmp_path / "r.json"), "--profile", "cnsa-2.0", "--as-of",
                        "2036-06-01", "--format", "json", "-o", str(out_file)],
                       tmp_path, report_of("k0-cnsa-mldsa87"))
    assert (code, out) == (0, "")
    verdicts = json.loads(out_file.read_text("utf-8"))["endpoints"][0]["verdicts"]
    assert {v["result"] for v in verdicts if v["requirement"].startswith("CNSA2-SSH")} == {
        "NOT_APPLICABLE"}  # SSH requirements do not judge a TLS endpoint
    assert {v["result"] for v in verdicts if not v["requirement"].startswith("CNSA2-SSH")} \
        == {"PASS"}


def test_evaluate_other_schema_version_is_exit_2(tmp_path: Path) -> None:
    report = report_of("k0-cnsa-mldsa87") | {"schema_version": "2"}
    path = str(tmp_path / "r.json")
    code, out, err = run([path, "--profile", "pq-baseline"], tmp_path, report)
    assert (code, out) == (2, "")
    assert err == (f"pqscan: error: {path}: unsupported report schema_version '2' "
                   "(this pqscan reads '1')\n")


def test_evaluate_corrupt_json_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"schema_version": "1", "endpoints": [', "utf-8")
    code, _, err = run([str(path), "--profile", "pq-baseline"], tmp_path)
    assert code == 2
    assert err.startswith(f"pqscan: error: {path}: not valid JSON: Expecting value: line 1")


def test_evaluate_bad_as_of_and_unknown_profile(tmp_path: Path) -> None:
    report = report_of("k0-cnsa-mldsa87")
    code, _, err = run([str(tmp_path / "r.json"), "--profile", "pq-baseline", "--as-of",
                        "2036-02-30"], tmp_path, report)
    assert (code, err) == (2, "pqscan: error: --as-of: bad date '2036-02-30' (expected "
                              "YYYY-MM-DD)\n")
    code, _, err = run([str(tmp_path / "r.json"), "--profile", "nope"], tmp_path)
    assert code == 2 and err.startswith("pqscan: error: unknown profile 'nope'")


def test_malformed_endpoint_is_refused_by_the_schema(tmp_path: Path) -> None:
    """A report that does not match report.schema.json is never judged: exit 2, one line
    naming the first bad JSON path (issue 10 §6)."""
    report = report_of("k0-cnsa-mldsa87")
    report["endpoints"].insert(0, {"target": "x:1", "status": "ok", "tls": {"versions": 7}})
    code, out, err = run([str(tmp_path / "r.json"), "--profile", "pq-baseline", "--as-of",
                          "2026-06-01", "--format", "json"], tmp_path, report)
    assert (code, out) == (2, "")
    assert err.startswith(f"pqscan: error: {tmp_path / 'r.json'}: not a valid pqscan report: "
                          "$.endpoints[0]") and err.count("\n") == 1


def test_profiles_list_show_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(profiles_group, ["list"])
    assert listed.exit_code == 0
    row = next(line for line in listed.stdout.splitlines() if line.startswith("nist-ir-8547"))
    assert row.split()[:4] == ["nist-ir-8547", "ipd-2024-11-12", "NIST", "draft"]
    shown = runner.invoke(profiles_group, ["show", "cnsa-2.0"])
    assert shown.exit_code == 0
    assert shown.stdout.splitlines()[0] == "cnsa-2.0: NSA CNSA 2.0 (web servers and cloud services)"
    row = next(line for line in shown.stdout.splitlines() if "CNSA2-KEX-EXCLUSIVE" in line)
    assert row.split()[:4] == ["CNSA2-KEX-EXCLUSIVE", "MUST", "2034-01-01", "secondary"]
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad Id"\n', "utf-8")
    result = runner.invoke(profiles_group, ["validate", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"pqscan: error: {bad}:1: <top>: missing key 'title'\n"
    good = runner.invoke(profiles_group, ["validate", "profiles/uk-ncsc.toml"])
    assert (good.exit_code, good.stdout) == (0, "profiles/uk-ncsc.toml: ok (uk-ncsc, 3 "
                                                "requirements)\n")
