"""The certificate chains a TLS endpoint serves, and which clients get each (issue 14).

A dual-certificate server (RFC 8446 §4.4.2.2: the server picks its certificate by the client's
signature_algorithms) serves a classical chain to classical clients and, say, an ML-DSA chain to
PQ-capable ones. The first handshake's `certificate_chain` is only one of them; the
signature-scheme probes (`certificate_chains`, one entry per distinct leaf with the schemes that
elicited it) show the others. Every judgement about authentication (exposure findings, the
readiness level) reads all of them through `served_chains`, so no chain goes unjudged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.assess.strength import signature_oid_is_classical
from pqscan.model.status import undecided_reason

# The decisions that, left undecided, mean the list of chains may be incomplete.
_CHAIN_DECISIONS = ("tls/signature_schemes", "tls/certificate_chains")


@dataclass(frozen=True, slots=True)
class ServedChain:
    """One chain the server sent: where it is in the report and which clients get it."""

    where: str  # report path of the chain, e.g. "certificate_chains[1].chain"
    certificates: tuple[Mapping[str, Any], ...]
    schemes: tuple[str, ...]  # signature schemes that elicited it; () for the first handshake
    leaf_sha256: str

    @property
    def clients(self) -> str:
        """Which clients get this chain, in words."""
        if not self.schemes:
            return "clients like the first (browser-like) handshake"
        return "clients offering " + ", ".join(self.schemes)

    def quantum_vulnerable(self) -> tuple[bool | None, str]:
        """(True, what) if a key or signature in the chain is classical; (None, why) if one
        cannot be classified; else (False, "")."""
        unknown = ""
        for index, cert in enumerate(self.certificates):
            key = cert.get("public_key") or {}
            key_vulnerable = key.get("quantum_vulnerable") if isinstance(key, Mapping) else None
            sig = cert.get("signature_algorithm") or {}
            oid = sig.get("oid") if isinstance(sig, Mapping) else None
            sig_classical = signature_oid_is_classical(oid) if isinstance(oid, str) else None
            if key_vulnerable is True:
                return True, f"{self.where}[{index}] key {key.get('algorithm')}"
            if sig_classical is True:
                return True, f"{self.where}[{index}] signature {sig.get('name') or oid}"
            if key_vulnerable is None or sig_classical is None:
                unknown = unknown or f"{self.where}[{index}] algorithm not recognised"
        return (None, unknown) if unknown else (False, "")


def served_chains(tls: Mapping[str, Any]) -> list[ServedChain]:
    """Every distinct chain (by leaf SHA-256) in `tls`, the first handshake's first."""
    out: list[ServedChain] = []
    seen: set[str] = set()
    first = tls.get("certificate_chain")
    if isinstance(first, list) and first:
        certs = tuple(c for c in first if isinstance(c, Mapping))
        leaf = str(certs[0].get("sha256") or "") if certs else ""
        out.append(ServedChain("certificate_chain", certs, (), leaf))
        seen.add(leaf)
    for index, entry in enumerate(tls.get("certificate_chains") or []):
        if not isinstance(entry, Mapping):
            continue
        leaf = str(entry.get("leaf_sha256") or "")
        schemes = tuple(str(s) for s in entry.get("schemes") or ())
        if "chain" not in entry and out and leaf == out[0].leaf_sha256:
            # the compact form (docs/json-contract.md): no `chain` = the served chain
            out[0] = ServedChain(out[0].where, out[0].certificates, out[0].schemes or schemes,
                                 out[0].leaf_sha256)
            continue
        if not entry.get("chain"):
            continue
        certs = tuple(c for c in entry["chain"] if isinstance(c, Mapping))
        if leaf and leaf in seen:
            # the first handshake's chain again (written without `chain` in the compact form,
            # pqscan.scan.probe_detail): keep its position, learn its schemes
            out = [ServedChain(c.where, c.certificates, c.schemes or schemes, c.leaf_sha256)
                   if c.leaf_sha256 == leaf else c for c in out]
            continue
        if not entry.get("chain"):
            continue
        certs = tuple(c for c in entry["chain"] if isinstance(c, Mapping))
        seen.add(leaf)
        out.append(ServedChain(f"certificate_chains[{index}].chain", certs, schemes, leaf))
    return out


def chains_undecided(endpoint: Mapping[str, Any]) -> str | None:
    """Why the list of served chains may be incomplete: the signature-scheme probes, which find
    a dual-certificate server's other chains, failed or did not run (`--depth quick`)."""
    tls = endpoint.get("tls")
    if isinstance(tls, Mapping) and not isinstance(tls.get("certificate_chains"), list):
        return ("tls/certificate_chains: signature-scheme probes not run, so other chains "
                "(a dual-certificate server's) are unknown")
    for decision in _CHAIN_DECISIONS:
        why = undecided_reason(endpoint, decision)
        if why:
            return why
    return None
