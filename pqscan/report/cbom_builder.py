"""The CBOM builder: CycloneDX components and dependencies collected while walking a report,
shared by the TLS (report.cbom) and SSH (report.cbom_ssh) parts, and the quantum levels."""

from __future__ import annotations

from collections.abc import Iterable

from cyclonedx.model import Property
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CryptoAssetType,
    CryptoPrimitive,
    CryptoProperties,
)
from cyclonedx.model.service import Service

from pqscan.model.view import safe_id

MLKEM_LEVEL = {"512": 1, "768": 3, "1024": 5}      # FIPS 203 §8 Table 2
MLDSA_LEVEL = {"44": 2, "65": 3, "87": 5}          # FIPS 204 §4 Table 1
AES_LEVEL = {128: 1, 192: 3, 256: 5}               # NIST PQC call: AES-128/192/256 = 1/3/5


class Builder:
    def __init__(self) -> None:
        self.components: dict[str, Component] = {}
        self.deps: dict[str, set[str]] = {}
        self.services: list[Service] = []

    def add(self, ref: str, name: str, crypto: CryptoProperties,
            props: Iterable[tuple[str, str]] = ()) -> str:
        if ref not in self.components:
            self.components[ref] = Component(
                type=ComponentType.CRYPTOGRAPHIC_ASSET, name=name, bom_ref=ref,
                crypto_properties=crypto,
                properties=[Property(name=k, value=v) for k, v in props])
        return ref

    def depend(self, ref: str, on: Iterable[str]) -> None:
        self.deps.setdefault(ref, set()).update(on)

    def algorithm(self, name: str, primitive: CryptoPrimitive, parameter_set: str | None,
                  level: int | None, oid: str | None = None, status: str | None = None) -> str:
        return self.add(f"alg:{safe_id(name).lower()}", name, CryptoProperties(
            asset_type=CryptoAssetType.ALGORITHM, oid=oid,
            algorithm_properties=AlgorithmProperties(
                primitive=primitive, parameter_set_identifier=parameter_set,
                nist_quantum_security_level=level)),
            [("pqscan:status", status)] if status else [])
