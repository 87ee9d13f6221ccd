"""PQT-035..037 (ML-DSA client certificates) against the real mTLS lab servers, the CLI and the
pytest plugin with --client-cert, and the verdict logic on outcomes no lab server produces."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pqscan.cli.conform import conform_command
from pqscan.cli.main import cli
from pqscan.conformance.checks_mtls import _judge, corruptions
from pqscan.conformance.model import FAIL, INCONCLUSIVE, PASS
from pqscan.conformance.runner import SuiteRun, run_suite_sync, select_checks
from pqscan.lab import Lab, LabEndpoint
from pqscan.tls.clientauth import MLDSA44, MLDSA65, MLDSA87, ClientCredential
from pqscan.tls.result import HandshakeResult

pytest_plugins = ["pytester"]
MTLS = ("PQT-035", "PQT-036", "PQT-037")
_CORRUPTIONS = ("bit flip", "one byte short", "one byte long", "empty", "all-zero c~",
                "all-zero z", "all-zero h")


def _cred(lab: Lab, kind: str) -> ClientCredential:
    chain, key = lab.client_pki.clients[kind]
    return ClientCredential.from_pem(chain.read_bytes(), key.read_bytes())


def _run(host: str, port: int, cred: ClientCredential | None) -> dict[str, tuple[str, str]]:
    run: SuiteRun = run_suite_sync(host, port, checks=select_checks(only=MTLS),
                                   client_credential=cred)
    assert run.error is None
    return {c.id: (c.result, c.observed) for c in run.checks}


@pytest.mark.lab
@pytest.mark.parametrize("server", ["mtls-openssl", "mtls-tlslite"])
@pytest.mark.parametrize("kind", ["mldsa44", "mldsa87"])
def test_real_servers_reject_every_bad_client_signature(mtls_lab: Lab, server: str,
                                                        kind: str) -> None:
    ep = mtls_lab.endpoint(server)
    got = _run(ep.host, ep.port, _cred(mtls_lab, kind))
    assert {k: r for k, (r, _) in got.items()} == {k: PASS for k in MTLS}, got
    # OpenSSL 4 and tlslite-ng 0.9 both answer each corruption with decrypt_error ...
    for label in _CORRUPTIONS:
        assert f"{label}: decrypt_error" in got["PQT-035"][1]
    other = "mldsa65"  # the wrong-length variant uses another parameter set's length
    assert f"({other}) length: decrypt_error" in got["PQT-035"][1]
    # ... and each wrong label (two other ML-DSA sets, three classical schemes) illegal_parameter
    assert got["PQT-036"][1].count("illegal_parameter") == 5
    assert got["PQT-037"][1].endswith("alert illegal_parameter")


@pytest.mark.lab
def test_untrusted_client_ca_is_inconclusive_not_fail(mtls_lab: Lab) -> None:
    ep = mtls_lab.endpoint("mtls-openssl")  # verifies the chain against the lab client CA
    got = _run(ep.host, ep.port, None)  # default: a throw-away self-signed ML-DSA-65 client
    for check in MTLS:
        assert got[check][0] == INCONCLUSIVE, got
        assert "unknown_ca" in got[check][1]


@pytest.mark.lab
def test_server_without_path_validation_is_tested_with_the_default_credential(
        mtls_lab: Lab) -> None:
    ep = mtls_lab.endpoint("mtls-tlslite")  # checks the CertificateVerify, builds no path
    got = _run(ep.host, ep.port, None)
    assert {k: r for k, (r, _) in got.items()} == {k: PASS for k in MTLS}
    assert "(mldsa44) length" in got["PQT-035"][1]  # ML-DSA-65 key, ML-DSA-44 length


@pytest.mark.lab
def test_not_applicable_without_request_or_ml_dsa(lab: dict[str, LabEndpoint],
                                                  mtls_lab: Lab) -> None:
    ep = lab["dual-cert"]
    got = _run(ep.host, ep.port, None)
    assert got["PQT-035"] == ("not_applicable", "server does not request a client certificate")
    assert got["PQT-037"] == ("not_applicable", "server does not request a client certificate "
                              "in TLS 1.2")
    mtls = mtls_lab.endpoint("mtls-openssl")
    got = _run(mtls.host, mtls.port, _cred(mtls_lab, "ecdsa-p256"))
    assert all(r == "not_applicable" and "not ML-DSA" in o for r, o in got.values())


def test_corruptions_cover_the_fips204_layout() -> None:
    sig = bytes(range(256)) * 13  # 3328 bytes, cut to an ML-DSA-65 length below
    sig = sig[:3309]
    out = {label: fn(sig) for label, fn in corruptions(MLDSA65)}
    assert out["all-zero c~"][:48] == bytes(48) and out["all-zero c~"][48:] == sig[48:]
    assert out["all-zero z"][48:3248] == bytes(3200) and out["all-zero z"][3248:] == sig[3248:]
    assert out["all-zero h"][3248:] == bytes(61) and out["all-zero h"][:3248] == sig[:3248]
    assert len(out["2420-byte (mldsa44) length"]) == 2420
    assert [len(fn(b"\x00" * 2420)) for _, fn in corruptions(MLDSA44)][-1] == 3309
    assert {label for label, _ in corruptions(MLDSA87)} >= set(_CORRUPTIONS)


def _result(**fields: object) -> HandshakeResult:
    return HandshakeResult(**{"outcome": "server_hello", "reason": "", **fields})  # type: ignore


def test_judge_fails_acceptance_silence_and_other_alerts() -> None:
    ok = _result(outcome="alert", alert=51, client_auth="alert")  # decrypt_error
    accepted = _result(client_auth="accepted")
    silent = _result(client_auth="no_answer")
    wrong = _result(outcome="alert", alert=50, client_auth="alert")  # decode_error
    broken = _result(outcome="error", error_kind="timeout", reason="connect timed out")
    assert _judge([("a", ok)], "decrypt_error", "x").result == PASS
    v = _judge([("a", ok), ("b", accepted)], "decrypt_error", "x")
    assert v.result == FAIL and "b: ACCEPTED" in v.observed
    assert _judge([("a", silent)], "decrypt_error", "x").result == FAIL
    v = _judge([("a", wrong)], "decrypt_error", "x")
    assert v.result == FAIL and "a: decode_error" in v.observed
    assert _judge([("a", ok), ("b", broken)], "decrypt_error", "x").result == INCONCLUSIVE
    assert _judge([("a", wrong), ("b", broken)], "decrypt_error", "x").result == FAIL


@pytest.mark.lab
def test_cli_client_cert_options(mtls_lab: Lab) -> None:
    ep = mtls_lab.endpoint("mtls-openssl")
    chain, key = mtls_lab.client_pki.clients["mldsa87"]
    res = CliRunner().invoke(conform_command, [
        ep.address, "--tag", "mtls", "--client-cert", str(chain), "--client-key", str(key),
        "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [(c["id"], c["result"]) for c in doc["checks"]] == [(i, "pass") for i in MTLS]
    res = CliRunner().invoke(cli, ["conform", ep.address, "--client-cert", str(chain)])
    assert res.exit_code == 2
    assert "--client-cert and --client-key go together" in res.stderr
    res = CliRunner().invoke(cli, ["conform", ep.address, "--client-cert", str(key),
                                               "--client-key", str(key)])
    assert res.exit_code == 2 and "not a PEM certificate chain" in res.stderr


@pytest.mark.lab
def test_plugin_client_cert(pytester: pytest.Pytester, mtls_lab: Lab) -> None:
    ep = mtls_lab.endpoint("mtls-openssl")
    chain, key = mtls_lab.client_pki.clients["mldsa44"]
    res = pytester.runpytest_inprocess("--pq-target", ep.address, "-m", "mtls",
                                       "--pq-client-cert", str(chain), "--pq-client-key",
                                       str(key))
    res.assert_outcomes(passed=3)
