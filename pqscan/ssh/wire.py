"""RFC 4251 §5 data types: byte, boolean, uint32, uint64, string, mpint, name-list.

`SSHReader` extends the strict TLS `Reader` (reading past the end or leaving bytes behind raises
`DecodeError`); writing is small pure functions so every `to_bytes()` reads like the RFC.
"""

from __future__ import annotations

from pqscan.errors import DecodeError
from pqscan.tls.codec import Reader, u8, u32

__all__ = ["SSHReader", "boolean", "mpint", "name_list", "string", "u8", "u32", "u64"]

# A name in a name-list is US-ASCII without commas or controls (RFC 4251 §5); 64 is the
# RFC 4251 §6 limit for algorithm names, a little generous for vendor names seen in the wild.
MAX_NAME = 64


def u64(value: int) -> bytes:
    if not isinstance(value, int):
        raise TypeError(f"expected int, got {type(value).__name__}")
    if not 0 <= value < 1 << 64:
        raise ValueError(f"{value} does not fit in uint64")
    return value.to_bytes(8, "big")


def boolean(value: bool) -> bytes:
    if not isinstance(value, bool):
        raise TypeError(f"expected bool, got {type(value).__name__}")
    return b"\x01" if value else b"\x00"


def string(data: bytes) -> bytes:
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    return u32(len(data)) + bytes(data)


def mpint(value: int) -> bytes:
    """Two's complement, big-endian, minimal length; zero is the empty string (§5)."""
    if not isinstance(value, int):
        raise TypeError(f"expected int, got {type(value).__name__}")
    if value == 0:
        return u32(0)
    size = (value.bit_length() + 8) // 8  # room for the sign bit
    return string(value.to_bytes(size, "big", signed=True))


def name_list(names: tuple[str, ...] | list[str]) -> bytes:
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"name-list entries are str, got {type(name).__name__}")
        if not name or "," in name or not name.isascii() or not name.isprintable():
            raise ValueError(f"bad name for a name-list: {name!r}")
    return string(",".join(names).encode("ascii"))


class SSHReader(Reader):
    """Strict reader of RFC 4251 types."""

    __slots__ = ()

    def boolean(self) -> bool:
        return self.u8() != 0  # §5: any non-zero value is TRUE

    def u64(self) -> int:
        return int.from_bytes(self.raw(8), "big")

    def string(self) -> bytes:
        return self.vec(4)

    def mpint(self) -> int:
        data = self.string()
        # §5: "Unnecessary leading bytes with the value 0 or 255 MUST NOT be included"
        if len(data) > 1 and (data[0] == 0 and data[1] < 0x80 or
                              data[0] == 0xFF and data[1] >= 0x80):
            raise DecodeError(f"{self.what}: mpint has an unnecessary leading byte")
        return int.from_bytes(data, "big", signed=True)

    def name_list(self) -> tuple[str, ...]:
        data = self.string()
        if not data:
            return ()
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise DecodeError(f"{self.what}: name-list is not US-ASCII") from None
        names = tuple(text.split(","))
        for name in names:
            if not name or len(name) > MAX_NAME or not name.isprintable() or " " in name:
                raise DecodeError(f"{self.what}: bad name {name[:70]!r} in a name-list")
        return names
