"""Benchmark: `pqscan scan` throughput over a lab of >= 200 endpoints, against sslyze (issue 2).

Starts the lab (one server process per configuration, each serving many ports: `Lab(copies=N)`),
scans every endpoint with pqscan as a subprocess, then with sslyze (`--elliptic_curves --tlsv1_2
--tlsv1_3`, its own concurrency) when it is installed. Client CPU is the subprocess's own rusage
(os.wait4), so the lab servers' CPU is not charged to the scanner; it is shown apart.
Also checks the issue's budget (key-exchange connections <= supported groups + 8 per endpoint)
and what each tool saw of one endpoint per configuration. Not part of the test suite:
run `.venv/bin/python bench/bench_scan.py [--endpoints 200]`. Writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab, LabEndpoint
from pqscan.lab.spec import spec_by_name
from pqscan.model.packed import unpack_report  # reports are written packed (compact-2)
from pqscan.model.view import probe_list

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "latest.json"
DEFAULT_MIX = ("hybrid-fallback", "hybrid-preferred", "mlkem1024-only", "classical", "tls12-only")
DEFAULT_SSLYZE = BENCH_DIR / ".venv-sslyze" / "bin" / "sslyze"
SSLYZE_FLAGS = ("--elliptic_curves", "--tlsv1_2", "--tlsv1_3")
# Issue 2: key exchange (groups.* and behaviour.* probes) costs at most supported groups + 8.
KEX_BUDGET_EXTRA = 8
KEX_PROBE_PREFIXES = ("groups.", "behaviour.")
PQ_FAMILIES = ("hybrid", "pure_pq")
# Client used by --client api: the engine without the click layer (same run_scan as the CLI).
_API_CLIENT = (
    "import sys\n"
    "from pqscan.scan.context import ScanOptions\n"
    "from pqscan.model.document import dump_json\n"
    "from pqscan.scan.run import run_scan\n"
    "from pqscan.scan.targets import read_target_file\n"
    "report = run_scan(read_target_file(sys.argv[1], None), ScanOptions(), int(sys.argv[3]))\n"
    "open(sys.argv[2], 'w').write(dump_json(report))\n"
)


@dataclass(frozen=True)
class Measurement:
    """One tool's run over all endpoints: wall time, client CPU (user+sys), lab server CPU."""

    tool: str
    endpoints: int
    wall_s: float
    cpu_s: float
    lab_cpu_s: float
    exit_code: int
    command: tuple[str, ...]
    peak_rss_mb: float = math.nan  # the client's peak resident set (VmHWM, see peak_rss_kb)
    sys_s: float = math.nan  # the kernel part of cpu_s (on loopback it includes TCP work
    # done for the server side in our system calls)

    @property
    def endpoints_per_s(self) -> float:
        """Throughput."""
        return self.endpoints / self.wall_s if self.wall_s > 0 else math.inf

    @property
    def cpu_per_endpoint(self) -> float:
        """Client CPU seconds per endpoint."""
        return self.cpu_s / self.endpoints if self.endpoints else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON view (rounded)."""
        return {
            "tool": self.tool, "endpoints": self.endpoints, "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3), "lab_server_cpu_s": round(self.lab_cpu_s, 3),
            "endpoints_per_s": round(self.endpoints_per_s, 3),
            "cpu_s_per_endpoint": round(self.cpu_per_endpoint, 5),
            # client + lab servers: what the scan costs the machine on the whole
            "total_cpu_s_per_endpoint": round((self.cpu_s + self.lab_cpu_s) / self.endpoints, 5)
            if self.endpoints else None,
            "exit_code": self.exit_code, "command": list(self.command),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


def _proc_cpu(pids: Sequence[int]) -> float:
    """CPU seconds (user+sys, all threads) of running processes, from /proc/PID/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime: proc(5) fields 14,15
    return total


def peak_rss_kb(pid: int) -> int:
    """The largest VmHWM (peak resident set of the process's own memory since its exec) of
    `pid` and its children, 0 when gone. Not ru_maxrss: Linux charges a child the high-water
    mark of the parent's memory it was forked (vforked) from before exec, so a benchmark that
    once held a big report made every later tool it started look that big (issue 12: the
    "481 MB" 10k run was the benchmark's own json.load of the previous 111 MB report)."""
    peak = 0
    for p in (pid, *_children(pid)):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def compile_like_an_install() -> None:
    """Byte-compile pqscan as `pip install` of a wheel does. An editable install has no .pyc
    and this machine sets PYTHONDONTWRITEBYTECODE=1, so without this every pqscan run would be
    charged for compiling its sources (~0.3 s of CPU per process start)."""
    compileall.compile_dir(str(PROJECT_ROOT / "pqscan"), quiet=1)


