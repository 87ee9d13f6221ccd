"""The method sheet and uncertainty section of a report (RQT by design: traceable, transparent).

Built only from what the report records: each probe's offer and outcome (endpoint["probes"]),
the scan options (timeouts, retries), the tool, data and profile versions with SHA-256 digests,
INCONCLUSIVE/NOT_TESTED counts with their reasons, and the limitations pqscan states.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pqscan.inputfile import MAX_SMALL_FILE_BYTES, read_bytes
from pqscan.model.view import kex_state, probe_list, protocol, tls
from pqscan.registry.reference import reference_digest

LIMITATIONS = (
    "One vantage point and one point in time: load balancers may answer differently from "
    "other places or later.",
    "Group support is enumerated by HelloRetryRequest (RFC 8446 §4.1.4); a PQ group is "
    "'confirmed' only when pqscan could complete a key share for it.",
    "Only what the server shows is judged: trust anchors not sent in the chain, server-side "
    "key storage and client-side behaviour are out of scope.",
    "Risk scores use declared or default inputs where nothing was measured; confidence "
    "states how many inputs were defaults.",
    "Reference facts marked I-D, draft, 2nd or vendor in pqc-standards.json are not final "
    "standards and may change.",
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """SHA-256 over the pqscan sources (path + content, sorted): which code made the report."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def data_digest() -> str:
    return reference_digest()


def profile_info(profile_id: str, profile_dirs: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Version and digest of the profile a verdict names: a user profile from `profile_dirs`
    (searched first, as the loader does), else a shipped one; digest None when neither has it."""
    raw: bytes | None = None
    for directory in profile_dirs:
        candidate = Path(directory) / f"{profile_id}.toml"
        if candidate.is_file():
            raw = read_bytes(candidate, MAX_SMALL_FILE_BYTES, "the profile size limit")
            break
    entry = resources.files("pqscan.profiles").joinpath(f"{profile_id}.toml")
    if raw is None and entry.is_file():
        raw = entry.read_bytes()
    if raw is None:
        return {"id": profile_id, "version": None, "sha256": None,
                "note": "not a shipped profile nor in a profile directory: digest unknown"}
    try:
        version = tomllib.loads(raw.decode("utf-8")).get("version")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        version = None
    return {"id": profile_id, "version": version, "sha256": _sha256(raw)}


def _offer_summary(offered: Mapping[str, Any]) -> str:
    parts = []
    for key in ("versions", "groups", "key_shares", "cipher_suites", "signature_schemes"):
        values = offered.get(key)
        if isinstance(values, list):
            shown = ", ".join(map(str, values[:6])) + (f" (+{len(values) - 6})"
                                                        if len(values) > 6 else "")
            parts.append(f"{key}: {shown or '-'}")
    if offered.get("sni") is not None:
        parts.append(f"sni: {offered['sni']}")
    return "; ".join(parts)


def probe_rows(ep: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per connection: what was offered, what came back, attempts, transcript hash."""
    return [{"name": p.get("name"), "result": p.get("result"), "observed": p.get("observed"),
             "reason": p.get("reason"), "offered": _offer_summary(p.get("offered") or {}),
             "attempts": p.get("attempts"), "duration_ms": p.get("duration_ms"),
             "transcript_sha256": p.get("transcript_sha256")}
            for p in probe_list(ep)]


def uncertainty(report: Mapping[str, Any]) -> dict[str, Any]:
    """INCONCLUSIVE probes, groups and versions, undecided findings and NOT_TESTED verdicts."""
    reasons: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for ep in report.get("endpoints") or []:
        target = ep.get("target")
        if ep.get("status") != "ok":
            counts["endpoints_not_scanned"] += 1
            reasons[f"{target}: {ep.get('status')}: {ep.get('error')}"] += 1
        for p in probe_list(ep):
            if p.get("result") == "inconclusive":
                counts["probes_inconclusive"] += 1
                reasons[f"probe {p.get('name')}: {p.get('reason') or p.get('observed')}"] += 1
        for name, g in (tls(ep).get("groups") or {}).items():
            if isinstance(g, Mapping) and g.get("status") == "inconclusive":
                counts["groups_inconclusive"] += 1
                reasons[f"group {name}: {g.get('reason')}"] += 1
        for v, s in (tls(ep).get("versions") or {}).items():
            if s == "inconclusive":
                counts["versions_inconclusive"] += 1
                reasons[f"version {v}: {(tls(ep).get('version_reasons') or {}).get(v)}"] += 1
        if ep.get("status") == "ok" and not kex_state(ep):
            counts["kex_state_undecided"] += 1
            proto = ep.get(protocol(ep)) or {}
            reasons[f"{target} kex_state: {proto.get('kex_state_reason')}"] += 1
        for f in ep.get("findings") or []:
            if f.get("code") == "scan.undecided":
                counts["checks_undecided"] += 1
                reasons[f"check: {f.get('message')}"] += 1
        for v in ep.get("verdicts") or []:
            if v.get("result") == "NOT_TESTED":
                counts["verdicts_not_tested"] += 1
                why = (v.get("evidence") or {}).get("reason") or "evidence incomplete"
                reasons[f"{v.get('requirement')}: {why}"] += 1
    return {"counts": dict(sorted(counts.items())),
            "reasons": [{"reason": r, "count": n} for r, n in reasons.most_common()],
            "limitations": list(LIMITATIONS)}


def method_sheet(report: Mapping[str, Any],
                 profile_dirs: Sequence[str | Path] = ()) -> dict[str, Any]:
    method = report.get("method") or {}
    options = method.get("options") or {}
    profiles = sorted({str(v.get("profile")) for ep in report.get("endpoints") or []
                       for v in ep.get("verdicts") or [] if v.get("profile")})
    tool = report.get("tool") or {}
    return {
        "tool": {"name": tool.get("name"), "version": tool.get("version"),
                 "renderer_sha256": tool_digest()},
        "reference_data": {"file": "pqscan/data/pqc-standards.json", "sha256": data_digest()},
        "profiles": [profile_info(p, profile_dirs) for p in profiles],
        "started_at": report.get("started_at"), "finished_at": report.get("finished_at"),
        "timeout_s": options.get("timeout"), "retries": options.get("retries"),
        "retry_rule": method.get("retries"), "concurrency": options.get("concurrency"),
        "per_endpoint": options.get("per_endpoint"), "engine": method.get("engine"),
        "group_enumeration": method.get("group_enumeration"),
        "connections": sum(len(probe_list(ep)) for ep in report.get("endpoints") or []),
    }
