"""Moving runs between stores and files: merge stores, import report files.

`merge` is what several machines (or Dask workers with their own stores) need: every run of
every source lands in the destination, runs with the same id are combined endpoint by
endpoint (the later scan of a target wins), and nothing is dropped — a corrupt row is copied
as it is, so readers still name it. Export lives in `pqscan.cli.store` (it is a report
stream fed by `load_source`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

from pqscan.errors import UsageError
from pqscan.scan.store import schema
from pqscan.scan.store.reading import RunInfo, _open_ro, _runs, load_source, metadata_rows
from pqscan.scan.store.writer import ScanStore, copy_run, endpoint_key, new_run_id

Row = tuple[str, int | None, str, str, str]


def _store_rows(db: sqlite3.Connection, run_id: str) -> Iterator[Row]:
    if schema.store_format(db) == schema.FORMAT_V1:
        yield from db.execute("SELECT key, NULL, status, finished_at, endpoint FROM endpoints")
        return
    yield from db.execute("SELECT key, position, status, finished_at, endpoint FROM "
                          "run_endpoints WHERE run_id=?", (run_id,))


def merge(dest: ScanStore, source: str | Path) -> list[tuple[str, int, int]]:
    """Copy every run of store `source` into `dest`: [(run id, rows written, rows kept)]."""
    if Path(source).resolve() == dest.path.resolve():
        raise UsageError(f"cannot merge {source} into itself")
    out = []
    try:
        with closing(_open_ro(source)) as db:
            for run in _runs(db):
                changed, kept = copy_run(dest, run, _store_rows(db, run.run_id))
                dest.put_metadata(metadata_rows(db, run.run_id), run.run_id)
                out.append((run.run_id, changed, kept))
    except sqlite3.Error as exc:
        raise UsageError(f"{source}: cannot read the store ({exc})") from None
    return out


def import_report(dest: ScanStore, path: str | Path) -> tuple[str, int]:
    """A report file becomes a run of `dest` (its recorded run id, or a new one when the store
    already holds a different run of that id)."""
    run, endpoints = load_source(path)
    existing = {r.run_id for r in _runs(dest._db)}  # noqa: SLF001
    if run.run_id in existing or run.run_id == Path(path).name:
        run = replace(run, run_id=new_run_id())
    finished = run.finished_at or run.started_at

    def rows() -> Iterator[Row]:
        for i, ep in enumerate(endpoints):
            yield (endpoint_key(ep), i, str(ep["status"]), finished,
                   json.dumps(ep, separators=(",", ":")))

    changed, _kept = copy_run(dest, replace(run, method={**run.method,
                                                          "imported_from": str(path)}), rows())
    return run.run_id, changed


def runs_table(runs: list[RunInfo]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in runs]
