"""The SARIF 2.1.0 rendering of a scan report, for GitHub code scanning and other consumers.

Rules are the finding codes (pqscan.assess.catalogue.FINDINGS) and the profile requirements met
in the report. A result is emitted for each non-info finding, each FAIL verdict and each endpoint
that could not be scanned; passing checks are omitted because code scanning shows every
result as an alert. An endpoint is not a file, so each result points at a stable pseudo-path
`pqscan/endpoints/<host>_<port>` (GitHub requires a physicalLocation) and names the endpoint
in logicalLocations; `primaryLocationLineHash` hashes rule, host, port and SNI only, so an
alert keeps its identity across scans.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pqscan.assess.catalogue import FINDINGS
from pqscan.model.view import protocol, safe_id
from pqscan.report.text import markdown_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/pqscan/pqscan"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
          "info": "note"}
# GitHub: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_VERDICT_LEVEL = {"MUST": "error", "SHOULD": "warning", "MAY": "note"}
_VERDICT_SEVERITY = {"MUST": "8.0", "SHOULD": "5.5", "MAY": "3.0"}
UNSCANNED_RULE = "scan.endpoint_not_scanned"


def plain(value: Any) -> str:
    """SARIF plain text: literal brackets escaped (SARIF 2.1.0 §3.11.6 reads `[text](id)` in a
    message as an embedded link); controls were made visible by render() (report.text)."""
    return str(value).replace("[", "\\[").replace("]", "\\]")


def _text(value: Any) -> dict[str, str]:
    return {"text": plain(value) if value not in (None, "") else "-"}


def _finding_rule(code: str, severity: str) -> dict[str, Any]:
    spec = FINDINGS.get(code)
    title = getattr(spec, "title", code)
    description = getattr(spec, "description", f"pqscan finding {code}")
    reference = getattr(spec, "reference", "docs/json-contract.md FINDING")
    rule: dict[str, Any] = {
        "id": code, "name": safe_id(code), "shortDescription": _text(title),
        "fullDescription": _text(description),
        "help": {"text": f"{description} Reference: {reference}.",
                 "markdown": f"{description}\n\nReference: {reference}."},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "note")},
        "properties": {"tags": ["security", "pqc", "tls"], "precision": "high",
                       "reference": reference},
    }
    if severity in _SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = _SECURITY_SEVERITY[severity]
    return rule


def _requirement_rule(v: Mapping[str, Any]) -> dict[str, Any]:
    rid = f"{v.get('profile')}/{v.get('requirement')}"
    title = v.get("title") or rid
    clause = v.get("clause") or "-"
    status = v.get("source_status") or "final"
    return {
        "id": rid, "name": safe_id(rid), "shortDescription": _text(title),
        "fullDescription": _text(f"{title} ({v.get('severity')}, profile {v.get('profile')})"),
        "help": {"text": plain(f"Requirement {v.get('requirement')} of profile "
                               f"{v.get('profile')}: {title}. Reference: {clause} "
                               f"(source status: {status})."),
                 "markdown": f"**{markdown_text(v.get('requirement'))}** "
                             f"({markdown_text(v.get('severity'))}): {markdown_text(title)}"
                             f"\n\nReference: {markdown_text(clause)} (source status: "
                             f"{markdown_text(status)})."},
        "defaultConfiguration": {"level": _VERDICT_LEVEL.get(str(v.get("severity")), "note")},
        "properties": {"tags": ["security", "pqc", "compliance", f"profile:{v.get('profile')}"],
                       "precision": "high", "reference": clause,
                       "security-severity": _VERDICT_SEVERITY.get(str(v.get("severity")), "3.0")},
    }


def fingerprint(rule_id: str, ep: Mapping[str, Any]) -> str:
    key = "|".join(str(x) for x in (rule_id, ep.get("host"), ep.get("port"), ep.get("sni") or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ":1"


def endpoint_uri(ep: Mapping[str, Any]) -> str:
    return f"pqscan/endpoints/{safe_id(str(ep.get('host')))}_{ep.get('port')}"


def _result(rule_id: str, index: int, level: str, message: str, ep: Mapping[str, Any],
            properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ruleId": rule_id, "ruleIndex": index, "kind": "fail", "level": level,
        "message": {"text": plain(f"{ep.get('target')}: {message}")},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": endpoint_uri(ep)},
                                 "region": {"startLine": 1, "startColumn": 1}},
            "logicalLocations": [{"name": str(ep.get("target")), "kind": "resource",
                                  "fullyQualifiedName": f"{protocol(ep)}://{ep.get('host')}:"
                                                        f"{ep.get('port')}"}]}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint(rule_id, ep)},
        "properties": dict(properties),
    }


def render_sarif(report: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    pending: list[tuple[str, str, str, Mapping[str, Any], dict[str, Any]]] = []
    for ep in report.get("endpoints") or []:
        if ep.get("status") != "ok":
            rules.setdefault(UNSCANNED_RULE, _finding_rule(UNSCANNED_RULE, "medium") | {
                "shortDescription": _text("Endpoint could not be scanned"),
                "fullDescription": _text("The endpoint was unreachable or answered "
                                         "something that is not TLS; nothing was decided."),
                "help": {"text": "Check the address and that the service is up, then rescan. "
                                 "Reference: docs/json-contract.md status words."}})
            pending.append((UNSCANNED_RULE, "warning", f"{ep.get('status')}: {ep.get('error')}",
                            ep, {"status": ep.get("status")}))
        for f in ep.get("findings") or []:
            if f.get("severity") in (None, "info"):
                continue
            code = str(f.get("code"))
            rules.setdefault(code, _finding_rule(code, str(f.get("severity"))))
            pending.append((code, _LEVEL.get(str(f.get("severity")), "note"),
                            str(f.get("message")), ep, {"severity": f.get("severity"),
                                                        "evidence": f.get("evidence") or {}}))
        for v in ep.get("verdicts") or []:
            if v.get("result") != "FAIL":
                continue
            rule = _requirement_rule(v)
            rules.setdefault(rule["id"], rule)
            pending.append((rule["id"], _VERDICT_LEVEL.get(str(v.get("severity")), "note"),
                            f"{v.get('requirement')} FAIL: {v.get('title')} ({v.get('clause')})",
                            ep, {"evidence": v.get("evidence") or {},
                                 "source_status": v.get("source_status")}))
    order = sorted(rules)
    index = {rid: i for i, rid in enumerate(order)}
    tool = report.get("tool") or {}
    return {
        "$schema": SCHEMA_URI, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pqscan", "version": str(tool.get("version")),
                                "semanticVersion": str(tool.get("version")),
                                "informationUri": INFO_URI,
                                "rules": [rules[r] for r in order]}},
            "automationDetails": {"id": "pqscan/tls/"},
            "results": [_result(rid, index[rid], level, msg, ep, props)
                        for rid, level, msg, ep, props in pending],
            "properties": {"started_at": report.get("started_at"),
                           "finished_at": report.get("finished_at")},
        }],
    }


def render_sarif_text(report: Mapping[str, Any]) -> str:
    """The SARIF log as indented JSON text (the `sarif` output format)."""
    return json.dumps(render_sarif(report), indent=2) + "\n"
