"""The versioned JSON Schema (draft 2020-12) of the scan report: loading and validation.

The schema file is pqscan/data/report.schema.json; it is strict (required fields and no
unknown ones at every level of docs/json-contract.md) so that a renamed field is caught.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from pqscan.inputfile import json_path


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    text = resources.files("pqscan.data").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validator() -> Any:
    from jsonschema import Draft202012Validator  # a dependency; imported on first validation

    return Draft202012Validator(report_schema())


def _precise(error: Any) -> Any:
    """A oneOf violation (null or TLS, a list or its packed table, ...) as the violation inside
    the branch the value's type chose, so the path names the bad field itself."""
    from jsonschema.exceptions import best_match

    return best_match([error]) if error.context else error


def first_schema_error(report: Any) -> str | None:
    """The first violation as '$.json.path: message' (None when valid): what a command that
    reads a report names before refusing it."""
    error = next(iter(_validator().iter_errors(report)), None)
    if error is None:
        return None
    error = _precise(error)
    return f"{json_path(error.absolute_path)}: {error.message[:200]}"


def schema_errors(report: Any) -> list[str]:
    """Every violation as 'path: message' (empty when valid); needs the jsonschema package."""
    validator = _validator()
    errors = [_precise(e) for e in validator.iter_errors(report)]
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:200]}"
            for e in sorted(errors, key=lambda e: list(e.absolute_path))]
