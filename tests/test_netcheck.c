/* test_netcheck.c - the network check as one library call (lib/netcheck.h): a correct gradient passes in every
 * mode, a planted mistake (mistakes.h) fails and is diagnosed in the caller's words, the report is reproducible
 * from its options, and bad arguments fail with a message. Also the one definition of the relative-error bands. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "mistakes.h"
#include "netcheck.h"
#include "test_util.h"

static const size_t net_3_6_4_2[] = {3, 6, 4, 2};
#define BATCH 3

static bp_netcheck_options options(bp_netcheck_mode mode) {
  bp_netcheck_options o = bp_netcheck_options_default();
  o.mode = mode;
  o.sample = 2;
  o.seed = 977;
  return o;
}

/* eq. (9)-(16), eq. (26)-(31), eq. (36), eq. (38): bpcheck's own backprop passes every mode (and the Taylor test),
 * the loss is the network's, the parameters come back bit for bit and the blocks count what was checked. */
static void a_correct_gradient_should_pass_in_every_mode_and_leave_the_parameters_as_they_were(void) {
  for (int o = 0; o < 2; o++) {
    bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, o ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, BATCH, 31);
    CU_ASSERT_FATAL(p != NULL);
    gsl_vector *before = bp_vector_alloc(p->net->n_params);
    gsl_vector_memcpy(before, p->net->params);
    double E;
    CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, &E), GSL_SUCCESS);
    for (int m = 0; m < 3; m++) {
      bp_netcheck_options opt = options((bp_netcheck_mode)m);
      opt.taylor = 1;
      bp_netcheck_report *r = NULL;
      CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, NULL, &opt, &r), GSL_SUCCESS);
      CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_PASS);
      CU_ASSERT_EQUAL(r->taylor.verdict, BP_VERDICT_PASS);
      CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_NONE);
      CU_ASSERT_EQUAL(r->loss, E);
      CU_ASSERT_EQUAL(memcmp(before->data, p->net->params->data, before->size * sizeof(double)), 0);
      size_t checked = 0;
      for (size_t b = 0; b < r->n_blocks; b++) checked += r->blocks[b].checked;
      CU_ASSERT_EQUAL(checked, m == BP_NETCHECK_DIRECTION ? 0 : r->gc->size);
      if (m == BP_NETCHECK_SAMPLE)
        for (size_t b = 0; b < r->n_blocks; b++) CU_ASSERT_EQUAL(r->blocks[b].checked, 2);
      bp_netcheck_report_free(r);
    }
    gsl_vector_free(before);
    bp_test_problem_free(p);
  }
}

/* eq. (13), eq. (14): a gradient from elsewhere with deltas sent through W (non-square layers) fails in every mode;
 * checked entry by entry it is diagnosed, and the sentence speaks of the caller's subject. */
static void a_planted_gradient_should_fail_and_be_diagnosed_in_the_callers_words(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_SOFTMAX, BATCH, 37);
  gsl_vector *g = bp_vector_alloc(p->net->n_params);
  bp_plant plant = bp_plant_default(BP_MISTAKE_SIGN);
  CU_ASSERT_EQUAL_FATAL(bp_mistake_gradient(p->net, p->X0, p->T, &plant, g), GSL_SUCCESS);
  for (int m = 0; m < 3; m++) {
    bp_netcheck_options opt = options((bp_netcheck_mode)m);
    opt.subject = "your gradient file";
    bp_netcheck_report *r = NULL;
    CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, g, &opt, &r), GSL_SUCCESS);
    CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_FAIL);
    if (m == BP_NETCHECK_EVERY) {
      CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_SIGN);
      CU_ASSERT_PTR_NOT_NULL(strstr(r->diagnosis.sentence, "your gradient file is minus the true one"));
      CU_ASSERT_PTR_NULL(strstr(r->diagnosis.sentence, "your backprop"));
    } else {
      CU_ASSERT_EQUAL(r->diagnosis.kind, BP_DIAG_NONE);
    }
    bp_netcheck_report_free(r);
  }
  gsl_vector_free(g);
  bp_test_problem_free(p);
}

