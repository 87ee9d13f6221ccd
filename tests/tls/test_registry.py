"""Tests for the TLS codepoint registries (pqscan.registry.tls and its sibling modules)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tlslite.constants as tlslite_constants

from pqscan.registry.tls import (
    ALERTS,
    CIPHER_SUITES,
    EXTENSIONS,
    GROUPS,
    SIGNATURE_SCHEMES,
    VERSIONS,
    GroupFamily,
    NamedGroup,
    alert_name,
    cipher_suite,
    extension_name,
    group,
    signature_scheme,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "tls"
REFERENCE = json.loads((DATA / "reference_codepoints.json").read_text("utf-8"))


def _ref_id(entry: dict) -> str:
    return entry["name"]


@pytest.mark.parametrize("entry", REFERENCE["groups"], ids=_ref_id)
def test_every_reference_group_present_with_reference_sizes(entry: dict) -> None:
    g = GROUPS[entry["code"]]
    assert g.code == entry["code"]
    share = entry.get("key_share_len")
    client = entry.get("client_share_len", share)
    server = entry.get("server_share_len", share)
    if client is None:
        # sizes the reference leaves blank are either absent or explicitly marked as derived
        assert g.client_share_len is None or "derived" in g.note
    else:
        assert (g.client_share_len, g.server_share_len) == (client, server)
    if "shared_secret_len" in entry:
        assert g.shared_secret_len == entry["shared_secret_len"]
    # the reference name (minus its "(OQS)" / "r3" annotations) is what we call it
    assert entry["name"].startswith(g.name.split("_")[0])


@pytest.mark.parametrize(
    "entry", [e for e in REFERENCE["groups"] if "client_share_layout" in e], ids=_ref_id
)
def test_components_follow_reference_layout_order(entry: dict) -> None:
    g = GROUPS[entry["code"]]
    assert len(g.components) == len(entry["client_share_layout"])
    for comp, item in zip(g.components, entry["client_share_layout"], strict=True):
        assert item.lower().startswith(comp.lower().replace("kyber768", "kyber768r3"))


def test_hybrid_orders_match_rfc10024() -> None:
    # RFC 10024 §3: ML-KEM first for X25519MLKEM768, ECDH first for the NIST-curve hybrids
    assert group("X25519MLKEM768").components == ("MLKEM768", "x25519")
    assert group("SecP256r1MLKEM768").components == ("secp256r1", "MLKEM768")
    assert group("SecP384r1MLKEM1024").components == ("secp384r1", "MLKEM1024")
    assert group("X25519Kyber768Draft00").components == ("x25519", "Kyber768")


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("X25519MLKEM768", GroupFamily.HYBRID),
        ("curveSM2MLKEM768", GroupFamily.HYBRID),
        ("MLKEM512X25519", GroupFamily.HYBRID),
        ("MLKEM1024", GroupFamily.PURE_PQ),
        ("X25519Kyber768Draft00", GroupFamily.PRE_STANDARD),
        ("SecP256r1Kyber768Draft00", GroupFamily.PRE_STANDARD),
        ("X25519Kyber512Draft00", GroupFamily.PRE_STANDARD),
        ("kyber768", GroupFamily.PRE_STANDARD),
        ("x25519", GroupFamily.CLASSICAL),
        ("ffdhe2048", GroupFamily.CLASSICAL),
        ("sect163k1", GroupFamily.CLASSICAL),
    ],
)
def test_families(name: str, family: GroupFamily) -> None:
    g = group(name)
    assert g.family is family
    assert g.is_pq == (family is not GroupFamily.CLASSICAL)


def test_statuses_keep_draft_and_vendor_markings() -> None:
    assert "RFC 10024" in group("X25519MLKEM768").status
    assert "I-D" in group("MLKEM512X25519").status
    assert "vendor" in group("p256_mlkem512").status
    assert "OBSOLETE" in group("X25519Kyber768Draft00").status
    assert group("X25519MLKEM768").source == "S1; S2 s3, s5"


def test_name_and_code_round_trip() -> None:
    for code, g in GROUPS.items():
        assert group(code) is g
        assert group(g.name) is g
        assert group(g.name.upper()) is g


def test_names_match_tlslite_independent_table() -> None:
    # tlslite-ng's GroupName is an independent copy of the IANA registry
    checked = 0
    for name, value in vars(tlslite_constants.GroupName).items():
        if isinstance(value, int) and not name.startswith("_") and value in GROUPS:
            assert GROUPS[value].name.lower() == name.lower(), name
            checked += 1
    assert checked >= 35


def test_grease_kept() -> None:
    for i in range(16):
        code = 0x0A0A + 0x1010 * i
        g = group(code)
        assert g.is_grease and g.family is GroupFamily.UNKNOWN
        assert g.name == f"GREASE(0x{code:04x})"
        assert group(g.name) == g
    assert group(0x0A0A).to_dict()["code"] == "0x0a0a"
    assert not group("x25519").is_grease


def test_unknown_and_private_use() -> None:
    g = group(0x1234)
    assert (g.name, g.family, g.status) == ("0x1234", GroupFamily.UNKNOWN, "unknown")
    assert group("0x1234") == g
    p = group(0xFE05)
    assert p.status == "private use" and p.family is GroupFamily.UNKNOWN
    assert group(0x01FD).status == "private use"
    known_private = group(0xFE30)
    assert known_private.name == "X25519Kyber512Draft00"
    assert known_private.family is GroupFamily.PRE_STANDARD
    assert known_private.status.startswith("private use")


def test_bad_lookups() -> None:
    with pytest.raises(ValueError, match="unknown TLS group name 'nonsense'"):
        group("nonsense")
    with pytest.raises(ValueError):
        group(0x10000)
    with pytest.raises(TypeError):
        group(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        group(True)


def test_to_dict_and_frozen() -> None:
    d = group("X25519MLKEM768").to_dict()
    assert d["code"] == "0x11ec"
    assert d["family"] == "hybrid"
    assert d["components"] == ["MLKEM768", "x25519"]
    assert (d["client_share_len"], d["server_share_len"], d["shared_secret_len"]) == (
        1216, 1120, 64)
    json.dumps(d)
    with pytest.raises(AttributeError):
        group("x25519").name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        NamedGroup(1, "a", "classical", (), None, None, None, "", "", False)  # type: ignore


def test_tls12_flags() -> None:
    assert group("secp256r1").tls12 and group("ffdhe2048").tls12 and group("x25519").tls12
    assert not group("X25519MLKEM768").tls12
    assert not group("brainpoolP256r1tls13").tls12 and group("brainpoolP256r1").tls12
    assert not group("curveSM2").tls12


# ---- signature schemes ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", REFERENCE["signature_schemes"], ids=_ref_id)
def test_every_reference_signature_scheme_present(entry: dict) -> None:
    s = SIGNATURE_SCHEMES[entry["code"]]
    assert s.name == entry["name"].replace(" (OQS)", "")
    assert signature_scheme(s.name) is s


def test_signature_scheme_metadata() -> None:
    for code, name in ((0x0904, "mldsa44"), (0x0905, "mldsa65"), (0x0906, "mldsa87")):
        s = signature_scheme(code)
        assert (s.name, s.family, s.is_pq, s.tls12_allowed, s.hash) == (
            name, "ml-dsa", True, False, None)
        assert "I-D" in s.status
    assert [signature_scheme(c).family for c in range(0x0911, 0x091D)] == ["slh-dsa"] * 12
    assert all("I-D" in signature_scheme(c).status for c in range(0x0911, 0x091D))
    oqs = signature_scheme(0xFF06)
    assert (oqs.name, oqs.family, oqs.is_pq) == ("p256_mldsa44", "composite", True)
    assert "vendor" in oqs.status
    assert signature_scheme("rsa_pss_rsae_sha256").hash == "sha256"
    assert signature_scheme("rsa_pss_rsae_sha256").family == "rsa-pss"
    assert signature_scheme("ecdsa_secp384r1_sha384").hash == "sha384"
    assert signature_scheme("ed25519").hash is None
    assert signature_scheme("ed25519").family == "eddsa"
    assert signature_scheme("rsa_pkcs1_sha1").family == "legacy"
    assert signature_scheme("sm2sig_sm3").family == "sm2"
    assert not signature_scheme("sm2sig_sm3").tls12_allowed
    assert signature_scheme(0x0905).to_dict()["code"] == "0x0905"


def test_signature_schemes_match_tlslite() -> None:
    checked = 0
    for name, value in vars(tlslite_constants.SignatureScheme).items():
        if isinstance(value, tuple) and name in {s.name for s in SIGNATURE_SCHEMES.values()}:
            assert signature_scheme(name).code == value[0] << 8 | value[1], name
            checked += 1
    assert checked >= 20


def test_signature_scheme_unknown_grease_private() -> None:
    assert signature_scheme(0x1A1A).name == "GREASE(0x1a1a)"
    assert signature_scheme(0xFE01).status == "private use"
    assert signature_scheme(0x0907).family == "unknown"
    with pytest.raises(ValueError):
        signature_scheme("mldsa99")


# ---- cipher suites, alerts, extensions, versions ---------------------------------------------


# Broken suites tlslite-ng does not define, checked against the IANA TLS Cipher Suites
# registry (RFC 4346 App. A.5 / RFC 5246 App. C values) instead.
NOT_IN_TLSLITE = {0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
                  0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
                  0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
                  0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"}


def test_cipher_suites_match_tlslite_and_fields() -> None:
    for code, suite in CIPHER_SUITES.items():
        expected = NOT_IN_TLSLITE.get(code)
        if expected is not None:
            assert suite.name == expected
            assert not hasattr(tlslite_constants.CipherSuite, suite.name)
            continue
        assert getattr(tlslite_constants.CipherSuite, suite.name) == code, suite.name
        assert cipher_suite(suite.name) is suite
    tls13 = [s for s in CIPHER_SUITES.values() if s.tls13]
    assert [s.code for s in tls13] == [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]
    s = cipher_suite(0xC030)
    assert (s.kex, s.auth, s.cipher, s.key_bits, s.hash, s.aead) == (
        "ECDHE", "RSA", "AES-256-GCM", 256, "sha384", True)
    s = cipher_suite("TLS_RSA_WITH_AES_128_CBC_SHA")
    assert (s.kex, s.cipher, s.aead, s.mac, s.hash, s.forward_secret) == (
        "RSA", "AES-128-CBC", False, "SHA1", "sha256", False)
    s = cipher_suite(0x1303)
    assert (s.kex, s.cipher, s.hash, s.tls13) == ("any", "CHACHA20-POLY1305", "sha256", True)
    assert cipher_suite(0x000A).cipher == "3DES-EDE-CBC"
    assert cipher_suite(0x0005).cipher == "RC4-128"
    assert cipher_suite(0x009E).kex == "DHE"
    assert len(CIPHER_SUITES) >= 40


def test_cipher_suite_unknown() -> None:
    assert cipher_suite(0xBABA).name == "GREASE(0xbaba)"
    assert cipher_suite(0x1399).name == "0x1399"
    with pytest.raises(ValueError):
        cipher_suite("TLS_NOPE")


def test_alerts_extensions_versions() -> None:
    assert alert_name(40) == "handshake_failure"
    assert alert_name(47) == "illegal_parameter"
    assert alert_name(80) == "internal_error"
    assert alert_name(200) == "alert_0xc8"
    for code, name in ALERTS.items():
        if hasattr(tlslite_constants.AlertDescription, name):
            assert getattr(tlslite_constants.AlertDescription, name) == code
    assert (extension_name(0), extension_name(10), extension_name(13)) == (
        "server_name", "supported_groups", "signature_algorithms")
    assert (extension_name(43), extension_name(51)) == ("supported_versions", "key_share")
    assert extension_name(0x2A2A) == "GREASE(0x2a2a)"
    assert extension_name(0x1234) == "0x1234"
    checked = 0
    for code, name in EXTENSIONS.items():
        if hasattr(tlslite_constants.ExtensionType, name):
            assert getattr(tlslite_constants.ExtensionType, name) == code, name
            checked += 1
    assert checked >= 15
    assert VERSIONS == {0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
                        0x0304: "TLSv1.3"}
