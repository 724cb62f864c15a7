/* diagnose.c - why a gradient is wrong (see diagnose.h for the rules every hypothesis follows).
 *
 * Order of the hypotheses (the first that matches is reported; diagnose_failure):
 *   1. the whole gradient is zero, or minus the true one (eq. (9), eq. (26));
 *   2. with a context, the classic mistakes of mistakes.h reproduced over the whole gradient (try_models): targets
 *      that do not sum to one (eq. 25, 26), the softmax diagonal (eq. 21, 22), eq. (7) left out or taken at s at
 *      one layer, deltas through W instead of W^T at one layer (eq. 13, 14, any shape), every dW from the wrong
 *      layer (eq. 10, 15), weights updated before the pass finished (eta fitted), every bias one example's
 *      (eq. 16, 29), one example's gradient for the batch sum, x(1-x) from the rounded x on saturated units
 *      (eq. 7, 12);
 *   3. a factor a mistake gives (small fractions, the batch size; with a batch of 2 both readings of 1/2), a shift;
 *   4. with a context, the first wrong layer from the top and its rules in order (try_top_down, one function
 *      per rule); else "layer l is wrong";
 *   5. without a context, a permutation; last, any factor, said to be one no classic mistake gives. */
#include "diagnose.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>

#include "activation.h"
#include "core.h"
#include "mistakes.h"

/* A measured factor within this relative distance of a simple value (-1, 2, 1/2, the batch size...) is named
 * after it. The factor is measured to about the checker's rtol (1e-7), so 1e-6 names only what is that value. */
#define BP_DIAG_SNAP 1e-6
/* The largest shift tried: off-by-one indices (1) and off-by-one rows (a row of a weight block) of the small
 * networks students check. */
#define BP_DIAG_MAX_SHIFT 256

static const char *const kind_names[BP_DIAG_N_KINDS] = {"none",
                                                        "sign",
                                                        "factor",
                                                        "missing-activation-derivative",
                                                        "derivative-at-s",
                                                        "transposed",
                                                        "permuted",
                                                        "softmax-diagonal",
                                                        "overwritten-batch",
                                                        "targets-not-normalized",
                                                        "wrong-layer-activations",
                                                        "updated-weights",
                                                        "bias-not-summed",
                                                        "saturation",
                                                        "wrong-layer",
                                                        "unknown"};

const char *bp_diagnosis_kind_name(bp_diagnosis_kind kind) {
  return ((unsigned)kind < BP_DIAG_N_KINDS) ? kind_names[kind] : "invalid";
}

static void say(bp_diagnosis *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void say(bp_diagnosis *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->sentence, sizeof d->sentence, fmt, ap);
  va_end(ap);
  d->sentence[0] = (char)toupper((unsigned char)d->sentence[0]); /* a sentence may start with the subject */
}

/* Who the sentence speaks of (bp_diagnose_as): the gradient, and the code that made it. */
static const char *grad_of(const bp_diagnosis *d) { return d->subject[0] ? d->subject : "your gradient"; }
static const char *source_of(const bp_diagnosis *d) { return d->subject[0] ? d->subject : "your backprop"; }

/* After a prefix such as "In W2 (...): ", the sentence goes on in lower case. */
static void continue_after(bp_diagnosis *d, const char *where) {
  size_t k = strlen(where);
  if (k > 0 && k < sizeof d->sentence) d->sentence[k] = (char)tolower((unsigned char)d->sentence[k]);
}

/* ---- reading the gradcheck ----------------------------------------------------------------------------------- */

typedef struct {
  const bp_gradcheck *gc;
  const bp_diagnosis_context *ctx; /* NULL: value patterns only */
  bp_tolerance tol;
} diag_input;

static double A(const diag_input *in, size_t k) { return gsl_vector_get(in->gc->analytic, k); }
static double N(const diag_input *in, size_t k) { return gsl_vector_get(in->gc->numeric, k); }
static double E(const diag_input *in, size_t k) { return fabs(gsl_vector_get(in->gc->estimate, k)); }

/* The checker's own test of one entry (fd.h): a agrees with p to rtol, or within est_factor estimates e. */
static int agree(const diag_input *in, double a, double p, double e) {
  double diff = fabs(a - p);
  if (!isfinite(diff)) return 0;
  return diff <= in->tol.rtol * fmax(fabs(a), fabs(p)) || diff <= in->tol.est_factor * e;
}

/* Some entry of [lo, hi) failed the check. */
static int range_fails(const diag_input *in, size_t lo, size_t hi) {
  for (size_t k = lo; k < hi; k++)
    if (!gsl_vector_uchar_get(in->gc->passed, k)) return 1;
  return 0;
}

/* The name of entry k: the parameter name with a context, else "entry k". */
static void entry_name(const diag_input *in, size_t k, char *buf, size_t len) {
  if (in->ctx == NULL || bp_mlp_param_name(in->ctx->net, k, buf, len) != GSL_SUCCESS)
    snprintf(buf, len, "entry %zu", k);
}

/* One past the last entry of layer l (W<l>, then b<l>). */
static size_t layer_end(const bp_mlp *net, size_t l) {
  return net->offset[l] + (net->sizes[l - 1] + 1) * net->sizes[l];
}

/* ---- value patterns ------------------------------------------------------------------------------------------- */

/* The least-squares factor c of a = c n over [lo, hi): sum a n / sum n^2, scaled so the squares cannot overflow.
 * Large entries decide it, so entries where n is nearly 0 (and a/n means nothing) do not disturb it. 0 when n is
 * zero over the range. */
static int factor_fit(const diag_input *in, size_t lo, size_t hi, double *c) {
  double big = 0.0;
  for (size_t k = lo; k < hi; k++) big = fmax(big, fmax(fabs(A(in, k)), fabs(N(in, k))));
  if (!(big > 0) || !isfinite(big)) return 0;
  double an = 0.0, nn = 0.0;
  for (size_t k = lo; k < hi; k++) {
    double a = A(in, k) / big, n = N(in, k) / big;
    an += a * n;
    nn += n * n;
  }
  if (!(nn > 0)) return 0;
  *c = an / nn;
  return isfinite(*c);
}

