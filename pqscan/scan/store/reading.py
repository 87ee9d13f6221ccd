"""Reading scan results back: the runs of a store, their endpoints, or a report file alike.

`list_runs(path)`, `iter_endpoints(path, run_id)` and `load_source(path, run_id)` are the one
way every command (`evaluate`, `report render`, `stats`, `store export`) reads endpoints, so a
store and a saved report are interchangeable inputs; `load_typed` gives the same endpoints as
typed observations (pqscan.model.endpoint.Endpoint). Stores are opened read-only and rows are
streamed (constant memory); a corrupt or wrong-shape row is skipped with a one-line warning
naming it — never a traceback, never silently. A run written packed (`report_form:
"compact-2"`, pqscan.model.packed) is unpacked here row by row, so its readers see the same
endpoints as before (report files: pqscan.model.document.load_report).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pqscan.errors import UsageError
from pqscan.model.endpoint import Endpoint
from pqscan.model.packed import COMPACT2, PackedError, unpack_endpoint, unpacked_method
from pqscan.scan.store import schema

SQLITE_MAGIC = b"SQLite format 3\x00"
Warn = Callable[[str], None]


def warn_stderr(message: str) -> None:
    print(f"pqscan: warning: {message}", file=sys.stderr)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One scan run: a store row, or the run a report file records."""

    run_id: str
    started_at: str
    finished_at: str | None
    state: str  # running | complete | interrupted  (a report file: complete | interrupted)
    tool_version: str
    input_sha256: str | None
    endpoints: int
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    method: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "started_at": self.started_at,
                "finished_at": self.finished_at, "state": self.state,
                "tool_version": self.tool_version, "input_sha256": self.input_sha256,
                "endpoints": self.endpoints, "options": self.options}


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def run_info(row: tuple[Any, ...]) -> RunInfo:
    """A `runs` row followed by its endpoint count."""
    run_id, started, finished, state, version, sha, options, method, count = row
    return RunInfo(str(run_id), str(started), finished, str(state), str(version), sha,
                   int(count), _json_object(options), _json_object(method))


