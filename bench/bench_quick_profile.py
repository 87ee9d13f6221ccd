"""Where a `--depth quick` scan's client CPU goes, on an nginx farm (issue 12 items 2 and 3).

Starts `bench_population.nginx_farm(N)` inside a fresh network namespace, byte-compiles pqscan,
then runs `pqscan scan --depth quick --format json --store --quiet --concurrency 256
--per-endpoint 3` (the population benchmark's command) once per size:

- `--cprofile`: with `--workers 1` under cProfile on the process CPU clock, and writes own
  time by area plus the top functions to `results/quick-profile-N.txt` (cProfile's overhead
  inflates every figure about 4x: read the shares);
- otherwise: with `--workers W` (default 2, the default on two cores) and prints wall time,
  endpoints/s and the CPU of the parent (judging, writing, the store) and of the workers
  (the scan) apart, so 1k and 10k can be compared per endpoint.

Not a test. `.venv/bin/python bench/bench_quick_profile.py --sizes 1000,10000 [--cprofile]`.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_farm import IN_NS, PROFILE_DRIVER, _by_area
from bench_population import nginx_farm

BENCH_DIR = Path(__file__).resolve().parent
SPLIT_DRIVER = """import atexit, resource, sys
from pqscan.cli.main import main
def _report():
    s, c = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    sys.stderr.write(f"CPU {s.ru_utime + s.ru_stime:.3f} {c.ru_utime + c.ru_stime:.3f}\\n")
atexit.register(_report)
main()
"""


def _one(size: int, addresses: list[str], work: Path, args: argparse.Namespace) -> None:
    targets = work / f"t-{size}.txt"
    targets.write_text("\n".join(addresses[:size]) + "\n")
    common = ["scan", "-i", str(targets), "--sni", "localhost", "--depth", "quick",
              "--format", "json", "-o", str(work / "r.json"), "--store", str(work / f"s{size}.db"),
              "--quiet", "--concurrency", "256", "--per-endpoint", "3", "--timeout", "10"]
    if args.cprofile:
        prof = work / "out.prof"
        (work / "driver.py").write_text(PROFILE_DRIVER)
        argv = [sys.executable, str(work / "driver.py"), str(prof), *common, "--workers", "1"]
    else:
        (work / "split.py").write_text(SPLIT_DRIVER)
        argv = [sys.executable, str(work / "split.py"), *common, "--workers", str(args.workers)]
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    load = os.getloadavg()[0]
    if args.cprofile:
        text = io.StringIO()
        stats = pstats.Stats(str(prof), stream=text)
        text.write(_by_area(stats))
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(50)
        out = BENCH_DIR / "results" / f"quick-profile-{size}.txt"
        out.write_text(f"# {' '.join(sys.argv)}\n# load {load:.1f}\n"
                       + text.getvalue().replace(str(work), "WORK"))
        print(f"{size}: exit {done.returncode}, profile in {out}")
        return
    split = [ln.split() for ln in done.stderr.splitlines() if ln.startswith("CPU ")]
    parent, workers = (float(split[-1][1]), float(split[-1][2])) if split else (0.0, 0.0)
    print(f"{size}: exit {done.returncode}, wall {wall:.2f} s, {size / wall:.1f} endpoints/s, "
          f"CPU parent {parent:.2f} s + workers {workers:.2f} s = "
          f"{1000 * (parent + workers) / size:.2f} ms per endpoint, load {load:.1f}")


def _in_namespace(argv: list[str]) -> int:
    """Re-run this script in a fresh network namespace (the farm's fixed ports meet no one)."""
    ns = f"pqquick-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, *argv],
                              env={**os.environ, IN_NS: ns}, check=False).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cprofile", action="store_true")
    args = p.parse_args()
    if os.environ.get(IN_NS) is None:
        return _in_namespace(sys.argv[1:])
    sizes = [int(s) for s in args.sizes.split(",")]
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(BENCH_DIR.parent / "pqscan")], check=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="pqscan-quick-") as tmp, \
            nginx_farm(max(sizes), 1) as (addresses, _pids):
        for size in sizes:
            _one(size, addresses, Path(tmp), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
