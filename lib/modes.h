/* modes.h - cheaper modes of a gradient check: a sample of the entries of every parameter block (`--sample K`), and
 * one random direction instead of every entry (`--direction`).
 *
 * A full check differentiates every coordinate: n columns of finite differences. Sampling K coordinates of every
 * block (W1, b1, ..., WL, bL) costs at most 2L K columns and still looks at every layer's weights and biases. A
 * directional check costs ONE column, whatever n is: it compares the claimed directional derivative g.v with
 *     d/dt f(x + t v) at t = 0 = grad f . v,
 * and so sees the error e = g - grad f only through e.v. For v uniform on the unit sphere, e.v ~ ||e|| / sqrt(n)
 * times a standard normal: a wrong gradient is missed only when e.v falls under the tolerance, which has
 * probability ~ tol / (||e|| / sqrt(n)) -- small unless e is small. A direction with all entries positive (as
 * PyTorch's fast gradcheck draws them) has mean ~0.5: g.v keeps the mean part 0.5 sum(g) / ||u|| while an error
 * whose entries sum to zero keeps only its fluctuation part. tests/test_modes.c measures how often each kind
 * misses the classic backprop bugs in the network's gradient (eq. (9)-(16), eq. (26)-(31)). */
#ifndef BP_MODES_H
#define BP_MODES_H

#include <stddef.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "gradcheck.h"
#include "mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many coordinates bp_sample_blocks picks: sum over blocks of min(k, size). */
size_t bp_sample_count(const bp_block *blocks, size_t n_blocks, size_t k);
/* columns = k distinct coordinates drawn uniformly without replacement from EVERY block (all of a block that has
 * <= k, without drawing), ascending within each block, blocks in order; *n_columns = bp_sample_count(...); columns
 * must hold that many. Each block of size n > k is drawn by selection sampling (Knuth's algorithm S), exactly as
 * gsl_ran_choose draws k of n: coordinate i is taken with probability (k - taken) / (n - i), one gsl_rng_uniform
 * each, so every k-subset is equally likely, the result comes out ascending and needs no allocation. The O(n) draws
 * cost less than one forward pass. Deterministic for a given rng state. GSL_EINVAL for k == 0, n_blocks == 0 or a
 * missing argument. */
int bp_sample_blocks(gsl_rng *rng, const bp_block *blocks, size_t n_blocks, size_t k, size_t *columns,
                     size_t *n_columns);

/* The sampled check: entry k of gc compares g[columns[k]] with the difference of f in coordinate columns[k] (eq. (N)
 * of whatever f is; for the network, the blocks' entries of eq. (10)-(16), eq. (29)-(31)). gc->size must be
 * n_columns. opt may be NULL (the method's own rule, no progress); its columns, if any, are replaced by these. x is
 * perturbed in place and restored. GSL_EBADLEN for mismatched sizes, GSL_EINVAL for a column outside g. */
int bp_gradcheck_sample(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                        const gsl_vector *g, const size_t *columns, size_t n_columns, const bp_fd_options *opt,
                        const bp_tolerance *tol);

typedef enum {
  BP_DIRECTION_SIGNED, /* independent Gaussian entries, normalised: uniform on the unit sphere, mean zero (bpcheck's) */
  BP_DIRECTION_POSITIVE /* uniform [0,1) entries, normalised: all positive, as PyTorch's fast gradcheck draws them
                         * (kept to measure the difference) */
} bp_direction_kind;
/* v = a random direction of unit 2-norm of the given kind (a zero draw, of probability zero, is drawn again).
 * GSL_EINVAL for an empty v, a missing generator or an unknown kind. */
int bp_direction_draw(gsl_rng *rng, bp_direction_kind kind, gsl_vector *v);

/* The directional check: ONE column of differences whatever n is, at the method's own step without the adaptive
 * search (central: 2 forward passes, 4 with the estimate's companion at 2h; forward 3, richardson 10, complex 4,
 * gsl as its own adaptation needs, 8 on a smooth f), and the one backward pass that made g.
 * gc must have size 1.
 *   analytic = g.v                                       (the backward pass's gradient along v)
 *   numeric  = d/dt f(x + t v) at t = 0 by `method`      (with that method's error estimate)
 * compared under tol with bp_gradcheck_compare: the same verdict rule as every entry check (NO_SIGNAL when g.v is
 * exactly 0, NOT_SMOOTH when f has a kink along v within two steps of x).
 * The step. The engine's rule is relative to the coordinate, h = rel max(|x_j|, 1): a coordinate direction e_j
 * moves x by a vector of 2-norm rel max(|x_j|, 1). The direction is scaled likewise, to
 *     w = c v,   c = the power of two nearest max(||x||_inf, 1) / ||v||_2,
 * and phi(t) = f(x + t w) is differentiated at t = 0 by the engine, where its step is rel max(|t|, 1) = rel: x moves
 * by a vector of 2-norm rel max(||x||_inf, 1) (within a factor sqrt 2), the per-coordinate rule's move for the
 * largest coordinate. So truncation and round-off balance as they do for one entry of the same f, and v's own
 * length does not matter (a direction of norm 1e-3 gives the same check as its unit vector). c is a power of two,
 * so phi'(0) / c, its estimate / c and c g.v are exact: the verdict is the one phi's check gives. The complex step
 * evaluates p->fz at x + t w with complex t (x real, t = i h): the imaginary parts t w_i are exact, so nothing is
 * rounded into x.
 * x is perturbed in place (closures such as bp_mlp_error_function read net->params directly) and restored bit for
 * bit, also on failure. p->f must return a vector of length 1 (it is given one). Errors: GSL_EBADLEN for mismatched
 * lengths (g, v, x, or a check whose size is not 1), GSL_EINVAL for a zero or non-finite v, a non-finite x or a missing argument (and
 * for BP_FD_COMPLEX without p->fz), GSL_ENOMEM, or the status f returned. A wrong gradient is a result (FAIL). */
int bp_gradcheck_direction(bp_gradcheck *gc, bp_fd_method method, const bp_fd_problem *p, gsl_vector *x,
                           const gsl_vector *g, const gsl_vector *v, const bp_tolerance *tol);

#ifdef __cplusplus
}
#endif

#endif
