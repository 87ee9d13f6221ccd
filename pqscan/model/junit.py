"""The JUnit XML document: suites of test cases, and its one serialisation (`junit_xml`).

Every JUnit output (scan reports, conformance runs, vector runs) fills these frozen records and
lets `junit_xml` write them, so the shape CI servers read is written once. There is no single
JUnit standard; this is the common Jenkins/GitLab shape (testsuites > testsuite > testcase,
counts on both levels) that pytest's xunit2 output also uses. Text is written as given: a
renderer makes untrusted text XML-safe first (XML 1.0 cannot carry most control characters).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

OUTCOMES = ("passed", "failure", "skipped", "error")


@dataclass(frozen=True, slots=True)
class JUnitCase:
    """One testcase; `outcome` failure/error carry a `type`, message and optional body text."""

    classname: str
    name: str
    outcome: str = "passed"
    message: str = ""
    type: str | None = None
    text: str | None = None
    system_out: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, "
                             f"got {self.outcome!r}")


@dataclass(frozen=True, slots=True)
class JUnitSuite:
    """One testsuite with its properties (name, value) in order; `timestamp` None: omitted."""

    name: str
    cases: tuple[JUnitCase, ...]
    properties: tuple[tuple[str, str], ...] = ()
    timestamp: str | None = None

    def counts(self) -> dict[str, int]:
        return {"tests": len(self.cases),
                "failures": sum(c.outcome == "failure" for c in self.cases),
                "errors": sum(c.outcome == "error" for c in self.cases),
                "skipped": sum(c.outcome == "skipped" for c in self.cases)}


def _case(parent: ET.Element, case: JUnitCase) -> None:
    element = ET.SubElement(parent, "testcase", {"classname": case.classname,
                                                 "name": case.name, "time": "0"})
    if case.outcome != "passed":
        attrs = {} if case.type is None else {"type": case.type}
        attrs["message"] = case.message
        child = ET.SubElement(element, case.outcome, attrs)
        if case.text is not None:
            child.text = case.text
    if case.system_out is not None:
        ET.SubElement(element, "system-out").text = case.system_out


def junit_xml(suites: tuple[JUnitSuite, ...] | list[JUnitSuite], name: str = "pqscan") -> str:
    """The XML text: declaration, <testsuites> with the totals, one <testsuite> each."""
    root = ET.Element("testsuites", {"name": name})
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        attrs = {"name": suite.name}
        if suite.timestamp is not None:
            attrs["timestamp"] = suite.timestamp
        attrs["time"] = "0"
        element = ET.SubElement(root, "testsuite", attrs)
        if suite.properties:
            props = ET.SubElement(element, "properties")
            for prop, text in suite.properties:
                ET.SubElement(props, "property", {"name": prop, "value": text})
        for case in suite.cases:
            _case(element, case)
        for count, n in suite.counts().items():
            element.set(count, str(n))
            totals[count] += n
    for count, n in totals.items():
        root.set(count, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
