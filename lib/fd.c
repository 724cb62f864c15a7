/* fd.c - numeric Jacobians with error estimates (the verdict is gradcheck.c). */
#include "fd.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_complex_math.h>
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

/* ---- steps ------------------------------------------------------------------------------------------------------
 * Each rule's step balances its truncation against round-off, eps |f| / h, and is scaled to the coordinate so that
 * x + h differs from x in the same relative place for large and small |x|:
 *   forward     O(h) truncation, eps / h round-off        h = eps^(1/2) max(|x|, 1)  ~ 1.5e-8
 *   central     O(h^2)                                     h = eps^(1/3) max(|x|, 1)  ~ 6.1e-6
 *   richardson  O(h^8) after three extrapolations          h = eps^(1/9) max(|x|, 1)  ~ 1.8e-2
 *   gsl         O(h^4), 5 points, then GSL adapts h        h = eps^(1/5) max(|x|, 1)  ~ 7.4e-4
 *   complex     O(h^2) truncation but NO subtraction, so no round-off grows as h shrinks: any tiny h will do; a
 *               power of two (exact division) near 2^-66 max(|x|, 1) ~ 1.4e-20, where h^2 |f'''| is negligible. */
static double base_step(bp_fd_method method) {
  switch (method) {
  case BP_FD_FORWARD: return GSL_SQRT_DBL_EPSILON;
  case BP_FD_RICHARDSON: return 1.8227016243e-2; /* eps^(1/9) = 2^(-52/9) */
  case BP_FD_COMPLEX: return 0x1p-66;
  case BP_FD_GSL: return GSL_ROOT5_DBL_EPSILON;
  default: return GSL_ROOT3_DBL_EPSILON;
  }
}

double bp_fd_step(bp_fd_method method, double x) {
  double scale = fmax(fabs(x), 1.0);
  if (method == BP_FD_COMPLEX) return ldexp(1.0, ilogb(scale) - 66);
  return base_step(method) * scale;
}

double bp_fd_relative_step(bp_fd_method method) { return base_step(method); }

/* A step that is exactly representable as (x + h) - x, so the denominator is the true distance moved. Near
 * DBL_MAX, where x + h overflows, the step is measured on the other side: x - (x - h). */
static double representable_step(double x, double h) {
  volatile double moved = x + h;
  if (isfinite(moved)) return moved - x;
  moved = x - h;
  return x - moved;
}

/* A function that returns GSL_EDOM or GSL_ERANGE at a perturbed point says the point is outside its domain (log of
 * x + 16h < 0, a naive error that overflows there): the rules that need the point are skipped, as for a point that
 * overflows. Any other status stops the difference and is passed on. */
static int outside_domain(int status) { return status == GSL_EDOM || status == GSL_ERANGE; }

/* Where columns are computed: the problem, x, and one thread's buffers, workspace and count of evaluations. */
enum { N_POINTS = 11, RULE_POINTS = 10 };
typedef struct {
  const bp_fd_problem *p;
  const bp_fd_moves *mv; /* the problem's moves when the method uses them, else NULL */
  void *work;            /* this thread's workspace of the moves */
  gsl_vector *x;
  gsl_vector *buf[N_POINTS], *d, *err, *d0, *best;
  gsl_vector_complex *z, *w;
  size_t evaluations;
} fd_worker;

/* y = f(x + t e_j) with x_j = x0 + t = at: by the problem's moves when it has them (x untouched), else by setting
 * x_j and restoring it. */
static int eval_at(fd_worker *wk, size_t j, double x0, double at, gsl_vector *y) {
  wk->evaluations++;
  if (wk->mv) return wk->mv->moved(wk->x, j, at - x0, y, wk->work);
  gsl_vector_set(wk->x, j, at);
  int status = wk->p->f(wk->x, y, wk->p->params);
  gsl_vector_set(wk->x, j, x0);
  return status;
}

typedef struct {
  fd_worker *wk;
  gsl_vector *y;
  size_t j, r;
  double x0;
  double scale;  /* a power of two applied to every value (values near DBL_MAX), undone on the result */
  int nonfinite; /* some value was inf or NaN */
  int status;
  int n_seen; /* values returned since the last reset, the first 8 kept (GSL's two rounds of 4) */
  double at[8], y_at[8];
} gsl_adapter;

/* gsl_function for scale * y_r as a function of x_j alone. */
static double gsl_adapter_eval(double v, void *p) {
  gsl_adapter *a = p;
  int status = eval_at(a->wk, a->j, a->x0, v, a->y);
  if (status && !outside_domain(status) && !a->status) a->status = status;
  double y = status ? GSL_NAN : gsl_vector_get(a->y, a->r);
  if (!isfinite(y)) a->nonfinite = 1;
  if (a->n_seen < 8) a->at[a->n_seen] = v, a->y_at[a->n_seen] = a->scale * y;
  a->n_seen++;
  return a->scale * y;
}

