"""PROBES: every TLS check pqscan runs, and the depths (`--depth`) as filters over them.

Adding a probe is one module under `pqscan/scan/probes/` that declares a `Check` (name, the
facts it needs, the facts it provides, its depths) and one line here; the scanner derives the
order and what runs concurrently from the declared needs (`Registry.plan`), and a fact that
goes into the report needs its line in `scan/scanner.endpoint_facts` and `scan/assemble.py`.
Building the registry at import checks the graph: an unknown need or a cycle fails at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pqscan.scan import census
from pqscan.scan.probes import (
    behaviour,
    certificates,
    groups,
    suites,
    tls12,
    tls12_chain,
    versions,
)
from pqscan.scan.probes.registry import Registry

PROBES = Registry((
    versions.VERSIONS,
    behaviour.BEHAVIOUR,
    groups.ENUMERATE, groups.CONFIRM, groups.CONFIRM_ALL, groups.PREFERENCE,
    suites.TLS13_SUITE_CHECK, suites.OLDER_SUITE_CHECK,
    suites.TLS13_PREFERENCE, suites.TLS12_PREFERENCE,
    certificates.TLS13_SCHEMES, certificates.TLS13_SCHEMES_EACH,
    certificates.TLS12_SCHEMES, certificates.TLS12_SCHEMES_ALL,
    tls12_chain.ELIMINATION, tls12_chain.ELIMINATION_FULL, tls12_chain.CURVES,
    tls12.KEX, tls12.TLS12,
    census.CENSUS,
))


def _keep(endpoint: dict[str, Any]) -> dict[str, Any]:
    return endpoint


@dataclass(frozen=True, slots=True)
class Depth:
    """What a depth changes besides its probes: the retries on a timeout or reset, and how
    the endpoint is finished (quick: lists it never asked for are null, not empty)."""

    name: str
    retries: int
    finish: Callable[[dict[str, Any]], dict[str, Any]] = _keep


DEPTH_SETTINGS = {
    "quick": Depth("quick", 1, census.mark_not_gathered),
    "standard": Depth("standard", 1),
    # `full`: one more retry on timeout/reset (fewer inconclusive) and the slow probes
    "full": Depth("full", 2),
}
