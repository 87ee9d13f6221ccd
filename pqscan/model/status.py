"""The three-valued answer of every check (supported / not_supported / inconclusive + reason),
and what stays undecided when a probe could not decide: the report's `undecided` list and
`incomplete_reasons`, which the exit-code function reads (docs/json-contract.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.model.vocab import Support

SUPPORTED = Support.SUPPORTED.value
NOT_SUPPORTED = Support.NOT_SUPPORTED.value
INCONCLUSIVE = Support.INCONCLUSIVE.value


@dataclass(frozen=True)
class Status:
    value: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.value not in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE):
            raise ValueError(f"bad status {self.value!r}")
        if self.value == INCONCLUSIVE and not self.reason:
            raise ValueError("an inconclusive status needs a reason")


# What each probe decides, by the start of its name: the report paths ("tls/...") that stay
# undecided when that probe ends inconclusive or with a protocol violation. `{}` is the part of
# the probe name after the prefix (a version or a group name).
_DECIDES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("versions.", ("tls/versions/{}",)),
    ("behaviour.", ("tls/negotiated/{}",)),
    ("groups.enumerate", ("tls/groups", "tls/group_preference")),
    ("groups.ahead[", ()),  # a speculative round built on a wrong guess: decides nothing
    ("groups.confirm[", ("tls/groups/{}",)),
    ("groups.key_share[", ("tls/groups/{}",)),
    ("groups.preference_check", ("tls/group_preference_basis",)),
    # a TLS 1.2 suite round also carries the ECDHE curve elimination (issue 13 item 4)
    ("suites.TLSv1.2[", ("tls/cipher_suites/TLSv1.2", "tls/tls12/ecdhe_curves")),
    ("suites.", ("tls/cipher_suites/{}",)),
    ("suite_preference.", ("tls/cipher_suite_preference/{}",)),
    ("sigalgs.TLSv1.3", ("tls/signature_schemes", "tls/certificate_chains")),
    ("sigalgs.TLSv1.2", ("tls/tls12/signature_schemes",)),
    ("tls12.ecdhe", ("tls/tls12/ecdhe_curves",)),
    ("tls12.ffdhe", ("tls/tls12/ffdhe",)),
    ("tls12.rsa_key_transport", ("tls/tls12/rsa_key_transport", "tls/rsa_key_transport")),
)
UNDECIDED_RESULTS = frozenset({"inconclusive", "violation"})


def decided_by(probe_name: str) -> tuple[str, ...]:
    """The report paths a probe decides (for `undecided`); unknown probes name themselves."""
    for prefix, paths in _DECIDES:
        if probe_name.startswith(prefix):
            tail = probe_name[len(prefix):]
            # "groups.confirm[MLKEM768]" -> MLKEM768; "suites.TLSv1.3[2]" -> TLSv1.3
            rest = tail.rstrip("]") if prefix.endswith("[") else tail.split("[")[0]
            return tuple(p.format(rest) for p in paths)
    return (f"tls/{probe_name}",)


def undecided_decisions(probes: list[dict[str, Any]], kex_state: str | None,
                        kex_reason: str | None) -> list[dict[str, str]]:
    """The report's `undecided` list: each decision a failed probe (reset, EOF, timeout,
    violation, garbage) left open, with that probe's reason; the K-state joins them when it
    could not be derived. First reason per decision wins; order follows the probes."""
    out: dict[str, str] = {}
    for probe in probes:
        if probe.get("result") not in UNDECIDED_RESULTS:
            continue
        why = f"{probe.get('name')}: {probe.get('reason') or probe.get('observed')}"
        for path in decided_by(str(probe.get("name"))):
            out.setdefault(path, why)
    if out and kex_state is None:
        out.setdefault("tls/kex_state", kex_reason or "undecided")
    return [{"decision": d, "reason": r} for d, r in out.items()]


def incomplete_reasons(endpoint: Mapping[str, Any]) -> list[str]:
    """Why one report endpoint is incomplete (empty: complete). The exit-code function turns
    a non-empty list into exit 3: an endpoint not scanned, or a decision left undecided."""
    if endpoint.get("status") != "ok":
        return [f"{endpoint.get('status')}: {endpoint.get('error')}"]
    undecided = endpoint.get("undecided") or []
    return [f"{u.get('decision')} undecided: {u.get('reason')}" for u in undecided
            if isinstance(u, Mapping)]


def undecided_reason(endpoint: Mapping[str, Any], path: str) -> str | None:
    """The reason `path` is undecided when it overlaps a decision in the endpoint's
    `undecided` list (one is a prefix of the other; `*` matches any segment): a value a failed
    probe left open, or cut short (e.g. a group preference list), is never judged."""
    undecided = endpoint.get("undecided")
    if not undecided:  # the common case: nothing left open
        return None
    parts = path.split("/")
    for item in undecided:
        if not isinstance(item, Mapping):
            continue
        decision = str(item.get("decision", "")).split("/")
        if all(p in ("*", d) for p, d in zip(parts, decision, strict=False)):
            return f"{path} undecided ({item.get('decision')}: {item.get('reason')})"
    return None
