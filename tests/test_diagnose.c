/* test_diagnose.c - why a gradient is wrong: each diagnosis is provoked by planting its bug in a real backward pass
 * of a small network, checked against central differences by the real checker, then diagnosed.
 *
 * The classic mistakes are planted by the module diagnose.c reproduces them with (mistakes.h); tests/test_mistakes.c
 * holds that module to a plain loop over examples and units written independently, so a diagnosis names the code a
 * student writes. Mistakes the module does not model are made on the gradient afterwards (edit_gradient). Without a
 * bug the gradient must pass the checker (the first tests), or the rest would mean nothing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "diagnose.h"
#include "mistakes.h"
#include "netcheck.h"
#include "test_util.h"

#define BATCH 3

/* The gradient of the network with `mistake` planted at `layer` (0: where the mistake's default puts it) by the
 * module of classic mistakes (mistakes.h; tests/test_mistakes.c holds it to a loop written independently). */
static void planted_gradient(const bp_test_problem *p, bp_mistake mistake, size_t layer, gsl_vector *grad) {
  bp_plant plant = bp_plant_default(mistake);
  plant.layer = layer;
  CU_ASSERT_EQUAL(bp_mistake_gradient(p->net, p->X0, p->T, &plant, grad), GSL_SUCCESS);
}

/* Mistakes the module does not model, made on a gradient afterwards (each is exact as a change of the result). */
typedef enum {
  EDIT_NONE,
  EDIT_OFF_BY_ONE_STORE,   /* dE/dw stored one index too far in W<layer>: W's last value lands on b<layer>[0] */
  EDIT_DOUBLED_BELOW,      /* 2 dE/dx_j x_j(1 - x_j) at `layer`: every entry of layers <= layer doubled */
  EDIT_BIAS_NEVER_WRITTEN, /* b<layer>'s gradient left at zero */
  EDIT_GARBLED             /* layer `layer`'s entries times 1 + 0.3 sin(1.7 k + 0.4): no pattern bpcheck knows */
} edit;

static void edit_gradient(const bp_mlp *net, edit e, size_t layer, gsl_vector *grad) {
  size_t off = net->offset[layer], nw = net->sizes[layer - 1] * net->sizes[layer], ni = net->sizes[layer];
  double *g = grad->data;
  switch (e) {
  case EDIT_OFF_BY_ONE_STORE:
    for (size_t k = nw; k-- > 0;) g[off + k + 1] = (k + 1 == nw ? g[off + nw] : 0.0) + g[off + k];
    g[off] = 0.0;
    break;
  case EDIT_DOUBLED_BELOW:
    for (size_t k = 0; k < off + nw + ni; k++) g[k] *= 2.0;
    break;
  case EDIT_BIAS_NEVER_WRITTEN:
    for (size_t i = 0; i < ni; i++) g[off + nw + i] = 0.0;
    break;
  case EDIT_GARBLED:
    for (size_t k = off; k < off + nw + ni; k++) g[k] *= 1.0 + 0.3 * sin(1.7 * (double)k + 0.4);
    break;
  default: break;
  }
}

/* The analytic gradient `grad` against central differences of the network's loss (the real checker), then
 * diagnosed with the network as context. Returns the bp_diagnose status; verdict as judged. */
static int check_and_diagnose(bp_test_problem *p, gsl_vector *grad, bp_verdict *verdict, bp_diagnosis *d) {
  bp_gradcheck *gc = bp_gradcheck_alloc(p->net->n_params);
  if (gc == NULL) return GSL_ENOMEM;
  bp_tolerance tol = bp_tolerance_default();
  bp_mlp_closure c = {.net = p->net, .ws = p->ws, .X0 = p->X0, .T = p->T};
  gsl_matrix_view J = gsl_matrix_view_vector(grad, 1, grad->size);
  int status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){bp_mlp_error_function, NULL, &c, NULL},
                                     p->net->params, &J.matrix, &tol);
  bp_diagnosis_context ctx = {p->net, p->X0, p->T};
  if (!status) status = bp_diagnose(gc, &ctx, d);
  *verdict = gc->verdict;
  bp_gradcheck_free(gc);
  return status;
}

/* Plants `mistake` at `layer` in a network of `sizes`, makes the edit at edit_layer, checks and diagnoses it. Prints
 * the sentence when the kind is not the expected one. Returns 1 when the check FAILs and the kind is `expected`. */
static int planted_bug_is_diagnosed(size_t n_layers, const size_t *sizes, bp_output output, unsigned long seed,
                                    bp_mistake mistake, size_t layer, edit e, size_t edit_layer,
                                    bp_diagnosis_kind expected, bp_diagnosis *d) {
  bp_test_problem *p = bp_test_problem_alloc(n_layers, sizes, output, BATCH, seed);
  gsl_vector *grad = p ? bp_vector_alloc(p->net->n_params) : NULL;
  int ok = 0;
  if (grad != NULL) {
    planted_gradient(p, mistake, layer, grad);
    if (e != EDIT_NONE) edit_gradient(p->net, e, edit_layer, grad);
    bp_verdict verdict = BP_VERDICT_PASS;
    int status = check_and_diagnose(p, grad, &verdict, d);
    ok = status == GSL_SUCCESS && verdict == BP_VERDICT_FAIL && d->kind == expected;
    if (!ok)
      printf("\n  planted %s at layer %zu, edit %d at layer %zu: status %d, verdict %s, diagnosis %s (expected %s): "
             "%s\n",
             bp_mistake_describe(mistake)->name, layer, (int)e, edit_layer, status, bp_verdict_name(verdict),
             bp_diagnosis_kind_name(d->kind), bp_diagnosis_kind_name(expected), d->sentence);
  }
  if (grad) gsl_vector_free(grad);
  bp_test_problem_free(p);
  return ok;
}

