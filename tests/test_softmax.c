/* test_softmax.c - section 2 of the notes, eq. (17)-(31), for one softmax layer: the activation eq. (17), its
 * Jacobian eq. (20), eq. (21), the chain rule eq. (22)-(25) and the fused delta eq. (26). The weight gradients
 * eq. (28)-(31) are checked on whole networks in test_mlp.c.
 *
 * Sums that may cancel (a column of the Jacobian, the delta summed over classes, x_i (dE/dx_i - <dE/dx, x>)) are
 * compared with an absolute bound: 1e-14 (about 45 ulp) times the sum of the magnitudes that were added, the
 * standard error bound of a short floating-point sum. */
#include <float.h>
#include <math.h>

#include <gsl/gsl_blas.h>

#include "activation.h"
#include "core.h"
#include "fd.h"
#include "test_util.h"
#include "xent.h"

#define RTOL_TWO_WAYS 1e-14 /* a few roundings each way, no cancellation */
#define SUM_RTOL 1e-14      /* times the sum of the magnitudes of the terms */

#define B 3 /* examples */
#define N 5 /* classes */

/* Logits in (-3.1, 2.7): every x_i stays below 0.9 for N = 5, so 1 - x_i keeps its bits. */
static gsl_matrix *random_logits(unsigned long seed) {
  gsl_rng *rng = bp_test_rng(seed);
  gsl_matrix *S = bp_matrix_alloc(B, N);
  bp_test_fill_uniform(S, rng, -3.1, 2.7);
  gsl_rng_free(rng);
  return S;
}

/* The softmax eq. (17) of random_logits(seed). */
static gsl_matrix *random_activations(unsigned long seed) {
  gsl_matrix *S = random_logits(seed), *X = bp_matrix_alloc(B, N);
  bp_softmax_forward(S, X);
  gsl_matrix_free(S);
  return X;
}

/* Targets that sum to one in every row (the premise of eq. 26), from a generator seeded with seed. */
static gsl_matrix *random_distributions(unsigned long seed) {
  gsl_rng *rng = bp_test_rng(seed);
  gsl_matrix *T = bp_matrix_alloc(B, N);
  bp_test_fill_distribution(T, rng);
  gsl_rng_free(rng);
  return T;
}

/* The chain eq. (19) -> eq. (22): dS = bp_softmax_backward(X, bp_xent_softmax_dx(X, T)). */
static gsl_matrix *unfused_delta(const gsl_matrix *X, const gsl_matrix *T) {
  gsl_matrix *dS = bp_matrix_alloc(X->size1, X->size2);
  CU_ASSERT_EQUAL(bp_xent_softmax_dx(X, T, dS), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_softmax_backward(X, dS, dS), GSL_SUCCESS);
  return dS;
}

static double row_sum(const gsl_matrix *M, size_t r) {
  double s = 0.0;
  for (size_t c = 0; c < M->size2; c++) s += gsl_matrix_get(M, r, c);
  return s;
}

/* ---- eq. (17) ---------------------------------------------------------------------------------------------------- */

/* eq. (17): each row is a distribution: positive entries that sum to 1 (to N roundings). */
static void softmax_rows_should_be_positive_and_sum_to_one(void) {
  gsl_matrix *S = random_logits(17), *X = bp_matrix_alloc(B, N);
  CU_ASSERT_EQUAL(bp_softmax_forward(S, X), GSL_SUCCESS);
  for (size_t r = 0; r < B; r++) {
    for (size_t c = 0; c < N; c++) CU_ASSERT(gsl_matrix_get(X, r, c) > 0.0);
    ASSERT_REL_CLOSE(row_sum(X, r), 1.0, SUM_RTOL);
  }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
}

/* eq. (17): against e^{s_i} / sum_c e^{s_c} computed here without the library's max shift, out of place and in
 * place (X = S). */
