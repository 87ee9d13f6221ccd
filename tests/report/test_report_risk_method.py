"""The Mosca risk model, target metadata and the method/uncertainty sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import build_report, k0_endpoint, k2_endpoint, unreachable_endpoint

from pqscan.assess.risk import endpoint_risk, urgency
from pqscan.errors import UsageError
from pqscan.model.metadata import TargetMetadata, load_metadata, metadata_for
from pqscan.report.method import method_sheet, probe_rows, uncertainty


def _k3_rsa() -> dict:
    ep = k2_endpoint()
    ep["tls"]["kex_state"] = "K3"
    return ep


def test_worked_example_of_the_reference() -> None:
    """regulators-adoption-risk.md §5c: K3, E=1, I=I_auth=1, x=10, y=3, RSA leaf, 2026."""
    meta = TargetMetadata("127.0.0.1:8444", data_shelf_life_years=10, migration_years=3,
                          exposure="internet", impact="high", impact_auth="high")
    risk = endpoint_risk(build_report(), _k3_rsa(), meta)
    assert [(s.m_hndl, s.s_hndl, s.m_auth, s.s_auth) for s in risk.scenarios] == [
        (-9.0, 100.0, 1.0, 80.0), (-4.0, 100.0, 6.0, 0.0), (1.0, 80.0, 11.0, 0.0)]
    assert [s.headline for s in risk.scenarios] == [100.0, 100.0, 80.0]
    assert risk.confidence == 1.0
    assert {i.name: i.provenance for i in risk.inputs} == {
        "V_kex": "measured", "V_auth": "measured", "E": "declared", "I": "declared",
        "I_auth": "declared", "x": "declared", "y": "declared", "scan_year": "measured"}


def test_k0_scores_zero_and_defaults_are_flagged() -> None:
    risk = endpoint_risk(build_report(), k0_endpoint())
    assert all(s.s_hndl == 0.0 and s.s_auth == 0.0 for s in risk.scenarios)
    assert risk.input("x").provenance == "default" and risk.input("E").label == "internet"
    assert risk.confidence == round(2 / 7, 2)


def test_unreachable_is_inconclusive_not_zero() -> None:
    risk = endpoint_risk(build_report(), unreachable_endpoint())
    assert all(s.s_hndl is None and s.s_auth is None and s.headline is None
               for s in risk.scenarios)
    assert risk.hndl_inconclusive == "endpoint unreachable: connection refused"
    assert risk.auth_inconclusive == "no certificate chain observed"


def test_urgency_and_custom_scenarios() -> None:
    assert (urgency(-1), urgency(0), urgency(2.5), urgency(5), urgency(9)) == (1, 1, 0.5, 0, 0)
    risk = endpoint_risk(build_report(), k2_endpoint(), scenarios=[2028])
    assert [s.year for s in risk.scenarios] == [2028]
    with pytest.raises(TypeError):
        endpoint_risk(build_report(), k2_endpoint(), scenarios=["2030"])  # type: ignore[list-item]


def test_metadata_toml_and_join(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text('[[target]]\ntarget = "127.0.0.1:8443"\nowner = "PKI team"\n'
                    'system_id = "SYS-1"\ndata_shelf_life_years = 25\nexposure = "partner"\n'
                    'sectors = ["energy"]\n', encoding="utf-8")
    meta = load_metadata(path)
    entry = metadata_for(k0_endpoint(), meta)
    assert entry is not None and entry.owner == "PKI team" and entry.sectors == ("energy",)
    assert metadata_for(k2_endpoint(), meta) is None
    risk = endpoint_risk(build_report(), k0_endpoint(), entry)
    assert risk.input("E").value == 0.7 and risk.input("x").value == 25.0


def test_metadata_keeps_extra_columns(tmp_path: Path) -> None:
    """Columns the risk model does not know (sector, region...) are kept, not refused: the same
    file groups `stats --by` (issue 12)."""
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("target,owner,sector,region\nh:1,ops,energy, north \n", encoding="utf-8")
    toml_path = tmp_path / "m.toml"
    toml_path.write_text('[[target]]\ntarget = "h:1"\nsector = ["energy", "water"]\n'
                         'tier = 2\n', encoding="utf-8")
    entry = load_metadata(csv_path)["h:1"]
    assert (entry.owner, entry.extra) == ("ops", (("sector", "energy"), ("region", "north")))
    assert load_metadata(toml_path)["h:1"].extra == (("sector", ("energy", "water")),
                                                      ("tier", "2"))
    assert load_metadata(toml_path)["h:1"].to_dict()["extra"] == {"sector": ["energy", "water"],
                                                                  "tier": "2"}


@pytest.mark.parametrize("name,text,message", [
    ("a.toml", '[[target]]\ntarget = "h:1"\nexposure = "moon"\n', "[[target]] #1: exposure"),
    ("a.csv", "target,migration_years\nh:1,soon\n", "row 2: migration_years must be a number"),
    ("a.toml", '[[target]]\ntarget = "h:1"\nsector = {a = 1}\n', "sector must be a value"),
    ("a.csv", "target\nh:1\nh:1\n", "duplicate target 'h:1'"),
    ("a.toml", "[[target]\n", "does not parse"),
    ("a.yaml", "x", "use a .toml or .csv file"),
])
def test_metadata_errors_name_the_culprit(tmp_path: Path, name: str, text: str,
                                          message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match="metadata") as info:
        load_metadata(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_method_sheet_and_uncertainty() -> None:
    report = build_report()
    sheet = method_sheet(report)
    assert (sheet["timeout_s"], sheet["retries"], sheet["connections"]) == (5.0, 1, 8)
    assert len(sheet["tool"]["renderer_sha256"]) == 64
    assert sheet["profiles"][0]["id"] == "cnsa-2.0"
    assert len(sheet["profiles"][0]["sha256"]) == 64  # shipped profile file digest
    rows = probe_rows(report["endpoints"][1])
    assert rows[1]["result"] == "inconclusive" and "groups: MLKEM1024" in rows[1]["offered"]
    unc = uncertainty(report)
    assert unc["counts"] == {"checks_undecided": 1, "endpoints_not_scanned": 1,
                             "groups_inconclusive": 1, "probes_inconclusive": 2,
                             "verdicts_not_tested": 1}
    reasons = {r["reason"] for r in unc["reasons"]}
    assert "group MLKEM1024: timeout after HRR" in reasons
    assert "CNSA2-TLS-MLKEM1024: MLKEM1024 inconclusive" in reasons
    assert unc["limitations"]
