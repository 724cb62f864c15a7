/* ladder.c - the precision ladder (see ladder.h): one gradient check, written once as a type-generic body and
 * instantiated for float, double and long double. */
#include "ladder.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core.h"

#define NI BP_LADDER_N_IN
#define NH BP_LADDER_N_HIDDEN
#define NO BP_LADDER_N_OUT
#define NB BP_LADDER_BATCH
#define NP BP_LADDER_N_PARAMS
/* Where each block starts in w (and in the gradient, which mirrors it): w_kj of W1 is w[W1 + k NH + j], w_ji of
 * W2 is w[W2 + j NO + i]. */
#define W1 0
#define B1 (NI * NH)
#define W2 (B1 + NH)
#define B2 (W2 + NH * NO)

/* Entries below this fraction of the largest |a_i| are left out of max_rel_err (ladder.h). */
#define MAX_REL_ERR_CUTOFF 1e-2

/* ||a - n||_2 / ||n||_2 and the largest entry relative error, in long double whatever the rung: the measuring
 * stick must be finer than what it measures. */
static void measure(const long double *a, const long double *n, double *norm_rel_err, double *max_rel_err) {
  long double diff2 = 0.0L, n2 = 0.0L, a_max = 0.0L, worst = 0.0L;
  for (size_t i = 0; i < NP; i++) {
    long double d = a[i] - n[i];
    diff2 += d * d;
    n2 += n[i] * n[i];
    a_max = fmaxl(a_max, fabsl(a[i]));
  }
  for (size_t i = 0; i < NP; i++) {
    long double scale = fmaxl(fabsl(a[i]), fabsl(n[i]));
    if (fabsl(a[i]) < MAX_REL_ERR_CUTOFF * a_max || scale == 0.0L) continue;
    worst = fmaxl(worst, fabsl(a[i] - n[i]) / scale);
  }
  /* A numeric gradient that is all zero (every w + h rounded back to w) has no relative error to speak of. */
  *norm_rel_err = (n2 > 0.0L) ? (double)sqrtl(diff2 / n2) : HUGE_VAL;
  *max_rel_err = (double)worst;
}

/* The relative step of sweep entry s: 10^(-k/4), k = K_FIRST + s. */
static double sweep_step(size_t s) { return pow(10.0, -(double)(BP_LADDER_K_FIRST + (int)s) / 4.0); }

/* ---- the check, once, for any real type ------------------------------------------------------------------------
 * BP_LADDER_DEFINE(real, sfx, EXP, LOG1P, FABS, FMAX, CBRT, EPS) defines, with every operation in `real`:
 *   logistic_sfx   x = 1 / (1 + e^-s)                                                          eq. (2)
 *   loss_sfx       E = sum over examples and outputs of -t s + log(1 + e^s)                    eq. (36)
 *   backprop_sfx   the gradient of E by backprop, WRITTEN into g              eq. (9), (10), (12), (16)
 *   numeric_sfx    central differences of loss_sfx at relative step h, WRITTEN into g
 *   rung_sfx       the whole rung: weights converted from double, both gradients, the errors.
 * The literal suffixes stay out: (real)1 is 1.0f, 1.0 or 1.0L as the type asks. */
