/* datasets.h - data sets to train on: seeded generators in the plane (the spiral of CS231n's case study, xor,
 * circles) and a reader for the labelled CSV files scikit-learn ships (iris, breast cancer, digits).
 *
 * Every data set is a set of examples with a class label each, turned into the targets of a bp_dataset (data.h)
 * by one of three encodings:
 *   BP_TARGETS_ONEHOT  K columns, t_k = 1 for the example's class k (softmax outputs, eq. (26) wants rows that sum
 *                      to 1);
 *   BP_TARGETS_BINARY  one column holding the class, 0 or 1 (two classes only: one logistic output, eq. (36));
 *   BP_TARGETS_INDEX   one column holding the class index 0..K-1 (a file for `--labels`).
 * The library reads and generates; it never prints and never opens a pipe: a gzipped file is decompressed by the
 * caller (the command runs `gzip -dc`) and handed over as a stream. */
#ifndef BP_DATASETS_H
#define BP_DATASETS_H

#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { BP_TARGETS_ONEHOT, BP_TARGETS_BINARY, BP_TARGETS_INDEX } bp_targets;

/* The most classes a label may name: a one-hot target row of this many columns is still small. */
#define BP_DATASETS_MAX_CLASSES 1000

/* A new dataset with inputs X (copied) and targets from labels[r] in 0..n_classes-1 by `targets`. GSL_EINVAL for
 * a label out of range, BP_TARGETS_BINARY with n_classes != 2, or n_classes outside 2..BP_DATASETS_MAX_CLASSES. */
int bp_datasets_from_labels(const gsl_matrix *X, const size_t *labels, size_t n_classes, bp_targets targets,
                            bp_dataset **out);

/* The three-class spiral of CS231n's case study, K arms of n points each (n K examples, 2 inputs): for class k and
 * i = 0..n-1, r = i / (n - 1), theta = 4 k + 4 i / (n - 1) + noise N(0, 1), x = (r sin theta, r cos theta).
 * Classes come in order (the first n rows are class 0). noise 0.2 is the case study's. */
int bp_datasets_spiral(gsl_rng *rng, size_t n_per_class, size_t n_classes, double noise, bp_targets targets,
                       bp_dataset **out);
/* xor: n points uniform in [-1, 1]^2, each moved by N(0, noise^2) per coordinate, labelled 1 when the signs of the
 * two coordinates of the point BEFORE the noise differ (the xor of x1 > 0 and x2 > 0), else 0. */
int bp_datasets_xor(gsl_rng *rng, size_t n, double noise, bp_targets targets, bp_dataset **out);
/* circles (as scikit-learn's make_circles): n points, half of them (the odd count rounding to the outer circle)
 * equally spaced on the unit circle (class 0) and the rest on a circle of radius `factor` (class 1), each
 * coordinate moved by N(0, noise^2). 0 < factor < 1. */
int bp_datasets_circles(gsl_rng *rng, size_t n, double noise, double factor, bp_targets targets, bp_dataset **out);

/* A labelled CSV as scikit-learn ships it (and `bpcheck data --labels` writes it): one example a line, n_features
 * numbers, then an integer class label 0..K-1. header = 1: the first line is scikit-learn's "n_samples,n_features,
 * class names..." (iris.csv, breast_cancer.csv), checked against what follows; header = 0: none (digits.csv.gz,
 * decompressed), or a first line of names ("x1,x2,class") that is skipped. Blank lines and lines starting with '#'
 * are skipped. On entry *n_classes is the number of classes K (every label must be below it), or 0 to take the
 * largest label + 1 (at least 2); on success it is K. Messages name `name` and the line: "NAME:LINE: ...". */
int bp_datasets_read_labelled(FILE *f, const char *name, int header, bp_targets targets, bp_dataset **out,
                              size_t *n_classes);

/* The data sets `bpcheck data NAME` knows, generated or read from scikit-learn's files. */
typedef struct {
  const char *name;        /* "spiral", "iris", ... */
  const char *description; /* one line */
  const char *file;        /* scikit-learn's file under BP_DATASETS_SKLEARN_DIR, NULL for a generated set */
  int gzipped, header;     /* how to read the file */
  size_t n_features, n_classes;
} bp_dataset_info;

/* Where Debian's python3-sklearn installs the files (the package is named in messages). */
#define BP_DATASETS_SKLEARN_DIR "/usr/lib/python3/dist-packages/sklearn/datasets/data"
#define BP_DATASETS_SKLEARN_PACKAGE "python3-sklearn"

extern const bp_dataset_info bp_datasets[];
extern const size_t bp_datasets_count;
/* The entry named `name`, or NULL. */
const bp_dataset_info *bp_datasets_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif
