"""Population-scale scanning (issue 12): streaming output, constant memory, depth, probe
detail, target selection, and the store's behaviour when the database refuses writes.

All scans go to the real lab servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from scan_signals import interrupted_scan

from pqscan.cli.main import cli
from pqscan.cli.scanrun import stream_scan
from pqscan.lab import LabEndpoint
from pqscan.model.packed import unpack_endpoint
from pqscan.model.view import probe_list
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import RunSettings
from pqscan.scan.scanner import scan_stream
from pqscan.scan.store import ScanStore, iter_endpoints, list_runs
from pqscan.scan.stream import JSONStream
from pqscan.scan.targets import parse_target

SCHEMA = json.loads((Path(__file__).parents[2] / "pqscan" / "data" /
                     "report.schema.json").read_text())


def _addresses(lab: dict[str, LabEndpoint], *names: str) -> list[str]:
    return [lab[n].address for n in names]


@pytest.mark.lab
def test_json_is_streamed_valid_and_jsonl_is_one_endpoint_per_line(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    targets = _addresses(lab, "classical", "hybrid-preferred", "tls12-only")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["scan", *targets, "--sni", "localhost", "--format", "json",
                                   "-o", str(out), "--quiet", "--profile", "none"])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    jsonschema.validate(report, SCHEMA)
    assert sorted(e["target"] for e in report["endpoints"]) == sorted(targets)
    assert report["method"]["depth"] == "standard"
    assert "incomplete" not in report
    res = CliRunner().invoke(cli, ["scan", *targets, "--sni", "localhost", "--format", "jsonl",
                                   "--quiet", "--profile", "none"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        jsonschema.validate(json.loads(line), {**SCHEMA["$defs"]["endpoint"],
                                               "$defs": SCHEMA["$defs"]})


@pytest.mark.lab
def test_probe_detail_summary_drops_offers_none_keeps_the_count(
        lab: dict[str, LabEndpoint]) -> None:
    target = lab["hybrid-preferred"].address
    sizes = {}
    reports = {}
    for mode in ("full", "summary", "none"):
        res = CliRunner().invoke(cli, ["scan", target, "--sni", "localhost", "--format",
                                       "jsonl", "--probes", mode, "--quiet"])
        assert res.exit_code == 0, res.output
        sizes[mode] = len(res.stdout)
        reports[mode] = json.loads(res.stdout)
    full, summary, none = reports["full"], reports["summary"], reports["none"]
    assert all(p["offered"] for p in full["probes"])
    assert "probes" not in summary  # the summary is one table (docs/json-contract.md)
    assert sorted(p["name"] for p in probe_list(summary)) == \
        sorted(p["name"] for p in full["probes"])
    assert all(set(p) <= {"name", "result", "transcript_sha256", "attempts", "reason",
                            "evidence_file"}
               and p["transcript_sha256"] for p in probe_list(summary))
    assert none["probes"] == [] and none["connections"] == full["connections"] > 0
    assert sizes["none"] < sizes["summary"] < sizes["full"] / 2
    print("bytes per endpoint by --probes mode:", sizes)
    assert summary["tls"] == full["tls"] == none["tls"]  # the facts do not depend on it


@pytest.mark.lab
def test_quick_depth_uses_at_most_three_connections_and_never_contradicts_standard(
        lab: dict[str, LabEndpoint]) -> None:
    names = list(lab)
    args = ["scan", *(lab[n].address for n in names), "--sni", "localhost", "--format",
            "jsonl", "--quiet", "--profile", "cnsa-2.0,nist-ir-8547,pq-baseline",
            "--fail-on", "never"]
    quick = {e["target"]: e for e in map(read_line, CliRunner().invoke(
        cli, [*args, "--depth", "quick"]).stdout.splitlines())}
    standard = {e["target"]: e for e in map(read_line, CliRunner().invoke(
        cli, args).stdout.splitlines())}
    assert quick.keys() == standard.keys() and len(quick) == len(names)
    for target, q in quick.items():
        s = standard[target]
        assert q["connections"] <= 3 < s["connections"]
        # every hello quick made ended as in standard; one it did not make is null, not a guess
        ran = {b for b, st in q["tls"]["negotiation_status"].items() if st != "not_run"}
        assert {b: q["tls"]["negotiated"][b] for b in ran} == \
            {b: s["tls"]["negotiated"][b] for b in ran}
        assert all(q["tls"]["negotiated"][b] is None for b in q["tls"]["negotiated"]
                   if b not in ran)
        # a K-state quick decides is the one standard decides; otherwise it stays undecided
        assert q["tls"]["kex_state"] in (None, s["tls"]["kex_state"]), target
        verdicts = {(v["profile"], v["requirement"]): v["result"] for v in s["verdicts"]}
        for v in q["verdicts"]:
            assert v["result"] in ("NOT_TESTED", verdicts[(v["profile"], v["requirement"])]), \
                (target, v)
    pq = quick[lab["hybrid-preferred"].address]["tls"]
    assert pq["kex_state"] == "K1" and pq["certificate_chain"]


@pytest.mark.lab
def test_duplicates_are_scanned_once_and_a_sample_is_reproducible(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    port = lab["classical"].port
    res = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", f"tls://127.0.0.1:{port}/x",
                                   "--sni", "localhost", "--format", "jsonl", "--quiet",
                                   "--depth", "quick", "--profile", "none"])
    assert res.exit_code == 0
    assert len(res.stdout.splitlines()) == 1
    assert f"1 duplicate targets scanned once: 127.0.0.1:{port}" in res.stderr
    listing = tmp_path / "targets.txt"
    listing.write_text("".join(f"{lab[n].address}\n" for n in lab))
    picked = []
    for _ in range(2):
        out = tmp_path / "s.json"
        res = CliRunner().invoke(cli, ["scan", "-i", str(listing), "--sni", "localhost",
                                       "--sample", "3", "--seed", "7", "--shuffle", "--depth",
                                       "quick", "--format", "json", "-o", str(out), "--quiet"])
        report = json.loads(out.read_text())
        picked.append(sorted(e["target"] for e in report["endpoints"]))
        sample = report["method"]["selection"]["sample"]
        assert (sample["n"], sample["population"], sample["seed"]) == (3, len(lab), 7)
    assert picked[0] == picked[1] and len(picked[0]) == 3
    res = CliRunner().invoke(cli, ["scan", "-i", str(listing), "--sample", "3"])
    assert res.exit_code == 2 and "--sample needs --seed" in res.stderr


@pytest.mark.lab
def test_the_scanner_keeps_no_endpoint_after_handing_it_over(
        lab: dict[str, LabEndpoint]) -> None:
    """A few hundred endpoints stream through; at every hand-over only the endpoints in
    flight exist (counted among all live objects), never the ones already written."""
    names = list(lab)
    targets = [parse_target(lab[names[i % len(names)]].address, "localhost")
               for i in range(240)]
    concurrency, per_endpoint = 24, 4  # 24 endpoints in flight
    live: list[int] = []

    def count_live_endpoints() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects()
                   if type(o) is dict and "probes" in o and "tls" in o and "target" in o) - before

    before = 0
    before = count_live_endpoints()  # endpoints other tests still hold (failure tracebacks)

    def written(endpoint: dict[str, Any]) -> None:
        del endpoint
        if len(live) % 20 == 0:
            live.append(count_live_endpoints())
        else:
            live.append(-1)

    handed = asyncio.run(scan_stream(targets, ScanOptions(timeout=5, per_endpoint=per_endpoint),
                                     concurrency, written, depth="quick"))
    assert handed == 240
    samples = [n for n in live if n >= 0]
    assert len(samples) == 12
    # the endpoint being handed over, plus at most those in flight (one per connection the
    # limit allows, pqscan.scan.scanner): never the 200 before
    assert max(samples) <= concurrency + 2, samples
    assert count_live_endpoints() == 0


def test_a_receiver_that_falls_behind_pauses_the_scan() -> None:
    """An `on_result` that returns an awaitable (a worker whose queue to the parent is full)
    holds back new endpoints: until it takes the first one, at most the endpoints in flight
    have been started, so nothing piles up in memory behind a slow writer. Targets are a
    closed loopback port (refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: connections are refused
    pulled: list[int] = []

    def targets() -> Any:
        for i in range(60):
            pulled.append(i)
            yield parse_target(f"127.0.0.1:{port}")

    concurrency = 4
    release = asyncio.Event()
    taken: list[int] = []

    async def slow(endpoint: dict[str, Any]) -> None:
        if not taken:
            await asyncio.sleep(0.3)  # time enough for every endpoint in flight to end
            taken.append(len(pulled))
            release.set()
        await release.wait()
        assert endpoint["status"] == "unreachable"

    options = ScanOptions(timeout=5, per_endpoint=1, adaptive=False)
    handed = asyncio.run(scan_stream(targets(), options, concurrency, slow, depth="quick"))
    assert handed == 60 and len(pulled) == 60
    assert taken[0] <= concurrency + 1, taken  # not the 60 a non-waiting scan would start


@pytest.mark.lab
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_leaves_a_valid_report_marked_incomplete(lab: dict[str, LabEndpoint],
                                                         tmp_path: Path, workers: str) -> None:
    """One event loop, or a pool of worker processes (the parent passes the signal on)."""
    out, db = tmp_path / "r.json", tmp_path / "s.db"
    code, _stdout, err = interrupted_scan(
        lab["classical"].address, ["--format", "json", "-o", str(out), "--store", str(db),
                                   "--workers", workers],
        lambda: '"target"' in (out.read_text() if out.exists() else ""), signal.SIGTERM)
    assert code == 3, err
    assert "pqscan: interrupted by SIGTERM; 1 endpoints saved in" in err
    report = json.loads(out.read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["incomplete"] == {"reason": "interrupted by SIGTERM", "endpoints_written": 1,
                                    "endpoints_not_scanned": 1}
    assert [e["target"] for e in report["endpoints"]] == [lab["classical"].address]
    assert list_runs(db)[-1].state == "interrupted"


def _store_scan(lab: dict[str, LabEndpoint], store: ScanStore, out: Path) -> tuple[int, Any]:
    targets = [parse_target(lab[n].address, "localhost") for n in lab]
    with out.open("w") as f:
        outcome = stream_scan(targets, ScanOptions(timeout=5),
                              RunSettings(concurrency=16, depth="quick", quiet=True),
                              [JSONStream(f, "2026-11-30T00:00:00Z")], store)
    return outcome.exit_code, json.loads(out.read_text())


@pytest.mark.lab
def test_a_full_disk_is_one_error_exit_3_and_the_report_still_complete(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with ScanStore(db) as store:
        # SQLite's own page limit: a real SQLITE_FULL ("database or disk is full") once the
        # file reaches it, exactly as on a full disk
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]  # noqa: SLF001
        store._db.execute(f"PRAGMA max_page_count={pages + 6}")  # noqa: SLF001
        code, report = _store_scan(lab, store, tmp_path / "r.json")
        assert store.unsaved > 0 and "database or disk is full" in store.errors[0]
    assert code == 3
    assert len(report["endpoints"]) == len(lab)  # the report streamed on
    assert report["method"]["store"]["unsaved_endpoints"] > 0
    saved = list(iter_endpoints(db))  # what was saved stays readable
    assert 0 < len(saved) == len(lab) - report["method"]["store"]["unsaved_endpoints"]


@pytest.mark.lab
def test_a_locked_store_loses_only_the_writes_made_while_locked(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    other = sqlite3.connect(db, isolation_level=None)
    with ScanStore(db, busy_timeout=0.05) as store:
        original = store.put
        puts: list[bool] = []

        def put(endpoint: dict[str, Any], *args: Any) -> bool:
            if len(puts) == 2:  # another process takes the write lock after two endpoints
                other.execute("BEGIN EXCLUSIVE")
            if len(puts) == 5:  # ... and lets it go three endpoints later
                other.execute("ROLLBACK")
            puts.append(original(endpoint, *args))
            return puts[-1]

        store.put = put  # type: ignore[method-assign]
        code, report = _store_scan(lab, store, tmp_path / "r.json")
        assert "database is locked" in store.errors[0] and store.unsaved == 3
    other.close()
    assert puts == [True, True, False, False, False] + [True] * (len(lab) - 5)
    assert code == 3 and len(report["endpoints"]) == len(lab)
    assert len(list(iter_endpoints(db))) == len(lab) - 3


def test_the_cli_names_a_store_it_cannot_write(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    ScanStore(db).close()
    db.chmod(0o444)
    res = CliRunner().invoke(cli, ["scan", "127.0.0.1:1", "--store", str(db), "--quiet",
                                   "--format", "jsonl", "--timeout", "0.5"])
    if res.exit_code == 2:  # root ignores file modes: nothing to check then
        pytest.skip("running as root: a read-only file is still writable")
    assert res.exit_code == 3


def test_rate_spaces_new_connections_at_least_one_interval_apart() -> None:
    """A lower bound only (a loaded machine is slower, never faster than the pacing)."""
    from pqscan.scan.scanner import connection_limit

    async def run() -> list[float]:
        paced = connection_limit(8, rate=40.0)
        loop = asyncio.get_running_loop()
        times: list[float] = [loop.time()]  # before the first acquisition

        async def one() -> None:
            async with paced:
                times.append(loop.time())

        await asyncio.gather(*(one() for _ in range(6)))
        return sorted(times)

    start, *times = asyncio.run(run())
    # the k-th connection cannot start before k intervals have passed (each waits for its slot)
    assert all(t - start >= k / 40 - 0.002 for k, t in enumerate(times))


def read_line(line: str) -> dict[str, Any]:
    """A `--format jsonl` line as readers see it (packed parts read back, model.packed)."""
    endpoint: dict[str, Any] = unpack_endpoint(json.loads(line))
    return endpoint
