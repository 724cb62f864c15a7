/* grade.h - the coursework grader: the exercises of course/exercises.h, their cases, the judgement of an answer,
 * the grading of a submission in child processes, and the report in five formats.
 *
 * One model, three front ends: `bpcheck grade` (cli/grade.c), the handout's `make test` and the Gradescope runner
 * (both run `bpcheck grade`) share everything here; the CLI only parses options and prints.
 *
 * How an answer is judged (docs/coursework.md has the instructor's version):
 *   - An exercise runs on several CASES. The public cases (seeds 1, 2, 3; small layers) are the ones the handout's
 *     `make test` runs. The hidden cases add other seeds drawn from the instructor's hidden seed, non-square
 *     layers, batches larger than one, and targets at the extremes (0 and 1; softmax targets that do not sum to one
 *     where the exercise must not assume they do; |s| up to 800 for the losses).
 *   - A gradient exercise (every one but central_difference and the two losses) claims the derivative of a known
 *     function F at a known point: its answer is compared with finite differences of F (bp_gradcheck_jacobian,
 *     central differences, the default tolerance): that is the truth, and it decides the case. It is also
 *     compared with the reference (the library's own implementation) and the largest relative difference is
 *     reported. A failing case carries its worst entry and the diagnosis (diagnose.h), with the network as
 *     context for the two backward passes.
 *   - A value exercise (central_difference, eq. (36), eq. (38)) is compared with the reference:
 *     |a - r| <= 1e-10 |r| + 64 eps scale, scale being the size of the terms the value sums.
 *   - Partial credit is per case: an exercise scores points x (cases passed / cases). It scores 0 whatever its
 *     cases when it crashes, loops, exits early, writes past its output, prints to standard output, returns a
 *     non-finite number anywhere, returns an error status, or is not attempted: each with the reason in words.
 *     The other exercises are graded all the same. */
#ifndef BP_GRADE_H
#define BP_GRADE_H

#include <stddef.h>
#include <stdio.h>

#include "diagnose.h"
#include "sandbox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* course/exercises.h's status codes, which the harness passes on. That header (the student's, which depends on
 * nothing) is their source of truth: these copies serve programs built without course/, and lib/grade.c
 * static-asserts that the two agree. */
#define BP_GRADE_EX_SUCCESS 0
#define BP_GRADE_EX_NOT_ATTEMPTED (-4242)

typedef struct {
  const char *id;        /* the function is ex_<id> */
  const char *file;      /* the exercise file that holds it: "ex01_logistic.c" */
  const char *equations; /* "eq. (9)"; "" for the central difference */
  const char *title;
  double points;
} bp_grade_exercise;

/* The exercises in tutorial order; *n is set to how many. */
const bp_grade_exercise *bp_grade_exercises(size_t *n);
/* NULL when there is no exercise of that id. */
const bp_grade_exercise *bp_grade_exercise_find(const char *id);

/* ---- cases ---------------------------------------------------------------------------------------------------- */
typedef enum { BP_GRADE_PUBLIC, BP_GRADE_HIDDEN } bp_grade_set;
typedef struct bp_grade_cases bp_grade_cases; /* the cases of one exercise, with what judges them */

/* The cases of ex: the public ones, or the public and the hidden ones (drawn from hidden_seed). NULL with a message
 * on failure. */
bp_grade_cases *bp_grade_cases_alloc(const bp_grade_exercise *ex, bp_grade_set set, unsigned long hidden_seed);
void bp_grade_cases_free(bp_grade_cases *c);
size_t bp_grade_cases_count(const bp_grade_cases *c);
/* Writes the cases in the harness's input format (course/harness.c). */
int bp_grade_cases_write(const bp_grade_cases *c, FILE *f);

/* What became of one case. */
typedef struct {
  char label[96]; /* "seed 2, 3 -> 5, batch 4" */
  int passed;
  int status;           /* what the function returned */
  size_t entries;       /* entries compared */
  size_t worst;         /* the entry that decided the verdict */
  double answer, truth; /* its value in the answer and in the truth (finite differences, or the reference) */
  double rel_err;       /* worst relative error against the truth */
  double ref_rel_diff;  /* largest relative difference from the reference */
  bp_diagnosis_kind kind;
  char diagnosis[BP_DIAG_SENTENCE_LEN]; /* the diagnosis sentence of a failing gradient; "" otherwise */
} bp_grade_case_result;

/* Judges the answer of case k (len values, as the harness returned them, with the function's status) into r.
 * GSL_SUCCESS whatever the verdict; GSL_EBADLEN when len is not the case's output length; GSL_ENOMEM. */
