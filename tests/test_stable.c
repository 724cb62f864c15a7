/* test_stable.c - section 3 of the notes, eq. (32)-(40): the algebraic trick that computes the cross-entropy from
 * the weighted sums s instead of the activations x. The stable forms must agree with the naive ones where both
 * work, stay finite (and right) where the naive ones overflow or take log(0), and, for softmax, ignore a constant
 * added to every logit of a row (the remark after eq. 40). */
#include <float.h>
#include <math.h>

#include <gsl/gsl_nan.h>

#include "activation.h"
#include "core.h"
#include "gradcheck.h"
#include "test_util.h"
#include "xent.h"

/* Naive against stable at moderate s: the naive forms lose digits to 1 - x (x near 1) and to log of a rounded
 * ratio, so this uses the library's own identity tolerance, BP_RTOL_IDENTITY (64 ulp, about 1.4e-14), documented
 * in fd.h for exactly this comparison. Forms without that cancellation are held to 1e-14. */
#define RTOL_NAIVE BP_RTOL_IDENTITY
#define RTOL_TWO_WAYS 1e-14

static double stable_logistic_1x1(double s, double t) {
  gsl_matrix_view S = gsl_matrix_view_array(&s, 1, 1);
  gsl_matrix_view T = gsl_matrix_view_array(&t, 1, 1);
  double E = GSL_NAN;
  CU_ASSERT_EQUAL(bp_xent_logistic_stable(&S.matrix, &T.matrix, &E), GSL_SUCCESS);
  return E;
}

/* ---- logistic: eq. (32), eq. (33), eq. (34), eq. (35), eq. (36) -------------------------------------------------- */

/* eq. (36) eq. (1) eq. (32): on a batch with moderate s the stable error equals the naive one of the activations. */
static void stable_logistic_error_of_eq_36_should_equal_the_naive_eq_1_at_moderate_s(void) {
  gsl_rng *rng = bp_test_rng(3236);
  gsl_matrix *S = bp_matrix_alloc(4, 3), *X = bp_matrix_alloc(4, 3), *T = bp_matrix_alloc(4, 3);
  bp_test_fill_uniform(S, rng, -4.7, 4.3);
  bp_test_fill_uniform(T, rng, 0.0, 1.0);
  bp_logistic_forward(S, X);
  double naive = 0.0, stable = 0.0;
  CU_ASSERT_EQUAL(bp_xent_logistic_naive(X, T, &naive), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_xent_logistic_stable(S, T, &stable), GSL_SUCCESS);
  ASSERT_REL_CLOSE(stable, naive, RTOL_NAIVE);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_rng_free(rng);
}

/* eq. (32) eq. (33) eq. (34) eq. (35) eq. (36): every step of the derivation, evaluated literally here for a
 * single output, equals the library's stable eq. (36). */
static void every_step_of_eq_32_to_eq_36_should_equal_the_stable_error(void) {
  static const double s_points[] = {-3.917, -1.385, -0.2718, 0.5772, 2.0153, 4.1231};
  static const double t_points[] = {0.1234, 0.8765, 0.3183, 0.6931, 0.0417, 0.9583};
  for (size_t k = 0; k < sizeof s_points / sizeof s_points[0]; k++) {
    double s = s_points[k], t = t_points[k];
    double E = stable_logistic_1x1(s, t);
    double x = 1.0 / (1.0 + exp(-s));
    double eq32 = -(t * log(x) + (1.0 - t) * log(1.0 - x));
    double eq33 = -(t * log(x / (1.0 - x)) + log(1.0 - x));
    double eq34 =
        -(t * log((1.0 / (1.0 + exp(-s))) / (1.0 - 1.0 / (1.0 + exp(-s)))) + log(1.0 - 1.0 / (1.0 + exp(-s))));
    double eq35 = -(t * s + log(1.0 / (1.0 + exp(s))));
    double eq36 = -t * s + log(1.0 + exp(s));
    ASSERT_REL_CLOSE(eq32, E, RTOL_NAIVE);
    ASSERT_REL_CLOSE(eq33, E, RTOL_NAIVE);
    ASSERT_REL_CLOSE(eq34, E, RTOL_NAIVE);
    ASSERT_REL_CLOSE(eq35, E, RTOL_TWO_WAYS);
    ASSERT_REL_CLOSE(eq36, E, RTOL_TWO_WAYS);
  }
}

