"""The OpenSSL lab server process (pyOpenSSL over cryptography's bundled OpenSSL).

Run as ``python -m pqscan.lab.openssl_server --cert CHAIN.pem,KEY.pem [--cert ...] --listen N
--ready FILE``; ``--starttls smtp,imap,...`` instead of ``--listen`` opens one port per STARTTLS
front (pqscan.lab.starttls_front), all with this one TLS configuration.  Groups, protocol
range and cipher lists come from the process-wide ``OPENSSL_CONF`` file (pyOpenSSL has no
set_groups API), so one process = one configuration, served on as many ports as asked.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
from collections.abc import Sequence
from pathlib import Path

from OpenSSL import SSL

from pqscan.lab.serving import (
    Handler,
    add_listener_arguments,
    cert_pair,
    http_response,
    linger_close,
    serve,
)


def build_context(certs: Sequence[tuple[Path, Path]], dhparam: Path | None,
                  client_ca: Path | None = None) -> SSL.Context:
    """One server context holding every certificate chain (one slot per key type).

    OpenSSL keeps one certificate per key type and picks the one matching the client's
    signature_algorithms (RFC 8446 §4.4.2.2); use_certificate_chain_file attaches the chain to
    the certificate just loaded, so each leaf carries its own root.
    """
    ctx = SSL.Context(SSL.TLS_METHOD)
    for chain, key in certs:
        ctx.use_certificate_chain_file(str(chain))
        ctx.use_privatekey_file(str(key))
        ctx.check_privatekey()
    if dhparam is not None:
        # TLS 1.2 DHE needs explicit parameters in pyOpenSSL (no SSL_CTX_set_dh_auto binding).
        ctx.load_tmp_dh(str(dhparam))
    if client_ca is not None:
        # mTLS: require a client certificate chaining to the lab client CA (RFC 8446 §4.3.2)
        ctx.load_verify_locations(str(client_ca))
        ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT)
    ctx.set_session_cache_mode(SSL.SESS_CACHE_OFF)
    return ctx


def make_handler(ctx: SSL.Context, name: str) -> Handler:
    """Per-connection work: handshake, one HTTP/1.0 answer naming what was negotiated, close."""

    def handle(sock: socket.socket) -> None:
        conn = SSL.Connection(ctx, sock)
        conn.set_accept_state()
        conn.do_handshake()
        body = (
            f"pqscan-lab {name} {conn.get_protocol_version_name()} "
            f"{conn.get_cipher_name()} {conn.get_group_name()}\n"
        )
        conn.sendall(http_response(body))
        with contextlib.suppress(SSL.Error):
            conn.shutdown()
        linger_close(sock)

    return handle


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, bind the listeners and serve until killed."""
    parser = argparse.ArgumentParser(prog="python -m pqscan.lab.openssl_server")
    parser.add_argument("--name", default="openssl")
    parser.add_argument("--cert", type=cert_pair, action="append", required=True)
    parser.add_argument("--dhparam", type=Path)
    parser.add_argument("--client-ca", type=Path, help="require client certificates from it")
    add_listener_arguments(parser)
    args = parser.parse_args(argv)
    ctx = build_context(args.cert, args.dhparam, args.client_ca)
    serve(args, make_handler(ctx, args.name))


if __name__ == "__main__":
    main()
