/* train.c - minibatch gradient descent with momentum, evaluation, and gradient checks along training (train.h). */
#define _POSIX_C_SOURCE 200809L
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>

#include "core.h"
#include "mistakes.h"
#include "netcheck.h"

/* Rows evaluated at once by bp_train_predict and bp_train_evaluate: bounds their workspace whatever n is. */
#define EVAL_CHUNK 256

const char *bp_train_check_mode_name(bp_train_check_mode mode) {
  switch (mode) {
  case BP_TRAIN_CHECK_SAMPLE: return "sample";
  case BP_TRAIN_CHECK_DIRECTION: return "direction";
  case BP_TRAIN_CHECK_FULL: return "every entry";
  }
  return "unknown";
}

bp_train_options bp_train_options_default(void) {
  return (bp_train_options){.epochs = 100,
                            .batch = 32,
                            .lr = 0.5,
                            .momentum = 0.9,
                            .seed = 1,
                            .check_every = 10,
                            .check_mode = BP_TRAIN_CHECK_SAMPLE,
                            .check_sample = 4,
                            .full_check_max = 5000,
                            .method = BP_FD_CENTRAL};
}

/* dL/dparams of L = E / B: backprop's batch sum of eq. (9)-(16) or eq. (26)-(31), divided by B. */
int bp_train_gradient_mean(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                           double *mean_loss, void *ctx) {
  (void)ctx;
  double E = 0.0;
  int status = bp_mlp_gradient(net, ws, X, T, &E);
  if (status) return status;
  double B = (double)X->size1;
  gsl_vector_scale(net->grad, 1.0 / B);
  *mean_loss = E / B;
  return GSL_SUCCESS;
}

/* The loss from bpcheck's forward pass (eq. (36) or eq. (38)), the gradient from the planted backward pass. */
int bp_train_gradient_planted(bp_mlp *net, bp_mlp_workspace *ws, const gsl_matrix *X, const gsl_matrix *T,
                              double *mean_loss, void *ctx) {
  if (ctx == NULL) BP_ERROR(GSL_EFAULT, "bp_train_gradient_planted: ctx must be the plant");
  double E = 0.0;
  int status = bp_mlp_forward(net, ws, X);
  if (!status) status = bp_mlp_loss(net, ws, T, &E);
  if (!status) status = bp_mistake_gradient(net, X, T, ctx, net->grad);
  if (status) return status;
  double B = (double)X->size1;
  gsl_vector_scale(net->grad, 1.0 / B);
  *mean_loss = E / B;
  return GSL_SUCCESS;
}

void bp_train_log_free(bp_train_log *log) {
  if (log == NULL) return;
  free(log->records);
  if (log->mean) gsl_vector_free(log->mean);
  if (log->sd) gsl_vector_free(log->sd);
  free(log);
}

/* ---- evaluation ---------------------------------------------------------------------------------------------- */

double bp_train_accuracy(const gsl_matrix *Y, const gsl_matrix *T) {
  size_t n = Y->size1, k = Y->size2, right = 0;
  for (size_t r = 0; r < n; r++) {
    if (k == 1) {
      right += (gsl_matrix_get(Y, r, 0) > 0.5) == (gsl_matrix_get(T, r, 0) > 0.5);
      continue;
    }
    size_t y_best = 0, t_best = 0;
    for (size_t c = 1; c < k; c++) {
      if (gsl_matrix_get(Y, r, c) > gsl_matrix_get(Y, r, y_best)) y_best = c;
      if (gsl_matrix_get(T, r, c) > gsl_matrix_get(T, r, t_best)) t_best = c;
    }
    right += y_best == t_best;
  }
  return n ? (double)right / (double)n : NAN;
}

/* Forward over X in chunks of EVAL_CHUNK rows: the outputs into Y (when given) and the summed error of eq. (36)
 * or eq. (38) against T (when given) into *E. */
