"""Verdicts: judging endpoints (and whole saved reports) against profiles as of a date.

The public policy API lives here; the nouns it uses are split out: `policy_model` (Profile,
Requirement, Verdict), `policy_conditions` (the declarative condition language) and
`policy_loader` (reading and validating profile TOML files).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pqscan import __version__
from pqscan.assess.catalogue import Finding, derive_findings
from pqscan.assess.derive import rederive
from pqscan.assess.readiness import readiness
from pqscan.assess.remediation import fixes_for
from pqscan.errors import UsageError
from pqscan.model.codec import copy_json
from pqscan.model.document import SCHEMA_VERSION
from pqscan.policy.conditions import Condition, evaluate_condition
from pqscan.policy.loader import Loader, available_profiles, load_profile, shipped_profile_ids
from pqscan.policy.model import Profile, Requirement, SourceDocument, Verdict
from pqscan.policy.summary import Tally

__all__ = [
    "FAIL_ON", "Loader", "Profile", "Requirement", "SourceDocument", "Verdict",
    "available_profiles", "check_report", "evaluate", "evaluate_requirement",
    "judge_endpoint", "judge_report", "load_profile", "observed_date", "shipped_profile_ids",
]

FAIL_ON = {"must": ("MUST",), "should": ("MUST", "SHOULD"), "never": ()}


def _not_yet(req: Requirement, as_of: date) -> bool:
    """True before the requirement's effective_from (inclusive bound)."""
    return req.effective_from is not None and as_of < req.effective_from


def _expired(req: Requirement, as_of: date) -> bool:
    """True after the requirement's `until` (inclusive bound)."""
    return req.until is not None and as_of > req.until


def _condition_codes(condition: Condition | None) -> list[str]:
    """The finding codes a condition names, in order."""
    if condition is None:
        return []
    if condition.op == "finding":
        return [condition.code]
    return [code for child in condition.children for code in _condition_codes(child)]


# id(requirement) -> (requirement, its fix ids): profiles are loaded once and judged for every
# endpoint, so each requirement's fixes are looked up once (the entry keeps it alive).
_FIXES: dict[int, tuple[Requirement, tuple[str, ...]]] = {}


def requirement_fixes(req: Requirement) -> tuple[str, ...]:
    """Fix ids for a requirement: catalogue entries naming its id, else those naming a finding
    code its condition reads (a requirement written as `not finding X` is fixed as X is)."""
    cached = _FIXES.get(id(req))
    if cached is not None and cached[0] is req:
        return cached[1]
    if len(_FIXES) > 4096:  # profiles loaded again and again (tests): start over
        _FIXES.clear()
    _FIXES[id(req)] = (req, _requirement_fixes(req))
    return _FIXES[id(req)][1]


def _requirement_fixes(req: Requirement) -> tuple[str, ...]:
    direct = fixes_for(req.id)
    if direct:
        return tuple(f.id for f in direct)
    ids: dict[str, None] = {}
    for code in _condition_codes(req.condition):
        ids.update((f.id, None) for f in fixes_for(code))
    return tuple(ids)


def _verdict(profile: Profile, req: Requirement, result: str, evidence: Mapping[str, Any],
             as_of: date) -> Verdict:
    return Verdict(profile.id, req.id, req.title, req.severity, result, req.clause,
                   evidence, req.source_status, req.confidence,
                   in_force=not (_not_yet(req, as_of) or _expired(req, as_of)),
                   due=req.effective_from.isoformat() if req.effective_from else None,
                   fixes=requirement_fixes(req))


def evaluate_requirement(profile: Profile, req: Requirement, endpoint: Mapping[str, Any],
                         findings: list[Finding], as_of: date,
                         observed_on: date | None = None) -> Verdict:
    """PASS / FAIL / NOT_TESTED / NOT_APPLICABLE for one requirement, with its evidence.

    A requirement not yet in force is judged all the same (issue 14: "passes now, fails from
    2030-01-01" is a result) and marked `in_force: false`; one past its `until` is
    NOT_APPLICABLE. When the evaluation date is not the day the facts were observed, the
    evidence says so: the date is projected here, never into findings."""
    evidence: dict[str, Any] = {"as_of": as_of.isoformat()}
    if observed_on is not None and observed_on != as_of:
        evidence["projection"] = (f"judged as of {as_of.isoformat()} on facts observed "
                                  f"{observed_on.isoformat()}")
    if req.note:
        evidence["note"] = req.note
    if _not_yet(req, as_of) and req.effective_from is not None:
        evidence["in_force_from"] = req.effective_from.isoformat()
    protocol = str(endpoint.get("protocol") or "tls")
    if req.protocol not in ("any", protocol):
        evidence["reason"] = f"a {req.protocol.upper()} requirement; this is a " \
            f"{protocol.upper()} endpoint"
        return _verdict(profile, req, "NOT_APPLICABLE", evidence, as_of)
    if _expired(req, as_of) and req.until is not None:
        evidence["reason"] = f"in force until {req.until.isoformat()}"
        return _verdict(profile, req, "NOT_APPLICABLE", evidence, as_of)
    if req.applies_if is not None:
        scope = evaluate_condition(req.applies_if, endpoint, findings)
        if scope.value is not True:
            evidence["applies_if"] = dict(scope.evidence)
            if scope.value is False:
                evidence["reason"] = req.not_applicable or "applies_if condition is false"
                return _verdict(profile, req, "NOT_APPLICABLE", evidence, as_of)
            evidence["reasons"] = list(scope.reasons)
            return _verdict(profile, req, "NOT_TESTED", evidence, as_of)
    outcome = evaluate_condition(req.condition, endpoint, findings)
    evidence["observed"] = dict(outcome.evidence)
    if outcome.value is None:
        evidence["reasons"] = list(outcome.reasons)
        return _verdict(profile, req, "NOT_TESTED", evidence, as_of)
    return _verdict(profile, req, "PASS" if outcome.value else "FAIL", evidence, as_of)


