/* mistakes.c - the classic backprop mistakes (mistakes.h): their table, and the backward pass of eq. (9)-(16),
 * eq. (25)-(31) with one of them planted. */
#include "mistakes.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "activation.h"
#include "core.h"
#include "xent.h"

static const bp_mistake_info table[BP_MISTAKE_N] = {
    {BP_MISTAKE_NONE, "none", "eq. (9)-(16), eq. (25)-(31)", "No mistake: the backward pass of the notes."},
    {BP_MISTAKE_SIGN, "sign", "eq. (9), eq. (26)",
     "The output delta is t - x instead of x - t: the whole gradient has the wrong sign."},
    {BP_MISTAKE_FACTOR_TWO, "factor-two", "eq. (9), eq. (26)",
     "The output delta is 2 (x - t), the derivative of a squared error kept for the cross-entropy."},
    {BP_MISTAKE_MEAN_OVER_BATCH, "mean-over-batch", "eq. (9), eq. (10)",
     "The output delta is divided by the batch size B although the loss sums over the batch."},
    {BP_MISTAKE_MISSING_DERIVATIVE, "missing-derivative", "eq. (7), eq. (12)",
     "The hidden delta leaves out x(1-x): dE/ds_j is taken to be dE/dx_j."},
    {BP_MISTAKE_DERIVATIVE_AT_S, "derivative-at-s", "eq. (7)",
     "The logistic derivative is taken at the weighted sum, s(1-s), instead of at the activation, x(1-x)."},
    {BP_MISTAKE_DERIVATIVE_FROM_X, "derivative-from-x", "eq. (7), eq. (12)",
     "x(1-x) is formed from the rounded activation x, so 1 - x loses its digits on saturated units."},
    {BP_MISTAKE_TRANSPOSED_PROPAGATION, "transposed-propagation", "eq. (13), eq. (14)",
     "The deltas are sent down through W instead of its transpose (W[i*nj + j] read for w_ji)."},
    {BP_MISTAKE_TRANSPOSED_BLOCK, "transposed-block", "eq. (10), eq. (15)",
     "dW is formed as dS^T X and stored in W's place: the weight gradient is transposed."},
    {BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, "wrong-layer-activations", "eq. (10), eq. (15)",
     "dW of a layer is built from the activations of the layer itself instead of the layer below (off by one "
     "layer)."},
    {BP_MISTAKE_UPDATED_WEIGHTS, "updated-weights", "eq. (13), eq. (14)",
     "Each W is updated (W - eta dW) as soon as its gradient is known, and the deltas go down through the "
     "updated weights."},
    {BP_MISTAKE_BIAS_NOT_SUMMED, "bias-not-summed", "eq. (16), eq. (29)",
     "The bias gradient holds the delta of one example instead of the sum over the batch."},
    {BP_MISTAKE_SOFTMAX_DIAGONAL, "softmax-diagonal", "eq. (21), eq. (22)",
     "The softmax output delta uses only the diagonal x_i(1-x_i) of the Jacobian of eq. (21)."},
    {BP_MISTAKE_OVERWRITTEN_BATCH, "overwritten-batch", "eq. (10), eq. (15)",
     "The gradient is overwritten (=) for each example instead of accumulated (+=): one example's is left."},
    {BP_MISTAKE_TARGETS_UNNORMALIZED, "targets-unnormalized", "eq. (25), eq. (26)",
     "The softmax delta x - t is used although the targets do not sum to one (eq. (25) is x sum_k t_k - t)."},
};

const bp_mistake_info *bp_mistake_describe(bp_mistake mistake) {
  return ((unsigned)mistake < BP_MISTAKE_N) ? &table[mistake] : NULL;
}

const bp_mistake_info *bp_mistake_info_all(void) { return table; }

int bp_mistake_parse(const char *name, bp_mistake *mistake) {
  for (int k = 0; name != NULL && k < BP_MISTAKE_N; k++)
    if (strcmp(name, table[k].name) == 0) {
      *mistake = (bp_mistake)k;
      return GSL_SUCCESS;
    }
  char list[512] = "";
  for (int k = 1; k < BP_MISTAKE_N; k++) {
    strncat(list, table[k].name, sizeof list - strlen(list) - 1);
    if (k + 1 < BP_MISTAKE_N) strncat(list, ", ", sizeof list - strlen(list) - 1);
  }
  BP_ERROR(GSL_EINVAL, "unknown mistake '%s'; the mistakes are: %s", name ? name : "(null)", list);
}

