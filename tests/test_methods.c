/* test_methods.c - the five finite-difference methods of fd.h (forward, central, richardson, complex, gsl): their
 * accuracy and error estimates on functions with known derivatives, the adaptive step, domains, the NOT SMOOTH
 * verdict at a kink, and the `all --method M` and `sweep` commands that report them. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_complex_math.h>

#include "core.h"
#include "gradcheck.h"
#include "test_util.h"

/* y = (e^{x0} sin(3.1 x1), log(x0 + 2.3) x1^3): irregular, both smooth, with a complex continuation. */
static int known(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double a = gsl_vector_get(x, 0), b = gsl_vector_get(x, 1);
  gsl_vector_set(y, 0, exp(a) * sin(3.1 * b));
  gsl_vector_set(y, 1, log(a + 2.3) * b * b * b);
  return GSL_SUCCESS;
}

static int known_z(const gsl_vector_complex *z, gsl_vector_complex *w, void *params) {
  (void)params;
  gsl_complex za = gsl_vector_complex_get(z, 0), zb = gsl_vector_complex_get(z, 1);
  double complex a = GSL_REAL(za) + I * GSL_IMAG(za), b = GSL_REAL(zb) + I * GSL_IMAG(zb);
  double complex y0 = cexp(a) * csin(3.1 * b), y1 = clog(a + 2.3) * b * b * b;
  gsl_vector_complex_set(w, 0, gsl_complex_rect(creal(y0), cimag(y0)));
  gsl_vector_complex_set(w, 1, gsl_complex_rect(creal(y1), cimag(y1)));
  return GSL_SUCCESS;
}

static void known_jacobian(double a, double b, double J[4]) {
  J[0] = exp(a) * sin(3.1 * b), J[1] = 3.1 * exp(a) * cos(3.1 * b);
  J[2] = b * b * b / (a + 2.3), J[3] = 3.0 * log(a + 2.3) * b * b;
}

/* Normwise relative error of each method's Jacobian at 20 irregular points, against the goals of the README:
 * complex <= 1e-15, richardson <= 1e-12, central <= 1e-9; each entry's estimate covers its actual error on at least
 * 99% of the entries (forward: 95%, see below). */
static void every_method_should_meet_its_accuracy_and_its_estimate_should_cover_the_error(void) {
  static const bp_fd_method methods[] = {BP_FD_FORWARD, BP_FD_CENTRAL, BP_FD_RICHARDSON, BP_FD_COMPLEX, BP_FD_GSL};
  static const double goal[] = {1e-6, 1e-9, 1e-12, 1e-15, 1e-9};
  const bp_fd_problem p = {known, known_z, NULL, NULL};
  gsl_rng *rng = bp_test_rng(4711);
  gsl_matrix *J = bp_matrix_alloc(2, 2), *E = bp_matrix_alloc(2, 2);
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    double worst = 0.0;
    size_t covered = 0, total = 0;
    for (int point = 0; point < 20; point++) {
      double xs[2] = {-1.2 + 2.4 * gsl_rng_uniform(rng), -1.7 + 3.4 * gsl_rng_uniform(rng)}, exact[4];
      known_jacobian(xs[0], xs[1], exact);
      gsl_vector_view x = gsl_vector_view_array(xs, 2);
      CU_ASSERT_EQUAL_FATAL(bp_fd_jacobian(methods[m], &p, &x.vector, J, E), GSL_SUCCESS);
      double d2 = 0.0, n2 = 0.0;
      for (int k = 0; k < 4; k++) {
        double err = fabs(J->data[k] - exact[k]);
        d2 += err * err, n2 += exact[k] * exact[k];
        covered += err <= E->data[k], total++;
      }
      worst = fmax(worst, sqrt(d2 / n2));
    }
    printf("\n  %-10s normwise %.2e (goal %.0e), estimate covers %zu of %zu entries", bp_fd_method_name(methods[m]),
           worst, goal[m], covered, total);
    CU_ASSERT(worst <= goal[m]);
    /* forward: its round-off term assumes f within 2 ulp, and e^a sin(3.1 b) is not (3.1 b rounds first); its
     * smallest steps are round-off bound, so a miss there shows (measured 78 of 80) */
    CU_ASSERT(covered >= total * (methods[m] == BP_FD_FORWARD ? 95 : 99) / 100);
  }
  gsl_matrix_free(J);
  gsl_matrix_free(E);
  gsl_rng_free(rng);
}

