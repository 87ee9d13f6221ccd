"""Remediation: the fixes pqscan can point to for a finding code or a profile requirement.

This module owns the `Fix` record and the fix catalogue shipped as data in
``pqscan/data/remediation/*.toml`` (one ``[[fix]]`` table per fix, as in the SSH work's
ssh.toml; format and sources in docs/remediation.md). The catalogue is parsed once and
validated strictly: an unknown or missing key, a value of the wrong type, a malformed
``min_version`` or an empty ``source`` is one UsageError line ``FILE:LINE: KEY: problem
(fix ID)``, never a traceback.

Whether every ``applies_to`` names a real finding code or profile requirement is checked by the
data-integrity tests (tests/remediation/), not here: loading fixes must not load every profile.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pqscan.errors import UsageError
from pqscan.tomlkeys import KeyPath, format_key, locate_line

# config: a setting in software the operator runs; service: a managed service's policy or
# setting (no version to install); guidance: a procedure (e.g. replacing a certificate).
KINDS = ("config", "service", "guidance")
# unconfirmed: a version, name or behaviour the sources did not settle; `note` says why.
CONFIDENCES = ("confirmed", "unconfirmed")
_REQUIRED = ("id", "applies_to", "product", "config", "source")
_OPTIONAL = ("kind", "min_version", "requires", "location", "note", "confidence")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Dotted numbers with an optional alphanumeric tail: 3.5.0, 1.24, 27, 9.0p1, 24H2.
_VERSION = re.compile(r"^\d+(\.\d+)*([A-Za-z][A-Za-z0-9]*)?$")
_REQUIRES = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9 .+/_()-]*?) >= (?P<version>\S+)$")
_DATA_DIR = "remediation"


@dataclass(frozen=True, slots=True)
class Fix:
    """One remediation: what to change in one product so a finding or requirement is met."""

    id: str
    applies_to: tuple[str, ...]  # finding codes and/or profile requirement ids
    product: str
    config: str  # the config line, API setting or policy name to set
    source: tuple[str, ...]  # URLs or document references the entry was checked against
    kind: str = "config"
    min_version: str | None = None  # first version of `product` that supports `config`
    requires: tuple[str, ...] = ()  # "Library >= version" the product must be built with
    location: str | None = None  # where the line goes (file, section, console page)
    note: str = ""
    confidence: str = "confirmed"
    defined_in: str = ""  # remediation/FILE.toml the entry came from

    def __post_init__(self) -> None:
        for name in ("id", "product", "config", "kind", "confidence", "note", "defined_in"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Fix.{name} must be str")
        for name in ("applies_to", "source", "requires"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"Fix.{name} must be a tuple of str")
        problem = _problem(self)
        if problem is not None:
            raise ValueError(f"fix {self.id!r}: {problem[1]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "applies_to": list(self.applies_to), "product": self.product,
            "config": self.config, "source": list(self.source), "kind": self.kind,
            "min_version": self.min_version, "requires": list(self.requires),
            "location": self.location, "note": self.note, "confidence": self.confidence,
            "defined_in": self.defined_in,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fix:
        if not isinstance(data, Mapping):
            raise TypeError(f"Fix.from_dict needs a mapping, not {type(data).__name__}")
        return cls(
            id=data["id"], applies_to=tuple(data["applies_to"]), product=data["product"],
            config=data["config"], source=tuple(data["source"]),
            kind=data.get("kind", "config"), min_version=data.get("min_version"),
            requires=tuple(data.get("requires") or ()), location=data.get("location"),
            note=data.get("note") or "", confidence=data.get("confidence", "confirmed"),
            defined_in=data.get("defined_in", ""))


def _problem(fix: Fix | SimpleNamespace) -> tuple[str, str] | None:
    """(key, problem) for the first value-level rule `fix` breaks, or None.

    Shared by Fix() and the TOML loader so a fix built either way obeys the same rules.
    """
    if not _ID.match(fix.id):
        return "id", f"bad fix id {fix.id!r} (lowercase letters, digits, '.', '-', '_')"
    if not fix.applies_to or not all(code.strip() for code in fix.applies_to):
        return "applies_to", "expected at least one non-empty finding code or requirement id"
    if len(set(fix.applies_to)) != len(fix.applies_to):
        return "applies_to", "duplicate entry"
    for name in ("product", "config"):
        if not getattr(fix, name).strip():
            return name, "expected non-empty string"
    if not fix.source or not all(s.strip() for s in fix.source):
        return "source", "expected a non-empty URL or document reference"
    if fix.kind not in KINDS:
        return "kind", f"expected one of {', '.join(KINDS)}, got {fix.kind!r}"
    if fix.confidence not in CONFIDENCES:
        return "confidence", f"expected one of {', '.join(CONFIDENCES)}, got {fix.confidence!r}"
    if fix.min_version is not None and not _VERSION.match(fix.min_version):
        return "min_version", (f"bad version {fix.min_version!r} (expected e.g. 3.5.0, 1.24, "
                               "27, 9.0p1)")
    for item in fix.requires:
        match = _REQUIRES.match(item)
        if match is None or not _VERSION.match(match["version"]):
            return "requires", f"bad requirement {item!r} (expected 'Product >= 3.5.0')"
    if fix.kind == "config" and fix.min_version is None and not fix.requires:
        return "min_version", "a config fix needs min_version or requires"
    if fix.confidence == "unconfirmed" and not fix.note.strip():
        return "note", "an unconfirmed fix must say in its note what could not be confirmed"
    if fix.location is not None and not fix.location.strip():
        return "location", "expected non-empty string"
    return None


class _Invalid(Exception):
    def __init__(self, path: KeyPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _strings(raw: Any, path: KeyPath, *, single_ok: bool) -> tuple[str, ...]:
    """A string or an array of strings (the TOML shorthand profiles use too)."""
    if isinstance(raw, str) and single_ok:
        return (raw,)
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    wanted = "string or array of strings" if single_ok else "array of strings"
    raise _Invalid(path, f"expected {wanted}, got {type(raw).__name__}")


def _text(table: dict[str, Any], key: str, path: KeyPath, default: str | None) -> str | None:
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise _Invalid(path + (key,), f"expected string, got {type(value).__name__}")
    return value


def _fix(raw: Any, path: KeyPath, origin: str) -> Fix:
    if not isinstance(raw, dict):
        raise _Invalid(path, f"expected table, got {type(raw).__name__}")
    for key in raw:
        if key not in _REQUIRED + _OPTIONAL:
            raise _Invalid(path + (key,), f"unknown key {key!r}")
    for key in _REQUIRED:
        if key not in raw:
            raise _Invalid(path, f"missing key {key!r}")
    values: dict[str, Any] = {
        "id": _text(raw, "id", path, None), "product": _text(raw, "product", path, None),
        "config": _text(raw, "config", path, None),
        "applies_to": _strings(raw["applies_to"], path + ("applies_to",), single_ok=True),
        "source": _strings(raw["source"], path + ("source",), single_ok=True),
        "requires": _strings(raw.get("requires", []), path + ("requires",), single_ok=True),
        "kind": _text(raw, "kind", path, "config"),
        "min_version": _text(raw, "min_version", path, None),
        "location": _text(raw, "location", path, None),
        "note": _text(raw, "note", path, ""),
        "confidence": _text(raw, "confidence", path, "confirmed"),
    }
    # Checked here first (Fix() checks again) so the error can name the key and its line.
    problem = _problem(SimpleNamespace(**values))
    if problem is not None:
        raise _Invalid(path + (problem[0],), problem[1])
    return Fix(**values, defined_in=origin)


def parse_fixes(text: str, origin: str) -> tuple[Fix, ...]:
    """Every fix in one remediation TOML text; UsageError naming ORIGIN:LINE on any problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise UsageError(f"{origin}:{match.group(1) if match else 1}: invalid TOML: "
                         f"{str(exc).splitlines()[0]}") from None
    fixes: list[Fix] = []
    try:
        for key in raw:
            if key != "fix":
                raise _Invalid((key,), f"unknown key {key!r} (a remediation file holds "
                               "[[fix]] tables only)")
        entries = raw.get("fix", [])
        if not isinstance(entries, list) or not entries:
            raise _Invalid(("fix",), "expected at least one [[fix]] table")
        for index, entry in enumerate(entries):
            fixes.append(_fix(entry, ("fix", index), origin))
    except _Invalid as exc:
        line = locate_line(text, exc.path)
        entry_id = _entry_id(raw, exc.path)
        named = f" (fix {entry_id!r})" if entry_id else ""
        raise UsageError(f"{origin}:{line}: {format_key(exc.path)}: {exc.message}{named}") \
            from None
    return tuple(fixes)


