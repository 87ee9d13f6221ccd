"""Client CPU per connection on an nginx farm (issue 13 item 1), quick to run while optimising.

Starts Debian nginx on N loopback ports (half ECDSA P-256, half RSA 2048; bench/nginx_farm.py),
then runs `pqscan scan --workers 1 --profile none` as a subprocess `--repeat` times and reads its
CPU (user + sys) from `os.wait4` rusage, so the servers' CPU is never charged to the client.
Prints CPU per connection (the report's `connections`) and the marginal CPU per connection
over a one-endpoint scan (interpreter start, imports, report writing). Byte-compiles pqscan
first, as `pip install` does, so the figures do not include compiling the sources.
`--env K=V` runs the scanner with an extra environment variable (A/B: `PQSCAN_EVENT_LOOP=asyncio`).
Loopback only. Not part of the test suite.

    .venv/bin/python bench/bench_cpu.py --endpoints 300 --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nginx_farm import NginxFarm

ROOT = Path(__file__).resolve().parent.parent


def _scan(pqscan: str, targets: Path, out: Path, extra: list[str],
          env: dict[str, str]) -> tuple[float, float, int]:
    """(client CPU s, wall s, connections) of one scan."""
    t0 = time.monotonic()
    # --profile is repeatable and 'none' cannot be combined: the default only when not given
    judge = [] if "--profile" in extra else ["--profile", "none"]
    proc = subprocess.Popen([pqscan, "scan", "-i", str(targets), "--workers", "1", *judge,
                             "--format", "json", "-o", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    report = json.loads(out.read_text())
    connections = sum(int(e.get("connections") or 0) for e in report["endpoints"])
    return usage.ru_utime + usage.ru_stime, wall, connections


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoints", type=int, default=300)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--env", action="append", default=[], metavar="K=V")
    p.add_argument("--pqscan-args", default="", help="extra scan arguments")
    args = p.parse_args()
    compileall.compile_dir(str(ROOT / "pqscan"), quiet=1)
    env = {**os.environ, **dict(kv.split("=", 1) for kv in args.env)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pqscan = str(Path(sys.executable).with_name("pqscan"))
    with tempfile.TemporaryDirectory() as d, \
            NginxFarm(Path(d) / "farm", max(1, args.endpoints // 2)).start() as farm:
        work = Path(d)
        targets, one = work / "targets.txt", work / "one.txt"
        targets.write_text("".join(f"{t}\n" for _, t in farm.targets))
        one.write_text(f"{farm.targets[0][1]}\n")
        extra = args.pqscan_args.split()
        base = min(_scan(pqscan, one, work / "o.json", extra, env)[0] for _ in range(2))
        per_conn, marginal, per_endpoint = [], [], []
        for k in range(args.repeat):
            cpu, wall, conns = _scan(pqscan, targets, work / "o.json", extra, env)
            per_conn.append(1000 * cpu / conns)
            marginal.append(1000 * (cpu - base) / conns)
            per_endpoint.append(1000 * (cpu - base) / len(farm.targets))
            print(f"run {k + 1}: {len(farm.targets)} endpoints, {conns} connections, "
                  f"CPU {cpu:.2f} s (one-endpoint scan {base:.2f} s), wall {wall:.2f} s, "
                  f"{per_conn[-1]:.3f} ms/connection, marginal {marginal[-1]:.3f}")
        print(f"client CPU ms/connection min/median/max: {min(per_conn):.3f} / "
              f"{statistics.median(per_conn):.3f} / {max(per_conn):.3f}; marginal "
              f"{min(marginal):.3f} / {statistics.median(marginal):.3f} / {max(marginal):.3f}; "
              f"marginal ms/endpoint {min(per_endpoint):.2f} / "
              f"{statistics.median(per_endpoint):.2f} / {max(per_endpoint):.2f}; "
              f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
