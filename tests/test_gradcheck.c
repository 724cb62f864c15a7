/* test_gradcheck.c - the checker itself: numeric Jacobians with error estimates (bp_fd_jacobian), the entry by
 * entry verdict (bp_gradcheck_compare), and planted bugs. A checker is only worth what it catches: each classic
 * backprop mistake is planted into a real network's gradient and must FAIL, with the worst entry inside the
 * parameters the mistake touches, while the correct gradient of the same network PASSES. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_nan.h>

#include "activation.h"
#include "core.h"
#include "gradcheck.h"
#include "mistakes.h"
#include "mlp.h"
#include "test_util.h"
#include "xent.h"

#define RTOL_FD 1e-7 /* finite differences against a closed form */

/* ---- a function with a known Jacobian ------------------------------------------------------------------------- */

/* y = (sin(x0) x1^3, exp(x0 - x1)). */
static int known_function(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double a = gsl_vector_get(x, 0), b = gsl_vector_get(x, 1);
  gsl_vector_set(y, 0, sin(a) * b * b * b);
  gsl_vector_set(y, 1, exp(a - b));
  return GSL_SUCCESS;
}

static void known_jacobian(double a, double b, double J[2][2]) {
  J[0][0] = cos(a) * b * b * b;
  J[0][1] = 3.0 * sin(a) * b * b;
  J[1][0] = exp(a - b);
  J[1][1] = -exp(a - b);
}

static const bp_fd_method METHODS[] = {BP_FD_CENTRAL, BP_FD_GSL};
#define N_METHODS (sizeof METHODS / sizeof METHODS[0])

static void fd_jacobian_should_match_the_closed_form_jacobian_with_both_methods(void) {
  double xs[2] = {0.8731, -1.3127}, exact[2][2];
  known_jacobian(xs[0], xs[1], exact);
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2);
  for (size_t m = 0; m < N_METHODS; m++) {
    gsl_matrix_set_all(J, GSL_NAN);
    CU_ASSERT_EQUAL(bp_fd_jacobian(METHODS[m], &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J, NULL),
                    GSL_SUCCESS);
    for (size_t r = 0; r < 2; r++)
      for (size_t c = 0; c < 2; c++) ASSERT_REL_CLOSE(gsl_matrix_get(J, r, c), exact[r][c], RTOL_FD);
  }
  gsl_matrix_free(J);
}

/* The error estimate against the actual error |numeric - exact|, GSL's deriv test style (gsl/deriv/test.c): the
 * estimate must cover the error or, where it falls short, be within a factor 2 of it -- an estimate of round-off
 * cannot know how many ulp the function itself loses (exp(x0 - x1) first rounds x0 - x1). Checked on every entry at
 * 24 irregular points of [-2.1, 2.3]^2 and, strictly (estimate >= error), at (0.8731, -1.3127), where a round-off
 * term of eps max|f| / h fell short by a factor 1.6. The estimate must also be useful: below 1e-8 of the entry (or
 * 1e-8), or covering the error would mean nothing. */
static void fd_error_estimate_should_bound_the_actual_error_with_both_methods(void) {
  gsl_rng *rng = bp_test_rng(5);
  gsl_matrix *J = bp_matrix_alloc(2, 2), *J_err = bp_matrix_alloc(2, 2);
  for (int point = 0; point < 25; point++) {
    double xs[2] = {0.8731, -1.3127}, exact[2][2];
    if (point > 0) xs[0] = -2.1 + 4.4 * gsl_rng_uniform(rng), xs[1] = -2.1 + 4.4 * gsl_rng_uniform(rng);
    known_jacobian(xs[0], xs[1], exact);
    gsl_vector_view x = gsl_vector_view_array(xs, 2);
    for (size_t m = 0; m < N_METHODS; m++) {
      CU_ASSERT_EQUAL(
          bp_fd_jacobian(METHODS[m], &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J, J_err),
          GSL_SUCCESS);
      for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 2; c++) {
          double err = fabs(gsl_matrix_get(J, r, c) - exact[r][c]), est = gsl_matrix_get(J_err, r, c);
          int covered = (point == 0) ? err <= est : err <= 2.0 * est;
          if (!covered)
            printf("\n  %s at (%.17g, %.17g) entry (%zu, %zu): error %.3g, estimate %.3g\n",
                   bp_fd_method_name(METHODS[m]), xs[0], xs[1], r, c, err, est);
          CU_ASSERT(covered);
          CU_ASSERT(est > 0.0 && est <= 1e-8 * fmax(1.0, fabs(exact[r][c])));
        }
    }
  }
  gsl_matrix_free(J);
  gsl_matrix_free(J_err);
  gsl_rng_free(rng);
}

/* y = sin(29.37 x): a third derivative of about 2.5e4 makes the truncation error of the central difference about
 * 1000 times its round-off, so the estimate must come from the D(2h) - D(h) term. */
#define FAST_K 29.37
static int fast_sine(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, sin(FAST_K * gsl_vector_get(x, 0)));
  return GSL_SUCCESS;
}

/* Where truncation dominates, the estimate must still cover the error in GSL's deriv test style (the central
 * estimate is then exact to leading order: the ratio error / estimate tends to 1 from either side, hence the
 * factor 2), at 12 irregular points; and it must stay below 1e-7 of the entry (or 1e-7). */
static void fd_error_estimate_should_cover_a_dominant_truncation_error(void) {
  gsl_rng *rng = bp_test_rng(2937);
  gsl_matrix *J = bp_matrix_alloc(1, 1), *J_err = bp_matrix_alloc(1, 1);
  for (int point = 0; point < 12; point++) {
    double xs[1] = {-2.1 + 4.4 * gsl_rng_uniform(rng)}, exact = FAST_K * cos(FAST_K * xs[0]);
    gsl_vector_view x = gsl_vector_view_array(xs, 1);
    for (size_t m = 0; m < N_METHODS; m++) {
      CU_ASSERT_EQUAL(bp_fd_jacobian(METHODS[m], &(bp_fd_problem){fast_sine, NULL, NULL, NULL}, &x.vector, J, J_err),
                      GSL_SUCCESS);
      double err = fabs(gsl_matrix_get(J, 0, 0) - exact), est = gsl_matrix_get(J_err, 0, 0);
      if (!(err <= 2.0 * est))
        printf("\n  %s at %.17g: error %.3g, estimate %.3g\n", bp_fd_method_name(METHODS[m]), xs[0], err, est);
      CU_ASSERT(err <= 2.0 * est);
      CU_ASSERT(est > 0.0 && est <= 1e-7 * fmax(1.0, fabs(exact)));
    }
  }
  gsl_matrix_free(J);
  gsl_matrix_free(J_err);
  gsl_rng_free(rng);
}

