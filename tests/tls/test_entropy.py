"""The client random / session id source (pqscan.tls.entropy.Entropy): os.urandom fetched
in blocks, every byte handed out once, and a forked child never reuses its parent's block."""

from __future__ import annotations

import os

from pqscan.tls.entropy import Entropy


def test_bytes_are_handed_out_once_across_blocks() -> None:
    source = Entropy()
    source.BLOCK = 100  # type: ignore[misc]  # small blocks: the refill path runs
    taken = [source.take(32) for _ in range(50)]
    assert all(len(t) == 32 for t in taken)
    assert len(set(taken)) == 50  # 32 random bytes never repeat by chance
    assert len(source.take(300)) == 300  # a request larger than a block


def test_a_forked_child_does_not_reuse_the_parents_block() -> None:
    source = Entropy()
    source.take(32)  # the parent holds a partly used block
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it would hand out next, then leave at once
        os.write(write, source.take(32))
        os._exit(0)
    os.close(write)
    child = os.read(read, 32)
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 32 and child != source.take(32)
