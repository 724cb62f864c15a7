/* data.c - the --layers list, examples from CSV and parameters from TSV, read strictly.
 *
 * Messages point at the problem as "FILE:LINE:COL: ...", LINE counting from 1 and COL being the 1-based FIELD
 * number (the cell), not a character column: a reader of a CSV thinks in cells. Where the problem is the whole
 * line (its cell count, a softmax row sum) the column is left out. Every reader works on locals and hands its
 * result over only after the whole file has been read and checked, so a failure leaves the outputs untouched.
 *
 * Numbers are parsed with strtod, which follows LC_NUMERIC: the library never calls setlocale, so under the
 * default "C" locale the decimal separator is '.' as CSV needs. */
#define _POSIX_C_SOURCE 200809L

#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* Cells are quoted in messages up to this many characters, so a runaway cell cannot crowd out the location. */
#define QUOTE_MAX 40

/* ---- --layers ---------------------------------------------------------------------------------------------- */

int bp_layers_parse(const char *spec, size_t *n_layers, size_t sizes[BP_MLP_MAX_LAYERS + 1]) {
  if (spec == NULL || n_layers == NULL || sizes == NULL)
    BP_ERROR(GSL_EINVAL, "bp_layers_parse: spec, n_layers and sizes must not be NULL");
  if (*spec == '\0') BP_ERROR(GSL_EINVAL, "layers: the list is empty (expected sizes such as 4,5,3)");
  size_t parsed[BP_MLP_MAX_LAYERS + 1];
  size_t count = 0;
  const char *item = spec;
  for (;;) {
    const char *next = item + strcspn(item, ",");
    /* Spaces and tabs around a size are accepted, as they are around CSV cells ("3, 4, 1"). */
    const char *end = next;
    while (*item == ' ' || *item == '\t') item++;
    while (end > item && (end[-1] == ' ' || end[-1] == '\t')) end--;
    int len = (end - item > QUOTE_MAX) ? QUOTE_MAX : (int)(end - item);
    count++;
    if (count > BP_MLP_MAX_LAYERS + 1)
      BP_ERROR(GSL_EINVAL, "layers: item %zu is one size too many (at most %d sizes, that is %d weight layers)", count,
               BP_MLP_MAX_LAYERS + 1, BP_MLP_MAX_LAYERS);
    if (end == item)
      BP_ERROR(GSL_EINVAL, "layers '%.*s': item %zu is empty (sizes are separated by single commas)", QUOTE_MAX, spec,
               count);
    /* Stop accumulating once past the limit, so an arbitrarily long digit string cannot overflow size_t. */
    size_t value = 0;
    for (const char *p = item; p < end; p++) {
      if (*p < '0' || *p > '9')
        BP_ERROR(GSL_EINVAL, "layers: item %zu is '%.*s', not a positive whole number (digits only)", count, len, item);
      if (value <= BP_MLP_MAX_UNITS) value = 10 * value + (size_t)(*p - '0');
    }
    if (value == 0) BP_ERROR(GSL_EINVAL, "layers: item %zu is '%.*s'; a layer needs at least 1 unit", count, len, item);
    if (value > BP_MLP_MAX_UNITS)
      BP_ERROR(GSL_EINVAL, "layers: item %zu is '%.*s', more than the %d units a layer may have", count, len, item,
               BP_MLP_MAX_UNITS);
    parsed[count - 1] = value;
    if (*next == '\0') break;
    item = next + 1;
  }
  if (count < 2)
    BP_ERROR(GSL_EINVAL, "layers '%.*s': need at least two sizes (inputs and outputs), found %zu", QUOTE_MAX, spec,
             count);
  memcpy(sizes, parsed, count * sizeof *parsed);
  *n_layers = count - 1;
  return GSL_SUCCESS;
}

/* ---- lines ------------------------------------------------------------------------------------------------- */

/* A stream read line by line into one buffer that grows to the longest line, so lines of any length arrive
 * whole. Bytes come from f a block at a time (memchr finds the line ends, not a loop of getc), and both buffers
 * come from bp_malloc/bp_realloc, not getline's own malloc, so fault injection reaches them too. */
#define BLOCK_BYTES 65536

typedef struct {
  FILE *f;
  const char *path; /* the name in messages */
  char *buf;        /* the line */
  size_t cap;
  char *blk; /* bytes read ahead from f: blk[pos, len) are not yet returned */
  size_t pos, len;
  size_t lineno; /* of the line last returned, from 1 */
} line_reader;

static void reader_init(line_reader *r, FILE *f, const char *name) {
  r->f = f;
  r->path = name;
  r->buf = r->blk = NULL;
  r->cap = r->pos = r->len = 0;
  r->lineno = 0;
}

static void reader_free(line_reader *r) {
  free(r->buf);
  free(r->blk);
  r->buf = r->blk = NULL;
  r->cap = r->pos = r->len = 0;
}

/* Back to line 1 at byte `start` of f for a second pass; the buffers are kept. */
static int reader_rewind(line_reader *r, off_t start) {
  clearerr(r->f);
  errno = 0;
  if (fseeko(r->f, start, SEEK_SET) != 0)
    BP_ERROR(GSL_EFAILED, "%s: cannot go back for the second pass: %s", r->path, strerror(errno ? errno : EIO));
  r->pos = r->len = 0;
  r->lineno = 0;
  return GSL_SUCCESS;
}

