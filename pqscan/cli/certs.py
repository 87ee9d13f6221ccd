"""The click commands `pqscan certs` (file inventory) and `pqscan lint` (PQ certificate lints).

Thin wrappers: the work is in pqscan.certs.inventory and pqscan.certs.lint. Exit codes come from
pqscan.cli.exitcode: 0 ok, 1 an error-severity lint fired, 2 a path given on the command line is
missing, unreadable or not a regular file or directory, 3 some file could not be processed
(3 wins over 1: the result is incomplete). Every file is judged on its own: one that cannot be
read or parsed is an error entry and the others are still inventoried and linted.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Any

import click

from pqscan.certs.inventory import DEFAULT_MAX_SIZE, inventory, read_file
from pqscan.certs.lint import lint_certificate
from pqscan.certs.load import load_objects
from pqscan.cli.exitcode import Outcome, exit_code, flag
from pqscan.cli.output import error, format_option, output_option, warning, write
from pqscan.errors import DecodeError
from pqscan.inputfile import os_reason


def _unusable(paths: tuple[str, ...], allow_dirs: bool) -> tuple[str, ...]:
    """'path: reason' for each command-line path that is missing, unreadable or special (a
    FIFO or device is refused, never read): an input error, exit 2."""
    bad = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            bad.append(f"{path}: {os_reason(exc)}")
            continue
        if not (stat.S_ISREG(mode) or (allow_dirs and stat.S_ISDIR(mode))):
            bad.append(f"{path}: not a regular file" + (" or directory" if allow_dirs else ""))
        elif not os.access(path, os.R_OK):
            bad.append(f"{path}: permission denied")
    return tuple(bad)


@click.command("certs")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@format_option("certs")
@output_option()
@click.option("--password", help="Password for PKCS#12 files and encrypted keys.")
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE,
              show_default=True, help="Skip (as an error) files larger than this many bytes.")
def certs_command(paths: tuple[str, ...], fmt: str, output: str | None, password: str | None,
                  max_size: int) -> None:
    """Inventory certificates, keys and CSRs in files and directories."""
    pw = password.encode("utf-8") if password is not None else None
    unusable = _unusable(paths, allow_dirs=True)
    inv = inventory(list(paths), pw, max_size, limit_name=flag("max_size"))
    for f in inv.files:
        if f.status == "error":
            error(f"{f.path}: {f.error}")
        for obj in f.to_dict().get("objects", []):
            if obj.get("parse_warning"):
                warning(f"{f.path}: {obj['parse_warning']}")
    write(inv.to_dict(), fmt, output, "certs")
    errors = tuple(f"{f.path}: {f.error}" for f in inv.files if f.status == "error")
    sys.exit(exit_code(Outcome(usage=unusable, incomplete=errors)))


def _load_certs(path: str, max_size: int) -> tuple[list[bytes], str | None]:
    data, problem = read_file(path, max_size, limit_name=flag("max_size"))
    if data is None:
        return [], problem
    try:
        certs = [o.der for o in load_objects(data) if o.kind == "certificate"]
    except DecodeError as exc:
        return [], str(exc)
    return (certs, None) if certs else ([], "no certificate in file")


@click.command("lint")
@click.argument("certs", nargs=-1, required=True, type=click.Path())
@click.option("--issuer", "issuers", multiple=True, type=click.Path(),
              help="Issuer certificate file for signature checks (repeatable).")
@format_option("lint")
@output_option()
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE,
              show_default=True)
def lint_command(certs: tuple[str, ...], issuers: tuple[str, ...], fmt: str,
                 output: str | None, max_size: int) -> None:
    """Check certificates against the PQ X.509 profiles (RFC 9881, 9909, 9935, composite I-Ds)."""
    unusable = _unusable(certs + issuers, allow_dirs=False)
    incomplete: list[str] = []
    loaded: list[tuple[str, list[bytes], str | None]] = []
    for path in certs:
        ders, problem = _load_certs(path, max_size)
        loaded.append((path, ders, problem))
    pool: list[bytes] = [d for _, ders, _ in loaded for d in ders]
    for path in issuers:
        ders, problem = _load_certs(path, max_size)
        if problem:
            error(f"{path}: {problem}")
            incomplete.append(f"{path}: {problem}")
        pool += ders
    entries: list[dict[str, Any]] = []
    for path, ders, problem in loaded:
        if problem:
            error(f"{path}: {problem}")
            entries.append({"path": path, "error": problem, "findings": []})
            incomplete.append(f"{path}: {problem}")
            continue
        for index, cert in enumerate(ders):
            try:
                findings = [f.to_dict() for f in lint_certificate(cert, pool)]
            except DecodeError as exc:
                error(f"{path}: {exc}")
                entries.append({"path": path, "index": index, "error": str(exc), "findings": []})
                incomplete.append(f"{path}#{index}: {exc}")
                continue
            entries.append({"path": path, "index": index, "error": None, "findings": findings})
    write({"schema_version": "1", "certificates": entries}, fmt, output, "lint")
    failed = tuple(f"{e['path']}: {f['code']}" for e in entries for f in e["findings"]
                   if f["severity"] == "error")
    sys.exit(exit_code(Outcome(usage=unusable, incomplete=tuple(incomplete), failures=failed)))
