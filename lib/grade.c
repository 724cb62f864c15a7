/* grade.c - the exercises, their cases, and the judgement of an answer (grade.h). */
#define _POSIX_C_SOURCE 200809L
#include "grade.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "activation.h"
#include "core.h"
#include "gradcheck.h"
#include "xent.h"

/* The student's header is the source of truth for the status codes the harness passes on; grade.h repeats them
 * for programs that do not have course/ (an installed library), and this keeps the two equal. course/ sits beside
 * lib/ in the repository, the handout's grader/ and the autograder alike. */
#include "../course/exercises.h"
_Static_assert(BP_GRADE_EX_NOT_ATTEMPTED == EX_NOT_ATTEMPTED,
               "grade.h and course/exercises.h disagree on EX_NOT_ATTEMPTED");
_Static_assert(BP_GRADE_EX_SUCCESS == EX_SUCCESS, "grade.h and course/exercises.h disagree on EX_SUCCESS");

enum {
  EX_CENTRAL_DIFFERENCE,
  EX_LOGISTIC_DE_DX,
  EX_LOGISTIC_DX_DS,
  EX_LOGISTIC_OUTPUT_DELTA,
  EX_OUTPUT_WEIGHT_GRAD,
  EX_HIDDEN_DELTA,
  EX_NETWORK_BACKWARD,
  EX_SOFTMAX_JACOBIAN,
  EX_SOFTMAX_DS_SPLIT,
  EX_SOFTMAX_DS_EXPANDED,
  EX_SOFTMAX_OUTPUT_DELTA,
  EX_SOFTMAX_NETWORK_BACKWARD,
  EX_LOGISTIC_LOSS_STABLE,
  EX_SOFTMAX_LOSS_STABLE,
  EX_COUNT
};

/* In the order of the enum above, which is tutorial order. */
static const bp_grade_exercise exercises[EX_COUNT] = {
    {"central_difference", "ex00_fd.c", "", "the central difference (f(x+h) - f(x-h)) / 2h", 1},
    {"logistic_dE_dx", "ex01_logistic.c", "eq. (6)", "dE/dx of the logistic cross-entropy", 1},
    {"logistic_dx_ds", "ex01_logistic.c", "eq. (7)", "the derivative of the logistic unit", 1},
    {"logistic_output_delta", "ex01_logistic.c", "eq. (9)", "the logistic output delta x - t", 1},
    {"output_weight_grad", "ex01_logistic.c", "eq. (10)", "the output layer's weight gradient", 1},
    {"hidden_delta", "ex02_hidden.c", "eq. (12)", "the hidden delta", 2},
    {"network_backward", "ex02_hidden.c", "eq. (9)-(16)", "the backward pass of a logistic network", 3},
    {"softmax_jacobian", "ex03_softmax.c", "eq. (21)", "the softmax Jacobian", 1},
    {"softmax_ds_split", "ex03_softmax.c", "eq. (23)", "the corrected split chain rule", 2},
    {"softmax_ds_expanded", "ex03_softmax.c", "eq. (24)", "the corrected expanded delta", 2},
    {"softmax_output_delta", "ex04_softmax_net.c", "eq. (26)", "the softmax output delta x - t", 1},
    {"softmax_network_backward", "ex04_softmax_net.c", "eq. (26)-(31)", "the backward pass of a softmax network", 3},
    {"logistic_loss_stable", "ex05_stable.c", "eq. (36)", "the stable logistic cross-entropy", 1},
    {"softmax_loss_stable", "ex05_stable.c", "eq. (38)", "the stable softmax cross-entropy", 1},
};

const bp_grade_exercise *bp_grade_exercises(size_t *n) {
  if (n != NULL) *n = EX_COUNT;
  return exercises;
}

const bp_grade_exercise *bp_grade_exercise_find(const char *id) {
  for (size_t k = 0; id != NULL && k < EX_COUNT; k++)
    if (!strcmp(exercises[k].id, id)) return &exercises[k];
  return NULL;
}

static int exercise_index(const bp_grade_exercise *ex) { return (int)(ex - exercises); }

/* ---- cases ------------------------------------------------------------------------------------------------------ */
#define MAX_INTS 72
#define MAX_ARRAYS 72

typedef struct {
  int ex;
  char label[96];
  size_t n_ints, ints[MAX_INTS];
  size_t n_arrays, lens[MAX_ARRAYS];
  char names[MAX_ARRAYS][12];
  double *arrays[MAX_ARRAYS];
  size_t out_len;
  double *reference; /* out_len */
  /* the truth: F at `point` has `rows` outputs; the answer is its rows x point->size Jacobian */
  size_t rows;
  gsl_vector *point;
  gsl_matrix *T, *W, *Xb, *S1, *X1; /* targets (1 x n), weights, activations below (1 x nj), scratch */
  gsl_vector *bias, *g;
  bp_mlp *net;
  bp_mlp_workspace *ws;
  gsl_matrix *X0, *TB; /* the network's batch and targets */
  double value_scale;  /* value exercises: the size of the terms summed */
} grade_case;

struct bp_grade_cases {
  const bp_grade_exercise *ex;
  size_t n;
  grade_case *cases[BP_GRADE_MAX_CASES];
};

static void case_free(grade_case *c) {
  if (c == NULL) return;
  for (size_t a = 0; a < c->n_arrays; a++) free(c->arrays[a]);
  free(c->reference);
  gsl_vector_free(c->point);
  gsl_matrix_free(c->T);
  gsl_matrix_free(c->W);
  gsl_matrix_free(c->Xb);
  gsl_matrix_free(c->S1);
  gsl_matrix_free(c->X1);
  gsl_vector_free(c->bias);
  gsl_vector_free(c->g);
  bp_mlp_workspace_free(c->ws);
  bp_mlp_free(c->net);
  gsl_matrix_free(c->X0);
  gsl_matrix_free(c->TB);
  free(c);
}

