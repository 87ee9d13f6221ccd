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
from pqscan.report.document import new_report, utc_now
from pqscan.scanner import scan
from pqscan.targets import Target


def run_scan(targets: list[Target], options: ScanOptions, concurrency: int) -> dict[str, Any]:
    started = utc_now()
    endpoints = asyncio.run(scan(targets, options, concurrency))
    method = {
        "engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
        "options": {**asdict(options), "concurrency": concurrency},
        "group_enumeration": "HelloRetryRequest with empty key_share (RFC 8446 §4.1.4), "
                             "PQ groups confirmed by decrypting EncryptedExtensions",
        "retries": f"{options.retries} retry on timeout/reset; alerts are never retried",
    }
    return new_report(endpoints, started, utc_now(), method)


def scan_exit_code(report: dict[str, Any]) -> int:
    """3 when any endpoint could not be scanned completely, else 0 (policy adds 1)."""
    if any(ep["status"] != "ok" for ep in report["endpoints"]):
        return EXIT_INCOMPLETE
    return EXIT_OK
