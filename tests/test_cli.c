/* test_cli.c - the bpcheck command as a user runs it: exit statuses, formats, messages, and `grad` on data.
 * Runs the binary named by $BPCHECK (default build/bpcheck, as `make check` builds it). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "test_util.h"

static char dir[64];

/* `bpcheck ARGS` with stdout and stderr captured. */
static int run(const char *args, char *out, size_t out_len, char *err, size_t err_len) {
  return bp_test_run_bpcheck(args, dir, out, out_len, err, err_len);
}

/* Called from the suite's setup, outside any test: reports failure by its return value. */
static int write_file(const char *name, const char *text) { return bp_test_write_file(dir, name, text); }

static char out[1 << 16], err[4096];

static int setup(void) {
  snprintf(dir, sizeof dir, "/tmp/bpcheck-cli-XXXXXX");
  if (mkdtemp(dir) == NULL) return 1;
  /* 4 inputs then 3 targets that sum to one (softmax) */
  return write_file("softmax.csv",
             "# x1..x4, then targets t1..t3\n"
             "x1,x2,x3,x4,t1,t2,t3\n"
             "0.3817,-2.385,1.25,0.07,0.2,0.5,0.3\n"
             "-0.91,0.443,-0.18,1.71,1,0,0\n"
             "1.3,0.2,-0.75,-1.1,0.05,0.15,0.8\n") ||
         write_file("bad.csv", "0.3817,-2.385,1.25,0.07,0.2,0.5,0.3\n0.1,0.2,oops,0.4,0.2,0.5,0.3\n") ||
         /* line 4 sums to 0.9, line 5 to 1.2: eq. (26)'s assumption broken */
         write_file("unnormal.csv",
                    "x1,x2,x3,x4,t1,t2,t3\n"
                    "0.3817,-2.385,1.25,0.07,0.2,0.5,0.3\n"
                    "-0.91,0.443,-0.18,1.71,1,0,0\n"
                    "1.3,0.2,-0.75,-1.1,0.05,0.15,0.7\n"
                    "0.5,-1.2,0.33,0.9,0.2,0.2,0.8\n");
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

static void list_should_print_one_line_per_check(void) {
  CU_ASSERT_EQUAL(run("list --format tsv", out, sizeof out, err, sizeof err), 0);
  size_t lines = 0;
  for (const char *p = out; *p; p++) lines += (*p == '\n');
  CU_ASSERT_EQUAL(lines, bp_checks_count + 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "id\tequation\ttitle\n"));
}

static void all_should_exit_zero_with_a_verdict_per_check(void) {
  CU_ASSERT_EQUAL(run("all --format tsv", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "id\tequation\tmethod\tclaims\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\tnote\n"));
  size_t pass = 0, erratum = 0;
  for (const char *p = out; (p = strstr(p, "\tPASS\t")); p++) pass++;
  for (const char *p = out; (p = strstr(p, "\tERRATUM\t")); p++) erratum++;
  CU_ASSERT_EQUAL(pass + erratum, bp_checks_count);
  CU_ASSERT_PTR_NULL(strstr(out, "\tFAIL\t"));
}

static void run_should_show_the_erratum_of_eq_23_in_every_format(void) {
  CU_ASSERT_EQUAL(run("run softmax-ds-split", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "ERRATUM"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "eq. (23)"));
  CU_ASSERT_EQUAL(run("run softmax-ds-split --format json", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"verdict\": \"ERRATUM\""));
}

