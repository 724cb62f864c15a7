/* check_softmax.c - softmax outputs with cross-entropy, eq. (17)-(31), as printed in the notes. */
#include <math.h>

#include "activation.h"
#include "derivations.h"
#include "xent.h"

/* Layers k -> j -> i of 3, 5 and 4 units. */
enum { NK = 3, NJ = 5, NI = 4 };

#define V(v, n) gsl_vector_get((v), (n))

static bp_scenario *fixture(bp_check_ctx *ctx) { return bp_scenario_alloc(NK, NJ, NI, 1, ctx->rng); }

/* eq. (21), used by several formulas below: dx_i/ds_k. */
static double jac(const bp_scenario *sc, size_t i, size_t k) {
  double xi = V(sc->x_i, i), xk = V(sc->x_i, k);
  return (i == k) ? xi * (1 - xi) : -xi * xk;
}

/* eq. (19): dE/dx_i = -t_i / x_i, with bp_xent_softmax_dx. */
int bp_check_softmax_dE_dx(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NI], gl[NI];
  for (size_t i = 0; i < NI; i++) g[i] = -V(sc->t, i) / V(sc->x_i, i);
  gsl_matrix_view X = gsl_matrix_view_vector(sc->x_i, 1, NI), T = gsl_matrix_view_vector(sc->t, 1, NI),
                  G = gsl_matrix_view_array(gl, 1, NI);
  int status = bp_xent_softmax_dx(&X.matrix, &T.matrix, &G.matrix);
  gsl_vector_view gv = gsl_vector_view_array(g, NI), lv = gsl_vector_view_array(gl, NI);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "19", "dE/dx_i = -t_i / x_i", sc, BP_WRT_X_I, &gv.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "19", "bp_xent_softmax_dx", sc, BP_WRT_X_I, &lv.vector);
  bp_scenario_free(sc);
  return status;
}

/* y = softmax(v), eq. (17), for Jacobians. */
static int softmax_map(const gsl_vector *v, gsl_vector *y, void *params) {
  (void)params;
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(v, 1, v->size);
  gsl_matrix_view X = gsl_matrix_view_vector(y, 1, y->size);
  return bp_softmax_forward(&S.matrix, &X.matrix);
}

/* The same map continued to complex s (eq. 17 at complex arguments), for the complex step. */
int bp_softmax_map_complex(const gsl_vector_complex *z, gsl_vector_complex *w, void *params) {
  (void)params;
  gsl_matrix_complex_const_view S = gsl_matrix_complex_const_view_vector(z, 1, z->size);
  gsl_matrix_complex_view X = gsl_matrix_complex_view_vector(w, 1, w->size);
  return bp_softmax_forward_complex(&S.matrix, &X.matrix);
}

/* eq. (20) in raw exponentials, eq. (21) in x, and bp_softmax_jacobian. J[i][k] = dx_i/ds_k. */
int bp_check_softmax_jacobian(bp_check_ctx *ctx) {
  enum { N = 5 };
  double s[N], e[N], x[N], J20[N * N], J21[N * N], Jl[N * N], sum = 0.0;
  gsl_vector_view sv = gsl_vector_view_array(s, N);
  bp_draw_vector(ctx->rng, &sv.vector, -2.5, 2.5);
  for (size_t c = 0; c < N; c++) sum += (e[c] = exp(s[c]));
  for (size_t i = 0; i < N; i++) x[i] = e[i] / sum; /* eq. (17) */
  for (size_t i = 0; i < N; i++)
    for (size_t k = 0; k < N; k++) {
      J20[i * N + k] = (i == k) ? e[i] / sum - (e[i] / sum) * (e[i] / sum) : -e[i] * e[k] / (sum * sum);
      J21[i * N + k] = (i == k) ? x[i] * (1 - x[i]) : -x[i] * x[k];
    }
  gsl_vector_view xv = gsl_vector_view_array(x, N);
  gsl_matrix_view J20v = gsl_matrix_view_array(J20, N, N), J21v = gsl_matrix_view_array(J21, N, N),
                  Jlv = gsl_matrix_view_array(Jl, N, N);
  const bp_fd_problem softmax_problem = {softmax_map, bp_softmax_map_complex, NULL, NULL};
  int status = bp_softmax_jacobian(&xv.vector, &Jlv.matrix);
  if (!status)
    status = bp_claim_jacobian(ctx, BP_CLAIM_PRINTED, "20",
                               "dx_i/ds_k = e^s_i/S - (e^s_i/S)^2 (i=k), -e^s_i e^s_k / S^2 (i!=k), S = sum_c e^s_c",
                               &softmax_problem, &sv.vector, &J20v.matrix);
  if (!status)
    status = bp_claim_jacobian(ctx, BP_CLAIM_PRINTED, "21", "dx_i/ds_k = x_i (1 - x_i) (i=k), -x_i x_k (i!=k)",
                               &softmax_problem, &sv.vector, &J21v.matrix);
  if (!status)
    status = bp_claim_jacobian(ctx, BP_CLAIM_LIBRARY, "21", "bp_softmax_jacobian", &softmax_problem, &sv.vector,
                               &Jlv.matrix);
  return status;
}

