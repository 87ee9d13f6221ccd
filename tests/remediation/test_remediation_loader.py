"""The remediation loader: strict validation, one-line errors naming file, line and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pqscan.assess.remediation import Fix, load_fixes_from, parse_fixes
from pqscan.errors import UsageError

GOOD = '''
[[fix]]
id = "x.one"
applies_to = ["exposure.hndl"]
product = "OpenSSL"
config = "Groups = X25519MLKEM768 / X25519"
min_version = "3.5.0"
source = "https://example.org/doc"
'''


def _error(text: str, origin: str = "remediation/bad.toml") -> str:
    with pytest.raises(UsageError) as info:
        parse_fixes(text, origin)
    message = str(info.value)
    assert "\n" not in message and message.startswith(origin + ":")
    return message


def test_good_entry_with_defaults() -> None:
    (fix,) = parse_fixes(GOOD, "remediation/good.toml")
    assert fix == Fix(id="x.one", applies_to=("exposure.hndl",), product="OpenSSL",
                      config="Groups = X25519MLKEM768 / X25519",
                      source=("https://example.org/doc",), min_version="3.5.0",
                      defined_in="remediation/good.toml")
    assert (fix.kind, fix.confidence, fix.requires, fix.note) == ("config", "confirmed", (), "")


def test_malformed_toml() -> None:
    message = _error(GOOD + "\nproduct = \n")
    assert message.startswith("remediation/bad.toml:10: invalid TOML:")


def test_unknown_key_names_line_key_and_entry() -> None:
    message = _error(GOOD.replace('product = "OpenSSL"', 'product = "OpenSSL"\nproduc = "x"'))
    assert message == ("remediation/bad.toml:6: fix[0].produc: unknown key 'produc' "
                       "(fix 'x.one')")


@pytest.mark.parametrize("key", ["id", "applies_to", "product", "config", "source"])
def test_missing_field(key: str) -> None:
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    assert f"missing key {key!r}" in _error("\n".join(lines))


@pytest.mark.parametrize("version", ["latest", ">=3.5", "v3.5", "3..5", "", "3.5 "])
def test_bad_min_version(version: str) -> None:
    message = _error(GOOD.replace('"3.5.0"', f'"{version}"'))
    assert ":7: fix[0].min_version: bad version" in message and "(fix 'x.one')" in message


@pytest.mark.parametrize("version", ["3.5.0", "1.24", "27", "9.0p1", "24H2"])
def test_good_versions(version: str) -> None:
    (fix,) = parse_fixes(GOOD.replace('"3.5.0"', f'"{version}"'), "r.toml")
    assert fix.min_version == version


@pytest.mark.parametrize("source", ['""', '"   "', "[]", '["https://a.org", ""]'])
def test_empty_source(source: str) -> None:
    message = _error(GOOD.replace('"https://example.org/doc"', source))
    assert "fix[0].source: expected a non-empty URL or document reference" in message


@pytest.mark.parametrize(("change", "expected"), [
    (('product = "OpenSSL"', "product = 3"), "fix[0].product: expected string, got int"),
    (('applies_to = ["exposure.hndl"]', "applies_to = []"), "fix[0].applies_to: expected at"),
    (('applies_to = ["exposure.hndl"]', 'applies_to = ["a", "a"]'), "duplicate entry"),
    (('id = "x.one"', 'id = "X One"'), "fix[0].id: bad fix id 'X One'"),
    (('min_version = "3.5.0"', 'kind = "config"'), "a config fix needs min_version or requires"),
    (('min_version = "3.5.0"', 'requires = "OpenSSL 3.5"'), "fix[0].requires: bad requirement"),
    (('min_version = "3.5.0"', 'kind = "magic"'), "fix[0].kind: expected one of config"),
    (('min_version = "3.5.0"', 'min_version = "3.5.0"\nconfidence = "unconfirmed"'),
     "fix[0].note: an unconfirmed fix must say"),
    (('min_version = "3.5.0"', 'min_version = "3.5.0"\nconfidence = "maybe"'),
     "fix[0].confidence: expected one of confirmed, unconfirmed"),
])
def test_bad_values(change: tuple[str, str], expected: str) -> None:
    assert expected in _error(GOOD.replace(*change))


def test_requires_instead_of_min_version_and_service_without_version() -> None:
    text = GOOD.replace('min_version = "3.5.0"', 'requires = ["OpenSSL >= 3.5.0"]')
    assert parse_fixes(text, "r.toml")[0].requires == ("OpenSSL >= 3.5.0",)
    text = GOOD.replace('min_version = "3.5.0"', 'kind = "service"')
    assert parse_fixes(text, "r.toml")[0].min_version is None


def test_file_shape() -> None:
    assert "<top>" not in _error('title = "x"\n' + GOOD)
    assert "unknown key 'title'" in _error('title = "x"\n' + GOOD)
    assert "expected at least one [[fix]] table" in _error("")
    assert "fix[0]: expected table, got int" in _error("fix = [1]\n")
    assert "fix: expected at least one" in _error('fix = "x"\n')


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.raises(UsageError, match=r"^remediation/b.toml: fix id 'x.one' already defined "
                                         r"in remediation/a.toml$"):
        load_fixes_from(tmp_path)
    (tmp_path / "b.toml").unlink()
    assert [f.id for f in load_fixes_from(tmp_path)] == ["x.one"]
    with pytest.raises(UsageError, match="remediation directory not found"):
        load_fixes_from(tmp_path / "missing")
    with pytest.raises(TypeError):
        load_fixes_from(str(tmp_path))  # type: ignore[arg-type]


def test_fix_constructor_checks_types_and_values() -> None:
    base = dict(id="x", applies_to=("exposure.hndl",), product="p", config="c",
                source=("https://a.org",), min_version="1.0")
    assert Fix(**base).kind == "config"  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Fix(**{**base, "applies_to": ["exposure.hndl"]})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Fix(**{**base, "product": None})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bad version"):
        Fix(**{**base, "min_version": "new"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Fix.from_dict(["x"])  # type: ignore[arg-type]
