"""Every command's -o FILE goes through pqscan.cli.output.emit: same final newline, and an
unwritable path is one line on stderr with exit 2 (not a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import build_report

from pqscan.cli.main import cli

CERT = (Path(__file__).resolve().parent.parent / "data" / "pqc-certificates" / "bc"
        / "falcon-512-1.3.9999.3.11_ta.der")


def _commands(report: Path) -> dict[str, list[str]]:
    return {
        "certs": ["certs", str(CERT)],
        "lint": ["lint", str(CERT)],
        "evaluate": ["evaluate", str(report), "--profile", "pq-baseline", "--fail-on", "never"],
        "report render": ["report", "render", str(report), "--format", "md"],
    }


@pytest.mark.parametrize("name", ["certs", "lint", "evaluate", "report render"])
def test_unwritable_output_is_one_line_exit_2(name: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(build_report()))
    args = _commands(report)[name] + ["-o", str(tmp_path / "missing-dir" / "out.txt")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert res.stderr == f"pqscan: error: cannot write '{tmp_path}/missing-dir/out.txt': " \
        "No such file or directory\n"


@pytest.mark.parametrize("name", ["certs", "lint", "evaluate", "report render"])
def test_file_and_stdout_get_the_same_text(name: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(build_report()))
    out = tmp_path / "out.txt"
    to_file = CliRunner().invoke(cli, _commands(report)[name] + ["-o", str(out)])
    to_stdout = CliRunner().invoke(cli, _commands(report)[name])
    assert to_file.exit_code == to_stdout.exit_code
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert text == to_stdout.stdout
