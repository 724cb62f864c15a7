/* student_backprop.c - a student's own backward pass for a two-layer network, checked and diagnosed by bpcheck.
 *
 * student_gradient() is what a student writes: plain loops over plain arrays, no bpcheck calls. It reads the
 * weights and writes the gradient in the layout of net->params and net->grad (docs/library.md):
 *   W1 (n0 x n1, W1[j*n1 + i] is w_ji from input j to hidden unit i), b1 (n1), W2 (n1 x n2), b2 (n2).
 * It has one classic bug, marked BUG: the hidden delta leaves out the logistic's derivative x(1-x) (eq. (12)).
 * main() hands that gradient to the library in one call (bp_netcheck_run), which compares it with finite
 * differences of the loss (eq. (38) summed over the batch) and names the mistake. Exit status: 0 if the gradient passes, 1 if it fails, 2 on error.
 *
 *   build/examples/student_backprop examples/data/three-class.csv */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpcheck/core.h>
#include <bpcheck/data.h>
#include <bpcheck/netcheck.h>

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
  gsl_rng *rng = bp_rng_alloc(2026);
  gsl_vector *grad = net ? gsl_vector_alloc(net->n_params) : NULL;
  bp_netcheck_report *report = NULL;
  int status = (rng && grad) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) {
    bp_mlp_init_random(net, rng);
    /* GSL matrices allocated whole are row by row without padding: X and T are plain arrays */
    student_gradient(sizes[0], sizes[1], sizes[2], net->params->data, data->X->size1, data->X->data, data->T->data,
                     grad->data);
    /* every entry against central differences of the loss, and a diagnosis if it fails */
    bp_netcheck_options opt = bp_netcheck_options_default();
    opt.subject = "your backprop";
    status = bp_netcheck_run(net, data->X, data->T, grad, &opt, &report);
  }
  if (status) {
    fprintf(stderr, "student_backprop: %s\n", bp_error_message());
  } else {
    const bp_gradcheck *gc = report->gc;
    char name[32];
    bp_mlp_param_name(net, gc->worst, name, sizeof name);
    printf("%s: %zu of %zu entries fail; the worst is %s: yours %.6g, finite differences %.6g\n",
           bp_verdict_name(report->verdict), gc->n_failed, gc->size, name, gsl_vector_get(gc->analytic, gc->worst),
           gsl_vector_get(gc->numeric, gc->worst));
    if (report->diagnosis.kind != BP_DIAG_NONE)
      printf("diagnosis (%s): %s\n", bp_diagnosis_kind_name(report->diagnosis.kind), report->diagnosis.sentence);
  }
  int exit_status = status ? 2 : report->verdict == BP_VERDICT_PASS ? 0 : 1;
  bp_netcheck_report_free(report);
  gsl_vector_free(grad);
  gsl_rng_free(rng);
  bp_mlp_free(net);
  bp_dataset_free(data);
  return exit_status;
}