def evaluate(profile: Profile, endpoint: Mapping[str, Any], findings: list[Finding],
             as_of: date, observed_on: date | None = None) -> list[Verdict]:
    """Verdicts of every requirement of `profile` on one ENDPOINT dict."""
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile, not {type(profile).__name__}")
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    return [evaluate_requirement(profile, req, endpoint, findings, as_of, observed_on)
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
                   index: int, recomputed: list[str] | None = None,
                   observed_on: date | None = None, derived: bool = False) -> str | None:
    """Judge one endpoint in place (a scan streams them one by one; `judge_report` calls it
    for each): recompute its derived fields from the observations (`pqscan.assess.derive`,
    each stored value that differed appended to `recomputed`), then fill in findings (as of
    `observed_on`, the day the facts were seen: a finding never projects a date), verdicts
    (as of `as_of`) and the readiness level. A malformed endpoint gets an `evaluation_error`
    line, which is also returned. `derived`: the endpoint was just built by this pqscan
    (pqscan.scan.assemble derives those fields with the same functions), so they are not
    recomputed a second time."""
    endpoint.pop("evaluation_error", None)
    seen = observed_on or as_of
    try:
        changes = [] if derived else rederive(endpoint)
        if recomputed is not None:
            recomputed.extend(f"endpoints[{index}] ({endpoint.get('target')}): {change}"
                              for change in changes)
        findings = derive_findings(endpoint, seen)
        verdicts = [v.to_dict() for p in profiles
                    for v in evaluate(p, endpoint, findings, as_of, seen)]
        level = readiness(endpoint, verdicts)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        message = f"endpoints[{index}] ({endpoint.get('target')}): malformed endpoint: {exc}"
        endpoint.update(findings=[], verdicts=[], evaluation_error=message)
        endpoint.pop("readiness", None)
        return message
    endpoint["findings"] = [f.to_dict() for f in findings]
    endpoint["verdicts"] = verdicts
    endpoint["readiness"] = level.to_dict()
    return None


def evaluation_block(profiles: list[Profile], as_of: date, errors: list[str],
                     recomputed: list[str] | None = None, tally: Tally | None = None,
                     default_profile: bool = False, fail_on_due: int | None = None
                     ) -> dict[str, Any]:
    """The report's `evaluation` object: how it was judged (with the `--fail-on-due` horizon
    the exit code used, so renderers show the same gate), the summary, the cited fixes."""
    tally = tally or Tally()
    return {
        "as_of": as_of.isoformat(), "pqscan_version": __version__,
        "profiles": [{"id": p.id, "version": p.version, "status": p.status,
                      "confidence": p.confidence} for p in profiles],
        "errors": errors,
        "recomputed": list(recomputed or []),
        "fail_on_due": fail_on_due,
        "summary": tally.summary(profiles, as_of, default_profile),
        "remediation": tally.remediation(),
        "requirements": requirement_declarations(profiles),
    }


def requirement_declarations(profiles: Sequence[Profile]
                             ) -> dict[str, dict[str, dict[str, Any]]]:
    """`evaluation.requirements`: what every verdict of a requirement repeats (its
    declaration), once per report; a streamed endpoint's verdicts leave it out
    (pqscan.report.compact)."""
    return {p.id: {r.id: {"title": r.title, "clause": r.clause,
                          "source_status": r.source_status, "confidence": r.confidence,
                          "fixes": list(requirement_fixes(r))}
                   for r in p.requirements} for p in profiles}


def observed_date(report: Mapping[str, Any]) -> date | None:
    """The day a saved report's facts were observed (its `started_at`), None if unreadable."""
    try:
        return datetime.fromisoformat(str(report.get("started_at")).replace("Z", "+00:00")
                                      ).date()
    except ValueError:
        return None


def _judgeable(endpoint: Any) -> Any:
    """A copy of ENDPOINT that judge_endpoint may change without touching the original: the
    observations it re-derives in place (tls, ssh) copied, the rest shared — findings,
    verdicts and readiness are replaced, never changed (a deepcopy of every endpoint, probes
    included, was about half of judging a saved report)."""
    if not isinstance(endpoint, dict):
        return endpoint
    return {**endpoint, **{k: copy_json(endpoint[k]) for k in ("tls", "ssh") if k in endpoint}}


def judge_report(report: dict[str, Any], profiles: list[Profile], as_of: date,
                 default_profile: bool = False, fail_on_due: int | None = None
                 ) -> dict[str, Any]:
    """A copy of `report` with findings, verdicts and readiness filled in for every endpoint.

    Every derived field (K-state, families, quantum exposure ...) is first recomputed from the
    observations with today's rules (`pqscan.assess.derive`); `evaluation.recomputed` lists the
    stored values that differed. Findings are as of the day the scan started; verdicts as of
    `as_of`. A malformed endpoint gets an `evaluation_error` line and does not stop the others.
    """
    check_report(report)
    out = dict(report)
    out["endpoints"] = [_judgeable(e) for e in report["endpoints"]]
    errors: list[str] = []
    recomputed: list[str] = []
    tally = Tally()
    seen = observed_date(report)
    for index, endpoint in enumerate(out["endpoints"]):
        if not isinstance(endpoint, dict):
            errors.append(f"endpoints[{index}]: not a JSON object")
            continue
        error = judge_endpoint(endpoint, profiles, as_of, index, recomputed, seen)
        if error:
            errors.append(error)
        tally.add(endpoint)
    out["evaluation"] = evaluation_block(profiles, as_of, errors, recomputed, tally,
                                         default_profile, fail_on_due)
    return out
