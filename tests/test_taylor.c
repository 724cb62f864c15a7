/* test_taylor.c - the Taylor-remainder test (lib/taylor.h) and the precision ladder (lib/ladder.h).
 *
 * Taylor: the network's gradient (eq. (9)-(16), eq. (26)-(31)) along a random direction must give a remainder of
 * rate 2 and PASS; each classic backprop mistake planted into that real gradient must give rate 1 and FAIL.
 * Ladder: the same correct gradient checked in float, double and long double must show float's error far above
 * double's, and double's sweep of steps the V of truncation against round-off. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>

#include "core.h"
#include "gradcheck.h"
#include "ladder.h"
#include "mlp.h"
#include "taylor.h"
#include "test_util.h"

/* ---- a network, its gradient, and the Taylor test on it ------------------------------------------------------ */

static const size_t SIZES[] = {3, 5, 4, 2}; /* three weight layers, all sizes different */
#define N_LAYERS 3
#define BATCH 3

typedef struct {
  bp_test_problem *p;
  bp_mlp_closure closure;
  bp_fd_problem problem; /* E(params) */
  gsl_vector *g;         /* the gradient under test */
  gsl_vector *v;         /* the direction */
} bench;

static bench *bench_alloc(bp_output output, unsigned long seed) {
  bench *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->p = bp_test_problem_alloc(N_LAYERS, SIZES, output, BATCH, seed);
  if (b->p == NULL) {
    free(b);
    return NULL;
  }
  b->closure = (bp_mlp_closure){.net = b->p->net, .ws = b->p->ws, .X0 = b->p->X0, .T = b->p->T};
  b->problem = (bp_fd_problem){bp_mlp_error_function, NULL, &b->closure, NULL};
  b->g = bp_vector_alloc(b->p->net->n_params);
  b->v = bp_vector_alloc(b->p->net->n_params);
  gsl_rng *rng = bp_test_rng(seed + 7919);
  bp_taylor_direction(rng, b->v);
  gsl_rng_free(rng);
  /* the library's gradient, eq. (9)-(16) or eq. (26)-(31), copied out of net->grad */
  bp_mlp_gradient(b->p->net, b->p->ws, b->p->X0, b->p->T, NULL);
  gsl_vector_memcpy(b->g, b->p->net->grad);
  return b;
}

static void bench_free(bench *b) {
  if (b == NULL) return;
  gsl_vector_free(b->g);
  gsl_vector_free(b->v);
  bp_test_problem_free(b->p);
  free(b);
}

/* Runs the test on the bench's gradient; prints the rates when the verdict is not the expected one. */
static int taylor_gives(bench *b, bp_verdict expected, double rate, const char *what) {
  bp_taylor_result r;
  int status = bp_taylor_test(&b->problem, b->p->net->params, b->g, b->v, &r);
  int ok = status == GSL_SUCCESS && r.verdict == expected && fabs(r.observed_rate - rate) <= 0.2;
  if (!ok) {
    printf("\n  %s: status %d, verdict %s, observed rate %.3f (expected %s, rate %.1f): %s\n   rates:", what, status,
           bp_verdict_name(r.verdict), r.observed_rate, bp_verdict_name(expected), rate, r.reason);
    for (size_t k = 0; k + 1 < r.n; k++) printf(" %.2f", r.rate[k]);
    printf("\n");
  }
  return ok;
}

/* The block of parameters of layer l (W_l then b_l) inside a gradient vector laid out like net->params. */
static gsl_vector_view layer_block(const bp_mlp *net, gsl_vector *g, size_t l) {
  size_t n = net->sizes[l - 1] * net->sizes[l] + net->sizes[l];
  return gsl_vector_subvector(g, net->offset[l], n);
}

