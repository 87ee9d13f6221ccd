"""Server-controlled text in `pqscan conform` output is inert (issue 10 §8): the table and JUnit
renderings of a run whose observed values quote a hostile peer carry no raw control or bidi
characters; JSON keeps the raw value (the encoder escapes it)."""

from __future__ import annotations

import json

from pqscan.conformance.model import CheckResult
from pqscan.conformance.runner import SuiteRun
from pqscan.report.render import render

HOSTILE = "alert\u202egnp.exe\x1b[31m\r\nPQT-999 PASS\x00"


def _run() -> SuiteRun:
    check = CheckResult(id="PQT-001", title="t", level="MUST", result="fail",
                        expected="x", observed=HOSTILE, reference="RFC 8446", note=HOSTILE)
    return SuiteRun(target="127.0.0.1:1", suite="pq-tls", sanity="ok", error=HOSTILE,
                    checks=(check,))


def test_table_and_junit_show_escapes_not_controls() -> None:
    for fmt in ("table", "junit"):
        text = render(_run().to_dict(), fmt, kind="conform")
        for raw in ("\u202e", "\x1b", "\x00", "\r"):
            assert raw not in text, (fmt, raw)
        assert "\\u202e" in text and "\\x1b" in text


def test_json_keeps_the_raw_value() -> None:
    doc = json.loads(render(_run().to_dict(), "json", kind="conform"))
    assert doc["checks"][0]["observed"] == HOSTILE