/* eq. (36) eq. (1): at s = +-800, +-1e5, +-1e300 the activation rounds to exactly 0 or 1, so the naive error takes
 * log(0) and reports GSL_ERANGE with a non-finite value, while the stable one is finite and equals its asymptote:
 * (1 - t) s for s >> 0 and -t s for s << 0 (the dropped log(1 + e^{-|s|}) is below e^{-800}). */
static void stable_logistic_error_should_equal_the_asymptote_where_the_naive_one_fails(void) {
  static const double huge[] = {800.0, 1e5, 1e300};
  const double t = 0.3172;
  for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++)
    for (int sign = -1; sign <= 1; sign += 2) {
      double s = sign * huge[k];
      double E = stable_logistic_1x1(s, t);
      CU_ASSERT(isfinite(E));
      ASSERT_REL_CLOSE(E, (s > 0) ? (1.0 - t) * s : -t * s, 4 * DBL_EPSILON);

      double x = bp_logistic(s), tt = t, naive = 0.0;
      gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), T = gsl_matrix_view_array(&tt, 1, 1);
      CU_ASSERT_EQUAL(x, (s > 0) ? 1.0 : 0.0);
      CU_ASSERT_EQUAL(bp_xent_logistic_naive(&X.matrix, &T.matrix, &naive), GSL_ERANGE);
      CU_ASSERT(!isfinite(naive));
      ASSERT_MESSAGE_CONTAINS("bp_xent_logistic_naive");
    }
}

/* eq. (36) eq. (1): for large positive s the naive form computes log(1 - x) from a rounded x near 1 and loses
 * digits (5e-9 relative at s = 23.17, 5e-5 at s = 30.5), while the stable form stays within a few ulp of the
 * value computed with 40-digit arithmetic (mpmath, from the same doubles s and t = 0.6124). */
static void stable_logistic_error_should_stay_accurate_where_the_naive_one_loses_digits(void) {
  static const struct {
    double s, E;
  } ref[] = {
      {30.5, 11.82180000000005506647116},
      {-30.5, 18.67820000000005844723349},
      {23.17, 8.980692000086575244810201},
      {-23.17, 14.18930800008657819643315},
  };
  const double t = 0.6124;
  for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
    ASSERT_REL_CLOSE(stable_logistic_1x1(ref[k].s, t), ref[k].E, 4 * DBL_EPSILON);
    double x = bp_logistic(ref[k].s), tt = t, naive = 0.0;
    gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), T = gsl_matrix_view_array(&tt, 1, 1);
    CU_ASSERT_EQUAL(bp_xent_logistic_naive(&X.matrix, &T.matrix, &naive), GSL_SUCCESS);
    if (ref[k].s > 0) /* the naive form really is the weaker one here: worse than 1e-9 relative */
      CU_ASSERT(fabs(naive - ref[k].E) > 1e-9 * ref[k].E);
  }
}

/* ---- softmax: eq. (37), eq. (38) --------------------------------------------------------------------------------- */

/* eq. (38) eq. (37) eq. (18): at moderate logits the stable error equals the naive eq. (18) of the activations
 * and eq. (37) evaluated literally here (no max shift). */
static void stable_softmax_error_of_eq_38_should_equal_the_naive_eq_18_at_moderate_logits(void) {
  gsl_rng *rng = bp_test_rng(3738);
  gsl_matrix *S = bp_matrix_alloc(3, 5), *X = bp_matrix_alloc(3, 5), *T = bp_matrix_alloc(3, 5);
  bp_test_fill_uniform(S, rng, -3.9, 4.4);
  bp_test_fill_distribution(T, rng);
  bp_softmax_forward(S, X);
  double naive = 0.0, stable = 0.0, eq37 = 0.0;
  CU_ASSERT_EQUAL(bp_xent_softmax_naive(X, T, &naive), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_xent_softmax_stable(S, T, &stable), GSL_SUCCESS);
  for (size_t r = 0; r < 3; r++) {
    double z = 0.0;
    for (size_t c = 0; c < 5; c++) z += exp(gsl_matrix_get(S, r, c));
    for (size_t c = 0; c < 5; c++) eq37 -= gsl_matrix_get(T, r, c) * log(exp(gsl_matrix_get(S, r, c)) / z);
  }
  ASSERT_REL_CLOSE(stable, naive, RTOL_NAIVE);
  ASSERT_REL_CLOSE(stable, eq37, RTOL_NAIVE);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_rng_free(rng);
}

