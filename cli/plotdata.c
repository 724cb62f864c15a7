/* plotdata.c - `bpcheck plotdata NAME [--seed N]`: the TSV data a figure of plots/ is drawn from.
 *
 * Each name writes one table to stdout: a header line, then tab-separated rows. Numbers are printed with %.17g
 * (they read back exactly); a value that is not finite is printed as `inf`, `-inf` or `nan`, and where a naive
 * formula can fail a `*_finite` column says 1 or 0, so a script never has to guess. Everything is computed into
 * memory first and printed only when all of it succeeded. The same seed gives the same bytes.
 *
 * References are computed in long double from the literal formula (eq. 36, or the log-sum-exp of eq. 38): 11 more
 * bits than double, and no overflow for |s| < 11000, so the relative error of a double result against them is
 * meaningful down to about 1e-19. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "cli.h"
#include "core.h"
#include "fd.h"
#include "mistakes.h"
#include "mlp.h"
#include "xent.h"

/* ---- helpers -------------------------------------------------------------------------------------------------- */

/* A number as gnuplot and awk read it: %.17g, or inf, -inf, nan (never printf's platform-dependent "-nan"). */
static void put_num(FILE *out, double v, const char *sep) {
  if (isnan(v))
    fprintf(out, "nan%s", sep);
  else if (isinf(v))
    fprintf(out, "%sinf%s", v < 0 ? "-" : "", sep);
  else
    fprintf(out, "%.17g%s", v, sep);
}

/* |v - ref| / |ref| in long double; inf when v is not finite, |v| when ref is 0. */
static double rel_err_ld(double v, long double ref) {
  if (!isfinite(v)) return GSL_POSINF;
  long double d = fabsl((long double)v - ref);
  return (double)(ref != 0.0L ? d / fabsl(ref) : d);
}

/* |a - n| / max(|a|, |n|), 0 when both are 0: the relative error the checker reports (fd.h). */
static double rel_err_pair(double a, double n) {
  double scale = GSL_MAX(fabs(a), fabs(n));
  return scale > 0.0 ? fabs(a - n) / scale : 0.0;
}

/* Uniform in [0, 1) with all 53 bits random (gsl_rng_uniform gives multiples of 2^-32 only, which sums like s + c
 * would then add exactly and hide the rounding the figures show). */
static double uniform53(gsl_rng *rng) {
  unsigned long hi = gsl_rng_get(rng) >> 5, lo = gsl_rng_get(rng) >> 6; /* 27 and 26 bits of mt19937's 32 */
  return ((double)hi * 67108864.0 + (double)lo) / 9007199254740992.0;   /* (hi 2^26 + lo) / 2^53 */
}

/* Fills a row with a random probability distribution: positive entries that sum to 1. */
static void fill_distribution(gsl_rng *rng, gsl_matrix *T, size_t row) {
  double sum = 0.0;
  for (size_t c = 0; c < T->size2; c++) {
    double v = 0.05 + uniform53(rng);
    gsl_matrix_set(T, row, c, v);
    sum += v;
  }
  for (size_t c = 0; c < T->size2; c++) gsl_matrix_set(T, row, c, gsl_matrix_get(T, row, c) / sum);
}

/* The grid 0 and +-10^(k/per_decade) for k = lo..hi, ascending: fine near 0 and up to 10^(hi/per_decade), for the
 * symmetric-log axes of the figures. Returns how many values it wrote (2 (hi - lo + 1) + 1). */
static size_t symlog_grid(double *v, int lo, int hi, int per_decade) {
  size_t n = 0;
  for (int k = hi; k >= lo; k--) v[n++] = -pow(10.0, (double)k / per_decade);
  v[n++] = 0.0;
  for (int k = lo; k <= hi; k++) v[n++] = pow(10.0, (double)k / per_decade);
  return n;
}

/* ---- eq. (32) against eq. (36): one logistic output, s from -1000 to 1000 -------------------------------------- */

#define LOSS_T 0.3 /* the target: inside (0, 1), so both log terms of eq. (32) count */

/* eq. (36) literally, in long double: -t s + log(1 + e^s). e^1000 fits a long double, so no rewriting is needed. */
static long double logistic_loss_reference(long double s, long double t) { return -t * s + log1pl(expl(s)); }

