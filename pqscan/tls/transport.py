"""The only socket code: one TCP connection over asyncio streams, bounded in time and bytes.

Every failure becomes a `TransportError` whose `kind` tells a refusal (the port answered no)
from silence (timeout) and from a cut connection (reset / eof), because a probe must never read
a timeout as "not supported".

A STARTTLS target (`Limits.starttls`, pqscan.tls.starttls) gets its plaintext preamble right
after the TCP connect, inside `Connection.open`, so every caller that opens a connection (scan
probes, conformance scripts) speaks it without knowing. The preamble is logged in `wire_log`
with the directions "client-plain" / "server-plain", apart from the TLS bytes.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pqscan.errors import DecodeError
from pqscan.tls.messages import MAX_RECORD, Record

if TYPE_CHECKING:
    from pqscan.tls.starttls import StartTLS

MAX_BYTES_PER_CONNECTION = 1 << 20  # a server flight larger than 1 MiB is hostile


class TransportError(Exception):
    """kind: refused | connect_timeout | timeout | reset | eof | unreachable | resolve | limit
    | starttls.

    `timeout` is silence after the connection was made; `connect_timeout` means nothing answered
    the TCP handshake at all; `starttls` means the server answered the plaintext preamble but
    did not agree to start TLS (or answered garbage). `wire` keeps what was said before a
    failure inside `Connection.open` (the STARTTLS preamble), as evidence.
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


class Connection:
    """One TCP connection; records in, bytes out; keeps the raw bytes for evidence."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 limits: Limits) -> None:
        self._reader = reader
        self._writer = writer
        self._limits = limits
        self._received = 0
        # the bytes in both directions, in order: the evidence of what was said
        self.wire_log: list[tuple[str, bytes]] = []

    @classmethod
    async def open(cls, host: str, port: int, limits: Limits) -> Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=MAX_RECORD * 2),
                limits.connect_timeout,
            )
        except TimeoutError:
            raise TransportError("connect_timeout", f"TCP connect timed out after "
                                 f"{limits.connect_timeout:g}s") from None
        except ConnectionRefusedError:
            raise TransportError("refused", "connection refused") from None
        except socket.gaierror as exc:
            raise TransportError("resolve", f"cannot resolve {host}: {exc.strerror}") from None
        except OSError as exc:
            raise TransportError("unreachable", f"cannot connect: {exc.strerror or exc}") from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = cls(reader, writer, limits)
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
        self.wire_log.append((direction, data))
        try:
            self._writer.write(data)
            await asyncio.wait_for(self._writer.drain(), self._limits.read_timeout)
        except TimeoutError:
            raise TransportError("timeout", "send timed out") from None
        except (ConnectionResetError, BrokenPipeError):
            raise TransportError("reset", "connection reset while sending") from None
        except OSError as exc:
            raise TransportError("reset", f"send failed: {exc}") from None

    async def _read_exactly(self, n: int, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timeout", "server did not answer in time")
        try:
            data = await asyncio.wait_for(self._reader.readexactly(n), remaining)
        except TimeoutError:
            raise TransportError("timeout", f"no answer within {self._limits.read_timeout:g}s") \
                from None
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise TransportError("eof", "connection closed mid-record") from None
            raise TransportError("eof", "connection closed by server") from None
        except ConnectionResetError:
            raise TransportError("reset", "connection reset by server") from None
        except OSError as exc:
            raise TransportError("reset", f"read failed: {exc}") from None
        self._account(data, "server")
        return data

    def _account(self, data: bytes, direction: str) -> None:
        self._received += len(data)
        if self._received > self._limits.max_bytes:
            raise TransportError("limit", f"server sent more than {self._limits.max_bytes} bytes")
        if self.wire_log and self.wire_log[-1][0] == direction:
            self.wire_log[-1] = (direction, self.wire_log[-1][1] + data)
        else:
            self.wire_log.append((direction, data))

    async def read_plain(self, cap: int, deadline: float) -> bytes:
        """The next 1..`cap` plaintext preamble bytes that arrive before `deadline` (monotonic).

        Only what has arrived is returned, never more, so no TLS byte is ever consumed here.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timeout", f"no complete answer within "
                                 f"{self._limits.read_timeout:g}s")
        try:
            data = await asyncio.wait_for(self._reader.read(max(1, cap)), remaining)
        except TimeoutError:
            raise TransportError("timeout", f"no complete answer within "
                                 f"{self._limits.read_timeout:g}s") from None
        except ConnectionResetError:
            raise TransportError("reset", "connection reset by server") from None
        except OSError as exc:
            raise TransportError("reset", f"read failed: {exc}") from None
        if not data:
            raise TransportError("eof", "connection closed by server")
        self._account(data, "server-plain")
        return data

    async def read_record(self) -> Record:
        """Read one record; DecodeError if the bytes are not a TLS record at all."""
        deadline = time.monotonic() + self._limits.read_timeout
        header = await self._read_exactly(5, deadline)
        content_type, major = header[0], header[1]
        length = int.from_bytes(header[3:5], "big")
        if content_type not in (20, 21, 22, 23) or major != 3:
            raise DecodeError(f"not TLS: the server answered {await self._sample(header)!r}")
        if length > MAX_RECORD:
            raise DecodeError(f"record length {length} exceeds 2^14+256")
        fragment = await self._read_exactly(length, deadline) if length else b""
        return Record(content_type, int.from_bytes(header[1:3], "big"), fragment)

    async def _sample(self, header: bytes) -> str:
        """Up to 40 bytes of a non-TLS answer (e.g. 'HTTP/1.1 400 Bad Request'), one line."""
        try:
            more = await asyncio.wait_for(self._reader.read(35), 0.3)
        except (TimeoutError, OSError):
            more = b""
        text = (header + more).decode("latin-1")
        return "".join(c if c.isprintable() else "." for c in text).strip()

    async def close(self) -> None:
        try:
            self._writer.close()
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        except (OSError, TimeoutError, asyncio.CancelledError):
            pass
