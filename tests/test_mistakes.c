/* test_mistakes.c - the classic backprop mistakes of lib/mistakes.c: each planted mistake is the code it claims to
 * be, and the checker catches it.
 *
 * The oracle is a plain loop over examples and units (eq. (9)-(16), eq. (25)-(31)), written independently of the
 * module's batch-matrix pass, with each mistake written the way a student's loop would make it. The module must
 * agree with it to rounding for every mistake on logistic and softmax networks with non-square layers, so that the
 * diagnosis (which reproduces gradients through the module) names the code a student writes, not the module's own
 * idea of it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "gradcheck.h"
#include "mistakes.h"
#include "test_util.h"

#define MAX_L 4
#define MAX_U 8
#define BATCH 3
#define ETA 0.1

static double logistic(double s) { return 1.0 / (1.0 + exp(-s)); }

/* eq. (2), eq. (3), eq. (17) for one example, by loops: x[l][i] from x[l-1]; s[l][i] kept. */
static void loop_forward(const bp_mlp *net, const double *W[MAX_L + 1], const gsl_matrix *X0, size_t r,
                         double x[MAX_L + 1][MAX_U], double s[MAX_L + 1][MAX_U]) {
  size_t L = net->n_layers;
  for (size_t j = 0; j < net->sizes[0]; j++) x[0][j] = gsl_matrix_get(X0, r, j);
  for (size_t l = 1; l <= L; l++) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l];
    double smax = -HUGE_VAL;
    for (size_t i = 0; i < ni; i++) {
      double v = W[l][nj * ni + i];
      for (size_t j = 0; j < nj; j++) v += x[l - 1][j] * W[l][j * ni + i];
      s[l][i] = v;
      smax = fmax(smax, v);
    }
    if (l == L && net->output == BP_OUTPUT_SOFTMAX) {
      double z = 0.0;
      for (size_t i = 0; i < ni; i++) z += exp(s[l][i] - smax);
      for (size_t i = 0; i < ni; i++) x[l][i] = exp(s[l][i] - smax) / z;
    } else {
      for (size_t i = 0; i < ni; i++) x[l][i] = logistic(s[l][i]);
    }
  }
}

/* Backprop by loops with mistake m (at every layer where it can be made; the last example where one is left), the
 * updates of BP_MISTAKE_UPDATED_WEIGHTS made in a copy of the parameters after the whole batch's dW_l is known.
 * Writes grad. */
