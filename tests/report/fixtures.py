"""Synthetic scan reports for the renderer tests, in the exact shape of docs/json-contract.md.

`build_report()` gives four endpoints: a K0 ML-KEM-1024-only endpoint with an ML-DSA-87 chain, a
K2 hybrid endpoint with an RSA chain whose subject is `<script>alert(1)</script>`, a TLS 1.2-only
K5 endpoint and an unreachable one; verdicts PASS / FAIL / NOT_TESTED / NOT_APPLICABLE and findings.
"""

from __future__ import annotations

import copy
from typing import Any

XSS = "<script>alert(1)</script>"
MLDSA87_OID = "2.16.840.1.101.3.4.3.19"
MLKEM_GROUPS = {"MLKEM512": "0x0200", "MLKEM768": "0x0201", "MLKEM1024": "0x0202"}


def _group(status: str, code: str, family: str, confirmed: bool | None = None,
           reason: str | None = None) -> dict[str, Any]:
    return {"status": status, "via": "hrr", "confirmed": confirmed, "code": code,
            "family": family, "reason": reason}


def _cert(position: int, subject: str, issuer: str, key: dict[str, Any], sig: dict[str, str],
          sha: str, is_ca: bool) -> dict[str, Any]:
    return {"position": position, "subject": subject, "issuer": issuer, "serial": "0a1b" + sha[:4],
            "not_before": "2026-01-01T00:00:00Z", "not_after": "2036-01-01T00:00:00Z",
            "sha256": sha * 32, "sans": [] if is_ca else ["DNS:localhost"],
            "key_usage": ["keyCertSign"] if is_ca else ["digitalSignature"], "is_ca": is_ca,
            "public_key": dict(key), "signature_algorithm": dict(sig)}


MLDSA87_KEY = {"algorithm": "ML-DSA-87", "oid": MLDSA87_OID, "parameter_set": "ML-DSA-87",
               "nist_category": 5, "quantum_vulnerable": False}
MLDSA87_SIG = {"name": "ML-DSA-87", "oid": MLDSA87_OID}
RSA_KEY = {"algorithm": "RSA", "oid": "1.2.840.113549.1.1.1", "size_bits": 2048,
           "nist_category": None, "quantum_vulnerable": True}
RSA_SIG = {"name": "sha256WithRSAEncryption", "oid": "1.2.840.113549.1.1.11"}


def _probe(name: str, result: str, observed: str, reason: str | None = None,
           groups: list[str] | None = None) -> dict[str, Any]:
    return {"name": name, "result": result, "observed": observed, "reason": reason,
            "offered": {"versions": ["TLSv1.3"], "cipher_suites": ["TLS_AES_256_GCM_SHA384"],
                        "groups": groups or ["X25519MLKEM768", "x25519"],
                        "key_shares": (groups or ["x25519"])[:1],
                        "signature_schemes": ["mldsa87", "rsa_pss_rsae_sha256"], "sni": None},
            "transcript_sha256": None if result == "inconclusive" else "ab" * 32,
            "attempts": 2 if result == "inconclusive" else 1, "duration_ms": 12}


def _versions(**supported: str) -> dict[str, str]:
    base = {"TLSv1.0": "not_supported", "TLSv1.1": "not_supported",
            "TLSv1.2": "not_supported", "TLSv1.3": "not_supported"}
    base.update({k.replace("_", "."): v for k, v in supported.items()})
    return base


def _endpoint(port: int, status: str, tls: dict[str, Any] | None, probes: list[dict[str, Any]],
              findings: list[dict[str, Any]], verdicts: list[dict[str, Any]],
              error: str | None = None) -> dict[str, Any]:
    return {"target": f"127.0.0.1:{port}", "host": "127.0.0.1", "port": port, "sni": None,
            "status": status, "error": error, "tls": tls, "probes": probes,
            "connections": len(probes), "findings": findings, "verdicts": verdicts}


