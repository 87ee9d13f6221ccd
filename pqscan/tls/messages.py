"""TLS records and the hello/alert messages: frozen dataclasses with `parse()` / `to_bytes()`.

Covers the plaintext part of a handshake (RFC 8446 §4.1, §5.1, §6): records, handshake message
framing, ClientHello, ServerHello (HelloRetryRequest recognised by its fixed random, §4.1.3) and
Alert. The server's later flight is in `flight.py`.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from functools import lru_cache

from pqscan.errors import DecodeError
from pqscan.tls import extensions as ext
from pqscan.tls.codec import Reader, cached_once, u8, u16, u16_list, u24, vec8, vec16
from pqscan.tls.extensions import Extension

# ContentType (RFC 8446 §5.1)
CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23

# HandshakeType (RFC 8446 §4, RFC 5246 §7.4)
CLIENT_HELLO = 1
SERVER_HELLO = 2
NEW_SESSION_TICKET = 4
ENCRYPTED_EXTENSIONS = 8
CERTIFICATE = 11
SERVER_KEY_EXCHANGE = 12
CERTIFICATE_REQUEST = 13
SERVER_HELLO_DONE = 14
CERTIFICATE_VERIFY = 15
CLIENT_KEY_EXCHANGE = 16
FINISHED = 20

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304

# RFC 8446 §4.1.3: SHA-256("HelloRetryRequest")
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()
# RFC 8446 §4.1.3: last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 / 1.1-
DOWNGRADE_TLS12 = bytes.fromhex("444f574e47524401")
DOWNGRADE_TLS11 = bytes.fromhex("444f574e47524400")

MAX_RECORD = 2**14 + 256  # TLSCiphertext.length limit (RFC 8446 §5.2)
RECORD_HEADER = struct.Struct(">BHH")  # ContentType, ProtocolVersion, uint16 length (§5.1)


@dataclass(frozen=True)
class Record:
    """TLSPlaintext / TLSCiphertext header plus fragment (RFC 8446 §5.1)."""

    content_type: int
    version: int
    fragment: bytes

    def header(self) -> bytes:
        try:  # one C call per record (issue 13); out of range: the precise error below
            return RECORD_HEADER.pack(self.content_type, self.version, len(self.fragment))
        except struct.error:
            return u8(self.content_type) + u16(self.version) + u16(len(self.fragment))

    def to_bytes(self) -> bytes:
        return self.header() + self.fragment


def records_for(content_type: int, payload: bytes, version: int = TLS10,
                max_fragment: int = 2**14) -> bytes:
    """Split `payload` into records of at most `max_fragment` bytes (RFC 8446 §5.1).

    The first ClientHello record says 0x0301 for compatibility with old middleboxes (§5.1).
    """
    if max_fragment < 1:
        raise ValueError("max_fragment must be positive")
    if len(payload) <= max_fragment:  # the usual case: one record, no list of chunks
        try:  # one C call, no Record object (every ClientHello, issue 13)
            return RECORD_HEADER.pack(content_type, version, len(payload)) + payload
        except struct.error:  # out of range: Record.header says precisely what
            return Record(content_type, version, payload).to_bytes()
    chunks = [payload[i : i + max_fragment] for i in range(0, len(payload), max_fragment)]
    return b"".join(Record(content_type, version, c).to_bytes() for c in chunks or [b""])


def handshake_bytes(msg_type: int, body: bytes) -> bytes:
    """struct { HandshakeType msg_type; uint24 length; body } (RFC 8446 §4)."""
    return u8(msg_type) + u24(len(body)) + body


def split_handshake(buffer: bytes) -> tuple[list[tuple[int, bytes, bytes]], bytes]:
    """Cut complete handshake messages off `buffer`: [(type, body, raw)], leftover bytes."""
    reassembler = HandshakeBuffer(max_message=1 << 24)
    reassembler.feed(buffer)
    out: list[tuple[int, bytes, bytes]] = []
    while (msg := reassembler.next_message()) is not None:
        out.append(msg)
    return out, reassembler.pending()


class HandshakeBuffer:
    """Reassembles handshake messages from record fragments (RFC 8446 §5.1), linear in bytes.

    Fragments go into one bytearray consumed by offset (no re-concatenation of a growing
    buffer); a message claiming more than `max_message` bytes raises DecodeError at once,
    before its body is awaited, so a 16 MiB claim never makes the client wait for 16 MiB.
    """

    __slots__ = ("_buf", "_pos", "_max")

    def __init__(self, max_message: int) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._max = max_message

    def feed(self, fragment: bytes) -> None:
        if self._pos and self._pos >= len(self._buf) // 2:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += fragment
        self.claimed()  # reject an oversized claim as soon as its header is in

    def claimed(self) -> int | None:
        """The length the next (incomplete) message claims, once its 4-byte header is in."""
        if len(self._buf) - self._pos < 4:
            return None
        length = int.from_bytes(self._buf[self._pos + 1 : self._pos + 4], "big")
        if length > self._max:
            raise DecodeError(f"handshake message type {self._buf[self._pos]} claims "
                              f"{length} bytes, over the {self._max}-byte limit")
        return length

    def next_message(self) -> tuple[int, bytes, bytes] | None:
        """The next complete (type, body, raw) message, or None until more bytes arrive."""
        buf, pos = self._buf, self._pos
        if len(buf) - pos < 4:
            return None
        # the length check of claimed() inlined: this runs for every message (issue 13)
        end = pos + 4 + (buf[pos + 1] << 16 | buf[pos + 2] << 8 | buf[pos + 3])
        if end > len(buf):
            self.claimed()  # an oversized claim raises here
            return None
        if end - pos - 4 > self._max:
            self.claimed()  # raises
        raw = bytes(buf[pos:end])
        self._pos = end
        return raw[0], raw[4:], raw

    def buffered(self) -> int:
        """Bytes of an incomplete message held."""
        return len(self._buf) - self._pos

    def pending(self) -> bytes:
        return bytes(self._buf[self._pos :])


@dataclass(frozen=True)
class ClientHello:
    """RFC 8446 §4.1.2 ClientHello; also the TLS 1.0-1.2 form (no supported_versions)."""

    random: bytes
    cipher_suites: tuple[int, ...]
    extensions: tuple[Extension, ...] = ()
    legacy_version: int = TLS12
    session_id: bytes = b""
    compression_methods: bytes = b"\x00"

    def __post_init__(self) -> None:
        if len(self.random) != 32:
            raise ValueError("ClientHello.random must be 32 bytes")
        if len(self.session_id) > 32:
            raise ValueError("legacy_session_id is at most 32 bytes")

    def body(self) -> bytes:
        block = ext.encode_extensions(self.extensions) if self.extensions else b""
        return self._body(block)

    def _body(self, extensions_block: bytes) -> bytes:
        return (
            u16(self.legacy_version)
            + self.random
            + vec8(self.session_id)
            + _suites_block(self.cipher_suites, self.compression_methods)
            + extensions_block
        )

    @classmethod
    def with_extension_bytes(cls, random: bytes, cipher_suites: tuple[int, ...],
                             extensions: tuple[Extension, ...], legacy_version: int,
                             session_id: bytes, extension_bytes: bytes,
                             views: dict[str, object] | None = None) -> ClientHello:
        """A ClientHello whose extensions the caller already holds encoded, joined
        (`extension_bytes`, without the block's length): the probes send a few offer shapes
        thousands of times and only the key share, random and session id change (issue 13).
        `views` pre-fills cached views the caller knows per shape (`extension_types`,
        `offered_versions`). `to_bytes()` gives what the fields would encode to (tests/tls
        check it)."""
        if len(random) != 32 or len(session_id) > 32:
            cls(random, cipher_suites, extensions, legacy_version, session_id)  # ValueError
        hello = object.__new__(cls)
        fields = hello.__dict__  # frozen: filled directly, as __init__ would (issue 13)
        fields.update(random=random, cipher_suites=cipher_suites, extensions=extensions,
                      legacy_version=legacy_version, session_id=session_id,
                      compression_methods=b"\x00")
        block = vec16(extension_bytes) if extensions else b""
        fields["_encoded"] = handshake_bytes(CLIENT_HELLO, hello._body(block))
        if views:
            fields.update(views)
        return hello

    def to_bytes(self) -> bytes:
        """The handshake message (type + length + body), as hashed into the transcript."""
        return self._encoded

    @cached_once
    def _encoded(self) -> bytes:
        # encoded once; pqscan.tls.offer.build_client_hello fills it in from the bytes it
        # keeps per offer shape (tests/tls check both ways give the same bytes)
        return handshake_bytes(CLIENT_HELLO, self.body())

    @classmethod
    def parse(cls, body: bytes) -> ClientHello:
        reader = Reader(body, "ClientHello")
        legacy_version = reader.u16()
        random = reader.raw(32)
        session_id = reader.vec8()
        suites = reader.u16_list()
        compression = reader.vec8()
        extensions = ext.decode_extensions(reader) if reader.remaining else ()
        reader.done()
        if len(session_id) > 32:
            raise DecodeError("ClientHello: legacy_session_id longer than 32 bytes")
        return cls(random, suites, extensions, legacy_version, session_id, compression)

    def extension(self, extension_type: int) -> Extension | None:
        return ext.find(self.extensions, extension_type)

    @cached_once
    def extension_types(self) -> frozenset[int]:
        """The extensions offered, by type (what a server may answer with, RFC 8446 §4.2)."""
        return frozenset(e.extension_type for e in self.extensions)

    @cached_once
    def offered_versions(self) -> tuple[int, ...]:
        """supported_versions (RFC 8446 §4.2.1); () for a TLS 1.2-style hello."""
        sv = self.extension(ext.SUPPORTED_VERSIONS)
        return ext.parse_u16_list(sv, 1) if sv else ()


def _suites_block(suites: tuple[int, ...], compression: bytes) -> bytes:
    """cipher_suites<2..2^16-2> and legacy_compression_methods<1..2^8-1> (RFC 8446 §4.1.2),
    encoded once per list (a conformance hello may hold unhashable lists: encoded each time)."""
    try:
        return _suites_block_cached(suites, compression)
    except TypeError:
        return u16_list(suites) + vec8(compression)


@lru_cache(maxsize=1024)
def _suites_block_cached(suites: tuple[int, ...], compression: bytes) -> bytes:
    return u16_list(suites) + vec8(compression)


# the extensions the ServerHello views below read (supported_versions, key_share)
_VIEWED = frozenset({ext.SUPPORTED_VERSIONS, ext.KEY_SHARE})


@dataclass(frozen=True)
class ServerHello:
    """RFC 8446 §4.1.3 ServerHello / HelloRetryRequest (and the RFC 5246 §7.4.1.3 form)."""

    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: tuple[Extension, ...] = field(default=())

    @classmethod
    def parse(cls, body: bytes) -> ServerHello:
        # the well-formed case in a few slices (every connection reads one, issue 13); any
        # doubt goes to the strict reader below, which names the fault
        n = len(body)
        if type(body) is bytes and n >= 38 and body[34] <= 32:
            end = 35 + body[34]
            seen: set[int] = set()
            extensions = () if n == end + 3 else ext.split_extensions(body, end + 3, seen)
            if extensions is not None and n >= end + 3:
                hello = object.__new__(cls)
                fields = hello.__dict__
                fields.update(
                    legacy_version=body[0] << 8 | body[1], random=body[2:34],
                    session_id=body[35:end], cipher_suite=body[end] << 8 | body[end + 1],
                    compression_method=body[end + 2], extensions=extensions)
                if _VIEWED.isdisjoint(seen):
                    # a TLS 1.2 answer: the cached views below are known without parsing
                    fields.update(version=fields["legacy_version"], key_share=None,
                                  hrr_group=None)
                return hello
        return cls._parse_strictly(body)

    @classmethod
    def _parse_strictly(cls, body: bytes) -> ServerHello:
        reader = Reader(body, "ServerHello")
        legacy_version = reader.u16()
        random = reader.raw(32)
        session_id = reader.vec8()
        suite = reader.u16()
        compression = reader.u8()
        # RFC 5246 §7.4.1.3: a TLS 1.2 ServerHello may omit the extensions block entirely
        extensions = ext.decode_extensions(reader) if reader.remaining else ()
        reader.done()
        if len(session_id) > 32:
            raise DecodeError("ServerHello: legacy_session_id longer than 32 bytes")
        return cls(legacy_version, random, session_id, suite, compression, extensions)

    def to_bytes(self) -> bytes:
        body = (
            u16(self.legacy_version)
            + self.random
            + vec8(self.session_id)
            + u16(self.cipher_suite)
            + u8(self.compression_method)
            + ext.encode_extensions(self.extensions)
        )
        return handshake_bytes(SERVER_HELLO, body)

    @property
    def is_hrr(self) -> bool:
        return self.random == HRR_RANDOM

    def extension(self, extension_type: int) -> Extension | None:
        return ext.find(self.extensions, extension_type)

    # the views below are read several times per handshake (the checks, the driver): each is
    # parsed once per message (issue 13, per-connection CPU)
    @cached_once
    def version(self) -> int:
        """The negotiated version: supported_versions if present, else legacy_version."""
        sv = self.extension(ext.SUPPORTED_VERSIONS)
        return ext.parse_server_supported_version(sv) if sv else self.legacy_version

    @cached_once
    def key_share(self) -> ext.KeyShareEntry | None:
        ks = self.extension(ext.KEY_SHARE)
        if ks is None or self.is_hrr:
            return None
        return ext.parse_server_key_share(ks)

    @cached_once
    def hrr_group(self) -> int | None:
        ks = self.extension(ext.KEY_SHARE)
        if ks is None or not self.is_hrr:
            return None
        return ext.parse_hrr_key_share(ks)

    @property
    def downgrade_sentinel(self) -> str | None:
        tail = self.random[-8:]
        if tail == DOWNGRADE_TLS12:
            return "TLSv1.2"
        if tail == DOWNGRADE_TLS11:
            return "TLSv1.1"
        return None


@dataclass(frozen=True)
class Alert:
    """struct { AlertLevel level; AlertDescription description; } (RFC 8446 §6)."""

    level: int
    description: int

    @classmethod
    def parse(cls, fragment: bytes) -> Alert:
        reader = Reader(fragment, "Alert")
        alert = cls(reader.u8(), reader.u8())
        reader.done()
        return alert

    def to_bytes(self) -> bytes:
        return u8(self.level) + u8(self.description)
