/* test_plots.c - the figures of plots/: every gnuplot script draws a valid PNG and SVG from generated data, a broken
 * script stops the build, and `bpcheck plotdata` writes the tables the scripts read. Run from the repository root
 * (plots/ is found there); the real gnuplot draws. */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_util.h"

/* A stand-in for bpcheck, so the scripts are tested on known data whatever state the real commands are in:
 * synthetic `sweep` (one V per method), `ladder`, `all` (its columns in a shuffled order, one of them added, so the
 * build must select them by name) and `--version`; `plotdata`, `data`, `train` and `predict` from the real binary. The sweep of richardson exits
 * 2 and `all --method complex` exits 3: the build must skip both with a warning. */
static const char fake_bpcheck[] =
    "#!/bin/sh\n"
    "cmd=$1; shift; method=central; seed=1; id=''\n"
    "case $cmd in data | train | predict) exec \"$REAL_BPCHECK\" \"$cmd\" \"$@\" ;; esac\n"
    "while [ $# -gt 0 ]; do\n"
    "  case $1 in --method) method=$2; shift ;; --seed) seed=$2; shift ;; --format) shift ;; *) id=$1 ;; esac\n"
    "  shift\n"
    "done\n"
    "case $cmd in\n"
    "  --version) echo 'bpcheck fake' ;;\n"
    "  plotdata) exec \"$REAL_BPCHECK\" plotdata \"$id\" --seed \"$seed\" ;;\n"
    "  sweep)\n"
    "    [ \"$method\" = richardson ] && { echo \"bpcheck: unknown command 'sweep'\" >&2; exit 2; }\n"
    "    awk -v m=\"$method\" 'BEGIN {\n"
    "      p = (m == \"forward\") ? 1 : 2; r = (m == \"complex\") ? 0 : 1e-16\n"
    "      print \"h\\tnorm_rel_err\\tmax_rel_err\\tmedian_estimate\\tauto\"\n"
    "      for (k = 4; k <= 64; k++) { h = 10 ^ (-k / 4); e = 0.3 * h ^ p + r / h + 1e-16\n"
    "        printf \"%.6e\\t%.6e\\t%.6e\\t%.6e\\t0\\n\", h, e, 2 * e, e / 3 }\n"
    "      printf \"%.6e\\t%.6e\\t%.6e\\t%.6e\\t1\\n\", 6.05e-6, 3e-10, 6e-10, 1e-10 }' ;;\n"
    "  ladder)\n"
    "    awk 'BEGIN { split(\"float double long_double\", name, \" \"); split(\"1.19e-07 2.22e-16 1.08e-19\", eps, \" "
    "\")\n"
    "      print \"precision\\tepsilon\\th\\tnorm_rel_err\\tmax_rel_err\\tauto\"\n"
    "      for (q = 1; q <= 3; q++) {\n"
    "        for (k = 4; k <= 64; k++) { h = 10 ^ (-k / 4); e = 0.2 * h * h + eps[q] / h\n"
    "          printf \"%s\\t%s\\t%.6e\\t%.6e\\t%.6e\\t0\\n\", name[q], eps[q], h, e, 2 * e }\n"
    "        printf \"%s\\t%s\\t%.6e\\t%.6e\\t%.6e\\t1\\n\", name[q], eps[q], eps[q] ^ (1 / 3), eps[q] ^ (2 / 3), "
    "eps[q] ^ (2 / 3) } }' ;;\n"
    "  all)\n"
    "    [ \"$method\" = complex ] && { echo 'bpcheck: method complex is not built' >&2; exit 3; }\n"
    "    printf 'verdict\\tid\\tmax_rel_err\\tequation\\tnorm_rel_err\\terratum_rel_err\\tmethod\\tnote\\n'\n"
    "    printf 'PASS\\tlogistic-dE-dx\\t2.5e-10\\t5,6\\t1.1e-10\\t0\\t%s\\t\\n' \"$method\"\n"
    "    printf 'ERRATUM\\tsoftmax-ds-split\\t2.4e-10\\t23\\t1e-10\\t1.25\\t%s\\tthe terms <must> be ADDED & more\\n' "
    "\"$method\"\n"
    "    printf 'PASS\\tsoftmax-stable-forms\\t0\\t37,38\\t0\\t0\\tidentity\\t\\n' ;;\n"
    "  *) echo \"bpcheck: unknown command '$cmd'\" >&2; exit 2 ;;\n"
    "esac\n";

static char tmp_dir[64];
static char out[1 << 20], err[1 << 16]; /* a command's stdout and stderr */

