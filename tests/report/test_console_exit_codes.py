"""Exit codes through the real console entry point (`python -m pqscan` = the `pqscan` script),
not CliRunner: errors mapped by the click group must leave the process with their code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures import build_report, decided_k5_endpoint, unreachable_endpoint


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pqscan", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("args, line", [
    (["scan", "bad:target:x"],
     "pqscan: error: bad target 'bad:target:x': write IPv6 with a port as [addr]:port"),
    (["conform", "127.0.0.1:1", "--tag", "bogus"], "pqscan: error: unknown tag 'bogus'"),
    (["scan", "127.0.0.1:1", "--resume"], "pqscan: error: --resume needs --store FILE"),
    (["evaluate", "/nonexistent/r.json", "--profile", "pq-baseline"],
     "pqscan: error: /nonexistent/r.json: no such file or directory"),
])
def test_usage_errors_exit_2_with_one_line(args: list[str], line: str) -> None:
    res = _run(*args)
    assert res.returncode == 2
    assert res.stderr.startswith(line) and res.stderr.count("\n") == 1


def test_policy_failure_exits_1(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text(json.dumps(build_report([decided_k5_endpoint()])))
    assert _run("evaluate", str(report), "--profile", "pq-baseline").returncode == 1
    assert _run("profiles", "list").returncode == 0


def test_incomplete_wins_over_policy_failure(tmp_path: Path) -> None:
    """A FAIL next to an unreachable endpoint: 3 (incomplete), not 1, from evaluate as from
    scan's own decision (pqscan.cli.exitcode.report_outcome)."""
    report = tmp_path / "r.json"
    report.write_text(json.dumps(build_report([decided_k5_endpoint(), unreachable_endpoint()])))
    res = _run("evaluate", str(report), "--profile", "pq-baseline")
    assert res.returncode == 3, res.stderr
