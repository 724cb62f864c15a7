/* harness.c - runs the exercises of one submission for the grader (bpcheck grade, lib/grade.h).
 *
 * The grader compiles this file with the student's exercise files and runs it once per exercise, in a child
 * process with CPU, memory and time limits. Standard input holds the cases (written by bp_grade_cases_write):
 *     exercise NAME
 *     case K  ints N i1..iN  arrays M  (NAME LEN v1..vLEN) x M  out LEN
 *     ...
 *     end
 * and for each case this prints one line to standard output, read back by bp_grade_answers_parse:
 *     answer K STATUS LEN v1..vLEN        (%.17g, exact for doubles)
 * or "overflow K" when the exercise wrote past the end of its output, then "done". Anything else the student's
 * code prints to standard output makes the answers unreadable, and the grader says so. It needs only the C
 * library: no GSL, so it builds wherever a C compiler runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"

#define MAX_INTS 80
#define MAX_ARRAYS 80
#define GUARD 16

typedef struct {
  size_t n_ints, n_arrays, out_len;
  size_t ints[MAX_INTS];
  double *arrays[MAX_ARRAYS];
  size_t lens[MAX_ARRAYS];
} harness_case;

static double guard_value(size_t k) { return -1234.5678 - (double)k; }

/* f(x) = a sin(b x) + c exp(d x) with coef = {a, b, c, d}: the function of the central-difference exercise. */
static double harness_function(double x, void *ctx) {
  const double *c = ctx;
  return c[0] * sin(c[1] * x) + c[2] * exp(c[3] * x);
}

static int read_case(harness_case *hc) {
  if (scanf(" ints %zu", &hc->n_ints) != 1 || hc->n_ints > MAX_INTS) return -1;
  for (size_t k = 0; k < hc->n_ints; k++)
    if (scanf("%zu", &hc->ints[k]) != 1) return -1;
  if (scanf(" arrays %zu", &hc->n_arrays) != 1 || hc->n_arrays > MAX_ARRAYS) return -1;
  for (size_t a = 0; a < hc->n_arrays; a++) {
    char name[32];
    if (scanf("%31s %zu", name, &hc->lens[a]) != 2 || hc->lens[a] > 10000000) return -1;
    hc->arrays[a] = malloc((hc->lens[a] + 1) * sizeof(double));
    if (hc->arrays[a] == NULL) return -1;
    for (size_t k = 0; k < hc->lens[a]; k++)
      if (scanf("%lf", &hc->arrays[a][k]) != 1) return -1;
  }
  if (scanf(" out %zu", &hc->out_len) != 1 || hc->out_len > 10000000) return -1;
  return 0;
}

static void free_case(harness_case *hc) {
  for (size_t a = 0; a < hc->n_arrays; a++) free(hc->arrays[a]);
}

/* The network exercises: ints = L, batch, sizes[0..L]; arrays = params, T, X[0..L]. */
static int call_network(const harness_case *hc, int softmax, double *out) {
  size_t L = hc->ints[0];
  if (L < 1 || hc->n_ints != L + 3 || hc->n_arrays != L + 3) return -9999;
  const double *X[MAX_ARRAYS];
  for (size_t l = 0; l <= L; l++) X[l] = hc->arrays[2 + l];
  ex_network net = {L, hc->ints + 2, hc->ints[1], hc->arrays[0], X, hc->arrays[1]};
  return softmax ? ex_softmax_network_backward(&net, out) : ex_network_backward(&net, out);
}

static int call(const char *ex, const harness_case *hc, double *out) {
  double *const *a = hc->arrays;
  const size_t *n = hc->ints;
  if (!strcmp(ex, "central_difference")) return ex_central_difference(harness_function, a[0], a[1][0], a[1][1], out);
  if (!strcmp(ex, "logistic_dE_dx")) return ex_logistic_dE_dx(n[0], a[0], a[1], out);
  if (!strcmp(ex, "logistic_dx_ds")) return ex_logistic_dx_ds(n[0], a[0], out);
  if (!strcmp(ex, "logistic_output_delta")) return ex_logistic_output_delta(n[0], a[0], a[1], out);
  if (!strcmp(ex, "output_weight_grad")) return ex_output_weight_grad(n[0], n[1], a[0], a[1], out);
  if (!strcmp(ex, "hidden_delta")) return ex_hidden_delta(n[0], n[1], a[0], a[1], a[2], out);
  if (!strcmp(ex, "network_backward")) return call_network(hc, 0, out);
  if (!strcmp(ex, "softmax_jacobian")) return ex_softmax_jacobian(n[0], a[0], out);
  if (!strcmp(ex, "softmax_ds_split")) return ex_softmax_ds_split(n[0], a[0], a[1], out);
  if (!strcmp(ex, "softmax_ds_expanded")) return ex_softmax_ds_expanded(n[0], a[0], a[1], out);
  if (!strcmp(ex, "softmax_output_delta")) return ex_softmax_output_delta(n[0], a[0], a[1], out);
  if (!strcmp(ex, "softmax_network_backward")) return call_network(hc, 1, out);
  if (!strcmp(ex, "logistic_loss_stable")) return ex_logistic_loss_stable(n[0], a[0], a[1], out);
  if (!strcmp(ex, "softmax_loss_stable")) return ex_softmax_loss_stable(n[0], a[0], a[1], out);
  return -9999;
}

int main(void) {
  char ex[64];
  if (scanf(" exercise %63s", ex) != 1) {
    fprintf(stderr, "harness: no exercise on standard input\n");
    return 2;
  }
  size_t k;
  while (scanf(" case %zu", &k) == 1) {
    harness_case hc = {0};
    if (read_case(&hc) != 0) {
      fprintf(stderr, "harness: malformed case %zu\n", k);
      return 2;
    }
    double *out = malloc((hc.out_len + GUARD) * sizeof *out);
    if (out == NULL) return 2;
    for (size_t i = 0; i < hc.out_len; i++) out[i] = 0;
    for (size_t g = 0; g < GUARD; g++) out[hc.out_len + g] = guard_value(g);
    int status = call(ex, &hc, out);
    int overflow = 0;
    for (size_t g = 0; g < GUARD; g++)
      overflow |= memcmp(&out[hc.out_len + g], &(double){guard_value(g)}, sizeof(double)) != 0;
    if (overflow) {
      printf("overflow %zu\n", k);
    } else {
      printf("answer %zu %d %zu", k, status, hc.out_len);
      for (size_t i = 0; i < hc.out_len; i++) printf(" %.17g", out[i]);
      printf("\n");
    }
    fflush(stdout);
    free(out);
    free_case(&hc);
  }
  printf("done\n");
  return 0;
}
