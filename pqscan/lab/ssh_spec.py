"""The SSH lab: real SSH servers (OpenSSH sshd, asyncssh, paramiko) with known configurations
and the truth a scanner must find (`SSHExpected`, JSON-contract words).

`negotiated` is what the three client behaviours get (pqscan.registry.ssh client profiles,
RFC 4253 §7.1 client-preference negotiation); tests/lab/test_ssh_lab.py re-checks the server
lists with independent clients (`ssh -vvv`/`ssh -Q` for sshd, asyncssh as a client).
"""

from __future__ import annotations

from dataclasses import dataclass

SSH_IMPLEMENTATIONS = ("sshd", "asyncssh", "paramiko")
HOST_KEY_KINDS = ("ed25519", "ecdsa", "rsa")
ALL_HOST_KEY_KINDS = HOST_KEY_KINDS + ("ecdsa384", "ecdsa521")


@dataclass(frozen=True)
class SSHExpected:
    kex_state: str
    readiness: str
    openssh_10: str | None  # None: refused
    openssh_9: str | None
    classical_only: str | None
    pq_methods: tuple[str, ...]  # PQ methods the server lists


@dataclass(frozen=True)
class SSHServerSpec:
    name: str
    implementation: str
    kex: tuple[str, ...] | None  # None: the implementation's defaults
    host_keys: tuple[str, ...] = HOST_KEY_KINDS
    certificate: bool = False  # also an ed25519 host certificate signed by a lab CA
    expected: SSHExpected | None = None
    sshd_options: tuple[str, ...] = ()  # extra sshd_config lines (e.g. "HostKeyAlgorithms +...")

    def __post_init__(self) -> None:
        if self.implementation not in SSH_IMPLEMENTATIONS:
            raise ValueError(f"unknown SSH implementation {self.implementation!r}")
        for kind in self.host_keys:
            if kind not in ALL_HOST_KEY_KINDS:
                raise ValueError(f"unknown host key kind {kind!r}")

    @property
    def kex_text(self) -> str:
        return ",".join(self.kex) if self.kex else "(defaults)"


_CLASSICAL = ("curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256")

DEFAULT_SSH_LAB: tuple[SSHServerSpec, ...] = (
    # Debian's OpenSSH 9.2 defaults: sntrup761x25519 first, no ML-KEM (added in 9.9)
    SSHServerSpec("sshd-default", "sshd", None, certificate=True, expected=SSHExpected(
        "K1", "pq_default", "sntrup761x25519-sha512", "sntrup761x25519-sha512",
        "curve25519-sha256",
        ("sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"))),
    SSHServerSpec("sshd-classical", "sshd", _CLASSICAL, expected=SSHExpected(
        "K3", "classical_only", "curve25519-sha256", "curve25519-sha256", "curve25519-sha256",
        ())),
    SSHServerSpec("sshd-legacy", "sshd", ("diffie-hellman-group14-sha1",),
                  host_keys=("rsa",), expected=SSHExpected(
                      "K4", "legacy", None, None, None, ())),
    SSHServerSpec("asyncssh-mlkem768x25519", "asyncssh", ("mlkem768x25519-sha256",),
                  expected=SSHExpected("K0", "pq_enforced", "mlkem768x25519-sha256",
                                       "mlkem768x25519-sha256", None,
                                       ("mlkem768x25519-sha256",))),
    SSHServerSpec("asyncssh-mlkem1024nistp384", "asyncssh", ("mlkem1024nistp384-sha384",),
                  host_keys=("ecdsa",), expected=SSHExpected(
                      "K0", "pq_enforced", None, None, None, ("mlkem1024nistp384-sha384",))),
    # PQ listed, but not a method current OpenSSH clients offer: they get curve25519
    SSHServerSpec("asyncssh-mixed", "asyncssh",
                  ("mlkem1024nistp384-sha384", "mlkem768nistp256-sha256", "curve25519-sha256",
                   "ecdh-sha2-nistp256"),
                  expected=SSHExpected("K2", "pq_not_preferred", "curve25519-sha256",
                                       "curve25519-sha256", "curve25519-sha256",
                                       ("mlkem1024nistp384-sha384",
                                        "mlkem768nistp256-sha256"))),
    SSHServerSpec("paramiko-default", "paramiko", None, host_keys=("ed25519", "rsa"),
                  expected=SSHExpected("K1", "pq_default", "mlkem768x25519-sha256",
                                       "mlkem768x25519-sha256", "curve25519-sha256@libssh.org",
                                       ("mlkem768x25519-sha256",))),
)


def ssh_spec_by_name(specs: tuple[SSHServerSpec, ...], names: list[str]
                     ) -> tuple[SSHServerSpec, ...]:
    known = {s.name: s for s in specs}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"unknown SSH lab server(s) {', '.join(missing)} "
                         f"(known: {', '.join(known)})")
    return tuple(known[n] for n in names)
