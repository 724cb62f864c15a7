/* derivation.c - one derivation checked alone: the softmax output delta of eq. (26), dE/ds_i = x_i - t_i, where
 * E is the cross-entropy of eq. (38) and x = softmax(s) (eq. (17)), at one irregular point.
 *
 * The claim is a formula, so it gets its own function (claimed_delta); the library differentiates E numerically
 * and judges every entry. Change the formula (try t_i - x_i, or x_i (1 - x_i) - t_i) to watch the check fail and
 * the value pattern named. Exit status: 0 if the claim holds, 1 if it fails, 2 on error.
 * Also compiled as C++ (build/examples/derivation_cxx) to show the headers work from C++. */
#include <stdio.h>

#include <bpcheck/activation.h>
#include <bpcheck/core.h>
#include <bpcheck/diagnose.h>
#include <bpcheck/gradcheck.h>
#include <bpcheck/xent.h>

#define K 4 /* classes */

/* E(s) of eq. (38) for the targets in `params` (a 1 x K matrix), as a bp_fd_function: y[0] = E. */
static int error_of_s(const gsl_vector *s, gsl_vector *y, void *params) {
  const gsl_matrix *T = (const gsl_matrix *)params;
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(s, 1, K);
  double E;
  int status = bp_xent_softmax_stable(&S.matrix, T, &E);
  gsl_vector_set(y, 0, E);
  return status;
}

/* The derivation under test, eq. (26): dE/ds_i = x_i - t_i. */
static void claimed_delta(const gsl_vector *s, const gsl_matrix *T, gsl_matrix *J) {
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(s, 1, K);
  bp_softmax_forward(&S.matrix, J); /* x = softmax(s), eq. (17) */
  for (size_t i = 0; i < K; i++) gsl_matrix_set(J, 0, i, gsl_matrix_get(J, 0, i) - gsl_matrix_get(T, 0, i));
}

int main(void) {
  static const double s0[K] = {0.3817, -2.385, 1.0625, 0.0442};
  static const double t0[K] = {0.125, 0.5, 0.0, 0.375}; /* a distribution: eq. (26) assumes sum t = 1 */
  gsl_vector *s = gsl_vector_alloc(K);
  gsl_matrix *T = gsl_matrix_alloc(1, K), *J = gsl_matrix_alloc(1, K);
  bp_gradcheck *gc = bp_gradcheck_alloc(K);
  if (s == NULL || T == NULL || J == NULL || gc == NULL) return 2;
  for (size_t i = 0; i < K; i++) {
    gsl_vector_set(s, i, s0[i]);
    gsl_matrix_set(T, 0, i, t0[i]);
  }
  claimed_delta(s, T, J);
  bp_fd_problem problem = {error_of_s, NULL, T, NULL}; /* NULL: no complex continuation, so no complex step */
  bp_tolerance tol = bp_tolerance_default();
  int status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &problem, s, J, &tol);
  if (status) {
    fprintf(stderr, "derivation: %s\n", bp_error_message());
    return 2;
  }
  printf("eq. (26) dE/ds = x - t: %s, largest relative error %.2g over %zu entries\n", bp_verdict_name(gc->verdict),
         gc->max_rel_err, gc->size);
  bp_diagnosis d;
  if (gc->verdict == BP_VERDICT_FAIL && bp_diagnose(gc, NULL, &d) == GSL_SUCCESS) printf("diagnosis: %s\n", d.sentence);
  int exit_status = gc->verdict == BP_VERDICT_PASS ? 0 : 1;
  bp_gradcheck_free(gc);
  gsl_matrix_free(J);
  gsl_matrix_free(T);
  gsl_vector_free(s);
  return exit_status;
}