/* eq. (9)-(16), eq. (26)-(31): the library's gradient along a random direction: rate 2, PASS, both outputs. */
static void a_correct_network_gradient_should_fall_at_rate_two_and_pass(void) {
  for (int out = 0; out <= 1; out++)
    for (unsigned long seed = 311; seed < 314; seed++) {
      bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, seed);
      CU_ASSERT_PTR_NOT_NULL_FATAL(b);
      CU_ASSERT(taylor_gives(b, BP_VERDICT_PASS, 2.0, out ? "correct softmax gradient" : "correct logistic gradient"));
      bench_free(b);
    }
}

/* eq. (10), eq. (15), eq. (16): a flipped sign on one layer's gradient (layer 2, W2 and b2). */
static void a_flipped_sign_on_one_layer_should_fall_at_rate_one_and_fail(void) {
  for (int out = 0; out <= 1; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 523);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    gsl_vector_view layer = layer_block(b->p->net, b->g, 2);
    gsl_vector_scale(&layer.vector, -1.0);
    CU_ASSERT(taylor_gives(b, BP_VERDICT_FAIL, 1.0, "sign of layer 2 flipped"));
    bench_free(b);
  }
}

/* eq. (9), eq. (26): the whole gradient twice too large (the 1/2 of a squared error carried into a
 * cross-entropy, or a batch counted twice). */
static void a_gradient_twice_too_large_should_fall_at_rate_one_and_fail(void) {
  for (int out = 0; out <= 1; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 541);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    gsl_vector_scale(b->g, 2.0);
    CU_ASSERT(taylor_gives(b, BP_VERDICT_FAIL, 1.0, "gradient times 2"));
    bench_free(b);
  }
}

/* Backprop written out entry by entry into g (laid out like net->params), after a forward pass:
 *   dE/ds_i = x_i - t_i at the output                        eq. (9), eq. (26)
 *   dE/dw_ji += x_j dE/ds_i,  dE/db_i += dE/ds_i              eq. (10), eq. (15), eq. (16), eq. (29)
 *   dE/ds_j = sum_i dE/ds_i w_ji x_j (1 - x_j)                eq. (11), eq. (12), eq. (30), eq. (31)
 * with the hidden units' x_j (1 - x_j) left out when forget_derivative is set. */
static int written_out_backward(bench *b, int forget_derivative, gsl_vector *g) {
  bp_mlp *net = b->p->net;
  bp_mlp_workspace *ws = b->p->ws;
  size_t L = net->n_layers, B = b->p->X0->size1, widest = 0;
  int status = bp_mlp_forward(net, ws, b->p->X0);
  if (status) return status;
  for (size_t l = 0; l <= L; l++)
    if (net->sizes[l] > widest) widest = net->sizes[l];
  double *ds = calloc(widest, sizeof *ds), *ds_below = calloc(widest, sizeof *ds_below);
  if (ds == NULL || ds_below == NULL) {
    free(ds), free(ds_below);
    return GSL_ENOMEM;
  }
  gsl_vector_set_zero(g);
  for (size_t e = 0; e < B; e++) {
    for (size_t i = 0; i < net->sizes[L]; i++) ds[i] = gsl_matrix_get(ws->X[L], e, i) - gsl_matrix_get(b->p->T, e, i);
    for (size_t l = L; l >= 1; l--) {
      const gsl_matrix *below = (l == 1) ? b->p->X0 : ws->X[l - 1];
      size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
      for (size_t i = 0; i < ni; i++) {
        for (size_t j = 0; j < nj; j++) *gsl_vector_ptr(g, off + j * ni + i) += gsl_matrix_get(below, e, j) * ds[i];
        *gsl_vector_ptr(g, off + nj * ni + i) += ds[i];
      }
      if (l == 1) break;
      for (size_t j = 0; j < nj; j++) {
        double dx = 0.0, x = gsl_matrix_get(below, e, j);
        for (size_t i = 0; i < ni; i++) dx += ds[i] * gsl_matrix_get(&net->W[l].matrix, j, i);
        ds_below[j] = forget_derivative ? dx : dx * x * (1.0 - x);
      }
      memcpy(ds, ds_below, nj * sizeof *ds);
    }
  }
  free(ds), free(ds_below);
  return GSL_SUCCESS;
}

