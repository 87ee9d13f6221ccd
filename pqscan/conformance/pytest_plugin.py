"""pytest plugin: each conformance check becomes a test item (`PQCheckItem`).

`pytest --pq-target host:port [--pq-suite pq-tls] [--pq-sni NAME] [--pq-timeout S]
[--pq-client-cert PEM --pq-client-key PEM]
--junitxml out.xml`. Items carry one marker per tag (`-m malformed`); the suite runs once per
target, lazily, for the items left after selection. pass -> passed, fail -> failed,
not_applicable / inconclusive -> skipped with the reason; an unusable target fails every item.
"""

from __future__ import annotations

from typing import Any

import pytest

from pqscan.conformance.model import FAIL, PASS, TAGS, Check, CheckResult
from pqscan.conformance.runner import SUITES, SuiteRun, run_suite_sync, select_checks
from pqscan.errors import PqscanError
from pqscan.scan.targets import parse_target
from pqscan.tls.clientauth import ClientCredential
from pqscan.tls.transport import Limits

_RUNS = pytest.StashKey[dict[str, SuiteRun]]()
_CREDENTIAL = pytest.StashKey[ClientCredential | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("pqscan", "post-quantum TLS conformance")
    g.addoption("--pq-target", action="append", default=[], help="host:port (repeatable)")
    g.addoption("--pq-suite", default="pq-tls", choices=SUITES, help="conformance suite")
    g.addoption("--pq-sni", default=None, help="server name to send")
    g.addoption("--pq-timeout", type=float, default=5.0, help="per-connection timeout, s")
    g.addoption("--pq-client-cert", default=None, help="client certificate chain (PEM) for mTLS")
    g.addoption("--pq-client-key", default=None, help="its private key (PEM)")


def pytest_configure(config: pytest.Config) -> None:
    for tag in TAGS:
        config.addinivalue_line("markers", f"{tag}: pqscan conformance checks tagged {tag}")
    config.stash[_RUNS] = {}


class PQCheckItem(pytest.Item):
    """One check against one target."""

    def __init__(self, *, check: Check, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.target = target
        for tag in check.tags:
            self.add_marker(tag)
        self.user_properties.append(("pq.check_id", check.id))

    def _run(self) -> SuiteRun:
        runs = self.config.stash[_RUNS]
        if self.target not in runs:
            wanted = [i.check for i in self.session.items
                      if isinstance(i, PQCheckItem) and i.target == self.target]
            opt = self.config.getoption
            parsed = parse_target(self.target, sni=opt("pq_sni"))
            timeout = float(opt("pq_timeout"))
            runs[self.target] = run_suite_sync(
                parsed.host, parsed.port, sni=parsed.sni, checks=wanted, target=parsed.text,
                limits=Limits(connect_timeout=timeout, read_timeout=timeout),
                suite=opt("pq_suite"), client_credential=self.config.stash[_CREDENTIAL])
        return runs[self.target]

    def runtest(self) -> None:
        run = self._run()
        if run.error:
            pytest.fail(f"{self.target}: {run.error}", pytrace=False)
        result = next((c for c in run.checks if c.id == self.check.id), None)
        if result is None:
            pytest.fail(f"{self.check.id} produced no result", pytrace=False)
        _report(result)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.target, None, f"{self.check.id} {self.check.entry.title}"


def _report(result: CheckResult) -> None:
    text = (f"{result.id} [{result.level}] expected {result.expected}; observed "
            f"{result.observed}; reference {result.reference}")
    if result.result == PASS:
        return
    if result.result == FAIL:
        pytest.fail(text, pytrace=False)
    pytest.skip(f"{result.result}: {result.observed}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    targets = config.getoption("pq_target")
    if not targets:
        return
    try:
        checks = select_checks()
        parsed = [parse_target(t) for t in targets]
        config.stash[_CREDENTIAL] = ClientCredential.from_files(
            config.getoption("pq_client_cert"), config.getoption("pq_client_key"))
    except PqscanError as exc:
        raise pytest.UsageError(str(exc)) from None
    for target in parsed:
        for check in checks:
            items.append(PQCheckItem.from_parent(
                session, name=f"{check.id} {check.entry.title} [{target.text}]",
                check=check, target=target.text))
