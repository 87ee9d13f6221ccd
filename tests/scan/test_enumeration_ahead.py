"""The HRR group enumeration sends rounds ahead when the answers so far begin a known default
order (issue 13: fewer round trips), on real OpenSSL lab servers: the facts are exactly those
of the one-round-at-a-time chain, a server at its defaults needs fewer round trips for the
same connections, and a server that departs from the guess costs at most per_endpoint - 1
connections, labelled `groups.ahead[...]`, which decide nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.scan.context import ScanOptions
from pqscan.scan.probes import groups
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target

pytestmark = pytest.mark.lab
BASE = next(s for s in DEFAULT_LAB if s.name == "classical")
# OpenSSL's own default list; and one whose first tuple matches that order's head only
SERVERS = {"defaults": "DEFAULT", "departs": "SecP256r1MLKEM768/secp521r1"}


@pytest.fixture(scope="module")
def ports() -> Iterator[dict[str, int]]:
    pytest.importorskip("OpenSSL")
    specs = [dataclasses.replace(BASE, name=n, groups=g) for n, g in SERVERS.items()]
    with Lab(specs) as lab:
        yield {e.name: e.port for e in lab.endpoints}


def _scan(port: int) -> dict[str, Any]:
    target = parse_target(f"127.0.0.1:{port}", "localhost")
    return asyncio.run(scan([target], ScanOptions(timeout=5)))[0]


def _facts(ep: dict[str, Any]) -> dict[str, Any]:
    tls = ep["tls"]
    return {"groups": {g: e["status"] for g, e in tls["groups"].items()},
            "preference": tls["group_preference"], "basis": tls["group_preference_basis"],
            "kex_state": tls["kex_state"]}


def _names(ep: dict[str, Any], prefix: str) -> list[str]:
    return [p["name"] for p in ep["probes"] if p["name"].startswith(prefix)]


@pytest.fixture(scope="module")
def scans(ports: dict[str, int]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    ahead = {n: _scan(p) for n, p in ports.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(groups, "KNOWN_ORDERS", ())
        one_by_one = {n: _scan(p) for n, p in ports.items()}
    return {n: (ahead[n], one_by_one[n]) for n in ports}


def test_server_at_defaults_same_facts_fewer_round_trips(
        scans: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    ahead, one_by_one = scans["defaults"]
    assert _facts(ahead) == _facts(one_by_one)
    assert len(ahead["tls"]["group_preference"]) >= 8
    assert _names(ahead, "groups.ahead") == []
    assert ahead["connections"] == one_by_one["connections"]
    deepest = [max(p["round_trip"] for p in ep["probes"] if p["name"].startswith("groups.enum"))
               for ep in (ahead, one_by_one)]
    assert deepest[0] <= deepest[1] - 4, deepest


def test_server_departing_from_the_guess_costs_at_most_three(
        scans: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    ahead, one_by_one = scans["departs"]
    assert _facts(ahead) == _facts(one_by_one)
    assert ahead["tls"]["group_preference"] == ["SecP256r1MLKEM768", "secp521r1"]
    wasted = _names(ahead, "groups.ahead")
    assert 1 <= len(wasted) <= ScanOptions().per_endpoint - 1
    assert ahead["connections"] == one_by_one["connections"] + len(wasted)
    assert ahead["undecided"] == [] and ahead["status"] == "ok"
    # the rounds that count are numbered as the one-by-one chain numbers them
    assert _names(ahead, "groups.enumerate") == _names(one_by_one, "groups.enumerate")


def test_a_round_sent_ahead_decides_nothing() -> None:
    from pqscan.model.status import decided_by, undecided_decisions

    assert decided_by("groups.ahead[3]") == ()
    probes = [{"name": "groups.ahead[3]", "result": "inconclusive", "reason": "reset"}]
    assert undecided_decisions(probes, "K3", None) == []