/* a = c n entry by entry (c n has the estimate |c| e), and c n differs from n somewhere. */
static int factor_matches(const diag_input *in, size_t lo, size_t hi, double c) {
  int differs = 0;
  for (size_t k = lo; k < hi; k++) {
    double n = N(in, k), e = E(in, k);
    if (!agree(in, A(in, k), c * n, fabs(c) * e)) return 0;
    if (!agree(in, c * n, n, e)) differs = 1;
  }
  return differs;
}

/* a = 0 entry by entry up to n's own error (rounding noise such as a sum that cancels), and n is not 0 somewhere:
 * the factor 0, which the least-squares fit misses when a is noise of no fixed ratio to n. */
static int zero_matches(const diag_input *in, size_t lo, size_t hi) {
  int differs = 0;
  for (size_t k = lo; k < hi; k++) {
    if (!agree(in, A(in, k), 0.0, E(in, k))) return 0;
    if (!agree(in, 0.0, N(in, k), E(in, k))) differs = 1;
  }
  return differs;
}

/* a[k] = n[k - s] wherever both lie in [lo, hi) (the |s| entries shifted in from outside are not judged), over an
 * overlap of at least half the range, and the shifted n differs from n somewhere. */
static int shift_matches(const diag_input *in, size_t lo, size_t hi, long s) {
  size_t m = hi - lo, as = (size_t)labs(s);
  if (as == 0 || as >= m || 2 * (m - as) < m || m - as < 2) return 0;
  size_t first = (s > 0) ? lo + as : lo, last = (s > 0) ? hi : hi - as;
  int differs = 0;
  for (size_t k = first; k < last; k++) {
    size_t from = (s > 0) ? k - as : k + as;
    if (!agree(in, A(in, k), N(in, from), E(in, from))) return 0;
    if (!agree(in, N(in, from), N(in, k), fmax(E(in, from), E(in, k)))) differs = 1;
  }
  return differs;
}

/* The smallest shift that matches, +1 before -1 before +2...; 0 if none. */
static long find_shift(const diag_input *in, size_t lo, size_t hi) {
  for (long s = 1; s <= BP_DIAG_MAX_SHIFT && (size_t)s < hi - lo; s++) {
    if (shift_matches(in, lo, hi, s)) return s;
    if (shift_matches(in, lo, hi, -s)) return -s;
  }
  return 0;
}

/* W<l>'s gradient computed as the transpose (sizes[l] x sizes[l-1]) and stored in W<l>'s place, row by row:
 * a[r nj + c] = n[c ni + r]. For a square block this is a_ji = n_ij. */
static int transposed_block_matches(const diag_input *in, size_t off, size_t nj, size_t ni) {
  int differs = 0;
  for (size_t r = 0; r < ni; r++)
    for (size_t c = 0; c < nj; c++) {
      size_t k = off + r * nj + c, from = off + c * ni + r;
      if (!agree(in, A(in, k), N(in, from), E(in, from))) return 0;
      if (!agree(in, N(in, from), N(in, k), fmax(E(in, from), E(in, k)))) differs = 1;
    }
  return differs;
}

static int cmp_double(const void *x, const void *y) {
  double u = *(const double *)x, v = *(const double *)y;
  return (u > v) - (u < v);
}

/* The values of a over [lo, hi) are those of n, in other places: the sorted values agree pairwise (the estimates
 * no longer belong to one entry once sorted, so each pair gets the range's largest). *status on failure. */
static int permutation_matches(const diag_input *in, size_t lo, size_t hi, int *status) {
  size_t m = hi - lo;
  if (m < 2) return 0;
  double *sa = bp_malloc(m * sizeof *sa), *sn = bp_malloc(m * sizeof *sn);
  if (sa == NULL || sn == NULL) {
    free(sa);
    free(sn);
    *status = GSL_ENOMEM;
    return 0;
  }
  double emax = 0.0;
  for (size_t k = 0; k < m; k++) {
    sa[k] = A(in, lo + k);
    sn[k] = N(in, lo + k);
    emax = fmax(emax, E(in, lo + k));
  }
  qsort(sa, m, sizeof *sa, cmp_double);
  qsort(sn, m, sizeof *sn, cmp_double);
  int same = 1;
  for (size_t k = 0; same && k < m; k++) same = agree(in, sa[k], sn[k], emax);
  free(sa);
  free(sn);
  return same;
}

/* The failing entry of [lo, hi) with the largest |a - n|, and the entry whose true value it holds. */
static void permutation_example(const diag_input *in, size_t lo, size_t hi, size_t *at, size_t *from) {
  double worst = -1.0;
  *at = lo;
  for (size_t k = lo; k < hi; k++)
    if (!gsl_vector_uchar_get(in->gc->passed, k) && fabs(A(in, k) - N(in, k)) > worst) {
      worst = fabs(A(in, k) - N(in, k));
      *at = k;
    }
  double best = GSL_POSINF;
  *from = *at;
  for (size_t k = lo; k < hi; k++)
    if (k != *at && fabs(N(in, k) - A(in, *at)) < best) {
      best = fabs(N(in, k) - A(in, *at));
      *from = k;
    }
}

static int near(double c, double v) { return fabs(c - v) <= BP_DIAG_SNAP * fabs(v); }

/* A factor a classic mistake can give: 0, +-p/q with p, q <= 4 (the sign, the 2 of a squared error, ...), and the
 * batch size B or 1/B. Any other factor explains nothing and is offered only after every other hypothesis. */
static int simple_factor(double c, size_t batch) {
  if (c == 0.0) return 1;
  for (int q = 1; q <= 4; q++)
    for (int pn = 1; pn <= 4; pn++)
      if (near(fabs(c), (double)pn / q)) return 1;
  return batch >= 2 && (near(c, (double)batch) || near(c, 1.0 / (double)batch));
}

