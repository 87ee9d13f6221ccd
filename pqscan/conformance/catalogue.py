"""The PQ TLS check catalogue (PQT-001 ... PQT-039): `CatalogueEntry` and `load_catalogue()`.

The data is `pqscan/conformance/catalogue.json`, a copy of section 5 of the project's research
notes (source path and SHA-256 inside the file), read through importlib.resources so it works
from an installed package. Draft references ([HYB], [MLKEM], [MLDSA], [CNSA]) are
Internet-Drafts and say so in the `references` table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

LEVELS = ("MUST", "SHOULD")


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue row: what is sent, what passes, and the normative reference."""

    id: str
    title: str
    sent: str
    expected: str
    reference: str
    level: str
    mode: str
    profiles: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.startswith("PQT-"):
            raise ValueError(f"bad check id {self.id!r}")
        if self.level not in LEVELS:
            raise ValueError(f"{self.id}: level {self.level!r} is not MUST or SHOULD")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "sent": self.sent, "expected": self.expected,
                "reference": self.reference, "level": self.level, "mode": self.mode,
                "profiles": list(self.profiles)}


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("pqscan.conformance").joinpath("catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def load_catalogue() -> MappingProxyType[str, CatalogueEntry]:
    """id -> entry, in catalogue order."""
    out: dict[str, CatalogueEntry] = {}
    for row in _raw()["checks"]:
        entry = CatalogueEntry(row["id"], row["title"], row["sent"], row["expected"],
                               row["reference"], row["level"], row["mode"],
                               tuple(row["profiles"]))
        if entry.id in out:
            raise ValueError(f"duplicate catalogue id {entry.id}")
        out[entry.id] = entry
    return MappingProxyType(out)


def references() -> dict[str, str]:
    """Short reference keys ([8446], [HYB], ...) -> full citation."""
    return dict(_raw()["references"])
