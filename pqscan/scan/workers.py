"""Scanning on several cores (`--workers N`, issue 13): endpoints sharded across processes.

Each worker process runs its own event loop over its shard (`pqscan.scan.scanner.scan_stream`)
and sends every endpoint back the moment it is done; the parent hands each one to `on_result`
(the streaming output and the store's one writer live in the parent only) and keeps only which
targets came back, so its memory does not grow with the endpoints. Endpoints are never split:
one endpoint's connections stay in one process, so the per-endpoint politeness limit holds.
`--concurrency` and `--rate` are divided between the workers exactly (shares summing to the
whole), so the connections in flight and the new connections per second stay within them.

SIGINT and SIGTERM stop the pool cleanly: the parent passes SIGTERM on to every worker, each
worker stops starting endpoints and drops the ones in flight (as the one-process scan does),
everything already sent back is still written, and `run_workers` returns the signal's name
(the caller marks the report incomplete). A worker that dies leaves its unfinished endpoints
as "error" endpoints naming the worker; the rest of the scan goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from pqscan.scan import eventloop
from pqscan.scan.context import ScanOptions
from pqscan.scan.targets import Target

# How long the parent waits for a message before checking that the workers are alive.
_POLL_SECONDS = 0.5
# After a stop signal, how long workers get to drop their endpoints in flight and exit.
_STOP_GRACE_SECONDS = 10.0
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# endpoints a worker may have handed over that the parent has not taken yet: enough to keep
# the parent busy, few enough that memory stays flat when it is the slower side (issue 12)
_QUEUED_PER_WORKER = 32
_BACKPRESSURE_POLL_SECONDS = 0.005
Prepare = Callable[[dict[str, Any]], object]  # what a worker makes of an endpoint it sends


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask), the default of --workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_plan(concurrency: int, rate: float | None, workers: int
                ) -> list[tuple[int, float | None]]:
    """Each worker's (connection ceiling, new connections per second): `concurrency` split
    into integers that differ by at most one and sum to it (at least 1 each: a worker needs a
    connection to make progress), `rate` into equal shares summing to it."""
    return [(max(1, concurrency // workers + (k < concurrency % workers)),
             rate / workers if rate else None) for k in range(workers)]


def _worker(index: int, targets: list[Target], options: ScanOptions, concurrency: int,
            out: Any, depth: str, rate: float | None, prepare: Prepare | None = None) -> None:
    """One worker process: scan the shard with its own event loop, stream every endpoint
    (as `prepare` makes it, when given); SIGTERM or SIGINT stops it cleanly (endpoints in
    flight are dropped)."""
    from pqscan.scan.scanner import scan_stream
    from pqscan.scan.store import endpoint_key

    async def hand_over(endpoint: dict[str, Any]) -> None:
        key = endpoint_key(endpoint)
        payload = endpoint if prepare is None else prepare(endpoint)
        # `out` is bounded: when the parent (judging, writing, the store) falls behind, the
        # scan pauses instead of piling endpoints up in this process's queue buffer, whose
        # memory would grow with the list. A blocking put would stall the event loop and
        # with it every connection's deadline, so the loop polls instead.
        while True:
            try:
                out.put_nowait(("endpoint", index, (key, payload)))
                return
            except queue.Full:
                await asyncio.sleep(_BACKPRESSURE_POLL_SECONDS)

    async def main() -> bool:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in _STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        await scan_stream(targets, options, concurrency, hand_over, depth=depth, rate=rate,
                          stop=stop)
        return stop.is_set()

    try:
        stopped = eventloop.run(main())
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which carries on
        out.put(("failed", index, f"{type(exc).__name__}: {exc}"))
        return
    out.put(("stopped" if stopped else "done", index, None))


class _Signals:
    """SIGINT/SIGTERM noted (not raised) while the pool runs, in the main thread only."""

    def __init__(self) -> None:
        self.caught: list[str] = []
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in _STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.caught.append(signal.Signals(signum).name)

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)


def run_workers(targets: Sequence[Target], options: ScanOptions, concurrency: int,
                workers: int, on_result: Callable[[Any], object],
                depth: str = "standard", rate: float | None = None,
                prepare: Prepare | None = None) -> str | None:
    """Scan `targets` with `workers` processes, handing every endpoint to `on_result` in this
    process as it arrives; the name of the signal that stopped the scan, if one did.
    `prepare`: run on each endpoint in its worker, and what it returns is handed over instead
    (the command line judges and encodes there: pqscan.cli.scanrun.Judged; this process then
    only writes, and no endpoint dict is pickled across). An endpoint this process makes up
    for a worker that died is handed over as an endpoint either way."""
    from pqscan.scan.assemble import unreachable_endpoint
    from pqscan.scan.context import ProbeContext
    from pqscan.scan.store import target_key

    workers = max(1, min(workers, len(targets)))
    shards = [list(targets[k::workers]) for k in range(workers)]  # round robin: mixed shards
    plan = worker_plan(concurrency, rate, workers)
    # fork is cheapest (no re-import) and safe while this process has one thread; with other
    # threads running (a lock held there would stay held in the child) spawn instead. Either
    # way the workers are our own children, joined below, so their CPU is ours in rusage.
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    import multiprocessing  # here, not at the top: a one-process scan never loads it (and
    # pickle with it), ~3 ms of every scan's start-up (issue 13)

    ctx: Any = multiprocessing.get_context(method)
    out = ctx.Queue(maxsize=_QUEUED_PER_WORKER * workers)
    procs = [ctx.Process(target=_worker, args=(k, shards[k], options, plan[k][0], out, depth,
                                               plan[k][1], prepare),
                         name=f"pqscan-worker-{k}", daemon=True) for k in range(workers)]
    returned: set[str] = set()
    failed: dict[int, str] = {}
    finished: set[int] = set()
    with _Signals() as signals:
        for p in procs:
            p.start()
        stop_sent: float | None = None
        try:
            while len(finished) < workers:
                if signals.caught and stop_sent is None:
                    stop_sent = time.monotonic()
                    for p in procs:
                        if p.is_alive() and p.pid is not None:
                            with contextlib.suppress(ProcessLookupError):  # it just ended
                                os.kill(p.pid, signal.SIGTERM)
                if stop_sent is not None and time.monotonic() - stop_sent > _STOP_GRACE_SECONDS:
                    break  # a worker that ignores the stop: killed below
                try:
                    kind, k, payload = out.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    for k2, p in enumerate(procs):  # a worker killed without a word (OOM)
                        if k2 not in finished and not p.is_alive() and out.empty():
                            failed[k2] = f"exit code {p.exitcode}"
                            finished.add(k2)
                    continue
                if kind == "endpoint":
                    key, result = payload
                    returned.add(key)
                    on_result(result)
                else:
                    finished.add(k)
                    if kind == "failed":
                        failed[k] = payload
        finally:
            for p in procs:
                p.join(timeout=5)
                if p.is_alive():
                    p.kill()
                    p.join(timeout=5)
            out.close()
    if signals.caught:
        return signals.caught[0]
    for i, target in enumerate(targets):
        if target_key(target) in returned:
            continue
        k = i % workers
        reason = f"internal error: worker {k} stopped ({failed.get(k, 'no result')})"
        ctx_ = ProbeContext(target.host, target.port, target.sni, options, asyncio.Semaphore(1))
        on_result(unreachable_endpoint(target, "error", reason, ctx_))
    return None


def scan_workers(targets: Sequence[Target], options: ScanOptions, concurrency: int,
                 workers: int, on_result: Callable[[dict[str, Any]], object] | None = None,
                 depth: str = "standard") -> list[dict[str, Any]]:
    """`run_workers` for a small scan: every endpoint, in input order (the tests, `run_scan`);
    `on_result` still sees each one as it arrives."""
    from pqscan.scan.store import endpoint_key, target_key

    got: dict[str, dict[str, Any]] = {}

    def keep(endpoint: dict[str, Any]) -> None:
        got[endpoint_key(endpoint)] = endpoint
        if on_result is not None:
            on_result(endpoint)

    if min(workers, len(targets)) <= 1:
        from pqscan.scan.scanner import scan
        eventloop.run(scan(list(targets), options, concurrency, keep, depth))
        return [got[target_key(t)] for t in targets]
    stopped = run_workers(targets, options, concurrency, workers, keep, depth)
    if stopped:
        raise KeyboardInterrupt(stopped)
    return [got[target_key(t)] for t in targets]

