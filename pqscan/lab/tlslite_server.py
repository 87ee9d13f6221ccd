"""The tlslite-ng lab server process (pure Python TLS; ML-KEM hybrids through kyber-py).

Run as ``python -m pqscan.lab.tlslite_server --cert CHAIN.pem,KEY.pem --groups a,b,c
--min-version TLSv1.2 --max-version TLSv1.3 --key-exchanges ecdhe_rsa --listen N --ready FILE``.
A second implementation matters: its group selection differs from OpenSSL's (tlslite takes the
first group in *server* order that the client sent a key share for, else HRRs to the first
server-order group the client lists), which is exactly what a scanner must tell apart.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
from collections.abc import Sequence

from tlslite import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey
from tlslite.constants import GroupName

from pqscan.lab.serving import (
    Handler,
    add_listener_arguments,
    cert_pair,
    http_response,
    linger_close,
    serve,
)

# JSON-contract version names -> tlslite (major, minor) tuples (RFC 8446 §4.2.1 wire values).
_VERSIONS = {"TLSv1.0": (3, 1), "TLSv1.1": (3, 2), "TLSv1.2": (3, 3), "TLSv1.3": (3, 4)}


def build_settings(groups: Sequence[str], min_version: str, max_version: str,
                   key_exchanges: Sequence[str]) -> HandshakeSettings:
    """HandshakeSettings for one lab configuration (groups in tlslite spelling)."""
    settings = HandshakeSettings()
    settings.minVersion = _VERSIONS[min_version]
    settings.maxVersion = _VERSIONS[max_version]
    settings.eccCurves = list(groups)
    # Server-side keyShares are searched before eccCurves (tlsconnection._serverTLS13Handshake);
    # keeping it equal to the group list makes the group list the single preference order.
    settings.keyShares = list(groups)
    # No finite-field groups: the lab's TLS 1.3 group set is exactly `groups`.
    settings.dhGroups = []
    settings.keyExchangeNames = list(key_exchanges)
    return settings.validate()


def make_handler(chain: X509CertChain, key: object, settings: HandshakeSettings,
                 name: str, client_auth: bool = False) -> Handler:
    """Per-connection work: handshake, one HTTP/1.0 answer, close."""

    def handle(sock: socket.socket) -> None:
        # tlslite is pure Python, so a Python-level timeout is safe here (unlike pyOpenSSL).
        sock.settimeout(5)
        conn = TLSConnection(sock)
        # reqCert: CertificateRequest; tlslite verifies the CertificateVerify against the
        # client's leaf key but builds no path (it has no trust store)
        conn.handshakeServer(certChain=chain, privateKey=key, settings=settings,
                             reqCert=client_auth)
        group = GroupName.toStr(conn.ecdhCurve) if conn.ecdhCurve is not None else None
        version = {v: k for k, v in _VERSIONS.items()}.get(tuple(conn.version), str(conn.version))
        body = f"pqscan-lab {name} {version} {conn.getCipherName()} {group}\n"
        conn.write(http_response(body))
        # Send close_notify but keep the socket: tlslite would otherwise close it with the
        # client's request still unread, and the kernel's RST can destroy the answer in flight.
        conn.closeSocket = False
        sock.settimeout(1)
        # The answer is sent; a failed close_notify (client already gone) is moot.
        with contextlib.suppress(Exception):
            conn.close()
        linger_close(sock)

    return handle


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, bind the listeners and serve until killed."""
    parser = argparse.ArgumentParser(prog="python -m pqscan.lab.tlslite_server")
    parser.add_argument("--name", default="tlslite")
    parser.add_argument("--cert", type=cert_pair, required=True)
    parser.add_argument("--groups", required=True, help="comma-separated tlslite group names")
    parser.add_argument("--min-version", default="TLSv1.2", choices=sorted(_VERSIONS))
    parser.add_argument("--max-version", default="TLSv1.3", choices=sorted(_VERSIONS))
    parser.add_argument("--key-exchanges", default="ecdhe_rsa",
                        help="comma-separated tlslite TLS<=1.2 key exchange names")
    parser.add_argument("--client-auth", action="store_true", help="request client certificates")
    add_listener_arguments(parser)
    args = parser.parse_args(argv)
    chain_path, key_path = args.cert
    chain = X509CertChain()
    chain.parsePemList(chain_path.read_text())
    key = parsePEMKey(key_path.read_text(), private=True)
    settings = build_settings(args.groups.split(","), args.min_version, args.max_version,
                              args.key_exchanges.split(","))
    serve(args, make_handler(chain, key, settings, args.name, args.client_auth))


if __name__ == "__main__":
    main()
