/* mlp.c - the network of eq. (3) with the backward recursion of eq. (9)-(16) and eq. (26)-(31), and its forward pass
 * continued to complex parameters for the complex step. */
#include "mlp.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "core.h"
#include "xent.h"

bp_mlp *bp_mlp_alloc(size_t n_layers, const size_t *sizes, bp_output output) {
  if (n_layers < 1 || n_layers > BP_MLP_MAX_LAYERS) {
    bp_error_set("a network needs between 1 and %d weight layers, not %zu", BP_MLP_MAX_LAYERS, n_layers);
    return NULL;
  }
  if (output != BP_OUTPUT_LOGISTIC && output != BP_OUTPUT_SOFTMAX) {
    bp_error_set("unknown output layer type %d", (int)output);
    return NULL;
  }
  size_t n_params = 0;
  for (size_t l = 0; l <= n_layers; l++) {
    if (sizes[l] < 1 || sizes[l] > BP_MLP_MAX_UNITS) {
      bp_error_set("layer %zu has %zu units; a layer needs between 1 and %d", l, sizes[l], BP_MLP_MAX_UNITS);
      return NULL;
    }
    if (l > 0) {
      n_params += (sizes[l - 1] + 1) * sizes[l]; /* cannot overflow: both factors are <= 1e5 */
      if (n_params > BP_MLP_MAX_PARAMS) {
        bp_error_set("the network would have more than %d parameters", BP_MLP_MAX_PARAMS);
        return NULL;
      }
    }
  }
  bp_mlp *net = bp_calloc(1, sizeof *net);
  if (net == NULL) return NULL;
  net->n_layers = n_layers;
  net->output = output;
  net->n_params = n_params;
  memcpy(net->sizes, sizes, (n_layers + 1) * sizeof *sizes);
  net->params = bp_vector_alloc(n_params);
  net->grad = bp_vector_alloc(n_params);
  if (net->params == NULL || net->grad == NULL) {
    bp_mlp_free(net);
    return NULL;
  }
  size_t off = 0;
  for (size_t l = 1; l <= n_layers; l++) {
    size_t nj = sizes[l - 1], ni = sizes[l];
    net->offset[l] = off;
    net->W[l] = gsl_matrix_view_array(net->params->data + off, nj, ni);
    net->dW[l] = gsl_matrix_view_array(net->grad->data + off, nj, ni);
    off += nj * ni;
    net->b[l] = gsl_vector_view_array(net->params->data + off, ni);
    net->db[l] = gsl_vector_view_array(net->grad->data + off, ni);
    off += ni;
  }
  return net;
}

void bp_mlp_free(bp_mlp *net) {
  if (net == NULL) return;
  if (net->params) gsl_vector_free(net->params);
  if (net->grad) gsl_vector_free(net->grad);
  free(net);
}

bp_mlp_workspace *bp_mlp_workspace_alloc(const bp_mlp *net, size_t batch) {
  if (batch < 1) {
    bp_error_set("a batch needs at least one example");
    return NULL;
  }
  bp_mlp_workspace *ws = bp_calloc(1, sizeof *ws);
  if (ws == NULL) return NULL;
  ws->batch = batch;
  ws->n_layers = net->n_layers;
  int ok = (ws->ones = bp_vector_alloc(batch)) != NULL;
  if (ok) gsl_vector_set_all(ws->ones, 1.0);
  for (size_t l = 1; ok && l <= net->n_layers; l++) {
    ok = (ws->X[l] = bp_matrix_alloc(batch, net->sizes[l])) != NULL;
    ok = ok && (ws->S[l] = bp_matrix_alloc(batch, net->sizes[l])) != NULL;
    ok = ok && (ws->dS[l] = bp_matrix_alloc(batch, net->sizes[l])) != NULL;
    if (l < net->n_layers) ok = ok && (ws->Q[l] = bp_matrix_alloc(batch, net->sizes[l])) != NULL;
  }
  if (ok) ws->S_out = ws->S[net->n_layers];
  if (!ok) {
    bp_mlp_workspace_free(ws);
    return NULL;
  }
  return ws;
}

