"""A scripted misbehaving TLS 1.3 server for the conformance tests (hello level only).

Modes: "short_ct" answers a share with a ServerHello whose ML-KEM ciphertext is 1 byte short;
"hrr_sent" answers a share with an HRR for the group the client already sent;
"accept_all" answers any share (even a malformed one) with a ServerHello;
"close" closes every connection at once. A share-less hello always gets an HRR for the first
offered group, so support detection sees the group as supported.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pqscan.registry.tls import group
from pqscan.tls import extensions as ext
from pqscan.tls import messages
from pqscan.tls.codec import u16
from pqscan.tls.extensions import Extension, KeyShareEntry
from pqscan.tls.messages import HRR_RANDOM, ClientHello, ServerHello


def _hello(ch: ClientHello, random: bytes, key_share: bytes) -> bytes:
    sh = ServerHello(0x0303, random, ch.session_id, 0x1301, 0,
                     (Extension(ext.SUPPORTED_VERSIONS, u16(0x0304)),
                      Extension(ext.KEY_SHARE, key_share)))
    return messages.records_for(messages.HANDSHAKE, sh.to_bytes(), version=0x0303)


def answer(mode: str, ch: ClientHello) -> bytes:
    groups = ext.parse_u16_list(ch.extension(ext.SUPPORTED_GROUPS))  # type: ignore[arg-type]
    shares = ext.parse_client_key_shares(ch.extension(ext.KEY_SHARE))  # type: ignore[arg-type]
    if not shares:
        return _hello(ch, HRR_RANDOM, u16(groups[0]))
    first = shares[0]
    if mode == "hrr_sent":
        return _hello(ch, HRR_RANDOM, u16(first.group))
    size = group(first.group).server_share_len or 32
    if mode == "short_ct":
        size -= 1
    return _hello(ch, os.urandom(32), KeyShareEntry(first.group, os.urandom(size)).to_bytes())


async def _serve(mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        if mode != "close":
            buffer = b""
            while True:
                header = await reader.readexactly(5)
                buffer += await reader.readexactly(int.from_bytes(header[3:5], "big"))
                msgs, buffer = messages.split_handshake(buffer)
                for _type, body, _raw in msgs:  # keep answering: a client may retry
                    writer.write(answer(mode, ClientHello.parse(body)))
                    await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@contextmanager
def fake_server(mode: str) -> Iterator[int]:
    """Run the fake server on 127.0.0.1 in a thread; yields its port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def start() -> None:
        server = await asyncio.start_server(lambda r, w: _serve(mode, r, w), "127.0.0.1", 0)
        holder["server"] = server
        holder["port"] = server.sockets[0].getsockname()[1]
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()),
                                              loop.run_forever()), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield int(holder["port"])  # type: ignore[call-overload]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
