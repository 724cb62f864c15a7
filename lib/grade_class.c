/* grade_class.c - grading a class: every submission under a directory, N at a time, and its gradebook, report and
 * figures written all or nothing (grade.h).
 *
 * Why worker processes and not threads: bp_grade_submission runs the compiler and each exercise through
 * bp_sandbox_run, whose pipes are inherited by any process another thread forks meanwhile (they are not
 * close-on-exec), so that a second thread's child would hold the first one's pipes open and its exercise would wait
 * for the other's to end; the error message (core.h) is per thread, but fault injection and the environment are
 * not. A forked worker shares nothing: it grades one submission and writes the bp_grade_report back whole through
 * a pipe. The report is plain data; its `ex` pointers point into the static exercise table, which is at the same
 * address in the forked child. The parent reads every pipe as data arrives (a report is larger than a pipe's
 * buffer) and files each report at its submission's place, so the result is the same whatever N. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"
#include "grade.h"

static int entry_order(const void *a, const void *b) {
  return strcmp(((const bp_grade_class_entry *)a)->name, ((const bp_grade_class_entry *)b)->name);
}

static int name_order(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds name to the list of ignored entries (called in name order). */
static void note_ignored(bp_grade_class *cls, const char *name) {
  size_t used = strlen(cls->ignored);
  cls->n_ignored++;
  if (used + strlen(name) + 8 < sizeof cls->ignored)
    snprintf(cls->ignored + used, sizeof cls->ignored - used, "%s%s", used ? ", " : "", name);
  else if (used + 5 < sizeof cls->ignored && strcmp(cls->ignored + used - 3, "..."))
    snprintf(cls->ignored + used, sizeof cls->ignored - used, ", ...");
}

int bp_grade_class_alloc(const char *dir, bp_grade_class **out) {
  if (dir == NULL || out == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_class_alloc: a missing argument");
  *out = NULL;
  if (strlen(dir) > 2048) BP_ERROR(GSL_EINVAL, "the class directory's name is too long");
  DIR *d = opendir(dir);
  if (d == NULL)
    BP_ERROR(GSL_EINVAL, "%s: %s (--class needs a directory holding one subdirectory per submission)", dir,
             strerror(errno));
  bp_grade_class *cls = bp_calloc(1, sizeof *cls);
  if (cls == NULL) {
    closedir(d);
    return GSL_ENOMEM;
  }
  snprintf(cls->dir, sizeof cls->dir, "%s", dir);
  size_t cap = 0, n_ign = 0, cap_ign = 0;
  char **ign = NULL; /* the ignored names, listed in name order once all are known */
  int status = GSL_SUCCESS;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (name[0] == '.' || strlen(name) >= sizeof cls->entries[0].name || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
      if (n_ign == cap_ign) {
        char **more = bp_realloc(ign, (cap_ign = 2 * cap_ign + 8) * sizeof *more);
        if (more == NULL) {
          status = GSL_ENOMEM;
          break;
        }
        ign = more;
      }
      if ((ign[n_ign] = bp_malloc(strlen(name) + 1)) == NULL) {
        status = GSL_ENOMEM;
        break;
      }
      strcpy(ign[n_ign++], name);
      continue;
    }
    if (cls->n == cap) {
      bp_grade_class_entry *more = bp_realloc(cls->entries, (cap = 2 * cap + 8) * sizeof *more);
      if (more == NULL) {
        status = GSL_ENOMEM;
        break;
      }
      cls->entries = more;
    }
    memset(&cls->entries[cls->n], 0, sizeof cls->entries[0]);
    snprintf(cls->entries[cls->n].name, sizeof cls->entries[0].name, "%s", name);
    cls->n++;
  }
  closedir(d);
  if (n_ign > 0) qsort(ign, n_ign, sizeof *ign, name_order);
  for (size_t k = 0; k < n_ign; k++) {
    note_ignored(cls, ign[k]);
    free(ign[k]);
  }
  free(ign);
  if (status == GSL_SUCCESS && cls->n == 0) {
    bp_error_set("%s holds no submission: each submission is a subdirectory (ignored: %s)", dir,
                 cls->n_ignored ? cls->ignored : "nothing, it is empty");
    status = GSL_EINVAL;
  }
  if (status) {
    bp_grade_class_free(cls);
    return status;
  }
  qsort(cls->entries, cls->n, sizeof cls->entries[0], entry_order);
  *out = cls;
  return GSL_SUCCESS;
}