void bp_mlp_workspace_free(bp_mlp_workspace *ws) {
  if (ws == NULL) return;
  for (size_t l = 1; l <= ws->n_layers; l++) {
    if (ws->X[l]) gsl_matrix_free(ws->X[l]);
    if (ws->S[l]) gsl_matrix_free(ws->S[l]); /* S_out is S[L] */
    if (ws->dS[l]) gsl_matrix_free(ws->dS[l]);
    if (ws->Q[l]) gsl_matrix_free(ws->Q[l]);
  }
  if (ws->ones) gsl_vector_free(ws->ones);
  free(ws);
}

void bp_mlp_init_random(bp_mlp *net, gsl_rng *rng) {
  for (size_t l = 1; l <= net->n_layers; l++) {
    double a = sqrt(3.0 / (double)net->sizes[l - 1]);
    gsl_matrix *W = &net->W[l].matrix;
    for (size_t j = 0; j < W->size1; j++)
      for (size_t i = 0; i < W->size2; i++) gsl_matrix_set(W, j, i, a * (2.0 * gsl_rng_uniform(rng) - 1.0));
    for (size_t i = 0; i < W->size2; i++) gsl_vector_set(&net->b[l].vector, i, a * (2.0 * gsl_rng_uniform(rng) - 1.0));
  }
}

/* The workspace must match the network layer by layer: a mismatch would otherwise reach gsl_blas, whose error
 * handler aborts by default. */
static int check_batch(const char *who, const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *X0) {
  int same = ws->n_layers == net->n_layers;
  for (size_t l = 1; same && l <= net->n_layers; l++)
    same = ws->X[l]->size2 == net->sizes[l] && ws->S[l]->size2 == net->sizes[l] && ws->dS[l]->size2 == net->sizes[l];
  if (!same) BP_ERROR(GSL_EINVAL, "%s: the workspace was allocated for a different network", who);
  if (X0->size1 != ws->batch || X0->size2 != net->sizes[0])
    BP_ERROR(GSL_EBADLEN, "%s: the input batch is %zu x %zu, expected %zu x %zu (batch x inputs)", who, X0->size1,
             X0->size2, ws->batch, net->sizes[0]);
  return GSL_SUCCESS;
}

static int check_targets(const char *who, const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *T) {
  if (T->size1 != ws->batch || T->size2 != net->sizes[net->n_layers])
    BP_ERROR(GSL_EBADLEN, "%s: the targets are %zu x %zu, expected %zu x %zu (batch x outputs)", who, T->size1,
             T->size2, ws->batch, net->sizes[net->n_layers]);
  return GSL_SUCCESS;
}

/* A gsl_blas status is never expected once the shapes are checked; pass one on all the same. */
static int blas_status(const char *who, int status) {
  if (status) BP_ERROR(status, "%s: gsl_blas failed: %s", who, gsl_strerror(status));
  return GSL_SUCCESS;
}

/* Products of at most this many multiply-adds are plain loops: a BLAS call costs about 0.1 us before it starts, and
 * the 4-8-3 network at batch 1 spent two thirds of its fwd+bwd in the calls (perf). */
#define SMALL_PRODUCT 512

static double entry(const gsl_matrix *M, CBLAS_TRANSPOSE_t t, size_t r, size_t c) {
  return (t == CblasNoTrans) ? M->data[r * M->tda + c] : M->data[c * M->tda + r];
}

/* C = op(A) op(B) + beta C with beta 0 or 1, op(M) = M or M^T: gsl_blas_dgemm, or the same sums as loops when small
 * (beta = 0 never reads C). */
