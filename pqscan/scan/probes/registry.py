"""The probe registry: what each TLS check needs and provides, and the order that follows.

A `Probe` is a name, the facts it `needs`, the facts it `provides`, the depths it runs at and
`run(ctx, facts)`, which makes its connections through `ProbeContext.handshake()` and returns
the facts it provides. A `Registry` checks the graph once, when it is built (at import): every
need of a probe has exactly one provider at each depth the probe runs at, and there is no
cycle — a mistake there is a `ProbeGraphError`, never a scan that hangs. `plan(depth)` is the
topological order in levels (the probes of one level need nothing from each other).

`run_probes` runs one endpoint's plan as a data flow: each probe starts the moment its needs
are known (not level by level), so independent chains overlap. A need that ends absent (its
provider returned nothing for it, or was skipped) skips the probe, and the probe's own facts
are absent in turn — that is how "TLS 1.3 checks only when TLS 1.3 is supported" is declared:
they need the fact `tls13`, which the version check provides only then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pqscan.scan.context import ProbeContext

DEPTHS = ("quick", "standard", "full")
STANDARD_AND_FULL = frozenset({"standard", "full"})


class ProbeGraphError(ValueError):
    """The registry's graph is broken: an unknown need, two providers, or a cycle."""


class EndpointDown(Exception):  # noqa: N818 - an outcome, not a bug
    """Raised by an entry probe when no TLS server answered: the endpoint is `status`
    ("unreachable" | "error") for `reason`, and nothing else is probed."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Facts:
    """The facts of one endpoint, by name, as the probes provide them; `depth_of` is how many
    dependent connections it took to learn each (the critical path, in round trips)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._depth: dict[str, int] = {}

    def __contains__(self, name: object) -> bool:
        return self._values.get(name) is not None  # type: ignore[call-overload]

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        value = self._values.get(name)
        return default if value is None else value

    def set(self, name: str, value: Any, depth: int) -> None:
        self._values[name] = value
        self._depth[name] = depth

    def depth_of(self, names: Iterable[str]) -> int:
        return max((self._depth.get(n, 0) for n in names), default=0)

    def items(self) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in self._values.items() if v is not None]


class Probe(Protocol):
    """One check: its connections, and the facts it turns them into."""

    @property
    def name(self) -> str: ...

    @property
    def needs(self) -> tuple[str, ...]: ...

    @property
    def provides(self) -> tuple[str, ...]: ...

    @property
    def depths(self) -> frozenset[str]: ...

    def run(self, ctx: ProbeContext, facts: Facts) -> Awaitable[Mapping[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Check:
    """A `Probe` made of a coroutine function: the usual way a probe module declares one."""

    name: str
    needs: tuple[str, ...]
    provides: tuple[str, ...]
    fn: Callable[[ProbeContext, Facts], Awaitable[Mapping[str, Any]]]
    depths: frozenset[str] = STANDARD_AND_FULL

    def run(self, ctx: ProbeContext, facts: Facts) -> Awaitable[Mapping[str, Any]]:
        return self.fn(ctx, facts)


class Registry:
    """The probes, with their plan per depth checked at construction."""

    def __init__(self, probes: Iterable[Probe]) -> None:
        self.probes: tuple[Probe, ...] = tuple(probes)
        names = [p.name for p in self.probes]
        if len(set(names)) != len(names):
            raise ProbeGraphError(f"probe registered twice: {sorted(_twice(names))}")
        for p in self.probes:
            unknown = p.depths - set(DEPTHS)
            if unknown:
                raise ProbeGraphError(f"probe {p.name}: unknown depth {sorted(unknown)}")
        self._plans = {d: self._plan(d) for d in DEPTHS}

    def selected(self, depth: str) -> tuple[Probe, ...]:
        """The declarative filter: the probes that run at `depth`."""
        if depth not in DEPTHS:
            raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
        return tuple(p for p in self.probes if depth in p.depths)

    def plan(self, depth: str) -> tuple[tuple[Probe, ...], ...]:
        """The probes of `depth` in topological levels: a probe's needs all come from
        earlier levels, so the probes of one level may run concurrently."""
        if depth not in DEPTHS:
            raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
        return self._plans[depth]

    def _plan(self, depth: str) -> tuple[tuple[Probe, ...], ...]:
        probes = self.selected(depth)
        provider: dict[str, Probe] = {}
        for p in probes:
            for fact in p.provides:
                if fact in provider:
                    raise ProbeGraphError(f"depth {depth}: fact {fact!r} provided by both "
                                          f"{provider[fact].name} and {p.name}")
                provider[fact] = p
        for p in probes:
            for need in p.needs:
                if need not in provider:
                    raise ProbeGraphError(f"depth {depth}: probe {p.name} needs {need!r}, "
                                          "which no probe provides")
        levels: list[tuple[Probe, ...]] = []
        placed: set[str] = set()
        left = list(probes)
        while left:
            ready = tuple(p for p in left
                          if all(provider[n].name in placed for n in p.needs))
            if not ready:
                raise ProbeGraphError(f"depth {depth}: cycle among "
                                      f"{', '.join(sorted(p.name for p in left))}")
            levels.append(ready)
            placed.update(p.name for p in ready)
            left = [p for p in left if p.name not in placed]
        return tuple(levels)


def _twice(names: list[str]) -> set[str]:
    return {n for n in names if names.count(n) > 1}


async def run_probes(registry: Registry, depth: str, ctx: ProbeContext) -> Facts:
    """Run the plan of `depth` for one endpoint; an `EndpointDown` or a bug in any probe
    cancels the rest and propagates."""
    facts = Facts()
    done: dict[str, asyncio.Future[None]] = {}
    loop = asyncio.get_running_loop()
    order = [p for level in registry.plan(depth) for p in level]
    for p in order:
        done[p.name] = loop.create_future()
    provider = {f: p.name for p in order for f in p.provides}

    async def one(p: Probe) -> None:
        try:
            for need in p.needs:  # plain awaits: no gathering future per probe (issue 13)
                await done[provider[need]]
            if all(n in facts for n in p.needs):
                start = facts.depth_of(p.needs)
                found, depth_reached = await ctx.tracked(start, p.run(ctx, facts))
                extra = set(found) - set(p.provides)
                if extra:
                    raise ProbeGraphError(f"probe {p.name} provided undeclared {sorted(extra)}")
                for fact, value in found.items():
                    facts.set(fact, value, depth_reached)
        finally:
            if not done[p.name].done():
                done[p.name].set_result(None)

    tasks: list[asyncio.Future[Any]] = [asyncio.ensure_future(one(p)) for p in order]
    try:
        await asyncio.gather(*tasks)
    finally:
        # a fact may be work still running that a later probe awaits (`tls12_fold`): it ends
        # with the probes, never outlives its endpoint
        tasks += [v for _, v in facts.items() if isinstance(v, asyncio.Future)]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return facts
