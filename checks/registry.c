/* registry.c - the table of derivation checks, the claim helpers they share, and the verdict rule. */
#include "checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "derivations.h"

const bp_check_def bp_checks[] = {
    /* Logistic outputs with cross-entropy, eq. (1)-(16) */
    {"logistic-dE-dx", "5,6", "dE/dx of the summed cross-entropy", NULL, bp_check_logistic_dE_dx},
    {"logistic-dx-ds", "7", "derivative of the logistic unit", NULL, bp_check_logistic_dx_ds},
    {"weighted-sum-ds-dw", "3,8", "derivative of the weighted sum by a weight", NULL, bp_check_weighted_sum_ds_dw},
    {"logistic-output-delta", "4,9", "output delta: the chain (4) fused into x - t", NULL,
     bp_check_logistic_output_delta},
    {"logistic-output-weights", "10", "gradient of the output layer's weights", NULL, bp_check_logistic_output_weights},
    {"logistic-hidden-delta", "11,12", "hidden delta dE/ds_j", NULL, bp_check_logistic_hidden_delta},
    {"logistic-hidden-dx", "13,14", "gradient by a hidden activation dE/dx_j", NULL, bp_check_logistic_hidden_dx},
    {"logistic-hidden-weights", "15,16", "gradient of the hidden layer's weights", NULL,
     bp_check_logistic_hidden_weights},
    {"logistic-deep-recursion", "9-16", "the recursion for a deeper network, logistic outputs", NULL,
     bp_check_logistic_deep_recursion},
    /* Softmax outputs with cross-entropy, eq. (17)-(31) */
    {"softmax-dE-dx", "19", "dE/dx of the multi-class cross-entropy", NULL, bp_check_softmax_dE_dx},
    {"softmax-jacobian", "20,21", "Jacobian of the softmax", NULL, bp_check_softmax_jacobian},
    {"softmax-ds-chain", "22", "chain rule through the softmax", NULL, bp_check_softmax_ds_chain},
    {"softmax-ds-split", "23", "chain rule split into k = i and k != i",
     "the k != i terms must be ADDED: the minus sign belongs to dx_k/ds_i = -x_k x_i (eq. 21), not to the sum",
     bp_check_softmax_ds_split},
    {"softmax-ds-expanded", "24", "the split chain with eq. (19) and (21) substituted",
     "the k != i terms are t_k x_i, not t_k x_k: (-t_k/x_k)(-x_k x_i) = t_k x_i; eq. (25) follows from t_k x_i",
     bp_check_softmax_ds_expanded},
    {"softmax-output-delta", "25,26", "output delta x - t and its assumption sum_k t_k = 1", NULL,
     bp_check_softmax_output_delta},
    {"softmax-output-weights-sum", "28", "chain rule for an output weight",
     "the sum over i reuses the free index i of w_ji: summed literally it is x_j sum_i (x_i - t_i), which is 0; "
     "w_ji reaches E only through s_i, so the sum has the one term of eq. (29)",
     bp_check_softmax_output_weights_sum},
    {"softmax-output-weights", "29", "gradient of the output layer's weights", NULL, bp_check_softmax_output_weights},
    {"softmax-hidden-delta", "30,31", "hidden delta below a softmax", NULL, bp_check_softmax_hidden_delta},
    {"softmax-deep-recursion", "26,29-31", "the recursion for a deeper network, softmax outputs", NULL,
     bp_check_softmax_deep_recursion},
    /* Numerically stable forms, eq. (32)-(40) */
    {"logistic-stable-forms", "32-36", "cross-entropy of a logistic unit rewritten in s", NULL,
     bp_check_logistic_stable_forms},
    {"softmax-stable-forms", "37,38", "softmax cross-entropy through log-sum-exp", NULL, bp_check_softmax_stable_forms},
    {"softmax-shift-invariance", "40", "adding a constant to every logit leaves E unchanged", NULL,
     bp_check_softmax_shift_invariance},
};
const size_t bp_checks_count = sizeof bp_checks / sizeof bp_checks[0];

const bp_check_def *bp_check_find(const char *id) {
  for (size_t k = 0; k < bp_checks_count; k++)
    if (strcmp(bp_checks[k].id, id) == 0) return &bp_checks[k];
  return NULL;
}

int bp_check_covers(const bp_check_def *def, unsigned long n) {
  for (const char *p = def->equations; *p;) {
    char *end;
    unsigned long lo = strtoul(p, &end, 10), hi = lo;
    if (end == p) return 0; /* not a list of numbers */
    if (*end == '-') {
      p = end + 1;
      hi = strtoul(p, &end, 10);
      if (end == p) return 0;
    }
    if (lo <= n && n <= hi) return 1;
    p = (*end == ',') ? end + 1 : end;
    if (*end != ',' && *end != '\0') return 0;
  }
  return 0;
}

