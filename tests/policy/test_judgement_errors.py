"""Issue 14's judgement errors, each pinned by a real lab server (or a golden endpoint where no
real server can produce the case): dual-certificate servers, self-signed signature strength,
findings never projected to --as-of, Kyber drafts on TLS 1.2-only servers, broken suites."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from policy_fixtures import load_golden

from pqscan.assess.catalogue import derive_findings
from pqscan.cli.main import cli
from pqscan.lab import Lab
from pqscan.lab.defaults import TLS12_ONLY
from pqscan.model.document import load_report
from pqscan.policy.evaluate import judge_report, load_profile
from pqscan.report.compact import catalogue_fixes, expand_report

GOLDEN = Path(__file__).parents[1] / "data" / "golden" / "verdicts"


def _endpoint(report: dict[str, Any], label: str) -> dict[str, Any]:
    return next(ep for ep in report["endpoints"] if ep["label"] == label)


def _judge(lab_report: dict[str, Any], label: str, *profiles: str,
           as_of: date = date(2026, 12, 1)) -> dict[str, Any]:
    report = {**lab_report, "endpoints": [_endpoint(lab_report, label)]}
    return judge_report(report, [load_profile(p) for p in profiles], as_of)["endpoints"][0]


@pytest.mark.lab
def test_every_chain_of_a_dual_certificate_server_is_judged(lab_report: dict[str, Any]) -> None:
    """The dual-cert lab server sends ML-DSA-65 to clients offering ML-DSA and ECDSA P-256 to
    the others: authentication is quantum-vulnerable (for those clients), and both chains are
    shown with who gets which."""
    ep = _judge(lab_report, "dual-cert", "nist-ir-8547", as_of=date(2036, 6, 1))
    codes = {f["code"]: f for f in ep["findings"]}
    auth = codes["exposure.auth"]
    assert "ECDSA P-256" in auth["evidence"]["algorithms"]
    assert auth["evidence"]["clients"] == ["clients offering ecdsa_secp256r1_sha256"]
    chains = codes["cert.dual_certificate"]["evidence"]["chains"]
    assert [(c["leaf"], c["schemes"]) for c in chains] == [
        ("ML-DSA-65", ["mldsa65"]), ("ECDSA P-256", ["ecdsa_secp256r1_sha256"])]
    verdicts = {v["requirement"]: v for v in ep["verdicts"]}
    # before issue 14 only the ML-DSA chain was judged and this PASSed
    assert verdicts["IR8547-SIG-DISALLOWED"]["result"] == "FAIL"
    assert ep["readiness"]["level"] == "L3"


@pytest.mark.lab
def test_a_self_signed_root_signature_has_the_strength_of_its_own_key(
        lab_report: dict[str, Any]) -> None:
    """tls12-ecdhe serves leaf + self-signed ECDSA P-256 root: the root's signature is 128-bit
    (its own key), never "unknown", so IR 8547's signature rows are decided."""
    ep = _judge(lab_report, "tls12-ecdhe", "nist-ir-8547")
    signatures = [f["evidence"] for f in ep["findings"] if f["code"] == "alg.quantum_vulnerable"
                  and f["evidence"]["use"] == "signature"]
    assert all(s["strength_bits"] == 128 for s in signatures), signatures
    ecdsa = next(s for s in signatures if s["algorithm"] == "ecdsa-with-SHA256")
    assert "certificate_chain[1].signature_algorithm" in ecdsa["where"]
    results = {v["requirement"]: v["result"] for v in ep["verdicts"]}
    assert results["IR8547-SIG-112-DEPRECATED"] == "PASS"  # 128-bit: decided, not NOT_TESTED
    assert results["IR8547-SIG-DISALLOWED"] == "FAIL"


@pytest.mark.lab
def test_as_of_never_projects_into_findings(lab: dict[str, Any], tmp_path: Path) -> None:
    """The lab certificates live 30 days. Judged as of 2031 they would be expired, but a
    finding says what the scan saw: no cert.expired; the verdicts say they are projected."""
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["scan", lab["classical"].address, "--sni", "localhost",
                                      "--as-of", "2031-06-01", "--profile", "nist-ir-8547",
                                      "--fail-on", "should", "--format", "json", "-o",
                                      str(out), "--quiet"])
    assert result.exit_code == 1, result.output  # in force in 2031: a 2031 SHOULD row FAILs
    report = load_report(out)  # packed endpoints read back
    ep = report["endpoints"][0]
    assert "cert.expired" not in {f["code"] for f in ep["findings"]}
    assert all(v["evidence"]["projection"].startswith("judged as of 2031-06-01 on facts "
                                                      "observed ") for v in ep["verdicts"])
    # and evaluate of the saved report judges the same way (findings as of its started_at)
    judged = CliRunner().invoke(cli, ["evaluate", str(out), "--profile", "nist-ir-8547",
                                      "--as-of", "2031-06-01", "--fail-on", "should",
                                      "--format", "json"])
    again = json.loads(judged.stdout)["endpoints"][0]
    # the scan's stream leaves each finding's catalogue fixes out (pqscan.report.compact)
    assert again["findings"] == expand_report(report)["endpoints"][0]["findings"]
    assert judged.exit_code == 1


