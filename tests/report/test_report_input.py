"""Every command that reads a report refuses bad files with one line and exit 2, within bounded
memory: FIFOs and devices (never read), oversize files (refused from their size), deep nesting,
huge integers, NaN, lone surrogates, bad UTF-8, and reports that do not match the schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import build_report

from pqscan.cli.main import cli
from pqscan.inputfile import MAX_DEPTH, MAX_REPORT_BYTES, parse_json, read_bytes

COMMANDS = {
    "evaluate": ["evaluate", "{path}", "--profile", "pq-baseline"],
    "render": ["report", "render", "{path}", "--format", "md"],
    "sign": ["report", "sign", "{path}", "--key", "{key}"],
}


def _bounded(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI in a thread: a command that blocks on a FIFO fails the test instead of
    hanging it."""
    outcome: list[tuple[int, str, str]] = []

    def go() -> None:
        result = CliRunner().invoke(cli, args)
        outcome.append((result.exit_code, result.stdout, result.stderr))

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, f"blocked: {args}"
    return outcome[0]


def _invoke(command: str, path: Path, key: Path | None = None) -> tuple[int, str, str]:
    return _bounded([a.format(path=path, key=key) for a in COMMANDS[command]])


def _valid() -> dict:  # type: ignore[type-arg]
    return build_report()


def _deep(levels: int) -> str:
    report = _valid()
    report["method"]["x"] = json.loads("[" * levels + "]" * levels)
    return json.dumps(report)


CASES = {
    "very deep nesting": ("[" * 200_000 + "]" * 200_000, "nested deeper than 64"),
    "nesting past the cap": (_deep(MAX_DEPTH + 5), "nested deeper than 64"),
    "huge integer": ('{"schema_version": "1", "endpoints": [], "n": ' + "9" * 5000 + "}",
                     "integer of 5000 digits (at most 40)"),
    "NaN": ('{"schema_version": "1", "endpoints": [], "n": NaN}', "NaN is not JSON"),
    "Infinity": ('{"schema_version": "1", "endpoints": [], "n": -Infinity}',
                 "-Infinity is not JSON"),
    "float overflow": ('{"schema_version": "1", "endpoints": [], "n": 1e999}',
                       "number 1e999 overflows a double"),
    "lone surrogate": ('{"schema_version": "1", "endpoints": [{"target": "a\\ud800"}]}',
                       "$.endpoints[0].target: lone surrogate \\ud800"),
    "wrong type": (json.dumps({**_valid(), "endpoints": [{**_valid()["endpoints"][0],
                                                          "port": "443"}]}),
                   "not a valid pqscan report: $.endpoints[0].port: '443' is not of type"),
    "not an object": ("[1, 2]", "not a pqscan report (no endpoints)"),
    "truncated": ('{"schema_version": "1", "endpoints": [', "not valid JSON: "),
}


@pytest.mark.parametrize("command", ["evaluate", "render"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_json_is_one_line_exit_2(tmp_path: Path, command: str, case: str) -> None:
    text, message = CASES[case]
    path = tmp_path / "r.json"
    path.write_text(text, "utf-8")
    code, out, err = _invoke(command, path)
    assert (code, out) == (2, ""), err
    assert err.startswith(f"pqscan: error: {path}: ") and err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize("command", ["evaluate", "render"])
def test_bad_utf8_names_the_offset(tmp_path: Path, command: str) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b'{"schema_version": "1", "endpoints": ["\xff"]}')
    assert _invoke(command, path) == (
        2, "", f"pqscan: error: {path}: not UTF-8 text (bad byte at offset 39)\n")


@pytest.mark.parametrize("command", ["evaluate", "render", "sign"])
def test_fifo_is_refused_not_read(tmp_path: Path, command: str) -> None:
    """No writer ever opens the FIFO: reading it would hang; refusing it returns at once."""
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    key = tmp_path / "k.pem"
    assert CliRunner().invoke(cli, ["report", "keygen", "-o", str(key)]).exit_code == 0
    assert _invoke(command, fifo, key) == (
        2, "", f"pqscan: error: {fifo}: is a FIFO, not a regular file; not read\n")


@pytest.mark.parametrize("command", ["evaluate", "render"])
def test_devices_are_refused_not_read(command: str) -> None:
    assert _invoke(command, Path("/dev/zero")) == (
        2, "", "pqscan: error: /dev/zero: is a character device, not a regular file; not read\n")


def _peak_rss_kib(path: Path) -> tuple[int, str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "pqscan", "evaluate", str(path), "--profile",
                             "pq-baseline"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert proc.stderr is not None
    return os.waitstatus_to_exitcode(status), proc.stderr.read().decode(), usage.ru_maxrss


def test_oversize_report_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A 100 MB report (sparse: no disk used) is refused from its size before any byte is read:
    the peak RSS is that of refusing a 1-byte file (ru_maxrss of a forked child also counts the
    parent's pages before exec, hence the comparison rather than an absolute figure)."""
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    tiny = tmp_path / "tiny.json"
    tiny.write_text("x")
    code, err, peak = _peak_rss_kib(big)
    assert code == 2
    assert err == (f"pqscan: error: {big}: file is {100 * 1024 * 1024} bytes, over the report "
                   f"size limit {MAX_REPORT_BYTES}\n")
    tiny_code, _, baseline = _peak_rss_kib(tiny)
    assert tiny_code == 2
    assert peak < baseline + 20 * 1024  # KiB: far below the file's 100 MB


def test_read_bytes_bounds_a_growing_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bytes(path, 10) == b"x" * 10
    with pytest.raises(Exception, match="file is 10 bytes, over the size limit 9"):
        read_bytes(path, 9)


def test_parse_json_accepts_what_reports_contain() -> None:
    text = json.dumps(_valid())
    assert parse_json(text) == json.loads(text)
    assert parse_json('{"a": [1.5, -2, "\\u202e"]}') == {"a": [1.5, -2, "\u202e"]}


def test_metadata_profile_and_target_list_fifos_refused(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text(json.dumps(_valid()))
    fifo = tmp_path / "m.toml"
    os.mkfifo(fifo)
    runs = [["report", "render", str(report), "--format", "md", "--metadata", str(fifo)],
            ["evaluate", str(report), "--profile", str(fifo)],
            ["scan", "-i", str(fifo)]]
    for args in runs:
        code, _, err = _bounded(args)
        assert code == 2 and err.count("\n") == 1, (args, err)
        assert str(fifo) in err, (args, err)
