/* mlpfd.c - E(params) of the network with moves for the finite-difference engine (mlpfd.h): the loss one parameter
 * away, from the activations at the parameters, eq. (3), eq. (2), eq. (17), eq. (36), eq. (38). */
#include "mlpfd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>

#include "activation.h"
#include "core.h"
#include "xent.h"

/* <complex.h> after every GSL header (see activation.c) */
#include <complex.h>

#include "cmplx.h"

struct bp_mlp_move_work {
  bp_mlp *at;                    /* the parameters x of the last prepare, in a network of the same shape */
  bp_mlp_workspace *ws;          /* a whole forward pass at `at` (where the activations at x are not finite) */
  bp_mlp_workspace_complex *wsz; /* a whole complex forward pass (parameters of layers 1..L-2) */
  gsl_vector_complex *pz;        /* x as complex parameters, for it */
  const gsl_matrix *X0, *T;
  gsl_matrix *S[BP_MLP_MAX_LAYERS + 1], *X[BP_MLP_MAX_LAYERS + 1]; /* [1..L] at x, eq. (3), eq. (2), eq. (17) */
  gsl_matrix *Q[BP_MLP_MAX_LAYERS + 1]; /* [1..L]: 1 - X = logistic(-S); at a softmax top, row b's column
                                         * top[b] holds the sum of the row's other x (1 - x without cancellation) */
  size_t *top;                          /* per row: the column of the largest x (softmax) */
  gsl_matrix *S_up[BP_MLP_MAX_LAYERS + 1], *X_up[BP_MLP_MAX_LAYERS + 1]; /* the layers a move recomputes */
  double *t_sum; /* per row: the sum of the targets (eq. (38) scales log sum e^s by it) */
  double *dx;    /* B: a column's change */
  double complex *dxz;
  double E;   /* the loss at x */
  int finite; /* E is finite: the changes can be formed */
  /* networks of 3 or more layers: the moves of layers 1..L-2 recompute the rows a change reaches */
  double *E_row;          /* per row: its loss at x */
  size_t *rows;           /* B: the rows a move changes */
  gsl_matrix *T_rows;     /* their targets */
  gsl_matrix_view T_view; /* the first rows of T_rows, as many as change */
  gsl_matrix_complex *Sz_up[BP_MLP_MAX_LAYERS + 1], *Xz_up[BP_MLP_MAX_LAYERS + 1]; /* [2..L]: the complex moves' */
  gsl_matrix_complex *Wz[BP_MLP_MAX_LAYERS + 1]; /* [3..L]: W_l at x as complex numbers, for their zgemm */
};

/* ---- e^d - 1 and log(1 + u), real and complex, for |d|, |u| small -------------------------------------------------
 * Below 2^-10 the Taylor series to degree 7: the first omitted term is below 2^-70 of the sum, and in Horner form
 * every rounding after the leading term (the coefficients 1/k! and 1/k included) is scaled by |d| <= 2^-10, so the
 * result is within about an ulp. Complex products are written out: C's complex * complex is a library call that
 * rescues infinities, which these small arguments never reach. */
#define BP_SMALL 0x1p-10
static const double em1_c[7] = {1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040};
static const double lg1p_c[7] = {1.0, -1.0 / 2, 1.0 / 3, -1.0 / 4, 1.0 / 5, -1.0 / 6, 1.0 / 7};

static double series(const double *c, double d) {
  double p = c[6];
  for (int k = 5; k >= 0; k--) p = c[k] + d * p;
  return d * p;
}

static double em1(double d) { return (fabs(d) < BP_SMALL) ? series(em1_c, d) : expm1(d); }
static double lg1p(double u) { return (fabs(u) < BP_SMALL) ? series(lg1p_c, u) : log1p(u); }

static double complex zmul(double complex a, double complex b) {
  double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
  return bp_cmplx(ar * br - ai * bi, ar * bi + ai * br);
}

static double complex series_z(const double *c, double complex d) {
  double complex p = c[6];
  for (int k = 5; k >= 0; k--) p = c[k] + zmul(d, p);
  return zmul(d, p);
}

static int small_z(double complex d) { return fabs(creal(d)) + fabs(cimag(d)) < BP_SMALL; }

