/* test_logistic.c - section 1 of the notes, eq. (1)-(16), for one layer of logistic units: the activation
 * eq. (2), its derivative eq. (7), the error eq. (1) with its gradient eq. (5), eq. (6) and the fused delta eq. (9).
 * The network equations (3), (4), (8) and (10)-(16) are checked on whole networks in test_mlp.c. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "activation.h"
#include "core.h"
#include "fd.h"
#include "test_util.h"
#include "xent.h"

/* Closed forms evaluated in the test, not by the library. Comparing two computations of one quantity that
 * involve a handful of roundings each and no cancellation: 1e-14 (about 45 ulp). */
#define RTOL_TWO_WAYS 1e-14
/* Finite differences (central, h ~ 6e-6): truncation and round-off leave about 1e-9 relative at these points. */
#define RTOL_FD 1e-7

/* Irregular points, moderate enough (|s| < 4.5) that 1 - x > 0.011 keeps all but about 7 of its 53 bits. */
static const double S_POINTS[2][4] = {{-4.217, -2.385, -0.4417, 0.7413}, {0.09871, 1.618, 3.1416, 4.389}};

static gsl_matrix *points_matrix(void) { return bp_test_matrix_of(S_POINTS[0], 2, 4); }

static double closed_form_logistic(double s) { return 1.0 / (1.0 + exp(-s)); }

/* The library forms 1 - x from the rounded x: for x in [0.5, 1) its half-ulp rounding (<= eps/2 absolute) becomes
 * eps / (2 (1 - x)) relative in 1 - x, about 9e-15 at s = 4.389. Anything computed through x(1 - x) is compared
 * with twice that on top of RTOL_TWO_WAYS. */
static double rtol_through_one_minus_x(double x) { return RTOL_TWO_WAYS + DBL_EPSILON / (1.0 - x); }

/* Targets chosen so |x - t| >= 0.3 at S_POINTS: eq. (5) then adds two terms of at most 3 times its result. */
static const double T_FAR[2][4] = {{0.5813, 0.6931, 0.8127, 0.2718}, {0.9142, 0.3183, 0.4471, 0.1234}};

static gsl_matrix *targets_far(void) { return bp_test_matrix_of(T_FAR[0], 2, 4); }

/* ---- eq. (2) ---------------------------------------------------------------------------------------------------- */

/* eq. (2): against values computed with 40-digit arithmetic (mpmath), rounded to 25 digits here. Each is
 * within half an ulp of the true value, so the library's few roundings are all that can differ. */
static void logistic_should_match_values_computed_to_forty_digits(void) {
  static const struct {
    double s, x;
  } known[] = {
      {0.7413, 0.6772800650105262029215653},
      {-2.385, 0.08432369642147450064588517},
      {5.1207, 0.9940636100350685866681394},
      {-11.0931, 0.00001521672787960140189011829},
  };
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
    ASSERT_REL_CLOSE(bp_logistic(known[k].s), known[k].x, 4 * DBL_EPSILON);
  CU_ASSERT_EQUAL(bp_logistic(0.0), 0.5);
}

/* eq. (2): the batch forward against 1 / (1 + e^{-s}) computed here, out of place and in place (X = S). */
static void logistic_forward_should_match_the_closed_form_at_irregular_points(void) {
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4);
  CU_ASSERT_EQUAL(bp_logistic_forward(S, X), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 4; c++)
      ASSERT_REL_CLOSE(gsl_matrix_get(X, r, c), closed_form_logistic(S_POINTS[r][c]), RTOL_TWO_WAYS);
  CU_ASSERT_EQUAL(bp_logistic_forward(S, S), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 4; c++)
      ASSERT_REL_CLOSE(gsl_matrix_get(S, r, c), closed_form_logistic(S_POINTS[r][c]), RTOL_TWO_WAYS);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
}

/* eq. (2): e^{-s} / (1 + e^{-s}) = 1 - 1 / (1 + e^{-s}). Where 1 - x has no cancellation (|s| < 1.1,
 * x in (0.25, 0.75)) the two sides agree to rounding; over a wide range x(s) + x(-s) = 1 to a few ulp. */
