"""The TLS finding checks: pure functions of an endpoint's observations, each registered with
`@check` together with the finding codes it emits (pqscan.assess.finding). Also the
protocol-neutral helpers the SSH checks reuse (`auth_findings`, `algorithm_findings`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pqscan.assess.chains import ServedChain, chains_undecided, served_chains
from pqscan.assess.finding import FINDINGS, Finding, FindingSpec, Undecided, check
from pqscan.assess.finding import make as _make
from pqscan.assess.strength import (
    CLASSICAL_GROUP_STRENGTH,
    key_label,
    public_key_strength,
    signature_oid_is_classical,
)
from pqscan.model.status import undecided_reason
from pqscan.registry.reference import reference_data

_KEX = "docs/json-contract.md K-states; RFC 10024; NIST IR 8547 ipd §4.1.2 Table 4 (draft)"


class _Observed(Mapping[str, Any]):
    """The endpoint's `tls` facts, where reading a key that a failed probe left undecided
    (the endpoint's `undecided` list) raises Undecided: no finding rests on it."""

    def __init__(self, tls: Mapping[str, Any], endpoint: Mapping[str, Any]) -> None:
        self._tls = tls
        self._endpoint = endpoint

    def __getitem__(self, key: str) -> Any:
        why = undecided_reason(self._endpoint, f"tls/{key}")
        if why:
            raise Undecided(why)
        return self._tls[key]

    def get(self, key: str, default: Any = None) -> Any:
        # Mapping.get, without its try/except around __getitem__ (~28 reads per endpoint)
        why = undecided_reason(self._endpoint, f"tls/{key}")
        if why:
            raise Undecided(why)
        return self._tls.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tls)

    def __len__(self) -> int:
        return len(self._tls)