static int reader_oom(const line_reader *r) {
  bp_error_set("%s:%zu: out of memory reading a line", r->path, r->lineno + 1);
  return -GSL_ENOMEM;
}

/* The raw bytes of the next line, "\n" included, NUL-terminated, in r->buf; their count in *len. Returns 1 for a
 * line, 0 at the end of the stream, or a negated GSL status with a message. */
static int reader_raw(line_reader *r, size_t *len) {
  size_t n = 0;
  for (;;) {
    if (r->pos == r->len) {
      if (r->blk == NULL && (r->blk = bp_malloc(BLOCK_BYTES)) == NULL) return reader_oom(r);
      errno = 0;
      r->len = fread(r->blk, 1, BLOCK_BYTES, r->f);
      r->pos = 0;
      if (r->len == 0) {
        if (ferror(r->f)) {
          bp_error_set("%s: cannot read: %s", r->path, strerror(errno ? errno : EIO));
          return -GSL_EFAILED;
        }
        break; /* the end, possibly after a last line without "\n" */
      }
    }
    const char *start = r->blk + r->pos;
    const char *nl = memchr(start, '\n', r->len - r->pos);
    size_t take = nl ? (size_t)(nl - start) + 1 : r->len - r->pos;
    if (n + take + 1 > r->cap) {
      size_t cap = r->cap ? r->cap : 256;
      while (n + take + 1 > cap) {
        if (cap > SIZE_MAX / 2) return reader_oom(r);
        cap *= 2;
      }
      char *buf = bp_realloc(r->buf, cap);
      if (buf == NULL) return reader_oom(r);
      r->buf = buf;
      r->cap = cap;
    }
    memcpy(r->buf + n, start, take);
    n += take;
    r->pos += take;
    if (nl) break;
  }
  if (n == 0) return 0;
  r->buf[n] = '\0';
  *len = n;
  return 1;
}

/* Next line without its "\n" or "\r\n" (and, on line 1, without a UTF-8 byte order mark) in *line.
 * Returns 1 for a line, 0 at the end of the stream, or a negated GSL status with a message. With strict = 0 a
 * NUL byte just ends the line: the counting pass leaves that error to the pass that reports it in file order. */
