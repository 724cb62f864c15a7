/* fd.c - numeric Jacobians with error estimates, and the entry-by-entry verdict. */
#include "fd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_machine.h>

#include "core.h"

static const char *const method_names[BP_FD_N_METHODS] = {"central", "gsl"};

const char *bp_fd_method_name(bp_fd_method method) {
  return ((unsigned)method < BP_FD_N_METHODS) ? method_names[method] : "unknown";
}

int bp_fd_method_parse(const char *name, bp_fd_method *method) {
  for (int k = 0; k < BP_FD_N_METHODS; k++)
    if (strcmp(name, method_names[k]) == 0) {
      *method = (bp_fd_method)k;
      return GSL_SUCCESS;
    }
  BP_ERROR(GSL_EINVAL, "unknown method '%s' (expected central or gsl)", name);
}

/* Central differences balance truncation h^2 |f'''| against round-off eps |f| / h: h ~ eps^(1/3), scaled to the
 * coordinate so that x + h differs from x in the same relative place for large and small |x|. The 5-point rule
 * of gsl_deriv_central balances h^4 against eps / h: eps^(1/5); GSL then adapts it. */
double bp_fd_step(bp_fd_method method, double x) {
  double scale = fmax(fabs(x), 1.0);
  return (method == BP_FD_GSL) ? GSL_ROOT5_DBL_EPSILON * scale : GSL_ROOT3_DBL_EPSILON * scale;
}

/* A step that is exactly representable as (x + h) - x, so the denominator is the true distance moved. */
static double representable_step(double x, double h) {
  volatile double moved = x + h;
  return moved - x;
}

static double max_abs(const gsl_vector *v) {
  double m = 0.0;
  for (size_t r = 0; r < v->size; r++) m = fmax(m, fabs(gsl_vector_get(v, r)));
  return m;
}

typedef struct {
  bp_fd_function f;
  void *params;
  gsl_vector *x, *y;
  size_t j, r;
  int status;
} gsl_adapter;

/* gsl_function for y_r as a function of x_j alone. */
static double gsl_adapter_eval(double v, void *p) {
  gsl_adapter *a = p;
  gsl_vector_set(a->x, a->j, v);
  int status = a->f(a->x, a->y, a->params);
  if (status && !a->status) a->status = status;
  return status ? GSL_NAN : gsl_vector_get(a->y, a->r);
}

/* Column j of J and J_err. Central: D(h) and D(2h); D(2h) - D(h) = 3 c h^2 + O(h^4) estimates the truncation of
 * D(h), and 2 eps max|f| / h bounds its round-off when every value of f is within 2 ulp: the numerator
 * f(x+h) - f(x-h) then errs by at most 4 eps max|f|. (A function is rarely correct to 1 ulp -- exp(a - b) already
 * rounds a - b first -- and GSL's central_deriv allows the same, (|f(x+h)| + |f(x-h)|) eps / h.) */
static int column(bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x, size_t j, gsl_matrix *J,
                  gsl_matrix *J_err, gsl_vector **buf) {
  double x0 = gsl_vector_get(x, j);
  double h = representable_step(x0, bp_fd_step(method, x0));
  size_t m = J->size1;
  int status = GSL_SUCCESS;
  if (method == BP_FD_CENTRAL) {
    static const double offsets[4] = {1.0, -1.0, 2.0, -2.0};
    for (int k = 0; k < 4 && !status; k++) {
      gsl_vector_set(x, j, x0 + offsets[k] * h);
      status = f(x, buf[k], params);
    }
    gsl_vector_set(x, j, x0);
    if (status) return status;
    double fmax_abs = fmax(fmax(max_abs(buf[0]), max_abs(buf[1])), fmax(max_abs(buf[2]), max_abs(buf[3])));
    for (size_t r = 0; r < m; r++) {
      double d1 = (gsl_vector_get(buf[0], r) - gsl_vector_get(buf[1], r)) / (2.0 * h);
      double d2 = (gsl_vector_get(buf[2], r) - gsl_vector_get(buf[3], r)) / (4.0 * h);
      gsl_matrix_set(J, r, j, d1);
      if (J_err) gsl_matrix_set(J_err, r, j, fabs(d2 - d1) / 3.0 + 2.0 * GSL_DBL_EPSILON * fmax_abs / h);
    }
    return GSL_SUCCESS;
  }
  gsl_adapter a = {f, params, x, buf[0], j, 0, GSL_SUCCESS};
  gsl_function F = {gsl_adapter_eval, &a};
  for (size_t r = 0; r < m && !a.status; r++) {
    double value = 0.0, abserr = 0.0;
    a.r = r;
    gsl_deriv_central(&F, x0, h, &value, &abserr);
    gsl_matrix_set(J, r, j, value);
    if (J_err) gsl_matrix_set(J_err, r, j, abserr);
  }
  gsl_vector_set(x, j, x0);
  return a.status;
}

