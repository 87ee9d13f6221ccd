"""`--compare RUN_A RUN_B`: the change of every share, and the endpoints that moved.

The interval for a change is Newcombe's hybrid score interval (method 10), which treats the two
runs as independent samples. Two scans of the same endpoints are paired, not independent;
with positively correlated runs the paired interval would be narrower, so the one given is
conservative (docs/stats.md). The endpoints that moved are the paired view: each endpoint in
both runs whose membership changed, by name.
"""

from __future__ import annotations

from pqscan.stats.intervals import CONFIDENCE, newcombe
from pqscan.stats.model import Comparison, Moved, RunStats, ShareChange
from pqscan.stats.shares import Share, State

States = dict[str, tuple[str, bytes | None]]


def share_changes(a: RunStats, b: RunStats,
                  confidence: float = CONFIDENCE) -> tuple[ShareChange, ...]:
    """Every share of every group present in both runs, A -> B."""
    b_groups = {(g.by, g.value): g for g in b.groups}
    out = []
    for group_a in a.groups:
        group_b = b_groups.get((group_a.by, group_a.value))
        if group_b is None:
            continue
        for share_a, share_b in zip(group_a.shares, group_b.shares, strict=True):
            interval = newcombe(share_a.count, share_a.n, share_b.count, share_b.n,
                                confidence) if share_a.n and share_b.n else None
            out.append(ShareChange(group_a.by, group_a.value, share_a, share_b, interval))
    return tuple(out)


def _moved(name: str, before: tuple[str, bytes | None], after: tuple[str, bytes | None],
           shares: tuple[Share, ...]) -> Moved | None:
    (status_a, states_a), (status_b, states_b) = before, after
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
    return Comparison(a.label, b.label, share_changes(a, b, confidence), tuple(moved),
                      len(states_a.keys() - states_b.keys()),
                      len(states_b.keys() - states_a.keys()))
