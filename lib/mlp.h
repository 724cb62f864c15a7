/* mlp.h - a multilayer perceptron of any depth with logistic hidden units and a logistic (independent targets,
 * eq. 1-16) or softmax (eq. 17-31) output layer, on batches through gsl_blas.
 *
 * Layers are numbered as in the command line: layer 0 is the input, layer L the output, sizes[l] units each.
 * W[l] (l = 1..L) is sizes[l-1] x sizes[l]: W[l](j, i) is the notes' w_ji from unit j below to unit i above, so a
 * batch computes S_l = X_{l-1} W_l + 1 b_l^T (eq. 3, the bias b_l being the weight of a constant input 1).
 * All weights and biases live in ONE contiguous block `params` (W[1], b[1], W[2], b[2], ...) with views into it,
 * so a checker can perturb any parameter by index; `grad` mirrors the layout. */
#ifndef BP_MLP_H
#define BP_MLP_H

#include <gsl/gsl_complex.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_matrix_complex_double.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_vector_complex_double.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { BP_OUTPUT_LOGISTIC, BP_OUTPUT_SOFTMAX } bp_output;

/* Bounds checked by bp_mlp_alloc so a malformed request fails cleanly instead of exhausting memory. */
#define BP_MLP_MAX_LAYERS 64
#define BP_MLP_MAX_UNITS 100000
#define BP_MLP_MAX_PARAMS 50000000

typedef struct {
  size_t n_layers;                     /* L, the number of weight layers */
  size_t sizes[BP_MLP_MAX_LAYERS + 1]; /* units in layers 0..L */
  bp_output output;
  size_t n_params;
  gsl_vector *params; /* every weight and bias */
  gsl_vector *grad;   /* dE/dparams, same layout; bp_mlp_backward accumulates into it */
  gsl_matrix_view W[BP_MLP_MAX_LAYERS + 1], dW[BP_MLP_MAX_LAYERS + 1]; /* [1..L] */
  gsl_vector_view b[BP_MLP_MAX_LAYERS + 1], db[BP_MLP_MAX_LAYERS + 1]; /* [1..L] */
  size_t offset[BP_MLP_MAX_LAYERS + 1];                                /* where W[l] starts in params */
} bp_mlp;

/* What forward keeps for backward: the weighted sums and the activations of every layer. */
typedef struct {
  size_t batch, n_layers;
  gsl_matrix *X[BP_MLP_MAX_LAYERS + 1];  /* [1..L]: batch x sizes[l]; layer 0 is the caller's input */
  gsl_matrix *S[BP_MLP_MAX_LAYERS + 1];  /* [1..L]: batch x sizes[l], the weighted sums of eq. (3): backward takes
                                          * eq. (7)'s x(1 - x) of the hidden units from them */
  gsl_matrix *S_out;                     /* S_L (the same matrix as S[L]), for the stable errors of eq. (36),
                                          * eq. (38) and the output deltas */
  gsl_matrix *Q[BP_MLP_MAX_LAYERS + 1];  /* [1..L-1]: 1 - X_l of the hidden units as logistic(-S_l), kept by forward
                                          * so that backward's x(1 - x) = x q needs no exponential */
  gsl_matrix *dS[BP_MLP_MAX_LAYERS + 1]; /* [1..L]: dE/ds per layer, batch x sizes[l] */
  gsl_vector *ones;                      /* batch ones: bias rows and bias-gradient column sums */
} bp_mlp_workspace;

/* sizes has n_layers + 1 entries, all positive. Parameters start at zero. NULL with a message on bad sizes. */
bp_mlp *bp_mlp_alloc(size_t n_layers, const size_t *sizes, bp_output output);
void bp_mlp_free(bp_mlp *net);
bp_mlp_workspace *bp_mlp_workspace_alloc(const bp_mlp *net, size_t batch);
void bp_mlp_workspace_free(bp_mlp_workspace *ws);

/* Weights and biases uniform in +-sqrt(3 / fan_in) (unit variance of s for unit-variance inputs). */
void bp_mlp_init_random(bp_mlp *net, gsl_rng *rng);

/* Forward over a batch X0 (batch x sizes[0]): S_l = X_{l-1} W_l + 1 b_l^T (eq. 3), X_l = logistic(S_l) (eq. 2),
 * the top layer logistic (eq. 2) or softmax (eq. 17). Writes the workspace. */
int bp_mlp_forward(const bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0);
/* The error over the batch: the sum over rows of eq. (36) (logistic) or eq. (38) (softmax), from S_L. */
int bp_mlp_loss(const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *T, double *E);
/* Backward after forward on the same X0. ACCUMULATES dE/dparams into net->grad (call bp_mlp_zero_grad first):
 *   dS_L = X_L - T, computed from S_L              eq. (9), eq. (26) (softmax targets must sum to 1 per row)
 *   dW_l += X_{l-1}^T dS_l,  db_l += 1^T dS_l       eq. (10), eq. (15), eq. (16), eq. (29)
 *   dX_{l-1} = dS_l W_l^T                           eq. (13), eq. (14)
 *   dS_{l-1} = dX_{l-1} * X_{l-1}(1 - X_{l-1})      eq. (11), eq. (12), eq. (30), eq. (31)
 * Both deltas come from the weighted sums, not from the rounded x: x - t from S_L, and x(1 - x) of eq. (7) as
 * sigma(s) sigma(-s) from S_{l-1} (bp_logistic_slope), so they keep their relative accuracy where a unit
 * saturates (x within 1e-8 of 0 or 1), where 1 - x from the rounded x keeps only a few digits. */
