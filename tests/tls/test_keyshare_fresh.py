"""Every hello carries fresh key shares, also across one endpoint's connections in a scan:
"Clients and Servers MUST NOT reuse a key share for multiple connections" (RFC 9846 §4.2.8).
Real OpenSSL lab server; the share is read back from the bytes the client sent."""

from __future__ import annotations

import asyncio

import pytest

from pqscan.lab import LabEndpoint
from pqscan.scan.context import ProbeContext, ScanOptions
from pqscan.tls.offer import ClientOffer
from pqscan.tls.result import HandshakeResult

pytestmark = pytest.mark.lab

X25519 = 0x001D


def _client_bytes(r: HandshakeResult) -> bytes:
    return b"".join(data for direction, data in r.wire if direction == "client")


def test_one_endpoints_connections_never_share_a_key(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["hybrid-preferred"]
    offer = ClientOffer(groups=(X25519,), key_shares=(X25519,), sni="localhost")

    async def scan() -> list[HandshakeResult]:
        ctx = ProbeContext(ep.host, ep.port, "localhost", ScanOptions(timeout=5),
                           asyncio.Semaphore(4))
        return [await ctx.handshake(f"t[{i}]", offer) for i in range(3)]

    results = asyncio.run(scan())
    assert all(r.group == X25519 for r in results), [r.reason for r in results]
    # the X25519 share is the last 32 bytes of the key_share extension, the hello's last one
    shares = {_client_bytes(r)[-32:] for r in results}
    assert len(shares) == 3