static int data_logistic_losses(FILE *out, unsigned long seed) {
  (void)seed; /* nothing random: the grid is fixed */
  double s_grid[2 * 201 + 1];
  size_t n = symlog_grid(s_grid, -50, 150, 50); /* |s| from 0.1 to 1000, 50 points a decade */
  fprintf(out, "s\tt\tx\tnaive\tstable\treference\tnaive_rel_err\tstable_rel_err\tnaive_finite\n");
  for (size_t r = 0; r < n; r++) {
    double s = s_grid[r], t = LOSS_T, x = bp_logistic(s), naive, stable;
    gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1), S = gsl_matrix_view_array(&s, 1, 1),
                    T = gsl_matrix_view_array(&t, 1, 1);
    int status = bp_xent_logistic_naive(&X.matrix, &T.matrix, &naive); /* eq. (32) of x = eq. (2) */
    if (status != GSL_SUCCESS && status != GSL_ERANGE) return status;  /* ERANGE: not finite, which we plot */
    status = bp_xent_logistic_stable(&S.matrix, &T.matrix, &stable);   /* eq. (36) */
    if (status) return status;
    long double ref = logistic_loss_reference(s, t);
    put_num(out, s, "\t"), put_num(out, t, "\t"), put_num(out, x, "\t"), put_num(out, naive, "\t");
    put_num(out, stable, "\t"), put_num(out, (double)ref, "\t");
    put_num(out, rel_err_ld(naive, ref), "\t"), put_num(out, rel_err_ld(stable, ref), "\t");
    fprintf(out, "%d\n", isfinite(naive) ? 1 : 0);
  }
  return GSL_SUCCESS;
}

/* ---- eq. (18) against eq. (38): softmax cross-entropy as the logits grow, and as a constant is added ----------- */

#define SOFTMAX_N 5

/* eq. (17) literally, e^{s_i} / sum_c e^{s_c}, with no shift: the naive softmax whose overflow eq. (38) avoids. */
static void softmax_naive(const double *s, double *x) {
  double sum = 0.0;
  for (size_t i = 0; i < SOFTMAX_N; i++) sum += exp(s[i]);
  for (size_t i = 0; i < SOFTMAX_N; i++) x[i] = exp(s[i]) / sum;
}

/* eq. (38) in long double: sum_i t_i (lse(s) - s_i), lse = m + log sum_j e^{s_j - m}. */
static long double softmax_loss_reference(const double *s, const double *t) {
  long double m = s[0], sum = 0.0L, E = 0.0L;
  for (size_t j = 1; j < SOFTMAX_N; j++) m = s[j] > m ? s[j] : m;
  for (size_t j = 0; j < SOFTMAX_N; j++) sum += expl((long double)s[j] - m);
  long double lse = m + logl(sum);
  for (size_t i = 0; i < SOFTMAX_N; i++) E += (long double)t[i] * (lse - s[i]);
  return E;
}

/* naive = eq. (18) of eq. (17), stable = eq. (38), both of the logits s (1 x SOFTMAX_N). */
static int softmax_losses(double *s, double *t, double *naive, double *stable) {
  double x[SOFTMAX_N];
  softmax_naive(s, x);
  gsl_matrix_view X = gsl_matrix_view_array(x, 1, SOFTMAX_N), S = gsl_matrix_view_array(s, 1, SOFTMAX_N),
                  T = gsl_matrix_view_array(t, 1, SOFTMAX_N);
  int status = bp_xent_softmax_naive(&X.matrix, &T.matrix, naive);
  if (status != GSL_SUCCESS && status != GSL_ERANGE) return status;
  return bp_xent_softmax_stable(&S.matrix, &T.matrix, stable);
}

/* Random logit direction z in (-1, 1) and a target distribution t (all t_i > 0, so every log x_i counts). */
static void softmax_problem(unsigned long seed, double *z, double *t) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, seed);
  for (size_t i = 0; i < SOFTMAX_N; i++) z[i] = 2.0 * uniform53(rng) - 1.0;
  gsl_matrix_view T = gsl_matrix_view_array(t, 1, SOFTMAX_N);
  fill_distribution(rng, &T.matrix, 0);
  gsl_rng_free(rng);
}

