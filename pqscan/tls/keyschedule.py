"""The TLS 1.3 key schedule and record protection (RFC 8446 §7.1-§7.3, §5.2-§5.3).

Only what a scanning client needs: derive the handshake traffic secrets from the (EC)DHE/KEM
shared secret and the transcript, decrypt the server's encrypted handshake records, and check
the server Finished. No PSK, no application traffic.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from pqscan.errors import DecodeError
from pqscan.tls.codec import u8, u16, vec8


@dataclass(frozen=True)
class SuiteParams:
    """The hash and AEAD a TLS 1.3 cipher suite implies (RFC 8446 §B.4)."""

    code: int
    hash_name: str
    key_len: int
    aead: str  # "aesgcm" | "chacha20" | "aesccm" | "aesccm8"

    @property
    def hash_len(self) -> int:
        return _digest_size(self.hash_name)


TLS13_SUITES: dict[int, SuiteParams] = {
    0x1301: SuiteParams(0x1301, "sha256", 16, "aesgcm"),
    0x1302: SuiteParams(0x1302, "sha384", 32, "aesgcm"),
    0x1303: SuiteParams(0x1303, "sha256", 32, "chacha20"),
    0x1304: SuiteParams(0x1304, "sha256", 16, "aesccm"),
    0x1305: SuiteParams(0x1305, "sha256", 16, "aesccm8"),
}


def suite_params(code: int) -> SuiteParams:
    try:
        return TLS13_SUITES[code]
    except KeyError:
        raise DecodeError(f"cipher suite 0x{code:04x} is not a TLS 1.3 suite") from None


@lru_cache(maxsize=8)
def _digest_size(hash_name: str) -> int:
    return hashlib.new(hash_name).digest_size


# hmac.digest is the one-shot C HMAC: about 3x cheaper than hmac.new().digest(), and a full
# TLS 1.3 handshake takes ~12 HMACs (issue 13, per-connection CPU)
def hkdf_extract(hash_name: str, salt: bytes, ikm: bytes) -> bytes:
    """RFC 5869 §2.2; an empty salt means HashLen zero bytes."""
    if not salt:
        salt = bytes(_digest_size(hash_name))
    return hmac.digest(salt, ikm, hash_name)


def hkdf_expand(hash_name: str, prk: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 §2.3."""
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + u8(counter), hash_name)
        out += block
        counter += 1
    return out[:length]


