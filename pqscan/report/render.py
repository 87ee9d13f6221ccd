"""The one dispatch from a scan report to any output format: `render(report, fmt, **options)`.

Formats: table, json, md, csv, html, sarif, junit, cbom. Options: `metadata` (target metadata
from pqscan.model.metadata.load_metadata), `scenarios` (quantum-timeline years), `csv_mode`
("endpoints" | "verdicts").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS
from pqscan.model.metadata import TargetMetadata
from pqscan.report.text import inert

FORMATS = ("table", "json", "md", "csv", "html", "sarif", "junit", "cbom")
EXTENSIONS = {"table": ".txt", "json": ".json", "md": ".md", "csv": ".csv", "html": ".html",
              "sarif": ".sarif", "junit": ".xml", "cbom": ".cdx.json"}


def render(report: Mapping[str, Any], fmt: str, *,
           metadata: Mapping[str, TargetMetadata] | None = None,
           scenarios: Sequence[int] = DEFAULT_SCENARIOS, csv_mode: str = "endpoints") -> str:
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be a mapping, not {type(report).__name__}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt not in ("json", "cbom"):
        # every string from a peer or a file shown inert and cut to FIELD_LIMIT, once, here;
        # JSON and the CBOM keep the facts as recorded (json.dumps escapes every control)
        report = inert(report)
    # Imports are per format so `pqscan scan --format table` never loads cyclonedx.
    if fmt == "table":
        from pqscan.report.table import render_table
        return render_table(dict(report))
    if fmt == "json":
        from pqscan.model.document import dump_json
        return dump_json(dict(report))
    if fmt == "md":
        from pqscan.report.markdown import render_markdown
        return render_markdown(report, metadata, scenarios)
    if fmt == "csv":
        from pqscan.report.csv import render_csv
        return render_csv(report, csv_mode, metadata, scenarios)
    if fmt == "html":
        from pqscan.report.html import render_html
        return render_html(report, metadata, scenarios)
    if fmt == "sarif":
        from pqscan.report.sarif import render_sarif
        return json.dumps(render_sarif(report), indent=2) + "\n"
    if fmt == "junit":
        from pqscan.report.junit import render_junit
        return render_junit(report)
    from pqscan.report.cbom import render_cbom
    return render_cbom(report)
