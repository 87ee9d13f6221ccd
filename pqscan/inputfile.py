"""Reading a file the user named: regular files only, size-capped before a byte is read.

Every file input (reports, profiles, metadata, certificates, keys, target lists) comes in
through `read_bytes` / `read_text` / `read_json`, so each refuses the same things the same way,
as one `UsageError` line naming the file (exit 2):

- a FIFO, device or socket is refused, never read: it is opened non-blocking (so a FIFO without
  a writer cannot hang us) and `fstat` of the open descriptor decides, so a path swapped after
  a check is caught too;
- a file larger than its cap is refused from its size, before reading; the read itself is
  bounded by the cap as well, for a file that grows meanwhile;
- JSON is parsed strictly: NaN/Infinity (not JSON, RFC 8259 §6), integers of more than
  `MAX_INT_DIGITS` digits, nesting deeper than `MAX_DEPTH`, and lone surrogates (no UTF-8
  output can carry them, RFC 8259 §8.2) are refused with the JSON path of the culprit.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from pqscan.errors import Option, UsageError

MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024  # profiles, metadata, keys, signatures
MAX_DEPTH = 64
MAX_INT_DIGITS = 40

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a directory"))


def os_reason(exc: OSError) -> str:
    """A short reason for an OSError, without Python's `[Errno N]` decoration."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def refuse_special(path: str | Path) -> None:
    """UsageError unless `path` is a regular file (for inputs another module reads itself)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UsageError(f"{path}: {os_reason(exc)}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path}: is {_kind(mode)}, not a regular file; not read")


def read_bytes(path: str | Path, max_bytes: int,
               limit_name: str | Option = "the size limit") -> bytes:
    """The whole of a regular file of at most `max_bytes` bytes; UsageError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UsageError(f"{path}: {os_reason(exc)}") from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{path}: is {_kind(st.st_mode)}, not a regular file; not read")
        if st.st_size > max_bytes:
            raise UsageError(f"{path}: file is {st.st_size} bytes, over ", limit_name,
                             f" {max_bytes}")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise UsageError(f"{path}: {os_reason(exc)}") from None
    if len(data) > max_bytes:
        raise UsageError(f"{path}: file grew over ", limit_name, f" {max_bytes} while read")
    return data


def read_text(path: str | Path, max_bytes: int, limit_name: str = "the size limit") -> str:
    """`read_bytes` decoded as strict UTF-8 (the byte offset of a bad sequence named)."""
    data = read_bytes(path, max_bytes, limit_name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


def json_path(parts: Any) -> str:
    """`$.endpoints[0].tls` for the path parts ("endpoints", 0, "tls")."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 §6)")


def _finite(text: str) -> float:
    if len(text) > MAX_INT_DIGITS + 20:
        raise ValueError(f"number of {len(text)} characters")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} overflows a double")
    return value


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _check_tree(value: Any) -> None:
    """Depth and lone surrogates, iteratively (the tree may be as deep as json allowed)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, where = stack.pop()
        if len(where) > MAX_DEPTH:
            raise ValueError(f"{json_path(where[:MAX_DEPTH])}: nested deeper than {MAX_DEPTH}")
        if isinstance(node, str):
            _no_surrogate(node, where)
        elif isinstance(node, dict):
            for key, child in node.items():
                _no_surrogate(key, where)
                stack.append((child, (*where, key)))
        elif isinstance(node, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(node))


def _no_surrogate(text: str, where: tuple[Any, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{json_path(where)}: lone surrogate "
                         f"\\u{ord(text[exc.start]):04x} (not encodable as UTF-8)") from None


def parse_json(text: str) -> Any:
    """Strict JSON (see the module docstring); ValueError naming the problem."""
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                           parse_int=_small_int)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    _check_tree(value)
    return value


def read_json(path: str | Path, max_bytes: int = MAX_REPORT_BYTES,
              limit_name: str = "the size limit") -> Any:
    """A strictly parsed JSON file; UsageError (exit 2) naming the file and the problem."""
    text = read_text(path, max_bytes, limit_name)
    try:
        return parse_json(text)
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from None
