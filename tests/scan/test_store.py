"""The scan store: endpoints saved as they finish, --resume takes the finished ones back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pqscan.errors import UsageError
from pqscan.lab import LabEndpoint
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.store import ScanStore, iter_endpoints
from pqscan.scan.targets import parse_target


def _saved(db: Path) -> int:
    """Endpoints in the store's latest run as another process sees it (0 before a run)."""
    try:
        return sum(1 for _ in iter_endpoints(db))
    except UsageError:
        return 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.lab
def test_resume_keeps_finished_endpoints_and_rescans_the_rest(
        lab: dict[str, LabEndpoint], tmp_path: Path) -> None:
    targets = [parse_target(lab["hybrid-preferred"].address, "localhost"),
               parse_target(f"127.0.0.1:{_free_port()}"),  # nothing listens: unreachable
               parse_target(lab["classical"].address, "localhost")]
    options = ScanOptions(timeout=2, retries=0)
    db = tmp_path / "scan.db"
    with ScanStore(db) as store:
        first = run_scan(targets, options, 8, store=store)
        assert store.count() == 3
    assert [e["status"] for e in first["endpoints"]] == ["ok", "unreachable", "ok"]
    with ScanStore(db) as store:
        again = run_scan(targets, options, 8, store=store, resume=True)
    assert again["method"]["store"] == {"path": str(db), "resumed_endpoints": 2,
                                        "scanned_endpoints": 1}
    assert again["method"]["run"]["run_id"] == first["method"]["run"]["run_id"]
    # the finished endpoints come back as stored (same evidence), in input order
    for a, b in zip(first["endpoints"], again["endpoints"], strict=True):
        assert a["target"] == b["target"]
    for i in (0, 2):
        assert ([p["transcript_sha256"] for p in again["endpoints"][i]["probes"]]
                == [p["transcript_sha256"] for p in first["endpoints"][i]["probes"]])
    assert again["endpoints"][1]["status"] == "unreachable"


@pytest.mark.lab
def test_each_endpoint_is_durable_when_it_finishes(lab: dict[str, LabEndpoint],
                                                   tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    seen: list[int] = []
    with ScanStore(db) as store:
        original = store.put

        def put_and_look(endpoint: dict[str, object], finished_at: str | None = None,
                         position: int | None = None) -> bool:
            saved = original(endpoint, finished_at, position)
            # another reader (another process after a kill) already sees it
            seen.append(sum(1 for _ in iter_endpoints(db)))
            return saved

        store.put = put_and_look  # type: ignore[method-assign]
        run_scan([parse_target(lab[n].address, "localhost") for n in ("classical", "dual-cert")],
                 ScanOptions(timeout=3), 8, store=store)
    assert seen == [1, 2]


def test_a_file_that_is_not_a_store_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match="not a pqscan store"):
        ScanStore(bad)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.executescript("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "INSERT INTO meta VALUES ('format', 'something-else');")
    with pytest.raises(UsageError, match="store format 'something-else'"):
        ScanStore(other)


def test_resume_without_store_is_a_usage_error() -> None:
    from click.testing import CliRunner

    from pqscan.cli.main import cli

    res = CliRunner().invoke(cli, ["scan", "127.0.0.1:1", "--resume"])
    assert res.exit_code == 2
    assert "--resume needs --store FILE" in res.stderr


@pytest.mark.lab
@pytest.mark.parametrize("workers", ["1", "2"])
def test_interrupted_cli_scan_keeps_finished_endpoints(lab: dict[str, LabEndpoint],
                                                       tmp_path: Path, workers: str) -> None:
    import json
    import signal
    import subprocess
    import sys

    from scan_signals import interrupted_scan

    db = tmp_path / "scan.db"
    code, _out, err = interrupted_scan(lab["classical"].address,
                                       ["--store", str(db), "--format", "json",
                                        "--workers", workers, "--profile", "none"],
                                       lambda: _saved(db) == 1, signal.SIGINT)
    assert code == 3, err
    assert f"pqscan: interrupted by SIGINT; 1 endpoints saved in {db}, rerun with --resume" in err
    # the resumed run takes the stored endpoint and scans only what is left
    cmd2 = [sys.executable, "-m", "pqscan", "scan", lab["classical"].address, "--sni",
            "localhost", "--store", str(db), "--resume", "--format", "json", "--profile", "none"]
    done = subprocess.run(cmd2, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["method"]["store"]["resumed_endpoints"] == 1
    assert report["method"]["store"]["scanned_endpoints"] == 0
    assert report["endpoints"][0]["tls"]["kex_state"] == "K3"


def test_an_unopenable_store_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot open the store"):
        ScanStore(tmp_path / "missing-dir" / "scan.db")