static int forward_chunks(const bp_mlp *net, const gsl_matrix *X, const gsl_matrix *T, gsl_matrix *Y, double *E) {
  size_t n = X->size1, L = net->n_layers;
  if (X->size2 != net->sizes[0] || (T && (T->size1 != n || T->size2 != net->sizes[L])) ||
      (Y && (Y->size1 != n || Y->size2 != net->sizes[L])))
    BP_ERROR(GSL_EBADLEN, "the data has %zu inputs and %zu outputs a row, the network %zu and %zu", X->size2,
             T   ? T->size2
             : Y ? Y->size2
                 : 0,
             net->sizes[0], net->sizes[L]);
  size_t chunk = n < EVAL_CHUNK ? n : EVAL_CHUNK;
  bp_mlp_workspace *ws = bp_mlp_workspace_alloc(net, chunk), *ws_last = NULL;
  if (ws == NULL) return GSL_ENOMEM;
  if (n % chunk && (ws_last = bp_mlp_workspace_alloc(net, n % chunk)) == NULL) {
    bp_mlp_workspace_free(ws);
    return GSL_ENOMEM;
  }
  double sum = 0.0;
  int status = GSL_SUCCESS;
  for (size_t start = 0; start < n && !status; start += chunk) {
    size_t m = (n - start < chunk) ? n - start : chunk;
    bp_mlp_workspace *w = (m == chunk) ? ws : ws_last;
    gsl_matrix_const_view Xc = gsl_matrix_const_submatrix(X, start, 0, m, X->size2);
    status = bp_mlp_forward(net, w, &Xc.matrix);
    if (!status && Y) {
      gsl_matrix_view Yc = gsl_matrix_submatrix(Y, start, 0, m, Y->size2);
      gsl_matrix_memcpy(&Yc.matrix, w->X[L]);
    }
    if (!status && T) {
      gsl_matrix_const_view Tc = gsl_matrix_const_submatrix(T, start, 0, m, T->size2);
      double e = 0.0;
      status = bp_mlp_loss(net, w, &Tc.matrix, &e);
      sum += e;
    }
  }
  bp_mlp_workspace_free(ws);
  bp_mlp_workspace_free(ws_last);
  if (!status && E) *E = sum;
  return status;
}

int bp_train_predict(const bp_mlp *net, const gsl_matrix *X, gsl_matrix *Y) {
  if (net == NULL || X == NULL || Y == NULL) BP_ERROR(GSL_EINVAL, "bp_train_predict: net, X and Y must be given");
  return forward_chunks(net, X, NULL, Y, NULL);
}

int bp_train_evaluate(const bp_mlp *net, const gsl_matrix *X, const gsl_matrix *T, double *mean_loss,
                      double *accuracy) {
  if (net == NULL || X == NULL || T == NULL) BP_ERROR(GSL_EINVAL, "bp_train_evaluate: net, X and T must be given");
  gsl_matrix *Y = bp_matrix_alloc(X->size1, net->sizes[net->n_layers]);
  if (Y == NULL) return GSL_ENOMEM;
  double E = 0.0;
  int status = forward_chunks(net, X, T, Y, &E);
  if (!status) {
    if (mean_loss) *mean_loss = E / (double)X->size1;
    if (accuracy) *accuracy = bp_train_accuracy(Y, T);
  }
  gsl_matrix_free(Y);
  return status;
}

int bp_train_fold_standardization(bp_mlp *net, const gsl_vector *mean, const gsl_vector *sd) {
  if (net == NULL || mean == NULL || sd == NULL || mean->size != net->sizes[0] || sd->size != net->sizes[0])
    BP_ERROR(GSL_EBADLEN, "bp_train_fold_standardization: needs a mean and a deviation per input");
  gsl_matrix *W = &net->W[1].matrix;
  gsl_vector *b = &net->b[1].vector;
  for (size_t j = 0; j < W->size1; j++) {
    double s = gsl_vector_get(sd, j), m = gsl_vector_get(mean, j);
    if (!(s > 0.0) || !isfinite(s) || !isfinite(m))
      BP_ERROR(GSL_EINVAL, "bp_train_fold_standardization: input %zu has mean %g and deviation %g", j + 1, m, s);
    gsl_vector_view row = gsl_matrix_row(W, j);
    gsl_vector_scale(&row.vector, 1.0 / s); /* W1(j, i) / sd_j */
    gsl_blas_daxpy(-m, &row.vector, b);     /* b1_i - mean_j W1(j, i) / sd_j */
  }
  return GSL_SUCCESS;
}

