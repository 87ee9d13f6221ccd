"""The store writer (`ScanStore`): one run's endpoints saved the moment each finishes.

A regulator's scan of thousands of hosts must survive an interruption: `pqscan scan --store
FILE` writes each endpoint's JSON as soon as it is done (one transaction per endpoint, WAL
journal, so a kill loses at most the endpoints in flight). Each scan is a run; `--resume`
continues the latest run, skipping every target it already holds with status "ok" (an
unreachable or incomplete endpoint is scanned again: a resume is a flaky target's second try).

The store never loses or hides data (issue 10 item 7): a write that fails (disk full, database
locked past the busy timeout, read-only file) is recorded in `errors` and reported by the
caller as one line with exit 3, while the scan streams on and what was saved stays readable.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pqscan import __version__
from pqscan.errors import PqscanError, UsageError
from pqscan.scan.store import schema
from pqscan.scan.store.reading import RunInfo, check_endpoint, run_info

if TYPE_CHECKING:
    from pqscan.scan.targets import Target

BUSY_TIMEOUT_S = 10.0  # another writer (a merge, a second scan) may hold the lock this long


class StoreWriteError(PqscanError):
    """The database refused a write (disk full, locked, read-only): exit 3, data kept."""


def _key(text: str, sni: str | None, starttls: str | None, protocol: str | None) -> str:
    return f"{text}\x1f{sni or ''}\x1f{starttls or ''}\x1f{protocol or 'tls'}"


def target_key(target: Target) -> str:
    """What identifies one scan job in a run: the target text, SNI, STARTTLS and protocol (a
    TLS and an SSH service on one host:port are two endpoints)."""
    return _key(target.text, target.sni, target.starttls, target.protocol)


def endpoint_key(endpoint: Mapping[str, Any]) -> str:
    """The `target_key` of the target a finished endpoint (JSON contract) was scanned as."""
    return _key(endpoint["target"], endpoint.get("sni"), endpoint.get("starttls"),
                endpoint.get("protocol"))


def new_run_id() -> str:
    """Sortable by time, unique across machines: 20261130T201500Z-1a2b3c."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def _db_error(path: Path, exc: BaseException) -> str:
    return f"store {path}: {exc}"


