"""Target metadata: the declared facts about each target (owner, system, shelf-life, exposure).

Read from a TOML file (`[[target]]` tables) or a CSV file (one row per target, header row) and
joined to endpoints by their `target` (or `host:port`). Declared values feed the Mosca risk
model (pqscan.assess.risk) with provenance "declared"; anything missing stays a default there.
Any other column (sector, region, ...) is kept as it is in `extra`: the same file groups
`pqscan stats --by COLUMN`.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pqscan.errors import UsageError
from pqscan.inputfile import MAX_SMALL_FILE_BYTES, read_text

EXPOSURES = ("internet", "partner", "internal")
IMPACTS = ("low", "moderate", "high")
FIELDS = ("target", "owner", "system_id", "data_shelf_life_years", "migration_years",
          "exposure", "impact", "impact_auth", "sectors")


@dataclass(frozen=True)
class TargetMetadata:
    """Declared facts about one target; None means "not declared"."""

    target: str
    owner: str | None = None
    system_id: str | None = None
    data_shelf_life_years: float | None = None
    migration_years: float | None = None
    exposure: str | None = None
    impact: str | None = None
    impact_auth: str | None = None
    sectors: tuple[str, ...] = field(default_factory=tuple)
    # every other column, in file order: (name, text) or (name, tuple of texts) for a list
    extra: tuple[tuple[str, str | tuple[str, ...]], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.target, str):
            raise TypeError("target must be a str")
        if not self.target:
            raise ValueError("target must not be empty")
        for name in ("data_shelf_life_years", "migration_years"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if self.exposure is not None and self.exposure not in EXPOSURES:
            raise ValueError(f"exposure must be one of {', '.join(EXPOSURES)}, "
                             f"got {self.exposure!r}")
        for name in ("impact", "impact_auth"):
            value = getattr(self, name)
            if value is not None and value not in IMPACTS:
                raise ValueError(f"{name} must be one of {', '.join(IMPACTS)}, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "owner": self.owner, "system_id": self.system_id,
                "data_shelf_life_years": self.data_shelf_life_years,
                "migration_years": self.migration_years, "exposure": self.exposure,
                "impact": self.impact, "impact_auth": self.impact_auth,
                "sectors": list(self.sectors),
                "extra": {k: list(v) if isinstance(v, tuple) else v for k, v in self.extra}}


def _number(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value).strip()


def _extra(name: str, value: Any) -> tuple[str, str | tuple[str, ...]]:
    if isinstance(value, list | tuple):
        return name, tuple(str(v).strip() for v in value)
    if isinstance(value, dict):
        raise ValueError(f"{name} must be a value or a list of values, not a table")
    return name, "" if value is None else str(value).strip()


def _entry(raw: Mapping[str, Any]) -> TargetMetadata:
    extra = tuple(_extra(str(k), v) for k, v in raw.items() if k not in FIELDS)
    sectors = raw.get("sectors") or ()
    if isinstance(sectors, str):
        sectors = [s.strip() for s in sectors.split(";") if s.strip()]
    if not isinstance(sectors, list | tuple) or not all(isinstance(s, str) for s in sectors):
        raise ValueError("sectors must be a list of strings (CSV: separated by ';')")
    return TargetMetadata(
        target=str(raw.get("target") or ""), owner=_text(raw.get("owner")),
        system_id=_text(raw.get("system_id")),
        data_shelf_life_years=_number(raw.get("data_shelf_life_years"), "data_shelf_life_years"),
        migration_years=_number(raw.get("migration_years"), "migration_years"),
        exposure=_text(raw.get("exposure")), impact=_text(raw.get("impact")),
        impact_auth=_text(raw.get("impact_auth")), sectors=tuple(sectors), extra=extra)


def _file_text(path: Path) -> str:
    """A regular file under the size cap (a FIFO or device is refused, never read)."""
    try:
        return read_text(path, MAX_SMALL_FILE_BYTES, "the metadata size limit")
    except UsageError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise UsageError(f"cannot read metadata {str(path)!r}: {reason}") from None


def read_rows(path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    """The raw rows of a metadata file, every column kept, each with where it is ("row 3",
    "[[target]] #2"): the one CSV/TOML reader, for `load_metadata`, `stats --by` and the store."""
    text = _file_text(path)
    if path.suffix.lower() == ".toml":
        data = tomllib.loads(text)
        targets = data.get("target")
        if not isinstance(targets, list):
            raise UsageError(f"metadata {str(path)!r}: expected [[target]] tables")
        return [(f"[[target]] #{i + 1}", t) for i, t in enumerate(targets)]
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        return [(f"row {i + 2}", {k: v for k, v in row.items() if k is not None})
                for i, row in enumerate(reader)]
    raise UsageError(f"metadata {str(path)!r}: use a .toml or .csv file")


def load_metadata(path: str | Path) -> dict[str, TargetMetadata]:
    """target -> TargetMetadata; UsageError naming the file and entry for anything bad."""
    p = Path(path)
    try:
        rows = read_rows(p)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
        raise UsageError(f"metadata {str(p)!r} does not parse: {exc}") from None
    out: dict[str, TargetMetadata] = {}
    for where, raw in rows:
        try:
            entry = _entry(raw)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"metadata {str(p)!r} {where}: {exc}") from None
        if entry.target in out:
            raise UsageError(f"metadata {str(p)!r} {where}: duplicate target {entry.target!r}")
        out[entry.target] = entry
    return out


def metadata_for(ep: Mapping[str, Any],
                 metadata: Mapping[str, TargetMetadata] | None) -> TargetMetadata | None:
    """The entry declared for this endpoint: by its target text, else by host:port."""
    if not metadata:
        return None
    host, port = ep.get("host"), ep.get("port")
    keys = [str(ep.get("target")), f"{host}:{port}", f"[{host}]:{port}"]
    return next((metadata[k] for k in keys if k in metadata), None)