static int reader_next(line_reader *r, char **line, int strict) {
  size_t len;
  int got = reader_raw(r, &len);
  if (got <= 0) return got;
  r->lineno++;
  char *s = r->buf;
  /* A NUL would silently end the line for every string function below: it is a binary file, not CSV or TSV. */
  if (strlen(s) != len) {
    if (strict) {
      bp_error_set("%s:%zu: the line contains a NUL byte (not a text file?)", r->path, r->lineno);
      return -GSL_EINVAL;
    }
    len = strlen(s);
  }
  if (len > 0 && s[len - 1] == '\n') s[--len] = '\0';
  if (len > 0 && s[len - 1] == '\r') s[--len] = '\0';
  if (r->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
  *line = s;
  return 1;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int all_blank(const char *s) {
  while (is_blank(*s)) s++;
  return *s == '\0';
}

/* ---- numbers ----------------------------------------------------------------------------------------------- */

typedef enum { CELL_OK, CELL_EMPTY, CELL_NOT_NUMBER, CELL_NOT_FINITE, CELL_OVERFLOW } cell_status;

/* Parses [begin, end) of a line we own, with surrounding spaces and tabs allowed. The cell is terminated in
 * place for strtod, which must not read on into the next cell, and the byte is put back afterwards. */
static cell_status parse_cell(char *begin, char *end, double *value) {
  while (begin < end && is_blank(*begin)) begin++;
  while (end > begin && is_blank(end[-1])) end--;
  if (begin == end) return CELL_EMPTY;
  /* strtod would skip other white space such as '\v' itself; that is not a number cell. */
  if (isspace((unsigned char)*begin)) return CELL_NOT_NUMBER;
  char saved = *end;
  *end = '\0';
  char *stop;
  errno = 0;
  double v = strtod(begin, &stop);
  int overflow = (errno == ERANGE && fabs(v) == HUGE_VAL); /* ERANGE for underflow is fine: a tiny finite value */
  *end = saved;
  if (stop != end) return CELL_NOT_NUMBER;
  if (overflow) return CELL_OVERFLOW;
  if (!isfinite(v)) return CELL_NOT_FINITE; /* "nan", "inf", "infinity" */
  *value = v;
  return CELL_OK;
}

/* The message for a cell that is not a finite number: "FILE:LINE:COL: cell COL is '...', not a number". */
static void cell_error(const char *path, size_t lineno, size_t col, const char *what, const char *begin,
                       const char *end, cell_status st) {
  while (begin < end && is_blank(*begin)) begin++;
  while (end > begin && is_blank(end[-1])) end--;
  int len = (end - begin > QUOTE_MAX) ? QUOTE_MAX : (int)(end - begin);
  const char *more = (end - begin > QUOTE_MAX) ? "..." : "";
  switch (st) {
  case CELL_EMPTY: bp_error_set("%s:%zu:%zu: %s %zu is empty, not a number", path, lineno, col, what, col); break;
  case CELL_OVERFLOW:
    bp_error_set("%s:%zu:%zu: %s %zu is '%.*s%s', too large for a double (not a finite number)", path, lineno, col,
                 what, col, len, begin, more);
    break;
  case CELL_NOT_FINITE:
    bp_error_set("%s:%zu:%zu: %s %zu is '%.*s%s', not a finite number", path, lineno, col, what, col, len, begin, more);
    break;
  default:
    bp_error_set("%s:%zu:%zu: %s %zu is '%.*s%s', not a number", path, lineno, col, what, col, len, begin, more);
    break;
  }
}

/* ---- CSV --------------------------------------------------------------------------------------------------- */

/* The shortest of %.15g, %.16g, %.17g that reads back as v: "1.2", not "1.1999999999999999". */
static const char *shortest(double v, char buf[32]) {
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, 32, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  return buf;
}

/* What a read found besides the values: the softmax rows accepted with BP_DATA_ALLOW_UNNORMALIZED, and whether the
 * rows hold targets (1), or inputs alone (0), as the first example line decided with BP_DATA_TARGETS_OPTIONAL (-1
 * until it has; always 1 without the flag). */
typedef struct {
  size_t n_unnormalized, unnormalized_line;
  double unnormalized_sum;
  int targets;
  size_t width_line; /* the line that decided `targets` */
} csv_stats;

/* The targets of one row against what the output layer can produce: eq. (26) gives dE/ds = x - t only when
 * the softmax targets form a distribution. */
static int check_targets(const char *path, size_t lineno, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                         const double *t, csv_stats *stats) {
  char buf[32];
  if (output == BP_OUTPUT_LOGISTIC) {
    for (size_t i = 0; i < n_out; i++)
      if (!(t[i] >= 0.0 && t[i] <= 1.0))
        BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: target %zu is %s, outside [0, 1] (logistic outputs are probabilities)", path,
                 lineno, n_in + i + 1, i + 1, shortest(t[i], buf));
    return GSL_SUCCESS;
  }
  double sum = 0.0;
  for (size_t i = 0; i < n_out; i++) {
    if (t[i] < 0.0)
      BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: target %zu is %s, negative (softmax targets are a distribution)", path, lineno,
               n_in + i + 1, i + 1, shortest(t[i], buf));
    sum += t[i];
  }
  if (fabs(sum - 1.0) > BP_DATA_SUM_TOL) {
    if (!(flags & BP_DATA_ALLOW_UNNORMALIZED))
      BP_ERROR(GSL_EINVAL,
               "%s:%zu: the softmax targets sum to %s, not 1 within %g; eq. (26) (dE/ds = x - t) assumes they do", path,
               lineno, shortest(sum, buf), BP_DATA_SUM_TOL);
    /* Accepted on request, and counted so the caller can warn: the lesson is watching the check fail. */
    if (stats->n_unnormalized++ == 0) {
      stats->unnormalized_line = lineno;
      stats->unnormalized_sum = sum;
    }
  }
  return GSL_SUCCESS;
}

/* Cuts the comment and reports whether anything but blanks is left. */
static int strip_comment(char *line) {
  char *hash = strchr(line, '#');
  if (hash) *hash = '\0';
  return !all_blank(line);
}

static size_t count_cells(const char *line, char sep) {
  size_t n = 1;
  for (; *line; line++) n += (*line == sep);
  return n;
}

/* A first line is a header when none of its cells reads as a number ("nan" and "1e999" do read), the cells cut
 * at commas, semicolons and tabs alike, and at spaces too in a line without a comma (a header of two or more
 * columns has commas): a first row with a typo in one cell, "0.38,abc,1", or written with the wrong separator,
 * "0.38;1.5;1" or "0.38 1.5 1", is data, and is rejected below with a precise message, never skipped. */
static int looks_like_header(char *line) {
  const char *seps = strchr(line, ',') ? ",;\t" : ",;\t ";
  for (char *cell = line;;) {
    char *end = cell + strcspn(cell, seps);
    double v;
    cell_status st = parse_cell(cell, end, &v);
    if (st != CELL_EMPTY && st != CELL_NOT_NUMBER) return 0;
    if (*end == '\0') return 1;
    cell = end + 1;
  }
}

/* The next example line (comments, blank lines and a header skipped) in *line: 1, 0 at the end, or a negated
 * status. *seen_content tracks whether the header position has passed. */
static int next_example(line_reader *r, char **line, int *seen_content, int strict) {
  int got;
  while ((got = reader_next(r, line, strict)) > 0) {
    if (!strip_comment(*line)) continue;
    if (!*seen_content) {
      *seen_content = 1;
      if (looks_like_header(*line)) continue;
    }
    return 1;
  }
  return got;
}

/* The separator [begin, end) uses instead of commas: ';' anywhere or, where there is no comma, a tab or space
 * between two non-blank characters (blanks around a cell are allowed). NULL if there is none. */