static void logistic_should_be_symmetric_with_x_of_minus_s_equal_to_one_minus_x_of_s(void) {
  static const double moderate[] = {0.03162, 0.2718, 0.5772, 0.7413, 1.0986};
  for (size_t k = 0; k < sizeof moderate / sizeof moderate[0]; k++) {
    double s = moderate[k];
    ASSERT_REL_CLOSE(bp_logistic(-s), 1.0 - bp_logistic(s), RTOL_TWO_WAYS);
    ASSERT_REL_CLOSE(bp_logistic(s), 1.0 - bp_logistic(-s), RTOL_TWO_WAYS);
  }
  static const double wide[] = {2.385, 7.389, 19.17, 36.04, 123.4};
  for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++)
    ASSERT_REL_CLOSE(bp_logistic(wide[k]) + bp_logistic(-wide[k]), 1.0, 4 * DBL_EPSILON);
}

/* eq. (2) for large |s|: the form e^s / (1 + e^s) for s < 0 keeps tiny activations relatively accurate
 * (x = e^s to within e^{2s}) and never overflows; saturation at +800 gives exactly 1. */
static void logistic_should_stay_finite_and_accurate_for_large_negative_s(void) {
  ASSERT_REL_CLOSE(bp_logistic(-41.37), exp(-41.37), 4 * DBL_EPSILON);
  ASSERT_REL_CLOSE(bp_logistic(-703.2), exp(-703.2), 4 * DBL_EPSILON);
  CU_ASSERT_EQUAL(bp_logistic(-800.0), 0.0);
  CU_ASSERT_EQUAL(bp_logistic(800.0), 1.0);
  CU_ASSERT(isfinite(bp_logistic(-1e300)) && isfinite(bp_logistic(1e300)));
}

/* ---- eq. (1) ---------------------------------------------------------------------------------------------------- */

/* eq. (1): the naive error is the sum over the batch and the outputs of -(t log x + (1 - t) log(1 - x)),
 * accumulated here row by row into separate sums, then added. */
static void logistic_naive_error_should_equal_eq_1_summed_over_the_batch(void) {
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4), *T = targets_far();
  bp_logistic_forward(S, X);
  double E = 0.0, expected = 0.0;
  CU_ASSERT_EQUAL(bp_xent_logistic_naive(X, T, &E), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++) {
    double row = 0.0;
    for (size_t c = 0; c < 4; c++) {
      double x = gsl_matrix_get(X, r, c), t = T_FAR[r][c];
      row += -(t * log(x) + (1.0 - t) * log(1.0 - x));
    }
    expected += row;
  }
  CU_ASSERT(E > 0.0);
  ASSERT_REL_CLOSE(E, expected, RTOL_TWO_WAYS);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
}

/* ---- eq. (7) ---------------------------------------------------------------------------------------------------- */

/* eq. (7): x(1 - x) from the library against the closed form e^{-s} / (1 + e^{-s})^2 computed from s here. */
static void logistic_derivative_should_equal_the_closed_form_of_dx_ds(void) {
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4), *D = bp_matrix_alloc(2, 4);
  bp_logistic_forward(S, X);
  CU_ASSERT_EQUAL(bp_logistic_deriv(X, D), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 4; c++) {
      double e = exp(-S_POINTS[r][c]);
      ASSERT_REL_CLOSE(gsl_matrix_get(D, r, c), e / ((1.0 + e) * (1.0 + e)),
                       rtol_through_one_minus_x(gsl_matrix_get(X, r, c)));
    }
  CU_ASSERT_EQUAL(bp_logistic_deriv(X, X), GSL_SUCCESS); /* D may be X */
  ASSERT_MATRIX_EQUAL(X, D);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(D);
}

/* eq. (7): dx/ds against central differences of the forward, entry by entry and as a whole Jacobian (which is
 * diagonal: the off-diagonal differences are exactly zero). */