/* x is perturbed in place (x +- h, x +- 2h, GSL's own steps) and must come back bit for bit, including a
 * negative zero, which x + h - h would turn into +0. */
static void fd_jacobian_should_restore_x_bit_for_bit(void) {
  double xs[2] = {0.1, -0.0}, saved[2];
  memcpy(saved, xs, sizeof xs);
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2), *J_err = bp_matrix_alloc(2, 2);
  for (size_t m = 0; m < N_METHODS; m++) {
    CU_ASSERT_EQUAL(bp_fd_jacobian(METHODS[m], &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J, J_err),
                    GSL_SUCCESS);
    CU_ASSERT_EQUAL(memcmp(xs, saved, sizeof xs), 0);
  }
  gsl_matrix_free(J);
  gsl_matrix_free(J_err);
}

typedef struct {
  int calls, fail_at;
} failing_state;

/* known_function that fails with GSL_EFAILED on its fail_at-th call (and succeeds on every other). */
static int fails_on_a_given_call(const gsl_vector *x, gsl_vector *y, void *params) {
  failing_state *s = params;
  if (++s->calls == s->fail_at) return GSL_EFAILED;
  return known_function(x, y, NULL);
}

/* The function's own status is passed on, evaluation stops, and x is restored although the failure happened
 * with a coordinate perturbed (the 3rd call). */
static void fd_jacobian_should_pass_on_a_failure_midway_and_still_restore_x(void) {
  double xs[2] = {0.8731, -1.3127}, saved[2];
  memcpy(saved, xs, sizeof xs);
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2), *J_err = bp_matrix_alloc(2, 2);
  for (size_t m = 0; m < N_METHODS; m++) {
    failing_state s = {0, 3};
    CU_ASSERT_EQUAL(
        bp_fd_jacobian(METHODS[m], &(bp_fd_problem){fails_on_a_given_call, NULL, &s, NULL}, &x.vector, J, J_err),
        GSL_EFAILED);
    CU_ASSERT_EQUAL(memcmp(xs, saved, sizeof xs), 0);
    CU_ASSERT(s.calls >= 3);
    if (METHODS[m] == BP_FD_CENTRAL) CU_ASSERT_EQUAL(s.calls, 3); /* nothing evaluated after the failure */
  }
  gsl_matrix_free(J);
  gsl_matrix_free(J_err);
}

static void fd_jacobian_should_reject_bad_methods_and_shapes(void) {
  double xs[2] = {0.8731, -1.3127};
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2), *J3 = bp_matrix_alloc(2, 3), *E3 = bp_matrix_alloc(3, 2);
  ASSERT_FAILS_WITH_MESSAGE(
      bp_fd_jacobian((bp_fd_method)9, &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J, NULL),
      GSL_EINVAL, "bp_fd_jacobian");
  ASSERT_FAILS_WITH_MESSAGE(
      bp_fd_jacobian(BP_FD_CENTRAL, &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J3, NULL),
      GSL_EBADLEN, "bp_fd_jacobian");
  ASSERT_FAILS_WITH_MESSAGE(
      bp_fd_jacobian(BP_FD_GSL, &(bp_fd_problem){known_function, NULL, NULL, NULL}, &x.vector, J, E3), GSL_EBADLEN,
      "bp_fd_jacobian");
  bp_fd_method m = BP_FD_CENTRAL;
  CU_ASSERT_EQUAL(bp_fd_method_parse("gsl", &m), GSL_SUCCESS);
  CU_ASSERT_EQUAL(m, BP_FD_GSL);
  CU_ASSERT_EQUAL(bp_fd_method_parse("central", &m), GSL_SUCCESS);
  CU_ASSERT_EQUAL(m, BP_FD_CENTRAL);
  CU_ASSERT_EQUAL(bp_fd_method_parse("backward", &m), GSL_EINVAL);
  CU_ASSERT_STRING_EQUAL(bp_fd_method_name(BP_FD_GSL), "gsl");
  gsl_matrix_free(J);
  gsl_matrix_free(J3);
  gsl_matrix_free(E3);
}

/* y = (1e8 (2 + sin x0 + x1/2), sin(x0) x1): two outputs 1e8 apart in size. */
#define BIG_ROW 1e8
static int rows_of_different_scale(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double a = gsl_vector_get(x, 0), b = gsl_vector_get(x, 1);
  gsl_vector_set(y, 0, BIG_ROW * (2.0 + sin(a) + 0.5 * b));
  gsl_vector_set(y, 1, sin(a) * b);
  return GSL_SUCCESS;
}

/* The round-off part of an entry's estimate comes from its own row's values: a small output beside a large one
 * must not inherit the large one's noise floor. Before, every row took the largest |f| of all rows at each point:
 * at (0.8731, -1.3127) the small row's estimates were ~1.2e-2 (1e8 eps / h), so dy1/dx1 = sin(x0) = 0.766 off by
 * 2% (0.015) passed. Both methods: the correct Jacobian passes; 2% off in entry (1, 1) fails, and that entry is the
 * worst and the only one failing. */
static void a_small_output_row_should_not_inherit_the_round_off_of_a_large_one(void) {
  double xs[2] = {0.8731, -1.3127};
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2);
  bp_gradcheck *gc = bp_gradcheck_alloc(4);
  CU_ASSERT_FATAL(J != NULL && gc != NULL);
  bp_tolerance tol = bp_tolerance_default();
  for (size_t m = 0; m < N_METHODS; m++)
    for (int planted = 0; planted <= 1; planted++) {
      gsl_matrix_set(J, 0, 0, BIG_ROW * cos(xs[0]));
      gsl_matrix_set(J, 0, 1, 0.5 * BIG_ROW);
      gsl_matrix_set(J, 1, 0, cos(xs[0]) * xs[1]);
      gsl_matrix_set(J, 1, 1, sin(xs[0]) * (planted ? 1.02 : 1.0));
      CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, METHODS[m], &(bp_fd_problem){rows_of_different_scale, NULL, NULL, NULL},
                                            &x.vector, J, &tol),
                      GSL_SUCCESS);
      /* the small row's estimates are on its own scale: far below 2% of its entries */
      for (size_t i = 2; i < 4; i++) CU_ASSERT(gsl_vector_get(gc->estimate, i) < 1e-8);
      int ok = planted ? gc->verdict == BP_VERDICT_FAIL && gc->worst == 3 && gc->n_failed == 1
                       : gc->verdict == BP_VERDICT_PASS;
      if (!ok)
        printf("\n  %s, %s: verdict %s, %zu failed, worst %zu (estimate %.3g)\n", bp_fd_method_name(METHODS[m]),
               planted ? "2% off in the small row" : "correct Jacobian", bp_verdict_name(gc->verdict), gc->n_failed,
               gc->worst, gsl_vector_get(gc->estimate, 3));
      CU_ASSERT(ok);
    }
  bp_gradcheck_free(gc);
  gsl_matrix_free(J);
}

