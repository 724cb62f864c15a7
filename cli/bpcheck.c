/* bpcheck - the command line: list and run the derivation checks, and check a network's gradient on data.
 * Exit status: 0 when everything that should hold holds (errata count as expected), 1 when a check fails,
 * 2 on bad usage or bad input. All output is computed before the first line is printed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "checks.h"
#include "cli.h"
#include "core.h"
#include "data.h"
#include "fd.h"
#include "mlp.h"


typedef struct {
  format fmt;
  unsigned long seed;
  bp_fd_method method;
  const char *layers, *output, *data, *params;
  int allow_unnormalized; /* --allow-unnormalized-targets */
  char **ids;
  size_t n_ids;
} options;

#define DEFAULT_SEED 1UL

static const char usage_text[] =
    "usage: bpcheck COMMAND [OPTIONS]      (options may come before or after the command)\n"
    "\n"
    "Verifies the derivations of Sadowski's Notes on Backpropagation with finite differences.\n"
    "\n"
    "commands:\n"
    "  list                  one line per check: id, equation(s), title\n"
    "  run ID...             run the named checks\n"
    "  all                   run every check\n"
    "  grad --layers N0,N1,...,NL --output logistic|softmax --data FILE.csv [--params FILE.tsv]\n"
    "       [--allow-unnormalized-targets]\n"
    "                        the loss and every parameter's gradient by backprop beside its finite-difference\n"
    "                        value, for a network with logistic hidden units. Softmax targets must sum to 1 per\n"
    "                        row (eq. (26) assumes it); --allow-unnormalized-targets accepts rows that do not,\n"
    "                        with a warning: backprop's x - t is then off by (sum t - 1) x, and the check\n"
    "                        fails once that exceeds its tolerance\n"
    "  sweep ID              the check's error against the step h, 1e-1 .. 1e-16, and at the method's own step\n"
    "  ladder                one gradient check in float, double and long double\n"
    "  plotdata NAME         the TSV a figure of plots/ is drawn from\n"
    "\n"
    "options:\n"
    "  --format table|tsv|json   output format (default table)\n"
    "  --seed N                  seed of the random points and weights, 0 to 4294967295 (default 1)\n"
    "  --method M                finite differences: forward, central (default), richardson, complex or gsl\n"
    "  --help, --version\n"
    "\n"
    "exit status: 0 all checks hold (errata of the notes included), 1 a check failed, 2 bad usage or input,\n"
    "             3 something could not be computed (out of memory)\n";

int bp_cli_usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "bpcheck: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'bpcheck --help'.\n");
  return EXIT_USAGE;
}

/* ---- formatting helpers ----------------------------------------------------------------------------------- */

static void json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

/* JSON has no inf or NaN: they become null. */
static void json_number(double v) {
  if (isfinite(v))
    printf("%.17g", v);
  else
    printf("null");
}

/* "5,6" -> "eq. (5), (6)"; "9-16" -> "eq. (9)-(16)": how the table shows a check's equations. */
static void equation_label(const char *eqs, char *buf, size_t len) {
  size_t n = (size_t)snprintf(buf, len, "eq. (");
  for (const char *p = eqs; *p && n + 6 < len; p++) {
    if (*p == ',')
      n += (size_t)snprintf(buf + n, len - n, "), (");
    else if (*p == '-')
      n += (size_t)snprintf(buf + n, len - n, ")-(");
    else
      buf[n++] = *p;
  }
  snprintf(buf + n, len - n, ")");
}

/* ---- list, run, all ---------------------------------------------------------------------------------------- */