static int product(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, const gsl_matrix *A, const gsl_matrix *B, double beta,
                   gsl_matrix *C) {
  size_t m = C->size1, n = C->size2, k = (ta == CblasNoTrans) ? A->size2 : A->size1;
  if (m * n * k > SMALL_PRODUCT) return gsl_blas_dgemm(ta, tb, 1.0, A, B, beta, C);
  size_t ma = (ta == CblasNoTrans) ? A->size1 : A->size2, kb = (tb == CblasNoTrans) ? B->size1 : B->size2,
         nb = (tb == CblasNoTrans) ? B->size2 : B->size1;
  if (ma != m || kb != k || nb != n) return GSL_EBADLEN;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double sum = 0.0;
      for (size_t p = 0; p < k; p++) sum += entry(A, ta, i, p) * entry(B, tb, p, j);
      double *c = C->data + i * C->tda + j;
      *c = (beta == 0.0) ? sum : *c + sum;
    }
  return GSL_SUCCESS;
}

/* db += 1^T dS, the column sums of dS: gsl_blas_dgemv with the ones vector, or a loop when small. */
static int add_column_sums(const gsl_matrix *dS, const gsl_vector *ones, gsl_vector *db) {
  if (dS->size1 * dS->size2 > SMALL_PRODUCT) return gsl_blas_dgemv(CblasTrans, 1.0, dS, ones, 1.0, db);
  for (size_t j = 0; j < dS->size2; j++) {
    double sum = 0.0;
    for (size_t r = 0; r < dS->size1; r++) sum += dS->data[r * dS->tda + j];
    db->data[j * db->stride] += sum;
  }
  return GSL_SUCCESS;
}

int bp_mlp_forward(const bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0) {
  int status = check_batch("bp_mlp_forward", net, ws, X0);
  size_t L = net->n_layers;
  for (size_t l = 1; !status && l <= L; l++) {
    const gsl_matrix *X_below = (l == 1) ? X0 : ws->X[l - 1];
    gsl_matrix *S = ws->S[l];
    /* eq. (3): S_l = X_{l-1} W_l + 1 b_l^T;  (B x n_{l-1}) (n_{l-1} x n_l) -> B x n_l: the bias rows first, then
     * the product added by the gemm (beta = 1), which spares a pass of its own for each */
    const double *b = net->b[l].vector.data;
    for (size_t r = 0; r < S->size1; r++) memcpy(S->data + r * S->tda, b, S->size2 * sizeof *b);
    status = product(CblasNoTrans, CblasNoTrans, X_below, &net->W[l].matrix, 1.0, S);
    status = blas_status("bp_mlp_forward", status);
    if (status) break;
    if (l < L) /* eq. (2), with q = 1 - x kept for backward */
      status = bp_logistic_forward_pair(S, ws->X[l], ws->Q[l]);
    else if (net->output == BP_OUTPUT_LOGISTIC)
      status = bp_logistic_forward(S, ws->X[l]); /* eq. (2) */
    else
      status = bp_softmax_forward(S, ws->X[l]); /* eq. (17) */
  }
  return status;
}

int bp_mlp_loss(const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *T, double *E) {
  int status = check_targets("bp_mlp_loss", net, ws, T);
  if (status) return status;
  return (net->output == BP_OUTPUT_LOGISTIC) ? bp_xent_logistic_stable(ws->S_out, T, E) /* eq. (36) */
                                             : bp_xent_softmax_stable(ws->S_out, T, E); /* eq. (38) */
}

/* grad is contiguous (bp_vector_alloc): one memset, all-zero bits being 0.0 */
void bp_mlp_zero_grad(bp_mlp *net) { memset(net->grad->data, 0, net->n_params * sizeof *net->grad->data); }

/* Forward did, per layer, S_l = X_{l-1} W_l + 1 b_l^T and X_l = f(S_l). Going down:
 * dE/dW_l = X_{l-1}^T dS_l because s_i = sum_j x_j w_ji, eq. (8), summed over the batch by the product;
 * dE/dX_{l-1} = dS_l W_l^T is the sum over i of eq. (13) and eq. (14); the logistic below multiplies by x(1 - x),
 * eq. (7), which gives eq. (11) and eq. (12). */