/* Why a gradient would be c times the true one (eq. (9), eq. (26)). batch is 0 without a context. */
static void factor_cause(double c, size_t batch, char *buf, size_t len) {
  double k = nearbyint(1.0 / c), K = nearbyint(c);
  if (batch == 2 && near(c, 0.5))
    snprintf(buf, len,
             "a factor 1/2, which names two mistakes here: a mean over the batch of 2 where the loss is "
             "the sum, or the 1/2 of a squared loss where the loss has none");
  else if (batch == 2 && near(c, 2.0))
    snprintf(buf, len,
             "a factor 2, which names two mistakes here: a sum over the batch of 2 where the loss is the "
             "mean, or the derivative of a squared loss (a missing 1/2)");
  else if (near(c, 2.0))
    snprintf(buf, len, "a factor 2, as from the derivative of a squared loss or a missing 1/2");
  else if (near(c, 0.5))
    snprintf(buf, len, "a factor 1/2, as from the 1/2 of a squared loss where the loss has none");
  else if (batch >= 2 && near(c, 1.0 / (double)batch))
    snprintf(buf, len, "1/N with N = %zu, the batch size: a mean over the batch where the loss is the sum", batch);
  else if (batch >= 2 && near(c, (double)batch))
    snprintf(buf, len, "N = %zu, the batch size: a sum over the batch where the loss is the mean", batch);
  else if (batch == 0 && k >= 3 && near(c, 1.0 / k))
    snprintf(buf, len, "1/N with N = %.0f: a mean over a batch of N where the loss is the sum?", k);
  else if (batch == 0 && K >= 3 && near(c, K))
    snprintf(buf, len, "N = %.0f: a sum over a batch of N where the loss is the mean?", K);
  else if (simple_factor(c, batch))
    snprintf(buf, len, "check the constants of the loss and of the output delta, eq. (9) and eq. (26)");
  else
    snprintf(buf, len,
             "a factor no classic mistake gives (not a small fraction, not the batch size); compare the "
             "loss you differentiate with eq. (36) or eq. (38)");
}

/* The mistake of the module a factor names, for the report (NONE when it names none for sure). */
static bp_mistake factor_mistake(double c, size_t batch) {
  if (near(c, -1.0)) return BP_MISTAKE_SIGN;
  if (batch != 2 && near(c, 2.0)) return BP_MISTAKE_FACTOR_TWO;
  if (batch > 2 && near(c, 1.0 / (double)batch)) return BP_MISTAKE_MEAN_OVER_BATCH;
  return BP_MISTAKE_NONE;
}

/* The sign and factor sentences, eq. (9), eq. (26). where: "" for the whole gradient, else the layer phrase. */
static void report_factor(bp_diagnosis *d, double c, size_t batch, size_t layer, const char *where) {
  d->factor = c;
  d->layer = layer;
  d->mistake = factor_mistake(c, batch);
  if (near(c, -1.0)) {
    d->kind = BP_DIAG_SIGN;
    say(d,
        "%sThe sign is flipped: %s is minus the true one (factor %.9g), e.g. t - x where the delta "
        "is x - t (eq. (9), eq. (26)), or the update's minus sign put into the gradient.",
        where, grad_of(d), c);
  } else if (c == 0.0) {
    d->kind = BP_DIAG_FACTOR;
    say(d,
        "%s%s is zero (to rounding) where the true one is not: nothing was written into it, it was "
        "cleared after backprop, or it is a sum that cancels, as eq. (28) summed over its clashing index i.",
        where, grad_of(d));
  } else {
    char cause[200];
    factor_cause(c, batch, cause, sizeof cause);
    d->kind = BP_DIAG_FACTOR;
    say(d, "%s%s is %.9g times the true one: %s.", where, grad_of(d), c, cause);
  }
  continue_after(d, where);
}

/* Which value patterns try_value_patterns tries: a factor a mistake gives (simple_factor, the sign and 0 among
 * them), any factor, a shift, a permutation. */
enum { PAT_FACTOR = 1, PAT_ANY_FACTOR = 2, PAT_SHIFT = 4, PAT_PERMUTATION = 8 };

static int try_factor(const diag_input *in, size_t lo, size_t hi, int which, size_t layer, const char *where,
                      bp_diagnosis *d) {
  size_t batch = in->ctx ? in->ctx->X0->size1 : 0;
  double c;
  if (!(which & (PAT_FACTOR | PAT_ANY_FACTOR))) return 0;
  if ((which & PAT_FACTOR) && zero_matches(in, lo, hi)) {
    report_factor(d, 0.0, batch, layer, where);
    return 1;
  }
  if (!factor_fit(in, lo, hi, &c) || !factor_matches(in, lo, hi, c)) return 0;
  if (!(which & (simple_factor(c, batch) ? PAT_FACTOR : PAT_ANY_FACTOR))) return 0;
  report_factor(d, c, batch, layer, where);
  return 1;
}

static int try_shift(const diag_input *in, size_t lo, size_t hi, size_t layer, const char *where, bp_diagnosis *d) {
  char from[64], to[64];
  long s = find_shift(in, lo, hi);
  if (s == 0) return 0;
  size_t k = (s > 0) ? lo + (size_t)s : lo;
  entry_name(in, k, to, sizeof to);
  entry_name(in, (s > 0) ? k - (size_t)s : k + (size_t)(-s), from, sizeof from);
  d->kind = BP_DIAG_PERMUTED;
  d->shift = s;
  d->layer = layer;
  d->entry = k;
  say(d,
      "%sThe right values are in the wrong places, shifted by %+ld: %s holds the value of %s, and so on "
      "(an off-by-one index where the gradient is stored).",
      where, s, to, from);
  continue_after(d, where);
  return 1;
}

static int try_permutation(const diag_input *in, size_t lo, size_t hi, size_t layer, const char *where, bp_diagnosis *d,
                           int *status) {
  char from[64], to[64];
  if (!permutation_matches(in, lo, hi, status)) return 0;
  size_t at, src;
  permutation_example(in, lo, hi, &at, &src);
  entry_name(in, at, to, sizeof to);
  entry_name(in, src, from, sizeof from);
  d->kind = BP_DIAG_PERMUTED;
  d->layer = layer;
  d->entry = at;
  say(d,
      "%sThe right values are in the wrong places: e.g. %s holds the value that belongs to %s (permuted "
      "indices; compare your index order with W(j, i) = w_ji).",
      where, to, from);
  continue_after(d, where);
  return 1;
}

/* Value patterns over [lo, hi) in this order: a factor, a shift, a permutation. Returns 1 when one matched (d
 * filled; *status is set only when scratch space could not be allocated). */
static int try_value_patterns(const diag_input *in, size_t lo, size_t hi, int which, size_t layer, const char *where,
                              bp_diagnosis *d, int *status) {
  return try_factor(in, lo, hi, which, layer, where, d) ||
         ((which & PAT_SHIFT) && try_shift(in, lo, hi, layer, where, d)) ||
         ((which & PAT_PERMUTATION) && try_permutation(in, lo, hi, layer, where, d, status));
}

/* ---- mistakes reproduced by a modified backward pass ------------------------------------------------------------ */

