"""The scanner against the real lab servers: every reported fact equals the configured truth.

The lab's truth (pqscan/lab/defaults.py) is itself verified by independent clients in
tests/lab/, so these tests compare pqscan's own engine with OpenSSL and tlslite-ng reality.
"""

from __future__ import annotations

from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB
from pqscan.registry.tls import group as registry_group

pytestmark = pytest.mark.lab
NAMES = [spec.name for spec in DEFAULT_LAB]


@pytest.fixture(scope="module")
def scanned(lab_report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ep["label"]: ep for ep in lab_report["endpoints"]}


def _spec(name: str) -> Any:
    return next(s for s in DEFAULT_LAB if s.name == name)


@pytest.mark.parametrize("name", NAMES)
def test_status_ok(scanned: dict[str, dict[str, Any]], name: str) -> None:
    assert scanned[name]["status"] == "ok", scanned[name]["error"]


@pytest.mark.parametrize("name", NAMES)
def test_versions(scanned: dict[str, dict[str, Any]], name: str) -> None:
    assert scanned[name]["tls"]["versions"] == _spec(name).expected.versions


@pytest.mark.parametrize("name", NAMES)
def test_supported_groups(scanned: dict[str, dict[str, Any]], name: str) -> None:
    groups = scanned[name]["tls"]["groups"]
    supported = {n for n, g in groups.items() if g["status"] == "supported"}
    assert supported == set(_spec(name).expected.groups)
    assert not [n for n, g in groups.items() if g["status"] == "inconclusive"]


@pytest.mark.parametrize("name", NAMES)
def test_pq_groups_confirmed_by_decryption(scanned: dict[str, dict[str, Any]], name: str) -> None:
    for gname, g in scanned[name]["tls"]["groups"].items():
        if g["status"] == "supported" and registry_group(gname).is_pq:
            assert g["confirmed"] is True, (gname, g)


@pytest.mark.parametrize("name", NAMES)
def test_group_preference(scanned: dict[str, dict[str, Any]], name: str) -> None:
    expected = _spec(name).expected
    tls = scanned[name]["tls"]
    if expected.group_preference is not None:  # a server that really uses its own order
        assert tls["group_preference"] == list(expected.group_preference)
        assert tls["group_preference_basis"] == "server"
    elif expected.preferred_group is not None and len(expected.groups) > 1:
        # OpenSSL follows the client's order inside one preference tuple
        assert set(tls["group_preference"]) == set(expected.groups)
        if tls["group_preference_basis"] == "server":
            assert tls["group_preference"][0] == expected.preferred_group


@pytest.mark.parametrize("name", NAMES)
def test_negotiated_behaviours(scanned: dict[str, dict[str, Any]], name: str) -> None:
    expected = _spec(name).expected
    tls = scanned[name]["tls"]
    assert tls["negotiated"] == expected.negotiated
    if expected.hrr_x25519_share_first is not None:
        assert tls["hrr"]["x25519_share_first"] is expected.hrr_x25519_share_first


@pytest.mark.parametrize("name", NAMES)
def test_kex_state(scanned: dict[str, dict[str, Any]], name: str) -> None:
    tls = scanned[name]["tls"]
    assert tls["kex_state"] == _spec(name).expected.kex_state, tls["kex_state_reason"]


@pytest.mark.parametrize("name", NAMES)
def test_tls12_key_exchange(scanned: dict[str, dict[str, Any]], name: str) -> None:
    expected = _spec(name).expected
    tls = scanned[name]["tls"]
    assert tls["rsa_key_transport"] is expected.rsa_key_transport
    if tls["tls12"] is None:
        assert expected.versions["TLSv1.2"] == "not_supported"
        return
    curves = {c for c, s in tls["tls12"]["ecdhe_curves"].items() if s == "supported"}
    assert curves == set(expected.tls12_ecdhe_curves)
    assert tls["tls12"]["ffdhe"] == ("supported" if expected.ffdhe else "not_supported")


