"""The SSH finding checks: pure functions of an SSH endpoint dict (docs/json-contract.md SSH),
each registered with `@check` together with the SSH codes it emits (pqscan.assess.finding).

The generic codes keep their meaning across protocols: `exposure.hndl` (K2-K5),
`exposure.hndl_fallback` (K1), `exposure.auth` (classical host keys) and
`alg.quantum_vulnerable` (one per classical algorithm, with its SP 800-57 strength), so profile
conditions written on findings judge TLS and SSH alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pqscan.assess.finding import FINDINGS, Finding, FindingSpec, Undecided, check
from pqscan.assess.finding import make as _make
from pqscan.assess.findings import algorithm_findings, auth_findings
from pqscan.assess.strength import CLASSICAL_GROUP_STRENGTH, public_key_strength, rsa_strength
from pqscan.registry.ssh import kex_method

_SSH_KEX = ("docs/json-contract.md SSH readiness; RFC 4253 §7.1; "
            "draft-ietf-sshm-mlkem-hybrid-kex; NIST IR 8547 ipd §4.1.2 Table 4 (draft)")
_SSH_STATES = (
    (0, "info", "SSH: PQ key exchange enforced",
     "A PQ method is listed and a classical-only client is refused."),
    (1, "info", "SSH: PQ by default for current clients",
     "An OpenSSH 10 client gets a confirmed PQ method; classical-only clients are still served."),
    (2, "medium", "SSH: PQ supported but not chosen by current clients",
     "A PQ method is listed, but an OpenSSH 10 client gets classical key exchange."),
    (3, "high", "SSH: classical key exchange only", "No PQ key exchange method is listed."),
    (4, "high", "SSH: legacy key exchange only",
     "No PQ method, and only SHA-1 (EC)DH methods (RFC 9142 §4)."),
    (5, "critical", "SSH: RSA key transport only",
     "No PQ method, and only RSA key transport (RFC 4432)."),
)
_COMPONENT_STRENGTH = {"X25519": CLASSICAL_GROUP_STRENGTH["x25519"],
                       "X448": CLASSICAL_GROUP_STRENGTH["x448"],
                       "ECDH-P256": CLASSICAL_GROUP_STRENGTH["secp256r1"],
                       "ECDH-P384": CLASSICAL_GROUP_STRENGTH["secp384r1"],
                       "ECDH-P521": CLASSICAL_GROUP_STRENGTH["secp521r1"]}
_KEY_ALGORITHM = {"ssh-ed25519": "ED25519", "ssh-ed448": "ED448", "ssh-rsa": "RSA",
                  "ssh-dss": "DSA"}


def _ssh(endpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    ssh = endpoint.get("ssh")
    if not isinstance(ssh, Mapping):
        raise Undecided(f"no SSH observations (status {endpoint.get('status')}: "
                        f"{endpoint.get('error')})")
    return ssh


def _state(endpoint: Mapping[str, Any]) -> str:
    ssh = _ssh(endpoint)
    state = ssh.get("kex_state")
    if state not in ("K0", "K1", "K2", "K3", "K4", "K5"):
        raise Undecided(f"ssh kex_state is {state!r}: {ssh.get('kex_state_reason')}")
    return str(state)


def _kex(endpoint: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    kex = _ssh(endpoint).get("kex_algorithms")
    if not isinstance(kex, Mapping):
        raise Undecided("no key exchange list observed")
    return kex


@check("ssh", "ssh.kex_state",
       *(FindingSpec(f"ssh.kex_state.k{n}", sev, title, desc, _SSH_KEX, "ssh.kex_state")
           for n, sev, title, desc in _SSH_STATES))
def _check_state(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    state = _state(endpoint)
    code = f"ssh.kex_state.{state.lower()}"
    return [_make(code, f"{state}: {FINDINGS[code].title}", kex_state=state,
                  reason=_ssh(endpoint).get("kex_state_reason"))]


@check("ssh", "exposure.hndl")
def _check_hndl(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    state = _state(endpoint)
    negotiated = dict(_ssh(endpoint).get("negotiated") or {})
    if state == "K1":
        return [_make("exposure.hndl_fallback", "SSH clients without PQ get classical key "
                      "exchange", kex_state=state,
                      classical_only=negotiated.get("classical_only"))]
    if state in ("K2", "K3", "K4", "K5"):
        return [_make("exposure.hndl", f"{state}: PQ-capable SSH clients can get classical key "
                      "exchange", kex_state=state, negotiated=negotiated)]
    return []


def _host_keys(endpoint: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    keys = _ssh(endpoint).get("host_keys")
    if not isinstance(keys, list) or not keys:
        raise Undecided("no host key observed")
    return [k for k in keys if isinstance(k, Mapping)]


def _key_strength(key: Mapping[str, Any]) -> int | None:
    key_type = str(key.get("key_type") or "").removesuffix("-cert-v01@openssh.com")
    name = "EC" if key_type.startswith("ecdsa-") else _KEY_ALGORITHM.get(key_type, key_type)
    return public_key_strength({"algorithm": name, "size_bits": key.get("size_bits")})


def _classical_keys(endpoint: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for index, key in enumerate(_host_keys(endpoint)):
        vulnerable = key.get("quantum_vulnerable")
        if vulnerable is None:
            continue  # an unknown algorithm name: listed, not classified
        if vulnerable:
            out.append({"algorithm": str(key.get("key_type")), "use": "signature",
                        "strength_bits": _key_strength(key), "where": f"ssh.host_keys[{index}]"})
        cert = key.get("certificate")
        if isinstance(cert, Mapping) and isinstance(cert.get("ca_key"), Mapping):
            ca = cert["ca_key"]
            out.append({"algorithm": f"{ca.get('key_type')} (certificate CA)",
                        "use": "signature", "strength_bits": _key_strength(ca),
                        "where": f"ssh.host_keys[{index}].certificate.ca_key"})
    return out


@check("ssh", "exposure.auth")
def _check_auth(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    return auth_findings(_classical_keys(endpoint), "classical SSH host keys")


def _kex_strength(name: str) -> int | None:
    method = kex_method(name)
    if method.dh_bits:
        return rsa_strength(method.dh_bits)  # SP 800-57 Table 2: FFC L = IFC k
    strengths = [_COMPONENT_STRENGTH.get(c) for c in method.components]
    return strengths[0] if len(strengths) == 1 else None


@check("ssh", "alg.quantum_vulnerable")
def _check_algorithms(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    try:
        used = _classical_keys(endpoint)
    except Undecided:
        used = []  # exposure.auth reports the missing host keys; key exchange is still judged
    for name, entry in _kex(endpoint).items():  # every listed classical method can be used
        if isinstance(entry, Mapping) and entry.get("family") == "classical":
            used.append({"algorithm": name, "use": "key_establishment",
                         "strength_bits": _kex_strength(name),
                         "where": f"ssh.kex_algorithms.{name}"})
    return algorithm_findings(used)


def _listed(endpoint: Mapping[str, Any], test: Callable[[str, Mapping[str, Any]], bool]
            ) -> list[str]:
    return [n for n, e in _kex(endpoint).items() if isinstance(e, Mapping) and test(n, e)]


@check("ssh", "ssh.kex.pre_standard",
       FindingSpec("ssh.kex.pre_standard", "low", "Pre-standard PQ SSH key exchange listed",
           "A vendor or draft name (sntrup761x25519-sha512@openssh.com, round-3 Kyber "
           "@openquantumsafe.org / @amazon.com) is listed.",
           "RFC 9941 §2; draft-ietf-sshm-mlkem-hybrid-kex", "ssh.kex.pre_standard"))
def _check_pre_standard(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    names = _listed(endpoint, lambda n, e: e.get("family") == "pre_standard")
    return [_make("ssh.kex.pre_standard", "listed: " + ", ".join(names), methods=names)] \
        if names else []


@check("ssh", "ssh.kex.pq_unconfirmed",
       FindingSpec("ssh.kex.pq_unconfirmed", "low", "PQ SSH key exchange listed but unconfirmed",
           "A PQ method is listed but no completed exchange with a verified host key "
           "signature confirmed it.", "docs/json-contract.md SSH", "ssh.kex.pq_unconfirmed"))
def _check_unconfirmed(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    names = _listed(endpoint, lambda n, e: e.get("family") in ("hybrid", "pure_pq",
                                                                 "pre_standard")
                    and e.get("confirmed") is not True)
    if not names:
        return []
    reasons = {n: _kex(endpoint)[n].get("reason") for n in names}
    return [_make("ssh.kex.pq_unconfirmed", "listed, not confirmed: " + ", ".join(names),
                  methods=names, reasons=reasons)]


@check("ssh", "ssh.kex.sha1",
       FindingSpec("ssh.kex.sha1", "medium", "SHA-1 SSH key exchange listed",
           "diffie-hellman-group1-sha1, group14-sha1, group-exchange-sha1 or rsa1024-sha1 is "
           "listed.", "RFC 9142 §4", "ssh.kex.sha1"))
def _check_sha1(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    names = _listed(endpoint, lambda n, e: bool(e.get("sha1")))
    return [_make("ssh.kex.sha1", "listed: " + ", ".join(names), methods=names)] if names \
        else []


@check("ssh", "ssh.hostkey.sha1",
       FindingSpec("ssh.hostkey.sha1", "medium", "SHA-1 host key signatures (ssh-rsa) listed",
           "The server offers ssh-rsa (RSA with SHA-1) or ssh-dss host key signatures.",
           "RFC 8332 §3; RFC 9142 §3", "ssh.hostkey.sha1"))
def _check_hostkey_sha1(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    listed = _ssh(endpoint).get("host_key_algorithms") or []
    old = [n for n in listed if n in ("ssh-rsa", "ssh-dss", "ssh-rsa-cert-v01@openssh.com",
                                      "ssh-dss-cert-v01@openssh.com")]
    return [_make("ssh.hostkey.sha1", "listed: " + ", ".join(old), algorithms=old)] if old \
        else []


@check("ssh", "ssh.symmetric",
       FindingSpec("ssh.cipher.weak", "medium", "Weak SSH ciphers listed",
           "CBC, RC4, 3DES, Blowfish, CAST or none is listed.",
           "RFC 4253 §6.3; RFC 8758 §3", "ssh.symmetric"),
       FindingSpec("ssh.mac.weak", "low", "Weak SSH MACs listed",
           "MD5, SHA-1 or 64-bit-tag MACs are listed.", "RFC 6668 §2; RFC 4253 §6.4",
           "ssh.symmetric"))
def _check_symmetric(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    ssh = _ssh(endpoint)
    out = []
    if ssh.get("weak_ciphers"):
        out.append(_make("ssh.cipher.weak", "listed: " + ", ".join(ssh["weak_ciphers"]),
                         algorithms=list(ssh["weak_ciphers"])))
    if ssh.get("weak_macs"):
        out.append(_make("ssh.mac.weak", "listed: " + ", ".join(ssh["weak_macs"]),
                         algorithms=list(ssh["weak_macs"])))
    return out


@check("ssh", "ssh.protocol",
       FindingSpec("ssh.protocol.violation", "medium", "SSH protocol violation",
           "The server broke RFC 4253 during a probe (malformed packet, wrong message, "
           "host key signature that does not verify).", "RFC 4253 §6-§8",
           "ssh.protocol"))
def _check_protocol(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    violations = list(_ssh(endpoint).get("violations") or [])
    return [_make("ssh.protocol.violation", violations[0][:200], violations=violations)] \
        if violations else []
