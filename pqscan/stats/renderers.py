"""The stats output formats, one registry: format name -> renderer of a StatsResult."""

from __future__ import annotations

from collections.abc import Callable

from pqscan.stats.html import render_html
from pqscan.stats.model import StatsResult
from pqscan.stats.render import render_csv, render_json, render_table

RENDERERS: dict[str, Callable[[StatsResult], str]] = {
    "table": render_table, "json": render_json, "csv": render_csv, "html": render_html,
}


def render(result: StatsResult, fmt: str) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown stats format {fmt!r}") from None
    return renderer(result)
