/* test_modes.c - the cheaper modes of a gradient check (lib/modes.h): K sampled coordinates of every parameter
 * block, and one random direction instead of every entry.
 *
 * Directions: the network's correct gradient (eq. (9)-(16), eq. (26)-(31)) must pass along every direction drawn,
 * by central differences, Richardson and the complex step; then each classic backprop bug is planted into the real
 * gradient and the directional check is run along N_DRAWS directions of each kind, counting the misses (a PASS of
 * the wrong gradient). A signed direction v is uniform on the unit sphere, so for an error e = g_bug - grad f the
 * component u = (e / ||e||).v has the known law u^2 ~ Beta(1/2, (n - 1)/2); the check misses when
 * |a - n| = |e.v + (g.v - n)| falls under its tolerance T = max(rtol |n|, est_factor e). The expected number of
 * misses is therefore computable draw by draw, and the measured count is asserted against it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>

#include "core.h"
#include "gradcheck.h"
#include "mlp.h"
#include "mistakes.h"
#include "modes.h"
#include "test_util.h"

/* ---- blocks ---------------------------------------------------------------------------------------------------- */

static void blocks_should_name_and_cover_every_parameter_once(void) {
  /* three layers of differing sizes, and twelve (two-digit names) */
  static const size_t sizes3[] = {4, 6, 5, 3};
  size_t sizes12[13];
  for (size_t l = 0; l <= 12; l++) sizes12[l] = 2 + (l * 5) % 4;
  const size_t *sizes[2] = {sizes3, sizes12};
  const size_t layers[2] = {3, 12};
  for (int c = 0; c < 2; c++) {
    bp_mlp *net = bp_mlp_alloc(layers[c], sizes[c], BP_OUTPUT_SOFTMAX);
    CU_ASSERT_PTR_NOT_NULL_FATAL(net);
    bp_block blocks[2 * BP_MLP_MAX_LAYERS];
    size_t nb = bp_mlp_blocks(net, blocks);
    CU_ASSERT_EQUAL(nb, 2 * net->n_layers);
    unsigned char *seen = calloc(net->n_params, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
    for (size_t l = 1; l <= net->n_layers && 2 * l <= nb; l++) {
      const bp_block *W = &blocks[2 * l - 2], *b = &blocks[2 * l - 1];
      char name[16];
      snprintf(name, sizeof name, "W%zu", l);
      CU_ASSERT_STRING_EQUAL(W->name, name);
      snprintf(name, sizeof name, "b%zu", l);
      CU_ASSERT_STRING_EQUAL(b->name, name);
      CU_ASSERT_EQUAL(W->start, net->offset[l]);
      CU_ASSERT_EQUAL(W->size, net->sizes[l - 1] * net->sizes[l]);
      CU_ASSERT_EQUAL(b->size, net->sizes[l]);
      /* the blocks are the network's own views */
      CU_ASSERT_PTR_EQUAL(net->params->data + W->start, net->W[l].matrix.data);
      CU_ASSERT_PTR_EQUAL(net->params->data + b->start, net->b[l].vector.data);
      /* and each first coordinate carries the parameter's name */
      char pname[64];
      CU_ASSERT_EQUAL(bp_mlp_param_name(net, W->start, pname, sizeof pname), GSL_SUCCESS);
      snprintf(name, sizeof name, "W%zu[0,0]", l);
      CU_ASSERT_STRING_EQUAL(pname, name);
    }
    for (size_t k = 0; k < nb; k++)
      for (size_t i = 0; i < blocks[k].size; i++)
        if (blocks[k].start + i < net->n_params) seen[blocks[k].start + i]++;
    size_t once = 0;
    for (size_t i = 0; i < net->n_params; i++) once += (seen[i] == 1);
    CU_ASSERT_EQUAL(once, net->n_params);
    size_t total = 0;
    for (size_t k = 0; k < nb; k++) total += blocks[k].size;
    CU_ASSERT_EQUAL(total, net->n_params);
    free(seen);
    bp_mlp_free(net);
  }
}

/* ---- samples --------------------------------------------------------------------------------------------------- */

/* blocks of 24, 6, 30, 5, 15, 3 coordinates (the test network's W1, b1, ..., b3) */
static size_t test_blocks(bp_block *blocks) {
  static const size_t sizes[] = {4, 6, 5, 3};
  bp_mlp *net = bp_mlp_alloc(3, sizes, BP_OUTPUT_LOGISTIC);
  size_t nb = net ? bp_mlp_blocks(net, blocks) : 0;
  bp_mlp_free(net);
  return nb;
}

static void a_sample_should_take_k_distinct_ascending_coordinates_of_every_block(void) {
  bp_block blocks[2 * BP_MLP_MAX_LAYERS];
  size_t nb = test_blocks(blocks);
  CU_ASSERT_EQUAL_FATAL(nb, 6);
  gsl_rng *rng = bp_test_rng(4099);
  for (size_t k = 1; k <= 31; k += 3) {
    size_t expected = 0;
    for (size_t b = 0; b < nb; b++) expected += (blocks[b].size < k) ? blocks[b].size : k;
    CU_ASSERT_EQUAL(bp_sample_count(blocks, nb, k), expected);
    size_t columns[83], n_columns = 0;
    CU_ASSERT_EQUAL_FATAL(bp_sample_blocks(rng, blocks, nb, k, columns, &n_columns), GSL_SUCCESS);
    CU_ASSERT_EQUAL(n_columns, expected);
    size_t c = 0;
    for (size_t b = 0; b < nb; b++) {
      size_t want = (blocks[b].size < k) ? blocks[b].size : k;
      for (size_t i = 0; i < want && c < n_columns; i++, c++) {
        CU_ASSERT(columns[c] >= blocks[b].start && columns[c] < blocks[b].start + blocks[b].size);
        if (i > 0) CU_ASSERT(columns[c] > columns[c - 1]);                            /* ascending, hence distinct */
        if (want == blocks[b].size) CU_ASSERT_EQUAL(columns[c], blocks[b].start + i); /* the whole block */
      }
    }
  }
  gsl_rng_free(rng);
}

/* The same seed gives the same sample, and each block's draw is gsl_ran_choose's on the same stream (blocks of
 * <= k coordinates are taken whole and draw nothing). */
static void a_sample_should_be_gsl_ran_choose_and_deterministic_for_a_seed(void) {
  bp_block blocks[2 * BP_MLP_MAX_LAYERS];
  size_t nb = test_blocks(blocks), k = 4;
  size_t a[83], b[83], n_a = 0, n_b = 0;
  gsl_rng *r1 = bp_test_rng(77), *r2 = bp_test_rng(77), *twin = bp_test_rng(77);
  CU_ASSERT_EQUAL(bp_sample_blocks(r1, blocks, nb, k, a, &n_a), GSL_SUCCESS);
  CU_ASSERT_EQUAL(bp_sample_blocks(r2, blocks, nb, k, b, &n_b), GSL_SUCCESS);
  CU_ASSERT_EQUAL(n_a, n_b);
  CU_ASSERT(memcmp(a, b, n_a * sizeof *a) == 0);
  size_t c = 0, chosen[30], index[30];
  for (size_t blk = 0; blk < nb; blk++) {
    if (blocks[blk].size <= k) {
      c += blocks[blk].size;
      continue;
    }
    for (size_t i = 0; i < blocks[blk].size; i++) index[i] = blocks[blk].start + i;
    CU_ASSERT_EQUAL(gsl_ran_choose(twin, chosen, k, index, blocks[blk].size, sizeof *index), GSL_SUCCESS);
    CU_ASSERT(memcmp(chosen, a + c, k * sizeof *a) == 0);
    c += k;
  }
  /* another seed, another sample */
  gsl_rng_set(r2, 78);
  CU_ASSERT_EQUAL(bp_sample_blocks(r2, blocks, nb, k, b, &n_b), GSL_SUCCESS);
  CU_ASSERT(memcmp(a, b, n_a * sizeof *a) != 0);
  gsl_rng_free(r1), gsl_rng_free(r2), gsl_rng_free(twin);
}

/* Uniformity: over M samples each coordinate of a block of n > k is chosen ~ Binomial(M, k/n) times (within 5
 * standard deviations), and each of the 10 pairs of a block of 5 with k = 2 ~ Binomial(M, 1/10). */
static void every_coordinate_and_every_pair_should_be_chosen_equally_often(void) {
  bp_block blocks[2 * BP_MLP_MAX_LAYERS];
  size_t nb = test_blocks(blocks), k = 4;
  enum { M = 4000 };
  size_t count[83] = {0}, columns[83], n_columns = 0;
  gsl_rng *rng = bp_test_rng(5003);
  for (int m = 0; m < M; m++) {
    CU_ASSERT_EQUAL_FATAL(bp_sample_blocks(rng, blocks, nb, k, columns, &n_columns), GSL_SUCCESS);
    for (size_t c = 0; c < n_columns; c++) count[columns[c]]++;
  }
  for (size_t b = 0; b < nb; b++) {
    double p = (blocks[b].size <= k) ? 1.0 : (double)k / (double)blocks[b].size;
    double mean = M * p, sd = sqrt(M * p * (1.0 - p));
    for (size_t i = 0; i < blocks[b].size; i++) {
      size_t n = count[blocks[b].start + i];
      CU_ASSERT(fabs((double)n - mean) <= 5.0 * sd);
      if (!(fabs((double)n - mean) <= 5.0 * sd))
        printf("\n  %s[%zu] chosen %zu times of %d, expected %.1f +- %.1f\n", blocks[b].name, i, n, M, mean, sd);
    }
  }
  bp_block five = {"b", 10, 5};
  size_t pairs[5][5] = {{0}};
  for (int m = 0; m < M; m++) {
    size_t two[2], n_two = 0;
    CU_ASSERT_EQUAL_FATAL(bp_sample_blocks(rng, &five, 1, 2, two, &n_two), GSL_SUCCESS);
    CU_ASSERT_EQUAL_FATAL(n_two, 2);
    CU_ASSERT_FATAL(two[0] >= 10 && two[0] < two[1] && two[1] < 15);
    pairs[two[0] - 10][two[1] - 10]++;
  }
  double mean = M / 10.0, sd = sqrt(M * 0.1 * 0.9);
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++) CU_ASSERT(fabs((double)pairs[i][j] - mean) <= 5.0 * sd);
  gsl_rng_free(rng);
}