static void logistic_derivative_should_match_finite_differences(void) {
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4), *D = bp_matrix_alloc(2, 4);
  gsl_matrix *J = bp_matrix_alloc(8, 8), *Jn = bp_matrix_alloc(8, 8);
  bp_logistic_forward(S, X);
  bp_logistic_deriv(X, D);
  gsl_vector *s = bp_test_flatten(S);
  bp_test_map_closure logistic = {bp_logistic_forward}; /* eq. (2), x = logistic(s) */
  for (size_t k = 0; k < 8; k++) gsl_matrix_set(J, k, k, gsl_matrix_get(D, k / 4, k % 4));
  CU_ASSERT_EQUAL(bp_fd_jacobian(BP_FD_CENTRAL, &(bp_fd_problem){bp_test_map_of, NULL, &logistic, NULL}, s, Jn, NULL),
                  GSL_SUCCESS);
  for (size_t k = 0; k < 8; k++) ASSERT_REL_CLOSE(gsl_matrix_get(Jn, k, k), gsl_matrix_get(J, k, k), RTOL_FD);
  ASSERT_JACOBIAN_MATCHES_FD(bp_test_map_of, &logistic, s, J);
  gsl_vector_free(s);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(D);
  gsl_matrix_free(J);
  gsl_matrix_free(Jn);
}

/* eq. (7) in the chain rule: backward writes dX * x(1 - x), computed here as dX * (x - x^2); dS may be dX. */
static void logistic_backward_should_multiply_the_upstream_gradient_by_x_one_minus_x(void) {
  gsl_rng *rng = bp_test_rng(7413);
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4), *dX = bp_matrix_alloc(2, 4);
  gsl_matrix *dS = bp_matrix_alloc(2, 4);
  bp_logistic_forward(S, X);
  bp_test_fill_uniform(dX, rng, -3.7, 2.9);
  CU_ASSERT_EQUAL(bp_logistic_backward(X, dX, dS), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 4; c++) {
      double x = gsl_matrix_get(X, r, c);
      ASSERT_REL_CLOSE(gsl_matrix_get(dS, r, c), gsl_matrix_get(dX, r, c) * (x - x * x), rtol_through_one_minus_x(x));
    }
  CU_ASSERT_EQUAL(bp_logistic_backward(X, dX, dX), GSL_SUCCESS);
  ASSERT_MATRIX_EQUAL(dX, dS);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(dX);
  gsl_matrix_free(dS);
  gsl_rng_free(rng);
}

/* ---- eq. (5), eq. (6) -------------------------------------------------------------------------------------------- */

/* eq. (5) eq. (6): the library's simplified (x - t) / (x(1 - x)) against the unsimplified -t/x + (1 - t)/(1 - x)
 * evaluated here. With |x - t| >= 0.3 the two terms of eq. (5) are at most about 3 times the result. */
static void logistic_dx_of_eq_6_should_equal_eq_5_computed_in_the_test(void) {
  gsl_matrix *S = points_matrix(), *X = bp_matrix_alloc(2, 4), *T = targets_far(), *dX = bp_matrix_alloc(2, 4);
  bp_logistic_forward(S, X);
  CU_ASSERT_EQUAL(bp_xent_logistic_dx(X, T, dX), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 4; c++) {
      double x = gsl_matrix_get(X, r, c), t = T_FAR[r][c];
      CU_ASSERT(fabs(x - t) >= 0.3); /* the premise of the tolerance */
      ASSERT_REL_CLOSE(gsl_matrix_get(dX, r, c), -t / x + (1.0 - t) / (1.0 - x), RTOL_TWO_WAYS);
    }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(dX);
}

/* eq. (5) eq. (6) eq. (1): dE/dx against central differences of the naive error eq. (1) in x. The activations
 * are kept in (0.08, 0.92) so x +- 2h stays inside (0, 1). */