static const char *other_separator(const char *begin, const char *end) {
  if (memchr(begin, ';', (size_t)(end - begin))) return "semicolons";
  if (memchr(begin, ',', (size_t)(end - begin))) return NULL;
  while (begin < end && is_blank(*begin)) begin++;
  while (end > begin && is_blank(end[-1])) end--;
  for (const char *p = begin; p < end; p++)
    if (*p == '\t') return "tabs";
  for (const char *p = begin; p < end; p++)
    if (*p == ' ') return "spaces";
  return NULL;
}

static int separator_error(const line_reader *r, const char *sep) {
  BP_ERROR(GSL_EINVAL, "%s:%zu: cells are separated by commas, and this line uses %s (write 0.5,1.25,1)", r->path,
           r->lineno, sep);
}

#define PLURAL(n) ((n) == 1 ? "" : "s")

/* A row with the wrong number of cells, with the likely reason: another separator, one-hot softmax targets
 * where class indices were expected, or the reverse. */
static int cell_count_error(const line_reader *r, const char *line, size_t found, size_t n_in, size_t n_out,
                            bp_output output, unsigned flags) {
  const char *sep = other_separator(line, line + strlen(line));
  if (sep) return separator_error(r, sep);
  if (flags & BP_DATA_LABELS) {
    if (found == n_in + n_out && n_out > 1)
      BP_ERROR(GSL_EINVAL,
               "%s:%zu: found %zu cells, expected %zu (%zu input%s + 1 class index); with class labels "
               "the target is one cell holding the class 0..%zu, not %zu one-hot cells",
               r->path, r->lineno, found, n_in + 1, n_in, PLURAL(n_in), n_out - 1, n_out);
    BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu cell%s, expected %zu (%zu input%s + 1 class index)", r->path, r->lineno,
             found, PLURAL(found), n_in + 1, n_in, PLURAL(n_in));
  }
  if (output == BP_OUTPUT_SOFTMAX && found == n_in + 1 && n_out > 1)
    BP_ERROR(GSL_EINVAL,
             "%s:%zu: found %zu cells, expected %zu (%zu input%s + %zu targets); give softmax targets "
             "one-hot (%zu cells, a 1 in the column of the class) or, with --labels, as one class index 0..%zu",
             r->path, r->lineno, found, n_in + n_out, n_in, PLURAL(n_in), n_out, n_out, n_out - 1);
  BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu cell%s, expected %zu (%zu input%s + %zu target%s)", r->path, r->lineno, found,
           PLURAL(found), n_in + n_out, n_in, PLURAL(n_in), n_out, PLURAL(n_out));
}

/* A class index as targets (BP_DATA_LABELS): for softmax, 0..n_out-1 as the one-hot row, t[c] = 1 and the others
 * 0; for one logistic output, 0 or 1 as the target itself. */
static int class_to_targets(const line_reader *r, size_t col, double c, size_t n_out, bp_output output, double *t) {
  size_t n_classes = (output == BP_OUTPUT_SOFTMAX) ? n_out : 2;
  if (!(c >= 0.0 && c < (double)n_classes && c == floor(c))) {
    char buf[32];
    BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: the class index is %s, not one of 0..%zu (%s)", r->path, r->lineno, col,
             shortest(c, buf), n_classes - 1,
             output == BP_OUTPUT_SOFTMAX ? "one class per softmax output" : "one logistic output: class 0 or 1");
  }
  if (output != BP_OUTPUT_SOFTMAX) {
    t[0] = c;
    return GSL_SUCCESS;
  }
  for (size_t i = 0; i < n_out; i++) t[i] = 0.0;
  t[(size_t)c] = 1.0;
  return GSL_SUCCESS;
}

/* The cells of the targets on a line: one class index with BP_DATA_LABELS, else n_out. */
static size_t target_cells(size_t n_out, unsigned flags) { return (flags & BP_DATA_LABELS) ? 1 : n_out; }

/* BP_DATA_TARGETS_OPTIONAL: the first example line decides from its width, n_in cells (inputs alone) or n_in plus the
 * target cells; a first line of any other width decides nothing and is reported by width_error. */
static void decide_targets(const line_reader *r, const char *line, size_t n_in, size_t n_out, unsigned flags,
                           csv_stats *stats) {
  if (stats->targets >= 0) return;
  size_t found = count_cells(line, ',');
  if (found == n_in || found == n_in + target_cells(n_out, flags)) {
    stats->targets = found != n_in;
    stats->width_line = r->lineno;
  }
}

/* A line whose width BP_DATA_TARGETS_OPTIONAL does not accept: both widths named on the first example line, the
 * width of that line on a later one. */
static int width_error(const line_reader *r, const char *line, size_t found, size_t n_in, size_t n_out, unsigned flags,
                       const csv_stats *stats) {
  const char *sep = other_separator(line, line + strlen(line));
  if (sep) return separator_error(r, sep);
  size_t nt = target_cells(n_out, flags);
  char with[64];
  if (flags & BP_DATA_LABELS)
    snprintf(with, sizeof with, "%zu input%s + 1 class index", n_in, PLURAL(n_in));
  else
    snprintf(with, sizeof with, "%zu input%s + %zu target%s", n_in, PLURAL(n_in), n_out, PLURAL(n_out));
  if (stats->targets < 0)
    BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu cell%s, expected %zu (the network's %zu input%s alone) or %zu (%s)",
             r->path, r->lineno, found, PLURAL(found), n_in, n_in, PLURAL(n_in), n_in + nt, with);
  BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu cell%s, expected %zu as on line %zu (%s); every example has the same cells",
           r->path, r->lineno, found, PLURAL(found), stats->targets ? n_in + nt : n_in, stats->width_line,
           stats->targets ? with : "inputs alone, no targets");
}