/* Runs a shell command with stdout and stderr captured into out and err; returns its exit status (-1 if it died). */
static int run(const char *fmt, const char *a, const char *b, const char *c) {
  char cmd[4096], full[4400];
  snprintf(cmd, sizeof cmd, fmt, a, b, c);
  snprintf(full, sizeof full, "(%s) 2>%s/stderr", cmd, tmp_dir);
  FILE *p = popen(full, "r");
  if (p == NULL) return -1;
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  while (fgetc(p) != EOF) continue;
  int status = pclose(p);
  char path[128];
  snprintf(path, sizeof path, "%s/stderr", tmp_dir);
  FILE *e = fopen(path, "r");
  n = e ? fread(err, 1, sizeof err - 1, e) : 0;
  err[n] = '\0';
  if (e) fclose(e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The whole file in a malloc'd buffer (NULL if unreadable); *len its size. */
static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap + 1);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      unsigned char *bigger = realloc(buf, 2 * cap + 1);
      if (bigger == NULL) free(buf);
      buf = bigger, cap *= 2;
    }
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  *len = n;
  return buf;
}

/* A PNG: the 8-byte signature, then the IHDR chunk with a width and height that are not zero. */
static int png_is_valid(const char *path) {
  size_t n = 0;
  unsigned char *b = slurp(path, &n);
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  int ok = b && n > 33 && !memcmp(b, sig, 8) && !memcmp(b + 12, "IHDR", 4);
  if (ok) {
    unsigned long w = (unsigned long)b[16] << 24 | (unsigned long)b[17] << 16 | (unsigned long)b[18] << 8 | b[19];
    unsigned long h = (unsigned long)b[20] << 24 | (unsigned long)b[21] << 16 | (unsigned long)b[22] << 8 | b[23];
    ok = w > 0 && h > 0;
  }
  if (!ok) printf("\n    not a valid PNG: %s\n", path);
  free(b);
  return ok;
}

/* An SVG: starts with <?xml or <svg and closes </svg>. */
static int svg_is_valid(const char *path) {
  size_t n = 0;
  unsigned char *b = slurp(path, &n);
  const char *s = (const char *)b;
  if (s) s += strspn(s, " \t\r\n");
  int ok = s && (!strncmp(s, "<?xml", 5) || !strncmp(s, "<svg", 4)) && strstr(s, "</svg>") != NULL;
  if (!ok) printf("\n    not a valid SVG: %s\n", path);
  free(b);
  return ok;
}

static int file_contains(const char *path, const char *needle) {
  size_t n = 0;
  unsigned char *b = slurp(path, &n);
  int ok = b && strstr((const char *)b, needle) != NULL;
  if (!ok) printf("\n    %s does not contain \"%s\"\n", path, needle);
  free(b);
  return ok;
}

/* The figure names of plots/captions ("figure NAME" lines), as one space-separated string. */
static void figure_names(char *names, size_t len) {
  names[0] = '\0';
  FILE *f = fopen("plots/captions", "r");
  char line[1024];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "figure ", 7)) {
      line[strcspn(line, "\r\n")] = '\0';
      strncat(names, line + 7, len - strlen(names) - 2);
      strcat(names, " ");
    }
  if (f) fclose(f);
}

/* Writes the fake bpcheck into tmp_dir/fake-bpcheck, pointing at the real binary. */
static int write_fake(void) {
  const char *real = getenv("BPCHECK") ? getenv("BPCHECK") : "build/bpcheck";
  char abs[4096], text[sizeof fake_bpcheck + 4200], path[128];
  if (realpath(real, abs) == NULL) return 1;
  snprintf(text, sizeof text, "#!/bin/sh\nREAL_BPCHECK='%s'\n%s", abs, fake_bpcheck + strlen("#!/bin/sh\n"));
  if (bp_test_write_file(tmp_dir, "fake-bpcheck", text)) return 1;
  snprintf(path, sizeof path, "%s/fake-bpcheck", tmp_dir);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "chmod +x %s", path);
  return system(cmd) != 0;
}

