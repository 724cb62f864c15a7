#!/usr/bin/env python3
"""make_xent_reference.py - writes xent_reference.tsv, the high-precision reference values that
tests/test_extremes.c compares the library with (<= 4 ulp).

Documentation, not part of the build: the committed table is what the test reads. To regenerate:

    apt-get install -y python3-mpmath
    python3 tests/reference/make_xent_reference.py > tests/reference/xent_reference.tsv

Every input is a Python float, so exactly a double, and is written with repr(), which reads back to the same
double. Every value is computed from exactly those doubles with mpmath at PREC bits, in forms without
cancellation or overflow (the same identities as eq. (36) and eq. (38); mpmath's exponent range is unbounded),
then rounded once to the nearest double. Checks made before anything is written:
  - the same values at 2 * PREC bits round to the same doubles;
  - where every |s| <= 1000, the literal printed forms (eq. (1)/(36) -t s + log(1 + e^s), eq. (37), x - t from
    x = 1/(1 + e^-s)) computed at 4 * PREC bits round to the same doubles;
  - no value lies within 2^-(PREC - 100) (relative) of a midpoint between two doubles, where rounding once at
    PREC bits could go the wrong way.
A true value beyond the double range is written as inf: the library must return +inf there.
"""

import math
import sys
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

PREC = 4000
DBL_MAX = sys.float_info.max
DBL_MIN = sys.float_info.min
TRUE_MIN = 5e-324


def to_double(value):
    """value = (main, tail), mpfs whose sum is the true value, rounded to the nearest double (ties to even), +-inf
    beyond the range. tail holds a term that may lie below the working precision (e^-1e308): where main + tail
    is a midpoint between two doubles at PREC bits, main must be that midpoint exactly, and the sign of tail
    decides the rounding. Otherwise such a value stops the script."""
    main, tail = value
    v = main + tail
    if v == 0:
        return 0.0
    sign = -1.0 if v < 0 else 1.0
    a = abs(v)
    if a >= mpf(2) ** 1024 - mpf(2) ** 970:  # DBL_MAX + half an ulp and beyond rounds to 2^1024: overflow
        return sign * math.inf
    if a <= mpf(2) ** -1075:  # at most half the smallest subnormal: 0 (the tie goes to even, 0)
        return sign * 0.0
    exact = Fraction(a.man) * (Fraction(2) ** a.exp)
    d = float(exact)  # int / int in Python rounds correctly, subnormals included
    for nb in (math.nextafter(d, math.inf), math.nextafter(d, 0.0)):
        if not math.isfinite(nb):
            continue
        mid = (Fraction(d) + Fraction(nb)) / 2
        if abs(exact - mid) <= exact * Fraction(2) ** -(PREC - 100):
            exact_main = Fraction(abs(main).man) * Fraction(2) ** abs(main).exp if main != 0 else Fraction(0)
            if tail == 0 or exact_main != mid or abs(tail) > abs(main) * mpf(2) ** -(PREC - 100):
                raise ValueError(f"{v} is within 2^-{PREC - 100} of a midpoint: raise PREC")
            up = (tail > 0) == (main > 0)  # the true |value| lies above the midpoint
            d = max(d, nb) if up else min(d, nb)
    return sign * d


# ---- logistic: eq. (2), eq. (36), eq. (9) --------------------------------------------------------------------

def logistic_values(s_list, t_list):
    """x_i = 1/(1 + e^-s_i); E = sum_i (-t_i s_i + log(1 + e^s_i)) as (1 - t) s + log1p(e^-s) for s >= 0 and
    -t s + log1p(e^s) for s < 0; delta_i = x_i - t_i as (1 - t) - 1/(1 + e^s) for s >= 0. Each as (main, tail)."""
    xs, ds, E_main, E_tail = [], [], mpf(0), mpf(0)
    for s, t in zip(s_list, t_list):
        S, T = mpf(s), mpf(t)
        xs.append((1 / (1 + mpmath.exp(-S)), mpf(0)))
        if S >= 0:
            E_main += (1 - T) * S
            E_tail += mpmath.log1p(mpmath.exp(-S))
            ds.append((1 - T, -1 / (1 + mpmath.exp(S))))
        else:
            E_main += -T * S
            E_tail += mpmath.log1p(mpmath.exp(S))
            ds.append((-T, mpmath.exp(S) / (1 + mpmath.exp(S))))
    return xs, (E_main, E_tail), ds


def logistic_literal(s_list, t_list):
    """The printed forms: x = 1/(1 + e^-s), eq. (36) -t s + log(1 + e^s), x - t. Needs |s| <= 1000."""
    xs, ds, E = [], [], mpf(0)
    for s, t in zip(s_list, t_list):
        S, T = mpf(s), mpf(t)
        x = 1 / (1 + mpmath.exp(-S))
        xs.append((x, mpf(0)))
        E += -T * S + mpmath.log(1 + mpmath.exp(S))
        ds.append((x - T, mpf(0)))
    return xs, (E, mpf(0)), ds


# ---- softmax: eq. (17), eq. (38), eq. (26) -------------------------------------------------------------------