/* One example line into x[0..n_in) and t[0..n_out), checked cell by cell and then as targets. With
 * BP_DATA_LABELS the line holds n_in inputs and one class index, which becomes the targets (class_to_targets).
 * A line of inputs alone (BP_DATA_TARGETS_OPTIONAL, decided by the first) leaves t alone: it may be NULL. */
static int parse_example(const line_reader *r, char *line, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                         double *x, double *t, csv_stats *stats) {
  int labels = (flags & BP_DATA_LABELS) != 0;
  if (flags & BP_DATA_TARGETS_OPTIONAL) decide_targets(r, line, n_in, n_out, flags, stats);
  size_t n_cols = n_in + (stats->targets ? target_cells(n_out, flags) : 0);
  size_t found = count_cells(line, ',');
  if (found != n_cols || stats->targets < 0) {
    if (flags & BP_DATA_TARGETS_OPTIONAL) return width_error(r, line, found, n_in, n_out, flags, stats);
    return cell_count_error(r, line, found, n_in, n_out, output, flags);
  }
  char *cell = line;
  double c = 0.0;
  for (size_t k = 0; k < n_cols; k++) {
    char *end = cell + strcspn(cell, ",");
    cell_status st = parse_cell(cell, end, k < n_in ? &x[k] : labels ? &c : &t[k - n_in]);
    if (st != CELL_OK) {
      /* the row's count was right, so it has commas: only a ';' in a cell points at another separator */
      if (st == CELL_NOT_NUMBER && memchr(cell, ';', (size_t)(end - cell))) return separator_error(r, "semicolons");
      cell_error(r->path, r->lineno, k + 1, "cell", cell, end, st);
      return GSL_EINVAL;
    }
    cell = end + 1;
  }
  if (!stats->targets) return GSL_SUCCESS;
  if (labels) return class_to_targets(r, n_cols, c, n_out, output, t);
  return check_targets(r->path, r->lineno, n_in, n_out, output, flags, t, stats);
}

static int no_examples(const line_reader *r) {
  BP_ERROR(GSL_EINVAL, "%s: no examples (the file is empty or holds only a header, comments and blank lines)", r->path);
}

/* X and T of their final size; T stays NULL for inputs alone (n_out 0). */
static bp_dataset *dataset_alloc(size_t rows, size_t n_in, size_t n_out) {
  bp_dataset *d = bp_calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->X = bp_matrix_alloc(rows, n_in);
  d->T = d->X && n_out ? bp_matrix_alloc(rows, n_out) : NULL;
  if (d->X == NULL || (n_out && d->T == NULL)) {
    bp_dataset_free(d);
    return NULL;
  }
  return d;
}

static int changed_error(const line_reader *r, size_t rows) {
  BP_ERROR(GSL_EFAILED,
           "%s: the file changed while it was being read (%zu examples on the first pass, not as many "
           "on the second)",
           r->path, rows);
}

/* Two passes over a stream that can go back: count the example lines, allocate X and T at their final size,
 * then parse straight into them. Memory is the matrices plus the line buffer, whatever the file's size. */
static int read_csv_two_pass(line_reader *r, off_t start, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                             bp_dataset **out, csv_stats *stats) {
  char *line;
  int seen = 0, got;
  size_t rows = 0;
  /* Only counts (and lets the first line decide whether there are targets): every error is left to the second
   * pass, which meets them in file order. */
  while ((got = next_example(r, &line, &seen, 0)) > 0) {
    if (rows++ == 0 && (flags & BP_DATA_TARGETS_OPTIONAL)) decide_targets(r, line, n_in, n_out, flags, stats);
  }
  if (got < 0) return -got;
  int status = reader_rewind(r, start);
  if (status) return status;
  bp_dataset *d = NULL;
  if (rows > 0 && (d = dataset_alloc(rows, n_in, stats->targets ? n_out : 0)) == NULL) return GSL_ENOMEM;
  size_t e = 0;
  seen = 0;
  while ((got = next_example(r, &line, &seen, 1)) > 0 && e < rows) {
    status = parse_example(r, line, n_in, n_out, output, flags, gsl_matrix_ptr(d->X, e, 0),
                           d->T ? gsl_matrix_ptr(d->T, e, 0) : NULL, stats);
    if (status) break;
    e++;
  }
  if (!status && got < 0) status = -got;
  if (!status && (got > 0 || e != rows)) status = changed_error(r, rows); /* a row more, or fewer */
  if (!status && rows == 0) status = no_examples(r);
  if (status) {
    bp_dataset_free(d);
    return status;
  }
  *out = d;
  return GSL_SUCCESS;
}

/* Rows of a stream that cannot go back (a pipe), kept in fixed-size chunks (no doubling buffer, no realloc
 * copies), then copied into the matrices, each chunk freed once copied. The peak is the data twice: GSL's
 * calloc writes every page of the matrices before the first chunk can go. */
