"""The exit code of every command, and the one line an error becomes on stderr.

Every command states what happened as an `Outcome` (usage problems, things it could not decide,
policy failures) and `exit_code()` turns that into the process status, always the same way:

    2 usage or input error  >  3 incomplete  >  1 policy failure  >  0 pass

Incomplete wins over a policy failure (issue 10 §5): a FAIL judged on part of the facts is
not the whole story, and a CI gate reading 1 would take it for one. A usage error wins over
both because the command did not run as asked. `error_line()` is the one mapping from an
exception to its message and code: the project's errors keep their own code; anything else is
an internal error, exit 3 (never Python's 1, which here means "policy failure").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.errors import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_POLICY_FAILURE,
    EXIT_USAGE,
    Option,
    PqscanError,
)
from pqscan.model.status import incomplete_reasons


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command found, as one-line reasons per kind (empty tuple: none of that kind)."""

    usage: tuple[str, ...] = ()
    incomplete: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.usage + other.usage, self.incomplete + other.incomplete,
                       self.failures + other.failures)


# Ctrl-C or a stop signal before a command could say more (pqscan.cli.main, `pqscan demo`)
INTERRUPTED = Outcome(incomplete=("interrupted",))


def exit_code(outcome: Outcome) -> int:
    """The process status for `outcome` (precedence in the module docstring)."""
    if not isinstance(outcome, Outcome):
        raise TypeError(f"outcome must be an Outcome, not {type(outcome).__name__}")
    if outcome.usage:
        return EXIT_USAGE
    if outcome.incomplete:
        return EXIT_INCOMPLETE
    if outcome.failures:
        return EXIT_POLICY_FAILURE
    return EXIT_OK


def endpoint_incomplete_reasons(endpoint: Mapping[str, Any]) -> list[str]:
    """Why one endpoint's facts are incomplete ([] when complete).

    The status, and the engine's own list of decisions left undecided (the endpoint's
    `undecided`, via pqscan.model.status.incomplete_reasons, issue 10 §4).
    """
    target = endpoint.get("target", "?")
    reasons: list[str] = []
    if endpoint.get("status") != "ok":
        reasons.append(f"{target}: {endpoint.get('status')}: {endpoint.get('error')}")
    if endpoint.get("status") == "ok":  # (the engine's list repeats a bad status)
        reasons.extend(f"{target}: {r}" for r in incomplete_reasons(endpoint))
    return reasons


def due_horizon(as_of: Any, years: int | None) -> str | None:
    """The last due date (ISO) that `--fail-on-due YEARS` gates on, None without the option."""
    from datetime import date

    if years is None:
        return None
    if years < 0:
        raise ValueError(f"fail_on_due must be >= 0 years, not {years}")
    start = date.fromisoformat(str(as_of))
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February + YEARS is not a leap year: the day before 1 March
        return start.replace(year=start.year + years, day=28).isoformat()


def _counts(verdict: Mapping[str, Any], horizon: str | None) -> bool:
    """Whether a verdict drives the exit code: in force (or, with --fail-on-due, due within
    the horizon). Verdicts from before issue 14 carry no `in_force`: they were in force."""
    if verdict.get("in_force") is not False:
        return True
    due = verdict.get("due")
    return horizon is not None and isinstance(due, str) and due <= horizon


