"""Key paths into TOML files (profiles, remediation catalogues) and the line a key is on, so a
bad file is reported as one line naming file, line and key. Shared by policy and assess.
"""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]


def format_key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "<top>"


def locate_line(text: str, path: KeyPath) -> int:
    """1-based line of the key at `path` (or of its enclosing table when the key is missing)."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    headers = [i for i, line in enumerate(lines) if line.lstrip().startswith("[")]
    if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(path[0])}\s*\]\]")
        blocks = [i for i, line in enumerate(lines) if pattern.match(line)]
        if path[1] < len(blocks):
            start = blocks[path[1]]
            end = next((h for h in headers if h > start), len(lines))
        names = [p for p in path[2:] if isinstance(p, str)]
    else:
        end = headers[0] if headers else len(lines)
        names = [p for p in path if isinstance(p, str)]
    for name in reversed(names):
        key = re.compile(rf"(^|[\s{{,]){re.escape(name)}\s*=")
        for i in range(start, end):
            if key.search(lines[i]):
                return i + 1
    return start + 1
