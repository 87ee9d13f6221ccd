"""The scan of endpoints: run the checks of one endpoint in order, many endpoints at once.

One asyncio event loop; a global connection limit shared by all endpoints and a per-endpoint
limit inside `ProbeContext`. Results are handed to `on_result` as each endpoint finishes, so a
caller can stream them. Every endpoint ends as a dict of the JSON contract — an internal
error in one endpoint's checks becomes that endpoint's `status: "error"`, never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from pqscan.model.status import SUPPORTED
from pqscan.scan.assemble import EndpointFacts, build_endpoint, unreachable_endpoint
from pqscan.scan.context import ProbeContext, ScanOptions
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

CONNECT_FAILURES = frozenset({"refused", "connect_timeout", "unreachable", "resolve"})


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
                        global_limit: asyncio.Semaphore) -> dict[str, Any]:
    if target.protocol == "ssh":  # issue 15: the SSH checks (pqscan.scan.probes.ssh)
        from pqscan.scan.scanner_ssh import scan_ssh_endpoint
        return await scan_ssh_endpoint(target, options, global_limit)
    ctx = ProbeContext(target.host, target.port, target.sni, options, global_limit,
                       starttls=target.preamble())
    try:
        endpoint = await _scan(ctx, target)
    except Exception as exc:  # noqa: BLE001 - one endpoint's bug must not stop the scan
        endpoint = unreachable_endpoint(target, "error",
                                        f"internal error: {type(exc).__name__}: {exc}", ctx)
    return endpoint


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


async def scan(targets: Sequence[Target], options: ScanOptions, concurrency: int = 32,
               on_result: Callable[[dict[str, Any]], object] | None = None
               ) -> list[dict[str, Any]]:
    """Scan all targets; results come back in input order (and stream via `on_result`)."""
    global_limit = asyncio.Semaphore(max(1, concurrency))
    # endpoints in flight: enough to keep `concurrency` connections busy, few enough that
    # results stream out as endpoints finish instead of all at the end
    endpoint_limit = asyncio.Semaphore(max(1, concurrency // max(1, options.per_endpoint)))

    async def one(target: Target) -> dict[str, Any]:
        async with endpoint_limit:
            result = await scan_endpoint(target, options, global_limit)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(t) for t in targets)))