/* The mistakes of mistakes.h reproduced at the checked point: one forward pass, then one planted backward per
 * hypothesis into p. */
typedef struct {
  const bp_mlp *net;
  const gsl_matrix *X0, *T;
  size_t L, B;
  bp_mistake_workspace *ws;
  gsl_vector *p; /* the prediction, in the parameter layout */
} model;

static void model_free(model *mo) {
  bp_mistake_workspace_free(mo->ws);
  if (mo->p) gsl_vector_free(mo->p);
}

/* Forward at net->params, eq. (2), eq. (3), eq. (17), keeping every layer's s and x. */
static int model_init(model *mo, const bp_diagnosis_context *ctx) {
  memset(mo, 0, sizeof *mo);
  mo->net = ctx->net;
  mo->X0 = ctx->X0;
  mo->T = ctx->T;
  mo->L = ctx->net->n_layers;
  mo->B = ctx->X0->size1;
  mo->ws = bp_mistake_workspace_alloc(ctx->net, mo->B);
  mo->p = bp_vector_alloc(ctx->net->n_params);
  if (mo->ws == NULL || mo->p == NULL) return GSL_ENOMEM;
  return bp_mistake_forward(mo->ws, ctx->net, ctx->X0, ctx->T);
}

/* A plant of `mistake` at `layer` (0: where the mistake's default puts it), example SIZE_MAX (the last). */
static bp_plant plant_at(bp_mistake mistake, size_t layer) {
  bp_plant h = bp_plant_default(mistake);
  h.layer = layer;
  return h;
}

/* Whether the mistake can be made at all in this network. */
static int hypothesis_applies(const model *mo, bp_plant h) { return bp_plant_valid(mo->net, &h); }

/* The gradient the hypothesis predicts, into mo->p (mistakes.h). */
static int model_predict(model *mo, bp_plant h) { return bp_mistake_backward(mo->ws, &h, mo->p); }

/* a agrees with the prediction entry by entry over [lo, hi), and the prediction differs from n somewhere there. */
static int prediction_matches(const diag_input *in, const gsl_vector *p, size_t lo, size_t hi) {
  int differs = 0;
  for (size_t k = lo; k < hi; k++) {
    double pk = gsl_vector_get(p, k), e = E(in, k);
    if (!agree(in, A(in, k), pk, e)) return 0;
    if (!agree(in, pk, N(in, k), e)) differs = 1;
  }
  return differs;
}

/* The row of T whose sum is farthest from 1, eq. (25), eq. (26). */
static size_t worst_target_row(const gsl_matrix *T, double *sum) {
  size_t worst = 0;
  double dev = -1.0;
  for (size_t r = 0; r < T->size1; r++) {
    double s = 0.0;
    for (size_t i = 0; i < T->size2; i++) s += gsl_matrix_get(T, r, i);
    if (fabs(s - 1.0) > dev) {
      dev = fabs(s - 1.0);
      worst = r;
      *sum = s;
    }
  }
  return worst;
}

/* "Layer l is wrong (the layers above are right): " when l is below the output, else "". */
static void layer_phrase(size_t l, size_t L, char *buf, size_t len) {
  if (l >= 1 && l < L)
    snprintf(buf, len, "Layer %zu is wrong (the layers above are right): ", l);
  else
    buf[0] = '\0';
}

/* The sentence of a mistake reproduced by the model (eq. 7, 10, 13-16, 21, 22, 25, 26, 29). */
static void report_mistake(const model *mo, bp_plant h, bp_diagnosis *d) {
  char where[80];
  size_t L = mo->L;
  int softmax = mo->net->output == BP_OUTPUT_SOFTMAX;
  d->layer = h.layer;
  d->mistake = h.mistake;
  switch (h.mistake) {
  case BP_MISTAKE_TARGETS_UNNORMALIZED: {
    double sum = 1.0;
    size_t r = worst_target_row(mo->T, &sum);
    d->kind = BP_DIAG_TARGETS_NOT_NORMALIZED;
    d->layer = L;
    d->example = r;
    d->factor = sum;
    say(d,
        "The targets do not sum to one (example %zu of the batch sums to %.9g), so the output "
        "delta x - t of eq. (26) is not the gradient: it is x sum_k t_k - t (eq. (25)); normalize the targets or "
        "use eq. (25).",
        r, sum);
    break;
  }
  case BP_MISTAKE_SOFTMAX_DIAGONAL:
    d->kind = BP_DIAG_SOFTMAX_DIAGONAL;
    d->layer = L;
    say(d, "The output delta uses only the diagonal of the softmax Jacobian, dE/ds_i = dE/dx_i x_i(1-x_i): eq. (22) "
           "also sums the terms dE/dx_k (-x_k x_i) for k != i (eq. (21)), which together give x - t (eq. (26)).");
    break;
  case BP_MISTAKE_MISSING_DERIVATIVE:
    d->kind = BP_DIAG_MISSING_ACTIVATION_DERIVATIVE;
    layer_phrase(h.layer, L, where, sizeof where);
    if (h.layer == L && softmax)
      say(d, "The output delta misses the softmax Jacobian: you used dE/dx_i = -t_i/x_i (eq. (19)) as dE/ds_i, "
             "where eq. (22) multiplies by dx_k/ds_i of eq. (21) and gives x - t (eq. (26)).");
    else if (h.layer == L)
      say(d, "The output delta misses the logistic derivative x(1-x) of eq. (7): you used dE/dx = (x-t)/(x(1-x)) "
             "(eq. (6)) as dE/ds, which is 1/(x(1-x)) times the x - t of eq. (9).");
    else
      say(d,
          "%sits deltas miss the logistic derivative x(1-x) of eq. (7): dE/ds_j = dE/dx_j x_j(1-x_j) (eq. (11), "
          "eq. (12)), so %s is 1/(x(1-x)) times the true one per unit of layer %zu.",
          where, grad_of(d), h.layer);
    break;
  case BP_MISTAKE_DERIVATIVE_AT_S:
    d->kind = BP_DIAG_DERIVATIVE_AT_S;
    layer_phrase(h.layer, L, where, sizeof where);
    say(d,
        "%s%s uses s(1-s), the logistic derivative taken at the weighted sum s, where eq. (7) needs x(1-x) "
        "at the activation x = 1/(1+e^-s) of layer %zu.",
        where, h.layer == L ? "The output delta" : "its delta", h.layer);
    break;
  case BP_MISTAKE_TRANSPOSED_PROPAGATION:
    d->kind = BP_DIAG_TRANSPOSED;
    d->shift = 1;
    layer_phrase(h.layer - 1, L, where, sizeof where);
    say(d,
        "%sthe deltas are sent down through W%zu instead of its transpose: eq. (13), eq. (14) sum dE/ds_i w_ji "
        "over the units i above (dX = dS W^T, W%zu being %zu x %zu), not w_ij (W[i*%zu + j] read for W[j*%zu + i]).",
        where, h.layer, h.layer, mo->net->sizes[h.layer - 1], mo->net->sizes[h.layer], mo->net->sizes[h.layer - 1],
        mo->net->sizes[h.layer]);
    break;
  case BP_MISTAKE_WRONG_LAYER_ACTIVATIONS:
    d->kind = BP_DIAG_WRONG_LAYER_ACTIVATIONS;
    if (h.layer == 0)
      say(d, "Each dW is built from the activations of the wrong layer (off by one layer): dE/dw_ji = dE/ds_i x_j "
             "(eq. (10), eq. (15)) takes x_j from the layer below the weights, not from their own layer.");
    else
      say(d,
          "In W%zu: dW%zu is built from the activations of layer %zu, its own output, instead of layer %zu below it "
          "(off by one layer): dE/dw_ji = dE/ds_i x_j (eq. (10), eq. (15)) with x_j of layer %zu.",
          h.layer, h.layer, h.layer, h.layer - 1, h.layer - 1);
    break;
  case BP_MISTAKE_UPDATED_WEIGHTS:
    d->kind = BP_DIAG_UPDATED_WEIGHTS;
    d->factor = h.eta;
    say(d,
        "The deltas were sent down through weights already updated by a step of eta = %.6g (W - eta dW) before the "
        "backward pass finished: eq. (13), eq. (14) need the weights of the forward pass; update every W after the "
        "whole gradient is known.",
        h.eta);
    break;
  case BP_MISTAKE_BIAS_NOT_SUMMED:
    d->kind = BP_DIAG_BIAS_NOT_SUMMED;
    d->example = h.example;
    if (h.layer == 0)
      say(d,
          "The bias gradients hold the delta of example %zu alone (of examples 0..%zu), not the sum over the "
          "batch: db = sum over the examples of dE/ds (eq. (16), eq. (29)), as dW sums X^T dS.",
          h.example, mo->B - 1);
    else
      say(d,
          "In b%zu: the bias gradient holds the delta of example %zu alone (of examples 0..%zu), not the sum "
          "over the batch (eq. (16), eq. (29)).",
          h.layer, h.example, mo->B - 1);
    break;
  default: break;
  }
}