@pytest.mark.parametrize("name", NAMES)
def test_certificate_chain(scanned: dict[str, dict[str, Any]], name: str) -> None:
    tls = scanned[name]["tls"]
    algorithms = tuple(c["public_key"]["algorithm"] for c in tls["certificate_chain"])
    assert algorithms == tuple(_spec(name).expected.chain_algorithms)
    if tls["versions"]["TLSv1.3"] == "supported":
        assert tls["certificate_verify"]["verified"] is True


def test_mldsa_only_server_signs_with_mldsa87(scanned: dict[str, dict[str, Any]]) -> None:
    tls = scanned["mlkem1024-only"]["tls"]
    assert tls["certificate_verify"]["scheme"] == "mldsa87"
    supported = [s for s, v in tls["signature_schemes"].items() if v == "supported"]
    assert supported == ["mldsa87"]


def test_dual_certificate_detected(scanned: dict[str, dict[str, Any]]) -> None:
    tls = scanned["dual-cert"]["tls"]
    assert tls["dual_certificate"] is True
    leaves = {c["chain"][0]["public_key"]["algorithm"] for c in tls["certificate_chains"]}
    assert leaves == {"ML-DSA-65", "ECDSA P-256"}
    for name in ("classical", "hybrid-fallback", "mlkem1024-only"):
        assert scanned[name]["tls"]["dual_certificate"] is False


@pytest.mark.parametrize("name", NAMES)
def test_key_exchange_connection_budget(scanned: dict[str, dict[str, Any]], name: str) -> None:
    """Issue 2: key exchange costs at most (supported groups + 8) connections."""
    endpoint = scanned[name]
    kex = [p for p in endpoint["probes"] if p["name"].split(".")[0] in ("groups", "behaviour")]
    supported = sum(1 for g in endpoint["tls"]["groups"].values() if g["status"] == "supported")
    assert len(kex) <= supported + 8, [p["name"] for p in kex]


@pytest.mark.parametrize("name", NAMES)
def test_every_probe_recorded_with_offer(scanned: dict[str, dict[str, Any]], name: str) -> None:
    for probe in scanned[name]["probes"]:
        assert probe["result"] in ("ok", "refused", "inconclusive")
        assert probe["offered"]["versions"]
        assert (probe["reason"] is None) == (probe["result"] != "inconclusive")


def test_tls12_signature_schemes_follow_the_certificate(
        scanned: dict[str, dict[str, Any]]) -> None:
    def supported(name: str) -> set[str]:
        table = scanned[name]["tls"]["tls12"]["signature_schemes"]
        return {s for s, v in table.items() if v == "supported"}

    assert "ecdsa_secp256r1_sha256" in supported("tls12-ecdhe")
    assert all(s.startswith("ecdsa") for s in supported("tls12-ecdhe"))
    assert "rsa_pss_rsae_sha256" in supported("tls12-only")
    assert all(s.startswith("rsa") for s in supported("tls12-only"))
    # draft-ietf-tls-mldsa §3: never ML-DSA in TLS 1.2, even on the dual-certificate server;
    # TLS 1.3 endpoints get only the PQ schemes offered in TLS 1.2 (one refused connection)
    dual = scanned["dual-cert"]["tls"]["tls12"]["signature_schemes"]
    assert dual["mldsa65"] == "not_supported" and not supported("dual-cert")
    assert "rsa_pss_rsae_sha256" not in dual
    assert scanned["mlkem1024-only"]["tls"]["tls12"] is None


@pytest.mark.parametrize("name", NAMES)
def test_no_default_lab_server_asks_for_a_client_certificate(
        scanned: dict[str, dict[str, Any]], name: str) -> None:
    req = scanned[name]["tls"]["client_certificate_request"]
    assert req is not None and req["requested"] is False
    expected = _spec(name).expected
    if "TLSv1.3" not in expected.supported_versions:
        assert req["source"] == "tls12.ecdhe"
    elif expected.browser_like is None:  # a PQ-only server refuses the browser-like hello
        assert req["source"] == "sigalgs.TLSv1.3[0]"
    else:
        assert req["source"] == "behaviour.browser_like"
