/* test_extremes.c - numerical extremes (issue "Reliability"). The stable errors eq. (36), eq. (38), the
 * activations eq. (2), eq. (17) and the output deltas eq. (9), eq. (26) against values computed with 4000-bit
 * arithmetic, for s from -DBL_MAX to DBL_MAX, logits 1e308 apart, targets exactly 0 and 1, subnormal and
 * signed-zero s: within 4 ulp,
 * and +inf exactly where the true value overflows. The naive eq. (1), eq. (18) may fail there but must say so. And the
 * finite-difference checker near DBL_MAX and at subnormal values: no false verdict either way.
 *
 * The reference is tests/reference/xent_reference.tsv, written by tests/reference/make_xent_reference.py (mpmath);
 * its path is relative to the repository root, where `make check` runs. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_nan.h>

#include "activation.h"
#include "core.h"
#include "gradcheck.h"
#include "mlp.h"
#include "test_util.h"
#include "xent.h"

#define REFERENCE_TABLE "tests/reference/xent_reference.tsv"
#define MAX_ULP 4
#define MAX_VALUES 128
#define TABLE_HEADER "kind\trows\tcols\ts\tt\tx\tE\tdelta\tnote"

/* ---- ulp distance -------------------------------------------------------------------------------------------- */

/* The bits of v as an integer that orders like v: the negative doubles are mirrored below zero, -0 meets +0. */
static int64_t ordered_bits(double v) {
  int64_t i;
  memcpy(&i, &v, sizeof i);
  return (i < 0) ? INT64_MIN - i : i;
}

/* How many doubles lie between a and b (0: equal, +0 and -0 included). An infinity matches only itself, so
 * DBL_MAX is not "1 ulp" from +inf; NaN matches nothing. */
static uint64_t ulp_distance(double a, double b) {
  if (isnan(a) || isnan(b)) return UINT64_MAX;
  if (isinf(a) || isinf(b)) return (a == b) ? 0 : UINT64_MAX;
  int64_t ia = ordered_bits(a), ib = ordered_bits(b);
  return (ia >= ib) ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

/* The gap from |v| to the next double up: the size of an ulp at v. */
static double ulp_of(double v) { return nextafter(fabs(v), INFINITY) - fabs(v); }

static int ulp_distance_is_small(void) {
  return ulp_distance(1.0, nextafter(1.0, 2.0)) == 1 && ulp_distance(-0.0, 0.0) == 0 &&
         ulp_distance(-DBL_TRUE_MIN, DBL_TRUE_MIN) == 2 && ulp_distance(DBL_MAX, INFINITY) == UINT64_MAX &&
         ulp_distance(INFINITY, INFINITY) == 0 && ulp_distance(GSL_NAN, GSL_NAN) == UINT64_MAX;
}

/* ---- the reference table ------------------------------------------------------------------------------------- */

typedef struct {
  int line, softmax;
  size_t rows, cols, n;
  double s[MAX_VALUES], t[MAX_VALUES], x[MAX_VALUES], delta[MAX_VALUES], E;
  int delta_known[MAX_VALUES]; /* 0 where the table says '-': x - t is ill-conditioned there */
  char note[200];
} reference_case;

/* Comma-separated doubles (or '-' where `known` is given) into out; the count, or -1 on a malformed cell. */
static long parse_list(const char *cell, double *out, int *known) {
  long n = 0;
  const char *p = cell;
  for (;;) {
    if (n == MAX_VALUES) return -1;
    char *end = NULL;
    if (known && p[0] == '-' && (p[1] == ',' || p[1] == '\0')) {
      out[n] = GSL_NAN, known[n] = 0, end = (char *)p + 1;
    } else {
      out[n] = strtod(p, &end);
      if (end == p) return -1;
      if (known) known[n] = 1;
    }
    n++;
    if (*end == '\0') return n;
    if (*end != ',') return -1;
    p = end + 1;
  }
}

/* Splits line (in place) at tabs into at most max fields; returns the count. */
static size_t split_tabs(char *line, char **field, size_t max) {
  size_t n = 0;
  char *p = line;
  while (n < max) {
    field[n++] = p;
    char *tab = strchr(p, '\t');
    if (!tab) break;
    *tab = '\0';
    p = tab + 1;
  }
  return n;
}

static int parse_case(char *line, int line_no, reference_case *c) {
  char *f[9];
  size_t n_fields = split_tabs(line, f, 9);
  if (n_fields < 8) return 0;
  memset(c, 0, sizeof *c);
  c->line = line_no;
  if (strcmp(f[0], "logistic") == 0)
    c->softmax = 0;
  else if (strcmp(f[0], "softmax") == 0)
    c->softmax = 1;
  else
    return 0;
  c->rows = strtoul(f[1], NULL, 10);
  c->cols = strtoul(f[2], NULL, 10);
  c->n = c->rows * c->cols;
  if (c->n == 0 || c->n > MAX_VALUES) return 0;
  double E[MAX_VALUES];
  if (parse_list(f[3], c->s, NULL) != (long)c->n || parse_list(f[4], c->t, NULL) != (long)c->n ||
      parse_list(f[5], c->x, NULL) != (long)c->n || parse_list(f[6], E, NULL) != 1 ||
      parse_list(f[7], c->delta, c->delta_known) != (long)c->n)
    return 0;
  c->E = E[0];
  snprintf(c->note, sizeof c->note, "%s", (n_fields > 8 && strcmp(f[8], "-") != 0) ? f[8] : "");
  return 1;
}

/* The next line of a table that is neither blank nor a # comment, without its line end, into line; 0 at the end. */
static int next_row(FILE *in, char *line, int len, int *line_no) {
  while (fgets(line, len, in)) {
    ++*line_no;
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] != '#' && line[0] != '\0') return 1;
  }
  return 0;
}