/* The per-example gradient G_k into mo->p: one example's contribution to the batch sum of eq. (10), eq. (15). */
static int example_gradient(model *mo, size_t k) {
  bp_plant h = bp_plant_default(BP_MISTAKE_OVERWRITTEN_BATCH);
  h.example = k;
  return model_predict(mo, h);
}

/* Every block (W_l, b_l) with a failing entry equals that block of example k's gradient (eq. (10), eq. (15)). */
static int blocks_match_example(const diag_input *in, const model *mo) {
  int any = 0;
  for (size_t l = 1; l <= mo->L; l++) {
    size_t nj = mo->net->sizes[l - 1], ni = mo->net->sizes[l], off = mo->net->offset[l];
    size_t bounds[3] = {off, off + nj * ni, off + nj * ni + ni};
    for (int b = 0; b < 2; b++) {
      if (!range_fails(in, bounds[b], bounds[b + 1])) continue;
      if (!prediction_matches(in, mo->p, bounds[b], bounds[b + 1])) return 0;
      any = 1;
    }
  }
  return any;
}

static void report_overwritten(bp_diagnosis *d, size_t k, size_t B, size_t layer, int whole) {
  d->kind = BP_DIAG_OVERWRITTEN_BATCH;
  d->mistake = BP_MISTAKE_OVERWRITTEN_BATCH;
  d->example = k;
  d->layer = layer;
  if (whole)
    say(d,
        "%s is that of example %zu alone (of examples 0..%zu): the loop over the batch overwrites "
        "(=) the gradient instead of accumulating (+=) it, while the loss sums over the examples.",
        grad_of(d), k, B - 1);
  else
    say(d,
        "From layer %zu down, the wrong blocks hold the gradient of example %zu alone (of examples 0..%zu): "
        "they are overwritten (=) in the loop over the batch instead of accumulated (+=).",
        layer, k, B - 1);
}

/* The plant's prediction matches a over [lo, hi): 1 (d filled), 0, or 0 with *status on failure. */
static int plant_matches(const diag_input *in, model *mo, bp_plant h, size_t lo, size_t hi, bp_diagnosis *d,
                         int *status) {
  if (!hypothesis_applies(mo, h)) return 0;
  if ((*status = model_predict(mo, h)) != GSL_SUCCESS) return 0;
  if (!prediction_matches(in, mo->p, lo, hi)) return 0;
  report_mistake(mo, h, d);
  return 1;
}

/* The plant with each example in turn as the one left (the last first, as a loop leaves it). */
static int plant_matches_some_example(const diag_input *in, model *mo, bp_plant h, size_t lo, size_t hi,
                                      bp_diagnosis *d, int *status) {
  for (size_t k = mo->B; mo->B >= 2 && k-- > 0 && !*status;) {
    h.example = k;
    if (plant_matches(in, mo, h, lo, hi, d, status)) return 1;
  }
  return 0;
}

/* ---- the rules over the whole gradient, in order ------------------------------------------------------------- */

/* eq. (25), eq. (26); eq. (21), eq. (22); eq. (7) left out or at s at layer l; eq. (13), eq. (14) through W_l. */
static int rule_mistake_at_one_layer(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  size_t L = mo->L, n = mo->net->n_params;
  bp_plant hs[4 * BP_MLP_MAX_LAYERS + 4];
  size_t nh = 0;
  hs[nh++] = plant_at(BP_MISTAKE_TARGETS_UNNORMALIZED, 0);
  hs[nh++] = plant_at(BP_MISTAKE_SOFTMAX_DIAGONAL, 0);
  for (size_t l = L; l >= 1; l--) hs[nh++] = plant_at(BP_MISTAKE_MISSING_DERIVATIVE, l);
  for (size_t l = L; l >= 1; l--) hs[nh++] = plant_at(BP_MISTAKE_DERIVATIVE_AT_S, l);
  for (size_t l = L; l >= 2; l--) hs[nh++] = plant_at(BP_MISTAKE_TRANSPOSED_PROPAGATION, l);
  for (size_t k = 0; k < nh && !*status; k++)
    if (plant_matches(in, mo, hs[k], 0, n, d, status)) return 1;
  return 0;
}

