"""STARTTLS preambles byte by byte: what the client sends, what it accepts, how it refuses.

A scripted channel plays the server (no sockets): each test fixes the server's bytes and checks
the client's bytes and the one-line error. Real servers are in tests/scan/test_starttls.py.
"""

from __future__ import annotations

import asyncio

import pytest

from pqscan.tls.result import transcript_digest
from pqscan.tls.starttls import (
    LDAP_STARTTLS_REQUEST,
    MAX_LINE,
    MAX_PREAMBLE,
    POSTGRES_SSL_REQUEST,
    StartTLS,
    printable,
)
from pqscan.tls.transport import TransportError


class Script:
    """A server that answers with fixed chunks, then is silent (a timeout, as a real read)."""

    local_address = "192.0.2.7"

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.sent: list[bytes] = []

    async def send_plain(self, data: bytes) -> None:
        self.sent.append(data)

    async def read_plain(self, cap: int, deadline: float) -> bytes:
        if not self.chunks:
            raise TransportError("timeout", "no complete answer within 1s")
        data = self.chunks.pop(0)
        if len(data) > cap:
            self.chunks.insert(0, data[cap:])
            data = data[:cap]
        return data


def run(protocol: str, script: Script, domain: str = "mail.example.org") -> None:
    asyncio.run(StartTLS(protocol, domain).negotiate(script, 1.0))


def refused(protocol: str, script: Script) -> TransportError:
    with pytest.raises(TransportError) as info:
        run(protocol, script)
    return info.value


def test_smtp_multiline_greeting_ehlo_and_go_ahead() -> None:
    s = Script(b"220-mx.example.org ESMTP\r\n220 ready\r\n",
               b"250-mx.example.org\r\n250-SIZE 1000\r\n250 STARTTLS\r\n",
               b"220 2.0.0 go ahead\r\n")
    run("smtp", s)
    assert s.sent == [b"EHLO [192.0.2.7]\r\n", b"STARTTLS\r\n"]


def test_smtp_reply_split_across_reads() -> None:
    s = Script(b"22", b"0 hi\r", b"\n", b"250-x\r\n250-starttls\r\n", b"250 OK\r\n",
               b"220 go\r\n")
    run("smtp", s)
    assert s.sent[-1] == b"STARTTLS\r\n"


def test_smtp_without_capability_is_a_one_line_refusal_quoting_the_reply() -> None:
    err = refused("smtp", Script(b"220 hi\r\n", b"250-mx\r\n250 PIPELINING\r\n"))
    assert err.kind == "starttls"
    assert str(err) == ("STARTTLS smtp: no STARTTLS in the EHLO capabilities: server replied "
                        "'250-mx | 250 PIPELINING'")


def test_smtp_454_is_a_refusal() -> None:
    err = refused("smtp", Script(b"220 hi\r\n", b"250-mx\r\n250 STARTTLS\r\n",
                                 b"454 4.7.0 TLS not available\r\n"))
    assert (err.kind, str(err)) == ("starttls", "STARTTLS smtp: STARTTLS refused: server "
                                    "replied '454 4.7.0 TLS not available'")


def test_smtp_554_greeting_and_garbage() -> None:
    assert "greeting is not 220" in str(refused("smtp", Script(b"554 go away\r\n")))
    err = refused("smtp", Script(b"HTTP/1.1 400 Bad Request\r\n\r\n"))
    assert err.kind == "starttls"
    assert str(err) == "STARTTLS smtp: not a reply: server replied 'HTTP/1.1 400 Bad Request'"


def test_control_bytes_are_printable_and_truncated() -> None:
    err = refused("smtp", Script(b"\x16\x03\x03\x00\x02\x02\x28" + b"x" * 300 + b"\n"))
    assert str(err).startswith("STARTTLS smtp: not a reply: server replied '......(xxx")
    assert str(err).endswith("...'") and len(str(err)) < 200 and "\n" not in str(err)
    assert printable(b"a\r\nb\x00", 10) == "'a | b.'"


def test_endless_line_is_capped_not_buffered_forever() -> None:
    err = refused("smtp", Script(*[b"220-" + b"a" * 1000] * 10))
    assert err.kind == "starttls" and f"line longer than {MAX_LINE} bytes" in str(err)


def test_endless_multiline_reply_is_capped() -> None:
    err = refused("smtp", Script(*[b"220-more\r\n"] * 200))
    assert err.kind == "starttls" and "reply longer than 100 lines" in str(err)