int bp_mlp_backward(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, const gsl_matrix *T) {
  int status = check_batch("bp_mlp_backward", net, ws, X0);
  if (!status) status = check_targets("bp_mlp_backward", net, ws, T);
  if (status) return status;
  size_t L = net->n_layers;
  /* eq. (9) / eq. (26): the fused output delta x - t, computed from S_L so that it stays accurate where x rounds
   * to 1 (for t = 1 the difference of the rounded values would be 0) */
  status = (net->output == BP_OUTPUT_LOGISTIC) ? bp_xent_logistic_delta_stable(ws->S_out, T, ws->dS[L])
                                               : bp_xent_softmax_delta_stable(ws->S_out, T, ws->dS[L]);
  for (size_t l = L; !status && l >= 1; l--) {
    const gsl_matrix *X_below = (l == 1) ? X0 : ws->X[l - 1];
    /* eq. (10), eq. (15), eq. (16), eq. (29): dW_l += X_{l-1}^T dS_l   (n_{l-1} x B)(B x n_l) */
    status = product(CblasTrans, CblasNoTrans, X_below, ws->dS[l], 1.0, &net->dW[l].matrix);
    /* bias: the weight of a constant input 1, eq. (3), so db_l += 1^T dS_l */
    if (!status) status = add_column_sums(ws->dS[l], ws->ones, &net->db[l].vector);
    if (!status && l > 1) /* eq. (13), eq. (14): dX_{l-1} = dS_l W_l^T   (B x n_l)(n_l x n_{l-1}) */
      status = product(CblasNoTrans, CblasTrans, ws->dS[l], &net->W[l].matrix, 0.0, ws->dS[l - 1]);
    status = blas_status("bp_mlp_backward", status);
    if (status || l == 1) break;
    /* eq. (11), eq. (12), eq. (30), eq. (31): times x(1 - x) of the logistic units below, eq. (7), as x q with
     * q = sigma(-s) kept by forward: from the rounded x, 1 - x would lose the digits it cancels */
    status = bp_logistic_backward_from_pair(ws->S[l - 1], ws->X[l - 1], ws->Q[l - 1], ws->dS[l - 1], ws->dS[l - 1]);
  }
  return status;
}

int bp_mlp_backward_magnitude(const bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, gsl_vector *mag) {
  int status = check_batch("bp_mlp_backward_magnitude", net, ws, X0);
  if (status) return status;
  if (mag->size != net->n_params)
    BP_ERROR(GSL_EBADLEN, "bp_mlp_backward_magnitude: %zu entries for %zu parameters", mag->size, net->n_params);
  size_t L = net->n_layers, B = ws->batch;
  for (size_t l = L; l >= 1; l--) {
    const gsl_matrix *X_below = (l == 1) ? X0 : ws->X[l - 1], *W = &net->W[l].matrix;
    gsl_matrix *A = ws->dS[l];
    size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
    for (size_t j = 0; j < nj; j++) /* M(W_l) = |X_{l-1}|^T A_l */
      for (size_t i = 0; i < ni; i++) {
        double m = 0.0;
        for (size_t b = 0; b < B; b++) m += fabs(gsl_matrix_get(X_below, b, j) * gsl_matrix_get(A, b, i));
        gsl_vector_set(mag, off + j * ni + i, fmin(m, DBL_MAX)); /* a sum of 1e308s: its size, finite */
      }
    for (size_t i = 0; i < ni; i++) { /* M(b_l) = 1^T A_l */
      double m = 0.0;
      for (size_t b = 0; b < B; b++) m += fabs(gsl_matrix_get(A, b, i));
      gsl_vector_set(mag, off + nj * ni + i, fmin(m, DBL_MAX));
    }
    if (l == 1) break;
    for (size_t b = 0; b < B; b++) /* A_{l-1} = (A_l |W_l|^T) * x(1 - x) of S_{l-1} */
      for (size_t j = 0; j < nj; j++) {
        double m = 0.0;
        for (size_t i = 0; i < ni; i++) m += fabs(gsl_matrix_get(A, b, i) * gsl_matrix_get(W, j, i));
        gsl_matrix_set(ws->dS[l - 1], b, j, fmin(m, DBL_MAX) * bp_logistic_slope(gsl_matrix_get(ws->S[l - 1], b, j)));
      }
  }
  return GSL_SUCCESS;
}

