"""The reference data: `pqscan/data/pqc-standards.json`, read and parsed once per process.

Every fact pqscan takes from the standards (codepoints, OIDs, sizes, deadlines, profile rules)
comes from this one packaged copy of the shared reference (see pqscan/data/PROVENANCE.md);
every module that needs it imports `reference_data` from here instead of opening the file, so
the registries, the assessors and the method sheet all see the same bytes (`reference_digest`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

REFERENCE_FILE = "pqc-standards.json"


@cache
def _reference_bytes() -> bytes:
    return resources.files("pqscan.data").joinpath(REFERENCE_FILE).read_bytes()


@cache
def reference_data() -> dict[str, Any]:
    """The parsed reference JSON (cached: callers must not mutate it)."""
    data: dict[str, Any] = json.loads(_reference_bytes().decode("utf-8"))
    return data


def reference_digest() -> str:
    """SHA-256 (hex) of the reference file: which facts a report was judged with."""
    return hashlib.sha256(_reference_bytes()).hexdigest()