/* e^(a + ib) - 1 = (e^a cos b - 1) + i e^a sin b, with e^a cos b - 1 = expm1(a) cos b - 2 sin^2(b/2) (no
 * cancellation). */
static double complex em1_z(double complex d) {
  if (small_z(d)) return series_z(em1_c, d);
  double a = creal(d), b = cimag(d), h = sin(b / 2);
  return bp_cmplx(expm1(a) * cos(b) - 2 * h * h, exp(a) * sin(b));
}

/* log(1 + u) = log|1 + u| + i arg(1 + u), |1 + u|^2 = 1 + (2 re u + |u|^2). */
static double complex lg1p_z(double complex u) {
  if (small_z(u)) return series_z(lg1p_c, u);
  double a = creal(u), b = cimag(u);
  return bp_cmplx(0.5 * log1p(a * (2 + a) + b * b), atan2(b, 1 + a));
}

/* n / m for the hidden change, written out as n conj(m) / |m|^2 (|m| is near 1 there). */
static double complex zdiv(double complex n, double complex m) {
  double mr = creal(m), mi = cimag(m), s = mr * mr + mi * mi;
  return bp_cmplx((creal(n) * mr + cimag(n) * mi) / s, (cimag(n) * mr - creal(n) * mi) / s);
}

/* ---- the state at x ----------------------------------------------------------------------------------------------- */

/* S = X_below W + 1 b^T, eq. (3): the gemm of bp_mlp_forward, then the bias added row by row (as dger adds it). */
static int affine(const gsl_matrix *X_below, const bp_mlp *net, size_t l, gsl_matrix *S) {
  int status = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X_below, &net->W[l].matrix, 0.0, S);
  if (status) BP_ERROR(status, "bp_mlp_problem: gsl_blas_dgemm failed: %s", gsl_strerror(status));
  const double *b = net->b[l].vector.data;
  for (size_t r = 0; r < S->size1; r++) {
    double *row = S->data + r * S->tda;
    for (size_t c = 0; c < S->size2; c++) row[c] += b[c];
  }
  return GSL_SUCCESS;
}

/* The activations of layer l from S (eq. (2) below the top, eq. (2) or eq. (17) at it). */
static int activate(const bp_mlp *net, size_t l, const gsl_matrix *S, gsl_matrix *X) {
  return (l < net->n_layers || net->output == BP_OUTPUT_LOGISTIC) ? bp_logistic_forward(S, X)
                                                                  : bp_softmax_forward(S, X);
}

static int loss_of(const bp_mlp *net, const gsl_matrix *S_L, const gsl_matrix *T, double *E) {
  return (net->output == BP_OUTPUT_LOGISTIC) ? bp_xent_logistic_stable(S_L, T, E) : bp_xent_softmax_stable(S_L, T, E);
}