void bp_grade_class_free(bp_grade_class *cls) {
  if (cls == NULL) return;
  free(cls->entries);
  free(cls);
}

/* ---- grading, N at a time --------------------------------------------------------------------------------------- */
/* What a worker sends back: the grader's status, its message, the report. */
typedef struct {
  int status;
  char message[512];
  bp_grade_report report;
} worker_reply;

typedef struct {
  pid_t pid;
  int fd;
  size_t entry, got;
  worker_reply *reply;
} worker;

/* The worker: grades submission e and writes the reply to fd; never returns. */
static void worker_run(const bp_grade_config *cfg, const bp_grade_class *cls, size_t e, worker_reply *reply, int fd) {
  char path[4096 + 256];
  snprintf(path, sizeof path, "%s/%s", cls->dir, cls->entries[e].name);
  memset(reply, 0, sizeof *reply);
  reply->status = bp_grade_submission(cfg, path, &reply->report);
  if (reply->status) snprintf(reply->message, sizeof reply->message, "%s", bp_error_message());
  const char *p = (const char *)reply;
  size_t left = sizeof *reply;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(1);
    p += w, left -= (size_t)w;
  }
  _exit(0);
}

/* Files the worker's reply (or why there is none) into its entry. */
static void worker_finish(worker *w, bp_grade_class *cls) {
  bp_grade_class_entry *en = &cls->entries[w->entry];
  int status = 0;
  close(w->fd);
  while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (w->got == sizeof *w->reply && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (w->reply->status == GSL_SUCCESS) {
      en->report = w->reply->report;
      snprintf(en->report.submission, sizeof en->report.submission, "%s", en->name);
      en->graded = 1;
    } else {
      snprintf(en->note, sizeof en->note, "not graded: %.490s", w->reply->message);
    }
  } else if (WIFSIGNALED(status)) {
    snprintf(en->note, sizeof en->note, "not graded: the grading process ended with signal %d", WTERMSIG(status));
  } else {
    snprintf(en->note, sizeof en->note, "not graded: the grading process ended before sending its report");
  }
  w->pid = 0;
}

static int worker_start(const bp_grade_config *cfg, bp_grade_class *cls, size_t e, worker *w, worker *all,
                        size_t jobs) {
  int p[2];
  w->entry = e;
  w->got = 0;
  if (pipe(p) != 0) {
    snprintf(cls->entries[e].note, sizeof cls->entries[0].note, "not graded: cannot create a pipe: %s",
             strerror(errno));
    return -1;
  }
  fflush(NULL); /* nothing buffered is written twice */
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(cls->entries[e].note, sizeof cls->entries[0].note, "not graded: cannot start a worker: %s",
             strerror(errno));
    close(p[0]), close(p[1]);
    return -1;
  }
  if (pid == 0) {
    close(p[0]);
    for (size_t k = 0; k < jobs; k++)
      if (all[k].pid > 0) close(all[k].fd);
    worker_run(cfg, cls, e, w->reply, p[1]);
  }
  close(p[1]);
  fcntl(p[0], F_SETFD, FD_CLOEXEC);
  w->pid = pid;
  w->fd = p[0];
  return 0;
}

