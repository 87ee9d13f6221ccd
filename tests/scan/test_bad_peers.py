"""Hostile and broken endpoints: each ends as one clear line, and the rest of the scan goes on.

These are scripted fake servers on 127.0.0.1 — only for misbehaviour no real TLS server
produces (plain HTTP, silence, garbage records, resets).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import fakepeer
import pytest

from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan, scan_exit_code
from pqscan.scan.targets import parse_target


def http_server(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def silent_server(conn: socket.socket) -> None:
    conn.recv(65536)
    threading.Event().wait(3)


def garbage_record_server(conn: socket.socket) -> None:
    conn.recv(65536)
    # a handshake record (type 22, TLS 1.2) whose ServerHello body is cut short
    conn.sendall(bytes.fromhex("160303000a" "020000060303") + b"\x00" * 4)


def reset_server(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def huge_record_server(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(bytes.fromhex("16030350ff"))  # claims a 20735-byte record: over 2^14+256


@pytest.fixture(scope="module")
def peers() -> Iterator[dict[str, int]]:
    servers = {name: fakepeer.serve(fn) for name, fn in [
        ("http", http_server), ("silent", silent_server), ("garbage", garbage_record_server),
        ("reset", reset_server), ("huge", huge_record_server)]}
    yield {name: port for name, (port, _) in servers.items()}
    for _, close in servers.values():
        close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


@pytest.mark.lab
def test_bad_peers_end_as_one_line_and_good_endpoint_still_scanned(
        peers: dict[str, int], lab: dict[str, object]) -> None:
    good = lab["hybrid-fallback"].port  # type: ignore[attr-defined]
    ports = {**peers, "refused": _closed_port(), "good": good}
    names = list(ports)
    targets = [parse_target(f"127.0.0.1:{ports[n]}", "localhost") for n in names]
    report = run_scan(targets, ScanOptions(timeout=0.7, retries=0), concurrency=16)
    by = dict(zip(names, report["endpoints"], strict=True))
    assert by["good"]["status"] == "ok" and by["good"]["tls"]["kex_state"] == "K2"
    assert by["refused"]["status"] == "unreachable"
    assert by["refused"]["error"] == "connection refused"
    assert by["http"]["status"] == "error"
    assert "not TLS" in by["http"]["error"] and "HTTP/1.1" in by["http"]["error"]
    assert by["silent"]["status"] == "error" and "no answer" in by["silent"]["error"]
    assert by["garbage"]["status"] == "error" and "truncated" in by["garbage"]["error"]
    assert by["huge"]["status"] == "error" and "exceeds" in by["huge"]["error"]
    assert by["reset"]["status"] == "error"
    for name in names:
        error = by[name]["error"]
        assert error is None or "\n" not in error
        assert by[name]["tls"] is None or by[name]["status"] == "ok"
    assert scan_exit_code(report) == 3