static int prepare(const gsl_vector *x, void *work) {
  bp_mlp_move_work *mw = work;
  bp_mlp *at = mw->at;
  size_t L = at->n_layers;
  gsl_vector_memcpy(at->params, x);
  for (size_t k = 0; k < x->size; k++) gsl_vector_complex_set(mw->pz, k, gsl_complex_rect(gsl_vector_get(x, k), 0));
  int status = GSL_SUCCESS;
  for (size_t l = 1; l <= L && !status; l++) {
    status = affine(l == 1 ? mw->X0 : mw->X[l - 1], at, l, mw->S[l]);
    if (!status) status = activate(at, l, mw->S[l], mw->X[l]);
    for (size_t k = 0; !status && k < mw->S[l]->size1 * mw->S[l]->size2; k++)
      mw->Q[l]->data[k] = bp_logistic(-mw->S[l]->data[k]); /* both matrices are contiguous */
  }
  const gsl_matrix *X = mw->X[L];
  for (size_t b = 0; !status && at->output == BP_OUTPUT_SOFTMAX && b < X->size1; b++) {
    const double *xb = X->data + b * X->tda;
    size_t a = 0;
    double others = 0.0;
    for (size_t c = 1; c < X->size2; c++) a = (xb[c] > xb[a]) ? c : a;
    for (size_t c = 0; c < X->size2; c++) others += (c == a) ? 0.0 : xb[c];
    mw->top[b] = a;
    mw->Q[L]->data[b * mw->Q[L]->tda + a] = others;
  }
  for (size_t l = 3; l <= L; l++)
    for (size_t k = 0; k < mw->Wz[l]->size1 * mw->Wz[l]->size2; k++) {
      size_t r = k / mw->Wz[l]->size2, c = k % mw->Wz[l]->size2;
      gsl_matrix_complex_set(mw->Wz[l], r, c, gsl_complex_rect(gsl_matrix_get(&at->W[l].matrix, r, c), 0.0));
    }
  if (!status) status = loss_of(at, mw->S[L], mw->T, &mw->E);
  for (size_t b = 0; !status && L >= 3 && b < mw->T->size1; b++) {
    gsl_matrix_const_view s_b = gsl_matrix_const_submatrix(mw->S[L], b, 0, 1, mw->S[L]->size2);
    gsl_matrix_const_view t_b = gsl_matrix_const_submatrix(mw->T, b, 0, 1, mw->T->size2);
    status = loss_of(at, &s_b.matrix, &t_b.matrix, &mw->E_row[b]);
  }
  mw->finite = !status && isfinite(mw->E);
  for (size_t r = 0; r < mw->T->size1; r++) {
    double s = 0.0;
    for (size_t c = 0; c < mw->T->size2; c++) s += gsl_matrix_get(mw->T, r, c);
    mw->t_sum[r] = s;
  }
  return status;
}

/* ---- moves ---------------------------------------------------------------------------------------------------------- */

/* Parameter k: layer l, unit i of that layer, and the unit j below (j = sizes[l-1] for the bias, whose input is 1). */
static void locate(const bp_mlp *net, size_t k, size_t *l, size_t *j, size_t *i) {
  for (*l = 1; *l < net->n_layers && k >= net->offset[*l + 1]; (*l)++) continue;
  size_t nj = net->sizes[*l - 1], ni = net->sizes[*l], off = k - net->offset[*l];
  *j = (off < nj * ni) ? off / ni : nj;
  *i = (off < nj * ni) ? off % ni : off - nj * ni;
}

/* The loss with parameter k moved by t, by a whole forward pass (where the activations at x are not finite). */
static int whole_pass(bp_mlp_move_work *mw, size_t k, double t, double *E) {
  double *p = mw->at->params->data + k, p0 = *p;
  *p = p0 + t;
  int status = bp_mlp_forward(mw->at, mw->ws, mw->X0);
  if (!status) status = bp_mlp_loss(mw->at, mw->ws, mw->T, E);
  *p = p0;
  return status;
}

/* E + the change of the loss when S_L changes by D: D_bk = dx_b w_k for every k (a rank-one change from the layer
 * below, w = W_L[i, :]), or, with w == NULL, D_bi = dx_b in column i only (a parameter of layer L). Each term is
 * formed so that a saturated unit on its target changes the loss by exactly 0, as the whole pass finds:
 *   logistic, eq. (36): log(1 + x m) - t d for x <= 1/2, and the same as log(1 + q (e^-d - 1)) + (1 - t) d above,
 *     q = 1 - x (the identity log(1 + x(e^d - 1)) = d + log(1 + q(e^-d - 1)));
 *   softmax, eq. (38): with a the row's largest x and c = d_a,
 *     (sum t) log(sum_k x_k e^(d_k - c)) - sum_k t_k (d_k - c),   where the k = a term of the sum is x_a = 1 - q_a. */
