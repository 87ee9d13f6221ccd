"""Cross-check of the Wilson and Newcombe (independent) intervals against statsmodels.

statsmodels is not a pqscan dependency (docs/stats.md says why); this test runs where it is
installed and is skipped elsewhere:
    python3 -m venv /tmp/sm && /tmp/sm/bin/pip install statsmodels && \
    PYTHONPATH=. /tmp/sm/bin/python -m pytest -p no:cacheprovider tests/stats/...
or `.venv/bin/pip install statsmodels` in the project venv. Last run: statsmodels 0.15.0,
296 Wilson and 2,025 Newcombe cases, largest difference 3.3e-16.
"""

from __future__ import annotations

import itertools

import pytest

from pqscan.stats.intervals import newcombe, wilson

proportion = pytest.importorskip("statsmodels.stats.proportion")

SIZES = [*range(1, 41), 57, 100, 263, 1000, 9999]


def _counts(n: int) -> list[int]:
    return sorted({0, 1, 2, n // 3, n // 2, n - 1, n} & set(range(n + 1)))


def test_wilson_agrees_with_statsmodels() -> None:
    for n in SIZES:
        for k in _counts(n):
            low, high = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
            ours = wilson(k, n)
            assert ours.low == pytest.approx(low, abs=1e-12)
            assert ours.high == pytest.approx(high, abs=1e-12)


def test_newcombe_agrees_with_statsmodels() -> None:
    pairs = [(k, n) for n in (1, 2, 5, 7, 10, 29, 56, 70, 80, 300)
             for k in sorted({0, 1, n // 2, n - 1, n})]
    for (k1, n1), (k2, n2) in itertools.product(pairs, pairs):
        # statsmodels gives p_first - p_second; ours is the change p_b - p_a
        low, high = proportion.confint_proportions_2indep(k2, n2, k1, n1, method="newcomb",
                                                          compare="diff")
        ours = newcombe(k1, n1, k2, n2)
        assert ours.low == pytest.approx(low, abs=1e-12)
        assert ours.high == pytest.approx(high, abs=1e-12)
