"""The three-valued answer of every check: supported / not_supported / inconclusive + reason."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED = "supported"
NOT_SUPPORTED = "not_supported"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Status:
    value: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.value not in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE):
            raise ValueError(f"bad status {self.value!r}")
        if self.value == INCONCLUSIVE and not self.reason:
            raise ValueError("an inconclusive status needs a reason")
