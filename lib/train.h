/* train.h - minibatch gradient descent with momentum on the network of mlp.h, with gradient checks along the way.
 *
 * The loss minimised is the MEAN over a minibatch of B examples of the per-example error of eq. (36) (logistic
 * outputs) or eq. (38) (softmax outputs):
 *     L(params) = E / B,   E = the notes' error summed over the B examples (bp_mlp_loss),
 * so dL/dparams = (dE/dparams) / B, the gradient of eq. (9)-(16) or eq. (26)-(31) that bp_mlp_backward sums over
 * the batch, divided by B. The mean keeps the step size independent of B. Each step, with velocity v (zero at the
 * start), learning rate eta and momentum mu:
 *     v <- mu v - eta dL/dparams,   params <- params + v.
 * An epoch shuffles the training examples (a seeded permutation) and visits them in minibatches of B, the last one
 * smaller when B does not divide the count.
 *
 * Along training the gradient the step uses is checked against finite differences of L on a fixed check batch
 * (the first min(B, n) training examples): at epoch 0, every check_every epochs, and at the end. The network check
 * (netcheck.h) compares B times that gradient with differences of the notes' sum E = B L over the batch, so a step
 * built on a wrong gradient, or on a right gradient scaled wrongly for the mean, fails it.
 * The first check that FAILs is followed by a check of every entry with a diagnosis (log->diagnosis), which names
 * the mistake when diagnose.h recognises it. Each record keeps the verdict, the worst relative error over the
 * resolved entries, and how many entries lie
 * below what the difference can resolve (gradcheck.h): as the hidden units saturate, x(1 - x) of eq. (12) makes
 * the first layer's entries tiny and that count grows.
 *
 * With a validation share, a seeded permutation puts that share of the examples aside before training. With
 * standardize, each input is shifted and scaled by the mean and standard deviation of the TRAINING part (the
 * validation part never leaks in); bp_train_fold_standardization moves that into W1 and b1 so the saved network
 * takes raw inputs. The library never prints: progress goes to an optional callback. */
#ifndef BP_TRAIN_H
#define BP_TRAIN_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "data.h"
#include "diagnose.h"
#include "fd.h"
#include "gradcheck.h"
#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The gradient a step uses: net->grad = dL/dparams of the mean loss L = E / B over the batch (X, T), *mean_loss =
 * L. bp_train_gradient_mean is the library's; a test plants a bug by passing another. */
typedef int (*bp_train_gradient_fn)(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                                    double *mean_loss, void *ctx);
/* bp_mlp_gradient (forward, eq. (36)/(38), backward) then the gradient and the loss divided by B. */
int bp_train_gradient_mean(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                           double *mean_loss, void *ctx);
/* A classic mistake's gradient (mistakes.h; ctx is a const bp_plant *), divided by B, with the true mean loss: what
 * a student's backward pass with that mistake would feed the steps (`bpcheck train --plant NAME`). */
int bp_train_gradient_planted(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                              double *mean_loss, void *ctx);

/* How a check along training looks at the gradient. */
typedef enum {
  BP_TRAIN_CHECK_SAMPLE,    /* K entries of every W and b block (modes.h) */
  BP_TRAIN_CHECK_DIRECTION, /* one random signed direction (modes.h) */
  BP_TRAIN_CHECK_FULL       /* every entry */
} bp_train_check_mode;
const char *bp_train_check_mode_name(bp_train_check_mode mode); /* "sample", "direction", "every entry" */

/* One line of the log: the state at the end of `epoch` (0: before the first step). */
typedef struct {
  size_t epoch;
  double loss, accuracy;         /* mean loss (eq. (36) or (38) per example) and accuracy over the training part */
  double val_loss, val_accuracy; /* the same over the validation part; NaN without one */
  double seconds;                /* spent in the steps since training started (evaluations and checks excluded) */
  int checked;                   /* 1 when a gradient check ran at this epoch */
  bp_train_check_mode check_mode;
  bp_verdict verdict;
  size_t n_entries, n_failed, n_unresolved;
  double max_rel_err; /* over the resolved entries (gradcheck.h) */
} bp_train_record;

typedef struct {
  size_t epochs, batch;
  double lr, momentum;
  unsigned long seed; /* weights, split, shuffles; the checks draw from their own generator seeded alike */
  double split;       /* share of the examples put aside for validation when no validation set is given */
  int standardize;
  size_t check_every; /* a check every K epochs; 0: at the start and the end only */
  bp_train_check_mode check_mode;
  size_t check_sample;   /* K of BP_TRAIN_CHECK_SAMPLE */
  size_t full_check_max; /* the last check takes every entry when the network has at most this many */
  bp_fd_method method;
  bp_train_gradient_fn gradient; /* NULL: bp_train_gradient_mean */
  void *gradient_ctx;
  /* Called after every record is made (stderr progress in the command); its return value is ignored. */
  void (*progress)(const bp_train_record *r, size_t epochs, void *ctx);
  void *progress_ctx;
} bp_train_options;
/* 100 epochs, batch 32, lr 0.5, momentum 0.9, seed 1, no split, no standardisation, a sampled check (4 entries a
 * block) every 10 epochs, every entry at the end up to 5000 parameters, central differences. */
bp_train_options bp_train_options_default(void);

typedef struct {
  bp_train_record *records; /* epochs + 1 of them */
  size_t n_records;
  size_t n_train, n_val;
  gsl_vector *mean, *sd; /* the standardisation (NULL without): input j becomes (x_j - mean_j) / sd_j */
  size_t n_checks, n_checks_passed;
  /* Why the first check that FAILed failed (kind BP_DIAG_NONE when none did, or when the network has more than
   * full_check_max parameters): at that epoch every entry is checked on the check batch and diagnosed
   * (diagnose.h), so a planted or a student's mistake is named where it was first caught. */
  bp_diagnosis diagnosis;
  size_t diagnosis_epoch;
} bp_train_log;
void bp_train_log_free(bp_train_log *log);

/* Trains net from fresh weights (bp_mlp_init_random with opt->seed) on `data`; validates on `val` when given,
 * else on opt->split of data. *log is set on success; the network is left at the trained weights, in the
 * standardised coordinates when opt->standardize (fold them to save it). GSL_EINVAL for bad options or shapes. */
int bp_train_run(bp_mlp *net, const bp_dataset *data, const bp_dataset *val, const bp_train_options *opt,
                 bp_train_log **log);

/* W1 and b1 rewritten so that the network on raw x computes what it computed on (x - mean) / sd:
 *     W1(j, i) <- W1(j, i) / sd_j,   b1_i <- b1_i - sum_j mean_j W1(j, i) / sd_j     (eq. (3) with x standardised). */
int bp_train_fold_standardization(bp_mlp *net, const gsl_vector *mean, const gsl_vector *sd);

/* The network's outputs Y (n x outputs) for inputs X (n x inputs), in chunks. */
int bp_train_predict(const bp_mlp *net, const gsl_matrix *X, gsl_matrix *Y);
/* The share of rows of Y whose class matches T's: softmax (or several logistic outputs) by the largest entry,
 * ties to the first; one logistic output by y > 1/2 against t > 1/2. */
double bp_train_accuracy(const gsl_matrix *Y, const gsl_matrix *T);
/* Mean loss (eq. (36) or (38) per example) and accuracy of the network on (X, T). */
int bp_train_evaluate(const bp_mlp *net, const gsl_matrix *X, const gsl_matrix *T, double *mean_loss, double *accuracy);

#ifdef __cplusplus
}
#endif

#endif
