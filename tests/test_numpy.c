/* test_numpy.c - a gradient computed outside bpcheck, as a student would: examples/python/gradient_tsv.py does the
 * backprop of a two-layer network in NumPy (eq. (9)-(16), eq. (26)-(31)) at the parameters of a TSV and writes
 * dE/dparams by name. bp_gradient_read_tsv reads the file back into net->grad's layout, where it must equal
 * bpcheck's own backprop to rounding and pass the network check (lib/netcheck.h) undiagnosed; each mistake the
 * script can plant must fail that check with the mistake named, in the library and through `bpcheck grad
 * --gradient`. Logistic (2,4,1 on examples/data/xor.csv) and
 * softmax (2,5,3 on examples/data/three-class.csv, non-square layers) networks.
 * Runs when a python3 that imports numpy is found (/usr/bin/python3, then python3 on PATH); otherwise it prints
 * why and checks nothing. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_machine.h>

#include "core.h"
#include "data.h"
#include "diagnose.h"
#include "netcheck.h"
#include "test_util.h"

#define SCRIPT "examples/python/gradient_tsv.py"

static char dir[64];
static const char *python; /* NULL: no python3 with numpy */

static int setup(void) {
  static const char *const candidates[] = {"/usr/bin/python3", "python3"};
  python = NULL;
  for (size_t k = 0; k < 2 && python == NULL; k++) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "%s -c 'import numpy' >/dev/null 2>&1", candidates[k]);
    if (system(cmd) == 0) python = candidates[k];
  }
  if (python == NULL) printf("\n  test_numpy: skipped, no python3 with numpy (apt-get install python3-numpy)\n");
  return bp_test_mkdtemp(dir, sizeof dir, "numpy");
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) != 0;
}

typedef struct {
  const char *data, *output;
  size_t n_layers, sizes[3];
  bp_output kind;
} problem;

static const problem problems[] = {
    {"examples/data/xor.csv", "logistic", 2, {2, 4, 1}, BP_OUTPUT_LOGISTIC},
    {"examples/data/three-class.csv", "softmax", 2, {2, 5, 3}, BP_OUTPUT_SOFTMAX},
};

/* The network of p at random parameters (seed), its data, and the parameters written as dir/params.tsv. */
static bp_mlp *network(const problem *p, unsigned long seed, bp_dataset **data) {
  bp_mlp *net = bp_mlp_alloc(p->n_layers, p->sizes, p->kind);
  gsl_rng *rng = bp_test_rng(seed);
  char path[128];
  snprintf(path, sizeof path, "%s/params.tsv", dir);
  FILE *f = fopen(path, "w");
  int ok = net && rng && f && bp_dataset_read_csv(p->data, p->sizes[0], p->sizes[2], p->kind, 0, data) == 0;
  if (ok) {
    bp_mlp_init_random(net, rng);
    fprintf(f, "# written by test_numpy.c\nparam\tvalue\n");
    for (size_t k = 0; k < net->n_params; k++) {
      char name[32];
      bp_mlp_param_name(net, k, name, sizeof name);
      fprintf(f, "%s\t%.17g\n", name, gsl_vector_get(net->params, k));
    }
  }
  if (f) fclose(f);
  if (rng) gsl_rng_free(rng);
  if (!ok) {
    bp_mlp_free(net);
    return NULL;
  }
  return net;
}

/* Runs the script (with --plant mistake unless NULL) and reads its dir/gradient.tsv into grad. */
static int numpy_gradient(const problem *p, const char *mistake, const bp_mlp *net, gsl_vector *grad) {
  char cmd[512], out[128];
  snprintf(out, sizeof out, "%s/gradient.tsv", dir);
  snprintf(cmd, sizeof cmd, "%s %s %s/params.tsv %s %s %s%s%s", python, SCRIPT, dir, p->data, p->output, out,
           mistake ? " --plant " : "", mistake ? mistake : "");
  if (system(cmd) != 0) {
    printf("\n  test_numpy: failed: %s\n", cmd);
    return GSL_EFAILED;
  }
  int status = bp_gradient_read_tsv(out, net, grad);
  if (status) printf("\n  test_numpy: %s\n", bp_error_message());
  return status;
}

static void numpy_gradient_should_read_back_as_bpcheck_backprop_to_rounding(void) {
  if (python == NULL) return;
  for (size_t q = 0; q < 2; q++) {
    bp_dataset *data = NULL;
    bp_mlp *net = network(&problems[q], 7 + q, &data);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    gsl_vector *grad = gsl_vector_alloc(net->n_params);
    CU_ASSERT_EQUAL_FATAL(numpy_gradient(&problems[q], NULL, net, grad), GSL_SUCCESS);
    bp_mlp_workspace *ws = bp_mlp_workspace_alloc(net, data->X->size1);
    CU_ASSERT_EQUAL_FATAL(bp_mlp_gradient(net, ws, data->X, data->T, NULL), GSL_SUCCESS);
    /* to rounding: a few ulp of the largest entry (both sums run over the same 8 or 9 examples) */
    double scale = fabs(gsl_vector_get(net->grad, gsl_blas_idamax(net->grad)));
    for (size_t k = 0; k < net->n_params; k++)
      ASSERT_ABS_CLOSE(gsl_vector_get(grad, k), gsl_vector_get(net->grad, k), 64 * GSL_DBL_EPSILON * scale);
    CU_ASSERT(scale > 0.01); /* not a comparison of zeros */
    /* and the network check passes it, with no diagnosis */
    bp_netcheck_options opt = bp_netcheck_options_default();
    bp_netcheck_report *r = NULL;
    CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(net, data->X, data->T, grad, &opt, &r), GSL_SUCCESS);
    CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_PASS);
    CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_NONE);
    bp_netcheck_report_free(r);
    bp_mlp_workspace_free(ws);
    gsl_vector_free(grad);
    bp_mlp_free(net);
    bp_dataset_free(data);
  }
}