void bp_grade_cases_free(bp_grade_cases *c) {
  if (c == NULL) return;
  for (size_t k = 0; k < c->n; k++) case_free(c->cases[k]);
  free(c);
}

size_t bp_grade_cases_count(const bp_grade_cases *c) { return c == NULL ? 0 : c->n; }

/* A new array of the case's input, copied from v (n values). NULL on failure. */
static double *case_array(grade_case *c, const char *name, const double *v, size_t n) {
  if (c->n_arrays >= MAX_ARRAYS) return NULL;
  double *a = bp_malloc((n ? n : 1) * sizeof *a);
  if (a == NULL) return NULL;
  if (v != NULL) memcpy(a, v, n * sizeof *a);
  snprintf(c->names[c->n_arrays], sizeof c->names[0], "%s", name);
  c->lens[c->n_arrays] = n;
  c->arrays[c->n_arrays++] = a;
  return a;
}

static int case_int(grade_case *c, size_t v) {
  if (c->n_ints >= MAX_INTS) return GSL_EBADLEN;
  c->ints[c->n_ints++] = v;
  return GSL_SUCCESS;
}

/* What a case is made from. */
typedef struct {
  unsigned long seed;
  size_t n, nj, ni; /* vector length; layer sizes */
  size_t n_layers, sizes[5], batch;
  int extreme;      /* targets at 0 and 1 (one-hot for softmax); the losses: |s| up to 800 */
  int unnormalized; /* softmax targets that do not sum to one */
  double h;         /* the central difference's step */
} case_spec;

static double uniform(gsl_rng *r, double lo, double hi) { return lo + (hi - lo) * gsl_rng_uniform(r); }

/* Logistic targets: uniform in [0, 1], or 0 and 1 when extreme. */
static void logistic_targets(gsl_rng *r, double *t, size_t n, int extreme) {
  for (size_t i = 0; i < n; i++) t[i] = extreme ? (double)(gsl_rng_uniform(r) < 0.5) : gsl_rng_uniform(r);
}

/* Softmax targets of one example: one-hot when extreme, a distribution otherwise, each entry multiplied by a
 * common factor in [1.2, 1.6] when unnormalized. */
static void softmax_targets(gsl_rng *r, double *t, size_t n, int extreme, int unnormalized) {
  double sum = 0;
  size_t hot = gsl_rng_uniform_int(r, n);
  for (size_t i = 0; i < n; i++) sum += (t[i] = extreme ? (double)(i == hot) : uniform(r, 0.05, 1));
  double scale = unnormalized ? uniform(r, 1.2, 1.6) : 1;
  for (size_t i = 0; i < n; i++) t[i] = t[i] / sum * scale;
}

static void labelf(grade_case *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->label, sizeof c->label, fmt, ap);
  va_end(ap);
}

static int make_network_case(grade_case *c, const case_spec *sp, gsl_rng *r, bp_output out) {
  size_t L = sp->n_layers, B = sp->batch;
  c->net = bp_mlp_alloc(L, sp->sizes, out);
  if (c->net == NULL) return GSL_ENOMEM;
  bp_mlp_init_random(c->net, r);
  c->ws = bp_mlp_workspace_alloc(c->net, B);
  c->X0 = bp_matrix_alloc(B, sp->sizes[0]);
  c->TB = bp_matrix_alloc(B, sp->sizes[L]);
  if (c->ws == NULL || c->X0 == NULL || c->TB == NULL) return GSL_ENOMEM;
  for (size_t b = 0; b < B; b++) {
    for (size_t k = 0; k < sp->sizes[0]; k++) gsl_matrix_set(c->X0, b, k, gsl_ran_gaussian(r, 1.0));
    double *t = gsl_matrix_ptr(c->TB, b, 0);
    if (out == BP_OUTPUT_LOGISTIC)
      logistic_targets(r, t, sp->sizes[L], sp->extreme);
    else
      softmax_targets(r, t, sp->sizes[L], sp->extreme, 0);
  }
  int status = bp_mlp_forward(c->net, c->ws, c->X0);
  if (status) return status;
  if ((status = case_int(c, L)) || (status = case_int(c, B))) return status;
  for (size_t l = 0; l <= L; l++)
    if ((status = case_int(c, sp->sizes[l]))) return status;
  if (case_array(c, "params", c->net->params->data, c->net->n_params) == NULL ||
      case_array(c, "T", c->TB->data, B * sp->sizes[L]) == NULL ||
      case_array(c, "X0", c->X0->data, B * sp->sizes[0]) == NULL)
    return GSL_ENOMEM;
  for (size_t l = 1; l <= L; l++)
    if (case_array(c, "X", c->ws->X[l]->data, B * sp->sizes[l]) == NULL) return GSL_ENOMEM;
  c->out_len = c->net->n_params;
  c->rows = 1;
  c->point = bp_vector_alloc(c->net->n_params);
  c->reference = bp_malloc(c->out_len * sizeof(double));
  if (c->point == NULL || c->reference == NULL) return GSL_ENOMEM;
  gsl_vector_memcpy(c->point, c->net->params);
  if ((status = bp_mlp_gradient(c->net, c->ws, c->X0, c->TB, NULL))) return status;
  memcpy(c->reference, c->net->grad->data, c->out_len * sizeof(double));
  char sizes[64] = "";
  for (size_t l = 0; l <= L; l++)
    snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), l ? "-%zu" : "%zu", sp->sizes[l]);
  labelf(c, "seed %lu, network %s, batch %zu%s", sp->seed, sizes, B, sp->extreme ? ", targets 0 and 1" : "");
  return GSL_SUCCESS;
}

/* A case of exercise ex from spec sp: the inputs the student's function gets, the reference answer and what the
 * truth needs. */
