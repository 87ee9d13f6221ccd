"""The action view of a report: is each endpoint ready, what must change, by when, and how.

It reads the issue-14 fields that policy/assess write at judge time (docs/json-contract.md):
each endpoint's `readiness` (level L0-L4, next deadline), each verdict's `in_force`, `due` and
`fixes`, the `evaluation` block's `summary` and the `remediation` catalogue (fix id -> entry).
Nothing is judged here: a report judged before those fields existed (or never judged) reads
as "not judged", never as ready or failing. Every renderer (HTML, Markdown, table, CSV, SARIF,
JUnit) takes its readiness, due dates and fixes from this one module, so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pqscan.assess.risk import EndpointRisk
from pqscan.model import view

READY_LEVELS = ("L3", "L4")
_SEVERITY_RANK = {"MUST": 0, "SHOULD": 1, "MAY": 2}


def evaluation(report: Mapping[str, Any]) -> Mapping[str, Any]:
    value = report.get("evaluation")
    return value if isinstance(value, Mapping) else {}


def remediation(report: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """Fix id -> catalogue entry (product, config, min_version, location, kind, source, note,
    confidence), as the judgement copied it into the report."""
    for holder in (evaluation(report), report):
        value = holder.get("remediation")
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items() if isinstance(v, Mapping)}
    return {}


def readiness(ep: Mapping[str, Any]) -> Mapping[str, Any]:
    value = ep.get("readiness")
    return value if isinstance(value, Mapping) else {}


def level(ep: Mapping[str, Any]) -> str | None:
    value = readiness(ep).get("level")
    return str(value) if value else None


def level_text(ep: Mapping[str, Any]) -> str:
    """"L2 PQ key exchange supported, not preferred" / "undecided: why" / "not judged"."""
    r = readiness(ep)
    if not r:
        return "not judged"
    if not r.get("level"):
        undecided = r.get("undecided") or []
        return "undecided" + (f": {'; '.join(map(str, undecided))}" if undecided else "")
    return f"{r['level']} {r.get('label') or ''}".strip()


def next_deadline(ep: Mapping[str, Any]) -> Mapping[str, Any] | None:
    value = readiness(ep).get("next_deadline")
    return value if isinstance(value, Mapping) and value.get("date") else None


def fails_now(v: Mapping[str, Any]) -> bool:
    """A FAIL that binds on the evaluation date (reports without `in_force` bind, as before)."""
    return v.get("result") == "FAIL" and v.get("in_force", True) is not False


def due_later(v: Mapping[str, Any]) -> bool:
    """A FAIL of a requirement not yet in force: "passes now, FAILS from `due`"."""
    return v.get("result") == "FAIL" and v.get("in_force", True) is False


def state(v: Mapping[str, Any]) -> str:
    """The result as shown: FAIL, "DUE 2030-01-01" (fails, not in force yet), PASS ..."""
    if due_later(v):
        return f"DUE {v.get('due') or 'later'}"
    return str(v.get("result"))


def state_class(v: Mapping[str, Any]) -> str:
    """A CSS class word for `state` (DUE instead of the date)."""
    return "DUE" if due_later(v) else str(v.get("result"))


def as_of(report: Mapping[str, Any]) -> str | None:
    """The judging day: the evaluation's, else (a store run keeps no evaluation) the one day
    every verdict's evidence records; None when not judged or judged on several days."""
    value = evaluation(report).get("as_of")
    if value:
        return str(value)
    days = {str(v["evidence"].get("as_of")) for ep in report.get("endpoints") or []
            for v in ep.get("verdicts") or []
            if isinstance(v, Mapping) and isinstance(v.get("evidence"), Mapping)
            and v["evidence"].get("as_of")}
    return days.pop() if len(days) == 1 else None


