"""The SSH checks of one endpoint: client behaviours, PQ confirmation, host keys.

Every connection goes through `SSHProbeContext.exchange` (global and per-endpoint limits, one
retry on silence or a cut connection, a `ProbeRecord` on the method sheet). The plan keeps the
connection count at most 3 behaviours + PQ methods listed + host key types listed: PQ
confirmations carry a host key type not yet fetched, and behaviours count for both.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pqscan.registry.ssh import client_profiles, host_key_algorithm, kex_method
from pqscan.scan.context import RETRY_KINDS, ProbeRecord, ScanOptions
from pqscan.ssh.exchange import (
    COMPLETED,
    ERROR,
    REFUSED,
    ExchangeRequest,
    ExchangeResult,
    negotiate,
    run_exchange,
)
from pqscan.ssh.kex import available
from pqscan.ssh.messages import KexInit
from pqscan.tls.transport import Limits

BEHAVIOURS = ("openssh_10", "openssh_9", "classical_only")
# Cheap, widely listed methods to carry a host key fetch (no PQ method is needed for that)
_CARRIERS = ("curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
             "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256")


class SSHProbeContext:
    """Per-endpoint state for SSH: where to connect, the limits, and the method sheet."""

    def __init__(self, host: str, port: int, options: ScanOptions,
                 global_limit: asyncio.Semaphore) -> None:
        self.host = host
        self.port = port
        self.options = options
        self.limits = Limits(connect_timeout=options.timeout, read_timeout=options.timeout)
        # one overall deadline per connection: connect + the whole key exchange
        self.overall = 2 * options.timeout
        self._global = global_limit
        self._local = asyncio.Semaphore(options.per_endpoint)
        self.records: list[ProbeRecord] = []

    async def exchange(self, name: str, request: ExchangeRequest) -> ExchangeResult:
        start = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            async with self._global, self._local:
                result = await run_exchange(self.host, self.port, request, self.limits,
                                            self.overall)
            if result.outcome != ERROR or result.error_kind not in RETRY_KINDS or \
                    attempts > self.options.retries:
                break
            await asyncio.sleep(0.05 * attempts)
        verdict = {COMPLETED: "ok", REFUSED: "refused"}.get(result.outcome, "inconclusive")
        if result.outcome == COMPLETED and result.signature_verified is not True:
            verdict = "inconclusive"
        observed = (f"{result.kex} with {result.host_key_algorithm}: {result.reason}"
                    if result.outcome == COMPLETED else result.reason)
        offered = {"kex": list(request.kex), "host_key": list(request.host_key)}
        evidence = self._keep_evidence(name, offered, result) if self.options.evidence_dir \
            else None
        self.records.append(ProbeRecord(
            name, verdict, observed, None if verdict == "ok" else result.reason, offered,
            result.transcript_sha256, attempts, int((time.monotonic() - start) * 1000),
            evidence))
        return result

    def _keep_evidence(self, name: str, offered: dict[str, Any], result: ExchangeResult
                       ) -> str | None:
        """--evidence: the raw SSH bytes of one exchange (JSON, hex); best effort."""
        directory = Path(self.options.evidence_dir or ".") / f"{self.host}_{self.port}"
        path = directory / f"{len(self.records):03d}-{name}.json"
        record = {"target": f"{self.host}:{self.port}", "protocol": "ssh", "probe": name,
                  "offered": offered, "transcript_sha256": result.transcript_sha256,
                  "digest_method": "sha256 over (c|s, uint32 length, bytes) per chunk",
                  "wire": [{"from": d, "hex": b.hex()} for d, b in result.wire]}
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        except OSError:
            return None
        return str(path)


@dataclass
class SSHFacts:
    """What the SSH checks found (read once by pqscan.scan.assemble_ssh)."""

    first: ExchangeResult
    behaviours: dict[str, ExchangeResult] = field(default_factory=dict)
    exchanges: dict[str, ExchangeResult] = field(default_factory=dict)  # probe name -> result

    @property
    def server(self) -> ExchangeResult:
        """An exchange that saw the server's KEXINIT (the first one did, if any did)."""
        for r in (self.first, *self.behaviours.values(), *self.exchanges.values()):
            if r.server_kexinit is not None:
                return r
        return self.first


