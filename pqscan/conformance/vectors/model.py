"""The vector case and vector group: what one test asks of an implementation and what it expects.

Both vector formats (ACVP, Wycheproof) are translated into these objects, so the runner and the
adapters only ever see one operation vocabulary (docs/vector-adapter-protocol.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The operations of the adapter protocol; the runner never sends anything else (plus
# "capabilities", the handshake).
OPS = (
    "mlkem.keygen",
    "mlkem.encaps",
    "mlkem.decaps",
    "mlkem.ek_check",
    "mlkem.dk_check",
    "mldsa.keygen",
    "mldsa.sign",
    "mldsa.verify",
    "slhdsa.keygen",
    "slhdsa.sign",
    "slhdsa.verify",
)

# Outcome words follow Wycheproof: an "invalid" case passes when the implementation refuses the
# input (an `error` answer, or valid=false for verify/check ops); "acceptable" passes either way.
OUTCOMES = ("valid", "invalid", "acceptable")

Params = dict[str, Any]


@dataclass(frozen=True)
class VectorCase:
    """One test case: an operation, its inputs and the expected answer."""

    tc_id: int
    op: str
    params: Params
    expected: Params
    outcome: str = "valid"
    comment: str = ""
    # Wycheproof flags (e.g. ModulusOverflow, InfinityNormViolation): results are also reported
    # per flag.
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tc_id, int) or isinstance(self.tc_id, bool):
            raise TypeError(f"tc_id must be int, not {type(self.tc_id).__name__}")
        if self.op not in OPS:
            raise ValueError(f"unknown vector operation {self.op!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def test_type(self) -> str:
        """The ACVP-style test type: op plus interface, pre-hash, mu, determinism, key form."""
        p = self.params
        parts = [self.op]
        if "interface" in p:
            parts.append("externalMu" if "mu" in p else
                         "preHash" if p.get("pre_hash") else str(p["interface"]))
        if "deterministic" in p:
            parts.append("deterministic" if p["deterministic"] else "hedged")
        if self.op in ("mlkem.decaps", "mldsa.sign"):
            parts.append("expanded-key" if "dk" in p or "sk" in p else "seed-key")
        return " ".join(parts)


@dataclass(frozen=True)
class VectorGroup:
    """A test group of one vector set (ACVP tgId, or one Wycheproof testGroups entry)."""

    vector_set: str
    group: str
    parameter_set: str
    op: str
    cases: tuple[VectorCase, ...]
    source: str = ""
    # Why the whole group cannot be run at all (set by the parser, e.g. no expected answers).
    skip_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "vector_set": self.vector_set,
            "group": self.group,
            "parameter_set": self.parameter_set,
            "op": self.op,
            "cases": len(self.cases),
            "source": self.source,
        }


@dataclass(frozen=True)
class GroupResult:
    """How one vector group fared against one implementation."""

    vector_set: str
    group: str
    parameter_set: str
    passed: int
    failed: int
    skipped: int
    reason: str | None
    failed_tc_ids: tuple[int, ...] = field(default=())
    passed_tc_ids: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "vector_set": self.vector_set,
            "group": self.group,
            "parameter_set": self.parameter_set,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "reason": self.reason,
            "failed_tc_ids": list(self.failed_tc_ids),
        }
