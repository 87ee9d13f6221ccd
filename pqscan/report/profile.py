"""Terminal tables of standards profiles: one profile (`pqscan profiles show`, the document
`Profile.to_dict()` plus its `path`) and the list (`pqscan profiles list`: {"profiles": [...]}).
JSON is the document itself (pqscan.report.render)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

from pqscan.report.evaluation import source_note


def render_profile_table(profile: Mapping[str, Any]) -> str:
    p = profile
    lines = [f"{p['id']}: {p['title']}",
             f"version {p['version']}, {p['publisher']}, status {p['status']}, "
             f"confidence {p['confidence']}"
             + (f", extends {', '.join(p['extends'])}" if p.get("extends") else "")]
    lines += [f"source {s['key']}: {s['title']} ({s['date']})" for s in p["sources"]]
    rows = [(r["id"], r["severity"], r["effective_from"] or "-",
             source_note(r["source_status"], r["confidence"]), r["clause"])
            for r in p["requirements"]]
    lines.append(tabulate(rows, headers=["requirement", "severity", "from", "status", "clause"]))
    return "\n".join(lines)


def render_profiles_table(listing: Mapping[str, Any]) -> str:
    rows = [(p["id"], p["version"], p["publisher"], source_note(p["status"], p["confidence"]),
             len(p["requirements"]), p["title"], p["path"]) for p in listing["profiles"]]
    return tabulate(rows, headers=["id", "version", "publisher", "status", "reqs", "title",
                                   "file"])
