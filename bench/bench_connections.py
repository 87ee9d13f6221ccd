"""Benchmark (issue 13 item 4): connections and critical-path round trips per endpoint, per depth.

Starts Debian nginx (one ECDSA P-256 and one RSA 2048 port, nginx defaults, as in
bench_farm.py) and the eight DEFAULT_LAB servers on 127.0.0.1, scans each at `quick`,
`standard` and `full` with pqscan in this process, and prints per server and depth:

- connections: the report's method sheet (`probes`; every connection goes through
  `ProbeContext.handshake()`, so this is exact — bench_farm.py also checks it against the
  kernel's TCP counter);
- round trips: the endpoint's `round_trips`, the longest chain of connections each made after
  reading another's answer (the latency floor at one connection per round trip, whatever the
  concurrency);
- the same two figures per probe family (`groups.*`, `suites.*`, ...) with `--by-family`.

Counts do not depend on the machine's load (the servers answer deterministically), so unlike
the timing benchmarks they can be compared run to run. Writes results/connections-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from nginx_farm import NginxFarm
from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.scan.context import ScanOptions
from pqscan.scan.probes.registry import DEPTHS
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target

BENCH_DIR = Path(__file__).resolve().parent


def _family(name: str) -> str:
    return name.split("[")[0].split(".")[0]


def _row(ep: dict[str, Any]) -> dict[str, Any]:
    probes = ep["probes"]
    deepest: dict[str, int] = {}
    for p in probes:
        fam = _family(p["name"])
        deepest[fam] = max(deepest.get(fam, 0), p["round_trip"])
    return {"status": ep["status"], "kex_state": (ep["tls"] or {}).get("kex_state"),
            "connections": len(probes), "round_trips": ep["round_trips"],
            "by_family": {f: {"connections": n, "deepest_round_trip": deepest[f]}
                          for f, n in sorted(Counter(_family(p["name"]) for p in probes).items())}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_connections.py",
                                description=__doc__.split("\n")[0])
    p.add_argument("--depths", default=",".join(DEPTHS))
    p.add_argument("--by-family", action="store_true", help="also print per probe family")
    p.add_argument("--output", type=Path, default=BENCH_DIR / "results" /
                   "connections-latest.json")
    args = p.parse_args(argv)
    depths = [d.strip() for d in args.depths.split(",") if d.strip()]
    work = Path(tempfile.mkdtemp(prefix="pqscan-conn-"))
    results: dict[str, dict[str, Any]] = {}
    with NginxFarm(work / "nginx", 1) as farm, Lab(DEFAULT_LAB, work / "lab") as lab:
        servers = [(f"nginx-{g}", parse_target(t)) for g, t in farm.targets]
        servers += [(e.name, parse_target(f"127.0.0.1:{e.port}", "localhost"))
                    for e in lab.endpoints]
        for depth in depths:
            endpoints = asyncio.run(scan([t for _, t in servers], ScanOptions(timeout=5),
                                         concurrency=32, depth=depth))
            for (name, _), ep in zip(servers, endpoints, strict=True):
                results.setdefault(name, {})[depth] = _row(ep)
    rows = [(name, *(f"{r[d]['connections']} / {r[d]['round_trips']}" for d in depths),
             r[depths[-1]]["kex_state"]) for name, r in results.items()]
    print(tabulate(rows, headers=("server", *(f"{d}: conn / RT" for d in depths),
                                  "K-state")))
    if args.by_family:
        for depth in depths:
            print(f"\n{depth}: connections (deepest round trip) per probe family")
            fams = sorted({f for r in results.values() for f in r[depth]["by_family"]})
            print(tabulate([(name, *(
                f"{r[depth]['by_family'][f]['connections']} "
                f"({r[depth]['by_family'][f]['deepest_round_trip']})"
                if f in r[depth]["by_family"] else "-" for f in fams))
                for name, r in results.items()], headers=("server", *fams)))
    bad = [f"{n} {d}: {r[d]['status']}" for n, r in results.items() for d in depths
           if r[d]["status"] != "ok"]
    for line in bad:
        print(f"  not ok: {line}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["bench/bench_connections.py", *sys.argv[1:]]),
        "note": "counts from the report's method sheet; independent of machine load",
        "results": results}, indent=2) + "\n")
    print(f"written {args.output}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
