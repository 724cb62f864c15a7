/* train_mine.c - tutorial 06's last exercise (tutorials/06-train): the spiral learnt with YOUR backward pass.
 *
 * Your ex_softmax_network_backward (ex04_softmax_net.c, eq. (26)-(31)) becomes the gradient every step of
 * bp_train_run uses (lib/train.h: bp_train_options.gradient). It trains a 2-100-3 network (logistic hidden units,
 * softmax output) on the three-class spiral that `bpcheck data spiral` writes (seed 1, 3 x 100 points), with
 * minibatches of 30, learning rate 1 and momentum 0.9 for 200 epochs, the configuration of the tutorial. At the
 * start, every 10 epochs and at the end, the gradient your steps use is checked against finite differences of the
 * loss; the first check that FAILs is diagnosed (the mistake named when bpcheck recognises it).
 *
 *   make train                        in the handout
 *   make train-mine [MINE=DIR]        in bpcheck's tree: the instructor's course/ files, or those in DIR
 *
 * Exit status: 0 when every check passed, 1 when one failed, 2 when your function is not written yet or returned
 * an error. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "datasets.h"
#include "exercises.h"
#include "mlp.h"
#include "train.h"

/* What the adapter saw of your function: its last status other than EX_SUCCESS. */
typedef struct {
  int status;
} mine;

/* The step's gradient from your backward pass: bpcheck's forward pass (eq. (3), eq. (2), eq. (17)) fills the
 * activations your ex_network reads, your function writes dE/dparams of the SUM over the batch, and the step takes
 * the mean, dL/dparams = (dE/dparams) / B, with L = E / B from eq. (38). */
static int your_gradient(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T, double *mean_loss,
                         void *ctx) {
  mine *m = ctx;
  size_t L = net->n_layers, B = X->size1;
  double E = 0.0;
  int status = bp_mlp_forward(net, ws, X);
  if (!status) status = bp_mlp_loss(net, ws, T, &E);
  if (status) return status;
  /* ex_network wants each layer's batch as one row-major block: the rows must follow each other */
  const double *acts[BP_MLP_MAX_LAYERS + 1];
  acts[0] = X->data;
  for (size_t l = 1; l <= L; l++) acts[l] = ws->X[l]->data;
  int packed = X->tda == X->size2 && T->tda == T->size2;
  for (size_t l = 1; l <= L; l++) packed &= ws->X[l]->tda == ws->X[l]->size2;
  if (!packed) {
    bp_error_set("train_mine: a batch whose rows are not contiguous");
    return GSL_EINVAL;
  }
  ex_network en = {L, net->sizes, B, net->params->data, acts, T->data};
  gsl_vector_set_zero(net->grad); /* exercises.h: the output is zero-filled before the call */
  int yours = ex_softmax_network_backward(&en, net->grad->data);
  if (yours != EX_SUCCESS) {
    m->status = yours;
    bp_error_set("ex_softmax_network_backward returned %d", yours);
    return GSL_EFAILED;
  }
  gsl_vector_scale(net->grad, 1.0 / (double)B);
  *mean_loss = E / (double)B;
  return GSL_SUCCESS;
}

int main(void) {
  gsl_rng *rng = bp_rng_alloc(1); /* the generator and seed of `bpcheck data spiral` */
  bp_dataset *d = NULL;
  const size_t sizes[3] = {2, 100, 3};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  if (rng == NULL || net == NULL || bp_datasets_spiral(rng, 100, 3, 0.2, BP_TARGETS_ONEHOT, &d)) {
    fprintf(stderr, "train_mine: out of memory\n");
    return 2;
  }
  gsl_rng_free(rng);
  mine m = {EX_SUCCESS};
  bp_train_options o = bp_train_options_default();
  o.epochs = 200, o.batch = 30, o.lr = 1.0, o.momentum = 0.9, o.check_every = 10;
  o.gradient = your_gradient, o.gradient_ctx = &m;
  bp_train_log *log = NULL;
  printf("train_mine: the spiral (3 x 100 points), a 2-100-3 softmax network, the steps on YOUR "
         "ex_softmax_network_backward (eq. (26)-(31))\n");
  int status = bp_train_run(net, d, NULL, &o, &log);
  int rc = 2;
  if (m.status == EX_NOT_ATTEMPTED) {
    fprintf(stderr, "train_mine: ex_softmax_network_backward returns EX_NOT_ATTEMPTED: write it first "
                    "(ex04_softmax_net.c)\n");
  } else if (status) {
    fprintf(stderr, "train_mine: %s\n", bp_error_message());
  } else {
    printf("%6s %10s %9s  %s\n", "epoch", "loss", "accuracy", "gradient check of your steps");
    for (size_t e = 0; e < log->n_records; e++) {
      const bp_train_record *r = &log->records[e];
      if (!r->checked) continue;
      printf("%6zu %10.4f %8.1f%%  %s, %s: max rel err %.1e, %zu of %zu unresolved\n", r->epoch, r->loss,
             100.0 * r->accuracy, bp_verdict_name(r->verdict), bp_train_check_mode_name(r->check_mode), r->max_rel_err,
             r->n_unresolved, r->n_entries);
    }
    const bp_train_record *last = &log->records[log->n_records - 1];
    printf("training accuracy %.1f%% (%.0f of %zu)\n", 100.0 * last->accuracy, last->accuracy * (double)log->n_train,
           log->n_train);
    printf("%zu of %zu gradient checks pass\n", log->n_checks_passed, log->n_checks);
    if (log->diagnosis.kind != BP_DIAG_NONE)
      printf("diagnosis of the first failure (epoch %zu, every entry): %s\n", log->diagnosis_epoch,
             log->diagnosis.sentence);
    rc = log->n_checks_passed == log->n_checks ? 0 : 1;
  }
  bp_train_log_free(log);
  bp_mlp_free(net);
  bp_dataset_free(d);
  return rc;
}
