"""The `pqscan lab` click command: run the default lab servers (or named ones, including the
mTLS servers of MTLS_LAB) in the foreground."""

from __future__ import annotations

import contextlib
import sys
import time

import click
from tabulate import tabulate

from pqscan.lab.defaults import DEFAULT_LAB
from pqscan.lab.hostile import HOSTILE_LAB
from pqscan.lab.lab import Lab, LabEndpoint
from pqscan.lab.mtls import MTLS_LAB
from pqscan.lab.spec import ServerSpec, spec_by_name
from pqscan.lab.stopping import LabStopped, stop_on_signals

TABLE_HEADERS = ("name", "address", "implementation", "groups", "versions", "certificate",
                 "expected")


def _say(text: str) -> None:
    """A line on stdout, flushed: a supervisor reading a pipe sees it at once."""
    click.echo(text)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()


def endpoint_table(endpoints: tuple[LabEndpoint, ...]) -> str:
    """The tabulate table `pqscan lab` prints."""
    rows = [
        (ep.name, ep.address, ep.spec.implementation, ep.spec.groups or "-",
         ep.spec.versions_text, ep.spec.certificate_text, ep.spec.expected.kex_state)
        for ep in endpoints
    ]
    return tabulate(rows, headers=TABLE_HEADERS, tablefmt="simple")


@click.command("lab")
@click.option("--only", "only", metavar="NAME,...", default=None,
              help="Comma-separated lab servers (default lab, or mtls-openssl / "
              "mtls-tlslite, which require a client certificate, or hostile-cert, whose "
              "certificate has hostile subject fields).")
@click.option("--duration", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Stop after this many seconds (default: run until Ctrl-C).")
def lab(only: str | None, duration: float | None) -> None:
    """Run the lab TLS servers on 127.0.0.1 with their expected scan results."""
    specs = DEFAULT_LAB
    if only is not None:
        names = [n.strip() for n in only.split(",") if n.strip()]
        if not names:
            raise click.BadParameter("no server name given", param_hint="--only")
        try:
            specs = spec_by_name(DEFAULT_LAB + MTLS_LAB + HOSTILE_LAB, names)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--only") from None
    received: list[str] = []
    try:
        with stop_on_signals(received), Lab(specs) as running:
            _serve(running, specs, duration)
    except LabStopped:  # wherever it arrived (start, serving, printing): the Lab has stopped
        pass
    _say("lab stopped" + (f" ({received[0]})" if received else ""))


def _serve(running: Lab, specs: tuple[ServerSpec, ...], duration: float | None) -> None:
    _say(endpoint_table(running.endpoints))
    if any(spec.client_auth for spec in specs):
        pki = running.client_pki
        _say(f"client CA: {pki.root_pem}")
        for kind, (chain, key) in pki.clients.items():
            _say(f"client {kind}: --client-cert {chain} --client-key {key}")
    _say(f"lab files (keys, configs, logs; removed on exit): {running.workdir}")
    _say("lab running; Ctrl-C to stop" if duration is None else f"lab running for {duration:g}s")
    if duration is None:
        while True:
            time.sleep(3600)
    time.sleep(duration)