static void a_sample_of_nothing_should_be_refused(void) {
  bp_block blocks[2 * BP_MLP_MAX_LAYERS];
  size_t nb = test_blocks(blocks), columns[83], n_columns = 99;
  gsl_rng *rng = bp_test_rng(1);
  ASSERT_FAILS_WITH_MESSAGE(bp_sample_blocks(rng, blocks, nb, 0, columns, &n_columns), GSL_EINVAL, "k must be");
  CU_ASSERT_EQUAL(n_columns, 0);
  ASSERT_FAILS_WITH_MESSAGE(bp_sample_blocks(rng, blocks, 0, 3, columns, &n_columns), GSL_EINVAL, "no blocks");
  ASSERT_FAILS_WITH_MESSAGE(bp_sample_blocks(NULL, blocks, nb, 3, columns, &n_columns), GSL_EINVAL, "generator");
  CU_ASSERT_EQUAL(bp_sample_count(blocks, nb, 0), 0);
  gsl_rng_free(rng);
}

/* ---- directions ------------------------------------------------------------------------------------------------ */

static void directions_should_be_unit_vectors_of_their_kind(void) {
  enum { n = 40, M = 3000 };
  gsl_rng *rng = bp_test_rng(613);
  gsl_vector *v = bp_vector_alloc(n);
  double mean_sq0 = 0.0, mean0[2] = {0.0, 0.0};
  size_t negative[2] = {0, 0};
  for (int kind = 0; kind < 2; kind++)
    for (int m = 0; m < M; m++) {
      CU_ASSERT_EQUAL_FATAL(bp_direction_draw(rng, (bp_direction_kind)kind, v), GSL_SUCCESS);
      ASSERT_REL_CLOSE(gsl_blas_dnrm2(v), 1.0, 4 * GSL_DBL_EPSILON);
      for (size_t i = 0; i < n; i++) negative[kind] += gsl_vector_get(v, i) < 0.0;
      mean0[kind] += gsl_vector_get(v, 0) / M;
      if (kind == 0) mean_sq0 += gsl_vector_get(v, 0) * gsl_vector_get(v, 0) / M;
    }
  /* signed: about half the entries negative, mean zero, E v_i^2 = 1/n (uniform on the sphere) */
  CU_ASSERT(fabs((double)negative[0] - n * M / 2.0) <= 5.0 * sqrt(n * M / 4.0));
  CU_ASSERT(fabs(mean0[0]) <= 5.0 * sqrt(1.0 / n / M));
  CU_ASSERT(fabs(mean_sq0 - 1.0 / n) <= 5.0 * sqrt(2.0 / M) / n);
  /* positive: no entry negative, mean about 0.5 / sqrt(n / 3) */
  CU_ASSERT_EQUAL(negative[1], 0);
  ASSERT_REL_CLOSE(mean0[1], 0.5 / sqrt(n / 3.0), 0.05);
  /* the same seed draws the same direction */
  gsl_vector *u = bp_vector_alloc(n);
  for (int kind = 0; kind < 2; kind++) {
    gsl_rng_set(rng, 99);
    bp_direction_draw(rng, (bp_direction_kind)kind, v);
    gsl_rng_set(rng, 99);
    bp_direction_draw(rng, (bp_direction_kind)kind, u);
    CU_ASSERT(memcmp(u->data, v->data, n * sizeof(double)) == 0);
  }
  ASSERT_FAILS_WITH_MESSAGE(bp_direction_draw(rng, (bp_direction_kind)7, v), GSL_EINVAL, "unknown kind");
  ASSERT_FAILS_WITH_MESSAGE(bp_direction_draw(NULL, BP_DIRECTION_SIGNED, v), GSL_EINVAL, "generator");
  gsl_vector_free(u);
  gsl_vector_free(v);
  gsl_rng_free(rng);
}

