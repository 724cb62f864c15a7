/* test_mlp.c - the multilayer perceptron: allocation and parameter layout, the batch forward of eq. (3) with
 * eq. (2), eq. (17), the loss eq. (36), eq. (38) summed over the batch, and the backward recursion of eq. (4)-(16) and
 * eq. (26)-(31), against hand-written per-example loops and against central differences of the loss over every
 * parameter.
 *
 * Sums that may cancel (s = x W + b, gradients summed over a batch) are compared with an absolute bound: 1e-14
 * (about 45 ulp) times the sum of the magnitudes of the terms, the error bound of a short floating-point sum. */
#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "activation.h"
#include "core.h"
#include "fd.h"
#include "mlp.h"
#include "test_util.h"
#include "xent.h"

#define RTOL_TWO_WAYS 1e-14
#define SUM_RTOL 1e-14
#define MAX_UNITS 8 /* the widest layer of the networks below */

/* ---- allocation and layout --------------------------------------------------------------------------------------- */

static void mlp_alloc_should_reject_bad_layer_counts_and_sizes_with_a_message(void) {
  const size_t ok[3] = {4, 6, 3}, zero_units[4] = {4, 0, 6, 3}, too_wide[3] = {4, BP_MLP_MAX_UNITS + 1, 3};
  const size_t too_many_params[3] = {BP_MLP_MAX_UNITS, 1000, 3};
  static size_t many[BP_MLP_MAX_LAYERS + 2];
  for (size_t l = 0; l < BP_MLP_MAX_LAYERS + 2; l++) many[l] = 2;

  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(0, ok, BP_OUTPUT_LOGISTIC));
  ASSERT_MESSAGE_CONTAINS("weight layers");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(BP_MLP_MAX_LAYERS + 1, many, BP_OUTPUT_LOGISTIC));
  ASSERT_MESSAGE_CONTAINS("weight layers");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(3, zero_units, BP_OUTPUT_SOFTMAX));
  ASSERT_MESSAGE_CONTAINS("layer 1 has 0 units");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(2, too_wide, BP_OUTPUT_LOGISTIC));
  ASSERT_MESSAGE_CONTAINS("layer 1 has 100001 units");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(2, too_many_params, BP_OUTPUT_LOGISTIC));
  ASSERT_MESSAGE_CONTAINS("parameters");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_alloc(2, ok, (bp_output)7));
  ASSERT_MESSAGE_CONTAINS("output");
  /* the limits themselves are accepted */
  bp_mlp *net = bp_mlp_alloc(BP_MLP_MAX_LAYERS, many, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL(net);
  bp_mlp_free(net);
  net = bp_mlp_alloc(2, ok, BP_OUTPUT_LOGISTIC);
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_mlp_workspace_alloc(net, 0));
  ASSERT_MESSAGE_CONTAINS("batch");
  bp_mlp_free(net);
}

/* eq. (3): layer l has a weight w_ji for every pair (j below, i above) plus a bias per unit, the weight of a
 * constant input 1: (n_{l-1} + 1) n_l parameters, laid out W[1], b[1], W[2], b[2], ... */
static void mlp_param_count_should_be_the_sum_of_fan_in_plus_one_times_units(void) {
  const size_t sizes[4] = {4, 6, 5, 3};
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_FATAL(net != NULL);
  CU_ASSERT_EQUAL(net->n_params, (4 + 1) * 6 + (6 + 1) * 5 + (5 + 1) * 3);
  CU_ASSERT_EQUAL(net->n_params, 83);
  CU_ASSERT_EQUAL(net->params->size, 83);
  CU_ASSERT_EQUAL(net->grad->size, 83);
  CU_ASSERT_EQUAL(net->offset[1], 0);
  CU_ASSERT_EQUAL(net->offset[2], 30);
  CU_ASSERT_EQUAL(net->offset[3], 65);
  for (size_t k = 0; k < net->n_params; k++) CU_ASSERT_EQUAL(gsl_vector_get(net->params, k), 0.0);
  bp_mlp_free(net);
}

/* W[l](j, i) is params[offset[l] + j n_l + i] and b[l][i] is params[offset[l] + n_{l-1} n_l + i], both ways;
 * dW and db alias grad the same way. */
