"""The MODP Diffie-Hellman groups SSH names (RFC 4253 §8.1-8.2, RFC 8268 §3): Oakley group 2
(RFC 2409 §6.2) and RFC 3526 groups 14-18.

Like `pqscan.tls.keyshare_ffdhe`, each prime is rebuilt from its published closed form

    p = 2^b - 2^{b-64} - 1 + 2^64 * ( [2^{b-130} pi] + X ),   g = 2

rather than pasted as kilobytes of hex; the tests compare with an independent copy (asyncssh).
"""

from __future__ import annotations

from functools import cache

GENERATOR = 2  # RFC 3526 §2-§7 and RFC 2409 §6.2: g = 2

# group number -> (bit length b, constant X) from RFC 2409 §6.2 and RFC 3526 §3-§7
_GROUPS = {
    2: (1024, 129093),
    14: (2048, 124476),
    15: (3072, 1690314),
    16: (4096, 240904),
    17: (6144, 929484),
    18: (8192, 4743158),
}


def _arctan_inverse(x: int, one: int) -> int:
    """arctan(1/x) * one by its alternating series (integer arithmetic)."""
    total = term = one // x
    x2, n, sign = x * x, 3, -1
    while term:
        term //= x2
        total += sign * (term // n)
        n, sign = n + 2, -sign
    return total


def _floor_pi_times_power_of_two(n: int) -> int:
    """floor(2^n * pi) by Machin's formula pi = 16 arctan(1/5) - 4 arctan(1/239)."""
    guard = 64  # the series' truncations lose far fewer than 2^64 units
    one = 1 << (n + guard)
    pi = 16 * _arctan_inverse(5, one) - 4 * _arctan_inverse(239, one)
    return pi >> guard


@cache
def modp_prime(group: int) -> int:
    """The prime of MODP group `group` (2, 14-18); ValueError if unknown."""
    if group not in _GROUPS:
        raise ValueError(f"no MODP group {group!r}")
    bits, x = _GROUPS[group]
    core = _floor_pi_times_power_of_two(bits - 130) + x
    return (1 << bits) - (1 << (bits - 64)) - 1 + core * (1 << 64)
