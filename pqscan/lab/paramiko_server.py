"""Lab SSH server on paramiko: its default key exchanges (or a given list), the given host
keys, no logins; one thread per connection (pqscan.lab.serving).

Run as `python -m pqscan.lab.paramiko_server --host-key FILE ... --ready FILE`.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import paramiko

from pqscan.lab.serving import add_listener_arguments, serve


def _load(path: Path) -> paramiko.PKey:
    text = path.read_text()
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(str(path))
        except (paramiko.SSHException, ValueError):
            continue
    raise SystemExit(f"cannot load host key {path} ({text[:30]!r})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="paramiko")
    parser.add_argument("--kex", default="")
    parser.add_argument("--host-key", type=Path, action="append", required=True)
    add_listener_arguments(parser)
    args = parser.parse_args()
    keys = [_load(p) for p in args.host_key]

    def handle(sock: socket.socket) -> None:
        transport = paramiko.Transport(sock)
        try:
            if args.kex:
                transport.get_security_options().kex = tuple(args.kex.split(","))
            for key in keys:
                transport.add_server_key(key)
            transport.start_server(server=paramiko.ServerInterface())
            transport.join(10)
        finally:
            transport.close()

    serve(args, handle)


if __name__ == "__main__":
    main()
