"""The OpenSSL group-list fixes, applied verbatim to a real OpenSSL server, reach the K-state
and requirement results they promise (checked by scanning it with pqscan).

The group list is cut from the shipped fix's `config` line (OpenSSL Groups, and the value nginx,
Apache and HAProxy hand unchanged to OpenSSL), so a typo or a wrong tuple in the data fails
here, not on a user's server. The lab server is OpenSSL >= 3.5 configured via OPENSSL_CONF.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import socket
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pqscan.assess.catalogue import derive_findings
from pqscan.assess.remediation import Fix, load_fixes
from pqscan.lab import Lab
from pqscan.lab.certs import generate_kind
from pqscan.lab.defaults import HYBRID_PREFERRED
from pqscan.policy.evaluate import available_profiles, judge_report
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.targets import parse_target

pytestmark = [pytest.mark.lab, pytest.mark.slow]
FIXES = {f.id: f for f in load_fixes()}
# fix id -> (text before the group list, text after it, K-state the fixed server must reach)
EXPECTED = {
    "openssl.groups.hybrid-preferred": ("Groups = ", "", "K1"),
    "openssl.groups.pq-only": ("Groups = ", "", "K0"),
    "openssl.groups.cnsa2": ("Groups = ", "", "K0"),
    "nginx.ssl-ecdh-curve": ("ssl_ecdh_curve ", ";", "K1"),
    "apache.sslopensslconfcmd-groups": ("SSLOpenSSLConfCmd Groups ", "", "K1"),
    "haproxy.curves": ("ssl-default-bind-curves ", "", "K1"),
}
EXPECTED_STATE = {fix_id: state for fix_id, (_, _, state) in EXPECTED.items()}


def _groups_value(fix: Fix) -> str:
    before, after, _ = EXPECTED[fix.id]
    assert fix.config.startswith(before) and fix.config.endswith(after), fix.config
    return fix.config[len(before):len(fix.config) - len(after)]


@pytest.fixture(scope="module")
def fixed_scans() -> dict[str, dict[str, Any]]:
    """One OpenSSL server per fix, configured with exactly the fix's Groups value, scanned."""
    pytest.importorskip("OpenSSL")
    specs = [dataclasses.replace(HYBRID_PREFERRED, name=fix_id.replace(".", "-"),
                                 groups=_groups_value(FIXES[fix_id]))
             for fix_id in EXPECTED_STATE]
    with Lab(specs) as lab:
        targets = [parse_target(f"127.0.0.1:{lab.endpoint(s.name).port}", "localhost")
                   for s in specs]
        report = run_scan(targets, ScanOptions(timeout=5), concurrency=8)
    for fix_id, endpoint in zip(EXPECTED_STATE, report["endpoints"], strict=True):
        endpoint["label"] = fix_id
    return {ep["label"]: {**report, "endpoints": [ep]} for ep in report["endpoints"]}


@pytest.mark.parametrize("fix_id", sorted(EXPECTED_STATE))
def test_fix_reaches_its_kex_state(fixed_scans: dict[str, dict[str, Any]], fix_id: str) -> None:
    endpoint = fixed_scans[fix_id]["endpoints"][0]
    assert endpoint["tls"]["kex_state"] == EXPECTED_STATE[fix_id], endpoint["tls"]
    codes = {f.code for f in derive_findings(endpoint, date(2026, 12, 1))}
    # The key-exchange finding codes the fix claims to fix are gone.
    claimed = {c for c in FIXES[fix_id].applies_to if c.startswith(("kex.", "exposure.hndl"))}
    assert not claimed & codes, claimed & codes


@pytest.mark.parametrize("fix_id", sorted(EXPECTED_STATE))
def test_fix_passes_the_requirements_it_names(fixed_scans: dict[str, dict[str, Any]],
                                              fix_id: str) -> None:
    # Judged after every due date, so future requirements are in force. Requirements that
    # also need post-quantum authentication (the lab chain is RSA) are left to the cert fixes.
    judged = judge_report(fixed_scans[fix_id], available_profiles(), date(2036, 6, 1))
    results = {v["requirement"]: v["result"] for v in judged["endpoints"][0]["verdicts"]}
    kex_only = [r for r in FIXES[fix_id].applies_to if r in results
                and r not in {"EU-2030-HIGH-RISK", "EU-2035-MEDIUM-RISK", "UK-2035-COMPLETE"}]
    assert kex_only
    failing = {r: results[r] for r in kex_only if results[r] != "PASS"}
    assert not failing, failing


def _nginx_openssl(nginx: str) -> tuple[int, ...]:
    shown = subprocess.run([nginx, "-V"], capture_output=True, text=True, timeout=30).stderr
    match = (re.search(r"running with OpenSSL (\d+)\.(\d+)", shown)
             or re.search(r"built with OpenSSL (\d+)\.(\d+)", shown))
    if match is None:
        pytest.skip(f"nginx is not built with OpenSSL: {shown.splitlines()[:1]}")
    return tuple(int(part) for part in match.groups())


def _nginx_conf(tmp_path: Path, port: int, fix: Fix) -> Path:
    bundle = generate_kind(tmp_path / "pki", "ecdsa-p256")
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp["body"]}; proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]}; uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {bundle.chain_pem};
        ssl_certificate_key {bundle.key_pem};
        {fix.config}
    }}
}}
""")
    return conf


def _nginx() -> str:
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx not installed")
    return nginx


def test_real_nginx_needs_what_the_fix_requires(tmp_path: Path) -> None:
    """The shipped nginx line is valid nginx syntax, and `requires` OpenSSL >= 3.5 is real:
    the installed nginx accepts the line exactly when its OpenSSL is 3.5 or later."""
    nginx = _nginx()
    fix = FIXES["nginx.ssl-ecdh-curve"]
    assert fix.requires == ("OpenSSL >= 3.5.0",)
    conf = _nginx_conf(tmp_path, 18443, fix)
    # `nginx -t` parses and builds the SSL context (where the group list is applied); it does
    # not open the listening socket, so nothing is served.
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf),
                             "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=60)
    if _nginx_openssl(nginx) >= (3, 5):
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert "SSL_CTX_set1_curves_list" in result.stderr, result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_real_nginx_with_the_protocols_fix_passes(tmp_path: Path) -> None:
    """nginx serving with the shipped ssl_protocols line: pqscan finds TLS 1.3 and no TLS 1.0/1.1,
    so the requirements the fix names PASS."""
    nginx = _nginx()
    fix = FIXES["nginx.ssl-protocols"]
    port = _free_port()
    conf = _nginx_conf(tmp_path, port, fix)
    server = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf),
                               "-e", str(tmp_path / "error.log")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read() if server.stderr else "") from None
                time.sleep(0.1)
        report = run_scan([parse_target(f"127.0.0.1:{port}", "localhost")],
                          ScanOptions(timeout=5), concurrency=4)
    finally:
        server.terminate()
        server.wait(timeout=20)
    endpoint = report["endpoints"][0]
    assert endpoint["tls"]["versions"]["TLSv1.3"] == "supported", endpoint["tls"]["versions"]
    judged = judge_report(report, available_profiles(), date(2036, 6, 1))
    results = {v["requirement"]: v["result"] for v in judged["endpoints"][0]["verdicts"]}
    named = {r: results[r] for r in fix.applies_to if r in results}
    assert named == {"PQB-NO-LEGACY-TLS": "PASS", "PQB-TLS13": "PASS"}
    codes = {f.code for f in derive_findings(endpoint, date(2026, 12, 1))}
    assert not {"tls.version.legacy", "kex.state.k4", "kex.state.k5"} & codes
