"""`pqscan scan --dask tcp://HOST:8786`: the scan spread over a Dask cluster, one writer here.

The target list is cut into chunks (`--chunk-size`); each chunk is one Dask task running the
same asyncio scanner (`scan_stream`) on a worker, with the run's concurrency, depth and
per-connection options, and returning its endpoints already cut to `--probes`. This process
stays the only writer: as chunks finish (in any order) their endpoints are judged, saved to
the store and written to the report, then dropped; at most `2 x workers` chunks are in flight,
so memory here does not grow with the list either. A worker that dies mid-chunk loses nothing:
the scheduler runs the chunk again elsewhere and its result arrives once. `--resume` works as
locally: the store's finished endpoints are never sent.

Limits: one writer (this process) — the endpoints of a finished chunk travel back whole, so a
chunk's results must fit in memory here and on the worker; `--rate` is global: each of the
at most `2 x workers` chunks out at once gets `rate / (2 x workers)` (workers counted when the
run starts), so a run with fewer chunks in flight goes slower than --rate, never faster;
workers need pqscan installed (same version).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from itertools import islice
from types import FrameType
from typing import TYPE_CHECKING, Any

from pqscan.errors import Option, UsageError
from pqscan.scan import eventloop
from pqscan.scan.context import ScanOptions
from pqscan.scan.probe_detail import shape_probes
from pqscan.scan.scanner import scan_stream
from pqscan.scan.targets import Target

if TYPE_CHECKING:
    from pqscan.scan.run import RunSettings, Scanner, Writer

INSTALL_HINT = (Option("dask"), " needs the optional Dask support: "
                "pip install 'pqscan[distributed]'")
CONNECT_TIMEOUT_S = 20


def scan_chunk(targets: list[Target], options: ScanOptions, concurrency: int, depth: str,
               probes: str, rate: float | None) -> list[dict[str, Any]]:
    """One Dask task: scan a chunk on this worker's own event loop."""
    endpoints: list[dict[str, Any]] = []

    def keep(endpoint: dict[str, Any]) -> None:
        endpoints.append(shape_probes(endpoint, probes))

    eventloop.run(scan_stream(targets, options, concurrency, keep, depth=depth, rate=rate))
    return endpoints


def _chunks(todo: Iterator[Target], size: int) -> Iterator[list[Target]]:
    while chunk := list(islice(todo, size)):
        yield chunk


def dask_scanner(address: str, chunk_size: int
                 ) -> Callable[[ScanOptions, RunSettings], Scanner]:
    """A `stream_scan` scanner running on the cluster at `address` (exit 2 without Dask)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(*INSTALL_HINT) from None

    def make(options: ScanOptions, settings: RunSettings) -> Scanner:
        def run(todo: Iterator[Target], writer: Writer) -> str | None:
            return _run(address, chunk_size, options, settings, todo, writer)
        return run

    return make


def _run(address: str, chunk_size: int, options: ScanOptions, settings: RunSettings,
         todo: Iterator[Target], writer: Writer) -> str | None:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise UsageError(Option("dask"), f": cannot reach the scheduler at {address}: {exc}"
                         ) from None
    caught: list[str] = []

    def sigterm(signum: int, frame: FrameType | None) -> None:
        caught.append("SIGTERM")
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, sigterm)
    stopped: str | None = None
    futures: Any = None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        # at most 2 x workers chunks are out at once, each paced to its share: the run as a
        # whole never exceeds --rate (issue 13: the rate is global)
        rate = settings.rate / (2 * workers) if settings.rate else None
        chunks = _chunks(todo, chunk_size)

        def submit(chunk: list[Target]) -> Any:
            return client.submit(scan_chunk, chunk, options, settings.concurrency,
                                 settings.depth, settings.probes, rate, pure=False)

        futures = as_completed([submit(c) for c in islice(chunks, 2 * workers)])
        for future in futures:
            try:
                endpoints = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after many deaths
                stopped = f"a Dask chunk that failed ({type(exc).__name__}: {exc})"
                futures.clear()
                break
            for endpoint in endpoints:
                writer.write(endpoint)
            future.release()
            following = next(chunks, None)
            if following is not None:
                futures.add(submit(following))
    except KeyboardInterrupt:
        stopped = caught[0] if caught else "SIGINT"
        if futures is not None:
            futures.clear()
    finally:
        signal.signal(signal.SIGTERM, previous)
        client.close()
    return stopped
