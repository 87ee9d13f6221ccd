"""Untrusted text made inert: what every renderer does to a string it did not write itself.

Certificate subjects, SANs, server banners and error messages come from the peer. Before any
format shows them, `visible()` turns every character that could steer a terminal, a table or a
reader's eye into a visible escape, and cuts a field that is too long:

- C0 and C1 controls, DEL (NUL, CR/LF that would split a table row or a log line, ESC of
  terminal sequences) become `\\x00`, `\\r`, `\\n`, `\\x1b`...;
- Unicode bidi controls (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C: the "Trojan Source"
  reordering of CVE-2021-42574), zero-width characters, the line/paragraph separators and the BOM
  become `\\u202e`...;
- lone surrogates (which no UTF-8 output can encode) become `\\ud800`;
- a field longer than `FIELD_LIMIT` characters is cut, with a marker naming what was cut.

Format syntax (HTML tags, Markdown links and pipes, CSV formulas) is each renderer's own job on
top of this (`markdown_text`, `csv_cell` here; html.escape in html.py; ElementTree in junit.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD_LIMIT = 1024
# a rendered cell joins several fields (each already cut to FIELD_LIMIT by `inert`): its own cap
# only guards direct callers, and is large enough never to cut a truncation marker again
CELL_LIMIT = 16 * FIELD_LIMIT
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_INVISIBLE = [
    *range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029,
    *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF,
    *range(0xD800, 0xE000),
]


def _escape(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in _INVISIBLE}
# Markdown: the inline metacharacters backslash-escaped (CommonMark §2.4 allows it for any ASCII
# punctuation; escaped brackets are no link, escaped backticks no code span, escaped pipes no
# cell break) and the raw HTML that Markdown renderers pass through (& < > as entities)
_MARKDOWN = {ord(c): "\\" + c for c in "\\`*_[]|~"} | {
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def visible(value: Any, limit: int = FIELD_LIMIT) -> str:
    """`value` as one line of inert text, at most `limit` characters plus a truncation marker."""
    text = "" if value is None else str(value)
    cut = ""
    if len(text) > limit:
        cut = f"…[truncated: {len(text) - limit} more characters]"
        text = text[:limit]
    return text.translate(_TABLE) + cut


def inert(value: Any, limit: int = FIELD_LIMIT) -> Any:
    """A copy of a JSON-like tree with every string (keys too) passed through `visible()`."""
    if isinstance(value, str):
        return visible(value, limit)
    if isinstance(value, Mapping):
        return {visible(k, limit) if isinstance(k, str) else k: inert(v, limit)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert(v, limit) for v in value]
    return value


def markdown_text(value: Any) -> str:
    """`visible()` plus every Markdown metacharacter escaped: no link, code span, table cell
    break or raw HTML can come out of it."""
    return visible(value, CELL_LIMIT).translate(_MARKDOWN)


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: numbers stay numbers; strings are `visible()`
    and a leading formula character is disarmed with a quote."""
    if isinstance(value, bool) or not isinstance(value, str):
        return "" if value is None else value
    text = visible(value, CELL_LIMIT)
    return "'" + text if text.startswith(_FORMULA) else text