int bp_check_parse_equation(const char *arg, unsigned long *n) {
  const char *p = arg;
  if (strncmp(p, "eq", 2) == 0) {
    p += 2;
    if (*p == '.') p++;
    while (*p == ' ') p++;
    if (*p != '(') return -1; /* "eq. (26)" keeps its parentheses */
  }
  int paren = (*p == '(');
  p += paren;
  if (*p < '0' || *p > '9') return -1;
  char *end;
  unsigned long v = strtoul(p, &end, 10);
  if (paren && *end++ != ')') return -1;
  if (*end != '\0' || v == 0) return -1;
  *n = v;
  return 0;
}

const char *bp_claim_kind_name(bp_claim_kind kind) {
  switch (kind) {
  case BP_CLAIM_PRINTED: return "printed";
  case BP_CLAIM_CORRECTED: return "corrected";
  case BP_CLAIM_LIBRARY: return "library";
  case BP_CLAIM_MUST_FAIL: return "must-fail";
  }
  return "unknown";
}

const char *bp_check_verdict_name(bp_check_verdict v) {
  switch (v) {
  case BP_CHECK_PASS: return "PASS";
  case BP_CHECK_FAIL: return "FAIL";
  case BP_CHECK_ERRATUM: return "ERRATUM";
  }
  return "UNKNOWN";
}

/* FNV-1a of the id, so each check draws its own points whatever else runs. */
static unsigned long check_seed(unsigned long seed, const char *id) {
  unsigned long h = 2166136261UL;
  for (const char *p = id; *p; p++) h = (h ^ (unsigned char)*p) * 16777619UL;
  return (seed ^ h) & 0xffffffffUL;
}

/* The rule of checks.h. A claim "holds" when its comparison PASSes; NO SIGNAL never counts as holding. */
static void decide(bp_check_result *res) {
  int any_printed_failed = 0, any_corrected = 0, bad = 0;
  /* fmax ignores a NaN operand: a claim with no resolved entry adds nothing, and max_rel_err stays NaN only when
   * no claim that must hold resolved an entry */
  res->max_rel_err = NAN;
  res->erratum_rel_err = 0.0;
  for (size_t k = 0; k < res->n_claims; k++) {
    const bp_claim *c = &res->claims[k];
    int holds = (c->verdict == BP_VERDICT_PASS);
    switch (c->kind) {
    case BP_CLAIM_PRINTED:
      if (holds) {
        res->max_rel_err = fmax(res->max_rel_err, c->max_rel_err);
      } else {
        any_printed_failed = 1;
        /* the failing entry's own relative error: max_rel_err counts resolved entries only, and a forward
           * difference resolves none, which made a gross erratum read 0 */
        res->erratum_rel_err = fmax(res->erratum_rel_err, c->worst_rel_err);
      }
      break;
    case BP_CLAIM_CORRECTED:
    case BP_CLAIM_LIBRARY: /* a correction must hold like a library function */
      any_corrected |= (c->kind == BP_CLAIM_CORRECTED);
      if (!holds) bad = 1;
      res->max_rel_err = fmax(res->max_rel_err, c->max_rel_err);
      break;
    case BP_CLAIM_MUST_FAIL:
      if (c->verdict != BP_VERDICT_FAIL) bad = 1;
      break;
    }
  }
  if (bad || res->n_claims == 0 || (any_printed_failed && !any_corrected))
    res->verdict = BP_CHECK_FAIL;
  else
    res->verdict = any_printed_failed ? BP_CHECK_ERRATUM : BP_CHECK_PASS;
}

bp_check_options bp_check_options_default(bp_fd_method method) { return (bp_check_options){method, 0.0, 0}; }

int bp_check_run(const bp_check_def *def, unsigned long seed, bp_fd_method method, bp_check_result *result) {
  bp_check_options opt = bp_check_options_default(method);
  return bp_check_run_with(def, seed, &opt, result);
}

void bp_check_result_release(bp_check_result *result) {
  for (size_t k = 0; k < result->n_claims; k++) {
    bp_gradcheck_free(result->claims[k].gc);
    result->claims[k].gc = NULL;
  }
}

int bp_claim_must_hold(const bp_check_result *r, const bp_claim *c) {
  switch (c->kind) {
  case BP_CLAIM_LIBRARY:
  case BP_CLAIM_CORRECTED: return 1;
  case BP_CLAIM_PRINTED: return !(r->verdict == BP_CHECK_ERRATUM && c->verdict != BP_VERDICT_PASS);
  default: return 0;
  }
}

int bp_check_run_with(const bp_check_def *def, unsigned long seed, const bp_check_options *opt,
                      bp_check_result *result) {
  memset(result, 0, sizeof *result);
  result->def = def;
  gsl_rng *rng = bp_rng_alloc(check_seed(seed, def->id));
  int status = rng ? GSL_SUCCESS : GSL_ENOMEM;
  if (status) {
    result->status = status;
    snprintf(result->error, sizeof result->error, "%s", bp_error_message());
    result->verdict = BP_CHECK_FAIL;
    return status;
  }
  bp_check_ctx ctx = {rng, *opt, result};
  status = def->run(&ctx);
  gsl_rng_free(rng);
  result->status = status;
  if (status) {
    snprintf(result->error, sizeof result->error, "%s", bp_error_message());
    result->verdict = BP_CHECK_FAIL;
    return status;
  }
  decide(result);
  for (size_t k = 0; k < result->n_claims; k++) {
    const bp_claim *c = &result->claims[k];
    if (bp_claim_must_hold(result, c)) /* identities too: the number the claim's own line shows */
      result->norm_rel_err = fmax(result->norm_rel_err, c->norm_rel_err);
  }
  return GSL_SUCCESS;
}

