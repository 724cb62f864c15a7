/* datasets.c - the generators and the reader of scikit-learn's labelled CSV (see datasets.h). */
#include "datasets.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>

#include "core.h"

const bp_dataset_info bp_datasets[] = {
    {"spiral", "three interleaved spiral arms, 100 points each (CS231n's case study, noise 0.2)", NULL, 0, 0, 2, 3},
    {"xor", "200 points in [-1, 1]^2, class 1 where the two coordinates differ in sign (noise 0.1)", NULL, 0, 0, 2, 2},
    {"circles", "200 points on two circles of radius 1 and 0.5 (noise 0.1)", NULL, 0, 0, 2, 2},
    {"iris", "scikit-learn's iris: 150 flowers, 4 measurements, 3 species", "iris.csv", 0, 1, 4, 3},
    {"breast-cancer", "scikit-learn's breast cancer: 569 tumours, 30 features, malignant (0) or benign (1)",
     "breast_cancer.csv", 0, 1, 30, 2},
    {"digits", "scikit-learn's digits: 1797 images of 8 x 8 pixels (0-16), 10 digits", "digits.csv.gz", 1, 0, 64, 10},
};
const size_t bp_datasets_count = sizeof bp_datasets / sizeof bp_datasets[0];

const bp_dataset_info *bp_datasets_find(const char *name) {
  for (size_t k = 0; name && k < bp_datasets_count; k++)
    if (strcmp(bp_datasets[k].name, name) == 0) return &bp_datasets[k];
  return NULL;
}

int bp_datasets_from_labels(const gsl_matrix *X, const size_t *labels, size_t n_classes, bp_targets targets,
                            bp_dataset **out) {
  if (X == NULL || labels == NULL || out == NULL)
    BP_ERROR(GSL_EINVAL, "bp_datasets_from_labels: X, labels and out must be given");
  if (n_classes < 2 || n_classes > BP_DATASETS_MAX_CLASSES)
    BP_ERROR(GSL_EINVAL, "bp_datasets_from_labels: %zu classes; a data set needs between 2 and %d", n_classes,
             BP_DATASETS_MAX_CLASSES);
  if (targets == BP_TARGETS_BINARY && n_classes != 2)
    BP_ERROR(GSL_EINVAL, "bp_datasets_from_labels: a binary target needs 2 classes, not %zu", n_classes);
  if (targets != BP_TARGETS_ONEHOT && targets != BP_TARGETS_BINARY && targets != BP_TARGETS_INDEX)
    BP_ERROR(GSL_EINVAL, "bp_datasets_from_labels: unknown target encoding %d", (int)targets);
  size_t n = X->size1;
  for (size_t r = 0; r < n; r++)
    if (labels[r] >= n_classes)
      BP_ERROR(GSL_EINVAL, "bp_datasets_from_labels: example %zu has class %zu, but there are %zu classes", r,
               labels[r], n_classes);
  bp_dataset *d = bp_calloc(1, sizeof *d);
  if (d == NULL) return GSL_ENOMEM;
  d->X = bp_matrix_alloc(n, X->size2);
  d->T = d->X ? bp_matrix_alloc(n, targets == BP_TARGETS_ONEHOT ? n_classes : 1) : NULL;
  if (d->T == NULL) {
    bp_dataset_free(d);
    return GSL_ENOMEM;
  }
  gsl_matrix_memcpy(d->X, X);
  for (size_t r = 0; r < n; r++) {
    if (targets == BP_TARGETS_ONEHOT)
      gsl_matrix_set(d->T, r, labels[r], 1.0); /* the rest of the row is zero: bp_matrix_alloc zeroes */
    else
      gsl_matrix_set(d->T, r, 0, (double)labels[r]);
  }
  *out = d;
  return GSL_SUCCESS;
}

/* Points and labels made by a generator, then encoded: the scratch both generators and the reader share. */
typedef struct {
  gsl_matrix *X;
  size_t *labels;
} labelled;

static int labelled_alloc(labelled *s, size_t n, size_t n_features) {
  s->X = bp_matrix_alloc(n, n_features);
  s->labels = s->X ? bp_calloc(n, sizeof *s->labels) : NULL;
  if (s->labels == NULL) {
    if (s->X) gsl_matrix_free(s->X);
    s->X = NULL;
    return GSL_ENOMEM;
  }
  return GSL_SUCCESS;
}