static void softmax_forward_should_match_the_closed_form_at_irregular_logits(void) {
  static const double logits[2][4] = {{2.385, -1.172, 0.4417, -0.09871}, {-3.1416, 0.7413, 1.618, -2.7183}};
  gsl_matrix *S = bp_test_matrix_of(logits[0], 2, 4), *X = bp_matrix_alloc(2, 4);
  CU_ASSERT_EQUAL(bp_softmax_forward(S, X), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_softmax_forward(S, S), GSL_SUCCESS);
  for (size_t r = 0; r < 2; r++) {
    double z = 0.0;
    for (size_t c = 0; c < 4; c++) z += exp(logits[r][c]);
    for (size_t c = 0; c < 4; c++) {
      ASSERT_REL_CLOSE(gsl_matrix_get(X, r, c), exp(logits[r][c]) / z, RTOL_TWO_WAYS);
      CU_ASSERT_EQUAL(gsl_matrix_get(S, r, c), gsl_matrix_get(X, r, c));
    }
  }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
}

/* ---- eq. (20), eq. (21) ------------------------------------------------------------------------------------------ */

/* eq. (20) eq. (21): the library's x_i (delta_ik - x_k) against eq. (20) written with the exponentials. */
static void softmax_jacobian_of_eq_21_should_equal_eq_20_in_exponentials(void) {
  static const double s[N] = {0.7413, -1.385, 2.0153, -0.3331, 1.1892};
  gsl_matrix *S = bp_matrix_alloc(1, N), *X = bp_matrix_alloc(1, N), *J = bp_matrix_alloc(N, N);
  double e[N], z = 0.0;
  for (size_t c = 0; c < N; c++) {
    gsl_matrix_set(S, 0, c, s[c]);
    e[c] = exp(s[c]);
    z += e[c];
  }
  bp_softmax_forward(S, X);
  gsl_vector_view x = gsl_matrix_row(X, 0);
  CU_ASSERT_EQUAL(bp_softmax_jacobian(&x.vector, J), GSL_SUCCESS);
  for (size_t i = 0; i < N; i++)
    for (size_t k = 0; k < N; k++) {
      double expected = (i == k) ? e[i] / z - (e[i] / z) * (e[i] / z) : -e[i] * e[k] / (z * z);
      ASSERT_REL_CLOSE(gsl_matrix_get(J, i, k), expected, RTOL_TWO_WAYS);
    }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(J);
}

/* eq. (21): the Jacobian against central differences of the forward, for every example of a batch. */
static void softmax_jacobian_should_match_finite_differences(void) {
  gsl_matrix *S = random_logits(21), *X = bp_matrix_alloc(B, N), *J = bp_matrix_alloc(N, N);
  bp_test_map_closure softmax = {bp_softmax_forward}; /* eq. (17), x = softmax(s) of one example */
  bp_softmax_forward(S, X);
  for (size_t r = 0; r < B; r++) {
    gsl_vector_view x = gsl_matrix_row(X, r);
    CU_ASSERT_EQUAL(bp_softmax_jacobian(&x.vector, J), GSL_SUCCESS);
    gsl_vector_view s_row = gsl_matrix_row(S, r);
    ASSERT_JACOBIAN_MATCHES_FD(bp_test_map_of, &softmax, &s_row.vector, J);
  }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(J);
}

/* eq. (21): sum_i dx_i/ds_k = x_k (1 - sum_i x_i) = 0 (the outputs keep summing to one whatever s_k does) and,
 * J being symmetric, sum_k dx_i/ds_k = 0 too (adding a constant to every logit changes nothing). */
static void softmax_jacobian_columns_and_rows_should_sum_to_zero_and_it_should_be_symmetric(void) {
  gsl_matrix *X = random_activations(2121), *J = bp_matrix_alloc(N, N);
  for (size_t r = 0; r < B; r++) {
    gsl_vector_view x = gsl_matrix_row(X, r);
    bp_softmax_jacobian(&x.vector, J);
    for (size_t k = 0; k < N; k++) {
      double col = 0.0, col_mag = 0.0, row = 0.0, row_mag = 0.0;
      for (size_t i = 0; i < N; i++) {
        col += gsl_matrix_get(J, i, k);
        col_mag += fabs(gsl_matrix_get(J, i, k));
        row += gsl_matrix_get(J, k, i);
        row_mag += fabs(gsl_matrix_get(J, k, i));
        CU_ASSERT_EQUAL(gsl_matrix_get(J, i, k), gsl_matrix_get(J, k, i));
      }
      CU_ASSERT(col_mag > 0.0); /* a zero Jacobian would pass the zero sums below trivially */
      ASSERT_ABS_CLOSE(col, 0.0, SUM_RTOL * col_mag);
      ASSERT_ABS_CLOSE(row, 0.0, SUM_RTOL * row_mag);
    }
  }
  gsl_matrix_free(X);
  gsl_matrix_free(J);
}