/* eq. (10), eq. (15): every dW from the activations of the wrong layer. */
static int rule_wrong_layer_activations(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  return plant_matches(in, mo, plant_at(BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, 0), 0, mo->net->n_params, d, status);
}

/* eq. (16), eq. (29): every bias gradient one example's delta. */
static int rule_bias_not_summed(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  return plant_matches_some_example(in, mo, plant_at(BP_MISTAKE_BIAS_NOT_SUMMED, 0), 0, mo->net->n_params, d, status);
}

/* eq. (13), eq. (14) through W - eta dW. Layer L-1's gradient is affine in eta, a = n + eta D with D the change a
 * step of 1 makes: eta is fitted there by least squares, and the whole gradient must then match the prediction. */
static int rule_updated_weights(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  const bp_mlp *net = mo->net;
  if (mo->L < 2) return 0;
  size_t lo = net->offset[mo->L - 1], hi = layer_end(net, mo->L - 1);
  gsl_vector *p0 = bp_vector_alloc(net->n_params);
  if (p0 == NULL) {
    *status = GSL_ENOMEM;
    return 0;
  }
  bp_plant h = plant_at(BP_MISTAKE_UPDATED_WEIGHTS, 0);
  h.eta = 1.0;
  *status = model_predict(mo, plant_at(BP_MISTAKE_NONE, 0));
  if (!*status) *status = gsl_vector_memcpy(p0, mo->p);
  if (!*status) *status = model_predict(mo, h);
  double num = 0.0, den = 0.0;
  for (size_t k = lo; !*status && k < hi; k++) {
    double D = gsl_vector_get(mo->p, k) - gsl_vector_get(p0, k);
    num += (A(in, k) - gsl_vector_get(p0, k)) * D;
    den += D * D;
  }
  gsl_vector_free(p0);
  if (*status || !(den > 0.0) || !(num / den > 0.0) || !isfinite(num / den)) return 0;
  h.eta = num / den;
  return plant_matches(in, mo, h, 0, net->n_params, d, status);
}

/* eq. (10), eq. (15): one example's gradient for the batch sum. */
static int rule_overwritten_batch(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  for (size_t k = mo->B; mo->B >= 2 && k-- > 0;) {
    if ((*status = example_gradient(mo, k)) != GSL_SUCCESS) return 0;
    if (prediction_matches(in, mo->p, 0, mo->net->n_params)) {
      report_overwritten(d, k, mo->B, 0, 1);
      return 1;
    }
  }
  return 0;
}

/* eq. (7), eq. (12): x(1-x) from the rounded x. Where a hidden unit saturates, 1 - x keeps only the digits x has
 * below 1, and the gradient is off in the entries that unit feeds, while the formula is right. It matches when:
 * some hidden unit has x within BP_DIAG_SATURATED of 0 or 1; a agrees with the from-x prediction everywhere; and at
 * every failing entry that prediction differs from the true gradient (bpcheck's own backprop), so the failure is
 * the saturation's. A right gradient agrees with the true one there, so it never matches. */
#define BP_DIAG_SATURATED 1e-8
static int rule_saturation(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  const bp_mlp *net = mo->net;
  size_t n = net->n_params, units = 0, at_l = 0, at_i = 0;
  double closest = 1.0;
  for (size_t l = 1; l < mo->L; l++) /* the distance of x from 0 or 1, sigma(-|s|), from s (exact to a few ulp) */
    for (size_t b = 0; b < mo->B; b++)
      for (size_t i = 0; i < net->sizes[l]; i++) {
        double gap = bp_logistic(-fabs(gsl_matrix_get(mo->ws->fwd->S[l], b, i)));
        units += gap < BP_DIAG_SATURATED;
        if (gap < closest) closest = gap, at_l = l, at_i = i;
      }
  if (units == 0) return 0;
  gsl_vector *truth = bp_vector_alloc(n);
  if (truth == NULL) return *status = GSL_ENOMEM, 0;
  bp_plant h = plant_at(BP_MISTAKE_DERIVATIVE_FROM_X, 0);
  *status = model_predict(mo, plant_at(BP_MISTAKE_NONE, 0));
  if (!*status) *status = gsl_vector_memcpy(truth, mo->p);
  if (!*status && hypothesis_applies(mo, h)) *status = model_predict(mo, h);
  int found = !*status && hypothesis_applies(mo, h) && prediction_matches(in, mo->p, 0, n);
  for (size_t k = 0; found && k < n; k++) /* each failure is one the saturation makes */
    if (!gsl_vector_uchar_get(in->gc->passed, k))
      found = !agree(in, gsl_vector_get(mo->p, k), gsl_vector_get(truth, k), E(in, k));
  gsl_vector_free(truth);
  if (!found) return 0;
  d->kind = BP_DIAG_SATURATION;
  d->mistake = BP_MISTAKE_DERIVATIVE_FROM_X;
  d->layer = at_l;
  say(d,
      "The formula is right, but it loses digits where a unit saturates: %zu hidden unit%s x within 1e-8 of 0 "
      "or 1 (closest: layer %zu unit %zu, 1 - x = %.2g), and x(1-x) of eq. (7) from the rounded x keeps only the "
      "digits of 1 - x. Compute it from s: sigma(s) sigma(-s).",
      units, units == 1 ? " has" : "s have", at_l, at_i, closest);
  return 1;
}

/* ---- the rules at the first wrong layer from the top, in order ---------------------------------------------------
 * Layer l is the first layer (from the output) with a failing entry; the layers above it are right. Each rule
 * reads layer l (and, for a delta, the layers below it), never a layer above. */

typedef struct {
  size_t l, lo, end, nj, ni; /* layer l occupies [lo, end): W<l> (nj x ni) from lo, then b<l> */
  const char *above;         /* "the layers above are right" or "the output layer" */
} layer_view;