static const size_t net_3_4_2[] = {3, 4, 2};
static const size_t net_4_5_3[] = {4, 5, 3};
static const size_t net_4_5_4_3[] = {4, 5, 4, 3};
static const size_t net_3_4_4_2[] = {3, 4, 4, 2}; /* W2 is square: a transpose keeps its shape */

static int contains(const char *sentence, const char *needle) {
  if (strstr(sentence, needle) != NULL) return 1;
  printf("\n  the sentence \"%s\" does not contain \"%s\"\n", sentence, needle);
  return 0;
}
#define ASSERT_SAYS(d, needle) CU_ASSERT(contains((d).sentence, (needle)))

/* ---- the planted backward itself is right ----------------------------------------------------------------------- */

static void the_planted_backward_without_a_bug_should_pass_and_get_no_diagnosis(void) {
  bp_diagnosis d;
  for (int o = 0; o < 2; o++) {
    bp_output out = o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC;
    bp_test_problem *p = bp_test_problem_alloc(3, net_4_5_4_3, out, BATCH, 11);
    gsl_vector *grad = bp_vector_alloc(p->net->n_params);
    planted_gradient(p, BP_MISTAKE_NONE, 0, grad);
    bp_verdict verdict = BP_VERDICT_FAIL;
    CU_ASSERT_EQUAL(check_and_diagnose(p, grad, &verdict, &d), GSL_SUCCESS);
    CU_ASSERT_EQUAL(verdict, BP_VERDICT_PASS);
    CU_ASSERT_EQUAL(d.kind, BP_DIAG_NONE);
    gsl_vector_free(grad);
    bp_test_problem_free(p);
  }
}

/* ---- a right gradient never gets a diagnosis ------------------------------------------------------------------ */

static void a_correct_gradient_should_never_get_a_diagnosis(void) {
  const size_t *nets[] = {net_3_4_2, net_4_5_3, net_4_5_4_3, net_3_4_4_2};
  const size_t layers[] = {2, 2, 3, 3};
  for (size_t k = 0; k < 4; k++)
    for (int o = 0; o < 2; o++)
      for (unsigned long seed = 1; seed <= 3; seed++) {
        bp_test_problem *p = bp_test_problem_alloc(layers[k], nets[k], o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC,
                                                   BATCH, 100 * k + seed);
        CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
        gsl_vector *grad = bp_vector_alloc(p->net->n_params);
        gsl_vector_memcpy(grad, p->net->grad);
        bp_verdict verdict = BP_VERDICT_FAIL;
        bp_diagnosis d;
        CU_ASSERT_EQUAL(check_and_diagnose(p, grad, &verdict, &d), GSL_SUCCESS);
        CU_ASSERT_EQUAL(verdict, BP_VERDICT_PASS);
        CU_ASSERT_EQUAL(d.kind, BP_DIAG_NONE);
        gsl_vector_free(grad);
        bp_test_problem_free(p);
      }
}

/* ---- one planted bug per diagnosis ------------------------------------------------------------------------------ */

/* eq. (9), eq. (26) */
static void a_sign_flipped_output_delta_should_be_diagnosed_as_a_sign_flip(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(2, net_3_4_2, BP_OUTPUT_LOGISTIC, 3, BP_MISTAKE_SIGN, 0, EDIT_NONE, 0,
                                     BP_DIAG_SIGN, &d));
  ASSERT_REL_CLOSE(d.factor, -1.0, 1e-6);
  ASSERT_SAYS(d, "sign is flipped");
}

/* eq. (9), eq. (26) */
static void a_squared_loss_factor_two_should_be_diagnosed_as_factor_two(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_SOFTMAX, 5, BP_MISTAKE_FACTOR_TWO, 0, EDIT_NONE, 0,
                                     BP_DIAG_FACTOR, &d));
  ASSERT_REL_CLOSE(d.factor, 2.0, 1e-6);
  ASSERT_SAYS(d, "squared loss");
}

/* eq. (9) summed over the batch, eq. (10) */
static void a_mean_over_the_batch_should_be_diagnosed_as_factor_one_over_the_batch_size(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(2, net_3_4_2, BP_OUTPUT_LOGISTIC, 7, BP_MISTAKE_MEAN_OVER_BATCH, 0, EDIT_NONE, 0,
                                     BP_DIAG_FACTOR, &d));
  ASSERT_REL_CLOSE(d.factor, 1.0 / BATCH, 1e-6);
  ASSERT_SAYS(d, "batch size");
}

/* eq. (7), eq. (11), eq. (12) */
static void a_hidden_delta_without_x_one_minus_x_should_be_diagnosed_as_missing_derivative_in_layer_1(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 13, BP_MISTAKE_MISSING_DERIVATIVE, 1,
                                     EDIT_NONE, 0, BP_DIAG_MISSING_ACTIVATION_DERIVATIVE, &d));
  CU_ASSERT_EQUAL(d.layer, 1);
  ASSERT_SAYS(d, "layers above are right");
  ASSERT_SAYS(d, "x(1-x)");
}

