/* test_data.c - the readers of what a user hands to `bpcheck grad`: --layers, the example CSV and the parameter
 * TSV. Good files must come back to the exact values; every bad one must fail with a status, a message naming
 * the file, the line and the cell, and untouched outputs. Fixtures live in a fresh directory under /tmp. */
#define _GNU_SOURCE /* fopencookie: streams that cannot seek, or that change between passes */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "core.h"
#include "data.h"
#include "mlp.h"
#include "test_util.h"

int register_data(void);

/* ---- fixtures ---------------------------------------------------------------------------------------------- */

typedef struct {
  char dir[64];
  char path[192];
} fixture;

/* Writes len bytes (NULs allowed) to a file called name in a new temporary directory; 0 on success. */
static int fixture_write(fixture *fx, const char *name, const char *bytes, size_t len) {
  if (bp_test_mkdtemp(fx->dir, sizeof fx->dir, "data")) return 1;
  snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name);
  FILE *f = fopen(fx->path, "wb");
  if (f == NULL) return 1;
  size_t written = fwrite(bytes, 1, len, f);
  return (fclose(f) != 0 || written != len);
}

/* A directory without the file, for the "cannot open" cases. */
static int fixture_absent(fixture *fx, const char *name) {
  if (bp_test_mkdtemp(fx->dir, sizeof fx->dir, "data")) return 1;
  snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name);
  return 0;
}

static void fixture_remove(const fixture *fx) {
  remove(fx->path);
  rmdir(fx->dir);
}

/* Asserts, reporting the caller's line, that a call failed with the expected status and that the message
 * contains every one of up to three fragments (NULL for none); prints the message when it does not. */
static void expect_failure(int status, int want, const char *a, const char *b, const char *c, int line) {
  const char *msg = bp_error_message();
  CU_assertImplementation(status == want, (unsigned)line, "status == expected GSL status", __FILE__, "", CU_FALSE);
  const char *parts[3] = {a, b, c};
  for (int k = 0; k < 3; k++) {
    int found = parts[k] == NULL || strstr(msg, parts[k]) != NULL;
    if (!found) printf("\n  %s:%d: message \"%s\" lacks \"%s\"", __FILE__, line, msg, parts[k]);
    CU_assertImplementation(found, (unsigned)line, "strstr(bp_error_message(), fragment)", __FILE__, "", CU_FALSE);
  }
  if (status != want) printf("\n  %s:%d: status %d, expected %d (%s)", __FILE__, line, status, want, msg);
}

/* ---- --layers ---------------------------------------------------------------------------------------------- */

#define UNTOUCHED_SIZE 777u
#define UNTOUCHED_COUNT 999u

/* Parses a bad spec into sentinel-filled outputs and checks they stayed as they were. */
static void check_layers_error(const char *spec, const char *item, const char *word, int line) {
  size_t n_layers = UNTOUCHED_COUNT, sizes[BP_MLP_MAX_LAYERS + 1];
  for (size_t l = 0; l <= BP_MLP_MAX_LAYERS; l++) sizes[l] = UNTOUCHED_SIZE;
  bp_error_set("%s", ""); /* a stale message must not pass */
  int status = bp_layers_parse(spec, &n_layers, sizes);
  expect_failure(status, GSL_EINVAL, item, word, NULL, line);
  int untouched = n_layers == UNTOUCHED_COUNT;
  for (size_t l = 0; l <= BP_MLP_MAX_LAYERS; l++) untouched = untouched && sizes[l] == UNTOUCHED_SIZE;
  CU_assertImplementation(untouched, (unsigned)line, "outputs untouched", __FILE__, "", CU_FALSE);
}
#define LAYERS_ERROR(spec, item, word) check_layers_error((spec), (item), (word), __LINE__)

static void layers_parser_should_read_a_comma_separated_list(void) {
  size_t n_layers = 0, sizes[BP_MLP_MAX_LAYERS + 1] = {0};
  CU_ASSERT_EQUAL_FATAL(bp_layers_parse("4,5,3", &n_layers, sizes), GSL_SUCCESS);
  CU_ASSERT_EQUAL(n_layers, 2);
  CU_ASSERT_EQUAL(sizes[0], 4);
  CU_ASSERT_EQUAL(sizes[1], 5);
  CU_ASSERT_EQUAL(sizes[2], 3);
  CU_ASSERT_EQUAL(sizes[3], 0); /* nothing written past the list */
  CU_ASSERT_EQUAL_FATAL(bp_layers_parse("17,1", &n_layers, sizes), GSL_SUCCESS);
  CU_ASSERT_EQUAL(n_layers, 1);
  CU_ASSERT_EQUAL(sizes[0], 17);
  CU_ASSERT_EQUAL(sizes[1], 1);
}

static void layers_parser_should_accept_the_largest_size_and_depth(void) {
  /* BP_MLP_MAX_LAYERS + 1 sizes, the last one BP_MLP_MAX_UNITS */
  char spec[8 * (BP_MLP_MAX_LAYERS + 1) + 16] = "";
  for (int l = 0; l < BP_MLP_MAX_LAYERS; l++) strcat(spec, (l % 2) ? "12," : "3,");
  char last[16];
  snprintf(last, sizeof last, "%d", BP_MLP_MAX_UNITS);
  strcat(spec, last);
  size_t n_layers = 0, sizes[BP_MLP_MAX_LAYERS + 1] = {0};
  CU_ASSERT_EQUAL_FATAL(bp_layers_parse(spec, &n_layers, sizes), GSL_SUCCESS);
  CU_ASSERT_EQUAL(n_layers, BP_MLP_MAX_LAYERS);
  CU_ASSERT_EQUAL(sizes[0], 3);
  CU_ASSERT_EQUAL(sizes[1], 12);
  CU_ASSERT_EQUAL(sizes[BP_MLP_MAX_LAYERS], BP_MLP_MAX_UNITS);
}

static void layers_parser_should_reject_an_empty_list(void) {
  LAYERS_ERROR("", "layers", "empty");
  LAYERS_ERROR(NULL, "NULL", NULL);
}

static void layers_parser_should_reject_a_single_size(void) { LAYERS_ERROR("4", "at least two", "found 1"); }

static void layers_parser_should_reject_too_many_sizes(void) {
  char spec[4 * (BP_MLP_MAX_LAYERS + 2) + 1] = "";
  for (int l = 0; l < BP_MLP_MAX_LAYERS + 2; l++) strcat(spec, l ? ",2" : "2");
  char item[32];
  snprintf(item, sizeof item, "item %d", BP_MLP_MAX_LAYERS + 2);
  LAYERS_ERROR(spec, item, "too many");
}

static void layers_parser_should_reject_zero_sizes(void) {
  LAYERS_ERROR("4,0,3", "item 2 is '0'", "at least 1 unit");
  LAYERS_ERROR("000,3", "item 1 is '000'", "at least 1 unit");
}

static void layers_parser_should_reject_negative_sizes(void) {
  LAYERS_ERROR("4,-5,3", "item 2 is '-5'", "not a positive whole number");
  LAYERS_ERROR("-4,3", "item 1 is '-4'", "not a positive whole number");
}

static void layers_parser_should_reject_anything_but_digits(void) {
  LAYERS_ERROR("4,x,3", "item 2 is 'x'", "digits only");
  LAYERS_ERROR("4,5.0,3", "item 2 is '5.0'", "digits only");
  LAYERS_ERROR("4,+5", "item 2 is '+5'", "digits only");
  LAYERS_ERROR("4;5", "item 1 is '4;5'", "digits only");
}

/* Spaces and tabs around a size are accepted, as around CSV cells; inside a size they are not. */
static void layers_parser_should_accept_spaces_around_sizes_only(void) {
  size_t n_layers = 0, sizes[BP_MLP_MAX_LAYERS + 1] = {0};
  CU_ASSERT_EQUAL_FATAL(bp_layers_parse(" 3, 4,\t1 ", &n_layers, sizes), GSL_SUCCESS);
  CU_ASSERT_EQUAL(n_layers, 2);
  CU_ASSERT(sizes[0] == 3 && sizes[1] == 4 && sizes[2] == 1);
  LAYERS_ERROR("4,5 6,3", "item 2 is '5 6'", "digits only");
  LAYERS_ERROR("4, ,3", "item 2", "empty");
}

static void layers_parser_should_reject_empty_items(void) {
  LAYERS_ERROR("4,,3", "item 2", "empty");
  LAYERS_ERROR(",4,3", "item 1", "empty");
}

static void layers_parser_should_reject_a_trailing_comma(void) { LAYERS_ERROR("4,5,", "item 3", "empty"); }

static void layers_parser_should_reject_sizes_above_the_unit_limit(void) {
  char spec[64], item[64];
  snprintf(spec, sizeof spec, "4,%d,3", BP_MLP_MAX_UNITS + 1);
  snprintf(item, sizeof item, "item 2 is '%d'", BP_MLP_MAX_UNITS + 1);
  LAYERS_ERROR(spec, item, "more than");
  /* far beyond size_t: must not wrap around to a small, acceptable value */
  LAYERS_ERROR("4,3,18446744073709551621", "item 3", "more than");
  LAYERS_ERROR("4,99999999999999999999999999999999999999,3", "item 2", "more than");
}

/* ---- CSV: good files --------------------------------------------------------------------------------------- */

