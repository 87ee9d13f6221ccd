"""`pqscan demo`: scan the embedded lab of real servers and compare with their configured truth.

Needs no network: the lab (pqscan.lab, extra `lab`) runs OpenSSL and tlslite-ng servers on
127.0.0.1 with known group, version and certificate configurations.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from pqscan.cli.exitcode import INTERRUPTED, Outcome, exit_code, report_outcome
from pqscan.cli.output import format_option, output_option, write
from pqscan.errors import UsageError
from pqscan.policy.evaluate import judge_report
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target


@click.command("demo")
@format_option("scan")
@output_option()
def demo_command(fmt: str, output: str | None) -> None:
    """Scan the embedded lab of real OpenSSL and tlslite-ng servers (no internet needed)."""
    from pqscan.lab.stopping import LabStopped, stop_on_signals

    click.echo("Starting the lab (8 real TLS servers on 127.0.0.1) and scanning it...", err=True)
    received: list[str] = []
    try:
        with stop_on_signals(received):  # SIGTERM/SIGHUP stop the lab servers as Ctrl-C does
            report, mismatches = run_demo()
    except LabStopped:
        click.echo(f"pqscan: interrupted ({received[0]}); lab stopped", err=True)
        sys.exit(exit_code(INTERRUPTED))
    write(report, fmt, output, "scan")
    for line in mismatches:
        click.echo(f"pqscan: demo: differs from the lab's configuration: {line}", err=True)
    total = len(report["endpoints"])
    click.echo(f"{total - len({m.split(':')[0] for m in mismatches})}/{total} lab servers "
               "scanned exactly as configured.", err=True)
    differs = Outcome(incomplete=tuple(f"differs from the lab: {m}" for m in mismatches))
    sys.exit(exit_code(report_outcome(report, None) + differs))


def run_demo(concurrency: int = 32) -> tuple[dict[str, Any], list[str]]:
    """Scan the default lab; returns the report and one line per mismatch with the truth."""
    try:
        from pqscan.lab import DEFAULT_LAB, Lab
    except ImportError as exc:  # pyOpenSSL / tlslite-ng missing
        raise UsageError(f"the demo needs the lab extra: pip install 'pqscan[lab]' ({exc})") \
            from None
    with Lab(DEFAULT_LAB) as lab:
        endpoints = list(lab.endpoints)
        targets = [parse_target(f"127.0.0.1:{e.port}", "localhost") for e in endpoints]
        report = judge_report(run_scan(targets, ScanOptions(timeout=5), concurrency), [],
                              date.today())  # findings, as `pqscan scan` derives them
    mismatches: list[str] = []
    for endpoint, result in zip(endpoints, report["endpoints"], strict=True):
        result["label"] = endpoint.name
        expected = endpoint.spec.expected
        tls = result.get("tls") or {}
        checks = {
            "kex_state": (tls.get("kex_state"), expected.kex_state),
            "versions": (tls.get("versions"), expected.versions),
            "negotiated": (tls.get("negotiated"), expected.negotiated),
            "groups": ({n for n, g in tls.get("groups", {}).items()
                        if g["status"] == "supported"}, set(expected.groups)),
        }
        for what, (seen, truth) in checks.items():
            if seen != truth:
                mismatches.append(f"{endpoint.name}: {what} {seen!r}, configured {truth!r}")
    return report, mismatches