/* Records the claim; keeps gc (and returns 1 in *kept) when the options ask for entries. */
static int record(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula, const char *method,
                  bp_gradcheck *gc, size_t rows, size_t cols, int *kept) {
  bp_check_result *res = ctx->result;
  if (res->n_claims == BP_CHECK_MAX_CLAIMS)
    BP_ERROR(GSL_EINVAL, "check %s has more than %d claims", res->def->id, BP_CHECK_MAX_CLAIMS);
  bp_claim *c = &res->claims[res->n_claims++];
  /* no resolved entry (and none non-finite, which makes it inf): max_rel_err was not measured (checks.h) */
  int none_resolved = gc->n_unresolved == gc->size;
  *c = (bp_claim){.kind = kind,
                  .equation = eq,
                  .formula = formula,
                  .method = method,
                  .verdict = gc->verdict,
                  .entries = gc->size,
                  .n_failed = gc->n_failed,
                  .n_unresolved = gc->n_unresolved,
                  .worst = gc->worst,
                  .max_rel_err = none_resolved ? NAN : gc->max_rel_err,
                  .norm_rel_err = gc->norm_rel_err,
                  .worst_analytic = gsl_vector_get(gc->analytic, gc->worst),
                  .worst_reference = gsl_vector_get(gc->numeric, gc->worst),
                  .worst_rel_err = gsl_vector_get(gc->rel_err, gc->worst),
                  .rows = rows,
                  .cols = cols,
                  .gc = NULL};
  if (ctx->opt.keep_entries) c->gc = gc, *kept = 1;
  return GSL_SUCCESS;
}

int bp_claim_jacobian(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula,
                      const bp_fd_problem *f, gsl_vector *x, const gsl_matrix *J) {
  bp_gradcheck *gc = bp_gradcheck_alloc(J->size1 * J->size2);
  if (gc == NULL) return GSL_ENOMEM;
  bp_tolerance tol = bp_tolerance_default();
  bp_fd_options fo = {.step = ctx->opt.step};
  int kept = 0;
  int status = bp_gradcheck_jacobian_with(gc, ctx->opt.method, f, x, &fo, J, &tol);
  if (!status)
    status = record(ctx, kind, eq, formula, bp_fd_method_name(ctx->opt.method), gc, J->size1, J->size2, &kept);
  if (!kept) bp_gradcheck_free(gc);
  return status;
}

int bp_claim_gradient(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula,
                      const bp_fd_problem *f, gsl_vector *x, const gsl_vector *g) {
  gsl_matrix_const_view J = gsl_matrix_const_view_vector(g, 1, g->size);
  return bp_claim_jacobian(ctx, kind, eq, formula, f, x, &J.matrix);
}

int bp_claim_identity(bp_check_ctx *ctx, bp_claim_kind kind, const char *eq, const char *formula, const gsl_vector *lhs,
                      const gsl_vector *rhs) {
  if (lhs->size != rhs->size)
    BP_ERROR(GSL_EBADLEN, "identity %s: the sides have %zu and %zu entries", formula, lhs->size, rhs->size);
  bp_gradcheck *gc = bp_gradcheck_alloc(lhs->size);
  if (gc == NULL) return GSL_ENOMEM;
  gsl_vector_memcpy(gc->analytic, lhs);
  gsl_vector_memcpy(gc->numeric, rhs);
  gsl_vector_set_zero(gc->estimate);
  bp_tolerance tol = bp_tolerance_identity();
  int status = bp_gradcheck_compare(gc, &tol);
  int kept = 0;
  if (!status) status = record(ctx, kind, eq, formula, "identity", gc, 1, lhs->size, &kept);
  if (!kept) bp_gradcheck_free(gc);
  return status;
}

void bp_draw_vector(gsl_rng *rng, gsl_vector *v, double lo, double hi) {
  for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, lo + (hi - lo) * gsl_rng_uniform(rng));
}

void bp_draw_matrix(gsl_rng *rng, gsl_matrix *m, double lo, double hi) {
  for (size_t r = 0; r < m->size1; r++)
    for (size_t c = 0; c < m->size2; c++) gsl_matrix_set(m, r, c, lo + (hi - lo) * gsl_rng_uniform(rng));
}

/* Positive entries bounded away from 0, normalised to sum to 1. */
void bp_draw_distribution(gsl_rng *rng, gsl_vector *t) {
  bp_draw_vector(rng, t, 0.05, 1.0);
  double sum = 0.0;
  for (size_t i = 0; i < t->size; i++) sum += gsl_vector_get(t, i);
  gsl_vector_scale(t, 1.0 / sum);
}
