"""The one registry of scan-report output formats (`RENDERERS`) and its dispatch
`render(report, fmt, **options)`, used by every command that writes a report (scan, demo,
evaluate, report render).

A format is one `Renderer`: its file extension, whether server text is shown inert first, and
the dotted path of its function, imported on use so `pqscan scan --format table` never loads
cyclonedx. Options: `metadata` (target metadata from pqscan.model.metadata.load_metadata),
`scenarios` (quantum-timeline years), `csv_mode` ("endpoints" | "verdicts"), `fail_on_due`
(--fail-on-due YEARS: JUnit counts FAILs due within it as failures); each renderer takes the ones
it declares.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS
from pqscan.model.metadata import TargetMetadata
from pqscan.report.text import inert


@dataclass(frozen=True, slots=True)
class Renderer:
    """One output format: `function` (module:name) called as f(report, *declared options)."""

    extension: str
    function: str
    options: tuple[str, ...] = ()
    # JSON and the CBOM keep the facts as recorded (their encoders escape every control);
    # every other format shows strings from a peer or a file inert and cut to FIELD_LIMIT
    inert: bool = True

    def __call__(self, report: Mapping[str, Any], options: Mapping[str, Any]) -> str:
        module, _, name = self.function.partition(":")
        function = getattr(importlib.import_module(module), name)
        text: str = function(inert(report) if self.inert else report,
                             *(options[o] for o in self.options))
        return text


RENDERERS: Mapping[str, Renderer] = {
    "table": Renderer(".txt", "pqscan.report.table:render_table"),
    "json": Renderer(".json", "pqscan.model.document:dump_json", inert=False),
    "md": Renderer(".md", "pqscan.report.markdown:render_markdown", ("metadata", "scenarios")),
    "csv": Renderer(".csv", "pqscan.report.csv:render_csv", ("csv_mode", "metadata", "scenarios")),
    "html": Renderer(".html", "pqscan.report.html:render_html", ("metadata", "scenarios")),
    "sarif": Renderer(".sarif", "pqscan.report.sarif:render_sarif_text"),
    "junit": Renderer(".xml", "pqscan.report.junit:render_junit", ("fail_on_due",)),
    "cbom": Renderer(".cdx.json", "pqscan.report.cbom:render_cbom", inert=False),
}
FORMATS = tuple(RENDERERS)
EXTENSIONS = {name: r.extension for name, r in RENDERERS.items()}


def render(report: Mapping[str, Any], fmt: str, *,
           metadata: Mapping[str, TargetMetadata] | None = None,
           scenarios: Sequence[int] = DEFAULT_SCENARIOS, csv_mode: str = "endpoints",
           fail_on_due: int | None = None) -> str:
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be a mapping, not {type(report).__name__}")
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return renderer(dict(report), {"metadata": metadata, "scenarios": scenarios,
                                   "csv_mode": csv_mode, "fail_on_due": fail_on_due})