int bp_fd_jacobian(bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x, gsl_matrix *J,
                   gsl_matrix *J_err) {
  if ((unsigned)method >= BP_FD_N_METHODS) BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: unknown method %d", (int)method);
  if (J->size2 != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J has %zu columns but x has length %zu", J->size2, x->size);
  if (J_err && (J_err->size1 != J->size1 || J_err->size2 != J->size2))
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J_err is %zu x %zu but J is %zu x %zu", J_err->size1, J_err->size2,
             J->size1, J->size2);
  gsl_vector *buf[4] = {NULL, NULL, NULL, NULL};
  int status = GSL_SUCCESS;
  for (int k = 0; k < 4 && !status; k++)
    if ((buf[k] = bp_vector_alloc(J->size1)) == NULL) status = GSL_ENOMEM;
  for (size_t j = 0; j < x->size && !status; j++) status = column(method, f, params, x, j, J, J_err, buf);
  for (int k = 0; k < 4; k++)
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
  bp_gradcheck *gc = calloc(1, sizeof *gc);
  if (gc == NULL) {
    bp_error_set("out of memory allocating a gradient check");
    return NULL;
  }
  gc->size = size;
  gsl_error_handler_t *saved = gsl_set_error_handler_off();
  gc->passed = (size > 0) ? gsl_vector_uchar_calloc(size) : NULL;
  gsl_set_error_handler(saved);
  gc->analytic = bp_vector_alloc(size);
  gc->numeric = bp_vector_alloc(size);
  gc->estimate = bp_vector_alloc(size);
  gc->abs_err = bp_vector_alloc(size);
  gc->rel_err = bp_vector_alloc(size);
  if (!gc->passed || !gc->analytic || !gc->numeric || !gc->estimate || !gc->abs_err || !gc->rel_err) {
    bp_gradcheck_free(gc);
    bp_error_set("cannot allocate a gradient check of %zu entries", size);
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
  free(gc);
}

int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol) {
  if (!(tol->rtol > 0) || !(tol->est_factor >= 0))
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_compare: rtol must be positive and est_factor non-negative");
  gc->tol = *tol;
  gc->n_failed = gc->n_nonfinite = gc->worst = 0;
  gc->max_abs_err = gc->max_rel_err = 0.0;
  double diff2 = 0.0, num2 = 0.0;
  int all_zero = 1;
  double worst_rel = -1.0;
  for (size_t i = 0; i < gc->size; i++) {
    double a = gsl_vector_get(gc->analytic, i), n = gsl_vector_get(gc->numeric, i);
    double e = fabs(gsl_vector_get(gc->estimate, i));
    double abs_err = fabs(a - n), rel_err;
    int finite = isfinite(a) && isfinite(n) && isfinite(e);
    if (!finite) {
      rel_err = GSL_POSINF;
      gc->n_nonfinite++;
    } else {
      double scale = fmax(fmax(fabs(a), fabs(n)), tol->est_factor * e / tol->rtol);
      rel_err = (scale > 0) ? abs_err / scale : 0.0;
      diff2 += (a - n) * (a - n);
      num2 += n * n;
    }
    int passed = finite && rel_err <= tol->rtol;
    gsl_vector_set(gc->abs_err, i, abs_err);
    gsl_vector_set(gc->rel_err, i, rel_err);
    gsl_vector_uchar_set(gc->passed, i, (unsigned char)passed);
    if (!passed) gc->n_failed++;
    if (a != 0.0) all_zero = 0;
    if (finite) gc->max_abs_err = fmax(gc->max_abs_err, abs_err);
    if (rel_err > worst_rel) { /* a non-finite entry has rel_err = inf and is kept as the first worst */
      gc->worst = i;
      worst_rel = rel_err;
    }
    gc->max_rel_err = fmax(gc->max_rel_err, rel_err);
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

int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, bp_fd_function f, void *params, gsl_vector *x,
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
  int status = bp_fd_jacobian(method, f, params, x, &num.matrix, &est.matrix);
  if (status) return status;
  return bp_gradcheck_compare(gc, tol);
}
