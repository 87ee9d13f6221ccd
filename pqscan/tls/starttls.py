"""STARTTLS preambles: the plaintext dialogue that turns a mail, directory, chat or database
connection into a TLS one, one small function per protocol, each after its RFC.

`StartTLS` (protocol + the domain to name) rides on `transport.Limits` rather than being a new
argument: every caller that opens a connection (scan probes, conformance scripts, mTLS) already
passes its Limits to `Connection.open`, which runs `StartTLS.negotiate` after the TCP connect
and before any TLS byte, so STARTTLS reaches all of them with no signature change.

Bounded: each server reply must be complete within the read timeout (and the whole preamble
within the connection's one overall budget, `Limits.budget`, enforced by the transport), a line
is at most `MAX_LINE` bytes and the whole preamble at most `MAX_PREAMBLE`. A server that answers
but does not agree (no capability, an error reply, 'N'), or answers garbage, raises
`TransportError("starttls", ...)` with one line quoting its reply, so a probe reports the
endpoint as not scanned, never as "TLS not supported". Silence stays `timeout`.
"""

from __future__ import annotations

import re
import struct
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, cast

from pqscan.tls.transport import TransportError


def _xml_attribute(value: str) -> str:
    """`value` as a double-quoted XML attribute value (XML 1.0 §2.3 AttValue): what
    xml.sax.saxutils.quoteattr writes, but always in double quotes (`"` as &quot;); that
    module's import pulls in urllib and email, ~3 % of a scan's start-up."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                        ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        value = value.replace(raw, entity)
    return f'"{value}"'


# protocol -> IANA default port of the STARTTLS (not the implicit-TLS) service
DEFAULT_PORTS: dict[str, int] = {"smtp": 25, "imap": 143, "pop3": 110, "ftp": 21, "ldap": 389,
                                 "xmpp": 5222, "postgres": 5432}
PROTOCOLS: tuple[str, ...] = tuple(DEFAULT_PORTS)
MAX_LINE = 4096  # RFC 5321 §4.5.3.1.5 allows 512 per SMTP reply line; IMAP lines run longer
MAX_LINES = 100  # lines in one multi-line reply
MAX_PREAMBLE = 64 * 1024

# LDAP StartTLS extended request, RFC 4511 §4.14.1, BER by hand (messageID 1):
# LDAPMessage SEQUENCE { messageID INTEGER 1,
#   [APPLICATION 23] ExtendedRequest { [0] requestName "1.3.6.1.4.1.1466.20037" } }
LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
LDAP_STARTTLS_REQUEST = (b"\x30\x1d\x02\x01\x01\x77\x18\x80\x16" + LDAP_STARTTLS_OID)
_LDAP_RESULTS = {1: "operationsError", 2: "protocolError", 12: "unavailableCriticalExtension",
                 52: "unavailable", 53: "unwillingToPerform", 80: "other"}

# PostgreSQL SSLRequest: Int32 length 8, Int32 80877103 (protocol docs §55.2.10 "SSL Session
# Encryption"; 80877103 = 1234 << 16 | 5679)
POSTGRES_SSL_REQUEST = struct.pack("!II", 8, 80877103)

_XMPP_STREAMS = "http://etherx.jabber.org/streams"
_XMPP_TLS = "urn:ietf:params:xml:ns:xmpp-tls"


class PlainChannel(Protocol):
    """What a preamble needs from a connection (pqscan.tls.transport.Connection)."""

    @property
    def local_address(self) -> str | None: ...

    async def send_plain(self, data: bytes) -> None: ...

    async def read_plain(self, cap: int, deadline: float) -> bytes: ...


def printable(data: bytes, limit: int = 100, *, tail: bool = False) -> str:
    """A server reply as one quoted line: lines joined by ' | ', control and non-ASCII as '.';
    cut to `limit` characters (keeping the end when `tail`)."""
    lines = [line.strip() for line in data.decode("latin-1").splitlines()]
    text = " | ".join(line for line in lines if line)
    text = "".join(c if c.isprintable() and c.isascii() else "." for c in text)
    if len(text) > limit:
        text = "..." + text[-limit:] if tail else text[:limit] + "..."
    return f"'{text}'"


@dataclass(frozen=True)
class StartTLS:
    """Speak `protocol`'s STARTTLS before TLS; `domain` is the name the preamble gives (XMPP
    stream 'to', RFC 6120 §4.7.2): the SNI, else the host."""

    protocol: str
    domain: str

    def __post_init__(self) -> None:
        if not isinstance(self.protocol, str) or not isinstance(self.domain, str):
            raise TypeError("StartTLS protocol and domain must be str")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown STARTTLS protocol {self.protocol!r} "
                             f"(known: {', '.join(PROTOCOLS)})")
        if not self.domain:
            raise ValueError("StartTLS domain must not be empty")

    async def negotiate(self, conn: PlainChannel, read_timeout: float) -> None:
        """Run the preamble; return when the next byte on the wire is the ClientHello."""
        replies = _Replies(conn, self.protocol, read_timeout)
        try:
            await _PREAMBLES[self.protocol](replies, self)
        except TransportError as exc:
            if exc.kind == "starttls":
                raise
            got = f" (after {printable(replies.reply, tail=True)})" if replies.reply else ""
            raise TransportError(exc.kind, f"STARTTLS {self.protocol}: {exc}{got}") from None
        replies.finish()


class _Replies:
    """The server side of the preamble: bounded line and byte reads, one deadline per reply."""

    def __init__(self, conn: PlainChannel, protocol: str, read_timeout: float) -> None:
        self.conn = conn
        self.protocol = protocol
        self.read_timeout = read_timeout
        self.pending = b""
        self.reply = b""  # what the current reply brought so far (for a timeout message)
        self.total = 0
        self.deadline = 0.0

    def next_reply(self) -> None:
        """Start the clock for one server reply (the read timeout bounds each reply)."""
        self.deadline = time.monotonic() + self.read_timeout
        self.reply = self.pending

    def fail(self, what: str, reply: bytes, *, tail: bool = False) -> TransportError:
        return TransportError("starttls", f"STARTTLS {self.protocol}: {what}: server replied "
                              f"{printable(reply, tail=tail)}")

    async def send(self, data: bytes) -> None:
        await self.conn.send_plain(data)

    async def _more(self) -> None:
        room = MAX_PREAMBLE - self.total
        if room <= 0:
            raise self.fail(f"preamble longer than {MAX_PREAMBLE} bytes", self.pending[-80:])
        data = await self.conn.read_plain(min(room, 4096), self.deadline)
        self.total += len(data)
        self.pending += data
        self.reply = (self.reply + data)[-200:]

    async def line(self) -> bytes:
        """One line without its CRLF (a bare LF is tolerated)."""
        while b"\n" not in self.pending:
            if len(self.pending) > MAX_LINE:
                raise self.fail(f"line longer than {MAX_LINE} bytes", self.pending[:80])
            await self._more()
        line, _, self.pending = self.pending.partition(b"\n")
        if len(line) > MAX_LINE:
            raise self.fail(f"line longer than {MAX_LINE} bytes", line[:80])
        return line.rstrip(b"\r")

    async def exactly(self, n: int) -> bytes:
        while len(self.pending) < n:
            await self._more()
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    async def chunk(self) -> bytes:
        """Whatever is buffered, else the next bytes to arrive."""
        if not self.pending:
            await self._more()
        data, self.pending = self.pending, b""
        return data

    def finish(self) -> None:
        """Bytes after the go-ahead would be read as TLS: the server is broken or someone
        injected them (the STARTTLS buffering flaw, CVE-2011-0411 / CVE-2021-23222 class)."""
        if self.pending:
            raise self.fail(f"{len(self.pending)} unexpected bytes after the go-ahead",
                            self.pending)


async def _numeric_reply(r: _Replies, *, ftp: bool = False) -> tuple[int, bytes]:
    """One SMTP (RFC 5321 §4.2.1) or FTP (RFC 959 §4.2) reply: code and all its lines.

    Multi-line: "NNN-text" ... "NNN text". SMTP repeats the code on every line; FTP's middle
    lines may be any text."""
    r.next_reply()
    first = await r.line()
    lines = [first]
    match = re.match(rb"([1-5]\d\d)([ -]|$)", first)
    if not match:
        raise r.fail("not a reply", first)
    code = match.group(1)
    if match.group(2) == b"-":
        while True:
            line = await r.line()
            lines.append(line)
            if re.match(re.escape(code) + rb"( |$)", line):
                break
            if not ftp and not re.match(re.escape(code) + rb"-", line):
                raise r.fail("broken multi-line reply", b"\n".join(lines))
            if len(lines) > MAX_LINES:
                raise r.fail(f"reply longer than {MAX_LINES} lines", b"\n".join(lines[:3]))
    return int(code), b"\n".join(lines)


async def smtp(r: _Replies, tls: StartTLS) -> None:
    """RFC 3207 §4: 220 greeting, EHLO, STARTTLS among the 250 capabilities, STARTTLS -> 220."""
    code, reply = await _numeric_reply(r)
    if code != 220:
        raise r.fail("greeting is not 220", reply)
    address = r.conn.local_address or "127.0.0.1"
    literal = f"[IPv6:{address}]" if ":" in address else f"[{address}]"
    await r.send(f"EHLO {literal}\r\n".encode("ascii"))  # RFC 5321 §4.1.4 address literal
    code, reply = await _numeric_reply(r)
    if code != 250:
        raise r.fail("EHLO refused", reply)
    keywords = {line[4:].split(b" ")[0].upper() for line in reply.split(b"\n")[1:]}
    if b"STARTTLS" not in keywords:
        raise r.fail("no STARTTLS in the EHLO capabilities", reply)
    await r.send(b"STARTTLS\r\n")
    code, reply = await _numeric_reply(r)
    if code != 220:
        raise r.fail("STARTTLS refused", reply)


async def imap(r: _Replies, tls: StartTLS) -> None:
    """RFC 3501 §6.2.1 / RFC 9051 §6.2.1: "* OK" greeting, tagged STARTTLS -> tagged OK."""
    r.next_reply()
    greeting = await r.line()
    if not greeting.upper().startswith(b"* OK"):
        # "* PREAUTH" is already past the state where STARTTLS is allowed; "* BYE" closes
        raise r.fail("greeting is not '* OK'", greeting)
    await r.send(b"P1 STARTTLS\r\n")
    r.next_reply()
    for _ in range(MAX_LINES):
        line = await r.line()
        if line.startswith(b"* "):
            continue  # untagged data (e.g. CAPABILITY) before the tagged completion
        if line.upper().startswith(b"P1 OK"):
            return
        raise r.fail("STARTTLS refused", line)
    raise r.fail(f"no tagged answer within {MAX_LINES} lines", b"")


async def pop3(r: _Replies, tls: StartTLS) -> None:
    """RFC 2595 §4: "+OK" greeting, STLS -> "+OK" ("-ERR" is a refusal)."""
    r.next_reply()
    greeting = await r.line()
    if not greeting.startswith(b"+OK"):
        raise r.fail("greeting is not '+OK'", greeting)
    await r.send(b"STLS\r\n")
    r.next_reply()
    answer = await r.line()
    if not answer.startswith(b"+OK"):
        raise r.fail("STLS refused", answer)


async def ftp(r: _Replies, tls: StartTLS) -> None:
    """RFC 4217 §4: 220 greeting (after at most one 120 "wait"), AUTH TLS -> 234."""
    code, reply = await _numeric_reply(r, ftp=True)
    if code == 120:  # RFC 959 §5.4: "service ready in nnn minutes", then 220
        code, reply = await _numeric_reply(r, ftp=True)
    if code != 220:
        raise r.fail("greeting is not 220", reply)
    await r.send(b"AUTH TLS\r\n")
    code, reply = await _numeric_reply(r, ftp=True)
    if code != 234:
        raise r.fail("AUTH TLS refused", reply)


def _ber(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the BER TLV at `pos`; definite lengths only
    (RFC 4511 §5.1). ValueError when truncated or malformed."""
    if pos + 2 > len(data):
        raise ValueError("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if not 0 < count <= 4 or pos + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated")
    return tag, pos, pos + length


