"""Requirement conditions: a small declarative language over findings and observations.

A condition is a TOML table with exactly one operator key (never evaluated Python):

- ``all = [C, ...]`` / ``any = [C, ...]`` / ``not = C``
- ``finding = "code"`` (optionally ``where = {evidence_key = {op = value}}``): the finding is
  present on the endpoint.
- ``field = "tls/versions/TLSv1.3"`` plus one comparison (``eq ne in not_in lt le gt ge
  subset_of intersects contains``): an observation of the ENDPOINT dict; ``/`` separates keys,
  ``*`` fans out over a list or dict.
- ``manual = "why"``: an organisational requirement no scan can observe (always NOT_TESTED).

Evaluation is three-valued: True, False or None (unknown). An absent, null or "inconclusive"
observation, or a finding whose check was undecided, is unknown — never a silent pass. The one
exception is `tls/negotiated/*`, whose null means "refused" (json-contract).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pqscan.assess.catalogue import FINDINGS, Finding, undecided_checks
from pqscan.model.status import undecided_reason

COMPARISONS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "subset_of", "intersects",
               "contains")
_LIST_OPERAND = ("in", "not_in", "subset_of", "intersects")
_OPERATORS = ("all", "any", "not", "finding", "field", "manual")

Path = tuple[str | int, ...]
# Paths whose null is an observation ("refused"), per docs/json-contract.md TLS.negotiated.
NULL_MEANS_REFUSED = frozenset(
    [f"tls/negotiated/{b}" for b in ("browser_like", "x25519_share_first", "classical_only")]
    + [f"ssh/negotiated/{b}" for b in ("openssh_10", "openssh_9", "classical_only")])


class ConditionError(ValueError):
    """A malformed condition; `path` is the key path below the condition's own key."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Condition:
    """One parsed condition node."""

    op: str
    children: tuple[Condition, ...] = ()
    code: str = ""
    path: str = ""
    compare: str = ""
    value: Any = None
    where: tuple[tuple[str, str, Any], ...] = ()
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.op in ("all", "any"):
            return {self.op: [c.to_dict() for c in self.children]}
        if self.op == "not":
            return {"not": self.children[0].to_dict()}
        if self.op == "finding":
            out: dict[str, Any] = {"finding": self.code}
            if self.where:
                out["where"] = {k: {op: _plain(v)} for k, op, v in self.where}
            return out
        if self.op == "field":
            return {"field": self.path, self.compare: _plain(self.value)}
        return {"manual": self.reason}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Outcome:
    """Three-valued result with the observations it used."""

    value: bool | None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


def _type_name(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "float", list: "array",
             dict: "table"}
    return names.get(type(value), type(value).__name__)


def _operand(compare: str, value: Any, path: Path) -> Any:
    if compare in _LIST_OPERAND:
        if not isinstance(value, list):
            raise ConditionError(path, f"expected array, got {_type_name(value)}")
        return tuple(value)
    if compare in ("lt", "le", "gt", "ge") and (
            not isinstance(value, int | float) or isinstance(value, bool)):
        raise ConditionError(path, f"expected number, got {_type_name(value)}")
    if isinstance(value, list | dict):
        raise ConditionError(path, f"expected a single value, got {_type_name(value)}")
    return value


