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
 * sits at one, the verdict is NOT_SMOOTH -- no difference rule can judge a derivative there -- instead of FAIL.
 *
 * The analytic side's own rounding: a third way to pass,
 *     |a - n| <= floor = floor_ulps * eps * scale,
 * where scale is the size of what the analytic entry sums. A gradient computed correctly in double carries
 * errors of order eps times the size of what it sums, not eps times itself. The error analysis of a correctly
 * rounded backward pass (each elementary operation rounded once, the deltas from s): dE/dW_l(j, i) =
 * sum_b x_j^b delta_i^b errs by up to (B + 2) eps sum_b |x_j^b delta_i^b|, and each delta_i = f'(s_i) sum_k w_ik
 * delta_k carries (n_{l+1} + 4) eps of sum_k |w_ik delta_k| from the layer above; so an entry errs by up to
 * (B + sum_l (n_l + 4)) eps times M, the same chain-rule sum taken over absolute values (bp_mlp_backward_magnitude).
 * floor_ulps = 64 covers B + sum_l (n_l + 4) <= 64 at the bound, and far more at the typical square root of it.
 * The scale is M where the caller gives it (bp_gradcheck_set_scale; a network check does), else the largest
 * finite |n| of the entry's block, a lower bound of its blocks' M (bp_gradcheck_set_blocks: a network's W_l and
 * b_l, bp_mlp_block_labels; by default a Jacobian's blocks are its rows, and bp_gradcheck_compare, which knows no
 * structure, puts each entry in a block of its own, whose floor, 64 eps of itself, never decides). The block's
 * largest entry falls short of M where every entry of the block cancels: two examples whose saturated softmax
 * deltas are -1 and 1 - 5.4e-20 give a b_l entry of -5.4e-20, which correctly rounded terms sum to 0. Such an
 * entry cannot be judged to rtol against an exact oracle such as the complex step: it is judged by the floor and
 * counted apart (n_floor, judged_by "floor"). A wrong entry is still caught when its error exceeds the floor,
 * 64 eps (1.4e-14) of what it sums. floor_ulps = 0 turns the floor off. */
typedef enum { BP_VERDICT_PASS, BP_VERDICT_FAIL, BP_VERDICT_NO_SIGNAL, BP_VERDICT_NOT_SMOOTH } bp_verdict;
const char *bp_verdict_name(bp_verdict v);

