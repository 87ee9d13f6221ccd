"""Drive one SSH connection through a key exchange and stop before NEWKEYS.

`run_exchange` never raises: it ends as an `ExchangeResult` saying whether the exchange
completed (and the host key's signature over H verified), was refused (no common method, or
the server disconnected), or could not be decided (timeout, reset, a protocol violation).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field

from pqscan.errors import DecodeError
from pqscan.registry.ssh import host_key_algorithm
from pqscan.ssh import messages as m
from pqscan.ssh.hostkey import PublicKey, parse_host_key, verify_signature
from pqscan.ssh.kex import ClientKex, available
from pqscan.ssh.transport import SSHConnection, open_ssh
from pqscan.ssh.wire import string
from pqscan.tls.transport import Limits, TransportError

CLIENT_SOFTWARE = "pqscan_0.1"
COMPLETED, REFUSED, ERROR = "completed", "refused", "error"
# Packets a server may send between ours (IGNORE, DEBUG; RFC 4253 §11.2-11.3): a few, not many
MAX_SKIPPED = 16

DEFAULT_CIPHERS = ("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com",
                   "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr",
                   "aes256-cbc", "aes192-cbc", "aes128-cbc", "3des-cbc")
DEFAULT_MACS = ("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                "umac-128-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
                "umac-128@openssh.com", "hmac-sha1-etm@openssh.com", "hmac-sha1")
# RFC 8308 §2.1 and OpenSSH PROTOCOL §1.10: what current clients append to their kex list
CLIENT_MARKERS = ("ext-info-c", "kex-strict-c-v00@openssh.com")


@dataclass(frozen=True, slots=True)
class ExchangeRequest:
    """What the client offers, in its order of preference."""

    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    ciphers: tuple[str, ...] = DEFAULT_CIPHERS
    macs: tuple[str, ...] = DEFAULT_MACS
    gex_sizes: tuple[int, int, int] = (2048, 4096, 8192)

    def kexinit(self) -> m.KexInit:
        return m.KexInit(self.kex + CLIENT_MARKERS, self.host_key, self.ciphers, self.ciphers,
                         self.macs, self.macs, ("none",), ("none",))


@dataclass(frozen=True, slots=True)
class ExchangeResult:
    outcome: str  # completed | refused (no common method in the KEXINIT lists) | error
    reason: str
    error_kind: str | None = None  # a TransportError kind, "decode" or "violation"
    identification: m.Identification | None = None
    pre_banner: tuple[str, ...] = ()
    server_kexinit: m.KexInit | None = None
    kex: str | None = None
    host_key_algorithm: str | None = None
    host_key: PublicKey | None = None
    signature_verified: bool | None = None
    wire: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)

    @property
    def confirmed(self) -> bool:
        """The exchange completed and the host key's signature over H verified."""
        return self.outcome == COMPLETED and self.signature_verified is True

    @property
    def transcript_sha256(self) -> str | None:
        if not self.wire:
            return None
        h = hashlib.sha256()
        for direction, data in self.wire:
            h.update(direction[:1].encode() + len(data).to_bytes(4, "big") + data)
        return h.hexdigest()


def negotiate(client: tuple[str, ...], server: tuple[str, ...]) -> str | None:
    """RFC 4253 §7.1: the first algorithm on the client's list that the server also lists."""
    offered = set(server)
    return next((name for name in client if name in offered), None)