/* eq. (6), eq. (7), eq. (9) */
static void an_output_delta_de_dx_should_be_diagnosed_as_missing_derivative_at_the_output(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(2, net_3_4_2, BP_OUTPUT_LOGISTIC, 17, BP_MISTAKE_MISSING_DERIVATIVE, 2, EDIT_NONE,
                                     0, BP_DIAG_MISSING_ACTIVATION_DERIVATIVE, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  ASSERT_SAYS(d, "eq. (6)");
}

/* eq. (7) */
static void a_derivative_taken_at_s_should_be_diagnosed_in_layer_2(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_SOFTMAX, 19, BP_MISTAKE_DERIVATIVE_AT_S, 2, EDIT_NONE, 0,
                                     BP_DIAG_DERIVATIVE_AT_S, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  ASSERT_SAYS(d, "s(1-s)");
}

/* eq. (13), eq. (14) */
static void deltas_sent_down_through_w_instead_of_its_transpose_should_be_diagnosed_as_transposed(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_3_4_4_2, BP_OUTPUT_LOGISTIC, 23, BP_MISTAKE_TRANSPOSED_PROPAGATION, 2,
                                     EDIT_NONE, 0, BP_DIAG_TRANSPOSED, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  CU_ASSERT_EQUAL(d.shift, 1);
  ASSERT_SAYS(d, "W2 instead of its transpose");
}

/* eq. (10), eq. (15) */
static void a_transposed_square_weight_gradient_should_be_diagnosed_as_transposed(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_3_4_4_2, BP_OUTPUT_SOFTMAX, 29, BP_MISTAKE_TRANSPOSED_BLOCK, 2, EDIT_NONE,
                                     0, BP_DIAG_TRANSPOSED, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  CU_ASSERT_EQUAL(d.shift, 0);
}

/* eq. (10), eq. (15) */
static void a_transposed_non_square_weight_gradient_should_be_diagnosed_as_transposed(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 31, BP_MISTAKE_TRANSPOSED_BLOCK, 3, EDIT_NONE,
                                     0, BP_DIAG_TRANSPOSED, &d));
  CU_ASSERT_EQUAL(d.layer, 3);
}

/* eq. (15) stored in the wrong place */
static void a_weight_gradient_stored_one_index_too_far_should_be_diagnosed_as_shifted_by_one(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 37, BP_MISTAKE_NONE, 0, EDIT_OFF_BY_ONE_STORE,
                                     2, BP_DIAG_PERMUTED, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  CU_ASSERT_EQUAL(d.shift, 1);
  ASSERT_SAYS(d, "W2[0,1] holds the value of W2[0,0]");
}

/* eq. (21), eq. (22) */
static void a_softmax_delta_with_only_the_jacobian_diagonal_should_be_diagnosed(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(2, net_4_5_3, BP_OUTPUT_SOFTMAX, 41, BP_MISTAKE_SOFTMAX_DIAGONAL, 0, EDIT_NONE, 0,
                                     BP_DIAG_SOFTMAX_DIAGONAL, &d));
  ASSERT_SAYS(d, "eq. (21)");
}

/* eq. (10), eq. (15) summed over the batch */
static void a_gradient_overwritten_per_example_should_be_diagnosed_as_the_last_example_alone(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(2, net_4_5_3, BP_OUTPUT_SOFTMAX, 43, BP_MISTAKE_OVERWRITTEN_BATCH, 0, EDIT_NONE, 0,
                                     BP_DIAG_OVERWRITTEN_BATCH, &d));
  CU_ASSERT_EQUAL(d.example, BATCH - 1);
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 47, BP_MISTAKE_OVERWRITTEN_BATCH, 0, EDIT_NONE,
                                     0, BP_DIAG_OVERWRITTEN_BATCH, &d));
  CU_ASSERT_EQUAL(d.example, BATCH - 1);
}

/* eq. (7), eq. (11), eq. (12) */
static void an_unknown_error_in_layer_1_should_be_located_as_wrong_layer_1(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 53, BP_MISTAKE_NONE, 0, EDIT_GARBLED, 1,
                                     BP_DIAG_WRONG_LAYER, &d));
  CU_ASSERT_EQUAL(d.layer, 1);
  ASSERT_SAYS(d, "layers above are right");
  CU_ASSERT(d.entry < (4 + 1) * 5); /* the worst entry cited is one of W1, b1 */
}

/* eq. (11), eq. (12) */
static void a_doubled_hidden_delta_should_be_a_factor_two_from_that_layer_down(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 71, BP_MISTAKE_NONE, 0, EDIT_DOUBLED_BELOW, 2,
                                     BP_DIAG_FACTOR, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  ASSERT_REL_CLOSE(d.factor, 2.0, 1e-6);
  ASSERT_SAYS(d, "From layer 2 down (the layers above are right): your gradient is 2 times");
}

/* eq. (3): the bias as the weight of a constant input 1 */
static void a_bias_gradient_never_written_should_be_a_factor_zero_in_that_block(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_SOFTMAX, 73, BP_MISTAKE_NONE, 0, EDIT_BIAS_NEVER_WRITTEN,
                                     3, BP_DIAG_FACTOR, &d));
  CU_ASSERT_EQUAL(d.layer, 3);
  CU_ASSERT_EQUAL(d.factor, 0.0);
  ASSERT_SAYS(d, "In b3");
}

/* Top-down: the first wrong layer gets its kind even when a layer below holds another mistake. */
static void a_missing_derivative_above_another_mistake_should_be_diagnosed_in_the_upper_layer(void) {
  bp_diagnosis d;
  CU_ASSERT(planted_bug_is_diagnosed(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, 79, BP_MISTAKE_MISSING_DERIVATIVE, 2,
                                     EDIT_GARBLED, 1, BP_DIAG_MISSING_ACTIVATION_DERIVATIVE, &d));
  CU_ASSERT_EQUAL(d.layer, 2);
  ASSERT_SAYS(d, "Layer 2 is wrong (the layers above are right)");
}

