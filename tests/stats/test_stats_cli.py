"""`pqscan stats` inputs, exclusions, formats and errors (CliRunner), on real lab endpoints."""

from __future__ import annotations

import copy
import csv
import io
import json
import weakref
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pqscan.cli.main import cli
from pqscan.cli.policy import resolve_profiles
from pqscan.policy.evaluate import judge_report
from pqscan.scan.store import ScanStore
from pqscan.stats.accumulate import RunAccumulator
from pqscan.stats.grouping import Grouping
from pqscan.stats.shares import ShareSet
from pqscan.stats.sources import Run

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["stats", *args])


def _json(*args: str) -> dict[str, Any]:
    result = _run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _overall(out: dict[str, Any], run: int = 0) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in out["runs"][run]["groups"][0]["shares"]}


def _write(path: Path, report: dict[str, Any]) -> str:
    path.write_text(json.dumps(report, indent=2))
    return str(path)


@pytest.fixture
def report(lab_report: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(lab_report)


@pytest.mark.lab
def test_inconclusive_fact_leaves_the_denominator_and_is_counted(
        report: dict[str, Any], tmp_path: Path) -> None:
    base = _overall(_json(_write(tmp_path / "a.json", report)))
    classical = next(e for e in report["endpoints"] if e["label"] == "classical")
    classical["tls"]["versions"]["TLSv1.3"] = "inconclusive"
    classical["tls"]["kex_state"] = None
    report["endpoints"].append({"target": "192.0.2.1:443", "host": "192.0.2.1", "port": 443,
                                "sni": None, "status": "unreachable", "error": "timed out",
                                "tls": None, "probes": [], "findings": [], "verdicts": []})
    out = _json(_write(tmp_path / "b.json", report))
    shares = _overall(out)
    assert out["runs"][0]["groups"][0]["population"]["unreachable"] == 1
    for share_id in ("tls13", "kex.K3", "hybrid_mlkem.offered", "pq.preferred"):
        assert shares[share_id]["n"] == base[share_id]["n"] - 1, share_id
        assert shares[share_id]["excluded"] == 1, share_id
    assert shares["tls13"]["count"] == base["tls13"]["count"] - 1
    # the certificate chain was still seen: that share keeps the endpoint
    assert shares["chain.quantum_vulnerable"] == base["chain.quantum_vulnerable"]


@pytest.mark.lab
def test_profile_pass_rates_are_the_verdicts_evaluate_gives(report: dict[str, Any],
                                                            tmp_path: Path) -> None:
    source = _write(tmp_path / "r.json", report)
    out = _json(source, "--profile", "pq-baseline,cnsa-2.0", "--as-of", "2031-01-01")
    shares = _overall(out)
    judged = judge_report(report, resolve_profiles(["pq-baseline,cnsa-2.0"]), date(2031, 1, 1))
    verdicts = [v for e in judged["endpoints"] for v in e["verdicts"]]
    requirements = {(v["profile"], v["requirement"]) for v in verdicts}
    assert requirements
    for profile, requirement in requirements:
        results = [v["result"] for v in verdicts
                   if (v["profile"], v["requirement"]) == (profile, requirement)]
        share = shares[f"profile.{profile}.{requirement}"]
        assert share["count"] == results.count("PASS")
        assert share["n"] == results.count("PASS") + results.count("FAIL")
        assert share["excluded"] == results.count("NOT_TESTED")
        assert share["not_applicable"] == results.count("NOT_APPLICABLE")


@pytest.mark.lab
def test_jsonl_and_store_sources_give_the_report_s_numbers(report: dict[str, Any],
                                                           tmp_path: Path) -> None:
    expected = _overall(_json(_write(tmp_path / "r.json", report)))
    lines = tmp_path / "r.jsonl"
    lines.write_text("\n".join([json.dumps({"schema_version": "1",
                                            "started_at": report["started_at"]})]
                               + [json.dumps(e) for e in report["endpoints"]]) + "\n")
    assert _overall(_json(str(lines))) == expected
    db = tmp_path / "s.db"
    run_ids = []
    for endpoints in (report["endpoints"][:3], report["endpoints"]):  # two runs, 3 then all
        with ScanStore(db) as store:
            run_ids.append(store.begin_run({}, None, {}).run_id)
            for endpoint in endpoints:
                store.put(endpoint)
            store.finish_run("complete")
    latest = _json(str(db))
    assert [r["run_id"] for r in latest["runs"]] == [run_ids[1]]
    assert _overall(latest) == expected
    every = _json(str(db), "--all-runs")
    assert [r["run_id"] for r in every["runs"]] == run_ids
    assert every["runs"][0]["groups"][0]["population"]["endpoints"] == 3
    chosen = _json(str(db), "--run", run_ids[0])
    assert [r["label"] for r in chosen["runs"]] == [f"{db}@{run_ids[0]}"]
    missing = _run(str(db), "--run", "no-such-run")
    assert missing.exit_code == 2 and "has no run 'no-such-run'" in missing.stderr


@pytest.mark.lab
def test_the_accumulator_keeps_no_endpoint(report: dict[str, Any]) -> None:
    class Endpoint(dict[str, Any]):  # a dict that can be weakly referenced
        pass

    accumulator = RunAccumulator(ShareSet(), Grouping(None, ()), keep_states=True)
    refs = []
    for raw in report["endpoints"]:
        endpoint = Endpoint(raw)
        refs.append(weakref.ref(endpoint))
        accumulator.add(endpoint)
        del endpoint
    assert all(ref() is None for ref in refs)
    stats = accumulator.finish(Run("x"))
    assert stats.overall.population.ok == len(report["endpoints"])


@pytest.mark.lab
def test_formats_and_hostile_names(report: dict[str, Any], tmp_path: Path) -> None:
    report["endpoints"][0]["target"] = HOSTILE
    a = _write(tmp_path / "a.json", report)
    b = _write(tmp_path / "b.json", report)
    meta = tmp_path / "m.csv"
    with meta.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["target", "sector"])
        writer.writerow([HOSTILE, HOSTILE])
        writer.writerow([report["endpoints"][1]["target"], "evil\x1b[2Jsector"])
    common = [a, b, "--metadata", str(meta), "--by", "sector", "--compare", "1", "2"]
    page = _run(*common, "--format", "html")
    assert page.exit_code == 0, page.output
    assert "<script" not in page.stdout and "<img" not in page.stdout
    assert "&lt;script&gt;" in page.stdout and "Content-Security-Policy" in page.stdout
    assert page.stdout.count("<svg") > len(_overall(_json(a)))  # bars, trends, changes
    table = _run(*common)
    assert table.exit_code == 0 and "95% CI (Wilson)" in table.stdout
    assert "\x1b" not in table.stdout and "evil\\x1b[2Jsector" in table.stdout
    assert _run(*common, "--format", "csv", "-o", str(tmp_path / "s.csv")).exit_code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text())))
    assert {r["kind"] for r in rows} == {"share", "change"}  # same report twice: none moved
    assert {r["group"] for r in rows if r["by"] == "sector"} == \
        {HOSTILE, "evil\x1b[2Jsector", "(none)"}  # a CSV file keeps the value as it is


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    good.write_text(json.dumps({"schema_version": "1", "endpoints": []}))
    meta = tmp_path / "m.csv"
    meta.write_text("target,sector\n127.0.0.1:1,energy\n")
    notjson = tmp_path / "x.json"
    notjson.write_text("hello")
    future = tmp_path / "f.json"
    future.write_text(json.dumps({"schema_version": "9", "endpoints": []}))
    cases = [
        ([str(tmp_path / "missing.json")], "no such file"),
        ([str(notjson)], "not a pqscan report"),
        ([str(future)], "schema_version '9'"),
        ([str(good), "--by", "sector"], "--by needs --metadata"),
        ([str(good), "--metadata", str(meta), "--by", "owner"], "no such column"),
        ([str(good), str(good), "--compare", "1", "3"], "no run '3'"),
        ([str(good), "--compare", "1", "latest"], "the same run"),
        ([str(good), "--profile", "no-such-profile"], "no-such-profile"),
    ]
    for args, words in cases:
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


