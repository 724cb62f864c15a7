/* grad.c - `bpcheck grad`: a network's loss and gradient by backprop (eq. (9)-(16), eq. (26)-(31)) on a CSV
 * batch, checked against finite differences entry by entry (default), on K sampled entries of every W and b
 * (--sample K), or along one random signed direction (--direction); --taylor adds the step-free Taylor test.
 * A failure is diagnosed in one sentence (lib/diagnose.h) and followed by the command that reproduces it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "cli.h"
#include "core.h"
#include "data.h"
#include "mlp.h"
#include "mistakes.h"
#include "netcheck.h"

/* Everything grad computes, before the first line is printed: the library's report, and how to print it. */
typedef struct {
  const bp_cli_options *o;
  bp_mlp *net;
  bp_netcheck_report *r;
  const char *analytic_label; /* "backprop", "yours" (--gradient), "planted" (--plant) */
  char numeric_label[48];
  char *reproduce; /* the command that reproduces the run */
} grad_report;

static void param_name(const void *ctx, size_t k, char *buf, size_t len) { bp_mlp_param_name(ctx, k, buf, len); }

static bp_cli_entries report_entries(const grad_report *g) {
  return (bp_cli_entries){
      g->r->gc, g->analytic_label, g->numeric_label, param_name, g->net, g->r->columns, g->r->params, 0, 0};
}

static int grad_passes(const grad_report *g) { return g->r->verdict == BP_VERDICT_PASS; }

/* The command line that reproduces this result: every input and every option that changes it, each as
 * --name=value (so a file named -h stays a file), quoted for the shell. Allocated to fit; NULL when out of memory. */
static char *reproduce_command(const bp_cli_options *o) {
  const char *const names[] = {"--layers=", "--output=", "--data=", "--params=", "--gradient=", "--plant="};
  const char *const values[] = {o->layers, o->output, o->data, o->params, o->gradient, o->plant};
  size_t len = 256; /* "bpcheck grad" and the options below */
  for (size_t k = 0; k < 6; k++) len += values[k] ? 4 * (strlen(names[k]) + strlen(values[k])) + 3 : 0;
  char *buf = malloc(len), *named = malloc(len), arg[64];
  if (buf == NULL || named == NULL) return free(buf), free(named), NULL;
  snprintf(buf, len, "bpcheck grad");
  int full = 0; /* cannot happen: len bounds every quoted argument ('\'' is 4 bytes for 1) */
  for (size_t k = 0; k < 6; k++)
    if (values[k]) snprintf(named, len, "%s%s", names[k], values[k]), full |= bp_cli_command_append(buf, len, named);
  free(named);
  if (o->labels) full |= bp_cli_command_append(buf, len, "--labels");
  if (o->allow_unnormalized) full |= bp_cli_command_append(buf, len, "--allow-unnormalized-targets");
  if (o->sample) snprintf(arg, sizeof arg, "--sample=%zu", o->sample), full |= bp_cli_command_append(buf, len, arg);
  if (o->direction) full |= bp_cli_command_append(buf, len, "--direction");
  if (o->taylor) full |= bp_cli_command_append(buf, len, "--taylor");
  snprintf(arg, sizeof arg, "--method=%s", bp_fd_method_name(o->method));
  full |= bp_cli_command_append(buf, len, arg);
  snprintf(arg, sizeof arg, "--seed=%lu", o->seed);
  full |= bp_cli_command_append(buf, len, arg);
  if (full) return free(buf), NULL;
  return buf;
}

/* ---- printing ------------------------------------------------------------------------------------------------ */

