"""The Markdown rendering of a scan report: summary, executive summary, per-endpoint detail,
risk, method sheet and uncertainty, for pull-request comments and wikis.

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
from pqscan.report import method as method_mod
from pqscan.report import ssh_view
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
            "", table(["scenario z", "years to z", "m_hndl", "S_hndl", "m_auth", "S_auth"], rows),
            "", table(["input", "value", "provenance", "source"], inputs), ""]


def _endpoint(ep: Mapping[str, Any], risk: EndpointRisk, meta: TargetMetadata | None) -> list[str]:
    t = view.tls(ep)
    out = [f"### {cell(view.target(ep))}", ""]
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
        out += [table(["severity", "code", "message"],
                      [[f.get("severity"), f.get("code"), f.get("message")]
                       for f in ep["findings"]]), ""]
    if ep.get("verdicts"):
        out += [table(["profile", "requirement", "severity", "result", "clause"],
                      [[v.get("profile"), v.get("requirement"), v.get("severity"),
                        v.get("result"), v.get("clause")] for v in ep["verdicts"]]), ""]
    return out + _risk_section(risk)


def render_markdown(report: Mapping[str, Any],
                    metadata: Mapping[str, TargetMetadata] | None = None,
                    scenarios: Sequence[int] = DEFAULT_SCENARIOS,
                    profile_dirs: Sequence[str] = ()) -> str:
    risks = report_risk(report, metadata, scenarios)
    eps = report.get("endpoints") or []
    rows = [[view.target(ep), ep.get("status"), view.kex_state(ep) or "-",
             ssh_view.pq_summary(ep) if ssh_view.is_ssh(ep)
             else ", ".join(view.groups_with(ep, families=view.PQ_FAMILIES)) or "-",
             view.leaf_key(ep) or "-", view.max_severity(ep) or "-",
             "/".join(str(n) for n in view.verdict_counts(ep).values()),
             risk.scenarios[0].headline if risk.scenarios[0].headline is not None else "?"]
            for ep, risk in zip(eps, risks, strict=True)]
    out = ["# pqscan report", "",
           f"Scan {cell(report.get('started_at'))} to {cell(report.get('finished_at'))}, "
           f"{len(eps)} endpoint(s).", "", "## Summary", "",
           table(["target", "status", "kex", "PQ groups", "leaf key", "worst finding",
                  "PASS/FAIL/NOT_TESTED/N-A", f"risk {scenarios[0]}"], rows), "",
           "## Executive summary", ""]
    out += [f"- {cell(line)}" for line in executive_summary(report, risks)] + ["", "## Endpoints",
                                                                               ""]
    for ep, risk in zip(eps, risks, strict=True):
        out += _endpoint(ep, risk, metadata_for(ep, metadata))
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
