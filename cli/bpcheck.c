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

#define DEFAULT_SEED 1UL

static const char usage_text[] =
    "usage: bpcheck COMMAND [OPTIONS]      (options may come before or after the command)\n"
    "\n"
    "Verifies the derivations of Sadowski's Notes on Backpropagation with finite differences.\n"
    "\n"
    "commands:\n"
    "  list                  one line per check: id, equation(s), title\n"
    "  run ID|EQ...          run the named checks, with every entry of every claim, a diagnosis of what\n"
    "                        fails and the command that reproduces it; an equation (26 or 'eq. (26)')\n"
    "                        names every check that covers it\n"
    "  all                   run every check\n"
    "  grad --layers N0,N1,...,NL --output logistic|softmax --data FILE.csv [--params FILE.tsv]\n"
    "       [--labels] [--allow-unnormalized-targets] [--sample K | --direction] [--taylor]\n"
    "       [--gradient GRAD.tsv | --plant NAME] [--trace]\n"
    "                        the loss and every parameter's gradient by backprop beside its\n"
    "                        finite-difference value, for a network with logistic hidden units.\n"
    "                        Softmax targets must sum to 1 per row (eq. (26) assumes it);\n"
    "                        --allow-unnormalized-targets accepts rows that do not, with a warning:\n"
    "                        backprop's x - t is then off by (sum t - 1) x, and the check fails once\n"
    "                        that exceeds its tolerance.\n"
    "                        --sample K checks K random entries of every W and b, a line per block;\n"
    "                        --direction checks one random signed direction (central: 2 forward\n"
    "                        passes, 2 more for the error estimate, and 1 backward);\n"
    "                        --taylor adds the Taylor-remainder test (rate 2 right, 1 wrong);\n"
    "                        --gradient checks YOUR gradient (param/value TSV, by name), not bpcheck's;\n"
    "                        --plant NAME plants a classic mistake in bpcheck's backprop (--plant list\n"
    "                        names them); --trace prints s, x and delta per layer and example instead\n"
    "                        of the check; --labels reads softmax targets as one column of class\n"
    "                        indices 0..K-1\n"
    "  sweep ID              the check's error against the step h, 1e-1 .. 1e-16, and at the method's\n"
    "                        own step\n"
    "  ladder                one gradient check in float, double and long double\n"
    "  estimates             how often each method's error estimate bounds its actual error, over\n"
    "                        every entry of every check, against the complex step\n"
    "  plotdata NAME         the TSV a figure of plots/ is drawn from\n";

/* A second array: C11 compilers need only accept string literals of 4095 characters. */
static const char usage_text_more[] =
    "  train --layers N0,...,NL --output logistic|softmax --data FILE.csv [--epochs N] [--batch B]\n"
    "       [--lr ETA] [--momentum MU] [--validation FILE.csv | --split S] [--standardize] [--labels]\n"
    "       [--check-every K] [--sample K | --direction] [--save PARAMS.tsv]\n"
    "                        minibatch gradient descent on the mean of eq. (36) or eq. (38), with a\n"
    "                        gradient check of the step's gradient every K epochs, at the start and at\n"
    "                        the end; a log line per epoch (docs/training.md). Exit 1 when a check fails\n"
    "  predict --layers ... --output ... --params PARAMS.tsv --data FILE.csv [--labels]\n"
    "                        the network's outputs for each example, and the accuracy against the targets\n"
    "  data NAME [--points N] [--classes K] [--noise S] [--labels]\n"
    "                        a data set as CSV, seeded: spiral, xor, circles, or iris, breast-cancer,\n"
    "                        digits read from Debian's python3-sklearn\n"
    "  grade DIR, handout DIR  the coursework's grader and handout (bpcheck grade --help)\n"
    "\n"
    "options:\n"
    "  --format table|tsv|json   output format (default table)\n"
    "  --seed N                  seed of the random points and weights, 0 to 4294967295 (default 1)\n"
    "  --method M                finite differences: forward, central (default), richardson, complex,\n"
    "                            gsl\n"
    "  --failures, --quiet       run, all, grad: only what fails; the summary alone\n"
    "  --entries all|N           grad: every entry, or the N worst (default: the 20 worst past 20)\n"
    "  --help, --version\n"
    "\n"
    "Every index counts from 0: entries, units, layers (0 the input), examples (rows of the data, header\n"
    "and comments not counted) and classes; FILE:LINE in messages counts lines from 1, as editors do.\n"
    "\n"
    "exit status: 0 all checks hold (errata of the notes included), 1 a check failed, 2 bad usage or\n"
    "             input, 3 something could not be computed (out of memory), 4 grad: NO SIGNAL\n";

