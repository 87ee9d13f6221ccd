"""Breakdowns: which metadata groups an endpoint belongs to for `pqscan stats --by COLUMN`.

The metadata file is the one `pqscan scan --metadata` reads (CSV with a header row, or TOML
`[[target]]` tables, keyed by `target`), but any column can group here, not only the fields
the risk model knows. A multi-valued cell (a TOML list, or the `sectors` column's
`;`-separated CSV form) puts the endpoint in each of its groups. An endpoint the file does
not list, or whose cell is empty, is in the group "(none)"; a row that matches no endpoint of
any run is reported as a warning, since it usually means a typo in a target.

Without `--metadata`, the rows a store keeps with its runs (`pqscan scan --store --metadata`)
are used: the rows of every run read, a later run's row for a target replacing an earlier
one, so each endpoint sits in one group across runs and `--compare` measures configuration
changes, not reclassification.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pqscan.errors import Option, UsageError
from pqscan.model.metadata import read_rows as metadata_rows
from pqscan.scan.store import run_metadata

NONE_GROUP = "(none)"
ALIASES = {"sector": "sectors", "sectors": "sector"}


def _values(column: str, cell: Any) -> tuple[str, ...]:
    if isinstance(cell, list | tuple):
        values = [str(v).strip() for v in cell]
    elif column == "sectors" and isinstance(cell, str):
        values = [v.strip() for v in cell.split(";")]
    else:
        values = [] if cell is None else [str(cell).strip()]
    return tuple(dict.fromkeys(v for v in values if v)) or (NONE_GROUP,)


def endpoint_keys(endpoint: Mapping[str, Any]) -> tuple[str, ...]:
    """The spellings a metadata row may use for this endpoint (as pqscan.model.metadata)."""
    host, port = endpoint.get("host"), endpoint.get("port")
    return (str(endpoint.get("target")), f"{host}:{port}", f"[{host}]:{port}")


class Grouping:
    """The `--by` columns of one metadata file, and which of its rows matched an endpoint."""

    __slots__ = ("_cells", "_matched", "by", "name", "path")

    def __init__(self, path: str | Path | None, by: Iterable[str],
                 stored: list[tuple[str, Mapping[str, Any]]] | None = None) -> None:
        """`path`: the --metadata file; else `stored`: (where, row) kept in a store."""
        self.path = None if path is None else Path(path)
        self.name = repr(str(self.path)) if self.path is not None else "stored with the runs"
        wanted = tuple(dict.fromkeys(by))
        if wanted and self.path is None and not stored:
            raise UsageError(Option("by"), " needs ", Option("metadata"),
                             " FILE (CSV or TOML keyed by target), or a store whose runs were "
                             "scanned with ", Option("metadata"))
        rows = self._read() if self.path is not None else list(stored or [])
        columns = {c for _, row in rows for c in row}
        resolved: list[str] = []
        for column in wanted:
            name = column if column in columns else ALIASES.get(column, "")
            if name not in columns:
                raise UsageError(Option("by"), f" {column}: no such column in metadata "
                                 f"{self.name} "
                                 f"(columns: {', '.join(sorted(columns - {'target'})) or 'none'})")
            resolved.append(name)
        self.by = tuple(resolved)
        self._cells: dict[str, tuple[tuple[str, ...], ...]] = {}
        for where, row in rows:
            target = str(row.get("target") or "").strip()
            if not target:
                raise UsageError(f"metadata {self.name} {where}: no target")
            if target in self._cells:
                raise UsageError(f"metadata {self.name} {where}: "
                                 f"duplicate target {target!r}")
            self._cells[target] = tuple(_values(c, row.get(c)) for c in self.by)
        self._matched: set[str] = set()

    def _read(self) -> list[tuple[str, Mapping[str, Any]]]:
        assert self.path is not None
        try:
            return metadata_rows(self.path)
        except OSError as exc:
            raise UsageError(f"cannot read metadata {str(self.path)!r}: "
                             f"{exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
            raise UsageError(f"metadata {str(self.path)!r} does not parse: {exc}") from None

    def groups(self, endpoint: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(column, value) for every breakdown group the endpoint is in."""
        if not self.by:
            return []
        key = next((k for k in endpoint_keys(endpoint) if k in self._cells), None)
        if key is None:
            return [(column, NONE_GROUP) for column in self.by]
        self._matched.add(key)
        return [(column, value) for column, values in zip(self.by, self._cells[key], strict=True)
                for value in values]

    def warnings(self) -> list[str]:
        """One line naming the metadata rows that matched no endpoint, if any."""
        unmatched = [t for t in self._cells if t not in self._matched]
        if not self.by or not unmatched:
            return []
        shown = ", ".join(repr(t) for t in unmatched[:10])
        more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        return [f"metadata {self.name}: {len(unmatched)} row(s) match no endpoint: "
                f"{shown}{more}"]


def stored_rows(runs: Iterable[tuple[str, str | None]]) -> list[tuple[str, Mapping[str, Any]]]:
    """The metadata rows stored with these (store path, run id) runs, one per target: a later
    run's row replaces an earlier one's."""
    latest: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for path, run_id in runs:
        for row in run_metadata(path, run_id):
            target = str(row.get("target") or "").strip()
            latest.pop(target, None)  # re-inserted last: the order of the latest rows
            latest[target] = (f"run {run_id} target {target!r}", row)
    return list(latest.values())