/* ---- the verdict ------------------------------------------------------------------------------------------------- */

/* A check of n entries with the given analytic, numeric and estimate values. */
static bp_gradcheck *check_of(size_t n, const double *a, const double *num, const double *est) {
  bp_gradcheck *gc = bp_gradcheck_alloc(n);
  for (size_t i = 0; i < n; i++) {
    gsl_vector_set(gc->analytic, i, a[i]);
    gsl_vector_set(gc->numeric, i, num[i]);
    gsl_vector_set(gc->estimate, i, est[i]);
  }
  return gc;
}

static void entries_where_both_sides_are_zero_should_pass(void) {
  const double a[4] = {0.0, 1.6180339, 0.0, -2.7182818}, n[4] = {0.0, 1.6180339, 0.0, -2.7182818}, e[4] = {0};
  bp_gradcheck *gc = check_of(4, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  CU_ASSERT_EQUAL(gc->n_failed, 0);
  for (size_t i = 0; i < 4; i += 2) {
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, i), 1);
    CU_ASSERT_EQUAL(gsl_vector_get(gc->rel_err, i), 0.0);
  }
  CU_ASSERT_EQUAL(gc->norm_rel_err, 0.0);
  bp_gradcheck_free(gc);
}

/* A NaN or an infinity fails whatever the tolerance, is counted, and outranks any finite error as the worst. */
static void non_finite_entries_should_fail_be_counted_and_be_the_worst(void) {
  const double a[5] = {3.0, 1.25, GSL_NAN, 0.5, GSL_POSINF}, n[5] = {1.0, 1.25, 0.7, 0.5, 2.0}, e[5] = {0};
  bp_gradcheck *gc = check_of(5, a, n, e);
  bp_tolerance loose = {0.5, 1e6, 0.0};
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &loose), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_nonfinite, 2);
  CU_ASSERT_EQUAL(gc->n_failed, 3); /* entry 0 is off by a factor 3 */
  CU_ASSERT_EQUAL(gc->worst, 2);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 2), 0);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 4), 0);
  CU_ASSERT(!isfinite(gc->norm_rel_err));
  CU_ASSERT(isinf(gc->max_rel_err) && isinf(gsl_vector_get(gc->rel_err, 2)));
  /* neither resolved nor counted as unresolved: entries 1 and 3 (exact, no estimate) are resolved, 0 too */
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, 2), 0);
  CU_ASSERT_EQUAL(gc->n_unresolved, 0);
  bp_gradcheck_free(gc);

  /* a NaN on the numeric side, or in the estimate, is no better */
  const double a2[3] = {0.25, 1.5, -0.75}, n2[3] = {0.25, GSL_NAN, -0.75}, e2[3] = {0.0, 0.0, GSL_POSINF};
  gc = check_of(3, a2, n2, e2);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_nonfinite, 2);
  CU_ASSERT_EQUAL(gc->worst, 1);
  bp_gradcheck_free(gc);
}

/* An all-zero analytic gradient that agrees with the differences could not have failed: NO SIGNAL, not PASS. */
static void an_all_zero_analytic_gradient_should_give_no_signal(void) {
  const double a[3] = {0.0, 0.0, 0.0}, n[3] = {0.0, 3.1e-13, -1.7e-12}, e[3] = {1e-13, 1e-12, 1e-12};
  bp_gradcheck *gc = check_of(3, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->n_failed, 0);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_NO_SIGNAL);
  CU_ASSERT_STRING_EQUAL(bp_verdict_name(gc->verdict), "NO SIGNAL");
  bp_gradcheck_free(gc);
}

/* But a backward that forgets to write its gradient (all zero) against a real numeric gradient must FAIL:
 * NO SIGNAL is reserved for agreement. */
static void an_all_zero_analytic_gradient_against_a_real_numeric_one_should_fail(void) {
  const double a[3] = {0.0, 0.0, 0.0}, n[3] = {0.4142, -1.7321, 0.0}, e[3] = {1e-10, 1e-10, 1e-10};
  bp_gradcheck *gc = check_of(3, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_failed, 2);
  bp_gradcheck_free(gc);
}

/* An entry passes when it agrees to rtol relatively or when |a - n| <= est_factor * estimate (tiny entries, judged
 * against the differences' own noise): 3.9 estimates pass, 4.1 fail; 5e-8 relative passes, 2e-7 fails; a tiny
 * entry with an error far beyond its estimate fails, and is the worst (its margin |a - n| / (4 e) is 1e4). The
 * rel_err reported is the true |a - n| / max(|a|, |n|) in every case, also where the entry passes on its
 * estimate (0.94 for entry 0). */
static void tiny_entries_should_be_judged_against_the_error_estimate(void) {
  const double a[5] = {2.7e-12, 2.7e-12, 1.3, 1.3, 1e-9};
  const double n[5] = {2.7e-12 + 3.9e-11, 2.7e-12 + 4.1e-11, 1.3 * (1.0 + 5e-8), 1.3 * (1.0 + 2e-7), -3e-9};
  const double e[5] = {1e-11, 1e-11, 1e-12, 1e-12, 1e-13};
  bp_gradcheck *gc = check_of(5, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(tol.rtol, BP_RTOL_GOOD);
  CU_ASSERT_EQUAL(tol.est_factor, BP_EST_FACTOR);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  static const unsigned char expected[5] = {1, 0, 1, 0, 0}, resolved[5] = {0, 0, 1, 1, 0};
  for (size_t i = 0; i < 5; i++) {
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, i), expected[i]);
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, i), resolved[i]);
    ASSERT_REL_CLOSE(gsl_vector_get(gc->rel_err, i), fabs(a[i] - n[i]) / fmax(fabs(a[i]), fabs(n[i])), DBL_EPSILON);
  }
  CU_ASSERT(gsl_vector_get(gc->rel_err, 0) > 0.9); /* true, and far above rtol although the entry passes */
  CU_ASSERT_EQUAL(gc->n_failed, 3);
  CU_ASSERT_EQUAL(gc->n_unresolved, 3);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->worst, 4);
  /* the largest true relative error over the resolved entries 2 and 3: entry 3's 2e-7 */
  ASSERT_REL_CLOSE(gc->max_rel_err, gsl_vector_get(gc->rel_err, 3), DBL_EPSILON);
  /* the same tiny entry with no estimate to lean on is resolved, judged relatively, and fails */
  gsl_vector_set(gc->estimate, 0, 0.0);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 0), 0);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, 0), 1);
  CU_ASSERT_EQUAL(gc->n_unresolved, 2);
  ASSERT_REL_CLOSE(gc->max_rel_err, gsl_vector_get(gc->rel_err, 0), DBL_EPSILON);
  bp_gradcheck_free(gc);
}

