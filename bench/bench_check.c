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
#include <stdarg.h>
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

/* The network and batch depend only on the shape (seed 7 each time): every measurement of a shape measures the same
 * problem. */
static int bench_net_alloc(bench_net *b, size_t L, const size_t *sizes, size_t batch) {
  gsl_rng *rng = bp_rng_alloc(7);
  if (rng == NULL) return GSL_ENOMEM;
  b->net = bp_mlp_alloc(L, sizes, BP_OUTPUT_SOFTMAX);
  if (b->net == NULL) {
    gsl_rng_free(rng);
    return GSL_ENOMEM;
  }
  bp_mlp_init_random(b->net, rng);
  b->ws = bp_mlp_workspace_alloc(b->net, batch);
  b->X0 = bp_matrix_alloc(batch, sizes[0]);
  b->T = bp_matrix_alloc(batch, sizes[L]);
  if (!b->ws || !b->X0 || !b->T) {
    gsl_rng_free(rng);
    return GSL_ENOMEM;
  }
  for (size_t k = 0; k < batch * sizes[0]; k++) b->X0->data[k] = 2.0 * gsl_rng_uniform(rng) - 1.0;
  for (size_t r = 0; r < batch; r++) gsl_matrix_set(b->T, r, gsl_rng_uniform_int(rng, sizes[L]), 1.0);
  gsl_rng_free(rng);
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

/* The products of one fwd+bwd as the network calls them: per layer S = X W + S (B x n_{l-1} x n_l; the network's S
 * holds the bias rows first), dW = X^T dS + dW (backward accumulates), and dX = dS W^T above layer 1; the same shapes
 * on the network's own matrices (values do not matter to the time). */
static void gemm_sequence(dgemm_fn gemm, bench_net *b) {
  bp_mlp *net = b->net;
  size_t L = net->n_layers, B = b->X0->size1;
  for (size_t l = 1; l <= L; l++) {
    const gsl_matrix *Xb = (l == 1) ? b->X0 : b->ws->X[l - 1];
    gsl_matrix *W = &net->W[l].matrix, *S = b->ws->dS[l];
    int nj = (int)net->sizes[l - 1], ni = (int)net->sizes[l];
    gemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)B, ni, nj, 1.0, Xb->data, (int)Xb->tda, W->data, ni, 1.0, S->data, ni);
    gemm(ROW_MAJOR, TRANS, NO_TRANS, nj, ni, (int)B, 1.0, Xb->data, (int)Xb->tda, S->data, ni, 1.0,
         net->dW[l].matrix.data, ni);
    if (l > 1)
      gemm(ROW_MAJOR, NO_TRANS, TRANS, (int)B, nj, ni, 1.0, S->data, ni, W->data, ni, 0.0, b->ws->dS[l - 1]->data, nj);
  }
}

/* Repeats expr in batches of 16 (the CPU clock is a system call) until 20 ms of CPU have passed; seconds per
 * call. */
#define PER_CALL(expr)                       \
  do {                                       \
    int reps_ = 0;                           \
    double t0_ = cpu_now(), t_;              \
    do {                                     \
      for (int k_ = 0; k_ < 16; k_++) expr;  \
      reps_ += 16;                           \
    } while ((t_ = cpu_now() - t0_) < 0.02); \
    seconds = t_ / reps_;                    \
  } while (0)

enum { ROUNDS = 7 };

/* ---- the goals of issue 13, collected for the summary block at the end of `make bench` (bench/peer.sh prints
 * OUTDIR/goals.tsv: what, verdict, detail) ------------------------------------------------------------------------ */
