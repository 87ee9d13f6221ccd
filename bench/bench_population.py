"""Benchmark: population-scale scans (issue 12) on an nginx farm mixed with PQ lab servers.

Debian's nginx (OpenSSL 3.0: classical TLS 1.2/1.3) listens on thousands of loopback ports
(spread over 127.0.0.1..127.0.0.N so 50k fit) from a temporary config; a few PQ lab servers
(`pqscan.lab.Lab(copies=N)`) join the list. For each size and depth, `pqscan scan --format json
--store` runs as a subprocess: wall time, endpoints/s, client CPU s per endpoint (os.wait4
rusage), peak RSS (ru_maxrss), report and store size. sslyze scans the same targets in the same
run (its own venv, see README). Not a test: run `.venv/bin/python bench/bench_population.py
--sizes 1000,10000 --depths quick,standard`; writes bench/results/population.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_scan import DEFAULT_SSLYZE, SSLYZE_FLAGS, compile_like_an_install, measure
from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.lab.spec import spec_by_name

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "population.json"
NGINX = "/usr/sbin/nginx"
PORTS_PER_ADDRESS = 10000
BASE_PORT = 20000  # 20000-29999: below Linux's ephemeral range (32768-60999)
PQ_MIX = ("hybrid-preferred", "mlkem1024-only")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed ECDSA P-256 certificate for the farm (one for every port)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hashes.SHA256()))
    crt, pem = directory / "farm.crt", directory / "farm.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def farm_addresses(count: int) -> list[str]:
    return [f"127.0.0.{1 + i // PORTS_PER_ADDRESS}:{BASE_PORT + i % PORTS_PER_ADDRESS}"
            for i in range(count)]


@contextmanager
def nginx_farm(count: int, workers: int) -> Iterator[tuple[list[str], list[int]]]:
    """nginx serving TLS on `count` loopback addresses, one nginx per 127.0.0.X (10k ports
    each: a process may hold at most RLIMIT_NOFILE sockets); yields (addresses, pids)."""
    work = Path(tempfile.mkdtemp(prefix="pqscan-farm-"))
    crt, key = _certificate(work)
    addresses = farm_addresses(count)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by nginx
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for start in range(0, count, PORTS_PER_ADDRESS):
            group = addresses[start:start + PORTS_PER_ADDRESS]
            home = work / f"nginx-{start // PORTS_PER_ADDRESS}"
            home.mkdir()
            listens = "\n".join(f"    listen {a} ssl;" for a in group)
            (home / "nginx.conf").write_text(f"""