static void csv_reader_should_skip_comments_blank_lines_and_a_header(void) {
  /* BOM, CRLF, a header, comments (whole-line and trailing), blank lines, spaces and tabs around cells */
  static const char text[] = "\xEF\xBB\xBF# examples for a 3-2-1 network\r\n"
                             "x1 , x2,\tx3, t   # the header\r\n"
                             "\r\n"
                             " 0.3817,\t-2.385 , 1.25e-3, 0.75\r\n"
                             "# a comment line\r\n"
                             "   \t  \r\n"
                             "-0.0421,7.5,  -1e-7 ,1   # trailing comment\r\n"
                             "12.0625,0.9,-3,0\r\n";
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "good.csv", text, sizeof text - 1) == 0);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, 3, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT_EQUAL_FATAL(d->X->size1, 3);
  CU_ASSERT_EQUAL_FATAL(d->X->size2, 3);
  CU_ASSERT_EQUAL_FATAL(d->T->size1, 3);
  CU_ASSERT_EQUAL_FATAL(d->T->size2, 1);
  static const double X[3][3] = {{0.3817, -2.385, 1.25e-3}, {-0.0421, 7.5, -1e-7}, {12.0625, 0.9, -3}};
  static const double T[3] = {0.75, 1, 0};
  for (size_t e = 0; e < 3; e++) {
    for (size_t j = 0; j < 3; j++) ASSERT_REL_CLOSE(gsl_matrix_get(d->X, e, j), X[e][j], 0.0);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->T, e, 0), T[e], 0.0);
  }
  bp_dataset_free(d);
}

static void csv_reader_should_keep_a_first_line_of_numbers_as_data(void) {
  static const char text[] = "0.3817,-2.385,0.125\n"
                             "-7.75,1e2,0.875"; /* and no newline at the end */
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "noheader.csv", text, sizeof text - 1) == 0);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(d->X->size1, 2);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 0, 0), 0.3817, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 0, 1), -2.385, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 0, 0), 0.125, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 1, 0), -7.75, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 1, 1), 100.0, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 1, 0), 0.875, 0.0);
  bp_dataset_free(d);
}

static void csv_reader_should_accept_softmax_rows_summing_to_one_within_the_tolerance(void) {
  /* 0.1 + 0.7 + 0.2 is 0.9999999999999999 in doubles; the third row is off by half the tolerance */
  static const char text[] = "x,t1,t2,t3\n"
                             "0.3817,0.1,0.7,0.2\n"
                             "-2.385,0,1,0\n"
                             "4.5,0.25,0.25,0.5000000005\n";
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "softmax.csv", text, sizeof text - 1) == 0);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, 1, 3, BP_OUTPUT_SOFTMAX, 0, &d);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(d->T->size1, 3);
  CU_ASSERT_EQUAL_FATAL(d->T->size2, 3);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 0, 1), 0.7, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 2, 2), 0.5000000005, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 1, 0), -2.385, 0.0);
  bp_dataset_free(d);
}

static void csv_reader_should_accept_values_that_underflow_to_tiny_numbers(void) {
  static const char text[] = "1e-320,-4.9e-324,0.5\n";
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "tiny.csv", text, sizeof text - 1) == 0);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 0, 0), 1e-320, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 0, 1), -4.9e-324, 0.0);
  bp_dataset_free(d);
}

/* Writes rows x (n_in + 1) random values with %.17g, so that strtod must give back the very same doubles. */
static char *random_csv(size_t rows, size_t n_in, gsl_matrix **X, gsl_matrix **T) {
  gsl_rng *rng = bp_test_rng(20240611);
  *X = gsl_matrix_alloc(rows, n_in);
  *T = gsl_matrix_alloc(rows, 1);
  bp_test_fill_uniform(*X, rng, -3.0, 3.0);
  bp_test_fill_uniform(*T, rng, 0.0, 1.0);
  gsl_rng_free(rng);
  size_t cap = rows * (n_in + 1) * 26 + 1, n = 0;
  char *text = malloc(cap);
  for (size_t e = 0; e < rows; e++) {
    for (size_t j = 0; j < n_in; j++) n += (size_t)snprintf(text + n, cap - n, "%.17g,", gsl_matrix_get(*X, e, j));
    n += (size_t)snprintf(text + n, cap - n, "%.17g\n", gsl_matrix_get(*T, e, 0));
  }
  return text;
}

static void check_random_csv(size_t rows, size_t n_in) {
  gsl_matrix *X, *T;
  char *text = random_csv(rows, n_in, &X, &T);
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "random.csv", text, strlen(text)) == 0);
  free(text);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, n_in, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  if (status == GSL_SUCCESS) {
    CU_ASSERT_EQUAL(d->X->size1, rows);
    CU_ASSERT_EQUAL(d->X->size2, n_in);
    CU_ASSERT_TRUE(gsl_matrix_equal(d->X, X));
    CU_ASSERT_TRUE(gsl_matrix_equal(d->T, T));
    ASSERT_REL_CLOSE(gsl_matrix_get(d->X, rows - 1, n_in - 1), gsl_matrix_get(X, rows - 1, n_in - 1), 0.0);
  }
  bp_dataset_free(d);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
}

static void csv_reader_should_read_lines_longer_than_any_fixed_buffer(void) {
  check_random_csv(3, 6000); /* lines of about 140 kB */
}

static void csv_reader_should_read_many_rows_exactly(void) { check_random_csv(5000, 2); }

static void dataset_free_should_accept_null(void) {
  bp_dataset_free(NULL);
  CU_PASS("bp_dataset_free(NULL) returned");
}

/* ---- CSV: errors ------------------------------------------------------------------------------------------- */

/* Reads a bad file into a sentinel output; the message must hold "/<name>:<where>" and the key words. */
static void check_csv_error(const char *name, const char *text, size_t len, size_t n_in, size_t n_out, bp_output output,
                            unsigned flags, const char *where, const char *word, const char *word2, int line) {
  fixture fx;
  CU_assertImplementation(fixture_write(&fx, name, text, len) == 0, (unsigned)line, "fixture written", __FILE__, "",
                          CU_TRUE);
  static bp_dataset sentinel;
  bp_dataset *d = &sentinel;
  bp_error_set("%s", "");
  int status = bp_dataset_read_csv(fx.path, n_in, n_out, output, flags, &d);
  fixture_remove(&fx);
  char location[128];
  snprintf(location, sizeof location, "/%s%s", name, where);
  expect_failure(status, GSL_EINVAL, location, word, word2, line);
  CU_assertImplementation(d == &sentinel, (unsigned)line, "*out untouched", __FILE__, "", CU_FALSE);
  if (d != &sentinel) bp_dataset_free(d);
}
#define CSV_ERROR(name, text, n_in, n_out, output, where, word, word2) \
  check_csv_error((name), (text), sizeof(text) - 1, (n_in), (n_out), (output), 0, (where), (word), (word2), __LINE__)
#define LABELS_ERROR(name, text, n_in, n_out, where, word, word2)                                                \
  check_csv_error((name), (text), sizeof(text) - 1, (n_in), (n_out), BP_OUTPUT_SOFTMAX, BP_DATA_LABELS, (where), \
                  (word), (word2), __LINE__)