def _tls(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "versions": _versions(TLSv1_3="supported"), "groups": {}, "group_preference": [],
        "group_preference_basis": "server",
        "negotiated": {"browser_like": None, "x25519_share_first": None, "classical_only": None},
        "negotiation_status": {"browser_like": "not_run", "x25519_share_first": "not_run",
                               "classical_only": "not_run"},
        "hrr": {"browser_like": None, "x25519_share_first": None, "classical_only": None},
        "cipher_suites": {"TLSv1.3": [], "TLSv1.2": []}, "tls12": None,
        "rsa_key_transport": False, "certificate_chain": [], "certificate_verify": None,
        "signature_schemes": {}, "certificate_chains": [], "dual_certificate": False,
        "kex_state": None, "kex_state_reason": "",
    }
    base.update(fields)
    return base


def _finding(code: str, severity: str, message: str, **evidence: Any) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message, "evidence": evidence}


def _verdict(req: str, severity: str, result: str, title: str, clause: str,
             **evidence: Any) -> dict[str, Any]:
    return {"profile": "cnsa-2.0", "requirement": req, "title": title, "severity": severity,
            "result": result, "clause": clause, "evidence": evidence,
            "source_status": "final", "confidence": "secondary"}


def k0_endpoint() -> dict[str, Any]:
    chain = [_cert(0, "CN=localhost,O=pqscan lab", "CN=pqscan lab ML-DSA-87 root", MLDSA87_KEY,
                   MLDSA87_SIG, "a0", False),
             _cert(1, "CN=pqscan lab ML-DSA-87 root", "CN=pqscan lab ML-DSA-87 root",
                   MLDSA87_KEY, MLDSA87_SIG, "a1", True)]
    groups = {"x25519": _group("not_supported", "0x001d", "classical"),
              "MLKEM768": _group("not_supported", "0x0201", "pure_pq"),
              "MLKEM1024": _group("supported", "0x0202", "pure_pq", True),
              "X25519MLKEM768": _group("not_supported", "0x11ec", "hybrid")}
    tls = _tls(groups=groups, group_preference=["MLKEM1024"],
               negotiation_status={"browser_like": "refused", "x25519_share_first": "refused",
                                   "classical_only": "refused"},
               hrr={"browser_like": False, "x25519_share_first": False, "classical_only": False},
               cipher_suites={"TLSv1.3": ["TLS_AES_256_GCM_SHA384"], "TLSv1.2": []},
               signature_schemes={"mldsa87": "supported", "ed25519": "not_supported"},
               certificate_chains=[{"leaf_sha256": "a0" * 32, "schemes": ["mldsa87"],
                                    "chain": chain}],
               kex_state="K0",
               kex_state_reason="PQ key exchange enforced: a classical-only client is refused")
    probes = [_probe("versions.TLSv1.3", "ok", "ServerHello TLSv1.3", groups=["MLKEM1024"]),
              _probe("groups.hrr_enumeration", "ok", "HRR MLKEM1024"),
              _probe("behaviour.classical_only", "refused", "alert handshake_failure",
                     groups=["x25519"])]
    findings = [_finding("kex.state.k0", "info", "K0: PQ key exchange enforced",
                         kex_state="K0")]
    verdicts = [_verdict("CNSA2-TLS-KEX", "MUST", "PASS", "ML-KEM-1024 key establishment",
                         "CNSA 2.0 algorithm table", group="MLKEM1024"),
                _verdict("CNSA2-TLS-SIG", "MUST", "PASS", "ML-DSA-87 authentication",
                         "CNSA 2.0 algorithm table", leaf="ML-DSA-87")]
    return _endpoint(8443, "ok", tls, probes, findings, verdicts)


