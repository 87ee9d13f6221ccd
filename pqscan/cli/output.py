"""Where a command's text goes (`emit`): standard output, or the file named by `-o FILE`.

One writer for every command, so each ends its output the same way (exactly one final newline)
and an unwritable `-o` is the same one-line usage error (exit 2) everywhere.
"""

from __future__ import annotations

from pathlib import Path

import click

from pqscan.errors import UsageError


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
