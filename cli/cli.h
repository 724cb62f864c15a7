/* cli.h - what the files of the bpcheck command share. Every command computes all of its output before it prints
 * the first line, writes messages to stderr as "bpcheck: ...", and returns an exit status. */
#ifndef BP_CLI_H
#define BP_CLI_H

/* NO SIGNAL (every analytic and numeric entry zero: neither wrong nor verified) has a status of its own, so a
 * script can tell it from a pass and from a failure. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3, EXIT_NO_SIGNAL = 4 };
typedef enum { FORMAT_TABLE, FORMAT_TSV, FORMAT_JSON } format;

/* Prints "bpcheck: <message>" and "Try 'bpcheck --help'." to stderr; returns EXIT_USAGE. _see names another help
 * (grade and handout: "bpcheck grade --help"). */
int bp_cli_usage_error(const char *fmt, const char *arg);
int bp_cli_usage_error_see(const char *help, const char *fmt, const char *arg);

#include <stddef.h>

#include "checks.h"
#include "gradcheck.h"
#include "netcheck.h"

/* The options of train, predict and data that take a value, kept as text for cli/train.c to parse. */
enum {
  BP_CLI_EPOCHS,
  BP_CLI_BATCH,
  BP_CLI_LR,
  BP_CLI_MOMENTUM,
  BP_CLI_VALIDATION,
  BP_CLI_SPLIT,
  BP_CLI_CHECK_EVERY,
  BP_CLI_SAVE,
  BP_CLI_POINTS,
  BP_CLI_CLASSES,
  BP_CLI_NOISE,
  BP_CLI_TRAIN_N
};
extern const char *const bp_cli_train_option_names[BP_CLI_TRAIN_N]; /* "--epochs", ... */

/* The command line, parsed (cli/bpcheck.c). */
typedef struct {
  format fmt;
  unsigned long seed;
  bp_fd_method method;
  const char *layers, *output, *data, *params; /* grad's inputs */
  int allow_unnormalized;                      /* grad --allow-unnormalized-targets */
  size_t sample;                               /* grad --sample K: K entries of every W and b (0: every entry) */
  int direction;                               /* grad --direction: one random signed direction */
  int taylor;                                  /* grad --taylor: the Taylor-remainder test beside the check */
  const char *gradient;                        /* grad --gradient FILE.tsv: the gradient under test, by name */
  const char *plant;                           /* grad --plant NAME: bpcheck's backprop with a classic mistake */
  int trace;                                   /* grad --trace: s, x and delta per layer and example */
  char **ids;                                  /* the command's arguments (check ids) */
  size_t n_ids;
  const char *train[BP_CLI_TRAIN_N]; /* train, predict, data: --epochs ... as given (cli/train.c) */
  int standardize, labels;           /* train --standardize; --labels: a class index column */
  int failures;                      /* --failures: the failing claims and entries only (table) */
  int quiet;                         /* --quiet: the summary alone (table) */
  size_t entries;                    /* grad --entries N: the N worst entries in the table; 0: default */
  int entries_all;                   /* grad --entries all: every entry in the table */
} bp_cli_options;

/* `bpcheck run ID...` and `bpcheck all` (cli/run.c): entries = 1 adds the per-entry report of every claim. */
int bp_cli_run(const bp_cli_options *o, const bp_check_def **defs, size_t n, int entries);
/* `bpcheck grad` (cli/grad.c). */
int bp_cli_grad(const bp_cli_options *o);
/* `grad --plant list`: the classic mistakes, name, equations and sentence (cli/trace.c). Returns EXIT_OK. */
int bp_cli_plant_list(format fmt);
/* `grad --trace`: s, x and delta of every layer and example, in table, TSV or JSON (cli/trace.c). */
void bp_cli_trace_print(const bp_trace *t, const bp_mlp *net, format fmt);

/* ---- shared by the commands' printers (cli/report.c) ----------------------------------------------------- */
/* JSON: a string with its escapes; a number, or null for inf and NaN (JSON has neither). */
void bp_cli_json_string(const char *s);
void bp_cli_json_number(double v);
/* How many threads a check's columns get: OMP_NUM_THREADS, as OpenMP programs read it (1 when unset or not a
 * positive number; the library itself never reads the environment). The numbers do not depend on it. */
size_t bp_cli_threads(void);
/* "5,6" -> "eq. (5), (6)"; "9-16" -> "eq. (9)-(16)". */
void bp_cli_equation_label(const char *eqs, char *buf, size_t len);
/* Appends " ARG" to the command line in buf (length len), single-quoted for a POSIX shell when ARG holds anything
 * but letters, digits and -_.,/=:+. Returns 0, or -1 when buf is too small (buf is then left as it was). */
int bp_cli_command_append(char *buf, size_t len, const char *arg);

