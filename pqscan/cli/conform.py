"""The `pqscan conform` click command (`conform_command`): thin wrapper over runner + report.

Exit codes (pqscan.cli.exitcode): 0 ok, 1 a MUST check failed, 2 usage error, 3 target unreachable,
sanity failed or a MUST check inconclusive (3 wins over 1).
"""

from __future__ import annotations

import click

from pqscan.cli.exitcode import conform_outcome, exit_code
from pqscan.cli.output import error, format_option, output_option, write
from pqscan.conformance.runner import SUITES, run_suite_sync, select_checks
from pqscan.errors import UsageError
from pqscan.scan.targets import parse_target
from pqscan.tls.clientauth import ClientCredential
from pqscan.tls.transport import Limits


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for v in values for part in v.split(",")]


@click.command("conform")
@click.argument("target")
@click.option("--suite", type=click.Choice(SUITES), default="pq-tls", show_default=True)
@click.option("--only", multiple=True, help="Comma-separated check ids, e.g. PQT-001,PQT-014.")
@click.option("--tag", multiple=True, help="Run checks with this tag (groups, hrr, malformed, "
              "sigalgs, robustness, tls12, transport, chain, profile, mtls).")
@click.option("--sni", default=None, help="Server name to send (default: the host unless an IP).")
@click.option("--starttls", default=None, metavar="PROTO",
              help="Speak this STARTTLS preamble first: smtp, imap, pop3, ftp, ldap, xmpp, "
              "postgres (same as smtp://host etc.).")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=120), default=5.0,
              show_default=True, help="Connect and read timeout per connection, seconds.")
@click.option("--client-cert", default=None, metavar="PEM",
              help="Client certificate chain for the mTLS checks (default: a throw-away "
              "self-signed ML-DSA-65 one).")
@click.option("--client-key", default=None, metavar="PEM", help="Its private key (PEM).")
@format_option("conform")
@output_option()
def conform_command(target: str, suite: str, only: tuple[str, ...], tag: tuple[str, ...],
                    sni: str | None, starttls: str | None, timeout: float,
                    client_cert: str | None,
                    client_key: str | None, fmt: str, output: str | None) -> None:
    """Run the active PQ TLS conformance suite against TARGET (host:port, smtp://host...)."""
    # bad input is a pqscan UsageError: one line and exit 2 through the cli group
    parsed = parse_target(target, sni=sni, starttls=starttls)
    checks = select_checks(_split(only), _split(tag))
    if (client_cert is None) != (client_key is None):  # flag names are the CLI's to know
        raise UsageError("--client-cert and --client-key go together")
    credential = ClientCredential.from_files(client_cert, client_key)
    if not checks:
        raise UsageError("no check matches --only/--tag")
    run = run_suite_sync(parsed.host, parsed.port, sni=parsed.sni,
                         limits=Limits(connect_timeout=timeout, read_timeout=timeout,
                                       starttls=parsed.preamble()),
                         checks=checks, target=parsed.text, suite=suite,
                         client_credential=credential)
    write(run.to_dict(), fmt, output, "conform")  # peer text shown inert but in JSON
    if run.error:
        error(f"{run.target}: {run.error}")
    raise SystemExit(exit_code(conform_outcome(run)))
