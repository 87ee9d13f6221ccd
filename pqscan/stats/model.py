"""The results of `pqscan stats`: shares with intervals, per group and run, and comparisons.

Frozen values with `to_dict()`; the renderers (table, csv, html) and the JSON output read
only these. Shares are fractions of *decided* endpoints: `n` = count + those not in the
share; endpoints whose fact was inconclusive (`excluded`) or to which a requirement does not
apply (`not_applicable`) are outside n and reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pqscan.stats.intervals import Interval

STATS_VERSION = "1"


def _round(value: float) -> float:
    return round(value, 6)


@dataclass(frozen=True, slots=True)
class ShareStat:
    """count of n decided endpoints are in the share; Wilson interval for count/n."""

    id: str
    title: str
    count: int
    n: int
    excluded: int
    not_applicable: int
    interval: Interval

    @property
    def share(self) -> float | None:
        return self.count / self.n if self.n else None

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {"id": self.id, "title": self.title, "count": self.count, "n": self.n,
                "share": None if share is None else _round(share),
                "low": _round(self.interval.low), "high": _round(self.interval.high),
                "excluded": self.excluded, "not_applicable": self.not_applicable}


@dataclass(frozen=True, slots=True)
class Population:
    """Every endpoint of a group by scan status; only `ok` endpoints enter shares."""

    endpoints: int
    ok: int
    unreachable: int
    error: int
    malformed: int  # ok endpoints whose facts could not be read: every share excludes them

    def to_dict(self) -> dict[str, int]:
        return {"endpoints": self.endpoints, "ok": self.ok, "unreachable": self.unreachable,
                "error": self.error, "malformed": self.malformed}


@dataclass(frozen=True, slots=True)
class GroupStats:
    """One group of one run: all endpoints (by = None) or one value of a `--by` column."""

    by: str | None
    value: str
    population: Population
    shares: tuple[ShareStat, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "value": self.value, "population": self.population.to_dict(),
                "shares": [s.to_dict() for s in self.shares]}


@dataclass(frozen=True, slots=True)
class RunStats:
    """The statistics of one run of one source."""

    label: str
    source: str
    run_id: str | None
    info: tuple[tuple[str, Any], ...]  # started_at, finished_at, ... as the source gave them
    groups: tuple[GroupStats, ...]

    @property
    def overall(self) -> GroupStats:
        return self.groups[0]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "source": self.source, "run_id": self.run_id,
                **dict(self.info), "groups": [g.to_dict() for g in self.groups]}


@dataclass(frozen=True, slots=True)
class PairedChange:
    """The endpoints decided for a share in both runs, as a 2x2 table, and Newcombe's paired
    interval for their change (entered - left) / n."""

    both: int
    left: int
    entered: int
    neither: int
    interval: Interval

    @property
    def n(self) -> int:
        return self.both + self.left + self.entered + self.neither

    @property
    def difference(self) -> float:
        return (self.entered - self.left) / self.n

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "both": self.both, "left": self.left, "entered": self.entered,
                "neither": self.neither, "difference": _round(self.difference),
                "low": _round(self.interval.low), "high": _round(self.interval.high)}


@dataclass(frozen=True, slots=True)
class ShareChange:
    """A share in run A and in run B, the change p_B - p_A and its Newcombe interval
    (independent samples), and the same endpoints' paired change when there are any."""

    by: str | None
    value: str
    a: ShareStat
    b: ShareStat
    interval: Interval | None  # None when either run decided no endpoint for this share
    paired: PairedChange | None = None

    @property
    def difference(self) -> float | None:
        if self.a.share is None or self.b.share is None:
            return None
        return self.b.share - self.a.share

    def to_dict(self) -> dict[str, Any]:
        d = self.difference
        return {"by": self.by, "value": self.value, "id": self.a.id, "title": self.a.title,
                "a": {"count": self.a.count, "n": self.a.n,
                      "share": None if self.a.share is None else _round(self.a.share)},
                "b": {"count": self.b.count, "n": self.b.n,
                      "share": None if self.b.share is None else _round(self.b.share)},
                "difference": None if d is None else _round(d),
                "low": None if self.interval is None else _round(self.interval.low),
                "high": None if self.interval is None else _round(self.interval.high),
                "paired": None if self.paired is None else self.paired.to_dict()}


@dataclass(frozen=True, slots=True)
class Moved:
    """An endpoint in both runs whose membership changed: shares entered, left, and those
    whose fact became or stopped being undecided or applicable (`unsettled`); `status` is
    "ok -> unreachable" etc. when the scan status itself changed."""

    endpoint: str
    status: str | None
    entered: tuple[str, ...]
    left: tuple[str, ...]
    unsettled: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "status": self.status, "entered": list(self.entered),
                "left": list(self.left), "unsettled": list(self.unsettled)}


@dataclass(frozen=True, slots=True)
class Comparison:
    """Run A against run B: every share's change, and which endpoints moved."""

    a: str
    b: str
    changes: tuple[ShareChange, ...]
    moved: tuple[Moved, ...]
    only_in_a: int
    only_in_b: int

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "method": "newcombe-hybrid-score",
                "changes": [c.to_dict() for c in self.changes],
                "moved": [m.to_dict() for m in self.moved],
                "only_in_a": self.only_in_a, "only_in_b": self.only_in_b}


@dataclass(frozen=True, slots=True)
class StatsResult:
    """Everything one `pqscan stats` invocation computed."""

    confidence: float
    as_of: str
    profiles: tuple[str, ...]
    runs: tuple[RunStats, ...]
    comparison: Comparison | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"stats_version": STATS_VERSION, "confidence": self.confidence,
                "interval": "wilson", "as_of": self.as_of, "profiles": list(self.profiles),
                "runs": [r.to_dict() for r in self.runs],
                "comparison": None if self.comparison is None else self.comparison.to_dict(),
                "warnings": list(self.warnings)}
