"""The PROBES registry (issue 11 item 4): the graph is checked when it is built, the scanner's
order comes from the declared needs, depths are filters, and `run_probes` runs the plan as a
data flow (a probe whose need ended absent is skipped, undeclared facts are refused).

The probes here make no connection: they check the scheduling, not TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from pqscan.scan.context import ProbeContext, ScanOptions
from pqscan.scan.probes.catalog import DEPTH_SETTINGS, PROBES
from pqscan.scan.probes.registry import (
    DEPTHS,
    Check,
    EndpointDown,
    Facts,
    ProbeGraphError,
    Registry,
    run_probes,
)


def _returns(**facts: Any) -> Any:
    async def fn(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
        return facts
    return fn


def _check(name: str, needs: tuple[str, ...], provides: tuple[str, ...], **facts: Any) -> Check:
    return Check(name, needs, provides, _returns(**facts))


def _ctx() -> ProbeContext:
    return ProbeContext("127.0.0.1", 9, None, ScanOptions(), asyncio.Semaphore(1))


def test_the_shipped_registry_plans_every_depth() -> None:
    for depth in DEPTHS:
        levels = PROBES.plan(depth)
        placed: set[str] = set()
        for level in levels:
            for probe in level:  # every need comes from an earlier level
                providers = {p.name for p in PROBES.selected(depth) if set(p.provides) &
                             set(probe.needs)}
                assert providers <= placed, (depth, probe.name)
            placed.update(p.name for p in level)
        assert placed == {p.name for p in PROBES.selected(depth)}
    assert [p.name for p in PROBES.selected("quick")] == ["census"]
    assert [p.name for p in PROBES.plan("standard")[0]] == ["versions"]
    assert set(DEPTH_SETTINGS) == set(DEPTHS)


def test_full_adds_probes_and_standard_is_not_quick() -> None:
    standard = {p.name for p in PROBES.selected("standard")}
    full = {p.name for p in PROBES.selected("full")}
    assert {"groups.confirm_all", "sigalgs.TLSv1.3.each", "tls12.elimination_full"} <= full
    assert not {"groups.confirm_all", "sigalgs.TLSv1.3.each"} & standard
    assert DEPTH_SETTINGS["full"].retries > DEPTH_SETTINGS["standard"].retries


def test_unknown_need_is_an_error_when_built() -> None:
    with pytest.raises(ProbeGraphError, match="needs 'nothing', which no probe provides"):
        Registry([_check("a", ("nothing",), ("x",))])


def test_cycle_is_an_error_when_built() -> None:
    with pytest.raises(ProbeGraphError, match="cycle among a, b"):
        Registry([_check("a", ("y",), ("x",)), _check("b", ("x",), ("y",))])


def test_two_providers_and_duplicate_names_are_errors() -> None:
    with pytest.raises(ProbeGraphError, match="provided by both a and b"):
        Registry([_check("a", (), ("x",)), _check("b", (), ("x",))])
    with pytest.raises(ProbeGraphError, match="registered twice"):
        Registry([_check("a", (), ("x",)), _check("a", (), ("y",))])


def test_a_need_at_another_depth_only_is_unknown() -> None:
    only_full = Check("f", (), ("x",), _returns(x=1), frozenset({"full"}))
    with pytest.raises(ProbeGraphError, match="depth standard: probe a needs 'x'"):
        Registry([only_full, _check("a", ("x",), ("y",))])


def test_levels_say_what_runs_concurrently() -> None:
    reg = Registry([_check("c", ("a1", "b1"), ("c1",)), _check("a", (), ("a1",)),
                    _check("b", (), ("b1",))])
    assert [[p.name for p in level] for level in reg.plan("standard")] == [["a", "b"], ["c"]]


def test_run_skips_a_probe_whose_need_is_absent() -> None:
    ran: list[str] = []

    def recording(name: str, **facts: Any) -> Any:
        async def fn(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
            ran.append(name)
            return facts
        return fn

    reg = Registry([Check("v", (), ("tls13", "legacy"), recording("v", legacy=12)),
                    Check("t13", ("tls13",), ("groups",), recording("t13", groups=[1])),
                    Check("t12", ("legacy",), ("suites",), recording("t12", suites=[2]))])
    facts = asyncio.run(run_probes(reg, "standard", _ctx()))
    assert ran == ["v", "t12"]
    assert "groups" not in facts and facts["suites"] == [2]


def test_run_refuses_an_undeclared_fact_and_passes_endpoint_down() -> None:
    sneaky = Registry([_check("a", (), ("x",), x=1, y=2)])
    with pytest.raises(ProbeGraphError, match="undeclared"):
        asyncio.run(run_probes(sneaky, "standard", _ctx()))

    async def down(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
        raise EndpointDown("unreachable", "connection refused")

    with pytest.raises(EndpointDown, match="connection refused"):
        asyncio.run(run_probes(Registry([Check("v", (), ("x",), down),
                                         _check("a", ("x",), ("y",), y=1)]),
                               "standard", _ctx()))


def test_work_left_in_a_fact_ends_with_the_endpoint() -> None:
    """A fact may be a task a later probe awaits (the TLS 1.2 curve rounds, `tls12_fold`):
    when another probe fails, that task is cancelled with the probes, not left running."""
    left: list[asyncio.Future[None]] = []

    async def starts(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
        left.append(asyncio.ensure_future(asyncio.sleep(60)))
        return {"work": left[0]}

    async def fails(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
        await asyncio.sleep(0)
        raise RuntimeError("a bug")

    async def waits(ctx: ProbeContext, known: Facts) -> Mapping[str, Any]:
        await asyncio.sleep(60)
        return {"done": await known["work"]}

    reg = Registry([Check("s", (), ("work",), starts), Check("f", ("work",), ("x",), fails),
                    Check("w", ("x",), ("done",), waits)])
    with pytest.raises(RuntimeError, match="a bug"):
        asyncio.run(run_probes(reg, "standard", _ctx()))
    assert left[0].cancelled()


def test_unknown_depth_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="depth must be one of"):
        PROBES.plan("deep")