/* ---- difference rules on a grid of points x0 + k h --------------------------------------------------------------
 * A rule takes up to ten of the points k in {1, -1, 2, -2, 0, 4, -4, 8, -8, 16, -16} and gives D = sum_k w_k f_k / h and a
 * companion C = sum_k c_k f_k / h, the same rule at twice the step, so that |C - D| / trunc_div estimates D's
 * truncation:
 *   central     D(h) = (f(x+h) - f(x-h)) / 2h                 = f' + h^2 f'''/6 + ...;  D(2h) - D(h) = 3 c h^2
 *   backward2   D(h) = (3 f(x) - 4 f(x-h) + f(x-2h)) / 2h     = f' - h^2 f'''/3 + ...   (near overflow)
 *   forward2    D(h) = (-3 f(x) + 4 f(x+h) - f(x+2h)) / 2h    = f' - h^2 f'''/3 + ...
 *   forward     D(h) = (f(x+h) - f(x)) / h                     = f' + h f''/2 + ...;    D(2h) - D(h) = c h
 *   backward    D(h) = (f(x) - f(x-h)) / h                     (where x + h overflows)
 *   richardson  R(h) of order h^8 from central differences at h .. 8h (below); R(2h) - R(h) = 255 c h^8, and the
 *               estimate is |R(2h) - R(h)| itself, not divided by 255 (below)
 * Round-off: each value within 2 ulp of f, an ulp at least DBL_TRUE_MIN (subnormal values are accurate only
 * absolutely), so D errs by at most 2 sum_k |w_k| (eps max_k |f_r(k)| + DBL_TRUE_MIN) / h. The scale is row r's own
 * values at the rule's points, never another row's: a small output beside a large one (1 beside 1e8) would
 * otherwise get the large one's noise floor and pass a wrong derivative. */
static const double point_offset[N_POINTS] = {1.0, -1.0, 2.0, -2.0, 0.0, 4.0, -4.0, 8.0, -8.0, 16.0, -16.0};

typedef struct {
  int n, point[RULE_POINTS];
  double w[RULE_POINTS], c[RULE_POINTS];
  double trunc_div;
} fd_rule;

static const fd_rule rule_central = {4, {0, 1, 2, 3}, {0.5, -0.5, 0.0, 0.0}, {0.0, 0.0, 0.25, -0.25}, 3.0};
static const fd_rule rule_backward2 = {4, {4, 1, 3, 6}, {1.5, -2.0, 0.5, 0.0}, {0.75, 0.0, -1.0, 0.25}, 3.0};
static const fd_rule rule_forward2 = {4, {4, 0, 2, 5}, {-1.5, 2.0, -0.5, 0.0}, {-0.75, 0.0, 1.0, -0.25}, 3.0};
static const fd_rule rule_forward = {3, {4, 0, 2}, {-1.0, 1.0, 0.0}, {-0.5, 0.0, 0.5}, 1.0};
static const fd_rule rule_backward = {3, {4, 1, 3}, {1.0, -1.0, 0.0}, {0.5, 0.0, -0.5}, 1.0};
/* Richardson on central differences: with D(h) = (f1 - f-1) / 2h, R1(h) = (4 D(h) - D(2h)) / 3 is of order h^4,
 * R2(h) = (16 R1(h) - R1(2h)) / 15 of order h^6 and R(h) = (64 R2(h) - R2(2h)) / 63 of order h^8; as weights on
 * f(x +- kh) / h,
 *   R(h) = 2048/2835 (f1 - f-1) - 16/135 (f2 - f-2) + 1/270 (f4 - f-4) - 1/45360 (f8 - f-8).
 * Its companion R(2h) is the same rule one doubling out (halved weights on f2 .. f16), and R(2h) - R(h) =
 * 255 c h^8. Points +-h .. +-16h: ten evaluations a coordinate. The order is what lets the step be large
 * (eps^(1/9) ~ 0.018), and round-off falls as 1/h. The estimate is |R(2h) - R(h)|, not its 1/255: the stencil
 * reaches 16h = 0.29 of a coordinate, and where f bends on a smaller scale (a saturated unit's corner: a feature
 * of 90 moves s by 26 across it) R is not in its asymptotic regime and the 1/255 fell short (3 of 10,000 random
 * networks with ordinary features, `make property`). Undivided, it still resolves 1e-7 wherever R is: at
 * h = 0.018, 255 c h^8 is ~3e-12 of f's scale. */
static const fd_rule rule_richardson = {10,
                                        {0, 1, 2, 3, 5, 6, 7, 8, 9, 10},
                                        {2048.0 / 2835.0, -2048.0 / 2835.0, -16.0 / 135.0, 16.0 / 135.0, 1.0 / 270.0,
                                         -1.0 / 270.0, -1.0 / 45360.0, 1.0 / 45360.0, 0.0, 0.0},
                                        {0.0, 0.0, 1024.0 / 2835.0, -1024.0 / 2835.0, -8.0 / 135.0, 8.0 / 135.0,
                                         1.0 / 540.0, -1.0 / 540.0, -1.0 / 90720.0, 1.0 / 90720.0},
                                        1.0};

/* The rules a method tries in order: the first whose values are all finite decides the entry. */
static int method_rules(bp_fd_method method, const fd_rule **rules) {
  switch (method) {
  case BP_FD_FORWARD: rules[0] = &rule_forward, rules[1] = &rule_backward; return 2;
  case BP_FD_RICHARDSON:
    rules[0] = &rule_richardson, rules[1] = &rule_central, rules[2] = &rule_backward2, rules[3] = &rule_forward2;
    return 4;
  default: rules[0] = &rule_central, rules[1] = &rule_backward2, rules[2] = &rule_forward2; return 3;
  }
}

