/* test_complex.c - the forward passes continued to complex arguments, for the complex step Im f(x + ih) / h:
 * eq. (2), eq. (17), eq. (36), eq. (38), the network, and the continuation every check hands to the checker.
 *
 * Two properties make a continuation right. Its real part is the real function (a few ulp, also at |s| = 800 and
 * logits 1e3 apart), and its imaginary part carries the derivative: Im f(x + ih) / h = f'(x) to round-off. The
 * complex step is done here by a local helper (z = x + i h e_j, h = 1e-20 max(|x_j|, 1)), independent of fd.c.
 * A planted non-holomorphic variant (|s| through cabs) shows why every branch must follow the real part. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "checks.h"
#include "core.h"
#include "derivations.h"
#include "test_util.h"
#include "xent.h"

/* <complex.h> after every GSL header (see lib/activation.c) */
#include <complex.h>

/* Real parts: the same operations as the real code, so a few ulp at most (measured: 0, bit for bit). */
#define RE_RTOL (4 * GSL_DBL_EPSILON)
/* Derivatives from the imaginary part where the derivative does not cancel (measured: 4.6e-16 at worst). */
#define IM_RTOL 1e-15
/* The network's complex-step gradient against backprop, ||a - n|| / ||n|| (measured: 8.2e-16 at worst over 40
 * networks; the backprop side has its own round-off). */
#define NETWORK_NORM_RTOL 4e-15

/* ---- helpers ---------------------------------------------------------------------------------------------------- */

static double step_at(double x) { return 1e-20 * fmax(fabs(x), 1.0); }

static double rel_err(double a, double b) { return (a == b) ? 0.0 : fabs(a - b) / fmax(fabs(a), fabs(b)); }

/* A new complex vector or matrix with the entries of the real one and imaginary parts 0. */
static gsl_vector_complex *complex_of(const gsl_vector *x) {
  gsl_vector_complex *z = bp_vector_complex_alloc(x->size);
  for (size_t j = 0; z && j < x->size; j++) gsl_vector_complex_set(z, j, gsl_complex_rect(gsl_vector_get(x, j), 0.0));
  return z;
}

static gsl_matrix_complex *complex_matrix_of(const gsl_matrix *S) {
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(S->size1, S->size2);
  for (size_t r = 0; Z && r < S->size1; r++)
    for (size_t c = 0; c < S->size2; c++)
      gsl_matrix_complex_set(Z, r, c, gsl_complex_rect(gsl_matrix_get(S, r, c), 0.0));
  return Z;
}

/* J(r, j) = Im fz_r(x + i h e_j) / h, J m x n with m = length of fz's output. */
static int complex_step_jacobian(bp_fd_complex_function fz, void *params, const gsl_vector *x, gsl_matrix *J) {
  gsl_vector_complex *z = complex_of(x), *w = bp_vector_complex_alloc(J->size1);
  int status = (z && w) ? GSL_SUCCESS : GSL_ENOMEM;
  for (size_t j = 0; !status && j < x->size; j++) {
    double xj = gsl_vector_get(x, j), h = step_at(xj);
    gsl_vector_complex_set(z, j, gsl_complex_rect(xj, h));
    status = fz(z, w, params);
    gsl_vector_complex_set(z, j, gsl_complex_rect(xj, 0.0));
    for (size_t r = 0; !status && r < J->size1; r++)
      gsl_matrix_set(J, r, j, GSL_IMAG(gsl_vector_complex_get(w, r)) / h);
  }
  if (z) gsl_vector_complex_free(z);
  if (w) gsl_vector_complex_free(w);
  return status;
}

/* ||a - b||_2 / ||b||_2 over the entries of two matrices of one shape. */
static double norm_rel_err(const gsl_matrix *A, const gsl_matrix *B) {
  double num = 0.0, den = 0.0;
  for (size_t r = 0; r < A->size1; r++)
    for (size_t c = 0; c < A->size2; c++) {
      double d = gsl_matrix_get(A, r, c) - gsl_matrix_get(B, r, c);
      num += d * d;
      den += gsl_matrix_get(B, r, c) * gsl_matrix_get(B, r, c);
    }
  return sqrt(num / den);
}

/* Every real part of Z equals the same entry of X to RE_RTOL (exactly where X is 0); imaginary parts are 0 when
 * `imag_zero` (the input was real). */
static void assert_real_part_equal(const gsl_matrix_complex *Z, const gsl_matrix *X, int imag_zero) {
  for (size_t r = 0; r < X->size1; r++)
    for (size_t c = 0; c < X->size2; c++) {
      gsl_complex z = gsl_matrix_complex_get(Z, r, c);
      ASSERT_REL_CLOSE(GSL_REAL(z), gsl_matrix_get(X, r, c), RE_RTOL);
      if (imag_zero) CU_ASSERT_EQUAL(GSL_IMAG(z), 0.0);
    }
}

/* Puts i step_at(s) on entry (r, c) of Z; returns that h. */
static double perturb(gsl_matrix_complex *Z, size_t r, size_t c) {
  double s = GSL_REAL(gsl_matrix_complex_get(Z, r, c)), h = step_at(s);
  gsl_matrix_complex_set(Z, r, c, gsl_complex_rect(s, h));
  return h;
}

/* Extremes: saturated units (|s| = 800, beyond exp's range), the overflow edge of exp, signed zeros, and
 * irregular moderate values. */
static const double EXTREME_S[] = {-800.0, -745.13, -709.9, -37.9, -2.385, -0.0,  0.0,
                                   1e-300, 0.713,   3.7,    36.1,  709.8,  745.2, 800.0};
#define N_EXTREME (sizeof EXTREME_S / sizeof EXTREME_S[0])

/* ---- eq. (2), eq. (17): real parts -------------------------------------------------------------------------- */

