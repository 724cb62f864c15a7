/* gradcheck.c - the entry-by-entry comparison of an analytic gradient with finite differences, and its verdict. */
#include "gradcheck.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_machine.h>
#include <gsl/gsl_math.h>

#include "core.h"

/* Probes the failing entries of a Jacobian check (entry r * n + c, coordinate j = columns[c] or c) and turns FAIL into NOT SMOOTH when every
 * failing entry is at a kink. */
static int probe_failures(bp_gradcheck *gc, const bp_fd_problem *p, gsl_vector *x, size_t m, const size_t *columns,
                          size_t n) {
  gc->n_nonsmooth = 0;
  if (gc->verdict != BP_VERDICT_FAIL) return GSL_SUCCESS;
  gsl_vector *y = bp_vector_alloc(m);
  if (y == NULL) return GSL_ENOMEM;
  int status = GSL_SUCCESS;
  for (size_t i = 0; i < gc->size && !status; i++) {
    int kink = 0;
    if (!gsl_vector_uchar_get(gc->passed, i) && isfinite(gsl_vector_get(gc->numeric, i)))
      status = bp_fd_probe_kink(p, x, columns ? columns[i % n] : i % n, i / n, y, &kink);
    gsl_vector_uchar_set(gc->nonsmooth, i, (unsigned char)kink);
    gc->n_nonsmooth += (size_t)kink;
  }
  gsl_vector_free(y);
  if (!status && gc->n_nonsmooth == gc->n_failed) gc->verdict = BP_VERDICT_NOT_SMOOTH;
  return status;
}

/* ---- verdicts ---------------------------------------------------------------------------------------------- */

const char *bp_rel_err_band(double rel_err) {
  if (!(rel_err <= 1e-2)) return "wrong";
  if (rel_err > 1e-4) return "suspicious";
  if (rel_err > BP_RTOL_GOOD) return "fine only at kinks";
  return "good";
}

const char *bp_gradcheck_entry_verdict(const bp_gradcheck *gc, size_t k) {
  if (gsl_vector_uchar_get(gc->passed, k)) return "PASS";
  return gsl_vector_uchar_get(gc->nonsmooth, k) ? "NOT SMOOTH" : "FAIL";
}

void bp_gradcheck_entry_band(const bp_gradcheck *gc, size_t k, char *buf, size_t len) {
  if (gsl_vector_uchar_get(gc->resolved, k) || !isfinite(gsl_vector_get(gc->rel_err, k)))
    snprintf(buf, len, "%s", bp_rel_err_band(gsl_vector_get(gc->rel_err, k)));
  else if (gsl_vector_uchar_get(gc->judged, k) == BP_JUDGED_FLOOR)
    snprintf(buf, len, "below the analytic side's rounding: judged by |a - n| <= %g eps x what it sums",
             gc->tol.floor_ulps);
  else
    snprintf(buf, len, "below the difference's resolution: judged by |a - n| <= %g x its estimate", gc->tol.est_factor);
}

const char *bp_verdict_name(bp_verdict v) {
  switch (v) {
  case BP_VERDICT_PASS: return "PASS";
  case BP_VERDICT_FAIL: return "FAIL";
  case BP_VERDICT_NO_SIGNAL: return "NO SIGNAL";
  case BP_VERDICT_NOT_SMOOTH: return "NOT SMOOTH";
  }
  return "UNKNOWN";
}

bp_tolerance bp_tolerance_default(void) { return (bp_tolerance){BP_RTOL_GOOD, BP_EST_FACTOR, BP_FLOOR_ULPS}; }
bp_tolerance bp_tolerance_identity(void) { return (bp_tolerance){BP_RTOL_IDENTITY, 0.0, 0.0}; }

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
           (gc->nonsmooth = bp_vector_uchar_alloc(size)) != NULL &&
           (gc->judged = bp_vector_uchar_alloc(size)) != NULL && (gc->floor = bp_vector_alloc(size)) != NULL &&
           (gc->scale = bp_vector_alloc(size)) != NULL && (gc->block = bp_calloc(size, sizeof *gc->block)) != NULL &&
           (gc->block_scale = bp_calloc(size, sizeof *gc->block_scale)) != NULL &&
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
  gsl_vector *v[7] = {gc->analytic, gc->numeric, gc->estimate, gc->abs_err, gc->rel_err, gc->floor, gc->scale};
  for (int k = 0; k < 7; k++)
    if (v[k]) gsl_vector_free(v[k]);
  gsl_vector_uchar *u[4] = {gc->passed, gc->resolved, gc->nonsmooth, gc->judged};
  for (int k = 0; k < 4; k++)
    if (u[k]) gsl_vector_uchar_free(u[k]);
  free(gc->block);
  free(gc->block_scale);
  free(gc);
}