#define TOP_CHANGE(NAME, TYPE, EM1, LG1P)                                                                   \
  static TYPE NAME(const bp_mlp_move_work *mw, const TYPE *dx, const double *w, size_t i) {                 \
    const gsl_matrix *X = mw->X[mw->at->n_layers], *Q = mw->Q[mw->at->n_layers], *Tg = mw->T;               \
    size_t c0 = w ? 0 : i, c1 = w ? X->size2 : i + 1;                                                       \
    TYPE change = 0.0;                                                                                      \
    for (size_t b = 0; b < X->size1; b++) {                                                                 \
      if (dx[b] == 0.0) continue; /* the row's terms are exactly 0 (an input at 0 moves nothing) */         \
      const double *x = X->data + b * X->tda, *q = Q->data + b * Q->tda, *t = Tg->data + b * Tg->tda;       \
      if (mw->at->output == BP_OUTPUT_LOGISTIC) {                                                           \
        for (size_t c = c0; c < c1; c++) {                                                                  \
          TYPE d = w ? dx[b] * w[c] : dx[b];                                                                \
          change += (x[c] <= 0.5) ? LG1P(x[c] * EM1(d)) - t[c] * d : LG1P(q[c] * EM1(-d)) + (1 - t[c]) * d; \
        }                                                                                                   \
        continue;                                                                                           \
      }                                                                                                     \
      size_t a = mw->top[b];                                                                                \
      TYPE u = 0.0, td = 0.0;                                                                               \
      if (w) {                                                                                              \
        TYPE c = dx[b] * w[a];                                                                              \
        for (size_t k = 0; k < X->size2; k++) {                                                             \
          TYPE dk = dx[b] * w[k] - c;                                                                       \
          td += t[k] * dk;                                                                                  \
          if (k != a) u += x[k] * EM1(dk);                                                                  \
        }                                                                                                   \
      } else if (i == a) { /* c = d: every other column moves by -d */                                      \
        u = q[a] * EM1(-dx[b]);                                                                             \
        td = -(mw->t_sum[b] - t[a]) * dx[b];                                                                \
      } else {                                                                                              \
        u = x[i] * EM1(dx[b]);                                                                              \
        td = t[i] * dx[b];                                                                                  \
      }                                                                                                     \
      change += mw->t_sum[b] * LG1P(u) - td;                                                                \
    }                                                                                                       \
    return mw->E + change;                                                                                  \
  }
typedef double complex zdouble;
TOP_CHANGE(top_change, double, em1, lg1p)
TOP_CHANGE(top_change_z, zdouble, em1_z, lg1p_z)

/* The rows (examples) a change of column i of X_l reaches: those where dx_b != 0, dx real or, given dxz, complex.
 * Returns how many, listed in mw->rows. */
static size_t find_changed_rows(bp_mlp_move_work *mw, const double *dx, const double complex *dxz) {
  size_t n = 0;
  for (size_t b = 0; b < mw->X0->size1; b++)
    if (dxz ? dxz[b] != 0.0 : dx[b] != 0.0) mw->rows[n++] = b;
  return n;
}

/* The targets of the n changed rows (T itself when every row changes) and, in *E_old, their losses at x. */
static const gsl_matrix *changed_targets(bp_mlp_move_work *mw, size_t n, double *E_old) {
  *E_old = 0.0;
  if (n == mw->T->size1) return mw->T;
  mw->T_view = gsl_matrix_submatrix(mw->T_rows, 0, 0, n, mw->T_rows->size2);
  for (size_t r = 0; r < n; r++) {
    gsl_vector_const_view t_b = gsl_matrix_const_row(mw->T, mw->rows[r]);
    gsl_matrix_set_row(&mw->T_view.matrix, r, &t_b.vector);
    *E_old += mw->E_row[mw->rows[r]];
  }
  return &mw->T_view.matrix;
}

/* The loss when column i of X_l (l <= L-2) changes by dx: S_{l+1} changes by dx W_{l+1}[i, :], and the layers above
 * are recomputed as the forward pass computes them, for the rows that change only (dx_b != 0; an input pixel that is
 * 0 in most examples moves few rows). Where some rows stay, E is E at x plus the changed rows' new losses minus
 * their old ones: with targets in [0, 1] every row's loss is >= 0, and that sum is within a few ulp of E
 * (docs/performance.md). */
