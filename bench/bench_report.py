"""Benchmark: rendering a judged report (issue 14 model) in every format at 100, 1k, 5k endpoints.

The endpoints are the nine of tests/data/report/lab-scan.json (a real scan of the eight lab
servers plus an unreachable one), judged once with cnsa-2.0 and nist-ir-8547 (readiness,
due dates, fixes), then copied under distinct targets. Each format is rendered in-process
(`pqscan.report.render.render`); CPU seconds are process time, peak memory is tracemalloc's
peak during that render. Not part of the test suite:

    .venv/bin/python bench/bench_report.py [--sizes 100,1000,5000] [--formats html,md,...]

Writes bench/results/report-latest.json.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import platform
import time
import tracemalloc
from pathlib import Path
from typing import Any

from tabulate import tabulate

BENCH_DIR = Path(__file__).resolve().parent
SOURCE = BENCH_DIR.parent / "tests" / "data" / "report" / "lab-scan.json"
RESULTS = BENCH_DIR / "results" / "report-latest.json"
FORMATS = ("html", "md", "table", "csv", "sarif", "junit")


def judged_report(size: int) -> dict[str, Any]:
    from pqscan.policy.evaluate import judge_report
    from pqscan.policy.loader import load_profile

    base = json.loads(SOURCE.read_text("utf-8"))
    judged = judge_report(base, [load_profile(p) for p in ("cnsa-2.0", "nist-ir-8547")],
                          datetime.date(2026, 11, 30))
    endpoints = []
    for i in range(size):
        ep = copy.deepcopy(judged["endpoints"][i % len(judged["endpoints"])])
        ep["target"] = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:443"
        ep["host"], ep["probes"] = ep["target"].rsplit(":", 1)[0], []
        endpoints.append(ep)
    return judged | {"endpoints": endpoints}


def measure(report: dict[str, Any], fmt: str) -> dict[str, Any]:
    from pqscan.report.render import render

    tracemalloc.start()
    start = time.process_time()
    out = render(report, fmt)
    cpu = time.process_time() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"format": fmt, "endpoints": len(report["endpoints"]), "cpu_s": round(cpu, 2),
            "peak_mib": round(peak / 2**20, 1), "output_mib": round(len(out) / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        report = judged_report(size)
        rows += [measure(report, fmt) for fmt in args.formats.split(",")]
    print(tabulate(rows, headers="keys"))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"python": platform.python_version(),
                                   "machine": platform.machine(), "note": "shared machine",
                                   "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