/* The first line: the verdict and what decided it. */
static void first_line(const grad_report *g, char *buf, size_t len) {
  const bp_gradcheck *gc = g->r->gc;
  if (g->o->direction) {
    char band[96];
    bp_gradcheck_entry_band(gc, 0, band, sizeof band);
    snprintf(buf, len,
             "along a random signed unit direction v: backprop g.v %.10g, %s d/dt E(params + t v) %.10g, rel err "
             "%.2e (%s)",
             gsl_vector_get(gc->analytic, 0), g->numeric_label, gsl_vector_get(gc->numeric, 0),
             gsl_vector_get(gc->rel_err, 0), band);
  } else {
    bp_cli_entries e = report_entries(g);
    bp_cli_worst_summary(&e, buf, len);
  }
}

static const char *overall_verdict(const grad_report *g) { return bp_verdict_name(g->r->verdict); }

static void print_taylor_table(const bp_taylor_result *t) {
  printf("\nTaylor test along its own random signed unit direction u: r(eps) = |E(params + eps u) - E - eps g.u|\n"
         "must fall as eps^2 (rate 2) for a correct gradient, as eps (rate 1) for a wrong one.\n");
  bp_cli_verdict(bp_verdict_name(t->verdict), 0);
  bp_cli_wrap_at(strlen(bp_verdict_name(t->verdict)), ": ", t->reason, "  ");
  printf("%14s %14s %8s\n", "eps", "residual", "rate");
  for (size_t k = 0; k < t->n; k++) {
    printf("%14.6e %14.6e ", t->eps[k], t->residual[k]);
    if (k > 0 && !isnan(t->rate[k - 1]))
      printf("%8.3f\n", t->rate[k - 1]);
    else
      printf("%8s\n", k > 0 ? "-" : "");
  }
}

#define GRAD_SHORT 20

static void print_table(const grad_report *g) {
  const bp_cli_options *o = g->o;
  const bp_gradcheck *gc = g->r->gc;
  char line[512];
  first_line(g, line, sizeof line);
  size_t n = strlen(line);
  if (!o->direction) snprintf(line + n, sizeof line - n, "; ||a-n||/||n|| = %.2e", gc->norm_rel_err);
  bp_cli_verdict(overall_verdict(g), 0);
  bp_cli_wrap_at(strlen(overall_verdict(g)), ": ", line, "  ");
  if (g->r->diagnosis.kind != BP_DIAG_NONE) bp_cli_wrap("diagnosis: ", g->r->diagnosis.sentence, "  ");
  if (o->quiet) return;
  if (gc->verdict == BP_VERDICT_FAIL && (o->sample || o->direction))
    printf("diagnosis: none, it reads the pattern of every entry: run without %s to get one\n",
           o->sample ? "--sample" : "--direction");
  printf("loss E = %.17g (sum over the examples), %zu parameters\n", g->r->loss, g->net->n_params);
  if (o->direction) {
    snprintf(line, sizeof line,
             "One random signed direction checks one combination of all %zu entries for the "
             "price of one column of differences (central: 2 forward passes, 2 more for the error estimate) and 1 "
             "backward: a wrong gradient escapes only if its error is nearly orthogonal to v, which a signed "
             "direction makes unlikely for any fixed error. It cannot say which entry is wrong: run without "
             "--direction for that.",
             g->net->n_params);
    bp_cli_wrap("\n", line, "");
  } else {
    /* By default a table of more than GRAD_SHORT entries shows the per-block lines and the GRAD_SHORT worst. */
    bp_cli_entries e = report_entries(g);
    e.failures_only = o->failures;
    e.show = o->entries_all ? 0 : o->entries ? o->entries : (gc->size > GRAD_SHORT) ? GRAD_SHORT : 0;
    if (o->sample)
      printf("\n--sample %zu: %zu of %zu entries checked\n", o->sample, gc->size, g->net->n_params);
    else if (e.show)
      printf("\nevery entry checked, by block:\n");
    if (o->sample || e.show) {
      for (size_t b = 0; b < g->r->n_blocks; b++) {
        const bp_netcheck_block *nb = &g->r->blocks[b];
        printf("  %-4s %4zu of %4zu entries checked (%5.1f%%), %4zu pass, worst rel err %.2e\n", nb->block.name,
               nb->checked, nb->block.size, 100.0 * (double)nb->checked / (double)nb->block.size, nb->passed,
               nb->worst_rel_err);
      }
    }
    printf("\n");
    bp_cli_entries_table(&e, "");
    snprintf(line, sizeof line,
             "%zu of %zu entries pass. An entry passes when rel_err <= %.0e, or, below what the "
             "difference can resolve (%zu %s here, judged_by estimate), when |a - n| <= %g x its error estimate, or, "
             "below what backprop's own rounding allows (%zu here, judged_by floor), when |a - n| <= %g eps x what it "
             "sums.",
             gc->size - gc->n_failed, gc->size, gc->tol.rtol, gc->n_unresolved - gc->n_floor,
             gc->n_unresolved - gc->n_floor == 1 ? "entry" : "entries", gc->tol.est_factor, gc->n_floor,
             gc->tol.floor_ulps);
    bp_cli_wrap("\n", line, "");
  }
  snprintf(line, sizeof line,
           "Relative errors as students are taught them: > 1e-2 wrong, 1e-2..1e-4 suspicious, "
           "1e-4..1e-7 fine only at kinks, < 1e-7 good. %s is the analytic side; numeric (%s) is the finite "
           "difference.",
           g->analytic_label, bp_fd_method_name(o->method));
  bp_cli_wrap("", line, "");
  if (o->taylor) print_taylor_table(&g->r->taylor);
  if (!grad_passes(g)) bp_cli_wrap_command("\nreproduce: ", g->reproduce);
}

