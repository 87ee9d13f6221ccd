"""The scan store: a SQLite file that keeps every finished endpoint as it completes (`ScanStore`).

A regulator's scan of thousands of hosts must survive an interruption: `pqscan scan --store
FILE` writes each endpoint's JSON the moment it is done (one transaction per endpoint, WAL
journal, so a kill loses at most the endpoints still in flight), and `--resume` skips every
target already stored with status "ok". Endpoints that were unreachable or incomplete are
scanned again: a resume is also how a flaky target gets its second chance.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from pqscan.errors import UsageError
from pqscan.targets import Target

_SCHEMA = """
CREATE TABLE IF NOT EXISTS endpoints (
    key TEXT PRIMARY KEY,      -- target text + SNI + STARTTLS: what identifies one scan job
    status TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    endpoint TEXT NOT NULL     -- the endpoint object of the JSON contract
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_FORMAT = "pqscan-store-1"


def target_key(target: str, sni: str | None, starttls: str | None = None) -> str:
    return f"{target}\x1f{sni or ''}\x1f{starttls or ''}"


class ScanStore:
    """One SQLite store file; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot open the store ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE name='format'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (_FORMAT,))
                self._db.commit()
            elif row[0] != _FORMAT:
                raise UsageError(f"{self.path}: store format {row[0]!r}, expected {_FORMAT!r}")
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{self.path}: not a pqscan store ({exc})") from None

    def __enter__(self) -> ScanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def put(self, endpoint: dict[str, Any], finished_at: str) -> None:
        """Save (or replace) one finished endpoint, durably, before the next one."""
        key = target_key(endpoint["target"], endpoint.get("sni"), endpoint.get("starttls"))
        with self._db:  # one transaction per endpoint
            self._db.execute("INSERT OR REPLACE INTO endpoints VALUES (?, ?, ?, ?)",
                             (key, endpoint["status"], finished_at,
                              json.dumps(endpoint, separators=(",", ":"))))

    def completed(self) -> dict[str, dict[str, Any]]:
        """key -> endpoint for every stored endpoint whose scan finished with status "ok"."""
        rows = self._db.execute("SELECT key, endpoint FROM endpoints WHERE status='ok'")
        return {key: json.loads(text) for key, text in rows}

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM endpoints").fetchone()[0])


def split_resumed(targets: list[Target], store: ScanStore
                  ) -> tuple[list[Target], dict[str, dict[str, Any]]]:
    """(targets still to scan, key -> stored endpoint for those already done)."""
    done = store.completed()
    todo = [t for t in targets if target_key(t.text, t.sni, t.starttls) not in done]
    return todo, done
