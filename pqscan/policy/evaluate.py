"""Verdicts: judging endpoints (and whole saved reports) against profiles as of a date.

The public policy API lives here; the nouns it uses are split out: `policy_model` (Profile,
Requirement, Verdict), `policy_conditions` (the declarative condition language) and
`policy_loader` (reading and validating profile TOML files).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from pqscan import __version__
from pqscan.assess.catalogue import Finding, derive_findings
from pqscan.assess.derive import rederive
from pqscan.errors import UsageError
from pqscan.model.document import SCHEMA_VERSION
from pqscan.policy.conditions import evaluate_condition
from pqscan.policy.loader import Loader, available_profiles, load_profile, shipped_profile_ids
from pqscan.policy.model import Profile, Requirement, SourceDocument, Verdict

__all__ = [
    "FAIL_ON", "Loader", "Profile", "Requirement", "SourceDocument", "Verdict",
    "available_profiles", "check_report", "evaluate", "evaluate_requirement",
    "judge_report", "load_profile", "shipped_profile_ids",
]

FAIL_ON = {"must": ("MUST",), "should": ("MUST", "SHOULD"), "never": ()}


def _in_force(req: Requirement, as_of: date) -> str | None:
    """Why the requirement is not in force on `as_of` (both bounds inclusive), else None."""
    if req.effective_from and as_of < req.effective_from:
        return f"in force from {req.effective_from.isoformat()}"
    if req.until and as_of > req.until:
        return f"in force until {req.until.isoformat()}"
    return None


def _verdict(profile: Profile, req: Requirement, result: str,
             evidence: Mapping[str, Any]) -> Verdict:
    return Verdict(profile.id, req.id, req.title, req.severity, result, req.clause,
                   evidence, req.source_status, req.confidence)


def evaluate_requirement(profile: Profile, req: Requirement, endpoint: Mapping[str, Any],
                         findings: list[Finding], as_of: date) -> Verdict:
    """PASS / FAIL / NOT_TESTED / NOT_APPLICABLE for one requirement, with its evidence."""
    evidence: dict[str, Any] = {"as_of": as_of.isoformat()}
    if req.note:
        evidence["note"] = req.note
    protocol = str(endpoint.get("protocol") or "tls")
    if req.protocol not in ("any", protocol):
        evidence["reason"] = f"a {req.protocol.upper()} requirement; this is a " \
            f"{protocol.upper()} endpoint"
        return _verdict(profile, req, "NOT_APPLICABLE", evidence)
    not_in_force = _in_force(req, as_of)
    if not_in_force:
        evidence["reason"] = not_in_force
        return _verdict(profile, req, "NOT_APPLICABLE", evidence)
    if req.applies_if is not None:
        scope = evaluate_condition(req.applies_if, endpoint, findings)
        if scope.value is not True:
            evidence["applies_if"] = dict(scope.evidence)
            if scope.value is False:
                evidence["reason"] = "applies_if condition is false"
                return _verdict(profile, req, "NOT_APPLICABLE", evidence)
            evidence["reasons"] = list(scope.reasons)
            return _verdict(profile, req, "NOT_TESTED", evidence)
    outcome = evaluate_condition(req.condition, endpoint, findings)
    evidence["observed"] = dict(outcome.evidence)
    if outcome.value is None:
        evidence["reasons"] = list(outcome.reasons)
        return _verdict(profile, req, "NOT_TESTED", evidence)
    return _verdict(profile, req, "PASS" if outcome.value else "FAIL", evidence)


def evaluate(profile: Profile, endpoint: Mapping[str, Any], findings: list[Finding],
             as_of: date) -> list[Verdict]:
    """Verdicts of every requirement of `profile` on one ENDPOINT dict."""
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile, not {type(profile).__name__}")
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    return [evaluate_requirement(profile, req, endpoint, findings, as_of)
            for req in profile.requirements]


def check_report(report: Any) -> None:
    """UsageError naming the problem when `report` is not a schema_version "1" scan report."""
    if not isinstance(report, dict):
        raise UsageError(f"report is not a JSON object (got {type(report).__name__})")
    version = report.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UsageError(f"unsupported report schema_version {version!r} "
                         f"(this pqscan reads {SCHEMA_VERSION!r})")
    if not isinstance(report.get("endpoints"), list):
        raise UsageError("report has no 'endpoints' array")


def judge_endpoint(endpoint: dict[str, Any], profiles: list[Profile], as_of: date,
                   index: int, recomputed: list[str] | None = None) -> str | None:
    """Judge one endpoint in place (a scan streams them one by one; `judge_report` calls it
    for each): recompute its derived fields from the observations (`pqscan.assess.derive`,
    each stored value that differed appended to `recomputed`), then fill in findings and
    verdicts. A malformed endpoint gets an `evaluation_error` line, which is also returned."""
    endpoint.pop("evaluation_error", None)
    try:
        changes = rederive(endpoint)
        if recomputed is not None:
            recomputed.extend(f"endpoints[{index}] ({endpoint.get('target')}): {change}"
                              for change in changes)
        findings = derive_findings(endpoint, as_of)
        verdicts = [v for p in profiles for v in evaluate(p, endpoint, findings, as_of)]
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        message = f"endpoints[{index}] ({endpoint.get('target')}): malformed endpoint: {exc}"
        endpoint.update(findings=[], verdicts=[], evaluation_error=message)
        return message
    endpoint["findings"] = [f.to_dict() for f in findings]
    endpoint["verdicts"] = [v.to_dict() for v in verdicts]
    return None


def evaluation_block(profiles: list[Profile], as_of: date, errors: list[str],
                     recomputed: list[str] | None = None) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(), "pqscan_version": __version__,
        "profiles": [{"id": p.id, "version": p.version, "status": p.status,
                      "confidence": p.confidence} for p in profiles],
        "errors": errors,
        "recomputed": list(recomputed or []),
    }


def judge_report(report: dict[str, Any], profiles: list[Profile], as_of: date) -> dict[str, Any]:
    """A copy of `report` with findings and verdicts filled in for every endpoint.

    Every derived field (K-state, families, quantum exposure ...) is first recomputed from the
    observations with today's rules (`pqscan.assess.derive`); `evaluation.recomputed` lists the
    stored values that differed. A malformed endpoint gets an `evaluation_error` line and does
    not stop the others.
    """
    check_report(report)
    out = copy.deepcopy(report)
    errors: list[str] = []
    recomputed: list[str] = []
    for index, endpoint in enumerate(out["endpoints"]):
        if not isinstance(endpoint, dict):
            errors.append(f"endpoints[{index}]: not a JSON object")
            continue
        error = judge_endpoint(endpoint, profiles, as_of, index, recomputed)
        if error:
            errors.append(error)
    out["evaluation"] = evaluation_block(profiles, as_of, errors, recomputed)
    return out
