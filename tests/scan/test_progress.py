"""Scan progress: a tqdm bar on a terminal, a status line at most every 10 s in a pipe,
nothing with --quiet, and never a byte of it on standard output."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import LabEndpoint
from pqscan.scan import progress
from pqscan.scan.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_counts_rate_and_eta() -> None:
    tty = _Terminal()
    bar = Progress(3, stream=tty)
    for status in ("ok", "unreachable", "ok"):
        bar.add(status)
    bar.close()
    text = tty.getvalue()
    assert "3/3" in text and "ok=2" in text and "unreachable=1" in text and "ep/s" in text


def test_a_pipe_gets_one_line_per_interval_and_quiet_gets_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    status = Progress(1000, stream=pipe)
    for _ in range(500):
        status.add("ok")
    assert pipe.getvalue() == ""  # well under 10 s: not a line yet
    monkeypatch.setattr(progress, "PIPE_INTERVAL_S", 0.0)
    status.add("error")
    line = pipe.getvalue()
    assert line.startswith("pqscan: 501/1000 endpoints (ok=500 error=1), ")
    assert "/s, ETA " in line and line.count("\n") == 1
    quiet = io.StringIO()
    silent = Progress(10, quiet=True, stream=quiet)
    silent.add("ok")
    assert quiet.getvalue() == ""


@pytest.mark.lab
def test_progress_never_reaches_stdout(lab: dict[str, LabEndpoint],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "PIPE_INTERVAL_S", 0.0)  # a status line after each endpoint
    res = CliRunner().invoke(cli, ["scan", lab["classical"].address, lab["tls12-only"].address,
                                   "--sni", "localhost", "--format", "jsonl",
                                   "--depth", "quick", "--profile", "none"])
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["status"] for line in res.stdout.splitlines()] == ["ok", "ok"]
    assert res.stderr.count("pqscan: ") == 2 and "endpoints (ok=" in res.stderr
