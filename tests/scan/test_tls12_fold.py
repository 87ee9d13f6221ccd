"""Issue 13 item 4: the ECDHE curve elimination folded into the TLS 1.2 suite elimination
(`pqscan.scan.probes.tls12_chain`) learns the same facts as the two eliminations apart.

On real servers — Debian nginx (ECDSA and RSA, client order), the OpenSSL lab servers and
OpenSSL with `Options = ServerPreference` and a non-default curve list (RSA and ECDSA
certificates) — both ways run against the same server: the same suites in the same order, the
same curve statuses and order, in fewer connections. Scripted peers (tests/fakepeer.py) lie in
the folded round: a curve that was not offered, or an ECDHE suite without a
ServerKeyExchange, leaves the curves inconclusive with the reason, never not_supported.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fakepeer
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pqscan.lab import LabEndpoint
from pqscan.lab.certs import generate_kind
from pqscan.lab.lab import child_env, stop_process
from pqscan.lab.osslconf import OpenSSLConf
from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED
from pqscan.scan.context import ProbeContext, ScanOptions
from pqscan.scan.probes.suites import check_tls12_suites
from pqscan.scan.probes.tls12 import ECDHE_CURVES, eliminate_curves
from pqscan.scan.probes.tls12_chain import eliminate_tls12
from pqscan.scan.probes.versions import check_versions, tls12_groups
from pqscan.tls.messages import TLS12

pytestmark = pytest.mark.lab
LAB_NAMES = ("tls12-only", "tls12-ecdhe", "dual-cert", "classical")
# (certificate kind, Groups, CipherString): server cipher order, curves not OpenSSL's default
SERVER_ORDER = {
    "server-order-rsa": ("rsa", "secp384r1:x25519:secp521r1",
                         "ECDHE+CHACHA20:ECDHE+AESGCM:kRSA+AESGCM:ECDHE+AES256"),
    "server-order-ecdsa": ("ecdsa-p256", "x448:secp521r1:secp256r1:x25519",
                           "ECDHE+AES256:ECDHE+AESGCM:ECDHE+CHACHA20"),
}


def _ctx(port: int) -> ProbeContext:
    return ProbeContext("127.0.0.1", port, None, ScanOptions(timeout=5), asyncio.Semaphore(4))


async def _both(port: int) -> dict[str, Any]:
    """The folded and the unfolded TLS 1.2 eliminations of one server, and their costs."""
    ctx = _ctx(port)
    first = (await check_versions(ctx)).results["TLSv1.2"]
    assert first.accepted, first.reason
    folded_ctx, unfolded_ctx = _ctx(port), _ctx(port)
    folded = dict(await eliminate_tls12(folded_ctx, TLS12, first, full=False))
    folded["tls12_curves"] = await folded["tls12_fold"]
    suites, curves = await asyncio.gather(
        check_tls12_suites(unfolded_ctx, TLS12, tls12_groups(), first),
        eliminate_curves(unfolded_ctx, TLS12))
    return {"folded": (folded["tls12_suites"], folded["tls12_curves"]),
            "unfolded": (suites, curves),
            "connections": (len(folded_ctx.records), len(unfolded_ctx.records))}


def _same_facts(result: dict[str, Any]) -> None:
    (suites_f, curves_f), (suites_u, curves_u) = result["folded"], result["unfolded"]
    assert suites_f == suites_u  # the same suites in the same order, the same cut-short reason
    status_f, order_f, chain_f, done_f, _source = curves_f
    status_u, order_u, chain_u, done_u, _source = curves_u
    assert order_f == order_u
    assert {c: s.value for c, s in status_f.items()} == {c: s.value for c, s in status_u.items()}
    assert set(status_f) == set(ECDHE_CURVES)
    assert chain_f == chain_u and (done_f is None) == (done_u is None)
    folded, unfolded = result["connections"]
    assert folded <= unfolded


@pytest.mark.parametrize("name", LAB_NAMES)
def test_lab_servers_fold_to_the_same_facts(lab: dict[str, LabEndpoint], name: str) -> None:
    result = asyncio.run(_both(lab[name].port))
    _same_facts(result)
    expected = lab[name].spec.expected.tls12_ecdhe_curves
    _suites, (status, *_rest) = result["folded"]
    assert {c for c, s in status.items() if s.value == SUPPORTED} == {
        {"x25519": 0x1D, "secp256r1": 0x17, "secp384r1": 0x18}[n] for n in expected}


@pytest.mark.parametrize("group", ["ecdsa", "rsa"])
def test_nginx_folds_to_the_same_facts_in_fewer_connections(
        nginx_targets: dict[str, str], group: str) -> None:
    result = asyncio.run(_both(int(nginx_targets[group].rsplit(":", 1)[1])))
    _same_facts(result)
    folded, unfolded = result["connections"]
    assert folded <= unfolded - 5  # the curve rounds ride on the suite rounds


@pytest.fixture(scope="module")
def server_order(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """OpenSSL lab server processes configured per process through OPENSSL_CONF, with the
    server's cipher (and group) order: `Options = ServerPreference` (SSL_OP_SERVER_PREFERENCE)."""
    work = tmp_path_factory.mktemp("server-order")
    procs: list[subprocess.Popen[bytes]] = []
    ports: dict[str, int] = {}
    try:
        for name, (kind, groups, ciphers) in SERVER_ORDER.items():
            pki = generate_kind(work / name, kind)
            conf = work / f"{name}.cnf"
            conf.write_text(OpenSSLConf(groups=groups, min_version="TLSv1.2",
                                        max_version="TLSv1.2", cipher_string=ciphers).text()
                            + "Options = ServerPreference\n")
            ready = work / f"{name}.ready"
            env = {**child_env(), "OPENSSL_CONF": str(conf)}
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "pqscan.lab.openssl_server", "--name", name,
                 "--listen", "1", "--ready", str(ready),
                 "--cert", f"{pki.chain_pem},{pki.key_pem}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env, start_new_session=True))
            deadline = time.monotonic() + 30
            while not ready.exists():
                assert procs[-1].poll() is None and time.monotonic() < deadline, name
                time.sleep(0.05)
            time.sleep(0.05)  # the ready file is written whole, but give the write a moment
            ports[name] = json.loads(ready.read_text())["ports"][0]
        yield ports
    finally:
        for proc in procs:
            stop_process(proc)


