/* bench_check.c - `make bench`: the network's forward and backward against dgemm of the same BLAS, GSL's reference
 * CBLAS against the linked one, and the full gradient check per parameter by method and thread count, with the
 * full check's time against the number of parameters written as TSV for the figure (bench/check-time.gp).
 *
 *     build/bench_check OUTDIR
 *
 * The machine is shared: every ratio is the median over interleaved rounds (A and B measured back to back in each
 * round), and one-thread times are the process's CPU time, which other processes do not inflate. Two-thread times
 * are wall clock and say nothing on a loaded machine. Prints one "name<TAB>value" line per result to OUTDIR/c.tsv for
 * bench/peer.py, which puts NumPy and PyTorch beside them. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>

#include "core.h"
#include "gradcheck.h"
#include "mlp.h"
#include "mlpfd.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return (n % 2) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static FILE *tsv;
static void result(const char *name, double value) { fprintf(tsv, "%s\t%.6g\n", name, value); }

/* ---- a network on a random batch ---------------------------------------------------------------------------- */
typedef struct {
  bp_mlp *net;
  bp_mlp_workspace *ws;
  gsl_matrix *X0, *T;
} bench_net;

static int bench_net_alloc(bench_net *b, size_t L, const size_t *sizes, size_t batch, gsl_rng *rng) {
  b->net = bp_mlp_alloc(L, sizes, BP_OUTPUT_SOFTMAX);
  if (b->net == NULL) return GSL_ENOMEM;
  bp_mlp_init_random(b->net, rng);
  b->ws = bp_mlp_workspace_alloc(b->net, batch);
  b->X0 = bp_matrix_alloc(batch, sizes[0]);
  b->T = bp_matrix_alloc(batch, sizes[L]);
  if (!b->ws || !b->X0 || !b->T) return GSL_ENOMEM;
  for (size_t k = 0; k < batch * sizes[0]; k++) b->X0->data[k] = 2.0 * gsl_rng_uniform(rng) - 1.0;
  for (size_t r = 0; r < batch; r++) gsl_matrix_set(b->T, r, gsl_rng_uniform_int(rng, sizes[L]), 1.0);
  return GSL_SUCCESS;
}

static void bench_net_free(bench_net *b) {
  bp_mlp_free(b->net);
  bp_mlp_workspace_free(b->ws);
  if (b->X0) gsl_matrix_free(b->X0);
  if (b->T) gsl_matrix_free(b->T);
}

/* ---- the gemms of a forward and backward pass, by any cblas_dgemm ---------------------------------------------- */
typedef void (*dgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int, int, int, double,
                         const double *, int, const double *, int, double, double *, int);
#define ROW_MAJOR CblasRowMajor
#define NO_TRANS CblasNoTrans
#define TRANS CblasTrans

/* The products of one fwd+bwd: per layer S = X W (B x n_{l-1} x n_l), dW = X^T dS, and dX = dS W^T below the top;
 * the same shapes on the network's own matrices (values do not matter to the time). */
static void gemm_sequence(dgemm_fn gemm, bench_net *b) {
  bp_mlp *net = b->net;
  size_t L = net->n_layers, B = b->X0->size1;
  for (size_t l = 1; l <= L; l++) {
    const gsl_matrix *Xb = (l == 1) ? b->X0 : b->ws->X[l - 1];
    gsl_matrix *W = &net->W[l].matrix, *S = b->ws->dS[l];
    int nj = (int)net->sizes[l - 1], ni = (int)net->sizes[l];
    gemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)B, ni, nj, 1.0, Xb->data, (int)Xb->tda, W->data, ni, 0.0, S->data, ni);
    gemm(ROW_MAJOR, TRANS, NO_TRANS, nj, ni, (int)B, 1.0, Xb->data, (int)Xb->tda, S->data, ni, 0.0,
         net->dW[l].matrix.data, ni);
    if (l > 1)
      gemm(ROW_MAJOR, NO_TRANS, TRANS, (int)B, nj, ni, 1.0, S->data, ni, W->data, ni, 0.0, b->ws->dS[l - 1]->data,
           nj);
  }
}

/* Repeats expr in batches of 16 (the CPU clock is a system call) until 20 ms of CPU have passed; seconds per
 * call. */
