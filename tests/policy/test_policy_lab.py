"""Every shipped profile judged on the real lab scan: verdicts equal the golden table.

The golden file pairs each (lab server, profile, requirement) with its result at two dates;
regenerate with PQSCAN_REGEN_GOLDEN=1 and review the diff by hand.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pqscan.policy.evaluate import available_profiles, judge_report

pytestmark = pytest.mark.lab
GOLDEN = Path(__file__).parents[1] / "data" / "golden" / "lab-verdicts.json"
DATES = ("2026-06-01", "2036-06-01")


def _table(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for as_of in DATES:
        judged = judge_report(report, available_profiles(), date.fromisoformat(as_of))
        for ep in judged["endpoints"]:
            for v in ep["verdicts"]:
                key = f"{ep['label']} {v['profile']} {v['requirement']}"
                table.setdefault(key, {})[as_of] = v["result"]
    return dict(sorted(table.items()))


def test_lab_verdicts_match_golden(lab_report: dict[str, Any]) -> None:
    table = _table(lab_report)
    if os.environ.get("PQSCAN_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(table, indent=1) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert table == golden


def test_time_travel_on_a_real_endpoint(lab_report: dict[str, Any]) -> None:
    """The classical lab server passes nist-ir-8547 in 2026 and fails it in 2036."""
    classical = [ep for ep in lab_report["endpoints"] if ep["label"] == "classical"]
    report = {**lab_report, "endpoints": classical}
    profiles = [p for p in available_profiles() if p.id == "nist-ir-8547"]
    early = judge_report(report, profiles, date(2026, 6, 1))["endpoints"][0]["verdicts"]
    late = judge_report(report, profiles, date(2036, 6, 1))["endpoints"][0]["verdicts"]
    # in 2026 its 2031/2036 requirements already FAIL, not in force (due); in 2036 in force
    assert not [v for v in early if v["result"] == "FAIL" and v["in_force"]]
    assert {v["due"] for v in early if v["result"] == "FAIL"} == {"2031-01-01", "2036-01-01"}
    assert [v for v in late if v["result"] == "FAIL" and v["severity"] == "MUST"
            and v["in_force"]]
