/* mistakes.h - the classic backprop mistakes, modelled once: an enum, each mistake's equation, short name and
 * sentence, and a backward pass of the network (mlp.h) that plants one.
 *
 * The diagnosis (diagnose.c) reproduces a gradient with these mistakes to name it, `bpcheck grad --plant NAME`
 * shows one failing, the figures and the tests plant them. The planted backward is the recursion of eq. (9)-(16) and
 * eq. (25)-(31) over the whole batch, with exactly one mistake put in:
 *   dS_L = X_L sum_k t_k - T (eq. 25; x - t of eq. 9, eq. 26 when the targets sum to one), from S_L
 *   dW_l = X_{l-1}^T dS_l,  db_l = 1^T dS_l                    eq. (10), eq. (15), eq. (16), eq. (29)
 *   dX_{l-1} = dS_l W_l^T                                      eq. (13), eq. (14)
 *   dS_{l-1} = dX_{l-1} * x(1-x), x(1-x) = logistic(s) logistic(-s) from s    eq. (7), eq. (11), eq. (12)
 * (shapes: X_l, S_l, dS_l are B x n_l; W_l is n_{l-1} x n_l). Without a mistake (BP_MISTAKE_NONE) it is the true
 * gradient to rounding, also for softmax targets that do not sum to one. */
#ifndef BP_MISTAKES_H
#define BP_MISTAKES_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  BP_MISTAKE_NONE,                    /* the true gradient */
  BP_MISTAKE_SIGN,                    /* eq. (9), eq. (26): t - x for the output delta x - t */
  BP_MISTAKE_FACTOR_TWO,              /* eq. (9), eq. (26): 2 (x - t), a squared error's derivative kept */
  BP_MISTAKE_MEAN_OVER_BATCH,         /* eq. (9), eq. (10): (x - t) / B while the loss sums over the batch */
  BP_MISTAKE_MISSING_DERIVATIVE,      /* eq. (7), eq. (12): x(1-x) left out at `layer` (L: dE/dx of eq. 6, 19) */
  BP_MISTAKE_DERIVATIVE_AT_S,         /* eq. (7): s(1-s) where x(1-x) belongs */
  BP_MISTAKE_DERIVATIVE_FROM_X,       /* eq. (7), eq. (12): x(1-x) formed from the rounded x, which loses the digits
                                       * of 1 - x on saturated units (the true pass forms it from s) */
  BP_MISTAKE_TRANSPOSED_PROPAGATION,  /* eq. (13), eq. (14): dx_j = sum_i ds_i W[i*nj + j], the flat W_l read as
                                       * n_l x n_{l-1} (on a square layer: through W instead of W^T) */
  BP_MISTAKE_TRANSPOSED_BLOCK,        /* eq. (10), eq. (15): dW_l formed as dS^T X (n_l x n_{l-1}) and stored row by
                                       * row in W_l's place */
  BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, /* eq. (10), eq. (15): dW_l from the activations of layer l (its own output)
                                       * instead of layer l - 1: row j holds sum_b x_l,j ds_l,i, 0 for j >= n_l (a
                                       * zeroed activation array of the larger size) */
  BP_MISTAKE_UPDATED_WEIGHTS,         /* eq. (13), eq. (14): each W_l updated to W_l - eta dW_l as soon as dW_l is
                                       * known, and the deltas sent down through the updated weights */
  BP_MISTAKE_BIAS_NOT_SUMMED,         /* eq. (16), eq. (29): db_l = one example's delta instead of the batch sum */
  BP_MISTAKE_SOFTMAX_DIAGONAL,        /* eq. (21), eq. (22): only dx_i/ds_i = x_i(1-x_i) of the softmax Jacobian */
  BP_MISTAKE_OVERWRITTEN_BATCH,       /* eq. (10), eq. (15): the gradient overwritten (=) per example: one example's */
  BP_MISTAKE_TARGETS_UNNORMALIZED     /* eq. (25), eq. (26): x - t where the targets do not sum to one; changes
                                       * nothing where every row of T sums to one */
} bp_mistake;
#define BP_MISTAKE_N 15