#define PER_CALL(expr)                                                                                         \
  do {                                                                                                         \
    int reps_ = 0;                                                                                             \
    double t0_ = cpu_now(), t_;                                                                                \
    do {                                                                                                       \
      for (int k_ = 0; k_ < 16; k_++) expr;                                                                    \
      reps_ += 16;                                                                                             \
    } while ((t_ = cpu_now() - t0_) < 0.02);                                                                   \
    seconds = t_ / reps_;                                                                                      \
  } while (0)

enum { ROUNDS = 7 };

static void network_speed(const char *name, size_t L, const size_t *sizes, size_t batch, dgemm_fn gsl_gemm,
                          gsl_rng *rng) {
  bench_net b = {0};
  if (bench_net_alloc(&b, L, sizes, batch, rng)) {
    printf("%s: out of memory\n", name);
    bench_net_free(&b);
    return;
  }
  double fwd[ROUNDS], bwd[ROUNDS], gemm[ROUNDS], to_gemm[ROUNDS], bwd_fwd[ROUNDS], gsl_ratio[ROUNDS], seconds, E;
  for (int r = 0; r < ROUNDS; r++) {
    PER_CALL((bp_mlp_forward(b.net, b.ws, b.X0), bp_mlp_loss(b.net, b.ws, b.T, &E)));
    fwd[r] = seconds;
    PER_CALL((bp_mlp_zero_grad(b.net), bp_mlp_backward(b.net, b.ws, b.X0, b.T)));
    bwd[r] = seconds;
    PER_CALL(gemm_sequence(cblas_dgemm, &b));
    gemm[r] = seconds;
    to_gemm[r] = gemm[r] / (fwd[r] + bwd[r]);
    bwd_fwd[r] = bwd[r] / fwd[r];
    if (gsl_gemm) {
      PER_CALL(gemm_sequence(gsl_gemm, &b));
      gsl_ratio[r] = seconds / gemm[r];
    }
  }
  double f = median(fwd, ROUNDS), bw = median(bwd, ROUNDS);
  char key[128];
  printf("%-28s fwd+bwd %9.4f ms  (fwd %.4f, bwd %.4f)  rate / dgemm rate %.2f (goal >= 0.9)  bwd / fwd %.2f "
         "(goal <= 1.2)",
         name, 1e3 * (f + bw), 1e3 * f, 1e3 * bw, median(to_gemm, ROUNDS), median(bwd_fwd, ROUNDS));
  if (gsl_gemm) printf("  GSL CBLAS gemms / linked %.1fx", median(gsl_ratio, ROUNDS));
  printf("\n");
  snprintf(key, sizeof key, "fwdbwd_ms\t%s", name);
  result(key, 1e3 * (f + bw));
  snprintf(key, sizeof key, "to_dgemm\t%s", name);
  result(key, median(to_gemm, ROUNDS));
  bench_net_free(&b);
}