/* eq. (11), eq. (12), eq. (30), eq. (31): the x(1 - x) of the hidden units forgotten. The control first: the
 * written-out backward with the derivative in agrees with the library, so the bug is the only difference. */
static void a_missing_hidden_derivative_should_fall_at_rate_one_and_fail(void) {
  for (int out = 0; out <= 1; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 557);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    gsl_vector *control = bp_vector_alloc(b->g->size);
    CU_ASSERT_EQUAL(written_out_backward(b, 0, control), GSL_SUCCESS);
    gsl_vector_sub(control, b->g);
    CU_ASSERT(gsl_blas_dnrm2(control) <= 1e-13 * gsl_blas_dnrm2(b->g));
    gsl_vector_free(control);
    CU_ASSERT_EQUAL(written_out_backward(b, 1, b->g), GSL_SUCCESS);
    CU_ASSERT(taylor_gives(b, BP_VERDICT_FAIL, 1.0, "hidden x(1 - x) missing"));
    bench_free(b);
  }
}

/* The point is perturbed in place and must come back bit for bit, after a run and after a failing f. */
static int calls_before_failure;
static int fails_on_third_call(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  if (++calls_before_failure == 3) return GSL_EFAILED;
  gsl_vector_set(y, 0, sin(gsl_vector_get(x, 0)) * gsl_vector_get(x, 1));
  return GSL_SUCCESS;
}

static void the_point_should_be_restored_bit_for_bit(void) {
  bench *b = bench_alloc(BP_OUTPUT_LOGISTIC, 571);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  gsl_vector *before = bp_vector_alloc(b->g->size);
  gsl_vector_memcpy(before, b->p->net->params);
  bp_taylor_result r;
  CU_ASSERT_EQUAL(bp_taylor_test(&b->problem, b->p->net->params, b->g, b->v, &r), GSL_SUCCESS);
  CU_ASSERT(memcmp(before->data, b->p->net->params->data, before->size * sizeof(double)) == 0);
  gsl_vector_free(before);
  bench_free(b);

  double xs[2] = {0.8731, -1.3127}, saved[2] = {0.8731, -1.3127}, gs[2] = {0.3, 0.7}, vs[2] = {0.6, -0.8};
  gsl_vector_view x = gsl_vector_view_array(xs, 2), g = gsl_vector_view_array(gs, 2), v = gsl_vector_view_array(vs, 2);
  calls_before_failure = 0;
  CU_ASSERT_EQUAL(
      bp_taylor_test(&(bp_fd_problem){fails_on_third_call, NULL, NULL, NULL}, &x.vector, &g.vector, &v.vector, &r),
      GSL_EFAILED);
  CU_ASSERT(memcmp(xs, saved, sizeof xs) == 0);
}

/* f = x0^2 + 3.7 x1 - 0.6 x2: along v = e1 it is linear, so with the right g.v every residual is round-off. */
static int linear_along_x1(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double x0 = gsl_vector_get(x, 0);
  gsl_vector_set(y, 0, x0 * x0 + 3.7 * gsl_vector_get(x, 1) - 0.6 * gsl_vector_get(x, 2));
  return GSL_SUCCESS;
}

static void a_function_linear_along_v_should_not_pass_and_say_why(void) {
  double xs[3] = {0.8731, -1.27, 2.385}, gs[3] = {2 * 0.8731, 3.7, -0.6}, vs[3] = {0.0, 1.0, 0.0};
  gsl_vector_view x = gsl_vector_view_array(xs, 3), g = gsl_vector_view_array(gs, 3), v = gsl_vector_view_array(vs, 3);
  bp_fd_problem f = {linear_along_x1, NULL, NULL, NULL};
  bp_taylor_result r;
  CU_ASSERT_EQUAL(bp_taylor_test(&f, &x.vector, &g.vector, &v.vector, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r.verdict, BP_VERDICT_NO_SIGNAL);
  CU_ASSERT_EQUAL(r.n_rates, 0);
  CU_ASSERT(isnan(r.observed_rate));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "round-off floor"));
  /* The same line with a wrong slope is first order, and fails. */
  gs[1] = 3.71;
  CU_ASSERT_EQUAL(bp_taylor_test(&f, &x.vector, &g.vector, &v.vector, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r.verdict, BP_VERDICT_FAIL);
  ASSERT_ABS_CLOSE(r.observed_rate, 1.0, 0.05);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "first order"));
}