static int labelled_finish(labelled *s, size_t n_classes, bp_targets targets, bp_dataset **out) {
  int status = bp_datasets_from_labels(s->X, s->labels, n_classes, targets, out);
  gsl_matrix_free(s->X);
  free(s->labels);
  return status;
}

static int check_generator(const char *who, gsl_rng *rng, size_t n, double noise, bp_dataset **out) {
  if (rng == NULL || out == NULL) BP_ERROR(GSL_EINVAL, "%s: the generator and out must be given", who);
  if (n < 1 || n > 10000000) BP_ERROR(GSL_EINVAL, "%s: %zu points; between 1 and 10000000 please", who, n);
  if (!(noise >= 0.0) || !isfinite(noise))
    BP_ERROR(GSL_EINVAL, "%s: the noise must be finite and >= 0, not %g", who, noise);
  return GSL_SUCCESS;
}

int bp_datasets_spiral(gsl_rng *rng, size_t n_per_class, size_t n_classes, double noise, bp_targets targets,
                       bp_dataset **out) {
  int status = check_generator("bp_datasets_spiral", rng, n_per_class, noise, out);
  if (status) return status;
  if (n_classes < 2 || n_classes > BP_DATASETS_MAX_CLASSES || n_per_class < 2 || n_per_class * n_classes > 10000000)
    BP_ERROR(GSL_EINVAL, "bp_datasets_spiral: %zu arms of %zu points; at least 2 of 2, at most %d arms", n_classes,
             n_per_class, BP_DATASETS_MAX_CLASSES);
  labelled s;
  if ((status = labelled_alloc(&s, n_per_class * n_classes, 2))) return status;
  for (size_t k = 0; k < n_classes; k++)
    for (size_t i = 0; i < n_per_class; i++) {
      size_t row = k * n_per_class + i;
      double u = (double)i / (double)(n_per_class - 1); /* 0 .. 1 along the arm */
      double theta = 4.0 * (double)k + 4.0 * u + gsl_ran_gaussian(rng, noise);
      gsl_matrix_set(s.X, row, 0, u * sin(theta));
      gsl_matrix_set(s.X, row, 1, u * cos(theta));
      s.labels[row] = k;
    }
  return labelled_finish(&s, n_classes, targets, out);
}

int bp_datasets_xor(gsl_rng *rng, size_t n, double noise, bp_targets targets, bp_dataset **out) {
  int status = check_generator("bp_datasets_xor", rng, n, noise, out);
  labelled s;
  if (status || (status = labelled_alloc(&s, n, 2))) return status;
  for (size_t r = 0; r < n; r++) {
    double a = 2.0 * gsl_rng_uniform(rng) - 1.0, b = 2.0 * gsl_rng_uniform(rng) - 1.0;
    s.labels[r] = (a > 0.0) != (b > 0.0);
    gsl_matrix_set(s.X, r, 0, a + gsl_ran_gaussian(rng, noise));
    gsl_matrix_set(s.X, r, 1, b + gsl_ran_gaussian(rng, noise));
  }
  return labelled_finish(&s, 2, targets, out);
}

int bp_datasets_circles(gsl_rng *rng, size_t n, double noise, double factor, bp_targets targets, bp_dataset **out) {
  int status = check_generator("bp_datasets_circles", rng, n, noise, out);
  if (status) return status;
  if (!(factor > 0.0 && factor < 1.0))
    BP_ERROR(GSL_EINVAL, "bp_datasets_circles: the inner radius must lie in (0, 1), not %g", factor);
  if (n < 2) BP_ERROR(GSL_EINVAL, "bp_datasets_circles: two circles need at least 2 points, not %zu", n);
  labelled s;
  if ((status = labelled_alloc(&s, n, 2))) return status;
  size_t n_outer = n - n / 2, n_inner = n / 2;
  for (size_t r = 0; r < n; r++) {
    int inner = r >= n_outer;
    size_t i = inner ? r - n_outer : r, m = inner ? n_inner : n_outer;
    double angle = 2.0 * M_PI * (double)i / (double)m, radius = inner ? factor : 1.0;
    gsl_matrix_set(s.X, r, 0, radius * cos(angle) + gsl_ran_gaussian(rng, noise));
    gsl_matrix_set(s.X, r, 1, radius * sin(angle) + gsl_ran_gaussian(rng, noise));
    s.labels[r] = (size_t)inner;
  }
  return labelled_finish(&s, 2, targets, out);
}

