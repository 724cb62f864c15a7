/* activation.c - logistic eq. (2), eq. (7) and softmax eq. (17), eq. (21), eq. (22); eq. (2) and eq. (17) also
 * continued to complex arguments for the complex step. */
#include "activation.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_machine.h>

#include "core.h"
#include "softmax_row.h"

/* <complex.h> after every GSL header: included first, it would turn gsl_complex into double _Complex here only */
#include <complex.h>

#include "cmplx.h"
#include <math.h>

/* e^t for t <= 0, the exponential of eq. (2) and eq. (7) in every logistic unit, by Tang's table method:
 * t = k ln2 / 32 + r with k = 32 n + j and |r| <= ln2 / 64 gives e^t = 2^n 2^{j/32} e^r.
 *   - 2^{j/32} is a double plus its rounding error (exp2_32nds, from 50-digit decimal arithmetic);
 *   - e^r - 1 is its Taylor polynomial to r^6 (the rest is below 2^-57, a 30th of an ulp);
 *   - ln2 / 32 is split in two so that k times the head is exact.
 * Within 0.56 ulp of expl on 2e7 points of [-708, 0], as glibc's exp (test_speed checks 0.6 down to -745). Only
 * for normal results: lanes below -708, and NaN, go to exp(). Four lanes at a time in GCC vector extensions, with
 * plain IEEE operations and never an FMA, so that an AVX2 build gives the scalar build's bits. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* clang would fuse a * b + c where FMA is there; GCC does not in ISO C mode */
#endif
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t v4i __attribute__((vector_size(4 * sizeof(int64_t))));
#define V4(v) ((v4d){(v), (v), (v), (v)})
#define V4I(v) ((v4i){(v), (v), (v), (v)})
#define EXP_LANES_MIN (-708.0) /* e^-708 = 3.3e-308 > DBL_MIN: 2^n stays a normal scale */

static const double exp2_32nds[32][2] = {
    {0x1.0000000000000p+0, 0x0.0p+0},
    {0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55},
    {0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54},
    {0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54},
    {0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55},
    {0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54},
    {0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54},
    {0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55},
    {0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55},
    {0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54},
    {0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55},
    {0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59},
    {0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56},
    {0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55},
    {0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54},
    {0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54},
    {0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54},
    {0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55},
    {0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55},
    {0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54},
    {0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54},
    {0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57},
    {0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56},
    {0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54},
    {0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54},
    {0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56},
    {0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55},
    {0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56},
    {0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55},
    {0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54},
    {0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54},
    {0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54},
};

static inline __attribute__((always_inline)) void exp_lanes(v4d *tp) { /* in place: no vector by value (psabi) */
  v4d t = *tp;
  const double k_per_t = 0x1.71547652b82fep+5;                                  /* 32 / ln2 */
  const double step_hi = 0x1.62e42fefa0000p-6, step_lo = 0x1.cf79abc9e3b3ap-45; /* ln2 / 32, head and tail */
  const double round_shift = 0x1.8p52; /* adding it rounds to an integer held in the low bits */
  v4d k = t * k_per_t + round_shift, y;
  v4i bits;
  memcpy(&bits, &k, sizeof k);
  bits -= V4I(0x4338000000000000); /* k itself */
  k -= round_shift;
  v4d r = (t - k * step_hi) - k * step_lo;
  v4d p = V4(1.0 / 720) * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = r + (r * r) * p;              /* e^r - 1 */
  v4i j = bits & 31, n = bits >> 5; /* k = 32 n + j, the shift rounding down as GCC and clang do */
  v4d hi = {exp2_32nds[j[0]][0], exp2_32nds[j[1]][0], exp2_32nds[j[2]][0], exp2_32nds[j[3]][0]};
  v4d lo = {exp2_32nds[j[0]][1], exp2_32nds[j[1]][1], exp2_32nds[j[2]][1], exp2_32nds[j[3]][1]};
  y = hi + (hi * p + lo);
  memcpy(&bits, &y, sizeof y);
  bits += n * ((int64_t)1 << 52); /* times 2^n: n is added to the exponent field */
  memcpy(tp, &bits, sizeof bits);
}

/* e^t for t <= 0 with exp_lanes's bits, so that every logistic of the library rounds alike. */
static double exp_nonpositive(double t) {
  if (!(t >= EXP_LANES_MIN)) return exp(t);
  v4d y = V4(t);
  exp_lanes(&y);
  return y[0];
}

/* eq. (2). For s < 0 use e^s / (1 + e^s) so the exponential never overflows. */
double bp_logistic(double s) {
  if (s >= 0) return 1.0 / (1.0 + exp_nonpositive(-s));
  double e = exp_nonpositive(s);
  return e / (1.0 + e);
}

