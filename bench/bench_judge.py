"""Cost of judging at judge time (issue 11): `judge_report` over N endpoints (the golden TLS and
SSH endpoints of tests/data/golden/verdicts, repeated), with every shipped profile, compared
with the same loop minus `rederive` (the recomputation of derived fields).

    .venv/bin/python bench/bench_judge.py --endpoints 2000 --repeat 5

Prints endpoints/s for both (best of --repeat, interleaved) and the share rederive adds.
No network, no lab.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from datetime import date
from pathlib import Path
from unittest import mock

from pqscan.policy import evaluate as evaluation
from pqscan.policy.evaluate import available_profiles, judge_report

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden" / "verdicts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    samples = [json.loads(p.read_text())["endpoint"] for p in sorted(GOLDEN.glob("*.json"))]
    endpoints = [copy.deepcopy(samples[i % len(samples)]) for i in range(args.endpoints)]
    report = {"schema_version": "1", "tool": {"name": "pqscan", "version": "0"},
              "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
              "endpoints": endpoints}
    profiles = available_profiles()
    judge_report(report, profiles, date(2026, 6, 1))  # warm caches (registries, profiles)

    def timed() -> float:
        start = time.perf_counter()
        judge_report(report, profiles, date(2026, 6, 1))
        return time.perf_counter() - start

    fulls, withouts = [], []
    for _ in range(args.repeat):  # interleaved, best of N: the machine may be shared
        fulls.append(timed())
        with mock.patch.object(evaluation, "rederive", lambda endpoint: []):
            withouts.append(timed())
    full, without = min(fulls), min(withouts)
    n = len(endpoints)
    print(f"{n} endpoints, {len(profiles)} profiles")
    print(f"judge_report:              {n / full:8.0f} endpoints/s ({full:.2f} s)")
    print(f"judge_report - rederive:   {n / without:8.0f} endpoints/s ({without:.2f} s)")
    print(f"rederive share of judging: {100 * (full - without) / full:.1f} %")


if __name__ == "__main__":
    main()
