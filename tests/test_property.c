/* test_property.c - bpcheck's own backprop must never FAIL (issue 15): the reproductions with every method,
 * and random networks on inputs of every magnitude. The backward pass is eq. (9)-(16), eq. (26)-(31), its hidden
 * delta takes eq. (7)'s x(1 - x) from s. Runs the binary named by $BPCHECK (default build/bpcheck). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "fd.h"
#include "property.h"
#include "test_util.h"

static char dir[64];
static char out[1 << 16], err[4096];

static int setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "property")) return 1;
  /* the first reproduction: features of ordinary size whose hidden units saturate (s ~ 25..95) */
  return bp_test_write_file(dir, "sat.csv",
                            "0.018217363076920224,-16.709874243048052,24.57837135086997,0.6269943523439049,0,0\n") ||
         /* the second: a subnormal feature, whose derivative's imaginary part underflows in the complex step */
         bp_test_write_file(dir, "ext.csv", "1e-320,1e308,0.5\n") ||
         /* logits 1e300 apart, the target on the winner: every delta x - t is exactly 0, and so is every difference */
         bp_test_write_file(dir, "nosignal.csv", "1e300,-1e300,0,1\n") ||
         bp_test_write_file(dir, "signal.csv", "1e300,-1e300,1,0\n") ||
         /* property cases 8482 and 1278: a feature of -2.1e129 (1.8e286) makes the loss piecewise linear in
          * W1[0,3] (W1[1,1]), its corner within the Richardson (GSL) stencil */
         bp_test_write_file(dir, "corner.csv",
                            "5.0181465176187812e-219,-5.1116301900096597e-109,0,1,0.84179237461648881,"
                            "0.64648189255967736,0,0\n"
                            "6.0127283202929192e-87,-5.0878446168862924e-264,0.30386120826005936,1,1,0,"
                            "0.91334511921741068,0.33441533986479044\n"
                            "-2.0900623970578128e+129,-726093.69078040053,0,0.90876674489118159,0.21198984072543681,"
                            "0.048196847550570965,1,0.79326674109324813\n"
                            "-1.0994231038041241e-174,1.2370580785316686e-134,1,1,0,1,0.69906895700842142,"
                            "0.33815132430754602\n") ||
         bp_test_write_file(dir, "corner-gsl.csv",
                            "-3.2325264182944614e-137,1.9064536909177066e+221,2.0961382910209279e-274,1,0,1,1,1\n"
                            "2.7661476748338024e-83,1.8296416511870642e+286,-2.5228426601120932e-230,"
                            "0.35128896846435964,0.5902485849801451,0,0.13923807325772941,1\n");
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* `bpcheck grad --data DIR/DATA ARGS --method M` for every method: exit 0 and PASS. Prints the output otherwise. */
static void passes_with_every_method(const char *data, const char *args, int line) {
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grad --data %s/%s %s --method %s", dir, data, args, bp_fd_method_name((bp_fd_method)m));
    int rc = bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err);
    int ok = rc == 0 && strncmp(out, "PASS", 4) == 0;
    if (!ok) printf("\n  %s:%d: bpcheck %s: exit %d, %.300s%s\n", __FILE__, line, cmd, rc, out, err);
    CU_ASSERT(ok);
  }
}

/* eq. (7), eq. (12): hidden units at s ~ 25..95, where 1 - x from the rounded x keeps a few digits or none. The
 * complex step resolved the 1e-5 relative error of x(1 - x) taken from x and FAILed bpcheck's own backprop. */
static void the_saturated_reproduction_should_pass_with_every_method(void) {
  passes_with_every_method("sat.csv", "--layers 3,4,3 --output logistic --seed 501", __LINE__);
}

/* The complex step's imaginary part h x_j underflows for x_j = 1e-320 (it returned 0 with an estimate of 0 and a
 * false diagnosis); its estimate now holds the underflow floor. */
static void the_subnormal_feature_reproduction_should_pass_with_every_method(void) {
  passes_with_every_method("ext.csv", "--layers 2,1 --output logistic", __LINE__);
}

