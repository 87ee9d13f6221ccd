"""The report view of SSH endpoints: read-only accessors the renderers share (PQ methods, client
behaviours, host keys, remediation), so table, Markdown, HTML and CSV say the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pqscan.assess.remediation_ssh import endpoint_fixes, fix_text

SSH_MEANING = {"K0": "PQ enforced", "K1": "PQ by default for current clients",
               "K2": "PQ listed, current clients get classical", "K3": "classical only",
               "K4": "legacy (SHA-1 DH only)", "K5": "RSA key transport only"}
PQ_FAMILIES = frozenset({"hybrid", "pure_pq", "pre_standard"})
BEHAVIOURS = ("openssh_10", "openssh_9", "classical_only")


def ssh(ep: Mapping[str, Any]) -> Mapping[str, Any]:
    value = ep.get("ssh")
    return value if isinstance(value, Mapping) else {}


def is_ssh(ep: Mapping[str, Any]) -> bool:
    return ep.get("protocol") == "ssh"


def software(ep: Mapping[str, Any]) -> str:
    ident = ssh(ep).get("identification") or {}
    return str(ident.get("software") or "-")


def pq_kex(ep: Mapping[str, Any]) -> str:
    """PQ methods listed; "?" not confirmed by a real exchange, "!" exchange failed."""
    out = []
    for name, entry in (ssh(ep).get("kex_algorithms") or {}).items():
        if isinstance(entry, Mapping) and entry.get("family") in PQ_FAMILIES:
            confirmed = entry.get("confirmed")
            out.append(name + ("" if confirmed else "?" if confirmed is None else "!"))
    return ", ".join(out) or "-"


def negotiated(ep: Mapping[str, Any], behaviour: str) -> str:
    value = (ssh(ep).get("negotiated") or {}).get(behaviour)
    if value:
        return str(value)
    status = (ssh(ep).get("negotiation_status") or {}).get(behaviour)
    return {"refused": "refused", "inconclusive": "?"}.get(str(status), "-")


def host_keys(ep: Mapping[str, Any]) -> list[str]:
    """"ssh-ed25519 256 SHA256:... [cert by ssh-ed25519 CA]" per key."""
    out = []
    for key in ssh(ep).get("host_keys") or []:
        if not isinstance(key, Mapping):
            continue
        if key.get("status") != "fetched":
            out.append(f"{key.get('algorithm')} ({key.get('status')})")
            continue
        size = key.get("size_bits") or "?"
        text = f"{key.get('key_type')} {size} {key.get('fingerprint_sha256')}"
        cert = key.get("certificate")
        if isinstance(cert, Mapping):
            ca = cert.get("ca_key") or {}
            text += f" [certificate, CA {ca.get('key_type')} {ca.get('fingerprint_sha256')}]"
        if key.get("signature_verified") is not True:
            text += " (signature NOT verified)"
        out.append(text)
    return out


def host_key_types(ep: Mapping[str, Any]) -> str:
    names = [str(k.get("key_type")) for k in ssh(ep).get("host_keys") or []
             if isinstance(k, Mapping) and k.get("status") == "fetched"]
    return ", ".join(names) or "-"


def remediation(ep: Mapping[str, Any]) -> list[str]:
    """sshd_config lines for the endpoint's findings; "(upgrade first)" when the server's
    version is older than the line needs."""
    return [fix_text(fix, old) for fix, old in endpoint_fixes(ep)]


def facts(ep: Mapping[str, Any]) -> list[list[str]]:
    """(fact, value) rows of an SSH endpoint for the Markdown and HTML detail sections."""
    s = ssh(ep)
    ident = s.get("identification") or {}
    rows = [["SSH software", f"{ident.get('raw') or '-'}"],
            ["K-state", f"{s.get('kex_state') or 'undecided'} ({s.get('readiness') or '-'}): "
                        f"{s.get('kex_state_reason')}"],
            ["PQ key exchange", pq_kex(ep)]]
    rows += [[f"{b} client gets", negotiated(ep, b)] for b in BEHAVIOURS]
    rows += [["key exchange (server order)", ", ".join(s.get("kex_preference") or []) or "-"],
             ["host key algorithms", ", ".join(s.get("host_key_algorithms") or []) or "-"],
             ["weak ciphers / MACs", f"{', '.join(s.get('weak_ciphers') or []) or '-'} / "
                                     f"{', '.join(s.get('weak_macs') or []) or '-'}"],
             ["strict KEX / ext-info", f"{s.get('strict_kex')} / {s.get('ext_info')}"]]
    if s.get("violations"):
        rows.append(["protocol violations", "; ".join(s["violations"])])
    return rows


def pq_summary(ep: Mapping[str, Any]) -> str:
    """The summary tables' "PQ" cell: TLS PQ groups or SSH PQ methods."""
    return pq_kex(ep)
