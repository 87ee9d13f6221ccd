"""Hypothesis strategies for JSON values valid against pqscan/data/report.schema.json.

Built from the schema itself (the subset of draft 2020-12 it uses: $ref into $defs, type
lists, enum, const, oneOf, properties / required / additionalProperties, propertyNames enum,
items, pattern, minimum / maximum, minLength; a oneOf branch marked packed is left out: it
is the written form of pqscan.model.packed, which readers unpack first), so a field added
to the schema is generated without touching this file. With `extras`, objects also get keys
the schema does not know: a typed observation must carry those through unchanged.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=8)
RAW_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                        max_leaves=6)
# keys no version of the contract uses, so they are "unknown" wherever they appear
UNKNOWN_KEYS = st.sampled_from(["x_future", "zz_note", "vendor.extra"])


class SchemaStrategies:
    def __init__(self, schema: dict[str, Any], extras: bool = False) -> None:
        self.schema = schema
        self.extras = extras

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            parts = node["$ref"].removeprefix("#/").split("/")
            target: Any = self.schema
            for p in parts:
                target = target[p]
            node = target
        return node

    def for_node(self, node: dict[str, Any]) -> st.SearchStrategy[Any]:
        node = self._resolve(node)
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        if "oneOf" in node:  # the packed alternatives are written, never typed (model.packed)
            return st.one_of([self.for_node(n) for n in node["oneOf"]
                              if not self._resolve(n).get("$comment", "").startswith("packed")])
        kinds = node.get("type")
        if kinds is None:
            return RAW_JSON
        if isinstance(kinds, list):
            return st.one_of([self.for_node({**node, "type": k}) for k in kinds])
        return self._typed(kinds, node)

    def _typed(self, kind: str, node: dict[str, Any]) -> st.SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return st.integers(node.get("minimum", -2**31), node.get("maximum", 2**31))
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "string":
            if "pattern" in node:
                return st.from_regex(node["pattern"], fullmatch=True).filter(
                    lambda s: len(s) < 80)
            return st.text(min_size=node.get("minLength", 0), max_size=12)
        if kind == "array":
            items = node.get("items")
            return st.lists(self.for_node(items) if items else RAW_JSON, max_size=3)
        if kind == "object":
            return self._object(node)
        raise AssertionError(f"schema type {kind!r} not covered")

    def _object(self, node: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        props: dict[str, Any] = node.get("properties", {})
        additional = node.get("additionalProperties", True)
        if not props:  # a map (groups, versions ...) or a free object (method, evidence)
            if isinstance(additional, dict):
                names = node.get("propertyNames", {})
                keys = (st.sampled_from(names["enum"]) if "enum" in names
                        else st.text(min_size=1, max_size=10))
                return st.dictionaries(keys, self.for_node(additional), max_size=3)
            return st.dictionaries(st.text(max_size=6), RAW_JSON, max_size=3)
        required = set(node.get("required", ()))
        fixed = {k: self.for_node(v) for k, v in props.items() if k in required}
        optional = {k: self.for_node(v) for k, v in props.items() if k not in required}
        base = st.fixed_dictionaries(fixed, optional=optional)
        if not self.extras:
            return base
        unknown = st.dictionaries(UNKNOWN_KEYS, RAW_JSON, max_size=1)
        return st.builds(lambda known, more: {**known, **more}, base, unknown)

    def definition(self, name: str) -> st.SearchStrategy[Any]:
        return self.for_node({"$ref": f"#/$defs/{name}"})