/* ---- the check along training -------------------------------------------------------------------------------- */

/* Everything one training run holds. */
typedef struct {
  bp_mlp *net;
  const bp_train_options *opt;
  bp_train_gradient_fn gradient;
  gsl_matrix *X, *T, *Xv, *Tv;    /* the training and validation parts (standardised) */
  gsl_matrix *Xb, *Tb;            /* one minibatch */
  bp_mlp_workspace *ws, *ws_last; /* for B rows and for the last, smaller minibatch */
  bp_mlp_workspace *ws_check;     /* the check batch */
  gsl_vector *velocity;
  gsl_vector *g_check; /* the step's gradient on the check batch, times its size */
  size_t *order;       /* the training rows in this epoch's order */
  gsl_rng *rng, *rng_check;
} train_state;

/* The gradient the step uses, on the check batch of B examples, checked by the network check (netcheck.h) against
 * differences of the notes' sum E over that batch. The step claims dL/dparams for L = E / B, so B times it must be
 * dE/dparams: a wrong gradient, or a right one scaled wrongly for the step, fails. */
static int check_now(train_state *st, bp_train_check_mode mode, bp_train_record *rec, bp_diagnosis *diag) {
  bp_mlp *net = st->net;
  size_t nc = st->ws_check->batch;
  gsl_matrix_const_view Xc = gsl_matrix_const_submatrix(st->X, 0, 0, nc, st->X->size2);
  gsl_matrix_const_view Tc = gsl_matrix_const_submatrix(st->T, 0, 0, nc, st->T->size2);
  double L = 0.0;
  int status = st->gradient(net, st->ws_check, &Xc.matrix, &Tc.matrix, &L, st->opt->gradient_ctx);
  if (status) return status;
  gsl_vector_memcpy(st->g_check, net->grad);
  gsl_vector_scale(st->g_check, (double)nc);
  bp_netcheck_options no = bp_netcheck_options_default();
  no.method = st->opt->method;
  no.mode = mode == BP_TRAIN_CHECK_FULL        ? BP_NETCHECK_EVERY
            : mode == BP_TRAIN_CHECK_DIRECTION ? BP_NETCHECK_DIRECTION
                                               : BP_NETCHECK_SAMPLE;
  no.sample = st->opt->check_sample;
  no.rng = st->rng_check;
  no.diagnose = diag != NULL && no.mode == BP_NETCHECK_EVERY;
  bp_netcheck_report *r = NULL;
  if ((status = bp_netcheck_run(net, &Xc.matrix, &Tc.matrix, st->g_check, &no, &r))) return status;
  rec->checked = 1;
  rec->check_mode = mode;
  rec->verdict = r->verdict;
  rec->n_entries = r->gc->size;
  rec->n_failed = r->gc->n_failed;
  rec->n_unresolved = r->gc->n_unresolved;
  rec->max_rel_err = r->gc->max_rel_err;
  if (no.diagnose && r->verdict == BP_VERDICT_FAIL) *diag = r->diagnosis;
  bp_netcheck_report_free(r);
  return GSL_SUCCESS;
}

