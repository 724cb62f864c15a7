/* report.c - what the commands' printers share: JSON values, equation labels, the command line that reproduces a
 * result, and the per-entry report of one comparison (a bp_gradcheck) in table and JSON form. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when the bytes there are not one. */
static size_t utf8_length(const unsigned char *p) {
  size_t n = (*p < 0x80)                  ? 1
             : (*p >= 0xc2 && *p <= 0xdf) ? 2
             : (*p >= 0xe0 && *p <= 0xef) ? 3
             : (*p >= 0xf0 && *p <= 0xf4) ? 4
                                          : 0;
  for (size_t k = 1; k < n; k++)
    if ((p[k] & 0xc0) != 0x80) return 0;
  if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] > 0x9f))) return 0; /* overlong, surrogate */
  if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] > 0x8f))) return 0; /* overlong, > U+10FFFF */
  return n;
}

void bp_cli_json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    size_t n = utf8_length(p);
    if (n == 0) { /* a byte of no UTF-8 sequence (a file name in another encoding): JSON must be UTF-8 */
      printf("\\ufffd");
      p++;
      continue;
    }
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      fwrite(p, 1, n, stdout);
    p += n;
  }
  putchar('"');
}

size_t bp_cli_threads(void) {
  const char *s = getenv("OMP_NUM_THREADS");
  char *end = NULL;
  unsigned long n = s ? strtoul(s, &end, 10) : 0;
  return (s && end != s && *end == '\0' && n >= 1) ? (size_t)n : 1;
}

void bp_cli_json_number(double v) {
  if (isfinite(v))
    printf("%.17g", v);
  else
    printf("null");
}

void bp_cli_equation_label(const char *eqs, char *buf, size_t len) {
  size_t n = (size_t)snprintf(buf, len, "eq. (");
  for (const char *p = eqs; *p && n + 6 < len; p++) {
    if (*p == ',')
      n += (size_t)snprintf(buf + n, len - n, "), (");
    else if (*p == '-')
      n += (size_t)snprintf(buf + n, len - n, ")-(");
    else
      buf[n++] = *p;
  }
  snprintf(buf + n, len - n, ")");
}

static int shell_safe(const char *s) {
  if (*s == '\0') return 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') || strchr("-_.,/=:+", *p)))
      return 0;
  return 1;
}

int bp_cli_command_append(char *buf, size_t len, const char *arg) {
  size_t used = strlen(buf), need = 1 + strlen(arg);
  int safe = shell_safe(arg);
  if (!safe)
    for (const char *p = arg; *p; p++) need += (*p == '\'') ? 4 : 0; /* ' becomes '\'' */
  need += safe ? 0 : 2;
  if (used + need + 1 > len) return -1;
  char *q = buf + used;
  *q++ = ' ';
  if (!safe) *q++ = '\'';
  for (const char *p = arg; *p; p++) {
    if (!safe && *p == '\'') {
      memcpy(q, "'\\''", 4);
      q += 4;
    } else {
      *q++ = *p;
    }
  }
  if (!safe) *q++ = '\'';
  *q = '\0';
  return 0;
}

static size_t entry_index(const bp_cli_entries *e, size_t k) { return e->index ? e->index[k] : k; }

/* A column header: the label, or its part before " (" when the label is wider than the column (the method is named
 * below the table). */
static void column_label(const char *label, int width) {
  int n = (int)strlen(label);
  const char *paren = strstr(label, " (");
  if (n > width && paren) n = (int)(paren - label);
  printf(" %*.*s", width, n, label);
}

/* The entries a table shows, in the order it shows them (order: gc->size slots); returns how many, and in
 * *candidates how many passed the --failures filter. */
static size_t shown_entries(const bp_cli_entries *e, size_t *order, size_t *candidates) {
  const bp_gradcheck *gc = e->gc;
  size_t n = 0;
  for (size_t k = 0; k < gc->size; k++)
    if (!e->failures_only || !gsl_vector_uchar_get(gc->passed, k)) order[n++] = k;
  *candidates = n;
  if (e->show == 0 || e->show >= n) return n;
  for (size_t s = 0; s < e->show; s++) { /* selection of the `show` largest margins, worst first, ties by index */
    size_t best = s;
    for (size_t j = s + 1; j < n; j++)
      if (bp_gradcheck_entry_margin(gc, order[j]) > bp_gradcheck_entry_margin(gc, order[best])) best = j;
    size_t t = order[s];
    order[s] = order[best], order[best] = t;
  }
  return e->show;
}