static void mlp_weight_and_bias_views_should_alias_the_parameter_block(void) {
  const size_t sizes[4] = {4, 6, 5, 3};
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_LOGISTIC);
  CU_ASSERT_FATAL(net != NULL);
  double v = 0.1234;
  for (size_t l = 1; l <= 3; l++) {
    size_t nj = sizes[l - 1], ni = sizes[l];
    CU_ASSERT_EQUAL(net->W[l].matrix.size1, nj);
    CU_ASSERT_EQUAL(net->W[l].matrix.size2, ni);
    CU_ASSERT_EQUAL(net->b[l].vector.size, ni);
    for (size_t j = 0; j < nj; j++)
      for (size_t i = 0; i < ni; i++) {
        size_t k = net->offset[l] + j * ni + i;
        gsl_matrix_set(&net->W[l].matrix, j, i, v += 1.0307);
        CU_ASSERT_EQUAL(gsl_vector_get(net->params, k), v);
        gsl_vector_set(net->params, k, -v);
        CU_ASSERT_EQUAL(gsl_matrix_get(&net->W[l].matrix, j, i), -v);
        gsl_matrix_set(&net->dW[l].matrix, j, i, 2.0 * v);
        CU_ASSERT_EQUAL(gsl_vector_get(net->grad, k), 2.0 * v);
      }
    for (size_t i = 0; i < ni; i++) {
      size_t k = net->offset[l] + nj * ni + i;
      gsl_vector_set(&net->b[l].vector, i, v += 0.7071);
      CU_ASSERT_EQUAL(gsl_vector_get(net->params, k), v);
      gsl_vector_set(&net->db[l].vector, i, 3.0 * v);
      CU_ASSERT_EQUAL(gsl_vector_get(net->grad, k), 3.0 * v);
    }
  }
  /* every parameter was written exactly once: the blocks tile params */
  for (size_t k = 0; k < net->n_params; k++) CU_ASSERT(gsl_vector_get(net->params, k) != 0.0);
  bp_mlp_free(net);
}

/* ---- forward and loss ------------------------------------------------------------------------------------------- */

/* One example through the network, written out: s_i = b_i + sum_j x_j w_ji (eq. 3), x = 1 / (1 + e^{-s})
 * (eq. 2) or e^{s_i} / sum_c e^{s_c} (eq. 17). acts[l] gets layer l; s_top and s_mag (sum of |terms| of each s_i)
 * the top layer's sums. */
static void forward_one_example(const bp_mlp *net, const gsl_matrix *X0, size_t r, double acts[][MAX_UNITS],
                                double *s_top, double *s_mag) {
  size_t L = net->n_layers;
  for (size_t j = 0; j < net->sizes[0]; j++) acts[0][j] = gsl_matrix_get(X0, r, j);
  for (size_t l = 1; l <= L; l++) {
    double s[MAX_UNITS], z = 0.0;
    for (size_t i = 0; i < net->sizes[l]; i++) {
      double bi = gsl_vector_get(&net->b[l].vector, i);
      s[i] = bi;
      s_mag[i] = fabs(bi);
      for (size_t j = 0; j < net->sizes[l - 1]; j++) {
        double term = acts[l - 1][j] * gsl_matrix_get(&net->W[l].matrix, j, i);
        s[i] += term;
        s_mag[i] += fabs(term);
      }
      z += exp(s[i]);
    }
    for (size_t i = 0; i < net->sizes[l]; i++) {
      acts[l][i] = (l < L || net->output == BP_OUTPUT_LOGISTIC) ? 1.0 / (1.0 + exp(-s[i])) : exp(s[i]) / z;
      if (l == L) s_top[i] = s[i];
    }
  }
}

/* eq. (3) eq. (2) eq. (17): the batch forward (gsl_blas_dgemm + dger) against the per-example loop, for every
 * layer's activations and the output sums, with logistic and softmax outputs. */
static void mlp_forward_should_equal_a_per_example_loop_for_both_output_types(void) {
  const size_t sizes[4] = {4, 6, 5, 3}, batch = 3;
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(3, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, batch, 303);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(bp_mlp_forward(p->net, p->ws, p->X0), GSL_SUCCESS);
    for (size_t r = 0; r < batch; r++) {
      double acts[4][MAX_UNITS], s_top[MAX_UNITS], s_mag[MAX_UNITS];
      forward_one_example(p->net, p->X0, r, acts, s_top, s_mag);
      for (size_t l = 1; l <= 3; l++)
        for (size_t i = 0; i < sizes[l]; i++)
          ASSERT_REL_CLOSE(gsl_matrix_get(p->ws->X[l], r, i), acts[l][i], RTOL_TWO_WAYS);
      for (size_t i = 0; i < sizes[3]; i++)
        ASSERT_ABS_CLOSE(gsl_matrix_get(p->ws->S_out, r, i), s_top[i], SUM_RTOL * s_mag[i]);
    }
    bp_test_problem_free(p);
  }
}

/* eq. (36) eq. (38): the loss of a batch is the sum of the losses of its examples, each run alone through a
 * workspace of batch 1. */
