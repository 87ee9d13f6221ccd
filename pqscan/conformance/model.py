"""Conformance check results and the ONE registry of checks (`CheckResult`, `Check`, `REGISTRY`).

A check is an async function taking a `Probe` (pqscan.conformance.probe) and returning a
`CheckResult`; `@register("PQT-014", tags=...)` binds it to its catalogue row, which supplies
title, level (MUST / SHOULD) and reference.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pqscan.conformance.catalogue import CatalogueEntry, load_catalogue

if TYPE_CHECKING:
    from pqscan.conformance.probe import Probe

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"
INCONCLUSIVE = "inconclusive"
RESULTS = (PASS, FAIL, NOT_APPLICABLE, INCONCLUSIVE)

TAGS = ("groups", "hrr", "malformed", "sigalgs", "robustness", "tls12", "transport", "chain",
        "profile", "mtls")


@dataclass(frozen=True)
class Verdict:
    """What a check function decides: result, expected and observed text, optional note."""

    result: str
    expected: str
    observed: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"result {self.result!r} is not one of {RESULTS}")


@dataclass(frozen=True)
class CheckResult:
    """One finished check as it appears in every report format."""

    id: str
    title: str
    level: str
    result: str
    expected: str
    observed: str
    reference: str
    tags: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "level": self.level, "result": self.result,
                "expected": self.expected, "observed": self.observed,
                "reference": self.reference, "tags": list(self.tags), "note": self.note}


CheckFn = Callable[["Probe"], Awaitable[Verdict]]


@dataclass(frozen=True)
class Check:
    """A registered check: catalogue row + tags + the function that runs it."""

    entry: CatalogueEntry
    tags: tuple[str, ...]
    fn: CheckFn

    @property
    def id(self) -> str:
        return self.entry.id

    def result(self, verdict: Verdict) -> CheckResult:
        e = self.entry
        return CheckResult(e.id, e.title, e.level, verdict.result, verdict.expected,
                           verdict.observed, e.reference, self.tags, verdict.note)


REGISTRY: dict[str, Check] = {}


def register(check_id: str, *tags: str) -> Callable[[CheckFn], CheckFn]:
    """Decorator: add a check function to REGISTRY under its catalogue id."""
    for tag in tags:
        if tag not in TAGS:
            raise ValueError(f"{check_id}: unknown tag {tag!r}")

    def deco(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        REGISTRY[check_id] = Check(load_catalogue()[check_id], tuple(tags), fn)
        return fn

    return deco
