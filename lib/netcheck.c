/* netcheck.c - the network check in one call (netcheck.h): the loss, the candidate gradient, the check in its mode,
 * the per-block summary, the Taylor test and the diagnosis, into one report. */
#include "netcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "mlpfd.h"
#include "modes.h"

const char *bp_netcheck_mode_name(bp_netcheck_mode mode) {
  switch (mode) {
  case BP_NETCHECK_EVERY: return "every entry";
  case BP_NETCHECK_SAMPLE: return "sample";
  case BP_NETCHECK_DIRECTION: return "direction";
  }
  return "invalid";
}

bp_netcheck_options bp_netcheck_options_default(void) {
  return (bp_netcheck_options){
      .method = BP_FD_CENTRAL, .mode = BP_NETCHECK_EVERY, .tol = bp_tolerance_default(), .seed = 1, .diagnose = 1};
}

size_t bp_netcheck_param(const bp_netcheck_report *r, size_t k) { return r->columns ? r->columns[k] : k; }

void bp_netcheck_report_free(bp_netcheck_report *r) {
  if (r == NULL) return;
  bp_gradcheck_free(r->gc);
  free(r->columns);
  if (r->params) gsl_vector_free(r->params);
  if (r->gradient) gsl_vector_free(r->gradient);
  if (r->direction) gsl_vector_free(r->direction);
  free(r);
}

/* ---- E(params) as the engine sees it ---------------------------------------------------------------------------- */

/* ---- the pieces of a run ---------------------------------------------------------------------------------------- */

static int check_arguments(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const gsl_vector *gradient,
                           const bp_netcheck_options *opt) {
  if (net == NULL || X0 == NULL || T == NULL || opt == NULL)
    BP_ERROR(GSL_EFAULT, "bp_netcheck_run: the network, the batch, the targets and the options must be given");
  size_t L = net->n_layers;
  if (X0->size2 != net->sizes[0] || T->size2 != net->sizes[L] || T->size1 != X0->size1)
    BP_ERROR(GSL_EBADLEN,
             "bp_netcheck_run: the batch is %zu x %zu and the targets %zu x %zu for a network of %zu "
             "inputs and %zu outputs",
             X0->size1, X0->size2, T->size1, T->size2, net->sizes[0], net->sizes[L]);
  if (gradient && gradient->size != net->n_params)
    BP_ERROR(GSL_EBADLEN, "bp_netcheck_run: the gradient has %zu entries, the network %zu parameters", gradient->size,
             net->n_params);
  if (opt->mode == BP_NETCHECK_SAMPLE && opt->sample == 0)
    BP_ERROR(GSL_EINVAL, "bp_netcheck_run: a sample needs K >= 1 entries per block");
  if ((unsigned)opt->mode > BP_NETCHECK_DIRECTION) BP_ERROR(GSL_EINVAL, "bp_netcheck_run: unknown mode %d", opt->mode);
  return GSL_SUCCESS;
}

/* The loss at the parameters and the candidate gradient into r->gradient (bpcheck's backprop when none is given). */
static int loss_and_gradient(bp_netcheck_report *r, bp_mlp *net, bp_mlp_problem *mp, const gsl_vector *gradient) {
  int status = bp_mlp_gradient(net, mp->ws, mp->closure.X0, mp->closure.T, &r->loss);
  if (status) return status;
  if (!isfinite(r->loss))
    BP_ERROR(GSL_EINVAL, "the loss at these parameters is not finite (E = %g): nothing to check", r->loss);
  return gsl_vector_memcpy(r->gradient, gradient ? gradient : net->grad);
}

/* The verdict's rounding floor scales with what each checked entry sums (gradcheck.h): mag holds it for every
 * parameter (bp_mlp_backward_magnitude, taken before the differences overwrite the workspace). */
static int set_floor_scale(bp_netcheck_report *r, const gsl_vector *mag) {
  gsl_vector *scale = bp_vector_alloc(r->gc->size);
  if (scale == NULL) return GSL_ENOMEM;
  for (size_t k = 0; k < r->gc->size; k++) gsl_vector_set(scale, k, gsl_vector_get(mag, bp_netcheck_param(r, k)));
  int status = bp_gradcheck_set_scale(r->gc, scale);
  gsl_vector_free(scale);
  return status;
}