/* ---- eq. (22) --------------------------------------------------------------------------------------------------- */

/* eq. (22): backward, which never forms J, against dE/ds = J^T dE/dx with the explicit Jacobian (gsl_blas_dgemv),
 * for an arbitrary upstream gradient. */
static void softmax_backward_should_equal_the_transposed_jacobian_times_dx(void) {
  gsl_rng *rng = bp_test_rng(22);
  gsl_matrix *X = random_activations(2222), *dX = bp_matrix_alloc(B, N), *dS = bp_matrix_alloc(B, N);
  gsl_matrix *J = bp_matrix_alloc(N, N);
  gsl_vector *expected = bp_vector_alloc(N);
  bp_test_fill_uniform(dX, rng, -2.9, 3.3);
  CU_ASSERT_EQUAL(bp_softmax_backward(X, dX, dS), GSL_SUCCESS);
  for (size_t r = 0; r < B; r++) {
    gsl_vector_view x = gsl_matrix_row(X, r), dx = gsl_matrix_row(dX, r);
    bp_softmax_jacobian(&x.vector, J);
    gsl_blas_dgemv(CblasTrans, 1.0, J, &dx.vector, 0.0, expected);
    double dot_mag = 0.0; /* sum_k |dE/dx_k x_k|: the library's x_i (dE/dx_i - <dE/dx, x>) adds up these */
    for (size_t k = 0; k < N; k++) dot_mag += fabs(gsl_vector_get(&dx.vector, k) * gsl_vector_get(&x.vector, k));
    for (size_t i = 0; i < N; i++) {
      double xi = gsl_vector_get(&x.vector, i), bound = SUM_RTOL * xi * (fabs(gsl_vector_get(&dx.vector, i)) + dot_mag);
      ASSERT_ABS_CLOSE(gsl_matrix_get(dS, r, i), gsl_vector_get(expected, i), bound);
    }
  }
  CU_ASSERT_EQUAL(bp_softmax_backward(X, dX, dX), GSL_SUCCESS); /* dS may be dX */
  ASSERT_MATRIX_EQUAL(dX, dS);
  gsl_matrix_free(X);
  gsl_matrix_free(dX);
  gsl_matrix_free(dS);
  gsl_matrix_free(J);
  gsl_vector_free(expected);
  gsl_rng_free(rng);
}

/* eq. (22) eq. (19) eq. (38): the chain (19) -> (22) against central differences of the error in s, for targets
 * that sum to one and for targets that do not (the chain rule holds for any targets). */
static void softmax_chain_rule_should_match_finite_differences_of_the_error_in_s(void) {
  gsl_rng *rng = bp_test_rng(1922);
  gsl_matrix *S = random_logits(3822), *X = bp_matrix_alloc(B, N), *T = bp_matrix_alloc(B, N);
  bp_softmax_forward(S, X);
  for (int normalised = 0; normalised < 2; normalised++) {
    if (normalised)
      bp_test_fill_distribution(T, rng);
    else
      bp_test_fill_uniform(T, rng, 0.07, 0.93);
    gsl_matrix *dS = unfused_delta(X, T);
    ASSERT_ERROR_GRADIENT_MATCHES_FD(bp_xent_softmax_stable, S, T, dS); /* eq. (38) in s */
    gsl_matrix_free(dS);
  }
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_rng_free(rng);
}

/* ---- eq. (19) --------------------------------------------------------------------------------------------------- */

/* eq. (19) eq. (18): dE/dx_i = -t_i / x_i, as computed here and against central differences of the naive error
 * with each x_i an independent variable (x in (0.05, 0.9), so x +- 2h > 0). */
