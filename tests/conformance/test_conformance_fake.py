"""Checks must be able to fail: a scripted server misbehaving in ways real servers do not."""

from __future__ import annotations

import asyncio

from fake_server import fake_server

from pqscan.conformance.model import REGISTRY, Verdict
from pqscan.conformance.probe import Probe
from pqscan.conformance.runner import run_suite_sync
from pqscan.tls.transport import Limits


def _check(port: int, check_id: str) -> tuple[str, str]:
    probe = Probe("127.0.0.1", port, "localhost", Limits(2, 2))

    async def run() -> Verdict:
        return await REGISTRY[check_id].fn(probe)

    v = asyncio.run(run())
    return v.result, v.observed


def test_short_ciphertext_fails_group_check() -> None:
    with fake_server("short_ct") as port:
        result, obs = _check(port, "PQT-001")
    assert result == "fail"
    assert "X25519MLKEM768 server share is 1119 bytes, expected 1120" in obs


def test_hrr_for_group_already_sent_fails() -> None:
    with fake_server("hrr_sent") as port:
        result, obs = _check(port, "PQT-008")
    assert result == "fail"
    # the HRR repeats the group of the share just sent: a second HRR (RFC 8446 §4.1.4)
    assert "second HelloRetryRequest" in obs


def test_accepting_malformed_shares_fails() -> None:
    with fake_server("accept_all") as port:
        for check_id in ("PQT-014", "PQT-015", "PQT-018", "PQT-019"):
            result, obs = _check(port, check_id)
            assert result == "fail", (check_id, obs)
            assert "ServerHello with X25519MLKEM768" in obs


def test_closing_server_is_incomplete() -> None:
    with fake_server("close") as port:
        run = run_suite_sync("127.0.0.1", port, limits=Limits(2, 2))
    assert run.error is not None and run.error.startswith("sanity TLS 1.3 handshake failed")
