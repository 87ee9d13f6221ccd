"""`--compare RUN_A RUN_B`: the change of every share, and the endpoints that moved.

Each change carries two intervals. Newcombe's hybrid score interval (method 10 of 1998b)
treats the runs as independent samples, right for two samples of a population. When the same
endpoints were scanned in both runs the samples are paired: `paired` gives, over the endpoints
decided in both runs, how many entered and left the share and Newcombe's paired interval
(method 10 of 1998c), narrower when most endpoints stay where they were. The endpoints that
moved are listed by name.
"""

from __future__ import annotations

from pqscan.stats.accumulate import GroupKey
from pqscan.stats.intervals import CONFIDENCE, newcombe, newcombe_paired
from pqscan.stats.model import Comparison, Moved, PairedChange, RunStats, ShareChange
from pqscan.stats.shares import Share, State

States = dict[str, tuple[str, bytes | None, tuple[GroupKey, ...]]]
# 2x2 cell of (state in A, state in B) for endpoints decided in both runs
_CELL: dict[tuple[int, int], int] = {
    (State.YES, State.YES): 0, (State.YES, State.NO): 1, (State.NO, State.YES): 2,
    (State.NO, State.NO): 3}


def _paired_tables(states_a: States, states_b: States,
                   shares: int) -> dict[GroupKey, list[int]]:
    """Per group, 4 counts per share: both, left, entered, neither."""
    tables: dict[GroupKey, list[int]] = {}
    for name in states_a.keys() & states_b.keys():
        (_, a, groups), (_, b, _) = states_a[name], states_b[name]
        if a is None or b is None:
            continue
        for group in groups:
            table = tables.setdefault(group, [0] * (4 * shares))
            for index, cell in enumerate(zip(a, b, strict=True)):
                slot = _CELL.get(cell)
                if slot is not None:
                    table[4 * index + slot] += 1
    return tables


def _paired(table: list[int] | None, index: int, confidence: float) -> PairedChange | None:
    if table is None:
        return None
    both, left, entered, neither = table[4 * index: 4 * index + 4]
    if both + left + entered + neither == 0:
        return None
    return PairedChange(both, left, entered, neither,
                        newcombe_paired(both, left, entered, neither, confidence))


def share_changes(a: RunStats, b: RunStats, states_a: States, states_b: States,
                  confidence: float = CONFIDENCE) -> tuple[ShareChange, ...]:
    """Every share of every group present in both runs, A -> B."""
    b_groups = {(g.by, g.value): g for g in b.groups}
    tables = _paired_tables(states_a, states_b, len(a.overall.shares))
    out = []
    for group_a in a.groups:
        key = (group_a.by, group_a.value)
        group_b = b_groups.get(key)
        if group_b is None:
            continue
        for index, (share_a, share_b) in enumerate(
                zip(group_a.shares, group_b.shares, strict=True)):
            interval = newcombe(share_a.count, share_a.n, share_b.count, share_b.n,
                                confidence) if share_a.n and share_b.n else None
            out.append(ShareChange(group_a.by, group_a.value, share_a, share_b, interval,
                                   _paired(tables.get(key), index, confidence)))
    return tuple(out)


def _moved(name: str, before: tuple[str, bytes | None, object],
           after: tuple[str, bytes | None, object], shares: tuple[Share, ...]) -> Moved | None:
    (status_a, states_a, _), (status_b, states_b, _) = before, after
    status = None if status_a == status_b else f"{status_a} -> {status_b}"
    entered: list[str] = []
    left: list[str] = []
    unsettled: list[str] = []
    if states_a is not None and states_b is not None:
        for share, x, y in zip(shares, states_a, states_b, strict=True):
            if x == y:
                continue
            if (x, y) == (State.NO, State.YES):
                entered.append(share.id)
            elif (x, y) == (State.YES, State.NO):
                left.append(share.id)
            else:
                unsettled.append(share.id)
    else:
        # scanned in one run only: every share it was in there is unsettled, not "left"
        known = states_a if states_a is not None else states_b
        if known is not None:
            unsettled = [s.id for s, x in zip(shares, known, strict=True) if x == State.YES]
    if status is None and not (entered or left or unsettled):
        return None
    return Moved(name, status, tuple(entered), tuple(left), tuple(unsettled))


def compare(a: RunStats, b: RunStats, states_a: States, states_b: States,
            shares: tuple[Share, ...], confidence: float = CONFIDENCE) -> Comparison:
    moved = []
    for name in sorted(states_a.keys() & states_b.keys()):
        change = _moved(name, states_a[name], states_b[name], shares)
        if change is not None:
            moved.append(change)
    return Comparison(a.label, b.label, share_changes(a, b, states_a, states_b, confidence),
                      tuple(moved), len(states_a.keys() - states_b.keys()),
                      len(states_b.keys() - states_a.keys()))
