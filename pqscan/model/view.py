"""The report view: read-only accessors every renderer shares (chains, counts, algorithm use).

Renderers must agree on what "the leaf", "the PQ groups" or "the verdict counts" of an endpoint
are; keeping those readings here means the HTML, Markdown, CSV and SARIF outputs cannot drift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pqscan.model.packed import unpack_probe_table
from pqscan.model.vocab import Severity, VerdictResult

KEX_STATES = ("K0", "K1", "K2", "K3", "K4", "K5")
KEX_MEANING = {
    "K0": "PQ enforced", "K1": "PQ always chosen", "K2": "PQ supported, X25519-first gets "
    "classical", "K3": "TLS 1.3 classical only", "K4": "TLS <= 1.2 (EC)DHE only",
    "K5": "TLS <= 1.2 with RSA key transport",
}
VERDICT_RESULTS = tuple(r.value for r in VerdictResult)
SEVERITY_ORDER = tuple(s.value for s in Severity)
PQ_FAMILIES = frozenset({"hybrid", "pure_pq", "pre_standard"})


def probe_list(ep: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The method sheet as PROBE objects, from `probes` or a compact report's `probe_table`
    ({"columns": [...], "rows": [[...], ...]}: a row's missing trailing cells and its null
    `reason` / `evidence_file` are absent, as in the summary PROBE; docs/json-contract.md)."""
    table = unpack_probe_table(ep.get("probe_table"))  # hashes in hex (model.packed)
    if not isinstance(table, Mapping):
        return [dict(p) for p in ep.get("probes") or [] if isinstance(p, Mapping)]
    columns = [str(c) for c in table.get("columns") or []]
    out = []
    for row in table.get("rows") or []:
        if isinstance(row, list):
            probe = dict(zip(columns, row, strict=False))
            out.append({k: v for k, v in probe.items()
                        if v is not None or k not in TABLE_OPTIONAL})
    return out


TABLE_OPTIONAL = ("reason", "evidence_file")  # absent when null in a summary PROBE


def tls(ep: Mapping[str, Any]) -> Mapping[str, Any]:
    value = ep.get("tls")
    return value if isinstance(value, Mapping) else {}


def protocol(ep: Mapping[str, Any]) -> str:
    """"tls" or "ssh" (reports older than issue 15 have no field: TLS)."""
    return str(ep.get("protocol") or "tls")


def kex_state(ep: Mapping[str, Any]) -> str | None:
    """The K-state of the endpoint's protocol (TLS or SSH)."""
    value = ep.get(protocol(ep))
    state = value.get("kex_state") if isinstance(value, Mapping) else None
    return str(state) if state else None


def target(ep: Mapping[str, Any]) -> str:
    """The endpoint as a reader should see it: STARTTLS endpoints as "smtp://host:port", SSH
    endpoints as "ssh://host:port"."""
    text = str(ep.get("target"))
    if protocol(ep) == "ssh":
        return f"ssh://{text}"
    return f"{ep['starttls']}://{text}" if ep.get("starttls") else text


def client_auth(ep: Mapping[str, Any]) -> str:
    """"required/requested (ML-DSA ...)" summary of the CertificateRequest, "-" when none."""
    req = tls(ep).get("client_certificate_request")
    if not isinstance(req, Mapping) or not req.get("requested"):
        return "-"
    pq = req.get("pq_signature_schemes") or []
    return "requested" + (f" ({', '.join(pq)})" if pq else " (no PQ schemes)")


