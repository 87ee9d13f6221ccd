"""Policy model: the immutable Profile, Requirement, SourceDocument and Verdict objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pqscan.model.vocab import Level, VerdictResult
from pqscan.policy.conditions import Condition

SEVERITY_LEVELS = tuple(level.value for level in Level)
RESULTS = tuple(r.value for r in VerdictResult)
# What a requirement looks at; descriptive (grouping, docs), validated against this list.
APPLIES_TO = ("key_exchange", "authentication", "certificate", "protocol_version",
              "cipher_suite", "organisation")
SOURCE_STATUSES = ("final", "draft")
# Which endpoints a requirement judges (issue 15): the others get NOT_APPLICABLE
PROTOCOLS = ("tls", "ssh", "any")
CONFIDENCES = ("primary", "secondary")


@dataclass(frozen=True)
class SourceDocument:
    """A document a profile is based on (date as published: YYYY, YYYY-MM or YYYY-MM-DD)."""

    key: str
    title: str
    date: str
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "date": self.date, "url": self.url}


@dataclass(frozen=True)
class Requirement:
    """One checkable requirement of a profile, tied to a clause of its source."""

    id: str
    title: str
    clause: str
    severity: str
    applies_to: tuple[str, ...]
    condition: Condition
    applies_if: Condition | None = None
    effective_from: date | None = None
    until: date | None = None
    source_status: str = "final"
    confidence: str = "primary"
    note: str | None = None
    defined_in: str = ""
    protocol: str = "tls"
    not_applicable: str | None = None  # the NOT_APPLICABLE reason when applies_if is false

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "clause": self.clause,
            "severity": self.severity, "applies_to": list(self.applies_to),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "until": self.until.isoformat() if self.until else None,
            "source_status": self.source_status, "confidence": self.confidence,
            "note": self.note, "defined_in": self.defined_in, "protocol": self.protocol,
            "not_applicable": self.not_applicable,
            "condition": self.condition.to_dict(),
            "applies_if": self.applies_if.to_dict() if self.applies_if else None,
        }


@dataclass(frozen=True)
class Profile:
    """A standards profile with its inherited requirements already merged in."""

    id: str
    title: str
    version: str
    publisher: str
    status: str
    confidence: str
    sources: tuple[SourceDocument, ...]
    extends: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    description: str = ""
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "version": self.version,
            "publisher": self.publisher, "status": self.status,
            "confidence": self.confidence, "description": self.description,
            "sources": [s.to_dict() for s in self.sources], "extends": list(self.extends),
            "requirements": [r.to_dict() for r in self.requirements],
        }


@dataclass(frozen=True)
class Verdict:
    """The result of one requirement on one endpoint, with the evidence used."""

    profile: str
    requirement: str
    title: str
    severity: str
    result: str
    clause: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    source_status: str = "final"
    confidence: str = "primary"
    # Issue 14: a requirement is judged whatever its dates; `in_force` says whether it binds
    # on the evaluation date and `due` is its effective_from (ISO date, None when it has none).
    in_force: bool = True
    due: str | None = None
    fixes: tuple[str, ...] = ()  # remediation catalogue ids (pqscan.assess.remediation)

    def __post_init__(self) -> None:
        if not isinstance(self.in_force, bool):
            raise TypeError("Verdict.in_force must be bool")
        if not isinstance(self.fixes, tuple):
            raise TypeError("Verdict.fixes must be a tuple of fix ids")
        if self.result not in RESULTS:
            raise ValueError(f"bad verdict result {self.result!r}")
        if self.severity not in SEVERITY_LEVELS:
            raise ValueError(f"bad verdict severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile, "requirement": self.requirement, "title": self.title,
            "severity": self.severity, "result": self.result, "clause": self.clause,
            "evidence": dict(self.evidence), "source_status": self.source_status,
            "confidence": self.confidence, "in_force": self.in_force, "due": self.due,
            "fixes": list(self.fixes),
        }
