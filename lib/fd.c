/* fd.c - numeric Jacobians with error estimates, and the entry-by-entry verdict. */
#include "fd.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_machine.h>

#include "core.h"

static const char *const method_names[BP_FD_N_METHODS] = {"forward", "central", "richardson", "complex", "gsl"};

const char *bp_fd_method_name(bp_fd_method method) {
  return ((unsigned)method < BP_FD_N_METHODS) ? method_names[method] : "unknown";
}

int bp_fd_method_parse(const char *name, bp_fd_method *method) {
  for (int k = 0; k < BP_FD_N_METHODS; k++)
    if (strcmp(name, method_names[k]) == 0) {
      *method = (bp_fd_method)k;
      return GSL_SUCCESS;
    }
  BP_ERROR(GSL_EINVAL, "unknown method '%s' (expected forward, central, richardson, complex or gsl)", name);
}

/* Central differences balance truncation h^2 |f'''| against round-off eps |f| / h: h ~ eps^(1/3), scaled to the
 * coordinate so that x + h differs from x in the same relative place for large and small |x|. The 5-point rule
 * of gsl_deriv_central balances h^4 against eps / h: eps^(1/5); GSL then adapts it. */
double bp_fd_step(bp_fd_method method, double x) {
  double scale = fmax(fabs(x), 1.0);
  return (method == BP_FD_GSL) ? GSL_ROOT5_DBL_EPSILON * scale : GSL_ROOT3_DBL_EPSILON * scale;
}

/* A step that is exactly representable as (x + h) - x, so the denominator is the true distance moved. Near
 * DBL_MAX, where x + h overflows, the step is measured on the other side: x - (x - h). */
static double representable_step(double x, double h) {
  volatile double moved = x + h;
  if (isfinite(moved)) return moved - x;
  moved = x - h;
  return x - moved;
}

typedef struct {
  bp_fd_function f;
  void *params;
  gsl_vector *x, *y;
  size_t j, r;
  double scale;  /* a power of two applied to every value (values near DBL_MAX), undone on the result */
  int nonfinite; /* some value was inf or NaN */
  int status;
} gsl_adapter;

/* gsl_function for scale * y_r as a function of x_j alone. */
static double gsl_adapter_eval(double v, void *p) {
  gsl_adapter *a = p;
  gsl_vector_set(a->x, a->j, v);
  int status = a->f(a->x, a->y, a->params);
  if (status && !a->status) a->status = status;
  double y = status ? GSL_NAN : gsl_vector_get(a->y, a->r);
  if (!isfinite(y)) a->nonfinite = 1;
  return a->scale * y;
}

/* ---- BP_FD_CENTRAL ------------------------------------------------------------------------------------------
 * Points x0 + k h, k in {1, -1, 2, -2, 0, 4, -4}. A rule takes four of them and gives D(h) = sum_k w1_k f_k / h and
 * D(2h) = sum_k w2_k f_k / h, the same rule at twice the step:
 *   central   D(h) = (f(x+h) - f(x-h)) / 2h                   = f' + h^2 f'''/6 + O(h^4)
 *   backward  D(h) = (3 f(x) - 4 f(x-h) + f(x-2h)) / 2h       = f' - h^2 f'''/3 + O(h^3)
 *   forward   D(h) = (-3 f(x) + 4 f(x+h) - f(x+2h)) / 2h      = f' - h^2 f'''/3 + O(h^3)
 * For each, D(2h) - D(h) = 3 c h^2 + ..., so |D(2h) - D(h)| / 3 estimates the truncation of D(h). An entry takes
 * the central rule when its four values are finite; else the backward one (x + 2h overflows, or f does above x),
 * else the forward one. An entry none can take (f is not finite at x itself, or on both sides) comes out NaN with
 * an infinite estimate, which the verdict counts and reports as non-finite. */
enum { N_POINTS = 7, N_RULES = 3 };
static const double point_offset[N_POINTS] = {1.0, -1.0, 2.0, -2.0, 0.0, 4.0, -4.0};

typedef struct {
  int point[4];
  double w1[4], w2[4];
} fd_rule;

static const fd_rule rules[N_RULES] = {
    {{0, 1, 2, 3}, {0.5, -0.5, 0.0, 0.0}, {0.0, 0.0, 0.25, -0.25}},   /* central: x+h, x-h, x+2h, x-2h */
    {{4, 1, 3, 6}, {1.5, -2.0, 0.5, 0.0}, {0.75, 0.0, -1.0, 0.25}},   /* backward: x, x-h, x-2h, x-4h */
    {{4, 0, 2, 5}, {-1.5, 2.0, -0.5, 0.0}, {-0.75, 0.0, 1.0, -0.25}}, /* forward: x, x+h, x+2h, x+4h */
};

