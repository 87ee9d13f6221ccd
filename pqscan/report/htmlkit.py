"""The building blocks every pqscan HTML page shares: the Content-Security-Policy, the style
sheet, escaping, markup built from escaped parts and the table.

Each page (the scan report, `pqscan stats`) is one self-contained file; the CSP forbids scripts
and network loads, and every value that came from a server, a certificate or a file goes
through `esc()` (pqscan.report.text.visible, then html.escape with quotes).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pqscan.report.text import CELL_LIMIT, visible

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top;font-size:.9em}th{background:#f0f0f0}
.PASS{color:#176f2c}.FAIL{color:#b00020;font-weight:bold}.DUE{color:#b35806;font-weight:bold}
.NOT_TESTED,.NOT_APPLICABLE{color:#777}
section{margin-bottom:2em}code{font-size:.85em;word-break:break-all}
.answer{font-size:1.35em;font-weight:bold;padding:.6em;background:#f4f6fb;border-left:6px solid
#4575b4}.cards{display:flex;flex-wrap:wrap;gap:.8em}.card{border:1px solid #bbb;border-radius:6px;
padding:.6em .8em;width:340px;font-size:.9em;border-top:8px solid #999}.card h3{margin:.1em 0}
.card p{margin:.3em 0}.card.L0{border-top-color:#99000d}.card.L1{border-top-color:#e66101}
.card.L2{border-top-color:#fdb863}.card.L3{border-top-color:#5aae61}
.card.L4{border-top-color:#1b7837}.level{font-weight:bold;font-size:1.1em}ul.fixes{margin:.2em 0;
padding-left:1.2em}nav ol{columns:2}"""


@dataclass(frozen=True, slots=True)
class Markup:
    """HTML built by this package from escaped parts: inserted without escaping again."""

    html: str


def esc(value: Any) -> str:
    if isinstance(value, Markup):
        return value.html
    return html.escape(visible(value, CELL_LIMIT), quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls_col: int | None = None,
          cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            word = v.html if isinstance(v, Markup) else v
            klass = f' class="{html.escape(str(word).split(" ")[0], quote=True)}"' \
                if i == cls_col else ""
            cells.append(f"<td{klass}>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{cls}"' if cls else ""
    head_row = f"<tr>{head}</tr>" if any(headers) else ""
    return f"<table{attr}>{head_row}{''.join(body)}</table>"


