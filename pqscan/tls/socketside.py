"""The socket side of one connection: the asyncio Protocol that collects received bytes in one
buffer and wakes the connection's single reader, and the log of what was said.

`pqscan.tls.transport.Connection` owns the deadline and the reading; this owns no time and
never awaits except in `wait`, the one place a reader sleeps (issue 13: no task and no
`wait_for` per read).
"""

from __future__ import annotations

import asyncio
from typing import Any


class WireLog:
    """The bytes in both directions, in order, as runs of one direction. Chunks are kept in
    lists and joined once when read, so logging is linear in the bytes logged."""

    __slots__ = ("_runs",)

    def __init__(self) -> None:
        self._runs: list[tuple[str, list[bytes]]] = []

    def add(self, direction: str, data: bytes) -> None:
        if self._runs and self._runs[-1][0] == direction:
            self._runs[-1][1].append(data)
        else:
            self._runs.append((direction, [data]))

    def runs(self) -> tuple[tuple[str, bytes], ...]:
        return tuple([(direction, b"".join(chunks)) for direction, chunks in self._runs])


class SocketSide(asyncio.Protocol):
    """The socket side of one connection: received bytes land in one bytearray and wake the
    single reader. Nothing here awaits, so a connection costs no task and no `wait_for` per
    read: the reader waits on one future with one timer (issue 13, per-connection CPU)."""

    __slots__ = ("loop", "transport", "buf", "pos", "received", "max_bytes", "over", "eof",
                 "lost", "closed", "paused", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop, max_bytes: int) -> None:
        # kept: asyncio.get_running_loop() makes a getpid() system call on every call
        # (CPython 3.11 checks for a fork), several per connection (issue 13)
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()  # received, not yet consumed: buf[pos:]
        self.pos = 0
        self.received = 0
        self.max_bytes = max_bytes
        self.over = False  # the server sent more than max_bytes
        self.eof = False
        self.lost: Exception | None = None  # how the connection ended (reset), once it did
        self.closed = False
        self.paused = False  # the kernel's send buffer is full (pause_writing)
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a TCP transport (uvloop's is not a subclass of asyncio.Transport, hence no isinstance)
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.max_bytes:
            # stop reading at once: memory stays bounded however fast the server floods
            self.over = True
            if self.transport is not None:
                self.transport.abort()
        else:
            if self.pos and self.pos >= len(self.buf) // 2:
                del self.buf[: self.pos]  # amortised: each byte is moved at most a few times
                self.pos = 0
            self.buf += data
        waiter = self.waiter  # _wake inlined: once per segment received (issue 13)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return True  # keep our half open: a client may still send its alert (half-close)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.eof = True
        self.lost = exc
        self._wake()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def wait(self, seconds: float) -> bool:
        """Wait for news (bytes, eof, loss, room to write) at most `seconds`; False on time."""
        loop = self.loop
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(seconds, expire, waiter)
        try:
            return await waiter is None
        finally:
            timer.cancel()
            self.waiter = None


def expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(False)