class Flood(Script):
    """A greeting, then untagged IMAP lines of `size` bytes forever (never the tagged answer)."""

    def __init__(self, size: int) -> None:
        super().__init__(b"* OK hi\r\n")
        self.size = size
        self.reads = 0

    async def read_plain(self, cap: int, deadline: float) -> bytes:
        self.reads += 1
        if self.chunks:
            return await super().read_plain(cap, deadline)
        return (b"* CAPABILITY " + b"x" * self.size + b"\r\n")[:cap]


def test_endless_untagged_lines_are_capped() -> None:
    err = refused("imap", Flood(100))
    assert err.kind == "starttls" and "no tagged answer within 100 lines" in str(err)


def test_whole_preamble_is_capped() -> None:
    flood = Flood(4000)
    err = refused("imap", flood)
    assert err.kind == "starttls" and f"preamble longer than {MAX_PREAMBLE} bytes" in str(err)
    assert flood.reads < 30


def test_silence_stays_a_timeout_naming_the_protocol_and_what_came() -> None:
    err = refused("smtp", Script(b"220-still greeting\r\n220 almo"))
    assert err.kind == "timeout"
    assert str(err) == ("STARTTLS smtp: no complete answer within 1s "
                        "(after '220-still greeting | 220 almo')")


def test_bytes_after_the_go_ahead_are_rejected() -> None:
    err = refused("pop3", Script(b"+OK hi\r\n", b"+OK begin\r\n\x16\x03\x01"))
    assert err.kind == "starttls" and "3 unexpected bytes after the go-ahead" in str(err)


def test_imap_skips_untagged_lines() -> None:
    s = Script(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
               b"* CAPABILITY IMAP4rev1 STARTTLS\r\nP1 OK begin\r\n")
    run("imap", s)
    assert s.sent == [b"P1 STARTTLS\r\n"]


@pytest.mark.parametrize("script,message", [
    (Script(b"* PREAUTH hi\r\n"), "greeting is not '* OK': server replied '* PREAUTH hi'"),
    (Script(b"* OK hi\r\n", b"P1 BAD unknown command\r\n"),
     "STARTTLS refused: server replied 'P1 BAD unknown command'"),
])
def test_imap_refusals(script: Script, message: str) -> None:
    assert str(refused("imap", script)) == f"STARTTLS imap: {message}"


def test_pop3() -> None:
    s = Script(b"+OK POP3 ready\r\n", b"+OK begin TLS\r\n")
    run("pop3", s)
    assert s.sent == [b"STLS\r\n"]
    err = refused("pop3", Script(b"+OK POP3\r\n", b"-ERR not supported\r\n"))
    assert str(err) == "STARTTLS pop3: STLS refused: server replied '-ERR not supported'"


def test_ftp_multiline_with_free_text_and_120() -> None:
    s = Script(b"120 wait\r\n", b"220-welcome\r\nfree text\r\n 220 not the end\r\n220 end\r\n",
               b"234 AUTH TLS ok\r\n")
    run("ftp", s)
    assert s.sent == [b"AUTH TLS\r\n"]
    err = refused("ftp", Script(b"220 hi\r\n", b"504 unknown security mechanism\r\n"))
    assert str(err) == ("STARTTLS ftp: AUTH TLS refused: server replied "
                        "'504 unknown security mechanism'")


def _ldap_response(result: int, diagnostic: bytes = b"", message_id: int = 1) -> bytes:
    body = bytes([0x0A, 1, result, 0x04, 0, 0x04, len(diagnostic)]) + diagnostic
    op = bytes([0x78, len(body)]) + body
    msg = bytes([0x02, 1, message_id]) + op
    return bytes([0x30, len(msg)]) + msg


def test_ldap_request_bytes_are_rfc4511_ber() -> None:
    # SEQUENCE { INTEGER 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }
    assert LDAP_STARTTLS_REQUEST.hex() == (
        "301d020101" "7718" "8016" + b"1.3.6.1.4.1.1466.20037".hex())
    s = Script(_ldap_response(0))
    run("ldap", s)
    assert s.sent == [LDAP_STARTTLS_REQUEST]


def test_ldap_long_form_length_and_response_name() -> None:
    name = b"\x8a\x16" + b"1.3.6.1.4.1.1466.20037"
    body = b"\x0a\x01\x00\x04\x00\x04\x00" + name
    op = b"\x78" + bytes([len(body)]) + body
    msg = b"\x02\x01\x01" + op
    run("ldap", Script(b"\x30\x81" + bytes([len(msg)]) + msg))


