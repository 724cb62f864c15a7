/* check_stable.c - the numerically stable forms of both errors, eq. (32)-(38), and the shift invariance noted
 * after eq. (40). Identities are compared entry by entry at several points. Beyond the naive forms' range the
 * points are chosen so that the printed formula's value is exactly representable: targets are multiples of 1/64,
 * and every exponential the formula neglects is below e^-745, under half an ulp of the result. (Not long double:
 * valgrind computes it in double, and the check must hold under valgrind too.) */
#include <math.h>

#include <gsl/gsl_nan.h>

#include "derivations.h"
#include "xent.h"

enum { P = 6, NI = 4, N_SHIFT = 3, N_EXTREME = 6 };

/* eq. (32), eq. (33), eq. (34), eq. (35), eq. (36) for one logistic unit, each exactly as printed. */
static double e32(double s, double t) {
  double x = 1 / (1 + exp(-s));
  return -(t * log(x) + (1 - t) * log(1 - x));
}
static double e33(double s, double t) {
  double x = 1 / (1 + exp(-s));
  return -(t * log(x / (1 - x)) + log(1 - x));
}
static double e34(double s, double t) {
  return -(t * log((1 / (1 + exp(-s))) / (1 - 1 / (1 + exp(-s)))) + log(1 - 1 / (1 + exp(-s))));
}
static double e35(double s, double t) { return -(t * s + log(1 / (1 + exp(s)))); }
static double e36(double s, double t) { return -t * s + log(1 + exp(s)); }
/* eq. (36) where |s| >= 745: log(1 + e^s) is s + log1p(e^-s) or log1p(e^s), and that log1p is below e^-745, so
 * E rounds to (1 - t) s or -t s, both exact for t = k/64 and s a power of two times a small integer. */
static double e36_exact_far(double s, double t) { return (s > 0) ? (1 - t) * s : -t * s; }

/* A target k/64, k in [3, 61]. */
static double dyadic_target(gsl_rng *rng) { return (double)(3 + gsl_rng_uniform_int(rng, 59)) / 64.0; }

/* The library's stable and naive forms on one unit. The naive form's GSL_ERANGE is its expected failure here. */
static double library_stable(double s, double t) {
  gsl_matrix_view S = gsl_matrix_view_array(&s, 1, 1), T = gsl_matrix_view_array(&t, 1, 1);
  double E = 0.0;
  return bp_xent_logistic_stable(&S.matrix, &T.matrix, &E) ? GSL_NAN : E; /* a failure fails the claim */
}
static double library_naive(double s, double t) {
  double x = 1 / (1 + exp(-s)), E = 0.0;
  gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), T = gsl_matrix_view_array(&t, 1, 1);
  (void)bp_xent_logistic_naive(&X.matrix, &T.matrix, &E);
  return E;
}

int bp_check_logistic_stable_forms(bp_check_ctx *ctx) {
  static const double extreme_s[N_EXTREME] = {800.0, -800.0, 5000.0, -5000.0, 0x1p1000, -0x1p1000};
  double s[P], t[P], t_ext[N_EXTREME], f[6][P], lib_ext[N_EXTREME], naive_ext[N_EXTREME], ref_ext[N_EXTREME];
  gsl_vector_view sv = gsl_vector_view_array(s, P), tv = gsl_vector_view_array(t, P);
  bp_draw_vector(ctx->rng, &sv.vector, -4.0, 4.0);
  bp_draw_vector(ctx->rng, &tv.vector, 0.05, 0.95);
  for (size_t p = 0; p < N_EXTREME; p++) t_ext[p] = dyadic_target(ctx->rng);
  double (*const forms[5])(double, double) = {e32, e33, e34, e35, e36};
  for (size_t p = 0; p < P; p++) {
    for (int k = 0; k < 5; k++) f[k][p] = forms[k](s[p], t[p]);
    f[5][p] = library_stable(s[p], t[p]);
  }
  for (size_t p = 0; p < N_EXTREME; p++) {
    lib_ext[p] = library_stable(extreme_s[p], t_ext[p]);
    naive_ext[p] = library_naive(extreme_s[p], t_ext[p]);
    ref_ext[p] = e36_exact_far(extreme_s[p], t_ext[p]);
  }
  gsl_vector_view v[6];
  for (int k = 0; k < 6; k++) v[k] = gsl_vector_view_array(f[k], P);
  gsl_vector_view lib = gsl_vector_view_array(lib_ext, N_EXTREME), naive = gsl_vector_view_array(naive_ext, N_EXTREME),
                  ref = gsl_vector_view_array(ref_ext, N_EXTREME);
  static const char *const claims[4] = {"-(t log(x/(1-x)) + log(1-x)) = eq. (32)",
                                        "-(t log((1/(1+e^-s)) / (1 - 1/(1+e^-s))) + log(1 - 1/(1+e^-s))) = eq. (32)",
                                        "-(t s + log(1/(1+e^s))) = eq. (32)", "-t s + log(1 + e^s) = eq. (32)"};
  static const char *const eqs[4] = {"33", "34", "35", "36"};
  int status = GSL_SUCCESS;
  for (int k = 1; k <= 4 && !status; k++)
    status = bp_claim_identity(ctx, BP_CLAIM_PRINTED, eqs[k - 1], claims[k - 1], &v[k].vector, &v[0].vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_LIBRARY, "36", "bp_xent_logistic_stable = eq. (36)", &v[5].vector,
                               &v[4].vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_LIBRARY, "36",
                               "bp_xent_logistic_stable at |s| = 800, 5000, 2^1000 = (1-t) s or -t s, eq. (36) rounded",
                               &lib.vector, &ref.vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_MUST_FAIL, "32",
                               "naive eq. (32) at s = +-800, +-5000, +-2^1000: log(0) once x rounds to 0 or 1",
                               &naive.vector, &ref.vector);
  return status;
}

