"""The HTML report in headless Chromium: it renders, shows the summary, and a certificate
subject `<script>alert(1)</script>` stays text (no script element, no alert)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures import XSS, build_report

from pqscan.report.render import render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="needs Debian's chromium (/usr/bin/chromium): apt-get install -y chromium")


def _dump_dom(page: Path, tmp: Path) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}",
         "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_html_renders_in_chromium_and_script_stays_text(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(build_report(), "html"), encoding="utf-8")
    dom = _dump_dom(page, tmp_path)
    assert '<section id="summary"><h2>Summary</h2>' in dom
    assert "Executive summary" in dom and "127.0.0.1:8444" in dom
    # the subject arrives in the DOM as text (re-serialised escaped), never as an element
    assert "CN=&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert XSS not in dom
    assert "<script" not in dom.lower()
    assert dom.count("<svg") == 2
