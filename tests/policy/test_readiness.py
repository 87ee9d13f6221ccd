"""Readiness levels (docs/readiness.md) on real lab servers, the evaluation summary and the
remediation block, and the level left undecided (null, with what it lacked) when a peer resets.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import fakepeer
import jsonschema
import pytest
from click.testing import CliRunner

from pqscan.assess.readiness import Readiness, next_deadline, readiness
from pqscan.assess.remediation import load_fixes
from pqscan.cli.main import cli
from pqscan.policy.evaluate import judge_report, load_profile

SCHEMA = json.loads((Path(__file__).parents[2] / "pqscan" / "data" /
                     "report.schema.json").read_text())
# lab server -> level (pqscan/lab/defaults.py: each server's configured truth)
LEVELS = {
    "tls12-only": "L0",       # K5: TLS 1.2 only, RSA key transport
    "tls12-ecdhe": "L0",      # K4: TLS 1.0-1.2, ECDHE
    "classical": "L1",        # K3
    "hybrid-fallback": "L2",  # K2: x25519-share-first clients stay classical
    "tlslite-hybrid": "L2",   # K2
    "hybrid-preferred": "L3",  # K1, RSA chain
    "dual-cert": "L3",        # K1, but the ECDSA chain goes to classical clients
    "mlkem1024-only": "L4",   # K0 with an ML-DSA-87 chain
}


def _judged(lab_report: dict[str, Any], *profiles: str, as_of: date = date(2026, 12, 1)
            ) -> dict[str, dict[str, Any]]:
    judged = judge_report(lab_report, [load_profile(p) for p in profiles], as_of)
    return {ep["label"]: ep for ep in judged["endpoints"]}


@pytest.mark.lab
def test_each_lab_server_gets_its_level(lab_report: dict[str, Any]) -> None:
    endpoints = _judged(lab_report, "pq-baseline")
    assert {name: ep["readiness"]["level"] for name, ep in endpoints.items()} == LEVELS
    for ep in endpoints.values():
        assert ep["readiness"]["undecided"] == [] and ep["readiness"]["reason"]
    dual = endpoints["dual-cert"]["readiness"]
    assert "ECDSA P-256" in dual["reason"] and "ecdsa_secp256r1_sha256" in dual["reason"]
    assert endpoints["mlkem1024-only"]["readiness"]["label"] == \
        "PQ key exchange and authentication"


@pytest.mark.lab
def test_ssh_lab_levels(ssh_lab_report: dict[str, Any]) -> None:
    levels = {ep["label"]: ep["readiness"]["level"] for ep in ssh_lab_report["endpoints"]}
    states = {ep["label"]: ep["ssh"]["kex_state"] for ep in ssh_lab_report["endpoints"]}
    expected = {"K0": "L3", "K1": "L3", "K2": "L2", "K3": "L1", "K4": "L0", "K5": "L0"}
    # every SSH lab server has classical host keys (no PQ host key in OpenSSH yet): <= L3
    assert levels == {name: expected[state] for name, state in states.items()}
    assert {"L0", "L1", "L3"} <= set(levels.values())


@pytest.mark.lab
def test_next_deadline_and_summary_on_cnsa_and_ir8547(lab_report: dict[str, Any]) -> None:
    judged = judge_report(lab_report, [load_profile("cnsa-2.0"), load_profile("nist-ir-8547")],
                          date(2026, 12, 1))
    endpoints = {ep["label"]: ep for ep in judged["endpoints"]}
    # the ML-KEM-1024 / ML-DSA-87 server passes CNSA 2.0 and IR 8547 now and later
    assert endpoints["mlkem1024-only"]["readiness"]["next_deadline"] is None
    # hybrid-preferred: in force now (CNSA 2.0 2026 rows) and due ones; its next deadline is
    # the earliest due failure across both profiles, with the requirement that sets it
    hybrid = endpoints["hybrid-preferred"]
    due = sorted((v["due"], v["profile"], v["requirement"]) for v in hybrid["verdicts"]
                 if v["result"] == "FAIL" and not v["in_force"])
    assert hybrid["readiness"]["next_deadline"]["date"] == due[0][0] == "2031-01-01"
    assert hybrid["readiness"]["next_deadline"]["requirement"] == due[0][2]
    assert any(v["result"] == "FAIL" and v["in_force"] for v in hybrid["verdicts"])
    summary = judged["evaluation"]["summary"]
    assert summary == {
        "endpoints": 8, "ready": 3, "must_change": 7,
        "failing_now": sum(any(v["result"] == "FAIL" and v["in_force"] for v in ep["verdicts"])
                           for ep in judged["endpoints"]),
        "first_due": "2031-01-01", "as_of": "2026-12-01",
        "profiles": [{"id": "cnsa-2.0", "version": load_profile("cnsa-2.0").version,
                      "title": load_profile("cnsa-2.0").title},
                     {"id": "nist-ir-8547", "version": load_profile("nist-ir-8547").version,
                      "title": load_profile("nist-ir-8547").title}],
        "default_profile": False}
    jsonschema.validate(judged, SCHEMA)


@pytest.mark.lab
def test_fixes_are_attached_and_resolved_once(lab_report: dict[str, Any]) -> None:
    judged = judge_report(lab_report, [load_profile("pq-baseline")], date(2026, 12, 1))
    cited = {fix for ep in judged["endpoints"] for item in ep["findings"] + ep["verdicts"]
             for fix in item["fixes"]}
    remediation = judged["evaluation"]["remediation"]
    assert set(remediation) == cited and cited
    catalogue = {f.id: f for f in load_fixes()}
    for fix_id, entry in remediation.items():
        assert entry["config"] == catalogue[fix_id].config
        assert entry["product"] == catalogue[fix_id].product and entry["source"]
    fallback = next(ep for ep in judged["endpoints"] if ep["label"] == "hybrid-fallback")
    k2 = next(f for f in fallback["findings"] if f["code"] == "kex.state.k2")
    assert "nginx.ssl-ecdh-curve" in k2["fixes"]
    upgrade = next(v for v in fallback["verdicts"] if v["requirement"] == "PQB-HRR-UPGRADE")
    assert upgrade["result"] == "FAIL" and "openssl.groups.hybrid-preferred" in upgrade["fixes"]


@pytest.mark.lab
def test_quick_depth_leaves_the_level_undecided_never_guessed(
        lab: dict[str, Any], tmp_path: Path) -> None:
    """--depth quick does not probe TLS 1.2, so RSA key transport (L0 even next to TLS 1.3)
    is unknown: null with the reason, not L3, although quick decides this server's K1."""
    out = tmp_path / "q.json"
    result = CliRunner().invoke(cli, ["scan", lab["hybrid-preferred"].address, "--sni",
                                      "localhost",
                                      "--depth", "quick", "--profile", "none", "--format",
                                      "json", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    level = json.loads(out.read_text())["endpoints"][0]["readiness"]
    assert level["level"] is None and level["label"] == "undecided"
    assert level["undecided"][0].startswith("tls/rsa_key_transport")


@pytest.mark.lab
def test_a_peer_that_resets_leaves_the_level_null(lab: dict[str, Any], tmp_path: Path) -> None:
    """A real server behind a relay that resets after the first hellos (fakepeer): the
    K-state is undecided, so is the level; the report says what it lacked."""
    out = tmp_path / "r.json"
    port, close = fakepeer.serve(fakepeer.proxy_first(4, lab["hybrid-preferred"].port,
                                                      fakepeer.rst_after_hello))
    try:
        result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--sni", "localhost",
                                          "--timeout", "2", "--format", "json", "-o", str(out)])
    finally:
        close()
    assert result.exit_code == 3, result.output
    report = json.loads(out.read_text())
    level = report["endpoints"][0]["readiness"]
    assert level["level"] is None
    assert any(u.startswith("tls/kex_state") for u in level["undecided"])
    assert report["evaluation"]["summary"]["ready"] == 0
    assert report["evaluation"]["summary"]["default_profile"] is True
    jsonschema.validate(report, SCHEMA)


def test_readiness_rules_without_a_server() -> None:
    with pytest.raises(ValueError, match="needs the facts"):
        Readiness(None, "x")
    with pytest.raises(ValueError, match="bad readiness level"):
        Readiness("L9", "x")
    assert readiness({"status": "unreachable", "error": "refused", "tls": None}).level is None
    with pytest.raises(TypeError):
        readiness([])  # type: ignore[arg-type]
    fails = [{"result": "FAIL", "in_force": False, "due": "2035-01-01", "profile": "b",
              "requirement": "B", "title": "b"},
             {"result": "FAIL", "in_force": False, "due": "2031-01-01", "profile": "a",
              "requirement": "A", "title": "a"},
             {"result": "FAIL", "in_force": True, "due": "2020-01-01", "profile": "c",
              "requirement": "C", "title": "c"},
             {"result": "PASS", "in_force": False, "due": "2027-01-01", "profile": "d",
              "requirement": "D", "title": "d"}]
    assert next_deadline(fails) == {"date": "2031-01-01", "profile": "a", "requirement": "A",
                                    "title": "a"}
    assert next_deadline([]) is None
