"""`pqscan stats` over real lab scans: a population of known composition, and two runs of the
same endpoints where a known set changed configuration.

Expected counts come from the lab's configuration (pqscan.lab.defaults `Expected`), never from
the scan: the scan must find them.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pqscan.cli.main import cli
from pqscan.lab import DEFAULT_LAB, LabEndpoint
from pqscan.lab.spec import ServerSpec
from pqscan.registry.tls import GroupFamily
from pqscan.registry.tls import group as registry_group
from pqscan.scan.context import ScanOptions
from pqscan.scan.run import run_scan
from pqscan.scan.store import ScanStore
from pqscan.scan.targets import parse_target
from pqscan.stats.intervals import newcombe, newcombe_paired, wilson

PQ_KEYS = ("ML-DSA", "SLH-DSA")


def _family(name: str) -> GroupFamily:
    return registry_group(name).family


def truth(spec: ServerSpec) -> dict[str, bool]:
    """Which shares a lab server is in, from its configuration."""
    e = spec.expected
    leaves = [e.chain_algorithms[0]] + ([e.classical_chain_algorithms[0]]
                                        if e.classical_chain_algorithms else [])
    out = {f"kex.{k}": e.kex_state == k for k in ("K0", "K1", "K2", "K3", "K4", "K5")}
    out.update({
        "tls13": "TLSv1.3" in e.supported_versions,
        "hybrid_mlkem.offered": any(_family(g) == GroupFamily.HYBRID for g in e.groups),
        "hybrid_mlkem.browser": bool(e.browser_like)
        and _family(e.browser_like) == GroupFamily.HYBRID,
        "pq.preferred": bool(e.x25519_share_first)
        and registry_group(e.x25519_share_first).is_pq,
        "pure_mlkem": any(_family(g) == GroupFamily.PURE_PQ for g in e.groups),
        "pq.authentication": any(leaf.startswith(PQ_KEYS) for leaf in leaves),
        "chain.quantum_vulnerable": any(not a.startswith(PQ_KEYS) for a in e.chain_algorithms),
        "kyber_drafts": any(_family(g) == GroupFamily.PRE_STANDARD for g in e.groups),
    })
    return out


def _shares(group: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in group["shares"]}


def _stats(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["stats", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.lab
def test_shares_of_the_lab_population(lab_report: dict[str, Any], tmp_path: Path) -> None:
    report = tmp_path / "lab.json"
    report.write_text(json.dumps(lab_report))
    meta = tmp_path / "meta.csv"
    # sector: PQ-configured servers "energy", the others "health"; one server left out
    names = [spec.name for spec in DEFAULT_LAB]
    rows = ["target,sector,owner"]
    for ep in lab_report["endpoints"][:-1]:
        spec = DEFAULT_LAB[names.index(ep["label"])]
        sector = "energy" if truth(spec)["hybrid_mlkem.offered"] else "health"
        rows.append(f"{ep['target']},{sector},{spec.implementation}")
    meta.write_text("\n".join(rows) + "\n")
    out = _stats([str(report), "--metadata", str(meta), "--by", "sector"])
    run = out["runs"][0]
    groups = {(g["by"], g["value"]): g for g in run["groups"]}
    assert set(groups) == {(None, "all"), ("sector", "energy"), ("sector", "health"),
                           ("sector", "(none)")}
    overall = groups[(None, "all")]
    assert overall["population"] == {"endpoints": len(DEFAULT_LAB), "ok": len(DEFAULT_LAB),
                                     "unreachable": 0, "error": 0, "malformed": 0}
    expected = {name: truth(spec) for name, spec in zip(names, DEFAULT_LAB, strict=True)}
    for share_id, share in _shares(overall).items():
        count = sum(t[share_id] for t in expected.values())
        assert (share["count"], share["n"], share["excluded"]) == (count, len(names), 0), share_id
        interval = wilson(count, len(names))
        assert (share["low"], share["high"]) == (round(interval.low, 6), round(interval.high, 6))
    # the breakdown partitions the population, each group counted from its own members
    sector = {ep["label"]: ("energy" if truth(DEFAULT_LAB[names.index(ep["label"])])
                            ["hybrid_mlkem.offered"] else "health")
              for ep in lab_report["endpoints"][:-1]}
    sector[lab_report["endpoints"][-1]["label"]] = "(none)"
    for value in ("energy", "health", "(none)"):
        members = [n for n in names if sector[n] == value]
        group = groups[("sector", value)]
        assert group["population"]["endpoints"] == len(members)
        for share_id, share in _shares(group).items():
            assert share["count"] == sum(expected[n][share_id] for n in members), (value, share_id)
            assert share["n"] == len(members)


class Relay:
    """A TCP relay on a fixed loopback port to a switchable backend: "the service at this
    address was reconfigured" between two scans, with real TLS servers behind it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.backend: int | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            backend = self.backend
            try:
                assert backend is not None
                upstream = socket.create_connection(("127.0.0.1", backend), timeout=5)
            except (AssertionError, OSError):
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        # shutdown wakes the thread blocked in accept(); close alone would leave the kernel
        # socket listening until that accept returned
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


