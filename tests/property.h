/* property.h - the property test of issue 15: bpcheck's own backprop (eq. (9)-(16), eq. (26)-(31)) on random
 * networks and random inputs must never FAIL with any method. Shared by the suite (test_property.c, a few hundred
 * cases in `make check`) and by `make property` (tests/property/main.c, many thousands).
 *
 * Case k of a run with seed S is drawn from its own seed S + k, so any case can be run alone: 1 to 3 weight
 * layers of 1 to 6 units (softmax outputs at least 2), logistic or softmax output, a batch of 1 to 4, features of
 * ordinary size (|x| <= 100) or of any magnitude (|x| = 10^u, u uniform in [-310, 300], some exactly 0), targets
 * 0, 1 or in between (logistic) or one-hot or a distribution (softmax). The parameters are drawn as `bpcheck grad
 * --seed S + k` draws them (bp_mlp_init_random), so the command reproduces a case from its CSV. */
#ifndef BP_PROPERTY_H
#define BP_PROPERTY_H

#include <stdio.h>

#include "gradcheck.h"
#include "mlp.h"

typedef struct {
  unsigned long seed; /* the case's own seed */
  size_t n_layers, sizes[4];
  bp_output output;
  size_t batch;
  int extreme;        /* features of any magnitude */
  gsl_matrix *X0, *T; /* batch x sizes[0], batch x sizes[L] */
} bp_property_case;

/* Draws case `seed` into c (X0 and T allocated; free with bp_property_case_free). GSL_ENOMEM on failure. */
int bp_property_case_draw(unsigned long seed, bp_property_case *c);
void bp_property_case_free(bp_property_case *c);

typedef struct {
  size_t cases, skipped; /* run; skipped: the loss is not finite (bpcheck refuses those as input) */
  size_t verdicts[4];    /* per bp_verdict */
  size_t failed;         /* FAIL or NOT SMOOTH (the network is smooth: either is false) */
  size_t floor_judged;   /* entries judged by the analytic-rounding floor, over every case */
  size_t diagnosed;      /* cases given a diagnosis (only a FAIL is) */
} bp_property_tally;

/* Runs cases seed, seed + 1, ..., seed + n - 1 with `method` into tally. Each false verdict is described on
 * `report` (NULL: silent) with the command that reproduces it; stops after max_reports of them. Returns a GSL
 * status (a library error, not a false verdict). */
int bp_property_run(unsigned long seed, size_t n, bp_fd_method method, FILE *report, size_t max_reports,
                    bp_property_tally *tally);

#endif
