/* grade.c - `bpcheck grade DIR` and `bpcheck handout DIR`: the coursework grader's command line. The grading,
 * its cases and its formats live in lib/grade.h; this file parses options and prints. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core.h"
#include "grade.h"

static const char grade_usage[] =
    "usage: bpcheck grade DIR [--format table|tap|json|gradescope|junit] [--public] [--hidden-seed N]\n"
    "                         [--only EXERCISE] [--course DIR]\n"
    "       bpcheck grade --class DIR --output OUT [-j N] [--public] [--hidden-seed N] [--course DIR]\n"
    "       bpcheck handout DIR [--course DIR]\n"
    "grade: compiles the exercise files in DIR with the course's harness, runs each exercise in its own\n"
    "process and judges its answers against finite differences and the reference (docs/coursework.md).\n"
    "--class: grades every submission under DIR (one subdirectory each, named by it), N at a time (-j;\n"
    "default: the number of online CPUs) and writes OUT/gradebook.csv, OUT/report.html and .md with\n"
    "figures, and each submission's feedback in OUT/submissions/, all or nothing (an OUT already there\n"
    "must be such a report).\n"
    "handout: writes the student copy of the course's files (solutions replaced by YOUR CODE HERE)\n"
    "into DIR.\n"
    "The course directory is --course, else $BPCHECK_COURSE, else ./course.\n"
    "exit status (grade): 0 full marks, 1 graded below full marks, 2 bad usage, 3 the grader could not\n"
    "work; (grade --class): 0 the class was graded and written, 2 bad usage, 3 no submission graded\n";

/* Every usage error of grade and handout points to their own help, which the main usage leaves out. */
static int usage_error(const char *fmt, const char *arg) {
  return bp_cli_usage_error_see("bpcheck grade --help", fmt, arg);
}

static const char *course_dir(const char *opt) {
  const char *env = getenv("BPCHECK_COURSE");
  return opt != NULL ? opt : env != NULL && env[0] ? env : "course";
}

static int parse_ulong(const char *s, unsigned long *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-' || x > 4294967295ULL) return -1;
  *v = (unsigned long)x;
  return 0;
}

/* Writes the student copy of every course file into dir. */
static int handout(const char *course, const char *dir) {
  size_t n;
  const bp_grade_exercise *ex = bp_grade_exercises(&n);
  const char *files[24];
  size_t n_files = 0;
  files[n_files++] = "exercises.h";
  files[n_files++] = "harness.c";
  for (size_t e = 0; e < n; e++) {
    size_t f = 0;
    while (f < n_files && strcmp(files[f], ex[e].file)) f++;
    if (f == n_files) files[n_files++] = ex[e].file;
  }
  char *copies[24] = {0};
  int rc = EXIT_OK;
  for (size_t f = 0; f < n_files && rc == EXIT_OK; f++) { /* everything read and stripped before anything is written */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", course, files[f]);
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
      fprintf(stderr, "bpcheck: cannot read %s: %s\n", path, strerror(errno));
      rc = EXIT_USAGE;
      break;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    int c;
    while ((c = fgetc(in)) != EOF) {
      if (len + 2 > cap && (text = realloc(text, cap = 2 * cap + 4096)) == NULL) break;
      text[len++] = (char)c;
    }
    fclose(in);
    if (text == NULL) {
      fprintf(stderr, "bpcheck: out of memory reading %s\n", path);
      rc = EXIT_INTERNAL;
      break;
    }
    text[len] = '\0';
    if (bp_grade_strip_solutions(text, &copies[f])) {
      fprintf(stderr, "bpcheck: %s: %s\n", path, bp_error_message());
      rc = EXIT_USAGE;
    }
    free(text);
  }
  if (rc == EXIT_OK && mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bpcheck: cannot create %s: %s\n", dir, strerror(errno));
    rc = EXIT_USAGE;
  }
  for (size_t f = 0; f < n_files && rc == EXIT_OK; f++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, files[f]);
    FILE *out = fopen(path, "wb");
    if (out == NULL || fputs(copies[f], out) < 0 || fclose(out) != 0) {
      fprintf(stderr, "bpcheck: cannot write %s\n", path);
      rc = EXIT_INTERNAL;
    }
  }
  for (size_t f = 0; f < n_files; f++) free(copies[f]);
  if (rc == EXIT_OK) printf("handout: %zu files in %s\n", n_files, dir);
  return rc;
}

