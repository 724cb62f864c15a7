/* test_faults.c - the library's error paths. Every out-of-memory path, provoked by fault injection (bp_fault_inject_alloc): the library
 * returns NULL or GSL_ENOMEM with a message and frees what it had, whichever allocation fails. Under
 * `make sanitize` and `make valgrind` this also proves that no failure path leaks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "data.h"
#include "derivations.h"
#include "gradcheck.h"
#include "mlp.h"
#include "test_util.h"

static char dir[64], csv_path[96], tsv_path[96];

static int setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "faults")) return 1;
  snprintf(csv_path, sizeof csv_path, "%s/data.csv", dir);
  snprintf(tsv_path, sizeof tsv_path, "%s/params.tsv", dir);
  FILE *f = fopen(csv_path, "w");
  if (f == NULL) return 1;
  fputs("x1,x2,t1,t2\n0.3817,-2.385,0.25,0.75\n-0.91,0.443,1,0\n1.3,0.2,0.6,0.4\n", f);
  return fclose(f);
}

static int teardown(void) {
  unlink(csv_path);
  unlink(tsv_path);
  return rmdir(dir);
}

/* Writes the network's parameters in the TSV that bp_params_read_tsv reads (no library allocation). */
static int write_params(const bp_mlp *net) {
  FILE *f = fopen(tsv_path, "w");
  if (f == NULL) return 1;
  fputs("param\tvalue\n", f);
  char name[64];
  for (size_t k = 0; k < net->n_params; k++) {
    bp_mlp_param_name(net, k, name, sizeof name);
    fprintf(f, "%s\t%.17g\n", name, 0.1 + 0.01 * (double)k);
  }
  return fclose(f);
}

/* Everything `bpcheck grad` does, through the library: read, build, differentiate, compare. Frees all. */
static int pipeline(void) {
  size_t n_layers, sizes[BP_MLP_MAX_LAYERS + 1];
  int status = bp_layers_parse("2,3,2", &n_layers, sizes);
  bp_dataset *data = NULL;
  bp_mlp *net = NULL;
  bp_mlp_workspace *ws = NULL;
  bp_gradcheck *gc = NULL;
  if (!status) status = bp_dataset_read_csv(csv_path, 2, 2, BP_OUTPUT_SOFTMAX, 0, &data);
  if (!status && (net = bp_mlp_alloc(n_layers, sizes, BP_OUTPUT_SOFTMAX)) == NULL) status = GSL_ENOMEM;
  if (!status) status = bp_params_read_tsv(tsv_path, net);
  if (!status && (ws = bp_mlp_workspace_alloc(net, data->X->size1)) == NULL) status = GSL_ENOMEM;
  if (!status && (gc = bp_gradcheck_alloc(net->n_params)) == NULL) status = GSL_ENOMEM;
  if (!status) status = bp_mlp_gradient(net, ws, data->X, data->T, NULL);
  if (!status) {
    bp_mlp_closure c = {net, ws, data->X, data->T, NULL};
    gsl_matrix_view g = gsl_matrix_view_vector(net->grad, 1, net->n_params);
    bp_tolerance tol = bp_tolerance_default();
    status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){bp_mlp_error_function, NULL, &c, NULL},
                                   net->params, &g.matrix, &tol);
    if (!status && gc->verdict != BP_VERDICT_PASS) status = GSL_FAILURE;
  }
  bp_gradcheck_free(gc);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
  bp_dataset_free(data);
  return status;
}

static void every_allocation_failure_should_return_enomem_and_free_everything(void) {
  size_t sizes[] = {2, 3, 2};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  CU_ASSERT_EQUAL_FATAL(write_params(net), 0);
  bp_mlp_free(net);
  CU_ASSERT_EQUAL_FATAL(pipeline(), GSL_SUCCESS); /* the pipeline works when nothing fails */
  long n;
  int clean = 1;
  for (n = 0; n < 10000; n++) {
    bp_test_clear_message();
    bp_fault_inject_alloc(n);
    int status = pipeline();
    bp_fault_inject_alloc(-1);
    if (status == GSL_SUCCESS) break; /* n allocations were enough: every earlier one has been failed once */
    if (status != GSL_ENOMEM || strstr(bp_error_message(), "out of memory") == NULL) {
      printf("\n  failing allocation %ld: status %d, message '%s'\n", n, status, bp_error_message());
      clean = 0;
    }
  }
  CU_ASSERT(clean);
  CU_ASSERT(n > 10); /* the pipeline really allocates, so the loop really injected failures */
  CU_ASSERT(n < 10000);
}

