"""Shipped test vectors: manifest integrity and that every vector file is referenced and run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pqscan.conformance.vectors import catalog

ROOT = Path(__file__).resolve().parents[2] / "testvectors"
NOT_VECTORS = {"MANIFEST.json", "__init__.py"}


def _shipped_files() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.name not in NOT_VECTORS}


def test_manifest_covers_every_file_and_hashes_match() -> None:
    manifest = json.loads((ROOT / "MANIFEST.json").read_text())
    entries = {e["path"]: e for e in manifest["files"]}
    assert set(entries) == _shipped_files()
    for path, entry in entries.items():
        data = (ROOT / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
        assert entry["bytes"] == len(data)
        for key in ("repository", "commit", "upstream_path", "licence"):
            assert entry[key], (path, key)
        assert len(entry["commit"]) == 40


def test_licence_files_shipped() -> None:
    for name in ("acvp/LICENSE-NIST.txt", "wycheproof/LICENSE",
                 "acvp/thirdparty/pslhdsa-SLH-DSA-sigGen-FIPS205-mini/LICENSE-pslhdsa-MIT.txt"):
        assert (ROOT / name).stat().st_size > 500


def test_every_shipped_vector_file_is_referenced_and_parses() -> None:
    root = catalog.shipped_root()
    sources = catalog.discover(root)
    referenced = {f for s in sources for f in s.files}
    vector_files = {f for f in _shipped_files() if f.endswith(".json")}
    assert referenced == vector_files
    for source in sources:
        groups = catalog.load(root, source)
        assert groups, source.name
        assert all(g.cases for g in groups)
        # Every shipped group has its expected answers, except the prompt-only SLH-DSA sigGen
        # set (answered by the --reference adapter), whose groups say so.
        if source.name == "acvp/v1.1.0.43/SLH-DSA-sigGen-FIPS205":
            assert all(g.skip_reason and "no expected answer" in g.skip_reason for g in groups)
        else:
            assert all(g.skip_reason is None for g in groups), source.name
