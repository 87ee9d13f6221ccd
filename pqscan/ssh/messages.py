"""SSH transport messages up to the key exchange: the identification line, the binary packet
(RFC 4253 §6, unencrypted: the engine never goes past NEWKEYS), KEXINIT (§7.1), the ECDH /
hybrid / DH init and reply (RFC 5656 §4, RFC 4253 §8, draft-ietf-sshm-mlkem-hybrid-kex §2),
DH group exchange (RFC 4419 §3) and DISCONNECT (§11.1).

Each message is a frozen dataclass with `parse(payload)` and `to_bytes()`; parsers raise only
`DecodeError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pqscan.errors import DecodeError
from pqscan.ssh.wire import SSHReader, boolean, mpint, name_list, string, u8, u32

MSG_DISCONNECT = 1
MSG_IGNORE = 2
MSG_UNIMPLEMENTED = 3
MSG_DEBUG = 4
MSG_KEXINIT = 20
MSG_NEWKEYS = 21
MSG_KEX_INIT = 30  # KEXDH_INIT, KEX_ECDH_INIT, KEX_HYBRID_INIT share the number
MSG_KEX_REPLY = 31  # ... and KEXDH_REPLY / KEX_ECDH_REPLY / KEX_HYBRID_REPLY / GEX GROUP
MSG_GEX_GROUP = 31
MSG_GEX_INIT = 32
MSG_GEX_REPLY = 33
MSG_GEX_REQUEST = 34

# RFC 4253 §4.2: the identification line is at most 255 bytes including CR LF
MAX_IDENT = 255
# RFC 4253 §6.1: implementations MUST handle 35000-byte packets; nothing in a key exchange
# is larger (mlkem1024 + an RSA-8192 certificate fit easily), so more is hostile
MAX_PACKET = 35000
BLOCK = 8  # §6: padded to a multiple of 8 while no cipher is in use


@dataclass(frozen=True, slots=True)
class Identification:
    """`SSH-protoversion-softwareversion SP comments` (RFC 4253 §4.2), comments kept raw."""

    protoversion: str
    software: str
    comments: str | None = None

    @classmethod
    def parse(cls, line: bytes) -> Identification:
        if len(line) > MAX_IDENT:
            raise DecodeError(f"identification line of {len(line)} bytes exceeds {MAX_IDENT} "
                              "(RFC 4253 §4.2)")
        text = line.rstrip(b"\r\n")
        try:
            decoded = text.decode("ascii")
        except UnicodeDecodeError:
            raise DecodeError("identification line is not US-ASCII") from None
        if not decoded.startswith("SSH-") or "\x00" in decoded:
            raise DecodeError(f"not an SSH identification line: {_shown(text)!r}")
        head, _, comments = decoded.partition(" ")
        parts = head.split("-", 2)
        if len(parts) != 3 or not parts[1] or not parts[2]:
            raise DecodeError(f"malformed SSH identification line: {_shown(text)!r}")
        return cls(parts[1], parts[2], comments if _ else None)

    def to_bytes(self) -> bytes:
        text = f"SSH-{self.protoversion}-{self.software}"
        if self.comments is not None:
            text += f" {self.comments}"
        return text.encode("ascii") + b"\r\n"

    @property
    def text(self) -> str:
        return self.to_bytes()[:-2].decode("ascii")


def _shown(data: bytes) -> str:
    return "".join(c if c.isprintable() else "." for c in data[:60].decode("latin-1"))


def frame(payload: bytes, padding: bytes | None = None) -> bytes:
    """One unencrypted binary packet (RFC 4253 §6): uint32 packet_length, byte
    padding_length, payload, random padding (>= 4 bytes, total a multiple of 8)."""
    if padding is None:
        pad = BLOCK - (len(payload) + 5) % BLOCK
        if pad < 4:
            pad += BLOCK
        padding = os.urandom(pad)
    return u32(1 + len(payload) + len(padding)) + u8(len(padding)) + payload + padding


def unframe(packet_length: int, body: bytes) -> bytes:
    """The payload of one packet whose `body` follows the length field (§6 checks)."""
    if (packet_length + 4) % BLOCK:
        raise DecodeError(f"packet length {packet_length} + 4 is not a multiple of {BLOCK} "
                          "(RFC 4253 §6)")
    padding = body[0]
    if padding < 4 or padding > packet_length - 1:
        raise DecodeError(f"padding length {padding} out of range for a {packet_length}-byte "
                          "packet (RFC 4253 §6)")
    payload = body[1:packet_length - padding]
    if not payload:
        raise DecodeError("empty packet payload")
    return payload


@dataclass(frozen=True, slots=True)
class KexInit:
    """SSH_MSG_KEXINIT (RFC 4253 §7.1): ten name-lists in the sender's order of preference."""

    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    ciphers_c2s: tuple[str, ...]
    ciphers_s2c: tuple[str, ...]
    macs_c2s: tuple[str, ...]
    macs_s2c: tuple[str, ...]
    compression_c2s: tuple[str, ...] = ("none",)
    compression_s2c: tuple[str, ...] = ("none",)
    languages_c2s: tuple[str, ...] = ()
    languages_s2c: tuple[str, ...] = ()
    first_kex_packet_follows: bool = False
    reserved: int = 0
    cookie: bytes = field(default_factory=lambda: os.urandom(16))

    @classmethod
    def parse(cls, payload: bytes) -> KexInit:
        r = SSHReader(payload, "KEXINIT")
        if r.u8() != MSG_KEXINIT:
            raise DecodeError("KEXINIT: wrong message number")
        cookie = r.raw(16)
        n = [r.name_list() for _ in range(10)]
        follows = r.boolean()
        reserved = r.u32()
        r.done()
        return cls(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9],
                   first_kex_packet_follows=follows, reserved=reserved, cookie=cookie)

    def to_bytes(self) -> bytes:
        lists = (self.kex, self.host_key, self.ciphers_c2s, self.ciphers_s2c, self.macs_c2s,
                 self.macs_s2c, self.compression_c2s, self.compression_s2c,
                 self.languages_c2s, self.languages_s2c)
        return (u8(MSG_KEXINIT) + self.cookie + b"".join(name_list(x) for x in lists)
                + boolean(self.first_kex_packet_follows) + u32(self.reserved))


