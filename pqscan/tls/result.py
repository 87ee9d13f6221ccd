"""What one TLS connection ended with: `HandshakeResult`, its outcome words, and the digest
of its wire log (the evidence a method sheet names).

`pqscan.tls.handshake` drives the connection and fills one of these in; probes, the
conformance suite and the assembly only read it.
"""

from __future__ import annotations

import hashlib
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields

from pqscan.registry.tls import alert_name
from pqscan.tls import flight

# outcome words
SERVER_HELLO = "server_hello"  # a ServerHello (after any HRR the offer followed)
HRR = "hrr"  # stopped at a HelloRetryRequest (follow_hrr=False)
ALERT = "alert"  # the server refused with an alert
CLOSED = "closed"  # the server closed or reset without an alert
ERROR = "error"  # transport trouble, garbage, protocol violation: inconclusive


@dataclass(frozen=True)
class HandshakeResult:
    outcome: str
    reason: str
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None  # TLS 1.3 key share group, or TLS 1.2 ECDHE curve
    hrr_group: int | None = None  # the group a HelloRetryRequest asked for
    hrr_cipher_suite: int | None = None
    alert: int | None = None
    alert_after_hrr: bool = False
    error_kind: str | None = None  # refused | timeout | reset | eof | decode | violation | ...
    server_share_len: int | None = None
    confirmed: bool = False  # our key share's secret decrypted the server's handshake
    finished_ok: bool | None = None
    certificates: tuple[bytes, ...] = ()
    cv_scheme: int | None = None
    cv_verified: bool | None = None
    cv_reason: str | None = None
    encrypted_extensions: tuple[int, ...] = ()
    tls12_kex: flight.ServerKeyExchange12 | None = None
    downgrade_sentinel: str | None = None
    transcript_sha256: str | None = None
    wire: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)  # (direction, bytes)
    cert_request_schemes: tuple[int, ...] | None = None  # None: no CertificateRequest seen
    client_auth: str | None = None  # accepted | alert | closed | no_answer | not_requested

    @classmethod
    def from_fields(cls, fields: dict[str, object]) -> HandshakeResult:
        """The result with `fields` set and the rest at their defaults. One per connection:
        filled in as one dict update instead of the frozen __init__'s setattr per field
        (a third of the cost; issue 13). Unknown names still go through __init__ and fail."""
        if _RESULT_REQUIRED <= fields.keys() <= _RESULT_NAMES:
            # the fields not given read their defaults from the class attributes that
            # dataclass leaves for every field with a default: nothing to copy for them
            result = object.__new__(cls)
            result.__dict__.update(fields)
            return result
        return cls(**fields)  # type: ignore[arg-type]

    @property
    def alert_name(self) -> str | None:
        return None if self.alert is None else alert_name(self.alert)

    @property
    def accepted(self) -> bool:
        return self.outcome in (SERVER_HELLO, HRR)

    @property
    def refused(self) -> bool:
        """A definite no: an alert. A close, reset or silence is no answer (undecided)."""
        return self.outcome == ALERT


_RESULT_NAMES = frozenset(f.name for f in dataclass_fields(HandshakeResult))
_RESULT_DEFAULTS: dict[str, object] = {f.name: f.default for f in dataclass_fields(HandshakeResult)
                                       if f.default is not MISSING}
_RESULT_REQUIRED = _RESULT_NAMES - _RESULT_DEFAULTS.keys()


_DIRECTION_BYTES = {"client": b"C", "server": b"S", "client-plain": b"c", "server-plain": b"s"}


def transcript_digest(wire: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> str:
    """SHA-256 over the ordered wire log: direction byte, uint32 length, bytes.

    The direction byte is C/S for TLS bytes and c/s for a STARTTLS plaintext preamble
    ("client-plain" / "server-plain"), so the preamble is covered but never mistaken for TLS."""
    parts: list[bytes] = []
    for direction, data in wire:
        parts += (_DIRECTION_BYTES[direction], len(data).to_bytes(4, "big"), data)
    # one hash call over the joined bytes (a few KiB): cheaper than three updates per run
    return hashlib.sha256(b"".join(parts)).hexdigest()
