"""Inline SVG charts for the HTML report: bar chart, deadline timeline, results per profile.

Static markup only (no script, no external reference), every label escaped, sizes bounded:
the timeline and the profile chart are drawn from aggregates (dates, profiles), never one mark
per endpoint, so a 10,000-endpoint report draws the same few shapes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date

from pqscan.report.text import CELL_LIMIT, visible

RESULT_COLOURS = {"PASS": "#1b7837", "FAIL": "#b00020", "DUE": "#e08214",
                  "NOT_TESTED": "#8c8c8c", "NOT_APPLICABLE": "#d0d0d0"}


def esc(value: object) -> str:
    return html.escape(visible(value, CELL_LIMIT), quote=True)


def _open(title: str, width: int, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
            f'font-family="system-ui,sans-serif">'
            f"<title>{esc(title)}</title>"
            f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>')


def bar_chart(title: str, data: Mapping[str, int], colours: Mapping[str, str] | None = None
              ) -> str:
    """A horizontal bar chart."""
    if not data:
        return f"<p>{esc(title)}: no data</p>"
    top = max(data.values()) or 1
    parts = [_open(title, 620, 22 * len(data) + 30)]
    for i, (label, n) in enumerate(data.items()):
        y = 24 + 22 * i
        width = int(360 * n / top)
        colour = (colours or {}).get(label, "#4575b4")
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{esc(label)}</text>'
                     f'<rect x="220" y="{y + 2}" width="{width}" height="16" fill="{colour}"/>'
                     f'<text x="{226 + width}" y="{y + 14}" font-size="12">{n}</text>')
    return "".join(parts) + "</svg>"


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def timeline(title: str, now: str | None, points: Sequence[tuple[str | None, int, int]]) -> str:
    """Deadlines on a time axis from the evaluation date: one marker per date (None = now),
    labelled with the date and how many endpoints / requirements must change by then."""
    if not points:
        return f"<p>{esc(title)}: nothing fails, now or later.</p>"
    start = _day(now or "") or min((d for d in (_day(p[0] or "") for p in points) if d),
                                   default=date.today())
    days = [start if p[0] is None else (_day(p[0]) or start) for p in points]
    end = max([*days, start])
    span = max((end - start).days, 365)
    width, left, axis = 760, 40, 60
    usable = width - 2 * left
    parts = [_open(title, width, 110 + 18 * len(points)),
             f'<line x1="{left}" y1="{axis}" x2="{width - left}" y2="{axis}" stroke="#444"/>']
    for year in range(start.year + 1, end.year + 1):
        x = left + int(usable * (date(year, 1, 1) - start).days / span)
        parts.append(f'<line x1="{x}" y1="{axis - 4}" x2="{x}" y2="{axis + 4}" stroke="#444"/>'
                     f'<text x="{x}" y="{axis + 18}" font-size="10" text-anchor="middle">'
                     f"{year}</text>")
    for i, ((due, n_eps, n_reqs), day) in enumerate(zip(points, days, strict=True)):
        x = left + int(usable * (day - start).days / span)
        colour = RESULT_COLOURS["FAIL" if due is None else "DUE"]
        label = (f"now ({esc(now or start.isoformat())})" if due is None else esc(due))
        y = 100 + 18 * i
        parts.append(f'<circle cx="{x}" cy="{axis}" r="{min(4 + n_eps, 14)}" fill="{colour}" '
                     f'fill-opacity="0.8"/>'
                     f'<line x1="{x}" y1="{axis}" x2="{x}" y2="{y - 4}" stroke="{colour}" '
                     f'stroke-dasharray="2,2"/>'
                     f'<text x="{min(x, width - 300)}" y="{y + 8}" font-size="11">{label}: '
                     f"{n_eps} endpoint(s), {n_reqs} requirement(s)</text>")
    return "".join(parts) + "</svg>"


def stacked(title: str, rows: Mapping[str, Mapping[str, int]]) -> str:
    """One stacked bar per row (profile): PASS / FAIL / DUE / NOT_TESTED / NOT_APPLICABLE,
    with a legend."""
    if not rows:
        return f"<p>{esc(title)}: no profile verdicts.</p>"
    top = max(sum(r.values()) for r in rows.values()) or 1
    parts = [_open(title, 900, 26 * len(rows) + 60)]
    for i, (name, counts) in enumerate(rows.items()):
        y, x = 24 + 26 * i, 180
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{esc(name)}</text>')
        for result, colour in RESULT_COLOURS.items():
            n = counts.get(result, 0)
            w = int(360 * n / top)
            if n:
                parts.append(f'<rect x="{x}" y="{y + 2}" width="{max(w, 1)}" height="18" '
                             f'fill="{colour}"><title>{esc(name)} {result}: {n}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6}" y="{y + 15}" font-size="11">'
                     + esc(" ".join(f"{k} {v}" for k, v in counts.items() if v)) + "</text>")
    y = 30 + 26 * len(rows)
    for j, (result, colour) in enumerate(RESULT_COLOURS.items()):
        parts.append(f'<rect x="{j * 140}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{j * 140 + 16}" y="{y + 10}" font-size="11">{result}</text>')
    return "".join(parts) + "</svg>"
