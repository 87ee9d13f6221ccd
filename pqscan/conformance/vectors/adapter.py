"""The adapter interface: how the runner asks an implementation to perform one vector operation.

Three outcomes besides a result, mirroring the subprocess protocol's answer kinds
(docs/vector-adapter-protocol.md): Unsupported (skip, with a reason), Refused (the
implementation rejected the input: correct for invalid vectors) and AdapterFailure (crash, hang,
garbage: the group fails and the adapter is restarted).
"""

from __future__ import annotations

from typing import Any, Protocol

from pqscan.conformance.vectors.model import Params


class Unsupported(Exception):
    """The implementation cannot perform this operation (the case is skipped with the reason)."""


class Refused(Exception):
    """The implementation rejected the input as invalid (an `error` answer)."""


class AdapterFailure(Exception):
    """The adapter broke the protocol: it crashed, timed out or answered garbage."""


class Adapter(Protocol):
    """An implementation under test."""

    name: str

    def capabilities(self) -> dict[str, Any]:
        """The handshake: {"name": str, "ops": [op, ...], "unsupported": {op: reason}}."""
        ...

    def call(self, op: str, params: Params) -> dict[str, Any]:
        """Perform op; raise Unsupported, Refused or AdapterFailure instead of answering."""
        ...

    def restart(self) -> None:
        """Start afresh after an AdapterFailure."""
        ...

    def close(self) -> None: ...


def unhex(params: Params, key: str) -> bytes:
    """A hex parameter as bytes; a malformed value is the vector's fault, so Refused."""
    value = params.get(key)
    if not isinstance(value, str):
        raise Refused(f"parameter {key!r} missing")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise Refused(f"parameter {key!r} is not hex") from None
