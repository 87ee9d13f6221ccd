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

from pqscan.registry.tls import cipher_suite, group, signature_scheme
from pqscan.registry.tls import version_name as _version_name
from pqscan.scan.adaptive import AdaptiveLimit
from pqscan.tls.handshake import CLOSED, ERROR, HandshakeResult, run_handshake
from pqscan.tls.offer import ClientOffer
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
    a few offer shapes thousands of times, so each shape is named once (issue 13)."""
    named = _named_shape(offer.shape())
    return {k: v if isinstance(v, str) or v is None else list(v)
            for k, v in zip(_OFFER_KEYS, named, strict=True)}


_OFFER_KEYS = ("versions", "cipher_suites", "groups", "key_shares", "signature_schemes", "sni")


@lru_cache(maxsize=4096)
def _named_shape(shape: tuple[Any, ...]) -> tuple[Any, ...]:
    versions, suites, groups, shares, schemes, sni = shape
    return (tuple(_version_name(v) for v in versions),
            tuple(cipher_suite(c).name for c in suites),
            tuple(group(g).name for g in groups), tuple(group(g).name for g in shares),
            tuple(signature_scheme(s).name for s in schemes), sni)


def observed_text(r: HandshakeResult) -> str:
    """One line saying what the server did."""
    if r.outcome == "hrr":
        return f"HelloRetryRequest for {group(r.hrr_group or 0).name}"
    if r.outcome == "server_hello":
        parts = [f"ServerHello {_version_name(r.version or 0)}",
                 cipher_suite(r.cipher_suite or 0).name]
        if r.hrr_group is not None:
            parts.insert(0, f"HRR to {group(r.hrr_group).name} then")
        if r.group is not None:
            parts.append(group(r.group).name)
        if r.confirmed:
            parts.append("EncryptedExtensions decrypted")
        return " ".join(parts)
    if r.outcome == "alert":
        return f"alert {r.alert_name}" + (" after HelloRetryRequest" if r.hrr_group else "")
    return r.reason


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
        self._finished = global_limit.finished if isinstance(global_limit, AdaptiveLimit) \
            else None
        self._local = asyncio.Semaphore(options.per_endpoint)
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
            # is being made, never by one queued behind its endpoint's politeness limit
            async with self._local, self._global:
                start = time.monotonic()
                result = await run_handshake(self.host, self.port, offer, depth=depth,
                                             follow_hrr=follow_hrr, limits=self.limits)
                took += time.monotonic() - start
            if self._finished is not None:
                self._finished(result.error_kind)
            retry = (result.outcome in (ERROR, CLOSED) and result.error_kind in RETRY_KINDS)
            if not retry or attempts > self.options.retries:
                break
            took += 0.05 * attempts
            await asyncio.sleep(0.05 * attempts)
        if result.accepted:
            verdict, reason = "ok", None
        elif result.outcome == "alert":
            verdict, reason = "refused", None
        elif result.error_kind == "violation":
            verdict, reason = "violation", result.reason
        else:
            verdict, reason = "inconclusive", result.reason
        offered = describe_offer(offer)
        evidence = self._keep_evidence(name, offered, result) if self.options.evidence_dir \
            else None
        self.records.append(ProbeRecord(
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
