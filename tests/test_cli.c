/* test_cli.c - the bpcheck command as a user runs it: exit statuses, formats, messages, and `grad` on data.
 * Runs the binary named by $BPCHECK (default build/bpcheck, as `make check` builds it). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static char out[1 << 20], err[4096], again[1 << 20];

static int setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "cli")) return 1;
  /* 4 inputs then 3 targets that sum to one (softmax) */
  return write_file("softmax.csv", "# x1..x4, then targets t1..t3\n"
                                   "x1,x2,x3,x4,t1,t2,t3\n"
                                   "0.3817,-2.385,1.25,0.07,0.2,0.5,0.3\n"
                                   "-0.91,0.443,-0.18,1.71,1,0,0\n"
                                   "1.3,0.2,-0.75,-1.1,0.05,0.15,0.8\n") ||
         write_file("bad.csv", "0.3817,-2.385,1.25,0.07,0.2,0.5,0.3\n0.1,0.2,oops,0.4,0.2,0.5,0.3\n") ||
         /* line 4 sums to 0.9, line 5 to 1.2: eq. (26)'s assumption broken */
         write_file("unnormal.csv", "x1,x2,x3,x4,t1,t2,t3\n"
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
  CU_ASSERT_PTR_NOT_NULL(
      strstr(out, "id\tequation\tmethod\tclaims\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\tnote\n"));
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
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'bpcheck --help'."));
  CU_ASSERT_EQUAL(run("grade --frobnicate", out, sizeof out, err, sizeof err), 2); /* one hint: its own help */
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bpcheck grade --help"));
  CU_ASSERT_PTR_NULL(strstr(err, "Try 'bpcheck --help'."));
  CU_ASSERT_EQUAL(run("grade", out, sizeof out, err, sizeof err), 2); /* every grade error, not only options */
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'bpcheck grade --help'."));
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
  /* run's order of the error columns (abs_err, rel_err): --params and scripts read by header name */
  CU_ASSERT_PTR_NOT_NULL(
      strstr(out, "param\tvalue\tbackprop\tnumeric\tabs_err\trel_err\testimate\tjudged_by\tverdict\n"));
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
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --allow-unnormalized-targets",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(err[0], '\0');
  CU_ASSERT_EQUAL(run("grad --allow-unnormalized-targets=yes", out, sizeof out, err, sizeof err), 2);
}

/* The line "reproduce: bpcheck ARGS" in text, with its continuation lines (a line ending in " \\" goes on, as in
 * the shell): ARGS copied into args (without "bpcheck "), or 0 if there is none. */
static int reproduce_args(const char *text, const char *prefix, char *args, size_t len) {
  char key[64];
  snprintf(key, sizeof key, "%sreproduce: bpcheck ", prefix);
  const char *p = strstr(text, key);
  if (p == NULL) return 0;
  p += strlen(key);
  size_t used = 0;
  for (;;) {
    size_t n = strcspn(p, "\n");
    int more = n >= 2 && p[n - 1] == '\\' && p[n - 2] == ' ' && p[n] == '\n';
    size_t keep = more ? n - 2 : n;
    if (used + keep + 2 >= len) return 0;
    memcpy(args + used, p, keep);
    used += keep;
    if (!more) break;
    args[used++] = ' ';
    p += n + 1;
    while (*p == ' ') p++;
  }
  args[used] = '\0';
  return 1;
}

static size_t count_lines(const char *text) {
  size_t lines = 0;
  for (const char *p = text; *p; p++) lines += (*p == '\n');
  return lines;
}

/* eq. (23): `run` reports every entry, the worst one on the first line with the numeric side named, and a command
 * that reproduces the printed formula's failure exactly. */
