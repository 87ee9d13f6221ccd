"""The compact form of written endpoints (pqscan.scan.probe_detail): nothing a reader needs
is lost. Endpoints are the real lab scan of tests/data/report/lab-scan.json (PROVENANCE.md):
index 0 a TLS 1.3 server with one RSA chain, 3 the ML-DSA-only server (no served chain: its
browser-like hello was refused), 7 the dual-certificate server."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema

from pqscan.model import view
from pqscan.policy.evaluate import judge_endpoint
from pqscan.scan.probe_detail import shape_probes

REPORT = Path(__file__).parent.parent / "data" / "report" / "lab-scan.json"
SCHEMA = json.loads((Path(__file__).parent.parent.parent / "pqscan" / "data" /
                     "report.schema.json").read_text())


def _endpoints() -> list[dict[str, Any]]:
    return list(json.loads(REPORT.read_text())["endpoints"])


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def test_a_chain_equal_to_the_served_one_is_left_out_a_different_one_kept() -> None:
    single, mldsa, dual = (_endpoints()[i] for i in (0, 3, 7))
    for endpoint in (single, mldsa, dual):
        before = copy.deepcopy(endpoint)
        shape_probes(endpoint, "summary")
        # every certificate is still there, and the served chain is the same
        assert view.all_certificates(endpoint) == view.all_certificates(before)
        assert view.chain(endpoint) == view.chain(before)
        assert [c["leaf_sha256"] for c in endpoint["tls"]["certificate_chains"]] == \
            [c["leaf_sha256"] for c in before["tls"]["certificate_chains"]]
        jsonschema.validate(endpoint, {**SCHEMA["$defs"]["endpoint"], "$defs": SCHEMA["$defs"]})
    assert "chain" not in single["tls"]["certificate_chains"][0]
    assert mldsa["tls"]["certificate_chains"][0]["chain"]  # nothing served: kept
    kept = [c for c in dual["tls"]["certificate_chains"] if "chain" in c]
    # the browser-like hello was served the ML-DSA-65 chain; the ECDSA one is the other
    assert view.chain(dual)[0]["public_key"]["algorithm"] == "ML-DSA-65"
    assert len(kept) == 1 and kept[0]["chain"][0]["public_key"]["algorithm"] == "ECDSA P-256"


def test_null_group_fields_are_left_out_and_judging_gives_the_same_answer() -> None:
    for raw in _endpoints():
        compact = shape_probes(copy.deepcopy(raw), "summary")
        for name, entry in (raw.get("tls") or {}).get("groups", {}).items():
            # null fields, and the registry's code and family for a known name, left out
            assert compact["tls"]["groups"][name] == {k: v for k, v in entry.items()
                                                      if v is not None and k not in ("code",
                                                                                     "family")
                                                      or k == "status"}
        judged = [copy.deepcopy(raw), compact]
        changes: list[list[str]] = [[], []]
        for endpoint, changed in zip(judged, changes, strict=True):
            assert judge_endpoint(endpoint, [], date(2026, 12, 1), 0, changed) is None
        assert changes[1] == changes[0]  # nothing the judge has to put back
        assert judged[0]["findings"] == judged[1]["findings"]
        assert judged[0]["tls"] == judged[1]["tls"] or \
            judged[0]["tls"]["kex_state"] == judged[1]["tls"]["kex_state"]


def test_a_summary_endpoint_is_much_smaller() -> None:
    endpoint = shape_probes(_endpoints()[0], "summary")
    assert "probes" not in endpoint and endpoint["probe_table"]["columns"] == [
        "name", "result", "transcript_sha256", "attempts", "reason", "evidence_file"]
    assert all(set(p) == {"name", "result", "transcript_sha256", "attempts"}
               for p in view.probe_list(endpoint))
    assert _size(endpoint) < _size(_endpoints()[0]) * 0.6