/* x86-64 builds carry an AVX2 copy of the loop below beside the baseline one, picked once at load time (GCC's
 * target_clones); without FMA the two give the same bits. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WITH_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef WITH_AVX2_CLONE
#define WITH_AVX2_CLONE
#endif

/* eq. (2) and its complement from one exponential: with e = e^{-|s|}, x = 1 / (1 + e) and q = e / (1 + e) for
 * s >= 0 (bp_logistic's own operations for x), swapped for s < 0. */
static void logistic_pair_one(double s, double *x, double *q) {
  double e = exp_nonpositive(-fabs(s)), d = 1.0 + e;
  double big = 1.0 / d, small = e / d;
  *x = (s >= 0) ? big : small;
  if (q) *q = (s >= 0) ? small : big;
}

/* The same on a row of n entries (q may be NULL, x may be s), four at a time; a block with a saturated (|s| > 708)
 * or NaN entry goes one by one. */
WITH_AVX2_CLONE static void logistic_pair_row(const double *s, double *x, double *q, size_t n) {
  const v4i sign = V4I(INT64_MIN);
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    v4d sv, t;
    v4i bits;
    memcpy(&sv, s + c, sizeof sv);
    memcpy(&bits, &sv, sizeof sv);
    bits |= sign;
    memcpy(&t, &bits, sizeof t); /* -|s| */
    v4i in_range = (t >= EXP_LANES_MIN);
    if (!(in_range[0] & in_range[1] & in_range[2] & in_range[3])) {
      for (size_t i = c; i < c + 4; i++) logistic_pair_one(s[i], x + i, q ? q + i : NULL);
      continue;
    }
    v4d e = t;
    exp_lanes(&e);
    v4d d = 1.0 + e, big = 1.0 / d, small = e / d;
    v4i nonneg = (sv >= 0.0), big_bits, small_bits;
    memcpy(&big_bits, &big, sizeof big);
    memcpy(&small_bits, &small, sizeof small);
    v4i xb = (big_bits & nonneg) | (small_bits & ~nonneg), qb = (small_bits & nonneg) | (big_bits & ~nonneg);
    memcpy(x + c, &xb, sizeof xb);
    if (q) memcpy(q + c, &qb, sizeof qb);
  }
  for (; c < n; c++) logistic_pair_one(s[c], x + c, q ? q + c : NULL);
}

/* eq. (2): X = logistic(S), B x n. */
int bp_logistic_forward(const gsl_matrix *S, gsl_matrix *X) {
  int status = bp_core_check_shape("bp_logistic_forward", S, "S", X, "X");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) /* along the rows, as the data lie */
    logistic_pair_row(S->data + r * S->tda, X->data + r * X->tda, NULL, S->size2);
  return GSL_SUCCESS;
}

int bp_logistic_forward_pair(const gsl_matrix *S, gsl_matrix *X, gsl_matrix *Q) {
  int status = bp_core_check_shape("bp_logistic_forward_pair", S, "S", X, "X");
  if (!status) status = bp_core_check_shape("bp_logistic_forward_pair", S, "S", Q, "Q");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) /* along the rows, as the data lie */
    logistic_pair_row(S->data + r * S->tda, X->data + r * X->tda, Q->data + r * Q->tda, S->size2);
  return GSL_SUCCESS;
}

/* eq. (7): D = x(1 - x). */
int bp_logistic_deriv(const gsl_matrix *X, gsl_matrix *D) {
  int status = bp_core_check_shape("bp_logistic_deriv", X, "X", D, "D");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double x = gsl_matrix_get(X, r, c);
      gsl_matrix_set(D, r, c, x * (1.0 - x));
    }
  return GSL_SUCCESS;
}

/* Forward did x = logistic(s) elementwise, so dE/ds = dE/dx * dx/ds with dx/ds = x(1 - x) (eq. 7): the
 * diagonal Jacobian turns the chain-rule sum of eq. (11), eq. (13) into one product per unit. Writes dS. */
int bp_logistic_backward(const gsl_matrix *X, const gsl_matrix *dX, gsl_matrix *dS) {
  int status = bp_core_check_shape("bp_logistic_backward", X, "X", dX, "dX");
  if (!status) status = bp_core_check_shape("bp_logistic_backward", X, "X", dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      double x = gsl_matrix_get(X, r, c);
      gsl_matrix_set(dS, r, c, gsl_matrix_get(dX, r, c) * x * (1.0 - x));
    }
  return GSL_SUCCESS;
}