static void logistic_dx_should_match_finite_differences_of_the_naive_error(void) {
  gsl_rng *rng = bp_test_rng(2385);
  gsl_matrix *X = bp_matrix_alloc(3, 4), *T = bp_matrix_alloc(3, 4), *dX = bp_matrix_alloc(3, 4);
  bp_test_fill_uniform(X, rng, 0.08, 0.92);
  bp_test_fill_uniform(T, rng, 0.03, 0.97);
  CU_ASSERT_EQUAL(bp_xent_logistic_dx(X, T, dX), GSL_SUCCESS);
  ASSERT_ERROR_GRADIENT_MATCHES_FD(bp_xent_logistic_naive, X, T, dX); /* eq. (1) in x */
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(dX);
  gsl_rng_free(rng);
}

/* ---- eq. (9) ---------------------------------------------------------------------------------------------------- */

/* eq. (9) eq. (6) eq. (7): the fused delta x - t against the unfused chain: eq. (6) through bp_logistic_backward
 * (eq. 7). x(1 - x) cancels exactly on paper; in floating point the chain adds about 5 roundings. */
static void fused_logistic_delta_of_eq_9_should_equal_the_unfused_chain(void) {
  gsl_rng *rng = bp_test_rng(9);
  gsl_matrix *S = bp_matrix_alloc(3, 5), *X = bp_matrix_alloc(3, 5), *T = bp_matrix_alloc(3, 5);
  gsl_matrix *fused = bp_matrix_alloc(3, 5), *chain = bp_matrix_alloc(3, 5);
  bp_test_fill_uniform(S, rng, -4.3, 4.1);
  bp_test_fill_uniform(T, rng, 0.0, 1.0);
  bp_logistic_forward(S, X);
  CU_ASSERT_EQUAL(bp_xent_logistic_delta(X, T, fused), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_xent_logistic_dx(X, T, chain), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_logistic_backward(X, chain, chain), GSL_SUCCESS);
  for (size_t r = 0; r < 3; r++)
    for (size_t c = 0; c < 5; c++) {
      ASSERT_REL_CLOSE(gsl_matrix_get(chain, r, c), gsl_matrix_get(fused, r, c), RTOL_TWO_WAYS);
      ASSERT_REL_CLOSE(gsl_matrix_get(fused, r, c), gsl_matrix_get(X, r, c) - gsl_matrix_get(T, r, c), DBL_EPSILON);
    }
  CU_ASSERT_EQUAL(bp_xent_logistic_delta(X, T, X), GSL_SUCCESS); /* dS may be X */
  ASSERT_MATRIX_EQUAL(X, fused);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(fused);
  gsl_matrix_free(chain);
  gsl_rng_free(rng);
}

/* eq. (9) eq. (36): dE/ds = x - t against central differences of the error as a function of s. */
static void fused_logistic_delta_should_match_finite_differences_of_the_error_in_s(void) {
  gsl_rng *rng = bp_test_rng(36);
  gsl_matrix *S = bp_matrix_alloc(3, 4), *X = bp_matrix_alloc(3, 4), *T = bp_matrix_alloc(3, 4);
  gsl_matrix *dS = bp_matrix_alloc(3, 4);
  bp_test_fill_uniform(S, rng, -5.3, 6.1);
  bp_test_fill_uniform(T, rng, 0.0, 1.0);
  bp_logistic_forward(S, X);
  bp_xent_logistic_delta(X, T, dS);
  ASSERT_ERROR_GRADIENT_MATCHES_FD(bp_xent_logistic_stable, S, T, dS); /* eq. (36) in s */
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(dS);
  gsl_rng_free(rng);
}

/* ---- error paths ------------------------------------------------------------------------------------------------- */

