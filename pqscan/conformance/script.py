"""Scripted hello exchanges the handshake engine has no hook for (`Exchange`, `exchange`).

Used for a second ClientHello that differs from the first after an HRR (RFC 8446 §4.1.2),
for reading the server's raw key_share bytes (fresh encapsulation), and for reading the TLS 1.2
ServerKeyExchange signature scheme (draft-ietf-tls-mldsa "TLS 1.2"). Plaintext only: it stops
at the first TLS 1.3 ServerHello or at the TLS 1.2 ServerHelloDone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pqscan.errors import DecodeError
from pqscan.tls import messages
from pqscan.tls.codec import Reader
from pqscan.tls.messages import Alert, ClientHello, ServerHello
from pqscan.tls.registry import alert_name
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
        buffer, sent_second = b"", False
        while True:
            record = await conn.read_record()
            if record.content_type == messages.ALERT:
                alert = Alert.parse(record.fragment[:2])
                return Exchange("alert", f"alert {alert_name(alert.description)}", tuple(hellos),
                                alert.description, tuple(t12))
            if record.content_type != messages.HANDSHAKE:
                continue  # compatibility CCS (RFC 8446 §D.4); encrypted records end below
            msgs, buffer = messages.split_handshake(buffer + record.fragment)
            for msg_type, body, _raw in msgs:
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
