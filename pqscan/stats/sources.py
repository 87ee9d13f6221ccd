"""Where `pqscan stats` reads runs from: a SOURCE file, opened as one or more `Run`s.

A SOURCE is a scan report (JSON, the contract of docs/json-contract.md), a JSON-lines stream
(one endpoint object per line; header lines carrying `schema_version` give the run's times) or
a scan store (SQLite, `pqscan scan --store`, read through pqscan.scan.store: its latest run, the
runs asked for, or all). Endpoints are yielded one at a time and never kept: a report is read
in 1 MB chunks, each top-level object key by key and its endpoints array element by element
(`json.JSONDecoder.raw_decode`), a store row by row; a packed endpoint (`pqscan scan` writes
them, pqscan.model.packed) is unpacked as it is read. A file that cannot be opened or does not
start like a report is a usage error (exit 2); one that breaks after endpoints were read is an
incomplete input (exit 3), since the statistics so far would silently describe part of the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pqscan.errors import PqscanError, UsageError
from pqscan.model.document import SCHEMA_VERSION
from pqscan.model.packed import PackedError, unpack_endpoint
from pqscan.scan.store import is_store, list_runs, load_source

_DECODER = json.JSONDecoder()
_HEADER_FIELDS = ("started_at", "finished_at", "incomplete", "sample", "state")


class IncompleteInput(PqscanError):
    """The input broke after some endpoints were read (exit 3)."""


@dataclass(slots=True)
class Run:
    """One run of one source. `info` fills in while `endpoints()` is consumed (a streamed
    report may carry `finished_at` after its endpoints); `warnings` collects rows a store
    reader skipped."""

    source: str
    run_id: str | None = None
    store: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.source if self.run_id is None else f"{self.source}@{self.run_id}"

    def endpoints(self) -> Iterator[dict[str, Any]]:
        path = Path(self.source)
        if self.store:
            yield from self._store_endpoints(path)
            return
        with _open(path) as handle:
            try:
                yield from _json_endpoints(path, _Stream(handle), self)
            except UnicodeDecodeError as exc:
                raise UsageError(f"{str(path)!r} is not UTF-8 text: {exc.reason}") from None

    def _store_endpoints(self, path: Path) -> Iterator[dict[str, Any]]:
        """One run of a store through pqscan.scan.store (rows streamed, corrupt rows skipped with
        a warning); a store that fails part-way is an incomplete input."""
        info, endpoints = load_source(path, self.run_id, self.warnings.append)
        self.info.update(started_at=info.started_at, finished_at=info.finished_at,
                         state=info.state)
        count = 0
        try:
            for endpoint in endpoints:
                count += 1
                yield endpoint
        except UsageError as exc:
            if count == 0:
                raise
            raise IncompleteInput(f"{exc} (after {count} endpoint(s))") from None


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None


class _Stream:
    """A JSON text read in chunks: only the undecoded rest of the file is held in memory."""

    CHUNK = 1 << 20

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._text = ""
        self._pos = 0
        self._offset = 0  # characters dropped from the front
        self._eof = False

    @property
    def position(self) -> int:
        return self._offset + self._pos

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(self.CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._offset += self._pos
        self._text = self._text[self._pos:] + chunk
        self._pos = 0
        return True

    def at(self, char: str) -> bool:
        """Skip white space; is the next character `char`?"""
        while True:
            while self._pos < len(self._text) and self._text[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._text) or not self._more():
                return self._text.startswith(char, self._pos)

    def at_end(self) -> bool:
        self.at("")
        return self._pos >= len(self._text)

    def take(self, char: str) -> bool:
        if self.at(char):
            self._pos += 1
            return True
        return False

    def decode(self) -> Any:
        self.at("")
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._pos)
            except json.JSONDecodeError:
                if self._more():
                    continue  # the value runs past the chunk read so far
                raise
            if end == len(self._text) and self._more():
                continue  # a number or literal may go on in the next chunk
            self._pos = end
            return value


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


def _unpacked(path: Path, count: int, endpoint: dict[str, Any]) -> dict[str, Any]:
    try:
        unpacked: dict[str, Any] = unpack_endpoint(endpoint)
    except PackedError as exc:
        raise _broken(path, count - 1, f"endpoints[{count - 1}].{exc}") from None
    return unpacked


def _json_endpoints(path: Path, text: _Stream, run: Run) -> Iterator[dict[str, Any]]:
    """The endpoints of a report object, or of a JSON-lines sequence of endpoint and header
    objects, decoded and yielded one at a time: one reader for both, since each top-level
    object is read key by key and only an `endpoints` array is streamed element by element."""
    count, seen = 0, False

    def expect(char: str) -> None:
        if not text.take(char):
            raise _broken(path, count, f"expected {char!r} at character {text.position}")

    try:
        expect("{")
        while True:
            fields: dict[str, Any] = {}
            while not text.take("}"):
                key = text.decode()
                expect(":")
                if key == "endpoints" and text.take("["):
                    seen = True
                    while not text.take("]"):
                        endpoint = text.decode()
                        if not isinstance(endpoint, dict):
                            raise _broken(path, count, f"endpoints[{count}] is not an object")
                        count += 1
                        # packed parts read back by shape: a streamed report's marker
                        # (method) comes after its endpoints (pqscan.model.packed)
                        yield _unpacked(path, count, endpoint)
                        if not text.at("]"):
                            expect(",")
                else:
                    fields[str(key)] = text.decode()
                if not text.at("}"):
                    expect(",")
            if "target" in fields and "status" in fields:  # a JSON-lines endpoint
                seen = True
                count += 1
                yield _unpacked(path, count, fields)
            else:
                for key, value in fields.items():
                    _header(run, key, value, path)
            if text.take("{"):
                continue  # the next line of a JSON-lines file
            if not text.at_end():
                raise _broken(path, count, f"unexpected text at character {text.position}")
            break
    except json.JSONDecodeError as exc:
        raise _broken(path, count, f"{exc.msg} at character {text.position}") from None
    if not seen:
        raise _broken(path, count, "no 'endpoints' array")


def open_runs(sources: tuple[str, ...], run_ids: tuple[str, ...] = (),
              all_runs: bool = False) -> list[Run]:
    """The runs to read, checked now (exit 2 before any work): one per report or JSON-lines
    SOURCE; for a store its latest run, the `run_ids` asked for, or with `all_runs` every run
    (oldest first)."""
    runs: list[Run] = []
    for source in sources:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"cannot read {source!r}: "
                             f"{'not a file' if path.exists() else 'no such file'}")
        if not is_store(path):
            runs.append(Run(source))
            continue
        stored = [r.run_id for r in list_runs(path)]
        if not stored:
            raise UsageError(f"store {source!r} holds no runs")
        missing = [r for r in run_ids if r not in stored]
        if missing:
            raise UsageError(f"store {source!r} has no run {missing[0]!r} "
                             f"(runs: {', '.join(stored[-5:])})")
        chosen = list(run_ids) if run_ids else stored if all_runs else stored[-1:]
        runs.extend(Run(source, run_id, store=True) for run_id in chosen)
    return runs