/* Every case of the table, or NULL (with the reason printed) if it cannot be read. */
static reference_case *load_reference(size_t *count) {
  FILE *in = fopen(REFERENCE_TABLE, "r");
  if (!in) {
    printf("\n  cannot open %s (tests run from the repository root)\n", REFERENCE_TABLE);
    return NULL;
  }
  static char line[1 << 16];
  size_t n = 0, cap = 0;
  reference_case *cases = NULL;
  int line_no = 0;
  int ok = next_row(in, line, sizeof line, &line_no) && strncmp(line, TABLE_HEADER, strlen(TABLE_HEADER)) == 0;
  while (ok && next_row(in, line, sizeof line, &line_no)) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      reference_case *grown = realloc(cases, cap * sizeof *cases);
      if (!grown) {
        ok = 0;
        break;
      }
      cases = grown;
    }
    ok = parse_case(line, line_no, &cases[n]);
    if (ok) n++;
  }
  fclose(in);
  if (!ok || n == 0) {
    printf("\n  %s:%d: malformed line\n", REFERENCE_TABLE, line_no);
    free(cases);
    return NULL;
  }
  *count = n;
  return cases;
}

/* One comparison: got within MAX_ULP of the reference. Prints the case on failure. */
static int within_ulp(double got, double want, const char *what, size_t i, const reference_case *c) {
  uint64_t d = ulp_distance(got, want);
  if (d <= MAX_ULP) return 1;
  printf("\n  %s:%d: %s[%zu] = %.17g, reference %.17g (", REFERENCE_TABLE, c->line, what, i, got, want);
  if (d == UINT64_MAX)
    printf("not comparable");
  else
    printf("%" PRIu64 " ulp > %d", d, MAX_ULP);
  printf(")%s%s\n", c->note[0] ? ": " : "", c->note);
  return 0;
}

/* x - t from the rounded activation: finite, and within MAX_ULP ulp of the true delta or within MAX_ULP ulp of x
 * (x rounds first, and where x is close to t the subtraction cannot give back the digits that rounding took). */
static int within_rounding_of_x(double got, double want, double x, size_t i, const reference_case *c) {
  if (isfinite(got) && (ulp_distance(got, want) <= MAX_ULP || fabs(got - want) <= MAX_ULP * (ulp_of(x) + ulp_of(want))))
    return 1;
  printf("\n  %s:%d: delta[%zu] = %.17g from x = %.17g, reference %.17g: more than the rounding of x%s%s\n",
         REFERENCE_TABLE, c->line, i, got, x, want, c->note[0] ? ": " : "", c->note);
  return 0;
}

typedef enum { WHAT_ERROR, WHAT_ACTIVATION, WHAT_DELTA_FROM_S, WHAT_DELTA_FROM_X } reference_what;

/* Runs the library on every case of one kind and compares `what` with the table. */
static void compare_with_reference(int softmax, reference_what what) {
  CU_ASSERT_FATAL(ulp_distance_is_small());
  size_t n = 0, compared = 0;
  reference_case *cases = load_reference(&n);
  CU_ASSERT_FATAL(cases != NULL);
  for (size_t k = 0; k < n; k++) {
    reference_case *c = &cases[k];
    if (c->softmax != softmax) continue;
    double out[MAX_VALUES], x[MAX_VALUES];
    gsl_matrix_view S = gsl_matrix_view_array(c->s, c->rows, c->cols),
                    T = gsl_matrix_view_array(c->t, c->rows, c->cols);
    gsl_matrix_view O = gsl_matrix_view_array(out, c->rows, c->cols), X = gsl_matrix_view_array(x, c->rows, c->cols);
    double E = GSL_NAN;
    switch (what) {
    case WHAT_ERROR: /* eq. (36) / eq. (38) */
      CU_ASSERT_EQUAL(softmax ? bp_xent_softmax_stable(&S.matrix, &T.matrix, &E)
                              : bp_xent_logistic_stable(&S.matrix, &T.matrix, &E),
                      GSL_SUCCESS);
      CU_ASSERT(within_ulp(E, c->E, "E", 0, c));
      compared++;
      break;
    case WHAT_ACTIVATION: /* eq. (2) / eq. (17) */
      CU_ASSERT_EQUAL(softmax ? bp_softmax_forward(&S.matrix, &O.matrix) : bp_logistic_forward(&S.matrix, &O.matrix),
                      GSL_SUCCESS);
      for (size_t i = 0; i < c->n; i++, compared++) CU_ASSERT(within_ulp(out[i], c->x[i], "x", i, c));
      break;
    case WHAT_DELTA_FROM_S: /* eq. (9) / eq. (26) from s */
      CU_ASSERT_EQUAL(softmax ? bp_xent_softmax_delta_stable(&S.matrix, &T.matrix, &O.matrix)
                              : bp_xent_logistic_delta_stable(&S.matrix, &T.matrix, &O.matrix),
                      GSL_SUCCESS);
      for (size_t i = 0; i < c->n; i++)
        if (c->delta_known[i]) {
          CU_ASSERT(within_ulp(out[i], c->delta[i], "delta", i, c));
          compared++;
        }
      break;
    case WHAT_DELTA_FROM_X: /* eq. (9) / eq. (26) as the network computes it: x first, then x - t */
      CU_ASSERT_EQUAL(softmax ? bp_softmax_forward(&S.matrix, &X.matrix) : bp_logistic_forward(&S.matrix, &X.matrix),
                      GSL_SUCCESS);
      CU_ASSERT_EQUAL(softmax ? bp_xent_softmax_delta(&X.matrix, &T.matrix, &O.matrix)
                              : bp_xent_logistic_delta(&X.matrix, &T.matrix, &O.matrix),
                      GSL_SUCCESS);
      for (size_t i = 0; i < c->n; i++)
        if (c->delta_known[i]) {
          CU_ASSERT(within_rounding_of_x(out[i], c->delta[i], x[i], i, c));
          compared++;
        }
      break;
    }
  }
  CU_ASSERT(compared >= 75); /* the table was read, and this kind is in it */
  free(cases);
}

/* ---- logistic: eq. (2), eq. (36), eq. (9) -------------------------------------------------------------------- */

