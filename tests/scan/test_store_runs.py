"""The multi-run store: runs, the reading API (list_runs / iter_endpoints / load_source), the
migration from the first store format, and robustness against corrupt rows (issue 10 item 7).

Endpoints are the real lab scan of tests/data/report/lab-scan.json (see its PROVENANCE.md).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pqscan.errors import UsageError
from pqscan.scan.store import (
    ScanStore,
    endpoint_key,
    iter_endpoints,
    list_runs,
    load_source,
    report_from_source,
    run_metadata,
    target_key,
)
from pqscan.scan.store.transfer import merge
from pqscan.scan.targets import parse_target

REPORT = Path(__file__).parent.parent / "data" / "report" / "lab-scan.json"

# The store schema of pqscan-store-1 exactly as pqscan/store.py created it before issue 12:
# the migration test starts from a file in that format.
V1_SCHEMA = """
CREATE TABLE endpoints (key TEXT PRIMARY KEY, status TEXT NOT NULL, finished_at TEXT NOT NULL,
                        endpoint TEXT NOT NULL);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('format', 'pqscan-store-1');
"""


def _endpoints() -> list[dict[str, Any]]:
    return list(json.loads(REPORT.read_text())["endpoints"])


def _two_runs(db: Path) -> tuple[str, str]:
    eps = _endpoints()
    with ScanStore(db) as store:
        first = store.begin_run({"depth": "standard"}, "aa" * 32, {}).run_id
        for i, ep in enumerate(eps[:5]):
            assert store.put(ep, position=i)
        store.finish_run("complete")
    with ScanStore(db) as store:
        second = store.begin_run({"depth": "quick"}, "bb" * 32, {}).run_id
        for i, ep in enumerate(eps):
            assert store.put(ep, position=i)
        store.finish_run("complete")
    return first, second


def test_a_store_holds_many_runs_and_reads_the_latest_by_default(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first, second = _two_runs(db)
    runs = list_runs(db)
    assert [r.run_id for r in runs] == [first, second]
    assert [r.endpoints for r in runs] == [5, 9]
    assert [r.options for r in runs] == [{"depth": "standard"}, {"depth": "quick"}]
    assert runs[0].input_sha256 == "aa" * 32 and runs[1].state == "complete"
    assert runs[0].finished_at is not None
    assert [e["target"] for e in iter_endpoints(db)] == [e["target"] for e in _endpoints()]
    assert len(list(iter_endpoints(db, first))) == 5
    run, eps = load_source(db, first)
    assert run.run_id == first and len(list(eps)) == 5
    with pytest.raises(UsageError, match="has no run 'nope'"):
        load_source(db, "nope")


def test_resume_continues_the_latest_run(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _first, second = _two_runs(db)
    with ScanStore(db) as store:
        assert store.begin_run({}, None, {}, resume=True).run_id == second
        assert len(store.done_keys(print)) == 8  # 127.0.0.1:1 was unreachable: not done
    assert len(list_runs(db)) == 2


def test_a_report_file_is_a_source_too(tmp_path: Path) -> None:
    run, eps = load_source(REPORT)
    assert run.run_id == "lab-scan.json" and run.state == "complete"
    assert [e["target"] for e in eps] == [e["target"] for e in _endpoints()]
    report = report_from_source(REPORT)
    assert len(report["endpoints"]) == 9


def test_a_store_renders_as_a_report(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _first, second = _two_runs(db)
    report = report_from_source(db)
    assert report["method"]["run"]["run_id"] == second
    assert "incomplete" not in report
    with ScanStore(db) as store:
        store.begin_run({}, None, {})  # a run killed before it finished
        store.put(_endpoints()[0])
    report = report_from_source(db)
    assert report["incomplete"]["reason"].endswith("is running")
    assert len(report["endpoints"]) == 1


def test_migration_from_the_first_store_format_keeps_every_endpoint(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    eps = _endpoints()
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_SCHEMA)
        for ep in eps:
            key = f"{ep['target']}\x1f{ep['sni'] or ''}\x1f"
            conn.execute("INSERT INTO endpoints VALUES (?, ?, ?, ?)",
                         (key, ep["status"], "2026-11-21T20:00:00Z", json.dumps(ep)))
    conn.close()
    # readers see the old file as one run without changing it
    assert [(r.run_id, r.endpoints) for r in list_runs(db)] == [("v1-import", 9)]
    assert list(iter_endpoints(db)) == eps
    # a writer migrates it in place; the old run stays, a new run is added beside it
    with ScanStore(db) as store:
        store.begin_run({}, None, {})
        store.put(eps[0])
        store.finish_run("complete")
    runs = list_runs(db)
    assert [r.run_id for r in runs][0] == "v1-import" and len(runs) == 2
    assert list(iter_endpoints(db, "v1-import")) == eps
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE name='format'").fetchone()[0] \
            == "pqscan-store-3"
        assert {k.rsplit("\x1f", 1)[1] for (k,) in conn.execute("SELECT key FROM run_endpoints")} \
            == {"tls"}
    conn.close()


# The store schema of pqscan-store-2 exactly as pqscan/scan/store/schema.py created it in
# session 3 (many runs; keys target + SNI + STARTTLS, no protocol; no metadata table).
V2_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    state TEXT NOT NULL, tool_version TEXT NOT NULL, input_sha256 TEXT, options TEXT NOT NULL,
    method TEXT NOT NULL);
CREATE TABLE run_endpoints (run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL,
    position INTEGER, status TEXT NOT NULL, finished_at TEXT NOT NULL, endpoint TEXT NOT NULL,
    PRIMARY KEY (run_id, key));
INSERT INTO meta VALUES ('format', 'pqscan-store-2');
INSERT INTO runs VALUES ('r1', '2026-11-01T00:00:00Z', '2026-11-01T01:00:00Z', 'complete',
    '0.3', NULL, '{}', '{}');
"""
SSH_GOLDEN = REPORT.parent.parent / "golden" / "verdicts" / "ssh-sshd-default.json"


