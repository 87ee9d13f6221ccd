"""The independent pyOpenSSL test client: one process, one OPENSSL_CONF, many handshakes.

Run as a subprocess (``python tests/lab/openssl_client.py`` with JOBS as JSON on stdin) so each
client behaviour gets its own process-wide group list. Prints one JSON result per job: what the
handshake really ended on (version, cipher, group, served chain) or the error it ended with.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, rsa
from OpenSSL import SSL

_VERSIONS = {
    "TLSv1.0": SSL.TLS1_VERSION,
    "TLSv1.1": SSL.TLS1_1_VERSION,
    "TLSv1.2": SSL.TLS1_2_VERSION,
    "TLSv1.3": SSL.TLS1_3_VERSION,
}
_MLDSA = {mldsa.MLDSA44PublicKey: "ML-DSA-44", mldsa.MLDSA65PublicKey: "ML-DSA-65",
          mldsa.MLDSA87PublicKey: "ML-DSA-87"}


def key_algorithm(key: Any) -> str:
    """JSON-contract algorithm name of a public key."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA P-{key.curve.key_size}"
    for cls, name in _MLDSA.items():
        if isinstance(key, cls):
            return name
    return type(key).__name__


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """One handshake as described by `job`; never raises."""
    ctx = SSL.Context(SSL.TLS_METHOD)
    if "version" in job:
        ctx.set_min_proto_version(_VERSIONS[job["version"]])
        ctx.set_max_proto_version(_VERSIONS[job["version"]])
    if "cipher_list" in job:
        ctx.set_cipher_list(job["cipher_list"].encode())
    sock = socket.create_connection(("127.0.0.1", job["port"]), timeout=10)
    sock.settimeout(None)
    timeval = struct.pack("ll", 10, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    conn = SSL.Connection(ctx, sock)
    conn.set_connect_state()
    conn.set_tlsext_host_name(b"localhost")
    result: dict[str, Any] = {"job": job, "ok": False}
    try:
        conn.do_handshake()
        chain = conn.get_peer_cert_chain(as_cryptography=True) or []
        result.update(
            ok=True,
            version=conn.get_protocol_version_name(),
            cipher=conn.get_cipher_name(),
            group=conn.get_group_name(),
            chain=[key_algorithm(cert.public_key()) for cert in chain],
            chain_subjects=[cert.subject.rfc4514_string() for cert in chain],
            chain_sha256=[cert.fingerprint(hashes.SHA256()).hex() for cert in chain],
        )
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
        body = b""
        while True:
            try:
                data = conn.recv(4096)
            except SSL.ZeroReturnError:
                break
            if not data:
                break
            body += data
        result["body"] = body.decode("utf-8", "replace")
    except (SSL.Error, OSError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        sock.close()
    return result


def main() -> None:
    """Read the job list from stdin, print the result list as JSON."""
    jobs = json.load(sys.stdin)
    json.dump([run_job(job) for job in jobs], sys.stdout)


if __name__ == "__main__":
    main()