/* ---- a network, its gradient, and planted bugs ------------------------------------------------------------------ */

static const size_t SIZES[] = {4, 6, 5, 3}; /* three weight layers, all sizes different: 83 parameters */
#define N_LAYERS 3
#define BATCH 4
#define N_DRAWS 1000  /* directions of each kind per planted bug */
#define N_CORRECT 200 /* directions per method for the correct gradient */
/* the problems of the miss-rate table (bp_test_problem_alloc seeds) and the directions' generator */
#define SEED_LOGISTIC 1
#define SEED_SOFTMAX 2
#define SEED_DIRECTIONS 8191

typedef struct {
  bp_test_problem *p;
  bp_mlp_workspace_complex *wsz;
  bp_mlp_closure closure;
  bp_fd_problem problem; /* E(params), with its complex continuation */
  gsl_vector *g;         /* the library's gradient, eq. (9)-(16) or eq. (26)-(31) */
  gsl_vector *gb;        /* a gradient under test */
  gsl_vector *v;
  bp_gradcheck *gc;
} bench;

static void bench_free(bench *b) {
  if (b == NULL) return;
  if (b->g) gsl_vector_free(b->g);
  if (b->gb) gsl_vector_free(b->gb);
  if (b->v) gsl_vector_free(b->v);
  bp_gradcheck_free(b->gc);
  bp_mlp_workspace_complex_free(b->wsz);
  bp_test_problem_free(b->p);
  free(b);
}

static bench *bench_alloc(bp_output output, unsigned long seed) {
  bench *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->p = bp_test_problem_alloc(N_LAYERS, SIZES, output, BATCH, seed);
  if (b->p == NULL) {
    free(b);
    return NULL;
  }
  size_t n = b->p->net->n_params;
  b->wsz = bp_mlp_workspace_complex_alloc(b->p->net, BATCH);
  b->g = bp_vector_alloc(n), b->gb = bp_vector_alloc(n), b->v = bp_vector_alloc(n);
  b->gc = bp_gradcheck_alloc(1);
  if (!b->wsz || !b->g || !b->gb || !b->v || !b->gc) {
    bench_free(b);
    return NULL;
  }
  b->closure = (bp_mlp_closure){b->p->net, b->p->ws, b->p->X0, b->p->T, b->wsz};
  b->problem = (bp_fd_problem){bp_mlp_error_function, bp_mlp_error_function_complex, &b->closure, NULL};
  bp_mlp_gradient(b->p->net, b->p->ws, b->p->X0, b->p->T, NULL);
  gsl_vector_memcpy(b->g, b->p->net->grad);
  return b;
}

