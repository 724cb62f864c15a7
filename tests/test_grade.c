/* test_grade.c - the coursework grader (lib/grade.h, lib/sandbox.h, course/): the instructor's solutions get full
 * marks, the untouched handout 0, classic mistakes planted in the student's position (lib/mistakes.h) lose marks
 * with their diagnosis named, crashes score 0 for their exercise only, and the report formats parse. The suite
 * runs from the repository root (course/ is the course directory). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>

#include "core.h"
#include "grade.h"
#include "mistakes.h"
#include "test_util.h"

static const bp_grade_result *result_of(const bp_grade_report *rep, const char *id) {
  for (size_t k = 0; k < rep->n; k++)
    if (!strcmp(rep->results[k].ex->id, id)) return &rep->results[k];
  return NULL;
}

/* A fresh directory under $TMPDIR; path must hold 512 bytes. */
static int make_dir(char *path) {
  const char *tmp = getenv("TMPDIR");
  snprintf(path, 512, "%s/bpcheck-test-grade.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  return mkdtemp(path) == NULL ? -1 : 0;
}

static void remove_dir(const char *dir) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static int write_text(const char *dir, const char *name, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  fputs(text, f);
  return fclose(f);
}

/* Copies course/NAME into dir. */
static int copy_course_file(const char *dir, const char *name) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cp 'course/%s' '%s/'", name, dir);
  return system(cmd);
}

/* Short limits: the crash cases (an infinite loop) take a second, not five. */
static bp_grade_config test_config(void) {
  bp_grade_config cfg = bp_grade_config_default("course");
  cfg.run_limits.cpu_seconds = 1;
  cfg.run_limits.wall_seconds = 4;
  return cfg;
}

static bp_grade_report *grade(const char *dir, bp_grade_set set) {
  bp_grade_report *rep = calloc(1, sizeof *rep);
  if (rep == NULL) return NULL;
  bp_grade_config cfg = test_config();
  cfg.set = set;
  int status = bp_grade_submission(&cfg, dir, rep);
  if (status) {
    printf("\n  grading %s: %s\n", dir, bp_error_message());
    free(rep);
    return NULL;
  }
  return rep;
}

static void instructor_solutions_should_get_full_marks_on_the_hidden_cases(void) {
  bp_grade_report *rep = grade("course", BP_GRADE_HIDDEN);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
  size_t n;
  bp_grade_exercises(&n);
  CU_ASSERT(n >= 12);
  CU_ASSERT_EQUAL(rep->n, n);
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    if (r->score != r->max_score) printf("\n  %s: %g/%g %s %s\n", r->ex->id, r->score, r->max_score, r->reason, r->log);
    CU_ASSERT_EQUAL(r->outcome, BP_GRADE_OK);
    CU_ASSERT_EQUAL(r->n_passed, r->n_cases);
    CU_ASSERT(r->n_cases >= 6); /* 3 public and 3 hidden */
  }
  CU_ASSERT(rep->max_score > 0 && rep->score == rep->max_score);
  free(rep);
}

static void untouched_handout_should_score_zero_as_not_attempted(void) {
  char dir[512];
  CU_ASSERT_FATAL(make_dir(dir) == 0);
  char *argv_files[] = {"ex00_fd.c",      "ex01_logistic.c",    "ex02_hidden.c",
                        "ex03_softmax.c", "ex04_softmax_net.c", "ex05_stable.c"};
  for (size_t f = 0; f < 6; f++) {
    char path[600], *text = NULL, *stub = NULL;
    snprintf(path, sizeof path, "course/%s", argv_files[f]);
    FILE *in = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    size_t cap = 1 << 16;
    text = calloc(1, cap);
    size_t len = fread(text, 1, cap - 1, in);
    fclose(in);
    text[len] = '\0';
    CU_ASSERT_EQUAL(bp_grade_strip_solutions(text, &stub), GSL_SUCCESS);
    CU_ASSERT(strstr(stub, "BEGIN SOLUTION") == NULL && strstr(stub, "YOUR CODE HERE") != NULL);
    CU_ASSERT(strstr(stub, "ex_solution_backward_from") == NULL); /* the file-level region is gone */
    CU_ASSERT_EQUAL(write_text(dir, argv_files[f], stub), 0);
    free(text);
    free(stub);
  }
  bp_grade_report *rep = grade(dir, BP_GRADE_PUBLIC);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
  CU_ASSERT_EQUAL(rep->score, 0);
  for (size_t k = 0; k < rep->n; k++) CU_ASSERT_EQUAL(rep->results[k].outcome, BP_GRADE_NOT_ATTEMPTED);
  free(rep);
  remove_dir(dir);
}

