"""The HTML rendering of a scan report: ONE self-contained file (inline CSS and SVG, no script,
no fetch) that answers "ready? what? by when? how?" above the fold.

Order: the one-line answer with scope, profiles and as-of date; a table of contents; one card
per endpoint (readiness level, next deadline, top fixes), highest risk first; "what must
change, by when" (due date, then risk); the deadline timeline and results per profile (SVG);
legends for every code and the risk model in words; per-endpoint detail with readable
evidence and the fix next to each failure; the fix catalogue; method and uncertainty.

Every value that came from a server, a certificate or a file goes through `esc()`, and a
Content-Security-Policy forbids scripts and network loads as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS, EndpointRisk, report_risk
from pqscan.model import view
from pqscan.model.metadata import TargetMetadata, metadata_for
from pqscan.report import actions, legend, ssh_view, svg
from pqscan.report import method as method_mod
from pqscan.report.html_parts import card, detail, fix_anchor, fix_list, link
from pqscan.report.htmlkit import CSP as _CSP
from pqscan.report.htmlkit import CSS as _CSS
from pqscan.report.htmlkit import Markup, esc, table
from pqscan.report.summary import executive_summary

_KEX_COLOURS = {"K0": "#1b7837", "K1": "#5aae61", "K2": "#fdb863", "K3": "#e66101",
                "K4": "#d7301f", "K5": "#99000d"}
MAX_CARDS = 60  # cards for the riskiest endpoints; every endpoint still has its detail


def bar_chart(title: str, data: Mapping[str, int], colours: Mapping[str, str] | None = None
              ) -> str:
    return svg.bar_chart(title, data, colours)


def _scope(report: Mapping[str, Any], eps: Sequence[Mapping[str, Any]]) -> str:
    method = report.get("method") or {}
    depth = method.get("depth") or (method.get("options") or {}).get("depth") or "standard"
    targets = [view.target(ep) for ep in eps]
    shown = ", ".join(targets[:12]) + (f" (+{len(targets) - 12} more)" if len(targets) > 12
                                       else "")
    profiles = actions.profiles(report)
    answer = actions.answer(report)
    rows = [["scope", f"{len(eps)} endpoint(s): {shown or 'none'}"], ["depth", depth],
            ["scanned", f"{report.get('started_at')} to {report.get('finished_at')}"],
            ["profiles", "; ".join(
                f"{p.get('id')} {p.get('version') or '(version unknown)'}"
                + (f" ({p['title']})" if p.get("title") else "") for p in profiles)
             or "none (no requirement was judged)"],
            ["as of", actions.as_of(report) or "not judged"]]
    if answer.default_profile:
        rows.append(["note", "no profile chosen: the default profile was applied"])
    return (f'<section id="answer"><p class="answer">{esc(answer.sentence())}</p>'
            + table(["", ""], rows, cls="scope") + "</section>")


def _toc(eps: Sequence[Mapping[str, Any]], order: Sequence[int], ids: Sequence[str]) -> str:
    parts = [("cards", "Endpoints at a glance"), ("must-change", "What must change, by when"),
             ("charts", "Charts"), ("summary", "Summary table"), ("legend", "Legend"),
             ("endpoints", "Endpoint detail"), ("fixes", "Fix catalogue"),
             ("executive-summary", "Executive summary"), ("method", "Method"),
             ("uncertainty", "Uncertainty")]
    items = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in parts)
    endpoints = "".join(f"<li>{esc(link(ids[i], view.target(eps[i])))} "
                        f"({esc(actions.level(eps[i]) or 'undecided')})</li>" for i in order)
    return (f'<nav id="toc"><h2>Contents</h2><ol>{items}</ol><details><summary>Endpoints, '
            f"highest risk first</summary><ol>{endpoints}</ol></details></nav>")


def _must_change(report: Mapping[str, Any], eps: Sequence[Mapping[str, Any]],
                 risks: Sequence[EndpointRisk], ids: Sequence[str],
                 catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [["FAIL now" if a.due is None else f"DUE {a.due}",
             f"{a.profile} {a.requirement}: {a.title}", a.severity,
             Markup(", ".join(esc(link(ids[i], view.target(eps[i]))) for i in a.endpoints)),
             "INCONCLUSIVE" if a.risk is None else f"{a.risk:g}",
             fix_list(a.fixes, catalogue)]
            for a in actions.must_change(report, risks)]
    body = table(["due", "requirement", "severity", "endpoints", "highest risk", "fix"],
                 rows, cls_col=0) if rows else "<p>Nothing fails, now or later.</p>"
    return ('<section id="must-change"><h2>What must change, by when</h2><p>Sorted by due '
            "date (failures in force first), then by risk.</p>" + body + "</section>")


def _legend(scenarios: Sequence[int]) -> str:
    return ('<section id="legend"><h2>Legend</h2><h3>Readiness levels</h3>'
            + table(["level", "meaning"], legend.LEVELS)
            + "<h3>Key-exchange states</h3>" + table(["state", "meaning"], legend.kex_states())
            + "<h3>Results</h3>" + table(["result", "meaning"], legend.RESULTS, cls_col=0)
            + '<h3 id="risk-model">Risk model</h3><ul>'
            + "".join(f"<li>{esc(x)}</li>" for x in legend.risk_model(scenarios))
            + "</ul></section>")


def _fixes(catalogue: Mapping[str, Mapping[str, Any]], used: Sequence[str]) -> str:
    if not used:
        return '<section id="fixes"><h2>Fix catalogue</h2><p>No fix applies.</p></section>'
    rows = []
    for fid in used:
        fix = catalogue.get(fid) or {}
        source = fix.get("source")
        cells = [fid, fix.get("product") or "not in this report",
                 Markup(f"<code>{esc(fix.get('config') or '-')}</code>"),
                 fix.get("min_version") or "-", fix.get("location") or "-",
                 f"{fix.get('kind') or '-'}, {fix.get('confidence') or '-'}",
                 ", ".join(map(str, source)) if isinstance(source, list) else source or "-",
                 fix.get("note") or ""]
        rows.append(f'<tr id="{fix_anchor(fid)}">'
                    + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("id", "product", "config", "min version",
                                              "where", "kind, confidence", "source", "note"))
    return ('<section id="fixes"><h2>Fix catalogue</h2><table><tr>' + head + "</tr>"
            + "".join(rows) + "</table></section>")


def render_html(report: Mapping[str, Any], metadata: Mapping[str, TargetMetadata] | None = None,
                scenarios: Sequence[int] = DEFAULT_SCENARIOS,
                profile_dirs: Sequence[str] = ()) -> str:
    eps = report.get("endpoints") or []
    risks = report_risk(report, metadata, scenarios)
    order = actions.by_risk(eps, risks)
    ids = actions.anchors(eps)
    catalogue = actions.remediation(report)
    used = list(dict.fromkeys(f for ep in eps for f in actions.endpoint_fixes(ep, None)))
    summary_rows = [[link(ids[i], view.target(eps[i])), actions.level(eps[i]) or "-",
                     eps[i].get("status"), view.kex_state(eps[i]) or "-",
                     ssh_view.pq_summary(eps[i]) if ssh_view.is_ssh(eps[i])
                     else ", ".join(view.groups_with(eps[i], families=view.PQ_FAMILIES)) or "-",
                     view.leaf_key(eps[i]) or "-", view.max_severity(eps[i]) or "-",
                     *view.verdict_counts(eps[i]).values(),
                     "?" if actions.headline(risks[i]) is None else actions.headline(risks[i])]
                    for i in order]
    sheet = method_mod.method_sheet(report, profile_dirs)
    unc = method_mod.uncertainty(report)
    versions = [["pqscan", sheet["tool"]["version"], sheet["tool"]["renderer_sha256"]],
                [sheet["reference_data"]["file"], "", sheet["reference_data"]["sha256"]]]
    versions += [[p["id"], p["version"], p["sha256"]] for p in sheet["profiles"]]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>pqscan report {esc(report.get('started_at'))}</title>",
        f'<style>{_CSS}</style></head><body><h1 id="top">pqscan report</h1>',
        _scope(report, eps), _toc(eps, order, ids),
        '<section id="cards"><h2>Endpoints at a glance (highest risk first)</h2>'
        '<div class="cards">',
        "".join(card(eps[i], ids[i], risks[i], catalogue) for i in order[:MAX_CARDS]),
        "</div>" + (f"<p>{len(eps) - MAX_CARDS} more endpoint(s) in the summary table.</p>"
                    if len(eps) > MAX_CARDS else "") + "</section>",
        _must_change(report, eps, risks, ids, catalogue),
        '<section id="charts"><h2>Charts</h2>',
        svg.timeline("Deadlines: endpoints that must change, by date", actions.as_of(report),
                     actions.deadlines(report)),
        svg.stacked("Results per profile (verdicts)", actions.profile_results(report)),
        bar_chart("Key-exchange state (endpoints)", view.kex_distribution(report), _KEX_COLOURS),
        bar_chart("Algorithms in use (endpoints)", view.algorithm_usage(report)),
        '</section><section id="summary"><h2>Summary</h2>',
        table(["target", "level", "status", "kex", "PQ groups", "leaf key", "worst finding",
               "PASS", "FAIL", "NOT_TESTED", "NOT_APPLICABLE", f"risk {scenarios[0]}"],
              summary_rows), "</section>", _legend(scenarios),
        '<section id="endpoints"><h2>Endpoints</h2>',
        "".join(detail(eps[i], ids[i], risks[i], metadata_for(eps[i], metadata), catalogue)
                for i in order),
        "</section>", _fixes(catalogue, used),
        '<section id="executive-summary"><h2>Executive summary</h2><ul>',
        "".join(f"<li>{esc(line)}</li>" for line in executive_summary(report, risks)),
        '</ul></section><section id="method"><h2>Method</h2>',
        table(["item", "value"], [[k, v] for k, v in sheet.items()
                                  if not isinstance(v, dict | list)]),
        table(["tool / data / profile", "version", "sha256"], versions),
        '</section><section id="uncertainty"><h2>Uncertainty</h2>',
        table(["count", "n"], list(unc["counts"].items())),
        table(["reason", "n"], [[r["reason"], r["count"]] for r in unc["reasons"]]),
        "<h3>Limitations</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in unc["limitations"])
        + "</ul></section></body></html>\n",
    ]
    return "".join(parts)
