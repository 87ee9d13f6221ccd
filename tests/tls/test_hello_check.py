"""The ServerHello / HelloRetryRequest checked against the ClientHello (tls/hello_check.py):
each violation named with its field, value and RFC section; a consistent answer passes; and the
client aborts a violation with a fatal illegal_parameter alert (RFC 8446 §4.1.3, §4.1.4)."""

from __future__ import annotations

import asyncio
import socket
import threading

import fakepeer
import pytest

from pqscan.tls import extensions as ext
from pqscan.tls import hello_check
from pqscan.tls.codec import u16
from pqscan.tls.extensions import Extension, KeyShareEntry
from pqscan.tls.handshake import run_handshake
from pqscan.tls.messages import HRR_RANDOM, ServerHello
from pqscan.tls.offer import ClientOffer, build_client_hello
from pqscan.tls.transport import Limits

X25519, P256, P384 = 0x001D, 0x0017, 0x0018
OFFER = ClientOffer(groups=(X25519, P256), key_shares=(X25519,), sni="localhost")
SID = b"\x07" * 32
HELLO = build_client_hello(OFFER, (KeyShareEntry(X25519, b"\x01" * 32),), b"\x00" * 32, SID)
SHARED = frozenset({X25519})


def _sh(suite: int = 0x1301, version: int = 0x0304, group: int = X25519, sid: bytes = SID,
        random: bytes = b"\x02" * 32, key_share: bytes | None = None,
        extra: tuple[Extension, ...] = ()) -> ServerHello:
    share = key_share if key_share is not None else KeyShareEntry(group, b"\x03" * 32).to_bytes()
    return ServerHello(0x0303, random, sid, suite, 0,
                       (Extension(ext.SUPPORTED_VERSIONS, u16(version)),  # selected_version
                        Extension(ext.KEY_SHARE, share)) + extra)


def _hrr(group: int | None, **kw: object) -> ServerHello:
    exts = (Extension(ext.SUPPORTED_VERSIONS, u16(0x0304)),)
    if group is not None:
        exts += (Extension(ext.KEY_SHARE, u16(group)),)  # HRR key_share: selected_group only
    return ServerHello(0x0303, HRR_RANDOM, SID, 0x1301, 0, exts)


def test_consistent_answers_pass() -> None:
    assert hello_check.check_server_hello(_sh(), HELLO, SHARED, OFFER.groups, None) is None
    assert hello_check.check_hrr(_hrr(P256), HELLO, SHARED, OFFER.groups, False) is None


@pytest.mark.parametrize(("sh", "words"), [
    (_sh(suite=0x1399), "ServerHello cipher_suite 0x1399 was never offered (RFC 8446 §4.1.3"),
    (_sh(version=0x0305), "supported_versions selects 0x0305, which was never offered "
                          "(RFC 8446 §4.2.1)"),
    (_sh(version=0x0303), "supported_versions selects 0x0303"),
    (_sh(group=0x0A0A), "key_share group 0x0a0a was never offered (RFC 8446 §4.2.8)"),
    (_sh(group=P256), "key_share group 0x0017 has no client key share (RFC 8446 §4.2.8)"),
    (_sh(sid=b""), "legacy_session_id_echo does not echo the client's (RFC 8446 §4.1.3)"),
    (_sh(extra=(Extension(0x5A5A, b""),)), "extension 23130 was never offered"),
    (_sh(extra=(Extension(ext.SERVER_NAME, b""),)), "extension 0 is not allowed there"),
])
def test_server_hello_violations(sh: ServerHello, words: str) -> None:
    why = hello_check.check_server_hello(sh, HELLO, SHARED, OFFER.groups, None)
    assert why is not None and words in why


def test_server_hello_after_hrr_must_follow_it() -> None:
    hrr = _hrr(P256)
    why = hello_check.check_server_hello(_sh(group=X25519), HELLO, frozenset({X25519, P256}),
                                         OFFER.groups, hrr)
    assert why == ("ServerHello key_share group 0x001d is not the group 0x0017 the "
                   "HelloRetryRequest asked for (RFC 8446 §4.2.8)")
    why = hello_check.check_server_hello(_sh(suite=0x1302), HELLO, frozenset({P256}),
                                         OFFER.groups, hrr)
    assert why is not None and "differs from the HelloRetryRequest's 0x1301" in why


@pytest.mark.parametrize(("hrr", "previous", "words"), [
    (_hrr(P256), True, "second HelloRetryRequest (RFC 8446 §4.1.4)"),
    (_hrr(X25519), False, "already sent a key share: it would change nothing"),
    (_hrr(None), False, "HelloRetryRequest that would change nothing (RFC 8446 §4.1.4)"),
    (_hrr(P384), False, "selects group 0x0018, which was never offered (RFC 8446 §4.2.8)"),
])
def test_hrr_violations(hrr: ServerHello, previous: bool, words: str) -> None:
    why = hello_check.check_hrr(hrr, HELLO, SHARED, OFFER.groups, previous)
    assert why is not None and words in why


def test_hrr_to_a_tls12_hello() -> None:
    tls12 = build_client_hello(ClientOffer(versions=(0x0303,), cipher_suites=(0x1301,)), ())
    why = hello_check.check_hrr(_hrr(P256), tls12, frozenset(), (P256,), False)
    assert why is not None and why.startswith("HelloRetryRequest to a TLS <= 1.2 ClientHello")


def test_the_client_aborts_with_illegal_parameter() -> None:
    seen: list[bytes] = []
    done = threading.Event()

    def peer(conn: socket.socket) -> None:
        conn.sendall(fakepeer.server_hello(fakepeer.read_hello(conn), suite=0x1399))
        conn.settimeout(5)
        seen.append(conn.recv(64))
        done.set()

    port, close = fakepeer.serve(peer)
    try:
        r = asyncio.run(run_handshake("127.0.0.1", port, OFFER, limits=Limits(2, 2)))
        done.wait(5)
    finally:
        close()
    assert r.outcome == "error" and r.error_kind == "violation"
    # alert record: type 21, version 0x0303, length 2, level fatal(2), illegal_parameter(47)
    assert seen == [bytes.fromhex("1503030002" "02" "2f")]