/* Each crash scores 0 for its own exercise, with the reason in words; the other exercises keep full marks. */
static void crashes_should_score_zero_for_their_exercise_only(void) {
  char dir[512];
  CU_ASSERT_FATAL(make_dir(dir) == 0);
  CU_ASSERT_EQUAL(copy_course_file(dir, "ex00_fd.c"), 0);
  CU_ASSERT_EQUAL(copy_course_file(dir, "ex02_hidden.c"), 0);
  CU_ASSERT_EQUAL(copy_course_file(dir, "ex04_softmax_net.c"), 0);
  CU_ASSERT_EQUAL(
      write_text(dir, "ex01_logistic.c",
                 "#include <stdlib.h>\n#include \"exercises.h\"\n"
                 "int ex_logistic_dE_dx(size_t n, const double *x, const double *t, double *d) {\n"
                 "  volatile double *p = NULL; (void)n, (void)x, (void)t; d[0] = *p; return 0; }\n"
                 "int ex_logistic_dx_ds(size_t n, const double *x, double *d) {\n"
                 "  volatile int k = 1; while (k) {} (void)n, (void)x, (void)d; return 0; }\n"
                 "int ex_logistic_output_delta(size_t n, const double *x, const double *t, double *d) {\n"
                 "  (void)n, (void)x, (void)t, (void)d; abort(); }\n"
                 "int ex_output_weight_grad(size_t nj, size_t ni, const double *x, const double *s, double *d) {\n"
                 "  (void)nj, (void)ni, (void)x, (void)s, (void)d; exit(0); }\n"),
      0);
  CU_ASSERT_EQUAL(
      write_text(
          dir, "ex03_softmax.c",
          "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"exercises.h\"\n"
          "int ex_softmax_jacobian(size_t n, const double *x, double *J) {\n"
          "  double *big = malloc((size_t)1 << 40); memset(big, 1, (size_t)1 << 40); J[0] = big[n]; (void)x; return 0; "
          "}\n"
          "int ex_softmax_ds_split(size_t n, const double *x, const double *g, double *d) {\n"
          "  (void)x, (void)g; for (size_t i = 0; i < n; i++) d[i] = NAN; return 0; }\n"
          "int ex_softmax_ds_expanded(size_t n, const double *x, const double *t, double *d) {\n"
          "  printf(\"debug %zu\\n\", n); for (size_t i = 0; i < n; i++) d[i] = x[i] - t[i]; return 0; }\n"),
      0);
  CU_ASSERT_EQUAL(write_text(dir, "ex05_stable.c",
                             "#include \"exercises.h\"\nint ex_logistic_loss_stable(size_t n, const double *s, const "
                             "double *t, double *E) {\n"
                             "  return n + ; }\n"),
                  0);
  bp_grade_report *rep = grade(dir, BP_GRADE_PUBLIC);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
  static const struct {
    const char *id;
    bp_grade_outcome outcome;
    const char *reason;
  } expect[] = {
      {"logistic_dE_dx", BP_GRADE_CRASHED, "segmentation fault"},
      {"logistic_dx_ds", BP_GRADE_CRASHED, "CPU-time limit"},
      {"logistic_output_delta", BP_GRADE_CRASHED, "abort()"},
      {"output_weight_grad", BP_GRADE_CRASHED, "ended before finishing"},
      {"softmax_jacobian", BP_GRADE_CRASHED, "segmentation fault"}, /* malloc returned NULL under the memory limit */
      {"softmax_ds_split", BP_GRADE_CRASHED, "non-finite"},
      {"softmax_ds_expanded", BP_GRADE_CRASHED, "standard output"},
      {"logistic_loss_stable", BP_GRADE_COMPILE_ERROR, "does not compile"},
      {"softmax_loss_stable", BP_GRADE_COMPILE_ERROR, "does not compile"},
  };
  for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
    const bp_grade_result *r = result_of(rep, expect[k].id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    if (r->outcome != expect[k].outcome || strstr(r->reason, expect[k].reason) == NULL)
      printf("\n  %s: %s: %s\n", r->ex->id, bp_grade_outcome_name(r->outcome), r->reason);
    CU_ASSERT_EQUAL(r->outcome, expect[k].outcome);
    CU_ASSERT_EQUAL(r->score, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, expect[k].reason));
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(result_of(rep, "logistic_loss_stable")->log, "ex05_stable.c:3")); /* cc's message */
  static const char *intact[] = {"central_difference", "hidden_delta", "network_backward", "softmax_output_delta",
                                 "softmax_network_backward"};
  for (size_t k = 0; k < 5; k++) {
    const bp_grade_result *r = result_of(rep, intact[k]);
    CU_ASSERT(r != NULL && r->outcome == BP_GRADE_OK && r->score == r->max_score);
  }
  free(rep);
  remove_dir(dir);
}

