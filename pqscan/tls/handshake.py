"""Drive one TLS connection as far as a probe needs, and say what happened.

`run_handshake` sends a ClientHello built from a `ClientOffer`, follows a HelloRetryRequest if
asked, and stops at the requested depth:
- "hello": the ServerHello / HelloRetryRequest / alert;
- "full": TLS 1.3 through the key schedule (decrypt EncryptedExtensions, Certificate,
  CertificateVerify, check Finished); TLS 1.2 through ServerHelloDone (plaintext Certificate,
  ServerKeyExchange).
It never raises: every end is a `HandshakeResult` whose `outcome` and `reason` say why.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

from pqscan.errors import DecodeError, UnsupportedGroupError
from pqscan.registry.tls import alert_name, cipher_suite
from pqscan.tls import clientauth, flight, hello_check, keyschedule, messages
from pqscan.tls import extensions as ext
from pqscan.tls.clientauth import CertificateRequest, ClientAuth
from pqscan.tls.entropy import ENTROPY
from pqscan.tls.extensions import KeyShareEntry
from pqscan.tls.keyshare import KeyShare, new_key_share
from pqscan.tls.message_stream import (
    ILLEGAL_PARAMETER,
    UNEXPECTED_MESSAGE,
    MessageStream,
    PeerAlert,
    ProtocolViolation,
)
from pqscan.tls.messages import Alert, ServerHello
from pqscan.tls.offer import ClientOffer, build_client_hello
from pqscan.tls.result import (
    ALERT,
    CLOSED,
    ERROR,
    HRR,
    SERVER_HELLO,
    HandshakeResult,
    transcript_digest,
)
from pqscan.tls.transport import Connection, Limits, TransportError

# re-exported: the outcome words and the result are read where a handshake is run
__all__ = ["ALERT", "CLOSED", "ERROR", "HRR", "SERVER_HELLO", "HandshakeResult",
           "run_handshake", "transcript_digest"]


class _Stop(Exception):
    """Internal: end the handshake with this result."""

    def __init__(self, **fields: object) -> None:
        super().__init__(fields.get("reason"))
        self.fields = fields


class _Session:
    """State of one handshake attempt; methods raise _Stop to finish early."""

    __slots__ = ("conn", "offer", "stream", "transcript", "fields")

    def __init__(self, conn: Connection, offer: ClientOffer, max_message: int) -> None:
        self.conn = conn
        self.offer = offer
        self.stream = MessageStream(conn, max_message)
        self.transcript = keyschedule.Transcript()
        self.fields: dict[str, object] = {}

    @property
    def protection(self) -> keyschedule.RecordProtection | None:
        return self.stream.protection

    @protection.setter
    def protection(self, value: keyschedule.RecordProtection | None) -> None:
        self.stream.protection = value

    def violation(self, reason: str, alert: int = UNEXPECTED_MESSAGE) -> _Stop:
        return _Stop(outcome=ERROR, error_kind="violation", reason=reason, abort_alert=alert)

    async def next_message(self) -> tuple[int, bytes, bytes]:
        """The next handshake message; an alert or a violation ends the handshake."""
        stream = self.stream
        try:
            msg = stream.poll()  # most messages are already buffered: no coroutine
            while msg is None:
                await stream.wait_record()
                msg = stream.poll()
            return msg
        except PeerAlert as alert:
            raise _Stop(outcome=ALERT, alert=alert.description,
                        reason=f"server sent alert {alert_name(alert.description)}") from None
        except ProtocolViolation as exc:
            raise self.violation(str(exc), exc.alert) from None


def _make_shares(offer: ClientOffer, groups: tuple[int, ...]
                 ) -> tuple[dict[int, KeyShare], tuple[KeyShareEntry, ...]]:
    keys: dict[int, KeyShare] = {}
    if not groups:  # a hello that asks for an HRR, or a TLS 1.2 one: nothing to generate
        return keys, offer.raw_shares
    entries: list[KeyShareEntry] = []
    # RFC 8446 §4.2.8: KeyShareEntry values MUST appear in the order of supported_groups
    # (tlslite-ng enforces it); conformance checks that want another order use raw_shares.
    if len(groups) > 1:  # most hellos carry none or one: no ranking to build (issue 13)
        rank = {g: i for i, g in enumerate(offer.groups)}
        groups = tuple(sorted(groups, key=lambda g: rank.get(g, len(rank))))
    for group in groups:
        if group in offer.share_overrides:
            entries.append(KeyShareEntry(group, offer.share_overrides[group]))
            continue
        # a fresh key for every hello: "Clients and Servers MUST NOT reuse a key share for
        # multiple connections" (RFC 9846 §4.2.8, which tightened RFC 8446 here)
        key = new_key_share(group)
        keys[group] = key
        entries.append(KeyShareEntry.of(group, key.key_exchange()))
    return keys, tuple(entries) + offer.raw_shares


async def _send_segmented(conn: Connection, wire: bytes, segment: int) -> None:
    for i in range(0, len(wire), segment):
        await conn.send(wire[i : i + segment])
        await asyncio.sleep(0.005)  # make the segments separate on loopback


def _send_hello(conn: Connection, offer: ClientOffer, encoded: bytes) -> Awaitable[None] | None:
    """Write the hello's records; an awaitable only when there is something to wait for
    (TCP segmentation, a full send buffer): usually none, no coroutine (issue 13)."""
    wire = messages.records_for(messages.HANDSHAKE, encoded,
                                max_fragment=offer.max_fragment)
    if offer.tcp_segment:
        return _send_segmented(conn, wire, offer.tcp_segment)
    return conn.drain() if conn.write(wire) else None


def _server_hello(session: _Session, msg: tuple[int, bytes, bytes]) -> tuple[ServerHello, bytes]:
    """The ServerHello the next message must be (a plain function: one coroutine fewer
    between the driver and the socket, issue 13)."""
    msg_type, body, raw = msg
    if msg_type != messages.SERVER_HELLO:
        raise session.violation(f"expected ServerHello, got handshake type {msg_type}")
    return ServerHello.parse(body), raw


async def _handshake(conn: Connection, offer: ClientOffer, depth: str, follow_hrr: bool,
                     f: dict[str, object], auth: ClientAuth | None,
                     max_message: int) -> dict[str, object]:
    session = _Session(conn, offer, max_message)
    session.fields = f  # shared with the caller so that partial facts survive an early stop
    keys, entries = _make_shares(offer, offer.key_shares)
    if offer.is_tls13:  # random and legacy_session_id (RFC 8446 §4.1.2, §D.4): one draw
        fresh = ENTROPY.take(64)
        random, session_id = fresh[:32], fresh[32:]
    else:
        random, session_id = ENTROPY.take(32), b""
    hello = build_client_hello(offer, entries, random, session_id)
    encoded = hello.to_bytes()  # encoded once: the transcript and the wire share it
    session.transcript.add(encoded)
    pending = _send_hello(conn, offer, encoded)
    if pending is not None:
        await pending
    sh, raw = _server_hello(session, await session.next_message())
    shared = frozenset([e.group for e in entries])
    hrr: ServerHello | None = None

    if sh.is_hrr:
        hrr = sh
        f.update(hrr_group=sh.hrr_group, hrr_cipher_suite=sh.cipher_suite)
        why = hello_check.check_hrr(sh, hello, shared, offer.groups, previous_hrr=False)
        if why:
            raise session.violation(why, ILLEGAL_PARAMETER)
        if sh.hrr_group is None:
            raise _Stop(outcome=ERROR, error_kind="unsupported",
                        reason="HelloRetryRequest without key_share (cookie-only HRR)")
        if not follow_hrr:
            raise _Stop(outcome=HRR, version=messages.TLS13, cipher_suite=sh.cipher_suite,
                        reason=f"HelloRetryRequest for group 0x{sh.hrr_group:04x}")
        params = keyschedule.suite_params(sh.cipher_suite)
        session.transcript.replace_first_with_message_hash(params.hash_name)
        session.transcript.add(raw)
        cookie_ext = sh.extension(ext.COOKIE)
        cookie = ext.parse_cookie(cookie_ext) if cookie_ext else None
        keys, entries = _make_shares(offer, (sh.hrr_group,))
        hello = build_client_hello(offer, entries, random, session_id, cookie)
        shared = frozenset([e.group for e in entries])
        encoded = hello.to_bytes()
        session.transcript.add(encoded)
        f["alert_after_hrr"] = True
        pending = _send_hello(conn, offer, encoded)
        if pending is not None:
            await pending
        sh, raw = _server_hello(session, await session.next_message())
        if sh.is_hrr:
            raise session.violation(
                hello_check.check_hrr(sh, hello, shared, offer.groups, previous_hrr=True)
                or "second HelloRetryRequest", UNEXPECTED_MESSAGE)

    why = hello_check.check_server_hello(sh, hello, shared, offer.groups, hrr)
    if why:
        f.update(alert_after_hrr=False)
        raise session.violation(why, ILLEGAL_PARAMETER)
    f.update(version=sh.version, cipher_suite=sh.cipher_suite,
             downgrade_sentinel=sh.downgrade_sentinel, alert_after_hrr=False)
    if sh.version != messages.TLS13:
        if depth == "full":
            await _tls12_flight(session, sh)
        return {"outcome": SERVER_HELLO, "reason": "ServerHello", **f}

    share = sh.key_share
    if share is None:
        raise session.violation("TLS 1.3 ServerHello without key_share (PSK-only is not "
                                  "offered)", ILLEGAL_PARAMETER)
    f.update(group=share.group, server_share_len=len(share.key_exchange))
    if share.group not in keys:
        # a share the offer overrode or sent raw (conformance): pqscan holds no secret for it
        raise _Stop(outcome=ERROR, error_kind="client",
                    reason=f"server chose group 0x{share.group:04x}, whose client share "
                    "pqscan sent without a key")
    session.transcript.add(raw)
    if depth != "full":
        return {"outcome": SERVER_HELLO, "reason": "ServerHello", **f}
    await _tls13_flight(session, keys[share.group], share.key_exchange, sh.cipher_suite, auth)
    return {"outcome": SERVER_HELLO, "reason": "handshake decrypted", **f}


async def _tls13_flight(session: _Session, key: KeyShare, server_share: bytes,
                        suite: int, auth: ClientAuth | None) -> None:
    f = session.fields
    try:
        secret = key.shared_secret(server_share)
    except DecodeError as exc:
        raise _Stop(outcome=ERROR, error_kind="decode",
                    reason=f"server key share rejected: {exc}") from None
    params = keyschedule.suite_params(suite)
    secrets = keyschedule.handshake_secrets(params.hash_name, secret,
                                            session.transcript.hash(params.hash_name))
    session.protection = keyschedule.RecordProtection(params, secrets.server_handshake_traffic)
    certs: tuple[bytes, ...] = ()
    request: CertificateRequest | None = None
    while True:
        msg_type, body, raw = await session.next_message()
        if msg_type == messages.ENCRYPTED_EXTENSIONS:
            exts = flight.parse_encrypted_extensions(body)
            f.update(confirmed=True, encrypted_extensions=tuple(e.extension_type for e in exts))
        elif msg_type == messages.CERTIFICATE:
            certs = flight.parse_certificate13(body)
            f["certificates"] = certs
        elif msg_type == messages.CERTIFICATE_VERIFY:
            cv = flight.CertificateVerify.parse(body)
            ok, why = (flight.verify_certificate_verify(
                certs[0], cv.scheme, cv.signature, session.transcript.hash(params.hash_name))
                if certs else (False, "CertificateVerify without Certificate"))
            f.update(cv_scheme=cv.scheme, cv_verified=ok, cv_reason=why)
        elif msg_type == messages.FINISHED:
            expected = keyschedule.finished_verify_data(
                params.hash_name, secrets.server_handshake_traffic,
                session.transcript.hash(params.hash_name))
            f["finished_ok"] = body == expected
            if auth is not None:
                session.transcript.add(raw)
                await _client_flight(session, params, secrets, request, auth)
            return
        elif msg_type == messages.CERTIFICATE_REQUEST:
            request = CertificateRequest.parse13(body)
            f["cert_request_schemes"] = request.signature_schemes
        else:
            raise session.violation(f"unexpected handshake message {msg_type} in the server "
                                     "flight")
        session.transcript.add(raw)


async def _client_flight(session: _Session, params: keyschedule.SuiteParams,
                         secrets: keyschedule.HandshakeSecrets,
                         request: CertificateRequest | None, auth: ClientAuth) -> None:
    """Answer the server flight: [Certificate, CertificateVerify,] Finished under the client
    handshake keys (RFC 8446 §4.4), then read the server's verdict under its application keys
    (§7.1): an alert refuses, a NewSessionTicket or data means the flight was accepted."""
    f, h = session.fields, params.hash_name
    app = keyschedule.application_secrets(h, secrets.handshake_secret, session.transcript.hash(h))
    out: list[bytes] = []
    if request is not None:
        chain = auth.credential.chain if auth.credential is not None else ()
        out.append(clientauth.certificate13(request.context, chain))
        session.transcript.add(out[-1])
        if auth.credential is not None and auth.label is not None:
            content = clientauth.cv_content13(session.transcript.hash(h))
            out.append(clientauth.certificate_verify(auth.label, auth.signature(content)))
            session.transcript.add(out[-1])
    else:
        f["client_auth"] = "not_requested"
    verify = keyschedule.finished_verify_data(h, secrets.client_handshake_traffic,
                                              session.transcript.hash(h))
    out.append(messages.handshake_bytes(messages.FINISHED, verify))
    sealer = keyschedule.RecordProtection(params, secrets.client_handshake_traffic)
    flight_bytes = b"".join(out)
    # RFC 8446 §D.4: the compatibility-mode client (non-empty session id) sends a CCS first
    wire = messages.records_for(messages.CHANGE_CIPHER_SPEC, b"\x01", version=messages.TLS12)
    for i in range(0, len(flight_bytes), 2**14 - 256):
        wire += sealer.encrypt(messages.HANDSHAKE, flight_bytes[i : i + 2**14 - 256])
    await session.conn.send(wire)
    if request is None:
        return
    # RFC 8446 §7.2: after its Finished the server writes with its application keys
    session.protection = keyschedule.RecordProtection(params, app.server_application_traffic)
    try:
        record = await session.conn.read_record()
    except TransportError as exc:
        if exc.kind == "timeout":
            f["client_auth"] = "no_answer"
            return
        raise _Stop(outcome=CLOSED, error_kind=exc.kind, client_auth="closed",
                    reason=f"connection ended after the client certificate flight: {exc}"
                    ) from None
    ctype, payload = record.content_type, record.fragment
    if ctype == messages.APPLICATION_DATA:
        ctype, payload = session.protection.decrypt(record.header(), payload)
    if ctype == messages.ALERT and len(payload) >= 2:
        raise _Stop(outcome=ALERT, alert=payload[1], client_auth="alert",
                    reason=f"server sent alert {alert_name(payload[1])} after the client "
                    "certificate flight")
    f["client_auth"] = "accepted"


async def _tls12_flight(session: _Session, sh: ServerHello) -> None:
    f = session.fields
    kex = cipher_suite(sh.cipher_suite).kex
    while True:
        msg_type, body, _raw = await session.next_message()
        if msg_type == messages.CERTIFICATE:
            f["certificates"] = flight.parse_certificate12(body)
        elif msg_type == messages.SERVER_KEY_EXCHANGE and kex in ("ECDHE", "DHE"):
            ske = flight.ServerKeyExchange12.parse(body, kex)
            f["tls12_kex"] = ske
            if ske.named_curve is not None:
                f["group"] = ske.named_curve
        elif msg_type == messages.CERTIFICATE_REQUEST:
            f["cert_request_schemes"] = CertificateRequest.parse12(body).signature_schemes
        elif msg_type == messages.SERVER_HELLO_DONE:
            return
        elif msg_type not in (22, messages.SERVER_KEY_EXCHANGE):
            raise session.violation(f"unexpected TLS 1.2 handshake message {msg_type}")


async def _abort(conn: Connection, description: int) -> None:
    """Send the fatal alert the RFC asks of a client that aborts (best effort, RFC 8446 §6.2);
    before keys exist it goes in the clear."""
    with contextlib.suppress(TransportError):
        await conn.send(messages.records_for(messages.ALERT, Alert(2, description).to_bytes(),
                                             version=messages.TLS12))


async def run_handshake(host: str, port: int, offer: ClientOffer, *, depth: str = "hello",
                        follow_hrr: bool = True, limits: Limits | None = None,
                        client_auth: ClientAuth | None = None) -> HandshakeResult:
    """One connection, one ClientHello (two after an HRR). Never raises.

    With `client_auth` (and depth "full", TLS 1.3) the client answers the server flight
    (certificate if requested, Finished) and `client_auth` in the result says how it ended."""
    limits = limits or Limits()
    partial: dict[str, object] = {}
    fields: dict[str, object]
    conn: Connection | None = None
    try:
        conn = await Connection.open(host, port, limits)
        fields = await _handshake(conn, offer, depth, follow_hrr, partial, client_auth,
                                  limits.max_bytes)
    except _Stop as stop:
        fields = {**partial, **stop.fields}
        abort = fields.pop("abort_alert", None)
        if conn is not None and isinstance(abort, int):
            await _abort(conn, abort)
    except TransportError as exc:
        partial["wire"] = exc.wire  # a failed STARTTLS preamble is evidence too
        # a close or reset right after our hello is how many servers say "no" (RFC 8446
        # wants an alert); before any byte was sent it means the endpoint is not there
        if conn is not None and exc.kind in ("eof", "reset") and "version" not in partial:
            fields = {**partial, "outcome": CLOSED, "error_kind": exc.kind, "reason": str(exc)}
        else:
            fields = {**partial, "outcome": ERROR, "error_kind": exc.kind, "reason": str(exc)}
    except DecodeError as exc:
        fields = {**partial, "outcome": ERROR, "error_kind": "decode", "reason": str(exc)}
    except UnsupportedGroupError as exc:
        fields = {**partial, "outcome": ERROR, "error_kind": "client", "reason": str(exc)}
    finally:
        if conn is not None:
            conn.close_now()
    wire: tuple[tuple[str, bytes], ...] = (conn.wire_log if conn is not None
                                            else partial.get("wire", ()))  # type: ignore[assignment]
    if conn is not None or wire:
        fields["wire"] = wire
        fields.setdefault("transcript_sha256", transcript_digest(wire))
    fields.setdefault("reason", "")
    return HandshakeResult.from_fields(fields)