/* eq. (36): s = +-DBL_MAX, +-1e308, +-800, subnormal, +-0 with targets 0, 1, 0.3, 0.75; batches whose sum
 * overflows (+inf) and one whose 64 small terms a plain sum would drop (30 ulp). */
static void stable_logistic_error_of_eq_36_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(0, WHAT_ERROR);
}

/* eq. (2): x = 1/(1 + e^-s), including subnormal x near s = -740 and x = 1 for s > 37. */
static void logistic_of_eq_2_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(0, WHAT_ACTIVATION);
}

/* eq. (9) from s: with t = 1 and s = 40, x - t is -4.2e-18, which x - t from the rounded x = 1 cannot give. */
static void logistic_delta_of_eq_9_from_s_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(0, WHAT_DELTA_FROM_S);
}

/* eq. (9) from the rounded x (bp_logistic, then bp_xent_logistic_delta): finite everywhere, and off by no more
 * than the rounding of x. */
static void logistic_delta_of_eq_9_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x(void) {
  compare_with_reference(0, WHAT_DELTA_FROM_X);
}

/* ---- softmax: eq. (17), eq. (38), eq. (26) ------------------------------------------------------------------- */

/* eq. (38): logits 1e308 and 2 DBL_MAX apart (m - s_i overflows although t_i (m - s_i) may not), all near
 * -DBL_MAX, subnormal, signed zeros; one-hot targets on every class and a spread target; +inf where the true
 * error overflows (1.25 DBL_MAX; two rows of 1.5e308). */
static void stable_softmax_error_of_eq_38_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(1, WHAT_ERROR);
}

/* eq. (17): including x = e^-745.5 (the smallest subnormal) and a row whose s_j - m is not exact. */
static void softmax_of_eq_17_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(1, WHAT_ACTIVATION);
}

/* eq. (26) from s: a one-hot target on a winning class whose x rounds to 1 still gets -(1 - x). */
static void softmax_delta_of_eq_26_from_s_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  compare_with_reference(1, WHAT_DELTA_FROM_S);
}

/* eq. (26) from the rounded x (bp_softmax_forward, then bp_xent_softmax_delta). */
static void softmax_delta_of_eq_26_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x(void) {
  compare_with_reference(1, WHAT_DELTA_FROM_X);
}

/* The table holds the extremes the issue names, so a truncated or regenerated table cannot pass unnoticed. */
static void reference_table_should_hold_every_extreme_the_issue_names(void) {
  size_t n = 0;
  reference_case *cases = load_reference(&n);
  CU_ASSERT_FATAL(cases != NULL);
  size_t logistic = 0, softmax = 0, overflow = 0;
  int dbl_max = 0, minus_dbl_max = 0, minus_zero = 0, subnormal = 0, t0 = 0, t1 = 0, apart_1e308 = 0;
  for (size_t k = 0; k < n; k++) {
    const reference_case *c = &cases[k];
    *(c->softmax ? &softmax : &logistic) += 1;
    if (isinf(c->E)) overflow++;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
      double s = c->s[i];
      dbl_max |= (s == DBL_MAX), minus_dbl_max |= (s == -DBL_MAX);
      minus_zero |= (s == 0.0 && signbit(s)), subnormal |= (s != 0.0 && fabs(s) < DBL_MIN);
      t0 |= (c->t[i] == 0.0), t1 |= (c->t[i] == 1.0);
      lo = fmin(lo, s), hi = fmax(hi, s);
    }
    apart_1e308 |= c->softmax && hi >= 1e308 && lo <= -1e308; /* hi - lo overflows */
  }
  CU_ASSERT(logistic >= 150);
  CU_ASSERT(softmax >= 80);
  CU_ASSERT(overflow >= 6);
  CU_ASSERT(dbl_max && minus_dbl_max && minus_zero && subnormal && t0 && t1 && apart_1e308);
  free(cases);
}

/* ---- the hidden units' delta: eq. (7) at s, eq. (11), eq. (12) ------------------------------------------------ */

#define HIDDEN_TABLE "tests/reference/hidden_reference.tsv"
#define HIDDEN_HEADER "s\tdx\tslope\tdelta"
#define HIDDEN_MAX 512

typedef struct {
  int line;
  double s, dx, slope, delta;
} hidden_case;

/* Every row of hidden_reference.tsv into cases (at most HIDDEN_MAX); the count, 0 (with the reason printed) if
 * the table cannot be read. */
static size_t load_hidden(hidden_case *cases) {
  FILE *in = fopen(HIDDEN_TABLE, "r");
  if (!in) {
    printf("\n  cannot open %s (tests run from the repository root)\n", HIDDEN_TABLE);
    return 0;
  }
  char line[512];
  size_t n = 0;
  int line_no = 0;
  int ok = next_row(in, line, sizeof line, &line_no) && strcmp(line, HIDDEN_HEADER) == 0;
  while (ok && next_row(in, line, sizeof line, &line_no)) {
    double v[4];
    char *p = line, *end = NULL;
    for (int k = 0; ok && k < 4; k++, p = end + (*end == '\t')) {
      v[k] = strtod(p, &end);
      ok = end != p && (*end == '\t' || (k == 3 && *end == '\0'));
    }
    ok = ok && n < HIDDEN_MAX;
    if (ok) cases[n++] = (hidden_case){line_no, v[0], v[1], v[2], v[3]};
  }
  fclose(in);
  if (!ok) {
    printf("\n  %s:%d: malformed line\n", HIDDEN_TABLE, line_no);
    return 0;
  }
  return n;
}

static int hidden_within_ulp(double got, double want, const char *what, const hidden_case *c) {
  uint64_t d = ulp_distance(got, want);
  if (d <= MAX_ULP) return 1;
  printf("\n  %s:%d: %s = %.17g at s = %.17g, dx = %.17g; reference %.17g (", HIDDEN_TABLE, c->line, what, got, c->s,
         c->dx, want);
  if (d == UINT64_MAX)
    printf("not comparable)\n");
  else
    printf("%" PRIu64 " ulp > %d)\n", d, MAX_ULP);
  return 0;
}

