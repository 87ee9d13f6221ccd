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
from pqscan.lab.ssh_lab import SSHLab, SSHLabEndpoint
from pqscan.lab.ssh_spec import DEFAULT_SSH_LAB, SSHServerSpec, ssh_spec_by_name
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


def ssh_endpoint_table(endpoints: tuple[SSHLabEndpoint, ...]) -> str:
    """The SSH lab's table: scan with `pqscan scan ssh://127.0.0.1:PORT`."""
    rows = [(ep.name, ep.url, ep.spec.implementation, ep.spec.kex_text,
             ",".join(ep.spec.host_keys), ep.spec.expected.kex_state if ep.spec.expected else "-")
            for ep in endpoints]
    return tabulate(rows, headers=("name", "url", "implementation", "kex", "host keys",
                                   "expected"), tablefmt="simple")


@click.command("lab")
@click.option("--only", "only", metavar="NAME,...", default=None,
              help="Comma-separated lab servers (default lab, or mtls-openssl / "
              "mtls-tlslite, which require a client certificate, or hostile-cert, whose "
              "certificate has hostile subject fields).")
@click.option("--duration", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Stop after this many seconds (default: run until Ctrl-C).")
@click.option("--ssh", "with_ssh", is_flag=True,
              help="Also run the SSH lab (OpenSSH sshd, asyncssh, paramiko); --only may name "
              "SSH servers too.")
def lab(only: str | None, duration: float | None, with_ssh: bool) -> None:
    """Run the lab TLS (and with --ssh, SSH) servers on 127.0.0.1 with their expected scan
    results."""
    specs = DEFAULT_LAB
    ssh_specs = DEFAULT_SSH_LAB if with_ssh else ()
    if only is not None:
        names = [n.strip() for n in only.split(",") if n.strip()]
        if not names:
            raise click.BadParameter("no server name given", param_hint="--only")
        ssh_names = [n for n in names if n in {s.name for s in DEFAULT_SSH_LAB}]
        names = [n for n in names if n not in ssh_names]
        try:
            specs = spec_by_name(DEFAULT_LAB + MTLS_LAB + HOSTILE_LAB, names) if names else ()
            ssh_specs = ssh_spec_by_name(DEFAULT_SSH_LAB, ssh_names)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--only") from None
    received: list[str] = []
    try:
        with stop_on_signals(received), Lab(specs) as running, \
                SSHLab(ssh_specs) as ssh_running:
            _serve(running, ssh_running, specs, ssh_specs, duration)
    except LabStopped:  # wherever it arrived (start, serving, printing): the Lab has stopped
        pass
    _say("lab stopped" + (f" ({received[0]})" if received else ""))


def _serve(running: Lab, ssh_running: SSHLab, specs: tuple[ServerSpec, ...],
           ssh_specs: tuple[SSHServerSpec, ...], duration: float | None) -> None:
    if specs:
        _say(endpoint_table(running.endpoints))
    if ssh_specs:
        _say(ssh_endpoint_table(ssh_running.endpoints))
    if any(spec.client_auth for spec in specs):
        pki = running.client_pki
        _say(f"client CA: {pki.root_pem}")
        for kind, (chain, key) in pki.clients.items():
            _say(f"client {kind}: --client-cert {chain} --client-key {key}")
    if specs:
        _say(f"lab files (keys, configs, logs; removed on exit): {running.workdir}")
    if ssh_specs:
        _say(f"SSH lab files (host keys, configs, logs; removed on exit): "
             f"{ssh_running.workdir}")
    _say("lab running; Ctrl-C to stop" if duration is None else f"lab running for {duration:g}s")
    if duration is None:
        while True:
            time.sleep(3600)
    time.sleep(duration)
