"""The nginx farm of bench_farm.py: one Debian nginx serving many TLS ports (issue 13).

Two groups of ports, one certificate each (ECDSA P-256 and RSA 2048), TLS 1.2 and 1.3, nginx's
defaults otherwise (the server a scanner meets most).  nginx is C, so the servers are not the
bottleneck of a scanner benchmark.  Ports are picked by binding port 0 first: a benchmark helper,
not test code, and inside the benchmark's own network namespace nothing else binds.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

GROUPS = ("ecdsa", "rsa")


def _cert(work: Path, kind: str) -> tuple[Path, Path]:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        ec.generate_private_key(ec.SECP256R1()) if kind == "ecdsa"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"farm-{kind}.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(f"farm-{kind}.test")]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    crt, pem = work / f"{kind}.crt", work / f"{kind}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class NginxFarm:
    """`per_group` ports per certificate group, served by one nginx master and `workers`."""

    def __init__(self, work: Path, per_group: int, workers: int = 1) -> None:
        self.work = work
        self.per_group = per_group
        self.workers = workers
        self.ports: dict[str, list[int]] = {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def targets(self) -> list[tuple[str, str]]:
        """(group, "127.0.0.1:PORT"), interleaved so both groups stay busy."""
        cols = [[(g, f"127.0.0.1:{p}") for p in self.ports[g]] for g in GROUPS]
        return [t for row in zip(*cols, strict=True) for t in row]

    @property
    def pids(self) -> list[int]:
        """The master and its workers (their CPU is the server CPU)."""
        if self.proc is None:
            return []
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    kids.append(int(stat.parent.name))
        return [self.proc.pid, *kids]

    def start(self) -> NginxFarm:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.work.mkdir(parents=True, exist_ok=True)
        ports = _free_ports(self.per_group * len(GROUPS))
        servers = []
        for i, group in enumerate(GROUPS):
            crt, key = _cert(self.work, group)
            self.ports[group] = ports[i * self.per_group:(i + 1) * self.per_group]
            listens = "".join(f"    listen 127.0.0.1:{p} ssl;\n" for p in self.ports[group])
            servers.append(f"  server {{\n{listens}    ssl_certificate {crt};\n"
                           f"    ssl_certificate_key {key};\n"
                           "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                           "    location / { return 200 \"farm\\n\"; }\n  }\n")
        conf = self.work / "nginx.conf"
        conf.write_text(
            f"daemon off;\nmaster_process on;\nworker_processes {self.workers};\n"
            f"pid {self.work}/nginx.pid;\nerror_log {self.work}/error.log warn;\n"
            "worker_rlimit_nofile 65536;\n"
            "events { worker_connections 8192; multi_accept on; }\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {self.work}/tmp;\n"
            f"  proxy_temp_path {self.work}/tmp;\n  fastcgi_temp_path {self.work}/tmp;\n"
            f"  uwsgi_temp_path {self.work}/tmp;\n  scgi_temp_path {self.work}/tmp;\n"
            + "".join(servers) + "}\n")
        (self.work / "tmp").mkdir(exist_ok=True)
        self.proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(self.work)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        last = ports[-1]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.work / "error.log").read_text(errors="replace")[-400:]
                raise RuntimeError(f"nginx exited ({self.proc.returncode}): {log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", last), 1):
                return self
            time.sleep(0.05)
        raise RuntimeError("nginx farm did not come up in 30 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __enter__(self) -> NginxFarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
