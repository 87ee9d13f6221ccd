"""Scripted exchanges the handshake engine has no hook for (`Exchange`, `exchange`,
`tls12_client_certificate`).

Used for a second ClientHello that differs from the first after an HRR (RFC 8446 §4.1.2),
for reading the server's raw key_share bytes (fresh encapsulation), and for reading the TLS 1.2
ServerKeyExchange signature scheme (draft-ietf-tls-mldsa "TLS 1.2"), and for a TLS 1.2 client
certificate flight signed with a scheme TLS 1.2 forbids. Plaintext only: it stops at the first
TLS 1.3 ServerHello, the TLS 1.2 ServerHelloDone, or the server's answer to the client flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pqscan.errors import DecodeError
from pqscan.registry.tls import alert_name
from pqscan.tls import clientauth, messages
from pqscan.tls.clientauth import CertificateRequest, ClientAuth
from pqscan.tls.codec import Reader, vec8
from pqscan.tls.flight import ServerKeyExchange12
from pqscan.tls.keyshare import new_key_share
from pqscan.tls.message_stream import MAX_IDLE_RECORDS
from pqscan.tls.messages import Alert, ClientHello, ServerHello
from pqscan.tls.transport import Connection, Limits, TransportError


@dataclass(frozen=True)
class Exchange:
    """outcome: server_hello | hrr | alert | closed | error."""

    outcome: str
    reason: str
    hellos: tuple[ServerHello, ...] = ()
    alert: int | None = None
    tls12_messages: tuple[tuple[int, bytes], ...] = ()

    @property
    def alert_name(self) -> str | None:
        return None if self.alert is None else alert_name(self.alert)

    def observed(self) -> str:
        if self.outcome == "alert":
            return f"fatal alert {self.alert_name}"
        return self.reason


SecondHello = Callable[[ServerHello], ClientHello | None]


async def exchange(host: str, port: int, first: ClientHello, limits: Limits, *,
                   second: SecondHello | None = None, tls12_flight: bool = False) -> Exchange:
    """Send `first`; after an HRR send `second(hrr)` if given; never raises."""
    conn: Connection | None = None
    hellos: list[ServerHello] = []
    t12: list[tuple[int, bytes]] = []
    try:
        conn = await Connection.open(host, port, limits)
        await conn.send(messages.records_for(messages.HANDSHAKE, first.to_bytes()))
        buffer, sent_second, idle = _reassembler(limits), False, 0
        while True:
            record = await conn.read_record()
            if record.content_type == messages.ALERT:
                alert = Alert.parse(record.fragment[:2])
                return Exchange("alert", f"alert {alert_name(alert.description)}", tuple(hellos),
                                alert.description, tuple(t12))
            if record.content_type != messages.HANDSHAKE or not record.fragment:
                idle += 1  # compatibility CCS (RFC 8446 §D.4); encrypted records end below
                if idle > MAX_IDLE_RECORDS:
                    return Exchange("error", f"{idle} records in a row without handshake data "
                                    "(RFC 8446 §5.1)", tuple(hellos))
                continue
            idle = 0
            buffer.feed(record.fragment)
            while (msg := buffer.next_message()) is not None:
                msg_type, body, _raw = msg
                if hellos and hellos[-1].version != messages.TLS13 and not hellos[-1].is_hrr:
                    t12.append((msg_type, body))
                    if msg_type == messages.SERVER_HELLO_DONE:
                        return Exchange("server_hello", "ServerHelloDone", tuple(hellos),
                                        None, tuple(t12))
                    continue
                if msg_type != messages.SERVER_HELLO:
                    return Exchange("error", f"unexpected handshake type {msg_type}",
                                    tuple(hellos))
                sh = ServerHello.parse(body)
                hellos.append(sh)
                if sh.is_hrr:
                    nxt = second(sh) if second is not None and not sent_second else None
                    if nxt is None:
                        return Exchange("hrr", "HelloRetryRequest", tuple(hellos))
                    sent_second = True
                    await conn.send(messages.records_for(messages.HANDSHAKE, nxt.to_bytes(),
                                                         version=messages.TLS12))
                elif sh.version == messages.TLS13 or not tls12_flight:
                    return Exchange("server_hello", "ServerHello", tuple(hellos))
    except TransportError as exc:
        kind = "closed" if exc.kind in ("eof", "reset") and conn is not None else "error"
        return Exchange(kind, f"{exc} ({exc.kind})", tuple(hellos), None, tuple(t12))
    except DecodeError as exc:
        return Exchange("error", f"unparseable answer: {exc}", tuple(hellos))
    finally:
        if conn is not None:
            await conn.close()


def ske_signature_scheme(body: bytes) -> int:
    """The SignatureAndHashAlgorithm of a TLS 1.2 ECDHE ServerKeyExchange (RFC 8422 §5.4)."""
    reader = Reader(body, "ServerKeyExchange")
    if reader.u8() != 3:
        raise DecodeError("ServerKeyExchange: not named_curve")
    reader.u16()
    reader.vec8()
    return reader.u16()


@dataclass(frozen=True)
class ClientFlight12:
    """How a TLS 1.2 server answered Certificate + ClientKeyExchange + CertificateVerify.

    outcome: alert | no_answer | closed | no_request | refused_hello | error."""

    outcome: str
    reason: str
    alert: int | None = None
    request: CertificateRequest | None = None

    @property
    def alert_name(self) -> str | None:
        return None if self.alert is None else alert_name(self.alert)


MAX_FLIGHT_RECORDS = 1024  # a TLS 1.2 server flight fits in a few dozen records


def _reassembler(limits: Limits) -> messages.HandshakeBuffer:
    return messages.HandshakeBuffer(limits.max_bytes)


async def _tls12_server_flight(conn: Connection, limits: Limits
                               ) -> list[tuple[int, bytes, bytes]]:
    """Handshake messages up to ServerHelloDone; an alert raises _Alert."""
    buffer, out = _reassembler(limits), []
    for _ in range(MAX_FLIGHT_RECORDS):
        record = await conn.read_record()
        if record.content_type == messages.ALERT:
            raise _Alert(Alert.parse(record.fragment[:2]).description)
        if record.content_type != messages.HANDSHAKE:
            raise DecodeError(f"record type {record.content_type} before ServerHelloDone")
        buffer.feed(record.fragment)
        while (msg := buffer.next_message()) is not None:
            out.append(msg)
            if msg[0] == messages.SERVER_HELLO_DONE:
                return out
    raise DecodeError(f"no ServerHelloDone within {MAX_FLIGHT_RECORDS} records (RFC 8446 §5.1)")


class _Alert(Exception):
    def __init__(self, description: int) -> None:
        super().__init__(alert_name(description))
        self.description = description


async def tls12_client_certificate(host: str, port: int, hello: ClientHello, limits: Limits,
                                   auth: ClientAuth) -> ClientFlight12:
    """TLS 1.2 with client authentication (RFC 5246 §7.4.6-§7.4.8): answer a CertificateRequest
    with Certificate, an ECDHE ClientKeyExchange (RFC 8422 §5.7) and a CertificateVerify over
    all handshake messages so far, labelled `auth.label`; then read the server's verdict. The
    server decides on the CertificateVerify before our (never sent) ChangeCipherSpec, so its
    alert is plaintext; silence means it accepted the signature and waits for Finished."""
    conn: Connection | None = None
    try:
        conn = await Connection.open(host, port, limits)
        await conn.send(messages.records_for(messages.HANDSHAKE, hello.to_bytes()))
        try:
            server = await _tls12_server_flight(conn, limits)
        except _Alert as refused:
            return ClientFlight12("refused_hello", f"hello refused: alert {refused}",
                                  refused.description)
        sh = ServerHello.parse(server[0][1])
        if server[0][0] != messages.SERVER_HELLO or sh.version != messages.TLS12:
            return ClientFlight12("error", "no TLS 1.2 ServerHello")
        bodies = {t: body for t, body, _ in server}
        if messages.CERTIFICATE_REQUEST not in bodies:
            return ClientFlight12("no_request", "no CertificateRequest in the TLS 1.2 flight")
        request = CertificateRequest.parse12(bodies[messages.CERTIFICATE_REQUEST])
        if messages.SERVER_KEY_EXCHANGE not in bodies:
            return ClientFlight12("error", "no ServerKeyExchange (not an ECDHE suite)",
                                  request=request)
        ske = ServerKeyExchange12.parse(bodies[messages.SERVER_KEY_EXCHANGE], "ECDHE")
        if ske.named_curve is None or auth.credential is None or auth.label is None:
            return ClientFlight12("error", "no named curve or no client credential",
                                  request=request)
        point = new_key_share(ske.named_curve).key_exchange()
        transcript = hello.to_bytes() + b"".join(raw for _, _, raw in server)
        flight = (clientauth.certificate12(auth.credential.chain)
                  + messages.handshake_bytes(messages.CLIENT_KEY_EXCHANGE, vec8(point)))
        flight += clientauth.certificate_verify(auth.label, auth.signature(transcript + flight))
        await conn.send(messages.records_for(messages.HANDSHAKE, flight,
                                             version=messages.TLS12))
        try:
            record = await conn.read_record()
        except TransportError as exc:
            if exc.kind == "timeout":
                return ClientFlight12("no_answer", "no alert: the server waited for Finished",
                                      request=request)
            return ClientFlight12("closed", f"closed without an alert ({exc.kind})",
                                  request=request)
        if record.content_type == messages.ALERT:
            code = Alert.parse(record.fragment[:2]).description
            return ClientFlight12("alert", f"alert {alert_name(code)}", code, request)
        return ClientFlight12("error", f"record type {record.content_type} instead of an alert",
                              request=request)
    except TransportError as exc:
        return ClientFlight12("error", f"{exc} ({exc.kind})")
    except DecodeError as exc:
        return ClientFlight12("error", f"unparseable answer: {exc}")
    finally:
        if conn is not None:
            await conn.close()