/* eq. (9), eq. (10): the loss of a saturated logistic output is piecewise linear in a weight that multiplies a
 * feature of 1e129, with its corner within 1e-124 of 0; property case 8482 has W1[0,3] = 0.0013, inside every
 * Richardson stencil (16h = 0.29), and case 1278 has W1[1,1] = -5.2e-5, inside GSL's first stencil. Both FAILed
 * bpcheck's right backprop with an estimate that missed the blend of the two slopes (fd.c: stencil_kink,
 * gsl_rounds_apart). Now both pass with every method, and a planted bug (the sign of the output delta) still
 * FAILs there. The corner's own entry is not resolvable by those two methods (its estimate is the slopes'
 * spread, as large as the entry): the bug is caught on the other entries, and the complex step catches it on
 * that entry too. */
static void a_corner_inside_the_stencil_should_not_fail_and_a_bug_there_should(void) {
  passes_with_every_method("corner.csv", "--layers 2,6 --output logistic --seed 8482", __LINE__);
  passes_with_every_method("corner-gsl.csv", "--layers 3,5 --output logistic --seed 1278", __LINE__);
  const char *planted[][2] = {{"corner.csv --layers 2,6 --seed 8482", "richardson"},
                              {"corner-gsl.csv --layers 3,5 --seed 1278", "gsl"},
                              {"corner.csv --layers 2,6 --seed 8482", "complex"}};
  for (int k = 0; k < 3; k++) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grad --data %s/%s --output logistic --method %s --plant sign", dir, planted[k][0],
             planted[k][1]);
    int rc = bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err);
    if (rc != 1 || strncmp(out, "FAIL", 4) != 0) printf("\n  bpcheck %s: exit %d, %.300s%s\n", cmd, rc, out, err);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_EQUAL(strncmp(out, "FAIL", 4), 0);
  }
  /* the last run, the complex step: the corner's entry itself is among the failures */
  const char *row = strstr(out, " W1[0,3] "), *end = row ? strchr(row, '\n') : NULL;
  CU_ASSERT_FATAL(row != NULL && end != NULL);
  char line[512];
  snprintf(line, sizeof line, "%.*s", (int)(end - row), row);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "FAIL"));
}

/* NO SIGNAL is neither a pass nor a failure, and exits 4 (0 for the same network with the other target, which
 * has a signal; every method agrees). */
static void no_signal_should_exit_with_a_status_of_its_own(void) {
  char cmd[512];
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    const char *method = bp_fd_method_name((bp_fd_method)m);
    snprintf(cmd, sizeof cmd, "grad --data %s/nosignal.csv --layers 2,2 --output softmax --method %s", dir, method);
    int rc = bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err);
    if (rc != 4 || strncmp(out, "NO SIGNAL", 9) != 0) printf("\n  bpcheck %s: exit %d, %.200s\n", cmd, rc, out);
    CU_ASSERT_EQUAL(rc, 4);
    CU_ASSERT_EQUAL(strncmp(out, "NO SIGNAL", 9), 0);
  }
  snprintf(cmd, sizeof cmd, "grad --data %s/nosignal.csv --layers 2,2 --output softmax --format json", dir);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err), 4);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"verdict\": \"NO SIGNAL\""));
  snprintf(cmd, sizeof cmd, "grad --data %s/signal.csv --layers 2,2 --output softmax", dir);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck(cmd, dir, out, sizeof out, err, sizeof err), 0);
}

/* eq. (9)-(16), eq. (26)-(31): PROPERTY_CASES random networks per method (property.h), bpcheck's own backprop
 * never FAILs. `make property` runs 10000. */
#define PROPERTY_CASES 300
static void own_backprop_should_never_fail_on_random_networks_with_any_method(void) {
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    bp_property_tally t;
    CU_ASSERT_EQUAL_FATAL(bp_property_run(1, PROPERTY_CASES, (bp_fd_method)m, stdout, 3, &t), GSL_SUCCESS);
    CU_ASSERT_EQUAL(t.failed, 0);
    CU_ASSERT_EQUAL(t.cases, PROPERTY_CASES);
    CU_ASSERT(t.verdicts[BP_VERDICT_PASS] > PROPERTY_CASES * 9 / 10); /* mostly a real check, not NO SIGNAL */
  }
}

/* Property case 1451 (a 5-5 softmax network, one-hot targets, a batch of 2): its b1 entries are 1.7e-65 (what
 * they sum is that small too) and -5.4e-20 (the deltas -1 and 1 - 5.4e-20 of the two examples, which correctly
 * rounded sum to 0: bpcheck's backprop gives 0 there). The planted bugs, checked with the complex step:
 *  - b1[0] off by 1e-6 relative: caught, although the entry is 1e-45 of b1's largest, because its floor is
 *    64 eps of what it sums, 1.7e-65;
 *  - b1[2] off by 100% (the true -5.4e-20 doubled): NOT caught. It lies within its floor (64 eps of 2: what it
 *    sums), is judged by the floor and counted so (judged_by "floor", n_floor), and the check PASSes. */
