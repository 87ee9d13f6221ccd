"""The pytest plugin run by pytester against a lab server: items, markers, junit, skips."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from pqscan.lab import LabEndpoint

pytest_plugins = ["pytester"]


@pytest.mark.lab
def test_plugin_items_and_junit(pytester: pytest.Pytester, lab: dict[str, LabEndpoint]) -> None:
    target = lab["mlkem1024-only"].address
    xml = pytester.path / "out.xml"
    res = pytester.runpytest_inprocess(
        "--pq-target", target, "--pq-sni",
        "localhost", "--pq-timeout", "3", "-m", "malformed", f"--junitxml={xml}")
    res.assert_outcomes(passed=9, failed=1, skipped=1)
    assert res.ret == 1
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    bad = cases[f"PQT-021 Non-uncompressed EC encoding [{target}]"]
    assert "expected fatal illegal_parameter" in bad.find("failure").get("message")  # type: ignore
    skip = cases[f"PQT-019 X25519 part low-order [{target}]"].find("skipped")
    assert skip is not None and "not_applicable" in skip.get("message", "")


@pytest.mark.lab
def test_plugin_selection_passes(pytester: pytest.Pytester, lab: dict[str, LabEndpoint]) -> None:
    res = pytester.runpytest_inprocess(
        "--pq-target", lab["tlslite-hybrid"].address,
        "-m", "transport")
    res.assert_outcomes(passed=3)


def test_plugin_unreachable_fails_items(pytester: pytest.Pytester) -> None:
    res = pytester.runpytest_inprocess(
        "--pq-target", "127.0.0.1:1",
        "--pq-timeout", "1", "-m", "transport")
    res.assert_outcomes(failed=3)
    res.stdout.fnmatch_lines(["*sanity TLS 1.3 handshake failed*"])