typedef enum {
  BUG_SIGN,           /* eq. (9), eq. (26): dE/ds = t - x at the output */
  BUG_TWICE,          /* dE/ds = 2 (x - t): the 1/2 of a squared error carried into the cross-entropy */
  BUG_NO_DERIVATIVE,  /* eq. (11), eq. (12), eq. (30), eq. (31): the hidden units' x (1 - x) left out */
  BUG_TRANSPOSED,     /* eq. (10): dW2 formed as dS^T X (5 x 6) and stored in W2's 6 x 5 block */
  BUG_LAST_EXAMPLE,   /* eq. (15), eq. (16): each example's gradient overwrites (=) instead of adding (+=) */
  BUG_ONE_ENTRY,      /* the smallest |dE/dparam| 10% too large: the hardest single entry to see */
  BUG_SWAP,           /* W2[0,0] and W2[0,1] exchanged (an index slip) */
  BUG_ZERO_SUM,       /* +d on W2[0,0], -d on W2[0,1], d = 1e-3 ||g||: an error orthogonal to the all-ones vector */
  BUG_ZERO_SUM_SMALL, /* the same with d = 1e-6 ||g|| */
  N_BUGS
} bug;

static const char *const bug_names[N_BUGS] = {
    "output delta t - x (sign)", "output delta 2 (x - t)", "hidden x(1 - x) missing",
    "W2 block transposed",       "last example only",      "smallest entry +10%",
    "two entries swapped",       "zero-sum +-1e-3 ||g||",  "zero-sum +-1e-6 ||g||"};

/* The gross bugs are classic mistakes planted by the module (mistakes.h): eq. (9), eq. (26) sign and factor 2,
 * eq. (11), eq. (12) x(1 - x) left out in every hidden layer, eq. (10) W2's block transposed, eq. (15), eq. (16)
 * the batch overwritten. Any other m: no mistake. */
static int backward_with(bench *b, bug m, gsl_vector *g) {
  static const bp_mistake mistake_of[BUG_ONE_ENTRY] = {BP_MISTAKE_SIGN, BP_MISTAKE_FACTOR_TWO,
                                                       BP_MISTAKE_MISSING_DERIVATIVE, BP_MISTAKE_TRANSPOSED_BLOCK,
                                                       BP_MISTAKE_OVERWRITTEN_BATCH};
  bp_plant plant = bp_plant_default(m < BUG_ONE_ENTRY ? mistake_of[m] : BP_MISTAKE_NONE);
  if (m == BUG_TRANSPOSED) plant.layer = 2;
  return bp_mistake_gradient(b->p->net, b->p->X0, b->p->T, &plant, g);
}

/* The index of the smallest |g_k|. */
static size_t smallest_entry(const gsl_vector *g) {
  size_t k = 0;
  for (size_t i = 1; i < g->size; i++)
    if (fabs(gsl_vector_get(g, i)) < fabs(gsl_vector_get(g, k))) k = i;
  return k;
}

/* b->gb = the gradient with bug m. */
static int plant(bench *b, bug m) {
  if (m < BUG_ONE_ENTRY) return backward_with(b, m, b->gb);
  gsl_vector_memcpy(b->gb, b->g);
  size_t i = b->p->net->offset[2], j = i + 1; /* W2[0,0], W2[0,1] */
  double *g = b->gb->data, d = gsl_blas_dnrm2(b->g), swap = g[i];
  switch (m) {
  case BUG_ONE_ENTRY: g[smallest_entry(b->g)] *= 1.1; break;
  case BUG_SWAP: g[i] = g[j], g[j] = swap; break;
  case BUG_ZERO_SUM: g[i] += 1e-3 * d, g[j] -= 1e-3 * d; break;
  case BUG_ZERO_SUM_SMALL: g[i] += 1e-6 * d, g[j] -= 1e-6 * d; break;
  default: break;
  }
  return GSL_SUCCESS;
}

/* P(u <= x) for u a coordinate of a vector uniform on the unit sphere of R^n: u^2 ~ Beta(1/2, (n - 1)/2). */
static double sphere_coordinate_cdf(double x, size_t n) {
  if (x <= -1.0) return 0.0;
  if (x >= 1.0) return 1.0;
  double half = 0.5 * gsl_cdf_beta_P(x * x, 0.5, 0.5 * (double)(n - 1));
  return (x >= 0.0) ? 0.5 + half : 0.5 - half;
}

/* Runs the directional check (central) of b->gb along n_draws directions of `kind` from rng and counts the PASSes
 * (misses; a caught bug is FAIL). For signed directions *expected is the expected number of misses: with e = gb - g,
 * u = (e / ||e||).v, the check errs by a - n = ||e|| u + delta (delta = g.v - n, the numeric side's own error) and
 * misses when that is within T = max(rtol |n|, est_factor estimate); u has the sphere's law, and T and delta are
 * taken from the draw (they depend on v through g.v, nearly independent of u for an error e nearly orthogonal to g).
 * *max_p is the largest single-draw miss probability. x must come back bit for bit: *restored. */
