"""HandshakeResult.from_fields, the per-connection constructor (issue 13): the same object as
the dataclass __init__ makes, and unknown or missing names still fail as __init__ fails."""

from __future__ import annotations

import dataclasses

import pytest

from pqscan.tls.result import HandshakeResult


def test_from_fields_equals_init_with_defaults_filled_in() -> None:
    fields: dict[str, object] = {"outcome": "alert", "reason": "x", "alert": 40,
                                 "wire": (("client", b"\x16"),)}
    made = HandshakeResult.from_fields(fields)
    assert made == HandshakeResult(outcome="alert", reason="x", alert=40,
                                   wire=(("client", b"\x16"),))
    assert made.version is None and made.certificates == () and made.refused
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.outcome = "ok"  # type: ignore[misc]


@pytest.mark.parametrize("fields", [{"outcome": "x", "reason": "", "bogus": 1},
                                    {"reason": "no outcome"}])
def test_unknown_or_missing_names_fail_like_init(fields: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        HandshakeResult.from_fields(fields)