/* eq. (11), eq. (12): a factor a mistake gives on every entry of layers <= l (its delta is scaled). */
static int rule_factor_from_here_down(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d,
                                      int *status) {
  char where[160];
  if (v->l == mo->L) return 0;
  snprintf(where, sizeof where, "From layer %zu down (the layers above are right): ", v->l);
  return try_value_patterns(in, 0, v->end, PAT_FACTOR, v->l, where, d, status);
}

/* A factor a mistake gives on layer l alone (its W and b). */
static int rule_factor_in_layer(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  char where[160];
  (void)mo;
  snprintf(where, sizeof where, "In layer %zu (W%zu, b%zu; %s): ", v->l, v->l, v->l, v->above);
  return try_value_patterns(in, v->lo, v->end, PAT_FACTOR, v->l, where, d, status);
}

/* eq. (10), eq. (15): W<l>'s gradient stored transposed. */
static int rule_transposed_block(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  (void)mo, (void)status;
  if (!range_fails(in, v->lo, v->lo + v->nj * v->ni) || !transposed_block_matches(in, v->lo, v->nj, v->ni)) return 0;
  d->kind = BP_DIAG_TRANSPOSED;
  d->mistake = BP_MISTAKE_TRANSPOSED_BLOCK;
  d->shift = 0;
  d->layer = v->l;
  say(d,
      "In layer %zu (W%zu, b%zu; %s): the gradient of W%zu is the transpose of the right one: dE/dw_ji = dE/ds_i "
      "x_j (eq. (10), eq. (15)) belongs at row j, column i, that is dW = X^T dS.",
      v->l, v->l, v->l, v->above, v->l);
  return 1;
}

/* The mistakes of the module made at layer l, judged on layer l alone (the layers below may hold more mistakes):
 * eq. (7) left out or at s, eq. (13), eq. (14) through W<l+1>, eq. (10) from the wrong layer, eq. (16) one example. */
static int rule_mistake_in_layer(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  bp_plant hs[4] = {plant_at(BP_MISTAKE_MISSING_DERIVATIVE, v->l), plant_at(BP_MISTAKE_DERIVATIVE_AT_S, v->l),
                    plant_at(BP_MISTAKE_TRANSPOSED_PROPAGATION, v->l + 1),
                    plant_at(BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, v->l)};
  for (int k = 0; k < 4 && !*status; k++)
    if (plant_matches(in, mo, hs[k], v->lo, v->end, d, status)) return 1;
  return !*status &&
         plant_matches_some_example(in, mo, plant_at(BP_MISTAKE_BIAS_NOT_SUMMED, v->l), v->lo, v->end, d, status);
}

/* A shift, a permutation or a factor a mistake gives, in W<l>, b<l> or the layer. */
static int rule_block_patterns(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  (void)mo;
  size_t blocks[3][2] = {{v->lo, v->lo + v->nj * v->ni}, {v->lo + v->nj * v->ni, v->end}, {v->lo, v->end}};
  const char *names[3] = {"W", "b", "layer "};
  for (int b = 0; b < 3 && !*status; b++) {
    if (!range_fails(in, blocks[b][0], blocks[b][1])) continue;
    char where[160];
    snprintf(where, sizeof where, "In %s%zu (%s): ", names[b], v->l, v->above);
    if (try_value_patterns(in, blocks[b][0], blocks[b][1], PAT_FACTOR | PAT_SHIFT | PAT_PERMUTATION, v->l, where, d,
                           status))
      return 1;
  }
  return 0;
}

/* eq. (10), eq. (15): from layer l down, each wrong block holds one example's gradient. */
static int rule_overwritten_blocks(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  for (size_t k = mo->B; mo->B >= 2 && k-- > 0;) {
    if ((*status = example_gradient(mo, k)) != GSL_SUCCESS) return 0;
    if (blocks_match_example(in, mo)) {
      report_overwritten(d, k, mo->B, v->l, 0);
      return 1;
    }
  }
  return 0;
}

/* Last of the layer's rules: any factor at all, in W<l>, b<l> or the layer; a factor no mistake gives. */
static int rule_any_factor(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  (void)mo;
  size_t blocks[3][2] = {{v->lo, v->lo + v->nj * v->ni}, {v->lo + v->nj * v->ni, v->end}, {v->lo, v->end}};
  const char *names[3] = {"W", "b", "layer "};
  for (int b = 0; b < 3; b++) {
    if (!range_fails(in, blocks[b][0], blocks[b][1])) continue;
    char where[160];
    snprintf(where, sizeof where, "In %s%zu (%s): ", names[b], v->l, v->above);
    if (try_value_patterns(in, blocks[b][0], blocks[b][1], PAT_ANY_FACTOR, v->l, where, d, status)) return 1;
  }
  return 0;
}

/* Nothing recognised below the output layer: say where the first wrong layer is, and its worst entry. */
static int rule_wrong_layer(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status) {
  (void)status;
  if (v->l == mo->L) return 0;
  size_t w = v->lo;
  double worst = -1.0;
  for (size_t k = v->lo; k < v->end; k++)
    if (!gsl_vector_uchar_get(in->gc->passed, k) && fabs(A(in, k) - N(in, k)) > worst) {
      worst = fabs(A(in, k) - N(in, k));
      w = k;
    }
  char name[64];
  entry_name(in, w, name, sizeof name);
  d->kind = BP_DIAG_WRONG_LAYER;
  d->layer = v->l;
  d->entry = w;
  say(d,
      "Layer %zu is the first wrong layer from the top (the layers above are right): at %s %s gives "
      "%.6g, finite differences %.6g; check its delta (eq. (11), eq. (12)) and dE/dw = delta x (eq. (15)).",
      v->l, name, source_of(d), A(in, w), N(in, w));
  return 1;
}

typedef int (*layer_rule)(const diag_input *in, model *mo, const layer_view *v, bp_diagnosis *d, int *status);

/* The first wrong layer from the top, and the first of its rules that matches. */
static int try_top_down(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  static const layer_rule rules[] = {
      rule_factor_from_here_down, rule_factor_in_layer,    rule_transposed_block, rule_mistake_in_layer,
      rule_block_patterns,        rule_overwritten_blocks, rule_any_factor,       rule_wrong_layer};
  const bp_mlp *net = mo->net;
  size_t l = mo->L;
  while (l >= 1 && !range_fails(in, net->offset[l], layer_end(net, l))) l--;
  if (l == 0) return 0; /* cannot happen for a FAIL verdict: every entry is some layer's */
  layer_view v = {l,
                  net->offset[l],
                  layer_end(net, l),
                  net->sizes[l - 1],
                  net->sizes[l],
                  l < mo->L ? "the layers above are right" : "the output layer"};
  for (size_t k = 0; k < sizeof rules / sizeof rules[0] && !*status; k++)
    if (rules[k](in, mo, &v, d, status)) return 1;
  return 0;
}

