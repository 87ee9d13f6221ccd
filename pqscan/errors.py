"""The project's exception types and the exit codes they map to.

Every error a user can cause (bad target, bad profile, bad file) is a `PqscanError` with a
one-line message naming the culprit; `cli.py` maps them to exit codes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_POLICY_FAILURE = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class PqscanError(Exception):
    """Base class: a problem with one clear one-line message."""

    exit_code = EXIT_INCOMPLETE


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