static int count_misses(bench *b, bp_direction_kind kind, gsl_rng *rng, size_t n_draws, size_t *misses,
                        double *expected, double *max_p, int *restored) {
  size_t n = b->g->size;
  bp_tolerance tol = bp_tolerance_default();
  gsl_vector *e = bp_vector_alloc(n), *before = bp_vector_alloc(n);
  if (e == NULL || before == NULL) return GSL_ENOMEM;
  gsl_vector_memcpy(e, b->gb);
  gsl_vector_sub(e, b->g);
  gsl_vector_memcpy(before, b->p->net->params);
  double e_norm = gsl_blas_dnrm2(e);
  *misses = 0, *expected = 0.0, *max_p = 0.0, *restored = 1;
  int status = GSL_SUCCESS;
  for (size_t d = 0; d < n_draws && !status; d++) {
    status = bp_direction_draw(rng, kind, b->v);
    if (!status)
      status = bp_gradcheck_direction(b->gc, BP_FD_CENTRAL, &b->problem, b->p->net->params, b->gb, b->v, &tol);
    if (status) break;
    *misses += (b->gc->verdict == BP_VERDICT_PASS);
    *restored &= memcmp(before->data, b->p->net->params->data, n * sizeof(double)) == 0;
    double gv, num = gsl_vector_get(b->gc->numeric, 0);
    gsl_blas_ddot(b->g, b->v, &gv);
    double T = fmax(tol.rtol * fabs(num), tol.est_factor * gsl_vector_get(b->gc->estimate, 0)), delta = gv - num;
    double p = (e_norm > 0)
                   ? sphere_coordinate_cdf((T - delta) / e_norm, n) - sphere_coordinate_cdf((-T - delta) / e_norm, n)
                   : 1.0;
    *expected += p;
    *max_p = fmax(*max_p, p);
  }
  gsl_vector_free(e);
  gsl_vector_free(before);
  return status;
}

/* The miss-rate table of one output layer: misses[bug][kind] of N_DRAWS, and the expected signed misses. */
typedef struct {
  size_t misses[N_BUGS][2];
  double expected[N_BUGS], max_p[N_BUGS];
  double e_rel[N_BUGS]; /* ||g_bug - g|| / ||g|| */
  double sum_over_norm; /* sum(g) / ||g||: the mean part an all-positive direction keeps */
  int restored;
} miss_table;

static int measure_misses(bp_output output, unsigned long seed, miss_table *t) {
  bench *b = bench_alloc(output, seed);
  if (b == NULL) return GSL_ENOMEM;
  memset(t, 0, sizeof *t);
  t->restored = 1;
  double sum = 0.0, g_norm = gsl_blas_dnrm2(b->g);
  for (size_t i = 0; i < b->g->size; i++) sum += gsl_vector_get(b->g, i);
  t->sum_over_norm = sum / g_norm;
  int status = GSL_SUCCESS;
  for (int m = 0; m < N_BUGS && !status; m++) {
    status = plant(b, (bug)m);
    double e2 = 0.0;
    for (size_t i = 0; i < b->g->size; i++) e2 += gsl_pow_2(gsl_vector_get(b->gb, i) - gsl_vector_get(b->g, i));
    t->e_rel[m] = sqrt(e2) / g_norm;
    for (int kind = 0; kind < 2 && !status; kind++) {
      /* every bug and kind sees the same N_DRAWS directions */
      gsl_rng *rng = bp_test_rng(SEED_DIRECTIONS + (unsigned long)kind);
      double expected = 0.0, max_p = 0.0;
      int restored = 0;
      status = rng ? count_misses(b, (bp_direction_kind)kind, rng, N_DRAWS, &t->misses[m][kind], &expected, &max_p,
                                  &restored)
                   : GSL_ENOMEM;
      if (kind == BP_DIRECTION_SIGNED) t->expected[m] = expected, t->max_p[m] = max_p;
      t->restored &= restored;
      gsl_rng_free(rng);
    }
  }
  bench_free(b);
  return status;
}

/* The two tables, measured once for the two tests that read them. */
static const miss_table *table_for(bp_output output) {
  static miss_table tables[2];
  static int status[2] = {-1, -1};
  int k = output == BP_OUTPUT_SOFTMAX;
  if (status[k] < 0) status[k] = measure_misses(output, k ? SEED_SOFTMAX : SEED_LOGISTIC, &tables[k]);
  return status[k] ? NULL : &tables[k];
}

/* ---- the correct gradient --------------------------------------------------------------------------------------- */

/* The planted bugs are honest: the planted backward (eq. (9)-(16), eq. (26)-(31)) without a mistake is the
 * library's gradient to round-off. */
static void the_written_out_backward_should_agree_with_the_library(void) {
  for (int out = 0; out <= 1; out++) {
    bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, 41);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(backward_with(b, N_BUGS, b->gb), GSL_SUCCESS);
    gsl_vector_sub(b->gb, b->g);
    CU_ASSERT(gsl_blas_dnrm2(b->gb) <= 1e-14 * gsl_blas_dnrm2(b->g));
    /* and each planted mistake changes it */
    for (int m = 0; m < N_BUGS; m++) {
      CU_ASSERT_EQUAL(plant(b, (bug)m), GSL_SUCCESS);
      gsl_vector_sub(b->gb, b->g);
      CU_ASSERT(gsl_blas_dnrm2(b->gb) > 1e-7 * gsl_blas_dnrm2(b->g));
    }
    bench_free(b);
  }
}

/* eq. (9)-(16), eq. (26)-(31): along N_CORRECT directions of both kinds, the library's gradient passes by central
 * differences, Richardson and the complex step; the parameters come back bit for bit; numeric agrees with g.v
 * to each method's accuracy. */
