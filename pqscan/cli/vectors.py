"""The `pqscan vectors` click group: `run` vectors against an implementation, `list` the sets.

Exit codes: 0 all run vectors passed, 1 some vector or cross-check failed, 2 bad input
(malformed vector file, unusable --impl); malformed vector files are reported one line each and
the rest still runs; a file in a --vectors directory that is not vector JSON is warned about and
skipped (exit 0 if everything else passed).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from pqscan.cli.exitcode import Outcome, exit_code, message
from pqscan.cli.output import error, format_option, output_option, warning, write
from pqscan.conformance.vectors import catalog, multirun, registry, report
from pqscan.conformance.vectors import differential as differential_mod
from pqscan.conformance.vectors.adapter import Adapter
from pqscan.conformance.vectors.model import VectorGroup
from pqscan.errors import UsageError

BUILTIN = tuple(sorted(registry.BUILTIN))


def make_adapter(spec: str, timeout: float) -> Adapter:
    """A built-in adapter by name, otherwise an external command (subprocess protocol)."""
    return registry.make(spec, timeout)


def load_groups(vectors: str | None) -> tuple[list[VectorGroup], list[str], list[str]]:
    """All groups under --vectors (or shipped), plus error and warning lines per file.

    A file that is not vector JSON at all is a warning (skipped) when it sits in a directory;
    a vector file that is malformed, or a single --vectors file that is not vectors, an error.
    """
    root, display = catalog.resolve_root(vectors)
    groups: list[VectorGroup] = []
    errors: list[str] = []
    warnings: list[str] = []
    sources = catalog.discover(root)
    for source in sources:
        try:
            groups.extend(catalog.load(root, source, display))
        except catalog.NotVectors as exc:
            (warnings if root.is_dir() else errors).append(f"{exc}; skipped")
        except UsageError as exc:
            errors.append(message(exc))
    return groups, errors, warnings


FAMILIES = {"ml-kem": "mlkem.", "ml-dsa": "mldsa.", "slh-dsa": "slhdsa."}


def select(groups: list[VectorGroup], families: tuple[str, ...],
           only: tuple[str, ...]) -> list[VectorGroup]:
    """--family and --only (substring of vector set, group, op or a case's test type)."""
    out = []
    for g in groups:
        if families and not any(g.op.startswith(FAMILIES[f]) for f in families):
            continue
        if only:
            text = f"{g.vector_set} {g.group} {g.parameter_set} {g.op} " + " ".join(
                {c.test_type for c in g.cases})
            if not any(o.lower() in text.lower() for o in only):
                continue
        out.append(g)
    return out


@click.group("vectors")
def vectors_group() -> None:
    """Run ACVP / Wycheproof algorithm test vectors against an implementation."""


@vectors_group.command("list")
@click.option("--vectors", "vectors", default=None, help="Vector file or directory.")
@format_option("vector-sets")
@output_option()
def list_command(vectors: str | None, fmt: str, output: str | None) -> None:
    """List vector sets (shipped ones by default) with their group and case counts."""
    try:
        groups, errors, warnings = load_groups(vectors)
        errors += warnings
    except UsageError as exc:
        error(message(exc))
        raise SystemExit(exit_code(Outcome(usage=(message(exc),)))) from None
    sets: dict[str, dict[str, Any]] = {}
    for g in groups:
        entry = sets.setdefault(g.vector_set, {"vector_set": g.vector_set, "groups": 0,
                                               "cases": 0, "ops": []})
        entry["groups"] += 1
        entry["cases"] += len(g.cases)
        if g.op not in entry["ops"]:
            entry["ops"].append(g.op)
    write({"schema_version": report.SCHEMA_VERSION, "vector_sets": list(sets.values())}, fmt,
          output, "vector-sets")
    for line in errors:
        error(line)
    raise SystemExit(exit_code(Outcome(usage=tuple(errors))))


def _progress(enabled: bool) -> multirun.Progress | None:
    if not enabled:
        return None

    def show(done: int, total: int, what: str) -> None:
        line = f"[{done}/{total}] {what}"[:119]
        click.echo(f"\r{line:<119}", err=True, nl=done == total)

    return show


@vectors_group.command("run")
@click.option("--impl", "impls", required=True, multiple=True,
              help=f"Built-in adapter ({', '.join(BUILTIN)}) or an adapter command; "
              "repeat for differential testing.")
@click.option("--reference", default=None,
              help="The --impl whose answers stand in where the vectors have none "
              "(default: the first --impl that implements the operation).")
@click.option("--vectors", "vectors", default=None, help="Vector file or directory to run "
              "instead of the shipped vectors.")
@click.option("--family", "families", multiple=True, type=click.Choice(sorted(FAMILIES)),
              help="Only this algorithm family (repeatable).")
@click.option("--only", "only", multiple=True, help="Only groups whose vector set, group, "
              "parameter set, op or test type contains this text (repeatable).")
@click.option("--differential/--no-differential", default=None,
              help="Generated negative cases and cross-checks between implementations "
              "(default: on with two or more --impl).")
@format_option("vectors")
@output_option()
@click.option("--junit", "junit", type=click.Path(dir_okay=False), default=None,
              help="Also write JUnit XML to this file.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds allowed for each adapter call (SLH-DSA "
              "keygen/sign of external adapters get a multiple, see the protocol).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes for slow groups (SLH-DSA s sets) of built-in adapters.")
@click.option("--progress/--no-progress", default=None,
              help="Progress line on stderr (default: when stderr is a terminal).")
def run_command(impls: tuple[str, ...], reference: str | None, vectors: str | None,
                families: tuple[str, ...], only: tuple[str, ...], differential: bool | None,
                fmt: str, output: str | None, junit: str | None, timeout: float, jobs: int,
                progress: bool | None) -> None:
    """Run the vectors against every --impl and report per vector group."""
    if reference is not None and reference not in impls:
        error(f"--reference {reference} is not one of the --impl values")
        raise SystemExit(exit_code(Outcome(usage=("--reference",))))
    adapters: list[Adapter] = []
    try:
        groups, errors, warnings = load_groups(vectors)
        groups = select(groups, families, only)
        for spec in impls:
            adapters.append(make_adapter(spec, timeout))
        show = _progress(progress if progress is not None else sys.stderr.isatty())
        if differential if differential is not None else len(impls) > 1:
            groups = groups + differential_mod.negative_groups(groups)
        rows = multirun.run(impls, adapters, groups, reference, jobs, show)
        if differential if differential is not None else len(impls) > 1:
            rows += differential_mod.cross_check(adapters, groups)
    except UsageError as exc:
        error(message(exc))
        raise SystemExit(exit_code(Outcome(usage=(message(exc),)))) from None
    finally:
        for adapter in adapters:
            adapter.close()
    run = report.VectorRun(" + ".join(a.name for a in adapters), tuple(rows), tuple(errors),
                           tuple(warnings), tuple(groups))
    # both outputs are tried: an unwritable one is an error line (exit 2), not a lost run
    for fmt_, path in [(fmt, output)] + ([("junit", junit)] if junit else []):
        try:
            write(run, fmt_, path, "vectors")
        except UsageError as exc:
            errors.append(message(exc))
    for line in warnings:
        warning(line)
    for line in errors:
        error(line)
    failed = tuple(f"{impl}: {r.vector_set} {r.group}" for impl, r in rows if r.failed)
    raise SystemExit(exit_code(Outcome(usage=tuple(errors), failures=failed)))