static void loop_backward(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, bp_mistake m,
                          gsl_vector *grad) {
  size_t L = net->n_layers, B = X0->size1;
  double x[MAX_L + 1][MAX_U] = {{0}}, s[MAX_L + 1][MAX_U], ds[MAX_L + 1][MAX_U];
  double ds_all[BATCH][MAX_L + 1][MAX_U], x_all[BATCH][MAX_L + 1][MAX_U], s_all[BATCH][MAX_L + 1][MAX_U];
  const double *W[MAX_L + 1];
  for (size_t l = 1; l <= L; l++) W[l] = net->params->data + net->offset[l];
  double *g = grad->data;
  gsl_vector_set_zero(grad);
  for (size_t r = 0; r < B; r++) {
    loop_forward(net, W, X0, r, x, s);
    memcpy(x_all[r], x, sizeof x);
    memcpy(s_all[r], s, sizeof s);
  }
  /* layer by layer from the top, every example at each layer (the updated weights need the whole dW_l first) */
  for (size_t r = 0; r < B; r++)
    for (size_t i = 0; i < net->sizes[L]; i++) {
      double xi = x_all[r][L][i], t = gsl_matrix_get(T, r, i), sum_t = 0.0, d;
      for (size_t k = 0; k < net->sizes[L]; k++) sum_t += gsl_matrix_get(T, r, k);
      d = (net->output == BP_OUTPUT_SOFTMAX && m != BP_MISTAKE_TARGETS_UNNORMALIZED) ? xi * sum_t - t : xi - t;
      if (m == BP_MISTAKE_SIGN) d = t - xi;
      if (m == BP_MISTAKE_FACTOR_TWO) d = 2.0 * (xi - t);
      if (m == BP_MISTAKE_MEAN_OVER_BATCH) d = (xi - t) / (double)B;
      if (m == BP_MISTAKE_SOFTMAX_DIAGONAL) d = (-t / xi) * xi * (1.0 - xi);
      if (m == BP_MISTAKE_OVERWRITTEN_BATCH && r != B - 1) d = 0.0; /* what = leaves: the last example's part */
      ds_all[r][L][i] = d;
    }
  double Wu[MAX_U * MAX_U + MAX_U];
  for (size_t l = L; l >= 1; l--) {
    size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
    for (size_t r = 0; r < B; r++) {
      for (size_t j = 0; j < nj; j++)
        for (size_t i = 0; i < ni; i++) {
          double xj = x_all[r][l - 1][j];
          if (m == BP_MISTAKE_WRONG_LAYER_ACTIVATIONS) xj = (j < ni) ? x_all[r][l][j] : 0.0;
          double v = xj * ds_all[r][l][i]; /* eq. (10), eq. (15) */
          if (m == BP_MISTAKE_TRANSPOSED_BLOCK)
            g[off + i * nj + j] += v;
          else
            g[off + j * ni + i] += v;
        }
      for (size_t i = 0; i < ni; i++) {
        if (m == BP_MISTAKE_BIAS_NOT_SUMMED)
          g[off + nj * ni + i] = ds_all[r][l][i]; /* = in the loop: the last example's */
        else
          g[off + nj * ni + i] += ds_all[r][l][i];
      }
    }
    if (l == 1) break;
    for (size_t k = 0; k < nj * ni; k++) Wu[k] = W[l][k] - (m == BP_MISTAKE_UPDATED_WEIGHTS ? ETA * g[off + k] : 0.0);
    for (size_t r = 0; r < B; r++)
      for (size_t j = 0; j < nj; j++) {
        double dx = 0.0; /* eq. (13), eq. (14) */
        for (size_t i = 0; i < ni; i++)
          dx += ds_all[r][l][i] * (m == BP_MISTAKE_TRANSPOSED_PROPAGATION ? W[l][i * nj + j] : Wu[j * ni + i]);
        double xj = x_all[r][l - 1][j], sj = s_all[r][l - 1][j], dxds = xj * (1.0 - xj); /* eq. (7) */
        if (m == BP_MISTAKE_MISSING_DERIVATIVE) dxds = 1.0;
        if (m == BP_MISTAKE_DERIVATIVE_AT_S) dxds = sj * (1.0 - sj);
        ds_all[r][l - 1][j] = dx * dxds; /* eq. (11), eq. (12) */
      }
  }
  (void)ds;
}

static const size_t net_3_6_4_2[] = {3, 6, 4, 2};
static const size_t net_4_3_5[] = {4, 3, 5};

/* The module's gradient with mistake m (default plant) equals the loop's, entry by entry to 1e-10 relative to the
 * gradient's largest entry. */
static int module_matches_loop(size_t n_layers, const size_t *sizes, bp_output out, bp_mistake m, unsigned long seed) {
  bp_test_problem *p = bp_test_problem_alloc(n_layers, sizes, out, BATCH, seed);
  if (p == NULL) return 0;
  size_t n = p->net->n_params;
  gsl_vector *a = bp_vector_alloc(n), *b = bp_vector_alloc(n);
  bp_plant plant = bp_plant_default(m);
  plant.eta = ETA;
  int ok = a && b && bp_mistake_gradient(p->net, p->X0, p->T, &plant, a) == GSL_SUCCESS;
  if (ok) {
    loop_backward(p->net, p->X0, p->T, m, b);
    double scale = gsl_vector_max(b) > -gsl_vector_min(b) ? gsl_vector_max(b) : -gsl_vector_min(b);
    for (size_t k = 0; k < n; k++)
      if (fabs(gsl_vector_get(a, k) - gsl_vector_get(b, k)) > 1e-10 * scale) {
        char name[32];
        bp_mlp_param_name(p->net, k, name, sizeof name);
        printf("\n  mistake %s, %s output: %s is %.17g in the module, %.17g in the loop\n",
               bp_mistake_describe(m)->name, out ? "softmax" : "logistic", name, gsl_vector_get(a, k),
               gsl_vector_get(b, k));
        ok = 0;
        break;
      }
  }
  if (a) gsl_vector_free(a);
  if (b) gsl_vector_free(b);
  bp_test_problem_free(p);
  return ok;
}

