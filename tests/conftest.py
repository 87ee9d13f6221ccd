"""Shared pytest fixtures: the session-wide lab of real TLS servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pqscan.lab import DEFAULT_LAB, Lab, LabEndpoint


@pytest.fixture(scope="session")
def lab_instance() -> Iterator[Lab]:
    """DEFAULT_LAB started once per test session (stopped at the end)."""
    pytest.importorskip("OpenSSL")
    pytest.importorskip("tlslite")
    with Lab(DEFAULT_LAB) as running:
        yield running


@pytest.fixture(scope="session")
def lab(lab_instance: Lab) -> dict[str, LabEndpoint]:
    """Server name -> LabEndpoint for every DEFAULT_LAB server; mark users @pytest.mark.lab."""
    return {endpoint.name: endpoint for endpoint in lab_instance.endpoints}


@pytest.fixture(scope="session")
def lab_report(lab: dict[str, LabEndpoint]) -> dict[str, Any]:
    """One pqscan scan of every DEFAULT_LAB server (SNI localhost), shared by the test modules;
    each endpoint carries its lab name as "label"."""
    from pqscan.probes.context import ScanOptions
    from pqscan.run import run_scan
    from pqscan.targets import parse_target

    names = [spec.name for spec in DEFAULT_LAB]
    targets = [parse_target(f"127.0.0.1:{lab[n].port}", "localhost") for n in names]
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=32)
    for name, endpoint in zip(names, report["endpoints"], strict=True):
        endpoint["label"] = name
    return report


@pytest.fixture(scope="session")
def mtls_lab() -> Iterator[Lab]:
    """MTLS_LAB (OpenSSL and tlslite-ng servers asking for client certificates), started once."""
    pytest.importorskip("OpenSSL")
    pytest.importorskip("tlslite")
    from pqscan.lab.mtls import MTLS_LAB

    with Lab(MTLS_LAB) as running:
        yield running