bp_plant bp_plant_default(bp_mistake mistake) {
  return (bp_plant){.mistake = mistake, .layer = 0, .example = SIZE_MAX, .eta = 0.0};
}

/* ---- where a mistake can be made ------------------------------------------------------------------------------- */

/* The layers a per-layer mistake can sit at: [*lo, *hi], and the default set (layer 0) [*dlo, *dhi]. Returns 0 for
 * a mistake of the whole gradient. */
static int layer_range(const bp_mlp *net, bp_mistake m, size_t *lo, size_t *hi, size_t *dlo, size_t *dhi) {
  size_t L = net->n_layers;
  int logistic = net->output == BP_OUTPUT_LOGISTIC;
  switch (m) {
  case BP_MISTAKE_MISSING_DERIVATIVE:
    *lo = 1, *hi = L;
    *dlo = (L >= 2) ? 1 : L, *dhi = (L >= 2) ? L - 1 : L;
    return 1;
  case BP_MISTAKE_DERIVATIVE_AT_S:
    *lo = 1, *hi = logistic ? L : L - 1;
    *dlo = (L >= 2) ? 1 : L, *dhi = (L >= 2) ? L - 1 : L;
    return 1;
  case BP_MISTAKE_DERIVATIVE_FROM_X: *lo = *dlo = 1, *hi = *dhi = L - 1; return 1;
  case BP_MISTAKE_TRANSPOSED_PROPAGATION: *lo = *dlo = 2, *hi = *dhi = L; return 1;
  case BP_MISTAKE_TRANSPOSED_BLOCK:
  case BP_MISTAKE_WRONG_LAYER_ACTIVATIONS:
  case BP_MISTAKE_BIAS_NOT_SUMMED: *lo = *dlo = 1, *hi = *dhi = L; return 1;
  default: return 0;
  }
}

/* Why the plant cannot be made, into buf; "" when it can. */
static void plant_problem(const bp_mlp *net, const bp_plant *p, char *buf, size_t len) {
  buf[0] = '\0';
  const bp_mistake_info *info = bp_mistake_describe(p->mistake);
  if (info == NULL) {
    snprintf(buf, len, "mistake %d is not one of the %d mistakes", (int)p->mistake, BP_MISTAKE_N);
    return;
  }
  int softmax = net->output == BP_OUTPUT_SOFTMAX;
  size_t lo, hi, dlo, dhi, L = net->n_layers;
  if ((p->mistake == BP_MISTAKE_SOFTMAX_DIAGONAL || p->mistake == BP_MISTAKE_TARGETS_UNNORMALIZED) && !softmax)
    snprintf(buf, len, "mistake '%s' needs a softmax output layer", info->name);
  else if (p->mistake == BP_MISTAKE_UPDATED_WEIGHTS && L < 2)
    snprintf(buf, len, "mistake '%s' needs a hidden layer", info->name);
  else if (p->mistake == BP_MISTAKE_UPDATED_WEIGHTS && !(isfinite(p->eta) && p->eta >= 0.0))
    snprintf(buf, len, "mistake '%s' needs a finite step eta >= 0, not %g", info->name, p->eta);
  else if (layer_range(net, p->mistake, &lo, &hi, &dlo, &dhi)) {
    if (p->layer == 0 && dlo > dhi)
      snprintf(buf, len, "mistake '%s' needs a hidden layer", info->name);
    else if (p->layer != 0 && (p->layer < lo || p->layer > hi)) {
      if (lo > hi)
        snprintf(buf, len, "mistake '%s' cannot be made in this network", info->name);
      else
        snprintf(buf, len, "mistake '%s' sits at a layer from %zu to %zu, not %zu", info->name, lo, hi, p->layer);
    }
  }
}

int bp_plant_valid(const bp_mlp *net, const bp_plant *plant) {
  char why[160];
  if (net == NULL || plant == NULL) return 0;
  plant_problem(net, plant, why, sizeof why);
  return why[0] == '\0';
}

int bp_plant_check(const bp_mlp *net, const bp_plant *plant) {
  if (net == NULL || plant == NULL) BP_ERROR(GSL_EFAULT, "bp_plant_check: no network or no plant");
  char why[160];
  plant_problem(net, plant, why, sizeof why);
  if (why[0]) BP_ERROR(GSL_EINVAL, "%s", why);
  return GSL_SUCCESS;
}

