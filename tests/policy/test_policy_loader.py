"""Profile files: validation on load with exact FILE:LINE: KEY errors, and `extends`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pqscan.errors import UsageError
from pqscan.policy.evaluate import evaluate, load_profile, shipped_profile_ids

GOOD = '''id = "{id}"
title = "Test profile"
version = "1"
publisher = "tests"
status = "final"
{extra}
[[sources]]
key = "T1"
title = "Test source"
date = "2026-01"

[[requirements]]
id = "T-TLS13"
title = "TLS 1.3"
clause = "test §1"
severity = "MUST"
applies_to = "protocol_version"
condition = {{ field = "tls/versions/TLSv1.3", eq = "supported" }}
{req_extra}
'''


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, "utf-8")
    return str(path)


def error_of(path: str) -> str:
    with pytest.raises(UsageError) as info:
        load_profile(path)
    return str(info.value)


def test_shipped_profiles_are_the_nine_of_the_issue() -> None:
    assert shipped_profile_ids() == [
        "anssi", "bsi-tr-02102", "cnsa-2.0", "etsi-ts-103-744", "eu-pqc-roadmap",
        "nist-fips-203-204-205", "nist-ir-8547", "pq-baseline", "uk-ncsc"]


def test_good_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "p", GOOD.format(id="p", extra="", req_extra="")))
    assert [r.id for r in profile.requirements] == ["T-TLS13"]
    assert profile.requirements[0].source_status == "final"


def test_missing_key(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra="").replace('clause = "test §1"\n', "")
    path = write(tmp_path, "p", text)
    assert error_of(path) == f"{path}:12: requirements[0]: missing key 'clause'"


def test_missing_top_level_key(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra="").replace('publisher = "tests"\n', "")
    path = write(tmp_path, "p", text)
    assert error_of(path) == f"{path}:1: <top>: missing key 'publisher'"


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra="").replace('title = "TLS 1.3"', "title = 13")
    path = write(tmp_path, "p", text)
    assert error_of(path) == f"{path}:14: requirements[0].title: expected non-empty string, " \
                             "got integer"


def test_bad_severity(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra="").replace('"MUST"', '"SHALL"')
    path = write(tmp_path, "p", text)
    assert error_of(path) == (f"{path}:16: requirements[0].severity: expected one of MUST, "
                              "SHOULD, MAY, got 'SHALL'")


def test_unknown_condition_operator(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra='applies_if = { all = [{ frob = 1 }] }')
    path = write(tmp_path, "p", text)
    assert error_of(path) == (f"{path}:19: requirements[0].applies_if.all[0]: unknown condition "
                              "operator 'frob'")


def test_unknown_finding_code(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra="").replace(
        '{ field = "tls/versions/TLSv1.3", eq = "supported" }', '{ finding = "no.such" }')
    path = write(tmp_path, "p", text)
    assert error_of(path) == (f"{path}:18: requirements[0].condition.finding: unknown finding "
                              "code 'no.such'")


def test_bad_date(tmp_path: Path) -> None:
    text = GOOD.format(id="p", extra="", req_extra='effective_from = "2035-13-01"')
    path = write(tmp_path, "p", text)
    assert error_of(path) == (f"{path}:19: requirements[0].effective_from: bad date "
                              "'2035-13-01' (expected YYYY-MM-DD)")


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p", 'id = "p"\ntitle = \n')
    assert error_of(path).startswith(f"{path}:2: invalid TOML: ")


def test_unknown_extends(tmp_path: Path) -> None:
    path = write(tmp_path, "p", GOOD.format(id="p", extra='extends = "nope"', req_extra=""))
    assert error_of(path) == f"{path}:6: extends: unknown profile 'nope'"


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a", GOOD.format(id="a", extra='extends = "b"', req_extra=""))
    b = write(tmp_path, "b", GOOD.format(id="b", extra='extends = ["a"]', req_extra=""))
    assert error_of(str(tmp_path / "a.toml")) == f"{b}:6: extends: cycle a -> b -> a"


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    child = GOOD.format(id="child", extra='extends = "pq-baseline"', req_extra="").replace(
        'id = "T-TLS13"', 'id = "PQB-HRR-UPGRADE"').replace('"MUST"', '"MAY"')
    profile = load_profile(write(tmp_path, "child", child))
    by_id = {r.id: r for r in profile.requirements}
    assert len(by_id) == 8 and by_id["PQB-HRR-UPGRADE"].severity == "MAY"
    assert by_id["PQB-TLS13"].defined_in == "pq-baseline"
    assert by_id["PQB-HRR-UPGRADE"].defined_in == "child"


def test_user_profile_dir_by_id(tmp_path: Path) -> None:
    write(tmp_path, "mine", GOOD.format(id="mine", extra="", req_extra=""))
    profile = load_profile("mine", (tmp_path,))
    endpoint = {"status": "ok", "tls": {"versions": {"TLSv1.3": "inconclusive"}}}
    (verdict,) = evaluate(profile, endpoint, [], date(2026, 1, 1))
    assert verdict.result == "NOT_TESTED"
    assert verdict.evidence["reasons"] == ["tls/versions/TLSv1.3 is inconclusive"]


def test_unknown_profile_id() -> None:
    with pytest.raises(UsageError, match=r"^unknown profile 'nope' \(available: anssi, "):
        load_profile("nope")
