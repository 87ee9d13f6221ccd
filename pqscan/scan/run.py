"""Running a scan from the command line's point of view: targets in, report and exit code out.

Kept apart from `cli.py` so that the click layer stays argument parsing only, and so that
`pqscan demo` and the tests run exactly the same path.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import asdict
from typing import Any

from pqscan.model.document import new_report, utc_now
from pqscan.scan.context import ScanOptions
from pqscan.scan.scanner import scan
from pqscan.scan.store import ScanStore, endpoint_key, iter_endpoints, target_key
from pqscan.scan.store.reading import warn_stderr
from pqscan.scan.targets import Target
from pqscan.scan.workers import scan_workers


def input_sha256(targets: list[Target]) -> str:
    """Hash of the normalised target list: two runs over the same population share it."""
    digest = hashlib.sha256()
    for t in targets:
        digest.update(target_key(t.text, t.sni, t.starttls).encode() + b"\n")
    return digest.hexdigest()


def scan_method(options: ScanOptions, concurrency: int, workers: int = 1) -> dict[str, Any]:
    return {
        "engine": "pqscan TLS engine (RFC 8446 client on cryptography primitives)",
        "options": {**asdict(options), "concurrency": concurrency, "workers": workers},
        "group_enumeration": "HelloRetryRequest with empty key_share (RFC 8446 §4.1.4), "
                             "PQ groups confirmed by decrypting EncryptedExtensions",
        "retries": f"{options.retries} retry on timeout/reset; alerts are never retried",
    }


def run_scan(targets: list[Target], options: ScanOptions, concurrency: int,
             store: ScanStore | None = None, resume: bool = False,
             workers: int = 1) -> dict[str, Any]:
    """Scan `targets`; with a store, every endpoint is saved as it finishes, and with `resume`
    the targets the store already holds as "ok" are taken from it instead of rescanned.
    `workers` > 1 shards the endpoints across that many processes (pqscan.workers); the store
    is still written by this process alone."""
    started = utc_now()
    method = scan_method(options, concurrency, workers)
    if any(t.protocol == "ssh" for t in targets):  # issue 15
        method["ssh_engine"] = ("pqscan SSH engine (RFC 4253 key exchange on cryptography; "
                                "stops before NEWKEYS); PQ methods confirmed by a completed "
                                "exchange whose host key signature over H verifies")
    keys = [target_key(t.text, t.sni, t.starttls) for t in targets]
    position = {k: i for i, k in enumerate(keys)}
    done_keys: set[str] = set()
    if store is not None:
        run = store.begin_run(method["options"], input_sha256(targets), method, resume)
        if resume:
            done_keys = store.done_keys(warn_stderr) & set(keys)
    todo = [t for t, k in zip(targets, keys, strict=True) if k not in done_keys]
    on_result = None if store is None else (
        lambda ep: store.put(ep, utc_now(), position.get(endpoint_key(ep))))
    fresh = scan_workers(todo, options, concurrency, workers, on_result) if workers > 1 \
        else asyncio.run(scan(todo, options, concurrency, on_result))
    done = {} if store is None or not done_keys else {
        endpoint_key(e): e for e in iter_endpoints(store.path, run.run_id)
        if endpoint_key(e) in done_keys}
    by_key = {**done, **{endpoint_key(e): e for e in fresh}}
    endpoints = [by_key[k] for k in keys if k in by_key]
    if store is not None:
        method["store"] = {"path": str(store.path), "resumed_endpoints": len(done),
                           "scanned_endpoints": len(fresh)}
        method["run"] = {"run_id": run.run_id, "input_sha256": run.input_sha256}
        store.finish_run("complete", method)
    return new_report(endpoints, started, utc_now(), method)