static void complex_logistic_should_match_the_real_one_on_the_real_axis(void) {
  gsl_matrix *S = bp_test_matrix_of(EXTREME_S, 1, N_EXTREME), *X = bp_matrix_alloc(1, N_EXTREME);
  gsl_matrix_complex *Z = complex_matrix_of(S), *XZ = bp_matrix_complex_alloc(1, N_EXTREME);
  CU_ASSERT_EQUAL(bp_logistic_forward(S, X), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_logistic_forward_complex(Z, XZ), GSL_SUCCESS);
  assert_real_part_equal(XZ, X, 1);
  /* and one step off the axis, every entry at once: still the real value in the real part */
  for (size_t c = 0; c < N_EXTREME; c++) perturb(Z, 0, c);
  CU_ASSERT_EQUAL(bp_logistic_forward_complex(Z, Z), GSL_SUCCESS); /* X may be S */
  assert_real_part_equal(Z, X, 0);
  gsl_matrix_free(S), gsl_matrix_free(X), gsl_matrix_complex_free(Z), gsl_matrix_complex_free(XZ);
}

/* eq. (2) off the real axis, against long double complex arithmetic: the continuation's exponential (bp_logistic's e^a
 * times cos b + i sin b, sincos left out below |b| = 2^-27) and its division by 1 + e (Smith's method) keep both parts
 * within 16 eps of their own size, from the complex step's b = 1e-20 to b = 1.2. Planted: the small-b shortcut
 * (cos b = 1, sin b = b) used at b = 1e-3 misses the imaginary part by b^2 / 6 and must be caught. */
static void complex_logistic_should_match_long_double_off_the_axis(void) {
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  if (one + tiny == one) {
    printf("\n  long double has no extra precision here (valgrind?): skipped\n");
    return;
  }
  static const double re[] = {-30.0, -4.2, -0.7, 0.0, 0.4, 3.3, 25.0};
  static const double im[] = {1e-20, 0x1p-28, 0x1.8p-27, 1e-3, 0.3, 1.2};
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(1, 1), *X = bp_matrix_complex_alloc(1, 1);
  double worst = 0.0, planted = 0.0;
  for (size_t i = 0; i < sizeof re / sizeof re[0]; i++)
    for (size_t k = 0; k < sizeof im / sizeof im[0]; k++) {
      long double complex z = re[i] + I * (long double)im[k], ref;
      ref = (re[i] >= 0) ? 1.0L / (1.0L + cexpl(-z)) : cexpl(z) / (1.0L + cexpl(z));
      gsl_matrix_complex_set(Z, 0, 0, gsl_complex_rect(re[i], im[k]));
      CU_ASSERT_EQUAL(bp_logistic_forward_complex(Z, X), GSL_SUCCESS);
      gsl_complex x = gsl_matrix_complex_get(X, 0, 0);
      double err_re = (double)(fabsl(GSL_REAL(x) - creall(ref)) / (GSL_DBL_EPSILON * fabsl(creall(ref))));
      double err_im = (double)(fabsl(GSL_IMAG(x) - cimagl(ref)) / (GSL_DBL_EPSILON * fabsl(cimagl(ref))));
      worst = fmax(worst, fmax(err_re, err_im));
      if (!(err_re <= 16 && err_im <= 16))
        printf("\n  s = %g%+gi: %.17g%+.17gi, long double %.17Lg%+.17Lgi", re[i], im[k], GSL_REAL(x), GSL_IMAG(x),
               creall(ref), cimagl(ref));
      if (im[k] == 1e-3) { /* the shortcut where it does not hold: e^{-|a|} (1 + i b) */
        double a = -fabs(re[i]), b = (re[i] >= 0) ? -im[k] : im[k];
        double complex e = exp(a) + I * (exp(a) * b), p = (re[i] >= 0) ? 1.0 / (1.0 + e) : e / (1.0 + e);
        planted = fmax(planted, (double)(fabsl(cimag(p) - cimagl(ref)) / (GSL_DBL_EPSILON * fabsl(cimagl(ref)))));
      }
    }
  CU_ASSERT(worst <= 16);
  CU_ASSERT(planted > 1e3); /* the test can fail */
  gsl_matrix_complex_free(Z), gsl_matrix_complex_free(X);
}

static void complex_softmax_should_match_the_real_one_on_the_real_axis_also_for_logits_1e3_apart(void) {
  static const double s[] = {-1000.0, 0.0,    1000.3, 2.385, /* 1e3 apart: e^{-1000.3} underflows */
                             800.0,   -800.0, 3.2,    799.1, /* two near the top, one far below */
                             0.3,     -1.7,   2.9,    0.4};
  gsl_matrix *S = bp_test_matrix_of(s, 3, 4), *X = bp_matrix_alloc(3, 4);
  gsl_matrix_complex *Z = complex_matrix_of(S), *XZ = bp_matrix_complex_alloc(3, 4);
  CU_ASSERT_EQUAL(bp_softmax_forward(S, X), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_softmax_forward_complex(Z, XZ), GSL_SUCCESS);
  assert_real_part_equal(XZ, X, 1);
  for (size_t r = 0; r < 3; r++) perturb(Z, r, (r + 2) % 4); /* the winner of rows 0 and 2, a loser in row 1 */
  CU_ASSERT_EQUAL(bp_softmax_forward_complex(Z, Z), GSL_SUCCESS);
  assert_real_part_equal(Z, X, 0);
  gsl_matrix_free(S), gsl_matrix_free(X), gsl_matrix_complex_free(Z), gsl_matrix_complex_free(XZ);
}

/* ---- eq. (36), eq. (38): real parts ------------------------------------------------------------------------- */

