"""Issue 14 reports people act on: readiness level, what must change by when, and the fix, in
every format, from the judge-time fields of the shared contract (hand-written fixture
`actionable_report`: L4, L2 failing now and from 2030-01-01 / 2031-01-01, L0, unreachable)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fixtures import actionable_report, build_report
from jsonschema import Draft4Validator

from pqscan.assess.risk import report_risk
from pqscan.report import actions
from pqscan.report.evidence import value_text, verdict_text
from pqscan.report.render import render

SCHEMAS = Path(__file__).parent.parent / "data" / "schemas"
ANSWER = ("1 of 4 endpoint(s) post-quantum ready (L3+); 2 must change: 2 now (a requirement "
          "in force fails), the next deadline 2030-01-01; 1 undecided (not counted as ready).")
NGINX_FIX = "nginx >= 1.25.0: ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;"
NGINX_HTML = html.escape(NGINX_FIX)


def _verdict(report: dict[str, Any], port: int, requirement: str) -> dict[str, Any]:
    ep = next(e for e in report["endpoints"] if e["port"] == port)
    return next(v for v in ep["verdicts"] if v["requirement"] == requirement)


def test_one_line_answer_and_unjudged_reports() -> None:
    assert actions.answer(actionable_report()).sentence() == ANSWER
    old = actions.answer(build_report())  # judged before issue 14: never "ready" or "fine"
    assert not old.judged and "readiness not judged" in old.sentence()
    report = actionable_report()
    for ep in report["endpoints"]:
        for v in ep["verdicts"]:
            if v["result"] == "FAIL":
                v["in_force"] = False
    assert "2 must change, the first by 2030-01-01; 1 undecided" in actions.answer(
        report).sentence()


def test_state_and_gating_of_due_failures() -> None:
    report = actionable_report()
    now, later = _verdict(report, 8444, "CNSA2-TLS-KEX"), _verdict(report, 8444, "CNSA2-TLS-SIG")
    assert (actions.state(now), actions.state(later)) == ("FAIL", "DUE 2030-01-01")
    assert actions.counts_as_failure(now, report) and not actions.counts_as_failure(later, report)
    report["evaluation"]["fail_on_due"] = 4  # 2030-01-01 is 3.1 years after 2026-11-30
    assert actions.counts_as_failure(later, report)
    assert not actions.counts_as_failure(_verdict(report, 8444, "IR8547-KEX-DISALLOWED"),
                                         report)  # 2031-01-01: 4.09 years


def test_must_change_sorted_by_due_then_risk_with_fixes() -> None:
    report = actionable_report()
    found = actions.must_change(report, report_risk(report))
    assert [(a.due, a.requirement, a.endpoints) for a in found] == [
        (None, "CNSA2-TLS-KEX", (1, 2)), ("2030-01-01", "CNSA2-TLS-SIG", (1,)),
        ("2031-01-01", "IR8547-KEX-DISALLOWED", (1,))]
    assert found[0].fixes == ("openssl.groups.cnsa2", "openssl.protocol.tls13")
    assert found[0].risk == 50.0  # the K5 endpoint's
    assert actions.endpoint_fixes(report["endpoints"][1]) == [
        "openssl.groups.cnsa2", "cert.mldsa87.cnsa2", "nginx.ssl-ecdh-curve"]
    catalogue = actions.remediation(report)
    assert actions.top_fixes(report["endpoints"][1], catalogue) == [
        actions.TopFix("now", "cnsa-2.0 CNSA2-TLS-KEX", "openssl.groups.cnsa2", 0),
        actions.TopFix("by 2030-01-01", "cnsa-2.0 CNSA2-TLS-SIG", "cert.mldsa87.cnsa2", 0),
        actions.TopFix("by 2031-01-01", "nist-ir-8547 IR8547-KEX-DISALLOWED",
                       "nginx.ssl-ecdh-curve", 0)]
    # a config line before a procedure, OpenSSL first among config lines
    assert actions.ranked_fixes(["cert.mldsa87.cnsa2", "nginx.ssl-ecdh-curve",
                                 "openssl.groups.cnsa2"], catalogue) == [
        "openssl.groups.cnsa2", "nginx.ssl-ecdh-curve", "cert.mldsa87.cnsa2"]
    assert actions.fix_text("nginx.ssl-ecdh-curve", actions.remediation(report)).startswith(
        NGINX_FIX)
    assert actions.fix_text("unknown.fix", {}) == "unknown.fix"


def test_evidence_is_readable_text_never_a_repr() -> None:
    report = actionable_report()
    assert verdict_text(_verdict(report, 8444, "IR8547-KEX-DISALLOWED")) == (
        "observed: tls/negotiated/x25519_share_first = x25519 · expected: Classical key "
        "establishment is disallowed · clause: NIST IR 8547 §4.1")
    assert verdict_text(_verdict(report, 8444, "CNSA2-TLS-MLKEM1024")).endswith(
        "why: MLKEM1024 inconclusive")
    projected = {"title": "t", "evidence": {"as_of": "2031-01-01", "observed": {"p": 1},
                                            "projection": "judged as of 2031-01-01"}}
    assert verdict_text(projected) == (
        "observed: p = 1 · expected: t · projection: judged as of 2031-01-01")
    assert value_text({"a": [1, None], "b": True}) == "a = 1, none; b = yes"
    assert value_text([]) == "none (empty list)"
    for fmt in ("html", "md", "csv", "junit", "table", "sarif"):
        out = render(report, fmt)
        assert "{'" not in out and "': " not in out and "[None" not in out, fmt


def _ids_and_links(page: str) -> tuple[set[str], set[str]]:
    return set(re.findall(r' id="([^"]+)"', page)), set(re.findall(r'href="#([^"]+)"', page))


def test_html_answers_ready_what_by_when_how_above_the_fold() -> None:
    page = render(actionable_report(), "html")
    top = page[:page.index('id="must-change"')]
    assert ANSWER in top and "cnsa-2.0 2022-09 (re-issued 2025-05) (NSA CNSA 2.0)" in top
    assert "nist-ir-8547 ipd-2024-11-12" in top and "2026-11-30" in top and "standard" in top
    # cards highest risk first (K5 50, K2 40, K0 0, unreachable INCONCLUSIVE), with level,
    # next deadline and fixes
    cards = re.findall(r'<div class="card (\w+)"><h3><a href="#[^"]+">([^<]+)</a>', page)
    assert cards == [("L0", "127.0.0.1:8445"), ("L2", "127.0.0.1:8444"),
                     ("L4", "127.0.0.1:8443"), ("undecided", "127.0.0.1:1")]
    assert "2030-01-01: cnsa-2.0 CNSA2-TLS-SIG (ML-DSA-87 authentication)" in top
    assert NGINX_HTML in top
    # the must-change table: a row per (due, requirement), the fix in the same row
    rows = re.findall(r"<tr><td class=\"(FAIL|DUE)\">([^<]+)</td>(.*?)</tr>", page)
    assert [(c, d) for c, d, _ in rows][:3] == [
        ("FAIL", "FAIL now"), ("DUE", "DUE 2030-01-01"), ("DUE", "DUE 2031-01-01")]
    assert NGINX_HTML in rows[2][2] and "ML-DSA-87 -keyout" in rows[1][2]
    ids, links = _ids_and_links(page)
    assert links <= ids and "fix-nginx.ssl-ecdh-curve" in ids and "risk-model" in ids
    timeline = page[page.index("<svg"):page.index("</svg>")]
    assert "2030-01-01: 1 endpoint(s)" in timeline and "now (2026-11-30): 2 endpoint(s)" in timeline
    assert "nist-ir-8547 DUE: 1" in page  # the per-profile results chart
    for code in ("L0", "L4", "K0", "K5", "DUE date", "NOT_TESTED"):
        assert f"<td>{code}</td>" in page or f'class="{code.split()[0]}">{code}</td>' in page
    assert "harvest now, decrypt later" in page and "m_hndl = z - (x + y)" in page
    detail = page[page.index('id="ep-1-127.0.0.1_8444"'):]
    assert "DUE 2030-01-01" in detail and "observed:</strong> leaf: RSA-2048" in detail
    assert "<script" not in page.lower() and "Content-Security-Policy" in page


def test_markdown_table_csv_follow_the_same_model() -> None:
    report = actionable_report()
    md = render(report, "md")
    assert md.splitlines()[2] == f"**{ANSWER}**"
    assert md.index("| FAIL now |") < md.index("| DUE 2030-01-01 |") < md.index(
        "| DUE 2031-01-01 |") < md.index("## Summary")
    assert "| 127.0.0.1:8445 | L0 |" in md and "Readiness: L2 PQ key exchange supported" in md
    assert NGINX_HTML.replace("_", "\\_") in md
    table = render(report, "table")
    assert table.rstrip().endswith(ANSWER) and "DUE 2030-01-01  cert.mldsa87.cnsa2" in table
    assert "- by 2031-01-01: nist-ir-8547 IR8547-KEX-DISALLOWED" in table
    assert f"    fix: {NGINX_FIX}" in table
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", csv_mode="verdicts"))))
    due = next(r for r in rows if r["requirement"] == "CNSA2-TLS-SIG" and r["result"] == "FAIL")
    assert (due["shown_as"], due["in_force"], due["due"], due["fixes"]) == (
        "DUE 2030-01-01", "false", "2030-01-01", "cert.mldsa87.cnsa2")
    eps = {r["target"]: r for r in csv.DictReader(io.StringIO(render(report, "csv")))}
    assert (eps["127.0.0.1:8444"]["readiness_level"], eps["127.0.0.1:8444"]["next_deadline"],
            eps["127.0.0.1:8444"]["fails_now"], eps["127.0.0.1:8444"]["due_later"]) == (
        "L2", "2030-01-01", "1", "2")


def test_sarif_results_carry_fixes_and_due_dates() -> None:
    log = json.loads(render(actionable_report(), "sarif"))
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text())
    assert [e.message for e in Draft4Validator(schema).iter_errors(log)] == []
    results = log["runs"][0]["results"]
    later = next(r for r in results if r["ruleId"] == "nist-ir-8547/IR8547-KEX-DISALLOWED")
    assert later["level"] == "note" and "fails from 2031-01-01" in later["message"]["text"]
    assert (later["properties"]["in_force"], later["properties"]["due"]) == (False, "2031-01-01")
    change = later["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "nginx.conf", "uriBaseId": "SERVERCONFIG"}
    assert change["replacements"][0]["insertedContent"]["text"] == (
        "ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;\n")
    guidance = next(r for r in results if r["ruleId"] == "cnsa-2.0/CNSA2-TLS-SIG")
    assert "fixes" not in guidance  # a certificate procedure is no file edit: help text only
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "Fix: OpenSSL (private / internal PKI) >= 3.5.0" in rules[
        "cnsa-2.0/CNSA2-TLS-SIG"]["help"]["text"]


def test_junit_due_failures_skip_unless_fail_on_due() -> None:
    report = actionable_report()
    root = ET.fromstring(render(report, "junit"))
    assert (root.get("failures"), root.get("skipped")) == ("2", "4")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    kex = cases["cnsa-2.0 CNSA2-TLS-KEX ML-KEM-1024 key establishment"]
    message = kex.find("failure").get("message")  # type: ignore[union-attr]
    assert "in force (due 2025-01-01)" in message and "fix: OpenSSL >= 3.5.0: Groups" in message
    sig = cases["cnsa-2.0 CNSA2-TLS-SIG ML-DSA-87 authentication"]
    skipped = sig.find("skipped").get("message")  # type: ignore[union-attr]
    assert skipped.startswith("DUE 2030-01-01: CNSA2-TLS-SIG fails from 2030-01-01")
    assert "fix: OpenSSL (private / internal PKI)" in skipped
    assert ET.fromstring(render(report, "junit", fail_on_due=4)).get("failures") == "3"
    assert ET.fromstring(render(report, "junit", fail_on_due=5)).get("failures") == "4"
    report["evaluation"]["fail_on_due"] = 4  # as the judgement recorded it
    root = ET.fromstring(render(report, "junit"))
    assert root.get("failures") == "3"
    failure = [c for c in root.iter("testcase") if c.get("name", "").startswith(
        "cnsa-2.0 CNSA2-TLS-SIG")][1].find("failure")
    assert failure is not None and "counted as a failure: due within the 4-year horizon" in \
        failure.get("message", "")


def test_risk_model_in_plain_words_next_to_the_numbers() -> None:
    report = actionable_report()
    k2 = report_risk(report)[1]
    from pqscan.report.legend import risk_sentence

    assert risk_sentence(k2) == (
        "If a quantum computer arrives in 2030 (4 years after the scan): traffic recorded now "
        "could be read while it must still be secret (margin z - (x + y) = -4 years: already "
        "too late), score 35/100; forged certificates or host keys (margin z - y = 1 years), "
        "score 40/100. Confidence 0.29: the share of inputs measured or declared rather than "
        "defaults.")
    page = render(report, "html")
    detail = page[page.index('id="ep-1-127.0.0.1_8444"'):]
    assert detail.index("score 35/100") < detail.index("<th>S_hndl</th>")
    assert "score 35/100" in render(report, "md")


def test_detail_rows_spell_the_first_fix_and_link_the_alternatives() -> None:
    page = render(actionable_report(), "html")
    detail = page[page.index('id="ep-2-127.0.0.1_8445"'):]
    start = detail.index("CNSA2-TLS-KEX")
    row = detail[start:detail.index("</tr>", start)]
    assert "Groups = SecP384r1MLKEM1024:MLKEM1024" in row
    assert 'alternatives: <a href="#fix-openssl.protocol.tls13">' in row
    assert "MaxProtocol = TLSv1.3" not in row  # spelled out in the must-change table and catalogue
    table = page[page.index('id="must-change"'):page.index('id="charts"')]
    assert "MaxProtocol = TLSv1.3" in table