typedef struct {
  double rtol;       /* relative tolerance */
  double est_factor; /* how many error estimates of slack a tiny entry gets */
  double floor_ulps; /* the analytic side's rounding floor, in eps times its block's scale (0: none) */
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
#define BP_FLOOR_ULPS 64.0
bp_tolerance bp_tolerance_default(void);  /* BP_RTOL_GOOD, BP_EST_FACTOR, BP_FLOOR_ULPS */
bp_tolerance bp_tolerance_identity(void); /* BP_RTOL_IDENTITY, no estimate, no floor */

/* How an entry was judged: by its relative error (resolved), by the difference's error estimate, by the analytic
 * side's rounding floor (whichever of the two is larger, below resolution), or not at all (non-finite: fails). */
typedef enum { BP_JUDGED_REL_ERR, BP_JUDGED_ESTIMATE, BP_JUDGED_FLOOR, BP_JUDGED_NONFINITE } bp_judged_by;

typedef struct {
  size_t size;                               /* entries compared */
  gsl_vector *analytic, *numeric, *estimate; /* inputs: filled by the caller or by bp_gradcheck_jacobian */
  gsl_vector *abs_err;                       /* |a - n| (+inf only where a - n exceeds DBL_MAX) */
  gsl_vector *rel_err;                       /* the true relative error |a - n| / max(|a|, |n|); inf if non-finite */
  gsl_vector_uchar *passed;                  /* 1 where the entry passes */
  gsl_vector_uchar *resolved;                /* 1 where max(|a|, |n|) rtol > est_factor e (finite entries only) */
  gsl_vector_uchar *nonsmooth;               /* 1 where a failing entry sits at a kink of f (bp_gradcheck_jacobian) */
  gsl_vector_uchar *judged;                  /* bp_judged_by per entry */
  gsl_vector *floor;                         /* the analytic-rounding floor of each entry (0 where none) */
  size_t *block;                             /* the floor's block of each entry (bp_gradcheck_set_blocks) */
  int blocks_given;                          /* 0: the default blocks (one, or a Jacobian's rows) */
  double *block_scale;                       /* scratch: the largest |n| per block */
  gsl_vector *scale;                         /* the floor's scale per entry (bp_gradcheck_set_scale) */
  int scale_given;                           /* 0: the blocks' largest |n| */
  size_t worst;                              /* the entry that decides the verdict: the first non-finite one, else
                                            * the largest failure margin |a - n| / max(rtol max(|a|, |n|),
                                            * est_factor e) (> 1 exactly when the entry fails) */
  double max_abs_err;                        /* over the finite entries */
  double max_rel_err;                        /* the largest rel_err over the RESOLVED entries (0 if none is); inf
                                            * if some entry is non-finite */
  double norm_rel_err;                       /* ||a - n||_2 / ||n||_2 over all entries */
  size_t n_failed, n_nonfinite;
  size_t n_unresolved; /* finite entries below resolution: judged by the estimate or floor */
  size_t n_floor;      /* of those, the entries judged by the analytic-rounding floor */
  size_t n_nonsmooth;  /* failing entries at a kink of f */
  bp_verdict verdict;
  bp_tolerance tol;
  size_t evaluations; /* of f by bp_gradcheck_jacobian (0 when only compared) */
} bp_gradcheck;

bp_gradcheck *bp_gradcheck_alloc(size_t size);
/* ---- entry k of a check, as a report shows it ---- */
/* "rel_err" where the entry is resolved, else "estimate" (judged by |a - n| <= est_factor e, above) or "floor"
 * (by the analytic side's rounding floor); a non-finite entry: "estimate", as it has no other. */
const char *bp_gradcheck_judged_by(const bp_gradcheck *gc, size_t k);
/* "PASS", "FAIL", or "NOT SMOOTH" for a failing entry at a kink of f. */
const char *bp_gradcheck_entry_verdict(const bp_gradcheck *gc, size_t k);
/* The band of entry k's relative error (bp_rel_err_band), or, for an entry below resolution, that it was judged
 * by its estimate or by the floor (a band would mislabel a pass). Writes buf. */
void bp_gradcheck_entry_band(const bp_gradcheck *gc, size_t k, char *buf, size_t len);
/* Entry k's failure margin after bp_gradcheck_compare: |a - n| / max(rtol max(|a|, |n|), est_factor e), > 1 exactly
 * when it fails; +inf for a non-finite entry. The worst entry has the largest; reports rank entries by it. */
double bp_gradcheck_entry_margin(const bp_gradcheck *gc, size_t k);
void bp_gradcheck_free(bp_gradcheck *gc);
/* Measures every entry from analytic, numeric and estimate and sets the summary and verdict. GSL_EINVAL unless
 * rtol is positive, est_factor and floor_ulps non-negative, all finite. */
int bp_gradcheck_compare(bp_gradcheck *gc, const bp_tolerance *tol);
/* The floor's blocks: entry k belongs to block[k] (labels < gc->size; entries with one label share a scale).
 * Copied. NULL restores the default: each entry alone for bp_gradcheck_compare, a row for bp_gradcheck_jacobian.
 * GSL_EINVAL for a label out of range. */
int bp_gradcheck_set_blocks(bp_gradcheck *gc, const size_t *block);
/* The floor's scale per entry (see the verdict above): scale (gc->size entries, finite, >= 0) is copied; NULL
 * goes back to the blocks' largest |n|. GSL_EBADLEN for a wrong length, GSL_EINVAL for a negative or non-finite
 * entry. */
int bp_gradcheck_set_scale(bp_gradcheck *gc, const gsl_vector *scale);
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