static void complex_stable_errors_should_match_the_real_ones_on_the_real_axis(void) {
  /* eq. (36): every extreme s against targets 0, 1 and an irregular one */
  static const double targets[] = {0.0, 1.0, 0.37};
  for (size_t k = 0; k < 3; k++)
    for (size_t c = 0; c < N_EXTREME; c++) {
      gsl_matrix *S = bp_test_matrix_of(&EXTREME_S[c], 1, 1), *T = bp_test_matrix_of(&targets[k], 1, 1);
      gsl_matrix_complex *Z = complex_matrix_of(S);
      double E;
      gsl_complex EZ;
      CU_ASSERT_EQUAL(bp_xent_logistic_stable(S, T, &E), GSL_SUCCESS);
      CU_ASSERT_EQUAL(bp_xent_logistic_stable_complex(Z, T, &EZ), GSL_SUCCESS);
      ASSERT_REL_CLOSE(GSL_REAL(EZ), E, RE_RTOL);
      CU_ASSERT_EQUAL(GSL_IMAG(EZ), 0.0);
      perturb(Z, 0, 0);
      CU_ASSERT_EQUAL(bp_xent_logistic_stable_complex(Z, T, &EZ), GSL_SUCCESS);
      ASSERT_REL_CLOSE(GSL_REAL(EZ), E, RE_RTOL);
      gsl_matrix_free(S), gsl_matrix_free(T), gsl_matrix_complex_free(Z);
    }
  /* eq. (38): logits 1e3 apart with a one-hot target on a loser; a winner 700 above the rest with its target 1
   * (E = log1p(rest) ~ e^{-700}: the exact 1 of 1 + rest matters, also when the step is on the winner); a spread */
  static const double s[] = {-1000.0, 0.0, 1000.3, 2.385, -0.5, -700.2, -703.1, -701.9, 0.3, -1.7, 2.9, 0.4};
  static const double t[] = {0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4};
  gsl_matrix *S = bp_test_matrix_of(s, 3, 4), *T = bp_test_matrix_of(t, 3, 4);
  for (size_t r = 0; r < 3; r++)
    for (size_t c = 0; c < 4; c++) {
      gsl_matrix_view Sr = gsl_matrix_submatrix(S, r, 0, 1, 4), Tr = gsl_matrix_submatrix(T, r, 0, 1, 4);
      gsl_matrix_complex *Z = complex_matrix_of(&Sr.matrix);
      double E;
      gsl_complex EZ;
      CU_ASSERT_EQUAL(bp_xent_softmax_stable(&Sr.matrix, &Tr.matrix, &E), GSL_SUCCESS);
      perturb(Z, 0, c);
      CU_ASSERT_EQUAL(bp_xent_softmax_stable_complex(Z, &Tr.matrix, &EZ), GSL_SUCCESS);
      ASSERT_REL_CLOSE(GSL_REAL(EZ), E, RE_RTOL);
      gsl_matrix_complex_free(Z);
    }
  gsl_matrix_free(S), gsl_matrix_free(T);
}

/* ---- eq. (2), eq. (36), eq. (38): the imaginary part is the derivative ----------------------------------------- */

static void complex_step_of_eq_2_should_give_x_times_one_minus_x(void) {
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(1, 1), *X = bp_matrix_complex_alloc(1, 1);
  for (double s = -40.0; s < 40.0; s += 0.3137) {
    gsl_matrix_complex_set(Z, 0, 0, gsl_complex_rect(s, 0.0));
    double h = perturb(Z, 0, 0);
    CU_ASSERT_EQUAL(bp_logistic_forward_complex(Z, X), GSL_SUCCESS);
    /* eq. (7): x (1 - x) = logistic(s) logistic(-s), each factor accurate (1 - x would cancel for s > 0) */
    ASSERT_REL_CLOSE(GSL_IMAG(gsl_matrix_complex_get(X, 0, 0)) / h, bp_logistic(s) * bp_logistic(-s), IM_RTOL);
  }
  gsl_matrix_complex_free(Z), gsl_matrix_complex_free(X);
}

/* dE/ds of eq. (36) is logistic(s) - t (eq. 9). With t = 0 or 1 nothing cancels and the complex step is accurate
 * to IM_RTOL; with t inside (0, 1) both sides round x - t, and agree within 4 eps (x + t). */
static void complex_step_of_eq_36_should_give_logistic_of_s_minus_t(void) {
  gsl_matrix *S = bp_matrix_alloc(1, 1), *T = bp_matrix_alloc(1, 1), *D = bp_matrix_alloc(1, 1);
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(1, 1);
  gsl_rng *rng = bp_test_rng(36);
  for (int k = 0; k < 600; k++) {
    double s = -40.0 + 80.0 * gsl_rng_uniform(rng), t = (k % 3 == 2) ? 0.05 + 0.9 * gsl_rng_uniform(rng) : k % 3;
    gsl_matrix_set(S, 0, 0, s), gsl_matrix_set(T, 0, 0, t);
    gsl_matrix_complex_set(Z, 0, 0, gsl_complex_rect(s, 0.0));
    double h = perturb(Z, 0, 0);
    gsl_complex E;
    CU_ASSERT_EQUAL(bp_xent_logistic_stable_complex(Z, T, &E), GSL_SUCCESS);
    CU_ASSERT_EQUAL(bp_xent_logistic_delta_stable(S, T, D), GSL_SUCCESS);
    double d = GSL_IMAG(E) / h, delta = gsl_matrix_get(D, 0, 0);
    if (k % 3 == 2) {
      ASSERT_ABS_CLOSE(d, delta, 4 * GSL_DBL_EPSILON * (bp_logistic(s) + t));
    } else {
      ASSERT_REL_CLOSE(d, delta, IM_RTOL);
    }
  }
  gsl_rng_free(rng);
  gsl_matrix_free(S), gsl_matrix_free(T), gsl_matrix_free(D), gsl_matrix_complex_free(Z);
}

/* dE/ds_j of eq. (38) is softmax(s)_j - t_j (eq. 26, targets summing to 1), for every j, the row's winner
 * included; logits spread over [-30, 30) and 1e3 apart. One-hot targets: IM_RTOL; a spread distribution: 4 eps
 * (x + t), as for eq. (36). */