/* sum_k w_k v_k / h without overflow in the sum (f(x+h) - f(x-h) exceeds DBL_MAX when both are near it with
 * opposite signs, 3 f(x) when f(x) > DBL_MAX / 3): values near DBL_MAX are scaled by 2^-8 first, exactly. */
static double weighted_difference(int n, const double *w, const double *v, double h) {
  double big = 0.0, sum = 0.0;
  for (int k = 0; k < n; k++) big = fmax(big, fabs(v[k]));
  double scale = (big > 0x1p1012) ? 0x1p-8 : 1.0;
  for (int k = 0; k < n; k++) sum += w[k] * (scale * v[k]);
  return sum / (scale * h);
}

/* The points of one column, evaluated when a rule first asks for them, each at most once. */
typedef struct {
  fd_worker *wk;
  size_t j;
  double x0, h;
  int have[N_POINTS], tried[N_POINTS];
  int status;
} column_points;

static int point_ready(column_points *cp, int p) {
  if (!cp->tried[p] && !cp->status) {
    cp->tried[p] = 1;
    double at = cp->x0 + point_offset[p] * cp->h;
    if (isfinite(at)) {
      cp->status = eval_at(cp->wk, cp->j, cp->x0, at, cp->wk->buf[p]);
      if (!cp->status) cp->have[p] = 1;
      if (outside_domain(cp->status)) cp->status = GSL_SUCCESS; /* a point the rules must do without */
    }
  }
  return cp->have[p];
}

/* Richardson's |R(2h) - R(h)| assumes f smooth on the stencil's scale, so that the table's differences shrink
 * as h^8. A corner of f inside the stencil (a unit saturated on both sides of it: with a feature of 1e129 the
 * loss is piecewise linear in a weight, its corner within 1e-124 of 0) breaks that: with the corner at distance
 * d < h from x, every central difference is D(kh) = (sL + sR)/2 + (sR - sL) d / (2 k h), R errs by about
 * |sR - sL| / 2 and |R(2h) - R(h)| is only of order |sR - sL| d / h, less the larger the step. The ten values
 * show it: the slopes m_i between neighbouring points (-16h .. 16h) of a smooth f change across each point by
 * about f'' times the widths, spread over the stencil (constant f'': the largest two adjacent changes carry half
 * of the total); at a corner one point or two adjacent ones carry the whole slope jump. Where they carry more
 * than 15/16 of the total and that total exceeds the slopes' round-off, R is not known better than the spread of
 * the slopes, max m - min m, and that is the estimate's floor (the automatic step then prefers a step whose
 * stencil is clear of the corner, if one is tried). */
static double stencil_kink(const column_points *cp, size_t r, double fmax_abs) {
  static const int order[10] = {10, 8, 6, 3, 1, 0, 2, 5, 7, 9}; /* the points -16h .. 16h, ascending */
  double m[9], lo = GSL_POSINF, hi = GSL_NEGINF, total = 0.0, top = 0.0;
  for (int i = 0; i < 9; i++) {
    double a = gsl_vector_get(cp->wk->buf[order[i]], r), b = gsl_vector_get(cp->wk->buf[order[i + 1]], r);
    m[i] = (b - a) / ((point_offset[order[i + 1]] - point_offset[order[i]]) * cp->h);
    lo = fmin(lo, m[i]), hi = fmax(hi, m[i]);
  }
  for (int i = 0; i < 8; i++) total += fabs(m[i + 1] - m[i]);
  for (int i = 0; i < 7; i++) top = fmax(top, fabs(m[i + 1] - m[i]) + fabs(m[i + 2] - m[i + 1]));
  double noise = 64.0 * (GSL_DBL_EPSILON * fmax_abs + DBL_TRUE_MIN) / cp->h;
  return (isfinite(total) && total > noise && top > 0.9375 * total) ? hi - lo : 0.0;
}

/* Entry r of the column by `rule`; 0 if one of its points is missing or one of its values is not finite. *err is
 * the estimate, truncation + round-off, and *best the estimate the trial steps h 4^k (below) are predicted to give
 * by the model the search itself rests on: round-off scales as 1 / h and truncation as h^order, so at 4^k h the
 * estimate is trunc 4^(order k) + round 4^-k; best is the smallest over k = 0, 1, -1, -2. */
static int apply_rule(const fd_rule *rule, column_points *cp, size_t r, double *d, double *err, double *best) {
  double v[RULE_POINTS], wsum = 0.0, f = 0.0;
  for (int k = 0; k < rule->n; k++) {
    int p = rule->point[k];
    if (!point_ready(cp, p)) return 0;
    v[k] = gsl_vector_get(cp->wk->buf[p], r);
    if (!isfinite(v[k])) return 0;
    wsum += fabs(rule->w[k]);
    f = fmax(f, fabs(v[k]));
  }
  double d1 = weighted_difference(rule->n, rule->w, v, cp->h), d2 = weighted_difference(rule->n, rule->c, v, cp->h);
  double trunc = fabs(d2 / rule->trunc_div - d1 / rule->trunc_div);
  double round = 2.0 * wsum * (GSL_DBL_EPSILON * f + DBL_TRUE_MIN) / cp->h;
  double gain = rule->trunc_div + 1.0;          /* 4^order: 4 for forward (trunc_div 1), 16 for central (3) */
  if (rule == &rule_richardson) gain = 65536.0; /* richardson, order 8 */
  *d = d1;
  *err = trunc + round;
  if (rule == &rule_richardson) *err = fmax(*err, stencil_kink(cp, r, f));
  *best = fmin(fmin(*err, gain * trunc + 0.25 * round),
               fmin(trunc / gain + 4.0 * round, trunc / (gain * gain) + 16.0 * round));
  return isfinite(d1) && isfinite(*err);
}

