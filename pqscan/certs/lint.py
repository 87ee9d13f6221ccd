"""The lint engine: runs the declared PQ certificate lints (pqscan.certs.lints) on one certificate.

Facts come from the DER (algorithm identifiers, key and signature bytes) and from cryptography
(names, keyUsage, signature verification). Expected sizes and keyUsage rules come from the
reference (`sizes`, `x509_profile_rules`); nothing about an algorithm is hard-coded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from pqscan.certs import der
from pqscan.certs.lints import SEVERITIES, Finding, finding
from pqscan.registry.oids import AlgorithmInfo, algorithm
from pqscan.registry.reference import reference_data

# Algorithm family -> lint code prefix.
_PREFIX = {
    "ML-DSA": "mldsa",
    "HashML-DSA": "mldsa",
    "SLH-DSA": "slhdsa",
    "HashSLH-DSA": "slhdsa",
    "ML-KEM": "mlkem",
    "composite ML-DSA": "composite_mldsa",
    "composite ML-KEM": "composite_mlkem",
}
# Families whose key OID fixes the signature algorithm (no separate "with hash" OIDs).
_KEY_BOUND = {"ML-DSA", "HashML-DSA", "SLH-DSA", "HashSLH-DSA", "composite ML-DSA", "Falcon"}


@cache
def _sizes() -> dict[str, dict[str, Any]]:
    """Reference size rows by parameter-set name (and composite rows by name without "id-")."""
    out: dict[str, dict[str, Any]] = {}
    for group, rows in reference_data()["sizes"].items():
        for row in rows:
            if "name" in row:
                name = row["name"]
                key = name[3:] if group.startswith("composite") and name.startswith("id-") else name
                out.setdefault(key, row)
    return out


@cache
def _usage_rules() -> dict[str, dict[str, Any]]:
    """x509_profile_rules by lint prefix."""
    rules: dict[str, dict[str, Any]] = {}
    for rule in reference_data()["x509_profile_rules"]:
        name = rule["algorithm"]
        prefix = {"ML-DSA": "mldsa", "ML-KEM": "mlkem", "SLH-DSA / HashSLH-DSA": "slhdsa",
                  "Composite ML-DSA (I-D)": "composite_mldsa",
                  "Composite ML-KEM (I-D)": "composite_mlkem"}.get(name)
        if prefix:
            rules[prefix] = rule
    return rules


def _params(findings: list[Finding], info: AlgorithmInfo, alg: der.AlgorithmIdentifier,
            where: str) -> None:
    prefix = _PREFIX.get(info.family)
    if prefix and alg.parameters is not None:
        findings.append(finding(
            f"x509.{prefix}.params_present",
            f"{where} AlgorithmIdentifier for {info.name} has parameters "
            f"({alg.parameters[:8].hex()}); they MUST be absent",
        ))


def _key_usage(findings: list[Finding], info: AlgorithmInfo, usage: tuple[str, ...] | None) -> None:
    prefix = _PREFIX.get(info.family)
    if prefix is None or usage is None:
        return  # keyUsage absent: the profiles constrain it only when present
    rule = _usage_rules()[prefix]
    bits = set(usage)
    if "key_usage_exact" in rule:
        wanted = set(rule["key_usage_exact"])
        if bits != wanted:
            findings.append(finding(
                f"x509.{prefix}.key_usage",
                f"keyUsage {sorted(bits)} for {info.name}; must be exactly {sorted(wanted)}",
            ))
        return
    forbidden = bits & set(rule["key_usage_forbidden"])
    if forbidden or not bits & set(rule["key_usage_allowed_any_of"]):
        why = f"forbidden {sorted(forbidden)}" if forbidden else "no signature bit"
        findings.append(finding(
            f"x509.{prefix}.key_usage", f"keyUsage {sorted(bits)} for {info.name}: {why}"
        ))


def _length(findings: list[Finding], code: str, what: str, info: AlgorithmInfo, actual: int,
            field: str, composite_field: str) -> None:
    """Compare with the reference size; composite rows marked approximate give a lower bound."""
    composite = info.family.startswith("composite")
    row = _sizes().get(info.name if composite else info.parameter_set or "")
    if row is None:
        return
    expected = row.get(composite_field if composite else field)
    if not isinstance(expected, int):
        return
    if composite and composite_field in row.get("approximate", []):
        # Approximate entry (RSA / ECDSA parts vary): only the ML component gives a hard floor.
        component = _sizes().get(info.parameter_set or "", {}).get(field)
        if isinstance(component, int) and actual <= component:
            findings.append(finding(code, f"{what} of {info.name} is {actual} bytes, not more "
                                          f"than its {info.parameter_set} part ({component})"))
        return
    if actual != expected:
        findings.append(finding(code, f"{what} of {info.name} is {actual} bytes, "
                                      f"expected {expected}"))


def _oid_status(findings: list[Finding], infos: Sequence[AlgorithmInfo]) -> None:
    seen: set[str] = set()
    for info in infos:
        if info.oid in seen:
            continue
        seen.add(info.oid)
        if not info.known:
            findings.append(finding("x509.oid.unknown", f"unknown algorithm OID {info.oid}"))
        elif info.status.startswith("I-D"):
            findings.append(finding("x509.oid.draft", f"{info.name} ({info.oid}): {info.status}"))
        elif info.status.startswith("pre-standard"):
            findings.append(finding("x509.oid.pre_standard",
                                    f"{info.name} ({info.oid}): {info.status}"))


def _key_id(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> bytes | None:
    """The certificate's subjectKeyIdentifier (SubjectKeyIdentifier) or its
    authorityKeyIdentifier keyIdentifier (AuthorityKeyIdentifier); None when absent."""
    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    ident = getattr(value, "digest" if kind is x509.SubjectKeyIdentifier else "key_identifier")
    return bytes(ident) if ident else None


def _issuer_candidates(cert: x509.Certificate,
                       issuers: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Who may have signed `cert`, best first (RFC 5280 §4.2.1.1, §6.1): a candidate whose
    subjectKeyIdentifier equals the certificate's authorityKeyIdentifier, then one whose subject
    is the certificate's issuer name, never one whose key identifier says it is another key.
    A self-issued certificate is its own candidate under the same rule."""
    aki = _key_id(cert, x509.AuthorityKeyIdentifier)
    pool = ([cert] if cert.subject == cert.issuer else []) + [i for i in issuers
                                                               if i is not cert]
    by_key, by_name = [], []
    for candidate in pool:
        ski = _key_id(candidate, x509.SubjectKeyIdentifier)
        if aki is not None and ski is not None:
            if ski == aki:
                by_key.append(candidate)
            continue  # a different key, whatever its name says
        if candidate.subject == cert.issuer:
            by_name.append(candidate)
    return by_key + by_name