static void mlp_loss_should_be_the_sum_of_the_per_example_losses(void) {
  const size_t sizes[4] = {4, 6, 5, 3}, batch = 3;
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(3, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, batch, 3638);
    CU_ASSERT_FATAL(p != NULL);
    bp_mlp_workspace *one = bp_mlp_workspace_alloc(p->net, 1);
    double E = 0.0, sum = 0.0;
    CU_ASSERT_EQUAL(bp_mlp_forward(p->net, p->ws, p->X0), GSL_SUCCESS);
    CU_ASSERT_EQUAL(bp_mlp_loss(p->net, p->ws, p->T, &E), GSL_SUCCESS);
    for (size_t r = 0; r < batch; r++) {
      gsl_matrix_const_view x = gsl_matrix_const_submatrix(p->X0, r, 0, 1, sizes[0]);
      gsl_matrix_const_view t = gsl_matrix_const_submatrix(p->T, r, 0, 1, sizes[3]);
      double Er = 0.0;
      CU_ASSERT_EQUAL(bp_mlp_forward(p->net, one, &x.matrix), GSL_SUCCESS);
      CU_ASSERT_EQUAL(bp_mlp_loss(p->net, one, &t.matrix, &Er), GSL_SUCCESS);
      CU_ASSERT(Er > 0.0);
      sum += Er;
    }
    ASSERT_REL_CLOSE(E, sum, RTOL_TWO_WAYS);
    bp_mlp_workspace_free(one);
    bp_test_problem_free(p);
  }
}

/* ---- backward against finite differences ------------------------------------------------------------------------- */

/* bp_mlp_gradient against central differences of bp_mlp_loss over every parameter (the closure writes the
 * parameters, then runs forward and loss): verdict PASS and ||a - n|| / ||n|| < 1e-8. */
static void check_gradient_against_central_differences(size_t n_layers, const size_t *sizes, bp_output output,
                                                       unsigned long seed) {
  bp_test_problem *p = bp_test_problem_alloc(n_layers, sizes, output, 3, seed);
  CU_ASSERT_FATAL(p != NULL);
  double E = 0.0;
  CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, &E), GSL_SUCCESS);
  CU_ASSERT(E > 0.0);
  gsl_vector *x = bp_vector_alloc(p->net->n_params);
  gsl_vector_memcpy(x, p->net->params);
  gsl_matrix_view G = gsl_matrix_view_vector(p->net->grad, 1, p->net->n_params);
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, NULL};
  ASSERT_JACOBIAN_MATCHES_FD(bp_mlp_error_function, &c, x, &G.matrix);
  gsl_vector_free(x);
  bp_test_problem_free(p);
}

static const size_t DEPTH1[2] = {7, 3}, DEPTH2[3] = {4, 6, 3}, DEPTH3[4] = {4, 6, 5, 3};

/* eq. (9) eq. (10): one logistic layer, dE/dw_ji = (x_i - t_i) x_j summed over the batch. */
static void mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_1(void) {
  check_gradient_against_central_differences(1, DEPTH1, BP_OUTPUT_LOGISTIC, 101);
}
/* eq. (11) eq. (12) eq. (13) eq. (14) eq. (15) eq. (16): one hidden layer below a logistic output. */
static void mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_2(void) {
  check_gradient_against_central_differences(2, DEPTH2, BP_OUTPUT_LOGISTIC, 102);
}
/* eq. (11) eq. (12) eq. (15) eq. (16): the recursion applied twice. */
static void mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_3(void) {
  check_gradient_against_central_differences(3, DEPTH3, BP_OUTPUT_LOGISTIC, 103);
}
/* eq. (26) eq. (28) eq. (29): one softmax layer. */
static void mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_1(void) {
  check_gradient_against_central_differences(1, DEPTH1, BP_OUTPUT_SOFTMAX, 201);
}
/* eq. (30) eq. (31): one hidden layer below a softmax output. */
static void mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_2(void) {
  check_gradient_against_central_differences(2, DEPTH2, BP_OUTPUT_SOFTMAX, 202);
}
/* eq. (30) eq. (31): the recursion applied twice. */
static void mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_3(void) {
  check_gradient_against_central_differences(3, DEPTH3, BP_OUTPUT_SOFTMAX, 203);
}

/* y = S_out (the output sums of the batch, row by row) with the parameters set to x. */
static int output_sums_of_params(const gsl_vector *x, gsl_vector *y, void *params) {
  bp_test_problem *p = params;
  gsl_vector_memcpy(p->net->params, x);
  int status = bp_mlp_forward(p->net, p->ws, p->X0);
  gsl_matrix_view Y = gsl_matrix_view_vector(y, p->ws->S_out->size1, p->ws->S_out->size2);
  gsl_matrix_memcpy(&Y.matrix, p->ws->S_out);
  return status;
}