typedef int (*whole_rule)(const diag_input *in, model *mo, bp_diagnosis *d, int *status);

/* The mistakes over the whole gradient, then layer by layer. */
static int try_models(const diag_input *in, model *mo, bp_diagnosis *d, int *status) {
  static const whole_rule rules[] = {rule_mistake_at_one_layer, rule_wrong_layer_activations, rule_updated_weights,
                                     rule_bias_not_summed,      rule_overwritten_batch,       rule_saturation};
  for (size_t k = 0; k < sizeof rules / sizeof rules[0] && !*status; k++)
    if (rules[k](in, mo, d, status)) return 1;
  return 0;
}

static int check_context(const bp_gradcheck *gc, const bp_diagnosis_context *ctx) {
  if (ctx->net == NULL || ctx->X0 == NULL || ctx->T == NULL)
    BP_ERROR(GSL_EFAULT, "bp_diagnose: the context needs the network, the batch and the targets");
  const bp_mlp *net = ctx->net;
  if (gc->size != net->n_params)
    BP_ERROR(GSL_EBADLEN, "bp_diagnose: the gradcheck has %zu entries, the network %zu parameters", gc->size,
             net->n_params);
  if (ctx->X0->size2 != net->sizes[0] || ctx->T->size1 != ctx->X0->size1 || ctx->T->size2 != net->sizes[net->n_layers])
    BP_ERROR(GSL_EBADLEN,
             "bp_diagnose: the batch is %zu x %zu and the targets %zu x %zu for a network of %zu "
             "inputs and %zu outputs",
             ctx->X0->size1, ctx->X0->size2, ctx->T->size1, ctx->T->size2, net->sizes[0], net->sizes[net->n_layers]);
  return GSL_SUCCESS;
}

int bp_diagnose(const bp_gradcheck *gc, const bp_diagnosis_context *ctx, bp_diagnosis *d) {
  return bp_diagnose_as(gc, ctx, NULL, d);
}

/* The order: the sign and nothing-written; with a context, the mistakes of the module over the whole gradient; a
 * factor a mistake gives and a shift over the whole gradient; with a context, the first wrong layer's rules;
 * without one, a permutation; last, any factor. */
static int diagnose_failure(const diag_input *in, bp_diagnosis *d, int *status) {
  const bp_gradcheck *gc = in->gc;
  double c;
  size_t batch = in->ctx ? in->ctx->X0->size1 : 0;
  if (zero_matches(in, 0, gc->size) ||
      (factor_fit(in, 0, gc->size, &c) && near(c, -1.0) && factor_matches(in, 0, gc->size, c))) {
    report_factor(d, zero_matches(in, 0, gc->size) ? 0.0 : c, batch, 0, "");
    return 1;
  }
  model mo;
  int found = 0;
  if (in->ctx != NULL) {
    *status = model_init(&mo, in->ctx);
    if (!*status) found = try_models(in, &mo, d, status);
  }
  if (!found && !*status) found = try_value_patterns(in, 0, gc->size, PAT_FACTOR | PAT_SHIFT, 0, "", d, status);
  if (!found && !*status && in->ctx != NULL) found = try_top_down(in, &mo, d, status);
  if (!found && !*status && in->ctx == NULL)
    found = try_value_patterns(in, 0, gc->size, PAT_PERMUTATION, 0, "", d, status);
  if (!found && !*status) found = try_value_patterns(in, 0, gc->size, PAT_ANY_FACTOR, 0, "", d, status);
  if (in->ctx != NULL) model_free(&mo);
  return found;
}

int bp_diagnose_as(const bp_gradcheck *gc, const bp_diagnosis_context *ctx, const char *subject, bp_diagnosis *d) {
  if (d == NULL) BP_ERROR(GSL_EFAULT, "bp_diagnose: no diagnosis to write");
  memset(d, 0, sizeof *d);
  if (subject) snprintf(d->subject, sizeof d->subject, "%s", subject);
  d->kind = BP_DIAG_UNKNOWN;
  if (gc == NULL) {
    say(d, "No gradient check to diagnose.");
    BP_ERROR(GSL_EFAULT, "bp_diagnose: no gradient check");
  }
  int status = ctx ? check_context(gc, ctx) : GSL_SUCCESS;
  if (status) {
    say(d, "The diagnosis could not run: %s.", bp_error_message());
    return status;
  }
  diag_input in = {gc, ctx, gc->tol};
  d->entry = gc->worst;
  if (gc->verdict != BP_VERDICT_FAIL) {
    d->kind = BP_DIAG_NONE;
    say(d, gc->verdict == BP_VERDICT_PASS
               ? "The gradient agrees with finite differences: nothing to diagnose."
               : "Every analytic entry is zero and every numeric one within its error of zero: nothing "
                 "tells right from wrong here.");
    return GSL_SUCCESS;
  }
  char name[64];
  entry_name(&in, gc->worst, name, sizeof name);
  double aw = A(&in, gc->worst), nw = N(&in, gc->worst);
  if (gc->n_nonfinite > 0) {
    say(d,
        "%s is not finite (%s gives %.6g, finite differences %.6g): look for an overflow, a log or "
        "division at 0, or an unstable form where eq. (36), eq. (38) are stable.",
        name, source_of(d), aw, nw);
    return GSL_SUCCESS;
  }
  int found = diagnose_failure(&in, d, &status);
  if (status) {
    memset(d, 0, sizeof *d);
    d->kind = BP_DIAG_UNKNOWN;
    say(d, "The diagnosis could not run: %s.", bp_error_message());
    return status;
  }
  if (!found) {
    d->kind = BP_DIAG_UNKNOWN;
    d->entry = gc->worst;
    say(d,
        "Not a pattern bpcheck knows: the worst entry is %s, where %s gives %.9g and finite "
        "differences (the truth) give %.9g.",
        name, source_of(d), aw, nw);
  }
  return GSL_SUCCESS;
}