def k2_endpoint() -> dict[str, Any]:
    chain = [_cert(0, f"CN={XSS}", "CN=pqscan lab RSA root", RSA_KEY, RSA_SIG, "b0", False),
             _cert(1, "CN=pqscan lab RSA root", "CN=pqscan lab RSA root", RSA_KEY, RSA_SIG,
                   "b1", True)]
    groups = {"x25519": _group("supported", "0x001d", "classical", True),
              "secp256r1": _group("supported", "0x0017", "classical", True),
              "X25519MLKEM768": _group("supported", "0x11ec", "hybrid", True),
              "MLKEM1024": _group("inconclusive", "0x0202", "pure_pq",
                                  reason="timeout after HRR")}
    tls = _tls(versions=_versions(TLSv1_2="supported", TLSv1_3="supported"), groups=groups,
               group_preference=["x25519", "X25519MLKEM768", "secp256r1"],
               negotiated={"browser_like": "X25519MLKEM768", "x25519_share_first": "x25519",
                           "classical_only": "x25519"},
               negotiation_status={"browser_like": "ok", "x25519_share_first": "ok",
                                   "classical_only": "ok"},
               hrr={"browser_like": False, "x25519_share_first": False, "classical_only": False},
               cipher_suites={"TLSv1.3": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"],
                              "TLSv1.2": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]},
               tls12={"version_probed": "TLSv1.2",
                      "ecdhe_curves": {"x25519": "supported", "secp256r1": "supported"},
                      "curve_preference": ["x25519", "secp256r1"], "ffdhe": "not_supported",
                      "rsa_key_transport": "not_supported"},
               certificate_chain=chain,
               certificate_verify={"scheme": "rsa_pss_rsae_sha256", "verified": True,
                                   "reason": "signature verifies over the transcript",
                                   "finished_verified": True},
               signature_schemes={"rsa_pss_rsae_sha256": "supported", "mldsa65": "not_supported"},
               kex_state="K2",
               kex_state_reason="PQ supported, but an X25519-share-first client gets x25519")
    probes = [_probe("versions.TLSv1.3", "ok", "ServerHello TLSv1.3"),
              _probe("groups.MLKEM1024", "inconclusive", "timeout", "timeout after HRR",
                     ["MLKEM1024"])]
    findings = [_finding("kex.state.k2", "medium", "K2: PQ supported but not preferred",
                         kex_state="K2"),
                _finding("exposure.auth", "medium", f"classical chain: RSA-2048 leaf {XSS}",
                         subject=f"CN={XSS}"),
                _finding("scan.undecided", "info", "group check: MLKEM1024 inconclusive",
                         check="kex.pre_standard", reason="timeout after HRR")]
    verdicts = [_verdict("CNSA2-TLS-KEX", "MUST", "FAIL", "ML-KEM-1024 key establishment",
                         "CNSA 2.0 algorithm table", negotiated="x25519"),
                _verdict("CNSA2-TLS-SIG", "MUST", "FAIL", "ML-DSA-87 authentication",
                         "CNSA 2.0 algorithm table", leaf=f"RSA-2048 {XSS}"),
                _verdict("CNSA2-TLS-MLKEM1024", "SHOULD", "NOT_TESTED", "ML-KEM-1024 offered",
                         "CNSA 2.0 algorithm table", reason="MLKEM1024 inconclusive")]
    return _endpoint(8444, "ok", tls, probes, findings, verdicts)


def k5_endpoint() -> dict[str, Any]:
    chain = [_cert(0, "CN=legacy.example", "CN=pqscan lab RSA root", RSA_KEY, RSA_SIG, "c0",
                   False)]
    tls = _tls(versions=_versions(TLSv1_2="supported"),
               cipher_suites={"TLSv1.3": [], "TLSv1.2": ["TLS_RSA_WITH_AES_128_CBC_SHA",
                                                         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]},
               tls12={"version_probed": "TLSv1.2", "ecdhe_curves": {"secp256r1": "supported"},
                      "curve_preference": ["secp256r1"], "ffdhe": "not_supported",
                      "rsa_key_transport": "supported"},
               rsa_key_transport=True, certificate_chain=chain, kex_state="K5",
               kex_state_reason="TLS <= 1.2 only and RSA key transport accepted")
    probes = [_probe("versions.TLSv1.3", "refused", "alert protocol_version"),
              _probe("tls12.rsa_key_transport", "ok", "ServerHello TLS_RSA_WITH_AES_128_CBC_SHA")]
    findings = [_finding("kex.state.k5", "critical", "K5: TLS <= 1.2 only, RSA key transport",
                         kex_state="K5")]
    verdicts = [_verdict("CNSA2-TLS-KEX", "MUST", "FAIL", "ML-KEM-1024 key establishment",
                         "CNSA 2.0 algorithm table", kex_state="K5"),
                _verdict("CNSA2-TLS13-SUITES", "SHOULD", "NOT_APPLICABLE", "TLS 1.3 suites",
                         "CNSA 2.0 algorithm table", reason="no TLS 1.3")]
    return _endpoint(8445, "ok", tls, probes, findings, verdicts)


