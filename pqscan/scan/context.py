"""The probe context: the one place checks open connections, so every connection is recorded.

`ProbeContext.handshake()` runs one handshake under the global and per-endpoint concurrency
limits, retries once when the answer was silence or a cut connection (never on a clean alert),
and appends a `ProbeRecord` to the endpoint's method sheet. Each record also carries its
`round_trip`: its place in the longest chain of connections it depended on (the first
connection is 1; a connection made after reading another's answer is one more), tracked per
task with a context variable so parallel branches do not count each other.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pqscan.registry.tls import alert_name, cipher_suite, group, signature_scheme
from pqscan.registry.tls import version_name as _version_name
from pqscan.scan.adaptive import AdaptiveLimit, Slots
from pqscan.tls.handshake import run_handshake
from pqscan.tls.offer import ClientOffer
from pqscan.tls.result import ALERT, CLOSED, ERROR, HRR, SERVER_HELLO, HandshakeResult
from pqscan.tls.starttls import StartTLS
from pqscan.tls.transport import Limits

RETRY_KINDS = frozenset({"timeout", "reset", "eof"})
T = TypeVar("T")
# The round trip of the last connection this task's answers depend on, and the deepest one
# the running probe reached (a cell shared with the tasks it starts).
_CHAIN: ContextVar[int] = ContextVar("pqscan_chain", default=0)
_DEEPEST: ContextVar[list[int] | None] = ContextVar("pqscan_deepest", default=None)
# error kinds of a connection that never reached the server: the endpoint is unreachable
CONNECT_FAILURES = frozenset({"refused", "connect_timeout", "unreachable", "resolve"})


@dataclass(frozen=True)
class ScanOptions:
    timeout: float = 5.0
    retries: int = 1
    per_endpoint: int = 4  # concurrent connections to one endpoint
    sni: str | None = None
    evidence_dir: str | None = None  # keep every raw handshake transcript here
    adaptive: bool = True  # the global limit adapts up to --concurrency (scan.adaptive)


@dataclass(frozen=True)
class ProbeRecord:
    """One connection of the method sheet (docs/json-contract.md PROBE)."""

    name: str
    result: str  # ok | refused | inconclusive | violation (never a refusal: undecided)
    observed: str
    reason: str | None
    offered: dict[str, Any]
    transcript_sha256: str | None
    attempts: int
    duration_ms: int
    evidence_file: str | None = None
    round_trip: int = 1  # place in the longest chain of dependent connections (1 = first)

    @classmethod
    def of(cls, name: str, result: str, observed: str, reason: str | None,
           offered: dict[str, Any], transcript_sha256: str | None, attempts: int,
           duration_ms: int, evidence_file: str | None, round_trip: int) -> ProbeRecord:
        """The record with every field given, filled in as one dict update instead of the
        frozen __init__'s setattr per field: one record per connection (issue 13)."""
        record = object.__new__(cls)
        record.__dict__.update(
            name=name, result=result, observed=observed, reason=reason, offered=offered,
            transcript_sha256=transcript_sha256, attempts=attempts, duration_ms=duration_ms,
            evidence_file=evidence_file, round_trip=round_trip)
        return record

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "result": self.result, "observed": self.observed,
            "reason": self.reason, "offered": self.offered,
            "transcript_sha256": self.transcript_sha256, "attempts": self.attempts,
            "duration_ms": self.duration_ms, "evidence_file": self.evidence_file,
            "round_trip": self.round_trip,
        }


def describe_offer(offer: ClientOffer) -> dict[str, Any]:
    """What one ClientHello carried, with registry names, for the method sheet. Probes repeat
    a few offer shapes thousands of times, so each shape is named once and its dict is
    shared by every record of that shape (issue 13): treat it as read-only."""
    # kept on the offer instance (probes reuse one per shape, `_offer`): no hashing of the
    # shape's tuples per connection; the offer is frozen, the cache is not one of its fields
    named: dict[str, Any] | None = offer.__dict__.get("_named_shape")
    if named is None:
        named = offer.__dict__["_named_shape"] = _named_shape(offer.shape())
    return named


