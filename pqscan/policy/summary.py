"""The evaluation summary of a judged report, and the remediation entries its verdicts cite.

Owns `Tally`: fed one judged endpoint at a time (a scan streams them; memory stays constant:
counters, the earliest due date and the set of cited fix ids, bounded by the catalogue), it
gives the `evaluation.summary` block ("3 of 8 endpoints post-quantum ready (L3+); 5 must change,
the first by 2030-01-01") and `evaluation.remediation`, every fix a finding or verdict of the
report names, written once so that renderers never read the TOML (docs/json-contract.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pqscan.assess.readiness import READY
from pqscan.assess.remediation import load_fixes
from pqscan.policy.model import Profile

# The fields of a fix a reader needs next to a failure (the catalogue keeps more).
_FIX_FIELDS = ("product", "config", "min_version", "location", "kind", "source", "note",
               "confidence", "requires")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Tally:
    """Counts over the judged endpoints of one report."""

    def __init__(self) -> None:
        self.endpoints = 0
        self.ready = 0
        self.must_change = 0
        self.failing_now = 0
        self.first_due: str | None = None
        self.fix_ids: set[str] = set()

    def add(self, endpoint: Mapping[str, Any]) -> None:
        """Count one judged ENDPOINT dict (after pqscan.policy.evaluate.judge_endpoint)."""
        self.endpoints += 1
        level = (endpoint.get("readiness") or {}).get("level")
        self.ready += level in READY
        verdicts = [v for v in endpoint.get("verdicts") or [] if isinstance(v, Mapping)]
        fails = [v for v in verdicts if v.get("result") == "FAIL"]
        self.must_change += bool(fails)
        self.failing_now += any(v.get("in_force") is not False for v in fails)
        for v in fails:
            due = v.get("due")
            if v.get("in_force") is False and isinstance(due, str) and (
                    self.first_due is None or due < self.first_due):
                self.first_due = due
        for item in [*verdicts, *(endpoint.get("findings") or [])]:
            if isinstance(item, Mapping):
                self.fix_ids.update(item.get("fixes") or ())  # ids (str) from the catalogue

    def merge(self, other: Tally) -> None:
        """Add the counts of `other` (one endpoint's, judged in a worker process)."""
        self.endpoints += other.endpoints
        self.ready += other.ready
        self.must_change += other.must_change
        self.failing_now += other.failing_now
        if other.first_due is not None and (self.first_due is None
                                            or other.first_due < self.first_due):
            self.first_due = other.first_due
        self.fix_ids |= other.fix_ids

    def summary(self, profiles: Sequence[Profile], as_of: date,
                default_profile: bool) -> dict[str, Any]:
        return {
            "endpoints": self.endpoints, "ready": self.ready, "must_change": self.must_change,
            "failing_now": self.failing_now, "first_due": self.first_due,
            "as_of": as_of.isoformat(),
            "profiles": [{"id": p.id, "version": p.version, "title": p.title}
                         for p in profiles],
            "default_profile": default_profile,
        }

    def remediation(self) -> dict[str, dict[str, Any]]:
        """{fix_id: fields} for every cited fix, in catalogue order."""
        out: dict[str, dict[str, Any]] = {}
        for fix in load_fixes():
            if fix.id in self.fix_ids:
                out[fix.id] = {key: _plain(getattr(fix, key)) for key in _FIX_FIELDS}
        return out