/* The diagnosis kinds that name a planted mistake; the first entry BP_DIAG_NONE ends the list. */
typedef struct {
  bp_mistake mistake;
  bp_diagnosis_kind kinds[3];
} named_mistake;
static const named_mistake planted[] = {
    {BP_MISTAKE_SIGN, {BP_DIAG_SIGN}},
    {BP_MISTAKE_FACTOR_TWO, {BP_DIAG_FACTOR}},
    {BP_MISTAKE_MEAN_OVER_BATCH, {BP_DIAG_FACTOR}},
    {BP_MISTAKE_MISSING_DERIVATIVE, {BP_DIAG_MISSING_ACTIVATION_DERIVATIVE}},
    {BP_MISTAKE_DERIVATIVE_AT_S, {BP_DIAG_DERIVATIVE_AT_S}},
    {BP_MISTAKE_TRANSPOSED_PROPAGATION, {BP_DIAG_TRANSPOSED}},
    {BP_MISTAKE_TRANSPOSED_BLOCK, {BP_DIAG_TRANSPOSED, BP_DIAG_PERMUTED}},
    {BP_MISTAKE_SOFTMAX_DIAGONAL, {BP_DIAG_SOFTMAX_DIAGONAL}},
    {BP_MISTAKE_OVERWRITTEN_BATCH, {BP_DIAG_OVERWRITTEN_BATCH}},
    {BP_MISTAKE_UPDATED_WEIGHTS, {BP_DIAG_UPDATED_WEIGHTS}},
    {BP_MISTAKE_BIAS_NOT_SUMMED, {BP_DIAG_BIAS_NOT_SUMMED}},
    {BP_MISTAKE_WRONG_LAYER_ACTIVATIONS, {BP_DIAG_WRONG_LAYER_ACTIVATIONS}},
};

static int kind_names(const named_mistake *m, bp_diagnosis_kind kind) {
  for (size_t k = 0; k < 3 && (k == 0 || m->kinds[k] != BP_DIAG_NONE); k++)
    if (m->kinds[k] == kind) return 1;
  return 0;
}

/* One planted mistake in the position of a student's network backward pass: every case answered with the planted
 * gradient (the true one where the plant cannot be made in that network). Returns the result. */
static void judge_planted(const char *id, const named_mistake *m, bp_grade_result *r, int *named) {
  const bp_grade_exercise *ex = bp_grade_exercise_find(id);
  bp_grade_cases *c = bp_grade_cases_alloc(ex, BP_GRADE_HIDDEN, BP_GRADE_DEFAULT_HIDDEN_SEED);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  size_t n = bp_grade_cases_count(c);
  int statuses[BP_GRADE_MAX_CASES] = {0};
  gsl_vector *answers[BP_GRADE_MAX_CASES] = {0};
  const double *ptrs[BP_GRADE_MAX_CASES];
  int planted_somewhere = 0;
  for (size_t k = 0; k < n; k++) {
    const gsl_matrix *X0, *T;
    const bp_mlp *net = bp_grade_case_network(c, k, &X0, &T);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    answers[k] = gsl_vector_alloc(net->n_params);
    bp_plant plant = bp_plant_default(m->mistake);
    if (!bp_plant_valid(net, &plant))
      plant = bp_plant_default(BP_MISTAKE_NONE);
    else
      planted_somewhere = 1;
    CU_ASSERT_EQUAL(bp_mistake_gradient(net, X0, T, &plant, answers[k]), GSL_SUCCESS);
    ptrs[k] = answers[k]->data;
  }
  CU_ASSERT(planted_somewhere);
  CU_ASSERT_EQUAL(bp_grade_judge_answers(ex, c, statuses, ptrs, r), GSL_SUCCESS);
  *named = 0;
  for (size_t k = 0; k < r->n_cases; k++)
    if (!r->cases[k].passed && kind_names(m, r->cases[k].kind)) *named = 1;
  for (size_t k = 0; k < n; k++) gsl_vector_free(answers[k]);
  bp_grade_cases_free(c);
}