/* eq. (7) from s. x(1 - x) = sigma(s) sigma(-s) is even in s, and with e = e^{-|s|} <= 1 it is e / (1 + e)^2:
 * no subtraction, so each of exp, 1 + e, the square and the division rounds once (within 3 ulp in all). */
double bp_logistic_slope(double s) {
  double e = exp(-fabs(s)), d = 1.0 + e;
  return e / (d * d);
}

/* dx * x(1 - x) at s. Where e^{-|s|} is subnormal (|s| > 708.4) its few bits would leave dx e^{-|s|} with few
 * digits although it may be a normal number (dx = 1e300); there 1 + e = 1 exactly, and (dx h) h with
 * h = e^{-|s|/2} (|s|/2 exact) keeps every digit the result can hold. */
static double times_slope(double dx, double s) {
  double a = fabs(s);
  if (a < -GSL_LOG_DBL_MIN) return dx * bp_logistic_slope(s);
  double h = exp(-0.5 * a);
  return (dx * h) * h;
}

/* Forward did x = logistic(s); dE/ds = dE/dx * dx/ds (eq. 7), dx/ds from s itself. Writes dS. */
int bp_logistic_backward_from_s(const gsl_matrix *S, const gsl_matrix *dX, gsl_matrix *dS) {
  int status = bp_core_check_shape("bp_logistic_backward_from_s", S, "S", dX, "dX");
  if (!status) status = bp_core_check_shape("bp_logistic_backward_from_s", S, "S", dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) { /* along the rows, as the data lie; dS may be dX */
    const double *s = S->data + r * S->tda, *dx = dX->data + r * dX->tda;
    double *ds = dS->data + r * dS->tda;
    for (size_t c = 0; c < S->size2; c++) ds[c] = times_slope(dx[c], s[c]);
  }
  return GSL_SUCCESS;
}

/* Forward kept x and q = 1 - x (bp_logistic_forward_pair); dE/ds = dE/dx * x q (eq. 7). Where x or q is below
 * DBL_MIN their product has lost digits to underflow: times_slope from s there. Writes dS. */
int bp_logistic_backward_from_pair(const gsl_matrix *S, const gsl_matrix *X, const gsl_matrix *Q, const gsl_matrix *dX,
                                   gsl_matrix *dS) {
  int status = bp_core_check_shape("bp_logistic_backward_from_pair", S, "S", dX, "dX");
  if (!status) status = bp_core_check_shape("bp_logistic_backward_from_pair", S, "S", dS, "dS");
  if (!status) status = bp_core_check_shape("bp_logistic_backward_from_pair", S, "S", X, "X");
  if (!status) status = bp_core_check_shape("bp_logistic_backward_from_pair", S, "S", Q, "Q");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) {
    const double *s = S->data + r * S->tda, *x = X->data + r * X->tda, *q = Q->data + r * Q->tda,
                 *dx = dX->data + r * dX->tda;
    double *ds = dS->data + r * dS->tda;
    for (size_t c = 0; c < S->size2; c++)
      ds[c] = (x[c] >= DBL_MIN && q[c] >= DBL_MIN) ? dx[c] * (x[c] * q[c]) : times_slope(dx[c], s[c]);
  }
  return GSL_SUCCESS;
}

/* e^{s - m} for s <= m. The difference d = s - m is rounded by up to |d| eps / 2, which the exponential turns into
 * a relative error of up to |d| / 2 ulp (~370 ulp near d = -745); e^{d + err} = e^d (1 + err) puts back the exact
 * rounding error err of s - m (two-sum). d = -inf (logits ~1e308 apart) gives 0. */
static double shifted_exp(double s, double m) {
  double d = s - m;
  if (!isfinite(d)) return exp(d);
  double back = d - s;
  double err = (s - (d - back)) + (-m - back);
  double e = exp(d);
  return e + e * err;
}

double bp_softmax_row_exp(const gsl_matrix *S, size_t r, gsl_matrix *E, size_t *argmax, double *max) {
  const double *s = S->data + r * S->tda; /* the row's data (E may be S: each entry is read before it is written) */
  double *e_row = E ? E->data + r * E->tda : NULL;
  size_t k = 0;
  double m = s[0];
  for (size_t c = 1; c < S->size2; c++)
    if (s[c] > m) m = s[c], k = c;
  double rest = 0.0;
  for (size_t c = 0; c < S->size2; c++) {
    double e = (c == k) ? 1.0 : shifted_exp(s[c], m);
    if (c != k) rest += e;
    if (e_row) e_row[c] = e;
  }
  *argmax = k;
  *max = m;
  return rest;
}

