"""Scan progress on standard error, never on standard output (which carries the report).

On a terminal: a tqdm bar (done / total, ok / unreachable / error, rate, ETA). In a pipe or a
log file: one status line at most every `PIPE_INTERVAL_S` seconds. `--quiet`: nothing.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any, TextIO

PIPE_INTERVAL_S = 10.0


class Progress:
    def __init__(self, total: int, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.total = total
        self.counts: Counter[str] = Counter()
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._start = time.monotonic()
        self._last_line = self._start
        self._bar: Any = None
        if not quiet and self._stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self._stream, unit="ep", dynamic_ncols=True,
                             smoothing=0.1, leave=True)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def _summary(self) -> str:
        return " ".join(f"{k}={self.counts[k]}" for k in ("ok", "unreachable", "error")
                        if self.counts[k] or k == "ok")

    def add(self, status: str) -> None:
        self.counts[status] += 1
        if self._quiet:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(self._summary(), refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_line >= PIPE_INTERVAL_S:
            self._last_line = now
            self._stream.write(self.line(now) + "\n")
            self._stream.flush()

    def note(self, text: str) -> None:
        """A one-line message (an endpoint that failed) that does not break the bar."""
        if self._bar is not None:
            self._bar.write(text, file=self._stream)
        else:
            self._stream.write(text + "\n")
            self._stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self._start, 1e-9)
        rate = self.done / elapsed
        eta = f"{(self.total - self.done) / rate:.0f}s" if rate > 0 else "?"
        return (f"pqscan: {self.done}/{self.total} endpoints ({self._summary()}), "
                f"{rate:.1f}/s, ETA {eta}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
