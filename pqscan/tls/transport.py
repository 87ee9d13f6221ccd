"""The only socket code: one TCP connection over asyncio streams, bounded in time and bytes.

Every failure becomes a `TransportError` whose `kind` tells a refusal (the port answered no)
from silence (timeout) and from a cut connection (reset / eof), because a probe must never read
a timeout as "not supported".

Bounded by construction (docs/architecture.md "Connection budget"): a connection has ONE
overall deadline, set before the TCP connect, that covers the connect, the STARTTLS preamble,
the handshake and every read: `Limits.budget` = connect_timeout + 2 x read_timeout (3 x
`--timeout`). Inside it, the TCP connect may take at most connect_timeout and no single wait
for the server at most read_timeout (silence). A server that drips bytes or records therefore
ends the connection at the budget, however slowly it sends. Received bytes go into one
bytearray that is read in large chunks and consumed by offset, so the cost is linear in bytes
received (no re-concatenation of a growing buffer), and the total is capped by `max_bytes`.

A STARTTLS target (`Limits.starttls`, pqscan.tls.starttls) gets its plaintext preamble right
after the TCP connect, inside `Connection.open`, so every caller that opens a connection (scan
probes, conformance scripts) speaks it without knowing. The preamble is logged in `wire_log`
with the directions "client-plain" / "server-plain", apart from the TLS bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pqscan.errors import DecodeError
from pqscan.tls.messages import MAX_RECORD, Record

if TYPE_CHECKING:
    from pqscan.tls.starttls import StartTLS

MAX_BYTES_PER_CONNECTION = 1 << 20  # a server flight larger than 1 MiB is hostile
_CHUNK = 1 << 16  # one read from the socket buffer
_PREAMBLE = "in the STARTTLS preamble"


class TransportError(Exception):
    """kind: refused | connect_timeout | timeout | reset | eof | unreachable | resolve | limit
    | starttls.

    `timeout` is silence after the connection was made, or the connection budget used up;
    `connect_timeout` means nothing answered the TCP handshake at all; `starttls` means the
    server answered the plaintext preamble but did not agree to start TLS (or answered
    garbage). `wire` keeps what was said before a failure inside `Connection.open` (the
    STARTTLS preamble), as evidence.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.wire: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    max_bytes: int = MAX_BYTES_PER_CONNECTION
    # The plaintext preamble to speak before TLS. It lives here because every caller that
    # opens a connection already carries its Limits: no signature changes anywhere.
    starttls: StartTLS | None = None
    # the whole connection (connect + STARTTLS + handshake + reads); None: the formula below
    total: float | None = None

    @property
    def budget(self) -> float:
        """Seconds one connection may live: connect_timeout + 2 x read_timeout unless set."""
        if self.total is not None:
            return self.total
        return self.connect_timeout + 2 * self.read_timeout


class _WireLog:
    """The bytes in both directions, in order, as runs of one direction. Chunks are kept in
    lists and joined once when read, so logging is linear in the bytes logged."""

    def __init__(self) -> None:
        self._runs: list[tuple[str, list[bytes]]] = []

    def add(self, direction: str, data: bytes) -> None:
        if self._runs and self._runs[-1][0] == direction:
            self._runs[-1][1].append(data)
        else:
            self._runs.append((direction, [data]))

    def runs(self) -> list[tuple[str, bytes]]:
        return [(direction, b"".join(chunks)) for direction, chunks in self._runs]


