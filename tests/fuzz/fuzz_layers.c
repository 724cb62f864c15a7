/* fuzz_layers.c - libFuzzer target for the --layers parser, bp_layers_parse (`make fuzz`).
 *
 * The input, up to its first NUL, is the spec. A finding aborts: a failure without a message or with outputs
 * written; a success with a count or a size out of bounds, with anything written past the list, or whose sizes
 * do not read back the same when printed and parsed again. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "data.h"
#include "mlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL ((size_t)0x5eed)

static void finding(const char *what, const char *msg) {
  fprintf(stderr, "fuzz_layers: FINDING: %s (message: '%s')\n", what, msg);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *spec = malloc(size + 1); /* exactly the spec and its NUL, so ASan sees a read past the end */
  if (spec == NULL) abort();
  memcpy(spec, data, size);
  spec[size] = '\0';
  size_t n_layers = SENTINEL, sizes[BP_MLP_MAX_LAYERS + 1];
  for (size_t l = 0; l <= BP_MLP_MAX_LAYERS; l++) sizes[l] = SENTINEL;
  bp_error_set("%s", "");
  int status = bp_layers_parse(spec, &n_layers, sizes);
  const char *msg = bp_error_message();
  if (status != GSL_SUCCESS) {
    if (msg[0] == '\0') finding("a failure without a message", msg);
    if (n_layers != SENTINEL) finding("n_layers written on failure", msg);
    for (size_t l = 0; l <= BP_MLP_MAX_LAYERS; l++)
      if (sizes[l] != SENTINEL) finding("sizes written on failure", msg);
    free(spec);
    return 0;
  }
  if (n_layers < 1 || n_layers > BP_MLP_MAX_LAYERS) finding("n_layers out of bounds", msg);
  for (size_t l = 0; l <= BP_MLP_MAX_LAYERS; l++) {
    if (l <= n_layers && (sizes[l] < 1 || sizes[l] > BP_MLP_MAX_UNITS)) finding("a size out of bounds", msg);
    if (l > n_layers && sizes[l] != SENTINEL) finding("a size written past the list", msg);
  }
  /* Printed without leading zeros and parsed again, the list must come back the same. */
  char again[8 * (BP_MLP_MAX_LAYERS + 1) + 1];
  size_t n = 0;
  for (size_t l = 0; l <= n_layers; l++)
    n += (size_t)snprintf(again + n, sizeof again - n, l ? ",%zu" : "%zu", sizes[l]);
  size_t n2 = 0, sizes2[BP_MLP_MAX_LAYERS + 1];
  if (bp_layers_parse(again, &n2, sizes2) != GSL_SUCCESS || n2 != n_layers ||
      memcmp(sizes, sizes2, (n_layers + 1) * sizeof *sizes) != 0)
    finding("the parsed list does not read back the same", again);
  free(spec);
  return 0;
}
