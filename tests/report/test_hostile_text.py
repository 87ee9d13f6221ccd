"""Hostile text is inert in every output format (issue 10 §8): golden files for a report whose
every server-controlled string attacks some format, property checks on each format, and the
same checks end to end on a real scan of the hostile-certificate lab server.

Regenerate the golden files (after reviewing the diff) with PQSCAN_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fixtures import BIDI, hostile_report

# every renderer imported at collection: render() imports them lazily, and pytest rewrites the
# modules of a plugin's distribution (pqscan ships one) when they are first imported
import pqscan.report.csv
import pqscan.report.html
import pqscan.report.junit
import pqscan.report.markdown
import pqscan.report.sarif
import pqscan.report.table  # noqa: F401
from pqscan.report.method import data_digest, tool_digest
from pqscan.report.render import render
from pqscan.report.text import FIELD_LIMIT, csv_cell, inert, markdown_text, visible

GOLDEN = Path(__file__).parent.parent / "data" / "golden" / "hostile"
FORMATS = {"table": "report.txt", "md": "report.md", "csv": "report.csv",
           "html": "report.html", "sarif": "report.sarif", "junit": "report.xml"}


def _normalised(text: str) -> str:
    """The renderer and reference-data digests change with any code or data edit."""
    return text.replace(tool_digest(), "<renderer-sha256>").replace(data_digest(),
                                                                    "<data-sha256>")


def _controls(text: str, allowed: str = "\n") -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text
                   if (ord(c) < 0x20 and c not in allowed) or 0x7F <= ord(c) < 0xA0
                   or c in BIDI or 0xD800 <= ord(c) < 0xE000})


def _texts(value: Any) -> list[str]:
    """Every SARIF message string (`text` / `markdown`), which viewers render."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k in ("text", "markdown") and isinstance(v, str)
                ] + [s for v in value.values() for s in _texts(v)]
    if isinstance(value, list):
        return [s for v in value for s in _texts(v)]
    return []


def check_inert(fmt: str, out: str) -> None:
    """What must hold of any rendering of untrusted text, whatever the input."""
    assert _controls(out) == [], fmt
    assert "x" * (FIELD_LIMIT + 1) not in out and "L" * (FIELD_LIMIT + 1) not in out
    if fmt == "html":
        assert "<script" not in out and "<img" not in out and "<i>" not in out
        assert "<b>" not in out
    if fmt == "md":
        assert "](javascript:" not in out.replace("\\](javascript:", "")
        assert "<script" not in out and "<img" not in out and "<b>" not in out
        assert "`code`" not in out.replace("\\`code\\`", "")
        for line in out.splitlines():
            if line.startswith("|"):  # each row has its header's column count
                assert line.replace("\\|", "").count("|") >= 2
    if fmt == "csv":
        for row in csv.reader(io.StringIO(out)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or \
                    cell.lstrip("+-").replace(".", "").isdigit(), cell
    if fmt == "sarif":  # plain texts: no embedded link (SARIF §3.11.6); markdown: no link
        assert _controls(json.dumps(json.loads(out), ensure_ascii=False)) == []
        for text in _texts(json.loads(out)):
            assert "](javascript:" not in text.replace("\\](javascript:", ""), text[:200]
    if fmt == "junit":
        ET.fromstring(out.encode("utf-8"))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_hostile_rendering(fmt: str) -> None:
    out = _normalised(render(hostile_report(), fmt))
    check_inert(fmt, out)
    path = GOLDEN / FORMATS[fmt]
    if os.environ.get("PQSCAN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, "utf-8")
    assert out == path.read_text("utf-8")


def test_visible_escapes_every_dangerous_character() -> None:
    assert visible("a\x00b\r\nc\td\x1b[0m\x7f\x85") == "a\\x00b\\r\\nc\\td\\x1b[0m\\x7f\\x85"
    assert visible(BIDI) == "".join(f"\\u{ord(c):04x}" for c in BIDI)
    assert visible("\u200b\u200e\u200f\u061c\u2028\u2029\ufeff\ud800") == (
        "\\u200b\\u200e\\u200f\\u061c\\u2028\\u2029\\ufeff\\ud800")
    assert visible("café 日本 ML-KEM") == "café 日本 ML-KEM"
    assert visible(None) == "" and visible(3) == "3"


def test_a_64_kib_field_is_cut_with_a_marker() -> None:
    cut = visible("x" * 65536)
    assert cut == "x" * FIELD_LIMIT + f"…[truncated: {65536 - FIELD_LIMIT} more characters]"
    assert visible(cut, FIELD_LIMIT * 16) == cut  # cells never cut a marker again
    assert inert({"a": ["\u202e", {"k\r": "x" * 2000}], "n": 1}) == {
        "a": ["\\u202e", {"k\\r": "x" * FIELD_LIMIT + "…[truncated: 976 more characters]"}],
        "n": 1}


def test_markdown_and_csv_cells() -> None:
    assert markdown_text("[x](javascript:alert(1)) `c` | <b>&") == (
        "\\[x\\](javascript:alert(1)) \\`c\\` \\| &lt;b&gt;&amp;")
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@x", "\t=1", "\r=1", "ok", 3, None)] == [
        "'=1", "'+1", "'-1", "'@x", "\\t=1", "\\r=1", "ok", 3, ""]


def test_json_keeps_the_facts_escaped() -> None:
    """The JSON report is the record: the full value, every non-ASCII character escaped."""
    out = render(hostile_report(), "json")
    assert _controls(out) == [] and "\\u202e" in out and "x" * 65536 in out
    assert json.loads(out)["endpoints"][0]["target"] == "evil\u202eexample:8446"


@pytest.mark.lab
def test_hostile_certificate_from_a_real_scan_is_inert_everywhere() -> None:
    """pqscan scans the hostile-cert lab server (real OpenSSL); every format is inert."""
    from click.testing import CliRunner

    from pqscan.cli.main import cli
    from pqscan.lab import Lab
    from pqscan.lab.hostile import HOSTILE_LAB

    with Lab(HOSTILE_LAB) as lab:
        address = lab.endpoints[0].address
        result = CliRunner().invoke(cli, ["scan", address, "--format", "json", "--timeout", "10",
                                            "--profile", "none"])
        assert result.exit_code == 0, result.stderr
        report: dict[str, Any] = json.loads(result.stdout)
        table = CliRunner().invoke(cli, ["scan", address, "--timeout", "10", "--profile", "none"])
    leaf = report["endpoints"][0]["tls"]["certificate_chain"][0]
    assert "\u202egnp.exe" in leaf["subject"] and len(leaf["subject"]) > 65536  # recorded as is
    assert table.exit_code == 0 and _controls(table.stdout) == []
    for fmt in FORMATS:
        check_inert(fmt, render(report, fmt))
    md = render(report, "md")
    assert "\\[x\\](javascript:alert(1)) \\`code\\` \\| pipe" in md
    assert "\\\\u202egnp.exe" in md and "line1\\\\r\\\\nline2" in md
    html = render(report, "html")
    assert "CN=\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt;\\u202egnp.exe" in html


def test_evaluate_table_and_scan_stderr_are_inert(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pqscan.cli.main import cli

    report = hostile_report()
    report["endpoints"][0]["findings"] = []
    report["endpoints"][0]["verdicts"] = []
    report["endpoints"][0].pop("readiness")  # judge-time fields: evaluate writes them afresh
    report.pop("evaluation")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--profile", "pq-baseline"])
    assert result.exit_code == 3, result.stderr  # the unreachable endpoint: incomplete
    assert _controls(result.stdout) == [] and "evil\\u202eexample:8446" in result.stdout
