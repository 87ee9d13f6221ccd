"""Ground truth of the lab servers, observed with independent real clients.

pyOpenSSL clients run as subprocesses with their own OPENSSL_CONF (group-restricted offers),
tlslite-ng makes exact hybrid offers, and the stdlib ssl module (the system's OpenSSL 3.0, a
different library build) checks classical TLS <= 1.2.  Every Expected field of DEFAULT_LAB is
compared with what these clients see.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from pqscan.lab import DEFAULT_LAB, LabEndpoint
from pqscan.lab.osslconf import PROTOCOLS, OpenSSLConf

pytestmark = pytest.mark.lab

_HERE = Path(__file__).resolve().parent
_CLIENT = _HERE / "openssl_client.py"
_spec = importlib.util.spec_from_file_location("lab_tlslite_client", _HERE / "tlslite_client.py")
assert _spec is not None and _spec.loader is not None
tlslite_client = importlib.util.module_from_spec(_spec)
sys.modules["lab_tlslite_client"] = tlslite_client
_spec.loader.exec_module(tlslite_client)

NAMES = [spec.name for spec in DEFAULT_LAB]
SPECS = {spec.name: spec for spec in DEFAULT_LAB}
TLS13_NAMES = [s.name for s in DEFAULT_LAB if "TLSv1.3" in s.expected.supported_versions]
PQ_GROUPS = {"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "MLKEM768", "MLKEM1024"}
CANDIDATE_GROUPS = ("X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "MLKEM768",
                    "MLKEM1024", "x25519", "x448", "secp256r1", "secp384r1", "secp521r1",
                    "ffdhe2048", "ffdhe3072")
TLS12_CURVES = ("x25519", "secp256r1", "secp384r1", "secp521r1", "x448")
TLSLITE_TO_IANA = {"x25519mlkem768": "X25519MLKEM768", "secp256r1mlkem768": "SecP256r1MLKEM768",
                   "secp384r1mlkem1024": "SecP384r1MLKEM1024"}
_WIDE_GROUPS = ("*X25519MLKEM768:*x25519:secp256r1:secp384r1:secp521r1:x448:SecP256r1MLKEM768:"
                "SecP384r1MLKEM1024:MLKEM768:MLKEM1024:ffdhe2048:ffdhe3072")
BEHAVIOURS = {
    "browser_like": "*X25519MLKEM768:*x25519:secp256r1:secp384r1",
    "x25519_share_first": "X25519MLKEM768:*x25519:secp256r1:secp384r1",
    "classical_only": "*x25519:secp256r1:secp384r1:secp521r1:x448:ffdhe2048:ffdhe3072",
}
CLASSICAL_SIGALGS = ("ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:rsa_pss_rsae_sha256:"
                     "rsa_pss_rsae_sha384:rsa_pkcs1_sha256:rsa_pkcs1_sha384")


def iana(name: str | None) -> str | None:
    """tlslite group spelling -> IANA name."""
    return None if name is None else TLSLITE_TO_IANA.get(name, name)


def openssl_client(conf: OpenSSLConf, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the pyOpenSSL client in its own process with `conf` as its OPENSSL_CONF."""
    with tempfile.TemporaryDirectory(prefix="pqscan-client-") as tmp:
        env = dict(os.environ, OPENSSL_CONF=str(conf.write(Path(tmp) / "client.cnf")))
        done = subprocess.run([sys.executable, str(_CLIENT)], input=json.dumps(jobs),
                              capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def per_server(conf: OpenSSLConf, lab: dict[str, LabEndpoint], names: list[str],
               **job: Any) -> dict[str, dict[str, Any]]:
    """One client process, one handshake per named server."""
    results = openssl_client(conf, [dict(job, port=lab[n].port) for n in names])
    return dict(zip(names, results, strict=True))


def parallel(calls: dict[Any, Any]) -> dict[Any, Any]:
    """Run zero-argument callables on a small thread pool (each spawns client processes)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(call) for key, call in calls.items()}
        return {key: future.result() for key, future in futures.items()}


# --- observations (one batch of client processes each, shared by the tests) -----------------

@pytest.fixture(scope="module")
def versions_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, Any]]:
    conf = OpenSSLConf(groups=_WIDE_GROUPS, min_version="TLSv1.0", cipher_string="ALL:@SECLEVEL=0")
    jobs = [{"port": lab[n].port, "version": v} for n in NAMES for v in PROTOCOLS]
    results = iter(openssl_client(conf, jobs))
    return {n: {v: next(results) for v in PROTOCOLS} for n in NAMES}


@pytest.fixture(scope="module")
def behaviours_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, dict[str, Any]]]:
    return parallel({
        b: (lambda g=groups: per_server(OpenSSLConf(groups=g), lab, NAMES, version="TLSv1.3"))
        for b, groups in BEHAVIOURS.items()
    })


@pytest.fixture(scope="module")
def groups_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, dict[str, Any]]]:
    return parallel({
        g: (lambda g=g: per_server(OpenSSLConf(groups=f"*{g}"), lab, NAMES, version="TLSv1.3"))
        for g in CANDIDATE_GROUPS
    })


@pytest.fixture(scope="module")
def curves_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, dict[str, Any]]]:
    # secp256r1 rides along: an ECDSA P-256 certificate needs it listed (RFC 8422 §5.1).
    def offer(curve: str) -> dict[str, dict[str, Any]]:
        groups = curve if curve == "secp256r1" else f"{curve}:secp256r1"
        return per_server(OpenSSLConf(groups=groups), lab, NAMES, version="TLSv1.2",
                          cipher_list="ECDHE")
    return parallel({c: (lambda c=c: offer(c)) for c in TLS12_CURVES})


@pytest.fixture(scope="module")
def enumerations(lab: dict[str, LabEndpoint]) -> dict[tuple[str, str], list[str]]:
    """HRR enumeration: a useless x448 share, then drop each group the server ends on."""
    everything = [g for g in CANDIDATE_GROUPS if g not in ("x448", "ffdhe2048", "ffdhe3072")]

    def enumerate_order(name: str, order: list[str]) -> list[str]:
        left, seen = list(order), []
        while left:
            result = per_server(OpenSSLConf(groups="*x448:" + ":".join(left)), lab, [name],
                                version="TLSv1.3")[name]
            if not result["ok"]:
                break
            seen.append(result["group"])
            left.remove(result["group"])
        return seen

    calls = {}
    for name in TLS13_NAMES:
        calls[(name, "forward")] = lambda n=name: enumerate_order(n, everything)
        calls[(name, "reverse")] = lambda n=name: enumerate_order(n, everything[::-1])
    return parallel(calls)


@pytest.fixture(scope="module")
def kx_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, dict[str, Any]]]:
    conf = OpenSSLConf(cipher_string="ALL:@SECLEVEL=0")
    return {kx: per_server(conf, lab, NAMES, version="TLSv1.2", cipher_list=kx)
            for kx in ("kRSA", "DHE")}


@pytest.fixture(scope="module")
def chains_seen(lab: dict[str, LabEndpoint]) -> dict[str, dict[str, dict[str, Any]]]:
    wide = OpenSSLConf(groups=_WIDE_GROUPS, min_version="TLSv1.0",
                       cipher_string="ALL:@SECLEVEL=0")
    classical = OpenSSLConf(groups=_WIDE_GROUPS, min_version="TLSv1.0",
                            cipher_string="ALL:@SECLEVEL=0",
                            signature_algorithms=CLASSICAL_SIGALGS)
    return parallel({"default": lambda: per_server(wide, lab, NAMES),
                     "classical": lambda: per_server(classical, lab, NAMES)})


def stdlib_handshake(port: int, version: ssl.TLSVersion, ciphers: str) -> str | None:
    """Negotiated cipher with the stdlib ssl module (system OpenSSL), or None if refused."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers(ciphers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
        ctx.minimum_version = version
        ctx.maximum_version = version
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            cipher = tls.cipher()
            return cipher[0] if cipher else None
    except (ssl.SSLError, ConnectionError):
        return None


# --- the truth, server by server --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_versions(name: str, versions_seen: dict[str, dict[str, Any]]) -> None:
    seen = {v for v, r in versions_seen[name].items() if r["ok"] and r["version"] ==
            v.replace("TLSv1.0", "TLSv1")}
    assert seen == set(SPECS[name].expected.supported_versions)


@pytest.mark.parametrize("name", NAMES)
def test_versions_stdlib(name: str, lab: dict[str, LabEndpoint]) -> None:
    expected = SPECS[name].expected.versions
    for label, version in (("TLSv1.0", ssl.TLSVersion.TLSv1), ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
                           ("TLSv1.2", ssl.TLSVersion.TLSv1_2)):
        got = stdlib_handshake(lab[name].port, version, "ALL:@SECLEVEL=0")
        assert (got is not None) == (expected[label] == "supported"), label


@pytest.mark.parametrize("behaviour", list(BEHAVIOURS))
@pytest.mark.parametrize("name", NAMES)
def test_negotiated_openssl_client(name: str, behaviour: str,
                                   behaviours_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    result = behaviours_seen[behaviour][name]
    got = result["group"] if result["ok"] else None
    assert got == SPECS[name].expected.negotiated[behaviour], result.get("error")


@pytest.mark.parametrize("name", NAMES)
def test_negotiated_tlslite_client(name: str, lab: dict[str, LabEndpoint]) -> None:
    listed = ["x25519mlkem768", "x25519", "secp256r1", "secp384r1"]
    offers = {
        "browser_like": (listed, ["x25519mlkem768", "x25519"]),
        "x25519_share_first": (listed, ["x25519"]),
        "classical_only": (["x25519", "secp256r1", "secp384r1", "secp521r1", "x448", "ffdhe2048",
                            "ffdhe3072"], ["x25519"]),
    }
    for behaviour, (groups, shares) in offers.items():
        result = tlslite_client.handshake(lab[name].port, groups, shares,
                                          min_version=(3, 4), max_version=(3, 4))
        got = iana(result.group) if result.ok else None
        assert got == SPECS[name].expected.negotiated[behaviour], (behaviour, result.error)


@pytest.mark.parametrize("name", NAMES)
def test_tls13_group_set(name: str, groups_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    accepted = set()
    for group in CANDIDATE_GROUPS:
        result = groups_seen[group][name]
        if result["ok"]:
            assert result["group"] == group
            accepted.add(group)
    assert accepted == set(SPECS[name].expected.groups)


@pytest.mark.parametrize("name", TLS13_NAMES)
def test_group_preference(name: str, enumerations: dict[tuple[str, str], list[str]]) -> None:
    expected = SPECS[name].expected
    forward, reverse = enumerations[(name, "forward")], enumerations[(name, "reverse")]
    assert set(forward) == set(reverse) == set(expected.groups)
    if expected.group_preference is not None:
        assert forward == reverse == list(expected.group_preference)
    else:
        assert forward != reverse  # the order follows the client: no server order to report
    if expected.preferred_group is not None:
        assert forward[0] == reverse[0] == expected.preferred_group
    else:
        assert forward[0] != reverse[0]


@pytest.mark.parametrize("name", NAMES)
def test_tls12_ecdhe_curves(name: str, curves_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    accepted = {c for c in TLS12_CURVES
                if curves_seen[c][name]["ok"] and curves_seen[c][name]["group"] == c}
    assert accepted == set(SPECS[name].expected.tls12_ecdhe_curves)


@pytest.mark.parametrize("name", NAMES)
def test_rsa_key_transport(name: str, lab: dict[str, LabEndpoint],
                           kx_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    expected = SPECS[name].expected.rsa_key_transport
    assert kx_seen["kRSA"][name]["ok"] == expected
    stdlib = stdlib_handshake(lab[name].port, ssl.TLSVersion.TLSv1_2,
                              "AES128-GCM-SHA256:AES256-GCM-SHA384")
    assert (stdlib is not None) == expected


@pytest.mark.parametrize("name", NAMES)
def test_ffdhe(name: str, lab: dict[str, LabEndpoint],
               kx_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    expected = SPECS[name].expected.ffdhe
    assert kx_seen["DHE"][name]["ok"] == expected
    stdlib = stdlib_handshake(lab[name].port, ssl.TLSVersion.TLSv1_2,
                              "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
    assert (stdlib is not None) == expected


@pytest.mark.parametrize("name", NAMES)
def test_chain_served(name: str, chains_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    expected = SPECS[name].expected
    default, classical = chains_seen["default"][name], chains_seen["classical"][name]
    assert default["ok"], default.get("error")
    assert tuple(default["chain"]) == expected.chain_algorithms
    if expected.classical_chain_algorithms is None:
        assert not classical["ok"]
    else:
        assert tuple(classical["chain"]) == expected.classical_chain_algorithms


@pytest.mark.parametrize("name", NAMES)
def test_chain_is_the_lab_pki(name: str, lab_instance: Any,
                              chains_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    served = chains_seen["default"][name]["chain_sha256"]
    pki = lab_instance.workdir / "pki"
    candidates = {}
    for kind in SPECS[name].cert_kinds:
        pem = (pki / f"{kind}-chain.pem").read_bytes()
        certs = x509.load_pem_x509_certificates(pem)
        candidates[kind] = [c.fingerprint(hashes.SHA256()).hex() for c in certs]
        leaf = certs[0]
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["localhost"]
        assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        assert certs[1].subject == certs[1].issuer == leaf.issuer  # root travels in the chain
    assert served in candidates.values()


@pytest.mark.parametrize("name", NAMES)
def test_kex_state_follows_from_observations(
        name: str, versions_seen: dict[str, dict[str, Any]],
        behaviours_seen: dict[str, dict[str, dict[str, Any]]],
        groups_seen: dict[str, dict[str, dict[str, Any]]],
        kx_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    # JSON contract "K-states", applied to what the clients saw (not to the configuration).
    def negotiated(b: str) -> str | None:
        r = behaviours_seen[b][name]
        return r["group"] if r["ok"] else None

    if versions_seen[name]["TLSv1.3"]["ok"]:
        pq = any(groups_seen[g][name]["ok"] for g in PQ_GROUPS)
        if pq and negotiated("classical_only") is None:
            state = "K0"
        elif negotiated("x25519_share_first") in PQ_GROUPS:
            state = "K1"
        else:
            state = "K2" if pq else "K3"
    else:
        state = "K5" if kx_seen["kRSA"][name]["ok"] else "K4"
    assert state == SPECS[name].expected.kex_state


@pytest.mark.parametrize("name", NAMES)
def test_http_answer(name: str, chains_seen: dict[str, dict[str, dict[str, Any]]]) -> None:
    body = chains_seen["default"][name]["body"]
    assert body.startswith("HTTP/1.0 200 OK\r\n")
    assert f"pqscan-lab {name} " in body
