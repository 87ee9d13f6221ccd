"""Issue 14: `lint` matches issuers by authorityKeyIdentifier / subjectKeyIdentifier first,
then by name, and says "issuer not found" rather than "invalid signature" when the only
certificate with the issuer's name holds another key (a re-keyed CA: same name, new key)."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pqscan.certs.lint import lint_certificate

_NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_CA = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example CA")])


def _cert(subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
          signer: ec.EllipticCurvePrivateKey, ca: bool, key_ids: bool = True) -> bytes:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(_NOW).not_valid_after(_NOW + datetime.timedelta(days=90))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if key_ids:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False)
    return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _codes(leaf: bytes, *issuers: bytes) -> list[str]:
    return [f.code for f in lint_certificate(leaf, list(issuers))]


def test_a_same_named_ca_with_another_key_is_issuer_not_found_never_invalid() -> None:
    old_key, new_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    old_ca = _cert(_CA, old_key, _CA, old_key, ca=True)
    new_ca = _cert(_CA, new_key, _CA, new_key, ca=True)
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")])
    leaf = _cert(leaf_name, leaf_key, _CA, new_key, ca=False)
    assert _codes(leaf, old_ca) == ["x509.signature.issuer_not_found"]
    finding = lint_certificate(leaf, [old_ca])[0]
    assert finding.message.startswith("issuer not found: no given certificate has the key "
                                      "identifier ")
    # the right CA found by its key identifier, whatever order the candidates come in
    assert _codes(leaf, old_ca, new_ca) == ["x509.signature.verified"]
    assert _codes(leaf, new_ca, old_ca) == ["x509.signature.verified"]
    assert _codes(leaf) == ["x509.signature.not_checked"]  # no --issuer at all


def test_without_key_identifiers_the_name_still_matches() -> None:
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca = _cert(_CA, ca_key, _CA, ca_key, ca=True, key_ids=False)
    leaf = _cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]), leaf_key, _CA,
                 ca_key, ca=False, key_ids=False)
    assert _codes(leaf, ca) == ["x509.signature.verified"]
    other = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other CA")])
    stranger = _cert(other, ca_key, other, ca_key, ca=True, key_ids=False)
    assert _codes(leaf, stranger) == ["x509.signature.issuer_not_found"]
    # a self-signed certificate is its own issuer (by key identifier or by name)
    assert _codes(ca) == ["x509.signature.verified"]
    assert _codes(_cert(_CA, ca_key, _CA, ca_key, ca=True)) == ["x509.signature.verified"]
