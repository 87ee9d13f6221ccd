"""The reference data (pqscan/data/pqc-standards.json) is read in one place: registry/reference."""

from __future__ import annotations

from pathlib import Path

from pqscan.registry import oids, tls
from pqscan.registry.reference import reference_data, reference_digest

PACKAGE = Path(__file__).resolve().parents[2] / "pqscan"


def test_only_the_reference_module_names_the_file() -> None:
    readers = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                     if '"pqc-standards.json"' in p.read_text("utf-8"))
    assert readers == ["registry/reference.py"]


def test_parsed_once_and_shared() -> None:
    # the same object every call: one parse per process, whoever asks
    assert reference_data() is reference_data()
    assert {e["name"] for e in reference_data()["tls_supported_groups"]} >= {"X25519MLKEM768"}
    assert tls.group(0x11EC).name == "X25519MLKEM768"
    assert oids.algorithm("2.16.840.1.101.3.4.3.18").name == "ML-DSA-65"


def test_digest_is_of_the_packaged_bytes() -> None:
    import hashlib

    raw = (PACKAGE / "data" / "pqc-standards.json").read_bytes()
    assert reference_digest() == hashlib.sha256(raw).hexdigest()
