/* test_estimates.c - how often each finite-difference method's error estimate bounds its actual error
 * (checks/coverage.c, `bpcheck estimates`), the complex step's own estimate against a backprop in long double, and
 * the relative errors a check reports when its entries are below the difference's resolution (checks/registry.c). */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_math.h>

#include "checks.h"
#include "core.h"
#include "test_util.h"

static char dir[64];

static int setup(void) { return bp_test_mkdtemp(dir, sizeof dir, "estimates"); }

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* The requirement, measured against the complex step (the complex step against Richardson): every method's
 * estimate covers at least 99% of the entries. Every method sees the same entries, and none is skipped. */
static void every_method_should_cover_at_least_99_percent_of_the_entries_at_seeds_1_and_2(void) {
  for (unsigned long seed = 1; seed <= 2; seed++) {
    size_t entries = 0;
    for (int m = 0; m < BP_FD_N_METHODS; m++) {
      bp_estimate_coverage c;
      CU_ASSERT_EQUAL_FATAL(bp_estimate_coverage_measure((bp_fd_method)m, seed, &c), GSL_SUCCESS);
      CU_ASSERT(c.fraction >= BP_ESTIMATE_COVERAGE_GOAL);
      CU_ASSERT(c.entries > 500); /* every finite-difference claim of the 22 checks: 852 at seed 1 */
      CU_ASSERT_EQUAL(c.nonfinite, 0);
      CU_ASSERT_EQUAL(c.fraction, (double)c.covered / (double)c.entries);
      CU_ASSERT_PTR_NOT_NULL(c.worst_check);
      CU_ASSERT((c.worst_ratio <= 1.0) == (c.covered == c.entries));
      if (m == 0) entries = c.entries;
      CU_ASSERT_EQUAL(c.entries, entries);
    }
  }
}

/* The measurement can fail: the same counting, with every estimate of the method divided by 1000, drops below 99%.
 * Except for the complex step: its reference's estimate (Richardson's) is 1e3 to 1e6 times larger and covers the
 * difference on its own, so its row cannot see its own estimate shrink. That is why its row is called weaker, and
 * why the next test measures the complex step against long double instead. */
static void an_estimate_1000_times_too_small_should_fall_below_99_percent(void) {
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    bp_estimate_coverage c;
    CU_ASSERT_EQUAL_FATAL(bp_estimate_coverage_measure_scaled((bp_fd_method)m, 1, 1e-3, &c), GSL_SUCCESS);
    if (m == BP_FD_COMPLEX) {
      CU_ASSERT(c.fraction >= BP_ESTIMATE_COVERAGE_GOAL); /* blind to it: the weaker measurement */
    } else {
      CU_ASSERT(c.fraction < BP_ESTIMATE_COVERAGE_GOAL);
      CU_ASSERT(c.worst_ratio > 100.0);
    }
  }
}

static void bad_arguments_should_be_refused_with_a_message(void) {
  bp_estimate_coverage c;
  ASSERT_FAILS_WITH_MESSAGE(bp_estimate_coverage_measure_scaled(BP_FD_CENTRAL, 1, 0.0, &c), GSL_EINVAL, "scale");
  ASSERT_FAILS_WITH_MESSAGE(bp_estimate_coverage_measure_scaled(BP_FD_CENTRAL, 1, GSL_NAN, &c), GSL_EINVAL, "scale");
  ASSERT_FAILS_WITH_MESSAGE(bp_estimate_coverage_measure((bp_fd_method)BP_FD_N_METHODS, 1, &c), GSL_EINVAL,
                            "unknown method");
  CU_ASSERT_EQUAL(bp_estimate_coverage_reference(BP_FD_CENTRAL), BP_FD_COMPLEX);
  CU_ASSERT_EQUAL(bp_estimate_coverage_reference(BP_FD_COMPLEX), BP_FD_RICHARDSON);
}

/* ---- the complex step against long double ----------------------------------------------------------------------
 * The loss of a network (logistic hidden units, eq. (2), (3)), summed over a batch, and its gradient by backprop
 * (eq. (9)-(16), eq. (26)-(31)), all in long double: 64-bit significands against double's 53, so 2^11 times finer
 * than the complex step can be, and an oracle for it. The parameters, inputs and targets are the double ones. */
enum { MAX_UNITS = 16 };