static int cmd_list(const options *o) {
  if (o->fmt == FORMAT_TSV) printf("id\tequation\ttitle\n");
  if (o->fmt == FORMAT_JSON) printf("[");
  for (size_t k = 0; k < bp_checks_count; k++) {
    const bp_check_def *d = &bp_checks[k];
    char eq[64];
    equation_label(d->equations, eq, sizeof eq);
    if (o->fmt == FORMAT_TABLE) printf("%-28s %-18s %s\n", d->id, eq, d->title);
    if (o->fmt == FORMAT_TSV) printf("%s\t%s\t%s\n", d->id, d->equations, d->title);
    if (o->fmt == FORMAT_JSON) {
      printf("%s\n  {\"id\": ", k ? "," : "");
      json_string(d->id);
      printf(", \"equation\": ");
      json_string(d->equations);
      printf(", \"title\": ");
      json_string(d->title);
      printf("}");
    }
  }
  if (o->fmt == FORMAT_JSON) printf("\n]\n");
  return EXIT_OK;
}

static const char *check_method(const bp_check_result *r) {
  for (size_t k = 0; k < r->n_claims; k++)
    if (strcmp(r->claims[k].method, "identity") != 0) return r->claims[k].method;
  return "identity";
}

static const char *claim_verdict(const bp_claim *c) {
  if (c->kind == BP_CLAIM_MUST_FAIL) return c->verdict == BP_VERDICT_FAIL ? "FAILS, as it must" : "HOLDS, but must fail";
  return bp_verdict_name(c->verdict);
}

static void print_check_table(const bp_check_result *r) {
  const bp_check_def *d = r->def;
  char eq[64];
  equation_label(d->equations, eq, sizeof eq);
  printf("%-8s %-28s %-18s %s\n", bp_check_verdict_name(r->verdict), d->id, eq, d->title);
  if (r->status) printf("         could not run: %s\n", r->error);
  for (size_t k = 0; k < r->n_claims; k++) {
    const bp_claim *c = &r->claims[k];
    char ceq[64];
    equation_label(c->equation, ceq, sizeof ceq);
    printf("         %-9s %-14s %s\n", bp_claim_kind_name(c->kind), ceq, c->formula);
    printf("         %-24s %-10s %3zu entries  max rel err %9.2e  norm %9.2e  %s", "", c->method, c->entries,
           c->max_rel_err, c->norm_rel_err, claim_verdict(c));
    if (c->verdict == BP_VERDICT_FAIL)
      printf("  (worst entry %zu: formula %.6g, %s %.6g)", c->worst, c->worst_analytic,
             strcmp(c->method, "identity") ? "numeric" : "reference", c->worst_reference);
    else if (c->n_unresolved > 0)
      printf("  (%zu below the difference's resolution, judged by its estimate)", c->n_unresolved);
    printf("\n");
  }
  if (r->verdict == BP_CHECK_ERRATUM && d->erratum) printf("         erratum: %s\n", d->erratum);
}

static void print_check_json(const bp_check_result *r, int first) {
  const bp_check_def *d = r->def;
  printf("%s\n    {\"id\": ", first ? "" : ",");
  json_string(d->id);
  printf(", \"equation\": ");
  json_string(d->equations);
  printf(", \"title\": ");
  json_string(d->title);
  printf(", \"method\": ");
  json_string(check_method(r));
  printf(", \"verdict\": ");
  json_string(bp_check_verdict_name(r->verdict));
  printf(", \"max_rel_err\": ");
  json_number(r->max_rel_err);
  printf(", \"norm_rel_err\": ");
  json_number(r->norm_rel_err);
  printf(", \"erratum_rel_err\": ");
  json_number(r->erratum_rel_err);
  printf(", \"note\": ");
  json_string(r->status ? r->error : (r->verdict == BP_CHECK_ERRATUM && d->erratum) ? d->erratum : "");
  printf(", \"claims\": [");
  for (size_t k = 0; k < r->n_claims; k++) {
    const bp_claim *c = &r->claims[k];
    printf("%s\n      {\"kind\": ", k ? "," : "");
    json_string(bp_claim_kind_name(c->kind));
    printf(", \"equation\": ");
    json_string(c->equation);
    printf(", \"formula\": ");
    json_string(c->formula);
    printf(", \"method\": ");
    json_string(c->method);
    printf(", \"verdict\": ");
    json_string(bp_verdict_name(c->verdict));
    printf(", \"entries\": %zu, \"failed\": %zu, \"unresolved\": %zu, \"max_rel_err\": ", c->entries, c->n_failed,
           c->n_unresolved);
    json_number(c->max_rel_err);
    printf(", \"norm_rel_err\": ");
    json_number(c->norm_rel_err);
    printf("}");
  }
  printf("]}");
}