def decided_k5_endpoint() -> dict[str, Any]:
    """The K5 endpoint with the pre-standard Kyber groups probed (refused), so every MUST of
    pq-baseline is decided on it (FAIL or PASS, no NOT_TESTED)."""
    ep = k5_endpoint()
    ep["tls"]["groups"] = {"X25519Kyber768Draft00": _group("not_supported", "0x6399",
                                                           "pre_standard")}
    return ep


def unreachable_endpoint() -> dict[str, Any]:
    probes = [_probe("versions.TLSv1.3", "inconclusive", "connection refused",
                     "connection refused")]
    return _endpoint(1, "unreachable", None, probes, [], [], error="connection refused")


def build_report(endpoints: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    eps = endpoints if endpoints is not None else [
        k0_endpoint(), k2_endpoint(), k5_endpoint(), unreachable_endpoint()]
    return copy.deepcopy({
        "schema_version": "1", "tool": {"name": "pqscan", "version": "0.1.0"},
        "started_at": "2026-11-21T20:00:00Z", "finished_at": "2026-11-21T20:00:05Z",
        "method": {"engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
                   "options": {"timeout": 5.0, "retries": 1, "per_endpoint": 4, "sni": None,
                               "concurrency": 64},
                   "group_enumeration": "HelloRetryRequest with empty key_share",
                   "retries": "1 retry on timeout/reset; alerts are never retried"},
        "endpoints": eps,
    })


# Hostile text: one value per attack on an output format (issue 10 §8). The subject is what
# the scanner records for pqscan.lab.hostile's certificate (RFC 4514 text), cut at 200 L's
# of the real 64 KiB field plus a 64 KiB SAN of its own.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE_SUBJECT = ("ST=\u2066isolate\u2069 \u202aembed\u202c @SUM(1),"
                   "L=line1\r\nline2\\00nul\ttab,"
                   "OU=[x](javascript:alert(1)) `code` | pipe,"
                   'O==HYPERLINK(\\"http://evil.example\\"\\,\\"x\\"),'
                   "CN=\\<script\\>alert(1)\\</script\\>\u202egnp.exe,"
                   "2.5.4.13=" + "L" * 200)
HOSTILE_SANS = ["DNS:localhost", "DNS:<img src=x onerror=alert(1)>.example",
                "DNS:=cmd|'/C calc'!A0", "DNS:" + "x" * 65536]


def hostile_report() -> dict[str, Any]:
    """A report whose every server-controlled string is hostile, for the golden files."""
    ecdsa = {"algorithm": "ECDSA P-256", "oid": "1.2.840.10045.2.1", "size_bits": 256,
             "nist_category": None, "quantum_vulnerable": True}
    sig = {"name": "ecdsa-with-SHA256", "oid": "1.2.840.10045.4.3.2"}
    leaf = _cert(0, HOSTILE_SUBJECT, "CN=pqscan lab ECDSA P-256 root,O=pqscan lab", ecdsa, sig,
                 "e0", False)
    leaf["sans"] = list(HOSTILE_SANS)
    tls = _tls(versions=_versions(TLSv1_2="supported", TLSv1_3="supported"),
               groups={"x25519": _group("supported", "0x001d", "classical", True)},
               group_preference=["x25519"], certificate_chain=[leaf], kex_state="K3",
               kex_state_reason="TLS 1.3, classical groups only",
               negotiated={"browser_like": "x25519", "x25519_share_first": "x25519",
                           "classical_only": "x25519"},
               negotiation_status={"browser_like": "ok", "x25519_share_first": "ok",
                                   "classical_only": "ok"})
    findings = [_finding("kex.state.k3", "high", f"K3 for {HOSTILE_SUBJECT}", kex_state="K3"),
                _finding("cert.expired", "high", "=1+2\x00\x1b[31mred\x7f" + BIDI),
                _finding("cert.san", "medium", "long SAN " + HOSTILE_SANS[-1])]
    verdicts = [_verdict("CNSA2-TLS-KEX", "MUST", "FAIL", "[t](javascript:x) <b>|`", "clause\r\n=2",
                         observed=HOSTILE_SUBJECT),
                _verdict("CNSA2-SIG", "MUST", "NOT_TESTED", "sig", "c", reason="-cmd" + BIDI)]
    ok = _endpoint(8446, "ok", tls, [_probe("versions.TLSv1.3", "ok", "<b>ServerHello</b>")],
                   findings, verdicts)
    ok["target"] = "evil\u202eexample:8446"
    down = _endpoint(8447, "unreachable", None, [], [], [],
                     error="=cmd|' /C calc'!A0\r\nX-Injected: 1 \u2066<i>x</i>\u2069")
    down["target"] = "@evil:8447"
    # issue 14 fields: a report file handed to `report render` is input too, so readiness
    # text, fix ids and the copied fix catalogue are hostile as well
    ok["readiness"] = {"level": "L1", "label": "<b>classical</b>\u202e",
                       "reason": "=1+2 [x](javascript:alert(1))\r\n",
                       "undecided": [], "next_deadline": {
                           "date": "2030-01-01", "profile": "cnsa-2.0",
                           "requirement": "<i>R</i>", "title": "|`t`|" + BIDI}}
    ok["verdicts"][0] |= {"in_force": False, "due": "2030-01-01", "fixes": ["<script>fix"]}
    ok["findings"][0]["fixes"] = ["<script>fix"]
    report = build_report([ok, down, hostile_ssh_endpoint()])
    report["evaluation"] = {"as_of": "2026-11-30", "profiles": [], "errors": [],
                            "recomputed": [], "remediation": {"<script>fix": {
                                "product": "=cmd|' /C calc'!A0", "kind": "config",
                                "config": "Groups <img src=x onerror=alert(1)>\x1b[31m",
                                "location": "nginx.conf [x](javascript:alert(1))",
                                "source": ["`code`" + BIDI], "note": "\u2066<i>x</i>\u2069",
                                "min_version": "1|2", "confidence": "confirmed"}}}
    return report