/* ---- training ------------------------------------------------------------------------------------------------- */

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int check_options(const bp_mlp *net, const bp_dataset *data, const bp_dataset *val, const bp_train_options *o) {
  if (net == NULL || data == NULL || o == NULL)
    BP_ERROR(GSL_EINVAL, "bp_train_run: net, data and options must be given");
  size_t L = net->n_layers;
  const bp_dataset *sets[2] = {data, val};
  for (int k = 0; k < 2; k++)
    if (sets[k] && sets[k]->T == NULL)
      BP_ERROR(GSL_EINVAL, "the %s data has no targets to learn", k ? "validation" : "training");
  for (int k = 0; k < 2; k++)
    if (sets[k] && (sets[k]->X->size2 != net->sizes[0] || sets[k]->T->size2 != net->sizes[L]))
      BP_ERROR(GSL_EBADLEN, "the %s data has %zu inputs and %zu targets a row, the network %zu inputs and %zu outputs",
               k ? "validation" : "training", sets[k]->X->size2, sets[k]->T->size2, net->sizes[0], net->sizes[L]);
  if (o->epochs < 1 || o->epochs > 10000000) BP_ERROR(GSL_EINVAL, "the number of epochs must be from 1 to 10000000");
  if (o->batch < 1) BP_ERROR(GSL_EINVAL, "the minibatch needs at least one example");
  if (!(o->lr > 0.0) || !isfinite(o->lr))
    BP_ERROR(GSL_EINVAL, "the learning rate must be positive and finite, not %g", o->lr);
  if (!(o->momentum >= 0.0 && o->momentum < 1.0))
    BP_ERROR(GSL_EINVAL, "the momentum must lie in [0, 1), not %g", o->momentum);
  if (!(o->split >= 0.0 && o->split < 1.0))
    BP_ERROR(GSL_EINVAL, "the validation share must lie in [0, 1), not %g", o->split);
  if (val && o->split > 0.0) BP_ERROR(GSL_EINVAL, "a validation set and a validation share exclude each other");
  if (o->check_mode == BP_TRAIN_CHECK_SAMPLE && o->check_sample < 1)
    BP_ERROR(GSL_EINVAL, "a sampled check needs at least one entry a block");
  return GSL_SUCCESS;
}

/* Rows rows[0..n) of src into a new matrix. */
static gsl_matrix *gather(const gsl_matrix *src, const size_t *rows, size_t n) {
  gsl_matrix *m = bp_matrix_alloc(n, src->size2);
  for (size_t r = 0; m && r < n; r++) {
    gsl_vector_const_view from = gsl_matrix_const_row(src, rows[r]);
    gsl_matrix_set_row(m, r, &from.vector);
  }
  return m;
}

/* The mean and deviation of every column of X (a constant column gets deviation 1: it is only shifted), and X
 * (and Xv when given) standardised with them. */
static int standardize(gsl_matrix *X, gsl_matrix *Xv, gsl_vector **mean_out, gsl_vector **sd_out) {
  size_t n = X->size1, d = X->size2;
  gsl_vector *mean = bp_vector_alloc(d), *sd = mean ? bp_vector_alloc(d) : NULL;
  if (sd == NULL) {
    if (mean) gsl_vector_free(mean);
    return GSL_ENOMEM;
  }
  for (size_t j = 0; j < d; j++) {
    double m = 0.0, q = 0.0;
    for (size_t r = 0; r < n; r++) m += gsl_matrix_get(X, r, j);
    m /= (double)n;
    for (size_t r = 0; r < n; r++) q += gsl_pow_2(gsl_matrix_get(X, r, j) - m);
    double s = sqrt(q / (double)n);
    if (!(s > 0.0)) s = 1.0;
    gsl_vector_set(mean, j, m);
    gsl_vector_set(sd, j, s);
    gsl_matrix *both[2] = {X, Xv};
    for (int k = 0; k < 2; k++)
      for (size_t r = 0; both[k] && r < both[k]->size1; r++)
        gsl_matrix_set(both[k], r, j, (gsl_matrix_get(both[k], r, j) - m) / s);
  }
  *mean_out = mean;
  *sd_out = sd;
  return GSL_SUCCESS;
}

/* The split and the copies: a seeded permutation of data's rows, its first part for training, the rest (a share
 * opt->split of them) for validation unless a validation set is given. */