/* grad's TSV is also its --params format: param and value come first (lib/data.h). */
static void print_tsv(const grad_report *g) {
  const bp_gradcheck *gc = g->r->gc;
  char line[512];
  first_line(g, line, sizeof line);
  printf("# %s: %s\n", overall_verdict(g), line);
  if (g->r->diagnosis.kind != BP_DIAG_NONE) printf("# diagnosis: %s\n", g->r->diagnosis.sentence);
  printf("# loss = %.17g\n", g->r->loss);
  if (g->o->direction) {
    printf("direction\tbackprop\tnumeric\tabs_err\trel_err\testimate\tjudged_by\tverdict\n");
    printf("v\t%.17g\t%.17g\t%.3e\t%.3e\t%.3e\t%s\t%s\n", gsl_vector_get(gc->analytic, 0),
           gsl_vector_get(gc->numeric, 0), gsl_vector_get(gc->abs_err, 0), gsl_vector_get(gc->rel_err, 0),
           gsl_vector_get(gc->estimate, 0), bp_gradcheck_judged_by(gc, 0), bp_verdict_name(gc->verdict));
  } else {
    /* the columns in run's order (abs_err, rel_err); --params reads param and value by name */
    printf("param\tvalue\tbackprop\tnumeric\tabs_err\trel_err\testimate\tjudged_by\tverdict\n");
    for (size_t k = 0; k < gc->size; k++) {
      char name[64];
      size_t j = bp_netcheck_param(g->r, k);
      bp_mlp_param_name(g->net, j, name, sizeof name);
      printf("%s\t%.17g\t%.17g\t%.17g\t%.3e\t%.3e\t%.3e\t%s\t%s\n", name, gsl_vector_get(g->net->params, j),
             gsl_vector_get(gc->analytic, k), gsl_vector_get(gc->numeric, k), gsl_vector_get(gc->abs_err, k),
             gsl_vector_get(gc->rel_err, k), gsl_vector_get(gc->estimate, k), bp_gradcheck_judged_by(gc, k),
             bp_gradcheck_entry_verdict(gc, k));
    }
  }
  char worst[64] = "v";
  if (!g->o->direction) bp_mlp_param_name(g->net, bp_netcheck_param(g->r, gc->worst), worst, sizeof worst);
  printf("# norm_rel_err = %.3e, max_rel_err = %.3e (over %zu resolved entries), worst = %s, verdict = %s\n",
         gc->norm_rel_err, gc->max_rel_err, gc->size - gc->n_unresolved, worst, overall_verdict(g));
  for (size_t b = 0; g->o->sample && b < g->r->n_blocks; b++) {
    const bp_netcheck_block *nb = &g->r->blocks[b];
    printf("# block %s: %zu of %zu entries checked, %zu pass, worst rel err %.3e\n", nb->block.name, nb->checked,
           nb->block.size, nb->passed, nb->worst_rel_err);
  }
  if (g->o->taylor)
    printf("# taylor: rate = %.3f, verdict = %s\n", g->r->taylor.observed_rate, bp_verdict_name(g->r->taylor.verdict));
  if (!grad_passes(g)) printf("# reproduce: %s\n", g->reproduce);
}

