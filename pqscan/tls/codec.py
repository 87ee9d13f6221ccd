"""The TLS presentation-language codec (RFC 8446 §3): integers, opaque vectors, nested scopes.

`Reader` consumes bytes strictly: reading past the end or leaving bytes behind in a scope
raises `DecodeError`, never IndexError or struct.error. Writing is done with small pure
functions (`u8`, `u16`, `vec16`, ...) so that every `to_bytes()` reads like the RFC's struct.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pqscan.errors import DecodeError

T = TypeVar("T")


def u8(value: int) -> bytes:
    try:  # the C conversion inline (one call, not two: these run per hello, issue 13)
        return value.to_bytes(1, "big")
    except (OverflowError, AttributeError):
        return _uint(value, 1)  # raises the precise error


def u16(value: int) -> bytes:
    try:
        return value.to_bytes(2, "big")
    except (OverflowError, AttributeError):
        return _uint(value, 2)


def u24(value: int) -> bytes:
    try:
        return value.to_bytes(3, "big")
    except (OverflowError, AttributeError):
        return _uint(value, 3)


def u32(value: int) -> bytes:
    return _uint(value, 4)


def _uint(value: int, size: int) -> bytes:
    # the C conversion does the checks (this runs tens of times per ClientHello, issue 13);
    # only its errors are translated: TypeError for a non-int, ValueError out of range
    try:
        return value.to_bytes(size, "big")
    except OverflowError:
        raise ValueError(f"{value} does not fit in uint{8 * size}") from None
    except AttributeError:
        raise TypeError(f"expected int, got {type(value).__name__}") from None


def vec8(data: bytes) -> bytes:
    """opaque data<0..2^8-1>: a one-byte length then the bytes."""
    try:
        return len(data).to_bytes(1, "big") + data
    except OverflowError:
        return _uint(len(data), 1) + data  # raises ValueError


def vec16(data: bytes) -> bytes:
    try:
        return len(data).to_bytes(2, "big") + data
    except OverflowError:
        return _uint(len(data), 2) + data


def vec24(data: bytes) -> bytes:
    return _uint(len(data), 3) + data


class Reader:
    """Strict reader over one byte string; `what` names the structure in error messages."""

    __slots__ = ("_data", "_pos", "_end", "what")

    def __init__(self, data: bytes, what: str = "message") -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"Reader needs bytes, got {type(data).__name__}")
        self._data = bytes(data)
        self._pos = 0
        self._end = len(self._data)
        self.what = what

    @property
    def remaining(self) -> int:
        return self._end - self._pos

    def _take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > self._end:
            raise DecodeError(
                f"{self.what}: truncated (needed {n} bytes, {self.remaining} left)"
            )
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self) -> int:
        pos = self._pos
        if pos >= self._end:
            return self._take(1)[0]  # raises the truncation error
        self._pos = pos + 1
        return self._data[pos]

    def u16(self) -> int:
        # the hottest read (types, lengths, codes): indexing beats a slice + from_bytes
        pos = self._pos
        if pos + 2 > self._end:
            return int.from_bytes(self._take(2), "big")  # raises the truncation error
        self._pos = pos + 2
        data = self._data
        return data[pos] << 8 | data[pos + 1]

    def u24(self) -> int:
        return int.from_bytes(self._take(3), "big")

    def u32(self) -> int:
        return int.from_bytes(self._take(4), "big")

    def raw(self, n: int) -> bytes:
        return self._take(n)

    def rest(self) -> bytes:
        return self._take(self.remaining)

    def vec(self, length_bytes: int) -> bytes:
        # _take's work inlined for the valid case (every extension and list is a vec);
        # a short input still raises through _take, with its message
        pos, data = self._pos, self._data
        end = pos + length_bytes
        if end > self._end:
            self._take(length_bytes)
        n = int.from_bytes(data[pos:end], "big")
        self._pos = end
        stop = end + n
        if stop > self._end:
            self._take(n)
        self._pos = stop
        return data[end:stop]

    def vec8(self) -> bytes:
        return self.vec(1)

    def vec16(self) -> bytes:
        return self.vec(2)

    def vec24(self) -> bytes:
        return self.vec(3)

    def scope(self, length_bytes: int, what: str | None = None) -> _Scope:
        """A nested length-prefixed scope that must be consumed exactly (`with`)."""
        return _Scope(Reader(self.vec(length_bytes), what or self.what))

    def done(self) -> None:
        """Assert that nothing is left: RFC 8446 §4 messages have no trailing data."""
        if self.remaining:
            raise DecodeError(f"{self.what}: {self.remaining} unexpected trailing bytes")

    def u16_list(self, length_bytes: int = 2) -> tuple[int, ...]:
        """A vector of uint16 (cipher suites, groups, signature schemes, versions)."""
        body = self.vec(length_bytes)
        if len(body) % 2:
            raise DecodeError(f"{self.what}: odd length {len(body)} for a list of uint16")
        return tuple(int.from_bytes(body[i : i + 2], "big") for i in range(0, len(body), 2))


class cached_once(Generic[T]):  # noqa: N801 - used like functools.cached_property
    """`functools.cached_property` without its lock (Python 3.11 takes an RLock on every
    first access, which cost more than the small parses it caches in the TLS messages, issue
    13). The value lands in the instance `__dict__`, so later reads are plain attribute
    reads; frozen dataclasses (no slots) allow that, as for cached_property."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]  # the class attribute itself
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class _Scope:
    """`with reader.scope(n) as inner:` ... then `inner` must be used up (a plain class: a
    generator context manager cost more than the parse it wraps, issue 13)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Reader) -> None:
        self.inner = inner

    def __enter__(self) -> Reader:
        return self.inner

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.inner.done()


def u16_list(values: tuple[int, ...] | list[int], length_bytes: int = 2) -> bytes:
    try:
        # one C call: code lists (groups, suites, schemes) are in every ClientHello
        body = struct.pack(f">{len(values)}H", *values)
    except struct.error:
        body = b"".join(u16(v) for v in values)  # raises the precise TypeError/ValueError
    return _uint(len(body), length_bytes) + body