def measure(tool: str, argv: Sequence[str], endpoints: int, lab_pids: Sequence[int],
            log: Path, timeout: float) -> Measurement:
    """Run `argv`, wait with os.wait4 to get exactly that child's (and its children's) rusage;
    peak RSS is read from /proc every 20 ms while it runs (`peak_rss_kb`)."""
    lab0 = _proc_cpu(lab_pids)
    t0 = time.perf_counter()
    peak = 0
    with open(log, "wb") as out:
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
        deadline = time.monotonic() + timeout
        while True:
            peak = max(peak, peak_rss_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; keep Popen quiet
    return Measurement(tool, endpoints, wall, usage.ru_utime + usage.ru_stime,
                       _proc_cpu(lab_pids) - lab0, proc.returncode, tuple(argv),
                       (peak or usage.ru_maxrss) / 1024, usage.ru_stime)  # Linux: kilobytes


def pick_endpoints(lab: Lab, count: int) -> list[LabEndpoint]:
    """`count` endpoints interleaved across configurations, so every server process stays busy."""
    by_spec: dict[str, list[LabEndpoint]] = {}
    for ep in lab.endpoints:
        by_spec.setdefault(ep.spec.name, []).append(ep)
    columns = list(by_spec.values())
    ordered = [col[i] for i in range(max(map(len, columns))) for col in columns if i < len(col)]
    return ordered[:count]


def check_pqscan(report: dict[str, Any], endpoints: list[LabEndpoint]) -> dict[str, Any]:
    """Connections per endpoint, the key-exchange budget and agreement with the lab's truth."""
    spec_of = {ep.address: ep.spec for ep in endpoints}
    connections: list[int] = []
    violations: list[str] = []
    problems: list[str] = []
    for ep in report["endpoints"]:
        spec = spec_of[ep["target"]]
        if ep["status"] != "ok":
            problems.append(f"{ep['target']} ({spec.name}): {ep['status']}: {ep['error']}")
            continue
        probes = [p["name"] for p in probe_list(ep)]
        connections.append(len(probes))
        groups = ep["tls"]["groups"]
        supported = sorted(g for g, v in groups.items() if v["status"] == "supported")
        kex = sum(1 for p in probes if p.startswith(KEX_PROBE_PREFIXES))
        if kex > len(supported) + KEX_BUDGET_EXTRA:
            violations.append(f"{ep['target']} ({spec.name}): {kex} key-exchange connections > "
                              f"{len(supported)} supported groups + {KEX_BUDGET_EXTRA}")
        if supported != sorted(spec.expected.groups):
            problems.append(f"{ep['target']} ({spec.name}): groups {supported}, lab expects "
                            f"{sorted(spec.expected.groups)}")
        if ep["tls"]["kex_state"] != spec.expected.kex_state:
            problems.append(f"{ep['target']} ({spec.name}): {ep['tls']['kex_state']}, lab "
                            f"expects {spec.expected.kex_state}")
    return {
        "connections_total": sum(connections),
        "connections_per_endpoint": round(sum(connections) / len(connections), 2)
        if connections else None,
        "connections_max": max(connections, default=None),
        "budget_violations": violations,
        "mismatches": problems,
    }


def pqscan_view(ep: dict[str, Any]) -> dict[str, Any]:
    """What pqscan saw of one endpoint: TLS 1.3 groups (PQ ones apart), TLS 1.2 curves, K-state."""
    if ep["status"] != "ok":
        return {"status": ep["status"], "error": ep["error"]}
    tls = ep["tls"]
    groups = {g: v for g, v in tls["groups"].items() if v["status"] == "supported"}
    return {
        "status": "ok", "kex_state": tls["kex_state"], "tls13_groups": sorted(groups),
        "pq_groups": sorted(g for g, v in groups.items() if v["family"] in PQ_FAMILIES),
        "tls12_curves": sorted(c for c, s in tls["tls12"]["ecdhe_curves"].items()
                               if s == "supported") if tls.get("tls12") else [],
        "connections": len(probe_list(ep)),
        "kex_connections": sum(1 for p in probe_list(ep)
                               if p["name"].startswith(KEX_PROBE_PREFIXES)),
        "kex_budget": len(groups) + KEX_BUDGET_EXTRA,
    }


def sslyze_views(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What sslyze saw, per "127.0.0.1:PORT": its supported curves or why it could not scan."""
    views: dict[str, dict[str, Any]] = {}
    for server in data.get("server_scan_results", []):
        loc = server["server_location"]
        key = f"{loc.get('ip_address') or loc['hostname']}:{loc['port']}"
        if server.get("connectivity_status") != "COMPLETED":
            trace = (server.get("connectivity_error_trace") or "").strip().splitlines()
            last = trace[-1] if trace else "no trace"
            # keep the reason, drop the exception class and address sslyze prefixes it with
            views[key] = {"status": "not scanned",
                          "error": last.rpartition("->")[2].strip(' ."') or last}
            continue
        attempt = (server.get("scan_result") or {}).get("elliptic_curves") or {}
        result = attempt.get("result") or {}
        curves = sorted(c["name"] for c in result.get("supported_curves") or [])
        views[key] = {
            "status": attempt.get("status", "?").lower(), "curves": curves,
            "pq_groups": [c for c in curves if "MLKEM" in c.upper() or "KYBER" in c.upper()],
            "ecdh": result.get("supports_ecdh_key_exchange"),
        }
    return views


def sslyze_command(sslyze: str | None) -> tuple[str | None, str]:
    """The sslyze executable and its version, or (None, why not)."""
    path = sslyze or (str(DEFAULT_SSLYZE) if DEFAULT_SSLYZE.exists() else shutil.which("sslyze"))
    if not path or not Path(path).exists():
        return None, ("sslyze not installed (python3 -m venv bench/.venv-sslyze && "
                      "bench/.venv-sslyze/bin/pip install sslyze)")
    probe = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=60)
    line = next((ln for ln in probe.stdout.splitlines() if ln.startswith("SSLyze version")), "")
    return path, line.removeprefix("SSLyze version ").strip() or "unknown version"


def _table(rows: list[Measurement], base: Measurement | None) -> str:
    out = []
    for m in rows:
        ratio = m.endpoints_per_s / base.endpoints_per_s if base else None
        out.append((m.tool, m.endpoints, f"{m.wall_s:.2f}", f"{m.endpoints_per_s:.1f}",
                    f"{m.cpu_per_endpoint:.4f}", f"{m.lab_cpu_s:.1f}",
                    f"{ratio:.2f}x" if ratio is not None else "-", m.exit_code))
    return tabulate(out, headers=("tool", "endpoints", "wall s", "endpoints/s", "CPU s/endpoint",
                                  "lab server CPU s", "throughput vs sslyze", "exit"))


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/bench_scan.py", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoints", type=int, default=200, help="lab endpoints (default 200)")
    parser.add_argument("--mix", default=",".join(DEFAULT_MIX),
                        help="comma-separated lab configurations (DEFAULT_LAB names)")
    parser.add_argument("--concurrency", type=int, default=64, help="pqscan --concurrency")
    parser.add_argument("--client", choices=("cli", "api"), default="cli",
                        help="cli: `pqscan scan -i FILE --format json`; api: run_scan() directly")
    parser.add_argument("--sslyze", help="sslyze executable (default bench/.venv-sslyze)")
    parser.add_argument("--no-sslyze", action="store_true", help="skip the sslyze run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per tool, alternating; the median by wall time is reported")
    parser.add_argument("--timeout", type=float, default=1800, help="per-tool time limit, s")
    parser.add_argument("--cprofile", action="store_true",
                        help="also run the pqscan client under cProfile (bench/results/*.prof)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if min(args.endpoints, args.concurrency, args.repeat) < 1:
        parser.error("--endpoints, --concurrency and --repeat must be positive")
    try:
        args.specs = spec_by_name(DEFAULT_LAB, [n.strip() for n in args.mix.split(",")
                                                if n.strip()])
    except ValueError as exc:
        parser.error(f"--mix: {exc}")
    if not args.specs:
        parser.error("--mix: no configuration named")
    return args


def _pqscan_argv(client: str, work: Path, targets: Path, out: Path, concurrency: int,
                 prefix: Sequence[str] = ()) -> list[str]:
    # A script file, not `-c`: `python -m cProfile` only runs files.
    script = work / f"pqscan_{client}_client.py"
    if client == "api":
        script.write_text(_API_CLIENT)
        return [sys.executable, *prefix, str(script), str(targets), str(out), str(concurrency)]
    script.write_text(  # guarded: --workers spawns may import __main__ again
        'from pqscan.cli.main import main\n\nif __name__ == "__main__":\n    main()\n')
    return [sys.executable, *prefix, str(script), "scan", "-i", str(targets), "--format", "json",
            "-o", str(out), "--concurrency", str(concurrency)]


def _brief(m: Measurement) -> dict[str, Any]:
    return {k: v for k, v in m.to_dict().items() if k not in ("command", "tool", "endpoints")}


def _median(runs: list[Measurement]) -> Measurement:
    # The machine is shared: the median run by wall time is the figure, all runs are kept.
    return sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2]


def _run_tools(args: argparse.Namespace, lab: Lab, endpoints: list[LabEndpoint], work: Path,
               sslyze: str | None) -> dict[str, Any]:
    """Alternate pqscan and sslyze `--repeat` times; keep the last report of each."""
    targets = work / "targets.txt"
    targets.write_text("".join(f"{ep.address}\n" for ep in endpoints))
    out: dict[str, Any] = {"pqscan_runs": [], "sslyze_runs": [], "report": None,
                           "sslyze_data": {}, "pqscan_log": ""}
    for _ in range(args.repeat):
        report_path = work / "pqscan.json"
        report_path.unlink(missing_ok=True)
        out["pqscan_runs"].append(measure(
            "pqscan", _pqscan_argv(args.client, work, targets, report_path, args.concurrency),
            len(endpoints), lab.pids, work / "pqscan.log", args.timeout))
        out["pqscan_log"] = (work / "pqscan.log").read_text(errors="replace").strip()
        out["report"] = (unpack_report(json.loads(report_path.read_text()))
                         if report_path.exists() else None)
        if sslyze is not None:
            sl_json = work / "sslyze.json"
            sl_json.unlink(missing_ok=True)
            out["sslyze_runs"].append(measure(
                "sslyze", [sslyze, *SSLYZE_FLAGS, "--quiet", "--targets_in", str(targets),
                           "--json_out", str(sl_json)],
                len(endpoints), lab.pids, work / "sslyze.log", args.timeout))
            out["sslyze_data"] = json.loads(sl_json.read_text()) if sl_json.exists() else {}
    if args.cprofile:
        prof = args.output.parent / "pqscan-client.prof"
        prof.parent.mkdir(parents=True, exist_ok=True)
        measure("pqscan (cProfile)", _pqscan_argv(
            args.client, work, targets, work / "prof.json", args.concurrency,
            ["-m", "cProfile", "-o", str(prof)]), len(endpoints), lab.pids,
            work / "prof.log", args.timeout)
        print(f"cProfile of the pqscan client written to {prof}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when it completed, 1 when a tool failed or a check did not hold."""
    args = _parse(argv)
    compile_like_an_install()
    sslyze, sslyze_version = (None, "skipped (--no-sslyze)") if args.no_sslyze \
        else sslyze_command(args.sslyze)
    copies = math.ceil(args.endpoints / len(args.specs))
    work = Path(tempfile.mkdtemp(prefix="pqscan-bench-"))
    t0 = time.perf_counter()
    with Lab(args.specs, work / "lab", copies=copies) as lab:
        endpoints = pick_endpoints(lab, args.endpoints)
        print(f"lab: {len(lab.endpoints)} endpoints from {len(lab.pids)} server processes "
              f"({', '.join(s.name for s in args.specs)}) up in {time.perf_counter() - t0:.1f}s; "
              f"scanning {len(endpoints)}, {args.repeat} run(s) per tool")
        runs = _run_tools(args, lab, endpoints, work, sslyze)
    shutil.rmtree(work, ignore_errors=True)
    pq = _median(runs["pqscan_runs"])
    sl = _median(runs["sslyze_runs"]) if runs["sslyze_runs"] else None
    report = runs["report"]
    ok = all(m.exit_code == 0 for m in runs["pqscan_runs"] + runs["sslyze_runs"])
    checks: dict[str, Any] = {}
    if report is None:
        ok = False
        print(f"pqscan produced no report (exit {pq.exit_code}): {runs['pqscan_log'][-500:]}")
    else:
        checks = check_pqscan(report, endpoints)
        print(f"pqscan: {checks['connections_per_endpoint']} connections per endpoint "
              f"(max {checks['connections_max']}); key-exchange budget (supported groups + "
              f"{KEX_BUDGET_EXTRA}): {len(checks['budget_violations'])} violation(s); "
              f"{len(checks['mismatches'])} disagreement(s) with the lab's expected results")
        for line in checks["budget_violations"] + checks["mismatches"]:
            print(f"  {line}")
        ok = ok and not checks["budget_violations"] and not checks["mismatches"]
    sviews = sslyze_views(runs["sslyze_data"])
    seen = _seen(args, endpoints, report, sviews, sslyze_version if sslyze is None else None)
    if sl is not None:
        print(f"\nsslyze {sslyze_version}: {Counter(v['status'] for v in sviews.values())}")
    else:
        print(f"\nsslyze: {sslyze_version}")
    print()
    print(_table([pq] + ([sl] if sl else []), sl))
    ratio = pq.endpoints_per_s / sl.endpoints_per_s if sl else None
    if sl is not None and ratio is not None:
        print(f"\npqscan throughput = {ratio:.2f}x sslyze (target >= 3x: "
              f"{'met' if ratio >= 3 else 'NOT met'}); CPU per endpoint = "
              f"{sl.cpu_per_endpoint / pq.cpu_per_endpoint:.2f}x less than sslyze")
    result = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["bench/bench_scan.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "lab": {"configurations": [s.name for s in args.specs], "endpoints": len(endpoints),
                "server_processes": len(args.specs)},
        "repeat": args.repeat,
        "pqscan": {**pq.to_dict(), "client": args.client, "concurrency": args.concurrency,
                   "runs": [_brief(m) for m in runs["pqscan_runs"]], **checks},
        "sslyze": {**sl.to_dict(), "version": sslyze_version, "flags": list(SSLYZE_FLAGS),
                   "endpoints_scanned": sum(v["status"] == "completed" for v in sviews.values()),
                   "runs": [_brief(m) for m in runs["sslyze_runs"]]}
        if sl else {"skipped": sslyze_version},
        "throughput_ratio": round(ratio, 2) if ratio is not None else None,
        "target_3x_met": ratio >= 3 if ratio is not None else None,
        "seen": seen,
        "complete": ok,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten {args.output}")
    return 0 if ok else 1


def _seen(args: argparse.Namespace, endpoints: list[LabEndpoint], report: dict[str, Any] | None,
          sviews: dict[str, dict[str, Any]], sslyze_missing: str | None) -> list[dict[str, Any]]:
    """Print and return what each tool saw of the first endpoint of every configuration."""
    seen = []
    by_target = {ep["target"]: ep for ep in (report or {}).get("endpoints", [])}
    for spec in args.specs:
        ep = next(e for e in endpoints if e.spec.name == spec.name)
        pv = pqscan_view(by_target[ep.address]) if ep.address in by_target else {}
        sv = sviews.get(ep.address, {"status": sslyze_missing or "no result"})
        seen.append({"config": spec.name, "endpoint": ep.address, "pqscan": pv, "sslyze": sv})
    print("\nwhat each tool saw (one endpoint per configuration):")
    print(tabulate([(s["config"], f"{s['pqscan'].get('kex_connections', '-')}/"
                     f"{s['pqscan'].get('kex_budget', '-')}",
                     ", ".join(s["pqscan"].get("tls13_groups", [])) or "-",
                     ", ".join(s["pqscan"].get("pq_groups", [])) or "-",
                     ", ".join(s["sslyze"].get("curves", [])) or s["sslyze"].get("error")
                     or s["sslyze"]["status"],
                     ", ".join(s["sslyze"].get("pq_groups", [])) or "-") for s in seen],
                   headers=("config", "pqscan kex conns/budget", "pqscan TLS 1.3 groups",
                            "pqscan PQ", "sslyze curves", "sslyze PQ")))
    return seen


if __name__ == "__main__":
    sys.exit(main())
