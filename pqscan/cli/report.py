"""The `pqscan report` click commands: keygen, sign, verify, render (thin; work lives in
pqscan.report.signing and pqscan.report.render). Wire `report_group` into pqscan.cli.main."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from pqscan.cli.exitcode import Outcome, exit_code
from pqscan.cli.options import profile_dir_option, render_inputs, render_options
from pqscan.cli.output import format_option, output_option, write
from pqscan.cli.policy import resolve_profiles
from pqscan.errors import UsageError
from pqscan.model.document import load_report
from pqscan.report import signing
from pqscan.report.compact import declarations, expand_report, verdict_profiles


@click.group("report")
def report_group() -> None:
    """Render, sign and verify saved scan reports."""


@report_group.command()
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Private key file to write (the public key goes to FILE.pub).")
@click.option("--algorithm", type=click.Choice(signing.ALGORITHMS), default="ml-dsa-65",
              show_default=True)
@click.option("--force", is_flag=True, help="Overwrite FILE and FILE.pub if they exist.")
def keygen(output: str, algorithm: str, force: bool) -> None:
    """Generate a signing key pair (PEM); existing files are kept unless --force."""
    existing = [p for p in (output, f"{output}.pub") if os.path.lexists(p)]
    if existing and not force:
        raise UsageError(f"{existing[0]!r} exists: not overwritten without --force")
    priv, pub = signing.keygen(output, algorithm, overwrite=force)
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
@format_option("scan", default=None, required=True)
@output_option()
@render_inputs
@profile_dir_option
def render_command(report: str, run_id: str | None, fmt: str, output: str | None,
                   metadata_file: str | None, scenarios: tuple[int, ...], csv_mode: str,
                   profile_dirs: tuple[str, ...]) -> None:
    """Re-render a saved scan report (REPORT.json), or a run of a scan store, in another
    format (as recorded: `pqscan evaluate` re-judges)."""
    from pqscan.scan.store import is_store, report_from_source

    options = render_options(metadata_file, scenarios, csv_mode, profile_dirs)
    data = report_from_source(report, run_id) if is_store(report) else load_report(report)
    if fmt != "json":  # JSON is written as recorded; the other formats show every declaration
        data = dict(expand_report(data, _declarations(data, profile_dirs)))
    write(data, fmt, output, "scan", **options)


def _declarations(data: dict[str, Any], profile_dirs: tuple[str, ...]
                  ) -> dict[str, dict[str, dict[str, Any]]]:
    """A store run keeps no `evaluation`: its verdicts' declarations come from the profiles
    they name (user dirs first); one that no longer loads is left out (the renderers show
    what the verdict itself says)."""
    from pqscan.policy.evaluate import requirement_declarations

    if declarations(data):
        return {}
    declared: dict[str, dict[str, dict[str, Any]]] = {}
    for profile_id in verdict_profiles(data):
        try:
            declared.update(requirement_declarations(resolve_profiles([profile_id],
                                                                      profile_dirs)))
        except UsageError:
            continue
    return declared