static void build_should_draw_every_figure_as_valid_png_and_svg(void) {
  CU_ASSERT_FATAL(write_fake() == 0);
  int status = run("sh plots/build.sh %s/fake-bpcheck %s/out 7", tmp_dir, tmp_dir, NULL);
  CU_ASSERT_EQUAL(status, 0);
  if (status != 0) printf("\n    build.sh: %s\n", err);
  char names[1024], path[256];
  figure_names(names, sizeof names);
  CU_ASSERT(strlen(names) > 0);
  size_t n_figures = 0;
  for (char *name = strtok(names, " "); name; name = strtok(NULL, " "), n_figures++) {
    snprintf(path, sizeof path, "%s/out/%s.png", tmp_dir, name);
    CU_ASSERT(png_is_valid(path));
    snprintf(path, sizeof path, "%s/out/%s.svg", tmp_dir, name);
    CU_ASSERT(svg_is_valid(path));
    char img[128];
    snprintf(img, sizeof img, "<img src=\"%s.png\"", name);
    snprintf(path, sizeof path, "%s/out/index.html", tmp_dir);
    CU_ASSERT(file_contains(path, img));
  }
  CU_ASSERT(n_figures >= 7);
  snprintf(path, sizeof path, "%s/out/index.html", tmp_dir);
  CU_ASSERT(file_contains(path, "</html>"));
  CU_ASSERT(file_contains(path, "eq. (16)"));                    /* captions name their equations */
  CU_ASSERT(file_contains(path, "&lt;must&gt; be ADDED &amp;")); /* the table's text is escaped */
  CU_ASSERT(file_contains(path, "<code>bpcheck sweep logistic-hidden-weights</code>")); /* code spans as code */
  CU_ASSERT(!file_contains(path, "`")); /* ...and no raw Markdown backtick */
  CU_ASSERT(file_contains(path, "<span class=\"ERRATUM\">ERRATUM</span>: the formula as the notes print it"));
  /* the methods that are missing are skipped, with a warning on stderr and in the report */
  CU_ASSERT(strstr(err, "warning: skipped 'bpcheck sweep logistic-hidden-weights --method richardson") != NULL);
  CU_ASSERT(strstr(err, "warning: skipped 'bpcheck all --method complex") != NULL);
  CU_ASSERT(file_contains(path, "skipped 'bpcheck all --method complex"));
  /* columns are taken by their names from a shuffled header */
  snprintf(path, sizeof path, "%s/out/data/checks.tsv", tmp_dir);
  CU_ASSERT(file_contains(path, "n\tid\tmethod\tmax_rel_err\tnorm_rel_err\terratum_rel_err\tverdict\n"));
  CU_ASSERT(file_contains(path, "2\tsoftmax-ds-split\tgsl\t2.4e-10\t1e-10\t1.25\tERRATUM\n"));
}