static void print_json(const grad_report *g) {
  const bp_gradcheck *gc = g->r->gc;
  char line[512];
  first_line(g, line, sizeof line);
  printf("{\"verdict\": \"%s\", \"summary\": ", overall_verdict(g));
  bp_cli_json_string(line);
  printf(", \"loss\": ");
  bp_cli_json_number(g->r->loss);
  printf(", \"method\": \"%s\", \"mode\": \"%s\", \"check_verdict\": \"%s\", \"norm_rel_err\": ",
         bp_fd_method_name(g->o->method),
         g->o->direction ? "direction"
         : g->o->sample  ? "sample"
                         : "every entry",
         bp_verdict_name(gc->verdict));
  bp_cli_json_number(gc->norm_rel_err);
  printf(", \"max_rel_err\": ");
  bp_cli_json_number(gc->max_rel_err);
  printf(", \"unresolved\": %zu, \"judged_by_floor\": %zu, \"evaluations\": %zu, \"evaluations_per_column\": ",
         gc->n_unresolved, gc->n_floor, gc->evaluations);
  bp_cli_json_number((double)gc->evaluations / (double)gc->size); /* a gradient: one entry per column */
  if (g->r->diagnosis.kind != BP_DIAG_NONE) {
    printf(", \"diagnosis\": {\"kind\": ");
    bp_cli_json_string(bp_diagnosis_kind_name(g->r->diagnosis.kind));
    printf(", \"sentence\": ");
    bp_cli_json_string(g->r->diagnosis.sentence);
    printf("}");
  }
  if (g->o->taylor) {
    printf(", \"taylor\": {\"verdict\": \"%s\", \"rate\": ", bp_verdict_name(g->r->taylor.verdict));
    bp_cli_json_number(g->r->taylor.observed_rate);
    printf(", \"reason\": ");
    bp_cli_json_string(g->r->taylor.reason);
    printf("}");
  }
  if (!grad_passes(g)) {
    printf(", \"reproduce\": ");
    bp_cli_json_string(g->reproduce);
  }
  if (g->o->direction) {
    printf(", \"direction\": {\"backprop\": ");
    bp_cli_json_number(gsl_vector_get(gc->analytic, 0));
    printf(", \"numeric\": ");
    bp_cli_json_number(gsl_vector_get(gc->numeric, 0));
    printf(", \"estimate\": ");
    bp_cli_json_number(gsl_vector_get(gc->estimate, 0));
    printf("}}\n");
    return;
  }
  if (g->o->sample) {
    printf(", \"blocks\": [");
    for (size_t b = 0; b < g->r->n_blocks; b++) {
      const bp_netcheck_block *nb = &g->r->blocks[b];
      printf("%s{\"block\": \"%s\", \"size\": %zu, \"checked\": %zu, \"passed\": %zu, \"worst_rel_err\": ",
             b ? ", " : "", nb->block.name, nb->block.size, nb->checked, nb->passed);
      bp_cli_json_number(nb->worst_rel_err);
      printf("}");
    }
    printf("]");
  }
  printf(", \"analytic\": \"backprop\", \"numeric\": ");
  bp_cli_json_string(g->numeric_label);
  printf(", \"params\": [");
  bp_cli_entries e = report_entries(g);
  bp_cli_entries_json(&e, "  ");
  printf("\n]}\n");
}