static void long_double_gradient(const bp_test_problem *p, long double *g) {
  const bp_mlp *net = p->net;
  size_t L = net->n_layers, batch = p->X0->size1;
  for (size_t k = 0; k < net->n_params; k++) g[k] = 0.0L;
  for (size_t b = 0; b < batch; b++) {
    long double X[BP_MLP_MAX_LAYERS + 1][MAX_UNITS], delta[MAX_UNITS], below[MAX_UNITS];
    for (size_t j = 0; j < net->sizes[0]; j++) X[0][j] = gsl_matrix_get(p->X0, b, j);
    for (size_t l = 1; l <= L; l++) {
      long double s[MAX_UNITS];
      for (size_t i = 0; i < net->sizes[l]; i++) {
        s[i] = gsl_vector_get(&net->b[l].vector, i); /* eq. (3) */
        for (size_t j = 0; j < net->sizes[l - 1]; j++) s[i] += X[l - 1][j] * gsl_matrix_get(&net->W[l].matrix, j, i);
      }
      if (l < L || net->output == BP_OUTPUT_LOGISTIC) {
        for (size_t i = 0; i < net->sizes[l]; i++) X[l][i] = 1.0L / (1.0L + expl(-s[i])); /* eq. (2) */
      } else {
        long double top = s[0], z = 0.0L; /* eq. (17), shifted by the row maximum */
        for (size_t i = 1; i < net->sizes[l]; i++) top = fmaxl(top, s[i]);
        for (size_t i = 0; i < net->sizes[l]; i++) z += expl(s[i] - top);
        for (size_t i = 0; i < net->sizes[l]; i++) X[l][i] = expl(s[i] - top) / z;
      }
    }
    /* dE/ds at the output: x - t for eq. (36); (sum_k t_k) x - t for eq. (38), exact also where the double targets
     * sum to 1 only to rounding */
    long double t_sum = 0.0L;
    for (size_t i = 0; i < net->sizes[L]; i++) t_sum += gsl_matrix_get(p->T, b, i);
    for (size_t i = 0; i < net->sizes[L]; i++)
      delta[i] = (net->output == BP_OUTPUT_SOFTMAX ? t_sum : 1.0L) * X[L][i] - gsl_matrix_get(p->T, b, i);
    for (size_t l = L; l >= 1; l--) {
      size_t nj = net->sizes[l - 1], ni = net->sizes[l], off = net->offset[l];
      for (size_t j = 0; j < nj; j++)
        for (size_t i = 0; i < ni; i++) g[off + j * ni + i] += delta[i] * X[l - 1][j]; /* eq. (10), (15) */
      for (size_t i = 0; i < ni; i++) g[off + nj * ni + i] += delta[i];                /* the bias, eq. (3) */
      if (l == 1) break;
      for (size_t j = 0; j < nj; j++) { /* eq. (12), (31) */
        long double sum = 0.0L;
        for (size_t i = 0; i < ni; i++) sum += delta[i] * gsl_matrix_get(&net->W[l].matrix, j, i);
        below[j] = sum * X[l - 1][j] * (1.0L - X[l - 1][j]);
      }
      for (size_t j = 0; j < nj; j++) delta[j] = below[j];
    }
  }
}

typedef struct {
  size_t entries, covered, covered_by_floor, covered_scaled_down;
  double worst_ratio;
} oracle_count;

/* The complex step's gradient of the loss of a network, entry by entry against long double: is |n - g| <= e?
 * Also counted: e / 1000 (a planted underestimate), and 8 eps |n| alone (the estimate before the rounding sample). */
static void count_against_long_double(size_t n_layers, const size_t *sizes, bp_output output, size_t batch,
                                      unsigned long seed, oracle_count *k) {
  bp_test_problem *p = bp_test_problem_alloc(n_layers, sizes, output, batch, seed);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  size_t n = p->net->n_params;
  long double *g = malloc(n * sizeof *g);
  gsl_matrix *J = bp_matrix_alloc(1, n), *E = bp_matrix_alloc(1, n);
  gsl_vector *x = bp_vector_alloc(n);
  bp_mlp_workspace_complex *wsz = bp_mlp_workspace_complex_alloc(p->net, batch);
  CU_ASSERT_FATAL(g && J && E && x && wsz);
  gsl_vector_memcpy(x, p->net->params);
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, wsz};
  const bp_fd_problem problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &c, NULL};
  CU_ASSERT_EQUAL(bp_fd_jacobian(BP_FD_COMPLEX, &problem, x, J, E), GSL_SUCCESS);
  long_double_gradient(p, g);
  for (size_t i = 0; i < n; i++) {
    double num = gsl_matrix_get(J, 0, i), e = gsl_matrix_get(E, 0, i);
    double err = (double)fabsl((long double)num - g[i]);
    k->entries++;
    k->covered += err <= e;
    k->covered_scaled_down += err <= 1e-3 * e;
    k->covered_by_floor += err <= 8.0 * GSL_DBL_EPSILON * fabs(num);
    k->worst_ratio = fmax(k->worst_ratio, e > 0 ? err / e : (err > 0 ? GSL_POSINF : 0.0));
  }
  bp_mlp_workspace_complex_free(wsz);
  gsl_vector_free(x);
  gsl_matrix_free(J);
  gsl_matrix_free(E);
  free(g);
  bp_test_problem_free(p);
}