def chain(ep: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The served chain: `certificate_chain`, else the first chain the sigalg probes saw.

    A K0 endpoint refuses the browser-like hello, so its chain is only known from the
    signature-scheme probes (`certificate_chains`).
    """
    t = tls(ep)
    served = t.get("certificate_chain") or []
    if served:
        return [c for c in served if isinstance(c, Mapping)]
    for entry in t.get("certificate_chains") or []:
        if isinstance(entry, Mapping) and entry.get("chain"):
            return [c for c in entry["chain"] if isinstance(c, Mapping)]
    return []


def all_certificates(ep: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every distinct certificate observed (by SHA-256), served chain first."""
    seen: dict[str, Mapping[str, Any]] = {}
    chains = [chain(ep)] + [e.get("chain") or [] for e in tls(ep).get("certificate_chains") or []
                            if isinstance(e, Mapping)]
    for ch in chains:
        for cert in ch:
            if isinstance(cert, Mapping):
                seen.setdefault(str(cert.get("sha256") or id(cert)), cert)
    return list(seen.values())


def leaf_key(ep: Mapping[str, Any]) -> str:
    ch = chain(ep)
    if not ch:
        return ""
    pk = ch[0].get("public_key") or {}
    size = pk.get("size_bits")
    name = str(pk.get("algorithm") or "?")
    return f"{name}-{size}" if size and name == "RSA" else name


def leaf_signature(ep: Mapping[str, Any]) -> str:
    ch = chain(ep)
    return str((ch[0].get("signature_algorithm") or {}).get("name") or "") if ch else ""


def groups_with(ep: Mapping[str, Any], status: str = "supported",
                families: frozenset[str] | None = None) -> list[str]:
    out = []
    for name, g in (tls(ep).get("groups") or {}).items():
        if isinstance(g, Mapping) and g.get("status") == status and (
                families is None or g.get("family") in families):
            out.append(str(name))
    return out


def supported_versions(ep: Mapping[str, Any]) -> list[str]:
    return [v for v, s in (tls(ep).get("versions") or {}).items() if s == "supported"]


def verdict_counts(ep: Mapping[str, Any]) -> dict[str, int]:
    counts = Counter(str(v.get("result")) for v in ep.get("verdicts") or [])
    return {r: counts.get(r, 0) for r in VERDICT_RESULTS}


def max_severity(ep: Mapping[str, Any]) -> str:
    sev = [str(f.get("severity")) for f in ep.get("findings") or []
           if f.get("severity") in SEVERITY_ORDER]
    return max(sev, key=SEVERITY_ORDER.index) if sev else ""


def kex_distribution(report: Mapping[str, Any]) -> dict[str, int]:
    """Endpoints per K-state; unreachable and undecided endpoints get their own bars."""
    counts: Counter[str] = Counter()
    for ep in report.get("endpoints") or []:
        if ep.get("status") != "ok":
            counts["unreachable/error"] += 1
        else:
            counts[str(kex_state(ep) or "undecided")] += 1
    order = [*KEX_STATES, "undecided", "unreachable/error"]
    return {k: counts[k] for k in order if counts[k] or k in KEX_STATES}


def algorithm_usage(report: Mapping[str, Any]) -> dict[str, int]:
    """Endpoints using each key-exchange group (supported) and each leaf key algorithm."""
    counts: Counter[str] = Counter()
    for ep in report.get("endpoints") or []:
        for g in groups_with(ep):
            counts[f"kex {g}"] += 1
        for curve, s in ((tls(ep).get("tls12") or {}).get("ecdhe_curves") or {}).items():
            if s == "supported":
                counts[f"kex {curve} (TLS 1.2)"] += 1
        if leaf_key(ep):
            counts[f"cert {leaf_key(ep)}"] += 1
        ssh = ep.get("ssh") if isinstance(ep.get("ssh"), Mapping) else {}
        for name in (ssh.get("kex_algorithms") or {}):
            counts[f"ssh kex {name}"] += 1
        for key in ssh.get("host_keys") or []:
            if isinstance(key, Mapping) and key.get("status") == "fetched":
                counts[f"ssh host key {key.get('key_type')}"] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def result_totals(report: Mapping[str, Any]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for ep in report.get("endpoints") or []:
        totals.update(verdict_counts(ep))
    return {r: totals.get(r, 0) for r in VERDICT_RESULTS}


def safe_id(text: str) -> str:
    """An ASCII identifier for file names and XML class names (host[:port] -> host_port)."""
    return "".join(c if c.isalnum() or c in "-." else "_" for c in text) or "_"