#define BP_LADDER_DEFINE(real, sfx, EXP, LOG1P, FABS, FMAX, CBRT, EPS)                                             \
  /* eq. (2). For s very negative e^-s overflows to inf and x is 0, its limit. */                                  \
  static real logistic_##sfx(real s) { return (real)1 / ((real)1 + EXP(-s)); }                                     \
                                                                                                                   \
  /* The hidden layer of one example: x1_j = logistic(b1_j + sum_k x0_k w_kj), eq. (2), eq. (3). */                \
  static void hidden_##sfx(const real *w, const real *x0, real *x1) {                                              \
    for (size_t j = 0; j < NH; j++) {                                                                              \
      real s = w[B1 + j];                                                                                          \
      for (size_t k = 0; k < NI; k++) s += x0[k] * w[W1 + k * NH + j];                                             \
      x1[j] = logistic_##sfx(s);                                                                                   \
    }                                                                                                              \
  }                                                                                                                \
  /* The output's weighted sum s_i = b2_i + sum_j x1_j w_ji, eq. (3). */                                           \
  static real output_sum_##sfx(const real *w, const real *x1, size_t i) {                                          \
    real s = w[B2 + i];                                                                                            \
    for (size_t j = 0; j < NH; j++) s += x1[j] * w[W2 + j * NO + i];                                               \
    return s;                                                                                                      \
  }                                                                                                                \
                                                                                                                   \
  /* eq. (36): E = -t s + log(1 + e^s), with log(1 + e^s) = max(s, 0) + log1p(e^-|s|) so that e^s never        \
   * overflows and nothing is lost to 1 + tiny; summed over the outputs and the batch. */   \
  static real loss_##sfx(const real *w, const real *X0, const real *T) {                                           \
    real E = 0, x1[NH];                                                                                            \
    for (size_t b = 0; b < NB; b++) {                                                                              \
      hidden_##sfx(w, X0 + b * NI, x1);                                                                            \
      for (size_t i = 0; i < NO; i++) {                                                                            \
        real s = output_sum_##sfx(w, x1, i), t = T[b * NO + i];                                                    \
        E += FMAX(s, (real)0) - t * s + LOG1P(EXP(-FABS(s)));                                                      \
      }                                                                                                            \
    }                                                                                                              \
    return E;                                                                                                      \
  }                                                                                                                \
                                                                                                                   \
  /* Backprop, per example, accumulated over the batch into g (which it zeroes first):                          \
   *   dE/ds_i  = x_i - t_i                               eq. (9)                                               \
   *   dE/dw_ji = (x_i - t_i) x_j,  dE/db_i = x_i - t_i    eq. (10)                                              \
   *   dE/ds_j  = sum_i (x_i - t_i) w_ji x_j (1 - x_j)     eq. (12)                                              \
   *   dE/dw_kj = dE/ds_j x_k,      dE/db_j = dE/ds_j      eq. (16) */  \
  static void backprop_##sfx(const real *w, const real *X0, const real *T, real *g) {                              \
    for (size_t p = 0; p < NP; p++) g[p] = 0;                                                                      \
    for (size_t b = 0; b < NB; b++) {                                                                              \
      const real *x0 = X0 + b * NI;                                                                                \
      real x1[NH], ds2[NO];                                                                                        \
      hidden_##sfx(w, x0, x1);                                                                                     \
      for (size_t i = 0; i < NO; i++) {                                                                            \
        ds2[i] = logistic_##sfx(output_sum_##sfx(w, x1, i)) - T[b * NO + i]; /* eq. (9) */                         \
        g[B2 + i] += ds2[i];                                                                                       \
        for (size_t j = 0; j < NH; j++) g[W2 + j * NO + i] += ds2[i] * x1[j]; /* eq. (10) */                       \
      }                                                                                                            \
      for (size_t j = 0; j < NH; j++) {                                                                            \
        real dx1 = 0;                                                                                              \
        for (size_t i = 0; i < NO; i++) dx1 += ds2[i] * w[W2 + j * NO + i];                                        \
        real ds1 = dx1 * x1[j] * ((real)1 - x1[j]); /* eq. (12) */                                                 \
        g[B1 + j] += ds1;                                                                                          \
        for (size_t k = 0; k < NI; k++) g[W1 + k * NH + j] += ds1 * x0[k]; /* eq. (16) */                          \
      }                                                                                                            \
    }                                                                                                              \
  }                                                                                                                \
                                                                                                                   \
  /* (E(w + h) - E(w - h)) / (distance moved), h = rel_step max(|w|, 1), one parameter at a time, restored       \
   * exactly. The denominator is (w + h) - (w - h) as rounded, not 2h: the step as the grid of `real` allows.   \
   * Where the step vanishes on that grid (w +- h == w) the difference saw nothing and the entry is 0. */ \
  static void numeric_##sfx(real *w, const real *X0, const real *T, real rel_step, real *g) {                      \
    for (size_t p = 0; p < NP; p++) {                                                                              \
      real wp = w[p], h = rel_step * FMAX(FABS(wp), (real)1);                                                      \
      real up = wp + h, down = wp - h;                                                                             \
      w[p] = up;                                                                                                   \
      real E_up = loss_##sfx(w, X0, T);                                                                            \
      w[p] = down;                                                                                                 \
      real E_down = loss_##sfx(w, X0, T);                                                                          \
      w[p] = wp;                                                                                                   \
      real moved = up - down;                                                                                      \
      g[p] = (moved != 0) ? (E_up - E_down) / moved : (real)0;                                                     \
    }                                                                                                              \
  }                                                                                                                \
                                                                                                                   \
  /* Both gradients at the automatic step cbrt(eps) and along the sweep, measured in long double. */               \
  static void rung_##sfx(const double *w_d, const double *X0_d, const double *T_d, bp_ladder_level *lv) {          \
    real w[NP], X0[NB * NI], T[NB * NO], a[NP], n[NP];                                                             \
    long double a_l[NP], n_l[NP];                                                                                  \
    for (size_t p = 0; p < NP; p++) w[p] = (real)w_d[p];                                                           \
    for (size_t q = 0; q < NB * NI; q++) X0[q] = (real)X0_d[q];                                                    \
    for (size_t q = 0; q < NB * NO; q++) T[q] = (real)T_d[q];                                                      \
    backprop_##sfx(w, X0, T, a);                                                                                   \
    for (size_t p = 0; p < NP; p++) a_l[p] = a[p];                                                                 \
    /* truncation h^2 |E'''| / 6 against round-off eps |E| / h: balanced near h = cbrt(eps) */                     \
    real h_auto = CBRT(EPS);                                                                                       \
    lv->epsilon = (double)EPS;                                                                                     \
    lv->auto_step = (double)h_auto;                                                                                \
    numeric_##sfx(w, X0, T, h_auto, n);                                                                            \
    for (size_t p = 0; p < NP; p++) n_l[p] = n[p];                                                                 \
    measure(a_l, n_l, &lv->norm_rel_err, &lv->max_rel_err);                                                        \
    for (size_t s = 0; s < BP_LADDER_N_SWEEP; s++) {                                                               \
      lv->sweep_h[s] = sweep_step(s);                                                                              \
      numeric_##sfx(w, X0, T, (real)lv->sweep_h[s], n);                                                            \
      for (size_t p = 0; p < NP; p++) n_l[p] = n[p];                                                               \
      measure(a_l, n_l, &lv->sweep_norm_rel_err[s], &lv->sweep_max_rel_err[s]);                                    \
    }                                                                                                              \
  }

