"""The scan of endpoints: run one endpoint's probes (the PROBES registry, in the order their
declared needs give), many endpoints at once.

One asyncio event loop; a global connection limit shared by all endpoints (optionally paced
to `rate` new connections per second) and a per-endpoint limit inside `ProbeContext`.
`scan_stream` pulls targets lazily and hands each finished endpoint to `on_result` without
keeping it, so memory is bounded by the endpoints in flight, not by the input. Every endpoint
ends as a dict of the JSON contract — an internal error in one endpoint's checks becomes that
endpoint's `status: "error"`, never a crash.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from inspect import isawaitable
from typing import Any

from pqscan.scan.adaptive import START, AdaptiveLimit, Controller, fd_ceiling
from pqscan.scan.assemble import EndpointFacts, build_endpoint, unreachable_endpoint
from pqscan.scan.context import ProbeContext, ScanOptions
from pqscan.scan.probes.catalog import DEPTH_SETTINGS, PROBES
from pqscan.scan.probes.registry import DEPTHS, EndpointDown, Facts, run_probes
from pqscan.scan.probes.versions import VERSION_NAMES
from pqscan.scan.targets import Target


def connection_limit(concurrency: int, rate: float | None = None, adaptive: bool = True,
                     floor: int = 4) -> AdaptiveLimit:
    """The global connection limit: adaptive up to `concurrency` (pqscan.scan.adaptive), or
    exactly `concurrency` when not adaptive; paced to `rate` new connections per second."""
    ceiling = fd_ceiling(max(1, concurrency))
    start = START if adaptive else ceiling
    return AdaptiveLimit(Controller(ceiling, floor=floor, start=start), rate, adaptive)


async def scan_endpoint(target: Target, options: ScanOptions,
                        global_limit: asyncio.Semaphore, depth: str = "standard"
                        ) -> dict[str, Any]:
    settings = DEPTH_SETTINGS[depth]
    options = replace(options, retries=max(options.retries, settings.retries))
    if target.protocol == "ssh":  # issue 15: the SSH checks (pqscan.scan.probes.ssh)
        from pqscan.scan.scanner_ssh import scan_ssh_endpoint
        return await scan_ssh_endpoint(target, options, global_limit)
    ctx = ProbeContext(target.host, target.port, target.sni, options, global_limit,
                       starttls=target.preamble())
    try:
        facts = await run_probes(PROBES, depth, ctx)
        endpoint = settings.finish(build_endpoint(target, endpoint_facts(facts), ctx))
    except EndpointDown as down:
        endpoint = unreachable_endpoint(target, down.status, down.reason, ctx)
    except Exception as exc:  # noqa: BLE001 - one endpoint's bug must not stop the scan
        endpoint = unreachable_endpoint(target, "error",
                                        f"internal error: {type(exc).__name__}: {exc}", ctx)
    return endpoint


def endpoint_facts(facts: Facts) -> EndpointFacts:
    """The registry's facts by name -> the fields `build_endpoint` reads (absent: not run)."""
    if "census" in facts:  # --depth quick: the census is the whole of it
        return facts["census"]  # type: ignore[no-any-return]
    out = EndpointFacts(versions=facts["versions"], behaviour=facts.get("behaviour", {}),
                        groups=facts.get("groups"), tls12=facts.get("tls12"),
                        sigschemes=facts.get("sigschemes"),
                        preference_basis=facts.get("preference_basis", "unknown"),
                        tls12_sigschemes=facts.get("tls12_sigschemes", {}))
    out.tls13_suites, out.tls13_suites_reason = facts.get("tls13_suites", ([], None))
    out.tls12_suites, out.tls12_suites_reason = facts.get("tls12_suites", ([], None))
    if out.tls12 is not None:
        out.legacy_version = facts["legacy"][0]
        out.tls12_chain_source = out.tls12.chain_source or out.tls12_chain_source
    for version, (found, _why, preference) in facts.get("older_suites", {}).items():
        out.older_suites[version] = found
        out.suite_preference[version] = preference
    for version, fact in (("TLSv1.3", "tls13_suite_preference"),
                          (VERSION_NAMES.get(out.legacy_version or 0), "tls12_suite_preference")):
        if fact in facts and version:
            out.suite_preference[version] = facts[fact]
    return out


