/* mlpfd.h - the network's loss E(params) on one batch as a problem for the finite-difference engine (fd.h), with
 * moves: E at params + t e_k computed from the activations at params instead of a whole forward pass.
 *
 * Moving one parameter of layer l (w_ji, or the bias b_i) by t changes only column i of S_l = X_{l-1} W_l + 1 b_l^T
 * (eq. 3): by t X_{l-1}[:, j] (by t for the bias). So X_l changes in column i only, and S_{l+1} by the rank-one
 * matrix dx W_{l+1}[i, :]. Below the output layer the change of the loss is computed as a change:
 *   hidden unit, eq. (2):  x' - x = x q m / (1 + x m),  q = 1 - x = logistic(-s),  m = e^d - 1  (d the change of s)
 *   logistic output, eq. (36): E' - E = sum [log(1 + x m) - t d]  over the changed entries
 *   softmax output, eq. (38):  E' - E = sum_rows [(sum t) log(1 + sum_k x_k m_k) - sum_k t_k d_k]
 * with e^d - 1 and log(1 + u) by their Taylor series where |d|, |u| < 2^-10 (to below an ulp) and by expm1, log1p
 * elsewhere. A parameter of layers 1..L-2 changes every column of X_{l+1}: from there up the layers are recomputed
 * as in the forward pass, for the rows (examples) whose change is not 0. Every value is the network's E at the moved
 * parameters to rounding (docs/performance.md has the error analysis; tests/test_speed.c compares it with
 * bp_mlp_forward for every parameter). The complex step moves by i t the same way through every layer, in complex
 * arithmetic as bp_mlp_forward_complex (mlp.h).
 * Each thread of the engine gets its own workspace. */
#ifndef BP_MLPFD_H
#define BP_MLPFD_H

#include "fd.h"
#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bp_mlp_move_work bp_mlp_move_work;

typedef struct {
  bp_fd_problem problem; /* f = bp_mlp_error_function, fz its continuation, and the moves: give &problem to the engine
                          * with x = net->params */
  bp_mlp_closure closure;
  bp_fd_moves moves;
  bp_mlp_workspace *ws;
  bp_mlp_workspace_complex *wsz;
  bp_mlp_move_work **work; /* n_threads of them */
} bp_mlp_problem;

/* The problem of E(params) of net on the batch X0 (B x sizes[0]) with targets T (B x sizes[L]), with moves for up to
 * n_threads threads (at least 1). net, X0 and T must outlive it. NULL with a message on bad shapes or no memory. */
bp_mlp_problem *bp_mlp_problem_alloc(bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, size_t n_threads);
void bp_mlp_problem_free(bp_mlp_problem *mp);

/* E at x + t e_k and at x + i t e_k by the moves, for tests and benchmarks: prepare(x) on workspace 0, then one
 * move. */
int bp_mlp_problem_moved(bp_mlp_problem *mp, const gsl_vector *x, size_t k, double t, double *E);
int bp_mlp_problem_moved_complex(bp_mlp_problem *mp, const gsl_vector *x, size_t k, double t, double *E_re,
                                 double *E_im);

#ifdef __cplusplus
}
#endif

#endif
