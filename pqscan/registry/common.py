"""Shared codepoint rules of the TLS registries: GREASE and private use.

Owns the two value ranges every TLS registry shares (the reference data itself is read by
pqscan.registry.reference): GREASE values (RFC 8701 §2) and the IANA private-use
ranges (RFC 8446 §4.2.3 / §4.2.7, IANA "TLS Supported Groups" S1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from pqscan.registry.reference import reference_data

E = TypeVar("E")

# RFC 8701 §2: the 16 GREASE values for cipher suites, groups, signature schemes, extensions
# and versions are 0x0A0A, 0x1A1A, ..., 0xFAFA (both bytes equal, low nibble 0xA).
GREASE_VALUES: frozenset[int] = frozenset(0x0A0A + 0x1010 * i for i in range(16))


def is_grease(code: int) -> bool:
    """True for the RFC 8701 §2 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa)."""
    return code in GREASE_VALUES


def grease_name(code: int) -> str:
    """The display name of a GREASE value, e.g. "GREASE(0x0a0a)"."""
    return f"GREASE(0x{code:04x})"


def hex_code(code: int) -> str:
    """The JSON spelling of a 16-bit codepoint: lower-case, 4 digits ("0x11ec")."""
    return f"0x{code:04x}"


def check_code(code: object, what: str) -> int:
    """Validate a 16-bit codepoint: TypeError for non-int (or bool), ValueError out of range."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"{what} code must be an int, not {type(code).__name__}")
    if not 0 <= code <= 0xFFFF:
        raise ValueError(f"{what} code {code} is outside 0..0xffff")
    return code


class Codepoint:
    """What every TLS registry entry (a dataclass with a 16-bit `code`) says about its value."""

    code: int

    @property
    def is_grease(self) -> bool:
        """True for RFC 8701 GREASE values."""
        return is_grease(self.code)


class CodeTable(Generic[E]):
    """One registry of 16-bit codepoints (groups, signature schemes, cipher suites) looked up
    by code or by name: the name exactly, then case-insensitively; "0x1234" and
    "GREASE(0x0a0a)" (what the registry prints for values it has no name for) round-trip.
    A code nobody declared gets `unknown(code)`, because a scanner reports what it saw; an
    unknown name is a ValueError, a value neither int nor str a TypeError."""

    def __init__(self, what: str, by_code: Mapping[int, E], name_of: Callable[[E], str],
                 unknown: Callable[[int], E]) -> None:
        self.what = what
        self.by_code = by_code
        self.unknown = unknown
        self._exact = {name_of(e): e for e in by_code.values()}
        self._folded = {name_of(e).casefold(): e for e in by_code.values()}
        if len(self._folded) != len(by_code):  # names stay unique even case-insensitively
            raise RuntimeError(f"duplicate TLS {what} names in the registry")

    def lookup(self, code_or_name: int | str) -> E:
        if type(code_or_name) is int:  # the hot path (a scan asks ~260 times per endpoint):
            known = self.by_code.get(code_or_name)  # a declared code is in range by definition
            if known is not None:
                return known
        if isinstance(code_or_name, str):
            found = self._exact.get(code_or_name) or self._folded.get(code_or_name.casefold())
            if found is not None:
                return found
            code = code_from_name(code_or_name)
            if code is not None:
                return self.lookup(code)
            raise ValueError(f"unknown TLS {self.what} name {code_or_name!r}")
        code = check_code(code_or_name, self.what)
        known = self.by_code.get(code)
        return known if known is not None else self.unknown(code)


def reference_ranges(section: str) -> list[tuple[int, int]]:
    """The private-use ranges a reference section lists (entries with `range_dec`/`range_hex`)."""
    out: list[tuple[int, int]] = []
    for entry in reference_data()[section]:
        if "range_dec" in entry:
            out.extend((int(lo), int(hi)) for lo, hi in entry["range_dec"])
        elif "range_hex" in entry:
            lo, hi = entry["range_hex"]
            out.append((int(lo, 16), int(hi, 16)))
    return out


_HEX_NAME = re.compile(r"^0x[0-9a-fA-F]{1,4}$")
_GREASE_NAME = re.compile(r"^GREASE\((0x[0-9a-fA-F]{4})\)$")


def code_from_name(name: str) -> int | None:
    """The codepoint a registry prints for values it has no name for: "0x1234" or
    "GREASE(0x0a0a)" (RFC 8701), so that such names round-trip; None for any other text."""
    m = _GREASE_NAME.match(name)
    if m and is_grease(int(m.group(1), 16)):
        return int(m.group(1), 16)
    if _HEX_NAME.match(name):
        return int(name, 16)
    return None
