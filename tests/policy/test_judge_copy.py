"""judge_report never changes the report it was given, however many profiles judge it
(it re-derives nested fields, so it must copy deeply; issue 13 looked at that copy)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

from pqscan.cli.policy import resolve_profiles
from pqscan.policy.evaluate import judge_report

REPORT = Path(__file__).resolve().parents[1] / "data" / "report" / "lab-scan.json"


def test_judging_leaves_the_input_report_untouched() -> None:
    report = json.loads(REPORT.read_text())
    for ep in report["endpoints"]:
        ep.pop("findings", None)
        ep.pop("verdicts", None)
    before = copy.deepcopy(report)
    profiles = resolve_profiles(("cnsa-2.0", "pq-baseline"), ())
    judged = judge_report(report, profiles, date(2031, 1, 1))
    assert report == before
    assert all("findings" in ep and "verdicts" in ep for ep in judged["endpoints"])
    assert any(ep["verdicts"] for ep in judged["endpoints"])
    assert all("findings" not in ep for ep in report["endpoints"])
