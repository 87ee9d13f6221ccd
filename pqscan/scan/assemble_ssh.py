"""One SSH endpoint's result: `SSHFacts` turned into the typed `ssh` observation
(pqscan.model.ssh, docs/json-contract.md "SSH endpoint"). The readiness state written for
readers comes from `pqscan.assess.kexstate.derive_ssh_state`, the function every judgement
recomputes it with.
"""

from __future__ import annotations

from typing import Any

from pqscan.assess.kexstate import READINESS, derive_ssh_state
from pqscan.model.ssh import (
    Directions,
    HostKey,
    Identification,
    KexMethod,
    SSHNegotiated,
    SSHNegotiationStatus,
    SSHObservation,
)
from pqscan.model.vocab import KState, Negotiation, Readiness
from pqscan.registry.ssh import cipher, host_key_algorithm, kex_method, mac, marker
from pqscan.scan.probes.ssh import SSHFacts, key_groups
from pqscan.ssh.exchange import COMPLETED, REFUSED, ExchangeResult
from pqscan.ssh.kex import available


def _status(facts: SSHFacts, behaviour: str) -> Negotiation:
    r = facts.behaviours.get(behaviour)
    if r is None:
        return Negotiation.NOT_RUN
    if r.confirmed:
        return Negotiation.OK
    return Negotiation.REFUSED if r.outcome == REFUSED else Negotiation.INCONCLUSIVE


def _identification(r: ExchangeResult) -> Identification | None:
    ident = r.identification
    if ident is None:
        return None
    name, _, version = ident.software.partition("_")
    return Identification(raw=ident.text, protoversion=ident.protoversion,
                          software=ident.software, product=name, version=version or None,
                          comments=ident.comments, pre_banner_lines=tuple(r.pre_banner))


def _all(facts: SSHFacts) -> list[tuple[str, ExchangeResult]]:
    return [(f"behaviour.{n}", r) for n, r in facts.behaviours.items()] + list(
        facts.exchanges.items())


def _kex(facts: SSHFacts, listed: tuple[str, ...]) -> dict[str, KexMethod]:
    out: dict[str, KexMethod] = {}
    runs = _all(facts)
    for position, name in enumerate(listed):
        m = kex_method(name)
        entry: dict[str, Any] = {"position": position, "family": m.family,
                                 "components": list(m.components), "sha1": m.sha1,
                                 "status": "supported", "confirmed": None, "reason": None,
                                 "source": None}
        mine = [(p, r) for p, r in runs if r.kex == name and r.outcome == COMPLETED]
        good = [(p, r) for p, r in mine if r.confirmed]
        if good:
            entry.update(confirmed=True, source=good[0][0],
                         reason="exchange completed; host key signature over H verifies")
        elif mine:
            entry.update(confirmed=False, source=mine[0][0],
                         reason=f"exchange completed but {mine[0][1].reason}")
        elif not available(name):
            entry["reason"] = ("listed; pqscan has no client for it here"
                               + (" (install pqscan[sntrup])" if "sntrup761" in m.components
                                  else ""))
        else:
            tried = [(p, r) for p, r in runs if r.kex == name]
            entry["reason"] = (f"listed; {tried[0][0]}: {tried[0][1].reason}" if tried
                               else "listed; not exchanged (only PQ methods are confirmed)")
            if tried:
                entry["source"] = tried[0][0]
        out[name] = KexMethod.from_dict(entry)
    return out


