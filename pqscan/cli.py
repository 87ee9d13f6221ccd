"""The click command line: argument parsing and exit codes only; the work lives elsewhere."""

from __future__ import annotations

import sys
from typing import Any

import click

from pqscan import __version__
from pqscan.errors import EXIT_USAGE, PqscanError
from pqscan.output import emit
from pqscan.report.document import dump_json
from pqscan.report.render import FORMATS, render
from pqscan.report.table import render_table
from pqscan.run import scan_exit_code


class _Group(click.Group):
    """Maps the project's errors to one line on stderr and their exit code, for every caller
    (console script, CliRunner, pytest plugin) alike."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PqscanError as exc:
            click.echo(f"pqscan: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pqscan")
def cli() -> None:
    """Post-quantum readiness scanner and conformance suite."""


def render_report(report: dict[str, Any], fmt: str, meta: Any) -> str:
    """The terminal table and the JSON contract are ours; other formats go to pqscan.report."""
    if fmt == "table":
        return render_table(report)
    if fmt == "json":
        return dump_json(report)
    return render(report, fmt, metadata=meta)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def demo(fmt: str, output: str | None) -> None:
    """Scan the embedded lab of real OpenSSL and tlslite-ng servers (no internet needed)."""
    from pqscan.demo import run_demo

    click.echo("Starting the lab (8 real TLS servers on 127.0.0.1) and scanning it...", err=True)
    report, mismatches = run_demo()
    emit(render_report(report, fmt, None), output)
    for line in mismatches:
        click.echo(f"pqscan: demo: differs from the lab's configuration: {line}", err=True)
    total = len(report["endpoints"])
    click.echo(f"{total - len({m.split(':')[0] for m in mismatches})}/{total} lab servers "
               "scanned exactly as configured.", err=True)
    sys.exit(3 if mismatches else scan_exit_code(report))


def _register() -> None:
    """The one place subcommands from other modules join the CLI."""
    from pqscan.certs.commands import certs_command, lint_command
    from pqscan.conformance.commands import conform_command
    from pqscan.conformance.vectors.commands import vectors_group
    from pqscan.lab.commands import lab as lab_command
    from pqscan.policy_commands import evaluate_command, profiles_group
    from pqscan.report.commands import report_group
    from pqscan.scan_command import scan_command
    from pqscan.stats_command import stats_command
    from pqscan.store_commands import store_group

    for command in (scan_command, store_group, certs_command, lint_command, conform_command,
                    vectors_group, profiles_group, evaluate_command, report_group, lab_command,
                    stats_command):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point: map project errors to one line and an exit code."""
    try:
        # standalone_mode=False hands back ctx.exit(code) (the _Group's error mapping,
        # click.exceptions.Exit) as the return value instead of exiting: pass it on
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if exc.exit_code == 2 else exc.exit_code)
    except PqscanError as exc:
        click.echo(f"pqscan: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
