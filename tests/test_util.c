/* test_util.c - assertion and data helpers shared by the suites. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"

int bp_test_rel_close(double actual, double expected, double rtol, const char *what, const char *file, int line) {
  if (actual == expected) return 1;
  double scale = fmax(fabs(actual), fabs(expected));
  double rel = fabs(actual - expected) / scale;
  if (rel <= rtol) return 1;
  printf("\n  %s:%d: %s = %.17g, expected %.17g (relative error %.3g > %.3g)\n", file, line, what, actual, expected,
         rel, rtol);
  return 0;
}

void bp_test_fill_uniform(gsl_matrix *m, gsl_rng *rng, double lo, double hi) {
  for (size_t r = 0; r < m->size1; r++)
    for (size_t c = 0; c < m->size2; c++) gsl_matrix_set(m, r, c, lo + (hi - lo) * gsl_rng_uniform(rng));
}

void bp_test_fill_distribution(gsl_matrix *T, gsl_rng *rng) {
  for (size_t r = 0; r < T->size1; r++) {
    double sum = 0.0;
    for (size_t c = 0; c < T->size2; c++) {
      double v = 0.05 + gsl_rng_uniform(rng);
      gsl_matrix_set(T, r, c, v);
      sum += v;
    }
    for (size_t c = 0; c < T->size2; c++) gsl_matrix_set(T, r, c, gsl_matrix_get(T, r, c) / sum);
  }
}

gsl_rng *bp_test_rng(unsigned long seed) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, seed);
  return rng;
}

int bp_test_add_suite(const char *suite, const bp_test_case *cases, size_t n) {
  CU_pSuite s = CU_add_suite(suite, NULL, NULL);
  if (s == NULL) return 1;
  for (size_t k = 0; k < n; k++)
    if (CU_add_test(s, cases[k].name, cases[k].fn) == NULL) return 1;
  return 0;
}

int bp_test_abs_close(double actual, double expected, double abs_tol, const char *what, const char *file, int line) {
  if (actual == expected) return 1;
  double diff = fabs(actual - expected);
  if (diff <= abs_tol) return 1;
  printf("\n  %s:%d: %s = %.17g, expected %.17g (absolute error %.3g > %.3g)\n", file, line, what, actual, expected,
         diff, abs_tol);
  return 0;
}

void bp_test_clear_message(void) { bp_error_set("%s", ""); }

int bp_test_message_contains(const char *needle, const char *file, int line) {
  const char *msg = bp_error_message();
  if (strstr(msg, needle) != NULL) return 1;
  printf("\n  %s:%d: the error message \"%s\" does not contain \"%s\"\n", file, line, msg, needle);
  return 0;
}

bp_test_problem *bp_test_problem_alloc(size_t n_layers, const size_t *sizes, bp_output output, size_t batch,
                                       unsigned long seed) {
  bp_test_problem *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->net = bp_mlp_alloc(n_layers, sizes, output);
  p->ws = p->net ? bp_mlp_workspace_alloc(p->net, batch) : NULL;
  p->X0 = bp_matrix_alloc(batch, sizes[0]);
  p->T = bp_matrix_alloc(batch, sizes[n_layers]);
  if (!p->net || !p->ws || !p->X0 || !p->T) {
    bp_test_problem_free(p);
    return NULL;
  }
  gsl_rng *rng = bp_test_rng(seed);
  bp_mlp_init_random(p->net, rng);
  bp_test_fill_uniform(p->X0, rng, -1.7, 2.3);
  if (output == BP_OUTPUT_SOFTMAX)
    bp_test_fill_distribution(p->T, rng);
  else
    bp_test_fill_uniform(p->T, rng, 0.05, 0.95);
  gsl_rng_free(rng);
  return p;
}

void bp_test_problem_free(bp_test_problem *p) {
  if (p == NULL) return;
  if (p->T) gsl_matrix_free(p->T);
  if (p->X0) gsl_matrix_free(p->X0);
  bp_mlp_workspace_free(p->ws);
  bp_mlp_free(p->net);
  free(p);
}

int bp_test_problem_numeric_gradient(bp_test_problem *p, bp_fd_method method, gsl_vector *numeric,
                                     gsl_vector *estimate) {
  size_t n = p->net->n_params;
  gsl_vector *x = bp_vector_alloc(n);
  if (x == NULL) return GSL_ENOMEM;
  gsl_vector_memcpy(x, p->net->params);
  gsl_matrix_view J = gsl_matrix_view_vector(numeric, 1, n);
  gsl_matrix_view J_err = gsl_matrix_view_vector(estimate ? estimate : numeric, 1, n); /* used only if given */
  bp_mlp_closure c = {p->net, p->ws, p->X0, p->T, NULL};
  int status = bp_fd_jacobian(method, &(bp_fd_problem){bp_mlp_error_function, NULL, &c, NULL}, x, &J.matrix,
                              estimate ? &J_err.matrix : NULL);
  gsl_vector_memcpy(p->net->params, x); /* the closure left the last perturbed point in the network */
  gsl_vector_free(x);
  return status;
}