/* s = a z for a = 10^(k/20), k = -20..80: the naive form fails once e^{s_i} overflows or x_i underflows. */
static int data_softmax_scaling(FILE *out, unsigned long seed) {
  double z[SOFTMAX_N], t[SOFTMAX_N];
  softmax_problem(seed, z, t);
  fprintf(out, "scale\tmax_abs_s\tnaive\tstable\treference\tnaive_rel_err\tstable_rel_err\tnaive_finite\n");
  for (int k = -20; k <= 80; k++) {
    double a = pow(10.0, k / 20.0), s[SOFTMAX_N], max_abs = 0.0, naive, stable;
    for (size_t i = 0; i < SOFTMAX_N; i++) s[i] = a * z[i], max_abs = GSL_MAX(max_abs, fabs(s[i]));
    int status = softmax_losses(s, t, &naive, &stable);
    if (status) return status;
    long double ref = softmax_loss_reference(s, t);
    put_num(out, a, "\t"), put_num(out, max_abs, "\t"), put_num(out, naive, "\t"), put_num(out, stable, "\t");
    put_num(out, (double)ref, "\t"), put_num(out, rel_err_ld(naive, ref), "\t");
    put_num(out, rel_err_ld(stable, ref), "\t");
    fprintf(out, "%d\n", isfinite(naive) ? 1 : 0);
  }
  return GSL_SUCCESS;
}

/* The remark after eq. (40): s + c for c = 0, +-10^(k/20), k = -20..80. `reference` is eq. (38) in long double of
 * the shifted logits as rounded to double (so *_rel_err is the error of the formula alone); `drift` is
 * |stable(s + c) - E(s)| / E(s), which also holds the rounding of s + c itself (about eps |c| / E). */
static int data_softmax_shift(FILE *out, unsigned long seed) {
  double z[SOFTMAX_N], t[SOFTMAX_N], c_grid[2 * 101 + 1];
  softmax_problem(seed, z, t);
  for (size_t i = 0; i < SOFTMAX_N; i++) z[i] *= 3.0; /* moderate logits, |s| < 3 */
  long double E0 = softmax_loss_reference(z, t);
  size_t n = symlog_grid(c_grid, -20, 80, 20);
  fprintf(out, "shift\tnaive\tstable\treference\tnaive_rel_err\tstable_rel_err\tdrift\tnaive_finite\n");
  for (size_t r = 0; r < n; r++) {
    double c = c_grid[r], s[SOFTMAX_N], naive, stable;
    for (size_t i = 0; i < SOFTMAX_N; i++) s[i] = z[i] + c;
    int status = softmax_losses(s, t, &naive, &stable);
    if (status) return status;
    long double ref = softmax_loss_reference(s, t);
    put_num(out, c, "\t"), put_num(out, naive, "\t"), put_num(out, stable, "\t"), put_num(out, (double)ref, "\t");
    put_num(out, rel_err_ld(naive, ref), "\t"), put_num(out, rel_err_ld(stable, ref), "\t");
    put_num(out, rel_err_ld(stable, E0), "\t");
    fprintf(out, "%d\n", isfinite(naive) ? 1 : 0);
  }
  return GSL_SUCCESS;
}

/* ---- eq. (21): the softmax Jacobian of one example, and its row sums ------------------------------------------ */

#define JACOBIAN_N 6

/* One row per entry (i, k): J = dx_i/ds_k = x_i (delta_ik - x_k). row_sum = sum_k J_ik, which is 0 in exact
 * arithmetic (sum_k x_k = 1); row_abs_sum = sum_k |J_ik| sets its round-off scale. */
