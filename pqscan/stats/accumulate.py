"""Counting: endpoints stream through `RunAccumulator.add` and leave only counters behind.

Per group (all endpoints, and each `--by` value) the accumulator keeps the population by
status and, per share, how many endpoints were in it, out of it, undecided and not
applicable. Nothing else of an endpoint is kept, except, when the run takes part in a
`--compare`, one byte per share per endpoint (its States) and its group keys, which is what
listing the endpoints that moved and the paired intervals need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pqscan.model.vocab import EndpointStatus
from pqscan.stats.grouping import Grouping
from pqscan.stats.intervals import CONFIDENCE, wilson
from pqscan.stats.model import GroupStats, Population, RunStats, ShareStat
from pqscan.stats.shares import ShareSet, State
from pqscan.stats.sources import Run

GroupKey = tuple[str | None, str]
ALL: GroupKey = (None, "all")
_STATUSES = tuple(s.value for s in EndpointStatus)


def endpoint_id(endpoint: Mapping[str, Any]) -> str:
    """What identifies one endpoint across runs: the target, plus SNI and STARTTLS if set."""
    parts = [str(endpoint.get("target"))]
    if endpoint.get("sni") and endpoint.get("sni") != endpoint.get("host"):
        parts.append(f"sni={endpoint['sni']}")
    if endpoint.get("starttls"):
        parts.append(f"starttls={endpoint['starttls']}")
    return " ".join(parts)


class _GroupCounts:
    """Counters of one group: statuses, then 4 per share (indexed by State)."""

    __slots__ = ("counts", "malformed", "statuses")

    def __init__(self, shares: int) -> None:
        self.statuses = dict.fromkeys((*_STATUSES, "other"), 0)
        self.malformed = 0
        self.counts = [0] * (4 * shares)

    def add(self, status: str, states: bytes | None, malformed: bool) -> None:
        self.statuses[status if status in self.statuses else "other"] += 1
        self.malformed += malformed
        if states is not None:
            for index, state in enumerate(states):
                self.counts[4 * index + state] += 1


class RunAccumulator:
    """The counters of one run; `add` every endpoint, then `finish`."""

    __slots__ = ("_groups", "_grouping", "_shareset", "keep", "states")

    def __init__(self, shareset: ShareSet, grouping: Grouping, keep_states: bool = False) -> None:
        self._shareset = shareset
        self._grouping = grouping
        self._groups: dict[GroupKey, _GroupCounts] = {}
        self.keep = keep_states
        self.states: dict[str, tuple[str, bytes | None, tuple[GroupKey, ...]]] = {}

    def add(self, endpoint: Mapping[str, Any]) -> None:
        status = str(endpoint.get("status"))
        states: bytes | None = None
        malformed = False
        if status == "ok":
            try:
                states = self._shareset.states(endpoint)
            except (AttributeError, TypeError, ValueError, KeyError):
                # a hand-edited or damaged endpoint: undecided everywhere, and said so
                states = bytes([State.UNDECIDED]) * len(self._shareset.shares)
                malformed = True
        groups = (ALL, *self._grouping.groups(endpoint))
        for key in groups:
            counts = self._groups.get(key)
            if counts is None:
                counts = self._groups[key] = _GroupCounts(len(self._shareset.shares))
            counts.add(status, states, malformed)
        if self.keep:
            self.states[endpoint_id(endpoint)] = (status, states, groups)

    def finish(self, run: Run, confidence: float = CONFIDENCE) -> RunStats:
        self._groups.setdefault(ALL, _GroupCounts(len(self._shareset.shares)))
        keys = [ALL, *sorted(k for k in self._groups if k != ALL)]
        groups = tuple(self._group_stats(k, self._groups[k], confidence) for k in keys)
        return RunStats(run.label, run.source, run.run_id,
                        tuple(sorted(run.info.items())), groups)

    def _group_stats(self, key: GroupKey, counts: _GroupCounts,
                     confidence: float) -> GroupStats:
        shares = []
        for index, share in enumerate(self._shareset.shares):
            no, yes, undecided, na = counts.counts[4 * index: 4 * index + 4]
            shares.append(ShareStat(share.id, share.title, yes, yes + no, undecided, na,
                                    wilson(yes, yes + no, confidence)))
        s = counts.statuses
        population = Population(sum(s.values()), s["ok"], s["unreachable"],
                                s["error"] + s["other"], counts.malformed)
        return GroupStats(key[0], key[1], population, tuple(shares))
