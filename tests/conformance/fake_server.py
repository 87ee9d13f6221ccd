"""A scripted misbehaving TLS 1.3 server for the conformance tests (hello level only), built on
the hostile-peer kit of tests/fakepeer.py (one scripted-peer framework for every test).

Modes: "short_ct" answers a share with a ServerHello whose ML-KEM ciphertext is 1 byte short;
"hrr_sent" answers a share with an HRR for the group the client already sent;
"accept_all" answers any share (even a malformed one) with a ServerHello;
"close" closes every connection at once. A share-less hello always gets an HRR for the first
offered group, so support detection sees the group as supported.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import fakepeer

from pqscan.registry.tls import group
from pqscan.tls.extensions import KeyShareEntry
from pqscan.tls.messages import ClientHello


def answer(mode: str, ch: ClientHello) -> bytes:
    shares = fakepeer.offered_shares(ch)
    if not shares:
        return fakepeer.hello_retry(ch, fakepeer.offered_groups(ch)[0], suite=0x1301)
    first = shares[0]
    if mode == "hrr_sent":
        return fakepeer.hello_retry(ch, first.group, suite=0x1301)
    size = group(first.group).server_share_len or 32
    if mode == "short_ct":
        size -= 1
    return fakepeer.server_hello(ch, suite=0x1301, group=first.group,
                                 share=KeyShareEntry(first.group, os.urandom(size)).to_bytes())


@contextmanager
def fake_server(mode: str) -> Iterator[int]:
    """Run the fake server on 127.0.0.1 (one thread per connection); yields its port."""

    def handler(conn: socket.socket) -> None:
        if mode == "close":
            return
        while True:  # keep answering: a client may send a second hello
            conn.sendall(answer(mode, fakepeer.read_hello(conn)))

    port, close = fakepeer.serve(handler)
    try:
        yield port
    finally:
        close()