int bp_grade_case_judge(bp_grade_cases *c, size_t k, int status, const double *answer, size_t len,
                        bp_grade_case_result *r);
/* The reference answer of case k (the library's), for tests that plant a mistake in the student's position:
 * *answer points into c, *len its length. */
int bp_grade_case_reference(const bp_grade_cases *c, size_t k, const double **answer, size_t *len);
/* For the network exercises: the case's network, batch and targets (NULL otherwise), so that a test can compute a
 * planted gradient (mistakes.h) in the layout the answer has. */
const bp_mlp *bp_grade_case_network(const bp_grade_cases *c, size_t k, const gsl_matrix **X0, const gsl_matrix **T);

/* ---- one exercise, one submission --------------------------------------------------------------------------- */
typedef enum {
  BP_GRADE_OK,            /* graded case by case (score may still be 0) */
  BP_GRADE_NOT_ATTEMPTED, /* returned EX_NOT_ATTEMPTED */
  BP_GRADE_COMPILE_ERROR, /* its file did not compile, or the program did not link */
  BP_GRADE_CRASHED,       /* signal, limit, early exit, output garbage, overflow, NaN, error status */
  BP_GRADE_INTERNAL       /* the grader could not judge it (its own error, in reason) */
} bp_grade_outcome;
const char *bp_grade_outcome_name(bp_grade_outcome o);

#define BP_GRADE_MAX_CASES 12
typedef struct {
  const bp_grade_exercise *ex;
  bp_grade_outcome outcome;
  double score, max_score;
  size_t n_cases, n_passed;
  char reason[512]; /* why it scored 0 without being graded case by case; "" for BP_GRADE_OK */
  char log[2048];   /* compiler messages, or the start of what it wrote to stderr */
  bp_grade_case_result cases[BP_GRADE_MAX_CASES];
} bp_grade_result;

/* Judges one exercise from the answers text the harness printed (out) and how its process ended (run, lim):
 * sets outcome, score and the cases. The text rules are in course/harness.c. */
int bp_grade_judge_output(const bp_grade_exercise *ex, bp_grade_cases *c, const bp_sandbox_result *run,
                          const bp_sandbox_limits *lim, bp_grade_result *r);
/* Judges an exercise from answers computed in this process (a test planting a mistake): answers[k] has the case's
 * output length; statuses[k] what the function returned. */
int bp_grade_judge_answers(const bp_grade_exercise *ex, bp_grade_cases *c, const int *statuses,
                           const double *const *answers, bp_grade_result *r);

typedef struct {
  const char *course_dir; /* exercises.h, harness.c and the exercise files (solutions or skeletons) */
  const char *cc;         /* the C compiler ("cc") */
  bp_grade_set set;
  unsigned long hidden_seed;
  bp_sandbox_limits compile_limits, run_limits;
  const char *only; /* grade only this exercise id (NULL: all) */
} bp_grade_config;
/* cc from $CC (else "cc"), the hidden set with BP_GRADE_DEFAULT_HIDDEN_SEED, compile: 60 s CPU, 120 s wall;
 * run: 5 s CPU, 10 s wall, 512 MiB, 64 MiB files, 1 MiB of output. */
#define BP_GRADE_DEFAULT_HIDDEN_SEED 20261204UL
bp_grade_config bp_grade_config_default(const char *course_dir);

typedef struct {
  char submission[512];
  size_t n;
  bp_grade_result results[32];
  double score, max_score;
  double seconds;
} bp_grade_report;

/* Grades the submission in dir: compiles each exercise file found there (the course's skeleton stands in for a
 * file that is missing or does not compile; its exercises then score 0 with the compiler's messages) with
 * harness.c, runs each exercise in its own child process and judges it. GSL_SUCCESS whatever the student's code
 * did; an error only when the grader itself cannot work (no course directory, no compiler, no temporary
 * directory), with a message. */
int bp_grade_submission(const bp_grade_config *cfg, const char *dir, bp_grade_report *rep);

/* The student copy of an instructor file: every region from a line holding BEGIN SOLUTION to the line holding
 * END SOLUTION becomes "YOUR CODE HERE" and a return of EX_NOT_ATTEMPTED inside a function (an indented region),
 * and nothing at file level. *out is allocated (free it); GSL_EINVAL for an unbalanced region. */
int bp_grade_strip_solutions(const char *src, char **out);

/* ---- a class: every submission under one directory (lib/grade_class.c) ------------------------------------------ */
/* One submission of a class. Its report is valid when graded is 1; when grading failed internally (the grader's
 * own error, a worker that died) graded is 0 and note says why: the class goes on without it. */
