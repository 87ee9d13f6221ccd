"""A TCP relay that delays every byte by a fixed time each way (bench_farm.py --latency).

The kernel here has no sch_netem (`tc qdisc add ... netem` answers "Specified qdisc kind is
unknown"), so the latency mode delays traffic in user space instead: the relay listens on
LISTEN_HOST:PORT for every PORT given and forwards to UPSTREAM_HOST:PORT, holding each chunk
for DELAY seconds in each direction (order kept).  It runs only inside the benchmark's own
network namespace.  Limitation: the TCP handshake with the relay is not delayed (user space
cannot hold a SYN-ACK), so a connection costs one round trip less than on a real 2*DELAY path.

usage: python delay_relay.py DELAY LISTEN_HOST UPSTREAM_HOST READY_FILE PORT...
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                with contextlib.suppress(OSError):
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    task = asyncio.create_task(deliver())
    try:
        while True:
            chunk = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, chunk))
            if not chunk:
                break
        await task
    except (OSError, asyncio.IncompleteReadError):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await task


async def _serve(delay: float, listen: str, upstream: str, ready: Path, ports: list[int]) -> None:
    async def handle(port: int, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            sr, sw = await asyncio.open_connection(upstream, port)
        except OSError:
            cw.close()
            return
        pumps = {asyncio.create_task(_pump(cr, sw, delay)),
                 asyncio.create_task(_pump(sr, cw, delay))}
        try:
            # one side finished: give the other a grace period for its last bytes, then stop
            _done, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                _done, pending = await asyncio.wait(pending, timeout=2 * delay + 2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            cw.close()
            sw.close()

    def handler(port: int) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                       Awaitable[None]]:
        return lambda r, w: handle(port, r, w)

    servers = [await asyncio.start_server(handler(port), listen, port, backlog=1024)
               for port in ports]
    ready.write_text("ready\n")
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main(argv: list[str]) -> None:
    delay, listen, upstream, ready = float(argv[0]), argv[1], argv[2], Path(argv[3])
    asyncio.run(_serve(delay, listen, upstream, ready, [int(p) for p in argv[4:]]))


if __name__ == "__main__":
    main(sys.argv[1:])
