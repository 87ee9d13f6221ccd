"""The SARIF 2.1.0 rendering of a scan report, for GitHub code scanning and other consumers.

Rules are the finding codes (pqscan.assess.catalogue.FINDINGS) and the profile requirements met
in the report. A result is emitted for each non-info finding, each FAIL verdict and each endpoint
that could not be scanned; passing checks are omitted because code scanning shows every
result as an alert. A FAIL of a requirement not yet in force (issue 14) is a `note` saying
"fails from DATE", with `in_force` and `due` in its properties. Each result carries its fixes
(pqscan.report.actions): as text in the rule's help and, where the fix is a line in a named
configuration file, as a SARIF `fix` (§3.55) inserting that line into the file, which is
relative to the SERVERCONFIG base (pqscan does not see the server's files, so the position
inside the file is left to the operator: the fix description says where the line goes).
An endpoint is not a file, so each result points at a stable pseudo-path
`pqscan/endpoints/<host>_<port>` (GitHub requires a physicalLocation) and names the endpoint
in logicalLocations; `primaryLocationLineHash` hashes rule, host, port and SNI only, so an
alert keeps its identity across scans.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.catalogue import FINDINGS
from pqscan.model.view import protocol, safe_id
from pqscan.report import actions
from pqscan.report.evidence import verdict_text
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
CONFIG_BASE = "SERVERCONFIG"
# configuration files a catalogue `location` may name (first match wins)
_CONFIG_FILE = re.compile(r"\b(openssl\.cnf|nginx\.conf|httpd\.conf|ssl\.conf|haproxy\.cfg|"
                          r"Caddyfile|sshd_config)\b")


def plain(value: Any) -> str:
    """SARIF plain text: literal brackets escaped (SARIF 2.1.0 §3.11.6 reads `[text](id)` in a
    message as an embedded link); controls were made visible by render() (report.text)."""
    return str(value).replace("[", "\\[").replace("]", "\\]")


def _text(value: Any) -> dict[str, str]:
    return {"text": plain(value) if value not in (None, "") else "-"}


def _finding_rule(code: str, severity: str, fixes: Sequence[str] = (),
                  catalogue: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    spec = FINDINGS.get(code)
    title = getattr(spec, "title", code)
    description = getattr(spec, "description", f"pqscan finding {code}")
    reference = getattr(spec, "reference", "docs/json-contract.md FINDING")
    fix_text, fix_md = _fix_help(fixes, catalogue or {})
    rule: dict[str, Any] = {
        "id": code, "name": safe_id(code), "shortDescription": _text(title),
        "fullDescription": _text(description),
        "help": {"text": f"{description} Reference: {reference}." + fix_text,
                 "markdown": f"{description}\n\nReference: {reference}." + fix_md},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "note")},
        "properties": {"tags": ["security", "pqc", "tls"], "precision": "high",
                       "reference": reference},
    }
    if severity in _SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = _SECURITY_SEVERITY[severity]
    return rule


def _fix_help(ids: Sequence[str], catalogue: Mapping[str, Mapping[str, Any]]
              ) -> tuple[str, str]:
    """(text, markdown) lines naming each fix, "" when none."""
    if not ids:
        return "", ""
    lines = [actions.fix_text(f, catalogue) for f in ids]
    return (" Fix: " + plain(" | ".join(lines)),
            "\n\nFix:\n\n" + "\n".join(f"- {markdown_text(line)}" for line in lines))


def config_file(fix: Mapping[str, Any]) -> str | None:
    """The configuration file a fix's line goes into, when the catalogue names one."""
    if fix.get("kind", "config") != "config":
        return None
    found = _CONFIG_FILE.search(str(fix.get("location") or ""))
    if found:
        return found.group(1)
    return "sshd_config" if fix.get("product") == "OpenSSH" else None


def sarif_fixes(ids: Sequence[str], catalogue: Mapping[str, Mapping[str, Any]]
                ) -> list[dict[str, Any]]:
    """SARIF fix objects (§3.55) for the fixes that are a line in a named config file."""
    out = []
    for fid in ids:
        fix = catalogue.get(fid) or {}
        path = config_file(fix)
        if path is None or not fix.get("config"):
            continue
        where = fix.get("location") or path
        out.append({
            "description": {"text": plain(f"{actions.fix_text(fid, catalogue)}. Add the line "
                                          f"in {where}; pqscan does not see the file, so its "
                                          f"position there is yours to choose ({fid}).")},
            "artifactChanges": [{
                "artifactLocation": {"uri": path, "uriBaseId": CONFIG_BASE},
                "replacements": [{"deletedRegion": {"charOffset": 0, "charLength": 0},
                                  "insertedContent": {"text": f"{fix['config']}\n"}}]}]})
    return out


