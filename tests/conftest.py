"""Shared pytest fixtures: the session-wide lab of real TLS servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

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
