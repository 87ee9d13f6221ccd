"""The per-endpoint work after the connections (issue 13, session 7): replayed, measured alone.

Between "the last connection of an endpoint is done" and "its packed JSON line is written" a
scan builds the endpoint (pqscan.scan.assemble), judges it (pqscan.policy.evaluate with the
default profile, pq-baseline), shapes and packs it and encodes it (pqscan.cli.scanrun). This
script captures what the probes found on a real nginx farm once (`--capture FILE`: the facts,
the method-sheet records and the target of every endpoint, pickled), then replays only that
work as many times as asked (`--replay FILE`) and prints CPU per endpoint (process time, best
of `--repeat`), so a change to that path is measured without the connections' noise. With
`--out FILE` the replay writes the report lines it produced: the same capture replayed by two
versions of the code must give the same bytes (`cmp`). `--cprofile` prints where it goes.
`--workers` hands each endpoint across a process boundary as `--workers N` does (pickled and
read back; both sides' CPU counted).
`--instructions` reruns the replay under valgrind (cachegrind, no cache simulation) and
prints user-space instructions per endpoint (the difference between replaying 80 and
80 + N endpoints, so start-up, warming and the model's one-time compiled writers cancel
out). The collector is set as a scan sets it. Loopback only; not in the test suite.

    .venv/bin/python bench/bench_assemble.py --capture /tmp/cap.pickle --endpoints 200
    .venv/bin/python bench/bench_assemble.py --replay /tmp/cap.pickle --repeat 5 --out /tmp/a
    PYTHONPATH=/tmp/before .venv/bin/python bench/bench_assemble.py --replay /tmp/cap.pickle
    .venv/bin/python bench/bench_assemble.py --replay /tmp/cap.pickle --instructions --workers
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pickle
import pstats
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

AS_OF = date(2026, 12, 1)  # fixed, so two replays of one capture give the same bytes
PARENT: list[float] = []  # CPU s of the parent's side per endpoint (--workers)


def capture(path: Path, endpoints: int) -> None:
    from nginx_farm import NginxFarm

    from pqscan.scan import scanner
    from pqscan.scan.context import ScanOptions
    from pqscan.scan.targets import parse_target

    captured: list[tuple[Any, ...]] = []
    real = scanner.build_endpoint

    def keep(target: Any, facts: Any, ctx: Any) -> dict[str, Any]:
        captured.append((target, facts, list(ctx.records), ctx.round_trips))
        return real(target, facts, ctx)

    scanner.build_endpoint = keep  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as d, \
            NginxFarm(Path(d) / "farm", max(1, endpoints // 2)).start() as farm:
        targets = [parse_target(t) for _, t in farm.targets]
        asyncio.run(scanner.scan(targets, ScanOptions(), 256))
    path.write_bytes(pickle.dumps(captured))
    print(f"captured {len(captured)} endpoints to {path}")


def _writer(out: io.StringIO) -> Any:
    from pqscan.cli.scanrun import EndpointWriter
    from pqscan.policy.loader import load_profile
    from pqscan.scan.progress import Progress
    from pqscan.scan.run import RunSettings
    from pqscan.scan.stream import JSONStream

    settings = RunSettings(profiles=(load_profile("pq-baseline"),), as_of=AS_OF, quiet=True,
                           default_profile=True)
    writer = EndpointWriter([JSONStream(out, "2026-12-01T00:00:00Z")], None, settings,
                            Progress(0, True))
    writer.observed_on = AS_OF  # before session 7
    if hasattr(writer, "judge"):
        writer.judge.observed_on = AS_OF
    return writer


def replay_once(captured: list[tuple[Any, ...]], workers: bool = False) -> str:
    """The lines the scan writes for the captured endpoints (the head and tail left out).
    `workers`: as with `--workers N`, what a worker hands the parent crosses a process
    boundary (pickled and read back as multiprocessing's queue does, both sides counted):
    the endpoint, or what the writer's `worker_judge` makes of it in the worker."""
    from multiprocessing.reduction import ForkingPickler

    from pqscan.scan.assemble import build_endpoint
    from pqscan.scan.probes.catalog import DEPTH_SETTINGS

    finish = DEPTH_SETTINGS["standard"].finish
    out = io.StringIO()
    writer = _writer(out)
    prepare = getattr(writer, "worker_judge", None) if workers else None
    head = len(out.getvalue())
    for target, facts, records, round_trips in captured:
        ctx = SimpleNamespace(records=records, round_trips=round_trips)
        endpoint = finish(build_endpoint(target, facts, ctx))  # type: ignore[arg-type]
        if workers:
            sent = ForkingPickler.dumps(endpoint if prepare is None else prepare(endpoint))
            t0 = time.process_time()  # the parent's share: read it back, (judge,) write
            writer.write(pickle.loads(sent))
            PARENT.append(time.process_time() - t0)
        else:
            writer.write(endpoint)
    return out.getvalue()[head:]


def replay(path: Path, repeat: int, out: Path | None, profile: bool, count: int | None,
           workers: bool = False) -> None:
    captured = pickle.loads(path.read_bytes())
    if count is not None:
        captured = captured[:count]
    # the collector as a scan sets it (pqscan.scan.eventloop): the capture frozen like the
    # imported heap, so collections do not walk it and the figures do not depend on its size
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    if not captured:
        return
    replay_once(captured[:2], workers)  # warm: imports, codec plans, profile caches
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        text = replay_once(captured, workers)
        times.append(time.process_time() - t0)
    if out is not None:
        out.write_text(text)
    if workers:
        parent = sorted(PARENT)
        print(f"the parent's share (read back, judge if not judged, write): median "
              f"{1000 * parent[len(parent) // 2]:.3f} ms/endpoint")
    ms = [1000 * t / len(captured) for t in times]
    print(f"{len(captured)} endpoints, {len(text) / len(captured):.0f} bytes each; CPU "
          f"ms/endpoint min/median/max {min(ms):.3f} / {sorted(ms)[len(ms) // 2]:.3f} / "
          f"{max(ms):.3f}; load {os.getloadavg()[0]:.1f}")
    if profile:
        prof = cProfile.Profile()
        prof.runcall(replay_once, captured, workers)
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)


