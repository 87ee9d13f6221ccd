"""The typed endpoint: what one scan of one target saw (docs/json-contract.md ENDPOINT).

`Endpoint` is the producer's and validator's view of the report's endpoint dict: the scan's
assembly (pqscan.scan.assemble*) builds one and writes `to_dict()`; a reader may check a stored
endpoint with `Endpoint.from_dict`. Findings and verdicts are judgements, not observations:
they stay raw JSON here (pqscan.assess and pqscan.policy own their shape), and everything
downstream keeps reading the dict contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pqscan.model.codec import ABSENT, Absent, Observation
from pqscan.model.ssh import SSHObservation
from pqscan.model.tls import TLSObservation
from pqscan.model.vocab import EndpointStatus, ProbeResult, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeRecord(Observation):
    """One connection on the method sheet; `--probes summary` keeps only some keys."""

    name: str
    result: ProbeResult
    observed: str | Absent = ABSENT
    reason: str | None | Absent = ABSENT
    offered: Mapping[str, Any] | Absent = ABSENT
    transcript_sha256: str | None
    attempts: int | Absent = ABSENT
    duration_ms: int | Absent = ABSENT
    evidence_file: str | None | Absent = ABSENT
    round_trip: int | Absent = ABSENT  # place in the chain of connections it waited for


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeTable(Observation):
    """`--probes summary` in a streamed report: the PROBE keys once, one row per connection
    (pqscan.model.view.probe_list turns it back into PROBE objects)."""

    columns: tuple[str, ...]
    rows: tuple[Any, ...]  # each a list of cells in `columns` order, raw


@dataclass(frozen=True, slots=True, kw_only=True)
class Undecided(Observation):
    """A decision (a report path) a failed probe left open, and that probe's reason."""

    decision: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint(Observation):
    target: str
    host: str
    port: int
    sni: str | None
    starttls: str | None | Absent = ABSENT  # absent in reports older than STARTTLS
    protocol: Protocol | Absent = ABSENT  # absent: TLS (reports older than SSH)
    status: EndpointStatus
    error: str | None
    tls: TLSObservation | None
    ssh: SSHObservation | None | Absent = ABSENT
    probes: tuple[ProbeRecord, ...] | Absent = ABSENT  # absent: the summary is `probe_table`
    probe_table: ProbeTable | Absent = ABSENT
    connections: int | Absent = ABSENT
    round_trips: int | Absent = ABSENT  # TLS: the critical path (issue 13); absent: older
    findings: tuple[Any, ...]  # judgements (pqscan.assess), raw
    verdicts: tuple[Any, ...]  # judgements (pqscan.policy), raw
    # judgement (pqscan.assess.readiness, issue 14), raw; absent until judged
    readiness: Mapping[str, Any] | Absent = ABSENT
    label: str | Absent = ABSENT
    evaluation_error: str | Absent = ABSENT
    undecided: tuple[Undecided, ...] | Absent = ABSENT  # absent in older reports: none
