"""The project's exception types and the exit codes they map to.

Every error a user can cause (bad target, bad profile, bad file) is a `PqscanError` with a
one-line message naming the culprit; the CLI (pqscan.cli.exitcode) maps them to exit codes.
A lower layer that names one of its caller's inputs does so by role, as an `Option` part of
the message (`UsageError(Option("starttls"), ": unknown protocol 'x'")`): `str()` says the
role ("starttls"), the CLI says its flag ("--starttls"). Only the CLI knows flag names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_POLICY_FAILURE = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


@dataclass(frozen=True, slots=True)
class Option:
    """An input of the caller, by role (`starttls`, `sample`, `max_size`), inside a message."""

    name: str


def _role(option: Option) -> str:
    return option.name


class PqscanError(Exception):
    """Base class: a problem with one clear one-line message, made of text and `Option`s."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, *parts: str | Option) -> None:
        self.parts = parts
        super().__init__(self.spell(_role))

    def spell(self, option: Callable[[Option], str]) -> str:
        """The message with each Option said by `option` (the CLI passes its flag names)."""
        return "".join(option(p) if isinstance(p, Option) else str(p) for p in self.parts)


class UsageError(PqscanError):
    """Bad command-line input, target list, profile or report file (exit 2)."""

    exit_code = EXIT_USAGE


class DecodeError(PqscanError, ValueError):
    """Bytes that do not parse as the structure expected (a TLS message, a certificate...).

    Parsers raise only this on arbitrary input; callers turn it into an INCONCLUSIVE result
    or a per-file error, never a crash.
    """


class UnsupportedGroupError(PqscanError, ValueError):
    """pqscan cannot generate a key share for this group (no primitive available)."""
