"""Running a scan from the command line's point of view: targets in, report and exit code out.

Kept apart from `cli.py` so that the click layer stays argument parsing only. `stream_scan`
is the command line's path: each finished endpoint goes through one `EndpointWriter` (judged,
its probe list cut to `--probes`, saved to the store, written to the report stream, counted)
and is then dropped, so memory does not grow with the number of endpoints. SIGINT and
SIGTERM stop it cleanly: the report is closed as valid JSON marked `incomplete`. `run_scan`
returns a whole report in input order, for small scans (the demo, the tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from typing import Any

from pqscan.exitcode import Outcome, exit_code, one_line, report_outcome
from pqscan.policy import Profile, evaluation_block, judge_endpoint
from pqscan.probe_detail import shape_probes
from pqscan.probes.context import ScanOptions
from pqscan.progress import Progress
from pqscan.report.document import new_report, utc_now
from pqscan.scanner import scan, scan_stream
from pqscan.store import ScanStore, endpoint_key, iter_endpoints, target_key
from pqscan.store.reading import warn_stderr
from pqscan.stream import Sink
from pqscan.targets import Target


def input_sha256(targets: list[Target]) -> str:
    """Hash of the normalised target list: two runs over the same population share it."""
    digest = hashlib.sha256()
    for t in targets:
        digest.update(target_key(t.text, t.sni, t.starttls).encode() + b"\n")
    return digest.hexdigest()


def scan_method(options: ScanOptions, concurrency: int, depth: str = "standard",
                **more: Any) -> dict[str, Any]:
    return {
        "engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
        "depth": depth,
        "options": {**asdict(options), "concurrency": concurrency, "depth": depth, **more},
        "group_enumeration": "HelloRetryRequest with empty key_share (RFC 8446 §4.1.4), "
                             "PQ groups confirmed by decrypting EncryptedExtensions",
        "retries": f"{options.retries} retry on timeout/reset; alerts are never retried",
    }


def run_scan(targets: list[Target], options: ScanOptions, concurrency: int,
             store: ScanStore | None = None, resume: bool = False,
             depth: str = "standard") -> dict[str, Any]:
    """Scan `targets`; with a store, every endpoint is saved as it finishes, and with `resume`
    the targets the store already holds as "ok" are taken from it instead of rescanned."""
    started = utc_now()
    method = scan_method(options, concurrency, depth)
    if any(t.protocol == "ssh" for t in targets):  # issue 15
        method["ssh_engine"] = ("pqscan SSH engine (RFC 4253 key exchange on cryptography; "
                                "stops before NEWKEYS); PQ methods confirmed by a completed "
                                "exchange whose host key signature over H verifies")
    keys = [target_key(t.text, t.sni, t.starttls) for t in targets]
    position = {k: i for i, k in enumerate(keys)}
    done_keys: set[str] = set()
    if store is not None:
        run = store.begin_run(method["options"], input_sha256(targets), method, resume)
        if resume:
            done_keys = store.done_keys(warn_stderr) & set(keys)
    todo = [t for t, k in zip(targets, keys, strict=True) if k not in done_keys]
    on_result = None if store is None else (
        lambda ep: store.put(ep, utc_now(), position.get(endpoint_key(ep))))
    fresh = asyncio.run(scan(todo, options, concurrency, on_result, depth))
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


def scan_exit_code(report: dict[str, Any]) -> int:
    """3 when any endpoint could not be scanned completely or left a decision undecided, else 0
    (policy adds 1): pqscan.exitcode, the one decision every command uses."""
    from pqscan.exitcode import exit_code, report_outcome

    return exit_code(report_outcome(report, None))


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


@dataclass(frozen=True, slots=True)
class RunOutcome:
    exit_code: int
    interrupted: str | None  # the signal that stopped the run
    written: int  # endpoints in the report
    failures: int  # endpoints not scanned completely
    incomplete_line: str | None = None  # why a run of reachable endpoints is not a pass


class EndpointWriter:
    """Everything that happens to one finished endpoint, after which nothing keeps it.

    The exit code follows pqscan.exitcode (the one rule every command uses), but only the
    first reason of each kind and the counts are kept, not one line per endpoint."""

    def __init__(self, sinks: list[Sink], store: ScanStore | None, settings: RunSettings,
                 progress: Progress) -> None:
        self.sinks, self.store, self.settings = sinks, store, settings
        self.progress = progress
        self.written = 0
        self.errors: list[str] = []  # evaluation errors (bounded)
        self.failures = 0  # endpoints not scanned completely (status not ok)
        self.incomplete: list[str] = []  # the first reason, if any
        self.incomplete_count = 0
        self.policy_failures: list[str] = []  # the first failed verdict, if any

    def write(self, endpoint: dict[str, Any], fresh: bool = True) -> None:
        s = self.settings
        error = judge_endpoint(endpoint, list(s.profiles), s.as_of, self.written)
        if error and len(self.errors) < 100:
            self.errors.append(error)
        shape_probes(endpoint, s.probes)
        if fresh and self.store is not None:
            # stored in the order endpoints finish, like the report stream: no per-target
            # position table to keep for the whole run
            self.store.put(endpoint, utc_now())
        for sink in self.sinks:
            sink.write(endpoint)
        self.written += 1
        if endpoint["status"] != "ok":
            self.failures += 1
            if self.failures <= FAILURE_LINES:
                self.progress.note(f"pqscan: {one_line(endpoint['target'])}: "
                                   f"{endpoint['status']}: {one_line(endpoint['error'])}")
        outcome = report_outcome({"endpoints": [endpoint],
                                  "evaluation": {"errors": [error] if error else []}},
                                 s.fail_on if s.profiles else None)
        self.incomplete_count += len(outcome.incomplete)
        self.incomplete[:] = self.incomplete or list(outcome.incomplete[:1])
        self.policy_failures[:] = self.policy_failures or list(outcome.failures[:1])
        self.progress.add(endpoint["status"])

    def outcome(self, interrupted: str | None) -> Outcome:
        store_errors = tuple(self.store.errors) if self.store is not None else ()
        stopped = (f"interrupted by {interrupted}",) if interrupted else ()
        return Outcome(incomplete=(*stopped, *store_errors, *self.incomplete),
                       failures=tuple(self.policy_failures))

    def incomplete_line(self) -> str | None:
        """Main's rule: say why reachable endpoints are not a pass (undecided facts)."""
        if self.failures or not self.incomplete:
            return None
        more = self.incomplete_count - 1
        return (f"pqscan: incomplete: {one_line(self.incomplete[0])}"
                + (f" (and {more} more undecided)" if more else ""))


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