def hostile_ssh_endpoint() -> dict[str, Any]:
    """A real SSH lab endpoint (tests/data/golden/verdicts) whose server identification line
    and pre-banner lines (RFC 4253 §4.2: the server may send other lines first) are hostile."""
    import json
    from pathlib import Path

    golden = Path(__file__).parent.parent / "data" / "golden" / "verdicts"
    ep: dict[str, Any] = json.loads((golden / "ssh-sshd-default.json").read_text())["endpoint"]
    ep["findings"], ep["verdicts"] = [], []
    ep["ssh"]["identification"].update({
        "raw": "SSH-2.0-=HYPERLINK(\"x\")\u202e <script>x</script>",
        "software": "=HYPERLINK(\"x\")\u202e", "product": "<b>evil</b>|`x`",
        "version": "[v](javascript:alert(1))", "comments": "\x1b]0;title\x07\r\n-cmd",
        "pre_banner_lines": ["\u2066<img src=x>\u2069", "+" + "y" * 65536]})
    return ep


# Issue 14 (readiness, due dates, fixes): the judge-time fields of the shared contract
# (docs/json-contract.md), written by hand so the renderers can be checked field by field.
# The fix entries copy pqscan/data/remediation/*.toml as the judgement copies them.
AS_OF = "2026-11-30"
FIXES = {
    "openssl.groups.cnsa2": {
        "product": "OpenSSL", "config": "Groups = SecP384r1MLKEM1024:MLKEM1024",
        "min_version": "3.5.0", "location": "openssl.cnf, the ssl_conf section the application "
        "loads (system_default)", "kind": "config", "source": ["https://docs.openssl.org/3.5/"],
        "note": "", "confidence": "confirmed"},
    "nginx.ssl-ecdh-curve": {
        "product": "nginx", "config": "ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;",
        "min_version": "1.25.0", "location": "nginx.conf, http or server block",
        "kind": "config", "source": ["https://nginx.org/en/docs/http/ngx_http_ssl_module.html"],
        "note": "needs nginx built with OpenSSL >= 3.5", "confidence": "confirmed"},
    "cert.mldsa87.cnsa2": {
        "product": "OpenSSL (private / internal PKI)",
        "config": "openssl req -x509 -newkey ML-DSA-87 -keyout key.pem -out cert.pem",
        "min_version": "3.5.0", "location": "the internal CA that issues the server certificate",
        "kind": "guidance", "source": ["FIPS 204"], "note": "", "confidence": "confirmed"},
    "openssl.protocol.tls13": {
        "product": "OpenSSL", "config": "MaxProtocol = TLSv1.3", "min_version": "1.1.1",
        "location": "openssl.cnf", "kind": "config", "source": ["RFC 8446"], "note": "",
        "confidence": "confirmed"},
}