/* Forward, central and Richardson columns at one step h: entry r by the first of the method's rules that can take
 * it, into d[r] and err[r]. An entry none can take (f is not finite at x itself, or on both sides) is NaN with an
 * infinite estimate, which the verdict counts and reports as non-finite. */
static int rule_column_at(bp_fd_method method, fd_worker *wk, size_t j, double x0, double h) {
  const fd_rule *rules[4];
  int n_rules = method_rules(method, rules);
  column_points cp = {wk, j, x0, h, {0}, {0}, GSL_SUCCESS};
  for (size_t r = 0; r < wk->d->size && !cp.status; r++) {
    double dr = GSL_NAN, er = GSL_POSINF, br = GSL_POSINF;
    int k = 0;
    while (k < n_rules && !apply_rule(rules[k], &cp, r, &dr, &er, &br) && !cp.status) k++;
    if (k == n_rules) dr = GSL_NAN, er = GSL_POSINF, br = GSL_POSINF;
    gsl_vector_set(wk->d, r, dr);
    gsl_vector_set(wk->err, r, er);
    gsl_vector_set(wk->best, r, br);
  }
  return cp.status;
}

/* The automatic step, per coordinate: the rule's step h0 = bp_fd_step suits a function that varies on the scale
 * max(|x|, 1). Where f varies faster (log x at x = 0.05, where the scale is x itself) truncation dominates; where
 * f is large beside its derivative (a deep network's loss) round-off does. So each entry tries the steps
 * h0 4^k, k = 0, 1, -1, -2, and keeps the value whose error estimate (truncation + round-off, above) is
 * smallest. A fixed step (bp_fd_options.step, as in a sweep) is used alone. A caller that can judge the entries
 * (bp_fd_options.settled) ends the search after the rule's own step when every entry of the column is settled. */
enum { N_TRIAL_STEPS = 4 };
static const int trial_power[N_TRIAL_STEPS] = {0, 1, -1, -2};

static int column_settled(const bp_fd_options *o, fd_worker *wk, size_t col) {
  if (!o->settled) return 0;
  for (size_t r = 0; r < wk->d->size; r++)
    if (!o->settled(r, col, gsl_vector_get(wk->d, r), gsl_vector_get(wk->err, r), gsl_vector_get(wk->best, r),
                    o->settled_context))
      return 0;
  return 1;
}

static int rule_column(bp_fd_method method, fd_worker *wk, const bp_fd_options *o, size_t j, double x0, double h0,
                       gsl_matrix *J, gsl_matrix *J_err, size_t col) {
  int status = GSL_SUCCESS, adapt = o->step == 0;
  gsl_vector *d = wk->d, *err = wk->err, *d0 = wk->d0;
  for (int k = 0; k < (adapt ? N_TRIAL_STEPS : 1) && !status; k++) {
    double h = representable_step(x0, ldexp(h0, 2 * trial_power[k]));
    if (!(h > 0)) continue; /* a step below x's resolution */
    status = rule_column_at(method, wk, j, x0, h);
    for (size_t r = 0; r < J->size1 && !status; r++) {
      double e = gsl_vector_get(err, r);
      if (k == 0) gsl_vector_set(d0, r, gsl_vector_get(d, r));
      if (k == 0 || e < gsl_matrix_get(J_err, r, col)) {
        gsl_matrix_set(J, r, col, gsl_vector_get(d, r));
        gsl_matrix_set(J_err, r, col, e);
      }
    }
    if (!status && k == 0 && column_settled(o, wk, col)) break;
  }
  /* The smaller estimate of another step may owe something to luck (round-off that happened to cancel, or an f
   * less accurate than 2 ulp): a value taken from another step is trusted no further than its distance from the
   * value at the rule's own step. */
  for (size_t r = 0; r < J->size1 && !status; r++) {
    double moved = fabs(gsl_matrix_get(J, r, col) - gsl_vector_get(d0, r));
    if (isfinite(moved) && moved > gsl_matrix_get(J_err, r, col)) gsl_matrix_set(J_err, r, col, moved);
  }
  return status;
}

/* ---- BP_FD_GSL --------------------------------------------------------------------------------------------------
 * gsl_deriv_central (points x +- h, x +- h/2); where its result is not finite (x + h overflows, or f does above x)
 * gsl_deriv_backward, then gsl_deriv_forward (points on one side only, never x itself). GSL's own arithmetic
 * (|f(x+h)| + |f(x-h)|, 62/3 (f3 - f2), f'(x) |x/h| ...) overflows for values near DBL_MAX: a rule whose values
 * were all finite but whose result was not is run again on the values scaled by 2^-16, exactly, and the result
 * unscaled. Each call differentiates the scalar y_r alone (gsl_adapter_eval returns y_r and nothing else), so GSL's
 * round-off term, built from |y_r| at its own points, is on row r's own scale, as in the rules above. */