def profiles(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The profiles judged: {"id", "version", "title"?} from the summary or the evaluation."""
    summary = evaluation(report).get("summary")
    for value in ((summary or {}).get("profiles") if isinstance(summary, Mapping) else None,
                  evaluation(report).get("profiles")):
        if isinstance(value, list) and value:
            return [p for p in value if isinstance(p, Mapping)]
    seen = sorted({str(v.get("profile")) for ep in report.get("endpoints") or []
                   for v in ep.get("verdicts") or [] if v.get("profile")})
    return [{"id": p, "version": None} for p in seen]


@dataclass(frozen=True, slots=True)
class Answer:
    """The counts behind the one-line answer at the top of every report."""

    endpoints: int
    judged: bool  # every endpoint carries a readiness block (a judgement of issue 14 or later)
    ready: int
    must_change: int
    failing_now: int
    undecided: int
    first_due: str | None
    default_profile: bool

    def sentence(self) -> str:
        if not self.judged:
            return (f"{self.endpoints} endpoint(s); readiness not judged (re-judge with "
                    "`pqscan evaluate REPORT` to get readiness levels and due dates).")
        text = (f"{self.ready} of {self.endpoints} endpoint(s) post-quantum ready (L3+); "
                f"{self.must_change} must change")
        if self.failing_now:
            text += f": {self.failing_now} now (a requirement in force fails)"
            if self.first_due:
                text += f", the next deadline {self.first_due}"
        elif self.first_due:
            text += f", the first by {self.first_due}"
        if self.undecided:
            text += f"; {self.undecided} undecided (not counted as ready)"
        return text + "."


def answer(report: Mapping[str, Any]) -> Answer:
    eps = report.get("endpoints") or []
    summary = evaluation(report).get("summary")
    summary = summary if isinstance(summary, Mapping) else {}
    judged = bool(eps) and all(readiness(ep) for ep in eps)
    ready = sum(1 for ep in eps if level(ep) in READY_LEVELS)
    changing = [ep for ep in eps if any(v.get("result") == "FAIL"
                                        for v in ep.get("verdicts") or [])]
    dues = sorted(str(v.get("due")) for ep in eps for v in ep.get("verdicts") or []
                  if due_later(v) and v.get("due"))
    return Answer(
        endpoints=int(summary.get("endpoints", len(eps))), judged=judged,
        ready=int(summary.get("ready", ready)),
        must_change=int(summary.get("must_change", len(changing))),
        failing_now=int(summary.get("failing_now", sum(
            1 for ep in eps if any(fails_now(v) for v in ep.get("verdicts") or [])))),
        undecided=sum(1 for ep in eps if readiness(ep) and not level(ep)),
        first_due=summary.get("first_due", dues[0] if dues else None),
        default_profile=bool(summary.get("default_profile", False)))


def anchors(endpoints: Sequence[Mapping[str, Any]]) -> list[str]:
    """One HTML id per endpoint (ASCII, unique even when two targets read alike)."""
    return [f"ep-{i}-{view.safe_id(view.target(ep))}"[:80] for i, ep in enumerate(endpoints)]


def headline(risk: EndpointRisk | None) -> float | None:
    return None if risk is None or not risk.scenarios else risk.scenarios[0].headline


def by_risk(endpoints: Sequence[Mapping[str, Any]], risks: Sequence[EndpointRisk]
            ) -> list[int]:
    """Endpoint indexes, highest first-scenario risk first; inconclusive risk last."""
    def key(i: int) -> tuple[bool, float, int]:
        score = headline(risks[i])
        return (score is None, -(score or 0.0), i)
    return sorted(range(len(endpoints)), key=key)


@dataclass(frozen=True, slots=True)
class Action:
    """One requirement that fails on some endpoints: due now (None) or from `due`."""

    due: str | None
    profile: str
    requirement: str
    title: str
    severity: str
    endpoints: tuple[int, ...]  # indexes into report["endpoints"]
    risk: float | None  # the highest first-scenario risk among them
    fixes: tuple[str, ...]


def must_change(report: Mapping[str, Any], risks: Sequence[EndpointRisk]) -> list[Action]:
    """Every failing requirement, grouped over endpoints, sorted by due date (in force first),
    then risk (highest first), then severity."""
    groups: dict[tuple[str | None, str, str], list[tuple[int, Mapping[str, Any]]]] = {}
    for i, ep in enumerate(report.get("endpoints") or []):
        for v in ep.get("verdicts") or []:
            if v.get("result") == "FAIL":
                due = None if fails_now(v) else str(v.get("due") or "later")
                key = (due, str(v.get("profile")), str(v.get("requirement")))
                groups.setdefault(key, []).append((i, v))
    actions = []
    for (due, profile, requirement), hits in groups.items():
        scores = [s for s in (headline(risks[i]) if i < len(risks) else None for i, _ in hits)
                  if s is not None]
        fixes = tuple(dict.fromkeys(f for _, v in hits for f in v.get("fixes") or []))
        first = hits[0][1]
        actions.append(Action(due, profile, requirement, str(first.get("title") or ""),
                              str(first.get("severity")), tuple(i for i, _ in hits),
                              max(scores) if scores else None, fixes))
    return sorted(actions, key=lambda a: (a.due is not None, a.due or "", -(a.risk or -1.0),
                                          _SEVERITY_RANK.get(a.severity, 3), a.requirement))


def endpoint_fixes(ep: Mapping[str, Any], limit: int | None = 3) -> list[str]:
    """Fix ids for one endpoint, most urgent first: failures in force, then by due date, then
    findings from the most severe."""
    verdicts = sorted((v for v in ep.get("verdicts") or [] if v.get("result") == "FAIL"),
                      key=lambda v: (not fails_now(v), str(v.get("due") or ""),
                                     _SEVERITY_RANK.get(str(v.get("severity")), 3)))
    order = view.SEVERITY_ORDER
    findings = sorted((f for f in ep.get("findings") or [] if f.get("severity") in order),
                      key=lambda f: -order.index(f["severity"]))
    ids = dict.fromkeys(fid for item in [*verdicts, *findings] for fid in item.get("fixes") or [])
    return list(ids)[:limit] if limit is not None else list(ids)


_KIND_RANK = {"config": 0, "service": 1, "guidance": 2}


def ranked_fixes(ids: Sequence[str], catalogue: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Fix ids in the order a reader should see them: a config line before a managed-service
    policy before a procedure; OpenSSL first among them (the library under nginx, Apache and
    HAProxy, so its line applies most widely); otherwise as the judgement listed them."""
    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        fix = catalogue.get(item[1]) or {}
        openssl = str(fix.get("product") or "").startswith("OpenSSL")
        return (_KIND_RANK.get(str(fix.get("kind") or "config"), 3), 0 if openssl else 1,
                item[0])
    return [fid for _, fid in sorted(enumerate(dict.fromkeys(ids)), key=key)]


@dataclass(frozen=True, slots=True)
class TopFix:
    """The first fix for one thing an endpoint must change, and how many alternatives."""

    when: str  # "now" or "by 2030-01-01" or "finding"
    what: str  # "cnsa-2.0 CNSA2-KEX-MLKEM1024-SUPPORT" or a finding code
    fix: str | None
    alternatives: int


def top_fixes(ep: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]],
              limit: int = 3) -> list[TopFix]:
    """The most urgent distinct things to change on one endpoint (failures in force, then by
    due date, then findings from the most severe), each with its first-ranked fix."""
    out: list[TopFix] = []
    seen: set[str] = set()
    verdicts = sorted((v for v in ep.get("verdicts") or [] if v.get("result") == "FAIL"),
                      key=lambda v: (not fails_now(v), str(v.get("due") or ""),
                                     _SEVERITY_RANK.get(str(v.get("severity")), 3)))
    order = view.SEVERITY_ORDER
    findings = sorted((f for f in ep.get("findings") or [] if f.get("fixes")
                       and f.get("severity") in order and f.get("severity") != "info"),
                      key=lambda f: -order.index(f["severity"]))
    items = [("now" if fails_now(v) else f"by {v.get('due')}",
              f"{v.get('profile')} {v.get('requirement')}", v) for v in verdicts]
    items += [("finding", str(f.get("code")), f) for f in findings]
    for when, what, item in items:
        fixes = ranked_fixes(item.get("fixes") or [], catalogue)
        if what in seen or (fixes and fixes[0] in {t.fix for t in out}):
            continue
        seen.add(what)
        out.append(TopFix(when, what, fixes[0] if fixes else None, max(len(fixes) - 1, 0)))
        if len(out) == limit:
            break
    return out


