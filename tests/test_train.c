/* test_train.c - training (lib/train.h) and its data sets (lib/datasets.h): the spiral learnt by a 2-100-3 network
 * with the mean of eq. (38) as its loss, the checks along training passing on the right gradient of eq. (26)-(31)
 * and failing on planted ones, the same numbers from the same seed, the standardisation fitted on the training part
 * and folded into W1 and b1 (eq. (3)), the generators' geometry and the reader of scikit-learn's files with its
 * messages. scikit-learn's real data sets are trained on only when Debian's python3-sklearn is installed. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>

#include "core.h"
#include "datasets.h"
#include "train.h"
#include "test_util.h"

static bp_dataset *spiral(unsigned long seed) {
  gsl_rng *rng = bp_test_rng(seed);
  bp_dataset *d = NULL;
  if (rng && bp_datasets_spiral(rng, 100, 3, 0.2, BP_TARGETS_ONEHOT, &d)) d = NULL;
  if (rng) gsl_rng_free(rng);
  return d;
}

/* The configuration the docs and the tutorial use: 200 epochs of 30, lr 1, momentum 0.9. */
static bp_train_options spiral_options(void) {
  bp_train_options o = bp_train_options_default();
  o.epochs = 200, o.batch = 30, o.lr = 1.0, o.momentum = 0.9, o.check_every = 20;
  return o;
}

static const size_t spiral_sizes[] = {2, 100, 3};

/* ---- learning ---------------------------------------------------------------------------------------------------- */

/* eq. (38) as the loss, eq. (26)-(31) as its gradient: the spiral is learnt, and every check along the way passes,
 * the last one over every entry. */
static void spiral_should_reach_97_percent_with_every_logged_check_passing(void) {
  bp_dataset *d = spiral(1);
  bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(net);
  bp_train_options o = spiral_options();
  bp_train_log *log = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
  CU_ASSERT_EQUAL(log->n_records, o.epochs + 1);
  const bp_train_record *last = &log->records[o.epochs];
  if (last->accuracy < 0.97) printf("\n  training accuracy %.4f < 0.97\n", last->accuracy);
  CU_ASSERT(last->accuracy >= 0.97);
  CU_ASSERT(last->loss < 0.5 * log->records[0].loss);
  CU_ASSERT(isnan(last->val_accuracy));                         /* no validation part asked for */
  CU_ASSERT_EQUAL(log->n_checks, 1 + o.epochs / o.check_every); /* epoch 0, every 20th, the last one */
  CU_ASSERT_EQUAL(log->n_checks_passed, log->n_checks);
  CU_ASSERT(last->checked && last->check_mode == BP_TRAIN_CHECK_FULL && last->n_entries == net->n_params);
  CU_ASSERT(log->records[0].checked && log->records[0].check_mode == BP_TRAIN_CHECK_SAMPLE);
  CU_ASSERT(last->max_rel_err <= BP_RTOL_GOOD);
  bp_train_log_free(log);
  bp_mlp_free(net);
  bp_dataset_free(d);
}

/* Everything but the clock is a function of the seed. */
static void same_seed_should_give_the_same_numbers(void) {
  bp_dataset *d = spiral(7);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  bp_train_options o = spiral_options();
  o.epochs = 12, o.check_every = 4, o.split = 0.2, o.standardize = 1;
  bp_mlp *net[3];
  bp_train_log *log[3] = {NULL, NULL, NULL};
  for (int k = 0; k < 3; k++) {
    o.seed = k < 2 ? 11 : 12;
    net[k] = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net[k]);
    CU_ASSERT_EQUAL_FATAL(bp_train_run(net[k], d, NULL, &o, &log[k]), GSL_SUCCESS);
  }
  CU_ASSERT(memcmp(net[0]->params->data, net[1]->params->data, net[0]->n_params * sizeof(double)) == 0);
  CU_ASSERT(memcmp(net[0]->params->data, net[2]->params->data, net[0]->n_params * sizeof(double)) != 0);
  for (size_t e = 0; e <= o.epochs; e++) {
    const bp_train_record *a = &log[0]->records[e], *b = &log[1]->records[e];
    CU_ASSERT(a->loss == b->loss && a->accuracy == b->accuracy && a->val_loss == b->val_loss);
    CU_ASSERT(a->checked == b->checked && a->verdict == b->verdict && a->max_rel_err == b->max_rel_err &&
              a->n_unresolved == b->n_unresolved);
  }
  CU_ASSERT(log[0]->records[o.epochs].loss != log[2]->records[o.epochs].loss);
  for (int k = 0; k < 3; k++) bp_train_log_free(log[k]), bp_mlp_free(net[k]);
  bp_dataset_free(d);
}

/* ---- planted bugs ------------------------------------------------------------------------------------------------ */

/* The learning-rate scaling bug: the batch sum of eq. (26)-(31) divided by B twice. The step still descends, only
 * B times too slowly, so nothing looks wrong in the loss; the check of L = E / B sees it. */
static int gradient_divided_twice(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                                  double *mean_loss, void *ctx) {
  int status = bp_train_gradient_mean(net, ws, X, T, mean_loss, ctx);
  gsl_vector_scale(net->grad, 1.0 / (double)X->size1);
  return status;
}