static int make_case(int ex, const case_spec *sp, grade_case **out) {
  grade_case *c = bp_calloc(1, sizeof *c);
  gsl_rng *r = bp_rng_alloc(sp->seed * 7919 + (unsigned long)ex);
  if (c == NULL || r == NULL) {
    free(c);
    gsl_rng_free(r);
    return GSL_ENOMEM;
  }
  c->ex = ex;
  int status = GSL_SUCCESS;
  size_t n = sp->n, nj = sp->nj, ni = sp->ni;
  double buf[64], buf2[64];
  switch (ex) {
  case EX_CENTRAL_DIFFERENCE: {
    double coef[4] = {uniform(r, 0.5, 2), uniform(r, 0.5, 3), uniform(r, 0.2, 1.5), uniform(r, -1, 1)};
    double x = uniform(r, -2, 2), h = sp->h;
    if (!case_array(c, "coef", coef, 4) || !case_array(c, "point", (double[]){x, h}, 2)) goto nomem;
    double fp = coef[0] * sin(coef[1] * (x + h)) + coef[2] * exp(coef[3] * (x + h));
    double fm = coef[0] * sin(coef[1] * (x - h)) + coef[2] * exp(coef[3] * (x - h));
    c->out_len = 1;
    if ((c->reference = bp_malloc(sizeof(double))) == NULL) goto nomem;
    c->reference[0] = (fp - fm) / (2 * h);
    c->value_scale = (fabs(fp) + fabs(fm)) / (2 * h);
    labelf(c, "seed %lu, x = %.3f, h = %.0e", sp->seed, x, h);
    break;
  }
  case EX_LOGISTIC_DE_DX:
  case EX_LOGISTIC_DX_DS:
  case EX_LOGISTIC_OUTPUT_DELTA: {
    c->point = bp_vector_alloc(n);
    c->T = bp_matrix_alloc(1, n);
    c->S1 = bp_matrix_alloc(1, n);
    c->reference = bp_malloc(n * sizeof(double));
    if (!c->point || !c->T || !c->S1 || !c->reference) goto nomem;
    logistic_targets(r, c->T->data, n, sp->extreme);
    for (size_t i = 0; i < n; i++) {
      double s = uniform(r, -3, 3), x = bp_logistic(s), t = c->T->data[i];
      buf[i] = x;
      c->point->data[i] = ex == EX_LOGISTIC_DE_DX ? x : s;
      c->reference[i] = ex == EX_LOGISTIC_DE_DX   ? (x - t) / (x * (1 - x))
                        : ex == EX_LOGISTIC_DX_DS ? x * (1 - x)
                                                  : x - t;
    }
    if ((status = case_int(c, n))) break;
    if (!case_array(c, "x", buf, n)) goto nomem;
    if (ex != EX_LOGISTIC_DX_DS && !case_array(c, "t", c->T->data, n)) goto nomem;
    c->out_len = n;
    c->rows = 1;
    labelf(c, "seed %lu, n = %zu%s", sp->seed, n, sp->extreme ? ", targets 0 and 1" : "");
    break;
  }
  case EX_OUTPUT_WEIGHT_GRAD:
  case EX_HIDDEN_DELTA: {
    /* S = x_j W + b over one example, x_j = logistic(s_j); E = eq. (36). */
    c->W = bp_matrix_alloc(nj, ni);
    c->Xb = bp_matrix_alloc(1, nj);
    c->S1 = bp_matrix_alloc(1, ni);
    c->X1 = bp_matrix_alloc(1, nj);
    c->T = bp_matrix_alloc(1, ni);
    c->bias = bp_vector_alloc(ni);
    if (!c->W || !c->Xb || !c->S1 || !c->X1 || !c->T || !c->bias) goto nomem;
    double sj[64];
    for (size_t j = 0; j < nj; j++) c->Xb->data[j] = bp_logistic(sj[j] = uniform(r, -2.5, 2.5));
    for (size_t k = 0; k < nj * ni; k++) c->W->data[k] = uniform(r, -1.5, 1.5);
    for (size_t i = 0; i < ni; i++) c->bias->data[i] = uniform(r, -0.5, 0.5);
    logistic_targets(r, c->T->data, ni, sp->extreme);
    gsl_matrix_view b = gsl_matrix_view_vector(c->bias, 1, ni);
    gsl_matrix_memcpy(c->S1, &b.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->Xb, c->W, 1.0, c->S1);
    double dsi[64];
    for (size_t i = 0; i < ni; i++) dsi[i] = bp_logistic(c->S1->data[i]) - c->T->data[i];
    if ((status = case_int(c, nj)) || (status = case_int(c, ni))) break;
    if (ex == EX_OUTPUT_WEIGHT_GRAD) {
      if (!case_array(c, "x_j", c->Xb->data, nj) || !case_array(c, "dE_ds_i", dsi, ni)) goto nomem;
      c->point = bp_vector_alloc(nj * ni);
      c->reference = bp_malloc(nj * ni * sizeof(double));
      if (!c->point || !c->reference) goto nomem;
      memcpy(c->point->data, c->W->data, nj * ni * sizeof(double));
      for (size_t j = 0; j < nj; j++)
        for (size_t i = 0; i < ni; i++) c->reference[j * ni + i] = dsi[i] * c->Xb->data[j];
      c->out_len = nj * ni;
    } else {
      if (!case_array(c, "W", c->W->data, nj * ni) || !case_array(c, "x_j", c->Xb->data, nj) ||
          !case_array(c, "dE_ds_i", dsi, ni))
        goto nomem;
      c->point = bp_vector_alloc(nj);
      c->reference = bp_malloc(nj * sizeof(double));
      if (!c->point || !c->reference) goto nomem;
      memcpy(c->point->data, sj, nj * sizeof(double));
      for (size_t j = 0; j < nj; j++) {
        double sum = 0, x = c->Xb->data[j];
        for (size_t i = 0; i < ni; i++) sum += dsi[i] * c->W->data[j * ni + i];
        c->reference[j] = sum * bp_logistic_slope(sj[j]);
        (void)x;
      }
      c->out_len = nj;
    }
    c->rows = 1;
    labelf(c, "seed %lu, layer %zu -> %zu%s", sp->seed, nj, ni, sp->extreme ? ", targets 0 and 1" : "");
    break;
  }
  case EX_NETWORK_BACKWARD:
  case EX_SOFTMAX_NETWORK_BACKWARD:
    status = make_network_case(c, sp, r, ex == EX_NETWORK_BACKWARD ? BP_OUTPUT_LOGISTIC : BP_OUTPUT_SOFTMAX);
    break;
  case EX_SOFTMAX_JACOBIAN:
  case EX_SOFTMAX_DS_SPLIT:
  case EX_SOFTMAX_DS_EXPANDED:
  case EX_SOFTMAX_OUTPUT_DELTA: {
    c->point = bp_vector_alloc(n);
    c->S1 = bp_matrix_alloc(1, n);
    c->X1 = bp_matrix_alloc(1, n);
    c->T = bp_matrix_alloc(1, n);
    c->g = bp_vector_alloc(n);
    if (!c->point || !c->S1 || !c->X1 || !c->T || !c->g) goto nomem;
    for (size_t i = 0; i < n; i++) c->S1->data[i] = c->point->data[i] = uniform(r, -3, 3);
    if ((status = bp_softmax_forward(c->S1, c->X1))) break;
    softmax_targets(r, c->T->data, n, sp->extreme, sp->unnormalized && ex == EX_SOFTMAX_DS_EXPANDED);
    for (size_t i = 0; i < n; i++) c->g->data[i] = uniform(r, -2, 2);
    const double *x = c->X1->data, *t = c->T->data;
    if ((status = case_int(c, n))) break;
    if (!case_array(c, "x", x, n)) goto nomem;
    c->out_len = ex == EX_SOFTMAX_JACOBIAN ? n * n : n;
    c->rows = ex == EX_SOFTMAX_JACOBIAN ? n : 1;
    if ((c->reference = bp_malloc(c->out_len * sizeof(double))) == NULL) goto nomem;
    double t_sum = 0;
    for (size_t k = 0; k < n; k++) t_sum += t[k];
    if (ex == EX_SOFTMAX_JACOBIAN) {
      gsl_matrix_view J = gsl_matrix_view_array(c->reference, n, n);
      gsl_vector_const_view xv = gsl_vector_const_view_array(x, n);
      if ((status = bp_softmax_jacobian(&xv.vector, &J.matrix))) break;
    } else if (ex == EX_SOFTMAX_DS_SPLIT) {
      if (!case_array(c, "dE_dx", c->g->data, n)) goto nomem;
      double gx = 0;
      for (size_t k = 0; k < n; k++) gx += c->g->data[k] * x[k];
      for (size_t i = 0; i < n; i++) c->reference[i] = x[i] * (c->g->data[i] - gx); /* eq. (22) */
    } else {
      if (!case_array(c, "t", t, n)) goto nomem;
      for (size_t i = 0; i < n; i++) c->reference[i] = x[i] * t_sum - t[i]; /* eq. (25) */
    }
    (void)buf2;
    labelf(c, "seed %lu, n = %zu%s%s", sp->seed, n, sp->extreme ? ", one-hot targets" : "",
           sp->unnormalized && ex == EX_SOFTMAX_DS_EXPANDED ? ", targets summing to more than 1" : "");
    break;
  }
  case EX_LOGISTIC_LOSS_STABLE:
  case EX_SOFTMAX_LOSS_STABLE: {
    c->S1 = bp_matrix_alloc(1, n);
    c->T = bp_matrix_alloc(1, n);
    if (!c->S1 || !c->T) goto nomem;
    double range = sp->extreme ? 800 : 4;
    for (size_t i = 0; i < n; i++) c->S1->data[i] = uniform(r, -range, range);
    if (sp->extreme) c->S1->data[0] = (sp->seed % 2 ? 1 : -1) * 790.25; /* beyond exp's range (709.78) */
    if (ex == EX_LOGISTIC_LOSS_STABLE)
      logistic_targets(r, c->T->data, n, sp->extreme);
    else
      softmax_targets(r, c->T->data, n, sp->extreme, 0);
    if ((status = case_int(c, n))) break;
    if (!case_array(c, "s", c->S1->data, n) || !case_array(c, "t", c->T->data, n)) goto nomem;
    c->out_len = 1;
    if ((c->reference = bp_malloc(sizeof(double))) == NULL) goto nomem;
    status = ex == EX_LOGISTIC_LOSS_STABLE ? bp_xent_logistic_stable(c->S1, c->T, c->reference)
                                           : bp_xent_softmax_stable(c->S1, c->T, c->reference);
    double scale = 0, m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(c->S1->data[i]));
    for (size_t i = 0; i < n; i++) scale += (1 + c->T->data[i]) * (fabs(c->S1->data[i]) + m) + 1;
    c->value_scale = scale;
    labelf(c, "seed %lu, n = %zu, |s| up to %.0f", sp->seed, n, range);
    break;
  }
  default: status = GSL_EINVAL;
  }
  gsl_rng_free(r);
  if (status) {
    case_free(c);
    return status;
  }
  *out = c;
  return GSL_SUCCESS;
