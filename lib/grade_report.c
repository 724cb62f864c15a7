/* grade_report.c - a graded submission as a terminal table, TAP 13, JSON, Gradescope's results.json or JUnit XML
 * (grade.h). The text is built in memory; the caller prints or writes it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "grade.h"

typedef struct {
  char *s;
  size_t len, cap;
  int failed;
} text;

static void put(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(text *t, const char *fmt, ...) {
  if (t->failed) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    t->failed = 1;
    return;
  }
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t cap = 2 * (t->len + (size_t)n + 1);
    char *s = bp_realloc(t->s, cap);
    if (s == NULL) {
      t->failed = 1;
      return;
    }
    t->s = s, t->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

/* s escaped for a JSON or YAML double-quoted string (both accept \" \\ \n \t \uXXXX), without the quotes. */
static void put_escaped(text *t, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      put(t, "\\%c", *p);
    else if (*p == '\n')
      put(t, "\\n");
    else if (*p == '\t')
      put(t, "\\t");
    else if (*p < 32 || *p == 127)
      put(t, "\\u%04x", *p);
    else
      put(t, "%c", *p);
  }
}

static void put_json_string(text *t, const char *s) {
  put(t, "\"");
  put_escaped(t, s);
  put(t, "\"");
}

/* A finite number with 17 significant digits, or null (JSON has no NaN or infinity). */
static void put_json_number(text *t, double v) {
  if (isfinite(v))
    put(t, "%.17g", v);
  else
    put(t, "null");
}

/* XML text: & < > " escaped; control characters other than tab and newline (not allowed in XML 1.0) as '?'. */
static void put_xml(text *t, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '&': put(t, "&amp;"); break;
    case '<': put(t, "&lt;"); break;
    case '>': put(t, "&gt;"); break;
    case '"': put(t, "&quot;"); break;
    default: put(t, "%c", (*p < 32 && *p != '\n' && *p != '\t') || *p == 127 ? '?' : *p);
    }
  }
}

static int full_marks(const bp_grade_result *r) { return r->outcome == BP_GRADE_OK && r->n_passed == r->n_cases; }

/* The worst failing case of r: the first one that failed. NULL if none. */
static const bp_grade_case_result *first_failure(const bp_grade_result *r) {
  if (r->outcome != BP_GRADE_OK) return NULL;
  for (size_t k = 0; k < r->n_cases; k++)
    if (!r->cases[k].passed) return &r->cases[k];
  return NULL;
}

/* One paragraph of feedback in plain words (Markdown-safe): why it scored what it did. */
static void put_feedback(text *t, const bp_grade_result *r, int markdown) {
  const char *code = markdown ? "`" : "";
  if (r->outcome != BP_GRADE_OK) {
    put(t, "%s.", r->reason);
  } else if (full_marks(r)) {
    put(t, "All %zu cases agree with finite differences%s.", r->n_cases,
        r->cases[0].ref_rel_diff >= 0 ? " and with the reference" : "");
  } else {
    const bp_grade_case_result *c = first_failure(r);
    put(t,
        "%zu of %zu cases pass. First failing case: %s. Worst entry %s%zu%s: yours %.10g, the truth %.10g "
        "(relative error %.2e). Largest difference from the reference: %.2e.",
        r->n_passed, r->n_cases, c->label, code, c->worst, code, c->answer, c->truth, c->rel_err, c->ref_rel_diff);
    if (c->diagnosis[0]) put(t, " Diagnosis: %s", c->diagnosis);
  }
}

static void put_log(text *t, const bp_grade_result *r, const char *prefix) {
  if (!r->log[0]) return;
  const char *p = r->log;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    put(t, "%s%.*s\n", prefix, (int)n, p);
    p += n + (nl != NULL);
  }
}