/* eq. (8) eq. (3): ds_i/dw_ji = x_j (and ds_i/db_i = 1, ds_i/dw_jk = 0 for k != i), the whole Jacobian of the
 * output sums of a batch with respect to every parameter of one layer, against central differences. */
static void output_sums_should_have_derivative_x_j_with_respect_to_w_ji(void) {
  const size_t sizes[2] = {5, 3}, batch = 3, n_out = 3;
  bp_test_problem *p = bp_test_problem_alloc(1, sizes, BP_OUTPUT_LOGISTIC, batch, 8);
  CU_ASSERT_FATAL(p != NULL);
  size_t n = p->net->n_params;
  gsl_matrix *J = bp_matrix_alloc(batch * n_out, n);
  for (size_t r = 0; r < batch; r++)
    for (size_t i = 0; i < n_out; i++) {
      for (size_t j = 0; j < sizes[0]; j++)
        gsl_matrix_set(J, r * n_out + i, j * n_out + i, gsl_matrix_get(p->X0, r, j));
      gsl_matrix_set(J, r * n_out + i, sizes[0] * n_out + i, 1.0);
    }
  gsl_vector *x = bp_vector_alloc(n);
  gsl_vector_memcpy(x, p->net->params);
  ASSERT_JACOBIAN_MATCHES_FD(output_sums_of_params, p, x, J);
  gsl_vector_free(x);
  gsl_matrix_free(J);
  bp_test_problem_free(p);
}

/* ---- backward against the formulas of the notes, written out per example ---------------------------------------- */

/* eq. (4) eq. (5) eq. (6) eq. (7) eq. (8) eq. (10) eq. (29): one layer. The library's gradient against
 * sum_b dE/dx_i (eq. 6) * x_i (1 - x_i) (eq. 7) * x_j (eq. 8) -- the three factors of eq. (4) -- and against
 * sum_b (x_i - t_i) x_j (eq. 10 / 29). For softmax only eq. (29) applies (the Jacobian is not diagonal). */
static void one_layer_gradient_should_be_the_product_of_the_factors_of_eq_4_and_equal_eq_10(void) {
  const size_t sizes[2] = {5, 3}, batch = 3;
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(1, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, batch, 410);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
    const gsl_matrix *X = p->ws->X[1];
    for (size_t i = 0; i < sizes[1]; i++) {
      double db = 0.0, db_mag = 0.0;
      for (size_t j = 0; j < sizes[0]; j++) {
        double eq10 = 0.0, eq4 = 0.0, mag = 0.0;
        for (size_t r = 0; r < batch; r++) {
          double x = gsl_matrix_get(X, r, i), t = gsl_matrix_get(p->T, r, i), xj = gsl_matrix_get(p->X0, r, j);
          double dE_dx = (x - t) / (x * (1.0 - x)); /* eq. (6) */
          eq10 += (x - t) * xj;
          eq4 += dE_dx * (x * (1.0 - x)) * xj;
          mag += fabs((x - t) * xj);
        }
        double lib = gsl_matrix_get(&p->net->dW[1].matrix, j, i);
        ASSERT_ABS_CLOSE(lib, eq10, SUM_RTOL * mag);
        if (!out) ASSERT_ABS_CLOSE(lib, eq4, SUM_RTOL * mag);
      }
      for (size_t r = 0; r < batch; r++) {
        db += gsl_matrix_get(X, r, i) - gsl_matrix_get(p->T, r, i);
        db_mag += fabs(gsl_matrix_get(X, r, i) - gsl_matrix_get(p->T, r, i));
      }
      ASSERT_ABS_CLOSE(gsl_vector_get(&p->net->db[1].vector, i), db, SUM_RTOL * db_mag);
    }
    bp_test_problem_free(p);
  }
}

/* eq. (12) eq. (14) eq. (16) eq. (31): two layers, per example and per unit as printed in the notes.
 *   eq. (12), eq. (31): dE/ds_j = sum_i (x_i - t_i) w_ji x_j (1 - x_j)
 *   eq. (14):      dE/dx_j = sum_i dE/dx_i x_i (1 - x_i) w_ji   (logistic output; times x_j (1 - x_j) it is eq. 12)
 *   eq. (16):      dE/dw_kj = sum_i (x_i - t_i) w_ji x_j (1 - x_j) x_k, summed over the batch. */
