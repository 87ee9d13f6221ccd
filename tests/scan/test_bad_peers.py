"""Hostile and broken endpoints: each ends as one clear line naming the misbehaviour, within the
connection budget and a small CPU cost, and the rest of the scan goes on unchanged.

These are scripted fake servers on 127.0.0.1 (tests/fakepeer.py) — only for misbehaviour no
real TLS server produces. The budget bounds come from the timeout (README "Time budget"): a
connection lives at most Limits.budget = 3 x timeout; a probe makes at most retries + 1 of
them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fakepeer
import pytest
from click.testing import CliRunner

from pqscan.cli.exitcode import scan_exit_code
from pqscan.cli.main import cli
from pqscan.model.document import load_report
from pqscan.model.status import incomplete_reasons
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.store import iter_endpoints
from pqscan.scan.targets import parse_target
from pqscan.tls.transport import Limits

TIMEOUT = 0.5
RETRIES = 1
BUDGET = Limits(TIMEOUT, TIMEOUT).budget  # one connection, everything included
PROBE_BOUND = (RETRIES + 1) * BUDGET + 0.5  # a probe: its attempts plus the retry pause
CPU_BOUND = 5.0  # the client's CPU seconds for the whole hostile scan (generous)

# peer -> (endpoint status, words the one-line error must contain)
EXPECTED: dict[str, tuple[str, str]] = {
    "silent": ("error", f"no answer within {TIMEOUT:g}s"),
    "garbage": ("error", "not TLS"),
    "truncated_alert": ("error", "truncated alert (1 byte)"),
    "rst_after_accept": ("error", "reset by the server after accept"),
    "rst_after_hello": ("error", "reset by the server after accept"),
    "half_close": ("error", "connection closed by server"),
    "http": ("error", "not TLS: the server answered 'HTTP/1.1 400 Bad Request"),
    "slowloris": ("error", f"connection budget of {BUDGET:g}s used up"),
    "ccs_drip": ("error", "records in a row without handshake data"),
    "empty_drip": ("error", "records in a row without handshake data"),
    "ccs_flood": ("error", "records in a row without handshake data"),
    "fragment_flood": ("error", "fragmented over more than"),
    "half_message": ("error", "incomplete handshake message after "),
    "oversized_record": ("error", "record length 20735 exceeds 2^14+256"),
    "oversized_message": ("error", "claims 16777215 bytes"),
    "hrr_loop": ("error", "second HelloRetryRequest (RFC 8446 §4.1.4)"),
    "hrr_unoffered_group": ("error", "HelloRetryRequest key_share selects group 0x0a0a, "
                                     "which was never offered (RFC 8446 §4.2.8)"),
    "hrr_to_tls12": ("error", "HelloRetryRequest to a TLS <= 1.2 ClientHello"),
    "sh_unoffered_suite": ("error", "ServerHello cipher_suite 0x1399 was never offered"),
    "sh_unoffered_version": ("error", "ServerHello supported_versions selects 0x0305, which "
                                      "was never offered (RFC 8446 §4.2.1)"),
    "sh_unoffered_group": ("error", "ServerHello key_share group 0x0a0a was never offered"),
    "sh_unoffered_extension": ("error", "ServerHello extension 23130 was never offered"),
    "smtp_then_reset": ("error", "reset by the server after accept"),
    "smtp_then_drip": ("error", "records in a row without handshake data"),
    "smtp_then_slowloris": ("error", f"connection budget of {BUDGET:g}s used up"),
}
STARTTLS = {"smtp_then_reset", "smtp_then_drip", "smtp_then_slowloris"}


@pytest.fixture(scope="module")
def peers(lab: dict[str, Any]) -> Iterator[dict[str, int]]:
    good = lab["hybrid-fallback"].port
    handlers = {**fakepeer.HOSTILE,
                # the four version probes get the real server; every later hello a reset
                "good_then_reset": fakepeer.proxy_first(4, good, fakepeer.rst_after_hello)}
    servers = {name: fakepeer.serve(fn) for name, fn in handlers.items()}
    yield {name: port for name, (port, _) in servers.items()}
    for _, close in servers.values():
        close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def _target(name: str, port: int) -> Any:
    if name in STARTTLS:
        return parse_target(f"smtp://127.0.0.1:{port}", "localhost")
    return parse_target(f"127.0.0.1:{port}", "localhost")


@pytest.fixture(scope="module")
def hostile_scan(peers: dict[str, int], lab: dict[str, Any]
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, Any], float, float]:
    ports = {**peers, "refused": _closed_port(), "good": lab["hybrid-fallback"].port}
    names = list(ports)
    targets = [_target(n, ports[n]) for n in names]
    fakepeer.warm()  # the floods are built before the clock starts
    # thread_time: the scan's event loop runs in this thread, the fake peers in others
    cpu, wall = time.thread_time(), time.monotonic()
    report = run_scan(targets, ScanOptions(timeout=TIMEOUT, retries=RETRIES), concurrency=32)
    cpu, wall = time.thread_time() - cpu, time.monotonic() - wall
    return dict(zip(names, report["endpoints"], strict=True)), report, wall, cpu


@pytest.mark.lab
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_peer_ends_as_one_line_naming_it(
        name: str, hostile_scan: tuple[dict[str, dict[str, Any]], Any, float, float]) -> None:
    by, _report, _wall, _cpu = hostile_scan
    status, words = EXPECTED[name]
    endpoint = by[name]
    assert endpoint["status"] == status, endpoint["error"]
    assert words in endpoint["error"], endpoint["error"]
    assert "\n" not in endpoint["error"] and endpoint["tls"] is None
    assert incomplete_reasons(endpoint)
    assert scan_exit_code({"endpoints": [endpoint]}) == 3  # this endpoint alone: exit 3
    for probe in endpoint["probes"]:
        assert probe["result"] in ("inconclusive", "violation"), probe
        assert probe["duration_ms"] <= PROBE_BOUND * 1000, probe


@pytest.mark.lab
def test_hostile_scan_is_bounded_and_good_endpoint_unchanged(
        hostile_scan: tuple[dict[str, dict[str, Any]], dict[str, Any], float, float],
        lab_report: dict[str, Any]) -> None:
    by, report, wall, cpu = hostile_scan
    good = by["good"]
    assert good["status"] == "ok" and good["undecided"] == []
    alone = next(e for e in lab_report["endpoints"] if e["label"] == "hybrid-fallback")
    for key in ("versions", "groups", "group_preference", "negotiated", "kex_state",
                "cipher_suites", "signature_schemes"):
        assert good["tls"][key] == alone["tls"][key], key
    assert by["refused"]["status"] == "unreachable"
    assert by["refused"]["error"] == "connection refused"
    assert scan_exit_code(report) == 3
    # every endpoint runs at once; the slowest is one probe chain of bounded connections
    assert wall < 20 * PROBE_BOUND
    assert cpu < CPU_BOUND


@pytest.mark.lab
def test_reset_after_the_first_hellos_decides_nothing_it_did_not_see(
        hostile_scan: tuple[dict[str, dict[str, Any]], dict[str, Any], float, float]) -> None:
    endpoint = hostile_scan[0]["good_then_reset"]
    tls = endpoint["tls"]
    assert endpoint["status"] == "ok" and tls["versions"]["TLSv1.3"] == "supported"
    undecided = {u["decision"]: u["reason"] for u in endpoint["undecided"]}
    assert "tls/group_preference" in undecided and "tls/kex_state" in undecided
    assert "reset by the server after accept" in undecided["tls/group_preference"]
    assert tls["kex_state"] is None
    assert not any(g["status"] == "not_supported" for g in tls["groups"].values())
    # after the four proxied version probes, no probe reads a reset as a refusal
    assert all(p["result"] != "refused" for p in endpoint["probes"]
               if not p["name"].startswith("versions."))
    assert any("tls/kex_state undecided" in r for r in incomplete_reasons(endpoint))


@pytest.mark.lab
def test_cli_on_a_reset_after_the_first_hellos_is_not_tested_and_exit_3(
        lab: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    port, close = fakepeer.serve(fakepeer.proxy_first(4, lab["hybrid-fallback"].port,
                                                      fakepeer.rst_after_hello))
    try:
        result = CliRunner().invoke(cli, [
            "scan", f"127.0.0.1:{port}", "--sni", "localhost", "--timeout", str(TIMEOUT),
            "--profile", "pq-baseline", "--format", "json", "-o", str(out)])
    finally:
        close()
    assert result.exit_code == 3, result.output
    endpoint = load_report(out)["endpoints"][0]  # packed parts read back (model.packed)
    verdicts = {v["requirement"]: v["result"] for v in endpoint["verdicts"]}
    # the group list was cut short by resets: never a FAIL (nor a PASS) on it
    assert verdicts["PQB-HYBRID-OFFERED"] == "NOT_TESTED"
    assert verdicts["PQB-HRR-UPGRADE"] == "NOT_TESTED"
    assert verdicts["PQB-TLS13"] == "PASS"  # decided on a real ServerHello


@pytest.mark.lab
def test_cli_names_each_hostile_peer_on_one_line(peers: dict[str, int]) -> None:
    names = ["hrr_loop", "sh_unoffered_suite", "rst_after_hello"]
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["scan", *(f"127.0.0.1:{peers[n]}" for n in names),
                                      "--timeout", str(TIMEOUT), "--format", "json"])
    assert time.monotonic() - start < 10 * PROBE_BOUND
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.startswith("pqscan: ")]
    assert len(lines) == 3, result.output
    # the report streams: lines come in the order endpoints finished; match them by port
    by_port = {int(line.split(":")[2]): line for line in lines}
    for name in names:
        assert EXPECTED[name][1] in by_port[peers[name]], by_port[peers[name]]


@pytest.mark.lab
def test_mixed_scan_with_store_keeps_every_endpoint(
        peers: dict[str, int], lab: dict[str, Any], tmp_path: Path) -> None:
    names = ["rst_after_hello", "ccs_flood", "sh_unoffered_group", "good"]
    ports = {**peers, "good": lab["hybrid-fallback"].port}
    store = tmp_path / "scan.db"
    result = CliRunner().invoke(cli, [
        "scan", *(f"127.0.0.1:{ports[n]}" for n in names), "--sni", "localhost",
        "--timeout", str(TIMEOUT), "--store", str(store), "--format", "json"])
    assert result.exit_code == 3
    saved = {ep["port"]: ep for ep in iter_endpoints(store)}
    assert len(saved) == 4
    assert saved[ports["good"]]["status"] == "ok"
    assert saved[ports["good"]]["tls"]["kex_state"] == "K2"
    for name in names[:3]:
        assert EXPECTED[name][1] in saved[ports[name]]["error"]
