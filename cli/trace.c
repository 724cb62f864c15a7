/* trace.c - `bpcheck grad --trace` and `grad --plant list`: the quantities of one forward and backward pass, and the
 * classic mistakes bpcheck can plant (lib/netcheck.h, lib/mistakes.h). The library computes; this file prints. */
#include <stdio.h>

#include "cli.h"

int bp_cli_plant_list(format fmt) {
  const bp_mistake_info *all = bp_mistake_info_all();
  if (fmt == FORMAT_JSON) printf("[");
  if (fmt == FORMAT_TSV) printf("name\tequations\tmistake\n");
  for (int k = 1; k < BP_MISTAKE_N; k++) {
    if (fmt == FORMAT_JSON) {
      printf("%s\n {\"name\": ", k > 1 ? "," : "");
      bp_cli_json_string(all[k].name);
      printf(", \"equations\": ");
      bp_cli_json_string(all[k].equations);
      printf(", \"mistake\": ");
      bp_cli_json_string(all[k].sentence);
      printf("}");
    } else if (fmt == FORMAT_TSV) {
      printf("%s\t%s\t%s\n", all[k].name, all[k].equations, all[k].sentence);
    } else {
      printf("%-24s %s\n", all[k].name, all[k].equations);
      bp_cli_wrap("                         ", all[k].sentence, "                         ");
    }
  }
  if (fmt == FORMAT_JSON) printf("\n]\n");
  return EXIT_OK;
}

/* One row of a layer's quantity for example b, in the table: 6 units a line, so that a wide layer fits 100 columns. */
static void table_row(const char *label, const gsl_matrix *M, size_t b) {
  printf("    %-6s", label);
  for (size_t i = 0; i < M->size2; i++) {
    if (i > 0 && i % 6 == 0) printf("\n          ");
    printf(" %13.6g", gsl_matrix_get(M, b, i));
  }
  printf("\n");
}

static void json_row(const char *label, const gsl_matrix *M, size_t b) {
  printf(", \"%s\": [", label);
  for (size_t i = 0; i < M->size2; i++) {
    if (i) printf(", ");
    bp_cli_json_number(gsl_matrix_get(M, b, i));
  }
  printf("]");
}

void bp_cli_trace_print(const bp_trace *t, const bp_mlp *net, format fmt) {
  size_t L = t->n_layers;
  if (fmt == FORMAT_TSV) {
    printf("example\tlayer\tunit\ts\tx\tdelta\n");
    for (size_t b = 0; b < t->batch; b++)
      for (size_t l = 1; l <= L; l++)
        for (size_t i = 0; i < net->sizes[l]; i++)
          printf("%zu\t%zu\t%zu\t%.17g\t%.17g\t%.17g\n", b, l, i, gsl_matrix_get(t->S[l], b, i),
                 gsl_matrix_get(t->X[l], b, i), gsl_matrix_get(t->dS[l], b, i));
    return;
  }
  if (fmt == FORMAT_JSON) {
    printf("{\"trace\": [");
    for (size_t b = 0; b < t->batch; b++) {
      printf("%s\n {\"example\": %zu, \"input\": [", b ? "," : "", b);
      for (size_t j = 0; j < net->sizes[0]; j++) {
        if (j) printf(", ");
        bp_cli_json_number(gsl_matrix_get(t->X0, b, j));
      }
      printf("], \"layers\": [");
      for (size_t l = 1; l <= L; l++) {
        printf("%s{\"layer\": %zu", l > 1 ? ", " : "", l);
        json_row("s", t->S[l], b);
        json_row("x", t->X[l], b);
        json_row("delta", t->dS[l], b);
        printf("}");
      }
      printf("]}");
    }
    printf("\n]}\n");
    return;
  }
  char text[512];
  snprintf(text, sizeof text,
           "Forward: s = sum_j x_j w_ji + b_i (eq. (3)), x = logistic(s) (eq. (2))%s. Backward: "
           "delta = dE/ds, x - t at the output (eq. (%s)), then delta_j = x_j(1-x_j) sum_i delta_i w_ji below it "
           "(eq. (11)-(14)%s); dE/dw_ji = delta_i x_j sums over the examples (eq. (10), eq. (15)). Examples, layers "
           "and units count from 0.",
           net->output == BP_OUTPUT_SOFTMAX ? ", softmax at the output (eq. (17))" : "",
           net->output == BP_OUTPUT_SOFTMAX ? "26" : "9",
           net->output == BP_OUTPUT_SOFTMAX ? ", eq. (30), eq. (31)" : "");
  bp_cli_wrap("", text, "");
  for (size_t b = 0; b < t->batch; b++) {
    printf("\nexample %zu\n  layer 0 (input)\n", b);
    table_row("x", t->X0, b);
    for (size_t l = 1; l <= L; l++) {
      printf("  layer %zu%s\n", l, l == L ? " (output)" : "");
      table_row("s", t->S[l], b);
      table_row("x", t->X[l], b);
      table_row("delta", t->dS[l], b);
    }
  }
}