int bp_gradcheck_set_blocks(bp_gradcheck *gc, const size_t *block) {
  for (size_t k = 0; block && k < gc->size; k++)
    if (block[k] >= gc->size)
      BP_ERROR(GSL_EINVAL, "bp_gradcheck_set_blocks: entry %zu's block %zu is not below the %zu entries", k, block[k],
               gc->size);
  for (size_t k = 0; k < gc->size; k++) gc->block[k] = block ? block[k] : 0;
  gc->blocks_given = block != NULL;
  return GSL_SUCCESS;
}

int bp_gradcheck_set_scale(bp_gradcheck *gc, const gsl_vector *scale) {
  if (scale && scale->size != gc->size)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_set_scale: %zu scales for %zu entries", scale->size, gc->size);
  for (size_t k = 0; scale && k < gc->size; k++)
    if (!(gsl_vector_get(scale, k) >= 0) || !isfinite(gsl_vector_get(scale, k)))
      BP_ERROR(GSL_EINVAL, "bp_gradcheck_set_scale: entry %zu's scale %g is not finite and non-negative", k,
               gsl_vector_get(scale, k));
  if (scale) gsl_vector_memcpy(gc->scale, scale);
  gc->scale_given = scale != NULL;
  return GSL_SUCCESS;
}

const char *bp_gradcheck_judged_by(const bp_gradcheck *gc, size_t k) {
  switch (gsl_vector_uchar_get(gc->judged, k)) {
  case BP_JUDGED_REL_ERR: return "rel_err";
  case BP_JUDGED_FLOOR: return "floor";
  default: return "estimate";
  }
}

/* u s <= v t for finite u, v, s, t >= 0, decided as it would be if neither product could overflow or underflow:
 * each product is compared as a mantissa and a binary exponent. (An estimate near DBL_MAX times est_factor is
 * above DBL_MAX; |a - n| may be too. Compared as plain products, inf <= inf would pass any entry there.) */
static int product_le(double u, double s, double v, double t) {
  if (u == 0 || s == 0) return 1;
  if (v == 0 || t == 0) return 0;
  double p1 = u * s, p2 = v * t; /* both normal: rounded as the mantissas' product is, the same comparison */
  if (p1 >= DBL_MIN && p2 >= DBL_MIN && p1 <= DBL_MAX && p2 <= DBL_MAX) return p1 <= p2;
  int eu, es, ev, et, k1, k2;
  double m1 = frexp(frexp(u, &eu) * frexp(s, &es), &k1);
  double m2 = frexp(frexp(v, &ev) * frexp(t, &et), &k2);
  long e1 = (long)eu + es + k1, e2 = (long)ev + et + k2;
  return (e1 != e2) ? e1 < e2 : m1 <= m2;
}

/* The measures of one finite entry with floor fl: |a - n| = diff * dscale (dscale = 2 where a - n overflows), its
 * true relative error, whether it passes, how it is judged (resolved: rtol max(|a|, |n|) exceeds both est_factor e
 * and fl), and its failure margin |a - n| / max(rtol max(|a|, |n|), est_factor e, fl), > 1 exactly when it fails
 * (up to rounding). */
typedef struct {
  double rel_err, margin;
  int passed;
  bp_judged_by judged;
} entry_measure;

