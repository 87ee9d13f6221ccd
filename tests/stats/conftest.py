"""Fixtures of the statistics tests: relays in front of the lab servers (test_stats_lab.Relay)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_stats_lab import CHANGES, Relay


@pytest.fixture
def relays() -> Iterator[dict[str, Relay]]:
    """One relay per service of CHANGES, closed after the test."""
    made = {name: Relay() for name in CHANGES}
    yield made
    for relay in made.values():
        relay.close()