static void softmax_dx_should_be_minus_t_over_x_and_match_finite_differences_of_the_naive_error(void) {
  gsl_rng *rng = bp_test_rng(19);
  gsl_matrix *X = bp_matrix_alloc(B, N), *T = bp_matrix_alloc(B, N), *dX = bp_matrix_alloc(B, N);
  bp_test_fill_uniform(X, rng, 0.05, 0.9);
  bp_test_fill_distribution(T, rng);
  CU_ASSERT_EQUAL(bp_xent_softmax_dx(X, T, dX), GSL_SUCCESS);
  for (size_t r = 0; r < B; r++)
    for (size_t c = 0; c < N; c++)
      ASSERT_REL_CLOSE(gsl_matrix_get(dX, r, c), -gsl_matrix_get(T, r, c) / gsl_matrix_get(X, r, c), DBL_EPSILON);
  ASSERT_ERROR_GRADIENT_MATCHES_FD(bp_xent_softmax_naive, X, T, dX); /* eq. (18), each x_i an independent variable */
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(dX);
  gsl_rng_free(rng);
}

/* ---- eq. (23), eq. (24), eq. (25), eq. (26) ---------------------------------------------------------------------- */

/* eq. (26) eq. (25) eq. (22) eq. (19): with targets that sum to one, the fused delta x - t equals the unfused
 * chain. The chain adds -t_i / x_i * x_i and x_i sum_k t_k: bounded by 1e-14 (t_i + x_i sum_k t_k). */
static void fused_softmax_delta_of_eq_26_should_equal_the_unfused_chain_when_targets_sum_to_one(void) {
  gsl_matrix *X = random_activations(2626), *T = random_distributions(26), *fused = bp_matrix_alloc(B, N);
  CU_ASSERT_EQUAL(bp_xent_softmax_delta(X, T, fused), GSL_SUCCESS);
  gsl_matrix *chain = unfused_delta(X, T);
  for (size_t r = 0; r < B; r++) {
    double sum_t = row_sum(T, r);
    for (size_t i = 0; i < N; i++) {
      double x = gsl_matrix_get(X, r, i), t = gsl_matrix_get(T, r, i);
      ASSERT_ABS_CLOSE(gsl_matrix_get(chain, r, i), gsl_matrix_get(fused, r, i), SUM_RTOL * (t + x * sum_t));
      CU_ASSERT_EQUAL(gsl_matrix_get(fused, r, i), x - t);
    }
  }
  CU_ASSERT_EQUAL(bp_xent_softmax_delta(X, T, X), GSL_SUCCESS); /* dS may be X */
  ASSERT_MATRIX_EQUAL(X, fused);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(fused);
  gsl_matrix_free(chain);
}

/* eq. (26): sum_i (x_i - t_i) = 1 - 1 = 0 when both rows are distributions: the output delta moves the logits
 * without a common shift. */
static void fused_softmax_delta_should_sum_to_zero_over_classes_when_targets_sum_to_one(void) {
  gsl_matrix *X = random_activations(2601), *T = random_distributions(2600), *dS = bp_matrix_alloc(B, N);
  bp_xent_softmax_delta(X, T, dS);
  for (size_t r = 0; r < B; r++) {
    double mag = 0.0;
    for (size_t c = 0; c < N; c++) mag += fabs(gsl_matrix_get(dS, r, c));
    CU_ASSERT(mag > 0.05); /* a real delta, not zero */
    ASSERT_ABS_CLOSE(row_sum(dS, r), 0.0, SUM_RTOL * (row_sum(X, r) + row_sum(T, r)));
  }
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(dS);
}

/* eq. (25) eq. (26): with targets that do NOT sum to one (here each t_k is in (0.3, 0.9), so sum_k t_k is between
 * 1.5 and 4.5), the chain gives eq. (25),
 * x_i sum_k t_k - t_i, and the fused x_i - t_i of eq. (26) is off by x_i (sum_k t_k - 1). */
