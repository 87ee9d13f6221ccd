"""The running SSH lab: OpenSSH `sshd` (foreground, unprivileged port, generated config and
host keys in a temp dir), asyncssh and paramiko server processes on 127.0.0.1.

sshd cannot bind port 0 and report it, so its port is picked free and re-picked if sshd fails
to bind; asyncssh and paramiko bind port 0 and report through a ready file like the TLS lab.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from pqscan.lab.lab import HOST, START_TIMEOUT_SECONDS, LabError, child_env, stop_process
from pqscan.lab.ssh_keys import make_host_keys
from pqscan.lab.ssh_spec import SSHServerSpec

SSHD = shutil.which("sshd", path="/usr/sbin:/usr/local/sbin:/sbin:" + os.environ.get("PATH", ""))


@dataclass(frozen=True)
class SSHLabEndpoint:
    name: str
    host: str
    port: int
    spec: SSHServerSpec

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"ssh://{self.host}:{self.port}"


def sshd_config(spec: SSHServerSpec, port: int, keys: dict[str, Path]) -> str:
    lines = [f"ListenAddress {HOST}:{port}", "PidFile none", "UsePAM no", "StrictModes no",
             "PermitRootLogin no", "PasswordAuthentication no",
             "KbdInteractiveAuthentication no", "AuthorizedKeysFile none",
             "LoginGraceTime 15", "MaxStartups 200:30:400", "LogLevel INFO"]
    lines += [f"HostKey {keys[k]}" for k in spec.host_keys]
    if "cert" in keys:
        lines.append(f"HostCertificate {keys['cert']}")
    if spec.kex:
        lines.append(f"KexAlgorithms {','.join(spec.kex)}")
    lines += list(spec.sshd_options)
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class SSHLab:
    """Context manager running SSH lab servers; `endpoints` valid between start() and stop()."""

    def __init__(self, specs: tuple[SSHServerSpec, ...], workdir: Path | None = None) -> None:
        self._specs = tuple(specs)
        self._own = workdir is None
        self._workdir = workdir
        self._procs: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
        self.endpoints: tuple[SSHLabEndpoint, ...] = ()
        self.host_keys: dict[str, dict[str, Path]] = {}

    @property
    def workdir(self) -> Path:
        if self._workdir is None:
            raise LabError("SSH lab not started")
        return self._workdir

    def endpoint(self, name: str) -> SSHLabEndpoint:
        for ep in self.endpoints:
            if ep.name == name:
                return ep
        raise KeyError(name)

    def start(self) -> SSHLab:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="pqscan-sshlab-"))
        try:
            endpoints = [self._start_one(spec) for spec in self._specs]
        except BaseException:
            self.stop()
            raise
        self.endpoints = tuple(endpoints)
        return self

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        env = child_env()
        env.pop("OPENSSL_CONF", None)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=str(self.workdir),
                                start_new_session=True)
        self._procs.append((proc, log))
        return proc

    def _log_tail(self, name: str) -> str:
        try:
            lines = (self.workdir / f"{name}.log").read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "empty log"

    def _start_one(self, spec: SSHServerSpec) -> SSHLabEndpoint:
        keys = make_host_keys(self.workdir / "keys" / spec.name, spec.host_keys,
                              spec.certificate)
        self.host_keys[spec.name] = keys
        if spec.implementation == "sshd":
            return self._start_sshd(spec, keys)
        ready = self.workdir / f"{spec.name}.ready"
        ready.unlink(missing_ok=True)
        module = f"pqscan.lab.{spec.implementation}_server"
        args = [sys.executable, "-m", module, "--name", spec.name, "--ready", str(ready)]
        args += [a for k in spec.host_keys for a in ("--host-key", str(keys[k]))]
        if spec.kex:
            args += ["--kex", ",".join(spec.kex)]
        if spec.certificate and spec.implementation == "asyncssh":
            args += ["--host-cert", str(keys["cert"])]
        proc = self._spawn(spec.name, args)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise LabError(f"SSH lab server {spec.name!r} did not start: "
                               f"{self._log_tail(spec.name)}")
            time.sleep(0.05)
        port = int(json.loads(ready.read_text())["ports"][0])
        return SSHLabEndpoint(spec.name, HOST, port, spec)

    def _start_sshd(self, spec: SSHServerSpec, keys: dict[str, Path]) -> SSHLabEndpoint:
        if SSHD is None:
            raise LabError("sshd not found (install openssh-server)")
        with contextlib.suppress(OSError):  # privilege separation directory (root only)
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        for _attempt in range(5):
            port = _free_port()
            config = self.workdir / f"{spec.name}.sshd_config"
            config.write_text(sshd_config(spec, port, keys))
            proc = self._spawn(spec.name, [SSHD, "-D", "-e", "-f", str(config)])
            if self._wait_tcp(proc, port):
                return SSHLabEndpoint(spec.name, HOST, port, spec)
        raise LabError(f"sshd {spec.name!r} did not start: {self._log_tail(spec.name)}")

    def _wait_tcp(self, proc: subprocess.Popen[bytes], port: int) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        for proc, log in self._procs:
            stop_process(proc)
            log.close()
        self._procs = []
        self.endpoints = ()
        if self._own and self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> SSHLab:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