/* A planted relative error of 1e-6 in one entry is caught by every method, and the exact Jacobian passes. */
static void a_planted_one_in_a_million_error_should_fail_with_every_method(void) {
  const bp_fd_problem p = {known, known_z, NULL, NULL};
  double xs[2] = {0.4137, -0.8261}, exact[4];
  known_jacobian(xs[0], xs[1], exact);
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix_view Jv = gsl_matrix_view_array(exact, 2, 2);
  bp_tolerance tol = bp_tolerance_default();
  bp_gradcheck *gc = bp_gradcheck_alloc(4);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    if (m == BP_FD_FORWARD) continue; /* its resolution is about 1e-7: it judges such errors by its estimate */
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, (bp_fd_method)m, &p, &x.vector, &Jv.matrix, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
    exact[3] *= 1.0 + 1e-6;
    CU_ASSERT_EQUAL(bp_gradcheck_jacobian(gc, (bp_fd_method)m, &p, &x.vector, &Jv.matrix, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
    CU_ASSERT_EQUAL(gc->worst, 3);
    exact[3] /= 1.0 + 1e-6;
  }
  bp_gradcheck_free(gc);
}

static void the_complex_step_should_need_a_complex_continuation(void) {
  double xs[2] = {0.1, 0.2};
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2);
  ASSERT_FAILS_WITH_MESSAGE(
      bp_fd_jacobian(BP_FD_COMPLEX, &(bp_fd_problem){known, NULL, NULL, NULL}, &x.vector, J, NULL), GSL_EINVAL,
      "complex continuation");
  gsl_matrix_free(J);
}

/* y = -log(x): outside x > 0 it reports GSL_EDOM, as the naive errors of xent.h report GSL_ERANGE. At x = 0.03
 * Richardson's points x +- 16h leave the domain at its own step; the smaller steps it tries stay inside. */
static int minus_log(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double v = gsl_vector_get(x, 0);
  gsl_vector_set(y, 0, -log(v));
  return v > 0 ? GSL_SUCCESS : GSL_EDOM;
}

static void points_outside_the_domain_should_be_skipped_not_fatal(void) {
  double xs[1] = {0.0317};
  gsl_vector_view x = gsl_vector_view_array(xs, 1);
  gsl_matrix *J = bp_matrix_alloc(1, 1), *E = bp_matrix_alloc(1, 1);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    if (m == BP_FD_COMPLEX) continue;
    CU_ASSERT_EQUAL(bp_fd_jacobian((bp_fd_method)m, &(bp_fd_problem){minus_log, NULL, NULL, NULL}, &x.vector, J, E),
                    GSL_SUCCESS);
    double exact = -1.0 / xs[0], err = fabs(gsl_matrix_get(J, 0, 0) - exact);
    CU_ASSERT(err <= gsl_matrix_get(E, 0, 0));
    CU_ASSERT(err <= 1e-5 * fabs(exact));
  }
  gsl_matrix_free(J);
  gsl_matrix_free(E);
}

/* |x - 0.5|: at x = 0.5 + 1e-8, within every step the central rule tries, no difference rule is right, so a check of
 * the true derivative (+1) must say NOT SMOOTH rather than FAIL; a wrong derivative of a smooth function must
 * still FAIL. */
static int corner(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, fabs(gsl_vector_get(x, 0) - 0.5));
  return GSL_SUCCESS;
}

static int cube(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double v = gsl_vector_get(x, 0);
  gsl_vector_set(y, 0, v * v * v);
  return GSL_SUCCESS;
}