/* eq. (17), row by row, with the row maximum subtracted first: every exponent is <= 0, and the maximum's own
 * term is exactly 1. */
int bp_softmax_forward(const gsl_matrix *S, gsl_matrix *X) {
  int status = bp_core_check_shape("bp_softmax_forward", S, "S", X, "X");
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) {
    size_t k;
    double m;
    double z = 1.0 + bp_softmax_row_exp(S, r, X, &k, &m);
    for (size_t c = 0; c < S->size2; c++) gsl_matrix_set(X, r, c, gsl_matrix_get(X, r, c) / z);
  }
  return GSL_SUCCESS;
}

/* Forward normalised each row, so every x_k depends on every s_i: with eq. (21),
 * dE/ds_i = sum_k dE/dx_k x_k (delta_ki - x_i) = x_i (dE/dx_i - <dE/dx, x>). Writes dS (may alias dX). */
int bp_softmax_backward(const gsl_matrix *X, const gsl_matrix *dX, gsl_matrix *dS) {
  int status = bp_core_check_shape("bp_softmax_backward", X, "X", dX, "dX");
  if (!status) status = bp_core_check_shape("bp_softmax_backward", X, "X", dS, "dS");
  if (status) return status;
  for (size_t r = 0; r < X->size1; r++) {
    double dot = 0.0;
    for (size_t c = 0; c < X->size2; c++) dot += gsl_matrix_get(dX, r, c) * gsl_matrix_get(X, r, c);
    for (size_t c = 0; c < X->size2; c++) {
      double x = gsl_matrix_get(X, r, c);
      gsl_matrix_set(dS, r, c, x * (gsl_matrix_get(dX, r, c) - dot));
    }
  }
  return GSL_SUCCESS;
}

/* eq. (21): x_i(1 - x_i) on the diagonal, -x_i x_k off it. */
int bp_softmax_jacobian(const gsl_vector *x, gsl_matrix *J) {
  if (J->size1 != x->size || J->size2 != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_softmax_jacobian: J is %zu x %zu but x has length %zu", J->size1, J->size2, x->size);
  for (size_t i = 0; i < x->size; i++)
    for (size_t k = 0; k < x->size; k++) {
      double xi = gsl_vector_get(x, i), xk = gsl_vector_get(x, k);
      gsl_matrix_set(J, i, k, (i == k) ? xi * (1.0 - xi) : -xi * xk);
    }
  return GSL_SUCCESS;
}

/* ---- complex continuations (the complex step of fd.h) ----------------------------------------------------------
 * C99 complex arithmetic inside, gsl_matrix_complex outside (the same two doubles per entry). */

static double complex get_z(const gsl_matrix_complex *M, size_t r, size_t c) {
  gsl_complex z = gsl_matrix_complex_get(M, r, c);
  return bp_cmplx(GSL_REAL(z), GSL_IMAG(z));
}

static void set_z(gsl_matrix_complex *M, size_t r, size_t c, double complex z) {
  gsl_matrix_complex_set(M, r, c, gsl_complex_rect(creal(z), cimag(z)));
}

static int check_shape_complex(const char *who, const gsl_matrix_complex *S, gsl_matrix_complex *X) {
  if (S->size1 != X->size1 || S->size2 != X->size2)
    BP_ERROR(GSL_EBADLEN, "%s: S is %zu x %zu but X is %zu x %zu", who, S->size1, S->size2, X->size1, X->size2);
  return GSL_SUCCESS;
}

/* e^{a + ib} for a <= 0: bp_logistic's e^a times cos b + i sin b. Below |b| = 2^-27 (every complex step) those are
 * 1 and b as correctly rounded (b^2 / 2 and b^2 / 6 are below half an ulp), so sincos is left out. */
static double complex cexp_nonpositive(double a, double b) {
  double e = exp_nonpositive(a);
  if (fabs(b) < 0x1p-27) return bp_cmplx(e, e * b);
  return bp_cmplx(e * cos(b), e * sin(b));
}

/* n / (1 + e) by Smith's method (with |e| <= 1 nothing overflows; libgcc's general division, which rescues
 * infinities and rescales, took a third of a complex check). On the real axis it is n / (1 + e) in real numbers. */
static double complex over_one_plus(double complex n, double complex e) {
  double c = 1.0 + creal(e), d = cimag(e), a = creal(n), b = cimag(n);
  if (fabs(c) >= fabs(d)) {
    double r = d / c, den = c + d * r;
    return bp_cmplx((a + b * r) / den, (b - a * r) / den);
  }
  double r = c / d, den = c * r + d;
  return bp_cmplx((a * r + b) / den, (b * r - a) / den);
}

/* eq. (2) at complex s. 1 / (1 + e^{-s}) and e^s / (1 + e^s) are one analytic function; Re s picks the form whose
 * exponential has modulus e^{-|Re s|} <= 1, exactly as bp_logistic picks by the sign of s, and takes e^{-|Re s|}
 * from the same exponential, so on the real axis the same operations give the same value. */
static double complex logistic_complex(double complex s) {
  if (creal(s) >= 0) return over_one_plus(1.0, cexp_nonpositive(-creal(s), -cimag(s)));
  double complex e = cexp_nonpositive(creal(s), cimag(s));
  return over_one_plus(e, e);
}

/* eq. (2): X = logistic(S), B x n, complex. X may be S. */
int bp_logistic_forward_complex(const gsl_matrix_complex *S, gsl_matrix_complex *X) {
  int status = check_shape_complex("bp_logistic_forward_complex", S, X);
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) { /* along the rows; an entry is two doubles, C11's double complex */
    const double *s = S->data + 2 * r * S->tda;
    double *x = X->data + 2 * r * X->tda;
    for (size_t c = 0; c < S->size2; c++) {
      double complex z = logistic_complex(bp_cmplx(s[2 * c], s[2 * c + 1]));
      x[2 * c] = creal(z), x[2 * c + 1] = cimag(z);
    }
  }
  return GSL_SUCCESS;
}

