/* diagnose.h - why a gradient is wrong: one sentence a student understands, from the pattern of the analytic
 * gradient a (your backprop) against the numeric one n (finite differences, the truth) over all entries.
 *
 * Two kinds of evidence:
 *  - value patterns, for any gradient or Jacobian (the derivation checks too): a = -n (sign), a = c n (a constant
 *    factor), a = n shifted or permuted (the right values in the wrong places). A pattern matches when every entry
 *    of a would pass the checker's own test (fd.h: relative error <= rtol, or within est_factor error estimates)
 *    against the transformed n, and the transformed n itself would fail against n (the pattern explains the
 *    failure; it is not just a restatement of a right gradient).
 *  - with a context (an MLP gradient: the network, the batch, the targets), bpcheck reproduces your gradient with a
 *    common mistake - a modified backward pass inside diagnose.c - and the mistake matches when a passes the same
 *    test against that prediction while the prediction fails against n. Where none reproduces the whole gradient,
 *    the blocks are read top-down: the first layer whose W<l>/b<l> fails while the layers above pass is located,
 *    and the value patterns and mistakes are tried on it.
 *
 * A gradient whose verdict is not FAIL never gets a diagnosis (kind NONE). The diagnosis is deterministic: the
 * hypotheses are tried in a fixed order (the sign, the mistakes of mistakes.h over the whole gradient, factors and shifts, then layer by layer
 * from the top; the list heads diagnose.c), and the first that matches is reported. `kind` is the most specific
 * mistake recognised, with `layer` where it sits; WRONG_LAYER only when the layer is all that is known. */
#ifndef BP_DIAGNOSE_H
#define BP_DIAGNOSE_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>

#include "gradcheck.h"
#include "mistakes.h"
#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  BP_DIAG_NONE,                          /* the verdict is PASS or NO_SIGNAL: nothing to diagnose */
  BP_DIAG_SIGN,                          /* a = -n (factor -1), everywhere or from `layer` down */
  BP_DIAG_FACTOR,                        /* a = c n, c = `factor` (0: the gradient was never written) */
  BP_DIAG_MISSING_ACTIVATION_DERIVATIVE, /* eq. (7): x(1-x) left out at `layer` (L: the output, eq. 6/19) */
  BP_DIAG_DERIVATIVE_AT_S,               /* eq. (7): s(1-s) used at `layer` where x(1-x) belongs */
  BP_DIAG_TRANSPOSED,                    /* W<layer>'s gradient transposed, or deltas sent down through
                                              * W<layer> instead of its transpose (eq. 13, 14); `shift` 0 for the
                                              * block, 1 for the propagation */
  BP_DIAG_PERMUTED,                      /* the right values in the wrong places; `shift` != 0 when a[k] =
                                              * n[k - shift] (an off-by-one index is shift +-1) */
  BP_DIAG_SOFTMAX_DIAGONAL,              /* eq. (21), eq. (22): only dx_i/ds_i = x_i(1-x_i) used */
  BP_DIAG_OVERWRITTEN_BATCH,             /* the gradient of one example (`example`) instead of the batch sum */
  BP_DIAG_TARGETS_NOT_NORMALIZED,        /* eq. (26) x - t used where sum_k t_k != 1 (eq. 25); `factor` is
                                              * the row sum farthest from 1, `example` that row */
  BP_DIAG_WRONG_LAYER_ACTIVATIONS,       /* eq. (10), eq. (15): dW<layer> (0: every dW) from the activations of
                                              * the wrong layer, its own output (off by one layer) */
  BP_DIAG_UPDATED_WEIGHTS,               /* eq. (13), eq. (14): deltas sent down through W - eta dW, updated
                                              * before the backward pass finished; `factor` is the fitted eta */
  BP_DIAG_BIAS_NOT_SUMMED,               /* eq. (16), eq. (29): b<layer> (0: every b) holds the delta of
                                              * `example` alone, not the sum over the batch */
  BP_DIAG_SATURATION,                    /* eq. (7), eq. (12): the formula is right, but x(1-x) from the
                                              * rounded x loses the digits of 1 - x where a unit saturates (x
                                              * within 1e-8 of 0 or 1); `layer` holds the most saturated unit */
  BP_DIAG_WRONG_LAYER,                   /* `layer` is the first wrong layer from the top; no known mistake */
  BP_DIAG_UNKNOWN                        /* a failure bpcheck does not recognise */
} bp_diagnosis_kind;
#define BP_DIAG_N_KINDS 16

/* An MLP gradient: the network at the point that was checked (net->params as the checker left them, which it
 * restores), the batch X0 (batch x sizes[0]) and the targets T (batch x sizes[L]). The gradcheck's entries must be
 * the network's parameters in its layout (gc->size == net->n_params). diagnose.c runs its own forward pass, so
 * any workspace the checker used may hold a perturbed point. */
typedef struct {
  const bp_mlp *net;
  const gsl_matrix *X0, *T;
} bp_diagnosis_context;

#define BP_DIAG_SENTENCE_LEN 320
typedef struct {
  bp_diagnosis_kind kind;
  double factor;    /* FACTOR / SIGN: the measured c in a = c n; TARGETS_NOT_NORMALIZED: sum_k t_k of `example` */
  size_t layer;     /* the layer (1..L) where the mistake sits or starts; 0 when it is the whole gradient or there
                   * is no context */
  long shift;       /* PERMUTED: a[k] = n[k - shift] (0 for another permutation); TRANSPOSED: 0 block, 1 propagation */
  size_t example;   /* OVERWRITTEN_BATCH: the example whose gradient is left; TARGETS_NOT_NORMALIZED: the row */
  size_t entry;     /* the entry the sentence cites (the worst one, unless the sentence says otherwise) */
  char subject[48]; /* who the sentence speaks of ("" : "your gradient" / "your backprop") */
  bp_mistake mistake; /* the classic mistake (mistakes.h) the diagnosis names, NONE when it names none for sure (a
                       * factor 1/2 with a batch of 2 names two; a permutation or a wrong layer none) */
  char sentence[BP_DIAG_SENTENCE_LEN];
} bp_diagnosis;

/* "none", "sign", "factor", ..., "unknown"; "invalid" for a value outside the enum. */
const char *bp_diagnosis_kind_name(bp_diagnosis_kind kind);

/* Diagnoses gc (filled by bp_gradcheck_compare or bp_gradcheck_jacobian) into d. ctx may be NULL: then only the
 * value patterns are tried and entries are named "entry k". Returns GSL_SUCCESS (whatever the diagnosis),
 * GSL_EFAULT for a NULL gc or d, GSL_EBADLEN when gc->size is not ctx->net->n_params or the batch and targets do
 * not fit the network, GSL_ENOMEM when scratch space cannot be allocated; d is then kind UNKNOWN with the error
 * as its sentence. */
int bp_diagnose(const bp_gradcheck *gc, const bp_diagnosis_context *ctx, bp_diagnosis *d);
/* The same, the sentences speaking of `subject` ("the formula", "your gradient file"; NULL: "your gradient" and
 * "your backprop") wherever they name the gradient under test or what computed it. */
int bp_diagnose_as(const bp_gradcheck *gc, const bp_diagnosis_context *ctx, const char *subject, bp_diagnosis *d);

#ifdef __cplusplus
}
#endif

#endif