int bp_grade_class_run(const bp_grade_config *cfg, bp_grade_class *cls, size_t jobs, bp_grade_class_progress progress,
                       void *context) {
  if (cfg == NULL || cls == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_class_run: a missing argument");
  if (jobs < 1) BP_ERROR(GSL_EINVAL, "the number of submissions graded at a time must be at least 1");
  if (cfg->only != NULL) BP_ERROR(GSL_EINVAL, "a class is graded on every exercise (no --only)");
  if (jobs > cls->n) jobs = cls->n;
  worker *w = bp_calloc(jobs, sizeof *w);
  struct pollfd *fds = bp_calloc(jobs, sizeof *fds);
  for (size_t k = 0; w != NULL && k < jobs; k++)
    if ((w[k].reply = bp_malloc(sizeof *w[k].reply)) == NULL) break;
  int ok = w != NULL && fds != NULL && w[jobs - 1].reply != NULL;
  size_t next = 0, done = 0, running = 0;
  /* A pipe whose reader is gone must not kill this process: the worker's write fails instead. */
  struct sigaction ign = {0}, old;
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  while (ok && done < cls->n) {
    for (size_t k = 0; k < jobs && next < cls->n; k++) {
      if (w[k].pid > 0) continue;
      size_t e = next++;
      if (worker_start(cfg, cls, e, &w[k], w, jobs) == 0) {
        running++;
      } else {
        done++;
        if (progress) progress(done, cls->n, &cls->entries[e], context);
      }
    }
    if (running == 0) continue;
    for (size_t k = 0; k < jobs; k++) fds[k] = (struct pollfd){w[k].pid > 0 ? w[k].fd : -1, POLLIN, 0};
    if (poll(fds, jobs, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t k = 0; k < jobs; k++) {
      if (w[k].pid <= 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(w[k].fd, (char *)w[k].reply + w[k].got, sizeof *w[k].reply - w[k].got);
      if (r < 0 && errno == EINTR) continue;
      if (r > 0) {
        w[k].got += (size_t)r;
        if (w[k].got < sizeof *w[k].reply) continue;
      }
      worker_finish(&w[k], cls);
      running--;
      done++;
      if (progress) progress(done, cls->n, &cls->entries[w[k].entry], context);
    }
  }
  int status = ok ? GSL_SUCCESS : GSL_ENOMEM;
  for (size_t k = 0; w != NULL && k < jobs; k++) { /* only after a failure of poll: end what still runs */
    if (w[k].pid > 0) {
      kill(w[k].pid, SIGKILL);
      worker_finish(&w[k], cls);
      status = GSL_EFAILED;
    }
    free(w[k].reply);
  }
  sigaction(SIGPIPE, &old, NULL);
  free(w);
  free(fds);
  if (status == GSL_ENOMEM) BP_ERROR(GSL_ENOMEM, "out of memory for the class's workers");
  if (status) BP_ERROR(status, "waiting for the class's workers failed: %s", strerror(errno));
  return GSL_SUCCESS;
}

/* ---- the outputs, all or nothing -------------------------------------------------------------------------------- */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void remove_tree(const char *dir) { nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int write_text(const char *dir, const char *name, const char *text) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) BP_ERROR(GSL_EFAILED, "cannot write %s: %s", path, strerror(errno));
  int bad = fputs(text, f) < 0;
  if (fclose(f) != 0 || bad) BP_ERROR(GSL_EFAILED, "cannot write %s", path);
  return GSL_SUCCESS;
}

/* The parent directory of out ("." when it has none) into buf. */
static void parent_of(const char *out, char *buf, size_t len) {
  snprintf(buf, len, "%s", out);
  char *slash = strrchr(buf, '/');
  while (slash != NULL && slash > buf && slash[1] == '\0') { /* "dir/" */
    *slash = '\0';
    slash = strrchr(buf, '/');
  }
  if (slash == NULL)
    snprintf(buf, len, ".");
  else if (slash == buf)
    buf[1] = '\0';
  else
    *slash = '\0';
}

int bp_grade_class_check_output(const char *out) {
  if (out == NULL || !out[0]) BP_ERROR(GSL_EINVAL, "the output directory's name is empty");
  if (strlen(out) > 2048) BP_ERROR(GSL_EINVAL, "the output directory's name is too long");
  struct stat st;
  char path[4096];
  if (stat(out, &st) == 0) {
    snprintf(path, sizeof path, "%s/gradebook.csv", out);
    if (!S_ISDIR(st.st_mode) || access(path, F_OK) != 0)
      BP_ERROR(GSL_EINVAL,
               "%s exists and is not a class report bpcheck wrote (no gradebook.csv): choose another "
               "--output, or remove it",
               out);
  } else if (errno != ENOENT) {
    BP_ERROR(GSL_EINVAL, "%s: %s", out, strerror(errno));
  }
  parent_of(out, path, sizeof path);
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    BP_ERROR(GSL_EINVAL, "cannot write %s: its directory %s does not exist", out, path);
  if (access(path, W_OK | X_OK) != 0) BP_ERROR(GSL_EINVAL, "cannot write %s: %s: %s", out, path, strerror(errno));
  return GSL_SUCCESS;
}

/* Draws name.png from name.tsv in dir with plots_dir/class/name.gp (rows: the table's data rows, students: the
 * class's size, for the axes); "" into why when it worked. */
static int draw(const char *plots_dir, const char *dir, const char *name, size_t rows, size_t students, char *why,
                size_t len) {
  char script[4096], style[4096], vars[9000];
  snprintf(script, sizeof script, "class/%s.gp", name);
  snprintf(style, sizeof style, "%s/style.gp", plots_dir);
  why[0] = '\0';
  if (access(style, R_OK) != 0) {
    snprintf(why, len, "no gnuplot scripts in %s (set BPCHECK_PLOTS to bpcheck's plots/ directory)", plots_dir);
    return GSL_SUCCESS;
  }
  snprintf(vars, sizeof vars, "term='png'; out='%.4000s/%s.png'; data='%.4000s/%s.tsv'; students=%zu; height=%zu", dir,
           name, dir, name, students, rows * 28 + 200 > 600 ? rows * 28 + 200 : 600);
  char *argv[] = {"gnuplot", "-e", vars, script, NULL};
  bp_sandbox_limits lim = {60, 120, 0, (size_t)64 << 20, (size_t)64 << 10};
  bp_sandbox_result r;
  int status = bp_sandbox_run(argv, plots_dir, NULL, &lim, &r);
  if (status) return status;
  if (r.exited && r.exit_status == 127) {
    snprintf(why, len, "gnuplot is not installed (Debian: apt-get install gnuplot-nox)");
  } else if (!r.exited || r.exit_status != 0 || r.err_len > 0 || r.out_len > 0) {
    char how[256];
    bp_sandbox_describe(&r, &lim, how, sizeof how);
    snprintf(why, len, "gnuplot failed on %s (%s): %.120s", script, how, r.err_len ? r.err : r.out);
  }
  bp_sandbox_result_clear(&r);
  return GSL_SUCCESS;
}

static size_t count_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* Everything into dir (which exists and is empty). */
static int write_all(const bp_grade_class *cls, const char *dir, const char *plots_dir, char *warning, size_t wlen) {
  char *gradebook = NULL, *outcomes = NULL, *reasons = NULL, *md = NULL, *html = NULL, *fb = NULL;
  char figures[64] = "", sub[8192];
  int status;
  warning[0] = '\0';
  if ((status = bp_grade_class_gradebook(cls, &gradebook)) || (status = write_text(dir, "gradebook.csv", gradebook)) ||
      (status = bp_grade_class_figure_data(cls, &outcomes, &reasons)) ||
      (status = write_text(dir, "outcomes.tsv", outcomes)) || (status = write_text(dir, "reasons.tsv", reasons)))
    goto out;
  static const char *const names[] = {"outcomes", "reasons"};
  for (size_t k = 0; k < 2 && !warning[0]; k++) {
    size_t rows = count_lines(k ? reasons : outcomes) - 1;
    if (rows == 0) continue; /* no student lost a point: no reasons to draw */
    if ((status = draw(plots_dir, dir, names[k], rows, cls->n, warning, wlen))) goto out;
    if (!warning[0])
      snprintf(figures + strlen(figures), sizeof figures - strlen(figures), "%s%s.png", k ? " " : "", names[k]);
  }
  if (warning[0]) { /* neither figure, rather than one of two */
    char png[8192];
    snprintf(png, sizeof png, "%s/outcomes.png", dir);
    remove(png);
    figures[0] = '\0';
    size_t used = strlen(warning);
    snprintf(warning + used, wlen - used, "; the figures are not drawn");
  }
  if ((status = bp_grade_class_report(cls, 0, figures, warning, &md)) || (status = write_text(dir, "report.md", md)) ||
      (status = bp_grade_class_report(cls, 1, figures, warning, &html)) ||
      (status = write_text(dir, "report.html", html)))
    goto out;
  snprintf(sub, sizeof sub, "%s/submissions", dir);
  if (mkdir(sub, 0777) != 0) {
    bp_error_set("cannot create %s: %s", sub, strerror(errno));
    status = GSL_EFAILED;
    goto out;
  }
  for (size_t k = 0; k < cls->n; k++) { /* NAME.json and NAME.txt, or the note alone when it was not graded */
    const bp_grade_class_entry *en = &cls->entries[k];
    char name[300];
    for (int json = en->graded; json >= 0; json--) {
      if (en->graded && (status = bp_grade_report_format(&en->report, json ? BP_GRADE_JSON : BP_GRADE_TABLE, &fb)))
        goto out;
      snprintf(name, sizeof name, "%s.%s", en->name, json ? "json" : "txt");
      status = write_text(sub, name, en->graded ? fb : en->note);
      free(fb);
      fb = NULL;
      if (status) goto out;
    }
  }
out:
  free(gradebook);
  free(outcomes);
  free(reasons);
  free(md);
  free(html);
  free(fb);
  return status;
}

int bp_grade_class_write(const bp_grade_class *cls, const char *out, const char *plots_dir, char *warning,
                         size_t warning_len) {
  if (cls == NULL || plots_dir == NULL || warning == NULL || warning_len == 0)
    BP_ERROR(GSL_EFAULT, "bp_grade_class_write: a missing argument");
  int status = bp_grade_class_check_output(out);
  if (status) return status;
  char tmp[4096], old[4096];
  size_t len = strlen(out);
  while (len > 1 && out[len - 1] == '/') len--;
  snprintf(tmp, sizeof tmp, "%.*s.tmp.XXXXXX", (int)len, out);
  if (mkdtemp(tmp) == NULL) BP_ERROR(GSL_EINVAL, "cannot write %s: cannot create %s: %s", out, tmp, strerror(errno));
  chmod(tmp, 0755); /* mkdtemp makes it private; the report is for reading */
  if ((status = write_all(cls, tmp, plots_dir, warning, warning_len))) {
    remove_tree(tmp);
    return status;
  }
  /* out, if there, is a report bpcheck wrote: moved aside, the new one renamed in, the old one removed */
  old[0] = '\0';
  if (access(out, F_OK) == 0) {
    snprintf(old, sizeof old, "%.*s.old.XXXXXX", (int)len, out);
    if (mkdtemp(old) == NULL || rename(out, old) != 0) {
      bp_error_set("cannot replace %s: %s", out, strerror(errno));
      if (old[0]) rmdir(old);
      remove_tree(tmp);
      return GSL_EFAILED;
    }
  }
  if (rename(tmp, out) != 0) {
    bp_error_set("cannot rename %s to %s: %s", tmp, out, strerror(errno));
    if (old[0]) rename(old, out);
    remove_tree(tmp);
    return GSL_EFAILED;
  }
  if (old[0]) remove_tree(old);
  return GSL_SUCCESS;
}