async def ldap(r: _Replies, tls: StartTLS) -> None:
    """RFC 4511 §4.14: StartTLS ExtendedRequest -> ExtendedResponse with resultCode success."""
    await r.send(LDAP_STARTTLS_REQUEST)
    r.next_reply()
    head = await r.exactly(2)
    if head[0] != 0x30:
        raise r.fail("not an LDAP message", head + r.pending)
    extra = head[1] & 0x7F if head[1] & 0x80 else 0
    if head[1] == 0x80 or extra > 3:  # indefinite length is not allowed (RFC 4511 §5.1)
        raise r.fail("bad LDAP message length", head)
    size = await r.exactly(extra)
    length = int.from_bytes(size, "big") if extra else head[1]
    if length > MAX_LINE:
        raise r.fail(f"LDAP response longer than {MAX_LINE} bytes", head + size)
    message = head + size + await r.exactly(length)
    try:
        _, start, _end = _ber(message, 0)
        tag, a, b = _ber(message, start)
        message_id = int.from_bytes(message[a:b], "big") if tag == 0x02 else -1
        tag, op, _op_end = _ber(message, b)
        if tag != 0x78:  # [APPLICATION 24] ExtendedResponse
            raise ValueError(f"protocolOp tag 0x{tag:02x} is not an ExtendedResponse")
        tag, a, b = _ber(message, op)
        if tag != 0x0A:
            raise ValueError("no resultCode")
        result = int.from_bytes(message[a:b], "big")
        matched_dn_end = _ber(message, b)[2]
        tag, a, b = _ber(message, matched_dn_end)
        diagnostic = message[a:b] if tag == 0x04 else b""
    except ValueError as exc:
        raise r.fail(f"malformed LDAP response ({exc})", message) from None
    if message_id == 0:  # RFC 4511 §4.4.1 Notice of Disconnection
        raise r.fail(f"notice of disconnection, resultCode {result}", diagnostic)
    if message_id != 1:
        raise r.fail(f"answer to messageID {message_id}, not 1", message)
    if result != 0:
        name = _LDAP_RESULTS.get(result, "error")
        raise r.fail(f"StartTLS refused, resultCode {result} ({name})", diagnostic)