static void csv_reader_should_report_a_file_that_cannot_be_opened(void) {
  fixture fx;
  CU_ASSERT_FATAL(fixture_absent(&fx, "absent.csv") == 0);
  bp_dataset *d = NULL;
  bp_error_set("%s", "");
  int status = bp_dataset_read_csv(fx.path, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  expect_failure(status, GSL_EFAILED, "/absent.csv", "cannot open", NULL, __LINE__);
  CU_ASSERT_PTR_NULL(d);
  /* a directory opens but cannot be read as lines */
  bp_error_set("%s", "");
  status = bp_dataset_read_csv(fx.dir, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d);
  expect_failure(status, GSL_EFAILED, fx.dir, "cannot", NULL, __LINE__);
  CU_ASSERT_PTR_NULL(d);
  fixture_remove(&fx);
}

static void csv_reader_should_reject_an_empty_file(void) {
  CSV_ERROR("empty.csv", "", 2, 1, BP_OUTPUT_LOGISTIC, ":", "no examples", NULL);
  CSV_ERROR("blank.csv", "\xEF\xBB\xBF\r\n  \n# only a comment\n", 2, 1, BP_OUTPUT_LOGISTIC, ":", "no examples", NULL);
}

static void csv_reader_should_reject_a_file_with_only_a_header(void) {
  CSV_ERROR("header.csv", "# inputs then target\nx1,x2,t\n\n", 2, 1, BP_OUTPUT_LOGISTIC, ":", "no examples", NULL);
}

static void csv_reader_should_reject_a_cell_that_is_not_a_number(void) {
  CSV_ERROR("data.csv",
            "# comment\nx1,x2,x3,t\n0.3817,-2.385,0.5,1\n\n# comment\n0.4,0.5,0.6,0\n0.7,0.8,abc,1\n0.1,0.2,0.3,1\n", 3,
            1, BP_OUTPUT_LOGISTIC, ":7:3:", "cell 3 is 'abc'", "not a number");
  /* a first row with one typo is data, not a header: it is reported, never silently dropped */
  CSV_ERROR("typo.csv", "0.3817,abc,1\n0.4,0.5,0\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:2:", "'abc'", "not a number");
  /* a second line of names is no longer a header */
  CSV_ERROR("names.csv", "x1,t\nx1,t\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:1:", "'x1'", "not a number");
}

static void csv_reader_should_reject_trailing_garbage_after_a_number(void) {
  CSV_ERROR("garbage.csv", "0.3817,1\n1.5x,0\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:1:", "'1.5x'", "not a number");
  CSV_ERROR("twonums.csv", "0.3817,1\n0.25,0.5 0.5\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:2:", "'0.5 0.5'", "not a number");
  /* strtod would skip a vertical tab by itself */
  CSV_ERROR("vtab.csv", "0.3817,1\n\v0.25,0.5\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:1:", "cell 1", "not a number");
}

static void csv_reader_should_reject_nan_and_infinity(void) {
  CSV_ERROR("nan.csv", "0.3817,1\n-2.385,nan\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:2:", "'nan'", "not a finite number");
  CSV_ERROR("inf.csv", "0.3817,1\n-inf,0.5\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:1:", "'-inf'", "not a finite number");
  CSV_ERROR("infinity.csv", "Infinity,1\n", 1, 1, BP_OUTPUT_LOGISTIC, ":1:1:", "'Infinity'", "not a finite number");
  CSV_ERROR("nan1.csv", "NAN,1\n", 1, 1, BP_OUTPUT_LOGISTIC, ":1:1:", "'NAN'", "not a finite number");
}

static void csv_reader_should_reject_numbers_too_large_for_a_double(void) {
  CSV_ERROR("huge.csv", "0.3817,1\n\n1e999,0\n", 1, 1, BP_OUTPUT_LOGISTIC, ":3:1:", "'1e999'", "too large");
  CSV_ERROR("neghuge.csv", "0.3817,-1e999,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:2:", "'-1e999'", "too large");
}

static void csv_reader_should_reject_empty_cells(void) {
  CSV_ERROR("hole.csv", "0.3817,-2.385,1\n0.3817,,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":2:2:", "cell 2 is empty", NULL);
  CSV_ERROR("blankcell.csv", "0.3817,-2.385,1\n0.3817,-2.385, \t\n", 2, 1, BP_OUTPUT_LOGISTIC,
            ":2:3:", "cell 3 is empty", NULL);
}

static void csv_reader_should_reject_too_few_or_too_many_cells(void) {
  CSV_ERROR("few.csv", "x1,x2,x3,t\n0.1,0.2,0.3,1\n0.1,0.2,1\n", 3, 1, BP_OUTPUT_LOGISTIC, ":3:", "found 3",
            "expected 4");
  CSV_ERROR("many.csv", "0.1,0.2,0.3,0.4,1\n", 3, 1, BP_OUTPUT_LOGISTIC, ":1:", "found 5", "expected 4");
  CSV_ERROR("comma.csv", "0.1,0.2,0.3,1\n0.1,0.2,0.3,1,\n", 3, 1, BP_OUTPUT_LOGISTIC, ":2:", "found 5", "expected 4");
}

static void csv_reader_should_reject_logistic_targets_outside_the_unit_interval(void) {
  CSV_ERROR("above.csv", "x1,x2,t\n0.3817,-2.385,1\n0.3817,-2.385,1.2\n", 2, 1, BP_OUTPUT_LOGISTIC,
            ":3:3:", "target 1 is 1.2", "[0, 1]");
  CSV_ERROR("below.csv", "0.3817,0.5,-0.1\n", 1, 2, BP_OUTPUT_LOGISTIC, ":1:3:", "target 2 is -0.1", "[0, 1]");
}

static void csv_reader_should_reject_negative_softmax_targets(void) {
  CSV_ERROR("negative.csv", "0.3817,0.25,0.75,0\n0.5,-0.25,0.75,0.5\n", 1, 3, BP_OUTPUT_SOFTMAX,
            ":2:2:", "target 1 is -0.25", "negative");
}

static void csv_reader_should_reject_softmax_rows_not_summing_to_one(void) {
  CSV_ERROR("sum.csv", "x,t1,t2,t3\n0.5,0.25,0.25,0.5\n0.5,0.25,0.25,0.4\n", 1, 3, BP_OUTPUT_SOFTMAX,
            ":3:", "sum to 0.9", "eq. (26)");
  /* off by ten times the tolerance */
  CSV_ERROR("sumtol.csv", "0.5,0.25,0.25,0.50000001\n", 1, 3, BP_OUTPUT_SOFTMAX, ":1:", "sum to 1.00000001",
            "eq. (26)");
}

static void csv_reader_should_reject_a_nul_byte(void) {
  CSV_ERROR("binary.csv", "0.3817,1\n0.25,0\0junk\n", 1, 1, BP_OUTPUT_LOGISTIC, ":2:", "NUL", NULL);
}

static void csv_reader_should_reject_impossible_shapes(void) {
  static bp_dataset sentinel;
  bp_dataset *d = &sentinel;
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_csv("shape.csv", 0, 1, BP_OUTPUT_LOGISTIC, 0, &d), GSL_EINVAL, "shape.csv", "0 inputs",
                 NULL, __LINE__);
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_csv("shape.csv", 2, 0, BP_OUTPUT_SOFTMAX, 0, &d), GSL_EINVAL, "shape.csv", "0 targets",
                 NULL, __LINE__);
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_csv(NULL, 2, 1, BP_OUTPUT_SOFTMAX, 0, &d), GSL_EINVAL, "NULL", NULL, NULL, __LINE__);
  CU_ASSERT_PTR_EQUAL(d, &sentinel);
}

/* ---- parameter TSV ----------------------------------------------------------------------------------------- */

/* The 2-1 logistic network: W1[0,0], W1[1,0], b1[0], set to irregular values a failed read must not touch. */
static bp_mlp *small_net(void) {
  size_t sizes[2] = {2, 1};
  bp_mlp *net = bp_mlp_alloc(1, sizes, BP_OUTPUT_LOGISTIC);
  gsl_vector_set(net->params, 0, 0.3817);
  gsl_vector_set(net->params, 1, -2.385);
  gsl_vector_set(net->params, 2, 7.0625);
  return net;
}

/* The sentinel a failed gradient read must leave in place. */
static void fill_sentinel(gsl_vector *v) {
  for (size_t k = 0; k < v->size; k++) gsl_vector_set(v, k, -1.0 - 0.125 * (double)k);
}

static int is_sentinel(const gsl_vector *v) {
  int same = 1;
  for (size_t k = 0; k < v->size; k++) same = same && gsl_vector_get(v, k) == -1.0 - 0.125 * (double)k;
  return same;
}

/* Every bad file is read twice, as parameters and as a gradient (one reader behind both): each read must fail
 * with the same status and message and leave its output untouched. */
static void check_tsv_error(const char *name, const char *text, size_t len, int want, const char *where,
                            const char *word, const char *word2, int line) {
  fixture fx;
  CU_assertImplementation(fixture_write(&fx, name, text, len) == 0, (unsigned)line, "fixture written", __FILE__, "",
                          CU_TRUE);
  bp_mlp *net = small_net();
  bp_error_set("%s", "");
  int status = bp_params_read_tsv(fx.path, net);
  char location[128];
  snprintf(location, sizeof location, "/%s%s", name, where);
  expect_failure(status, want, location, word, word2, line);
  int untouched = gsl_vector_get(net->params, 0) == 0.3817 && gsl_vector_get(net->params, 1) == -2.385 &&
                  gsl_vector_get(net->params, 2) == 7.0625;
  CU_assertImplementation(untouched, (unsigned)line, "net->params untouched", __FILE__, "", CU_FALSE);
  char as_params[512];
  snprintf(as_params, sizeof as_params, "%s", bp_error_message());
  gsl_vector *grad = gsl_vector_alloc(net->n_params);
  fill_sentinel(grad);
  bp_error_set("%s", "");
  int gstatus = bp_gradient_read_tsv(fx.path, net, grad);
  fixture_remove(&fx);
  CU_assertImplementation(gstatus == status && strcmp(bp_error_message(), as_params) == 0, (unsigned)line,
                          "the gradient reader fails as the parameter reader does", __FILE__, "", CU_FALSE);
  CU_assertImplementation(is_sentinel(grad), (unsigned)line, "grad untouched", __FILE__, "", CU_FALSE);
  gsl_vector_free(grad);
  bp_mlp_free(net);
}
#define TSV_ERROR(name, text, where, word, word2) \
  check_tsv_error((name), (text), sizeof(text) - 1, GSL_EINVAL, (where), (word), (word2), __LINE__)

static void params_reader_should_round_trip_every_parameter(void) {
  size_t sizes[3] = {3, 4, 2};
  bp_mlp *src = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  bp_mlp *dst = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
  gsl_rng *rng = bp_test_rng(7);
  bp_mlp_init_random(src, rng);
  gsl_rng_free(rng);
  /* written in reverse order, so only the names can put the values in place */
  size_t cap = src->n_params * 64 + 64, n = 0;
  char *text = malloc(cap);
  n += (size_t)snprintf(text, cap, "param\tvalue\n");
  for (size_t k = src->n_params; k-- > 0;) {
    char name[64];
    CU_ASSERT_EQUAL(bp_mlp_param_name(src, k, name, sizeof name), GSL_SUCCESS);
    n += (size_t)snprintf(text + n, cap - n, "%s\t%.17g\n", name, gsl_vector_get(src->params, k));
  }
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "params.tsv", text, n) == 0);
  free(text);
  int status = bp_params_read_tsv(fx.path, dst);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  for (size_t k = 0; k < src->n_params; k++)
    ASSERT_REL_CLOSE(gsl_vector_get(dst->params, k), gsl_vector_get(src->params, k), 0.0);
  CU_ASSERT_TRUE(gsl_vector_get(src->params, 0) != 0.0); /* the comparison above was not of zeros */
  bp_mlp_free(src);
  bp_mlp_free(dst);
}