static void format_table(text *t, const bp_grade_report *rep) {
  put(t, "bpcheck grade: %s\n\n", rep->submission);
  put(t, "%-26s %-14s %9s  %-6s %s\n", "exercise", "equation", "score", "cases", "outcome");
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    char cases[32] = "-", score[32];
    if (r->outcome == BP_GRADE_OK) snprintf(cases, sizeof cases, "%zu/%zu", r->n_passed, r->n_cases);
    snprintf(score, sizeof score, "%g/%g", r->score, r->max_score);
    put(t, "%-26s %-14s %9s  %-6s %s\n", r->ex->id, r->ex->equations[0] ? r->ex->equations : "-", score, cases,
        full_marks(r)               ? "PASS"
        : r->outcome == BP_GRADE_OK ? "FAIL"
                                    : bp_grade_outcome_name(r->outcome));
  }
  put(t, "\ntotal %g / %g\n", rep->score, rep->max_score);
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    if (full_marks(r) || r->outcome == BP_GRADE_NOT_ATTEMPTED) continue;
    put(t, "\n%s (%s): ", r->ex->id, r->ex->equations[0] ? r->ex->equations : "tutorial 00");
    put_feedback(t, r, 0);
    put(t, "\n");
    put_log(t, r, "  | ");
  }
  size_t skipped = 0;
  for (size_t k = 0; k < rep->n; k++) skipped += rep->results[k].outcome == BP_GRADE_NOT_ATTEMPTED;
  if (skipped) put(t, "\n%zu exercise%s not attempted yet.\n", skipped, skipped == 1 ? "" : "s");
}

static void format_tap(text *t, const bp_grade_report *rep) {
  put(t, "TAP version 13\n1..%zu\n", rep->n);
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    put(t, "%s %zu - %s %s (%g/%g)\n", full_marks(r) ? "ok" : "not ok", k + 1, r->ex->id, r->ex->equations, r->score,
        r->max_score);
    put(t, "  ---\n  message: \"");
    text fb = {0};
    put_feedback(&fb, r, 0);
    put_escaped(t, fb.failed || fb.s == NULL ? "" : fb.s);
    free(fb.s);
    put(t, "\"\n  outcome: \"%s\"\n  score: %g\n  max_score: %g\n  cases: \"%zu/%zu\"\n",
        bp_grade_outcome_name(r->outcome), r->score, r->max_score, r->n_passed, r->n_cases);
    const bp_grade_case_result *c = first_failure(r);
    if (c != NULL) put(t, "  diagnosis: \"%s\"\n", bp_diagnosis_kind_name(c->kind));
    if (r->log[0]) {
      put(t, "  log: \"");
      put_escaped(t, r->log);
      put(t, "\"\n");
    }
    put(t, "  ...\n");
  }
  put(t, "# total %g / %g\n", rep->score, rep->max_score);
}

static void format_json(text *t, const bp_grade_report *rep) {
  put(t, "{\n  \"submission\": ");
  put_json_string(t, rep->submission);
  put(t, ",\n  \"score\": %.17g,\n  \"max_score\": %.17g,\n  \"exercises\": [", rep->score, rep->max_score);
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    put(t, "%s\n    {\"id\": ", k ? "," : "");
    put_json_string(t, r->ex->id);
    put(t, ", \"file\": ");
    put_json_string(t, r->ex->file);
    put(t, ", \"equations\": ");
    put_json_string(t, r->ex->equations);
    put(t, ", \"score\": %.17g, \"max_score\": %.17g, \"outcome\": ", r->score, r->max_score);
    put_json_string(t, bp_grade_outcome_name(r->outcome));
    put(t, ", \"reason\": ");
    put_json_string(t, r->reason);
    put(t, ", \"log\": ");
    put_json_string(t, r->log);
    put(t, ", \"cases_passed\": %zu, \"cases\": [", r->n_passed);
    for (size_t c = 0; r->outcome == BP_GRADE_OK && c < r->n_cases; c++) {
      const bp_grade_case_result *cr = &r->cases[c];
      put(t, "%s\n      {\"label\": ", c ? "," : "");
      put_json_string(t, cr->label);
      put(t, ", \"passed\": %s, \"worst_entry\": %zu, \"answer\": ", cr->passed ? "true" : "false", cr->worst);
      put_json_number(t, cr->answer);
      put(t, ", \"truth\": ");
      put_json_number(t, cr->truth);
      put(t, ", \"rel_err\": ");
      put_json_number(t, cr->rel_err);
      put(t, ", \"reference_rel_diff\": ");
      put_json_number(t, cr->ref_rel_diff);
      put(t, ", \"diagnosis_kind\": ");
      put_json_string(t, cr->passed ? "none" : bp_diagnosis_kind_name(cr->kind));
      put(t, ", \"diagnosis\": ");
      put_json_string(t, cr->diagnosis);
      put(t, "}");
    }
    put(t, "%s]}", r->outcome == BP_GRADE_OK && r->n_cases ? "\n    " : "");
  }
  put(t, "\n  ]\n}\n");
}

