/* derivations.h - what the check files share: the notes' two-layer picture as a fixture, and the checks.
 *
 * The fixture is one example flowing up through units k (inputs) -> j (logistic hidden) -> i (outputs), with
 * no biases, exactly as the notes draw it:  s_j = sum_k x_k w_kj,  x_j = logistic(s_j),  s_i = sum_j x_j w_ji,
 * x_i = logistic(s_i) (eq. 2) or softmax(s)_i (eq. 17). Its error E can be evaluated as a function of any one
 * of the quantities on the way up with the others held fixed, which is what each partial derivative means. */
#ifndef BP_DERIVATIONS_H
#define BP_DERIVATIONS_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_vector_complex_double.h>

#include "checks.h"

/* What E is differentiated by, from the bottom up. W_KJ is nk x nj and W_JI is nj x ni, flattened row by row
 * (entry j * ni + i is w_ji). */
typedef enum { BP_WRT_W_KJ, BP_WRT_S_J, BP_WRT_X_J, BP_WRT_W_JI, BP_WRT_S_I, BP_WRT_X_I } bp_wrt;

typedef struct {
  size_t nk, nj, ni;
  int softmax; /* output layer: softmax (eq. 17-18) or logistic (eq. 1-2) */
  gsl_vector *x_k, *s_j, *x_j, *s_i, *x_i, *t;
  gsl_matrix *W_kj, *W_ji;
  gsl_vector *scratch_j, *scratch_j2, *scratch_i;
  gsl_vector_complex *zscratch_j, *zscratch_j2, *zscratch_i; /* the same, for bp_scenario_error_complex */
} bp_scenario;

/* Draws inputs in [-1.5, 1.5), weights in [-1.2, 1.2), targets in [0.05, 0.95) (logistic) or a distribution
 * (softmax), and runs the forward pass. */
bp_scenario *bp_scenario_alloc(size_t nk, size_t nj, size_t ni, int softmax, gsl_rng *rng);
void bp_scenario_free(bp_scenario *sc);
void bp_scenario_forward(bp_scenario *sc);
/* A new vector holding the current value of the quantity (the point to differentiate at). */
gsl_vector *bp_scenario_point(const bp_scenario *sc, bp_wrt wrt);

/* bp_fd_function: E (a length-1 y) with the quantity `wrt` replaced by v. From s upward E is the stable form
 * eq. (36) / eq. (38); by x_i it is eq. (1) / eq. (18) itself. */
typedef struct {
  bp_scenario *sc;
  bp_wrt wrt;
} bp_scenario_closure;
int bp_scenario_error(const gsl_vector *v, gsl_vector *y, void *closure);
/* The same E continued to a complex v (a bp_fd_complex_function, same closure), for the complex step: the weighted
 * sums eq. (3) with one complex factor, eq. (2), eq. (17), eq. (36), eq. (38), eq. (1), eq. (18) at complex
 * arguments (activation.h, xent.h). Writes the complex scratch vectors only; v and the fixture are left as they are. */
int bp_scenario_error_complex(const gsl_vector_complex *v, gsl_vector_complex *y, void *closure);
/* eq. (12) and eq. (31), which the notes print alike for both output layers:
 * g_j = sum_i (x_i - t_i) w_ji x_j (1 - x_j), written into g (length nj) as printed. */
void bp_scenario_hidden_delta(const bp_scenario *sc, gsl_vector *g);
/* eq. (10) and eq. (29), likewise printed alike: g[j * ni + i] = dE/dw_ji = (x_i - t_i) x_j (g of length nj * ni). */
void bp_scenario_output_weights(const bp_scenario *sc, gsl_vector *g);
/* Claim: g (a formula's values, laid out like the quantity wrt) is the gradient of E by wrt. */
int bp_claim_scenario(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula, bp_scenario *sc,
                      bp_wrt wrt, const gsl_vector *g);

/* The maps whose Jacobians the checks of eq. (7), eq. (8) and eq. (20), eq. (21) take, continued to complex
 * arguments for the complex step (bp_fd_complex_function); they read z and params only. */
/* eq. (2) elementwise: w = logistic(z). params unused. */
int bp_logistic_map_complex(const gsl_vector_complex *z, gsl_vector_complex *w, void *params);
/* eq. (3) as a function of the weights: s_i = sum_j x_j w_ji, w (nj x ni) flattened row by row. */
typedef struct {
  const gsl_vector *x_j;
  size_t nj, ni;
} bp_weighted_sum;
int bp_weighted_sum_map_complex(const gsl_vector_complex *w, gsl_vector_complex *s, void *params);
/* eq. (17): w = softmax(z), z one example. params unused. */
int bp_softmax_map_complex(const gsl_vector_complex *z, gsl_vector_complex *w, void *params);

/* Fixture sizes: every layer a different size. Small enough for stack buffers of BP_SC_MAX entries. */
#define BP_SC_MAX 64

/* The checks, one function each, in the order of the table in registry.c. */
int bp_check_logistic_dE_dx(bp_check_ctx *ctx);
int bp_check_logistic_dx_ds(bp_check_ctx *ctx);
int bp_check_weighted_sum_ds_dw(bp_check_ctx *ctx);
int bp_check_logistic_output_delta(bp_check_ctx *ctx);
int bp_check_logistic_output_weights(bp_check_ctx *ctx);
int bp_check_logistic_hidden_delta(bp_check_ctx *ctx);
int bp_check_logistic_hidden_dx(bp_check_ctx *ctx);
int bp_check_logistic_hidden_weights(bp_check_ctx *ctx);
int bp_check_logistic_deep_recursion(bp_check_ctx *ctx);
int bp_check_softmax_dE_dx(bp_check_ctx *ctx);
int bp_check_softmax_jacobian(bp_check_ctx *ctx);
int bp_check_softmax_ds_chain(bp_check_ctx *ctx);
int bp_check_softmax_ds_split(bp_check_ctx *ctx);
int bp_check_softmax_ds_expanded(bp_check_ctx *ctx);
int bp_check_softmax_output_delta(bp_check_ctx *ctx);
int bp_check_softmax_output_weights_sum(bp_check_ctx *ctx);
int bp_check_softmax_output_weights(bp_check_ctx *ctx);
int bp_check_softmax_hidden_delta(bp_check_ctx *ctx);
int bp_check_softmax_deep_recursion(bp_check_ctx *ctx);
int bp_check_logistic_stable_forms(bp_check_ctx *ctx);
int bp_check_softmax_stable_forms(bp_check_ctx *ctx);
int bp_check_softmax_shift_invariance(bp_check_ctx *ctx);

/* The deep-recursion checks share one body (deep.c). */
int bp_check_deep_recursion(bp_check_ctx *ctx, int softmax);

#endif
