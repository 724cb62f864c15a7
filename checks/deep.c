/* deep.c - the recursion of eq. (9)-(16) (logistic outputs) and eq. (26)-(31) (softmax outputs) for a network
 * deeper than the notes draw: four weight layers of different sizes, biases as weights of a constant input
 * (eq. 3), a batch of three examples whose errors add up. */
#include "core.h"
#include "derivations.h"
#include "mlp.h"

enum { BATCH = 3, MAX_UNITS = 16 };

/* The notes' conclusion, written out with loops (no BLAS): start from dE/ds_i = x_i - t_i (eq. 9 / 26), then per
 * layer dE/dw_kj = dE/ds_j x_k (eq. 15) and dE/ds_j = sum_i dE/ds_i w_ji x_j (1 - x_j) (eq. 12 / 31). */
static void recursion_by_loops(const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *X0, const gsl_matrix *T,
                               gsl_vector *g) {
  size_t L = net->n_layers;
  gsl_vector_set_zero(g);
  for (size_t b = 0; b < X0->size1; b++) {
    double delta[MAX_UNITS], below[MAX_UNITS];
    for (size_t i = 0; i < net->sizes[L]; i++) delta[i] = gsl_matrix_get(ws->X[L], b, i) - gsl_matrix_get(T, b, i);
    for (size_t l = L; l >= 1; l--) {
      size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
      const gsl_matrix *Xb = (l == 1) ? X0 : ws->X[l - 1];
      for (size_t j = 0; j < nj; j++)
        for (size_t i = 0; i < ni; i++) *gsl_vector_ptr(g, off + j * ni + i) += delta[i] * gsl_matrix_get(Xb, b, j);
      for (size_t i = 0; i < ni; i++) *gsl_vector_ptr(g, off + nj * ni + i) += delta[i]; /* constant input 1 */
      if (l == 1) break;
      for (size_t j = 0; j < nj; j++) {
        double xj = gsl_matrix_get(Xb, b, j), sum = 0.0;
        for (size_t i = 0; i < ni; i++) sum += delta[i] * gsl_matrix_get(&net->W[l].matrix, j, i) * xj * (1 - xj);
        below[j] = sum;
      }
      for (size_t j = 0; j < nj; j++) delta[j] = below[j];
    }
  }
}

int bp_check_deep_recursion(bp_check_ctx *ctx, int softmax) {
  static const size_t logistic_sizes[] = {3, 7, 5, 4, 2}, softmax_sizes[] = {4, 6, 5, 7, 3};
  const size_t *sizes = softmax ? softmax_sizes : logistic_sizes;
  size_t L = 4;
  bp_mlp *net = bp_mlp_alloc(L, sizes, softmax ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, BATCH) : NULL;
  gsl_matrix *X0 = bp_matrix_alloc(BATCH, sizes[0]), *T = bp_matrix_alloc(BATCH, sizes[L]);
  gsl_vector *g = net ? bp_vector_alloc(net->n_params) : NULL;
  bp_mlp_workspace_complex *wsz = net ? bp_mlp_workspace_complex_alloc(net, BATCH) : NULL; /* the complex step */
  int status = (net && ws && X0 && T && g && wsz) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) {
    bp_mlp_init_random(net, ctx->rng);
    bp_draw_matrix(ctx->rng, X0, -1.5, 1.5);
    for (size_t b = 0; b < BATCH; b++) {
      gsl_vector_view t = gsl_matrix_row(T, b);
      if (softmax)
        bp_draw_distribution(ctx->rng, &t.vector);
      else
        bp_draw_vector(ctx->rng, &t.vector, 0.05, 0.95);
    }
    status = bp_mlp_gradient(net, ws, X0, T, NULL);
  }
  if (!status) recursion_by_loops(net, ws, X0, T, g);
  bp_mlp_closure c = {net, ws, X0, T, wsz};
  const bp_fd_problem error_problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &c, NULL};
  const char *eq = softmax ? "26,29,31" : "9,10,12,16";
  if (!status)
    status = bp_claim_gradient(ctx, BP_CLAIM_PRINTED, eq,
                               "dE/ds_j = sum_i dE/ds_i w_ji x_j (1-x_j) down 4 layers; dE/dw_kj = dE/ds_j x_k",
                               &error_problem, net->params, g);
  if (!status)
    status = bp_claim_gradient(ctx, BP_CLAIM_LIBRARY, eq, "bp_mlp_backward (gsl_blas) on a batch of 3", &error_problem,
                               net->params, net->grad);
  if (g) gsl_vector_free(g);
  if (X0) gsl_matrix_free(X0);
  if (T) gsl_matrix_free(T);
  bp_mlp_workspace_complex_free(wsz);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  return status;
}
