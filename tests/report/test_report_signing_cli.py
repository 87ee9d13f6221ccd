"""Signed reports (ML-DSA-65 / Ed25519) and the `report` click commands' output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import build_report

from pqscan.cli.report import report_group
from pqscan.report import signing


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(build_report(), indent=2) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(report_group, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("algorithm,name", [("ml-dsa-65", "ML-DSA-65"), ("ed25519", "Ed25519")])
def test_keygen_sign_verify_round_trip(tmp_path: Path, saved: Path, algorithm: str,
                                       name: str) -> None:
    key = tmp_path / "key.pem"
    code, out, _ = run("keygen", "-o", str(key), "--algorithm", algorithm)
    assert code == 0 and out == f"wrote {key} and {key}.pub ({name})\n"
    assert b"PRIVATE KEY" in key.read_bytes()
    assert b"PUBLIC KEY" in Path(f"{key}.pub").read_bytes()
    code, out, _ = run("sign", str(saved), "--key", str(key))
    assert (code, out) == (0, f"wrote {saved}.sig\n")
    sig = json.loads(Path(f"{saved}.sig").read_text())
    assert sig["algorithm"] == name and sig["format"] == "pqscan-signature-1"
    for verify_key in (f"{key}.pub", str(key)):
        code, out, _ = run("verify", str(saved), "--key", verify_key)
        assert code == 0 and out.startswith(f"{saved}: signature OK ({name}, key ")


def test_verify_detects_one_byte_change(tmp_path: Path, saved: Path) -> None:
    key = tmp_path / "k"
    signing.keygen(key)
    signing.sign_file(saved, key)
    saved.write_bytes(saved.read_bytes().replace(b'"K2"', b'"K1"'))
    code, out, err = run("verify", str(saved), "--key", f"{key}.pub")
    assert code == 1 and out == ""
    assert err == f"{saved}: verification FAILED: the report was changed after signing\n"


def test_verify_detects_trailing_whitespace(tmp_path: Path, saved: Path) -> None:
    key = tmp_path / "k"
    signing.keygen(key, "ed25519")
    signing.sign_file(saved, key)
    saved.write_bytes(saved.read_bytes() + b" ")
    assert run("verify", str(saved), "--key", str(key))[0] == 1


def test_verify_wrong_key(tmp_path: Path, saved: Path) -> None:
    signing.keygen(tmp_path / "a")
    signing.keygen(tmp_path / "b")
    signing.sign_file(saved, tmp_path / "a")
    code, _, err = run("verify", str(saved), "--key", str(tmp_path / "b.pub"))
    assert code == 1 and "signature was made with a different key (ML-DSA-65 " in err


def test_verify_forged_signature_same_key(tmp_path: Path, saved: Path) -> None:
    signing.keygen(tmp_path / "a")
    sig_path = signing.sign_file(saved, tmp_path / "a")
    sig = json.loads(sig_path.read_text())
    raw = bytearray(__import__("base64").b64decode(sig["signature"]))
    raw[10] ^= 1
    sig["signature"] = __import__("base64").b64encode(bytes(raw)).decode()
    sig_path.write_text(json.dumps(sig))
    result = signing.verify_file(saved, tmp_path / "a.pub")
    assert not result.ok and result.message == "verification FAILED: the signature is invalid"


def test_sign_and_verify_usage_errors(tmp_path: Path, saved: Path) -> None:
    signing.keygen(tmp_path / "a")
    result = CliRunner().invoke(report_group, ["sign", str(saved), "--key",
                                               str(tmp_path / "a.pub")])
    assert result.exit_code == 1 and "is a public key" in str(result.exception)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(Exception, match="is not a usable PEM key"):
        signing.load_key(bad)
    with pytest.raises(Exception, match="sig: no such file or directory"):
        signing.verify_file(saved, tmp_path / "a.pub")  # no report.json.sig yet
    with pytest.raises(ValueError, match="algorithm must be one of"):
        signing.generate_key("rsa")


@pytest.mark.parametrize("fmt,marker", [("html", "<!DOCTYPE html>"), ("md", "# pqscan report"),
                                        ("csv", "target,host,port"), ("sarif", '"2.1.0"'),
                                        ("junit", "<testsuites"), ("cbom", '"CycloneDX"'),
                                        ("table", "target")])
def test_render_command_formats(tmp_path: Path, saved: Path, fmt: str, marker: str) -> None:
    out = tmp_path / f"out.{fmt}"
    code, stdout, _ = run("render", str(saved), "--format", fmt, "-o", str(out))
    assert (code, stdout) == (0, "")
    assert marker in out.read_text(encoding="utf-8")


def test_render_command_with_metadata(tmp_path: Path, saved: Path) -> None:
    meta = tmp_path / "targets.csv"
    meta.write_text("target,owner,system_id,data_shelf_life_years,migration_years,exposure,"
                    "impact,sectors\n127.0.0.1:8444,Payments team,SYS-42,10,3,internet,high,"
                    "finance;eu\n", encoding="utf-8")
    code, out, _ = run("render", str(saved), "--format", "csv", "--metadata", str(meta),
                       "--scenario", "2030")
    assert code == 0
    row = out.splitlines()[2].split(",")
    assert row[:2] == ["127.0.0.1:8444", "127.0.0.1"] and "Payments team" in row
    # K2: V_kex 0.7, E 1, I 1, x 10, y 3, z = 2030 - 2026 = 4 -> f = 1 -> 70.0
    header = out.splitlines()[0].split(",")
    risk = [row[header.index("risk_2030")], row[header.index("risk_confidence")]]
    assert risk == ["70.0", "0.86"]  # 6 of 7 inputs non-default (I_auth defaulted)


def test_render_command_bad_inputs(tmp_path: Path, saved: Path) -> None:
    from pqscan.errors import UsageError
    other = tmp_path / "v2.json"
    other.write_text(json.dumps({**build_report(), "schema_version": "2"}))
    result = CliRunner().invoke(report_group, ["render", str(other), "--format", "md"])
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert "unsupported report schema_version '2' (this pqscan reads '1')" in str(result.exception)
    corrupt = tmp_path / "c.json"
    corrupt.write_text('{"endpoints": [')
    result = CliRunner().invoke(report_group, ["render", str(corrupt), "--format", "md"])
    assert isinstance(result.exception, UsageError) and ": not valid JSON" in str(
        result.exception)
    result = CliRunner().invoke(report_group, ["render", str(saved), "--format", "pdf"])
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.output