/* gsl_deriv_central evaluates the 5-point rule r(h) = (4/3 (f(x+h/2) - f(x-h/2)) - 1/6 (f(x+h) - f(x-h))) / h
 * at its step h (points x-h, x+h, x-h/2, x+h/2 in that order) and, where its estimate calls for it, again at an
 * optimal step h' (4 more points); it keeps r(h') only when |r(h') - r(h)| < 4 times r(h)'s estimate, and
 * otherwise returns r(h) with r(h)'s estimate. Two rounds that disagree beyond that say one of the estimates is
 * wrong, and GSL cannot tell which: a corner of f inside the first stencil (a unit saturated on both sides of it,
 * with a feature of 1e286 the loss is piecewise linear in a weight, its corner 5e-5 from x and h = 7.4e-4) makes
 * r(h) a blend of the two slopes and its estimate small, while r(h') on the stencil clear of it is right. So, as
 * for the automatic step of the rules above, the value is trusted no further than the distance between the two
 * rounds' values: |r(h') - r(h)|, recomputed from the 8 values the adapter saw (0 after a single round). */
static double gsl_rounds_apart(const gsl_adapter *a) {
  if (a->n_seen != 8) return 0.0;
  double r[2];
  for (int k = 0; k < 2; k++) {
    const double *v = a->at + 4 * k, *y = a->y_at + 4 * k;
    double h = 0.5 * (v[1] - v[0]), r3 = 0.5 * (y[1] - y[0]);
    r[k] = ((4.0 / 3.0) * (y[3] - y[2]) - (1.0 / 3.0) * r3) / h;
  }
  double apart = fabs(r[1] - r[0]);
  return isfinite(apart) ? apart : 0.0;
}

static int gsl_column(fd_worker *wk, size_t j, double x0, double h, gsl_matrix *J, gsl_matrix *J_err, size_t col) {
  int (*const deriv[3])(const gsl_function *, double, double, double *,
                        double *) = {gsl_deriv_central, gsl_deriv_backward, gsl_deriv_forward};
  const int usable[3] = {isfinite(x0 + h) && isfinite(x0 - h), isfinite(x0 - h), isfinite(x0 + h)};
  gsl_adapter a = {wk, wk->buf[0], j, 0, x0, 1.0, 0, GSL_SUCCESS, 0, {0}, {0}};
  gsl_function F = {gsl_adapter_eval, &a};
  for (size_t r = 0; r < J->size1 && !a.status; r++) {
    double value = GSL_NAN, abserr = GSL_POSINF;
    a.r = r;
    for (int k = 0; k < 3 && !a.status; k++) {
      if (!usable[k]) continue;
      a.scale = 1.0;
      a.nonfinite = 0;
      a.n_seen = 0;
      deriv[k](&F, x0, h, &value, &abserr);
      if (!a.status && !a.nonfinite && !(isfinite(value) && isfinite(abserr))) {
        a.scale = 0x1p-16;
        a.n_seen = 0;
        deriv[k](&F, x0, h, &value, &abserr);
      }
      if (k == 0) abserr = fmax(abserr, gsl_rounds_apart(&a));
      value /= a.scale;
      abserr /= a.scale;
      if (!a.status && isfinite(value) && isfinite(abserr)) break;
      value = GSL_NAN, abserr = GSL_POSINF;
    }
    gsl_matrix_set(J, r, col, value);
    if (J_err) gsl_matrix_set(J_err, r, col, abserr);
  }
  return a.status;
}

/* ---- BP_FD_COMPLEX ----------------------------------------------------------------------------------------------
 * J(r, j) = D(h) = Im f_r(x + i h e_j) / h. Nothing is subtracted, so h can be tiny: f(x + ih) = f(x) + ih f'(x) -
 * h^2 f''(x)/2 - i h^3 f'''(x)/6 + ..., a truncation of h^2 |f'''|/6, and D(kh) = f' + c k^2 h^2.
 * The estimate has three parts, from the same rule at 2h, 3h and 5h:
 *   truncation  |D(2h) - D(h)| / 3 = |c| h^2 (usually 0 at the automatic step);
 *   rounding    2 max(|D(3h) - D(h) - 8/3 (D(2h) - D(h))|, |D(5h) - D(h) - 8 (D(2h) - D(h))|): the values at 3h
 *               and 5h with their truncation, 8 c h^2 and 24 c h^2, taken off;
 *   a floor     8 eps |D|: the imaginary part carries the derivative to a few ulp where nothing cancels.
 * The rounding part is measured, not assumed. The imaginary parts are a forward-mode derivative computed alongside
 * f, and they round like any sum: where the derivative is a cancelling sum (a batch's terms that nearly cancel, x - t
 * with x close to t) they lose the same digits, and D errs by eps times the TERMS, far above 8 eps |D|. (Measured on
 * the deep networks of the checks against a backprop in long double: 8 eps |D| alone covered 93% of the entries
 * and missed by up to 720 times.) The step 2h cannot show it: doubling a power-of-two step scales every imaginary
 * part exactly, so D(2h) rounds exactly as D(h) does. 3h and 5h are not power-of-two multiples: their imaginary
 * parts round differently, and what is left of D(3h) - D(h) and D(5h) - D(h) after the truncation are two samples
 * of the rounding. They see only the rounding that differs between the steps; the real parts, which all the steps
 * share, round about as much again (each operation on an imaginary part pairs with one on a real part), hence 2;
 * the larger of two samples, because one sample of a difference of two errors can fall small. Measured the same
 * way: 99.6% to 99.75% covered, the worst miss 2 to 4 times the estimate (tests/test_estimates.c).
 *   underflow   64 DBL_TRUE_MIN / h: every imaginary part is an ordinary double, so one that falls below the
 *               normal range (h x_j for a subnormal feature x_j, h x(1 - x) of a saturated unit) keeps only its
 *               absolute accuracy, DBL_TRUE_MIN, and may flush to 0 altogether (the derivative 5e-321 of a
 *               subnormal feature comes out 0). Divided by h and carried to the loss by factors of order one
 *               (deltas, weights, a batch's sum), that is a floor of 64 DBL_TRUE_MIN / h, 2.3e-302 at h = 2^-66,
 *               under which the complex step resolves nothing. It is 0 for every derivative above 1e-290 to the
 *               estimate's precision, and it keeps the oracle's own underflow from ever failing a right gradient.
 * Four evaluations of f a coordinate, or two where the caller settles the column on a first estimate (below). A value
 * that is not finite is NaN with an infinite estimate. */
