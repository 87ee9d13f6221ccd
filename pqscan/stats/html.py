"""The HTML rendering of `pqscan stats`: one self-contained page with inline SVG charts.

Charts: per run and group, every share as a bar with its 95% Wilson interval as an error bar;
with two runs or more, one small trend chart per share (all endpoints) with the interval at
each run; with `--compare`, each change with its Newcombe interval around zero. No script and
no fetch (a Content-Security-Policy says so too); every name that came from a file (targets,
metadata values, run labels) goes through `esc()`.
"""

from __future__ import annotations

from pqscan.report.htmlkit import CSP, CSS, esc, table
from pqscan.stats.model import Comparison, GroupStats, RunStats, StatsResult
from pqscan.stats.render import (
    CHANGE_HEADERS,
    change_cells,
    group_name,
    group_name_of,
    interval_text,
    percent,
    population_text,
)

_BAR_X, _BAR_W, _ROW = 330, 360, 22


def _share_chart(group: GroupStats, title: str) -> str:
    """Horizontal bars 0-100% with the Wilson interval drawn as a capped line."""
    height = _ROW * len(group.shares) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_BAR_X + _BAR_W + 120}" '
             f'height="{height}" role="img" aria-label="{esc(title)}"><title>{esc(title)}'
             "</title>",
             f'<line x1="{_BAR_X}" y1="20" x2="{_BAR_X}" y2="{height - 16}" stroke="#888"/>']
    for tick in (0, 25, 50, 75, 100):
        x = _BAR_X + _BAR_W * tick / 100
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" font-size="10" '
                     f'text-anchor="middle">{tick}%</text>')
    for i, s in enumerate(group.shares):
        y = 24 + _ROW * i
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{esc(s.title)}</text>')
        if s.share is None:
            parts.append(f'<text x="{_BAR_X + 6}" y="{y + 13}" font-size="11" fill="#777">'
                         "no endpoint decided</text>")
            continue
        width = _BAR_W * s.share
        low, high = (_BAR_X + _BAR_W * v for v in (s.interval.low, s.interval.high))
        mid = y + 9
        parts.append(f'<rect x="{_BAR_X}" y="{y + 3}" width="{width:.1f}" height="12" '
                     f'fill="#4575b4"><title>{esc(s.title)}: {s.count}/{s.n}, 95% CI '
                     f'{esc(interval_text(s.interval.low, s.interval.high))}</title></rect>'
                     f'<path d="M{low:.1f} {mid}H{high:.1f}M{low:.1f} {mid - 5}v10'
                     f'M{high:.1f} {mid - 5}v10" stroke="#111" stroke-width="1.5" fill="none"/>'
                     f'<text x="{_BAR_X + _BAR_W + 8}" y="{y + 13}" font-size="11">'
                     f"{s.count}/{s.n} {percent(s.share)}</text>")
    return "".join(parts) + "</svg>"


def _trend_chart(runs: tuple[RunStats, ...], index: int) -> str:
    """One share across runs (all endpoints): a line through the shares, interval bars."""
    width, height, left, top, plot_h = 330, 170, 36, 22, 110
    step = (width - left - 20) / max(1, len(runs) - 1)
    title = runs[0].overall.shares[index].title
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{esc(title)} trend"><title>{esc(title)}</title>',
             f'<text x="0" y="13" font-size="11" font-weight="bold">{esc(title)}</text>']
    for tick in (0, 50, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="0" y="{y + 4:.1f}" font-size="10">{tick}%</text>')
    points = []
    for i, run in enumerate(runs):
        s = run.overall.shares[index]
        x = left + step * i
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
                     f"{i + 1}<title>{esc(run.label)}</title></text>")
        if s.share is None:
            continue
        y = top + plot_h * (1 - s.share)
        y_low, y_high = (top + plot_h * (1 - v) for v in (s.interval.low, s.interval.high))
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<path d="M{x:.1f} {y_low:.1f}V{y_high:.1f}M{x - 4:.1f} {y_low:.1f}h8'
                     f'M{x - 4:.1f} {y_high:.1f}h8" stroke="#111" fill="none"/>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#d73027"><title>'
                     f"{esc(run.label)}: {s.count}/{s.n} {percent(s.share)}</title></circle>")
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#d73027"/>')
    return "".join(parts) + "</svg>"