static void params_reader_should_find_its_columns_in_any_order_and_skip_comments(void) {
  static const char text[] = "\xEF\xBB\xBF# written by hand\r\n"
                             "analytic\tvalue\tparam\tnote\r\n"
                             "0.5\t0.3817\tW1[0,0]\tx\r\n"
                             "\r\n"
                             "# b1 next\r\n"
                             "-1\t -2.385 \tb1[0]\ty\r\n"
                             "2\t1.25e-3\tW1[1,0]\tz"; /* no newline at the end */
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "columns.tsv", text, sizeof text - 1) == 0);
  bp_mlp *net = small_net();
  gsl_vector_set_zero(net->params);
  int status = bp_params_read_tsv(fx.path, net);
  fixture_remove(&fx);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 0), 0.3817, 0.0);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 1), 1.25e-3, 0.0);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 2), -2.385, 0.0);
  bp_mlp_free(net);
}

static void params_reader_should_reject_unknown_names(void) {
  TSV_ERROR("unknown.tsv", "param\tvalue\nW1[0,0]\t0.1\nW1[1,0]\t0.2\nW3[0,0]\t0.3\nb1[0]\t0.4\n",
            ":4:1:", "unknown parameter", "'W3[0,0]'");
  TSV_ERROR("outside.tsv", "param\tvalue\nW1[2,0]\t0.1\n", ":2:1:", "unknown parameter", "W1[2,0]");
  TSV_ERROR("words.tsv", "value\tparam\n0.1\tweight\n", ":2:2:", "unknown parameter", "'weight'");
}

static void params_reader_should_reject_duplicated_names(void) {
  TSV_ERROR("dup.tsv", "param\tvalue\nW1[0,0]\t0.1\n# comment\nb1[0]\t0.2\nW1[0,0]\t0.3\nW1[1,0]\t0.4\n",
            ":5:1:", "duplicated parameter 'W1[0,0]'", "lines 2 and 5");
}

static void params_reader_should_name_the_first_missing_parameter(void) {
  TSV_ERROR("missing.tsv", "param\tvalue\nb1[0]\t0.1\n", ":", "2 of the network's 3 parameters are missing",
            "'W1[0,0]'");
  TSV_ERROR("missing2.tsv", "param\tvalue\nW1[0,0]\t0.1\nb1[0]\t0.2\n", ":", "1 of the network's 3", "'W1[1,0]'");
  TSV_ERROR("onlyheader.tsv", "# nothing yet\nparam\tvalue\n", ":", "3 of the network's 3", "'W1[0,0]'");
}

static void params_reader_should_reject_values_that_are_not_numbers(void) {
  TSV_ERROR("abc.tsv", "param\tvalue\nW1[0,0]\t0.1\nW1[1,0]\tabc\nb1[0]\t0.2\n", ":3:2:", "'abc'", "not a number");
  TSV_ERROR("trail.tsv", "param\tvalue\nW1[0,0]\t1.5x\n", ":2:2:", "'1.5x'", "not a number");
  TSV_ERROR("novalue.tsv", "param\tvalue\nW1[0,0]\t\n", ":2:2:", "empty", NULL);
}

static void params_reader_should_reject_values_that_are_not_finite(void) {
  TSV_ERROR("nan.tsv", "param\tvalue\nW1[0,0]\tnan\n", ":2:2:", "'nan'", "not a finite number");
  TSV_ERROR("inf.tsv", "param\tvalue\nW1[0,0]\t0.1\nb1[0]\t-inf\n", ":3:2:", "'-inf'", "not a finite number");
  TSV_ERROR("huge.tsv", "param\tvalue\nW1[0,0]\t1e999\n", ":2:2:", "'1e999'", "too large");
}

static void params_reader_should_reject_a_wrong_number_of_cells(void) {
  TSV_ERROR("extra.tsv", "param\tvalue\nW1[0,0]\t0.1\nW1[1,0]\t0.2\textra\n", ":3:", "found 3", "expected 2");
  TSV_ERROR("spaces.tsv", "param\tvalue\nW1[0,0] 0.1\n", ":2:", "found 1", "expected 2");
}

static void params_reader_should_require_a_header_with_param_and_value(void) {
  TSV_ERROR("noparam.tsv", "# c\nname\tvalue\nW1[0,0]\t0.1\n", ":2:", "no column named 'param'", NULL);
  TSV_ERROR("novalcol.tsv", "param\tval\nW1[0,0]\t0.1\n", ":1:", "no column named 'value'", NULL);
  TSV_ERROR("commas.tsv", "param,value\n", ":1:", "no column named 'param'", NULL);
  TSV_ERROR("twice.tsv", "param\tvalue\tparam\n", ":1:3:", "'param' twice", NULL);
  TSV_ERROR("empty.tsv", "", ":", "no header", NULL);
}

static void params_reader_should_report_a_file_that_cannot_be_opened(void) {
  fixture fx;
  CU_ASSERT_FATAL(fixture_absent(&fx, "absent.tsv") == 0);
  bp_mlp *net = small_net();
  bp_error_set("%s", "");
  int status = bp_params_read_tsv(fx.path, net);
  fixture_remove(&fx);
  expect_failure(status, GSL_EFAILED, "/absent.tsv", "cannot open", NULL, __LINE__);
  CU_ASSERT_EQUAL(gsl_vector_get(net->params, 0), 0.3817);
  bp_mlp_free(net);
}

/* ---- a gradient from elsewhere ----------------------------------------------------------------------------- */

/* A gradient written by name in shuffled order lands in the layout of net->grad: the entry named W2[3,1] is read
 * into the index bp_mlp_param_index gives, and net->params is not touched. */
static void gradient_reader_should_put_each_entry_where_net_grad_keeps_it(void) {
  size_t sizes[4] = {3, 6, 4, 2}; /* non-square layers: a transposed layout would land entries elsewhere */
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  gsl_rng *rng = bp_test_rng(11);
  bp_mlp_init_random(net, rng);
  gsl_vector *want = gsl_vector_alloc(net->n_params), *got = gsl_vector_alloc(net->n_params);
  gsl_vector *params = gsl_vector_alloc(net->n_params);
  gsl_vector_memcpy(params, net->params);
  for (size_t k = 0; k < net->n_params; k++) gsl_vector_set(want, k, gsl_rng_uniform(rng) - 0.4817);
  /* rows in a shuffled order, written with %.17g so they read back exactly */
  size_t *order = malloc(net->n_params * sizeof *order);
  for (size_t k = 0; k < net->n_params; k++) order[k] = k;
  gsl_ran_shuffle(rng, order, net->n_params, sizeof *order);
  gsl_rng_free(rng);
  size_t cap = net->n_params * 64 + 64, n = 0;
  char *text = malloc(cap);
  n += (size_t)snprintf(text, cap, "param\tvalue\n");
  for (size_t r = 0; r < net->n_params; r++) {
    char name[64];
    bp_mlp_param_name(net, order[r], name, sizeof name);
    n += (size_t)snprintf(text + n, cap - n, "%s\t%.17g\n", name, gsl_vector_get(want, order[r]));
  }
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "gradient.tsv", text, n) == 0);
  CU_ASSERT_EQUAL(bp_gradient_read_tsv(fx.path, net, got), GSL_SUCCESS);
  fixture_remove(&fx);
  CU_ASSERT_TRUE(gsl_vector_equal(got, want));
  CU_ASSERT_TRUE(gsl_vector_equal(net->params, params));
  /* W2[3,1] is w_31 of layer 2: row j = 3 of the 6 x 4 matrix dW[2], column i = 1 */
  size_t k;
  CU_ASSERT_EQUAL(bp_mlp_param_index(net, "W2[3,1]", &k), GSL_SUCCESS);
  gsl_vector_memcpy(net->grad, got);
  CU_ASSERT_EQUAL(gsl_matrix_get(&net->dW[2].matrix, 3, 1), gsl_vector_get(want, k));
  free(order);
  free(text);
  gsl_vector_free(want);
  gsl_vector_free(got);
  gsl_vector_free(params);
  bp_mlp_free(net);
}

static void gradient_reader_should_name_the_parameter_of_a_value_that_is_not_finite(void) {
  TSV_ERROR("gnan.tsv", "param\tvalue\nW1[0,0]\t0.1\nb1[0]\tnan\nW1[1,0]\t0.2\n", ":3:2:", "b1[0]",
            "'nan', not a finite number");
  TSV_ERROR("ginf.tsv", "value\tparam\n-inf\tW1[1,0]\n", ":2:1:", "W1[1,0]", "not a finite number");
}

