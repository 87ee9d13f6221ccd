"""The only socket code: one TCP connection, bounded in time and bytes (its asyncio Protocol,
which buffers what arrives, is `pqscan.tls.socketside`).

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
from typing import TYPE_CHECKING, Any

from pqscan.errors import DecodeError
from pqscan.tls.messages import MAX_RECORD, Record
from pqscan.tls.socketside import SocketSide, WireLog, expire

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


def _cancel_connect(task: asyncio.Task[Any], expired: list[bool]) -> None:
    expired.append(True)
    task.cancel()


class Connection:
    """One TCP connection; records in, bytes out; keeps the raw bytes for evidence."""

    def __init__(self, stream: SocketSide, limits: Limits, deadline: float | None = None) -> None:
        self._stream = stream
        self._limits = limits
        self._deadline = deadline if deadline is not None else time.monotonic() + limits.budget
        self._log = WireLog()
        self.records_read = 0
        self._tls_in = 0  # bytes consumed as TLS records (not the STARTTLS preamble)

    @property
    def wire_log(self) -> tuple[tuple[str, bytes], ...]:
        """(direction, bytes) runs in order: the evidence of what was said."""
        return self._log.runs()

    @property
    def received(self) -> int:
        return self._stream.received

    @classmethod
    async def open(cls, host: str, port: int, limits: Limits) -> Connection:
        budget = limits.budget
        deadline = time.monotonic() + budget
        wait = min(limits.connect_timeout, budget)
        loop = asyncio.get_running_loop()
        # one timer that cancels the connect, as asyncio.timeout does, without its context
        # manager objects and coroutines per connection (issue 13, per-connection CPU)
        task = asyncio.current_task(loop)  # with the loop given: no second getpid()
        assert task is not None  # a coroutine always runs in a task
        cancelling = task.cancelling()
        expired: list[bool] = []
        timer = loop.call_later(wait, _cancel_connect, task, expired)
        try:
            _, stream = await loop.create_connection(
                lambda: SocketSide(loop, limits.max_bytes), host, port)
        except asyncio.CancelledError:
            if expired and task.uncancel() <= cancelling:
                raise TransportError("connect_timeout", f"TCP connect timed out after "
                                     f"{wait:g}s") from None
            raise
        except ConnectionRefusedError:
            raise TransportError("refused", "connection refused") from None
        except socket.gaierror as exc:
            raise TransportError("resolve", f"cannot resolve {host}: {exc.strerror}") from None
        except OSError as exc:
            if exc.errno == errno.ECONNRESET:  # accepted, then reset before connect returned
                raise TransportError("reset", "reset by the server after accept, before any "
                                     "TLS answer") from None
            raise TransportError("unreachable", f"cannot connect: {exc.strerror or exc}") from None
        finally:
            timer.cancel()
        # asyncio sets TCP_NODELAY on every TCP socket it connects (base_events._set_nodelay)
        conn = cls(stream, limits, deadline)
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
        transport = self._stream.transport
        name = transport.get_extra_info("sockname") if transport is not None else None
        return str(name[0]) if name else None

    async def send(self, data: bytes) -> None:
        if self.write(data):
            await self.drain()

    async def send_plain(self, data: bytes) -> None:
        """Send STARTTLS preamble bytes (logged as "client-plain")."""
        if self.write(data, "client-plain"):
            await self.drain()

    def write(self, data: bytes, direction: str = "client") -> bool:
        """Hand `data` to the kernel now; True when its send buffer is full and the caller
        must `await drain()`. A hello is a small write that goes straight out, so sending it
        costs no coroutine (issue 13, per-connection CPU)."""
        self._log.add(direction, data)
        stream = self._stream
        if stream.closed or stream.transport is None or stream.transport.is_closing():
            raise self._lost_error(send=True)
        stream.transport.write(data)
        if stream.paused and not stream.closed:
            return True
        if stream.closed and stream.lost is not None:
            raise self._lost_error(send=True)
        return False

    async def drain(self) -> None:
        """Wait until the kernel takes more (after `write` returned True), within read_timeout
        and the connection's budget."""
        stream = self._stream
        while stream.paused and not stream.closed:
            wait = min(self._limits.read_timeout, self._deadline - time.monotonic())
            if wait <= 0 or not await stream.wait(wait):
                raise TransportError("timeout", "send timed out")
        if stream.closed and stream.lost is not None:
            raise self._lost_error(send=True)

    def _lost_error(self, send: bool = False) -> TransportError:
        lost = self._stream.lost
        if lost is None or isinstance(lost, ConnectionResetError | BrokenPipeError):
            return TransportError("reset", self._reset_text())
        return TransportError("reset", f"{'send' if send else 'read'} failed: {lost}")

    def _reset_text(self) -> str:
        if self._tls_in == 0 and not self._available():
            return "reset by the server after accept, before any TLS answer"
        return f"reset by the server after {self._tls_in + self._available()} bytes"

    async def _fill(self, deadline: float | None, what: str) -> None:
        """Wait until more bytes have arrived than when called.

        `deadline` bounds this wait (default: read_timeout of silence from now); the
        connection budget bounds all of them, so a drip cannot stretch a connection."""
        stream = self._stream
        before = stream.received
        now = time.monotonic()
        if deadline is None:
            deadline = now + self._limits.read_timeout
        budget_first = self._deadline <= deadline
        until = min(deadline, self._deadline)
        while True:
            if stream.over:
                raise TransportError("limit", f"server sent more than "
                                     f"{self._limits.max_bytes} bytes")
            if stream.received > before:
                return
            if stream.eof:
                if stream.lost is not None:
                    raise self._lost_error()
                if self._available() or stream.received:
                    raise TransportError("eof", f"connection closed by the server {what}"
                                         f" after {stream.received} bytes")
                raise TransportError("eof", "connection closed by server")
            left = until - now
            if left > 0:
                # SocketSide.wait inlined: one coroutine fewer between the reader and the socket
                # on every wait (issue 13, per-connection CPU)
                loop = stream.loop
                waiter = stream.waiter = loop.create_future()
                timer = loop.call_later(left, expire, waiter)
                try:
                    news = await waiter is None
                finally:
                    timer.cancel()
                    stream.waiter = None
            if left <= 0 or not news:
                raise (self._budget_error(what) if budget_first else
                       TransportError("timeout", self._silence_text(what)))
            now = time.monotonic()

    def _silence_text(self, what: str) -> str:
        if what == _PREAMBLE:  # starttls.py adds what the reply brought so far
            return f"no complete answer within {self._limits.read_timeout:g}s"
        if self._stream.received:
            return (f"no answer within {self._limits.read_timeout:g}s {what} "
                    f"(after {self._stream.received} bytes)")
        return f"no answer within {self._limits.read_timeout:g}s"

    def _budget_error(self, what: str) -> TransportError:
        return TransportError("timeout", f"connection budget of {self._limits.budget:g}s used "
                              f"up {what} after {self._stream.received} bytes (server too slow)")

    def _take(self, n: int) -> bytes:
        stream = self._stream
        out = bytes(stream.buf[stream.pos : stream.pos + n])
        stream.pos += n
        return out

    def _available(self) -> int:
        return len(self._stream.buf) - self._stream.pos

    async def _read_exactly(self, n: int, deadline: float) -> bytes:
        """Exactly `n` bytes before `deadline` (and the budget), logged as "server" (the SSH
        packet reader, pqscan.ssh.transport, builds on it)."""
        while self._available() < n:
            await self._fill(deadline, f"mid-message ({self._available()} of {n} bytes)")
        data = self._take(n)
        self._log.add("server", data)
        return data

    async def _read_until_lf(self, deadline: float, limit: int, what: str) -> bytes:
        """The bytes up to and including the next LF before `deadline`, logged as "server"
        (SSH identification lines, RFC 4253 §4.2). DecodeError past `limit` bytes without
        one; "eof" quotes the partial line."""
        stream = self._stream
        scanned = 0  # bytes after pos already searched (compaction keeps buf[pos:] intact)
        while True:
            end = stream.buf.find(b"\n", stream.pos + scanned)
            if end >= 0:
                data = self._take(end + 1 - stream.pos)
                self._log.add("server", data)
                return data
            scanned = self._available()
            if scanned > limit:
                raise DecodeError("not SSH: a line of many KiB without an end")
            try:
                await self._fill(deadline, what)
            except TransportError as exc:
                if exc.kind == "eof" and self._available():
                    partial = bytes(stream.buf[stream.pos : stream.pos + 40])
                    raise TransportError("eof", f"connection closed mid-line after "
                                         f"{partial!r}") from None
                raise

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
        record = self.take_record()
        while record is None:
            await self.wait_record()
            record = self.take_record()
        ctype, version, fragment = record
        return Record(ctype, version, fragment)

    def take_record(self) -> tuple[int, int, bytes] | None:
        """The next record as (content type, version, fragment) if all of it has arrived,
        else None (`wait_record` then waits for it). No coroutine and no object per record:
        the handshake reads most records this way, already buffered (issue 13)."""
        stream = self._stream
        buf, pos = stream.buf, stream.pos
        if len(buf) - pos < 5:
            return None
        content_type, major = buf[pos], buf[pos + 1]
        length = buf[pos + 3] << 8 | buf[pos + 4]
        end = pos + 5 + length
        if content_type not in (20, 21, 22, 23) or major != 3 or length > MAX_RECORD \
                or end > len(buf):
            return None  # wait_record raises the precise error or waits for the rest
        raw = bytes(buf[pos:end])
        stream.pos = end
        self._tls_in += end - pos
        self._log.add("server", raw)
        self.records_read += 1
        return content_type, major << 8 | raw[2], raw[5:]

    async def wait_record(self) -> None:
        """Wait until a whole record is buffered (`take_record` then returns it), each wait at
        most read_timeout of silence and all of them within the connection's budget;
        DecodeError if the bytes are not a TLS record at all."""
        stream = self._stream
        while len(stream.buf) - stream.pos < 5:  # _available() inlined (issue 13)
            await self._fill(None, "mid-record" if len(stream.buf) - stream.pos else
                             "waiting for a record")
        buf, pos = stream.buf, stream.pos
        content_type, major = buf[pos], buf[pos + 1]
        length = buf[pos + 3] << 8 | buf[pos + 4]
        if content_type not in (20, 21, 22, 23) or major != 3:
            raise DecodeError(f"not TLS: the server answered {await self._sample()!r}")
        if length > MAX_RECORD:
            raise DecodeError(f"record length {length} exceeds 2^14+256 (RFC 8446 §5.2)")
        while self._available() < 5 + length:
            await self._fill(None, f"mid-record ({self._available()} of {5 + length} "
                             "bytes of a record)")

    async def _sample(self) -> str:
        """Up to 40 bytes of a non-TLS answer (e.g. 'HTTP/1.1 400 Bad Request'), one line."""
        stream = self._stream
        if self._available() < 40 and not stream.eof:
            with contextlib.suppress(TransportError):
                await self._fill(min(time.monotonic() + 0.3, self._deadline), "")
        data = bytes(stream.buf[stream.pos : stream.pos + 40])
        self._log.add("server", data)
        text = data.decode("latin-1")
        return "".join(c if c.isprintable() and c.isascii() else "." for c in text).strip()

    async def close(self) -> None:
        """Close our end (queued bytes such as an abort alert still go out first); nothing to
        wait for: the event loop releases the socket on its next turn."""
        self.close_now()

    def close_now(self) -> None:
        """`close` without a coroutine (the handshake driver closes every connection)."""
        transport = self._stream.transport
        if transport is not None:
            transport.close()
