"""Quantum exposure of a key or signature algorithm: the one rule, used at judge time.

True: breakable by a cryptographically relevant quantum computer (RSA, (EC)DSA, EdDSA, DH —
Shor). False: a PQ or composite algorithm (FIPS 203/204/205 and their composites). None: an
algorithm pqscan cannot identify. Unknown is never "vulnerable": a guess either way would let a
finding or verdict rest on it, so unknown stays undecided (findings raise Undecided on it).
"""

from __future__ import annotations

from pqscan.registry.oids import algorithm
from pqscan.registry.ssh import host_key_algorithm


def oid_quantum_vulnerable(oid: str) -> bool | None:
    """Exposure of an X.509 key or signature algorithm OID; None when the OID is unknown."""
    info = algorithm(oid)
    return info.quantum_vulnerable if info.known else None


def host_key_quantum_vulnerable(name: str) -> bool | None:
    """Exposure of an SSH host key algorithm; None when the name is unknown."""
    return host_key_algorithm(name).quantum_vulnerable