static void build_should_give_the_same_bytes_for_the_same_seed(void) {
  CU_ASSERT_FATAL(write_fake() == 0);
  CU_ASSERT_EQUAL_FATAL(run("sh plots/build.sh %s/fake-bpcheck %s/once 7", tmp_dir, tmp_dir, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(run("sh plots/build.sh %s/fake-bpcheck %s/again 7", tmp_dir, tmp_dir, NULL), 0);
  /* every file of the first build is byte-identical in the second */
  int status =
      run("cd %s/once && for f in *.png *.svg index.html data/*.tsv; do cmp \"$f\" ../again/\"$f\" || exit 1; done",
          tmp_dir, NULL, NULL);
  CU_ASSERT_EQUAL(status, 0);
  if (status) printf("\n    %s%s\n", out, err);
}

/* Copies plots/ into tmp_dir/plots-broken with one script replaced by `script`, runs the build into out-broken
 * (which already holds a file from an earlier build) and asserts it fails with `message` (%s: the name), and leaves
 * the earlier output as it was, with no temporary directory behind. */
static void assert_broken_script_fails(const char *name, const char *script, const char *message) {
  char dir[128], text[4096];
  snprintf(dir, sizeof dir, "%s/plots-broken", tmp_dir);
  CU_ASSERT_EQUAL_FATAL(
      run("rm -rf %s && mkdir -p %s && cp plots/*.gp plots/captions plots/build.sh %s", dir, dir, dir), 0);
  snprintf(text, sizeof text, "load \"style.gp\"\n%s\n", script);
  char file[64];
  snprintf(file, sizeof file, "%s.gp", name);
  CU_ASSERT_FATAL(bp_test_write_file(dir, file, text) == 0);
  CU_ASSERT_EQUAL_FATAL(
      run("rm -rf %s/out-broken && mkdir %s/out-broken && echo old > %s/out-broken/earlier", tmp_dir, tmp_dir, tmp_dir),
      0);
  int status = run("sh %s/build.sh %s/fake-bpcheck %s/out-broken", dir, tmp_dir, tmp_dir);
  CU_ASSERT_NOT_EQUAL(status, 0);
  char expect[128];
  snprintf(expect, sizeof expect, message, name);
  CU_ASSERT(strstr(err, expect) != NULL);
  if (status == 0 || strstr(err, expect) == NULL) printf("\n    status %d, stderr: %s\n", status, err);
  /* nothing half-written: the earlier output is untouched and no temporary directory is left */
  CU_ASSERT_EQUAL(run("ls %s/out-broken", tmp_dir, NULL, NULL), 0);
  CU_ASSERT_STRING_EQUAL(out, "earlier\n");
  CU_ASSERT_NOT_EQUAL(run("ls -d %s/out-broken.tmp.* 2>/dev/null", tmp_dir, NULL, NULL), 0);
}

static void a_script_reading_a_missing_column_should_fail_the_build(void) {
  CU_ASSERT_FATAL(write_fake() == 0);
  assert_broken_script_fails("logistic-losses", "plot data.\"/logistic-losses.tsv\" using \"s\":\"no_such_column\"",
                             "gnuplot failed on %s.gp");
}

static void a_script_reading_a_missing_file_should_fail_the_build(void) {
  CU_ASSERT_FATAL(write_fake() == 0);
  assert_broken_script_fails("scatter", "plot data.\"/no-such-file.tsv\" using 1:2", "gnuplot failed on %s.gp");
}

static void a_script_that_draws_nothing_should_fail_the_build(void) {
  CU_ASSERT_FATAL(write_fake() == 0);
  assert_broken_script_fails("softmax-jacobian", "set output '/dev/null'\nplot x", "gnuplot wrote an empty %s.png");
}

/* ---- bpcheck plotdata ------------------------------------------------------------------------------------------- */

/* The columns of a table that may hold inf or nan: the naive formulas, which overflow on purpose. */
static int may_be_nonfinite(const char *column) {
  return !strncmp(column, "naive", 5) && strcmp(column, "naive_finite");
}

/* Every row of `text` has as many cells as the header, and every numeric cell outside the naive columns is finite.
 * Counts the rows, and the rows whose naive_finite is 0. */
static int table_is_well_formed(const char *name, char *text, size_t *rows, size_t *nonfinite_rows) {
  char *header[32];
  size_t n_cols = 0;
  char *save_line = NULL, *line = strtok_r(text, "\n", &save_line);
  if (line == NULL) return 0;
  char *save_cell = NULL;
  for (char *c = strtok_r(line, "\t", &save_cell); c && n_cols < 32; c = strtok_r(NULL, "\t", &save_cell))
    header[n_cols++] = c;
  *rows = *nonfinite_rows = 0;
  int ok = n_cols >= 2;
  while ((line = strtok_r(NULL, "\n", &save_line)) != NULL) {
    size_t k = 0;
    char *p = line;
    for (;;) {
      char *tab = strchr(p, '\t');
      if (tab) *tab = '\0';
      if (k < n_cols) {
        char *end;
        double v = strtod(p, &end);
        int numeric = end != p && *end == '\0';
        if (numeric && !isfinite(v) && !may_be_nonfinite(header[k])) {
          printf("\n    plotdata %s: %s = %s is not finite\n", name, header[k], p);
          ok = 0;
        }
        if (!strcmp(header[k], "naive_finite") && v == 0.0) ++*nonfinite_rows;
      }
      k++;
      if (tab == NULL) break;
      p = tab + 1;
    }
    if (k != n_cols) {
      printf("\n    plotdata %s: a row has %zu cells, the header %zu\n", name, k, n_cols);
      ok = 0;
    }
    ++*rows;
  }
  return ok;
}

static void plotdata_should_print_a_header_and_finite_rows_for_every_name(void) {
  CU_ASSERT_EQUAL_FATAL(bp_test_run_bpcheck("plotdata list", tmp_dir, out, sizeof out, err, sizeof err), 0);
  CU_ASSERT(strncmp(out, "name\tequation\twhat\n", 19) == 0);
  char list[4096], *save = NULL;
  size_t len = strlen(out) < sizeof list - 1 ? strlen(out) : sizeof list - 1;
  memcpy(list, out, len);
  list[len] = '\0';
  size_t n_names = 0;
  strtok_r(list, "\n", &save); /* the header */
  for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n_names++) {
    char name[64], args[128];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(line, "\t"), line);
    snprintf(args, sizeof args, "plotdata %s --seed 3", name);
    CU_ASSERT_EQUAL(bp_test_run_bpcheck(args, tmp_dir, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    size_t rows = 0, nonfinite = 0;
    CU_ASSERT(table_is_well_formed(name, out, &rows, &nonfinite));
    CU_ASSERT(rows >= 36);
    /* the figures of eq. (32) and eq. (18) exist to show the naive forms failing: they must fail somewhere, and
     * not everywhere */
    if (!strcmp(name, "logistic-losses") || !strcmp(name, "softmax-scaling") || !strcmp(name, "softmax-shift")) {
      CU_ASSERT(nonfinite > 0);
      CU_ASSERT(nonfinite < rows);
    }
  }
  CU_ASSERT(n_names >= 6);
}

static void plotdata_should_give_the_same_bytes_for_the_same_seed(void) {
  static char first[1 << 16];
  CU_ASSERT_EQUAL(
      bp_test_run_bpcheck("plotdata scatter-softmax --seed 11", tmp_dir, first, sizeof first, err, sizeof err), 0);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("plotdata scatter-softmax --seed 11", tmp_dir, out, sizeof out, err, sizeof err),
                  0);
  CU_ASSERT_STRING_EQUAL(out, first);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("plotdata scatter-softmax --seed 12", tmp_dir, out, sizeof out, err, sizeof err),
                  0);
  CU_ASSERT(strcmp(out, first) != 0);
}

