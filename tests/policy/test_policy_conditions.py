"""The condition language: three-valued logic, paths, and findings derivation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from policy_fixtures import load_golden

from pqscan.assess.catalogue import FINDINGS, Finding, derive_findings
from pqscan.policy.conditions import ConditionError, evaluate_condition, parse_condition


def value(raw: dict[str, Any], endpoint: dict[str, Any], findings: tuple[Finding, ...] = ()) -> Any:
    return evaluate_condition(parse_condition(raw), endpoint, list(findings)).value


def test_three_valued_all_any_not() -> None:
    endpoint = {"tls": {"a": "x", "b": "inconclusive"}}
    yes, unknown = {"field": "tls/a", "eq": "x"}, {"field": "tls/b", "eq": "x"}
    no = {"field": "tls/a", "eq": "y"}
    assert value({"all": [yes, unknown]}, endpoint) is None
    assert value({"all": [no, unknown]}, endpoint) is False
    assert value({"any": [yes, unknown]}, endpoint) is True
    assert value({"any": [no, unknown]}, endpoint) is None
    assert value({"not": unknown}, endpoint) is None
    assert value({"not": no}, endpoint) is True


def test_wildcards_and_absent_paths() -> None:
    endpoint = {"tls": {"certificate_chain": [{"k": "a"}, {"k": "b"}], "empty": []}}
    assert value({"field": "tls/certificate_chain/*/k", "subset_of": ["a", "b"]}, endpoint)
    assert not value({"field": "tls/certificate_chain/*/k", "subset_of": ["a"]}, endpoint)
    assert value({"field": "tls/empty/*/k", "subset_of": ["a"]}, endpoint) is None
    assert value({"field": "tls/missing", "eq": 1}, endpoint) is None
    assert value({"field": "tls/certificate_chain/1/k", "eq": "b"}, endpoint) is True


def test_negotiated_null_means_refused_unless_kex_state_undecided() -> None:
    cond = {"field": "tls/negotiated/browser_like", "in": ["X25519MLKEM768"]}
    assert value(cond, {"tls": {"kex_state": "K4", "negotiated": {"browser_like": None}}}) \
        is False
    assert value(cond, {"tls": {"kex_state": None, "negotiated": {"browser_like": None}}}) \
        is None


def test_finding_where_and_undecided_check() -> None:
    weak = Finding("alg.quantum_vulnerable", "medium", "RSA", {"strength_bits": 112})
    unknown = Finding("alg.quantum_vulnerable", "medium", "FFDHE", {"strength_bits": None})
    cond = {"finding": "alg.quantum_vulnerable", "where": {"strength_bits": {"lt": 128}}}
    assert value(cond, {}, (weak,)) is True
    assert value(cond, {}, (unknown,)) is None
    assert value(cond, {}, ()) is False
    undecided = Finding("scan.undecided", "info", "x", {"check": "kex.pre_standard",
                                                        "reason": "not probed"})
    assert value({"finding": "kex.pre_standard_kyber"}, {}, (undecided,)) is None


@pytest.mark.parametrize(("raw", "message"), [
    ({"frob": 1}, "unknown condition operator 'frob'"),
    ({"field": "a", "in": "x"}, "expected array, got string"),
    ({"field": "a"}, "'field' needs exactly one comparison: eq, ne, in, not_in, lt, le, gt, "
                     "ge, subset_of, intersects, contains"),
    ({"all": []}, "expected a non-empty array of conditions"),
    ({"finding": "kex.state.k9"}, "unknown finding code 'kex.state.k9'"),
    ({"manual": "x", "eq": 1}, "'eq' is not allowed with 'manual'"),
])
def test_parse_errors(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse_condition(raw)
    assert info.value.message == message


def test_findings_k5_rsa_key_transport() -> None:
    endpoint = load_golden("k5-rsa-kex-tls11")["endpoint"]
    findings = derive_findings(endpoint, date(2026, 6, 1))
    algs = {(f.evidence["algorithm"], f.evidence["use"], f.evidence["strength_bits"])
            for f in findings if f.code == "alg.quantum_vulnerable"}
    assert algs == {("RSA-2048", "signature", 112), ("sha256WithRSAEncryption", "signature", None),
                    ("RSA key transport", "key_establishment", 112)}
    legacy = next(f for f in findings if f.code == "tls.version.legacy")
    assert legacy.to_dict() == {"code": "tls.version.legacy", "severity": "high",
                                "message": "enabled: TLSv1.1",
                                "evidence": {"versions": ["TLSv1.1"]},
                                "fixes": ["aws.elb.pq-policy", "openssl.min-protocol",
                                          "nginx.ssl-protocols", "apache.sslprotocol",
                                          "haproxy.ssl-min-ver"]}


def test_findings_unreachable_are_undecided_not_silent() -> None:
    endpoint = load_golden("unreachable")["endpoint"]
    findings = derive_findings(endpoint, date(2026, 6, 1))
    assert {f.code for f in findings} == {"scan.undecided"}
    assert len(findings) == 10
    assert findings[0].message == ("could not decide kex.state: no TLS observations (status "
                                   "unreachable: connection refused)")


def test_finding_types() -> None:
    with pytest.raises(ValueError, match="undeclared finding code"):
        Finding("nope", "info", "x")
    with pytest.raises(TypeError):
        derive_findings({}, "2026-01-01")  # type: ignore[arg-type]
    assert all(spec.reference for spec in FINDINGS.values())
