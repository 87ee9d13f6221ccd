"""Which targets a run scans, and in what order: duplicates removed, a reproducible sample,
an optional shuffle.

Duplicates are found after normalisation (`Target.text`, SNI, STARTTLS, protocol — the store's
key), so `example.org`, `EXAMPLE.org:443` and `https://example.org/` are one endpoint, scanned
once, while `ssh://host:443` beside `host:443` is another.
`--sample N --seed S` is a simple random sample without replacement (`random.Random(S)
.sample`), recorded in the report so statistics can state the design; `--shuffle` spreads
consecutive connections over networks (a list sorted by address hits one network at a time).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from pqscan.errors import Option, UsageError
from pqscan.scan.store import target_key as _key
from pqscan.scan.targets import Target


@dataclass(frozen=True, slots=True)
class Selection:
    targets: list[Target]
    duplicates: list[str] = field(default_factory=list)  # the targets dropped, as normalised
    population: int = 0  # distinct targets before sampling

    def method(self, sample: int | None, seed: int | None, shuffle: bool) -> dict[str, Any]:
        """What the report's method sheet records about the selection."""
        out: dict[str, Any] = {"input_targets": self.population + len(self.duplicates),
                               "duplicates_removed": len(self.duplicates),
                               "distinct_targets": self.population,
                               "scanned_targets": len(self.targets), "shuffled": shuffle}
        if sample is not None:
            out["sample"] = {"design": "simple random sample without replacement",
                             "n": len(self.targets), "population": self.population,
                             "seed": seed, "method": "Python random.Random(seed).sample"}
        return out


def select(targets: list[Target], sample: int | None = None, seed: int | None = None,
           shuffle: bool = False) -> Selection:
    seen: set[str] = set()
    unique: list[Target] = []
    duplicates: list[str] = []
    for t in targets:
        if _key(t) in seen:
            duplicates.append(t.text)
            continue
        seen.add(_key(t))
        unique.append(t)
    chosen = unique
    if sample is not None:
        if sample < 1:
            raise UsageError(Option("sample"), f": {sample} is not a positive number")
        if seed is None:
            raise UsageError(Option("sample"), " needs ", Option("seed"),
                             " S (a sample must be reproducible)")
        # keep input order inside the sample: the choice is random, the scan order is not
        picked = set(random.Random(seed).sample(range(len(unique)), min(sample, len(unique))))
        chosen = [t for i, t in enumerate(unique) if i in picked]
    if shuffle:
        chosen = list(chosen)
        random.Random(seed).shuffle(chosen)
    return Selection(chosen, duplicates, len(unique))