def softmax_values(rows, targets):
    """Per row, m = max s, k its first index, e_j = e^(s_j - m), rest = sum_{j != k} e_j, x_j = e_j / (1 + rest);
    E = sum_i t_i (m - s_i) + (sum_i t_i) log1p(rest); delta_j = x_j - t_j, for j = k as
    (1 - t_k) - rest/(1 + rest). Each as (main, tail)."""
    xs, ds, E_main, E_tail = [], [], mpf(0), mpf(0)
    for s_row, t_row in zip(rows, targets):
        S = [mpf(s) for s in s_row]
        T = [mpf(t) for t in t_row]
        m = max(S)
        k = S.index(m)
        e = [mpmath.exp(sj - m) for sj in S]
        rest = sum((e[j] for j in range(len(S)) if j != k), mpf(0))
        z = 1 + rest
        for j in range(len(S)):
            xs.append((e[j] / z, mpf(0)))
            ds.append((1 - T[j], -rest / z) if j == k else (-T[j], e[j] / z))
        E_main += sum((T[i] * (m - S[i]) for i in range(len(S))), mpf(0))
        E_tail += sum(T, mpf(0)) * mpmath.log1p(rest)
    return xs, (E_main, E_tail), ds


def softmax_literal(rows, targets):
    """The printed forms: eq. (17) x_i = e^s_i / sum_j e^s_j, eq. (37) -sum_i t_i log x_i, x - t. |s| <= 1000."""
    xs, ds, E = [], [], mpf(0)
    for s_row, t_row in zip(rows, targets):
        S = [mpf(s) for s in s_row]
        T = [mpf(t) for t in t_row]
        z = sum((mpmath.exp(sj) for sj in S), mpf(0))
        for sj, tj in zip(S, T):
            x = mpmath.exp(sj) / z
            xs.append((x, mpf(0)))
            ds.append((x - tj, mpf(0)))
            E -= tj * mpmath.log(x)
    return xs, (E, mpf(0)), ds


# ---- the rows ------------------------------------------------------------------------------------------------

S_EXTREMES = [-DBL_MAX, -1e308, -1e300, -1e16, -800.0, -745.5, -740.25, -709.875, -37.5, -30.0, -20.5, -2.5, -1.0,
              -0.5, -1e-10, -DBL_MIN, -1e-310, -TRUE_MIN, -0.0, 0.0, TRUE_MIN, 1e-310, DBL_MIN, 1e-10, 0.5, 1.0, 2.5,
              20.5, 30.0, 37.5, 709.875, 740.25, 745.5, 800.0, 1e16, 1e300, 1e308, DBL_MAX]
GENERAL_T = [0.3, 0.75]

SOFTMAX_ROWS = [
    ([1e308, -1e308, 0.5], "logits 1e308 apart: m - s_i overflows, t_i (m - s_i) need not"),
    ([DBL_MAX, -DBL_MAX, 0.0], "logits 2 DBL_MAX apart"),
    ([-1e308, -1e308, -1e308], "equal logits at -1e308"),
    ([1e308, 1e308, -1e308], "two maxima at 1e308"),
    ([-DBL_MAX, -DBL_MAX, -1e308], "all near -DBL_MAX"),
    ([0.1, -30.3, -40.7], "tiny log-sum: s_j - m rounds, log1p(rest) ~ 6e-14"),
    ([0.0, -740.25, -745.5], "subnormal activations"),
    ([TRUE_MIN, -TRUE_MIN, 0.0], "subnormal logits"),
    ([-0.0, 0.0, 1e-310], "signed zeros and a subnormal"),
    ([DBL_MIN, -DBL_MIN, 0.0], "smallest normal logits"),
    ([800.0, -800.25, 2.375], "beyond the naive form's range"),
    ([709.875, -709.875, 0.0], "around exp overflow"),
    ([40.0, 0.0, 0.0], "winning x rounds to 1"),
    ([1e-10, -1e-10, 0.0], "nearly equal"),
    ([1e16, 1e16 + 2.0, -1e16], "large, 2 apart"),
    ([37.5, 0.0], "two classes"),
    ([-1e300, 1e300], "two classes 2e300 apart"),
    ([2.5, -1.25, 0.375, 3.0], "moderate"),
    ([3.25, -17.5, 0.125, 12.0, -0.75, 30.5], "six classes, wide spread"),
]
DISTRIBUTIONS = {2: [0.25, 0.75], 3: [0.2, 0.3, 0.5], 4: [0.1, 0.2, 0.3, 0.4],
                 6: [0.05, 0.1, 0.15, 0.2, 0.25, 0.25]}


def well_conditioned(x, t):
    """x - t is compared where t is exactly 0 or 1 (there the stable forms must be accurate at every s), or where
    it is well conditioned in t: |x - t| >= t / 4. Near x = t the digits of x - t are those x has beyond the
    double t, which no double-precision evaluation keeps."""
    return t in (0.0, 1.0) or abs(x - mpf(t)) >= mpf(t) / 4


