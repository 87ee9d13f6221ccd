"""Wilson and Newcombe intervals against the published worked examples.

Wilson (1927) score interval: Newcombe RG (1998a), "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Statistics in Medicine 17:857-872, Table I
(method 3, "score method without continuity correction"), 95%, four decimals.

The method is Wilson EB (1927), "Probable inference, the law of succession, and statistical
inference", JASA 22:209-212; Agresti A & Coull BA (1998), "Approximate is better than 'exact'
for interval estimation of binomial proportions", The American Statistician 52:119-126, note
that at x = 0 it is [0, z²/(n + z²)] (and its mirror at x = n), checked below for every n.

Difference of independent proportions: Newcombe RG (1998b), "Interval estimation for the
difference between independent proportions: comparison of eleven methods", Statistics in
Medicine 17:873-890, Table II, method 10 ("hybrid score, without CC"), examples (a)-(h), 95%.

Paired difference: Newcombe RG (1998c), "Improved confidence intervals for the difference
between binomial proportions based on paired data", Statistics in Medicine 17:2635-2650,
method 10, the paper's examples (a)-(c) (cells e, f, g, h of the 2x2 table), 95%.
"""

from __future__ import annotations

import pytest

from pqscan.stats.intervals import Interval, newcombe, newcombe_paired, wilson, z_value

# (count, n, low, high): Newcombe 1998a Table I, method 3
WILSON_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
]

# (m, n_1, (a), n_2, low, high) for p1 - p2 = m/n_1 - a/n_2: Newcombe 1998b Table II, method 10
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),    # (a)
    (9, 10, 3, 10, 0.1705, 0.8090),      # (b)
    (6, 7, 2, 7, 0.0582, 0.8062),        # (c)
    (5, 56, 0, 29, -0.0381, 0.1926),     # (d)
    (0, 10, 0, 20, -0.1611, 0.2775),     # (e)
    (0, 10, 0, 10, -0.2775, 0.2775),     # (f)
    (10, 10, 0, 20, 0.6791, 1.0000),     # (g)
    (10, 10, 0, 10, 0.6075, 1.0000),     # (h)
]


# (e, f, g, h, low, high) for p1 - p2 = (e+f)/n - (e+g)/n: Newcombe 1998c, method 10
NEWCOMBE_PAIRED = [
    (36, 12, 2, 0, 0.0569, 0.3404),      # (a)
    (18, 12, 2, 18, 0.0562, 0.3290),     # (b)
    (53, 0, 0, 1, -0.0729, 0.0729),      # (c)
]


@pytest.mark.parametrize(("count", "n", "low", "high"), WILSON_TABLE_I)
def test_wilson_matches_newcombe_1998a_table_i(count: int, n: int, low: float,
                                               high: float) -> None:
    interval = wilson(count, n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(("c1", "n1", "c2", "n2", "low", "high"), NEWCOMBE_TABLE_II)
def test_newcombe_matches_1998b_table_ii_method_10(c1: int, n1: int, c2: int, n2: int,
                                                   low: float, high: float) -> None:
    # pqscan's newcombe(a, b) is the change p_b - p_a: the paper's p1 is our run B
    interval = newcombe(c2, n2, c1, n1)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 29, 100, 10_000])
def test_wilson_at_the_ends_is_agresti_coull_closed_form(n: int) -> None:
    z2 = z_value() ** 2
    none, every = wilson(0, n), wilson(n, n)
    assert none.low == 0.0 and none.high == pytest.approx(z2 / (n + z2), rel=1e-12)
    assert every.high == 1.0 and every.low == pytest.approx(n / (n + z2), rel=1e-12)


def test_z_is_the_two_sided_normal_quantile() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.99) == pytest.approx(2.575829, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_nothing_observed_bounds_nothing() -> None:
    assert wilson(0, 0) == Interval(0.0, 1.0)
    with pytest.raises(ValueError):
        newcombe(0, 0, 3, 4)


def test_change_interval_is_antisymmetric() -> None:
    ab, ba = newcombe(3, 8, 1, 4), newcombe(1, 4, 3, 8)
    assert ab.low == pytest.approx(-ba.high) and ab.high == pytest.approx(-ba.low)


def test_bad_counts_are_type_and_value_errors() -> None:
    with pytest.raises(TypeError):
        wilson(1.5, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wilson(True, 3)
    with pytest.raises(ValueError):
        wilson(4, 3)
    with pytest.raises(ValueError):
        wilson(-1, 3)
    with pytest.raises(ValueError):
        Interval(0.5, 0.4)


@pytest.mark.parametrize(("e", "f", "g", "h", "low", "high"), NEWCOMBE_PAIRED)
def test_paired_newcombe_matches_1998c_method_10(e: int, f: int, g: int, h: int, low: float,
                                                 high: float) -> None:
    # the paper's p1 = (e+f)/n is our run B: f endpoints entered the share, g left it
    interval = newcombe_paired(both=e, left=g, entered=f, neither=h)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_paired_interval_is_narrower_than_independent_for_stable_endpoints() -> None:
    # 40 of 100 endpoints in the share in both runs, 5 entered, none left
    paired = newcombe_paired(both=40, left=0, entered=5, neither=55)
    independent = newcombe(40, 100, 45, 100)
    assert paired.high - paired.low < independent.high - independent.low
    assert paired.low > 0 > independent.low  # only the paired view sees the rise
    with pytest.raises(ValueError):
        newcombe_paired(0, 0, 0, 0)
    with pytest.raises(TypeError):
        newcombe_paired(1.0, 0, 0, 0)  # type: ignore[arg-type]