/* eq. (37) and eq. (38) for one row of NI logits, as printed. */
static double e37(const double *s, const double *t) {
  double sum = 0.0, E = 0.0;
  for (size_t j = 0; j < NI; j++) sum += exp(s[j]);
  for (size_t i = 0; i < NI; i++) E -= t[i] * log(exp(s[i]) / sum);
  return E;
}
static double e38(const double *s, const double *t) {
  double sum = 0.0, E = 0.0;
  for (size_t j = 0; j < NI; j++) sum += exp(s[j]);
  for (size_t i = 0; i < NI; i++) E -= t[i] * (s[i] - log(sum));
  return E;
}
/* Rows far beyond the naive form's range: integer logits whose gaps below the row maximum m are all >= 800, and
 * targets k/64. Then log sum_j e^(s_j - m) < e^-800, so eq. (38) is sum_i t_i (m - s_i), exactly. The last row
 * puts logits 1.5 * 2^1024 apart: m - s_i overflows although t_i (m - s_i) does not. */
static void draw_far_rows(bp_check_ctx *ctx, double s[P][NI], double t[P][NI]) {
  for (size_t p = 0; p + 1 < P; p++) {
    double m = (double)gsl_rng_uniform_int(ctx->rng, 4001) - 2000.0, gap = 0.0;
    size_t top = gsl_rng_uniform_int(ctx->rng, NI);
    unsigned long left = 64 - NI;
    for (size_t i = 0; i < NI; i++) {
      if (i != top) gap += 800.0 + (double)gsl_rng_uniform_int(ctx->rng, 100);
      s[p][i] = (i == top) ? m : m - gap;
      unsigned long extra = (i + 1 == NI) ? left : gsl_rng_uniform_int(ctx->rng, left + 1);
      left -= extra;
      t[p][i] = (double)(1 + extra) / 64.0;
    }
  }
  static const double s_last[NI] = {0x1.8p1023, -0x1.8p1023, 0.0, -0x1p1000};
  static const double t_last[NI] = {36 / 64.0, 12 / 64.0, 8 / 64.0, 8 / 64.0};
  for (size_t i = 0; i < NI; i++) s[P - 1][i] = s_last[i], t[P - 1][i] = t_last[i];
}

/* eq. (38) at a far row: sum_i t_i (m - s_i), each term as t m - t s_i when m - s_i would overflow. */
static double e38_exact_far(const double *s, const double *t) {
  double m = s[0], E = 0.0;
  for (size_t j = 1; j < NI; j++) m = fmax(m, s[j]);
  for (size_t i = 0; i < NI; i++) E += isfinite(m - s[i]) ? t[i] * (m - s[i]) : t[i] * m - t[i] * s[i];
  return E;
}

static double softmax_stable(const double *s, const double *t) {
  gsl_matrix_const_view S = gsl_matrix_const_view_array(s, 1, NI), T = gsl_matrix_const_view_array(t, 1, NI);
  double E = 0.0;
  return bp_xent_softmax_stable(&S.matrix, &T.matrix, &E) ? GSL_NAN : E; /* a failure fails the claim */
}