/* The check in the report's mode: every entry, the sample (columns drawn first), or one direction. */
static int run_check(bp_netcheck_report *r, bp_mlp *net, const bp_fd_problem *p, gsl_rng *rng, const gsl_vector *mag) {
  const bp_netcheck_options *o = &r->opt;
  bp_fd_options fo = bp_fd_options_default();
  fo.progress = o->progress, fo.progress_context = o->progress_context;
  fo.n_threads = o->n_threads;
  if (o->mode == BP_NETCHECK_DIRECTION) {
    int status = bp_direction_draw(rng, BP_DIRECTION_SIGNED, r->direction);
    return status ? status
                  : bp_gradcheck_direction(r->gc, o->method, p, net->params, r->gradient, r->direction, &o->tol);
  }
  if (o->mode == BP_NETCHECK_SAMPLE) {
    size_t n = 0;
    bp_block blocks[2 * BP_MLP_MAX_LAYERS];
    for (size_t b = 0; b < r->n_blocks; b++) blocks[b] = r->blocks[b].block;
    int status = bp_sample_blocks(rng, blocks, r->n_blocks, o->sample, r->columns, &n);
    if (!status) status = set_floor_scale(r, mag);
    return status ? status
                  : bp_gradcheck_sample(r->gc, o->method, p, net->params, r->gradient, r->columns, n, &fo, &o->tol);
  }
  gsl_matrix_view J = gsl_matrix_view_vector(r->gradient, 1, net->n_params);
  int status = set_floor_scale(r, mag);
  return status ? status : bp_gradcheck_jacobian_with(r->gc, o->method, p, net->params, &fo, &J.matrix, &o->tol);
}

/* Per block: how many of its entries the check saw, how many passed, the worst resolved relative error. */
static void summarise_blocks(bp_netcheck_report *r) {
  if (r->opt.mode == BP_NETCHECK_DIRECTION) return;
  for (size_t k = 0; k < r->gc->size; k++) {
    size_t j = bp_netcheck_param(r, k);
    for (size_t b = 0; b < r->n_blocks; b++) {
      bp_netcheck_block *nb = &r->blocks[b];
      if (j < nb->block.start || j >= nb->block.start + nb->block.size) continue;
      nb->checked++;
      nb->passed += gsl_vector_uchar_get(r->gc->passed, k);
      if (gsl_vector_uchar_get(r->gc->resolved, k))
        nb->worst_rel_err = fmax(nb->worst_rel_err, gsl_vector_get(r->gc->rel_err, k));
    }
  }
}

/* The Taylor test along its own random signed direction, drawn after the check's. */
static int run_taylor(bp_netcheck_report *r, bp_mlp *net, const bp_fd_problem *p, gsl_rng *rng) {
  gsl_vector *v = bp_vector_alloc(net->n_params);
  if (v == NULL) return GSL_ENOMEM;
  int status = bp_taylor_direction(rng, v);
  if (!status) status = bp_taylor_test(p, net->params, r->gradient, v, &r->taylor);
  gsl_vector_free(v);
  return status;
}

static bp_netcheck_report *report_alloc(const bp_mlp *net, const bp_netcheck_options *opt) {
  bp_netcheck_report *r = bp_calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->opt = *opt;
  r->opt.rng = NULL;
  r->n_params = net->n_params;
  bp_block blocks[2 * BP_MLP_MAX_LAYERS];
  r->n_blocks = bp_mlp_blocks(net, blocks);
  for (size_t b = 0; b < r->n_blocks; b++) r->blocks[b] = (bp_netcheck_block){.block = blocks[b]};
  size_t n = opt->mode == BP_NETCHECK_DIRECTION ? 1
             : opt->mode == BP_NETCHECK_SAMPLE  ? bp_sample_count(blocks, r->n_blocks, opt->sample)
                                                : net->n_params;
  int ok = (r->gc = bp_gradcheck_alloc(n)) && (r->params = bp_vector_alloc(net->n_params)) &&
           (r->gradient = bp_vector_alloc(net->n_params));
  if (ok && opt->mode == BP_NETCHECK_SAMPLE) ok = (r->columns = bp_malloc(n * sizeof *r->columns)) != NULL;
  if (ok && opt->mode == BP_NETCHECK_DIRECTION) ok = (r->direction = bp_vector_alloc(net->n_params)) != NULL;
  if (!ok) {
    bp_netcheck_report_free(r);
    return NULL;
  }
  gsl_vector_memcpy(r->params, net->params);
  r->diagnosis = (bp_diagnosis){.kind = BP_DIAG_NONE};
  return r;
}

