#!/usr/bin/env python3
"""make_hidden_reference.py - writes hidden_reference.tsv, the high-precision reference for the hidden units'
delta of eq. (11), eq. (12), eq. (30), eq. (31): dE/ds = dE/dx * x(1 - x), with eq. (7)'s x(1 - x) at s.
tests/test_extremes.c compares bp_logistic_slope, bp_logistic_backward_from_s and a network's hidden delta
(bp_mlp_backward) with it (<= 4 ulp).

Documentation, not part of the build: the committed table is what the test reads. To regenerate:

    apt-get install -y python3-mpmath
    python3 tests/reference/make_hidden_reference.py > tests/reference/hidden_reference.tsv

Every s and dx is a Python float, so exactly a double, written with repr(). x(1 - x) = e^-|s| / (1 + e^-|s|)^2
(no cancellation; mpmath's exponent range is unbounded, so e^-1e308 is a number, not 0) and dx x(1 - x) are
computed at PREC bits and rounded once to the nearest double by make_xent_reference.to_double, which also refuses
a value too close to a midpoint. The same values at 2 * PREC bits must round the same, and where |s| <= 1000 the
literal form x(1 - x) with x = 1 / (1 + e^-s) at 4 * PREC bits must too; otherwise the script stops.
"""

import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_xent_reference import PREC, S_EXTREMES, to_double  # noqa: E402

# Upstream dE/dx: ordinary, negative, and the two ends of the range (dx = 1e300 times a subnormal slope is a
# normal number; dx = 1e-300 times an ordinary slope is subnormal).
DX = [1.0, -0.3, 2.5, 1e300, -1e-300]
# Saturated units of an ordinary network (the reproduction has s ~ 25..95) besides the extremes.
S_SATURATED = [12.5, -17.25, 25.0, 36.75, -48.5, 64.0, 95.125]


def slope(s, literal=False):
    S = mpf(s)
    if literal:
        x = 1 / (1 + mpmath.exp(-S))
        return x * (1 - x)
    e = mpmath.exp(-abs(S))
    return e / (1 + e) ** 2


def row(s, dx, literal=False):
    g = slope(s, literal)
    return to_double((g, mpf(0))), to_double((mpf(dx) * g, mpf(0)))


def main():
    out = sys.stdout
    out.write("# hidden_reference.tsv - written by make_hidden_reference.py (mpmath %s, %d bits); do not edit by hand.\n"
              % (mpmath.__version__, PREC))
    out.write("# One case per line: s and the upstream dx = dE/dx (exact doubles, written with repr), slope = x(1 - x) of\n"
              "# eq. (7) at s and delta = dx x(1 - x) of eq. (11), eq. (12), each the true value rounded once to the\n"
              "# nearest double.\n")
    out.write("s\tdx\tslope\tdelta\n")
    for s in S_EXTREMES + S_SATURATED:
        for dx in DX:
            mp.prec = PREC
            values = row(s, dx)
            mp.prec = 2 * PREC
            if row(s, dx) != values:
                raise SystemExit(f"s = {s!r}, dx = {dx!r}: {PREC} and {2 * PREC} bits round differently")
            if abs(s) <= 1000:
                mp.prec = 4 * PREC
                if row(s, dx, literal=True) != values:
                    raise SystemExit(f"s = {s!r}, dx = {dx!r}: the literal x(1 - x) disagrees")
            out.write("\t".join([repr(s), repr(dx), repr(values[0]), repr(values[1])]) + "\n")


if __name__ == "__main__":
    main()
