"""Key shares reused across one endpoint's connections (issue 13, per-connection CPU): with a
`key_shares` dict, run_handshake takes each group's key from it and leaves the ones it made;
the handshakes still decrypt (the reused secret agrees with every server share). Without it
(conformance scripts) every hello carries a fresh key. Real OpenSSL lab server."""

from __future__ import annotations

import asyncio

import pytest

from pqscan.lab import LabEndpoint
from pqscan.scan.context import ProbeContext, ScanOptions
from pqscan.tls.handshake import HandshakeResult, run_handshake
from pqscan.tls.keyshare import KeyShare
from pqscan.tls.offer import ClientOffer

pytestmark = pytest.mark.lab

X25519, X25519MLKEM768 = 0x001D, 0x11EC


def _client_bytes(r: HandshakeResult) -> bytes:
    return b"".join(data for direction, data in r.wire if direction == "client")


def _offer(group: int) -> ClientOffer:
    return ClientOffer(groups=(group,), key_shares=(group,), sni="localhost")


@pytest.mark.parametrize("group", [X25519, X25519MLKEM768])
def test_a_reused_share_still_decrypts_the_server_flight(lab: dict[str, LabEndpoint],
                                                          group: int) -> None:
    ep = lab["hybrid-preferred"]
    shares: dict[int, KeyShare] = {}

    async def two() -> list[HandshakeResult]:
        return [await run_handshake(ep.host, ep.port, _offer(group), depth="full",
                                    key_shares=shares) for _ in range(2)]

    first, second = asyncio.run(two())
    assert list(shares) == [group]  # made once, by the first connection
    share = shares[group].key_exchange()
    for r in (first, second):
        assert r.group == group and r.confirmed and r.finished_ok, r.reason
        assert share in _client_bytes(r)


def test_without_a_dict_every_hello_has_a_fresh_key(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["hybrid-preferred"]
    shares: dict[int, KeyShare] = {}
    kept = asyncio.run(run_handshake(ep.host, ep.port, _offer(X25519), key_shares=shares))
    fresh = asyncio.run(run_handshake(ep.host, ep.port, _offer(X25519)))
    assert kept.group == fresh.group == X25519
    assert shares[X25519].key_exchange() in _client_bytes(kept)
    assert shares[X25519].key_exchange() not in _client_bytes(fresh)


def test_each_endpoint_context_keeps_its_own_keys(lab: dict[str, LabEndpoint]) -> None:
    ep = lab["hybrid-preferred"]

    async def scan() -> list[list[HandshakeResult]]:
        limit = asyncio.Semaphore(4)
        contexts = [ProbeContext(ep.host, ep.port, "localhost", ScanOptions(timeout=5), limit)
                    for _ in range(2)]
        return [[await ctx.handshake(f"t[{i}]", _offer(X25519)) for i in range(2)]
                for ctx in contexts]

    (a1, a2), (b1, b2) = asyncio.run(scan())
    assert all(r.group == X25519 for r in (a1, a2, b1, b2))
    # the X25519 share is the last 32 bytes of the key_share extension, the hello's last one
    share_a, share_b = _client_bytes(a1)[-32:], _client_bytes(b1)[-32:]
    assert _client_bytes(a2)[-32:] == share_a and _client_bytes(b2)[-32:] == share_b
    assert share_a != share_b