/* One complex evaluation: D(step)_r = Im f_r(x + i step e_j) / step into v, NaN where f is not finite at x. */
static int complex_at(fd_worker *wk, size_t j, double step, gsl_vector *v) {
  gsl_vector_complex *w = wk->w;
  int status;
  wk->evaluations++;
  if (wk->mv) {
    status = wk->mv->moved_complex(wk->x, j, step, w, wk->work);
  } else {
    gsl_complex z0 = gsl_vector_complex_get(wk->z, j);
    gsl_vector_complex_set(wk->z, j, gsl_complex_rect(GSL_REAL(z0), step));
    status = wk->p->fz(wk->z, w, wk->p->params);
    gsl_vector_complex_set(wk->z, j, z0);
  }
  if (outside_domain(status)) { /* f is not finite at x itself: no derivative */
    gsl_vector_set_all(v, GSL_NAN);
    return GSL_SUCCESS;
  }
  for (size_t r = 0; r < v->size && !status; r++) gsl_vector_set(v, r, GSL_IMAG(gsl_vector_complex_get(w, r)) / step);
  return status;
}

static int complex_column(fd_worker *wk, const bp_fd_options *o, size_t j, double h, gsl_matrix *J, gsl_matrix *J_err,
                          size_t col) {
  gsl_vector *at_h = wk->buf[0], *at2h = wk->buf[1], *at3h = wk->buf[2], *at5h = wk->buf[3];
  int status = complex_at(wk, j, h, at_h);
  if (!status) status = complex_at(wk, j, 3.0 * h, at3h);
  /* The first stage, for a caller that can judge the entries: one sample of the rounding, |D(3h) - D(h)|, which
   * also bounds the truncation (8 c h^2 of it, 8 times the truncation), with twice the factor of the full estimate
   * for being one sample. The column ends here when every entry is settled with an estimate 16 times larger: a
   * verdict that a sample 16 times too small cannot change. */
  int settled = o->settled != NULL;
  for (size_t r = 0; r < J->size1 && !status; r++) {
    double d = gsl_vector_get(at_h, r), d3 = gsl_vector_get(at3h, r) - d;
    double err = fabs(d3) / 8.0 + 4.0 * fabs(d3) + 8.0 * GSL_DBL_EPSILON * fabs(d) + 64.0 * DBL_TRUE_MIN / h;
    if (!isfinite(d) || !isfinite(err)) d = GSL_NAN, err = GSL_POSINF;
    gsl_matrix_set(J, r, col, d);
    if (J_err) gsl_matrix_set(J_err, r, col, err);
    settled = settled && o->settled(r, col, d, 16.0 * err, 0.0, o->settled_context);
  }
  if (status || settled) return status;
  status = complex_at(wk, j, 5.0 * h, at5h);
  if (!status) status = complex_at(wk, j, 2.0 * h, at2h);
  for (size_t r = 0; r < J->size1 && !status; r++) {
    double d = gsl_vector_get(at_h, r);
    double d2 = gsl_vector_get(at2h, r) - d, d3 = gsl_vector_get(at3h, r) - d, d5 = gsl_vector_get(at5h, r) - d;
    double rounding = fmax(fabs(d3 - 8.0 / 3.0 * d2), fabs(d5 - 8.0 * d2));
    double err = fabs(d2) / 3.0 + 2.0 * rounding + 8.0 * GSL_DBL_EPSILON * fabs(d) + 64.0 * DBL_TRUE_MIN / h;
    if (!isfinite(d) || !isfinite(err)) d = GSL_NAN, err = GSL_POSINF;
    gsl_matrix_set(J, r, col, d);
    if (J_err) gsl_matrix_set(J_err, r, col, err);
  }
  return status;
}

/* ---- the Jacobian ---------------------------------------------------------------------------------------------- */

bp_fd_options bp_fd_options_default(void) { return (bp_fd_options){0.0, NULL, 0, NULL, NULL, NULL, NULL, 1, NULL}; }

static void worker_free(fd_worker *wk) {
  for (int k = 0; k < N_POINTS; k++)
    if (wk->buf[k]) gsl_vector_free(wk->buf[k]);
  gsl_vector *v[4] = {wk->d, wk->err, wk->d0, wk->best};
  for (int k = 0; k < 4; k++)
    if (v[k]) gsl_vector_free(v[k]);
  if (wk->z) gsl_vector_complex_free(wk->z);
  if (wk->w) gsl_vector_complex_free(wk->w);
}

