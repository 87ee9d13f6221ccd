"""The adaptive connection limit (issue 13): how many connections a scan keeps in flight.

`Controller` is the decision alone, fed observations, with no clock and no I/O, so it is tested
with synthetic numbers. `AdaptiveLimit` is the event loop's side: the global connection limit
every probe connection passes (a FIFO semaphore whose size the controller changes), optionally
paced to `rate` new connections per second, which samples itself every `INTERVAL` seconds.

The rule, AIMD with a slow start: the limit starts at `START` (the old fixed default) and, while
the connections actually fill it, the process's CPU is not saturated and nothing times out, it
doubles as long as each doubling brings `GAIN` more connections finished per second. A step
that does not pay is taken back; from then on the limit grows by an eighth while each step
brings `STEP_GAIN`, and after a step that did not pay it tries again every `PROBE_EVERY`
intervals (the mix of endpoints changes during a scan). Timeouts and connect timeouts above
`ERROR_SHARE` of an interval's connections halve it (the network or the servers are saying "too
many"), down to `floor`; a saturated CPU holds it (more connections would only queue behind
the interpreter). `ceiling` (`--concurrency`) is never exceeded.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

START = 64  # the fixed default before issue 13: loopback scans start where they were
INTERVAL = 0.5  # seconds between decisions
GAIN = 1.10  # a slow-start doubling must bring 10 % more connections per second
STEP_GAIN = 1.03  # an additive step must bring 3 % more
PROBE_EVERY = 8  # after a step that did not pay, intervals to wait before trying another
ERROR_SHARE = 0.05  # more failed connections than this in an interval: back off
CPU_SATURATED = 0.85  # the process used this share of one core: more would only queue
MIN_SAMPLE = 8  # connections an interval needs before it says anything
# Silence is the congestion signal; a reset or close is how many servers refuse an offer.
ERROR_KINDS = frozenset({"timeout", "connect_timeout"})
FD_RESERVE = 64  # descriptors kept for files, the store, pipes
HISTORY = 256  # decisions kept for diagnosis (about two minutes)


def fd_ceiling(concurrency: int) -> int:
    """`concurrency`, lowered to what this process's open-file limit allows: a connection
    refused for want of a descriptor would read as an unreachable endpoint."""
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return concurrency
    if soft == resource.RLIM_INFINITY:
        return concurrency
    return max(1, min(concurrency, soft - FD_RESERVE))


@dataclass(frozen=True, slots=True)
class Sample:
    """What happened during one interval."""

    seconds: float
    finished: int  # connections that ended (any outcome)
    failed: int  # of those: timeouts, resets, connect failures (ERROR_KINDS)
    cpu: float  # this process's CPU seconds over the interval / `seconds`
    busy: float  # the highest share of the limit in use (1.0: a connection waited for it)


class Controller:
    """Slow start, then additive increase; multiplicative decrease on failures."""

    def __init__(self, ceiling: int, floor: int = 4, start: int = START) -> None:
        self.ceiling = max(1, ceiling)
        self.floor = max(1, min(floor, self.ceiling))
        self.limit = max(self.floor, min(start, self.ceiling))
        self.slow_start = True
        self._last_rate: float | None = None
        self._grew = 0  # how much the last decision added (0: it did not grow)
        self._holds = 0  # decisions since the last step that did not pay
        # (limit, why) after the latest decisions: two a second, so a day-long census would
        # keep ~170k of them if unbounded (issue 12: no state that grows with the run)
        self.history: deque[tuple[int, str]] = deque(maxlen=HISTORY)

    def observe(self, s: Sample) -> int:
        """Decide the next limit from one interval's sample."""
        why = self._decide(s)
        self.history.append((self.limit, why))
        return self.limit

    def _decide(self, s: Sample) -> str:
        if s.finished < MIN_SAMPLE or s.seconds <= 0:
            return "hold: too few connections to judge"
        grew, self._grew = self._grew, 0
        rate = s.finished / s.seconds
        last, self._last_rate = self._last_rate, rate
        if s.failed > ERROR_SHARE * s.finished:
            self.limit = max(self.floor, self.limit // 2)
            self.slow_start, self._last_rate = False, None
            return f"halve: {s.failed} of {s.finished} connections failed"
        if s.busy < 0.9:
            # the connections did not fill the limit: nothing to learn about its size
            self._grew, self._last_rate = grew, last
            return "hold: the limit is not what holds the scan back"
        if grew and last is not None and rate < last * (GAIN if self.slow_start else STEP_GAIN):
            # the last step did not pay (the servers, the network or the CPU are the limit
            # now): take it back, then only probe gently now and then
            self.limit = max(self.floor, self.limit - grew)
            self.slow_start, self._holds = False, 0
            return f"step back: {rate:.0f} connections/s after growing, {last:.0f} before"
        if s.cpu >= CPU_SATURATED:
            return f"hold: CPU {s.cpu:.0%} of a core"
        if self.limit >= self.ceiling:
            return "hold: at the ceiling"
        if not (self.slow_start or grew) and self._holds < PROBE_EVERY:
            self._holds += 1
            return "hold: throughput flat"
        self._holds = 0
        step = self.limit if self.slow_start else max(1, self.limit // 8)
        new = min(self.ceiling, self.limit + step)
        self._grew, self.limit = new - self.limit, new
        return f"grow: {rate:.0f} connections/s" + (" (slow start)" if self.slow_start else "")


class Slots:
    """A FIFO counting limit with a synchronous fast path: `take()` when a slot is free costs
    no coroutine, `wait()` queues. The per-endpoint politeness limit (pqscan.scan.context)."""

    __slots__ = ("free", "_queue")

    def __init__(self, size: int) -> None:
        self.free = size
        self._queue: deque[asyncio.Future[None]] = deque()

    def take(self) -> bool:
        if self.free > 0 and not self._queue:
            self.free -= 1
            return True
        return False

    async def wait(self) -> None:
        """Queue for a slot; `release` hands it over directly."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted and cancelled at once: hand it on
            else:
                self._queue.remove(waiter)
            raise

    def release(self) -> None:
        while self._queue:
            waiter = self._queue.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class AdaptiveLimit(asyncio.Semaphore):
    """The global connection limit: FIFO, sized by a `Controller`, optionally paced.

    A subclass of `asyncio.Semaphore` only so it fits wherever one is expected; it keeps its
    own count (`in_flight`) and queue, so the limit can shrink below the connections open:
    those finish, and no new one starts until the count is under the new limit."""

    def __init__(self, controller: Controller, rate: float | None = None,
                 adaptive: bool = True) -> None:
        super().__init__(controller.limit)
        self.controller = controller
        self.adaptive = adaptive
        self.in_flight = 0
        self._queue: deque[asyncio.Future[None]] = deque()
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._finished = self._failed = 0
        self._busy = 0.0
        self._mark: tuple[float, float] | None = None  # (wall, cpu) at the last decision
        # the loop of the first acquire: get_running_loop() costs a getpid() system call per
        # call (CPython 3.11 checks for a fork) and `finished` runs once per connection
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def limit(self) -> int:
        return self.controller.limit

    def locked(self) -> bool:
        return self.in_flight >= self.limit or bool(self._queue)

    def try_acquire(self) -> bool:
        """Take a slot now if one is free (no pacing, nobody queued): the common case costs
        no coroutine (issue 13, per-connection CPU). False: `await acquire()`."""
        if self._interval or self._mark is None or self.in_flight >= self.limit or self._queue:
            return False
        self.in_flight += 1
        busy = self.in_flight / self.limit
        if busy > self._busy:
            self._busy = busy
        return True

    async def acquire(self) -> Literal[True]:
        loop = asyncio.get_running_loop()
        if self._mark is None:
            self._loop = loop
            self._mark = (loop.time(), time.process_time())
        if self.locked():
            self._busy = 1.0
            waiter: asyncio.Future[None] = loop.create_future()
            self._queue.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self.in_flight -= 1  # granted and cancelled at once: hand it on
                    self._wake()
                else:
                    self._queue.remove(waiter)
                raise
        else:
            self.in_flight += 1
        self._busy = max(self._busy, self.in_flight / self.limit)
        if self._interval:
            await self._pace(loop)
        return True

    async def _pace(self, loop: asyncio.AbstractEventLoop) -> None:
        """`--rate`: a slot is taken first, then the connection waits for its turn."""
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            try:
                await asyncio.sleep(slot - now)
            except BaseException:
                self.release()
                raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._queue and self.in_flight < self.limit:
            waiter = self._queue.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def finished(self, error_kind: str | None) -> None:
        """One connection ended (`error_kind` None when it got an answer); every INTERVAL the
        controller decides the next limit from what ended since the last decision."""
        self._finished += 1
        if error_kind in ERROR_KINDS:
            self._failed += 1
        if not self.adaptive or self._mark is None or self._loop is None:
            return
        now = self._loop.time()
        wall, cpu = self._mark
        if now - wall < INTERVAL:
            return
        cpu_now = time.process_time()
        self.controller.observe(Sample(now - wall, self._finished, self._failed,
                                       (cpu_now - cpu) / (now - wall), self._busy))
        self._mark = (now, cpu_now)
        self._finished = self._failed = 0
        self._busy = self.in_flight / self.limit
        self._wake()