nomem:
  gsl_rng_free(r);
  case_free(c);
  return GSL_ENOMEM;
}

/* The case specs of an exercise: 3 public; 3 hidden after them. */
static size_t case_specs(int ex, bp_grade_set set, unsigned long hidden_seed, case_spec *sp) {
  size_t n = 0;
  static const size_t vec_public[3] = {3, 4, 5}, vec_hidden[3] = {2, 7, 6};
  static const size_t layer_public[3][2] = {{3, 3}, {4, 4}, {2, 2}}, layer_hidden[3][2] = {{3, 5}, {6, 2}, {4, 7}};
  static const double steps_public[3] = {1e-3, 1e-4, 1e-5}, steps_hidden[3] = {1e-2, 1e-6, 3e-4};
  int softmax_net = ex == EX_SOFTMAX_NETWORK_BACKWARD;
  for (int hidden = 0; hidden <= (set == BP_GRADE_HIDDEN); hidden++)
    for (size_t k = 0; k < 3; k++) {
      case_spec s = {0};
      s.seed = hidden ? hidden_seed + 101 * k : k + 1;
      s.n = hidden ? vec_hidden[k] : vec_public[k];
      s.nj = hidden ? layer_hidden[k][0] : layer_public[k][0];
      s.ni = hidden ? layer_hidden[k][1] : layer_public[k][1];
      s.h = hidden ? steps_hidden[k] : steps_public[k];
      s.extreme = hidden && k != 1;
      s.unnormalized = hidden && k != 0;
      if (!hidden) {
        static const size_t pub[3][4] = {{3, 3, 3, 0}, {2, 2, 2, 0}, {3, 3, 3, 3}};
        s.n_layers = k == 2 ? 3 : 2;
        for (size_t l = 0; l <= s.n_layers; l++) s.sizes[l] = pub[k][l];
        s.batch = 1;
      } else {
        static const size_t hid[3][5] = {{3, 6, 4, 2, 0}, {2, 5, 3, 0, 0}, {4, 3, 5, 3, 0}};
        static const size_t layers[3] = {3, 2, 3}, batches[3] = {4, 3, 5};
        s.n_layers = layers[k];
        for (size_t l = 0; l <= s.n_layers; l++) s.sizes[l] = hid[k][l];
        s.batch = batches[k];
      }
      if (softmax_net && s.sizes[s.n_layers] < 2) s.sizes[s.n_layers] = 2;
      sp[n++] = s;
    }
  return n;
}

