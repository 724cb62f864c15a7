/* check_logistic.c - logistic outputs with summed cross-entropy, eq. (1)-(16), as printed in the notes. */
#include <math.h>

#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "derivations.h"
#include "xent.h"

/* Layers k -> j -> i of 4, 6 and 3 units. */
enum { NK = 4, NJ = 6, NI = 3 };

#define V(v, n) gsl_vector_get((v), (n))
#define W_JI(sc, j, i) gsl_matrix_get((sc)->W_ji, (j), (i))

static bp_scenario *fixture(bp_check_ctx *ctx) { return bp_scenario_alloc(NK, NJ, NI, 0, ctx->rng); }

/* eq. (5) and eq. (6): dE/dx_i of eq. (1), with the library's bp_xent_logistic_dx beside them. */
int bp_check_logistic_dE_dx(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g5[NI], g6[NI], gl[NI];
  for (size_t i = 0; i < NI; i++) {
    double x = V(sc->x_i, i), t = V(sc->t, i);
    g5[i] = -t / x + (1 - t) / (1 - x);
    g6[i] = (x - t) / (x * (1 - x));
  }
  gsl_matrix_view X = gsl_matrix_view_vector(sc->x_i, 1, NI), T = gsl_matrix_view_vector(sc->t, 1, NI);
  gsl_matrix_view G = gsl_matrix_view_array(gl, 1, NI);
  int status = bp_xent_logistic_dx(&X.matrix, &T.matrix, &G.matrix);
  gsl_vector_view v5 = gsl_vector_view_array(g5, NI), v6 = gsl_vector_view_array(g6, NI),
                  vl = gsl_vector_view_array(gl, NI);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "5", "dE/dx_i = -t_i/x_i + (1-t_i)/(1-x_i)", sc, BP_WRT_X_I,
                               &v5.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "6", "dE/dx_i = (x_i - t_i) / (x_i (1-x_i))", sc, BP_WRT_X_I,
                               &v6.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "6", "bp_xent_logistic_dx", sc, BP_WRT_X_I, &vl.vector);
  bp_scenario_free(sc);
  return status;
}

/* y = logistic(v) elementwise, for the Jacobian of eq. (7). */
static int logistic_map(const gsl_vector *v, gsl_vector *y, void *params) {
  (void)params;
  for (size_t i = 0; i < v->size; i++) gsl_vector_set(y, i, bp_logistic(gsl_vector_get(v, i)));
  return GSL_SUCCESS;
}

/* The same map continued to complex s (eq. 2 at complex arguments), for the complex step. */
int bp_logistic_map_complex(const gsl_vector_complex *z, gsl_vector_complex *w, void *params) {
  (void)params;
  gsl_matrix_complex_const_view S = gsl_matrix_complex_const_view_vector(z, 1, z->size);
  gsl_matrix_complex_view X = gsl_matrix_complex_view_vector(w, 1, w->size);
  return bp_logistic_forward_complex(&S.matrix, &X.matrix);
}

/* eq. (7): dx_i/ds_i = x_i (1 - x_i); the Jacobian is diagonal, which the comparison also checks. */
int bp_check_logistic_dx_ds(bp_check_ctx *ctx) {
  enum { N = 5 };
  double s[N], x[N], J[N * N] = {0}, D[N];
  gsl_vector_view sv = gsl_vector_view_array(s, N);
  bp_draw_vector(ctx->rng, &sv.vector, -3.0, 3.0);
  for (size_t i = 0; i < N; i++) {
    x[i] = 1.0 / (1.0 + exp(-s[i])); /* eq. (2) */
    J[i * N + i] = x[i] * (1 - x[i]);
  }
  gsl_matrix_view Jv = gsl_matrix_view_array(J, N, N);
  const bp_fd_problem logistic_problem = {logistic_map, bp_logistic_map_complex, NULL, NULL};
  int status = bp_claim_jacobian(ctx, BP_CLAIM_PRINTED, "7", "dx_i/ds_i = x_i (1 - x_i)", &logistic_problem, &sv.vector,
                                 &Jv.matrix);
  gsl_matrix_view Xv = gsl_matrix_view_array(x, 1, N), Dv = gsl_matrix_view_array(D, 1, N);
  if (!status) status = bp_logistic_deriv(&Xv.matrix, &Dv.matrix);
  if (!status) {
    for (size_t i = 0; i < N; i++) J[i * N + i] = D[i];
    status =
        bp_claim_jacobian(ctx, BP_CLAIM_LIBRARY, "7", "bp_logistic_deriv", &logistic_problem, &sv.vector, &Jv.matrix);
  }
  return status;
}

