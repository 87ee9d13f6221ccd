"""The click command line: argument parsing and exit codes only; the work lives elsewhere."""

from __future__ import annotations

import gc
import importlib
import sys
import warnings
from typing import Any

import click

from pqscan import __version__
from pqscan.cli.exitcode import INTERRUPTED, Outcome, error_line, exit_code, one_line


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A Python warning as one line naming it, never the source line that raised it."""
    click.echo(f"pqscan: warning: {category.__name__}: {one_line(str(message))}", err=True)


def usage_line(exc: click.ClickException) -> str:
    """A click usage error (unknown option, bad --format, missing argument) in the one error
    form, naming the command's help."""
    ctx = getattr(exc, "ctx", None)
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:  # the root is pqscan however started
        words.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    hint = f" (see '{' '.join(['pqscan', *words])} -h')" if ctx is not None else ""
    return f"pqscan: error: {one_line(exc.format_message())}{hint}"


def _import_command(module: str) -> Any:
    """Import a command's module with the cyclic garbage collector paused, then freeze what
    the import allocated out of its view (gc.freeze): modules, classes and registries live as
    long as the process, so collections passing over them during the import and after it find
    nothing to free (~5 % of a one-target scan's start-up instructions, issue 13; the scan's
    event loop freezes its heap the same way, pqscan.scan.eventloop). A pause alone would
    only postpone the work to one large collection right after the import."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


class _Group(click.Group):
    """Maps every exception out of a command to one line on stderr and its exit code
    (pqscan.cli.exitcode.error_line: the project's errors keep theirs, anything else is an
    internal error, exit 3; click's usage errors are exit 2), for every caller (console
    script, CliRunner, pytest plugin) alike; warnings are shown as one line each while a
    command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _SUBCOMMANDS:
            module, attribute = _SUBCOMMANDS[cmd_name]
            command = getattr(_import_command(module), attribute)
            if command.name != cmd_name:
                raise RuntimeError(f"{module}.{attribute} is '{command.name}', not '{cmd_name}'")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except click.exceptions.ClickException as exc:
                click.echo(usage_line(exc), err=True)
                ctx.exit(exit_code(Outcome(usage=(exc.format_message(),))))
            except (click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt,
                    SystemExit):
                raise
            except Exception as exc:  # noqa: BLE001 - the one place a crash becomes a line
                line, code = error_line(exc)
                click.echo(line, err=True)
                ctx.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pqscan")
def cli() -> None:
    """Post-quantum readiness scanner and conformance suite."""


# The one place subcommands from other modules join the CLI: name -> (module, attribute).
# Loaded on first use, so `pqscan scan` does not import the conformance suite, the vectors and
# the statistics (about a third of a scan's start-up CPU; issue 13), and every pqscan module a
# command needs is imported under _import_command's collector pause (this module imports only
# click and the exit-code rule).
_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("pqscan.cli.demo", "demo_command"),
    "scan": ("pqscan.cli.scan", "scan_command"),
    "store": ("pqscan.cli.store", "store_group"),
    "certs": ("pqscan.cli.certs", "certs_command"),
    "lint": ("pqscan.cli.certs", "lint_command"),
    "conform": ("pqscan.cli.conform", "conform_command"),
    "vectors": ("pqscan.cli.vectors", "vectors_group"),
    "profiles": ("pqscan.cli.policy", "profiles_group"),
    "evaluate": ("pqscan.cli.policy", "evaluate_command"),
    "report": ("pqscan.cli.report", "report_group"),
    "lab": ("pqscan.cli.lab", "lab"),
    "stats": ("pqscan.cli.stats", "stats_command"),
}


def main() -> None:
    """Console-script entry point: every way out is one line (if any) and an exit code 0-3."""
    try:
        # standalone_mode=False hands back ctx.exit(code) (the _Group's error mapping,
        # click.exceptions.Exit) as the return value instead of exiting: pass it on
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C outside a command that handles it itself
        click.echo("pqscan: interrupted", err=True)
        sys.exit(exit_code(INTERRUPTED))
    except click.ClickException as exc:  # an option of the group itself
        click.echo(usage_line(exc), err=True)
        sys.exit(exit_code(Outcome(usage=(exc.format_message(),))))
    except Exception as exc:  # noqa: BLE001 - a crash in option parsing or a callback
        line, status = error_line(exc)
        click.echo(line, err=True)
        sys.exit(status)
    sys.exit(code if isinstance(code, int) else 0)