static int data_softmax_jacobian(FILE *out, unsigned long seed) {
  double s[JACOBIAN_N], x[JACOBIAN_N], j[JACOBIAN_N * JACOBIAN_N];
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, seed);
  for (size_t i = 0; i < JACOBIAN_N; i++) s[i] = 4.0 * uniform53(rng) - 2.0;
  gsl_rng_free(rng);
  gsl_matrix_view S = gsl_matrix_view_array(s, 1, JACOBIAN_N), X = gsl_matrix_view_array(x, 1, JACOBIAN_N),
                  J = gsl_matrix_view_array(j, JACOBIAN_N, JACOBIAN_N);
  gsl_vector_view xv = gsl_vector_view_array(x, JACOBIAN_N);
  int status = bp_softmax_forward(&S.matrix, &X.matrix);            /* eq. (17) */
  if (!status) status = bp_softmax_jacobian(&xv.vector, &J.matrix); /* eq. (21) */
  if (status) return status;
  fprintf(out, "i\tk\tJ\ts_i\tx_i\trow_sum\trow_abs_sum\n");
  for (size_t i = 0; i < JACOBIAN_N; i++) {
    double sum = 0.0, abs_sum = 0.0;
    for (size_t k = 0; k < JACOBIAN_N; k++) sum += j[i * JACOBIAN_N + k], abs_sum += fabs(j[i * JACOBIAN_N + k]);
    for (size_t k = 0; k < JACOBIAN_N; k++) {
      fprintf(out, "%zu\t%zu\t", i, k);
      put_num(out, j[i * JACOBIAN_N + k], "\t"), put_num(out, s[i], "\t"), put_num(out, x[i], "\t");
      put_num(out, sum, "\t"), put_num(out, abs_sum, "\n");
    }
  }
  return GSL_SUCCESS;
}

/* ---- analytic against numeric, every parameter, with a planted bug ---------------------------------------------- */

#define SCATTER_BATCH 8

/* A network 4 -> 6 -> 3 with logistic hidden units and the given output, on a random batch; per parameter the
 * backprop gradient (eq. 10, 12, 16 or eq. 26, 29, 31), the central difference of the loss, its error estimate,
 * and the gradient of the planted bug. `layer` is l of W<l>/b<l> (the output layer is the largest). */
static int data_scatter(FILE *out, unsigned long seed, bp_output output) {
  const size_t sizes[] = {4, 6, 3};
  bp_mlp *net = bp_mlp_alloc(2, sizes, output);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, SCATTER_BATCH) : NULL;
  gsl_matrix *X0 = gsl_matrix_alloc(SCATTER_BATCH, sizes[0]), *T = gsl_matrix_alloc(SCATTER_BATCH, sizes[2]);
  gsl_matrix *numeric = net ? gsl_matrix_alloc(1, net->n_params) : NULL;
  gsl_matrix *estimate = net ? gsl_matrix_alloc(1, net->n_params) : NULL;
  gsl_vector *analytic = net ? gsl_vector_alloc(net->n_params) : NULL;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  int status = GSL_ENOMEM;
  if (!net || !ws || !X0 || !T || !numeric || !estimate || !analytic || !rng) goto out;
  gsl_rng_set(rng, seed);
  bp_mlp_init_random(net, rng);
  for (size_t r = 0; r < SCATTER_BATCH; r++) {
    for (size_t c = 0; c < sizes[0]; c++) gsl_matrix_set(X0, r, c, 4.0 * uniform53(rng) - 1.7);
    if (output == BP_OUTPUT_SOFTMAX)
      fill_distribution(rng, T, r); /* eq. (26) assumes each row sums to 1 */
    else
      for (size_t c = 0; c < sizes[2]; c++) gsl_matrix_set(T, r, c, 0.05 + 0.9 * uniform53(rng));
  }
  bp_mlp_closure closure = {net, ws, X0, T, NULL};
  status = bp_fd_jacobian(BP_FD_CENTRAL, &(bp_fd_problem){bp_mlp_error_function, NULL, &closure, NULL}, net->params,
                          numeric, estimate);
  if (!status) status = bp_mlp_gradient(net, ws, X0, T, NULL); /* forward, then the correct backward */
  if (!status) status = gsl_vector_memcpy(analytic, net->grad);
  /* the planted bug: the hidden delta drops x_j (1 - x_j) of eq. (12) / eq. (31) (mistakes.h); the output layer
   * (eq. 10, eq. 29) is still right, every layer below it wrong */
  bp_plant plant = bp_plant_default(BP_MISTAKE_MISSING_DERIVATIVE);
  if (!status) status = bp_mistake_gradient(net, X0, T, &plant, net->grad);
  if (status) goto out;
  fprintf(out, "param\tlayer\tanalytic\tnumeric\testimate\tbuggy\trel_err\tbuggy_rel_err\n");
  for (size_t k = 0; k < net->n_params; k++) {
    char name[64];
    size_t layer = 1;
    while (layer < net->n_layers && k >= net->offset[layer + 1]) layer++;
    bp_mlp_param_name(net, k, name, sizeof name);
    double a = gsl_vector_get(analytic, k), n = gsl_matrix_get(numeric, 0, k), b = gsl_vector_get(net->grad, k);
    fprintf(out, "%s\t%zu\t", name, layer);
    put_num(out, a, "\t"), put_num(out, n, "\t"), put_num(out, gsl_matrix_get(estimate, 0, k), "\t");
    put_num(out, b, "\t"), put_num(out, rel_err_pair(a, n), "\t"), put_num(out, rel_err_pair(b, n), "\n");
  }
