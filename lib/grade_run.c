/* grade_run.c - grading a submission: compile, run each exercise in a child, judge (grade.h). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "grade.h"

bp_grade_config bp_grade_config_default(const char *course_dir) {
  bp_grade_config cfg = {0};
  const char *cc = getenv("CC");
  cfg.course_dir = course_dir;
  cfg.cc = cc != NULL && cc[0] ? cc : "cc";
  cfg.set = BP_GRADE_HIDDEN;
  cfg.hidden_seed = BP_GRADE_DEFAULT_HIDDEN_SEED;
  cfg.compile_limits = (bp_sandbox_limits){60, 120, 0, (size_t)256 << 20, (size_t)64 << 10};
  cfg.run_limits = (bp_sandbox_limits){5, 10, (size_t)512 << 20, (size_t)64 << 20, (size_t)1 << 20};
  return cfg;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void remove_tree(const char *dir) { nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Reads the whole file into *text (allocated); GSL_EFAILED with a message when it cannot. */
static int read_file(const char *path, char **text) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) BP_ERROR(GSL_EFAILED, "cannot read %s: %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *buf = bp_malloc(cap);
  while (buf != NULL) {
    size_t n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
    if (n == 0) break;
    if (len + 1 == cap) {
      char *bigger = bp_realloc(buf, cap *= 2);
      if (bigger == NULL) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  if (buf == NULL) return GSL_ENOMEM;
  buf[len] = '\0';
  *text = buf;
  return GSL_SUCCESS;
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) BP_ERROR(GSL_EFAILED, "cannot write %s: %s", path, strerror(errno));
  fputs(text, f);
  if (fclose(f) != 0) BP_ERROR(GSL_EFAILED, "cannot write %s", path);
  return GSL_SUCCESS;
}

/* cc -std=c11 -O1 -I course -c src -o obj; the compiler's messages into log. 1 when it compiled. */
/* cc runs in the work directory, so that its messages name the student's file and not a temporary path. */
static int compile(const bp_grade_config *cfg, const char *course, const char *work, const char *src, const char *obj,
                   char *log, size_t loglen, int *error) {
  char *argv[] = {(char *)cfg->cc, "-std=c11", "-O1", "-I", (char *)course, "-c", (char *)src, "-o", (char *)obj, NULL};
  bp_sandbox_result r;
  *error = bp_sandbox_run(argv, work, NULL, &cfg->compile_limits, &r);
  if (*error) return 0;
  int ok = r.exited && r.exit_status == 0;
  if (!ok && log != NULL) {
    char why[256];
    bp_sandbox_describe(&r, &cfg->compile_limits, why, sizeof why);
    snprintf(log, loglen, "%s%s(the compiler %s)", r.err, r.err_len && r.err[r.err_len - 1] != '\n' ? "\n" : "", why);
  }
  bp_sandbox_result_clear(&r);
  return ok;
}

typedef struct {
  const char *file;
  int submitted, compiled;
  char log[2048];
} file_state;

int bp_grade_submission(const bp_grade_config *cfg, const char *dir, bp_grade_report *rep) {
  if (cfg == NULL || cfg->course_dir == NULL || dir == NULL || rep == NULL)
    BP_ERROR(GSL_EFAULT, "bp_grade_submission: a missing argument");
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  memset(rep, 0, sizeof *rep);
  snprintf(rep->submission, sizeof rep->submission, "%s", dir);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    BP_ERROR(GSL_EINVAL, "%s: not a directory (a submission is a directory holding the exercise files)", dir);
  char path[4096], harness[8192], course[PATH_MAX];
  snprintf(harness, sizeof harness, "%s/harness.c", cfg->course_dir);
  if (access(harness, R_OK) != 0 || realpath(cfg->course_dir, course) == NULL)
    BP_ERROR(GSL_EINVAL, "%s: no harness.c here: --course must name the course directory (course/ in bpcheck)",
             cfg->course_dir);
  snprintf(harness, sizeof harness, "%s/harness.c", course);
  const char *tmpdir = getenv("TMPDIR");
  char work[1024];
  if (tmpdir != NULL && strlen(tmpdir) > 900) BP_ERROR(GSL_EINVAL, "TMPDIR is too long");
  snprintf(work, sizeof work, "%s/bpcheck-grade.XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
  if (mkdtemp(work) == NULL) BP_ERROR(GSL_EFAILED, "cannot create a temporary directory %s: %s", work, strerror(errno));

  size_t n_ex;
  const bp_grade_exercise *ex = bp_grade_exercises(&n_ex);
  file_state files[16];
  size_t n_files = 0;
  int status = GSL_SUCCESS, error = 0;
  char obj[4096], log[2048];
  (void)path;
  if (!compile(cfg, course, work, harness, "harness.o", log, sizeof log, &error)) {
    if (!error) bp_error_set("the harness %s does not compile with %s: %s", harness, cfg->cc, log);
    status = GSL_EFAILED;
    goto out;
  }
  for (size_t e = 0; e < n_ex; e++) { /* the exercise files, each once */
    size_t f = 0;
    while (f < n_files && strcmp(files[f].file, ex[e].file)) f++;
    if (f == n_files) files[n_files++] = (file_state){ex[e].file, 0, 0, ""};
  }
  for (size_t f = 0; f < n_files; f++) {
    file_state *fs = &files[f];
    char *text = NULL, copy[4096];
    snprintf(path, sizeof path, "%s/%s", dir, fs->file);
    snprintf(obj, sizeof obj, "%s.o", fs->file);
    snprintf(copy, sizeof copy, "%s/%s", work, fs->file);
    fs->submitted = access(path, R_OK) == 0;
    /* compiled from a copy alone in the work directory: "exercises.h" is then always the course's */
    if (fs->submitted && read_file(path, &text) == GSL_SUCCESS && write_file(copy, text) == GSL_SUCCESS)
      fs->compiled = compile(cfg, course, work, fs->file, obj, fs->log, sizeof fs->log, &error);
    free(text);
    text = NULL;
    if (error) {
      status = error;
      goto out;
    }
    if (!fs->compiled) { /* the skeleton stands in, so that the other files are still graded */
      char *stub = NULL;
      snprintf(path, sizeof path, "%s/%s", cfg->course_dir, fs->file);
      if ((status = read_file(path, &text)) || (status = bp_grade_strip_solutions(text, &stub)) ||
          (status = write_file(copy, stub))) {
        free(text);
        free(stub);
        goto out;
      }
      free(text);
      free(stub);
      if (!compile(cfg, course, work, fs->file, obj, log, sizeof log, &error)) {
        if (!error) bp_error_set("the skeleton of %s does not compile: %s", fs->file, log);
        status = GSL_EFAILED;
        goto out;
      }
    }
  }
  /* link */
  char prog[4096], *argv[40];
  size_t a = 0;
  snprintf(prog, sizeof prog, "%s/exercises", work);
  char objs[18][4096];
  argv[a++] = (char *)cfg->cc;
  argv[a++] = "-o";
  argv[a++] = prog;
  snprintf(objs[0], sizeof objs[0], "%s/harness.o", work);
  argv[a++] = objs[0];
  for (size_t f = 0; f < n_files; f++) {
    snprintf(objs[f + 1], sizeof objs[0], "%s/%s.o", work, files[f].file);
    argv[a++] = objs[f + 1];
  }
  argv[a++] = "-lm";
  argv[a] = NULL;
  bp_sandbox_result lr;
  if ((status = bp_sandbox_run(argv, NULL, NULL, &cfg->compile_limits, &lr))) goto out;
  int linked = lr.exited && lr.exit_status == 0;
  snprintf(log, sizeof log, "%s", lr.err);
  bp_sandbox_result_clear(&lr);

  for (size_t e = 0; e < n_ex; e++) {
    bp_grade_result *r = &rep->results[rep->n++];
    const file_state *fs = files;
    while (strcmp(fs->file, ex[e].file)) fs++;
    memset(r, 0, sizeof *r);
    r->ex = &ex[e];
    r->max_score = ex[e].points;
    rep->max_score += ex[e].points;
    if (cfg->only != NULL && strcmp(cfg->only, ex[e].id)) {
      rep->n--;
      rep->max_score -= ex[e].points;
      continue;
    }
    if (!fs->submitted) {
      r->outcome = BP_GRADE_NOT_ATTEMPTED;
      snprintf(r->reason, sizeof r->reason, "%s was not submitted", fs->file);
      continue;
    }
    if (!fs->compiled) {
      r->outcome = BP_GRADE_COMPILE_ERROR;
      snprintf(r->reason, sizeof r->reason, "%s does not compile (the compiler's messages follow)", fs->file);
      snprintf(r->log, sizeof r->log, "%s", fs->log);
      continue;
    }
    if (!linked) {
      r->outcome = BP_GRADE_COMPILE_ERROR;
      snprintf(r->reason, sizeof r->reason,
               "the exercise files do not link (a missing function, a duplicate, or main?)");
      snprintf(r->log, sizeof r->log, "%s", log);
      continue;
    }
    bp_grade_cases *c = bp_grade_cases_alloc(&ex[e], cfg->set, cfg->hidden_seed);
    if (c == NULL) {
      status = GSL_ENOMEM;
      goto out;
    }
    char in[4096];
    snprintf(in, sizeof in, "%s/%s.in", work, ex[e].id);
    FILE *f = fopen(in, "w");
    int ws = f == NULL ? GSL_EFAILED : bp_grade_cases_write(c, f);
    if (f != NULL && fclose(f) != 0) ws = GSL_EFAILED;
    if (ws) {
      bp_grade_cases_free(c);
      bp_error_set("cannot write %s", in);
      status = GSL_EFAILED;
      goto out;
    }
    char *run_argv[] = {prog, NULL};
    bp_sandbox_result rr;
    status = bp_sandbox_run(run_argv, work, in, &cfg->run_limits, &rr);
    if (status == GSL_SUCCESS) status = bp_grade_judge_output(&ex[e], c, &rr, &cfg->run_limits, r);
    bp_sandbox_result_clear(&rr);
    bp_grade_cases_free(c);
    if (status) goto out;
  }
  for (size_t k = 0; k < rep->n; k++) rep->score += rep->results[k].score;
out:
  remove_tree(work);
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return status;
}