static int upper_layers(bp_mlp_move_work *mw, size_t l, size_t i, const double *dx, double *E) {
  const bp_mlp *net = mw->at;
  size_t L = net->n_layers, n = find_changed_rows(mw, dx, NULL);
  if (n == 0) {
    *E = mw->E;
    return GSL_SUCCESS;
  }
  gsl_matrix_view S_up[BP_MLP_MAX_LAYERS + 1], X_up[BP_MLP_MAX_LAYERS + 1];
  for (size_t m = l + 1; m <= L; m++) {
    S_up[m] = gsl_matrix_submatrix(mw->S_up[m], 0, 0, n, mw->S_up[m]->size2);
    X_up[m] = gsl_matrix_submatrix(mw->X_up[m], 0, 0, n, mw->X_up[m]->size2);
  }
  gsl_matrix *S = &S_up[l + 1].matrix;
  const gsl_matrix *S_at_x = mw->S[l + 1];
  const double *w = net->W[l + 1].matrix.data + i * net->W[l + 1].matrix.tda;
  for (size_t r = 0; r < n; r++) {
    size_t b = mw->rows[r];
    const double *at_x = S_at_x->data + b * S_at_x->tda;
    double *row = S->data + r * S->tda;
    for (size_t c = 0; c < S->size2; c++) row[c] = at_x[c] + dx[b] * w[c];
  }
  int status = bp_logistic_forward(S, &X_up[l + 1].matrix);
  for (size_t m = l + 2; m <= L && !status; m++) {
    status = affine(&X_up[m - 1].matrix, net, m, &S_up[m].matrix);
    if (!status && m < L) status = bp_logistic_forward(&S_up[m].matrix, &X_up[m].matrix);
  }
  if (status) return status;
  double E_new = 0.0, E_old;
  const gsl_matrix *T = changed_targets(mw, n, &E_old);
  status = loss_of(net, &S_up[L].matrix, T, &E_new);
  *E = (T == mw->T) ? E_new : mw->E + (E_new - E_old);
  return status;
}

/* The same continued to complex numbers, for the complex step: column i of X_l changes by the complex dx. The layers
 * above are recomputed as bp_mlp_forward_complex computes them (zgemm, the bias, eq. (2) and eq. (36) or eq. (38) at
 * complex arguments), for the rows that change only. */
static int upper_layers_complex(bp_mlp_move_work *mw, size_t l, size_t i, const double complex *dx, double complex *E) {
  const bp_mlp *net = mw->at;
  size_t L = net->n_layers, n = find_changed_rows(mw, NULL, dx);
  if (n == 0) {
    *E = mw->E;
    return GSL_SUCCESS;
  }
  gsl_matrix_complex_view S_up[BP_MLP_MAX_LAYERS + 1], X_up[BP_MLP_MAX_LAYERS + 1];
  for (size_t m = l + 1; m <= L; m++) {
    S_up[m] = gsl_matrix_complex_submatrix(mw->Sz_up[m], 0, 0, n, mw->Sz_up[m]->size2);
    X_up[m] = gsl_matrix_complex_submatrix(mw->Xz_up[m], 0, 0, n, mw->Xz_up[m]->size2);
  }
  gsl_matrix_complex *S = &S_up[l + 1].matrix;
  const gsl_matrix *S_at_x = mw->S[l + 1];
  const double *w = net->W[l + 1].matrix.data + i * net->W[l + 1].matrix.tda;
  for (size_t r = 0; r < n; r++) {
    size_t b = mw->rows[r];
    const double *at_x = S_at_x->data + b * S_at_x->tda;
    double *row = S->data + 2 * r * S->tda; /* real and imaginary parts side by side */
    for (size_t c = 0; c < S->size2; c++)
      row[2 * c] = at_x[c] + creal(dx[b]) * w[c], row[2 * c + 1] = cimag(dx[b]) * w[c];
  }
  int status = bp_logistic_forward_complex(S, &X_up[l + 1].matrix);
  for (size_t m = l + 2; m <= L && !status; m++) {
    S = &S_up[m].matrix;
    status = gsl_blas_zgemm(CblasNoTrans, CblasNoTrans, GSL_COMPLEX_ONE, &X_up[m - 1].matrix, mw->Wz[m],
                            GSL_COMPLEX_ZERO, S);
    if (status) BP_ERROR(status, "bp_mlp_problem: gsl_blas_zgemm failed: %s", gsl_strerror(status));
    const double *bias = net->b[m].vector.data;
    for (size_t r = 0; r < n; r++)
      for (size_t c = 0; c < S->size2; c++) S->data[2 * (r * S->tda + c)] += bias[c]; /* the real part */
    if (m < L) status = bp_logistic_forward_complex(S, &X_up[m].matrix);
  }
  if (status) return status;
  double E_old;
  const gsl_matrix *T = changed_targets(mw, n, &E_old);
  gsl_complex E_new = GSL_COMPLEX_ZERO;
  status = (net->output == BP_OUTPUT_LOGISTIC) ? bp_xent_logistic_stable_complex(&S_up[L].matrix, T, &E_new)
                                               : bp_xent_softmax_stable_complex(&S_up[L].matrix, T, &E_new);
  *E = (T == mw->T) ? bp_cmplx(GSL_REAL(E_new), GSL_IMAG(E_new))
                    : bp_cmplx(mw->E + (GSL_REAL(E_new) - E_old), GSL_IMAG(E_new));
  return status;
}

