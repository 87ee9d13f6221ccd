"""Benchmark: `pqscan scan ssh://...` over N SSH lab endpoints, and ssh-audit in the same run
when it is installed (a peer to measure, never a dependency) (issue 15).

Starts N SSH lab servers on 127.0.0.1 (a mix of Debian sshd, asyncssh and paramiko
configurations, pqscan.lab.ssh_spec), scans them all with pqscan as a subprocess, then with
ssh-audit (`-j --skip-rate-test -T targets.txt`, loopback targets only). Client CPU is each
subprocess's own rusage (os.wait4). Connections per endpoint: pqscan's own method sheet; for
ssh-audit a counting TCP relay in front of each endpoint in a separate pass. Checks the budget:
connections <= PQ methods listed + host key types + 3.
Not part of the test suite: `.venv/bin/python bench/bench_ssh.py [--endpoints 14]`.
Writes bench/results/ssh-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tabulate import tabulate

from pqscan.lab.ssh_lab import SSHLab, SSHLabEndpoint
from pqscan.lab.ssh_spec import DEFAULT_SSH_LAB
from pqscan.model.packed import unpack_report  # reports are written packed (compact-2)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "ssh-latest.json"
DEFAULT_SSH_AUDIT = BENCH_DIR / ".venv-ssh-audit" / "bin" / "ssh-audit"


def _run(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, client CPU seconds, exit code) of one subprocess."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.monotonic() - start, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(
        status)


class CountingRelay:
    """127.0.0.1:port -> target; counts accepted connections (for ssh-audit's count)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.count = 0
        self.port = 0
        self._ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True).start()
        self._ready.wait(10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.count += 1
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer))

    async def _main(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await asyncio.Event().wait()


def _specs(n: int) -> tuple[Any, ...]:
    base = [s for s in DEFAULT_SSH_LAB]
    return tuple(dataclasses.replace(base[i % len(base)], name=f"{base[i % len(base)].name}-{i}")
                 for i in range(n))


def _pqscan(endpoints: tuple[SSHLabEndpoint, ...], workdir: Path, concurrency: int
            ) -> dict[str, Any]:
    targets = workdir / "targets.txt"
    targets.write_text("".join(f"{ep.url}\n" for ep in endpoints))
    out = workdir / "pqscan.json"
    wall, cpu, code = _run([sys.executable, "-m", "pqscan", "scan", "-i", str(targets),
                            "--format", "json", "-o", str(out),
                            "--concurrency", str(concurrency)])
    report = unpack_report(json.loads(out.read_text()))
    budget = []
    for ep in report["endpoints"]:
        ssh = ep.get("ssh") or {}
        pq = sum(1 for e in (ssh.get("kex_algorithms") or {}).values()
                 if e["family"] != "classical")
        keys = len({k["key_type"] for k in ssh.get("host_keys") or []})
        budget.append({"target": ep["target"], "connections": ep["connections"],
                       "budget": pq + keys + 3, "status": ep["status"],
                       "kex_state": ssh.get("kex_state")})
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": code,
            "endpoints_per_s": round(len(endpoints) / wall, 2),
            "connections_per_endpoint": round(sum(b["connections"] for b in budget)
                                              / len(budget), 2),
            "within_budget": all(b["connections"] <= b["budget"] for b in budget),
            "per_endpoint": budget}


def _ssh_audit(binary: Path, endpoints: tuple[SSHLabEndpoint, ...], workdir: Path,
               count_on: int) -> dict[str, Any] | None:
    if not binary.exists():
        return None
    for ep in endpoints:  # a peer to measure: only ever pointed at the loopback lab
        assert ep.host == "127.0.0.1"
    targets = workdir / "ssh-audit-targets.txt"
    targets.write_text("".join(f"{ep.host}:{ep.port}\n" for ep in endpoints))
    args = [str(binary), "-j", "--skip-rate-test", "-T", str(targets)]
    wall, cpu, code = _run(args)
    relays = [CountingRelay(ep.port) for ep in endpoints[:count_on]]
    relay_targets = workdir / "ssh-audit-relay.txt"
    relay_targets.write_text("".join(f"127.0.0.1:{r.port}\n" for r in relays))
    _run([str(binary), "-j", "--skip-rate-test", "-T", str(relay_targets)])
    counts = [r.count for r in relays]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": code,
            "endpoints_per_s": round(len(endpoints) / wall, 2),
            "connections_per_endpoint": round(sum(counts) / max(1, len(counts)), 2),
            "connections_counted_on": len(counts), "args": args[1:4]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=14)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--ssh-audit", type=Path, default=DEFAULT_SSH_AUDIT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pqscan-bench-ssh-") as tmp, \
            SSHLab(_specs(args.endpoints)) as lab:
        workdir = Path(tmp)
        pq = _pqscan(lab.endpoints, workdir, args.concurrency)
        audit = _ssh_audit(args.ssh_audit, lab.endpoints, workdir, len(DEFAULT_SSH_LAB))
    rows = [["pqscan", pq["endpoints_per_s"], pq["connections_per_endpoint"], pq["cpu_s"],
             pq["wall_s"]]]
    if audit:
        rows.append(["ssh-audit", audit["endpoints_per_s"], audit["connections_per_endpoint"],
                     audit["cpu_s"], audit["wall_s"]])
    print(f"{args.endpoints} SSH lab endpoints on 127.0.0.1 ({os.cpu_count()} cores, "
          "machine shared with other jobs: figures are noisy)")
    print(tabulate(rows, headers=["tool", "endpoints/s", "connections/endpoint",
                                  "client CPU s", "wall s"]))
    print(f"pqscan within budget (connections <= PQ methods + host key types + 3): "
          f"{pq['within_budget']}")
    if audit is None:
        print(f"ssh-audit not found at {args.ssh_audit} (python3 -m venv bench/.venv-ssh-audit "
              "&& bench/.venv-ssh-audit/bin/pip install ssh-audit)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "shared": True}, "endpoints": args.endpoints, "pqscan": pq,
        "ssh_audit": audit}, indent=1) + "\n")


if __name__ == "__main__":
    main()
