"""Every status vocabulary (pqscan.model.vocab) is exactly the word list the report schema
allows at each place it is used: a word added to one and not the other fails here."""

from __future__ import annotations

import json
from enum import StrEnum
from importlib import resources
from typing import Any

import pytest

from pqscan.model import vocab
from pqscan.registry.tls import GroupFamily

SCHEMA = json.loads(resources.files("pqscan.data").joinpath("report.schema.json")
                    .read_text("utf-8"))
SUPPORT = ["status", "tls/properties/versions/additionalProperties",
           "tls/properties/signature_schemes/oneOf/0/additionalProperties",
           "tls/properties/signature_schemes/oneOf/1/items/prefixItems/0",  # packed runs
           "tls/properties/tls12/oneOf/1/properties/ecdhe_curves/oneOf/0/additionalProperties",
           "tls/properties/tls12/oneOf/1/properties/ecdhe_curves/oneOf/1/items/prefixItems/0",
           "tls/properties/tls12/oneOf/1/properties/ffdhe"]
PLACES: list[tuple[str, type[StrEnum]]] = [
    ("endpoint/properties/protocol", vocab.Protocol),
    ("endpoint/properties/status", vocab.EndpointStatus),
    ("finding/properties/severity", vocab.Severity),
    ("group/properties/family", GroupFamily),
    ("group/properties/status", vocab.Support),
    ("group/properties/via", vocab.LearnedVia),
    ("probe/properties/result", vocab.ProbeResult),
    ("ssh/properties/host_keys/items/properties/family", vocab.SSHFamily),
    ("ssh/properties/host_keys/items/properties/status", vocab.HostKeyStatus),
    ("ssh/properties/kex_algorithms/additionalProperties/properties/family", vocab.SSHFamily),
    ("ssh/properties/kex_state", vocab.KState),
    ("ssh/properties/negotiation_status/properties/openssh_10", vocab.Negotiation),
    ("ssh/properties/readiness", vocab.Readiness),
    ("tls/properties/kex_state", vocab.KState),
    ("tls/properties/versions/propertyNames", vocab.TLSVersion),
    ("verdict/properties/result", vocab.VerdictResult),
    ("verdict/properties/severity", vocab.Level),
    *((place, vocab.Support) for place in SUPPORT),
]


def _at(path: str) -> Any:
    node: Any = SCHEMA["$defs"]
    for part in path.split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize(("path", "enum"), PLACES, ids=[p for p, _ in PLACES])
def test_vocabulary_is_the_schema_word_list(path: str, enum: type[StrEnum]) -> None:
    words = {w for w in _at(path)["enum"] if w is not None}
    assert words == {m.value for m in enum}


def test_members_are_their_json_words() -> None:
    assert json.dumps([vocab.Support.SUPPORTED, vocab.KState.K0]) == '["supported", "K0"]'
    assert vocab.VerdictResult("PASS") is vocab.VerdictResult.PASS
    with pytest.raises(ValueError):
        vocab.Support("pass")