static void run_should_report_every_entry_and_how_to_reproduce_a_failure(void) {
  CU_ASSERT_EQUAL(run("run softmax-ds-split --method richardson --seed 5", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(strncmp(out, "ERRATUM: softmax-ds-split, printed claim eq. (23): worst entry ", 63), 0);
  const char *header = strstr(out, "\nbpcheck "); /* the first lines, wrapped at 100 columns, end at the header */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "numeric (richardson)"));
  CU_ASSERT(header && strstr(out, "numeric (richardson)") < header); /* the first lines say which side is numeric */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, " index entry "));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "formula"));
  char args[256];
  CU_ASSERT_FATAL(reproduce_args(out, "         ", args, sizeof args));
  CU_ASSERT_STRING_EQUAL(args, "run softmax-ds-split --method richardson --seed 5");
  CU_ASSERT_EQUAL(run(args, again, sizeof again, err, sizeof err), 0);
  CU_ASSERT_STRING_EQUAL(again, out); /* the same points, the same numbers, byte for byte */
  /* a check that passes has nothing to reproduce */
  CU_ASSERT_EQUAL(run("run softmax-jacobian", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(strncmp(out, "PASS: softmax-jacobian", 22), 0);
  CU_ASSERT_PTR_NULL(strstr(out, "reproduce:"));
}

/* eq. (7), eq. (20), eq. (21): every claim's every entry in the TSV and the JSON, one row per entry, with the claim
 * it belongs to. */
static void run_should_give_the_entries_as_tsv_and_json(void) {
  CU_ASSERT_EQUAL(run("run softmax-jacobian logistic-dx-ds --format json", out, sizeof out, err, sizeof err), 0);
  size_t json_entries = 0;
  for (const char *p = out; (p = strstr(p, "{\"index\": ")); p++) json_entries++;
  size_t claimed = 0; /* the sum of each claim's "entries" */
  for (const char *p = out; (p = strstr(p, "\"entries\": ")); p++) claimed += strtoul(p + 11, NULL, 10);
  CU_ASSERT(json_entries > 0);
  CU_ASSERT_EQUAL(json_entries, claimed);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"entry_report\": ["));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"numeric\": \"numeric (central)\""));
  CU_ASSERT_EQUAL(run("run softmax-jacobian logistic-dx-ds --format tsv", out, sizeof out, err, sizeof err), 0);
  const char *header = "check\tclaim\tkind\tequation\tmethod\tindex\tentry\tformula\tnumeric\tabs_err\trel_err\t"
                       "estimate\tjudged_by\tverdict\n";
  CU_ASSERT_PTR_NOT_NULL(strstr(out, header));
  size_t rows = 0, comments = 0;
  for (const char *p = out; p && *p; p = bp_test_next_line(p)) {
    if (*p == '#') {
      comments++;
    } else if (strncmp(p, "check\t", 6) != 0) {
      size_t tabs = 0;
      for (const char *q = p; *q && *q != '\n'; q++) tabs += (*q == '\t');
      CU_ASSERT_EQUAL(tabs, 13);
      rows++;
    }
  }
  CU_ASSERT_EQUAL(rows, claimed);
  CU_ASSERT_EQUAL(comments, 1); /* the worst entry; nothing failed, so nothing to reproduce */
  CU_ASSERT_EQUAL(strncmp(out, "# PASS: ", 8), 0);
}

/* eq. (28) summed literally over the free index i is 0 for every weight: the diagnosis says the gradient is zero
 * (a factor of 0), read from the entries alone. */
static void run_should_diagnose_a_failing_printed_formula(void) {
  CU_ASSERT_EQUAL(run("run softmax-output-weights-sum", out, sizeof out, err, sizeof err), 0);
  const char *d = strstr(out, "diagnosis: ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "zero"));
  CU_ASSERT_EQUAL(run("run softmax-output-weights-sum --format json", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"diagnosis\": {\"kind\": \"factor\""));
  /* a claim that holds never gets a diagnosis */
  CU_ASSERT_EQUAL(run("run softmax-jacobian logistic-deep-recursion", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(strstr(out, "diagnosis"));
}

/* eq. (26): targets that do not sum to 1 make backprop's x - t wrong; grad says so in one sentence, and its
 * reproduce line, run again, gives the same output and the same exit status. */
static void grad_should_diagnose_unnormalized_targets_and_print_a_reproducing_command(void) {
  char args[1024], again_args[1024];
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --seed 9", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_EQUAL(strncmp(out, "FAIL: worst entry ", 18), 0);
  const char *d = strstr(out, "\ndiagnosis: ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT(d < strstr(out, "\nloss E")); /* right under the first line */
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "eq. (26)"));
  CU_ASSERT_FATAL(reproduce_args(out, "", again_args, sizeof again_args));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "--allow-unnormalized-targets"));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "--seed=9"));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "--method=central"));
  CU_ASSERT_EQUAL(run(again_args, again, sizeof again, err, sizeof err), 1);
  CU_ASSERT_STRING_EQUAL(again, out);
  /* JSON: the diagnosis's kind and the command */
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --format json",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"kind\": \"targets-not-normalized\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"reproduce\": \"bpcheck grad "));
  /* a right gradient: no diagnosis, nothing to reproduce */
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(strstr(out, "diagnosis"));
  CU_ASSERT_PTR_NULL(strstr(out, "reproduce"));
}

/* --sample K: K entries of every W and b, a coverage line per block; the eq. (26) bug is still caught, since the
 * output layer's W2 and b2 are always sampled. */
static void grad_sample_should_cover_every_block(void) {
  char args[1024];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --sample 3", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "--sample 3: 12 of 43 entries checked"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "  W1      3 of   20 entries checked ( 15.0%),    3 pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "  b1      3 of    5 entries checked ( 60.0%),    3 pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "  W2      3 of   15 entries checked ( 20.0%),    3 pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "  b2      3 of    3 entries checked (100.0%),    3 pass"));
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --sample 3 --format tsv",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  size_t rows = 0;
  for (const char *p = out; (p = strchr(p, '\n')) && p[1]; p++) rows += (p[1] != '#' && strncmp(p + 1, "param", 5));
  CU_ASSERT_EQUAL(rows, 12);
  /* a bigger sample than a block takes the whole block: every entry, as without --sample */
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --sample 100 --format tsv",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "# block W1: 20 of 20 entries checked, 20 pass"));
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --sample 2", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "diagnosis: none, it reads the pattern of every entry"));
  char again_args[1024];
  CU_ASSERT_FATAL(reproduce_args(out, "", again_args, sizeof again_args));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "--sample=2"));
  CU_ASSERT_EQUAL(run(again_args, again, sizeof again, err, sizeof err), 1);
  CU_ASSERT_STRING_EQUAL(again, out); /* the same sample */
}

