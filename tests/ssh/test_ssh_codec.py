"""Byte-level tests of the SSH codecs (pqscan.ssh.wire, pqscan.ssh.messages), field by field,
with the RFC 4251 §5 examples, plus Hypothesis: parsers raise only DecodeError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pqscan.errors import DecodeError
from pqscan.ssh import messages as m
from pqscan.ssh.wire import SSHReader, boolean, mpint, name_list, string, u64

# RFC 4251 §5 mpint examples: value -> encoding
RFC4251_MPINTS = [
    (0, "00000000"),
    (0x9A378F9B2E332A7, "00000008" "09a378f9b2e332a7"),
    (0x80, "00000002" "0080"),
    (-0x1234, "00000002" "edcc"),
    (-0xDEADBEEF, "00000005" "ff21524111"),
]


@pytest.mark.parametrize("value,hexed", RFC4251_MPINTS)
def test_mpint_rfc4251_examples(value: int, hexed: str) -> None:
    assert mpint(value).hex() == hexed
    assert SSHReader(bytes.fromhex(hexed)).mpint() == value


def test_mpint_rejects_unnecessary_leading_byte() -> None:
    with pytest.raises(DecodeError, match="leading byte"):
        SSHReader(bytes.fromhex("00000002" "0001")).mpint()


def test_name_list_rfc4251_examples() -> None:
    # RFC 4251 §5: (), ("zlib"), ("zlib", "none")
    assert name_list(()).hex() == "00000000"
    assert name_list(("zlib",)).hex() == "00000004" "7a6c6962"
    assert name_list(("zlib", "none")).hex() == "00000009" "7a6c69622c6e6f6e65"
    assert SSHReader(bytes.fromhex("00000009" "7a6c69622c6e6f6e65")).name_list() == (
        "zlib", "none")


def test_name_list_rejects_empty_names_and_non_ascii() -> None:
    with pytest.raises(DecodeError, match="bad name"):
        SSHReader(string(b"a,,b")).name_list()
    with pytest.raises(DecodeError, match="US-ASCII"):
        SSHReader(string("é".encode())).name_list()
    with pytest.raises(ValueError):
        name_list(("a,b",))
    with pytest.raises(TypeError):
        name_list((b"a",))  # type: ignore[arg-type]


def test_scalars() -> None:
    assert boolean(True) == b"\x01" and boolean(False) == b"\x00"
    assert SSHReader(b"\x07").boolean() is True  # §5: any non-zero value is TRUE
    assert u64(2**64 - 1) == b"\xff" * 8
    with pytest.raises(ValueError):
        u64(2**64)
    assert string(b"testing").hex() == "00000007" "74657374696e67"  # RFC 4251 §5
    with pytest.raises(DecodeError, match="truncated"):
        SSHReader(bytes.fromhex("00000008" "74657374")).string()


def test_identification_line() -> None:
    ident = m.Identification.parse(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n")
    assert (ident.protoversion, ident.software, ident.comments) == (
        "2.0", "OpenSSH_9.2p1", "Debian-2+deb12u10")
    assert ident.to_bytes() == b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"
    assert m.Identification.parse(b"SSH-2.0-paramiko_5.1.0\r\n").comments is None
    with pytest.raises(DecodeError, match="exceeds 255"):
        m.Identification.parse(b"SSH-2.0-" + b"x" * 250 + b"\r\n")
    with pytest.raises(DecodeError, match="not an SSH identification"):
        m.Identification.parse(b"HTTP/1.1 400 Bad Request\r\n")
    with pytest.raises(DecodeError, match="malformed"):
        m.Identification.parse(b"SSH-2.0\r\n")


def test_packet_frame_fields() -> None:
    packet = m.frame(b"\x15", padding=b"\xaa" * 10)  # SSH_MSG_NEWKEYS, 10 bytes of padding
    assert packet.hex() == (
        "0000000c"        # packet_length = 1 + 1 + 10
        "0a"              # padding_length
        "15"              # payload: SSH_MSG_NEWKEYS
        + "aa" * 10)      # padding
    assert m.unframe(12, packet[4:]) == b"\x15"
    auto = m.frame(b"\x15" * 3)
    assert (len(auto)) % 8 == 0 and auto[4] >= 4  # §6: multiple of 8, >= 4 bytes padding


def test_unframe_checks() -> None:
    with pytest.raises(DecodeError, match="multiple of 8"):
        m.unframe(13, b"\x04" + b"\x00" * 12)
    with pytest.raises(DecodeError, match="padding length"):
        m.unframe(12, b"\x0c" + b"\x00" * 11)  # padding longer than the packet
    with pytest.raises(DecodeError, match="padding length"):
        m.unframe(12, b"\x03" + b"\x00" * 11)  # less than 4 bytes of padding


def test_kexinit_fields() -> None:
    init = m.KexInit(("curve25519-sha256", "ext-info-c"), ("ssh-ed25519",), ("aes128-ctr",),
                     ("aes128-ctr",), ("hmac-sha2-256",), ("hmac-sha2-256",),
                     cookie=bytes(range(16)))
    data = init.to_bytes()
    expected = (
        "14"                                        # SSH_MSG_KEXINIT (20)
        "000102030405060708090a0b0c0d0e0f"          # cookie
        "0000001c" + b"curve25519-sha256,ext-info-c".hex()   # kex_algorithms
        + "0000000b" + b"ssh-ed25519".hex()          # server_host_key_algorithms
        + ("0000000a" + b"aes128-ctr".hex()) * 2     # encryption c2s, s2c
        + ("0000000d" + b"hmac-sha2-256".hex()) * 2  # mac c2s, s2c
        + ("00000004" + b"none".hex()) * 2           # compression c2s, s2c
        + "00000000" * 2                             # languages c2s, s2c
        + "00"                                       # first_kex_packet_follows
        + "00000000")                                # reserved
    assert data.hex() == expected
    assert m.KexInit.parse(data) == init
    with pytest.raises(DecodeError, match="trailing"):
        m.KexInit.parse(data + b"\x00")


def test_kex_reply_and_disconnect_fields() -> None:
    reply = m.KexReply(b"K", b"QQ", b"SIG")
    assert reply.to_bytes().hex() == ("1f"  # SSH_MSG_KEX_ECDH_REPLY (31)
                                      "00000001" "4b"  # K_S
                                      "00000002" "5151"  # Q_S
                                      "00000003" "534947")  # signature
    assert m.KexReply.parse(reply.to_bytes()) == reply
    with pytest.raises(DecodeError, match="expected message 33"):
        m.KexReply.parse(reply.to_bytes(), m.MSG_GEX_REPLY)
    d = m.Disconnect(3, "Key exchange failed")  # SSH_DISCONNECT_KEY_EXCHANGE_FAILED
    assert d.to_bytes()[:5].hex() == "01" "00000003"
    assert m.Disconnect.parse(d.to_bytes()) == d
    assert m.GexRequest(2048, 4096, 8192).to_bytes().hex() == (
        "22" "00000800" "00001000" "00002000")  # 34, min, n, max
    assert m.GexGroup.parse(m.GexGroup(23, 5).to_bytes()) == m.GexGroup(23, 5)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_parsers_raise_only_decode_error(data: bytes) -> None:
    for parse in (m.KexInit.parse, m.KexReply.parse, m.GexGroup.parse, m.Disconnect.parse,
                  m.Identification.parse):
        with contextlib.suppress(DecodeError):
            parse(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_host_key_parser_raises_only_decode_error(data: bytes) -> None:
    from pqscan.ssh.hostkey import parse_host_key
    with contextlib.suppress(DecodeError):
        parse_host_key(data)