/* eq. (25), eq. (26): the library's x - t is right only for targets that sum to one per row. */
static void softmax_targets_not_summing_to_one_should_be_diagnosed_with_the_row_sum(void) {
  bp_test_problem *p = bp_test_problem_alloc(2, net_4_5_3, BP_OUTPUT_SOFTMAX, BATCH, 59);
  const double scale[BATCH] = {1.3, 0.85, 1.1};
  for (size_t r = 0; r < BATCH; r++) {
    gsl_vector_view row = gsl_matrix_row(p->T, r);
    gsl_vector_scale(&row.vector, scale[r]);
  }
  CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
  gsl_vector *grad = bp_vector_alloc(p->net->n_params);
  gsl_vector_memcpy(grad, p->net->grad);
  bp_verdict verdict = BP_VERDICT_PASS;
  bp_diagnosis d;
  CU_ASSERT_EQUAL(check_and_diagnose(p, grad, &verdict, &d), GSL_SUCCESS);
  CU_ASSERT_EQUAL(verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_TARGETS_NOT_NORMALIZED);
  CU_ASSERT_EQUAL(d.example, 0);
  ASSERT_REL_CLOSE(d.factor, 1.3, 1e-12);
  ASSERT_SAYS(d, "eq. (25)");
  gsl_vector_free(grad);
  bp_test_problem_free(p);
}

/* ---- every classic mistake of the module, named, on non-square networks ---------------------------------------- */

static const size_t net_3_6_4_2[] = {3, 6, 4, 2};

/* The plant's gradient on 3,6,4,2 (batch B), checked and diagnosed: the diagnosis names the planted mistake. */
static int plant_is_named(bp_output out, size_t batch, unsigned long seed, bp_plant plant, bp_diagnosis *d) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, out, batch, seed);
  gsl_vector *grad = p ? bp_vector_alloc(p->net->n_params) : NULL;
  int ok = 0;
  if (grad != NULL && plant.mistake == BP_MISTAKE_TARGETS_UNNORMALIZED)
    for (size_t r = 0; r < batch; r++) { /* eq. (25): rows that sum to 1.3, 0.8, ... */
      gsl_vector_view row = gsl_matrix_row(p->T, r);
      gsl_vector_scale(&row.vector, 1.3 - 0.5 * (double)(r % 2));
    }
  if (grad != NULL && bp_mistake_gradient(p->net, p->X0, p->T, &plant, grad) == GSL_SUCCESS) {
    bp_verdict verdict = BP_VERDICT_PASS;
    int status = check_and_diagnose(p, grad, &verdict, d);
    ok = status == GSL_SUCCESS && verdict == BP_VERDICT_FAIL && d->mistake == plant.mistake;
    if (!ok)
      printf("\n  %s output, batch %zu: planted %s at layer %zu: verdict %s, diagnosis %s naming %s: %s\n",
             out ? "softmax" : "logistic", batch, bp_mistake_describe(plant.mistake)->name, plant.layer,
             bp_verdict_name(verdict), bp_diagnosis_kind_name(d->kind), bp_mistake_describe(d->mistake)->name,
             d->sentence);
  }
  if (grad) gsl_vector_free(grad);
  bp_test_problem_free(p);
  return ok;
}

/* eq. (7), eq. (9)-(16), eq. (21)-(31): each mistake of the module, planted where it sits by default (every layer
 * it can be made at), is named by the diagnosis on logistic and softmax outputs with non-square layers. */
static void every_classic_mistake_should_be_named_on_non_square_networks(void) {
  for (int o = 0; o < 2; o++)
    for (int m = 1; m < BP_MISTAKE_N; m++) {
      bp_plant plant = bp_plant_default((bp_mistake)m);
      bp_test_problem *probe = bp_test_problem_alloc(3, net_3_6_4_2, o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 1, 1);
      int valid = bp_plant_valid(probe->net, &plant);
      bp_test_problem_free(probe);
      if (!valid || m == BP_MISTAKE_DERIVATIVE_FROM_X) continue; /* harmless away from saturation */
      bp_diagnosis d;
      CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 700 + 10 * (unsigned long)m + o,
                               plant, &d));
    }
}

/* eq. (13), eq. (14): through W2 (6 x 4, read as W[i*6 + j]) instead of W2^T: layer 1 is wrong, and named. */
static void deltas_through_a_non_square_w_should_be_named_transposed_propagation(void) {
  for (int o = 0; o < 2; o++) {
    bp_plant plant = bp_plant_default(BP_MISTAKE_TRANSPOSED_PROPAGATION);
    plant.layer = 2;
    bp_diagnosis d;
    CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 801 + (unsigned long)o, plant, &d));
    CU_ASSERT_EQUAL(d.kind, BP_DIAG_TRANSPOSED);
    CU_ASSERT_EQUAL(d.shift, 1);
    ASSERT_SAYS(d, "W2 instead of its transpose");
  }
}

/* eq. (10), eq. (15): dW2 from the activations of layer 2 instead of layer 1 (off by one layer). */
static void a_weight_gradient_from_the_wrong_layer_should_be_named(void) {
  for (int o = 0; o < 2; o++) {
    bp_plant plant = bp_plant_default(BP_MISTAKE_WRONG_LAYER_ACTIVATIONS);
    plant.layer = 2;
    bp_diagnosis d;
    CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 811 + (unsigned long)o, plant, &d));
    CU_ASSERT_EQUAL(d.kind, BP_DIAG_WRONG_LAYER_ACTIVATIONS);
    CU_ASSERT_EQUAL(d.layer, 2);
    ASSERT_SAYS(d, "off by one layer");
  }
}