/* Entries below the difference's resolution (max(|a|, |n|) rtol <= est_factor e) are counted and left out of
 * max_rel_err, never out of the verdict. Entry 0 is large and agrees to 3e-9 (resolved); entry 1 is tiny and off
 * by 71% of itself but within 2.5 of its estimates (unresolved, passes); entry 2 is 0 on both sides (unresolved:
 * no relative error to resolve). PASS with max_rel_err 3e-9 and entry 1, the nearest to failing, as the worst.
 * Then entry 1 is moved beyond 4 estimates: FAIL, worst entry 1, although max_rel_err is still 3e-9 < rtol. */
static void unresolved_entries_should_be_counted_left_out_of_max_rel_err_and_still_judged(void) {
  const double a[3] = {1.75, 2e-12, 0.0}, n[3] = {1.75 * (1.0 + 3e-9), 2e-12 + 5e-12, 0.0};
  const double e[3] = {1e-10, 2e-12, 1e-12};
  bp_gradcheck *gc = check_of(3, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  CU_ASSERT_EQUAL(gc->n_failed, 0);
  CU_ASSERT_EQUAL(gc->n_unresolved, 2);
  static const unsigned char resolved[3] = {1, 0, 0};
  for (size_t i = 0; i < 3; i++) CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, i), resolved[i]);
  ASSERT_REL_CLOSE(gsl_vector_get(gc->rel_err, 1), 5.0 / 7.0, 1e-12);
  ASSERT_REL_CLOSE(gc->max_rel_err, gsl_vector_get(gc->rel_err, 0), DBL_EPSILON);
  CU_ASSERT(gc->max_rel_err < 4e-9);
  CU_ASSERT_EQUAL(gc->worst, 1);

  gsl_vector_set(gc->numeric, 1, 2e-12 + 9e-12); /* 4.5 estimates off */
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_failed, 1);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 1), 0);
  CU_ASSERT_EQUAL(gc->worst, 1);
  CU_ASSERT_EQUAL(gc->n_unresolved, 2);
  CU_ASSERT(gc->max_rel_err < tol.rtol);
  bp_gradcheck_free(gc);
}

/* The gradient of a large loss (474, as from a 300-row CSV): the central round-off 2 eps |E| / h is about 3.5e-8,
 * so est_factor e = 1.4e-7 and an entry of 0.5 cannot be resolved to 1e-7. Off by 1e-7 it passes (within the
 * estimate), and reports its true relative error 2e-7 -- not 1e-7 / 1.4 = 7e-8, what the old floor
 * max(|a|, |n|, est_factor e / rtol) made of it. An entry of 3 beside it is resolved and judged relatively. */
static void an_entry_of_a_large_loss_should_report_its_true_relative_error(void) {
  const double h = bp_fd_step(BP_FD_CENTRAL, 0.0), est = 2.0 * DBL_EPSILON * 474.0 / h;
  const double a[2] = {0.5, 3.0}, n[2] = {0.5 + 1e-7, 3.0 * (1.0 + 5e-8)}, e[2] = {est, est};
  bp_gradcheck *gc = check_of(2, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  ASSERT_REL_CLOSE(gsl_vector_get(gc->rel_err, 0), 1e-7 / (0.5 + 1e-7), 1e-8);
  CU_ASSERT(gsl_vector_get(gc->rel_err, 0) > tol.rtol);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, 0), 0);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, 1), 1);
  CU_ASSERT_EQUAL(gc->n_unresolved, 1);
  ASSERT_REL_CLOSE(gc->max_rel_err, gsl_vector_get(gc->rel_err, 1), DBL_EPSILON);
  bp_gradcheck_free(gc);
}

/* Where est_factor e or |a - n| is above DBL_MAX, the comparison |a - n| <= est_factor e must not become
 * inf <= inf. a = DBL_MAX against n = -DBL_MAX with e = 5e307: |a - n| = 3.6e308 > 4 e = 2e308, FAIL (true rel_err
 * 2); the same e on an entry off by 1e306 passes (unresolved); an estimate of 1e305 does not cover 44% off. */
static void an_estimate_near_dbl_max_should_not_pass_every_entry(void) {
  const double a[3] = {DBL_MAX, DBL_MAX, 1.79e308}, n[3] = {-DBL_MAX, DBL_MAX - 1e306, 1e308};
  const double e[3] = {5e307, 5e307, 1e305};
  bp_gradcheck *gc = check_of(3, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  static const unsigned char passed[3] = {0, 1, 0};
  for (size_t i = 0; i < 3; i++) CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, i), passed[i]);
  CU_ASSERT_EQUAL(gsl_vector_get(gc->rel_err, 0), 2.0);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_nonfinite, 0);
  CU_ASSERT_EQUAL(gc->n_unresolved, 3); /* rtol max(|a|, |n|) = 1.8e301 is below 4 e in each */
  CU_ASSERT_EQUAL(gc->max_rel_err, 0.0);
  CU_ASSERT_EQUAL(gc->worst, 2); /* margin 7.9e307 / 4e305 = 197 against entry 0's 1.8 */
  bp_gradcheck_free(gc);
}

/* The band is closed: |a - n| exactly est_factor e passes, one ulp of e less fails. Entries 0 and 1 have normal
 * products (compared as plain products); 2 and 3 subnormal ones (compared as mantissa and exponent). */
static void an_entry_exactly_on_its_estimate_band_should_pass(void) {
  const double tiny = 0x1p-1060, e0 = 0.125, e2 = 0x1p-1062;
  const double a[4] = {1.0, 1.0, 0.0, 0.0}, n[4] = {1.5, 1.5, tiny, tiny};
  const double e[4] = {e0, nextafter(e0, 0.0), e2, nextafter(e2, 0.0)};
  bp_gradcheck *gc = check_of(4, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  tol.est_factor = 4.0; /* 4 e0 = 0.5 = |a - n|, 4 e2 = tiny, both exact */
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  static const unsigned char passed[4] = {1, 0, 1, 0};
  for (size_t i = 0; i < 4; i++) CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, i), passed[i]);
  bp_gradcheck_free(gc);
}

/* rel_err = |a - n| / max(|a|, |n|), norm_rel_err = ||a - n|| / ||n||, and, with no estimate (every entry
 * resolved), the worst entry is the one with the largest rel_err and max_rel_err is its rel_err. */
