"""`pqscan certs` and `pqscan lint` through click (exact output and exit codes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from certs_helpers import CORPUS, der_of, make_cert, pem_of
from click.testing import CliRunner

from pqscan.certs.inventory import inventory
from pqscan.cli.certs import certs_command, lint_command

MLDSA44 = CORPUS / "openjdk/ml-dsa-44-2.16.840.1.101.3.4.3.17_ta.der"
MLKEM768 = CORPUS / "openjdk/ml-kem-768-2.16.840.1.101.3.4.4.2_ee.der"
MLDSA65 = CORPUS / "openjdk/ml-dsa-65-2.16.840.1.101.3.4.3.18_ta.der"
HASHMLDSA = CORPUS / "corey-digicert/HASH-ML-DSA-44-2.16.840.1.101.3.4.3.32_ta.der"


def test_certs_table_exact() -> None:
    result = CliRunner().invoke(certs_command, [str(MLDSA44)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["path", "kind", "algorithm", "category", "quantum-vulnerable",
                                "subject", "not", "after"]
    assert lines[2].split()[1:5] == ["certificate", "ML-DSA-44", "2", "no"]
    assert len(lines) == 3 and result.stderr == ""


@pytest.fixture()
def messy_tree(tmp_path: Path, mldsa_key, rsa_key) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "good.pem").write_bytes(pem_of(make_cert(mldsa_key, "good")))
    (root / "sub" / "rsa.der").write_bytes(der_of(make_cert(rsa_key, "rsa")))
    (root / "corrupt.der").write_bytes(der_of(make_cert(rsa_key))[:-40])
    (root / "big.pem").write_bytes(pem_of(make_cert(mldsa_key, "big")) + b"\n" * 20000)
    (root / "README.txt").write_text("not a certificate\n")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    os.symlink(str(tmp_path), root / "outside")
    os.symlink(".", root / "sub" / "self")
    (tmp_path / "secret.pem").write_bytes(pem_of(make_cert(rsa_key, "outside")))
    return root


def test_certs_messy_tree(messy_tree: Path) -> None:
    out = messy_tree.parent / "out.json"
    result = CliRunner().invoke(
        certs_command, [str(messy_tree), "--format", "json", "-o", str(out), "--max-size", "15000"])
    assert result.exit_code == 3
    root = str(messy_tree)
    big = (messy_tree / "big.pem").stat().st_size
    assert result.stderr.splitlines() == [
        f"pqscan: error: {root}/big.pem: file is {big} bytes, over --max-size 15000",
        f"pqscan: error: {root}/corrupt.der: truncated DER: element longer than its container",
        f"pqscan: error: {root}/loop_a: symlink loop",
        f"pqscan: error: {root}/loop_b: symlink loop",
        f"pqscan: error: {root}/outside: symlink points outside the root; not followed",
        f"pqscan: error: {root}/sub/self: directory loop (already visited through a symlink)",
    ]
    report = json.loads(out.read_text())
    assert report["schema_version"] == "1"
    ok = {Path(f["path"]).name: f for f in report["files"] if f["status"] == "ok"}
    assert sorted(ok) == ["good.pem", "rsa.der"]
    assert ok["good.pem"]["objects"][0]["public_key"]["algorithm"] == "ML-DSA-65"
    assert ok["rsa.der"]["objects"][0]["public_key"]["size_bits"] == 2048
    assert all(f["error"] for f in report["files"] if f["status"] == "error")
    assert not any("secret" in f["path"] for f in report["files"])


def test_unreadable_file_does_not_stop_inventory(tmp_path: Path, mldsa_key,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.pem").write_bytes(pem_of(make_cert(mldsa_key, "a")))
    (tmp_path / "b.pem").write_bytes(pem_of(make_cert(mldsa_key, "b")))
    real_open = os.open

    def fake_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("a.pem"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("os.open", fake_open)
    inv = inventory([str(tmp_path)])
    assert [(Path(f.path).name, f.status, f.error) for f in inv.files] == [
        ("a.pem", "error", "permission denied"), ("b.pem", "ok", None)]


def test_certs_pkcs12_password(tmp_path: Path, rsa_key) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    p12 = tmp_path / "id.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"x", rsa_key, make_cert(rsa_key), None, serialization.BestAvailableEncryption(b"pw")))
    bad = CliRunner().invoke(certs_command, [str(p12), "--password", "wrong"])
    assert bad.exit_code == 3
    assert bad.stderr == f"pqscan: error: {p12}: PKCS#12: wrong password or corrupt file\n"
    good = CliRunner().invoke(certs_command, [str(p12), "--password", "pw", "--format", "json"])
    assert good.exit_code == 0
    kinds = [o["kind"] for o in json.loads(good.stdout)["files"][0]["objects"]]
    assert kinds == ["certificate", "private_key"]


def test_certs_missing_path_and_usage() -> None:
    result = CliRunner().invoke(certs_command, ["/nonexistent/x.pem"])
    assert result.exit_code == 2
    assert result.stderr == "pqscan: error: /nonexistent/x.pem: no such file or directory\n"
    assert CliRunner().invoke(certs_command, []).exit_code == 2
    assert CliRunner().invoke(certs_command, [str(MLDSA44), "--format", "xml"]).exit_code == 2


def test_lint_clean_with_issuer_json() -> None:
    result = CliRunner().invoke(
        lint_command, [str(MLKEM768), "--issuer", str(MLDSA65), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"schema_version": "1", "certificates": [{
        "path": str(MLKEM768), "index": 0, "error": None,
        "findings": [{"code": "x509.signature.verified", "severity": "info",
                      "message": "ML-DSA-65 signature verifies",
                      "reference": "RFC 5280 s6.1.3"}]}]}


def test_lint_error_exit_1_and_table() -> None:
    result = CliRunner().invoke(lint_command, [str(HASHMLDSA)])
    assert result.exit_code == 1
    assert "x509.mldsa.hash_variant" in result.stdout and result.stderr == ""
    assert result.stdout.splitlines()[0].split() == ["certificate", "severity", "code", "message"]


def test_lint_unreadable_input_exit_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"\x30\x82\x10\x00\x30")
    result = CliRunner().invoke(lint_command, [str(junk), str(MLDSA44), "--format", "json"])
    assert result.exit_code == 3
    assert result.stderr == (f"pqscan: error: {junk}: truncated DER: element longer than its "
                             "container\n")
    entries = json.loads(result.stdout)["certificates"]
    assert [e["error"] is None for e in entries] == [False, True]


def _cryptography_refuses() -> bytes:
    """An ML-DSA-65 certificate with NULL parameters in its algorithm identifiers: pqscan's DER
    reader takes it (and lints the parameters), cryptography refuses to parse it."""
    from derbuild import der, name, oid

    alg = der(0x30, oid("2.16.840.1.101.3.4.3.18") + b"\x05\x00")
    subj = name(("2.5.4.3", 0x0C, b"forged"))
    spki = der(0x30, alg + der(0x03, b"\x00" + bytes(1952)))
    tbs = (der(0xA0, der(0x02, b"\x02")) + der(0x02, b"\x01") + alg + subj
           + der(0x30, der(0x17, b"250101000000Z") + der(0x17, b"350101000000Z")) + subj + spki)
    return der(0x30, der(0x30, tbs) + alg + der(0x03, b"\x00" + bytes(3309)))


def test_lint_judges_every_file_on_its_own(tmp_path: Path) -> None:
    """A certificate cryptography cannot parse sits in the issuer pool of every other file: it
    must not turn their results into 'issuer certificate: error parsing asn1'."""
    from cryptography import x509

    forged = tmp_path / "forged.der"
    forged.write_bytes(_cryptography_refuses())
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(forged.read_bytes())
    result = CliRunner().invoke(lint_command, [str(forged), str(MLKEM768), "--issuer",
                                               str(MLDSA65), "--format", "json"])
    entries = {Path(e["path"]).name: e for e in json.loads(result.stdout)["certificates"]}
    assert result.exit_code == 1 and result.stderr == ""  # an error lint, nothing incomplete
    assert [f["code"] for f in entries[MLKEM768.name]["findings"]] == ["x509.signature.verified"]
    assert "x509.mldsa.params_present" in [f["code"] for f in entries["forged.der"]["findings"]]


@pytest.mark.parametrize("command", [certs_command, lint_command])
def test_missing_fifo_and_device_paths_exit_2(tmp_path: Path, command) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "cert.pem"
    os.mkfifo(fifo)
    for path, reason in ((fifo, "not a regular file"), ("/dev/zero", "not a regular file"),
                         (tmp_path / "missing.pem", "no such file or directory")):
        result = CliRunner().invoke(command, [str(path), str(MLDSA44)])
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith(f"pqscan: error: {path}: ") and reason in result.stderr
    assert MLDSA44.name in CliRunner().invoke(certs_command, [str(fifo), str(MLDSA44)]).stdout


def test_certs_directory_with_a_fifo_is_not_blocked(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.pem")
    (tmp_path / "a.der").write_bytes(MLDSA44.read_bytes())
    result = CliRunner().invoke(certs_command, [str(tmp_path)])
    assert result.exit_code == 0 and "a.der" in result.stdout and "pipe" not in result.stdout


def test_certs_table_shows_hostile_subject_inert(tmp_path: Path, mldsa_key) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "h.pem").write_bytes(pem_of(make_cert(mldsa_key, "evil\u202egnp.exe\r\nx")))
    result = CliRunner().invoke(certs_command, [str(tmp_path / "h.pem")])
    assert result.exit_code == 0
    assert "\u202e" not in result.stdout and "\r" not in result.stdout
    assert "evil\\u202egnp.exe\\r\\nx" in result.stdout