/* eq. (13), eq. (14): deltas through W - eta dW; eta is measured back. */
static void deltas_through_updated_weights_should_be_named_with_the_step(void) {
  for (int o = 0; o < 2; o++) {
    bp_plant plant = bp_plant_default(BP_MISTAKE_UPDATED_WEIGHTS);
    plant.eta = 0.035;
    bp_diagnosis d;
    CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 821 + (unsigned long)o, plant, &d));
    CU_ASSERT_EQUAL(d.kind, BP_DIAG_UPDATED_WEIGHTS);
    ASSERT_REL_CLOSE(d.factor, 0.035, 1e-6);
    ASSERT_SAYS(d, "eta = 0.035");
  }
}

/* eq. (16), eq. (29): on a 2-output softmax each example's bias delta is (e, -e), so the bias block is a constant
 * multiple of the true one: the mistake is named, never "c times the true one". */
static void a_bias_not_summed_should_be_named_not_offered_as_a_factor(void) {
  for (int o = 0; o < 2; o++) {
    bp_diagnosis d;
    CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 831 + (unsigned long)o,
                             bp_plant_default(BP_MISTAKE_BIAS_NOT_SUMMED), &d));
    CU_ASSERT_EQUAL(d.kind, BP_DIAG_BIAS_NOT_SUMMED);
    CU_ASSERT_EQUAL(d.example, BATCH - 1);
    CU_ASSERT_PTR_NULL(strstr(d.sentence, "times the true one"));
    bp_plant one = bp_plant_default(BP_MISTAKE_BIAS_NOT_SUMMED);
    one.layer = 3;
    one.example = 0;
    CU_ASSERT(plant_is_named(o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 841 + (unsigned long)o, one, &d));
    CU_ASSERT_EQUAL(d.example, 0);
    ASSERT_SAYS(d, "In b3");
  }
}

/* eq. (9), eq. (10): with a batch of 2 a factor 1/2 is the mean over the batch or the 1/2 of a squared loss:
 * both are named, and neither is claimed as the mistake. */
static void a_factor_one_half_with_a_batch_of_two_should_name_both_candidates(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_LOGISTIC, 2, 851);
  gsl_vector *grad = bp_vector_alloc(p->net->n_params);
  bp_plant plant = bp_plant_default(BP_MISTAKE_MEAN_OVER_BATCH);
  CU_ASSERT_EQUAL(bp_mistake_gradient(p->net, p->X0, p->T, &plant, grad), GSL_SUCCESS);
  bp_verdict verdict;
  bp_diagnosis d;
  CU_ASSERT_EQUAL(check_and_diagnose(p, grad, &verdict, &d), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_FACTOR);
  ASSERT_REL_CLOSE(d.factor, 0.5, 1e-6);
  ASSERT_SAYS(d, "mean over the batch of 2");
  ASSERT_SAYS(d, "squared loss");
  CU_ASSERT_EQUAL(d.mistake, BP_MISTAKE_NONE);
  gsl_vector_free(grad);
  bp_test_problem_free(p);
}

/* A correct gradient is never diagnosed: bpcheck's backprop on 3,6,4,2 over many seeds, both outputs, batches of
 * 1 to 4. */
static void a_correct_gradient_should_never_be_diagnosed_over_many_seeds(void) {
  size_t diagnosed = 0, runs = 0;
  for (int o = 0; o < 2; o++)
    for (unsigned long seed = 1; seed <= 24; seed++) {
      bp_test_problem *p =
          bp_test_problem_alloc(3, net_3_6_4_2, o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 1 + seed % 4, 9000 + seed);
      CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
      gsl_vector *grad = bp_vector_alloc(p->net->n_params);
      gsl_vector_memcpy(grad, p->net->grad);
      bp_verdict verdict = BP_VERDICT_FAIL;
      bp_diagnosis d;
      CU_ASSERT_EQUAL(check_and_diagnose(p, grad, &verdict, &d), GSL_SUCCESS);
      if (verdict != BP_VERDICT_PASS || d.kind != BP_DIAG_NONE) {
        diagnosed++;
        printf("\n  seed %lu: verdict %s, diagnosis %s\n", seed, bp_verdict_name(verdict), d.sentence);
      }
      runs++;
      gsl_vector_free(grad);
      bp_test_problem_free(p);
    }
  CU_ASSERT_EQUAL(diagnosed, 0);
  CU_ASSERT_EQUAL(runs, 48);
}

/* ---- value patterns on a plain vector, no network ---------------------------------------------------------------- */

#define N_PLAIN 7
/* A gradcheck of N_PLAIN entries with numeric values n (one of them below the difference's resolution: 3e-13
 * with an estimate of 1e-12) and analytic values a, judged by bp_gradcheck_compare; then diagnosed without context. */
static int plain_diagnosis(const double *a, bp_diagnosis *d, bp_verdict *verdict) {
  static const double n[N_PLAIN] = {0.4137, -1.2851, 3e-13, 0.0729, -0.58213, 2.2047, -0.031};
  bp_gradcheck *gc = bp_gradcheck_alloc(N_PLAIN);
  for (size_t k = 0; k < N_PLAIN; k++) {
    gsl_vector_set(gc->analytic, k, a[k]);
    gsl_vector_set(gc->numeric, k, n[k]);
    gsl_vector_set(gc->estimate, k, 1e-12);
  }
  bp_tolerance tol = bp_tolerance_default();
  int status = bp_gradcheck_compare(gc, &tol);
  if (!status) status = bp_diagnose(gc, NULL, d);
  *verdict = gc->verdict;
  bp_gradcheck_free(gc);
  return status;
}