static void bad_sizes_and_directions_should_be_rejected_with_a_message(void) {
  double xs[3] = {0.8731, -1.27, 2.385}, gs[3] = {1.2, 3.7, -0.6}, zero[3] = {0.0, 0.0, 0.0};
  gsl_vector_view x = gsl_vector_view_array(xs, 3), g = gsl_vector_view_array(gs, 3);
  gsl_vector_view g2 = gsl_vector_view_array(gs, 2), v0 = gsl_vector_view_array(zero, 3);
  bp_fd_problem f = {linear_along_x1, NULL, NULL, NULL};
  bp_taylor_result r;
  ASSERT_FAILS_WITH_MESSAGE(bp_taylor_test(&f, &x.vector, &g2.vector, &g.vector, &r), GSL_EBADLEN,
                            "x has 3 entries but g has 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_taylor_test(&f, &x.vector, &g.vector, &g2.vector, &r), GSL_EBADLEN, "and v 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_taylor_test(&f, &x.vector, &g.vector, &v0.vector, &r), GSL_EINVAL,
                            "direction v must be non-zero");
  ASSERT_FAILS_WITH_MESSAGE(
      bp_taylor_test(&(bp_fd_problem){NULL, NULL, NULL, NULL}, &x.vector, &g.vector, &g.vector, &r), GSL_EINVAL,
      "its function");
}

static void a_random_direction_should_be_a_signed_unit_vector(void) {
  gsl_rng *rng = bp_test_rng(613);
  gsl_vector *v = bp_vector_alloc(40);
  CU_ASSERT_EQUAL(bp_taylor_direction(rng, v), GSL_SUCCESS);
  ASSERT_REL_CLOSE(gsl_blas_dnrm2(v), 1.0, 4 * DBL_EPSILON);
  CU_ASSERT(gsl_vector_min(v) < 0.0 && gsl_vector_max(v) > 0.0);
  gsl_vector_free(v);
  gsl_rng_free(rng);
}

/* Out of memory at either of the test's two allocations: GSL_ENOMEM, nothing leaked, x untouched. */
static void an_allocation_failure_should_return_enomem_and_leave_x_alone(void) {
  double xs[3] = {0.8731, -1.27, 2.385}, saved[3] = {0.8731, -1.27, 2.385}, gs[3] = {1.7462, 3.7, -0.6},
         vs[3] = {0.48, 0.6, -0.64};
  gsl_vector_view x = gsl_vector_view_array(xs, 3), g = gsl_vector_view_array(gs, 3), v = gsl_vector_view_array(vs, 3);
  bp_taylor_result r;
  for (long n = 0; n <= 1; n++) {
    bp_fault_inject_alloc(n);
    int status =
        bp_taylor_test(&(bp_fd_problem){linear_along_x1, NULL, NULL, NULL}, &x.vector, &g.vector, &v.vector, &r);
    bp_fault_inject_alloc(-1);
    CU_ASSERT_EQUAL(status, GSL_ENOMEM);
    CU_ASSERT(memcmp(xs, saved, sizeof xs) == 0);
  }
  bp_fault_inject_alloc(0);
  int status = bp_ladder_run(1, &(bp_ladder_result){0});
  bp_fault_inject_alloc(-1);
  CU_ASSERT_EQUAL(status, GSL_ENOMEM);
}

/* ---- the precision ladder ------------------------------------------------------------------------------------ */

