/* scenario.c - the two-layer fixture k -> j -> i of derivations.h, its error E real and continued to complex
 * arguments. */
#include "derivations.h"

#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "core.h"
#include "xent.h"

bp_scenario *bp_scenario_alloc(size_t nk, size_t nj, size_t ni, int softmax, gsl_rng *rng) {
  bp_scenario *sc = bp_calloc(1, sizeof *sc);
  if (sc == NULL) return NULL;
  sc->nk = nk, sc->nj = nj, sc->ni = ni, sc->softmax = softmax;
  sc->x_k = bp_vector_alloc(nk);
  sc->s_j = bp_vector_alloc(nj);
  sc->x_j = bp_vector_alloc(nj);
  sc->s_i = bp_vector_alloc(ni);
  sc->x_i = bp_vector_alloc(ni);
  sc->t = bp_vector_alloc(ni);
  sc->W_kj = bp_matrix_alloc(nk, nj);
  sc->W_ji = bp_matrix_alloc(nj, ni);
  sc->scratch_j = bp_vector_alloc(nj);
  sc->scratch_j2 = bp_vector_alloc(nj);
  sc->scratch_i = bp_vector_alloc(ni);
  sc->zscratch_j = bp_vector_complex_alloc(nj);
  sc->zscratch_j2 = bp_vector_complex_alloc(nj);
  sc->zscratch_i = bp_vector_complex_alloc(ni);
  if (!sc->x_k || !sc->s_j || !sc->x_j || !sc->s_i || !sc->x_i || !sc->t || !sc->W_kj || !sc->W_ji || !sc->scratch_j ||
      !sc->scratch_j2 || !sc->scratch_i || !sc->zscratch_j || !sc->zscratch_j2 || !sc->zscratch_i) {
    bp_scenario_free(sc);
    return NULL;
  }
  bp_draw_vector(rng, sc->x_k, -1.5, 1.5);
  bp_draw_matrix(rng, sc->W_kj, -1.2, 1.2);
  bp_draw_matrix(rng, sc->W_ji, -1.2, 1.2);
  if (softmax)
    bp_draw_distribution(rng, sc->t);
  else
    bp_draw_vector(rng, sc->t, 0.05, 0.95);
  bp_scenario_forward(sc);
  return sc;
}

void bp_scenario_free(bp_scenario *sc) {
  if (sc == NULL) return;
  gsl_vector *v[] = {sc->x_k, sc->s_j, sc->x_j, sc->s_i, sc->x_i, sc->t, sc->scratch_j, sc->scratch_j2, sc->scratch_i};
  for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
    if (v[k]) gsl_vector_free(v[k]);
  if (sc->W_kj) gsl_matrix_free(sc->W_kj);
  if (sc->W_ji) gsl_matrix_free(sc->W_ji);
  gsl_vector_complex *z[] = {sc->zscratch_j, sc->zscratch_j2, sc->zscratch_i};
  for (size_t k = 0; k < sizeof z / sizeof z[0]; k++)
    if (z[k]) gsl_vector_complex_free(z[k]);
  free(sc);
}

/* The activation of one example held in a vector: eq. (2), or eq. (17) for a softmax output layer. Shapes are
 * equal by construction. */
static void unit_forward(int softmax, const gsl_vector *s, gsl_vector *x) {
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(s, 1, s->size);
  gsl_matrix_view X = gsl_matrix_view_vector(x, 1, x->size);
  if (softmax)
    bp_softmax_forward(&S.matrix, &X.matrix); /* eq. (17) */
  else
    bp_logistic_forward(&S.matrix, &X.matrix); /* eq. (2) */
}

void bp_scenario_forward(bp_scenario *sc) {
  gsl_blas_dgemv(CblasTrans, 1.0, sc->W_kj, sc->x_k, 0.0, sc->s_j); /* eq. (3): s_j = sum_k x_k w_kj */
  unit_forward(0, sc->s_j, sc->x_j);                                /* eq. (2) */
  gsl_blas_dgemv(CblasTrans, 1.0, sc->W_ji, sc->x_j, 0.0, sc->s_i); /* eq. (3): s_i = sum_j x_j w_ji */
  unit_forward(sc->softmax, sc->s_i, sc->x_i);
}

gsl_vector *bp_scenario_point(const bp_scenario *sc, bp_wrt wrt) {
  const gsl_vector *src = NULL;
  gsl_vector *v = NULL;
  switch (wrt) {
  case BP_WRT_W_KJ:
  case BP_WRT_W_JI: {
    const gsl_matrix *W = (wrt == BP_WRT_W_KJ) ? sc->W_kj : sc->W_ji;
    v = bp_vector_alloc(W->size1 * W->size2);
    if (v) {
      gsl_matrix_view V = gsl_matrix_view_vector(v, W->size1, W->size2);
      gsl_matrix_memcpy(&V.matrix, W);
    }
    return v;
  }
  case BP_WRT_S_J: src = sc->s_j; break;
  case BP_WRT_X_J: src = sc->x_j; break;
  case BP_WRT_S_I: src = sc->s_i; break;
  case BP_WRT_X_I: src = sc->x_i; break;
  }
  v = bp_vector_alloc(src->size);
  if (v) gsl_vector_memcpy(v, src);
  return v;
}