static void two_layer_gradient_should_follow_eq_12_eq_14_and_eq_16_per_example(void) {
  const size_t sizes[3] = {4, 6, 3}, batch = 3, nk = 4, nj = 6, ni = 3;
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(2, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, batch, 1216);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
    const gsl_matrix *W2 = &p->net->W[2].matrix, *X1 = p->ws->X[1], *X2 = p->ws->X[2];
    double dW1[4][6] = {{0}}, dW1_mag[4][6] = {{0}};
    for (size_t r = 0; r < batch; r++)
      for (size_t j = 0; j < nj; j++) {
        double xj = gsl_matrix_get(X1, r, j), eq12 = 0.0, eq12_mag = 0.0, eq14 = 0.0, eq14_mag = 0.0;
        for (size_t i = 0; i < ni; i++) {
          double xi = gsl_matrix_get(X2, r, i), ti = gsl_matrix_get(p->T, r, i), w = gsl_matrix_get(W2, j, i);
          eq12 += (xi - ti) * w * (xj * (1.0 - xj));
          eq12_mag += fabs((xi - ti) * w) * (xj * (1.0 - xj));
          double dE_dxi = (xi - ti) / (xi * (1.0 - xi)); /* eq. (6) */
          eq14 += dE_dxi * (xi * (1.0 - xi)) * w;
          eq14_mag += fabs((xi - ti) * w);
        }
        if (!out) ASSERT_ABS_CLOSE(eq14 * (xj * (1.0 - xj)), eq12, SUM_RTOL * eq14_mag * (xj * (1.0 - xj)));
        /* the library's dS_1 is eq. (12) */
        ASSERT_ABS_CLOSE(gsl_matrix_get(p->ws->dS[1], r, j), eq12, SUM_RTOL * eq12_mag);
        for (size_t k = 0; k < nk; k++) {
          double xk = gsl_matrix_get(p->X0, r, k);
          dW1[k][j] += eq12 * xk;
          dW1_mag[k][j] += eq12_mag * fabs(xk);
        }
      }
    for (size_t k = 0; k < nk; k++)
      for (size_t j = 0; j < nj; j++)
        ASSERT_ABS_CLOSE(gsl_matrix_get(&p->net->dW[1].matrix, k, j), dW1[k][j], SUM_RTOL * dW1_mag[k][j]);
    bp_test_problem_free(p);
  }
}

/* ---- accumulation and batches ------------------------------------------------------------------------------------ */

/* For each parameter, the sum over the batch of |the terms| the backward adds into it: |X_{l-1}|^T |dS_l| for W_l,
 * 1^T |dS_l| for b_l (from the dS left in the workspace by the last backward). The error bound of the sums. */
static gsl_vector *gradient_term_magnitudes(const bp_mlp *net, const bp_mlp_workspace *ws, const gsl_matrix *X0) {
  gsl_vector *mag = bp_vector_alloc(net->n_params);
  for (size_t l = 1; l <= net->n_layers; l++) {
    const gsl_matrix *below = (l == 1) ? X0 : ws->X[l - 1];
    gsl_matrix *A = bp_matrix_alloc(below->size1, below->size2);
    gsl_matrix *D = bp_matrix_alloc(ws->dS[l]->size1, ws->dS[l]->size2);
    for (size_t r = 0; r < A->size1; r++) {
      for (size_t c = 0; c < A->size2; c++) gsl_matrix_set(A, r, c, fabs(gsl_matrix_get(below, r, c)));
      for (size_t c = 0; c < D->size2; c++) gsl_matrix_set(D, r, c, fabs(gsl_matrix_get(ws->dS[l], r, c)));
    }
    size_t nj = net->sizes[l - 1], ni = net->sizes[l];
    gsl_matrix_view M = gsl_matrix_view_array(mag->data + net->offset[l], nj, ni);
    gsl_vector_view mb = gsl_vector_view_array(mag->data + net->offset[l] + nj * ni, ni);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, A, D, 0.0, &M.matrix);
    gsl_blas_dgemv(CblasTrans, 1.0, D, ws->ones, 0.0, &mb.vector);
    gsl_matrix_free(A);
    gsl_matrix_free(D);
  }
  return mag;
}

/* backward adds into net->grad: a second backward after one forward gives twice the gradient. */
static void mlp_backward_should_accumulate_into_the_gradient(void) {
  const size_t sizes[4] = {4, 6, 5, 3};
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(3, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 3, 22);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
    gsl_vector *once = bp_vector_alloc(p->net->n_params);
    gsl_vector_memcpy(once, p->net->grad);
    gsl_vector *mag = gradient_term_magnitudes(p->net, p->ws, p->X0);
    CU_ASSERT_EQUAL(bp_mlp_backward(p->net, p->ws, p->X0, p->T), GSL_SUCCESS);
    for (size_t k = 0; k < p->net->n_params; k++) {
      ASSERT_ABS_CLOSE(gsl_vector_get(p->net->grad, k), 2.0 * gsl_vector_get(once, k),
                       SUM_RTOL * 2.0 * gsl_vector_get(mag, k));
      CU_ASSERT(gsl_vector_get(mag, k) > 0.0);
    }
    bp_mlp_zero_grad(p->net);
    for (size_t k = 0; k < p->net->n_params; k++) CU_ASSERT_EQUAL(gsl_vector_get(p->net->grad, k), 0.0);
    gsl_vector_free(once);
    gsl_vector_free(mag);
    bp_test_problem_free(p);
  }
}

