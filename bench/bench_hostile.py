"""Benchmark: a scan of N good lab endpoints alone, then the same scan with every hostile peer
of tests/fakepeer.py mixed in (issue 10 "Benchmark").

Prints wall time, client CPU and client peak RSS (os.wait4 rusage of the `pqscan scan`
subprocess: the lab servers and the hostile peers, which run in this process, are not charged
to it) for both runs, the wall time the hostile peers added against the issue's allowance
(connection budget x connections in flight), and checks that the good endpoints' results are
unchanged and that the mixed run with `--store` completed. Not part of the test suite:
`.venv/bin/python bench/bench_hostile.py [--endpoints 40] [--timeout 2]`.
Writes bench/results/hostile.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_scan import BENCH_DIR, DEFAULT_MIX, PROJECT_ROOT, Measurement, measure, pick_endpoints
from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.lab.spec import spec_by_name
from pqscan.model.packed import unpack_report  # reports are written packed (compact-2)
from pqscan.tls.transport import Limits

sys.path.insert(0, str(PROJECT_ROOT / "tests"))
import fakepeer  # noqa: E402 - the hostile peers live with the tests that pin their behaviour

RESULTS = BENCH_DIR / "results" / "hostile.json"
SAME = ("versions", "groups", "group_preference", "negotiated", "kex_state", "cipher_suites",
        "signature_schemes")


def _scan(targets: list[str], work: Path, name: str, args: argparse.Namespace,
          lab: Lab, store: bool) -> tuple[Measurement, dict[str, Any]]:
    listing = work / f"{name}.txt"
    listing.write_text("\n".join(targets) + "\n")
    out = work / f"{name}.json"
    argv = [sys.executable, "-m", "pqscan", "scan", "-i", str(listing), "--sni", "localhost",
            "--timeout", str(args.timeout), "--concurrency", str(args.concurrency),
            "--format", "json", "-o", str(out)]
    if store:
        argv += ["--store", str(work / f"{name}.sqlite")]
    m = measure(name, argv, len(targets), lab.pids, work / f"{name}.log", 900)
    return m, unpack_report(json.loads(out.read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=40, help="good lab endpoints")
    parser.add_argument("--timeout", type=float, default=2.0, help="pqscan --timeout")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    fakepeer.warm()
    peers = {name: fakepeer.serve(handler) for name, handler in fakepeer.HOSTILE.items()}
    hostile = [f"smtp://127.0.0.1:{port}" if name.startswith("smtp") else f"127.0.0.1:{port}"
               for name, (port, _) in peers.items()]
    specs = spec_by_name(DEFAULT_LAB, list(DEFAULT_MIX))
    copies = -(-args.endpoints // len(specs))
    try:
        with Lab(specs, copies=copies) as lab, tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            good = [ep.address for ep in pick_endpoints(lab, args.endpoints)]
            alone, alone_report = _scan(good, work, "good-only", args, lab, store=False)
            mixed, mixed_report = _scan(good + hostile, work, "good+hostile", args, lab,
                                        store=True)
            stored = (work / "good+hostile.sqlite").exists()
    finally:
        for _, close in peers.values():
            close()
    budget = Limits(args.timeout, args.timeout).budget
    by_target = {ep["target"]: ep for ep in alone_report["endpoints"]}
    changed = [ep["target"] for ep in mixed_report["endpoints"] if ep["target"] in by_target
               and any((ep["tls"] or {}).get(k) != (by_target[ep["target"]]["tls"] or {}).get(k)
                       for k in SAME)]
    hostile_eps = [ep for ep in mixed_report["endpoints"] if ep["target"] not in by_target]
    added = mixed.wall_s - alone.wall_s
    allowance = budget * args.concurrency
    rows = [[m.tool, m.endpoints, f"{m.wall_s:.1f}", f"{m.cpu_s:.1f}", f"{m.peak_rss_mb:.0f}",
             m.exit_code] for m in (alone, mixed)]
    print(tabulate(rows, headers=["run", "endpoints", "wall s", "client CPU s",
                                  "peak RSS MB", "exit"]))
    print(f"\nhostile peers: {len(hostile)}; added wall {added:.1f} s (allowance: connection "
          f"budget {budget:g} s x {args.concurrency} in flight = {allowance:g} s); added CPU "
          f"{mixed.cpu_s - alone.cpu_s:.1f} s")
    print(f"good endpoints changed by the hostile mix: {len(changed)} {changed[:3]}")
    print(f"--store completed: {stored}; hostile endpoints not 'ok': "
          f"{sum(ep['status'] != 'ok' for ep in hostile_eps)}/{len(hostile_eps)}")
    for ep in hostile_eps:
        print(f"  {ep['target']}: {ep['status']}: {ep['error']}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "args": vars(args), "runs": [alone.to_dict(), mixed.to_dict()],
        "added_wall_s": round(added, 2), "allowance_s": allowance,
        "good_changed": changed, "store_completed": stored}, indent=1) + "\n")
    return 0 if not changed and stored and added <= allowance else 1


if __name__ == "__main__":
    raise SystemExit(main())