typedef struct chunk {
  struct chunk *next;
  size_t rows;
  double v[]; /* rows x (n_in + n_out) */
} chunk;

#define CHUNK_BYTES (256 * 1024)

static void chunks_free(chunk *c) {
  while (c) {
    chunk *next = c->next;
    free(c);
    c = next;
  }
}

static int read_csv_one_pass(line_reader *r, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                             bp_dataset **out, csv_stats *stats) {
  size_t n_cols = n_in + n_out;
  size_t per_chunk = CHUNK_BYTES / sizeof(double) / n_cols;
  if (per_chunk == 0) per_chunk = 1;
  chunk *head = NULL, *tail = NULL;
  size_t rows = 0;
  char *line;
  int seen = 0, got, status = GSL_SUCCESS;
  while ((got = next_example(r, &line, &seen, 1)) > 0) {
    if (tail == NULL || tail->rows == per_chunk) {
      chunk *c = bp_malloc(sizeof *c + per_chunk * n_cols * sizeof(double));
      if (c == NULL) {
        status = GSL_ENOMEM;
        break;
      }
      c->next = NULL;
      c->rows = 0;
      if (tail)
        tail->next = c;
      else
        head = c;
      tail = c;
    }
    double *row = tail->v + tail->rows * n_cols;
    status = parse_example(r, line, n_in, n_out, output, flags, row, row + n_in, stats);
    if (status) break;
    tail->rows++;
    rows++;
  }
  if (!status && got < 0) status = -got;
  if (!status && rows == 0) status = no_examples(r);
  bp_dataset *d = NULL;
  if (!status && (d = dataset_alloc(rows, n_in, stats->targets ? n_out : 0)) == NULL) status = GSL_ENOMEM;
  if (status) {
    chunks_free(head);
    return status;
  }
  size_t e = 0;
  while (head) {
    chunk *next = head->next;
    for (size_t k = 0; k < head->rows; k++, e++) {
      const double *row = head->v + k * n_cols;
      memcpy(gsl_matrix_ptr(d->X, e, 0), row, n_in * sizeof *row);
      if (d->T) memcpy(gsl_matrix_ptr(d->T, e, 0), row + n_in, n_out * sizeof *row);
    }
    free(head);
    head = next;
  }
  *out = d;
  return GSL_SUCCESS;
}

/* The shape, output and flags asked for, checked before any file is opened. */
static int check_csv_request(const char *name, size_t n_in, size_t n_out, bp_output output, unsigned flags) {
  if (n_in < 1 || n_in > BP_MLP_MAX_UNITS || n_out < 1 || n_out > BP_MLP_MAX_UNITS)
    BP_ERROR(GSL_EINVAL, "%s: %zu input%s and %zu target%s requested; each must be between 1 and %d", name, n_in,
             n_in == 1 ? "" : "s", n_out, n_out == 1 ? "" : "s", BP_MLP_MAX_UNITS);
  if (output != BP_OUTPUT_LOGISTIC && output != BP_OUTPUT_SOFTMAX)
    BP_ERROR(GSL_EINVAL, "%s: unknown output layer type %d", name, (int)output);
  const unsigned known = BP_DATA_ALLOW_UNNORMALIZED | BP_DATA_LABELS | BP_DATA_TARGETS_OPTIONAL;
  if (flags & ~known) BP_ERROR(GSL_EINVAL, "%s: unknown flags 0x%x", name, flags & ~known);
  if ((flags & BP_DATA_LABELS) && output == BP_OUTPUT_LOGISTIC && n_out != 1)
    BP_ERROR(GSL_EINVAL,
             "%s: class labels (--labels) with logistic outputs need 1 output (classes 0 and 1), not "
             "%zu; independent logistic targets are given as they are, one cell per output",
             name, n_out);
  return GSL_SUCCESS;
}

int bp_dataset_read_stream(FILE *f, const char *name, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                           bp_dataset **out) {
  if (f == NULL || name == NULL || out == NULL)
    BP_ERROR(GSL_EINVAL, "bp_dataset_read_stream: f, name and out must not be NULL");
  int status = check_csv_request(name, n_in, n_out, output, flags);
  if (status) return status;
  line_reader r;
  reader_init(&r, f, name);
  csv_stats stats = {0, 0, 0.0, (flags & BP_DATA_TARGETS_OPTIONAL) ? -1 : 1, 0};
  bp_dataset *d = NULL;
  /* A stream that can report and restore its position gets the two passes; a pipe cannot, and is read once. */
  off_t start = ftello(f);
  status = (start >= 0 && fseeko(f, start, SEEK_SET) == 0)
               ? read_csv_two_pass(&r, start, n_in, n_out, output, flags, &d, &stats)
               : read_csv_one_pass(&r, n_in, n_out, output, flags, &d, &stats);
  reader_free(&r);
  if (status) return status;
  d->n_unnormalized = stats.n_unnormalized;
  d->unnormalized_line = stats.unnormalized_line;
  d->unnormalized_sum = stats.unnormalized_sum;
  *out = d;
  return GSL_SUCCESS;
}

