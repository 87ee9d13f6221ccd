"""SSH targets: ssh://host[:port] (default 22) and --ssh for bare host:port; bad input is a
one-line usage error (exit 2) before any traffic; `pqscan lab --ssh` lists the SSH servers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pqscan.cli.exitcode import flag
from pqscan.cli.main import cli
from pqscan.errors import UsageError
from pqscan.scan.targets import parse_target, read_target_file


def test_ssh_url_and_flag() -> None:
    t = parse_target("ssh://Example.COM")
    assert (t.host, t.port, t.protocol, t.sni, t.starttls) == ("example.com", 22, "ssh", None,
                                                               None)
    assert parse_target("ssh://[::1]:2222").text == "[::1]:2222"
    t = parse_target("10.0.0.1", ssh=True)
    assert (t.port, t.protocol) == (22, "ssh")
    assert parse_target("10.0.0.1:2200", ssh=True).port == 2200
    assert parse_target("10.0.0.1:443").protocol == "tls"


@pytest.mark.parametrize("text,kwargs,message", [
    ("ssh://host:99999", {}, "bad port"),
    ("ssh://", {}, "no host"),
    ("https://host", {"ssh": True}, "--ssh expects host[:port] or ssh://"),
    ("ssh://host", {"starttls": "smtp"}, "ssh:// cannot use --starttls"),
    ("host", {"ssh": True, "starttls": "smtp"}, "--ssh and --starttls cannot be combined"),
])
def test_bad_ssh_targets(text: str, kwargs: dict[str, object], message: str) -> None:
    # the parser names its inputs by role; the CLI's one mapping spells them as flags
    with pytest.raises(UsageError) as info:
        parse_target(text, **kwargs)  # type: ignore[arg-type]
    assert message in info.value.spell(flag)
    assert message.replace("--", "") in str(info.value)


def test_target_file_with_ssh(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "targets.txt"
    path.write_text("a.example\nssh://b.example:2222\n# comment\n", encoding="utf-8")
    assert [(t.host, t.port, t.protocol) for t in read_target_file(path, ssh=True)] == [
        ("a.example", 22, "ssh"), ("b.example", 2222, "ssh")]


def test_cli_bad_ssh_target_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["scan", "--ssh", "https://x.example"])
    assert result.exit_code == 2
    assert "--ssh expects host[:port] or ssh://" in result.output


def test_cli_unreachable_ssh_is_exit_3() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["scan", f"ssh://127.0.0.1:{port}", "--timeout", "2"])
    assert result.exit_code == 3
    assert f"127.0.0.1:{port}: unreachable: connection refused" in result.output


@pytest.mark.lab
def test_lab_command_runs_ssh_servers() -> None:
    pytest.importorskip("asyncssh")
    result = CliRunner().invoke(cli, ["lab", "--only", "asyncssh-mlkem768x25519",
                                      "--duration", "0"])
    assert result.exit_code == 0, result.output
    assert "ssh://127.0.0.1:" in result.output and "mlkem768x25519-sha256" in result.output
    bad = CliRunner().invoke(cli, ["lab", "--only", "no-such-server"])
    assert bad.exit_code == 2