/* The per-entry report of one comparison: entry k's index, name, the analytic value (labelled: "backprop",
 * "formula"), the numeric one (labelled with its method: "numeric (central)", or "reference" for an identity),
 * |a - n|, the relative error, the numeric side's error estimate, how it was judged, and its verdict. */
typedef struct {
  const bp_gradcheck *gc;
  const char *analytic_label;                                     /* "backprop", "formula" */
  const char *numeric_label;                                      /* "numeric (central)", "reference" */
  void (*name)(const void *ctx, size_t k, char *buf, size_t len); /* entry k's name */
  const void *name_ctx;
  const size_t *index;     /* entry k's index in the whole vector (a sample), or NULL for k */
  const gsl_vector *value; /* the point: a "value" column of value[index], or NULL for none */
  size_t show;             /* the table shows the `show` worst entries, worst first (0: every entry) */
  int failures_only;       /* the table shows the failing entries only */
} bp_cli_entries;
void bp_cli_entries_table(const bp_cli_entries *e, const char *indent);
/* One JSON object per entry (index, entry, value when there is one, analytic, numeric, abs_err, rel_err, estimate,
 * judged_by, verdict), comma separated, no brackets. */
void bp_cli_entries_json(const bp_cli_entries *e, const char *indent);
/* "worst entry NAME (index k): backprop A, numeric (central) N, rel err R (BAND)" into buf, for the first line. */
void bp_cli_worst_summary(const bp_cli_entries *e, char *buf, size_t len);

/* `bpcheck train`, `bpcheck predict`, `bpcheck data NAME` (cli/train.c). */
int bp_cli_train(const bp_cli_options *o);
int bp_cli_predict(const bp_cli_options *o);
int bp_cli_data(const bp_cli_options *o, const char *name);
/* 1 when an option only train, predict or data take was given (the other commands reject it). */
int bp_cli_train_options_given(const bp_cli_options *o);
/* ---- the terminal (cli/report.c) --------------------------------------------------------------------------- */
/* Table output fits this many columns: long text wraps, numbers are never cut. */
#define BP_CLI_WIDTH 100
/* The columns of `list` and `all`: the longest id (softmax-output-weights-sum) and equation label
 * (eq. (26), (29)-(31)) of the registry; the title starts after them (9 columns of verdict in `all`) and wraps
 * under itself. */
#define BP_CLI_ID_WIDTH 26
#define BP_CLI_EQ_WIDTH 19
#define BP_CLI_TITLE_INDENT "                                                        "
/* Prints first, then text wrapped at spaces so that no line passes BP_CLI_WIDTH columns (a word longer than a line
 * stays whole); continuation lines start with indent. Ends the line. */
void bp_cli_wrap(const char *first, const char *text, const char *indent);
/* The same when col0 columns of the line are already printed. */
void bp_cli_wrap_at(size_t col0, const char *first, const char *text, const char *indent);
/* The same for a shell command: continuation lines end in " \", so the wrapped command still runs as pasted. */
void bp_cli_wrap_command(const char *first, const char *cmd);
/* Colour for verdicts: only when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
void bp_cli_colour_init(void);
/* Prints a verdict ("PASS", "FAIL", "ERRATUM", "NOT SMOOTH", ...), coloured when bp_cli_colour_init allowed it,
 * padded with spaces to width columns. */
void bp_cli_verdict(const char *verdict, int width);
/* A progress line on stderr, only when stderr is a terminal and only once a run has taken a second: columns of
 * differences done out of the total, and the time left at the rate so far. bp_cli_progress_column is a
 * bp_progress_fn (fd.h) whose context is the bp_cli_progress; _end clears the line. */
typedef struct {
  int on, shown;
  double start, last;
} bp_cli_progress;
void bp_cli_progress_start(bp_cli_progress *p);
void bp_cli_progress_column(size_t done, size_t total, void *context);
void bp_cli_progress_end(bp_cli_progress *p);

/* `bpcheck plotdata NAME [--seed N]`: the TSV a figure of plots/ is drawn from (cli/plotdata.c). */
int bp_cli_plotdata(const char *name, unsigned long seed);
/* `bpcheck ladder [--seed N] [--format F]`: one gradient check in float, double and long double (cli/ladder.c). */
int bp_cli_ladder(unsigned long seed, format fmt);
/* `bpcheck estimates [--seed N] [--format F]`: how often each method's error estimate bounds its actual error,
 * against the complex step (checks.h, bp_estimate_coverage; cli/estimates.c). Exit 1 when one covers < 99%. */
int bp_cli_estimates(unsigned long seed, format fmt);

/* `bpcheck grade DIR ...` and `bpcheck handout DIR` with their own options, argv[0] being the command
 * (cli/grade.c); bp_cli_grade_usage() is their help text. */
int bp_cli_grade(int argc, char **argv);
const char *bp_cli_grade_usage(void);

#endif
