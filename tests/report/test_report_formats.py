"""Renderers against their official schemas and the report model (synthetic + real lab scan)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fixtures import XSS, build_report, k2_endpoint
from jsonschema import Draft4Validator

from pqscan.model.schema import schema_errors
from pqscan.report.render import FORMATS, render

DATA = Path(__file__).resolve().parent.parent / "data"


def lab_report() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "report" / "lab-scan.json").read_text())
    return data


REPORTS = {"synthetic": build_report, "lab": lab_report}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_schema_accepts_reports(name: str) -> None:
    assert schema_errors(REPORTS[name]()) == []


@pytest.mark.parametrize("path,old,new", [
    (("endpoints", 1, "tls"), "kex_state", "kex_status"),
    (("endpoints", 1), "verdicts", "verdict"),
    (("endpoints", 1, "findings", 0), "severity", "level"),
    ((), "started_at", "start"),
])
def test_report_schema_catches_renamed_field(path: tuple[Any, ...], old: str, new: str) -> None:
    report = build_report()
    node: Any = report
    for key in path:
        node = node[key]
    node[new] = node.pop(old)
    assert schema_errors(report)


def test_report_schema_rejects_bad_values() -> None:
    report = build_report()
    report["endpoints"][0]["verdicts"][0]["result"] = "OK"
    report["endpoints"][0]["tls"]["kex_state"] = "K9"
    errors = schema_errors(report)
    assert any("verdicts/0/result" in e for e in errors)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_sarif_valid_against_official_schema(name: str) -> None:
    schema = json.loads((DATA / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
    log = json.loads(render(REPORTS[name](), "sarif"))
    errors = [e.message for e in Draft4Validator(schema).iter_errors(log)]
    assert errors == []
    run = log["runs"][0]
    assert run["results"], "failures and findings must produce results"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:  # GitHub code scanning needs these on every result
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        loc = result["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("pqscan/endpoints/")
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("tls://")
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
        assert "Reference" in rule["help"]["text"]


def test_sarif_content_and_stable_fingerprints() -> None:
    first = json.loads(render(build_report(), "sarif"))["runs"][0]
    later = build_report()
    later["started_at"] = later["finished_at"] = "2027-01-01T00:00:00Z"
    later["endpoints"].reverse()
    second = json.loads(render(later, "sarif"))["runs"][0]

    def prints(run: dict[str, Any]) -> dict[str, str]:
        return {f"{r['ruleId']} {r['locations'][0]['logicalLocations'][0]['name']}":
                r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]}
    assert prints(first) == prints(second)
    assert len(set(prints(first).values())) == len(first["results"])
    keys = set(prints(first))
    # FAIL verdicts and non-info findings are results; PASS and info findings are not
    assert "cnsa-2.0/CNSA2-TLS-KEX 127.0.0.1:8444" in keys
    assert "kex.state.k5 127.0.0.1:8445" in keys
    assert "scan.endpoint_not_scanned 127.0.0.1:1" in keys
    assert not any(k.startswith("kex.state.k0") or "8443" in k for k in keys)
    levels = {r["ruleId"]: r["level"] for r in first["results"]}
    assert levels["kex.state.k5"] == "error" and levels["kex.state.k2"] == "warning"


def test_junit_testcases_per_requirement() -> None:
    root = ET.fromstring(render(build_report(), "junit"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"),
            root.get("errors")) == ("8", "3", "2", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    k2 = suites["pqscan:127.0.0.1:8444"]
    cases = k2.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "cnsa-2.0 CNSA2-TLS-KEX ML-KEM-1024 key establishment",
        "cnsa-2.0 CNSA2-TLS-SIG ML-DSA-87 authentication",
        "cnsa-2.0 CNSA2-TLS-MLKEM1024 ML-KEM-1024 offered"]
    failure = cases[1].find("failure")
    assert failure is not None and XSS in (failure.text or "")  # evidence, XML-escaped
    skipped = cases[2].find("skipped")
    assert skipped is not None and "MLKEM1024 inconclusive" in (skipped.get("message") or "")
    assert {c.get("classname") for c in cases} == {"pqscan.127.0.0.1_8444"}
    unreachable = suites["pqscan:127.0.0.1:1"].find("testcase/error")
    assert unreachable is not None and unreachable.get("message") == "connection refused"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_cbom_valid_cyclonedx_16(name: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    text = render(REPORTS[name](), "cbom")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"


def test_cbom_components_and_dependencies() -> None:
    bom = json.loads(render(build_report(), "cbom"))
    comps = {c["bom-ref"]: c for c in bom["components"]}
    algo = comps["alg:mlkem1024"]["cryptoProperties"]
    assert algo["assetType"] == "algorithm"
    assert algo["algorithmProperties"] == {"primitive": "kem", "parameterSetIdentifier": "1024",
                                           "nistQuantumSecurityLevel": 5}
    hybrid = comps["alg:x25519mlkem768"]["cryptoProperties"]["algorithmProperties"]
    assert hybrid["primitive"] == "combiner" and hybrid["nistQuantumSecurityLevel"] == 3
    assert comps["alg:x25519"]["cryptoProperties"]["algorithmProperties"][
        "nistQuantumSecurityLevel"] == 0
    dsa = comps["alg:ml-dsa-87"]["cryptoProperties"]
    assert dsa["algorithmProperties"]["nistQuantumSecurityLevel"] == 5
    proto = comps["proto:127.0.0.1_8443:tlsv13"]["cryptoProperties"]["protocolProperties"]
    assert proto["version"] == "1.3"
    # cyclonedx-python-lib stores identifiers as a sorted set, so wire order is lost
    assert sorted(proto["cipherSuites"][0]["identifiers"]) == ["0x02", "0x13"]
    certs = [c for c in bom["components"] if c["cryptoProperties"]["assetType"] == "certificate"]
    assert {c["name"] for c in certs} >= {f"CN={XSS}", "CN=localhost,O=pqscan lab"}
    deps = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert deps["endpoint:127.0.0.1_8443"] == ["proto:127.0.0.1_8443:tlsv13"]
    assert "alg:mlkem1024" in deps["proto:127.0.0.1_8443:tlsv13"]
    assert deps["endpoint:127.0.0.1_1"] == []
    assert {s["name"] for s in bom["services"]} == {
        "127.0.0.1:8443", "127.0.0.1:8444", "127.0.0.1:8445", "127.0.0.1:1"}


def test_csv_endpoint_and_verdict_modes() -> None:
    rows = list(csv.DictReader(io.StringIO(render(build_report(), "csv"))))
    assert [r["target"] for r in rows] == ["127.0.0.1:8443", "127.0.0.1:8444", "127.0.0.1:8445",
                                           "127.0.0.1:1"]
    assert rows[1]["kex_state"] == "K2" and rows[1]["fail"] == "2"
    assert rows[3]["risk_2030"] == "INCONCLUSIVE"
    verdicts = list(csv.DictReader(io.StringIO(render(build_report(), "csv",
                                                      csv_mode="verdicts"))))
    assert len(verdicts) == 7
    assert [v["result"] for v in verdicts].count("FAIL") == 3


def test_csv_neutralises_formula_cells() -> None:
    ep = k2_endpoint()
    ep["tls"]["certificate_chain"][0]["public_key"]["algorithm"] = "=HYPERLINK(\"x\")"
    rows = list(csv.DictReader(io.StringIO(render(build_report([ep]), "csv"))))
    assert rows[0]["leaf_key"].startswith("'=")


def test_markdown_sections_and_escaping() -> None:
    md = render(build_report(), "md")
    for heading in ("## Summary", "## Executive summary", "## Endpoints", "## Method",
                    "## Uncertainty"):
        assert heading in md
    assert md.index("## Summary") < md.index("## Executive summary") < md.index("## Endpoints")
    assert XSS not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    row = next(line for line in md.splitlines() if line.startswith("| 127.0.0.1:8444 |"))
    expected = "| 127.0.0.1:8444 | - | ok | K2 | X25519MLKEM768 | RSA-2048 | medium | 0/2/1/0 |"
    assert row.startswith(expected), row


def test_html_escapes_every_server_value() -> None:
    page = render(build_report(), "html")
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert page.index('id="answer"') < page.index('id="cards"') < page.index(
        'id="must-change"') < page.index('id="summary"') < page.index('id="endpoints"')
    assert page.count("<svg") == 4  # timeline, results per profile, K-states, algorithms


def test_every_format_renders_lab_scan() -> None:
    report = lab_report()
    for fmt in FORMATS:
        assert render(report, fmt).strip()


def test_render_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        render(build_report(), "pdf")
    with pytest.raises(TypeError):
        render([], "md")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="csv mode"):
        render(build_report(), "csv", csv_mode="rows")
