"""The model declares which fields are derived (DERIVED metadata); judgement recomputes each.

Derived fields are judgements a report keeps for readers. The typed model marks them, and
this test holds two other places to that list: tests/policy/test_policy_rederive.py (which
deletes and corrupts every derived field it knows and expects the same findings and verdicts)
must cover every field the model marks, and pqscan.assess.derive must recompute every one of
them (a value the model marks derived but judgement never rewrites would be trusted stale).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pqscan.assess.derive import rederive
from pqscan.model.endpoint import Endpoint
from tests.policy.test_policy_rederive import _derived

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "data" / "golden" / "verdicts")
                .glob("*.json"))


def _paths(value: Any, path: str, out: dict[int, str]) -> dict[int, str]:
    """id(dict) -> its JSON path, for every object inside an endpoint."""
    if isinstance(value, dict):
        out[id(value)] = path
        for k, v in value.items():
            _paths(v, f"{path}.{k}" if path else k, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _paths(v, f"{path}[{i}]", out)
    return out


def _endpoint(path: Path) -> dict[str, Any]:
    endpoint: dict[str, Any] = json.loads(path.read_text("utf-8"))["endpoint"]
    return endpoint


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_rederive_test_covers_every_field_the_model_marks_derived(path: Path) -> None:
    endpoint = _endpoint(path)
    declared = set(Endpoint.from_dict(endpoint).derived_paths())
    where = _paths(endpoint, "", {})
    covered = {f"{where[id(container)]}.{key}" for container, key, _ in _derived(endpoint)}
    assert declared <= covered, "derived in the model, not exercised by the rederive test"
    assert covered <= declared, "the rederive test strips a field the model does not mark"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_judgement_rewrites_every_field_the_model_marks_derived(path: Path) -> None:
    endpoint = _endpoint(path)
    declared = Endpoint.from_dict(endpoint).derived_paths()
    poisoned = copy.deepcopy(endpoint)
    where = _paths(poisoned, "", {})
    by_path = {f"{where[id(c)]}.{k}": (c, k) for c, k, _ in _derived(poisoned)}
    for p in declared:
        container, key = by_path[p]
        container[key] = "poison"
    rederive(poisoned)
    left = [p for p in declared if by_path[p][0][by_path[p][1]] == "poison"]
    assert left == [], "judgement kept a stale derived value"

