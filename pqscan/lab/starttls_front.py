"""STARTTLS fronts for the lab servers: the server side of each plaintext preamble.

A front runs on the accepted socket before the TLS server (real OpenSSL via pyOpenSSL) gets it,
so the TLS behind a front is exactly the TLS of the same process without one. Reads take one
byte at a time: a front must never swallow a byte of the ClientHello that follows.

Front names: each protocol of pqscan.tls.starttls speaks its go-ahead; "PROTO-refuse" answers
the way a server without STARTTLS does (no SMTP capability, IMAP NO, POP3 -ERR, FTP 534, LDAP
unavailable, XMPP <failure/>, PostgreSQL 'N'); "smtp-454" advertises STARTTLS and then answers
454 (RFC 3207 §4); "none" is implicit TLS.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

_MAX_LINE = 1024
_XMPP_TLS = b"urn:ietf:params:xml:ns:xmpp-tls"
_LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"


class FrontError(Exception):
    """The client did not speak the preamble (the connection is dropped)."""


class _Client:
    """Blocking reads from the client socket (SO_RCVTIMEO bounds them, serving.py)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise FrontError("client closed during the preamble")
            data += chunk
        return data

    def line(self) -> bytes:
        data = b""
        while not data.endswith(b"\n"):
            if len(data) > _MAX_LINE:
                raise FrontError("line too long")
            data += self.exactly(1)
        return data.rstrip(b"\r\n")

    def until(self, pattern: bytes) -> bytes:
        """Read until `pattern` (a regex) matches what was read."""
        data = b""
        while not re.search(pattern, data):
            if len(data) > 8 * _MAX_LINE:
                raise FrontError("no end of the expected element")
            data += self.exactly(1)
        return data


def smtp(c: _Client, mode: str) -> bool:
    """RFC 3207 §4 with a multi-line greeting and EHLO reply (RFC 5321 §4.2.1)."""
    c.send(b"220-localhost ESMTP pqscan-lab\r\n220 ready\r\n")
    if not c.line().upper().startswith(b"EHLO "):
        c.send(b"503 5.5.1 EHLO first\r\n")
        return False
    capabilities = b"250-PIPELINING\r\n" + (b"250-STARTTLS\r\n" if mode != "refuse" else b"")
    c.send(b"250-localhost greets you\r\n" + capabilities + b"250 8BITMIME\r\n")
    if mode == "refuse":
        return False
    if c.line().upper() != b"STARTTLS":
        c.send(b"503 5.5.1 STARTTLS expected\r\n")
        return False
    if mode == "454":
        c.send(b"454 4.7.0 TLS not available due to temporary reason\r\n")
        return False
    c.send(b"220 2.0.0 Ready to start TLS\r\n")
    return True


def imap(c: _Client, mode: str) -> bool:
    """RFC 3501 §6.2.1 / RFC 9051 §6.2.1."""
    c.send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] pqscan-lab ready\r\n")
    tag, _, command = c.line().partition(b" ")
    if command.upper() != b"STARTTLS":
        c.send(tag + b" BAD STARTTLS expected\r\n")
        return False
    if mode == "refuse":
        c.send(tag + b" NO [UNAVAILABLE] TLS not configured\r\n")
        return False
    c.send(tag + b" OK Begin TLS negotiation now\r\n")
    return True


def pop3(c: _Client, mode: str) -> bool:
    """RFC 2595 §4."""
    c.send(b"+OK pqscan-lab POP3 ready\r\n")
    if c.line().upper() != b"STLS" or mode == "refuse":
        c.send(b"-ERR STLS not available\r\n")
        return False
    c.send(b"+OK Begin TLS negotiation\r\n")
    return True


def ftp(c: _Client, mode: str) -> bool:
    """RFC 4217 §4 with a multi-line greeting (RFC 959 §4.2)."""
    c.send(b"220-pqscan-lab FTP\r\n free text line\r\n220 ready\r\n")
    if c.line().upper() != b"AUTH TLS" or mode == "refuse":
        c.send(b"534 Request denied for policy reasons.\r\n")
        return False
    c.send(b"234 AUTH TLS successful\r\n")
    return True


def ldap(c: _Client, mode: str) -> bool:
    """RFC 4511 §4.14: ExtendedResponse (resultCode 0, or 52 unavailable) to messageID 1."""
    head = c.exactly(2)
    if head[0] != 0x30 or head[1] & 0x80:
        raise FrontError("not a short-form LDAPMessage")
    request = c.exactly(head[1])
    if _LDAP_STARTTLS_OID not in request:
        raise FrontError("not a StartTLS request")
    if mode == "refuse":
        text = b"TLS not configured"
        # resultCode 52 unavailable, empty matchedDN, diagnosticMessage
        body = b"\x0a\x01\x34\x04\x00\x04" + bytes([len(text)]) + text
    else:
        body = b"\x0a\x01\x00\x04\x00\x04\x00"
    op = b"\x78" + bytes([len(body)]) + body
    message = b"\x02\x01\x01" + op
    c.send(b"\x30" + bytes([len(message)]) + message)
    return mode != "refuse"


def xmpp(c: _Client, mode: str) -> bool:
    """RFC 6120 §5.4: features offering <starttls/>, then <proceed/> (or <failure/>)."""
    c.until(rb"<(?:[\w-]+:)?stream\b[^>]*>")
    c.send(b"<?xml version='1.0'?><stream:stream from='localhost' id='pqscan-lab' "
           b"version='1.0' xml:lang='en' xmlns='jabber:client' "
           b"xmlns:stream='http://etherx.jabber.org/streams'><stream:features>"
           b"<starttls xmlns='" + _XMPP_TLS + b"'><required/></starttls>"
           b"</stream:features>")
    c.until(rb"<starttls[^>]*/>|</starttls>")
    if mode == "refuse":
        c.send(b"<failure xmlns='" + _XMPP_TLS + b"'/></stream:stream>")
        return False
    c.send(b"<proceed xmlns='" + _XMPP_TLS + b"'/>")
    return True


def postgres(c: _Client, mode: str) -> bool:
    """SSLRequest (length 8, code 80877103) -> 'S' (or 'N')."""
    if c.exactly(8) != b"\x00\x00\x00\x08\x04\xd2\x16\x2f":
        raise FrontError("not an SSLRequest")
    c.send(b"N" if mode == "refuse" else b"S")
    return mode != "refuse"


_PROTOCOLS: dict[str, Callable[[_Client, str], bool]] = {
    "smtp": smtp, "imap": imap, "pop3": pop3, "ftp": ftp, "ldap": ldap, "xmpp": xmpp,
    "postgres": postgres,
}
FRONTS: tuple[str, ...] = ("none", *_PROTOCOLS, *(f"{p}-refuse" for p in _PROTOCOLS),
                           "smtp-454")


def run_front(front: str, sock: socket.socket) -> bool:
    """Speak `front`'s preamble on `sock`; True when TLS is to start now."""
    if front not in FRONTS:
        raise ValueError(f"unknown STARTTLS front {front!r} (known: {', '.join(FRONTS)})")
    if front == "none":
        return True
    protocol, _, mode = front.partition("-")
    return _PROTOCOLS[protocol](_Client(sock), mode)