def scan_locally(todo: Iterator[Target], writer: EndpointWriter, options: ScanOptions,
                 settings: RunSettings) -> str | None:
    """Scan on this machine's event loop; the name of the signal that stopped it, if any."""
    caught: list[str] = []

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
        asyncio.run(main())
    except KeyboardInterrupt:
        caught.append("SIGINT")
    return caught[0] if caught else None


FAILURE_LINES = 20  # per-endpoint failure lines on stderr; the report has them all
Scanner = Callable[[Iterator[Target], EndpointWriter], str | None]


def stream_scan(targets: list[Target], options: ScanOptions, settings: RunSettings,
                sinks: list[Sink], store: ScanStore | None = None, resume: bool = False,
                extra_method: dict[str, Any] | None = None,
                scanner: Scanner | None = None) -> RunOutcome:
    """Scan `targets`, streaming every endpoint to `sinks` and the store."""
    method = scan_method(options, settings.concurrency, settings.depth,
                         probes=settings.probes, rate=settings.rate)
    method.update(extra_method or {})
    done_keys: set[str] = set()
    run = None
    if store is not None:
        run = store.begin_run(method["options"], input_sha256(targets), method, resume)
        if resume:
            done_keys = store.done_keys(warn_stderr)
            done_keys &= {target_key(t.text, t.sni, t.starttls) for t in targets}
    progress = Progress(len(targets), settings.quiet)
    writer = EndpointWriter(sinks, store, settings, progress)
    interrupted: str | None = None
    try:
        if store is not None and run is not None and done_keys:
            for endpoint in iter_endpoints(store.path, run.run_id):
                if endpoint_key(endpoint) in done_keys:
                    writer.write(endpoint, fresh=False)
        todo = (t for t in targets
                if not done_keys or target_key(t.text, t.sni, t.starttls) not in done_keys)
        run_on: Scanner = scanner or partial(scan_locally, options=options, settings=settings)
        interrupted = run_on(todo, writer)
    except KeyboardInterrupt:
        interrupted = "SIGINT"
    finally:
        progress.close()
    method["store"] = None if store is None else {
        "path": str(store.path), "resumed_endpoints": len(done_keys),
        "scanned_endpoints": writer.written - len(done_keys),
        "unsaved_endpoints": store.unsaved, "errors": store.errors}
    if run is not None:
        method["run"] = {"run_id": run.run_id, "input_sha256": run.input_sha256}
    tail: dict[str, Any] = {"finished_at": utc_now(), "method": method,
                            "evaluation": evaluation_block(list(settings.profiles),
                                                           settings.as_of, writer.errors)}
    if interrupted:
        tail["incomplete"] = {"reason": f"interrupted by {interrupted}",
                              "endpoints_written": writer.written,
                              "endpoints_not_scanned": len(targets) - writer.written}
    for sink in sinks:
        sink.close(tail)
    if store is not None:
        store.finish_run("interrupted" if interrupted else "complete", method)
    return RunOutcome(exit_code(writer.outcome(interrupted)), interrupted, writer.written,
                      writer.failures, writer.incomplete_line())