/* Is long double really finer than double here? valgrind computes it in double, and then 1 + LDBL_EPSILON = 1. */
static int long_double_is_extended(void) {
  volatile long double one = 1.0L, tiny = LDBL_EPSILON;
  return LDBL_MANT_DIG > DBL_MANT_DIG && one + tiny != one;
}

/* Deep networks (eq. (9)-(16), eq. (26)-(31)) of layers of different sizes with a batch whose terms cancel in the
 * gradient: the case where the complex step's imaginary parts lose digits (lib/fd.c, BP_FD_COMPLEX). Its estimate
 * covers at least 99% of the entries against long double; 8 eps |n| alone -- the estimate before fd.c measured the
 * rounding -- does not, and neither does the estimate divided by 1000: this measurement can fail. */
static void the_complex_step_estimate_should_cover_a_long_double_backprop(void) {
  if (!long_double_is_extended()) {
    CU_PASS("long double is computed in double here (valgrind does): it is no oracle for double, nothing measured");
    return;
  }
  static const size_t logistic_sizes[] = {3, 7, 5, 4, 2}, softmax_sizes[] = {4, 6, 5, 7, 3}, wide[] = {5, 11, 9, 4};
  oracle_count k = {0, 0, 0, 0, 0.0};
  for (unsigned long seed = 1; seed <= 8; seed++) {
    count_against_long_double(4, logistic_sizes, BP_OUTPUT_LOGISTIC, 3, seed, &k);
    count_against_long_double(4, softmax_sizes, BP_OUTPUT_SOFTMAX, 3, 100 + seed, &k);
    count_against_long_double(3, wide, BP_OUTPUT_SOFTMAX, 7, 200 + seed, &k);
  }
  CU_ASSERT(k.entries > 2000);
  CU_ASSERT(k.covered >= BP_ESTIMATE_COVERAGE_GOAL * k.entries);
  CU_ASSERT(k.covered_by_floor < BP_ESTIMATE_COVERAGE_GOAL * k.entries);
  CU_ASSERT(k.covered_scaled_down < BP_ESTIMATE_COVERAGE_GOAL * k.entries);
}

/* ---- what a check reports where the difference resolves nothing (checks/registry.c) ---------------------------- */

static int is_erratum_of_the_notes(const char *id) {
  /* eq. (23), eq. (24), eq. (28): see the erratum lines in checks/registry.c */
  return !strcmp(id, "softmax-ds-split") || !strcmp(id, "softmax-ds-expanded") ||
         !strcmp(id, "softmax-output-weights-sum");
}

/* The printed errata, eq. (23), eq. (24), eq. (28), are gross errors (relative errors near 1), and every method must
 * say so: a forward difference resolves no entry at rtol 1e-7, which made erratum_rel_err read 0. It is now the failing
 * entry's own rel_err. */
static void every_erratum_should_show_a_gross_relative_error_with_every_method(void) {
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    size_t errata = 0;
    for (size_t k = 0; k < bp_checks_count; k++) {
      bp_check_result r;
      CU_ASSERT_EQUAL_FATAL(bp_check_run(&bp_checks[k], 1, (bp_fd_method)m, &r), GSL_SUCCESS);
      if (r.verdict != BP_CHECK_ERRATUM) {
        CU_ASSERT_EQUAL(r.erratum_rel_err, 0.0);
        continue;
      }
      errata++;
      CU_ASSERT(r.erratum_rel_err > 1e-2);
      CU_ASSERT(is_erratum_of_the_notes(bp_checks[k].id));
    }
    CU_ASSERT_EQUAL(errata, 3); /* eq. (23), (24), (28), with every method */
  }
}

