"""`pqscan scan --dask`: a real `dask scheduler` and two `dask worker` processes on loopback;
one worker is killed mid-run, and the store still ends with every endpoint exactly once,
with the same facts as a local scan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import LabEndpoint
from pqscan.model.packed import unpack_endpoint
from pqscan.scan.store import iter_endpoints, list_runs


def _dask_cli(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "dask"), *args]


def _facts(endpoint: dict[str, Any]) -> dict[str, Any]:
    """What a scan decided (not timings): the same server must give the same facts."""
    tls = endpoint["tls"] or {}
    return {"status": endpoint["status"], "versions": tls.get("versions"),
            "groups": {n: g["status"] for n, g in (tls.get("groups") or {}).items()},
            "negotiated": tls.get("negotiated"), "kex_state": tls.get("kex_state"),
            "chain": [c.get("sha256") for c in tls.get("certificate_chain") or []]}


def _scheduler_address(sched_file: Path, deadline: float) -> str:
    """The scheduler's address once its file is complete: it may be seen half written."""
    while True:
        try:
            return str(json.loads(sched_file.read_text())["address"])
        except (OSError, ValueError, KeyError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    pytest.importorskip("distributed")
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(subprocess.Popen(
            _dask_cli("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(sched_file)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        address = _scheduler_address(sched_file, time.monotonic() + 60)
        for _ in range(2):
            procs.append(subprocess.Popen(
                _dask_cli("worker", address, "--nthreads", "1", "--no-nanny", "--host",
                          "127.0.0.1", "--no-dashboard"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=30)


@pytest.mark.lab
@pytest.mark.slow
def test_a_killed_worker_loses_no_endpoint_and_duplicates_none(
        cluster: tuple[str, list[subprocess.Popen[bytes]]], lab: dict[str, LabEndpoint],
        tmp_path: Path) -> None:
    address, procs = cluster
    listing = tmp_path / "targets.txt"
    # each lab server under two names: 16 distinct endpoints, 8 chunks of 2
    listing.write_text("".join(f"127.0.0.1:{e.port}\nlocalhost:{e.port}\n"
                               for e in lab.values()))
    db, local_out = tmp_path / "dask.db", tmp_path / "local.jsonl"
    cmd = [sys.executable, "-m", "pqscan", "scan", "-i", str(listing), "--sni", "localhost",
           "--dask", address, "--chunk-size", "2", "--store", str(db), "--format", "jsonl",
           "--quiet", "--concurrency", "8", "--profile", "none"]
    scan = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill one worker once results are coming back
            if db.exists() and list_runs(db) and list_runs(db)[-1].endpoints >= 2:
                break
            time.sleep(0.05)
        procs[1].send_signal(signal.SIGKILL)
        out, err = scan.communicate(timeout=300)
    finally:
        scan.kill()
    assert scan.returncode == 0, err
    assert list_runs(db)[-1].endpoints == 16
    stored = list(iter_endpoints(db))
    keys = [(e["target"], e["sni"]) for e in stored]
    assert len(keys) == len(set(keys)) == 16  # every endpoint exactly once
    assert sorted(json.loads(line)["target"] for line in out.splitlines()) == \
        sorted(e["target"] for e in stored)
    # a resume through the cluster sends nothing: every endpoint is already in the store
    again = subprocess.run([*cmd, "--resume", "--format", "json"], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    store_method = json.loads(again.stdout)["method"]["store"]
    assert (store_method["resumed_endpoints"], store_method["scanned_endpoints"]) == (16, 0)
    local = CliRunner().invoke(cli, ["scan", "-i", str(listing), "--sni", "localhost",
                                     "--format", "jsonl", "--quiet", "-o", str(local_out),
                                     "--profile", "none"])
    assert local.exit_code == 0
    here = {e["target"]: _facts(unpack_endpoint(e))  # a line as readers see it (model.packed)
            for e in map(json.loads, local_out.read_text().splitlines())}
    assert {e["target"]: _facts(e) for e in stored} == here


def test_dask_without_the_extra_is_exit_2_with_the_install_hint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    res = CliRunner().invoke(cli, ["scan", "127.0.0.1:1", "--dask", "tcp://127.0.0.1:8786"])
    assert res.exit_code == 2
    assert "pip install 'pqscan[distributed]'" in res.stderr
