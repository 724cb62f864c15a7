/* test_grad_student.c - `bpcheck grad` for a student's own gradient: --gradient FILE.tsv (by parameter name, from
 * any language), --plant NAME (a classic mistake in bpcheck's backprop), --trace (s, x and delta per layer and
 * example, eq. (9)-(16), eq. (26)-(31)) and --labels. Each failure mode is planted and watched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "mistakes.h"
#include "test_util.h"

static char dir[64];
static char out[1 << 20], err[4096];

static int run(const char *args) { return bp_test_run_bpcheck(args, dir, out, sizeof out, err, sizeof err); }

#define NET "grad --layers 2,6,4,3 --output softmax --data examples/data/three-class.csv"

/* Writes dir/name as a gradient TSV (param, value) from grad's own TSV in `tsv`: the backprop column times
 * `scale`, leaving out the parameter `skip` (NULL: none) and adding the raw line `extra` (NULL: none). */
static int write_gradient(const char *tsv, const char *name, double scale, const char *skip, const char *extra) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return 1;
  fprintf(f, "# dE/dparams computed elsewhere\nparam\tvalue\n");
  size_t rows = 0;
  for (const char *line = tsv; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    char pname[64];
    double value, backprop;
    if (line[0] == '#' || sscanf(line, "%63[^\t]\t%lf\t%lf", pname, &value, &backprop) != 3) continue;
    if (skip && strcmp(pname, skip) == 0) continue;
    fprintf(f, "%s\t%.17g\n", pname, scale * backprop);
    rows++;
  }
  if (extra) fprintf(f, "%s\n", extra);
  fclose(f);
  return rows == 0;
}

static int setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "student")) return 1;
  if (run(NET " --format tsv") != 0) return 1;
  static char tsv[1 << 20];
  snprintf(tsv, sizeof tsv, "%s", out);
  return write_gradient(tsv, "right.tsv", 1.0, NULL, NULL) || write_gradient(tsv, "minus.tsv", -1.0, NULL, NULL) ||
         write_gradient(tsv, "missing.tsv", 1.0, "b2[1]", NULL) ||
         write_gradient(tsv, "twice.tsv", 1.0, NULL, "W1[0,0]\t0.5") ||
         write_gradient(tsv, "unknown.tsv", 1.0, NULL, "W7[0,0]\t0.5") ||
         write_gradient(tsv, "nan.tsv", 1.0, "b3[2]", "b3[2]\tnan");
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* eq. (10)-(16), eq. (29)-(31): bpcheck's own numbers written by name pass as "your gradient". */
static void a_right_gradient_file_should_pass(void) {
  char args[512];
  snprintf(args, sizeof args, NET " --gradient %s/right.tsv", dir);
  CU_ASSERT_EQUAL(run(args), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "PASS"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "yours"));
}

/* eq. (9), eq. (26): a sign-flipped file fails, the diagnosis speaks of the file, and the reproduce line names it. */
static void a_sign_flipped_gradient_file_should_fail_with_the_mistake_named(void) {
  char args[512];
  snprintf(args, sizeof args, NET " --gradient %s/minus.tsv --format json", dir);
  CU_ASSERT_EQUAL(run(args), 1);
  CU_ASSERT(bp_test_json_valid(out));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"kind\": \"sign\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "your gradient file is minus the true one"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "--gradient="));
}

/* Missing, duplicated, unknown and non-finite entries: exit 2, the file and the parameter named, nothing on stdout. */
static void a_bad_gradient_file_should_exit_two_naming_the_file_and_the_parameter(void) {
  static const struct {
    const char *file, *needle;
  } cases[] = {{"missing.tsv", "b2[1]"},
               {"twice.tsv", "W1[0,0]"},
               {"unknown.tsv", "W7[0,0]"},
               {"nan.tsv", "b3[2]"},
               {"absent.tsv", "absent.tsv"}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char args[512];
    snprintf(args, sizeof args, NET " --gradient %s/%s", dir, cases[k].file);
    CU_ASSERT_EQUAL(run(args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[k].file));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[k].needle));
    CU_ASSERT_EQUAL(out[0], '\0');
    if (strstr(err, cases[k].needle) == NULL) printf("\n  %s: %s\n", cases[k].file, err);
  }
  char args[512];
  snprintf(args, sizeof args, NET " --gradient %s/right.tsv --plant sign", dir);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "pick one"));
}