/* ---- scikit-learn's labelled CSV ------------------------------------------------------------------------------ */

/* Its lines are short (digits: about 200 characters); a longer one is reported, not split. */
#define LINE_MAX_BYTES 8192

typedef struct {
  FILE *f;
  const char *name;
  size_t lineno;
  char line[LINE_MAX_BYTES];
} sk_reader;

/* The next line without its end-of-line: 1, 0 at the end, or a negated status. */
static int sk_next(sk_reader *r) {
  if (fgets(r->line, sizeof r->line, r->f) == NULL) {
    if (ferror(r->f)) {
      bp_error_set("%s:%zu: read error: %s", r->name, r->lineno + 1, strerror(errno));
      return -GSL_EFAILED;
    }
    return 0;
  }
  r->lineno++;
  size_t len = strlen(r->line);
  if (len == sizeof r->line - 1 && r->line[len - 1] != '\n') {
    bp_error_set("%s:%zu: the line is longer than %d bytes", r->name, r->lineno, LINE_MAX_BYTES - 2);
    return -GSL_EINVAL;
  }
  while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r')) r->line[--len] = '\0';
  return 1;
}

/* Cell `col` (from 1) of the line as a finite number at *p, advancing *p past its comma. */
static int sk_number(sk_reader *r, char **p, size_t col, double *v) {
  char *end;
  errno = 0;
  *v = strtod(*p, &end);
  while (*end == ' ' || *end == '\t') end++;
  if (end == *p || (*end != ',' && *end != '\0') || !isfinite(*v) || errno == ERANGE) {
    size_t len = strcspn(*p, ",");
    BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: '%.*s' is not a finite number", r->name, r->lineno, col,
             (int)(len > 40 ? 40 : len), *p);
  }
  *p = end + (*end == ',');
  return GSL_SUCCESS;
}

/* A cell that starts like a number (a header line of names does not). */
static int number_starts(const char *p) {
  char *end;
  (void)strtod(p, &end);
  return end != p;
}

/* scikit-learn's first line: "n_samples,n_features,name,...". */
static int sk_header(sk_reader *r, size_t *n_samples, size_t *n_features) {
  int got = sk_next(r);
  if (got <= 0) {
    if (got == 0)
      bp_error_set("%s: empty file (expected scikit-learn's header line n_samples,n_features,...)", r->name);
    return got ? -got : GSL_EINVAL;
  }
  char *p = r->line;
  double a, b;
  if (sk_number(r, &p, 1, &a) || sk_number(r, &p, 2, &b) || a < 1 || b < 1 || a != floor(a) || b != floor(b) ||
      a > 1e7 || b > BP_MLP_MAX_UNITS)
    BP_ERROR(GSL_EINVAL, "%s:1: expected scikit-learn's header n_samples,n_features,... with two positive counts",
             r->name);
  *n_samples = (size_t)a;
  *n_features = (size_t)b;
  return GSL_SUCCESS;
}

/* Grows the scratch to hold `need` rows of n_features. */
static int sk_grow(labelled *s, size_t *cap, size_t need, size_t n_features) {
  if (need <= *cap) return GSL_SUCCESS;
  size_t cap2 = *cap ? 2 * *cap : 256;
  gsl_matrix *X = bp_matrix_alloc(cap2, n_features);
  size_t *labels = X ? bp_realloc(s->labels, cap2 * sizeof *labels) : NULL;
  if (labels == NULL) {
    if (X) gsl_matrix_free(X);
    return GSL_ENOMEM;
  }
  if (s->X) {
    gsl_matrix_view top = gsl_matrix_submatrix(X, 0, 0, *cap, n_features);
    gsl_matrix_memcpy(&top.matrix, s->X);
    gsl_matrix_free(s->X);
  }
  s->X = X;
  s->labels = labels;
  *cap = cap2;
  return GSL_SUCCESS;
}

