"""The `pqscan report` click commands: keygen, sign, verify, render (thin; work lives in
pqscan.report.signing and pqscan.report.render). Wire `report_group` into pqscan.cli.main."""

from __future__ import annotations

import sys

import click

from pqscan.assess.risk import DEFAULT_SCENARIOS
from pqscan.cli.exitcode import Outcome, exit_code
from pqscan.cli.output import emit
from pqscan.model.document import load_report
from pqscan.model.metadata import load_metadata
from pqscan.report import signing
from pqscan.report.render import FORMATS, render


@click.group("report")
def report_group() -> None:
    """Render, sign and verify saved scan reports."""


@report_group.command()
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Private key file to write (the public key goes to FILE.pub).")
@click.option("--algorithm", type=click.Choice(signing.ALGORITHMS), default="ml-dsa-65",
              show_default=True)
def keygen(output: str, algorithm: str) -> None:
    """Generate a signing key pair (PEM)."""
    priv, pub = signing.keygen(output, algorithm)
    click.echo(f"wrote {priv} and {pub} ({signing.DISPLAY_NAMES[algorithm]})")


@report_group.command()
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--key", "key", required=True, type=click.Path(dir_okay=False),
              help="Private key (PEM) from `pqscan report keygen`.")
def sign(report: str, key: str) -> None:
    """Write a detached signature REPORT.sig."""
    out = signing.sign_file(report, key)
    click.echo(f"wrote {out}")


@report_group.command()
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--key", "key", required=True, type=click.Path(dir_okay=False),
              help="Public (or private) key (PEM).")
def verify(report: str, key: str) -> None:
    """Check REPORT against REPORT.sig: exit 0 if intact, 1 if changed or wrong key."""
    result = signing.verify_file(report, key)
    click.echo(f"{report}: {result.message}", err=not result.ok)
    sys.exit(exit_code(Outcome(failures=() if result.ok else (result.message,))))


@report_group.command("render")
@click.argument("report", metavar="REPORT.json|STORE.db", type=click.Path(dir_okay=False))
@click.option("--run", "run_id", metavar="ID",
              help="With a store: the run to render (default: the latest).")
@click.option("--format", "fmt", type=click.Choice([f for f in FORMATS if f != "json"]),
              required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--metadata", "metadata_file", type=click.Path(dir_okay=False),
              help="Target metadata (.toml or .csv): owner, system id, shelf-life, exposure.")
@click.option("--csv-mode", type=click.Choice(["endpoints", "verdicts"]), default="endpoints",
              show_default=True, help="CSV: one row per endpoint or per (endpoint, verdict).")
@click.option("--scenario", "scenarios", type=click.IntRange(2000, 2200), multiple=True,
              help="Quantum-timeline year z (repeatable; default 2030 2035 2040).")
def render_command(report: str, run_id: str | None, fmt: str, output: str | None,
                   metadata_file: str | None, csv_mode: str, scenarios: tuple[int, ...]) -> None:
    """Re-render a saved scan report (REPORT.json), or a run of a scan store, in another
    format."""
    from pqscan.scan.store import is_store, report_from_source

    data = report_from_source(report, run_id) if is_store(report) else load_report(report)
    metadata = load_metadata(metadata_file) if metadata_file else None
    text = render(data, fmt, metadata=metadata, scenarios=scenarios or DEFAULT_SCENARIOS,
                  csv_mode=csv_mode)
    emit(text, output)
