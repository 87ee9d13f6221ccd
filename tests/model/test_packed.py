"""The packed endpoint (pqscan.model.packed, `report_form: "compact-2"`): what it writes, byte
for byte, and that reading it back gives every endpoint exactly as it was, key order included."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pqscan.model.packed import (
    HASH_B64,
    PackedError,
    pack_endpoint,
    pack_map,
    pack_table,
    unpack_endpoint,
    unpack_map,
    unpack_table,
)

DATA = Path(__file__).resolve().parents[1] / "data"
HEX = "3df8" + "00" * 28 + "ff01"  # 32 bytes


def text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def saved_endpoints() -> list[dict[str, Any]]:
    report = json.loads((DATA / "report" / "lab-scan.json").read_text("utf-8"))
    out = list(report["endpoints"])
    out += [json.loads(p.read_text("utf-8"))["endpoint"]
            for p in sorted((DATA / "golden" / "verdicts").glob("*.json"))]
    return out


def test_a_status_map_is_runs_of_one_value_in_its_order() -> None:
    schemes = {"rsa_pss_rsae_sha256": "supported", "rsa_pss_rsae_sha384": "supported",
               "ed25519": "not_supported", "mldsa44": "inconclusive",
               "mldsa65": "not_supported", "mldsa87": "not_supported"}
    packed = pack_map(schemes)
    assert text(packed) == (
        '[["supported","rsa_pss_rsae_sha256 rsa_pss_rsae_sha384"],'  # run 1: two names
        '["not_supported","ed25519"],'  # run 2: the value changes
        '["inconclusive","mldsa44"],'  # an inconclusive entry is its own run
        '["not_supported","mldsa65 mldsa87"]]')  # same value again later: a new run
    assert text(unpack_map(packed)) == text(schemes)  # the order survives


def test_an_inconclusive_group_keeps_its_reason_exactly() -> None:
    groups = {"x25519": {"status": "supported", "via": "hrr"},
              "MLKEM768": {"status": "inconclusive", "via": None,
                           "reason": "groups.enumerate[2]: connection reset"},
              "MLKEM1024": {"status": "not_supported", "via": "hrr"},
              "x448": {"via": "hrr", "status": "not_supported"}}  # another key order: its own run
    packed = pack_map(groups)
    assert [run[1] for run in packed] == ["x25519", "MLKEM768", "MLKEM1024", "x448"]
    assert text(unpack_map(json.loads(text(packed)))) == text(groups)


def test_what_cannot_be_packed_losslessly_is_kept() -> None:
    assert pack_map({"a b": "supported", "c": "supported"}) == \
        {"a b": "supported", "c": "supported"}  # a name with a space
    assert pack_map({"only": "supported"}) == {"only": "supported"}  # nothing to gain
    rows = [{"code": "a", "severity": "low"}, {"severity": "low", "code": "b"}]
    assert pack_table(rows) is rows  # two key orders: no one table


def test_a_verdict_table_hoists_what_every_row_repeats() -> None:
    verdicts = [
        {"profile": "pq-baseline", "requirement": "PQB-TLS13", "severity": "MUST",
         "result": "PASS", "evidence": {"as_of": "2026-12-01", "observed": {"x": 1}},
         "in_force": True, "due": None},
        {"profile": "pq-baseline", "requirement": "PQB-HRR-UPGRADE", "severity": "SHOULD",
         "result": "FAIL", "evidence": {"as_of": "2026-12-01", "reason": "K3"},
         "in_force": True, "due": None}]
    packed = pack_table(verdicts, hoist_as_of=True)
    assert text(packed) == (
        '{"columns":["profile","requirement","severity","result","evidence","in_force","due"],'
        '"same":{"profile":"pq-baseline","in_force":true,"due":null},'  # one value in every row
        '"as_of":"2026-12-01",'  # evidence.as_of, first in every evidence
        '"rows":[["PQB-TLS13","MUST","PASS",{"observed":{"x":1}}],'
        '["PQB-HRR-UPGRADE","SHOULD","FAIL",{"reason":"K3"}]]}')
    assert text(unpack_table(json.loads(text(packed)))) == text(verdicts)


def test_a_derivable_finding_message_is_null_only_when_it_reads_back_the_same() -> None:
    evidence = {"algorithm": "RSA-2048", "use": "signature", "strength_bits": 112,
                "where": ["certificate_chain[0].public_key"]}
    findings = [
        {"code": "alg.quantum_vulnerable", "severity": "medium",
         "message": "RSA-2048 (signature, 112-bit classical strength)", "evidence": evidence},
        {"code": "alg.quantum_vulnerable", "severity": "medium",
         "message": "reworded by a later pqscan", "evidence": evidence},
        {"code": "kex.state.k3", "severity": "high", "message": "K3: classical only",
         "evidence": {}}]
    packed = pack_table(findings, messages=True)
    assert [row[2] for row in packed["rows"]] == \
        [None, "reworded by a later pqscan", "K3: classical only"]
    assert text(unpack_table(json.loads(text(packed)), messages=True)) == text(findings)


def test_a_transcript_hash_is_the_same_32_bytes_in_base64url() -> None:
    endpoint = {"target": "t", "status": "ok", "probe_table": {
        "columns": ["name", "result", "transcript_sha256", "attempts"],
        "rows": [["versions.TLSv1.2", "ok", HEX, 1], ["groups.enumerate[0]", "refused"]]}}
    packed = pack_endpoint(endpoint)["probe_table"]
    assert packed["columns"][2] == HASH_B64
    assert packed["rows"][0][2] == "PfgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_wE"  # 43 chars
    assert len(packed["rows"][0][2]) == 43 and packed["rows"][1] == ["groups.enumerate[0]",
                                                                     "refused"]
    assert unpack_endpoint(json.loads(text(pack_endpoint(endpoint)))) == endpoint
    upper = copy.deepcopy(endpoint)
    upper["probe_table"]["rows"][0][2] = HEX.upper()  # not what pqscan writes: kept as is
    assert pack_endpoint(upper)["probe_table"] == upper["probe_table"]


@pytest.mark.parametrize("index", range(len(saved_endpoints())))
def test_every_saved_endpoint_reads_back_exactly(index: int) -> None:
    endpoint = saved_endpoints()[index]
    before = text(endpoint)
    packed = text(pack_endpoint(endpoint))
    assert text(endpoint) == before  # packing never changes its input
    assert text(unpack_endpoint(json.loads(packed))) == before
    assert text(unpack_endpoint(endpoint)) == before  # an unpacked endpoint reads as it is


@pytest.mark.parametrize(("endpoint", "named"), [
    ({"tls": {"groups": [["supported", "x25519"], "garbage"]}}, "tls.groups[1]: not a run"),
    ({"tls": {"groups": [["supported", "x25519 x25519"]]}}, "tls.groups: a name is empty"),
    ({"tls": {"tls12": {"ecdhe_curves": [["supported", "a  b"]]}}},
     "tls.tls12.ecdhe_curves: a name is empty"),
    ({"findings": {"columns": ["code", "message"], "same": {}, "rows": [["only one"]]}},
     "findings: rows[0]: not 2 cells"),
    ({"findings": {"columns": ["code", "message"], "same": {}, "rows": [["x.y", None]]}},
     "findings: rows[0]: no message"),
    ({"verdicts": {"rows": []}}, "verdicts: not a table"),
])
def test_a_packed_part_pqscan_did_not_write_is_refused_naming_it(endpoint: dict[str, Any],
                                                                 named: str) -> None:
    with pytest.raises(PackedError, match=re.escape(named)):
        unpack_endpoint({"target": "t", "status": "ok", **endpoint})


def test_a_joined_list_message_reads_back_and_an_ssh_wording_is_kept() -> None:
    tls = {"code": "exposure.auth", "severity": "medium",
           "message": "classical authentication: ECDSA P-256, ecdsa-with-SHA256",
           "evidence": {"algorithms": ["ECDSA P-256", "ecdsa-with-SHA256"], "locations": []}}
    ssh = {**tls, "message": "classical host keys: ssh-ed25519",
           "evidence": {"algorithms": ["ssh-ed25519"], "locations": []}}
    packed = pack_table([tls, ssh], messages=True)
    assert [row[0] for row in packed["rows"]] == [None, "classical host keys: ssh-ed25519"]
    assert unpack_table(json.loads(text(packed)), messages=True) == [tls, ssh]


def test_a_bad_packed_report_is_one_line_naming_the_field(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pqscan.cli.main import cli

    report = json.loads((DATA / "report" / "lab-scan.json").read_text("utf-8"))
    report["method"]["report_form"] = "compact-2"
    endpoint = next(e for e in report["endpoints"] if e.get("tls"))
    report["endpoints"] = [pack_endpoint(endpoint)]
    report["endpoints"][0]["tls"]["groups"] = [["supported", "x25519 x25519"]]  # a name twice
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    res = CliRunner().invoke(cli, ["evaluate", str(path)])
    assert res.exit_code == 2
    assert "$.endpoints[0].tls.groups: a name is empty or in two runs" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    for command in (["report", "render", str(path), "--format", "md"], ["stats", str(path)]):
        res = CliRunner().invoke(cli, command)
        assert res.exit_code == 2, command
        assert "endpoints[0].tls.groups: a name is empty" in res.stderr, command
    good = json.loads(path.read_text())
    good["endpoints"] = [pack_endpoint(endpoint)]
    path.write_text(json.dumps(good))
    assert CliRunner().invoke(cli, ["evaluate", str(path)]).exit_code in (0, 1, 3)


def test_a_store_row_that_does_not_unpack_is_skipped_with_a_warning(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pqscan.cli.main import cli
    from pqscan.scan.store import ScanStore, iter_endpoints

    endpoint = next(e for e in saved_endpoints() if e.get("tls"))
    bad = {**pack_endpoint(endpoint), "target": "bad:443"}
    bad["tls"] = {**bad["tls"], "signature_schemes": [["supported"]]}
    db = tmp_path / "s.db"
    with ScanStore(db) as store:
        store.begin_run({}, None, {"report_form": "compact-2"})
        store.put(pack_endpoint(endpoint))
        store.put(bad)
        store.finish_run("complete", {"report_form": "compact-2"})
    warnings: list[str] = []
    assert [text(e) for e in iter_endpoints(db, warn=warnings.append)] == [text(endpoint)]
    assert len(warnings) == 1 and "tls.signature_schemes[0]: not a run" in warnings[0]
    res = CliRunner().invoke(cli, ["store", "export", str(db), "--format", "jsonl"])
    assert res.exit_code == 3 and "skipped" in res.stderr  # never silently shorter
