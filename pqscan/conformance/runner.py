"""One conformance run against one target (`SuiteRun`, `select_checks`, `run_suite`).

tlsfuzzer pattern: a sanity handshake first (if it fails the target is unusable and nothing else
runs), then the selected checks in catalogue order, then PQT-024's sanity handshake last to show
the server survived. A check that raises becomes inconclusive with the reason; the run goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pqscan.conformance import (  # noqa: F401 - importing registers the checks
    checks_groups,
    checks_malformed,
    checks_mtls,
    checks_policy,
    checks_wire,
)
from pqscan.conformance.model import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    REGISTRY,
    TAGS,
    Check,
    CheckResult,
    Verdict,
)
from pqscan.conformance.probe import Probe, Undecided, observed
from pqscan.errors import UsageError
from pqscan.tls.clientauth import ClientCredential
from pqscan.tls.transport import Limits

SUITES = ("pq-tls",)
_LAST = "PQT-024"  # the closing sanity handshake


def select_checks(only: Iterable[str] = (), tags: Iterable[str] = ()) -> list[Check]:
    """Registered checks filtered by id and tag (both optional); UsageError naming a bad one."""
    only_ids = [i.strip().upper() for i in only if i.strip()]
    tag_list = [t.strip().lower() for t in tags if t.strip()]
    for i in only_ids:
        if i not in REGISTRY:
            raise UsageError(f"unknown check id {i!r} (known: PQT-001 ... PQT-039 as "
                             f"implemented: {', '.join(sorted(REGISTRY))})")
    for t in tag_list:
        if t not in TAGS:
            raise UsageError(f"unknown tag {t!r} (known: {', '.join(TAGS)})")
    chosen = [c for c in REGISTRY.values()
              if (not only_ids or c.id in only_ids)
              and (not tag_list or set(tag_list) & set(c.tags))]
    chosen.sort(key=lambda c: (c.id == _LAST, c.id))
    return chosen


@dataclass(frozen=True)
class SuiteRun:
    """The outcome of one run: error set (and no checks) when the target was unusable."""

    target: str
    suite: str
    sanity: str
    error: str | None
    checks: tuple[CheckResult, ...]

    @property
    def must_failed(self) -> bool:
        return any(c.result == FAIL and c.level == "MUST" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": "1", "target": self.target, "suite": self.suite,
                "sanity": self.sanity, "error": self.error,
                "checks": [c.to_dict() for c in self.checks]}


# Budgets (README "Time budget"): a check may take CHECK_CONNECTIONS connection budgets, the
# whole suite SUITE_CONNECTIONS; what is left when the suite budget is spent is inconclusive.
CHECK_CONNECTIONS = 8
SUITE_CONNECTIONS = 40


async def _one(check: Check, probe: Probe, budget: float) -> CheckResult:
    probe.trouble.clear()
    try:
        verdict = await asyncio.wait_for(check.fn(probe), budget)
    except TimeoutError:
        verdict = Verdict(INCONCLUSIVE, check.entry.expected,
                          f"check did not finish within {budget:g}s")
    except Undecided as exc:
        verdict = Verdict(INCONCLUSIVE, check.entry.expected, str(exc))
    except Exception as exc:  # a bug or odd answer in one check must not stop the others
        verdict = Verdict(INCONCLUSIVE, check.entry.expected,
                          f"check could not run: {type(exc).__name__}: {exc}")
    if verdict.result in (PASS, FAIL) and probe.trouble:
        # a pass or fail resting on a connection that gave no answer is no verdict (issue 10)
        verdict = Verdict(INCONCLUSIVE, verdict.expected,
                          f"undecided, a connection gave no answer: {probe.trouble[0]}; "
                          f"the check had observed: {verdict.observed}", verdict.note)
    return check.result(verdict)


def _skipped(check: Check, total: float) -> CheckResult:
    return check.result(Verdict(INCONCLUSIVE, check.entry.expected,
                                f"not run: the suite budget of {total:g}s was used up"))


async def run_suite(host: str, port: int, *, sni: str | None = None,
                    limits: Limits | None = None, checks: list[Check] | None = None,
                    target: str | None = None, suite: str = "pq-tls",
                    client_credential: ClientCredential | None = None) -> SuiteRun:
    if suite not in SUITES:
        raise UsageError(f"unknown suite {suite!r} (known: {', '.join(SUITES)})")
    limits = limits or Limits()
    probe = Probe(host, port, sni, limits, client_credential)
    target = target or f"{host}:{port}"
    chosen = select_checks() if checks is None else checks
    first = await probe.sanity()
    if not (first.outcome == "server_hello" and first.finished_ok is True):
        return SuiteRun(target, suite, observed(first),
                        f"sanity TLS 1.3 handshake failed: {observed(first)}", ())
    budget = CHECK_CONNECTIONS * limits.budget
    total = SUITE_CONNECTIONS * limits.budget
    end = time.monotonic() + total
    results = []
    for c in chosen:
        left = end - time.monotonic()
        results.append(await _one(c, probe, min(budget, left)) if left > 0
                       else _skipped(c, total))
    return SuiteRun(target, suite, observed(first), None, tuple(results))


def conform_incomplete(run: SuiteRun) -> list[str]:
    """Why a conformance run is incomplete (empty: complete): the target was unusable, or a
    MUST check stayed inconclusive. The exit-code function turns a non-empty list into 3."""
    if run.error:
        return [run.error]
    return [f"{c.id} (MUST) inconclusive: {c.observed}" for c in run.checks
            if c.level == "MUST" and c.result == INCONCLUSIVE]


def run_suite_sync(host: str, port: int, **kwargs: Any) -> SuiteRun:
    return asyncio.run(run_suite(host, port, **kwargs))
