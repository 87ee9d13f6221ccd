"""The adaptive connection limit (issue 13): the controller fed synthetic samples (no clock),
the semaphore's bookkeeping, and a real loopback scan under it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pqscan.lab import LabEndpoint
from pqscan.scan.adaptive import PROBE_EVERY, START, AdaptiveLimit, Controller, Sample
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.targets import parse_target


def _sample(rate: float, *, failed: int = 0, cpu: float = 0.2, busy: float = 1.0) -> Sample:
    """One quarter second at `rate` connections per second."""
    return Sample(0.25, int(rate * 0.25), failed, cpu, busy)


def _latency_bound(limit: int, rtt: float = 0.05, per_connection_rtts: int = 3) -> float:
    """Connections per second of a scan that only waits on the network (Little's law)."""
    return limit / (rtt * per_connection_rtts)


def test_slow_start_doubles_while_throughput_rises_then_stops_at_the_ceiling() -> None:
    c = Controller(ceiling=1024)
    assert c.limit == START
    limits = [c.limit]
    for _ in range(10):
        limits.append(c.observe(_sample(_latency_bound(c.limit))))
    assert limits[:5] == [64, 128, 256, 512, 1024]
    assert limits[-1] == 1024  # the ceiling holds
    assert c.history[-1][1] == "hold: at the ceiling"


def test_growth_stops_when_throughput_stops_rising() -> None:
    # a server farm that cannot do more than 2,000 connections/s however many are in flight
    c = Controller(ceiling=4096)
    for _ in range(30):
        c.observe(_sample(min(_latency_bound(c.limit), 2000.0)))
    # 2,000/s is reached at a limit of 300: slow start overshoots once, then steps back
    assert 256 <= c.limit <= 600, c.history
    assert not c.slow_start


def test_failures_halve_the_limit_down_to_the_floor() -> None:
    c = Controller(ceiling=1024, floor=4, start=256)
    assert c.observe(_sample(1000, failed=100)) == 128
    assert c.history[-1][1].startswith("halve: 100 of 250")
    for _ in range(10):
        c.observe(_sample(1000, failed=100))
    assert c.limit == 4
    # a few failures (under 5 %) are the internet's background noise, not a signal
    c2 = Controller(ceiling=1024, start=256)
    assert c2.observe(_sample(1000, failed=5)) == 512


def test_a_saturated_cpu_holds_the_limit() -> None:
    c = Controller(ceiling=1024)
    assert c.observe(_sample(2000, cpu=0.97)) == START
    assert c.history[-1][1] == "hold: CPU 97% of a core"
    assert c.observe(_sample(2000, cpu=0.5)) == 2 * START  # room again: slow start goes on


def test_an_unfilled_limit_and_a_thin_sample_hold() -> None:
    c = Controller(ceiling=1024)
    assert c.observe(_sample(2000, busy=0.5)) == START
    assert c.observe(Sample(0.25, 3, 0, 0.1, 1.0)) == START
    assert c.history[-1][1] == "hold: too few connections to judge"


def test_additive_steps_continue_while_they_pay_and_one_that_costs_is_taken_back() -> None:
    c = Controller(ceiling=1024, start=100)
    c.observe(_sample(1000))  # slow start: 200
    assert c.observe(_sample(1000)) == 100  # the doubling brought nothing: back, no slow start
    assert c.history[-1][1].startswith("step back")
    for _ in range(PROBE_EVERY):
        c.observe(_sample(1000))
    assert c.observe(_sample(1000)) == 112  # a probe
    assert c.observe(_sample(1100)) == 126  # it paid: another step
    assert c.observe(_sample(900)) == 112  # this one cost throughput: taken back


def test_the_ceiling_and_floor_are_respected_from_the_start() -> None:
    assert Controller(ceiling=8).limit == 8
    assert Controller(ceiling=1, floor=4).limit == 1


def test_the_limit_never_admits_more_than_it_allows_and_can_shrink() -> None:
    async def main() -> list[int]:
        c = Controller(ceiling=3, floor=1, start=3)
        limit = AdaptiveLimit(c, adaptive=False)
        seen: list[int] = []
        gate = asyncio.Event()

        async def one() -> None:
            async with limit:
                seen.append(limit.in_flight)
                await gate.wait()

        tasks = [asyncio.ensure_future(one()) for _ in range(8)]
        await asyncio.sleep(0.01)
        assert limit.in_flight == 3 and limit.locked()
        c.limit = 1  # shrink below what is open: the open ones finish, one at a time after
        gate.set()
        await asyncio.gather(*tasks)
        assert limit.in_flight == 0
        return seen

    seen = asyncio.run(main())
    assert seen[:3] == [1, 2, 3] and max(seen[3:]) == 1


def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    async def main() -> None:
        limit = AdaptiveLimit(Controller(ceiling=1, floor=1), adaptive=False)
        await limit.acquire()
        waiter = asyncio.ensure_future(limit.acquire())
        other = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        limit.release()
        await asyncio.wait_for(other, 5)
        assert limit.in_flight == 1

    asyncio.run(main())


@pytest.mark.lab
def test_a_loopback_scan_under_the_adaptive_limit_gets_the_fixed_limit_facts(
        lab: dict[str, LabEndpoint], lab_report: dict[str, Any]) -> None:
    targets = [parse_target(f"127.0.0.1:{ep.port}", "localhost") for ep in lab.values()]
    endpoints = asyncio.run(scan(targets, ScanOptions(timeout=5), 1024))
    by_target = {ep["target"]: ep for ep in lab_report["endpoints"]}
    for ep in endpoints:
        assert ep["status"] == by_target[ep["target"]]["status"]
        assert ep["tls"]["kex_state"] == by_target[ep["target"]]["tls"]["kex_state"]


def test_the_decision_history_is_bounded_however_long_the_scan() -> None:
    """Two decisions a second for a day-long census: only the latest HISTORY are kept."""
    from pqscan.scan.adaptive import HISTORY

    c = Controller(ceiling=1024)
    for _ in range(HISTORY * 4):
        c.observe(_sample(_latency_bound(c.limit)))
    assert len(c.history) == HISTORY
    assert c.history[-1] == (1024, "hold: at the ceiling")