int bp_test_jacobian_passes(bp_fd_function f, void *params, gsl_vector *x, const gsl_matrix *J, const char *what,
                            const char *file, int line) {
  bp_gradcheck *gc = bp_gradcheck_alloc(J->size1 * J->size2);
  if (gc == NULL) return 0;
  bp_tolerance tol = bp_tolerance_default();
  int status = bp_gradcheck_jacobian(gc, BP_FD_CENTRAL, &(bp_fd_problem){f, NULL, params, NULL}, x, J, &tol);
  int ok = status == GSL_SUCCESS && gc->verdict == BP_VERDICT_PASS && gc->norm_rel_err < BP_TEST_NORM_RTOL;
  if (!ok) {
    size_t w = gc->worst, n = J->size2;
    printf("\n  %s:%d: %s against central differences: status %d (%s), verdict %s, norm_rel_err %.3g, %zu failed;"
           " worst entry (%zu, %zu): analytic %.17g numeric %.17g estimate %.3g rel_err %.3g\n",
           file, line, what, status, status ? bp_error_message() : "ok", bp_verdict_name(gc->verdict), gc->norm_rel_err,
           gc->n_failed, w / n, w % n, gsl_vector_get(gc->analytic, w), gsl_vector_get(gc->numeric, w),
           gsl_vector_get(gc->estimate, w), gsl_vector_get(gc->rel_err, w));
  }
  bp_gradcheck_free(gc);
  return ok;
}

int bp_test_error_of(const gsl_vector *x, gsl_vector *y, void *closure) {
  const bp_test_error_closure *c = closure;
  gsl_matrix_const_view A = gsl_matrix_const_view_vector(x, c->T->size1, c->T->size2);
  double E = 0.0;
  int status = c->error(&A.matrix, c->T, &E);
  gsl_vector_set(y, 0, E);
  return status;
}

int bp_test_map_of(const gsl_vector *x, gsl_vector *y, void *closure) {
  const bp_test_map_closure *c = closure;
  gsl_matrix_const_view S = gsl_matrix_const_view_vector(x, 1, x->size);
  gsl_matrix_view X = gsl_matrix_view_vector(y, 1, y->size);
  return c->forward(&S.matrix, &X.matrix);
}

gsl_vector *bp_test_flatten(const gsl_matrix *M) {
  gsl_vector *v = bp_vector_alloc(M->size1 * M->size2);
  if (v == NULL) return NULL;
  gsl_matrix_view V = gsl_matrix_view_vector(v, M->size1, M->size2);
  gsl_matrix_memcpy(&V.matrix, M);
  return v;
}

gsl_matrix *bp_test_matrix_of(const double *v, size_t rows, size_t cols) {
  gsl_matrix *M = bp_matrix_alloc(rows, cols);
  if (M == NULL) return NULL;
  gsl_matrix_const_view V = gsl_matrix_const_view_array(v, rows, cols);
  gsl_matrix_memcpy(M, &V.matrix);
  return M;
}

int bp_test_error_gradient_passes(bp_test_error_fn error, const gsl_matrix *A, const gsl_matrix *T, const gsl_matrix *G,
                                  const char *what, const char *file, int line) {
  bp_test_error_closure closure = {error, T};
  gsl_vector *a = bp_test_flatten(A), *g = bp_test_flatten(G);
  int ok = 0;
  if (a != NULL && g != NULL) {
    gsl_matrix_view J = gsl_matrix_view_vector(g, 1, g->size);
    ok = bp_test_jacobian_passes(bp_test_error_of, &closure, a, &J.matrix, what, file, line);
  }
  if (a != NULL) gsl_vector_free(a);
  if (g != NULL) gsl_vector_free(g);
  return ok;
}