/* s = W^T x_j as a function of the weights W (nj x ni, flattened): eq. (3). params: a bp_weighted_sum. */
static int weighted_sum_map(const gsl_vector *w, gsl_vector *s, void *params) {
  const bp_weighted_sum *p = params;
  for (size_t i = 0; i < p->ni; i++) {
    double sum = 0.0;
    for (size_t j = 0; j < p->nj; j++) sum += gsl_vector_get(p->x_j, j) * gsl_vector_get(w, j * p->ni + i);
    gsl_vector_set(s, i, sum);
  }
  return GSL_SUCCESS;
}

/* The same at complex weights: linear in w, so holomorphic as it stands. */
int bp_weighted_sum_map_complex(const gsl_vector_complex *w, gsl_vector_complex *s, void *params) {
  const bp_weighted_sum *p = params;
  for (size_t i = 0; i < p->ni; i++) {
    gsl_complex sum = GSL_COMPLEX_ZERO;
    for (size_t j = 0; j < p->nj; j++) {
      gsl_complex w_ji = gsl_vector_complex_get(w, j * p->ni + i);
      sum = gsl_complex_add(sum, gsl_complex_mul_real(w_ji, gsl_vector_get(p->x_j, j)));
    }
    gsl_vector_complex_set(s, i, sum);
  }
  return GSL_SUCCESS;
}

/* eq. (8): ds_i/dw_ji = x_j, and s_i does not depend on the weights w_ji' of other units i'. */
int bp_check_weighted_sum_ds_dw(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double J[NI * NJ * NI] = {0};
  for (size_t i = 0; i < NI; i++)
    for (size_t j = 0; j < NJ; j++) J[i * (NJ * NI) + j * NI + i] = V(sc->x_j, j);
  gsl_matrix_view Jv = gsl_matrix_view_array(J, NI, NJ * NI);
  bp_weighted_sum p = {sc->x_j, NJ, NI};
  const bp_fd_problem weighted_sum_problem = {weighted_sum_map, bp_weighted_sum_map_complex, &p, NULL};
  gsl_vector *w = bp_scenario_point(sc, BP_WRT_W_JI);
  int status =
      w ? bp_claim_jacobian(ctx, BP_CLAIM_PRINTED, "8", "ds_i/dw_ji = x_j", &weighted_sum_problem, w, &Jv.matrix)
        : GSL_ENOMEM;
  if (w) gsl_vector_free(w);
  bp_scenario_free(sc);
  return status;
}