static void summary_measures_should_follow_their_definitions(void) {
  const double a[5] = {1.5, -2.25, 3.125, 0.7071, -0.3183}, e[5] = {0};
  const double n[5] = {1.5 * (1 + 3e-9), -2.25 * (1 - 2e-8), 3.125, 0.7071 * (1 + 9e-8), -0.3183 * (1 + 1e-9)};
  bp_gradcheck *gc = check_of(5, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  double max_abs = 0.0;
  for (size_t i = 0; i < 5; i++) {
    double d = fabs(a[i] - n[i]);
    max_abs = fmax(max_abs, d);
    ASSERT_REL_CLOSE(gsl_vector_get(gc->abs_err, i), d, DBL_EPSILON);
    ASSERT_REL_CLOSE(gsl_vector_get(gc->rel_err, i), d / fmax(fabs(a[i]), fabs(n[i])), DBL_EPSILON);
  }
  CU_ASSERT_EQUAL(gc->worst, 3);
  CU_ASSERT_EQUAL(gc->n_unresolved, 0);
  ASSERT_REL_CLOSE(gc->max_abs_err, max_abs, DBL_EPSILON);
  ASSERT_REL_CLOSE(gc->max_rel_err, gsl_vector_get(gc->rel_err, 3), DBL_EPSILON);
  gsl_vector *diff = bp_vector_alloc(5);
  gsl_vector_memcpy(diff, gc->analytic);
  gsl_vector_sub(diff, gc->numeric);
  ASSERT_REL_CLOSE(gc->norm_rel_err, gsl_blas_dnrm2(diff) / gsl_blas_dnrm2(gc->numeric), 1e-14);
  gsl_vector_free(diff);
  bp_gradcheck_free(gc);
}

static void bad_tolerances_and_sizes_should_be_rejected(void) {
  const double a[2] = {1.25, -0.5}, e[2] = {0};
  bp_gradcheck *gc = check_of(2, a, a, e);
  const bp_tolerance bad[] = {{0.0, 4.0, 0.0},         {-1e-7, 4.0, 0.0}, {GSL_NAN, 4.0, 0.0},
                              {GSL_POSINF, 4.0, 0.0},  {1e-7, -1.0, 0.0}, {1e-7, GSL_NAN, 0.0},
                              {1e-7, GSL_POSINF, 0.0}, {1e-7, 4.0, -1.0}, {1e-7, 4.0, GSL_NAN},
                              {1e-7, 4.0, GSL_POSINF}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_compare(gc, &bad[k]), GSL_EINVAL, "bp_gradcheck_compare");
  double xs[2] = {0.8731, -1.3127};
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J22 = bp_matrix_alloc(2, 2), *J23 = bp_matrix_alloc(2, 3);
  bp_tolerance tol = bp_tolerance_default();
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){known_function, NULL, NULL, NULL},
                                                  &x.vector, J22, &tol),
                            GSL_EBADLEN, "bp_gradcheck_jacobian"); /* 2 entries for a 2 x 2 Jacobian */
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){known_function, NULL, NULL, NULL},
                                                  &x.vector, J23, &tol),
                            GSL_EBADLEN, "bp_gradcheck_jacobian"); /* 3 columns for 2 coordinates */
  gsl_matrix_free(J22);
  gsl_matrix_free(J23);
  bp_gradcheck_free(gc);
}

/* ---- planted bugs ------------------------------------------------------------------------------------------------ */

/* A network of sizes 4, 5, 5, 3 (logistic hidden units; W2 is square for the transposed-weights bug), batch 3, its
 * correct gradient, and the central differences of its loss over every parameter with their error estimates. */
typedef struct {
  bp_test_problem *p;
  bp_gradcheck *gc;
  gsl_vector *correct;
} bench;

static const size_t BENCH_SIZES[4] = {4, 5, 5, 3};

static bench *bench_alloc(bp_output output, unsigned long seed) {
  bench *b = calloc(1, sizeof *b);
  b->p = bp_test_problem_alloc(3, BENCH_SIZES, output, 3, seed);
  if (b->p == NULL) return b;
  b->gc = bp_gradcheck_alloc(b->p->net->n_params);
  b->correct = bp_vector_alloc(b->p->net->n_params);
  CU_ASSERT_EQUAL(bp_test_problem_numeric_gradient(b->p, BP_FD_CENTRAL, b->gc->numeric, b->gc->estimate), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_mlp_gradient(b->p->net, b->p->ws, b->p->X0, b->p->T, NULL), GSL_SUCCESS);
  gsl_vector_memcpy(b->correct, b->p->net->grad);
  return b;
}

static void bench_free(bench *b) {
  if (b == NULL) return;
  if (b->correct) gsl_vector_free(b->correct);
  bp_gradcheck_free(b->gc);
  bp_test_problem_free(b->p);
  free(b);
}

static const char *output_name(const bench *b) {
  return b->p->net->output == BP_OUTPUT_SOFTMAX ? "softmax" : "logistic";
}

/* Compares `analytic` with the bench's central differences at the default tolerance. */
static void judge(bench *b, const gsl_vector *analytic) {
  gsl_vector_memcpy(b->gc->analytic, analytic);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(b->gc, &tol), GSL_SUCCESS);
}

static void expect_pass(bench *b, const gsl_vector *analytic, const char *what) {
  judge(b, analytic);
  int ok = b->gc->verdict == BP_VERDICT_PASS && b->gc->norm_rel_err < BP_TEST_NORM_RTOL;
  if (!ok)
    printf("\n  %s gradient, %s output: verdict %s, norm_rel_err %.3g, %zu failed, worst %zu\n", what, output_name(b),
           bp_verdict_name(b->gc->verdict), b->gc->norm_rel_err, b->gc->n_failed, b->gc->worst);
  CU_ASSERT(ok);
}

