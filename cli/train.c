/* train.c - `bpcheck train`, `bpcheck predict` and `bpcheck data`: parsing and printing around lib/train.h and
 * lib/datasets.h. train minimises the mean of eq. (36) or eq. (38) over minibatches with the gradient of
 * eq. (9)-(16) or eq. (26)-(31), checked along the way; everything is computed (and --save written) before the
 * first line of the log is printed. Progress goes to stderr, and only when stderr is a terminal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core.h"
#include "data.h"
#include "datasets.h"
#include "mistakes.h"
#include "mlp.h"
#include "train.h"

const char *const bp_cli_train_option_names[BP_CLI_TRAIN_N] = {
    "--epochs",      "--batch", "--lr",     "--momentum", "--validation", "--split",
    "--check-every", "--save",  "--points", "--classes",  "--noise"};

int bp_cli_train_options_given(const bp_cli_options *o) {
  for (int k = 0; k < BP_CLI_TRAIN_N; k++)
    if (o->train[k]) return 1;
  return o->standardize || o->labels;
}

/* ---- option values ------------------------------------------------------------------------------------------- */

/* A whole number from lo to hi, or the default when the option was not given. 0 and a message when bad. */
static int count_option(const bp_cli_options *o, int which, size_t lo, size_t hi, size_t dflt, size_t *v) {
  const char *s = o->train[which];
  if (s == NULL) return *v = dflt, 1;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno == ERANGE || x < lo || x > hi) {
    fprintf(stderr, "bpcheck: %s needs a whole number from %zu to %zu, not '%s'\nTry 'bpcheck --help'.\n",
            bp_cli_train_option_names[which], lo, hi, s);
    return 0;
  }
  *v = (size_t)x;
  return 1;
}

/* A finite number in [lo, hi) (hi_open) or [lo, hi]. */
static int real_option(const bp_cli_options *o, int which, double lo, double hi, int hi_open, double dflt, double *v) {
  const char *s = o->train[which];
  if (s == NULL) return *v = dflt, 1;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(x) || x < lo || x > hi || (hi_open && x == hi)) {
    fprintf(stderr, "bpcheck: %s needs a number in [%g, %g%s, not '%s'\nTry 'bpcheck --help'.\n",
            bp_cli_train_option_names[which], lo, hi, hi_open ? ")" : "]", s);
    return 0;
  }
  *v = x;
  return 1;
}

/* --layers and --output, as grad reads them. */
static int network_shape(const bp_cli_options *o, const char *cmd, size_t *n_layers, size_t *sizes, bp_output *out) {
  char msg[160];
  if (o->layers == NULL || o->output == NULL || o->data == NULL) {
    snprintf(msg, sizeof msg, "%s needs --layers, --output and --data, e.g. --layers 2,100,3 --output softmax", cmd);
    return bp_cli_usage_error("%s", msg);
  }
  if (!strcmp(o->output, "softmax"))
    *out = BP_OUTPUT_SOFTMAX;
  else if (!strcmp(o->output, "logistic"))
    *out = BP_OUTPUT_LOGISTIC;
  else
    return bp_cli_usage_error("--output must be logistic or softmax, not '%s'", o->output);
  if (bp_layers_parse(o->layers, n_layers, sizes)) return bp_cli_usage_error("%s", bp_error_message());
  if (*out == BP_OUTPUT_SOFTMAX && sizes[*n_layers] < 2)
    return bp_cli_usage_error("%s", "--output softmax needs at least 2 outputs");
  if (o->labels && *out == BP_OUTPUT_LOGISTIC && sizes[*n_layers] != 1)
    return bp_cli_usage_error("%s", "--labels with --output logistic needs 1 output (classes 0 and 1)");
  return EXIT_OK;
}

/* What train and predict share: --layers, --output and --data (network_shape), and none of the options that only
 * grad or only data take. */
