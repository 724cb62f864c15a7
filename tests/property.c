/* property.c - random networks and inputs for the property test of eq. (9)-(16), eq. (26)-(31) (property.h). */
#include "property.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "core.h"
#include "netcheck.h"

/* Feature of any magnitude: 0 one time in 16, else +-10^u with u uniform in [-310, 300]. */
static double extreme_value(gsl_rng *rng) {
  if (gsl_rng_uniform_int(rng, 16) == 0) return 0.0;
  double v = pow(10.0, -310.0 + 610.0 * gsl_rng_uniform(rng));
  return gsl_rng_uniform_int(rng, 2) ? v : -v;
}

int bp_property_case_draw(unsigned long seed, bp_property_case *c) {
  memset(c, 0, sizeof *c);
  gsl_rng *rng = bp_rng_alloc(seed ^ 0x5bd1e995UL); /* not the parameters' stream (bpcheck grad --seed) */
  if (rng == NULL) return GSL_ENOMEM;
  c->seed = seed;
  c->n_layers = 1 + gsl_rng_uniform_int(rng, 3);
  c->output = gsl_rng_uniform_int(rng, 2) ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC;
  for (size_t l = 0; l <= c->n_layers; l++) c->sizes[l] = 1 + gsl_rng_uniform_int(rng, 6);
  if (c->output == BP_OUTPUT_SOFTMAX && c->sizes[c->n_layers] < 2) c->sizes[c->n_layers] = 2;
  c->batch = 1 + gsl_rng_uniform_int(rng, 4);
  c->extreme = (int)gsl_rng_uniform_int(rng, 2);
  size_t n_in = c->sizes[0], n_out = c->sizes[c->n_layers];
  c->X0 = bp_matrix_alloc(c->batch, n_in);
  c->T = bp_matrix_alloc(c->batch, n_out);
  if (c->X0 == NULL || c->T == NULL) {
    gsl_rng_free(rng);
    bp_property_case_free(c);
    return GSL_ENOMEM;
  }
  double scale = (double[]){1.0, 10.0, 100.0}[gsl_rng_uniform_int(rng, 3)];
  for (size_t b = 0; b < c->batch; b++) {
    for (size_t j = 0; j < n_in; j++)
      gsl_matrix_set(c->X0, b, j, c->extreme ? extreme_value(rng) : scale * (2.0 * gsl_rng_uniform(rng) - 1.0));
    if (c->output == BP_OUTPUT_LOGISTIC) {
      for (size_t i = 0; i < n_out; i++) {
        unsigned long kind = gsl_rng_uniform_int(rng, 3);
        gsl_matrix_set(c->T, b, i, kind == 2 ? gsl_rng_uniform(rng) : (double)kind);
      }
    } else if (gsl_rng_uniform_int(rng, 2)) { /* one-hot */
      gsl_vector_view t = gsl_matrix_row(c->T, b);
      gsl_vector_set_zero(&t.vector);
      gsl_vector_set(&t.vector, gsl_rng_uniform_int(rng, n_out), 1.0);
    } else { /* a distribution: the last entry makes the sum 1 as nearly as rounding allows */
      double sum = 0.0, left = 1.0;
      for (size_t i = 0; i < n_out; i++) {
        double v = 0.05 + gsl_rng_uniform(rng);
        gsl_matrix_set(c->T, b, i, v);
        sum += v;
      }
      for (size_t i = 0; i < n_out; i++) {
        double t = (i + 1 < n_out) ? gsl_matrix_get(c->T, b, i) / sum : left;
        gsl_matrix_set(c->T, b, i, t);
        left -= t;
      }
    }
  }
  gsl_rng_free(rng);
  return GSL_SUCCESS;
}

void bp_property_case_free(bp_property_case *c) {
  if (c->X0) gsl_matrix_free(c->X0);
  if (c->T) gsl_matrix_free(c->T);
  c->X0 = c->T = NULL;
}

