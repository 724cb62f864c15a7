/* fuzz_csv.c - libFuzzer target for the CSV reader, bp_dataset_read_stream (`make fuzz`).
 *
 * Byte 0 of an input picks the request, the rest is the CSV:
 *   bits 0-1  n_in - 1        bits 2-3  n_out - 1        bit 4  softmax output (else logistic)
 *   bit 5     BP_DATA_ALLOW_UNNORMALIZED     bit 7  BP_DATA_LABELS (class indices)
 *   bit 6     fault injection: allocations fail after byte 1 & 0x7f of them; byte 1's bit 7 picks the stream
 * Without fault injection every input is read twice: from fmemopen, a stream that can seek (the two-pass
 * reader), and from fopencookie without a seek function, which cannot (the one-pass reader, as for a pipe). Both
 * must give the same status, message and data. Bad input is expected; a finding is a crash, a sanitizer report,
 * a leak, or one of these broken promises, which abort():
 *   - a failure without a message, or one that does not name the file (out of memory aside);
 *   - *out written on failure, or a success without a dataset;
 *   - a dataset of the wrong shape, with a value that is not finite, or with targets the rules exclude (with
 *     BP_DATA_LABELS: a target row that is not one-hot). */
#define _GNU_SOURCE

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core.h"
#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.csv"

static void finding(const char *what, const char *msg) {
  fprintf(stderr, "fuzz_csv: FINDING: %s (message: '%s')\n", what, msg);
  abort();
}

typedef struct {
  size_t n_in, n_out;
  bp_output output;
  unsigned flags;
} request;

/* A read-only stream over memory with no seek function: ftello fails on it, as on a pipe. */
typedef struct {
  const char *p;
  size_t n, pos;
} cookie;

static ssize_t cookie_read(void *c, char *buf, size_t n) {
  cookie *k = c;
  size_t left = k->n - k->pos, take = n < left ? n : left;
  memcpy(buf, k->p + k->pos, take);
  k->pos += take;
  return (ssize_t)take;
}

static FILE *open_stream(char *text, size_t len, int seekable, cookie *k) {
  if (seekable) return fmemopen(text, len, "r");
  k->p = text;
  k->n = len;
  k->pos = 0;
  cookie_io_functions_t io = {cookie_read, NULL, NULL, NULL};
  return fopencookie(k, "r", io);
}

typedef struct {
  int status;
  char msg[512];
  bp_dataset *d;
} result;

/* The promises of data.h about a dataset that was returned. */
static void check_dataset(const bp_dataset *d, const request *q) {
  const char *m = "(success)";
  if (d->X == NULL || d->T == NULL) finding("a dataset without matrices", m);
  size_t rows = d->X->size1;
  if (rows == 0 || d->T->size1 != rows || d->X->size2 != q->n_in || d->T->size2 != q->n_out)
    finding("a dataset of the wrong shape", m);
  size_t unnormalized = 0;
  for (size_t e = 0; e < rows; e++) {
    double sum = 0.0;
    for (size_t j = 0; j < q->n_in; j++)
      if (!isfinite(gsl_matrix_get(d->X, e, j))) finding("an input that is not finite", m);
    for (size_t i = 0; i < q->n_out; i++) {
      double t = gsl_matrix_get(d->T, e, i);
      if (!isfinite(t)) finding("a target that is not finite", m);
      if (q->output == BP_OUTPUT_LOGISTIC && !(t >= 0.0 && t <= 1.0)) finding("a logistic target outside [0, 1]", m);
      if (q->output == BP_OUTPUT_SOFTMAX && !(t >= 0.0)) finding("a negative softmax target", m);
      sum += t;
    }
    if (q->output == BP_OUTPUT_SOFTMAX && !(fabs(sum - 1.0) <= BP_DATA_SUM_TOL)) {
      if (unnormalized++ == 0 && sum != d->unnormalized_sum && !(isnan(sum) && isnan(d->unnormalized_sum)))
        finding("the first unnormalized row's sum is not the one reported", m);
    }
  }
  if (!(q->flags & BP_DATA_ALLOW_UNNORMALIZED) && unnormalized) finding("an unnormalized row without the flag", m);
  if ((q->flags & BP_DATA_LABELS) && q->output == BP_OUTPUT_SOFTMAX)
    for (size_t e = 0; e < rows; e++) {
      size_t ones = 0, zeros = 0;
      for (size_t i = 0; i < q->n_out; i++) {
        double t = gsl_matrix_get(d->T, e, i);
        ones += (t == 1.0);
        zeros += (t == 0.0);
      }
      if (ones != 1 || zeros != q->n_out - 1) finding("a class label that is not a one-hot row", m);
    }
  if ((q->flags & BP_DATA_LABELS) && q->output == BP_OUTPUT_LOGISTIC)
    for (size_t e = 0; e < rows; e++)
      if (gsl_matrix_get(d->T, e, 0) != 0.0 && gsl_matrix_get(d->T, e, 0) != 1.0) finding("a class not 0 or 1", m);
  if (d->n_unnormalized != unnormalized) finding("the count of unnormalized rows is wrong", m);
  if ((unnormalized > 0) != (d->unnormalized_line > 0)) finding("the line of the first unnormalized row is wrong", m);
}

