"""`pqscan conform` through click.testing: output formats and exit codes."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import LabEndpoint


def _invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["conform", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.lab
def test_json_selected_checks(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["hybrid-preferred"]
    code, out, _ = _invoke(ep.address, "--only", "PQT-001,PQT-014", "--sni", "localhost",
                           "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == "1" and doc["suite"] == "pq-tls"
    assert doc["target"] == ep.address
    assert [(c["id"], c["level"], c["result"]) for c in doc["checks"]] == [
        ("PQT-001", "MUST", "pass"), ("PQT-014", "MUST", "pass")]
    assert doc["checks"][1]["observed"] == "X25519MLKEM768: fatal alert illegal_parameter"
    assert doc["checks"][1]["expected"] == "fatal illegal_parameter"
    assert "draft-ietf-tls-ecdhe-mlkem" not in doc["checks"][1]["reference"]  # short keys
    assert "[HYB]" in doc["checks"][1]["reference"]


@pytest.mark.lab
def test_must_failure_exits_1_and_junit(lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    code, _, _ = _invoke(lab["mlkem1024-only"].address, "--tag", "malformed", "--format",
                         "junit", "-o", str(out))
    assert code == 1  # PQT-021: OpenSSL accepts a hybrid-encoded P-384 point
    root = ET.parse(out).getroot()
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["PQT-021 Non-uncompressed EC encoding"]
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert skipped == ["PQT-019 X25519 part low-order"]


@pytest.mark.lab
def test_should_failure_exits_0_table(lab: dict[str, LabEndpoint]) -> None:
    code, out, _ = _invoke(lab["tlslite-hybrid"].address, "--only", "PQT-006")
    assert code == 0
    assert "PQT-006  SHOULD   FAIL" in out
    assert out.rstrip().endswith("0 pass, 1 fail, 0 not_applicable, 0 inconclusive")


def test_unreachable_exits_3() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = _invoke(f"127.0.0.1:{port}", "--timeout", "1")
    assert code == 3
    assert err == (f"pqscan: error: 127.0.0.1:{port}: sanity TLS 1.3 handshake failed: no usable "
                   "answer: connection refused (refused)\n")


@pytest.mark.parametrize("args, message", [
    (["127.0.0.1:1", "--only", "PQT-999"], "unknown check id 'PQT-999'"),
    (["127.0.0.1:1", "--tag", "bogus"], "unknown tag 'bogus'"),
    (["127.0.0.1:99999"], "port '99999' is not 1-65535"),
    (["127.0.0.1:1", "--suite", "nope"], "'nope' is not 'pq-tls'"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = _invoke(*args)
    assert code == 2
    assert message in err