static int cmd_run(const options *o, const bp_check_def **defs, size_t n) {
  bp_check_result *results = calloc(n, sizeof *results);
  if (results == NULL) {
    fprintf(stderr, "bpcheck: out of memory\n");
    return EXIT_INTERNAL;
  }
  size_t count[3] = {0, 0, 0}, could_not_run = 0;
  for (size_t k = 0; k < n; k++) {
    /* a check that cannot run (out of memory) is shown as a FAIL with its error, and exits 3 */
    could_not_run += bp_check_run(defs[k], o->seed, o->method, &results[k]) != GSL_SUCCESS;
    count[results[k].verdict]++;
  }
  if (o->fmt == FORMAT_TABLE) {
    printf("bpcheck %s: %zu derivation check%s, method %s, seed %lu\n\n", BP_VERSION, n, n == 1 ? "" : "s",
           bp_fd_method_name(o->method), o->seed);
    for (size_t k = 0; k < n; k++) print_check_table(&results[k]);
    printf("\n%zu checks: %zu PASS, %zu ERRATUM, %zu FAIL\n", n, count[BP_CHECK_PASS], count[BP_CHECK_ERRATUM],
           count[BP_CHECK_FAIL]);
    printf("PASS: every claim holds: rel err <= %.0e against finite differences (entries below the difference's\n"
           "      resolution: |a - n| <= %g x its error estimate), or %.1e between the two sides of an identity.\n",
           BP_RTOL_GOOD, BP_EST_FACTOR, BP_RTOL_IDENTITY);
    printf("ERRATUM: the formula as printed in the notes fails and the corrected form beside it holds.\n");
  } else if (o->fmt == FORMAT_TSV) {
    printf("id\tequation\tmethod\tclaims\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\tnote\n");
    for (size_t k = 0; k < n; k++) {
      const bp_check_result *r = &results[k];
      printf("%s\t%s\t%s\t%zu\t%.3e\t%.3e\t%.3e\t%s\t%s\n", r->def->id, r->def->equations, check_method(r),
             r->n_claims, r->max_rel_err, r->norm_rel_err, r->erratum_rel_err, bp_check_verdict_name(r->verdict),
             r->status ? r->error : (r->verdict == BP_CHECK_ERRATUM && r->def->erratum) ? r->def->erratum : "");
    }
  } else {
    printf("{\"version\": \"%s\", \"seed\": %lu, \"method\": \"%s\", \"checks\": [", BP_VERSION, o->seed,
           bp_fd_method_name(o->method));
    for (size_t k = 0; k < n; k++) print_check_json(&results[k], k == 0);
    printf("\n  ], \"pass\": %zu, \"erratum\": %zu, \"fail\": %zu}\n", count[BP_CHECK_PASS], count[BP_CHECK_ERRATUM],
           count[BP_CHECK_FAIL]);
  }
  free(results);
  return could_not_run ? EXIT_INTERNAL : count[BP_CHECK_FAIL] ? EXIT_FAILED : EXIT_OK;
}

/* ---- sweep ------------------------------------------------------------------------------------------------- */