/* sum_k w_k v_k / h without overflow in the sum (f(x+h) - f(x-h) exceeds DBL_MAX when both are near it with
 * opposite signs, 3 f(x) when f(x) > DBL_MAX / 3): values near DBL_MAX are scaled by 2^-8 first, exactly. */
static double weighted_difference(const double *w, const double *v, double h) {
  double big = 0.0, sum = 0.0;
  for (int k = 0; k < 4; k++) big = fmax(big, fabs(v[k]));
  double scale = (big > 0x1p1015) ? 0x1p-8 : 1.0;
  for (int k = 0; k < 4; k++) sum += w[k] * (scale * v[k]);
  return sum / (scale * h);
}

/* Entry r of the column by `rule`; 0 if one of its points is missing or one of its values is not finite.
 * Round-off: each value within 2 ulp of f, and an ulp is at least DBL_TRUE_MIN (subnormal values are accurate
 * only absolutely), so the numerator errs by at most sum_k |w1_k| * 2 (eps max_k |f_r(k)| + DBL_TRUE_MIN): for the
 * central rule 2 (eps max|f_r| + DBL_TRUE_MIN) / h, for the one-sided ones four times that. The scale is row r's
 * own values at the rule's points, never another row's: a small output beside a large one (1 beside 1e8) would
 * otherwise get the large one's noise floor and pass a wrong derivative. */
static int apply_rule(const fd_rule *rule, gsl_vector **buf, const int *have, size_t r, double h, double *d,
                      double *err) {
  double v[4], wsum = 0.0, f = 0.0;
  for (int k = 0; k < 4; k++) {
    int p = rule->point[k];
    if (!have[p]) return 0;
    v[k] = gsl_vector_get(buf[p], r);
    if (!isfinite(v[k])) return 0;
    wsum += fabs(rule->w1[k]);
    f = fmax(f, fabs(v[k]));
  }
  double d1 = weighted_difference(rule->w1, v, h), d2 = weighted_difference(rule->w2, v, h);
  *d = d1;
  *err = fabs(0.5 * d2 - 0.5 * d1) / 1.5 + 2.0 * wsum * (GSL_DBL_EPSILON * f + DBL_TRUE_MIN) / h;
  return isfinite(d1) && isfinite(*err);
}

/* f at x0 + offset h (x0 = x[j]) into buf[p], unless that point overflows; x[j] is put back to x0. */
static int evaluate_point(bp_fd_function f, void *params, gsl_vector *x, size_t j, double x0, double h, int p,
                          gsl_vector **buf, int *have) {
  double at = x0 + point_offset[p] * h;
  if (!isfinite(at)) return GSL_SUCCESS;
  gsl_vector_set(x, j, at);
  int status = f(x, buf[p], params);
  gsl_vector_set(x, j, x0);
  if (!status) have[p] = 1;
  return status;
}

static int central_column(bp_fd_function f, void *params, gsl_vector *x, size_t j, double x0, double h,
                          gsl_matrix *J, gsl_matrix *J_err, gsl_vector **buf) {
  int have[N_POINTS] = {0}, one_sided_ready = 0;
  int status = GSL_SUCCESS;
  for (int p = 0; p < 4 && !status; p++) status = evaluate_point(f, params, x, j, x0, h, p, buf, have);
  for (size_t r = 0; r < J->size1 && !status; r++) {
    double d = GSL_NAN, err = GSL_POSINF;
    int rule = 0;
    while (rule < N_RULES && !apply_rule(&rules[rule], buf, have, r, h, &d, &err)) {
      if (++rule == 1 && !one_sided_ready) { /* the one-sided rules need x, x - 4h and x + 4h too */
        for (int p = 4; p < N_POINTS && !status; p++)
          status = evaluate_point(f, params, x, j, x0, h, p, buf, have);
        one_sided_ready = 1;
        if (status) break;
      }
    }
    if (rule == N_RULES) d = GSL_NAN, err = GSL_POSINF;
    gsl_matrix_set(J, r, j, d);
    if (J_err) gsl_matrix_set(J_err, r, j, err);
  }
  return status;
}