/* eq. (22): dE/ds_i = sum_k dE/dx_k dx_k/ds_i with eq. (19) and (21); the library's bp_softmax_backward. */
int bp_check_softmax_ds_chain(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NI], dx[NI], gl[NI];
  for (size_t i = 0; i < NI; i++) {
    double sum = 0.0;
    for (size_t k = 0; k < NI; k++) sum += (-V(sc->t, k) / V(sc->x_i, k)) * jac(sc, k, i);
    g[i] = sum;
  }
  gsl_matrix_view X = gsl_matrix_view_vector(sc->x_i, 1, NI), T = gsl_matrix_view_vector(sc->t, 1, NI),
                  DX = gsl_matrix_view_array(dx, 1, NI), G = gsl_matrix_view_array(gl, 1, NI);
  int status = bp_xent_softmax_dx(&X.matrix, &T.matrix, &DX.matrix);
  if (!status) status = bp_softmax_backward(&X.matrix, &DX.matrix, &G.matrix);
  gsl_vector_view gv = gsl_vector_view_array(g, NI), lv = gsl_vector_view_array(gl, NI);
  if (!status)
    status =
        bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "22", "dE/ds_i = sum_k dE/dx_k dx_k/ds_i", sc, BP_WRT_S_I, &gv.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "19,22", "bp_softmax_backward(bp_xent_softmax_dx) (unfused)", sc,
                               BP_WRT_S_I, &lv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (23) as printed: the k != i terms SUBTRACTED; and with them added. */
int bp_check_softmax_ds_split(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double printed[NI], corrected[NI];
  for (size_t i = 0; i < NI; i++) {
    double diag = (-V(sc->t, i) / V(sc->x_i, i)) * jac(sc, i, i), rest = 0.0;
    for (size_t k = 0; k < NI; k++)
      if (k != i) rest += (-V(sc->t, k) / V(sc->x_i, k)) * jac(sc, k, i);
    printed[i] = diag - rest;
    corrected[i] = diag + rest;
  }
  gsl_vector_view pv = gsl_vector_view_array(printed, NI), cv = gsl_vector_view_array(corrected, NI);
  int status =
      bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "23", "dE/ds_i = dE/dx_i dx_i/ds_i - sum_{k!=i} dE/dx_k dx_k/ds_i", sc,
                        BP_WRT_S_I, &pv.vector);
  if (!status)
    status =
        bp_claim_scenario(ctx, BP_CLAIM_CORRECTED, "23", "dE/ds_i = dE/dx_i dx_i/ds_i + sum_{k!=i} dE/dx_k dx_k/ds_i",
                          sc, BP_WRT_S_I, &cv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (24) as printed (t_k x_k) and corrected (t_k x_i). */
int bp_check_softmax_ds_expanded(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double printed[NI], corrected[NI];
  for (size_t i = 0; i < NI; i++) {
    double xi = V(sc->x_i, i), ti = V(sc->t, i), rest_printed = 0.0, rest_corrected = 0.0;
    for (size_t k = 0; k < NI; k++)
      if (k != i) {
        rest_printed += V(sc->t, k) * V(sc->x_i, k);
        rest_corrected += V(sc->t, k) * xi;
      }
    printed[i] = -ti * (1 - xi) + rest_printed;
    corrected[i] = -ti * (1 - xi) + rest_corrected;
  }
  gsl_vector_view pv = gsl_vector_view_array(printed, NI), cv = gsl_vector_view_array(corrected, NI);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "24", "dE/ds_i = -t_i (1 - x_i) + sum_{k!=i} t_k x_k", sc,
                                 BP_WRT_S_I, &pv.vector);
  if (!status)
    status = bp_claim_scenario(ctx, BP_CLAIM_CORRECTED, "24", "dE/ds_i = -t_i (1 - x_i) + sum_{k!=i} t_k x_i", sc,
                               BP_WRT_S_I, &cv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (25) and eq. (26); then the assumption sum_k t_k = 1 broken: (26) must fail, (25) still holds. */
int bp_check_softmax_output_delta(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g25[NI], g26[NI], gl[NI];
  gsl_vector_view v25 = gsl_vector_view_array(g25, NI), v26 = gsl_vector_view_array(g26, NI),
                  vl = gsl_vector_view_array(gl, NI);
  gsl_matrix_view X = gsl_matrix_view_vector(sc->x_i, 1, NI), T = gsl_matrix_view_vector(sc->t, 1, NI),
                  G = gsl_matrix_view_array(gl, 1, NI);
  int status = GSL_SUCCESS;
  /* pass 0: targets sum to 1; pass 1: the same targets scaled to sum to 1.3 */
  for (int pass = 0; pass < 2 && !status; pass++) {
    if (pass == 1) gsl_vector_scale(sc->t, 1.3);
    double sum_t = 0.0;
    for (size_t k = 0; k < NI; k++) sum_t += V(sc->t, k);
    for (size_t i = 0; i < NI; i++) {
      g25[i] = -V(sc->t, i) + V(sc->x_i, i) * sum_t;
      g26[i] = V(sc->x_i, i) - V(sc->t, i);
    }
    status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "25",
                               pass ? "dE/ds_i = -t_i + x_i sum_k t_k   (sum_k t_k = 1.3)"
                                    : "dE/ds_i = -t_i + x_i sum_k t_k",
                               sc, BP_WRT_S_I, &v25.vector);
    if (!status && pass == 0) {
      status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "26", "dE/ds_i = x_i - t_i", sc, BP_WRT_S_I, &v26.vector);
      if (!status) status = bp_xent_softmax_delta(&X.matrix, &T.matrix, &G.matrix);
      if (!status)
        status = bp_claim_scenario(ctx, BP_CLAIM_LIBRARY, "26", "bp_xent_softmax_delta", sc, BP_WRT_S_I, &vl.vector);
    }
    if (!status && pass == 1)
      status = bp_claim_scenario(ctx, BP_CLAIM_MUST_FAIL, "26",
                                 "dE/ds_i = x_i - t_i when sum_k t_k = 1.3 (assumption of eq. 26 broken)", sc,
                                 BP_WRT_S_I, &v26.vector);
  }
  bp_scenario_free(sc);
  return status;
}

