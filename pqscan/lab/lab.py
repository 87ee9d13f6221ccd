"""The running lab: server processes on 127.0.0.1 and the endpoints they expose (`Lab`).

One process per spec (OpenSSL's group list is process-wide); `Lab.many` serves one spec on many
ports from a single process, which keeps a 200-endpoint benchmark cheap.  Servers bind port 0
themselves and report the ports through a ready file, so there is no pick-then-bind race.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from pqscan.errors import PqscanError
from pqscan.lab.certs import CertBundle, ClientPKI, generate_client_pki, generate_pki
from pqscan.lab.osslconf import OpenSSLConf
from pqscan.lab.spec import ServerSpec

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    """The environment of a lab server process: ours, with the project importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT),
                                                      env.get("PYTHONPATH")]))
    return env


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a server's process group, SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


class LabError(PqscanError):
    """A lab server did not come up (message names the server and its last log line)."""


@dataclass(frozen=True)
class LabEndpoint:
    """One listening lab server port."""

    name: str
    host: str
    port: int
    spec: ServerSpec

    @property
    def address(self) -> str:
        """"127.0.0.1:PORT"."""
        return f"{self.host}:{self.port}"

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {"name": self.name, "host": self.host, "port": self.port, "spec": self.spec.name}


@dataclass
class _Server:
    spec: ServerSpec
    count: int
    log_path: Path
    ready_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    ports: list[int] = field(default_factory=list)


def _write_ffdhe2048(path: Path) -> Path:
    # RFC 7919 Appendix A.1 ffdhe2048 (constant taken from tlslite-ng), as PKCS#3 PEM so TLS 1.2
    # DHE also works for clients that do not list ffdhe groups.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dh
    from tlslite.mathtls import FFDHE2048

    generator, prime = FFDHE2048
    with warnings.catch_warnings():
        # The deprecation is the point: the lab must offer legacy finite-field DHE.
        warnings.simplefilter("ignore")
        params = dh.DHParameterNumbers(prime, generator).parameters()
    path.write_bytes(
        params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)
    )
    return path