def _tls_and_ssh_on_one_port() -> tuple[dict[str, Any], dict[str, Any]]:
    """A TLS endpoint of the lab scan moved to the SSH endpoint's host:port (127.0.0.1:2200)."""
    ssh = json.loads(SSH_GOLDEN.read_text())["endpoint"]
    tls = {**_endpoints()[0], "target": ssh["target"], "host": ssh["host"], "port": ssh["port"],
           "sni": None}
    return tls, ssh


def test_migration_from_store_format_2_adds_the_protocol_to_every_key(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    tls, ssh = _tls_and_ssh_on_one_port()
    with sqlite3.connect(db) as conn:
        conn.executescript(V2_SCHEMA)
        for i, ep in enumerate((tls, ssh)):
            # v2 keys had no protocol: these two would have collided, so only the SSH one fits
            conn.execute("INSERT OR REPLACE INTO run_endpoints VALUES ('r1', ?, ?, ?, ?, ?)",
                         (f"{ep['target']}\x1f\x1f", i, ep["status"], "2026-11-01T00:30:00Z",
                          json.dumps(ep)))
        conn.execute("INSERT INTO run_endpoints VALUES ('r1', 'x', 9, 'ok', "
                     "'2026-11-01T00:30:00Z', '{not json')")
    conn.close()
    assert [r.run_id for r in list_runs(db)] == ["r1"]  # readers read v2 as it is
    with ScanStore(db) as store:  # a writer migrates
        assert store.begin_run({}, None, {}, resume=True).run_id == "r1"
        assert store.put(tls)  # now a second endpoint beside the SSH one, not a replacement
        store.finish_run("complete")
    with sqlite3.connect(db) as conn:
        keys = sorted(k for (k,) in conn.execute("SELECT key FROM run_endpoints"))
        assert conn.execute("SELECT value FROM meta WHERE name='format'").fetchone()[0] \
            == "pqscan-store-3"
    conn.close()
    # the corrupt row keeps its place (readers still name it), as TLS
    assert keys == ["127.0.0.1:2200\x1f\x1f\x1fssh", "127.0.0.1:2200\x1f\x1f\x1ftls",
                    "x\x1ftls"]
    got = list(iter_endpoints(db, "r1", warn=lambda _m: None))
    assert [e.get("protocol", "tls") for e in got] == ["ssh", "tls"]


def test_a_tls_and_an_ssh_endpoint_on_one_port_are_two_rows(tmp_path: Path) -> None:
    tls, ssh = _tls_and_ssh_on_one_port()
    assert endpoint_key(tls) != endpoint_key(ssh)
    assert endpoint_key(ssh) == target_key(parse_target("ssh://127.0.0.1:2200"))
    assert endpoint_key(tls) == target_key(parse_target("127.0.0.1:2200"))
    db = tmp_path / "s.db"
    with ScanStore(db) as store:
        store.begin_run({}, None, {})
        assert store.put(ssh) and store.put(tls)
        assert store.count() == 2


def test_a_run_keeps_its_metadata_rows_with_every_column(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first, second = _two_runs(db)
    assert run_metadata(db) == []
    rows = [{"target": "127.0.0.1:4433", "sector": "energy", "owner": "grid ops"},
            {"target": "127.0.0.1:4434", "sector": "health", "sectors": "a;b"}]
    with ScanStore(db) as store:
        store.begin_run({}, None, {}, resume=True)
        assert store.put_metadata(rows) == 2
        assert store.put_metadata([{**rows[0], "sector": "water"}]) == 1  # replaced
    assert run_metadata(db) == [rows[1], {**rows[0], "sector": "water"}]
    assert run_metadata(db, second) == run_metadata(db)
    assert run_metadata(db, first) == []
    merged = tmp_path / "merged.db"  # store merge carries the rows with their run
    with ScanStore(merged) as dest:
        merge(dest, db)
    assert run_metadata(merged, second) == run_metadata(db)


@pytest.mark.parametrize(("text", "why"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object (a list)"),
    ('{"target": 5, "status": "ok"}', "wrong shape: no string 'target'"),
])
def test_a_corrupt_row_is_skipped_with_a_warning_naming_it(tmp_path: Path, text: str,
                                                           why: str) -> None:
    db = tmp_path / "s.db"
    _first, second = _two_runs(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE run_endpoints SET endpoint=? WHERE run_id=? AND position=2",
                     (text, second))
    conn.close()
    warnings: list[str] = []
    eps = list(iter_endpoints(db, warn=warnings.append))
    assert len(eps) == 8
    assert len(warnings) == 1 and why in warnings[0] and second in warnings[0]
    # resume does not trust the corrupt row: it names it and that target is scanned again
    with ScanStore(db) as store:
        store.begin_run({}, None, {}, resume=True)
        resumed: list[str] = []
        assert len(store.done_keys(resumed.append)) == 7
    assert "scanning that target again" in resumed[0]


def test_not_a_store_and_not_a_report_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_source(tmp_path / "missing.db")
    with pytest.raises(UsageError, match="not a regular file"):
        load_source(tmp_path)
    empty = tmp_path / "empty.db"
    ScanStore(empty).close()
    with pytest.raises(UsageError, match="holds no runs"):
        load_source(empty)