int bp_cli_usage_error_see(const char *help, const char *fmt, const char *arg) {
  fprintf(stderr, "bpcheck: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry '%s'.\n", help);
  return EXIT_USAGE;
}

int bp_cli_usage_error(const char *fmt, const char *arg) { return bp_cli_usage_error_see("bpcheck --help", fmt, arg); }

/* ---- list, run, all ---------------------------------------------------------------------------------------- */

static int cmd_list(const bp_cli_options *o) {
  if (o->fmt == FORMAT_TSV) printf("id\tequation\ttitle\n");
  if (o->fmt == FORMAT_JSON) printf("[");
  for (size_t k = 0; k < bp_checks_count; k++) {
    const bp_check_def *d = &bp_checks[k];
    char eq[64];
    bp_cli_equation_label(d->equations, eq, sizeof eq);
    if (o->fmt == FORMAT_TABLE) {
      char line[128];
      snprintf(line, sizeof line, "%-*s %-*s ", BP_CLI_ID_WIDTH, d->id, BP_CLI_EQ_WIDTH, eq);
      bp_cli_wrap(line, d->title, &BP_CLI_TITLE_INDENT[9]); /* the indent less the list's 9 columns */
    }
    if (o->fmt == FORMAT_TSV) printf("%s\t%s\t%s\n", d->id, d->equations, d->title);
    if (o->fmt == FORMAT_JSON) {
      printf("%s\n  {\"id\": ", k ? "," : "");
      bp_cli_json_string(d->id);
      printf(", \"equation\": ");
      bp_cli_json_string(d->equations);
      printf(", \"title\": ");
      bp_cli_json_string(d->title);
      printf("}");
    }
  }
  if (o->fmt == FORMAT_JSON) printf("\n]\n");
  return EXIT_OK;
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
static int sweep_measure(const bp_check_def *def, const bp_cli_options *o, double h, const int *mask, int *mask_out,
                         char *formulas, size_t formulas_size, sweep_point *pt) {
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
    if (formulas && use) { /* the swept claims' formulas, "; " between them */
      size_t len = strlen(formulas);
      snprintf(formulas + len, formulas_size - len, "%s%s", len ? "; " : "", c->formula);
    }
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
static int cmd_sweep(const bp_cli_options *o, const bp_check_def *def) {
  enum { K_FIRST = 4, K_LAST = 64, N_ROWS = K_LAST - K_FIRST + 2 };
  int mask[BP_CHECK_MAX_CLAIMS] = {0};
  char formula[1024] = "";
  double h[N_ROWS];
  sweep_point pt[N_ROWS];
  int status = sweep_measure(def, o, 0.0, NULL, mask, formula, sizeof formula, &pt[N_ROWS - 1]);
  if (!status && formula[0] == '\0') /* only identities: no step to sweep */
    return bp_cli_usage_error("sweep: check '%s' has no finite-difference claim (only identities): nothing to sweep",
                              def->id);
  h[N_ROWS - 1] = bp_fd_relative_step(o->method);
  for (int k = K_FIRST; k <= K_LAST && !status; k++) {
    h[k - K_FIRST] = pow(10.0, -k / 4.0);
    status = sweep_measure(def, o, h[k - K_FIRST], mask, NULL, NULL, 0, &pt[k - K_FIRST]);
  }
  if (status) {
    fprintf(stderr, "bpcheck: sweep %s: %s\n", def->id, bp_error_message());
    return EXIT_INTERNAL;
  }
  if (o->fmt == FORMAT_JSON) {
    printf("{\"check\": \"%s\", \"method\": \"%s\", \"seed\": %lu, \"formula\": ", def->id,
           bp_fd_method_name(o->method), o->seed);
    bp_cli_json_string(formula);
    printf(", \"rows\": [");
    for (int k = 0; k < N_ROWS; k++) {
      printf("%s\n  {\"h\": ", k ? "," : "");
      bp_cli_json_number(h[k]);
      printf(", \"norm_rel_err\": ");
      bp_cli_json_number(pt[k].norm_rel_err);
      printf(", \"max_rel_err\": ");
      bp_cli_json_number(pt[k].max_rel_err);
      printf(", \"median_estimate\": ");
      bp_cli_json_number(pt[k].median_estimate);
      printf(", \"auto\": %s}", k == N_ROWS - 1 ? "true" : "false");
    }
    printf("\n]}\n");
    return EXIT_OK;
  }
  if (o->fmt == FORMAT_TABLE) {
    printf("# bpcheck sweep %s --method %s --seed %lu\n# error against the relative step h (h_j = h max(|x_j|, 1))\n",
           def->id, bp_fd_method_name(o->method), o->seed);
    bp_cli_wrap("formula: ", formula, "         ");
    printf("%-12s  %12s  %12s  %15s  %4s\n", "h", "norm_rel_err", "max_rel_err", "median_estimate", "auto");
    for (int k = 0; k < N_ROWS; k++)
      printf("%12.6e  %12.6e  %12.6e  %15.6e  %4s\n", h[k], pt[k].norm_rel_err, pt[k].max_rel_err,
             pt[k].median_estimate, k == N_ROWS - 1 ? "yes" : "no");
    return EXIT_OK;
  }
  printf("# formula: %s\n", formula);
  printf("h\tnorm_rel_err\tmax_rel_err\tmedian_estimate\tauto\n");
  for (int k = 0; k < N_ROWS; k++)
    printf("%.6e\t%.6e\t%.6e\t%.6e\t%d\n", h[k], pt[k].norm_rel_err, pt[k].max_rel_err, pt[k].median_estimate,
           k == N_ROWS - 1);
  return EXIT_OK;
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

static int parse_count(const char *s, size_t *count) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno == ERANGE || v == 0 || v > 1000000UL) return 0;
  *count = (size_t)v;
  return 1;
}

/* Options go anywhere, as --name value or --name=value; the other arguments are the command and its check ids. */
static int parse_options(int argc, char **argv, bp_cli_options *o) {
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
    int *flag = !strcmp(name, "--allow-unnormalized-targets") ? &o->allow_unnormalized
                : !strcmp(name, "--direction")                ? &o->direction
                : !strcmp(name, "--taylor")                   ? &o->taylor
                : !strcmp(name, "--trace")                    ? &o->trace
                : !strcmp(name, "--standardize")              ? &o->standardize
                : !strcmp(name, "--labels")                   ? &o->labels
                : !strcmp(name, "--failures")                 ? &o->failures
                : !strcmp(name, "--quiet")                    ? &o->quiet
                                                              : NULL;
    if (flag) {
      if (eq) return bp_cli_usage_error("option %s takes no value", name);
      *flag = 1;
      continue;
    }
    static const char *const with_value[] = {"--format", "--seed",   "--method",   "--layers", "--output", "--data",
                                             "--params", "--sample", "--gradient", "--plant",  "--entries"};
    int needs_value = 0, train_option = -1;
    for (size_t m = 0; m < sizeof with_value / sizeof with_value[0]; m++) needs_value |= !strcmp(name, with_value[m]);
    for (int m = 0; m < BP_CLI_TRAIN_N; m++)
      if (!strcmp(name, bp_cli_train_option_names[m])) needs_value = 1, train_option = m;
    if (!needs_value) return bp_cli_usage_error("unknown option '%s'", arg);
    if (eq)
      value = eq + 1;
    else if (k + 1 < argc)
      value = argv[++k];
    else
      return bp_cli_usage_error("option %s needs a value", name);
    if (train_option >= 0) {
      o->train[train_option] = value;
    } else if (!strcmp(name, "--format")) {
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
    } else if (!strcmp(name, "--sample")) {
      if (!parse_count(value, &o->sample))
        return bp_cli_usage_error("--sample needs a count of entries per block from 1 to 1000000, not '%s'", value);
    } else if (!strcmp(name, "--entries")) {
      if (!strcmp(value, "all"))
        o->entries_all = 1;
      else if (!parse_count(value, &o->entries))
        return bp_cli_usage_error("--entries needs 'all' or a count of entries from 1 to 1000000, not '%s'", value);
    } else if (!strcmp(name, "--layers")) {
      o->layers = value;
    } else if (!strcmp(name, "--output")) {
      o->output = value;
    } else if (!strcmp(name, "--data")) {
      o->data = value;
    } else if (!strcmp(name, "--gradient")) {
      o->gradient = value;
    } else if (!strcmp(name, "--plant")) {
      o->plant = value;
    } else {
      o->params = value;
    }
  }
  return EXIT_OK;
}