/* eq. (7), eq. (9)-(16), eq. (21), eq. (22), eq. (25)-(31) */
static void every_planted_mistake_should_equal_the_loop_written_the_same_way(void) {
  for (int o = 0; o < 2; o++) {
    bp_output out = o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC;
    for (int m = 0; m < BP_MISTAKE_N; m++) {
      if (!o && (m == BP_MISTAKE_SOFTMAX_DIAGONAL || m == BP_MISTAKE_TARGETS_UNNORMALIZED)) continue;
      CU_ASSERT(module_matches_loop(3, net_3_6_4_2, out, (bp_mistake)m, 101 + (unsigned long)m));
      CU_ASSERT(module_matches_loop(2, net_4_3_5, out, (bp_mistake)m, 201 + (unsigned long)m));
    }
  }
}

/* The gradient of the plant against central differences of the loss: its verdict. */
static bp_verdict verdict_of(bp_test_problem *p, const bp_plant *plant) {
  size_t n = p->net->n_params;
  bp_gradcheck *gc = bp_gradcheck_alloc(n);
  bp_verdict v = BP_VERDICT_PASS;
  if (gc == NULL) return v;
  bp_tolerance tol = bp_tolerance_default();
  if (bp_mistake_gradient(p->net, p->X0, p->T, plant, gc->analytic) == GSL_SUCCESS &&
      bp_test_problem_numeric_gradient(p, BP_FD_CENTRAL, gc->numeric, gc->estimate) == GSL_SUCCESS &&
      bp_gradcheck_compare(gc, &tol) == GSL_SUCCESS)
    v = gc->verdict;
  bp_gradcheck_free(gc);
  return v;
}

/* eq. (9)-(16), eq. (26)-(31): no mistake passes; every mistake that changes the gradient on these data fails
 * (x(1-x) from x differs only on saturated units, x - t only for targets that do not sum to one). */
static void the_checker_should_catch_every_mistake_and_pass_none(void) {
  for (int o = 0; o < 2; o++) {
    bp_output out = o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC;
    bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, out, BATCH, 301 + (unsigned long)o);
    CU_ASSERT_FATAL(p != NULL);
    for (int m = 0; m < BP_MISTAKE_N; m++) {
      bp_plant plant = bp_plant_default((bp_mistake)m);
      if (!bp_plant_valid(p->net, &plant)) continue;
      bp_verdict v = verdict_of(p, &plant);
      int harmless = m == BP_MISTAKE_NONE || m == BP_MISTAKE_DERIVATIVE_FROM_X || m == BP_MISTAKE_TARGETS_UNNORMALIZED;
      if (v != (harmless ? BP_VERDICT_PASS : BP_VERDICT_FAIL))
        printf("\n  mistake %s, %s output: verdict %s\n", bp_mistake_describe((bp_mistake)m)->name,
               o ? "softmax" : "logistic", bp_verdict_name(v));
      CU_ASSERT_EQUAL(v, harmless ? BP_VERDICT_PASS : BP_VERDICT_FAIL);
    }
    bp_test_problem_free(p);
  }
}

/* eq. (7), eq. (12): on saturated hidden units (|s| ~ 30) x(1-x) formed from x loses its digits; from s it does
 * not. The module's two passes differ there by far more than rounding. */
static void the_derivative_from_x_should_lose_digits_on_saturated_units(void) {
  bp_test_problem *p = bp_test_problem_alloc(2, net_4_3_5, BP_OUTPUT_LOGISTIC, BATCH, 401);
  CU_ASSERT_FATAL(p != NULL);
  gsl_vector_view b1 = gsl_vector_view_array(p->net->params->data + p->net->offset[1] + 4 * 3, 3);
  gsl_vector_set_all(&b1.vector, 33.0); /* s_1 ~ 33: x = 1 - 5e-15, whose 1 - x keeps about one digit */
  size_t n = p->net->n_params;
  gsl_vector *from_s = bp_vector_alloc(n), *from_x = bp_vector_alloc(n);
  bp_plant none = bp_plant_default(BP_MISTAKE_NONE), fx = bp_plant_default(BP_MISTAKE_DERIVATIVE_FROM_X);
  CU_ASSERT_EQUAL(bp_mistake_gradient(p->net, p->X0, p->T, &none, from_s), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_mistake_gradient(p->net, p->X0, p->T, &fx, from_x), GSL_SUCCESS);
  /* dE/db1[0]: the true value is tiny and exact to a few ulp from s; from x it is off by percent */
  double a = gsl_vector_get(from_s, 4 * 3), b = gsl_vector_get(from_x, 4 * 3);
  CU_ASSERT(fabs(a - b) > 1e-3 * fabs(a));
  gsl_vector_free(from_s);
  gsl_vector_free(from_x);
  bp_test_problem_free(p);
}