/* Recompute everything above `wrt` from v, leaving the fixture itself untouched (scratch vectors only). */
int bp_scenario_error(const gsl_vector *v, gsl_vector *y, void *closure) {
  const bp_scenario_closure *c = closure;
  bp_scenario *sc = c->sc;
  bp_wrt wrt = c->wrt;
  double E = 0.0;
  if (wrt == BP_WRT_X_I) { /* eq. (1) / eq. (18) as functions of the outputs themselves */
    gsl_matrix_const_view X = gsl_matrix_const_view_vector(v, 1, v->size);
    gsl_matrix_const_view T = gsl_matrix_const_view_vector(sc->t, 1, sc->t->size);
    /* a naive form may return GSL_ERANGE only at points the checks never use */
    int status = sc->softmax ? bp_xent_softmax_naive(&X.matrix, &T.matrix, &E)
                             : bp_xent_logistic_naive(&X.matrix, &T.matrix, &E);
    gsl_vector_set(y, 0, E);
    return status;
  }
  const gsl_vector *s_j = sc->s_j, *x_j = sc->x_j, *s_i = sc->s_i;
  if (wrt == BP_WRT_W_KJ) {
    gsl_matrix_const_view Wv = gsl_matrix_const_view_vector(v, sc->nk, sc->nj);
    gsl_blas_dgemv(CblasTrans, 1.0, &Wv.matrix, sc->x_k, 0.0, sc->scratch_j);
    s_j = sc->scratch_j;
  }
  if (wrt == BP_WRT_S_J) s_j = v;
  if (wrt <= BP_WRT_S_J) {
    unit_forward(0, s_j, sc->scratch_j2);
    x_j = sc->scratch_j2;
  }
  if (wrt == BP_WRT_X_J) x_j = v;
  if (wrt == BP_WRT_W_JI) {
    gsl_matrix_const_view Wv = gsl_matrix_const_view_vector(v, sc->nj, sc->ni);
    gsl_blas_dgemv(CblasTrans, 1.0, &Wv.matrix, x_j, 0.0, sc->scratch_i);
    s_i = sc->scratch_i;
  } else if (wrt < BP_WRT_W_JI) {
    gsl_blas_dgemv(CblasTrans, 1.0, sc->W_ji, x_j, 0.0, sc->scratch_i);
    s_i = sc->scratch_i;
  }
  if (wrt == BP_WRT_S_I) s_i = v;
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(s_i, 1, s_i->size);
  gsl_matrix_const_view T = gsl_matrix_const_view_vector(sc->t, 1, sc->t->size);
  int status = sc->softmax ? bp_xent_softmax_stable(&S.matrix, &T.matrix, &E)   /* eq. (38) */
                           : bp_xent_logistic_stable(&S.matrix, &T.matrix, &E); /* eq. (36) */
  gsl_vector_set(y, 0, E);
  return status;
}

/* ---- the complex continuation ------------------------------------------------------------------------------ */

/* eq. (2) or eq. (17) of one complex example. */
static void unit_forward_complex(int softmax, const gsl_vector_complex *s, gsl_vector_complex *x) {
  gsl_matrix_complex_const_view S = gsl_matrix_complex_const_view_vector(s, 1, s->size);
  gsl_matrix_complex_view X = gsl_matrix_complex_view_vector(x, 1, x->size);
  if (softmax)
    bp_softmax_forward_complex(&S.matrix, &X.matrix); /* eq. (17) */
  else
    bp_logistic_forward_complex(&S.matrix, &X.matrix); /* eq. (2) */
}

/* eq. (3) with complex weights: s_i = sum_j x_j w_ji, x real, w (x->size x s->size) flattened row by row. */
static void weighted_sum_complex_w(const gsl_vector *x, const gsl_vector_complex *w, gsl_vector_complex *s) {
  size_t ni = s->size;
  for (size_t i = 0; i < ni; i++) {
    gsl_complex sum = GSL_COMPLEX_ZERO;
    for (size_t j = 0; j < x->size; j++)
      sum = gsl_complex_add(sum, gsl_complex_mul_real(gsl_vector_complex_get(w, j * ni + i), gsl_vector_get(x, j)));
    gsl_vector_complex_set(s, i, sum);
  }
}