def fix_text(fix_id: str, catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    """"nginx >= 1.27: ssl_ecdh_curve ... (nginx.conf, http or server block)"; the bare id when
    the report carries no catalogue entry for it."""
    fix = catalogue.get(fix_id)
    if not fix:
        return fix_id
    product = str(fix.get("product") or fix_id)
    if fix.get("min_version"):
        product += f" >= {fix['min_version']}"
    where = f" (in {fix['location']})" if fix.get("location") else ""
    return f"{product}: {fix.get('config')}{where}"


def profile_results(report: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Per profile: endpoints' verdicts counted as PASS, FAIL (now), DUE (later), NOT_TESTED,
    NOT_APPLICABLE."""
    out: dict[str, dict[str, int]] = {}
    for ep in report.get("endpoints") or []:
        for v in ep.get("verdicts") or []:
            row = out.setdefault(str(v.get("profile")), dict.fromkeys(
                ("PASS", "FAIL", "DUE", "NOT_TESTED", "NOT_APPLICABLE"), 0))
            row[state_class(v)] = row.get(state_class(v), 0) + 1
    return out


def deadlines(report: Mapping[str, Any]) -> list[tuple[str | None, int, int]]:
    """(due date or None for "now", endpoints, requirements) of every failing date, earliest
    first: the points of the deadline timeline."""
    points: dict[str | None, tuple[set[int], set[str]]] = {}
    for i, ep in enumerate(report.get("endpoints") or []):
        for v in ep.get("verdicts") or []:
            if v.get("result") == "FAIL":
                due = None if fails_now(v) else str(v.get("due") or "later")
                eps, reqs = points.setdefault(due, (set(), set()))
                eps.add(i)
                reqs.add(f"{v.get('profile')}/{v.get('requirement')}")
    return [(d, len(e), len(r)) for d, (e, r) in
            sorted(points.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))]


def fail_on_due(report: Mapping[str, Any]) -> int | None:
    """`--fail-on-due YEARS` as the judgement recorded it (evaluation.fail_on_due), or None."""
    value = evaluation(report).get("fail_on_due")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def due_horizon(report: Mapping[str, Any], years: int | None = None) -> str | None:
    """The last due date `--fail-on-due YEARS` gates on: as_of plus YEARS calendar years (the
    rule of pqscan.cli.exitcode, which the exit code uses); None without the option. `years`
    overrides what the report recorded."""
    years = fail_on_due(report) if years is None else years
    now = as_of(report)
    if years is None or not now:
        return None
    try:
        start = date.fromisoformat(now[:10])
    except ValueError:
        return None
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February + YEARS is not a leap year
        return start.replace(year=start.year + years, day=28).isoformat()


def counts_as_failure(v: Mapping[str, Any], report: Mapping[str, Any],
                      years: int | None = None) -> bool:
    """Whether a FAIL gates (exit 1, a JUnit <failure>): in force, or due within the
    `--fail-on-due` window (`years`, else the report's) after the evaluation date."""
    if fails_now(v):
        return True
    horizon = due_horizon(report, years)
    due = v.get("due")
    return due_later(v) and horizon is not None and isinstance(due, str) and due <= horizon
