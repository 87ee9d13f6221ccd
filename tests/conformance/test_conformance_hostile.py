"""`pqscan conform` against hostile peers (tests/fakepeer.py): within the suite budget, one line
naming the misbehaviour, exit 3, and no check decided on a reset, timeout or violation.

The "good then reset" peer relays the first connection (the sanity handshake) to a real lab
server and resets every later one: support probes must read that as undecided, never as a
refusal (PQT-001..009 were not_applicable and PQT-039 pass before issue 10).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import fakepeer
import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.conformance.runner import CHECK_CONNECTIONS, SUITE_CONNECTIONS
from pqscan.tls.transport import Limits

TIMEOUT = 0.5
BUDGET = Limits(TIMEOUT, TIMEOUT).budget


def _conform(port: int, *args: str) -> tuple[int, dict[str, Any] | None, str, float]:
    start = time.monotonic()
    res = CliRunner().invoke(cli, ["conform", f"127.0.0.1:{port}", "--sni", "localhost",
                                   "--timeout", str(TIMEOUT), "--format", "json", *args])
    doc = json.loads(res.stdout) if res.stdout.strip() else None
    return res.exit_code, doc, res.stderr, time.monotonic() - start


@pytest.fixture()
def good_then(lab: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[int]:
    then = fakepeer.HOSTILE[request.param]
    port, close = fakepeer.serve(fakepeer.proxy_first(1, lab["hybrid-preferred"].port, then))
    yield port
    close()


@pytest.mark.lab
@pytest.mark.parametrize("good_then", ["rst_after_hello"], indirect=True)
def test_resets_after_sanity_leave_every_check_undecided(good_then: int) -> None:
    code, doc, _err, wall = _conform(good_then)
    assert doc is not None and doc["error"] is None
    results = {c["id"]: c["result"] for c in doc["checks"]}
    for check in ("PQT-001", "PQT-002", "PQT-003", "PQT-004", "PQT-005", "PQT-006",
                  "PQT-007", "PQT-008", "PQT-009", "PQT-039"):
        assert results[check] == "inconclusive", (check, results[check])
    assert "pass" not in results.values() and "fail" not in results.values()
    assert code == 3
    assert wall < SUITE_CONNECTIONS * BUDGET + 5


@pytest.mark.lab
@pytest.mark.parametrize("good_then", ["silent"], indirect=True)
def test_silence_after_sanity_ends_within_the_check_budgets(good_then: int) -> None:
    code, doc, _err, wall = _conform(good_then, "--only", "PQT-001,PQT-039")
    assert doc is not None
    assert {c["id"]: c["result"] for c in doc["checks"]} == {
        "PQT-001": "inconclusive", "PQT-039": "inconclusive"}
    assert code == 3
    assert wall < 2 * CHECK_CONNECTIONS * BUDGET + 5


@pytest.mark.parametrize(("peer", "words"), [
    ("sh_unoffered_suite", "ServerHello cipher_suite 0x1399 was never offered"),
    ("hrr_loop", "second HelloRetryRequest (RFC 8446 §4.1.4)"),
    ("slowloris", f"connection budget of {BUDGET:g}s used up"),
    ("rst_after_hello", "reset by the server after accept"),
    ("ccs_flood", "records in a row without handshake data"),
])
def test_hostile_sanity_is_one_line_and_exit_3(peer: str, words: str) -> None:
    fakepeer.warm()
    port, close = fakepeer.serve(fakepeer.HOSTILE[peer])
    try:
        code, doc, err, wall = _conform(port)
    finally:
        close()
    assert code == 3
    assert doc is not None and words in doc["error"], doc
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert wall < BUDGET + 3