/* eq. (28) summed literally over i, and the chain rule it means: only s_i depends on w_ji. */
int bp_check_softmax_output_weights_sum(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double printed[NJ * NI], corrected[NJ * NI];
  for (size_t j = 0; j < NJ; j++)
    for (size_t i = 0; i < NI; i++) {
      double literal = 0.0, chain = 0.0;
      for (size_t m = 0; m < NI; m++) {
        double dE_ds = V(sc->x_i, m) - V(sc->t, m);        /* eq. (26) */
        literal += dE_ds * V(sc->x_j, j);                  /* ds_m/dw_jm read with the clashing index */
        chain += dE_ds * ((m == i) ? V(sc->x_j, j) : 0.0); /* ds_m/dw_ji = x_j when m = i, else 0 */
      }
      printed[j * NI + i] = literal;
      corrected[j * NI + i] = chain;
    }
  gsl_vector_view pv = gsl_vector_view_array(printed, NJ * NI), cv = gsl_vector_view_array(corrected, NJ * NI);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "28", "dE/dw_ji = sum_i dE/ds_i ds_i/dw_ji", sc, BP_WRT_W_JI,
                                 &pv.vector);
  if (!status)
    status =
        bp_claim_scenario(ctx, BP_CLAIM_CORRECTED, "28", "dE/dw_ji = sum_m dE/ds_m ds_m/dw_ji, ds_m/dw_ji = x_j [m=i]",
                          sc, BP_WRT_W_JI, &cv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (29): dE/dw_ji = (x_i - t_i) x_j. */
int bp_check_softmax_output_weights(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ * NI];
  gsl_vector_view gv = gsl_vector_view_array(g, NJ * NI);
  bp_scenario_output_weights(sc, &gv.vector);
  int status =
      bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "29", "dE/dw_ji = (x_i - t_i) x_j", sc, BP_WRT_W_JI, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (30), eq. (31): dE/ds_j = sum_i (x_i - t_i) w_ji x_j (1 - x_j), the same formula as eq. (12). */
int bp_check_softmax_hidden_delta(bp_check_ctx *ctx) {
  bp_scenario *sc = fixture(ctx);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ];
  gsl_vector_view gv = gsl_vector_view_array(g, NJ);
  bp_scenario_hidden_delta(sc, &gv.vector);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "30,31", "dE/ds_j = sum_i (x_i - t_i) w_ji x_j (1-x_j)", sc,
                                 BP_WRT_S_J, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* eq. (26), eq. (28), eq. (29), eq. (30), eq. (31) applied layer after layer (deep.c). */
int bp_check_softmax_deep_recursion(bp_check_ctx *ctx) { return bp_check_deep_recursion(ctx, 1); }