/* ---- BP_FD_GSL --------------------------------------------------------------------------------------------------
 * gsl_deriv_central (points x +- h, x +- h/2); where its result is not finite (x + h overflows, or f does above x)
 * gsl_deriv_backward, then gsl_deriv_forward (points on one side only, never x itself). GSL's own arithmetic
 * (|f(x+h)| + |f(x-h)|, 62/3 (f3 - f2), f'(x) |x/h| ...) overflows for values near DBL_MAX: a rule whose values
 * were all finite but whose result was not is run again on the values scaled by 2^-16, exactly, and the result
 * unscaled. Each call differentiates the scalar y_r alone (gsl_adapter_eval returns y_r and nothing else), so GSL's
 * round-off term, built from |y_r| at its own points, is on row r's own scale, as in the central rule. */
static int gsl_column(bp_fd_function f, void *params, gsl_vector *x, size_t j, double x0, double h, gsl_matrix *J,
                      gsl_matrix *J_err, gsl_vector *y) {
  int (*const deriv[N_RULES])(const gsl_function *, double, double, double *, double *) = {
      gsl_deriv_central, gsl_deriv_backward, gsl_deriv_forward};
  const int usable[N_RULES] = {isfinite(x0 + h) && isfinite(x0 - h), isfinite(x0 - h), isfinite(x0 + h)};
  gsl_adapter a = {f, params, x, y, j, 0, 1.0, 0, GSL_SUCCESS};
  gsl_function F = {gsl_adapter_eval, &a};
  for (size_t r = 0; r < J->size1 && !a.status; r++) {
    double value = GSL_NAN, abserr = GSL_POSINF;
    a.r = r;
    for (int k = 0; k < N_RULES && !a.status; k++) {
      if (!usable[k]) continue;
      a.scale = 1.0;
      a.nonfinite = 0;
      deriv[k](&F, x0, h, &value, &abserr);
      if (!a.status && !a.nonfinite && !(isfinite(value) && isfinite(abserr))) {
        a.scale = 0x1p-16;
        deriv[k](&F, x0, h, &value, &abserr);
        value /= a.scale;
        abserr /= a.scale;
      }
      if (!a.status && isfinite(value) && isfinite(abserr)) break;
      value = GSL_NAN, abserr = GSL_POSINF;
    }
    gsl_matrix_set(J, r, j, value);
    if (J_err) gsl_matrix_set(J_err, r, j, abserr);
  }
  gsl_vector_set(x, j, x0);
  return a.status;
}

/* Column j of J and J_err. Central: D(h) and D(2h); D(2h) - D(h) = 3 c h^2 + O(h^4) estimates the truncation of
 * D(h), and 2 eps max|f_r| / h bounds its round-off when every value of f_r is within 2 ulp: the numerator
 * f_r(x+h) - f_r(x-h) then errs by at most 4 eps max|f_r|, the max over row r's own values at the rule's points.
 * (A function is rarely correct to 1 ulp -- exp(a - b) already rounds a - b first -- and GSL's central_deriv
 * allows the same, (|f(x+h)| + |f(x-h)|) eps / h.) Where the central points or values overflow, the one-sided
 * rules above take over. */
static int column(bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x, size_t j, gsl_matrix *J,
                  gsl_matrix *J_err, gsl_vector **buf) {
  double x0 = gsl_vector_get(x, j);
  double h = representable_step(x0, bp_fd_step(method, x0));
  if (method == BP_FD_CENTRAL) return central_column(f, params, x, j, x0, h, J, J_err, buf);
  return gsl_column(f, params, x, j, x0, h, J, J_err, buf[0]);
}

int bp_fd_jacobian(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, gsl_matrix *J, gsl_matrix *J_err) {
  bp_fd_function f = p->f;
  void *params = p->params;
  if ((unsigned)method >= BP_FD_N_METHODS) BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: unknown method %d", (int)method);
  if (J->size2 != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J has %zu columns but x has length %zu", J->size2, x->size);
  if (J_err && (J_err->size1 != J->size1 || J_err->size2 != J->size2))
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J_err is %zu x %zu but J is %zu x %zu", J_err->size1, J_err->size2,
             J->size1, J->size2);
  gsl_vector *buf[N_POINTS] = {NULL};
  int status = GSL_SUCCESS;
  for (int k = 0; k < N_POINTS && !status; k++)
    if ((buf[k] = bp_vector_alloc(J->size1)) == NULL) status = GSL_ENOMEM;
  for (size_t j = 0; j < x->size && !status; j++) status = column(method, f, params, x, j, J, J_err, buf);
  for (int k = 0; k < N_POINTS; k++)
    if (buf[k]) gsl_vector_free(buf[k]);
  return status;
}