static void a_correct_gradient_should_pass_along_every_direction(void) {
  static const bp_fd_method methods[] = {BP_FD_CENTRAL, BP_FD_RICHARDSON, BP_FD_COMPLEX};
  static const double accuracy[] = {1e-4, 1e-7, 1e-10}; /* loose bounds on |a - n| / |a| per method */
  bp_tolerance tol = bp_tolerance_default();
  for (int out = 0; out <= 1; out++)
    for (unsigned long seed = 301; seed <= 302; seed++) {
      bench *b = bench_alloc(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC, seed);
      CU_ASSERT_PTR_NOT_NULL_FATAL(b);
      gsl_vector *before = bp_vector_alloc(b->g->size);
      gsl_vector_memcpy(before, b->p->net->params);
      for (size_t mi = 0; mi < sizeof methods / sizeof methods[0]; mi++) {
        gsl_rng *rng = bp_test_rng(seed * 31 + mi);
        size_t passed = 0, accurate = 0, restored = 0;
        for (size_t d = 0; d < N_CORRECT; d++) {
          bp_direction_draw(rng, (d % 2) ? BP_DIRECTION_POSITIVE : BP_DIRECTION_SIGNED, b->v);
          int status = bp_gradcheck_direction(b->gc, methods[mi], &b->problem, b->p->net->params, b->g, b->v, &tol);
          CU_ASSERT_EQUAL_FATAL(status, GSL_SUCCESS);
          passed += b->gc->verdict == BP_VERDICT_PASS;
          accurate += gsl_vector_get(b->gc->rel_err, 0) <= accuracy[mi];
          restored += memcmp(before->data, b->p->net->params->data, before->size * sizeof(double)) == 0;
        }
        CU_ASSERT_EQUAL(passed, N_CORRECT);
        CU_ASSERT_EQUAL(accurate, N_CORRECT);
        CU_ASSERT_EQUAL(restored, N_CORRECT);
        if (passed != N_CORRECT || accurate != N_CORRECT)
          printf("\n  %s output, seed %lu, %s: %zu of %d passed, %zu accurate\n", out ? "softmax" : "logistic", seed,
                 bp_fd_method_name(methods[mi]), passed, N_CORRECT, accurate);
        gsl_rng_free(rng);
      }
      gsl_vector_free(before);
      bench_free(b);
    }
}

/* The step rule scales v to 2^E v: a direction multiplied by a power of two is the same check, bit for bit, with
 * g.v and the numeric side scaled exactly. */
static void a_direction_times_a_power_of_two_should_give_the_same_check(void) {
  bench *b = bench_alloc(BP_OUTPUT_SOFTMAX, 331);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  bp_tolerance tol = bp_tolerance_default();
  gsl_rng *rng = bp_test_rng(337);
  bp_direction_draw(rng, BP_DIRECTION_SIGNED, b->v);
  for (int mi = 0; mi < 2; mi++) {
    bp_fd_method method = mi ? BP_FD_COMPLEX : BP_FD_CENTRAL;
    CU_ASSERT_EQUAL(bp_gradcheck_direction(b->gc, method, &b->problem, b->p->net->params, b->g, b->v, &tol),
                    GSL_SUCCESS);
    double a = gsl_vector_get(b->gc->analytic, 0), n = gsl_vector_get(b->gc->numeric, 0),
           e = gsl_vector_get(b->gc->estimate, 0);
    gsl_vector_scale(b->v, 0x1p-20);
    CU_ASSERT_EQUAL(bp_gradcheck_direction(b->gc, method, &b->problem, b->p->net->params, b->g, b->v, &tol),
                    GSL_SUCCESS);
    CU_ASSERT_EQUAL(gsl_vector_get(b->gc->analytic, 0), ldexp(a, -20));
    CU_ASSERT_EQUAL(gsl_vector_get(b->gc->numeric, 0), ldexp(n, -20));
    CU_ASSERT_EQUAL(gsl_vector_get(b->gc->estimate, 0), ldexp(e, -20));
    CU_ASSERT_EQUAL(b->gc->verdict, BP_VERDICT_PASS);
    gsl_vector_scale(b->v, 0x1p20);
  }
  gsl_rng_free(rng);
  bench_free(b);
}

/* f(x) = sum x_i log x_i at x_i ~ 1e8..3.4e8: f ~ 4e9 per term, f' = log x_i + 1 ~ 19.5. A step of cbrt(eps) ~ 6e-6
 * in x would drown the difference in f's round-off (2 eps |f| / h ~ 0.3 per term, against f' ~ 20); the rule
 * moves x by cbrt(eps) ||x||_inf instead, so the comparison is resolved to rtol, and one entry 1e-5 off fails. */
static int x_log_x(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  double f = 0.0;
  for (size_t i = 0; i < x->size; i++) f += gsl_vector_get(x, i) * log(gsl_vector_get(x, i));
  gsl_vector_set(y, 0, f);
  return GSL_SUCCESS;
}

static void the_step_should_follow_the_size_of_x(void) {
  enum { n = 10 };
  double xs[n], gs[n], vs[n];
  gsl_rng *rng = bp_test_rng(347);
  for (size_t i = 0; i < n; i++) {
    xs[i] = 1e8 * (1.0 + 2.385 * gsl_rng_uniform(rng));
    gs[i] = log(xs[i]) + 1.0;
  }
  gsl_vector_view x = gsl_vector_view_array(xs, n), g = gsl_vector_view_array(gs, n), v = gsl_vector_view_array(vs, n);
  bp_fd_problem f = {x_log_x, NULL, NULL, NULL};
  bp_gradcheck *gc = bp_gradcheck_alloc(1);
  bp_tolerance tol = bp_tolerance_default();
  for (int d = 0; d < 20; d++) {
    bp_direction_draw(rng, BP_DIRECTION_SIGNED, &v.vector);
    CU_ASSERT_EQUAL(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v.vector, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_PASS);
    CU_ASSERT_EQUAL(gsl_vector_uchar_get(gc->resolved, 0), 1);
    CU_ASSERT(gsl_vector_get(gc->rel_err, 0) < BP_RTOL_GOOD);
    /* the bug: one entry 1e-5 relatively off, along a direction that weighs it (v_0 = 1/2) */
    gsl_vector_set(&v.vector, 0, 0.0);
    gsl_vector_scale(&v.vector, sqrt(0.75) / gsl_blas_dnrm2(&v.vector));
    gsl_vector_set(&v.vector, 0, 0.5);
    gs[0] *= 1.0 + 1e-5;
    CU_ASSERT_EQUAL(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v.vector, &tol), GSL_SUCCESS);
    CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_FAIL);
    gs[0] = log(xs[0]) + 1.0;
  }
  bp_gradcheck_free(gc);
  gsl_rng_free(rng);
}

