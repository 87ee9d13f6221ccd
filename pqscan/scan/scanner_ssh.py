"""The scan of one SSH endpoint (the scanner's SSH branch): run `pqscan.scan.probes.ssh` checks and
turn the facts into the report's endpoint dict, with the same top-level shape as TLS
(`tls` is null, `ssh` holds the SSH observations, `protocol` says which)."""

from __future__ import annotations

import asyncio
from typing import Any

from pqscan.scan.assemble_ssh import build_ssh
from pqscan.scan.context import ScanOptions
from pqscan.scan.probes.ssh import SSHProbeContext, check_ssh
from pqscan.scan.targets import Target

_CONNECT_FAILURES = frozenset({"refused", "connect_timeout", "unreachable", "resolve"})


def _endpoint(target: Target, status: str, error: str | None, ssh: dict[str, Any] | None,
              ctx: SSHProbeContext) -> dict[str, Any]:
    return {
        "target": target.text, "host": target.host, "port": target.port, "sni": None,
        "starttls": None, "protocol": "ssh",
        "status": status, "error": error, "tls": None, "ssh": ssh,
        "probes": [r.to_dict() for r in ctx.records],
        "connections": len(ctx.records),
        "findings": [], "verdicts": [],
    }


async def scan_ssh_endpoint(target: Target, options: ScanOptions,
                            global_limit: asyncio.Semaphore) -> dict[str, Any]:
    ctx = SSHProbeContext(target.host, target.port, options, global_limit)
    try:
        facts = await check_ssh(ctx)
        first = facts.server
        if first.server_kexinit is None:
            status = "unreachable" if first.error_kind in _CONNECT_FAILURES else "error"
            reason = first.reason.splitlines()[0] if first.reason else status
            if status == "error" and first.identification is None and \
                    first.error_kind in ("timeout", "eof", "reset"):
                reason = f"no SSH answer: {reason}"
            return _endpoint(target, status, reason, None, ctx)
        return _endpoint(target, "ok", None, build_ssh(facts), ctx)
    except Exception as exc:  # noqa: BLE001 - one endpoint's bug must not stop the scan
        return _endpoint(target, "error", f"internal error: {type(exc).__name__}: {exc}", None,
                         ctx)
