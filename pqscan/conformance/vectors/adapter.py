"""The adapter interface: how the runner asks an implementation to perform one vector operation.

Three outcomes besides a result, mirroring the subprocess protocol's answer kinds
(docs/vector-adapter-protocol.md): Unsupported (skip, with a reason), Refused (the
implementation rejected the input: correct for invalid vectors) and AdapterFailure (crash, hang,
garbage: the group fails and the adapter is restarted).
"""

from __future__ import annotations

import os
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


class InProcessAdapter:
    """Base of the built-in adapters: op "a.b" is dispatched to method `_a_b`.

    Subclasses set `name`, `families` (op prefixes they implement, e.g. ("mldsa",)) and
    `missing` (why the other families are unsupported).
    """

    name = "in-process"
    families: tuple[str, ...] = ()
    missing = ""

    def capabilities(self) -> dict[str, Any]:
        from pqscan.conformance.vectors.model import OPS

        ops = [op for op in OPS if op.split(".")[0] in self.families]
        return {"name": self.name, "ops": ops,
                "unsupported": {op: self.missing for op in OPS if op not in ops}}

    def restart(self) -> None:
        """Nothing to restart in-process."""

    def close(self) -> None:
        """Nothing to release."""

    def call(self, op: str, params: Params) -> dict[str, Any]:
        handler = getattr(self, "_" + op.replace(".", "_"), None)
        if handler is None or op.split(".")[0] not in self.families:
            raise Unsupported(f"{self.name}: operation {op} not implemented")
        result: dict[str, Any] = handler(params)
        return result


def sign_inputs(params: Params, rnd_len: int) -> tuple[bytes | None, bytes | None]:
    """(mu, rnd) of a sign request: mu for external-mu signing, rnd None when deterministic.

    The rnd length is the standard's (FIPS 204 Alg. 7: 32 bytes; FIPS 205 Alg. 19: n bytes);
    anything else is refused as a malformed vector.
    """
    mu = unhex(params, "mu") if "mu" in params else None
    if mu is not None and len(mu) != 64:  # FIPS 204 Alg. 7 line 6: mu is 512 bits
        raise Refused(f"mu must be 64 bytes, got {len(mu)}")
    if params.get("deterministic"):
        return mu, None
    if "rnd" not in params:  # hedged with the implementation's own randomness (cross-checks)
        return mu, os.urandom(rnd_len)
    rnd = unhex(params, "rnd")
    if len(rnd) != rnd_len:
        raise Refused(f"rnd must be {rnd_len} bytes, got {len(rnd)}")
    return mu, rnd
