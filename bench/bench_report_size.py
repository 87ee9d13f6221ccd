"""Bytes per endpoint of the streamed report, packed (`report_form: "compact-2"`, what `pqscan
scan` writes) and unpacked (the session-5 compact form the readers see), on real servers:
Debian nginx (ECDSA P-256 and RSA 2048, its defaults; bench/nginx_farm.py) and the default
lab (`pqscan.lab`). Each server is scanned once per depth with `pqscan scan ADDR --sni
localhost --format jsonl --quiet` (default profile pq-baseline, `--probes summary`); a line's
length is the size. Also times packing and unpacking each line (CPU per endpoint; noisy on a
shared machine). Loopback only. Not part of the test suite.

    .venv/bin/python bench/bench_report_size.py [--depths standard,quick] [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nginx_farm import NginxFarm

from pqscan.lab import DEFAULT_LAB, Lab
from pqscan.model.packed import pack_endpoint, unpack_endpoint

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 12 * 1024


def _line(address: str, depth: str) -> str:
    out = subprocess.run([str(ROOT / ".venv/bin/pqscan"), "scan", address, "--sni",
                          "localhost", "--format", "jsonl", "--quiet", "--depth", depth],
                         capture_output=True, text=True, check=False).stdout
    return out.strip()


def _parts(endpoint: dict[str, object]) -> str:
    sizes = {k: len(json.dumps(v, separators=(",", ":"))) for k, v in endpoint.items()}
    top = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    return ", ".join(f"{k} {v / 1024:.1f}" for k, v in top)


def _micros(line: str, repeat: int) -> tuple[float, float]:
    endpoint = unpack_endpoint(json.loads(line))
    start = time.process_time()
    for _ in range(repeat):
        json.dumps(pack_endpoint(endpoint), separators=(",", ":"))
    packed = (time.process_time() - start) / repeat * 1e6
    start = time.process_time()
    for _ in range(repeat):
        unpack_endpoint(json.loads(line))
    unpacked = (time.process_time() - start) / repeat * 1e6
    return packed, unpacked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", default="standard,quick")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, NginxFarm(Path(tmp) / "farm", 1) as farm, \
            Lab(DEFAULT_LAB) as lab:
        servers = [(f"nginx {g}", a) for g, a in farm.targets]
        servers += [(f"lab {e.name}", e.address) for e in lab.endpoints]
        for depth in args.depths.split(","):
            for name, address in servers:
                line = _line(address, depth)
                if not line:
                    rows.append((name, depth, "no output", "", "", ""))
                    continue
                full = json.dumps(unpack_endpoint(json.loads(line)), separators=(",", ":"))
                pack_us, unpack_us = _micros(line, args.repeat)
                rows.append((name, depth, f"{len(full) / 1024:.1f}", f"{len(line) / 1024:.1f}"
                             + (" (> 12 KB)" if len(line) > LIMIT else ""),
                             f"{pack_us:.0f} / {unpack_us:.0f}",
                             _parts(json.loads(line))))
    print("| server | depth | unpacked KB | packed KB | pack+dumps / loads+unpack µs | "
          "largest parts packed (KB) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