/* eq. (7) from s and the hidden delta of eq. (11), eq. (12): x(1 - x) and dx x(1 - x) for s from -DBL_MAX to
 * DBL_MAX (saturated units, subnormal slopes beside dx = 1e300) within 4 ulp of the 4000-bit values. */
static void hidden_delta_of_eq_12_from_s_should_be_within_4_ulp_of_the_reference_for_every_case(void) {
  static hidden_case cases[HIDDEN_MAX];
  size_t n = load_hidden(cases);
  CU_ASSERT_FATAL(n >= 200);
  int saturated = 0, subnormal_slope = 0, big_dx = 0;
  for (size_t k = 0; k < n; k++) {
    const hidden_case *c = &cases[k];
    double s = c->s, dx = c->dx, delta = GSL_NAN;
    gsl_matrix_view S = gsl_matrix_view_array(&s, 1, 1), dX = gsl_matrix_view_array(&dx, 1, 1),
                    dS = gsl_matrix_view_array(&delta, 1, 1);
    CU_ASSERT(hidden_within_ulp(bp_logistic_slope(s), c->slope, "slope", c));
    CU_ASSERT_EQUAL(bp_logistic_backward_from_s(&S.matrix, &dX.matrix, &dS.matrix), GSL_SUCCESS);
    CU_ASSERT(hidden_within_ulp(delta, c->delta, "delta", c));
    saturated |= fabs(s) > 30 && fabs(s) < 100;
    subnormal_slope |= c->slope > 0 && c->slope < DBL_MIN;
    big_dx |= fabs(dx) >= 1e300 && c->slope > 0 && c->slope < DBL_MIN && c->delta >= DBL_MIN;
  }
  CU_ASSERT(saturated && subnormal_slope && big_dx); /* the table holds the cases that matter */
}

/* The same delta inside a network, as bp_mlp_backward computes it: a 1-1-1 network with x0 = 1, w1 = s, b1 = 0
 * has S_1 = s exactly; its hidden delta is dS_1 = (dS_2 w2) x(1 - x), and dW_1 = x0 dS_1. With dx = dS_2 w2 as
 * the network rounds it, dS_1 and dW_1 lie within 4 ulp of dx times the reference x(1 - x) (rounded once). */
static void network_hidden_delta_should_be_within_4_ulp_of_the_reference_at_every_s(void) {
  static hidden_case cases[HIDDEN_MAX];
  size_t n = load_hidden(cases);
  CU_ASSERT_FATAL(n >= 200);
  size_t sizes[3] = {1, 1, 1};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_LOGISTIC);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, 1) : NULL;
  CU_ASSERT_FATAL(ws != NULL);
  double x0 = 1.0, t = 0.25;
  gsl_matrix_view X0 = gsl_matrix_view_array(&x0, 1, 1), T = gsl_matrix_view_array(&t, 1, 1);
  gsl_matrix_set(&net->W[2].matrix, 0, 0, 0.8125);
  gsl_vector_set(&net->b[2].vector, 0, -0.375);
  size_t compared = 0;
  for (size_t k = 0; k < n; k++) {
    const hidden_case *c = &cases[k];
    if (c->dx != 1.0) continue; /* one row per s: the upstream dx is the network's own */
    gsl_matrix_set(&net->W[1].matrix, 0, 0, c->s);
    CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(net, ws, &X0.matrix, &T.matrix, NULL), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gsl_matrix_get(ws->S[1], 0, 0), c->s);
    double dx = gsl_matrix_get(ws->dS[2], 0, 0) * 0.8125, want = dx * c->slope;
    CU_ASSERT(hidden_within_ulp(gsl_matrix_get(ws->dS[1], 0, 0), want, "network dS_1", c));
    CU_ASSERT(hidden_within_ulp(gsl_matrix_get(&net->dW[1].matrix, 0, 0), want, "network dW_1", c));
    compared++;
  }
  CU_ASSERT(compared >= 40);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
}

/* The textbook form x(1 - x) from the rounded x (bp_logistic_backward) is the mistake the table must see: where a
 * unit saturates towards 1 (s from 25 to 95, as in an ordinary network) 1 - x keeps a few digits or none, and the
 * delta is off by more than 1e-6 relative (4e-6 at s = 25, 1e-3 at s = 30, 100% where x rounds to 1). Towards 0
 * (s < 0) 1 - x does not cancel. */
static void hidden_delta_from_the_rounded_x_should_miss_the_reference_where_the_unit_saturates(void) {
  static hidden_case cases[HIDDEN_MAX];
  size_t n = load_hidden(cases);
  CU_ASSERT_FATAL(n >= 200);
  size_t saturated = 0, missed = 0;
  for (size_t k = 0; k < n; k++) {
    const hidden_case *c = &cases[k];
    if (c->dx != 1.0 || !(c->s >= 25 && c->s <= 95)) continue;
    double x = bp_logistic(c->s), dx = 1.0, delta = GSL_NAN;
    gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), dX = gsl_matrix_view_array(&dx, 1, 1),
                    dS = gsl_matrix_view_array(&delta, 1, 1);
    CU_ASSERT_EQUAL(bp_logistic_backward(&X.matrix, &dX.matrix, &dS.matrix), GSL_SUCCESS);
    saturated++;
    missed += fabs(delta - c->delta) > 1e-6 * c->delta;
  }
  CU_ASSERT(saturated >= 4);
  CU_ASSERT_EQUAL(missed, saturated);
}

/* ---- the naive forms report what they cannot compute --------------------------------------------------------- */

/* eq. (1) eq. (18): with targets exactly 0 and 1 at s = +-800, x rounds to 0 or 1 and the naive error takes
 * log(0) or 0 log 0: non-finite, reported as GSL_ERANGE. Logits 1e308 apart put x = 0 under a positive target.
 * (t = 0.3172 at s = +-800 and logits 1e300 apart are in test_stable.c.) Where the naive softmax form's value is
 * right (the target sits on the winning class) it succeeds. */