/* Fits 100 columns with an indent of up to 2: the values to 10 significant digits (TSV and JSON keep 17), the
 * errors to 2; the point's value (grad) is in TSV and JSON only. */
void bp_cli_entries_table(const bp_cli_entries *e, const char *indent) {
  const bp_gradcheck *gc = e->gc;
  size_t *order = malloc((gc->size ? gc->size : 1) * sizeof *order);
  size_t n = gc->size, candidates = gc->size; /* out of memory for the order: every entry, in index order */
  if (order) n = shown_entries(e, order, &candidates);
  if (n > 0) {
    printf("%s%5s %-10s", indent, "index", "entry");
    column_label(e->analytic_label, 17);
    column_label(e->numeric_label, 17);
    printf(" %8s %8s %8s %-9s %s\n", "abs_err", "rel_err", "estimate", "judged_by", "verdict");
  }
  for (size_t s = 0; s < n; s++) {
    size_t k = order ? order[s] : s;
    char name[64];
    e->name(e->name_ctx, entry_index(e, k), name, sizeof name);
    printf("%s%5zu %-10s %17.10g %17.10g %8.1e %8.1e %8.1e %-9s ", indent, entry_index(e, k), name,
           gsl_vector_get(gc->analytic, k), gsl_vector_get(gc->numeric, k), gsl_vector_get(gc->abs_err, k),
           gsl_vector_get(gc->rel_err, k), gsl_vector_get(gc->estimate, k), bp_gradcheck_judged_by(gc, k));
    bp_cli_verdict(bp_gradcheck_entry_verdict(gc, k), 0);
    printf("\n");
  }
  char more[200] = "";
  size_t passing = gc->size - candidates, left = candidates - n, used = 0;
  if (passing > 0)
    used += (size_t)snprintf(more, sizeof more, "%zu passing entr%s not shown (--failures).", passing,
                             passing == 1 ? "y" : "ies");
  if (left > 0)
    snprintf(more + used, sizeof more - used,
             "%s%zu more entr%s not shown (the %zu worst are above, worst first); "
             "--entries all shows every entry, --format tsv too.",
             used ? " " : "", left, left == 1 ? "y" : "ies", n);
  if (more[0]) bp_cli_wrap(indent, more, indent);
  free(order);
}

void bp_cli_entries_json(const bp_cli_entries *e, const char *indent) {
  const bp_gradcheck *gc = e->gc;
  for (size_t k = 0; k < gc->size; k++) {
    char name[64];
    e->name(e->name_ctx, entry_index(e, k), name, sizeof name);
    printf("%s\n%s{\"index\": %zu, \"entry\": ", k ? "," : "", indent, entry_index(e, k));
    bp_cli_json_string(name);
    if (e->value) {
      printf(", \"value\": ");
      bp_cli_json_number(gsl_vector_get(e->value, entry_index(e, k)));
    }
    printf(", \"analytic\": ");
    bp_cli_json_number(gsl_vector_get(gc->analytic, k));
    printf(", \"numeric\": ");
    bp_cli_json_number(gsl_vector_get(gc->numeric, k));
    printf(", \"abs_err\": ");
    bp_cli_json_number(gsl_vector_get(gc->abs_err, k));
    printf(", \"rel_err\": ");
    bp_cli_json_number(gsl_vector_get(gc->rel_err, k));
    printf(", \"estimate\": ");
    bp_cli_json_number(gsl_vector_get(gc->estimate, k));
    printf(", \"judged_by\": \"%s\", \"verdict\": \"%s\"}", bp_gradcheck_judged_by(gc, k),
           bp_gradcheck_entry_verdict(gc, k));
  }
}