/* eq. (1) eq. (18): the error of a batch is the sum of the examples' errors (eq. 1 or 18 per example), so its
 * gradient is the sum of the examples' gradients:
 * each example run alone (forward + backward accumulating into one gradient) against the batch of 3. */
static void mlp_gradient_of_a_batch_should_be_the_sum_of_the_per_example_gradients(void) {
  const size_t sizes[4] = {4, 6, 5, 3}, batch = 3;
  for (int out = 0; out < 2; out++) {
    bp_test_problem *p = bp_test_problem_alloc(3, sizes, out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, batch, 333);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
    gsl_vector *whole = bp_vector_alloc(p->net->n_params);
    gsl_vector_memcpy(whole, p->net->grad);
    gsl_vector *mag = gradient_term_magnitudes(p->net, p->ws, p->X0);
    bp_mlp_workspace *one = bp_mlp_workspace_alloc(p->net, 1);
    bp_mlp_zero_grad(p->net);
    for (size_t r = 0; r < batch; r++) {
      gsl_matrix_const_view x = gsl_matrix_const_submatrix(p->X0, r, 0, 1, sizes[0]);
      gsl_matrix_const_view t = gsl_matrix_const_submatrix(p->T, r, 0, 1, sizes[3]);
      CU_ASSERT_EQUAL(bp_mlp_forward(p->net, one, &x.matrix), GSL_SUCCESS);
      CU_ASSERT_EQUAL(bp_mlp_backward(p->net, one, &x.matrix, &t.matrix), GSL_SUCCESS);
    }
    for (size_t k = 0; k < p->net->n_params; k++)
      ASSERT_ABS_CLOSE(gsl_vector_get(p->net->grad, k), gsl_vector_get(whole, k), SUM_RTOL * gsl_vector_get(mag, k));
    bp_mlp_workspace_free(one);
    gsl_vector_free(whole);
    gsl_vector_free(mag);
    bp_test_problem_free(p);
  }
}

/* ---- error paths ------------------------------------------------------------------------------------------------- */

static void mlp_should_reject_inputs_and_targets_of_the_wrong_shape_and_name_the_function(void) {
  const size_t sizes[3] = {4, 6, 3};
  bp_test_problem *p = bp_test_problem_alloc(2, sizes, BP_OUTPUT_SOFTMAX, 3, 404);
  CU_ASSERT_FATAL(p != NULL);
  gsl_matrix *X_cols = bp_matrix_alloc(3, 5), *X_rows = bp_matrix_alloc(2, 4);
  gsl_matrix *T_cols = bp_matrix_alloc(3, 4), *T_rows = bp_matrix_alloc(4, 3);
  double E = 1.618;
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward(p->net, p->ws, X_cols), GSL_EBADLEN, "bp_mlp_forward");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward(p->net, p->ws, X_rows), GSL_EBADLEN, "bp_mlp_forward");
  CU_ASSERT_EQUAL(bp_mlp_forward(p->net, p->ws, p->X0), GSL_SUCCESS);
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_loss(p->net, p->ws, T_cols, &E), GSL_EBADLEN, "bp_mlp_loss");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_loss(p->net, p->ws, T_rows, &E), GSL_EBADLEN, "bp_mlp_loss");
  CU_ASSERT_EQUAL(E, 1.618);
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_backward(p->net, p->ws, p->X0, T_cols), GSL_EBADLEN, "bp_mlp_backward");
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_backward(p->net, p->ws, X_cols, p->T), GSL_EBADLEN, "bp_mlp_backward");
  CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, X_rows, p->T, &E), GSL_EBADLEN);
  CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, T_rows, &E), GSL_EBADLEN);
  CU_ASSERT_EQUAL(E, 1.618);
  /* a workspace allocated for another network */
  const size_t other_sizes[3] = {4, 5, 3};
  bp_mlp *other = bp_mlp_alloc(1, other_sizes, BP_OUTPUT_SOFTMAX);
  bp_mlp_workspace *ws_other = bp_mlp_workspace_alloc(other, 3);
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_forward(p->net, ws_other, p->X0), GSL_EINVAL, "bp_mlp_forward");
  bp_mlp_workspace_free(ws_other);
  bp_mlp_free(other);
  gsl_matrix_free(X_cols);
  gsl_matrix_free(X_rows);
  gsl_matrix_free(T_cols);
  gsl_matrix_free(T_rows);
  bp_test_problem_free(p);
}