class Lab:
    """Context manager running lab servers; `endpoints` is valid between start() and stop()."""

    def __init__(self, specs: tuple[ServerSpec, ...] | list[ServerSpec],
                 workdir: Path | None = None, *, copies: int = 1) -> None:
        specs = tuple(specs)
        for spec in specs:
            if not isinstance(spec, ServerSpec):
                raise TypeError(f"Lab wants ServerSpec objects, got {type(spec).__name__}")
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate lab server names in {names}")
        if not isinstance(copies, int) or copies < 1:
            raise ValueError(f"copies must be a positive int, got {copies!r}")
        if copies > 1 and any(spec.starttls for spec in specs):
            raise ValueError("a spec with STARTTLS fronts already opens one port per front")
        self._specs = specs
        self._copies = copies
        self._own_workdir = workdir is None
        self._workdir = Path(workdir) if workdir is not None else None
        self._servers: list[_Server] = []
        self._endpoints: tuple[LabEndpoint, ...] = ()
        self._client_pki: ClientPKI | None = None

    @classmethod
    def many(cls, spec: ServerSpec, count: int, workdir: Path | None = None) -> Lab:
        """`count` endpoints of one spec, all served by ONE process (for benchmarks)."""
        return cls((spec,), workdir, copies=count)

    @property
    def workdir(self) -> Path:
        """Directory holding certificates, configs and server logs."""
        if self._workdir is None:
            raise LabError("lab not started")
        return self._workdir

    @property
    def endpoints(self) -> tuple[LabEndpoint, ...]:
        """All listening endpoints, in spec order."""
        return self._endpoints

    @property
    def pids(self) -> tuple[int, ...]:
        """Process ids of the running server processes (one per spec)."""
        return tuple(s.process.pid for s in self._servers if s.process is not None)

    @property
    def client_pki(self) -> ClientPKI:
        """The client CA and client certificates (only when a spec asks for client_auth)."""
        if self._client_pki is None:
            raise LabError("no lab server requests client certificates")
        return self._client_pki

    def endpoint(self, name: str) -> LabEndpoint:
        """The endpoint called `name`."""
        for endpoint in self._endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)

    def start(self) -> Lab:
        """Write certificates and configs, spawn the servers and wait until all accept TCP."""
        if self._servers:
            raise LabError("lab already started")
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="pqscan-lab-"))
        self._workdir.mkdir(parents=True, exist_ok=True)
        try:
            kinds = tuple(sorted({k for spec in self._specs for k in spec.cert_kinds}))
            pki = generate_pki(self._workdir / "pki", kinds)
            if any(spec.client_auth for spec in self._specs):
                self._client_pki = generate_client_pki(self._workdir / "client-pki")
            dhparam = None
            if any(spec.needs_dhparam for spec in self._specs):
                dhparam = _write_ffdhe2048(self._workdir / "ffdhe2048.pem")
            for spec in self._specs:
                self._spawn(spec, pki, dhparam)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, spec: ServerSpec, pki: dict[str, CertBundle], dhparam: Path | None) -> None:
        workdir = self.workdir
        count = len(spec.starttls) or self._copies
        server = _Server(spec, count, workdir / f"{spec.name}.log",
                         workdir / f"{spec.name}.ready")
        server.ready_path.unlink(missing_ok=True)
        env = child_env()
        common = ["--name", spec.name, "--listen", str(count),
                  "--ready", str(server.ready_path)]
        if spec.starttls:
            common += ["--starttls", ",".join(spec.starttls)]
        certs = [f"{pki[k].chain_pem},{pki[k].key_pem}" for k in spec.cert_kinds]
        if spec.implementation == "openssl":
            conf = OpenSSLConf(groups=spec.groups, min_version=spec.min_version,
                               max_version=spec.max_version, cipher_string=spec.cipher_string,
                               ciphersuites=spec.ciphersuites)
            env["OPENSSL_CONF"] = str(conf.write(workdir / f"{spec.name}.cnf"))
            args = [sys.executable, "-m", "pqscan.lab.openssl_server", *common]
            for cert in certs:
                args += ["--cert", cert]
            if spec.needs_dhparam and dhparam is not None:
                args += ["--dhparam", str(dhparam)]
            if spec.client_auth:
                args += ["--client-ca", str(self.client_pki.root_pem)]
        else:
            # tlslite does not read OPENSSL_CONF; drop any inherited one all the same.
            env.pop("OPENSSL_CONF", None)
            args = [sys.executable, "-m", "pqscan.lab.tlslite_server", *common,
                    "--cert", certs[0], "--groups", spec.groups,
                    "--min-version", spec.min_version, "--max-version", spec.max_version,
                    "--key-exchanges", spec.cipher_string or "ecdhe_rsa"]
            if spec.client_auth:
                args += ["--client-auth"]
        # Own log file and session: a child holding the test runner's pipes would hang it.
        server.log_file = open(server.log_path, "wb")  # noqa: SIM115 - closed in stop()
        server.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=server.log_file, stderr=subprocess.STDOUT,
            env=env, cwd=str(workdir), start_new_session=True,
        )
        self._servers.append(server)

    def _log_tail(self, server: _Server) -> str:
        try:
            lines = server.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "empty log"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        for server in self._servers:
            while not server.ready_path.exists():
                assert server.process is not None
                if server.process.poll() is not None:
                    raise LabError(f"lab server {server.spec.name!r} exited with "
                                   f"{server.process.returncode}: {self._log_tail(server)}")
                if time.monotonic() > deadline:
                    raise LabError(f"lab server {server.spec.name!r} did not start within "
                                   f"{START_TIMEOUT_SECONDS:.0f}s: {self._log_tail(server)}")
                time.sleep(0.05)
            server.ports = list(json.loads(server.ready_path.read_text())["ports"])
            for port in server.ports:
                self._wait_tcp(server, port, deadline)
        endpoints = []
        for server in self._servers:
            for i, port in enumerate(server.ports):
                if server.spec.starttls:  # named after the front: "spec-smtp", "spec-none"
                    name = f"{server.spec.name}-{server.spec.starttls[i]}"
                else:
                    name = server.spec.name if server.count == 1 else f"{server.spec.name}-{i}"
                endpoints.append(LabEndpoint(name, HOST, port, server.spec))
        self._endpoints = tuple(endpoints)

    def _wait_tcp(self, server: _Server, port: int, deadline: float) -> None:
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise LabError(f"lab server {server.spec.name!r} does not accept TCP on "
                                   f"{HOST}:{port}: {exc}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill every server's process group, close logs, remove an owned workdir."""
        for server in self._servers:
            stop_process(server.process)
            if server.log_file is not None:
                server.log_file.close()
        self._servers = []
        self._endpoints = ()
        if self._own_workdir and self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