void bp_cli_worst_summary(const bp_cli_entries *e, char *buf, size_t len) {
  const bp_gradcheck *gc = e->gc;
  size_t w = gc->worst;
  char name[64];
  e->name(e->name_ctx, entry_index(e, w), name, sizeof name);
  char index[40] = "", band[96];
  bp_gradcheck_entry_band(gc, w, band, sizeof band); /* "[k]" says its index already */
  char plain[40];
  snprintf(plain, sizeof plain, "[%zu]", entry_index(e, w));
  if (strcmp(name, plain) != 0) snprintf(index, sizeof index, " (index %zu)", entry_index(e, w));
  snprintf(buf, len, "worst entry %s%s: %s %.10g, %s %.10g, rel err %.2e (%s)", name, index, e->analytic_label,
           gsl_vector_get(gc->analytic, w), e->numeric_label, gsl_vector_get(gc->numeric, w),
           gsl_vector_get(gc->rel_err, w), band);
}

/* ---- the terminal: width and colour ---------------------------------------------------------------------------- */

void bp_cli_wrap(const char *first, const char *text, const char *indent) { bp_cli_wrap_at(0, first, text, indent); }

void bp_cli_wrap_at(size_t col0, const char *first, const char *text, const char *indent) {
  size_t col = col0 + (size_t)printf("%s", first), start = col;
  for (const char *p = text; *p;) {
    while (*p == ' ') p++;
    size_t w = strcspn(p, " ");
    while (p[w] == ' ' && p[w + 1] == '(') w += 1 + strcspn(p + w + 1, " "); /* "eq. (26)", "numeric (central)" */
    if (w == 0) break;
    if (col > start && col + 1 + w > BP_CLI_WIDTH) {
      col = start = (size_t)printf("\n%s", indent) - 1;
    } else if (col > start) {
      putchar(' ');
      col++;
    }
    col += (size_t)printf("%.*s", (int)w, p);
    p += w;
  }
  putchar('\n');
}

void bp_cli_wrap_command(const char *first, const char *cmd) {
  size_t col = (size_t)printf("%s", first), start = col;
  for (const char *p = cmd; *p;) {
    while (*p == ' ') p++;
    /* One shell word: spaces inside single quotes (bp_cli_command_append's quoting, '\'' included) stay in it. */
    size_t w = 0;
    for (int quoted = 0; p[w] && (quoted || p[w] != ' '); w++) {
      if (p[w] == '\'')
        quoted = !quoted;
      else if (!quoted && p[w] == '\\' && p[w + 1])
        w++;
    }
    if (w == 0) break;
    if (col > start && col + 3 + w > BP_CLI_WIDTH) {
      printf(" \\\n    ");
      col = start = 4;
    } else if (col > start) {
      putchar(' ');
      col++;
    }
    col += (size_t)printf("%.*s", (int)w, p);
    p += w;
  }
  putchar('\n');
}

static int colour = -1; /* unknown until bp_cli_colour_init */

void bp_cli_colour_init(void) {
  const char *no = getenv("NO_COLOR");
  colour = isatty(STDOUT_FILENO) && (no == NULL || *no == '\0');
}

void bp_cli_verdict(const char *verdict, int width) {
  const char *code = NULL;
  if (colour == 1) {
    if (!strcmp(verdict, "PASS"))
      code = "32"; /* green */
    else if (!strcmp(verdict, "FAIL"))
      code = "1;31"; /* bold red */
    else if (!strcmp(verdict, "ERRATUM"))
      code = "33"; /* yellow: the notes are wrong, the check holds */
    else
      code = "35"; /* NOT SMOOTH, NO SIGNAL: magenta */
  }
  int n = code ? printf("\033[%sm%s\033[0m", code, verdict) - (int)strlen(code) - 7 : printf("%s", verdict);
  for (; n < width; n++) putchar(' ');
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void bp_cli_progress_start(bp_cli_progress *p) {
  p->on = isatty(STDERR_FILENO);
  p->shown = 0;
  p->start = p->last = now();
}

void bp_cli_progress_column(size_t done, size_t total, void *context) {
  bp_cli_progress *p = context;
  if (!p->on || total == 0) return;
  double t = now();
  if (t - p->start < 1.0 || (t - p->last < 0.25 && done < total)) return; /* quiet for a second, then 4 a second */
  p->last = t;
  double left = (done > 0) ? (t - p->start) * (double)(total - done) / (double)done : 0.0;
  fprintf(stderr, "\rbpcheck: columns %zu / %zu, about %.0f s left   ", done, total, left);
  p->shown = 1;
}

void bp_cli_progress_end(bp_cli_progress *p) {
  if (p->shown) fprintf(stderr, "\r\033[K");
  p->shown = 0;
}
