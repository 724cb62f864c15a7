/* checks.h - the derivation checks: each numbered derivative or identity of the notes, computed as printed and
 * compared with finite differences of the quantity it claims to differentiate (or with the other side of the
 * identity), at seeded random points on layers whose sizes all differ.
 *
 * A check is a list of claims. Each claim is one comparison (a bp_gradcheck) of one of these kinds:
 *   PRINTED    the formula as the notes print it;
 *   CORRECTED  our correction of a printed formula; only used where the printed one fails;
 *   LIBRARY    the bpcheck library function that implements the equation;
 *   MUST_FAIL  a deliberately broken assumption or a naive form beyond its range: it must visibly fail.
 * The check's verdict is computed, never declared: FAIL if a LIBRARY or CORRECTED claim fails, if a MUST_FAIL
 * claim holds, or if a PRINTED claim fails with no CORRECTED claim that holds; ERRATUM if a PRINTED claim fails
 * and every CORRECTED claim holds; PASS otherwise. */
#ifndef BP_CHECKS_H
#define BP_CHECKS_H

#include <gsl/gsl_rng.h>

#include "gradcheck.h"

typedef enum { BP_CLAIM_PRINTED, BP_CLAIM_CORRECTED, BP_CLAIM_LIBRARY, BP_CLAIM_MUST_FAIL } bp_claim_kind;
typedef enum { BP_CHECK_PASS, BP_CHECK_FAIL, BP_CHECK_ERRATUM } bp_check_verdict;

const char *bp_claim_kind_name(bp_claim_kind kind);
const char *bp_check_verdict_name(bp_check_verdict v);

#define BP_CHECK_MAX_CLAIMS 10

typedef struct {
  bp_claim_kind kind;
  const char *equation;                          /* "23" */
  const char *formula;                           /* the claim in ASCII math */
  const char *method;                            /* a finite-difference method's name, or "identity" */
  bp_verdict verdict;                            /* of the comparison */
  size_t entries, n_failed, n_unresolved, worst; /* n_unresolved: left out of max_rel_err (see fd.h) */
  /* max_rel_err: the largest true relative error over the RESOLVED entries (fd.h), inf if an entry is not finite,
   * and NaN -- not measured, never a silent 0 -- when no entry is resolved: every entry was below the difference's
   * resolution and judged by its estimate (forward differences resolve none at rtol 1e-7). Printed nan, null in
   * JSON. */
  double max_rel_err, norm_rel_err;
  double worst_analytic, worst_reference; /* the worst entry: the formula's value and the reference value */
  double worst_rel_err; /* the worst entry's true relative error |a - n| / max(|a|, |n|), resolved or not (fd.h's
                         * rel_err: inf if it is not finite) */
  size_t rows, cols;    /* the claim's Jacobian is rows x cols (1 x n for a gradient); entry r * cols + c */
  bp_gradcheck *gc;     /* every entry, kept only with bp_check_options.keep_entries (else NULL) */
} bp_claim;

typedef struct bp_check_def bp_check_def;

typedef struct {
  const bp_check_def *def;
  bp_claim claims[BP_CHECK_MAX_CLAIMS];
  size_t n_claims;
  bp_check_verdict verdict;
  double max_rel_err;     /* the largest max_rel_err of the claims that must hold; NaN when none of them resolved
                           * an entry (see bp_claim), so that "all judged by their estimates" never reads as 0 */
  double norm_rel_err;    /* the largest ||a - n|| / ||n|| over the claims that must hold, identities too */
  double erratum_rel_err; /* the largest worst_rel_err over the PRINTED claims that failed: the true relative error
                           * of the entry that decides each one's failure, resolved or not (a forward difference
                           * resolves none, so max_rel_err would say nothing); 0 when none failed */
  int status;             /* non-zero when the check could not run (a library error) */
  char error[256];
} bp_check_result;

/* How a check is run. */
typedef struct {
  bp_fd_method method;
  double step;      /* a fixed relative step for every difference (bpcheck sweep); 0: each method's own rule */
  int keep_entries; /* keep each claim's bp_gradcheck for a per-entry report; release with bp_check_result_release */
} bp_check_options;
bp_check_options bp_check_options_default(bp_fd_method method);

typedef struct {
  gsl_rng *rng;
  bp_check_options opt;
  bp_check_result *result;
} bp_check_ctx;

struct bp_check_def {
  const char *id;        /* "softmax-ds-split" */
  const char *equations; /* "23", as the notes number them */
  const char *title;
  const char *erratum; /* one line explaining the printed form's error, or NULL */
  int (*run)(bp_check_ctx *ctx);
};

extern const bp_check_def bp_checks[];
extern const size_t bp_checks_count;
const bp_check_def *bp_check_find(const char *id);
/* 1 when the check covers equation n: its `equations` field lists numbers and ranges ("5,6", "9-16"). */
int bp_check_covers(const bp_check_def *def, unsigned long n);
/* An equation named as on the command line, "26", "(26)", "eq. (26)" or "eq (26)": 0 and its number in *n, or -1
 * when arg names no equation. */
