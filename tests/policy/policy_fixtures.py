"""Helpers for the policy tests: the golden endpoint files (tests/data/golden/verdicts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "verdicts"


def golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


def load_golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    return data




def report_of(*names: str) -> dict[str, Any]:
    return {"schema_version": "1", "tool": {"name": "pqscan", "version": "0.1.0"},
            "started_at": "2026-06-01T00:00:00Z", "finished_at": "2026-06-01T00:00:10Z",
            "endpoints": [load_golden(n)["endpoint"] for n in names]}