/* Column j of the layer below layer l (the input X0 for l = 1) with its row stride; NULL for the bias (input 1).
 * Moving parameter (j, i) of layer l by t changes column i of S_l by t times it (by t for the bias), eq. (3). */
static const double *input_column(const bp_mlp_move_work *mw, size_t l, size_t j, size_t *stride) {
  const gsl_matrix *below = (l == 1) ? mw->X0 : mw->X[l - 1];
  *stride = below->tda;
  return (j == mw->at->sizes[l - 1]) ? NULL : below->data + j;
}

/* The changes of s are formed by the expressions above while |d| <= 1, where e^d - 1 and log(1 + x (e^d - 1)) stay
 * far from overflow; a larger move (inputs or parameters near DBL_MAX) takes a whole forward pass. */
#define BP_MOVE_MAX 1.0

static int moved(const gsl_vector *x, size_t k, double t, gsl_vector *y, void *work) {
  bp_mlp_move_work *mw = work;
  (void)x; /* the state of prepare(x) */
  const bp_mlp *net = mw->at;
  size_t L = net->n_layers, l, j, i, B = mw->X0->size1;
  double E = 0.0;
  int status = GSL_SUCCESS;
  locate(net, k, &l, &j, &i);
  if (!mw->finite) {
    status = whole_pass(mw, k, t, &E);
    gsl_vector_set(y, 0, E);
    return status;
  }
  size_t stride;
  const double *in = input_column(mw, l, j, &stride);
  double *d = mw->dx, d_max = 0.0;
  for (size_t b = 0; b < B; b++) d[b] = in ? t * in[b * stride] : t, d_max = fmax(d_max, fabs(d[b]));
  if (!(d_max <= BP_MOVE_MAX)) {
    status = whole_pass(mw, k, t, &E);
    gsl_vector_set(y, 0, E);
    return status;
  }
  if (l == L) {
    E = top_change(mw, d, NULL, i);
  } else {
    const gsl_matrix *X = mw->X[l], *Q = mw->Q[l]; /* eq. (2): x' - x = x q m / (1 + x m), m = e^d - 1 */
    for (size_t b = 0; b < B; b++) {
      double xb = X->data[b * X->tda + i], qb = Q->data[b * Q->tda + i], m = em1(d[b]);
      d[b] = xb * qb * m / (1 + xb * m);
    }
    if (l == L - 1)
      E = top_change(mw, d, net->W[L].matrix.data + i * net->W[L].matrix.tda, 0);
    else
      status = upper_layers(mw, l, i, d, &E);
  }
  gsl_vector_set(y, 0, E);
  return status;
}

