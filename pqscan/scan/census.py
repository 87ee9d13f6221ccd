"""The `quick` depth: a census of at most three connections per endpoint.

The three client-behaviour hellos of `pqscan.scan.probes.behaviour` (browser-like, X25519 share
first, classical only) are all a census runs. They give TLS 1.3 support, the group a browser
gets, whether PQ is preferred (HRR up to a PQ group), PQ enforcement, and — the browser-like
handshake runs to the end — the certificate chain. Everything they cannot decide is recorded
as inconclusive with the reason "not probed at depth quick", so profiles that need it give
NOT_TESTED and the K-state stays undecided rather than guessed (a TLS 1.3 server whose three
hellos end on classical groups may still support a PQ group no hello offered first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pqscan.model.status import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Status
from pqscan.registry.tls import group as registry_group
from pqscan.scan.context import ProbeContext
from pqscan.scan.probes.behaviour import Negotiation, check_behaviour
from pqscan.scan.probes.groups import GroupEntry, GroupsResult
from pqscan.scan.probes.registry import Check, EndpointDown, Facts
from pqscan.scan.probes.versions import VersionsResult, tls13_groups, unreachable_reason
from pqscan.tls.messages import TLS13

NOT_PROBED = "not probed at depth quick"


def _tls13(behaviour: dict[str, Negotiation]) -> Status:
    results = [n.result for n in behaviour.values()]
    if any(r.outcome == "server_hello" and r.version == TLS13 for r in results):
        return Status(SUPPORTED)
    # RFC 8446 §4.2.1: a server without TLS 1.3 answers a 1.3-only hello with protocol_version;
    # any other refusal may be a group mismatch (a PQ-only server), so it decides nothing
    if results and all(r.outcome == "alert" and r.alert_name == "protocol_version"
                       for r in results):
        return Status(NOT_SUPPORTED)
    reasons = sorted({r.alert_name or r.reason or r.outcome for r in results})
    return Status(INCONCLUSIVE, f"{NOT_PROBED}: the three TLS 1.3 hellos ended in "
                                f"{', '.join(str(x) for x in reasons)}")


def _groups(behaviour: dict[str, Negotiation]) -> GroupsResult:
    """Groups a hello ended on are supported (confirmed: the handshake decrypted); every other
    PQ group is inconclusive, so the K-state does not read silence as "classical only"."""
    seen: dict[int, GroupEntry] = {}
    for name, n in behaviour.items():
        if n.status == "ok" and n.group is not None and n.group not in seen:
            seen[n.group] = GroupEntry(n.group, SUPPORTED, "key_share", n.result.confirmed,
                                       f"negotiated by behaviour.{name}")
    for code in tls13_groups():
        if code not in seen and registry_group(code).is_pq:
            seen[code] = GroupEntry(code, INCONCLUSIVE, None, None, NOT_PROBED)
    return GroupsResult(tuple(seen[c] for c in tls13_groups() if c in seen), ())


def census_facts(behaviour: dict[str, Negotiation]) -> dict[str, Any]:
    untested = Status(INCONCLUSIVE, NOT_PROBED)
    versions = {"TLSv1.0": untested, "TLSv1.1": untested, "TLSv1.2": untested,
                "TLSv1.3": _tls13(behaviour)}
    results = {f"behaviour.{k}": v.result for k, v in behaviour.items()}
    facts: dict[str, Any] = {"versions": VersionsResult(versions, results),
                             "behaviour": behaviour}
    if versions["TLSv1.3"].value == SUPPORTED:
        facts["groups"] = _groups(behaviour)
        facts["tls13_suites"] = ([], NOT_PROBED)
    return facts


async def _census(ctx: ProbeContext, facts: Facts) -> Mapping[str, Any]:
    behaviour = await check_behaviour(ctx)
    trouble = unreachable_reason([n.result for n in behaviour.values()])
    if trouble:
        raise EndpointDown(*trouble)
    return census_facts(behaviour)


# `--depth quick` runs this probe alone (the registry's depth filter)
CENSUS = Check("census", (), ("versions", "behaviour", "groups", "tls13_suites"), _census,
               frozenset({"quick"}))


def mark_not_gathered(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Lists a census never asked for are null, not empty: an empty list would read as "the
    server supports none" (json-contract: null = not gathered at this depth)."""
    tls = endpoint.get("tls")
    if tls:
        tls["group_preference"] = None
        tls["cipher_suites"] = {"TLSv1.3": None, "TLSv1.2": None}
    return endpoint
