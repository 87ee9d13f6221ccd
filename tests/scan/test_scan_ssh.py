"""`pqscan scan ssh://...` against the real SSH lab (Debian sshd, asyncssh, paramiko): every
server's configured truth (pqscan.lab.ssh_spec), the connection budget, and the reports."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab.ssh_keys import fingerprint_with_ssh_keygen
from pqscan.lab.ssh_spec import DEFAULT_SSH_LAB
from pqscan.model.packed import unpack_endpoint
from pqscan.model.view import probe_list
from pqscan.registry.ssh import kex_method
from pqscan.report.render import FORMATS, render

pytestmark = pytest.mark.lab
SPECS = {s.name: s for s in DEFAULT_SSH_LAB}


def _ep(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in report["endpoints"] if e["label"] == name)


@pytest.mark.parametrize("name", list(SPECS))
def test_each_server_matches_its_configured_truth(ssh_lab_report: dict[str, Any],
                                                  name: str) -> None:
    ep, expected = _ep(ssh_lab_report, name), SPECS[name].expected
    assert expected is not None
    assert (ep["status"], ep["protocol"], ep["tls"]) == ("ok", "ssh", None), ep["error"]
    ssh = ep["ssh"]
    assert ssh["kex_state"] == expected.kex_state, ssh["kex_state_reason"]
    assert ssh["readiness"] == expected.readiness
    assert ssh["negotiated"] == {"openssh_10": expected.openssh_10,
                                 "openssh_9": expected.openssh_9,
                                 "classical_only": expected.classical_only}
    pq = [n for n, e in ssh["kex_algorithms"].items() if kex_method(n).is_pq]
    assert pq == list(expected.pq_methods)
    # every PQ method is confirmed by a completed exchange with a verified host key signature
    assert ssh["pq_kex_confirmed"] == list(expected.pq_methods)
    assert all(ssh["kex_algorithms"][n]["source"] for n in pq)
    assert ssh["violations"] == []


@pytest.mark.parametrize("name", list(SPECS))
def test_connection_budget(ssh_lab_report: dict[str, Any], name: str) -> None:
    ep = _ep(ssh_lab_report, name)
    ssh = ep["ssh"]
    pq = len(SPECS[name].expected.pq_methods)  # type: ignore[union-attr]
    key_types = len({k["key_type"] for k in ssh["host_keys"] if k["status"] != "not_fetched"})
    assert ep["connections"] == len(ep["probes"])
    assert ep["connections"] <= pq + key_types + 3


@pytest.mark.parametrize("name", list(SPECS))
def test_host_keys_match_ssh_keygen(ssh_lab: Any, ssh_lab_report: dict[str, Any],
                                    name: str) -> None:
    """Every configured host key is fetched; fingerprints as `ssh-keygen -l -E sha256`."""
    keys = ssh_lab.host_keys[name]
    ssh = _ep(ssh_lab_report, name)["ssh"]
    fetched = {k["key_type"]: k for k in ssh["host_keys"] if k["status"] == "fetched"}
    key_type = {"ed25519": "ssh-ed25519", "ecdsa": "ecdsa-sha2-nistp256", "rsa": "ssh-rsa"}
    for kind in SPECS[name].host_keys:
        entry = fetched[key_type[kind]]
        assert entry["fingerprint_sha256"] == fingerprint_with_ssh_keygen(
            keys[kind].with_suffix(".pub"))
        assert entry["signature_verified"] is True and entry["quantum_vulnerable"] is True
        assert entry["size_bits"] == {"ed25519": 256, "ecdsa": 256, "rsa": 3072}[kind]
    if SPECS[name].certificate and SPECS[name].implementation == "sshd":
        cert = fetched["ssh-ed25519-cert-v01@openssh.com"]
        assert cert["fingerprint_sha256"] == fingerprint_with_ssh_keygen(keys["cert"])
        info = cert["certificate"]
        assert info["type"] == "host" and info["serial"] == 42
        assert info["key_id"] == "pqscan-lab-host"
        assert info["principals"] == ["localhost", "127.0.0.1"]
        assert info["ca_signature_verified"] is True
        assert info["ca_key"]["fingerprint_sha256"] == fingerprint_with_ssh_keygen(
            keys["ca"].with_suffix(".pub"))


def test_identification_and_kexinit(ssh_lab_report: dict[str, Any]) -> None:
    sshd = _ep(ssh_lab_report, "sshd-default")["ssh"]
    assert sshd["identification"]["product"] == "OpenSSH"
    assert sshd["identification"]["raw"].startswith("SSH-2.0-OpenSSH_")
    assert sshd["strict_kex"] is True and "kex-strict-s-v00@openssh.com" not in \
        sshd["kex_algorithms"]
    assert sshd["kex_preference"][:2] == ["sntrup761x25519-sha512",
                                           "sntrup761x25519-sha512@openssh.com"]
    asyncssh = _ep(ssh_lab_report, "asyncssh-mixed")["ssh"]
    assert asyncssh["identification"]["product"] == "AsyncSSH" and asyncssh["ext_info"] is True
    assert _ep(ssh_lab_report, "paramiko-default")["ssh"]["identification"]["product"] == \
        "paramiko"


def test_findings_and_verdicts(ssh_lab_report: dict[str, Any]) -> None:
    def codes(name: str) -> set[str]:
        return {f["code"] for f in _ep(ssh_lab_report, name)["findings"]}

    def verdict(name: str, requirement: str) -> str:
        return next(v["result"] for v in _ep(ssh_lab_report, name)["verdicts"]
                    if v["requirement"] == requirement)

    assert "ssh.kex_state.k3" in codes("sshd-classical") and "exposure.hndl" in codes(
        "sshd-classical")
    assert {"ssh.kex_state.k4", "ssh.kex.sha1"} <= codes("sshd-legacy")
    assert "ssh.kex.pre_standard" in codes("sshd-default")  # the @openssh.com name
    assert "exposure.auth" in codes("paramiko-default")
    assert "scan.undecided" not in codes("sshd-default")
    assert verdict("paramiko-default", "PQB-SSH-HYBRID-CHOSEN") == "PASS"
    assert verdict("sshd-default", "PQB-SSH-HYBRID-CHOSEN") == "FAIL"  # OpenSSH 9.2: sntrup
    assert verdict("sshd-legacy", "PQB-SSH-NO-SHA1-KEX") == "FAIL"
    assert verdict("asyncssh-mlkem1024nistp384", "CNSA2-SSH-MLKEM1024-SUPPORT") == "PASS"
    assert verdict("asyncssh-mlkem768x25519", "CNSA2-SSH-MLKEM1024-SUPPORT") == "FAIL"
    # TLS requirements do not judge SSH endpoints
    assert verdict("sshd-default", "PQB-TLS13") == "NOT_APPLICABLE"


def test_report_schema_and_every_format(ssh_lab_report: dict[str, Any]) -> None:
    from importlib import resources

    schema = json.loads(resources.files("pqscan.data").joinpath("report.schema.json")
                        .read_text("utf-8"))
    jsonschema.validate(ssh_lab_report, schema)
    for fmt in FORMATS:
        if fmt in ("table", "json"):
            continue
        text = render(ssh_lab_report, fmt)
        text = text if isinstance(text, str) else json.dumps(text)
        assert "ssh" in text.lower(), fmt
    md = render(ssh_lab_report, "md")
    assert "mlkem768x25519-sha256" in md and "sshd_config" in md
    cbom = json.loads(render(ssh_lab_report, "cbom"))
    protocols = [c for c in cbom["components"]
                 if c.get("cryptoProperties", {}).get("assetType") == "protocol"]
    assert {p["cryptoProperties"]["protocolProperties"]["type"] for p in protocols} == {"ssh"}
    sarif = json.loads(render(ssh_lab_report, "sarif"))
    names = {loc["logicalLocations"][0]["fullyQualifiedName"]
             for run in sarif["runs"] for r in run["results"] for loc in r["locations"]}
    assert all(n.startswith("ssh://") for n in names)


def test_cli_mixed_tls_and_ssh_in_one_report(lab: dict[str, Any], ssh_lab: Any) -> None:
    tls = lab["k1-openssl-hybrid"] if "k1-openssl-hybrid" in lab else next(iter(lab.values()))
    ssh = ssh_lab.endpoint("paramiko-default")
    result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{tls.port}", "--sni", "localhost",
                                      ssh.url, "--format", "json", "--profile", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # the report streams: endpoints in the order they finished
    by_protocol = {e.get("protocol", "tls"): e for e in report["endpoints"]}
    assert sorted(by_protocol) == ["ssh", "tls"]
    assert by_protocol["tls"]["tls"] and by_protocol["ssh"]["ssh"]
    table = CliRunner().invoke(cli, ["scan", "--ssh", f"127.0.0.1:{ssh.port}"])
    assert table.exit_code == 0, table.output
    assert "ssh://127.0.0.1" in table.output and "mlkem768x25519-sha256" in table.output
    assert "SSH target" in table.output


def test_sntrup_without_pqcrypto_is_listed_but_unconfirmed(ssh_lab: Any,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Without the optional sntrup761 wheel the method is reported honestly: listed, not
    confirmed, with the reason -- and the K-state rests on what could be confirmed."""
    import pqscan.ssh.kex as kex

    monkeypatch.setattr(kex, "_sntrup", None)
    result = CliRunner().invoke(cli, ["scan", ssh_lab.endpoint("sshd-default").url,
                                      "--format", "json", "--probes", "full"])
    ep = unpack_endpoint(json.loads(result.stdout)["endpoints"][0])  # as readers see it
    ssh = ep["ssh"]
    entry = ssh["kex_algorithms"]["sntrup761x25519-sha512"]
    assert entry["confirmed"] is None and "pqscan[sntrup]" in entry["reason"]
    assert ssh["pq_kex_confirmed"] == []
    assert "ssh.kex.pq_unconfirmed" in {f["code"] for f in ep["findings"]}
    # OpenSSH 10 and 9 clients would get sntrup761 (RFC 4253 §7.1) but pqscan cannot run it:
    # undecided, neither PQ nor classical
    assert ssh["negotiation_status"]["openssh_10"] == "inconclusive"
    assert ssh["negotiated"]["openssh_10"] is None
    assert ssh["kex_state"] is None and "openssh_10" in ssh["kex_state_reason"]
    assert ssh["negotiated"]["classical_only"] == "curve25519-sha256"
    assert any("would negotiate sntrup761x25519-sha512" in p["observed"] for p in ep["probes"])