int bp_dataset_read_csv(const char *path, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                        bp_dataset **out) {
  if (path == NULL || out == NULL) BP_ERROR(GSL_EINVAL, "bp_dataset_read_csv: path and out must not be NULL");
  int status = check_csv_request(path, n_in, n_out, output, flags);
  if (status) return status;
  FILE *f = fopen(path, "r");
  if (f == NULL) BP_ERROR(GSL_EFAILED, "%s: cannot open: %s", path, strerror(errno));
  status = bp_dataset_read_stream(f, path, n_in, n_out, output, flags, out);
  fclose(f);
  return status;
}

void bp_dataset_free(bp_dataset *d) {
  if (d == NULL) return;
  if (d->X) gsl_matrix_free(d->X);
  if (d->T) gsl_matrix_free(d->T);
  free(d);
}

/* ---- parameter TSV ----------------------------------------------------------------------------------------- */

/* Cell number `col` (from 0) of a tab-separated line that has more than `col` cells, spaces around it cut off,
 * as [*begin, *end). */
static void tsv_cell(char *line, size_t col, char **begin, char **end) {
  char *p = line;
  for (size_t c = 0; c < col; c++) p = strchr(p, '\t') + 1;
  char *e = p + strcspn(p, "\t");
  while (p < e && *p == ' ') p++;
  while (e > p && e[-1] == ' ') e--;
  *begin = p;
  *end = e;
}

static int cell_is(const char *begin, const char *end, const char *name) {
  size_t len = (size_t)(end - begin);
  return len == strlen(name) && strncmp(begin, name, len) == 0;
}

/* Finds the `param` and `value` columns of the header line. */
static int tsv_header(const line_reader *r, char *line, size_t *n_cols, size_t *param_col, size_t *value_col) {
  const char *names[2] = {"param", "value"};
  size_t where[2] = {SIZE_MAX, SIZE_MAX};
  *n_cols = count_cells(line, '\t');
  for (size_t c = 0; c < *n_cols; c++) {
    char *begin, *end;
    tsv_cell(line, c, &begin, &end);
    for (int k = 0; k < 2; k++)
      if (cell_is(begin, end, names[k])) {
        if (where[k] != SIZE_MAX)
          BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: the header names the column '%s' twice (cells %zu and %zu)", r->path,
                   r->lineno, c + 1, names[k], where[k] + 1, c + 1);
        where[k] = c;
      }
  }
  for (int k = 0; k < 2; k++)
    if (where[k] == SIZE_MAX)
      BP_ERROR(GSL_EINVAL, "%s:%zu: the header has no column named '%s' (it needs 'param' and 'value', tab-separated)",
               r->path, r->lineno, names[k]);
  *param_col = where[0];
  *value_col = where[1];
  return GSL_SUCCESS;
}

/* One data line: resolves the name, rejects a second sighting, parses the value. line_of[k] is the line that set
 * parameter k, 0 while unseen. */
static int tsv_row(const line_reader *r, const bp_mlp *net, char *line, size_t n_cols, size_t param_col,
                   size_t value_col, double *values, size_t *line_of) {
  size_t found = count_cells(line, '\t');
  if (found != n_cols)
    BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu tab-separated cells, expected %zu as in the header", r->path, r->lineno,
             found, n_cols);
  char *nb, *ne, *vb, *ve;
  tsv_cell(line, param_col, &nb, &ne);
  tsv_cell(line, value_col, &vb, &ve);
  /* The name is terminated in place for bp_mlp_param_index; the value cell is elsewhere on the line. */
  char saved = *ne;
  *ne = '\0';
  size_t k;
  int status = bp_mlp_param_index(net, nb, &k);
  if (status) {
    char why[512];
    snprintf(why, sizeof why, "%s", bp_error_message());
    BP_ERROR(status, "%s:%zu:%zu: unknown parameter: %s", r->path, r->lineno, param_col + 1, why);
  }
  if (line_of[k] != 0)
    BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: duplicated parameter '%s', set on lines %zu and %zu", r->path, r->lineno,
             param_col + 1, nb, line_of[k], r->lineno);
  double v = 0.0;
  cell_status st = parse_cell(vb, ve, &v);
  if (st != CELL_OK) {
    char what[96];
    snprintf(what, sizeof what, "the value of %s in cell", nb); /* the name is still terminated here */
    cell_error(r->path, r->lineno, value_col + 1, what, vb, ve, st);
    return GSL_EINVAL;
  }
  *ne = saved;
  values[k] = v;
  line_of[k] = r->lineno;
  return GSL_SUCCESS;
}

static int read_tsv_values(line_reader *r, const bp_mlp *net, double *values, size_t *line_of) {
  size_t n_cols = 0, param_col = 0, value_col = 0;
  int have_header = 0;
  char *line;
  int got;
  while ((got = reader_next(r, &line, 1)) > 0) {
    if (line[0] == '#' || all_blank(line)) continue;
    int status = have_header ? tsv_row(r, net, line, n_cols, param_col, value_col, values, line_of)
                             : tsv_header(r, line, &n_cols, &param_col, &value_col);
    if (status) return status;
    have_header = 1;
  }
  if (got < 0) return -got;
  if (!have_header)
    BP_ERROR(GSL_EINVAL, "%s: no header line (expected tab-separated columns 'param' and 'value')", r->path);
  size_t missing = 0, first = 0;
  for (size_t k = 0; k < net->n_params; k++)
    if (line_of[k] == 0 && missing++ == 0) first = k;
  if (missing) {
    char name[64];
    bp_mlp_param_name(net, first, name, sizeof name);
    BP_ERROR(GSL_EINVAL, "%s: %zu of the network's %zu parameters are missing, the first being '%s'", r->path, missing,
             net->n_params, name);
  }
  return GSL_SUCCESS;
}

