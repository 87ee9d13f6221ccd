"""The finding noun and its registry: `FindingSpec` (a declared code), `Finding` (one on one
endpoint), and `FINDINGS` / `CHECKS`, filled by the `@check` decorator that declares a check's
codes right above the function deciding them (pqscan.assess.findings for TLS,
pqscan.assess.findings_ssh for SSH; pqscan.assess.catalogue imports both and runs them).

Each code belongs to a *check*; a check that cannot decide (an observation it needs is
inconclusive or absent) raises `Undecided`, which becomes one `scan.undecided` finding naming the
check and the reason, so profile conditions report NOT_TESTED rather than a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from pqscan.assess.remediation import fixes_for
from pqscan.model.vocab import Severity

SEVERITIES = tuple(s.value for s in Severity)
UNDECIDED = "scan.undecided"
PROTOCOLS = ("tls", "ssh")


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """Declaration of one finding code."""

    code: str
    severity: str
    title: str
    description: str
    reference: str
    check: str  # the check that decides this code (see module docstring)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.code}: bad severity {self.severity!r}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding on one endpoint, with the observations that produced it."""

    code: str
    severity: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not isinstance(self.message, str):
            raise TypeError("Finding code and message must be str")
        if self.code not in FINDINGS:
            raise ValueError(f"undeclared finding code {self.code!r}")

    @property
    def fixes(self) -> tuple[str, ...]:
        """Ids of the shipped remediation entries whose `applies_to` names this code."""
        return fix_ids(self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "evidence": dict(self.evidence),
            "fixes": list(self.fixes),
        }


@lru_cache(maxsize=1024)
def fix_ids(code: str) -> tuple[str, ...]:
    """`Finding.fixes` of a code: the shipped catalogue does not change during a run, and an
    endpoint has ~12 findings (once per code, not per finding: issue 13, session 7)."""
    return tuple(fix.id for fix in fixes_for(code))


class Undecided(Exception):
    """Raised inside a check when an observation it needs is inconclusive or absent.

    `partial`: findings the check could still decide from the rest (kept next to the
    `scan.undecided` finding: a condition matching one of them is decided, one requiring
    their absence is not)."""

    def __init__(self, reason: str, partial: list[Finding] | None = None) -> None:
        super().__init__(reason)
        self.partial = list(partial or [])


CheckFn = Callable[[Mapping[str, Any], date], list[Finding]]

FINDINGS: dict[str, FindingSpec] = {}
CHECKS: dict[str, dict[str, CheckFn]] = {protocol: {} for protocol in PROTOCOLS}


def declare(*specs: FindingSpec) -> None:
    """Register finding codes; a code declared twice is a programming error."""
    for spec in specs:
        if spec.code in FINDINGS:
            raise ValueError(f"finding code {spec.code!r} declared twice")
        FINDINGS[spec.code] = spec


def check(protocol: str, name: str, *specs: FindingSpec) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as check NAME for PROTOCOL endpoints, declaring the codes
    it emits (a code shared with the other protocol is declared once, where it is first used)."""
    if protocol not in CHECKS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
    declare(*specs)

    def register(function: CheckFn) -> CheckFn:
        if name in CHECKS[protocol]:
            raise ValueError(f"{protocol} check {name!r} registered twice")
        CHECKS[protocol][name] = function
        return function

    return register


def make(code: str, message: str, **evidence: Any) -> Finding:
    """A finding of a declared CODE with its declared severity."""
    return Finding(code, FINDINGS[code].severity, message, evidence)


def undecided_checks(findings: list[Finding]) -> dict[str, str]:
    """Map check name -> reason for every `scan.undecided` finding."""
    return {str(f.evidence.get("check")): str(f.evidence.get("reason"))
            for f in findings if f.code == UNDECIDED}
