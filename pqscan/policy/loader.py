"""Profile loading: TOML files read with tomllib, validated, `extends` resolved.

Every problem is a UsageError (exit 2) of the form ``FILE:LINE: KEY: problem``, including a
condition `field` that names no path of the observation model (pqscan.policy.fields). tomllib
keeps no line numbers, so the line is found again in the text (the key inside the n-th table
block).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pqscan.errors import UsageError
from pqscan.inputfile import MAX_SMALL_FILE_BYTES, read_text
from pqscan.policy.conditions import ConditionError, parse_condition
from pqscan.policy.fields import unknown_field
from pqscan.policy.model import (
    APPLIES_TO,
    CONFIDENCES,
    PROTOCOLS,
    SEVERITY_LEVELS,
    SOURCE_STATUSES,
    Profile,
    Requirement,
    SourceDocument,
)
from pqscan.tomlkeys import KeyPath, format_key, locate_line

_TOP_REQUIRED = ("id", "title", "version", "publisher", "status", "sources", "requirements")
_TOP_OPTIONAL = ("confidence", "extends", "description")
_REQ_REQUIRED = ("id", "title", "clause", "severity", "applies_to", "condition")
_REQ_OPTIONAL = ("applies_if", "effective_from", "until", "status", "confidence", "note",
                 "protocol", "not_applicable")
_SRC_REQUIRED = ("key", "title", "date")
_SRC_OPTIONAL = ("url",)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Invalid(Exception):
    def __init__(self, path: KeyPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _type_name(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "float", list: "array",
             dict: "table", date: "date"}
    return names.get(type(value), type(value).__name__)


def _str(table: dict[str, Any], key: str, path: KeyPath) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(path + (key,), f"expected non-empty string, got {_type_name(value)}")
    return value


def _choice(table: dict[str, Any], key: str, path: KeyPath, allowed: tuple[str, ...],
            default: str) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise _Invalid(path + (key,), f"expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _keys(table: Any, path: KeyPath, required: tuple[str, ...],
          optional: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _Invalid(path, f"expected table, got {_type_name(table)}")
    for key in required:
        if key not in table:
            raise _Invalid(path, f"missing key {key!r}")
    for key in table:
        if key not in required + optional:
            raise _Invalid(path, f"unknown key {key!r}")
    return table


def _date(table: dict[str, Any], key: str, path: KeyPath) -> date | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _FULL_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    shown = value if isinstance(value, str) else str(value)
    raise _Invalid(path + (key,), f"bad date {shown!r} (expected YYYY-MM-DD)")


def _condition(table: dict[str, Any], key: str, path: KeyPath) -> Any:
    try:
        parsed = parse_condition(table[key], path + (key,)) if key in table else None
    except ConditionError as exc:
        raise _Invalid(exc.path, exc.message) from None
    for where, field in _fields(table.get(key), path + (key,)):
        problem = unknown_field(field)
        if problem:
            raise _Invalid(where, problem)
    return parsed


def _fields(raw: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    """(key path, observation path) of every `field` in a parsed-valid condition table."""
    if not isinstance(raw, dict):
        return []
    if isinstance(raw.get("field"), str):
        return [(path + ("field",), raw["field"])]
    out: list[tuple[KeyPath, str]] = []
    for op in ("all", "any"):
        for i, child in enumerate(raw.get(op) or []):
            out += _fields(child, path + (op, i))
    return out + _fields(raw.get("not"), path + ("not",))


def _requirement(raw: Any, path: KeyPath, profile: dict[str, Any], origin: str) -> Requirement:
    table = _keys(raw, path, _REQ_REQUIRED, _REQ_OPTIONAL)
    applies = table["applies_to"]
    applies = [applies] if isinstance(applies, str) else applies
    if not isinstance(applies, list) or not applies:
        raise _Invalid(path + ("applies_to",), "expected string or non-empty array")
    for item in applies:
        if item not in APPLIES_TO:
            raise _Invalid(path + ("applies_to",),
                           f"expected one of {', '.join(APPLIES_TO)}, got {item!r}")
    start, until = _date(table, "effective_from", path), _date(table, "until", path)
    if start and until and until <= start:
        raise _Invalid(path + ("until",), f"until {until} is not after effective_from {start}")
    return Requirement(
        id=_str(table, "id", path), title=_str(table, "title", path),
        clause=_str(table, "clause", path),
        severity=_choice(table, "severity", path, SEVERITY_LEVELS, ""),
        applies_to=tuple(applies), condition=_condition(table, "condition", path),
        applies_if=_condition(table, "applies_if", path), effective_from=start, until=until,
        source_status=_choice(table, "status", path, SOURCE_STATUSES, profile["status"]),
        confidence=_choice(table, "confidence", path, CONFIDENCES,
                           profile.get("confidence", "primary")),
        note=_str(table, "note", path) if "note" in table else None, defined_in=origin,
        not_applicable=(_str(table, "not_applicable", path) if "not_applicable" in table
                        else None),
        protocol=_choice(table, "protocol", path, PROTOCOLS, "tls"))


def _source(raw: Any, path: KeyPath) -> SourceDocument:
    table = _keys(raw, path, _SRC_REQUIRED, _SRC_OPTIONAL)
    when = table["date"]
    when = when.isoformat() if isinstance(when, date) else when
    if not isinstance(when, str) or not _PARTIAL_DATE.match(when):
        raise _Invalid(path + ("date",), f"bad date {when!r} (expected YYYY, YYYY-MM or "
                       "YYYY-MM-DD)")
    return SourceDocument(_str(table, "key", path), _str(table, "title", path), when,
                          _str(table, "url", path) if "url" in table else None)


def _array(table: dict[str, Any], key: str) -> list[Any]:
    value = table[key]
    if not isinstance(value, list) or not value:
        raise _Invalid((key,), f"expected non-empty array of tables, got {_type_name(value)}")
    return value


class Loader:
    """Loads profiles by id or path; user directories are searched before the shipped ones."""

    def __init__(self, search_dirs: tuple[Path, ...] = ()) -> None:
        self.search_dirs = search_dirs
        self._cache: dict[str, Profile] = {}

    def _find(self, profile_id: str, near: Path | None) -> tuple[str, str] | None:
        for directory in ((near,) if near else ()) + self.search_dirs:
            candidate = directory / f"{profile_id}.toml"
            if candidate.is_file():
                return str(candidate), read_text(candidate, MAX_SMALL_FILE_BYTES,
                                                 "the profile size limit")
        shipped = resources.files("pqscan.profiles").joinpath(f"{profile_id}.toml")
        if shipped.is_file():
            return f"profiles/{profile_id}.toml", shipped.read_text("utf-8")
        return None

    def load(self, id_or_path: str) -> Profile:
        if not isinstance(id_or_path, str):
            raise TypeError(f"profile must be str, not {type(id_or_path).__name__}")
        path = Path(id_or_path)
        if id_or_path.endswith(".toml") or "/" in id_or_path:
            if not path.exists():
                raise UsageError(f"{id_or_path}: profile file not found")
            # a FIFO, device or directory is refused by read_text, never read
            text = read_text(path, MAX_SMALL_FILE_BYTES, "the profile size limit")
            return self._load_text(str(path), text, ())
        found = self._find(id_or_path, None)
        if found is None:
            known = ", ".join(shipped_profile_ids())
            raise UsageError(f"unknown profile {id_or_path!r} (available: {known})")
        return self._load_text(found[0], found[1], ())

    def _load_text(self, name: str, text: str, stack: tuple[str, ...]) -> Profile:
        if name in self._cache:
            return self._cache[name]
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"at line (\d+)", str(exc))
            line = match.group(1) if match else "1"
            raise UsageError(f"{name}:{line}: invalid TOML: {exc}") from None
        try:
            profile = self._build(name, raw, text, stack)
        except _Invalid as exc:
            line = locate_line(text, exc.path)
            raise UsageError(f"{name}:{line}: {format_key(exc.path)}: {exc.message}") from None
        self._cache[name] = profile
        return profile

    def _build(self, name: str, raw: dict[str, Any], text: str,
               stack: tuple[str, ...]) -> Profile:
        table = _keys(raw, (), _TOP_REQUIRED, _TOP_OPTIONAL)
        profile_id = _str(table, "id", ())
        if not _ID_RE.match(profile_id):
            raise _Invalid(("id",), f"bad profile id {profile_id!r} (lowercase, digits, '-', '.')")
        _choice(table, "status", (), SOURCE_STATUSES, "")
        _choice(table, "confidence", (), CONFIDENCES, "primary")
        extends = table.get("extends", [])
        extends = [extends] if isinstance(extends, str) else extends
        if not isinstance(extends, list) or not all(isinstance(e, str) for e in extends):
            raise _Invalid(("extends",), f"expected string or array of strings, got "
                           f"{_type_name(extends)}")
        chain = stack + (profile_id,)
        inherited: dict[str, Requirement] = {}
        for parent_id in extends:
            if parent_id in chain:
                raise _Invalid(("extends",), "cycle " + " -> ".join(chain + (parent_id,)))
            found = self._find(parent_id, Path(name).parent if "/" in name else None)
            if found is None:
                raise _Invalid(("extends",), f"unknown profile {parent_id!r}")
            parent = self._load_text(found[0], found[1], chain)
            inherited.update({r.id: r for r in parent.requirements})
        sources = tuple(_source(s, ("sources", i)) for i, s in enumerate(_array(table, "sources")))
        own: dict[str, Requirement] = {}
        for i, item in enumerate(_array(table, "requirements")):
            req = _requirement(item, ("requirements", i), table, profile_id)
            if req.id in own:
                raise _Invalid(("requirements", i, "id"), f"duplicate requirement id {req.id!r}")
            own[req.id] = req
        merged = {**inherited, **own}  # a child overrides a parent requirement with its id
        return Profile(
            id=profile_id, title=_str(table, "title", ()), version=_str(table, "version", ()),
            publisher=_str(table, "publisher", ()), status=str(table["status"]),
            confidence=str(table.get("confidence", "primary")), sources=sources,
            extends=tuple(extends), requirements=tuple(merged.values()),
            description=str(table.get("description", "")), path=name)


def load_profile(id_or_path: str, search_dirs: tuple[Path, ...] = ()) -> Profile:
    """Load a shipped profile by id, or a user profile by path (UsageError on any problem)."""
    return Loader(search_dirs).load(id_or_path)


def shipped_profile_ids() -> list[str]:
    root = resources.files("pqscan.profiles")
    return sorted(p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml"))


def available_profiles() -> list[Profile]:
    """Every shipped profile (package `pqscan.profiles`), loaded and validated."""
    loader = Loader()
    return [loader.load(profile_id) for profile_id in shipped_profile_ids()]