async def scan_stream(targets: Iterable[Target], options: ScanOptions, concurrency: int,
                      on_result: Callable[[dict[str, Any]], object], *, depth: str = "standard",
                      rate: float | None = None, stop: asyncio.Event | None = None) -> int:
    """Scan targets as they come, handing each finished endpoint to `on_result` and keeping
    none; returns how many were handed over. An `on_result` that returns an awaitable is
    awaited before another endpoint starts (backpressure). When `stop` is set no new endpoint
    starts and the ones in flight are cancelled (their results are lost, the caller marks
    the run incomplete)."""
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
    global_limit = connection_limit(concurrency, rate, options.adaptive, options.per_endpoint)
    pending: set[asyncio.Future[dict[str, Any]]] = set()
    # finished endpoints queue here from their done callbacks: waiting costs O(1) per endpoint,
    # where asyncio.wait(pending) would add and remove a callback on every endpoint in flight
    # (up to the limit, 1,024) for each one that finishes (issue 12, quick-depth speed)
    finished: deque[asyncio.Future[dict[str, Any]]] = deque()
    news = asyncio.Event()

    def on_done(task: asyncio.Future[dict[str, Any]]) -> None:
        finished.append(task)
        news.set()

    if stop is not None:
        stop_waiter = asyncio.ensure_future(stop.wait())
        stop_waiter.add_done_callback(lambda _t: news.set())
    source = iter(targets)
    handed = 0
    try:
        while True:
            # endpoints in flight: one per connection the limit allows, so the limit is what
            # paces the scan (an endpoint's checks are chains of round trips: at high RTT
            # endpoints in flight are the throughput); it follows the adaptive limit
            in_flight = global_limit.limit
            while len(pending) < in_flight and not (stop is not None and stop.is_set()):
                target = next(source, None)
                if target is None:
                    break
                started = asyncio.ensure_future(
                    scan_endpoint(target, options, global_limit, depth))
                started.add_done_callback(on_done)
                pending.add(started)
                del started
            if not pending or (stop is not None and stop.is_set()):
                break
            if not finished:
                news.clear()
                await news.wait()
            while finished:  # no local keeps a finished result beyond its hand-over
                pending.discard(finished[0])
                taken = on_result(finished.popleft().result())
                if isawaitable(taken):
                    # the receiver is behind (a worker's queue to the parent is full): no new
                    # endpoint starts until it takes this one, so what waits for it is
                    # bounded by the endpoints in flight (bounded by construction)
                    await taken
                del taken
                handed += 1
    finally:
        if stop is not None:
            stop_waiter.cancel()
        for task in pending:
            task.remove_done_callback(on_done)
            task.cancel()
        await asyncio.gather(*pending, *((stop_waiter,) if stop is not None else ()),
                             return_exceptions=True)
    return handed


async def scan(targets: Sequence[Target], options: ScanOptions, concurrency: int = 32,
               on_result: Callable[[dict[str, Any]], object] | None = None,
               depth: str = "standard") -> list[dict[str, Any]]:
    """Scan all targets and return them in input order (a small scan: the tests, the demo);
    `on_result` still sees each endpoint as it finishes. Large scans use `scan_stream`."""
    found: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    def keep(endpoint: dict[str, Any]) -> None:
        key = (endpoint["target"], endpoint["sni"], endpoint["starttls"])
        found.setdefault(key, []).append(endpoint)
        if on_result is not None:
            on_result(endpoint)

    await scan_stream(targets, options, concurrency, keep, depth=depth)
    return [found[(t.text, t.sni, t.starttls)].pop() for t in targets]