/* eq. (3) with complex activations: s_i = sum_j x_j w_ji, W real. */
static void weighted_sum_complex_x(const gsl_vector_complex *x, const gsl_matrix *W, gsl_vector_complex *s) {
  for (size_t i = 0; i < W->size2; i++) {
    gsl_complex sum = GSL_COMPLEX_ZERO;
    for (size_t j = 0; j < W->size1; j++)
      sum = gsl_complex_add(sum, gsl_complex_mul_real(gsl_vector_complex_get(x, j), gsl_matrix_get(W, j, i)));
    gsl_vector_complex_set(s, i, sum);
  }
}

/* bp_scenario_error with v complex: the quantities below `wrt` are the fixture's (real), everything from `wrt` up
 * is recomputed in complex arithmetic. */
int bp_scenario_error_complex(const gsl_vector_complex *v, gsl_vector_complex *y, void *closure) {
  const bp_scenario_closure *c = closure;
  bp_scenario *sc = c->sc;
  bp_wrt wrt = c->wrt;
  gsl_complex E = GSL_COMPLEX_ZERO;
  gsl_matrix_const_view T = gsl_matrix_const_view_vector(sc->t, 1, sc->t->size);
  if (wrt == BP_WRT_X_I) { /* eq. (1) / eq. (18) as functions of the outputs themselves */
    gsl_matrix_complex_const_view X = gsl_matrix_complex_const_view_vector(v, 1, v->size);
    int status = sc->softmax ? bp_xent_softmax_naive_complex(&X.matrix, &T.matrix, &E)
                             : bp_xent_logistic_naive_complex(&X.matrix, &T.matrix, &E);
    gsl_vector_complex_set(y, 0, E);
    return status;
  }
  const gsl_vector_complex *s_j = NULL, *x_j = NULL, *s_i = NULL;
  if (wrt == BP_WRT_W_KJ) {
    weighted_sum_complex_w(sc->x_k, v, sc->zscratch_j); /* eq. (3): s_j = sum_k x_k w_kj */
    s_j = sc->zscratch_j;
  }
  if (wrt == BP_WRT_S_J) s_j = v;
  if (wrt <= BP_WRT_S_J) {
    unit_forward_complex(0, s_j, sc->zscratch_j2); /* eq. (2) */
    x_j = sc->zscratch_j2;
  }
  if (wrt == BP_WRT_X_J) x_j = v;
  if (wrt == BP_WRT_W_JI) {
    weighted_sum_complex_w(sc->x_j, v, sc->zscratch_i); /* eq. (3): s_i = sum_j x_j w_ji */
    s_i = sc->zscratch_i;
  } else if (wrt < BP_WRT_W_JI) {
    weighted_sum_complex_x(x_j, sc->W_ji, sc->zscratch_i);
    s_i = sc->zscratch_i;
  }
  if (wrt == BP_WRT_S_I) s_i = v;
  gsl_matrix_complex_const_view S = gsl_matrix_complex_const_view_vector(s_i, 1, s_i->size);
  int status = sc->softmax ? bp_xent_softmax_stable_complex(&S.matrix, &T.matrix, &E)   /* eq. (38) */
                           : bp_xent_logistic_stable_complex(&S.matrix, &T.matrix, &E); /* eq. (36) */
  gsl_vector_complex_set(y, 0, E);
  return status;
}

int bp_claim_scenario(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula, bp_scenario *sc,
                      bp_wrt wrt, const gsl_vector *g) {
  gsl_vector *x = bp_scenario_point(sc, wrt);
  if (x == NULL) return GSL_ENOMEM;
  bp_scenario_closure closure = {sc, wrt};
  const bp_fd_problem problem = {bp_scenario_error, bp_scenario_error_complex, &closure, NULL};
  int status = bp_claim_gradient(ctx, kind, eq, formula, &problem, x, g);
  gsl_vector_free(x);
  return status;
}

void bp_scenario_hidden_delta(const bp_scenario *sc, gsl_vector *g) {
  for (size_t j = 0; j < sc->nj; j++) {
    double xj = gsl_vector_get(sc->x_j, j), sum = 0.0;
    for (size_t i = 0; i < sc->ni; i++)
      sum += (gsl_vector_get(sc->x_i, i) - gsl_vector_get(sc->t, i)) * gsl_matrix_get(sc->W_ji, j, i) * (xj * (1 - xj));
    gsl_vector_set(g, j, sum);
  }
}

void bp_scenario_output_weights(const bp_scenario *sc, gsl_vector *g) {
  for (size_t j = 0; j < sc->nj; j++)
    for (size_t i = 0; i < sc->ni; i++) {
      double delta = gsl_vector_get(sc->x_i, i) - gsl_vector_get(sc->t, i); /* eq. (9), eq. (26) */
      gsl_vector_set(g, j * sc->ni + i, delta * gsl_vector_get(sc->x_j, j));
    }
}