typedef struct {
  double norm_rel_err, max_rel_err, median_estimate;
} sweep_point;

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The check's finite-difference claims that hold at the method's own step (mask), measured at relative step h
 * (0: the method's own rule): the largest normwise and entrywise relative errors, and the median relative error
 * estimate e / |n| over their entries. */
static int sweep_measure(const bp_check_def *def, const options *o, double h, const int *mask, int *mask_out,
                         sweep_point *pt) {
  bp_check_options opt = {o->method, h, 1};
  bp_check_result r;
  int status = bp_check_run_with(def, o->seed, &opt, &r);
  *pt = (sweep_point){0.0, 0.0, 0.0};
  size_t n_est = 0, cap = 0;
  double *est = NULL;
  for (size_t k = 0; k < r.n_claims && !status; k++) {
    const bp_claim *c = &r.claims[k];
    int use = strcmp(c->method, "identity") != 0 && bp_claim_must_hold(&r, c);
    if (mask_out) mask_out[k] = use;
    if (mask ? !mask[k] : !use) continue;
    pt->norm_rel_err = fmax(pt->norm_rel_err, c->norm_rel_err);
    cap += c->gc->size;
    double *grown = realloc(est, cap * sizeof *est);
    if (grown == NULL) {
      status = GSL_ENOMEM;
      break;
    }
    est = grown;
    for (size_t i = 0; i < c->gc->size; i++) {
      double n = fabs(gsl_vector_get(c->gc->numeric, i)), e = gsl_vector_get(c->gc->estimate, i);
      pt->max_rel_err = fmax(pt->max_rel_err, gsl_vector_get(c->gc->rel_err, i));
      if (n > 0) est[n_est++] = e / n;
    }
  }
  if (!status && n_est > 0) {
    qsort(est, n_est, sizeof *est, compare_doubles);
    pt->median_estimate = est[n_est / 2];
  }
  free(est);
  bp_check_result_release(&r);
  return status;
}

/* `bpcheck sweep ID`: the check's error against the relative step h = 10^(-k/4), k = 4 .. 64 (1e-1 .. 1e-16), and
 * at the method's own automatic step (auto = 1): truncation falls as h shrinks, round-off grows as 1/h, and the
 * complex step stays flat (the figure of plots/step-error.gp). */
static int cmd_sweep(const options *o, const bp_check_def *def) {
  enum { K_FIRST = 4, K_LAST = 64, N_ROWS = K_LAST - K_FIRST + 2 };
  int mask[BP_CHECK_MAX_CLAIMS] = {0};
  double h[N_ROWS];
  sweep_point pt[N_ROWS];
  int status = sweep_measure(def, o, 0.0, NULL, mask, &pt[N_ROWS - 1]);
  h[N_ROWS - 1] = bp_fd_relative_step(o->method);
  for (int k = K_FIRST; k <= K_LAST && !status; k++) {
    h[k - K_FIRST] = pow(10.0, -k / 4.0);
    status = sweep_measure(def, o, h[k - K_FIRST], mask, NULL, &pt[k - K_FIRST]);
  }
  if (status) {
    fprintf(stderr, "bpcheck: sweep %s: %s\n", def->id, bp_error_message());
    return EXIT_INTERNAL;
  }
  if (o->fmt == FORMAT_JSON) {
    printf("{\"check\": \"%s\", \"method\": \"%s\", \"seed\": %lu, \"rows\": [", def->id, bp_fd_method_name(o->method),
           o->seed);
    for (int k = 0; k < N_ROWS; k++) {
      printf("%s\n  {\"h\": ", k ? "," : "");
      json_number(h[k]);
      printf(", \"norm_rel_err\": ");
      json_number(pt[k].norm_rel_err);
      printf(", \"max_rel_err\": ");
      json_number(pt[k].max_rel_err);
      printf(", \"median_estimate\": ");
      json_number(pt[k].median_estimate);
      printf(", \"auto\": %s}", k == N_ROWS - 1 ? "true" : "false");
    }
    printf("\n]}\n");
    return EXIT_OK;
  }
  if (o->fmt == FORMAT_TABLE)
    printf("# bpcheck sweep %s --method %s --seed %lu: error against the relative step h (h_j = h max(|x_j|, 1))\n",
           def->id, bp_fd_method_name(o->method), o->seed);
  printf("h\tnorm_rel_err\tmax_rel_err\tmedian_estimate\tauto\n");
  for (int k = 0; k < N_ROWS; k++)
    printf("%.6e\t%.6e\t%.6e\t%.6e\t%d\n", h[k], pt[k].norm_rel_err, pt[k].max_rel_err, pt[k].median_estimate,
           k == N_ROWS - 1);
  return EXIT_OK;
}

/* ---- grad -------------------------------------------------------------------------------------------------- */

/* How entry k was judged: by its relative error, or (below the difference's resolution) by |a - n| against
 * est_factor times the difference's own error estimate. */
static const char *judged_by(const bp_gradcheck *gc, size_t k) {
  return gsl_vector_uchar_get(gc->resolved, k) ? "rel_err" : "estimate";
}

static void print_grad(const options *o, const bp_mlp *net, double loss, const bp_gradcheck *gc) {
  char name[64], worst[64];
  bp_mlp_param_name(net, gc->worst, worst, sizeof worst);
  if (o->fmt == FORMAT_TSV) {
    printf("# loss = %.17g\n", loss);
    printf("param\tvalue\tbackprop\tnumeric\trel_err\tabs_err\testimate\tjudged_by\tverdict\n");
    for (size_t k = 0; k < gc->size; k++) {
      bp_mlp_param_name(net, k, name, sizeof name);
      printf("%s\t%.17g\t%.17g\t%.17g\t%.3e\t%.3e\t%.3e\t%s\t%s\n", name, gsl_vector_get(net->params, k),
             gsl_vector_get(gc->analytic, k), gsl_vector_get(gc->numeric, k), gsl_vector_get(gc->rel_err, k),
             gsl_vector_get(gc->abs_err, k), gsl_vector_get(gc->estimate, k), judged_by(gc, k),
             gsl_vector_uchar_get(gc->passed, k) ? "PASS" : "FAIL");
    }
    printf("# norm_rel_err = %.3e, max_rel_err = %.3e (over %zu resolved entries), worst = %s, verdict = %s\n",
           gc->norm_rel_err, gc->max_rel_err, gc->size - gc->n_unresolved, worst, bp_verdict_name(gc->verdict));
  } else if (o->fmt == FORMAT_JSON) {
    printf("{\"loss\": ");
    json_number(loss);
    printf(", \"method\": \"%s\", \"verdict\": \"%s\", \"norm_rel_err\": ", bp_fd_method_name(o->method),
           bp_verdict_name(gc->verdict));
    json_number(gc->norm_rel_err);
    printf(", \"max_rel_err\": ");
    json_number(gc->max_rel_err);
    printf(", \"unresolved\": %zu, \"worst\": \"%s\", \"params\": [", gc->n_unresolved, worst);
    for (size_t k = 0; k < gc->size; k++) {
      bp_mlp_param_name(net, k, name, sizeof name);
      printf("%s\n  {\"param\": \"%s\", \"value\": ", k ? "," : "", name);
      json_number(gsl_vector_get(net->params, k));
      printf(", \"backprop\": ");
      json_number(gsl_vector_get(gc->analytic, k));
      printf(", \"numeric\": ");
      json_number(gsl_vector_get(gc->numeric, k));
      printf(", \"rel_err\": ");
      json_number(gsl_vector_get(gc->rel_err, k));
      printf(", \"estimate\": ");
      json_number(gsl_vector_get(gc->estimate, k));
      printf(", \"judged_by\": \"%s\", \"verdict\": \"%s\"}", judged_by(gc, k),
             gsl_vector_uchar_get(gc->passed, k) ? "PASS" : "FAIL");
    }
    printf("\n]}\n");
  } else {
    printf("%s: worst entry %s, backprop %.10g, numeric (%s) %.10g, rel err %.2e (judged by %s); "
           "||a - n|| / ||n|| = %.2e\n",
           bp_verdict_name(gc->verdict), worst, gsl_vector_get(gc->analytic, gc->worst), bp_fd_method_name(o->method),
           gsl_vector_get(gc->numeric, gc->worst), gsl_vector_get(gc->rel_err, gc->worst), judged_by(gc, gc->worst),
           gc->norm_rel_err);
    printf("loss E = %.17g (sum over the examples)\n\n", loss);
    printf("%-14s %13s %22s %22s %10s %10s %-9s %s\n", "param", "value", "backprop", "numeric", "rel_err", "estimate",
           "judged_by", "verdict");
    for (size_t k = 0; k < gc->size; k++) {
      bp_mlp_param_name(net, k, name, sizeof name);
      printf("%-14s %13.6g %22.15g %22.15g %10.2e %10.2e %-9s %s\n", name, gsl_vector_get(net->params, k),
             gsl_vector_get(gc->analytic, k), gsl_vector_get(gc->numeric, k), gsl_vector_get(gc->rel_err, k),
             gsl_vector_get(gc->estimate, k), judged_by(gc, k), gsl_vector_uchar_get(gc->passed, k) ? "PASS" : "FAIL");
    }
    printf("\n%zu of %zu entries pass. An entry passes when rel_err <= %.0e, or, below what the difference can\n"
           "resolve (%zu entries here, judged_by estimate), when |a - n| <= %g x its error estimate.\n",
           gc->size - gc->n_failed, gc->size, gc->tol.rtol, gc->n_unresolved, gc->tol.est_factor);
  }
}

/* Prints the library's message; out of memory is an internal error (3), anything else bad input (2). */
static int input_error(int status) {
  fprintf(stderr, "bpcheck: %s\n", bp_error_message());
  return status == GSL_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

static int internal_error(void) {
  fprintf(stderr, "bpcheck: %s\n", bp_error_message());
  return EXIT_INTERNAL;
}

static int cmd_grad(const options *o) {
  if (o->layers == NULL) return bp_cli_usage_error("%s", "grad needs --layers, e.g. --layers 4,5,3");
  if (o->output == NULL) return bp_cli_usage_error("%s", "grad needs --output logistic or --output softmax");
  if (o->data == NULL) return bp_cli_usage_error("%s", "grad needs --data FILE.csv");
  bp_output output;
  if (strcmp(o->output, "softmax") == 0)
    output = BP_OUTPUT_SOFTMAX;
  else if (strcmp(o->output, "logistic") == 0)
    output = BP_OUTPUT_LOGISTIC;
  else
    return bp_cli_usage_error("--output must be logistic or softmax, not '%s'", o->output);
  size_t n_layers, sizes[BP_MLP_MAX_LAYERS + 1];
  if (bp_layers_parse(o->layers, &n_layers, sizes)) return bp_cli_usage_error("--layers: %s", bp_error_message());
  if (output == BP_OUTPUT_SOFTMAX && sizes[n_layers] < 2)
    return bp_cli_usage_error("%s", "--output softmax needs at least 2 outputs (with one, x = 1 and E = 0)");

  int rc = EXIT_OK, status;
  bp_dataset *data = NULL;
  bp_mlp *net = NULL;
  bp_mlp_workspace *ws = NULL;
  bp_mlp_workspace_complex *wsz = NULL;
  bp_gradcheck *gc = NULL;
  gsl_rng *rng = NULL;
  double loss = 0.0;
  unsigned flags = o->allow_unnormalized ? BP_DATA_ALLOW_UNNORMALIZED : 0;
  if ((status = bp_dataset_read_csv_flags(o->data, sizes[0], sizes[n_layers], output, flags, &data))) {
    rc = input_error(status);
    goto done;
  }
  if ((net = bp_mlp_alloc(n_layers, sizes, output)) == NULL ||
      (ws = bp_mlp_workspace_alloc(net, data->X->size1)) == NULL || (gc = bp_gradcheck_alloc(net->n_params)) == NULL ||
      (rng = bp_rng_alloc(o->seed)) == NULL) {
    rc = internal_error();
    goto done;
  }
  if (data->n_unnormalized > 0) { /* asked for: the lesson is to watch the check fail */
    char more[64] = "";
    if (data->n_unnormalized > 1)
      snprintf(more, sizeof more, " (%zu more row%s too)", data->n_unnormalized - 1,
               data->n_unnormalized > 2 ? "s" : "");
    fprintf(stderr,
            "bpcheck: warning: %s:%zu: softmax targets sum to %.15g, not 1%s; eq. (26) assumes they do: backprop's "
            "x - t is off by (sum t - 1) x, and the check fails once that exceeds its tolerance\n",
            o->data, data->unnormalized_line, data->unnormalized_sum, more);
  }
  bp_mlp_init_random(net, rng);
  if (o->params && (status = bp_params_read_tsv(o->params, net))) {
    rc = input_error(status);
    goto done;
  }
  if (o->method == BP_FD_COMPLEX && (wsz = bp_mlp_workspace_complex_alloc(net, data->X->size1)) == NULL) {
    rc = internal_error();
    goto done;
  }
  bp_mlp_closure closure = {net, ws, data->X, data->T, wsz};
  const bp_fd_problem error_problem = {bp_mlp_error_function, bp_mlp_error_function_complex, &closure};
  gsl_matrix_view grad = gsl_matrix_view_vector(net->grad, 1, net->n_params);
  bp_tolerance tol = bp_tolerance_default();
  if (bp_mlp_gradient(net, ws, data->X, data->T, &loss) ||
      bp_gradcheck_jacobian(gc, o->method, &error_problem, net->params, &grad.matrix, &tol)) {
    rc = internal_error();
    goto done;
  }
  print_grad(o, net, loss, gc);
  rc = (gc->verdict == BP_VERDICT_PASS) ? EXIT_OK : EXIT_FAILED;
done:
  if (rng) gsl_rng_free(rng);
  bp_gradcheck_free(gc);
  bp_mlp_workspace_complex_free(wsz);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  bp_dataset_free(data);
  return rc;
}

/* ---- arguments --------------------------------------------------------------------------------------------- */

/* The generator (mt19937) reads 32 bits of its seed: larger seeds would silently repeat smaller ones. */
static int parse_seed(const char *s, unsigned long *seed) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno == ERANGE || v > 0xffffffffUL) return 0;
  *seed = v;
  return 1;
}