def test_findings_use_the_day_the_report_observed() -> None:
    """A saved report (started 2026-06-01) whose leaf expires in 2027: evaluate --as-of 2036
    keeps the scan-time finding set; only a date before notAfter would be observed."""
    endpoint = load_golden("k1-hybrid-rsa")["endpoint"]
    report = {"schema_version": "1", "started_at": "2026-06-01T00:00:00Z",
              "endpoints": [endpoint]}
    late = judge_report(report, [], date(2036, 6, 1))["endpoints"][0]
    assert "cert.expired" not in {f["code"] for f in late["findings"]}
    assert "cert.expired" in {f.code for f in derive_findings(endpoint, date(2036, 6, 1))}


@pytest.mark.lab
def test_kyber_draft_requirement_is_not_applicable_on_tls12_only_servers(
        lab_report: dict[str, Any]) -> None:
    for label in ("tls12-only", "tls12-ecdhe"):
        ep = _judge(lab_report, label, "pq-baseline")
        verdict = next(v for v in ep["verdicts"] if v["requirement"] == "PQB-NO-KYBER-DRAFT")
        assert verdict["result"] == "NOT_APPLICABLE", verdict
        assert "does not support TLS 1.3" in verdict["evidence"]["reason"]
        assert not [f for f in ep["findings"] if f["code"] == "scan.undecided"
                    and f["evidence"]["check"] == "kex.pre_standard"]


@pytest.mark.lab
def test_a_server_accepting_null_suites_gets_a_finding_and_its_fix(tmp_path: Path) -> None:
    """A real OpenSSL server configured to accept NULL encryption (@SECLEVEL=0)."""
    spec = dataclasses.replace(TLS12_ONLY, name="broken-suites",
                               cipher_string="ECDHE+AESGCM:NULL-SHA256:NULL-SHA:@SECLEVEL=0")
    out = tmp_path / "r.json"
    with Lab([spec]) as lab:
        result = CliRunner().invoke(cli, ["scan", lab.endpoints[0].address, "--sni",
                                          "localhost", "--format", "json", "-o", str(out),
                                          "--quiet"])
    assert result.exit_code == 1, result.output  # pq-baseline by default: no TLS 1.3
    report = load_report(out)  # packed endpoints read back
    broken = next(f for f in report["endpoints"][0]["findings"]
                  if f["code"] == "tls12.cipher.broken")
    assert broken["evidence"]["suites"] == ["TLS_RSA_WITH_NULL_SHA", "TLS_RSA_WITH_NULL_SHA256"]
    assert broken["severity"] == "high"
    assert "openssl.cipherstring-no-broken" in catalogue_fixes(broken["code"])  # absent: these
    assert "openssl.cipherstring-no-broken" in report["evaluation"]["remediation"]


@pytest.mark.lab
def test_a_real_server_accepting_3des_gets_the_finding(lab_report: dict[str, Any]) -> None:
    """tlslite-ng's default cipher list still has 3DES: the tlslite-hybrid lab server accepts
    TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA (Sweet32) in TLS 1.2."""
    ep = _judge(lab_report, "tlslite-hybrid", "pq-baseline")
    broken = [f for f in ep["findings"] if f["code"] == "tls12.cipher.broken"]
    assert [f["evidence"]["suites"] for f in broken] == [["TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"]]
    assert not [f for f in _judge(lab_report, "hybrid-preferred", "pq-baseline")["findings"]
                if f["code"] == "tls12.cipher.broken"]


def test_3des_rc4_and_export_suites_get_the_finding() -> None:
    """No lab server negotiates RC4 or export suites (OpenSSL 3+ and the lab's tlslite
    configuration do not): the golden TLS 1.2 endpoint with those suites recorded."""
    endpoint = load_golden("k5-rsa-kex-tls11")["endpoint"]
    endpoint["tls"]["cipher_suites"]["TLSv1.2"] = [
        "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_EXPORT_WITH_RC4_40_MD5"]
    broken = [f for f in derive_findings(endpoint, date(2026, 6, 1))
              if f.code == "tls12.cipher.broken"]
    assert [f.evidence["suites"] for f in broken] == [[
        "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_RSA_WITH_RC4_128_SHA"]]
    endpoint["tls"]["cipher_suites"]["TLSv1.2"] = None  # not enumerated: never a pass
    codes = [(f.code, f.evidence.get("check")) for f in derive_findings(endpoint,
                                                                        date(2026, 6, 1))]
    assert ("scan.undecided", "tls12.cipher.broken") in codes


@pytest.mark.lab
def test_a_compact_report_judges_every_chain_the_same(lab_report: dict[str, Any]) -> None:
    """A written report leaves `chain` out of a certificate_chains entry that is the served
    chain (pqscan.scan.probe_detail): judging it gives the same findings and level."""
    import copy

    from pqscan.scan.probe_detail import compact_facts

    full = _judge(lab_report, "dual-cert", "nist-ir-8547")
    endpoint = compact_facts(copy.deepcopy(_endpoint(lab_report, "dual-cert")))
    assert any("chain" not in entry for entry in endpoint["tls"]["certificate_chains"])
    compact = _judge({**lab_report, "endpoints": [endpoint]}, "dual-cert", "nist-ir-8547")
    assert compact["findings"] == full["findings"]
    assert compact["readiness"] == full["readiness"]