def test_evidence_files_hold_the_exchange(ssh_lab: Any, tmp_path: Any) -> None:
    import hashlib

    result = CliRunner().invoke(cli, ["scan", ssh_lab.endpoint("asyncssh-mlkem768x25519").url,
                                      "--format", "json", "--evidence", str(tmp_path)])
    ep = json.loads(result.stdout)["endpoints"][0]
    for probe in probe_list(ep):
        with open(probe["evidence_file"], encoding="utf-8") as handle:
            record = json.load(handle)
        digest = hashlib.sha256()
        for chunk in record["wire"]:
            data = bytes.fromhex(chunk["hex"])
            digest.update(chunk["from"][:1].encode() + len(data).to_bytes(4, "big") + data)
        assert digest.hexdigest() == probe["transcript_sha256"]
        assert bytes.fromhex(record["wire"][0]["hex"]).startswith(b"SSH-2.0-pqscan")


def test_stats_counts_ssh_readiness(ssh_lab_report: dict[str, Any], tmp_path: Any) -> None:
    """pqscan stats: SSH endpoints count in the K-state shares; TLS-only shares are n/a."""
    path = tmp_path / "ssh.json"
    path.write_text(json.dumps(ssh_lab_report), encoding="utf-8")
    result = CliRunner().invoke(cli, ["stats", str(path)])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0]: line for line in result.output.splitlines()}
    n = len(SPECS)
    for state in ("K0", "K1", "K2", "K3", "K4"):
        count = sum(1 for s in SPECS.values() if s.expected and s.expected.kex_state == state)
        assert f"{count}/{n}" in rows[f"readiness {state}"], rows[f"readiness {state}"]
    assert f"{n} n/a" in rows["TLS 1.3"]