def build_cases():
    cases = []  # (kind, rows, cols, s (flat), t (flat), note)
    for s in S_EXTREMES:
        for t in [0.0, 1.0]:
            cases.append(("logistic", 1, 1, [s], [t], ""))
    for s in S_EXTREMES:
        for t in GENERAL_T:
            cases.append(("logistic", 1, 1, [s], [t], ""))
    near = -0.8472978603872037  # logit(0.3): x = t, x - t ill-conditioned
    cases.append(("logistic", 1, 1, [near], [0.3], "x ~ t: the error is compared, x - t is not"))
    cases.append(("logistic", 1, 2, [1e308, 1e308], [0.0, 0.0], "E = 2e308 overflows: +inf"))
    cases.append(("logistic", 1, 2, [DBL_MAX, -DBL_MAX], [0.0, 1.0], "E = 2 DBL_MAX overflows: +inf"))
    cases.append(("logistic", 1, 2, [1e308, 1e308], [0.5, 0.5], "E = 1e308, finite"))
    cases.append(("logistic", 1, 65, [-1.0] + [-37.5] * 64, [0.25] + [0.0] * 64,
                  "one term 0.56 and 64 terms 5.2e-17, each under half its ulp: a plain sum drops them all (30 ulp)"))
    cases.append(("logistic", 2, 3, [1e308, -1e308, 0.5, -0.0, TRUE_MIN, 800.0], [0.5, 0.25, 0.3, 1.0, 0.0, 0.75],
                  "a 2 x 3 batch of extremes"))
    for row, note in SOFTMAX_ROWS:
        n = len(row)
        for k in range(n):
            t = [0.0] * n
            t[k] = 1.0
            cases.append(("softmax", 1, n, row, t, note))
        cases.append(("softmax", 1, n, row, DISTRIBUTIONS[n], note))
    cases.append(("softmax", 1, 3, [DBL_MAX, -DBL_MAX, 0.0], [0.5, 0.5, 0.0], "E = DBL_MAX exactly, finite"))
    cases.append(("softmax", 1, 3, [DBL_MAX, -DBL_MAX, 0.0], [0.25, 0.5, 0.25], "E = 1.25 DBL_MAX overflows: +inf"))
    cases.append(("softmax", 2, 3, [1e308, -1e308, 0.0, 1e308, -1e308, 0.0], [0.0, 0.5, 0.5, 0.0, 0.5, 0.5],
                  "each row 1.5e308, the batch 3e308 overflows: +inf"))
    cases.append(("softmax", 2, 3, [0.1, -30.3, -40.7, 800.0, -800.25, 2.375], [1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                  "a batch of a tiny and a large error"))
    return cases


def evaluate(kind, rows, cols, s, t, literal=False):
    if kind == "logistic":
        return (logistic_literal if literal else logistic_values)(s, t)
    srows = [s[r * cols:(r + 1) * cols] for r in range(rows)]
    trows = [t[r * cols:(r + 1) * cols] for r in range(rows)]
    return (softmax_literal if literal else softmax_values)(srows, trows)


def doubles(values):
    xs, E, ds = values
    return [to_double(v) for v in xs], to_double(E), [to_double(v) for v in ds]


def fmt(v):
    return "-" if v is None else repr(v)


def main():
    out = sys.stdout
    out.write("# xent_reference.tsv - written by make_xent_reference.py (mpmath %s, %d bits); do not edit by hand.\n"
              % (mpmath.__version__, PREC))
    out.write("# One case per line: kind (logistic: eq. (2), (36), (9) elementwise; softmax: eq. (17), (38), (26) per row),\n"
              "# the batch shape rows x cols, then comma-separated lists in row-major order: the weighted sums s and targets t\n"
              "# (exact doubles, written with repr), the activations x, the error E (the sum over the batch) and\n"
              "# delta = x - t, each the true value rounded once to the nearest double. inf: the true value overflows.\n"
              "# '-' in delta: not compared, x - t is ill-conditioned there (|x - t| < t / 4 with t not 0 or 1); in note: none.\n")
    out.write("kind\trows\tcols\ts\tt\tx\tE\tdelta\tnote\n")
    for kind, rows, cols, s, t, note in build_cases():
        mp.prec = PREC
        values = evaluate(kind, rows, cols, s, t)
        xs, E, ds = doubles(values)
        mp.prec = 2 * PREC
        if doubles(evaluate(kind, rows, cols, s, t)) != (xs, E, ds):
            raise SystemExit(f"{kind} {s} {t}: {PREC} and {2 * PREC} bits round differently")
        if all(abs(v) <= 1000 for v in s):
            mp.prec = 4 * PREC
            lit = doubles(evaluate(kind, rows, cols, s, t, literal=True))
            if lit != (xs, E, ds):
                raise SystemExit(f"{kind} {s} {t}: the literal printed form disagrees: {lit} vs {(xs, E, ds)}")
        mp.prec = PREC
        shown = [d if well_conditioned(x[0], tt) else None for d, x, tt in zip(ds, values[0], t)]
        out.write("\t".join([kind, str(rows), str(cols), ",".join(map(repr, s)), ",".join(map(repr, t)),
                             ",".join(map(repr, xs)), repr(E), ",".join(map(fmt, shown)), note or "-"]) + "\n")


if __name__ == "__main__":
    main()
