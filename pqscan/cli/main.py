"""The click command line: argument parsing and exit codes only; the work lives elsewhere."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import click

from pqscan import __version__
from pqscan.cli.exitcode import (
    Outcome,
    error_line,
    exit_code,
    incomplete_line,
    one_line,
    report_outcome,
)
from pqscan.cli.output import emit
from pqscan.errors import UsageError
from pqscan.inputfile import refuse_special
from pqscan.model.metadata import load_metadata
from pqscan.report.render import FORMATS, render
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.store import ScanStore
from pqscan.scan.targets import Target, parse_target, read_target_file
from pqscan.scan.workers import usable_cores

_INTERRUPTED = Outcome(incomplete=("interrupted",))


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A Python warning as one line naming it, never the source line that raised it."""
    click.echo(f"pqscan: warning: {category.__name__}: {one_line(str(message))}", err=True)


class _Group(click.Group):
    """Maps every exception out of a command to one line on stderr and its exit code
    (pqscan.cli.exitcode.error_line: the project's errors keep theirs, anything else is an
    internal error, exit 3), for every caller (console script, CliRunner, pytest plugin)
    alike; warnings are shown as one line each while a command runs."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except (click.exceptions.ClickException, click.exceptions.Exit,
                    click.exceptions.Abort, KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:  # noqa: BLE001 - the one place a crash becomes a line
                line, code = error_line(exc)
                click.echo(line, err=True)
                ctx.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pqscan")
def cli() -> None:
    """Post-quantum readiness scanner and conformance suite."""


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-i", "--input", "input_file", type=click.Path(dir_okay=False),
              help="File with one target per line (# comments).")
@click.option("--sni", help="Server name to send (default: the host name; none for IPs).")
@click.option("--starttls", metavar="PROTO",
              help="Speak this STARTTLS preamble first: smtp, imap, pop3, ftp, ldap, xmpp, "
              "postgres (same as smtp://host etc.).")
@click.option("--ssh", "ssh", is_flag=True,
              help="host[:port] targets are SSH servers (port 22 unless given; same as ssh://).")
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=5.0, show_default=True,
              help="Seconds to wait for a connection or an answer.")
@click.option("--concurrency", type=click.IntRange(1, 4096), default=64, show_default=True,
              help="Connections open at once, all endpoints together.")
@click.option("--per-endpoint", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Connections open at once to one endpoint.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes scanning at once, endpoints shared between them (default: the "
              "usable CPU cores).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="SQLite file: save every endpoint the moment it is scanned.")
@click.option("--resume", is_flag=True,
              help="With --store: take endpoints already stored as ok from it, scan the rest.")
@click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False),
              help="Keep every raw handshake transcript (JSON, hex) in this directory.")
@click.option("--metadata", type=click.Path(dir_okay=False),
              help="Target metadata (TOML or CSV: owner, shelf life, ...) for risk and grouping.")
@click.option("--profile", "profiles", multiple=True,
              help="Judge against standards profiles: ID[,ID] or a .toml path (repeatable).")
@click.option("--profile-dir", "profile_dirs", multiple=True, help="Directory of user profiles.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluation date (default today).")
@click.option("--fail-on", type=click.Choice(["must", "should", "never"]), default="must",
              show_default=True, help="Exit 1 when a verdict of this severity or above fails.")
def scan(targets: tuple[str, ...], input_file: str | None, sni: str | None,
         starttls: str | None, ssh: bool, timeout: float, concurrency: int,
         per_endpoint: int, workers: int | None, fmt: str,
         output: str | None, store_path: str | None, resume: bool,
         evidence_dir: str | None, metadata: str | None, profiles: tuple[str, ...],
         profile_dirs: tuple[str, ...], as_of: str | None, fail_on: str) -> None:
    """Scan TLS and SSH endpoints (host[:port], [v6]:port, https://host, smtp://host,
    ssh://host) for PQ readiness."""
    from pqscan.cli.policy import parse_as_of, resolve_profiles
    from pqscan.policy.evaluate import judge_report

    # a bad profile is exit 2 before any traffic is sent
    chosen = resolve_profiles(profiles, profile_dirs) if profiles else []
    when = parse_as_of(as_of)
    meta = load_metadata(metadata) if metadata else None
    if evidence_dir:
        try:
            Path(evidence_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--evidence: cannot create {evidence_dir!r}: "
                             f"{exc.strerror or exc}") from None
    parsed: list[Target] = [parse_target(t, sni, starttls=starttls, ssh=ssh) for t in targets]
    if input_file:
        if Path(input_file).exists():
            refuse_special(input_file)  # a FIFO or device is refused, never read
        parsed.extend(read_target_file(input_file, sni, starttls, ssh))
    if not parsed:
        raise UsageError("no targets: give TARGET arguments or -i FILE")
    options = ScanOptions(timeout=timeout, per_endpoint=per_endpoint, sni=sni,
                          evidence_dir=evidence_dir)
    if resume and not store_path:
        raise UsageError("--resume needs --store FILE")
    store = ScanStore(store_path) if store_path else None
    try:
        report = judge_report(run_scan(parsed, options, concurrency, store, resume,
                                       workers or usable_cores()), chosen, when)
    except KeyboardInterrupt:
        saved = f"; {store.count()} endpoints saved in {store.path}, rerun with --resume" \
            if store is not None else ""
        click.echo(f"pqscan: interrupted{saved}", err=True)
        sys.exit(exit_code(_INTERRUPTED))
    finally:
        if store is not None:
            store.close()
    emit(render(report, fmt, metadata=meta), output)
    for ep in report["endpoints"]:
        if ep["status"] != "ok":
            click.echo(f"pqscan: {one_line(ep['target'])}: {ep['status']}: "
                       f"{one_line(ep['error'])}", err=True)
    # a write the store refused (full disk, lock) loses nothing already saved, but the store
    # is incomplete: one line each, exit 3 (issue 10 §7)
    store_errors = tuple(getattr(store, "errors", ()) or ())
    for line in store_errors:
        click.echo(f"pqscan: store: {one_line(line)}", err=True)
    outcome = report_outcome(report, fail_on if chosen else None)
    if all(ep["status"] == "ok" for ep in report["endpoints"]) and outcome.incomplete:
        # undecided verdicts or facts on reachable endpoints: say why this is not a pass
        click.echo(incomplete_line(outcome), err=True)
    sys.exit(exit_code(outcome + Outcome(incomplete=store_errors)))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def demo(fmt: str, output: str | None) -> None:
    """Scan the embedded lab of real OpenSSL and tlslite-ng servers (no internet needed)."""
    from pqscan.cli.demo import run_demo
    from pqscan.lab.stopping import LabStopped, stop_on_signals

    click.echo("Starting the lab (8 real TLS servers on 127.0.0.1) and scanning it...", err=True)
    received: list[str] = []
    try:
        with stop_on_signals(received):  # SIGTERM/SIGHUP stop the lab servers as Ctrl-C does
            report, mismatches = run_demo()
    except LabStopped:
        click.echo(f"pqscan: interrupted ({received[0]}); lab stopped", err=True)
        sys.exit(exit_code(_INTERRUPTED))
    emit(render(report, fmt), output)
    for line in mismatches:
        click.echo(f"pqscan: demo: differs from the lab's configuration: {line}", err=True)
    total = len(report["endpoints"])
    click.echo(f"{total - len({m.split(':')[0] for m in mismatches})}/{total} lab servers "
               "scanned exactly as configured.", err=True)
    differs = Outcome(incomplete=tuple(f"differs from the lab: {m}" for m in mismatches))
    sys.exit(exit_code(report_outcome(report, None) + differs))


def _register() -> None:
    """The one place subcommands from other modules join the CLI."""
    from pqscan.cli.certs import certs_command, lint_command
    from pqscan.cli.conform import conform_command
    from pqscan.cli.lab import lab as lab_command
    from pqscan.cli.policy import evaluate_command, profiles_group
    from pqscan.cli.report import report_group
    from pqscan.cli.stats import stats_command
    from pqscan.cli.vectors import vectors_group

    for command in (certs_command, lint_command, conform_command, vectors_group,
                    profiles_group, evaluate_command, report_group, lab_command, stats_command):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point: every way out is one line (if any) and an exit code 0-3."""
    try:
        # standalone_mode=False hands back ctx.exit(code) (the _Group's error mapping,
        # click.exceptions.Exit) as the return value instead of exiting: pass it on
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C outside a command that handles it itself
        click.echo("pqscan: interrupted", err=True)
        sys.exit(exit_code(_INTERRUPTED))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exit_code(Outcome(usage=(exc.format_message(),))))
    except Exception as exc:  # noqa: BLE001 - a crash in option parsing or a callback
        line, status = error_line(exc)
        click.echo(line, err=True)
        sys.exit(status)
    sys.exit(code if isinstance(code, int) else 0)
