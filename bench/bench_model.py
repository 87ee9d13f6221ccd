"""Benchmark: the cost of the typed observation model (issue 11) per endpoint.

`Endpoint.from_dict(d).to_dict()` over the saved lab report (tests/data/report/lab-scan.json,
9 endpoints with their full method sheets), against `json.loads(json.dumps(d))` as the yardstick
of touching every value once. The scan pays about half of the round trip per endpoint it
assembles (it builds the typed object and writes it once); readers pay `from_dict` only when
they ask for typed endpoints (`scan.store.reading.load_typed`). Not a test: run
`.venv/bin/python bench/bench_model.py [--seconds 3]`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from pqscan.model.endpoint import Endpoint

REPORT = Path(__file__).resolve().parents[1] / "tests" / "data" / "report" / "lab-scan.json"


def per_endpoint(work: Any, endpoints: list[dict[str, Any]], seconds: float) -> float:
    """Mean seconds per endpoint of `work` over `seconds` of repeated passes."""
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        for endpoint in endpoints:
            work(endpoint)
        done += len(endpoints)
    return (time.perf_counter() - start) / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    endpoints = json.loads(REPORT.read_text("utf-8"))["endpoints"]
    size = sum(len(json.dumps(e)) for e in endpoints) / len(endpoints)
    typed = per_endpoint(lambda e: Endpoint.from_dict(e).to_dict(), endpoints, args.seconds)
    read = per_endpoint(Endpoint.from_dict, endpoints, args.seconds)
    plain = per_endpoint(lambda e: json.loads(json.dumps(e)), endpoints, args.seconds)
    print(f"{len(endpoints)} endpoints, {size / 1024:.1f} KiB of JSON each on average")
    print(f"from_dict + to_dict      {typed * 1e3:7.2f} ms/endpoint")
    print(f"from_dict alone          {read * 1e3:7.2f} ms/endpoint")
    print(f"json dumps + loads       {plain * 1e3:7.2f} ms/endpoint (yardstick)")


if __name__ == "__main__":
    main()