static void names_should_parse_back_and_unknown_names_list_the_mistakes(void) {
  const bp_mistake_info *all = bp_mistake_info_all();
  for (int m = 0; m < BP_MISTAKE_N; m++) {
    bp_mistake back;
    CU_ASSERT_EQUAL(all[m].mistake, (bp_mistake)m);
    CU_ASSERT_PTR_EQUAL(bp_mistake_describe((bp_mistake)m), &all[m]);
    CU_ASSERT_EQUAL(bp_mistake_parse(all[m].name, &back), GSL_SUCCESS);
    CU_ASSERT_EQUAL(back, (bp_mistake)m);
    CU_ASSERT_PTR_NOT_NULL(strstr(all[m].equations, "eq. ("));
  }
  bp_mistake m;
  ASSERT_FAILS_WITH_MESSAGE(bp_mistake_parse("sing", &m), GSL_EINVAL, "transposed-propagation");
  CU_ASSERT_PTR_NULL(bp_mistake_describe((bp_mistake)BP_MISTAKE_N));
}

static void plants_that_cannot_be_made_should_be_refused_with_a_message(void) {
  bp_test_problem *p = bp_test_problem_alloc(1, net_4_3_5, BP_OUTPUT_LOGISTIC, BATCH, 501);
  CU_ASSERT_FATAL(p != NULL);
  gsl_vector *g = bp_vector_alloc(p->net->n_params);
  bp_plant diag = bp_plant_default(BP_MISTAKE_SOFTMAX_DIAGONAL),
           prop = bp_plant_default(BP_MISTAKE_TRANSPOSED_PROPAGATION);
  bp_plant block = bp_plant_default(BP_MISTAKE_TRANSPOSED_BLOCK);
  block.layer = 2;
  ASSERT_FAILS_WITH_MESSAGE(bp_mistake_gradient(p->net, p->X0, p->T, &diag, g), GSL_EINVAL, "softmax");
  ASSERT_FAILS_WITH_MESSAGE(bp_mistake_gradient(p->net, p->X0, p->T, &prop, g), GSL_EINVAL, "hidden layer");
  ASSERT_FAILS_WITH_MESSAGE(bp_plant_check(p->net, &block), GSL_EINVAL, "not 2");
  CU_ASSERT_EQUAL(bp_plant_valid(p->net, &block), 0);
  bp_plant over = bp_plant_default(BP_MISTAKE_OVERWRITTEN_BATCH);
  over.example = BATCH;
  ASSERT_FAILS_WITH_MESSAGE(bp_mistake_gradient(p->net, p->X0, p->T, &over, g), GSL_EINVAL, "example");
  gsl_vector_free(g);
  bp_test_problem_free(p);
}

static void running_out_of_memory_should_fail_cleanly(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_SOFTMAX, BATCH, 601);
  gsl_vector *g = bp_vector_alloc(p->net->n_params);
  bp_plant plant = bp_plant_default(BP_MISTAKE_UPDATED_WEIGHTS);
  int succeeded = 0;
  for (long budget = 0; budget < 64 && !succeeded; budget++) {
    bp_fault_inject_alloc(budget);
    int status = bp_mistake_gradient(p->net, p->X0, p->T, &plant, g);
    bp_fault_inject_alloc(-1);
    CU_ASSERT(status == GSL_SUCCESS || status == GSL_ENOMEM);
    succeeded = status == GSL_SUCCESS;
  }
  CU_ASSERT(succeeded);
  gsl_vector_free(g);
  bp_test_problem_free(p);
}

int register_mistakes(void) {
  static const bp_test_case cases[] = {
      {"every planted mistake should equal the loop written the same way",
       every_planted_mistake_should_equal_the_loop_written_the_same_way},
      {"the checker should catch every mistake and pass none", the_checker_should_catch_every_mistake_and_pass_none},
      {"the derivative from x should lose digits on saturated units",
       the_derivative_from_x_should_lose_digits_on_saturated_units},
      {"names should parse back and unknown names list the mistakes",
       names_should_parse_back_and_unknown_names_list_the_mistakes},
      {"plants that cannot be made should be refused with a message",
       plants_that_cannot_be_made_should_be_refused_with_a_message},
      {"running out of memory should fail cleanly", running_out_of_memory_should_fail_cleanly},
  };
  return bp_test_add_suite("classic mistakes", cases, sizeof cases / sizeof cases[0]);
}