/* Whether the (valid) plant acts at layer l: its own layer, or every layer of the default set. */
static int acts_at(const bp_mlp *net, const bp_plant *p, bp_mistake m, size_t l) {
  size_t lo, hi, dlo, dhi;
  if (p->mistake != m || !layer_range(net, m, &lo, &hi, &dlo, &dhi)) return 0;
  return p->layer == 0 ? (l >= dlo && l <= dhi) : l == p->layer;
}

/* ---- the workspace and the forward pass ------------------------------------------------------------------------- */

bp_mistake_workspace *bp_mistake_workspace_alloc(const bp_mlp *net, size_t batch) {
  if (net == NULL || batch < 1) {
    bp_error_set("bp_mistake_workspace_alloc: needs a network and a batch of at least one example");
    return NULL;
  }
  bp_mistake_workspace *ws = bp_calloc(1, sizeof *ws);
  if (ws == NULL) return NULL;
  ws->batch = batch;
  ws->n_layers = net->n_layers;
  int ok = (ws->fwd = bp_mlp_workspace_alloc(net, batch)) != NULL;
  for (size_t l = 1; ok && l <= net->n_layers; l++)
    ok = (ws->Xw[l] = bp_matrix_alloc(batch, net->sizes[l - 1])) &&
         (ws->G[l] = bp_matrix_alloc(net->sizes[l - 1], net->sizes[l]));
  if (!ok) {
    bp_mistake_workspace_free(ws);
    return NULL;
  }
  return ws;
}

void bp_mistake_workspace_free(bp_mistake_workspace *ws) {
  if (ws == NULL) return;
  for (size_t l = 1; l <= ws->n_layers; l++) {
    if (ws->Xw[l]) gsl_matrix_free(ws->Xw[l]);
    if (ws->G[l]) gsl_matrix_free(ws->G[l]);
  }
  bp_mlp_workspace_free(ws->fwd);
  free(ws);
}

/* The forward pass is the true one (bp_mlp_forward: eq. (2), eq. (3), eq. (17)); only the backward is planted. */
int bp_mistake_forward(bp_mistake_workspace *ws, const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T) {
  if (ws == NULL || net == NULL || X0 == NULL || T == NULL)
    BP_ERROR(GSL_EFAULT, "bp_mistake_forward: a missing argument");
  size_t L = net->n_layers;
  int same = ws->n_layers == L;
  for (size_t l = 1; same && l <= L; l++)
    same = ws->G[l]->size1 == net->sizes[l - 1] && ws->G[l]->size2 == net->sizes[l];
  if (!same) BP_ERROR(GSL_EINVAL, "bp_mistake_forward: the workspace was allocated for a different network");
  if (X0->size1 != ws->batch || X0->size2 != net->sizes[0] || T->size1 != ws->batch || T->size2 != net->sizes[L])
    BP_ERROR(GSL_EBADLEN,
             "bp_mistake_forward: the batch is %zu x %zu and the targets %zu x %zu; expected %zu x %zu "
             "and %zu x %zu",
             X0->size1, X0->size2, T->size1, T->size2, ws->batch, net->sizes[0], ws->batch, net->sizes[L]);
  ws->net = net;
  ws->X0 = X0;
  ws->T = T;
  return bp_mlp_forward(net, ws->fwd, X0);
}

/* ---- the backward pass with one mistake ------------------------------------------------------------------------ */

/* The output delta dS_L (eq. 9, eq. 25, eq. 26) and the mistakes made there; rows other than `only` are zeroed
 * when only < B (one example's gradient: every lower delta then vanishes on those rows as well). */
