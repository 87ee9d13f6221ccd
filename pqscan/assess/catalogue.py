"""Every finding check, registered, and `derive_findings`, which runs those of an endpoint's
protocol. Importing this module imports the check modules, so `FINDINGS` is complete here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pqscan.assess.findings  # noqa: F401 - registers the TLS checks
import pqscan.assess.findings_ciphers  # noqa: F401 - registers the TLS cipher-suite checks
import pqscan.assess.findings_ssh  # noqa: F401 - registers the SSH checks
from pqscan.assess.finding import (
    CHECKS,
    FINDINGS,
    SEVERITIES,
    UNDECIDED,
    Finding,
    FindingSpec,
    Undecided,
    declare,
    make,
    undecided_checks,
)

__all__ = ["FINDINGS", "SEVERITIES", "Finding", "FindingSpec", "derive_findings",
           "undecided_checks"]

declare(FindingSpec(UNDECIDED, "info", "Check could not be decided",
                    "An observation this check needs was inconclusive or absent.",
                    "docs/json-contract.md status words", "scan"))


def derive_findings(endpoint: Mapping[str, Any], as_of: date) -> list[Finding]:
    """All findings for one ENDPOINT dict as of a date (a pure function of its inputs)."""
    if not isinstance(endpoint, Mapping):
        raise TypeError(f"endpoint must be a mapping, not {type(endpoint).__name__}")
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, not {type(as_of).__name__}")
    out: list[Finding] = []
    for name, function in CHECKS[str(endpoint.get("protocol") or "tls")].items():
        try:
            out.extend(function(endpoint, as_of))
        except Undecided as exc:
            out.extend(exc.partial)
            out.append(make(UNDECIDED, f"could not decide {name}: {exc}", check=name,
                            reason=str(exc)))
    return out