def _change_chart(comparison: Comparison) -> str:
    """Changes of the all-endpoints shares, -100..+100 points, Newcombe interval as bars."""
    changes = [c for c in comparison.changes if c.by is None]
    centre, half = _BAR_X + _BAR_W / 2, _BAR_W / 2
    height = _ROW * len(changes) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_BAR_X + _BAR_W + 150}" '
             f'height="{height}" role="img" aria-label="changes"><title>changes</title>',
             f'<line x1="{centre}" y1="20" x2="{centre}" y2="{height - 16}" stroke="#888"/>']
    for tick in (-100, -50, 0, 50, 100):
        parts.append(f'<text x="{centre + half * tick / 100:.1f}" y="{height - 2}" '
                     f'font-size="10" text-anchor="middle">{tick:+d}</text>')
    for i, c in enumerate(changes):
        y = 24 + _ROW * i
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{esc(c.a.title)}</text>')
        d = c.difference
        if d is None or c.interval is None:
            continue
        low, high, x = (centre + half * v for v in (c.interval.low, c.interval.high, d))
        parts.append(f'<path d="M{low:.1f} {y + 9}H{high:.1f}" stroke="#111" '
                     f'stroke-width="3"/><circle cx="{x:.1f}" cy="{y + 9}" r="4" '
                     f'fill="#d73027"/><text x="{_BAR_X + _BAR_W + 8}" y="{y + 13}" '
                     f'font-size="11">{100 * d:+.1f} pt</text>')
    return "".join(parts) + "</svg>"


def _group_section(group: GroupStats, run: RunStats) -> str:
    rows = [[s.title, f"{s.count}/{s.n}", percent(s.share),
             interval_text(s.interval.low, s.interval.high), s.excluded, s.not_applicable]
            for s in group.shares]
    return (f"<h3>{esc(group_name(group))}</h3><p>{esc(population_text(group))}</p>"
            + _share_chart(group, f"{run.label}: {group_name(group)}")
            + table(["share", "count/n", "share", "95% CI (Wilson)", "inconclusive",
                     "not applicable"], rows))


def _comparison_section(comparison: Comparison) -> str:
    rows = [[group_name_of(c.by, c.value), c.a.title, *change_cells(c)]
            for c in comparison.changes]
    moved = [[m.endpoint, m.status or "", ", ".join(m.entered), ", ".join(m.left),
              ", ".join(m.unsettled)] for m in comparison.moved]
    return (f"<section><h2>Change {esc(comparison.a)} → {esc(comparison.b)}</h2>"
            "<p>95% intervals for the change: Newcombe's hybrid score method 10 for independent "
            "samples (1998b, drawn below), and its paired form (1998c) over the endpoints "
            "decided in both runs, with how many entered and left the share.</p>"
            + _change_chart(comparison)
            + table(CHANGE_HEADERS, rows)
            + f"<h3>Endpoints that moved ({len(comparison.moved)}; only in A: "
            f"{comparison.only_in_a}, only in B: {comparison.only_in_b})</h3>"
            + table(["endpoint", "status", "entered", "left", "unsettled"], moved)
            + "</section>")


def render_html(result: StatsResult) -> str:
    body = ["<h1>pqscan stats</h1>",
            f"<p>Shares of scanned endpoints with {esc(f'{100 * result.confidence:g}')}% Wilson "
            "score intervals. Unreachable and error endpoints are counted apart, never as "
            "classical; an endpoint whose fact was inconclusive is left out of that share.</p>"]
    body.extend(f'<p class="FAIL">{esc(w)}</p>' for w in result.warnings)
    if len(result.runs) > 1:
        body.append("<section><h2>Trends (all endpoints)</h2><p>"
                    + ", ".join(f"{i + 1}: {esc(r.label)}" for i, r in enumerate(result.runs))
                    + "</p>" + "".join(_trend_chart(result.runs, i)
                                       for i in range(len(result.runs[0].overall.shares)))
                    + "</section>")
    if result.comparison is not None:
        body.append(_comparison_section(result.comparison))
    for run in result.runs:
        body.append(f"<section><h2>Run {esc(run.label)}</h2>"
                    + "".join(_group_section(g, run) for g in run.groups) + "</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>pqscan stats</title><style>{CSS}</style></head><body>"
            + "".join(body) + "</body></html>\n")