static int prepare(train_state *st, const bp_dataset *data, const bp_dataset *val, bp_train_log *log) {
  size_t n = data->X->size1, n_val = 0;
  if (!val && st->opt->split > 0.0) {
    n_val = (size_t)floor(st->opt->split * (double)n + 0.5);
    if (n_val < 1) n_val = 1;
    if (n_val >= n)
      BP_ERROR(GSL_EINVAL, "a validation share of %g leaves no training examples of %zu", st->opt->split, n);
  }
  size_t *perm = bp_malloc(n * sizeof *perm);
  if (perm == NULL) return GSL_ENOMEM;
  for (size_t r = 0; r < n; r++) perm[r] = r;
  gsl_ran_shuffle(st->rng, perm, n, sizeof *perm);
  size_t n_train = n - n_val;
  st->X = gather(data->X, perm, n_train);
  st->T = gather(data->T, perm, n_train);
  if (n_val) {
    st->Xv = gather(data->X, perm + n_train, n_val);
    st->Tv = gather(data->T, perm + n_train, n_val);
  } else if (val) {
    st->Xv = bp_matrix_alloc(val->X->size1, val->X->size2);
    st->Tv = bp_matrix_alloc(val->T->size1, val->T->size2);
    if (st->Xv && st->Tv) gsl_matrix_memcpy(st->Xv, val->X), gsl_matrix_memcpy(st->Tv, val->T);
  }
  free(perm);
  if (!st->X || !st->T || ((n_val || val) && (!st->Xv || !st->Tv))) return GSL_ENOMEM;
  log->n_train = n_train;
  log->n_val = st->Xv ? st->Xv->size1 : 0;
  return st->opt->standardize ? standardize(st->X, st->Xv, &log->mean, &log->sd) : GSL_SUCCESS;
}

static int alloc_state(train_state *st) {
  bp_mlp *net = st->net;
  size_t n = st->X->size1, B = st->opt->batch < n ? st->opt->batch : n;
  st->Xb = bp_matrix_alloc(B, st->X->size2);
  st->Tb = bp_matrix_alloc(B, st->T->size2);
  st->ws = bp_mlp_workspace_alloc(net, B);
  st->ws_check = bp_mlp_workspace_alloc(net, B);
  st->velocity = bp_vector_alloc(net->n_params);
  st->g_check = bp_vector_alloc(net->n_params);
  st->order = bp_malloc(n * sizeof *st->order);
  st->rng_check = bp_rng_alloc(st->opt->seed ^ 0x5bd1e995UL);
  if (!st->Xb || !st->Tb || !st->ws || !st->ws_check || !st->velocity || !st->g_check || !st->order || !st->rng_check)
    return GSL_ENOMEM;
  if (n % B && (st->ws_last = bp_mlp_workspace_alloc(net, n % B)) == NULL) return GSL_ENOMEM;
  for (size_t r = 0; r < n; r++) st->order[r] = r;
  return GSL_SUCCESS;
}

static void free_state(train_state *st) {
  gsl_matrix *ms[] = {st->X, st->T, st->Xv, st->Tv, st->Xb, st->Tb};
  for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
    if (ms[k]) gsl_matrix_free(ms[k]);
  bp_mlp_workspace_free(st->ws);
  bp_mlp_workspace_free(st->ws_last);
  bp_mlp_workspace_free(st->ws_check);
  if (st->velocity) gsl_vector_free(st->velocity);
  if (st->g_check) gsl_vector_free(st->g_check);
  free(st->order);
  if (st->rng) gsl_rng_free(st->rng);
  if (st->rng_check) gsl_rng_free(st->rng_check);
}

