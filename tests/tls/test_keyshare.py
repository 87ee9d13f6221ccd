"""Tests for pqscan.tls.keyshare: real key shares, hybrid wire order, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from kyber_py.ml_kem import ML_KEM_768
from tlslite import mathtls

from pqscan.errors import DecodeError, UnsupportedGroupError
from pqscan.registry.tls import GROUPS, group
from pqscan.tls.keyshare import (
    can_generate,
    malformed_mlkem_client_share,
    malformed_mlkem_ek,
    mlkem_ek_modulus_ok,
    new_key_share,
    server_respond,
    x25519_zero_point,
)
from pqscan.tls.keyshare_ffdhe import ffdhe_prime

DATA = Path(__file__).resolve().parent.parent / "data" / "tls"
GENERATABLE = [g for g in GROUPS.values() if can_generate(g)]


def test_expected_groups_are_generatable() -> None:
    names = {g.name for g in GENERATABLE}
    expected = {
        "x25519", "x448", "secp256r1", "secp384r1", "secp521r1",
        "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
        "MLKEM512", "MLKEM768", "MLKEM1024", "X25519MLKEM768", "SecP256r1MLKEM768",
        "SecP384r1MLKEM1024", "SecP256r1MLKEM512", "MLKEM512X25519",
        "X25519Kyber768Draft00", "SecP256r1Kyber768Draft00",
    }
    assert expected <= names


@pytest.mark.parametrize("g", GENERATABLE, ids=lambda g: g.name)
def test_both_sides_agree_with_registry_sizes(g) -> None:  # type: ignore[no-untyped-def]
    share = new_key_share(g)
    assert share.group is g
    client = share.key_exchange()
    assert len(client) == g.client_share_len
    server, secret = server_respond(g, client)
    assert len(server) == g.server_share_len
    assert len(secret) == g.shared_secret_len
    assert share.shared_secret(server) == secret
    # a second, independent key share gives a different secret (no hard-coded answers)
    server2, secret2 = server_respond(g, new_key_share(g).key_exchange())
    assert secret2 != secret


@pytest.mark.parametrize("g", GENERATABLE, ids=lambda g: g.name)
def test_wrong_length_server_share_is_decode_error(g) -> None:  # type: ignore[no-untyped-def]
    share = new_key_share(g)
    server, _ = server_respond(g, share.key_exchange())
    for bad in (server[:-1], server + b"\x00", b""):
        with pytest.raises(DecodeError, match=f"{g.name} server share is {len(bad)} bytes"):
            share.shared_secret(bad)
    with pytest.raises(DecodeError, match="client share"):
        server_respond(g, share.key_exchange()[:-1])


def test_x25519mlkem768_order_proved_independently() -> None:
    g = group("X25519MLKEM768")
    share = new_key_share(g)
    client = share.key_exchange()
    ek = mlkem.MLKEM768PublicKey.from_public_bytes(client[:1184])
    x25519.X25519PublicKey.from_public_bytes(client[1184:])
    # build the server answer by hand: ML-KEM ct first, then the X25519 share (RFC 10024 §3)
    mlkem_ss, ct = ek.encapsulate()
    server_x = x25519.X25519PrivateKey.generate()
    x_ss = server_x.exchange(x25519.X25519PublicKey.from_public_bytes(client[1184:]))
    secret = share.shared_secret(ct + server_x.public_key().public_bytes_raw())
    assert secret == mlkem_ss + x_ss
    assert secret[:32] == mlkem_ss


def test_secp256r1mlkem768_order_proved_independently() -> None:
    g = group("SecP256r1MLKEM768")
    share = new_key_share(g)
    client = share.key_exchange()
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), client[:65])
    ek = mlkem.MLKEM768PublicKey.from_public_bytes(client[65:])
    server_ec = ec.generate_private_key(ec.SECP256R1())
    ecdh_ss = server_ec.exchange(ec.ECDH(), point)
    mlkem_ss, ct = ek.encapsulate()
    server_point = server_ec.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert share.shared_secret(server_point + ct) == ecdh_ss + mlkem_ss


def test_x25519kyber768draft00_puts_x25519_first() -> None:
    g = group("X25519Kyber768Draft00")
    share = new_key_share(g)
    client = share.key_exchange()
    peer = x25519.X25519PrivateKey.generate()
    server, secret = server_respond(g, client)
    # the first 32 bytes of the client share are a usable X25519 public key whose DH output
    # is the first half of the secret only if X25519 really comes first
    x_ss = peer.exchange(x25519.X25519PublicKey.from_public_bytes(client[:32]))
    mine = share.shared_secret(peer.public_key().public_bytes_raw() + server[32:])
    assert mine[:32] == x_ss
    assert mine[32:] == secret[32:]


def test_rfc7748_x25519_vector_through_keyshare() -> None:
    v = json.loads((DATA / "rfc7748_x25519.json").read_text("utf-8"))
    share = new_key_share("x25519", private_key=bytes.fromhex(v["alice_private"]))
    assert share.key_exchange().hex() == v["alice_public"]
    assert share.shared_secret(bytes.fromhex(v["bob_public"])).hex() == v["shared_secret"]


def test_x25519_zero_point_rejected() -> None:
    assert x25519_zero_point() == bytes(32)
    with pytest.raises(DecodeError, match="all-zero"):
        new_key_share("x25519").shared_secret(x25519_zero_point())
    with pytest.raises(DecodeError, match="all-zero"):
        server_respond("x25519", x25519_zero_point())
    # inside a hybrid the X25519 check still applies
    hybrid = new_key_share("X25519MLKEM768")
    server, _ = server_respond("X25519MLKEM768", hybrid.key_exchange())
    with pytest.raises(DecodeError, match="all-zero"):
        hybrid.shared_secret(server[:1088] + x25519_zero_point())


def test_invalid_ec_points_rejected() -> None:
    share = new_key_share("secp256r1")
    with pytest.raises(DecodeError, match="uncompressed"):
        share.shared_secret(b"\x02" + bytes(64))
    with pytest.raises(DecodeError, match="not a point on the curve"):
        share.shared_secret(b"\x04" + bytes(64))


@pytest.mark.parametrize("y", [0, 1, "p-1", "p"])
def test_ffdhe_range_check(y: int | str) -> None:
    p = ffdhe_prime("ffdhe2048")
    value = y if isinstance(y, int) else {"p-1": p - 1, "p": p}[y]
    with pytest.raises(DecodeError, match="1 < Y < p-1"):
        new_key_share("ffdhe2048").shared_secret(value.to_bytes(256, "big"))


def test_ffdhe_primes_match_independent_copy() -> None:
    names = ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"]
    assert [(2, ffdhe_prime(n)) for n in names] == [tuple(t) for t in mathtls.RFC7919_GROUPS]


def test_ffdhe_secret_left_padded() -> None:
    # with y = 2 (generator) the secret g^x mod p must be padded to |p| like the share
    share = new_key_share("ffdhe2048", private_key=(3).to_bytes(1, "big"))
    assert share.key_exchange() == (8).to_bytes(256, "big")
    assert share.shared_secret((2).to_bytes(256, "big")) == (8).to_bytes(256, "big")


@pytest.mark.parametrize("name", ["MLKEM512", "MLKEM768", "MLKEM1024", "X25519MLKEM768",
                                  "SecP384r1MLKEM1024", "MLKEM512X25519"])
def test_malformed_ek_fails_modulus_check(name: str) -> None:
    bad = malformed_mlkem_ek(name)
    assert bad == malformed_mlkem_ek(name)  # pure
    assert bad[0] | (bad[1] & 0x0F) << 8 == 3329
    assert not mlkem_ek_modulus_ok(bad)
    share = malformed_mlkem_client_share(name)
    assert len(share) == group(name).client_share_len
    assert bad in share
    with pytest.raises(DecodeError, match="FIPS 203 s7.2"):
        server_respond(name, share)


def test_malformed_ek_rejected_by_cryptography_but_original_accepted() -> None:
    bad = malformed_mlkem_ek("MLKEM768")
    original = bytearray(bad)
    good, _ = ML_KEM_768.key_derive(bytes(range(64)))
    original[0], original[1] = good[0], good[1]
    assert bytes(original) == good  # only coefficient 0 was changed
    mlkem.MLKEM768PublicKey.from_public_bytes(good)
    assert mlkem_ek_modulus_ok(good)
    with pytest.raises(ValueError):
        mlkem.MLKEM768PublicKey.from_public_bytes(bad)


def test_mlkem_seed_hook_matches_kyber_py() -> None:
    seed = bytes(range(64))
    share = new_key_share("MLKEM768", private_key=seed)
    assert share.key_exchange() == ML_KEM_768.key_derive(seed)[0]
    hybrid = new_key_share("X25519MLKEM768", private_key=(seed, None))
    assert hybrid.key_exchange()[:1184] == share.key_exchange()


def test_unsupported_groups() -> None:
    with pytest.raises(UnsupportedGroupError, match="SM2"):
        new_key_share("curveSM2MLKEM768")
    with pytest.raises(UnsupportedGroupError, match="SM2"):
        new_key_share("curveSM2")
    with pytest.raises(UnsupportedGroupError, match="no share sizes"):
        new_key_share("p256_mlkem512")
    with pytest.raises(UnsupportedGroupError, match="unknown group 0x1234"):
        new_key_share(0x1234)
    with pytest.raises(UnsupportedGroupError):
        new_key_share(0x0A0A)
    assert not can_generate("curveSM2MLKEM768")
    assert can_generate(0x11EC) and can_generate("x25519")


def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        new_key_share(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown TLS group name"):
        new_key_share("nonsense")
    with pytest.raises(TypeError):
        new_key_share("x25519").shared_secret("abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one private key per component"):
        new_key_share("X25519MLKEM768", private_key=bytes(32))
    with pytest.raises(ValueError, match="no ML-KEM component"):
        malformed_mlkem_ek("x25519")
