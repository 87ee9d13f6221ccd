"""The store's SQLite schema, its version, and the migrations from older store formats.

Version 3 holds many runs: a `runs` row per scan (id, start, end, options, tool version, hash
of the input list), the endpoints keyed by (run, target key), and the target metadata the run
was given (`--metadata`, every column) so statistics can group a run without the file.
The target key ends with the protocol: a TLS and an SSH service on one host:port are two
endpoints.

Older formats are migrated in place, inside one transaction, the first time a writer opens
them (readers read them as they are): version 2 (many runs, keys without the protocol, no
metadata) gets the protocol appended to every key, from the stored endpoint's `protocol`;
version 1 (one anonymous run, endpoints keyed by target alone) becomes the run `v1-import`
first.
"""

from __future__ import annotations

import json
import sqlite3

FORMAT = "pqscan-store-3"
FORMAT_V2 = "pqscan-store-2"
FORMAT_V1 = "pqscan-store-1"
READABLE = (FORMAT, FORMAT_V2, FORMAT_V1)
V1_RUN_ID = "v1-import"

# no ";" inside the comments below: migrate_v1 splits the script on it
TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,            -- NULL while running, or after a kill
    state TEXT NOT NULL,         -- running | complete | interrupted
    tool_version TEXT NOT NULL,
    input_sha256 TEXT,           -- of the normalised target list, NULL if unknown
    options TEXT NOT NULL,       -- JSON object: the scan options of the run
    method TEXT NOT NULL         -- JSON object: the report's method sheet
);
CREATE TABLE IF NOT EXISTS run_endpoints (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    key TEXT NOT NULL,           -- target text, SNI, STARTTLS, protocol: one scan job
    position INTEGER,            -- index in the run's input list (report order)
    status TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    endpoint TEXT NOT NULL,      -- the endpoint object of the JSON contract
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS run_metadata (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    target TEXT NOT NULL,        -- as the metadata file spells it (target or host:port)
    row TEXT NOT NULL,           -- JSON object: every column of the file's row
    PRIMARY KEY (run_id, target)
);
"""


def store_format(db: sqlite3.Connection) -> str | None:
    """The format recorded in the file, or None for an empty (new) database."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables:
        return None if not tables else "unknown"
    row = db.execute("SELECT value FROM meta WHERE name='format'").fetchone()
    return None if row is None else str(row[0])


def create(db: sqlite3.Connection) -> None:
    """A new store (the connection is in autocommit mode: executescript commits itself)."""
    db.executescript(f"BEGIN IMMEDIATE; {TABLES} "
                     f"INSERT OR REPLACE INTO meta VALUES ('format', '{FORMAT}'); COMMIT;")


def _protocol(text: str) -> str:
    """The protocol of a stored endpoint: "ssh" when its JSON says so, else "tls" (every
    endpoint before issue 15 was TLS; a corrupt row stays TLS and readers still name it)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return "tls"
    return "ssh" if isinstance(value, dict) and value.get("protocol") == "ssh" else "tls"


def _from_v1(db: sqlite3.Connection) -> None:
    """pqscan-store-1 -> 2 (inside the caller's transaction): the single unnamed run becomes
    run `v1-import`, its endpoints keep their key, status, time and JSON; nothing is dropped."""
    times = db.execute("SELECT MIN(finished_at), MAX(finished_at) FROM endpoints").fetchone()
    started = times[0] or "1970-01-01T00:00:00Z"
    method = {"store": {"migrated_from": FORMAT_V1}}
    db.execute("INSERT INTO runs VALUES (?, ?, ?, 'interrupted', ?, NULL, '{}', ?)",
               (V1_RUN_ID, started, times[1], f"unknown ({FORMAT_V1})", json.dumps(method)))
    db.execute("INSERT INTO run_endpoints SELECT ?, key, NULL, status, finished_at, endpoint"
               " FROM endpoints ORDER BY rowid", (V1_RUN_ID,))
    db.execute("DROP TABLE endpoints")


def _from_v2(db: sqlite3.Connection) -> None:
    """pqscan-store-2 -> 3 (inside the caller's transaction): every key gets its protocol
    (old keys were unique per run, so the longer ones are too); the metadata table is new."""
    rows = db.execute("SELECT rowid, endpoint FROM run_endpoints").fetchall()
    db.executemany("UPDATE run_endpoints SET key = key || char(31) || ? WHERE rowid=?",
                   [(_protocol(text), rowid) for rowid, text in rows])


def migrate(db: sqlite3.Connection, found: str) -> None:
    """Bring a store of an older format (FORMAT_V1 or FORMAT_V2) to FORMAT. One transaction:
    all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
        if found == FORMAT_V1:
            _from_v1(db)
        _from_v2(db)
        db.execute("UPDATE meta SET value=? WHERE name='format'", (FORMAT,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