/* At a stationary point g = 0 and f is flat to first order along every v: nothing to tell, NO SIGNAL. */
static int sum_of_squares(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  gsl_vector_set(y, 0, gsl_blas_dnrm2(x) * gsl_blas_dnrm2(x));
  return GSL_SUCCESS;
}

static void a_stationary_point_should_give_no_signal(void) {
  double xs[3] = {0.0, 0.0, 0.0}, gs[3] = {0.0, 0.0, 0.0}, vs[3] = {0.48, 0.6, -0.64};
  gsl_vector_view x = gsl_vector_view_array(xs, 3), g = gsl_vector_view_array(gs, 3), v = gsl_vector_view_array(vs, 3);
  bp_gradcheck *gc = bp_gradcheck_alloc(1);
  bp_tolerance tol = bp_tolerance_default();
  CU_ASSERT_EQUAL(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &(bp_fd_problem){sum_of_squares, NULL, NULL, NULL},
                                         &x.vector, &g.vector, &v.vector, &tol),
                  GSL_SUCCESS);
  CU_ASSERT_EQUAL(gc->verdict, BP_VERDICT_NO_SIGNAL);
  bp_gradcheck_free(gc);
}

/* ---- the miss rates --------------------------------------------------------------------------------------------- */

/* eq. (9), eq. (11), eq. (26), eq. (30): every planted bug along N_DRAWS signed directions: the misses are as many as
 * the sphere's law predicts (within 4 standard deviations of a Poisson count, +2), and the gross bugs, whose predicted
 * count is below 0.01, are never missed. Along positive directions nothing is predicted; the gross bugs are still never
 * missed. */
static void signed_directions_should_miss_only_as_often_as_predicted(void) {
  double one_entry_expected = 0.0;
  size_t one_entry_misses = 0;
  for (int out = 0; out <= 1; out++) {
    const miss_table *tp = table_for(out ? BP_OUTPUT_SOFTMAX : BP_OUTPUT_LOGISTIC);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
    const miss_table t = *tp;
    CU_ASSERT(t.restored);
    for (int m = 0; m < N_BUGS; m++) {
      double mu = t.expected[m], got = (double)t.misses[m][BP_DIRECTION_SIGNED];
      CU_ASSERT(fabs(got - mu) <= 4.0 * sqrt(mu) + 2.0);
      if (!(fabs(got - mu) <= 4.0 * sqrt(mu) + 2.0))
        printf("\n  %s, %s: %.0f signed misses of %d, expected %.2f\n", out ? "softmax" : "logistic", bug_names[m], got,
               N_DRAWS, mu);
      if (m <= BUG_SWAP && m != BUG_ONE_ENTRY) { /* the gross bugs, ||e|| >= 1e-3 ||g||: a miss has odds < 5% */
        CU_ASSERT(mu < 0.05);
        CU_ASSERT_EQUAL(t.misses[m][BP_DIRECTION_SIGNED], 0);
        CU_ASSERT_EQUAL(t.misses[m][BP_DIRECTION_POSITIVE], 0);
      }
    }
    /* The small zero-sum error, 1e-6 of ||g||, is caught most of the time, but not always. */
    CU_ASSERT(t.misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_SIGNED] >= 1);
    CU_ASSERT(t.misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_SIGNED] <= N_DRAWS / 5);
    one_entry_expected += t.expected[BUG_ONE_ENTRY];
    one_entry_misses += t.misses[BUG_ONE_ENTRY][BP_DIRECTION_SIGNED];
  }
  /* The measurement can see a miss: the smallest entry +10% is missed now and then, as predicted (a count of 0
   * would have probability e^-mu). */
  CU_ASSERT(one_entry_expected >= 5.0);
  CU_ASSERT(one_entry_misses >= 1);
}

/* eq. (9)-(16): an all-positive direction u / ||u|| (u uniform in [0,1)) carries a mean part: g.v = (0.5 sum(g) + g.(u
 * - 0.5)) / ||u||, while an error e with sum(e) = 0 keeps only e.(u - 0.5) / ||u||, half the spread a signed direction
 * gives. Where sum(g) is large beside ||g|| (the logistic bench: sum(g) = 2.55 ||g||), the tolerance rtol |g.v| grows
 * and the zero-sum error hides under it more often. Where sum(g) ~ 0 (the softmax bench: 0.18 ||g||) the ratio e.v /
 * g.v is scale-free and the two kinds miss alike. */
static void positive_directions_should_miss_a_zero_sum_error_more_when_the_gradient_has_a_mean(void) {
  const miss_table *t = table_for(BP_OUTPUT_LOGISTIC);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  size_t sig = t->misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_SIGNED],
         pos = t->misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_POSITIVE];
  CU_ASSERT(t->sum_over_norm >= 1.0); /* the premise: a gradient with a mean */
  CU_ASSERT(pos >= 3 * sig && pos >= sig + 50);
  if (!(pos >= 3 * sig && pos >= sig + 50))
    printf("\n  logistic, sum(g)/||g|| = %.3g: zero-sum misses signed %zu, positive %zu of %d\n", t->sum_over_norm, sig,
           pos, N_DRAWS);
  t = table_for(BP_OUTPUT_SOFTMAX);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  sig = t->misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_SIGNED], pos = t->misses[BUG_ZERO_SUM_SMALL][BP_DIRECTION_POSITIVE];
  /* the premise: the mean part 0.5 |sum(g)| is under half the spread ||g|| / sqrt(12) of g.(u - 0.5) */
  CU_ASSERT(fabs(t->sum_over_norm) <= 1.0 / sqrt(12.0));
  CU_ASSERT(fabs((double)pos - (double)sig) <= 4.0 * sqrt((double)(pos + sig)) + 2.0);
}

