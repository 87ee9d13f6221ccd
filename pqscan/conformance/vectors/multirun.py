"""A vector run over several implementations: vectors, reference answers, slow sets in parallel.

(a) every adapter against the expected answers; (b) groups the vectors leave unanswered (e.g.
SLH-DSA sigGen prompts) are answered by the reference adapter and the others are judged against
it; the differential part (generated negatives, cross-checks) is in `differential`.
Slow groups (pure-Python SLH-DSA "s" sets) of built-in adapters run in worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace

from pqscan.conformance.vectors import registry, runner
from pqscan.conformance.vectors.adapter import Adapter, AdapterFailure, Refused, Unsupported
from pqscan.conformance.vectors.model import GroupResult, VectorCase, VectorGroup

Row = tuple[str, GroupResult]
Progress = Callable[[int, int, str], None]


def is_slow(group: VectorGroup) -> bool:
    return group.op.startswith("slhdsa.") and group.parameter_set.endswith("s")


def _run_in_worker(name: str, group: VectorGroup) -> GroupResult:
    return runner.run_group(registry.builtin(name), group)


def _reference_answers(ref: Adapter, group: VectorGroup) -> VectorGroup | None:
    """The group with the reference's answers as expected values (None if it cannot)."""
    cases: list[VectorCase] = []
    for case in group.cases:
        try:
            result = ref.call(case.op, case.params)
        except (Unsupported, Refused, AdapterFailure):
            return None
        answer = {k: v for k, v in result.items() if k != "not_provided"}
        cases.append(replace(case, expected=answer))
    return replace(group, cases=tuple(cases), skip_reason=None,
                   source=f"{group.source}; expected answers from reference {ref.name}")


def _supports(adapter: Adapter, op: str) -> bool:
    try:
        return op in adapter.capabilities().get("ops", [])
    except AdapterFailure:
        return False


def run(specs: Sequence[str], adapters: Sequence[Adapter], groups: Sequence[VectorGroup],
        reference: str | None, jobs: int, progress: Progress | None = None) -> list[Row]:
    """Rows (implementation, result) for every adapter and group, in group order."""
    rows: dict[tuple[int, int], GroupResult | Future[GroupResult]] = {}
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    total = len(groups) * len(adapters)
    try:
        for gi, group in enumerate(groups):
            unanswered = group.skip_reason is not None and "no expected answer" in group.skip_reason
            ref_index = None
            if unanswered:
                order = [i for i, s in enumerate(specs) if s == reference] + list(
                    range(len(specs)))
                ref_index = next((i for i in order if _supports(adapters[i], group.op)), None)
                answered = (_reference_answers(adapters[ref_index], group)
                            if ref_index is not None else None)
                if answered is not None:
                    group = answered
            for ai, (spec, adapter) in enumerate(zip(specs, adapters, strict=True)):
                if progress is not None:
                    progress(gi * len(adapters) + ai + 1, total, f"{adapter.name}: "
                             f"{group.vector_set} {group.group}")
                if unanswered and ai == ref_index and group.skip_reason is None:
                    n = len(group.cases)
                    rows[gi, ai] = GroupResult(
                        group.vector_set, group.group, group.parameter_set, 0, 0, n,
                        f"{n} skipped: answers used as the reference for the others")
                elif pool is not None and is_slow(group) and registry.is_builtin(spec):
                    rows[gi, ai] = pool.submit(_run_in_worker, spec, group)
                else:
                    rows[gi, ai] = runner.run_group(adapter, group)
        out: list[Row] = []
        for (_, ai), r in sorted(rows.items()):
            out.append((adapters[ai].name, r.result() if isinstance(r, Future) else r))
        return out
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
