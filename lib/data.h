/* data.h - reading what a user hands to `bpcheck grad`: the --layers list, examples from CSV and parameters
 * from TSV. Every failure returns a GSL status (GSL_EINVAL for bad content, GSL_EFAILED for a file that cannot
 * be read, GSL_ENOMEM) and records a message that names the problem, as "FILE:LINE:COL: ..." where there is a
 * line, read back with bp_error_message(). Nothing is half-returned: on failure the outputs are untouched.
 * Each reader takes a path, or an open stream and the name its messages give it (fmemopen, stdin, a pipe).
 *
 * CSV: one example per line, n_in input features then n_out targets, separated by commas (a line separated by
 * semicolons, tabs or spaces is an error that says so). With BP_DATA_LABELS the targets are one cell, a class
 * index: 0..n_out-1 read as the one-hot row for softmax outputs, 0 or 1 as the target for one logistic output. A first line none of whose cells is a number is a
 * header; one holding a number, whatever its separator, is data. '#' starts a comment that runs to the end of the line; blank lines,
 * a UTF-8 byte order mark, CRLF line endings and spaces or tabs around cells are accepted. Every cell must be
 * a finite number. Targets: in [0, 1] for logistic outputs; for softmax outputs non-negative and summing to 1
 * per row within BP_DATA_SUM_TOL (the assumption behind eq. (26)); with BP_DATA_ALLOW_UNNORMALIZED, rows that
 * do not sum to 1 are accepted and counted in the dataset, so the caller can warn.
 *
 * Memory: a stream that can seek (a file, fmemopen) is read twice, first counting the examples, then parsing
 * them straight into X and T of their final size: the matrices plus one line, never a copy of the data. A pipe
 * cannot be read twice: it is read once into fixed-size chunks, then copied, about twice the matrices at the peak.
 *
 * Parameter TSV: tab-separated with a header line naming at least the columns `param` and `value` (the format
 * `bpcheck grad --format tsv` writes); lines starting with '#' are comments. Every parameter of the network
 * must appear exactly once, with a finite value; a message names the file, the line and the parameter. The same
 * format holds a gradient (bp_gradient_read_*): the `value` of W1[0,2] is then dE/dW1[0,2]. */
#ifndef BP_DATA_H
#define BP_DATA_H

#include <stdio.h>

#include <gsl/gsl_matrix.h>

#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BP_DATA_SUM_TOL 1e-9

/* Flags of the CSV readers. */
#define BP_DATA_ALLOW_UNNORMALIZED 0x1u /* softmax targets that do not sum to 1: counted, not an error */
#define BP_DATA_LABELS 0x2u /* targets as one cell, a class index: one-hot rows (softmax) or 0/1 (1 logistic) */
/* Targets may be absent: the first example line's width decides, n_in cells for inputs alone (the dataset's T is
 * then NULL) or n_in plus the target cells (n_out, or 1 with BP_DATA_LABELS) as without the flag; every later line
 * must have the same width. A line of any other width is an error naming both widths. */
#define BP_DATA_TARGETS_OPTIONAL 0x4u

typedef struct {
  gsl_matrix *X;            /* examples x n_in */
  gsl_matrix *T;            /* examples x n_out; NULL when BP_DATA_TARGETS_OPTIONAL found inputs alone */
  size_t n_unnormalized;    /* softmax rows whose targets do not sum to 1 (only with BP_DATA_ALLOW_UNNORMALIZED) */
  size_t unnormalized_line; /* the line of the first of them, 0 if there is none */
  double unnormalized_sum;  /* the sum of its targets */
} bp_dataset;

/* "4,5,3" -> n_layers = 2, sizes = {4, 5, 3}. At least two sizes, each within BP_MLP_MAX_UNITS, at most
 * BP_MLP_MAX_LAYERS + 1 of them, digits only between the commas. */
int bp_layers_parse(const char *spec, size_t *n_layers, size_t sizes[BP_MLP_MAX_LAYERS + 1]);

/* Reads path into a newly allocated dataset; *out is set only on success. flags: BP_DATA_* or 0. */
int bp_dataset_read_csv(const char *path, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                        bp_dataset **out);
/* The same from f, from its current position to its end; messages call it `name`. The caller closes f. */
int bp_dataset_read_stream(FILE *f, const char *name, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                           bp_dataset **out);
void bp_dataset_free(bp_dataset *d);

/* Sets every entry of net->params from the TSV at path; net->params is unchanged on failure. */
int bp_params_read_tsv(const char *path, bp_mlp *net);
/* The same from f (to its end), called `name` in messages. The caller closes f. */
int bp_params_read_stream(FILE *f, const char *name, bp_mlp *net);

/* Writes every parameter of net in that format, the twin of bp_params_read_*: an optional comment line ("# " and
 * `comment`), the header "param\tvalue", then one line per parameter in net->params' order, the value as %.17g
 * so that it reads back exactly. bp_params_write_tsv writes PATH.tmp and renames it to path, so a failure leaves
 * no half-written file (GSL_EFAILED with a message naming path). */
int bp_params_write_stream(FILE *f, const bp_mlp *net, const char *comment);
int bp_params_write_tsv(const char *path, const bp_mlp *net, const char *comment);

/* A gradient computed elsewhere (a student's backprop in any language), dE/dparams by parameter name in the same
 * format, read into grad: n_params entries in the layout of net->params and net->grad (GSL_EBADLEN otherwise).
 * grad is unchanged on failure. */
int bp_gradient_read_tsv(const char *path, const bp_mlp *net, gsl_vector *grad);
int bp_gradient_read_stream(FILE *f, const char *name, const bp_mlp *net, gsl_vector *grad);

#ifdef __cplusplus
}
#endif

#endif