/* --direction: one random signed direction passes a right gradient of eq. (26)-(31) and fails the eq. (26) bug;
 * --taylor adds the remainder's rate: 2 for the right gradient, 1 for the wrong one. */
static void grad_direction_and_taylor_should_tell_right_from_wrong(void) {
  char args[1024];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --direction --taylor", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(strncmp(out, "PASS: along a random signed unit direction v: backprop g.v ", 59), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "Taylor test"));
  CU_ASSERT_EQUAL(count_lines(out) < 40, 1); /* no per-entry table */
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --taylor --format json", dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  const char *rate = strstr(out, "\"taylor\": {\"verdict\": \"PASS\", \"rate\": ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
  CU_ASSERT_DOUBLE_EQUAL(strtod(rate + 38, NULL), 2.0, 0.1);
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --direction "
           "--taylor --format json",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"check_verdict\": \"FAIL\""));
  rate = strstr(out, "\"taylor\": {\"verdict\": \"FAIL\", \"rate\": ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
  CU_ASSERT_DOUBLE_EQUAL(strtod(rate + 38, NULL), 1.0, 0.1);
}

static void grad_modes_should_refuse_bad_usage(void) {
  char args[1024];
  static const char *const bad[] = {"--sample 0", "--sample -2",     "--sample two",
                                    "--sample",   "--direction=yes", "--sample 2 --direction"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv %s", dir, bad[k]);
    CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bpcheck: "));
    CU_ASSERT_EQUAL(out[0], '\0');
  }
  CU_ASSERT_EQUAL(run("all --sample 3", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "options of grad"));
  CU_ASSERT_EQUAL(run("run softmax-jacobian --taylor", out, sizeof out, err, sizeof err), 2);
}

/* The checker of the JSON tests must itself fail on broken JSON: a planted bug for each way a printer can break. */
static void the_json_checker_should_reject_broken_json(void) {
  CU_ASSERT(bp_test_json_valid("{\"a\": [1, -2.5e-3, true, false, null, \"x\\u00e9\\n\"], \"b\": {}}\n"));
  static const char *const broken[] = {"{\"a\": 1,}",
                                       "[1 2]",
                                       "{\"a\" 1}",
                                       "{\"a\": nan}",
                                       "{\"a\": inf}",
                                       "{\"a\": 01}",
                                       "{\"a\": \"tab\there\"}",
                                       "[1] [2]",
                                       "{\"a\": [1}",
                                       "",
                                       "{\"a\": \"\\x\"}",
                                       "{\"a\": 1.}",
                                       "{'a': 1}"};
  for (size_t k = 0; k < sizeof broken / sizeof broken[0]; k++) CU_ASSERT(!bp_test_json_valid(broken[k]));
}

/* Every command's JSON, in every mode, parses: a number printed as nan, a missing comma or an unescaped string
 * would break every consumer. */
static void every_json_output_should_be_well_formed(void) {
  static const char *const commands[] = {"list",
                                         "all",
                                         "all --method forward",
                                         "run softmax-ds-split softmax-output-weights-sum logistic-deep-recursion",
                                         "run logistic-stable-forms --method complex",
                                         "sweep softmax-jacobian",
                                         "ladder",
                                         "estimates"};
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
    char args[512];
    snprintf(args, sizeof args, "%s --format json", commands[k]);
    run(args, out, sizeof out, err, sizeof err);
    CU_ASSERT(out[0] == '{' || out[0] == '[');
    CU_ASSERT(bp_test_json_valid(out));
  }
  static const char *const modes[] = {"", "--sample 2", "--direction", "--taylor", "--direction --taylor"};
  for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++)
    for (int bad = 0; bad <= 1; bad++) {
      char args[1024];
      snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/%s %s --format json %s", dir,
               bad ? "unnormal.csv --allow-unnormalized-targets" : "softmax.csv", modes[k], "");
      CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), bad);
      CU_ASSERT(bp_test_json_valid(out));
    }
}

/* eq. (26): the reproduce line quotes what the shell would split or expand: a data file in a directory whose name holds
 * a space and a quote, run again from that line, gives the same bytes; so does a failing --direction. */
