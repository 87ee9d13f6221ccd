"""Issue 14 end to end on real lab servers: `pqscan scan --profile cnsa-2.0,nist-ir-8547` in
JUnit, table and SARIF carries readiness, FAIL now vs DUE dates and the fixes from the shipped
catalogue; `--fail-on-due` turns due failures into JUnit failures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import LabEndpoint

PROFILES = ["--profile", "cnsa-2.0,nist-ir-8547"]


def _scan(lab: dict[str, LabEndpoint], name: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["scan", f"127.0.0.1:{lab[name].port}", "--sni", "localhost",
                                    "-q", *PROFILES, *args])


@pytest.mark.lab
def test_junit_of_a_lab_scan_due_dates_and_fail_on_due(lab: dict[str, LabEndpoint]) -> None:
    plain = _scan(lab, "hybrid-preferred", "--format", "junit")
    assert plain.exit_code == 1, plain.stderr  # CNSA 2.0 requirements in force fail (AES-256)
    root = ET.fromstring(plain.stdout)
    skipped = [s.get("message", "") for s in root.iter("skipped")]
    due = [m for m in skipped if m.startswith("DUE 20")]
    assert due and all("fix: " in m for m in due), skipped
    failures = [f.get("message", "") for f in root.iter("failure")]
    assert failures and all("in force" in m for m in failures)
    gated = _scan(lab, "hybrid-preferred", "--format", "junit", "--fail-on-due", "10")
    assert gated.exit_code == 1
    more = [f.get("message", "") for f in ET.fromstring(gated.stdout).iter("failure")]
    assert len(more) == len(failures) + len(due)
    horizon = "counted as a failure: due within the 10-year horizon"
    assert sum(horizon in m for m in more) == len(due)


@pytest.mark.lab
def test_table_and_sarif_of_a_lab_scan_name_level_and_fix(lab: dict[str, LabEndpoint]) -> None:
    table = _scan(lab, "classical")
    assert table.exit_code == 1
    lines = table.stdout.splitlines()
    row = next(line for line in lines if f":{lab['classical'].port}" in line)
    assert row.split()[2] == "L1"  # TLS 1.3, classical key exchange only (K3)
    assert "What must change, by when:" in table.stdout
    assert "    fix: OpenSSL >= 3.5.0: Groups = " in table.stdout
    assert lines[-1].startswith("0 of 1 endpoint(s) post-quantum ready (L3+); 1 must change")
    sarif = json.loads(_scan(lab, "classical", "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert any(r.get("fixes") and r["fixes"][0]["artifactChanges"][0]["artifactLocation"][
        "uri"] == "openssl.cnf" for r in results)
    assert any(r["level"] == "note" and "not in force yet" in r["message"]["text"]
               for r in results)