static void a_negated_vector_should_be_a_sign_flip_even_where_the_numeric_value_is_noise(void) {
  /* the 3e-13 entry is 0 on the analytic side: a/n there is 0, not -1, and must not matter */
  const double a[N_PLAIN] = {-0.4137, 1.2851, 0.0, -0.0729, 0.58213, -2.2047, 0.031};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(v, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_SIGN);
  CU_ASSERT_EQUAL(d.layer, 0);
}

static void a_scaled_vector_should_be_a_factor_with_the_measured_value(void) {
  const double n[N_PLAIN] = {0.4137, -1.2851, 3e-13, 0.0729, -0.58213, 2.2047, -0.031};
  double a[N_PLAIN];
  for (size_t k = 0; k < N_PLAIN; k++) a[k] = 2.385 * n[k];
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_FACTOR);
  ASSERT_REL_CLOSE(d.factor, 2.385, 1e-12);
  ASSERT_SAYS(d, "2.385 times");
}

static void a_zero_vector_should_be_a_factor_zero_that_says_nothing_was_written(void) {
  const double a[N_PLAIN] = {0};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_FACTOR);
  CU_ASSERT_EQUAL(d.factor, 0.0);
  ASSERT_SAYS(d, "nothing was written");
}

/* eq. (28) summed literally: sum_i (x_i - t_i) = 0 leaves rounding noise, no fixed ratio to n, still a zero. */
static void a_vector_of_rounding_noise_should_be_a_factor_zero(void) {
  const double a[N_PLAIN] = {2.7755575615628914e-17,  -1.3877787807814457e-17, 0.0, 5.551115123125783e-17,
                             -2.7755575615628914e-17, 1.3877787807814457e-17,  0.0};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(v, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_FACTOR);
  CU_ASSERT_EQUAL(d.factor, 0.0);
  ASSERT_SAYS(d, "zero (to rounding)");
}

static void a_vector_shifted_down_by_one_should_be_a_shift_of_minus_one(void) {
  /* a[k] = n[k + 1]: the last entry is shifted in from outside and not judged */
  const double a[N_PLAIN] = {-1.2851, 3e-13, 0.0729, -0.58213, 2.2047, -0.031, 0.0};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_PERMUTED);
  CU_ASSERT_EQUAL(d.shift, -1);
  ASSERT_SAYS(d, "entry 0 holds the value of entry 1");
}

static void a_vector_with_two_entries_swapped_should_be_a_permutation(void) {
  const double a[N_PLAIN] = {0.4137, 2.2047, 3e-13, 0.0729, -0.58213, -1.2851, -0.031};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_PERMUTED);
  CU_ASSERT_EQUAL(d.shift, 0);
  ASSERT_SAYS(d, "entry 1 holds the value that belongs to entry 5");
}

static void an_unrecognised_error_should_be_unknown_and_name_the_worst_entry(void) {
  const double a[N_PLAIN] = {0.4137, -1.2851, 3e-13, 0.0729, -0.61, 2.2047, -0.031};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_UNKNOWN);
  CU_ASSERT_EQUAL(d.entry, 4);
  ASSERT_SAYS(d, "entry 4");
  ASSERT_SAYS(d, "finite differences (the truth)");
}

static void a_passing_vector_should_get_no_diagnosis(void) {
  const double a[N_PLAIN] = {0.4137, -1.2851, 0.0, 0.0729, -0.58213, 2.2047, -0.031};
  bp_diagnosis d;
  bp_verdict v;
  CU_ASSERT_EQUAL(plain_diagnosis(a, &d, &v), GSL_SUCCESS);
  CU_ASSERT_EQUAL(v, BP_VERDICT_PASS);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_NONE);
}

/* ---- names and errors ------------------------------------------------------------------------------------------ */

static void every_kind_should_have_a_distinct_name(void) {
  for (int k = 0; k < BP_DIAG_N_KINDS; k++) {
    CU_ASSERT_STRING_NOT_EQUAL(bp_diagnosis_kind_name((bp_diagnosis_kind)k), "invalid");
    for (int m = 0; m < k; m++)
      CU_ASSERT_STRING_NOT_EQUAL(bp_diagnosis_kind_name((bp_diagnosis_kind)k),
                                 bp_diagnosis_kind_name((bp_diagnosis_kind)m));
  }
  CU_ASSERT_STRING_EQUAL(bp_diagnosis_kind_name(BP_DIAG_SIGN), "sign");
  CU_ASSERT_STRING_EQUAL(bp_diagnosis_kind_name((bp_diagnosis_kind)BP_DIAG_N_KINDS), "invalid");
}

