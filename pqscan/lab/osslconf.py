"""The OPENSSL_CONF file text: one process-wide TLS configuration for an OpenSSL process.

pyOpenSSL cannot set groups per context, so the lab (servers) and its test clients restrict
groups, protocol range and cipher lists through the ``system_default`` section that OpenSSL
applies to every SSL_CTX it creates (OpenSSL config(5), "SSL Configuration Module").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# pqscan / JSON-contract version names -> OpenSSL SSL_CONF "MinProtocol"/"MaxProtocol" words.
PROTOCOLS: tuple[str, ...] = ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_OPENSSL_PROTOCOL = {"TLSv1.0": "TLSv1", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2",
                     "TLSv1.3": "TLSv1.3"}


def openssl_protocol(version: str) -> str:
    """OpenSSL's spelling of a protocol version name ("TLSv1.0" -> "TLSv1")."""
    if not isinstance(version, str):
        raise TypeError(f"version must be str, not {type(version).__name__}")
    try:
        return _OPENSSL_PROTOCOL[version]
    except KeyError:
        known = ", ".join(PROTOCOLS)
        raise ValueError(f"unknown TLS version {version!r}; known: {known}") from None


@dataclass(frozen=True)
class OpenSSLConf:
    """The knobs one OpenSSL process gets; None leaves OpenSSL's default in place."""

    groups: str | None = None
    min_version: str | None = None
    max_version: str | None = None
    cipher_string: str | None = None
    ciphersuites: str | None = None
    signature_algorithms: str | None = None

    def text(self) -> str:
        """The config file contents."""
        lines = [
            "openssl_conf = openssl_init",
            "",
            "[openssl_init]",
            "ssl_conf = ssl_sect",
            "",
            "[ssl_sect]",
            "system_default = system_default_sect",
            "",
            "[system_default_sect]",
        ]
        if self.groups is not None:
            lines.append(f"Groups = {self.groups}")
        if self.min_version is not None:
            lines.append(f"MinProtocol = {openssl_protocol(self.min_version)}")
        if self.max_version is not None:
            lines.append(f"MaxProtocol = {openssl_protocol(self.max_version)}")
        if self.cipher_string is not None:
            lines.append(f"CipherString = {self.cipher_string}")
        if self.ciphersuites is not None:
            lines.append(f"Ciphersuites = {self.ciphersuites}")
        if self.signature_algorithms is not None:
            lines.append(f"SignatureAlgorithms = {self.signature_algorithms}")
        return "\n".join(lines) + "\n"

    def write(self, path: Path) -> Path:
        """Write the file and return its path."""
        path = Path(path)
        path.write_text(self.text())
        return path

    def to_dict(self) -> dict[str, str | None]:
        """JSON view."""
        return {
            "groups": self.groups,
            "min_version": self.min_version,
            "max_version": self.max_version,
            "cipher_string": self.cipher_string,
            "ciphersuites": self.ciphersuites,
            "signature_algorithms": self.signature_algorithms,
        }