static void naive_errors_should_report_erange_at_s_800_with_targets_0_and_1_and_at_logits_1e308_apart(void) {
  static const double s_points[2] = {800.0, -800.0}, t_points[2] = {0.0, 1.0};
  for (size_t i = 0; i < 2; i++)
    for (size_t k = 0; k < 2; k++) {
      double x = bp_logistic(s_points[i]), t = t_points[k], E = 0.0;
      gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), T = gsl_matrix_view_array(&t, 1, 1);
      CU_ASSERT_EQUAL(x, (s_points[i] > 0) ? 1.0 : 0.0);
      ASSERT_FAILS_WITH_MESSAGE(bp_xent_logistic_naive(&X.matrix, &T.matrix, &E), GSL_ERANGE, "bp_xent_logistic_naive");
      CU_ASSERT(!isfinite(E));
    }
  static const double targets[3][3] = {{0.2, 0.3, 0.5}, {0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}};
  for (size_t k = 0; k < 3; k++) {
    double s[3] = {1e308, -1e308, 0.5}, t[3], x[3], E = 0.0;
    memcpy(t, targets[k], sizeof t);
    gsl_matrix_view S = gsl_matrix_view_array(s, 1, 3), T = gsl_matrix_view_array(t, 1, 3),
                    X = gsl_matrix_view_array(x, 1, 3);
    CU_ASSERT_EQUAL(bp_softmax_forward(&S.matrix, &X.matrix), GSL_SUCCESS);
    CU_ASSERT(x[0] == 1.0 && x[1] == 0.0 && x[2] == 0.0);
    if (k < 2) {
      ASSERT_FAILS_WITH_MESSAGE(bp_xent_softmax_naive(&X.matrix, &T.matrix, &E), GSL_ERANGE, "bp_xent_softmax_naive");
      CU_ASSERT(!isfinite(E));
    } else {
      CU_ASSERT_EQUAL(bp_xent_softmax_naive(&X.matrix, &T.matrix, &E), GSL_SUCCESS);
      CU_ASSERT_EQUAL(E, 0.0); /* the true error, log1p(e^-1e308 + e^-2e308), rounds to 0 */
    }
  }
}

/* ---- the checker near DBL_MAX and at subnormal values -------------------------------------------------------- */

static const bp_fd_method METHODS[] = {BP_FD_CENTRAL, BP_FD_GSL};
#define N_METHODS (sizeof METHODS / sizeof METHODS[0])

/* Runs bp_gradcheck_jacobian on a copy of x0 and checks that x comes back bit for bit. NULL on a failed status. */
static bp_gradcheck *check_jacobian(bp_fd_method method, bp_fd_function f, const double *x0, size_t n,
                                    const gsl_matrix *J) {
  gsl_vector *x = bp_vector_alloc(n);
  bp_gradcheck *gc = bp_gradcheck_alloc(J->size1 * J->size2);
  if (!x || !gc) {
    gsl_vector_free(x);
    bp_gradcheck_free(gc);
    return NULL;
  }
  for (size_t j = 0; j < n; j++) gsl_vector_set(x, j, x0[j]);
  bp_tolerance tol = bp_tolerance_default();
  int status = bp_gradcheck_jacobian(gc, method, &(bp_fd_problem){f, NULL, NULL, NULL}, x, J, &tol);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  for (size_t j = 0; j < n; j++) { /* x is restored bit for bit */
    double back = gsl_vector_get(x, j);
    CU_ASSERT(memcmp(&back, &x0[j], sizeof back) == 0);
  }
  gsl_vector_free(x);
  if (status) {
    bp_gradcheck_free(gc);
    return NULL;
  }
  return gc;
}

/* Asserts the verdict; on a mismatch prints the worst entry. */
static int verdict_is(const bp_gradcheck *gc, bp_verdict want, const char *what, bp_fd_method method, int line) {
  if (gc && gc->verdict == want) return 1;
  if (!gc) {
    printf("\n  %s:%d: %s (%s): no check\n", __FILE__, line, what, bp_fd_method_name(method));
    return 0;
  }
  size_t w = gc->worst;
  printf("\n  %s:%d: %s (%s): %s, expected %s; worst entry %zu: analytic %.17g, numeric %.17g, estimate %.3g, "
         "rel err %.3g\n",
         __FILE__, line, what, bp_fd_method_name(method), bp_verdict_name(gc->verdict), bp_verdict_name(want), w,
         gsl_vector_get(gc->analytic, w), gsl_vector_get(gc->numeric, w), gsl_vector_get(gc->estimate, w),
         gsl_vector_get(gc->rel_err, w));
  return 0;
}
#define ASSERT_VERDICT(gc, want, what, method) CU_ASSERT(verdict_is((gc), (want), (what), (method), __LINE__))

/* Near DBL_MAX: y0 = x0 (3 f(x) of the backward rule is above DBL_MAX), y1 = x0^2 2^-1026 (x^2 / 4 scaled to stay
 * finite), y2 = 2^-10 x1 + x2^2 2^-1026. At x0 = DBL_MAX, x0 + h overflows; at x1 = -DBL_MAX, x1 - h does; at
 * x2 = DBL_MAX (1 - 2^-17), x2 + h is finite but x2 + 2h is not. Every scaling is by a power of two, so the
 * derivatives below are exact. */
static int near_dbl_max(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double x0 = gsl_vector_get(x, 0), x1 = gsl_vector_get(x, 1), x2 = gsl_vector_get(x, 2);
  gsl_vector_set(y, 0, x0);
  gsl_vector_set(y, 1, (x0 * 0x1p-513) * (x0 * 0x1p-513));
  gsl_vector_set(y, 2, 0x1p-10 * x1 + (x2 * 0x1p-513) * (x2 * 0x1p-513));
  return GSL_SUCCESS;
}

static void near_dbl_max_jacobian(const double *x, gsl_matrix *J, double planted) {
  gsl_matrix_set_zero(J);
  gsl_matrix_set(J, 0, 0, 1.0);
  gsl_matrix_set(J, 1, 0, x[0] * 0x1p-1025 * planted);
  gsl_matrix_set(J, 2, 1, 0x1p-10);
  gsl_matrix_set(J, 2, 2, x[2] * 0x1p-1025);
}

