"""pqscan.cli.exitcode: the one exit-code decision, internal errors and warnings as one line,
through CliRunner and through the real console entry point."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import build_report, decided_k5_endpoint, unreachable_endpoint

from pqscan.cli.exitcode import (
    Outcome,
    conform_outcome,
    error_line,
    exit_code,
    report_outcome,
)
from pqscan.cli.main import cli
from pqscan.conformance.model import CheckResult
from pqscan.conformance.runner import SuiteRun
from pqscan.errors import UsageError


@pytest.mark.parametrize("usage,incomplete,failures",
                         list(itertools.product([(), ("u",)], [(), ("i",)], [(), ("f",)])))
def test_precedence_usage_then_incomplete_then_failure(usage: tuple[str, ...],
                                                       incomplete: tuple[str, ...],
                                                       failures: tuple[str, ...]) -> None:
    expected = 2 if usage else 3 if incomplete else 1 if failures else 0
    assert exit_code(Outcome(usage, incomplete, failures)) == expected


def test_outcomes_add_and_type_check() -> None:
    assert Outcome(failures=("a",)) + Outcome(incomplete=("b",)) == Outcome((), ("b",), ("a",))
    with pytest.raises(TypeError):
        exit_code(3)  # type: ignore[arg-type]


def _judged(*endpoints: dict) -> dict:  # type: ignore[type-arg]
    from datetime import date

    from pqscan.cli.policy import resolve_profiles
    from pqscan.policy.evaluate import judge_report

    return judge_report(build_report(list(endpoints)), resolve_profiles(["pq-baseline"]),
                        date(2026, 6, 1))


def test_report_outcome_incomplete_wins_and_names_culprits() -> None:
    judged = _judged(decided_k5_endpoint(), unreachable_endpoint())
    outcome = report_outcome(judged, "must")
    assert outcome.failures and "127.0.0.1:8445: pq-baseline " in outcome.failures[0]
    assert outcome.incomplete[0] == "127.0.0.1:1: unreachable: connection refused"
    assert exit_code(outcome) == 3
    # without profiles (scan with no --profile) only completeness counts
    assert report_outcome(judged, None).failures == ()
    with pytest.raises(ValueError, match="fail_on"):
        report_outcome(judged, "sometimes")


def test_scan_and_evaluate_agree_on_the_same_report(tmp_path: Path) -> None:
    """`evaluate` of a report gives the code `scan` gave it: both are report_outcome."""
    judged = _judged(decided_k5_endpoint(), unreachable_endpoint())
    path = tmp_path / "r.json"
    path.write_text(json.dumps(build_report([decided_k5_endpoint(), unreachable_endpoint()])))
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--profile", "pq-baseline",
                                      "--as-of", "2026-06-01"])
    assert result.exit_code == exit_code(report_outcome(judged, "must")) == 3
    assert result.stderr == ("pqscan: incomplete: 127.0.0.1:1: unreachable: connection refused "
                             "(and 5 more undecided)\n")


def _run(*checks: tuple[str, str], error: str | None = None) -> SuiteRun:
    return SuiteRun("127.0.0.1:1", "pq-tls", "ok", error, tuple(
        CheckResult("PQT-001", "t", level, result, "e", "observed it", "RFC 8446")
        for level, result in checks))


def test_conform_outcome() -> None:
    assert exit_code(conform_outcome(_run(("MUST", "pass")))) == 0
    assert exit_code(conform_outcome(_run(("MUST", "fail")))) == 1
    assert exit_code(conform_outcome(_run(("SHOULD", "fail")))) == 0
    both = conform_outcome(_run(("MUST", "fail"), ("MUST", "inconclusive")))
    assert exit_code(both) == 3 and both.incomplete == (
        "PQT-001 (MUST) inconclusive: observed it",)
    assert exit_code(conform_outcome(_run(error="unreachable"))) == 3


def test_error_line_is_one_line() -> None:
    assert error_line(UsageError("bad\nthing")) == ("pqscan: error: bad\\nthing", 2)
    assert error_line(KeyError("k")) == ("pqscan: internal error: KeyError: 'k'", 3)
    assert error_line(RuntimeError()) == ("pqscan: internal error: RuntimeError", 3)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(build_report()))
    return path


def test_internal_error_is_one_line_exit_3_under_clirunner(saved: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("renderer broke\nTraceback (most recent call last):")

    monkeypatch.setattr("pqscan.cli.output.render", boom)
    result = CliRunner().invoke(cli, ["report", "render", str(saved), "--format", "md"])
    assert result.exit_code == 3
    assert result.stderr == ("pqscan: internal error: RuntimeError: renderer broke\\n"
                             "Traceback (most recent call last):\n")


_PATCHED = textwrap.dedent("""
    import sys, warnings
    import pqscan.cli.output as commands
    mode = sys.argv[2] if len(sys.argv) > 2 else ""
    def patched(*args, **kwargs):
        if mode == "warn":
            warnings.warn("careful\\nsecond line", UserWarning)
            return "rendered"
        raise {exc}
    commands.render = patched
    from pqscan.cli.main import main
    sys.argv = ["pqscan", "report", "render", sys.argv[1], "--format", "md"]
    main()
""")


def _console(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("exc,line", [
    ("ZeroDivisionError('division by zero')",
     "pqscan: internal error: ZeroDivisionError: division by zero"),
    ("MemoryError()", "pqscan: internal error: MemoryError"),
])
def test_internal_error_through_the_console_script(saved: Path, exc: str, line: str) -> None:
    res = _console(_PATCHED.format(exc=exc), str(saved))
    assert (res.returncode, res.stdout, res.stderr) == (3, "", line + "\n")


def test_warnings_are_one_line_never_source(saved: Path) -> None:
    res = _console(_PATCHED.format(exc="AssertionError"), str(saved), "warn")
    assert res.returncode == 0 and res.stdout == "rendered\n"
    assert res.stderr == "pqscan: warning: UserWarning: careful\\nsecond line\n"


@pytest.mark.lab
def test_a_store_that_refuses_writes_makes_the_scan_incomplete(lab: dict, tmp_path: Path  # type: ignore[type-arg]
                                                               ) -> None:
    """A real refusal by SQLite (a trigger aborting every insert, as a full disk would): the
    report still streams out, the store's one line is on stderr, exit 3 (not 0)."""
    import sqlite3

    from pqscan.scan.store import ScanStore

    path = tmp_path / "scan.db"
    ScanStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON run_endpoints "
                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    db.close()
    result = CliRunner().invoke(cli, ["scan", lab["classical"].address, "--sni", "localhost",
                                      "--store", str(path), "--format", "json"])
    assert json.loads(result.stdout)["endpoints"][0]["status"] == "ok"
    lines = result.stderr.splitlines()
    assert result.exit_code == 3, result.stderr
    assert len(lines) == 1 and lines[0].startswith("pqscan: error: store: ")
    assert "database or disk is full" in lines[0]


def test_an_undecided_decision_makes_an_ok_endpoint_incomplete() -> None:
    """The engine lists what a reset, timeout or violation left undecided in the endpoint's
    `undecided` (pqscan.model.status.incomplete_reasons): exit 3, never a pass."""
    ep = decided_k5_endpoint()
    assert exit_code(report_outcome(build_report([ep]), None)) == 0
    ep["undecided"] = [{"decision": "tls/versions/TLSv1.3", "reason": "reset by the server"}]
    outcome = report_outcome(build_report([ep]), None)
    assert outcome.incomplete == (
        "127.0.0.1:8445: tls/versions/TLSv1.3 undecided: reset by the server",)
    assert exit_code(outcome) == 3