/* A broken backward pass: the hidden layer's bias gradient of eq. (16) with its sign flipped. */
static int hidden_bias_sign_flipped(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                                    double *mean_loss, void *ctx) {
  int status = bp_train_gradient_mean(net, ws, X, T, mean_loss, ctx);
  gsl_vector_scale(&net->db[1].vector, -1.0);
  return status;
}

static void planted_bugs_should_fail_every_logged_check(void) {
  bp_dataset *d = spiral(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  bp_train_gradient_fn bugs[2] = {gradient_divided_twice, hidden_bias_sign_flipped};
  bp_train_check_mode modes[2] = {BP_TRAIN_CHECK_SAMPLE, BP_TRAIN_CHECK_DIRECTION};
  for (int b = 0; b < 2; b++)
    for (int m = 0; m < 2; m++) {
      bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
      CU_ASSERT_PTR_NOT_NULL_FATAL(net);
      bp_train_options o = spiral_options();
      o.epochs = 4, o.check_every = 2, o.lr = 0.1, o.gradient = bugs[b], o.check_mode = modes[m];
      o.full_check_max = 0; /* the last check in the mode under test too */
      bp_train_log *log = NULL;
      CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
      CU_ASSERT_EQUAL(log->n_checks, 3);
      if (log->n_checks_passed) printf("\n  bug %d, mode %d: %zu checks passed\n", b, m, log->n_checks_passed);
      CU_ASSERT_EQUAL(log->n_checks_passed, 0);
      for (size_t e = 0; e < log->n_records; e++)
        if (log->records[e].checked) CU_ASSERT_EQUAL(log->records[e].verdict, BP_VERDICT_FAIL);
      bp_train_log_free(log);
      bp_mlp_free(net);
    }
  bp_dataset_free(d);
}

/* The same run without a planted bug: the control that shows the failures above come from the bugs. */
static void the_right_gradient_should_pass_the_same_checks(void) {
  bp_dataset *d = spiral(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  bp_train_check_mode modes[2] = {BP_TRAIN_CHECK_SAMPLE, BP_TRAIN_CHECK_DIRECTION};
  for (int m = 0; m < 2; m++) {
    bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    bp_train_options o = spiral_options();
    o.epochs = 4, o.check_every = 2, o.lr = 0.1, o.check_mode = modes[m], o.full_check_max = 0;
    bp_train_log *log = NULL;
    CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
    CU_ASSERT_EQUAL(log->n_checks_passed, 3);
    bp_train_log_free(log);
    bp_mlp_free(net);
  }
  bp_dataset_free(d);
}

/* The first failing check is followed by a diagnosed check of every entry: a classic mistake planted in the steps'
 * gradient (mistakes.h) is named at epoch 0, the scaling bug as a factor 1/B; the right gradient gets no diagnosis. */
static void the_first_failing_check_should_name_the_planted_mistake(void) {
  bp_dataset *d = spiral(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  const bp_mistake planted[3] = {BP_MISTAKE_MISSING_DERIVATIVE, BP_MISTAKE_SIGN, BP_MISTAKE_BIAS_NOT_SUMMED};
  for (int k = 0; k <= 4; k++) {
    bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    bp_train_options o = spiral_options();
    o.epochs = 4, o.check_every = 2;
    bp_plant plant = bp_plant_default(k < 3 ? planted[k] : BP_MISTAKE_NONE);
    if (k < 3) o.gradient = bp_train_gradient_planted, o.gradient_ctx = &plant;
    if (k == 3) o.gradient = gradient_divided_twice;
    bp_train_log *log = NULL;
    CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
    if (k < 4) {
      CU_ASSERT_EQUAL(log->n_checks_passed, 0);
      CU_ASSERT_EQUAL(log->diagnosis_epoch, 0);
      if (k < 3) CU_ASSERT_NOT_EQUAL(log->diagnosis.kind, BP_DIAG_NONE);
      if (k == 3) CU_ASSERT_EQUAL(log->diagnosis.kind, BP_DIAG_FACTOR);
      if (k < 3 && log->diagnosis.mistake != planted[k])
        printf("\n  planted %s, diagnosed: %s\n", bp_mistake_describe(planted[k])->name, log->diagnosis.sentence);
      if (k < 3) CU_ASSERT_EQUAL(log->diagnosis.mistake, planted[k]);
      if (k == 3) ASSERT_REL_CLOSE(log->diagnosis.factor, 1.0 / 30.0, 1e-6); /* the check batch: B = 30 */
    } else {
      CU_ASSERT_EQUAL(log->n_checks_passed, log->n_checks);
      CU_ASSERT_EQUAL(log->diagnosis.kind, BP_DIAG_NONE);
    }
    bp_train_log_free(log);
    bp_mlp_free(net);
  }
  bp_dataset_free(d);
}

/* A learning rate far too large drives the loss to overflow: an error that says so, not a log of NaN. */
static void diverging_steps_should_stop_with_a_message(void) {
  bp_dataset *d = spiral(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
  bp_train_options o = spiral_options();
  o.epochs = 50, o.lr = 1e307;
  bp_train_log *log = NULL;
  ASSERT_FAILS_WITH_MESSAGE(bp_train_run(net, d, NULL, &o, &log), GSL_EDOM, "lower the learning rate");
  CU_ASSERT_PTR_NULL(log);
  bp_mlp_free(net);
  bp_dataset_free(d);
}

/* ---- split, standardisation, folding ------------------------------------------------------------------------------ */

/* A validation set far from the training data must not move the standardisation: its mean is the training part's. */
static void standardisation_should_be_fitted_on_the_training_part_only(void) {
  bp_dataset *d = spiral(5), *v = spiral(6);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  gsl_matrix_add_constant(v->X, 100.0);
  double mean[2] = {0, 0}, sd[2] = {0, 0};
  for (size_t j = 0; j < 2; j++) {
    gsl_vector_view c = gsl_matrix_column(d->X, j);
    for (size_t r = 0; r < c.vector.size; r++) mean[j] += gsl_vector_get(&c.vector, r) / (double)c.vector.size;
    for (size_t r = 0; r < c.vector.size; r++)
      sd[j] += gsl_pow_2(gsl_vector_get(&c.vector, r) - mean[j]) / (double)c.vector.size;
    sd[j] = sqrt(sd[j]);
  }
  bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
  bp_train_options o = spiral_options();
  o.epochs = 2, o.standardize = 1;
  bp_train_log *log = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, v, &o, &log), GSL_SUCCESS);
  CU_ASSERT_EQUAL(log->n_train, 300);
  CU_ASSERT_EQUAL(log->n_val, 300);
  for (size_t j = 0; j < 2; j++) {
    ASSERT_ABS_CLOSE(gsl_vector_get(log->mean, j), mean[j], 1e-14);
    ASSERT_REL_CLOSE(gsl_vector_get(log->sd, j), sd[j], 1e-12);
  }
  /* shifted by 100 standard deviations, the validation points are all classified alike */
  CU_ASSERT(log->records[2].val_accuracy < 0.5);
  bp_train_log_free(log);
  bp_mlp_free(net);
  bp_dataset_free(d);
  bp_dataset_free(v);
}

static void split_should_put_a_seeded_share_aside(void) {
  bp_dataset *d = spiral(5);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  bp_mlp *net = bp_mlp_alloc(2, spiral_sizes, BP_OUTPUT_SOFTMAX);
  bp_train_options o = spiral_options();
  o.epochs = 1, o.split = 0.2;
  bp_train_log *log = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
  CU_ASSERT_EQUAL(log->n_val, 60);
  CU_ASSERT_EQUAL(log->n_train, 240);
  CU_ASSERT(isfinite(log->records[1].val_loss) && log->records[1].val_accuracy >= 0.0);
  bp_train_log_free(log);
  ASSERT_FAILS_WITH_MESSAGE(bp_train_run(net, d, d, &o, &log), GSL_EINVAL, "exclude each other");
  o.split = 0.0, o.momentum = 1.0;
  ASSERT_FAILS_WITH_MESSAGE(bp_train_run(net, d, NULL, &o, &log), GSL_EINVAL, "momentum");
  bp_mlp_free(net);
  bp_dataset_free(d);
}

/* eq. (3) on raw x with the folded W1, b1 equals eq. (3) on standardised x with the trained ones. */
static void folding_should_give_the_same_outputs_on_raw_inputs(void) {
  gsl_rng *rng = bp_test_rng(21);
  static const size_t sizes[] = {3, 5, 2};
  bp_mlp *net = bp_mlp_alloc(2, sizes, BP_OUTPUT_SOFTMAX);
  gsl_matrix *X = gsl_matrix_alloc(9, 3), *Z = gsl_matrix_alloc(9, 3), *Y = gsl_matrix_alloc(9, 2),
             *Yf = gsl_matrix_alloc(9, 2);
  gsl_vector *mean = gsl_vector_alloc(3), *sd = gsl_vector_alloc(3);
  CU_ASSERT_FATAL(rng && net && X && Z && Y && Yf && mean && sd);
  bp_mlp_init_random(net, rng);
  bp_test_fill_uniform(X, rng, -30.0, 70.0);
  const double m[3] = {12.5, -3.25, 40.125}, s[3] = {17.3, 0.41, 8.9};
  for (size_t j = 0; j < 3; j++) {
    gsl_vector_set(mean, j, m[j]), gsl_vector_set(sd, j, s[j]);
    for (size_t r = 0; r < 9; r++) gsl_matrix_set(Z, r, j, (gsl_matrix_get(X, r, j) - m[j]) / s[j]);
  }
  CU_ASSERT_EQUAL(bp_train_predict(net, Z, Y), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_train_fold_standardization(net, mean, sd), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_train_predict(net, X, Yf), GSL_SUCCESS);
  for (size_t r = 0; r < 9; r++)
    for (size_t c = 0; c < 2; c++) ASSERT_REL_CLOSE(gsl_matrix_get(Yf, r, c), gsl_matrix_get(Y, r, c), 1e-12);
  gsl_vector_set(sd, 1, 0.0);
  ASSERT_FAILS_WITH_MESSAGE(bp_train_fold_standardization(net, mean, sd), GSL_EINVAL, "input 2");
  gsl_matrix_free(X), gsl_matrix_free(Z), gsl_matrix_free(Y), gsl_matrix_free(Yf);
  gsl_vector_free(mean), gsl_vector_free(sd);
  bp_mlp_free(net);
  gsl_rng_free(rng);
}

static void accuracy_should_count_matching_classes(void) {
  const double y[] = {0.2, 0.7, 0.1, /**/ 0.5, 0.25, 0.25, /**/ 0.3, 0.3, 0.4, /**/ 0.1, 0.1, 0.8};
  const double t[] = {0, 1, 0, /**/ 0, 1, 0, /**/ 0, 0, 1, /**/ 1, 0, 0};
  gsl_matrix_const_view Y = gsl_matrix_const_view_array(y, 4, 3), T = gsl_matrix_const_view_array(t, 4, 3);
  CU_ASSERT_EQUAL(bp_train_accuracy(&Y.matrix, &T.matrix), 0.5);
  const double y1[] = {0.9, 0.4, 0.51, 0.2, 0.6}, t1[] = {1, 0, 0, 0, 1};
  gsl_matrix_const_view Y1 = gsl_matrix_const_view_array(y1, 5, 1), T1 = gsl_matrix_const_view_array(t1, 5, 1);
  CU_ASSERT_EQUAL(bp_train_accuracy(&Y1.matrix, &T1.matrix), 0.8);
}

/* ---- generators ---------------------------------------------------------------------------------------------------- */

/* Point i of an arm lies at radius i / (n - 1) whatever the noise in its angle; each class has n points. */
static void spiral_should_put_n_points_per_arm_at_radius_i_over_n_minus_1(void) {
  bp_dataset *d = spiral(2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  CU_ASSERT_EQUAL(d->X->size1, 300);
  CU_ASSERT_EQUAL(d->T->size2, 3);
  size_t count[3] = {0, 0, 0};
  for (size_t r = 0; r < 300; r++) {
    double x = gsl_matrix_get(d->X, r, 0), y = gsl_matrix_get(d->X, r, 1);
    ASSERT_ABS_CLOSE(hypot(x, y), (double)(r % 100) / 99.0, 1e-15);
    double sum = 0.0;
    for (size_t c = 0; c < 3; c++) sum += gsl_matrix_get(d->T, r, c);
    CU_ASSERT_EQUAL(sum, 1.0);
    CU_ASSERT_EQUAL(gsl_matrix_get(d->T, r, r / 100), 1.0);
    count[r / 100]++;
  }
  CU_ASSERT(count[0] == 100 && count[1] == 100 && count[2] == 100);
  bp_dataset_free(d);
}

static void xor_and_circles_should_label_by_their_geometry(void) {
  gsl_rng *rng = bp_test_rng(4);
  bp_dataset *x = NULL, *c = NULL, *idx = NULL;
  CU_ASSERT_EQUAL_FATAL(bp_datasets_xor(rng, 101, 0.0, BP_TARGETS_BINARY, &x), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_datasets_circles(rng, 101, 0.0, 0.5, BP_TARGETS_ONEHOT, &c), GSL_SUCCESS);
  CU_ASSERT_EQUAL_FATAL(bp_datasets_spiral(rng, 10, 4, 0.2, BP_TARGETS_INDEX, &idx), GSL_SUCCESS);
  for (size_t r = 0; r < 101; r++) {
    int differ = (gsl_matrix_get(x->X, r, 0) > 0) != (gsl_matrix_get(x->X, r, 1) > 0);
    CU_ASSERT_EQUAL(gsl_matrix_get(x->T, r, 0), (double)differ);
    double radius = hypot(gsl_matrix_get(c->X, r, 0), gsl_matrix_get(c->X, r, 1));
    int inner = r >= 51; /* the odd point goes to the outer circle */
    ASSERT_REL_CLOSE(radius, inner ? 0.5 : 1.0, 1e-15);
    CU_ASSERT_EQUAL(gsl_matrix_get(c->T, r, inner), 1.0);
  }
  CU_ASSERT_EQUAL(idx->T->size2, 1);
  CU_ASSERT_EQUAL(gsl_matrix_get(idx->T, 39, 0), 3.0);
  bp_dataset *bad = NULL;
  ASSERT_FAILS_WITH_MESSAGE(bp_datasets_spiral(rng, 10, 3, 0.2, BP_TARGETS_BINARY, &bad), GSL_EINVAL, "2 classes");
  ASSERT_FAILS_WITH_MESSAGE(bp_datasets_circles(rng, 10, 0.1, 1.5, BP_TARGETS_BINARY, &bad), GSL_EINVAL, "(0, 1)");
  ASSERT_FAILS_WITH_MESSAGE(bp_datasets_xor(rng, 10, -1.0, BP_TARGETS_BINARY, &bad), GSL_EINVAL, "noise");
  CU_ASSERT_PTR_NULL(bad);
  bp_dataset_free(x), bp_dataset_free(c), bp_dataset_free(idx);
  gsl_rng_free(rng);
}

/* ---- scikit-learn's files ------------------------------------------------------------------------------------------ */

static int read_text(const char *text, int header, bp_targets targets, bp_dataset **d, size_t *k) {
  *k = 0;
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  if (f == NULL) return -1;
  int status = bp_datasets_read_labelled(f, "mem.csv", header, targets, d, k);
  fclose(f);
  return status;
}

static void labelled_reader_should_read_sklearns_layout(void) {
  bp_dataset *d = NULL;
  size_t k = 0;
  CU_ASSERT_EQUAL_FATAL(read_text("4,3,a,b,c\n5.1,3.5,1.4,0\n4.9,3.25,1.5,2\n\n6.2,2.9,4.3,1\n7.7,3.8,6.7,2\n", 1,
                                  BP_TARGETS_ONEHOT, &d, &k),
                        GSL_SUCCESS);
  CU_ASSERT_EQUAL(k, 3);
  CU_ASSERT(d->X->size1 == 4 && d->X->size2 == 3 && d->T->size2 == 3);
  CU_ASSERT_EQUAL(gsl_matrix_get(d->X, 1, 1), 3.25);
  CU_ASSERT_EQUAL(gsl_matrix_get(d->T, 1, 2), 1.0);
  CU_ASSERT_EQUAL(gsl_matrix_get(d->T, 2, 1), 1.0);
  bp_dataset_free(d);
  CU_ASSERT_EQUAL_FATAL(read_text("0,16,3,1\n2,4,8,0\n", 0, BP_TARGETS_BINARY, &d, &k), GSL_SUCCESS);
  CU_ASSERT(k == 2 && d->X->size2 == 3 && gsl_matrix_get(d->T, 0, 0) == 1.0);
  bp_dataset_free(d);
  /* what `bpcheck data --labels` writes: a header of names, comments; four classes asked for, three seen */
  FILE *f = fmemopen((void *)"# spiral\nx1,x2,class\n0.5,-0.25,2\n\n0.125,1,0\n", 44, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  k = 4;
  CU_ASSERT_EQUAL(bp_datasets_read_labelled(f, "mem.csv", 0, BP_TARGETS_ONEHOT, &d, &k), GSL_SUCCESS);
  fclose(f);
  CU_ASSERT_FATAL(k == 4 && d && d->X->size1 == 2 && d->T->size2 == 4);
  CU_ASSERT(gsl_matrix_get(d->T, 0, 2) == 1.0 && gsl_matrix_get(d->X, 1, 0) == 0.125);
  bp_dataset_free(d);
}

static void labelled_reader_should_name_the_line_of_bad_input(void) {
  bp_dataset *d = NULL;
  size_t k = 0;
  ASSERT_FAILS_WITH_MESSAGE(read_text("3,2,a,b\n1,2,0\n1,x,1\n", 1, BP_TARGETS_ONEHOT, &d, &k), GSL_EINVAL,
                            "mem.csv:3:2:");
  ASSERT_FAILS_WITH_MESSAGE(read_text("3,2,a,b\n1,2,0\n1,2,1\n", 1, BP_TARGETS_ONEHOT, &d, &k), GSL_EINVAL,
                            "announces 3 examples");
  ASSERT_FAILS_WITH_MESSAGE(read_text("1,2,0\n1,2,1.5\n", 0, BP_TARGETS_ONEHOT, &d, &k), GSL_EINVAL,
                            "mem.csv:2:3: the class label");
  ASSERT_FAILS_WITH_MESSAGE(read_text("1,2,0\n1,1\n", 0, BP_TARGETS_ONEHOT, &d, &k), GSL_EINVAL, "mem.csv:2: found 2");
  ASSERT_FAILS_WITH_MESSAGE(read_text("species\n1,2,0\n", 1, BP_TARGETS_ONEHOT, &d, &k), GSL_EINVAL, "mem.csv:1:");
  ASSERT_FAILS_WITH_MESSAGE(read_text("1,2,0\n3,4,2\n", 0, BP_TARGETS_BINARY, &d, &k), GSL_EINVAL, "2 classes");
  CU_ASSERT_PTR_NULL(d);
}

/* ---- scikit-learn's real data, when installed ------------------------------------------------------------------------- */

/* The data set read from Debian's python3-sklearn, or NULL (with a message) when it is not installed. */
static bp_dataset *sklearn(const char *name, bp_targets targets) {
  const bp_dataset_info *info = bp_datasets_find(name);
  char path[512], cmd[600];
  snprintf(path, sizeof path, "%s/%s", BP_DATASETS_SKLEARN_DIR, info->file);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    printf("\n  skipped: %s is missing (Debian package %s)\n", path, BP_DATASETS_SKLEARN_PACKAGE);
    return NULL;
  }
  if (info->gzipped) {
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
    f = popen(cmd, "r");
  }
  bp_dataset *d = NULL;
  size_t k = 0;
  int status = f ? bp_datasets_read_labelled(f, path, info->header, targets, &d, &k) : GSL_EFAILED;
  if (f) info->gzipped ? pclose(f) : fclose(f);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  CU_ASSERT(status || (k == info->n_classes && d->X->size2 == info->n_features));
  return status ? NULL : d;
}

/* The accuracies docs/training.md states, on a seeded 20% validation split, with every check passing. */
static void sklearn_data_should_reach_95_percent_validation_accuracy(void) {
  struct {
    const char *name;
    size_t hidden, epochs, batch;
    double lr;
    bp_output output;
  } runs[] = {{"iris", 10, 100, 16, 0.1, BP_OUTPUT_SOFTMAX},
              {"breast-cancer", 10, 50, 16, 0.1, BP_OUTPUT_LOGISTIC},
              {"digits", 100, 20, 32, 0.1, BP_OUTPUT_SOFTMAX}};
  for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
    bp_dataset *d = sklearn(runs[k].name, runs[k].output == BP_OUTPUT_LOGISTIC ? BP_TARGETS_BINARY : BP_TARGETS_ONEHOT);
    if (d == NULL) continue;
    size_t sizes[3] = {d->X->size2, runs[k].hidden, d->T->size2};
    bp_mlp *net = bp_mlp_alloc(2, sizes, runs[k].output);
    bp_train_options o = bp_train_options_default();
    o.epochs = runs[k].epochs, o.batch = runs[k].batch, o.lr = runs[k].lr, o.split = 0.2, o.standardize = 1;
    o.check_every = runs[k].epochs / 2, o.full_check_max = 0;
    bp_train_log *log = NULL;
    CU_ASSERT_EQUAL_FATAL(bp_train_run(net, d, NULL, &o, &log), GSL_SUCCESS);
    double acc = log->records[o.epochs].val_accuracy;
    printf("\n  %s: validation accuracy %.4f, %zu of %zu checks pass ", runs[k].name, acc, log->n_checks_passed,
           log->n_checks);
    CU_ASSERT(acc >= 0.95);
    CU_ASSERT_EQUAL(log->n_checks_passed, log->n_checks);
    bp_train_log_free(log);
    bp_mlp_free(net);
    bp_dataset_free(d);
  }
}

/* ---- the commands: bpcheck data, train, predict -------------------------------------------------------------------- */

static char dir[64];
static char out[1 << 20], out2[1 << 20], err[8192];

static int cli_setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "train")) return 1;
  return bp_test_write_file(dir, "bad.csv", "x1,x2,t1,t2,t3\n0.5,0.25,1,0,0\n0.5,oops,0,1,0\n") ||
         bp_test_write_file(dir, "labels.csv", "x1,x2,class\n0.5,0.25,0\n0.5,-0.75,1\n0.125,0.5,2\n-0.5,0.25,7\n") ||
         bp_test_write_file(dir, "short.csv", "x1,x2,t1,t2,t3\n0.5,0.25,1,0,0\n") ||
         bp_test_write_file(dir, "width.csv", "# inputs of a 2-input network\n\n0.5,0.25,1,0\n") ||
         bp_test_write_file(dir, "mixed.csv", "x1,x2\n0.5,0.25\n0.5,0.25,1,0,0\n");
}

