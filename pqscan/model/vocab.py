"""Every status vocabulary of the JSON contract, as StrEnums in one module.

A member is its JSON word (`Support.SUPPORTED == "supported"`), so reports stay plain JSON and
code compares against named members instead of loose strings. tests/scan/test_vocab.py checks
each enum here against the `enum` lists of pqscan/data/report.schema.json, so the two cannot
drift. (Group families are registry data: pqscan.registry.tls.GroupFamily.)
"""

from __future__ import annotations

from enum import StrEnum


class Protocol(StrEnum):
    TLS = "tls"
    SSH = "ssh"


class EndpointStatus(StrEnum):
    OK = "ok"
    UNREACHABLE = "unreachable"
    ERROR = "error"


class Support(StrEnum):
    """The three-valued answer of a check (supported / not_supported / inconclusive)."""

    SUPPORTED = "supported"
    NOT_SUPPORTED = "not_supported"
    INCONCLUSIVE = "inconclusive"


class LearnedVia(StrEnum):
    """How a TLS 1.3 group's support was learned (RFC 8446 §4.1.4 HRR, or a key share)."""

    HRR = "hrr"
    KEY_SHARE = "key_share"


class ProbeResult(StrEnum):
    """One connection's outcome on the method sheet."""

    OK = "ok"
    REFUSED = "refused"
    INCONCLUSIVE = "inconclusive"
    VIOLATION = "violation"


class Negotiation(StrEnum):
    """A client-behaviour probe's outcome."""

    OK = "ok"
    REFUSED = "refused"
    INCONCLUSIVE = "inconclusive"
    NOT_RUN = "not_run"


class KState(StrEnum):
    K0 = "K0"
    K1 = "K1"
    K2 = "K2"
    K3 = "K3"
    K4 = "K4"
    K5 = "K5"


class Readiness(StrEnum):
    """SSH readiness words for the K-states (K4 and K5 are both legacy)."""

    PQ_ENFORCED = "pq_enforced"
    PQ_DEFAULT = "pq_default"
    PQ_NOT_PREFERRED = "pq_not_preferred"
    CLASSICAL_ONLY = "classical_only"
    LEGACY = "legacy"


class SSHFamily(StrEnum):
    CLASSICAL = "classical"
    HYBRID = "hybrid"
    PURE_PQ = "pure_pq"
    PRE_STANDARD = "pre_standard"
    COMPOSITE = "composite"
    UNKNOWN = "unknown"


class HostKeyStatus(StrEnum):
    FETCHED = "fetched"
    INCONCLUSIVE = "inconclusive"
    NOT_FETCHED = "not_fetched"


class Severity(StrEnum):
    """A finding's severity, lowest first."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Level(StrEnum):
    """A profile requirement's level (RFC 2119 words)."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class VerdictResult(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_TESTED = "NOT_TESTED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class TLSVersion(StrEnum):
    TLS10 = "TLSv1.0"
    TLS11 = "TLSv1.1"
    TLS12 = "TLSv1.2"
    TLS13 = "TLSv1.3"
