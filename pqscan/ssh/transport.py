"""SSH on the TLS engine's socket code: the identification exchange and unencrypted binary
packets (RFC 4253 §4.2, §6), each read bounded by a deadline and by byte limits.

`SSHConnection` adds line and packet reads to `pqscan.tls.transport.Connection`, which keeps
the failure kinds (refused / timeout / reset / eof / limit) and the wire log.
"""

from __future__ import annotations

import asyncio
import time

from pqscan.errors import DecodeError
from pqscan.ssh.messages import MAX_IDENT, MAX_PACKET, unframe
from pqscan.tls.messages import MAX_RECORD
from pqscan.tls.transport import Connection, Limits, TransportError

# RFC 4253 §4.2 lets a server send other lines before its identification; a bounded number,
# so a peer that talks forever is cut off after a few KiB, not when memory runs out
MAX_PRE_BANNER_LINES = 32
MAX_PRE_BANNER_BYTES = 8192
MAX_LINE_READ = 4096  # one pre-banner line; the identification line itself is <= 255


class SSHConnection(Connection):
    """One SSH connection up to NEWKEYS."""

    async def read_identification(self, deadline: float) -> tuple[list[bytes], bytes]:
        """(lines before the identification, the identification line)."""
        before: list[bytes] = []
        total = 0
        while True:
            try:
                line = await self._read_line(deadline)
            except TransportError as exc:
                if before and exc.kind in ("eof", "reset", "timeout"):
                    shown = before[0][:60].decode("latin-1").rstrip("\r\n")
                    raise DecodeError(f"not SSH: the server sent {shown!r} and no SSH "
                                      f"identification ({exc})") from None
                raise
            if line.startswith(b"SSH-"):
                if len(line) > MAX_IDENT:
                    raise DecodeError(f"identification line of {len(line)} bytes exceeds "
                                      f"{MAX_IDENT} (RFC 4253 §4.2)")
                return before, line
            before.append(line)
            total += len(line)
            if len(before) > MAX_PRE_BANNER_LINES or total > MAX_PRE_BANNER_BYTES:
                raise DecodeError(f"not SSH: {len(before)} lines / {total} bytes before any "
                                  "identification line (RFC 4253 §4.2)")

    async def _read_line(self, deadline: float) -> bytes:
        if deadline - time.monotonic() <= 0:
            raise TransportError("timeout", "no SSH identification in time")
        try:
            line = await self._read_until_lf(deadline, MAX_RECORD * 2,
                                             "waiting for the SSH identification")
        except TransportError as exc:
            if exc.kind == "timeout":
                raise TransportError("timeout", "no SSH identification in time") from None
            raise
        if len(line) > MAX_LINE_READ:
            raise DecodeError(f"not SSH: a {len(line)}-byte line before the identification")
        return line

    async def read_packet(self, deadline: float) -> bytes:
        """The payload of the next unencrypted packet (RFC 4253 §6)."""
        header = await self._read_exactly(4, deadline)
        length = int.from_bytes(header, "big")
        if length > MAX_PACKET:
            raise DecodeError(f"packet length {length} exceeds {MAX_PACKET} (RFC 4253 §6.1)")
        if length < 5:
            raise DecodeError(f"packet length {length} too small (RFC 4253 §6)")
        body = await self._read_exactly(length, deadline)
        return unframe(length, body)


async def open_ssh(host: str, port: int, limits: Limits, deadline: float) -> SSHConnection:
    """Open a TCP connection bounded by the overall deadline as well as the connect timeout."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TransportError("connect_timeout", "no time left to connect")
    try:
        conn = await asyncio.wait_for(SSHConnection.open(host, port, limits), remaining)
    except TimeoutError:
        raise TransportError("connect_timeout", "TCP connect timed out") from None
    assert isinstance(conn, SSHConnection)
    return conn