static FILE *goals;
static void goal(const char *what, int met, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void goal(const char *what, int met, const char *fmt, ...) {
  if (goals == NULL) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(goals, "%s\t%s\t", what, met ? "met" : "MISSED");
  vfprintf(goals, fmt, ap);
  fprintf(goals, "\n");
  va_end(ap);
}

static void network_speed(const char *name, size_t L, const size_t *sizes, size_t batch, dgemm_fn gsl_gemm) {
  bench_net b = {0};
  if (bench_net_alloc(&b, L, sizes, batch)) {
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
  double f = median(fwd, ROUNDS), bw = median(bwd, ROUNDS), g = median(gemm, ROUNDS);
  double rate = median(to_gemm, ROUNDS), ratio = median(bwd_fwd, ROUNDS);
  char key[160];
  printf("%-28s fwd+bwd %9.4f ms  (fwd %.4f, bwd %.4f)  rate / dgemm rate %.2f (goal >= 0.9)  bwd / fwd %.2f "
         "(goal <= 1.2)",
         name, 1e3 * (f + bw), 1e3 * f, 1e3 * bw, rate, ratio);
  if (gsl_gemm) printf("  GSL CBLAS gemms / linked %.1fx", median(gsl_ratio, ROUNDS));
  printf("\n");
  snprintf(key, sizeof key, "fwdbwd_ms\t%s", name);
  result(key, 1e3 * (f + bw));
  snprintf(key, sizeof key, "gemm_ms\t%s", name); /* the same gemms alone, for PyTorch's share of the dgemm rate */
  result(key, 1e3 * g);
  snprintf(key, sizeof key, "to_dgemm\t%s", name);
  result(key, rate);
  if (L == 2 && sizes[0] == 4) { /* the tiny network: its goal is a time, not a rate */
    snprintf(key, sizeof key, "%s fwd+bwd < 1 us", name);
    goal(key, 1e6 * (f + bw) < 1.0, "%.3f us", 1e6 * (f + bw));
    bench_net_free(&b);
    return;
  }
  snprintf(key, sizeof key, "%s fwd+bwd >= 0.9 of the dgemm rate", name);
  goal(key, rate >= 0.9, "%.2f%s", rate,
       rate >= 0.9 ? "" : " (the rest: the logistic's exp and the elementwise passes outside the gemms)");
  /* The backward's share of the arithmetic: dW for every layer and dX above layer 1, against the forward's S */
  double madds_fwd = 0.0, madds_above_1 = 0.0;
  for (size_t l = 1; l <= L; l++) {
    madds_fwd += (double)sizes[l - 1] * (double)sizes[l];
    if (l > 1) madds_above_1 += (double)sizes[l - 1] * (double)sizes[l];
  }
  double madds_ratio = (madds_fwd + madds_above_1) / madds_fwd;
  snprintf(key, sizeof key, "%s backward <= 1.2 forward", name);
  goal(key, ratio <= 1.2, "%.2f%s%.2f%s", ratio,
       ratio <= 1.2 ? " (multiply-adds backward / forward: " : " (the backward has to do ", madds_ratio,
       ratio <= 1.2 ? ")" : "x the forward's multiply-adds here: dW of every layer and dX above layer 1)");
  bench_net_free(&b);
}

/* ---- the full check ------------------------------------------------------------------------------------------
 * A prepared check: the network of a shape (bench_net_alloc), its analytic gradient and the problem with moves. The
 * setup is what a user pays once per check besides the columns (bpcheck grad also reads files); it is timed
 * separately. */
typedef struct {
  bench_net b;
  bp_mlp_problem *mp;
  bp_gradcheck *gc;
  size_t threads;
  double setup; /* CPU s: network, gradient, problem and check allocation */
} prepared;

/* A prepared check of a network with L layers; with `nonzero` < 1 only that fraction of the inputs (drawn from seed
 * 11) is kept and the rest set to 0, as in images with a blank background. */
static int prepared_alloc_layers(prepared *c, size_t L, const size_t *sizes, size_t threads, double nonzero) {
  *c = (prepared){.threads = threads};
  double t0 = cpu_now();
  int ok = bench_net_alloc(&c->b, L, sizes, 32) == GSL_SUCCESS;
  gsl_rng *rng = (ok && nonzero < 1.0) ? bp_rng_alloc(11) : NULL;
  for (size_t k = 0; rng && k < c->b.X0->size1 * c->b.X0->size2; k++)
    if (gsl_rng_uniform(rng) >= nonzero) c->b.X0->data[k] = 0.0;
  if (rng) gsl_rng_free(rng);
  ok = ok && bp_mlp_gradient(c->b.net, c->b.ws, c->b.X0, c->b.T, NULL) == GSL_SUCCESS &&
       (c->mp = bp_mlp_problem_alloc(c->b.net, c->b.X0, c->b.T, threads)) &&
       (c->gc = bp_gradcheck_alloc(c->b.net->n_params));
  c->setup = cpu_now() - t0;
  return ok ? GSL_SUCCESS : GSL_ENOMEM;
}

static int prepared_alloc(prepared *c, const size_t *sizes, size_t threads) {
  return prepared_alloc_layers(c, 2, sizes, threads, 1.0);
}

static void prepared_free(prepared *c) {
  bp_gradcheck_free(c->gc);
  bp_mlp_problem_free(c->mp);
  bench_net_free(&c->b);
}

/* One full check of every parameter: CPU and wall seconds; evaluations a column; whether it passed. */
static int check_once(prepared *c, bp_fd_method method, double *cpu, double *wall, double *per_column) {
  gsl_matrix_view g = gsl_matrix_view_vector(c->b.net->grad, 1, c->b.net->n_params);
  bp_fd_options o = bp_fd_options_default();
  o.n_threads = c->threads;
  bp_tolerance tol = bp_tolerance_default();
  double t0 = cpu_now(), w0 = wall_now();
  int status = bp_gradcheck_jacobian_with(c->gc, method, &c->mp->problem, c->b.net->params, &o, &g.matrix, &tol);
  *cpu = cpu_now() - t0;
  *wall = wall_now() - w0;
  *per_column = (double)c->gc->evaluations / (double)c->b.net->n_params;
  return !status && c->gc->verdict == BP_VERDICT_PASS;
}

/* The check's CPU time as every full-check figure of the bench measures it: one warm-up check (the first touches
 * the workspaces' pages), then the median of `rounds`. *first gets the warm-up's time. */
static double check_median(prepared *c, bp_fd_method method, int rounds, double *first, double *per_column, int *pass) {
  double t[ROUNDS], wall;
  *pass = check_once(c, method, first, &wall, per_column);
  for (int r = 0; r < rounds; r++) *pass &= check_once(c, method, &t[r], &wall, per_column);
  return median(t, rounds);
}

static size_t n_params(const size_t *s) { return (s[0] + 1) * s[1] + (s[1] + 1) * s[2]; }

static double load_average(void) {
  double load = -1.0;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &load) != 1) load = -1.0;
    fclose(f);
  }
  return load;
}

