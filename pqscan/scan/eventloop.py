"""The event loop every scan runs on: uvloop where it is installed, else asyncio's own.

Why uvloop (issue 13, per-connection CPU): the scanner spends a large share of its CPU in the
event loop itself (callbacks, timers, socket readiness, connect). uvloop implements the same
asyncio API on libuv in C; on the nginx farm it cut client CPU per connection by about a
fifth (bench/README.md). Nothing in pqscan depends on it: the transport is a plain
`asyncio.Protocol`, so without uvloop (another platform, `PQSCAN_EVENT_LOOP=asyncio`) the scan
is the same, only slower. The loop in use is recorded in the report's method sheet.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ENV = "PQSCAN_EVENT_LOOP"  # "asyncio" forces the standard loop (A/B benchmarks, debugging)


def _uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    if os.environ.get(ENV, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # not installed on this platform: asyncio's loop does the same job
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


def loop_name() -> str:
    """What `run` will use, for the method sheet: 'uvloop X.Y.Z' or 'asyncio'."""
    if _uvloop_factory() is None:
        return "asyncio"
    import uvloop
    return f"uvloop {uvloop.__version__}"


# A scan allocates many short-lived objects per connection (records, results, frames) while
# the interpreter holds a few hundred thousand long-lived ones (modules, registries): with the
# default thresholds (700, 10, 10) the collector runs every few connections and its older
# generations keep walking the long-lived heap. Those are frozen out of the collector's view
# and the youngest generation collects less often (issue 13: ~4 % less client CPU on the farm).
GC_THRESHOLD = (10_000, 20, 20)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the fastest loop available (a new loop each call, as asyncio.run:
    safe in forked worker processes and Dask workers), with the collector tuned for it."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        with asyncio.Runner(loop_factory=_uvloop_factory()) as runner:
            return runner.run(main)
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
