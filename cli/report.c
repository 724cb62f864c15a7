/* report.c - what the commands' printers share: JSON values, equation labels, the command line that reproduces a
 * result, and the per-entry report of one comparison (a bp_gradcheck) in table and JSON form. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when the bytes there are not one. */
static size_t utf8_length(const unsigned char *p) {
  size_t n = (*p < 0x80) ? 1 : (*p >= 0xc2 && *p <= 0xdf) ? 2 : (*p >= 0xe0 && *p <= 0xef) ? 3
             : (*p >= 0xf0 && *p <= 0xf4) ? 4 : 0;
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

void bp_cli_entries_table(const bp_cli_entries *e, const char *indent) {
  const bp_gradcheck *gc = e->gc;
  printf("%s%6s %-14s ", indent, "index", "entry");
  if (e->value) printf("%13s ", "value");
  printf("%22s %22s %10s %10s %10s %-9s %s\n", e->analytic_label, e->numeric_label, "abs_err", "rel_err", "estimate",
         "judged_by", "verdict");
  for (size_t k = 0; k < gc->size; k++) {
    char name[64];
    e->name(e->name_ctx, entry_index(e, k), name, sizeof name);
    printf("%s%6zu %-14s ", indent, entry_index(e, k), name);
    if (e->value) printf("%13.6g ", gsl_vector_get(e->value, entry_index(e, k)));
    printf("%22.15g %22.15g %10.2e %10.2e %10.2e %-9s %s\n", gsl_vector_get(gc->analytic, k),
           gsl_vector_get(gc->numeric, k), gsl_vector_get(gc->abs_err, k), gsl_vector_get(gc->rel_err, k),
           gsl_vector_get(gc->estimate, k), bp_gradcheck_judged_by(gc, k), bp_gradcheck_entry_verdict(gc, k));
  }
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
    printf(", \"judged_by\": \"%s\", \"verdict\": \"%s\"}", bp_gradcheck_judged_by(gc, k), bp_gradcheck_entry_verdict(gc, k));
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