out:
  gsl_rng_free(rng);
  gsl_vector_free(analytic);
  gsl_matrix_free(estimate);
  gsl_matrix_free(numeric);
  gsl_matrix_free(T);
  gsl_matrix_free(X0);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  return status;
}

static int data_scatter_logistic(FILE *out, unsigned long seed) { return data_scatter(out, seed, BP_OUTPUT_LOGISTIC); }
static int data_scatter_softmax(FILE *out, unsigned long seed) { return data_scatter(out, seed, BP_OUTPUT_SOFTMAX); }

/* ---- the table of names ---------------------------------------------------------------------------------------- */

typedef struct {
  const char *name, *equations, *what;
  int (*write)(FILE *out, unsigned long seed);
} plot_data;

static int data_list(FILE *out, unsigned long seed);

static const plot_data plot_datas[] = {
    {"list", "", "these names", data_list},
    {"logistic-losses", "32,36", "naive eq. (32) against stable eq. (36), s from -1000 to 1000, t = 0.3",
     data_logistic_losses},
    {"softmax-scaling", "17,18,38", "naive eq. (18) against log-sum-exp eq. (38) as the logits are scaled up",
     data_softmax_scaling},
    {"softmax-shift", "38,40", "eq. (18) and eq. (38) as a constant c is added to every logit (after eq. (40))",
     data_softmax_shift},
    {"softmax-jacobian", "20,21", "the softmax Jacobian dx_i/ds_k of one example and its row sums",
     data_softmax_jacobian},
    {"scatter-logistic", "9,10,12,16",
     "backprop against central differences per parameter, logistic outputs, "
     "and a planted bug (eq. (12) without x_j(1-x_j))",
     data_scatter_logistic},
    {"scatter-softmax", "26,29,31",
     "backprop against central differences per parameter, softmax outputs, "
     "and a planted bug (eq. (31) without x_j(1-x_j))",
     data_scatter_softmax},
};
#define N_PLOT_DATAS (sizeof plot_datas / sizeof plot_datas[0])

static int data_list(FILE *out, unsigned long seed) {
  (void)seed;
  fprintf(out, "name\tequation\twhat\n");
  for (size_t k = 1; k < N_PLOT_DATAS; k++)
    fprintf(out, "%s\t%s\t%s\n", plot_datas[k].name, plot_datas[k].equations, plot_datas[k].what);
  return GSL_SUCCESS;
}

int bp_cli_plotdata(const char *name, unsigned long seed) {
  const plot_data *d = NULL;
  for (size_t k = 0; k < N_PLOT_DATAS; k++)
    if (!strcmp(name, plot_datas[k].name)) d = &plot_datas[k];
  if (d == NULL) {
    char message[512];
    int used = snprintf(message, sizeof message, "no plot data named '%s' (the names:", name);
    for (size_t k = 0; k < N_PLOT_DATAS && used > 0 && (size_t)used < sizeof message; k++)
      used += snprintf(message + used, sizeof message - (size_t)used, " %s", plot_datas[k].name);
    if (used > 0 && (size_t)used < sizeof message - 1) strcat(message, ")");
    return bp_cli_usage_error("%s", message);
  }
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (mem == NULL) {
    fprintf(stderr, "bpcheck: out of memory\n");
    return EXIT_INTERNAL;
  }
  int status = d->write(mem, seed);
  int bad = fclose(mem) != 0;
  if (status || bad) {
    fprintf(stderr, "bpcheck: plotdata %s: %s\n", name, status ? gsl_strerror(status) : "out of memory");
    if (status && bp_error_message()[0]) fprintf(stderr, "bpcheck: %s\n", bp_error_message());
    free(text);
    return EXIT_INTERNAL;
  }
  fwrite(text, 1, len, stdout);
  free(text);
  return EXIT_OK;
}