static void a_kink_within_the_step_should_be_not_smooth_and_a_wrong_smooth_derivative_should_fail(void) {
  bp_tolerance tol = bp_tolerance_default();
  bp_gradcheck *gc = bp_gradcheck_alloc(1);
  double xs[1] = {0.5 + 1e-8}, a[1] = {1.0};
  gsl_vector_view x = gsl_vector_view_array(xs, 1);
  gsl_matrix_view A = gsl_matrix_view_array(a, 1, 1);
  CU_ASSERT_EQUAL(
      bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){corner, NULL, NULL, NULL}, &x.vector, &A.matrix, &tol),
      GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_NOT_SMOOTH);
  CU_ASSERT_EQUAL(gc->n_nonsmooth, 1);
  CU_ASSERT_STRING_EQUAL(bp_verdict_name(gc->verdict), "NOT SMOOTH");
  xs[0] = 0.7213, a[0] = 3.0 * 0.7213 * 0.7213 * 1.01; /* a 1% error in (x^3)' */
  CU_ASSERT_EQUAL(
      bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){cube, NULL, NULL, NULL}, &x.vector, &A.matrix, &tol),
      GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(gc->n_nonsmooth, 0);
  xs[0] = 0.0; /* an inflection with f''' = 6: smooth, and the true derivative 0 ... */
  a[0] = 0.01; /* ... against a wrong one */
  CU_ASSERT_EQUAL(
      bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){cube, NULL, NULL, NULL}, &x.vector, &A.matrix, &tol),
      GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
  bp_gradcheck_free(gc);
}

/* Only the listed coordinates are differentiated, in the listed order, and a coordinate beyond x is refused. */
static void a_subset_of_coordinates_should_give_exactly_those_columns(void) {
  double xs[2] = {0.2718, -0.3141}, exact[4];
  known_jacobian(xs[0], xs[1], exact);
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 1);
  size_t cols[1] = {1}, bad[1] = {2};
  bp_fd_options o = {.columns = cols, .n_columns = 1};
  CU_ASSERT_EQUAL(
      bp_fd_jacobian_with(BP_FD_RICHARDSON, &(bp_fd_problem){known, NULL, NULL, NULL}, &x.vector, &o, J, NULL),
      GSL_SUCCESS);
  ASSERT_REL_CLOSE(gsl_matrix_get(J, 0, 0), exact[1], 1e-11);
  ASSERT_REL_CLOSE(gsl_matrix_get(J, 1, 0), exact[3], 1e-11);
  o.columns = bad;
  ASSERT_FAILS_WITH_MESSAGE(
      bp_fd_jacobian_with(BP_FD_CENTRAL, &(bp_fd_problem){known, NULL, NULL, NULL}, &x.vector, &o, J, NULL),
      GSL_EBADLEN, "beyond");
  gsl_matrix_free(J);
}

/* The progress callback hears of every column once, in order, with the total, and is never needed. */
typedef struct {
  size_t calls, last_done, total;
  int in_order;
} progress_log;
static void log_progress(size_t done, size_t total, void *context) {
  progress_log *log = context;
  log->in_order &= (done == log->last_done + 1);
  log->last_done = done, log->total = total, log->calls++;
}
static void progress_should_be_reported_once_per_column_in_order(void) {
  double xs[2] = {0.2718, -0.3141};
  gsl_vector_view x = gsl_vector_view_array(xs, 2);
  gsl_matrix *J = bp_matrix_alloc(2, 2);
  for (int m = 0; m < BP_FD_N_METHODS; m++) {
    progress_log log = {0, 0, 0, 1};
    bp_fd_options o = {.progress = log_progress, .progress_context = &log};
    bp_fd_problem p = {known, (m == BP_FD_COMPLEX) ? known_z : NULL, NULL, NULL};
    CU_ASSERT_EQUAL(bp_fd_jacobian_with((bp_fd_method)m, &p, &x.vector, &o, J, NULL), GSL_SUCCESS);
    CU_ASSERT_EQUAL(log.calls, 2);
    CU_ASSERT_EQUAL(log.total, 2);
    CU_ASSERT(log.in_order);
  }
  gsl_matrix_free(J);
}

/* ---- the command ----------------------------------------------------------------------------------------------- */

static char out[1 << 16], err[4096];

/* The largest value of a TSV column (by header name) over the data rows. */
static double column_max(const char *tsv, const char *name) {
  int col = -1, k = 0;
  double best = -1.0;
  const char *line_start = tsv;
  for (const char *p = tsv; *p; p++) {
    if (p == line_start || p[-1] == '\t' || p[-1] == '\n') { /* a field starts at p */
      if (p == tsv || p[-1] == '\n') k = 0;
      size_t len = strlen(name);
      if (col < 0 && strncmp(p, name, len) == 0 && (p[len] == '\t' || p[len] == '\n'))
        col = k;
      else if (col >= 0 && k == col && line_start != tsv)
        best = fmax(best, strtod(p, NULL));
      k++;
    }
    if (*p == '\n') line_start = p + 1;
  }
  return best;
}

