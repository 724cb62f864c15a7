/* fuzz_params.c - libFuzzer target for the parameter TSV reader, bp_params_read_stream, and the gradient reader
 * that shares it, bp_gradient_read_stream (`make fuzz`).
 *
 * Byte 0 of an input picks the network (bits 0-1, from the table below), with bit 2 the gradient reader (into a
 * vector of its own) instead of the parameter reader, and with bit 6 fault injection: allocations fail after
 * byte 1 of them. The rest is the TSV, read from fmemopen into a vector holding known values. A finding aborts:
 * a failure without a message or one that does not name the file (out of memory aside), a vector changed by a
 * failed read, or a success that leaves an entry not finite. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "data.h"
#include "mlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.tsv"

static void finding(const char *what, const char *msg) {
  fprintf(stderr, "fuzz_params: FINDING: %s (message: '%s')\n", what, msg);
  abort();
}

/* Small networks of every kind: one weight layer, hidden layers, logistic and softmax outputs. */
static const struct {
  size_t n_layers, sizes[4];
  bp_output output;
} nets[4] = {
    {1, {2, 1}, BP_OUTPUT_LOGISTIC},
    {2, {2, 3, 2}, BP_OUTPUT_SOFTMAX},
    {3, {3, 2, 2, 1}, BP_OUTPUT_LOGISTIC},
    {1, {1, 1}, BP_OUTPUT_SOFTMAX},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t cfg = data[0];
  int inject = (cfg & 0x40u) != 0;
  size_t skip = inject ? 2 : 1;
  if (size < skip) return 0;
  size_t len = size - skip;
  char *text = malloc(len ? len : 1); /* exactly the TSV's bytes, so ASan sees a read past the end */
  if (text == NULL) abort();
  memcpy(text, data + skip, len);
  const size_t which = cfg & 3u;
  bp_mlp *net = bp_mlp_alloc(nets[which].n_layers, nets[which].sizes, nets[which].output);
  if (net == NULL) abort();
  gsl_vector *grad = gsl_vector_alloc(net->n_params);
  if (grad == NULL) abort();
  gsl_vector *out = (cfg & 0x4u) ? grad : net->params;
  for (size_t k = 0; k < net->n_params; k++) gsl_vector_set(out, k, 0.25 + 0.5 * (double)k);
  FILE *f = fmemopen(text, len, "r");
  if (f == NULL) abort();
  bp_error_set("%s", "");
  if (inject) bp_fault_inject_alloc((long)data[1]);
  int status = (out == grad) ? bp_gradient_read_stream(f, NAME, net, grad) : bp_params_read_stream(f, NAME, net);
  bp_fault_inject_alloc(-1);
  fclose(f);
  const char *msg = bp_error_message();
  if (status != GSL_SUCCESS) {
    if (msg[0] == '\0') finding("a failure without a message", msg);
    if (status == GSL_ENOMEM) {
      if (strstr(msg, "out of memory") == NULL) finding("GSL_ENOMEM without 'out of memory'", msg);
    } else if (strncmp(msg, NAME ":", strlen(NAME) + 1) != 0) {
      finding("a message that does not name the file", msg);
    }
    for (size_t k = 0; k < net->n_params; k++)
      if (gsl_vector_get(out, k) != 0.25 + 0.5 * (double)k) finding("a vector changed by a failed read", msg);
  } else {
    for (size_t k = 0; k < net->n_params; k++)
      if (!isfinite(gsl_vector_get(out, k))) finding("an entry that is not finite", msg);
  }
  gsl_vector_free(grad);
  bp_mlp_free(net);
  free(text);
  return 0;
}
