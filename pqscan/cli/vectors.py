"""The `pqscan vectors` click group: `run` vectors against an implementation, `list` the sets.

Exit codes: 0 all run vectors passed, 1 some vector failed, 2 bad input (unknown vector format,
unusable --impl); bad vector files are reported one line each and the rest still runs.
"""

from __future__ import annotations

from typing import Any

import click

from pqscan.conformance.vectors import catalog, report, runner
from pqscan.conformance.vectors.adapter import Adapter
from pqscan.conformance.vectors.model import GroupResult, VectorGroup
from pqscan.errors import EXIT_OK, EXIT_POLICY_FAILURE, EXIT_USAGE, UsageError

BUILTIN = ("cryptography", "kyber-py")


def make_adapter(spec: str, timeout: float) -> Adapter:
    """A built-in adapter by name, otherwise an external command (subprocess protocol)."""
    if spec == "cryptography":
        from pqscan.conformance.vectors.adapter_cryptography import CryptographyAdapter

        return CryptographyAdapter()
    if spec == "kyber-py":
        from pqscan.conformance.vectors.adapter_kyberpy import KyberPyAdapter

        return KyberPyAdapter()
    from pqscan.conformance.vectors.protocol import SubprocessAdapter

    return SubprocessAdapter(spec, timeout)


def load_groups(vectors: str | None) -> tuple[list[VectorGroup], list[str]]:
    """All groups under --vectors (or shipped), plus one error line per unusable file."""
    root, display = catalog.resolve_root(vectors)
    groups: list[VectorGroup] = []
    errors: list[str] = []
    for source in catalog.discover(root):
        try:
            groups.extend(catalog.load(root, source, display))
        except UsageError as exc:
            errors.append(str(exc))
    return groups, errors


@click.group("vectors")
def vectors_group() -> None:
    """Run ACVP / Wycheproof algorithm test vectors against an implementation."""


@vectors_group.command("list")
@click.option("--vectors", "vectors", default=None, help="Vector file or directory.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def list_command(vectors: str | None, fmt: str) -> None:
    """List vector sets (shipped ones by default) with their group and case counts."""
    try:
        groups, errors = load_groups(vectors)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    sets: dict[str, dict[str, Any]] = {}
    for g in groups:
        entry = sets.setdefault(g.vector_set, {"vector_set": g.vector_set, "groups": 0,
                                               "cases": 0, "ops": []})
        entry["groups"] += 1
        entry["cases"] += len(g.cases)
        if g.op not in entry["ops"]:
            entry["ops"].append(g.op)
    rows = list(sets.values())
    if fmt == "json":
        import json

        click.echo(json.dumps({"schema_version": report.SCHEMA_VERSION, "vector_sets": rows},
                              indent=2))
    else:
        from tabulate import tabulate

        click.echo(tabulate([(r["vector_set"], r["groups"], r["cases"], " ".join(r["ops"]))
                             for r in rows], headers=["vector set", "groups", "cases", "ops"]))
    for line in errors:
        click.echo(f"error: {line}", err=True)
    raise SystemExit(EXIT_USAGE if errors else EXIT_OK)


@vectors_group.command("run")
@click.option("--impl", required=True,
              help="Built-in adapter (cryptography, kyber-py) or an adapter command.")
@click.option("--vectors", "vectors", default=None, help="Vector file or directory to run "
              "instead of the shipped vectors.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--junit", "junit", type=click.Path(dir_okay=False), default=None,
              help="Also write JUnit XML to this file.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds allowed for each adapter call.")
def run_command(impl: str, vectors: str | None, fmt: str, junit: str | None,
                timeout: float) -> None:
    """Run the vectors against IMPL and report per vector group."""
    try:
        groups, errors = load_groups(vectors)
        adapter = make_adapter(impl, timeout)
        try:
            results: list[GroupResult] = runner.run_groups(adapter, groups)
        finally:
            adapter.close()
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    if fmt == "json":
        click.echo(report.render_json(adapter.name, results, errors))
    else:
        click.echo(report.render_table(adapter.name, results))
    if junit is not None:
        try:
            with open(junit, "w", encoding="utf-8") as fh:
                fh.write(report.render_junit(adapter.name, results))
        except OSError as exc:
            errors.append(f"--junit {junit}: {exc.strerror or exc}")
    for line in errors:
        click.echo(f"error: {line}", err=True)
    if errors:
        raise SystemExit(EXIT_USAGE)
    raise SystemExit(EXIT_POLICY_FAILURE if any(r.failed for r in results) else EXIT_OK)
