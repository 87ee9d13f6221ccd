"""The SSH engine, method by method, against real servers: every key exchange Debian's OpenSSH
9.2 sshd has (`ssh -Q kex`), the ML-KEM NIST-curve hybrids, curve448 and MODP 15/17 on asyncssh,
and every host key algorithm — each exchange must complete with a verified signature over H."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from pqscan.lab.ssh_lab import SSHD, SSHLab
from pqscan.lab.ssh_spec import SSHServerSpec
from pqscan.ssh.exchange import ExchangeRequest, ExchangeResult, run_exchange
from pqscan.ssh.kex import available
from pqscan.tls.transport import Limits

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _ssh_q(what: str) -> list[str]:
    return subprocess.run(["ssh", "-Q", what], capture_output=True, text=True,
                          check=True).stdout.split()


SSHD_KEX = _ssh_q("kex") if SSHD else []
ASYNCSSH_KEX = ("mlkem768nistp256-sha256", "mlkem1024nistp384-sha384", "curve448-sha512",
                "diffie-hellman-group15-sha512", "diffie-hellman-group17-sha512",
                "mlkem768x25519-sha256")
HOST_KEY_ALGORITHMS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                       "ecdsa-sha2-nistp521", "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa",
                       "ssh-ed25519-cert-v01@openssh.com")


@pytest.fixture(scope="module")
def engine_lab() -> Iterator[SSHLab]:
    pytest.importorskip("asyncssh")
    if SSHD is None:
        pytest.skip("sshd not installed (apt-get install openssh-server; .ci/run does)")
    specs = (
        SSHServerSpec("sshd-all", "sshd", tuple(SSHD_KEX),
                      host_keys=("ed25519", "ecdsa", "ecdsa384", "ecdsa521", "rsa"),
                      certificate=True,
                      sshd_options=("HostKeyAlgorithms +ssh-rsa",)),
        SSHServerSpec("asyncssh-all", "asyncssh", ASYNCSSH_KEX, host_keys=("ed25519",)),
    )
    with SSHLab(specs) as running:
        yield running


def _run(lab: SSHLab, name: str, kex: str, host_key: str = "ssh-ed25519") -> ExchangeResult:
    ep = lab.endpoint(name)
    return asyncio.run(run_exchange(ep.host, ep.port, ExchangeRequest((kex,), (host_key,)),
                                    Limits(10, 10), 30))


def test_debian_sshd_lists_what_we_test() -> None:
    # the sntrup761 names and the MODP/ECDH/curve25519 families are all in Debian's build
    assert {"sntrup761x25519-sha512@openssh.com", "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group18-sha512", "diffie-hellman-group1-sha1"} <= set(SSHD_KEX)


@pytest.mark.parametrize("kex", SSHD_KEX)
def test_every_sshd_method_completes_and_verifies(engine_lab: SSHLab, kex: str) -> None:
    if not available(kex):
        pytest.skip(f"{kex}: no client here (sntrup761 needs pqscan[sntrup])")
    result = _run(engine_lab, "sshd-all", kex)
    assert result.confirmed, result.reason
    assert result.kex == kex and result.host_key_algorithm == "ssh-ed25519"


@pytest.mark.parametrize("kex", ASYNCSSH_KEX)
def test_asyncssh_methods_complete_and_verify(engine_lab: SSHLab, kex: str) -> None:
    result = _run(engine_lab, "asyncssh-all", kex)
    assert result.confirmed, result.reason


@pytest.mark.parametrize("algorithm", HOST_KEY_ALGORITHMS)
def test_every_host_key_algorithm(engine_lab: SSHLab, algorithm: str) -> None:
    result = _run(engine_lab, "sshd-all", "curve25519-sha256", algorithm)
    assert result.confirmed, result.reason
    assert result.host_key is not None
    sizes: dict[str, Any] = {"ecdsa-sha2-nistp384": 384, "ecdsa-sha2-nistp521": 521,
                             "ssh-rsa": 3072, "rsa-sha2-256": 3072, "rsa-sha2-512": 3072}
    assert result.host_key.size_bits == sizes.get(algorithm, 256)


def test_gex_group_in_requested_range(engine_lab: SSHLab) -> None:
    ep = engine_lab.endpoint("sshd-all")
    request = ExchangeRequest(("diffie-hellman-group-exchange-sha256",), ("ssh-ed25519",),
                              gex_sizes=(2048, 3072, 4096))
    result = asyncio.run(run_exchange(ep.host, ep.port, request, Limits(10, 10), 30))
    assert result.confirmed, result.reason


def test_no_common_method_is_refused_with_the_server_list(engine_lab: SSHLab) -> None:
    result = _run(engine_lab, "asyncssh-all", "ecdh-sha2-nistp256")
    assert result.outcome == "refused" and result.reason == "no common key exchange method"
    assert result.server_kexinit is not None
    assert "mlkem1024nistp384-sha384" in result.server_kexinit.kex
