/* test_speed.c - the fast full check of the network: evaluations only where the verdict needs them, the network's
 * moves (mlpfd.h) against full forward passes of eq. (3), eq. (2), eq. (17), eq. (36), eq. (38), and threads that
 * give the same bits as one. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_math.h>

#include "activation.h"
#include "core.h"
#include "gradcheck.h"
#include "mlp.h"
#include "mlpfd.h"
#include "test_util.h"

/* eq. (9)-(16), eq. (26)-(31): a check of a correct network settles nearly every column on its first evaluations,
 * with the same verdict as the engine's full search: central at the rule's own step (4 evaluations: +-h, +-2h of
 * the 16 of every trial step), the complex step on its first estimate (h and 3h, 2 of 4). A planted error of 1e-5
 * in one entry gets the whole search for its column and fails. */
static void a_check_should_search_steps_only_where_the_verdict_needs_them(void) {
  const size_t sizes[] = {12, 9, 5};
  const struct {
    bp_fd_method method;
    size_t first, all; /* evaluations a column: settled, and the engine's full search */
  } methods[] = {{BP_FD_CENTRAL, 4, 16}, {BP_FD_COMPLEX, 2, 4}};
  for (int mi = 0; mi < 2; mi++)
    for (int out = 0; out < 2; out++) {
      bp_test_problem *p = bp_test_problem_alloc(2, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 16, 41 + out);
      CU_ASSERT_PTR_NOT_NULL_FATAL(p);
      bp_mlp *net = p->net;
      size_t n = net->n_params, first = methods[mi].first, all = methods[mi].all;
      bp_fd_method method = methods[mi].method;
      CU_ASSERT_EQUAL(bp_mlp_gradient(net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
      bp_mlp_closure c = {net, p->ws, p->X0, p->T, NULL};
      bp_fd_problem problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &c, NULL};
      gsl_matrix_view g = gsl_matrix_view_vector(net->grad, 1, n);
      bp_gradcheck *gc = bp_gradcheck_alloc(n), *full = bp_gradcheck_alloc(n);
      bp_tolerance tol = bp_tolerance_default();
      CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, method, &problem, net->params, &g.matrix, &tol), GSL_SUCCESS);
      CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
      CU_ASSERT((double)gc->evaluations <= (first + 0.5) * (double)n);
      CU_ASSERT(gc->evaluations >= first * n);
      /* the engine alone searches every step; its verdict is the same */
      gsl_matrix_view num = gsl_matrix_view_vector(full->numeric, 1, n),
                      est = gsl_matrix_view_vector(full->estimate, 1, n);
      size_t evaluations = 0;
      bp_fd_options o = bp_fd_options_default();
      o.evaluations = &evaluations;
      CU_ASSERT_EQUAL(bp_fd_jacobian_with(method, &problem, net->params, &o, &num.matrix, &est.matrix), GSL_SUCCESS);
      CU_ASSERT_EQUAL(evaluations, all * n);
      gsl_vector_memcpy(full->analytic, net->grad);
      CU_ASSERT_EQUAL(bp_gradcheck_compare(full, &tol), GSL_SUCCESS);
      CU_ASSERT_EQUAL(full->verdict, BP_VERDICT_PASS);
      /* a planted error: one entry 1e-5 too large */
      size_t k = n / 3;
      double right = gsl_vector_get(net->grad, k);
      gsl_vector_set(net->grad, k, right * (1.0 + 1e-5));
      CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, method, &problem, net->params, &g.matrix, &tol), GSL_SUCCESS);
      CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
      CU_ASSERT_EQUAL(gc->n_failed, 1);
      CU_ASSERT_EQUAL(gc->worst, k);
      CU_ASSERT(gc->evaluations >= first * n + (all - first));
      bp_gradcheck_free(gc);
      bp_gradcheck_free(full);
      bp_test_problem_free(p);
    }
}

/* eq. (3), eq. (2), eq. (17), eq. (36), eq. (38): the moves give E(p + t e_k) as a whole forward pass computes it, for
 * every parameter of logistic and softmax networks of 1 to 4 layers, at t = +-h, +-2h of the central rule, at a
 * large t = 0.3 and at t = -1e3; and the complex moves give E(p + i t e_k) as the whole complex forward pass does.
 * A third of the inputs are 0 (one column in every row), so that a move of a weight of layer 1 changes some rows of
 * the layers above or none. The tolerance is rounding: 8 ulp of |E|. */
