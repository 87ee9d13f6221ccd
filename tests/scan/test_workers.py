"""`--workers N` (issue 13): endpoints sharded across processes, merged into one report and
one store writer, with the same facts as the one-process scan (real lab servers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import DEFAULT_LAB, LabEndpoint
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.store import ScanStore, iter_endpoints
from pqscan.scan.targets import parse_target
from pqscan.scan.workers import usable_cores, worker_plan

pytestmark = pytest.mark.lab
NAMES = [spec.name for spec in DEFAULT_LAB]


def _facts(ep: dict[str, Any]) -> tuple[Any, ...]:
    tls = ep["tls"]
    return (ep["target"], ep["status"], tls["kex_state"], sorted(
        g for g, v in tls["groups"].items() if v["status"] == "supported"), tls["versions"])


def test_two_workers_give_the_one_process_facts_and_one_store(
        lab: dict[str, LabEndpoint], lab_report: dict[str, Any], tmp_path: Path) -> None:
    targets = [parse_target(f"127.0.0.1:{lab[n].port}", "localhost") for n in NAMES]
    with ScanStore(tmp_path / "s.sqlite") as store:
        report = run_scan(targets, ScanOptions(timeout=5), 32, store, workers=2)
    assert [ep["target"] for ep in report["endpoints"]] == [t.text for t in targets]
    assert [_facts(ep) for ep in report["endpoints"]] == \
        [_facts(ep) for ep in lab_report["endpoints"]]
    stored = list(iter_endpoints(tmp_path / "s.sqlite"))
    assert sorted(ep["target"] for ep in stored) == sorted(t.text for t in targets)


def test_cli_workers_option(lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    targets = [f"127.0.0.1:{lab[n].port}" for n in ("classical", "tls12-only")]
    result = CliRunner().invoke(cli, ["scan", *targets, "--sni", "localhost", "--workers", "2",
                                      "--format", "json", "-o", str(out), "--profile", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert [ep["status"] for ep in report["endpoints"]] == ["ok", "ok"]
    assert report["method"]["options"]["workers"] == 2


def test_workers_judge_their_endpoints_as_the_one_process_scan_does(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    """With the default profile each worker judges, packs and encodes its own endpoints and
    sends the line (pqscan.cli.scanrun.Judged, issue 13 session 7): findings, verdicts, the
    evaluation summary, the cited fixes, the store rows and the exit code are those of the
    one-process scan of the same servers."""
    from pqscan.model.packed import unpack_endpoint

    targets = [f"127.0.0.1:{lab[n].port}" for n in ("classical", "hybrid-preferred",
                                                     "tls12-only")]
    runs = {}
    for workers in (1, 2):
        out, db = tmp_path / f"r{workers}.json", tmp_path / f"s{workers}.sqlite"
        result = CliRunner().invoke(cli, ["scan", *targets, "--sni", "localhost", "--workers",
                                          str(workers), "--format", "json", "-o", str(out),
                                          "--store", str(db)])
        report = json.loads(out.read_text())
        stored = {ep["target"]: ep for ep in iter_endpoints(db)}
        runs[workers] = (result.exit_code, report, stored)
    (code1, one, stored1), (code2, two, stored2) = runs[1], runs[2]
    assert code2 == code1
    assert two["evaluation"]["summary"] == one["evaluation"]["summary"]
    assert two["evaluation"]["remediation"] == one["evaluation"]["remediation"]
    assert two["evaluation"]["errors"] == one["evaluation"]["errors"] == []
    assert one["evaluation"]["summary"]["endpoints"] == 3
    by1 = {ep["target"]: unpack_endpoint(ep) for ep in one["endpoints"]}
    by2 = {ep["target"]: unpack_endpoint(ep) for ep in two["endpoints"]}
    assert sorted(by2) == sorted(by1) == sorted(stored2)
    for target, ep in by1.items():
        for name in ("findings", "verdicts", "readiness", "status"):
            assert by2[target][name] == ep[name] == stored2[target][name] \
                == stored1[target][name], (target, name)


def test_workers_zero_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["scan", "127.0.0.1:1", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_usable_cores_is_positive() -> None:
    assert usable_cores() >= 1


def test_concurrency_and_rate_are_split_exactly_between_workers() -> None:
    plan = worker_plan(1024, 50.0, 3)
    assert [c for c, _ in plan] == [342, 341, 341]
    assert sum(r or 0 for _, r in plan) == pytest.approx(50.0)
    assert worker_plan(1, None, 2) == [(1, None), (1, None)]  # one connection each at least


def test_cli_default_workers_are_the_usable_cores_and_rate_is_allowed_with_them(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    targets = [f"127.0.0.1:{lab[n].port}" for n in ("classical", "tls12-only")]
    # --profile none: quick depth leaves verdicts of the default profile undecided (exit 3);
    # this test is about the workers and rate options
    result = CliRunner().invoke(cli, ["scan", *targets, "--sni", "localhost", "--rate", "200",
                                      "--depth", "quick", "--profile", "none", "--format",
                                      "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    options = json.loads(out.read_text())["method"]["options"]
    assert (options["workers"], options["rate"]) == (usable_cores(), 200.0)


def test_a_worker_killed_mid_scan_leaves_error_endpoints_naming_it(
        lab: dict[str, LabEndpoint]) -> None:
    """Worker 1 waits on a server that never answers; it is killed (SIGKILL, as the OOM
    killer would) once worker 0's endpoint is in: its endpoint becomes an error naming it and
    the scan ends normally."""
    import multiprocessing
    import os
    import signal
    import socket

    from pqscan.scan.workers import run_workers

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        targets = [parse_target(lab["classical"].address, "localhost"),
                   parse_target(f"127.0.0.1:{silent.getsockname()[1]}", "localhost")]
        got: list[dict[str, Any]] = []

        def on_result(endpoint: dict[str, Any]) -> None:
            got.append(endpoint)
            for child in multiprocessing.active_children():
                if child.name == "pqscan-worker-1" and child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)

        stopped = run_workers(targets, ScanOptions(timeout=30), 8, 2, on_result, "quick")
    finally:
        silent.close()
    assert stopped is None
    by = {ep["target"]: ep for ep in got}
    assert by[targets[0].text]["status"] == "ok"
    lost = by[targets[1].text]
    assert lost["status"] == "error"
    assert lost["error"].startswith("internal error: worker 1 stopped (exit code -9")
