"""`pqscan store list|export|import|merge`, and `evaluate` / `report render` reading a store.

Endpoints are the real lab scan of tests/data/report/lab-scan.json (see its PROVENANCE.md).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.scan.store import ScanStore, endpoint_key, iter_endpoints, list_runs

REPORT = Path(__file__).parent.parent / "data" / "report" / "lab-scan.json"


def _endpoints() -> list[dict[str, Any]]:
    return list(json.loads(REPORT.read_text())["endpoints"])


def _store(db: Path, endpoints: list[dict[str, Any]], depth: str = "quick") -> str:
    with ScanStore(db) as store:
        run = store.begin_run({"depth": depth}, None, {"depth": depth})
        for i, ep in enumerate(endpoints):
            store.put(ep, position=i)
        store.finish_run("complete")
    return run.run_id


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_list_shows_every_run(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = _store(db, _endpoints()[:3])
    second = _store(db, _endpoints(), "standard")
    res = _invoke("store", "list", str(db), "--format", "json")
    assert res.exit_code == 0, res.output
    runs = json.loads(res.stdout)
    assert [(r["run_id"], r["endpoints"], r["state"]) for r in runs] == [
        (first, 3, "complete"), (second, 9, "complete")]
    table = _invoke("store", "list", str(db)).stdout
    assert first in table and "standard" in table


def test_export_import_round_trip_keeps_run_and_endpoints(tmp_path: Path) -> None:
    db, copy = tmp_path / "s.db", tmp_path / "copy.db"
    run_id = _store(db, _endpoints())
    out = tmp_path / "export.json"
    res = _invoke("store", "export", str(db), "-o", str(out))
    assert res.exit_code == 0, res.output
    exported = json.loads(out.read_text())
    assert exported["method"]["run"]["run_id"] == run_id
    assert exported["endpoints"] == _endpoints()
    res = _invoke("store", "import", str(copy), str(out))
    assert res.exit_code == 0, res.output
    assert [r.run_id for r in list_runs(copy)] == [run_id]
    assert list(iter_endpoints(copy)) == _endpoints()
    lines = _invoke("store", "export", str(db), "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == _endpoints()


def test_merge_combines_runs_and_keeps_the_later_scan(tmp_path: Path) -> None:
    eps = _endpoints()
    a, b, dest = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "all.db"
    run_a = _store(a, eps[:5])
    _store(b, eps[5:])
    # machine B also scanned part of run A (a distributed run: same run id, other endpoints)
    with ScanStore(b) as store, sqlite3.connect(a) as src:
        row = src.execute("SELECT * FROM runs").fetchone()
        store._db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)  # noqa: SLF001
        later = {**eps[6], "error": "rescanned"}
        store._db.execute(  # noqa: SLF001
            "INSERT INTO run_endpoints VALUES (?, ?, 6, ?, '2999-01-01T00:00:00Z', ?)",
            (run_a, endpoint_key(eps[6]), eps[6]["status"],
             json.dumps(later)))
    src.close()
    for source in (a, b):
        assert _invoke("store", "merge", str(dest), str(source)).exit_code == 0
    assert len(list_runs(dest)) == 2
    merged = list(iter_endpoints(dest, run_a))
    assert len(merged) == 6 and merged[-1]["error"] == "rescanned"
    # merging again changes nothing: each endpoint is there once
    res = _invoke("store", "merge", str(dest), str(a))
    assert "0 endpoints written, 5 already newer" in res.stderr
    assert len(list(iter_endpoints(dest, run_a))) == 6


def test_evaluate_and_render_read_a_store_latest_run_or_run_id(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = _store(db, _endpoints()[:2])
    _store(db, _endpoints())
    res = _invoke("evaluate", str(db), "--profile", "pq-baseline", "--format", "json",
                  "--fail-on", "never")
    assert res.exit_code in (0, 3), res.output
    assert len(json.loads(res.stdout)["endpoints"]) == 9
    res = _invoke("evaluate", str(db), "--run", first, "--profile", "pq-baseline",
                  "--format", "json", "--fail-on", "never")
    assert len(json.loads(res.stdout)["endpoints"]) == 2
    res = _invoke("report", "render", str(db), "--run", first, "--format", "csv")
    assert res.exit_code == 0, res.output
    assert _endpoints()[0]["target"] in res.stdout
    res = _invoke("report", "render", str(db), "--run", "nope", "--format", "csv")
    assert res.exit_code == 2 and "has no run 'nope'" in res.stderr


def test_export_of_a_store_with_a_corrupt_row_warns_and_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _store(db, _endpoints())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE run_endpoints SET endpoint='{broken' WHERE position=1")
    conn.close()
    res = _invoke("store", "export", str(db))
    assert res.exit_code == 3
    assert "row 2: not valid JSON" in res.stderr and "skipped" in res.stderr
    assert len(json.loads(res.stdout)["endpoints"]) == 8  # the rest is all there


def test_evaluate_of_a_store_with_a_corrupt_row_says_so_and_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _store(db, _endpoints()[:8])  # the eight lab servers, all reachable
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE run_endpoints SET endpoint='[]' WHERE position=3")
    conn.close()
    res = _invoke("evaluate", str(db), "--profile", "pq-baseline", "--fail-on", "never",
                  "--format", "json")
    assert res.exit_code == 3
    assert "row 4: not a JSON object (a list); skipped" in res.stderr
    report = json.loads(res.stdout)
    assert report["incomplete"]["reason"] == "1 corrupt store rows skipped"
    assert len(report["endpoints"]) == 7