/* What the tables below say about a mistake. */
typedef struct {
  bp_mistake mistake;
  const char *name;      /* for `--plant NAME`: "sign", "missing-derivative", ... */
  const char *equations; /* its tag, "eq. (7), eq. (12)" */
  const char *sentence;  /* one sentence: what the code does wrong */
} bp_mistake_info;

/* The entry of `mistake`; NULL outside the enum. bp_mistake_info_all() is the table of all BP_MISTAKE_N, in the
 * order of the enum. */
const bp_mistake_info *bp_mistake_describe(bp_mistake mistake);
const bp_mistake_info *bp_mistake_info_all(void);
/* The mistake named `name` (its short name); GSL_EINVAL with a message listing the names otherwise. */
int bp_mistake_parse(const char *name, bp_mistake *mistake);

/* One planted mistake and where it sits. */
typedef struct {
  bp_mistake mistake;
  size_t layer;   /* the layer (1..L) of a per-layer mistake; 0: every layer where it can be made (the hidden
                   * layers for the derivatives of eq. (7); layers 2..L for the propagation) */
  size_t example; /* OVERWRITTEN_BATCH, BIAS_NOT_SUMMED: the example (0-based) whose part is left; SIZE_MAX: the
                   * last (the one a loop leaves) */
  double eta;     /* UPDATED_WEIGHTS: the step (0: BP_MISTAKE_DEFAULT_ETA) */
} bp_plant;
#define BP_MISTAKE_DEFAULT_ETA 0.1
/* {mistake, every layer, the last example, the default step}. */
bp_plant bp_plant_default(bp_mistake mistake);

/* Whether the plant can be made in this network: GSL_SUCCESS, or GSL_EINVAL with a message (the softmax mistakes on
 * a logistic output, a propagation mistake without a hidden layer, a layer out of range, ...). */
int bp_plant_check(const bp_mlp *net, const bp_plant *plant);
/* 1 when bp_plant_check would succeed, 0 otherwise; records no message (for callers that try many plants). */
int bp_plant_valid(const bp_mlp *net, const bp_plant *plant);

/* The forward pass a planted backward needs: X_l and S_l of every layer (eq. 2, eq. 3, eq. 17) in fwd, the true
 * forward's workspace, for a batch of `batch` examples; fwd->dS holds the planted pass's deltas. */
typedef struct {
  const bp_mlp *net;
  const gsl_matrix *X0, *T;
  size_t batch, n_layers;
  bp_mlp_workspace *fwd;                 /* S[l], X[l] of bp_mlp_forward; dS[l]: the planted deltas; ones */
  gsl_matrix *Xw[BP_MLP_MAX_LAYERS + 1]; /* [1..L]: batch x sizes[l-1], scratch */
  gsl_matrix *G[BP_MLP_MAX_LAYERS + 1];  /* [1..L]: sizes[l-1] x sizes[l], scratch */
} bp_mistake_workspace;

bp_mistake_workspace *bp_mistake_workspace_alloc(const bp_mlp *net, size_t batch);
void bp_mistake_workspace_free(bp_mistake_workspace *ws);
/* Forward over X0 (batch x sizes[0]) at net->params, keeping every S_l and X_l; remembers net, X0 and T (batch x
 * sizes[L]), which must outlive the backward calls. GSL_EBADLEN for shapes that do not fit. */
int bp_mistake_forward(bp_mistake_workspace *ws, const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T);
/* The gradient with the plant, after bp_mistake_forward: WRITES grad (n_params entries, the layout of net->grad),
 * and leaves the pass's deltas dE/ds in ws->fwd->dS[l] (l = 1..L). net->params is only read. GSL_EINVAL when the plant
 * cannot be made (bp_plant_check). */
int bp_mistake_backward(bp_mistake_workspace *ws, const bp_plant *plant, gsl_vector *grad);
/* Both in one call, with a workspace of its own. */
int bp_mistake_gradient(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const bp_plant *plant,
                        gsl_vector *grad);

#ifdef __cplusplus
}
#endif

#endif
