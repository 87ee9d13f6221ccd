"""Deliberately broken external adapters must fail exactly the cases their defect touches.

Each defect is injected into the worked pycryptodome example adapter (examples/vector-adapter),
run in its own process; the expected failures are computed here from the vectors themselves,
independently of the runner, and must equal the runner's failures case for case.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from pqscan.conformance.vectors import catalog, differential, runner
from pqscan.conformance.vectors.model import VectorCase, VectorGroup
from pqscan.conformance.vectors.protocol import SubprocessAdapter

pytest.importorskip("Crypto.PublicKey.MLKEM")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = f"{sys.executable} {REPO / 'examples' / 'vector-adapter' / 'pycryptodome_adapter.py'}"
BROKEN = f"{sys.executable} {Path(__file__).parent / 'adapters' / 'broken_pycryptodome.py'}"
Key = tuple[str, str, int]


@cache
def groups() -> tuple[VectorGroup, ...]:
    root = catalog.shipped_root()
    shipped = [g for s in catalog.discover(root) for g in catalog.load(root, s)
               if not g.op.startswith("slhdsa.")]
    return tuple(shipped + differential.negative_groups(shipped))


def _run(spec: str, family: str) -> tuple[set[Key], int]:
    selected = [g for g in groups() if g.op.startswith(family)]
    adapter = SubprocessAdapter(spec, timeout=20)
    try:
        results = runner.run_groups(adapter, selected)
    finally:
        adapter.close()
    failed = {(g.vector_set, g.group, t) for g, r in zip(selected, results, strict=True)
              for t in r.failed_tc_ids}
    return failed, sum(r.passed for r in results)


def _expected(family: str, predicate: Callable[[VectorCase], bool]) -> set[Key]:
    return {(g.vector_set, g.group, c.tc_id) for g in groups() if g.op.startswith(family)
            for c in g.cases if predicate(c)}


def _accepts(c: VectorCase) -> bool:
    """The case needs the implementation to accept its input (a valid answer)."""
    return c.outcome == "valid" and c.expected.get("valid", True) is True


def test_example_adapter_passes_everything() -> None:
    for family in ("mlkem.", "mldsa."):
        failed, passed = _run(EXAMPLE, family)
        assert failed == set() and passed > 0


def test_flipped_signature_bit_fails_exactly_the_signing_cases() -> None:
    failed, passed = _run(f"{BROKEN} flip-sig", "mldsa.")
    want = _expected("mldsa.", lambda c: c.op == "mldsa.sign" and c.outcome == "valid")
    assert failed == want and len(want) > 500 and passed > 0


def test_skipped_modulus_check_fails_exactly_the_modulus_key_checks() -> None:
    failed, _ = _run(f"{BROKEN} skip-modulus", "mlkem.")
    sizes = {"ML-KEM-512": 800, "ML-KEM-768": 1184, "ML-KEM-1024": 1568}

    def bad_modulus(c: VectorCase) -> bool:
        # An ek of the right length that a conforming check rejects: a coefficient >= q.
        # (Encapsulation is still refused: pycryptodome's C encapsulation checks too.)
        return (c.op == "mlkem.ek_check" and c.expected.get("valid") is False
                and len(c.params["ek"]) == 2 * sizes[c.params["parameter_set"]])

    want = _expected("mlkem.", bad_modulus)
    assert failed == want and len(want) >= 6


def test_wrong_prehash_oid_fails_exactly_the_sha2_512_prehash_cases() -> None:
    failed, _ = _run(f"{BROKEN} wrong-oid", "mldsa.")
    want = _expected("mldsa.", lambda c: bool(c.params.get("pre_hash"))
                     and c.params.get("hash_alg") == "SHA2-512" and _accepts(c))
    assert failed == want and want


def test_refusing_255_byte_contexts_fails_exactly_those_cases() -> None:
    failed, _ = _run(f"{BROKEN} refuse-255", "mldsa.")
    want = _expected("mldsa.", lambda c: len(c.params.get("context") or "") == 510
                     and _accepts(c))
    assert failed == want and len(want) >= 10