/* FAIL, the worst entry in [lo, hi) (the parameters the bug touches), and every entry outside it passing. */
static void expect_caught(bench *b, const gsl_vector *analytic, size_t lo, size_t hi, const char *what) {
  judge(b, analytic);
  size_t failed_outside = 0;
  for (size_t i = 0; i < b->gc->size; i++)
    if ((i < lo || i >= hi) && !gsl_vector_uchar_get(b->gc->passed, i)) failed_outside++;
  int ok = b->gc->verdict == BP_VERDICT_FAIL && b->gc->worst >= lo && b->gc->worst < hi && failed_outside == 0;
  if (!ok) {
    char name[32] = "";
    bp_mlp_param_name(b->p->net, b->gc->worst, name, sizeof name);
    printf("\n  planted bug '%s', %s output: verdict %s, worst %zu (%s) expected in [%zu, %zu), %zu failed outside\n",
           what, output_name(b), bp_verdict_name(b->gc->verdict), b->gc->worst, name, lo, hi, failed_outside);
  }
  CU_ASSERT_EQUAL(b->gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT(b->gc->worst >= lo && b->gc->worst < hi);
  CU_ASSERT_EQUAL(failed_outside, 0);
}

/* The first parameter of layer l, or n_params for l = L + 1. */
static size_t layer_start(const bench *b, size_t l) {
  return (l > b->p->net->n_layers) ? b->p->net->n_params : b->p->net->offset[l];
}

/* The network's gradient with a classic mistake planted (mistakes.h) into net->grad:
 *   skip_hidden_derivative: dS_{l-1} = dX_{l-1}, the x(1 - x) of eq. (11), eq. (12) forgotten in every hidden layer;
 *   transposed_layer = l:    dX_{l-1} = dS_l W_l instead of dS_l W_l^T (eq. 13/14 read with w_ij for w_ji). */
static int planted_backward(bench *b, int skip_hidden_derivative, size_t transposed_layer) {
  bp_plant plant = bp_plant_default(BP_MISTAKE_NONE);
  if (skip_hidden_derivative) plant = bp_plant_default(BP_MISTAKE_MISSING_DERIVATIVE);
  if (transposed_layer) {
    plant = bp_plant_default(BP_MISTAKE_TRANSPOSED_PROPAGATION);
    plant.layer = transposed_layer;
  }
  return bp_mistake_gradient(b->p->net, b->p->X0, b->p->T, &plant, b->p->net->grad);
}

/* eq. (9) eq. (16) eq. (26) eq. (31): the control. The library's gradient and the test-local backward without a
 * planted bug both PASS against the same differences, with either difference method; otherwise the FAILs below
 * would prove nothing. */
static void the_correct_gradient_should_pass_on_the_planted_bug_networks(void) {
  for (int out = 0; out < 2; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 4553 + (unsigned long)out);
    CU_ASSERT_FATAL(b->p != NULL);
    expect_pass(b, b->correct, "library");
    CU_ASSERT_EQUAL(planted_backward(b, 0, 0), GSL_SUCCESS);
    expect_pass(b, b->p->net->grad, "planted backward without a bug");
    CU_ASSERT_EQUAL(bp_test_problem_numeric_gradient(b->p, BP_FD_GSL, b->gc->numeric, b->gc->estimate), GSL_SUCCESS);
    expect_pass(b, b->correct, "library, against gsl_deriv_central,");
    bench_free(b);
  }
}

/* The correct gradient with layer l's entries (W_l and b_l) multiplied by factor, on both output types: FAIL with
 * the worst entry in layer l. */
static void expect_scaled_layer_caught(size_t l, double factor, const char *what) {
  for (int out = 0; out < 2; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 4553 + (unsigned long)out);
    CU_ASSERT_FATAL(b->p != NULL);
    gsl_vector *bug = bp_vector_alloc(b->gc->size);
    gsl_vector_memcpy(bug, b->correct);
    size_t lo = layer_start(b, l), hi = layer_start(b, l + 1);
    for (size_t i = lo; i < hi; i++) gsl_vector_set(bug, i, factor * gsl_vector_get(bug, i));
    expect_caught(b, bug, lo, hi, what);
    gsl_vector_free(bug);
    bench_free(b);
  }
}

/* (a) eq. (10) eq. (15): a flipped sign on one layer's gradient (layer 2: W2 and b2), as from E - (...) read as
 * E + (...) in one place. */
static void a_flipped_sign_on_one_layer_should_fail_with_the_worst_entry_in_that_layer(void) {
  expect_scaled_layer_caught(2, -1.0, "flipped sign on layer 2");
}

/* (b) eq. (9) eq. (26): a factor 2 on the output layer's gradient, as from the squared error's 2 carried into
 * the cross-entropy delta. */
static void a_factor_of_two_on_the_output_layer_should_fail_with_the_worst_entry_in_that_layer(void) {
  expect_scaled_layer_caught(3, 2.0, "factor 2 on the output layer");
}

/* (c) eq. (11) eq. (12) eq. (30) eq. (31): the hidden units' x(1 - x) forgotten: every layer below the output is
 * wrong, the output layer is not. */
static void a_missing_logistic_derivative_should_fail_with_the_worst_entry_below_the_output_layer(void) {
  for (int out = 0; out < 2; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 4553 + (unsigned long)out);
    CU_ASSERT_FATAL(b->p != NULL);
    CU_ASSERT_EQUAL(planted_backward(b, 1, 0), GSL_SUCCESS);
    expect_caught(b, b->p->net->grad, 0, layer_start(b, 3), "missing x(1 - x)");
    bench_free(b);
  }
}

/* (d) eq. (13) eq. (14): dX_1 = dS_2 W_2 instead of dS_2 W_2^T through the square 5 x 5 layer 2: only layer 1,
 * which receives that dX_1, is wrong. */
static void transposed_weights_should_fail_with_the_worst_entry_in_the_layer_below(void) {
  for (int out = 0; out < 2; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 4553 + (unsigned long)out);
    CU_ASSERT_FATAL(b->p != NULL);
    CU_ASSERT_EQUAL(b->p->net->W[2].matrix.size1, b->p->net->W[2].matrix.size2);
    CU_ASSERT_EQUAL(planted_backward(b, 0, 2), GSL_SUCCESS);
    expect_caught(b, b->p->net->grad, 0, layer_start(b, 2), "W instead of W^T in layer 2");
    bench_free(b);
  }
}

/* eq. (25) eq. (26): the fused softmax delta x - t assumes targets that sum to one. Targets that do not (a user
 * error the library documents) make the library's own gradient wrong, and the checker says so. */
static void softmax_targets_that_do_not_sum_to_one_should_make_the_fused_gradient_fail(void) {
  bench *b = bench_alloc(BP_OUTPUT_SOFTMAX, 2526);
  CU_ASSERT_FATAL(b->p != NULL);
  gsl_rng *rng = bp_test_rng(2527);
  bp_test_fill_uniform(b->p->T, rng, 0.45, 0.95); /* every row sums to between 1.35 and 2.85 */
  gsl_rng_free(rng);
  CU_ASSERT_EQUAL(bp_test_problem_numeric_gradient(b->p, BP_FD_CENTRAL, b->gc->numeric, b->gc->estimate), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_mlp_gradient(b->p->net, b->p->ws, b->p->X0, b->p->T, NULL), GSL_SUCCESS);
  judge(b, b->p->net->grad);
  CU_ASSERT_EQUAL(b->gc->verdict, BP_VERDICT_FAIL);
  /* the output biases get sum_b x_i (sum_k t_k - 1) too much: all of them fail */
  for (size_t i = layer_start(b, 4) - 3; i < layer_start(b, 4); i++)
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(b->gc->passed, i), 0);
  bench_free(b);
}