/* bench_check --one-check: the CPU seconds of one full central check of 100-90-10 after a warm-up, alone, for
 * bench/peer.py to pair with PyTorch's gradcheck round by round (the two timed minutes apart drift apart on a shared
 * machine). */
static int one_check(void) {
  const size_t net_10k[] = {100, 90, 10};
  prepared c;
  double first, per_column;
  int pass;
  if (prepared_alloc(&c, net_10k, 1)) {
    fprintf(stderr, "bench_check: out of memory\n");
    prepared_free(&c);
    return 1;
  }
  double t = check_median(&c, BP_FD_CENTRAL, 1, &first, &per_column, &pass);
  printf("%.6g\n", t);
  prepared_free(&c);
  return pass ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--one-check") == 0) return one_check();
  if (argc != 2) {
    fprintf(stderr, "usage: bench_check OUTDIR | bench_check --one-check\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/c.tsv", argv[1]);
  if ((tsv = fopen(path, "w")) == NULL) {
    perror(path);
    return 1;
  }
  snprintf(path, sizeof path, "%s/goals.tsv", argv[1]);
  if ((goals = fopen(path, "w")) == NULL) {
    perror(path);
    return 1;
  }
  void *gsl_cblas = dlopen("libgslcblas.so.0", RTLD_NOW | RTLD_LOCAL);
  dgemm_fn gsl_gemm = gsl_cblas ? (dgemm_fn)(size_t)dlsym(gsl_cblas, "cblas_dgemm") : NULL;
  if (gsl_gemm == NULL) printf("GSL CBLAS: not found (libgslcblas.so.0), its column is skipped\n");
  printf("load average at the start: %.2f on this machine's cores (CPU times below are the process's own)\n",
         load_average());

  printf("== the network: one forward + backward, float64, 1 thread, CPU time, medians of %d rounds\n", ROUNDS);
  network_speed("784-256-10 softmax, B=256", 2, (const size_t[]){784, 256, 10}, 256, gsl_gemm);
  network_speed("784-512-512-10, B=128", 3, (const size_t[]){784, 512, 512, 10}, 128, gsl_gemm);
  network_speed("4-8-3, B=1", 2, (const size_t[]){4, 8, 3}, 1, NULL);

  /* Every full-check time below is check_median's: the same network for a shape (seed 7), the problem prepared
   * once, a warm-up check, then the median CPU time of the rounds; the sweep and the PyTorch ratio use the same
   * figures. */
  const size_t net_10k[] = {100, 90, 10}, net_100k[] = {784, 126, 10};
  printf("== the full check, every parameter, softmax, B=32, 1 thread: CPU s, median of %d checks after a warm-up\n",
         ROUNDS);
  prepared c10 = {0}, c100 = {0};
  if (prepared_alloc(&c10, net_10k, 2) || prepared_alloc(&c100, net_100k, 1)) {
    printf("full check: out of memory\n");
    prepared_free(&c10);
    prepared_free(&c100);
    return 1;
  }
  c10.threads = 1;
  double first, per_column[4], central_10k, complex_10k, forward_10k, central_100k, complex_100k;
  int pass[4];
  central_10k = check_median(&c10, BP_FD_CENTRAL, ROUNDS, &first, &per_column[0], &pass[0]);
  printf("100-90-10 central                %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", central_10k,
         1e6 * central_10k / (double)n_params(net_10k), per_column[0], pass[0] ? "PASS" : "not PASS");
  printf("  what a user pays besides: the first (cold) check %.4f s, setup (network, gradient, problem) %.4f s\n",
         first, c10.setup);
  complex_10k = check_median(&c10, BP_FD_COMPLEX, ROUNDS, &first, &per_column[1], &pass[1]);
  printf("100-90-10 complex                %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", complex_10k,
         1e6 * complex_10k / (double)n_params(net_10k), per_column[1], pass[1] ? "PASS" : "not PASS");
  forward_10k = check_median(&c10, BP_FD_FORWARD, ROUNDS, &first, &per_column[2], &pass[2]);
  printf("100-90-10 forward                %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", forward_10k,
         1e6 * forward_10k / (double)n_params(net_10k), per_column[2], pass[2] ? "PASS" : "not PASS");
  central_100k = check_median(&c100, BP_FD_CENTRAL, 3, &first, &per_column[3], &pass[3]);
  printf("784-126-10 central               %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", central_100k,
         1e6 * central_100k / (double)n_params(net_100k), per_column[3], pass[3] ? "PASS" : "not PASS");
  double pc_complex;
  int pass_complex;
  complex_100k = check_median(&c100, BP_FD_COMPLEX, 3, &first, &pc_complex, &pass_complex);
  printf("784-126-10 complex               %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", complex_100k,
         1e6 * complex_100k / (double)n_params(net_100k), pc_complex, pass_complex ? "PASS" : "not PASS");
  result("check_s\t100-90-10 central 1 thread", central_10k);
  result("check_s\t784-126-10 central 1 thread", central_100k);

  /* complex / central and 1 / 2 threads: paired rounds, A and B back to back, the median of the ratios */
  double ratio[ROUNDS], speedup[ROUNDS], w1[ROUNDS], w2[ROUNDS], cpu, wall, pc;
  int same_bits = 1;
  gsl_vector *numeric_1 = bp_vector_alloc(c10.b.net->n_params);
  for (int r = 0; r < ROUNDS; r++) {
    double a, b;
    check_once(&c10, BP_FD_CENTRAL, &a, &wall, &pc);
    check_once(&c10, BP_FD_COMPLEX, &b, &wall, &pc);
    ratio[r] = b / a;
    c10.threads = 1;
    check_once(&c10, BP_FD_CENTRAL, &cpu, &w1[r], &pc);
    if (numeric_1) gsl_vector_memcpy(numeric_1, c10.gc->numeric);
    c10.threads = 2;
    check_once(&c10, BP_FD_CENTRAL, &cpu, &w2[r], &pc);
    if (numeric_1) same_bits &= !memcmp(numeric_1->data, c10.gc->numeric->data, numeric_1->size * sizeof(double));
    c10.threads = 1;
    speedup[r] = w1[r] / w2[r];
  }
  if (numeric_1) gsl_vector_free(numeric_1);
  double cc = median(ratio, ROUNDS), su = median(speedup, ROUNDS), load = load_average();
  printf("  complex / central on 100-90-10: %.2f (goal <= 2; median of %d paired rounds)\n", cc, ROUNDS);
  printf("  100-90-10 central, wall clock: 1 thread %.4f s, 2 threads %.4f s, speed-up %.2fx (paired rounds; "
         "load average %.2f: with other busy processes on the cores this says little), same bits: %s\n",
         median(w1, ROUNDS), median(w2, ROUNDS), su, load, same_bits ? "yes" : "NO");
  result("thread_speedup\t100-90-10", su);

  goal("784-126-10 (100,180 parameters) every column, one core, < 2 s", central_100k < 2.0 && pass[3], "%.3f s central",
       central_100k);
  goal("--method complex <= 2x central (100-90-10)", cc <= 2.0,
       cc <= 2.0 ? "%.2f"
                 : "%.2f: a complex evaluation (cexp, a complex log1p per output) costs about 3 real ones; a "
                   "settled column takes 2 of them against central's 4",
       cc);
  goal("central <= 4.5 evaluations a column on a correct network", per_column[0] <= 4.5 && per_column[3] <= 4.5,
       "%.2f (100-90-10), %.2f (784-126-10)", per_column[0], per_column[3]);
  goal("1 and 2 threads give the same bits", same_bits, "%s; 2-thread speed-up %.2fx wall (load average %.2f)",
       same_bits ? "bench and tests/test_speed.c" : "the bench found a difference", su, load);

  /* Image-like inputs, 15% nonzero: a move of a layer-1 weight changes the rows whose input is not 0 only; with
   * three layers the moves recompute layer 2 and above for those rows. One check after a warm-up each. */
  const size_t net_deep[] = {784, 128, 128, 10};
  const struct {
    const char *name;
    size_t L;
    const size_t *sizes;
  } shapes[] = {{"784-126-10", 2, net_100k}, {"784-128-128-10", 3, net_deep}};
  for (size_t s = 0; s < 2; s++) {
    double t[2];
    for (int sparse = 0; sparse < 2; sparse++) {
      prepared cd;
      double pcd;
      int pass_one;
      if (s == 0 && !sparse) { /* the 784-126-10 above */
        t[0] = central_100k;
        continue;
      }
      if (prepared_alloc_layers(&cd, shapes[s].L, shapes[s].sizes, 1, sparse ? 0.15 : 1.0)) {
        printf("%s: out of memory\n", shapes[s].name);
        prepared_free(&cd);
        return 1;
      }
      t[sparse] = check_median(&cd, BP_FD_CENTRAL, 1, &first, &pcd, &pass_one);
      printf("%-14s central, %s %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s\n", shapes[s].name,
             sparse ? "15% of inputs nonzero" : "dense inputs         ", t[sparse],
             1e6 * t[sparse] / (double)cd.b.net->n_params, pcd, pass_one ? "PASS" : "not PASS");
      if (sparse && shapes[s].L == 3) {
        double tz = check_median(&cd, BP_FD_COMPLEX, 1, &first, &pcd, &pass_one);
        printf("%-14s complex, 15%% of inputs nonzero %8.4f s  %6.2f us/parameter  %.2f evaluations/column  %s"
               "  (complex / central %.2f)\n",
               shapes[s].name, tz, 1e6 * tz / (double)cd.b.net->n_params, pcd, pass_one ? "PASS" : "not PASS",
               tz / t[1]);
        result("check_s\t784-128-128-10 complex 15% nonzero", tz);
      }
      prepared_free(&cd);
    }
    printf("  %s dense / image-like inputs: %.1fx\n", shapes[s].name, t[0] / t[1]);
    char key[96];
    snprintf(key, sizeof key, "check_s\t%s central dense", shapes[s].name);
    result(key, t[0]);
    snprintf(key, sizeof key, "check_s\t%s central 15%% nonzero", shapes[s].name);
    result(key, t[1]);
  }

  printf("== the full central check against the number of parameters (1 thread, CPU s, as above) -> "
         "%s/check-time.tsv\n",
         argv[1]);
  snprintf(path, sizeof path, "%s/check-time.tsv", argv[1]);
  FILE *ct = fopen(path, "w");
  if (ct) fprintf(ct, "params\ttool\tseconds\n");
  const size_t scale[][3] = {{50, 18, 10}, {100, 28, 10}, {100, 90, 10}, {300, 96, 10}, {784, 126, 10}};
  for (size_t k = 0; k < 5; k++) {
    double t;
    if (scale[k][1] == 90)
      t = central_10k; /* the same network and measurement: measured above */
    else if (scale[k][1] == 126)
      t = central_100k;
    else {
      prepared c;
      int ok;
      if (prepared_alloc(&c, scale[k], 1)) {
        prepared_free(&c);
        continue;
      }
      t = check_median(&c, BP_FD_CENTRAL, ROUNDS, &first, &pc, &ok);
      prepared_free(&c);
    }
    size_t P = n_params(scale[k]);
    printf("  %zu-%zu-%zu  %7zu parameters  %8.4f s\n", scale[k][0], scale[k][1], scale[k][2], P, t);
    if (ct) fprintf(ct, "%zu\tbpcheck\t%.6g\n", P, t);
  }
  if (ct) fclose(ct);
  prepared_free(&c10);
  prepared_free(&c100);
  fclose(goals);
  fclose(tsv);
  if (gsl_cblas) dlclose(gsl_cblas);
  return 0;
}
