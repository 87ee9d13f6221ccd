"""Benchmark: `pqscan stats` throughput and peak memory over 1k, 10k, 50k endpoints.

The endpoints are the eight DEFAULT_LAB servers' real scan results (scanned once at start),
copied under distinct targets, with every third endpoint unreachable and a metadata file
putting them in 20 sectors. `probes` is dropped from the copies (as `--probes none` would),
so the file stays near 4 KB per endpoint; one run with the full probes shows that the per-
endpoint size does not change the memory picture. Each measurement is one `pqscan stats`
subprocess (`--by sector --profile pq-baseline --format json`); peak RSS and CPU come from its
own rusage (os.wait4); a last case compares two runs of the largest size (`--compare 1 2`,
which keeps one byte per share per endpoint of both runs). Not part of the test suite:

    .venv/bin/python bench/bench_stats.py [--sizes 1000,10000,50000]

Writes bench/results/stats-latest.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_scan import peak_rss_kb
from tabulate import tabulate

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "stats-latest.json"


def lab_endpoints() -> list[dict[str, Any]]:
    from pqscan.lab import DEFAULT_LAB, Lab
    from pqscan.scan.context import ScanOptions
    from pqscan.scan.run import run_scan
    from pqscan.scan.targets import parse_target

    with Lab(DEFAULT_LAB) as lab:
        targets = [parse_target(e.address, "localhost") for e in lab.endpoints]
        return list(run_scan(targets, ScanOptions(timeout=5), concurrency=32)["endpoints"])


def write_inputs(base: list[dict[str, Any]], size: int, folder: Path,
                 keep_probes: bool) -> tuple[Path, Path]:
    report, meta = folder / f"r{size}{'-full' if keep_probes else ''}.json", folder / f"m{size}.csv"
    with report.open("w") as out, meta.open("w") as rows:
        out.write('{"schema_version": "1", "started_at": "2026-11-30T00:00:00Z", "endpoints": [')
        rows.write("target,sector\n")
        for i in range(size):
            endpoint = dict(base[i % len(base)])
            endpoint["target"] = f"host{i}.example:443"
            endpoint["host"] = f"host{i}.example"
            if not keep_probes:
                endpoint["probes"] = []
            if i % 3 == 2:
                endpoint.update(status="unreachable", tls=None, error="timed out")
            out.write(("," if i else "") + json.dumps(endpoint))
            rows.write(f"host{i}.example:443,sector{i % 20}\n")
        out.write("]}\n")
    return report, meta


def measure(report: Path, meta: Path, compare_with: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, "-m", "pqscan", "stats", str(report), "--metadata", str(meta),
               "--by", "sector", "--profile", "pq-baseline", "--format", "json",
               "-o", os.devnull]
    if compare_with is not None:
        command[4:4] = [str(compare_with)]
        command += ["--compare", "1", "2"]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak = 0  # VmHWM polled, not ru_maxrss (inherits this process's peak: bench_scan)
    while True:
        peak = max(peak, peak_rss_kb(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"pqscan stats failed ({status}) on {report}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round((peak or usage.ru_maxrss) / 1024, 1),
            "file_mb": round(report.stat().st_size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = lab_endpoints()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(n, False, False) for n in sizes] + [(sizes[0], True, False),
                                                      (sizes[-1], False, True)]
        for size, full, compare in cases:
            report, meta = write_inputs(base, size, Path(tmp), keep_probes=full)
            other = None
            if compare:  # the same endpoints again, a second run
                other = report.with_name(f"b{size}.json")
                report.rename(other)
                report, meta = write_inputs(base, size, Path(tmp), keep_probes=full)
            result = {"endpoints": size * (2 if compare else 1),
                      "probes": "full" if full else "none",
                      "runs": "2, --compare" if compare else "1",
                      **measure(report, meta, other)}
            result["endpoints_per_s"] = round(result["endpoints"] / result["wall_s"])
            rows.append(result)
            report.unlink()
            print(json.dumps(result), flush=True)
    print(tabulate(rows, headers="keys"))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "note": "shared 2-core machine; other work was running"},
        "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
