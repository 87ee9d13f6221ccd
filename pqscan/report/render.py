"""The one registry of output formats (`RENDERERS`) and its dispatch `render(...)`, used by every
command that writes a document: scan, demo, evaluate, report render, conform, vectors, certs,
lint, stats (through pqscan.cli.output).

A format is one `Renderer`, keyed by (document kind, format name): its file extension, whether
text from peers and files is shown inert first, the options it takes, and the dotted path of
its function, imported on use so `pqscan scan --format table` never loads cyclonedx. Document
kinds and what the function receives:

    scan        a scan report dict (docs/json-contract.md)
    evaluation  a judged scan report dict (`pqscan evaluate`: its own table, the rest as scan)
    conform     a conformance run dict (SuiteRun.to_dict())
    vectors     a pqscan.conformance.vectors.report.VectorRun
    vector-sets the `vectors list` dict
    certs       an inventory dict (Inventory.to_dict());  lint: {"certificates": [...]}
    profile     Profile.to_dict() (+ "path");  profiles: {"profiles": [...]} (profiles list)
    stats       a pqscan.stats.model.StatsResult

The vectors and stats functions live beside their documents (they need those types); they are
named here, not imported: neither package is imported by report/ (docs/architecture.md).
Options: `metadata` (target metadata), `scenarios` (quantum-timeline years), `csv_mode`
("endpoints" | "verdicts"), `profile_dirs` (where the method sheet finds user profiles named by
verdicts), `fail_on_due` (--fail-on-due YEARS: JUnit counts FAILs due within it as failures);
each renderer takes the ones it declares, in order.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS
from pqscan.model.metadata import TargetMetadata
from pqscan.report.compact import expand_report
from pqscan.report.text import inert

OPTIONS = ("metadata", "scenarios", "csv_mode", "profile_dirs", "fail_on_due")
_JSON = "pqscan.model.document:dump_json"


@dataclass(frozen=True, slots=True)
class Renderer:
    """One output format of one document kind: `function` (module:name) called as
    f(document, *declared options)."""

    kind: str
    name: str
    extension: str
    function: str
    options: tuple[str, ...] = ()
    # JSON and the CBOM keep the facts as recorded (their encoders escape every control);
    # every other format of a dict document shows strings from a peer or a file inert and
    # cut to FIELD_LIMIT (report.text). Object documents escape in their own renderers.
    inert: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown renderer option(s) {', '.join(sorted(unknown))}")

    def __call__(self, document: Any, options: Mapping[str, Any]) -> str:
        module, _, name = self.function.partition(":")
        function = getattr(importlib.import_module(module), name)
        if self.kind in ("scan", "evaluation") and self.function != _JSON \
                and isinstance(document, Mapping):
            # a streamed report leaves out what declarations repeat: renderers get it back
            document = expand_report(document)
        shown = inert(document) if self.inert and isinstance(document, Mapping) else document
        text: str = function(shown, *(options[o] for o in self.options))
        return text


def _scan_formats(kind: str, table: str) -> tuple[Renderer, ...]:
    """The formats of a scan report; `evaluate` has its own table of the same document."""
    risk = ("metadata", "scenarios")
    return (
        Renderer(kind, "table", ".txt", table),
        Renderer(kind, "json", ".json", _JSON, inert=False),
        Renderer(kind, "md", ".md", "pqscan.report.markdown:render_markdown",
                 (*risk, "profile_dirs")),
        Renderer(kind, "csv", ".csv", "pqscan.report.csv:render_csv", ("csv_mode", *risk)),
        Renderer(kind, "html", ".html", "pqscan.report.html:render_html",
                 (*risk, "profile_dirs")),
        Renderer(kind, "sarif", ".sarif", "pqscan.report.sarif:render_sarif_text"),
        Renderer(kind, "junit", ".xml", "pqscan.report.junit:render_junit", ("fail_on_due",)),
        Renderer(kind, "cbom", ".cdx.json", "pqscan.report.cbom:render_cbom", inert=False),
    )


_VECTORS = "pqscan.conformance.vectors.report"
_STATS = "pqscan.stats"

_ALL: tuple[Renderer, ...] = (
    *_scan_formats("scan", "pqscan.report.table:render_table"),
    *_scan_formats("evaluation", "pqscan.report.evaluation:render_evaluation_table"),
    Renderer("conform", "table", ".txt", "pqscan.report.conform:render_conform_table"),
    Renderer("conform", "json", ".json", _JSON, inert=False),
    Renderer("conform", "junit", ".xml", "pqscan.report.conform:render_conform_junit"),
    Renderer("vectors", "table", ".txt", f"{_VECTORS}:run_table"),
    Renderer("vectors", "json", ".json", f"{_VECTORS}:run_json"),
    Renderer("vectors", "md", ".md", f"{_VECTORS}:run_markdown"),
    Renderer("vectors", "html", ".html", f"{_VECTORS}:run_html"),
    Renderer("vectors", "junit", ".xml", f"{_VECTORS}:run_junit"),
    Renderer("vector-sets", "table", ".txt", f"{_VECTORS}:render_vector_sets_table"),
    Renderer("vector-sets", "json", ".json", _JSON, inert=False),
    Renderer("certs", "table", ".txt", "pqscan.report.inventory:render_certs_table"),
    Renderer("certs", "json", ".json", _JSON, inert=False),
    Renderer("lint", "table", ".txt", "pqscan.report.inventory:render_lint_table"),
    Renderer("lint", "json", ".json", _JSON, inert=False),
    Renderer("profile", "table", ".txt", "pqscan.report.profile:render_profile_table"),
    Renderer("profile", "json", ".json", _JSON, inert=False),
    Renderer("profiles", "table", ".txt", "pqscan.report.profile:render_profiles_table"),
    Renderer("profiles", "json", ".json", _JSON, inert=False),
    Renderer("stats", "table", ".txt", f"{_STATS}.render:render_table"),
    Renderer("stats", "json", ".json", f"{_STATS}.render:render_json"),
    Renderer("stats", "csv", ".csv", f"{_STATS}.render:render_csv"),
    Renderer("stats", "html", ".html", f"{_STATS}.html:render_html"),
)

RENDERERS: Mapping[tuple[str, str], Renderer] = {(r.kind, r.name): r for r in _ALL}
KINDS = tuple(dict.fromkeys(r.kind for r in _ALL))


def formats(kind: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The format names registered for a document kind, in registration order."""
    if kind not in KINDS:
        raise ValueError(f"document kind must be one of {', '.join(KINDS)}, got {kind!r}")
    skip = set(exclude)
    return tuple(name for k, name in RENDERERS if k == kind and name not in skip)


FORMATS = formats("scan")
EXTENSIONS = {name: r.extension for (kind, name), r in RENDERERS.items() if kind == "scan"}


def render(document: Any, fmt: str, *, kind: str = "scan",
           metadata: Mapping[str, TargetMetadata] | None = None,
           scenarios: Sequence[int] = DEFAULT_SCENARIOS, csv_mode: str = "endpoints",
           profile_dirs: Sequence[str] = (), fail_on_due: int | None = None) -> str:
    """`document` (of `kind`) in format `fmt`; ValueError naming the valid formats."""
    renderer = RENDERERS.get((kind, fmt))
    if renderer is None:
        raise ValueError(f"format must be one of {', '.join(formats(kind))}, got {fmt!r}")
    if kind in ("scan", "evaluation"):
        if not isinstance(document, Mapping):
            raise TypeError(f"report must be a mapping, not {type(document).__name__}")
        document = dict(document)
    return renderer(document, {"metadata": metadata, "scenarios": scenarios,
                               "csv_mode": csv_mode, "profile_dirs": tuple(profile_dirs),
                               "fail_on_due": fail_on_due})