/* The Taylor test joins the verdict: a sampled check that misses a wrong entry is still failed by it. */
static void the_taylor_test_should_fail_a_gradient_the_sample_missed(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_LOGISTIC, BATCH, 41);
  gsl_vector *g = bp_vector_alloc(p->net->n_params);
  CU_ASSERT_EQUAL(bp_mlp_gradient(p->net, p->ws, p->X0, p->T, NULL), GSL_SUCCESS);
  gsl_vector_memcpy(g, p->net->grad);
  bp_netcheck_options opt = options(BP_NETCHECK_SAMPLE);
  opt.sample = 1;
  opt.taylor = 1;
  /* every entry of W2 off by 50%: the sample sees one W2 entry; make the sampled one right afterwards */
  size_t w2 = p->net->offset[2], n_w2 = 6 * 4;
  for (size_t k = w2; k < w2 + n_w2; k++) gsl_vector_set(g, k, 1.5 * gsl_vector_get(g, k));
  bp_netcheck_report *r = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, g, &opt, &r), GSL_SUCCESS);
  size_t picked = SIZE_MAX;
  for (size_t k = 0; k < r->gc->size; k++)
    if (r->columns[k] >= w2 && r->columns[k] < w2 + n_w2) picked = r->columns[k];
  CU_ASSERT_FATAL(picked != SIZE_MAX);
  gsl_vector_set(g, picked, gsl_vector_get(p->net->grad, picked));
  bp_netcheck_report_free(r);
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, g, &opt, &r), GSL_SUCCESS);
  CU_ASSERT_EQUAL(r->gc->verdict, BP_VERDICT_PASS); /* the same seed draws the same sample */
  CU_ASSERT_EQUAL(r->taylor.verdict, BP_VERDICT_FAIL);
  CU_ASSERT_EQUAL(r->verdict, BP_VERDICT_FAIL);
  bp_netcheck_report_free(r);
  gsl_vector_free(g);
  bp_test_problem_free(p);
}

/* The report carries what reproduces it: the same options give the same sample, the same numbers. */
static void the_same_options_should_give_the_same_report(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_LOGISTIC, BATCH, 43);
  bp_netcheck_options opt = options(BP_NETCHECK_SAMPLE);
  bp_netcheck_report *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, NULL, &opt, &a), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_netcheck_run(p->net, p->X0, p->T, NULL, &a->opt, &b), GSL_SUCCESS);
  CU_ASSERT_EQUAL(a->gc->size, b->gc->size);
  CU_ASSERT_EQUAL(memcmp(a->columns, b->columns, a->gc->size * sizeof *a->columns), 0);
  CU_ASSERT_EQUAL(memcmp(a->gc->numeric->data, b->gc->numeric->data, a->gc->size * sizeof(double)), 0);
  CU_ASSERT_EQUAL(memcmp(a->params->data, p->net->params->data, p->net->n_params * sizeof(double)), 0);
  bp_netcheck_report_free(a);
  bp_netcheck_report_free(b);
  bp_test_problem_free(p);
}

static void bad_arguments_should_fail_with_a_message_and_no_report(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_LOGISTIC, BATCH, 47);
  gsl_vector *short_g = bp_vector_alloc(p->net->n_params - 1);
  bp_netcheck_options opt = options(BP_NETCHECK_EVERY);
  bp_netcheck_report *r = (bp_netcheck_report *)&opt; /* must be set to NULL on failure */
  ASSERT_FAILS_WITH_MESSAGE(bp_netcheck_run(p->net, p->X0, p->T, short_g, &opt, &r), GSL_EBADLEN, "parameters");
  CU_ASSERT_PTR_NULL(r);
  ASSERT_FAILS_WITH_MESSAGE(bp_netcheck_run(p->net, p->X0, p->X0, NULL, &opt, &r), GSL_EBADLEN, "targets");
  opt = options(BP_NETCHECK_SAMPLE);
  opt.sample = 0;
  ASSERT_FAILS_WITH_MESSAGE(bp_netcheck_run(p->net, p->X0, p->T, NULL, &opt, &r), GSL_EINVAL, "K >= 1");
  opt = options(BP_NETCHECK_EVERY);
  ASSERT_FAILS_WITH_MESSAGE(bp_netcheck_run(p->net, p->X0, p->T, NULL, &opt, NULL), GSL_EFAULT, "report");
  gsl_vector_set_all(p->net->params, 1e308); /* eq. (36): s of the output overflows, E is not finite */
  ASSERT_FAILS_WITH_MESSAGE(bp_netcheck_run(p->net, p->X0, p->T, NULL, &opt, &r), GSL_EINVAL, "not finite");
  CU_ASSERT_PTR_NULL(r);
  gsl_vector_free(short_g);
  bp_test_problem_free(p);
}

