"""The click command line: argument parsing and exit codes only; the work lives elsewhere."""

from __future__ import annotations

import sys

import click

from pqscan import __version__
from pqscan.errors import EXIT_USAGE, PqscanError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pqscan")
def cli() -> None:
    """Post-quantum readiness scanner and conformance suite."""


def main() -> None:
    """Console-script entry point: map project errors to one line and an exit code."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if exc.exit_code == 2 else exc.exit_code)
    except PqscanError as exc:
        click.echo(f"pqscan: error: {exc}", err=True)
        sys.exit(exc.exit_code)