worker_processes {workers};
worker_rlimit_nofile {hard};
pid {home}/nginx.pid;
error_log {home}/error.log error;
daemon off;
events {{ worker_connections {len(group) + 4096}; }}
http {{
  access_log off;
  ssl_certificate {crt};
  ssl_certificate_key {key};
  ssl_protocols TLSv1.2 TLSv1.3;
  server {{
{listens}
    return 200 "farm\\n";
  }}
}}
""")
            procs.append(subprocess.Popen([NGINX, "-p", str(home), "-c", str(home / "nginx.conf")],
                                          stdout=subprocess.DEVNULL,
                                          stderr=(home / "stderr.log").open("wb")))
            _wait_listening(group[-1], procs[-1], home)
        pids = [p.pid for p in procs]
        yield addresses, pids + [c for pid in pids for c in _children(pid)]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        shutil.rmtree(work, ignore_errors=True)


def _wait_listening(address: str, proc: subprocess.Popen[bytes], work: Path) -> None:
    import socket

    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"nginx exited: {(work / 'stderr.log').read_text()[-500:]}")
        with socket.socket() as s:
            if s.connect_ex((host, int(port))) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("nginx did not start listening in 120 s")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class RSSSampler:
    """Samples the scan process's VmRSS (and the report's size, the load average) every
    `period` s from /proc while it runs: when the peak happens says what caused it (mid-run:
    the scan; at the end: closing the report or the store), which ru_maxrss alone cannot."""

    def __init__(self, marker: str, period: float = 0.5) -> None:
        self.marker, self.period = marker, period
        self.samples: list[tuple[float, float, int, float]] = []  # (s, MB, report bytes, load)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _pid(self) -> int | None:
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if self.marker.encode() in cmdline.read_bytes():
                    return int(cmdline.parent.name)
            except (OSError, ValueError):
                continue
        return None

    def _run(self) -> None:
        t0, pid = time.monotonic(), None
        while not self._stop.wait(self.period):
            pid = pid or self._pid()
            if pid is None:
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                return  # the scan ended
            kb = next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
            report = Path(self.marker)
            size = report.stat().st_size if report.exists() else 0
            self.samples.append((round(time.monotonic() - t0, 1), round(kb / 1024, 1), size,
                                 os.getloadavg()[0]))

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {}
        peak = max(self.samples, key=lambda s: s[1])
        last = self.samples[-1]
        quarters = [self.samples[min(len(self.samples) - 1, len(self.samples) * q // 4)][1]
                    for q in (1, 2, 3, 4)]
        return {"samples": len(self.samples), "peak_mb": peak[1], "peak_at_s": peak[0],
                "peak_at_report_fraction": round(peak[2] / last[2], 3) if last[2] else None,
                "rss_mb_at_quarters": quarters,
                "load_min_max": [min(s[3] for s in self.samples),
                                 max(s[3] for s in self.samples)]}


def run_one(size: int, depth: str, targets: Path, work: Path, server_pids: list[int],
            args: argparse.Namespace) -> dict[str, Any]:
    report, store = work / f"r-{size}-{depth}.json", work / f"s-{size}-{depth}.db"
    argv = [sys.executable, "-m", "pqscan", "scan", "-i", str(targets), "--sni", "localhost",
            "--depth", depth, "--format", "json", "-o", str(report), "--store", str(store),
            "--quiet", "--concurrency", str(args.concurrency), "--per-endpoint",
            str(args.per_endpoint), "--timeout", "10", *args.pqscan_args.split()]
    with RSSSampler(str(report)) as sampler:
        m = measure("pqscan", argv, size, server_pids, work / "pqscan.log", args.timeout)
    out = {"depth": depth, **m.to_dict(), "report_bytes": report.stat().st_size,
           "store_bytes": store.stat().st_size, "rss_timeline": sampler.summary()}
    out["statuses"] = _statuses(report)
    out["report_bytes_per_endpoint"] = round(out["report_bytes"] / size)
    report.unlink()
    store.unlink()
    return out


def _statuses(report: Path) -> dict[str, int]:
    """Endpoints by status, reading the streamed report one endpoint line at a time: loading
    a 100 MB report whole would grow this process, and every tool it starts afterwards
    inherits that high-water mark in its ru_maxrss (bench_scan.peak_rss_kb)."""
    statuses: dict[str, int] = {}
    with report.open() as f:
        for line in f:
            text = line.strip().removeprefix(",").strip()
            if text.startswith("{") and text.endswith("}") and '"status"' in text:
                status = json.loads(text).get("status")
                if isinstance(status, str):
                    statuses[status] = statuses.get(status, 0) + 1
    return statuses


def run_sslyze(size: int, targets: Path, work: Path, server_pids: list[int],
               args: argparse.Namespace) -> dict[str, Any] | None:
    if not Path(args.sslyze).exists():
        print(f"sslyze not installed at {args.sslyze}: skipped (see bench/README.md)")
        return None
    out = work / "sslyze.json"
    argv = [str(args.sslyze), *SSLYZE_FLAGS, "--quiet", "--targets_in", str(targets),
            "--json_out", str(out)]
    m = measure("sslyze", argv, size, server_pids, work / "sslyze.log", args.timeout)
    return {"depth": "sslyze " + " ".join(SSLYZE_FLAGS), **m.to_dict(),
            "report_bytes": out.stat().st_size if out.exists() else None}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/bench_population.py")
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--depths", default="quick,standard,full")
    p.add_argument("--pq-share", type=float, default=0.02,
                   help="fraction of endpoints that are PQ lab servers (default 2%%)")
    p.add_argument("--concurrency", type=int, default=128)
    p.add_argument("--per-endpoint", type=int, default=4)
    p.add_argument("--nginx-workers", type=int, default=1)
    p.add_argument("--pqscan-args", default="", help="more pqscan scan options, e.g. "
                   "'--workers 2'")
    p.add_argument("--sslyze", default=str(DEFAULT_SSLYZE))
    p.add_argument("--sslyze-max", type=int, default=1000,
                   help="run sslyze only up to this size (it scans ~8 endpoints/s)")
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--out", default=str(RESULTS), help="results JSON (default %(default)s)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    compile_like_an_install()
    sizes = [int(s) for s in args.sizes.split(",")]
    depths = args.depths.split(",")
    work = Path(tempfile.mkdtemp(prefix="pqscan-bench-"))
    results: list[dict[str, Any]] = []
    load_at_start = os.getloadavg()  # the machine may be shared: say how busy it was
    pq_count = max(len(PQ_MIX), int(max(sizes) * args.pq_share))
    specs = spec_by_name(DEFAULT_LAB, PQ_MIX)
    with Lab(specs, copies=-(-pq_count // len(specs))) as lab, \
            nginx_farm(max(sizes), args.nginx_workers) as (farm, nginx_pids):
        server_pids = [*nginx_pids, *lab.pids]
        pq = [e.address for e in lab.endpoints]
        for size in sizes:
            n_pq = max(len(PQ_MIX), int(size * args.pq_share))
            ordered = list(farm[: size - n_pq])
            step = max(1, size // n_pq)  # spread the PQ servers through the list
            for i, address in enumerate(pq[:n_pq]):
                ordered.insert(min(len(ordered), i * step), address)
            targets = work / f"targets-{size}.txt"
            targets.write_text("\n".join(ordered) + "\n")
            for depth in depths:
                row = {"size": size, **run_one(size, depth, targets, work, server_pids, args)}
                print(json.dumps(row))
                results.append(row)
            if size <= args.sslyze_max:
                row2 = run_sslyze(size, targets, work, server_pids, args)
                if row2:
                    row2["size"] = size
                    print(json.dumps(row2))
                    results.append(row2)
    shutil.rmtree(work, ignore_errors=True)
    table = [(r["size"], r["tool"], r["depth"], r["endpoints_per_s"], r["cpu_s_per_endpoint"],
              r["peak_rss_mb"], (r.get("rss_timeline") or {}).get("peak_at_report_fraction", "-"),
              r.get("report_bytes_per_endpoint", "-"), r.get("store_bytes") or "-",
              r.get("statuses", "-")) for r in results]
    print(tabulate(table, headers=["endpoints", "tool", "depth", "endpoints/s", "CPU s/ep",
                                   "peak RSS MB", "peak at", "report B/ep", "store B",
                                   "statuses"]))
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "nginx": subprocess.run([NGINX, "-v"], capture_output=True,
                                            text=True).stderr.strip(),
                    "note": "shared by other engineers during the run: figures are noisy"},
        "load_at_start": load_at_start, "args": vars(args), "results": results},
        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