static void a_bug_in_a_tiny_entry_should_be_caught_unless_it_is_within_the_analytic_rounding(void) {
  bp_property_case c;
  CU_ASSERT_EQUAL_FATAL(bp_property_case_draw(1451, &c), GSL_SUCCESS);
  bp_mlp *net = bp_mlp_alloc(c.n_layers, c.sizes, c.output);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, c.batch) : NULL;
  bp_gradcheck *gc = net ? bp_gradcheck_alloc(net->n_params) : NULL;
  gsl_vector *mag = net ? gsl_vector_alloc(net->n_params) : NULL;
  gsl_rng *rng = bp_rng_alloc(1451);
  CU_ASSERT_FATAL(ws && gc && mag && rng);
  bp_mlp_init_random(net, rng);
  CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(net, ws, c.X0, c.T, NULL), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_mlp_backward_magnitude(net, ws, c.X0, mag), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_gradcheck_set_scale(gc, mag), GSL_SUCCESS);
  size_t b10 = 0, b12 = 0;
  CU_ASSERT_EQUAL_FATAL(bp_mlp_param_index(net, "b1[0]", &b10) || bp_mlp_param_index(net, "b1[2]", &b12), 0);
  bp_mlp_closure closure = {net, ws, c.X0, c.T, NULL};
  const bp_fd_problem problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &closure, NULL};
  bp_tolerance tol = bp_tolerance_default();
  gsl_vector *right = gsl_vector_alloc(net->n_params);
  CU_ASSERT_FATAL(right != NULL);
  gsl_vector_memcpy(right, net->grad);
  CU_ASSERT(fabs(gsl_vector_get(right, b10)) < 1e-60 && gsl_vector_get(right, b12) == 0.0); /* as described */
  gsl_matrix_view J = gsl_matrix_view_vector(net->grad, 1, net->n_params);
  /* unplanted: passes, b1[2] judged by the floor */
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_COMPLEX, &problem, net->params, &J.matrix, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, b12), "floor");
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, b10), "rel_err");
  /* b1[0] off by 1e-6: caught */
  gsl_vector_set(net->grad, b10, gsl_vector_get(right, b10) * (1.0 + 1e-6));
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_COMPLEX, &problem, net->params, &J.matrix, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_failed, 1);
  CU_ASSERT_EQUAL(gc->worst, b10);
  /* b1[2] = twice the true value: within the floor, judged by it, reported as such, and the check passes */
  gsl_vector_memcpy(net->grad, right);
  gsl_vector_set(net->grad, b12, 2.0 * gsl_vector_get(gc->numeric, b12));
  CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, BP_FD_COMPLEX, &problem, net->params, &J.matrix, &tol), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, b12), "floor");
  CU_ASSERT(gc->n_floor >= 1);
  gsl_vector_free(right);
  gsl_rng_free(rng);
  gsl_vector_free(mag);
  bp_gradcheck_free(gc);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  bp_property_case_free(&c);
}

int register_property(void) {
  static const bp_test_case cases[] = {
      {"the_saturated_reproduction_should_pass_with_every_method",
       the_saturated_reproduction_should_pass_with_every_method},
      {"the_subnormal_feature_reproduction_should_pass_with_every_method",
       the_subnormal_feature_reproduction_should_pass_with_every_method},
      {"a_corner_inside_the_stencil_should_not_fail_and_a_bug_there_should",
       a_corner_inside_the_stencil_should_not_fail_and_a_bug_there_should},
      {"no_signal_should_exit_with_a_status_of_its_own", no_signal_should_exit_with_a_status_of_its_own},
      {"own_backprop_should_never_fail_on_random_networks_with_any_method",
       own_backprop_should_never_fail_on_random_networks_with_any_method},
      {"a_bug_in_a_tiny_entry_should_be_caught_unless_it_is_within_the_analytic_rounding",
       a_bug_in_a_tiny_entry_should_be_caught_unless_it_is_within_the_analytic_rounding},
  };
  CU_pSuite suite =
      CU_add_suite("own backprop never fails: eq. (7), eq. (12), reproductions, random networks", setup, teardown);
  if (suite == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(suite, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
