"""The HTML rendering of a scan report: ONE self-contained file (inline CSS and SVG, no script,
no fetch), summary first, executive summary, charts, per-endpoint detail, risk, method sheet.

Every value that came from a server, a certificate or a file goes through `esc()`
(pqscan.report.text.visible, then html.escape with quotes), and a Content-Security-Policy
forbids scripts and network loads as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import DEFAULT_SCENARIOS, EndpointRisk, report_risk
from pqscan.model import view
from pqscan.model.metadata import TargetMetadata, metadata_for
from pqscan.report import method as method_mod
from pqscan.report import ssh_view
from pqscan.report.htmlkit import CSP as _CSP
from pqscan.report.htmlkit import CSS as _CSS
from pqscan.report.htmlkit import esc
from pqscan.report.htmlkit import table as _table
from pqscan.report.summary import executive_summary

_KEX_COLOURS = {"K0": "#1b7837", "K1": "#5aae61", "K2": "#fdb863", "K3": "#e66101",
                "K4": "#d7301f", "K5": "#99000d"}


def bar_chart(title: str, data: Mapping[str, int], colours: Mapping[str, str] | None = None
              ) -> str:
    """A horizontal inline-SVG bar chart (no script, labels escaped)."""
    if not data:
        return f"<p>{esc(title)}: no data</p>"
    top = max(data.values()) or 1
    height = 22 * len(data) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="620" height="{height}" '
             f'role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>']
    for i, (label, n) in enumerate(data.items()):
        y = 24 + 22 * i
        width = int(360 * n / top)
        colour = (colours or {}).get(label, "#4575b4")
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{esc(label)}</text>'
                     f'<rect x="220" y="{y + 2}" width="{width}" height="16" fill="{colour}"/>'
                     f'<text x="{226 + width}" y="{y + 14}" font-size="12">{n}</text>')
    return "".join(parts) + "</svg>"


def _risk(risk: EndpointRisk) -> str:
    rows = [[s.year, s.z_years, s.m_hndl,
             "INCONCLUSIVE: " + str(risk.hndl_inconclusive) if s.s_hndl is None else s.s_hndl,
             s.m_auth,
             "INCONCLUSIVE: " + str(risk.auth_inconclusive) if s.s_auth is None else s.s_auth]
            for s in risk.scenarios]
    amp = " RSA key transport amplifier: one key opens every recorded session." \
        if risk.amplifier else ""
    return (f"<h4>Risk (Mosca, confidence {esc(risk.confidence)}){esc(amp)}</h4>"
            + _table(["scenario z", "years to z", "m_hndl", "S_hndl", "m_auth", "S_auth"], rows)
            + _table(["input", "value", "provenance", "source"],
                     [[i.name, i.label or i.value, i.provenance, i.source]
                      for i in risk.inputs]))


def _endpoint(ep: Mapping[str, Any], risk: EndpointRisk, meta: TargetMetadata | None) -> str:
    t = view.tls(ep)
    out = [f'<section class="endpoint"><h3>{esc(view.target(ep))}</h3>']
    if meta:
        out.append(f"<p>Owner {esc(meta.owner)}, system {esc(meta.system_id)}, sectors "
                   f"{esc(', '.join(meta.sectors))}</p>")
    if ep.get("status") != "ok":
        out.append(f"<p>Not scanned: {esc(ep.get('status'))}: {esc(ep.get('error'))}</p>")
    elif ssh_view.is_ssh(ep):  # issue 15
        out.append(_table(["fact", "value"], ssh_view.facts(ep)))
        out.append("<h4>Host keys</h4><ul>" + "".join(
            f"<li>{esc(k)}</li>" for k in ssh_view.host_keys(ep)) + "</ul>")
        fixes = ssh_view.remediation(ep)
        if fixes:
            out.append("<h4>sshd_config</h4><pre>" + esc("\n".join(fixes)) + "</pre>")
    else:
        facts = [["TLS versions", ", ".join(view.supported_versions(ep)) or "none"],
                 ["K-state", f"{t.get('kex_state') or 'undecided'}: {t.get('kex_state_reason')}"],
                 ["PQ groups", ", ".join(view.groups_with(ep, families=view.PQ_FAMILIES)) or "-"],
                 ["all supported groups", ", ".join(view.groups_with(ep)) or "-"],
                 ["negotiated", ", ".join(f"{k}={v}" for k, v in
                                          (t.get("negotiated") or {}).items())],
                 ["TLS 1.3 suites", ", ".join((t.get("cipher_suites") or {}).get("TLSv1.3")
                                              or [])],
                 ["TLS 1.2 suites", ", ".join((t.get("cipher_suites") or {}).get("TLSv1.2")
                                              or [])],
                 ["client certificate", view.client_auth(ep)]]
        out.append(_table(["fact", "value"], facts))
        out.append("<h4>Certificates</h4>" + _table(
            ["#", "subject", "issuer", "key", "signature", "not after", "sha256"],
            [[c.get("position"), c.get("subject"), c.get("issuer"),
              (c.get("public_key") or {}).get("algorithm"),
              (c.get("signature_algorithm") or {}).get("name"), c.get("not_after"),
              c.get("sha256")] for c in view.chain(ep)]))
    if ep.get("findings"):
        out.append("<h4>Findings</h4>" + _table(
            ["severity", "code", "message"],
            [[f.get("severity"), f.get("code"), f.get("message")] for f in ep["findings"]]))
    if ep.get("verdicts"):
        out.append("<h4>Verdicts</h4>" + _table(
            ["profile", "requirement", "severity", "result", "clause", "evidence"],
            [[v.get("profile"), v.get("requirement"), v.get("severity"), v.get("result"),
              v.get("clause"), v.get("evidence")] for v in ep["verdicts"]], cls_col=3))
    out.append(_risk(risk))
    out.append("<details><summary>Probes (method sheet)</summary>" + _table(
        ["probe", "result", "offered", "observed", "reason", "attempts", "ms", "transcript"],
        [[p["name"], p["result"], p["offered"], p["observed"], p["reason"], p["attempts"],
          p["duration_ms"], p["transcript_sha256"]] for p in method_mod.probe_rows(ep)])
        + "</details></section>")
    return "".join(out)


def render_html(report: Mapping[str, Any], metadata: Mapping[str, TargetMetadata] | None = None,
                scenarios: Sequence[int] = DEFAULT_SCENARIOS) -> str:
    eps = report.get("endpoints") or []
    risks = report_risk(report, metadata, scenarios)
    summary_rows = [[view.target(ep), ep.get("status"), view.kex_state(ep) or "-",
                     ssh_view.pq_summary(ep) if ssh_view.is_ssh(ep)
                     else ", ".join(view.groups_with(ep, families=view.PQ_FAMILIES)) or "-",
                     view.leaf_key(ep) or "-", view.max_severity(ep) or "-",
                     *view.verdict_counts(ep).values(),
                     "?" if r.scenarios[0].headline is None else r.scenarios[0].headline]
                    for ep, r in zip(eps, risks, strict=True)]
    sheet = method_mod.method_sheet(report)
    unc = method_mod.uncertainty(report)
    versions = [["pqscan", sheet["tool"]["version"], sheet["tool"]["renderer_sha256"]],
                [sheet["reference_data"]["file"], "", sheet["reference_data"]["sha256"]]]
    versions += [[p["id"], p["version"], p["sha256"]] for p in sheet["profiles"]]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>pqscan report {esc(report.get('started_at'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        '<h1>pqscan report</h1><section id="summary"><h2>Summary</h2>',
        f"<p>Scan {esc(report.get('started_at'))} to {esc(report.get('finished_at'))}, "
        f"{len(eps)} endpoint(s).</p>",
        _table(["target", "status", "kex", "PQ groups", "leaf key", "worst finding", "PASS",
                "FAIL", "NOT_TESTED", "NOT_APPLICABLE", f"risk {scenarios[0]}"], summary_rows),
        "</section>", '<section id="executive-summary"><h2>Executive summary</h2><ul>',
        "".join(f"<li>{esc(line)}</li>" for line in executive_summary(report, risks)),
        '</ul></section><section id="charts"><h2>Charts</h2>',
        bar_chart("Key-exchange state (endpoints)", view.kex_distribution(report), _KEX_COLOURS),
        bar_chart("Algorithms in use (endpoints)", view.algorithm_usage(report)),
        '</section><section id="endpoints"><h2>Endpoints</h2>',
        "".join(_endpoint(ep, r, metadata_for(ep, metadata))
                for ep, r in zip(eps, risks, strict=True)),
        '</section><section id="method"><h2>Method</h2>',
        _table(["item", "value"], [[k, v] for k, v in sheet.items()
                                   if not isinstance(v, dict | list)]),
        _table(["tool / data / profile", "version", "sha256"], versions),
        '</section><section id="uncertainty"><h2>Uncertainty</h2>',
        _table(["count", "n"], list(unc["counts"].items())),
        _table(["reason", "n"], [[r["reason"], r["count"]] for r in unc["reasons"]]),
        "<h3>Limitations</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in unc["limitations"])
        + "</ul></section></body></html>\n",
    ]
    return "".join(parts)