/* e^{s - s_k} with Re s <= Re s_k = m. The real part of the exponent, Re s - m, is rounded exactly as in
 * shifted_exp above and its rounding error put back the same way (two-sum); the imaginary part Im s - Im s_k
 * carries the step. */
static double complex shifted_cexp(double complex s, double complex s_k) {
  double a = creal(s), m = creal(s_k);
  double d = a - m;
  double complex e = cexp(bp_cmplx(d, cimag(s) - cimag(s_k)));
  if (!isfinite(d)) return e;
  double back = d - a;
  double err = (a - (d - back)) + (-m - back);
  return e + e * err;
}

/* The shift invariance after eq. (38) holds for any complex constant c: e^{s_i - c} / sum_j e^{s_j - c} and
 * c + log sum_j e^{s_j - c} do not depend on c. The real code shifts by the row maximum m; here the shift is the
 * entry s_k = m + i Im s_k whose REAL part is that maximum (k chosen by comparing real parts, as the real code
 * compares s). Every exponent then has real part <= 0, and the winner's own term is e^0 = 1 exactly, so
 * sum = 1 + rest keeps its exact 1 (log1p(rest) in eq. 38). Shifting by the real m alone would leave the winner
 * e^{i Im s_k} != 1: with the step on the winner, the O(h^2) real part cos(h) - 1 swamps a rest below ~1e-40 in
 * log|1 + rest| (E = 1.6e-304 came out 0), and its derivative came from -t_k h + x_k h, cancelling (8e-10 relative
 * error measured where the winner's target is 1). */
gsl_complex bp_softmax_row_exp_complex(const gsl_matrix_complex *S, size_t r, gsl_matrix_complex *E, size_t *argmax) {
  size_t k = 0;
  double complex s_k = get_z(S, r, 0);
  for (size_t c = 1; c < S->size2; c++)
    if (creal(get_z(S, r, c)) > creal(s_k)) s_k = get_z(S, r, c), k = c;
  double complex rest = 0.0;
  for (size_t c = 0; c < S->size2; c++) {
    double complex e = (c == k) ? 1.0 : shifted_cexp(get_z(S, r, c), s_k);
    if (c != k) rest += e;
    if (E) set_z(E, r, c, e);
  }
  *argmax = k;
  return gsl_complex_rect(creal(rest), cimag(rest));
}

/* eq. (17) at complex s, row by row: x_c = e^{s_c - s_k} / (1 + rest) (bp_softmax_row_exp_complex). */
int bp_softmax_forward_complex(const gsl_matrix_complex *S, gsl_matrix_complex *X) {
  int status = check_shape_complex("bp_softmax_forward_complex", S, X);
  if (status) return status;
  for (size_t r = 0; r < S->size1; r++) {
    size_t k;
    gsl_complex rest = bp_softmax_row_exp_complex(S, r, X, &k);
    double complex z = 1.0 + bp_cmplx(GSL_REAL(rest), GSL_IMAG(rest));
    for (size_t c = 0; c < S->size2; c++) set_z(X, r, c, get_z(X, r, c) / z);
  }
  return GSL_SUCCESS;
}
