/* ladder.c - `bpcheck ladder [--seed N] [--format table|tsv|json]`: one gradient check (eq. (9)-(16), eq. (36))
 * in float, double and long double (lib/ladder.h). It demonstrates and does not judge: exit 0 when the ladder
 * ran, 3 when it could not (out of memory). Everything is computed before the first line is printed.
 *
 * TSV (plots read it; the columns are fixed): a header line
 *     precision  epsilon  h  norm_rel_err  max_rel_err  auto
 * then per precision (float, double, long_double) one row per sweep step h = 10^(-k/4), k = 4..64, with auto 0,
 * and one row at the automatic step cbrt(epsilon) with auto 1. Numbers are %.6e; a norm_rel_err is inf where
 * every w +- h rounded back to w (the numeric gradient is all zero). */
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "core.h"
#include "ladder.h"

static void print_tsv(const bp_ladder_result *r) {
  printf("precision\tepsilon\th\tnorm_rel_err\tmax_rel_err\tauto\n");
  for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++) {
    const bp_ladder_level *lv = &r->level[k];
    for (size_t s = 0; s < BP_LADDER_N_SWEEP; s++)
      printf("%s\t%.6e\t%.6e\t%.6e\t%.6e\t0\n", lv->token, lv->epsilon, lv->sweep_h[s], lv->sweep_norm_rel_err[s],
             lv->sweep_max_rel_err[s]);
    printf("%s\t%.6e\t%.6e\t%.6e\t%.6e\t1\n", lv->token, lv->epsilon, lv->auto_step, lv->norm_rel_err, lv->max_rel_err);
  }
}

static void print_json(const bp_ladder_result *r) {
  printf("{\"seed\": %lu, \"layers\": [%d, %d, %d], \"batch\": %d, \"params\": %zu, \"loss\": ", r->seed,
         BP_LADDER_N_IN, BP_LADDER_N_HIDDEN, BP_LADDER_N_OUT, BP_LADDER_BATCH, r->n_params);
  bp_cli_json_number(r->loss);
  printf(", \"precisions\": [");
  for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++) {
    const bp_ladder_level *lv = &r->level[k];
    printf("%s\n  {\"precision\": \"%s\", \"mant_digits\": %d, \"epsilon\": ", k ? "," : "", lv->token,
           lv->mant_digits);
    bp_cli_json_number(lv->epsilon);
    printf(", \"auto_step\": ");
    bp_cli_json_number(lv->auto_step);
    printf(", \"norm_rel_err\": ");
    bp_cli_json_number(lv->norm_rel_err);
    printf(", \"max_rel_err\": ");
    bp_cli_json_number(lv->max_rel_err);
    printf(", \"band\": \"%s\",\n   \"sweep\": [", bp_rel_err_band(lv->max_rel_err));
    for (size_t s = 0; s < BP_LADDER_N_SWEEP; s++) {
      printf("%s{\"h\": ", s ? ", " : "");
      bp_cli_json_number(lv->sweep_h[s]);
      printf(", \"norm_rel_err\": ");
      bp_cli_json_number(lv->sweep_norm_rel_err[s]);
      printf(", \"max_rel_err\": ");
      bp_cli_json_number(lv->sweep_max_rel_err[s]);
      printf("}");
    }
    printf("]}");
  }
  printf("\n]}\n");
}

static void print_table(const bp_ladder_result *r) {
  printf("one gradient check (network %d-%d-%d, batch %d, logistic outputs, eq. (36), backprop eq. (9)-(16)),\n"
         "central differences at the automatic step h = cbrt(eps) max(|w|, 1), %zu parameters, seed %lu\n\n",
         BP_LADDER_N_IN, BP_LADDER_N_HIDDEN, BP_LADDER_N_OUT, BP_LADDER_BATCH, r->n_params, r->seed);
  printf("%-12s  %-12s  %-12s  %-12s  %-12s  %s\n", "precision", "epsilon", "auto step", "norm rel err", "max rel err",
         "band (of max rel err)");
  for (int k = 0; k < BP_LADDER_N_PRECISIONS; k++) {
    const bp_ladder_level *lv = &r->level[k];
    printf("%-12s  %-12.3e  %-12.3e  %-12.3e  %-12.3e  %s\n", lv->name, lv->epsilon, lv->auto_step, lv->norm_rel_err,
           lv->max_rel_err, bp_rel_err_band(lv->max_rel_err));
  }
  const bp_ladder_level *f = &r->level[BP_LADDER_FLOAT], *d = &r->level[BP_LADDER_DOUBLE];
  char text[512];
  snprintf(text, sizeof text,
           "All three run the same correct backprop. Central differences cannot beat about "
           "eps^(2/3), truncation h^2 against round-off eps/h: %.1e in float, so this correct gradient shows %.1e, "
           "outside the 1e-7 'good' band where a subtle bug would hide too. In double eps^(2/3) = %.1e leaves room "
           "below 1e-7: checks are done in double.",
           pow(f->epsilon, 2.0 / 3.0), f->max_rel_err, pow(d->epsilon, 2.0 / 3.0));
  bp_cli_wrap("\n", text, "");
}

int bp_cli_ladder(unsigned long seed, format fmt) {
  bp_ladder_result r;
  if (bp_ladder_run(seed, &r) != GSL_SUCCESS) {
    fprintf(stderr, "bpcheck: ladder: %s\n", bp_error_message());
    return EXIT_INTERNAL;
  }
  if (fmt == FORMAT_TSV)
    print_tsv(&r);
  else if (fmt == FORMAT_JSON)
    print_json(&r);
  else
    print_table(&r);
  return EXIT_OK;
}
