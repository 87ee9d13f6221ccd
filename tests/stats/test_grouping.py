"""`--by` groups from CSV and TOML metadata: any column, multi-valued cells, the (none) group."""

from __future__ import annotations

from pathlib import Path

import pytest

from pqscan.errors import UsageError
from pqscan.stats.grouping import Grouping


def _ep(target: str) -> dict[str, object]:
    host, port = target.rsplit(":", 1)
    return {"target": target, "host": host.strip("[]"), "port": int(port)}


def test_csv_any_column_sectors_split_and_none_group(tmp_path: Path) -> None:
    meta = tmp_path / "m.csv"
    meta.write_text("target,sectors,owner,region\n"
                    "a.example:443,energy;water,ops,\n"
                    "[2001:db8::1]:8443,health,dev,north\n")
    grouping = Grouping(meta, ["sector", "owner", "region"])  # "sector" finds "sectors"
    assert grouping.by == ("sectors", "owner", "region")
    assert grouping.groups(_ep("a.example:443")) == [
        ("sectors", "energy"), ("sectors", "water"), ("owner", "ops"), ("region", "(none)")]
    # matched by host:port when the target text differs; [v6]:port spelling
    assert grouping.groups({"target": "https://x/", "host": "2001:db8::1", "port": 8443}) == [
        ("sectors", "health"), ("owner", "dev"), ("region", "north")]
    assert grouping.groups(_ep("b.example:443")) == [
        ("sectors", "(none)"), ("owner", "(none)"), ("region", "(none)")]
    assert grouping.warnings() == []


def test_toml_lists_and_unmatched_rows(tmp_path: Path) -> None:
    meta = tmp_path / "m.toml"
    meta.write_text('[[target]]\ntarget = "a.example:443"\ntier = ["gold", "eu"]\n'
                    '[[target]]\ntarget = "typo.example:443"\ntier = "silver"\n')
    grouping = Grouping(meta, ["tier"])
    assert grouping.groups(_ep("a.example:443")) == [("tier", "gold"), ("tier", "eu")]
    assert grouping.warnings() == [
        f"metadata {str(meta)!r}: 1 row(s) match no endpoint: 'typo.example:443'"]


@pytest.mark.parametrize(("text", "by", "words"), [
    ("target,owner\na:1,x\n", ["sector"], "no such column in metadata"),
    ("target,owner\n,x\n", ["owner"], "row 2: no target"),
    ("target,owner\na:1,x\na:1,y\n", ["owner"], "duplicate target 'a:1'"),
])
def test_bad_metadata_is_a_usage_error(tmp_path: Path, text: str, by: list[str],
                                       words: str) -> None:
    meta = tmp_path / "m.csv"
    meta.write_text(text)
    with pytest.raises(UsageError, match=words):
        Grouping(meta, by)


def test_unreadable_or_unknown_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read metadata"):
        Grouping(tmp_path / "missing.csv", ["owner"])
    other = tmp_path / "m.yaml"
    other.write_text("x")
    with pytest.raises(UsageError, match="use a .toml or .csv file"):
        Grouping(other, ["owner"])
    broken = tmp_path / "m.toml"
    broken.write_text("[[target]\n")
    with pytest.raises(UsageError, match="does not parse"):
        Grouping(broken, ["owner"])
