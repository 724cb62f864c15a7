/* modes.c - sampled entries of every block, and the directional check (see modes.h). */
#include "modes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_matrix.h>

#include "core.h"
#include "taylor.h"

/* ---- samples ---------------------------------------------------------------------------------------- */

size_t bp_sample_count(const bp_block *blocks, size_t n_blocks, size_t k) {
  size_t count = 0;
  for (size_t b = 0; b < n_blocks; b++) count += (blocks[b].size < k) ? blocks[b].size : k;
  return count;
}

int bp_sample_blocks(gsl_rng *rng, const bp_block *blocks, size_t n_blocks, size_t k, size_t *columns,
                     size_t *n_columns) {
  if (rng == NULL || blocks == NULL || columns == NULL || n_columns == NULL)
    BP_ERROR(GSL_EINVAL, "bp_sample_blocks: the generator, the blocks, columns and n_columns must all be given");
  *n_columns = 0;
  if (k == 0) BP_ERROR(GSL_EINVAL, "bp_sample_blocks: k must be at least 1 coordinate per block");
  if (n_blocks == 0) BP_ERROR(GSL_EINVAL, "bp_sample_blocks: there are no blocks to sample from");
  size_t m = 0;
  for (size_t b = 0; b < n_blocks; b++) {
    size_t start = blocks[b].start, n = blocks[b].size;
    if (n <= k) { /* the whole block, nothing drawn */
      for (size_t i = 0; i < n; i++) columns[m++] = start + i;
      continue;
    }
    /* Algorithm S (gsl_ran_choose): take i with probability (k - taken) / (n - i). When n - i = k - taken every
     * remaining coordinate is taken (u < 1), so exactly k come out, in ascending order. */
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < k; i++)
      if ((double)(n - i) * gsl_rng_uniform(rng) < (double)(k - taken)) {
        columns[m++] = start + i;
        taken++;
      }
  }
  *n_columns = m;
  return GSL_SUCCESS;
}

/* ---- directions -------------------------------------------------------------------------------------------------- */

int bp_direction_draw(gsl_rng *rng, bp_direction_kind kind, gsl_vector *v) {
  if (rng == NULL || v == NULL || v->size == 0)
    BP_ERROR(GSL_EINVAL, "bp_direction_draw: needs a generator and a non-empty vector");
  switch (kind) {
  case BP_DIRECTION_SIGNED: return bp_taylor_direction(rng, v); /* Gaussian / norm: uniform on the sphere */
  case BP_DIRECTION_POSITIVE: {
    double norm = 0.0;
    while (!(norm > 0.0)) {
      for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, gsl_rng_uniform(rng));
      norm = gsl_blas_dnrm2(v);
    }
    gsl_vector_scale(v, 1.0 / norm);
    return GSL_SUCCESS;
  }
  }
  BP_ERROR(GSL_EINVAL, "bp_direction_draw: unknown kind of direction %d", (int)kind);
}

/* ---- the directional check ------------------------------------------------------------------------------------
 * phi(t) = f(x0 + t w) is a problem of dimension 1 for the engine of fd.h. Each evaluation writes x0 + t w into the
 * caller's x (fma: one rounding per coordinate), calls f, and copies x0 back at once, whatever f returned. */
typedef struct {
  const bp_fd_problem *p;
  gsl_vector *x;         /* the caller's point, perturbed in place */
  const gsl_vector *x0;  /* its value on entry */
  const gsl_vector *w;   /* the scaled direction c v */
  gsl_vector_complex *z; /* x0 + t w for complex t (the complex step) */
} line_problem;

static int line_f(const gsl_vector *t, gsl_vector *y, void *params) {
  line_problem *L = params;
  double tt = gsl_vector_get(t, 0);
  for (size_t i = 0; i < L->x->size; i++)
    gsl_vector_set(L->x, i, fma(tt, gsl_vector_get(L->w, i), gsl_vector_get(L->x0, i)));
  int status = L->p->f(L->x, y, L->p->params);
  gsl_vector_memcpy(L->x, L->x0);
  return status;
}

/* The same line continued to complex t: z_i = (x0_i + Re t w_i) + i (Im t w_i). At t = i h the real parts are x0
 * exactly and the imaginary parts h w_i exact (h a power of two), so nothing is rounded into the point. */
static int line_fz(const gsl_vector_complex *t, gsl_vector_complex *y, void *params) {
  line_problem *L = params;
  gsl_complex tt = gsl_vector_complex_get(t, 0);
  for (size_t i = 0; i < L->z->size; i++) {
    double w = gsl_vector_get(L->w, i);
    gsl_vector_complex_set(L->z, i, gsl_complex_rect(fma(GSL_REAL(tt), w, gsl_vector_get(L->x0, i)), GSL_IMAG(tt) * w));
  }
  return L->p->fz(L->z, y, L->p->params);
}