/* eq. (4) as the product (6)(7)(8), and its fused form eq. (9), with the library's delta and unfused chain. */
int bp_check_logistic_output_delta(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g4[NJ * NI], g9[NI], fused[NI], dx[NI], unfused[NI];
  for (size_t j = 0; j < NJ; j++)
    for (size_t i = 0; i < NI; i++) {
      double x = V(sc->x_i, i), t = V(sc->t, i);
      g4[j * NI + i] = ((x - t) / (x * (1 - x))) * (x * (1 - x)) * V(sc->x_j, j); /* (6) (7) (8) */
    }
  for (size_t i = 0; i < NI; i++) g9[i] = V(sc->x_i, i) - V(sc->t, i);
  gsl_matrix_view X = gsl_matrix_view_vector(sc->x_i, 1, NI), T = gsl_matrix_view_vector(sc->t, 1, NI);
  gsl_matrix_view F = gsl_matrix_view_array(fused, 1, NI), DX = gsl_matrix_view_array(dx, 1, NI),
                  U = gsl_matrix_view_array(unfused, 1, NI);
  int status = bp_xent_logistic_delta(&X.matrix, &T.matrix, &F.matrix);
  if (!status) status = bp_xent_logistic_dx(&X.matrix, &T.matrix, &DX.matrix);
  if (!status) status = bp_logistic_backward(&X.matrix, &DX.matrix, &U.matrix);
  gsl_vector_view v4 = gsl_vector_view_array(g4, NJ * NI), v9 = gsl_vector_view_array(g9, NI),
                  vf = gsl_vector_view_array(fused, NI), vu = gsl_vector_view_array(unfused, NI);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "4", "dE/dw_ji = dE/dx_i dx_i/ds_i ds_i/dw_ji", sc, BP_WRT_W_JI,
                               &v4.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "9", "dE/ds_i = x_i - t_i", sc, BP_WRT_S_I, &v9.vector);
  if (!status)
    status =
        bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "9", "bp_xent_logistic_delta (fused)", sc, BP_WRT_S_I, &vf.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "6,7", "bp_logistic_backward(bp_xent_logistic_dx) (unfused)", sc,
                               BP_WRT_S_I, &vu.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (10): dE/dw_ji = (x_i - t_i) x_j. */
int bp_check_logistic_output_weights(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ * NI];
  gsl_vector_view gv = gsl_vector_view_array(g, NJ * NI);
  bp_scenario_output_weights(sc, &gv.vector);
  int status =
      bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "10", "dE/dw_ji = (x_i - t_i) x_j", sc, BP_WRT_W_JI, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (11), eq. (12): dE/ds_j = sum_i (x_i - t_i) w_ji x_j (1 - x_j). */
int bp_check_logistic_hidden_delta(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ];
  gsl_vector_view gv = gsl_vector_view_array(g, NJ);
  bp_scenario_hidden_delta(sc, &gv.vector);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "11,12", "dE/ds_j = sum_i (x_i - t_i) w_ji x_j (1-x_j)", sc,
                                 BP_WRT_S_J, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (13), eq. (14): dE/dx_j = sum_i dE/dx_i x_i (1 - x_i) w_ji, with dE/dx_i from eq. (6). */
int bp_check_logistic_hidden_dx(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ];
  for (size_t j = 0; j < NJ; j++) {
    double sum = 0.0;
    for (size_t i = 0; i < NI; i++) {
      double x = V(sc->x_i, i), t = V(sc->t, i);
      double dE_dx = (x - t) / (x * (1 - x)); /* eq. (6) */
      sum += dE_dx * x * (1 - x) * W_JI(sc, j, i);
    }
    g[j] = sum;
  }
  gsl_vector_view gv = gsl_vector_view_array(g, NJ);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "13,14", "dE/dx_j = sum_i dE/dx_i x_i (1-x_i) w_ji", sc,
                                 BP_WRT_X_J, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (15), eq. (16): dE/dw_kj = sum_i (x_i - t_i) w_ji x_j (1 - x_j) x_k. */
int bp_check_logistic_hidden_weights(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NK * NJ];
  for (size_t k = 0; k < NK; k++)
    for (size_t j = 0; j < NJ; j++) {
      double xj = V(sc->x_j, j), sum = 0.0;
      for (size_t i = 0; i < NI; i++)
        sum += (V(sc->x_i, i) - V(sc->t, i)) * W_JI(sc, j, i) * (xj * (1 - xj)) * V(sc->x_k, k);
      g[k * NJ + j] = sum;
    }
  gsl_vector_view gv = gsl_vector_view_array(g, NK * NJ);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "15,16", "dE/dw_kj = sum_i (x_i - t_i) w_ji x_j (1-x_j) x_k",
                                 sc, BP_WRT_W_KJ, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (9), eq. (10), eq. (11), eq. (12), eq. (13), eq. (14), eq. (15), eq. (16) applied layer after layer (deep.c). */
int bp_check_logistic_deep_recursion(bp_check_ctx *ctx) { return bp_check_deep_recursion(ctx, 0); }
