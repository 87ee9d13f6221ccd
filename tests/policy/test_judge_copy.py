"""judge_report copies only what it writes (issue 13: no deep copy of a large report) and
never changes the report it was given, however many profiles judge it."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

from pqscan.policy import judge_report
from pqscan.policy_commands import resolve_profiles

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
