"""The SSH checks of one endpoint: client behaviours, PQ confirmation, host keys.

Every connection goes through `SSHProbeContext.exchange` (global and per-endpoint limits, one
retry on silence or a cut connection, a `ProbeRecord` on the method sheet). The plan keeps the
connection count at most 3 behaviours + PQ methods listed + host key types listed: PQ
confirmations carry a host key type not yet fetched, and behaviours count for both.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from pqscan.probes.context import RETRY_KINDS, ProbeRecord, ScanOptions
from pqscan.ssh.exchange import (
    COMPLETED,
    ERROR,
    REFUSED,
    ExchangeRequest,
    ExchangeResult,
    run_exchange,
)
from pqscan.ssh.kex import available
from pqscan.ssh.registry import client_profiles, host_key_algorithm, kex_method
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
        self.records.append(ProbeRecord(
            name, verdict, observed, None if verdict == "ok" else result.reason,
            {"kex": list(request.kex), "host_key": list(request.host_key)},
            result.transcript_sha256, attempts, int((time.monotonic() - start) * 1000)))
        return result


@dataclass
class SSHFacts:
    """What the SSH checks found (read once by pqscan.endpoint_ssh)."""

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


async def check_ssh(ctx: SSHProbeContext) -> SSHFacts:
    profiles = client_profiles()
    first_name = BEHAVIOURS[0]
    first = await ctx.exchange(f"behaviour.{first_name}",
                               _request(profiles[first_name].kex, profiles[first_name].host_key))
    facts = SSHFacts(first, {first_name: first})
    if first.server_kexinit is None:
        return facts  # not SSH, unreachable, or cut before KEXINIT: the endpoint says why
    rest = await asyncio.gather(*(
        ctx.exchange(f"behaviour.{name}", _request(profiles[name].kex, profiles[name].host_key))
        for name in BEHAVIOURS[1:]))
    facts.behaviours.update(zip(BEHAVIOURS[1:], rest, strict=True))
    server = first.server_kexinit
    done_kex = {r.kex for r in facts.behaviours.values() if r.confirmed}
    groups = key_groups(server.host_key)
    fetched = {host_key_algorithm(r.host_key_algorithm).key_type
               for r in facts.behaviours.values()
               if r.outcome == COMPLETED and r.host_key_algorithm}
    todo_keys = [k for k in groups if k not in fetched]
    plan: list[tuple[str, str, str]] = []  # (probe name, kex, host key algorithm)
    for name in server.kex:
        method = kex_method(name)
        if not method.is_pq or name in done_kex or not available(name) or not groups:
            continue
        key = todo_keys.pop(0) if todo_keys else next(iter(groups))
        plan.append((f"kex.{name}", name, groups[key][0]))
    carrier = next((c for c in _CARRIERS if c in server.kex and available(c)), None) or next(
        (n for n in server.kex if available(n)), None)
    if carrier is not None:
        plan += [(f"hostkey.{key}", carrier, groups[key][0]) for key in todo_keys]
    results = await asyncio.gather(*(ctx.exchange(probe, _request((kex,), (alg,)))
                                     for probe, kex, alg in plan))
    facts.exchanges.update(zip((p for p, _, _ in plan), results, strict=True))
    return facts
