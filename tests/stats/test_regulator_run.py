"""Issue 12's "done when", end to end through real processes: a regulator runs

    pqscan scan -i sector.txt --depth quick --store s.db --metadata sector.csv

interrupts it (a real SIGINT), resumes it, runs it again next month into the same store while
a known set of the services changed configuration, and gets

    pqscan stats s.db --by sector --compare previous latest

with intervals and charts, without passing the metadata file again (the store kept it).
The services are the real lab servers behind relays (test_stats_lab.Relay, CHANGES); one more
target accepts and never answers, which holds the first run open for the interrupt.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_stats_lab import CHANGES, Relay

from pqscan.cli.main import cli
from pqscan.errors import UsageError
from pqscan.lab import LabEndpoint
from pqscan.scan.store import iter_endpoints, list_runs, run_metadata

SECTORS = {"svc-a": "energy", "svc-b": "energy", "svc-c": "health", "svc-d": "health",
           "svc-e": "water", "svc-f": "water"}


def _saved(db: Path) -> int:
    try:
        return sum(1 for e in iter_endpoints(db, warn=lambda _m: None) if e["status"] == "ok")
    except UsageError:
        return 0


def _scan(args: list[str], interrupt_when: Any = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pqscan", "scan", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if interrupt_when is not None:
            # generous: under a loaded CI machine six quick scans can take a minute
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not interrupt_when():
                time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _point(relays: dict[str, Relay], lab: dict[str, LabEndpoint], month: int) -> None:
    for name, servers in CHANGES.items():
        if servers[month] is None:
            relays[name].close()  # the service was switched off
        else:
            relays[name].backend = lab[servers[month]].port


@pytest.mark.lab
def test_a_regulator_scans_interrupts_resumes_rescans_and_compares(
        lab: dict[str, LabEndpoint], relays: dict[str, Relay], tmp_path: Path) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    hold = f"127.0.0.1:{silent.getsockname()[1]}"
    addresses = {name: f"127.0.0.1:{relay.port}" for name, relay in relays.items()}
    sector_txt, sector_csv, db = tmp_path / "sector.txt", tmp_path / "sector.csv", \
        tmp_path / "s.db"
    sector_txt.write_text("".join(f"{a}\n" for a in addresses.values()) + f"{hold}\n")
    sector_csv.write_text("target,sectors,owner\n" + "".join(
        f"{addresses[n]},{SECTORS[n]},ops-{n}\n" for n in CHANGES) + f"{hold},water,ops-x\n")
    common = ["-i", str(sector_txt), "--depth", "quick", "--store", str(db), "--metadata",
              str(sector_csv), "--sni", "localhost", "--timeout", "30", "--quiet",
              "--format", "jsonl"]

    # month 1: interrupted once the six services are in the store; the silent one holds it
    _point(relays, lab, 0)
    first = _scan(common, lambda: _saved(db) == len(CHANGES))
    assert first.returncode == 3, first.stderr
    assert f"interrupted by SIGINT; {len(CHANGES)} endpoints saved in {db}, rerun with " \
           "--resume" in first.stderr
    assert [r.state for r in list_runs(db)] == ["interrupted"]
    # resume: the silent target now refuses (switched off), the six come from the store
    silent.close()
    resumed = _scan([*common, "--resume"])
    assert resumed.returncode == 3, resumed.stderr  # one target unreachable: incomplete
    endpoints = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert sorted(e["status"] for e in endpoints) == ["ok"] * len(CHANGES) + ["unreachable"]
    month_1 = list_runs(db)
    assert len(month_1) == 1 and month_1[0].state == "complete" and month_1[0].endpoints == 7

    # month 2: a known set changed configuration; a new run in the same store
    _point(relays, lab, 1)
    second = _scan(common)
    assert second.returncode == 3, second.stderr  # svc-f and the hold target are gone
    runs = list_runs(db)
    assert [r.state for r in runs] == ["complete", "complete"]
    assert {r["target"]: r["sectors"] for r in run_metadata(db)} == \
        {**{addresses[n]: SECTORS[n] for n in CHANGES}, hold: "water"}

    # statistics by sector, month 1 against month 2, from the store alone
    res = CliRunner().invoke(cli, ["stats", str(db), "--by", "sector", "--compare", "previous",
                                   "latest", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["run_id"] for r in out["runs"]] == [r.run_id for r in runs]
    groups = {(g["by"], g["value"]) for g in out["runs"][1]["groups"]}
    assert groups == {(None, "all"), ("sectors", "energy"), ("sectors", "health"),
                      ("sectors", "water")}
    by_target = {f"{a} sni=localhost": n for n, a in addresses.items()}
    moved = {by_target[m["endpoint"]] for m in out["comparison"]["moved"]}
    assert moved == {"svc-a", "svc-b", "svc-c", "svc-f"}
    change = next(c for c in out["comparison"]["changes"]
                  if c["by"] is None and c["id"] == "tls13")
    assert change["low"] <= change["difference"] <= change["high"]
    page = CliRunner().invoke(cli, ["stats", str(db), "--by", "sector", "--compare", "previous",
                                    "latest", "--format", "html"])
    assert page.exit_code == 0 and page.stdout.count("<svg") >= 3