/* Options go anywhere, as --name value or --name=value; the other arguments are the command and its check ids. */
static int parse_options(int argc, char **argv, options *o) {
  for (int k = 1; k < argc; k++) {
    const char *arg = argv[k];
    if (strncmp(arg, "--", 2) != 0) {
      o->ids[o->n_ids++] = argv[k];
      continue;
    }
    char name[32];
    const char *value = NULL, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (len >= sizeof name) return bp_cli_usage_error("unknown option '%s'", arg);
    memcpy(name, arg, len);
    name[len] = '\0';
    if (!strcmp(name, "--allow-unnormalized-targets")) {
      if (eq) return bp_cli_usage_error("option %s takes no value", name);
      o->allow_unnormalized = 1;
      continue;
    }
    static const char *const with_value[] = {"--format", "--seed", "--method", "--layers",
                                             "--output", "--data", "--params"};
    int needs_value = 0;
    for (size_t m = 0; m < sizeof with_value / sizeof with_value[0]; m++) needs_value |= !strcmp(name, with_value[m]);
    if (!needs_value) return bp_cli_usage_error("unknown option '%s'", arg);
    if (eq)
      value = eq + 1;
    else if (k + 1 < argc)
      value = argv[++k];
    else
      return bp_cli_usage_error("option %s needs a value", name);
    if (!strcmp(name, "--format")) {
      if (!strcmp(value, "table"))
        o->fmt = FORMAT_TABLE;
      else if (!strcmp(value, "tsv"))
        o->fmt = FORMAT_TSV;
      else if (!strcmp(value, "json"))
        o->fmt = FORMAT_JSON;
      else
        return bp_cli_usage_error("--format must be table, tsv or json, not '%s'", value);
    } else if (!strcmp(name, "--seed")) {
      if (!parse_seed(value, &o->seed))
        return bp_cli_usage_error("--seed needs an integer from 0 to 4294967295, not '%s'", value);
    } else if (!strcmp(name, "--method")) {
      if (bp_fd_method_parse(value, &o->method)) return bp_cli_usage_error("--method: %s", bp_error_message());
    } else if (!strcmp(name, "--layers")) {
      o->layers = value;
    } else if (!strcmp(name, "--output")) {
      o->output = value;
    } else if (!strcmp(name, "--data")) {
      o->data = value;
    } else {
      o->params = value;
    }
  }
  return EXIT_OK;
}

