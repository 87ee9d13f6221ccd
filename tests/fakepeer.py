"""Scripted TCP peers on 127.0.0.1 for misbehaviour no real server produces (`serve`), and the
catalogue of hostile TLS peers (`HOSTILE`) the hostile-peer tests and bench/bench_hostile.py use.

Each accepted connection runs `handler(conn)` in its own thread; socket errors end only that
connection. `serve` returns the port and a function that stops listening. A handler reads the
client's hello with `read_hello` (pqscan's own ClientHello parser) and answers with the bytes
the misbehaviour calls for; `server_hello` / `hello_retry` build answers that echo the offer
except where the peer means to lie.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import socket
import struct
import threading
import time
from collections.abc import Callable

from pqscan.tls import extensions as ext
from pqscan.tls import messages
from pqscan.tls.codec import u16
from pqscan.tls.extensions import Extension, KeyShareEntry
from pqscan.tls.messages import HRR_RANDOM, ClientHello, ServerHello

Handler = Callable[[socket.socket], None]
PAUSE = 0.15  # seconds between drips: shorter than any test timeout, so never "silence"


def _guard(handler: Handler, conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass
    finally:
        conn.close()


def serve(handler: Handler) -> tuple[int, Callable[[], None]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_guard, args=(handler, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()

    def close() -> None:
        stop.set()
        listener.close()

    return listener.getsockname()[1], close


# --- reading the client and building answers -------------------------------------------------

def recv_exactly(conn: socket.socket, n: int) -> bytes:
    """Exactly n bytes from the client (TLS and SSH scripted peers alike)."""
    out = bytearray()
    while len(out) < n:
        chunk = conn.recv(n - len(out))
        if not chunk:
            raise ConnectionError("client closed")
        out += chunk
    return bytes(out)


def read_hello(conn: socket.socket) -> ClientHello:
    """The client's next ClientHello (reassembled from its records)."""
    buffer = messages.HandshakeBuffer(1 << 20)
    conn.settimeout(10)
    while True:
        header = recv_exactly(conn, 5)
        body = recv_exactly(conn, int.from_bytes(header[3:5], "big"))
        if header[0] != messages.HANDSHAKE:
            continue  # a CCS or alert from the client
        buffer.feed(body)
        msg = buffer.next_message()
        if msg is not None:
            return ClientHello.parse(msg[1])


def offered_groups(ch: ClientHello) -> tuple[int, ...]:
    found = ch.extension(ext.SUPPORTED_GROUPS)
    return ext.parse_u16_list(found) if found else ()


def offered_shares(ch: ClientHello) -> tuple[KeyShareEntry, ...]:
    found = ch.extension(ext.KEY_SHARE)
    return ext.parse_client_key_shares(found) if found else ()


def record(content_type: int, payload: bytes) -> bytes:
    return messages.Record(content_type, 0x0303, payload).to_bytes()


def server_hello(ch: ClientHello, *, suite: int | None = None, version: int = 0x0304,
                 group: int | None = None, random: bytes | None = None,
                 extra: tuple[Extension, ...] = (), share: bytes | None = None) -> bytes:
    """A TLS 1.3 ServerHello record echoing the offer unless told otherwise (the key share is
    `share`, else 32 random bytes: the peers here never finish a handshake)."""
    shares = offered_shares(ch)
    chosen = group if group is not None else (shares[0].group if shares else 0x001D)
    entry = share if share is not None else KeyShareEntry(chosen, os.urandom(32)).to_bytes()
    exts = (Extension(ext.SUPPORTED_VERSIONS, u16(version)),
            Extension(ext.KEY_SHARE, entry)) + extra
    sh = ServerHello(0x0303, random or os.urandom(32), ch.session_id,
                     suite if suite is not None else ch.cipher_suites[0], 0, exts)
    return messages.records_for(messages.HANDSHAKE, sh.to_bytes(), version=0x0303)


def hello_retry(ch: ClientHello, group: int, suite: int | None = None) -> bytes:
    hrr = ServerHello(0x0303, HRR_RANDOM, ch.session_id,
                      suite if suite is not None else ch.cipher_suites[0], 0,
                      (Extension(ext.SUPPORTED_VERSIONS, u16(0x0304)),
                       Extension(ext.KEY_SHARE, u16(group))))
    return messages.records_for(messages.HANDSHAKE, hrr.to_bytes(), version=0x0303)


def _unshared_group(ch: ClientHello) -> int:
    shared = {s.group for s in offered_shares(ch)}
    return next((g for g in offered_groups(ch) if g not in shared), 0x0017)


def _linger_reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


# --- the hostile peers --------------------------------------------------------------------------

def silent(conn: socket.socket) -> None:
    conn.recv(65536)
    threading.Event().wait(5)


def garbage(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"\x00\xff" * 40)


def truncated_alert(conn: socket.socket) -> None:
    read_hello(conn)
    conn.sendall(bytes.fromhex("1503030001") + b"\x02")


def rst_after_accept(conn: socket.socket) -> None:
    _linger_reset(conn)


