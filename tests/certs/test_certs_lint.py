"""PQ certificate lints: golden files over the hackathon corpus, and forged violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from certs_helpers import CORPUS, GOLDEN, der_of, ku, make_cert, tlv
from cryptography.hazmat.primitives.asymmetric import mldsa

from pqscan.certs import der
from pqscan.certs.info import certificate_info
from pqscan.certs.lint import lint_certificate
from pqscan.certs.lints import LINTS, SEVERITIES
from pqscan.registry.reference import reference_data

GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
CERT_FILES = sorted(p for p in CORPUS.glob("*/*.der") if p.name.endswith(("_ta.der", "_ee.der")))


def test_corpus_is_representative() -> None:
    providers = {p.parent.name for p in CERT_FILES}
    assert len(providers) >= 5
    oids = {der.certificate_parts(p.read_bytes()).spki.algorithm.oid for p in CERT_FILES}
    assert {e["oid"] for e in reference_data()["x509_oids"]} - {
        "2.16.840.1.101.3.4.3.32", "2.16.840.1.101.3.4.3.33", "2.16.840.1.101.3.4.3.34",
    } <= oids | {"x"}
    assert len(GOLDEN_FILES) == len(CERT_FILES)


@pytest.mark.parametrize("path", CERT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_certificate_identified(path: Path) -> None:
    info = certificate_info(path.read_bytes())
    reference_oids = {e["oid"] for e in reference_data()["x509_oids"]}
    assert not info.public_key.algorithm.startswith("unknown")
    assert not info.signature_algorithm.startswith("unknown")
    if info.public_key.oid in reference_oids:
        assert info.public_key.quantum_vulnerable is False
        assert info.public_key.nist_category in (1, 2, 3, 5)


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=lambda p: p.stem)
def test_golden_lint(golden: Path) -> None:
    expected = json.loads(golden.read_text())
    cert = (CORPUS / expected["certificate"]).read_bytes()
    issuers = [(CORPUS / i).read_bytes() for i in expected["issuers"]]
    got = [f.to_dict() for f in lint_certificate(cert, issuers)]
    assert got == expected["findings"]
    for f in got:
        assert f["code"] in LINTS and f["severity"] in SEVERITIES


def _codes(path: str, issuers: tuple[str, ...] = ()) -> set[str]:
    data = (CORPUS / path).read_bytes()
    return {f.code for f in lint_certificate(data, [(CORPUS / i).read_bytes() for i in issuers])}


def test_known_corpus_defects_are_found() -> None:
    # SPKI pure SLH-DSA, signature HashSLH-DSA: key bound to one mode (RFC 9909).
    assert "x509.slhdsa.mode_mismatch" in _codes(
        "carl-redhound/hash-slh-dsa-sha2-128s-2.16.840.1.101.3.4.3.35_ta.der")
    assert "x509.mldsa.hash_variant" in _codes(
        "corey-digicert/HASH-ML-DSA-44-2.16.840.1.101.3.4.3.32_ta.der")
    # Named .53 (RSA4096) but carries .52 (RSA3072) with an RSA-4096-sized signature.
    assert "x509.composite_mldsa.signature_length" in _codes(
        "carl-redhound/ml-dsa-87-rsa4096-pss-1.3.6.1.5.5.7.6.53_ta.der")
    assert _codes("openjdk/ml-kem-768-2.16.840.1.101.3.4.4.2_ee.der",
                  ("openjdk/ml-dsa-65-2.16.840.1.101.3.4.3.18_ta.der",)) == {
        "x509.signature.verified"}
    assert _codes("openjdk/ml-kem-768-2.16.840.1.101.3.4.4.2_ee.der") == {
        "x509.signature.not_checked"}


def _replace_spki_alg(cert_der: bytes, alg_value: bytes) -> bytes:
    """Re-encode the certificate with a new SPKI AlgorithmIdentifier content (signature stale)."""
    top = der.parse_whole(cert_der)
    outer = der.children(cert_der, top)
    tbs = der.children(cert_der, outer[0])
    idx = 1 if tbs[0].tag == der.TAG_CONTEXT_0 else 0
    spki = der.children(cert_der, tbs[idx + 5])
    new_spki = tlv(0x30, tlv(0x30, alg_value) + spki[1].encoding(cert_der))
    fields = [t.encoding(cert_der) for t in tbs]
    fields[idx + 5] = new_spki
    new_tbs = tlv(0x30, b"".join(fields))
    return tlv(0x30, new_tbs + outer[1].encoding(cert_der) + outer[2].encoding(cert_der))


def test_forged_params_present_and_bad_signature(mldsa_key: mldsa.MLDSA65PrivateKey) -> None:
    good = der_of(make_cert(mldsa_key, key_usage=ku(digital_signature=True)))
    assert [f.code for f in lint_certificate(good)] == ["x509.signature.verified"]
    oid = bytes.fromhex("0609608648016503040312")  # 2.16.840.1.101.3.4.3.18
    forged = _replace_spki_alg(good, oid + b"\x05\x00")  # NULL parameters
    findings = lint_certificate(forged)
    codes = [f.code for f in findings]
    # cryptography refuses such a certificate, so the signature stays unchecked (inconclusive).
    assert codes == ["x509.mldsa.params_present", "x509.signature.not_checked"]
    assert findings[0].severity == "error" and findings[0].reference.startswith("RFC 9881")
    tampered = bytearray(good)
    tampered[-5] ^= 0x01  # inside the signature BIT STRING
    codes = [f.code for f in lint_certificate(bytes(tampered))]
    assert codes == ["x509.signature.invalid"]


def test_issuer_given_alongside(mldsa_key: mldsa.MLDSA65PrivateKey, ec_key) -> None:  # type: ignore[no-untyped-def]
    ca = make_cert(mldsa_key, "CA", ca=True, key_usage=ku(key_cert_sign=True))
    leaf = der_of(make_cert(ec_key, "leaf", issuer_key=mldsa_key, issuer_cn="CA"))
    assert [f.code for f in lint_certificate(leaf)] == ["x509.signature.not_checked"]
    assert [f.code for f in lint_certificate(leaf, [der_of(ca)])] == ["x509.signature.verified"]


@pytest.mark.parametrize(
    ("bits", "fires"),
    [
        ({"digital_signature": True}, False),
        ({"key_cert_sign": True, "crl_sign": True}, False),
        ({"digital_signature": True, "key_encipherment": True}, True),
        ({"data_encipherment": True}, True),
    ],
)
def test_mldsa_key_usage(mldsa_key: mldsa.MLDSA65PrivateKey, bits: dict[str, bool],
                         fires: bool) -> None:
    cert = der_of(make_cert(mldsa_key, key_usage=ku(**bits)))
    codes = {f.code for f in lint_certificate(cert)}
    assert ("x509.mldsa.key_usage" in codes) is fires


def test_classical_certificate_is_quiet(rsa_key) -> None:  # type: ignore[no-untyped-def]
    codes = [f.code for f in lint_certificate(der_of(make_cert(rsa_key)))]
    assert codes == ["x509.signature.verified"]


def test_lint_declarations_are_unique_and_referenced() -> None:
    for code, lint in LINTS.items():
        assert code.startswith("x509.") and lint.reference and lint.severity in SEVERITIES