static void bad_arguments_should_fail_with_a_message(void) {
  bp_test_problem *p = bp_test_problem_alloc(2, net_3_4_2, BP_OUTPUT_LOGISTIC, BATCH, 61);
  bp_gradcheck *gc = bp_gradcheck_alloc(p->net->n_params + 1);
  bp_diagnosis d;
  bp_diagnosis_context ctx = {p->net, p->X0, p->T};
  ASSERT_FAILS_WITH_MESSAGE(bp_diagnose(gc, NULL, NULL), GSL_EFAULT, "no diagnosis");
  ASSERT_FAILS_WITH_MESSAGE(bp_diagnose(NULL, NULL, &d), GSL_EFAULT, "no gradient check");
  ASSERT_FAILS_WITH_MESSAGE(bp_diagnose(gc, &ctx, &d), GSL_EBADLEN, "parameters");
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_UNKNOWN);
  bp_diagnosis_context wrong_targets = {p->net, p->X0, p->X0}; /* 3 columns for 2 outputs */
  bp_gradcheck *gc2 = bp_gradcheck_alloc(p->net->n_params);
  ASSERT_FAILS_WITH_MESSAGE(bp_diagnose(gc2, &wrong_targets, &d), GSL_EBADLEN, "targets");
  bp_gradcheck_free(gc2);
  bp_gradcheck_free(gc);
  bp_test_problem_free(p);
}

static void running_out_of_memory_should_fail_cleanly_with_enomem(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_4_5_4_3, BP_OUTPUT_LOGISTIC, BATCH, 67);
  gsl_vector *grad = bp_vector_alloc(p->net->n_params);
  planted_gradient(p, BP_MISTAKE_NONE, 0, grad);
  edit_gradient(p->net, EDIT_GARBLED, 1, grad);
  bp_gradcheck *gc = bp_gradcheck_alloc(p->net->n_params);
  bp_tolerance tol = bp_tolerance_default();
  bp_mlp_closure c = {.net = p->net, .ws = p->ws, .X0 = p->X0, .T = p->T};
  gsl_matrix_view J = gsl_matrix_view_vector(grad, 1, grad->size);
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){bp_mlp_error_function, NULL, &c, NULL},
                                        p->net->params, &J.matrix, &tol),
                  GSL_SUCCESS);
  bp_diagnosis_context ctx = {p->net, p->X0, p->T};
  bp_diagnosis d;
  /* every allocation count up to the one that succeeds: each failure is ENOMEM, never a crash or a leak */
  int succeeded = 0;
  for (long budget = 0; budget < 64 && !succeeded; budget++) {
    bp_fault_inject_alloc(budget);
    int status = bp_diagnose(gc, &ctx, &d);
    bp_fault_inject_alloc(-1);
    CU_ASSERT(status == GSL_SUCCESS || status == GSL_ENOMEM);
    if (status == GSL_ENOMEM) CU_ASSERT_EQUAL(d.kind, BP_DIAG_UNKNOWN);
    succeeded = status == GSL_SUCCESS;
  }
  CU_ASSERT(succeeded);
  CU_ASSERT_EQUAL(d.kind, BP_DIAG_WRONG_LAYER);
  bp_gradcheck_free(gc);
  gsl_vector_free(grad);
  bp_test_problem_free(p);
}

/* eq. (7), eq. (12): the saturated network (layers 3-4-3, hidden s ~ 25..95, seed 501). Its x(1-x) taken
 * from the rounded x (the planted derivative-from-x) fails the complex step by 1e-5 relative in the entries the
 * saturated units feed, and is diagnosed as saturation: the formula is right, computed from s it is fixed. The
 * true gradient of the same network passes and gets no diagnosis; so does the from-x one where nothing saturates
 * (it is then right to rounding). */
static void x_times_one_minus_x_from_x_on_saturated_units_should_be_diagnosed_as_saturation(void) {
  size_t sizes[3] = {3, 4, 3};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_LOGISTIC);
  gsl_rng *rng = bp_rng_alloc(501);
  CU_ASSERT_FATAL(net && rng);
  bp_mlp_init_random(net, rng);
  double row[6] = {0.018217363076920224, -16.709874243048052, 24.57837135086997, 0.6269943523439049, 0.0, 0.0};
  gsl_matrix_view X0 = gsl_matrix_view_array(row, 1, 3), T = gsl_matrix_view_array(row + 3, 1, 3);
  gsl_vector *from_x = gsl_vector_alloc(net->n_params);
  CU_ASSERT_FATAL(from_x != NULL);
  bp_plant plant = bp_plant_default(BP_MISTAKE_DERIVATIVE_FROM_X);
  CU_ASSERT_EQUAL_FATAL(bp_mistake_gradient(net, &X0.matrix, &T.matrix, &plant, from_x), GSL_SUCCESS);
  bp_netcheck_options o = bp_netcheck_options_default();
  o.method = BP_FD_COMPLEX;
  bp_netcheck_report *r = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(net, &X0.matrix, &T.matrix, from_x, &o, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_SATURATION);
  CU_ASSERT_EQUAL(r->diagnosis.mistake, BP_MISTAKE_DERIVATIVE_FROM_X);
  CU_ASSERT_PTR_NOT_NULL(strstr(r->diagnosis.sentence, "sigma(s) sigma(-s)"));
  if (r->diagnosis.kind != BP_DIAG_SATURATION) printf("\n  diagnosis: %s\n", r->diagnosis.sentence);
  bp_netcheck_report_free(r);
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(net, &X0.matrix, &T.matrix, NULL, &o, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_PASS);
  CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_NONE);
  bp_netcheck_report_free(r);
  row[2] = 0.2457837135086997; /* no unit saturates: the from-x gradient is right to rounding and passes */
  CU_ASSERT_EQUAL_FATAL(bp_mistake_gradient(net, &X0.matrix, &T.matrix, &plant, from_x), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(net, &X0.matrix, &T.matrix, from_x, &o, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_PASS);
  CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_NONE);
  bp_netcheck_report_free(r);
  gsl_vector_free(from_x);
  gsl_rng_free(rng);
  bp_mlp_free(net);
}