static entry_measure measure_entry(double a, double n, double e, double fl, const bp_tolerance *tol) {
  entry_measure m;
  double size = fmax(fabs(a), fabs(n)), diff = fabs(a - n), dscale = 1.0;
  if (!isfinite(diff)) diff = fabs(0.5 * a - 0.5 * n), dscale = 2.0; /* |a|, |n| near DBL_MAX: halving is exact */
  m.rel_err = (size > 0) ? diff / (size / dscale) : 0.0;
  int within_estimate = product_le(diff, dscale, e, tol->est_factor), within_floor = product_le(diff, dscale, fl, 1.0);
  m.passed = m.rel_err <= tol->rtol || within_estimate || within_floor;
  if (!product_le(size, tol->rtol, e, tol->est_factor) && !product_le(size, tol->rtol, fl, 1.0))
    m.judged = BP_JUDGED_REL_ERR;
  else
    m.judged = product_le(fl, 1.0, e, tol->est_factor) ? BP_JUDGED_ESTIMATE : BP_JUDGED_FLOOR;
  if (diff == 0) {
    m.margin = 0.0;
  } else {
    double by_estimate = GSL_POSINF; /* |a - n| / (est_factor e); inf when there is no estimate to lean on */
    if (e > 0 && tol->est_factor > 0) {
      by_estimate = (tol->est_factor >= 1) ? (diff / tol->est_factor) / e : (diff / e) / tol->est_factor;
      by_estimate *= dscale;
    }
    double by_floor = (fl > 0) ? (diff / fl) * dscale : GSL_POSINF;
    m.margin = fmin(fmin(m.rel_err / tol->rtol, by_estimate), by_floor);
  }
  return m;
}

/* Entry k's block: the caller's, else its row of row_len entries (a Jacobian), else itself (row_len 0). */
static size_t block_of(const bp_gradcheck *gc, size_t k, size_t row_len) {
  return gc->blocks_given ? gc->block[k] : row_len ? k / row_len : k;
}

/* floor[k] = floor_ulps eps times the caller's scale of k, or the largest finite |n| of k's block. */
static void set_floors(bp_gradcheck *gc, const bp_tolerance *tol, size_t row_len) {
  for (size_t k = 0; k < gc->size; k++) gc->block_scale[k] = 0.0;
  for (size_t k = 0; k < gc->size; k++) {
    size_t b = block_of(gc, k, row_len);
    double a = gsl_vector_get(gc->analytic, k), n = gsl_vector_get(gc->numeric, k);
    if (isfinite(a) && isfinite(n)) gc->block_scale[b] = fmax(gc->block_scale[b], fabs(n));
  }
  double ulps = fmin(tol->floor_ulps * GSL_DBL_EPSILON, 1.0);
  for (size_t k = 0; k < gc->size; k++)
    gsl_vector_set(gc->floor, k,
                   ulps * (gc->scale_given ? gsl_vector_get(gc->scale, k) : gc->block_scale[block_of(gc, k, row_len)]));
}

double bp_gradcheck_entry_margin(const bp_gradcheck *gc, size_t k) {
  double a = gsl_vector_get(gc->analytic, k), n = gsl_vector_get(gc->numeric, k);
  double e = fabs(gsl_vector_get(gc->estimate, k));
  if (!isfinite(a) || !isfinite(n) || !isfinite(e)) return GSL_POSINF;
  return measure_entry(a, n, e, gsl_vector_get(gc->floor, k), &gc->tol).margin;
}

static int compare(bp_gradcheck *gc, const bp_tolerance *tol, size_t row_len) {
  if (!(tol->rtol > 0) || !isfinite(tol->rtol) || !(tol->est_factor >= 0) || !isfinite(tol->est_factor) ||
      !(tol->floor_ulps >= 0) || !isfinite(tol->floor_ulps))
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_compare: rtol must be positive, est_factor and floor_ulps non-negative, all "
                         "finite");
  gc->tol = *tol;
  gc->n_failed = gc->n_nonfinite = gc->n_unresolved = gc->n_floor = gc->n_nonsmooth = gc->worst = 0;
  set_floors(gc, tol, row_len);
  gsl_vector_uchar_set_zero(gc->nonsmooth);
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
    entry_measure m = {GSL_POSINF, GSL_POSINF, 0, BP_JUDGED_NONFINITE}; /* fails; neither resolved nor not */
    if (finite) {
      m = measure_entry(a, n, e, gsl_vector_get(gc->floor, i), tol);
      double d = a * norm_scale - n * norm_scale, ns = n * norm_scale;
      diff2 += d * d;
      num2 += ns * ns;
      gc->max_abs_err = fmax(gc->max_abs_err, abs_err);
      if (m.judged == BP_JUDGED_REL_ERR)
        gc->max_rel_err = fmax(gc->max_rel_err, m.rel_err);
      else
        gc->n_unresolved++;
      gc->n_floor += m.judged == BP_JUDGED_FLOOR;
    } else {
      gc->n_nonfinite++;
      gc->max_rel_err = GSL_POSINF;
    }
    gsl_vector_set(gc->abs_err, i, abs_err);
    gsl_vector_set(gc->rel_err, i, m.rel_err);
    gsl_vector_uchar_set(gc->passed, i, (unsigned char)m.passed);
    gsl_vector_uchar_set(gc->resolved, i, (unsigned char)(m.judged == BP_JUDGED_REL_ERR));
    gsl_vector_uchar_set(gc->judged, i, (unsigned char)m.judged);
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