static void unfused_chain_should_equal_eq_25_and_differ_from_x_minus_t_when_targets_do_not_sum_to_one(void) {
  gsl_rng *rng = bp_test_rng(25);
  gsl_matrix *X = random_activations(2525), *T = bp_matrix_alloc(B, N), *fused = bp_matrix_alloc(B, N);
  bp_test_fill_uniform(T, rng, 0.3, 0.9);
  bp_xent_softmax_delta(X, T, fused);
  gsl_matrix *chain = unfused_delta(X, T);
  for (size_t r = 0; r < B; r++) {
    double sum_t = row_sum(T, r);
    CU_ASSERT(sum_t > 1.5);
    for (size_t i = 0; i < N; i++) {
      double x = gsl_matrix_get(X, r, i), t = gsl_matrix_get(T, r, i), c = gsl_matrix_get(chain, r, i);
      ASSERT_ABS_CLOSE(c, x * sum_t - t, SUM_RTOL * (t + x * sum_t));
      /* the gap between eq. (25) and eq. (26) is x_i (sum_k t_k - 1), at least a fifth of x_i here */
      ASSERT_ABS_CLOSE(c - gsl_matrix_get(fused, r, i), x * (sum_t - 1.0), SUM_RTOL * (2.0 * t + x + x * sum_t));
      CU_ASSERT(fabs(c - gsl_matrix_get(fused, r, i)) > 0.1 * x);
    }
  }
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(fused);
  gsl_matrix_free(chain);
  gsl_rng_free(rng);
}

/* eq. (23) eq. (24) eq. (25): the intermediate steps as printed in the notes do not hold; corrected they do.
 * The chain rule gives sum_{k != i} dE/dx_k dx_k/ds_i = sum_{k != i} (-t_k / x_k)(-x_k x_i) = x_i sum_{k != i} t_k,
 * so eq. (24) should read -t_i (1 - x_i) + x_i sum_{k != i} t_k (the notes print t_k x_k) and eq. (23) should add
 * the sum over k != i, not subtract it; eq. (25) follows from the corrected form. */
static void eq_23_and_eq_24_as_printed_should_differ_from_the_chain_rule_and_hold_once_corrected(void) {
  gsl_matrix *X = random_activations(2424), *T = random_distributions(24);
  gsl_matrix *chain = unfused_delta(X, T);
  double worst_printed_24 = 0.0, worst_printed_23 = 0.0;
  for (size_t r = 0; r < B; r++)
    for (size_t i = 0; i < N; i++) {
      double xi = gsl_matrix_get(X, r, i), ti = gsl_matrix_get(T, r, i), c = gsl_matrix_get(chain, r, i);
      double others_t = 0.0, others_tx = 0.0, mag = ti;
      for (size_t k = 0; k < N; k++)
        if (k != i) {
          others_t += gsl_matrix_get(T, r, k);
          others_tx += gsl_matrix_get(T, r, k) * gsl_matrix_get(X, r, k);
          mag += xi * gsl_matrix_get(T, r, k);
        }
      double corrected = -ti * (1.0 - xi) + xi * others_t;
      ASSERT_ABS_CLOSE(c, corrected, SUM_RTOL * mag);
      worst_printed_24 = fmax(worst_printed_24, fabs(c - (-ti * (1.0 - xi) + others_tx)));
      worst_printed_23 = fmax(worst_printed_23, fabs(c - (-ti * (1.0 - xi) - xi * others_t)));
    }
  CU_ASSERT(worst_printed_24 > 0.01);
  CU_ASSERT(worst_printed_23 > 0.01);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_matrix_free(chain);
}

/* ---- error paths ------------------------------------------------------------------------------------------------- */

static void softmax_activations_should_reject_mismatched_shapes_and_name_the_function(void) {
  gsl_matrix *A = bp_matrix_alloc(2, 3), *Bm = bp_matrix_alloc(3, 2), *C = bp_matrix_alloc(2, 4);
  gsl_matrix *J3 = bp_matrix_alloc(3, 3), *J34 = bp_matrix_alloc(3, 4);
  gsl_vector *x4 = bp_vector_alloc(4);
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_forward(A, Bm), GSL_EBADLEN, "bp_softmax_forward");
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_backward(A, C, A), GSL_EBADLEN, "bp_softmax_backward");  /* dX wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_backward(A, A, Bm), GSL_EBADLEN, "bp_softmax_backward"); /* dS wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_jacobian(x4, J3), GSL_EBADLEN, "bp_softmax_jacobian");   /* square, wrong size */
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_jacobian(x4, J34), GSL_EBADLEN, "bp_softmax_jacobian");  /* not square */
  gsl_matrix_free(A);
  gsl_matrix_free(Bm);
  gsl_matrix_free(C);
  gsl_matrix_free(J3);
  gsl_matrix_free(J34);
  gsl_vector_free(x4);
}