/* `bpcheck all --method M` passes for every method (errata as errata), and the normwise errors meet the goals.
 * central's goal is 2e-9: a check keeps the rule's own step wherever it settles the verdict (gradcheck.h), which
 * leaves entries that the full step search would have taken to ~1e-10 at up to 1.4e-9 (seeds 1-8). */
static void all_should_pass_with_every_method_at_its_accuracy(void) {
  static const char *const names[] = {"forward", "central", "richardson", "complex", "gsl"};
  static const double goal[] = {1e-6, 2e-9, 1e-12, 1e-15, 1e-9};
  for (int m = 0; m < 5; m++) {
    char args[128];
    snprintf(args, sizeof args, "all --method %s --format tsv", names[m]);
    CU_ASSERT_EQUAL(bp_test_run_bpcheck(args, "/tmp", out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "\tFAIL\t"));
    /* the identity checks compare closed forms (norm_rel_err ~1e-15 with any method): not the method's accuracy */
    char *w = out;
    for (const char *p = out, *next; *p; p = next) {
      size_t n = strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
      next = p + n; /* taken before the line moves */
      const char *tab = strstr(p, "\tidentity\t");
      if (tab && tab < next) continue;
      memmove(w, p, n);
      w += n;
    }
    *w = '\0';
    double norm = column_max(out, "norm_rel_err");
    printf("\n  all --method %-10s largest norm_rel_err %.2e (goal %.0e)", names[m], norm, goal[m]);
    CU_ASSERT(norm >= 0 && norm <= goal[m]);
  }
}

/* The first row of a sweep's TSV: the line after its header (NULL without one). */
static const char *sweep_rows(const char *tsv) {
  const char *header = strstr(tsv, "h\tnorm_rel_err\tmax_rel_err\tmedian_estimate\tauto\n");
  return header ? bp_test_next_line(header) : NULL;
}

/* eq. (15), eq. (16) (the check logistic-hidden-weights): the sweep is a V for central differences (truncation at large h, round-off at small h, the automatic step near
 * the bottom) and flat at machine precision for the complex step. */
static void sweep_should_show_the_v_of_central_differences_and_the_flat_complex_step(void) {
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("sweep logistic-hidden-weights --method central --format tsv", "/tmp", out,
                                      sizeof out, err, sizeof err),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "h\tnorm_rel_err\tmax_rel_err\tmedian_estimate\tauto\n"));
  double first = -1, last = -1, automatic = -1, h, norm, mx, med;
  int is_auto, rows = 0;
  for (const char *p = sweep_rows(out); p && *p; p = bp_test_next_line(p)) {
    if (sscanf(p, "%lf %lf %lf %lf %d", &h, &norm, &mx, &med, &is_auto) != 5) break;
    rows++;
    if (is_auto)
      automatic = norm;
    else if (first < 0)
      first = norm;
    if (!is_auto && h > 2e-15) last = norm;
  }
  CU_ASSERT_EQUAL(rows, 62);
  CU_ASSERT(first > 1e-4 && last > 1e-4 && automatic >= 0 && automatic < 1e-9);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("sweep logistic-hidden-weights --method complex --format tsv", "/tmp", out,
                                      sizeof out, err, sizeof err),
                  0);
  double flat = 0.0;
  for (const char *p = sweep_rows(out); p && *p; p = bp_test_next_line(p)) {
    if (sscanf(p, "%lf %lf %lf %lf %d", &h, &norm, &mx, &med, &is_auto) != 5) break;
    if (h <= 1e-8) flat = fmax(flat, norm);
  }
  CU_ASSERT(flat < 1e-14);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("sweep no-such-check", "/tmp", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-check"));
}

/* eq. (15), eq. (16): the sweep names the formula it sweeps -- the check's finite-difference claim, as the registry
 * records it (read back from `run --format json`, not written here) -- as a comment line in TSV, a heading line in
 * the aligned table and a field in JSON. */
