/* test_checks.c - the derivation checks of checks/: every one runs and holds (or shows its erratum) at several
 * seeds and with both methods, and the verdict rule catches planted faults. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derivations.h"
#include "test_util.h"

static int is_erratum_of_the_notes(const char *id) {
  /* eq. (23) sign, eq. (24) index, eq. (28) summation index: see the erratum lines in checks/registry.c */
  return !strcmp(id, "softmax-ds-split") || !strcmp(id, "softmax-ds-expanded") ||
         !strcmp(id, "softmax-output-weights-sum");
}

static void run_all_and_expect_no_failure(unsigned long seed, bp_fd_method method) {
  for (size_t k = 0; k < bp_checks_count; k++) {
    bp_check_result r;
    int status = bp_check_run(&bp_checks[k], seed, method, &r);
    CU_ASSERT_EQUAL(status, GSL_SUCCESS);
    if (r.verdict == BP_CHECK_FAIL || (r.verdict == BP_CHECK_ERRATUM) != is_erratum_of_the_notes(bp_checks[k].id))
      printf("\n  check %s, seed %lu, %s: %s\n", bp_checks[k].id, seed, bp_fd_method_name(method),
             bp_check_verdict_name(r.verdict));
    CU_ASSERT_NOT_EQUAL(r.verdict, BP_CHECK_FAIL);
    CU_ASSERT_EQUAL(r.verdict == BP_CHECK_ERRATUM, is_erratum_of_the_notes(bp_checks[k].id));
    CU_ASSERT(r.n_claims > 0);
  }
}

static void every_check_should_hold_or_show_an_erratum_at_the_default_seed(void) {
  run_all_and_expect_no_failure(1, BP_FD_CENTRAL);
}

static void every_check_should_hold_at_other_seeds_too(void) {
  for (unsigned long seed = 2; seed <= 6; seed++) run_all_and_expect_no_failure(seed, BP_FD_CENTRAL);
}

static void every_check_should_hold_with_gsl_deriv_central(void) { run_all_and_expect_no_failure(1, BP_FD_GSL); }

/* An erratum is a clear failure of the printed form, not a marginal one, and its correction holds to "good". */
static void errata_should_fail_clearly_and_their_corrections_hold(void) {
  for (size_t k = 0; k < bp_checks_count; k++) {
    if (!is_erratum_of_the_notes(bp_checks[k].id)) continue;
    bp_check_result r;
    CU_ASSERT_EQUAL_FATAL(bp_check_run(&bp_checks[k], 1, BP_FD_CENTRAL, &r), GSL_SUCCESS);
    CU_ASSERT(r.erratum_rel_err > 1e-2);
    CU_ASSERT(r.max_rel_err < BP_RTOL_GOOD);
    CU_ASSERT_PTR_NOT_NULL(bp_checks[k].erratum);
  }
}

static void checks_should_be_reproducible_from_their_seed(void) {
  const bp_check_def *def = bp_check_find("logistic-deep-recursion");
  CU_ASSERT_PTR_NOT_NULL_FATAL(def);
  bp_check_result a, b, c;
  bp_check_run(def, 7, BP_FD_CENTRAL, &a);
  bp_check_run(def, 7, BP_FD_CENTRAL, &b);
  bp_check_run(def, 8, BP_FD_CENTRAL, &c);
  CU_ASSERT_EQUAL(a.claims[0].max_rel_err, b.claims[0].max_rel_err);
  CU_ASSERT_NOT_EQUAL(a.claims[0].max_rel_err, c.claims[0].max_rel_err);
}

static void check_ids_should_be_unique_and_found_by_name(void) {
  for (size_t k = 0; k < bp_checks_count; k++) {
    CU_ASSERT_PTR_EQUAL(bp_check_find(bp_checks[k].id), &bp_checks[k]);
    CU_ASSERT(strlen(bp_checks[k].equations) > 0 && strlen(bp_checks[k].title) > 0);
  }
  CU_ASSERT_PTR_NULL(bp_check_find("no-such-check"));
}