int bp_mlp_gradient(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X0, const gsl_matrix *T, double *E) {
  bp_mlp_zero_grad(net);
  int status = bp_mlp_forward(net, ws, X0);
  double loss = 0.0;
  if (!status) status = bp_mlp_loss(net, ws, T, &loss);
  if (!status) status = bp_mlp_backward(net, ws, X0, T);
  if (!status && E) *E = loss;
  return status;
}

int bp_mlp_error_function(const gsl_vector *v, gsl_vector *y, void *closure) {
  bp_mlp_closure *c = closure;
  if (v->size != c->net->n_params || y->size != 1)
    BP_ERROR(GSL_EBADLEN, "bp_mlp_error_function: %zu parameters and %zu outputs for a network of %zu parameters",
             v->size, y->size, c->net->n_params);
  if (v != c->net->params) gsl_vector_memcpy(c->net->params, v);
  double E = 0.0;
  int status = bp_mlp_forward(c->net, c->ws, c->X0);
  if (!status) status = bp_mlp_loss(c->net, c->ws, c->T, &E);
  gsl_vector_set(y, 0, E);
  return status;
}

/* ---- complex forward --------------------------------------------------------------------------------------- */

bp_mlp_workspace_complex *bp_mlp_workspace_complex_alloc(const bp_mlp *net, size_t batch) {
  if (batch < 1) {
    bp_error_set("a batch needs at least one example");
    return NULL;
  }
  bp_mlp_workspace_complex *ws = bp_calloc(1, sizeof *ws);
  if (ws == NULL) return NULL;
  ws->batch = batch;
  ws->n_layers = net->n_layers;
  int ok = (ws->ones = bp_vector_complex_alloc(batch)) != NULL;
  if (ok) gsl_vector_complex_set_all(ws->ones, GSL_COMPLEX_ONE);
  ok = ok && (ws->S_out = bp_matrix_complex_alloc(batch, net->sizes[net->n_layers])) != NULL;
  for (size_t l = 0; ok && l <= net->n_layers; l++)
    ok = (ws->X[l] = bp_matrix_complex_alloc(batch, net->sizes[l])) != NULL;
  if (!ok) {
    bp_mlp_workspace_complex_free(ws);
    return NULL;
  }
  return ws;
}

void bp_mlp_workspace_complex_free(bp_mlp_workspace_complex *ws) {
  if (ws == NULL) return;
  for (size_t l = 0; l <= ws->n_layers; l++)
    if (ws->X[l]) gsl_matrix_complex_free(ws->X[l]);
  if (ws->S_out) gsl_matrix_complex_free(ws->S_out);
  if (ws->ones) gsl_vector_complex_free(ws->ones);
  free(ws);
}

/* As check_batch, for the complex workspace and parameters. */
static int check_batch_complex(const char *who, const bp_mlp *net, const bp_mlp_workspace_complex *ws,
                               const gsl_vector_complex *params, const gsl_matrix *X0) {
  int same = ws->n_layers == net->n_layers && ws->S_out->size2 == net->sizes[net->n_layers];
  for (size_t l = 0; same && l <= net->n_layers; l++) same = ws->X[l]->size2 == net->sizes[l];
  if (!same) BP_ERROR(GSL_EINVAL, "%s: the workspace was allocated for a different network", who);
  if (params->size != net->n_params || params->stride != 1)
    BP_ERROR(GSL_EBADLEN, "%s: %zu parameters (stride %zu) for a network of %zu (contiguous)", who, params->size,
             params->stride, net->n_params);
  if (X0->size1 != ws->batch || X0->size2 != net->sizes[0])
    BP_ERROR(GSL_EBADLEN, "%s: the input batch is %zu x %zu, expected %zu x %zu (batch x inputs)", who, X0->size1,
             X0->size2, ws->batch, net->sizes[0]);
  return GSL_SUCCESS;
}

