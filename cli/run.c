/* run.c - `bpcheck run ID...` and `bpcheck all`: the derivation checks, one summary block per check; `run` adds the
 * per-entry report of every claim, the diagnosis of every claim that fails, and the command that reproduces it.
 * The first line names the worst entry of the run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "checks.h"
#include "cli.h"
#include "core.h"
#include "diagnose.h"
#include "gradcheck.h"

static int is_identity(const bp_claim *c) { return strcmp(c->method, "identity") == 0; }

static const char *check_method(const bp_check_result *r) {
  for (size_t k = 0; k < r->n_claims; k++)
    if (!is_identity(&r->claims[k])) return r->claims[k].method;
  return "identity";
}

static const char *claim_verdict(const bp_claim *c) {
  if (c->kind == BP_CLAIM_MUST_FAIL)
    return c->verdict == BP_VERDICT_FAIL ? "FAILS, as it must" : "HOLDS, but must fail";
  return bp_verdict_name(c->verdict);
}

/* Entry k of a claim's Jacobian (rows x cols, taken row by row): "[c]" for a gradient or an identity's vector,
 * "(r,c)" for a Jacobian entry dy_r/dx_c. */
static void claim_entry_name(const void *ctx, size_t k, char *buf, size_t len) {
  const bp_claim *c = ctx;
  if (c->rows <= 1)
    snprintf(buf, len, "[%zu]", k);
  else
    snprintf(buf, len, "(%zu,%zu)", k / c->cols, k % c->cols);
}

typedef struct {
  char numeric_label[48];
  bp_cli_entries entries;
  bp_diagnosis diagnosis; /* kind NONE unless the claim failed where it should hold */
} claim_report;

/* A claim's failure is news, worth a diagnosis, unless the claim was built to fail. */
static int failure_is_news(const bp_claim *c) { return c->kind != BP_CLAIM_MUST_FAIL && c->verdict == BP_VERDICT_FAIL; }

static int claim_report_fill(claim_report *cr, const bp_claim *c) {
  if (is_identity(c))
    snprintf(cr->numeric_label, sizeof cr->numeric_label, "reference");
  else
    snprintf(cr->numeric_label, sizeof cr->numeric_label, "numeric (%s)", c->method);
  cr->entries = (bp_cli_entries){c->gc, "formula", cr->numeric_label, claim_entry_name, c, NULL, NULL, 0, 0};
  cr->diagnosis = (bp_diagnosis){.kind = BP_DIAG_NONE};
  /* the analytic side of a claim is a formula of the notes */
  return failure_is_news(c) ? bp_diagnose_as(c->gc, NULL, "the formula", &cr->diagnosis) : GSL_SUCCESS;
}

static void reproduce_command(const bp_cli_options *o, const bp_check_result *r, char *buf, size_t len) {
  snprintf(buf, len, "bpcheck run");
  char seed[32];
  snprintf(seed, sizeof seed, "%lu", o->seed);
  const char *const args[] = {r->def->id, "--method", bp_fd_method_name(o->method), "--seed", seed};
  for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) bp_cli_command_append(buf, len, args[k]);
}

/* Does the check have a failure to reproduce? In `all` only a FAIL; in `run` an erratum too (its printed claim
 * fails, and the per-entry report shows where). */
static int wants_reproduce(const bp_check_result *r, int entries) {
  return r->verdict == BP_CHECK_FAIL || (entries && r->verdict == BP_CHECK_ERRATUM);
}

/* A claim that did not come out as it should: it fails (the printed form of an erratum too), or it must fail and
 * holds. What --failures shows. */
static int claim_failing(const bp_claim *c) {
  return (c->kind == BP_CLAIM_MUST_FAIL) ? c->verdict == BP_VERDICT_PASS : c->verdict != BP_VERDICT_PASS;
}