static void gradient_reader_should_reject_a_vector_of_the_wrong_length_and_null_arguments(void) {
  bp_mlp *net = small_net();
  gsl_vector *v = gsl_vector_alloc(net->n_params + 1);
  fill_sentinel(v);
  static const char good[] = "param\tvalue\nW1[0,0]\t0.5\nW1[1,0]\t-1.5\nb1[0]\t0.125\n";
  FILE *f = fmemopen((void *)(uintptr_t)good, sizeof good - 1, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  bp_error_set("%s", "");
  expect_failure(bp_gradient_read_stream(f, "mem.tsv", net, v), GSL_EBADLEN, "4 entries", "3 parameters", NULL,
                 __LINE__);
  fclose(f);
  CU_ASSERT_TRUE(is_sentinel(v));
  bp_error_set("%s", "");
  expect_failure(bp_gradient_read_tsv("g.tsv", net, NULL), GSL_EINVAL, "NULL", NULL, NULL, __LINE__);
  expect_failure(bp_gradient_read_stream(NULL, "g.tsv", net, v), GSL_EINVAL, "NULL", NULL, NULL, __LINE__);
  gsl_vector_free(v);
  bp_mlp_free(net);
}

static void gradient_reader_should_survive_every_allocation_failure(void) {
  static const char good[] = "param\tvalue\nW1[0,0]\t0.5\nW1[1,0]\t-1.5\nb1[0]\t0.125\n";
  bp_mlp *net = small_net();
  gsl_vector *v = gsl_vector_alloc(net->n_params);
  size_t n = 0;
  for (;; n++) {
    fill_sentinel(v);
    FILE *f = fmemopen((void *)(uintptr_t)good, sizeof good - 1, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    bp_fault_inject_alloc((long)n);
    int status = bp_gradient_read_stream(f, "mem.tsv", net, v);
    bp_fault_inject_alloc(-1);
    fclose(f);
    if (status == GSL_SUCCESS) break;
    CU_ASSERT_EQUAL(status, GSL_ENOMEM);
    CU_ASSERT_TRUE(is_sentinel(v));
    if (n > 50) break;
  }
  CU_ASSERT(n >= 3 && n <= 50); /* values, line numbers, the line buffer (and its block) were each failed */
  CU_ASSERT_EQUAL(gsl_vector_get(v, 1), -1.5);
  gsl_vector_free(v);
  bp_mlp_free(net);
}

/* ---- streams, the unnormalized-targets flag, the one-pass reader ------------------------------------------- */

/* A read-only stream over a string that cannot seek, as a pipe: the reader must take it in one pass. */
typedef struct {
  const char *text[2]; /* what a first and (after a seek) a second pass see; text[1] NULL: no seek function */
  size_t len[2];
  size_t pos;
  int pass;
} mem_cookie;

static ssize_t mem_cookie_read(void *c, char *buf, size_t n) {
  mem_cookie *k = c;
  size_t left = k->len[k->pass] - k->pos, take = n < left ? n : left;
  memcpy(buf, k->text[k->pass] + k->pos, take);
  k->pos += take;
  return (ssize_t)take;
}

/* Seeking anywhere starts the second text from its beginning: a file that changes between the passes. */
static int mem_cookie_seek(void *c, off64_t *offset, int whence) {
  mem_cookie *k = c;
  if (whence == SEEK_SET) {
    k->pass = (*offset == 0 && k->pos > 0) ? 1 : k->pass;
    k->pos = (size_t)*offset;
  }
  *offset = (off64_t)k->pos;
  return 0;
}

/* len bytes of first (NULs allowed), then second, a string, after a seek. */
static FILE *mem_stream(mem_cookie *k, const char *first, size_t len, const char *second) {
  k->text[0] = first;
  k->text[1] = second;
  k->len[0] = len;
  k->len[1] = second ? strlen(second) : 0;
  k->pos = 0;
  k->pass = 0;
  cookie_io_functions_t io = {mem_cookie_read, NULL, second ? mem_cookie_seek : NULL, NULL};
  return fopencookie(k, "r", io);
}

/* Reads text from a stream that can seek (fmemopen: two passes) or not (one pass); *out as the reader left it. */
static int read_text(const char *text, int seekable, size_t n_in, size_t n_out, bp_output output, unsigned flags,
                     bp_dataset **out) {
  mem_cookie k;
  FILE *f = seekable ? fmemopen((void *)(uintptr_t)text, strlen(text), "r") : mem_stream(&k, text, strlen(text), NULL);
  if (f == NULL) return -1;
  int status = bp_dataset_read_stream(f, "stream.csv", n_in, n_out, output, flags, out);
  fclose(f);
  return status;
}

static void stream_reader_should_read_the_same_in_one_pass_as_in_two(void) {
  gsl_matrix *X, *T;
  char *text = random_csv(700, 3, &X, &T);
  for (int seekable = 0; seekable <= 1; seekable++) {
    bp_dataset *d = NULL;
    CU_ASSERT_EQUAL_FATAL(read_text(text, seekable, 3, 1, BP_OUTPUT_LOGISTIC, 0, &d), GSL_SUCCESS);
    CU_ASSERT_TRUE(gsl_matrix_equal(d->X, X));
    CU_ASSERT_TRUE(gsl_matrix_equal(d->T, T));
    CU_ASSERT_EQUAL(d->n_unnormalized, 0);
    bp_dataset_free(d);
  }
  free(text);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
  /* wide rows: one per chunk of the one-pass reader */
  text = random_csv(5, 40000, &X, &T);
  bp_dataset *d = NULL;
  CU_ASSERT_EQUAL_FATAL(read_text(text, 0, 40000, 1, BP_OUTPUT_LOGISTIC, 0, &d), GSL_SUCCESS);
  CU_ASSERT_TRUE(gsl_matrix_equal(d->X, X));
  CU_ASSERT_TRUE(gsl_matrix_equal(d->T, T));
  bp_dataset_free(d);
  free(text);
  gsl_matrix_free(X);
  gsl_matrix_free(T);
}

/* Both readers meet the errors in file order: the first bad line is the one reported, with the stream's name,
 * and the same message from either. */
static void check_stream_error(const char *text, size_t len, const char *where, int line) {
  char two_pass[512] = "";
  for (int seekable = 1; seekable >= 0; seekable--) {
    mem_cookie k;
    FILE *f = seekable ? fmemopen((void *)(uintptr_t)text, len, "r") : mem_stream(&k, text, len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static bp_dataset sentinel;
    bp_dataset *d = &sentinel;
    bp_error_set("%s", "");
    int status = bp_dataset_read_stream(f, "stream.csv", 1, 1, BP_OUTPUT_LOGISTIC, 0, &d);
    fclose(f);
    expect_failure(status, GSL_EINVAL, where, NULL, NULL, line);
    CU_assertImplementation(d == &sentinel, (unsigned)line, "*out untouched", __FILE__, "", CU_FALSE);
    if (seekable)
      snprintf(two_pass, sizeof two_pass, "%s", bp_error_message());
    else
      CU_assertImplementation(strcmp(two_pass, bp_error_message()) == 0, (unsigned)line, "same message", __FILE__, "",
                              CU_FALSE);
  }
}
#define STREAM_ERROR(text, where) check_stream_error((text), sizeof(text) - 1, (where), __LINE__)

static void stream_reader_should_report_errors_in_file_order_in_either_pass(void) {
  STREAM_ERROR("0.5,1\n0.5,abc\n0.5,\0\n", "stream.csv:2:2: cell 2 is 'abc'"); /* the NUL after it is not reached */
  STREAM_ERROR("0.5,1\n0.5,1\0\n0.5,abc\n", "stream.csv:2: the line contains a NUL"); /* the NUL before it is */
  STREAM_ERROR("\0\n0.5,1\n", "stream.csv:1: the line contains a NUL");               /* the counting pass skipped it */
  STREAM_ERROR("x,t\n\0", "stream.csv:2: the line contains a NUL"); /* not "no examples": none were counted */
  STREAM_ERROR("x,t\n# none\n", "stream.csv: no examples");
}

static void stream_reader_should_report_a_file_that_changes_between_the_passes(void) {
  static const char *const second[] = {"0.5,1\n0.25,0\n0.125,1\n", "0.5,1\n"}; /* a row more, a row fewer */
  for (size_t c = 0; c < 2; c++) {
    mem_cookie k;
    FILE *f = mem_stream(&k, "0.5,1\n0.25,0\n", 13, second[c]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static bp_dataset sentinel;
    bp_dataset *d = &sentinel;
    bp_error_set("%s", "");
    int status = bp_dataset_read_stream(f, "moving.csv", 1, 1, BP_OUTPUT_LOGISTIC, 0, &d);
    fclose(f);
    expect_failure(status, GSL_EFAILED, "moving.csv:", "changed while it was being read", "2 examples", __LINE__);
    CU_ASSERT_PTR_EQUAL(d, &sentinel);
  }
}

static void stream_reader_should_reject_null_arguments_and_unknown_flags(void) {
  static bp_dataset sentinel;
  bp_dataset *d = &sentinel;
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_stream(NULL, "x.csv", 1, 1, BP_OUTPUT_LOGISTIC, 0, &d), GSL_EINVAL, "NULL", NULL, NULL,
                 __LINE__);
  FILE *f = fmemopen((void *)(uintptr_t) "0.5,1\n", 6, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_stream(f, NULL, 1, 1, BP_OUTPUT_LOGISTIC, 0, &d), GSL_EINVAL, "NULL", NULL, NULL,
                 __LINE__);
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_stream(f, "x.csv", 1, 1, BP_OUTPUT_LOGISTIC, 0x80u, &d), GSL_EINVAL, "x.csv",
                 "unknown flags 0x80", NULL, __LINE__);
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_csv("x.csv", 1, 1, BP_OUTPUT_LOGISTIC, 0x8u, &d), GSL_EINVAL, "x.csv",
                 "unknown flags 0x8", NULL, __LINE__);
  fclose(f);
  CU_ASSERT_PTR_EQUAL(d, &sentinel);
}

/* eq. (26) assumes softmax targets that sum to 1; on request the reader accepts rows that do not, and says where. */
static void csv_reader_should_accept_unnormalized_softmax_targets_only_when_asked(void) {
  static const char text[] = "x,t1,t2,t3\n"
                             "0.3817,0.25,0.25,0.5\n"
                             "-2.385,0.25,0.25,0.4\n" /* line 3: sums to 0.9 */
                             "# comment\n"
                             "4.5,0,1,0\n"
                             "1.5,0.5,0.5,0.5\n"; /* line 6: sums to 1.5 */
  fixture fx;
  CU_ASSERT_FATAL(fixture_write(&fx, "unnormalized.csv", text, sizeof text - 1) == 0);
  bp_dataset *d = NULL;
  int status = bp_dataset_read_csv(fx.path, 1, 3, BP_OUTPUT_SOFTMAX, BP_DATA_ALLOW_UNNORMALIZED, &d);
  CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
  CU_ASSERT_EQUAL(d->T->size1, 4);
  CU_ASSERT_EQUAL(d->n_unnormalized, 2);
  CU_ASSERT_EQUAL(d->unnormalized_line, 3);
  ASSERT_REL_CLOSE(d->unnormalized_sum, 0.25 + 0.25 + 0.4, 0.0);
  ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 1, 2), 0.4, 0.0); /* the row itself, as written */
  bp_dataset_free(d);
  /* without the flag it is still the error naming eq. (26) */
  bp_error_set("%s", "");
  d = NULL;
  expect_failure(bp_dataset_read_csv(fx.path, 1, 3, BP_OUTPUT_SOFTMAX, 0, &d), GSL_EINVAL,
                 "unnormalized.csv:3:", "sum to 0.9", "eq. (26)", __LINE__);
  CU_ASSERT_PTR_NULL(d);
  fixture_remove(&fx);
  /* normalized rows report none; a logistic output ignores the flag */
  CU_ASSERT_EQUAL_FATAL(read_text("0.5,0.25,0.75\n", 1, 1, 2, BP_OUTPUT_SOFTMAX, BP_DATA_ALLOW_UNNORMALIZED, &d),
                        GSL_SUCCESS);
  CU_ASSERT_EQUAL(d->n_unnormalized, 0);
  CU_ASSERT_EQUAL(d->unnormalized_line, 0);
  bp_dataset_free(d);
  CU_ASSERT_EQUAL_FATAL(read_text("0.5,0.25,0.5\n", 0, 1, 2, BP_OUTPUT_LOGISTIC, BP_DATA_ALLOW_UNNORMALIZED, &d),
                        GSL_SUCCESS);
  CU_ASSERT_EQUAL(d->n_unnormalized, 0);
  bp_dataset_free(d);
}