def _judged(v: dict[str, Any], profile: str, in_force: bool, due: str | None,
            fixes: list[str]) -> dict[str, Any]:
    return v | {"profile": profile, "in_force": in_force, "due": due, "fixes": fixes}


def actionable_report() -> dict[str, Any]:
    """build_report() judged with cnsa-2.0 and nist-ir-8547 as of 2026-11-30: L4, L2 (fails
    now, and from 2030-01-01 / 2031-01-01), L0 (fails now) and an unreachable endpoint."""
    k0, k2, k5, down = k0_endpoint(), k2_endpoint(), k5_endpoint(), unreachable_endpoint()
    k0["verdicts"] = [_judged(v, "cnsa-2.0", True, "2025-01-01", []) for v in k0["verdicts"]]
    k0["readiness"] = {"level": "L4", "label": "PQ key exchange and PQ authentication",
                       "reason": "K0 and every served chain is ML-DSA", "undecided": [],
                       "next_deadline": None}
    kex, sig, mlkem = k2["verdicts"]
    k2["verdicts"] = [
        _judged(kex, "cnsa-2.0", True, "2025-01-01", ["openssl.groups.cnsa2"]),
        _judged(sig, "cnsa-2.0", False, "2030-01-01", ["cert.mldsa87.cnsa2"]),
        _judged(mlkem, "cnsa-2.0", True, None, []),
        _judged(_verdict("IR8547-KEX-DISALLOWED", "MUST", "FAIL",
                         "Classical key establishment is disallowed", "NIST IR 8547 §4.1",
                         observed={"tls/negotiated/x25519_share_first": "x25519"}),
                "nist-ir-8547", False, "2031-01-01", ["nginx.ssl-ecdh-curve"]),
    ]
    k2["readiness"] = {"level": "L2", "label": "PQ key exchange supported, not preferred",
                       "reason": "K2: an X25519-share-first client gets x25519",
                       "undecided": [],
                       "next_deadline": {"date": "2030-01-01", "profile": "cnsa-2.0",
                                         "requirement": "CNSA2-TLS-SIG",
                                         "title": "ML-DSA-87 authentication"}}
    kex5, suites = k5["verdicts"]
    k5["verdicts"] = [_judged(kex5, "cnsa-2.0", True, "2025-01-01",
                              ["openssl.groups.cnsa2", "openssl.protocol.tls13"]),
                      _judged(suites, "cnsa-2.0", True, None, [])]
    k5["findings"][0]["fixes"] = ["openssl.protocol.tls13"]
    k5["readiness"] = {"level": "L0", "label": "legacy",
                       "reason": "best version TLS 1.2 and RSA key transport accepted",
                       "undecided": [], "next_deadline": None}
    down["readiness"] = {"level": None, "label": "undecided", "reason": "not scanned",
                         "undecided": ["endpoint unreachable: connection refused"],
                         "next_deadline": None}
    for ep in (k0, k2, k5, down):
        for f in ep["findings"]:
            f.setdefault("fixes", [])
    report = build_report([k0, k2, k5, down])
    report["method"]["depth"] = "standard"
    report["evaluation"] = {
        "as_of": AS_OF, "pqscan_version": "0.1.0",
        "profiles": [{"id": "cnsa-2.0", "version": "2022-09 (re-issued 2025-05)",
                      "status": "final", "confidence": "secondary"},
                     {"id": "nist-ir-8547", "version": "ipd-2024-11-12", "status": "draft",
                      "confidence": "primary"}],
        "errors": [], "recomputed": [],
        "summary": {"endpoints": 4, "ready": 1, "must_change": 2, "first_due": "2030-01-01",
                    "as_of": AS_OF, "default_profile": False,
                    "profiles": [{"id": "cnsa-2.0", "version": "2022-09 (re-issued 2025-05)",
                                  "title": "NSA CNSA 2.0"},
                                 {"id": "nist-ir-8547", "version": "ipd-2024-11-12",
                                  "title": "NIST IR 8547 (initial public draft)"}]},
        "remediation": copy.deepcopy(FIXES),
    }
    return report
