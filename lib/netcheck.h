/* netcheck.h - the network check as one library call: a network, a batch, targets and a candidate gradient from
 * any source (bpcheck's backprop, a student's file, a planted mistake) against finite differences of the notes'
 * loss (the sum over the examples of eq. (36) or eq. (38)), in one of three modes, with the Taylor test and the
 * diagnosis, into one report. `bpcheck grad` and the coursework grader both call it and only print the report.
 *
 *   every entry   n columns of differences, every parameter judged (gradcheck.h), and a diagnosis on FAIL;
 *   sample K      K entries of every block W1, b1, ..., WL, bL (modes.h), with a per-block summary;
 *   direction     one random signed unit direction v: g.v against d/dt E(params + t v) (modes.h).
 * The draws (sample, direction, then the Taylor test's own direction) come from one generator: the caller's, or
 * one seeded with opt->seed. The same network, data, gradient and options give the same report. */
#ifndef BP_NETCHECK_H
#define BP_NETCHECK_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "diagnose.h"
#include "gradcheck.h"
#include "mistakes.h"
#include "mlp.h"
#include "taylor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { BP_NETCHECK_EVERY, BP_NETCHECK_SAMPLE, BP_NETCHECK_DIRECTION } bp_netcheck_mode;
const char *bp_netcheck_mode_name(bp_netcheck_mode mode); /* "every entry", "sample", "direction" */

typedef struct {
  bp_fd_method method;
  bp_netcheck_mode mode;
  size_t sample; /* SAMPLE: K entries of every block */
  int taylor;    /* 1: the Taylor test too, along its own direction; the overall verdict needs both */
  bp_tolerance tol;
  unsigned long seed;      /* seeds the draws when rng is NULL */
  gsl_rng *rng;            /* the caller's generator for the draws (advanced), or NULL */
  int diagnose;            /* 1: diagnose a FAIL of an every-entry check */
  const char *subject;     /* who the diagnosis speaks of: "your backprop" (NULL), "your gradient file", ... */
  bp_progress_fn progress; /* called after each column of differences; NULL: none */
  void *progress_context;
  size_t n_threads; /* columns split over this many threads (0 or 1: one); the numbers do not depend on it */
} bp_netcheck_options;
/* central, every entry, no Taylor test, the default tolerance, seed 1, diagnosis on, subject NULL. */
bp_netcheck_options bp_netcheck_options_default(void);

/* One block W<l> or b<l> as the check saw it. */
typedef struct {
  bp_block block;
  size_t checked, passed;
  double worst_rel_err; /* over the checked resolved entries; 0 if none */
} bp_netcheck_block;

typedef struct {
  bp_netcheck_options opt; /* as run (rng cleared) */
  double loss;             /* E at the checked parameters */
  size_t n_params;
  bp_gradcheck *gc;      /* every entry; the sample (entry k is parameter columns[k]); or the one direction */
  size_t *columns;       /* SAMPLE: the parameters checked, ascending within each block; else NULL */
  gsl_vector *params;    /* a copy of the parameters checked (with the options and the data: a reproduction) */
  gsl_vector *gradient;  /* a copy of the candidate gradient */
  gsl_vector *direction; /* DIRECTION: v; else NULL */
  bp_netcheck_block blocks[2 * BP_MLP_MAX_LAYERS];
  size_t n_blocks;
  bp_diagnosis diagnosis;  /* kind NONE unless an every-entry check FAILed (and opt.diagnose) */
  bp_taylor_result taylor; /* opt.taylor */
  bp_verdict verdict;      /* the check's, or FAIL when it passes and the Taylor test does not */
} bp_netcheck_report;

/* The parameter index of report entry k (columns[k] for a sample, k otherwise; meaningless for a direction). */
size_t bp_netcheck_param(const bp_netcheck_report *r, size_t k);

/* Checks `gradient` (n_params entries in the layout of net->grad; NULL: bpcheck's own backprop, bp_mlp_gradient)
 * of E(params) = sum over the rows of X0 (batch x sizes[0]) and T (batch x sizes[L]) of eq. (36) or eq. (38), at
 * net->params, which are perturbed during the check and restored bit for bit. net->grad is used as scratch. On
 * success *report is a new report (free with bp_netcheck_report_free), whatever the verdict; a wrong gradient is a
 * result. Errors: GSL_EFAULT for a missing argument, GSL_EBADLEN for shapes that do not fit, GSL_EINVAL for bad
 * options (sample 0 in SAMPLE mode, a bad tolerance, complex without its continuation...) or a loss that is not
 * finite at these parameters, GSL_ENOMEM; *report is then NULL. */
int bp_netcheck_run(bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const gsl_vector *gradient,
                    const bp_netcheck_options *opt, bp_netcheck_report **report);
void bp_netcheck_report_free(bp_netcheck_report *r);

/* ---- the trace: every quantity of one forward and backward pass, to check a hand calculation step by step ------
 * For layer l = 1..L and example b (row b): s (eq. 3: s_i = sum_j x_j w_ji + b_i), x (eq. 2 logistic, eq. 17 softmax
 * at the output) and delta = dE/ds (eq. 9 / eq. 26 at the output, eq. 11, eq. 12 / eq. 30, eq. 31 below it, each
 * through eq. 13, eq. 14), of bpcheck's backward pass or of one with a mistake planted (mistakes.h). */
typedef struct {
  size_t n_layers, batch;
  const gsl_matrix *X0;                       /* the input batch (layer 0) */
  const gsl_matrix *S[BP_MLP_MAX_LAYERS + 1]; /* [1..L]: batch x sizes[l] */
  const gsl_matrix *X[BP_MLP_MAX_LAYERS + 1];
  const gsl_matrix *dS[BP_MLP_MAX_LAYERS + 1];
  bp_mistake_workspace *ws; /* owns the matrices */
} bp_trace;

/* The trace at net->params over X0 and T, with `plant` (NULL: no mistake). *out is new (bp_trace_free) on success;
 * errors as bp_mistake_forward and bp_mistake_backward (GSL_EINVAL for a plant the network cannot take). */
int bp_trace_compute(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const bp_plant *plant,
                     bp_trace **out);
void bp_trace_free(bp_trace *t);

#ifdef __cplusplus
}
#endif

#endif