static void reproduce_lines_should_survive_awkward_paths_and_every_mode(void) {
  char args[1024], again_args[1024];
  snprintf(args, sizeof args, "mkdir -p \"%s/it's here\" && cp %s/unnormal.csv \"%s/it's here/un normal.csv\"", dir,
           dir, dir);
  CU_ASSERT_EQUAL_FATAL(system(args), 0);
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data \"%s/it's here/un normal.csv\" --allow-unnormalized-targets "
           "--seed 3",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_FATAL(reproduce_args(out, "", again_args, sizeof again_args));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "'\\''")); /* the quote, quoted */
  CU_ASSERT_EQUAL(run(again_args, again, sizeof again, err, sizeof err), 1);
  CU_ASSERT_STRING_EQUAL(again, out);
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/unnormal.csv --allow-unnormalized-targets --direction "
           "--method richardson --seed 11",
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_FATAL(reproduce_args(out, "", again_args, sizeof again_args));
  CU_ASSERT_PTR_NOT_NULL(strstr(again_args, "--direction"));
  CU_ASSERT_EQUAL(run(again_args, again, sizeof again, err, sizeof err), 1);
  CU_ASSERT_STRING_EQUAL(again, out);
}

/* The TSV row of the line starting with name (name followed by a tab) in text, into row; 0 if there is none. */
static int tsv_row(const char *text, const char *name, char *row, size_t len) {
  char key[80];
  snprintf(key, sizeof key, "\n%s\t", name);
  const char *p = strstr(text, key);
  if (p == NULL) return 0;
  p++;
  size_t n = strcspn(p, "\n");
  if (n >= len) return 0;
  memcpy(row, p, n);
  row[n] = '\0';
  return 1;
}

/* eq. (26)-(31), --sample: each sampled row is the full check's row of that parameter, name, value and numbers alike:
 * the report maps a sampled entry back to its own parameter, not to its place in the sample. */
static void a_sampled_row_should_equal_the_full_checks_row_of_its_parameter(void) {
  char args[1024];
  static char full[1 << 16];
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --seed 4 --format tsv", dir);
  CU_ASSERT_EQUAL_FATAL(run(args, full, sizeof full, err, sizeof err), 0);
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --seed 4 --sample 3 "
           "--format tsv",
           dir);
  CU_ASSERT_EQUAL_FATAL(run(args, out, sizeof out, err, sizeof err), 0);
  size_t rows = 0, off_the_diagonal = 0;
  for (const char *p = strstr(out, "\nparam\t"); p && (p = strchr(p + 1, '\n')) && p[1] && p[1] != '#';) {
    char name[64], sampled[512], whole[512];
    size_t n = strcspn(p + 1, "\t");
    CU_ASSERT_FATAL(n < sizeof name);
    memcpy(name, p + 1, n);
    name[n] = '\0';
    CU_ASSERT_FATAL(tsv_row(out, name, sampled, sizeof sampled));
    CU_ASSERT(tsv_row(full, name, whole, sizeof whole));
    CU_ASSERT_STRING_EQUAL(sampled, whole);
    off_the_diagonal += strcmp(name, "W1[0,0]") && strcmp(name, "W1[0,1]") && strcmp(name, "W1[0,2]");
    rows++;
  }
  CU_ASSERT_EQUAL(rows, 12);
  CU_ASSERT(off_the_diagonal > 0); /* not simply the first entries */
}

/* eq. (38): parameters whose loss is not finite are bad input (exit 2, a message), not a gradient that fails. */
static void parameters_with_a_non_finite_loss_should_be_refused(void) {
  char args[1024];
  snprintf(args, sizeof args,
           "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --format tsv | "
           "awk 'BEGIN { FS = OFS = \"\\t\" } /^W2/ { $2 = \"1e308\" } { print }' > %s/huge.tsv",
           dir, dir);
  CU_ASSERT_EQUAL_FATAL(run(args, out, sizeof out, err, sizeof err), 0);
  snprintf(args, sizeof args, "grad --layers 4,5,3 --output softmax --data %s/softmax.csv --params %s/huge.tsv", dir,
           dir);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bpcheck: the loss at these parameters is not finite"));
  CU_ASSERT_EQUAL(out[0], '\0');
}

/* The distinct check ids (first TSV column, comments and header skipped) of `out`, in order, space separated. */
static void tsv_check_ids(const char *text, char *buf, size_t len) {
  buf[0] = '\0';
  char last[64] = "";
  for (const char *p = text; p && *p; p = bp_test_next_line(p)) {
    size_t n = strcspn(p, "\t\n");
    if (*p == '#' || strncmp(p, "check\t", 6) == 0 || n == 0 || n >= sizeof last) continue;
    if (strncmp(p, last, n) == 0 && last[n] == '\0') continue;
    memcpy(last, p, n);
    last[n] = '\0';
    if (strlen(buf) + n + 2 > len) return;
    if (buf[0]) strcat(buf, " ");
    strcat(buf, last);
  }
}

