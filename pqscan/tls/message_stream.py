"""The server's handshake messages on one connection, read record by record within bounds.

`MessageStream.next_message` reads records (decrypting them once handshake keys are installed),
drops the compatibility ChangeCipherSpec and reassembles handshake messages in a
`HandshakeBuffer`, linear in the bytes received. RFC 8446 §5.1 allows a message to be
fragmented over records, not over endless ones: per message at most `MAX_RECORDS_PER_MESSAGE`
records plus one per 256 bytes it claims, and at most `MAX_IDLE_RECORDS` records in a row that
carry no handshake byte (ChangeCipherSpec, zero-length fragments, which §5.1 forbids). Past
those bounds, or on a malformed CCS, it raises `ProtocolViolation`; an alert raises
`PeerAlert`; transport trouble in the middle of a message says how far the message got.
"""

from __future__ import annotations

from collections.abc import Awaitable

from pqscan.errors import DecodeError
from pqscan.tls import keyschedule, messages
from pqscan.tls.messages import RECORD_HEADER
from pqscan.tls.transport import Connection, TransportError

MAX_RECORDS_PER_MESSAGE = 64
MAX_IDLE_RECORDS = 4
# AlertDescription (RFC 8446 §6) a client sends when it aborts
UNEXPECTED_MESSAGE, ILLEGAL_PARAMETER = 10, 47


class ProtocolViolation(Exception):
    """The server broke the protocol; `alert` is what the client should abort with."""

    def __init__(self, reason: str, alert: int = UNEXPECTED_MESSAGE) -> None:
        super().__init__(reason)
        self.alert = alert


class PeerAlert(Exception):
    """The server sent an alert."""

    def __init__(self, description: int) -> None:
        super().__init__(f"alert {description}")
        self.description = description


class MessageStream:
    """Handshake messages from one connection; `protection` decrypts once keys exist."""

    __slots__ = ("conn", "protection", "_buffer", "_records", "_idle", "_max")

    def __init__(self, conn: Connection, max_message: int) -> None:
        self.conn = conn
        self.protection: keyschedule.RecordProtection | None = None
        self._buffer = messages.HandshakeBuffer(max_message)
        self._records = 0  # records that went into the message being reassembled
        self._idle = 0  # records in a row without a handshake byte
        self._max = max_message

    async def next_message(self) -> tuple[int, bytes, bytes]:
        """The next (type, body, raw) handshake message."""
        msg = self.poll()
        while msg is None:
            await self.wait_record()
            msg = self.poll()
        return msg

    def wait_record(self) -> Awaitable[None]:
        """Wait for the next record (`poll` then reads it): the connection's own wait, with
        no coroutine of its own in between (issue 13), wrapped only to say how far a
        message got when the connection fails in the middle of one."""
        if self._buffer.buffered():
            return self._wait_mid_message()
        return self.conn.wait_record()

    async def _wait_mid_message(self) -> None:
        try:
            await self.conn.wait_record()
        except TransportError as exc:
            if exc.kind in ("timeout", "eof", "reset"):
                exc.args = (f"incomplete handshake message after {self._buffer.buffered()} "
                            f"bytes: {exc}",)
            raise

    def poll(self) -> tuple[int, bytes, bytes] | None:
        """The next message if the bytes already received hold it, else None. Synchronous:
        a server flight usually arrives in one segment, so most messages are cut from
        buffered records without a coroutine (issue 13, per-connection CPU)."""
        buffer, conn = self._buffer, self.conn
        while True:
            msg = buffer.next_message()
            if msg is not None:
                self._records = self._idle = 0
                return msg
            if self._records >= MAX_RECORDS_PER_MESSAGE and \
                    self._records >= MAX_RECORDS_PER_MESSAGE + (buffer.claimed() or 0) // 256:
                raise ProtocolViolation(
                    f"handshake message fragmented over more than {self._records} records "
                    f"({buffer.buffered()} bytes so far; RFC 8446 §5.1)")
            if self._idle >= MAX_IDLE_RECORDS:
                raise ProtocolViolation(f"{self._idle} records in a row without handshake data"
                                        " (ChangeCipherSpec or empty records; RFC 8446 §5, §5.1)")
            record = conn.take_record()
            if record is None:
                return None
            payload = self._absorb(*record)
            if payload is None:
                continue
            n = len(payload)
            # the usual record: one whole message and nothing pending, so nothing to
            # reassemble (issue 13); anything else goes through the HandshakeBuffer
            if n >= 4 and (payload[1] << 16 | payload[2] << 8 | payload[3]) == n - 4 \
                    and n - 4 <= self._max and not buffer.buffered():
                self._records = self._idle = 0
                return payload[0], payload[4:], payload
            buffer.feed(payload)

    def _absorb(self, ctype: int, version: int, payload: bytes) -> bytes | None:
        """Account for one record: its handshake bytes, or None (a CCS or an empty record);
        an alert or anything else the handshake does not allow raises."""
        self._records += 1
        if self.protection is not None and ctype == messages.APPLICATION_DATA:
            header = RECORD_HEADER.pack(ctype, version, len(payload))
            ctype, payload = self.protection.decrypt(header, payload)
        if ctype == messages.HANDSHAKE and payload:
            return payload
        if ctype == messages.ALERT:
            if len(payload) < 2:
                raise DecodeError(f"truncated alert ({len(payload)} byte"
                                  f"{'' if len(payload) == 1 else 's'})")
            raise PeerAlert(payload[1])  # struct Alert {level; description} (RFC 8446 §6)
        elif ctype == messages.CHANGE_CIPHER_SPEC:
            # RFC 8446 §5: a compatibility CCS is the single byte 0x01, dropped unread
            if payload != b"\x01":
                raise ProtocolViolation(f"ChangeCipherSpec record of {payload[:8].hex()!r} "
                                        "(RFC 8446 §5: must be the single byte 0x01)")
            self._idle += 1
        elif ctype != messages.HANDSHAKE:
            raise ProtocolViolation(f"unexpected record type {ctype} during the handshake")
        else:
            self._idle += 1  # RFC 8446 §5.1: zero-length Handshake fragments MUST NOT be sent
        return None