static void format_gradescope(text *t, const bp_grade_report *rep) {
  put(t, "{\n  \"score\": %.17g,\n  \"output\": ", rep->score);
  char summary[256];
  snprintf(summary, sizeof summary,
           "bpcheck graded %zu exercise%s: %g of %g points. Each answer is compared with finite "
           "differences (the truth) and with the reference solution.",
           rep->n, rep->n == 1 ? "" : "s", rep->score, rep->max_score);
  put_json_string(t, summary);
  put(t, ",\n  \"tests\": [");
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    char name[160];
    snprintf(name, sizeof name, "%s%s%s", r->ex->id, r->ex->equations[0] ? ", " : "", r->ex->equations);
    put(t, "%s\n    {\"name\": ", k ? "," : "");
    put_json_string(t, name);
    put(t, ", \"score\": %.17g, \"max_score\": %.17g, \"status\": \"%s\", \"output_format\": \"md\", \"output\": ",
        r->score, r->max_score, full_marks(r) ? "passed" : "failed");
    text md = {0};
    put_feedback(&md, r, 1);
    if (r->log[0]) {
      put(&md, "\n\n```\n%s\n```\n", r->log);
    }
    put_json_string(t, md.failed || md.s == NULL ? "" : md.s);
    free(md.s);
    put(t, "}");
  }
  put(t, "\n  ]\n}\n");
}

