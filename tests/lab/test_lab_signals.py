"""`pqscan lab` cleans up on SIGTERM and SIGHUP as on Ctrl-C (issue 10 §9): real signals to a
real `pqscan lab` process; afterwards no server process is left, no port listens and the
directory holding the private keys is gone."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

START_SECONDS = 90.0  # generous: the machine is shared; the lab itself waits up to 30 s


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    """Running (a zombie or a vanished pid is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _read_until_running(proc: subprocess.Popen[bytes]) -> list[str]:
    """stdout lines up to "lab running", read from the raw pipe (no buffering that select()
    cannot see), bounded by START_SECONDS."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    deadline = time.monotonic() + START_SECONDS
    while b"lab running" not in data:
        assert time.monotonic() < deadline, f"lab did not start: {data!r}"
        assert proc.poll() is None, f"lab exited {proc.returncode}: {data!r}"
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            data += os.read(fd, 65536)
    return data.decode().splitlines()


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_lab_cleans_up_on_signal(signum: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pqscan", "lab", "--only", "tls12-ecdhe,hostile-cert"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines = _read_until_running(proc)
        ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", "\n".join(lines))]
        workdir = Path(next(line.split(": ", 1)[1] for line in lines
                            if line.startswith("lab files")))
        servers = _children(proc.pid)
        keys = list(workdir.rglob("*key.pem"))
        assert len(ports) == 2 and len(servers) == 2 and keys
        assert all(_alive(pid) for pid in servers) and not any(map(_refused, ports))
        proc.send_signal(signum)
        raw_out, raw_err = proc.communicate(timeout=60)
        out, err = raw_out.decode(), raw_err.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.splitlines()[-1] == f"lab stopped ({signum.name})"
    assert err == ""
    assert not any(_alive(pid) for pid in servers), "orphaned lab server"
    assert not workdir.exists() and not any(k.exists() for k in keys)
    assert all(_refused(port) for port in ports)


def test_demo_stops_its_lab_on_sigterm() -> None:
    """`pqscan demo` runs the lab too: SIGTERM mid-demo leaves no server and no key file."""
    proc = subprocess.Popen([sys.executable, "-m", "pqscan", "demo"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_SECONDS
        servers: list[int] = []
        while len(servers) < 8:  # DEFAULT_LAB: eight server processes
            assert time.monotonic() < deadline and proc.poll() is None, "demo lab did not start"
            time.sleep(0.2)
            servers = _children(proc.pid)
        workdir = Path(os.readlink(f"/proc/{servers[0]}/cwd"))
        assert workdir.name.startswith("pqscan-lab-") and list(workdir.rglob("*key.pem"))
        proc.send_signal(signal.SIGTERM)
        _, raw_err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3
    assert raw_err.decode().splitlines()[-1] == "pqscan: interrupted (SIGTERM); lab stopped"
    assert not any(_alive(pid) for pid in servers), "orphaned lab server"
    assert not workdir.exists()
