/* gradcheck.h - the comparison of an analytic gradient or Jacobian against finite differences (fd.h), entry by
 * entry, and its verdict, returned as a struct (bp_gradcheck) that tests, the command, the grader and the plots
 * all read. */
#ifndef BP_GRADCHECK_H
#define BP_GRADCHECK_H

#include <gsl/gsl_vector_uchar.h>

#include "fd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the verdict ---------------------------------------------------------------------------------------------
 * Entry i, with analytic a, numeric n and the numeric derivative's error estimate e, is measured by its TRUE
 * relative error
 *     rel_err = |a - n| / max(|a|, |n|)          (0 when both are 0),
 * and passes when
 *     rel_err <= rtol   or   |a - n| <= est_factor * e,
 * that is, when it agrees to rtol relatively, or when |a - n| is within what the difference itself cannot
 * resolve. The entry is RESOLVED when max(|a|, |n|) * rtol > est_factor * e: there the difference can tell a
 * relative error of rtol, and the verdict is rel_err <= rtol. Below that resolution (tiny entries, entries of a
 * large loss whose round-off is large, entries that are exactly 0 on both sides) the entry is judged by
 * |a - n| <= est_factor * e alone, and its rel_err, still the true one, may well exceed rtol although it passes.
 * Such entries are counted in n_unresolved and left out of max_rel_err, never out of the verdict: a tiny entry
 * whose error exceeds est_factor estimates fails. The products are compared without overflow (an estimate near
 * DBL_MAX does not make every entry pass). A non-finite a, n or e fails; it is neither resolved nor counted as
 * unresolved, and it makes max_rel_err and norm_rel_err infinite. The whole check is NO_SIGNAL when every entry
 * passes but every analytic entry is zero: a gradient that is zero everywhere tells a right implementation from
 * a wrong one nowhere (a zero gradient against a non-zero numeric one is an ordinary FAIL). bp_gradcheck_jacobian
 * probes every failing entry for a kink of f within two steps of x (bp_fd_probe_kink): when EVERY failing entry
 * sits at one, the verdict is NOT_SMOOTH -- no difference rule can judge a derivative there -- instead of FAIL. */
typedef enum { BP_VERDICT_PASS, BP_VERDICT_FAIL, BP_VERDICT_NO_SIGNAL, BP_VERDICT_NOT_SMOOTH } bp_verdict;
const char *bp_verdict_name(bp_verdict v);

typedef struct {
  double rtol;       /* relative tolerance */
  double est_factor; /* how many error estimates of slack a tiny entry gets */
} bp_tolerance;

/* The bands students are taught for relative error: > 1e-2 wrong, (1e-4, 1e-2] suspicious, (1e-7, 1e-4] fine only
 * at kinks, <= 1e-7 good (the one definition: a resolved entry at exactly rtol = 1e-7 passes, so it is "good").
 * Finite-difference checks ask for "good". NaN and inf are "wrong". */
#define BP_RTOL_GOOD 1e-7
/* The band a relative error falls in: "wrong", "suspicious", "fine only at kinks" or "good". */
const char *bp_rel_err_band(double rel_err);
/* Comparing two closed forms of one quantity (an identity) at the moderate points where identities are checked,
 * |s| <= 4: the naive forms compute 1 - x with x up to 0.982, which loses log2(1 / 0.018) < 6 bits, so 2^6 ulp.
 * Measured over 200 seeds: at most 8.8 ulp. */
#define BP_RTOL_IDENTITY (64 * GSL_DBL_EPSILON)
#define BP_EST_FACTOR 4.0
bp_tolerance bp_tolerance_default(void);  /* BP_RTOL_GOOD, BP_EST_FACTOR */
bp_tolerance bp_tolerance_identity(void); /* BP_RTOL_IDENTITY, no estimate */

typedef struct {
  size_t size;                             /* entries compared */
  gsl_vector *analytic, *numeric, *estimate; /* inputs: filled by the caller or by bp_gradcheck_jacobian */
  gsl_vector *abs_err;                     /* |a - n| (+inf only where a - n exceeds DBL_MAX) */
  gsl_vector *rel_err;                     /* the true relative error |a - n| / max(|a|, |n|); inf if non-finite */
  gsl_vector_uchar *passed;                /* 1 where the entry passes */
  gsl_vector_uchar *resolved;              /* 1 where max(|a|, |n|) rtol > est_factor e (finite entries only) */
  gsl_vector_uchar *nonsmooth;             /* 1 where a failing entry sits at a kink of f (bp_gradcheck_jacobian) */
  size_t worst;                            /* the entry that decides the verdict: the first non-finite one, else
                                            * the largest failure margin |a - n| / max(rtol max(|a|, |n|),
                                            * est_factor e) (> 1 exactly when the entry fails) */
  double max_abs_err;                      /* over the finite entries */
  double max_rel_err;                      /* the largest rel_err over the RESOLVED entries (0 if none is); inf
                                            * if some entry is non-finite */
  double norm_rel_err;                     /* ||a - n||_2 / ||n||_2 over all entries */
  size_t n_failed, n_nonfinite;
  size_t n_unresolved;                     /* finite entries below the difference's resolution */
  size_t n_nonsmooth;                      /* failing entries at a kink of f */
  bp_verdict verdict;
  bp_tolerance tol;
  size_t evaluations;                      /* of f by bp_gradcheck_jacobian (0 when only compared) */
} bp_gradcheck;

bp_gradcheck *bp_gradcheck_alloc(size_t size);
/* ---- entry k of a check, as a report shows it ---- */
/* "rel_err" where the entry is resolved, else "estimate" (judged by |a - n| <= est_factor e, above). */
const char *bp_gradcheck_judged_by(const bp_gradcheck *gc, size_t k);
/* "PASS", "FAIL", or "NOT SMOOTH" for a failing entry at a kink of f. */
const char *bp_gradcheck_entry_verdict(const bp_gradcheck *gc, size_t k);
/* The band of entry k's relative error (bp_rel_err_band), or, for an entry below the difference's resolution,
 * that it was judged by its estimate (a band would mislabel a pass). Writes buf. */
void bp_gradcheck_entry_band(const bp_gradcheck *gc, size_t k, char *buf, size_t len);
void bp_gradcheck_free(bp_gradcheck *gc);
/* Measures every entry from analytic, numeric and estimate and sets the summary and verdict. GSL_EINVAL unless
 * rtol is positive and est_factor non-negative, both finite. */
int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol);
/* Numeric Jacobian of f at x by `method`, compared with J_analytic (m x n, entries taken row by row: entry
 * r * n + j is dy_r/dx_j). gc->size must be m * n. */
int bp_gradcheck_jacobian(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                          const gsl_matrix *J_analytic, const bp_tolerance *tol);
/* The same with a fixed step or a subset of coordinates (bp_fd_options): J_analytic then has one column per listed
 * coordinate. With forward and central differences the automatic step searches its other trial steps only for the
 * entries that need them: those that fail at the method's own step, or that pass below resolution where another
 * step could resolve them (gradcheck.c);
 * gc->evaluations counts the evaluations of f. */
int bp_gradcheck_jacobian_with(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                               const bp_fd_options *opt, const gsl_matrix *J_analytic, const bp_tolerance *tol);

#ifdef __cplusplus
}
#endif

#endif
