"""Lab SSH server on asyncssh: the given key-exchange list and host keys, no logins.

Run as `python -m pqscan.lab.asyncssh_server --kex A,B --host-key FILE ... --ready FILE`;
binds 127.0.0.1 port 0 and writes the port to the ready file (pqscan.lab.serving).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import asyncssh

from pqscan.lab.serving import HOST, write_ready_file


class _NoLogin(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False


async def _main(args: argparse.Namespace) -> None:
    keys = [asyncssh.read_private_key(str(p)) for p in args.host_key]
    certs = [asyncssh.read_certificate(str(p)) for p in args.host_cert or []]
    server = await asyncssh.listen(
        HOST, 0, server_factory=_NoLogin, server_host_keys=keys + [(keys[0], c) for c in certs]
        if certs else keys, kex_algs=args.kex.split(",") if args.kex else (),
        login_timeout=10)
    port = server.sockets[0].getsockname()[1]
    if args.ready:
        write_ready_file(args.ready, [port])
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="asyncssh")
    parser.add_argument("--kex", default="")
    parser.add_argument("--host-key", type=Path, action="append", required=True)
    parser.add_argument("--host-cert", type=Path, action="append")
    parser.add_argument("--ready", type=Path)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
