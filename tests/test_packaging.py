"""The explicit package list in pyproject.toml matches the tree, and the data ships."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_python_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    in_tree = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "pqscan").rglob("__init__.py")}
    assert in_tree <= listed, f"add to pyproject packages: {sorted(in_tree - listed)}"
    assert config["package-dir"] == {"pqscan.profiles": "profiles",
                                     "pqscan.testvectors": "testvectors"}


def test_package_data_is_reachable() -> None:
    assert any(p.name.endswith(".toml") for p in files("pqscan.profiles").iterdir())
    assert files("pqscan.testvectors").joinpath("MANIFEST.json").is_file()
    assert files("pqscan.data").joinpath("pqc-standards.json").is_file()
    assert files("pqscan.data").joinpath("report.schema.json").is_file()
    assert files("pqscan.conformance").joinpath("catalogue.json").is_file()


def test_remediation_catalogue_ships() -> None:
    # A subfolder of pqscan.data, listed explicitly in pyproject package-data.
    names = {p.name for p in files("pqscan.data").joinpath("remediation").iterdir()}
    assert {"tls-servers.toml", "tls-runtimes.toml", "tls-cloud.toml",
            "certificates.toml"} <= names


def test_version_has_one_source() -> None:
    # pyproject reads the version from pqscan/_version.py, so the installed metadata and
    # pqscan.__version__ (read without importlib.metadata: start-up, issue 13) agree.
    from importlib.metadata import version

    import pqscan

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "pqscan._version.__version__"}
    assert version("pqscan") == pqscan.__version__
