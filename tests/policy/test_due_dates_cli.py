"""Due dates through the command line (CliRunner): `--as-of` moves "now", `--fail-on-due YEARS`
gates on failures due within YEARS, and pq-baseline is applied when no --profile is given."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.exitcode import due_horizon
from pqscan.cli.main import cli


def _saved(lab_report: dict[str, Any], tmp_path: Path, *labels: str) -> Path:
    path = tmp_path / "scan.json"
    endpoints = [ep for ep in lab_report["endpoints"] if ep["label"] in labels]
    path.write_text(json.dumps({**lab_report, "endpoints": endpoints}), "utf-8")
    return path


def _evaluate(path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout), result.stderr


@pytest.mark.lab
def test_as_of_moves_now_on_cnsa_and_ir8547(lab_report: dict[str, Any], tmp_path: Path) -> None:
    """The ML-KEM-1024 / ML-DSA-87 server against cnsa-2.0,nist-ir-8547: the same verdicts
    at every date (it passes), only `in_force` moves; the hybrid RSA server's failures go
    from DUE to in force as "now" passes their dates."""
    path = _saved(lab_report, tmp_path, "mlkem1024-only", "hybrid-preferred")
    by_date = {}
    for as_of in ("2026-12-01", "2031-06-01", "2036-06-01"):
        code, judged, _ = _evaluate(path, "--profile", "cnsa-2.0,nist-ir-8547", "--as-of",
                                    as_of)
        by_date[as_of] = (code, {ep["label"]: ep for ep in judged["endpoints"]})
    for as_of, (_, endpoints) in by_date.items():
        cnsa = endpoints["mlkem1024-only"]
        assert not [v for v in cnsa["verdicts"] if v["result"] == "FAIL"], as_of
        assert cnsa["readiness"]["level"] == "L4"
    hybrid = {d: {v["requirement"]: (v["result"], v["in_force"], v["due"])
                  for v in eps["hybrid-preferred"]["verdicts"]} for d, (_, eps) in by_date.items()}
    assert hybrid["2026-12-01"]["IR8547-SIG-DISALLOWED"] == ("FAIL", False, "2036-01-01")
    assert hybrid["2031-06-01"]["IR8547-SIG-DISALLOWED"] == ("FAIL", False, "2036-01-01")
    assert hybrid["2036-06-01"]["IR8547-SIG-DISALLOWED"] == ("FAIL", True, "2036-01-01")
    assert hybrid["2026-12-01"]["IR8547-SIG-112-DEPRECATED"] == ("FAIL", False, "2031-01-01")
    assert hybrid["2031-06-01"]["IR8547-SIG-112-DEPRECATED"] == ("FAIL", True, "2031-01-01")
    # CNSA 2.0's 2026 rows are in force from the start: exit 1 at every date
    assert {code for code, _ in by_date.values()} == {1}
    deadlines = {d: eps["hybrid-preferred"]["readiness"]["next_deadline"]
                 for d, (_, eps) in by_date.items()}
    assert deadlines["2026-12-01"]["date"] == "2031-01-01"
    assert deadlines["2031-06-01"]["date"] == "2034-01-01"  # CNSA 2.0 exclusive use
    assert deadlines["2036-06-01"] is None


@pytest.mark.lab
def test_fail_on_due_years_gates_on_failures_due_within_them(
        lab_report: dict[str, Any], tmp_path: Path) -> None:
    """hybrid-preferred passes nist-ir-8547 in force on 2026-12-01 and FAILs rows due
    2031-01-01 (SHOULD) and 2036-01-01 (MUST)."""
    path = _saved(lab_report, tmp_path, "hybrid-preferred")
    base = ["--profile", "nist-ir-8547", "--as-of", "2026-12-01"]
    assert _evaluate(path, *base)[0] == 0
    assert _evaluate(path, *base, "--fail-on", "should")[0] == 0  # nothing in force fails
    # 2031-01-01 is within 5 years of 2026-12-01 (horizon 2031-12-01), not within 4
    assert _evaluate(path, *base, "--fail-on", "should", "--fail-on-due", "4")[0] == 0
    assert _evaluate(path, *base, "--fail-on", "should", "--fail-on-due", "5")[0] == 1
    # the MUST row is due 2036-01-01: the default --fail-on must needs 10 years
    assert _evaluate(path, *base, "--fail-on-due", "9")[0] == 0
    code, judged, stderr = _evaluate(path, *base, "--fail-on-due", "10")
    assert code == 1, stderr
    assert judged["evaluation"]["fail_on_due"] == 10  # renderers show the same gate
    assert _evaluate(path, *base)[1]["evaluation"]["fail_on_due"] is None
    bad = CliRunner().invoke(cli, ["evaluate", str(path), *base, "--fail-on-due", "-1"])
    assert bad.exit_code == 2 and "--fail-on-due" in bad.stderr


@pytest.mark.lab
def test_scan_fail_on_due(lab: dict[str, Any]) -> None:
    address = lab["hybrid-preferred"].address
    base = ["scan", address, "--sni", "localhost", "--quiet", "--profile", "nist-ir-8547",
            "--as-of", "2026-12-01"]
    assert CliRunner().invoke(cli, base).exit_code == 0
    due = CliRunner().invoke(cli, [*base, "--fail-on-due", "10", "--format", "json"])
    assert due.exit_code == 1, due.output
    assert json.loads(due.stdout)["evaluation"]["fail_on_due"] == 10


def test_due_horizon() -> None:
    assert due_horizon("2026-12-01", None) is None
    assert due_horizon("2026-12-01", 5) == "2031-12-01"
    assert due_horizon("2028-02-29", 1) == "2029-02-28"
    with pytest.raises(ValueError):
        due_horizon("2026-12-01", -1)


@pytest.mark.lab
def test_no_profile_means_pq_baseline_and_says_so(lab: dict[str, Any], tmp_path: Path) -> None:
    """A classical server scanned without --profile: exit 1 (pq-baseline fails), stderr says
    why, the JUnit file has test cases (a CI gate no longer reads 0 tests as green)."""
    junit = tmp_path / "r.xml"
    address = lab["classical"].address
    result = CliRunner().invoke(cli, ["scan", address, "--sni", "localhost", "--quiet",
                                      "--format", "junit", "-o", str(junit)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        "pqscan: judged against pq-baseline, the default profile (--profile ID to choose, "
        "--profile none to skip)")
    suites = ET.parse(junit).getroot()
    cases = suites.findall(".//testcase")
    assert cases and any(c.find("failure") is not None for c in cases)
    none = CliRunner().invoke(cli, ["scan", address, "--sni", "localhost", "--quiet",
                                    "--format", "json", "--profile", "none"])
    assert none.exit_code == 0 and none.stderr == ""
    report = json.loads(none.stdout)
    assert report["endpoints"][0]["verdicts"] == []
    assert report["evaluation"]["summary"]["default_profile"] is False
    assert report["endpoints"][0]["readiness"]["level"] == "L1"  # judged all the same
    mixed = CliRunner().invoke(cli, ["scan", address, "--profile", "none,cnsa-2.0"])
    assert mixed.exit_code == 2 and "--profile none" in mixed.stderr


@pytest.mark.lab
def test_evaluate_without_profile_uses_pq_baseline(lab_report: dict[str, Any],
                                                    tmp_path: Path) -> None:
    path = _saved(lab_report, tmp_path, "tls12-only")
    code, judged, stderr = _evaluate(path)
    assert code == 1 and "the default profile" in stderr
    summary = judged["evaluation"]["summary"]
    assert summary["default_profile"] is True
    assert [p["id"] for p in summary["profiles"]] == ["pq-baseline"]
    assert judged["endpoints"][0]["readiness"]["level"] == "L0"
    table = CliRunner().invoke(cli, ["evaluate", str(path)])
    assert "0 of 1 endpoints post-quantum ready (L3+); 1 must change (1 failing now)" in \
        table.stdout and "(the default profile; profile 'none' skips it)" in table.stdout
    code, judged, _ = _evaluate(path, "--profile", "none")
    assert code == 0 and judged["endpoints"][0]["verdicts"] == []


def test_evaluate_of_an_old_report_recomputes_every_judgement(tmp_path: Path) -> None:
    """tests/data/report/lab-scan.json was written on 2026-11-21, before issue 14: no readiness,
    no in_force. `evaluate` judges it today's way, and a stale stored judgement (a forged L4 on
    the classical server) is replaced, never trusted."""
    source = Path(__file__).parents[1] / "data" / "report" / "lab-scan.json"
    old = json.loads(source.read_text("utf-8"))
    assert "readiness" not in old["endpoints"][0]
    old["endpoints"][0]["readiness"] = {"level": "L4", "label": "forged", "reason": "stale",
                                        "undecided": [], "next_deadline": None}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), "utf-8")
    code, judged, _ = _evaluate(path, "--profile", "cnsa-2.0,nist-ir-8547", "--as-of",
                                "2026-12-01")
    assert code == 3  # the report holds an unreachable endpoint
    first = judged["endpoints"][0]
    assert first["tls"]["kex_state"] == "K3" and first["readiness"]["level"] == "L1"
    levels = [ep["readiness"]["level"] for ep in judged["endpoints"]]
    assert levels.count(None) == 1  # 127.0.0.1:1, unreachable: undecided, with the reason
    unreachable = next(ep for ep in judged["endpoints"] if ep["status"] != "ok")
    assert unreachable["readiness"]["undecided"][0].startswith("not scanned (unreachable")
    assert all({"in_force", "due", "fixes"} <= set(v) for ep in judged["endpoints"]
               for v in ep["verdicts"])
    assert judged["evaluation"]["summary"]["endpoints"] == 9