void bp_test_assert_matrix_equal(const gsl_matrix *A, const gsl_matrix *B, const char *what, const char *file,
                                 int line) {
  for (size_t r = 0; r < A->size1; r++)
    for (size_t c = 0; c < A->size2; c++)
      CU_assertImplementation(gsl_matrix_get(A, r, c) == gsl_matrix_get(B, r, c), (unsigned)line, what, file, "",
                              CU_FALSE);
}

static const char *tmp_root(void) {
  const char *t = getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

int bp_test_mkdtemp(char *dir, size_t len, const char *name) {
  if ((size_t)snprintf(dir, len, "%s/bpcheck-%s-XXXXXX", tmp_root(), name) >= len) return 1;
  return mkdtemp(dir) == NULL;
}

const char *bp_test_next_line(const char *p) {
  const char *nl = p ? strchr(p, '\n') : NULL;
  return nl ? nl + 1 : NULL;
}

int bp_test_run_bpcheck(const char *args, const char *dir, char *out, size_t out_len, char *err, size_t err_len) {
  (void)dir;
  out[0] = err[0] = '\0';
  const char *binary = getenv("BPCHECK");
  char cmd[2048], err_path[512];
  if ((size_t)snprintf(err_path, sizeof err_path, "%s/bpcheck-stderr-XXXXXX", tmp_root()) >= sizeof err_path) return -1;
  int fd = mkstemp(err_path);
  if (fd < 0) return -1;
  close(fd);
  snprintf(cmd, sizeof cmd, "%s %s 2>'%s'", binary ? binary : "build/bpcheck", args, err_path);
  int status = -1;
  FILE *p = popen(cmd, "r");
  if (p != NULL) {
    size_t n = fread(out, 1, out_len - 1, p);
    out[n] = '\0';
    while (fgetc(p) != EOF) continue;
    status = pclose(p);
    FILE *e = fopen(err_path, "r");
    n = e ? fread(err, 1, err_len - 1, e) : 0;
    err[n] = '\0';
    if (e) fclose(e);
  }
  unlink(err_path);
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bp_test_write_file(const char *dir, const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) return 1;
  int bad = fputs(text, f) < 0;
  return (fclose(f) != 0) || bad;
}

/* ---- a JSON well-formedness checker (recursive descent, no values kept) ----------------------------------------- */

static const char *json_value(const char *p, int depth);

static const char *json_space(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

static const char *json_string_end(const char *p) {
  if (*p++ != '"') return NULL;
  for (; *p != '"'; p++) {
    if ((unsigned char)*p < 0x20) return NULL; /* also the end of the text */
    if (*p != '\\') continue;
    p++;
    if (*p == 'u') {
      for (int k = 1; k <= 4; k++)
        if (!isxdigit((unsigned char)p[k])) return NULL;
      p += 4;
    } else if (!strchr("\"\\/bfnrt", *p) || *p == '\0') {
      return NULL;
    }
  }
  return p + 1;
}

static const char *json_number_end(const char *p) {
  if (*p == '-') p++;
  if (*p == '0')
    p++;
  else if (isdigit((unsigned char)*p))
    while (isdigit((unsigned char)*p)) p++;
  else
    return NULL;
  if (*p == '.') {
    if (!isdigit((unsigned char)*++p)) return NULL;
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    while (isdigit((unsigned char)*p)) p++;
  }
  return p;
}

/* An object or array: open, members separated by commas, close. */
static const char *json_container(const char *p, int depth, char close) {
  p = json_space(p + 1);
  if (*p == close) return p + 1;
  for (;;) {
    if (close == '}') {
      p = json_string_end(json_space(p));
      if (p == NULL || *(p = json_space(p)) != ':') return NULL;
      p++;
    }
    p = json_value(p, depth + 1);
    if (p == NULL) return NULL;
    p = json_space(p);
    if (*p == close) return p + 1;
    if (*p++ != ',') return NULL;
  }
}

static const char *json_value(const char *p, int depth) {
  if (depth > 64) return NULL;
  p = json_space(p);
  switch (*p) {
  case '{': return json_container(p, depth, '}');
  case '[': return json_container(p, depth, ']');
  case '"': return json_string_end(p);
  case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
  case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
  case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
  default: return json_number_end(p);
  }
}

int bp_test_json_valid(const char *text) {
  const char *end = json_value(text, 0);
  return end != NULL && *json_space(end) == '\0';
}
