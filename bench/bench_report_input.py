"""Benchmark: what reading a saved report costs (`evaluate` / `report render`): strict parse,
schema validation, and peak memory, against the report's size.

Builds a report of N copies of the real lab scan in tests/data/report/lab-scan.json, then, in a
fresh subprocess per step (so peak RSS is the step's own), times pqscan.model.document.
load_report (strict JSON + report.schema.json) and prints bytes, endpoints, CPU seconds and
peak RSS. Not part of the test suite: run `python bench/bench_report_input.py [COPIES]`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LAB_SCAN = Path(__file__).resolve().parents[1] / "tests" / "data" / "report" / "lab-scan.json"
_IDLE = """
import resource
import pqscan.model.document, pqscan.model.schema, jsonschema
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
_STEP = """
import resource, sys, time
from pqscan.model.document import load_report
start = time.process_time()
report = load_report(sys.argv[1])
cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(report["endpoints"]), round(cpu, 3), peak)
"""


_MAKE = """
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
report["endpoints"] = report["endpoints"] * int(sys.argv[3])
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(report))
"""


def main(copies: int) -> None:
    # every step in its own process, this one staying small: the ru_maxrss of a child also
    # counts the pages its parent had when it forked
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.json"
        subprocess.run([sys.executable, "-c", _MAKE, str(LAB_SCAN), str(path), str(copies)],
                       check=True)
        size = path.stat().st_size
        idle = subprocess.run([sys.executable, "-c", _IDLE], check=True, capture_output=True,
                              text=True).stdout.split()
        out = subprocess.run([sys.executable, "-c", _STEP, str(path)], check=True,
                             capture_output=True, text=True).stdout.split()
    endpoints, cpu, peak_kib = int(out[0]), float(out[1]), int(out[2])
    added = (peak_kib - int(idle[0])) * 1024
    print(json.dumps({"report_bytes": size, "endpoints": endpoints, "load_cpu_s": cpu,
                      "cpu_ms_per_endpoint": round(1000 * cpu / endpoints, 2),
                      "peak_rss_mib": round(peak_kib / 1024, 1),
                      "idle_rss_mib": round(int(idle[0]) / 1024, 1),
                      "added_rss_per_report_byte": round(added / size, 1)}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