typedef struct {
  char name[256]; /* the subdirectory's name, which is the submission's */
  int graded;
  char note[512];
  bp_grade_report report; /* report.submission is the name */
} bp_grade_class_entry;

typedef struct {
  char dir[4096];
  size_t n;
  bp_grade_class_entry *entries; /* sorted by name (bytewise) */
  size_t n_ignored;              /* entries of dir that are not submissions: files, hidden directories */
  char ignored[1024];            /* their names, ", "-separated (cut with "..." when long) */
} bp_grade_class;

/* The submissions of dir: every subdirectory whose name does not start with '.', sorted, none graded yet.
 * GSL_EINVAL with a message when dir is not a readable directory or holds no submission; GSL_ENOMEM. */
int bp_grade_class_alloc(const char *dir, bp_grade_class **cls);
void bp_grade_class_free(bp_grade_class *cls);

/* Called in the calling process as each submission is graded (done of total), in the order they finish. */
typedef void (*bp_grade_class_progress)(size_t done, size_t total, const bp_grade_class_entry *e, void *context);

/* Grades every submission of cls, `jobs` at a time (>= 1), each with bp_grade_submission. Each submission is
 * graded in a worker process of its own that sends its report back through a pipe, so that the result is the same
 * bytes whatever `jobs` and the order in which they finish. GSL_SUCCESS when every submission was tried (a failure
 * of one is its note); GSL_EINVAL for jobs 0 or cfg->only set (a class is graded on every exercise). */
int bp_grade_class_run(const bp_grade_config *cfg, bp_grade_class *cls, size_t jobs, bp_grade_class_progress progress,
                       void *context);

/* The gradebook: RFC 4180 CSV (quoted where a name holds a comma, a quote or a line break; LF line ends). Header
 * "submission,<exercise id>...,total,note"; then the row "(max)" with each exercise's points; then one row per
 * submission in name order, scores with 10 significant digits, the cells of a submission that was not graded
 * empty and its note said. *text allocated. */
int bp_grade_class_gradebook(const bp_grade_class *cls, char **text);

/* The class report as Markdown (html 0) or an HTML page (html 1) that shows the figures `figures` names
 * (space-separated PNG files beside it; "" for none) and `warning` (or ""). Per exercise: how many students lose
 * points, and the most frequent reasons (the diagnosis kind of the first failing case, or the outcome: not
 * attempted, compile error, crashed), with an example sentence. *text allocated. */
int bp_grade_class_report(const bp_grade_class *cls, int html, const char *figures, const char *warning, char **text);

/* The figures' data as TSV: outcomes (one row per exercise: full, partial, zero, not_attempted, compile_error,
 * crashed, not_graded counts) and reasons (the most frequent reasons for losing points, up to 3 per exercise). */
int bp_grade_class_figure_data(const bp_grade_class *cls, char **outcomes, char **reasons);

/* Writes the class's results into out, all or nothing: everything goes into a new directory beside out that is
 * renamed to out at the end (an out already there is replaced only when it is a class report bpcheck wrote,
 * marked by its gradebook.csv). Writes gradebook.csv, report.md, report.html, outcomes.png and reasons.png
 * (gnuplot, the scripts plots/class-*.gp run from plots_dir so that they load style.gp), and
 * submissions/NAME.json and submissions/NAME.txt (the feedback to hand back). When gnuplot is missing or fails,
 * the report says so and *warning (256 bytes, "" when all went well) too: the rest is written all the same.
 * GSL_EINVAL with a message when out cannot be written (nothing is), GSL_EFAILED, GSL_ENOMEM. */
int bp_grade_class_write(const bp_grade_class *cls, const char *out, const char *plots_dir, char *warning,
                         size_t warning_len);
/* The check bp_grade_class_write makes first: GSL_EINVAL with a message when out cannot be written or is
 * something other than a class report; nothing is created. Lets a caller refuse before grading. */
int bp_grade_class_check_output(const char *out);

/* ---- reports ---------------------------------------------------------------------------------------------------- */
typedef enum { BP_GRADE_TABLE, BP_GRADE_TAP, BP_GRADE_JSON, BP_GRADE_GRADESCOPE, BP_GRADE_JUNIT } bp_grade_format;
/* "table", "tap", "json", "gradescope", "junit"; GSL_EINVAL with a message listing them otherwise. */
int bp_grade_format_parse(const char *name, bp_grade_format *fmt);
/* The report as text in the format: *text allocated (free it). */
int bp_grade_report_format(const bp_grade_report *rep, bp_grade_format fmt, char **text);

#ifdef __cplusplus
}
#endif

#endif
