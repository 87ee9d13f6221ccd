"""How a typed observation reads and writes its JSON object: one codec for every model class.

Every observation class (`pqscan.model.tls`, `.cert`, `.ssh`, `.endpoint`) is a frozen, slotted,
keyword-only dataclass deriving from `Observation`. Its fields, in declaration order, are the
JSON keys (a field's `metadata["key"]` renames it, e.g. `"TLSv1.3"`); its type hints say how a
value is read: `str`, `int`, `bool`, `None`, a StrEnum (its JSON word), `tuple[T, ...]` (a JSON
array), `Mapping[K, V]` (a JSON object with string or StrEnum keys), another `Observation`, a
union of those, or `Any` (raw JSON, copied). A field typed `... | Absent` with default `ABSENT`
is a key the contract lets a writer leave out; "absent" and "null" stay distinct, so
`from_dict(d).to_dict() == d` holds exactly. Keys the class does not declare are kept raw in
`extra` and written back last (like unknown TLS extensions): a report from a newer pqscan
survives being read by this one. A field with `metadata["json"] = False` lives in memory only
(a certificate's raw DER).

`from_dict` names the JSON path of the first problem: TypeError for a value of the wrong JSON
type, ValueError for a missing required key or a word outside its vocabulary.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar

T = TypeVar("T", bound="Observation")
Decode = Callable[[Any, str], Any]
Encode = Callable[[Any], Any]


class Absent(enum.Enum):
    """The value of a field whose key was absent (not null) in the JSON object."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = Absent.ABSENT


def key(name: str) -> dict[str, str]:
    """Field metadata for a JSON key that is not a Python identifier (`"TLSv1.3"`)."""
    return {"key": name}


# Field metadata of a derived field: a judgement kept for readers, recomputed from the
# observations at every judgement (pqscan.assess.derive) and never trusted on input.
DERIVED: Mapping[str, bool] = {"derived": True}