static void complex_step_of_eq_38_should_give_softmax_minus_t(void) {
  enum { C = 5 };
  gsl_matrix *S = bp_matrix_alloc(1, C), *T = bp_matrix_alloc(1, C), *D = bp_matrix_alloc(1, C);
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(1, C);
  gsl_rng *rng = bp_test_rng(38);
  for (int k = 0; k < 300; k++) {
    int one_hot = k % 2 == 0;
    double spread = (k % 10 == 9) ? 1000.0 : 30.0;
    bp_test_fill_uniform(S, rng, -spread, spread);
    if (one_hot) {
      gsl_matrix_set_zero(T);
      gsl_matrix_set(T, 0, (size_t)(k / 2) % C, 1.0);
    } else
      bp_test_fill_distribution(T, rng);
    CU_ASSERT_EQUAL(bp_xent_softmax_delta_stable(S, T, D), GSL_SUCCESS);
    for (size_t j = 0; j < C; j++) {
      for (size_t c = 0; c < C; c++) gsl_matrix_complex_set(Z, 0, c, gsl_complex_rect(gsl_matrix_get(S, 0, c), 0.0));
      double h = perturb(Z, 0, j);
      gsl_complex E;
      CU_ASSERT_EQUAL(bp_xent_softmax_stable_complex(Z, T, &E), GSL_SUCCESS);
      double d = GSL_IMAG(E) / h, delta = gsl_matrix_get(D, 0, j), t = gsl_matrix_get(T, 0, j);
      if (one_hot) {
        ASSERT_REL_CLOSE(d, delta, IM_RTOL);
      } else {
        ASSERT_ABS_CLOSE(d, delta, 4 * GSL_DBL_EPSILON * ((delta + t) + t)); /* 4 eps (x + t) */
      }
    }
  }
  gsl_rng_free(rng);
  gsl_matrix_free(S), gsl_matrix_free(T), gsl_matrix_free(D), gsl_matrix_complex_free(Z);
}

/* ---- the network ------------------------------------------------------------------------------------------------- */

/* The complex-step gradient of bp_mlp_error_function_complex against bp_mlp_gradient, four weight layers of
 * different sizes, both output layers, several seeds; and the real part of the loss against bp_mlp_loss, also with
 * the weights scaled up until units saturate. */
static void complex_step_gradient_of_the_network_should_match_backprop(void) {
  static const size_t logistic_sizes[] = {3, 7, 5, 4, 2}, softmax_sizes[] = {4, 6, 5, 7, 3};
  for (int out = 0; out < 2; out++)
    for (unsigned long seed = 11; seed < 16; seed++) {
      bp_test_problem *p = bp_test_problem_alloc(4, out ? softmax_sizes : logistic_sizes,
                                                 out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 5, seed);
      CU_ASSERT_PTR_NOT_NULL_FATAL(p);
      bp_mlp_workspace_complex *wsz = bp_mlp_workspace_complex_alloc(p->net, 5);
      gsl_matrix *J = bp_matrix_alloc(1, p->net->n_params);
      double E;
      CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, &E), GSL_SUCCESS);
      bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, wsz};
      CU_ASSERT_EQUAL(complex_step_jacobian(bp_mlp_error_function_complex, &c, p->net->params, J), GSL_SUCCESS);
      gsl_matrix_view G = gsl_matrix_view_vector(p->net->grad, 1, p->net->n_params);
      double err = norm_rel_err(J, &G.matrix);
      if (err > NETWORK_NORM_RTOL) printf("\n  output %d seed %lu: norm_rel_err %.3g\n", out, seed, err);
      CU_ASSERT(err <= NETWORK_NORM_RTOL);
      /* the real part is the real loss, also with weights 40 times larger (hidden units saturate, |s| ~ 100) */
      for (int scale = 0; scale < 2; scale++) {
        if (scale) gsl_vector_scale(p->net->params, 40.0);
        gsl_vector_complex *z = complex_of(p->net->params), *y = bp_vector_complex_alloc(1);
        CU_ASSERT_EQUAL(bp_mlp_error_function_complex(z, y, &c), GSL_SUCCESS);
        CU_ASSERT_EQUAL(bp_mlp_forward(p->net, p->ws, p->X0), GSL_SUCCESS);
        CU_ASSERT_EQUAL(bp_mlp_loss(p->net, p->ws, p->T, &E), GSL_SUCCESS);
        ASSERT_REL_CLOSE(GSL_REAL(gsl_vector_complex_get(y, 0)), E, RE_RTOL);
        CU_ASSERT_EQUAL(GSL_IMAG(gsl_vector_complex_get(y, 0)), 0.0);
        gsl_vector_complex_free(z), gsl_vector_complex_free(y);
      }
      gsl_matrix_free(J);
      bp_mlp_workspace_complex_free(wsz);
      bp_test_problem_free(p);
    }
}

/* Without a complex workspace in the closure the function allocates one per call: the same value. */
static void network_error_function_should_work_without_a_complex_workspace(void) {
  static const size_t sizes[] = {3, 4, 2};
  bp_test_problem *p = bp_test_problem_alloc(2, sizes, BP_OUTPUT_SOFTMAX, 3, 5);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  bp_mlp_workspace_complex *wsz = bp_mlp_workspace_complex_alloc(p->net, 3);
  gsl_vector_complex *z = complex_of(p->net->params), *y1 = bp_vector_complex_alloc(1),
                     *y2 = bp_vector_complex_alloc(1);
  gsl_vector_complex_set(z, 4, gsl_complex_rect(gsl_vector_get(p->net->params, 4), 1e-20));
  bp_mlp_closure with = {p->net, p->ws, p->X0, p->T, wsz}, without = {p->net, p->ws, p->X0, p->T, NULL};
  CU_ASSERT_EQUAL(bp_mlp_error_function_complex(z, y1, &with), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_mlp_error_function_complex(z, y2, &without), GSL_SUCCESS);
  CU_ASSERT(GSL_COMPLEX_EQ(gsl_vector_complex_get(y1, 0), gsl_vector_complex_get(y2, 0)));
  CU_ASSERT(GSL_IMAG(gsl_vector_complex_get(y1, 0)) != 0.0);
  gsl_vector_complex_free(z), gsl_vector_complex_free(y1), gsl_vector_complex_free(y2);
  bp_mlp_workspace_complex_free(wsz);
  bp_test_problem_free(p);
}