/* ---- errors ------------------------------------------------------------------------------------------------------ */

static int calls_before_failure;
static int fails_on_third_call(const gsl_vector *x, gsl_vector *y, void *params) {
  (void)params;
  if (++calls_before_failure == 3) return GSL_EFAILED;
  gsl_vector_set(y, 0, sin(gsl_vector_get(x, 0)) * gsl_vector_get(x, 1) + gsl_vector_get(x, 2));
  return GSL_SUCCESS;
}

static void bad_arguments_should_be_rejected_and_x_restored(void) {
  double xs[3] = {0.8731, -1.3127, 2.385}, saved[3] = {0.8731, -1.3127, 2.385};
  double gs[3] = {0.3, 0.7, 1.0}, vs[3] = {0.48, 0.6, -0.64}, zero[3] = {0.0, 0.0, 0.0}, bad[3] = {0.6, NAN, 0.8};
  gsl_vector_view x = gsl_vector_view_array(xs, 3), g = gsl_vector_view_array(gs, 3), v = gsl_vector_view_array(vs, 3);
  gsl_vector_view g2 = gsl_vector_view_array(gs, 2), v0 = gsl_vector_view_array(zero, 3);
  gsl_vector_view vnan = gsl_vector_view_array(bad, 3);
  bp_fd_problem f = {fails_on_third_call, NULL, NULL, NULL};
  bp_gradcheck *gc = bp_gradcheck_alloc(1), *gc2 = bp_gradcheck_alloc(2);
  bp_tolerance tol = bp_tolerance_default();
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g2.vector, &v.vector, &tol),
                            GSL_EBADLEN, "x has 3 entries but g has 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &g2.vector, &tol),
                            GSL_EBADLEN, "and v 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc2, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v.vector, &tol),
                            GSL_EBADLEN, "the check holds 2");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v0.vector, &tol),
                            GSL_EINVAL, "must be non-zero");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &vnan.vector, &tol),
                            GSL_EINVAL, "not finite");
  ASSERT_FAILS_WITH_MESSAGE(bp_gradcheck_direction(gc, BP_FD_COMPLEX, &f, &x.vector, &g.vector, &v.vector, &tol),
                            GSL_EINVAL, "complex continuation");
  CU_ASSERT(memcmp(xs, saved, sizeof xs) == 0);
  /* f fails at its third evaluation, with x perturbed: the status comes back and x is restored bit for bit */
  calls_before_failure = 0;
  CU_ASSERT_EQUAL(bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v.vector, &tol), GSL_EFAILED);
  CU_ASSERT_EQUAL(calls_before_failure, 3);
  CU_ASSERT(memcmp(xs, saved, sizeof xs) == 0);
  /* out of memory at each allocation in turn: GSL_ENOMEM, x untouched, until the check runs through */
  int status = GSL_ENOMEM;
  long n = 0;
  for (; n < 100 && status == GSL_ENOMEM; n++) {
    calls_before_failure = -1000;
    bp_fault_inject_alloc(n);
    status = bp_gradcheck_direction(gc, BP_FD_CENTRAL, &f, &x.vector, &g.vector, &v.vector, &tol);
    bp_fault_inject_alloc(-1);
    CU_ASSERT(memcmp(xs, saved, sizeof xs) == 0);
  }
  CU_ASSERT(n > 1);
  CU_ASSERT_EQUAL(status, GSL_SUCCESS);
  bp_gradcheck_free(gc);
  bp_gradcheck_free(gc2);
}

int register_modes(void) {
  static const bp_test_case cases[] = {
      {"blocks_should_name_and_cover_every_parameter_once", blocks_should_name_and_cover_every_parameter_once},
      {"a_sample_should_take_k_distinct_ascending_coordinates_of_every_block",
       a_sample_should_take_k_distinct_ascending_coordinates_of_every_block},
      {"a_sample_should_be_gsl_ran_choose_and_deterministic_for_a_seed",
       a_sample_should_be_gsl_ran_choose_and_deterministic_for_a_seed},
      {"every_coordinate_and_every_pair_should_be_chosen_equally_often",
       every_coordinate_and_every_pair_should_be_chosen_equally_often},
      {"a_sample_of_nothing_should_be_refused", a_sample_of_nothing_should_be_refused},
      {"directions_should_be_unit_vectors_of_their_kind", directions_should_be_unit_vectors_of_their_kind},
      {"the_written_out_backward_should_agree_with_the_library",
       the_written_out_backward_should_agree_with_the_library},
      {"a_correct_gradient_should_pass_along_every_direction", a_correct_gradient_should_pass_along_every_direction},
      {"a_direction_times_a_power_of_two_should_give_the_same_check",
       a_direction_times_a_power_of_two_should_give_the_same_check},
      {"the_step_should_follow_the_size_of_x", the_step_should_follow_the_size_of_x},
      {"a_stationary_point_should_give_no_signal", a_stationary_point_should_give_no_signal},
      {"signed_directions_should_miss_only_as_often_as_predicted",
       signed_directions_should_miss_only_as_often_as_predicted},
      {"positive_directions_should_miss_a_zero_sum_error_more_when_the_gradient_has_a_mean",
       positive_directions_should_miss_a_zero_sum_error_more_when_the_gradient_has_a_mean},
      {"bad_arguments_should_be_rejected_and_x_restored", bad_arguments_should_be_rejected_and_x_restored},
  };
  return bp_test_add_suite("modes: sampled entries and random directions", cases, sizeof cases / sizeof cases[0]);
}