def copy_json(value: Any) -> Any:
    """A copy of a JSON value (dicts and lists copied, scalars shared): raw parts of a report
    are never shared between the model and the dicts it hands out, which callers mutate."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [copy_json(v) for v in value]
    return value


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _wrong(path: str, wanted: str, value: Any) -> TypeError:
    return TypeError(f"{path}: expected {wanted}, got {_json_type(value)}")


def _scalar(kind: type) -> tuple[Decode, Encode]:
    def decode(value: Any, path: str) -> Any:
        # bool is an int subclass in Python but never an integer in JSON
        if type(value) is not kind:
            raise _wrong(path, {str: "string", int: "integer", bool: "boolean"}[kind], value)
        return value
    return decode, _same


def _same(value: Any) -> Any:
    return value


def _none(value: Any, path: str) -> None:
    if value is not None:
        raise _wrong(path, "null", value)


def _raw(value: Any, path: str) -> Any:
    return copy_json(value)


def _enum(kind: type[enum.Enum]) -> tuple[Decode, Encode]:
    words = [m.value for m in kind]

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise _wrong(path, "string", value)
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"{path}: {value[:60]!r} is not one of {words}") from None
    return decode, lambda member: member.value


def _array(item: Any) -> tuple[Decode, Encode]:
    decode_item, encode_item = _codec(item)

    def decode(value: Any, path: str) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _wrong(path, "array", value)
        return tuple(decode_item(v, f"{path}[{i}]") for i, v in enumerate(value))
    return decode, lambda items: [encode_item(v) for v in items]


def _object(key_type: Any, value_type: Any) -> tuple[Decode, Encode]:
    decode_key, encode_key = _codec(key_type)
    decode_value, encode_value = _codec(value_type)

    def decode(value: Any, path: str) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise _wrong(path, "object", value)
        return {decode_key(k, f"{path} key"): decode_value(v, f"{path}.{k}")
                for k, v in value.items()}
    return decode, lambda items: {encode_key(k): encode_value(v) for k, v in items.items()}


def _union(members: tuple[Any, ...]) -> tuple[Decode, Encode]:
    nullable = type(None) in members
    rest = [m for m in members if m is not type(None)]
    if len(rest) == 1:
        decode_one, encode_one = _codec(rest[0])
    elif rest and all(isinstance(m, type) and issubclass(m, Observation) for m in rest):
        # a oneOf of objects (a certificate, or the error entry in its place): the first
        # class whose required keys are all present reads it
        classes: list[type[Observation]] = list(rest)

        def decode_one(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _wrong(path, "object", value)
            chosen = next((c for c in classes if c.required_keys() <= value.keys()),
                          classes[-1])
            return chosen.from_json(value, path)
        encode_one = _encode_observation
    else:
        raise TypeError(f"no codec for the union {members}")

    def decode(value: Any, path: str) -> Any:
        return None if value is None and nullable else decode_one(value, path)
    return decode, lambda v: None if v is None else encode_one(v)


def _encode_observation(value: Observation) -> dict[str, Any]:
    return value.to_dict()


def _codec(hint: Any) -> tuple[Decode, Encode]:
    """The (decode, encode) pair for one type hint (see the module docstring)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return _raw, copy_json
    if hint is type(None):
        return _none, _same
    if hint in (str, int, bool):
        return _scalar(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if isinstance(hint, type) and issubclass(hint, Observation):
        return hint.from_json, _encode_observation
    if origin is tuple:
        return _array(typing.get_args(hint)[0])
    if origin in (Mapping, dict):
        return _object(*typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        return _union(typing.get_args(hint))
    raise TypeError(f"no codec for the type {hint!r}")


# --- the writer, compiled: one generated `to_dict` per class ----------------------------------
# The encoders above are closures a generic loop calls per field: ~11,000 calls per endpoint
# written (issue 13, session 7). Each class gets the same encoding as straight-line Python
# instead (what dataclasses does for __init__), built from the same type hints: a scalar is
# written as is, an enum member as its value, an observation by its own `to_dict`.

def _expr(hint: Any, var: str, names: dict[str, Any], depth: int = 0) -> str:
    """A Python expression that encodes `var` of type `hint` exactly as `_codec(hint)[1]`."""
    origin = typing.get_origin(hint)
    if hint is Any:
        names["copy_json"] = copy_json
        return f"copy_json({var})"
    if hint is type(None) or hint in (str, int, bool):
        return var
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return f"{var}._value_"  # what `.value` returns, without its descriptor (enum.py)
    if isinstance(hint, type) and issubclass(hint, Observation):
        return f"{var}.to_dict()"
    item = f"x{depth}"
    if origin is tuple:
        inner = _expr(typing.get_args(hint)[0], item, names, depth + 1)
        return f"list({var})" if inner == item else f"[{inner} for {item} in {var}]"
    if origin in (Mapping, dict):
        key_type, value_type = typing.get_args(hint)
        k = f"k{depth}"
        k_expr, v_expr = _expr(key_type, k, names, depth + 1), _expr(value_type, item, names,
                                                                     depth + 1)
        if k_expr == k and v_expr == item:
            return f"dict({var})"
        return f"{{{k_expr}: {v_expr} for {k}, {item} in {var}.items()}}"
    if origin in (types.UnionType, typing.Union):
        rest = [m for m in typing.get_args(hint) if m is not type(None)]
        one = (_expr(rest[0], var, names, depth) if len(rest) == 1 else f"{var}.to_dict()")
        return one if one == var else f"(None if {var} is None else {one})"
    raise TypeError(f"no codec for the type {hint!r}")


def _compile_writer(cls: type[Observation]) -> Callable[[Any], dict[str, Any]]:
    names: dict[str, Any] = {"ABSENT": ABSENT, "copy_json": copy_json}
    lines = ["def to_dict(self):", "    out = {}"]
    for f in cls._fields():
        lines += [f"    v = self.{f.attr}", "    if v is not ABSENT:",
                  f"        out[{f.key!r}] = {_expr(f.hint, 'v', names)}"]
    lines += ["    if self.extra:", "        for k, v in self.extra.items():",
              "            out.setdefault(k, copy_json(v))", "    return out"]
    exec("\n".join(lines), names)  # noqa: S102 - generated from the class's own type hints
    return names["to_dict"]  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    attr: str
    key: str
    optional: bool  # may be absent (typed `| Absent`, default ABSENT)
    derived: bool  # a judgement kept for readers (DERIVED)
    decode: Decode
    encode: Encode
    hint: Any  # the field's type without `| Absent` (what the compiled writer is made from)


def _plan(cls: type[Observation]) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    out: list[_Field] = []
    for f in dataclasses.fields(cls):
        if f.name == "extra" or not f.metadata.get("json", True):
            continue  # in-memory only (e.g. a certificate's raw DER)
        hint = hints[f.name]
        optional = False
        if typing.get_origin(hint) in (types.UnionType, typing.Union):
            members = tuple(m for m in typing.get_args(hint) if m is not Absent)
            optional = len(members) < len(typing.get_args(hint))
            if optional:
                hint = members[0] if len(members) == 1 else typing.Union[members]  # noqa: UP007
        decode, encode = _codec(hint)
        out.append(_Field(f.name, f.metadata.get("key", f.name), optional,
                          bool(f.metadata.get("derived")), decode, encode, hint))
    return tuple(out)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """Base of every typed observation: `from_dict` / `to_dict` through the codec above."""

    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    _plans: ClassVar[dict[type, tuple[_Field, ...]]] = {}

    @classmethod
    def _fields(cls) -> tuple[_Field, ...]:
        plan = Observation._plans.get(cls)
        if plan is None:
            plan = Observation._plans[cls] = _plan(cls)
        return plan

    @classmethod
    def required_keys(cls) -> frozenset[str]:
        return frozenset(f.key for f in cls._fields() if not f.optional)

    @classmethod
    def from_json(cls, data: Any, path: str) -> Self:
        """`from_dict` for a value found at `path` (named in every error)."""
        if not isinstance(data, dict):
            raise _wrong(path, "object", data)
        values: dict[str, Any] = {}
        known: set[str] = set()
        for f in cls._fields():
            known.add(f.key)
            if f.key in data:
                values[f.attr] = f.decode(data[f.key], f"{path}.{f.key}")
            elif not f.optional:
                raise ValueError(f"{path}: the required key {f.key!r} is missing")
        extra = {k: copy_json(v) for k, v in data.items() if k not in known}
        return cls(extra=extra, **values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict needs a mapping, not "
                            f"{type(data).__name__}")
        return cls.from_json(dict(data), cls.__name__)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: declared keys in declaration order (absent ones left out), then the
        unknown keys this object was read with (after COMPILE_AFTER objects of a class, the
        same through its compiled writer, `_compile_writer`)."""
        writer = _WRITERS.get(type(self))
        if writer is not None:
            return writer(self)
        # compiling costs ~0.3 ms a class: only for a class written often (a scan of many
        # endpoints), so a one-target scan's start-up does not pay for it
        uses = _USES[type(self)] = _USES.get(type(self), 0) + 1
        if uses >= COMPILE_AFTER:
            _WRITERS[type(self)] = _compile_writer(type(self))
        out: dict[str, Any] = {}
        for f in self._fields():
            value = getattr(self, f.attr)
            if value is not ABSENT:
                out[f.key] = f.encode(value)
        for k, v in self.extra.items():
            out.setdefault(k, copy_json(v))
        return out

    def derived_paths(self, path: str = "") -> list[str]:
        """The JSON path of every derived field present in this object and those inside it
        (`tls.groups.X25519MLKEM768.family`): what a judgement must recompute."""
        out: list[str] = []
        for f in self._fields():
            value = getattr(self, f.attr)
            here = f"{path}.{f.key}" if path else f.key
            if f.derived and value is not ABSENT:
                out.append(here)
            out.extend(_derived_inside(value, here))
        return out

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (dataclasses.replace, typed for subclasses)."""
        return dataclasses.replace(self, **changes)


_WRITERS: dict[type, Callable[[Any], dict[str, Any]]] = {}
_USES: dict[type, int] = {}  # objects of a class written before its writer is compiled
COMPILE_AFTER = 64


def _derived_inside(value: Any, path: str) -> list[str]:
    if isinstance(value, Observation):
        return value.derived_paths(path)
    if isinstance(value, tuple):
        return [p for i, v in enumerate(value) for p in _derived_inside(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in _derived_inside(v, f"{path}.{getattr(k, 'value', k)}")]
    return []