int bp_gradcheck_direction(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                           const gsl_vector *g, const gsl_vector *v, const bp_tolerance *tol) {
  if (gc == NULL || p == NULL || p->f == NULL || x == NULL || g == NULL || v == NULL || tol == NULL)
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_direction: the check, the problem, its function, x, g, v and the tolerance "
                         "must all be given");
  if (gc->size != 1)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_direction: a directional check compares 1 entry, but the check holds %zu",
             gc->size);
  if (g->size != x->size || v->size != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_direction: x has %zu entries but g has %zu and v %zu", x->size, g->size,
             v->size);
  double x_inf = 0.0;
  for (size_t i = 0; i < x->size; i++) {
    double xi = gsl_vector_get(x, i), vi = gsl_vector_get(v, i);
    if (!isfinite(vi)) BP_ERROR(GSL_EINVAL, "bp_gradcheck_direction: the direction v is not finite (entry %zu)", i);
    if (!isfinite(xi)) BP_ERROR(GSL_EINVAL, "bp_gradcheck_direction: x is not finite (entry %zu)", i);
    x_inf = fmax(x_inf, fabs(xi));
  }
  double v_norm = gsl_blas_dnrm2(v);
  if (!(v_norm > 0.0) || !isfinite(v_norm))
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_direction: the direction v must be non-zero and finite (||v|| = %g)", v_norm);

  /* w = 2^E v with 2^E the power of two nearest max(||x||_inf, 1) / ||v||_2 (modes.h: the step). */
  int E = (int)lround(log2(fmax(x_inf, 1.0)) - log2(v_norm));
  double gv = 0.0;
  gsl_blas_ddot(g, v, &gv);

  gsl_vector *x0 = bp_vector_alloc(x->size), *w = bp_vector_alloc(x->size);
  gsl_vector_complex *z = NULL;
  int saved = 0; /* x0 holds x: from here on x is restored from it */
  int status = (x0 && w) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status && method == BP_FD_COMPLEX && p->fz && (z = bp_vector_complex_alloc(x->size)) == NULL)
    status = GSL_ENOMEM;
  if (status) goto out;
  gsl_vector_memcpy(x0, x);
  saved = 1;
  for (size_t i = 0; i < x->size && !status; i++) {
    double wi = ldexp(gsl_vector_get(v, i), E);
    if (!isfinite(wi)) {
      bp_error_set("bp_gradcheck_direction: the scaled direction overflows at entry %zu (||x||_inf = %g)", i, x_inf);
      status = GSL_EINVAL;
    }
    gsl_vector_set(w, i, wi);
  }
  if (status) goto out;

  /* phi'(0) = 2^E grad f . v: checked against 2^E g.v at t = 0, then every number divided by 2^E. Powers of two
   * scale a, n and e exactly, so the verdict (and rel_err) is the one of phi's check. */
  line_problem L = {p, x, x0, w, z};
  bp_fd_problem phi = {line_f, p->fz ? line_fz : NULL, &L, NULL};
  double t0 = 0.0, a_phi = ldexp(gv, E);
  gsl_vector_view t = gsl_vector_view_array(&t0, 1);
  gsl_matrix_view J = gsl_matrix_view_array(&a_phi, 1, 1);
  /* the method's own step, not the adaptive search (fd.c): one step and its companion, so central costs 4 passes */
  bp_fd_options fo = bp_fd_options_default();
  if (method == BP_FD_FORWARD || method == BP_FD_CENTRAL || method == BP_FD_RICHARDSON)
    fo.step = bp_fd_relative_step(method);
  status = bp_gradcheck_jacobian_with(gc, method, &phi, &t.vector, &fo, &J.matrix, tol);
  if (status) goto out;
  bp_verdict verdict = gc->verdict;
  unsigned char kink = gsl_vector_uchar_get(gc->nonsmooth, 0);
  gsl_vector_set(gc->analytic, 0, gv);
  gsl_vector_set(gc->numeric, 0, ldexp(gsl_vector_get(gc->numeric, 0), -E));
  gsl_vector_set(gc->estimate, 0, ldexp(gsl_vector_get(gc->estimate, 0), -E));
  status = bp_gradcheck_compare(gc, tol);
  if (!status && verdict == BP_VERDICT_NOT_SMOOTH) { /* the kink probe's finding, which compare does not redo */
    gc->verdict = verdict;
    gsl_vector_uchar_set(gc->nonsmooth, 0, kink);
    gc->n_nonsmooth = kink;
  }
out:
  if (saved) gsl_vector_memcpy(x, x0); /* already restored after every evaluation; bit for bit either way */
  if (x0) gsl_vector_free(x0);
  if (w) gsl_vector_free(w);
  if (z) gsl_vector_complex_free(z);
  return status;
}

int bp_gradcheck_sample(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                        const gsl_vector *g, const size_t *columns, size_t n_columns, const bp_fd_options *opt,
                        const bp_tolerance *tol) {
  if (gc == NULL || p == NULL || x == NULL || g == NULL || columns == NULL || tol == NULL || n_columns == 0)
    BP_ERROR(GSL_EINVAL, "bp_gradcheck_sample: the check, the problem, x, g, the columns and the tolerance must all "
                         "be given");
  if (gc->size != n_columns || g->size != x->size)
    BP_ERROR(GSL_EBADLEN, "bp_gradcheck_sample: %zu columns, a check of %zu entries, g of %zu and x of %zu", n_columns,
             gc->size, g->size, x->size);
  gsl_matrix *J = bp_matrix_alloc(1, n_columns);
  if (J == NULL) return GSL_ENOMEM;
  for (size_t k = 0; k < n_columns; k++) {
    if (columns[k] >= g->size) {
      gsl_matrix_free(J);
      BP_ERROR(GSL_EINVAL, "bp_gradcheck_sample: column %zu of a gradient of %zu entries", columns[k], g->size);
    }
    gsl_matrix_set(J, 0, k, gsl_vector_get(g, columns[k]));
  }
  bp_fd_options fo = opt ? *opt : bp_fd_options_default();
  fo.columns = columns, fo.n_columns = n_columns;
  int status = bp_gradcheck_jacobian_with(gc, method, p, x, &fo, J, tol);
  gsl_matrix_free(J);
  return status;
}
