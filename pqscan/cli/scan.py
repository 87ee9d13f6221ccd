"""`pqscan scan`: the click command (argument parsing only; the run lives in pqscan.scan.run).

Population options (issue 12): `--depth`, `--probes`, `--rate`, `--shuffle`, `--sample/--seed`,
`--quiet`, `--dask/--chunk-size`; `--format json|jsonl` stream the report as endpoints finish.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pqscan.cli.options import profile_dir_option, render_inputs, render_options
from pqscan.cli.output import error, format_option, output_option, write
from pqscan.cli.policy import DEFAULT_NOTE, FAIL_ON_DUE_HELP
from pqscan.cli.scanrun import FAILURE_LINES, RunOutcome, stream_scan
from pqscan.errors import EXIT_POLICY_FAILURE, UsageError
from pqscan.inputfile import refuse_special
from pqscan.model.document import utc_now
from pqscan.model.metadata import read_rows
from pqscan.scan.context import ScanOptions
from pqscan.scan.probe_detail import PROBE_MODES
from pqscan.scan.run import RunSettings
from pqscan.scan.scanner import DEPTHS
from pqscan.scan.selection import select
from pqscan.scan.store import ScanStore
from pqscan.scan.stream import (
    STREAMED_FORMATS,
    Collector,
    JSONLStream,
    JSONStream,
    Sink,
    open_output,
)
from pqscan.scan.targets import Target, parse_target, read_target_file
from pqscan.scan.workers import usable_cores


@click.command("scan")
@click.argument("targets", nargs=-1)
@click.option("-i", "--input", "input_file", type=click.Path(dir_okay=False),
              help="File with one target per line (# comments).")
@click.option("--sni", help="Server name to send (default: the host name; none for IPs).")
@click.option("--starttls", metavar="PROTO",
              help="Speak this STARTTLS preamble first: smtp, imap, pop3, ftp, ldap, xmpp, "
              "postgres (same as smtp://host etc.).")
@click.option("--ssh", "ssh", is_flag=True,
              help="host[:port] targets are SSH servers (port 22 unless given; same as ssh://).")
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=5.0, show_default=True,
              help="Seconds to wait for a connection or an answer.")
@click.option("--concurrency", type=click.IntRange(1, 4096), default=1024, show_default=True,
              help="Most connections open at once, all endpoints together: the ceiling of the "
              "adaptive limit (starts at 64, grows while throughput rises, halves on timeouts).")
@click.option("--fixed-concurrency", is_flag=True,
              help="Keep exactly --concurrency connections open (no adaptive limit).")
@click.option("--per-endpoint", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Connections open at once to one endpoint.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes scanning at once, endpoints shared between them, --concurrency "
              "and --rate split between them (default: the usable CPU cores).")
@click.option("--rate", type=click.FloatRange(0.01, 100000), default=None,
              help="New connections per second, all endpoints together (default: no limit).")
@click.option("--depth", type=click.Choice(DEPTHS), default="standard", show_default=True,
              help="quick: a census, at most 3 connections per endpoint; standard: every "
              "check; full: standard with more retries.")
@click.option("--probes", "probe_mode", type=click.Choice(PROBE_MODES), default="summary",
              show_default=True, help="Method sheet per endpoint: every offer (full), name, "
              "result and transcript hash (summary), or none.")
@click.option("--shuffle", is_flag=True, help="Scan in random order (spreads the load over "
              "networks); reproducible with --seed.")
@click.option("--sample", type=int, metavar="N",
              help="Scan a simple random sample of N distinct targets (needs --seed).")
@click.option("--seed", type=int, metavar="S", help="Seed for --sample and --shuffle.")
@format_option("scan", extra=("jsonl",), help="json and jsonl are written as endpoints finish; "
               "the others hold the whole report in memory (small scans).")
@output_option()
@click.option("-q", "--quiet", is_flag=True, help="No progress display on stderr.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="SQLite file: save every endpoint the moment it is scanned (one run each).")
@click.option("--resume", is_flag=True,
              help="With --store: continue the latest run, scanning only what it lacks.")
@click.option("--dask", "dask_address", metavar="tcp://HOST:PORT",
              help="Scan on a Dask cluster (needs pqscan[distributed]); results come back "
              "to this process, the one writer.")
@click.option("--chunk-size", type=click.IntRange(1, 100000), default=200, show_default=True,
              help="With --dask: targets per Dask task.")
@click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False),
              help="Keep every raw handshake transcript (JSON, hex) in this directory.")
@render_inputs
@click.option("--profile", "profiles", multiple=True,
              help="Judge against standards profiles: ID[,ID] or a .toml path (repeatable; "
              "default pq-baseline, 'none' for no profile).")
@profile_dir_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluation date (default today).")
@click.option("--fail-on", type=click.Choice(["must", "should", "never"]), default="must",
              show_default=True, help="Exit 1 when a verdict of this severity or above fails.")
@click.option("--fail-on-due", "fail_on_due", type=click.IntRange(0, 100), metavar="YEARS",
              help=FAIL_ON_DUE_HELP)
def scan_command(targets: tuple[str, ...], input_file: str | None, sni: str | None,
                 starttls: str | None, ssh: bool, timeout: float, concurrency: int,
                 fixed_concurrency: bool, per_endpoint: int, workers: int | None,
                 rate: float | None, depth: str, probe_mode: str, shuffle: bool,
                 sample: int | None, seed: int | None, fmt: str, output: str | None,
                 quiet: bool, store_path: str | None, resume: bool, dask_address: str | None,
                 chunk_size: int, evidence_dir: str | None, metadata_file: str | None,
                 scenarios: tuple[int, ...], csv_mode: str, profiles: tuple[str, ...],
                 profile_dirs: tuple[str, ...], as_of: str | None, fail_on: str,
                 fail_on_due: int | None) -> None:
    """Scan TLS and SSH endpoints (host[:port], [v6]:port, https://host, smtp://host,
    ssh://host) for PQ readiness."""
    from pqscan.cli.policy import choose_profiles, parse_as_of

    # every usage error is exit 2 before any traffic is sent
    chosen, default_profile = choose_profiles(profiles, profile_dirs)
    when = parse_as_of(as_of)
    render_with = render_options(metadata_file, scenarios, csv_mode, profile_dirs,
                                 fail_on_due)
    # every column, kept with the run in the store (stats --by reads it from there)
    meta_rows = [row for _where, row in read_rows(Path(metadata_file))] if metadata_file else []
    if evidence_dir:
        try:
            Path(evidence_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--evidence: cannot create {evidence_dir!r}: "
                             f"{exc.strerror or exc}") from None
    parsed: list[Target] = [parse_target(t, sni, starttls=starttls, ssh=ssh) for t in targets]
    if input_file:
        if Path(input_file).exists():
            refuse_special(input_file)  # a FIFO or device is refused, never read
        parsed.extend(read_target_file(input_file, sni, starttls, ssh))
    if not parsed:
        raise UsageError("no targets: give TARGET arguments or -i FILE")
    if resume and not store_path:
        raise UsageError("--resume needs --store FILE")
    chosen_targets = select(parsed, sample, seed, shuffle)
    if chosen_targets.duplicates:
        shown = ", ".join(chosen_targets.duplicates[:5])
        more = len(chosen_targets.duplicates) - 5
        click.echo(f"pqscan: warning: {len(chosen_targets.duplicates)} duplicate targets "
                   f"scanned once: {shown}" + (f" and {more} more" if more > 0 else ""),
                   err=True)
    scanner = None
    if dask_address:
        from pqscan.scan.distributed import dask_scanner

        scanner = dask_scanner(dask_address, chunk_size)
    options = ScanOptions(timeout=timeout, per_endpoint=per_endpoint, sni=sni,
                          evidence_dir=evidence_dir, adaptive=not fixed_concurrency)
    settings = RunSettings(concurrency=concurrency, depth=depth, probes=probe_mode, rate=rate,
                           profiles=tuple(chosen), as_of=when, fail_on=fail_on, quiet=quiet,
                           workers=workers or usable_cores(), default_profile=default_profile,
                           fail_on_due=fail_on_due)
    store = ScanStore(store_path) if store_path else None
    collector: Collector | None = None
    sinks: list[Sink] = []
    if fmt in STREAMED_FORMATS:
        out = open_output(output)
        sinks.append(JSONStream(out, utc_now()) if fmt == "json" else JSONLStream(out))
    else:
        collector = Collector(utc_now())
        sinks.append(collector)
    try:
        outcome = stream_scan(
            chosen_targets.targets, options, settings, sinks, store, resume,
            {"selection": chosen_targets.method(sample, seed, shuffle)},
            scanner=scanner(options, settings) if scanner else None, metadata_rows=meta_rows)
        saved = store.count() if store is not None else 0
    finally:
        if store is not None:
            store.close()
    if collector is not None and collector.report is not None:
        write(collector.report, fmt, output, "scan", **render_with)
    _tell(outcome, store, saved)
    if default_profile and outcome.exit_code == EXIT_POLICY_FAILURE:
        click.echo(DEFAULT_NOTE, err=True)  # why a scan without --profile failed
    sys.exit(outcome.exit_code)


def _tell(outcome: RunOutcome, store: ScanStore | None, saved: int) -> None:
    """The closing lines on stderr: what was not shown, not saved, or not scanned."""
    if outcome.failures > FAILURE_LINES:
        click.echo(f"pqscan: {outcome.failures - FAILURE_LINES} more endpoints not "
                   "scanned completely (see the report)", err=True)
    if store is not None and store.errors:
        # a write the store refused (full disk, lock) loses nothing already saved, but the
        # store is incomplete: one line each (the first few), exit 3 (issue 10 §7)
        for line in store.errors:  # the first few; what was saved stays readable
            error(f"store: {line}")
    if outcome.incomplete_line:
        click.echo(outcome.incomplete_line, err=True)
    if outcome.interrupted:
        where = "" if store is None else \
            f"; {saved} endpoints saved in {store.path}, rerun with --resume"
        click.echo(f"pqscan: interrupted by {outcome.interrupted}{where}", err=True)