static int shared_options(const bp_cli_options *o, const char *cmd, size_t *n_layers, size_t *sizes, bp_output *out) {
  int rc = network_shape(o, cmd, n_layers, sizes, out);
  if (rc) return rc;
  if (o->taylor || o->allow_unnormalized || o->gradient || o->trace || o->entries || o->entries_all)
    return bp_cli_usage_error("%s", "--taylor, --allow-unnormalized-targets, --gradient, --trace and --entries are "
                                    "options of grad");
  for (int k = BP_CLI_POINTS; k <= BP_CLI_NOISE; k++)
    if (o->train[k]) return bp_cli_usage_error("%s is an option of data", bp_cli_train_option_names[k]);
  return EXIT_OK;
}

/* Prints the library's message: out of memory is an internal error (3), anything else bad input (2). */
static int library_error(int status) {
  fprintf(stderr, "bpcheck: %s\n", bp_error_message());
  return status == GSL_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

/* A CSV of inputs then targets, or with --labels inputs then a class index (data.h, BP_DATA_LABELS); with
 * BP_DATA_TARGETS_OPTIONAL in `flags` the targets may be left out. */
static int read_examples(const bp_cli_options *o, const char *path, size_t n_layers, const size_t *sizes,
                         bp_output output, unsigned flags, bp_dataset **d) {
  return bp_dataset_read_csv(path, sizes[0], sizes[n_layers], output, flags | (o->labels ? BP_DATA_LABELS : 0u), d);
}

/* ---- train --------------------------------------------------------------------------------------------------- */

typedef struct {
  int tty;
  double last; /* the seconds of the last line drawn */
} progress_state;

/* "\repoch E/N  loss L  accuracy A  validation V  about S s left" on stderr, a few times a second. */
static void progress(const bp_train_record *r, size_t epochs, void *ctx) {
  progress_state *p = ctx;
  if (!p->tty || (r->epoch < epochs && r->seconds - p->last < 0.2 && r->epoch > 0)) return;
  p->last = r->seconds;
  double left = r->epoch ? r->seconds / (double)r->epoch * (double)(epochs - r->epoch) : 0.0;
  fprintf(stderr, "\rbpcheck train: epoch %zu/%zu  loss %.4f  accuracy %5.1f%%", r->epoch, epochs, r->loss,
          100.0 * r->accuracy);
  if (!isnan(r->val_accuracy)) fprintf(stderr, "  validation %5.1f%%", 100.0 * r->val_accuracy);
  fprintf(stderr, "  about %.0f s left   %s", left, r->epoch == epochs ? "\n" : "");
}

/* A number for the TSV log, "-" where there is none. */
static void tsv_number(double v, const char *fmt) {
  if (isnan(v))
    printf("\t-");
  else
    printf("\t"), printf(fmt, v);
}

static void print_tsv(const bp_train_log *log) {
  printf("epoch\tloss\taccuracy\tval_loss\tval_accuracy\tseconds\tcheck\tverdict\tmax_rel_err\tunresolved\tentries\n");
  for (size_t e = 0; e < log->n_records; e++) {
    const bp_train_record *r = &log->records[e];
    printf("%zu", r->epoch);
    tsv_number(r->loss, "%.10g");
    tsv_number(r->accuracy, "%.6f");
    tsv_number(r->val_loss, "%.10g");
    tsv_number(r->val_accuracy, "%.6f");
    tsv_number(r->seconds, "%.4f");
    if (r->checked)
      printf("\t%s\t%s\t%.3e\t%zu\t%zu\n",
             r->check_mode == BP_TRAIN_CHECK_FULL ? "full" : bp_train_check_mode_name(r->check_mode),
             bp_verdict_name(r->verdict), r->max_rel_err, r->n_unresolved, r->n_entries);
    else
      printf("\t-\t-\t-\t-\t-\n");
  }
}

static void print_json(const bp_cli_options *o, const bp_train_log *log) {
  printf("{\"layers\": ");
  bp_cli_json_string(o->layers);
  printf(", \"output\": ");
  bp_cli_json_string(o->output);
  printf(", \"train_examples\": %zu, \"validation_examples\": %zu, \"standardized\": %s, \"checks\": %zu, "
         "\"checks_passed\": %zu, \"epochs\": [",
         log->n_train, log->n_val, log->mean ? "true" : "false", log->n_checks, log->n_checks_passed);
  for (size_t e = 0; e < log->n_records; e++) {
    const bp_train_record *r = &log->records[e];
    printf("%s\n  {\"epoch\": %zu, \"loss\": ", e ? "," : "", r->epoch);
    bp_cli_json_number(r->loss);
    printf(", \"accuracy\": ");
    bp_cli_json_number(r->accuracy);
    printf(", \"val_loss\": ");
    bp_cli_json_number(r->val_loss);
    printf(", \"val_accuracy\": ");
    bp_cli_json_number(r->val_accuracy);
    printf(", \"seconds\": ");
    bp_cli_json_number(r->seconds);
    if (r->checked) {
      printf(", \"check\": {\"mode\": \"%s\", \"verdict\": \"%s\", \"max_rel_err\": ",
             bp_train_check_mode_name(r->check_mode), bp_verdict_name(r->verdict));
      bp_cli_json_number(r->max_rel_err);
      printf(", \"unresolved\": %zu, \"entries\": %zu, \"failed\": %zu}", r->n_unresolved, r->n_entries, r->n_failed);
    }
    printf("}");
  }
  printf("\n]");
  if (log->diagnosis.kind != BP_DIAG_NONE) {
    printf(", \"diagnosis\": {\"epoch\": %zu, \"kind\": ", log->diagnosis_epoch);
    bp_cli_json_string(bp_diagnosis_kind_name(log->diagnosis.kind));
    printf(", \"sentence\": ");
    bp_cli_json_string(log->diagnosis.sentence);
    printf("}");
  }
  printf("}\n");
}

static void print_table(const bp_cli_options *o, const bp_train_log *log, size_t n_params) {
  printf("bpcheck train: %s network (%s output, %zu parameters) on %zu examples, %zu for validation%s\n", o->layers,
         o->output, n_params, log->n_train, log->n_val, log->mean ? ", inputs standardised" : "");
  printf("loss = mean over the minibatch of eq. (%s) (the notes' sum divided by B)\n",
         strcmp(o->output, "softmax") ? "36" : "38");
  printf("%6s %10s %9s %10s %9s  %-28s\n", "epoch", "loss", "accuracy", "val loss", "val acc", "gradient check");
  size_t every = log->n_records > 20 ? (log->n_records - 1) / 10 : 1;
  for (size_t e = 0; e < log->n_records; e++) {
    const bp_train_record *r = &log->records[e];
    if (!r->checked && e % every) continue;
    printf("%6zu %10.4f %8.1f%%", r->epoch, r->loss, 100.0 * r->accuracy);
    if (isnan(r->val_loss))
      printf(" %10s %9s", "-", "-");
    else
      printf(" %10.4f %8.1f%%", r->val_loss, 100.0 * r->val_accuracy);
    if (r->checked)
      printf("  %s, %s: max rel err %.1e, %zu of %zu unresolved", bp_verdict_name(r->verdict),
             bp_train_check_mode_name(r->check_mode), r->max_rel_err, r->n_unresolved, r->n_entries);
    printf("\n");
  }
  printf("%zu of %zu gradient checks pass\n", log->n_checks_passed, log->n_checks);
  if (log->diagnosis.kind != BP_DIAG_NONE)
    printf("diagnosis of the first failure (epoch %zu, every entry): %s\n", log->diagnosis_epoch,
           log->diagnosis.sentence);
}

/* Writes the parameters as `grad --params` reads them (bp_params_write_tsv: nothing half-written on failure). */
static int save_params(const char *path, const bp_mlp *net, const bp_cli_options *o) {
  char comment[512];
  snprintf(comment, sizeof comment, "bpcheck train --layers %.100s --output %s --seed %lu%s: parameters for raw inputs",
           o->layers, o->output, o->seed, o->standardize ? " (standardisation folded into W1, b1)" : "");
  return bp_params_write_tsv(path, net, comment);
}

int bp_cli_train(const bp_cli_options *o) {
  size_t n_layers, sizes[BP_MLP_MAX_LAYERS + 1];
  bp_output output;
  int rc = shared_options(o, "train", &n_layers, sizes, &output);
  if (rc) return rc;
  if (o->params)
    return bp_cli_usage_error("%s", "train starts from seeded weights: --params is an option of grad and predict");
  if (o->sample && o->direction)
    return bp_cli_usage_error("%s", "--sample and --direction are different modes: pick one");
  if (o->train[BP_CLI_VALIDATION] && o->train[BP_CLI_SPLIT])
    return bp_cli_usage_error("%s", "--validation and --split both name a validation set: pick one");
  bp_train_options t = bp_train_options_default();
  t.seed = o->seed;
  t.method = o->method;
  t.standardize = o->standardize;
  t.check_mode = o->direction ? BP_TRAIN_CHECK_DIRECTION : BP_TRAIN_CHECK_SAMPLE;
  if (o->sample) t.check_sample = o->sample;
  if (!count_option(o, BP_CLI_EPOCHS, 1, 10000000, t.epochs, &t.epochs) ||
      !count_option(o, BP_CLI_BATCH, 1, 10000000, t.batch, &t.batch) ||
      !count_option(o, BP_CLI_CHECK_EVERY, 0, 10000000, t.check_every, &t.check_every) ||
      !real_option(o, BP_CLI_LR, 1e-300, 1e300, 0, t.lr, &t.lr) ||
      !real_option(o, BP_CLI_MOMENTUM, 0.0, 1.0, 1, t.momentum, &t.momentum) ||
      !real_option(o, BP_CLI_SPLIT, 0.0, 1.0, 1, 0.0, &t.split))
    return EXIT_USAGE;
  progress_state ps = {isatty(STDERR_FILENO), 0.0};
  t.progress = progress, t.progress_ctx = &ps;
  /* --plant NAME: the steps use a classic mistake's gradient, and the checks along training catch and name it */
  bp_plant plant = bp_plant_default(BP_MISTAKE_NONE);
  if (o->plant && bp_mistake_parse(o->plant, &plant.mistake))
    return bp_cli_usage_error("--plant: %s", bp_error_message());
  if (o->plant) t.gradient = bp_train_gradient_planted, t.gradient_ctx = &plant;

  bp_dataset *data = NULL, *val = NULL;
  bp_mlp *net = NULL;
  bp_train_log *log = NULL;
  int status = read_examples(o, o->data, n_layers, sizes, output, 0, &data);
  if (!status && o->train[BP_CLI_VALIDATION])
    status = read_examples(o, o->train[BP_CLI_VALIDATION], n_layers, sizes, output, 0, &val);
  if (status) {
    rc = library_error(status);
    goto done;
  }
  if ((net = bp_mlp_alloc(n_layers, sizes, output)) == NULL) {
    rc = library_error(GSL_ENOMEM);
    goto done;
  }
  if (o->plant && (status = bp_plant_check(net, &plant))) {
    fprintf(stderr, "bpcheck: --plant %s: %s\n", o->plant, bp_error_message());
    rc = EXIT_USAGE;
    goto done;
  }
  if ((status = bp_train_run(net, data, val, &t, &log)) ||
      (log->mean && (status = bp_train_fold_standardization(net, log->mean, log->sd))) ||
      (o->train[BP_CLI_SAVE] && (status = save_params(o->train[BP_CLI_SAVE], net, o)))) {
    rc = library_error(status);
    goto done;
  }
  if (o->fmt == FORMAT_TSV)
    print_tsv(log);
  else if (o->fmt == FORMAT_JSON)
    print_json(o, log);
  else
    print_table(o, log, net->n_params);
  rc = log->n_checks_passed == log->n_checks ? EXIT_OK : EXIT_FAILED;
done:
  bp_train_log_free(log);
  bp_mlp_free(net);
  bp_dataset_free(data);
  bp_dataset_free(val);
  return rc;
}

/* ---- predict ------------------------------------------------------------------------------------------------- */

/* The CSV's width decides (BP_DATA_TARGETS_OPTIONAL): inputs alone give the outputs; inputs and targets (or, with
 * --labels, a class index) give the outputs, the accuracy and the mean loss as well. */
int bp_cli_predict(const bp_cli_options *o) {
  size_t n_layers, sizes[BP_MLP_MAX_LAYERS + 1];
  bp_output output;
  int rc = shared_options(o, "predict", &n_layers, sizes, &output);
  if (rc) return rc;
  for (int k = BP_CLI_EPOCHS; k <= BP_CLI_SAVE; k++)
    if (o->train[k]) return bp_cli_usage_error("%s is an option of train", bp_cli_train_option_names[k]);
  if (o->standardize || o->sample || o->direction || o->plant)
    return bp_cli_usage_error("%s", "--standardize, --sample, --direction and --plant are options of train");
  if (o->params == NULL)
    return bp_cli_usage_error("%s", "predict needs --params PARAMS.tsv (as train --save writes it)");
  bp_dataset *data = NULL;
  bp_mlp *net = NULL;
  gsl_matrix *Y = NULL;
  double loss = 0.0, accuracy = 0.0;
  int status = read_examples(o, o->data, n_layers, sizes, output, BP_DATA_TARGETS_OPTIONAL, &data);
  if (!status) status = (net = bp_mlp_alloc(n_layers, sizes, output)) ? bp_params_read_tsv(o->params, net) : GSL_ENOMEM;
  if (!status) status = (Y = bp_matrix_alloc(data->X->size1, sizes[n_layers])) ? GSL_SUCCESS : GSL_ENOMEM;
  if (!status) status = bp_train_predict(net, data->X, Y);
  if (!status && data->T) status = bp_train_evaluate(net, data->X, data->T, &loss, &accuracy);
  if (status) {
    rc = library_error(status);
    goto done;
  }
  size_t n = Y->size1, k = Y->size2;
  if (o->fmt == FORMAT_JSON) {
    printf("{\"examples\": %zu", n);
    if (data->T) {
      printf(", \"accuracy\": ");
      bp_cli_json_number(accuracy);
      printf(", \"loss\": ");
      bp_cli_json_number(loss);
    }
    printf(", \"outputs\": [");
    for (size_t r = 0; r < n; r++) {
      printf("%s\n  [", r ? "," : "");
      for (size_t c = 0; c < k; c++) printf("%s", c ? ", " : ""), bp_cli_json_number(gsl_matrix_get(Y, r, c));
      printf("]");
    }
    printf("\n]}\n");
  } else {
    for (size_t c = 0; c < k; c++) printf("%sy%zu", c ? "\t" : "", c + 1);
    printf("\n");
    for (size_t r = 0; r < n; r++)
      for (size_t c = 0; c < k; c++) printf("%.10g%s", gsl_matrix_get(Y, r, c), c + 1 < k ? "\t" : "\n");
    if (data->T)
      printf("# accuracy %.6f (%.0f of %zu), mean loss %.10g (eq. (%s) per example)\n", accuracy, accuracy * (double)n,
             n, loss, output == BP_OUTPUT_SOFTMAX ? "38" : "36");
  }
done:
  if (Y) gsl_matrix_free(Y);
  bp_mlp_free(net);
  bp_dataset_free(data);
  return rc;
}

/* ---- data ---------------------------------------------------------------------------------------------------- */

/* scikit-learn's file, decompressed through `gzip -dc` when it is gzipped; a missing file names the package. */
static int read_sklearn(const bp_dataset_info *info, bp_targets targets, bp_dataset **d) {
  char path[512];
  const char *dir = getenv("BPCHECK_SKLEARN_DIR"); /* another copy of the files (and the tests' missing one) */
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : BP_DATASETS_SKLEARN_DIR, info->file);
  if (access(path, R_OK) != 0) {
    fprintf(stderr, "bpcheck: data %s reads %s, which is missing: it comes with Debian's %s (apt-get install %s)\n",
            info->name, path, BP_DATASETS_SKLEARN_PACKAGE, BP_DATASETS_SKLEARN_PACKAGE);
    return EXIT_USAGE;
  }
  FILE *f;
  if (info->gzipped) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
    f = popen(cmd, "r");
  } else {
    f = fopen(path, "r");
  }
  if (f == NULL) {
    fprintf(stderr, "bpcheck: cannot read %s: %s\n", path, strerror(errno));
    return EXIT_USAGE;
  }
  size_t k = 0;
  int status = bp_datasets_read_labelled(f, path, info->header, targets, d, &k);
  int closed = info->gzipped ? pclose(f) : fclose(f);
  if (!status && info->gzipped && closed != 0) {
    bp_dataset_free(*d);
    *d = NULL;
    fprintf(stderr, "bpcheck: 'gzip -dc %s' failed (status %d)\n", path, closed);
    return EXIT_USAGE;
  }
  return status ? library_error(status) : EXIT_OK;
}

