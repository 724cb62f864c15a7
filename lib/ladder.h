/* ladder.h - the precision ladder: one gradient check in float, double and long double, showing why checks are
 * done in double.
 *
 * The check: a 3-4-2 network with logistic hidden and output units (eq. (2), eq. (3), biases as the weights of a
 * constant input), a batch of 2, the stable cross-entropy eq. (36) summed over outputs and examples. Its gradient
 * by backprop (eq. (9), eq. (10), eq. (12), eq. (16)) is compared with central differences (E(w+h) - E(w-h)) / 2h.
 * Both are written ONCE (ladder.c) and instantiated for each precision, every operation in that precision; the
 * weights and data are drawn once in double and converted. The only thing that changes is the arithmetic.
 *
 * Central differences err by about h^2 |E'''| / 6 (truncation) plus eps |E| / h (round-off): the best h is about
 * cbrt(eps) and the best relative error about eps^(2/3): ~2e-5 in float, ~4e-11 in double, ~2e-13 in x87 long
 * double. Only double (and wider) leaves a correct gradient well inside the "good" band below 1e-7 (fd.h).
 * Under valgrind long double is computed as double, so there it is no better than double. */
#ifndef BP_LADDER_H
#define BP_LADDER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_LADDER_N_IN 3
#define BP_LADDER_N_HIDDEN 4
#define BP_LADDER_N_OUT 2
#define BP_LADDER_BATCH 2
/* W1 (3 x 4), b1 (4), W2 (4 x 2), b2 (2), in this order (the layout of mlp.h) */
#define BP_LADDER_N_PARAMS \
  (BP_LADDER_N_IN * BP_LADDER_N_HIDDEN + BP_LADDER_N_HIDDEN + BP_LADDER_N_HIDDEN * BP_LADDER_N_OUT + BP_LADDER_N_OUT)

/* The sweep of relative steps h = 10^(-k/4), k = 4..64: 1e-1 down to 1e-16, four per decade. */
#define BP_LADDER_K_FIRST 4
#define BP_LADDER_K_LAST 64
#define BP_LADDER_N_SWEEP (BP_LADDER_K_LAST - BP_LADDER_K_FIRST + 1)

typedef enum { BP_LADDER_FLOAT, BP_LADDER_DOUBLE, BP_LADDER_LONG_DOUBLE } bp_ladder_precision;
#define BP_LADDER_N_PRECISIONS 3

/* One precision's rung. Errors are measured in long double from that precision's analytic gradient a and
 * numeric gradient n; the step of parameter w is h max(|w|, 1), h the relative step. */
typedef struct {
  const char *name;    /* "float", "double", "long double" */
  const char *token;   /* the same as one word: "float", "double", "long_double" */
  int mant_digits;     /* FLT_MANT_DIG, DBL_MANT_DIG, LDBL_MANT_DIG */
  double epsilon;      /* FLT_EPSILON, DBL_EPSILON, LDBL_EPSILON */
  double auto_step;    /* cbrt(epsilon), computed in the precision: the automatic relative step */
  double norm_rel_err; /* ||a - n||_2 / ||n||_2 at the automatic step (+inf if n is all zero) */
  double max_rel_err;  /* max |a_i - n_i| / max(|a_i|, |n_i|) at the automatic step, over the entries not below
                       * 1e-3 of the largest |a_i| (a tiny entry's relative error measures the cancellation in
                       * its sum over the batch, not the step) */
  double sweep_h[BP_LADDER_N_SWEEP];            /* 10^(-k/4) */
  double sweep_norm_rel_err[BP_LADDER_N_SWEEP]; /* as above, at each step */
  double sweep_max_rel_err[BP_LADDER_N_SWEEP];
} bp_ladder_level;

typedef struct {
  unsigned long seed;
  size_t n_params;                               /* BP_LADDER_N_PARAMS */
  double loss;                                   /* E in double at the drawn weights */
  bp_ladder_level level[BP_LADDER_N_PRECISIONS]; /* indexed by bp_ladder_precision */
} bp_ladder_result;

/* Draws the weights (uniform in +-sqrt(3 / fan_in), as bp_mlp_init_random), inputs (uniform in [-1.7, 2.3)) and
 * targets (uniform in [0.05, 0.95)) from mt19937 seeded with seed, and fills r for the three precisions.
 * GSL_ENOMEM if the generator cannot be allocated, GSL_EINVAL for a NULL r. */
int bp_ladder_run(unsigned long seed, bp_ladder_result *r);

#ifdef __cplusplus
}
#endif

#endif