bp_grade_cases *bp_grade_cases_alloc(const bp_grade_exercise *ex, bp_grade_set set, unsigned long hidden_seed) {
  int e = ex == NULL ? -1 : exercise_index(ex);
  if (e < 0 || e >= EX_COUNT) {
    bp_error_set("bp_grade_cases_alloc: not an exercise of bp_grade_exercises()");
    return NULL;
  }
  bp_grade_cases *c = bp_calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->ex = ex;
  case_spec sp[BP_GRADE_MAX_CASES];
  size_t n = case_specs(e, set, hidden_seed, sp);
  for (size_t k = 0; k < n; k++) {
    int status = make_case(e, &sp[k], &c->cases[k]);
    if (status) {
      if (status == GSL_ENOMEM) bp_error_set("out of memory making the cases of %s", ex->id);
      bp_grade_cases_free(c);
      return NULL;
    }
    c->n = k + 1;
  }
  return c;
}

int bp_grade_cases_write(const bp_grade_cases *c, FILE *f) {
  if (c == NULL || f == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_cases_write: no cases or no file");
  fprintf(f, "exercise %s\n", c->ex->id);
  for (size_t k = 0; k < c->n; k++) {
    const grade_case *gc = c->cases[k];
    fprintf(f, "case %zu\nints %zu", k, gc->n_ints);
    for (size_t i = 0; i < gc->n_ints; i++) fprintf(f, " %zu", gc->ints[i]);
    fprintf(f, "\narrays %zu\n", gc->n_arrays);
    for (size_t a = 0; a < gc->n_arrays; a++) {
      fprintf(f, "%s %zu", gc->names[a], gc->lens[a]);
      for (size_t i = 0; i < gc->lens[a]; i++) fprintf(f, " %.17g", gc->arrays[a][i]);
      fputc('\n', f);
    }
    fprintf(f, "out %zu\n", gc->out_len);
  }
  fprintf(f, "end\n");
  return ferror(f) ? GSL_EFAILED : GSL_SUCCESS;
}

int bp_grade_case_reference(const bp_grade_cases *c, size_t k, const double **answer, size_t *len) {
  if (c == NULL || k >= c->n) BP_ERROR(GSL_EINVAL, "bp_grade_case_reference: no case %zu", k);
  *answer = c->cases[k]->reference;
  *len = c->cases[k]->out_len;
  return GSL_SUCCESS;
}

const bp_mlp *bp_grade_case_network(const bp_grade_cases *c, size_t k, const gsl_matrix **X0, const gsl_matrix **T) {
  if (c == NULL || k >= c->n || c->cases[k]->net == NULL) return NULL;
  if (X0) *X0 = c->cases[k]->X0;
  if (T) *T = c->cases[k]->TB;
  return c->cases[k]->net;
}

/* ---- the truth: F at the case's point ------------------------------------------------------------------------ */
static int truth_function(const gsl_vector *p, gsl_vector *y, void *params) {
  grade_case *c = params;
  size_t n = p->size;
  gsl_matrix_const_view P = gsl_matrix_const_view_array(p->data, 1, n);
  double E = 0;
  int status = GSL_SUCCESS;
  switch (c->ex) {
  case EX_LOGISTIC_DE_DX: /* eq. (1) of the activations */ status = bp_xent_logistic_naive(&P.matrix, c->T, &E); break;
  case EX_LOGISTIC_DX_DS: /* sum_i logistic(s_i): its gradient is the diagonal of eq. (7) */
    for (size_t i = 0; i < n; i++) E += bp_logistic(p->data[i]);
    break;
  case EX_LOGISTIC_OUTPUT_DELTA: /* eq. (36) of the weighted sums */
    status = bp_xent_logistic_stable(&P.matrix, c->T, &E);
    break;
  case EX_OUTPUT_WEIGHT_GRAD: { /* eq. (36) of s = x_j W + b, W = p */
    gsl_matrix_const_view W = gsl_matrix_const_view_array(p->data, c->W->size1, c->W->size2);
    gsl_matrix_view b = gsl_matrix_view_vector(c->bias, 1, c->bias->size);
    gsl_matrix_memcpy(c->S1, &b.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->Xb, &W.matrix, 1.0, c->S1);
    status = bp_xent_logistic_stable(c->S1, c->T, &E);
    break;
  }
  case EX_HIDDEN_DELTA: { /* eq. (36) of s = logistic(s_j) W + b, s_j = p */
    for (size_t j = 0; j < n; j++) c->X1->data[j] = bp_logistic(p->data[j]);
    gsl_matrix_view b = gsl_matrix_view_vector(c->bias, 1, c->bias->size);
    gsl_matrix_memcpy(c->S1, &b.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->X1, c->W, 1.0, c->S1);
    status = bp_xent_logistic_stable(c->S1, c->T, &E);
    break;
  }
  case EX_NETWORK_BACKWARD:
  case EX_SOFTMAX_NETWORK_BACKWARD: { /* the sum over the batch of eq. (36) or eq. (38) */
    bp_mlp_closure cl = {c->net, c->ws, c->X0, c->TB, NULL};
    return bp_mlp_error_function(p, y, &cl);
  }
  case EX_SOFTMAX_JACOBIAN: { /* eq. (17), every output */
    gsl_matrix_view Y = gsl_matrix_view_vector(y, 1, n);
    return bp_softmax_forward(&P.matrix, &Y.matrix);
  }
  case EX_SOFTMAX_DS_SPLIT: /* g . softmax(s): dE/dx = g, any upstream gradient */
    status = bp_softmax_forward(&P.matrix, c->X1);
    for (size_t i = 0; i < n; i++) E += c->g->data[i] * c->X1->data[i];
    break;
  case EX_SOFTMAX_DS_EXPANDED:
  case EX_SOFTMAX_OUTPUT_DELTA: /* eq. (38), targets as they are */
    status = bp_xent_softmax_stable(&P.matrix, c->T, &E);
    break;
  default: BP_ERROR(GSL_EINVAL, "no truth function for this exercise");
  }
  gsl_vector_set(y, 0, E);
  return status;
}

static double rel_diff(double a, double b) {
  double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
  return d == 0 ? 0 : d / m;
}

/* 1 when the exercise's equations ("eq. (9)", "eq. (26)-(31)") include eq. (n). */
static int covers_equation(const char *eqs, int n) {
  int prev = -1;
  for (const char *p = strchr(eqs, '('); p != NULL; p = strchr(p + 1, '(')) {
    int v = atoi(p + 1);
    if (v == n || (prev >= 0 && p > eqs && p[-1] == '-' && prev <= n && n <= v)) return 1;
    prev = v;
  }
  return 0;
}

/* The diagnosis of an answer that is zero (kind FACTOR, factor 0) names the cancelling sum of eq. (28) as one
 * cause; that belongs only to an exercise whose equations hold eq. (28). Elsewhere the sentence says what is most
 * likely: the answer was never computed. */
static void describe_zero_answer(const bp_grade_exercise *ex, const grade_case *c, bp_diagnosis *d) {
  if (d->kind != BP_DIAG_FACTOR || d->factor != 0.0 || covers_equation(ex->equations, 28)) return;
  if (c->net == NULL) {
    snprintf(d->sentence, sizeof d->sentence,
             "Your answer is all zero (to rounding) where the true one is not: "
             "not computed? Nothing was written into the output, or it was cleared after it was computed.");
    return;
  }
  char *cancels = strstr(d->sentence, ", or it is a sum that cancels");
  if (cancels != NULL) snprintf(cancels, sizeof d->sentence - (size_t)(cancels - d->sentence), " (not computed?).");
}

static int judge_gradient(const bp_grade_exercise *ex, grade_case *c, const double *answer, bp_grade_case_result *r) {
  size_t m = c->out_len;
  bp_gradcheck *gc = bp_gradcheck_alloc(m);
  gsl_matrix *J = bp_matrix_alloc(c->rows, c->point->size);
  if (gc == NULL || J == NULL) {
    bp_gradcheck_free(gc);
    gsl_matrix_free(J);
    return GSL_ENOMEM;
  }
  memcpy(J->data, answer, m * sizeof(double));
  bp_fd_problem prob = {truth_function, NULL, c, NULL};
  bp_tolerance tol = bp_tolerance_default();
  gsl_vector *x = c->net ? c->net->params : c->point;
  int status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &prob, x, J, &tol);
  if (status == GSL_SUCCESS) {
    r->passed = gc->verdict == BP_VERDICT_PASS;
    r->worst = gc->worst;
    r->answer = gsl_vector_get(gc->analytic, gc->worst);
    r->truth = gsl_vector_get(gc->numeric, gc->worst);
    r->rel_err = gsl_vector_get(gc->rel_err, gc->worst);
    if (gc->verdict == BP_VERDICT_FAIL) {
      bp_diagnosis d;
      bp_diagnosis_context ctx = {c->net, c->X0, c->TB};
      bp_diagnose_as(gc, c->net ? &ctx : NULL, c->net ? NULL : "your answer", &d);
      describe_zero_answer(ex, c, &d);
      r->kind = d.kind;
      snprintf(r->diagnosis, sizeof r->diagnosis, "%s", d.sentence);
    }
  }
  bp_gradcheck_free(gc);
  gsl_matrix_free(J);
  return status;
}