static void moves_should_equal_a_whole_forward_pass_for_every_parameter(void) {
  static const size_t shapes[4][5] = {{5, 4}, {6, 5, 3}, {4, 6, 5, 3}, {3, 5, 4, 4, 2}};
  double worst = 0.0, worst_z = 0.0;
  for (int depth = 1; depth <= 4; depth++)
    for (int out = 0; out < 2; out++) {
      bp_test_problem *p = bp_test_problem_alloc(
          (size_t)depth, shapes[depth - 1], out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 7, 100 + 10 * depth + out);
      CU_ASSERT_PTR_NOT_NULL_FATAL(p);
      for (size_t b = 0; b < p->X0->size1; b++) /* inputs at 0: moves that change some rows, or none */
        for (size_t j = 0; j < p->X0->size2; j++)
          if (j == 0 || (b + j) % 3 == 0) gsl_matrix_set(p->X0, b, j, 0.0);
      bp_mlp *net = p->net;
      bp_mlp_problem *mp = bp_mlp_problem_alloc(net, p->X0, p->T, 1);
      bp_mlp_workspace_complex *wsz = bp_mlp_workspace_complex_alloc(net, p->X0->size1);
      gsl_vector_complex *pz = gsl_vector_complex_alloc(net->n_params);
      CU_ASSERT_PTR_NOT_NULL_FATAL(mp);
      CU_ASSERT_PTR_NOT_NULL_FATAL(wsz);
      for (size_t k = 0; k < net->n_params; k++) {
        double p0 = gsl_vector_get(net->params, k), h = bp_fd_step(BP_FD_CENTRAL, p0);
        const double steps[] = {h, -h, 2 * h, -2 * h, 0.3, -1e3}; /* -1e3: a whole pass (mlpfd.c) */
        for (int s = 0; s < 6; s++) {
          double E_moved = 0.0, E_whole = 0.0;
          CU_ASSERT_EQUAL(bp_mlp_problem_moved(mp, net->params, k, steps[s], &E_moved), GSL_SUCCESS);
          gsl_vector_set(net->params, k, p0 + steps[s]);
          CU_ASSERT_EQUAL(bp_mlp_forward(net, p->ws, p->X0), GSL_SUCCESS);
          CU_ASSERT_EQUAL(bp_mlp_loss(net, p->ws, p->T, &E_whole), GSL_SUCCESS);
          gsl_vector_set(net->params, k, p0);
          double ulps = fabs(E_moved - E_whole) / (GSL_DBL_EPSILON * fabs(E_whole));
          worst = fmax(worst, ulps);
          if (!(ulps <= 8)) {
            printf("\n  depth %d %s param %zu t %.3g: moved %.17g whole %.17g", depth, out ? "softmax" : "logistic", k,
                   steps[s], E_moved, E_whole);
            CU_FAIL("a move differs from the whole forward pass by more than rounding");
          }
        }
        /* complex: E(p + i t e_k), t the complex step's 2^-66 and a large 0.01 */
        const double tz[] = {bp_fd_step(BP_FD_COMPLEX, p0), 0.01};
        for (int s = 0; s < 2; s++) {
          double re = 0.0, im = 0.0;
          gsl_complex Ez;
          CU_ASSERT_EQUAL(bp_mlp_problem_moved_complex(mp, net->params, k, tz[s], &re, &im), GSL_SUCCESS);
          for (size_t q = 0; q < net->n_params; q++)
            gsl_vector_complex_set(pz, q, gsl_complex_rect(gsl_vector_get(net->params, q), q == k ? tz[s] : 0.0));
          CU_ASSERT_EQUAL(bp_mlp_forward_complex(net, pz, wsz, p->X0), GSL_SUCCESS);
          CU_ASSERT_EQUAL(bp_mlp_loss_complex(net, wsz, p->T, &Ez), GSL_SUCCESS);
          double ulps_re = fabs(re - GSL_REAL(Ez)) / (GSL_DBL_EPSILON * fabs(GSL_REAL(Ez)));
          /* the imaginary part is t dE/dp_k + O(t^3): rounding relative to the terms it sums, bounded here by |E| t */
          double ulps_im = fabs(im - GSL_IMAG(Ez)) / (GSL_DBL_EPSILON * fabs(GSL_REAL(Ez)) * tz[s]);
          worst_z = fmax(worst_z, fmax(ulps_re, ulps_im));
          if (!(ulps_re <= 8 && ulps_im <= 8)) {
            printf("\n  depth %d %s param %zu complex t %.3g: moved %.17g%+.17gi whole %.17g%+.17gi", depth,
                   out ? "softmax" : "logistic", k, tz[s], re, im, GSL_REAL(Ez), GSL_IMAG(Ez));
            CU_FAIL("a complex move differs from the whole complex forward pass by more than rounding");
          }
        }
      }
      gsl_vector_complex_free(pz);
      bp_mlp_workspace_complex_free(wsz);
      bp_mlp_problem_free(mp);
      bp_test_problem_free(p);
    }
  printf("\n  worst: %.2f ulp of |E| (real), %.2f (complex) ", worst, worst_z);
}

