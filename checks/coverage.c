/* coverage.c - how often each finite-difference method's error estimate bounds its actual error, over every
 * entry of every derivation check (checks.h, bp_estimate_coverage; `bpcheck estimates` prints it). */
#include "checks.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "core.h"

/* The complex step is the reference of the four others: no subtraction, so it is exact to rounding, and its
 * estimate is 1e3 to 1e8 times below theirs.
 *
 * The complex step itself has no better oracle in double. Two candidates, and why Richardson is taken:
 *  - the analytic values of the claims that must hold are no oracle at the complex step's level. They carry their
 *    own rounding: on the deep networks (eq. (9)-(16), eq. (26)-(31)) the loop form and the BLAS form of the same
 *    backprop differ by up to 7.8e3 complex-step estimates, and against a backprop in long double the loop form is
 *    off by up to 6e4 ulp, the BLAS form by 3e3 ulp. A miss there would blame the complex step for the formula's
 *    rounding, and the command would fail for the oracle's sake.
 *  - Richardson is independent of the complex step (real differences, another rule), and its estimate is honest
 *    (its own row). But the comparison is symmetric: with e_C + e_R on the right, the complex step's row measures
 *    exactly what Richardson's row measures, whether the two agree within their joint estimates. Since e_R is
 *    1e3 to 1e6 times e_C, it cannot show that e_C alone bounds the complex step's error. It is WEAKER, and the
 *    command says so. The complex step's own estimate is measured against a backprop in long double, which is
 *    exact to 2^-64 where double rounds to 2^-53, in tests/test_estimates.c. */
bp_fd_method bp_estimate_coverage_reference(bp_fd_method method) {
  return method == BP_FD_COMPLEX ? BP_FD_RICHARDSON : BP_FD_COMPLEX;
}

static int is_identity(const bp_claim *c) { return strcmp(c->method, "identity") == 0; }

/* Bit for bit: the same seed must have drawn the same points, so the formulas computed the same values. */
static int same_analytic(const bp_gradcheck *a, const bp_gradcheck *b) {
  if (a->size != b->size) return 0;
  for (size_t i = 0; i < a->size; i++) {
    double u = gsl_vector_get(a->analytic, i), v = gsl_vector_get(b->analytic, i);
    if (memcmp(&u, &v, sizeof u) != 0) return 0;
  }
  return 1;
}

/* Counts every entry of the finite-difference claims of one check, run with the method (m) and the reference (r). */
static int count_check(const bp_check_result *m, const bp_check_result *r, double scale, bp_estimate_coverage *out) {
  const char *id = m->def->id;
  if (m->n_claims != r->n_claims)
    BP_ERROR(GSL_EFAILED, "check %s made %zu claims with %s and %zu with %s: the runs are not comparable", id,
             m->n_claims, bp_fd_method_name(out->method), r->n_claims, bp_fd_method_name(out->reference));
  for (size_t k = 0; k < m->n_claims; k++) {
    const bp_claim *cm = &m->claims[k], *cr = &r->claims[k];
    if (is_identity(cm) != is_identity(cr) || cm->kind != cr->kind)
      BP_ERROR(GSL_EFAILED, "check %s, claim %zu differs between %s and %s: the runs are not comparable", id, k,
               bp_fd_method_name(out->method), bp_fd_method_name(out->reference));
    if (is_identity(cm)) continue; /* no estimate: two closed forms */
    if (cm->gc == NULL || cr->gc == NULL) BP_ERROR(GSL_EFAILED, "check %s, claim %zu kept no entries", id, k);
    if (!same_analytic(cm->gc, cr->gc))
      BP_ERROR(GSL_EFAILED,
               "check %s, claim %zu: the analytic values differ between %s and %s at the same seed, so "
               "the points differ and entry k of one run is not entry k of the other",
               id, k, bp_fd_method_name(out->method), bp_fd_method_name(out->reference));
    for (size_t i = 0; i < cm->gc->size; i++) {
      double n = gsl_vector_get(cm->gc->numeric, i), e = scale * fabs(gsl_vector_get(cm->gc->estimate, i));
      double n_ref = gsl_vector_get(cr->gc->numeric, i), e_ref = fabs(gsl_vector_get(cr->gc->estimate, i));
      if (!isfinite(n) || !isfinite(e) || !isfinite(n_ref) || !isfinite(e_ref)) {
        out->nonfinite++;
        continue;
      }
      /* |n - n_ref| overflows only for values near DBL_MAX of opposite signs: not covered, ratio inf */
      double diff = fabs(n - n_ref), bound = e + e_ref;
      double ratio = (bound > 0) ? diff / bound : (diff > 0 ? GSL_POSINF : 0.0);
      out->entries++;
      out->covered += (diff <= bound);
      if (out->worst_check == NULL || ratio > out->worst_ratio) {
        out->worst_ratio = ratio;
        out->worst_check = id, out->worst_claim = k, out->worst_entry = i;
      }
    }
  }
  return GSL_SUCCESS;
}

int bp_estimate_coverage_measure_scaled(bp_fd_method method, unsigned long seed, double estimate_scale,
                                        bp_estimate_coverage *out) {
  if ((unsigned)method >= BP_FD_N_METHODS) BP_ERROR(GSL_EINVAL, "estimates: unknown method %d", (int)method);
  if (!(estimate_scale > 0) || !isfinite(estimate_scale))
    BP_ERROR(GSL_EINVAL, "estimates: the estimate's scale must be positive and finite");
  *out = (bp_estimate_coverage){method, bp_estimate_coverage_reference(method), 0, 0, 0, 0.0, 0.0, NULL, 0, 0};
  bp_check_options om = bp_check_options_default(method), orf = bp_check_options_default(out->reference);
  om.keep_entries = orf.keep_entries = 1;
  int status = GSL_SUCCESS;
  for (size_t k = 0; k < bp_checks_count && !status; k++) {
    bp_check_result rm, rr;
    const bp_check_def *def = &bp_checks[k];
    status = bp_check_run_with(def, seed, &om, &rm);
    if (status) {
      bp_error_set("check %s with %s could not run: %s", def->id, bp_fd_method_name(method), rm.error);
      bp_check_result_release(&rm);
      break;
    }
    status = bp_check_run_with(def, seed, &orf, &rr);
    if (status)
      bp_error_set("check %s with %s could not run: %s", def->id, bp_fd_method_name(out->reference), rr.error);
    else
      status = count_check(&rm, &rr, estimate_scale, out);
    bp_check_result_release(&rm);
    bp_check_result_release(&rr);
  }
  out->fraction = out->entries ? (double)out->covered / (double)out->entries : 0.0;
  return status;
}

int bp_estimate_coverage_measure(bp_fd_method method, unsigned long seed, bp_estimate_coverage *out) {
  return bp_estimate_coverage_measure_scaled(method, seed, 1.0, out);
}
