"""The lab server specification: one server's configuration and the truth a scanner must find.

`Expected` holds that truth in JSON-contract words (docs/json-contract.md). Every value in
`DEFAULT_LAB` was observed with independent clients (tests/lab/test_lab.py re-checks each one on
every run), not derived from the configuration.

The three client behaviours are TLS 1.3-only ClientHellos (JSON contract "negotiated"):
browser_like lists [X25519MLKEM768, x25519, secp256r1, secp384r1] with shares for the first two;
x25519_share_first lists the same with only an x25519 share; classical_only lists
[x25519, secp256r1, secp384r1, secp521r1, x448, ffdhe2048, ffdhe3072] with an x25519 share.
"""

from __future__ import annotations

from dataclasses import dataclass

from pqscan.lab.certs import CERT_KINDS, algorithm_name
from pqscan.lab.osslconf import PROTOCOLS
from pqscan.lab.starttls_front import FRONTS

IMPLEMENTATIONS: tuple[str, ...] = ("openssl", "tlslite")
KEX_STATES: tuple[str, ...] = ("K0", "K1", "K2", "K3", "K4", "K5")


def _check_names(field: str, values: tuple[str, ...], known: tuple[str, ...]) -> None:
    if not isinstance(values, tuple):
        raise TypeError(f"{field} must be a tuple, not {type(values).__name__}")
    for value in values:
        if value not in known:
            raise ValueError(f"{field}: unknown value {value!r}")


@dataclass(frozen=True)
class Expected:
    """What a correct scanner reports for one lab server (JSON-contract names)."""

    supported_versions: tuple[str, ...]
    groups: tuple[str, ...]                # TLS 1.3 supported groups, IANA names
    group_preference: tuple[str, ...] | None  # None: the order follows the client (not meaningful)
    preferred_group: str | None            # first choice whatever the client's order, if any
    browser_like: str | None
    x25519_share_first: str | None
    classical_only: str | None
    kex_state: str
    rsa_key_transport: bool
    tls12_ecdhe_curves: tuple[str, ...]
    ffdhe: bool                            # TLS 1.2 DHE (finite-field) key exchange accepted
    chain_algorithms: tuple[str, ...]      # leaf first, client with OpenSSL 4 default sigalgs
    classical_chain_algorithms: tuple[str, ...] | None  # client offering no ML-DSA sigalgs
    note: str = ""

    def __post_init__(self) -> None:
        _check_names("supported_versions", self.supported_versions, PROTOCOLS)
        if self.kex_state not in KEX_STATES:
            raise ValueError(f"kex_state: unknown value {self.kex_state!r}")
        if not isinstance(self.rsa_key_transport, bool) or not isinstance(self.ffdhe, bool):
            raise TypeError("rsa_key_transport and ffdhe must be bool")

    @property
    def versions(self) -> dict[str, str]:
        """{"TLSv1.0": "supported" | "not_supported", ...} for all four versions."""
        return {
            v: "supported" if v in self.supported_versions else "not_supported" for v in PROTOCOLS
        }

    @property
    def negotiated(self) -> dict[str, str | None]:
        """Group each client behaviour ends on (None = refused)."""
        return {
            "browser_like": self.browser_like,
            "x25519_share_first": self.x25519_share_first,
            "classical_only": self.classical_only,
        }

    @property
    def hrr_x25519_share_first(self) -> bool | None:
        """Did the server retry (HRR) the x25519-share-first client up to another group?"""
        if self.x25519_share_first is None:
            return None
        return self.x25519_share_first != "x25519"

    def to_dict(self) -> dict[str, object]:
        """JSON view in contract words."""
        return {
            "versions": self.versions,
            "groups": list(self.groups),
            "group_preference": None if self.group_preference is None
            else list(self.group_preference),
            "preferred_group": self.preferred_group,
            "negotiated": self.negotiated,
            "hrr": {"x25519_share_first": self.hrr_x25519_share_first},
            "kex_state": self.kex_state,
            "rsa_key_transport": self.rsa_key_transport,
            "tls12_ecdhe_curves": list(self.tls12_ecdhe_curves),
            "ffdhe": self.ffdhe,
            "chain_algorithms": list(self.chain_algorithms),
            "classical_chain_algorithms": None if self.classical_chain_algorithms is None
            else list(self.classical_chain_algorithms),
            "note": self.note,
        }