int bp_grade_case_judge(bp_grade_cases *cs, size_t k, int status, const double *answer, size_t len,
                        bp_grade_case_result *r) {
  if (cs == NULL || k >= cs->n || r == NULL || (answer == NULL && len > 0))
    BP_ERROR(GSL_EINVAL, "bp_grade_case_judge: no case %zu", k);
  grade_case *c = cs->cases[k];
  memset(r, 0, sizeof *r);
  snprintf(r->label, sizeof r->label, "%s", c->label);
  r->status = status;
  r->entries = c->out_len;
  if (len != c->out_len)
    BP_ERROR(GSL_EBADLEN, "case %zu of %s: %zu values for %zu entries", k, cs->ex->id, len, c->out_len);
  for (size_t i = 0; i < len; i++) r->ref_rel_diff = fmax(r->ref_rel_diff, rel_diff(answer[i], c->reference[i]));
  if (status != BP_GRADE_EX_SUCCESS) return GSL_SUCCESS;
  if (c->point == NULL) { /* a value: the reference is the truth */
    double a = answer[0], ref = c->reference[0];
    r->answer = a;
    r->truth = ref;
    r->rel_err = rel_diff(a, ref);
    r->passed = isfinite(a) && fabs(a - ref) <= 1e-10 * fabs(ref) + 64 * GSL_DBL_EPSILON * c->value_scale;
    return GSL_SUCCESS;
  }
  return judge_gradient(cs->ex, c, answer, r);
}