/* Central differences at cbrt(eps) err by about eps^(2/3): ~1e-5 in float, ~1e-11 in double. Under valgrind long
 * double is computed in double while its step stays cbrt(LDBL_EPSILON), 12x smaller than double's; its round-off
 * eps_double / h is then about 12x double's, so the bound allows a factor 30 over double (natively it is ~200x
 * below). */
static void float_should_be_far_worse_than_double_and_long_double_no_worse(void) {
  for (unsigned long seed = 1; seed <= 3; seed++) {
    bp_ladder_result r;
    CU_ASSERT_EQUAL_FATAL(bp_ladder_run(seed, &r), GSL_SUCCESS);
    const bp_ladder_level *f = &r.level[BP_LADDER_FLOAT], *d = &r.level[BP_LADDER_DOUBLE],
                          *l = &r.level[BP_LADDER_LONG_DOUBLE];
    CU_ASSERT(f->norm_rel_err > 1e-6);
    CU_ASSERT(f->norm_rel_err > 100.0 * d->norm_rel_err);
    CU_ASSERT(f->max_rel_err > BP_RTOL_GOOD); /* a correct gradient outside the "good" band in float */
    CU_ASSERT(d->norm_rel_err <= 1e-8);
    CU_ASSERT(d->max_rel_err < BP_RTOL_GOOD);
    CU_ASSERT(l->norm_rel_err <= 30.0 * d->norm_rel_err);
    if (!(f->norm_rel_err > 100.0 * d->norm_rel_err && d->norm_rel_err <= 1e-8 &&
          l->norm_rel_err <= 30.0 * d->norm_rel_err))
      printf("\n  seed %lu: norm rel err float %.3e double %.3e long double %.3e\n", seed, f->norm_rel_err,
             d->norm_rel_err, l->norm_rel_err);
  }
}

static void the_automatic_step_should_be_the_cube_root_of_each_epsilon(void) {
  bp_ladder_result r;
  CU_ASSERT_EQUAL_FATAL(bp_ladder_run(17, &r), GSL_SUCCESS);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_FLOAT].epsilon, FLT_EPSILON, 0.0);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_DOUBLE].epsilon, DBL_EPSILON, 0.0);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_LONG_DOUBLE].epsilon, (double)LDBL_EPSILON, 0.0);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_FLOAT].auto_step, cbrt(FLT_EPSILON), 2 * FLT_EPSILON);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_DOUBLE].auto_step, cbrt(DBL_EPSILON), 2 * DBL_EPSILON);
  ASSERT_REL_CLOSE(r.level[BP_LADDER_LONG_DOUBLE].auto_step, cbrt((double)LDBL_EPSILON), 2 * DBL_EPSILON);
  CU_ASSERT_EQUAL(r.n_params, BP_LADDER_N_PARAMS);
  CU_ASSERT_STRING_EQUAL(r.level[BP_LADDER_LONG_DOUBLE].token, "long_double");
}

/* Truncation h^2 falls and round-off eps / h rises as h shrinks: the error is least at an interior step, and
 * both ends (1e-1, 1e-16) are far above it. */
static void the_double_sweep_should_have_a_v_shape(void) {
  bp_ladder_result r;
  CU_ASSERT_EQUAL_FATAL(bp_ladder_run(1, &r), GSL_SUCCESS);
  const bp_ladder_level *d = &r.level[BP_LADDER_DOUBLE];
  ASSERT_REL_CLOSE(d->sweep_h[0], 1e-1, 1e-15);
  ASSERT_REL_CLOSE(d->sweep_h[BP_LADDER_N_SWEEP - 1], 1e-16, 1e-15);
  size_t best = 0;
  for (size_t s = 1; s < BP_LADDER_N_SWEEP; s++)
    if (d->sweep_norm_rel_err[s] < d->sweep_norm_rel_err[best]) best = s;
  CU_ASSERT(best > 0 && best < BP_LADDER_N_SWEEP - 1);
  CU_ASSERT(d->sweep_norm_rel_err[0] > 100.0 * d->sweep_norm_rel_err[best]);
  CU_ASSERT(d->sweep_norm_rel_err[BP_LADDER_N_SWEEP - 1] > 100.0 * d->sweep_norm_rel_err[best]);
  CU_ASSERT(d->sweep_norm_rel_err[best] <= 1e-9);
  /* the automatic step lies near the bottom of the V */
  CU_ASSERT(d->norm_rel_err <= 10.0 * d->sweep_norm_rel_err[best]);
}

