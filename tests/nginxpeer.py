"""Debian's nginx as a real TLS peer for tests: one nginx (master + one worker) serving several
loopback ports, each with its own certificate and cipher list.

The listening sockets are bound to port 0 here and handed to nginx as inherited sockets (the
`NGINX` environment variable of its binary upgrade), so there is no window in which another
process could take the port; the config's `listen` lines name the same addresses.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from pqscan.lab.certs import generate_kind


@contextmanager
def nginx_servers(work: Path, servers: Mapping[str, tuple[str, str | None]]
                  ) -> Iterator[dict[str, int]]:
    """Serve NAME -> (certificate kind of pqscan.lab.certs, ssl_ciphers or None for nginx's
    default) on 127.0.0.1; yields NAME -> port. Skips when nginx is not installed."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx not installed (apt-get install -y nginx)")
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        socks: dict[str, socket.socket] = {}
        blocks = []
        for name, (kind, ciphers) in servers.items():
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            socks[name] = sock
            bundle = generate_kind(work / name, kind)
            blocks.append(
                f"  server {{\n    listen 127.0.0.1:{sock.getsockname()[1]} ssl;\n"
                f"    ssl_certificate {bundle.chain_pem};\n"
                f"    ssl_certificate_key {bundle.key_pem};\n"
                "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                + (f"    ssl_ciphers {ciphers};\n" if ciphers else "")
                + "    location / { return 200 \"ok\\n\"; }\n  }\n")
        conf = work / "nginx.conf"
        conf.write_text(
            f"daemon off;\nmaster_process on;\nworker_processes 1;\npid {work}/nginx.pid;\n"
            f"error_log {work}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {work};\n"
            f"  proxy_temp_path {work};\n  fastcgi_temp_path {work};\n"
            f"  uwsgi_temp_path {work};\n  scgi_temp_path {work};\n" + "".join(blocks) + "}\n")
        fds = [s.fileno() for s in socks.values()]
        env = dict(os.environ, NGINX="".join(f"{fd};" for fd in fds))
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(work)], pass_fds=fds,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            ports = {name: s.getsockname()[1] for name, s in socks.items()}
            _wait_serving(proc, ports.values(), work)
            yield ports
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_serving(proc: subprocess.Popen[bytes], ports: object, work: Path) -> None:
    """nginx answers on an inherited socket once its worker runs: wait for the worker."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {(work / 'error.log').read_text()[-500:]}")
        if (work / "nginx.pid").exists() and _has_worker(proc.pid):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not start a worker within 60 s on ports {ports}")


def _has_worker(pid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                return True
        except (OSError, IndexError, ValueError):
            continue
    return False
