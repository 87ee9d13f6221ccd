"""Client CPU per connection on an nginx farm (issue 13 item 1), quick to run while optimising.

Starts Debian nginx on N loopback ports (half ECDSA P-256, half RSA 2048; bench/nginx_farm.py),
then runs `pqscan scan --workers 1 --profile none` as a subprocess `--repeat` times and reads its
CPU (user + sys) from `os.wait4` rusage, so the servers' CPU is never charged to the client.
Prints CPU per connection (the report's `connections`) and the marginal CPU per connection
over a one-endpoint scan (interpreter start, imports, report writing). Byte-compiles pqscan
first, as `pip install` does, so the figures do not include compiling the sources.
`--env K=V` runs the scanner with an extra environment variable (A/B: `PQSCAN_EVENT_LOOP=asyncio`).
`--instructions` runs each scan under valgrind (cachegrind, no cache simulation) and prints
user-space instructions per connection instead: slow (~25x) but nearly free of the machine's
load, so small steps can be compared on a shared machine (use ~20 endpoints).
`--pythonpath DIR` scans with the pqscan package found in DIR (A/B against an export of older
code: `git archive REV pqscan | tar -x -C DIR`). Loopback only. Not part of the test suite.

    .venv/bin/python bench/bench_cpu.py --endpoints 300 --repeat 3
    .venv/bin/python bench/bench_cpu.py --endpoints 20 --repeat 1 --instructions
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_scan import _proc_cpu
from nginx_farm import NginxFarm

ROOT = Path(__file__).resolve().parent.parent


def _scan(targets: Path, out: Path, extra: list[str], env: dict[str, str],
          instructions: bool = False, servers: Sequence[int] = ()
          ) -> tuple[float, float, int, float]:
    """(client CPU s, or instructions with `instructions`; wall s; connections; CPU s of the
    `servers` processes meanwhile) of one scan."""
    t0 = time.monotonic()
    server0 = _proc_cpu(servers)
    # --profile is repeatable and 'none' cannot be combined: the default only when not given
    judge = [] if "--profile" in extra else ["--profile", "none"]
    argv = [sys.executable, "-c", "import sys; from pqscan.cli.main import main; "
            "sys.argv[0] = 'pqscan'; main()", "scan", "-i", str(targets), "--workers", "1",
            *judge, "--format", "json", "-o", str(out), *extra]
    if instructions:
        argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                "--cachegrind-out-file=/dev/null", *argv]
    with tempfile.TemporaryFile() as errfile:
        # run from the scratch directory: `python -c` puts the working directory first on
        # sys.path, which would shadow --pythonpath with the checkout's own package
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errfile, env=env,
                                cwd=targets.parent)
        _, _, usage = os.wait4(proc.pid, 0)
        errfile.seek(0)
        err = errfile.read()
    wall = time.monotonic() - t0
    server = _proc_cpu(servers) - server0
    report = json.loads(out.read_text())
    connections = sum(int(e.get("connections") or 0) for e in report["endpoints"])
    if instructions:
        refs = re.search(rb"I\s+refs:\s+([\d,]+)", err)
        if refs is None:
            raise SystemExit("valgrind printed no instruction count (is valgrind installed?)")
        return int(refs.group(1).replace(b",", b"")), wall, connections, server
    return usage.ru_utime + usage.ru_stime, wall, connections, server


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--endpoints", type=int, default=300)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--env", action="append", default=[], metavar="K=V")
    p.add_argument("--pqscan-args", default="", help="extra scan arguments")
    p.add_argument("--instructions", action="store_true",
                   help="count user-space instructions under valgrind instead of CPU time")
    p.add_argument("--pythonpath", default=None, help="scan with the pqscan package in DIR")
    args = p.parse_args()
    source = Path(args.pythonpath) if args.pythonpath else ROOT
    compileall.compile_dir(str(source / "pqscan"), quiet=1)
    env = {**os.environ, **dict(kv.split("=", 1) for kv in args.env)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.pythonpath:
        env["PYTHONPATH"] = str(source)
    unit, scale = ("k instructions", 1e-3) if args.instructions else ("ms", 1000.0)
    with tempfile.TemporaryDirectory() as d, \
            NginxFarm(Path(d) / "farm", max(1, args.endpoints // 2)) as farm:
        work = Path(d)
        targets, one = work / "targets.txt", work / "one.txt"
        targets.write_text("".join(f"{t}\n" for _, t in farm.targets))
        one.write_text(f"{farm.targets[0][1]}\n")
        extra = args.pqscan_args.split()
        base = min(_scan(one, work / "o.json", extra, env, args.instructions)[0]
                   for _ in range(1 if args.instructions else 2))
        per_conn, marginal, per_endpoint, server_ms = [], [], [], []
        for k in range(args.repeat):
            cost, wall, conns, server = _scan(targets, work / "o.json", extra, env,
                                              args.instructions, farm.pids)
            server_ms.append(1000 * server / len(farm.targets))
            per_conn.append(scale * cost / conns)
            marginal.append(scale * (cost - base) / conns)
            per_endpoint.append(scale * (cost - base) / len(farm.targets))
            what = (f"{cost / 1e9:.3f} G instructions (one-endpoint scan {base / 1e9:.3f} G)"
                    if args.instructions else
                    f"CPU {cost:.2f} s (one-endpoint scan {base:.2f} s)")
            print(f"run {k + 1}: {len(farm.targets)} endpoints, {conns} connections, {what}, "
                  f"wall {wall:.2f} s, {per_conn[-1]:.3f} {unit}/connection, "
                  f"marginal {marginal[-1]:.3f}; nginx CPU {server_ms[-1]:.2f} ms/endpoint")
        label = "user-space instructions" if args.instructions else "client CPU"
        print(f"{label} {unit}/connection min/median/max: {min(per_conn):.3f} / "
              f"{statistics.median(per_conn):.3f} / {max(per_conn):.3f}; marginal "
              f"{min(marginal):.3f} / {statistics.median(marginal):.3f} / {max(marginal):.3f}; "
              f"marginal {unit}/endpoint {min(per_endpoint):.2f} / "
              f"{statistics.median(per_endpoint):.2f} / {max(per_endpoint):.2f}; nginx CPU "
              f"ms/endpoint {min(server_ms):.2f} / {statistics.median(server_ms):.2f} / "
              f"{max(server_ms):.2f}; load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
