"""Client randoms and session ids (RFC 8446 §4.1.2: 32 random bytes each), drawn from
os.urandom in blocks: the engine's one source of fresh bytes per hello.
"""

from __future__ import annotations

import os


class Entropy:
    """Fresh random bytes from os.urandom, fetched in blocks: one getrandom() system call
    per ~100 hellos instead of two per hello (issue 13, per-connection CPU). Every byte is
    handed out once; a forked child (scan workers) drops its parent's block."""

    BLOCK = 8192

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._block = b""
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._block):
            self._block, self._pos = os.urandom(max(self.BLOCK, n)), 0
        out = self._block[self._pos : self._pos + n]
        self._pos += n
        return out


ENTROPY = Entropy()  # the one source every hello of this process draws from