/* ---- a planted bug: |s| through cabs ----------------------------------------------------------------------------- */

/* eq. (36) with the real code's log1p(e^{-|s|}) transcribed through the complex modulus: |s| = cabs(s) is real,
 * not holomorphic, so the log term loses its imaginary part. max(s, 0) still follows Re s. */
static gsl_complex xent_logistic_with_cabs(gsl_complex s, double t) {
  gsl_complex linear = (GSL_REAL(s) >= 0) ? gsl_complex_mul_real(s, 1.0 - t) : gsl_complex_mul_real(s, -t);
  double abs_s = gsl_complex_abs(s);
  return gsl_complex_add_real(linear, log1p(exp(-abs_s)));
}

/* The complex step of the planted variant gives (1 - t) or -t, missing logistic(-|s|): the comparison the checker
 * makes (bp_gradcheck_compare, rtol 1e-7) FAILS it at every point, where the library's continuation PASSES to 1e-15. */
static void a_non_holomorphic_abs_should_be_caught_by_the_complex_step(void) {
  enum { N = 12 };
  bp_gradcheck *good = bp_gradcheck_alloc(N), *bad = bp_gradcheck_alloc(N);
  gsl_matrix *S = bp_matrix_alloc(1, 1), *T = bp_matrix_alloc(1, 1), *D = bp_matrix_alloc(1, 1);
  gsl_matrix_complex *Z = bp_matrix_complex_alloc(1, 1);
  double min_bad_err = INFINITY;
  for (size_t k = 0; k < N; k++) {
    double s = -5.5 + 0.9137 * (double)k, t = (double)(k % 2), h = step_at(s); /* x - t without cancellation */
    gsl_matrix_set(S, 0, 0, s), gsl_matrix_set(T, 0, 0, t);
    CU_ASSERT_EQUAL(bp_xent_logistic_delta_stable(S, T, D), GSL_SUCCESS);
    gsl_complex E, E_bad = xent_logistic_with_cabs(gsl_complex_rect(s, h), t);
    gsl_matrix_complex_set(Z, 0, 0, gsl_complex_rect(s, h));
    CU_ASSERT_EQUAL(bp_xent_logistic_stable_complex(Z, T, &E), GSL_SUCCESS);
    /* on the real axis the two agree: the bug is invisible to the real function */
    double E_real;
    CU_ASSERT_EQUAL(bp_xent_logistic_stable(S, T, &E_real), GSL_SUCCESS);
    ASSERT_REL_CLOSE(GSL_REAL(E_bad), E_real, RE_RTOL);
    double delta = gsl_matrix_get(D, 0, 0);
    gsl_vector_set(good->analytic, k, delta), gsl_vector_set(bad->analytic, k, delta);
    gsl_vector_set(good->numeric, k, GSL_IMAG(E) / h), gsl_vector_set(bad->numeric, k, GSL_IMAG(E_bad) / h);
    min_bad_err = fmin(min_bad_err, rel_err(GSL_IMAG(E_bad) / h, delta));
  }
  gsl_vector_set_zero(good->estimate), gsl_vector_set_zero(bad->estimate);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(good, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_gradcheck_compare(bad, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(good->verdict, BP_VERDICT_PASS);
  CU_ASSERT(good->max_rel_err <= IM_RTOL);
  CU_ASSERT_EQUAL(bad->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(bad->n_failed, N);
  CU_ASSERT(min_bad_err > 1e-3); /* logistic(-|s|) >= 0.004 at |s| <= 5.5 is missing */
  bp_gradcheck_free(good), bp_gradcheck_free(bad);
  gsl_matrix_free(S), gsl_matrix_free(T), gsl_matrix_free(D), gsl_matrix_complex_free(Z);
}

/* ---- the continuations the checks hand to the checker --------------------------------------------------------- */

/* Every quantity of the fixture, copied, for a bit-for-bit comparison after a call. */
typedef struct {
  gsl_vector *v[6];
  gsl_matrix *W[2];
} snapshot;

static snapshot take_snapshot(const bp_scenario *sc) {
  const gsl_vector *v[6] = {sc->x_k, sc->s_j, sc->x_j, sc->s_i, sc->x_i, sc->t};
  snapshot s;
  for (size_t k = 0; k < 6; k++) {
    s.v[k] = bp_vector_alloc(v[k]->size);
    gsl_vector_memcpy(s.v[k], v[k]);
  }
  s.W[0] = bp_matrix_alloc(sc->nk, sc->nj), s.W[1] = bp_matrix_alloc(sc->nj, sc->ni);
  gsl_matrix_memcpy(s.W[0], sc->W_kj), gsl_matrix_memcpy(s.W[1], sc->W_ji);
  return s;
}

static int same_vector(const gsl_vector *a, const gsl_vector *b) {
  return a->size == b->size && memcmp(a->data, b->data, a->size * sizeof(double)) == 0;
}

static int snapshot_unchanged_and_free(snapshot *s, const bp_scenario *sc) {
  const gsl_vector *v[6] = {sc->x_k, sc->s_j, sc->x_j, sc->s_i, sc->x_i, sc->t};
  int same = 1;
  for (size_t k = 0; k < 6; k++) {
    same = same && same_vector(s->v[k], v[k]);
    gsl_vector_free(s->v[k]);
  }
  same = same && gsl_matrix_equal(s->W[0], sc->W_kj) && gsl_matrix_equal(s->W[1], sc->W_ji);
  gsl_matrix_free(s->W[0]), gsl_matrix_free(s->W[1]);
  return same;
}

static int same_complex_vector(const gsl_vector_complex *a, const gsl_vector_complex *b) {
  return a->size == b->size && memcmp(a->data, b->data, 2 * a->size * sizeof(double)) == 0;
}

/* bp_scenario_error_complex, by every quantity and for both output layers: the real part is bp_scenario_error
 * (a few ulp), the complex-step gradient agrees with central differences of the real error, and neither z nor
 * any quantity of the fixture changes. */
static void scenario_error_continuation_should_match_the_real_error_and_leave_its_inputs_alone(void) {
  gsl_rng *rng = bp_test_rng(2385);
  for (int softmax = 0; softmax < 2; softmax++) {
    bp_scenario *sc = bp_scenario_alloc(softmax ? 3 : 4, softmax ? 5 : 6, softmax ? 4 : 3, softmax, rng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    for (int wrt = BP_WRT_W_KJ; wrt <= BP_WRT_X_I; wrt++) {
      bp_scenario_closure c = {sc, (bp_wrt)wrt};
      gsl_vector *x = bp_scenario_point(sc, (bp_wrt)wrt), *y = bp_vector_alloc(1);
      gsl_vector_complex *z = complex_of(x), *z_before = complex_of(x), *w = bp_vector_complex_alloc(1);
      gsl_vector_complex_set(z, 1, gsl_complex_rect(gsl_vector_get(x, 1), step_at(gsl_vector_get(x, 1))));
      gsl_vector_complex_memcpy(z_before, z);
      snapshot before = take_snapshot(sc);
      CU_ASSERT_EQUAL(bp_scenario_error_complex(z, w, &c), GSL_SUCCESS);
      CU_ASSERT(same_complex_vector(z, z_before));
      CU_ASSERT(snapshot_unchanged_and_free(&before, sc));
      CU_ASSERT_EQUAL(bp_scenario_error(x, y, &c), GSL_SUCCESS);
      ASSERT_REL_CLOSE(GSL_REAL(gsl_vector_complex_get(w, 0)), gsl_vector_get(y, 0), RE_RTOL);
      gsl_matrix *J = bp_matrix_alloc(1, x->size);
      CU_ASSERT_EQUAL(complex_step_jacobian(bp_scenario_error_complex, &c, x, J), GSL_SUCCESS);
      ASSERT_JACOBIAN_MATCHES_FD(bp_scenario_error, &c, x, J);
      gsl_matrix_free(J), gsl_vector_free(x), gsl_vector_free(y);
      gsl_vector_complex_free(z), gsl_vector_complex_free(z_before), gsl_vector_complex_free(w);
    }
    bp_scenario_free(sc);
  }
  gsl_rng_free(rng);
}

/* The maps of the Jacobian checks of eq. (7), eq. (8), eq. (21): the complex step gives the analytic Jacobian and
 * the maps change neither z nor their parameters. */
static void jacobian_map_continuations_should_give_the_analytic_jacobians_and_leave_their_inputs_alone(void) {
  enum { N = 5, NJ = 4, NI = 3 };
  static const double s[N] = {-2.385, 0.713, 1.9, -0.4, 2.2};
  gsl_vector_const_view sv = gsl_vector_const_view_array(s, N);
  gsl_matrix *J = bp_matrix_alloc(N, N), *A = bp_matrix_alloc(N, N);
  gsl_vector *x = bp_vector_alloc(N);
  gsl_matrix_const_view S = gsl_matrix_const_view_array(s, 1, N);
  gsl_matrix_view X = gsl_matrix_view_vector(x, 1, N);
  /* eq. (7): diagonal x (1 - x) */
  CU_ASSERT_EQUAL(complex_step_jacobian(bp_logistic_map_complex, NULL, &sv.vector, J), GSL_SUCCESS);
  gsl_matrix_set_zero(A);
  for (size_t i = 0; i < N; i++) gsl_matrix_set(A, i, i, bp_logistic(s[i]) * bp_logistic(-s[i]));
  CU_ASSERT(norm_rel_err(J, A) <= IM_RTOL);
  /* eq. (21): x_i (delta_ik - x_k) */
  CU_ASSERT_EQUAL(complex_step_jacobian(bp_softmax_map_complex, NULL, &sv.vector, J), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_softmax_forward(&S.matrix, &X.matrix), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_softmax_jacobian(x, A), GSL_SUCCESS);
  CU_ASSERT(norm_rel_err(J, A) <= 1e-14);
  /* eq. (8): ds_i/dw_ji = x_j (the map is linear: (x_j h) / h, one rounding each way) */
  static const double xj[NJ] = {0.31, 0.77, 0.052, 0.6};
  gsl_vector_const_view xjv = gsl_vector_const_view_array(xj, NJ);
  bp_weighted_sum p = {&xjv.vector, NJ, NI};
  gsl_vector *w = bp_vector_alloc(NJ * NI);
  for (size_t k = 0; k < NJ * NI; k++) gsl_vector_set(w, k, 0.1 * (double)k - 0.55);
  gsl_matrix *Jw = bp_matrix_alloc(NI, NJ * NI);
  CU_ASSERT_EQUAL(complex_step_jacobian(bp_weighted_sum_map_complex, &p, w, Jw), GSL_SUCCESS);
  for (size_t i = 0; i < NI; i++)
    for (size_t k = 0; k < NJ * NI; k++)
      ASSERT_REL_CLOSE(gsl_matrix_get(Jw, i, k), (k % NI == i) ? xj[k / NI] : 0.0, 2 * GSL_DBL_EPSILON);
  /* inputs unchanged: z of each map, and the weighted sum's x_j */
  bp_fd_complex_function maps[3] = {bp_logistic_map_complex, bp_softmax_map_complex, bp_weighted_sum_map_complex};
  for (size_t m = 0; m < 3; m++) {
    const gsl_vector *in = (m == 2) ? w : &sv.vector;
    gsl_vector_complex *z = complex_of(in), *z_before = complex_of(in), *out = bp_vector_complex_alloc(m == 2 ? NI : N);
    gsl_vector_complex_set(z, 2, gsl_complex_rect(gsl_vector_get(in, 2), 1e-20));
    gsl_vector_complex_memcpy(z_before, z);
    CU_ASSERT_EQUAL(maps[m](z, out, (m == 2) ? &p : NULL), GSL_SUCCESS);
    CU_ASSERT(same_complex_vector(z, z_before));
    gsl_vector_complex_free(z), gsl_vector_complex_free(z_before), gsl_vector_complex_free(out);
  }
  gsl_matrix_free(J), gsl_matrix_free(A), gsl_matrix_free(Jw), gsl_vector_free(x), gsl_vector_free(w);
}

/* bp_mlp_error_function_complex reads v and writes y only: net->params, the real workspace's input, X0 and T keep
 * every bit (unlike the real function, it never copies v into the network). */
static void network_error_continuation_should_leave_its_inputs_alone(void) {
  static const size_t sizes[] = {3, 6, 4, 2};
  bp_test_problem *p = bp_test_problem_alloc(3, sizes, BP_OUTPUT_LOGISTIC, 4, 9);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  gsl_vector *params = bp_vector_alloc(p->net->n_params);
  gsl_matrix *X0 = bp_matrix_alloc(4, 3), *T = bp_matrix_alloc(4, 2);
  gsl_vector_memcpy(params, p->net->params), gsl_matrix_memcpy(X0, p->X0), gsl_matrix_memcpy(T, p->T);
  gsl_vector_complex *z = complex_of(params), *z_before = bp_vector_complex_alloc(p->net->n_params),
                     *y = bp_vector_complex_alloc(1);
  for (size_t k = 0; k < p->net->n_params; k += 3) gsl_vector_complex_set(z, k, gsl_complex_rect(0.25, 1e-20));
  gsl_vector_complex_memcpy(z_before, z);
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, NULL};
  CU_ASSERT_EQUAL(bp_mlp_error_function_complex(z, y, &c), GSL_SUCCESS);
  CU_ASSERT(same_complex_vector(z, z_before));
  CU_ASSERT(same_vector(params, p->net->params));
  CU_ASSERT(gsl_matrix_equal(X0, p->X0) && gsl_matrix_equal(T, p->T));
  gsl_vector_complex_free(z), gsl_vector_complex_free(z_before), gsl_vector_complex_free(y);
  gsl_vector_free(params), gsl_matrix_free(X0), gsl_matrix_free(T);
  bp_test_problem_free(p);
}

/* ---- every check with the complex step (fd.c's BP_FD_COMPLEX) ------------------------------------------------ */

static int is_erratum_of_the_notes(const char *id) {
  return strcmp(id, "softmax-ds-split") == 0 || strcmp(id, "softmax-ds-expanded") == 0 ||
         strcmp(id, "softmax-output-weights-sum") == 0;
}

/* Every finite-difference claim has a continuation, so `--method complex` gives the same verdicts as central
 * differences: 19 PASS and the 3 errata of the notes. */
static void every_check_should_run_with_the_complex_step(void) {
  for (size_t k = 0; k < bp_checks_count; k++) {
    bp_check_result r;
    int status = bp_check_run(&bp_checks[k], 1, BP_FD_COMPLEX, &r);
    if (status || r.verdict == BP_CHECK_FAIL)
      printf("\n  %s: status %d, %s %s\n", bp_checks[k].id, status, bp_check_verdict_name(r.verdict), r.error);
    CU_ASSERT_EQUAL(status, GSL_SUCCESS);
    CU_ASSERT_EQUAL(r.verdict == BP_CHECK_ERRATUM, is_erratum_of_the_notes(bp_checks[k].id));
    CU_ASSERT_NOT_EQUAL(r.verdict, BP_CHECK_FAIL);
  }
}

/* ---- errors ----------------------------------------------------------------------------------------------------- */

static void complex_functions_should_refuse_mismatched_shapes(void) {
  gsl_matrix_complex *Z23 = bp_matrix_complex_alloc(2, 3), *Z32 = bp_matrix_complex_alloc(3, 2);
  gsl_matrix *T32 = bp_matrix_alloc(3, 2);
  gsl_complex E;
  ASSERT_FAILS_WITH_MESSAGE(bp_logistic_forward_complex(Z23, Z32), GSL_EBADLEN, "bp_logistic_forward_complex");
  ASSERT_FAILS_WITH_MESSAGE(bp_softmax_forward_complex(Z23, Z32), GSL_EBADLEN, "bp_softmax_forward_complex");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_stable_complex(Z23, T32, &E), GSL_EBADLEN, "T is 3 x 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_stable_complex(Z23, T32, &E), GSL_EBADLEN, "S is 2 x 3");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_naive_complex(Z23, T32, &E), GSL_EBADLEN, "X is 2 x 3");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_naive_complex(Z23, T32, &E), GSL_EBADLEN, "bp_xent_softmax_naive_complex");
  /* the naive forms say so when the log meets 0 */
  gsl_matrix_complex_set_zero(Z32);
  gsl_matrix_set_all(T32, 0.5);
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_naive_complex(Z32, T32, &E), GSL_ERANGE, "stable form");
  ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_naive_complex(Z32, T32, &E), GSL_ERANGE, "stable form");
  gsl_matrix_complex_free(Z23), gsl_matrix_complex_free(Z32), gsl_matrix_free(T32);

  static const size_t sizes[] = {3, 4, 2}, other[] = {3, 5, 2};
  bp_test_problem *p = bp_test_problem_alloc(2, sizes, BP_OUTPUT_LOGISTIC, 3, 1);
  bp_mlp *net2 = bp_mlp_alloc(2, other, BP_OUTPUT_LOGISTIC);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net2);
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_workspace_complex_alloc(p->net, 0));
  ASSERT_MESSAGE_CONTAINS("at least one example");
  bp_mlp_workspace_complex *wsz = bp_mlp_workspace_complex_alloc(p->net, 3),
                           *wsz2 = bp_mlp_workspace_complex_alloc(net2, 3);
  gsl_vector_complex *v = bp_vector_complex_alloc(p->net->n_params),
                     *v2 = bp_vector_complex_alloc(2 * p->net->n_params), *y = bp_vector_complex_alloc(1),
                     *y2 = bp_vector_complex_alloc(2);
  gsl_vector_complex_view strided = gsl_vector_complex_subvector_with_stride(v2, 0, 2, p->net->n_params);
  gsl_matrix *X0_wrong = bp_matrix_alloc(3, 4), *T_wrong = bp_matrix_alloc(3, 3);
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward_complex(p->net, v, wsz2, p->X0), GSL_EINVAL, "different network");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward_complex(p->net, &strided.vector, wsz, p->X0), GSL_EBADLEN, "stride 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward_complex(p->net, v, wsz, X0_wrong), GSL_EBADLEN, "input batch is 3 x 4");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_loss_complex(p->net, wsz, T_wrong, &E), GSL_EBADLEN, "targets are 3 x 3");
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, wsz};
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_error_function_complex(v, y2, &c), GSL_EBADLEN, "2 outputs");
  gsl_vector_complex_view short_v = gsl_vector_complex_subvector(v, 0, 3);
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_error_function_complex(&short_v.vector, y, &c), GSL_EBADLEN, "3 parameters");
  gsl_vector_complex_free(v), gsl_vector_complex_free(v2), gsl_vector_complex_free(y), gsl_vector_complex_free(y2);
  gsl_matrix_free(X0_wrong), gsl_matrix_free(T_wrong);
  bp_mlp_workspace_complex_free(wsz), bp_mlp_workspace_complex_free(wsz2);
  bp_mlp_workspace_complex_free(NULL); /* a no-op */
  bp_mlp_free(net2);
  bp_test_problem_free(p);
}

