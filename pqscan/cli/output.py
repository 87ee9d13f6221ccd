"""Where a command's output goes and how it looks: the `--format` and `-o` options every
command that writes a document shares (formats from pqscan.report.render.RENDERERS), the one
writer (`emit`: standard output or the file named by `-o FILE`) and the one prefix of the
lines on stderr (`error`, `warning`: "pqscan: error: ...", "pqscan: warning: ...").

One writer for every command, so each ends its output the same way (exactly one final newline)
and an unwritable `-o` is the same one-line usage error (exit 2) everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from pqscan.cli.exitcode import one_line
from pqscan.errors import UsageError
from pqscan.report.render import formats, render

F = TypeVar("F", bound=Callable[..., Any])


def format_option(kind: str, default: str | None = "table", exclude: Iterable[str] = (),
                  extra: Iterable[str] = (), help: str | None = None,
                  required: bool = False) -> Callable[[F], F]:
    """`--format NAME` offering every format registered for the document `kind` (an unknown
    name is a usage error, exit 2, listing them); `extra`: formats the command writes itself
    (scan's streamed jsonl)."""
    choices = [*formats(kind, exclude), *extra]
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        required=required, show_default=default is not None, help=help)


def output_option(help: str = "Write to FILE instead of standard output.") -> Callable[[F], F]:
    return click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                        help=help)


def write(document: Any, fmt: str, output: str | Path | None, kind: str,
          **options: Any) -> None:
    """Render `document` of `kind` in `fmt` (pqscan.report.render) and emit it."""
    emit(render(document, fmt, kind=kind, **options), output)


def emit(text: str, output: str | Path | None) -> None:
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {str(output)!r}: {exc.strerror or exc}") from None


def error(text: str) -> None:
    """One error line on stderr (the command goes on; its exit code says what happened)."""
    click.echo(f"pqscan: error: {one_line(text)}", err=True)


def warning(text: str) -> None:
    click.echo(f"pqscan: warning: {one_line(text)}", err=True)