/* `bpcheck ladder --format tsv`: the fixed header, then 61 sweep rows and 1 automatic row per precision. */
static void bpcheck_ladder_tsv_should_print_the_header_and_62_rows_per_precision(void) {
  static char out[1 << 16], err[4096];
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("ladder --format tsv --seed 29", ".", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_STRING_EQUAL(err, "");
  const char *header = "precision\tepsilon\th\tnorm_rel_err\tmax_rel_err\tauto\n";
  CU_ASSERT_NSTRING_EQUAL(out, header, strlen(header));
  size_t rows[BP_LADDER_N_PRECISIONS] = {0}, autos[BP_LADDER_N_PRECISIONS] = {0}, lines = 0;
  static const char *const tokens[BP_LADDER_N_PRECISIONS] = {"float\t", "double\t", "long_double\t"};
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
    if (lines == 0) continue;
    for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++)
      if (strncmp(line, tokens[k], strlen(tokens[k])) == 0) {
        rows[k]++;
        size_t n = strlen(line);
        autos[k] += (n >= 2 && strcmp(line + n - 2, "\t1") == 0);
      }
  }
  CU_ASSERT_EQUAL(lines, 1 + BP_LADDER_N_PRECISIONS * (BP_LADDER_N_SWEEP + 1));
  for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++) {
    CU_ASSERT_EQUAL(rows[k], BP_LADDER_N_SWEEP + 1);
    CU_ASSERT_EQUAL(autos[k], 1);
  }
}

int register_taylor(void) {
  static const bp_test_case cases[] = {
      {"a_correct_network_gradient_should_fall_at_rate_two_and_pass",
       a_correct_network_gradient_should_fall_at_rate_two_and_pass},
      {"a_flipped_sign_on_one_layer_should_fall_at_rate_one_and_fail",
       a_flipped_sign_on_one_layer_should_fall_at_rate_one_and_fail},
      {"a_gradient_twice_too_large_should_fall_at_rate_one_and_fail",
       a_gradient_twice_too_large_should_fall_at_rate_one_and_fail},
      {"a_missing_hidden_derivative_should_fall_at_rate_one_and_fail",
       a_missing_hidden_derivative_should_fall_at_rate_one_and_fail},
      {"the_point_should_be_restored_bit_for_bit", the_point_should_be_restored_bit_for_bit},
      {"a_function_linear_along_v_should_not_pass_and_say_why", a_function_linear_along_v_should_not_pass_and_say_why},
      {"bad_sizes_and_directions_should_be_rejected_with_a_message",
       bad_sizes_and_directions_should_be_rejected_with_a_message},
      {"a_random_direction_should_be_a_signed_unit_vector", a_random_direction_should_be_a_signed_unit_vector},
      {"an_allocation_failure_should_return_enomem_and_leave_x_alone",
       an_allocation_failure_should_return_enomem_and_leave_x_alone},
      {"float_should_be_far_worse_than_double_and_long_double_no_worse",
       float_should_be_far_worse_than_double_and_long_double_no_worse},
      {"the_automatic_step_should_be_the_cube_root_of_each_epsilon",
       the_automatic_step_should_be_the_cube_root_of_each_epsilon},
      {"the_double_sweep_should_have_a_v_shape", the_double_sweep_should_have_a_v_shape},
      {"bpcheck_ladder_tsv_should_print_the_header_and_62_rows_per_precision",
       bpcheck_ladder_tsv_should_print_the_header_and_62_rows_per_precision},
  };
  return bp_test_add_suite("Taylor remainder and precision ladder", cases, sizeof cases / sizeof cases[0]);
}