static int moved_complex(const gsl_vector *x, size_t k, double t, gsl_vector_complex *w, void *work) {
  bp_mlp_move_work *mw = work;
  (void)x;
  const bp_mlp *net = mw->at;
  size_t L = net->n_layers, l, j, i, B = mw->X0->size1;
  locate(net, k, &l, &j, &i);
  size_t stride;
  const double *in = input_column(mw, l, j, &stride);
  double d_max = 0.0;
  for (size_t b = 0; b < B; b++) d_max = fmax(d_max, fabs(in ? t * in[b * stride] : t));
  if (!mw->finite || !(d_max <= BP_MOVE_MAX)) { /* a whole complex forward pass at x + i t e_k */
    gsl_complex p0 = gsl_vector_complex_get(mw->pz, k), E;
    gsl_vector_complex_set(mw->pz, k, gsl_complex_rect(GSL_REAL(p0), t));
    int status = bp_mlp_forward_complex(net, mw->pz, mw->wsz, mw->X0);
    if (!status) status = bp_mlp_loss_complex(net, mw->wsz, mw->T, &E);
    gsl_vector_complex_set(mw->pz, k, p0);
    if (!status) gsl_vector_complex_set(w, 0, E); /* E is only set when both passes succeeded */
    return status;
  }
  double complex *d = mw->dxz, E = 0.0;
  int status = GSL_SUCCESS;
  for (size_t b = 0; b < B; b++) d[b] = bp_cmplx(0.0, in ? t * in[b * stride] : t);
  if (l == L) {
    E = top_change_z(mw, d, NULL, i);
  } else {
    const gsl_matrix *X = mw->X[l], *Q = mw->Q[l];
    for (size_t b = 0; b < B; b++) {
      double xb = X->data[b * X->tda + i], qb = Q->data[b * Q->tda + i];
      double complex m = em1_z(d[b]);
      d[b] = zdiv(xb * qb * m, 1 + xb * m);
    }
    if (l == L - 1)
      E = top_change_z(mw, d, net->W[L].matrix.data + i * net->W[L].matrix.tda, 0);
    else
      status = upper_layers_complex(mw, l, i, d, &E);
  }
  if (!status) gsl_vector_complex_set(w, 0, gsl_complex_rect(creal(E), cimag(E)));
  return status;
}

/* ---- the problem -------------------------------------------------------------------------------------------------- */

static void move_work_free(bp_mlp_move_work *mw) {
  if (mw == NULL) return;
  size_t L = mw->at ? mw->at->n_layers : 0;
  for (size_t l = 1; l <= L; l++) {
    gsl_matrix *m[4] = {mw->S[l], mw->X[l], mw->Q[l], mw->S_up[l]};
    for (int k = 0; k < 4; k++)
      if (m[k]) gsl_matrix_free(m[k]);
    if (mw->X_up[l]) gsl_matrix_free(mw->X_up[l]);
  }
  bp_mlp_free(mw->at);
  bp_mlp_workspace_free(mw->ws);
  bp_mlp_workspace_complex_free(mw->wsz);
  if (mw->pz) gsl_vector_complex_free(mw->pz);
  for (size_t l = 1; l <= L; l++) {
    gsl_matrix_complex *z[3] = {mw->Sz_up[l], mw->Xz_up[l], mw->Wz[l]};
    for (int k = 0; k < 3; k++)
      if (z[k]) gsl_matrix_complex_free(z[k]);
  }
  free(mw->t_sum);
  free(mw->E_row);
  free(mw->rows);
  if (mw->T_rows) gsl_matrix_free(mw->T_rows);
  free(mw->dx);
  free(mw->dxz);
  free(mw->top);
  free(mw);
}

static bp_mlp_move_work *move_work_alloc(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T) {
  bp_mlp_move_work *mw = bp_calloc(1, sizeof *mw);
  if (mw == NULL) return NULL;
  size_t B = X0->size1, L = net->n_layers;
  mw->X0 = X0, mw->T = T;
  int ok = (mw->at = bp_mlp_alloc(L, net->sizes, net->output)) != NULL && (mw->ws = bp_mlp_workspace_alloc(net, B)) &&
           (mw->wsz = bp_mlp_workspace_complex_alloc(net, B)) && (mw->pz = bp_vector_complex_alloc(net->n_params)) &&
           (mw->t_sum = bp_malloc(B * sizeof *mw->t_sum)) && (mw->dx = bp_malloc(B * sizeof *mw->dx)) &&
           (mw->dxz = bp_malloc(B * sizeof *mw->dxz)) && (mw->top = bp_malloc(B * sizeof *mw->top)) &&
           (mw->E_row = bp_malloc(B * sizeof *mw->E_row)) && (mw->rows = bp_malloc(B * sizeof *mw->rows)) &&
           (mw->T_rows = bp_matrix_alloc(B, T->size2));
  for (size_t l = 1; ok && l <= L; l++) {
    size_t n = net->sizes[l];
    ok = (mw->S[l] = bp_matrix_alloc(B, n)) && (mw->X[l] = bp_matrix_alloc(B, n)) &&
         (mw->Q[l] = bp_matrix_alloc(B, n)) && (mw->S_up[l] = bp_matrix_alloc(B, n)) &&
         (mw->X_up[l] = bp_matrix_alloc(B, n));
    if (ok && l >= 2 && L >= 3)
      ok = (mw->Sz_up[l] = bp_matrix_complex_alloc(B, n)) && (mw->Xz_up[l] = bp_matrix_complex_alloc(B, n));
    if (ok && l >= 3) ok = (mw->Wz[l] = bp_matrix_complex_alloc(net->sizes[l - 1], n)) != NULL;
  }
  if (!ok) {
    move_work_free(mw);
    return NULL;
  }
  return mw;
}

