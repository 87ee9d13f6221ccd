"""Fixed start-up cost of `pqscan scan` (issue 13): one unreachable target, nothing to scan.

Runs `pqscan scan 127.0.0.1:1 --quiet --format jsonl -o /dev/null` (exit 3: unreachable) N
times per package directory, the directories alternating run by run so the machine's load
falls on each alike, and prints wall time and CPU (user + sys from `os.wait4` rusage) min /
median. With `--instructions` each run is under valgrind (cachegrind, no cache simulation)
and the figure is user-space instructions: repeatable to ~0.5 % whatever the load, where the
CPU time moves ±10 % on a shared machine. Byte-compiles each package first, as `pip install`
does (this machine sets PYTHONDONTWRITEBYTECODE=1 and the install is editable: without it
every run would also compile the sources, ~0.1 s). `--no-compile` measures that case: point
it at an export without __pycache__. Port 1 on loopback only. Not part of the test suite.

    .venv/bin/python bench/bench_startup.py --runs 10                  # this checkout
    git archive d7ae1e3 pqscan | tar -x -C /tmp/before                 # A/B against older code
    .venv/bin/python bench/bench_startup.py --runs 10 /tmp/before .
    .venv/bin/python bench/bench_startup.py --runs 1 --instructions /tmp/before .
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCAN = ["scan", "127.0.0.1:1", "--quiet", "--format", "jsonl", "-o", "/dev/null"]
# `python -c` from a scratch directory: the working directory would otherwise come first on
# sys.path and shadow PYTHONPATH with the checkout's own package
LAUNCH = ["-c", "import sys; from pqscan.cli.main import main; sys.argv[0] = 'pqscan'; main()"]


def one_run(package_dir: Path, instructions: bool, extra: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) or (wall s, user-space instructions) of one start-up."""
    argv = [sys.executable, *LAUNCH, *SCAN, *extra]
    if instructions:
        argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                "--cachegrind-out-file=/dev/null", *argv]
    env = {**os.environ, "PYTHONPATH": str(package_dir)}
    with tempfile.TemporaryFile() as errfile:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errfile, env=env,
                                cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - t0
        errfile.seek(0)
        err = errfile.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 3:
        raise SystemExit(f"bench_startup: expected exit 3 (unreachable), got {code}: "
                         f"{err.decode(errors='replace')[-300:]}")
    if not instructions:
        return wall, usage.ru_utime + usage.ru_stime
    found = re.search(rb"I\s+refs:\s+([\d,]+)", err)
    if found is None:
        raise SystemExit("bench_startup: no instruction count from valgrind")
    return wall, float(found.group(1).replace(b",", b""))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dirs", nargs="*", default=[str(ROOT)],
                   help="directories holding a pqscan package (default: this checkout)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--instructions", action="store_true")
    p.add_argument("--no-compile", action="store_true", help="do not byte-compile first")
    p.add_argument("--pqscan-args", default="", help="extra scan arguments")
    args = p.parse_args()
    dirs = [Path(d).resolve() for d in args.dirs]
    if not args.no_compile:
        for d in dirs:
            compileall.compile_dir(str(d / "pqscan"), quiet=1)
    results: dict[Path, list[tuple[float, float]]] = {d: [] for d in dirs}
    for _ in range(args.runs):
        for d in dirs:
            results[d].append(one_run(d, args.instructions, args.pqscan_args.split()))
    for d, runs in results.items():
        walls, costs = [r[0] for r in runs], [r[1] for r in runs]
        if args.instructions:
            cost = f"instructions min {min(costs) / 1e6:,.0f} M / median " \
                   f"{statistics.median(costs) / 1e6:,.0f} M"
        else:
            cost = (f"CPU min {min(costs) * 1e3:.0f} / median "
                    f"{statistics.median(costs) * 1e3:.0f} ms")
        print(f"{d}: {len(runs)} runs, wall min {min(walls) * 1e3:.0f} / median "
              f"{statistics.median(walls) * 1e3:.0f} ms, {cost}")
    print(f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
