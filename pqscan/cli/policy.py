"""Click commands for profiles and offline evaluation: `pqscan profiles ...`, `pqscan evaluate`.

Thin wrappers over `pqscan.policy.evaluate`, registered by `pqscan.cli.main`. `resolve_profiles`
and `parse_as_of` are shared with `pqscan scan --profile`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from tabulate import tabulate

from pqscan.cli.exitcode import error_line, exit_code, incomplete_line, report_outcome
from pqscan.cli.output import emit
from pqscan.errors import EXIT_INCOMPLETE, EXIT_POLICY_FAILURE, PqscanError, UsageError
from pqscan.model.document import load_report
from pqscan.policy.evaluate import (
    FAIL_ON,
    Loader,
    Profile,
    available_profiles,
    judge_report,
)
from pqscan.report.text import inert, visible

F = TypeVar("F", bound=Callable[..., Any])


def _one_line_errors(function: F) -> F:
    """Print a PqscanError as one line and exit with its code (also under CliRunner)."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PqscanError as exc:
            line, code = error_line(exc)
            click.echo(line, err=True)
            raise click.exceptions.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def parse_as_of(value: str | None) -> date:
    """`--as-of YYYY-MM-DD` (default: today); UsageError on a bad date."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value) if len(value) == 10 else date.fromisoformat("x")
    except ValueError:
        raise UsageError(f"--as-of: bad date {value!r} (expected YYYY-MM-DD)") from None


def resolve_profiles(specs: Iterable[str], profile_dirs: Iterable[str] = ()) -> list[Profile]:
    """Profiles named by `--profile ID[,ID]` (ids or paths), user dirs searched first."""
    dirs = tuple(Path(d) for d in profile_dirs)
    for directory in dirs:
        if not directory.is_dir():
            raise UsageError(f"--profile-dir: {directory} is not a directory")
    loader = Loader(dirs)
    names = [n.strip() for spec in specs for n in spec.split(",") if n.strip()]
    if not names:
        raise UsageError("--profile: no profile named")
    return [loader.load(name) for name in names]


DEFAULT_PROFILE = "pq-baseline"
NO_PROFILE = "none"


def choose_profiles(specs: Iterable[str], profile_dirs: Iterable[str] = ()
                    ) -> tuple[list[Profile], bool]:
    """(profiles, default_profile) for `scan` and `evaluate`: the ones `--profile` names; none
    for `--profile none`; pq-baseline when no --profile is given (issue 14: an unjudged scan
    would read as a pass to a CI gate). The report says so (`evaluation.summary.
    default_profile`), and so does stderr when the default profile fails the run
    (`DEFAULT_NOTE`)."""
    names = [n.strip() for spec in specs for n in spec.split(",") if n.strip()]
    if names == [NO_PROFILE]:
        return [], False
    if NO_PROFILE in names:
        raise UsageError("--profile none cannot be combined with other profiles")
    if names:
        return resolve_profiles(names, profile_dirs), False
    return resolve_profiles([DEFAULT_PROFILE], profile_dirs), True


DEFAULT_NOTE = (f"pqscan: judged against {DEFAULT_PROFILE}, the default profile (--profile "
                "ID to choose, --profile none to skip)")
FAIL_ON_DUE_HELP = ("Exit 1 also when a requirement not yet in force FAILs and is due within "
                    "YEARS of --as-of (default: only requirements in force).")


def _status(source_status: str, confidence: str) -> str:
    return ", ".join(s for s in (source_status if source_status != "final" else "",
                                 confidence if confidence != "primary" else "") if s) or "-"


@click.group("profiles")
def profiles_group() -> None:
    """List, show and validate standards profiles."""


@profiles_group.command("list")
@_one_line_errors
def profiles_list() -> None:
    """List the shipped profiles."""
    rows = [(p.id, p.version, p.publisher, _status(p.status, p.confidence),
             len(p.requirements), p.title) for p in available_profiles()]
    click.echo(tabulate(rows, headers=["id", "version", "publisher", "status", "reqs", "title"]))


@profiles_group.command("show")
@click.argument("profile")
@click.option("--profile-dir", "profile_dirs", multiple=True, help="Directory of user profiles.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@_one_line_errors
def profiles_show(profile: str, profile_dirs: tuple[str, ...], fmt: str) -> None:
    """Show one profile (id or path) and its requirements."""
    (loaded,) = resolve_profiles([profile], profile_dirs)
    if fmt == "json":
        click.echo(json.dumps(loaded.to_dict(), indent=2, sort_keys=True))
        return
    click.echo(f"{loaded.id}: {loaded.title}")
    click.echo(f"version {loaded.version}, {loaded.publisher}, status {loaded.status}, "
               f"confidence {loaded.confidence}"
               + (f", extends {', '.join(loaded.extends)}" if loaded.extends else ""))
    for source in loaded.sources:
        click.echo(f"source {source.key}: {source.title} ({source.date})")
    rows = [(r.id, r.severity, r.effective_from or "-", _status(r.source_status, r.confidence),
             r.clause) for r in loaded.requirements]
    click.echo(tabulate(rows, headers=["requirement", "severity", "from", "status", "clause"]))


@profiles_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@_one_line_errors
def profiles_validate(file: str) -> None:
    """Validate a profile TOML file (exit 2 with FILE:LINE: KEY on the first problem)."""
    path = file if file.endswith(".toml") or "/" in file else f"./{file}"
    loaded = Loader().load(path)
    click.echo(f"{file}: ok ({loaded.id}, {len(loaded.requirements)} requirements)")


def _result(verdict: dict[str, Any]) -> str:
    """The result word; a FAIL not yet in force is DUE on its date (issue 14)."""
    if verdict.get("in_force") is False and verdict.get("result") == "FAIL":
        return f"DUE {verdict.get('due')}"
    return str(verdict["result"])


def _readiness_lines(endpoint: dict[str, Any]) -> list[str]:
    level = endpoint.get("readiness")
    if not isinstance(level, dict):
        return []
    out = [f"  readiness {level.get('level') or 'undecided'} ({level.get('label')}): "
           f"{level.get('reason')}"]
    deadline = level.get("next_deadline")
    if isinstance(deadline, dict):
        out.append(f"  next deadline {deadline.get('date')}: {deadline.get('profile')} "
                   f"{deadline.get('requirement')} ({deadline.get('title')})")
    return out


def summary_line(summary: dict[str, Any]) -> str:
    """The one-line answer of docs/readiness.md from `evaluation.summary`."""
    profiles = ", ".join(f"{p.get('id')} {p.get('version')}" for p in summary.get("profiles")
                         or []) or "no profile"
    line = (f"{summary.get('ready')} of {summary.get('endpoints')} endpoints post-quantum "
            f"ready (L3+); {summary.get('must_change')} must change")
    if summary.get("failing_now"):
        line += f" ({summary['failing_now']} failing now)"
    if summary.get("first_due"):
        line += f", the next by {summary['first_due']}"
    default = " (the default profile; --profile none to skip)" \
        if summary.get("default_profile") else ""
    return f"{line} — as of {summary.get('as_of')}, judged against {profiles}{default}"


def render_table(report: dict[str, Any]) -> str:
    """Human table of findings and verdicts per endpoint."""
    lines: list[str] = []
    evaluation = report.get("evaluation") or {}
    for endpoint in report.get("endpoints", []):
        if not isinstance(endpoint, dict):
            continue
        tls = endpoint.get("tls") or {}
        lines.append(f"{endpoint.get('target')}  status {endpoint.get('status')}  "
                     f"kex {tls.get('kex_state') or '-'}  as of {evaluation.get('as_of')}")
        if endpoint.get("evaluation_error"):
            lines.append(f"  error: {endpoint['evaluation_error']}")
        lines.extend(_readiness_lines(endpoint))
        rows = [(f["severity"], f["code"], f["message"]) for f in endpoint.get("findings", [])]
        if rows:
            lines.append(tabulate(rows, headers=["severity", "finding", "message"]))
        verdicts = endpoint.get("verdicts", [])
        if verdicts:
            lines.append(tabulate(
                [(v["profile"], v["requirement"], v["severity"], _result(v),
                  _status(v.get("source_status", "final"), v.get("confidence", "primary")),
                  v["clause"], ", ".join(v.get("fixes") or [])[:60] or "-")
                 for v in verdicts],
                headers=["profile", "requirement", "severity", "result", "status", "clause",
                         "fixes"]))
        lines.append("")
    counts = Counter(v["result"] for e in report.get("endpoints", []) if isinstance(e, dict)
                     for v in e.get("verdicts", []))
    summary = evaluation.get("summary")
    if isinstance(summary, dict):
        lines.append(summary_line(summary))
    lines.append("verdicts: " + ", ".join(f"{counts[r]} {r}" for r in
                                          ("PASS", "FAIL", "NOT_TESTED", "NOT_APPLICABLE")))
    lines.extend(f"error: {e}" for e in evaluation.get("errors", []))
    return "\n".join(lines)


@click.command("evaluate")
@click.argument("report_file", metavar="REPORT.json|STORE.db", type=click.Path(dir_okay=False))
@click.option("--run", "run_id", metavar="ID",
              help="With a store: the run to judge (default: the latest).")
@click.option("--profile", "profiles", multiple=True,
              help="Profile id(s) or TOML path(s), comma-separated or repeated (default "
              "pq-baseline; 'none': no profile).")
@click.option("--profile-dir", "profile_dirs", multiple=True, help="Directory of user profiles.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluation date (default today).")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="must", show_default=True)
@click.option("--fail-on-due", "fail_on_due", type=click.IntRange(0, 100), metavar="YEARS",
              help=FAIL_ON_DUE_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@_one_line_errors
def evaluate_command(report_file: str, run_id: str | None, profiles: tuple[str, ...],
                     profile_dirs: tuple[str, ...], as_of: str | None, fail_on: str,
                     fail_on_due: int | None, fmt: str, output: str | None) -> None:
    """Re-judge a saved scan report, or a run of a scan store, offline (no network)."""
    from pqscan.scan.store import is_store, report_from_source

    when = parse_as_of(as_of)
    loaded, default = choose_profiles(profiles, profile_dirs)
    report = report_from_source(report_file, run_id) if is_store(report_file) \
        else load_report(report_file)
    try:
        judged = judge_report(report, loaded, when, default, fail_on_due)
    except UsageError as exc:
        raise UsageError(f"{report_file}: {exc}") from None
    text = (json.dumps(judged, indent=2, sort_keys=False) if fmt == "json"
            else render_table(inert(judged)))  # server text shown inert (report.text)
    emit(text, output)
    for change in judged["evaluation"]["recomputed"]:
        click.echo(f"pqscan: recomputed {visible(change, 400)}", err=True)
    outcome = report_outcome(judged, fail_on if loaded else None, fail_on_due)
    code = exit_code(outcome)
    if code == EXIT_INCOMPLETE:
        click.echo(incomplete_line(outcome), err=True)
    if code == EXIT_POLICY_FAILURE and default:
        click.echo(DEFAULT_NOTE, err=True)
    if code:
        raise click.exceptions.Exit(code)
