/* complex_step.c - the complex step on one derivation: the logistic's slope dx/ds = x(1 - x) (eq. (7)) of
 * x = 1 / (1 + e^-s) (eq. (2)), checked by central differences and by the complex step Im f(s + ih) / h.
 *
 * The complex step needs f continued to complex arguments (fz of bp_fd_problem): here logistic_z, written with
 * GSL's complex functions. It subtracts nothing, so its step can be tiny and its error is rounding alone, where
 * central differences lose about a third of the digits. Exit status: 0 if both pass and the complex step is the
 * more accurate, 1 otherwise, 2 on error. */
#include <stdio.h>

#include <gsl/gsl_complex_math.h>

#include <bpcheck/activation.h>
#include <bpcheck/core.h>
#include <bpcheck/gradcheck.h>

#define N 5

/* y_i = logistic(s_i), eq. (2), element by element. */
static int logistic(const gsl_vector *s, gsl_vector *y, void *params) {
  (void)params;
  for (size_t i = 0; i < N; i++) gsl_vector_set(y, i, bp_logistic(gsl_vector_get(s, i)));
  return GSL_SUCCESS;
}

/* The same continued to complex s: 1 / (1 + e^-s), holomorphic near the real axis. */
static int logistic_z(const gsl_vector_complex *s, gsl_vector_complex *y, void *params) {
  (void)params;
  for (size_t i = 0; i < N; i++) {
    gsl_complex e = gsl_complex_exp(gsl_complex_negative(gsl_vector_complex_get(s, i)));
    gsl_vector_complex_set(y, i, gsl_complex_inverse(gsl_complex_add_real(e, 1.0)));
  }
  return GSL_SUCCESS;
}

/* Checks the Jacobian J (diagonal: x(1 - x), eq. (7)) by `method`; the largest relative error in *err. */
static int check(bp_fd_method method, gsl_vector *s, const gsl_matrix *J, double *err) {
  bp_gradcheck *gc = bp_gradcheck_alloc(N * N);
  if (gc == NULL) return GSL_ENOMEM;
  bp_fd_problem problem = {logistic, logistic_z, NULL, NULL};
  bp_tolerance tol = bp_tolerance_default();
  int status = bp_gradcheck_jacobian(gc, method, &problem, s, J, &tol);
  if (!status) {
    printf("%-8s %s, largest relative error %.2g\n", bp_fd_method_name(method), bp_verdict_name(gc->verdict),
           gc->max_rel_err);
    *err = gc->max_rel_err;
    if (gc->verdict != BP_VERDICT_PASS) status = GSL_FAILURE;
  }
  bp_gradcheck_free(gc);
  return status;
}

int main(void) {
  static const double s0[N] = {-3.25, -0.4817, 0.0625, 1.385, 4.75};
  gsl_vector *s = gsl_vector_alloc(N);
  gsl_matrix *J = gsl_matrix_calloc(N, N);
  if (s == NULL || J == NULL) return 2;
  for (size_t i = 0; i < N; i++) {
    double x = bp_logistic(s0[i]);
    gsl_vector_set(s, i, s0[i]);
    gsl_matrix_set(J, i, i, x * (1.0 - x)); /* eq. (7) */
  }
  double central = 0.0, complex_step = 0.0;
  int status = check(BP_FD_CENTRAL, s, J, &central);
  if (!status) status = check(BP_FD_COMPLEX, s, J, &complex_step);
  if (status && status != GSL_FAILURE) fprintf(stderr, "complex_step: %s\n", bp_error_message());
  gsl_matrix_free(J);
  gsl_vector_free(s);
  if (status) return status == GSL_FAILURE ? 1 : 2;
  return complex_step < central ? 0 : 1;
}