/* eq. (9)-(16), eq. (26)-(31): the check through the moves on 1 and 2 threads gives the same bits as on one, for
 * central and complex, and the same verdict as the check through whole forward passes; a planted error fails. */
static void threads_should_give_the_same_bits_as_one(void) {
  const size_t sizes[] = {9, 7, 6, 4};
  bp_test_problem *p = bp_test_problem_alloc(3, sizes, BP_OUTPUT_SOFTMAX, 11, 77);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  bp_mlp *net = p->net;
  size_t n = net->n_params;
  CU_ASSERT_EQUAL(bp_mlp_gradient(net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
  bp_mlp_problem *mp = bp_mlp_problem_alloc(net, p->X0, p->T, 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(mp);
  gsl_matrix_view g = gsl_matrix_view_vector(net->grad, 1, n);
  bp_tolerance tol = bp_tolerance_default();
  const bp_fd_method methods[] = {BP_FD_CENTRAL, BP_FD_COMPLEX, BP_FD_FORWARD};
  for (int m = 0; m < 3; m++) {
    bp_gradcheck *one = bp_gradcheck_alloc(n), *two = bp_gradcheck_alloc(n), *whole = bp_gradcheck_alloc(n);
    bp_fd_options o = bp_fd_options_default();
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian_with(one, methods[m], &mp->problem, net->params, &o, &g.matrix, &tol),
                    GSL_SUCCESS);
    o.n_threads = 2;
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian_with(two, methods[m], &mp->problem, net->params, &o, &g.matrix, &tol),
                    GSL_SUCCESS);
    CU_ASSERT(memcmp(one->numeric->data, two->numeric->data, n * sizeof(double)) == 0);
    CU_ASSERT(memcmp(one->estimate->data, two->estimate->data, n * sizeof(double)) == 0);
    CU_ASSERT_EQUAL(one->evaluations, two->evaluations);
    CU_ASSERT_EQUAL(one->verdict, BP_VERDICT_PASS);
    bp_fd_problem plain = mp->problem;
    plain.moves = NULL;
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian(whole, methods[m], &plain, net->params, &g.matrix, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(whole->verdict, BP_VERDICT_PASS);
    CU_ASSERT(one->norm_rel_err < 1e-6 && whole->norm_rel_err < 1e-6);
    /* planted: one entry of W2 off by 1e-4 */
    size_t k = net->offset[2] + 5;
    double right = gsl_vector_get(net->grad, k);
    gsl_vector_set(net->grad, k, right * (1 + 1e-4));
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian_with(two, methods[m], &mp->problem, net->params, &o, &g.matrix, &tol),
                    GSL_SUCCESS);
    CU_ASSERT_EQUAL(two->verdict, BP_VERDICT_FAIL);
    CU_ASSERT_EQUAL(two->worst, k);
    gsl_vector_set(net->grad, k, right);
    bp_gradcheck_free(one);
    bp_gradcheck_free(two);
    bp_gradcheck_free(whole);
  }
  bp_mlp_problem_free(mp);
  bp_test_problem_free(p);
}

/* True when long double carries more bits than double at run time; valgrind computes it as double, which leaves a
 * reference no better than what it checks. */
static int long_double_has_extra_bits(void) {
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  return one + tiny != one;
}

/* The error of v against the long double reference ref, in ulp of ref (of DBL_TRUE_MIN's spacing below DBL_MIN). */
static double ulp_error(double v, long double ref) {
  long double a = fabsl(ref);
  int e;
  frexpl(a, &e);
  long double ulp = (a >= DBL_MIN) ? ldexpl(1.0L, e - DBL_MANT_DIG) : (long double)DBL_TRUE_MIN;
  return (double)(fabsl((long double)v - ref) / ulp);
}

/* eq. (2), eq. (7): the forward pair's x has bp_logistic's bits and q = 1 - x is logistic(-s) to 2 ulp; backward's
 * dx x q (no exponential) is dx x(1 - x) to 4 ulp against expl, over a dense sample of s in [-800, 800] (every
 * saturation, the subnormal tails past 708 and the underflow past 745) and dx from 1e-300 to 1e300. A planted
 * 1 - x from the rounded x instead of q must miss by far more. */
static void the_backward_from_x_and_q_should_match_x_times_one_minus_x(void) {
  enum { N = 40001 };
  gsl_matrix *S = bp_matrix_alloc(1, N), *X = bp_matrix_alloc(1, N), *Q = bp_matrix_alloc(1, N),
             *dX = bp_matrix_alloc(1, N), *dS = bp_matrix_alloc(1, N);
  CU_ASSERT_FATAL(S && X && Q && dX && dS);
  const double dxs[] = {1.0, -2.385, 1e300, -3.7e-300};
  double worst_x = 0.0, worst_q = 0.0, worst_ds = 0.0, planted = 0.0;
  for (size_t k = 0; k < sizeof dxs / sizeof dxs[0]; k++) {
    for (size_t c = 0; c < N; c++) {
      S->data[c] = -800.0 + 0.04 * (double)c + 1e-3 * sin((double)c); /* irregular, through 0 and both tails */
      dX->data[c] = dxs[k] * (1.0 + 0.25 * cos((double)c));
    }
    CU_ASSERT_EQUAL(bp_logistic_forward_pair(S, X, Q), GSL_SUCCESS);
    CU_ASSERT_EQUAL(bp_logistic_backward_from_pair(S, X, Q, dX, dS), GSL_SUCCESS);
    for (size_t c = 0; c < N; c++) {
      double s = S->data[c];
      long double e = expl(-fabsl((long double)s)), x = (s >= 0) ? 1.0L / (1.0L + e) : e / (1.0L + e),
                  q = (s >= 0) ? e / (1.0L + e) : 1.0L / (1.0L + e);
      if (X->data[c] != bp_logistic(s)) worst_x = 1.0;
      worst_q = fmax(worst_q, ulp_error(Q->data[c], q));
      long double ref = (long double)dX->data[c] * x * q;
      if (fabsl(ref) > (long double)DBL_MAX) continue;
      worst_ds = fmax(worst_ds, ulp_error(dS->data[c], ref));
      planted = fmax(planted, ulp_error(dX->data[c] * X->data[c] * (1.0 - X->data[c]), ref));
    }
  }
  if (!long_double_has_extra_bits()) { /* then only x's bits are compared */
    printf("\n  long double has no extra precision here (valgrind?): the ulp comparisons are skipped\n");
    worst_q = worst_ds = 0.0;
    planted = 1e7;
  }
  if (worst_x || worst_q > 2.0 || worst_ds > 4.0)
    printf("\n  x differs from bp_logistic: %g; q: %.3g ulp; dS: %.3g ulp\n", worst_x, worst_q, worst_ds);
  CU_ASSERT_EQUAL(worst_x, 0.0);
  CU_ASSERT(worst_q <= 2.0); /* e, 1 + e and the division: 1.5 ulp at most */
  CU_ASSERT(worst_ds <= 4.0);
  CU_ASSERT(planted > 1e6); /* the test can fail: 1 - x from the rounded x */
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(Q);
  gsl_matrix_free(dX);
  gsl_matrix_free(dS);
}

/* eq. (2): bp_logistic's exponential (four lanes at a time in bp_logistic_forward_pair) is within 0.6 ulp of expl
 * wherever the logistic is the exponential itself (s < -37: 1 + e^s rounds to 1), down into the subnormal tail
 * past -708 that goes to exp(). A planted exp2(s log2 e), which rounds s log2 e before the exponential, misses by
 * up to |s| / 2 ulp and must be caught. */
static void the_logistic_exponential_should_be_within_0_6_ulp_of_expl(void) {
  if (!long_double_has_extra_bits()) {
    printf("\n  long double has no extra precision here (valgrind?): skipped\n");
    return;
  }
  enum { N = 400000 };
  double worst = 0.0, at = 0.0, planted = 0.0;
  for (long i = 0; i <= N; i++) {
    double s = -37.0 - 708.0 * (double)i / N + 1e-4 * sin((double)i); /* irregular, to -745 */
    long double ref = expl((long double)s);
    double err = ulp_error(bp_logistic(s), ref);
    if (err > worst) worst = err, at = s;
    planted = fmax(planted, ulp_error(exp2(s * M_LOG2E), ref));
  }
  if (worst > 0.6) printf("\n  bp_logistic(s) = e^s off by %.3g ulp at s = %.17g\n", worst, at);
  CU_ASSERT(worst <= 0.6);
  CU_ASSERT(planted > 10.0); /* the test can fail */
}

/* eq. (2): the four-lane forward pair, bp_logistic_forward (in place) and the one-by-one bp_logistic give the same
 * bits on every special value, each placed inside a block of ordinary entries (a block with one out of range goes
 * one by one). */
static void the_forward_pair_should_give_bp_logistic_bits_on_special_values(void) {
  const double specials[] = {GSL_NAN, GSL_POSINF, GSL_NEGINF,   0.0,     -0.0, 708.0, -708.0, 708.1, -708.1,
                             745.2,   -745.2,     DBL_TRUE_MIN, -1e-300, 36.9, -36.9, 1e300,  -1e300};
  enum { K = sizeof specials / sizeof specials[0], N = 4 * K + 3 };
  gsl_matrix *S = bp_matrix_alloc(1, N), *X = bp_matrix_alloc(1, N), *Q = bp_matrix_alloc(1, N),
             *Y = bp_matrix_alloc(1, N);
  CU_ASSERT_FATAL(S && X && Q && Y);
  for (size_t c = 0; c < N; c++) S->data[c] = 0.37 * (double)c - 9.0;
  for (size_t k = 0; k < K; k++) S->data[4 * k + k % 4] = specials[k]; /* every lane position in turn */
  CU_ASSERT_EQUAL(bp_logistic_forward_pair(S, X, Q), GSL_SUCCESS);
  gsl_matrix_memcpy(Y, S);
  CU_ASSERT_EQUAL(bp_logistic_forward(Y, Y), GSL_SUCCESS);
  size_t differ = 0;
  for (size_t c = 0; c < N; c++) {
    double s = S->data[c], x = bp_logistic(s), q = bp_logistic(-s);
    int same_x = isnan(x) ? isnan(X->data[c]) : memcmp(&x, &X->data[c], sizeof x) == 0;
    int same_q = isnan(q) ? isnan(Q->data[c]) : memcmp(&q, &Q->data[c], sizeof q) == 0;
    int same_y = isnan(x) ? isnan(Y->data[c]) : memcmp(&x, &Y->data[c], sizeof x) == 0;
    if (!same_x || !same_q || !same_y) {
      printf("\n  s = %.17g: x %.17g (bp_logistic %.17g, forward %.17g), q %.17g (%.17g)", s, X->data[c], x, Y->data[c],
             Q->data[c], q);
      differ++;
    }
  }
  CU_ASSERT_EQUAL(differ, 0);
  CU_ASSERT_EQUAL(X->data[4 * 1 + 1], 1.0); /* s = +inf */
  CU_ASSERT_EQUAL(Q->data[4 * 1 + 1], 0.0);
  CU_ASSERT(isnan(X->data[0]) && isnan(Q->data[0]));
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(Q);
  gsl_matrix_free(Y);
}

int register_speed(void) {
  static const bp_test_case cases[] = {
      {"a_check_should_search_steps_only_where_the_verdict_needs_them",
       a_check_should_search_steps_only_where_the_verdict_needs_them},
      {"moves_should_equal_a_whole_forward_pass_for_every_parameter",
       moves_should_equal_a_whole_forward_pass_for_every_parameter},
      {"threads_should_give_the_same_bits_as_one", threads_should_give_the_same_bits_as_one},
      {"the_backward_from_x_and_q_should_match_x_times_one_minus_x",
       the_backward_from_x_and_q_should_match_x_times_one_minus_x},
      {"the_logistic_exponential_should_be_within_0_6_ulp_of_expl",
       the_logistic_exponential_should_be_within_0_6_ulp_of_expl},
      {"the_forward_pair_should_give_bp_logistic_bits_on_special_values",
       the_forward_pair_should_give_bp_logistic_bits_on_special_values},
  };
  return bp_test_add_suite("speed: the fast full check", cases, sizeof cases / sizeof cases[0]);
}