/* Options of train, predict and data other than --labels, which grad takes too. */
static int train_options_besides_labels(bp_cli_options o) {
  o.labels = 0;
  return bp_cli_train_options_given(&o);
}

static int finish(int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "bpcheck: cannot write the output: %s\n", strerror(errno));
    return EXIT_INTERNAL;
  }
  return rc;
}

/* The checks `run` names: each argument is a check id, or an equation ("26", "eq. (26)") that selects every check
 * covering it (checks.h, bp_check_covers), in the registry's order. A check named twice runs once. */
static int select_checks(const bp_cli_options *o, const bp_check_def **defs, size_t *n) {
  for (size_t k = 0; k < o->n_ids; k++) {
    const bp_check_def *one = bp_check_find(o->ids[k]);
    unsigned long eq = 0;
    if (one == NULL && bp_check_parse_equation(o->ids[k], &eq) != 0)
      return bp_cli_usage_error("no check named '%s' (see 'bpcheck list')", o->ids[k]);
    size_t found = 0;
    for (size_t c = 0; c < bp_checks_count; c++) {
      const bp_check_def *def = &bp_checks[c];
      if (one ? def != one : !bp_check_covers(def, eq)) continue;
      found++;
      size_t j = 0;
      while (j < *n && defs[j] != def) j++;
      if (j == *n) defs[(*n)++] = def;
    }
    if (found == 0) return bp_cli_usage_error("no check covers equation '%s' (see 'bpcheck list')", o->ids[k]);
  }
  return 0;
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off(); /* errors come back as statuses and are reported here */
  bp_cli_colour_init();
  if (argc < 2) {
    fputs(usage_text, stderr);
    fputs(usage_text_more, stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "grade") || !strcmp(argv[1], "handout")) { /* their own options (cli/grade.c) */
    for (int k = 2; k < argc; k++)
      if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
        fputs(bp_cli_grade_usage(), stdout);
        return finish(EXIT_OK);
      }
    return finish(bp_cli_grade(argc - 1, argv + 1));
  }
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
      fputs(usage_text, stdout);
      fputs(usage_text_more, stdout);
      return finish(EXIT_OK);
    }
    if (!strcmp(argv[k], "--version")) {
      printf("bpcheck %s\n", BP_VERSION);
      return finish(EXIT_OK);
    }
  }
  bp_cli_options o = {.fmt = FORMAT_TABLE, .seed = DEFAULT_SEED, .method = BP_FD_CENTRAL};
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
  } else if (!strcmp(cmd, "data")) {
    rc = (o.n_ids == 1)
             ? bp_cli_data(&o, o.ids[0])
             : bp_cli_usage_error("%s", "data needs one name: spiral, xor, circles, iris, breast-cancer, digits");
  } else if ((!strcmp(cmd, "train") || !strcmp(cmd, "predict")) && o.n_ids == 0) {
    rc = !strcmp(cmd, "train") ? bp_cli_train(&o) : bp_cli_predict(&o);
  } else if (bp_cli_train_options_given(&o) && !(is_grad && !train_options_besides_labels(o))) {
    rc =
        bp_cli_usage_error("%s", "--epochs, --batch, --lr, --momentum, --validation, --split, --standardize, --labels, "
                                 "--check-every, --save, --points, --classes and --noise are options of train, "
                                 "predict and data");
  } else if (o.n_ids > 0 && !is_run) {
    rc = bp_cli_usage_error("unexpected argument '%s'", o.ids[0]);
  } else if (!is_grad && (o.layers || o.output || o.data || o.params || o.allow_unnormalized || o.sample ||
                          o.direction || o.taylor || o.gradient || o.plant || o.trace || o.entries || o.entries_all)) {
    rc = bp_cli_usage_error("%s", "--layers, --output, --data, --params, --allow-unnormalized-targets, --sample, "
                                  "--direction, --taylor, --gradient, --plant, --trace and --entries are options of "
                                  "grad");
  } else if ((o.failures || o.quiet) && !is_grad && !is_run && strcmp(cmd, "all")) {
    rc = bp_cli_usage_error("%s", "--failures and --quiet are options of run, all and grad");
  } else if (!strcmp(cmd, "estimates")) {
    rc = bp_cli_estimates(o.seed, o.fmt);
  } else if (!strcmp(cmd, "ladder")) {
    rc = bp_cli_ladder(o.seed, o.fmt);
  } else if (!strcmp(cmd, "list")) {
    rc = cmd_list(&o);
  } else if (!strcmp(cmd, "all") || is_run) {
    if (is_run && o.n_ids == 0) {
      rc = bp_cli_usage_error("%s", "run needs at least one check id (see 'bpcheck list')");
      goto out;
    }
    const bp_check_def **defs = calloc(bp_checks_count, sizeof *defs);
    if (defs == NULL) {
      fprintf(stderr, "bpcheck: out of memory\n");
      rc = EXIT_INTERNAL;
      goto out;
    }
    size_t n = 0;
    if (!is_run) {
      for (size_t k = 0; k < bp_checks_count; k++) defs[n++] = &bp_checks[k];
    } else if ((rc = select_checks(&o, defs, &n)) != 0) {
      free(defs);
      goto out;
    }
    rc = bp_cli_run(&o, defs, n, is_run);
    free(defs);
  } else if (is_grad) {
    rc = bp_cli_grad(&o);
  } else {
    rc = bp_cli_usage_error("unknown command '%s'", cmd);
  }
out:
  free(args);
  return finish(rc);
}
