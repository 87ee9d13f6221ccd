"""`pqscan store list|export|import|merge`: the click layer over pqscan.scan.store (thin)."""

from __future__ import annotations

import json
import sys

import click
from tabulate import tabulate

from pqscan.cli.output import emit
from pqscan.errors import EXIT_INCOMPLETE
from pqscan.model.packed import pack_endpoint, pack_method
from pqscan.scan.store import ScanStore, list_runs, load_source
from pqscan.scan.store.reading import warn_stderr
from pqscan.scan.store.transfer import import_report, merge
from pqscan.scan.stream import JSONLStream, JSONStream, Sink, open_output


@click.group("store")
def store_group() -> None:
    """List, export, import and merge the runs of scan stores (SQLite, from scan --store)."""


@store_group.command("list")
@click.argument("store", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def list_command(store: str, fmt: str) -> None:
    """The runs of STORE, oldest first (the last one is what readers take by default)."""
    runs = list_runs(store)
    if fmt == "json":
        emit(json.dumps([r.to_dict() for r in runs], indent=2), None)
        return
    rows = [(r.run_id, r.started_at, r.finished_at or "-", r.state, r.endpoints,
             r.options.get("depth", "-"), (r.input_sha256 or "-")[:12], r.tool_version)
            for r in runs]
    emit(tabulate(rows, headers=["run", "started", "finished", "state", "endpoints", "depth",
                                 "input", "pqscan"]), None)


@store_group.command("export")
@click.argument("store", type=click.Path(dir_okay=False))
@click.option("--run", "run_id", metavar="ID", help="Run to export (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default="json",
              show_default=True, help="A report document, or one endpoint per line.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def export_command(store: str, run_id: str | None, fmt: str, output: str | None) -> None:
    """Write one run of STORE as a report (streamed: constant memory)."""
    bad: list[str] = []

    def warn(message: str) -> None:
        bad.append(message)
        warn_stderr(message)

    run, endpoints = load_source(store, run_id, warn)
    out = open_output(output)
    sink: Sink = JSONStream(out, run.started_at) if fmt == "json" else JSONLStream(out)
    # a compact run is written packed again, as `pqscan scan` wrote it (pqscan.model.packed)
    method = pack_method(run.method)
    repack = method is not run.method
    for endpoint in endpoints:
        sink.write(pack_endpoint(endpoint) if repack else endpoint)
    tail = {"finished_at": run.finished_at or run.started_at,
            "method": {**method, "run": run.to_dict()}}
    if run.state != "complete":
        tail["incomplete"] = {"reason": f"store run {run.run_id} is {run.state}",
                              "endpoints_written": run.endpoints - len(bad)}
    sink.close(tail)
    if bad:  # a skipped row is data the export could not carry: say so in the exit code
        sys.exit(EXIT_INCOMPLETE)


@store_group.command("import")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(store: str, reports: tuple[str, ...]) -> None:
    """Add each saved report (JSON) to STORE as a run."""
    with ScanStore(store) as dest:
        for report in reports:
            run_id, count = import_report(dest, report)
            click.echo(f"{report}: run {run_id}, {count} endpoints", err=True)


@store_group.command("merge")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
def merge_command(store: str, sources: tuple[str, ...]) -> None:
    """Copy every run of the SOURCES stores into STORE (created if missing); a run present in
    several is combined, the later scan of each endpoint winning."""
    with ScanStore(store) as dest:
        for source in sources:
            for run_id, changed, kept in merge(dest, source):
                click.echo(f"{source}: run {run_id}: {changed} endpoints written, "
                           f"{kept} already newer in {store}", err=True)