void bp_mlp_problem_free(bp_mlp_problem *mp) {
  if (mp == NULL) return;
  for (size_t k = 0; mp->work && k < mp->moves.n_work; k++) move_work_free(mp->work[k]);
  free(mp->work);
  bp_mlp_workspace_free(mp->ws);
  bp_mlp_workspace_complex_free(mp->wsz);
  free(mp);
}

bp_mlp_problem *bp_mlp_problem_alloc(bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, size_t n_threads) {
  if (net == NULL || X0 == NULL || T == NULL) {
    bp_error_set("bp_mlp_problem_alloc: the network, the batch and the targets must be given");
    return NULL;
  }
  size_t L = net->n_layers;
  if (X0->size2 != net->sizes[0] || T->size2 != net->sizes[L] || T->size1 != X0->size1) {
    bp_error_set("bp_mlp_problem_alloc: the batch is %zu x %zu and the targets %zu x %zu for a network of %zu "
                 "inputs and %zu outputs",
                 X0->size1, X0->size2, T->size1, T->size2, net->sizes[0], net->sizes[L]);
    return NULL;
  }
  if (n_threads < 1) n_threads = 1;
  if (n_threads > BP_FD_MAX_THREADS) n_threads = BP_FD_MAX_THREADS;
  bp_mlp_problem *mp = bp_calloc(1, sizeof *mp);
  if (mp == NULL) return NULL;
  int ok = (mp->ws = bp_mlp_workspace_alloc(net, X0->size1)) &&
           (mp->wsz = bp_mlp_workspace_complex_alloc(net, X0->size1)) &&
           (mp->work = bp_calloc(n_threads, sizeof *mp->work));
  for (size_t k = 0; ok && k < n_threads; k++) {
    ok = (mp->work[k] = move_work_alloc(net, X0, T)) != NULL;
    mp->moves.n_work = k + 1;
  }
  if (!ok) {
    bp_mlp_problem_free(mp);
    return NULL;
  }
  mp->closure = (bp_mlp_closure){net, mp->ws, X0, T, mp->wsz};
  mp->moves.prepare = prepare;
  mp->moves.moved = moved;
  mp->moves.moved_complex = moved_complex;
  mp->moves.work = (void **)mp->work;
  mp->problem = (bp_fd_problem){bp_mlp_error_function, bp_mlp_error_function_complex, &mp->closure, &mp->moves};
  return mp;
}

int bp_mlp_problem_moved(bp_mlp_problem *mp, const gsl_vector *x, size_t k, double t, double *E) {
  double y0 = 0.0;
  gsl_vector_view y = gsl_vector_view_array(&y0, 1);
  int status = prepare(x, mp->work[0]);
  if (!status) status = moved(x, k, t, &y.vector, mp->work[0]);
  *E = y0;
  return status;
}

int bp_mlp_problem_moved_complex(bp_mlp_problem *mp, const gsl_vector *x, size_t k, double t, double *E_re,
                                 double *E_im) {
  double w0[2] = {0.0, 0.0};
  gsl_vector_complex_view w = gsl_vector_complex_view_array(w0, 1);
  int status = prepare(x, mp->work[0]);
  if (!status) status = moved_complex(x, k, t, &w.vector, mp->work[0]);
  *E_re = w0[0], *E_im = w0[1];
  return status;
}
