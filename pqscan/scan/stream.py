"""The report as a stream: endpoints are written the moment they finish, then forgotten.

`JSONStream` writes the report document of docs/json-contract.md incrementally: the head
(schema version, tool, start time), then each endpoint as it comes, then the tail (finish
time, method, evaluation, and `incomplete` when the run was cut short). Whatever happens, a
closed stream is valid JSON,
one endpoint per line. `JSONLStream` writes one endpoint per line for pipelines (`jq`,
`pqscan stats`). `Collector` keeps endpoints for the formats that need the whole report at
once (table, HTML, ...): those are for small scans.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol, TextIO

from pqscan import __version__
from pqscan.errors import UsageError
from pqscan.model.document import SCHEMA_VERSION, new_report

STREAMED_FORMATS = ("json", "jsonl")


class Sink(Protocol):
    def write(self, endpoint: dict[str, Any], text: str | None = None) -> None:
        """`text`: the endpoint already as `compact(endpoint)` (made once for every sink)."""
    def close(self, tail: dict[str, Any]) -> None: ...


# One encoder for every line: `json.dumps` with a keyword argument builds a new JSONEncoder
# per call, and an endpoint is a tree (built fresh from the scan, or read from JSON), so the
# C encoder's cycle check (an id() table of every container) buys nothing. The same bytes as
# json.dumps(endpoint, separators=(",", ":")) for any tree; about half its CPU (issue 13).
_ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def compact(endpoint: dict[str, Any]) -> str:
    """The one serialisation of an endpoint that the report streams and the store write."""
    return _ENCODE(endpoint)


def open_output(output: str | None) -> TextIO:
    """stdout, or `-o FILE` opened now: an unwritable path is exit 2 before any traffic."""
    if output is None:
        return sys.stdout
    try:
        return Path(output).open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output!r}: {exc.strerror or exc}") from None


def _indented(value: Any, level: int) -> str:
    text = json.dumps(value, indent=2)
    return text.replace("\n", "\n" + " " * level)


class JSONStream:
    """One report document, written as it grows; `close(tail)` ends it."""

    def __init__(self, out: TextIO, started_at: str) -> None:
        self._out = out
        self._first = True
        head = {"schema_version": SCHEMA_VERSION, "tool": {"name": "pqscan",
                                                          "version": __version__},
                "started_at": started_at}
        body = ",\n".join(f"  {json.dumps(k)}: {_indented(v, 2)}" for k, v in head.items())
        out.write("{\n" + body + ',\n  "endpoints": [\n')
        out.flush()

    def write(self, endpoint: dict[str, Any], text: str | None = None) -> None:
        # one compact line per endpoint, ending in a newline (so stderr lines never join it on
        # a terminal): json's C encoder (indent= falls back to pure Python, which cost more CPU
        # than the scan itself at quick depth); the comma leads the next line
        self._out.write(("    " if self._first else "  , ") + (text or compact(endpoint)) + "\n")
        self._first = False
        self._out.flush()

    def close(self, tail: dict[str, Any]) -> None:
        body = "".join(f",\n  {json.dumps(k)}: {_indented(v, 2)}" for k, v in tail.items())
        self._out.write(f"  ]{body}\n}}\n")
        self._out.flush()
        if self._out is not sys.stdout:
            self._out.close()


class JSONLStream:
    """One endpoint object per line; the run's tail is not written (it is in the store)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, endpoint: dict[str, Any], text: str | None = None) -> None:
        self._out.write((text or compact(endpoint)) + "\n")
        self._out.flush()

    def close(self, tail: dict[str, Any]) -> None:
        if self._out is not sys.stdout:
            self._out.close()


class Collector:
    """Keeps every endpoint: for the formats rendered from the whole report at the end."""

    def __init__(self, started_at: str) -> None:
        self.started_at = started_at
        self.endpoints: list[dict[str, Any]] = []
        self.report: dict[str, Any] | None = None

    def write(self, endpoint: dict[str, Any], text: str | None = None) -> None:
        self.endpoints.append(endpoint)

    def close(self, tail: dict[str, Any]) -> None:
        report = new_report(self.endpoints, self.started_at, tail["finished_at"], tail["method"])
        report.update({k: v for k, v in tail.items() if k not in ("finished_at", "method")})
        self.report = report