def report_outcome(report: Mapping[str, Any], fail_on: str | None,
                   fail_on_due: int | None = None) -> Outcome:
    """The outcome of a scan report; with `fail_on` (a --fail-on level) its verdicts count too:
    those in force, and with `fail_on_due` (--fail-on-due YEARS) those due within YEARS of the
    evaluation's as_of. A requirement not yet in force FAILs or is NOT_TESTED without making a
    run fail or incomplete (issue 14: only in-force failures drive the exit code).

    `scan` and `evaluate` both call this, so the same report gets the same code from both.
    """
    endpoints = [e for e in report.get("endpoints", []) if isinstance(e, Mapping)]
    incomplete = [r for e in endpoints for r in endpoint_incomplete_reasons(e)]
    cut = report.get("incomplete")  # an interrupted run, or store rows that could not be read
    if isinstance(cut, Mapping):
        incomplete.insert(0, f"report incomplete: {cut.get('reason')}")
    failures: list[str] = []
    if fail_on is not None:
        from pqscan.policy.evaluate import FAIL_ON

        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        levels = FAIL_ON[fail_on]
        evaluation = report.get("evaluation") or {}
        horizon = due_horizon(evaluation.get("as_of"), fail_on_due)
        incomplete.extend(str(e) for e in evaluation.get("errors", []))
        for e in endpoints:
            for v in e.get("verdicts") or []:
                if v.get("severity") not in levels or not _counts(v, horizon):
                    continue
                name = f"{e.get('target')}: {v.get('profile')} {v.get('requirement')}"
                if v.get("in_force") is False:
                    name += f" (due {v.get('due')})"
                if v.get("result") == "FAIL":
                    failures.append(name)
                elif v.get("result") == "NOT_TESTED":
                    incomplete.append(f"{name} not tested")
    return Outcome(incomplete=tuple(incomplete), failures=tuple(failures))


def conform_outcome(run: Any) -> Outcome:
    """The outcome of a conformance run (pqscan.conformance.runner.SuiteRun): incomplete as
    the runner's `conform_incomplete` says (target unusable, a MUST check inconclusive),
    failed when a MUST check failed."""
    from pqscan.conformance.runner import conform_incomplete

    failures = tuple(c.id for c in run.checks if c.level == "MUST" and c.result == "fail")
    return Outcome(incomplete=tuple(conform_incomplete(run)), failures=failures)


def incomplete_line(outcome: Outcome) -> str | None:
    """One stderr line saying why a run is incomplete (None when it is not): how many things
    were left undecided and the first of them."""
    if not outcome.incomplete:
        return None
    first, more = outcome.incomplete[0], len(outcome.incomplete) - 1
    return (f"pqscan: incomplete: {one_line(first)}"
            + (f" (and {more} more undecided)" if more else ""))


def one_line(text: str) -> str:
    """`text` on one line: CR, LF and other controls shown, never obeyed."""
    from pqscan.report.text import visible

    return visible(text, limit=2000)


def flag(option: Option | str) -> str:
    """The command-line flag of an input a lower layer names by role (pqscan.errors.Option):
    `starttls` -> `--starttls`, `max_size` -> `--max-size`. The one place flag names meet the
    lower layers' errors."""
    name = option.name if isinstance(option, Option) else option
    return "--" + name.replace("_", "-")


def message(exc: BaseException) -> str:
    """An exception's message as the CLI says it: the project's errors with their flags."""
    return exc.spell(flag) if isinstance(exc, PqscanError) else str(exc)


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one stderr line and the exit code for an exception that ended a command."""
    if isinstance(exc, PqscanError):
        return f"pqscan: error: {one_line(message(exc))}", exc.exit_code
    detail = str(exc)
    name = type(exc).__name__
    return (f"pqscan: internal error: {name}{': ' + one_line(detail) if detail else ''}",
            EXIT_INCOMPLETE)


def scan_exit_code(report: Mapping[str, Any]) -> int:
    """3 when any endpoint could not be scanned completely or left a decision undecided, else 0
    (policy adds 1)."""
    return exit_code(report_outcome(report, None))


def exit_code_for(report: Mapping[str, Any], fail_on: str, fail_on_due: int | None = None
                  ) -> int:
    """The exit code of a judged report: 3 if something could not be judged (endpoint not
    scanned, malformed, or a verdict at or above `fail_on` NOT_TESTED), else 1 if such a
    verdict failed, else 0 (verdicts not in force count only within `fail_on_due` years)."""
    return exit_code(report_outcome(report, fail_on, fail_on_due))