static void print_check_table(const bp_check_result *r, const claim_report *reports, const bp_cli_options *o) {
  const bp_check_def *d = r->def;
  if (o->failures && !r->status) { /* --failures: a check with no failing claim is left out */
    size_t failing = 0;
    for (size_t k = 0; k < r->n_claims; k++) failing += claim_failing(&r->claims[k]);
    if (failing == 0) return;
  }
  char eq[64], line[160];
  bp_cli_equation_label(d->equations, eq, sizeof eq);
  bp_cli_verdict(bp_check_verdict_name(r->verdict), 9);
  snprintf(line, sizeof line, "%-*s %-*s ", BP_CLI_ID_WIDTH, d->id, BP_CLI_EQ_WIDTH, eq);
  bp_cli_wrap_at(9, line, d->title, BP_CLI_TITLE_INDENT);
  if (r->status) bp_cli_wrap("         could not run: ", r->error, "           ");
  for (size_t k = 0; k < r->n_claims; k++) {
    const bp_claim *c = &r->claims[k];
    char ceq[64];
    bp_cli_equation_label(c->equation, ceq, sizeof ceq);
    if (o->failures && !claim_failing(c)) continue;
    if (reports && k) printf("\n");
    snprintf(line, sizeof line, "         %-9s %-14s ", bp_claim_kind_name(c->kind), ceq);
    bp_cli_wrap(line, c->formula, "                                  ");
    char max_rel[16] = "        -"; /* NaN: no entry is resolved (checks.h) */
    if (!isnan(c->max_rel_err)) snprintf(max_rel, sizeof max_rel, "%9.2e", c->max_rel_err);
    printf("           %-10s %4zu entries  max rel err %s  norm %9.2e  ", c->method, c->entries, max_rel,
           c->norm_rel_err);
    const char *v = claim_verdict(c);
    bp_cli_verdict(v, (int)strlen(v));
    printf("\n");
    if (c->verdict == BP_VERDICT_FAIL) {
      snprintf(line, sizeof line, "worst entry %zu: formula %.6g, %s %.6g", c->worst, c->worst_analytic,
               is_identity(c) ? "reference" : "numeric", c->worst_reference);
      bp_cli_wrap("           ", line, "           ");
    } else if (c->n_unresolved > 0) {
      snprintf(line, sizeof line, "%zu of them below the difference's resolution, judged by its estimate",
               c->n_unresolved);
      bp_cli_wrap("           ", line, "           ");
    }
    if (reports == NULL) continue;
    if (reports[k].diagnosis.kind != BP_DIAG_NONE)
      bp_cli_wrap("         diagnosis: ", reports[k].diagnosis.sentence, "           ");
    bp_cli_entries shown = reports[k].entries;
    shown.failures_only = o->failures;
    bp_cli_entries_table(&shown, "  ");
  }
  if (r->verdict == BP_CHECK_ERRATUM && d->erratum) bp_cli_wrap("         erratum: ", d->erratum, "           ");
  if (wants_reproduce(r, reports != NULL)) {
    char cmd[256];
    reproduce_command(o, r, cmd, sizeof cmd);
    bp_cli_wrap_command("         reproduce: ", cmd);
  }
  if (reports) printf("\n");
}

