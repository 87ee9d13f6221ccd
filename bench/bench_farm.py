"""Benchmark (issue 13): pqscan against sslyze on an nginx farm plus the PQ lab, repeated.

Runs everything inside a network namespace it creates (`ip netns add pqbench-PID`, loopback
only), so traffic stays there and the kernel's TCP counters (/proc/net/snmp PassiveOpens) count
exactly the connections each tool made.  Starts a Debian nginx serving `--farm` ports (half
ECDSA P-256, half RSA 2048) and the PQ lab (`--lab` endpoints), then alternates pqscan,
sslyze with `--elliptic_curves --tlsv1_2 --tlsv1_3 --certinfo` and sslyze's default full scan
`--repeat` times.  Prints min/median/max of endpoints/s, client CPU per endpoint and per
connection, server CPU per endpoint, connections per endpoint and peak RSS, with the load
average.  `--latency MS` puts a delay relay (delay_relay.py) of MS each way in front of every
endpoint, inside the namespace (the kernel has no sch_netem).  Writes bench/results/farm-*.json.
Not part of the test suite; needs root (ip netns).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_scan import (
    check_pqscan,
    compile_like_an_install,
    measure,
    pick_endpoints,
    sslyze_command,
)
from nginx_farm import NginxFarm
from tabulate import tabulate

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.lab.spec import spec_by_name
from pqscan.model.packed import unpack_report  # reports are written packed (compact-2)
from pqscan.model.view import probe_list

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_MIX = ("hybrid-fallback", "hybrid-preferred", "mlkem1024-only", "classical", "tls12-only")
SSLYZE4 = ("--elliptic_curves", "--tlsv1_2", "--tlsv1_3", "--certinfo")
IN_NS = "PQSCAN_BENCH_NETNS"
RELAY_HOST = "127.0.0.2"  # the delay relay listens here, the servers on 127.0.0.1


def _tcp_opens() -> int:
    """PassiveOpens of this network namespace (RFC 4022 tcpPassiveOpens)."""
    lines = [ln.split() for ln in Path("/proc/net/snmp").read_text().splitlines()
             if ln.startswith("Tcp:")]
    return int(lines[1][lines[0].index("PassiveOpens")])


def _in_namespace(argv: Sequence[str]) -> int:
    """Re-run this script inside a fresh network namespace; delete the namespace after."""
    ns = f"pqbench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        env = {**os.environ, IN_NS: ns}
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, *argv],
                              env=env, check=False).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def _load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/bench_farm.py", description=__doc__.split("\n")[0])
    p.add_argument("--farm", type=int, default=200, help="nginx endpoints (half ECDSA, half RSA)")
    p.add_argument("--lab", type=int, default=50, help="PQ lab endpoints (0: none)")
    p.add_argument("--mix", default=",".join(DEFAULT_MIX), help="lab configurations")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--pqscan-args", default="", help="extra pqscan scan arguments")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=ARGS",
                   help="also run pqscan with these arguments as tool 'pqscan-LABEL' "
                   "(repeatable), e.g. c1024='--fixed-concurrency --concurrency 1024'")
    p.add_argument("--tools", default="pqscan,sslyze4,sslyze-full",
                   help="which of pqscan,sslyze4,sslyze-full to run")
    p.add_argument("--latency", type=float, default=0.0,
                   help="ms of delay each way through a relay (0: none)")
    p.add_argument("--nginx-workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=1800, help="per-run time limit, s")
    p.add_argument("--cprofile", action="store_true",
                   help="also run pqscan once under cProfile (--workers 1) and write the top "
                   "functions to results/farm-profile.txt")
    p.add_argument("--output", type=Path)
    p.add_argument("--keep-report", type=Path, help="copy pqscan's last report here")
    args = p.parse_args(argv)
    args.specs = spec_by_name(DEFAULT_LAB, [n.strip() for n in args.mix.split(",") if n.strip()])
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.variants = {}
    for v in args.variant:
        label, _, extra = v.partition("=")
        args.variants[f"pqscan-{label.strip()}"] = extra
    args.tools[1:1] = list(args.variants)  # right after pqscan, before the sslyze runs
    if args.output is None:
        suffix = f"-latency{args.latency:g}ms" if args.latency else ""
        args.output = BENCH_DIR / "results" / f"farm{suffix}-latest.json"
    return args


def _argv(tool: str, work: Path, targets: Path, out: Path, args: argparse.Namespace,
          sslyze: str | None) -> list[str]:
    if tool.startswith("pqscan"):
        extra = args.variants.get(tool, args.pqscan_args)
        script = work / "pqscan_cli.py"
        script.write_text(  # guarded: --workers spawns may import __main__ again
            'from pqscan.cli.main import main\n\nif __name__ == "__main__":\n    main()\n')
        return [sys.executable, str(script), "scan", "-i", str(targets), "--format", "json",
                "-o", str(out), *shlex.split(extra)]
    flags = SSLYZE4 if tool == "sslyze4" else ()
    return [str(sslyze), *flags, "--quiet", "--targets_in", str(targets), "--json_out", str(out)]


def _pqscan_facts(report: dict[str, Any], kinds: dict[str, str], lab_eps: list[Any]
                  ) -> dict[str, Any]:
    """Connections per endpoint by kind (from the report) and the lab truth check."""
    per_kind: dict[str, list[int]] = defaultdict(list)
    round_trips: dict[str, list[int]] = defaultdict(list)  # critical path (bench_connections)
    not_ok = []
    for ep in report["endpoints"]:
        if ep["status"] != "ok":
            not_ok.append(f"{ep['target']}: {ep['status']}: {ep.get('error')}")
            continue
        per_kind[kinds.get(ep["target"], "?")].append(len(probe_list(ep)))
        round_trips[kinds.get(ep["target"], "?")].append(ep.get("round_trips") or 0)
    lab_targets = {e.address for e in lab_eps}
    lab_report = {"endpoints": [e for e in report["endpoints"] if e["target"] in lab_targets]}
    truth = check_pqscan(lab_report, lab_eps) if lab_eps else {"mismatches": []}
    return {"connections_per_endpoint_by_kind": {k: round(statistics.mean(v), 2)
                                                 for k, v in sorted(per_kind.items())},
            "round_trips_per_endpoint_by_kind": {k: max(v) for k, v in sorted(round_trips.items())},
            "not_ok": not_ok, "lab_mismatches": truth["mismatches"]}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("endpoints_per_s", "client_cpu_ms_per_endpoint", "client_cpu_ms_per_connection",
            "client_sys_ms_per_connection",
            "server_cpu_ms_per_endpoint", "connections_per_endpoint", "peak_rss_mb")
    return {k: {"min": round(min(r[k] for r in runs), 3),
                "median": round(statistics.median(r[k] for r in runs), 3),
                "max": round(max(r[k] for r in runs), 3)} for k in keys}


PROFILE_DRIVER = """import cProfile, sys, time
from pqscan.cli.main import main
out = sys.argv.pop(1)
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    main()
finally:
    profile.disable()
    profile.dump_stats(out)