/* Before the one-sided rules these points were NaN (x + h = inf): a false FAIL. */
static void checker_should_pass_true_derivatives_within_2h_of_dbl_max_and_fail_a_wrong_one(void) {
  const double x[3] = {DBL_MAX, -DBL_MAX, DBL_MAX * (1.0 - 0x1p-17)};
  CU_ASSERT_FATAL(isinf(x[2] + 2.0 * bp_fd_step(BP_FD_CENTRAL, x[2])) &&
                  isfinite(x[2] + bp_fd_step(BP_FD_CENTRAL, x[2])));
  gsl_matrix *J = bp_matrix_alloc(3, 3);
  CU_ASSERT_FATAL(J != NULL);
  for (size_t m = 0; m < N_METHODS; m++) {
    near_dbl_max_jacobian(x, J, 1.0);
    bp_gradcheck *gc = check_jacobian(METHODS[m], near_dbl_max, x, 3, J);
    ASSERT_VERDICT(gc, BP_VERDICT_PASS, "true derivatives near DBL_MAX", METHODS[m]);
    bp_gradcheck_free(gc);
    near_dbl_max_jacobian(x, J, 1.0 + 1e-6); /* planted: d(x0^2 2^-1026)/dx0 off by 1e-6 relative */
    gc = check_jacobian(METHODS[m], near_dbl_max, x, 3, J);
    ASSERT_VERDICT(gc, BP_VERDICT_FAIL, "planted 1e-6 error near DBL_MAX", METHODS[m]);
    if (gc) CU_ASSERT(gc->n_failed == 1 && gc->worst == 3 && gc->n_nonfinite == 0);
    bp_gradcheck_free(gc);
  }
  gsl_matrix_free(J);
}

static int tiny_slope(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, 1e-300 * gsl_vector_get(x, 0));
  return GSL_SUCCESS;
}

/* f(x) = 1e-300 x at x = DBL_MAX and -DBL_MAX: f is about 1.8e8, its derivative 1e-300. */
static void checker_should_pass_a_slope_of_1e_300_at_plus_minus_dbl_max_and_fail_a_wrong_one(void) {
  gsl_matrix *J = bp_matrix_alloc(1, 1);
  CU_ASSERT_FATAL(J != NULL);
  for (size_t m = 0; m < N_METHODS; m++)
    for (int sign = -1; sign <= 1; sign += 2) {
      const double x = sign * DBL_MAX;
      gsl_matrix_set(J, 0, 0, 1e-300);
      bp_gradcheck *gc = check_jacobian(METHODS[m], tiny_slope, &x, 1, J);
      ASSERT_VERDICT(gc, BP_VERDICT_PASS, "1e-300 x at +-DBL_MAX", METHODS[m]);
      bp_gradcheck_free(gc);
      gsl_matrix_set(J, 0, 0, 1e-300 * (1.0 + 1e-6));
      gc = check_jacobian(METHODS[m], tiny_slope, &x, 1, J);
      ASSERT_VERDICT(gc, BP_VERDICT_FAIL, "planted 1e-6 error in 1e-300 x at +-DBL_MAX", METHODS[m]);
      bp_gradcheck_free(gc);
    }
  gsl_matrix_free(J);
}

/* y0 = e^x0 near its overflow at x0 = 709.78 (e^(x0 + h) = inf: the backward rule), y1 = sin x0 (central),
 * y2 = e^-x1 at x1 = -709.78 (e^-(x1 - h) = inf: the forward rule). */
static int exp_near_overflow(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, exp(gsl_vector_get(x, 0)));
  gsl_vector_set(y, 1, sin(gsl_vector_get(x, 0)));
  gsl_vector_set(y, 2, exp(-gsl_vector_get(x, 1)));
  return GSL_SUCCESS;
}

/* Before, e^(x + h) = inf made the entry non-finite: a false FAIL. With the central method a 1e-3 error must still
 * fail: the one-sided rule's truncation there is about 6e-6 relative, and it is estimated. (GSL's one-sided rule,
 * at its step 0.52, estimates its own error here at 30%: it passes the true derivative and could not tell a 1e-3
 * error, nor does it claim to.) */
static void checker_should_take_the_one_sided_rule_where_f_overflows_beside_x_and_fail_a_wrong_derivative(void) {
  const double x[2] = {709.78, -709.78};
  CU_ASSERT_FATAL(isfinite(exp(x[0])) && isinf(exp(x[0] + bp_fd_step(BP_FD_CENTRAL, x[0]))));
  gsl_matrix *J = bp_matrix_alloc(3, 2);
  CU_ASSERT_FATAL(J != NULL);
  for (size_t m = 0; m < N_METHODS; m++)
    for (int planted = 0; planted <= (METHODS[m] == BP_FD_CENTRAL); planted++) {
      gsl_matrix_set_zero(J);
      gsl_matrix_set(J, 0, 0, exp(x[0]) * (planted ? 1.001 : 1.0));
      gsl_matrix_set(J, 1, 0, cos(x[0]));
      gsl_matrix_set(J, 2, 1, -exp(-x[1]));
      bp_gradcheck *gc = check_jacobian(METHODS[m], exp_near_overflow, x, 2, J);
      ASSERT_VERDICT(gc, planted ? BP_VERDICT_FAIL : BP_VERDICT_PASS,
                     planted ? "planted 1e-3 error in (e^x)' at 709.78" : "e^x at 709.78", METHODS[m]);
      if (gc && planted) CU_ASSERT(gc->n_failed == 1 && gc->worst == 0 && gc->n_nonfinite == 0);
      bp_gradcheck_free(gc);
    }
  gsl_matrix_free(J);
}

/* A cubic A u (1 - (u/L)^2), u = x - 2^1020, with A and L set from the central step h so that f(x0 +- h) =
 * +-0.55 DBL_MAX (their difference overflows) while f(x0 +- 2h) = +-0.99 DBL_MAX stay finite. f' = A ~ 1.5e6. */
