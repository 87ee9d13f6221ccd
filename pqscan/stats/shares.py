"""The shares `pqscan stats` counts: one registry (SHARES) of what an endpoint is "in".

Each share is a pure function of one ENDPOINT dict (docs/json-contract.md) with status "ok",
giving a `State`: YES (in the numerator), NO (in the denominator only), UNDECIDED (a fact it
needs is inconclusive or was not gathered: out of the denominator, counted as excluded) or
NOT_APPLICABLE (only for profile requirements: the requirement does not apply). Unreachable
and error endpoints never reach these functions: they are counted apart, never as classical.
docs/stats.md defines every share in words; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from pqscan.assess.catalogue import derive_findings
from pqscan.assess.exposure import oid_quantum_vulnerable
from pqscan.policy.evaluate import Profile, evaluate
from pqscan.registry.oids import algorithm
from pqscan.registry.tls import GroupFamily
from pqscan.registry.tls import group as registry_group

SUPPORTED, NOT_SUPPORTED = "supported", "not_supported"
K_STATES = ("K0", "K1", "K2", "K3", "K4", "K5")
# X.509 key families that authenticate against a quantum adversary (pqscan.registry.oids names)
PQ_SIGNATURE_FAMILIES = frozenset({"ML-DSA", "HashML-DSA", "SLH-DSA", "HashSLH-DSA",
                                   "composite ML-DSA"})


class State(IntEnum):
    """Where one endpoint stands for one share; the values are stable (compare uses them)."""

    NO = 0
    YES = 1
    UNDECIDED = 2
    NOT_APPLICABLE = 3


Fact = Callable[[Mapping[str, Any]], State]


@dataclass(frozen=True, slots=True)
class Share:
    """One share: an id for machines, a title for people, and the fact deciding membership
    (None for a profile requirement: `ShareSet.states` judges those, findings derived once)."""

    id: str
    title: str
    fact: Fact | None = None


def _yes(value: bool) -> State:
    return State.YES if value else State.NO


def _family(name: str, entry: Mapping[str, Any]) -> str:
    try:
        return registry_group(name).family.value
    except ValueError:
        return str(entry.get("family") or GroupFamily.UNKNOWN.value)


def _tls(endpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    tls = endpoint.get("tls")
    return tls if isinstance(tls, Mapping) else {}


def _tls13(endpoint: Mapping[str, Any]) -> State:
    status = (_tls(endpoint).get("versions") or {}).get("TLSv1.3")
    if status == SUPPORTED:
        return State.YES
    return State.NO if status == NOT_SUPPORTED else State.UNDECIDED


def _supports_family(*families: GroupFamily) -> Fact:
    """YES when the server accepts a TLS 1.3 group of one of `families` (HRR enumeration, a
    key share, or a client-behaviour handshake that ended on it); NO when TLS 1.3 is refused
    or every such group probed was refused."""
    wanted = {f.value for f in families}

    def fact(endpoint: Mapping[str, Any]) -> State:
        tls13 = _tls13(endpoint)
        if tls13 != State.YES:
            return tls13
        tls = _tls(endpoint)
        negotiated = tls.get("negotiated") or {}
        # a quick scan enumerates no groups, but a group a handshake ended on is supported
        if any(isinstance(n, str) and _family(n, {}) in wanted for n in negotiated.values()):
            return State.YES
        groups = tls.get("groups") or {}
        statuses = [g.get("status") for n, g in groups.items()
                    if isinstance(g, Mapping) and _family(n, g) in wanted]
        if SUPPORTED in statuses:
            return State.YES
        # none probed (a quick scan) or one inconclusive: not known to be absent
        if not statuses or any(s != NOT_SUPPORTED for s in statuses):
            return State.UNDECIDED
        return State.NO

    return fact


def _behaviour(name: str, accept: Callable[[str], bool]) -> Fact:
    """The group the `name` client behaviour ended on passes `accept`; a refused offer is NO."""

    def fact(endpoint: Mapping[str, Any]) -> State:
        tls13 = _tls13(endpoint)
        if tls13 != State.YES:
            return tls13
        tls = _tls(endpoint)
        chosen = (tls.get("negotiated") or {}).get(name)
        # older reports carry no negotiation_status: a named group means the handshake got there
        status = (tls.get("negotiation_status") or {}).get(name, "ok" if chosen else None)
        if status == "refused":
            return State.NO
        if status != "ok" or not chosen:
            return State.UNDECIDED
        return _yes(accept(str(chosen)))

    return fact


def _is_hybrid_mlkem(name: str) -> bool:
    return _family(name, {}) == GroupFamily.HYBRID.value


def _is_pq(name: str) -> bool:
    try:
        return registry_group(name).is_pq
    except ValueError:
        return False


def _chain(endpoint: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    chain = _tls(endpoint).get("certificate_chain")
    return [c for c in chain if isinstance(c, Mapping)] if isinstance(chain, list) else []


def _key_family(cert: Mapping[str, Any]) -> str:
    key = cert.get("public_key") or {}
    return algorithm(str(key.get("oid") or "")).family


def _pq_authentication(endpoint: Mapping[str, Any]) -> State:
    leaves = _chain(endpoint)[:1]
    for extra in _tls(endpoint).get("certificate_chains") or []:  # dual-certificate servers
        if isinstance(extra, Mapping) and extra.get("chain"):
            leaves.append(extra["chain"][0])
    if not leaves:
        return State.UNDECIDED
    return _yes(any(_key_family(leaf) in PQ_SIGNATURE_FAMILIES for leaf in leaves))


def _vulnerable_chain(endpoint: Mapping[str, Any]) -> State:
    chain = _chain(endpoint)
    if not chain:
        return State.UNDECIDED

    def exposures(cert: Mapping[str, Any]) -> list[bool | None]:
        key = cert.get("public_key") or {}
        signature = cert.get("signature_algorithm") or {}
        # judged now, from the OIDs (pqscan.assess.exposure): unknown is undecided, never vulnerable
        return [oid_quantum_vulnerable(str(key.get("oid") or "")),
                oid_quantum_vulnerable(str(signature.get("oid") or ""))]

    seen = [e for c in chain for e in exposures(c)]
    if True in seen:
        return State.YES
    return State.UNDECIDED if None in seen else State.NO


def _kex_state(state: str) -> Fact:
    def fact(endpoint: Mapping[str, Any]) -> State:
        # SSH endpoints (issue 15) have the same K-scale in their `ssh` object
        proto = endpoint.get("ssh") if endpoint.get("protocol") == "ssh" else _tls(endpoint)
        found = proto.get("kex_state") if isinstance(proto, Mapping) else None
        return _yes(found == state) if found in K_STATES else State.UNDECIDED

    return fact


SHARES: tuple[Share, ...] = (
    *(Share(f"kex.{k}", f"readiness {k}", _kex_state(k)) for k in K_STATES),
    Share("tls13", "TLS 1.3", _tls13),
    Share("hybrid_mlkem.offered", "hybrid ML-KEM offered",
          _supports_family(GroupFamily.HYBRID)),
    Share("hybrid_mlkem.browser", "hybrid ML-KEM chosen by a browser-like client",
          _behaviour("browser_like", _is_hybrid_mlkem)),
    Share("pq.preferred", "PQ preferred (HRR upgrade)",
          _behaviour("x25519_share_first", _is_pq)),
    Share("pure_mlkem", "pure ML-KEM offered", _supports_family(GroupFamily.PURE_PQ)),
    Share("pq.authentication", "PQ authentication (ML-DSA / SLH-DSA leaf)", _pq_authentication),
    Share("chain.quantum_vulnerable", "quantum-vulnerable chain", _vulnerable_chain),
    Share("kyber_drafts", "Kyber drafts still accepted",
          _supports_family(GroupFamily.PRE_STANDARD)),
)
_VERDICT_STATE = {"PASS": State.YES, "FAIL": State.NO, "NOT_TESTED": State.UNDECIDED,
                  "NOT_APPLICABLE": State.NOT_APPLICABLE}


class ShareSet:
    """The shares of one `pqscan stats` invocation: SHARES plus one per requirement of each
    selected profile (pass rate), evaluated with the code `pqscan evaluate` uses."""

    __slots__ = ("_as_of", "_profiles", "shares")

    def __init__(self, profiles: Iterable[Profile] = (), as_of: date | None = None) -> None:
        self._profiles = tuple(profiles)
        self._as_of = as_of or date.today()
        self.shares: tuple[Share, ...] = SHARES + tuple(
            Share(f"profile.{p.id}.{r.id}", f"{p.id} {r.id} ({r.severity}) pass rate")
            for p in self._profiles for r in p.requirements)

    def states(self, endpoint: Mapping[str, Any]) -> bytes:
        """One State per share (in `shares` order) for an ok endpoint, packed in bytes.

        A malformed endpoint raises TypeError/ValueError/KeyError/AttributeError; the caller
        counts it and treats every share as undecided."""
        ssh = endpoint.get("protocol") == "ssh"  # TLS facts do not apply to SSH endpoints
        out = bytearray(State.NOT_APPLICABLE if ssh and not share.id.startswith("kex.")
                        else share.fact(endpoint) for share in SHARES if share.fact is not None)
        if self._profiles:
            findings = derive_findings(endpoint, self._as_of)
            for profile in self._profiles:
                out.extend(_VERDICT_STATE[v.result]
                           for v in evaluate(profile, endpoint, findings, self._as_of))
        return bytes(out)

