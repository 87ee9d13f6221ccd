"""Issue 13's connection target on the server a scanner meets most: Debian nginx with its
defaults, TLS 1.2 + 1.3, an ECDSA P-256 certificate (and RSA 2048 next to it), on loopback.

Standard depth must stay within 31 connections per ECDSA endpoint (45 before issue 13, 41
before the probe registry, 37 before the TLS 1.2 curve elimination rode on the suite
elimination) and 39 per RSA endpoint (44 before), in no more round trips on the critical path
than before the fold (8 and 14), with the facts intact. The server is the benchmark's
(bench/nginx_farm.py), one port per certificate."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def nginx_endpoints(nginx_targets: dict[str, str]) -> dict[str, dict[str, Any]]:
    groups = list(nginx_targets)
    targets = [parse_target(nginx_targets[g]) for g in groups]
    endpoints = asyncio.run(scan(targets, ScanOptions(timeout=5)))
    return dict(zip(groups, endpoints, strict=True))


# Debian nginx 1.22 defaults (HIGH:!aNULL:!MD5, client order): the TLS 1.2 suites each port
# accepts, in the order the elimination finds them, and the curves (client order, nginx's
# OpenSSL default list)
_CBC_GCM = ("AES_128_CBC_SHA", "AES_256_CBC_SHA", "AES_128_CBC_SHA256", "AES_256_CBC_SHA384",
            "AES_128_GCM_SHA256", "AES_256_GCM_SHA384", "CHACHA20_POLY1305_SHA256")
_RSA = ("AES_128_CBC_SHA", "AES_256_CBC_SHA", "AES_128_CBC_SHA256", "AES_256_CBC_SHA256",
        "AES_128_GCM_SHA256", "AES_256_GCM_SHA384")
TLS12_SUITES = {"ecdsa": [f"TLS_ECDHE_ECDSA_WITH_{s}" for s in _CBC_GCM],
                "rsa": [f"TLS_RSA_WITH_{s}" for s in _RSA]
                + [f"TLS_ECDHE_RSA_WITH_{s}" for s in _CBC_GCM]}
CURVES = ["secp256r1", "secp384r1", "secp521r1", "x25519", "x448"]


@pytest.mark.parametrize("group", ["ecdsa", "rsa"])
def test_tls12_suites_and_curves(nginx_endpoints: dict[str, dict[str, Any]], group: str) -> None:
    tls = nginx_endpoints[group]["tls"]
    assert tls["cipher_suites"]["TLSv1.2"] == TLS12_SUITES[group]
    assert tls["tls12"]["curve_preference"] == CURVES
    curves = tls["tls12"]["ecdhe_curves"]
    assert [c for c, s in curves.items() if s == "supported"] == CURVES
    assert set(curves.values()) == {"supported", "not_supported"}


def test_ecdsa_nginx_within_31_connections_and_8_round_trips(
        nginx_endpoints: dict[str, dict[str, Any]]) -> None:
    ep = nginx_endpoints["ecdsa"]
    assert ep["status"] == "ok"
    assert ep["connections"] == len(ep["probes"]) <= 31
    assert ep["round_trips"] == max(p["round_trip"] for p in ep["probes"]) <= 8
    tls = ep["tls"]
    assert tls["versions"] == {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
                               "TLSv1.2": "supported", "TLSv1.3": "supported"}
    supported = {g for g, e in tls["groups"].items() if e["status"] == "supported"}
    assert {"x25519", "secp256r1", "secp384r1"} <= supported
    assert tls["signature_schemes"]["ecdsa_secp256r1_sha256"] == "supported"
    curves = tls["tls12"]["ecdhe_curves"]
    assert {c for c, s in curves.items() if s == "supported"} >= {"x25519", "secp256r1"}
    # nginx follows the client's curve order, which one connection shows: the curves left
    # behind the certificate's are decided, not inconclusive
    assert "inconclusive" not in curves.values()
    assert "tls12.ecdhe_order" in [p["name"] for p in ep["probes"]]


def test_rsa_nginx_keeps_its_facts(nginx_endpoints: dict[str, dict[str, Any]]) -> None:
    ep = nginx_endpoints["rsa"]
    assert ep["connections"] <= 39 and ep["round_trips"] <= 14
    tls = ep["tls"]
    assert tls["rsa_key_transport"] is True
    assert {s for s, v in tls["signature_schemes"].items() if v == "supported"} == {
        "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"}


def test_checks_wait_only_for_what_they_need(nginx_endpoints: dict[str, dict[str, Any]]) -> None:
    """round_trip = the place in the chain of connections a probe waited for: the version
    check comes first, and every check that needs only its answers starts right after it —
    the TLS 1.3 suites and signature schemes no longer wait for the group enumeration."""
    rt = {p["name"]: p["round_trip"] for p in nginx_endpoints["ecdsa"]["probes"]}
    assert rt["behaviour.browser_like"] == rt["versions.TLSv1.2"] == 1
    for name in ("suites.TLSv1.3[1]", "sigalgs.TLSv1.3[1]", "groups.enumerate[0]",
                 "suites.TLSv1.2[1]", "behaviour.classical_only"):
        assert rt[name] == 2, name
    rounds = [rt[f"groups.enumerate[{i}]"] for i in range(11)]
    assert rounds == sorted(rounds) and rounds[-1] < 2 + 10  # rounds were sent ahead