static void sweep_should_name_its_formula_in_every_format(void) {
  static char run_out[1 << 16];
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("run logistic-hidden-weights --format json", "/tmp", run_out, sizeof run_out, err,
                                      sizeof err),
                  0);
  const char *f = strstr(run_out, "\"formula\": \"");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  f += strlen("\"formula\": \"");
  char formula[256];
  size_t n = (size_t)(strchr(f, '"') - f);
  CU_ASSERT_FATAL(n > 0 && n < sizeof formula);
  memcpy(formula, f, n);
  formula[n] = '\0';
  char line[300];
  CU_ASSERT_EQUAL(
      bp_test_run_bpcheck("sweep logistic-hidden-weights --format tsv", "/tmp", out, sizeof out, err, sizeof err), 0);
  snprintf(line, sizeof line, "# formula: %s\nh\t", formula);
  CU_ASSERT_EQUAL(strncmp(out, line, strlen(line)), 0);
  CU_ASSERT_EQUAL(
      bp_test_run_bpcheck("sweep logistic-hidden-weights --format json", "/tmp", out, sizeof out, err, sizeof err), 0);
  snprintf(line, sizeof line, "\"formula\": \"%s\"", formula);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
  /* The table: a heading, the formula, then the column names and 62 rows, all of one width, the columns aligned
   * (every field ends at the same column on every line). */
  CU_ASSERT_EQUAL(
      bp_test_run_bpcheck("sweep logistic-hidden-weights --format table", "/tmp", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(strchr(out, '\t'));
  snprintf(line, sizeof line, "\nformula: %s\n", formula);
  const char *p = strstr(out, line);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  p += strlen(line);
  CU_ASSERT_EQUAL(strncmp(p, "h ", 2), 0);
  size_t width = (size_t)(strchr(p, '\n') - p);
  int rows = 0;
  for (const char *q = bp_test_next_line(p); q && *q; q = bp_test_next_line(q)) {
    const char *end = strchr(q, '\n');
    CU_ASSERT_FATAL(end != NULL);
    CU_ASSERT_EQUAL((size_t)(end - q), width);
    for (size_t c = 1; c < width && c < (size_t)(end - q); c++) /* a column ends where the header's does */
      if (p[c] == ' ' && p[c - 1] != ' ') CU_ASSERT(q[c - 1] != ' ');
    double h;
    CU_ASSERT_EQUAL(sscanf(q, "%lf", &h), 1);
    rows++;
  }
  CU_ASSERT_EQUAL(rows, 62);
}

/* A check of identities only (eq. (32)-(36)) has no step to sweep: bad usage, said on stderr, nothing on stdout. */
static void sweep_should_refuse_a_check_of_identities_only(void) {
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("sweep logistic-stable-forms", "/tmp", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_STRING_EQUAL(out, "");
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "'logistic-stable-forms' has no finite-difference claim (only identities)"));
}

int register_methods(void) {
  static const bp_test_case cases[] = {
      {"every_method_should_meet_its_accuracy_and_its_estimate_should_cover_the_error",
       every_method_should_meet_its_accuracy_and_its_estimate_should_cover_the_error},
      {"a_planted_one_in_a_million_error_should_fail_with_every_method",
       a_planted_one_in_a_million_error_should_fail_with_every_method},
      {"the_complex_step_should_need_a_complex_continuation", the_complex_step_should_need_a_complex_continuation},
      {"points_outside_the_domain_should_be_skipped_not_fatal", points_outside_the_domain_should_be_skipped_not_fatal},
      {"a_kink_within_the_step_should_be_not_smooth_and_a_wrong_smooth_derivative_should_fail",
       a_kink_within_the_step_should_be_not_smooth_and_a_wrong_smooth_derivative_should_fail},
      {"progress_should_be_reported_once_per_column_in_order", progress_should_be_reported_once_per_column_in_order},
      {"a_subset_of_coordinates_should_give_exactly_those_columns",
       a_subset_of_coordinates_should_give_exactly_those_columns},
      {"all_should_pass_with_every_method_at_its_accuracy", all_should_pass_with_every_method_at_its_accuracy},
      {"sweep_should_show_the_v_of_central_differences_and_the_flat_complex_step",
       sweep_should_show_the_v_of_central_differences_and_the_flat_complex_step},
      {"sweep_should_name_its_formula_in_every_format", sweep_should_name_its_formula_in_every_format},
      {"sweep_should_refuse_a_check_of_identities_only", sweep_should_refuse_a_check_of_identities_only},
  };
  return bp_test_add_suite("methods", cases, sizeof cases / sizeof cases[0]);
}
