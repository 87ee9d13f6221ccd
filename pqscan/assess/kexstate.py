"""The key-exchange state K0-K5 of an endpoint: a pure function of its TLS observations.

K0 PQ enforced: a PQ group is supported and a classical-only TLS 1.3 offer is refused.
K1 PQ chosen whenever the client offers it: the browser-like hello gets PQ and an
   X25519-share-first hello is retried (HRR) up to a PQ group.
K2 PQ supported, but a client that sends an X25519 share first ends on classical.
K3 TLS 1.3 with classical groups only.
K4 TLS <= 1.2 only, (EC)DHE key exchange only.
K5 TLS <= 1.2 only, RSA key transport accepted (no forward secrecy).
Returns (None, reason) when an observation it needs is inconclusive: never a guess.

SSH readiness (`derive_ssh_state`, feeding the same K-levels):
  K0 pq_enforced      PQ listed, and a classical-only client is refused
  K1 pq_default       an OpenSSH 10 client gets a confirmed PQ method
  K2 pq_not_preferred PQ listed, but an OpenSSH 10 client gets classical key exchange
  K3 classical_only   no PQ method listed
  K4 legacy           no PQ, and only SHA-1 (EC)DH methods (RFC 9142 §4)
  K5 legacy           ... and RSA key transport (RFC 4432)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pqscan.model.vocab import KState, Readiness, Support
from pqscan.registry.ssh import kex_method
from pqscan.registry.tls import group as registry_group

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = (s.value for s in Support)
_WORDS = (Readiness.PQ_ENFORCED, Readiness.PQ_DEFAULT, Readiness.PQ_NOT_PREFERRED,
          Readiness.CLASSICAL_ONLY, Readiness.LEGACY, Readiness.LEGACY)
READINESS = {k.value: r.value for k, r in zip(KState, _WORDS, strict=True)}


@lru_cache(maxsize=1024)  # ~40 group names per endpoint, the same ones on every endpoint
def _is_pq(name: str | None) -> bool:
    if not name:
        return False
    try:
        return registry_group(name).is_pq
    except ValueError:
        return False


def derive_kex_state(tls: Mapping[str, Any]) -> tuple[str | None, str]:
    versions = tls.get("versions", {})
    v13 = versions.get("TLSv1.3")
    if v13 == SUPPORTED:
        return _tls13_state(tls)
    if v13 != NOT_SUPPORTED:
        return None, "TLS 1.3 support is inconclusive"
    legacy = [versions.get(v) for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2")]
    if SUPPORTED not in legacy:
        if INCONCLUSIVE in legacy:
            return None, "no TLS version confirmed; some probes were inconclusive"
        return None, "no TLS version accepted"
    rsa = tls.get("rsa_key_transport")
    if rsa is True:
        return "K5", "TLS <= 1.2 only and RSA key transport accepted (no forward secrecy)"
    if rsa is False:
        return "K4", "TLS <= 1.2 only, (EC)DHE key exchange only"
    return None, "TLS <= 1.2 only; RSA key transport probe inconclusive"


def _tls13_state(tls: Mapping[str, Any]) -> tuple[str | None, str]:
    groups: Mapping[str, Mapping[str, Any]] = tls.get("groups", {})
    pq_supported = [n for n, g in groups.items() if g.get("status") == SUPPORTED and _is_pq(n)]
    pq_unknown = [n for n, g in groups.items() if g.get("status") == INCONCLUSIVE and _is_pq(n)]
    negotiated: Mapping[str, Any] = tls.get("negotiated", {})
    status: Mapping[str, Any] = tls.get("negotiation_status", {})
    if not pq_supported:
        if pq_unknown:
            return None, "PQ group support inconclusive: " + ", ".join(pq_unknown)
        return "K3", "TLS 1.3 with classical key exchange only"

    def outcome(behaviour: str) -> str:
        return str(status.get(behaviour, "ok" if negotiated.get(behaviour) else "inconclusive"))

    classical = outcome("classical_only")
    browser_group = negotiated.get("browser_like")
    if classical == "not_run" and outcome("browser_like") == "ok" and browser_group \
            and not _is_pq(browser_group):
        # quick depth (pqscan.scan.census) skips the classical-only hello when a client
        # listing PQ groups already ended on a classical one: classical clients are served
        classical = "ok"
    if classical == "refused":
        return "K0", "PQ key exchange enforced: a classical-only client is refused"
    if classical != "ok":
        return None, "classical-only probe inconclusive"
    browser, x25519_first = outcome("browser_like"), outcome("x25519_share_first")
    if "inconclusive" in (browser, x25519_first):
        return None, "client-behaviour probes inconclusive"
    if _is_pq(negotiated.get("browser_like")) and _is_pq(negotiated.get("x25519_share_first")):
        return "K1", "PQ chosen whenever offered (HelloRetryRequest up to " \
            f"{negotiated.get('x25519_share_first')})"
    if x25519_first == "not_run" and browser_group and not _is_pq(browser_group):
        return "K2", f"PQ supported, but even a client sending a PQ share first gets " \
            f"{browser_group}"
    return "K2", "PQ supported, but a client sending an X25519 share first gets " \
        f"{negotiated.get('x25519_share_first') or 'refused'}"


def derive_ssh_state(ssh: Mapping[str, Any]) -> tuple[str | None, str]:
    """(K-state, reason) from the ssh object; (None, why) when a needed probe was undecided."""
    kex = ssh.get("kex_algorithms") or {}
    status = ssh.get("negotiation_status") or {}
    negotiated = ssh.get("negotiated") or {}
    pq = [n for n, e in kex.items() if e.get("family") in ("hybrid", "pure_pq", "pre_standard")]
    if not pq:
        methods = [kex_method(n) for n in kex]
        if methods and all(m.sha1 or m.rsa_transport for m in methods):
            rsa = any(m.rsa_transport for m in methods)
            return ("K5" if rsa else "K4"), ("only SHA-1 / RSA key transport methods listed "
                                             "(RFC 9142 §4)")
        return "K3", "no PQ key exchange method listed"
    if status.get("classical_only") == "refused":
        return "K0", f"PQ listed ({', '.join(pq)}); a classical-only client is refused"
    if status.get("classical_only") != "ok":
        return None, f"classical_only is {status.get('classical_only')}"
    current = negotiated.get("openssh_10")
    if status.get("openssh_10") == "ok" and current in pq:
        return "K1", f"an OpenSSH 10 client gets {current} (confirmed)"
    if status.get("openssh_10") in ("ok", "refused"):
        return "K2", (f"PQ listed ({', '.join(pq)}) but an OpenSSH 10 client gets "
                      f"{current or 'refused'}")
    return None, f"openssh_10 is {status.get('openssh_10')}"
