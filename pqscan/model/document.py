"""The report document: the top-level JSON shape around the endpoint results.

`new_report` wraps endpoint dicts with schema version, tool identity, timestamps and the
method sheet; `load_report` reads a saved report back, refusing other schema versions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pqscan import __version__
from pqscan.errors import UsageError

SCHEMA_VERSION = "1"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_report(endpoints: list[dict[str, Any]], started_at: str, finished_at: str,
               method: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pqscan", "version": __version__},
        "started_at": started_at,
        "finished_at": finished_at,
        "method": method,
        "endpoints": endpoints,
    }


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a saved report; UsageError (exit 2) naming the file for anything unusable."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read report {str(p)!r}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"report {str(p)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "endpoints" not in data:
        raise UsageError(f"report {str(p)!r} is not a pqscan report (no endpoints)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"report {str(p)!r} has schema_version "
                         f"{data.get('schema_version')!r}; this pqscan reads {SCHEMA_VERSION!r}")
    return data


def dump_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"