static int p_is_single_output(const problem *p) { return p->sizes[2] == 1; }

/* Each mistake the script plants, with the diagnosis that names it. */
static const struct {
  const char *mistake;
  bp_diagnosis_kind kind;
} planted[] = {
    {"sign", BP_DIAG_SIGN},                                        /* eq. (9), eq. (26) */
    {"missing-derivative", BP_DIAG_MISSING_ACTIVATION_DERIVATIVE}, /* eq. (12) */
    {"transposed-propagation", BP_DIAG_TRANSPOSED},                /* eq. (13) */
    {"bias-not-summed", BP_DIAG_BIAS_NOT_SUMMED},                  /* eq. (16), eq. (29) */
    {"mean-over-batch", BP_DIAG_FACTOR},                           /* eq. (10) */
};

static void numpy_planted_mistakes_should_fail_the_check_and_be_named(void) {
  if (python == NULL) return;
  for (size_t q = 0; q < 2; q++) {
    bp_dataset *data = NULL;
    bp_mlp *net = network(&problems[q], 11 + q, &data);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    gsl_vector *grad = gsl_vector_alloc(net->n_params);
    for (size_t m = 0; m < sizeof planted / sizeof planted[0]; m++) {
      /* with one output, W2 read as n2 x n1 is W2^T: the same numbers, no mistake to find */
      if (p_is_single_output(&problems[q]) && strcmp(planted[m].mistake, "transposed-propagation") == 0) continue;
      CU_ASSERT_EQUAL_FATAL(numpy_gradient(&problems[q], planted[m].mistake, net, grad), GSL_SUCCESS);
      bp_netcheck_options opt = bp_netcheck_options_default();
      opt.subject = "your gradient file";
      bp_netcheck_report *r = NULL;
      CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(net, data->X, data->T, grad, &opt, &r), GSL_SUCCESS);
      int named = r->verdict == BP_VERDICT_FAIL && r->diagnosis.kind == planted[m].kind;
      if (!named)
        printf("\n  test_numpy: %s, --plant %s: %s, diagnosis %s (expected %s): %s\n", problems[q].output,
               planted[m].mistake, bp_verdict_name(r->verdict), bp_diagnosis_kind_name(r->diagnosis.kind),
               bp_diagnosis_kind_name(planted[m].kind), r->diagnosis.sentence);
      CU_ASSERT(named);
      bp_netcheck_report_free(r);
    }
    gsl_vector_free(grad);
    bp_mlp_free(net);
    bp_dataset_free(data);
  }
}

/* The same through the command: `bpcheck grad --params P --gradient G` passes the script's gradient (exit 0, no
 * diagnosis) and fails each planted mistake (exit 1) with the mistake named in its JSON diagnosis. */
static void grad_gradient_should_pass_the_numpy_gradient_and_name_each_planted_mistake(void) {
  if (python == NULL) return;
  static char out[1 << 16], err[4096];
  for (size_t q = 0; q < 2; q++) {
    bp_dataset *data = NULL;
    bp_mlp *net = network(&problems[q], 13 + q, &data);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    gsl_vector *grad = gsl_vector_alloc(net->n_params);
    const problem *p = &problems[q];
    char args[512];
    snprintf(args, sizeof args,
             "grad --layers %zu,%zu,%zu --output %s --data %s --params %s/params.tsv --gradient %s/gradient.tsv "
             "--format json",
             p->sizes[0], p->sizes[1], p->sizes[2], p->output, p->data, dir, dir);
    for (size_t m = 0; m <= sizeof planted / sizeof planted[0]; m++) {
      const char *mistake = m ? planted[m - 1].mistake : NULL; /* m = 0: the correct script */
      if (mistake && p_is_single_output(p) && strcmp(mistake, "transposed-propagation") == 0) continue;
      CU_ASSERT_EQUAL_FATAL(numpy_gradient(p, mistake, net, grad), GSL_SUCCESS);
      int status = bp_test_run_bpcheck(args, dir, out, sizeof out, err, sizeof err);
      char kind[96];
      snprintf(kind, sizeof kind, "\"kind\": \"%s\"", mistake ? bp_diagnosis_kind_name(planted[m - 1].kind) : "");
      int ok = mistake ? status == 1 && strstr(out, kind) != NULL : status == 0 && strstr(out, "\"diagnosis\"") == NULL;
      if (!ok)
        printf("\n  test_numpy: bpcheck %s (--plant %s): exit %d, expected %d and %s\n  %.300s\n  %s\n", args,
               mistake ? mistake : "none", status, mistake ? 1 : 0, mistake ? kind : "no diagnosis", out, err);
      CU_ASSERT(ok);
    }
    gsl_vector_free(grad);
    bp_mlp_free(net);
    bp_dataset_free(data);
  }
}

int register_numpy(void) {
  CU_pSuite s = CU_add_suite("a gradient from NumPy (examples/python/gradient_tsv.py)", setup, teardown);
  if (s == NULL) return 1;
  return CU_add_test(s, "numpy_gradient_should_read_back_as_bpcheck_backprop_to_rounding",
                     numpy_gradient_should_read_back_as_bpcheck_backprop_to_rounding) == NULL ||
         CU_add_test(s, "numpy_planted_mistakes_should_fail_the_check_and_be_named",
                     numpy_planted_mistakes_should_fail_the_check_and_be_named) == NULL ||
         CU_add_test(s, "grad_gradient_should_pass_the_numpy_gradient_and_name_each_planted_mistake",
                     grad_gradient_should_pass_the_numpy_gradient_and_name_each_planted_mistake) == NULL;
}