/* One thread's buffers for m outputs; z, the complex copy of x, only where the complex step perturbs it. */
static int worker_alloc(fd_worker *wk, bp_fd_method method, size_t m) {
  int ok = 1;
  for (int k = 0; k < N_POINTS && ok; k++) ok = (wk->buf[k] = bp_vector_alloc(m)) != NULL;
  ok = ok && (wk->d = bp_vector_alloc(m)) && (wk->err = bp_vector_alloc(m)) && (wk->d0 = bp_vector_alloc(m)) &&
       (wk->best = bp_vector_alloc(m));
  if (ok && method == BP_FD_COMPLEX) {
    ok = (wk->w = bp_vector_complex_alloc(m)) != NULL;
    if (ok && !wk->mv) ok = (wk->z = bp_vector_complex_alloc(wk->x->size)) != NULL;
    for (size_t k = 0; ok && !wk->mv && k < wk->x->size; k++)
      gsl_vector_complex_set(wk->z, k, gsl_complex_rect(gsl_vector_get(wk->x, k), 0.0));
  }
  return ok ? GSL_SUCCESS : GSL_ENOMEM;
}

/* The columns, shared by the threads: each takes the next column not yet taken. A column's numbers depend only on
 * the column (every thread runs the same code on its own workspace, prepared from the same x), never on which
 * thread computed it or when: 1 and N threads give the same bits. */
typedef struct {
  bp_fd_method method;
  const bp_fd_options *o;
  size_t n_cols;
  gsl_matrix *J, *J_err;
  atomic_size_t next, done;
  atomic_int stop;
} fd_job;

typedef struct {
  fd_job *job;
  fd_worker wk;
  int main_thread; /* reports progress */
  int status;
  char message[512]; /* a worker thread's error message (messages are per thread) */
} fd_thread;

static int column(fd_job *job, fd_worker *wk, size_t c) {
  const bp_fd_options *o = job->o;
  size_t j = o->columns ? o->columns[c] : c;
  double x0 = gsl_vector_get(wk->x, j);
  double h = (o->step > 0) ? o->step * fmax(fabs(x0), 1.0) : bp_fd_step(job->method, x0);
  if (job->method == BP_FD_COMPLEX) return complex_column(wk, o, j, h, job->J, job->J_err, c);
  if (job->method == BP_FD_GSL) return gsl_column(wk, j, x0, representable_step(x0, h), job->J, job->J_err, c);
  return rule_column(job->method, wk, o, j, x0, h, job->J, job->J_err, c);
}

static void *run_columns(void *arg) {
  fd_thread *t = arg;
  fd_job *job = t->job;
  if (t->wk.mv && t->wk.mv->prepare) t->status = t->wk.mv->prepare(t->wk.x, t->wk.work);
  while (!t->status && !atomic_load(&job->stop)) {
    size_t c = atomic_fetch_add(&job->next, 1);
    if (c >= job->n_cols) break;
    t->status = column(job, &t->wk, c);
    size_t done = atomic_fetch_add(&job->done, 1) + 1;
    if (!t->status && t->main_thread && job->o->progress) job->o->progress(done, job->n_cols, job->o->progress_context);
  }
  if (t->status) {
    atomic_store(&job->stop, 1);
    snprintf(t->message, sizeof t->message, "%s", bp_error_message());
  }
  return NULL;
}