/* The forward of bp_mlp_forward with complex W_l, b_l: views into params laid out as net->params (W[1], b[1],
 * W[2], ...), the input copied to complex X[0] (imaginary part 0), then per layer
 *   S_l = X_{l-1} W_l + 1 b_l^T     (B x n_{l-1})(n_{l-1} x n_l) -> B x n_l, zgemm + zgeru     eq. (3)
 *   X_l = logistic(S_l), the top layer logistic or softmax                                      eq. (2), eq. (17)
 * Every operation is a sum, product or holomorphic unit, so the loss is holomorphic in the parameters. */
int bp_mlp_forward_complex(const bp_mlp *net, const gsl_vector_complex *params, bp_mlp_workspace_complex *ws,
                           const gsl_matrix *X0) {
  int status = check_batch_complex("bp_mlp_forward_complex", net, ws, params, X0);
  if (status) return status;
  for (size_t r = 0; r < X0->size1; r++)
    for (size_t c = 0; c < X0->size2; c++)
      gsl_matrix_complex_set(ws->X[0], r, c, gsl_complex_rect(gsl_matrix_get(X0, r, c), 0.0));
  size_t L = net->n_layers;
  for (size_t l = 1; !status && l <= L; l++) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
    gsl_matrix_complex_const_view W = gsl_matrix_complex_const_view_array(params->data + 2 * off, nj, ni);
    gsl_vector_complex_const_view b = gsl_vector_complex_const_view_array(params->data + 2 * (off + nj * ni), ni);
    gsl_matrix_complex *S = (l == L) ? ws->S_out : ws->X[l]; /* hidden layers compute s in place of x */
    status = gsl_blas_zgemm(CblasNoTrans, CblasNoTrans, GSL_COMPLEX_ONE, ws->X[l - 1], &W.matrix, GSL_COMPLEX_ZERO, S);
    if (!status) status = gsl_blas_zgeru(GSL_COMPLEX_ONE, ws->ones, &b.vector, S);
    status = blas_status("bp_mlp_forward_complex", status);
    if (status) break;
    if (l < L || net->output == BP_OUTPUT_LOGISTIC)
      status = bp_logistic_forward_complex(S, ws->X[l]); /* eq. (2) */
    else
      status = bp_softmax_forward_complex(S, ws->X[l]); /* eq. (17) */
  }
  return status;
}

int bp_mlp_loss_complex(const bp_mlp *net, const bp_mlp_workspace_complex *ws, const gsl_matrix *T, gsl_complex *E) {
  if (T->size1 != ws->batch || T->size2 != net->sizes[net->n_layers])
    BP_ERROR(GSL_EBADLEN, "bp_mlp_loss_complex: the targets are %zu x %zu, expected %zu x %zu (batch x outputs)",
             T->size1, T->size2, ws->batch, net->sizes[net->n_layers]);
  return (net->output == BP_OUTPUT_LOGISTIC) ? bp_xent_logistic_stable_complex(ws->S_out, T, E) /* eq. (36) */
                                             : bp_xent_softmax_stable_complex(ws->S_out, T, E); /* eq. (38) */
}