/* ---- one exercise ----------------------------------------------------------------------------------------------- */
const char *bp_grade_outcome_name(bp_grade_outcome o) {
  switch (o) {
  case BP_GRADE_OK: return "graded";
  case BP_GRADE_NOT_ATTEMPTED: return "not attempted";
  case BP_GRADE_COMPILE_ERROR: return "compile error";
  case BP_GRADE_CRASHED: return "crashed";
  case BP_GRADE_INTERNAL: return "grader error";
  }
  return "invalid";
}

static void result_start(const bp_grade_exercise *ex, bp_grade_result *r) {
  memset(r, 0, sizeof *r);
  r->ex = ex;
  r->max_score = ex->points;
}

static void result_zero(bp_grade_result *r, bp_grade_outcome o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  r->outcome = o;
  r->score = 0;
  r->n_passed = 0;
  vsnprintf(r->reason, sizeof r->reason, fmt, ap);
  va_end(ap);
}

/* The first non-finite value of the answers, as "case K, entry E"; 0 if none. */
static int first_nonfinite(const bp_grade_cases *c, const double *const *answers, size_t *k, size_t *e) {
  for (*k = 0; *k < c->n; (*k)++)
    for (*e = 0; *e < c->cases[*k]->out_len; (*e)++)
      if (!isfinite(answers[*k][*e])) return 1;
  return 0;
}

int bp_grade_judge_answers(const bp_grade_exercise *ex, bp_grade_cases *c, const int *statuses,
                           const double *const *answers, bp_grade_result *r) {
  if (ex == NULL || c == NULL || statuses == NULL || answers == NULL || r == NULL)
    BP_ERROR(GSL_EFAULT, "bp_grade_judge_answers: a missing argument");
  result_start(ex, r);
  r->n_cases = c->n;
  for (size_t k = 0; k < c->n; k++)
    if (statuses[k] == BP_GRADE_EX_NOT_ATTEMPTED) {
      result_zero(r, BP_GRADE_NOT_ATTEMPTED, "not attempted: ex_%s returns EX_NOT_ATTEMPTED", ex->id);
      return GSL_SUCCESS;
    }
  for (size_t k = 0; k < c->n; k++)
    if (statuses[k] != BP_GRADE_EX_SUCCESS) {
      result_zero(r, BP_GRADE_CRASHED, "ex_%s returned the error status %d on case %zu (%s); it must return EX_SUCCESS",
                  ex->id, statuses[k], k + 1, c->cases[k]->label);
      return GSL_SUCCESS;
    }
  size_t bk, be;
  if (first_nonfinite(c, answers, &bk, &be)) {
    result_zero(r, BP_GRADE_CRASHED, "a non-finite value (%g) at entry %zu of case %zu (%s): NaN or infinity scores 0",
                answers[bk][be], be, bk + 1, c->cases[bk]->label);
    return GSL_SUCCESS;
  }
  for (size_t k = 0; k < c->n; k++) {
    int status = bp_grade_case_judge(c, k, statuses[k], answers[k], c->cases[k]->out_len, &r->cases[k]);
    if (status) {
      result_zero(r, BP_GRADE_INTERNAL, "the grader could not judge case %zu: %s", k + 1, bp_error_message());
      return status;
    }
    r->n_passed += r->cases[k].passed;
  }
  r->outcome = BP_GRADE_OK;
  r->score = ex->points * (double)r->n_passed / (double)c->n;
  return GSL_SUCCESS;
}

/* Copies the start of s (up to n bytes, at most one line when line is set) into buf, printable ASCII only. */
static void excerpt(const char *s, size_t n, int line, char *buf, size_t len) {
  size_t k = 0;
  for (size_t i = 0; i < n && s[i] && k + 4 < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (line && ch == '\n') break;
    buf[k++] = (ch == '\n' || ch == '\t' || (ch >= 32 && ch < 127)) ? (char)ch : '?';
  }
  if (k + 4 >= len) k = len > 4 ? len - 4 : 0, buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
  buf[k] = '\0';
}