def _verify(cert: x509.Certificate, sig: AlgorithmInfo,
            issuers: Sequence[x509.Certificate]) -> Finding:
    candidates = _issuer_candidates(cert, issuers)
    if not candidates:
        if not issuers:
            return finding("x509.signature.not_checked",
                           f"issuer {cert.issuer.rfc4514_string()!r} not given "
                           "(no issuer certificate)")
        aki = _key_id(cert, x509.AuthorityKeyIdentifier)
        return finding("x509.signature.issuer_not_found",
                       f"issuer not found: no given certificate has the key identifier "
                       f"{aki.hex() if aki else '(none)'} or the subject "
                       f"{cert.issuer.rfc4514_string()!r}")
    reasons: list[str] = []
    for issuer in candidates:
        try:
            cert.verify_directly_issued_by(issuer)
        except InvalidSignature:
            reasons.append("invalid")
            continue
        except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
            reasons.append(f"{sig.name} verification unavailable ({exc})")
            continue
        return finding("x509.signature.verified", f"{sig.name} signature verifies")
    if "invalid" in reasons:
        return finding("x509.signature.invalid", f"{sig.name} signature does not verify")
    return finding("x509.signature.not_checked", reasons[0])


def lint_certificate(der_bytes: bytes, issuers: Sequence[bytes] = ()) -> list[Finding]:
    """All findings for one DER certificate; `issuers` are candidate issuer certificates (DER)."""
    if not isinstance(der_bytes, bytes):
        raise TypeError(f"der_bytes must be bytes, not {type(der_bytes).__name__}")
    parts = der.certificate_parts(der_bytes)
    issuer_certs = []
    for candidate in issuers:
        try:
            issuer_certs.append(x509.load_der_x509_certificate(candidate))
        except Exception:  # noqa: BLE001, S112
            # a candidate cryptography cannot parse cannot have signed anything we can check;
            # it is judged in its own entry, and must not fail every other certificate
            continue
    key = algorithm(parts.spki.algorithm.oid)
    sig = algorithm(parts.signature_algorithm.oid)
    found: list[Finding] = []

    _params(found, key, parts.spki.algorithm, "subjectPublicKeyInfo")
    _params(found, sig, parts.signature_algorithm, "signatureAlgorithm")
    if parts.tbs_signature_algorithm != parts.signature_algorithm:
        found.append(finding("x509.signature.algorithm_mismatch",
                             f"signatureAlgorithm {sig.oid} vs TBSCertificate.signature "
                             f"{parts.tbs_signature_algorithm.oid}"))
    for info in {key.oid: key, sig.oid: sig}.values():
        if info.family == "HashML-DSA":
            found.append(finding("x509.mldsa.hash_variant", f"{info.name} ({info.oid})"))

    ku_der = parts.extensions.get("2.5.29.15")
    _key_usage(found, key, der.key_usage_bits(ku_der) if ku_der is not None else None)

    pk_code = f"x509.{_PREFIX.get(key.family, '')}.public_key_length"
    if key.family in _PREFIX:
        field = "ek" if "ML-KEM" in key.family else "pk"
        _length(found, pk_code, "public key", key, len(parts.spki.key), field, "public_key")
    if sig.family in _PREFIX and sig.kind == "signature":
        code = f"x509.{_PREFIX[sig.family]}.signature_length"
        _length(found, code, "signature", sig, len(parts.signature), "signature", "signature")

    self_issued = parts.subject == parts.issuer
    if self_issued and key.family in _KEY_BOUND and sig.oid != key.oid:
        # RFC 9909: an SLH-DSA key is bound to pure or pre-hash mode by its OID.
        slh = {key.family, sig.family} == {"SLH-DSA", "HashSLH-DSA"}
        code = "x509.slhdsa.mode_mismatch" if slh else "x509.signature.key_mismatch"
        found.append(finding(code, f"key {key.name} ({key.oid}), signature {sig.name} ({sig.oid})"))

    _oid_status(found, (key, sig))
    try:
        cert = x509.load_der_x509_certificate(der_bytes)
        cert.subject  # noqa: B018 - force cryptography's full parse of the names
        found.append(_verify(cert, sig, issuer_certs))
    except Exception as exc:  # noqa: BLE001
        # cryptography rejects what the lints above flagged (e.g. parameters on an ML-DSA SPKI).
        found.append(finding("x509.signature.not_checked", f"cryptography cannot parse: {exc}"))
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), f.code, f.message))