/* Every allocation of the complex workspace, and of the per-call workspace of the error function, can fail: NULL
 * or GSL_ENOMEM with a message, nothing leaked (the sanitizer and valgrind runs see to that). */
static void complex_allocations_should_fail_cleanly(void) {
  static const size_t sizes[] = {3, 4, 5, 2};
  bp_test_problem *p = bp_test_problem_alloc(3, sizes, BP_OUTPUT_SOFTMAX, 2, 4);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  gsl_vector_complex *z = complex_of(p->net->params), *y = bp_vector_complex_alloc(1);
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, NULL};
  int failures = 0;
  for (long n = 0; n < 64; n++) {
    bp_fault_inject_alloc(n);
    int status = bp_mlp_error_function_complex(z, y, &c);
    bp_fault_inject_alloc(-1);
    if (status == GSL_SUCCESS) break;
    CU_ASSERT_EQUAL(status, GSL_ENOMEM);
    ASSERT_MESSAGE_CONTAINS("injected failure");
    failures++;
  }
  CU_ASSERT_EQUAL(failures, 7); /* the struct, the ones, S_L and X_0..X_3, each failing once */
  bp_fault_inject_alloc(0);
  CU_ASSERT_PTR_NULL(bp_vector_complex_alloc(3));
  CU_ASSERT_PTR_NULL(bp_matrix_complex_alloc(3, 2));
  bp_fault_inject_alloc(-1);
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_vector_complex_alloc(0));
  ASSERT_MESSAGE_CONTAINS("length 0");
  CU_ASSERT_PTR_NULL(bp_matrix_complex_alloc(0, 2));
  ASSERT_MESSAGE_CONTAINS("0 x 2");
  gsl_vector_complex_free(z), gsl_vector_complex_free(y);
  bp_test_problem_free(p);
}

