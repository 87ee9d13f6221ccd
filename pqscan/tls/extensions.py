"""TLS extensions: the raw `Extension` and typed views of the ones pqscan writes or reads.

Every extension survives as raw `(type, data)` so unknown and GREASE extensions are kept; the
typed classes convert to and from that raw form (`to_extension()` / `from_extension()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pqscan.errors import DecodeError
from pqscan.tls.codec import Reader, cached_once, u8, u16, u16_list, vec8, vec16

# IANA ExtensionType values used here (RFC 8446 §4.2, RFC 6066, RFC 7685, RFC 8422)
SERVER_NAME = 0
SUPPORTED_GROUPS = 10
EC_POINT_FORMATS = 11
SIGNATURE_ALGORITHMS = 13
PADDING = 21
EXTENDED_MASTER_SECRET = 23
SUPPORTED_VERSIONS = 43
COOKIE = 44
PSK_KEY_EXCHANGE_MODES = 45
SIGNATURE_ALGORITHMS_CERT = 50
KEY_SHARE = 51
RENEGOTIATION_INFO = 0xFF01


@dataclass(frozen=True)
class Extension:
    """One extension as it is on the wire: `extension_type` and opaque `data`."""

    extension_type: int
    data: bytes

    @classmethod
    def of(cls, extension_type: int, data: bytes) -> Extension:
        """The extension from values already checked (cut from a message, or encoded by
        pqscan): two dict stores instead of the frozen __init__'s two setattr calls, on the
        per-connection path (issue 13)."""
        ext = object.__new__(cls)
        fields = ext.__dict__
        fields["extension_type"] = extension_type
        fields["data"] = data
        return ext

    def to_bytes(self) -> bytes:
        return self._wire

    @cached_once
    def _wire(self) -> bytes:
        # encoded once per object: the fixed extensions of an offer shape are shared by every
        # ClientHello of that shape (pqscan.tls.offer), so most are never encoded twice
        return u16(self.extension_type) + vec16(self.data)


def encode_extensions(extensions: Iterable[Extension]) -> bytes:
    """Extension extensions<0..2^16-1> (RFC 8446 §4.2)."""
    return vec16(b"".join([e.to_bytes() for e in extensions]))


def decode_extensions(reader: Reader) -> tuple[Extension, ...]:
    """Read the extensions block; duplicates are a decode error (RFC 8446 §4.2)."""
    out: list[Extension] = []
    seen: set[int] = set()
    with reader.scope(2, f"{reader.what} extensions") as block:
        while block.remaining:
            ext_type = block.u16()
            data = block.vec16()
            if ext_type in seen:
                raise DecodeError(f"{reader.what}: duplicate extension {ext_type}")
            seen.add(ext_type)
            out.append(Extension(ext_type, data))
    return tuple(out)


def split_extensions(data: bytes, pos: int, seen: set[int]) -> tuple[Extension, ...] | None:
    """The extensions block at `pos` that ends `data`, cut by slicing, their types added to
    `seen`; None if it is not well-formed (truncated, trailing bytes, a duplicate):
    `decode_extensions` then says what is wrong. The fast path of the messages every
    connection reads (issue 13)."""
    n = len(data)
    if pos + 2 > n or pos + 2 + (data[pos] << 8 | data[pos + 1]) != n:
        return None
    out: list[Extension] = []
    pos += 2
    while pos < n:
        if pos + 4 > n:
            return None
        ext_type = data[pos] << 8 | data[pos + 1]
        stop = pos + 4 + (data[pos + 2] << 8 | data[pos + 3])
        if stop > n or ext_type in seen:
            return None
        seen.add(ext_type)
        out.append(Extension.of(ext_type, data[pos + 4 : stop]))
        pos = stop
    return tuple(out)


def find(extensions: Iterable[Extension], extension_type: int) -> Extension | None:
    for ext in extensions:
        if ext.extension_type == extension_type:
            return ext
    return None


@dataclass(frozen=True)
class KeyShareEntry:
    """struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } (RFC 8446 §4.2.8)."""

    group: int
    key_exchange: bytes

    @classmethod
    def of(cls, group: int, key_exchange: bytes) -> KeyShareEntry:
        """The entry from values already checked, as `Extension.of` (issue 13)."""
        entry = object.__new__(cls)
        fields = entry.__dict__
        fields["group"] = group
        fields["key_exchange"] = key_exchange
        return entry

    def to_bytes(self) -> bytes:
        return u16(self.group) + vec16(self.key_exchange)

    @classmethod
    def read(cls, reader: Reader) -> KeyShareEntry:
        return cls(reader.u16(), reader.vec16())


def server_name(host: str) -> Extension:
    """RFC 6066 §3: a single host_name entry (type 0)."""
    name = host.encode("idna") if not host.isascii() else host.encode("ascii")
    entry = u8(0) + vec16(name)
    return Extension(SERVER_NAME, vec16(entry))


def supported_groups(groups: Iterable[int]) -> Extension:
    return Extension(SUPPORTED_GROUPS, u16_list(tuple(groups)))


def signature_algorithms(schemes: Iterable[int], cert: bool = False) -> Extension:
    return Extension(
        SIGNATURE_ALGORITHMS_CERT if cert else SIGNATURE_ALGORITHMS, u16_list(tuple(schemes))
    )


def supported_versions_client(versions: Iterable[int]) -> Extension:
    """ClientHello form: ProtocolVersion versions<2..254> (RFC 8446 §4.2.1)."""
    return Extension(SUPPORTED_VERSIONS, u16_list(tuple(versions), length_bytes=1))


def key_share_client(entries: Iterable[KeyShareEntry]) -> Extension:
    """KeyShareClientHello: client_shares<0..2^16-1>; empty is legal and asks for an HRR."""
    if not entries:  # every hello that asks for an HRR: one shared object, encoded once
        return _NO_KEY_SHARES
    return Extension.of(KEY_SHARE, vec16(b"".join([e.to_bytes() for e in entries])))


def ec_point_formats() -> Extension:
    """RFC 8422 §5.1.2: uncompressed only (TLS 1.2 ECDHE)."""
    return Extension(EC_POINT_FORMATS, vec8(u8(0)))


def psk_key_exchange_modes() -> Extension:
    """psk_dhe_ke only; many servers expect it in a TLS 1.3 hello (RFC 8446 §4.2.9)."""
    return Extension(PSK_KEY_EXCHANGE_MODES, vec8(u8(1)))


def cookie(data: bytes) -> Extension:
    return Extension(COOKIE, vec16(data))


def padding(length: int) -> Extension:
    return Extension(PADDING, bytes(length))


def renegotiation_info() -> Extension:
    """RFC 5746 §3.4: empty renegotiated_connection on an initial handshake."""
    return Extension(RENEGOTIATION_INFO, vec8(b""))


def parse_server_supported_version(ext: Extension) -> int:
    """ServerHello form: a single ProtocolVersion (RFC 8446 §4.2.1)."""
    data = ext.data
    if len(data) == 2:  # the well-formed case without a Reader (every TLS 1.3 answer)
        return data[0] << 8 | data[1]
    reader = Reader(data, "supported_versions")
    version = reader.u16()
    reader.done()
    return version


def parse_server_key_share(ext: Extension) -> KeyShareEntry:
    """KeyShareServerHello: exactly one entry (RFC 8446 §4.2.8)."""
    data = ext.data
    if len(data) >= 4 and 4 + (data[2] << 8 | data[3]) == len(data):  # well-formed: slices
        return KeyShareEntry.of(data[0] << 8 | data[1], data[4:])
    reader = Reader(data, "key_share")
    entry = KeyShareEntry.read(reader)
    reader.done()
    return entry


def parse_hrr_key_share(ext: Extension) -> int:
    """KeyShareHelloRetryRequest: just the selected_group (RFC 8446 §4.2.8)."""
    data = ext.data
    if len(data) == 2:
        return data[0] << 8 | data[1]
    reader = Reader(data, "key_share (HelloRetryRequest)")
    group = reader.u16()
    reader.done()
    return group


def parse_cookie(ext: Extension) -> bytes:
    reader = Reader(ext.data, "cookie")
    data = reader.vec16()
    reader.done()
    return data


def parse_client_key_shares(ext: Extension) -> tuple[KeyShareEntry, ...]:
    reader = Reader(ext.data, "key_share")
    out: list[KeyShareEntry] = []
    with reader.scope(2) as body:
        while body.remaining:
            out.append(KeyShareEntry.read(body))
    reader.done()
    return tuple(out)


def parse_u16_list(ext: Extension, length_bytes: int = 2) -> tuple[int, ...]:
    reader = Reader(ext.data, f"extension {ext.extension_type}")
    values = reader.u16_list(length_bytes)
    reader.done()
    return values


_NO_KEY_SHARES = Extension(KEY_SHARE, vec16(b""))
