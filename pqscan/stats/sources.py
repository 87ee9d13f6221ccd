"""Where `pqscan stats` reads runs from: a SOURCE file, opened as one or more `Run`s.

A SOURCE is a scan report (JSON, the contract of docs/json-contract.md), a JSON-lines stream
(one endpoint object per line; header lines carrying `schema_version` give the run's times) or
a scan store (SQLite, `pqscan scan --store`). Endpoints are yielded one at a time and never
kept: a report's endpoints array is decoded element by element (`json.JSONDecoder.raw_decode`)
and a store is read row by row. A file that cannot be opened or does not start like a report
is a usage error (exit 2); one that breaks after endpoints were read is an incomplete input
(exit 3), since the statistics so far would silently describe part of the run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pqscan.errors import PqscanError, UsageError

SCHEMA_VERSION = "1"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DECODER = json.JSONDecoder()
_HEADER_FIELDS = ("started_at", "finished_at", "incomplete", "sample")


class IncompleteInput(PqscanError):
    """The input broke after some endpoints were read (exit 3)."""


@dataclass(slots=True)
class Run:
    """One run of one source. `info` fills in while `endpoints()` is consumed (a streamed
    report may carry `finished_at` after its endpoints)."""

    source: str
    run_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.source if self.run_id is None else f"{self.source}@{self.run_id}"

    def endpoints(self) -> Iterator[dict[str, Any]]:
        path = Path(self.source)
        with _open(path) as handle:
            head = handle.read(len(_SQLITE_MAGIC))
        if head == _SQLITE_MAGIC:
            yield from _store_endpoints(path, self)
            return
        text = _read_text(path)
        if _is_jsonl(text):
            yield from _jsonl_endpoints(path, text, self)
        else:
            yield from _report_endpoints(path, text, self)


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{str(path)!r} is not UTF-8 text: {exc.reason}") from None


def _is_jsonl(text: str) -> bool:
    """JSON lines: the first line is a whole object on its own that is not a report (a
    pretty-printed report's first line is a bare "{")."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        item = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(item, dict) and "endpoints" not in item


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _broken(path: Path, count: int, what: str) -> PqscanError:
    if count == 0:
        return UsageError(f"{str(path)!r} is not a pqscan report: {what}")
    return IncompleteInput(f"{str(path)!r} breaks after {count} endpoint(s): {what}")


def _header(run: Run, key: str, value: Any, path: Path) -> None:
    if key == "schema_version" and value != SCHEMA_VERSION:
        raise UsageError(f"{str(path)!r}: unsupported report schema_version {value!r} "
                         f"(this pqscan reads {SCHEMA_VERSION!r})")
    if key in _HEADER_FIELDS:
        run.info[key] = value


def _report_endpoints(path: Path, text: str, run: Run) -> Iterator[dict[str, Any]]:
    """The endpoints of a report object, decoded one at a time (the text is held, the dicts
    are not)."""
    count, pos, seen = 0, _skip(text, 0), False
    if not text.startswith("{", pos):
        raise _broken(path, 0, "expected a JSON object")
    pos += 1
    try:
        while True:
            pos = _skip(text, pos)
            if text.startswith("}", pos):
                break
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if not text.startswith(":", pos):
                raise _broken(path, count, f"expected ':' at character {pos}")
            pos = _skip(text, pos + 1)
            if key == "endpoints" and text.startswith("[", pos):
                seen = True
                pos = _skip(text, pos + 1)
                while not text.startswith("]", pos):
                    endpoint, pos = _DECODER.raw_decode(text, pos)
                    if not isinstance(endpoint, dict):
                        raise _broken(path, count, f"endpoints[{count}] is not an object")
                    count += 1
                    yield endpoint
                    pos = _skip(text, pos)
                    if text.startswith(",", pos):
                        pos = _skip(text, pos + 1)
                    elif not text.startswith("]", pos):
                        raise _broken(path, count, f"expected ',' or ']' at character {pos}")
                pos += 1
            else:
                value, pos = _DECODER.raw_decode(text, pos)
                _header(run, str(key), value, path)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos += 1
    except json.JSONDecodeError as exc:
        raise _broken(path, count, f"{exc.msg} at character {exc.pos}") from None
    if not seen:
        raise _broken(path, count, "no 'endpoints' array")


def _jsonl_endpoints(path: Path, text: str, run: Run) -> Iterator[dict[str, Any]]:
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _broken(path, count, f"line {number}: {exc.msg}") from None
        if not isinstance(item, dict):
            raise _broken(path, count, f"line {number} is not a JSON object")
        if "target" in item and "status" in item:
            count += 1
            yield item
        else:
            for key, value in item.items():
                _header(run, key, value, path)


def _store_endpoints(path: Path, run: Run) -> Iterator[dict[str, Any]]:
    count = 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UsageError(f"{str(path)!r}: cannot open the store ({exc})") from None
    try:
        try:
            times = db.execute("SELECT MIN(finished_at), MAX(finished_at) FROM endpoints")
            first, last = times.fetchone()
            rows = db.execute("SELECT endpoint FROM endpoints ORDER BY key")
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{str(path)!r}: not a pqscan store ({exc})") from None
        run.info.update(started_at=first, finished_at=last)
        try:
            for (text,) in rows:
                endpoint = json.loads(text)
                count += 1
                yield endpoint
        except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
            raise _broken(path, count, str(exc)) from None
    finally:
        db.close()


def open_runs(sources: tuple[str, ...]) -> list[Run]:
    """One Run per SOURCE, checked to exist now (exit 2 before any work)."""
    runs = []
    for source in sources:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"cannot read {source!r}: "
                             f"{'not a file' if path.exists() else 'no such file'}")
        runs.append(Run(source))
    return runs