class Connection:
    """One TCP connection; records in, bytes out; keeps the raw bytes for evidence."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 limits: Limits, deadline: float | None = None) -> None:
        self._reader = reader
        self._writer = writer
        self._limits = limits
        self._deadline = deadline if deadline is not None else time.monotonic() + limits.budget
        self._received = 0
        self._buf = bytearray()  # received, not yet consumed: self._buf[self._pos:]
        self._pos = 0
        self._eof = False
        self._log = _WireLog()
        self.records_read = 0
        self._tls_in = 0  # bytes consumed as TLS records (not the STARTTLS preamble)

    @property
    def wire_log(self) -> list[tuple[str, bytes]]:
        """(direction, bytes) runs in order: the evidence of what was said."""
        return self._log.runs()

    @property
    def received(self) -> int:
        return self._received

    @classmethod
    async def open(cls, host: str, port: int, limits: Limits) -> Connection:
        deadline = time.monotonic() + limits.budget
        wait = min(limits.connect_timeout, limits.budget)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=MAX_RECORD * 2), wait)
        except TimeoutError:
            raise TransportError("connect_timeout", f"TCP connect timed out after "
                                 f"{wait:g}s") from None
        except ConnectionRefusedError:
            raise TransportError("refused", "connection refused") from None
        except socket.gaierror as exc:
            raise TransportError("resolve", f"cannot resolve {host}: {exc.strerror}") from None
        except OSError as exc:
            if exc.errno == errno.ECONNRESET:  # accepted, then reset before connect returned
                raise TransportError("reset", "reset by the server after accept, before any "
                                     "TLS answer") from None
            raise TransportError("unreachable", f"cannot connect: {exc.strerror or exc}") from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # a peer that resets right after accept may have closed the socket already:
            # the first read or write then reports the reset
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = cls(reader, writer, limits, deadline)
        if limits.starttls is not None:
            try:
                await limits.starttls.negotiate(conn, limits.read_timeout)
            except TransportError as exc:
                exc.wire = tuple(conn.wire_log)
                await conn.close()
                raise
            except BaseException:
                await conn.close()
                raise
        return conn

    @property
    def local_address(self) -> str | None:
        """Our end's IP address (an SMTP EHLO address literal, RFC 5321 §4.1.3)."""
        name = self._writer.get_extra_info("sockname")
        return str(name[0]) if name else None

    async def send(self, data: bytes) -> None:
        await self._write(data, "client")

    async def send_plain(self, data: bytes) -> None:
        """Send STARTTLS preamble bytes (logged as "client-plain")."""
        await self._write(data, "client-plain")

    async def _write(self, data: bytes, direction: str) -> None:
        self._log.add(direction, data)
        wait = min(self._limits.read_timeout, self._deadline - time.monotonic())
        try:
            self._writer.write(data)
            await asyncio.wait_for(self._writer.drain(), max(wait, 0.001))
        except TimeoutError:
            raise TransportError("timeout", "send timed out") from None
        except (ConnectionResetError, BrokenPipeError):
            raise TransportError("reset", self._reset_text()) from None
        except OSError as exc:
            raise TransportError("reset", f"send failed: {exc}") from None

    def _reset_text(self) -> str:
        if self._tls_in == 0 and not self._available():
            return "reset by the server after accept, before any TLS answer"
        return f"reset by the server after {self._tls_in + self._available()} bytes"

    async def _fill(self, deadline: float | None, what: str) -> None:
        """Read whatever arrives next (up to _CHUNK bytes) into the buffer.

        `deadline` bounds this wait (default: read_timeout of silence from now); the
        connection budget bounds all of them, so a drip cannot stretch a connection."""
        now = time.monotonic()
        if deadline is None:
            deadline = now + self._limits.read_timeout
        if self._deadline - now <= 0:
            raise self._budget_error(what)
        if deadline - now <= 0:
            raise TransportError("timeout", self._silence_text(what))
        budget_first = self._deadline <= deadline
        try:
            data = await asyncio.wait_for(self._reader.read(_CHUNK),
                                          min(deadline, self._deadline) - now)
        except TimeoutError:
            raise (self._budget_error(what) if budget_first else
                   TransportError("timeout", self._silence_text(what))) from None
        except ConnectionResetError:
            raise TransportError("reset", self._reset_text()) from None
        except OSError as exc:
            raise TransportError("reset", f"read failed: {exc}") from None
        if not data:
            self._eof = True
            pending = len(self._buf) - self._pos
            if pending or self._received:
                raise TransportError("eof", f"connection closed by the server {what}"
                                     f" after {self._received} bytes")
            raise TransportError("eof", "connection closed by server")
        self._received += len(data)
        if self._received > self._limits.max_bytes:
            raise TransportError("limit", f"server sent more than {self._limits.max_bytes} bytes")
        if self._pos and self._pos >= len(self._buf) // 2:
            del self._buf[: self._pos]  # amortised: each byte is moved at most a few times
            self._pos = 0
        self._buf += data

    def _silence_text(self, what: str) -> str:
        if what == _PREAMBLE:  # starttls.py adds what the reply brought so far
            return f"no complete answer within {self._limits.read_timeout:g}s"
        if self._received:
            return (f"no answer within {self._limits.read_timeout:g}s {what} "
                    f"(after {self._received} bytes)")
        return f"no answer within {self._limits.read_timeout:g}s"

    def _budget_error(self, what: str) -> TransportError:
        return TransportError("timeout", f"connection budget of {self._limits.budget:g}s used "
                              f"up {what} after {self._received} bytes (server too slow)")

    def _take(self, n: int) -> bytes:
        out = bytes(self._buf[self._pos : self._pos + n])
        self._pos += n
        return out

    def _available(self) -> int:
        return len(self._buf) - self._pos

    async def _read_exactly(self, n: int, deadline: float) -> bytes:
        """Exactly `n` bytes before `deadline` (and the budget), logged as "server" (the SSH
        packet reader, pqscan.ssh.transport, builds on it)."""
        while self._available() < n:
            await self._fill(deadline, f"mid-message ({self._available()} of {n} bytes)")
        data = self._take(n)
        self._log.add("server", data)
        return data

    def _account(self, data: bytes, direction: str) -> None:
        """Count and log bytes a subclass read from the stream itself (pqscan.ssh reads its
        identification lines that way, before any buffered read)."""
        self._received += len(data)
        if self._received > self._limits.max_bytes:
            raise TransportError("limit", f"server sent more than {self._limits.max_bytes} bytes")
        self._log.add(direction, data)

    async def read_plain(self, cap: int, deadline: float) -> bytes:
        """The next 1..`cap` plaintext preamble bytes that arrive before `deadline` (monotonic).

        Bytes beyond `cap` stay buffered for the next read, so no TLS byte is lost here.
        """
        if not self._available():
            await self._fill(deadline, _PREAMBLE)
        data = self._take(min(max(1, cap), self._available()))
        self._log.add("server-plain", data)
        return data

    async def read_record(self) -> Record:
        """Read one record; DecodeError if the bytes are not a TLS record at all."""
        while self._available() < 5:
            await self._fill(None, "mid-record" if self._available() else
                             "waiting for a record")
        header = bytes(self._buf[self._pos : self._pos + 5])
        content_type, major = header[0], header[1]
        length = int.from_bytes(header[3:5], "big")
        if content_type not in (20, 21, 22, 23) or major != 3:
            raise DecodeError(f"not TLS: the server answered {await self._sample()!r}")
        if length > MAX_RECORD:
            raise DecodeError(f"record length {length} exceeds 2^14+256 (RFC 8446 §5.2)")
        while self._available() < 5 + length:
            await self._fill(None, f"mid-record ({self._available()} of {5 + length} "
                             "bytes of a record)")
        raw = self._take(5 + length)
        self._tls_in += len(raw)
        self._log.add("server", raw)
        self.records_read += 1
        return Record(content_type, int.from_bytes(header[1:3], "big"), raw[5:])

    async def _sample(self) -> str:
        """Up to 40 bytes of a non-TLS answer (e.g. 'HTTP/1.1 400 Bad Request'), one line."""
        if self._available() < 40 and not self._eof:
            with contextlib.suppress(TransportError):
                await self._fill(min(time.monotonic() + 0.3, self._deadline), "")
        data = bytes(self._buf[self._pos : self._pos + 40])
        self._log.add("server", data)
        text = data.decode("latin-1")
        return "".join(c if c.isprintable() and c.isascii() else "." for c in text).strip()

    async def close(self) -> None:
        try:
            self._writer.close()
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        except (OSError, TimeoutError, asyncio.CancelledError):
            pass