/* P rows of logits in [-3, 3) with targets that sum to 1. */
static void draw_rows(bp_check_ctx *ctx, double s[P][NI], double t[P][NI]) {
  for (size_t p = 0; p < P; p++) {
    gsl_vector_view sv = gsl_vector_view_array(s[p], NI), tv = gsl_vector_view_array(t[p], NI);
    bp_draw_vector(ctx->rng, &sv.vector, -3.0, 3.0);
    bp_draw_distribution(ctx->rng, &tv.vector);
  }
}

int bp_check_softmax_stable_forms(bp_check_ctx *ctx) {
  double s[P][NI], t[P][NI], far[P][NI], t_far[P][NI], f37[P], f38[P], lib[P], lib_far[P], naive_far[P], ref_far[P];
  draw_rows(ctx, s, t);
  draw_far_rows(ctx, far, t_far);
  for (size_t p = 0; p < P; p++) {
    f37[p] = e37(s[p], t[p]);
    f38[p] = e38(s[p], t[p]);
    lib[p] = softmax_stable(s[p], t[p]);
    lib_far[p] = softmax_stable(far[p], t_far[p]);
    naive_far[p] = e37(far[p], t_far[p]);
    ref_far[p] = e38_exact_far(far[p], t_far[p]);
  }
  gsl_vector_view v37 = gsl_vector_view_array(f37, P), v38 = gsl_vector_view_array(f38, P),
                  vl = gsl_vector_view_array(lib, P), vlb = gsl_vector_view_array(lib_far, P),
                  vnb = gsl_vector_view_array(naive_far, P), vrb = gsl_vector_view_array(ref_far, P);
  int status = bp_claim_identity(ctx, BP_CLAIM_PRINTED, "38", "-sum_i t_i (s_i - log sum_j e^s_j) = eq. (37)",
                                 &v38.vector, &v37.vector);
  if (!status)
    status =
        bp_claim_identity(ctx, BP_CLAIM_LIBRARY, "38", "bp_xent_softmax_stable = eq. (37)", &vl.vector, &v37.vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_LIBRARY, "38",
                               "bp_xent_softmax_stable at logits >= 800 and 1.5 * 2^1024 apart = eq. (38) exactly",
                               &vlb.vector, &vrb.vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_MUST_FAIL, "37",
                               "naive eq. (37) at logits >= 800 apart: e^s overflows or underflows to 0", &vnb.vector,
                               &vrb.vector);
  return status;
}

/* The remark after eq. (40): E(s + c 1) = E(s) for any constant c added to every logit of a row. */
int bp_check_softmax_shift_invariance(bp_check_ctx *ctx) {
  static const double shifts[N_SHIFT] = {-3.7, 2.9, 41.3};
  const double big_shift = 900.0;
  double s[P][NI], t[P][NI], shifted[P][NI], base[P * N_SHIFT], moved[P * N_SHIFT];
  double base1[P], lib_big[P], naive_big[P];
  draw_rows(ctx, s, t);
  for (size_t p = 0; p < P; p++) {
    for (size_t c = 0; c < N_SHIFT; c++) {
      for (size_t i = 0; i < NI; i++) shifted[p][i] = s[p][i] + shifts[c];
      base[p * N_SHIFT + c] = e37(s[p], t[p]);
      moved[p * N_SHIFT + c] = e37(shifted[p], t[p]);
    }
    for (size_t i = 0; i < NI; i++) shifted[p][i] = s[p][i] + big_shift;
    base1[p] = e37(s[p], t[p]);
    lib_big[p] = softmax_stable(shifted[p], t[p]);
    naive_big[p] = e37(shifted[p], t[p]);
  }
  gsl_vector_view vb = gsl_vector_view_array(base, P * N_SHIFT), vm = gsl_vector_view_array(moved, P * N_SHIFT),
                  vb1 = gsl_vector_view_array(base1, P), vlb = gsl_vector_view_array(lib_big, P),
                  vnb = gsl_vector_view_array(naive_big, P);
  int status = bp_claim_identity(ctx, BP_CLAIM_PRINTED, "40", "E(s + c) = E(s), c = -3.7, 2.9, 41.3 (eq. 37)",
                                 &vm.vector, &vb.vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_LIBRARY, "40", "bp_xent_softmax_stable(s + 900) = E(s)", &vlb.vector,
                               &vb1.vector);
  if (!status)
    status = bp_claim_identity(ctx, BP_CLAIM_MUST_FAIL, "37", "naive eq. (37) at s + 900: e^s overflows", &vnb.vector,
                               &vb1.vector);
  return status;
}