/* Literal eq. (17), e^{s_i} / sum_c e^{s_c} without the max shift: inf / inf = NaN once a logit passes ~709.8. */
static void literal_softmax(const gsl_matrix *S, gsl_matrix *X) {
  for (size_t r = 0; r < S->size1; r++) {
    double z = 0.0;
    for (size_t c = 0; c < S->size2; c++) z += exp(gsl_matrix_get(S, r, c));
    for (size_t c = 0; c < S->size2; c++) gsl_matrix_set(X, r, c, exp(gsl_matrix_get(S, r, c)) / z);
  }
}

/* eq. (38) eq. (18) eq. (17): for logits of magnitude 800 and 1e300 the stable error is finite and equals
 * sum_i t_i (max_j s_j - s_i) (every other exponential underflows, so log sum_j e^{s_j - max} = log 1 = 0), while
 * the naive eq. (18) fails with GSL_ERANGE: with the literal eq. (17) the activations are NaN, with the library's
 * shifted eq. (17) a class with positive target gets x = 0 and log 0. */
static void stable_softmax_error_should_be_finite_where_the_naive_one_fails(void) {
  static const double rows[2][3] = {{800.0, -800.3, 2.385}, {1e300, -1e300, 2.385e299}};
  static const double targets[3] = {0.2113, 0.5291, 0.2596};
  for (size_t k = 0; k < 2; k++) {
    double s[3], t[3], x[3];
    for (size_t c = 0; c < 3; c++) s[c] = rows[k][c], t[c] = targets[c];
    gsl_matrix_view S = gsl_matrix_view_array(s, 1, 3), T = gsl_matrix_view_array(t, 1, 3);
    gsl_matrix_view X = gsl_matrix_view_array(x, 1, 3);
    double stable = GSL_NAN, naive = 0.0;
    CU_ASSERT_EQUAL(bp_xent_softmax_stable(&S.matrix, &T.matrix, &stable), GSL_SUCCESS);
    CU_ASSERT(isfinite(stable));
    double asymptote = 0.0;
    for (size_t c = 0; c < 3; c++) asymptote += t[c] * (s[0] - s[c]);
    ASSERT_REL_CLOSE(stable, asymptote, 4 * DBL_EPSILON);

    literal_softmax(&S.matrix, &X.matrix);
    CU_ASSERT_EQUAL(bp_xent_softmax_naive(&X.matrix, &T.matrix, &naive), GSL_ERANGE);
    CU_ASSERT(!isfinite(naive));
    ASSERT_MESSAGE_CONTAINS("bp_xent_softmax_naive");

    naive = 0.0;
    CU_ASSERT_EQUAL(bp_softmax_forward(&S.matrix, &X.matrix), GSL_SUCCESS);
    CU_ASSERT_EQUAL(x[1], 0.0);
    CU_ASSERT_EQUAL(bp_xent_softmax_naive(&X.matrix, &T.matrix, &naive), GSL_ERANGE);
    CU_ASSERT(!isfinite(naive));
  }
}

/* eq. (38) eq. (37): logits all near 800 (no underflow between them): the literal eq. (17) overflows, the stable
 * form gives the error of the logits minus 800 (exact subtractions), evaluated literally by eq. (37). */
static void stable_softmax_error_should_be_right_for_large_logits_of_one_sign(void) {
  static const double shifted[4] = {0.5137, 3.1416, -2.0931, 1.2718};
  static const double targets[4] = {0.1042, 0.6377, 0.0581, 0.2000};
  double s[4], t[4], x[4], eq37 = 0.0, z = 0.0;
  for (size_t c = 0; c < 4; c++) {
    s[c] = 800.0 + shifted[c];
    t[c] = targets[c];
    z += exp(s[c] - 800.0);
  }
  for (size_t c = 0; c < 4; c++) eq37 -= t[c] * log(exp(s[c] - 800.0) / z);
  gsl_matrix_view S = gsl_matrix_view_array(s, 1, 4), T = gsl_matrix_view_array(t, 1, 4);
  gsl_matrix_view X = gsl_matrix_view_array(x, 1, 4);
  double stable = GSL_NAN, naive = 0.0;
  CU_ASSERT_EQUAL(bp_xent_softmax_stable(&S.matrix, &T.matrix, &stable), GSL_SUCCESS);
  ASSERT_REL_CLOSE(stable, eq37, RTOL_NAIVE);
  literal_softmax(&S.matrix, &X.matrix);
  CU_ASSERT(isnan(x[0]));
  CU_ASSERT_EQUAL(bp_xent_softmax_naive(&X.matrix, &T.matrix, &naive), GSL_ERANGE);
  CU_ASSERT(!isfinite(naive));
}

