/* student_backprop.c - a student's own backward pass for a two-layer network, checked and diagnosed by bpcheck.
 *
 * student_gradient() is what a student writes: plain loops over plain arrays, no bpcheck calls. It reads the
 * weights and writes the gradient in the layout of net->params and net->grad (docs/library.md):
 *   W1 (n0 x n1, W1[j*n1 + i] is w_ji from input j to hidden unit i), b1 (n1), W2 (n1 x n2), b2 (n2).
 * It has one classic bug, marked BUG: the hidden delta leaves out the logistic's derivative x(1-x) (eq. (12)).
 * main() hands that gradient to the library, which compares it with finite differences of the loss (eq. (38)
 * summed over the batch) and names the mistake. Exit status: 0 if the gradient passes, 1 if it fails, 2 on error.
 *
 *   build/examples/student_backprop examples/data/three-class.csv */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpcheck/core.h>
#include <bpcheck/data.h>
#include <bpcheck/diagnose.h>
#include <bpcheck/gradcheck.h>
#include <bpcheck/mlp.h>

/* dE/dparams of E = sum over the B examples of eq. (38), for s1 = x W1 + b1, h = logistic(s1) (eq. (2)),
 * s2 = h W2 + b2, y = softmax(s2) (eq. (17)). x is B x n0, t is B x n2, both row by row. */
static void student_gradient(size_t n0, size_t n1, size_t n2, const double *params, size_t B, const double *x,
                             const double *t, double *grad) {
  const double *W1 = params, *b1 = W1 + n0 * n1, *W2 = b1 + n1, *b2 = W2 + n1 * n2;
  double *dW1 = grad, *db1 = dW1 + n0 * n1, *dW2 = db1 + n1, *db2 = dW2 + n1 * n2;
  double h[64], y[16], ds2[16], ds1[64]; /* n1 <= 64, n2 <= 16 */
  for (size_t k = 0; k < n0 * n1 + n1 + n1 * n2 + n2; k++) grad[k] = 0.0;
  for (size_t b = 0; b < B; b++) {
    const double *xb = x + b * n0, *tb = t + b * n2;
    for (size_t i = 0; i < n1; i++) { /* forward: eq. (3), eq. (2) */
      double s = b1[i];
      for (size_t j = 0; j < n0; j++) s += xb[j] * W1[j * n1 + i];
      h[i] = 1.0 / (1.0 + exp(-s));
    }
    double max = -HUGE_VAL, sum = 0.0;
    for (size_t k = 0; k < n2; k++) { /* eq. (3), then eq. (17) */
      y[k] = b2[k];
      for (size_t i = 0; i < n1; i++) y[k] += h[i] * W2[i * n2 + k];
      if (y[k] > max) max = y[k];
    }
    for (size_t k = 0; k < n2; k++) sum += (y[k] = exp(y[k] - max));
    for (size_t k = 0; k < n2; k++) {
      y[k] /= sum;
      ds2[k] = y[k] - tb[k]; /* eq. (26) */
      db2[k] += ds2[k];      /* eq. (29), summed over the batch */
      for (size_t i = 0; i < n1; i++) dW2[i * n2 + k] += h[i] * ds2[k];
    }
    for (size_t i = 0; i < n1; i++) {
      double dh = 0.0; /* eq. (13): through W2's row i */
      for (size_t k = 0; k < n2; k++) dh += W2[i * n2 + k] * ds2[k];
      ds1[i] = dh; /* BUG: eq. (12) says dh * h[i] * (1 - h[i]) */
      db1[i] += ds1[i];
      for (size_t j = 0; j < n0; j++) dW1[j * n1 + i] += xb[j] * ds1[i];
    }
  }
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "examples/data/three-class.csv";
  size_t sizes[3] = {2, 5, 3}; /* 2 inputs, 5 hidden units, 3 classes */
  bp_dataset *data = NULL;
  if (bp_dataset_read_csv(path, sizes[0], sizes[2], BP_OUTPUT_SOFTMAX, 0, &data)) {
    fprintf(stderr, "student_backprop: %s\n", bp_error_message());
    return 2;
  }
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, data->X->size1) : NULL;
  gsl_rng *rng = bp_rng_alloc(2026);
  bp_gradcheck *gc = net ? bp_gradcheck_alloc(net->n_params) : NULL;
  gsl_vector *grad = net ? gsl_vector_alloc(net->n_params) : NULL;
  int status = (ws && rng && gc && grad) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) {
    bp_mlp_init_random(net, rng);
    /* matrices from GSL are row by row and, allocated whole, without padding: X and T are plain arrays */
    student_gradient(sizes[0], sizes[1], sizes[2], net->params->data, data->X->size1, data->X->data,
                     data->T->data, grad->data);
    /* the loss as a function of the parameters, and the student's gradient as its 1 x n_params Jacobian */
    bp_mlp_closure closure = {net, ws, data->X, data->T, NULL};
    bp_fd_problem problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &closure, NULL};
    gsl_matrix_view J = gsl_matrix_view_vector(grad, 1, net->n_params);
    bp_tolerance tol = bp_tolerance_default();
    status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &problem, net->params, &J.matrix, &tol);
  }
  if (status) {
    fprintf(stderr, "student_backprop: %s\n", bp_error_message());
  } else {
    char name[32];
    bp_mlp_param_name(net, gc->worst, name, sizeof name);
    printf("%s: %zu of %zu entries fail; the worst is %s: yours %.6g, finite differences %.6g\n",
           bp_verdict_name(gc->verdict), gc->n_failed, gc->size, name, gsl_vector_get(gc->analytic, gc->worst),
           gsl_vector_get(gc->numeric, gc->worst));
    bp_diagnosis_context ctx = {net, data->X, data->T};
    bp_diagnosis d;
    if (gc->verdict == BP_VERDICT_FAIL && bp_diagnose(gc, &ctx, &d) == GSL_SUCCESS)
      printf("diagnosis (%s): %s\n", bp_diagnosis_kind_name(d.kind), d.sentence);
  }
  int exit_status = status ? 2 : gc->verdict == BP_VERDICT_PASS ? 0 : 1;
  gsl_vector_free(grad);
  bp_gradcheck_free(gc);
  gsl_rng_free(rng);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  bp_dataset_free(data);
  return exit_status;
}
