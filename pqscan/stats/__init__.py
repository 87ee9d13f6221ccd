"""Adoption statistics over populations of scanned endpoints (`pqscan stats`).

`shares` says what an endpoint is in, `intervals` the Wilson and Newcombe intervals,
`sources` reads runs (report JSON, JSON lines, stores), `grouping` the `--by` breakdowns,
`accumulate` counts while streaming, `compare` sets two runs side by side, `compute` ties them
together, `model` holds the results, `render` / `html` print them (registered as the
document kind "stats" in pqscan.report.render.RENDERERS). docs/stats.md defines every share.
"""

from pqscan.stats.compute import compute_stats

__all__ = ["compute_stats"]
