"""The lab listener: loopback sockets, accept threads, per-connection isolation, ready file.

Both lab server processes (OpenSSL via pyOpenSSL, tlslite-ng) share this. One thread accepts per
listening port; each accepted connection gets its own daemon thread, and every exception in it is
caught, so garbage, resets and half-open clients never stop the server. `--starttls` puts a
plaintext STARTTLS front (pqscan.lab.starttls_front) before the TLS handler, one per port.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from pqscan.lab.starttls_front import FRONTS, run_front

HOST = "127.0.0.1"
# Bounds every blocking read/write of one connection: a half-open client costs one thread for
# at most this long.
IO_TIMEOUT_SECONDS = 5
_MAX_CONCURRENT = 256

Handler = Callable[[socket.socket], None]


def http_response(body: str) -> bytes:
    """A short HTTP/1.0 answer (HTTP/1.0 means the server closes after it; RFC 1945 §7.2.2)."""
    data = body.encode("utf-8")
    head = (
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + data


def set_io_timeouts(sock: socket.socket, seconds: int = IO_TIMEOUT_SECONDS) -> None:
    """Keep the socket blocking but bound each read/write at the kernel level.

    pyOpenSSL on a Python socket with a timeout raises WantReadError mid-handshake, so the
    Python-level timeout stays off and SO_RCVTIMEO/SO_SNDTIMEO do the bounding instead.
    """
    sock.settimeout(None)
    timeval = struct.pack("ll", seconds, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)


def linger_close(sock: socket.socket) -> None:
    """Half-close, drain what the client still sends, then close.

    Closing with unread data makes the kernel send RST, which can destroy the response before the
    client reads it (RFC 7230 §6.6 describes the same "lingering close").
    """
    try:
        sock.shutdown(socket.SHUT_WR)
        timeval = struct.pack("ll", 1, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        for _ in range(64):
            if not sock.recv(4096):
                break
    except OSError:
        pass
    finally:
        sock.close()


def open_listeners(count: int, ports: list[int] | None = None) -> list[socket.socket]:
    """Bind `count` listening sockets on 127.0.0.1 (port 0 = let the kernel choose)."""
    wanted = ports if ports else [0] * count
    listeners = []
    for port in wanted:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(64)
        listeners.append(sock)
    return listeners


def write_ready_file(path: Path, ports: list[int]) -> None:
    """Tell the parent which ports are listening (atomic rename: never read half-written)."""
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "ports": ports}))
    tmp.replace(path)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_connection(handler: Handler, conn: socket.socket, peer: str, gate: threading.Semaphore
                    ) -> None:
    try:
        set_io_timeouts(conn)
        handler(conn)
    except Exception as exc:  # noqa: BLE001 - one bad client must not stop the server
        _log(f"connection {peer}: {type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(OSError):
            conn.close()
        gate.release()


def _accept_loop(listener: socket.socket, handler: Handler, gate: threading.Semaphore) -> None:
    while True:
        try:
            conn, addr = listener.accept()
        except OSError as exc:
            _log(f"accept on {listener.getsockname()}: {exc}")
            continue
        gate.acquire()
        thread = threading.Thread(
            target=_run_connection, args=(handler, conn, f"{addr[0]}:{addr[1]}", gate), daemon=True
        )
        thread.start()


def with_front(front: str, handler: Handler) -> Handler:
    """`handler` behind a STARTTLS front ("none": unchanged); a refused or broken preamble
    ends the connection without TLS."""
    if front not in FRONTS:
        raise ValueError(f"unknown STARTTLS front {front!r} (known: {', '.join(FRONTS)})")
    if front == "none":
        return handler

    def handle(sock: socket.socket) -> None:
        if run_front(front, sock):
            handler(sock)
        else:
            linger_close(sock)

    return handle


def serve_forever(listeners: list[socket.socket], handler: Handler | Sequence[Handler],
                  ready_file: Path | None) -> None:
    """Start one accept thread per listener (a list of handlers: one per listener, in order),
    announce the ports, then block forever."""
    gate = threading.BoundedSemaphore(_MAX_CONCURRENT)
    handlers = list(handler) if isinstance(handler, Sequence) else [handler] * len(listeners)
    if len(handlers) != len(listeners):
        raise ValueError(f"{len(handlers)} handlers for {len(listeners)} listeners")
    for listener, one in zip(listeners, handlers, strict=True):
        threading.Thread(target=_accept_loop, args=(listener, one, gate), daemon=True).start()
    ports = [sock.getsockname()[1] for sock in listeners]
    if ready_file is not None:
        write_ready_file(ready_file, ports)
    _log(f"serving on {HOST} ports {ports}")
    threading.Event().wait()


def cert_pair(text: str) -> tuple[Path, Path]:
    """argparse type for `--cert CHAIN.pem,KEY.pem`."""
    chain, sep, key = text.partition(",")
    if not sep or not chain or not key:
        raise argparse.ArgumentTypeError(f"--cert wants CHAIN.pem,KEY.pem, got {text!r}")
    return Path(chain), Path(key)


def add_listener_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every lab server process shares: how many ports, and where to say so."""
    parser.add_argument("--listen", type=int, default=1, help="number of ports to open")
    parser.add_argument("--port", type=int, action="append", help="fixed port(s) instead")
    parser.add_argument("--ready", type=Path, help="write {'ports': [...]} here once listening")
    parser.add_argument("--starttls", type=starttls_fronts, default=None,
                        help="STARTTLS front per port, comma-separated (opens one port each): "
                        + ", ".join(FRONTS))


def starttls_fronts(text: str) -> list[str]:
    """argparse type for `--starttls smtp,imap,none,...`."""
    fronts = text.split(",")
    for front in fronts:
        if front not in FRONTS:
            raise argparse.ArgumentTypeError(f"unknown STARTTLS front {front!r}")
    return fronts


def serve(args: argparse.Namespace, handler: Handler) -> None:
    """Open the ports `add_listener_arguments` asked for (one per STARTTLS front when fronts
    are given), put each front before `handler`, and serve until killed."""
    listeners = open_listeners(len(args.starttls) if args.starttls else args.listen, args.port)
    serve_forever(listeners, _front_handlers(args.starttls, handler, len(listeners)),
                  args.ready)


def _front_handlers(fronts: list[str] | None, handler: Handler, count: int) -> list[Handler]:
    """One handler per listener: `handler` behind each front, or bare when no fronts."""
    if fronts is None:
        return [handler] * count
    if len(fronts) != count:
        raise ValueError(f"--starttls names {len(fronts)} fronts for {count} ports")
    return [with_front(front, handler) for front in fronts]
