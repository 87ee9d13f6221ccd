"""The Markdown rendering of a scan report, for pull-request comments and wikis: the one-line
answer with scope, profiles and as-of date, "what must change, by when" with the fixes, the
summary (readiness level per endpoint, highest risk first), legends, per-endpoint detail with
readable evidence, risk, method sheet and uncertainty (the same model as the HTML report).

Every value from a server or certificate goes through `cell()` (pqscan.report.text.markdown_text):
controls and bidi characters shown as escapes, Markdown metacharacters (links, code spans, pipes)
backslash-escaped, and the raw HTML that Markdown renderers pass through as entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS, EndpointRisk, report_risk
from pqscan.model import view
from pqscan.model.metadata import TargetMetadata, metadata_for
from pqscan.report import actions, legend, ssh_view
from pqscan.report import method as method_mod
from pqscan.report.evidence import facts_text, verdict_text
from pqscan.report.summary import executive_summary
from pqscan.report.text import markdown_text


def cell(value: Any) -> str:
    return markdown_text(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _score(value: float | None, reason: str | None) -> str:
    return f"INCONCLUSIVE ({reason})" if value is None else f"{value:g}"


def _risk_section(risk: EndpointRisk) -> list[str]:
    rows = [[s.year, s.z_years, s.m_hndl, _score(s.s_hndl, risk.hndl_inconclusive), s.m_auth,
             _score(s.s_auth, risk.auth_inconclusive)] for s in risk.scenarios]
    inputs = [[i.name, i.label or i.value, i.provenance, i.source] for i in risk.inputs]
    return ["Risk (Mosca, model mosca-1; confidence "
            f"{risk.confidence:g}{'; RSA key transport amplifier' if risk.amplifier else ''}):",
            "", cell(legend.risk_sentence(risk)), "",
            table(["scenario z", "years to z", "m_hndl", "S_hndl", "m_auth", "S_auth"], rows),
            "", table(["input", "value", "provenance", "source"], inputs), ""]


def _endpoint(ep: Mapping[str, Any], risk: EndpointRisk, meta: TargetMetadata | None,
              catalogue: Mapping[str, Mapping[str, Any]]) -> list[str]:
    t = view.tls(ep)
    deadline = actions.next_deadline(ep)
    out = [f"### {cell(view.target(ep))}", "",
           f"Readiness: {cell(actions.level_text(ep))}; next deadline: "
           + (cell(f"{deadline.get('date')} ({deadline.get('profile')} "
                   f"{deadline.get('requirement')})") if deadline else "none") + ".", ""]
    if meta:
        out += [f"Owner: {cell(meta.owner)}; system: {cell(meta.system_id)}; sectors: "
                f"{cell(', '.join(meta.sectors))}", ""]
    if ep.get("status") != "ok":
        out += [f"Not scanned: {cell(ep.get('status'))}: {cell(ep.get('error'))}", ""]
    elif ssh_view.is_ssh(ep):  # issue 15
        out += [table(["fact", "value"], ssh_view.facts(ep)), ""]
        out += [f"- host key {cell(k)}" for k in ssh_view.host_keys(ep)] + [""]
        fixes = ssh_view.remediation(ep)
        if fixes:
            out += ["sshd_config:", "", "```"] + fixes + ["```", ""]
    else:
        facts = [["TLS versions", ", ".join(view.supported_versions(ep)) or "none"],
                 ["K-state", f"{t.get('kex_state') or 'undecided'}: {t.get('kex_state_reason')}"],
                 ["PQ groups", ", ".join(view.groups_with(ep, families=view.PQ_FAMILIES)) or "-"],
                 ["negotiated", ", ".join(f"{k}={v}" for k, v in
                                          (t.get("negotiated") or {}).items())],
                 ["leaf key / signature", f"{view.leaf_key(ep)} / {view.leaf_signature(ep)}"],
                 ["client certificate", view.client_auth(ep)]]
        out += [table(["fact", "value"], facts), ""]
        certs = [[c.get("position"), c.get("subject"), c.get("issuer"),
                  (c.get("public_key") or {}).get("algorithm"),
                  (c.get("signature_algorithm") or {}).get("name"), c.get("not_after")]
                 for c in view.chain(ep)]
        if certs:
            out += [table(["#", "subject", "issuer", "key", "signature", "not after"], certs), ""]
    if ep.get("findings"):
        out += [table(["severity", "code", "message", "evidence", "fix"],
                      [[f.get("severity"), f.get("code"), f.get("message"),
                        facts_text(f.get("evidence") or {}), _fixes(f.get("fixes"), catalogue)]
                       for f in ep["findings"]]), ""]
    if ep.get("verdicts"):
        out += [table(["result", "profile", "requirement", "severity", "evidence", "fix"],
                      [[actions.state(v), v.get("profile"), v.get("requirement"),
                        v.get("severity"), verdict_text(v),
                        _fixes(v.get("fixes"), catalogue) if v.get("result") == "FAIL"
                        else "-"] for v in ep["verdicts"]]), ""]
    return out + _risk_section(risk)


def _fixes(ids: Any, catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    return " / ".join(actions.fix_text(f, catalogue) for f in ids or []) or "-"


def _actions(report: Mapping[str, Any], risks: Sequence[EndpointRisk]) -> list[str]:
    eps = report.get("endpoints") or []
    catalogue = actions.remediation(report)
    rows = [["FAIL now" if a.due is None else f"DUE {a.due}",
             f"{a.profile} {a.requirement}: {a.title}", a.severity,
             ", ".join(view.target(eps[i]) for i in a.endpoints),
             "INCONCLUSIVE" if a.risk is None else f"{a.risk:g}", _fixes(a.fixes, catalogue)]
            for a in actions.must_change(report, risks)]
    out = ["## What must change, by when", ""]
    if not rows:
        return out + ["Nothing fails, now or later.", ""]
    return out + [table(["due", "requirement", "severity", "endpoints", "highest risk", "fix"],
                        rows), ""]


def _scope(report: Mapping[str, Any]) -> list[str]:
    answer = actions.answer(report)
    profiles = "; ".join(f"{p.get('id')} {p.get('version') or '(version unknown)'}"
                         for p in actions.profiles(report)) or "none"
    method = report.get("method") or {}
    out = [f"**{cell(answer.sentence())}**", "",
           f"Scope: {len(report.get('endpoints') or [])} endpoint(s), depth "
           f"{cell(method.get('depth') or 'standard')}; profiles: {cell(profiles)}; as of "
           f"{cell(actions.as_of(report) or 'not judged')}.", ""]
    if answer.default_profile:
        out += ["No profile chosen: the default profile was applied.", ""]
    return out


def _legend(scenarios: Sequence[int]) -> list[str]:
    return (["## Legend", "", table(["level", "meaning"], legend.LEVELS), "",
             table(["K-state", "meaning"], legend.kex_states()), "",
             table(["result", "meaning"], legend.RESULTS), "", "Risk model:", ""]
            + [f"- {cell(line)}" for line in legend.risk_model(scenarios)] + [""])


def render_markdown(report: Mapping[str, Any],
                    metadata: Mapping[str, TargetMetadata] | None = None,
                    scenarios: Sequence[int] = DEFAULT_SCENARIOS,
                    profile_dirs: Sequence[str] = ()) -> str:
    risks = report_risk(report, metadata, scenarios)
    eps = report.get("endpoints") or []
    order = actions.by_risk(eps, risks)
    catalogue = actions.remediation(report)
    rows = [[view.target(eps[i]), actions.level(eps[i]) or "-", eps[i].get("status"),
             view.kex_state(eps[i]) or "-",
             ssh_view.pq_summary(eps[i]) if ssh_view.is_ssh(eps[i])
             else ", ".join(view.groups_with(eps[i], families=view.PQ_FAMILIES)) or "-",
             view.leaf_key(eps[i]) or "-", view.max_severity(eps[i]) or "-",
             "/".join(str(n) for n in view.verdict_counts(eps[i]).values()),
             "?" if actions.headline(risks[i]) is None else actions.headline(risks[i])]
            for i in order]
    out = ["# pqscan report", "", *_scope(report),
           f"Scan {cell(report.get('started_at'))} to {cell(report.get('finished_at'))}, "
           f"{len(eps)} endpoint(s).", "", *_actions(report, risks), "## Summary", "",
           "Highest risk first.", "",
           table(["target", "level", "status", "kex", "PQ groups", "leaf key", "worst finding",
                  "PASS/FAIL/NOT_TESTED/N-A", f"risk {scenarios[0]}"], rows), "",
           "## Executive summary", ""]
    out += [f"- {cell(line)}" for line in executive_summary(report, risks)] + [""]
    out += _legend(scenarios) + ["## Endpoints", ""]
    for i in order:
        out += _endpoint(eps[i], risks[i], metadata_for(eps[i], metadata), catalogue)
    sheet = method_mod.method_sheet(report, profile_dirs)
    out += ["## Method", "", table(["item", "value"], [
        [k, v] for k, v in sheet.items() if not isinstance(v, dict | list)]), ""]
    out += [table(["tool / data / profile", "version", "sha256"],
                  [["pqscan (renderer)", sheet["tool"]["version"],
                    sheet["tool"]["renderer_sha256"]],
                   [sheet["reference_data"]["file"], "", sheet["reference_data"]["sha256"]]]
                  + [[p["id"], p["version"], p["sha256"]] for p in sheet["profiles"]]), ""]
    for ep in eps:
        rows = [[p["name"], p["result"], p["offered"], p["observed"], p["attempts"],
                 p["transcript_sha256"]] for p in method_mod.probe_rows(ep)]
        out += [f"Probes of {cell(ep.get('target'))}:", "",
                table(["probe", "result", "offered", "observed", "attempts", "transcript"],
                      rows), ""]
    unc = method_mod.uncertainty(report)
    out += ["## Uncertainty", "", table(["count", "n"], list(unc["counts"].items())), "",
            table(["reason", "n"], [[r["reason"], r["count"]] for r in unc["reasons"]]), "",
            "Limitations:", ""] + [f"- {cell(x)}" for x in unc["limitations"]]
    return "\n".join(out) + "\n"