/* v with the fewest significant digits (15, 16 or 17) that read back as v exactly. */
static void print_shortest(double v) {
  char buf[32];
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, stdout);
}

int bp_cli_data(const bp_cli_options *o, const char *name) {
  const bp_dataset_info *info = bp_datasets_find(name);
  if (info == NULL)
    return bp_cli_usage_error("no data set named '%s' (spiral, xor, circles, iris, breast-cancer, digits)", name);
  if (o->layers || o->output || o->data || o->params || o->sample || o->direction || o->taylor || o->standardize)
    return bp_cli_usage_error("%s", "data takes --seed, --points, --classes, --noise and --labels");
  for (int k = BP_CLI_EPOCHS; k <= BP_CLI_SAVE; k++)
    if (o->train[k]) return bp_cli_usage_error("%s is an option of train", bp_cli_train_option_names[k]);
  if (info->file && (o->train[BP_CLI_POINTS] || o->train[BP_CLI_CLASSES] || o->train[BP_CLI_NOISE]))
    return bp_cli_usage_error("data %s is scikit-learn's as it ships: --points, --classes and --noise are for the "
                              "generated sets",
                              name);
  size_t points = 0, classes = 0;
  double noise = 0.0;
  int spiral = !strcmp(name, "spiral");
  if (!spiral && o->train[BP_CLI_CLASSES]) return bp_cli_usage_error("%s", "--classes is for the spiral");
  if (!count_option(o, BP_CLI_POINTS, 2, 1000000, spiral ? 100 : 200, &points) ||
      !count_option(o, BP_CLI_CLASSES, 2, BP_DATASETS_MAX_CLASSES, info->n_classes, &classes) ||
      !real_option(o, BP_CLI_NOISE, 0.0, 100.0, 0, spiral ? 0.2 : 0.1, &noise))
    return EXIT_USAGE;
  bp_targets targets = o->labels ? BP_TARGETS_INDEX : classes == 2 ? BP_TARGETS_BINARY : BP_TARGETS_ONEHOT;
  bp_dataset *d = NULL;
  int rc = EXIT_OK, status = GSL_SUCCESS;
  if (info->file) {
    if ((rc = read_sklearn(info, targets, &d))) return rc;
  } else {
    gsl_rng *rng = bp_rng_alloc(o->seed);
    if (rng == NULL) return library_error(GSL_ENOMEM);
    status = spiral                 ? bp_datasets_spiral(rng, points, classes, noise, targets, &d)
             : !strcmp(name, "xor") ? bp_datasets_xor(rng, points, noise, targets, &d)
                                    : bp_datasets_circles(rng, points, noise, 0.5, targets, &d);
    gsl_rng_free(rng);
    if (status) return library_error(status);
  }
  size_t n_in = d->X->size2, n_t = d->T->size2;
  printf("# bpcheck data %s --seed %lu: %s; %zu examples, %zu inputs, ", name, o->seed, info->description, d->X->size1,
         n_in);
  if (targets == BP_TARGETS_INDEX)
    printf("then the class index (--labels)\n");
  else if (targets == BP_TARGETS_BINARY)
    printf("then the class, 0 or 1 (a logistic output)\n");
  else
    printf("then %zu one-hot targets (a softmax output)\n", n_t);
  for (size_t j = 0; j < n_in; j++) printf("%sx%zu", j ? "," : "", j + 1);
  if (targets == BP_TARGETS_ONEHOT)
    for (size_t c = 0; c < n_t; c++) printf(",t%zu", c + 1);
  else
    printf(",%s", targets == BP_TARGETS_INDEX ? "class" : "t");
  printf("\n");
  for (size_t r = 0; r < d->X->size1; r++) {
    for (size_t j = 0; j < n_in; j++) fputs(j ? "," : "", stdout), print_shortest(gsl_matrix_get(d->X, r, j));
    for (size_t c = 0; c < n_t; c++) fputs(",", stdout), print_shortest(gsl_matrix_get(d->T, r, c));
    printf("\n");
  }
  bp_dataset_free(d);
  return rc;
}
