"""The command surface (issue 14 item 5, issue 11 item 4): every command that writes a document
offers the formats registered for its kind in pqscan.report.render.RENDERERS, and `-o FILE`
(the same text as standard output); an unknown format is exit 2 with one line naming the valid
ones; every error line has the one prefix."""

from __future__ import annotations

import ast
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures import build_report

from pqscan.cli.main import cli
from pqscan.report.render import KINDS, RENDERERS, formats

REPO = Path(__file__).resolve().parents[2]
CERT = REPO / "tests" / "data" / "pqc-certificates" / "bc" / "falcon-512-1.3.9999.3.11_ta.der"
MLKEM768 = REPO / "testvectors" / "wycheproof" / "mlkem_768_test.json"


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("surface") / "report.json"
    path.write_text(json.dumps(build_report()))
    return path


def _commands(report: Path, port: int) -> dict[str, tuple[str, list[str]]]:
    """command -> (document kind, arguments without --format / -o)."""
    return {
        "scan": ("scan", ["scan", f"127.0.0.1:{port}", "--timeout", "1", "-q",
                          "--profile", "pq-baseline"]),
        "evaluate": ("evaluation", ["evaluate", str(report), "--profile", "pq-baseline",
                                    "--as-of", "2031-01-01"]),
        "report render": ("scan", ["report", "render", str(report)]),
        "conform": ("conform", ["conform", f"127.0.0.1:{port}", "--timeout", "1"]),
        "vectors run": ("vectors", ["vectors", "run", "--impl", "cryptography", "--vectors",
                                    str(MLKEM768), "--no-progress"]),
        "vectors list": ("vector-sets", ["vectors", "list", "--vectors", str(MLKEM768)]),
        "certs": ("certs", ["certs", str(CERT)]),
        "lint": ("lint", ["lint", str(CERT)]),
        "stats": ("stats", ["stats", str(report), "--profile", "pq-baseline",
                            "--as-of", "2031-01-01"]),
        "profiles show": ("profile", ["profiles", "show", "cnsa-2.0"]),
        "profiles list": ("profiles", ["profiles", "list"]),
    }


def _cases() -> Iterator[tuple[str, str]]:
    for name, (kind, _) in _commands(Path("r.json"), 1).items():
        for fmt in formats(kind):
            yield name, fmt


def test_every_kind_has_table_and_json_and_every_function_resolves() -> None:
    import importlib

    for kind in KINDS:
        assert {"table", "json"} <= set(formats(kind)), kind
    for renderer in RENDERERS.values():
        module, _, name = renderer.function.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), renderer


@pytest.mark.parametrize("name, fmt", sorted(_cases()))
def test_every_format_to_stdout_and_to_file_alike(name: str, fmt: str, saved: Path,
                                                  tmp_path: Path) -> None:
    kind, args = _commands(saved, _closed_port())[name]
    to_stdout = _run([*args, "--format", fmt])
    out = tmp_path / f"out{RENDERERS[kind, fmt].extension}"
    to_file = _run([*args, "--format", fmt, "-o", str(out)])
    assert to_stdout.exit_code == to_file.exit_code, (to_stdout.stderr, to_file.stderr)
    assert to_stdout.exit_code in (0, 1, 3), to_stdout.stderr  # never a usage error
    assert to_file.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    if fmt in ("json", "cbom"):
        json.loads(text)
    if name not in ("scan", "conform", "vectors run"):  # timestamps and timings differ
        assert text == to_stdout.stdout


def test_the_command_formats_are_the_registry_formats() -> None:
    for name, (kind, _) in _commands(Path("r.json"), 1).items():
        command = cli
        for word in name.split():
            command = command.commands[word]  # type: ignore[attr-defined]
        option = next(p for p in command.params if p.name == "fmt")
        extra = ["jsonl"] if name == "scan" else []
        assert list(option.type.choices) == [*formats(kind), *extra], name
        assert any(p.name == "output" for p in command.params), name


