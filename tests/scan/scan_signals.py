"""Helper for tests that stop a real `pqscan scan` process with a signal mid-run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable


def interrupted_scan(good: str, extra: list[str], ready: Callable[[], bool],
                     sig: signal.Signals) -> tuple[int, str, str]:
    """Scan `good` and a server that accepts but never answers (the scan waits on it); once
    `ready()` says the good endpoint is written, send `sig`. (exit code, stdout, stderr)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    cmd = [sys.executable, "-m", "pqscan", "scan", good, f"127.0.0.1:{silent.getsockname()[1]}",
           "--sni", "localhost", "--timeout", "60", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ready():
            time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        silent.close()
    return proc.returncode, out, err