def _entry_id(raw: dict[str, Any], path: KeyPath) -> str | None:
    if len(path) >= 2 and path[0] == "fix" and isinstance(path[1], int):
        entries = raw.get("fix")
        if isinstance(entries, list) and path[1] < len(entries):
            entry = entries[path[1]]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                return str(entry["id"])
    return None


def _merge(files: Iterable[tuple[str, str]]) -> tuple[Fix, ...]:
    seen: dict[str, str] = {}
    out: list[Fix] = []
    for origin, text in files:
        for fix in parse_fixes(text, origin):
            if fix.id in seen:
                raise UsageError(f"{origin}: fix id {fix.id!r} already defined in "
                                 f"{seen[fix.id]}")
            seen[fix.id] = origin
            out.append(fix)
    return tuple(out)


def _toml_files(root: Traversable | Path) -> list[tuple[str, str]]:
    if not root.is_dir():
        raise UsageError(f"{root}: remediation directory not found")
    found = sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"{_DATA_DIR}/{p.name}", p.read_text("utf-8")) for p in found]


def load_fixes_from(directory: Path) -> tuple[Fix, ...]:
    """Every fix in DIRECTORY/*.toml (not cached: for tests and user-supplied catalogues)."""
    if not isinstance(directory, Path):
        raise TypeError(f"directory must be a Path, not {type(directory).__name__}")
    return _merge(_toml_files(directory))


@lru_cache(maxsize=1)
def load_fixes() -> tuple[Fix, ...]:
    """The shipped catalogue (pqscan/data/remediation/*.toml), parsed and validated once."""
    return _merge(_toml_files(resources.files("pqscan.data").joinpath(_DATA_DIR)))


@lru_cache(maxsize=1)
def _index() -> Mapping[str, tuple[Fix, ...]]:
    by_code: dict[str, list[Fix]] = {}
    for fix in load_fixes():
        for code in fix.applies_to:
            by_code.setdefault(code, []).append(fix)
    return {code: tuple(fixes) for code, fixes in by_code.items()}


def fixes_for(code: str) -> tuple[Fix, ...]:
    """Shipped fixes for a finding code or requirement id, in catalogue order (may be empty)."""
    if not isinstance(code, str):
        raise TypeError(f"code must be str, not {type(code).__name__}")
    return _index().get(code, ())
