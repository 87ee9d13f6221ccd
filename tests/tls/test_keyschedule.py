"""The TLS 1.3 key schedule against RFC 8448 §3 (simple 1-RTT handshake) values."""

from __future__ import annotations

import hashlib

import pytest

from pqscan.errors import DecodeError
from pqscan.tls.keyschedule import (
    RecordProtection,
    Transcript,
    application_secrets,
    derive_secret,
    finished_verify_data,
    handshake_secrets,
    hkdf_extract,
    suite_params,
)

H = bytes.fromhex
# RFC 8448 §3: the (EC)DHE shared secret and Hash(ClientHello || ServerHello)
ECDHE = H("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")
HELLO_HASH = H("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")


def test_rfc8448_early_and_derived_secret() -> None:
    early = hkdf_extract("sha256", b"", bytes(32))
    assert early == H("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
    derived = derive_secret("sha256", early, "derived", hashlib.sha256(b"").digest())
    assert derived == H("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")


def test_rfc8448_handshake_traffic_secrets_and_keys() -> None:
    s = handshake_secrets("sha256", ECDHE, HELLO_HASH)
    assert s.handshake_secret == H(
        "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
    assert s.client_handshake_traffic == H(
        "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    assert s.server_handshake_traffic == H(
        "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    prot = RecordProtection(suite_params(0x1301), s.server_handshake_traffic)
    assert prot.key == H("3fce516009c21727d0f2e4e86ee403bc")  # server handshake write key
    assert prot.iv == H("5d313eb2671276ee13000b30")  # server handshake write IV


@pytest.mark.parametrize("suite", [0x1301, 0x1302, 0x1303, 0x1304, 0x1305])
def test_record_round_trip_and_tamper(suite: int) -> None:
    params = suite_params(suite)
    secret = bytes(range(params.hash_len))
    sealed = RecordProtection(params, secret).encrypt(22, b"\x08\x00\x00\x02\x00\x00")
    opener = RecordProtection(params, secret)
    assert opener.decrypt(sealed[:5], sealed[5:]) == (22, b"\x08\x00\x00\x02\x00\x00")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecodeError, match="AEAD"):
        RecordProtection(params, secret).decrypt(tampered[:5], tampered[5:])


def test_transcript_message_hash_after_hrr() -> None:
    t = Transcript()
    t.add(b"CH1")
    t.add(b"HRR")
    t.replace_first_with_message_hash("sha256")
    # RFC 8446 §4.4.1: message_hash || 00 00 || Hash.length || Hash(ClientHello1)
    expected = hashlib.sha256(b"\xfe\x00\x00\x20" + hashlib.sha256(b"CH1").digest() + b"HRR")
    assert t.hash("sha256") == expected.digest()


def test_finished_is_hmac_over_transcript() -> None:
    a = finished_verify_data("sha256", b"k" * 32, b"t" * 32)
    assert len(a) == 32 and a != finished_verify_data("sha256", b"k" * 32, b"u" * 32)


def test_rfc8448_application_traffic_secrets_and_keys() -> None:
    hs = handshake_secrets("sha256", ECDHE, HELLO_HASH).handshake_secret
    # RFC 8448 §3: Hash(ClientHello ... server Finished)
    finished_hash = H("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13")
    a = application_secrets("sha256", hs, finished_hash)
    assert a.master_secret == H(
        "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
    assert a.client_application_traffic == H(
        "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    assert a.server_application_traffic == H(
        "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
    prot = RecordProtection(suite_params(0x1301), a.server_application_traffic)
    assert prot.key == H("9f02283b6c9c07efc26bb9f2ac92e356")  # server application write key
    assert prot.iv == H("cf782b88dd83549aadf1e984")  # server application write IV