static int cli_teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : 1;
}

static int run(const char *fmt, const char *a, const char *b, char *o) {
  char args[1024];
  snprintf(args, sizeof args, fmt, a, b, a, b);
  return bp_test_run_bpcheck(args, dir, o, sizeof out, err, sizeof err);
}

/* The last line of text that starts with a digit (the TSV log's last epoch). */
static const char *last_row(const char *text) {
  const char *row = NULL;
  for (const char *p = text; p && *p; p = bp_test_next_line(p))
    if (*p >= '0' && *p <= '9') row = p;
  return row;
}

static void data_should_write_the_same_csv_for_the_same_seed(void) {
  CU_ASSERT_EQUAL(run("data spiral --seed 4 > '%s/a.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL(run("data spiral --seed 4", dir, NULL, out), 0);
  CU_ASSERT_EQUAL(run("data spiral --seed 5", dir, NULL, out2), 0);
  CU_ASSERT(strcmp(out, out2) != 0);
  size_t rows = 0;
  for (const char *p = out; p && *p; p = bp_test_next_line(p)) rows += (*p != '#');
  CU_ASSERT_EQUAL(rows, 301); /* the header and 3 x 100 points */
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "x1,x2,t1,t2,t3\n"));
  CU_ASSERT_EQUAL(run("data xor --labels --points 10", dir, NULL, out), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "x1,x2,class\n"));
  CU_ASSERT_EQUAL(run("data circles --points 10", dir, NULL, out), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "x1,x2,t\n"));
  /* scikit-learn's files missing: the message names the package, nothing is written */
  setenv("BPCHECK_SKLEARN_DIR", dir, 1);
  CU_ASSERT_EQUAL(run("data digits", dir, NULL, out), 2);
  unsetenv("BPCHECK_SKLEARN_DIR");
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "digits.csv.gz, which is missing: it comes with Debian's python3-sklearn"));
  CU_ASSERT_EQUAL(out[0], '\0');
  CU_ASSERT_EQUAL(run("data moons", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "moons"));
  CU_ASSERT_EQUAL(out[0], '\0');
}