static void running_out_of_memory_should_fail_cleanly(void) {
  bp_test_problem *p = bp_test_problem_alloc(3, net_3_6_4_2, BP_OUTPUT_SOFTMAX, BATCH, 53);
  gsl_vector *g = bp_vector_alloc(p->net->n_params);
  bp_plant plant = bp_plant_default(BP_MISTAKE_MISSING_DERIVATIVE);
  CU_ASSERT_EQUAL(bp_mistake_gradient(p->net, p->X0, p->T, &plant, g), GSL_SUCCESS);
  for (int m = 0; m < 3; m++) {
    bp_netcheck_options opt = options((bp_netcheck_mode)m);
    opt.taylor = 1;
    int succeeded = 0;
    for (long budget = 0; budget < 200 && !succeeded; budget++) {
      bp_netcheck_report *r = NULL;
      bp_fault_inject_alloc(budget);
      int status = bp_netcheck_run(p->net, p->X0, p->T, g, &opt, &r);
      bp_fault_inject_alloc(-1);
      CU_ASSERT(status == GSL_SUCCESS || status == GSL_ENOMEM);
      CU_ASSERT((status == GSL_SUCCESS) == (r != NULL));
      succeeded = status == GSL_SUCCESS;
      bp_netcheck_report_free(r);
    }
    CU_ASSERT(succeeded);
  }
  gsl_vector_free(g);
  bp_test_problem_free(p);
}

/* One definition of the bands: at exactly rtol = 1e-7 a resolved entry passes, and its band is "good"; just
 * above, it fails and is "fine only at kinks". */
static void the_bands_should_agree_with_the_verdict_at_their_edges(void) {
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(BP_RTOL_GOOD), "good");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(nextafter(BP_RTOL_GOOD, 1.0)), "fine only at kinks");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(1e-4), "fine only at kinks");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(nextafter(1e-4, 1.0)), "suspicious");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(1e-2), "suspicious");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(nextafter(1e-2, 1.0)), "wrong");
  CU_ASSERT_STRING_EQUAL(bp_rel_err_band(NAN), "wrong");
  /* a resolved entry with rel_err exactly at the band edge: a = 1, n = 1 - 1e-7 gives |a - n| / 1 = 1e-7 to within
   * rounding; the verdict and the band must say the same */
  bp_gradcheck *gc = bp_gradcheck_alloc(2);
  double n[2] = {1.0 - 1e-7, 1.0 - 2e-7};
  for (size_t k = 0; k < 2; k++) {
    gsl_vector_set(gc->analytic, k, 1.0);
    gsl_vector_set(gc->numeric, k, n[k]);
    gsl_vector_set(gc->estimate, k, 1e-15);
  }
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_compare(gc, &tol), GSL_SUCCESS);
  for (size_t k = 0; k < 2; k++) {
    char band[96];
    bp_gradcheck_entry_band(gc, k, band, sizeof band);
    int good = strcmp(band, "good") == 0;
    CU_ASSERT_EQUAL(good, gsl_vector_uchar_get(gc->passed, k));
    CU_ASSERT_STRING_EQUAL(bp_gradcheck_judged_by(gc, k), "rel_err");
  }
  CU_ASSERT_STRING_EQUAL(bp_gradcheck_entry_verdict(gc, 1), "FAIL");
  bp_gradcheck_free(gc);
}

int register_netcheck(void) {
  static const bp_test_case cases[] = {
      {"a correct gradient should pass in every mode and leave the parameters as they were",
       a_correct_gradient_should_pass_in_every_mode_and_leave_the_parameters_as_they_were},
      {"a planted gradient should fail and be diagnosed in the caller's words",
       a_planted_gradient_should_fail_and_be_diagnosed_in_the_callers_words},
      {"the Taylor test should fail a gradient the sample missed",
       the_taylor_test_should_fail_a_gradient_the_sample_missed},
      {"the same options should give the same report", the_same_options_should_give_the_same_report},
      {"bad arguments should fail with a message and no report",
       bad_arguments_should_fail_with_a_message_and_no_report},
      {"running out of memory should fail cleanly", running_out_of_memory_should_fail_cleanly},
      {"the bands should agree with the verdict at their edges",
       the_bands_should_agree_with_the_verdict_at_their_edges},
  };
  return bp_test_add_suite("network check", cases, sizeof cases / sizeof cases[0]);
}
