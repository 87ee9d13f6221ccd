"""Shared codepoint rules of the TLS registries: GREASE and private use.

Owns the two value ranges every TLS registry shares (the reference data itself is read by
pqscan.registry.reference): GREASE values (RFC 8701 §2) and the IANA private-use
ranges (RFC 8446 §4.2.3 / §4.2.7, IANA "TLS Supported Groups" S1).
"""

from __future__ import annotations

import re

from pqscan.registry.reference import reference_data

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
