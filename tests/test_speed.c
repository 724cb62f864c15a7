/* test_speed.c - the fast full check of the network: evaluations only where the verdict needs them, the network's
 * moves (mlpfd.h) against full forward passes of eq. (3), eq. (2), eq. (17), eq. (36), eq. (38), and threads that
 * give the same bits as one. */
#include <math.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_machine.h>

#include "core.h"
#include "gradcheck.h"
#include "mlp.h"
#include "test_util.h"

/* eq. (9)-(16), eq. (26)-(31): a central check of a correct network settles nearly every column at the rule's own
 * step (4 evaluations: +-h, +-2h) with the same verdict as the full step search, and a planted error of 1e-5 in
 * one entry gets the search (16 evaluations for its column) and fails. */
static void a_check_should_search_steps_only_where_the_verdict_needs_them(void) {
  const size_t sizes[] = {12, 9, 5};
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(2, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 16, 41 + out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    bp_mlp *net = p->net;
    size_t n = net->n_params;
    CU_ASSERT_EQUAL(bp_mlp_gradient(net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
    bp_mlp_closure c = {net, p->ws, p->X0, p->T, NULL};
    bp_fd_problem problem = {bp_mlp_error_function, NULL, &c, NULL};
    gsl_matrix_view g = gsl_matrix_view_vector(net->grad, 1, n);
    bp_gradcheck *gc = bp_gradcheck_alloc(n), *full = bp_gradcheck_alloc(n);
    bp_tolerance tol = bp_tolerance_default();
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &problem, net->params, &g.matrix, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
    CU_ASSERT((double)gc->evaluations <= 4.5 * (double)n);
    CU_ASSERT(gc->evaluations >= 4 * n);
    /* the engine alone searches every step: 16 a column; its verdict is the same */
    gsl_matrix_view num = gsl_matrix_view_vector(full->numeric, 1, n), est = gsl_matrix_view_vector(full->estimate, 1, n);
    size_t evaluations = 0;
    bp_fd_options o = bp_fd_options_default();
    o.evaluations = &evaluations;
    CU_ASSERT_EQUAL(bp_fd_jacobian_with(BP_FD_CENTRAL, &problem, net->params, &o, &num.matrix, &est.matrix),
                    GSL_SUCCESS);
    CU_ASSERT_EQUAL(evaluations, 16 * n);
    gsl_vector_memcpy(full->analytic, net->grad);
    CU_ASSERT_EQUAL(bp_gradcheck_compare(full, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(full->verdict, BP_VERDICT_PASS);
    /* a planted error: one entry 1e-5 too large */
    size_t k = n / 3;
    double right = gsl_vector_get(net->grad, k);
    gsl_vector_set(net->grad, k, right * (1.0 + 1e-5));
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &problem, net->params, &g.matrix, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
    CU_ASSERT_EQUAL(gc->n_failed, 1);
    CU_ASSERT_EQUAL(gc->worst, k);
    CU_ASSERT(gc->evaluations >= 4 * n + 12);
    bp_gradcheck_free(gc);
    bp_gradcheck_free(full);
    bp_test_problem_free(p);
  }
}

int register_speed(void) {
  static const bp_test_case cases[] = {
      {"a_check_should_search_steps_only_where_the_verdict_needs_them",
       a_check_should_search_steps_only_where_the_verdict_needs_them},
  };
  return bp_test_add_suite("speed: the fast full check", cases, sizeof cases / sizeof cases[0]);
}