/* ---- the full check ------------------------------------------------------------------------------------------ */
static double full_check(size_t L, const size_t *sizes, size_t batch, bp_fd_method method, size_t threads,
                         double *per_column, int *pass, gsl_rng *rng, double *wall) {
  bench_net b = {0};
  double t = -1.0;
  bp_mlp_problem *mp = NULL;
  bp_gradcheck *gc = NULL;
  if (bench_net_alloc(&b, L, sizes, batch, rng) == GSL_SUCCESS &&
      bp_mlp_gradient(b.net, b.ws, b.X0, b.T, NULL) == GSL_SUCCESS &&
      (mp = bp_mlp_problem_alloc(b.net, b.X0, b.T, threads)) && (gc = bp_gradcheck_alloc(b.net->n_params))) {
    gsl_matrix_view g = gsl_matrix_view_vector(b.net->grad, 1, b.net->n_params);
    bp_fd_options o = bp_fd_options_default();
    o.n_threads = threads;
    bp_tolerance tol = bp_tolerance_default();
    double t0 = cpu_now(), w0 = wall_now();
    int status = bp_gradcheck_jacobian_with(gc, method, &mp->problem, b.net->params, &o, &g.matrix, &tol);
    t = cpu_now() - t0;
    *wall = wall_now() - w0;
    *per_column = (double)gc->evaluations / (double)b.net->n_params;
    *pass = !status && gc->verdict == BP_VERDICT_PASS;
  }
  bp_gradcheck_free(gc);
  bp_mlp_problem_free(mp);
  bench_net_free(&b);
  return t;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_check OUTDIR\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/c.tsv", argv[1]);
  if ((tsv = fopen(path, "w")) == NULL) {
    perror(path);
    return 1;
  }
  gsl_rng *rng = bp_rng_alloc(7);
  void *gsl_cblas = dlopen("libgslcblas.so.0", RTLD_NOW | RTLD_LOCAL);
  dgemm_fn gsl_gemm = gsl_cblas ? (dgemm_fn)(size_t)dlsym(gsl_cblas, "cblas_dgemm") : NULL;
  if (gsl_gemm == NULL) printf("GSL CBLAS: not found (libgslcblas.so.0), its column is skipped\n");

  printf("== the network: one forward + backward, float64, 1 thread, CPU time, medians of %d rounds\n", ROUNDS);
  network_speed("784-256-10 softmax, B=256", 2, (const size_t[]){784, 256, 10}, 256, gsl_gemm, rng);
  network_speed("784-512-512-10, B=128", 3, (const size_t[]){784, 512, 512, 10}, 128, gsl_gemm, rng);
  network_speed("4-8-3, B=1", 2, (const size_t[]){4, 8, 3}, 1, NULL, rng);

  printf("== the full check, every parameter, softmax, B=32\n");
  const size_t net_10k[] = {100, 90, 10}, net_100k[] = {784, 126, 10};
  struct {
    const char *name;
    const size_t *sizes;
    bp_fd_method method;
    size_t threads;
  } runs[] = {{"100-90-10 central 1 thread", net_10k, BP_FD_CENTRAL, 1},
              {"100-90-10 central 2 threads", net_10k, BP_FD_CENTRAL, 2},
              {"100-90-10 complex 1 thread", net_10k, BP_FD_COMPLEX, 1},
              {"100-90-10 forward 1 thread", net_10k, BP_FD_FORWARD, 1},
              {"784-126-10 central 1 thread", net_100k, BP_FD_CENTRAL, 1},
              {"784-126-10 complex 1 thread", net_100k, BP_FD_COMPLEX, 1}};
  double central_10k = 0, complex_10k = 0;
  for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
    double per_column = 0, wall = 0;
    int pass = 0;
    size_t P = (runs[k].sizes[0] + 1) * runs[k].sizes[1] + (runs[k].sizes[1] + 1) * runs[k].sizes[2];
    double t = full_check(2, runs[k].sizes, 32, runs[k].method, runs[k].threads, &per_column, &pass, rng, &wall);
    printf("%-30s %8.3f s CPU  %8.3f s wall  %6.2f us/parameter  %.2f evaluations/column  %s\n", runs[k].name, t, wall,
           1e6 * t / (double)P, per_column, pass ? "PASS" : "not PASS");
    char key[128];
    snprintf(key, sizeof key, "check_s\t%s", runs[k].name);
    result(key, runs[k].threads > 1 ? wall : t);
    if (k == 0) central_10k = t;
    if (k == 2) complex_10k = t;
    if (k == 4) printf("  784-126-10 every column on one core: %.2f s (goal < 2 s)\n", t);
  }
  printf("  complex / central on 100-90-10: %.2f (goal <= 2)\n", complex_10k / central_10k);

  printf("== the full central check against the number of parameters (1 thread, CPU s) -> %s/check-time.tsv\n",
         argv[1]);
  snprintf(path, sizeof path, "%s/check-time.tsv", argv[1]);
  FILE *ct = fopen(path, "w");
  if (ct) fprintf(ct, "params\ttool\tseconds\n");
  const size_t scale[][3] = {{50, 18, 10}, {100, 28, 10}, {100, 90, 10}, {300, 96, 10}, {784, 126, 10}};
  for (size_t k = 0; k < 5; k++) {
    double per_column, wall;
    int pass;
    size_t P = (scale[k][0] + 1) * scale[k][1] + (scale[k][1] + 1) * scale[k][2];
    double t = full_check(2, scale[k], 32, BP_FD_CENTRAL, 1, &per_column, &pass, rng, &wall);
    printf("  %zu-%zu-%zu  %7zu parameters  %8.3f s\n", scale[k][0], scale[k][1], scale[k][2], P, t);
    if (ct) fprintf(ct, "%zu\tbpcheck\t%.6g\n", P, t);
  }
  if (ct) fclose(ct);
  fclose(tsv);
  gsl_rng_free(rng);
  if (gsl_cblas) dlclose(gsl_cblas);
  return 0;
}