@dataclass(frozen=True)
class ServerSpec:
    """One lab server: implementation, configuration and expected truth.

    `groups` uses the implementation's own syntax (OpenSSL: ':' within a tuple, '/' between
    tuples; tlslite: comma-separated tlslite names).  `cipher_string` is the OpenSSL TLS 1.2
    CipherString, or for tlslite the comma-separated TLS <= 1.2 key-exchange names.
    """

    name: str
    implementation: str
    groups: str
    min_version: str
    max_version: str
    cipher_string: str | None
    ciphersuites: str | None
    cert_kinds: tuple[str, ...]
    expected: Expected
    description: str = ""
    client_auth: bool = False  # request and require a client certificate (lab client CA)
    # STARTTLS fronts (pqscan.lab.starttls_front.FRONTS), one port each, in this order, all
    # with this spec's TLS; () = one implicit-TLS port per copy
    starttls: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not isinstance(self.groups, str):
            raise TypeError("name and groups must be str")
        if not self.name or any(c in self.name for c in " ,/"):
            raise ValueError(f"bad server name {self.name!r}")
        if self.implementation not in IMPLEMENTATIONS:
            raise ValueError(f"{self.name}: unknown implementation {self.implementation!r}")
        _check_names(f"{self.name}: cert_kinds", self.cert_kinds, CERT_KINDS)
        if not self.cert_kinds:
            raise ValueError(f"{self.name}: needs at least one certificate kind")
        if self.implementation == "tlslite" and len(self.cert_kinds) != 1:
            raise ValueError(f"{self.name}: the tlslite server serves exactly one certificate")
        _check_names(f"{self.name}: versions", (self.min_version, self.max_version), PROTOCOLS)
        _check_names(f"{self.name}: starttls", self.starttls, FRONTS)
        if PROTOCOLS.index(self.min_version) > PROTOCOLS.index(self.max_version):
            raise ValueError(f"{self.name}: min_version above max_version")

    @property
    def needs_dhparam(self) -> bool:
        """Does the TLS 1.2 configuration enable finite-field DHE?"""
        return self.implementation == "openssl" and "DHE" in (self.cipher_string or "").replace(
            "ECDHE", "")

    @property
    def versions_text(self) -> str:
        """"TLSv1.2-TLSv1.3" style range."""
        if self.min_version == self.max_version:
            return self.min_version
        return f"{self.min_version}-{self.max_version}"

    @property
    def certificate_text(self) -> str:
        """Served certificate algorithms, e.g. "ECDSA P-256 + ML-DSA-65"."""
        return " + ".join(algorithm_name(kind) for kind in self.cert_kinds)

    def to_dict(self) -> dict[str, object]:
        """JSON view."""
        return {
            "name": self.name,
            "implementation": self.implementation,
            "groups": self.groups,
            "min_version": self.min_version,
            "max_version": self.max_version,
            "cipher_string": self.cipher_string,
            "ciphersuites": self.ciphersuites,
            "cert_kinds": list(self.cert_kinds),
            "description": self.description,
            "client_auth": self.client_auth,
            "starttls": list(self.starttls),
            "expected": self.expected.to_dict(),
        }


def spec_by_name(specs: tuple[ServerSpec, ...], names: list[str]) -> tuple[ServerSpec, ...]:
    """Pick specs by name, keeping `names` order; ValueError names the unknown one."""
    index = {spec.name: spec for spec in specs}
    picked = []
    for name in names:
        if name not in index:
            raise ValueError(f"unknown lab server {name!r}; known: {', '.join(index)}")
        picked.append(index[name])
    return tuple(picked)
