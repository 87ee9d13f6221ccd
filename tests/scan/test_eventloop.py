"""The scan's event loop (pqscan/scan/eventloop.py): uvloop when installed, asyncio's own loop
when forced, and the same facts from a real server either way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pqscan.lab import LabEndpoint
from pqscan.scan import eventloop
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target


async def _loop_type() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_forced_asyncio_runs_on_the_standard_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.ENV, "asyncio")
    assert eventloop.loop_name() == "asyncio"
    assert eventloop.run(_loop_type()).startswith("asyncio")


def test_uvloop_is_used_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    uvloop = pytest.importorskip("uvloop")
    monkeypatch.delenv(eventloop.ENV, raising=False)
    assert eventloop.loop_name() == f"uvloop {uvloop.__version__}"
    assert eventloop.run(_loop_type()).startswith("uvloop")


def _facts(endpoint: dict[str, Any]) -> dict[str, Any]:
    tls = endpoint["tls"]
    return {"status": endpoint["status"], "kex_state": tls["kex_state"],
            "versions": tls["versions"], "negotiated": tls["negotiated"],
            "groups": {g: (v["status"], v.get("confirmed")) for g, v in tls["groups"].items()},
            "suites": tls["cipher_suites"], "connections": endpoint["connections"]}


@pytest.mark.lab
@pytest.mark.parametrize("server", ["hybrid-preferred", "tls12-only"])
def test_both_loops_record_the_same_facts(lab: dict[str, LabEndpoint], server: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    target = [parse_target(f"127.0.0.1:{lab[server].port}", "localhost")]
    reports = {}
    for name in ("asyncio", "uvloop"):
        monkeypatch.setenv(eventloop.ENV, name)
        reports[name] = run_scan(target, ScanOptions(timeout=5), concurrency=8)
    assert reports["asyncio"]["method"]["event_loop"] == "asyncio"
    assert reports["uvloop"]["method"]["event_loop"].startswith("uvloop ")
    endpoints = {name: r["endpoints"][0] for name, r in reports.items()}
    assert endpoints["uvloop"]["status"] == "ok"
    assert _facts(endpoints["asyncio"]) == _facts(endpoints["uvloop"])
