"""Byte-level tests of the codec and the hello/alert messages, annotated field by field."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pqscan.errors import DecodeError
from pqscan.tls import extensions as ext
from pqscan.tls.codec import Reader, u16_list, vec8, vec16
from pqscan.tls.flight import (
    CertificateVerify,
    ServerKeyExchange12,
    parse_certificate12,
    parse_certificate13,
    parse_encrypted_extensions,
)
from pqscan.tls.messages import HRR_RANDOM, Alert, ClientHello, ServerHello, split_handshake
from pqscan.tls.offer import ClientOffer, build_client_hello

# A HelloRetryRequest asking for X25519MLKEM768, as OpenSSL sends it (RFC 8446 §4.1.4)
HRR_BODY = bytes.fromhex(
    "0303"  # legacy_version TLS 1.2
    + HRR_RANDOM.hex()  # random = SHA-256("HelloRetryRequest")
    + "20" + "11" * 32  # legacy_session_id_echo: 32 bytes
    + "1302"  # cipher_suite TLS_AES_256_GCM_SHA384
    + "00"  # legacy_compression_method
    + "000c"  # extensions length 12
    + "002b" "0002" "0304"  # supported_versions: TLS 1.3
    + "0033" "0002" "11ec"  # key_share: selected_group X25519MLKEM768
)


def test_reader_reads_fields_and_rejects_trailing_bytes() -> None:
    r = Reader(bytes.fromhex("01" "0203" "000002" "aabb" "ff"), "test")
    assert r.u8() == 1
    assert r.u16() == 0x0203
    assert r.vec24() == b"\xaa\xbb"  # uint24 length 2, then two bytes
    with pytest.raises(DecodeError, match="1 unexpected trailing bytes"):
        r.done()


def test_reader_truncation_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="truncated"):
        Reader(b"\x00\x05abc").vec16()  # claims 5 bytes, has 3


def test_nested_scope_must_be_consumed() -> None:
    r = Reader(bytes.fromhex("0003" "0001" "ff"))
    with pytest.raises(DecodeError, match="trailing"), r.scope(2) as inner:
        inner.u16()  # leaves one byte of the 3-byte scope unread


def test_writers() -> None:
    assert vec8(b"ab") == b"\x02ab"
    assert vec16(b"") == b"\x00\x00"
    assert u16_list((0x11EC, 0x001D)) == bytes.fromhex("0004" "11ec" "001d")
    with pytest.raises(ValueError):
        vec8(b"x" * 256)


def test_hrr_is_recognised_by_its_random() -> None:
    sh = ServerHello.parse(HRR_BODY)
    assert sh.is_hrr
    assert sh.hrr_group == 0x11EC
    assert sh.key_share is None
    assert sh.version == 0x0304
    assert sh.cipher_suite == 0x1302


def test_server_hello_roundtrip() -> None:
    sh = ServerHello.parse(HRR_BODY)
    assert sh.to_bytes()[4:] == HRR_BODY  # type(1) + uint24 length, then the body


def test_tls12_server_hello_without_extensions() -> None:
    body = bytes.fromhex("0303") + b"\x01" * 32 + b"\x00" + bytes.fromhex("c02f" "00")
    sh = ServerHello.parse(body)
    assert sh.version == 0x0303 and sh.extensions == () and not sh.is_hrr


def test_duplicate_extension_rejected() -> None:
    # same body, extensions block replaced by two supported_versions (length 0x000c)
    body = HRR_BODY[:-14] + bytes.fromhex("000c" "002b00020304" "002b00020304")
    with pytest.raises(DecodeError, match="duplicate extension"):
        ServerHello.parse(body)


def test_client_hello_layout() -> None:
    offer = ClientOffer(groups=(0x11EC, 0x001D), key_shares=(), sni="localhost",
                        signature_schemes=(0x0904,))
    hello = build_client_hello(offer, (), random=b"\x00" * 32, session_id=b"")
    raw = hello.to_bytes()
    assert raw[0] == 1  # msg_type client_hello
    assert int.from_bytes(raw[1:4], "big") == len(raw) - 4  # uint24 length
    assert raw[4:6] == b"\x03\x03"  # legacy_version TLS 1.2 (RFC 8446 §4.1.2)
    parsed = ClientHello.parse(raw[4:])
    assert parsed == hello
    groups = ext.parse_u16_list(parsed.extension(ext.SUPPORTED_GROUPS))  # type: ignore[arg-type]
    assert groups == (0x11EC, 0x001D)
    versions = ext.parse_u16_list(parsed.extension(ext.SUPPORTED_VERSIONS), 1)  # type: ignore
    assert versions == (0x0304,)
    shares = ext.parse_client_key_shares(parsed.extension(ext.KEY_SHARE))  # type: ignore
    assert shares == ()  # the empty key_share that asks for a HelloRetryRequest


def test_padding_reaches_target_length() -> None:
    offer = ClientOffer(groups=(0x001D,), pad_to=517)
    hello = build_client_hello(offer, ())
    assert len(hello.to_bytes()) == 517


def test_alert_and_split_handshake() -> None:
    assert Alert.parse(b"\x02\x28") == Alert(2, 40)  # fatal handshake_failure
    msgs, rest = split_handshake(bytes.fromhex("0e000000" "0b0000"))  # ServerHelloDone + partial
    assert [(t, b) for t, b, _ in msgs] == [(14, b"")]
    assert rest == bytes.fromhex("0b0000")


def test_certificate_messages() -> None:
    cert = b"\x30\x03\x02\x01\x01"
    tls13 = bytes.fromhex("00" "00000a" "000005") + cert + bytes.fromhex("0000")
    assert parse_certificate13(tls13) == (cert,)  # empty context, one entry, no extensions
    tls12 = bytes.fromhex("000008" "000005") + cert
    assert parse_certificate12(tls12) == (cert,)
    assert CertificateVerify.parse(bytes.fromhex("0906" "0002" "abcd")).scheme == 0x0906
    assert parse_encrypted_extensions(bytes.fromhex("0000")) == ()
    ske = ServerKeyExchange12.parse(bytes.fromhex("03" "001d" "20") + b"\x00" * 32, "ECDHE")
    assert ske.named_curve == 0x001D


PARSERS = [ServerHello.parse, ClientHello.parse, Alert.parse, parse_certificate13,
           parse_certificate12, CertificateVerify.parse, parse_encrypted_extensions,
           lambda b: ServerKeyExchange12.parse(b, "ECDHE"),
           lambda b: ServerKeyExchange12.parse(b, "DHE")]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(range(len(PARSERS))))
def test_parsers_raise_only_decode_error(data: bytes, index: int) -> None:
    with contextlib.suppress(DecodeError):
        PARSERS[index](data)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=40))
def test_hrr_mutations_never_crash(tail: bytes) -> None:
    with contextlib.suppress(DecodeError):
        ServerHello.parse(HRR_BODY[:50] + tail)


@pytest.mark.parametrize("offer", [
    ClientOffer(groups=(0x001D, 0x11EC), key_shares=(0x001D,), sni="example.test"),
    ClientOffer(versions=(0x0303,), cipher_suites=(0xC02B, 0x009C), groups=(0x0017,)),
    ClientOffer(versions=(0x0302, 0x0301), cipher_suites=(0x002F,), signature_schemes=()),
    ClientOffer(groups=(0x0017,), extra_extensions=(ext.Extension(0xFAFA, b"\x01"),)),
    ClientOffer(cipher_suites=[0x1301], groups=[0x001D]),  # type: ignore[arg-type]  # unhashable
    # the server_name goes in front of a template every name shares (a population)
    ClientOffer(versions=(0x0303,), cipher_suites=(0xC02B,), groups=(0x0017,), sni="b.test"),
    ClientOffer(groups=[0x001D], sni="c.test"),  # type: ignore[arg-type]  # unhashable
])
def test_hello_bytes_kept_per_offer_shape_equal_the_field_encoding(offer: ClientOffer) -> None:
    # build_client_hello encodes from the bytes it keeps per offer shape (issue 13); a
    # ClientHello built from the same fields must encode to exactly those bytes
    share = (ext.KeyShareEntry(0x001D, bytes(range(32))),) if offer.is_tls13 else ()
    for cookie in (None, b"\x07" * 5) if offer.is_tls13 else (None,):
        hello = build_client_hello(offer, share, bytes(32), bytes(range(32)), cookie)
        fresh = ClientHello(hello.random, hello.cipher_suites, hello.extensions,
                            hello.legacy_version, hello.session_id)
        assert hello.to_bytes() == fresh.to_bytes()
        assert ClientHello.parse(hello.to_bytes()[4:]).to_bytes() == fresh.to_bytes()
        # the views kept per shape are the ones the fields give
        assert hello.extension_types == fresh.extension_types
        assert hello.offered_versions == fresh.offered_versions


def test_offers_of_one_shape_under_many_names_share_the_template() -> None:
    # a population: one name per endpoint, the same offer shapes (issue 13)
    a = ClientOffer(groups=(0x001D,), key_shares=(0x001D,), sni="a.example")
    b = ClientOffer(groups=(0x001D,), key_shares=(0x001D,), sni="b.example")
    assert a.template.after_bytes is b.template.after_bytes
    assert a.template.before_bytes != b.template.before_bytes
    share = (ext.KeyShareEntry(0x001D, bytes(32)),)
    for offer, name in ((a, b"a.example"), (b, b"b.example")):
        hello = ClientHello.parse(build_client_hello(offer, share, bytes(32), b"").to_bytes()[4:])
        first = hello.extensions[0]
        # server_name (RFC 6066 §3): type 0; list length 12; host_name(0), length 9, the name
        assert first.extension_type == 0
        assert first.data == b"\x00\x0c" + b"\x00" + b"\x00\x09" + name
