"""Scripted SSH peers that misbehave (tests/sshfake.py): every one ends as a one-line error or
a recorded violation, in bounded time and memory, never as "not supported"/"refused"."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import pytest
from fakepeer import serve
from sshfake import fake_ssh

from pqscan.assess.catalogue import derive_findings
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target
from pqscan.ssh.exchange import ExchangeRequest, run_exchange
from pqscan.tls.transport import Limits

TIMEOUT = 1.0


def _scan(mode: str) -> tuple[dict[str, Any], float]:
    port, close = serve(fake_ssh(mode))
    try:
        start = time.monotonic()
        [ep] = asyncio.run(scan([parse_target(f"ssh://127.0.0.1:{port}")],
                                ScanOptions(timeout=TIMEOUT, retries=0)))
        return ep, time.monotonic() - start
    finally:
        close()


@pytest.mark.parametrize("mode,message", [
    ("http", "not SSH: the server sent 'HTTP/1.1 400 Bad Request'"),
    ("long_ident", "identification line of 410 bytes exceeds 255"),
    ("endless_banner", "lines"),
    ("huge_packet", "exceeds 35000"),
    ("huge_padding", "padding length 255 out of range"),
    ("silent", "no answer"),
])
def test_broken_peer_is_one_line_error(mode: str, message: str) -> None:
    ep, elapsed = _scan(mode)
    assert ep["status"] == "error" and ep["ssh"] is None
    assert message in ep["error"] and "\n" not in ep["error"]
    assert "not supported" not in ep["error"] and "refused" not in ep["error"]
    # one connection, bounded by the overall per-connection deadline (2 x timeout) + slack
    assert ep["connections"] == 1 and elapsed < 2 * TIMEOUT + 5
    assert ep["probes"][0]["result"] == "inconclusive"


@pytest.mark.parametrize("mode,reason", [
    ("bad_signature", "signature does not verify"),
    ("wrong_method_reply", "server value of 256 bytes, expected 32"),
    ("gex_reply", "expected key exchange reply 31, got message 33"),
])
def test_violations_are_recorded_never_confirmed(mode: str, reason: str) -> None:
    ep, _ = _scan(mode)
    assert ep["status"] == "ok", ep["error"]
    ssh = ep["ssh"]
    assert any(reason in v for v in ssh["violations"]), ssh["violations"]
    assert ssh["kex_algorithms"]["curve25519-sha256"]["confirmed"] is not True
    # the behaviours did not complete honestly: undecided, not "refused"
    assert ssh["negotiation_status"]["openssh_10"] == "inconclusive"
    assert ssh["negotiated"]["openssh_10"] is None
    codes = {f.code for f in derive_findings(ep, date(2026, 6, 1))}
    assert "ssh.protocol.violation" in codes


def test_bad_padding_is_a_violation_not_a_refusal() -> None:
    port, close = serve(fake_ssh("huge_padding"))
    try:
        result = asyncio.run(run_exchange("127.0.0.1", port, ExchangeRequest(
            ("curve25519-sha256",), ("ssh-ed25519",)), Limits(1, 1), 2.0))
    finally:
        close()
    assert result.outcome == "error" and result.error_kind == "decode"
    assert not result.confirmed


def test_endless_banner_reads_boundedly() -> None:
    port, close = serve(fake_ssh("endless_banner"))
    try:
        result = asyncio.run(run_exchange("127.0.0.1", port, ExchangeRequest(
            ("curve25519-sha256",), ("ssh-ed25519",)), Limits(1, 1), 3.0))
    finally:
        close()
    assert result.outcome == "error" and "before any identification line" in result.reason
    received = sum(len(b) for d, b in result.wire if d == "server")
    assert received < 64 * 1024  # stopped after a few KiB of an endless stream


def test_disconnect_during_kex_is_inconclusive_not_refused() -> None:
    ep, _ = _scan("disconnect")
    ssh = ep["ssh"]
    assert set(ssh["negotiation_status"].values()) == {"inconclusive"}
    assert all("server disconnected" in p["reason"] and "go away" in p["reason"]
               for p in ep["probes"])
    assert ssh["kex_state"] == "K3"  # from the KEXINIT lists alone: no PQ method listed