static void planted_mistakes_should_lose_marks_with_their_diagnosis_named(void) {
  size_t caught = 0;
  for (size_t k = 0; k < sizeof planted / sizeof planted[0]; k++) {
    const bp_mistake_info *info = bp_mistake_describe(planted[k].mistake);
    int softmax_only = planted[k].mistake == BP_MISTAKE_SOFTMAX_DIAGONAL;
    const char *id = softmax_only ? "softmax_network_backward" : "network_backward";
    bp_grade_result r;
    int named;
    judge_planted(id, &planted[k], &r, &named);
    if (r.score >= r.max_score || !named) {
      printf("\n  %s on %s: %g/%g, diagnoses:", info->name, id, r.score, r.max_score);
      for (size_t c = 0; c < r.n_cases; c++)
        if (!r.cases[c].passed) printf(" [%s] %s", bp_diagnosis_kind_name(r.cases[c].kind), r.cases[c].diagnosis);
      printf("\n");
    }
    CU_ASSERT(r.outcome == BP_GRADE_OK && r.score < r.max_score);
    CU_ASSERT(named);
    caught += r.score < r.max_score && named;
  }
  CU_ASSERT(caught >= 12);
}

/* A report with every outcome in it: the crash submission's, formatted five ways. */
static bp_grade_report *mixed_report(void) {
  bp_grade_report *rep = calloc(1, sizeof *rep);
  if (rep == NULL) return NULL;
  size_t n;
  const bp_grade_exercise *ex = bp_grade_exercises(&n);
  snprintf(rep->submission, sizeof rep->submission, "student \"<one>\" & co");
  for (size_t k = 0; k < 4; k++) {
    bp_grade_result *r = &rep->results[rep->n++];
    r->ex = &ex[k];
    r->max_score = ex[k].points;
    rep->max_score += r->max_score;
  }
  rep->results[0].outcome = BP_GRADE_OK, rep->results[0].n_cases = rep->results[0].n_passed = 3;
  rep->results[0].score = rep->results[0].max_score;
  rep->results[1].outcome = BP_GRADE_OK, rep->results[1].n_cases = 3, rep->results[1].n_passed = 1;
  rep->results[1].score = rep->results[1].max_score / 3;
  rep->results[1].cases[0].passed = 1;
  rep->results[1].cases[1].kind = BP_DIAG_SIGN;
  snprintf(rep->results[1].cases[1].label, 96, "seed 2, n = 4");
  snprintf(rep->results[1].cases[1].diagnosis, BP_DIAG_SENTENCE_LEN,
           "Your gradient is -1 times the true one: \"sign\"");
  rep->results[2].outcome = BP_GRADE_CRASHED;
  snprintf(rep->results[2].reason, 512, "segmentation fault (SIGSEGV)");
  snprintf(rep->results[2].log, 2048, "stderr line\twith a tab\x01 and a control character");
  rep->results[3].outcome = BP_GRADE_COMPILE_ERROR;
  snprintf(rep->results[3].reason, 512, "ex01_logistic.c does not compile");
  snprintf(rep->results[3].log, 2048, "ex01_logistic.c:3:1: error: expected ';' before '}' token\n  | <here>");
  for (size_t k = 0; k < rep->n; k++) rep->score += rep->results[k].score;
  return rep;
}

/* Runs cmd (sh) with the text on its standard input; its exit status, or -1. */
static int pipe_to(const char *cmd, const char *text) {
  FILE *p = popen(cmd, "w");
  if (p == NULL) return -1;
  fputs(text, p);
  int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int have(const char *program) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", program);
  return system(cmd) == 0;
}

