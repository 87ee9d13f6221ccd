"""Typed observations round-trip the JSON contract exactly (pqscan.model).

`Endpoint.from_dict(d).to_dict()` gives back `d` — compared as canonical JSON text, so a bool
turned into an int, a null into an absent key or a lost unknown key all fail — for endpoints
generated from report.schema.json itself, for the same with keys the schema does not know, and
for every saved report and golden file in tests/data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from pqscan.model.cert import Certificate, CertificateError
from pqscan.model.codec import ABSENT
from pqscan.model.endpoint import Endpoint
from pqscan.model.schema import report_schema
from pqscan.model.ssh import SSHObservation
from pqscan.model.tls import TLSObservation
from pqscan.model.vocab import EndpointStatus, Support
from tests.model.schema_strategy import SchemaStrategies

DATA = Path(__file__).resolve().parents[1] / "data"
SCHEMA = report_schema()
VALID = SchemaStrategies(SCHEMA)
WITH_EXTRAS = SchemaStrategies(SCHEMA, extras=True)
ENDPOINT_VALIDATOR = Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/endpoint"})


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def saved_endpoints() -> list[tuple[str, dict[str, Any]]]:
    out = []
    report = json.loads((DATA / "report" / "lab-scan.json").read_text("utf-8"))
    out += [(f"lab-scan.json[{i}]", ep) for i, ep in enumerate(report["endpoints"])]
    for path in sorted((DATA / "golden" / "verdicts").glob("*.json")):
        out.append((path.name, json.loads(path.read_text("utf-8"))["endpoint"]))
    return out


SLOW = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SLOW
@given(VALID.definition("endpoint"))
def test_schema_generated_endpoints_round_trip(endpoint: dict[str, Any]) -> None:
    # the generator is faithful to the schema (else this test would prove little)
    assert not list(ENDPOINT_VALIDATOR.iter_errors(endpoint))
    typed = Endpoint.from_dict(endpoint)
    assert canonical(typed.to_dict()) == canonical(endpoint)
    assert Endpoint.from_dict(typed.to_dict()) == typed


@SLOW
@given(WITH_EXTRAS.definition("endpoint"))
def test_unknown_keys_survive_at_every_level(endpoint: dict[str, Any]) -> None:
    assert canonical(Endpoint.from_dict(endpoint).to_dict()) == canonical(endpoint)


@SLOW
@given(VALID.definition("tls"))
def test_tls_objects_round_trip(tls: dict[str, Any]) -> None:
    assert canonical(TLSObservation.from_dict(tls).to_dict()) == canonical(tls)


@SLOW
@given(VALID.definition("ssh"))
def test_ssh_objects_round_trip(ssh: dict[str, Any]) -> None:
    assert canonical(SSHObservation.from_dict(ssh).to_dict()) == canonical(ssh)


@pytest.mark.parametrize("name,endpoint", saved_endpoints(), ids=lambda v: str(v)[:40])
def test_saved_reports_and_goldens_round_trip(name: str, endpoint: dict[str, Any]) -> None:
    typed = Endpoint.from_dict(endpoint)
    assert canonical(typed.to_dict()) == canonical(endpoint), name
    assert typed.status in EndpointStatus


def test_typed_access_to_a_saved_endpoint() -> None:
    endpoint = dict(saved_endpoints())["k1-hybrid-rsa.json"]
    typed = Endpoint.from_dict(endpoint)
    assert typed.tls is not None
    group = typed.tls.groups["X25519MLKEM768"]
    assert group.status is Support.SUPPORTED and group.via == "hrr" and group.confirmed is True
    assert isinstance(typed.tls.certificate_chain[0], Certificate)
    assert typed.ssh is ABSENT  # a TLS endpoint has no "ssh" key at all


def test_absent_and_null_stay_distinct() -> None:
    endpoint = dict(saved_endpoints())["unreachable.json"]
    without = {k: v for k, v in endpoint.items() if k != "starttls"}
    assert Endpoint.from_dict(without).starttls is ABSENT
    assert "starttls" not in Endpoint.from_dict(without).to_dict()
    with_null = {**without, "starttls": None}
    assert Endpoint.from_dict(with_null).to_dict()["starttls"] is None


def test_a_chain_entry_pqscan_could_not_read_is_its_own_type() -> None:
    entry = CertificateError.from_dict({"position": 2, "error": "DER: truncated"})
    tls = dict(saved_endpoints())["k1-hybrid-rsa.json"]["tls"]
    typed = TLSObservation.from_dict({**tls, "certificate_chain": [entry.to_dict()]})
    assert typed.certificate_chain == (entry,)


@pytest.mark.parametrize("mutate,error,message", [
    (lambda e: e.update(port="443"), TypeError, "Endpoint.port: expected integer, got string"),
    (lambda e: e.update(port=True), TypeError, "Endpoint.port: expected integer, got boolean"),
    (lambda e: e.pop("host"), ValueError, "Endpoint: the required key 'host' is missing"),
    (lambda e: e.update(status="fine"), ValueError, "Endpoint.status: 'fine' is not one of"),
    (lambda e: e["tls"]["groups"]["X25519MLKEM768"].update(status="yes"), ValueError,
     "Endpoint.tls.groups.X25519MLKEM768.status: 'yes' is not one of"),
    (lambda e: e["tls"]["versions"].update({"TLSv9": "supported"}), ValueError,
     "Endpoint.tls.versions key: 'TLSv9' is not one of"),
    (lambda e: e["tls"].update(certificate_chain={}), TypeError,
     "Endpoint.tls.certificate_chain: expected array, got object"),
])
def test_bad_values_name_their_json_path(mutate: Any, error: type[Exception],
                                         message: str) -> None:
    endpoint = json.loads(json.dumps(dict(saved_endpoints())["k1-hybrid-rsa.json"]))
    mutate(endpoint)
    with pytest.raises(error) as info:
        Endpoint.from_dict(endpoint)
    assert str(info.value).startswith(message)


def test_from_dict_refuses_a_non_mapping() -> None:
    with pytest.raises(TypeError, match="needs a mapping, not list"):
        Endpoint.from_dict([])  # type: ignore[arg-type]


def test_to_dict_hands_out_copies() -> None:
    endpoint = dict(saved_endpoints())["k1-hybrid-rsa.json"]
    typed = Endpoint.from_dict(endpoint)
    first = typed.to_dict()
    first["findings"].clear()
    first["tls"]["groups"].clear()
    assert typed.to_dict()["findings"] == endpoint["findings"]
    assert canonical(typed.to_dict()) == canonical(endpoint)


def test_load_typed_reads_reports_and_stores_as_endpoints(tmp_path: Path) -> None:
    from pqscan.errors import UsageError
    from pqscan.scan.store.reading import load_typed
    from pqscan.scan.store.writer import ScanStore

    report = json.loads((DATA / "report" / "lab-scan.json").read_text("utf-8"))
    _, typed = load_typed(DATA / "report" / "lab-scan.json")
    endpoints = list(typed)
    assert [e.target for e in endpoints] == [e["target"] for e in report["endpoints"]]
    assert all(isinstance(e, Endpoint) for e in endpoints)
    # a store row is only checked for target and status when stored; the typed reader
    # refuses one that does not fit the contract, naming the endpoint and the JSON path
    report["endpoints"][1]["tls"]["cipher_suites"]["TLSv1.3"] = "all of them"
    with ScanStore(tmp_path / "s.db") as store:
        store.begin_run({}, None, {})
        for endpoint in report["endpoints"]:
            store.put(endpoint)
        store.finish_run("complete")
    _, typed = load_typed(tmp_path / "s.db")
    with pytest.raises(UsageError, match=r"endpoints\[1\] \(127\.0\.0\.1:\d+\): "
                       r"Endpoint\.tls\.cipher_suites\.TLSv1\.3: expected array, got string"):
        list(typed)