int bp_netcheck_run(bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const gsl_vector *gradient,
                    const bp_netcheck_options *opt, bp_netcheck_report **report) {
  if (report == NULL) BP_ERROR(GSL_EFAULT, "bp_netcheck_run: nowhere to put the report");
  *report = NULL;
  int status = check_arguments(net, X0, T, gradient, opt);
  if (status) return status;
  bp_netcheck_report *r = report_alloc(net, opt);
  gsl_rng *own = opt->rng ? NULL : bp_rng_alloc(opt->seed);
  gsl_rng *rng = opt->rng ? opt->rng : own;
  /* E(params) with the moves of mlpfd.h: the engine evaluates each column from the activations at params */
  bp_mlp_problem *mp = (r && rng) ? bp_mlp_problem_alloc(net, X0, T, opt->n_threads) : NULL;
  gsl_vector *mag = bp_vector_alloc(net->n_params);
  status = (mp && mag) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) status = loss_and_gradient(r, net, mp, gradient);
  if (!status) status = bp_mlp_backward_magnitude(net, mp->ws, X0, mag);
  if (!status) status = run_check(r, net, &mp->problem, rng, mag);
  if (!status && opt->taylor) status = run_taylor(r, net, &mp->problem, rng);
  if (!status) {
    summarise_blocks(r);
    r->verdict = r->gc->verdict;
    if (r->verdict == BP_VERDICT_PASS && opt->taylor && r->taylor.verdict != BP_VERDICT_PASS)
      r->verdict = BP_VERDICT_FAIL;
  }
  if (!status && opt->diagnose && opt->mode == BP_NETCHECK_EVERY && r->gc->verdict == BP_VERDICT_FAIL) {
    bp_diagnosis_context ctx = {net, X0, T};
    status = bp_diagnose_as(r->gc, &ctx, opt->subject, &r->diagnosis);
  }
  bp_mlp_problem_free(mp);
  if (mag) gsl_vector_free(mag);
  if (own) gsl_rng_free(own);
  if (status) {
    bp_netcheck_report_free(r);
    return status;
  }
  *report = r;
  return GSL_SUCCESS;
}

/* ---- the trace -------------------------------------------------------------------------------------------------- */

int bp_trace_compute(const bp_mlp *net, const gsl_matrix *X0, const gsl_matrix *T, const bp_plant *plant,
                     bp_trace **out) {
  if (out == NULL || net == NULL || X0 == NULL || T == NULL)
    BP_ERROR(GSL_EFAULT, "bp_trace_compute: a missing argument");
  *out = NULL;
  bp_plant none = bp_plant_default(BP_MISTAKE_NONE);
  bp_trace *t = bp_calloc(1, sizeof *t);
  gsl_vector *g = bp_vector_alloc(net->n_params);
  int status = (t && g && (t->ws = bp_mistake_workspace_alloc(net, X0->size1))) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) status = bp_mistake_forward(t->ws, net, X0, T);
  if (!status) status = bp_mistake_backward(t->ws, plant ? plant : &none, g); /* leaves every delta in ws->fwd->dS */
  if (g) gsl_vector_free(g);
  if (status) {
    bp_trace_free(t);
    return status;
  }
  t->n_layers = net->n_layers;
  t->batch = X0->size1;
  t->X0 = X0;
  for (size_t l = 1; l <= net->n_layers; l++)
    t->S[l] = t->ws->fwd->S[l], t->X[l] = t->ws->fwd->X[l], t->dS[l] = t->ws->fwd->dS[l];
  *out = t;
  return GSL_SUCCESS;
}

void bp_trace_free(bp_trace *t) {
  if (t == NULL) return;
  bp_mistake_workspace_free(t->ws);
  free(t);
}