/* ---- parameter names --------------------------------------------------------------------------------------------- */

static void mlp_param_name_and_index_should_round_trip_over_every_parameter(void) {
  const size_t sizes[4] = {4, 6, 5, 3};
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_LOGISTIC);
  CU_ASSERT_FATAL(net != NULL);
  char name[32];
  for (size_t k = 0; k < net->n_params; k++) {
    size_t back = (size_t)-1;
    CU_ASSERT_EQUAL(bp_mlp_param_name(net, k, name, sizeof name), GSL_SUCCESS);
    CU_ASSERT_EQUAL(bp_mlp_param_index(net, name, &back), GSL_SUCCESS);
    CU_ASSERT_EQUAL(back, k);
  }
  static const struct {
    size_t k;
    const char *name;
  } known[] = {{0, "W1[0,0]"},
               {23, "W1[3,5]"},
               {24, "b1[0]"},
               {29, "b1[5]"},
               {30 + 1 * 5 + 2, "W2[1,2]"},
               {65, "W3[0,0]"},
               {65 + 4 * 3 + 1, "W3[4,1]"},
               {82, "b3[2]"}};
  for (size_t n = 0; n < sizeof known / sizeof known[0]; n++) {
    CU_ASSERT_EQUAL(bp_mlp_param_name(net, known[n].k, name, sizeof name), GSL_SUCCESS);
    CU_ASSERT_STRING_EQUAL(name, known[n].name);
  }
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_param_name(net, 83, name, sizeof name), GSL_EINVAL, "83");
  bp_mlp_free(net);
}

static void mlp_param_index_should_reject_unknown_and_malformed_names(void) {
  const size_t sizes[4] = {4, 6, 5, 3};
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_LOGISTIC);
  CU_ASSERT_FATAL(net != NULL);
  static const char *const bad[] = {"W0[0,0]",
                                    "W9[0,0]",
                                    "W1[99,0]",
                                    "b1[x]",
                                    "W1[0,0]junk",
                                    "",
                                    "b1[6]",
                                    "W1[3,6]",
                                    "W1[4,0]",
                                    "W1[0]",
                                    "b1[0,0]",
                                    "w1[0,0]",
                                    "W1[-1,0]",
                                    "W1[0,0",
                                    "W1 [0,0]",
                                    "W[0,0]",
                                    "b4[0]",
                                    "W1[0,0]\n",
                                    "W1[99999999999999999999,0]"};
  for (size_t n = 0; n < sizeof bad / sizeof bad[0]; n++) {
    size_t k = 12345;
    bp_test_clear_message();
    CU_ASSERT_EQUAL(bp_mlp_param_index(net, bad[n], &k), GSL_EINVAL);
    CU_ASSERT_EQUAL(k, 12345);
    ASSERT_MESSAGE_CONTAINS(bad[n]);
  }
  bp_mlp_free(net);
}

/* eq. (9) at an extreme: s = 40 with t = 1. The rounded x is 1, so x - t from it would be 0; the backward pass
 * takes the delta from s and keeps dE/dw = (x - 1) x_in = -40 e^-40 / (1 + e^-40). */
static void backward_should_keep_the_output_delta_where_x_rounds_to_one(void) {
  size_t sizes[2] = {1, 1};
  bp_mlp *net = bp_mlp_alloc(1, sizes, BP_OUTPUT_LOGISTIC);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, 1) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
  gsl_matrix_set(&net->W[1].matrix, 0, 0, 1.0);
  double x_in = 40.0, t = 1.0, E = 0.0;
  gsl_matrix_view X0 = gsl_matrix_view_array(&x_in, 1, 1), T = gsl_matrix_view_array(&t, 1, 1);
  CU_ASSERT_EQUAL(bp_mlp_gradient(net, ws, &X0.matrix, &T.matrix, &E), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_matrix_get(ws->X[1], 0, 0), 1.0); /* the activation itself has rounded to 1 */
  ASSERT_REL_CLOSE(gsl_matrix_get(&net->dW[1].matrix, 0, 0), -40.0 * exp(-40.0) / (1.0 + exp(-40.0)), 1e-14);
  ASSERT_REL_CLOSE(gsl_vector_get(&net->db[1].vector, 0), -exp(-40.0) / (1.0 + exp(-40.0)), 1e-14);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
}

