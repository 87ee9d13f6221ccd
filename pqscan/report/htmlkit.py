"""The building blocks every pqscan HTML page shares: the Content-Security-Policy, the style
sheet, escaping and the table.

Each page (the scan report, `pqscan stats`) is one self-contained file; the CSP forbids scripts
and network loads, and every value that came from a server, a certificate or a file goes
through `esc()` (pqscan.report.text.visible, then html.escape with quotes).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from pqscan.report.text import CELL_LIMIT, visible

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top;font-size:.9em}th{background:#f0f0f0}
.PASS{color:#176f2c}.FAIL{color:#b00020;font-weight:bold}.NOT_TESTED,.NOT_APPLICABLE{color:#777}
section{margin-bottom:2em}code{font-size:.85em;word-break:break-all}"""


def esc(value: Any) -> str:
    return html.escape(visible(value, CELL_LIMIT), quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls_col: int | None = None
          ) -> str:
    """An HTML table; with `cls_col`, that column's value is also its cells' CSS class."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            cls = f' class="{esc(v)}"' if i == cls_col else ""
            cells.append(f"<td{cls}>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"