int bp_grade_judge_output(const bp_grade_exercise *ex, bp_grade_cases *c, const bp_sandbox_result *run,
                          const bp_sandbox_limits *lim, bp_grade_result *r) {
  if (ex == NULL || c == NULL || run == NULL || lim == NULL || r == NULL)
    BP_ERROR(GSL_EFAULT, "bp_grade_judge_output: a missing argument");
  result_start(ex, r);
  r->n_cases = c->n;
  excerpt(run->err, run->err_len, 0, r->log, sizeof r->log);
  int statuses[BP_GRADE_MAX_CASES] = {0};
  double *answers[BP_GRADE_MAX_CASES] = {0};
  size_t answered = 0;
  int done = 0, status = GSL_SUCCESS;
  char garbage[160] = "";
  const char *p = run->out, *end = run->out + run->out_len;
  while (p < end && !garbage[0]) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t linelen = nl ? (size_t)(nl - p) : (size_t)(end - p);
    char *line = bp_malloc(linelen + 1);
    if (line == NULL) {
      status = GSL_ENOMEM;
      break;
    }
    memcpy(line, p, linelen);
    line[linelen] = '\0';
    p += linelen + (nl != NULL);
    size_t k, len;
    int st, used = 0;
    if (nl == NULL && !run->exited) { /* a last line cut off by the end of the process */
      free(line);
      break;
    }
    if (!done && !strcmp(line, "done")) {
      done = 1;
    } else if (!done && sscanf(line, "overflow %zu%n", &k, &used) == 1 && line[used] == '\0' && k == answered &&
               k < c->n) {
      result_zero(r, BP_GRADE_CRASHED, "wrote past the end of its output (%zu entries) in case %zu (%s)",
                  c->cases[k]->out_len, k + 1, c->cases[k]->label);
      free(line);
      goto out;
    } else if (!done && sscanf(line, "answer %zu %d %zu%n", &k, &st, &len, &used) == 3 && k == answered && k < c->n &&
               len == c->cases[k]->out_len) {
      answers[k] = bp_malloc((len ? len : 1) * sizeof(double));
      if (answers[k] == NULL) {
        free(line);
        status = GSL_ENOMEM;
        break;
      }
      const char *q = line + used;
      size_t i = 0;
      for (; i < len; i++) {
        char *e;
        answers[k][i] = strtod(q, &e);
        if (e == q) break;
        q = e;
      }
      while (*q == ' ') q++;
      if (i < len || *q != '\0')
        excerpt(line, linelen, 1, garbage, sizeof garbage);
      else
        statuses[answered++] = st;
    } else {
      excerpt(line, linelen, 1, garbage, sizeof garbage);
    }
    free(line);
  }
  if (status) {
    result_zero(r, BP_GRADE_INTERNAL, "the grader ran out of memory reading the answers");
    goto out;
  }
  char why[256];
  bp_sandbox_describe(run, lim, why, sizeof why);
  size_t at = answered < c->n ? answered : c->n - 1;
  if (run->timed_out || run->cpu_limit || run->signal) {
    result_zero(r, BP_GRADE_CRASHED, "%s, in case %zu (%s)", why, at + 1, c->cases[at]->label);
  } else if (garbage[0]) {
    result_zero(r, BP_GRADE_CRASHED,
                "wrote to standard output, which the grader reads (print to stderr instead): \"%s\"", garbage);
  } else if (run->out_truncated) {
    result_zero(r, BP_GRADE_CRASHED, "wrote more than %zu bytes to standard output", lim->output_bytes);
  } else if (answered < c->n || !done) {
    if (run->exited && run->exit_status == 127 && answered == 0)
      result_zero(r, BP_GRADE_INTERNAL, "the compiled exercises could not be run: %s", why);
    else
      result_zero(r, BP_GRADE_CRASHED,
                  "the program ended before finishing (%s: exit() or a return from main?), in case %zu (%s)", why,
                  at + 1, c->cases[at]->label);
  } else {
    status = bp_grade_judge_answers(ex, c, statuses, (const double *const *)answers, r);
    excerpt(run->err, run->err_len, 0, r->log, sizeof r->log);
  }
out:
  for (size_t k = 0; k < BP_GRADE_MAX_CASES; k++) free(answers[k]);
  return status;
}

/* 1 when the n bytes at p contain needle. */
static int line_has(const char *p, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; i + m <= n; i++)
    if (!memcmp(p + i, needle, m)) return 1;
  return 0;
}

/* ---- the student copy --------------------------------------------------------------------------------------------- */
int bp_grade_strip_solutions(const char *src, char **out) {
  if (src == NULL || out == NULL) BP_ERROR(GSL_EFAULT, "bp_grade_strip_solutions: a missing argument");
  size_t cap = strlen(src) + 1, len = 0;
  char *dst = bp_malloc(cap + 64);
  if (dst == NULL) return GSL_ENOMEM;
  int inside = 0;
  size_t line_no = 0, begin_line = 0;
  for (const char *p = src; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
    line_no++;
    int begin = line_has(p, n, "BEGIN SOLUTION"), end = line_has(p, n, "END SOLUTION") && !begin;
    if (begin) {
      if (inside) {
        free(dst);
        BP_ERROR(GSL_EINVAL, "line %zu: BEGIN SOLUTION inside the region that starts at line %zu", line_no, begin_line);
      }
      inside = 1;
      begin_line = line_no;
      size_t indent = strspn(p, " \t");
      if (indent > 0) { /* inside a function: the student's place */
        static const char body[] = "/* YOUR CODE HERE */\n";
        static const char ret[] = "return EX_NOT_ATTEMPTED;\n";
        size_t need = len + 2 * indent + sizeof body + sizeof ret;
        if (need > cap) {
          char *bigger = bp_realloc(dst, need + 64);
          if (bigger == NULL) {
            free(dst);
            return GSL_ENOMEM;
          }
          dst = bigger, cap = need;
        }
        memcpy(dst + len, p, indent), len += indent;
        memcpy(dst + len, body, sizeof body - 1), len += sizeof body - 1;
        memcpy(dst + len, p, indent), len += indent;
        memcpy(dst + len, ret, sizeof ret - 1), len += sizeof ret - 1;
      }
    } else if (end) {
      if (!inside) {
        free(dst);
        BP_ERROR(GSL_EINVAL, "line %zu: END SOLUTION without BEGIN SOLUTION", line_no);
      }
      inside = 0;
    } else if (!inside) {
      if (len + n + 1 > cap) {
        char *bigger = bp_realloc(dst, len + n + 64);
        if (bigger == NULL) {
          free(dst);
          return GSL_ENOMEM;
        }
        dst = bigger, cap = len + n + 63;
      }
      memcpy(dst + len, p, n), len += n;
    }
    p += n;
  }
  if (inside) {
    free(dst);
    BP_ERROR(GSL_EINVAL, "line %zu: BEGIN SOLUTION without END SOLUTION", begin_line);
  }
  dst[len] = '\0';
  *out = dst;
  return GSL_SUCCESS;
}