/* Every .c and .h file of checks/ in one string (the suite runs from the repository root), or NULL. */
static char *read_checks_sources(void) {
  DIR *d = opendir("checks");
  if (d == NULL) return NULL;
  size_t len = 0;
  char *all = calloc(1, 1);
  struct dirent *e;
  while (all && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 3 || e->d_name[n - 2] != '.' || (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h')) continue;
    char path[512];
    snprintf(path, sizeof path, "checks/%s", e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL) continue;
    char buf[4096];
    size_t got;
    while (all && (got = fread(buf, 1, sizeof buf, f)) > 0) {
      char *grown = realloc(all, len + got + 1);
      if (grown == NULL) {
        free(all);
        all = NULL;
        break;
      }
      all = grown;
      memcpy(all + len, buf, got);
      len += got;
      all[len] = '\0';
    }
    fclose(f);
  }
  closedir(d);
  return all;
}

/* The project's rule that one grep tells an equation's story: every equation a check lists ("5,6", "9-16") is
 * written as "eq. (N)" in the check sources. */
static void every_equation_a_check_lists_should_be_tagged_eq_n_in_the_checks(void) {
  char *src = read_checks_sources();
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  size_t tags = 0;
  for (size_t k = 0; k < bp_checks_count; k++) {
    const char *p = bp_checks[k].equations;
    while (*p) {
      char *end;
      long lo = strtol(p, &end, 10), hi = lo;
      if (*end == '-') hi = strtol(end + 1, &end, 10);
      for (long n = lo; n <= hi; n++, tags++) {
        char tag[32];
        snprintf(tag, sizeof tag, "eq. (%ld)", n);
        if (strstr(src, tag) == NULL)
          printf("\n  check %s lists %s, which checks/ never writes\n", bp_checks[k].id, tag);
        CU_ASSERT_PTR_NOT_NULL(strstr(src, tag));
      }
      p = (*end == ',') ? end + 1 : end;
      CU_ASSERT_FATAL(end > bp_checks[k].equations);
    }
  }
  CU_ASSERT(tags >= bp_checks_count);
  free(src);
}

/* ---- the verdict rule, with planted faults ------------------------------------------------------------------- */

enum { NK = 3, NJ = 4, NI = 2 };

/* eq. (12) with a planted bug: the factor x_j (1 - x_j) of eq. (7) is missing. */
static int missing_activation_derivative(bp_check_ctx *ctx) {
  bp_scenario *sc = bp_scenario_alloc(NK, NJ, NI, 0, ctx->rng);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ];
  for (size_t j = 0; j < NJ; j++) {
    g[j] = 0.0;
    for (size_t i = 0; i < NI; i++)
      g[j] += (gsl_vector_get(sc->x_i, i) - gsl_vector_get(sc->t, i)) * gsl_matrix_get(sc->W_ji, j, i);
  }
  gsl_vector_view gv = gsl_vector_view_array(g, NJ);
  int status = bp_claim_scenario(ctx, BP_CLAIM_PRINTED, "12", "missing x_j(1-x_j)", sc, BP_WRT_S_J, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

/* The correct eq. (12), claimed with the given kind. */
static int correct_hidden_delta(bp_check_ctx *ctx, bp_claim_kind kind) {
  bp_scenario *sc = bp_scenario_alloc(NK, NJ, NI, 0, ctx->rng);
  if (sc == NULL) return GSL_ENOMEM;
  double g[NJ];
  for (size_t j = 0; j < NJ; j++) {
    double xj = gsl_vector_get(sc->x_j, j);
    g[j] = 0.0;
    for (size_t i = 0; i < NI; i++)
      g[j] += (gsl_vector_get(sc->x_i, i) - gsl_vector_get(sc->t, i)) * gsl_matrix_get(sc->W_ji, j, i) * xj * (1 - xj);
  }
  gsl_vector_view gv = gsl_vector_view_array(g, NJ);
  int status = bp_claim_scenario(ctx, kind, "12", "eq. (12)", sc, BP_WRT_S_J, &gv.vector);
  bp_scenario_free(sc);
  return status;
}

static int bug_without_correction(bp_check_ctx *ctx) { return missing_activation_derivative(ctx); }
static int bug_with_correction(bp_check_ctx *ctx) {
  int status = missing_activation_derivative(ctx);
  return status ? status : correct_hidden_delta(ctx, BP_CLAIM_CORRECTED);
}
static int correct_formula_claimed_to_fail(bp_check_ctx *ctx) { return correct_hidden_delta(ctx, BP_CLAIM_MUST_FAIL); }
static int failing_correction(bp_check_ctx *ctx) {
  int status = missing_activation_derivative(ctx);
  if (status) return status;
  bp_check_result *r = ctx->result;
  status = missing_activation_derivative(ctx); /* the "correction" is the same bug */
  r->claims[r->n_claims - 1].kind = BP_CLAIM_CORRECTED;
  return status;
}
static int correct_hidden_delta_printed(bp_check_ctx *ctx) { return correct_hidden_delta(ctx, BP_CLAIM_PRINTED); }
static int no_claims(bp_check_ctx *ctx) {
  (void)ctx;
  return GSL_SUCCESS;
}

static bp_check_verdict verdict_of(int (*run)(bp_check_ctx *)) {
  bp_check_def def = {"planted", "12", "planted fault", NULL, run};
  bp_check_result r;
  bp_check_run(&def, 3, BP_FD_CENTRAL, &r);
  return r.verdict;
}

/* eq. (12) */
static void a_printed_formula_with_a_planted_bug_should_fail_the_check(void) {
  CU_ASSERT_EQUAL(verdict_of(bug_without_correction), BP_CHECK_FAIL);
}

/* eq. (12) */
static void a_failing_printed_formula_with_a_holding_correction_should_be_an_erratum(void) {
  CU_ASSERT_EQUAL(verdict_of(bug_with_correction), BP_CHECK_ERRATUM);
}

/* eq. (12) */
static void a_correct_formula_should_pass_and_fail_the_check_when_it_was_meant_to_fail(void) {
  CU_ASSERT_EQUAL(verdict_of(correct_hidden_delta_printed), BP_CHECK_PASS);
  CU_ASSERT_EQUAL(verdict_of(correct_formula_claimed_to_fail), BP_CHECK_FAIL);
}

static void a_correction_that_fails_should_fail_the_check(void) {
  CU_ASSERT_EQUAL(verdict_of(failing_correction), BP_CHECK_FAIL);
}

static void a_check_without_claims_should_fail(void) { CU_ASSERT_EQUAL(verdict_of(no_claims), BP_CHECK_FAIL); }

int register_checks(void) {
  static const bp_test_case cases[] = {
      {"every_check_should_hold_or_show_an_erratum_at_the_default_seed",
       every_check_should_hold_or_show_an_erratum_at_the_default_seed},
      {"every_check_should_hold_at_other_seeds_too", every_check_should_hold_at_other_seeds_too},
      {"every_check_should_hold_with_gsl_deriv_central", every_check_should_hold_with_gsl_deriv_central},
      {"errata_should_fail_clearly_and_their_corrections_hold", errata_should_fail_clearly_and_their_corrections_hold},
      {"checks_should_be_reproducible_from_their_seed", checks_should_be_reproducible_from_their_seed},
      {"check_ids_should_be_unique_and_found_by_name", check_ids_should_be_unique_and_found_by_name},
      {"every_equation_a_check_lists_should_be_tagged_eq_n_in_the_checks",
       every_equation_a_check_lists_should_be_tagged_eq_n_in_the_checks},
      {"a_printed_formula_with_a_planted_bug_should_fail_the_check",
       a_printed_formula_with_a_planted_bug_should_fail_the_check},
      {"a_failing_printed_formula_with_a_holding_correction_should_be_an_erratum",
       a_failing_printed_formula_with_a_holding_correction_should_be_an_erratum},
      {"a_correct_formula_should_pass_and_fail_the_check_when_it_was_meant_to_fail",
       a_correct_formula_should_pass_and_fail_the_check_when_it_was_meant_to_fail},
      {"a_correction_that_fails_should_fail_the_check", a_correction_that_fails_should_fail_the_check},
      {"a_check_without_claims_should_fail", a_check_without_claims_should_fail},
  };
  return bp_test_add_suite("derivation checks", cases, sizeof cases / sizeof cases[0]);
}
