"""`pqscan scan` through click: exact output shape and exit codes (CliRunner)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.model.document import load_report
from pqscan.model.view import probe_list


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_bad_target_is_exit_2_naming_it() -> None:
    result = CliRunner().invoke(cli, ["scan", "host:99999"])
    assert result.exit_code == 2
    assert result.output == ("pqscan: error: bad target 'host:99999': port '99999' is not "
                             "1-65535\n")


def test_no_targets_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["scan"])
    assert result.exit_code == 2
    assert "no targets" in result.output


def test_bad_profile_fails_before_any_traffic() -> None:
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{_closed_port()}", "--profile",
                                      "no-such-profile"])
    assert result.exit_code == 2
    assert "no-such-profile" in result.output


def test_unreachable_is_exit_3_with_one_line(tmp_path: Path) -> None:
    port = _closed_port()
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--format", "json",
                                      "-o", str(out), "--timeout", "1"])
    assert result.exit_code == 3
    assert f"pqscan: 127.0.0.1:{port}: unreachable: connection refused\n" in result.output
    report = json.loads(out.read_text())
    assert report["schema_version"] == "1"
    assert report["endpoints"][0]["status"] == "unreachable"


@pytest.mark.lab
def test_json_matches_contract_and_schema(lab: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    port = lab["hybrid-preferred"].port
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--sni", "localhost",
                                      "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = load_report(out)  # packed endpoints read back (model.packed)
    ep = report["endpoints"][0]
    assert report["tool"]["name"] == "pqscan"
    assert ep["target"] == f"127.0.0.1:{port}" and ep["status"] == "ok" and ep["error"] is None
    tls = ep["tls"]
    # code and family are the registry's for the name: left out (docs/json-contract.md)
    assert tls["groups"]["X25519MLKEM768"] == {
        "status": "supported", "via": "hrr", "confirmed": True,
        "reason": "confirmed by behaviour.browser_like"}
    assert tls["negotiated"] == {"browser_like": "X25519MLKEM768",
                                 "x25519_share_first": "X25519MLKEM768",
                                 "classical_only": "x25519"}
    assert tls["kex_state"] == "K1" and tls["rsa_key_transport"] is False
    schema_file = Path(__file__).parents[2] / "pqscan" / "data" / "report.schema.json"
    if schema_file.exists():
        jsonschema.validate(report, json.loads(schema_file.read_text()))


@pytest.mark.lab
def test_table_output_and_profile_exit_code(lab: dict[str, Any]) -> None:
    port = lab["mlkem1024-only"].port
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--sni", "localhost"])
    # issue 14: no --profile means pq-baseline, which this ML-KEM-1024-only server fails (no
    # hybrid for a browser-like client): exit 1, and stderr says the default profile did it
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("pqscan: judged against pq-baseline")
    header = result.output.splitlines()[0].split()
    assert header == ["target", "status", "level", "TLS", "kex", "PQ", "groups", "browser-like",
                      "x25519-first", "leaf", "key"]
    row = result.output.splitlines()[2]
    assert "K0" in row and "MLKEM1024" in row and "ML-DSA-87" in row
    fallback = lab["hybrid-fallback"].port
    base = ["scan", f"127.0.0.1:{fallback}", "--sni", "localhost", "--profile", "pq-baseline"]
    judged = CliRunner().invoke(cli, base)
    assert judged.exit_code == 0, judged.output  # every MUST passes on this K2 server
    row = next(line for line in judged.output.splitlines() if "PQB-HRR-UPGRADE" in line)
    assert row.split()[2:5] == ["PQB-HRR-UPGRADE", "SHOULD", "FAIL"]
    strict = CliRunner().invoke(cli, [*base, "--fail-on", "should"])
    assert strict.exit_code == 1  # the SHOULD: x25519-first clients get classical


@pytest.mark.lab
def test_evidence_files_match_report_digests(lab: dict[str, Any], tmp_path: Path) -> None:
    from pqscan.tls.result import transcript_digest

    out, evidence = tmp_path / "r.json", tmp_path / "evidence"
    port = lab["mlkem1024-only"].port
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--sni", "localhost",
                                      "--format", "json", "-o", str(out),
                                      "--evidence", str(evidence), "--profile", "none"])
    assert result.exit_code == 0, result.output
    probes = probe_list(json.loads(out.read_text())["endpoints"][0])
    assert probes and all(p["evidence_file"] for p in probes)
    for probe in probes:
        kept = json.loads(Path(probe["evidence_file"]).read_text())
        wire = [(r["from"], bytes.fromhex(r["hex"])) for r in kept["wire"]]
        assert transcript_digest(wire) == probe["transcript_sha256"]
        # first bytes on the wire: a handshake record (22) carrying a ClientHello (1)
        assert wire[0][0] == "client" and wire[0][1][0] == 22 and wire[0][1][5] == 1


def test_unwritable_evidence_dir_is_exit_2_before_scanning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{_closed_port()}", "--evidence",
                                      str(blocker / "sub")])
    assert result.exit_code == 2
    assert result.output.startswith("pqscan: error: --evidence: cannot create ")
    assert "unreachable" not in result.output  # nothing was scanned