static void format_junit(text *t, const bp_grade_report *rep) {
  size_t failures = 0, errors = 0;
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    if (r->outcome == BP_GRADE_OK && !full_marks(r)) failures++;
    if (r->outcome != BP_GRADE_OK) errors++;
  }
  put(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
  put_xml(t, rep->submission);
  put(t, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", rep->n, failures, errors, rep->seconds);
  for (size_t k = 0; k < rep->n; k++) {
    const bp_grade_result *r = &rep->results[k];
    put(t, "    <testcase classname=\"bpcheck.");
    put_xml(t, r->ex->file);
    put(t, "\" name=\"");
    put_xml(t, r->ex->id);
    put(t, "\">");
    if (!full_marks(r)) {
      text fb = {0};
      put_feedback(&fb, r, 0);
      const char *msg = fb.failed || fb.s == NULL ? "" : fb.s;
      put(t, "\n      <%s message=\"", r->outcome == BP_GRADE_OK ? "failure" : "error");
      put_xml(t, msg);
      put(t, "\" type=\"%s\">", bp_grade_outcome_name(r->outcome));
      put_xml(t, msg);
      if (r->log[0]) {
        put(t, "\n");
        put_xml(t, r->log);
      }
      put(t, "</%s>\n    ", r->outcome == BP_GRADE_OK ? "failure" : "error");
      free(fb.s);
    }
    put(t, "<system-out>score %g of %g</system-out></testcase>\n", r->score, r->max_score);
  }
  put(t, "  </testsuite>\n</testsuites>\n");
}

int bp_grade_format_parse(const char *name, bp_grade_format *fmt) {
  static const char *names[] = {"table", "tap", "json", "gradescope", "junit"};
  for (int k = 0; name != NULL && k < 5; k++)
    if (!strcmp(name, names[k])) {
      *fmt = (bp_grade_format)k;
      return GSL_SUCCESS;
    }
  BP_ERROR(GSL_EINVAL, "unknown grade format '%s' (table, tap, json, gradescope, junit)", name ? name : "");
}

int bp_grade_report_format(const bp_grade_report *rep, bp_grade_format fmt, char **out) {
  if (rep == NULL || out == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_report_format: a missing argument");
  text t = {0};
  switch (fmt) {
  case BP_GRADE_TABLE: format_table(&t, rep); break;
  case BP_GRADE_TAP: format_tap(&t, rep); break;
  case BP_GRADE_JSON: format_json(&t, rep); break;
  case BP_GRADE_GRADESCOPE: format_gradescope(&t, rep); break;
  case BP_GRADE_JUNIT: format_junit(&t, rep); break;
  default: BP_ERROR(GSL_EINVAL, "bp_grade_report_format: unknown format %d", (int)fmt);
  }
  if (t.failed || t.s == NULL) {
    free(t.s);
    BP_ERROR(GSL_ENOMEM, "out of memory formatting the grade report");
  }
  *out = t.s;
  return GSL_SUCCESS;
}

/* ---- a class ---------------------------------------------------------------------------------------------------- */
/* The exercises a class is graded on: every one, in tutorial order (bp_grade_class_run refuses cfg->only). */

/* A cell of RFC 4180 CSV: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
static void put_csv(text *t, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    put(t, "%s", s);
    return;
  }
  put(t, "\"");
  for (const char *p = s; *p; p++) put(t, *p == '"' ? "\"\"" : "%c", *p);
  put(t, "\"");
}

int bp_grade_class_gradebook(const bp_grade_class *cls, char **out) {
  if (cls == NULL || out == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_class_gradebook: a missing argument");
  size_t n_ex;
  const bp_grade_exercise *ex = bp_grade_exercises(&n_ex);
  text t = {0};
  double max = 0;
  put(&t, "submission");
  for (size_t e = 0; e < n_ex; e++) put(&t, ",%s", ex[e].id);
  put(&t, ",total,note\n(max)");
  for (size_t e = 0; e < n_ex; e++) {
    put(&t, ",%.10g", ex[e].points);
    max += ex[e].points;
  }
  put(&t, ",%.10g,\n", max);
  for (size_t k = 0; k < cls->n; k++) {
    const bp_grade_class_entry *en = &cls->entries[k];
    put_csv(&t, en->name);
    for (size_t e = 0; e < n_ex; e++) {
      if (en->graded && e < en->report.n)
        put(&t, ",%.10g", en->report.results[e].score);
      else
        put(&t, ",");
    }
    if (en->graded)
      put(&t, ",%.10g,", en->report.score);
    else
      put(&t, ",,");
    put_csv(&t, en->graded ? "" : en->note);
    put(&t, "\n");
  }
  if (t.failed || t.s == NULL) {
    free(t.s);
    BP_ERROR(GSL_ENOMEM, "out of memory formatting the gradebook");
  }
  *out = t.s;
  return GSL_SUCCESS;
}

/* Why a graded exercise lost points, as a short name: its outcome when it was not graded case by case (not
 * attempted, compile error, crashed, grader error), else the diagnosis kind of its first failing case (diagnose.h:
 * "sign", "transposed", ...), or "wrong value" for a value exercise, which has no diagnosis. *example: that case's
 * diagnosis sentence or the outcome's reason. NULL when the exercise has full marks. */
static const char *loss_reason(const bp_grade_result *r, const char **example, int *diagnosis) {
  *example = r->reason;
  *diagnosis = 0;
  switch (r->outcome) {
  case BP_GRADE_NOT_ATTEMPTED: return "not attempted";
  case BP_GRADE_COMPILE_ERROR: return "compile error";
  case BP_GRADE_CRASHED: return "crashed";
  case BP_GRADE_INTERNAL: return "grader error";
  case BP_GRADE_OK: break;
  }
  const bp_grade_case_result *c = first_failure(r);
  if (c == NULL) return NULL;
  *example = c->diagnosis;
  *diagnosis = 1;
  return c->diagnosis[0] ? bp_diagnosis_kind_name(c->kind) : "wrong value";
}

#define CLASS_MAX_REASONS 24
typedef struct {
  const char *name, *example, *who; /* who: the first submission (in name order) with it */
  int diagnosis;                    /* 1: a diagnosis of wrong answers; 0: an outcome (not attempted, ...) */
  size_t count;
} class_reason;

typedef struct {
  size_t graded, full, partial, zero, not_attempted, compile_error, crashed, losing;
  size_t n_reasons;
  class_reason reasons[CLASS_MAX_REASONS]; /* most frequent first; ties in name order */
} class_exercise;

static int reason_order(const void *a, const void *b) {
  const class_reason *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* The tallies of exercise e over the graded submissions of cls. */
static void class_tally(const bp_grade_class *cls, size_t e, class_exercise *s) {
  memset(s, 0, sizeof *s);
  for (size_t k = 0; k < cls->n; k++) {
    const bp_grade_class_entry *en = &cls->entries[k];
    if (!en->graded || e >= en->report.n) continue;
    const bp_grade_result *r = &en->report.results[e];
    s->graded++;
    if (r->outcome == BP_GRADE_NOT_ATTEMPTED)
      s->not_attempted++;
    else if (r->outcome == BP_GRADE_COMPILE_ERROR)
      s->compile_error++;
    else if (r->outcome != BP_GRADE_OK)
      s->crashed++;
    else if (full_marks(r))
      s->full++;
    else if (r->score > 0)
      s->partial++;
    else
      s->zero++;
    const char *example;
    int diagnosis;
    const char *name = loss_reason(r, &example, &diagnosis);
    if (name == NULL) continue;
    s->losing++;
    size_t j = 0;
    while (j < s->n_reasons && strcmp(s->reasons[j].name, name)) j++;
    if (j == s->n_reasons) {
      if (j == CLASS_MAX_REASONS) continue; /* more kinds than there are: cannot happen */
      s->reasons[s->n_reasons++] = (class_reason){name, example, en->name, diagnosis, 0};
    }
    s->reasons[j].count++;
  }
  qsort(s->reasons, s->n_reasons, sizeof s->reasons[0], reason_order);
}

int bp_grade_class_figure_data(const bp_grade_class *cls, char **outcomes, char **reasons) {
  if (cls == NULL || outcomes == NULL || reasons == NULL)
    BP_ERROR(GSL_EFAULT, "bp_grade_class_figure_data: a missing argument");
  size_t n_ex;
  const bp_grade_exercise *ex = bp_grade_exercises(&n_ex);
  class_exercise *s = bp_malloc(sizeof *s);
  if (s == NULL) return GSL_ENOMEM;
  size_t not_graded = 0;
  for (size_t k = 0; k < cls->n; k++) not_graded += !cls->entries[k].graded;
  text o = {0}, r = {0};
  put(&o, "exercise\tfull marks\tpartial\tzero\tnot attempted\tcompile error\tcrashed\tnot graded\n");
  put(&r, "reason\tcount\n");
  for (size_t e = 0; e < n_ex; e++) {
    class_tally(cls, e, s);
    put(&o, "%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\n", ex[e].id, s->full, s->partial, s->zero, s->not_attempted,
        s->compile_error, s->crashed, not_graded);
    for (size_t j = 0; j < s->n_reasons && j < 3; j++)
      put(&r, "%s: %s\t%zu\n", ex[e].id, s->reasons[j].name, s->reasons[j].count);
  }
  free(s);
  if (o.failed || r.failed || o.s == NULL || r.s == NULL) {
    free(o.s);
    free(r.s);
    BP_ERROR(GSL_ENOMEM, "out of memory formatting the class figures' data");
  }
  *outcomes = o.s;
  *reasons = r.s;
  return GSL_SUCCESS;
}

/* Text for the report: HTML-escaped in an HTML page, as it is in Markdown. */
static void put_text(text *t, int html, const char *s) {
  if (html)
    put_xml(t, s);
  else
    put(t, "%s", s);
}

int bp_grade_class_report(const bp_grade_class *cls, int html, const char *figures, const char *warning, char **out) {
  if (cls == NULL || out == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_class_report: a missing argument");
  size_t n_ex;
  const bp_grade_exercise *ex = bp_grade_exercises(&n_ex);
  class_exercise *s = bp_malloc(sizeof *s);
  if (s == NULL) return GSL_ENOMEM;
  size_t graded = 0;
  double sum = 0, max = 0;
  for (size_t e = 0; e < n_ex; e++) max += ex[e].points;
  for (size_t k = 0; k < cls->n; k++)
    if (cls->entries[k].graded) graded++, sum += cls->entries[k].report.score;
  text t = {0};
  const char *p0 = html ? "<p>" : "", *p1 = html ? "</p>\n" : "\n\n";
  if (html)
    put(&t, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bpcheck: class report</title>\n"
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45}"
            "img{max-width:100%%;border:1px solid #eee}.warning{color:#D55E00}</style></head><body>\n"
            "<h1>bpcheck: class report</h1>\n");
  else
    put(&t, "# bpcheck: class report\n\n");
  put(&t, "%s%zu submission%s graded", p0, graded, graded == 1 ? "" : "s");
  if (graded) put(&t, ", mean total %.4g of %g", sum / (double)graded, max);
  put(&t,
      ". Each exercise below says how many students lose points on it and why, most frequent reason first: "
      "the diagnosis of their first failing case (the mistake it names), or what kept it from being graded.%s",
      p1);
  if (graded < cls->n) {
    put(&t, "%sNot graded (the grader failed, not the student):", p0);
    for (size_t k = 0; k < cls->n; k++)
      if (!cls->entries[k].graded) {
        put(&t, " ");
        put_text(&t, html, cls->entries[k].name);
        put(&t, " (");
        put_text(&t, html, cls->entries[k].note);
        put(&t, ")");
      }
    put(&t, ".%s", p1);
  }
  if (warning != NULL && warning[0]) {
    put(&t, "%s", html ? "<p class=\"warning\">" : "**Warning:** ");
    put_text(&t, html, warning);
    put(&t, "%s", p1);
  }
  put(&t, "%s", html ? "<h2>Exercises</h2>\n<ul>\n" : "## Exercises\n\n");
  for (size_t e = 0; e < n_ex; e++) {
    class_tally(cls, e, s);
    char eqs[64];
    snprintf(eqs, sizeof eqs, " (%s)", ex[e].equations[0] ? ex[e].equations : "tutorial 00");
    put(&t, "%s", html ? "<li>" : "- ");
    put(&t, html ? "<b>ex %s%s</b>: " : "**ex %s%s**: ", ex[e].id, eqs);
    if (s->losing == 0) {
      put(&t, "every one of the %zu students has full marks.", s->graded);
    } else {
      const class_reason *top = &s->reasons[0];
      put(&t, "%zu of %zu student%s lose%s points; most frequent %s: %s%s%s%s, %zu of the %zu.", s->losing, s->graded,
          s->graded == 1 ? "" : "s", s->losing == 1 ? "s" : "", top->diagnosis ? "diagnosis" : "reason", top->name,
          top->diagnosis && ex[e].equations[0] ? " (" : "", top->diagnosis ? ex[e].equations : "",
          top->diagnosis && ex[e].equations[0] ? ")" : "", top->count, s->losing);
      if (top->example[0]) {
        put(&t, " For example %s", html ? "<i>" : "*");
        put_text(&t, html, top->who);
        put(&t, "%s: ", html ? "</i>" : "*");
        put_text(&t, html, top->example);
        put(&t, "%s", top->example[strlen(top->example) - 1] == '.' ? "" : ".");
      }
      if (s->n_reasons > 1) {
        put(&t, " Also:");
        for (size_t j = 1; j < s->n_reasons; j++)
          put(&t, "%s %s %zu", j > 1 ? "," : "", s->reasons[j].name, s->reasons[j].count);
        put(&t, ".");
      }
    }
    put(&t, "%s", html ? "</li>\n" : "\n");
  }
  put(&t, "%s", html ? "</ul>\n" : "\n");
  if (figures != NULL && figures[0]) {
    put(&t, "%s", html ? "<h2>Figures</h2>\n" : "## Figures\n\n");
    for (const char *f = figures; *f;) {
      size_t len = strcspn(f, " ");
      if (html)
        put(&t, "<p><img src=\"%.*s\" alt=\"%.*s\"></p>\n", (int)len, f, (int)len, f);
      else
        put(&t, "![%.*s](%.*s)\n\n", (int)len, f, (int)len, f);
      f += len;
      while (*f == ' ') f++;
    }
  }
  put(&t, "%s",
      html ? "<p>The gradebook is gradebook.csv; each submission's feedback is in submissions/.</p>\n"
             "</body></html>\n"
           : "The gradebook is `gradebook.csv`; each submission's feedback is in `submissions/`.\n");
  free(s);
  if (t.failed || t.s == NULL) {
    free(t.s);
    BP_ERROR(GSL_ENOMEM, "out of memory formatting the class report");
  }
  *out = t.s;
  return GSL_SUCCESS;
}
