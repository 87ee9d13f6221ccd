"""Running a scan from the command line's point of view: targets in, report and exit code out.

Kept apart from `cli.py` so that the click layer stays argument parsing only, and so that
`pqscan demo` and the tests run exactly the same path.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from pqscan.errors import EXIT_INCOMPLETE, EXIT_OK
from pqscan.probes.context import ScanOptions
from pqscan.probes.status import incomplete_reasons
from pqscan.report.document import new_report, utc_now
from pqscan.scanner import scan
from pqscan.store import ScanStore, split_resumed, target_key
from pqscan.targets import Target


def run_scan(targets: list[Target], options: ScanOptions, concurrency: int,
             store: ScanStore | None = None, resume: bool = False) -> dict[str, Any]:
    """Scan `targets`; with a store, every endpoint is saved as it finishes, and with `resume`
    the targets the store already holds as "ok" are taken from it instead of rescanned."""
    started = utc_now()
    todo, done = split_resumed(targets, store) if store is not None and resume else (targets, {})
    on_result = None if store is None else (lambda ep: store.put(ep, utc_now()))
    fresh = asyncio.run(scan(todo, options, concurrency, on_result))
    by_key = {**done, **{target_key(e["target"], e["sni"], e["starttls"]): e for e in fresh}}
    endpoints = [by_key[target_key(t.text, t.sni, t.starttls)] for t in targets]
    method: dict[str, Any] = {
        "engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
        "options": {**asdict(options), "concurrency": concurrency},
        "group_enumeration": "HelloRetryRequest with empty key_share (RFC 8446 §4.1.4), "
                             "PQ groups confirmed by decrypting EncryptedExtensions",
        "retries": f"{options.retries} retry on timeout/reset; alerts are never retried",
    }
    if store is not None:
        method["store"] = {"path": str(store.path), "resumed_endpoints": len(done),
                           "scanned_endpoints": len(fresh)}
    return new_report(endpoints, started, utc_now(), method)


def scan_exit_code(report: dict[str, Any]) -> int:
    """3 when any endpoint could not be scanned completely or left a decision undecided, else 0
    (policy adds 1)."""
    if any(incomplete_reasons(ep) for ep in report["endpoints"]):
        return EXIT_INCOMPLETE
    return EXIT_OK