/* A workspace of another network is refused before gsl_blas sees it, even with GSL's default handler, which
 * would abort the process if a BLAS call reported the mismatch. */
static void forward_and_backward_should_refuse_a_workspace_of_another_network_without_aborting(void) {
  size_t sizes_a[] = {2, 3, 1}, sizes_b[] = {2, 5, 1};
  bp_mlp *net = bp_mlp_alloc(2, sizes_a, BP_OUTPUT_LOGISTIC), *other = bp_mlp_alloc(2, sizes_b, BP_OUTPUT_LOGISTIC);
  bp_mlp_workspace *ws = other ? bp_mlp_workspace_alloc(other, 1) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
  double x[2] = {0.3817, -2.385}, t = 0.25;
  gsl_matrix_view X0 = gsl_matrix_view_array(x, 1, 2), T = gsl_matrix_view_array(&t, 1, 1);
  gsl_error_handler_t *saved = gsl_set_error_handler(NULL); /* NULL restores GSL's default: abort */
  int forward = bp_mlp_forward(net, ws, &X0.matrix), backward = bp_mlp_backward(net, ws, &X0.matrix, &T.matrix);
  gsl_set_error_handler(saved);
  CU_ASSERT_EQUAL(forward, GSL_EINVAL);
  CU_ASSERT_EQUAL(backward, GSL_EINVAL);
  ASSERT_MESSAGE_CONTAINS("different network");
  bp_mlp_workspace_free(ws);
  bp_mlp_free(other);
  bp_mlp_free(net);
}

int register_mlp(void) {
  static const bp_test_case cases[] = {
      {"forward_and_backward_should_refuse_a_workspace_of_another_network_without_aborting",
       forward_and_backward_should_refuse_a_workspace_of_another_network_without_aborting},
      {"backward_should_keep_the_output_delta_where_x_rounds_to_one",
       backward_should_keep_the_output_delta_where_x_rounds_to_one},
      {"mlp_alloc_should_reject_bad_layer_counts_and_sizes_with_a_message",
       mlp_alloc_should_reject_bad_layer_counts_and_sizes_with_a_message},
      {"mlp_param_count_should_be_the_sum_of_fan_in_plus_one_times_units",
       mlp_param_count_should_be_the_sum_of_fan_in_plus_one_times_units},
      {"mlp_weight_and_bias_views_should_alias_the_parameter_block",
       mlp_weight_and_bias_views_should_alias_the_parameter_block},
      {"mlp_forward_should_equal_a_per_example_loop_for_both_output_types",
       mlp_forward_should_equal_a_per_example_loop_for_both_output_types},
      {"mlp_loss_should_be_the_sum_of_the_per_example_losses", mlp_loss_should_be_the_sum_of_the_per_example_losses},
      {"mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_1",
       mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_1},
      {"mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_2",
       mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_2},
      {"mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_3",
       mlp_gradient_should_match_central_differences_for_a_logistic_output_at_depth_3},
      {"mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_1",
       mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_1},
      {"mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_2",
       mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_2},
      {"mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_3",
       mlp_gradient_should_match_central_differences_for_a_softmax_output_at_depth_3},
      {"output_sums_should_have_derivative_x_j_with_respect_to_w_ji",
       output_sums_should_have_derivative_x_j_with_respect_to_w_ji},
      {"one_layer_gradient_should_be_the_product_of_the_factors_of_eq_4_and_equal_eq_10",
       one_layer_gradient_should_be_the_product_of_the_factors_of_eq_4_and_equal_eq_10},
      {"two_layer_gradient_should_follow_eq_12_eq_14_and_eq_16_per_example",
       two_layer_gradient_should_follow_eq_12_eq_14_and_eq_16_per_example},
      {"mlp_backward_should_accumulate_into_the_gradient", mlp_backward_should_accumulate_into_the_gradient},
      {"mlp_gradient_of_a_batch_should_be_the_sum_of_the_per_example_gradients",
       mlp_gradient_of_a_batch_should_be_the_sum_of_the_per_example_gradients},
      {"mlp_should_reject_inputs_and_targets_of_the_wrong_shape_and_name_the_function",
       mlp_should_reject_inputs_and_targets_of_the_wrong_shape_and_name_the_function},
      {"mlp_param_name_and_index_should_round_trip_over_every_parameter",
       mlp_param_name_and_index_should_round_trip_over_every_parameter},
      {"mlp_param_index_should_reject_unknown_and_malformed_names",
       mlp_param_index_should_reject_unknown_and_malformed_names},
  };
  return bp_test_add_suite("multilayer perceptron", cases, sizeof cases / sizeof cases[0]);
}