@lru_cache(maxsize=4096)
def _named_shape(shape: tuple[Any, ...]) -> dict[str, Any]:
    *offered, sni = shape
    # the names without the SNI are shared by every endpoint of a population, each with its
    # own name (issue 13); the lists are read-only, as the whole dict is
    return {**_named_offer(tuple(offered)), "sni": sni}


@lru_cache(maxsize=1024)
def _named_offer(offered: tuple[Any, ...]) -> dict[str, Any]:
    versions, suites, groups, shares, schemes = offered
    return {"versions": [_version_name(v) for v in versions],
            "cipher_suites": [cipher_suite(c).name for c in suites],
            "groups": [group(g).name for g in groups],
            "key_shares": [group(g).name for g in shares],
            "signature_schemes": [signature_scheme(s).name for s in schemes]}


@lru_cache(maxsize=4096)
def _offer(sni: str | None, **kwargs: Any) -> ClientOffer:
    """Probes ask for the same few offers on every endpoint: each is built once (an offer
    is immutable, so one instance serves every connection that makes it; issue 13)."""
    return ClientOffer(sni=sni, **kwargs)


def observed_text(r: HandshakeResult) -> str:
    """One line saying what the server did."""
    if r.outcome in ("hrr", "server_hello", "alert"):
        # a few answers repeat thousands of times: each is worded once (issue 13)
        return _answer_text(r.outcome, r.version, r.cipher_suite, r.group, r.hrr_group,
                            r.confirmed, r.alert)
    return r.reason


@lru_cache(maxsize=4096)
def _answer_text(outcome: str, version: int | None, suite: int | None, chosen: int | None,
                 hrr_group: int | None, confirmed: bool, alert: int | None) -> str:
    if outcome == "hrr":
        return f"HelloRetryRequest for {group(hrr_group or 0).name}"
    if outcome == "server_hello":
        parts = [f"ServerHello {_version_name(version or 0)}", cipher_suite(suite or 0).name]
        if hrr_group is not None:
            parts.insert(0, f"HRR to {group(hrr_group).name} then")
        if chosen is not None:
            parts.append(group(chosen).name)
        if confirmed:
            parts.append("EncryptedExtensions decrypted")
        return " ".join(parts)
    name = None if alert is None else alert_name(alert)
    return f"alert {name}" + (" after HelloRetryRequest" if hrr_group else "")