int bp_fd_jacobian_with(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, const bp_fd_options *opt,
                        gsl_matrix *J, gsl_matrix *J_err) {
  bp_fd_options o = opt ? *opt : bp_fd_options_default();
  size_t n_cols = o.columns ? o.n_columns : x->size;
  if (o.evaluations) *o.evaluations = 0;
  if ((unsigned)method >= BP_FD_N_METHODS) BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: unknown method %d", (int)method);
  if (method == BP_FD_COMPLEX && p->fz == NULL)
    BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: the complex step needs the function's complex continuation (fz)");
  if (!(o.step >= 0) || !isfinite(o.step))
    BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: the step must be 0 (automatic) or positive and finite");
  if (J->size2 != n_cols)
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J has %zu columns but %zu coordinates are differentiated", J->size2, n_cols);
  for (size_t c = 0; o.columns && c < n_cols; c++)
    if (o.columns[c] >= x->size)
      BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: coordinate %zu is beyond x's length %zu", o.columns[c], x->size);
  if (J_err && (J_err->size1 != J->size1 || J_err->size2 != J->size2))
    BP_ERROR(GSL_EBADLEN, "bp_fd_jacobian: J_err is %zu x %zu but J is %zu x %zu", J_err->size1, J_err->size2, J->size1,
             J->size2);
  /* The moves serve the method when they have its function; threads only with moves (f itself may share state). */
  const bp_fd_moves *mv = p->moves;
  if (mv && ((method == BP_FD_COMPLEX) ? mv->moved_complex == NULL : mv->moved == NULL)) mv = NULL;
  if (mv && (mv->work == NULL || mv->n_work == 0))
    BP_ERROR(GSL_EINVAL, "bp_fd_jacobian: the problem's moves have no workspace");
  size_t n_threads = mv ? o.n_threads : 1;
  if (mv && n_threads > mv->n_work) n_threads = mv->n_work;
  if (n_threads > BP_FD_MAX_THREADS) n_threads = BP_FD_MAX_THREADS;
  if (n_threads > n_cols) n_threads = n_cols;
  if (n_threads < 1) n_threads = 1;
  fd_thread *th = bp_calloc(n_threads, sizeof *th);
  if (th == NULL) return GSL_ENOMEM;
  fd_job job = {method, &o, n_cols, J, J_err, 0, 0, 0};
  atomic_init(&job.next, 0);
  atomic_init(&job.done, 0);
  atomic_init(&job.stop, 0);
  gsl_matrix *own_err = NULL; /* the adaptive step needs every estimate, also when the caller wants none */
  int status = GSL_SUCCESS;
  if (J_err == NULL && method != BP_FD_COMPLEX && method != BP_FD_GSL) {
    if ((own_err = bp_matrix_alloc(J->size1, J->size2)) == NULL) status = GSL_ENOMEM;
    job.J_err = own_err;
  }
  for (size_t k = 0; k < n_threads && !status; k++) {
    th[k] = (fd_thread){.job = &job, .main_thread = (k == 0)};
    th[k].wk = (fd_worker){.p = p, .mv = mv, .work = mv ? mv->work[k] : NULL, .x = x};
    status = worker_alloc(&th[k].wk, method, J->size1);
  }
  pthread_t tid[BP_FD_MAX_THREADS];
  size_t started = 1;
  if (!status) {
    for (; started < n_threads; started++)
      if (pthread_create(&tid[started], NULL, run_columns, &th[started])) break; /* fewer threads will do */
    run_columns(&th[0]);
    for (size_t k = 1; k < started; k++) pthread_join(tid[k], NULL);
    for (size_t k = 0; k < started && !status; k++)
      if (th[k].status) {
        status = th[k].status;
        if (k > 0) bp_error_set("%s", th[k].message);
      }
    if (!status && started > 1 && o.progress) o.progress(n_cols, n_cols, o.progress_context);
  }
  for (size_t k = 0; k < n_threads; k++) {
    if (o.evaluations) *o.evaluations += th[k].wk.evaluations;
    worker_free(&th[k].wk);
  }
  free(th);
  if (own_err) gsl_matrix_free(own_err);
  return status;
}

int bp_fd_jacobian(bp_fd_method method, const bp_fd_problem *p, gsl_vector *x, gsl_matrix *J, gsl_matrix *J_err) {
  return bp_fd_jacobian_with(method, p, x, NULL, J, J_err);
}

/* ---- kinks ------------------------------------------------------------------------------------------------------
 * A failing entry may sit where f is not smooth (|s| at 0, a ReLU's corner): no difference rule is right there, and
 * the honest verdict is NOT SMOOTH, not FAIL. The probe takes f_r at x0 + k h, k = -2..2, h the central step, and
 * the four slopes m_k between neighbours. Smooth f: their differences d_1, d_2, d_3 all equal h f'' to first
 * order, and to second order they lie on a line (h f'' at three points). A kink anywhere in (x0 - 2h, x0 + 2h)
 * puts its jump J into at most two adjacent differences and leaves the third at h f''. So: the largest |d|
 * exceeds 16 times the smallest, the three are far from a line (|d_1 - 2 d_2 + d_3| > max|d| / 4; a strongly
 * curved smooth f through an inflection has d = -c, 0, c, a line), and the largest is significant: above 1e-3
 * of the largest slope and above the slopes' round-off, 64 (eps max|f_r| + DBL_TRUE_MIN) / h (subnormal values
 * step by DBL_TRUE_MIN: a staircase, not a kink). A kink placed just so can still
 * look like a line; its entry is then reported as an ordinary FAIL, never as a pass. */
int bp_fd_probe_kink(const bp_fd_problem *p, gsl_vector *x, size_t j, size_t r, gsl_vector *y, int *kink) {
  double x0 = gsl_vector_get(x, j), h = representable_step(x0, bp_fd_step(BP_FD_CENTRAL, x0)), f[5];
  *kink = 0;
  for (int k = 0; k < 5; k++) {
    double at = x0 + (k - 2) * h;
    if (!isfinite(at)) return GSL_SUCCESS;
    gsl_vector_set(x, j, at);
    int status = p->f(x, y, p->params);
    gsl_vector_set(x, j, x0);
    if (status) return status;
    f[k] = gsl_vector_get(y, r);
    if (!isfinite(f[k])) return GSL_SUCCESS;
  }
  double m[4], d[3], fmax_abs = 0.0, mmax = 0.0, dmax = 0.0, dmin = GSL_POSINF;
  for (int k = 0; k < 5; k++) fmax_abs = fmax(fmax_abs, fabs(f[k]));
  for (int k = 0; k < 4; k++) m[k] = (f[k + 1] - f[k]) / h, mmax = fmax(mmax, fabs(m[k]));
  for (int k = 0; k < 3; k++) d[k] = m[k + 1] - m[k], dmax = fmax(dmax, fabs(d[k])), dmin = fmin(dmin, fabs(d[k]));
  double bend = fabs(d[0] - 2.0 * d[1] + d[2]); /* h f'' sampled at three points lies on a line; a jump does not */
  *kink = dmax > 16.0 * dmin && bend > 0.25 * dmax && dmax > 1e-3 * mmax &&
          dmax > 64.0 * (GSL_DBL_EPSILON * fmax_abs + DBL_TRUE_MIN) / h;
  return GSL_SUCCESS;
}