def hkdf_expand_label(hash_name: str, secret: bytes, label: str, context: bytes,
                      length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446 §7.1): HkdfLabel = length, "tls13 " + label, context."""
    info = u16(length) + vec8(b"tls13 " + label.encode("ascii")) + vec8(context)
    return hkdf_expand(hash_name, secret, info, length)


def derive_secret(hash_name: str, secret: bytes, label: str, transcript_hash: bytes) -> bytes:
    """Derive-Secret(Secret, Label, Messages) with the messages already hashed (§7.1)."""
    return hkdf_expand_label(hash_name, secret, label, transcript_hash,
                             _digest_size(hash_name))


@lru_cache(maxsize=8)
def _derived_without_psk(hash_name: str) -> bytes:
    """Derive-Secret(Early Secret, "derived", "") with no PSK: the same for every handshake
    with this hash (RFC 8446 §7.1: the Early Secret is HKDF-Extract(0, 0))."""
    zeros = bytes(_digest_size(hash_name))
    early = hkdf_extract(hash_name, b"", zeros)
    return derive_secret(hash_name, early, "derived", hashlib.new(hash_name, b"").digest())


@dataclass(frozen=True)
class HandshakeSecrets:
    handshake_secret: bytes
    client_handshake_traffic: bytes
    server_handshake_traffic: bytes


def handshake_secrets(hash_name: str, shared_secret: bytes,
                      hello_hash: bytes) -> HandshakeSecrets:
    """Early Secret (no PSK) -> Handshake Secret -> [cs] hs traffic (RFC 8446 §7.1)."""
    hs = hkdf_extract(hash_name, _derived_without_psk(hash_name), shared_secret)
    return HandshakeSecrets(
        hs,
        derive_secret(hash_name, hs, "c hs traffic", hello_hash),
        derive_secret(hash_name, hs, "s hs traffic", hello_hash),
    )


@dataclass(frozen=True)
class ApplicationSecrets:
    master_secret: bytes
    client_application_traffic: bytes
    server_application_traffic: bytes


def application_secrets(hash_name: str, handshake_secret: bytes,
                        finished_hash: bytes) -> ApplicationSecrets:
    """Handshake Secret -> Master Secret -> [cs] ap traffic_0 (RFC 8446 §7.1); `finished_hash`
    is Transcript-Hash(ClientHello...server Finished)."""
    size = _digest_size(hash_name)
    empty_hash = hashlib.new(hash_name, b"").digest()
    derived = derive_secret(hash_name, handshake_secret, "derived", empty_hash)
    master = hkdf_extract(hash_name, derived, bytes(size))
    return ApplicationSecrets(
        master,
        derive_secret(hash_name, master, "c ap traffic", finished_hash),
        derive_secret(hash_name, master, "s ap traffic", finished_hash),
    )


def finished_verify_data(hash_name: str, base_key: bytes, transcript_hash: bytes) -> bytes:
    """verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4)."""
    finished_key = hkdf_expand_label(hash_name, base_key, "finished", b"",
                                     _digest_size(hash_name))
    return hmac.digest(finished_key, transcript_hash, hash_name)


class Transcript:
    """The running handshake transcript (RFC 8446 §4.4.1), HRR-aware.

    Messages are kept raw until the cipher suite (hence the hash) is known. After a
    HelloRetryRequest, ClientHello1 is replaced by message_hash = 254 || 00 00 Hash.length ||
    Hash(ClientHello1).
    """

    __slots__ = ("_messages",)

    def __init__(self) -> None:
        self._messages: list[bytes] = []

    def add(self, raw_handshake_message: bytes) -> None:
        self._messages.append(raw_handshake_message)

    def replace_first_with_message_hash(self, hash_name: str) -> None:
        digest = hashlib.new(hash_name, self._messages[0]).digest()
        self._messages[0] = u8(254) + b"\x00\x00" + u8(len(digest)) + digest

    def hash(self, hash_name: str) -> bytes:
        return hashlib.new(hash_name, b"".join(self._messages)).digest()


class RecordProtection:
    """One direction's AEAD state: key, IV and sequence number (RFC 8446 §5.2-§5.3)."""

    def __init__(self, params: SuiteParams, traffic_secret: bytes) -> None:
        self.params = params
        self.key = hkdf_expand_label(params.hash_name, traffic_secret, "key", b"",
                                     params.key_len)
        self.iv = hkdf_expand_label(params.hash_name, traffic_secret, "iv", b"", 12)
        self._iv = int.from_bytes(self.iv, "big")
        self.seq = 0
        if params.aead == "aesgcm":
            self._aead: AESGCM | ChaCha20Poly1305 | AESCCM = AESGCM(self.key)
        elif params.aead == "chacha20":
            self._aead = ChaCha20Poly1305(self.key)
        else:
            self._aead = AESCCM(self.key, tag_length=8 if params.aead == "aesccm8" else 16)

    def _nonce(self) -> bytes:
        # §5.3: the 64-bit sequence number, padded to 12 bytes, XORed with the IV
        return (self._iv ^ self.seq).to_bytes(12, "big")

    def decrypt(self, header: bytes, payload: bytes) -> tuple[int, bytes]:
        """Open one TLSCiphertext; return (inner content type, content)."""
        try:
            plain = self._aead.decrypt(self._nonce(), payload, header)
        except InvalidTag:
            raise DecodeError(
                f"record {self.seq} failed AEAD authentication (wrong keys or corrupt record)"
            ) from None
        self.seq += 1
        stripped = plain.rstrip(b"\x00")  # TLSInnerPlaintext zero padding (§5.4)
        if not stripped:
            raise DecodeError("encrypted record has no content type")
        return stripped[-1], stripped[:-1]

    def encrypt(self, content_type: int, content: bytes) -> bytes:
        """Seal one record (used by tests and conformance scripts); returns the full record."""
        inner = content + u8(content_type)
        header = u8(23) + u16(0x0303) + u16(len(inner) + (8 if self.params.aead == "aesccm8"
                                                         else 16))
        sealed = self._aead.encrypt(self._nonce(), inner, header)
        self.seq += 1
        return header + sealed