/* One data line: n_features numbers, then the label, into row `row` of the scratch. The line's width fixes
 * n_features when it is 0 (no header). */
static int sk_row(sk_reader *r, labelled *s, size_t *cap, size_t row, size_t *n_features, size_t *max_label,
                  size_t n_classes) {
  size_t cells = 1;
  for (const char *c = r->line; *c; c++) cells += (*c == ',');
  if (*n_features == 0) *n_features = cells - 1;
  if (cells != *n_features + 1 || cells < 2)
    BP_ERROR(GSL_EINVAL, "%s:%zu: found %zu cells, expected %zu features and a class label", r->name, r->lineno, cells,
             *n_features);
  int status = sk_grow(s, cap, row + 1, *n_features);
  char *p = r->line;
  double v;
  for (size_t c = 0; !status && c < *n_features; c++)
    if (!(status = sk_number(r, &p, c + 1, &v))) gsl_matrix_set(s->X, row, c, v);
  if (!status && (status = sk_number(r, &p, cells, &v)) == GSL_SUCCESS &&
      (v < 0 || v != floor(v) || v >= BP_DATASETS_MAX_CLASSES))
    BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: the class label must be an integer from 0 to %d, not %g", r->name, r->lineno,
             cells, BP_DATASETS_MAX_CLASSES - 1, v);
  if (status) return status;
  if (n_classes && v >= (double)n_classes)
    BP_ERROR(GSL_EINVAL, "%s:%zu:%zu: class %g, but there are %zu classes (0 to %zu)", r->name, r->lineno, cells, v,
             n_classes, n_classes - 1);
  s->labels[row] = (size_t)v;
  if (s->labels[row] > *max_label) *max_label = s->labels[row];
  return GSL_SUCCESS;
}

int bp_datasets_read_labelled(FILE *f, const char *name, int header, bp_targets targets, bp_dataset **out,
                              size_t *n_classes) {
  if (f == NULL || name == NULL || out == NULL || n_classes == NULL)
    BP_ERROR(GSL_EINVAL, "bp_datasets_read_labelled: f, name, out and n_classes must be given");
  if (*n_classes == 1 || *n_classes > BP_DATASETS_MAX_CLASSES)
    BP_ERROR(GSL_EINVAL, "%s: %zu classes asked for; between 2 and %d", name, *n_classes, BP_DATASETS_MAX_CLASSES);
  sk_reader *r = bp_malloc(sizeof *r);
  if (r == NULL) return GSL_ENOMEM;
  *r = (sk_reader){.f = f, .name = name};
  size_t n_samples = 0, n_features = 0, rows = 0, cap = 0, max_label = 0;
  labelled s = {NULL, NULL};
  int status = header ? sk_header(r, &n_samples, &n_features) : GSL_SUCCESS, got = 0;
  while (!status && (got = sk_next(r)) > 0) {
    const char *first = r->line + strspn(r->line, " \t");
    if (*first == '\0' || *first == '#') continue;               /* a blank line, a comment */
    if (!header && rows == 0 && !number_starts(first)) continue; /* a header of names ("x1,x2,class") */
    status = sk_row(r, &s, &cap, rows, &n_features, &max_label, *n_classes);
    rows += !status;
  }
  if (!status && got < 0) status = -got;
  if (!status && rows == 0) status = (bp_error_set("%s: no examples", name), GSL_EINVAL);
  if (!status && header && rows != n_samples)
    status =
        (bp_error_set("%s: the header announces %zu examples, the file holds %zu", name, n_samples, rows), GSL_EINVAL);
  if (!status) {
    gsl_matrix_view used = gsl_matrix_submatrix(s.X, 0, 0, rows, n_features);
    size_t k = *n_classes ? *n_classes : max_label + 1 < 2 ? 2 : max_label + 1;
    status = bp_datasets_from_labels(&used.matrix, s.labels, k, targets, out);
    if (!status) *n_classes = k;
  }
  if (s.X) gsl_matrix_free(s.X);
  free(s.labels);
  free(r);
  return status;
}