# endpoint -> (server in run A, server in run B); None in B: the service is gone
CHANGES = {
    "svc-a": ("classical", "hybrid-preferred"),      # K3 -> K1: adopted PQ, preferred
    "svc-b": ("hybrid-fallback", "hybrid-preferred"),  # K2 -> K1: now upgrades by HRR
    "svc-c": ("tls12-only", "classical"),             # K5 -> K3: got TLS 1.3
    "svc-d": ("hybrid-preferred", "hybrid-preferred"),  # unchanged
    "svc-e": ("dual-cert", "dual-cert"),              # unchanged
    "svc-f": ("mlkem1024-only", None),                # switched off: unreachable in B
}


def _scan(relays: dict[str, Relay], lab: dict[str, LabEndpoint], run: int,
          path: Path, store: Path) -> None:
    for name, servers in CHANGES.items():
        server = servers[run]
        if server is None:
            relays[name].close()
        else:
            relays[name].backend = lab[server].port
    targets = [parse_target(f"127.0.0.1:{relays[n].port}", "localhost") for n in CHANGES]
    with ScanStore(store) as db:  # the same scan also lands in a store, one run each
        report = run_scan(targets, ScanOptions(timeout=3, retries=0), 16, store=db)
    path.write_text(json.dumps(report))


@pytest.mark.lab
def test_compare_two_runs_lists_the_endpoints_that_changed(
        lab: dict[str, LabEndpoint], relays: dict[str, Relay], tmp_path: Path) -> None:
    a, b, store = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "s.db"
    _scan(relays, lab, 0, a, store)
    _scan(relays, lab, 1, b, store)
    meta = tmp_path / "meta.toml"
    meta.write_text("".join(f'[[target]]\ntarget = "127.0.0.1:{relays[n].port}"\n'
                            f'owner = "{"ops" if n < "svc-d" else "dev"}"\n' for n in CHANGES))
    out = _stats([str(a), str(b), "--compare", "previous", "latest", "--metadata", str(meta),
                  "--by", "owner"])
    comparison = out["comparison"]
    by_port = {f"127.0.0.1:{relays[n].port} sni=localhost": n for n in CHANGES}
    moved = {by_port[m["endpoint"]]: m for m in comparison["moved"]}
    assert set(moved) == {"svc-a", "svc-b", "svc-c", "svc-f"}
    expected_truth = {name: truth(next(s for s in DEFAULT_LAB if s.name == server))
                      for name, (server, _) in CHANGES.items()}
    for name in ("svc-a", "svc-b", "svc-c"):
        before = expected_truth[name]
        after = truth(next(s for s in DEFAULT_LAB if s.name == CHANGES[name][1]))
        assert set(moved[name]["entered"]) == {k for k in after if after[k] and not before[k]}
        assert set(moved[name]["left"]) == {k for k in after if before[k] and not after[k]}
        assert moved[name]["status"] is None and moved[name]["unsettled"] == []
    assert moved["svc-f"]["status"] == "ok -> unreachable"
    assert moved["svc-f"]["entered"] == moved["svc-f"]["left"] == []
    # unreachable is counted apart, never as classical: B's shares have n = 5
    run_b = out["runs"][1]["groups"][0]
    assert run_b["population"]["unreachable"] == 1
    assert all(s["n"] == 5 for s in run_b["shares"])
    # every change carries Newcombe's interval for p_B - p_A
    changes = {(c["by"], c["value"], c["id"]): c for c in comparison["changes"]}
    tls13 = changes[(None, "all", "tls13")]
    assert (tls13["a"]["count"], tls13["a"]["n"], tls13["b"]["count"], tls13["b"]["n"]) == \
        (5, 6, 5, 5)
    expected = newcombe(5, 6, 5, 5)
    assert (tls13["low"], tls13["high"]) == (round(expected.low, 6), round(expected.high, 6))
    # paired: the 5 endpoints ok in both runs; svc-c entered TLS 1.3, the other 4 kept it
    paired = newcombe_paired(both=4, left=0, entered=1, neither=0)
    assert tls13["paired"] == {"n": 5, "both": 4, "left": 0, "entered": 1, "neither": 0,
                               "difference": 0.2, "low": round(paired.low, 6),
                               "high": round(paired.high, 6)}
    k1 = changes[("owner", "ops", "kex.K1")]
    assert (k1["a"]["count"], k1["b"]["count"]) == (0, 2)  # svc-a and svc-b moved to K1
    assert (k1["paired"]["entered"], k1["paired"]["left"], k1["paired"]["neither"]) == (2, 0, 1)
    assert ("owner", "dev", "kex.K1") in changes
    # the store holding both runs gives the same comparison (its runs, oldest first)
    from_store = _stats([str(store), "--compare", "previous", "latest", "--metadata", str(meta),
                         "--by", "owner"])
    assert [r["run_id"] for r in from_store["runs"]] == \
        [json.loads(p.read_text())["method"]["run"]["run_id"] for p in (a, b)]
    for key in ("changes", "moved", "only_in_a", "only_in_b"):
        assert from_store["comparison"][key] == comparison[key], key