/* One epoch: a fresh order, then a step per minibatch: v <- mu v - eta dL/dparams, params <- params + v. */
static int epoch(train_state *st, size_t e) {
  size_t n = st->X->size1, B = st->ws->batch;
  gsl_ran_shuffle(st->rng, st->order, n, sizeof *st->order);
  for (size_t start = 0; start < n; start += B) {
    size_t m = (n - start < B) ? n - start : B;
    gsl_matrix_view Xb = gsl_matrix_submatrix(st->Xb, 0, 0, m, st->Xb->size2);
    gsl_matrix_view Tb = gsl_matrix_submatrix(st->Tb, 0, 0, m, st->Tb->size2);
    for (size_t r = 0; r < m; r++) {
      gsl_vector_const_view x = gsl_matrix_const_row(st->X, st->order[start + r]);
      gsl_vector_const_view t = gsl_matrix_const_row(st->T, st->order[start + r]);
      gsl_matrix_set_row(&Xb.matrix, r, &x.vector);
      gsl_matrix_set_row(&Tb.matrix, r, &t.vector);
    }
    double L = 0.0;
    int status =
        st->gradient(st->net, m == B ? st->ws : st->ws_last, &Xb.matrix, &Tb.matrix, &L, st->opt->gradient_ctx);
    if (status) return status;
    if (!isfinite(L))
      BP_ERROR(GSL_EDOM, "the loss became %g in epoch %zu: the steps diverge; lower the learning rate (--lr %g now)", L,
               e, st->opt->lr);
    gsl_vector_scale(st->velocity, st->opt->momentum);
    gsl_blas_daxpy(-st->opt->lr, st->net->grad, st->velocity);
    gsl_vector_add(st->net->params, st->velocity);
  }
  return GSL_SUCCESS;
}

static int record(train_state *st, size_t e, double seconds, bp_train_log *log) {
  bp_train_record *r = &log->records[e];
  *r = (bp_train_record){.epoch = e, .seconds = seconds, .val_loss = NAN, .val_accuracy = NAN};
  int status = bp_train_evaluate(st->net, st->X, st->T, &r->loss, &r->accuracy);
  if (!status && st->Xv) status = bp_train_evaluate(st->net, st->Xv, st->Tv, &r->val_loss, &r->val_accuracy);
  if (status) return status;
  const bp_train_options *o = st->opt;
  int last = e == o->epochs;
  if (e == 0 || last || (o->check_every && e % o->check_every == 0)) {
    int small = st->net->n_params <= o->full_check_max, first_fail = log->n_checks == log->n_checks_passed;
    bp_train_check_mode mode = (last && small) ? BP_TRAIN_CHECK_FULL : o->check_mode;
    bp_diagnosis *diag = first_fail && small ? &log->diagnosis : NULL;
    if ((status = check_now(st, mode, r, diag))) return status;
    log->n_checks++;
    log->n_checks_passed += r->verdict == BP_VERDICT_PASS;
    if (diag && r->verdict == BP_VERDICT_FAIL) {
      /* the first failure: every entry, diagnosed (a sample or a direction cannot be) */
      bp_train_record full;
      if (mode != BP_TRAIN_CHECK_FULL && (status = check_now(st, BP_TRAIN_CHECK_FULL, &full, diag))) return status;
      log->diagnosis_epoch = e;
    }
  }
  log->n_records = e + 1;
  if (o->progress) o->progress(r, o->epochs, o->progress_ctx);
  return GSL_SUCCESS;
}

int bp_train_run(bp_mlp *net, const bp_dataset *data, const bp_dataset *val, const bp_train_options *opt,
                 bp_train_log **out) {
  int status = check_options(net, data, val, opt);
  if (status) return status;
  if (out == NULL) BP_ERROR(GSL_EINVAL, "bp_train_run: out must be given");
  train_state st = {.net = net, .opt = opt, .gradient = opt->gradient ? opt->gradient : bp_train_gradient_mean};
  bp_train_log *log = bp_calloc(1, sizeof *log);
  if (log == NULL || (log->records = bp_calloc(opt->epochs + 1, sizeof *log->records)) == NULL ||
      (st.rng = bp_rng_alloc(opt->seed)) == NULL) {
    bp_train_log_free(log);
    return GSL_ENOMEM;
  }
  bp_mlp_init_random(net, st.rng);
  status = prepare(&st, data, val, log);
  if (!status) status = alloc_state(&st);
  double spent = 0.0; /* seconds of training and evaluation, without the checks */
  for (size_t e = 0; !status && e <= opt->epochs; e++) {
    double t0 = seconds_now();
    if (e > 0) status = epoch(&st, e);
    spent += seconds_now() - t0;
    if (!status) status = record(&st, e, spent, log);
  }
  free_state(&st);
  if (status) {
    bp_train_log_free(log);
    return status;
  }
  *out = log;
  return GSL_SUCCESS;
}
