"""The SSH algorithm registry: key exchange, host key, cipher and MAC names with their family,
components and source, read once from `pqscan/data/ssh-algorithms.json`, plus the default
algorithm lists of the client behaviours (OpenSSH 10 / 9 / classical-only).

Unknown names survive (family "unknown"): a scan reports what the server said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

FAMILIES = ("classical", "hybrid", "pure_pq", "pre_standard", "composite", "unknown")
PQ_FAMILIES = frozenset({"hybrid", "pure_pq", "pre_standard", "composite"})


@dataclass(frozen=True, slots=True)
class KexMethod:
    name: str
    family: str
    components: tuple[str, ...]
    hash: str
    source: str
    sha1: bool = False
    implemented: bool = True
    dh_group: int | None = None
    dh_bits: int | None = None
    gex: bool = False
    rsa_transport: bool = False

    @property
    def is_pq(self) -> bool:
        return self.family in PQ_FAMILIES


@dataclass(frozen=True, slots=True)
class HostKeyAlgorithm:
    name: str
    key_type: str  # the key blob's type name (rsa-sha2-256 signs with an "ssh-rsa" key)
    family: str
    source: str
    certificate: bool = False
    signs_as: str | None = None  # a certificate's plain signature algorithm
    sha1: bool = False
    implemented: bool = True

    @property
    def quantum_vulnerable(self) -> bool | None:
        if self.family == "unknown":
            return None
        return self.family == "classical"


@dataclass(frozen=True, slots=True)
class SymmetricAlgorithm:
    name: str
    weak: bool | None
    source: str


@dataclass(frozen=True, slots=True)
class ClientProfile:
    name: str
    title: str
    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    source: str


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("pqscan.data").joinpath("ssh-algorithms.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def _kex() -> dict[str, KexMethod]:
    return {e["name"]: KexMethod(**{**e, "components": tuple(e["components"])})
            for e in _data()["kex"]}


@lru_cache(maxsize=1)
def _host_keys() -> dict[str, HostKeyAlgorithm]:
    return {e["name"]: HostKeyAlgorithm(**e) for e in _data()["host_key"]}


@lru_cache(maxsize=1)
def _symmetric(kind: str) -> dict[str, SymmetricAlgorithm]:
    return {e["name"]: SymmetricAlgorithm(**e) for e in _data()[kind]}


def kex_method(name: str) -> KexMethod:
    return _kex().get(name) or KexMethod(name, "unknown", (), "", "not in pqscan's registry",
                                         implemented=False)


def host_key_algorithm(name: str) -> HostKeyAlgorithm:
    known = _host_keys().get(name)
    if known:
        return known
    cert = name.endswith("-cert-v01@openssh.com")
    return HostKeyAlgorithm(name, name, "unknown", "not in pqscan's registry", certificate=cert,
                            implemented=False)


def cipher(name: str) -> SymmetricAlgorithm:
    return _symmetric("cipher").get(name) or SymmetricAlgorithm(name, None, "not in registry")


def mac(name: str) -> SymmetricAlgorithm:
    return _symmetric("mac").get(name) or SymmetricAlgorithm(name, None, "not in registry")


def marker(name: str) -> str | None:
    """What a pseudo-algorithm in the kex list signals (strict KEX, ext-info), else None."""
    value = _data()["markers"].get(name)
    return str(value) if value is not None else None


@lru_cache(maxsize=1)
def client_profiles() -> dict[str, ClientProfile]:
    return {name: ClientProfile(name, e["title"], tuple(e["kex"]), tuple(e["host_key"]),
                                e["source"]) for name, e in _data()["clients"].items()}


def all_kex_methods() -> list[KexMethod]:
    return list(_kex().values())


def all_host_key_algorithms() -> list[HostKeyAlgorithm]:
    return list(_host_keys().values())