def key_groups(server_host_keys: tuple[str, ...]) -> dict[str, list[str]]:
    """Host key algorithm names grouped by the key they sign with (rsa-sha2-512, rsa-sha2-256
    and ssh-rsa are one RSA key), in server order; only algorithms pqscan can verify."""
    groups: dict[str, list[str]] = {}
    for name in server_host_keys:
        alg = host_key_algorithm(name)
        if alg.implemented:
            groups.setdefault(alg.key_type, []).append(name)
    return groups


def _request(kex: tuple[str, ...], host_key: tuple[str, ...]) -> ExchangeRequest:
    return ExchangeRequest(kex, host_key)


def _predicted(server: KexInit, kex: tuple[str, ...], host_key: tuple[str, ...]
               ) -> tuple[str | None, str | None]:
    """What a client with these lists gets (RFC 4253 §7.1), if pqscan can run it."""
    name = negotiate(kex, server.kex)
    return (name if name is not None and available(name) else None,
            negotiate(host_key, server.host_key))


def plan_exchanges(server: KexInit, covered_kex: set[str], covered_keys: set[str]
                   ) -> list[tuple[str, str, str]]:
    """(probe name, kex, host key algorithm) for every PQ method and host key type the
    behaviours do not cover; PQ confirmations carry host key types not yet fetched."""
    groups = key_groups(server.host_key)
    todo_keys = [k for k in groups if k not in covered_keys]
    plan: list[tuple[str, str, str]] = []
    for name in server.kex:
        if not kex_method(name).is_pq or name in covered_kex or not available(name) \
                or not groups:
            continue
        key = todo_keys.pop(0) if todo_keys else next(iter(groups))
        plan.append((f"kex.{name}", name, groups[key][0]))
    carrier = next((c for c in _CARRIERS if c in server.kex and available(c)), None) or next(
        (n for n in server.kex if available(n)), None)
    if carrier is not None:
        plan += [(f"hostkey.{key}", carrier, groups[key][0]) for key in todo_keys]
    return plan


async def check_ssh(ctx: SSHProbeContext) -> SSHFacts:
    profiles = client_profiles()
    first_name = BEHAVIOURS[0]
    first = await ctx.exchange(f"behaviour.{first_name}",
                               _request(profiles[first_name].kex, profiles[first_name].host_key))
    facts = SSHFacts(first, {first_name: first})
    server = first.server_kexinit
    if server is None:
        return facts  # not SSH, unreachable, or cut before KEXINIT: the endpoint says why
    # The other behaviours' outcome follows from the lists (RFC 4253 §7.1), so everything else
    # is planned now and runs in one round; a predicted exchange that then fails leaves its
    # method unconfirmed (with that probe's reason), never confirmed by prediction.
    covered_kex: set[str] = {first.kex} if first.confirmed and first.kex else set()
    covered_keys: set[str] = set()
    if first.outcome == COMPLETED and first.host_key_algorithm:
        covered_keys.add(host_key_algorithm(first.host_key_algorithm).key_type)
    for name in BEHAVIOURS[1:]:
        kex, alg = _predicted(server, profiles[name].kex, profiles[name].host_key)
        if kex is not None and alg is not None:
            covered_kex.add(kex)
            covered_keys.add(host_key_algorithm(alg).key_type)
    plan = plan_exchanges(server, covered_kex, covered_keys)
    results = await asyncio.gather(
        *(ctx.exchange(f"behaviour.{name}", _request(profiles[name].kex,
                                                    profiles[name].host_key))
          for name in BEHAVIOURS[1:]),
        *(ctx.exchange(probe, _request((kex,), (alg,))) for probe, kex, alg in plan))
    facts.behaviours.update(zip(BEHAVIOURS[1:], results[:2], strict=True))
    facts.exchanges.update(zip((p for p, _, _ in plan), results[2:], strict=True))
    return facts
