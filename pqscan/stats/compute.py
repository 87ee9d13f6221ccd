"""One `pqscan stats` computation: runs in, a StatsResult out (the command's work, no click).

Runs are read one after the other, each streamed through its own RunAccumulator; only the two
runs named by `--compare` keep their per-endpoint membership bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pqscan.errors import Option, UsageError
from pqscan.policy.evaluate import Profile
from pqscan.stats.accumulate import RunAccumulator
from pqscan.stats.compare import compare
from pqscan.stats.grouping import Grouping, stored_rows
from pqscan.stats.intervals import CONFIDENCE
from pqscan.stats.model import RunStats, StatsResult
from pqscan.stats.shares import ShareSet
from pqscan.stats.sources import Run, open_runs

RUN_WORDS = {"latest": -1, "previous": -2, "first": 0}


def resolve_run(name: str, runs: list[Run]) -> int:
    """Index of the run `--compare` names: a 1-based position, latest / previous / first,
    a run id, or a source path."""
    if name.isdigit() and 1 <= int(name) <= len(runs):
        return int(name) - 1
    if name in RUN_WORDS and len(runs) >= -RUN_WORDS[name]:
        return RUN_WORDS[name] % len(runs)
    for index, run in enumerate(runs):
        if name in (run.label, run.run_id, run.source) or \
                Path(name).resolve() == Path(run.source).resolve():
            return index
    known = ", ".join(run.label for run in runs)
    raise UsageError(Option("compare"), f": no run {name!r} (runs: 1..{len(runs)}, latest, "
                     f"previous, or one of {known})")


def compute_stats(sources: tuple[str, ...], by: Iterable[str] = (), metadata: str | None = None,
                  profiles: Iterable[Profile] = (), as_of: date | None = None,
                  compare_runs: tuple[str, str] | None = None,
                  run_ids: tuple[str, ...] = (), all_runs: bool = False,
                  confidence: float = CONFIDENCE) -> StatsResult:
    """Statistics of every run of `sources` (a store: its latest run, `run_ids`, or all runs
    with `all_runs`, or when comparing without `run_ids`); UsageError (exit 2) for bad input
    found before reading, IncompleteInput (exit 3) for an input that breaks part-way."""
    when = as_of or date.today()
    runs = open_runs(sources, run_ids, all_runs or (compare_runs is not None and not run_ids))
    if not runs:
        raise UsageError("no SOURCE: give report JSON, JSON-lines or store files")
    pair = None
    if compare_runs is not None:
        pair = (resolve_run(compare_runs[0], runs), resolve_run(compare_runs[1], runs))
        if pair[0] == pair[1]:
            raise UsageError(Option("compare"), f": {compare_runs[0]!r} and "
                             f"{compare_runs[1]!r} are the same run")
    stored = None
    if metadata is None and by:
        stored = stored_rows((r.source, r.run_id) for r in runs if r.store)
    grouping = Grouping(metadata, by, stored)
    chosen = tuple(profiles)
    shareset = ShareSet(chosen, when)
    results: list[RunStats] = []
    kept: dict[int, RunAccumulator] = {}
    warnings: list[str] = []
    for index, run in enumerate(runs):
        accumulator = RunAccumulator(shareset, grouping,
                                     keep_states=pair is not None and index in pair)
        for endpoint in run.endpoints():
            accumulator.add(endpoint)
        stats = accumulator.finish(run, confidence)
        results.append(stats)
        if accumulator.keep:
            kept[index] = accumulator
        warnings.extend(f"{run.label}: {w}" for w in run.warnings)
        population = stats.overall.population
        if population.endpoints == 0:
            warnings.append(f"{run.label}: no endpoints")
        if population.malformed:
            warnings.append(f"{run.label}: {population.malformed} endpoint(s) could not be "
                            "read; every share excludes them")
    warnings.extend(grouping.warnings())
    comparison = None
    if pair is not None:
        comparison = compare(results[pair[0]], results[pair[1]], kept[pair[0]].states,
                             kept[pair[1]].states, shareset.shares, confidence)
    return StatsResult(confidence, when.isoformat(), tuple(p.id for p in chosen),
                       tuple(results), comparison, tuple(warnings))