def observed_tls(endpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    """The endpoint's TLS facts, read through the undecided guard (for other check modules)."""
    return _tls(endpoint)


def _tls(endpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    tls = endpoint.get("tls")
    if not isinstance(tls, Mapping):
        status = endpoint.get("status", "absent")
        raise Undecided(f"no TLS observations (status {status}: {endpoint.get('error')})")
    return _Observed(tls, endpoint)


def _kex_state(endpoint: Mapping[str, Any]) -> str:
    tls = _tls(endpoint)
    state = tls.get("kex_state")
    if state not in ("K0", "K1", "K2", "K3", "K4", "K5"):
        raise Undecided(f"kex_state is {state!r}: {tls.get('kex_state_reason')}")
    return str(state)


@check("tls", "kex.state",
       FindingSpec("kex.state.k0", "info", "PQ key exchange enforced",
           "A PQ/hybrid group is supported and a classical-only TLS 1.3 offer is refused.",
           _KEX, "kex.state"),
       FindingSpec("kex.state.k1", "info", "PQ chosen whenever offered",
           "Browser-like hellos get PQ and an X25519-share-first hello is retried (HRR) "
           "up to a PQ group; classical-only clients are still served.", _KEX, "kex.state"),
       FindingSpec("kex.state.k2", "medium", "PQ supported but not preferred",
           "PQ is supported, but a client sending an X25519 share first gets classical "
           "key exchange.", _KEX, "kex.state"),
       FindingSpec("kex.state.k3", "high", "TLS 1.3 with classical groups only",
           "No PQ or hybrid group is accepted.", _KEX, "kex.state"),
       FindingSpec("kex.state.k4", "high", "TLS <= 1.2 only, (EC)DHE",
           "No TLS 1.3, so no standard PQ key exchange is possible.", _KEX, "kex.state"),
       FindingSpec("kex.state.k5", "critical", "TLS <= 1.2 only, RSA key transport",
           "No TLS 1.3 and RSA key transport accepted: no forward secrecy.", _KEX,
           "kex.state"))
def _check_kex_state(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    state = _kex_state(endpoint)
    code = f"kex.state.{state.lower()}"
    reason = _tls(endpoint).get("kex_state_reason")
    return [_make(code, f"{state}: {FINDINGS[code].title}", kex_state=state, reason=reason)]


@check("tls", "exposure.hndl",
       FindingSpec("exposure.hndl", "high", "Harvest-now-decrypt-later exposure",
           "Clients that offer PQ can still end up with a classical key exchange (K2-K5); "
           "recorded traffic can be decrypted once a quantum computer exists.",
           _KEX, "exposure.hndl"),
       FindingSpec("exposure.hndl_fallback", "low", "HNDL exposure for non-PQ clients only",
           "PQ is chosen whenever offered (K1) but clients without PQ still get classical "
           "key exchange.", _KEX, "exposure.hndl"))
def _check_hndl(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    state = _kex_state(endpoint)
    negotiated = _tls(endpoint).get("negotiated") or {}
    if state == "K1":
        return [_make("exposure.hndl_fallback", "classical-only clients get classical key "
                      "exchange", kex_state=state, classical_only=negotiated.get("classical_only"))]
    if state in ("K2", "K3", "K4", "K5"):
        return [_make("exposure.hndl", f"{state}: PQ-capable clients can get classical key "
                      "exchange", kex_state=state, negotiated=dict(negotiated))]
    return []


def _chain(endpoint: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    chain = _tls(endpoint).get("certificate_chain")
    if not isinstance(chain, list) or not chain:
        raise Undecided("no certificate chain observed")
    return [c for c in chain if type(c) is dict or isinstance(c, Mapping)]


def _signer_key(chain: tuple[Mapping[str, Any], ...], index: int) -> Mapping[str, Any] | None:
    """The key that signed chain[index]: the next certificate's when the server sent it; a
    self-signed certificate's own key (RFC 5280 §3.2: subject == issuer), never "unknown"."""
    if index + 1 < len(chain):
        key = chain[index + 1].get("public_key")
    elif chain[index].get("subject") and chain[index].get("subject") == chain[index].get(
            "issuer"):
        key = chain[index].get("public_key")
    else:
        key = None
    return key if isinstance(key, Mapping) else None


def _served_chain_algorithms(served: ServedChain) -> tuple[list[dict[str, Any]], str | None]:
    """Classical keys and signatures of one served chain, and the first unclassifiable one."""
    out: list[dict[str, Any]] = []
    unknown: str | None = None
    chain = served.certificates
    for index, cert in enumerate(chain):
        where = f"{served.where}[{index}]"
        key = cert.get("public_key") or {}
        vulnerable = key.get("quantum_vulnerable")
        if vulnerable is None:
            unknown = unknown or f"{where}.public_key.quantum_vulnerable absent"
        elif vulnerable:
            out.append({"algorithm": key_label(key), "use": "signature",
                        "strength_bits": public_key_strength(key),
                        "where": f"{where}.public_key", "clients": served.clients})
        sig = cert.get("signature_algorithm") or {}
        classical = signature_oid_is_classical(str(sig.get("oid", "")))
        if classical is None:
            unknown = unknown or f"{where} signature OID {sig.get('oid')!r} not recognised"
        elif classical:
            signer = _signer_key(chain, index)
            out.append({"algorithm": str(sig.get("name") or sig.get("oid")), "use": "signature",
                        "strength_bits": public_key_strength(signer) if signer else None,
                        "where": f"{where}.signature_algorithm", "clients": served.clients})
    return out, unknown


def _chain_algorithms(endpoint: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Classical keys and signatures in every chain the server serves (a dual-certificate
    server's too, pqscan.assess.chains); Undecided if none is classical and one cannot be
    classified, or if the chains seen may not be all of them."""
    _chain(endpoint)  # Undecided when no chain was observed at all
    out: list[dict[str, Any]] = []
    unknown: list[str] = []
    for served in served_chains(endpoint["tls"]):
        found, why = _served_chain_algorithms(served)
        out.extend(found)
        unknown.extend([why] if why else [])
    incomplete = chains_undecided(endpoint)
    if not out and (unknown or incomplete):
        raise Undecided(unknown[0] if unknown else str(incomplete))
    return out


def auth_findings(classical: list[dict[str, Any]], what: str) -> list[Finding]:
    """One `exposure.auth` naming the classical algorithms (TLS chain or SSH host keys)."""
    if not classical:
        return []
    names = sorted({str(c["algorithm"]) for c in classical})
    return [_make("exposure.auth", f"{what}: " + ", ".join(names),
                  algorithms=names, locations=[c["where"] for c in classical])]


@check("tls", "exposure.auth",
       FindingSpec("exposure.auth", "medium", "Quantum-vulnerable authentication",
           "A key or signature in the certificate chain is classical (RSA/ECDSA/EdDSA); "
           "it can be forged once a quantum computer exists.",
           "NIST IR 8547 ipd §4.1.1 Table 2 (draft); RFC 9881", "exposure.auth"))
def _check_auth(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    classical = _chain_algorithms(endpoint)
    found = auth_findings(classical, "classical authentication")
    if found and len(served_chains(endpoint["tls"])) > 1:
        # a dual-certificate server: say which clients get a classical chain
        clients = sorted({str(c["clients"]) for c in classical})
        finding = found[0]
        found = [_make("exposure.auth", f"{finding.message} (served to {'; '.join(clients)})",
                       **finding.evidence, clients=clients)]
    return found


@check("tls", "cert.served_chains",
       FindingSpec("cert.dual_certificate", "info", "Several certificate chains served",
           "The server picks its chain by the client's signature_algorithms (e.g. ECDSA for "
           "classical clients, ML-DSA for PQ-capable ones); every chain is judged.",
           "RFC 8446 §4.4.2.2", "cert.served_chains"))
def _check_served_chains(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    _chain(endpoint)
    chains = served_chains(endpoint["tls"])
    if len(chains) < 2:
        return []
    described = []
    for served in chains:
        leaf = served.certificates[0].get("public_key") if served.certificates else None
        label = key_label(leaf) if isinstance(leaf, Mapping) else "unreadable leaf"
        described.append({"where": served.where, "leaf": label, "clients": served.clients,
                          "schemes": list(served.schemes), "leaf_sha256": served.leaf_sha256})
    return [_make("cert.dual_certificate", f"{len(chains)} chains served: " + "; ".join(
        f"{d['leaf']} to {d['clients']}" for d in described), chains=described)]


def _kex_algorithms(tls: Mapping[str, Any], leaf_strength: int | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    negotiated = tls.get("negotiated") or {}
    for behaviour in ("classical_only", "x25519_share_first"):
        name = str(negotiated.get(behaviour))
        if name in CLASSICAL_GROUP_STRENGTH:
            out.append({"algorithm": name, "use": "key_establishment",
                        "strength_bits": CLASSICAL_GROUP_STRENGTH[name],
                        "where": f"tls.negotiated.{behaviour}"})
    tls12 = tls.get("tls12") or {}
    for curve, status in sorted((tls12.get("ecdhe_curves") or {}).items()):
        if status == "supported":
            out.append({"algorithm": f"ECDHE-{curve}", "use": "key_establishment",
                        "strength_bits": CLASSICAL_GROUP_STRENGTH.get(curve),
                        "where": f"tls.tls12.ecdhe_curves.{curve}"})
    if tls12.get("ffdhe") == "supported":
        # The contract records FFDHE support without the group size.
        out.append({"algorithm": "FFDHE", "use": "key_establishment", "strength_bits": None,
                    "where": "tls.tls12.ffdhe"})
    if tls12.get("rsa_key_transport") == "supported" or tls.get("rsa_key_transport") is True:
        out.append({"algorithm": "RSA key transport", "use": "key_establishment",
                    "strength_bits": leaf_strength, "where": "tls.rsa_key_transport"})
    return out


@check("tls", "alg.quantum_vulnerable",
       FindingSpec("alg.quantum_vulnerable", "medium", "Quantum-vulnerable algorithm in use",
           "One finding per classical public-key algorithm the endpoint uses, with its "
           "classical security strength (SP 800-57 Pt 1 Table 2).",
           "NIST IR 8547 ipd §4.1 Tables 2 and 4 (draft)", "alg.quantum_vulnerable"))
def _check_algorithms(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    observed = _tls(endpoint)  # Undecided when there are no TLS facts at all
    chain = endpoint["tls"].get("certificate_chain") or []
    leaf_key = chain[0].get("public_key") if chain and isinstance(chain[0], Mapping) else None
    leaf_strength = public_key_strength(leaf_key) if isinstance(leaf_key, Mapping) else None
    kex = _kex_algorithms(observed, leaf_strength)
    try:
        used = _chain_algorithms(endpoint)
    except Undecided as exc:
        # the key exchange is still judged, but an unseen chain is never "no classical
        # signature": the check stays undecided next to what it did find
        raise Undecided(str(exc), algorithm_findings(kex)) from None
    return algorithm_findings(used + kex)


def algorithm_findings(used: list[dict[str, Any]]) -> list[Finding]:
    """One `alg.quantum_vulnerable` per (algorithm, use, strength), with every place seen."""
    merged: dict[tuple[str, str, int | None], list[str]] = {}
    for item in used:
        merged.setdefault((item["algorithm"], item["use"], item["strength_bits"]), []).append(
            item["where"])
    return [_make("alg.quantum_vulnerable",
                  f"{alg} ({use}, {'unknown' if bits is None else bits}-bit classical strength)",
                  algorithm=alg, use=use, strength_bits=bits, where=where)
            for (alg, use, bits), where in merged.items()]


@lru_cache(maxsize=1)
def ir8547_dates() -> dict[str, date]:
    """IR 8547 ipd deadlines from the shipped reference data (status: draft, S21)."""
    out: dict[str, date] = {}
    for item in reference_data()["milestones"]:
        if str(item.get("document", "")).startswith("NIST IR 8547") and "transition" in item:
            out[str(item["transition"])] = date.fromisoformat(str(item["date"]))
    return out


def _parse_time(value: Any, where: str) -> date:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        raise Undecided(f"{where} is not a timestamp: {value!r}") from None


@check("tls", "cert.validity",
       FindingSpec("cert.validity_past_2030", "medium", "Classical certificate valid past 2030",
           "A certificate with a quantum-vulnerable key is valid after the IR 8547 "
           "deprecation date for 112-bit schemes.", "NIST IR 8547 ipd Table 2 (draft)",
           "cert.validity"),
       FindingSpec("cert.validity_past_2035", "high", "Classical certificate valid past 2035",
           "A certificate with a quantum-vulnerable key is valid after the IR 8547 date "
           "when all classical signatures are disallowed.",
           "NIST IR 8547 ipd Table 2 (draft)", "cert.validity"),
       FindingSpec("cert.expired", "high", "Certificate expired",
           "A certificate in the chain is past its notAfter as of the evaluation date.",
           "RFC 5280 §4.1.2.5", "cert.validity"))
def _check_validity(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    out: list[Finding] = []
    deadlines = ir8547_dates()
    for index, cert in enumerate(_chain(endpoint)):
        not_after = _parse_time(cert.get("not_after"), f"certificate_chain[{index}].not_after")
        where = {"position": index, "subject": cert.get("subject"),
                 "not_after": cert.get("not_after")}
        if not_after < as_of:
            out.append(_make("cert.expired", f"{cert.get('subject')} expired {not_after}",
                             as_of=as_of.isoformat(), **where))
        if not (cert.get("public_key") or {}).get("quantum_vulnerable"):
            continue
        for code, key in (("cert.validity_past_2030", "deprecated"),
                          ("cert.validity_past_2035", "disallowed")):
            if not_after > deadlines[key]:
                out.append(_make(code, f"{cert.get('subject')} valid until {not_after}, after "
                                 f"{deadlines[key]} (IR 8547 ipd, draft)",
                                 deadline=deadlines[key].isoformat(), source_status="draft",
                                 **where))
    return out


@check("tls", "kex.pre_standard",
       FindingSpec("kex.pre_standard_kyber", "medium", "Pre-standard Kyber group accepted",
           "A round-3 Kyber draft group (e.g. X25519Kyber768Draft00) is still accepted; "
           "it is not FIPS 203 ML-KEM and is marked obsolete by IANA.",
           "RFC 10024 §5 (S2); IANA TLS Supported Groups (S1 snapshot)", "kex.pre_standard"))
def _check_pre_standard(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    if (_tls(endpoint).get("versions") or {}).get("TLSv1.3") == "not_supported":
        return []  # the Kyber drafts are TLS 1.3 key-share groups: none without TLS 1.3
    groups = _tls(endpoint).get("groups") or {}
    kyber = {n: g for n, g in groups.items()  # a dict is a Mapping: no ABC check per group
             if (type(g) is dict or isinstance(g, Mapping))
             and (g.get("family") == "pre_standard" or "Kyber" in n)}
    accepted = sorted(n for n, g in kyber.items() if g.get("status") == "supported")
    if accepted:
        return [_make("kex.pre_standard_kyber", "accepted: " + ", ".join(accepted),
                      groups=accepted)]
    unknown = sorted(n for n, g in kyber.items() if g.get("status") != "not_supported")
    if not kyber or unknown:
        raise Undecided("pre-standard Kyber groups not probed" if not kyber
                        else "inconclusive: " + ", ".join(unknown))
    return []


@check("tls", "tls.version.legacy",
       FindingSpec("tls.version.legacy", "high", "TLS below 1.2 enabled",
           "TLS 1.0 or TLS 1.1 is accepted.", "RFC 8996 §2-§3", "tls.version.legacy"))
def _check_legacy_versions(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    versions = _tls(endpoint).get("versions") or {}
    old = {v: versions.get(v) for v in ("TLSv1.0", "TLSv1.1")}
    enabled = sorted(v for v, s in old.items() if s == "supported")
    if enabled:
        return [_make("tls.version.legacy", "enabled: " + ", ".join(enabled), versions=enabled)]
    unclear = sorted(v for v, s in old.items() if s != "not_supported")
    if unclear:
        raise Undecided(", ".join(f"{v} is {old[v]!r}" for v in unclear))
    return []


@check("tls", "tls13.cipher",
       FindingSpec("tls13.cipher.not_aes256", "low", "TLS 1.3 suites other than AES-256",
           "The server accepts a TLS 1.3 cipher suite other than TLS_AES_256_GCM_SHA384, "
           "which profiles with an AES-256 rule (CNSA 2.0) do not allow.",
           "CNSA 2.0 algorithm table (S23); RFC 8446 §B.4", "tls13.cipher"))
def _check_tls13_ciphers(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    tls = _tls(endpoint)
    version = (tls.get("versions") or {}).get("TLSv1.3")
    if version == "not_supported":
        return []
    suites = (tls.get("cipher_suites") or {}).get("TLSv1.3")
    if version != "supported" or not suites:
        raise Undecided(f"TLSv1.3 is {version!r} and its suites {suites!r}")
    weaker = sorted(s for s in suites if s != "TLS_AES_256_GCM_SHA384")
    if weaker:
        return [_make("tls13.cipher.not_aes256", "accepted: " + ", ".join(weaker),
                      suites=weaker)]
    return []