/* ---- the analytic side's rounding floor ------------------------------------------------------------------------ */

/* With the scale of what each entry sums given (bp_gradcheck_set_scale), |a - n| <= 64 eps scale passes and is
 * judged by the floor, counted in n_floor (and in n_unresolved), left out of max_rel_err; 1.1 floors fails. An
 * entry whose own size resolves rtol (3e-20 with a scale of 1e-19) is judged by rel_err. */
static void an_entry_within_its_rounding_floor_should_pass_and_be_counted_apart(void) {
  const double eps = GSL_DBL_EPSILON;
  const double a[4] = {0.0, 3e-20, 3e-20, 1.25}, n[4] = {-5.4e-20, 3e-20 + 70.4 * eps, 3e-20, 1.25 * (1 + 2e-7)};
  const double e[4] = {1e-34, 1e-34, 1e-34, 1e-30}, scale[4] = {2.0, 1.0, 1e-19, 2.0};
  bp_gradcheck *gc = check_of(4, a, n, e);
  gsl_vector_const_view sv = gsl_vector_const_view_array(scale, 4);
  CU_ASSERT_EQUAL_FATAL(bp_gradcheck_set_scale(gc, &sv.vector), GSL_SUCCESS);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(tol.floor_ulps, BP_FLOOR_ULPS);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  static const unsigned char passed[4] = {1, 0, 1, 0},
                             judged[4] = {BP_JUDGED_FLOOR, BP_JUDGED_FLOOR, BP_JUDGED_REL_ERR, BP_JUDGED_REL_ERR};
  for (size_t i = 0; i < 4; i++) {
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, i), passed[i]);
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->judged, i), judged[i]);
    ASSERT_REL_CLOSE(gsl_vector_get(gc->floor, i), 64.0 * eps * scale[i], 1e-15);
  }
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, 0), "floor");
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, 3), "rel_err");
  CU_ASSERT_EQUAL(gc->n_floor, 2);
  CU_ASSERT_EQUAL(gc->n_unresolved, 2);
  CU_ASSERT_EQUAL(gc->n_failed, 2);
  CU_ASSERT_EQUAL(gc->worst, 3); /* 2e-7 against rtol 1e-7: margin 2; entry 1's 70.4 / 64 = 1.1 */
  /* with the floor off, entry 0 has nothing to lean on and fails */
  tol.floor_ulps = 0.0;
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 0), 0);
  CU_ASSERT_EQUAL(gc->n_floor, 0);
  bp_gradcheck_free(gc);
}

/* Without a scale the floor is 64 eps of the largest |n| of the entry's block: the caller's blocks, a Jacobian's
 * rows, and for bp_gradcheck_compare each entry alone (then it never decides). A tiny entry beside a large one of
 * its block passes within the floor and fails beyond it. */
static void the_floor_should_scale_with_the_largest_entry_of_the_block(void) {
  const double eps = GSL_DBL_EPSILON;
  const double a[4] = {1e-18, 1e-18, 2.0, 0.5}, n[4] = {1e-18 + 100 * eps, 1e-18 + 200 * eps, 2.0, 0.5};
  const double e[4] = {0};
  bp_gradcheck *gc = check_of(4, a, n, e);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS); /* each entry alone: both tiny ones fail */
  CU_ASSERT_EQUAL(gc->n_failed, 2);
  const size_t blocks[4] = {0, 3, 0, 3}; /* entry 0 beside 2.0 (floor 2.8e-14), entry 1 beside 0.5 (7.1e-15) */
  CU_ASSERT_EQUAL_FATAL(bp_gradcheck_set_blocks(gc, blocks), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 0), 1);
  CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->passed, 1), 0);
  CU_ASSERT_EQUAL(gc->n_floor, 2);
  CU_ASSERT_EQUAL(bp_gradcheck_set_blocks(gc, NULL), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->n_failed, 2);
  bp_gradcheck_free(gc);
}

static void bad_blocks_and_scales_should_be_rejected_with_a_message(void) {
  bp_gradcheck *gc = bp_gradcheck_alloc(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(gc);
  const size_t blocks[3] = {0, 3, 1};
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_set_blocks(gc, blocks), GSL_EINVAL, "block 3");
  gsl_vector *scale = gsl_vector_calloc(3), *short_scale = gsl_vector_calloc(2);
  gsl_vector_set(scale, 1, -1.0);
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_set_scale(gc, scale), GSL_EINVAL, "entry 1");
  gsl_vector_set(scale, 1, GSL_POSINF);
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_set_scale(gc, scale), GSL_EINVAL, "entry 1");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_set_scale(gc, short_scale), GSL_EBADLEN, "2 scales for 3 entries");
  gsl_vector_free(scale);
  gsl_vector_free(short_scale);
  bp_gradcheck_free(gc);
}

/* y = c x with c = 1e-320: Im f(x + ih) = c h underflows to 0 at h = 2^-66. The complex step's estimate includes
 * the underflow floor (64 DBL_TRUE_MIN / h), so the true c passes although the oracle says 0, while a derivative
 * of 1e-290, above that floor, fails (and the subnormal staircase of f is not taken for a kink). */
static int tiny_slope(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, 1e-320 * gsl_vector_get(x, 0));
  return GSL_SUCCESS;
}

static int tiny_slope_complex(const gsl_vector_complex *z, gsl_vector_complex *w, void *params) {
  (void)params;
  gsl_complex v = gsl_vector_complex_get(z, 0);
  gsl_vector_complex_set(w, 0, gsl_complex_rect(1e-320 * GSL_REAL(v), 1e-320 * GSL_IMAG(v)));
  return GSL_SUCCESS;
}

static void the_complex_steps_own_underflow_should_never_fail_a_right_derivative(void) {
  const bp_fd_problem p = {tiny_slope, tiny_slope_complex, NULL, NULL};
  double x0 = 0.8125;
  gsl_vector_view x = gsl_vector_view_array(&x0, 1);
  bp_tolerance tol = bp_tolerance_default();
  bp_gradcheck *gc = bp_gradcheck_alloc(1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(gc);
  double right = 1e-320, wrong = 1e-290;
  gsl_matrix_view J = gsl_matrix_view_array(&right, 1, 1);
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_COMPLEX, &p, &x.vector, &J.matrix, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_vector_get(gc->numeric, 0), 0.0); /* the oracle underflowed */
  CU_ASSERT(gsl_vector_get(gc->estimate, 0) >= 64.0 * DBL_TRUE_MIN / 0x1p-66);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  J = gsl_matrix_view_array(&wrong, 1, 1);
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_COMPLEX, &p, &x.vector, &J.matrix, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  bp_gradcheck_free(gc);
}