static void gradescope_results_should_parse_with_the_fields_gradescope_reads(void) {
  bp_grade_report *rep = mixed_report();
  CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_grade_report_format(rep, BP_GRADE_GRADESCOPE, &text), GSL_SUCCESS);
  if (!have("python3")) {
    printf("\n  skipped: no python3 to parse results.json\n");
  } else {
    const char *check =
        "python3 -c 'import json,sys; d=json.load(sys.stdin); assert isinstance(d[\"score\"], (int, float));"
        " t=d[\"tests\"]; assert len(t)==4;"
        " assert all(set(x)>={\"name\",\"score\",\"max_score\",\"status\",\"output\",\"output_format\"} for x in t);"
        " assert all(x[\"output_format\"]==\"md\" and x[\"status\"] in (\"passed\",\"failed\") for x in t);"
        " assert [x[\"status\"] for x in t]==[\"passed\",\"failed\",\"failed\",\"failed\"];"
        " assert \"error: expected\" in t[3][\"output\"] and \"sign\" in t[1][\"output\"]'";
    CU_ASSERT_EQUAL(pipe_to(check, text), 0);
    free(text);
    CU_ASSERT_EQUAL_FATAL(bp_grade_report_format(rep, BP_GRADE_JSON, &text), GSL_SUCCESS);
    CU_ASSERT_EQUAL(pipe_to("python3 -c 'import json,sys; d=json.load(sys.stdin); "
                            "assert d[\"exercises\"][1][\"cases\"][1][\"diagnosis_kind\"]==\"sign\"'",
                            text),
                    0);
    free(text);
    CU_ASSERT_EQUAL_FATAL(bp_grade_report_format(rep, BP_GRADE_JUNIT, &text), GSL_SUCCESS);
    CU_ASSERT_EQUAL(pipe_to("python3 -c 'import sys, xml.dom.minidom as m; d=m.parse(sys.stdin);"
                            " s=d.getElementsByTagName(\"testsuite\")[0];"
                            " assert s.getAttribute(\"tests\")==\"4\" and s.getAttribute(\"failures\")==\"1\""
                            " and s.getAttribute(\"errors\")==\"2\"'",
                            text),
                    0);
  }
  free(text);
  free(rep);
}

static void prove_should_accept_the_tap(void) {
  bp_grade_report *rep = mixed_report();
  CU_ASSERT_PTR_NOT_NULL_FATAL(rep);
  char *text = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_grade_report_format(rep, BP_GRADE_TAP, &text), GSL_SUCCESS);
  CU_ASSERT(strncmp(text, "TAP version 13\n1..4\nok 1 - ", 27) == 0);
  if (!have("prove")) {
    printf("\n  skipped: no prove (Debian: perl) to read the TAP\n");
  } else {
    char dir[512];
    CU_ASSERT_FATAL(make_dir(dir) == 0);
    CU_ASSERT_EQUAL(write_text(dir, "report.tap", text), 0);
    char cmd[4096];
    /* prove parses the stream (exit 1: three tests fail, as they should); a parse error would say so */
    snprintf(cmd, sizeof cmd,
             "prove -v --exec cat '%s/report.tap' > '%s/out' 2>&1; "
             "grep -q 'Failed 3/4 subtests' '%s/out' && ! grep -qi 'parse error\\|unknown' '%s/out'",
             dir, dir, dir, dir);
    int rc = system(cmd);
    if (rc != 0) {
      snprintf(cmd, sizeof cmd, "cat '%s/out'", dir);
      (void)!system(cmd);
    }
    CU_ASSERT_EQUAL(rc, 0);
    remove_dir(dir);
  }
  free(text);
  free(rep);
}

/* An answer left at zero in every gradient exercise: it fails, and its diagnosis names no mistake of another
 * exercise's equations (the cancelling sum of eq. (28) belongs to the softmax network alone); an exercise without
 * a network says it was probably not computed. */