/* Runs `sh -c cmd` with stdout captured into out; returns the exit status (-1 if it could not run). */
static int shell(const char *cmd, char *text, size_t len) {
  text[0] = '\0';
  FILE *p = popen(cmd, "r");
  if (p == NULL) return -1;
  size_t n = fread(text, 1, len - 1, p);
  text[n] = '\0';
  while (fgetc(p) != EOF) continue;
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* eq. (23): verdicts are coloured on a terminal (util-linux `script` gives the command one), never when NO_COLOR is
 * set or stdout is not a terminal. Skipped, with a message, where `script` is missing. */
static void verdicts_should_be_coloured_on_a_terminal_only(void) {
  const char *binary = getenv("BPCHECK") ? getenv("BPCHECK") : "build/bpcheck";
  char cmd[512];
  CU_ASSERT_EQUAL(run("run softmax-ds-split", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(strchr(out, '\033'));
  if (system("command -v script >/dev/null 2>&1") != 0) {
    printf("\n    skipped: no `script` (util-linux) to give the command a terminal\n");
    return;
  }
  snprintf(cmd, sizeof cmd, "env -u NO_COLOR script -qec '%s run softmax-ds-split' /dev/null", binary);
  CU_ASSERT_EQUAL(shell(cmd, out, sizeof out), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[33mERRATUM\033[0m"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[1;31mFAIL\033[0m"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[32mPASS\033[0m"));
  snprintf(cmd, sizeof cmd, "NO_COLOR=1 script -qec '%s run softmax-ds-split' /dev/null", binary);
  CU_ASSERT_EQUAL(shell(cmd, out, sizeof out), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "ERRATUM"));
  CU_ASSERT_PTR_NULL(strchr(out, '\033'));
}

/* The widest line of text, in characters (a UTF-8 sequence counts once), 0 for none. A message ("bpcheck: ...") is
 * one line, whatever its length, so that grep finds it whole. */
static size_t widest_line(const char *text) {
  size_t longest = 0;
  for (const char *p = text; p && *p; p = bp_test_next_line(p)) {
    if (strncmp(p, "bpcheck: ", 9) == 0) continue;
    size_t n = 0;
    for (const char *q = p; *q && *q != '\n'; q++) n += ((unsigned char)*q & 0xc0) != 0x80;
    if (n > longest) longest = n;
  }
  return longest;
}

/* A softmax data set of `rows` examples with 100 inputs and 10 one-hot targets, from a fixed linear congruential
 * sequence, as dir/name. Returns 0, or 1 when it cannot be written. */
static int write_wide_data(const char *name, size_t rows) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return 1;
  unsigned long state = 2385;
  for (size_t r = 0; r < rows; r++) {
    for (size_t j = 0; j < 100; j++) {
      state = (state * 1103515245UL + 12345UL) % 2147483648UL;
      fprintf(f, "%.4f,", (double)state / 1073741824.0 - 1.0);
    }
    for (size_t c = 0; c < 10; c++) fprintf(f, "%d%s", c == r % 10, c < 9 ? "," : "\n");
  }
  return fclose(f) != 0;
}

static double wall_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* eq. (9)-(16), eq. (26): a `grad` longer than a second shows "columns done / total, about N s left" on stderr when
 * stderr is a terminal (util-linux `script` gives it one, stdout going elsewhere), and nothing of it when stderr is a
 * file, even with stdout on the terminal. The network (100-50-10, Richardson, 5,560 columns) takes 1-3 s; its batch
 * doubles until the run takes 1.5 s, so that a faster machine still crosses the one-second threshold. */
static void progress_should_show_on_a_terminal_stderr_only(void) {
  const char *binary = getenv("BPCHECK") ? getenv("BPCHECK") : "build/bpcheck";
  if (system("command -v script >/dev/null 2>&1") != 0) {
    printf("\n    skipped: no `script` (util-linux) to give the command a terminal\n");
    return;
  }
  static char text[1 << 16];
  char cmd[1024], grad[512], err_path[256];
  snprintf(err_path, sizeof err_path, "%s/progress.err", dir);
  double took = 0.0;
  for (size_t rows = 100; rows <= 800 && took < 1.5; rows *= 2) {
    CU_ASSERT_EQUAL_FATAL(write_wide_data("wide.csv", rows), 0);
    snprintf(grad, sizeof grad,
             "%s grad --layers 100,50,10 --output softmax --data %s/wide.csv --method richardson "
             "--quiet",
             binary, dir);
    snprintf(cmd, sizeof cmd, "script -qec \"%s 2>%s\" /dev/null", grad, err_path); /* stdout a terminal */
    double t0 = wall_seconds();
    CU_ASSERT_EQUAL(shell(cmd, text, sizeof text), 0);
    took = wall_seconds() - t0;
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ": worst entry")); /* the verdict is coloured on a terminal */
    CU_ASSERT_PTR_NULL(strstr(text, "columns"));
    FILE *f = fopen(err_path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    CU_ASSERT_STRING_EQUAL(text, ""); /* stderr a file: no progress, and nothing else either */
  }
  CU_ASSERT(took >= 1.5);
  snprintf(cmd, sizeof cmd, "script -qec \"%s >/dev/null\" /dev/null", grad); /* only stderr on the terminal */
  CU_ASSERT_EQUAL(shell(cmd, text, sizeof text), 0);
  const char *line = strstr(text, "bpcheck: columns ");
  size_t done = 0, total = 0;
  double left = -1.0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(line);
  CU_ASSERT_EQUAL(sscanf(line, "bpcheck: columns %zu / %zu, about %lf s left", &done, &total, &left), 3);
  CU_ASSERT_EQUAL(total, 5560); /* a column per parameter: 100 x 50 + 50 + 50 x 10 + 10 */
  CU_ASSERT(done > 0 && done <= total);
  CU_ASSERT(left >= 0.0);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\033[K")); /* the line is cleared at the end */
  CU_ASSERT_PTR_NULL(strstr(text, "worst entry"));  /* the report went to stdout */
}

/* eq. (9)-(16), eq. (23): every line of the tables of `all`, `run`, `list`, `grad`, `sweep`, `ladder`, `estimates`
 * and of every --help fits 100 columns (stdout and stderr alike), with the options that change the table. */
static void tables_should_fit_100_columns(void) {
  static const char *const commands[] = {
      "all",
      "all --failures",
      "all --method forward",
      "all --method richardson",
      "all --method complex",
      "all --method gsl",
      "list",
      "run softmax-ds-split softmax-output-weights-sum logistic-deep-recursion --method richardson",
      "run 26 --method forward",
      "run softmax-output-weights-sum --failures",
      ("grad --layers 4,5,3 --output softmax --data examples/data/unnormalized-softmax.csv "
       "--allow-unnormalized-targets --taylor"),
      "grad --layers '2, 3, 1' --output logistic --data examples/data/two-inputs.csv --sample 2",
      "grad --layers 2,3,1 --output logistic --data examples/data/two-inputs.csv --direction",
      "grad --layers 2,3,1 --output logistic --data examples/data/two-inputs.csv --method forward --entries all",
      "grad --layers 2,5,3 --output softmax --data examples/data/three-class.csv --plant overwritten-batch --failures",
      "grad --layers 2,7,3 --output softmax --data examples/data/three-class.csv --trace",
      "grad --plant list",
      "sweep logistic-hidden-weights",
      "sweep softmax-deep-recursion --method richardson",
      "ladder",
      "estimates",
      "--help",
      "grad --help",
      "grade --help",
      "handout --help"};
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
    CU_ASSERT(run(commands[k], out, sizeof out, err, sizeof err) >= 0);
    size_t lines = 0, longest = widest_line(out), longest_err = widest_line(err);
    for (const char *p = out; p && *p; p = bp_test_next_line(p)) lines++;
    if (longest > 100 || longest_err > 100)
      printf("\n    bpcheck %s: a line of %zu columns\n", commands[k], longest > 100 ? longest : longest_err);
    CU_ASSERT(lines > 5);
    CU_ASSERT(longest <= 100);
    CU_ASSERT(longest_err <= 100);
  }
}

/* Lines of text that start (after spaces) with a number and then `what` ("W", "b", "["): entry rows of a table. */
static size_t entry_rows(const char *text, const char *what, char *first, size_t len) {
  size_t rows = 0;
  if (first) first[0] = '\0';
  for (const char *p = text; p && *p; p = bp_test_next_line(p)) {
    const char *q = p + strspn(p, " ");
    size_t digits = strspn(q, "0123456789");
    if (digits == 0 || q[digits] != ' ') continue;
    q += digits + strspn(q + digits, " ");
    if (strncmp(q, what, strlen(what)) != 0) continue;
    if (rows++ == 0 && first) snprintf(first, len, "%.*s", (int)strcspn(q, " "), q);
  }
  return rows;
}

/* eq. (26): grad shows every entry of a small network; of a larger one, the per-block lines and the 20 worst
 * entries, worst first (the entry the first line names leads); --entries all and --entries N change that;
 * --failures keeps the failing entries, --quiet the summary alone. */
static void grad_should_shorten_its_table_on_request_and_by_default(void) {
  char first[64];
  const char *un = "grad --layers 4,5,3 --output softmax --data examples/data/unnormalized-softmax.csv "
                   "--allow-unnormalized-targets";
  char args[512];
  CU_ASSERT_EQUAL(run(un, out, sizeof out, err, sizeof err), 1); /* 43 parameters, every one failing */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "every entry checked, by block:"));
  CU_ASSERT_EQUAL(entry_rows(out, "W", NULL, 0) + entry_rows(out, "b", NULL, 0), 20);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "23 more entries not shown"));
  snprintf(args, sizeof args, "%s --entries 3", un);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_EQUAL(entry_rows(out, "W", first, sizeof first) + entry_rows(out, "b", NULL, 0), 3);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL: worst entry W1[2,2]"));
  CU_ASSERT_STRING_EQUAL(first, "W1[2,2]");
  snprintf(args, sizeof args, "%s --entries all", un);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_EQUAL(entry_rows(out, "W", NULL, 0) + entry_rows(out, "b", NULL, 0), 43);
  CU_ASSERT_PTR_NULL(strstr(out, "not shown"));
  snprintf(args, sizeof args, "%s --quiet", un);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 1);
  CU_ASSERT_EQUAL(entry_rows(out, "W", NULL, 0), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL: worst entry"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "diagnosis: "));
  CU_ASSERT_PTR_NULL(strstr(out, "loss E"));
  /* a right gradient: all 13 entries by default, none with --failures */
  const char *ok = "grad --layers 2,3,1 --output logistic --data examples/data/two-inputs.csv";
  CU_ASSERT_EQUAL(run(ok, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(entry_rows(out, "W", NULL, 0) + entry_rows(out, "b", NULL, 0), 13);
  snprintf(args, sizeof args, "%s --failures", ok);
  CU_ASSERT_EQUAL(run(args, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(entry_rows(out, "W", NULL, 0) + entry_rows(out, "b", NULL, 0), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "13 passing entries not shown (--failures)"));
  CU_ASSERT_EQUAL(run("all --entries 3", out, sizeof out, err, sizeof err), 2);
}

/* eq. (23), eq. (24), eq. (28): `all --failures` shows the three errata's failing printed forms and nothing that
 * holds; `all --quiet` the summary line alone; `run --failures` only failing entries. */
static void all_and_run_should_show_only_failures_or_the_summary_on_request(void) {
  CU_ASSERT_EQUAL(run("all --failures", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nERRATUM  softmax-ds-split "));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nERRATUM  softmax-ds-expanded "));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nERRATUM  softmax-output-weights-sum "));
  CU_ASSERT_PTR_NULL(strstr(out, "\nPASS     "));
  CU_ASSERT_PTR_NULL(strstr(out, "  corrected "));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "22 checks: 19 PASS, 3 ERRATUM, 0 FAIL"));
  CU_ASSERT_EQUAL(run("all --quiet", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_STRING_EQUAL(out, "22 checks: 19 PASS, 3 ERRATUM, 0 FAIL\n");
  CU_ASSERT_EQUAL(run("run softmax-ds-split --failures", out, sizeof out, err, sizeof err), 0);
  CU_ASSERT_EQUAL(entry_rows(out, "[", NULL, 0), 4); /* the printed form's 4 failing entries, not the correction's */
  CU_ASSERT_PTR_NULL(strstr(out, "PASS\n"));
  CU_ASSERT_EQUAL(run("list --quiet", out, sizeof out, err, sizeof err), 2);
}

/* eq. (9)-(16): `--data -` reads the CSV from standard input and gives the same report as the file; `--layers` takes
 * spaces around its sizes. */
static void grad_should_read_standard_input_for_data_dash(void) {
  static char from_file[1 << 16];
  CU_ASSERT_EQUAL(run("grad --layers 2,3,1 --output logistic --data examples/data/two-inputs.csv", from_file,
                      sizeof from_file, err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(run("grad --layers '2, 3, 1' --output logistic --data - < examples/data/two-inputs.csv", out,
                      sizeof out, err, sizeof err),
                  0);
  CU_ASSERT_STRING_EQUAL(out, from_file);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "13 parameters"));
  CU_ASSERT_EQUAL(run("grad --layers 2,3,1 --output logistic --data - < /dev/null", out, sizeof out, err, sizeof err),
                  2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "stdin"));
  CU_ASSERT_STRING_EQUAL(out, "");
}

/* eq. (26), eq. (12): `run 26` and `run 'eq. (12)'` run the checks whose registered equations cover it, a range
 * ("9-16") included; an equation no check covers is bad usage. The expected ids are read off the notes' numbering
 * in checks/registry.c's table by hand. */
static void run_should_select_the_checks_that_cover_an_equation(void) {
  char ids[512];
  CU_ASSERT_EQUAL(run("run 26 --format tsv", out, sizeof out, err, sizeof err), 0);
  tsv_check_ids(out, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "softmax-output-delta softmax-deep-recursion");
  CU_ASSERT_EQUAL(run("run 'eq. (12)' --format tsv", out, sizeof out, err, sizeof err), 0);
  tsv_check_ids(out, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "logistic-hidden-delta logistic-deep-recursion");
  CU_ASSERT_EQUAL(run("run '(23)' softmax-ds-split --format tsv", out, sizeof out, err, sizeof err), 0);
  tsv_check_ids(out, ids, sizeof ids);
  CU_ASSERT_STRING_EQUAL(ids, "softmax-ds-split");
  CU_ASSERT_EQUAL(run("run 27", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no check covers equation '27'"));
  CU_ASSERT_STRING_EQUAL(out, "");
  CU_ASSERT_EQUAL(run("run 'eq. 26'", out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no check named 'eq. 26'"));
}

/* eq. (9)-(16), eq. (26): the covering rule reads numbers and ranges, and nothing between them. */
static void check_covers_should_read_numbers_and_ranges(void) {
  const bp_check_def range = {"r", "9-16", "", NULL, NULL}, list = {"l", "26,29-31", "", NULL, NULL};
  CU_ASSERT(bp_check_covers(&range, 9) && bp_check_covers(&range, 12) && bp_check_covers(&range, 16));
  CU_ASSERT(!bp_check_covers(&range, 8) && !bp_check_covers(&range, 17) && !bp_check_covers(&range, 1));
  CU_ASSERT(bp_check_covers(&list, 26) && bp_check_covers(&list, 30) && bp_check_covers(&list, 31));
  CU_ASSERT(!bp_check_covers(&list, 27) && !bp_check_covers(&list, 3) && !bp_check_covers(&list, 2));
  unsigned long n = 0;
  CU_ASSERT(bp_check_parse_equation("eq. (40)", &n) == 0 && n == 40);
  CU_ASSERT(bp_check_parse_equation("eq (7)", &n) == 0 && n == 7);
  CU_ASSERT(bp_check_parse_equation("(3)", &n) == 0 && n == 3);
  CU_ASSERT(bp_check_parse_equation("3)", &n) != 0 && bp_check_parse_equation("(3", &n) != 0);
  CU_ASSERT(bp_check_parse_equation("0", &n) != 0 && bp_check_parse_equation("", &n) != 0);
  CU_ASSERT(bp_check_parse_equation("softmax-ds-split", &n) != 0);
}

int register_cli(void) {
  static const bp_test_case cases[] = {
      {"list_should_print_one_line_per_check", list_should_print_one_line_per_check},
      {"run_should_select_the_checks_that_cover_an_equation", run_should_select_the_checks_that_cover_an_equation},
      {"check_covers_should_read_numbers_and_ranges", check_covers_should_read_numbers_and_ranges},
      {"grad_should_read_standard_input_for_data_dash", grad_should_read_standard_input_for_data_dash},
      {"verdicts_should_be_coloured_on_a_terminal_only", verdicts_should_be_coloured_on_a_terminal_only},
      {"tables_should_fit_100_columns", tables_should_fit_100_columns},
      {"progress_should_show_on_a_terminal_stderr_only", progress_should_show_on_a_terminal_stderr_only},
      {"grad_should_shorten_its_table_on_request_and_by_default",
       grad_should_shorten_its_table_on_request_and_by_default},
      {"all_and_run_should_show_only_failures_or_the_summary_on_request",
       all_and_run_should_show_only_failures_or_the_summary_on_request},
      {"all_should_exit_zero_with_a_verdict_per_check", all_should_exit_zero_with_a_verdict_per_check},
      {"run_should_show_the_erratum_of_eq_23_in_every_format", run_should_show_the_erratum_of_eq_23_in_every_format},
      {"bad_usage_should_exit_two_with_a_message", bad_usage_should_exit_two_with_a_message},
      {"grad_should_agree_with_central_differences_on_a_csv", grad_should_agree_with_central_differences_on_a_csv},
      {"grad_should_read_back_its_own_output_as_params", grad_should_read_back_its_own_output_as_params},
      {"grad_should_name_the_file_and_line_of_bad_data", grad_should_name_the_file_and_line_of_bad_data},
      {"grad_should_warn_about_unnormalized_targets_and_fail_the_check_when_allowed",
       grad_should_warn_about_unnormalized_targets_and_fail_the_check_when_allowed},
      {"run_should_report_every_entry_and_how_to_reproduce_a_failure",
       run_should_report_every_entry_and_how_to_reproduce_a_failure},
      {"run_should_give_the_entries_as_tsv_and_json", run_should_give_the_entries_as_tsv_and_json},
      {"run_should_diagnose_a_failing_printed_formula", run_should_diagnose_a_failing_printed_formula},
      {"grad_should_diagnose_unnormalized_targets_and_print_a_reproducing_command",
       grad_should_diagnose_unnormalized_targets_and_print_a_reproducing_command},
      {"grad_sample_should_cover_every_block", grad_sample_should_cover_every_block},
      {"grad_direction_and_taylor_should_tell_right_from_wrong",
       grad_direction_and_taylor_should_tell_right_from_wrong},
      {"grad_modes_should_refuse_bad_usage", grad_modes_should_refuse_bad_usage},
      {"the_json_checker_should_reject_broken_json", the_json_checker_should_reject_broken_json},
      {"every_json_output_should_be_well_formed", every_json_output_should_be_well_formed},
      {"reproduce_lines_should_survive_awkward_paths_and_every_mode",
       reproduce_lines_should_survive_awkward_paths_and_every_mode},
      {"a_sampled_row_should_equal_the_full_checks_row_of_its_parameter",
       a_sampled_row_should_equal_the_full_checks_row_of_its_parameter},
      {"parameters_with_a_non_finite_loss_should_be_refused", parameters_with_a_non_finite_loss_should_be_refused},
  };
  CU_pSuite s = CU_add_suite("bpcheck command", setup, teardown);
  if (s == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