static int finish(int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "bpcheck: cannot write the output: %s\n", strerror(errno));
    return EXIT_INTERNAL;
  }
  return rc;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off(); /* errors come back as statuses and are reported here */
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
      fputs(usage_text, stdout);
      return finish(EXIT_OK);
    }
    if (!strcmp(argv[k], "--version")) {
      printf("bpcheck %s\n", BP_VERSION);
      return finish(EXIT_OK);
    }
  }
  options o = {FORMAT_TABLE, DEFAULT_SEED, BP_FD_CENTRAL, NULL, NULL, NULL, NULL, 0, NULL, 0};
  char **args = calloc((size_t)argc, sizeof *args); /* the command and its check ids */
  if (args == NULL) {
    fprintf(stderr, "bpcheck: out of memory\n");
    return EXIT_INTERNAL;
  }
  o.ids = args;
  int rc = parse_options(argc, argv, &o);
  if (rc) goto out;
  if (o.n_ids == 0) {
    rc = bp_cli_usage_error("%s", "no command (list, run, all or grad)");
    goto out;
  }
  const char *cmd = o.ids[0];
  o.ids++, o.n_ids--; /* what follows the command */
  int is_sweep = !strcmp(cmd, "sweep");
  int is_run = !strcmp(cmd, "run"), is_grad = !strcmp(cmd, "grad"), is_plotdata = !strcmp(cmd, "plotdata");
  if (is_sweep) {
    const bp_check_def *def = (o.n_ids == 1) ? bp_check_find(o.ids[0]) : NULL;
    if (o.n_ids != 1)
      rc = bp_cli_usage_error("%s", "sweep needs one check id (see 'bpcheck list')");
    else if (def == NULL)
      rc = bp_cli_usage_error("no check named '%s' (see 'bpcheck list')", o.ids[0]);
    else
      rc = cmd_sweep(&o, def);
  } else if (is_plotdata) {
    rc = (o.n_ids == 1) ? bp_cli_plotdata(o.ids[0], o.seed)
                        : bp_cli_usage_error("%s", "plotdata needs one name (see plots/README.md)");
  } else if (o.n_ids > 0 && !is_run) {
    rc = bp_cli_usage_error("unexpected argument '%s'", o.ids[0]);
  } else if (!is_grad && (o.layers || o.output || o.data || o.params || o.allow_unnormalized)) {
    rc = bp_cli_usage_error("%s", "--layers, --output, --data, --params and --allow-unnormalized-targets are options of grad");
  } else if (!strcmp(cmd, "ladder")) {
    rc = bp_cli_ladder(o.seed, o.fmt);
  } else if (!strcmp(cmd, "list")) {
    rc = cmd_list(&o);
  } else if (!strcmp(cmd, "all") || is_run) {
    if (is_run && o.n_ids == 0) {
      rc = bp_cli_usage_error("%s", "run needs at least one check id (see 'bpcheck list')");
      goto out;
    }
    size_t n = is_run ? o.n_ids : bp_checks_count;
    const bp_check_def **defs = calloc(n, sizeof *defs);
    if (defs == NULL) {
      fprintf(stderr, "bpcheck: out of memory\n");
      rc = EXIT_INTERNAL;
      goto out;
    }
    for (size_t k = 0; k < n; k++) {
      defs[k] = is_run ? bp_check_find(o.ids[k]) : &bp_checks[k];
      if (defs[k] == NULL) {
        free(defs);
        rc = bp_cli_usage_error("no check named '%s' (see 'bpcheck list')", o.ids[k]);
        goto out;
      }
    }
    rc = cmd_run(&o, defs, n);
    free(defs);
  } else if (is_grad) {
    rc = cmd_grad(&o);
  } else {
    rc = bp_cli_usage_error("unknown command '%s'", cmd);
  }
out:
  free(args);
  return finish(rc);
}