static void zero_answers_should_not_be_diagnosed_with_other_exercises_equations(void) {
  size_t n_ex;
  const bp_grade_exercise *ex = bp_grade_exercises(&n_ex);
  size_t judged = 0;
  for (size_t e = 0; e < n_ex; e++) {
    bp_grade_cases *c = bp_grade_cases_alloc(&ex[e], BP_GRADE_PUBLIC, BP_GRADE_DEFAULT_HIDDEN_SEED);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t n = bp_grade_cases_count(c);
    int statuses[BP_GRADE_MAX_CASES] = {0};
    double *zeros[BP_GRADE_MAX_CASES] = {0};
    const double *ptrs[BP_GRADE_MAX_CASES];
    for (size_t k = 0; k < n; k++) {
      const double *ref;
      size_t len;
      CU_ASSERT_EQUAL_FATAL(bp_grade_case_reference(c, k, &ref, &len), GSL_SUCCESS);
      zeros[k] = calloc(len, sizeof(double));
      ptrs[k] = zeros[k];
    }
    bp_grade_result r;
    CU_ASSERT_EQUAL(bp_grade_judge_answers(&ex[e], c, statuses, ptrs, &r), GSL_SUCCESS);
    CU_ASSERT(r.n_passed < r.n_cases);
    int net = bp_grade_case_network(c, 0, &(const gsl_matrix *){NULL}, &(const gsl_matrix *){NULL}) != NULL;
    for (size_t k = 0; k < r.n_cases; k++) {
      const char *d = r.cases[k].diagnosis;
      if (r.cases[k].passed || !d[0]) continue; /* a value exercise has no diagnosis */
      judged++;
      if (strcmp(ex[e].id, "softmax_network_backward") && strstr(d, "eq. (28)") != NULL) {
        fprintf(stderr, "\n  %s: a zero answer diagnosed with eq. (28): %s\n", ex[e].id, d);
        CU_FAIL("a zero answer is diagnosed with eq. (28) outside the softmax network");
      }
      if (!net && strstr(d, "not computed?") == NULL) {
        fprintf(stderr, "\n  %s: %s\n", ex[e].id, d);
        CU_FAIL("a zero answer is not described as not computed");
      }
    }
    for (size_t k = 0; k < n; k++) free(zeros[k]);
    bp_grade_cases_free(c);
  }
  CU_ASSERT(judged >= 10);
}

/* A class is its subdirectories, sorted bytewise; files and hidden directories are ignored and counted. */
static void class_should_list_its_subdirectories_sorted_ignoring_files_and_hidden_ones(void) {
  char dir[512], sub[1024];
  CU_ASSERT_EQUAL_FATAL(make_dir(dir), 0);
  static const char *const made[] = {"zed", "a, \"quoted\"", "Bob", ".git"};
  for (size_t k = 0; k < 4; k++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, made[k]);
    CU_ASSERT_EQUAL(mkdir(sub, 0777), 0);
  }
  CU_ASSERT_EQUAL(write_text(dir, "README.txt", "not a submission\n"), 0);
  bp_grade_class *cls = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_grade_class_alloc(dir, &cls), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(cls->n, 3);
  CU_ASSERT_STRING_EQUAL(cls->entries[0].name, "Bob");
  CU_ASSERT_STRING_EQUAL(cls->entries[1].name, "a, \"quoted\"");
  CU_ASSERT_STRING_EQUAL(cls->entries[2].name, "zed");
  CU_ASSERT_EQUAL(cls->n_ignored, 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(cls->ignored, ".git"));
  CU_ASSERT_PTR_NOT_NULL(strstr(cls->ignored, "README.txt"));
  bp_grade_class_free(cls);
  bp_grade_class_free(NULL);
  snprintf(sub, sizeof sub, "%s/zed", dir);
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_class_alloc(sub, &cls), GSL_EINVAL, "holds no submission");
  CU_ASSERT_PTR_NULL(cls);
  snprintf(sub, sizeof sub, "%s/no-such-class", dir);
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_class_alloc(sub, &cls), GSL_EINVAL, "no-such-class");
  remove_dir(dir);
}

/* A submission the grader cannot grade (here: no course directory) gets a note, its gradebook cells stay empty,
 * and the class goes on; jobs 0 is refused; an output directory that is not a class report is never replaced. */