def check_endpoint(text: Any) -> str | None:
    """Why a stored endpoint cannot be used (None when it can): JSON of the contract's shape."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError) as exc:
        return f"not valid JSON ({str(exc)[:80]})"
    if not isinstance(value, dict):
        return f"not a JSON object (a {type(value).__name__})"
    for name in ("target", "status"):
        if not isinstance(value.get(name), str):
            return f"wrong shape: no string {name!r}"
    return None


def is_store(path: str | Path) -> bool:
    if not Path(path).is_file():  # a FIFO or device is never opened here
        return False
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _regular(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} {str(p)!r} does not exist")
    if not p.is_file():  # FIFOs and devices are refused, not read
        raise UsageError(f"{what} {str(p)!r} is not a regular file")
    return p


def _open_ro(path: str | Path) -> sqlite3.Connection:
    p = _regular(path, "store")
    try:
        db = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True,
                             timeout=10.0, isolation_level=None)
        found = schema.store_format(db)
    except sqlite3.Error as exc:
        raise UsageError(f"{p}: not a pqscan store ({exc})") from None
    if found is not None and found not in schema.READABLE:  # None: a store being created
        db.close()
        raise UsageError(f"{p}: store format {found!r}, expected {schema.FORMAT!r}")
    return db


def _v1(db: sqlite3.Connection) -> bool:
    return schema.store_format(db) == schema.FORMAT_V1


def _runs(db: sqlite3.Connection) -> list[RunInfo]:
    found = schema.store_format(db)
    if found is None:  # created, no table yet
        return []
    if found == schema.FORMAT_V1:  # an unmigrated store: its one run, as the migration will name it
        first, last, count = db.execute(
            "SELECT MIN(finished_at), MAX(finished_at), COUNT(*) FROM endpoints").fetchone()
        return [RunInfo(schema.V1_RUN_ID, first or "1970-01-01T00:00:00Z", last,
                        "interrupted", f"unknown ({schema.FORMAT_V1})", None, int(count))]
    rows = db.execute(
        "SELECT r.run_id, r.started_at, r.finished_at, r.state, r.tool_version, "
        "r.input_sha256, r.options, r.method, "
        "(SELECT COUNT(*) FROM run_endpoints e WHERE e.run_id=r.run_id) "
        "FROM runs r ORDER BY r.started_at, r.rowid")
    return [run_info(row) for row in rows]


def metadata_rows(db: sqlite3.Connection, run_id: str) -> Iterator[dict[str, Any]]:
    """The stored metadata rows of one run of an open store (none before format 3)."""
    if schema.store_format(db) != schema.FORMAT:
        return
    for (text,) in db.execute("SELECT row FROM run_metadata WHERE run_id=? ORDER BY rowid",
                              (run_id,)):
        row = _json_object(text)
        if row:
            yield row


def run_metadata(path: str | Path, run_id: str | None = None) -> list[dict[str, Any]]:
    """The metadata rows (every column) stored with a run — the latest by default; [] when
    it was given none (or the store predates stored metadata). A corrupt row is skipped."""
    try:
        with closing(_open_ro(path)) as db:
            return list(metadata_rows(db, _pick(path, _runs(db), run_id).run_id))
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: cannot read the store ({exc})") from None


def list_runs(path: str | Path) -> list[RunInfo]:
    """Every run in the store, oldest first."""
    try:
        with closing(_open_ro(path)) as db:
            return _runs(db)
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: cannot read the store ({exc})") from None


def _pick(path: str | Path, runs: list[RunInfo], run_id: str | None) -> RunInfo:
    if not runs:
        raise UsageError(f"store {str(path)!r} holds no runs")
    if run_id is None:
        return runs[-1]
    for run in runs:
        if run.run_id == run_id:
            return run
    raise UsageError(f"store {str(path)!r} has no run {run_id!r} "
                     f"(runs: {', '.join(r.run_id for r in runs[-5:])})")


def _rows(path: str | Path, db: sqlite3.Connection, run: RunInfo,
          warn: Warn, packed: bool = False) -> Iterator[dict[str, Any]]:
    if _v1(db):
        query, args = "SELECT rowid, endpoint FROM endpoints ORDER BY rowid", ()
    else:
        query = ("SELECT rowid, endpoint FROM run_endpoints WHERE run_id=? "
                 "ORDER BY position IS NULL, position, rowid")
        args = (run.run_id,)  # type: ignore[assignment]
    for rowid, text in db.execute(query, args):
        problem = check_endpoint(text)
        if problem:
            warn(f"store {path}: run {run.run_id} row {rowid}: {problem}; skipped")
            continue
        if not packed:
            yield json.loads(text)
            continue
        try:
            yield unpack_endpoint(json.loads(text))
        except PackedError as exc:
            warn(f"store {path}: run {run.run_id} row {rowid}: {exc}; skipped")


def iter_endpoints(path: str | Path, run_id: str | None = None,
                   warn: Warn = warn_stderr) -> Iterator[dict[str, Any]]:
    """The endpoint dicts (JSON contract) of one run of a store — the latest by default."""
    _run, endpoints = load_source(path, run_id, warn)
    return endpoints


def _store_source(path: str | Path, run_id: str | None,
                  warn: Warn) -> tuple[RunInfo, Iterator[dict[str, Any]]]:
    db = _open_ro(path)
    try:
        run = _pick(path, _runs(db), run_id)
    except (UsageError, sqlite3.Error) as exc:
        db.close()
        if isinstance(exc, UsageError):
            raise
        raise UsageError(f"{path}: cannot read the store ({exc})") from None
    packed = run.method.get("report_form") == COMPACT2
    run = replace(run, method=unpacked_method(run.method))

    def endpoints() -> Iterator[dict[str, Any]]:
        try:
            yield from _rows(path, db, run, warn, packed)
        except sqlite3.Error as exc:
            raise UsageError(f"{path}: cannot read the store ({exc})") from None
        finally:
            db.close()

    return run, endpoints()


def _report_source(path: str | Path, run_id: str | None
                   ) -> tuple[RunInfo, Iterator[dict[str, Any]]]:
    from pqscan.model.document import load_report

    p = _regular(path, "report")
    report = load_report(p)
    method = report.get("method") if isinstance(report.get("method"), dict) else {}
    recorded = (method or {}).get("run") or {}
    rid = str(recorded.get("run_id") or p.name)
    if run_id is not None and run_id != rid:
        raise UsageError(f"report {str(p)!r} is run {rid!r}, not {run_id!r}")
    endpoints = [e for e in report["endpoints"] if isinstance(e, dict)]
    tool = report.get("tool") if isinstance(report.get("tool"), dict) else {}
    run = RunInfo(rid, str(report.get("started_at")), report.get("finished_at"),
                  "interrupted" if report.get("incomplete") else "complete",
                  str((tool or {}).get("version", "unknown")), recorded.get("input_sha256"),
                  len(endpoints), recorded.get("options") or {}, method or {})
    return run, iter(endpoints)


def load_source(path: str | Path, run_id: str | None = None, warn: Warn = warn_stderr
                ) -> tuple[RunInfo, Iterator[dict[str, Any]]]:
    """A store (latest run, or `run_id`) or a saved report JSON: (run, its endpoint dicts).
    UsageError (exit 2) naming the file for anything unusable."""
    if is_store(path):
        return _store_source(path, run_id, warn)
    return _report_source(path, run_id)


def load_typed(path: str | Path, run_id: str | None = None, warn: Warn = warn_stderr
               ) -> tuple[RunInfo, Iterator[Endpoint]]:
    """`load_source` with each endpoint read as a typed `Endpoint`; one that does not fit
    the contract is a UsageError naming the file, the endpoint and the JSON path."""
    run, endpoints = load_source(path, run_id, warn)

    def typed() -> Iterator[Endpoint]:
        for index, endpoint in enumerate(endpoints):
            try:
                yield Endpoint.from_dict(endpoint)
            except (TypeError, ValueError) as exc:
                target = str(endpoint.get("target", "?"))[:80]
                raise UsageError(f"{path}: endpoints[{index}] ({target}): {exc}") from None
    return run, typed()


def report_from_source(path: str | Path, run_id: str | None = None,
                       warn: Warn = warn_stderr) -> dict[str, Any]:
    """A whole report document (for `evaluate`, `report render`) from a store or a report."""
    from pqscan.model.document import load_report, new_report

    if not is_store(path):
        return load_report(_regular(path, "report"))
    skipped: list[str] = []

    def note(message: str) -> None:
        skipped.append(message)
        warn(message)

    run, endpoints = _store_source(path, run_id, note)
    report = new_report(list(endpoints), run.started_at, run.finished_at or run.started_at,
                        {**run.method, "run": run.to_dict()})
    reasons = [f"store run {run.run_id} is {run.state}"] if run.state != "complete" else []
    if skipped:  # never hidden: the report says it lacks them, and exit codes follow
        reasons.append(f"{len(skipped)} corrupt store rows skipped")
    if reasons:
        report["incomplete"] = {"reason": "; ".join(reasons),
                                "endpoints": len(report["endpoints"])}
    return report
