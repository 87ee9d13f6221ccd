"""Issue 14 (re-check of issue 11): an unrecognised algorithm OID — a real hackathon certificate
with an older composite ML-KEM draft OID — is "unknown" with its OID kept, never "quantum
vulnerable"; nothing that needs it is decided (findings undecided, readiness level null)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from policy_fixtures import load_golden

from pqscan.assess.catalogue import derive_findings
from pqscan.assess.readiness import readiness
from pqscan.certs.info import certificate_info
from pqscan.policy.evaluate import judge_report, load_profile

OLD_COMPOSITE = (Path(__file__).parents[1] / "data" / "old-composite" /
                 "id-MLKEM768-ECDH-P256-SHA3-256-2.16.840.1.114027.80.5.2.78_ee.der")
OID = "2.16.840.1.114027.80.5.2.78"


def test_the_certificate_key_is_unknown_with_its_oid_kept() -> None:
    key = certificate_info(OLD_COMPOSITE.read_bytes()).to_dict()["public_key"]
    assert key == {"algorithm": f"unknown ({OID})", "oid": OID, "nist_category": None,
                   "quantum_vulnerable": None}


def test_a_chain_with_it_is_never_judged_vulnerable() -> None:
    """The K0 golden endpoint (ML-DSA-87 chain) with this certificate as its leaf: the stored
    `quantum_vulnerable: true` (an old judgement) is recomputed to null, exposure.auth is
    undecided, IR 8547's signature requirement NOT_TESTED, the level null."""
    endpoint = copy.deepcopy(load_golden("k0-cnsa-mldsa87")["endpoint"])
    leaf = {"position": 0, **certificate_info(OLD_COMPOSITE.read_bytes()).to_dict()}
    leaf["public_key"]["quantum_vulnerable"] = True  # what an older pqscan wrote
    tls = endpoint["tls"]
    tls["certificate_chain"] = [leaf, *tls["certificate_chain"][1:]]
    tls["certificate_chains"] = [{"leaf_sha256": leaf["sha256"], "schemes": ["mldsa87"],
                                  "chain": tls["certificate_chain"]}]
    report = {"schema_version": "1", "started_at": "2026-06-01T00:00:00Z",
              "endpoints": [endpoint]}
    judged = judge_report(report, [load_profile("nist-ir-8547")], date(2036, 6, 1))
    ep = judged["endpoints"][0]
    assert ep["tls"]["certificate_chain"][0]["public_key"]["quantum_vulnerable"] is None
    assert any("certificate_chain[0].public_key.quantum_vulnerable: True -> None" in line
               for line in judged["evaluation"]["recomputed"])
    codes = {(f["code"], f["evidence"].get("check")) for f in ep["findings"]}
    assert ("scan.undecided", "exposure.auth") in codes
    assert "exposure.auth" not in {f["code"] for f in ep["findings"]}
    verdicts = {v["requirement"]: v["result"] for v in ep["verdicts"]}
    assert verdicts["IR8547-SIG-DISALLOWED"] == "NOT_TESTED"
    level = ep["readiness"]
    assert level["level"] is None and "not recognised" in level["reason"]
    assert any("certificate_chain[0]" in u for u in level["undecided"])
    assert readiness(ep, ep["verdicts"]).level is None
    assert not [f for f in derive_findings(ep, date(2026, 6, 1))
                if f.code == "alg.quantum_vulnerable" and OID in str(f.evidence)]