static void class_should_note_a_submission_it_cannot_grade_and_go_on(void) {
  char dir[512], sub[1024];
  CU_ASSERT_EQUAL_FATAL(make_dir(dir), 0);
  static const char *const made[] = {"ann", "x, \"y\""};
  for (size_t k = 0; k < 2; k++) {
    snprintf(sub, sizeof sub, "%s/%s", dir, made[k]);
    CU_ASSERT_EQUAL(mkdir(sub, 0777), 0);
  }
  bp_grade_class *cls = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_grade_class_alloc(dir, &cls), GSL_SUCCESS);
  bp_grade_config cfg = bp_grade_config_default("no-such-course");
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_class_run(&cfg, cls, 0, NULL, NULL), GSL_EINVAL, "at least 1");
  CU_ASSERT_EQUAL(bp_grade_class_run(&cfg, cls, 2, NULL, NULL), GSL_SUCCESS);
  for (size_t k = 0; k < cls->n; k++) {
    CU_ASSERT_EQUAL(cls->entries[k].graded, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cls->entries[k].note, "not graded: no-such-course: no harness.c"));
  }
  char *csv = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_grade_class_gradebook(cls, &csv), GSL_SUCCESS);
  /* the second row of the gradebook is "x, "y"" quoted by RFC 4180, with empty scores and the note */
  size_t n_ex;
  bp_grade_exercises(&n_ex);
  char want[256] = "\n\"x, \"\"y\"\"\"";
  for (size_t e = 0; e < n_ex + 2; e++) strcat(want, ",");
  strcat(want, "not graded: no-such-course");
  CU_ASSERT_PTR_NOT_NULL(strstr(csv, want));
  CU_ASSERT(strncmp(csv, "submission,central_difference,", 30) == 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",total,note\n(max),1,"));
  free(csv);
  char warning[256];
  snprintf(sub, sizeof sub, "%s/ann", dir); /* a directory that is no class report */
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_class_write(cls, sub, "plots", warning, sizeof warning), GSL_EINVAL,
                            "not a class report");
  snprintf(sub, sizeof sub, "%s/report", dir);
  CU_ASSERT_EQUAL(bp_grade_class_write(cls, sub, "no-such-plots", warning, sizeof warning), GSL_SUCCESS);
  CU_ASSERT_PTR_NOT_NULL(strstr(warning, "no gnuplot scripts in no-such-plots"));
  snprintf(sub, sizeof sub, "%s/report/submissions/ann.txt", dir);
  CU_ASSERT_EQUAL(access(sub, R_OK), 0);
  snprintf(sub, sizeof sub, "%s/report", dir); /* a report bpcheck wrote is replaced */
  CU_ASSERT_EQUAL(bp_grade_class_write(cls, sub, "no-such-plots", warning, sizeof warning), GSL_SUCCESS);
  bp_grade_class_free(cls);
  remove_dir(dir);
}

static void strip_should_refuse_unbalanced_regions(void) {
  char *out = NULL;
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_strip_solutions("a\n  /* BEGIN SOLUTION */\nb\n", &out), GSL_EINVAL,
                            "without END SOLUTION");
  ASSERT_FAILS_WITH_MESSAGE(bp_grade_strip_solutions("a\n/* END SOLUTION */\n", &out), GSL_EINVAL,
                            "without BEGIN SOLUTION");
  CU_ASSERT_EQUAL(
      bp_grade_strip_solutions("int f(void) {\n  /* BEGIN SOLUTION */\n  return 1;\n  /* END SOLUTION */\n}\n", &out),
      GSL_SUCCESS);
  CU_ASSERT_STRING_EQUAL(out, "int f(void) {\n  /* YOUR CODE HERE */\n  return EX_NOT_ATTEMPTED;\n}\n");
  free(out);
}

int register_grade(void) {
  static const bp_test_case cases[] = {
      {"instructor solutions should get full marks on the hidden cases",
       instructor_solutions_should_get_full_marks_on_the_hidden_cases},
      {"untouched handout should score zero as not attempted", untouched_handout_should_score_zero_as_not_attempted},
      {"crashes should score zero for their exercise only", crashes_should_score_zero_for_their_exercise_only},
      {"planted mistakes should lose marks with their diagnosis named",
       planted_mistakes_should_lose_marks_with_their_diagnosis_named},
      {"gradescope results should parse with the fields gradescope reads",
       gradescope_results_should_parse_with_the_fields_gradescope_reads},
      {"prove should accept the TAP", prove_should_accept_the_tap},
      {"strip should refuse unbalanced regions", strip_should_refuse_unbalanced_regions},
      {"class should list its subdirectories sorted ignoring files and hidden ones",
       class_should_list_its_subdirectories_sorted_ignoring_files_and_hidden_ones},
      {"class should note a submission it cannot grade and go on",
       class_should_note_a_submission_it_cannot_grade_and_go_on},
      {"zero answers should not be diagnosed with other exercises' equations",
       zero_answers_should_not_be_diagnosed_with_other_exercises_equations},
  };
  return bp_test_add_suite("grade", cases, sizeof cases / sizeof cases[0]);
}
