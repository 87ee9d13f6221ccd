"""The lab PKI: throw-away roots and leaf certificates for the lab servers.

Each certificate *kind* ("rsa", "ecdsa-p256", "mldsa87", "mldsa65") is one root plus one leaf of
the same algorithm family.  Leaves carry SAN DNS:localhost and IP:127.0.0.1; the chain file holds
leaf then root, so servers send the root too (RFC 8446 §4.4.2 allows a server to include the
trust anchor; the lab does so on purpose so scanners see every algorithm in the path).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pqscan.lab.hostile_names import HOSTILE_DNS_NAMES, hostile_name

# certificate kind -> public-key algorithm name in JSON-contract words
_KINDS: dict[str, str] = {
    "rsa": "RSA",
    "ecdsa-p256": "ECDSA P-256",
    "mldsa87": "ML-DSA-87",
    "mldsa65": "ML-DSA-65",
    "hostile": "ECDSA P-256",  # subject fields from pqscan.lab.hostile
}
CERT_KINDS: tuple[str, ...] = tuple(_KINDS)

_VALIDITY = datetime.timedelta(days=30)


@dataclass(frozen=True)
class CertBundle:
    """Files of one certificate kind: PEM chain (leaf, root), leaf key, root certificate."""

    kind: str
    chain_pem: Path
    key_pem: Path
    root_pem: Path
    algorithm: str

    def to_dict(self) -> dict[str, str]:
        """JSON view (paths as strings)."""
        return {
            "kind": self.kind,
            "chain_pem": str(self.chain_pem),
            "key_pem": str(self.key_pem),
            "root_pem": str(self.root_pem),
            "algorithm": self.algorithm,
        }


def algorithm_name(kind: str) -> str:
    """Public-key algorithm name (JSON-contract words) of a certificate kind."""
    if not isinstance(kind, str):
        raise TypeError(f"certificate kind must be str, not {type(kind).__name__}")
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown certificate kind {kind!r}; known: {', '.join(_KINDS)}") from None


def _new_key(kind: str, leaf: bool) -> Any:
    if kind == "rsa":
        # RSA-3072 root, RSA-2048 leaf: the common real-world pairing.
        return rsa.generate_private_key(public_exponent=65537, key_size=2048 if leaf else 3072)
    if kind in ("ecdsa-p256", "hostile"):
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "mldsa87":
        return mldsa.MLDSA87PrivateKey.generate()
    if kind == "mldsa65":
        return mldsa.MLDSA65PrivateKey.generate()
    raise ValueError(f"unknown certificate kind {kind!r}")


def _hash_for(kind: str) -> hashes.SHA256 | None:
    # ML-DSA signs the message itself (FIPS 204 §5.2; RFC 9881 §3): no separate hash.
    return None if kind.startswith("mldsa") else hashes.SHA256()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pqscan lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _dns_names(kind: str) -> list[x509.GeneralName]:
    if kind == "hostile":
        return [x509.DNSName(n) for n in HOSTILE_DNS_NAMES]
    return [x509.DNSName("localhost")]


def _build(
    subject: x509.Name, issuer: x509.Name, public_key: Any, signer: Any, kind: str, is_ca: bool,
    client: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if is_ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    elif client:
        # a client key signs CertificateVerify only; EKU clientAuth (RFC 5280 §4.2.1.12)
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    else:
        # RFC 5280 §4.2.1.3: a TLS 1.3 server key only signs (digitalSignature); RSA leaves may
        # also be used for TLS 1.2 RSA key transport, which needs keyEncipherment.
        usage = x509.KeyUsage(True, False, kind == "rsa", False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [*_dns_names(kind), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    builder = builder.add_extension(usage, critical=True)
    return builder.sign(signer, _hash_for(kind))


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def generate_kind(directory: Path, kind: str) -> CertBundle:
    """Create root + leaf of one kind in `directory` and return the file bundle."""
    algorithm = algorithm_name(kind)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    root_key = _new_key(kind, leaf=False)
    leaf_key = _new_key(kind, leaf=True)
    root_name = _name(f"pqscan lab {algorithm} root")
    root = _build(root_name, root_name, root_key.public_key(), root_key, kind, is_ca=True)
    leaf_name = _name("localhost")
    if kind == "hostile":
        leaf_name = hostile_name()
    leaf = _build(leaf_name, root_name, leaf_key.public_key(), root_key, kind, is_ca=False)
    chain_pem = directory / f"{kind}-chain.pem"
    key_pem = directory / f"{kind}-key.pem"
    root_pem = directory / f"{kind}-root.pem"
    chain_pem.write_bytes(_pem(leaf) + _pem(root))
    root_pem.write_bytes(_pem(root))
    key_pem.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_pem.chmod(0o600)
    return CertBundle(kind, chain_pem, key_pem, root_pem, algorithm)


CLIENT_KINDS: tuple[str, ...] = ("mldsa44", "mldsa65", "mldsa87", "ecdsa-p256")


@dataclass(frozen=True)
class ClientPKI:
    """The lab's client-certificate authority (an ML-DSA-65 root) and one client per kind."""

    root_pem: Path
    clients: dict[str, tuple[Path, Path]]  # kind -> (chain PEM, key PEM)


def _client_key(kind: str) -> Any:
    if kind == "mldsa44":
        return mldsa.MLDSA44PrivateKey.generate()
    return _new_key(kind, leaf=True)


def generate_client_pki(directory: Path) -> ClientPKI:
    """Create the client CA and ML-DSA-44/65/87 + ECDSA P-256 client certificates."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    root_key = mldsa.MLDSA65PrivateKey.generate()
    root_name = _name("pqscan lab client CA (ML-DSA-65)")
    root = _build(root_name, root_name, root_key.public_key(), root_key, "mldsa65", is_ca=True)
    root_pem = directory / "client-root.pem"
    root_pem.write_bytes(_pem(root))
    clients: dict[str, tuple[Path, Path]] = {}
    for kind in CLIENT_KINDS:
        key = _client_key(kind)
        leaf = _build(_name(f"pqscan lab client {kind}"), root_name, key.public_key(), root_key,
                      "mldsa65", is_ca=False, client=True)
        chain_pem = directory / f"client-{kind}-chain.pem"
        key_pem = directory / f"client-{kind}-key.pem"
        chain_pem.write_bytes(_pem(leaf) + _pem(root))
        key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        key_pem.chmod(0o600)
        clients[kind] = (chain_pem, key_pem)
    return ClientPKI(root_pem, clients)


def generate_pki(directory: Path, kinds: tuple[str, ...] = CERT_KINDS) -> dict[str, CertBundle]:
    """Create every requested kind in `directory`; returns kind -> bundle."""
    return {kind: generate_kind(Path(directory), kind) for kind in kinds}