static void bad_usage_should_exit_two_with_a_message(void) {
  CU_ASSERT_EQUAL(run("run no-such-check", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-check"));
  CU_ASSERT_EQUAL(run("all --frobnicate", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--frobnicate"));
  CU_ASSERT_EQUAL(run("all --format xml", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("all --seed -3", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("all --seed", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("explode", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("run", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_EQUAL(run("--version", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "bpcheck "));
}

/* Parses "# name = value" from grad's TSV. */
static double tsv_comment_value(const char *text, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "%s = ", name);
  const char *p = strstr(text, key);
  return p ? strtod(p + strlen(key), NULL) : -1.0;
}

/* eq. (26), eq. (29), eq. (31): the gradient of a softmax network on a CSV agrees with central differences. */
static void grad_should_agree_with_central_differences_on_a_csv(void) {
  char args[512];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --format tsv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "param\tvalue\tbackprop\tnumeric\trel_err"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nW1[0,0]\t"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nb2[2]\t"));
  double norm = tsv_comment_value(out, "norm_rel_err");
  CU_ASSERT(norm >= 0 && norm < 1e-8);
  CU_ASSERT_PTR_NULL(strstr(out, "\tFAIL"));
}

/* A student's hand-set weights: grad's own TSV read back with --params gives the same loss at another seed. */
static void grad_should_read_back_its_own_output_as_params(void) {
  char args[512];
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --seed 42 --format tsv > %s/params.tsv", dir,
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  double loss42 = -1;
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --seed 42 --format tsv", dir);
  run(args, out, sizeof out, err, sizeof err);
  loss42 = tsv_comment_value(out, "# loss");
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --seed 7 --params %s/params.tsv --format tsv",
           dir, dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT(loss42 > 0);
  CU_ASSERT_EQUAL(tsv_comment_value(out, "# loss"), loss42);
}

static void grad_should_name_the_file_and_line_of_bad_data(void) {
  char args[512];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/bad.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.csv:2:3:"));
  CU_ASSERT_EQUAL(out[0], '\0'); /* nothing half-written */
  snprintf(args, sizeof args, "grad --layers 4,0,3 --output softmax --data %s/softmax.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  snprintf(args, sizeof args, "grad --layers 4,5,2 --output softmax --data %s/softmax.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "softmax.csv:"));
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output tanh --data %s/softmax.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/missing.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.csv"));
}

/* eq. (26): with --allow-unnormalized-targets, grad warns with file:line, runs, and the check FAILS, as it must:
 * for targets that do not sum to 1, backprop's x - t is not the gradient of the loss. */
static void grad_should_warn_about_unnormalized_targets_and_fail_the_check_when_allowed(void) {
  char args[512];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2); /* an error unless asked for */
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unnormal.csv:4:"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "eq. (26)"));
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --format tsv",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bpcheck: warning: "));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unnormal.csv:4: softmax targets sum to 0.9, not 1 (1 more row too)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "eq. (26)"));
  size_t lines = 0;
  for (const char *p = err; *p; p++) lines += (*p == '\n');
  CU_ASSERT_EQUAL(lines, 1); /* one warning line, however many rows */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "verdict = FAIL"));
  CU_ASSERT(tsv_comment_value(out, "norm_rel_err") > 1e-3);
  /* normalized data with the option: no warning, and the check holds */
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --allow-unnormalized-targets", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(err[0], '\0');
  CU_ASSERT_EQUAL(run("grad --allow-unnormalized-targets=yes", out, sizeof out, err, sizeof err), 2);
}

int register_cli(void) {
  static const bp_test_case cases[] = {
      {"list_should_print_one_line_per_check", list_should_print_one_line_per_check},
      {"all_should_exit_zero_with_a_verdict_per_check", all_should_exit_zero_with_a_verdict_per_check},
      {"run_should_show_the_erratum_of_eq_23_in_every_format", run_should_show_the_erratum_of_eq_23_in_every_format},
      {"bad_usage_should_exit_two_with_a_message", bad_usage_should_exit_two_with_a_message},
      {"grad_should_agree_with_central_differences_on_a_csv", grad_should_agree_with_central_differences_on_a_csv},
      {"grad_should_read_back_its_own_output_as_params", grad_should_read_back_its_own_output_as_params},
      {"grad_should_name_the_file_and_line_of_bad_data", grad_should_name_the_file_and_line_of_bad_data},
      {"grad_should_warn_about_unnormalized_targets_and_fail_the_check_when_allowed",
       grad_should_warn_about_unnormalized_targets_and_fail_the_check_when_allowed},
  };
  CU_pSuite s = CU_add_suite("bpcheck command", setup, teardown);
  if (s == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