/* ---- verdicts ---------------------------------------------------------------------------------------------- */

const char *bp_verdict_name(bp_verdict v) {
  switch (v) {
    case BP_VERDICT_PASS: return "PASS";
    case BP_VERDICT_FAIL: return "FAIL";
    case BP_VERDICT_NO_SIGNAL: return "NO SIGNAL";
  }
  return "UNKNOWN";
}

bp_tolerance bp_tolerance_default(void) { return (bp_tolerance){BP_RTOL_GOOD, BP_EST_FACTOR}; }
bp_tolerance bp_tolerance_identity(void) { return (bp_tolerance){BP_RTOL_IDENTITY, 0.0}; }

bp_gradcheck *bp_gradcheck_alloc(size_t size) {
  if (size == 0) {
    bp_error_set("a gradient check needs at least one entry");
    return NULL;
  }
  bp_gradcheck *gc = bp_calloc(1, sizeof *gc);
  if (gc == NULL) return NULL;
  gc->size = size;
  /* the failing allocation leaves its own "out of memory" message */
  int ok = (gc->passed = bp_vector_uchar_alloc(size)) != NULL && (gc->resolved = bp_vector_uchar_alloc(size)) != NULL &&
           (gc->analytic = bp_vector_alloc(size)) != NULL && (gc->numeric = bp_vector_alloc(size)) != NULL &&
           (gc->estimate = bp_vector_alloc(size)) != NULL && (gc->abs_err = bp_vector_alloc(size)) != NULL &&
           (gc->rel_err = bp_vector_alloc(size)) != NULL;
  if (!ok) {
    bp_gradcheck_free(gc);
    return NULL;
  }
  gc->tol = bp_tolerance_default();
  return gc;
}

void bp_gradcheck_free(bp_gradcheck *gc) {
  if (gc == NULL) return;
  gsl_vector *v[5] = {gc->analytic, gc->numeric, gc->estimate, gc->abs_err, gc->rel_err};
  for (int k = 0; k < 5; k++)
    if (v[k]) gsl_vector_free(v[k]);
  if (gc->passed) gsl_vector_uchar_free(gc->passed);
  if (gc->resolved) gsl_vector_uchar_free(gc->resolved);
  free(gc);
}

/* u s <= v t for finite u, v, s, t >= 0, decided as it would be if neither product could overflow or underflow:
 * each product is compared as a mantissa and a binary exponent. (An estimate near DBL_MAX times est_factor is
 * above DBL_MAX; |a - n| may be too. Compared as plain products, inf <= inf would pass any entry there.) */
static int product_le(double u, double s, double v, double t) {
  if (u == 0 || s == 0) return 1;
  if (v == 0 || t == 0) return 0;
  int eu, es, ev, et, k1, k2;
  double m1 = frexp(frexp(u, &eu) * frexp(s, &es), &k1);
  double m2 = frexp(frexp(v, &ev) * frexp(t, &et), &k2);
  long e1 = (long)eu + es + k1, e2 = (long)ev + et + k2;
  return (e1 != e2) ? e1 < e2 : m1 <= m2;
}

/* The measures of one finite entry: |a - n| = diff * dscale (dscale = 2 where a - n overflows), its true relative
 * error, whether it passes, whether the difference resolves relative error rtol there, and its failure margin
 * |a - n| / max(rtol max(|a|, |n|), est_factor e), > 1 exactly when it fails (up to rounding). */
typedef struct {
  double rel_err, margin;
  int passed, resolved;
} entry_measure;

static entry_measure measure_entry(double a, double n, double e, const bp_tolerance *tol) {
  entry_measure m;
  double size = fmax(fabs(a), fabs(n)), diff = fabs(a - n), dscale = 1.0;
  if (!isfinite(diff)) diff = fabs(0.5 * a - 0.5 * n), dscale = 2.0; /* |a|, |n| near DBL_MAX: halving is exact */
  m.rel_err = (size > 0) ? diff / (size / dscale) : 0.0;
  int within_estimate = product_le(diff, dscale, e, tol->est_factor);
  m.passed = m.rel_err <= tol->rtol || within_estimate;
  m.resolved = !product_le(size, tol->rtol, e, tol->est_factor);
  if (diff == 0) {
    m.margin = 0.0;
  } else {
    double by_estimate = GSL_POSINF; /* |a - n| / (est_factor e); inf when there is no estimate to lean on */
    if (e > 0 && tol->est_factor > 0) {
      by_estimate = (tol->est_factor >= 1) ? (diff / tol->est_factor) / e : (diff / e) / tol->est_factor;
      by_estimate *= dscale;
    }
    m.margin = fmin(m.rel_err / tol->rtol, by_estimate);
  }
  return m;
}

