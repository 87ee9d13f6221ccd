"""`--depth quick` against the lab's known truth (pqscan.scan.census): at most three
connections, the first answer choosing the other two, and a K-state wherever those facts
decide it — TLS 1.2-only servers (K4/K5 from two TLS 1.2 hellos), the pure ML-KEM server (K0
from the PQ hello and the refused classical-only hello) and a classical TLS 1.3 server (K3: a
hello offering only PQ groups refused) included."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB, LabEndpoint
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target

EXPECTED = {spec.name: spec.expected for spec in DEFAULT_LAB}
# what each server's first (browser-like) hello meets, so which two hellos follow
FOLLOW_UP = {
    "tls12-only": ["tls12.forward_secret", "tls12.rsa_key_transport"],
    "tls12-ecdhe": ["tls12.forward_secret", "tls12.rsa_key_transport"],
    "mlkem1024-only": ["behaviour.classical_only", "behaviour.pq_only"],
    # the browser-like hello ended classical: the all-PQ hello (no key share) replaces the
    # X25519-first one and decides K3, and an RSA-only TLS 1.2 hello the classical-only one
    "classical": ["groups.enumerate.pq", "tls12.rsa_key_transport"],
}
BEHAVIOURS = ["behaviour.classical_only", "behaviour.x25519_share_first"]


@pytest.fixture(scope="module")
def census(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, Any]]:
    names = list(lab)
    targets = [parse_target(lab[n].address, "localhost") for n in names]
    endpoints = asyncio.run(scan(targets, ScanOptions(timeout=5), 16, depth="quick"))
    return dict(zip(names, endpoints, strict=True))


@pytest.mark.lab
def test_the_first_answer_chooses_the_next_two_hellos(census: dict[str, dict[str, Any]]
                                                      ) -> None:
    for name, endpoint in census.items():
        probes = [p["name"] for p in endpoint["probes"]]
        assert endpoint["connections"] == len(probes) == 3, (name, probes)
        assert probes[0] == "behaviour.browser_like"
        assert sorted(probes[1:]) == FOLLOW_UP.get(name, BEHAVIOURS), name


@pytest.mark.lab
@pytest.mark.parametrize("name", ["tls12-only", "tls12-ecdhe", "mlkem1024-only", "classical"])
def test_quick_decides_the_lab_truth_where_three_hellos_can(
        census: dict[str, dict[str, Any]], name: str) -> None:
    tls, expected = census[name]["tls"], EXPECTED[name]
    assert tls["kex_state"] == expected.kex_state, tls["kex_state_reason"]
    # the chain comes from the hello that got through; its leaf is the lab's
    assert [c["public_key"]["algorithm"] for c in tls["certificate_chain"]][:1] == \
        list(expected.chain_algorithms[:1])
    assert census[name]["undecided"] == []


@pytest.mark.lab
def test_tls12_facts_of_the_census(census: dict[str, dict[str, Any]]) -> None:
    for name in ("tls12-only", "tls12-ecdhe"):
        tls = census[name]["tls"]
        assert tls["versions"]["TLSv1.3"] == "not_supported"
        assert tls["versions"]["TLSv1.2"] == "supported"
        assert tls["rsa_key_transport"] is EXPECTED[name].rsa_key_transport
        curves, ffdhe = tls["tls12"]["ecdhe_curves"], tls["tls12"]["ffdhe"]
        # the forward-secret hello ended on one curve or on DHE; the rest was not asked
        chosen = [c for c, v in curves.items() if v == "supported"]
        assert len(chosen) + (ffdhe == "supported") == 1, (chosen, ffdhe)
        assert set(chosen) <= set(EXPECTED[name].tls12_ecdhe_curves)
        assert ffdhe in ("inconclusive", "supported" if EXPECTED[name].ffdhe else "-")
        assert set(curves.values()) <= {"supported", "inconclusive"}
        assert tls["certificate_chain_source"] == "tls12.forward_secret"
    pq = census["mlkem1024-only"]["tls"]
    assert pq["versions"]["TLSv1.3"] == "supported"
    assert pq["certificate_chain_source"] == "behaviour.pq_only"
    assert pq["certificate_verify"]["verified"] is True
    supported = [g for g, e in pq["groups"].items() if e["status"] == "supported"]
    assert len(supported) == 1 and supported[0] in EXPECTED["mlkem1024-only"].groups
    assert pq["groups"][supported[0]]["confirmed"] is True
    assert pq["negotiation_status"]["classical_only"] == "refused"


@pytest.mark.lab
def test_a_classical_server_is_k3_from_a_refused_all_pq_hello(
        census: dict[str, dict[str, Any]]) -> None:
    """The browser-like hello ended on x25519, so the all-PQ hello (no key share) asks whether
    any PQ group is supported at all: OpenSSL refuses it, so every PQ group is not_supported
    with that reason, and the X25519-first hello was not run (not guessed)."""
    tls = census["classical"]["tls"]
    assert tls["kex_state"] == "K3", tls["kex_state_reason"]
    pq = {n: g for n, g in tls["groups"].items() if g["family"] in ("hybrid", "pure_pq")}
    assert pq and all(g["status"] == "not_supported" for g in pq.values())
    assert all("a hello offering only PQ groups was refused" in g["reason"]
               for g in pq.values())
    assert tls["negotiation_status"]["x25519_share_first"] == "not_run"
    assert tls["negotiated"]["browser_like"] == "x25519"


@pytest.mark.parametrize(("outcome", "kind"), [("error", "reset"), ("error", "timeout"),
                                              ("error", "violation"), ("closed", "eof")])
def test_an_undecided_all_pq_hello_decides_no_group_and_no_k_state(outcome: str,
                                                                    kind: str) -> None:
    """A reset, timeout, violation or EOF on the all-PQ hello is never "no PQ group": every
    PQ group stays inconclusive with that reason, so the K-state stays undecided."""
    from pqscan.assess.kexstate import derive_kex_state
    from pqscan.registry.tls import group
    from pqscan.scan.census import PQ_ANY, _groups
    from pqscan.tls.result import HandshakeResult

    result = HandshakeResult(outcome=outcome, reason=f"{kind} after the ClientHello",
                             error_kind=kind)
    entries = _groups({}, result).entries
    assert entries and {e.status for e in entries} == {"inconclusive"}
    assert all(e.reason == f"{PQ_ANY}: {kind} after the ClientHello" for e in entries)
    tls = {"versions": {"TLSv1.3": "supported"},
           "groups": {group(e.code).name: e.to_dict() for e in entries}}
    state, reason = derive_kex_state(tls)
    assert state is None and "inconclusive" in reason


@pytest.mark.parametrize(("result", "status", "reason"), [
    # handshake_failure (40): offered only TLS_RSA_* suites, the server took none
    ({"outcome": "alert", "reason": "alert", "alert": 40}, "not_supported", None),
    # protocol_version (70): no TLS 1.2 at all, so no TLS 1.2 RSA key transport either
    ({"outcome": "alert", "reason": "alert", "alert": 70}, "not_supported", None),
    ({"outcome": "server_hello", "reason": "", "version": 0x0303, "cipher_suite": 0x009C},
     "supported", None),
    # an ECDHE suite that was never offered: a broken server, not an answer
    ({"outcome": "server_hello", "reason": "", "version": 0x0303, "cipher_suite": 0xC02F},
     "inconclusive", "server chose a suite not offered (0xc02f)"),
    ({"outcome": "error", "reason": "reset after the ClientHello", "error_kind": "reset"},
     "inconclusive", "reset after the ClientHello"),
    ({"outcome": "error", "reason": "timeout", "error_kind": "timeout"}, "inconclusive",
     "timeout"),
])
def test_what_the_rsa_only_hello_decides(result: dict[str, Any], status: str,
                                         reason: str | None) -> None:
    """A refusal of a hello offering only RSA key transport suites is "not accepted"; a
    reset, a timeout or a suite not offered decides nothing (the level then stays null)."""
    from pqscan.scan.census import _rsa_only
    from pqscan.tls.result import HandshakeResult

    rsa = _rsa_only(HandshakeResult(**result)).rsa_key_transport
    assert (rsa.value, rsa.reason) == (status, reason)


def test_pq_named_by_hrr_after_a_classical_browser_hello_is_k2() -> None:
    """The census skips the classical-only hello when the browser-like hello (PQ groups
    listed, a PQ share sent) already ended classical; if the all-PQ hello then names a PQ
    group, the server supports PQ but gives even a PQ-first client classical: K2."""
    from pqscan.assess.kexstate import derive_kex_state

    tls = {"versions": {"TLSv1.3": "supported"},
           "groups": {"X25519MLKEM768": {"status": "supported"}, "x25519": {"status":
                                                                            "supported"}},
           "negotiated": {"browser_like": "x25519", "x25519_share_first": None,
                          "classical_only": None},
           "negotiation_status": {"browser_like": "ok", "x25519_share_first": "not_run",
                                  "classical_only": "not_run"}}
    assert derive_kex_state(tls) == ("K2", "PQ supported, but even a client sending a PQ "
                                     "share first gets x25519")
    # a classical-only hello that was run and refused still decides K0, and one never run
    # after a PQ browser-like answer decides nothing
    refused = {**tls, "negotiation_status": {**tls["negotiation_status"],
                                             "classical_only": "refused"}}
    assert derive_kex_state(refused)[0] == "K0"
    pq_first = {**tls, "negotiated": {**tls["negotiated"], "browser_like": "X25519MLKEM768"}}
    assert derive_kex_state(pq_first) == (None, "classical-only probe inconclusive")