@pytest.mark.parametrize("name", sorted(_commands(Path("r.json"), 1)))
def test_unknown_format_is_exit_2_naming_the_valid_ones(name: str, saved: Path) -> None:
    kind, args = _commands(saved, _closed_port())[name]
    result = _run([*args, "--format", "xml"])
    valid = ", ".join(repr(f) for f in formats(kind) + (("jsonl",) if name == "scan" else ()))
    path = "pqscan " + (name if " " in name else name)
    assert result.exit_code == 2
    assert result.stderr == (f"pqscan: error: Invalid value for '--format': 'xml' is not one of "
                             f"{valid}. (see '{path} -h')\n")


def test_unknown_command_and_option_have_the_one_prefix() -> None:
    result = _run(["nosuch"])
    assert (result.exit_code, result.stderr) == (
        2, "pqscan: error: No such command 'nosuch'. (see 'pqscan -h')\n")
    result = _run(["certs", "--bogus", str(CERT)])
    assert (result.exit_code, result.stderr) == (
        2, "pqscan: error: No such option '--bogus'. (see 'pqscan certs -h')\n")


def test_no_other_error_prefix_in_the_cli() -> None:
    """Every line a command writes to stderr about a problem starts "pqscan: error:" or
    "pqscan: warning:" (pqscan.cli.output.error / warning, the click group)."""
    bad = []
    for path in (REPO / "pqscan" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lstrip("\r\n").lower()
                if text.startswith(("error:", "warning:", "error ", "warning ")):
                    bad.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert bad == []


def test_render_options_change_the_output(saved: Path, tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("target,owner,sector\n127.0.0.1:4433,team-blue,energy\n")
    for args in (["report", "render", str(saved)],
                 ["evaluate", str(saved), "--profile", "pq-baseline", "--fail-on", "never"]):
        plain = _run([*args, "--format", "md"])
        chosen = _run([*args, "--format", "md", "--scenario", "2033", "--metadata", str(meta)])
        assert plain.exit_code == chosen.exit_code, chosen.stderr  # 3: one unreachable
        assert "| 2033 |" in chosen.stdout and "| 2033 |" not in plain.stdout
        assert "| 2030 |" in plain.stdout and "| 2030 |" not in chosen.stdout


def test_render_profile_dir_finds_the_user_profile(tmp_path: Path) -> None:
    shipped = REPO / "profiles" / "pq-baseline.toml"
    user = tmp_path / "profiles"
    user.mkdir()
    text = shipped.read_text().replace('id = "pq-baseline"', 'id = "my-baseline"', 1)
    (user / "my-baseline.toml").write_text(text.replace('version = "', 'version = "mine-', 1))
    report = tmp_path / "r.json"
    evaluated = _run(["evaluate", str(saved_report(tmp_path)), "--profile", "my-baseline",
                      "--profile-dir", str(user), "--fail-on", "never", "--format", "json",
                      "-o", str(report)])
    assert evaluated.exit_code == 3, evaluated.stderr  # the fixture has an unreachable endpoint
    without = _run(["report", "render", str(report), "--format", "md"])
    with_dir = _run(["report", "render", str(report), "--format", "md", "--profile-dir",
                     str(user)])
    assert "| my-baseline | mine-" in with_dir.stdout  # version and digest of the user file
    assert "| my-baseline | mine-" not in without.stdout


def saved_report(tmp_path: Path) -> Path:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(build_report()))
    return path


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    first = _run(["report", "keygen", "-o", str(key)])
    assert first.exit_code == 0, first.stderr
    before = key.read_bytes()
    again = _run(["report", "keygen", "-o", str(key)])
    assert (again.exit_code, again.stderr) == (
        2, f"pqscan: error: '{key}' exists: not overwritten without --force\n")
    assert key.read_bytes() == before
    forced = _run(["report", "keygen", "-o", str(key), "--force"])
    assert forced.exit_code == 0 and key.read_bytes() != before
    assert key.stat().st_mode & 0o777 == 0o600


def test_keygen_refuses_an_existing_public_key_too(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    Path(f"{key}.pub").write_text("mine")
    result = _run(["report", "keygen", "-o", str(key)])
    assert (result.exit_code, result.stderr) == (
        2, f"pqscan: error: '{key}.pub' exists: not overwritten without --force\n")
    assert not key.exists() and Path(f"{key}.pub").read_text() == "mine"


TYPO = """id = "typo"
title = "t"
version = "1"
publisher = "me"
status = "final"

[[sources]]
key = "s"
title = "s"
date = "2025"

[[requirements]]
id = "T-1"
title = "kex"
clause = "c"
severity = "MUST"
applies_to = "key_exchange"
condition = { any = [ { field = "tls/kex_state", in = ["K0"] },
                      { field = "tls/kexstate", in = ["K0", "K1"] } ] }
"""


def test_profiles_validate_refuses_a_typoed_field_path(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(TYPO)
    result = _run(["profiles", "validate", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"pqscan: error: {path}:18: requirements[0].condition.any[1].field: no field "
        "'tls/kexstate' in the observation model: tls has no 'kexstate' "
        "(docs/json-contract.md)\n")
    path.write_text(TYPO.replace("tls/kexstate", "tls/kex_state"))
    result = _run(["profiles", "validate", str(path)])
    assert (result.exit_code, result.stdout) == (0, f"{path}: ok (typo, 1 requirements)\n")


@pytest.mark.parametrize("shipped", sorted((REPO / "profiles").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_shipped_profile_validates(shipped: Path) -> None:
    result = _run(["profiles", "validate", str(shipped)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{shipped}: ok (")


def test_profiles_list_with_a_profile_dir(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text(TYPO.replace("tls/kexstate", "tls/kex_state"))
    plain = _run(["profiles", "list"])
    listed = _run(["profiles", "list", "--profile-dir", str(tmp_path)])
    assert plain.exit_code == listed.exit_code == 0
    extra = [line for line in listed.stdout.splitlines()[2:]
             if line.split()[0] not in plain.stdout]
    assert len(extra) == 1 and extra[0].split()[:3] == ["typo", "1", "me"]
    assert extra[0].endswith(str(tmp_path / "typo.toml"))
    (tmp_path / "typo.toml").write_text(TYPO)
    bad = _run(["profiles", "list", "--profile-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "no field 'tls/kexstate'" in bad.stderr
    missing = _run(["profiles", "list", "--profile-dir", str(tmp_path / "none")])
    assert (missing.exit_code, missing.stderr) == (
        2, f"pqscan: error: --profile-dir: {tmp_path / 'none'} is not a directory\n")


def test_scan_metadata_with_extra_columns_is_accepted(tmp_path: Path) -> None:
    """`scan --metadata` takes the file `stats --by sector` groups by (issue 12): columns the
    risk model does not know are kept, not an input error."""
    port = _closed_port()
    meta = tmp_path / "sectors.csv"
    meta.write_text(f"target,owner,sector,region\n127.0.0.1:{port},grid-ops,energy,north\n")
    result = _run(["scan", f"127.0.0.1:{port}", "--timeout", "1", "-q", "--metadata", str(meta),
                   "--format", "md", "--scenario", "2032"])
    assert result.exit_code == 3, result.stderr  # unreachable, not a usage error
    assert "grid-ops" in result.stdout and "| 2032 |" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"target,exposure\n127.0.0.1:{port},moon\n")
    refused = _run(["scan", f"127.0.0.1:{port}", "--metadata", str(bad)])
    assert (refused.exit_code, refused.stderr) == (
        2, f"pqscan: error: metadata '{bad}' row 2: exposure must be one of internet, partner, "
        "internal, got 'moon'\n")
