"""Key-exchange primitives: one ECDH curve, FFDHE group or KEM as a single component.

Owns `Primitive` and `PRIMITIVES`. A hybrid group is several primitives concatenated in wire
order (RFC 9954 §3.2-3.3); `pqscan.tls.keyshare` composes them. Every primitive turns any bad
peer value into `DecodeError` with a one-line reason, so one bad share never crashes a scan.

Backends: cryptography (X25519, X448, NIST and brainpool curves, ML-KEM-768/1024), kyber-py
(ML-KEM-512, which the bundled OpenSSL lacks, and round-3 Kyber768 for the Draft00 hybrids),
and Python integers for FFDHE (cryptography deprecates FFDH).
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import partial
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x448, x25519
from kyber_py.ml_kem import ML_KEM_512

from pqscan.errors import DecodeError
from pqscan.tls.keyshare_ffdhe import GENERATOR, ffdhe_byte_len, ffdhe_prime

try:  # round-3 Kyber (pre-standard Draft00 hybrids); optional part of kyber-py
    from kyber_py.kyber import Kyber768 as _KYBER768
except ImportError:  # pragma: no cover - depends on the installed kyber-py
    _KYBER768 = None


class Primitive(ABC):
    """One key-exchange algorithm with fixed share and secret sizes."""

    name: str
    client_len: int  # what the client sends (public key / encapsulation key)
    server_len: int  # what the server sends (public key / ciphertext)
    secret_len: int

    @abstractmethod
    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        """Client side: (private state, client share). `private_key` is a test hook."""

    @abstractmethod
    def finish(self, state: Any, server_share: bytes) -> bytes:
        """Client side: the secret from the server's share (length already checked)."""

    @abstractmethod
    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        """Server side: (server share, secret) for a client share (length already checked)."""