/* ---- the command --------------------------------------------------------------------------------------------- */

/* Prints the library's message; out of memory is an internal error (3), anything else bad input (2). */
static int input_error(int status) {
  fprintf(stderr, "bpcheck: %s\n", bp_error_message());
  return status == GSL_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

static int internal_error(void) {
  fprintf(stderr, "bpcheck: %s\n", bp_error_message());
  return EXIT_INTERNAL;
}

static void warn_unnormalized(const bp_cli_options *o, const bp_dataset *data) {
  char more[64] = "";
  if (data->n_unnormalized > 1)
    snprintf(more, sizeof more, " (%zu more row%s too)", data->n_unnormalized - 1, data->n_unnormalized > 2 ? "s" : "");
  fprintf(stderr,
          "bpcheck: warning: %s:%zu: softmax targets sum to %.15g, not 1%s; eq. (26) assumes they do: backprop's "
          "x - t is off by (sum t - 1) x, and the check fails once that exceeds its tolerance\n",
          strcmp(o->data, "-") ? o->data : "stdin", data->unnormalized_line, data->unnormalized_sum, more);
}

int bp_cli_grad(const bp_cli_options *o) {
  if (o->plant && strcmp(o->plant, "list") == 0) return bp_cli_plant_list(o->fmt);
  if (o->layers == NULL) return bp_cli_usage_error("%s", "grad needs --layers, e.g. --layers 4,5,3");
  if (o->output == NULL) return bp_cli_usage_error("%s", "grad needs --output logistic or --output softmax");
  if (o->data == NULL) return bp_cli_usage_error("%s", "grad needs --data FILE.csv");
  if (o->sample && o->direction)
    return bp_cli_usage_error("%s", "--sample and --direction are different modes: pick one");
  if (o->gradient && o->plant)
    return bp_cli_usage_error("%s", "--gradient checks your gradient, --plant bpcheck's with a mistake: pick one");
  bp_plant plant = bp_plant_default(BP_MISTAKE_NONE);
  if (o->plant && bp_mistake_parse(o->plant, &plant.mistake))
    return bp_cli_usage_error("--plant: %s", bp_error_message());
  bp_output output;
  if (strcmp(o->output, "softmax") == 0)
    output = BP_OUTPUT_SOFTMAX;
  else if (strcmp(o->output, "logistic") == 0)
    output = BP_OUTPUT_LOGISTIC;
  else
    return bp_cli_usage_error("--output must be logistic or softmax, not '%s'", o->output);
  size_t n_layers, sizes[BP_MLP_MAX_LAYERS + 1];
  if (bp_layers_parse(o->layers, &n_layers, sizes)) {
    const char *msg = bp_error_message(); /* "layers: ..." or "layers '...': ...": named as the option */
    return bp_cli_usage_error("--%s", msg);
  }
  if (output == BP_OUTPUT_SOFTMAX && sizes[n_layers] < 2)
    return bp_cli_usage_error("%s", "--output softmax needs at least 2 outputs (with one, x = 1 and E = 0)");

  int rc = EXIT_OK, status;
  grad_report g = {.o = o};
  bp_dataset *data = NULL;
  gsl_rng *rng = NULL;
  gsl_vector *candidate = NULL;
  bp_trace *trace = NULL;
  unsigned flags = (o->allow_unnormalized ? BP_DATA_ALLOW_UNNORMALIZED : 0) | (o->labels ? BP_DATA_LABELS : 0);
  /* --data - reads standard input (in one pass: a pipe cannot be read twice). */
  status = strcmp(o->data, "-") == 0
               ? bp_dataset_read_stream(stdin, "stdin", sizes[0], sizes[n_layers], output, flags, &data)
               : bp_dataset_read_csv(o->data, sizes[0], sizes[n_layers], output, flags, &data);
  if (status) {
    rc = input_error(status);
    goto done;
  }
  if ((g.net = bp_mlp_alloc(n_layers, sizes, output)) == NULL || (rng = bp_rng_alloc(o->seed)) == NULL) {
    rc = internal_error();
    goto done;
  }
  bp_mlp_init_random(g.net, rng);
  if (o->params && (status = bp_params_read_tsv(o->params, g.net))) {
    rc = input_error(status);
    goto done;
  }
  if (o->plant && bp_plant_check(g.net, &plant)) {
    fprintf(stderr, "bpcheck: --plant %s: %s\n", o->plant, bp_error_message());
    rc = EXIT_USAGE;
    goto done;
  }
  if (o->trace) { /* s, x and delta of every layer and example, instead of the check */
    if ((status = bp_trace_compute(g.net, data->X, data->T, &plant, &trace))) {
      rc = internal_error();
      goto done;
    }
    bp_cli_trace_print(trace, g.net, o->fmt);
    goto done;
  }
  /* the gradient under test: the student's file, bpcheck's backprop with a mistake planted, or bpcheck's own */
  g.analytic_label = o->gradient ? "yours" : o->plant ? "planted" : "backprop";
  if ((o->gradient || o->plant) && (candidate = bp_vector_alloc(g.net->n_params)) == NULL) {
    rc = internal_error();
    goto done;
  }
  if (o->gradient && (status = bp_gradient_read_tsv(o->gradient, g.net, candidate))) {
    rc = input_error(status);
    goto done;
  }
  if (o->plant && (status = bp_mistake_gradient(g.net, data->X, data->T, &plant, candidate))) {
    rc = internal_error();
    goto done;
  }
  if (data->n_unnormalized > 0) warn_unnormalized(o, data); /* asked for: the lesson is to watch the check fail */
  snprintf(g.numeric_label, sizeof g.numeric_label, "numeric (%s)", bp_fd_method_name(o->method));
  bp_netcheck_options no = bp_netcheck_options_default();
  no.method = o->method;
  no.mode = o->direction ? BP_NETCHECK_DIRECTION : o->sample ? BP_NETCHECK_SAMPLE : BP_NETCHECK_EVERY;
  no.sample = o->sample;
  no.taylor = o->taylor;
  no.rng = rng; /* the draws follow the initialisation's, as --seed promises */
  no.subject = o->gradient ? "your gradient file" : o->plant ? "the planted backprop" : NULL;
  no.n_threads = bp_cli_threads();
  bp_cli_progress progress;
  bp_cli_progress_start(&progress);
  no.progress = bp_cli_progress_column, no.progress_context = &progress;
  status = bp_netcheck_run(g.net, data->X, data->T, candidate, &no, &g.r);
  bp_cli_progress_end(&progress);
  if (status) {
    if (status == GSL_EINVAL) { /* a loss that is not finite: nothing to check */
      fprintf(stderr, "bpcheck: %s%s\n", bp_error_message(), o->params ? " (look for huge values in --params)" : "");
      rc = EXIT_USAGE;
    } else {
      rc = internal_error();
    }
    goto done;
  }
  if ((g.reproduce = reproduce_command(o)) == NULL) {
    fprintf(stderr, "bpcheck: out of memory\n");
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (o->fmt == FORMAT_TSV)
    print_tsv(&g);
  else if (o->fmt == FORMAT_JSON)
    print_json(&g);
  else
    print_table(&g);
  rc = grad_passes(&g) ? EXIT_OK : g.r->verdict == BP_VERDICT_NO_SIGNAL ? EXIT_NO_SIGNAL : EXIT_FAILED;
done:
  if (rng) gsl_rng_free(rng);
  if (candidate) gsl_vector_free(candidate);
  bp_trace_free(trace);
  free(g.reproduce);
  bp_netcheck_report_free(g.r);
  bp_mlp_free(g.net);
  bp_dataset_free(data);
  return rc;
}