class ScanStore:
    """One SQLite store file opened for writing; use as a context manager."""

    def __init__(self, path: str | Path, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.errors: list[str] = []  # writes that failed, one line each
        self.unsaved = 0
        self.run: RunInfo | None = None
        try:
            self._db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot open the store ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # durable against a killed process (the OS has the WAL); an fsync per endpoint
            # would cap the scan at the disk's sync rate
            self._db.execute("PRAGMA synchronous=NORMAL")
            found = schema.store_format(self._db)
            if found is None:
                schema.create(self._db)
            elif found in (schema.FORMAT_V1, schema.FORMAT_V2):
                schema.migrate(self._db, found)
            elif found != schema.FORMAT:
                raise UsageError(f"{self.path}: store format {found!r}, "
                                 f"expected {schema.FORMAT!r}")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise UsageError(f"{self.path}: not a pqscan store ({exc})") from None
        except UsageError:
            self._db.close()
            raise

    def __enter__(self) -> ScanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # -- runs ---------------------------------------------------------------------------

    def begin_run(self, options: dict[str, Any], input_sha256: str | None,
                  method: dict[str, Any], resume: bool = False) -> RunInfo:
        """Start a new run, or with `resume` continue the latest one (a new run if none)."""
        latest = self._db.execute("SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC"
                                  " LIMIT 1").fetchone() if resume else None
        try:
            if latest is not None:
                self._db.execute("UPDATE runs SET state='running', finished_at=NULL "
                                 "WHERE run_id=?", (latest[0],))
                run_id = str(latest[0])
            else:
                run_id = new_run_id()
                self._db.execute(
                    "INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, ?, ?, ?)",
                    (run_id, _now(), __version__, input_sha256, json.dumps(options),
                     json.dumps(method)))
        except sqlite3.Error as exc:
            raise StoreWriteError(f"store {self.path}: cannot start a run ({exc})") from None
        self.run = self._run_info(run_id)
        return self.run

    def finish_run(self, state: str, method: dict[str, Any] | None = None) -> None:
        """Close the current run as `complete` or `interrupted` (best effort: a failure is
        recorded in `errors`, the endpoints already saved stay as they are)."""
        if self.run is None:
            return
        try:
            if method is not None:
                self._db.execute("UPDATE runs SET method=? WHERE run_id=?",
                                 (json.dumps(method), self.run.run_id))
            self._db.execute("UPDATE runs SET state=?, finished_at=? WHERE run_id=?",
                             (state, _now(), self.run.run_id))
        except sqlite3.Error as exc:
            self.errors.append(_db_error(self.path, exc))

    def put_metadata(self, rows: Iterable[Mapping[str, Any]], run_id: str | None = None) -> int:
        """Keep the target metadata a run (default: the current one) was given, every column of
        each row, keyed by its `target`, replacing what the run held for those targets: `stats
        --by` reads it from the run. One transaction; returns the rows stored. A refused write
        is recorded in `errors` (the scan goes on; statistics can still be given --metadata)."""
        if run_id is None and self.run is None:
            self.begin_run({}, None, {})
        run_id = run_id or (self.run.run_id if self.run else None)
        stored = [(run_id, str(row["target"]),
                   json.dumps(dict(row), separators=(",", ":"), default=str))
                  for row in rows if row.get("target")]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO run_metadata VALUES (?, ?, ?)", stored)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self.errors.append(_db_error(self.path, exc))
            return 0
        return len(stored)

    def _run_info(self, run_id: str) -> RunInfo:
        row = self._db.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM run_endpoints e WHERE e.run_id=r.run_id) "
            "FROM runs r WHERE run_id=?", (run_id,)).fetchone()
        return run_info(row)

    # -- endpoints ------------------------------------------------------------------------

    def put(self, endpoint: dict[str, Any], finished_at: str | None = None,
            position: int | None = None, text: str | None = None) -> bool:
        """Save (or replace) one finished endpoint durably; False (and one line in `errors`)
        when the database refused it — the caller carries on streaming. `text`: the
        endpoint's compact JSON when the caller has it already."""
        if self.run is None:
            self.begin_run({}, None, {})
        assert self.run is not None
        try:
            text = text or json.dumps(endpoint, separators=(",", ":"))
            self._db.execute("INSERT OR REPLACE INTO run_endpoints VALUES (?, ?, ?, ?, ?, ?)",
                             (self.run.run_id, endpoint_key(endpoint), position,
                              endpoint["status"], finished_at or _now(), text))
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError) as exc:
            self.unsaved += 1
            if len(self.errors) < 5:  # the first few reasons, not one line per endpoint
                self.errors.append(_db_error(self.path, exc))
            return False
        return True

    def done_keys(self, warn: Callable[[str], None]) -> set[str]:
        """Keys of the current run's endpoints stored with status "ok" (a resume skips them).
        A corrupt row is not trusted: `warn` names it and its target is scanned again."""
        assert self.run is not None
        keys: set[str] = set()
        rows = self._db.execute("SELECT rowid, key, endpoint FROM run_endpoints "
                                "WHERE run_id=? AND status='ok'", (self.run.run_id,))
        for rowid, key, text in rows:
            problem = check_endpoint(text)
            if problem:
                warn(f"store {self.path}: run {self.run.run_id} row {rowid}: {problem}; "
                     "scanning that target again")
                continue
            keys.add(key)
        return keys

    def count(self, run_id: str | None = None) -> int:
        """Endpoints saved in `run_id` (default: the current run, else the whole store)."""
        run_id = run_id or (self.run.run_id if self.run else None)
        if run_id is None:
            return int(self._db.execute("SELECT COUNT(*) FROM run_endpoints").fetchone()[0])
        return int(self._db.execute("SELECT COUNT(*) FROM run_endpoints WHERE run_id=?",
                                    (run_id,)).fetchone()[0])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def copy_run(dest: ScanStore, run: RunInfo, rows: Iterable[tuple[str, int | None, str, str, str]]
             ) -> tuple[int, int]:
    """Add `run` (if new) and its rows (key, position, status, finished_at, JSON text) to
    `dest` in one transaction; where both hold an endpoint, the later `finished_at` wins (as a
    resume's rescan would). Returns (rows added or replaced, rows kept as they were)."""
    changed = kept = 0
    db = dest._db  # noqa: SLF001 - the store's own module
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (run.run_id, run.started_at, run.finished_at, run.state, run.tool_version,
                    run.input_sha256, json.dumps(run.options), json.dumps(run.method)))
        for key, position, status, finished_at, text in rows:
            old = db.execute("SELECT finished_at FROM run_endpoints WHERE run_id=? AND key=?",
                             (run.run_id, key)).fetchone()
            if old is not None and old[0] >= finished_at:
                kept += 1
                continue
            db.execute("INSERT OR REPLACE INTO run_endpoints VALUES (?, ?, ?, ?, ?, ?)",
                       (run.run_id, key, position, status, finished_at, text))
            changed += 1
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise StoreWriteError(f"store {dest.path}: {exc}; nothing of run {run.run_id} "
                              "was written") from None
    return changed, kept
