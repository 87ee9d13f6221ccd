"""The SSH part of the CBOM (issue 15): one CycloneDX `protocol` component of type ssh per SSH
endpoint, depending on its key-exchange, host key, cipher and MAC algorithm components.

Key-exchange methods are the protocol's "cipher suites" (SSH has no suites; each listed method
is one entry, in server order); hybrids are combiners depending on their ML-KEM part (FIPS 203
§8 category), classical methods are key agreement at quantum level 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.crypto import (
    CryptoAssetType,
    CryptoPrimitive,
    CryptoProperties,
    ProtocolProperties,
    ProtocolPropertiesCipherSuite,
    ProtocolPropertiesType,
)

from pqscan.report.cbom_builder import MLDSA_LEVEL, MLKEM_LEVEL, Builder
from pqscan.report.ssh_view import ssh


def _kex(b: Builder, name: str, entry: Mapping[str, Any]) -> str:
    family = str(entry.get("family"))
    sizes = [m.group(1) for c in entry.get("components") or []
             if (m := re.fullmatch(r"ML-KEM-(512|768|1024)", str(c)))]
    props = [("pqscan:family", family), ("pqscan:confirmed", str(entry.get("confirmed")))]
    if family == "classical":
        return b.add(f"alg:ssh-kex-{name}", name, CryptoProperties(
            asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=_props(
                CryptoPrimitive.KEY_AGREE, None, 0)), props)
    level = MLKEM_LEVEL[sizes[0]] if sizes else None
    ref = b.add(f"alg:ssh-kex-{name}", name, CryptoProperties(
        asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=_props(
            CryptoPrimitive.COMBINER if family in ("hybrid", "pre_standard")
            else CryptoPrimitive.KEM, sizes[0] if sizes else None, level)), props)
    if sizes:
        size = sizes[0]
        b.depend(ref, [b.algorithm(f"ML-KEM-{size}", CryptoPrimitive.KEM, size,
                                   MLKEM_LEVEL[size], f"2.16.840.1.101.3.4.4."
                                   f"{list(MLKEM_LEVEL).index(size) + 1}")])
    return ref


def _props(primitive: CryptoPrimitive, parameter_set: str | None, level: int | None) -> Any:
    from cyclonedx.model.crypto import AlgorithmProperties
    return AlgorithmProperties(primitive=primitive, parameter_set_identifier=parameter_set,
                               nist_quantum_security_level=level)


def _host_key(b: Builder, key: Mapping[str, Any]) -> str:
    name = str(key.get("key_type"))
    m = re.fullmatch(r"ssh-mldsa-(44|65|87)", name)
    level = MLDSA_LEVEL[m.group(1)] if m else (0 if key.get("quantum_vulnerable") else None)
    size = key.get("size_bits")
    return b.add(f"alg:ssh-hostkey-{name}-{size}", f"{name} {size or ''}".strip(),
                 CryptoProperties(asset_type=CryptoAssetType.ALGORITHM,
                                  algorithm_properties=_props(CryptoPrimitive.SIGNATURE,
                                                              str(size) if size else None, level)),
                 [("pqscan:fingerprint_sha256", str(key.get("fingerprint_sha256")))])


def add_ssh_protocol(b: Builder, ep: Mapping[str, Any], sid: str) -> None:
    s = ssh(ep)
    kex = {n: _kex(b, n, e) for n, e in (s.get("kex_algorithms") or {}).items()
           if isinstance(e, Mapping)}
    keys = [_host_key(b, k) for k in s.get("host_keys") or []
            if isinstance(k, Mapping) and k.get("status") == "fetched"]
    ciphers = [b.algorithm(c, CryptoPrimitive.AE if "gcm" in c or "poly1305" in c
                           else CryptoPrimitive.BLOCK_CIPHER, None, None)
               for c in (s.get("ciphers") or {}).get("server_to_client") or []]
    macs = [b.algorithm(m, CryptoPrimitive.MAC, None, None)
            for m in (s.get("macs") or {}).get("server_to_client") or []]
    suites = [ProtocolPropertiesCipherSuite(name=n, algorithms=[BomRef(r)])
              for n, r in kex.items()]
    ref = f"proto:{sid.split(':', 1)[1]}:ssh2"
    deps = [*kex.values(), *keys, *ciphers, *macs]
    b.add(ref, "SSH-2.0", CryptoProperties(
        asset_type=CryptoAssetType.PROTOCOL, protocol_properties=ProtocolProperties(
            type=ProtocolPropertiesType.SSH, version="2.0", cipher_suites=suites,
            crypto_refs=[BomRef(r) for r in deps])))
    b.depend(sid, [ref])
    b.depend(ref, deps)