/* The case as a CSV (features then targets, %.17g) and the command that checks it. */
static void describe(FILE *out, const bp_property_case *c, bp_fd_method method, const bp_gradcheck *gc,
                     const bp_mlp *net) {
  char name[64] = "?", layers[64] = "";
  bp_mlp_param_name(net, gc->worst, name, sizeof name);
  for (size_t l = 0; l <= c->n_layers; l++)
    snprintf(layers + strlen(layers), sizeof layers - strlen(layers), "%s%zu", l ? "," : "", c->sizes[l]);
  fprintf(out, "case seed %lu: %s with --method %s; worst %s: backprop %.17g, numeric %.17g, estimate %.3g\n", c->seed,
          bp_verdict_name(gc->verdict), bp_fd_method_name(method), name, gsl_vector_get(gc->analytic, gc->worst),
          gsl_vector_get(gc->numeric, gc->worst), gsl_vector_get(gc->estimate, gc->worst));
  fprintf(out, "  cat > case.csv <<'EOF'\n");
  for (size_t b = 0; b < c->batch; b++) {
    fprintf(out, "  ");
    for (size_t j = 0; j < c->X0->size2; j++) fprintf(out, "%.17g,", gsl_matrix_get(c->X0, b, j));
    for (size_t i = 0; i < c->T->size2; i++)
      fprintf(out, "%.17g%s", gsl_matrix_get(c->T, b, i), i + 1 < c->T->size2 ? "," : "\n");
  }
  fprintf(out, "  EOF\n  bpcheck grad --layers %s --output %s --data case.csv --seed %lu --method %s\n", layers,
          c->output == BP_OUTPUT_SOFTMAX ? "softmax" : "logistic", c->seed, bp_fd_method_name(method));
}

/* One case: bpcheck grad's check of every entry, as the command runs it (bp_netcheck_run, with its diagnosis). */
static int run_case(unsigned long seed, bp_fd_method method, FILE *report, size_t *reports, size_t max_reports,
                    bp_property_tally *t) {
  bp_property_case c;
  int status = bp_property_case_draw(seed, &c);
  if (status) return status;
  bp_mlp *net = bp_mlp_alloc(c.n_layers, c.sizes, c.output);
  gsl_rng *rng = bp_rng_alloc(seed);
  bp_netcheck_report *r = NULL;
  if (!net || !rng) status = GSL_ENOMEM;
  t->cases++;
  if (!status) {
    bp_mlp_init_random(net, rng);
    bp_netcheck_options o = bp_netcheck_options_default();
    o.method = method;
    o.rng = rng;
    status = bp_netcheck_run(net, c.X0, c.T, NULL, &o, &r);
    if (status == GSL_EINVAL && r == NULL) { /* the loss is not finite: bpcheck refuses such input */
      t->skipped++;
      status = GSL_SUCCESS;
    }
  }
  if (!status && r) {
    t->verdicts[r->gc->verdict]++;
    t->floor_judged += r->gc->n_floor;
    t->diagnosed += r->diagnosis.kind != BP_DIAG_NONE;
    if (r->gc->verdict == BP_VERDICT_FAIL || r->gc->verdict == BP_VERDICT_NOT_SMOOTH) {
      t->failed++;
      if (report && (*reports)++ < max_reports) describe(report, &c, method, r->gc, net);
    }
  }
  bp_netcheck_report_free(r);
  if (rng) gsl_rng_free(rng);
  bp_mlp_free(net);
  bp_property_case_free(&c);
  return status;
}

int bp_property_run(unsigned long seed, size_t n, bp_fd_method method, FILE *report, size_t max_reports,
                    bp_property_tally *tally) {
  memset(tally, 0, sizeof *tally);
  size_t reports = 0;
  int status = GSL_SUCCESS;
  for (size_t k = 0; k < n && !status; k++) status = run_case(seed + k, method, report, &reports, max_reports, tally);
  return status;
}
