"""The vector runner: sends every case of a vector group to an adapter and judges the answers.

Judging (Wycheproof semantics, applied to ACVP too): a `valid` case passes when every expected
field matches (hex, case-insensitive) or, for verify/check ops, `valid` equals the expected
boolean; an `invalid` case passes when the implementation refuses it (an error answer, or
valid=false); an `acceptable` case passes whatever the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from pqscan.conformance.vectors.adapter import Adapter, AdapterFailure, Refused, Unsupported
from pqscan.conformance.vectors.model import GroupResult, VectorCase, VectorGroup

_MAX_REASONS = 3


def judge(case: VectorCase, result: dict[str, Any] | None, refusal: str | None) -> str | None:
    """None when the case passes, otherwise a one-line failure reason."""
    if case.outcome == "acceptable":
        return None
    if refusal is not None:
        # Refusing the input rejects it: right for invalid cases and for verify/check cases
        # whose expected verdict is false (ACVP testPassed: false).
        if case.outcome == "invalid" or case.expected.get("valid") is False:
            return None
        return f"tcId {case.tc_id}: implementation refused a valid input: {refusal}"
    assert result is not None
    if "valid" in case.expected:
        got = result.get("valid")
        if not isinstance(got, bool):
            return f"tcId {case.tc_id}: answer has no boolean 'valid'"
        if got != case.expected["valid"]:
            return f"tcId {case.tc_id}: valid={got}, expected {case.expected['valid']}"
        return None
    if case.outcome == "invalid":
        return f"tcId {case.tc_id}: invalid input accepted"
    not_provided = result.get("not_provided") or {}
    compared = 0
    for name, want in case.expected.items():
        got = result.get(name)
        if got is None and isinstance(not_provided, dict) and name in not_provided:
            continue
        if not isinstance(got, str):
            return f"tcId {case.tc_id}: answer lacks {name!r}"
        if got.lower() != str(want).lower():
            return f"tcId {case.tc_id}: {name} differs from the expected value"
        compared += 1
    if compared == 0:
        return f"tcId {case.tc_id}: no expected field was provided by the implementation"
    return None


def _summary(counter: Counter[str], verb: str) -> list[str]:
    items = counter.most_common()
    out = [f"{n} {verb}: {r}" for r, n in items[:_MAX_REASONS]]
    if len(items) > _MAX_REASONS:
        out.append(f"{sum(n for _, n in items[_MAX_REASONS:])} more {verb} (other reasons)")
    return out


def run_group(adapter: Adapter, group: VectorGroup) -> GroupResult:
    """Run one group; adapter failures fail the rest of the group and restart the adapter."""
    passed: list[int] = []
    failed: list[int] = []
    skips: Counter[str] = Counter()
    fails: Counter[str] = Counter()
    partial: Counter[str] = Counter()
    skip_all = group.skip_reason
    if skip_all is None:
        try:
            caps = adapter.capabilities()
            if group.op not in caps.get("ops", []):
                unsupported = caps.get("unsupported") or {}
                skip_all = str(unsupported.get(group.op) if isinstance(unsupported, dict)
                               and group.op in unsupported
                               else f"adapter does not implement {group.op}")
        except AdapterFailure as exc:
            adapter.restart()
            return _result(group, [], [c.tc_id for c in group.cases],
                           Counter({f"adapter failure in capabilities: {exc}":
                                    len(group.cases)}), Counter(), Counter())
    if skip_all is not None:
        return _result(group, [], [], Counter(), Counter({skip_all: len(group.cases)}),
                       Counter())
    cases = list(group.cases)
    for index, case in enumerate(cases):
        try:
            result: dict[str, Any] | None = adapter.call(case.op, case.params)
            refusal = None
        except Unsupported as exc:
            skips[str(exc)] += 1
            continue
        except Refused as exc:
            result, refusal = None, str(exc) or "refused"
        except AdapterFailure as exc:
            rest = [c.tc_id for c in cases[index:]]
            failed.extend(rest)
            fails[f"adapter failure at tcId {case.tc_id}: {exc}"] += len(rest)
            adapter.restart()
            break
        verdict = judge(case, result, refusal)
        if verdict is None:
            passed.append(case.tc_id)
            if result is not None and isinstance(result.get("not_provided"), dict):
                for name, why in result["not_provided"].items():
                    if name in case.expected:
                        partial[f"{name} not compared: {why}"] += 1
        else:
            failed.append(case.tc_id)
            # Group by what went wrong, not by tcId, so the reason stays one line.
            fails[verdict.split(": ", 1)[1]] += 1
    return _result(group, passed, failed, fails, skips, partial)


def _result(group: VectorGroup, passed: list[int], failed: list[int], fails: Counter[str],
            skips: Counter[str], partial: Counter[str]) -> GroupResult:
    reasons = _summary(fails, "failed") + _summary(skips, "skipped") + _summary(partial,
                                                                                "partly checked")
    return GroupResult(group.vector_set, group.group, group.parameter_set, len(passed),
                       len(failed), sum(skips.values()), "; ".join(reasons) or None,
                       tuple(failed), tuple(passed))


def run_groups(adapter: Adapter, groups: Iterable[VectorGroup]) -> list[GroupResult]:
    return [run_group(adapter, g) for g in groups]
