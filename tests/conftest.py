"""Shared pytest fixtures: the session-wide lab of real TLS servers on 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
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
    from pqscan.scan.context import ScanOptions
    from pqscan.scan.run import run_scan
    from pqscan.scan.targets import parse_target

    names = [spec.name for spec in DEFAULT_LAB]
    targets = [parse_target(f"127.0.0.1:{lab[n].port}", "localhost") for n in names]
    report = run_scan(targets, ScanOptions(timeout=5), concurrency=32)
    for name, endpoint in zip(names, report["endpoints"], strict=True):
        endpoint["label"] = name
    return report


@pytest.fixture(scope="session")
def nginx_targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The benchmark's Debian nginx (bench/nginx_farm.py, defaults): "ecdsa" (P-256) and "rsa"
    (2048) -> "127.0.0.1:PORT", one port each, for the session."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx not installed (apt-get install nginx; .ci/run does)")
    bench = str(Path(__file__).resolve().parents[1] / "bench")
    sys.path.insert(0, bench)
    try:
        from nginx_farm import NginxFarm
    finally:
        sys.path.remove(bench)
    with NginxFarm(tmp_path_factory.mktemp("nginx"), 1) as farm:
        yield dict(farm.targets)


@pytest.fixture(scope="session")
def mtls_lab() -> Iterator[Lab]:
    """MTLS_LAB (OpenSSL and tlslite-ng servers asking for client certificates), started once."""
    pytest.importorskip("OpenSSL")
    pytest.importorskip("tlslite")
    from pqscan.lab.mtls import MTLS_LAB

    with Lab(MTLS_LAB) as running:
        yield running


@pytest.fixture(scope="session")
def ssh_lab() -> Iterator[Any]:
    """DEFAULT_SSH_LAB (Debian sshd, asyncssh, paramiko on 127.0.0.1), started once (issue 15)."""
    pytest.importorskip("asyncssh")
    pytest.importorskip("paramiko")
    from pqscan.lab.ssh_lab import SSHD, SSHLab
    from pqscan.lab.ssh_spec import DEFAULT_SSH_LAB

    if SSHD is None:
        pytest.skip("sshd not installed (apt-get install openssh-server; .ci/run does)")
    with SSHLab(DEFAULT_SSH_LAB) as running:
        yield running


@pytest.fixture(scope="session")
def ssh_lab_report(ssh_lab: Any) -> dict[str, Any]:
    """One pqscan scan of every SSH lab server, judged by the shipped SSH requirements; each
    endpoint carries its lab name as "label"."""
    from datetime import date

    from pqscan.policy.evaluate import judge_report, load_profile
    from pqscan.scan.context import ScanOptions
    from pqscan.scan.run import run_scan
    from pqscan.scan.targets import parse_target

    targets = [parse_target(ep.url) for ep in ssh_lab.endpoints]
    report = run_scan(targets, ScanOptions(timeout=10), concurrency=16)
    profiles = [load_profile(p) for p in ("pq-baseline", "cnsa-2.0", "nist-ir-8547")]
    report = judge_report(report, profiles, date(2026, 6, 1))
    for lab_ep, endpoint in zip(ssh_lab.endpoints, report["endpoints"], strict=True):
        endpoint["label"] = lab_ep.name
    return report