int register_diagnose(void) {
  static const bp_test_case cases[] = {
      {"the planted backward without a bug should pass and get no diagnosis",
       the_planted_backward_without_a_bug_should_pass_and_get_no_diagnosis},
      {"a correct gradient should never get a diagnosis", a_correct_gradient_should_never_get_a_diagnosis},
      {"x(1-x) from x on saturated units should be diagnosed as saturation",
       x_times_one_minus_x_from_x_on_saturated_units_should_be_diagnosed_as_saturation},
      {"a sign-flipped output delta should be diagnosed as a sign flip",
       a_sign_flipped_output_delta_should_be_diagnosed_as_a_sign_flip},
      {"a squared-loss factor two should be diagnosed as factor two",
       a_squared_loss_factor_two_should_be_diagnosed_as_factor_two},
      {"a mean over the batch should be diagnosed as factor one over the batch size",
       a_mean_over_the_batch_should_be_diagnosed_as_factor_one_over_the_batch_size},
      {"a hidden delta without x(1-x) should be diagnosed as missing derivative in layer 1",
       a_hidden_delta_without_x_one_minus_x_should_be_diagnosed_as_missing_derivative_in_layer_1},
      {"an output delta dE/dx should be diagnosed as missing derivative at the output",
       an_output_delta_de_dx_should_be_diagnosed_as_missing_derivative_at_the_output},
      {"a derivative taken at s should be diagnosed in layer 2",
       a_derivative_taken_at_s_should_be_diagnosed_in_layer_2},
      {"deltas sent down through W instead of its transpose should be diagnosed as transposed",
       deltas_sent_down_through_w_instead_of_its_transpose_should_be_diagnosed_as_transposed},
      {"a transposed square weight gradient should be diagnosed as transposed",
       a_transposed_square_weight_gradient_should_be_diagnosed_as_transposed},
      {"a transposed non-square weight gradient should be diagnosed as transposed",
       a_transposed_non_square_weight_gradient_should_be_diagnosed_as_transposed},
      {"a weight gradient stored one index too far should be diagnosed as shifted by one",
       a_weight_gradient_stored_one_index_too_far_should_be_diagnosed_as_shifted_by_one},
      {"a softmax delta with only the Jacobian diagonal should be diagnosed",
       a_softmax_delta_with_only_the_jacobian_diagonal_should_be_diagnosed},
      {"a gradient overwritten per example should be diagnosed as the last example alone",
       a_gradient_overwritten_per_example_should_be_diagnosed_as_the_last_example_alone},
      {"a doubled hidden delta should be a factor two from that layer down",
       a_doubled_hidden_delta_should_be_a_factor_two_from_that_layer_down},
      {"a bias gradient never written should be a factor zero in that block",
       a_bias_gradient_never_written_should_be_a_factor_zero_in_that_block},
      {"a missing derivative above another mistake should be diagnosed in the upper layer",
       a_missing_derivative_above_another_mistake_should_be_diagnosed_in_the_upper_layer},
      {"softmax targets not summing to one should be diagnosed with the row sum",
       softmax_targets_not_summing_to_one_should_be_diagnosed_with_the_row_sum},
      {"an unknown error in layer 1 should be located as wrong layer 1",
       an_unknown_error_in_layer_1_should_be_located_as_wrong_layer_1},
      {"every classic mistake should be named on non-square networks",
       every_classic_mistake_should_be_named_on_non_square_networks},
      {"deltas through a non-square W should be named transposed propagation",
       deltas_through_a_non_square_w_should_be_named_transposed_propagation},
      {"a weight gradient from the wrong layer should be named",
       a_weight_gradient_from_the_wrong_layer_should_be_named},
      {"deltas through updated weights should be named with the step",
       deltas_through_updated_weights_should_be_named_with_the_step},
      {"a bias not summed should be named, not offered as a factor",
       a_bias_not_summed_should_be_named_not_offered_as_a_factor},
      {"a factor one half with a batch of two should name both candidates",
       a_factor_one_half_with_a_batch_of_two_should_name_both_candidates},
      {"a correct gradient should never be diagnosed over many seeds",
       a_correct_gradient_should_never_be_diagnosed_over_many_seeds},
      {"a negated vector should be a sign flip even where the numeric value is noise",
       a_negated_vector_should_be_a_sign_flip_even_where_the_numeric_value_is_noise},
      {"a scaled vector should be a factor with the measured value",
       a_scaled_vector_should_be_a_factor_with_the_measured_value},
      {"a zero vector should be a factor zero that says nothing was written",
       a_zero_vector_should_be_a_factor_zero_that_says_nothing_was_written},
      {"a vector of rounding noise should be a factor zero", a_vector_of_rounding_noise_should_be_a_factor_zero},
      {"a vector shifted down by one should be a shift of minus one",
       a_vector_shifted_down_by_one_should_be_a_shift_of_minus_one},
      {"a vector with two entries swapped should be a permutation",
       a_vector_with_two_entries_swapped_should_be_a_permutation},
      {"an unrecognised error should be unknown and name the worst entry",
       an_unrecognised_error_should_be_unknown_and_name_the_worst_entry},
      {"a passing vector should get no diagnosis", a_passing_vector_should_get_no_diagnosis},
      {"every kind should have a distinct name", every_kind_should_have_a_distinct_name},
      {"bad arguments should fail with a message", bad_arguments_should_fail_with_a_message},
      {"running out of memory should fail cleanly with ENOMEM", running_out_of_memory_should_fail_cleanly_with_enomem},
  };
  return bp_test_add_suite("diagnose", cases, sizeof cases / sizeof cases[0]);
}