static void softmax_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function(void) {
  gsl_matrix *A = bp_matrix_alloc(2, 3), *Bm = bp_matrix_alloc(3, 2), *C = bp_matrix_alloc(2, 4);
  gsl_matrix_set_all(A, 0.2718);
  double E = 3.1416;
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_naive(A, Bm, &E), GSL_EBADLEN, "bp_xent_softmax_naive");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_stable(A, C, &E), GSL_EBADLEN, "bp_xent_softmax_stable");
  CU_ASSERT_EQUAL(E, 3.1416); /* nothing written on failure */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_dx(A, C, A), GSL_EBADLEN, "bp_xent_softmax_dx");        /* T wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_dx(A, A, Bm), GSL_EBADLEN, "bp_xent_softmax_dx");       /* dX wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_delta(A, Bm, A), GSL_EBADLEN, "bp_xent_softmax_delta"); /* T wrong */
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_delta(A, A, C), GSL_EBADLEN, "bp_xent_softmax_delta");  /* dS wrong */
  gsl_matrix_free(A);
  gsl_matrix_free(Bm);
  gsl_matrix_free(C);
}

int register_softmax(void) {
  static const bp_test_case cases[] = {
      {"softmax_rows_should_be_positive_and_sum_to_one", softmax_rows_should_be_positive_and_sum_to_one},
      {"softmax_forward_should_match_the_closed_form_at_irregular_logits",
       softmax_forward_should_match_the_closed_form_at_irregular_logits},
      {"softmax_jacobian_of_eq_21_should_equal_eq_20_in_exponentials",
       softmax_jacobian_of_eq_21_should_equal_eq_20_in_exponentials},
      {"softmax_jacobian_should_match_finite_differences", softmax_jacobian_should_match_finite_differences},
      {"softmax_jacobian_columns_and_rows_should_sum_to_zero_and_it_should_be_symmetric",
       softmax_jacobian_columns_and_rows_should_sum_to_zero_and_it_should_be_symmetric},
      {"softmax_backward_should_equal_the_transposed_jacobian_times_dx",
       softmax_backward_should_equal_the_transposed_jacobian_times_dx},
      {"softmax_chain_rule_should_match_finite_differences_of_the_error_in_s",
       softmax_chain_rule_should_match_finite_differences_of_the_error_in_s},
      {"softmax_dx_should_be_minus_t_over_x_and_match_finite_differences_of_the_naive_error",
       softmax_dx_should_be_minus_t_over_x_and_match_finite_differences_of_the_naive_error},
      {"fused_softmax_delta_of_eq_26_should_equal_the_unfused_chain_when_targets_sum_to_one",
       fused_softmax_delta_of_eq_26_should_equal_the_unfused_chain_when_targets_sum_to_one},
      {"fused_softmax_delta_should_sum_to_zero_over_classes_when_targets_sum_to_one",
       fused_softmax_delta_should_sum_to_zero_over_classes_when_targets_sum_to_one},
      {"unfused_chain_should_equal_eq_25_and_differ_from_x_minus_t_when_targets_do_not_sum_to_one",
       unfused_chain_should_equal_eq_25_and_differ_from_x_minus_t_when_targets_do_not_sum_to_one},
      {"eq_23_and_eq_24_as_printed_should_differ_from_the_chain_rule_and_hold_once_corrected",
       eq_23_and_eq_24_as_printed_should_differ_from_the_chain_rule_and_hold_once_corrected},
      {"softmax_activations_should_reject_mismatched_shapes_and_name_the_function",
       softmax_activations_should_reject_mismatched_shapes_and_name_the_function},
      {"softmax_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function",
       softmax_errors_and_gradients_should_reject_mismatched_shapes_and_name_the_function},
  };
  return bp_test_add_suite("softmax, eq. (17)-(31)", cases, sizeof cases / sizeof cases[0]);
}