int bp_mlp_backward(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, const gsl_matrix *T);
/* The size of what each gradient entry sums, for the verdict's rounding floor (gradcheck.h): the backward
 * recursion over absolute values, after forward (and backward) on the same X0,
 *   A_L = |dS_L|,  A_{l-1} = (A_l |W_l|^T) * x(1 - x) of S_{l-1}    eq. (7), eq. (11)-(14), eq. (30), eq. (31)
 *   M(W_l) = |X_{l-1}|^T A_l,  M(b_l) = 1^T A_l                       eq. (10), eq. (15), eq. (16), eq. (29)
 * M >= |dE/dparams| entry by entry, with equality where nothing cancels. Writes mag (n_params, net->params'
 * layout); uses ws->dS[1..L-1] as scratch (dS_L, the output delta, is left as backward wrote it). */
int bp_mlp_backward_magnitude(const bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, gsl_vector *mag);
void bp_mlp_zero_grad(bp_mlp *net);
/* zero_grad, forward, loss and backward in one call; E may be NULL. */
int bp_mlp_gradient(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, const gsl_matrix *T, double *E);

/* ---- the forward pass continued to complex parameters, for the complex step (fd.h) -----------------------------
 * The same network with complex weights and biases (the real input X0 and targets T stay real):
 * S_l = X_{l-1} W_l + 1 b_l^T by gsl_blas_zgemm and zgeru (eq. 3), the units of activation.h and the stable errors
 * of xent.h continued to complex arguments (eq. 2, eq. 17, eq. 36, eq. 38), every branch taken by the real part.
 * At real parameters the real part of each value equals the real forward's to a few ulp; at params + i h e_k the
 * imaginary part of the loss is h dE/dparams_k + O(h^3). */
typedef struct {
  size_t batch, n_layers;
  gsl_matrix_complex *X[BP_MLP_MAX_LAYERS + 1]; /* [0]: the input batch, copied; [1..L]: batch x sizes[l] */
  gsl_matrix_complex *S_out;                    /* S_L, for eq. (36), eq. (38) */
  gsl_vector_complex *ones;                     /* batch ones: the bias rows */
} bp_mlp_workspace_complex;

bp_mlp_workspace_complex *bp_mlp_workspace_complex_alloc(const bp_mlp *net, size_t batch);
void bp_mlp_workspace_complex_free(bp_mlp_workspace_complex *ws);
/* Forward over the real batch X0 with the complex parameters `params` (n_params entries, the layout of
 * net->params, contiguous: stride 1); net supplies only the shapes. Writes the workspace. */
int bp_mlp_forward_complex(const bp_mlp *net, const gsl_vector_complex *params, bp_mlp_workspace_complex *ws,
                           const gsl_matrix *X0);
/* The error over the batch from the complex S_L: the sum over rows of eq. (36) or eq. (38). */
int bp_mlp_loss_complex(const bp_mlp *net, const bp_mlp_workspace_complex *ws, const gsl_matrix *T, gsl_complex *E);

/* E(params) as a bp_fd_function (fd.h), for checking the gradient: y[0] = the loss over the batch with
 * net->params replaced by v (v may be net->params itself, which a checker then perturbs in place). */
typedef struct {
  bp_mlp *net;
  bp_mlp_workspace *ws;
  const gsl_matrix *X0, *T;
  bp_mlp_workspace_complex *wsz; /* for bp_mlp_error_function_complex; NULL: it allocates one per call */
} bp_mlp_closure;
int bp_mlp_error_function(const gsl_vector *v, gsl_vector *y, void *closure);
/* The same E continued to complex parameters, a bp_fd_complex_function (fd.h) with the same closure: y[0] = the
 * loss with the parameters v (complex, n_params entries). Reads v and writes y only: net->params, X0 and T are
 * left as they are (unlike bp_mlp_error_function, it never copies v into the network). */
int bp_mlp_error_function_complex(const gsl_vector_complex *v, gsl_vector_complex *y, void *closure);

/* A parameter block: coordinates [start, start + size) of x, with a short name ("W1", "b1"). */
typedef struct {
  char name[16];
  size_t start, size;
} bp_block;

/* The network's blocks in parameter order W1, b1, ..., WL, bL (2L of them; blocks must hold 2*BP_MLP_MAX_LAYERS).
 * W<l> has sizes[l-1] sizes[l] coordinates from net->offset[l], b<l> the sizes[l] after it. Returns how many. */
size_t bp_mlp_blocks(const bp_mlp *net, bp_block *blocks);

/* Parameter k's name: "W<l>[j,i]" (w_ji of layer l) or "b<l>[i]". */
int bp_mlp_param_name(const bp_mlp *net, size_t k, char *buf, size_t len);
/* The index of a parameter from its name; GSL_EINVAL (with a message) for an unknown or malformed name. */
int bp_mlp_param_index(const bp_mlp *net, const char *name, size_t *k);

#ifdef __cplusplus
}
#endif

#endif
