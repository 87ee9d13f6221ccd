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

`--latency MS` also times what the round trips cost: each server alone (standard depth,
`--per-endpoint` connections at a time) through `delay_relay.py`, which holds every chunk MS
each way (the TCP handshake itself is not delayed), best of `--repeat` runs, in seconds and
in round trips felt (wall / 2·MS). The relay listens on 127.0.0.2 (loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from nginx_farm import NginxFarm
from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target

BENCH_DIR = Path(__file__).resolve().parent
DEPTHS = ("quick", "standard", "full")
RELAY_HOST = "127.0.0.2"


def _family(name: str) -> str:
    return name.split("[")[0].split(".")[0]


def _row(ep: dict[str, Any]) -> dict[str, Any]:
    probes = ep["probes"]
    deepest: dict[str, int] = {}
    for p in probes:
        fam = _family(p["name"])
        deepest[fam] = max(deepest.get(fam, 0), p.get("round_trip", 0))
    return {"status": ep["status"], "kex_state": (ep["tls"] or {}).get("kex_state"),
            "connections": len(probes), "round_trips": ep.get("round_trips"),
            "by_family": {f: {"connections": n, "deepest_round_trip": deepest[f]}
                          for f, n in sorted(Counter(_family(p["name"]) for p in probes).items())}}


def _timed(servers: list[tuple[str, Any]], ms: float, repeat: int, per_endpoint: int,
           work: Path) -> dict[str, dict[str, float]]:
    ports = [str(t.port) for _, t in servers]
    ready = work / "relay.ready"
    relay = subprocess.Popen([sys.executable, str(BENCH_DIR / "delay_relay.py"), str(ms / 1000),
                              RELAY_HOST, "127.0.0.1", str(ready), *ports])
    try:
        while not ready.exists():
            if relay.poll() is not None:
                raise RuntimeError("delay relay exited")
            time.sleep(0.05)
        out: dict[str, dict[str, float]] = {}
        options = ScanOptions(timeout=10, per_endpoint=per_endpoint)
        for name, target in servers:
            via = parse_target(f"{RELAY_HOST}:{target.port}", target.sni)
            walls = []
            for _ in range(repeat):
                start = time.monotonic()
                asyncio.run(scan([via], options, concurrency=per_endpoint))
                walls.append(time.monotonic() - start)
            out[name] = {"best_s": round(min(walls), 3),
                         "round_trips_felt": round(min(walls) / (2 * ms / 1000), 1)}
        return out
    finally:
        relay.terminate()
        relay.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_connections.py",
                                description=__doc__.split("\n")[0])
    p.add_argument("--depths", default=",".join(DEPTHS))
    p.add_argument("--by-family", action="store_true", help="also print per probe family")
    p.add_argument("--latency", type=float, default=0.0, help="ms each way (0: no timing)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--per-endpoint", type=int, default=ScanOptions().per_endpoint)
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
        timed = _timed(servers, args.latency, args.repeat, args.per_endpoint, work) \
            if args.latency else {}
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
    if timed:
        print(f"\nstandard depth alone through {args.latency:g} ms each way, "
              f"--per-endpoint {args.per_endpoint}, best of {args.repeat}")
        print(tabulate([(n, t["best_s"], t["round_trips_felt"]) for n, t in timed.items()],
                       headers=("server", "wall s", "round trips felt (wall / RTT)")))
    bad = [f"{n} {d}: {r[d]['status']}" for n, r in results.items() for d in depths
           if r[d]["status"] != "ok"]
    for line in bad:
        print(f"  not ok: {line}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["bench/bench_connections.py", *sys.argv[1:]]),
        "note": "counts from the report's method sheet; independent of machine load",
        "results": results,
        "latency": {"ms_each_way": args.latency, "per_endpoint": args.per_endpoint,
                    "repeat": args.repeat, "timed": timed} if timed else None},
        indent=2) + "\n")
    print(f"written {args.output}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
