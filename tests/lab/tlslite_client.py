"""The independent tlslite-ng test client: hybrid offers with an exact key-share choice.

tlslite-ng lets the test say precisely which groups are listed (eccCurves, in order) and which
get a key share (keyShares), so "browser_like" and "x25519_share_first" are built exactly as the
JSON contract defines them, independently of OpenSSL.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from tlslite import HandshakeSettings, TLSConnection
from tlslite.constants import GroupName
from tlslite.errors import TLSError

_VERSIONS = {(3, 1): "TLSv1.0", (3, 2): "TLSv1.1", (3, 3): "TLSv1.2", (3, 4): "TLSv1.3"}


@dataclass(frozen=True)
class TlsliteResult:
    """What one tlslite-ng client handshake ended on."""

    ok: bool
    version: str | None = None
    group: str | None = None
    cipher: str | None = None
    error: str | None = None


def handshake(port: int, groups: list[str], shares: list[str],
              min_version: tuple[int, int] = (3, 3),
              max_version: tuple[int, int] = (3, 4)) -> TlsliteResult:
    """Connect to 127.0.0.1:port listing `groups` with key shares for `shares`."""
    settings = HandshakeSettings()
    settings.eccCurves = [g for g in groups if not g.startswith("ffdhe")]
    settings.keyShares = list(shares)
    settings.dhGroups = [g for g in groups if g.startswith("ffdhe")]
    settings.minVersion = min_version
    settings.maxVersion = max_version
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = TLSConnection(sock)
    try:
        conn.handshakeClientCert(settings=settings, serverName="localhost")
        curve: Any = conn.ecdhCurve
        result = TlsliteResult(
            ok=True,
            version=_VERSIONS.get(tuple(conn.version), str(conn.version)),
            group=GroupName.toStr(curve) if curve is not None else None,
            cipher=conn.getCipherName(),
        )
        conn.write(b"GET / HTTP/1.0\r\n\r\n")
        conn.read()
        return result
    except (TLSError, OSError) as exc:
        return TlsliteResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        sock.close()