@dataclass(frozen=True, slots=True)
class KexInitMessage:
    """KEXDH_INIT / KEX_ECDH_INIT / KEX_HYBRID_INIT (30) or GEX INIT (32): one string (a
    public value, or an mpint's bytes for DH)."""

    public: bytes
    number: int = MSG_KEX_INIT

    def to_bytes(self) -> bytes:
        return u8(self.number) + string(self.public)


@dataclass(frozen=True, slots=True)
class KexReply:
    """KEXDH_REPLY / KEX_ECDH_REPLY / KEX_HYBRID_REPLY (31) or GEX REPLY (33):
    string K_S (host key), string Q_S / S_REPLY / mpint f, string signature of H."""

    host_key: bytes
    public: bytes
    signature: bytes
    number: int = MSG_KEX_REPLY

    @classmethod
    def parse(cls, payload: bytes, number: int = MSG_KEX_REPLY) -> KexReply:
        r = SSHReader(payload, "KEX reply")
        if r.u8() != number:
            raise DecodeError(f"KEX reply: expected message {number}, got {payload[0]}")
        reply = cls(r.string(), r.string(), r.string(), number)
        r.done()
        return reply

    def to_bytes(self) -> bytes:
        return (u8(self.number) + string(self.host_key) + string(self.public)
                + string(self.signature))


@dataclass(frozen=True, slots=True)
class GexRequest:
    """SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 §3): min, preferred, max group size in bits."""

    minimum: int = 2048
    preferred: int = 4096
    maximum: int = 8192

    def to_bytes(self) -> bytes:
        return u8(MSG_GEX_REQUEST) + u32(self.minimum) + u32(self.preferred) + u32(self.maximum)


@dataclass(frozen=True, slots=True)
class GexGroup:
    """SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 §3): mpint p, mpint g."""

    p: int
    g: int

    @classmethod
    def parse(cls, payload: bytes) -> GexGroup:
        r = SSHReader(payload, "GEX group")
        if r.u8() != MSG_GEX_GROUP:
            raise DecodeError("GEX group: wrong message number")
        group = cls(r.mpint(), r.mpint())
        r.done()
        return group

    def to_bytes(self) -> bytes:
        return u8(MSG_GEX_GROUP) + mpint(self.p) + mpint(self.g)


@dataclass(frozen=True, slots=True)
class Disconnect:
    """SSH_MSG_DISCONNECT (RFC 4253 §11.1)."""

    reason: int
    description: str
    language: str = ""

    @classmethod
    def parse(cls, payload: bytes) -> Disconnect:
        r = SSHReader(payload, "DISCONNECT")
        if r.u8() != MSG_DISCONNECT:
            raise DecodeError("DISCONNECT: wrong message number")
        reason = r.u32()
        description = r.string().decode("utf-8", "replace")
        language = r.string().decode("ascii", "replace") if r.remaining else ""
        return cls(reason, description, language)

    def to_bytes(self) -> bytes:
        return (u8(MSG_DISCONNECT) + u32(self.reason) + string(self.description.encode())
                + string(self.language.encode()))
