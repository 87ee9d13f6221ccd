"""The click commands `pqscan certs` (file inventory) and `pqscan lint` (PQ certificate lints).

Thin wrappers: the work is in pqscan.certs.inventory and pqscan.certs.lint. Exit codes follow the
project rules: 0 ok, 1 an error-severity lint fired, 2 usage error, 3 some input could not be
processed (3 wins over 1: the result is incomplete).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from tabulate import tabulate

from pqscan.certs.inventory import DEFAULT_MAX_SIZE, Inventory, inventory, read_file
from pqscan.certs.lint import lint_certificate
from pqscan.certs.load import load_objects
from pqscan.cli.output import emit
from pqscan.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_POLICY_FAILURE, DecodeError

_FORMAT = click.Choice(["table", "json"])


def _inventory_table(inv: Inventory) -> str:
    rows = []
    for f in inv.files:
        for obj in f.objects:
            key = obj.get("public_key") or {}
            rows.append([
                f.path, obj["kind"], key.get("algorithm", "encrypted"),
                key.get("nist_category") if key else None,
                "yes" if key.get("quantum_vulnerable") else "no" if key else "?",
                obj.get("subject", ""), obj.get("not_after", ""),
            ])
    headers = [
        "path", "kind", "algorithm", "category", "quantum-vulnerable", "subject", "not after"
    ]
    return tabulate(rows, headers=headers, tablefmt="simple", missingval="-")


@click.command("certs")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=_FORMAT, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--password", help="Password for PKCS#12 files and encrypted keys.")
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE,
              show_default=True, help="Skip (as an error) files larger than this many bytes.")
def certs_command(paths: tuple[str, ...], fmt: str, output: str | None, password: str | None,
                  max_size: int) -> None:
    """Inventory certificates, keys and CSRs in files and directories."""
    pw = password.encode("utf-8") if password is not None else None
    inv = inventory(list(paths), pw, max_size)
    for f in inv.files:
        if f.status == "error":
            click.echo(f"error: {f.path}: {f.error}", err=True)
        for obj in f.to_dict().get("objects", []):
            if obj.get("parse_warning"):
                click.echo(f"warning: {f.path}: {obj['parse_warning']}", err=True)
    if fmt == "json":
        emit(json.dumps(inv.to_dict(), indent=2), output)
    else:
        emit(_inventory_table(inv), output)
    sys.exit(EXIT_OK if inv.complete else EXIT_INCOMPLETE)


def _load_certs(path: str, max_size: int) -> tuple[list[bytes], str | None]:
    data, error = read_file(path, max_size)
    if data is None:
        return [], error
    try:
        certs = [o.der for o in load_objects(data) if o.kind == "certificate"]
    except DecodeError as exc:
        return [], str(exc)
    return (certs, None) if certs else ([], "no certificate in file")


@click.command("lint")
@click.argument("certs", nargs=-1, required=True, type=click.Path())
@click.option("--issuer", "issuers", multiple=True, type=click.Path(),
              help="Issuer certificate file for signature checks (repeatable).")
@click.option("--format", "fmt", type=_FORMAT, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE,
              show_default=True)
def lint_command(certs: tuple[str, ...], issuers: tuple[str, ...], fmt: str,
                 output: str | None, max_size: int) -> None:
    """Check certificates against the PQ X.509 profiles (RFC 9881, 9909, 9935, composite I-Ds)."""
    incomplete = False
    loaded: list[tuple[str, list[bytes], str | None]] = []
    for path in certs:
        ders, error = _load_certs(path, max_size)
        loaded.append((path, ders, error))
    pool: list[bytes] = [d for _, ders, _ in loaded for d in ders]
    for path in issuers:
        ders, error = _load_certs(path, max_size)
        if error:
            click.echo(f"error: {path}: {error}", err=True)
            incomplete = True
        pool += ders
    entries: list[dict[str, Any]] = []
    for path, ders, error in loaded:
        if error:
            click.echo(f"error: {path}: {error}", err=True)
            entries.append({"path": path, "error": error, "findings": []})
            incomplete = True
            continue
        for index, cert in enumerate(ders):
            try:
                findings = [f.to_dict() for f in lint_certificate(cert, pool)]
            except DecodeError as exc:
                click.echo(f"error: {path}: {exc}", err=True)
                entries.append({"path": path, "index": index, "error": str(exc), "findings": []})
                incomplete = True
                continue
            entries.append({"path": path, "index": index, "error": None, "findings": findings})
    if fmt == "json":
        emit(json.dumps({"schema_version": "1", "certificates": entries}, indent=2), output)
    else:
        rows = [[e["path"] + (f"#{e['index']}" if e.get("index") else ""), f["severity"],
                 f["code"], f["message"]] for e in entries for f in e["findings"]]
        emit(tabulate(rows, headers=["certificate", "severity", "code", "message"]), output)
    failed = any(f["severity"] == "error" for e in entries for f in e["findings"])
    sys.exit(EXIT_INCOMPLETE if incomplete else EXIT_POLICY_FAILURE if failed else EXIT_OK)