/* train --standardize --save, then predict with the saved file on the RAW data: the folded W1, b1 (eq. (3)) give the
 * log's last loss and accuracy; grad --params checks the gradient at the trained point. */
static void saved_parameters_should_predict_what_training_logged_and_be_checkable(void) {
  CU_ASSERT_EQUAL_FATAL(run("data spiral --points 40 > '%s/s.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL_FATAL(run("train --layers 2,20,3 --output softmax --data '%s/s.csv' --epochs 30 --batch 16 --lr 1 "
                            "--standardize --split 0.25 --format tsv --save '%s/p.tsv'",
                            dir, dir, out),
                        0);
  const char *row = last_row(out);
  CU_ASSERT_PTR_NOT_NULL_FATAL(row);
  unsigned epoch;
  double loss, acc, vloss, vacc;
  CU_ASSERT_EQUAL_FATAL(sscanf(row, "%u\t%lf\t%lf\t%lf\t%lf", &epoch, &loss, &acc, &vloss, &vacc), 5);
  CU_ASSERT_EQUAL(epoch, 30);
  CU_ASSERT_PTR_NOT_NULL(strstr(row, "\tfull\tPASS\t"));
  /* predict on all 120 examples: its mean loss is the 90 training and 30 validation examples' weighted together */
  CU_ASSERT_EQUAL_FATAL(
      run("predict --layers 2,20,3 --output softmax --data '%s/s.csv' --params '%s/p.tsv'", dir, dir, out), 0);
  const char *tail = strstr(out, "# accuracy ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
  double pacc, ploss;
  CU_ASSERT_EQUAL_FATAL(sscanf(tail, "# accuracy %lf (%*s of %*s mean loss %lf", &pacc, &ploss), 2);
  ASSERT_REL_CLOSE(ploss, (90.0 * loss + 30.0 * vloss) / 120.0, 1e-9);
  ASSERT_ABS_CLOSE(pacc, (90.0 * acc + 30.0 * vacc) / 120.0, 1e-6);
  CU_ASSERT_EQUAL(
      run("grad --layers 2,20,3 --output softmax --data '%s/s.csv' --params '%s/p.tsv' --sample 4", dir, dir, out), 0);
  CU_ASSERT_EQUAL(strncmp(out, "PASS", 4), 0);
}

/* predict: the CSV's width decides. Inputs alone give the same outputs as inputs with targets, and no accuracy;
 * targets as one-hot cells or (--labels) a class index give the same accuracy. */
static void predict_should_take_inputs_alone_or_with_targets_as_the_width_says(void) {
  CU_ASSERT_EQUAL_FATAL(run("data spiral --points 20 > '%s/p3.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL_FATAL(run("data spiral --points 20 --labels > '%s/p3l.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL_FATAL(run("data spiral --points 20 | cut -d, -f1,2 > '%s/p3in.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL_FATAL(
      run("train --layers 2,10,3 --output softmax --data '%s/p3.csv' --epochs 5 --save '%s/p3.tsv'", dir, dir, out), 0);
  CU_ASSERT_EQUAL_FATAL(
      run("predict --layers 2,10,3 --output softmax --data '%s/p3.csv' --params '%s/p3.tsv'", dir, dir, out), 0);
  CU_ASSERT_EQUAL_FATAL(
      run("predict --layers 2,10,3 --output softmax --data '%s/p3in.csv' --params '%s/p3.tsv'", dir, dir, out2), 0);
  char *acc = strstr(out, "# accuracy ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
  CU_ASSERT_PTR_NULL(strstr(out2, "accuracy"));
  size_t rows = 0;
  for (const char *p = out2; p && *p; p = bp_test_next_line(p)) rows++;
  CU_ASSERT_EQUAL(rows, 61);                                   /* y1 y2 y3, then one line per example */
  CU_ASSERT_EQUAL(strncmp(out, out2, (size_t)(acc - out)), 0); /* the same outputs, line for line */
  CU_ASSERT_EQUAL(strlen(out2), (size_t)(acc - out));
  char one_hot[128];
  snprintf(one_hot, sizeof one_hot, "%s", acc);
  CU_ASSERT_EQUAL(
      run("predict --layers 2,10,3 --output softmax --labels --data '%s/p3l.csv' --params '%s/p3.tsv'", dir, dir, out),
      0);
  acc = strstr(out, "# accuracy ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
  CU_ASSERT_STRING_EQUAL(acc, one_hot);
  CU_ASSERT_EQUAL(
      run("predict --layers 2,10,3 --output softmax --data '%s/p3in.csv' --params '%s/p3.tsv' --format json", dir, dir,
          out),
      0);
  CU_ASSERT(bp_test_json_valid(out));
  CU_ASSERT_PTR_NULL(strstr(out, "accuracy"));
  /* train --plant: the steps use the mistake's gradient; every check FAILs (exit 1) and the first names it */
  CU_ASSERT_EQUAL(run("train --layers 2,10,3 --output softmax --data '%s/p3.csv' --epochs 4 --plant missing-derivative",
                      dir, NULL, out),
                  1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "0 of 2 gradient checks pass"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "diagnosis of the first failure (epoch 0, every entry): Layer 1 is wrong"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "x(1-x)"));
  CU_ASSERT_EQUAL(run("train --layers 2,10,3 --output softmax --data '%s/p3.csv' --epochs 4 --plant sign --format json",
                      dir, NULL, out),
                  1);
  CU_ASSERT(bp_test_json_valid(out));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"diagnosis\": {\"epoch\": 0, \"kind\": \"sign\""));
  CU_ASSERT_EQUAL(
      run("train --layers 2,10,3 --output softmax --data '%s/p3.csv' --epochs 4 --plant nonsense", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown mistake 'nonsense'"));
  /* a CSV of inputs alone cannot be trained on */
  CU_ASSERT_EQUAL(run("train --layers 2,10,3 --output softmax --data '%s/p3in.csv' --epochs 2", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "p3in.csv:3: found 2 cells, expected 5"));
}

static void train_json_should_be_valid_and_name_every_check(void) {
  CU_ASSERT_EQUAL_FATAL(run("data xor --points 64 > '%s/x.csv'", dir, NULL, out), 0);
  CU_ASSERT_EQUAL(run("train --layers 2,8,1 --output logistic --data '%s/x.csv' --epochs 6 --check-every 3 --direction "
                      "--format json",
                      dir, NULL, out),
                  0);
  CU_ASSERT(bp_test_json_valid(out));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"checks\": 3, \"checks_passed\": 3"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"mode\": \"direction\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"mode\": \"every entry\""));
}

/* Bad input: exit 2, the file and line in the message, nothing on stdout, no parameter file. */
static void bad_input_should_exit_2_naming_the_file_and_line(void) {
  CU_ASSERT_EQUAL(run("train --layers 2,5,3 --output softmax --data '%s/bad.csv' --save '%s/never.tsv'", dir, dir, out),
                  2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.csv:3:"));
  CU_ASSERT_EQUAL(out[0], '\0');
  CU_ASSERT_EQUAL(run("train --layers 2,5,3 --output softmax --labels --data '%s/labels.csv'", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "labels.csv:5:3: the class index is 7"));
  CU_ASSERT_EQUAL(run("train --layers 2,5,3 --output softmax --data '%s/short.csv' --split 0.5", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no training examples"));
  CU_ASSERT_EQUAL(run("train --layers 2,5,3 --output softmax --data '%s/short.csv' --lr -1", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--lr"));
  /* predict: a width that is neither the inputs alone nor inputs and targets names the file, the line and both */
  CU_ASSERT_EQUAL(
      run("predict --layers 2,5,3 --output softmax --data '%s/width.csv' --params '%s/never.tsv'", dir, dir, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "width.csv:3: found 4 cells, expected 2 (the network's 2 inputs alone) or 5 "
                                     "(2 inputs + 3 targets)"));
  CU_ASSERT_EQUAL(out[0], '\0');
  CU_ASSERT_EQUAL(
      run("predict --layers 2,5,3 --output softmax --data '%s/mixed.csv' --params '%s/never.tsv'", dir, dir, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "mixed.csv:3: found 5 cells, expected 2 as on line 2"));
  CU_ASSERT_EQUAL(out[0], '\0');
  CU_ASSERT_EQUAL(
      run("predict --layers 2,5,3 --output softmax --data '%s/short.csv' --params '%s/never.tsv' --epochs 2", dir, dir,
          out),
      2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--epochs is an option of train"));
  CU_ASSERT_EQUAL(run("grad --layers 2,5,3 --output softmax --data '%s/short.csv' --epochs 3", dir, NULL, out), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "options of train"));
  char path[128];
  snprintf(path, sizeof path, "%s/never.tsv", dir);
  CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
  snprintf(path, sizeof path, "%s/never.tsv.tmp", dir);
  CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
}

int register_train(void) {
  static const bp_test_case cases[] = {
      {"spiral should reach 97% with every logged check passing (eq. (38), eq. (26)-(31))",
       spiral_should_reach_97_percent_with_every_logged_check_passing},
      {"same seed should give the same numbers", same_seed_should_give_the_same_numbers},
      {"planted bugs should fail every logged check (eq. (16))", planted_bugs_should_fail_every_logged_check},
      {"the right gradient should pass the same checks", the_right_gradient_should_pass_the_same_checks},
      {"the first failing check should name the planted mistake (eq. (12), eq. (26), eq. (16))",
       the_first_failing_check_should_name_the_planted_mistake},
      {"diverging steps should stop with a message", diverging_steps_should_stop_with_a_message},
      {"standardisation should be fitted on the training part only",
       standardisation_should_be_fitted_on_the_training_part_only},
      {"split should put a seeded share aside", split_should_put_a_seeded_share_aside},
      {"folding should give the same outputs on raw inputs (eq. (3))",
       folding_should_give_the_same_outputs_on_raw_inputs},
      {"accuracy should count matching classes", accuracy_should_count_matching_classes},
      {"spiral should put n points per arm at radius i/(n-1)",
       spiral_should_put_n_points_per_arm_at_radius_i_over_n_minus_1},
      {"xor and circles should label by their geometry", xor_and_circles_should_label_by_their_geometry},
      {"labelled reader should read scikit-learn's layout", labelled_reader_should_read_sklearns_layout},
      {"labelled reader should name the line of bad input", labelled_reader_should_name_the_line_of_bad_input},
      {"scikit-learn's data should reach 95% validation accuracy (when installed)",
       sklearn_data_should_reach_95_percent_validation_accuracy},
  };
  static const bp_test_case commands[] = {
      {"data should write the same CSV for the same seed", data_should_write_the_same_csv_for_the_same_seed},
      {"saved parameters should predict what training logged and be checkable (eq. (3), eq. (38))",
       saved_parameters_should_predict_what_training_logged_and_be_checkable},
      {"predict should take inputs alone or with targets as the width says",
       predict_should_take_inputs_alone_or_with_targets_as_the_width_says},
      {"train JSON should be valid and name every check", train_json_should_be_valid_and_name_every_check},
      {"bad input should exit 2 naming the file and line", bad_input_should_exit_2_naming_the_file_and_line},
  };
  if (bp_test_add_suite("train", cases, sizeof cases / sizeof cases[0])) return 1;
  CU_pSuite s = CU_add_suite("train commands", cli_setup, cli_teardown);
  for (size_t k = 0; s && k < sizeof commands / sizeof commands[0]; k++)
    if (CU_add_test(s, commands[k].name, commands[k].fn) == NULL) return 1;
  return s == NULL;
}