def _requirement_rule(v: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]]
                      ) -> dict[str, Any]:
    rid = f"{v.get('profile')}/{v.get('requirement')}"
    title = v.get("title") or rid
    clause = v.get("clause") or "-"
    status = v.get("source_status") or "final"
    fix_text, fix_md = _fix_help(v.get("fixes") or [], catalogue)
    return {
        "id": rid, "name": safe_id(rid), "shortDescription": _text(title),
        "fullDescription": _text(f"{title} ({v.get('severity')}, profile {v.get('profile')})"),
        "help": {"text": plain(f"Requirement {v.get('requirement')} of profile "
                               f"{v.get('profile')}: {title}. Reference: {clause} "
                               f"(source status: {status}).") + fix_text,
                 "markdown": f"**{markdown_text(v.get('requirement'))}** "
                             f"({markdown_text(v.get('severity'))}): {markdown_text(title)}"
                             f"\n\nReference: {markdown_text(clause)} (source status: "
                             f"{markdown_text(status)})." + fix_md},
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
            properties: Mapping[str, Any], fixes: list[dict[str, Any]]) -> dict[str, Any]:
    result = {
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
    if fixes:
        result["fixes"] = fixes
    return result


def render_sarif(report: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    catalogue = actions.remediation(report)
    pending: list[tuple[str, str, str, Mapping[str, Any], dict[str, Any], list[Any]]] = []
    for ep in report.get("endpoints") or []:
        if ep.get("status") != "ok":
            rules.setdefault(UNSCANNED_RULE, _finding_rule(UNSCANNED_RULE, "medium") | {
                "shortDescription": _text("Endpoint could not be scanned"),
                "fullDescription": _text("The endpoint was unreachable or answered "
                                         "something that is not TLS; nothing was decided."),
                "help": {"text": "Check the address and that the service is up, then rescan. "
                                 "Reference: docs/json-contract.md status words."}})
            pending.append((UNSCANNED_RULE, "warning", f"{ep.get('status')}: {ep.get('error')}",
                            ep, {"status": ep.get("status")}, []))
        for f in ep.get("findings") or []:
            if f.get("severity") in (None, "info"):
                continue
            code, fixes = str(f.get("code")), list(f.get("fixes") or [])
            rules.setdefault(code, _finding_rule(code, str(f.get("severity")), fixes, catalogue))
            pending.append((code, _LEVEL.get(str(f.get("severity")), "note"),
                            str(f.get("message")), ep,
                            {"severity": f.get("severity"), "evidence": f.get("evidence") or {},
                             "fixes": fixes}, sarif_fixes(fixes, catalogue)))
        for v in ep.get("verdicts") or []:
            if v.get("result") != "FAIL":
                continue
            rule = _requirement_rule(v, catalogue)
            rules.setdefault(rule["id"], rule)
            fixes = list(v.get("fixes") or [])
            later = actions.due_later(v)
            when = f"fails from {v.get('due')} (not in force yet)" if later else "FAIL"
            level = "note" if later else _VERDICT_LEVEL.get(str(v.get("severity")), "note")
            pending.append((rule["id"], level,
                            f"{v.get('requirement')} {when}: {v.get('title')} "
                            f"({verdict_text(v)})", ep,
                            {"evidence": v.get("evidence") or {},
                             "source_status": v.get("source_status"),
                             "in_force": not later, "due": v.get("due"), "fixes": fixes},
                            sarif_fixes(fixes, catalogue)))
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
            "originalUriBaseIds": {CONFIG_BASE: {"description": {
                "text": "The scanned server's configuration directory (not seen by pqscan)."}}},
            "results": [_result(rid, index[rid], level, msg, ep, props, fixes)
                        for rid, level, msg, ep, props, fixes in pending],
            "properties": {"started_at": report.get("started_at"),
                           "finished_at": report.get("finished_at")},
        }],
    }


def render_sarif_text(report: Mapping[str, Any]) -> str:
    """The SARIF log as indented JSON text (the `sarif` output format)."""
    return json.dumps(render_sarif(report), indent=2) + "\n"