class ProbeContext:
    """Per-endpoint state: where to connect, the limits, and the method sheet."""

    def __init__(self, host: str, port: int, sni: str | None, options: ScanOptions,
                 global_limit: asyncio.Semaphore, starttls: StartTLS | None = None) -> None:
        self.host = host
        self.port = port
        self.sni = sni
        self.options = options
        # a STARTTLS preamble rides on the Limits, so every probe connection speaks it
        self.limits = Limits(connect_timeout=options.timeout, read_timeout=options.timeout,
                             starttls=starttls)
        self._global = global_limit
        # the adaptive limit learns from how each connection ended (pqscan.scan.adaptive)
        self._adaptive = global_limit if isinstance(global_limit, AdaptiveLimit) else None
        self._finished = self._adaptive.finished if self._adaptive is not None else None
        self._local = Slots(options.per_endpoint)
        self.records: list[ProbeRecord] = []

    @property
    def round_trips(self) -> int:
        """The critical path so far: the longest chain of dependent connections."""
        return max((r.round_trip for r in self.records), default=0)

    async def tracked(self, start: int, work: Awaitable[T]) -> tuple[T, int]:
        """Run `work` (one probe) after connections `start` deep; returns its result and the
        deepest round trip it reached (`start` when it made no connection)."""
        deepest = [start]
        chain, cell = _CHAIN.set(start), _DEEPEST.set(deepest)
        try:
            result = await work
        finally:
            _CHAIN.reset(chain)
            _DEEPEST.reset(cell)
        return result, deepest[0]

    def join(self) -> None:
        """What follows waited for every connection the running probe has made so far (after
        a gather of parallel connections: their answers are all read before the next)."""
        deepest = _DEEPEST.get()
        if deepest is not None and deepest[0] > _CHAIN.get():
            _CHAIN.set(deepest[0])

    def rename(self, names: list[str], prefix: str) -> None:
        """Re-label records made but not used (a speculative round built on a wrong guess):
        `groups.enumerate[4]` -> `groups.ahead[4]` with `prefix` "groups.ahead"."""
        wanted = set(names)
        self.records = [replace(r, name=prefix + r.name[r.name.index("["):])
                        if r.name in wanted else r for r in self.records]

    def offer(self, **kwargs: Any) -> ClientOffer:
        try:
            return _offer(self.sni, **kwargs)
        except TypeError:  # an unhashable part (a list): not worth caching
            return ClientOffer(sni=self.sni, **kwargs)

    async def handshake(self, name: str, offer: ClientOffer, *, depth: str = "hello",
                        follow_hrr: bool = True) -> HandshakeResult:
        took = 0.0  # the probe's own time: its connections and retry pauses, not queueing
        attempts = 0
        round_trip = _CHAIN.get() + 1
        _CHAIN.set(round_trip)
        deepest = _DEEPEST.get()
        if deepest is not None and round_trip > deepest[0]:
            deepest[0] = round_trip
        while True:
            attempts += 1
            # the endpoint's own slot first: a global slot is held only by a connection that
            # is being made, never by one queued behind its endpoint's politeness limit.
            # Both are taken without a coroutine when free (issue 13, per-connection CPU).
            if not self._local.take():
                await self._local.wait()
            try:
                if not (self._adaptive is not None and self._adaptive.try_acquire()):
                    await self._global.acquire()
                try:
                    start = time.monotonic()
                    result = await run_handshake(self.host, self.port, offer, depth=depth,
                                                 follow_hrr=follow_hrr, limits=self.limits)
                    took += time.monotonic() - start
                finally:
                    self._global.release()
            finally:
                self._local.release()
            if self._finished is not None:
                self._finished(result.error_kind)
            retry = (result.outcome in (ERROR, CLOSED) and result.error_kind in RETRY_KINDS)
            if not retry or attempts > self.options.retries:
                break
            took += 0.05 * attempts
            await asyncio.sleep(0.05 * attempts)
        outcome = result.outcome
        if outcome in (SERVER_HELLO, HRR):  # result.accepted, without a call
            verdict, reason = "ok", None
        elif outcome == ALERT:
            verdict, reason = "refused", None
        elif result.error_kind == "violation":
            verdict, reason = "violation", result.reason
        else:
            verdict, reason = "inconclusive", result.reason
        offered = describe_offer(offer)
        evidence = self._keep_evidence(name, offered, result) if self.options.evidence_dir \
            else None
        self.records.append(ProbeRecord.of(
            name, verdict, observed_text(result), reason, offered,
            result.transcript_sha256, attempts, int(took * 1000), evidence, round_trip))
        return result

    def _keep_evidence(self, name: str, offered: dict[str, Any],
                       result: HandshakeResult) -> str | None:
        """Write the raw transcript as JSON; the report names the file and its digest is the
        probe's transcript_sha256 (recomputable from the hex records)."""
        directory = Path(self.options.evidence_dir or ".") / f"{self.host}_{self.port}"
        path = directory / f"{len(self.records):03d}-{name}.json"
        record = {"target": f"{self.host}:{self.port}", "probe": name, "offered": offered,
                  "transcript_sha256": result.transcript_sha256,
                  "starttls": self.limits.starttls.protocol if self.limits.starttls else None,
                  "digest_method": "sha256 over (C|S, uint32 length, bytes) per record; "
                                   "c|s for STARTTLS plaintext (client-plain|server-plain)",
                  "wire": [{"from": d, "hex": b.hex()} for d, b in result.wire]}
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        except OSError:
            return None  # evidence is best effort; the digest is still in the report
        return str(path)
