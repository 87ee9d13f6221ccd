"""A scripted SSH server for misbehaviour no real SSH server produces (tests only).

`FakeSSH(mode)` speaks the RFC 4253 identification and KEXINIT for real and answers a
curve25519-sha256 KEX_ECDH_INIT with a real ed25519-signed reply, then breaks the protocol the
way `mode` says. It runs on tests/fakepeer.py's thread-per-connection server.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from fakepeer import recv_exactly

from pqscan.ssh import messages as m
from pqscan.ssh.wire import SSHReader, mpint, string

HOST_KEY = ed25519.Ed25519PrivateKey.generate()
K_S = string(b"ssh-ed25519") + string(HOST_KEY.public_key().public_bytes_raw())
SERVER_IDENT = b"SSH-2.0-FakeSSH_1.0"


def _recv_line(conn: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            raise OSError("closed")
        line += chunk
    return line


def recv_packet(conn: socket.socket) -> bytes:
    length = struct.unpack(">I", recv_exactly(conn, 4))[0]
    return m.unframe(length, recv_exactly(conn, length))


def server_kexinit(kex: tuple[str, ...] = ("curve25519-sha256",)) -> m.KexInit:
    return m.KexInit(kex, ("ssh-ed25519",), ("aes128-ctr",), ("aes128-ctr",),
                     ("hmac-sha2-256",), ("hmac-sha2-256",))


def handshake_reply(client_ident: bytes, i_c: bytes, i_s: bytes, q_c: bytes,
                    sign: bool = True) -> bytes:
    """A real curve25519-sha256 KEX_ECDH_REPLY (RFC 8731 §3), signed by HOST_KEY (or not)."""
    key = x25519.X25519PrivateKey.generate()
    q_s = key.public_key().public_bytes_raw()
    k = mpint(int.from_bytes(key.exchange(x25519.X25519PublicKey.from_public_bytes(q_c)),
                             "big"))
    h = hashlib.sha256(string(client_ident.rstrip(b"\r\n")) + string(SERVER_IDENT)
                       + string(i_c) + string(i_s) + string(K_S) + string(q_c) + string(q_s)
                       + k).digest()
    signed = HOST_KEY.sign(h) if sign else os.urandom(64)
    return m.KexReply(K_S, q_s, string(b"ssh-ed25519") + string(signed)).to_bytes()


def fake_ssh(mode: str):  # type: ignore[no-untyped-def]
    """A fakepeer handler for one misbehaviour."""
    def handle(conn: socket.socket) -> None:
        conn.settimeout(20)
        if mode == "http":
            _recv_line(conn)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        if mode == "long_ident":
            conn.sendall(b"SSH-2.0-" + b"A" * 400 + b"\r\n")
            conn.recv(1000)
            return
        if mode == "endless_banner":
            for i in range(100000):
                conn.sendall(b"hello %d, still not an SSH identification\r\n" % i)
            return
        client_ident = _recv_line(conn)
        conn.sendall(SERVER_IDENT + b"\r\n")
        if mode == "silent":
            conn.recv(100000)
            conn.recv(100000)  # never sends KEXINIT; the client's deadline ends it
            return
        i_c = recv_packet(conn)  # read the client's KEXINIT first: closing on unread data
        # would reset the connection before the client reads what we send (a flaky test)
        if mode == "huge_packet":
            conn.sendall(struct.pack(">I", 0x7FFFFFF0) + b"\x04" + b"\x00" * 64)
            conn.recv(1000)
            return
        if mode == "huge_padding":
            conn.sendall(struct.pack(">I", 12) + b"\xff" + b"\x00" * 11)
            conn.recv(1000)
            return
        i_s = server_kexinit().to_bytes()
        conn.sendall(m.frame(i_s))
        init = recv_packet(conn)
        q_c = SSHReader(init[1:]).string()
        if mode == "disconnect":  # RFC 4253 §11.1 DISCONNECT instead of a reply
            conn.sendall(m.frame(m.Disconnect(2, "go away").to_bytes()))
            return
        if mode == "wrong_method_reply":  # a DH reply shape for a curve25519 exchange
            reply = m.KexReply(K_S, os.urandom(256), string(b"ssh-ed25519") + string(
                os.urandom(64))).to_bytes()
        elif mode == "gex_reply":  # a message number for a method not negotiated
            reply = m.GexGroup(23, 5).to_bytes()[:1] + b"\x00" * 8
            reply = bytes([m.MSG_GEX_REPLY]) + reply[1:]
        else:
            reply = handshake_reply(client_ident, i_c, i_s, q_c, sign=mode != "bad_signature")
        conn.sendall(m.frame(reply))
        conn.recv(1000)

    return handle
