"""Running a scan: targets in, endpoints out.

`scan_locally` streams finished endpoints to a `Writer` (the command line's is
`pqscan.cli.scanrun.EndpointWriter`, which judges, stores and writes each one); SIGINT and
SIGTERM stop it cleanly. `run_scan` returns a whole unjudged report in input order, for small
scans (the demo, the tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from pqscan.model.document import new_report, utc_now
from pqscan.scan import eventloop
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan, scan_stream
from pqscan.scan.store import ScanStore, endpoint_key, iter_endpoints, target_key
from pqscan.scan.store.reading import warn_stderr
from pqscan.scan.targets import Target
from pqscan.scan.workers import run_workers, scan_workers

if TYPE_CHECKING:
    from pqscan.policy.model import Profile


def input_sha256(targets: list[Target]) -> str:
    """Hash of the normalised target list: two runs over the same population share it."""
    digest = hashlib.sha256()
    for t in targets:
        digest.update(target_key(t).encode() + b"\n")
    return digest.hexdigest()


def scan_method(options: ScanOptions, concurrency: int, depth: str = "standard",
                workers: int = 1, **more: Any) -> dict[str, Any]:
    return {
        "engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
        "event_loop": eventloop.loop_name(),
        "depth": depth,
        "options": {**asdict(options), "concurrency": concurrency, "workers": workers,
                    "depth": depth, **more},
        "group_enumeration": "HelloRetryRequest with empty key_share (RFC 8446 §4.1.4), "
                             "PQ groups confirmed by decrypting EncryptedExtensions",
        "retries": f"{options.retries} retry on timeout/reset; alerts are never retried",
    }


def run_scan(targets: list[Target], options: ScanOptions, concurrency: int,
             store: ScanStore | None = None, resume: bool = False,
             depth: str = "standard", workers: int = 1) -> dict[str, Any]:
    """Scan `targets`; with a store, every endpoint is saved as it finishes, and with `resume`
    the targets the store already holds as "ok" are taken from it instead of rescanned.
    `workers` > 1 shards the endpoints across that many processes (pqscan.workers); the store
    is still written by this process alone."""
    started = utc_now()
    method = scan_method(options, concurrency, depth, workers)
    if any(t.protocol == "ssh" for t in targets):  # issue 15
        method["ssh_engine"] = ("pqscan SSH engine (RFC 4253 key exchange on cryptography; "
                                "stops before NEWKEYS); PQ methods confirmed by a completed "
                                "exchange whose host key signature over H verifies")
    keys = [target_key(t) for t in targets]
    position = {k: i for i, k in enumerate(keys)}
    done_keys: set[str] = set()
    if store is not None:
        run = store.begin_run(method["options"], input_sha256(targets), method, resume)
        if resume:
            done_keys = store.done_keys(warn_stderr) & set(keys)
    todo = [t for t, k in zip(targets, keys, strict=True) if k not in done_keys]
    on_result = None if store is None else (
        lambda ep: store.put(ep, utc_now(), position.get(endpoint_key(ep))))
    fresh = scan_workers(todo, options, concurrency, workers, on_result, depth) \
        if workers > 1 else eventloop.run(scan(todo, options, concurrency, on_result, depth))
    done = {} if store is None or not done_keys else {
        endpoint_key(e): e for e in iter_endpoints(store.path, run.run_id)
        if endpoint_key(e) in done_keys}
    by_key = {**done, **{endpoint_key(e): e for e in fresh}}
    endpoints = [by_key[k] for k in keys if k in by_key]
    if store is not None:
        method["store"] = {"path": str(store.path), "resumed_endpoints": len(done),
                           "scanned_endpoints": len(fresh)}
        method["run"] = {"run_id": run.run_id, "input_sha256": run.input_sha256}
        store.finish_run("complete", method)
    return new_report(endpoints, started, utc_now(), method)


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How a command-line scan runs and judges (beside the per-connection `ScanOptions`)."""

    concurrency: int = 64
    depth: str = "standard"
    probes: str = "summary"
    rate: float | None = None
    profiles: tuple[Profile, ...] = ()
    as_of: date = field(default_factory=date.today)
    fail_on: str = "must"
    quiet: bool = False
    workers: int = 1  # processes (`--workers`, pqscan.scan.workers); 1: this event loop
    default_profile: bool = False  # `profiles` is pq-baseline because no --profile was given
    fail_on_due: int | None = None  # --fail-on-due YEARS: FAILs due within YEARS count too


class Writer(Protocol):
    """Where each finished endpoint goes (`pqscan.cli.scanrun.EndpointWriter` on the command
    line: judged, cut, stored, streamed, counted)."""

    def write(self, endpoint: dict[str, Any], fresh: bool = True) -> None: ...


def _stop_on_signals(stop: asyncio.Event, caught: list[str]) -> list[signal.Signals]:
    """SIGINT and SIGTERM end the scan cleanly (the report is closed, marked incomplete)."""
    loop = asyncio.get_running_loop()
    installed = []

    def handler(sig: signal.Signals) -> None:
        caught.append(sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, handler, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread (e.g. a worker): Ctrl-C stays KeyboardInterrupt
        installed.append(sig)
    return installed


def scan_locally(todo: Iterator[Target], writer: Writer, options: ScanOptions,
                 settings: RunSettings) -> str | None:
    """Scan on this machine's event loop; the name of the signal that stopped it, if any."""
    caught: list[str] = []
    if settings.workers > 1:  # issue 13: shards in processes, stopped cleanly by signals too
        targets = list(todo)
        if len(targets) > 1:
            # a writer that can judge in the workers gets judged endpoints (cli.scanrun)
            return run_workers(targets, options, settings.concurrency, settings.workers,
                               writer.write, settings.depth, settings.rate,
                               prepare=getattr(writer, "worker_judge", None))
        todo = iter(targets)

    async def main() -> None:
        stop = asyncio.Event()
        installed = _stop_on_signals(stop, caught)
        try:
            await scan_stream(todo, options, settings.concurrency, writer.write,
                              depth=settings.depth, rate=settings.rate, stop=stop)
        finally:
            for sig in installed:
                asyncio.get_running_loop().remove_signal_handler(sig)

    try:
        eventloop.run(main())
    except KeyboardInterrupt:
        caught.append("SIGINT")
    return caught[0] if caught else None


Scanner = Callable[[Iterator[Target], Writer], str | None]
