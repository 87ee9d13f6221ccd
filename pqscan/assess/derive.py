"""Derived fields of an endpoint, recomputed from its observations whenever a report is judged.

A saved report carries judgements next to what was seen (a group's `family`, a key's
`quantum_vulnerable`, the K-state ...) so that readers need not recompute them; those copies are
never trusted. `rederive` recomputes every one of them with today's rules, in place, and returns
one line per stored value that differed, so `pqscan evaluate` of last year's scan uses the
classifier of today and says where it disagrees with the one of the day the scan ran.
A field missing from the stored report is filled in silently (stripping is not a change), and so
is a reworded explanation (`*_reason`): only values a finding or verdict can rest on are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pqscan.assess.exposure import host_key_quantum_vulnerable, oid_quantum_vulnerable
from pqscan.assess.kexstate import READINESS, derive_kex_state, derive_ssh_state
from pqscan.registry.ssh import cipher, host_key_algorithm, kex_method, mac
from pqscan.registry.tls import group, signature_scheme

_MISSING = object()


class _Recorder:
    """Sets derived values in place and remembers which stored ones differed."""

    def __init__(self) -> None:
        self.changes: list[str] = []

    def set(self, where: dict[str, Any], key: str, value: Any, path: str,
            report: bool = True) -> None:
        old = where.get(key, _MISSING)
        where[key] = value
        if report and old is not _MISSING and old != value:
            self.changes.append(f"{path}: {old!r} -> {value!r}")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _certificate(rec: _Recorder, cert: dict[str, Any], path: str) -> None:
    key = cert.get("public_key")
    if isinstance(key, dict) and isinstance(key.get("oid"), str):
        rec.set(key, "quantum_vulnerable", oid_quantum_vulnerable(key["oid"]),
                f"{path}.public_key.quantum_vulnerable")


def _group_family(name: str) -> str | None:
    try:
        return group(name).family.value
    except ValueError:  # a name this registry does not know: say nothing rather than guess
        return None


def _scheme_is_pq(name: Any) -> bool:
    try:
        return isinstance(name, str) and signature_scheme(name).is_pq
    except ValueError:
        return False


def _tls(rec: _Recorder, tls: dict[str, Any]) -> None:
    groups = tls.get("groups")
    if isinstance(groups, dict):
        for name, entry in groups.items():
            family = _group_family(name)
            if isinstance(entry, dict) and family is not None:
                rec.set(entry, "family", family, f"tls.groups.{name}.family")
    for i, cert in enumerate(_dicts(tls.get("certificate_chain"))):
        _certificate(rec, cert, f"tls.certificate_chain[{i}]")
    for i, chain in enumerate(_dicts(tls.get("certificate_chains"))):
        for j, cert in enumerate(_dicts(chain.get("chain"))):
            _certificate(rec, cert, f"tls.certificate_chains[{i}].chain[{j}]")
    request = tls.get("client_certificate_request")
    if isinstance(request, dict) and isinstance(request.get("signature_schemes"), list):
        rec.set(request, "pq_signature_schemes",
                [n for n in request["signature_schemes"] if _scheme_is_pq(n)],
                "tls.client_certificate_request.pq_signature_schemes")
    state, reason = derive_kex_state(tls)
    rec.set(tls, "kex_state", state, "tls.kex_state")
    rec.set(tls, "kex_state_reason", reason, "tls.kex_state_reason", report=False)


def _weak(names: list[Any], lookup: Callable[[str], Any]) -> list[str]:
    return sorted({n for n in names if isinstance(n, str) and lookup(n).weak})


def _both(value: Any) -> list[Any]:
    if not isinstance(value, Mapping):
        return []
    return [n for side in ("client_to_server", "server_to_client")
            for n in value.get(side) or []]


def _ssh(rec: _Recorder, ssh: dict[str, Any]) -> None:
    kex = ssh.get("kex_algorithms")
    if isinstance(kex, dict):
        for name, entry in kex.items():
            if not isinstance(entry, dict):
                continue
            method = kex_method(name)
            rec.set(entry, "family", method.family, f"ssh.kex_algorithms.{name}.family")
            rec.set(entry, "components", list(method.components),
                    f"ssh.kex_algorithms.{name}.components")
            rec.set(entry, "sha1", method.sha1, f"ssh.kex_algorithms.{name}.sha1")
        rec.set(ssh, "pq_kex_confirmed",
                [n for n, e in kex.items() if isinstance(e, dict)
                 and e["family"] != "classical" and e.get("confirmed") is True],
                "ssh.pq_kex_confirmed")
    for i, key in enumerate(_dicts(ssh.get("host_keys"))):
        name = key.get("algorithm")
        if isinstance(name, str):
            rec.set(key, "family", host_key_algorithm(name).family, f"ssh.host_keys[{i}].family")
            rec.set(key, "quantum_vulnerable", host_key_quantum_vulnerable(name),
                    f"ssh.host_keys[{i}].quantum_vulnerable")
    rec.set(ssh, "weak_ciphers", _weak(_both(ssh.get("ciphers")), cipher), "ssh.weak_ciphers")
    rec.set(ssh, "weak_macs", _weak(_both(ssh.get("macs")), mac), "ssh.weak_macs")
    state, reason = derive_ssh_state(ssh)
    rec.set(ssh, "kex_state", state, "ssh.kex_state")
    rec.set(ssh, "kex_state_reason", reason, "ssh.kex_state_reason", report=False)
    rec.set(ssh, "readiness", READINESS.get(state or ""), "ssh.readiness")


def rederive(endpoint: dict[str, Any]) -> list[str]:
    """Recompute every derived field of ENDPOINT in place; one line per stored value changed."""
    if not isinstance(endpoint, dict):
        raise TypeError(f"endpoint must be a dict, not {type(endpoint).__name__}")
    rec = _Recorder()
    if isinstance(endpoint.get("tls"), dict):
        _tls(rec, endpoint["tls"])
    if isinstance(endpoint.get("ssh"), dict):
        _ssh(rec, endpoint["ssh"])
    return rec.changes