/* One progress line on stderr while a class is graded (a terminal only). */
static void class_progress(size_t done, size_t total, const bp_grade_class_entry *e, void *context) {
  bp_cli_progress *p = context;
  if (!p->on) return;
  fprintf(stderr, "\r\033[Kbpcheck: graded %zu / %zu submissions (%.40s)", done, total, e->name);
  p->shown = 1;
}

/* bpcheck grade --class DIR --output OUT -j N. */
static int grade_class(const bp_grade_config *cfg, const char *dir, const char *out, size_t jobs) {
  char harness[4096];
  snprintf(harness, sizeof harness, "%s/harness.c", cfg->course_dir);
  if (access(harness, R_OK) != 0)
    return usage_error("%s: no harness.c here: --course must name the course directory (course/ in bpcheck)",
                       cfg->course_dir);
  bp_grade_class *cls = NULL;
  int status = bp_grade_class_alloc(dir, &cls);
  if (status == GSL_EINVAL) return usage_error("--class %s", bp_error_message());
  if (status == GSL_SUCCESS && (status = bp_grade_class_check_output(out)) == GSL_EINVAL) {
    bp_grade_class_free(cls);
    return usage_error("--output: %s", bp_error_message());
  }
  if (status) {
    fprintf(stderr, "bpcheck: grade --class: %s\n", bp_error_message());
    bp_grade_class_free(cls);
    return EXIT_INTERNAL;
  }
  if (cls->n_ignored)
    fprintf(stderr, "bpcheck: grade --class: ignored %zu entr%s of %s that %s not submission directories: %s\n",
            cls->n_ignored, cls->n_ignored == 1 ? "y" : "ies", dir, cls->n_ignored == 1 ? "is" : "are", cls->ignored);
  bp_cli_progress progress;
  bp_cli_progress_start(&progress);
  status = bp_grade_class_run(cfg, cls, jobs, class_progress, &progress);
  bp_cli_progress_end(&progress);
  const char *plots = getenv("BPCHECK_PLOTS");
  char warning[256] = "";
  if (status == GSL_SUCCESS)
    status = bp_grade_class_write(cls, out, plots && plots[0] ? plots : "plots", warning, sizeof warning);
  int rc = EXIT_OK;
  if (status) {
    fprintf(stderr, "bpcheck: grade --class: %s\n", bp_error_message());
    rc = status == GSL_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
  } else {
    size_t graded = 0, width = 10;
    for (size_t k = 0; k < cls->n; k++)
      width = strlen(cls->entries[k].name) > width ? strlen(cls->entries[k].name) : width;
    for (size_t k = 0; k < cls->n; k++) {
      const bp_grade_class_entry *e = &cls->entries[k];
      if (!e->graded) {
        printf("%-*s %9s  %s\n", (int)width, e->name, "-", e->note);
        continue;
      }
      graded++;
      size_t below = 0;
      for (size_t x = 0; x < e->report.n; x++) below += e->report.results[x].score < e->report.results[x].max_score;
      char score[64];
      snprintf(score, sizeof score, "%g/%g", e->report.score, e->report.max_score);
      if (below)
        printf("%-*s %9s  %zu exercise%s below full marks\n", (int)width, e->name, score, below, below == 1 ? "" : "s");
      else
        printf("%-*s %9s  full marks\n", (int)width, e->name, score);
    }
    if (warning[0]) fprintf(stderr, "bpcheck: warning: %s\n", warning);
    printf("class: %zu of %zu submissions graded; %s/gradebook.csv, %s/report.html\n", graded, cls->n, out, out);
    if (graded == 0) {
      fprintf(stderr, "bpcheck: grade --class: no submission could be graded (see the notes above)\n");
      rc = EXIT_INTERNAL;
    }
  }
  bp_grade_class_free(cls);
  return rc;
}