int register_complex(void) {
  static const bp_test_case cases[] = {
      {"complex_logistic_should_match_the_real_one_on_the_real_axis",
       complex_logistic_should_match_the_real_one_on_the_real_axis},
      {"complex_logistic_should_match_long_double_off_the_axis",
       complex_logistic_should_match_long_double_off_the_axis},
      {"complex_softmax_should_match_the_real_one_on_the_real_axis_also_for_logits_1e3_apart",
       complex_softmax_should_match_the_real_one_on_the_real_axis_also_for_logits_1e3_apart},
      {"complex_stable_errors_should_match_the_real_ones_on_the_real_axis",
       complex_stable_errors_should_match_the_real_ones_on_the_real_axis},
      {"complex_step_of_eq_2_should_give_x_times_one_minus_x", complex_step_of_eq_2_should_give_x_times_one_minus_x},
      {"complex_step_of_eq_36_should_give_logistic_of_s_minus_t",
       complex_step_of_eq_36_should_give_logistic_of_s_minus_t},
      {"complex_step_of_eq_38_should_give_softmax_minus_t", complex_step_of_eq_38_should_give_softmax_minus_t},
      {"complex_step_gradient_of_the_network_should_match_backprop",
       complex_step_gradient_of_the_network_should_match_backprop},
      {"network_error_function_should_work_without_a_complex_workspace",
       network_error_function_should_work_without_a_complex_workspace},
      {"a_non_holomorphic_abs_should_be_caught_by_the_complex_step",
       a_non_holomorphic_abs_should_be_caught_by_the_complex_step},
      {"scenario_error_continuation_should_match_the_real_error_and_leave_its_inputs_alone",
       scenario_error_continuation_should_match_the_real_error_and_leave_its_inputs_alone},
      {"jacobian_map_continuations_should_give_the_analytic_jacobians_and_leave_their_inputs_alone",
       jacobian_map_continuations_should_give_the_analytic_jacobians_and_leave_their_inputs_alone},
      {"network_error_continuation_should_leave_its_inputs_alone",
       network_error_continuation_should_leave_its_inputs_alone},
      {"every_check_should_run_with_the_complex_step", every_check_should_run_with_the_complex_step},
      {"complex_functions_should_refuse_mismatched_shapes", complex_functions_should_refuse_mismatched_shapes},
      {"complex_allocations_should_fail_cleanly", complex_allocations_should_fail_cleanly},
  };
  return bp_test_add_suite("complex", cases, sizeof cases / sizeof cases[0]);
}