def rst_after_hello(conn: socket.socket) -> None:
    read_hello(conn)
    _linger_reset(conn)


def half_close(conn: socket.socket) -> None:
    read_hello(conn)
    conn.shutdown(socket.SHUT_WR)
    threading.Event().wait(5)


def http(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def slowloris(conn: socket.socket) -> None:
    """A real-looking ServerHello, one byte at a time: never silent, never finished."""
    data = server_hello(read_hello(conn))
    for byte in data[:-1]:
        conn.sendall(bytes([byte]))
        time.sleep(PAUSE)


def ccs_drip(conn: socket.socket) -> None:
    read_hello(conn)
    for _ in range(200):
        conn.sendall(record(messages.CHANGE_CIPHER_SPEC, b"\x01"))
        time.sleep(PAUSE)


def empty_drip(conn: socket.socket) -> None:
    read_hello(conn)
    for _ in range(200):
        conn.sendall(record(messages.HANDSHAKE, b""))
        time.sleep(PAUSE)


FLOOD_BYTES = 2_400_000


def ccs_flood(conn: socket.socket) -> None:
    read_hello(conn)
    one = record(messages.CHANGE_CIPHER_SPEC, b"\x01")
    conn.sendall(one * (FLOOD_BYTES // len(one)))


@functools.cache
def _fragments() -> bytes:
    """A ServerHello claiming 300 kB, cut into 1-byte handshake records: 2.4 MB in all."""
    data = messages.handshake_bytes(messages.SERVER_HELLO, b"\x03\x03" + b"\x00" * 400_000)
    return b"".join(b"\x16\x03\x03\x00\x01" + data[i:i + 1] for i in range(FLOOD_BYTES // 6))


def fragment_flood(conn: socket.socket) -> None:
    read_hello(conn)
    conn.sendall(_fragments())


def big_certificate(conn: socket.socket) -> None:
    """A TLS 1.2 ServerHello, then a 2.4 MB Certificate message in full-size records."""
    ch = read_hello(conn)
    sh = ServerHello(0x0303, os.urandom(32), b"", 0xC02F, 0, ())
    body = u24_vec(u24_vec(b"\x00" * (FLOOD_BYTES - 10)))
    conn.sendall(messages.records_for(messages.HANDSHAKE, _fix_length(sh.to_bytes()[:-2]))
                 if ch else b"")
    conn.sendall(messages.records_for(
        messages.HANDSHAKE, messages.handshake_bytes(messages.CERTIFICATE, body)))


def half_message(conn: socket.socket) -> None:
    """Half of a real-looking ServerHello message in one record, then the connection ends."""
    data = server_hello(read_hello(conn))
    body = data[5:]
    conn.sendall(record(messages.HANDSHAKE, body[: len(body) // 2]))


def oversized_record(conn: socket.socket) -> None:
    read_hello(conn)
    conn.sendall(bytes.fromhex("16030350ff"))  # claims 20735 bytes: over 2^14+256


def oversized_message(conn: socket.socket) -> None:
    read_hello(conn)
    conn.sendall(record(messages.HANDSHAKE, bytes.fromhex("02ffffff") + b"\x03\x03"))


def hrr_loop(conn: socket.socket) -> None:
    """HelloRetryRequest after HelloRetryRequest (RFC 8446 §4.1.4 allows one)."""
    for _ in range(3):
        ch = read_hello(conn)
        conn.sendall(hello_retry(ch, _unshared_group(ch)))


def hrr_unoffered_group(conn: socket.socket) -> None:
    conn.sendall(hello_retry(read_hello(conn), 0x0A0A))


def hrr_to_tls12(conn: socket.socket) -> None:
    """Answers every hello, even a TLS 1.2 one, with a HelloRetryRequest."""
    ch = read_hello(conn)
    conn.sendall(hello_retry(ch, offered_groups(ch)[0] if offered_groups(ch) else 0x0017))


def sh_unoffered_suite(conn: socket.socket) -> None:
    conn.sendall(server_hello(read_hello(conn), suite=0x1399))


def sh_unoffered_version(conn: socket.socket) -> None:
    conn.sendall(server_hello(read_hello(conn), version=0x0305))


def sh_unoffered_group(conn: socket.socket) -> None:
    conn.sendall(server_hello(read_hello(conn), group=0x0A0A))


def sh_unoffered_extension(conn: socket.socket) -> None:
    conn.sendall(server_hello(read_hello(conn), extra=(Extension(0x5A5A, b"hi"),)))


def proxy_first(n: int, port: int, then: Handler) -> Handler:
    """Relay the first `n` connections to a real server on `port`; every later one gets
    `then` (a server that answers the first hellos well and misbehaves on the others)."""
    counter = itertools.count()
    lock = threading.Lock()

    def handler(conn: socket.socket) -> None:
        with lock:
            index = next(counter)
        if index >= n:
            then(conn)
            return
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        back = threading.Thread(target=pipe, args=(upstream, conn), daemon=True)
        back.start()
        pipe(conn, upstream)
        back.join(10)
        upstream.close()

    return handler


def smtp_then(then: Handler) -> Handler:
    """An SMTP server that agrees to STARTTLS (RFC 3207) and then behaves as `then`."""

    def handler(conn: socket.socket) -> None:
        conn.sendall(b"220 fake ESMTP\r\n")
        conn.settimeout(10)
        for reply in (b"250-fake\r\n250 STARTTLS\r\n", b"220 go ahead\r\n"):
            line = b""
            while not line.endswith(b"\n"):
                chunk = conn.recv(1)
                if not chunk:
                    return
                line += chunk
            conn.sendall(reply)
        then(conn)

    return handler


def _alert(conn: socket.socket, description: int) -> None:
    conn.sendall(record(messages.ALERT, bytes([2, description])))


_ECDHE_SUITES = (0xC02B, 0xC02F)  # ECDHE-ECDSA / ECDHE-RSA AES128-GCM
_CURVES = (0x001D, 0x0017)
_SCHEMES = (0x0403, 0x0804)


def tls12_chain(chain: tuple[bytes, ...], *, named: int | None = None,
                key_exchange: bool = True) -> Handler:
    """A TLS 1.2 server (no TLS 1.3) that sends `chain` as its Certificate: an ECDHE suite,
    x25519 or P-256, a ServerKeyExchange signed (with random bytes: pqscan does not verify a
    TLS 1.2 signature) by the first offered of two schemes, ServerHelloDone. It refuses with
    an alert whatever it cannot do, as a real server would.

    Two lies for the TLS 1.2 fold (issue 13): `named` is the curve its ServerKeyExchange names
    whatever was offered; without `key_exchange` it sends no ServerKeyExchange at all (an
    ECDHE suite naming no curve, RFC 8422 §5.4)."""
    certificate = messages.handshake_bytes(messages.CERTIFICATE, u24_vec(
        b"".join(len(der).to_bytes(3, "big") + der for der in chain)))

    def handler(conn: socket.socket) -> None:
        ch = read_hello(conn)
        found = ch.extension(ext.SIGNATURE_ALGORITHMS)
        schemes = ext.parse_u16_list(found) if found else ()
        suite = next((c for c in ch.cipher_suites if c in _ECDHE_SUITES), None)
        curve = next((g for g in offered_groups(ch) if g in _CURVES), None)
        scheme = next((c for c in schemes if c in _SCHEMES), None)
        if ch.extension(ext.SUPPORTED_VERSIONS) is not None:
            _alert(conn, 70)  # protocol_version: no TLS 1.3 here
            return
        if suite is None or curve is None or scheme is None:
            _alert(conn, 40)  # handshake_failure
            return
        sh = ServerHello(ch.legacy_version, os.urandom(32), b"", suite, 0, ())
        ske = (b"\x03" + u16(named or curve) + bytes([32]) + os.urandom(32) + u16(scheme)
               + u16(70) + os.urandom(70))
        flight = (sh.to_bytes()[:-2]  # a TLS 1.2 ServerHello may omit the extensions block
                  + certificate
                  + (messages.handshake_bytes(messages.SERVER_KEY_EXCHANGE, ske)
                     if key_exchange else b"")
                  + messages.handshake_bytes(messages.SERVER_HELLO_DONE, b""))
        conn.sendall(messages.records_for(messages.HANDSHAKE, _fix_length(flight),
                                          version=0x0303))
        conn.recv(4096)

    return handler


def u24_vec(data: bytes) -> bytes:
    return len(data).to_bytes(3, "big") + data


def _fix_length(flight: bytes) -> bytes:
    """Rewrite the ServerHello's uint24 length after its empty extensions block was cut."""
    length = int.from_bytes(flight[1:4], "big") - 2
    return flight[:1] + length.to_bytes(3, "big") + flight[4:]


# name -> handler; the tests hold what each must end as
HOSTILE: dict[str, Handler] = {
    "silent": silent, "garbage": garbage, "truncated_alert": truncated_alert,
    "rst_after_accept": rst_after_accept, "rst_after_hello": rst_after_hello,
    "half_close": half_close, "http": http, "slowloris": slowloris, "ccs_drip": ccs_drip,
    "empty_drip": empty_drip, "ccs_flood": ccs_flood, "fragment_flood": fragment_flood,
    "half_message": half_message, "oversized_record": oversized_record,
    "oversized_message": oversized_message,
    "hrr_loop": hrr_loop, "hrr_unoffered_group": hrr_unoffered_group,
    "hrr_to_tls12": hrr_to_tls12, "sh_unoffered_suite": sh_unoffered_suite,
    "sh_unoffered_version": sh_unoffered_version, "sh_unoffered_group": sh_unoffered_group,
    "sh_unoffered_extension": sh_unoffered_extension,
    "smtp_then_reset": smtp_then(rst_after_hello), "smtp_then_drip": smtp_then(ccs_drip),
    "smtp_then_slowloris": smtp_then(slowloris),
}


def warm() -> None:
    """Build the flood payloads now, so that no peer is slow to answer its first client."""
    _fragments()
