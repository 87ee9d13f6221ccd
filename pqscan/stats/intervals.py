"""Confidence intervals for a share and for the change of a share between two runs.

Two closed forms, a few lines each, written here rather than imported: statsmodels has both
(`proportion_confint(method="wilson")`, `confint_proportions_2indep(method="newcomb")`) but
would pull numpy, scipy, pandas and patsy (~150 MB) into a scanner for twenty lines of
arithmetic, and `pqscan stats` must run wherever the scanner runs. The z quantile comes from
the standard library (`statistics.NormalDist`). Both are checked against the published worked
examples in tests/stats/test_intervals.py.

- Wilson (1927) score interval for one binomial proportion: Newcombe (1998a), "Two-sided
  confidence intervals for the single proportion", Stat Med 17:857-872, method 3.
- Newcombe's hybrid score interval for a difference of two independent proportions:
  Newcombe (1998b), "Interval estimation for the difference between independent
  proportions: comparison of eleven methods", Stat Med 17:873-890, method 10.
- Its paired form, for the same endpoints in two runs: Newcombe (1998c), "Improved confidence
  intervals for the difference between binomial proportions based on paired data", Stat Med
  17:2635-2650, method 10 (the correlation estimate with its continuity correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval [low, high] around an estimate."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not isinstance(self.low, float | int) or not isinstance(self.high, float | int):
            raise TypeError("interval bounds must be numbers")
        if self.low > self.high:
            raise ValueError(f"interval low {self.low} > high {self.high}")


@cache
def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard normal quantile: 1.959964 for 95%."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _check_counts(count: int, n: int) -> None:
    if any(not isinstance(v, int) or isinstance(v, bool) for v in (count, n)):
        raise TypeError("count and n must be integers")
    if n < 0 or count < 0 or count > n:
        raise ValueError(f"need 0 <= count <= n, got {count}/{n}")


def wilson(count: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """Wilson score interval for count/n; [0, 1] when n is 0 (nothing observed, nothing known).

    The bounds are the roots of |p̂ - p| = z·sqrt(p(1-p)/n) (Newcombe 1998a, eq. for method 3):
    (2np̂ + z² ± z·sqrt(z² + 4np̂q̂)) / (2(n + z²)).
    """
    _check_counts(count, n)
    if n == 0:
        return Interval(0.0, 1.0)
    z = z_value(confidence)
    p = count / n
    centre = 2 * n * p + z * z
    spread = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    denominator = 2 * (n + z * z)
    # clamp the rounding residue at the ends: the roots are exactly 0 at count 0, 1 at count n
    low = 0.0 if count == 0 else max(0.0, (centre - spread) / denominator)
    high = 1.0 if count == n else min(1.0, (centre + spread) / denominator)
    return Interval(low, high)


def newcombe(count_a: int, n_a: int, count_b: int, n_b: int,
             confidence: float = CONFIDENCE) -> Interval:
    """Newcombe's hybrid score interval (method 10) for p_b - p_a, the change from A to B.

    With Wilson intervals (l_a, u_a) and (l_b, u_b) and d = p_b - p_a (Newcombe 1998b):
    low = d - sqrt((p_b - l_b)² + (u_a - p_a)²), high = d + sqrt((u_b - p_b)² + (p_a - l_a)²).
    Undefined (ValueError) when a side decided no endpoint: there is no p to move from.
    """
    wa, wb = wilson(count_a, n_a, confidence), wilson(count_b, n_b, confidence)
    if not n_a or not n_b:
        raise ValueError("a change needs n > 0 on both sides")
    pa, pb = count_a / n_a, count_b / n_b
    d = pb - pa
    low = d - math.sqrt((pb - wb.low) ** 2 + (wa.high - pa) ** 2)
    high = d + math.sqrt((wb.high - pb) ** 2 + (pa - wa.low) ** 2)
    return Interval(max(-1.0, low), min(1.0, high))


def newcombe_paired(both: int, left: int, entered: int, neither: int,
                    confidence: float = CONFIDENCE) -> Interval:
    """Newcombe's paired hybrid score interval (1998c, method 10) for p_B - p_A, where each of
    n endpoints was decided in both runs: `both` in the share in A and B, `left` in A only,
    `entered` in B only, `neither` in none. p_A = (both + left)/n, p_B = (both + entered)/n.

    The two Wilson intervals are combined as for independent samples, less the covariance
    term 2·φ·(...)·(...), where φ is the phi coefficient of the 2x2 table with Newcombe's
    correction: its numerator AD - BC is reduced by n/2 when above it, and 0 when in [0, n/2].
    """
    counts = (both, left, entered, neither)
    if any(not isinstance(v, int) or isinstance(v, bool) for v in counts):
        raise TypeError("paired counts must be integers")
    if min(counts) < 0:
        raise ValueError(f"paired counts must be >= 0, got {counts}")
    n = sum(counts)
    if n == 0:
        raise ValueError("a paired change needs at least one endpoint decided in both runs")
    # Newcombe's notation: p1 = run B, p2 = run A, so d = p1 - p2 is the change A -> B
    e, f, g, h = both, entered, left, neither
    p1, p2 = (e + f) / n, (e + g) / n
    w1, w2 = wilson(e + f, n, confidence), wilson(e + g, n, confidence)
    product = (e + f) * (g + h) * (e + g) * (f + h)
    cross = e * h - f * g
    corrected = cross - n / 2 if cross > n / 2 else 0 if cross >= 0 else cross
    phi = corrected / math.sqrt(product) if product else 0.0
    d = p1 - p2
    a, b = p1 - w1.low, w2.high - p2
    c, k = p2 - w2.low, w1.high - p1
    low = d - math.sqrt(max(0.0, a * a - 2 * phi * a * b + b * b))
    high = d + math.sqrt(max(0.0, c * c - 2 * phi * c * k + k * k))
    return Interval(max(-1.0, low), min(1.0, high))
