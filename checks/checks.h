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

#include "fd.h"

typedef enum { BP_CLAIM_PRINTED, BP_CLAIM_CORRECTED, BP_CLAIM_LIBRARY, BP_CLAIM_MUST_FAIL } bp_claim_kind;
typedef enum { BP_CHECK_PASS, BP_CHECK_FAIL, BP_CHECK_ERRATUM } bp_check_verdict;

const char *bp_claim_kind_name(bp_claim_kind kind);
const char *bp_check_verdict_name(bp_check_verdict v);

#define BP_CHECK_MAX_CLAIMS 10

typedef struct {
  bp_claim_kind kind;
  const char *equation; /* "23" */
  const char *formula;  /* the claim in ASCII math */
  const char *method;   /* a finite-difference method's name, or "identity" */
  bp_verdict verdict;   /* of the comparison */
  size_t entries, n_failed, n_unresolved, worst; /* n_unresolved: left out of max_rel_err (see fd.h) */
  double max_rel_err, norm_rel_err;
  double worst_analytic, worst_reference; /* the worst entry: the formula's value and the reference value */
  size_t rows, cols;    /* the claim's Jacobian is rows x cols (1 x n for a gradient); entry r * cols + c */
  bp_gradcheck *gc;     /* every entry, kept only with bp_check_options.keep_entries (else NULL) */
} bp_claim;

typedef struct bp_check_def bp_check_def;

typedef struct {
  const bp_check_def *def;
  bp_claim claims[BP_CHECK_MAX_CLAIMS];
  size_t n_claims;
  bp_check_verdict verdict;
  double max_rel_err;     /* over the claims that must hold */
  double norm_rel_err;    /* the largest ||a - n|| / ||n|| over the finite-difference claims that must hold */
  double erratum_rel_err; /* over the PRINTED claims that failed; 0 when none did */
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
  const char *erratum;   /* one line explaining the printed form's error, or NULL */
  int (*run)(bp_check_ctx *ctx);
};

extern const bp_check_def bp_checks[];
extern const size_t bp_checks_count;
const bp_check_def *bp_check_find(const char *id);

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
int bp_claim_identity(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula,
                      const gsl_vector *lhs, const gsl_vector *rhs);

/* Draws: irregular uniform values in [lo, hi), probability vectors, and layer sizes. */
void bp_draw_vector(gsl_rng *rng, gsl_vector *v, double lo, double hi);
void bp_draw_matrix(gsl_rng *rng, gsl_matrix *m, double lo, double hi);
void bp_draw_distribution(gsl_rng *rng, gsl_vector *t);

#endif
