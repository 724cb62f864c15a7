/* bench_train.c - the time of one training epoch (`make bench`): digits (1797 x 64, 10 classes, from Debian's
 * python3-sklearn; a seeded stand-in of the same shape when it is missing), a 64-100-10 network, minibatches of 32,
 * momentum 0.9, inputs standardised. The seconds are the steps' alone (train.h: evaluations and checks excluded).
 * Writes the data it trained on to PATH so that bench/bench_train.py times the same loop in NumPy on the same
 * numbers. Prints "ms_per_epoch N" last. Nothing is asserted on time.
 *
 *   bench_train PATH.csv [EPOCHS] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "datasets.h"
#include "train.h"

/* digits from scikit-learn's file, or a stand-in: 1797 rows of 64 pixels 0..16 whose class is drawn from them. */
static bp_dataset *digits(const char **source) {
  char path[512], cmd[600];
  snprintf(path, sizeof path, "%s/digits.csv.gz", BP_DATASETS_SKLEARN_DIR);
  bp_dataset *d = NULL;
  size_t k = 0;
  if (access(path, R_OK) == 0) {
    snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    int status = f ? bp_datasets_read_labelled(f, path, 0, BP_TARGETS_ONEHOT, &d, &k) : GSL_EFAILED;
    if (f) pclose(f);
    if (status == GSL_SUCCESS) return *source = "scikit-learn's digits", d;
  }
  *source = "a stand-in of digits' shape (python3-sklearn is missing)";
  gsl_rng *rng = bp_rng_alloc(20261204);
  gsl_matrix *X = rng ? bp_matrix_alloc(1797, 64) : NULL;
  size_t *labels = X ? calloc(1797, sizeof *labels) : NULL;
  if (labels) {
    for (size_t r = 0; r < 1797; r++) {
      labels[r] = gsl_rng_uniform_int(rng, 10);
      for (size_t j = 0; j < 64; j++)
        gsl_matrix_set(X, r, j, (double)((j * 7 + labels[r] * 13) % 17 > 8 ? gsl_rng_uniform_int(rng, 17) : 0));
    }
    if (bp_datasets_from_labels(X, labels, 10, BP_TARGETS_ONEHOT, &d)) d = NULL;
  }
  free(labels);
  if (X) gsl_matrix_free(X);
  if (rng) gsl_rng_free(rng);
  return d;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_train PATH.csv [EPOCHS]\n");
    return 2;
  }
  size_t epochs = argc > 2 ? (size_t)atol(argv[2]) : 20;
  const char *source = "";
  bp_dataset *d = digits(&source);
  if (d == NULL) {
    fprintf(stderr, "bench_train: %s\n", bp_error_message());
    return 1;
  }
  FILE *f = fopen(argv[1], "w");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  for (size_t r = 0; r < d->X->size1; r++) {
    for (size_t j = 0; j < 64; j++) fprintf(f, "%g,", gsl_matrix_get(d->X, r, j));
    size_t c = 0;
    while (gsl_matrix_get(d->T, r, c) != 1.0) c++;
    fprintf(f, "%zu\n", c);
  }
  fclose(f);
  const size_t sizes[] = {64, 100, 10};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  bp_train_options o = bp_train_options_default();
  o.epochs = epochs, o.batch = 32, o.lr = 0.1, o.momentum = 0.9, o.standardize = 1, o.check_every = 0;
  o.full_check_max = 0;
  bp_train_log *log = NULL;
  if (net == NULL || bp_train_run(net, d, NULL, &o, &log)) {
    fprintf(stderr, "bench_train: %s\n", bp_error_message());
    return 1;
  }
  const bp_train_record *last = &log->records[epochs];
  printf("bpcheck train: %s, 64-100-10, batch 32, %zu epochs: training accuracy %.4f, %zu of %zu checks pass\n", source,
         epochs, last->accuracy, log->n_checks_passed, log->n_checks);
  printf("ms_per_epoch %.3f\n", 1e3 * last->seconds / (double)epochs);
  bp_train_log_free(log);
  bp_mlp_free(net);
  bp_dataset_free(d);
  return 0;
}