static void print_check_json(const bp_check_result *r, const claim_report *reports, const bp_cli_options *o,
                             int first) {
  const bp_check_def *d = r->def;
  printf("%s\n    {\"id\": ", first ? "" : ",");
  bp_cli_json_string(d->id);
  printf(", \"equation\": ");
  bp_cli_json_string(d->equations);
  printf(", \"title\": ");
  bp_cli_json_string(d->title);
  printf(", \"method\": ");
  bp_cli_json_string(check_method(r));
  printf(", \"verdict\": ");
  bp_cli_json_string(bp_check_verdict_name(r->verdict));
  printf(", \"max_rel_err\": ");
  bp_cli_json_number(r->max_rel_err);
  printf(", \"norm_rel_err\": ");
  bp_cli_json_number(r->norm_rel_err);
  printf(", \"erratum_rel_err\": ");
  bp_cli_json_number(r->erratum_rel_err);
  printf(", \"note\": ");
  bp_cli_json_string(r->status ? r->error : (r->verdict == BP_CHECK_ERRATUM && d->erratum) ? d->erratum : "");
  if (wants_reproduce(r, reports != NULL)) {
    char cmd[256];
    reproduce_command(o, r, cmd, sizeof cmd);
    printf(", \"reproduce\": ");
    bp_cli_json_string(cmd);
  }
  printf(", \"claims\": [");
  for (size_t k = 0; k < r->n_claims; k++) {
    const bp_claim *c = &r->claims[k];
    printf("%s\n      {\"kind\": ", k ? "," : "");
    bp_cli_json_string(bp_claim_kind_name(c->kind));
    printf(", \"equation\": ");
    bp_cli_json_string(c->equation);
    printf(", \"formula\": ");
    bp_cli_json_string(c->formula);
    printf(", \"method\": ");
    bp_cli_json_string(c->method);
    printf(", \"verdict\": ");
    bp_cli_json_string(bp_verdict_name(c->verdict));
    printf(", \"entries\": %zu, \"failed\": %zu, \"unresolved\": %zu, \"max_rel_err\": ", c->entries, c->n_failed,
           c->n_unresolved);
    bp_cli_json_number(c->max_rel_err);
    printf(", \"norm_rel_err\": ");
    bp_cli_json_number(c->norm_rel_err);
    if (reports) {
      printf(", \"rows\": %zu, \"cols\": %zu, \"analytic\": \"formula\", \"numeric\": ", c->rows, c->cols);
      bp_cli_json_string(reports[k].numeric_label);
      if (reports[k].diagnosis.kind != BP_DIAG_NONE) {
        printf(", \"diagnosis\": {\"kind\": ");
        bp_cli_json_string(bp_diagnosis_kind_name(reports[k].diagnosis.kind));
        printf(", \"sentence\": ");
        bp_cli_json_string(reports[k].diagnosis.sentence);
        printf("}");
      }
      printf(", \"entry_report\": [");
      bp_cli_entries_json(&reports[k].entries, "        ");
      printf("]");
    }
    printf("}");
  }
  printf("]}");
}

static void print_entries_tsv(const bp_check_result *r, const claim_report *reports) {
  for (size_t k = 0; k < r->n_claims; k++) {
    const bp_claim *c = &r->claims[k];
    const bp_gradcheck *gc = c->gc;
    for (size_t i = 0; i < gc->size; i++) {
      char name[64];
      claim_entry_name(c, i, name, sizeof name);
      printf("%s\t%zu\t%s\t%s\t%s\t%zu\t%s\t%.17g\t%.17g\t%.3e\t%.3e\t%.3e\t%s\t%s\n", r->def->id, k,
             bp_claim_kind_name(c->kind), c->equation, c->method, i, name, gsl_vector_get(gc->analytic, i),
             gsl_vector_get(gc->numeric, i), gsl_vector_get(gc->abs_err, i), gsl_vector_get(gc->rel_err, i),
             gsl_vector_get(gc->estimate, i), bp_gradcheck_judged_by(gc, i), bp_gradcheck_entry_verdict(gc, i));
    }
    if (reports[k].diagnosis.kind != BP_DIAG_NONE)
      printf("# diagnosis %s claim %zu: %s\n", r->def->id, k, reports[k].diagnosis.sentence);
  }
}

/* The worst entry of the run: among the claims whose failure is news, else among every claim that must hold, the
 * one whose worst entry has the largest relative error. Returns 0 when there is none (no check ran a claim). */
static int find_worst(const bp_check_result *results, size_t n, size_t *check, size_t *claim) {
  int found = 0, found_news = 0;
  double worst = -1.0;
  for (size_t j = 0; j < n; j++)
    for (size_t k = 0; k < results[j].n_claims; k++) {
      const bp_claim *c = &results[j].claims[k];
      if (c->gc == NULL || (!failure_is_news(c) && !bp_claim_must_hold(&results[j], c))) continue;
      int news = failure_is_news(c);
      double rel = gsl_vector_get(c->gc->rel_err, c->gc->worst);
      if (isnan(rel)) rel = INFINITY;
      if (!found || (news && !found_news) || (news == found_news && rel > worst)) {
        found = 1, found_news = news, worst = rel, *check = j, *claim = k;
      }
    }
  return found;
}

int bp_cli_run(const bp_cli_options *o, const bp_check_def **defs, size_t n, int entries) {
  bp_check_result *results = calloc(n, sizeof *results);
  claim_report *reports = (results && entries) ? calloc(n * BP_CHECK_MAX_CLAIMS, sizeof *reports) : NULL;
  if (results == NULL || (entries && reports == NULL)) {
    free(results);
    fprintf(stderr, "bpcheck: out of memory\n");
    return EXIT_INTERNAL;
  }
  size_t count[3] = {0, 0, 0}, could_not_run = 0;
  bp_check_options opt = bp_check_options_default(o->method);
  opt.keep_entries = entries;
  for (size_t k = 0; k < n; k++) {
    /* a check that cannot run (out of memory) is shown as a FAIL with its error, and exits 3 */
    int status = bp_check_run_with(defs[k], o->seed, &opt, &results[k]);
    for (size_t c = 0; entries && !status && c < results[k].n_claims; c++)
      status = claim_report_fill(&reports[k * BP_CHECK_MAX_CLAIMS + c], &results[k].claims[c]);
    if (status && !results[k].status) { /* the diagnosis ran out of memory */
      results[k].status = status;
      results[k].verdict = BP_CHECK_FAIL;
      snprintf(results[k].error, sizeof results[k].error, "%s", bp_error_message());
    }
    could_not_run += status != GSL_SUCCESS;
    count[results[k].verdict]++;
  }
  size_t wc = 0, wk = 0;
  int has_worst = entries && !could_not_run && find_worst(results, n, &wc, &wk);
  char worst[512] = "";
  if (has_worst) {
    const bp_claim *c = &results[wc].claims[wk];
    char line[400];
    bp_cli_worst_summary(&reports[wc * BP_CHECK_MAX_CLAIMS + wk].entries, line, sizeof line);
    char eq[64];
    bp_cli_equation_label(c->equation, eq, sizeof eq);
    snprintf(worst, sizeof worst, "%s, %s claim %s: %s", results[wc].def->id, bp_claim_kind_name(c->kind), eq, line);
  }
  const char *overall = count[BP_CHECK_FAIL] ? "FAIL" : count[BP_CHECK_ERRATUM] ? "ERRATUM" : "PASS";
#define REPORTS(k) (entries && !results[k].status ? &reports[(k)*BP_CHECK_MAX_CLAIMS] : NULL)
  if (o->fmt == FORMAT_TABLE) {
    if (has_worst) {
      bp_cli_verdict(overall, 0);
      bp_cli_wrap_at(strlen(overall), ": ", worst, "  ");
    }
    if (!o->quiet)
      printf("bpcheck %s: %zu derivation check%s, method %s, seed %lu\n", BP_VERSION, n, n == 1 ? "" : "s",
             bp_fd_method_name(o->method), o->seed);
    if (entries && !o->quiet) { /* run: every check it was asked for, wrapped at 100 columns */
      size_t col = printf("checks:");
      for (size_t k = 0; k < n; k++) {
        size_t w = strlen(results[k].def->id) + (k + 1 < n);
        if (col + 1 + w > BP_CLI_WIDTH) col = printf("\n       ") - 1;
        col += printf(" %s%s", results[k].def->id, k + 1 < n ? "," : "");
      }
      printf("\n");
    }
    if (!o->quiet) {
      printf("\n");
      for (size_t k = 0; k < n; k++) print_check_table(&results[k], REPORTS(k), o);
      printf("\n");
    }
    printf("%zu check%s: %zu PASS, %zu ERRATUM, %zu FAIL\n", n, n == 1 ? "" : "s", count[BP_CHECK_PASS],
           count[BP_CHECK_ERRATUM], count[BP_CHECK_FAIL]);
    if (!o->quiet) { /* the legend */
      char text[320];
      snprintf(text, sizeof text,
               "every claim holds: rel err <= %.0e against finite differences (entries below the "
               "difference's resolution: |a - n| <= %g x its error estimate), or %.1e between the two sides of an "
               "identity.",
               BP_RTOL_GOOD, BP_EST_FACTOR, BP_RTOL_IDENTITY);
      bp_cli_verdict("PASS", 0);
      bp_cli_wrap_at(4, ": ", text, "      ");
      bp_cli_verdict("ERRATUM", 0);
      bp_cli_wrap_at(7, ": ", "the formula as printed in the notes fails and the corrected form beside it holds.",
                     "         ");
      bp_cli_verdict("FAIL", 0);
      bp_cli_wrap_at(4, ": ", "a formula that must hold does not, or a form that must fail holds.", "      ");
      bp_cli_wrap(
          "",
          "Relative errors as students are taught them: > 1e-2 wrong, 1e-2..1e-4 suspicious, 1e-4..1e-7 "
          "fine only at kinks, < 1e-7 good. The formula is the analytic side; numeric is the finite difference.",
          "");
    }
  } else if (o->fmt == FORMAT_TSV && entries) {
    if (has_worst) printf("# %s: %s\n", overall, worst);
    printf("check\tclaim\tkind\tequation\tmethod\tindex\tentry\tformula\tnumeric\tabs_err\trel_err\testimate\t"
           "judged_by\tverdict\n");
    for (size_t k = 0; k < n; k++)
      if (REPORTS(k)) print_entries_tsv(&results[k], REPORTS(k));
    for (size_t k = 0; k < n; k++)
      if (wants_reproduce(&results[k], 1)) {
        char cmd[256];
        reproduce_command(o, &results[k], cmd, sizeof cmd);
        printf("# %s %s: reproduce: %s\n", bp_check_verdict_name(results[k].verdict), results[k].def->id, cmd);
      }
  } else if (o->fmt == FORMAT_TSV) {
    printf("id\tequation\tmethod\tclaims\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\tnote\n");
    for (size_t k = 0; k < n; k++) {
      const bp_check_result *r = &results[k];
      printf("%s\t%s\t%s\t%zu\t%.3e\t%.3e\t%.3e\t%s\t%s\n", r->def->id, r->def->equations, check_method(r), r->n_claims,
             r->max_rel_err, r->norm_rel_err, r->erratum_rel_err, bp_check_verdict_name(r->verdict),
             r->status                                             ? r->error
             : (r->verdict == BP_CHECK_ERRATUM && r->def->erratum) ? r->def->erratum
                                                                   : "");
    }
    for (size_t k = 0; k < n; k++)
      if (wants_reproduce(&results[k], 0)) {
        char cmd[256];
        reproduce_command(o, &results[k], cmd, sizeof cmd);
        printf("# FAIL %s: reproduce: %s\n", results[k].def->id, cmd);
      }
  } else {
    printf("{\"version\": \"%s\", \"seed\": %lu, \"method\": \"%s\", ", BP_VERSION, o->seed,
           bp_fd_method_name(o->method));
    if (has_worst) {
      printf("\"worst\": ");
      bp_cli_json_string(worst);
      printf(", ");
    }
    printf("\"checks\": [");
    for (size_t k = 0; k < n; k++) print_check_json(&results[k], REPORTS(k), o, k == 0);
    printf("\n  ], \"pass\": %zu, \"erratum\": %zu, \"fail\": %zu}\n", count[BP_CHECK_PASS], count[BP_CHECK_ERRATUM],
           count[BP_CHECK_FAIL]);
  }
#undef REPORTS
  for (size_t k = 0; k < n; k++) bp_check_result_release(&results[k]);
  free(reports);
  free(results);
  return could_not_run ? EXIT_INTERNAL : count[BP_CHECK_FAIL] ? EXIT_FAILED : EXIT_OK;
}