static void csv_reader_should_still_reject_negative_softmax_targets_with_the_flag(void) {
  static bp_dataset sentinel;
  bp_dataset *d = &sentinel;
  bp_error_set("%s", "");
  int status = read_text("0.5,0.25,0.5\n0.5,-0.25,1.25\n", 1, 1, 2, BP_OUTPUT_SOFTMAX, BP_DATA_ALLOW_UNNORMALIZED, &d);
  expect_failure(status, GSL_EINVAL, "stream.csv:2:2:", "target 1 is -0.25", "negative", __LINE__);
  CU_ASSERT_PTR_EQUAL(d, &sentinel);
}

/* Every allocation of both readers (line buffer, read-ahead block, chunks, matrices) can fail cleanly. */
static void stream_reader_should_survive_every_allocation_failure_in_either_pass(void) {
  static const char text[] = "x1,x2,t\n0.3817,-2.385,1\n-0.91,0.443,0\n";
  for (int seekable = 0; seekable <= 1; seekable++) {
    long n;
    for (n = 0; n < 100; n++) {
      static bp_dataset sentinel;
      bp_dataset *d = &sentinel;
      bp_error_set("%s", "");
      bp_fault_inject_alloc(n);
      int status = read_text(text, seekable, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d);
      bp_fault_inject_alloc(-1);
      if (status == GSL_SUCCESS) {
        CU_ASSERT_EQUAL(d->X->size1, 2);
        bp_dataset_free(d);
        break;
      }
      expect_failure(status, GSL_ENOMEM, "out of memory", NULL, NULL, __LINE__);
      CU_ASSERT_PTR_EQUAL(d, &sentinel);
    }
    CU_ASSERT(n >= 4); /* line buffer, block, dataset, X, T (and a chunk in one pass) were each failed */
    CU_ASSERT(n < 100);
  }
}

static void params_stream_reader_should_read_from_memory_and_name_the_stream(void) {
  static const char good[] = "param\tvalue\nW1[0,0]\t0.5\nW1[1,0]\t-1.5\nb1[0]\t0.125\n";
  bp_mlp *net = small_net();
  FILE *f = fmemopen((void *)(uintptr_t)good, sizeof good - 1, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(bp_params_read_stream(f, "mem.tsv", net), GSL_SUCCESS);
  fclose(f);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 0), 0.5, 0.0);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 1), -1.5, 0.0);
  ASSERT_REL_CLOSE(gsl_vector_get(net->params, 2), 0.125, 0.0);
  static const char bad[] = "param\tvalue\nW1[0,0]\t0.25\nW9[0,0]\t1\n";
  f = fmemopen((void *)(uintptr_t)bad, sizeof bad - 1, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  bp_error_set("%s", "");
  expect_failure(bp_params_read_stream(f, "mem.tsv", net), GSL_EINVAL, "mem.tsv:3:1:", "unknown parameter", NULL,
                 __LINE__);
  fclose(f);
  CU_ASSERT_EQUAL(gsl_vector_get(net->params, 0), 0.5); /* untouched by the failed read */
  bp_error_set("%s", "");
  expect_failure(bp_params_read_stream(NULL, "mem.tsv", net), GSL_EINVAL, "NULL", NULL, NULL, __LINE__);
  bp_mlp_free(net);
}

/* ---- class labels, separators, the header rule ------------------------------------------------------------ */

/* A column of class indices reads as the one-hot rows written out by hand, through either reader. */
static void csv_reader_should_read_class_labels_as_the_one_hot_rows(void) {
  static const char labels[] = "x1,x2,class\n0.3817,-2.385,2\n-0.91,0.443,0\n1.5,2.25,1.0\n7.125,-0.5,2\n";
  static const char one_hot[] = "x1,x2,t1,t2,t3\n0.3817,-2.385,0,0,1\n-0.91,0.443,1,0,0\n1.5,2.25,0,1,0\n"
                                "7.125,-0.5,0,0,1\n";
  bp_dataset *want = NULL;
  CU_ASSERT_EQUAL_FATAL(read_text(one_hot, 1, 2, 3, BP_OUTPUT_SOFTMAX, 0, &want), GSL_SUCCESS);
  for (int seekable = 0; seekable <= 1; seekable++) {
    bp_dataset *d = NULL;
    CU_ASSERT_EQUAL_FATAL(read_text(labels, seekable, 2, 3, BP_OUTPUT_SOFTMAX, BP_DATA_LABELS, &d), GSL_SUCCESS);
    CU_ASSERT_TRUE(gsl_matrix_equal(d->X, want->X));
    CU_ASSERT_TRUE(gsl_matrix_equal(d->T, want->T));
    CU_ASSERT_EQUAL(d->T->size2, 3);
    bp_dataset_free(d);
  }
  bp_dataset_free(want);
}

static void csv_reader_should_reject_class_labels_that_are_not_a_class(void) {
  LABELS_ERROR("three.csv", "0.5,0.25,1\n0.5,0.25,3\n", 2, 3, ":2:3:", "class index is 3", "0..2");
  LABELS_ERROR("minus.csv", "0.5,0.25,-1\n", 2, 3, ":1:3:", "class index is -1", "0..2");
  LABELS_ERROR("half.csv", "0.5,0.25,1.5\n", 2, 3, ":1:3:", "class index is 1.5", "0..2");
  LABELS_ERROR("nan.csv", "0.5,0.25,nan\n", 2, 3, ":1:3:", "'nan'", "not a finite number");
  LABELS_ERROR("word.csv", "0.5,0.25,cat\n", 2, 3, ":1:3:", "'cat'", "not a number");
}

static void csv_reader_should_say_when_labels_meet_one_hot_rows_or_the_reverse(void) {
  LABELS_ERROR("onehot.csv", "0.5,0.25,0,1,0\n", 2, 3, ":1:", "found 5 cells, expected 3", "not 3 one-hot cells");
  CSV_ERROR("classes.csv", "x1,x2,class\n0.5,0.25,2\n", 2, 3, BP_OUTPUT_SOFTMAX, ":2:", "found 3 cells, expected 5",
            "one-hot (3 cells, a 1 in the column of the class) or, with --labels, as one class index 0..2");
  /* independent logistic outputs take their targets as they are; one logistic output takes class 0 or 1 */
  bp_dataset *d = NULL;
  bp_error_set("%s", "");
  expect_failure(bp_dataset_read_csv("x.csv", 2, 2, BP_OUTPUT_LOGISTIC, BP_DATA_LABELS, &d), GSL_EINVAL, "x.csv",
                 "need 1 output", NULL, __LINE__);
  CU_ASSERT_PTR_NULL(d);
  CU_ASSERT_EQUAL_FATAL(
      read_text("x1,x2,class\n0.5,0.25,1\n-1.5,2,0\n", 0, 2, 1, BP_OUTPUT_LOGISTIC, BP_DATA_LABELS, &d), GSL_SUCCESS);
  CU_ASSERT_EQUAL(gsl_matrix_get(d->T, 0, 0), 1.0);
  CU_ASSERT_EQUAL(gsl_matrix_get(d->T, 1, 0), 0.0);
  CU_ASSERT_EQUAL(d->T->size2, 1);
  bp_dataset_free(d);
  check_csv_error("two.csv", "0.5,0.25,2\n", 11, 2, 1, BP_OUTPUT_LOGISTIC, BP_DATA_LABELS, ":1:3:", "class index is 2",
                  "0..1", __LINE__);
}

