"""Evidence as a reader sees it: the observed values, what was expected and the clause, as
plain text — never a Python repr or a JSON dump of the `evidence` dict.

A verdict's evidence (pqscan.policy.evaluate) holds `observed` (report path → value),
`reason` / `reasons` (why NOT_TESTED / NOT_APPLICABLE), `note`, `applies_if`, `as_of` and
`projection` (judged on another date than the facts were observed); a
finding's evidence is a flat dict of facts. Every value is turned into words here
(`value_text`): lists joined with commas, None "none", booleans "yes" / "no".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# keys shown on their own line, in this order, rather than as observed facts
_VERDICT_KEYS = ("observed", "expected", "reason", "reasons", "note", "applies_if", "as_of",
                 "projection")


def value_text(value: Any) -> str:
    """One value in words: `["a", "b"]` -> "a, b", None -> "none", True -> "yes"."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {value_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "none (empty list)"
    return str(value)


def facts_text(facts: Mapping[str, Any]) -> str:
    """A finding's evidence (flat facts) as "name: value; name: value"."""
    return "; ".join(f"{k.replace('_', ' ')}: {value_text(v)}" for k, v in facts.items())


def verdict_lines(verdict: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines for one verdict: observed, expected, clause, why, note."""
    evidence = verdict.get("evidence")
    evidence = evidence if isinstance(evidence, Mapping) else {}
    lines: list[tuple[str, str]] = []
    observed = evidence.get("observed")
    if isinstance(observed, Mapping) and observed:
        lines.append(("observed", "; ".join(f"{path} = {value_text(v)}"
                                            for path, v in observed.items())))
    other = {k: v for k, v in evidence.items() if k not in _VERDICT_KEYS}
    if other:
        lines.append(("observed", facts_text(other)))
    expected = evidence.get("expected") or verdict.get("title")
    if expected:
        lines.append(("expected", value_text(expected)))
    if verdict.get("clause"):
        lines.append(("clause", str(verdict["clause"])))
    reasons = _reasons(evidence)
    if reasons:
        lines.append(("why", "; ".join(reasons)))
    if isinstance(evidence.get("applies_if"), Mapping) and evidence["applies_if"]:
        lines.append(("applies if", value_text(evidence["applies_if"])))
    if evidence.get("note"):
        lines.append(("note", str(evidence["note"])))
    if evidence.get("projection"):  # judged on a date other than the day of the facts
        lines.append(("projection", str(evidence["projection"])))
    return lines


def verdict_text(verdict: Mapping[str, Any]) -> str:
    """`verdict_lines` on one line: "observed: ...; expected: ...; clause: ..."."""
    return " · ".join(f"{label}: {text}" for label, text in verdict_lines(verdict))


def _reasons(evidence: Mapping[str, Any]) -> list[str]:
    out = [str(evidence["reason"])] if evidence.get("reason") else []
    extra = evidence.get("reasons")
    if isinstance(extra, Sequence) and not isinstance(extra, str):
        out += [str(r) for r in extra]
    return out