/* A claim's worst_rel_err is its worst entry's true relative error, whichever entry decides. */
static void a_claim_should_record_its_worst_entry_relative_error(void) {
  bp_check_result r;
  CU_ASSERT_EQUAL_FATAL(bp_check_run(bp_check_find("softmax-ds-split"), 1, BP_FD_FORWARD, &r), GSL_SUCCESS);
  for (size_t k = 0; k < r.n_claims; k++) {
    const bp_claim *c = &r.claims[k];
    double a = c->worst_analytic, n = c->worst_reference;
    ASSERT_REL_CLOSE(c->worst_rel_err, fabs(a - n) / fmax(fabs(a), fabs(n)), 4 * GSL_DBL_EPSILON);
  }
}

/* max_rel_err counts the resolved entries only (fd.h). Where none resolves it is NaN -- not measured -- never a 0
 * that reads as perfect agreement; where some do, it is their largest rel_err. */
static void max_rel_err_should_be_nan_not_zero_where_no_entry_is_resolved(void) {
  bp_check_result f, c;
  const bp_check_def *def = bp_check_find("logistic-dE-dx");
  CU_ASSERT_PTR_NOT_NULL_FATAL(def);
  CU_ASSERT_EQUAL_FATAL(bp_check_run(def, 1, BP_FD_FORWARD, &f), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_check_run(def, 1, BP_FD_CENTRAL, &c), GSL_SUCCESS);
  CU_ASSERT_EQUAL(f.verdict, BP_CHECK_PASS);
  for (size_t k = 0; k < f.n_claims; k++) {
    CU_ASSERT_EQUAL(f.claims[k].n_unresolved, f.claims[k].entries); /* forward resolves none at 1e-7 */
    CU_ASSERT(isnan(f.claims[k].max_rel_err));
  }
  CU_ASSERT(isnan(f.max_rel_err));
  CU_ASSERT(f.norm_rel_err > 0 && f.norm_rel_err < 1e-6); /* the error is there, and small */
  CU_ASSERT(isfinite(c.max_rel_err) && c.max_rel_err > 0 && c.max_rel_err < BP_RTOL_GOOD);
}

/* ---- the command ------------------------------------------------------------------------------------------------
 * Needs `bpcheck estimates` in the dispatch of cli/bpcheck.c. */
static void the_estimates_command_should_exit_zero_with_a_row_per_method(void) {
  static char out[1 << 14], err[4096];
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("estimates --format tsv", dir, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(strncmp(out, "method\treference\tentries\tcovered\tfraction\tworst_ratio\tworst_at\n", 62), 0);
  size_t lines = 0;
  for (const char *p = out; *p; p++) lines += (*p == '\n');
  CU_ASSERT_EQUAL(lines, 1 + BP_FD_N_METHODS);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    char row[64];
    snprintf(row, sizeof row, "\n%s\t%s\t", bp_fd_method_name((bp_fd_method)m),
             bp_fd_method_name(bp_estimate_coverage_reference((bp_fd_method)m)));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, row));
  }
  CU_ASSERT_EQUAL(err[0], '\0');
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("estimates --seed 2", dir, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "WEAKER"));
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("estimates --format json", dir, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"pass\": true}"));
}

int register_estimates(void) {
  static const bp_test_case cases[] = {
      {"every_method_should_cover_at_least_99_percent_of_the_entries_at_seeds_1_and_2",
       every_method_should_cover_at_least_99_percent_of_the_entries_at_seeds_1_and_2},
      {"an_estimate_1000_times_too_small_should_fall_below_99_percent",
       an_estimate_1000_times_too_small_should_fall_below_99_percent},
      {"bad_arguments_should_be_refused_with_a_message", bad_arguments_should_be_refused_with_a_message},
      {"the_complex_step_estimate_should_cover_a_long_double_backprop",
       the_complex_step_estimate_should_cover_a_long_double_backprop},
      {"every_erratum_should_show_a_gross_relative_error_with_every_method",
       every_erratum_should_show_a_gross_relative_error_with_every_method},
      {"a_claim_should_record_its_worst_entry_relative_error", a_claim_should_record_its_worst_entry_relative_error},
      {"max_rel_err_should_be_nan_not_zero_where_no_entry_is_resolved",
       max_rel_err_should_be_nan_not_zero_where_no_entry_is_resolved},
      {"the_estimates_command_should_exit_zero_with_a_row_per_method",
       the_estimates_command_should_exit_zero_with_a_row_per_method},
  };
  CU_pSuite s = CU_add_suite("estimates", setup, teardown);
  if (s == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