/* Every mistake --plant list names can be planted here and fails with that mistake named (eq. (7)-(31)). */
static void every_planted_mistake_should_fail_and_be_named(void) {
  CU_ASSERT_EQUAL(run("grad --plant list --format tsv"), 0);
  const bp_mistake_info *all = bp_mistake_info_all();
  for (int m = 1; m < BP_MISTAKE_N; m++) {
    CU_ASSERT_PTR_NOT_NULL(strstr(out, all[m].name));
    if (m == BP_MISTAKE_DERIVATIVE_FROM_X || m == BP_MISTAKE_TARGETS_UNNORMALIZED) continue; /* harmless here */
    char args[512];
    snprintf(args, sizeof args, NET " --plant %s --format json", all[m].name);
    static char json[1 << 18];
    int rc = bp_test_run_bpcheck(args, dir, json, sizeof json, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT(bp_test_json_valid(json));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"diagnosis\""));
    if (rc != 1 || strstr(json, "\"diagnosis\"") == NULL) printf("\n  --plant %s: exit %d %s\n", all[m].name, rc, err);
  }
  CU_ASSERT_EQUAL(run(NET " --plant no-such-mistake"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "transposed-propagation"));
  CU_ASSERT_EQUAL(run("grad --layers 2,3,1 --output logistic --data examples/data/xor.csv --plant softmax-diagonal"),
                  2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "softmax"));
}

/* The trace's numbers are the notes' (eq. (2), eq. (3), eq. (17), eq. (26)): one row per unit, layer and example; at
 * the output the softmax x sums to 1 and delta = x - t against the data's own targets. */
static void the_trace_should_hold_s_x_and_delta_of_every_layer_and_example(void) {
  CU_ASSERT_EQUAL(run(NET " --trace --format tsv"), 0);
  size_t rows = 0, examples = 9;
  double x_sum[16] = {0}, t[9][3] = {{1, 0, 0}};
  int delta_ok = 1;
  /* the targets of examples/data/three-class.csv, from the file itself */
  FILE *f = fopen("examples/data/three-class.csv", "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  char line[256];
  size_t r = 0;
  while (fgets(line, sizeof line, f) && r < examples) {
    double a, b;
    if (line[0] == '#' || sscanf(line, "%lf,%lf,%lf,%lf,%lf", &a, &b, &t[r][0], &t[r][1], &t[r][2]) != 5) continue;
    r++;
  }
  fclose(f);
  CU_ASSERT_EQUAL(r, examples);
  for (const char *p = strchr(out, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
    size_t ex, layer, unit;
    double s, x, delta;
    if (sscanf(p + 1, "%zu\t%zu\t%zu\t%lf\t%lf\t%lf", &ex, &layer, &unit, &s, &x, &delta) != 6) continue;
    rows++;
    if (layer == 3 && ex < examples) { /* examples count from 0 */
      x_sum[ex] += x;
      delta_ok &= fabs(delta - (x - t[ex][unit])) <= 1e-15;
    }
    if (layer < 3) delta_ok &= isfinite(delta);
  }
  CU_ASSERT_EQUAL(rows, examples * (6 + 4 + 3));
  CU_ASSERT(delta_ok);
  for (size_t k = 0; k < examples; k++) ASSERT_REL_CLOSE(x_sum[k], 1.0, 1e-15);
  CU_ASSERT_EQUAL(run(NET " --trace --format json"), 0);
  CU_ASSERT(bp_test_json_valid(out));
  CU_ASSERT_EQUAL(run(NET " --trace"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "eq. (26)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "delta"));
}

/* --labels reads class indices as one-hot rows: the same examples give the same loss as the one-hot file. */
static void labels_should_give_the_loss_of_the_one_hot_file(void) {
  static char onehot[1 << 20];
  CU_ASSERT_EQUAL(run(NET " --format json"), 0);
  snprintf(onehot, sizeof onehot, "%s", out);
  CU_ASSERT_EQUAL(run("grad --layers 2,6,4,3 --output softmax --data examples/data/three-class-labels.csv --labels "
                      "--format json"),
                  0);
  const char *a = strstr(onehot, "\"loss\": "), *b = strstr(out, "\"loss\": ");
  CU_ASSERT_FATAL(a != NULL && b != NULL);
  CU_ASSERT_EQUAL(strtod(a + 8, NULL), strtod(b + 8, NULL));
  CU_ASSERT_EQUAL(run("grad --layers 2,6,4,3 --output softmax --data examples/data/three-class-labels.csv"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--labels"));
  CU_ASSERT_EQUAL(run("list --plant sign"), 2);
}

int register_grad_student(void) {
  static const bp_test_case cases[] = {
      {"a right gradient file should pass", a_right_gradient_file_should_pass},
      {"a sign-flipped gradient file should fail with the mistake named",
       a_sign_flipped_gradient_file_should_fail_with_the_mistake_named},
      {"a bad gradient file should exit two naming the file and the parameter",
       a_bad_gradient_file_should_exit_two_naming_the_file_and_the_parameter},
      {"every planted mistake should fail and be named", every_planted_mistake_should_fail_and_be_named},
      {"the trace should hold s, x and delta of every layer and example",
       the_trace_should_hold_s_x_and_delta_of_every_layer_and_example},
      {"labels should give the loss of the one-hot file", labels_should_give_the_loss_of_the_one_hot_file},
  };
  CU_pSuite s = CU_add_suite("grad: your gradient, planted mistakes, the trace", setup, teardown);
  if (s == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
