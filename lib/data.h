/* data.h - reading what a user hands to `bpcheck grad`: the --layers list, examples from CSV and parameters
 * from TSV. Every failure returns a GSL status (GSL_EINVAL for bad content, GSL_EFAILED for a file that cannot
 * be read, GSL_ENOMEM) and records a message that names the problem, as "FILE:LINE:COL: ..." where there is a
 * line, read back with bp_error_message(). Nothing is half-returned: on failure the outputs are untouched.
 *
 * CSV: one example per line, n_in input features then n_out targets, separated by commas. A first line none of
 * whose cells is a number is a header. '#' starts a comment that runs to the end of the line; blank lines,
 * a UTF-8 byte order mark, CRLF line endings and spaces or tabs around cells are accepted. Every cell must be
 * a finite number. Targets: in [0, 1] for logistic outputs; for softmax outputs non-negative and summing to 1
 * per row within BP_DATA_SUM_TOL (the assumption behind eq. (26)).
 *
 * Parameter TSV: tab-separated with a header line naming at least the columns `param` and `value` (the format
 * `bpcheck grad --format tsv` writes); lines starting with '#' are comments. Every parameter of the network
 * must appear exactly once, with a finite value. */
#ifndef BP_DATA_H
#define BP_DATA_H

#include <gsl/gsl_matrix.h>

#include "mlp.h"

#define BP_DATA_SUM_TOL 1e-9

typedef struct {
  gsl_matrix *X; /* examples x n_in */
  gsl_matrix *T; /* examples x n_out */
} bp_dataset;

/* "4,5,3" -> n_layers = 2, sizes = {4, 5, 3}. At least two sizes, each within BP_MLP_MAX_UNITS, at most
 * BP_MLP_MAX_LAYERS + 1 of them, digits only between the commas. */
int bp_layers_parse(const char *spec, size_t *n_layers, size_t sizes[BP_MLP_MAX_LAYERS + 1]);

/* Reads path into a newly allocated dataset; *out is set only on success. */
int bp_dataset_read_csv(const char *path, size_t n_in, size_t n_out, bp_output output, bp_dataset **out);
void bp_dataset_free(bp_dataset *d);

/* Sets every entry of net->params from the TSV at path; net->params is unchanged on failure. */
int bp_params_read_tsv(const char *path, bp_mlp *net);

#endif
