"""Click commands for profiles and offline evaluation: `pqscan profiles ...`, `pqscan evaluate`.

Thin wrappers over `pqscan.policy.evaluate`, registered by `pqscan.cli.main`. `resolve_profiles`
and `parse_as_of` are shared with `pqscan scan --profile`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from pqscan.cli.exitcode import error_line, exit_code, incomplete_line, report_outcome
from pqscan.cli.options import profile_dir_option, render_inputs, render_options
from pqscan.cli.output import format_option, output_option, write
from pqscan.errors import EXIT_INCOMPLETE, EXIT_POLICY_FAILURE, PqscanError, UsageError
from pqscan.model.document import load_report
from pqscan.policy.evaluate import (
    FAIL_ON,
    Loader,
    Profile,
    judge_report,
)
from pqscan.policy.loader import shipped_profile_ids
from pqscan.report.text import visible

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


def _profile_dirs(profile_dirs: Iterable[str]) -> tuple[Path, ...]:
    dirs = tuple(Path(d) for d in profile_dirs)
    for directory in dirs:
        if not directory.is_dir():
            raise UsageError(f"--profile-dir: {directory} is not a directory")
    return dirs


def resolve_profiles(specs: Iterable[str], profile_dirs: Iterable[str] = ()) -> list[Profile]:
    """Profiles named by `--profile ID[,ID]` (ids or paths), user dirs searched first."""
    loader = Loader(_profile_dirs(profile_dirs))
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


@click.group("profiles")
def profiles_group() -> None:
    """List, show and validate standards profiles."""


@profiles_group.command("list")
@profile_dir_option
@format_option("profiles")
@output_option()
@_one_line_errors
def profiles_list(profile_dirs: tuple[str, ...], fmt: str, output: str | None) -> None:
    """List the shipped profiles and those in every --profile-dir (a user profile with a
    shipped id replaces it, as in --profile)."""
    dirs = _profile_dirs(profile_dirs)
    ids = dict.fromkeys(shipped_profile_ids())
    for directory in dirs:
        ids.update(dict.fromkeys(sorted(p.stem for p in directory.glob("*.toml")
                                        if p.is_file())))
    loader = Loader(dirs)
    listing = [{**p.to_dict(), "path": p.path} for p in map(loader.load, ids)]
    write({"profiles": listing}, fmt, output, "profiles")


@profiles_group.command("show")
@click.argument("profile")
@profile_dir_option
@format_option("profile")
@output_option()
@_one_line_errors
def profiles_show(profile: str, profile_dirs: tuple[str, ...], fmt: str,
                  output: str | None) -> None:
    """Show one profile (id or path) and its requirements."""
    (loaded,) = resolve_profiles([profile], profile_dirs)
    write({**loaded.to_dict(), "path": loaded.path}, fmt, output, "profile")


@profiles_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@_one_line_errors
def profiles_validate(file: str) -> None:
    """Validate a profile TOML file (exit 2 with FILE:LINE: KEY on the first problem)."""
    path = file if file.endswith(".toml") or "/" in file else f"./{file}"
    loaded = Loader().load(path)
    click.echo(f"{file}: ok ({loaded.id}, {len(loaded.requirements)} requirements)")


@click.command("evaluate")
@click.argument("report_file", metavar="REPORT.json|STORE.db", type=click.Path(dir_okay=False))
@click.option("--run", "run_id", metavar="ID",
              help="With a store: the run to judge (default: the latest).")
@click.option("--profile", "profiles", multiple=True,
              help="Profile id(s) or TOML path(s), comma-separated or repeated (default "
              "pq-baseline; 'none': no profile).")
@profile_dir_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluation date (default today).")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="must", show_default=True)
@click.option("--fail-on-due", "fail_on_due", type=click.IntRange(0, 100), metavar="YEARS",
              help=FAIL_ON_DUE_HELP)
@format_option("evaluation")
@output_option()
@render_inputs
@_one_line_errors
def evaluate_command(report_file: str, run_id: str | None, profiles: tuple[str, ...],
                     profile_dirs: tuple[str, ...], as_of: str | None, fail_on: str,
                     fail_on_due: int | None, fmt: str, output: str | None,
                     metadata_file: str | None, scenarios: tuple[int, ...],
                     csv_mode: str) -> None:
    """Re-judge a saved scan report, or a run of a scan store, offline (no network)."""
    from pqscan.scan.store import is_store, report_from_source

    when = parse_as_of(as_of)
    loaded, default = choose_profiles(profiles, profile_dirs)
    options = render_options(metadata_file, scenarios, csv_mode, profile_dirs, fail_on_due)
    report = report_from_source(report_file, run_id) if is_store(report_file) \
        else load_report(report_file)
    try:
        judged = judge_report(report, loaded, when, default, fail_on_due)
    except UsageError as exc:
        raise UsageError(f"{report_file}: {exc}") from None
    write(judged, fmt, output, "evaluation", **options)  # server text shown inert (report.text)
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
