/* estimates.c - `bpcheck estimates [--seed N] [--format table|tsv|json]`: does each finite-difference method's error
 * estimate bound its actual error? Over every entry of every finite-difference claim of the derivation checks, each
 * method's value is compared with the complex step's at the same points (the complex step's own with Richardson's,
 * a weaker measurement: checks/coverage.c says why). The requirement is coverage on at least 99% of the entries
 * (BP_ESTIMATE_COVERAGE_GOAL). Exit 0 when every method meets it, 1 when one does not, 3 when a check cannot run.
 * Everything is computed before the first line is printed.
 *
 * TSV: a header line
 *     method  reference  entries  covered  fraction  worst_ratio  worst_at
 * then one row per method in the order of fd.h. worst_ratio is the largest |n - n_ref| / (e + e_ref) (> 1 exactly
 * where an entry is not covered; inf where e + e_ref is 0 and the values differ), worst_at its place as
 * check/claim/entry (claim and entry counted from 0), or - when there was no entry. */
#include <math.h>
#include <stdio.h>

#include "checks.h"
#include "cli.h"
#include "core.h"

static int meets_goal(const bp_estimate_coverage *c) { return c->fraction >= BP_ESTIMATE_COVERAGE_GOAL; }

static void print_tsv(const bp_estimate_coverage *cov) {
  printf("method\treference\tentries\tcovered\tfraction\tworst_ratio\tworst_at\n");
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    const bp_estimate_coverage *c = &cov[m];
    printf("%s\t%s\t%zu\t%zu\t%.6f\t%.3e\t", bp_fd_method_name(c->method), bp_fd_method_name(c->reference), c->entries,
           c->covered, c->fraction, c->worst_ratio);
    if (c->worst_check)
      printf("%s/%zu/%zu\n", c->worst_check, c->worst_claim, c->worst_entry);
    else
      printf("-\n");
  }
}

static void print_json(const bp_estimate_coverage *cov, unsigned long seed, int all_meet) {
  printf("{\"seed\": %lu, \"goal\": %g, \"covered_when\": \"|n - n_ref| <= e + e_ref\", \"methods\": [", seed,
         BP_ESTIMATE_COVERAGE_GOAL);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    const bp_estimate_coverage *c = &cov[m];
    printf("%s\n  {\"method\": \"%s\", \"reference\": \"%s\", \"entries\": %zu, \"covered\": %zu, \"nonfinite\": %zu, "
           "\"fraction\": ",
           m ? "," : "", bp_fd_method_name(c->method), bp_fd_method_name(c->reference), c->entries, c->covered,
           c->nonfinite);
    bp_cli_json_number(c->fraction);
    printf(", \"worst_ratio\": ");
    bp_cli_json_number(c->worst_ratio);
    printf(", \"worst_at\": ");
    if (c->worst_check) {
      printf("{\"check\": ");
      bp_cli_json_string(c->worst_check);
      printf(", \"claim\": %zu, \"entry\": %zu}", c->worst_claim, c->worst_entry);
    } else {
      printf("null");
    }
    printf(", \"meets_goal\": %s, \"weaker\": %s}", meets_goal(c) ? "true" : "false",
           c->method == BP_FD_COMPLEX ? "true" : "false");
  }
  printf("\n], \"pass\": %s}\n", all_meet ? "true" : "false");
}

static void print_table(const bp_estimate_coverage *cov, unsigned long seed, int all_meet) {
  char text[512];
  printf("bpcheck estimates, seed %lu: does each method's error estimate bound its actual error?\n", seed);
  snprintf(text, sizeof text,
           "Every entry of every finite-difference claim of the %zu derivation checks: the "
           "method's value n and estimate e against the reference's n_ref and e_ref at the same points. Covered when "
           "|n - n_ref| <= e + e_ref (the reference is not exact either: its own estimate is added). Goal: at least "
           "%.0f%% of the entries.",
           bp_checks_count, 100.0 * BP_ESTIMATE_COVERAGE_GOAL);
  bp_cli_wrap("", text, "");
  printf("\n");
  printf("%-11s %-11s %7s %7s %9s %11s  %s\n", "method", "reference", "entries", "covered", "fraction", "worst ratio",
         "where (check/claim/entry)");
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    const bp_estimate_coverage *c = &cov[m];
    printf("%-11s %-11s %7zu %7zu %8.2f%% %11.3g  ", bp_fd_method_name(c->method), bp_fd_method_name(c->reference),
           c->entries, c->covered, 100.0 * c->fraction, c->worst_ratio);
    if (c->worst_check)
      printf("%s/%zu/%zu", c->worst_check, c->worst_claim, c->worst_entry);
    else
      printf("-");
    if (c->nonfinite) printf("  (%zu non-finite entries skipped)", c->nonfinite);
    printf("%s\n", meets_goal(c) ? "" : "  BELOW THE GOAL");
  }
  printf("\nworst ratio: the largest |n - n_ref| / (e + e_ref); above 1 where the estimate missed.\n");
  bp_cli_wrap("",
              "complex: a WEAKER measurement. Double has no better oracle than the complex step, so it is "
              "compared with Richardson, whose estimate is 1e3 to 1e6 times larger: the row shows that the two agree "
              "within their joint estimates (the same comparison as Richardson's row), not that the complex step's "
              "estimate alone holds. That is measured against a backprop in long double in tests/test_estimates.c.",
              "");
  if (all_meet)
    printf("Every method's estimate covers at least %.0f%% of the entries.\n", 100.0 * BP_ESTIMATE_COVERAGE_GOAL);
  else
    printf("FAILED: an estimate covers fewer than %.0f%% of the entries.\n", 100.0 * BP_ESTIMATE_COVERAGE_GOAL);
}

int bp_cli_estimates(unsigned long seed, format fmt) {
  bp_estimate_coverage cov[BP_FD_N_METHODS];
  int all_meet = 1;
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    if (bp_estimate_coverage_measure((bp_fd_method)m, seed, &cov[m]) != GSL_SUCCESS) {
      fprintf(stderr, "bpcheck: estimates: %s\n", bp_error_message());
      return EXIT_INTERNAL;
    }
    all_meet &= meets_goal(&cov[m]);
  }
  if (fmt == FORMAT_TSV)
    print_tsv(cov);
  else if (fmt == FORMAT_JSON)
    print_json(cov, seed, all_meet);
  else
    print_table(cov, seed, all_meet);
  return all_meet ? EXIT_OK : EXIT_FAILED;
}