BP_LADDER_DEFINE(float, f, expf, log1pf, fabsf, fmaxf, cbrtf, FLT_EPSILON)
BP_LADDER_DEFINE(double, d, exp, log1p, fabs, fmax, cbrt, DBL_EPSILON)
BP_LADDER_DEFINE(long double, l, expl, log1pl, fabsl, fmaxl, cbrtl, LDBL_EPSILON)

int bp_ladder_run(unsigned long seed, bp_ladder_result *r) {
  if (r == NULL) BP_ERROR(GSL_EINVAL, "bp_ladder_run: no result to fill");
  gsl_rng *rng = bp_rng_alloc(seed);
  if (rng == NULL) return GSL_ENOMEM;
  /* Drawn once in double: every rung starts from these values rounded to its own type. */
  double w[NP], X0[NB * NI], T[NB * NO];
  for (size_t p = 0; p < NP; p++) {
    double fan_in = (p < W2) ? NI : NH; /* +-sqrt(3 / fan_in), the scale of bp_mlp_init_random */
    w[p] = (2.0 * gsl_rng_uniform(rng) - 1.0) * sqrt(3.0 / fan_in);
  }
  for (size_t q = 0; q < NB * NI; q++) X0[q] = -1.7 + 4.0 * gsl_rng_uniform(rng);
  for (size_t q = 0; q < NB * NO; q++) T[q] = 0.05 + 0.9 * gsl_rng_uniform(rng);
  gsl_rng_free(rng);

  memset(r, 0, sizeof *r);
  r->seed = seed;
  r->n_params = NP;
  r->loss = loss_d(w, X0, T);
  static const char *const names[BP_LADDER_N_PRECISIONS] = {"float", "double", "long double"};
  static const char *const tokens[BP_LADDER_N_PRECISIONS] = {"float", "double", "long_double"};
  static const int digits[BP_LADDER_N_PRECISIONS] = {FLT_MANT_DIG, DBL_MANT_DIG, LDBL_MANT_DIG};
  for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++) {
    r->level[k].name = names[k];
    r->level[k].token = tokens[k];
    r->level[k].mant_digits = digits[k];
  }
  rung_f(w, X0, T, &r->level[BP_LADDER_FLOAT]);
  rung_d(w, X0, T, &r->level[BP_LADDER_DOUBLE]);
  rung_l(w, X0, T, &r->level[BP_LADDER_LONG_DOUBLE]);
  return GSL_SUCCESS;
}