int bp_cli_grade(int argc, char **argv) {
  const char *cmd = argv[0], *dir = NULL, *course = NULL, *only = NULL, *class_dir = NULL, *output = NULL;
  bp_grade_format fmt = BP_GRADE_TABLE;
  int public_only = 0, format_given = 0;
  unsigned long jobs = 0; /* 0: the number of online CPUs */
  unsigned long hidden_seed = BP_GRADE_DEFAULT_HIDDEN_SEED;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k], *eq = strchr(a, '=');
    char name[32] = "";
    const char *value = NULL;
    if (!strcmp(a, "-j") || !strncmp(a, "-j", 2) || !strncmp(a, "--jobs", 6)) { /* -j N, -jN, --jobs N, --jobs=N */
      const char *v = !strncmp(a, "--jobs", 6) ? (a[6] == '=' ? a + 7
                                                  : a[6]      ? NULL
                                                              : (k + 1 < argc ? argv[++k] : ""))
                      : a[2]                   ? a + 2
                                               : (k + 1 < argc ? argv[++k] : "");
      if (v == NULL) return usage_error("unknown option '%s'", a);
      if (parse_ulong(v, &jobs) || jobs < 1 || jobs > 1024)
        return usage_error("-j needs a number of submissions graded at a time from 1 to 1024, not '%s'", v);
      continue;
    }
    if (a[0] == '-' && a[1] == '-') {
      size_t n = eq ? (size_t)(eq - a) : strlen(a);
      if (n >= sizeof name) return usage_error("unknown option '%s'", a);
      memcpy(name, a, n);
      name[n] = '\0';
      if (!strcmp(name, "--public")) {
        if (eq) return usage_error("option %s takes no value", name);
        public_only = 1;
        continue;
      }
      if (strcmp(name, "--format") && strcmp(name, "--course") && strcmp(name, "--hidden-seed") &&
          strcmp(name, "--only") && strcmp(name, "--class") && strcmp(name, "--output"))
        return usage_error("unknown option '%s'", a);
      value = eq ? eq + 1 : (k + 1 < argc ? argv[++k] : NULL);
      if (value == NULL || !value[0]) return usage_error("option %s needs a value", name);
      if (!strcmp(name, "--format")) {
        if (bp_grade_format_parse(value, &fmt)) return usage_error("--format: %s", bp_error_message());
        format_given = 1;
      } else if (!strcmp(name, "--class")) {
        class_dir = value;
      } else if (!strcmp(name, "--output")) {
        output = value;
      } else if (!strcmp(name, "--course")) {
        course = value;
      } else if (!strcmp(name, "--only")) {
        if (bp_grade_exercise_find(value) == NULL) return usage_error("--only: no exercise named '%s'", value);
        only = value;
      } else if (parse_ulong(value, &hidden_seed)) {
        return usage_error("--hidden-seed needs an integer from 0 to 4294967295, not '%s'", value);
      }
    } else if (dir == NULL) {
      dir = a;
    } else {
      return usage_error("unexpected argument '%s'", a);
    }
  }
  if (!strcmp(cmd, "handout")) {
    if (dir == NULL) return usage_error("%s", "handout needs the directory to write");
    return handout(course_dir(course), dir);
  }
  bp_grade_config cfg = bp_grade_config_default(course_dir(course));
  cfg.set = public_only ? BP_GRADE_PUBLIC : BP_GRADE_HIDDEN;
  cfg.hidden_seed = hidden_seed;
  if (class_dir != NULL || output != NULL || jobs != 0) {
    if (class_dir == NULL) return usage_error("%s", "--output and -j go with --class DIR");
    if (dir != NULL) return usage_error("unexpected argument '%s' (--class grades every submission in its DIR)", dir);
    if (output == NULL)
      return usage_error("%s", "--class needs --output OUT, the directory for the gradebook and report");
    if (only != NULL || format_given)
      return usage_error("%s", "--class grades every exercise and writes its own formats (no --only, --format)");
    if (jobs == 0) {
      long cpus = sysconf(_SC_NPROCESSORS_ONLN);
      jobs = cpus >= 1 ? (unsigned long)cpus : 1;
    }
    return grade_class(&cfg, class_dir, output, (size_t)jobs);
  }
  if (dir == NULL) return usage_error("%s", "grade needs the submission's directory");
  cfg.only = only;
  bp_grade_report *rep = calloc(1, sizeof *rep);
  if (rep == NULL) {
    fprintf(stderr, "bpcheck: out of memory\n");
    return EXIT_INTERNAL;
  }
  int status = bp_grade_submission(&cfg, dir, rep), rc;
  char *text = NULL;
  if (status == GSL_EINVAL) {
    fprintf(stderr, "bpcheck: %s\n", bp_error_message());
    rc = EXIT_USAGE;
  } else if (status || (status = bp_grade_report_format(rep, fmt, &text))) {
    fprintf(stderr, "bpcheck: grade: %s\n", bp_error_message());
    rc = EXIT_INTERNAL;
  } else {
    fputs(text, stdout);
    rc = rep->score == rep->max_score ? EXIT_OK : EXIT_FAILED;
  }
  free(text);
  free(rep);
  return rc;
}

const char *bp_cli_grade_usage(void) { return grade_usage; }