def instructions(path: Path, count: int, workers: bool = False) -> None:
    def run(n: int) -> int:
        argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                "--cachegrind-out-file=/dev/null", sys.executable, __file__, "--replay",
                str(path), "--repeat", "1", "--count", str(n), *(["--workers"] if workers else [])]
        err = subprocess.run(argv, capture_output=True, check=True).stderr
        refs = re.search(rb"I\s+refs:\s+([\d,]+)", err)
        if refs is None:
            raise SystemExit("valgrind printed no instruction count (is valgrind installed?)")
        return int(refs.group(1).replace(b",", b""))

    # the difference: `count` endpoints, nothing else; after 80, so that the model's compiled
    # writers are in place (pqscan.model.codec.COMPILE_AFTER) as in any scan of many endpoints
    base, full = run(80), run(80 + count)
    print(f"{count} endpoints: {(full - base) / count / 1e6:.2f} M instructions/endpoint")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--capture", type=Path, help="scan an nginx farm and pickle the facts here")
    p.add_argument("--endpoints", type=int, default=200)
    p.add_argument("--replay", type=Path, help="replay the capture in FILE")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--count", type=int, default=None, help="replay only the first N")
    p.add_argument("--out", type=Path, help="write the replayed lines here")
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--instructions", action="store_true")
    p.add_argument("--workers", action="store_true",
                   help="hand each endpoint across a process boundary, as --workers N does")
    args = p.parse_args()
    if args.capture:
        capture(args.capture, args.endpoints)
    elif args.replay and args.instructions:
        instructions(args.replay, args.count or 50, args.workers)
    elif args.replay:
        replay(args.replay, args.repeat, args.out, args.cprofile, args.count, args.workers)
    else:
        p.error("--capture FILE or --replay FILE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