@pytest.mark.parametrize("answer,message", [
    (_ldap_response(2, b"unsupported extended operation"),
     "StartTLS refused, resultCode 2 (protocolError): server replied "
     "'unsupported extended operation'"),
    (_ldap_response(52, b"TLS not configured", message_id=0),
     "notice of disconnection, resultCode 52: server replied 'TLS not configured'"),
    (b"\x30\x03\x02\x01\x01", "malformed LDAP response (truncated): server replied '0....'"),
    (b"+OK POP3 ready\r\n", "not an LDAP message: server replied '+OK POP3 ready'"),
])
def test_ldap_refusals_and_garbage(answer: bytes, message: str) -> None:
    err = refused("ldap", Script(answer))
    assert (err.kind, str(err)) == ("starttls", f"STARTTLS ldap: {message}")


_STREAM = (b"<?xml version='1.0'?><stream:stream from='im.example.org' id='x' version='1.0' "
           b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
_TLS_NS = b"urn:ietf:params:xml:ns:xmpp-tls"


def test_xmpp_header_names_the_domain_and_proceeds_across_chunks() -> None:
    s = Script(_STREAM[:30], _STREAM[30:] + b"<stream:features><starttls xmlns='",
               _TLS_NS + b"'><required/></starttls><mechanisms/></stream:features>",
               b"<proceed xmlns='" + _TLS_NS + b"'/>")
    run("xmpp", s, domain="im.example.org")
    assert s.sent[0] == (b"<?xml version='1.0'?><stream:stream to=\"im.example.org\" "
                         b"version='1.0' xmlns='jabber:client' "
                         b"xmlns:stream='http://etherx.jabber.org/streams'>")
    assert s.sent[1] == b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"


def test_xmpp_domain_is_escaped() -> None:
    s = Script(_STREAM + b"<stream:features><starttls xmlns='" + _TLS_NS
               + b"'/></stream:features><proceed xmlns='" + _TLS_NS + b"'/>")
    run("xmpp", s, domain="a'b\"<c>")
    assert b"to=\"a'b&quot;&lt;c&gt;\"" in s.sent[0]


@pytest.mark.parametrize("answer,message", [
    (_STREAM + b"<stream:features><mechanisms/></stream:features>",
     "no <starttls/> in the stream features"),
    (_STREAM + b"<stream:features><starttls xmlns='" + _TLS_NS + b"'/></stream:features>"
     + b"<failure xmlns='" + _TLS_NS + b"'/>", "STARTTLS refused"),
    (_STREAM + b"<stream:error><host-unknown/></stream:error>", "stream error"),
    (b"220 smtp server\r\n", "not XML"),
    (b"<html><body>", "not an XMPP stream"),
])
def test_xmpp_refusals_and_garbage(answer: bytes, message: str) -> None:
    err = refused("xmpp", Script(answer))
    assert err.kind == "starttls" and str(err).startswith(f"STARTTLS xmpp: {message}")
    assert "server replied '" in str(err)


def test_postgres() -> None:
    assert POSTGRES_SSL_REQUEST.hex() == "0000000804d2162f"
    s = Script(b"S")
    run("postgres", s)
    assert s.sent == [POSTGRES_SSL_REQUEST]
    assert str(refused("postgres", Script(b"N"))) == ("STARTTLS postgres: SSLRequest refused: "
                                                      "server replied 'N'")
    err = refused("postgres", Script(b"EFATAL unsupported frontend protocol"))
    assert "not an SSLRequest answer: server replied 'EFATAL unsupported" in str(err)
    err = refused("postgres", Script(b"S\x16\x03\x03"))  # CVE-2021-23222 style injection
    assert "3 unexpected bytes after the go-ahead" in str(err)


def test_starttls_type_and_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown STARTTLS protocol 'gopher'"):
        StartTLS("gopher", "x")
    with pytest.raises(ValueError, match="domain"):
        StartTLS("smtp", "")
    with pytest.raises(TypeError):
        StartTLS(b"smtp", "x")  # type: ignore[arg-type]


def test_transcript_digest_separates_plaintext_from_tls() -> None:
    tls = [("client", b"\x16"), ("server", b"\x16")]
    plain = [("client-plain", b"\x16"), ("server-plain", b"\x16")]
    assert transcript_digest(tls) != transcript_digest(plain)
    assert transcript_digest(plain + tls) != transcript_digest(tls)
    with pytest.raises(KeyError):
        transcript_digest([("sideways", b"")])
