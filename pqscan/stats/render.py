"""Text renderers of a StatsResult: terminal table, CSV, JSON (html in stats.html; all four
registered in pqscan.report.render.RENDERERS).

The table shows, per run and group, each share as "count/n", the percentage, the 95% Wilson
interval and what was excluded; the CSV is one flat row per share, change and moved endpoint
(`kind` says which), for spreadsheets; the JSON is `StatsResult.to_dict()` (docs/stats.md).
"""

from __future__ import annotations

import csv
import io
import json

from tabulate import tabulate

from pqscan.stats.model import (
    Comparison,
    GroupStats,
    RunStats,
    ShareChange,
    ShareStat,
    StatsResult,
)


def printable(text: str) -> str:
    """Names from files (targets, metadata values) with control characters escaped, so a
    hostile name cannot drive the terminal (ESC sequences) or break a table row."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def interval_text(low: float, high: float) -> str:
    return f"{100 * low:.1f}–{100 * high:.1f}%"


def group_name(group: GroupStats) -> str:
    return "all endpoints" if group.by is None else f"{group.by} = {group.value}"


def population_text(group: GroupStats) -> str:
    p = group.population
    text = f"{p.endpoints} endpoints: {p.ok} ok, {p.unreachable} unreachable, {p.error} error"
    return text + (f", {p.malformed} unreadable" if p.malformed else "")


def _excluded(share: ShareStat) -> str:
    parts = [f"{share.excluded} inconclusive"] if share.excluded else []
    if share.not_applicable:
        parts.append(f"{share.not_applicable} n/a")
    return ", ".join(parts)


def _run_header(run: RunStats) -> str:
    info = dict(run.info)
    when = " .. ".join(str(info[k]) for k in ("started_at", "finished_at") if info.get(k))
    partial = info.get("incomplete") or info.get("state") not in (None, "complete")
    return printable(f"run {run.label}" + (f" ({when})" if when else "")
                     + (" — INCOMPLETE run: shares describe the endpoints scanned so far"
                        if partial else ""))


def _share_rows(group: GroupStats) -> list[list[str]]:
    return [[s.title, f"{s.count}/{s.n}", percent(s.share),
             interval_text(s.interval.low, s.interval.high), _excluded(s)]
            for s in group.shares]


def points(low: float, high: float) -> str:
    return f"{100 * low:+.1f} to {100 * high:+.1f} pt"


def change_cells(c: ShareChange) -> list[str]:
    """A, B, change, independent CI, paired (+entered -left of n, CI) as text cells."""
    d, p = c.difference, c.paired
    return [f"{c.a.count}/{c.a.n} {percent(c.a.share)}",
            f"{c.b.count}/{c.b.n} {percent(c.b.share)}",
            "-" if d is None else f"{100 * d:+.1f} pt",
            "-" if c.interval is None else points(c.interval.low, c.interval.high),
            "-" if p is None else
            f"+{p.entered} -{p.left} of {p.n}: {points(p.interval.low, p.interval.high)}"]


CHANGE_HEADERS = ["group", "share", "A", "B", "change", "95% CI (independent)",
                  "same endpoints: moved, 95% CI (paired)"]


def _comparison_table(comparison: Comparison) -> list[str]:
    lines = [printable(f"change {comparison.a} -> {comparison.b} (95% intervals: "
                       "Newcombe hybrid score, independent and paired)")]
    rows = [[printable(group_name_of(c.by, c.value)), c.a.title, *change_cells(c)]
            for c in comparison.changes]
    lines.append(tabulate(rows, headers=CHANGE_HEADERS))
    lines.append("")
    lines.append(f"endpoints that moved: {len(comparison.moved)} "
                 f"(only in A: {comparison.only_in_a}, only in B: {comparison.only_in_b})")
    if comparison.moved:
        lines.append(tabulate(
            [[printable(m.endpoint), m.status or "", ", ".join(m.entered), ", ".join(m.left),
              ", ".join(m.unsettled)] for m in comparison.moved],
            headers=["endpoint", "status", "entered", "left", "unsettled"]))
    return lines


def group_name_of(by: str | None, value: str) -> str:
    return "all" if by is None else f"{by}={value}"


def render_table(result: StatsResult) -> str:
    lines: list[str] = []
    for run in result.runs:
        lines.append(_run_header(run))
        for group in run.groups:
            lines.append(printable(f"  {group_name(group)}: {population_text(group)}"))
            lines.append(tabulate(_share_rows(group),
                                  headers=["share", "count/n", "share", "95% CI (Wilson)",
                                           "excluded"]))
            lines.append("")
    if result.comparison is not None:
        lines.extend(_comparison_table(result.comparison))
    if result.profiles:
        lines.append(f"profiles judged as of {result.as_of}: {', '.join(result.profiles)}")
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS = ("kind", "run", "by", "group", "share_id", "title", "count", "n", "share",
               "low", "high", "excluded", "not_applicable", "a_count", "a_n", "b_count", "b_n",
               "paired_n", "paired_entered", "paired_left", "paired_low", "paired_high",
               "endpoint", "status", "entered", "left", "unsettled")


def render_csv(result: StatsResult) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for run in result.runs:
        for group in run.groups:
            for s in group.shares:
                row = s.to_dict()
                row.pop("id")
                writer.writerow({**row, "kind": "share", "run": run.label,
                                 "by": group.by or "", "group": group.value, "share_id": s.id})
    comparison = result.comparison
    if comparison is not None:
        for c in comparison.changes:
            d = c.to_dict()
            writer.writerow({"kind": "change", "run": f"{comparison.a} -> {comparison.b}",
                             "by": c.by or "", "group": c.value, "share_id": d["id"],
                             "title": d["title"], "share": d["difference"], "low": d["low"],
                             "high": d["high"], "a_count": c.a.count, "a_n": c.a.n,
                             "b_count": c.b.count, "b_n": c.b.n,
                             **({} if d["paired"] is None else {
                                 f"paired_{k}": d["paired"][k]
                                 for k in ("n", "entered", "left", "low", "high")})})
        for m in comparison.moved:
            writer.writerow({"kind": "moved", "run": f"{comparison.a} -> {comparison.b}",
                             "endpoint": m.endpoint, "status": m.status or "",
                             "entered": ";".join(m.entered), "left": ";".join(m.left),
                             "unsettled": ";".join(m.unsettled)})
    return out.getvalue()


def render_json(result: StatsResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"