def parse_condition(raw: Any, path: Path = ()) -> Condition:
    """Validate and parse a condition table; raises ConditionError with the culprit's path."""
    if not isinstance(raw, dict):
        raise ConditionError(path, f"expected table, got {_type_name(raw)}")
    unknown = [k for k in raw if k not in _OPERATORS + COMPARISONS + ("where",)]
    if unknown:
        raise ConditionError(path, f"unknown condition operator {unknown[0]!r}")
    ops = [k for k in raw if k in _OPERATORS]
    if len(ops) != 1:
        raise ConditionError(path, "expected exactly one of " + ", ".join(_OPERATORS)
                             + (f", got {', '.join(ops)}" if ops else ""))
    op = ops[0]
    arg = raw[op]
    extra = [k for k in raw if k != op and not (op == "finding" and k == "where")
             and not (op == "field" and k in COMPARISONS)]
    if extra:
        raise ConditionError(path, f"{extra[0]!r} is not allowed with {op!r}")
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ConditionError(path + (op,), "expected a non-empty array of conditions")
        return Condition(op, tuple(parse_condition(c, path + (op, i)) for i, c in enumerate(arg)))
    if op == "not":
        return Condition(op, (parse_condition(arg, path + (op,)),))
    if not isinstance(arg, str) or not arg:
        raise ConditionError(path + (op,), f"expected non-empty string, got {_type_name(arg)}")
    if op == "manual":
        return Condition(op, reason=arg)
    if op == "finding":
        if arg not in FINDINGS:
            raise ConditionError(path + (op,), f"unknown finding code {arg!r}")
        return Condition(op, code=arg, where=_parse_where(raw.get("where"), path + ("where",)))
    compares = [k for k in raw if k in COMPARISONS]
    if len(compares) != 1:
        raise ConditionError(path, "'field' needs exactly one comparison: "
                             + ", ".join(COMPARISONS))
    compare = compares[0]
    value = _operand(compare, raw[compare], path + (compare,))
    return Condition(op, path=arg, compare=compare, value=value)


