"""The compiled writer (`pqscan.model.codec._compile_writer`, issue 13 session 7) writes exactly
what the generic per-field loop writes, key order included, for real endpoints: a class is
written the generic way until COMPILE_AFTER objects of it were, then through its compiled
`to_dict`, and a report must not change at that point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pqscan.model import codec
from pqscan.model.endpoint import Endpoint

DATA = Path(__file__).resolve().parent.parent / "data" / "report"


def _written(typed: Endpoint) -> str:
    return json.dumps(typed.to_dict())


@pytest.mark.parametrize("index", [0, 1])
def test_the_compiled_writer_writes_what_the_generic_loop_writes(
        index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = json.loads((DATA / "nginx-unjudged.json").read_text())[index]
    typed = Endpoint.from_dict(endpoint)
    monkeypatch.setattr(codec, "_WRITERS", {})
    monkeypatch.setattr(codec, "_USES", {})
    monkeypatch.setattr(codec, "COMPILE_AFTER", 10**9)
    generic = _written(typed)
    assert codec._WRITERS == {}
    monkeypatch.setattr(codec, "COMPILE_AFTER", 1)
    first = _written(typed)  # compiles every class it meets, writes generically once more
    assert Endpoint in codec._WRITERS and len(codec._WRITERS) >= 8
    compiled = _written(typed)
    assert compiled == first == generic == json.dumps(endpoint)


def test_a_writer_keeps_unknown_keys_and_leaves_absent_ones_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pqscan.model.tls import GroupObservation

    monkeypatch.setattr(codec, "_WRITERS", {})
    monkeypatch.setattr(codec, "COMPILE_AFTER", 1)
    entry = {"status": "supported", "via": None, "family": "hybrid", "newer": [1, {"a": 2}]}
    typed = GroupObservation.from_dict(entry)
    for _ in range(2):  # generic, then compiled
        out = typed.to_dict()
        assert json.dumps(out) == json.dumps(entry)
        out["newer"][1]["a"] = 3  # a copy: the typed object's raw parts are never shared
    assert typed.extra["newer"][1]["a"] == 2