int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol) {
  if (!(tol->rtol > 0) || !isfinite(tol->rtol) || !(tol->est_factor >= 0) || !isfinite(tol->est_factor))
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_compare: rtol must be positive and est_factor non-negative, both finite");
  gc->tol = *tol;
  gc->n_failed = gc->n_nonfinite = gc->n_unresolved = gc->worst = 0;
  gc->max_abs_err = gc->max_rel_err = 0.0;
  double diff2 = 0.0, num2 = 0.0;
  int all_zero = 1;
  double worst_margin = -1.0;
  int worst_nonfinite = 0;
  /* The norms are summed scaled by a power of two (exact) so that squares near DBL_MAX cannot overflow. */
  double big = 0.0;
  for (size_t i = 0; i < gc->size; i++) {
    double a = gsl_vector_get(gc->analytic, i), n = gsl_vector_get(gc->numeric, i);
    if (isfinite(a) && isfinite(n)) big = fmax(big, fmax(fabs(a), fabs(n)));
  }
  double norm_scale = (big > 0) ? ldexp(1.0, -ilogb(big)) : 1.0;
  for (size_t i = 0; i < gc->size; i++) {
    double a = gsl_vector_get(gc->analytic, i), n = gsl_vector_get(gc->numeric, i);
    double e = fabs(gsl_vector_get(gc->estimate, i));
    double abs_err = fabs(a - n);
    int finite = isfinite(a) && isfinite(n) && isfinite(e);
    entry_measure m = {GSL_POSINF, GSL_POSINF, 0, 0}; /* a non-finite entry fails and is neither resolved nor not */
    if (finite) {
      m = measure_entry(a, n, e, tol);
      double d = a * norm_scale - n * norm_scale, ns = n * norm_scale;
      diff2 += d * d;
      num2 += ns * ns;
      gc->max_abs_err = fmax(gc->max_abs_err, abs_err);
      if (m.resolved)
        gc->max_rel_err = fmax(gc->max_rel_err, m.rel_err);
      else
        gc->n_unresolved++;
    } else {
      gc->n_nonfinite++;
      gc->max_rel_err = GSL_POSINF;
    }
    gsl_vector_set(gc->abs_err, i, abs_err);
    gsl_vector_set(gc->rel_err, i, m.rel_err);
    gsl_vector_uchar_set(gc->passed, i, (unsigned char)m.passed);
    gsl_vector_uchar_set(gc->resolved, i, (unsigned char)m.resolved);
    if (!m.passed) gc->n_failed++;
    if (a != 0.0) all_zero = 0;
    /* the worst: the first non-finite entry if there is one, else the largest margin (the first of equals) */
    if (!worst_nonfinite && (!finite || m.margin > worst_margin)) {
      gc->worst = i;
      worst_margin = m.margin;
      worst_nonfinite = !finite;
    }
  }
  if (gc->n_nonfinite > 0)
    gc->norm_rel_err = GSL_POSINF;
  else
    gc->norm_rel_err = (num2 > 0) ? sqrt(diff2 / num2) : (diff2 > 0 ? GSL_POSINF : 0.0);
  if (gc->n_failed > 0)
    gc->verdict = BP_VERDICT_FAIL;
  else if (all_zero)
    gc->verdict = BP_VERDICT_NO_SIGNAL;
  else
    gc->verdict = BP_VERDICT_PASS;
  return GSL_SUCCESS;
}

int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                          const gsl_matrix *J_analytic, const bp_tolerance *tol) {
  size_t m = J_analytic->size1, n = J_analytic->size2;
  if (n != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_jacobian: the analytic Jacobian has %zu columns but x has length %zu", n,
             x->size);
  if (gc->size != m * n)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_jacobian: the check holds %zu entries, the Jacobian %zu x %zu", gc->size, m,
             n);
  gsl_matrix_view a = gsl_matrix_view_vector(gc->analytic, m, n);
  gsl_matrix_view num = gsl_matrix_view_vector(gc->numeric, m, n);
  gsl_matrix_view est = gsl_matrix_view_vector(gc->estimate, m, n);
  gsl_matrix_memcpy(&a.matrix, J_analytic);
  int status = bp_fd_jacobian(method, p, x, &num.matrix, &est.matrix);
  if (status) return status;
  return bp_gradcheck_compare(gc, tol);
}