/* eq. (9): the failure margin a report ranks entries by exceeds 1 exactly on the failing entries, and is largest at
 * the worst entry; a non-finite entry has an infinite one. */
static void entry_margins_should_rank_the_failing_entries_and_peak_at_the_worst(void) {
  static const double a[] = {0.31, -1.25, 2.385, 0.0071, 4.5, -0.66};
  static const double n[] = {0.31000000001, -1.2, 2.385, 0.0072, 4.5000000002, -0.66};
  bp_gradcheck *gc = bp_gradcheck_alloc(6);
  CU_ASSERT_PTR_NOT_NULL_FATAL(gc);
  for (size_t k = 0; k < 6; k++) {
    gsl_vector_set(gc->analytic, k, a[k]);
    gsl_vector_set(gc->numeric, k, n[k]);
    gsl_vector_set(gc->estimate, k, 1e-12);
  }
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL_FATAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  double top = -1;
  size_t at = 99;
  for (size_t k = 0; k < 6; k++) {
    double m = bp_gradcheck_entry_margin(gc, k);
    CU_ASSERT_EQUAL(m > 1.0, !gsl_vector_uchar_get(gc->passed, k));
    if (m > top) top = m, at = k;
  }
  CU_ASSERT_EQUAL(gc->n_failed, 2); /* entries 1 and 3 */
  CU_ASSERT_EQUAL(at, gc->worst);
  gsl_vector_set(gc->numeric, 2, GSL_NAN);
  CU_ASSERT_EQUAL_FATAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  CU_ASSERT(isinf(bp_gradcheck_entry_margin(gc, 2)));
  bp_gradcheck_free(gc);
}

int register_gradcheck(void) {
  static const bp_test_case cases[] = {
      {"entry_margins_should_rank_the_failing_entries_and_peak_at_the_worst",
       entry_margins_should_rank_the_failing_entries_and_peak_at_the_worst},
      {"an_entry_within_its_rounding_floor_should_pass_and_be_counted_apart",
       an_entry_within_its_rounding_floor_should_pass_and_be_counted_apart},
      {"the_floor_should_scale_with_the_largest_entry_of_the_block",
       the_floor_should_scale_with_the_largest_entry_of_the_block},
      {"bad_blocks_and_scales_should_be_rejected_with_a_message",
       bad_blocks_and_scales_should_be_rejected_with_a_message},
      {"the_complex_steps_own_underflow_should_never_fail_a_right_derivative",
       the_complex_steps_own_underflow_should_never_fail_a_right_derivative},
      {"fd_jacobian_should_match_the_closed_form_jacobian_with_both_methods",
       fd_jacobian_should_match_the_closed_form_jacobian_with_both_methods},
      {"fd_error_estimate_should_bound_the_actual_error_with_both_methods",
       fd_error_estimate_should_bound_the_actual_error_with_both_methods},
      {"fd_error_estimate_should_cover_a_dominant_truncation_error",
       fd_error_estimate_should_cover_a_dominant_truncation_error},
      {"fd_jacobian_should_restore_x_bit_for_bit", fd_jacobian_should_restore_x_bit_for_bit},
      {"fd_jacobian_should_pass_on_a_failure_midway_and_still_restore_x",
       fd_jacobian_should_pass_on_a_failure_midway_and_still_restore_x},
      {"fd_jacobian_should_reject_bad_methods_and_shapes", fd_jacobian_should_reject_bad_methods_and_shapes},
      {"a_small_output_row_should_not_inherit_the_round_off_of_a_large_one",
       a_small_output_row_should_not_inherit_the_round_off_of_a_large_one},
      {"entries_where_both_sides_are_zero_should_pass", entries_where_both_sides_are_zero_should_pass},
      {"non_finite_entries_should_fail_be_counted_and_be_the_worst",
       non_finite_entries_should_fail_be_counted_and_be_the_worst},
      {"an_all_zero_analytic_gradient_should_give_no_signal", an_all_zero_analytic_gradient_should_give_no_signal},
      {"an_all_zero_analytic_gradient_against_a_real_numeric_one_should_fail",
       an_all_zero_analytic_gradient_against_a_real_numeric_one_should_fail},
      {"tiny_entries_should_be_judged_against_the_error_estimate",
       tiny_entries_should_be_judged_against_the_error_estimate},
      {"unresolved_entries_should_be_counted_left_out_of_max_rel_err_and_still_judged",
       unresolved_entries_should_be_counted_left_out_of_max_rel_err_and_still_judged},
      {"an_entry_of_a_large_loss_should_report_its_true_relative_error",
       an_entry_of_a_large_loss_should_report_its_true_relative_error},
      {"an_estimate_near_dbl_max_should_not_pass_every_entry", an_estimate_near_dbl_max_should_not_pass_every_entry},
      {"an_entry_exactly_on_its_estimate_band_should_pass", an_entry_exactly_on_its_estimate_band_should_pass},
      {"summary_measures_should_follow_their_definitions", summary_measures_should_follow_their_definitions},
      {"bad_tolerances_and_sizes_should_be_rejected", bad_tolerances_and_sizes_should_be_rejected},
      {"the_correct_gradient_should_pass_on_the_planted_bug_networks",
       the_correct_gradient_should_pass_on_the_planted_bug_networks},
      {"a_flipped_sign_on_one_layer_should_fail_with_the_worst_entry_in_that_layer",
       a_flipped_sign_on_one_layer_should_fail_with_the_worst_entry_in_that_layer},
      {"a_factor_of_two_on_the_output_layer_should_fail_with_the_worst_entry_in_that_layer",
       a_factor_of_two_on_the_output_layer_should_fail_with_the_worst_entry_in_that_layer},
      {"a_missing_logistic_derivative_should_fail_with_the_worst_entry_below_the_output_layer",
       a_missing_logistic_derivative_should_fail_with_the_worst_entry_below_the_output_layer},
      {"transposed_weights_should_fail_with_the_worst_entry_in_the_layer_below",
       transposed_weights_should_fail_with_the_worst_entry_in_the_layer_below},
      {"softmax_targets_that_do_not_sum_to_one_should_make_the_fused_gradient_fail",
       softmax_targets_that_do_not_sum_to_one_should_make_the_fused_gradient_fail},
  };
  return bp_test_add_suite("gradient checker and planted bugs", cases, sizeof cases / sizeof cases[0]);
}