/* The automatic step's search ends after the method's own step for an entry that passes there and that no other
 * step could turn into a failure:
 *   it is resolved (its estimate can tell a relative error of rtol);
 *   or it agrees to rtol whatever the true derivative within the estimate: |a - n| + e <= rtol max(|a|, |n|), so
 *   another step's value, within its own estimate of the same true derivative, can fail it only if this estimate
 *   did not bound the error;
 *   or no trial step is predicted to resolve it (fd.c: its best reachable estimate leaves it below resolution).
 * A failing entry, or one a larger or smaller step might still show wrong, gets every step.
 * Richardson always searches every step: its point is the accuracy (1e-12) beyond what the verdict needs. */
typedef struct {
  const gsl_matrix *J_analytic;
  const bp_tolerance *tol;
  const bp_gradcheck *gc; /* the floor: known here only where the caller gave the scale (else none, stricter) */
} settle_context;

static int entry_settled(size_t r, size_t c, double d, double err, double best_err, void *context) {
  const settle_context *sc = context;
  double a = gsl_matrix_get(sc->J_analytic, r, c);
  if (!(isfinite(a) && isfinite(d) && isfinite(err) && isfinite(best_err))) return 0;
  double fl = sc->gc->scale_given ? fmin(sc->tol->floor_ulps * GSL_DBL_EPSILON, 1.0) *
                                        gsl_vector_get(sc->gc->scale, r * sc->J_analytic->size2 + c)
                                  : 0.0;
  entry_measure m = measure_entry(a, d, err, fl, sc->tol);
  if (!m.passed) return 0;
  double size = fmax(fabs(a), fabs(d));
  return m.judged == BP_JUDGED_REL_ERR || fabs(a - d) + err <= sc->tol->rtol * size ||
         product_le(size, sc->tol->rtol, best_err, sc->tol->est_factor);
}

int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol) { return compare(gc, tol, 0); }

int bp_gradcheck_jacobian_with(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                               const bp_fd_options *opt, const gsl_matrix *J_analytic, const bp_tolerance *tol) {
  size_t m = J_analytic->size1, n = J_analytic->size2;
  size_t n_cols = (opt && opt->columns) ? opt->n_columns : x->size;
  if (n != n_cols)
    BP_ERROR(GSL_EBADLEN,
             "bp_gradcheck_jacobian: the analytic Jacobian has %zu columns but %zu coordinates are "
             "differentiated",
             n, n_cols);
  if (gc->size != m * n)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_jacobian: the check holds %zu entries, the Jacobian %zu x %zu", gc->size, m, n);
  gsl_matrix_view a = gsl_matrix_view_vector(gc->analytic, m, n);
  gsl_matrix_view num = gsl_matrix_view_vector(gc->numeric, m, n);
  gsl_matrix_view est = gsl_matrix_view_vector(gc->estimate, m, n);
  gsl_matrix_memcpy(&a.matrix, J_analytic);
  if (!(tol->rtol > 0) || !isfinite(tol->rtol) || !(tol->est_factor >= 0) || !isfinite(tol->est_factor) ||
      !(tol->floor_ulps >= 0) || !isfinite(tol->floor_ulps))
    return bp_gradcheck_compare(gc, tol); /* the message for a bad tolerance, before any evaluation */
  settle_context sc = {J_analytic, tol, gc};
  bp_fd_options o = opt ? *opt : bp_fd_options_default();
  if (o.settled == NULL && method != BP_FD_RICHARDSON) o.settled = entry_settled, o.settled_context = &sc;
  size_t evaluations = 0;
  o.evaluations = &evaluations;
  int status = bp_fd_jacobian_with(method, p, x, &o, &num.matrix, &est.matrix);
  gc->evaluations = evaluations;
  if (opt && opt->evaluations) *opt->evaluations = evaluations;
  if (!status) status = compare(gc, tol, n);
  if (!status) status = probe_failures(gc, p, x, m, (opt && opt->columns) ? opt->columns : NULL, n);
  return status;
}

int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                          const gsl_matrix *J_analytic, const bp_tolerance *tol) {
  return bp_gradcheck_jacobian_with(gc, method, p, x, NULL, J_analytic, tol);
}