int bp_check_parse_equation(const char *arg, unsigned long *n);

/* Runs one check with its own generator seeded from (seed, id), so `run ID` reproduces `all`. */
int bp_check_run(const bp_check_def *def, unsigned long seed, bp_fd_method method, bp_check_result *result);
int bp_check_run_with(const bp_check_def *def, unsigned long seed, const bp_check_options *opt,
                      bp_check_result *result);
/* Frees the entries kept by keep_entries (a no-op without them). */
void bp_check_result_release(bp_check_result *result);
/* Does the claim have to hold for its check to pass? (LIBRARY and CORRECTED always; PRINTED unless its check is
 * an erratum and it is the printed form that fails.) */
int bp_claim_must_hold(const bp_check_result *r, const bp_claim *c);

/* ---- for the check files ---------------------------------------------------------------------------------- */
/* Claim: the formula's Jacobian J (m x n) equals the numeric Jacobian of f at x. */
int bp_claim_jacobian(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula,
                      const bp_fd_problem *f, gsl_vector *x, const gsl_matrix *J);
/* Claim: the formula's gradient g (length n) equals the numeric gradient of the scalar f at x. */
int bp_claim_gradient(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula,
                      const bp_fd_problem *f, gsl_vector *x, const gsl_vector *g);
/* Claim: two closed forms agree entry by entry (BP_RTOL_IDENTITY). */
int bp_claim_identity(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula, const gsl_vector *lhs,
                      const gsl_vector *rhs);

/* Draws: irregular uniform values in [lo, hi), probability vectors, and layer sizes. */
void bp_draw_vector(gsl_rng *rng, gsl_vector *v, double lo, double hi);
void bp_draw_matrix(gsl_rng *rng, gsl_matrix *m, double lo, double hi);
void bp_draw_distribution(gsl_rng *rng, gsl_vector *t);

/* ---- how often a method's error estimate bounds its actual error (checks/coverage.c, `bpcheck estimates`) -----
 * Every derivation check is run with `method` and with a reference method at the same seed (the same seed draws
 * the same points, and coverage.c verifies it: the analytic values of every claim must be bit for bit the same).
 * Over every entry of every finite-difference claim (the identities have no estimate), with n, e the method's value
 * and estimate and n_ref, e_ref the reference's, the entry is COVERED when
 *     |n - n_ref| <= e + e_ref.
 * e_ref is added because the reference is not exact either: if both estimates hold, |n - n_ref| <= |n - f'| +
 * |f' - n_ref| <= e + e_ref, so a miss means that at least one estimate failed. The reference of forward, central,
 * richardson and gsl is the complex step, whose e_ref is 1e3 to 1e8 times smaller than their e: adding it changes
 * nothing measurable, and leaving it out would blame the method for the reference's rounding. The complex step has
 * no better oracle in double, so its reference is Richardson: a WEAKER measurement, see coverage.c. An entry is one
 * (claim, entry) pair: a derivative that two claims compare (a printed form and its correction) counts twice.
 * Entries where n, e, n_ref or e_ref is not finite are skipped and counted in `nonfinite`. */
#define BP_ESTIMATE_COVERAGE_GOAL 0.99 /* the requirement: covered on at least 99% of the entries */
typedef struct {
  bp_fd_method method, reference;
  size_t entries;          /* finite entries compared */
  size_t covered;          /* of them, |n - n_ref| <= e + e_ref */
  size_t nonfinite;        /* skipped */
  double fraction;         /* covered / entries; 0 when there is no entry (nothing was shown) */
  double worst_ratio;      /* the largest |n - n_ref| / (e + e_ref): > 1 exactly where an entry is not covered */
  const char *worst_check; /* where the worst ratio is: the check's id, the claim's index in it and the entry */
  size_t worst_claim, worst_entry; /* (entry r * cols + c of the claim's Jacobian); worst_check NULL if no entry */
} bp_estimate_coverage;
/* The reference `method` is measured against: BP_FD_COMPLEX, or BP_FD_RICHARDSON for the complex step itself. */
bp_fd_method bp_estimate_coverage_reference(bp_fd_method method);
/* Runs every check with `method` and its reference at `seed` and counts. GSL status: a check that cannot run
 * passes its status on; GSL_EFAILED when the two runs do not hold the same points (message names the claim). */
int bp_estimate_coverage_measure(bp_fd_method method, unsigned long seed, bp_estimate_coverage *out);
/* The same with every estimate e of `method` multiplied by estimate_scale (> 0) before it is counted: 1 measures
 * the estimates as they are; a test plants an underestimate (1e-3) to show that the measurement can fail. */
int bp_estimate_coverage_measure_scaled(bp_fd_method method, unsigned long seed, double estimate_scale,
                                        bp_estimate_coverage *out);

#endif