/* eq. (12): the derivation checks also report an injected failure as a check that could not run. */
static void a_check_should_report_an_allocation_failure_instead_of_crashing(void) {
  const bp_check_def *def = bp_check_find("logistic-deep-recursion");
  CU_ASSERT_PTR_NOT_NULL_FATAL(def);
  int failures = 0;
  long n;
  for (n = 0; n < 1000; n++) {
    bp_check_result r;
    bp_fault_inject_alloc(n);
    int status = bp_check_run(def, 1, BP_FD_CENTRAL, &r);
    bp_fault_inject_alloc(-1);
    if (status == GSL_SUCCESS) {
      CU_ASSERT_EQUAL(r.verdict, BP_CHECK_PASS);
      break;
    }
    failures++;
    CU_ASSERT_EQUAL(r.verdict, BP_CHECK_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "out of memory"));
  }
  CU_ASSERT(failures > 3);
}

/* The argument errors no other suite reaches: each returns NULL or a status, with a message naming the problem. */
static void zero_sizes_and_bad_arguments_should_be_refused_with_a_message(void) {
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_vector_alloc(0));
  ASSERT_MESSAGE_CONTAINS("length 0");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_vector_uchar_alloc(0));
  ASSERT_MESSAGE_CONTAINS("length 0");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_matrix_alloc(3, 0));
  ASSERT_MESSAGE_CONTAINS("3 x 0");
  bp_test_clear_message();
  CU_ASSERT_PTR_NULL(bp_gradcheck_alloc(0));
  ASSERT_MESSAGE_CONTAINS("at least one entry");
  CU_ASSERT_STRING_EQUAL(bp_verdict_name((bp_verdict)42), "UNKNOWN");

  size_t sizes[] = {2, 3, 2};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  bp_mlp_workspace *ws = net ? bp_mlp_workspace_alloc(net, 1) : NULL;
  gsl_vector *wrong = bp_vector_alloc(5), *y = bp_vector_alloc(1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
  CU_ASSERT_PTR_NOT_NULL_FATAL(wrong);
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  gsl_matrix *X = bp_matrix_alloc(1, 2), *T = bp_matrix_alloc(1, 2);
  bp_mlp_closure c = {net, ws, X, T, NULL};
  ASSERT_FAILS_WITH_MESSAGE(bp_mlp_error_function(wrong, y, &c), GSL_EBADLEN, "5 parameters");
  ASSERT_FAILS_WITH_MESSAGE(bp_params_read_tsv(NULL, net), GSL_EINVAL, "must not be NULL");
  bp_dataset *d = NULL;
  ASSERT_FAILS_WITH_MESSAGE(bp_dataset_read_csv(csv_path, 2, 2, (bp_output)7, 0, &d), GSL_EINVAL, "output layer type");
  CU_ASSERT_PTR_NULL(d);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  gsl_vector_free(wrong);
  gsl_vector_free(y);
  bp_mlp_workspace_free(ws);
  bp_mlp_free(net);
}

int register_faults(void) {
  static const bp_test_case cases[] = {
      {"every_allocation_failure_should_return_enomem_and_free_everything",
       every_allocation_failure_should_return_enomem_and_free_everything},
      {"a_check_should_report_an_allocation_failure_instead_of_crashing",
       a_check_should_report_an_allocation_failure_instead_of_crashing},
      {"zero_sizes_and_bad_arguments_should_be_refused_with_a_message",
       zero_sizes_and_bad_arguments_should_be_refused_with_a_message},
  };
  CU_pSuite s = CU_add_suite("error paths: out of memory by fault injection, bad arguments", setup, teardown);
  if (s == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