static void plotdata_should_exit_2_naming_the_names_for_an_unknown_name(void) {
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("plotdata no-such-figure", tmp_dir, out, sizeof out, err, sizeof err), 2);
  CU_ASSERT_STRING_EQUAL(out, "");
  CU_ASSERT(strstr(err, "no-such-figure") != NULL);
  CU_ASSERT(strstr(err, "scatter-logistic") != NULL);
  CU_ASSERT_EQUAL(bp_test_run_bpcheck("plotdata", tmp_dir, out, sizeof out, err, sizeof err), 2);
}

/* The planted bug of the scatter leaves the output layer right and every hidden weight wrong (eq. (12)). */
static void scatter_bug_should_spare_the_output_layer_and_break_the_hidden_one(void) {
  CU_ASSERT_EQUAL_FATAL(bp_test_run_bpcheck("plotdata scatter-logistic", tmp_dir, out, sizeof out, err, sizeof err), 0);
  size_t output_ok = 0, hidden_wrong = 0, hidden = 0, output = 0;
  char *save = NULL;
  strtok_r(out, "\n", &save);
  for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char param[64];
    int layer;
    double a, n, e, b, r, q;
    if (sscanf(line, "%63s %d %lf %lf %lf %lf %lf %lf", param, &layer, &a, &n, &e, &b, &r, &q) != 8) {
      CU_FAIL("a scatter row does not parse");
      continue;
    }
    CU_ASSERT(r < 1e-5); /* the correct backprop agrees everywhere */
    if (layer == 2) output++, output_ok += q < 1e-5;
    if (layer == 1) hidden++, hidden_wrong += q > 1e-2;
  }
  CU_ASSERT(output > 0 && output_ok == output);
  CU_ASSERT(hidden > 0 && hidden_wrong == hidden);
}

static int setup(void) { return bp_test_mkdtemp(tmp_dir, sizeof tmp_dir, "plots"); }

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
  return system(cmd) != 0;
}

int register_plots(void) {
  static const bp_test_case cases[] = {
      {"build should draw every figure as a valid PNG and SVG", build_should_draw_every_figure_as_valid_png_and_svg},
      {"build should give the same bytes for the same seed", build_should_give_the_same_bytes_for_the_same_seed},
      {"a script reading a missing column should fail the build",
       a_script_reading_a_missing_column_should_fail_the_build},
      {"a script reading a missing file should fail the build", a_script_reading_a_missing_file_should_fail_the_build},
      {"a script that draws nothing should fail the build", a_script_that_draws_nothing_should_fail_the_build},
      {"plotdata should print a header and finite rows for every name",
       plotdata_should_print_a_header_and_finite_rows_for_every_name},
      {"plotdata should give the same bytes for the same seed", plotdata_should_give_the_same_bytes_for_the_same_seed},
      {"plotdata should exit 2 naming the names for an unknown name",
       plotdata_should_exit_2_naming_the_names_for_an_unknown_name},
      {"scatter bug should spare the output layer and break the hidden one (eq. (12))",
       scatter_bug_should_spare_the_output_layer_and_break_the_hidden_one},
  };
  CU_pSuite suite = CU_add_suite("plots", setup, teardown);
  if (suite == NULL) return 1;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (CU_add_test(suite, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}
