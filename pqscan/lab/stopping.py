"""How a foreground lab stops: SIGINT (Ctrl-C), SIGTERM (kill, systemd, a container stop) and
SIGHUP (terminal closed) all end it the same way (issue 10 §9).

The lab servers run in sessions of their own (pqscan.lab.lab), so a signal that killed the
parent would leave them running and their private keys on disk: only the Lab's stop() reaches
them. `stop_on_signals` turns each of these signals into an exception in the main thread, so
every `with Lab(...)` unwinds and cleans up.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class LabStopped(KeyboardInterrupt):
    """Raised in the main thread by the first stop signal."""


@contextlib.contextmanager
def stop_on_signals(received: list[str]) -> Iterator[None]:
    """While active, the first stop signal raises LabStopped (so every `with` unwinds and cleans
    up); later ones are ignored, so they cannot cut the cleanup short. The names of the
    signals received are appended to `received`."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if received:
            return
        received.append(signal.Signals(signum).name)
        raise LabStopped(received[0])

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
