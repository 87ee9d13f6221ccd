"""`--depth full` (issue 13 item 3): what an auditor expects beyond `standard`, on the real lab
servers — every found group completes a real key exchange, every TLS 1.3 signature scheme is
asked about alone, whose suite order rules, the suites of older TLS versions, every TLS 1.2
signature scheme — while every fact `standard` gives stays the same."""

from __future__ import annotations

from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB, LabEndpoint
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target

pytestmark = pytest.mark.lab
NAMES = ("classical", "tls12-ecdhe", "dual-cert")
SPECS = {spec.name: spec for spec in DEFAULT_LAB}


@pytest.fixture(scope="module")
def full(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, Any]]:
    targets = [parse_target(f"127.0.0.1:{lab[n].port}", "localhost") for n in NAMES]
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=32, depth="full")
    return dict(zip(NAMES, report["endpoints"], strict=True))


def _supported(table: dict[str, str]) -> set[str]:
    return {k for k, v in table.items() if v == "supported"}


def test_full_keeps_every_standard_fact(full: dict[str, dict[str, Any]],
                                        lab_report: dict[str, Any]) -> None:
    standard = {ep["label"]: ep for ep in lab_report["endpoints"]}
    for name, ep in full.items():
        s, f = standard[name]["tls"], ep["tls"]
        assert f["versions"] == s["versions"], name
        assert f["kex_state"] == s["kex_state"] == SPECS[name].expected.kex_state, name
        assert {g: e["status"] for g, e in f["groups"].items()} == \
            {g: e["status"] for g, e in s["groups"].items()}, name
        assert f["cipher_suites"]["TLSv1.3"] == s["cipher_suites"]["TLSv1.3"], name
        assert f["cipher_suites"]["TLSv1.2"] == s["cipher_suites"]["TLSv1.2"], name
        assert _supported(s["signature_schemes"]) <= _supported(f["signature_schemes"]), name
        assert ep["connections"] > standard[name]["connections"], name


def test_full_confirms_every_group_with_a_real_key_share(
        full: dict[str, dict[str, Any]]) -> None:
    for name in ("classical", "dual-cert"):
        groups = full[name]["tls"]["groups"]
        found = [g for g, e in groups.items() if e["status"] == "supported"]
        assert found, name
        assert all(groups[g]["confirmed"] is True for g in found), (name, groups)


def test_full_asks_about_each_tls13_scheme_alone(full: dict[str, dict[str, Any]]) -> None:
    ep = full["dual-cert"]
    singles = [p for p in ep["probes"] if p["name"].startswith("sigalgs.TLSv1.3.single[")]
    schemes = ep["tls"]["signature_schemes"]
    # every scheme the elimination did not find got its own connection, and is decided
    assert len(singles) == len([s for s, v in schemes.items() if v != "supported"])
    assert all(v in ("supported", "not_supported") for v in schemes.values())
    assert ep["tls"]["dual_certificate"] is True


def test_full_reports_suite_order_and_older_versions(full: dict[str, dict[str, Any]]) -> None:
    old = full["tls12-ecdhe"]["tls"]
    # TLS 1.0-1.2 server: the older versions' suites are listed too
    assert old["cipher_suites"]["TLSv1.1"] and old["cipher_suites"]["TLSv1.0"]
    # and whose order picks, for each version
    assert set(old["cipher_suite_preference"]) == {"TLSv1.2", "TLSv1.1", "TLSv1.0"}
    assert set(old["cipher_suite_preference"].values()) <= {"server", "client"}
    modern = full["classical"]["tls"]
    assert set(modern["cipher_suite_preference"]) == {"TLSv1.3", "TLSv1.2"}
    # with TLS 1.3 present, standard asks TLS 1.2 only about PQ schemes; full about all
    assert _supported(modern["tls12"]["signature_schemes"])


def test_full_report_matches_the_schema(lab: dict[str, LabEndpoint]) -> None:
    from pqscan.model.schema import schema_errors

    targets = [parse_target(f"127.0.0.1:{lab['tls12-ecdhe'].port}", "localhost")]
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=8, depth="full")
    assert schema_errors(report) == []