/* ---- the remark after eq. (40) ---------------------------------------------------------------------------------- */

/* eq. (40) eq. (38) eq. (17): adding a constant to every logit of a row changes neither the error nor the
 * activations, for constants up to +-1000 and a different constant per row. The logits and constants are dyadic
 * (k / 2^10), so every shifted logit is exact and the max-shifted arithmetic is identical: equal to the last bit. */
static void stable_softmax_error_should_not_change_when_a_constant_is_added_to_every_logit_of_a_row(void) {
  static const double base[2][5] = {{2.384765625, -1.171875, 0.44140625, -0.0986328125, 1.6181640625},
                                    {-3.1416015625, 0.7412109375, 1.0, -2.71875, 0.3330078125}};
  static const double constants[][2] = {{1000.0, -1000.0}, {-7.3125, 3.75}, {1000.0, 1000.0}, {-1000.0, 0.5}};
  gsl_rng *rng = bp_test_rng(40);
  gsl_matrix *S = bp_matrix_alloc(2, 5), *Sc = bp_matrix_alloc(2, 5), *T = bp_matrix_alloc(2, 5);
  gsl_matrix *X = bp_matrix_alloc(2, 5), *Xc = bp_matrix_alloc(2, 5);
  bp_test_fill_distribution(T, rng);
  for (size_t r = 0; r < 2; r++)
    for (size_t c = 0; c < 5; c++) gsl_matrix_set(S, r, c, base[r][c]);
  double E = 0.0;
  CU_ASSERT_EQUAL(bp_xent_softmax_stable(S, T, &E), GSL_SUCCESS);
  bp_softmax_forward(S, X);
  for (size_t k = 0; k < sizeof constants / sizeof constants[0]; k++) {
    for (size_t r = 0; r < 2; r++)
      for (size_t c = 0; c < 5; c++) gsl_matrix_set(Sc, r, c, base[r][c] + constants[k][r]);
    double Ec = 0.0;
    CU_ASSERT_EQUAL(bp_xent_softmax_stable(Sc, T, &Ec), GSL_SUCCESS);
    ASSERT_REL_CLOSE(Ec, E, DBL_EPSILON);
    bp_softmax_forward(Sc, Xc);
    for (size_t r = 0; r < 2; r++)
      for (size_t c = 0; c < 5; c++) ASSERT_REL_CLOSE(gsl_matrix_get(Xc, r, c), gsl_matrix_get(X, r, c), DBL_EPSILON);
  }
  gsl_matrix_free(S);
  gsl_matrix_free(Sc);
  gsl_matrix_free(T);
  gsl_matrix_free(X);
  gsl_matrix_free(Xc);
  gsl_rng_free(rng);
}

int register_stable(void) {
  static const bp_test_case cases[] = {
      {"stable_logistic_error_of_eq_36_should_equal_the_naive_eq_1_at_moderate_s",
       stable_logistic_error_of_eq_36_should_equal_the_naive_eq_1_at_moderate_s},
      {"every_step_of_eq_32_to_eq_36_should_equal_the_stable_error",
       every_step_of_eq_32_to_eq_36_should_equal_the_stable_error},
      {"stable_logistic_error_should_equal_the_asymptote_where_the_naive_one_fails",
       stable_logistic_error_should_equal_the_asymptote_where_the_naive_one_fails},
      {"stable_logistic_error_should_stay_accurate_where_the_naive_one_loses_digits",
       stable_logistic_error_should_stay_accurate_where_the_naive_one_loses_digits},
      {"stable_softmax_error_of_eq_38_should_equal_the_naive_eq_18_at_moderate_logits",
       stable_softmax_error_of_eq_38_should_equal_the_naive_eq_18_at_moderate_logits},
      {"stable_softmax_error_should_be_finite_where_the_naive_one_fails",
       stable_softmax_error_should_be_finite_where_the_naive_one_fails},
      {"stable_softmax_error_should_be_right_for_large_logits_of_one_sign",
       stable_softmax_error_should_be_right_for_large_logits_of_one_sign},
      {"stable_softmax_error_should_not_change_when_a_constant_is_added_to_every_logit_of_a_row",
       stable_softmax_error_should_not_change_when_a_constant_is_added_to_every_logit_of_a_row},
  };
  return bp_test_add_suite("stable cross-entropy, eq. (32)-(40)", cases, sizeof cases / sizeof cases[0]);
}