class _Run:
    def __init__(self, conn: SSHConnection, request: ExchangeRequest, deadline: float) -> None:
        self.conn = conn
        self.request = request
        self.deadline = deadline
        self.ident: m.Identification | None = None
        self.pre: tuple[str, ...] = ()
        self.server_kexinit: m.KexInit | None = None
        self.kex: str | None = None
        self.host_alg: str | None = None
        self.skip_guess = False

    async def packet(self, what: str) -> bytes:
        """The next payload that is not IGNORE/DEBUG; a DISCONNECT ends the exchange."""
        for _ in range(MAX_SKIPPED):
            payload = await self.conn.read_packet(self.deadline)
            if payload[0] in (m.MSG_IGNORE, m.MSG_DEBUG):
                continue
            if payload[0] == m.MSG_DISCONNECT:
                # not a refusal: only the KEXINIT lists say what the server refuses (RFC 4253
                # §7.1); a disconnect may have any reason (load, policy, a bug)
                d = m.Disconnect.parse(payload)
                raise _Disconnected(f"server disconnected while we waited for {what}: "
                                    f"{d.description[:120]!r} (reason {d.reason})")
            if self.skip_guess:  # RFC 4253 §7: a wrong guessed kex packet is ignored
                self.skip_guess = False
                continue
            return payload
        raise DecodeError(f"more than {MAX_SKIPPED} IGNORE/DEBUG packets before {what}")

    async def run(self) -> tuple[PublicKey, bool | None, str]:
        ours = m.Identification("2.0", CLIENT_SOFTWARE)
        await self.conn.send(ours.to_bytes())
        pre, line = await self.conn.read_identification(self.deadline)
        self.pre = tuple(x.decode("latin-1").rstrip("\r\n")[:200] for x in pre)
        self.ident = m.Identification.parse(line)
        if self.ident.protoversion not in ("2.0", "1.99"):  # RFC 4253 §5.1
            raise _Refused(f"server speaks SSH protocol {self.ident.protoversion!r}, not 2.0")
        client_kexinit = self.request.kexinit()
        i_c = client_kexinit.to_bytes()
        await self.conn.send(m.frame(i_c))
        i_s = await self.packet("KEXINIT")
        if i_s[0] != m.MSG_KEXINIT:
            raise _Violation(f"expected KEXINIT, got message {i_s[0]}")
        server = self.server_kexinit = m.KexInit.parse(i_s)
        self.kex = negotiate(self.request.kex, server.kex)
        self.host_alg = negotiate(self.request.host_key, server.host_key)
        if self.kex is None:
            raise _Refused("no common key exchange method")
        if self.host_alg is None:
            raise _Refused("no common host key algorithm")
        if not available(self.kex):
            # RFC 4253 §7.1 says which method this client gets; without a client for it here
            # it cannot be confirmed, and nothing may be inferred from that
            raise _Unavailable(f"the server would negotiate {self.kex}; pqscan has no client "
                               "for it here")
        if server.first_kex_packet_follows and (
                server.kex[:1] != (self.kex,) or server.host_key[:1] != (self.host_alg,)):
            self.skip_guess = True
        kex = ClientKex(self.kex)
        reply_number = m.MSG_KEX_REPLY
        init_number = m.MSG_KEX_INIT
        if kex.method.gex:
            low, preferred, high = self.request.gex_sizes
            await self.conn.send(m.frame(m.GexRequest(low, preferred, high).to_bytes()))
            payload = await self.packet("GEX group")
            if payload[0] != m.MSG_GEX_GROUP:
                raise _Violation(f"expected KEX_DH_GEX_GROUP, got message {payload[0]}")
            group = m.GexGroup.parse(payload)
            kex.set_group(group.p, group.g, low, preferred, high)
            reply_number, init_number = m.MSG_GEX_REPLY, m.MSG_GEX_INIT
        await self.conn.send(m.frame(m.KexInitMessage(kex.init_public(), init_number).to_bytes()))
        payload = await self.packet("the key exchange reply")
        if payload[0] != reply_number:
            raise _Violation(f"expected key exchange reply {reply_number}, got message "
                             f"{payload[0]}")
        reply = m.KexReply.parse(payload, reply_number)
        host_key = parse_host_key(reply.host_key)
        wanted = host_key_algorithm(self.host_alg).key_type
        if host_key.key_type != wanted:
            raise _Violation(f"host key is {host_key.key_type!r}, negotiated {self.host_alg!r}")
        k, middle = kex.finish(reply.public)
        prefix = (string(ours.to_bytes()[:-2]) + string(line.rstrip(b"\r\n"))
                  + string(i_c) + string(i_s))
        h = kex.exchange_hash(prefix, reply.host_key, k, middle)
        verified, reason = verify_signature(host_key, reply.signature, h, self.host_alg)
        with contextlib.suppress(TransportError):  # RFC 4253 §11.1: BY_APPLICATION
            await self.conn.send(m.frame(m.Disconnect(11, "pqscan done").to_bytes()))
        return host_key, verified, reason


class _Refused(Exception):
    pass


class _Violation(Exception):
    pass


class _Unavailable(Exception):
    pass


class _Disconnected(Exception):
    pass


async def run_exchange(host: str, port: int, request: ExchangeRequest, limits: Limits,
                       overall: float) -> ExchangeResult:
    """One connection, one key exchange, at most `overall` seconds from start to end."""
    deadline = time.monotonic() + overall
    try:
        conn = await open_ssh(host, port, limits, deadline)
    except TransportError as exc:
        return ExchangeResult(ERROR, str(exc), exc.kind)
    run = _Run(conn, request, deadline)

    def result(outcome: str, reason: str, kind: str | None = None,
               key: PublicKey | None = None, verified: bool | None = None) -> ExchangeResult:
        return ExchangeResult(outcome, reason, kind, run.ident, run.pre, run.server_kexinit,
                              run.kex, run.host_alg, key, verified, tuple(conn.wire_log))

    try:
        key, verified, reason = await run.run()
        out = result(COMPLETED, reason, None if verified is not False else "violation",
                     key, verified)
    except _Refused as exc:
        out = result(REFUSED, str(exc))
    except _Violation as exc:
        out = result(ERROR, f"protocol violation: {exc}", "violation")
    except _Unavailable as exc:
        out = result(ERROR, str(exc), "unavailable")
    except _Disconnected as exc:
        out = result(ERROR, str(exc), "disconnect")
    except DecodeError as exc:
        out = result(ERROR, f"protocol violation: {exc}", "decode")
    except TransportError as exc:
        # a cut connection right after our KEXINIT is how some servers refuse (no common
        # method); it is still a cut connection, so it stays undecided
        out = result(ERROR, str(exc), exc.kind)
    finally:
        await conn.close()
    return out