def test_server_cipher_order_folds_to_the_same_facts(server_order: dict[str, int]) -> None:
    rsa = asyncio.run(_both(server_order["server-order-rsa"]))
    _same_facts(rsa)
    (suites, _why), (status, order, *_rest) = rsa["folded"]
    assert suites[0] == 0xCCA8  # the server's first choice: ECDHE-RSA-CHACHA20-POLY1305
    assert order == (0x0018, 0x001D, 0x0019)  # the server's curve order, not the client's
    ecdsa = asyncio.run(_both(server_order["server-order-ecdsa"]))
    _same_facts(ecdsa)
    _suites, (status, order, *_rest) = ecdsa["folded"]
    # x448 and P-521 come before the certificate's P-256 in the server's order; the curves
    # behind it stay inconclusive in standard depth, both ways (RFC 8422 §5.1)
    assert order == (0x001E, 0x0019, 0x0017)
    assert status[0x001D].value == INCONCLUSIVE and "RFC 8422" in (status[0x001D].reason or "")


# --- scripted peers lying in the folded round -------------------------------------------------

def _lying(directory: Path, **lie: Any) -> dict[str, Any]:
    pem = generate_kind(directory, "ecdsa-p256").chain_pem.read_bytes()
    chain = tuple(c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem))
    port, close = fakepeer.serve(fakepeer.tls12_chain(chain, **lie))

    async def run() -> dict[str, Any]:
        ctx = _ctx(port)
        first = (await check_versions(ctx)).results["TLSv1.2"]
        facts = dict(await eliminate_tls12(ctx, TLS12, first, full=False))
        facts["tls12_curves"] = await facts["tls12_fold"]
        return facts

    try:
        return asyncio.run(run())
    finally:
        close()


@pytest.mark.parametrize(("lie", "reason"), [
    ({"named": 0x0042}, "curve 0x0042, which was not offered"),
    ({"key_exchange": False}, "without naming a curve"),
])
def test_a_curve_lie_in_a_folded_round_is_inconclusive(
        tmp_path: Path, lie: dict[str, Any], reason: str) -> None:
    facts = _lying(tmp_path, **lie)
    suites, why = facts["tls12_suites"]
    assert suites == [0xC02B, 0xC02F] and why is None  # the suite facts stand
    status, order, *_rest = facts["tls12_curves"]
    assert order == ()
    assert {s.value for s in status.values()} == {INCONCLUSIVE}
    assert all(reason in (s.reason or "") for s in status.values()), status[0x0017]


def test_an_honest_peer_folds_its_curves(tmp_path: Path) -> None:
    facts = _lying(tmp_path)
    status, order, *_rest = facts["tls12_curves"]
    assert order == (0x0017, 0x001D)  # it follows the client's order: P-256 listed first
    assert {c for c, s in status.items() if s.value == SUPPORTED} == {0x0017, 0x001D}
    assert {s.value for c, s in status.items() if c not in order} == {NOT_SUPPORTED}


def test_a_failed_tls12_suite_round_leaves_both_eliminations_undecided() -> None:
    from pqscan.model.status import decided_by
    assert decided_by("suites.TLSv1.2[3]") == ("tls/cipher_suites/TLSv1.2",
                                                "tls/tls12/ecdhe_curves")
    assert decided_by("suites.TLSv1.3[1]") == ("tls/cipher_suites/TLSv1.3",)
    assert decided_by("tls12.ecdhe[2]") == ("tls/tls12/ecdhe_curves",)


@pytest.mark.parametrize("honest_connections", [5, 7])
def test_a_reset_in_the_folded_rounds_stays_undecided_to_the_exit_code(
        tmp_path: Path, honest_connections: int) -> None:
    # the first connections reach an honest TLS 1.2 peer, every later one is reset after its
    # ClientHello: a reset in a folded round is no refusal of a suite or a curve (house rule)
    from click.testing import CliRunner

    from pqscan.cli.main import cli
    from pqscan.model.document import load_report

    pem = generate_kind(tmp_path, "ecdsa-p256").chain_pem.read_bytes()
    chain = tuple(c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem))
    honest, close_honest = fakepeer.serve(fakepeer.tls12_chain(chain))
    port, close = fakepeer.serve(fakepeer.proxy_first(honest_connections, honest,
                                                      fakepeer.rst_after_hello))
    out = tmp_path / "r.json"
    try:
        result = CliRunner().invoke(cli, ["scan", f"127.0.0.1:{port}", "--timeout", "2",
                                          "--profile", "pq-baseline", "--format", "json",
                                          "-o", str(out)])
    finally:
        close()
        close_honest()
    assert result.exit_code == 3, result.output
    endpoint = load_report(out)["endpoints"][0]
    undecided = {u["decision"] for u in endpoint["undecided"]}
    assert {"tls/cipher_suites/TLSv1.2", "tls/tls12/ecdhe_curves"} <= undecided
    curves = endpoint["tls"]["tls12"]["ecdhe_curves"]
    assert "not_supported" not in curves.values()
    assert set(curves.values()) <= {"supported", "inconclusive"}