@pytest.mark.lab
def test_input_broken_mid_way_is_exit_3(report: dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(report, indent=2)
    cut = text.index('"target"', text.index('"target"') + 1) + 20  # inside endpoint 2
    broken = tmp_path / "cut.json"
    broken.write_text(text[:cut])
    result = _run(str(broken))
    assert result.exit_code == 3 and "breaks after 1 endpoint(s)" in result.stderr


@pytest.mark.lab
def test_an_interrupted_run_says_so(report: dict[str, Any], tmp_path: Path) -> None:
    report["incomplete"] = {"reason": "interrupted (SIGINT)", "endpoints": 3}
    result = _run(_write(tmp_path / "r.json", report))
    assert result.exit_code == 0 and "INCOMPLETE run" in result.stdout
    assert _json(str(tmp_path / "r.json"))["runs"][0]["incomplete"]["endpoints"] == 3


def test_unmatched_metadata_row_is_a_warning(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    good.write_text(json.dumps({"schema_version": "1", "endpoints": []}))
    meta = tmp_path / "m.toml"
    meta.write_text('[[target]]\ntarget = "typo.example:443"\nsector = "energy"\n')
    result = _run(str(good), "--metadata", str(meta), "--by", "sector")
    assert result.exit_code == 0
    assert "1 row(s) match no endpoint: 'typo.example:443'" in result.stderr
    assert "no endpoints" in result.stderr


@pytest.mark.lab
def test_report_read_in_tiny_chunks_gives_the_same_numbers(
        report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pqscan.stats import sources

    report["finished_at"] = "2026-11-30T01:02:03Z"
    report["sample"] = 12345  # a number a chunk boundary may cut in two
    compact = tmp_path / "c.json"
    compact.write_text(json.dumps(report, separators=(",", ":")))
    expected = _json(_write(tmp_path / "r.json", report))
    monkeypatch.setattr(sources._Stream, "CHUNK", 251)  # boundaries everywhere
    out = _json(str(compact))
    assert _overall(out) == _overall(expected)
    assert out["runs"][0]["sample"] == 12345


@pytest.mark.lab
def test_without_group_enumeration_a_negotiated_group_still_counts(
        report: dict[str, Any], tmp_path: Path) -> None:
    # as a census scan (no HRR enumeration) would report: only the three handshakes
    for endpoint in report["endpoints"]:
        if endpoint["tls"]:
            endpoint["tls"]["groups"] = {}
    shares = _overall(_json(_write(tmp_path / "q.json", report)))
    offered = shares["hybrid_mlkem.offered"]
    # the 4 servers whose browser-like handshake got a hybrid are known to offer one; the 2
    # TLS 1.2-only servers cannot; classical and mlkem1024-only got no hybrid in a handshake
    # and, groups not probed, are excluded rather than counted as "no"
    assert (offered["count"], offered["n"], offered["excluded"]) == (4, 6, 2)
    assert shares["hybrid_mlkem.browser"]["count"] == 4


@pytest.mark.lab
def test_a_store_groups_by_the_metadata_its_runs_were_given(report: dict[str, Any],
                                                            tmp_path: Path) -> None:
    """`stats s.db --by sector --compare` needs no --metadata when the runs stored theirs; the
    later run's row wins (svc moved sector between runs), and it equals passing the file."""
    targets = [e["target"] for e in report["endpoints"]]
    first = [{"target": t, "sector": "energy" if i % 2 else "health", "owner": "x"}
             for i, t in enumerate(targets)]
    second = [{**first[0], "sector": "water"}]  # run 2 re-declares one target only
    db = tmp_path / "s.db"
    for rows in (first, second):
        with ScanStore(db) as store:
            store.begin_run({}, None, {})
            store.put_metadata(rows)
            for endpoint in report["endpoints"]:
                store.put(endpoint)
            store.finish_run("complete")
    stored = _json(str(db), "--by", "sector", "--compare", "previous", "latest")
    meta = tmp_path / "m.csv"
    with meta.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["target", "sector", "owner"])
        writer.writeheader()
        writer.writerows([second[0], *first[1:]])
    given = _json(str(db), "--by", "sector", "--compare", "previous", "latest",
                  "--metadata", str(meta))
    assert stored["runs"] == given["runs"] and stored["comparison"] == given["comparison"]
    groups = {(g["by"], g["value"]) for g in stored["runs"][1]["groups"]}
    assert groups == {(None, "all"), ("sector", "water"), ("sector", "energy"),
                      ("sector", "health")}
    bad = _run(str(db), "--by", "region")
    assert bad.exit_code == 2 and "no such column in metadata stored with the runs" in bad.stderr
