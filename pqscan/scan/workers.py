"""Scanning on several cores (`--workers N`, issue 13): endpoints sharded across processes.

Each worker process runs its own event loop over its shard (`pqscan.scan.scanner.scan`) and sends
every endpoint back the moment it is done; the parent hands each one to `on_result` (the
streaming output and the store's one writer live in the parent only) and returns them all.
Endpoints are never split: one endpoint's connections stay in one process, so the per-endpoint
politeness limit holds, and `--concurrency` is divided between the workers so the total number
of connections in flight stays within it. A worker that dies leaves its unfinished endpoints
as "error" endpoints naming the worker; the rest of the scan goes on.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from pqscan.scan.context import ScanOptions
from pqscan.scan.targets import Target

# How long the parent waits for a message before checking that the workers are alive.
_POLL_SECONDS = 0.5


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask), the default of --workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _worker(index: int, targets: list[Target], options: ScanOptions, concurrency: int,
            out: Any, depth: str = "standard") -> None:
    """One worker process: scan the shard with its own event loop, stream every endpoint."""
    from pqscan.scan.scanner import scan

    try:
        asyncio.run(scan(targets, options, concurrency,
                         lambda ep: out.put(("endpoint", index, ep)), depth))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which carries on
        out.put(("failed", index, f"{type(exc).__name__}: {exc}"))
        return
    out.put(("done", index, None))


def scan_workers(targets: Sequence[Target], options: ScanOptions, concurrency: int,
                 workers: int, on_result: Callable[[dict[str, Any]], object] | None = None,
                 depth: str = "standard") -> list[dict[str, Any]]:
    """Scan `targets` with `workers` processes; results in input order, streamed via
    `on_result` in the calling process as they arrive."""
    from pqscan.scan.assemble import unreachable_endpoint
    from pqscan.scan.context import ProbeContext
    from pqscan.scan.scanner import scan
    from pqscan.scan.store import endpoint_key, target_key

    workers = max(1, min(workers, len(targets)))
    if workers == 1:
        return asyncio.run(scan(list(targets), options, concurrency, on_result, depth))
    shards = [list(targets[k::workers]) for k in range(workers)]  # round robin: mixed shards
    share = [max(1, concurrency // workers + (k < concurrency % workers)) for k in range(workers)]
    # fork is cheapest (no re-import) and safe while this process has one thread; with other
    # threads running (a lock held there would stay held in the child) spawn instead. Either
    # way the workers are our own children, joined below, so their CPU is ours in rusage.
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    ctx: Any = multiprocessing.get_context(method)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(k, shards[k], options, share[k], out, depth),
                         name=f"pqscan-worker-{k}", daemon=True) for k in range(workers)]
    for p in procs:
        p.start()
    got: dict[str, dict[str, Any]] = {}
    failed: dict[int, str] = {}
    finished: set[int] = set()
    try:
        while len(finished) < workers:
            try:
                kind, k, payload = out.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                for k2, p in enumerate(procs):  # a worker killed without a word (OOM, signal)
                    if k2 not in finished and not p.is_alive() and out.empty():
                        failed[k2] = f"exit code {p.exitcode}"
                        finished.add(k2)
                continue
            if kind == "endpoint":
                got[endpoint_key(payload)] = payload
                if on_result is not None:
                    on_result(payload)
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
    results: list[dict[str, Any]] = []
    for i, target in enumerate(targets):
        k = i % workers
        ep = got.get(target_key(target))
        if ep is None:
            reason = f"internal error: worker {k} stopped ({failed.get(k, 'no result')})"
            ctx_ = ProbeContext(target.host, target.port, target.sni, options,
                                asyncio.Semaphore(1))
            ep = unreachable_endpoint(target, "error", reason, ctx_)
            if on_result is not None:
                on_result(ep)
        results.append(ep)
    return results
