"""The readiness level of an endpoint (L0-L4) and its next deadline: docs/readiness.md.

Owns the one definition of the levels, computed at judge time from the endpoint's recomputed
observations (never stored facts) and, for the next deadline, from its verdicts:

  L0 legacy: best version <= TLS 1.2, or RSA key transport accepted (no forward secrecy)
  L1 TLS 1.3 with classical key exchange only (K3)
  L2 PQ key exchange supported but not preferred (K2)
  L3 PQ key exchange for every PQ-capable client (K0/K1), classical authentication
  L4 L3 plus PQ or composite authentication on every chain the server serves

SSH uses the same scale on its K-state and host keys (L0 SHA-1 / RSA key transport only, L1
classical only, L2 PQ listed but OpenSSH 10 gets classical, L3 PQ by default or enforced, L4 L3
with only PQ or composite host keys). A level that rests on an undecided fact is None, with the
facts it needed in `undecided`: never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pqscan.assess.chains import chains_undecided, served_chains

LEVELS = ("L0", "L1", "L2", "L3", "L4")
LABELS = {
    "L0": "legacy",
    "L1": "classical only",
    "L2": "PQ key exchange supported, not preferred",
    "L3": "PQ key exchange",
    "L4": "PQ key exchange and authentication",
}
READY = frozenset({"L3", "L4"})  # what the evaluation summary counts as post-quantum ready


@dataclass(frozen=True, slots=True)
class Readiness:
    """An endpoint's level (None when undecided), why, and its next deadline."""

    level: str | None
    reason: str
    undecided: tuple[str, ...] = ()
    next_deadline: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.level is not None and self.level not in LEVELS:
            raise ValueError(f"bad readiness level {self.level!r}")
        if self.level is None and not self.undecided:
            raise ValueError("an undecided readiness level needs the facts it lacked")

    @property
    def label(self) -> str:
        return LABELS[self.level] if self.level else "undecided"

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "label": self.label, "reason": self.reason,
                "undecided": list(self.undecided),
                "next_deadline": dict(self.next_deadline) if self.next_deadline else None}


_Level = tuple[str | None, str, tuple[str, ...]]


def _at(level: str, reason: str) -> _Level:
    return level, reason, ()


def _undecided(*why: str) -> _Level:
    return None, "level undecided: " + "; ".join(why), tuple(why)


# The K-states that fix the level on their own (K0/K1 also need authentication), and why,
# per protocol (docs/json-contract.md K-states).
_BY_STATE = {"K5": "L0", "K4": "L0", "K3": "L1", "K2": "L2"}
_WHY = {
    "tls": {"K5": "K5: TLS 1.2 or older is the best version (RSA key transport)",
            "K4": "K4: TLS 1.2 or older is the best version",
            "K3": "K3: TLS 1.3 with classical key exchange only",
            "K2": "K2: PQ key exchange supported, but a client sending an X25519 share first "
                  "gets classical"},
    "ssh": {"K5": "K5: only RSA key transport methods",
            "K4": "K4: only SHA-1 (EC)DH methods",
            "K3": "K3: no PQ key exchange method listed",
            "K2": "K2: PQ listed, but an OpenSSH 10 client gets classical key exchange"},
}


def _by_state(protocol: str, state: str) -> _Level:
    return _at(_BY_STATE[state], _WHY[protocol][state])


def _tls_level(endpoint: Mapping[str, Any]) -> _Level:
    tls = endpoint["tls"]
    state = tls.get("kex_state")
    if state is None:
        return _undecided(f"tls/kex_state: {tls.get('kex_state_reason')}")
    if state in ("K4", "K5"):
        return _by_state("tls", state)
    rsa = tls.get("rsa_key_transport")
    if rsa is True:
        return _at("L0", f"{state}, but TLS 1.2 RSA key transport is accepted (no forward "
                   "secrecy)")
    if rsa is not False:
        return _undecided("tls/rsa_key_transport: not decided (TLS 1.2 probes inconclusive "
                          "or not run)")
    if state in _BY_STATE:
        return _by_state("tls", state)
    chains = served_chains(tls)
    if not chains:
        return _undecided("tls/certificate_chain: no certificate chain observed")
    unknown: list[str] = []
    for chain in chains:
        vulnerable, what = chain.quantum_vulnerable()
        if vulnerable:
            return _at("L3", f"{state}: PQ key exchange; classical authentication ({what}) "
                       f"for {chain.clients}")
        if vulnerable is None:
            unknown.append(f"tls/{what}")
    incomplete = chains_undecided(endpoint)
    if unknown or incomplete:
        return _undecided(*unknown, *([incomplete] if incomplete else []))
    return _at("L4", f"{state}: PQ key exchange and PQ/composite authentication on every "
               f"served chain ({len(chains)})")


def _ssh_level(endpoint: Mapping[str, Any]) -> _Level:
    ssh = endpoint["ssh"]
    state = ssh.get("kex_state")
    if state is None:
        return _undecided(f"ssh/kex_state: {ssh.get('kex_state_reason')}")
    if state in _BY_STATE:
        return _by_state("ssh", state)
    keys = [k for k in ssh.get("host_keys") or [] if isinstance(k, Mapping)]
    if not keys:
        return _undecided("ssh/host_keys: no host key fetched")
    unknown: list[str] = []
    for index, key in enumerate(keys):
        if key.get("quantum_vulnerable") is True:
            return _at("L3", f"{state}: PQ key exchange; classical host key "
                       f"{key.get('algorithm')}")
        if key.get("status") != "fetched" or key.get("quantum_vulnerable") is None:
            unknown.append(f"ssh/host_keys[{index}] ({key.get('algorithm')}): "
                           f"{key.get('reason') or 'not classified'}")
    if unknown:
        return _undecided(*unknown)
    return _at("L4", f"{state}: PQ key exchange and only PQ/composite host keys")


def next_deadline(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The earliest due date among FAIL verdicts not yet in force (across every profile)."""
    due = [v for v in verdicts if v.get("result") == "FAIL" and v.get("in_force") is False
           and isinstance(v.get("due"), str)]
    if not due:
        return None
    first = min(due, key=lambda v: (str(v["due"]), str(v.get("profile")),
                                    str(v.get("requirement"))))
    return {"date": first["due"], "profile": first.get("profile"),
            "requirement": first.get("requirement"), "title": first.get("title") or ""}


def readiness(endpoint: Mapping[str, Any],
              verdicts: Sequence[Mapping[str, Any]] = ()) -> Readiness:
    """The readiness of one judged ENDPOINT dict (derived fields already recomputed)."""
    if not isinstance(endpoint, Mapping):
        raise TypeError(f"endpoint must be a mapping, not {type(endpoint).__name__}")
    deadline = next_deadline(verdicts)
    protocol = str(endpoint.get("protocol") or "tls")
    facts = endpoint.get(protocol)
    if endpoint.get("status") != "ok" or not isinstance(facts, Mapping):
        why = f"not scanned ({endpoint.get('status')}: {endpoint.get('error')})"
        return Readiness(None, f"level undecided: {why}", (why,), deadline)
    level, reason, undecided = _tls_level(endpoint) if protocol == "tls" \
        else _ssh_level(endpoint)
    return Readiness(level, reason, undecided, deadline)
