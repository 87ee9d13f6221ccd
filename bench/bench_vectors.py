"""Full `pqscan vectors run` with the four README adapters: coverage, skips, failures, time.

    .venv/bin/python bench/bench_vectors.py [--jobs 2] [--out FILE] [-- --family ml-kem ...]

Runs the CLI as a subprocess (JSON report to a temporary file), then prints the figures the
README quotes: cases checked / skipped per source (ACVP, Wycheproof, differential), failures,
skip reasons and the wall time. Not a test: the figures move with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

IMPLS = ("cryptography", "dilithium-py", "slh-dsa", "kyber-py")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("extra", nargs="*", help="more `vectors run` options, after --")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "vectors.json"
        cmd = [sys.executable, "-m", "pqscan", "vectors", "run", "--no-progress", "--format",
               "json", "-o", str(report), "--jobs", str(args.jobs)]
        for impl in IMPLS:
            cmd += ["--impl", impl]
        cmd += args.extra
        start = time.monotonic()
        code = subprocess.run(cmd, check=False).returncode
        wall = time.monotonic() - start
        doc = json.loads(report.read_text())
    # A case is checked when some implementation passed or failed it; the vectors' cases are
    # counted once per (vector set, group) over all implementations.
    per_case: dict[tuple[str, str], dict[str, int]] = {}
    for r in doc["results"]:
        e = per_case.setdefault((r["vector_set"], r["group"]), {"cases": 0, "checked": 0})
        e["cases"] = max(e["cases"], r["passed"] + r["failed"] + r["skipped"])
        e["checked"] = max(e["checked"], r["passed"] + r["failed"])
    sources: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    for (vector_set, _), e in per_case.items():
        src = vector_set.split("/")[0]
        sources[src] += e["cases"]
        checked[src] += e["checked"]
    figures = {
        "exit_code": code, "wall_seconds": round(wall, 1), "jobs": args.jobs, "impls": doc["impls"],
        "cases": dict(sources), "checked": dict(checked),
        "skipped_percent": {s: round(100 * (sources[s] - checked[s]) / sources[s], 2)
                            for s in sources},
        "failures": doc["totals"]["failed"], "disagreements": len(doc["disagreements"]),
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
