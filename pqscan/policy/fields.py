"""Which observation paths exist: a condition's `field = "tls/kex_state"` checked against the
endpoint of the report schema (pqscan/data/report.schema.json, the one description of the
observation model), so that a typo such as `tls/kexstate` is refused when the profile is
loaded instead of leaving every verdict silently NOT_TESTED ("absent").

The walk follows the schema as written: `$ref`, `oneOf`/`anyOf`/`allOf` (a step is valid if
any branch takes it), object `properties`, `additionalProperties` (a schema: any key;
`false`: none), `propertyNames` enums, array `items` (a digit or `*`); `*` fans out over every
child. A part of the schema that says nothing about its content (e.g. a finding's evidence)
accepts any path below it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pqscan.model.schema import report_schema

_SHAPE_KEYS = ("type", "properties", "additionalProperties", "items", "enum", "const",
               "propertyNames", "patternProperties")


def _resolve(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The concrete branches of a schema node ($ref followed, oneOf/anyOf/allOf expanded)."""
    if "$ref" in schema:
        ref = schema["$ref"]
        node: Any = report_schema()
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        yield from _resolve(node)
        return
    combined = [s for key in ("oneOf", "anyOf", "allOf") for s in schema.get(key, [])]
    if combined:
        for branch in combined:
            yield from _resolve(branch)
        return
    yield schema


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    if "properties" in schema or "additionalProperties" in schema:
        types.add("object")
    if "items" in schema:
        types.add("array")
    return types


def _children(schema: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    if not any(k in schema for k in _SHAPE_KEYS):
        return [{}]  # says nothing about its content: open below
    out: list[Mapping[str, Any]] = []
    types = _types(schema)
    if "object" in types:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        names = (schema.get("propertyNames") or {}).get("enum")
        if key == "*":
            out.extend(properties.values())
            if isinstance(extra, Mapping):
                out.append(extra)
        elif key in properties:
            out.append(properties[key])
        elif names is not None and key not in names:
            pass
        elif isinstance(extra, Mapping):
            out.append(extra)
        elif extra is True and not properties:
            out.append({})
    if "array" in types and (key == "*" or key.isdigit()):
        items = schema.get("items", {})
        out.append(items if isinstance(items, Mapping) else {})
    return out


def unknown_field(path: str) -> str | None:
    """Why `path` (a condition's `field`, `/`-separated) names nothing an endpoint can hold,
    or None when it exists in the observation model."""
    if not isinstance(path, str):
        raise TypeError(f"path must be str, not {type(path).__name__}")
    nodes: list[Mapping[str, Any]] = [report_schema()["$defs"]["endpoint"]]
    parts = path.split("/")
    for depth, key in enumerate(parts):
        nodes = [child for node in nodes for branch in _resolve(node)
                 for child in _children(branch, key)]
        if not nodes:
            parent = "/".join(parts[:depth]) or "the endpoint"
            return (f"no field {path!r} in the observation model: {parent} has no {key!r} "
                    "(docs/json-contract.md)")
    return None
