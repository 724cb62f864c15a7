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
    put(t, "%zu of %zu cases pass. First failing case: %s. Worst entry %s%zu%s: yours %.10g, the truth %.10g "
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
        full_marks(r) ? "PASS" : r->outcome == BP_GRADE_OK ? "FAIL" : bp_grade_outcome_name(r->outcome));
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
    put(t, "\"\n  outcome: \"%s\"\n  score: %g\n  max_score: %g\n  cases: \"%zu/%zu\"\n", bp_grade_outcome_name(r->outcome),
        r->score, r->max_score, r->n_passed, r->n_cases);
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
  snprintf(summary, sizeof summary, "bpcheck graded %zu exercise%s: %g of %g points. Each answer is compared with finite "
           "differences (the truth) and with the reference solution.", rep->n, rep->n == 1 ? "" : "s", rep->score,
           rep->max_score);
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
