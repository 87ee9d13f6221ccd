"""The report document: the top-level JSON shape around the endpoint results.

`new_report` wraps endpoint dicts with schema version, tool identity, timestamps and the
method sheet; `load_report` reads a saved report back for every command that reads one
(`evaluate`, `report render`): regular file, at most MAX_REPORT_BYTES, strict JSON
(pqscan.inputfile), this schema version, and valid against the shipped report.schema.json;
a packed report (`method.report_form: "compact-2"`) is unpacked here, the one place reports
are loaded, so every reader sees the endpoints as before (pqscan.model.packed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pqscan import __version__
from pqscan.errors import UsageError
from pqscan.inputfile import MAX_REPORT_BYTES, read_json
from pqscan.model.packed import PackedError, unpack_report

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
    from pqscan.model.schema import first_schema_error

    p = Path(path)
    data = read_json(p, MAX_REPORT_BYTES, "the report size limit")
    if not isinstance(data, dict) or "endpoints" not in data:
        raise UsageError(f"{p}: not a pqscan report (no endpoints)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"{p}: unsupported report schema_version "
                         f"{str(data.get('schema_version'))[:40]!r} (this pqscan reads "
                         f"{SCHEMA_VERSION!r})")
    # validated as every reader sees it, unpacked (a packed part that does not read back is
    # named by the unpacking)
    try:
        unpack_report(data)
    except PackedError as exc:
        raise UsageError(f"{p}: not a valid pqscan report: $.{exc}") from None
    problem = first_schema_error(data)
    if problem is not None:
        raise UsageError(f"{p}: not a valid pqscan report: {problem}")
    return data


def dump_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False) + "\n"