static int output_delta(bp_mistake_workspace *ws, const bp_plant *p, size_t only) {
  const bp_mlp *net = ws->net;
  size_t L = ws->n_layers, B = ws->batch;
  int softmax = net->output == BP_OUTPUT_SOFTMAX;
  gsl_matrix *dS = ws->fwd->dS[L];
  const gsl_matrix *SL = ws->fwd->S[L], *XL = ws->fwd->X[L], *T = ws->T;
  int status = softmax ? bp_xent_softmax_delta_stable(SL, T, dS) : bp_xent_logistic_delta_stable(SL, T, dS);
  if (status) return status;
  bp_mistake m = p->mistake;
  for (size_t r = 0; r < B; r++) {
    double sum_t = 0.0;
    for (size_t i = 0; i < T->size2; i++) sum_t += gsl_matrix_get(T, r, i);
    for (size_t i = 0; i < T->size2; i++) {
      double x = gsl_matrix_get(XL, r, i), t = gsl_matrix_get(T, r, i), s = gsl_matrix_get(SL, r, i);
      double v = gsl_matrix_get(dS, r, i);
      if (softmax && m != BP_MISTAKE_TARGETS_UNNORMALIZED) v += (sum_t - 1.0) * x; /* eq. (25): x sum_k t_k - t */
      if (m == BP_MISTAKE_SIGN) v = -v;
      if (m == BP_MISTAKE_FACTOR_TWO) v *= 2.0;
      if (m == BP_MISTAKE_MEAN_OVER_BATCH) v /= (double)B;
      if (m == BP_MISTAKE_SOFTMAX_DIAGONAL) v = -t * (1.0 - x); /* (-t/x) x(1 - x): eq. (19), diagonal of eq. (21) */
      if (acts_at(net, p, BP_MISTAKE_MISSING_DERIVATIVE, L))
        v = softmax ? -t / x : (x - t) / (x * (1.0 - x)); /* dE/dx of eq. (19) or eq. (6) */
      if (acts_at(net, p, BP_MISTAKE_DERIVATIVE_AT_S, L)) v = (x - t) / (x * (1.0 - x)) * s * (1.0 - s);
      if (only < B && r != only) v = 0.0;
      gsl_matrix_set(dS, r, i, v);
    }
  }
  return GSL_SUCCESS;
}

/* dS_{l-1} = dX_{l-1} * dx/ds of layer l-1 (eq. 7, eq. 11, eq. 12), in place in ws->fwd->dS[l-1], with the mistakes of
 * that factor. */
static void hidden_derivative(bp_mistake_workspace *ws, const bp_plant *p, size_t k) {
  gsl_matrix *d = ws->fwd->dS[k];
  for (size_t r = 0; r < d->size1; r++)
    for (size_t j = 0; j < d->size2; j++) {
      double s = gsl_matrix_get(ws->fwd->S[k], r, j), x = gsl_matrix_get(ws->fwd->X[k], r, j);
      double g = bp_logistic(s) * bp_logistic(-s); /* x(1 - x), each factor accurate from s */
      if (acts_at(ws->net, p, BP_MISTAKE_MISSING_DERIVATIVE, k))
        g = 1.0;
      else if (acts_at(ws->net, p, BP_MISTAKE_DERIVATIVE_AT_S, k))
        g = s * (1.0 - s);
      else if (acts_at(ws->net, p, BP_MISTAKE_DERIVATIVE_FROM_X, k))
        g = x * (1.0 - x);
      gsl_matrix_set(d, r, j, gsl_matrix_get(d, r, j) * g);
    }
}

/* The activations dW_l is built from: X_{l-1}, or X_l in their place (off by one layer), columns beyond n_l zero. */
static const gsl_matrix *weight_inputs(bp_mistake_workspace *ws, const bp_plant *p, size_t l) {
  if (!acts_at(ws->net, p, BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, l)) return (l == 1) ? ws->X0 : ws->fwd->X[l - 1];
  gsl_matrix *Xw = ws->Xw[l];
  for (size_t r = 0; r < Xw->size1; r++)
    for (size_t j = 0; j < Xw->size2; j++)
      gsl_matrix_set(Xw, r, j, j < ws->fwd->X[l]->size2 ? gsl_matrix_get(ws->fwd->X[l], r, j) : 0.0);
  return Xw;
}

/* Layer l's gradient into grad: dW_l = X^T dS_l (eq. 10, eq. 15) in ws->G[l], stored as it is or transposed; db_l
 * = 1^T dS_l (eq. 16, eq. 29) or one example's row. */