"""


def _profile(args: argparse.Namespace, work: Path, targets: Path) -> None:
    """One pqscan run under cProfile in one process; the top of the profile as text."""
    import io
    import pstats

    prof = BENCH_DIR / "results" / "pqscan-client.prof"  # git-ignored
    argv = _argv("pqscan", work, targets, work / "prof.json", args, None)
    # the process's CPU clock, not the wall clock: on a shared machine a system call would
    # otherwise be charged the time the process waited for a core
    driver = work / "profile_driver.py"
    driver.write_text(PROFILE_DRIVER)
    done = subprocess.run([argv[0], str(driver), str(prof), *argv[2:], "--workers", "1"],
                          check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode not in (0, 1):
        print(f"profiled run exited {done.returncode}: {done.stderr[-2000:]}")
    text = io.StringIO()
    stats = pstats.Stats(str(prof), stream=text)
    text.write(_by_area(stats))
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    out = BENCH_DIR / "results" / "farm-profile.txt"
    out.write_text(f"# {' '.join(sys.argv)}\n# load {_load()}\n"
                   + text.getvalue().replace(str(work), "WORK"))
    print(f"cProfile summary written to {out}")


def _by_area(stats: Any) -> str:
    """Own time summed by where the code lives: pqscan modules, asyncio, system calls, the
    rest, so the profile says where the time goes at a glance."""
    areas: dict[str, float] = defaultdict(float)
    for (path, _line, func), row in stats.stats.items():
        own = row[2]
        if "/pqscan/" in path:
            area = "pqscan/" + path.split("/pqscan/", 1)[1]
        elif "/asyncio/" in path or "selectors.py" in path:
            area = "asyncio (event loop, transports)"
        elif path == "~" and ("socket" in func or "epoll" in func):
            area = "system calls (socket, epoll)"
        elif path == "~":
            area = f"builtin {func}"
        else:
            area = "/".join(path.split("/")[-2:])
        areas[area] += own
    total = sum(areas.values()) or 1.0
    rows = sorted(areas.items(), key=lambda kv: -kv[1])[:40]
    lines = [f"{100 * t / total:5.1f} %  {t:7.3f} s  {area}" for area, t in rows]
    return "Own CPU time by area (cProfile on the process's CPU clock):\n" \
        + "\n".join(lines) + "\n\n"


def _run(args: argparse.Namespace) -> int:
    sslyze, sslyze_version = sslyze_command(None)
    tools = [t for t in args.tools if t.startswith("pqscan") or sslyze is not None]
    work = Path(tempfile.mkdtemp(prefix="pqscan-farm-"))
    kinds: dict[str, str] = {}
    relay = None
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    facts: dict[str, Any] = {}
    load_before = _load()
    farm = NginxFarm(work / "nginx", args.farm // 2, args.nginx_workers).start()
    lab = Lab(args.specs, work / "lab", copies=max(1, -(-args.lab // len(args.specs)))) \
        if args.lab else None
    try:
        if lab is not None:
            lab.start()
        lab_eps = pick_endpoints(lab, args.lab) if lab is not None else []
        addrs = [(k, t) for k, t in farm.targets] + [(e.spec.name, e.address) for e in lab_eps]
        server_pids = farm.pids + (list(lab.pids) if lab is not None else [])
        if args.latency:
            ports = [t.rsplit(":", 1)[1] for _, t in addrs]
            ready = work / "relay.ready"
            relay = subprocess.Popen([sys.executable, str(BENCH_DIR / "delay_relay.py"),
                                      str(args.latency / 1000), RELAY_HOST, "127.0.0.1",
                                      str(ready), *ports])
            while not ready.exists():
                if relay.poll() is not None:
                    raise RuntimeError("delay relay exited")
                time.sleep(0.05)
            server_pids.append(relay.pid)
            addrs = [(k, t.replace("127.0.0.1", RELAY_HOST)) for k, t in addrs]
            lab_eps = []  # truth check by address is skipped through the relay
        kinds = {t: k for k, t in addrs}
        targets = work / "targets.txt"
        targets.write_text("".join(f"{t}\n" for _, t in addrs))
        n = len(addrs)
        print(f"namespace {os.environ.get(IN_NS)}: {args.farm} nginx + {len(addrs) - args.farm} "
              f"lab endpoints; latency {args.latency:g} ms each way; load {load_before}; "
              f"tools {tools}; sslyze {sslyze_version}")
        for rep in range(args.repeat):
            for tool in tools:
                out = work / f"{tool}.json"
                out.unlink(missing_ok=True)
                opens0 = _tcp_opens()
                m = measure(tool, _argv(tool, work, targets, out, args, sslyze), n,
                            server_pids, work / f"{tool}.log", args.timeout)
                conns = (_tcp_opens() - opens0) / (2 if relay else 1)  # relay doubles accepts
                run: dict[str, Any] = {
                       "repeat": rep + 1, "exit_code": m.exit_code, "wall_s": round(m.wall_s, 3),
                       "endpoints_per_s": m.endpoints_per_s,
                       "client_cpu_ms_per_endpoint": 1000 * m.cpu_s / n,
                       "client_cpu_ms_per_connection": 1000 * m.cpu_s / max(conns, 1),
                       "client_sys_ms_per_connection": 1000 * m.sys_s / max(conns, 1),
                       "server_cpu_ms_per_endpoint": 1000 * m.lab_cpu_s / n,
                       "connections_per_endpoint": conns / n, "peak_rss_mb": m.peak_rss_mb,
                       "load": _load()}
                load1 = run["load"][0]
                runs[tool].append(run)
                print(f"  run {rep + 1} {tool}: {run['wall_s']} s, "
                      f"{run['endpoints_per_s']:.1f} endpoints/s, {conns / n:.1f} conn/endpoint, "
                      f"exit {m.exit_code}, load {load1}")
                if tool == "pqscan" and out.exists():
                    facts = _pqscan_facts(unpack_report(json.loads(out.read_text())), kinds,
                                          lab_eps)
                    if args.keep_report:
                        shutil.copy(out, args.keep_report)
        if args.cprofile:
            _profile(args, work, targets)
    finally:
        if relay is not None:
            relay.terminate()
            relay.wait(timeout=10)
        if lab is not None:
            lab.stop()
        farm.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = {t: _summary(r) for t, r in runs.items() if r}
    rows = []
    for t, s in summary.items():
        rows.append((t, *("/".join(f"{s[k][x]:.{d}f}" for x in ("min", "median", "max"))
                          for k, d in (("endpoints_per_s", 1), ("client_cpu_ms_per_endpoint", 1),
                                       ("client_cpu_ms_per_connection", 3),
                                       ("client_sys_ms_per_connection", 3),
                                       ("server_cpu_ms_per_endpoint", 1),
                                       ("connections_per_endpoint", 1), ("peak_rss_mb", 0)))))
    print()
    print(tabulate(rows, headers=("tool (min/median/max)", "endpoints/s", "client CPU ms/ep",
                                  "client CPU ms/conn", "of which sys", "server CPU ms/ep",
                                  "conn/ep", "peak RSS MB")))
    if "pqscan" in summary and "sslyze4" in summary:
        ratio = summary["pqscan"]["endpoints_per_s"]["median"] / \
            summary["sslyze4"]["endpoints_per_s"]["median"]
        print(f"\npqscan / sslyze 4-flag throughput (medians): {ratio:.2f}x")
    variants = [t for t in summary if t.startswith("pqscan-")]
    if "pqscan" in summary and variants:
        best = max(variants, key=lambda t: summary[t]["endpoints_per_s"]["median"])
        share = summary["pqscan"]["endpoints_per_s"]["median"] / \
            summary[best]["endpoints_per_s"]["median"]
        print(f"pqscan defaults / best variant ({best}: {args.variants[best]}) "
              f"throughput (medians): {share:.2f}")
    if facts:
        print(f"pqscan connections per endpoint by kind: "
              f"{facts['connections_per_endpoint_by_kind']}; critical-path round trips "
              f"(max) by kind: {facts['round_trips_per_endpoint_by_kind']}; "
              f"not ok: {len(facts['not_ok'])}; "
              f"lab truth mismatches: {len(facts['lab_mismatches'])}")
        for line in facts["not_ok"][:10] + facts["lab_mismatches"]:
            print(f"  {line}")
    ok = all(r["exit_code"] in (0, 1) for t in runs if t.startswith("pqscan")
             for r in runs[t]) \
        and not facts.get("lab_mismatches") and not facts.get("not_ok")
    result = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["bench/bench_farm.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": load_before, "load_after": _load(), "shared": True},
        "farm": args.farm, "lab": len(addrs) - args.farm, "latency_ms_each_way": args.latency,
        "sslyze": sslyze_version, "repeat": args.repeat, "summary": summary, "runs": runs,
        "pqscan_args": args.pqscan_args, "variants": args.variants,
        "pqscan_facts": facts, "complete": ok,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {args.output}")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not os.environ.get(IN_NS):
        return _in_namespace(argv)
    compile_like_an_install()
    return _run(_parse(argv))


if __name__ == "__main__":
    sys.exit(main())