async def xmpp(r: _Replies, tls: StartTLS) -> None:
    """RFC 6120 §5.4: stream header to= the domain, <starttls/> among the stream features,
    <starttls/> -> <proceed/> (<failure/> is a refusal)."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    seen = b""  # the end of what the server said, for the one-line error
    await r.send(b"<?xml version='1.0'?><stream:stream to=" + _xml_attribute(tls.domain).encode()
                 + b" version='1.0' xmlns='jabber:client' xmlns:stream='"
                 + _XMPP_STREAMS.encode() + b"'>")
    depth = 0

    async def child() -> ET.Element:
        """The next complete child element of the stream (first level)."""
        nonlocal depth, seen
        r.next_reply()
        while True:
            try:  # a parse error surfaces from feed() or, queued, from read_events()
                for event, element in cast("Iterator[tuple[str, object]]",
                                           parser.read_events()):
                    if not isinstance(element, ET.Element):
                        continue  # only start/end were asked for; keeps mypy honest
                    if event == "start":
                        depth += 1
                        if depth == 1 and element.tag != f"{{{_XMPP_STREAMS}}}stream":
                            raise r.fail("not an XMPP stream", seen, tail=True)
                    elif event == "end":
                        depth -= 1
                        if depth == 1:
                            return element
                        if depth == 0:
                            raise r.fail("stream closed", seen, tail=True)
            except ET.ParseError as exc:
                raise r.fail(f"not XML ({exc})", seen, tail=True) from None
            data = await r.chunk()
            seen = (seen + data)[-400:]
            try:
                parser.feed(data)
            except ET.ParseError as exc:
                raise r.fail(f"not XML ({exc})", seen, tail=True) from None

    features = await child()
    if features.tag == f"{{{_XMPP_STREAMS}}}error":
        raise r.fail("stream error", seen, tail=True)
    if features.tag != f"{{{_XMPP_STREAMS}}}features":
        raise r.fail("no stream features", seen, tail=True)
    if features.find(f"{{{_XMPP_TLS}}}starttls") is None:
        raise r.fail("no <starttls/> in the stream features", seen, tail=True)
    await r.send(b"<starttls xmlns='" + _XMPP_TLS.encode() + b"'/>")
    answer = await child()
    if answer.tag != f"{{{_XMPP_TLS}}}proceed":
        raise r.fail("STARTTLS refused", seen, tail=True)


async def postgres(r: _Replies, tls: StartTLS) -> None:
    """PostgreSQL SSLRequest -> one byte 'S' ('N' is a refusal); nothing may follow it."""
    await r.send(POSTGRES_SSL_REQUEST)
    r.next_reply()
    answer = await r.exactly(1)
    if answer == b"N":
        raise r.fail("SSLRequest refused", answer)
    if answer != b"S":
        raise r.fail("not an SSLRequest answer", answer + r.pending)


_PREAMBLES: dict[str, Callable[[_Replies, StartTLS], Awaitable[None]]] = {
    "smtp": smtp, "imap": imap, "pop3": pop3, "ftp": ftp, "ldap": ldap, "xmpp": xmpp,
    "postgres": postgres,
}
