"""The scan of endpoints: run the checks of one endpoint in order, many endpoints at once.

One asyncio event loop; a global connection limit shared by all endpoints (optionally paced
to `rate` new connections per second) and a per-endpoint limit inside `ProbeContext`.
`scan_stream` pulls targets lazily and hands each finished endpoint to `on_result` without
keeping it, so memory is bounded by the endpoints in flight, not by the input. Every endpoint
ends as a dict of the JSON contract — an internal error in one endpoint's checks becomes that
endpoint's `status: "error"`, never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from pqscan.model.status import SUPPORTED
from pqscan.scan.adaptive import START, AdaptiveLimit, Controller, fd_ceiling
from pqscan.scan.assemble import EndpointFacts, build_endpoint, unreachable_endpoint
from pqscan.scan.census import census_facts, mark_not_gathered
from pqscan.scan.context import CONNECT_FAILURES, ProbeContext, ScanOptions
from pqscan.scan.probes.behaviour import check_behaviour
from pqscan.scan.probes.certificates import (
    check_signature_schemes,
    check_tls12_signature_schemes,
)
from pqscan.scan.probes.groups import confirm_groups, enumerate_groups, preference_basis
from pqscan.scan.probes.suites import check_tls12_suites, check_tls13_suites
from pqscan.scan.probes.tls12 import check_tls12
from pqscan.scan.probes.versions import VERSION_NAMES, check_versions, tls12_groups
from pqscan.scan.targets import Target

DEPTHS = ("quick", "standard", "full")
FULL_RETRIES = 2  # `full`: one more retry on timeout/reset than `standard` (fewer inconclusive)


def connection_limit(concurrency: int, rate: float | None = None, adaptive: bool = True,
                     floor: int = 4) -> AdaptiveLimit:
    """The global connection limit: adaptive up to `concurrency` (pqscan.scan.adaptive), or
    exactly `concurrency` when not adaptive; paced to `rate` new connections per second."""
    ceiling = fd_ceiling(max(1, concurrency))
    start = START if adaptive else ceiling
    return AdaptiveLimit(Controller(ceiling, floor=floor, start=start), rate, adaptive)


def _unreachable_reason(results: Sequence[Any]) -> tuple[str, str] | None:
    """("unreachable" | "error", reason) when no version probe reached a TLS server."""
    if any(r.accepted or r.outcome == "alert" for r in results):
        return None
    kinds = {r.error_kind for r in results}
    first = results[0]
    if kinds <= CONNECT_FAILURES:
        return "unreachable", first.reason
    starttls = [r for r in results if r.error_kind == "starttls"]
    if starttls:  # the server answered the preamble but would not start TLS: not scanned
        return "error", starttls[0].reason
    # a protocol violation names the culprit; the TLS 1.3 probe's first (results are sorted)
    violation = [r for r in reversed(results) if r.error_kind == "violation"]
    if violation:
        return "error", f"protocol violation: {violation[0].reason}"
    decode = [r for r in results if r.error_kind == "decode"]
    if decode:
        return "error", decode[0].reason
    return "error", f"no TLS answer: {first.reason}"


async def scan_endpoint(target: Target, options: ScanOptions,
                        global_limit: asyncio.Semaphore, depth: str = "standard"
                        ) -> dict[str, Any]:
    if depth == "full":
        options = replace(options, retries=max(options.retries, FULL_RETRIES))
    if target.protocol == "ssh":  # issue 15: the SSH checks (pqscan.scan.probes.ssh)
        from pqscan.scan.scanner_ssh import scan_ssh_endpoint
        return await scan_ssh_endpoint(target, options, global_limit)
    ctx = ProbeContext(target.host, target.port, target.sni, options, global_limit,
                       starttls=target.preamble())
    try:
        endpoint = await (_census(ctx, target) if depth == "quick" else _scan(ctx, target))
    except Exception as exc:  # noqa: BLE001 - one endpoint's bug must not stop the scan
        endpoint = unreachable_endpoint(target, "error",
                                        f"internal error: {type(exc).__name__}: {exc}", ctx)
    return endpoint


async def _census(ctx: ProbeContext, target: Target) -> dict[str, Any]:
    """`--depth quick`: at most three hellos, chosen by the first answer (pqscan.scan.census)."""
    facts, results = await census_facts(ctx)
    trouble = _unreachable_reason(results)
    if trouble:
        return unreachable_endpoint(target, trouble[0], trouble[1], ctx)
    return mark_not_gathered(build_endpoint(target, facts, ctx))


async def _scan(ctx: ProbeContext, target: Target) -> dict[str, Any]:
    versions = await check_versions(ctx)
    trouble = _unreachable_reason(list(versions.results.values()))
    if trouble:
        return unreachable_endpoint(target, trouble[0], trouble[1], ctx)
    facts = EndpointFacts(versions=versions)
    jobs = []
    if versions.versions["TLSv1.3"].value == SUPPORTED:
        jobs.append(_tls13(ctx, facts))
    legacy = [v for v, n in sorted(VERSION_NAMES.items(), reverse=True)
              if n != "TLSv1.3" and versions.versions[n].value == SUPPORTED]
    if legacy:
        jobs.append(_tls12(ctx, facts, legacy[0]))
    await asyncio.gather(*jobs)
    return build_endpoint(target, facts, ctx)


async def _tls13(ctx: ProbeContext, facts: EndpointFacts) -> None:
    behaviour, (order, entries, _stop) = await asyncio.gather(
        check_behaviour(ctx, facts.versions.browser_like), enumerate_groups(ctx))
    facts.behaviour = behaviour
    confirmed = {n.group: f"behaviour.{name}" for name, n in behaviour.items()
                 if n.group is not None and n.result.confirmed}
    group_for_suites = order[0] if order else 0x001D
    (facts.groups, (facts.tls13_suites, facts.tls13_suites_reason), facts.sigschemes,
     facts.preference_basis) = await asyncio.gather(
        confirm_groups(ctx, order, entries, confirmed),
        check_tls13_suites(ctx, group_for_suites),
        check_signature_schemes(ctx, order or [0x001D]),
        preference_basis(ctx, order),
    )


async def _tls12(ctx: ProbeContext, facts: EndpointFacts, version: int) -> None:
    # the version probe is the suite elimination's round 0; the elimination answers FFDHE and
    # RSA key transport (issue 13: fewer connections, same facts)
    suites = asyncio.ensure_future(check_tls12_suites(
        ctx, version, tls12_groups(), facts.versions.results.get(VERSION_NAMES[version])))
    facts.tls12, (facts.tls12_suites, facts.tls12_suites_reason), facts.tls12_sigschemes = \
        await asyncio.gather(
            check_tls12(ctx, version, suites), suites,
            check_tls12_signature_schemes(ctx, version, pq_only=facts.has_tls13))
    facts.legacy_version = version


async def scan_stream(targets: Iterable[Target], options: ScanOptions, concurrency: int,
                      on_result: Callable[[dict[str, Any]], object], *, depth: str = "standard",
                      rate: float | None = None, stop: asyncio.Event | None = None) -> int:
    """Scan targets as they come, handing each finished endpoint to `on_result` and keeping
    none; returns how many were handed over. When `stop` is set no new endpoint starts and
    the ones in flight are cancelled (their results are lost, the caller marks the run
    incomplete)."""
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
    global_limit = connection_limit(concurrency, rate, options.adaptive, options.per_endpoint)
    pending: set[asyncio.Future[dict[str, Any]]] = set()
    source = iter(targets)
    stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
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
                pending.add(asyncio.ensure_future(
                    scan_endpoint(target, options, global_limit, depth)))
            if not pending or (stop is not None and stop.is_set()):
                break
            waiting: set[asyncio.Future[Any]] = set(pending)
            if stopper is not None:
                waiting.add(stopper)
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is stopper:
                    continue
                pending.discard(task)
                on_result(task.result())
                handed += 1
            del done, waiting  # the finished results must not outlive their hand-over
    finally:
        for task in (*pending, *((stopper,) if stopper is not None else ())):
            task.cancel()
        await asyncio.gather(*pending, *((stopper,) if stopper else ()), return_exceptions=True)
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