static double cubic_h, cubic_A, cubic_L;
static const double cubic_x0 = 0x1p1020;

static int saturating_cubic(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double u = gsl_vector_get(x, 0) - cubic_x0, q = u / cubic_L;
  gsl_vector_set(y, 0, (u * (1.0 - q * q)) * cubic_A);
  return GSL_SUCCESS;
}

/* Central rule only: its truncation here is 3% (the curvature that keeps f(x0 +- 2h) finite), and it is
 * estimated exactly (a cubic), so the true A passes, and 20% off fails. Before, f(x+h) - f(x-h) = inf. */
static void central_difference_should_not_overflow_where_f_at_x_plus_h_minus_f_at_x_minus_h_exceeds_dbl_max(void) {
  volatile double moved = cubic_x0 + bp_fd_step(BP_FD_CENTRAL, cubic_x0);
  cubic_h = moved - cubic_x0;
  const double q2 = 0.2 / 6.2; /* (h/L)^2 with f(2h) / f(h) = 1.8 */
  cubic_L = cubic_h / sqrt(q2);
  cubic_A = (0.55 * DBL_MAX / cubic_h) / (1.0 - q2);
  double yp[1], ym[1], y2[1];
  gsl_vector_view vp = gsl_vector_view_array(yp, 1), vm = gsl_vector_view_array(ym, 1),
                  v2 = gsl_vector_view_array(y2, 1);
  double xp = cubic_x0 + cubic_h, xm = cubic_x0 - cubic_h, x2 = cubic_x0 + 2.0 * cubic_h;
  gsl_vector_view xpv = gsl_vector_view_array(&xp, 1), xmv = gsl_vector_view_array(&xm, 1),
                  x2v = gsl_vector_view_array(&x2, 1);
  saturating_cubic(&xpv.vector, &vp.vector, NULL);
  saturating_cubic(&xmv.vector, &vm.vector, NULL);
  saturating_cubic(&x2v.vector, &v2.vector, NULL);
  CU_ASSERT_FATAL(isinf(yp[0] - ym[0]) && isfinite(y2[0]));
  gsl_matrix *J = bp_matrix_alloc(1, 1);
  CU_ASSERT_FATAL(J != NULL);
  static const double factors[3] = {1.0, 1.2, 0.8};
  for (int k = 0; k < 3; k++) {
    gsl_matrix_set(J, 0, 0, cubic_A * factors[k]);
    bp_gradcheck *gc = check_jacobian(BP_FD_CENTRAL, saturating_cubic, &cubic_x0, 1, J);
    ASSERT_VERDICT(gc, k == 0 ? BP_VERDICT_PASS : BP_VERDICT_FAIL,
                   k == 0 ? "saturating cubic, the true A" : "saturating cubic, planted 20% off A", BP_FD_CENTRAL);
    bp_gradcheck_free(gc);
  }
  gsl_matrix_free(J);
}

/* y0 = e^x0 at x0 = 710 is inf at x0 and on both sides: no rule applies. y1 = x1^2 is ordinary. */
static int inf_at_x(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, exp(gsl_vector_get(x, 0)));
  gsl_vector_set(y, 1, gsl_vector_get(x, 1) * gsl_vector_get(x, 1));
  return GSL_SUCCESS;
}

/* Entries that cannot be differenced come out as non-finite numeric entries, counted and named as the worst;
 * the rest of the Jacobian is still judged. */
static void a_coordinate_where_f_is_inf_should_come_out_non_finite_and_be_reported(void) {
  const double x[2] = {710.0, 1.5};
  gsl_matrix *J = bp_matrix_alloc(2, 2);
  CU_ASSERT_FATAL(J != NULL);
  gsl_matrix_set_zero(J);
  gsl_matrix_set(J, 0, 0, DBL_MAX);
  gsl_matrix_set(J, 1, 1, 3.0);
  for (size_t m = 0; m < N_METHODS; m++) {
    bp_gradcheck *gc = check_jacobian(METHODS[m], inf_at_x, x, 2, J);
    ASSERT_VERDICT(gc, BP_VERDICT_FAIL, "e^x at 710", METHODS[m]);
    if (gc) {
      CU_ASSERT(!isfinite(gsl_vector_get(gc->numeric, 0)));
      /* row 0 (e^x0) is inf wherever x1 moves too: entries 0 and 1 are non-finite, entry 0 is reported first */
      CU_ASSERT(!isfinite(gsl_vector_get(gc->numeric, 1)));
      CU_ASSERT(gc->n_nonfinite == 2 && gc->n_failed == 2 && gc->worst == 0);
      CU_ASSERT(gsl_vector_uchar_get(gc->passed, 2) == 1 && gsl_vector_uchar_get(gc->passed, 3) == 1);
    }
    bp_gradcheck_free(gc);
  }
  gsl_matrix_free(J);
}

/* c sin x with c = 1e-313: at the central points f is about 6e-319, a subnormal with 17 significant bits, so the
 * difference is good to ~1e-5 relative and no better. */
static int subnormal_values(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, 1e-313 * sin(gsl_vector_get(x, 0)));
  return GSL_SUCCESS;
}

/* Central rule: the round-off estimate allows the spacing of subnormals (before, eps |f| / h underflowed to 0 and
 * the true derivative 1e-313 failed at 1e-5). A factor-2 error still fails. */
static void checker_should_judge_subnormal_values_against_the_spacing_of_subnormals(void) {
  const double x = DBL_TRUE_MIN;
  gsl_matrix *J = bp_matrix_alloc(1, 1);
  CU_ASSERT_FATAL(J != NULL);
  gsl_matrix_set(J, 0, 0, 1e-313 * cos(x));
  bp_gradcheck *gc = check_jacobian(BP_FD_CENTRAL, subnormal_values, &x, 1, J);
  ASSERT_VERDICT(gc, BP_VERDICT_PASS, "1e-313 sin x at subnormal values", BP_FD_CENTRAL);
  bp_gradcheck_free(gc);
  gsl_matrix_set(J, 0, 0, 2e-313);
  gc = check_jacobian(BP_FD_CENTRAL, subnormal_values, &x, 1, J);
  ASSERT_VERDICT(gc, BP_VERDICT_FAIL, "planted factor 2 at subnormal values", BP_FD_CENTRAL);
  bp_gradcheck_free(gc);
  gsl_matrix_free(J);
}