int bp_mlp_error_function_complex(const gsl_vector_complex *v, gsl_vector_complex *y, void *closure) {
  const bp_mlp_closure *c = closure;
  if (v->size != c->net->n_params || y->size != 1)
    BP_ERROR(GSL_EBADLEN,
             "bp_mlp_error_function_complex: %zu parameters and %zu outputs for a network of %zu parameters", v->size,
             y->size, c->net->n_params);
  bp_mlp_workspace_complex *ws = c->wsz ? c->wsz : bp_mlp_workspace_complex_alloc(c->net, c->X0->size1);
  if (ws == NULL) return GSL_ENOMEM;
  gsl_complex E = GSL_COMPLEX_ZERO;
  int status = bp_mlp_forward_complex(c->net, v, ws, c->X0);
  if (!status) status = bp_mlp_loss_complex(c->net, ws, c->T, &E);
  gsl_vector_complex_set(y, 0, E);
  if (ws != c->wsz) bp_mlp_workspace_complex_free(ws);
  return status;
}

size_t bp_mlp_blocks(const bp_mlp *net, bp_block *blocks) {
  size_t n = 0;
  for (size_t l = 1; l <= net->n_layers; l++) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l];
    bp_block *W = &blocks[n++], *b = &blocks[n++];
    snprintf(W->name, sizeof W->name, "W%u", (unsigned)l); /* l <= BP_MLP_MAX_LAYERS: at most 3 characters */
    W->start = net->offset[l];
    W->size = nj * ni;
    snprintf(b->name, sizeof b->name, "b%u", (unsigned)l);
    b->start = net->offset[l] + nj * ni;
    b->size = ni;
  }
  return n;
}

int bp_mlp_param_name(const bp_mlp *net, size_t k, char *buf, size_t len) {
  for (size_t l = 1; l <= net->n_layers; l++) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
    if (k < off + nj * ni) {
      snprintf(buf, len, "W%zu[%zu,%zu]", l, (k - off) / ni, (k - off) % ni);
      return GSL_SUCCESS;
    }
    if (k < off + nj * ni + ni) {
      snprintf(buf, len, "b%zu[%zu]", l, k - off - nj * ni);
      return GSL_SUCCESS;
    }
  }
  BP_ERROR(GSL_EINVAL, "parameter index %zu is out of range (the network has %zu parameters)", k, net->n_params);
}

/* Reads an unsigned decimal at *p (digits only) and advances *p; 0 if there is none or it is too large. */
static int read_index(const char **p, size_t *value) {
  const char *s = *p;
  if (!isdigit((unsigned char)*s)) return 0;
  size_t v = 0;
  for (; isdigit((unsigned char)*s); s++) {
    if (v > (BP_MLP_MAX_PARAMS * (size_t)10)) return 0;
    v = 10 * v + (size_t)(*s - '0');
  }
  *value = v;
  *p = s;
  return 1;
}

int bp_mlp_param_index(const bp_mlp *net, const char *name, size_t *k) {
  const char *p = name;
  char kind = *p++;
  size_t l = 0, j = 0, i = 0;
  int ok = (kind == 'W' || kind == 'b') && read_index(&p, &l) && *p++ == '[';
  if (ok && kind == 'W') ok = read_index(&p, &j) && *p++ == ',';
  ok = ok && read_index(&p, &i) && *p++ == ']' && *p == '\0';
  if (!ok) BP_ERROR(GSL_EINVAL, "'%s' is not a parameter name (expected W<l>[j,i] or b<l>[i])", name);
  if (l < 1 || l > net->n_layers)
    BP_ERROR(GSL_EINVAL, "'%s': there is no layer %zu (the network has layers 1..%zu)", name, l, net->n_layers);
  size_t nj = net->sizes[l - 1], ni = net->sizes[l];
  if (kind == 'W' && (j >= nj || i >= ni))
    BP_ERROR(GSL_EINVAL, "'%s': W%zu is %zu x %zu, indices start at 0", name, l, nj, ni);
  if (kind == 'b' && i >= ni) BP_ERROR(GSL_EINVAL, "'%s': b%zu has %zu entries, indices start at 0", name, l, ni);
  *k = net->offset[l] + ((kind == 'W') ? j * ni + i : nj * ni + i);
  return GSL_SUCCESS;
}
