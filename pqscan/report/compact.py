"""The compact form of a streamed report (`pqscan scan`, the store): what it leaves out because
something else already says it, and putting it back for the renderers (issue 12, "Report size
under control"; docs/json-contract.md, "How much a report keeps").

A streamed report says so in `method.report_form`: "compact" (session 5) or "compact-2" (its
endpoints also packed, pqscan.model.packed: status maps as runs, findings and verdicts as
tables, transcript hashes in base64url; every reader unpacks them when it loads the report or
store row, pqscan.model.document.load_report / pqscan.scan.store.reading). Its endpoints leave
out:

- a finding's `fixes` when they are the remediation catalogue's for its code
  (pqscan.assess.remediation.fixes_for): the same on every endpoint;
- a verdict's `title`, `clause`, `source_status`, `confidence`, `fixes`: its requirement's
  declaration, written once in `evaluation.requirements[profile][requirement]`;
- a TLS group's `code` and `family` when they are the registry's for its name
  (pqscan.scan.probe_detail writes that part, it owns the facts' compact form);
- with `--probes summary`, the probe list as `probe_table` (column names once, one row per
  connection; pqscan.model.view.probe_list reads either form).

`expand_report` puts all of it back, so a compact report renders exactly as the full one
(pqscan.report.render calls it for every format but JSON, which is written as recorded). A
report without the marker (older, or from `evaluate`) passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pqscan.assess.finding import fix_ids
from pqscan.model.packed import COMPACT2, unpack_endpoint
from pqscan.model.view import probe_list
from pqscan.registry.tls import group

COMPACT = "compact"  # method.report_form of a streamed report (session 5; still read)
FORMS = (COMPACT, COMPACT2)  # COMPACT2: what `pqscan scan` writes now
DECLARED = ("title", "clause", "source_status", "confidence", "fixes")  # of a requirement


def catalogue_fixes(code: str) -> list[str]:
    """The fix ids a finding with `code` cites (the catalogue's entries naming it)."""
    return list(fix_ids(code))


def compact_judgements(endpoint: dict[str, Any],
                       declared: Mapping[str, Mapping[str, Mapping[str, Any]]]
                       ) -> dict[str, Any]:
    """`endpoint` (judged) without what the declarations repeat (in place; returned).
    `declared`: {profile: {requirement: {field: value}}} as `evaluation.requirements`; a
    field that differs from it is kept."""
    for finding in endpoint.get("findings") or ():
        if isinstance(finding, dict) and "fixes" in finding and \
                tuple(finding["fixes"]) == fix_ids(str(finding.get("code"))):
            del finding["fixes"]
    for verdict in endpoint.get("verdicts") or ():
        if not isinstance(verdict, dict):
            continue
        decl = declared.get(str(verdict.get("profile")), {}).get(
            str(verdict.get("requirement")))
        if decl is None:
            continue
        for name in DECLARED:
            if name in verdict and name in decl and verdict[name] == decl[name]:
                del verdict[name]
    return endpoint


def _expand_verdict(verdict: Any, declared: Mapping[str, Any]) -> Any:
    if not isinstance(verdict, Mapping):
        return verdict
    profile = declared.get(str(verdict.get("profile")))
    decl = profile.get(str(verdict.get("requirement"))) if isinstance(profile, Mapping) else None
    if not isinstance(decl, Mapping):
        return verdict
    return {**{k: decl[k] for k in DECLARED if k in decl}, **verdict}


def _expand_groups(tls: Any) -> Any:
    groups = tls.get("groups") if isinstance(tls, Mapping) else None
    if not isinstance(groups, Mapping):
        return tls
    out = {}
    for name, entry in groups.items():
        if isinstance(entry, Mapping) and ("code" not in entry or "family" not in entry):
            try:
                known = group(name)
            except ValueError:  # an unknown name always keeps its code (probe_detail)
                out[name] = entry
                continue
            entry = {**entry, "code": entry.get("code", f"0x{known.code:04x}"),
                     "family": entry.get("family", known.family.value)}
        out[name] = entry
    return {**tls, "groups": out}


def _expand_endpoint(endpoint: Any, declared: Mapping[str, Any]) -> Any:
    if not isinstance(endpoint, Mapping):
        return endpoint
    out = unpack_endpoint(endpoint)
    if "probe_table" in out:
        out["probes"] = probe_list(out)
        del out["probe_table"]
    if "tls" in out:
        out["tls"] = _expand_groups(out["tls"])
    if isinstance(out.get("findings"), list):
        out["findings"] = [
            {**f, "fixes": catalogue_fixes(str(f.get("code")))}
            if isinstance(f, Mapping) and "fixes" not in f else f for f in out["findings"]]
    if isinstance(out.get("verdicts"), list):
        out["verdicts"] = [_expand_verdict(v, declared) for v in out["verdicts"]]
    return out


def declarations(report: Mapping[str, Any]) -> Mapping[str, Any]:
    """The report's `evaluation.requirements` ({} when it has none)."""
    evaluation = report.get("evaluation")
    declared = evaluation.get("requirements") if isinstance(evaluation, Mapping) else None
    return declared if isinstance(declared, Mapping) else {}


def is_compact(report: Mapping[str, Any]) -> bool:
    method = report.get("method")
    return isinstance(method, Mapping) and method.get("report_form") in FORMS


def verdict_profiles(report: Mapping[str, Any]) -> list[str]:
    """The profile ids the report's verdicts name, in order of first appearance."""
    return list(dict.fromkeys(
        str(v.get("profile")) for e in report.get("endpoints") or () if isinstance(e, Mapping)
        for v in e.get("verdicts") or () if isinstance(v, Mapping)))


def expand_report(report: Mapping[str, Any],
                  declared: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A compact `report` with everything it left out put back (a shallow copy; `report`
    itself is not changed); any other report as it is. `declared`: the requirement
    declarations when the report has none (a store run keeps no `evaluation`)."""
    endpoints = report.get("endpoints")
    if not is_compact(report) or not isinstance(endpoints, list):
        return report
    decl = declarations(report) or declared or {}
    return {**report, "endpoints": [_expand_endpoint(e, decl) for e in endpoints]}