static int smooth_at_zero(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double v = gsl_vector_get(x, 0);
  gsl_vector_set(y, 0, exp(v));
  gsl_vector_set(y, 1, sin(v) + 0.5 * v * v);
  return GSL_SUCCESS;
}

/* At x = 4.9e-324 (the smallest subnormal) the step is cbrt(eps) max(|x|, 1): it does not underflow, and e^x and
 * sin x + x^2/2 have derivative 1 + O(x). A 1e-6 error fails. */
static void checker_should_pass_true_derivatives_at_a_subnormal_x_and_fail_a_wrong_one(void) {
  for (int sign = -1; sign <= 1; sign += 2) {
    const double x = sign * DBL_TRUE_MIN;
    gsl_matrix *J = bp_matrix_alloc(2, 1);
    CU_ASSERT_FATAL(J != NULL);
    for (size_t m = 0; m < N_METHODS; m++) {
      gsl_matrix_set(J, 0, 0, exp(x));
      gsl_matrix_set(J, 1, 0, cos(x) + x);
      bp_gradcheck *gc = check_jacobian(METHODS[m], smooth_at_zero, &x, 1, J);
      ASSERT_VERDICT(gc, BP_VERDICT_PASS, "e^x, sin x + x^2/2 at a subnormal x", METHODS[m]);
      bp_gradcheck_free(gc);
      gsl_matrix_set(J, 1, 0, 1.0 + 1e-6);
      gc = check_jacobian(METHODS[m], smooth_at_zero, &x, 1, J);
      ASSERT_VERDICT(gc, BP_VERDICT_FAIL, "planted 1e-6 error at a subnormal x", METHODS[m]);
      bp_gradcheck_free(gc);
    }
    gsl_matrix_free(J);
  }
}

int register_extremes(void) {
  static const bp_test_case cases[] = {
      {"reference_table_should_hold_every_extreme_the_issue_names",
       reference_table_should_hold_every_extreme_the_issue_names},
      {"stable_logistic_error_of_eq_36_should_be_within_4_ulp_of_the_reference_for_every_case",
       stable_logistic_error_of_eq_36_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"logistic_of_eq_2_should_be_within_4_ulp_of_the_reference_for_every_case",
       logistic_of_eq_2_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"logistic_delta_of_eq_9_from_s_should_be_within_4_ulp_of_the_reference_for_every_case",
       logistic_delta_of_eq_9_from_s_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"logistic_delta_of_eq_9_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x",
       logistic_delta_of_eq_9_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x},
      {"stable_softmax_error_of_eq_38_should_be_within_4_ulp_of_the_reference_for_every_case",
       stable_softmax_error_of_eq_38_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"softmax_of_eq_17_should_be_within_4_ulp_of_the_reference_for_every_case",
       softmax_of_eq_17_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"softmax_delta_of_eq_26_from_s_should_be_within_4_ulp_of_the_reference_for_every_case",
       softmax_delta_of_eq_26_from_s_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"softmax_delta_of_eq_26_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x",
       softmax_delta_of_eq_26_from_the_rounded_x_should_be_finite_and_off_by_no_more_than_the_rounding_of_x},
      {"hidden_delta_of_eq_12_from_s_should_be_within_4_ulp_of_the_reference_for_every_case",
       hidden_delta_of_eq_12_from_s_should_be_within_4_ulp_of_the_reference_for_every_case},
      {"network_hidden_delta_should_be_within_4_ulp_of_the_reference_at_every_s",
       network_hidden_delta_should_be_within_4_ulp_of_the_reference_at_every_s},
      {"hidden_delta_from_the_rounded_x_should_miss_the_reference_where_the_unit_saturates",
       hidden_delta_from_the_rounded_x_should_miss_the_reference_where_the_unit_saturates},
      {"naive_errors_should_report_erange_at_s_800_with_targets_0_and_1_and_at_logits_1e308_apart",
       naive_errors_should_report_erange_at_s_800_with_targets_0_and_1_and_at_logits_1e308_apart},
      {"checker_should_pass_true_derivatives_within_2h_of_dbl_max_and_fail_a_wrong_one",
       checker_should_pass_true_derivatives_within_2h_of_dbl_max_and_fail_a_wrong_one},
      {"checker_should_pass_a_slope_of_1e_300_at_plus_minus_dbl_max_and_fail_a_wrong_one",
       checker_should_pass_a_slope_of_1e_300_at_plus_minus_dbl_max_and_fail_a_wrong_one},
      {"checker_should_take_the_one_sided_rule_where_f_overflows_beside_x_and_fail_a_wrong_derivative",
       checker_should_take_the_one_sided_rule_where_f_overflows_beside_x_and_fail_a_wrong_derivative},
      {"central_difference_should_not_overflow_where_f_at_x_plus_h_minus_f_at_x_minus_h_exceeds_dbl_max",
       central_difference_should_not_overflow_where_f_at_x_plus_h_minus_f_at_x_minus_h_exceeds_dbl_max},
      {"a_coordinate_where_f_is_inf_should_come_out_non_finite_and_be_reported",
       a_coordinate_where_f_is_inf_should_come_out_non_finite_and_be_reported},
      {"checker_should_judge_subnormal_values_against_the_spacing_of_subnormals",
       checker_should_judge_subnormal_values_against_the_spacing_of_subnormals},
      {"checker_should_pass_true_derivatives_at_a_subnormal_x_and_fail_a_wrong_one",
       checker_should_pass_true_derivatives_at_a_subnormal_x_and_fail_a_wrong_one},
  };
  return bp_test_add_suite("numerical extremes: eq. (2), eq. (7), eq. (9), eq. (12), eq. (17), eq. (26), eq. (36), "
                           "eq. (38), the checker",
                           cases, sizeof cases / sizeof cases[0]);
}
