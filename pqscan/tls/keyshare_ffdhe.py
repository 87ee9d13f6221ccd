"""The RFC 7919 finite-field Diffie-Hellman groups (ffdhe2048 ... ffdhe8192).

Owns the group primes. Rather than pasting kilobytes of hex, each prime is rebuilt from the
closed form RFC 7919 Appendix A gives for every group:

    p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1,   g = 2

with the group's published constant X. The tests compare the result with an independent copy
of the hex values (tlslite-ng's RFC 7919 table).
"""

from __future__ import annotations

from functools import cache

GENERATOR = 2  # RFC 7919 Appendix A: g = 2 for every group

# RFC 7919 Appendix A.1-A.5: bit length b -> the constant X of the closed form.
_X_CONSTANTS = {
    2048: 560316,
    3072: 2625351,
    4096: 5736041,
    6144: 15705020,
    8192: 10965728,
}

FFDHE_BITS: dict[str, int] = {f"ffdhe{b}": b for b in _X_CONSTANTS}


def _floor_e_times_power_of_two(n: int) -> int:
    """floor(2^n * e) by the series e = sum 1/k!, with guard bits against truncation error."""
    guard = 64
    term = 1 << (n + guard)
    total = 0
    k = 0
    while term:
        total += term
        k += 1
        term //= k
    # Each of the ~n/log2(n) truncating divisions loses < 1 unit; 64 guard bits absorb that.
    return total >> guard


@cache
def ffdhe_prime(name: str) -> int:
    """The prime p of an RFC 7919 group, by group name ("ffdhe2048"); ValueError if unknown."""
    bits = FFDHE_BITS.get(name)
    if bits is None:
        raise ValueError(f"{name!r} is not an RFC 7919 FFDHE group")
    core = _floor_e_times_power_of_two(bits - 130) + _X_CONSTANTS[bits]
    return (1 << bits) - (1 << (bits - 64)) + core * (1 << 64) - 1


def ffdhe_byte_len(name: str) -> int:
    """Size of p in bytes: the fixed length of shares and secrets (RFC 8446 §4.2.8.1, §7.4.1)."""
    return (ffdhe_prime(name).bit_length() + 7) // 8
