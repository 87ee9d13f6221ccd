"""Judgement at judge time (issue 11): a report whose derived fields were deleted or corrupted
is judged exactly like the intact one, because every derived field is recomputed from the
observations; `evaluate` says which stored values it recomputed differently.

The derived paths are listed here independently of pqscan.assess.derive, so a field that
derive forgets to recompute makes the corrupted case differ and the test fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.policy.evaluate import available_profiles, judge_report
from tests.policy.policy_fixtures import golden_files, report_of

DATES = (date(2026, 6, 1), date(2036, 6, 1))


def _certs(tls: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from tls.get("certificate_chain") or []
    for chain in tls.get("certificate_chains") or []:
        yield from chain.get("chain") or []


def _derived(endpoint: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(container, key, a wrong value) for every derived field of ENDPOINT."""
    tls, ssh = endpoint.get("tls"), endpoint.get("ssh")
    if tls:
        yield tls, "kex_state", "K5" if tls.get("kex_state") != "K5" else "K0"
        yield tls, "kex_state_reason", "stale"
        for entry in tls.get("groups", {}).values():
            yield entry, "family", "pure_pq" if entry.get("family") != "pure_pq" else "classical"
        for cert in _certs(tls):
            key = cert.get("public_key")
            if key and "quantum_vulnerable" in key:
                yield key, "quantum_vulnerable", not key["quantum_vulnerable"]
        request = tls.get("client_certificate_request")
        if request:
            yield request, "pq_signature_schemes", ["mldsa87"]
    if ssh:
        yield ssh, "kex_state", "K5" if ssh.get("kex_state") != "K5" else "K0"
        yield ssh, "kex_state_reason", "stale"
        yield ssh, "readiness", "pq_enforced" if ssh.get("readiness") != "pq_enforced" else None
        yield ssh, "pq_kex_confirmed", ["sntrup761x25519-sha512"]
        yield ssh, "weak_ciphers", []
        yield ssh, "weak_macs", ["hmac-sha2-256"]
        for entry in ssh.get("kex_algorithms", {}).values():
            yield entry, "family", "classical" if entry.get("family") != "classical" else "hybrid"
            yield entry, "components", []
            yield entry, "sha1", not entry.get("sha1")
        for key in ssh.get("host_keys") or []:
            yield key, "family", "pure_pq" if key.get("family") != "pure_pq" else "classical"
            yield key, "quantum_vulnerable", not key.get("quantum_vulnerable")


def _strip(report: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(report)
    for ep in out["endpoints"]:
        for where, key, _ in list(_derived(ep)):
            where.pop(key, None)
    return out


def _corrupt(report: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(report)
    for ep in out["endpoints"]:
        for where, key, wrong in list(_derived(ep)):
            where[key] = wrong
    return out


def _judgements(report: dict[str, Any], as_of: date) -> list[tuple[Any, Any]]:
    judged = judge_report(report, available_profiles(), as_of)
    assert not judged["evaluation"]["errors"]
    return [(ep["findings"], ep["verdicts"]) for ep in judged["endpoints"]]


def _check(report: dict[str, Any]) -> None:
    scanned = any(ep.get("tls") or ep.get("ssh") for ep in report["endpoints"])
    for as_of in DATES:
        intact = _judgements(report, as_of)
        assert _judgements(_strip(report), as_of) == intact
        assert _judgements(_corrupt(report), as_of) == intact
    judged = judge_report(_corrupt(report), [], DATES[0])
    assert bool(judged["evaluation"]["recomputed"]) == scanned, "corrupted values not reported"
    assert judge_report(_strip(report), [], DATES[0])["evaluation"]["recomputed"] == []


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.stem)
def test_golden_endpoint_judged_from_observations_only(path: Path) -> None:
    _check(report_of(path.stem))


@pytest.mark.lab
def test_live_tls_lab_report_judged_from_observations_only(lab_report: dict[str, Any]) -> None:
    _check(json.loads(json.dumps(lab_report)))  # as saved: through JSON


@pytest.mark.lab
def test_live_ssh_lab_report_judged_from_observations_only(
        ssh_lab_report: dict[str, Any]) -> None:
    _check(json.loads(json.dumps(ssh_lab_report)))


def _evaluate(tmp_path: Path, report: dict[str, Any],
              change: Callable[[dict[str, Any]], None]) -> tuple[int, str, str]:
    change(report)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--profile", "pq-baseline",
                                      "--as-of", "2026-06-01", "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


def test_evaluate_says_where_recomputed_values_changed(tmp_path: Path) -> None:
    report = report_of("k2-hybrid-ecdsa")

    def stale(r: dict[str, Any]) -> None:
        r["endpoints"][0]["tls"]["kex_state"] = "K0"  # a classifier that was wrong last year

    code, out, err = _evaluate(tmp_path, report, stale)
    assert "pqscan: recomputed endpoints[0] (127.0.0.1:8443): tls.kex_state: 'K0' -> 'K2'" \
        in err.splitlines()
    judged = json.loads(out)
    assert judged["endpoints"][0]["tls"]["kex_state"] == "K2"
    assert "endpoints[0] (127.0.0.1:8443): tls.kex_state: 'K0' -> 'K2'" in \
        judged["evaluation"]["recomputed"]
    intact_code, intact_out, intact_err = _evaluate(tmp_path, report_of("k2-hybrid-ecdsa"),
                                                    lambda r: None)
    assert "tls.kex_state:" not in intact_err  # only its hand-written reason differs
    assert json.loads(intact_out)["endpoints"][0]["verdicts"] == \
        judged["endpoints"][0]["verdicts"]
    assert code == intact_code