static int store_layer(bp_mistake_workspace *ws, const bp_plant *p, size_t l, size_t example, gsl_vector *grad) {
  const bp_mlp *net = ws->net;
  size_t nj = net->sizes[l - 1], ni = net->sizes[l];
  gsl_matrix *G = ws->G[l];
  int status = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, weight_inputs(ws, p, l), ws->fwd->dS[l], 0.0, G);
  if (status) return status;
  double *w = grad->data + net->offset[l];
  int transposed = acts_at(net, p, BP_MISTAKE_TRANSPOSED_BLOCK, l);
  for (size_t j = 0; j < nj; j++)
    for (size_t i = 0; i < ni; i++) {
      if (transposed)
        w[i * nj + j] = gsl_matrix_get(G, j, i); /* row i of the ni x nj transpose */
      else
        w[j * ni + i] = gsl_matrix_get(G, j, i);
    }
  gsl_vector_view db = gsl_vector_view_array(w + nj * ni, ni);
  if (acts_at(net, p, BP_MISTAKE_BIAS_NOT_SUMMED, l)) {
    gsl_vector_const_view row = gsl_matrix_const_row(ws->fwd->dS[l], example);
    return gsl_vector_memcpy(&db.vector, &row.vector);
  }
  return gsl_blas_dgemv(CblasTrans, 1.0, ws->fwd->dS[l], ws->fwd->ones, 0.0, &db.vector);
}

/* dX_{l-1} = dS_l W_l^T (eq. 13, eq. 14) into ws->fwd->dS[l-1]; through the flat W_l read as n_l x n_{l-1}, or through
 * W_l - eta dW_l (ws->G[l] holds dW_l). */
static int propagate(bp_mistake_workspace *ws, const bp_plant *p, size_t l) {
  const bp_mlp *net = ws->net;
  size_t nj = net->sizes[l - 1], ni = net->sizes[l];
  if (acts_at(net, p, BP_MISTAKE_TRANSPOSED_PROPAGATION, l)) {
    gsl_matrix_const_view M = gsl_matrix_const_view_array(net->W[l].matrix.data, ni, nj);
    return gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, ws->fwd->dS[l], &M.matrix, 0.0, ws->fwd->dS[l - 1]);
  }
  if (p->mistake == BP_MISTAKE_UPDATED_WEIGHTS) {
    double eta = p->eta > 0.0 ? p->eta : BP_MISTAKE_DEFAULT_ETA;
    gsl_matrix *Wu = ws->G[l]; /* dW_l is stored already: W_l - eta dW_l in its place */
    gsl_matrix_scale(Wu, -eta);
    gsl_matrix_add(Wu, &net->W[l].matrix);
    return gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, ws->fwd->dS[l], Wu, 0.0, ws->fwd->dS[l - 1]);
  }
  return gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, ws->fwd->dS[l], &net->W[l].matrix, 0.0, ws->fwd->dS[l - 1]);
}

int bp_mistake_backward(bp_mistake_workspace *ws, const bp_plant *plant, gsl_vector *grad) {
  if (ws == NULL || plant == NULL || grad == NULL) BP_ERROR(GSL_EFAULT, "bp_mistake_backward: a missing argument");
  if (ws->net == NULL) BP_ERROR(GSL_EINVAL, "bp_mistake_backward: call bp_mistake_forward first");
  const bp_mlp *net = ws->net;
  if (grad->size != net->n_params)
    BP_ERROR(GSL_EBADLEN, "bp_mistake_backward: the gradient has %zu entries, the network %zu parameters", grad->size,
             net->n_params);
  int status = bp_plant_check(net, plant);
  if (status) return status;
  size_t B = ws->batch, example = plant->example == SIZE_MAX ? B - 1 : plant->example;
  if (example >= B)
    BP_ERROR(GSL_EINVAL, "bp_mistake_backward: example %zu of a batch of %zu (examples 0..%zu)", example, B, B - 1);
  size_t only = plant->mistake == BP_MISTAKE_OVERWRITTEN_BATCH ? example : SIZE_MAX;
  status = output_delta(ws, plant, only);
  for (size_t l = ws->n_layers; !status && l >= 1; l--) {
    status = store_layer(ws, plant, l, example, grad);
    if (status || l == 1) break;
    status = propagate(ws, plant, l);
    if (!status) hidden_derivative(ws, plant, l - 1);
  }
  if (status) BP_ERROR(status, "bp_mistake_backward: %s", gsl_strerror(status));
  return GSL_SUCCESS;
}

int bp_mistake_gradient(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const bp_plant *plant,
                        gsl_vector *grad) {
  if (net == NULL || X0 == NULL) BP_ERROR(GSL_EFAULT, "bp_mistake_gradient: a missing argument");
  bp_mistake_workspace *ws = bp_mistake_workspace_alloc(net, X0->size1);
  if (ws == NULL) return GSL_ENOMEM;
  int status = bp_mistake_forward(ws, net, X0, T);
  if (!status) status = bp_mistake_backward(ws, plant, grad);
  bp_mistake_workspace_free(ws);
  return status;
}