static void logistic_activations_should_reject_mismatched_shapes_and_name_the_function(void) {
  gsl_matrix *A = bp_matrix_alloc(2, 3), *B = bp_matrix_alloc(3, 2), *C = bp_matrix_alloc(2, 4);
  ASSERT_FAILS_WITH_MESSAGE(bp_logistic_forward(A, B), GSL_EBADLEN, "bp_logistic_forward");
  ASSERT_FAILS_WITH_MESSAGE(bp_logistic_deriv(A, C), GSL_EBADLEN, "bp_logistic_deriv");
  ASSERT_FAILS_WITH_MESSAGE(bp_logistic_backward(A, B, A), GSL_EBADLEN, "bp_logistic_backward"); /* dX wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_logistic_backward(A, A, C), GSL_EBADLEN, "bp_logistic_backward"); /* dS wrong */
  gsl_matrix_free(A);
  gsl_matrix_free(B);
  gsl_matrix_free(C);
}

static void logistic_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function(void) {
  gsl_matrix *A = bp_matrix_alloc(2, 3), *B = bp_matrix_alloc(3, 2), *C = bp_matrix_alloc(2, 4);
  gsl_matrix_set_all(A, 0.3817);
  double E = 2.718;
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_naive(A, B, &E), GSL_EBADLEN, "bp_xent_logistic_naive");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_stable(A, C, &E), GSL_EBADLEN, "bp_xent_logistic_stable");
  CU_ASSERT_EQUAL(E, 2.718); /* nothing written on failure */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_dx(A, B, A), GSL_EBADLEN, "bp_xent_logistic_dx");       /* T wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_dx(A, A, C), GSL_EBADLEN, "bp_xent_logistic_dx");       /* dX wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_delta(A, C, A), GSL_EBADLEN, "bp_xent_logistic_delta"); /* T wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_delta(A, A, B), GSL_EBADLEN, "bp_xent_logistic_delta"); /* dS wrong */
  gsl_matrix_free(A);
  gsl_matrix_free(B);
  gsl_matrix_free(C);
}

int register_logistic(void) {
  static const bp_test_case cases[] = {
      {"logistic_should_match_values_computed_to_forty_digits", logistic_should_match_values_computed_to_forty_digits},
      {"logistic_forward_should_match_the_closed_form_at_irregular_points",
       logistic_forward_should_match_the_closed_form_at_irregular_points},
      {"logistic_should_be_symmetric_with_x_of_minus_s_equal_to_one_minus_x_of_s",
       logistic_should_be_symmetric_with_x_of_minus_s_equal_to_one_minus_x_of_s},
      {"logistic_should_stay_finite_and_accurate_for_large_negative_s",
       logistic_should_stay_finite_and_accurate_for_large_negative_s},
      {"logistic_naive_error_should_equal_eq_1_summed_over_the_batch",
       logistic_naive_error_should_equal_eq_1_summed_over_the_batch},
      {"logistic_derivative_should_equal_the_closed_form_of_dx_ds",
       logistic_derivative_should_equal_the_closed_form_of_dx_ds},
      {"logistic_derivative_should_match_finite_differences", logistic_derivative_should_match_finite_differences},
      {"logistic_backward_should_multiply_the_upstream_gradient_by_x_one_minus_x",
       logistic_backward_should_multiply_the_upstream_gradient_by_x_one_minus_x},
      {"logistic_dx_of_eq_6_should_equal_eq_5_computed_in_the_test",
       logistic_dx_of_eq_6_should_equal_eq_5_computed_in_the_test},
      {"logistic_dx_should_match_finite_differences_of_the_naive_error",
       logistic_dx_should_match_finite_differences_of_the_naive_error},
      {"fused_logistic_delta_of_eq_9_should_equal_the_unfused_chain",
       fused_logistic_delta_of_eq_9_should_equal_the_unfused_chain},
      {"fused_logistic_delta_should_match_finite_differences_of_the_error_in_s",
       fused_logistic_delta_should_match_finite_differences_of_the_error_in_s},
      {"logistic_activations_should_reject_mismatched_shapes_and_name_the_function",
       logistic_activations_should_reject_mismatched_shapes_and_name_the_function},
      {"logistic_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function",
       logistic_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function},
  };
  return bp_test_add_suite("logistic, eq. (1)-(16)", cases, sizeof cases / sizeof cases[0]);
}