static void read_one(char *text, size_t len, const request *q, int seekable, long fail_after, result *r) {
  cookie k;
  FILE *f = open_stream(text, len, seekable, &k);
  if (f == NULL) abort(); /* the harness, not a finding in the library */
  static bp_dataset sentinel;
  bp_dataset *d = &sentinel;
  bp_error_set("%s", "");
  if (fail_after >= 0) bp_fault_inject_alloc(fail_after);
  r->status = bp_dataset_read_stream(f, NAME, q->n_in, q->n_out, q->output, q->flags, &d);
  bp_fault_inject_alloc(-1);
  fclose(f);
  snprintf(r->msg, sizeof r->msg, "%s", bp_error_message());
  r->d = NULL;
  if (r->status != GSL_SUCCESS) {
    if (d != &sentinel) finding("*out written on failure", r->msg);
    if (r->msg[0] == '\0') finding("a failure without a message", r->msg);
    if (r->status == GSL_ENOMEM) {
      if (strstr(r->msg, "out of memory") == NULL) finding("GSL_ENOMEM without 'out of memory'", r->msg);
    } else if (strncmp(r->msg, NAME ":", strlen(NAME) + 1) != 0) {
      finding("a message that does not name the file", r->msg);
    }
    return;
  }
  if (d == &sentinel || d == NULL) finding("success without a dataset", r->msg);
  check_dataset(d, q);
  r->d = d;
}

static int same_dataset(const bp_dataset *a, const bp_dataset *b) {
  return gsl_matrix_equal(a->X, b->X) && gsl_matrix_equal(a->T, b->T) && a->n_unnormalized == b->n_unnormalized &&
         a->unnormalized_line == b->unnormalized_line &&
         memcmp(&a->unnormalized_sum, &b->unnormalized_sum, sizeof(double)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t cfg = data[0];
  request q = {1 + (cfg & 3u), 1 + ((cfg >> 2) & 3u), (cfg & 0x10u) ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC,
               ((cfg & 0x20u) ? BP_DATA_ALLOW_UNNORMALIZED : 0u) | ((cfg & 0x80u) ? BP_DATA_LABELS : 0u)};
  int inject = (cfg & 0x40u) != 0;
  size_t skip = inject ? 2 : 1;
  if (size < skip) return 0;
  /* A copy of exactly the CSV's bytes, so AddressSanitizer sees any read past its end. */
  size_t len = size - skip;
  char *text = malloc(len ? len : 1);
  if (text == NULL) abort();
  memcpy(text, data + skip, len);
  if (inject) {
    result r;
    read_one(text, len, &q, (data[1] & 0x80u) != 0, (long)(data[1] & 0x7fu), &r);
    bp_dataset_free(r.d);
  } else {
    result a, b;
    read_one(text, len, &q, 1, -1, &a);
    read_one(text, len, &q, 0, -1, &b);
    if (a.status != b.status || strcmp(a.msg, b.msg) != 0) {
      fprintf(stderr, "fuzz_csv: two passes: %d '%s'\nfuzz_csv: one pass:   %d '%s'\n", a.status, a.msg, b.status,
              b.msg);
      finding("the two-pass and the one-pass reader disagree", a.msg);
    }
    if (a.d && !same_dataset(a.d, b.d)) finding("the two-pass and the one-pass reader read different data", a.msg);
    bp_dataset_free(a.d);
    bp_dataset_free(b.d);
  }
  free(text);
  return 0;
}
