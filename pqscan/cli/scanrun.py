"""The command line's streaming run: each finished endpoint goes through one `EndpointWriter`
(judged with `pqscan.policy.evaluate.judge_endpoint`, the same judgement `judge_report` gives
`scan` and `evaluate`: derived fields recomputed, findings, verdicts; its probe list cut to
`--probes`; saved to the store; written to the report stream; counted) and is then dropped,
so memory does not grow with the number of endpoints. SIGINT and SIGTERM stop it cleanly: the
report is closed as valid JSON marked `incomplete`.

It lives in the CLI layer because it joins scan, policy and the exit code (pqscan.cli.exitcode);
the scanning itself is `pqscan.scan.run.scan_locally` or `pqscan.scan.distributed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from pqscan.cli.exitcode import Outcome, exit_code, one_line, report_outcome
from pqscan.model.document import utc_now
from pqscan.model.packed import COMPACT2, pack_endpoint
from pqscan.policy.evaluate import evaluation_block, judge_endpoint, requirement_declarations
from pqscan.policy.summary import Tally
from pqscan.report.compact import compact_judgements
from pqscan.scan.context import ScanOptions
from pqscan.scan.probe_detail import shape_probes
from pqscan.scan.progress import Progress
from pqscan.scan.run import RunSettings, Scanner, input_sha256, scan_locally, scan_method
from pqscan.scan.store import ScanStore, endpoint_key, iter_endpoints, target_key
from pqscan.scan.store.reading import warn_stderr
from pqscan.scan.stream import JSONLStream, JSONStream, Sink, compact
from pqscan.scan.targets import Target

FAILURE_LINES = 20  # per-endpoint failure lines on stderr; the report has them all


@dataclass(frozen=True, slots=True)
class RunOutcome:
    exit_code: int
    interrupted: str | None  # the signal that stopped the run
    written: int  # endpoints in the report
    failures: int  # endpoints not scanned completely
    incomplete_line: str | None = None  # why a run of reachable endpoints is not a pass


# what the writer reads of an endpoint besides its text: the store's key and status column,
# the failure line (pqscan.scan.store.endpoint_key)
HEAD = ("target", "sni", "starttls", "protocol", "status", "error")


@dataclass(frozen=True, slots=True)
class Judged:
    """One endpoint judged, cut, packed and encoded: all the writer does to it but writing.

    Small enough to cross a process boundary: with `--workers N` each worker judges its own
    endpoints and sends this, not the endpoint (pickling the ~30 KB dict and reading it back
    cost the parent more CPU than judging it; issue 13, session 7)."""

    text: str  # the packed compact line (pqscan.scan.stream.compact)
    head: dict[str, Any]  # HEAD
    error: str | None  # the evaluation error line
    recomputed: tuple[str, ...]  # stored derived values that differed (the first 100)
    tally: Tally  # this endpoint's counts
    incomplete: tuple[str, ...]  # the first reason it is incomplete, if any
    incomplete_count: int
    failures: tuple[str, ...]  # the first failed verdict, if any
    endpoint: dict[str, Any] | None  # the judged endpoint itself; None from a worker


class EndpointJudge:
    """The per-endpoint half of the writer: judge, cut, pack, encode. Holds only settings, so
    a worker process can run it (pqscan.scan.workers)."""

    def __init__(self, settings: RunSettings, observed_on: date) -> None:
        self.settings, self.observed_on = settings, observed_on
        # written once in the tail (evaluation.requirements); each verdict leaves it out
        self.profiles = list(settings.profiles)
        self.declared = requirement_declarations(self.profiles)

    def __call__(self, endpoint: dict[str, Any], fresh: bool = True, index: int = -1) -> Judged:
        s = self.settings
        changes: list[str] = []
        # a fresh endpoint's derived fields were just derived by scan.assemble
        error = judge_endpoint(endpoint, self.profiles, s.as_of, index, changes,
                               self.observed_on, derived=fresh)
        tally = Tally()
        tally.add(endpoint)
        shape_probes(endpoint, s.probes)
        compact_judgements(endpoint, self.declared)
        # once for the store and every stream; `endpoint` itself stays unpacked for the
        # exit-code reading below and the collecting formats (pqscan.model.packed)
        text = compact(pack_endpoint(endpoint))
        outcome = report_outcome({"endpoints": [endpoint],
                                  "evaluation": {"errors": [error] if error else [],
                                                 "as_of": s.as_of.isoformat()}},
                                 s.fail_on if s.profiles else None, s.fail_on_due)
        return Judged(text, {k: endpoint.get(k) for k in HEAD}, error, tuple(changes[:100]),
                      tally, tuple(outcome.incomplete[:1]), len(outcome.incomplete),
                      tuple(outcome.failures[:1]), endpoint)

    def in_worker(self, endpoint: dict[str, Any]) -> Judged:
        """`self(endpoint)` without the endpoint: what a worker sends to the parent."""
        judged = self(endpoint)
        return Judged(judged.text, judged.head, judged.error, judged.recomputed, judged.tally,
                      judged.incomplete, judged.incomplete_count, judged.failures, None)


class EndpointWriter:
    """Everything that happens to one finished endpoint, after which nothing keeps it.

    The exit code follows pqscan.cli.exitcode (the one rule every command uses), but only the
    first reason of each kind and the counts are kept, not one line per endpoint."""

    def __init__(self, sinks: list[Sink], store: ScanStore | None, settings: RunSettings,
                 progress: Progress) -> None:
        self.sinks, self.store, self.settings = sinks, store, settings
        self.progress = progress
        self.written = 0
        self.errors: list[str] = []  # evaluation errors (bounded)
        self.recomputed: list[str] = []  # stored derived values that differed (bounded)
        self.failures = 0  # endpoints not scanned completely (status not ok)
        self.incomplete: list[str] = []  # the first reason, if any
        self.incomplete_count = 0
        self.policy_failures: list[str] = []  # the first failed verdict, if any
        self.tally = Tally()  # the evaluation summary (counters only)
        # findings are as of the day the facts are seen
        self.judge = EndpointJudge(settings, date.today())
        # workers judge their own endpoints when every sink takes the line alone (a collecting
        # format needs the endpoint itself, pqscan.scan.stream.Collector)
        self.worker_judge: Callable[[dict[str, Any]], Judged] | None = (
            self.judge.in_worker if all(isinstance(k, JSONStream | JSONLStream) for k in sinks)
            else None)

    @property
    def declared(self) -> dict[str, dict[str, dict[str, Any]]]:
        return self.judge.declared

    def write(self, endpoint: dict[str, Any] | Judged, fresh: bool = True) -> None:
        """Judge (unless a worker did: a `Judged`), store, stream and count one endpoint."""
        judged = endpoint if isinstance(endpoint, Judged) else \
            self.judge(endpoint, fresh, self.written)
        self.tally.merge(judged.tally)
        self.recomputed.extend(judged.recomputed[:max(0, 100 - len(self.recomputed))])
        error = judged.error
        if error and judged.endpoint is None:  # judged in a worker, which cannot know the index
            error = error.replace("endpoints[-1] ", f"endpoints[{self.written}] ", 1)
        if error and len(self.errors) < 100:
            self.errors.append(error)
        head = judged.head
        if fresh and self.store is not None:
            # stored in the order endpoints finish, like the report stream: no per-target
            # position table to keep for the whole run
            self.store.put(judged.endpoint or head, utc_now(), None, judged.text)
        for sink in self.sinks:
            sink.write(judged.endpoint or head, judged.text)
        self.written += 1
        if head["status"] != "ok":
            self.failures += 1
            if self.failures <= FAILURE_LINES:
                self.progress.note(f"pqscan: {one_line(head['target'])}: "
                                   f"{head['status']}: {one_line(head['error'])}")
        self.incomplete_count += judged.incomplete_count
        self.incomplete[:] = self.incomplete or list(judged.incomplete)
        self.policy_failures[:] = self.policy_failures or list(judged.failures)
        self.progress.add(head["status"])

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


def stream_scan(targets: list[Target], options: ScanOptions, settings: RunSettings,
                sinks: list[Sink], store: ScanStore | None = None, resume: bool = False,
                extra_method: dict[str, Any] | None = None,
                scanner: Scanner | None = None,
                metadata_rows: Sequence[Mapping[str, Any]] = ()) -> RunOutcome:
    """Scan `targets`, streaming every endpoint to `sinks` and the store; the store keeps
    `metadata_rows` (the --metadata file, every column) with the run for `stats --by`."""
    method = scan_method(options, settings.concurrency, settings.depth, settings.workers,
                         probes=settings.probes, rate=settings.rate)
    method.update(extra_method or {})
    # what the stream leaves out and readers put back (pqscan.report.compact)
    method["report_form"] = COMPACT2
    done_keys: set[str] = set()
    run = None
    if store is not None:
        run = store.begin_run(method["options"], input_sha256(targets), method, resume)
        if metadata_rows:
            store.put_metadata(metadata_rows)
        if resume:
            done_keys = store.done_keys(warn_stderr)
            done_keys &= {target_key(t) for t in targets}
    progress = Progress(len(targets), settings.quiet)
    writer = EndpointWriter(sinks, store, settings, progress)
    interrupted: str | None = None
    try:
        if store is not None and run is not None and done_keys:
            for endpoint in iter_endpoints(store.path, run.run_id):
                if endpoint_key(endpoint) in done_keys:
                    writer.write(endpoint, fresh=False)
        todo = (t for t in targets
                if not done_keys or target_key(t) not in done_keys)
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
                                                           settings.as_of, writer.errors,
                                                           writer.recomputed, writer.tally,
                                                           settings.default_profile,
                                                           settings.fail_on_due)}
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