static void csv_reader_should_say_that_cells_are_separated_by_commas(void) {
  CSV_ERROR("semi.csv", "0.5;0.25;1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "separated by commas", "uses semicolons");
  CSV_ERROR("euro.csv", "x1;x2;t\n0,5;0,25;1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":2:", "separated by commas",
            "uses semicolons");
  CSV_ERROR("tabs.csv", "x1\tx2\tt\n0.5\t0.25\t1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":2:", "separated by commas",
            "uses tabs");
  CSV_ERROR("spaces.csv", "0.5,0.25,1\n0.5 0.25 1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":2:", "separated by commas",
            "uses spaces");
  CSV_ERROR("mixed.csv", "0.5,0.25;1\n", 1, 2, BP_OUTPUT_LOGISTIC, ":1:", "separated by commas", "uses semicolons");
  /* blanks around cells are fine, and a plain wrong count is not blamed on the separator */
  CSV_ERROR("count.csv", "0.5, 0.25\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "found 2 cells, expected 3", NULL);
}

/* "0.5;0.25;1" as line 1 once read as a header and vanished; a line holding a number is data, whatever separates
 * it, so the error points at line 1. */
static void csv_reader_should_never_take_a_first_line_holding_a_number_as_a_header(void) {
  CSV_ERROR("semi1.csv", "0.5;0.25;1\n0.5,0.25,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "uses semicolons", NULL);
  CSV_ERROR("tab1.csv", "0.5\t0.25\t1\n0.5,0.25,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "uses tabs", NULL);
  CSV_ERROR("space1.csv", "0.5 0.25 1\n0.5,0.25,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "uses spaces", NULL);
  CSV_ERROR("one1.csv", "x1;2\n0.5,0.25,1\n", 2, 1, BP_OUTPUT_LOGISTIC, ":1:", "uses semicolons", NULL);
  /* names with digits and spaces are still a header */
  bp_dataset *d = NULL;
  CU_ASSERT_EQUAL_FATAL(read_text("feature 1,x2,target\n0.5,0.25,1\n", 1, 2, 1, BP_OUTPUT_LOGISTIC, 0, &d),
                        GSL_SUCCESS);
  CU_ASSERT_EQUAL(d->X->size1, 1);
  bp_dataset_free(d);
}

/* The example data the project ships (examples/data/, written by examples/data/generate.py) reads, and the
 * labelled 3-class file is the one-hot one written as class indices. */
static void example_data_should_read_and_its_labels_should_be_the_one_hot_targets(void) {
  bp_dataset * xor = NULL, *one_hot = NULL, *labels = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_dataset_read_csv("examples/data/xor.csv", 2, 1, BP_OUTPUT_LOGISTIC, 0, &xor), GSL_SUCCESS);
  CU_ASSERT_EQUAL(xor->X->size1, 8);
  CU_ASSERT_EQUAL_FATAL(bp_dataset_read_csv("examples/data/three-class.csv", 2, 3, BP_OUTPUT_SOFTMAX, 0, &one_hot),
                        GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(
      bp_dataset_read_csv("examples/data/three-class-labels.csv", 2, 3, BP_OUTPUT_SOFTMAX, BP_DATA_LABELS, &labels),
      GSL_SUCCESS);
  CU_ASSERT_EQUAL(one_hot->X->size1, 9);
  CU_ASSERT_TRUE(gsl_matrix_equal(one_hot->X, labels->X));
  CU_ASSERT_TRUE(gsl_matrix_equal(one_hot->T, labels->T));
  bp_dataset_free(xor);
  bp_dataset_free(one_hot);
  bp_dataset_free(labels);
}

/* ---- inputs alone (BP_DATA_TARGETS_OPTIONAL) and the parameter writer ------------------------------------- */

/* The first example line's width decides: inputs alone leave T NULL; inputs and targets, or a class index with
 * BP_DATA_LABELS, read as without the flag. Both readers (two passes, one pass) agree. */
static void csv_reader_should_let_the_first_line_decide_whether_targets_are_given(void) {
  const unsigned opt = BP_DATA_TARGETS_OPTIONAL;
  for (int seekable = 0; seekable <= 1; seekable++) {
    bp_dataset *d = NULL;
    CU_ASSERT_EQUAL_FATAL(
        read_text("x1,x2\n0.5,0.25\n# a comment\n-1.5,2.385\n", seekable, 2, 3, BP_OUTPUT_SOFTMAX, opt, &d),
        GSL_SUCCESS);
    CU_ASSERT_PTR_NULL(d->T);
    CU_ASSERT_EQUAL_FATAL(d->X->size1, 2);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 1, 0), -1.5, 0.0);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->X, 1, 1), 2.385, 0.0);
    bp_dataset_free(d);
    d = NULL;
    CU_ASSERT_EQUAL_FATAL(
        read_text("0.5,0.25,0,1,0\n-1.5,2.385,0.25,0.25,0.5\n", seekable, 2, 3, BP_OUTPUT_SOFTMAX, opt, &d),
        GSL_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->T);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 0, 1), 1.0, 0.0);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 1, 2), 0.5, 0.0);
    bp_dataset_free(d);
    d = NULL;
    CU_ASSERT_EQUAL_FATAL(read_text("0.5,0.25,2\n", seekable, 2, 3, BP_OUTPUT_SOFTMAX, opt | BP_DATA_LABELS, &d),
                          GSL_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->T);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 0, 2), 1.0, 0.0);
    ASSERT_REL_CLOSE(gsl_matrix_get(d->T, 0, 0), 0.0, 0.0);
    bp_dataset_free(d);
    d = NULL;
    CU_ASSERT_EQUAL_FATAL(read_text("0.5,0.25\n", seekable, 2, 3, BP_OUTPUT_SOFTMAX, opt | BP_DATA_LABELS, &d),
                          GSL_SUCCESS);
    CU_ASSERT_PTR_NULL(d->T);
    bp_dataset_free(d);
  }
}

/* A width that fits neither names both; a line that differs from the first names the first's line and width; the
 * targets of a row with them are still checked. The same message from either reader, and *out untouched. */
static void check_optional_error(const char *text, unsigned flags, const char *where, const char *word, int line) {
  for (int seekable = 0; seekable <= 1; seekable++) {
    static bp_dataset sentinel;
    bp_dataset *d = &sentinel;
    bp_error_set("%s", "");
    int status = read_text(text, seekable, 2, 3, BP_OUTPUT_SOFTMAX, BP_DATA_TARGETS_OPTIONAL | flags, &d);
    expect_failure(status, GSL_EINVAL, where, word, NULL, line);
    CU_assertImplementation(d == &sentinel, (unsigned)line, "*out untouched", __FILE__, "", CU_FALSE);
  }
}

static void csv_reader_should_name_the_widths_when_targets_are_optional(void) {
  check_optional_error("x1,x2\n0.5,0.25,1\n", 0, "stream.csv:2:",
                       "found 3 cells, expected 2 (the network's 2 inputs alone) or 5 (2 inputs + 3 targets)",
                       __LINE__);
  check_optional_error("0.5,0.25,1,2\n", BP_DATA_LABELS,
                       "stream.csv:1:", "expected 2 (the network's 2 inputs alone) or 3 (2 inputs + 1 class index)",
                       __LINE__);
  check_optional_error("0.5,0.25\n\n0.5,0.25,0,1,0\n", 0,
                       "stream.csv:3:", "found 5 cells, expected 2 as on line 1 (inputs alone, no targets)", __LINE__);
  check_optional_error("0.5,0.25,0,1,0\n0.5,0.25\n", 0,
                       "stream.csv:2:", "found 2 cells, expected 5 as on line 1 (2 inputs + 3 targets)", __LINE__);
  check_optional_error("0.5,0.25,0,1,1\n", 0, "stream.csv:1:", "sum to 2", __LINE__);
  check_optional_error("0.5;0.25\n", 0, "stream.csv:1:", "uses semicolons", __LINE__);
}

/* bp_params_write_* and bp_params_read_* are twins: every value comes back exactly, by name. A path that cannot
 * be written fails with its name and leaves nothing, neither the file nor PATH.tmp. */
