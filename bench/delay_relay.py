"""A TCP relay that delays every byte by a fixed time each way (bench_farm.py --latency).

The kernel here has no sch_netem (`tc qdisc add ... netem` answers "Specified qdisc kind is
unknown"), so the latency mode delays traffic in user space instead: the relay listens on
LISTEN_HOST:PORT for every PORT given and forwards to UPSTREAM_HOST:PORT, holding each chunk
for DELAY seconds in each direction (order kept).  It runs only inside the benchmark's own
network namespace.  Limitation: the TCP handshake with the relay is not delayed (user space
cannot hold a SYN-ACK), so a connection costs one round trip less than on a real 2*DELAY path.

It is built from asyncio Protocols and one timer per direction (no task, no queue per
connection) so that its own CPU stays small next to the scanner's at a thousand connections
per second: the first version (streams, five tasks per connection) became the bottleneck at
high concurrency and hid what the scanner could do.

usage: python delay_relay.py DELAY LISTEN_HOST UPSTREAM_HOST READY_FILE PORT...
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from pathlib import Path


class _Delayed:
    """One direction: chunks held until their time, written in order; None is the EOF."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.out: asyncio.Transport | None = None
        self.held: deque[tuple[float, bytes | None]] = deque()
        self.timer: asyncio.TimerHandle | None = None
        self.loop = asyncio.get_running_loop()

    def push(self, chunk: bytes | None) -> None:
        self.held.append((self.loop.time() + self.delay, chunk))
        if self.timer is None:
            self.timer = self.loop.call_at(self.held[0][0], self._flush)

    def _flush(self) -> None:
        self.timer = None
        if self.out is None:  # the far side is not connected yet: try again shortly
            self.timer = self.loop.call_later(0.001, self._flush)
            return
        now = self.loop.time()
        while self.held and self.held[0][0] <= now:
            _, chunk = self.held.popleft()
            if self.out.is_closing():
                self.held.clear()
                return
            if chunk is None:
                if self.out.can_write_eof():
                    self.out.write_eof()
                self.loop.call_later(self.delay + 1, self.out.close)
            else:
                self.out.write(chunk)
        if self.held:
            self.timer = self.loop.call_at(self.held[0][0], self._flush)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.held.clear()


class _Side(asyncio.Protocol):
    """One socket of a relayed connection; what it receives goes into `forward`."""

    def __init__(self, forward: _Delayed, backward: _Delayed, peer: _Side | None = None
                 ) -> None:
        self.forward, self.backward, self.peer = forward, backward, peer
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a TCP transport (uvloop's is no subclass of asyncio.Transport)
        self.transport = transport  # type: ignore[assignment]
        self.backward.out = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.forward.push(data)

    def eof_received(self) -> bool:
        self.forward.push(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.backward.stop()
        if exc is not None and self.peer is not None and self.peer.transport is not None:
            self.peer.transport.abort()  # a reset travels on as a reset


class _Client(_Side):
    """The accepted side: connects upstream when it is accepted."""

    def __init__(self, delay: float, upstream: str, port: int) -> None:
        super().__init__(_Delayed(delay), _Delayed(delay))
        self.upstream, self.port = upstream, port

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, server = await loop.create_connection(
                lambda: _Side(self.backward, self.forward, self), self.upstream, self.port)
        except OSError:
            if self.transport is not None:
                self.transport.abort()
            return
        self.peer = server


async def _serve(delay: float, listen: str, upstream: str, ready: Path, ports: list[int]) -> None:
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(lambda p=port: _Client(delay, upstream, p), listen,
                                        port, backlog=4096) for port in ports]
    ready.write_text("ready\n")
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main(argv: list[str]) -> None:
    delay, listen, upstream, ready = float(argv[0]), argv[1], argv[2], Path(argv[3])
    try:  # the relay's CPU competes with the scanner's on this machine: the cheaper loop
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve(delay, listen, upstream, ready, [int(p) for p in argv[4:]]))


if __name__ == "__main__":
    main(sys.argv[1:])