def _host_keys(facts: SSHFacts, listed: tuple[str, ...]) -> tuple[HostKey, ...]:
    fetched: dict[str, tuple[str, ExchangeResult]] = {}
    for probe, r in _all(facts):
        if r.host_key is not None and r.host_key_algorithm:
            fetched.setdefault(host_key_algorithm(r.host_key_algorithm).key_type, (probe, r))
    out: list[HostKey] = []
    groups = key_groups(listed)
    for name in listed:
        alg = host_key_algorithm(name)
        if alg.implemented and groups.get(alg.key_type, [None])[0] != name:
            continue  # one entry per key: its other signature algorithms are listed in it
        entry: dict[str, Any] = {
            "algorithm": name, "algorithms": groups.get(alg.key_type, [name]),
            "key_type": alg.key_type, "family": alg.family,
            "quantum_vulnerable": alg.quantum_vulnerable, "certificate": None,
            "size_bits": None, "fingerprint_sha256": None, "signature_verified": None,
            "status": "not_fetched", "reason": None, "source": None}
        got = fetched.get(alg.key_type)
        if got is not None and got[1].host_key is not None:
            probe, r = got
            key = r.host_key
            assert key is not None
            entry.update(size_bits=key.size_bits, fingerprint_sha256=key.fingerprint,
                         signature_verified=r.signature_verified, status="fetched",
                         source=probe, reason=r.reason,
                         certificate=key.certificate.to_dict() if key.certificate else None)
        elif not alg.implemented:
            entry["reason"] = "listed; pqscan cannot verify this algorithm"
        else:
            tried = [(p, r) for p, r in _all(facts) if r.host_key_algorithm == name]
            entry["reason"] = (f"{tried[0][0]}: {tried[0][1].reason}" if tried
                               else "no key exchange available to fetch it")
            entry["status"] = "inconclusive"
        out.append(HostKey.from_dict(entry))
    return tuple(out)


def _weak(names: tuple[str, ...], lookup: Any) -> list[str]:
    return [n for n in names if lookup(n).weak]


def observe_ssh(facts: SSHFacts) -> SSHObservation:
    """The typed `ssh` object of one endpoint (K-state and readiness derived as every
    judgement does)."""
    server = facts.server
    init = server.server_kexinit
    assert init is not None
    kex_names = tuple(n for n in init.kex if marker(n) is None)
    kex = _kex(facts, kex_names)
    ssh = SSHObservation(
        identification=_identification(server),
        kex_algorithms=kex,
        kex_preference=kex_names,  # server order (RFC 4253 §7.1)
        pq_kex_confirmed=tuple(n for n, e in kex.items()
                               if e.family != "classical" and e.confirmed is True),
        host_key_algorithms=tuple(init.host_key),
        host_keys=_host_keys(facts, init.host_key),
        ciphers=Directions(client_to_server=init.ciphers_c2s,
                           server_to_client=init.ciphers_s2c),
        macs=Directions(client_to_server=init.macs_c2s, server_to_client=init.macs_s2c),
        compression=tuple(init.compression_s2c),
        weak_ciphers=tuple(sorted(set(_weak(init.ciphers_c2s + init.ciphers_s2c, cipher)))),
        weak_macs=tuple(sorted(set(_weak(init.macs_c2s + init.macs_s2c, mac)))),
        strict_kex="kex-strict-s-v00@openssh.com" in init.kex,
        ext_info="ext-info-s" in init.kex,
        negotiated=SSHNegotiated(openssh_10=_negotiated(facts, "openssh_10"),
                                 openssh_9=_negotiated(facts, "openssh_9"),
                                 classical_only=_negotiated(facts, "classical_only")),
        negotiation_status=SSHNegotiationStatus(
            openssh_10=_status(facts, "openssh_10"), openssh_9=_status(facts, "openssh_9"),
            classical_only=_status(facts, "classical_only")),
        violations=tuple(f"{p}: {r.reason}" for p, r in _all(facts)
                         if r.error_kind in ("violation", "decode")),
        kex_state=None, kex_state_reason="", readiness=None)
    state, reason = derive_ssh_state(ssh.to_dict())
    readiness = READINESS.get(state or "")
    return ssh.replace(kex_state=KState(state) if state else None, kex_state_reason=reason,
                       readiness=Readiness(readiness) if readiness else None)


def _negotiated(facts: SSHFacts, behaviour: str) -> str | None:
    r = facts.behaviours.get(behaviour)
    return r.kex if r is not None and r.confirmed else None


def build_ssh(facts: SSHFacts) -> dict[str, Any]:
    return observe_ssh(facts).to_dict()
