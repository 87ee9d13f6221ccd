"""Issue 13: fewer connections, same facts — on the real lab servers (DEFAULT_LAB).

The version check's handshakes double as the browser-like behaviour handshake (TLS 1.3) and
as round 0 of the TLS 1.2 suite elimination; a completed elimination answers FFDHE and RSA key
transport. These tests check the connections are gone AND the facts they used to give are
still there, equal to the lab's expected truth (the lab truth tests check the rest)."""

from __future__ import annotations

from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB

pytestmark = pytest.mark.lab
SPECS = {spec.name: spec for spec in DEFAULT_LAB}


def _names(endpoint: dict[str, Any]) -> list[str]:
    return [p["name"] for p in endpoint["probes"]]


def _by_label(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ep["label"]: ep for ep in report["endpoints"]}


def test_browser_like_handshake_answers_the_version_question(lab_report: dict[str, Any]) -> None:
    for label, ep in _by_label(lab_report).items():
        names = _names(ep)
        assert names.count("behaviour.browser_like") <= 1, label
        if SPECS[label].expected.browser_like is not None:
            # a TLS 1.3 server that answers a browser needs no separate all-groups probe
            assert "versions.TLSv1.3" not in names, label
            assert ep["tls"]["versions"]["TLSv1.3"] == "supported", label
            assert ep["tls"]["negotiated"]["browser_like"] \
                == SPECS[label].expected.browser_like, label


def test_mlkem1024_only_server_still_gets_the_all_groups_version_probe(
        lab_report: dict[str, Any]) -> None:
    ep = _by_label(lab_report)["mlkem1024-only"]
    names = _names(ep)
    # the browser-like offer has no group this server takes: refused, then the wide probe
    assert names.index("behaviour.browser_like") < names.index("versions.TLSv1.3")
    assert ep["tls"]["versions"]["TLSv1.3"] == "supported"


def test_tls12_facts_come_from_the_suite_elimination(lab_report: dict[str, Any]) -> None:
    for label, ep in _by_label(lab_report).items():
        tls12 = ep["tls"].get("tls12")
        if not tls12:
            continue
        names = _names(ep)
        assert ep["tls"]["cipher_suites"]["TLSv1.2"], label
        # versions.TLSv1.2 was round 0; the elimination completed, so no dedicated probes
        assert "suites.TLSv1.2[0]" not in names, label
        assert "tls12.rsa_key_transport" not in names and "tls12.ffdhe" not in names, label
        expected = SPECS[label].expected
        assert tls12["rsa_key_transport"] == \
            ("supported" if expected.rsa_key_transport else "not_supported"), label
        assert tls12["ffdhe"] == ("supported" if expected.ffdhe else "not_supported"), label


# Connections per lab server at standard depth (issue 13), as measured when the plan last
# changed: a probe that adds a connection must say so here (and in the README).
# The TLS 1.2 fold (issue 13 item 4) took 2-4 off every server with TLS 1.2 ECDHE.
CONNECTION_BOUNDS = {"classical": 23, "hybrid-fallback": 22, "hybrid-preferred": 22,
                     "mlkem1024-only": 16, "tls12-only": 21, "tls12-ecdhe": 19,
                     "tlslite-hybrid": 32, "dual-cert": 22}


def test_connections_and_round_trips_stay_within_bounds(lab_report: dict[str, Any]) -> None:
    for label, ep in _by_label(lab_report).items():
        assert ep["connections"] == len(ep["probes"]) <= CONNECTION_BOUNDS[label], label
        chain = [p["round_trip"] for p in ep["probes"]]
        assert ep["round_trips"] == max(chain), label
        # the critical path is far shorter than the connections: independent checks overlap
        assert 0 < ep["round_trips"] <= 12, (label, ep["round_trips"])


def test_signature_elimination_starts_from_the_browser_like_handshake(
        lab_report: dict[str, Any]) -> None:
    for label, ep in _by_label(lab_report).items():
        tls = ep["tls"]
        if tls["certificate_chain_source"] != "behaviour.browser_like" \
                or not tls["certificate_verify"]["finished_verified"]:
            continue
        names = _names(ep)
        # the browser-like handshake's signature stands for round 0
        assert "sigalgs.TLSv1.3[0]" not in names, label
        assert tls["signature_schemes"][tls["certificate_verify"]["scheme"]] == "supported", label
        # and the TLS 1.3 suite elimination's round 0 (every suite offered)
        assert "suites.TLSv1.3[0]" not in names, label
        assert tls["cipher_suites"]["TLSv1.3"][0] == \
            next(p for p in ep["probes"] if p["name"] == "behaviour.browser_like")[
                "observed"].split()[2], label