/* Reads every parameter's value by name into out (n_params entries, the layout of net->params); out is written
 * only after the whole stream has been read and checked. The parameters and a gradient share this reader. */
static int read_by_name(FILE *f, const char *name, const bp_mlp *net, gsl_vector *out) {
  size_t n = net->n_params;
  double *values = bp_malloc(n * sizeof *values);
  size_t *line_of = values ? bp_calloc(n, sizeof *line_of) : NULL;
  if (line_of == NULL) {
    free(values);
    return GSL_ENOMEM;
  }
  line_reader r;
  reader_init(&r, f, name);
  int status = read_tsv_values(&r, net, values, line_of);
  reader_free(&r);
  if (!status) {
    gsl_vector_const_view v = gsl_vector_const_view_array(values, n);
    gsl_vector_memcpy(out, &v.vector);
  }
  free(values);
  free(line_of);
  return status;
}

static int read_by_name_path(const char *path, const bp_mlp *net, gsl_vector *out) {
  FILE *f = fopen(path, "r");
  if (f == NULL) BP_ERROR(GSL_EFAILED, "%s: cannot open: %s", path, strerror(errno));
  int status = read_by_name(f, path, net, out);
  fclose(f);
  return status;
}

static int check_vector(const char *who, const bp_mlp *net, const gsl_vector *v) {
  if (v->size != net->n_params)
    BP_ERROR(GSL_EBADLEN, "%s: the vector has %zu entries, the network %zu parameters", who, v->size, net->n_params);
  return GSL_SUCCESS;
}

int bp_params_read_stream(FILE *f, const char *name, bp_mlp *net) {
  if (f == NULL || name == NULL || net == NULL || net->params == NULL)
    BP_ERROR(GSL_EINVAL, "bp_params_read_stream: f, name and net must not be NULL");
  return read_by_name(f, name, net, net->params);
}

int bp_params_read_tsv(const char *path, bp_mlp *net) {
  if (path == NULL || net == NULL || net->params == NULL)
    BP_ERROR(GSL_EINVAL, "bp_params_read_tsv: path and net must not be NULL");
  return read_by_name_path(path, net, net->params);
}

int bp_params_write_stream(FILE *f, const bp_mlp *net, const char *comment) {
  if (f == NULL || net == NULL || net->params == NULL)
    BP_ERROR(GSL_EINVAL, "bp_params_write_stream: f and net must not be NULL");
  if (comment) fprintf(f, "# %s\n", comment);
  fprintf(f, "param\tvalue\n");
  for (size_t k = 0; k < net->n_params; k++) {
    char name[64];
    bp_mlp_param_name(net, k, name, sizeof name);
    fprintf(f, "%s\t%.17g\n", name, gsl_vector_get(net->params, k));
  }
  return ferror(f) ? GSL_EFAILED : GSL_SUCCESS;
}

int bp_params_write_tsv(const char *path, const bp_mlp *net, const char *comment) {
  if (path == NULL || net == NULL || net->params == NULL)
    BP_ERROR(GSL_EINVAL, "bp_params_write_tsv: path and net must not be NULL");
  size_t len = strlen(path) + 5;
  char *tmp = bp_malloc(len);
  if (tmp == NULL) BP_ERROR(GSL_ENOMEM, "%s: out of memory", path);
  snprintf(tmp, len, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f == NULL) {
    bp_error_set("%s: cannot write: %s", path, strerror(errno));
    free(tmp);
    return GSL_EFAILED;
  }
  errno = 0;
  int bad = bp_params_write_stream(f, net, comment) != GSL_SUCCESS, err = errno;
  if (fclose(f) != 0 && !bad) bad = 1, err = errno;
  if (!bad && rename(tmp, path) != 0) bad = 1, err = errno;
  if (bad) {
    bp_error_set("%s: cannot write: %s", path, strerror(err ? err : EIO));
    remove(tmp);
    free(tmp);
    return GSL_EFAILED;
  }
  free(tmp);
  return GSL_SUCCESS;
}

int bp_gradient_read_stream(FILE *f, const char *name, const bp_mlp *net, gsl_vector *grad) {
  if (f == NULL || name == NULL || net == NULL || grad == NULL)
    BP_ERROR(GSL_EINVAL, "bp_gradient_read_stream: f, name, net and grad must not be NULL");
  int status = check_vector("bp_gradient_read_stream", net, grad);
  return status ? status : read_by_name(f, name, net, grad);
}

int bp_gradient_read_tsv(const char *path, const bp_mlp *net, gsl_vector *grad) {
  if (path == NULL || net == NULL || grad == NULL)
    BP_ERROR(GSL_EINVAL, "bp_gradient_read_tsv: path, net and grad must not be NULL");
  int status = check_vector("bp_gradient_read_tsv", net, grad);
  return status ? status : read_by_name_path(path, net, grad);
}