def _parse_where(raw: Any, path: Path) -> tuple[tuple[str, str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConditionError(path, f"expected table, got {_type_name(raw)}")
    out = []
    for key, test in raw.items():
        if not isinstance(test, dict) or len(test) != 1:
            raise ConditionError(path + (key,), "expected a table with one comparison")
        (compare, value), = test.items()
        if compare not in COMPARISONS:
            raise ConditionError(path + (key,), f"unknown condition operator {compare!r}")
        out.append((key, compare, _operand(compare, value, path + (key, compare))))
    return tuple(out)


class _Unknown(Exception):
    pass


def _step(node: Any, key: str, shown: str) -> Any:
    if type(node) is dict or isinstance(node, Mapping):  # a dict: no ABC check (hot path)
        if key not in node:
            raise _Unknown(f"{shown} absent")
        return node[key]
    if isinstance(node, list) and key.isdigit():
        if int(key) >= len(node):
            raise _Unknown(f"{shown} absent")
        return node[int(key)]
    raise _Unknown(f"{shown} absent")


@lru_cache(maxsize=1024)
def _segments(path: str) -> tuple[tuple[str, str], ...]:
    """Each segment of a `/` path with the path up to it (named when it is absent): a
    profile's paths are constants, split once instead of once per endpoint (issue 13)."""
    parts = path.split("/")
    return tuple((key, "/".join(parts[: depth + 1])) for depth, key in enumerate(parts))


def resolve(endpoint: Mapping[str, Any], path: str) -> Any:
    """Value at a `/` path; a `*` segment gives a list. Raises _Unknown when undecidable."""
    undecided = undecided_reason(endpoint, path)
    if undecided:
        raise _Unknown(undecided)
    nodes: list[Any] = [endpoint]
    fanned = False
    for key, shown in _segments(path):
        if key == "*":
            fanned = True
            nxt: list[Any] = []
            for node in nodes:
                if isinstance(node, Mapping):
                    nxt.extend(node.values())
                elif isinstance(node, list):
                    nxt.extend(node)
                else:
                    raise _Unknown(f"{shown} absent")
            nodes = nxt
        else:
            nodes = [_step(node, key, shown) for node in nodes]
    for value in nodes:
        if value is None and path in NULL_MEANS_REFUSED:
            # Contract: negotiated.* is null "when the offer was refused" -- an observation,
            # unless the K-state itself is undecided (then the probe may not have run).
            proto = path.split("/", 1)[0]  # tls/... or ssh/...
            if (endpoint.get(proto) or {}).get("kex_state") is None:
                raise _Unknown(f"{path} is null and {proto}/kex_state is undecided")
            continue
        if value is None or value == "inconclusive":
            raise _Unknown(f"{path} is {'null' if value is None else 'inconclusive'}")
    if fanned:
        if not nodes:
            raise _Unknown(f"{path}: nothing observed")
        return nodes
    return nodes[0]


def compare(observed: Any, op: str, operand: Any) -> bool:
    """Apply one comparison; raises _Unknown on a type mismatch."""
    try:
        if op == "eq":
            return bool(observed == operand)
        if op == "ne":
            return bool(observed != operand)
        if op == "in":
            return observed in operand
        if op == "not_in":
            return observed not in operand
        if op in ("lt", "le", "gt", "ge"):
            if not isinstance(observed, int | float) or isinstance(observed, bool):
                raise _Unknown(f"{observed!r} is not a number")
            return {"lt": observed < operand, "le": observed <= operand,
                    "gt": observed > operand, "ge": observed >= operand}[op]
        if not isinstance(observed, list):
            raise _Unknown(f"{observed!r} is not a list")
        if op == "subset_of":
            if not observed:
                raise _Unknown("empty list observed")
            return all(item in operand for item in observed)
        if op == "intersects":
            return any(item in operand for item in observed)
        return operand in observed  # contains
    except TypeError:
        raise _Unknown(f"cannot compare {observed!r} with {operand!r}") from None


def _combine(op: str, outcomes: Sequence[Outcome]) -> Outcome:
    evidence: dict[str, Any] = {}
    reasons: list[str] = []
    for outcome in outcomes:
        evidence.update(outcome.evidence)
        reasons.extend(outcome.reasons)
    values = [o.value for o in outcomes]
    decisive = op == "any"  # True decides `any`, False decides `all`
    if decisive in values:
        return Outcome(decisive, evidence, ())
    return Outcome(None if None in values else not decisive, evidence, tuple(reasons))


def _finding(cond: Condition, findings: Sequence[Finding]) -> Outcome:
    key = f"finding {cond.code}"
    undecided = undecided_checks(list(findings)).get(FINDINGS[cond.code].check)
    matches = [f for f in findings if f.code == cond.code]
    unknown_reasons: list[str] = []
    for found in matches:
        try:
            if all(compare(found.evidence.get(k), op, v) for k, op, v in cond.where):
                return Outcome(True, {key: found.message})
        except _Unknown as exc:
            unknown_reasons.append(f"{found.message}: {exc}")
    if undecided is not None:
        unknown_reasons.append(f"{FINDINGS[cond.code].check} undecided: {undecided}")
    if unknown_reasons:
        return Outcome(None, {key: "unknown"}, tuple(unknown_reasons))
    return Outcome(False, {key: "absent" if not matches else "no instance matches"})


def evaluate_condition(cond: Condition, endpoint: Mapping[str, Any],
                       findings: Sequence[Finding]) -> Outcome:
    """Evaluate a parsed condition three-valued against one endpoint and its findings."""
    if cond.op in ("all", "any"):
        return _combine(cond.op, [evaluate_condition(c, endpoint, findings)
                                  for c in cond.children])
    if cond.op == "not":
        inner = evaluate_condition(cond.children[0], endpoint, findings)
        return Outcome(None if inner.value is None else not inner.value, inner.evidence,
                       inner.reasons)
    if cond.op == "manual":
        return Outcome(None, {}, (f"not observable by a scan: {cond.reason}",))
    if cond.op == "finding":
        return _finding(cond, findings)
    try:
        observed = resolve(endpoint, cond.path)
        return Outcome(compare(observed, cond.compare, cond.value), {cond.path: observed})
    except _Unknown as exc:
        return Outcome(None, {cond.path: None}, (str(exc),))
