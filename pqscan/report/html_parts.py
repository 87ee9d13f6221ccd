"""Building blocks of the HTML report: escaping, tables whose cells may hold markup built
here, and the per-endpoint card and detail section.

Every value from a server, a certificate or a file goes through `esc()`
(pqscan.report.text.visible, then html.escape with quotes); only markup built in this package
(`Markup`) is inserted as is.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from pqscan.assess.risk import EndpointRisk
from pqscan.model import view
from pqscan.model.metadata import TargetMetadata
from pqscan.report import actions, legend, ssh_view
from pqscan.report import method as method_mod
from pqscan.report.evidence import facts_text, verdict_lines
from pqscan.report.htmlkit import Markup, esc, table


def link(anchor: str, text: Any) -> Markup:
    return Markup(f'<a href="#{html.escape(anchor, quote=True)}">{esc(text)}</a>')


def fix_anchor(fix_id: str) -> str:
    return "fix-" + view.safe_id(fix_id)


def fix_list(ids: Sequence[str], catalogue: Mapping[str, Mapping[str, Any]],
             spelled: int | None = None) -> Markup:
    """Fixes as a list of "product >= version: config (in location)", each linking to its
    entry in the fix catalogue section; past the first `spelled` ones, only the links (the
    per-endpoint rows repeat what the catalogue and the must-change table spell out)."""
    if not ids:
        return Markup("-")
    ids = actions.ranked_fixes(ids, catalogue)
    shown = ids if spelled is None else ids[:spelled]
    items = "".join(f'<li>{esc(actions.fix_text(f, catalogue))} '
                    f'<a href="#{fix_anchor(f)}">[{esc(f)}]</a></li>' for f in shown)
    rest = ids[len(shown):]
    if rest:
        items += "<li>alternatives: " + " ".join(
            f'<a href="#{fix_anchor(f)}">[{esc(f)}]</a>' for f in rest) + "</li>"
    return Markup(f'<ul class="fixes">{items}</ul>')


def evidence(verdict: Mapping[str, Any]) -> Markup:
    lines = verdict_lines(verdict)
    return Markup("<br>".join(f"<strong>{esc(label)}:</strong> {esc(text)}"
                              for label, text in lines) or "-")


def deadline_text(ep: Mapping[str, Any]) -> str:
    due = actions.next_deadline(ep)
    if not due:
        return "none" if actions.readiness(ep) else "not judged"
    return f"{due.get('date')}: {due.get('profile')} {due.get('requirement')} " \
           f"({due.get('title') or ''})"


def card(ep: Mapping[str, Any], anchor: str, risk: EndpointRisk,
         catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    """The at-a-glance card: readiness level, next deadline, failures, risk, top fixes."""
    level = actions.level(ep) or "undecided"
    verdicts = ep.get("verdicts") or []
    now = sum(1 for v in verdicts if actions.fails_now(v))
    later = sum(1 for v in verdicts if actions.due_later(v))
    score = actions.headline(risk)
    reason = actions.readiness(ep).get("reason")
    rows = [f'<p class="level {esc(level)}">{esc(actions.level_text(ep))}</p>']
    if reason:
        rows.append(f'<p class="why">{esc(reason)}</p>')
    if ep.get("status") != "ok":
        rows.append(f"<p>Not scanned: {esc(ep.get('status'))}: {esc(ep.get('error'))}</p>")
    rows += [f"<p><strong>Next deadline:</strong> {esc(deadline_text(ep))}</p>",
             f"<p><strong>Fails now:</strong> {now} · <strong>due later:</strong> {later} · "
             f"<strong>K-state:</strong> {esc(view.kex_state(ep) or 'undecided')} · "
             f"<strong>risk {risk.scenarios[0].year}:</strong> "
             f"{'INCONCLUSIVE' if score is None else f'{score:g}'}</p>",
             "<p><strong>Top fixes:</strong></p>" + _top_fixes(ep, catalogue)]
    return (f'<div class="card {esc(level)}"><h3>{esc(link(anchor, view.target(ep)))}</h3>'
            + "".join(rows) + "</div>")


def _top_fixes(ep: Mapping[str, Any], catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    items = []
    for top in actions.top_fixes(ep, catalogue):
        fix = (f"{esc(actions.fix_text(top.fix, catalogue))} "
               f'<a href="#{fix_anchor(top.fix)}">[{esc(top.fix)}]</a>' if top.fix
               else "no fix in the catalogue")
        more = f" (+{top.alternatives} alternatives)" if top.alternatives else ""
        items.append(f"<li><em>{esc(top.when)}: {esc(top.what)}</em> — {fix}{esc(more)}</li>")
    return f'<ul class="fixes">{"".join(items)}</ul>' if items else "<p>-</p>"


def _risk(risk: EndpointRisk) -> str:
    rows = [[s.year, s.z_years, s.m_hndl,
             "INCONCLUSIVE: " + str(risk.hndl_inconclusive) if s.s_hndl is None else s.s_hndl,
             s.m_auth,
             "INCONCLUSIVE: " + str(risk.auth_inconclusive) if s.s_auth is None else s.s_auth]
            for s in risk.scenarios]
    amp = " RSA key transport amplifier: one key opens every recorded session." \
        if risk.amplifier else ""
    return (f'<h4>Risk (Mosca, confidence {esc(risk.confidence)}; '
            f'<a href="#risk-model">how to read it</a>){esc(amp)}</h4>'
            f"<p>{esc(legend.risk_sentence(risk))}</p>"
            + table(["scenario z", "years to z", "m_hndl", "S_hndl", "m_auth", "S_auth"], rows)
            + table(["input", "value", "provenance", "source"],
                    [[i.name, i.label or i.value, i.provenance, i.source] for i in risk.inputs]))


def _tls_facts(ep: Mapping[str, Any]) -> str:
    t = view.tls(ep)
    facts = [["TLS versions", ", ".join(view.supported_versions(ep)) or "none"],
             ["K-state", f"{t.get('kex_state') or 'undecided'}: {t.get('kex_state_reason')}"],
             ["PQ groups", ", ".join(view.groups_with(ep, families=view.PQ_FAMILIES)) or "-"],
             ["all supported groups", ", ".join(view.groups_with(ep)) or "-"],
             ["negotiated", ", ".join(f"{k}={v}" for k, v in
                                      (t.get("negotiated") or {}).items())],
             ["TLS 1.3 suites", ", ".join((t.get("cipher_suites") or {}).get("TLSv1.3") or [])],
             ["TLS 1.2 suites", ", ".join((t.get("cipher_suites") or {}).get("TLSv1.2") or [])],
             ["client certificate", view.client_auth(ep)]]
    return table(["fact", "value"], facts) + "<h4>Certificates</h4>" + table(
        ["#", "subject", "issuer", "key", "signature", "not after", "sha256"],
        [[c.get("position"), c.get("subject"), c.get("issuer"),
          (c.get("public_key") or {}).get("algorithm"),
          (c.get("signature_algorithm") or {}).get("name"), c.get("not_after"),
          c.get("sha256")] for c in view.chain(ep)])


def detail(ep: Mapping[str, Any], anchor: str, risk: EndpointRisk,
           meta: TargetMetadata | None, catalogue: Mapping[str, Mapping[str, Any]]) -> str:
    out = [f'<section class="endpoint" id="{anchor}"><h3>{esc(view.target(ep))}</h3>',
           f"<p><strong>Readiness:</strong> {esc(actions.level_text(ep))}. "
           f"<strong>Next deadline:</strong> {esc(deadline_text(ep))}.</p>"]
    if meta:
        out.append(f"<p>Owner {esc(meta.owner)}, system {esc(meta.system_id)}, sectors "
                   f"{esc(', '.join(meta.sectors))}</p>")
    if ep.get("status") != "ok":
        out.append(f"<p>Not scanned: {esc(ep.get('status'))}: {esc(ep.get('error'))}</p>")
    elif ssh_view.is_ssh(ep):  # issue 15
        out.append(table(["fact", "value"], ssh_view.facts(ep)))
        out.append("<h4>Host keys</h4><ul>" + "".join(
            f"<li>{esc(k)}</li>" for k in ssh_view.host_keys(ep)) + "</ul>")
        lines = ssh_view.remediation(ep)
        if lines:
            out.append("<h4>sshd_config</h4><pre>" + esc("\n".join(lines)) + "</pre>")
    else:
        out.append(_tls_facts(ep))
    if ep.get("verdicts"):
        out.append("<h4>Verdicts</h4>" + table(
            ["result", "profile", "requirement", "severity", "evidence", "fix"],
            [[actions.state(v), v.get("profile"), v.get("requirement"), v.get("severity"),
              evidence(v), fix_list(v.get("fixes") or [], catalogue, spelled=1)
              if v.get("result") == "FAIL" else "-"]
             for v in sorted(ep["verdicts"], key=_verdict_order)], cls_col=0))
    if ep.get("findings"):
        out.append("<h4>Findings</h4>" + table(
            ["severity", "code", "message", "evidence", "fix"],
            [[f.get("severity"), f.get("code"), f.get("message"),
              facts_text(f.get("evidence") or {}) or "-",
              fix_list(f.get("fixes") or [], catalogue, spelled=1)] for f in ep["findings"]]))
    out.append(_risk(risk))
    out.append("<details><summary>Probes (method sheet)</summary>" + table(
        ["probe", "result", "offered", "observed", "reason", "attempts", "ms", "transcript"],
        [[p["name"], p["result"], p["offered"], p["observed"], p["reason"], p["attempts"],
          p["duration_ms"], p["transcript_sha256"]] for p in method_mod.probe_rows(ep)])
        + '</details><p><a href="#top">back to top</a></p></section>')
    return "".join(out)


_RESULT_ORDER = {"FAIL": 0, "DUE": 1, "NOT_TESTED": 2, "PASS": 3, "NOT_APPLICABLE": 4}


def _verdict_order(v: Mapping[str, Any]) -> tuple[int, str, str]:
    return (_RESULT_ORDER.get(actions.state_class(v), 5), str(v.get("due") or ""),
            str(v.get("requirement")))