static void params_writer_should_write_what_the_reader_reads_back_exactly(void) {
  size_t sizes[4] = {3, 5, 4, 2};
  bp_mlp *src = bp_mlp_alloc(3, sizes, BP_OUTPUT_SOFTMAX), *dst = bp_mlp_alloc(3, sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
  gsl_rng *rng = bp_test_rng(11);
  bp_mlp_init_random(src, rng);
  gsl_rng_free(rng);
  gsl_vector_set(src->params, 1, 1.0 / 3.0); /* needs all 17 digits */
  fixture fx;
  CU_ASSERT_FATAL(fixture_absent(&fx, "p.tsv") == 0);
  CU_ASSERT_EQUAL_FATAL(bp_params_write_tsv(fx.path, src, "written by the test"), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_params_read_tsv(fx.path, dst), GSL_SUCCESS);
  CU_ASSERT_TRUE(gsl_vector_equal(src->params, dst->params));
  FILE *f = fopen(fx.path, "r");
  char line[128] = "";
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
  CU_ASSERT_STRING_EQUAL(line, "# written by the test\n");
  CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
  CU_ASSERT_STRING_EQUAL(line, "param\tvalue\n");
  fclose(f);
  fixture_remove(&fx);
  char bad[256], tmp[300];
  snprintf(bad, sizeof bad, "%s/no-such-dir/p.tsv", fx.dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", bad);
  bp_error_set("%s", "");
  expect_failure(bp_params_write_tsv(bad, src, NULL), GSL_EFAILED, "no-such-dir/p.tsv: cannot write", NULL, NULL,
                 __LINE__);
  CU_ASSERT_NOT_EQUAL(access(bad, F_OK), 0);
  CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
  bp_fault_inject_alloc(0);
  int status = bp_params_write_tsv(bad, src, NULL);
  bp_fault_inject_alloc(-1);
  CU_ASSERT_EQUAL(status, GSL_ENOMEM);
  bp_mlp_free(src);
  bp_mlp_free(dst);
}

int register_data(void) {
  static const bp_test_case cases[] = {
      {"layers_parser_should_read_a_comma_separated_list", layers_parser_should_read_a_comma_separated_list},
      {"csv_reader_should_let_the_first_line_decide_whether_targets_are_given",
       csv_reader_should_let_the_first_line_decide_whether_targets_are_given},
      {"csv_reader_should_name_the_widths_when_targets_are_optional",
       csv_reader_should_name_the_widths_when_targets_are_optional},
      {"params_writer_should_write_what_the_reader_reads_back_exactly",
       params_writer_should_write_what_the_reader_reads_back_exactly},
      {"layers_parser_should_accept_the_largest_size_and_depth",
       layers_parser_should_accept_the_largest_size_and_depth},
      {"layers_parser_should_reject_an_empty_list", layers_parser_should_reject_an_empty_list},
      {"layers_parser_should_reject_a_single_size", layers_parser_should_reject_a_single_size},
      {"layers_parser_should_reject_too_many_sizes", layers_parser_should_reject_too_many_sizes},
      {"layers_parser_should_reject_zero_sizes", layers_parser_should_reject_zero_sizes},
      {"layers_parser_should_reject_negative_sizes", layers_parser_should_reject_negative_sizes},
      {"layers_parser_should_reject_anything_but_digits", layers_parser_should_reject_anything_but_digits},
      {"layers_parser_should_accept_spaces_around_sizes_only", layers_parser_should_accept_spaces_around_sizes_only},
      {"layers_parser_should_reject_empty_items", layers_parser_should_reject_empty_items},
      {"layers_parser_should_reject_a_trailing_comma", layers_parser_should_reject_a_trailing_comma},
      {"layers_parser_should_reject_sizes_above_the_unit_limit",
       layers_parser_should_reject_sizes_above_the_unit_limit},
      {"csv_reader_should_skip_comments_blank_lines_and_a_header",
       csv_reader_should_skip_comments_blank_lines_and_a_header},
      {"csv_reader_should_keep_a_first_line_of_numbers_as_data",
       csv_reader_should_keep_a_first_line_of_numbers_as_data},
      {"csv_reader_should_accept_softmax_rows_summing_to_one_within_the_tolerance",
       csv_reader_should_accept_softmax_rows_summing_to_one_within_the_tolerance},
      {"csv_reader_should_accept_values_that_underflow_to_tiny_numbers",
       csv_reader_should_accept_values_that_underflow_to_tiny_numbers},
      {"csv_reader_should_read_lines_longer_than_any_fixed_buffer",
       csv_reader_should_read_lines_longer_than_any_fixed_buffer},
      {"csv_reader_should_read_many_rows_exactly", csv_reader_should_read_many_rows_exactly},
      {"dataset_free_should_accept_null", dataset_free_should_accept_null},
      {"csv_reader_should_report_a_file_that_cannot_be_opened", csv_reader_should_report_a_file_that_cannot_be_opened},
      {"csv_reader_should_reject_an_empty_file", csv_reader_should_reject_an_empty_file},
      {"csv_reader_should_reject_a_file_with_only_a_header", csv_reader_should_reject_a_file_with_only_a_header},
      {"csv_reader_should_reject_a_cell_that_is_not_a_number", csv_reader_should_reject_a_cell_that_is_not_a_number},
      {"csv_reader_should_reject_trailing_garbage_after_a_number",
       csv_reader_should_reject_trailing_garbage_after_a_number},
      {"csv_reader_should_reject_nan_and_infinity", csv_reader_should_reject_nan_and_infinity},
      {"csv_reader_should_reject_numbers_too_large_for_a_double",
       csv_reader_should_reject_numbers_too_large_for_a_double},
      {"csv_reader_should_reject_empty_cells", csv_reader_should_reject_empty_cells},
      {"csv_reader_should_reject_too_few_or_too_many_cells", csv_reader_should_reject_too_few_or_too_many_cells},
      {"csv_reader_should_reject_logistic_targets_outside_the_unit_interval",
       csv_reader_should_reject_logistic_targets_outside_the_unit_interval},
      {"csv_reader_should_reject_negative_softmax_targets", csv_reader_should_reject_negative_softmax_targets},
      {"csv_reader_should_reject_softmax_rows_not_summing_to_one",
       csv_reader_should_reject_softmax_rows_not_summing_to_one},
      {"csv_reader_should_reject_a_nul_byte", csv_reader_should_reject_a_nul_byte},
      {"csv_reader_should_reject_impossible_shapes", csv_reader_should_reject_impossible_shapes},
      {"params_reader_should_round_trip_every_parameter", params_reader_should_round_trip_every_parameter},
      {"params_reader_should_find_its_columns_in_any_order_and_skip_comments",
       params_reader_should_find_its_columns_in_any_order_and_skip_comments},
      {"params_reader_should_reject_unknown_names", params_reader_should_reject_unknown_names},
      {"params_reader_should_reject_duplicated_names", params_reader_should_reject_duplicated_names},
      {"params_reader_should_name_the_first_missing_parameter", params_reader_should_name_the_first_missing_parameter},
      {"params_reader_should_reject_values_that_are_not_numbers",
       params_reader_should_reject_values_that_are_not_numbers},
      {"params_reader_should_reject_values_that_are_not_finite",
       params_reader_should_reject_values_that_are_not_finite},
      {"params_reader_should_reject_a_wrong_number_of_cells", params_reader_should_reject_a_wrong_number_of_cells},
      {"params_reader_should_require_a_header_with_param_and_value",
       params_reader_should_require_a_header_with_param_and_value},
      {"params_reader_should_report_a_file_that_cannot_be_opened",
       params_reader_should_report_a_file_that_cannot_be_opened},
      {"stream_reader_should_read_the_same_in_one_pass_as_in_two",
       stream_reader_should_read_the_same_in_one_pass_as_in_two},
      {"stream_reader_should_report_errors_in_file_order_in_either_pass",
       stream_reader_should_report_errors_in_file_order_in_either_pass},
      {"stream_reader_should_report_a_file_that_changes_between_the_passes",
       stream_reader_should_report_a_file_that_changes_between_the_passes},
      {"stream_reader_should_reject_null_arguments_and_unknown_flags",
       stream_reader_should_reject_null_arguments_and_unknown_flags},
      {"csv_reader_should_accept_unnormalized_softmax_targets_only_when_asked",
       csv_reader_should_accept_unnormalized_softmax_targets_only_when_asked},
      {"csv_reader_should_still_reject_negative_softmax_targets_with_the_flag",
       csv_reader_should_still_reject_negative_softmax_targets_with_the_flag},
      {"stream_reader_should_survive_every_allocation_failure_in_either_pass",
       stream_reader_should_survive_every_allocation_failure_in_either_pass},
      {"params_stream_reader_should_read_from_memory_and_name_the_stream",
       params_stream_reader_should_read_from_memory_and_name_the_stream},
      {"csv_reader_should_read_class_labels_as_the_one_hot_rows",
       csv_reader_should_read_class_labels_as_the_one_hot_rows},
      {"csv_reader_should_reject_class_labels_that_are_not_a_class",
       csv_reader_should_reject_class_labels_that_are_not_a_class},
      {"csv_reader_should_say_when_labels_meet_one_hot_rows_or_the_reverse",
       csv_reader_should_say_when_labels_meet_one_hot_rows_or_the_reverse},
      {"csv_reader_should_say_that_cells_are_separated_by_commas",
       csv_reader_should_say_that_cells_are_separated_by_commas},
      {"csv_reader_should_never_take_a_first_line_holding_a_number_as_a_header",
       csv_reader_should_never_take_a_first_line_holding_a_number_as_a_header},
      {"example_data_should_read_and_its_labels_should_be_the_one_hot_targets",
       example_data_should_read_and_its_labels_should_be_the_one_hot_targets},
      {"gradient_reader_should_put_each_entry_where_net_grad_keeps_it",
       gradient_reader_should_put_each_entry_where_net_grad_keeps_it},
      {"gradient_reader_should_name_the_parameter_of_a_value_that_is_not_finite",
       gradient_reader_should_name_the_parameter_of_a_value_that_is_not_finite},
      {"gradient_reader_should_reject_a_vector_of_the_wrong_length_and_null_arguments",
       gradient_reader_should_reject_a_vector_of_the_wrong_length_and_null_arguments},
      {"gradient_reader_should_survive_every_allocation_failure",
       gradient_reader_should_survive_every_allocation_failure},
  };
  return bp_test_add_suite("data", cases, sizeof cases / sizeof cases[0]);
}
