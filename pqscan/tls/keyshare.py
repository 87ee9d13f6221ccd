"""Client key shares: one ephemeral key for one TLS named group, classical, PQ or hybrid.

Owns `KeyShare`, `new_key_share()`, `can_generate()`, `server_respond()` and the conformance
helpers for malformed shares. A group is a sequence of primitives (its registry `components`,
in wire order); shares and secrets are their plain concatenation (RFC 9954 §3.2-3.3), e.g.
X25519MLKEM768 = ML-KEM-768 ek || X25519 and SecP256r1MLKEM768 = P-256 point || ek (RFC 10024
§3). Every length is checked against the registry; a wrong length is a `DecodeError`
(RFC 10024 / draft-ietf-tls-mlkem §3: illegal_parameter).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024

from pqscan.errors import DecodeError, UnsupportedGroupError
from pqscan.registry.tls import GroupFamily, NamedGroup, group
from pqscan.tls.keyshare_primitives import MISSING_REASONS, PRIMITIVES, Primitive

__all__ = [
    "KeyShare",
    "can_generate",
    "malformed_mlkem_client_share",
    "malformed_mlkem_ek",
    "mlkem_ek_modulus_ok",
    "new_key_share",
    "server_respond",
    "x25519_zero_point",
]

PrivateKeys = bytes | Sequence[bytes | None] | None


class KeyShare(ABC):
    """One client-side ephemeral key for one group."""

    group: NamedGroup

    @abstractmethod
    def key_exchange(self) -> bytes:
        """The KeyShareEntry.key_exchange bytes the client sends."""

    @abstractmethod
    def shared_secret(self, server_share: bytes) -> bytes:
        """The value fed to the TLS 1.3 key schedule; DecodeError on a bad server share."""


def _resolve(g: NamedGroup | int | str) -> NamedGroup:
    if isinstance(g, NamedGroup):
        return g
    if isinstance(g, int | str) and not isinstance(g, bool):
        return group(g)
    raise TypeError(f"group must be a NamedGroup, int or str, not {type(g).__name__}")


def _plan(g: NamedGroup) -> list[Primitive]:
    """The primitives of a group in wire order, or UnsupportedGroupError saying why not."""
    if g.family is GroupFamily.UNKNOWN:
        raise UnsupportedGroupError(f"cannot generate a key share for unknown group {g.name}")
    prims = []
    for comp in g.components:
        factory = PRIMITIVES.get(comp)
        if factory is None:
            why = MISSING_REASONS.get(comp, f"no {comp} implementation available")
            raise UnsupportedGroupError(f"cannot generate {g.name}: {why}")
        prims.append(factory())
    if None in (g.client_share_len, g.server_share_len, g.shared_secret_len):
        raise UnsupportedGroupError(f"cannot generate {g.name}: the reference records no "
                                    "share sizes for it")
    sizes = (sum(p.client_len for p in prims), sum(p.server_len for p in prims),
             sum(p.secret_len for p in prims))
    expected = (g.client_share_len, g.server_share_len, g.shared_secret_len)
    if not prims or sizes != expected:
        raise UnsupportedGroupError(f"cannot generate {g.name}: component sizes {sizes} "
                                    f"differ from the registry's {expected}")
    return prims


def _split(data: bytes, lengths: list[int]) -> list[bytes]:
    parts, pos = [], 0
    for n in lengths:
        parts.append(data[pos:pos + n])
        pos += n
    return parts


def _check_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    return bytes(value)


class _ComposedKeyShare(KeyShare):
    """A key share made of one or more primitives concatenated in wire order."""

    def __init__(self, g: NamedGroup, prims: list[Primitive],
                 private_keys: Sequence[bytes | None]) -> None:
        self.group = g
        self._prims = prims
        self._states: list[Any] = []
        shares = []
        for prim, priv in zip(prims, private_keys, strict=True):
            state, share = prim.generate(priv)
            self._states.append(state)
            shares.append(share)
        self._share = b"".join(shares)

    def key_exchange(self) -> bytes:
        return self._share

    def shared_secret(self, server_share: bytes) -> bytes:
        server_share = _check_bytes(server_share, "server share")
        if len(server_share) != self.group.server_share_len:
            raise DecodeError(f"{self.group.name} server share is {len(server_share)} bytes, "
                              f"expected {self.group.server_share_len} (illegal_parameter)")
        parts = _split(server_share, [p.server_len for p in self._prims])
        return b"".join(p.finish(s, part) for p, s, part in zip(self._prims, self._states, parts,
                                                                 strict=True))

    def __repr__(self) -> str:
        return f"KeyShare({self.group.name})"


def _private_keys(g: NamedGroup, n: int, private_key: PrivateKeys) -> list[bytes | None]:
    if private_key is None:
        return [None] * n
    if isinstance(private_key, bytes | bytearray):
        if n != 1:
            raise ValueError(f"{g.name} has {n} components: pass one private key per component")
        return [bytes(private_key)]
    keys = list(private_key)
    if len(keys) != n:
        raise ValueError(f"{g.name} needs {n} private keys, got {len(keys)}")
    return keys


def new_key_share(g: NamedGroup | int | str, private_key: PrivateKeys = None) -> KeyShare:
    """A fresh client key share for a group; UnsupportedGroupError when we cannot make one.

    `private_key` is a test hook that injects fixed private keys: the raw scalar (X25519/X448,
    big-endian for NIST/brainpool curves and FFDHE exponents) or the 64-byte ML-KEM seed d||z,
    one per component (a sequence, `None` = random) for hybrids.
    """
    resolved = _resolve(g)
    prims = _plan(resolved)
    return _ComposedKeyShare(resolved, prims, _private_keys(resolved, len(prims), private_key))


def can_generate(g: NamedGroup | int | str) -> bool:
    """True when `new_key_share(g)` would succeed."""
    try:
        _plan(_resolve(g))
    except UnsupportedGroupError:
        return False
    return True


def server_respond(g: NamedGroup | int | str, client_share: bytes) -> tuple[bytes, bytes]:
    """The server side for a client share: (server share, shared secret).

    Encapsulates to each KEM ek and runs ECDH/FFDHE with a fresh key, in wire order. Used by
    tests and the conformance self-checks. A bad client share raises DecodeError.
    """
    resolved = _resolve(g)
    prims = _plan(resolved)
    client_share = _check_bytes(client_share, "client share")
    if len(client_share) != resolved.client_share_len:
        raise DecodeError(f"{resolved.name} client share is {len(client_share)} bytes, "
                          f"expected {resolved.client_share_len} (illegal_parameter)")
    shares, secrets_ = [], []
    for prim, part in zip(prims, _split(client_share, [p.client_len for p in prims]),
                          strict=True):
        share, secret = prim.respond(part)
        shares.append(share)
        secrets_.append(secret)
    return b"".join(shares), b"".join(secrets_)


# ---- conformance helpers -------------------------------------------------------------------

_KYBER_PY_MLKEM = {"MLKEM512": ML_KEM_512, "MLKEM768": ML_KEM_768, "MLKEM1024": ML_KEM_1024}
_FIXED_SEED = bytes(range(64))  # deterministic so the helper is a pure function
_Q = 3329  # FIPS 203 §2.3: the ML-KEM modulus q


def _mlkem_component(g: NamedGroup) -> str:
    for comp in g.components:
        if comp in _KYBER_PY_MLKEM:
            return comp
    raise ValueError(f"group {g.name} has no ML-KEM component")


def mlkem_ek_modulus_ok(ek: bytes) -> bool:
    """FIPS 203 §7.2 modulus check: every 12-bit coefficient of ek's t-hat part is < q.

    ek = ByteEncode12(t-hat) (384*k bytes) || rho (32 bytes); a coefficient >= 3329 means
    ByteEncode12(ByteDecode12(.)) != ek, which the check rejects.
    """
    ek = _check_bytes(ek, "encapsulation key")
    body = ek[:-32]
    if len(body) % 384 or not body:
        raise ValueError(f"{len(ek)} bytes is not an ML-KEM encapsulation key length")
    for i in range(0, len(body), 3):
        b0, b1, b2 = body[i], body[i + 1], body[i + 2]
        if (b0 | (b1 & 0x0F) << 8) >= _Q or (b1 >> 4 | b2 << 4) >= _Q:
            return False
    return True


def malformed_mlkem_ek(g: NamedGroup | int | str) -> bytes:
    """An encapsulation key for the group's ML-KEM component whose first coefficient is 3329.

    Built from a fixed seed, so it is otherwise well formed; it must fail the FIPS 203 §7.2
    modulus check, which servers MUST apply (RFC 10024 §3 -> illegal_parameter).
    """
    comp = _mlkem_component(_resolve(g))
    ek, _ = _KYBER_PY_MLKEM[comp].key_derive(_FIXED_SEED)
    bad = bytearray(ek)
    # ByteEncode12 (FIPS 203 Alg. 5) packs coefficient 0 in byte 0 and the low nibble of byte 1
    bad[0] = _Q & 0xFF
    bad[1] = (bad[1] & 0xF0) | (_Q >> 8)
    return bytes(bad)


def malformed_mlkem_client_share(g: NamedGroup | int | str) -> bytes:
    """A whole client share for a pure or hybrid ML-KEM group with the malformed ek in place.

    The classical components are fresh valid shares, so only the ML-KEM check can fail.
    """
    resolved = _resolve(g)
    comp = _mlkem_component(resolved)
    parts = []
    for prim in _plan(resolved):
        parts.append(malformed_mlkem_ek(resolved) if prim.name == comp else prim.generate(None)[1])
    return b"".join(parts)


def x25519_zero_point() -> bytes:
    """The all-zero X25519 public value: a small-order point whose DH output is all zero,
    which RFC 8446 §7.4.2 / RFC 7748 §6.1 require peers to reject."""
    return bytes(32)
