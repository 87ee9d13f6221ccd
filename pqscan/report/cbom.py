"""The CycloneDX 1.6 cryptographic bill of materials (CBOM) of a scan report.

Built with cyclonedx-python-lib: each endpoint is a service; it depends on one protocol
component per TLS version (cipher suites with their IANA identifiers); protocols depend on the
algorithm components (key-exchange groups, AEAD ciphers, certificate key and signature
algorithms) and certificate components. Algorithm components carry primitive,
parameterSetIdentifier and nistQuantumSecurityLevel (FIPS 203 §8 / FIPS 204 §4 categories;
0 for quantum-vulnerable classical algorithms). The registry status of each group (RFC, I-D,
pre-standard) stays visible as a `pqscan:status` property.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.crypto import (
    CertificateProperties,
    CryptoAssetType,
    CryptoPrimitive,
    CryptoProperties,
    ProtocolProperties,
    ProtocolPropertiesCipherSuite,
    ProtocolPropertiesType,
)
from cyclonedx.model.dependency import Dependable
from cyclonedx.model.service import Service
from cyclonedx.output.json import JsonV1Dot6

from pqscan.model.view import all_certificates, groups_with, kex_state, protocol, safe_id, tls
from pqscan.registry.tls import cipher_suite
from pqscan.registry.tls import group as registry_group
from pqscan.report.cbom_builder import AES_LEVEL, MLDSA_LEVEL, MLKEM_LEVEL, Builder
from pqscan.report.cbom_ssh import add_ssh_protocol


def _group_algorithm(b: Builder, name: str) -> str:
    entry = registry_group(name)
    family = str(entry.family)
    size = next((m.group(1) for c in entry.components
                 if (m := re.fullmatch(r"(?i)ML-?KEM-?(512|768|1024)", c))), None)
    if family == "classical":
        return b.algorithm(name, CryptoPrimitive.KEY_AGREE, None, 0, status=entry.status)
    if family in ("pure_pq", "hybrid") and size:
        primitive = CryptoPrimitive.KEM if family == "pure_pq" else CryptoPrimitive.COMBINER
        ref = b.algorithm(name, primitive, size, MLKEM_LEVEL[size], status=entry.status)
        if family == "hybrid":  # the hybrid depends on its ML-KEM part (RFC 9954 §3.2)
            b.depend(ref, [b.algorithm(f"ML-KEM-{size}", CryptoPrimitive.KEM, size,
                                       MLKEM_LEVEL[size], f"2.16.840.1.101.3.4.4."
                                       f"{list(MLKEM_LEVEL).index(size) + 1}")])
        return ref
    # pre-standard Kyber and unknown groups: no FIPS category can be claimed for them
    return b.algorithm(name, CryptoPrimitive.KEM if "yber" in name else CryptoPrimitive.UNKNOWN,
                       None, None, status=entry.status)


def _suite(b: Builder, name: str, extra: list[str]) -> ProtocolPropertiesCipherSuite:
    try:
        suite = cipher_suite(name)
    except ValueError:
        return ProtocolPropertiesCipherSuite(name=name)
    refs = list(extra)
    if suite.cipher:
        level = AES_LEVEL.get(suite.key_bits or 0) if "AES" in suite.cipher else None
        refs.append(b.algorithm(suite.cipher, CryptoPrimitive.AE if suite.aead
                                else CryptoPrimitive.BLOCK_CIPHER,
                                str(suite.key_bits) if suite.key_bits else None, level))
    if suite.kex == "RSA":
        refs.append(b.algorithm("RSA key transport", CryptoPrimitive.PKE, None, 0))
    code = suite.code
    return ProtocolPropertiesCipherSuite(
        name=name, algorithms=[BomRef(r) for r in refs],
        identifiers=[f"0x{code >> 8:02X}", f"0x{code & 0xFF:02X}"])


def _key_algorithm(b: Builder, key: Mapping[str, Any]) -> str:
    name = str(key.get("algorithm") or "unknown")
    size = key.get("size_bits")
    m = re.fullmatch(r"ML-DSA-(44|65|87)", name)
    if m:
        return b.algorithm(name, CryptoPrimitive.SIGNATURE, m.group(1), MLDSA_LEVEL[m.group(1)],
                           key.get("oid"))
    level = 0 if key.get("quantum_vulnerable") else key.get("nist_category")
    label = f"{name}-{size}" if size and name == "RSA" else name
    return b.algorithm(label, CryptoPrimitive.SIGNATURE, str(size) if size else None, level,
                       key.get("oid"))


def _certificate(b: Builder, cert: Mapping[str, Any]) -> str:
    key_ref = _key_algorithm(b, cert.get("public_key") or {})
    sig = cert.get("signature_algorithm") or {}
    sig_ref = b.algorithm(str(sig.get("name") or "unknown signature"),
                          CryptoPrimitive.SIGNATURE, None, None, sig.get("oid"))
    ref = f"cert:{str(cert.get('sha256') or 'unknown')[:32]}"
    b.add(ref, str(cert.get("subject") or "certificate"), CryptoProperties(
        asset_type=CryptoAssetType.CERTIFICATE, certificate_properties=CertificateProperties(
            subject_name=cert.get("subject"), issuer_name=cert.get("issuer"),
            not_valid_before=_time(cert.get("not_before")),
            not_valid_after=_time(cert.get("not_after")),
            signature_algorithm_ref=BomRef(sig_ref), certificate_format="X.509")),
        [("pqscan:sha256", str(cert.get("sha256")))])
    b.depend(ref, [key_ref, sig_ref])
    return ref


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _endpoint(b: Builder, ep: Mapping[str, Any]) -> Service:
    sid = f"endpoint:{safe_id(str(ep.get('host')))}_{ep.get('port')}"
    service = Service(name=str(ep.get("target")), bom_ref=sid,
                      endpoints=[XsUri(f"{protocol(ep)}://{ep.get('host')}:{ep.get('port')}")],
                      properties=[Property(name="pqscan:status", value=str(ep.get("status"))),
                                  Property(name="pqscan:kex_state",
                                           value=str(kex_state(ep)))])
    b.deps.setdefault(sid, set())
    if ep.get("status") != "ok":
        return service
    if protocol(ep) == "ssh":  # issue 15: an SSH protocol component (pqscan.report.cbom_ssh)
        add_ssh_protocol(b, ep, sid)
        return service
    certs = [_certificate(b, c) for c in all_certificates(ep)]
    groups = [_group_algorithm(b, g) for g in groups_with(ep)]
    curves = [_group_algorithm(b, c) for c, s in
              ((tls(ep).get("tls12") or {}).get("ecdhe_curves") or {}).items() if s == "supported"]
    suites = tls(ep).get("cipher_suites") or {}
    for version, status in (tls(ep).get("versions") or {}).items():
        if status != "supported":
            continue
        kex = groups if version == "TLSv1.3" else curves
        proto_suites = [_suite(b, s, []) for s in suites.get(version if version == "TLSv1.3"
                                                             else "TLSv1.2") or []]
        ref = f"proto:{sid.split(':', 1)[1]}:{version.lower().replace('.', '')}"
        b.add(ref, version, CryptoProperties(
            asset_type=CryptoAssetType.PROTOCOL, protocol_properties=ProtocolProperties(
                type=ProtocolPropertiesType.TLS, version=version.removeprefix("TLSv"),
                cipher_suites=proto_suites, crypto_refs=[BomRef(r) for r in kex + certs])))
        b.depend(sid, [ref])
        b.depend(ref, kex + certs + [str(a) for s in proto_suites for a in s.algorithms])
    return service


def build_bom(report: Mapping[str, Any]) -> Bom:
    b = Builder()
    services = [_endpoint(b, ep) for ep in report.get("endpoints") or []]
    targets = ",".join(str(ep.get("target")) for ep in report.get("endpoints") or [])
    bom = Bom(components=list(b.components.values()), services=services,
              serial_number=uuid.uuid5(uuid.NAMESPACE_URL,
                                       f"pqscan:{report.get('started_at')}:{targets}"))
    stamp = _time(report.get("finished_at"))
    if stamp:
        bom.metadata.timestamp = stamp
    by_ref: dict[str, Dependable] = {**{str(c.bom_ref): c for c in b.components.values()},
                                     **{str(s.bom_ref): s for s in services}}
    for ref in sorted(b.deps):
        bom.register_dependency(by_ref[ref], [by_ref[d] for d in sorted(b.deps[ref])])
    return bom


def render_cbom(report: Mapping[str, Any]) -> str:
    return JsonV1Dot6(build_bom(report)).output_as_string(indent=2) + "\n"
