"""The client side of every SSH key-exchange method pqscan can run: what goes in the INIT
message, the shared secret K from the server's reply, and the method's part of the exchange
hash H (RFC 4253 §8, RFC 4419 §3, RFC 5656 §4, RFC 8731 §3, draft-ietf-sshm-mlkem-hybrid-kex
§2, RFC 9941 §2).

The primitives are the TLS engine's (`pqscan.tls.keyshare_primitives`); sntrup761 comes from
the optional `pqcrypto` wheel and is absent (`available()` False) without it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from pqscan.errors import DecodeError
from pqscan.registry.ssh import KexMethod, kex_method
from pqscan.ssh.modp import GENERATOR, modp_prime
from pqscan.ssh.wire import SSHReader, mpint, string, u32
from pqscan.tls.keyshare_primitives import MLKEM, XDH, NISTCurve, Primitive

try:  # optional extra "sntrup": a wheel-packaged PQClean sntrup761
    from pqcrypto.kem import sntrup_761 as _sntrup
except ImportError:  # pragma: no cover - depends on the installed extras
    _sntrup = None

HASHES: dict[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
    "sha512": hashlib.sha512}
# RFC 7919 §5.2 reasoning applies: twice the group strength; 512 bits covers group 18
DH_EXPONENT_BITS = 512


class SNTRUP761(Primitive):
    """Streamlined NTRU Prime 761 (client: pk 1158, server: ciphertext 1039, secret 32)."""

    name = "sntrup761"
    client_len, server_len, secret_len = 1158, 1039, 32

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        if _sntrup is None:
            raise DecodeError("sntrup761 needs the optional 'pqcrypto' package")
        pk, sk = _sntrup.keygen()
        return sk, pk

    def finish(self, state: Any, server_share: bytes) -> bytes:
        secret: bytes = _sntrup.decaps(state, server_share)
        return secret

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        ct, secret = _sntrup.encaps(client_share)
        return ct, secret


_PRIMITIVES: dict[str, Callable[[], Primitive]] = {
    "X25519": lambda: XDH("X25519", 32),
    "X448": lambda: XDH("X448", 56),
    "ECDH-P256": lambda: NISTCurve("secp256r1", ec.SECP256R1()),
    "ECDH-P384": lambda: NISTCurve("secp384r1", ec.SECP384R1()),
    "ECDH-P521": lambda: NISTCurve("secp521r1", ec.SECP521R1()),
    "ML-KEM-768": lambda: MLKEM("MLKEM768"),
    "ML-KEM-1024": lambda: MLKEM("MLKEM1024"),
    "sntrup761": SNTRUP761,
}


def available(name: str) -> bool:
    """Can pqscan run method `name` as a client here?"""
    method = kex_method(name)
    if not method.implemented or method.hash not in HASHES:
        return False
    if "sntrup761" in method.components:
        return _sntrup is not None
    return bool(method.dh_group or method.gex) or all(
        c in _PRIMITIVES for c in method.components)


class ClientKex:
    """One client-side run of a method: `init_public()` once, then `finish(reply public)`.

    `finish` returns (K as encoded in H, the method's middle of H) and raises DecodeError on a
    reply value the method's RFC says to reject.
    """

    def __init__(self, name: str) -> None:
        if not available(name):
            raise ValueError(f"pqscan cannot run key exchange {name!r}")
        self.method: KexMethod = kex_method(name)
        self.hash = HASHES[self.method.hash]
        self.gex_prefix = b""  # RFC 4419 §3: min, n, max, p, g go into H after K_S
        self._p = modp_prime(self.method.dh_group) if self.method.dh_group else 0
        self._g = GENERATOR
        self._x = 0
        self._client = b""
        self._states: list[tuple[Primitive, Any]] = []

    @property
    def is_dh(self) -> bool:
        return bool(self.method.dh_group or self.method.gex)

    def set_group(self, p: int, g: int, minimum: int, preferred: int, maximum: int) -> None:
        """The group a GEX server chose (RFC 4419 §3), checked against the requested range."""
        if not minimum <= p.bit_length() <= maximum:
            raise DecodeError(f"GEX group of {p.bit_length()} bits outside the requested "
                              f"{minimum}..{maximum} (RFC 4419 §3)")
        if not 1 < g < p - 1 or p % 2 == 0:
            raise DecodeError("GEX group: generator or modulus out of range")
        self._p, self._g = p, g
        self.gex_prefix = u32(minimum) + u32(preferred) + u32(maximum) + mpint(p) + mpint(g)

    def init_public(self) -> bytes:
        """The INIT message's string: e (as mpint bytes) for DH, else Q_C / C_INIT."""
        if self.is_dh:
            self._x = secrets.randbits(DH_EXPONENT_BITS) | (1 << (DH_EXPONENT_BITS - 1))
            e = pow(self._g, self._x, self._p)
            self._client = mpint(e)[4:]
            return self._client
        parts = []
        # draft-ietf-sshm-mlkem-hybrid-kex §2.1 and RFC 9941 §2: the PQ value comes first
        for component in self.method.components:
            primitive = _PRIMITIVES[component]()
            state, share = primitive.generate(None)
            self._states.append((primitive, state))
            parts.append(share)
        self._client = b"".join(parts)
        return self._client

    def finish(self, server_public: bytes) -> tuple[bytes, bytes]:
        if self.is_dh:
            f = SSHReader(string(server_public), "DH f").mpint()
            if not 1 < f < self._p - 1:  # RFC 4253 §8: values outside [1, p-1] MUST be refused
                raise DecodeError("server DH value f outside 1 < f < p-1 (RFC 4253 §8)")
            k = pow(f, self._x, self._p)
            return mpint(k), mpint(int.from_bytes(self._client, "big")) + mpint(f)
        expected = sum(p.server_len for p, _ in self._states)
        if len(server_public) != expected:
            raise DecodeError(f"{self.method.name}: server value of {len(server_public)} bytes, "
                              f"expected {expected}")
        secrets_: list[bytes] = []
        offset = 0
        for primitive, state in self._states:
            share = server_public[offset:offset + primitive.server_len]
            offset += primitive.server_len
            secrets_.append(primitive.finish(state, share))
        middle = string(self._client) + string(server_public)
        if len(self._states) == 1:
            # RFC 5656 §4 / RFC 8731 §3.1: the (EC)DH secret is encoded as an mpint
            return mpint(int.from_bytes(secrets_[0], "big")), middle
        # hybrids: K = HASH(pq secret || classical secret), encoded as a string
        # (draft-ietf-sshm-mlkem-hybrid-kex §2.4, RFC 9941 §2)
        return string(self.hash(b"".join(secrets_)).digest()), middle

    def exchange_hash(self, prefix: bytes, host_key: bytes, k: bytes, middle: bytes) -> bytes:
        """H = HASH(V_C, V_S, I_C, I_S, K_S, [GEX group], method values, K) (RFC 4253 §8)."""
        return self.hash(prefix + string(host_key) + self.gex_prefix + middle + k).digest()