class XDH(Primitive):
    """X25519 / X448 (RFC 7748; RFC 8446 §4.2.8.2, §7.4.2)."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.client_len = self.server_len = self.secret_len = size
        self._priv: Any = x25519.X25519PrivateKey if size == 32 else x448.X448PrivateKey
        self._pub: Any = x25519.X25519PublicKey if size == 32 else x448.X448PublicKey

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        if private_key is None:
            key = self._priv.generate()
        else:
            key = self._priv.from_private_bytes(private_key)
        return key, key.public_key().public_bytes_raw()

    def finish(self, state: Any, server_share: bytes) -> bytes:
        try:
            secret: bytes = state.exchange(self._pub.from_public_bytes(server_share))
        except ValueError as exc:
            # OpenSSL refuses an all-zero output (small-order point): RFC 8446 §7.4.2
            raise DecodeError(f"{self.name} share gives an all-zero secret "
                              f"(RFC 8446 s7.4.2): {exc}") from None
        if secret == bytes(len(secret)):
            raise DecodeError(f"{self.name} share gives an all-zero secret (RFC 8446 s7.4.2)")
        return secret

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        key, share = self.generate(None)
        return share, self.finish(key, client_share)


class NISTCurve(Primitive):
    """ECDHE on a short-Weierstrass curve: uncompressed points, secret = x (RFC 8446 §4.2.8.2)."""

    def __init__(self, name: str, curve: ec.EllipticCurve) -> None:
        self.name = name
        self._curve = curve
        field = (curve.key_size + 7) // 8
        self.client_len = self.server_len = 1 + 2 * field
        self.secret_len = field

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        if private_key is None:
            key = ec.generate_private_key(self._curve)
        else:
            key = ec.derive_private_key(int.from_bytes(private_key, "big"), self._curve)
        share = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return key, share

    def finish(self, state: Any, server_share: bytes) -> bytes:
        if server_share[:1] != b"\x04":
            raise DecodeError(f"{self.name} share is not an uncompressed point "
                              "(RFC 8446 s4.2.8.2 requires 0x04||X||Y)")
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(self._curve, server_share)
        except ValueError:
            raise DecodeError(f"{self.name} share is not a point on the curve "
                              "(RFC 8446 s4.2.8.2 validation)") from None
        secret: bytes = state.exchange(ec.ECDH(), peer)
        return secret

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        key, share = self.generate(None)
        return share, self.finish(key, client_share)


class FFDHE(Primitive):
    """RFC 7919 group; shares and secret left-padded to |p| (RFC 8446 §4.2.8.1, §7.4.1)."""

    # RFC 7919 §5.2: a short exponent of at least twice the group's security strength is
    # enough (q = (p-1)/2 is prime); 512 bits covers the largest group (ffdhe8192).
    EXPONENT_BITS = 512

    def __init__(self, name: str) -> None:
        self.name = name
        self._p = ffdhe_prime(name)
        self.client_len = self.server_len = self.secret_len = ffdhe_byte_len(name)

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        if private_key is None:
            x = secrets.randbits(self.EXPONENT_BITS) | (1 << (self.EXPONENT_BITS - 1))
        else:
            x = int.from_bytes(private_key, "big")
            if not 1 < x < self._p - 1:
                raise ValueError(f"{self.name} private exponent out of range")
        return x, pow(GENERATOR, x, self._p).to_bytes(self.client_len, "big")

    def finish(self, state: Any, server_share: bytes) -> bytes:
        y = int.from_bytes(server_share, "big")
        if not 1 < y < self._p - 1:  # RFC 8446 §4.2.8.1: peers MUST check 1 < Y < p-1
            raise DecodeError(f"{self.name} public value Y is outside 1 < Y < p-1 "
                              "(RFC 8446 s4.2.8.1)")
        return pow(y, int(state), self._p).to_bytes(self.secret_len, "big")

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        x, share = self.generate(None)
        return share, self.finish(x, client_share)


class MLKEM(Primitive):
    """ML-KEM (FIPS 203): client sends ek, server sends ct (draft-ietf-tls-mlkem §3)."""

    _SIZES = {"MLKEM512": (800, 768), "MLKEM768": (1184, 1088), "MLKEM1024": (1568, 1568)}

    def __init__(self, name: str) -> None:
        self.name = name
        self.client_len, self.server_len = self._SIZES[name]
        self.secret_len = 32
        self._crypto: Any = {"MLKEM768": (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey),
                             "MLKEM1024": (mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey),
                             }.get(name)  # None -> kyber-py (ML-KEM-512)

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        # private_key: the 64-byte seed d||z (FIPS 203 §6.1 ML-KEM.KeyGen_internal)
        if self._crypto is None:
            ek, dk = ML_KEM_512.keygen() if private_key is None else (
                ML_KEM_512.key_derive(private_key))
            return dk, ek
        priv_cls = self._crypto[0]
        key = priv_cls.generate() if private_key is None else priv_cls.from_seed_bytes(
            private_key)
        return key, key.public_key().public_bytes_raw()

    def finish(self, state: Any, server_share: bytes) -> bytes:
        try:
            if self._crypto is None:
                secret: bytes = ML_KEM_512.decaps(state, server_share)
            else:
                secret = state.decapsulate(server_share)
        except ValueError as exc:  # RFC 10024 §3: other decapsulation failure -> internal_error
            raise DecodeError(f"{self.name} decapsulation failed: {exc}") from None
        return secret

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        try:
            if self._crypto is None:
                secret, ct = ML_KEM_512.encaps(client_share)
            else:
                secret, ct = self._crypto[1].from_public_bytes(client_share).encapsulate()
        except ValueError:
            # FIPS 203 §7.2 encapsulation-key check; RFC 10024 §3 -> illegal_parameter
            raise DecodeError(f"{self.name} encapsulation key fails the FIPS 203 s7.2 "
                              "modulus check") from None
        return ct, secret


class Kyber768R3(Primitive):
    """Round-3 Kyber768 as used by the pre-standard *Kyber768Draft00 hybrids (S5, S6)."""

    name = "Kyber768"
    client_len, server_len, secret_len = 1184, 1088, 32

    def generate(self, private_key: bytes | None) -> tuple[Any, bytes]:
        if private_key is not None:
            raise ValueError("Kyber768 (round 3) key generation cannot take a fixed key")
        pk, sk = _KYBER768.keygen()
        return sk, pk

    def finish(self, state: Any, server_share: bytes) -> bytes:
        try:
            secret: bytes = _KYBER768.decaps(state, server_share)
        except ValueError as exc:
            raise DecodeError(f"Kyber768 decapsulation failed: {exc}") from None
        return secret

    def respond(self, client_share: bytes) -> tuple[bytes, bytes]:
        secret, ct = _KYBER768.encaps(client_share)
        return ct, secret


PRIMITIVES: dict[str, Callable[[], Primitive]] = {
    "x25519": lambda: XDH("x25519", 32),
    "x448": lambda: XDH("x448", 56),
    "secp256r1": lambda: NISTCurve("secp256r1", ec.SECP256R1()),
    "secp384r1": lambda: NISTCurve("secp384r1", ec.SECP384R1()),
    "secp521r1": lambda: NISTCurve("secp521r1", ec.SECP521R1()),
    # RFC 8734 §2: the *tls13 groups are the RFC 5639 curves with RFC 8446 encodings
    "brainpoolP256r1tls13": lambda: NISTCurve("brainpoolP256r1tls13", ec.BrainpoolP256R1()),
    "brainpoolP384r1tls13": lambda: NISTCurve("brainpoolP384r1tls13", ec.BrainpoolP384R1()),
    "brainpoolP512r1tls13": lambda: NISTCurve("brainpoolP512r1tls13", ec.BrainpoolP512R1()),
    "brainpoolP256r1": lambda: NISTCurve("brainpoolP256r1", ec.BrainpoolP256R1()),
    "brainpoolP384r1": lambda: NISTCurve("brainpoolP384r1", ec.BrainpoolP384R1()),
    "brainpoolP512r1": lambda: NISTCurve("brainpoolP512r1", ec.BrainpoolP512R1()),
    **{f"ffdhe{b}": partial(FFDHE, f"ffdhe{b}") for b in (2048, 3072, 4096, 6144, 8192)},
    "MLKEM512": lambda: MLKEM("MLKEM512"),
    "MLKEM768": lambda: MLKEM("MLKEM768"),
    "MLKEM1024": lambda: MLKEM("MLKEM1024"),
}
if _KYBER768 is not None:
    PRIMITIVES["Kyber768"] = Kyber768R3

# Why a component has no primitive (the reason UnsupportedGroupError carries).
MISSING_REASONS: dict[str, str] = {
    "curveSM2": "cryptography/OpenSSL expose no SM2 key agreement",
    "Kyber768": "the installed kyber-py has no round-3 Kyber768",
    "Kyber512": "no share sizes recorded for round-3 Kyber512 groups",
    "Kyber1024": "no share sizes recorded for round-3 Kyber1024 groups",
}
