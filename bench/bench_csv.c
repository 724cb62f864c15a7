/* bench_csv.c - time and memory of bp_dataset_read_csv on a ~100 MB CSV (`make bench`).
 *
 * Writes ROWS rows of 9 inputs and 1 logistic target to build/bench/bench.csv (kept between runs when its size
 * is right), reads it back and prints MB, seconds, MB/s, the peak resident set (getrusage ru_maxrss) and the ratio
 * of that peak to the bytes of the final matrices X and T. The goal is a ratio close to 1: the reader should hold
 * the matrices plus one line, not a growing copy of every value beside them. Nothing here is asserted on time.
 *
 *   bench_csv [file|pipe] [PATH] [ROWS]   `pipe` reads the same file through `cat`, a stream that cannot seek,
 *                                          which the reader takes in one pass (run it as its own process: the
 *                                          peak RSS is the process's). */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "core.h"
#include "data.h"

#define N_IN 9
#define N_OUT 1
#define RATIO_GOAL 1.3

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A 64-bit LCG: the same file on every machine, without libc's rand. */
static double uniform(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Writes the file unless one of the expected size is already there; returns its size or -1. */
static long generate(const char *path, size_t rows) {
  char stamp[512];
  snprintf(stamp, sizeof stamp, "%s.rows", path);
  FILE *s = fopen(stamp, "r");
  unsigned long long have = 0;
  long size = file_size(path);
  int ok = s && fscanf(s, "%llu %ld", &have, &size) == 2 && have == rows && size == file_size(path);
  if (s) fclose(s);
  if (ok) return size;
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  uint64_t seed = 20240611;
  fputs("x1,x2,x3,x4,x5,x6,x7,x8,x9,t\n", f);
  for (size_t r = 0; r < rows; r++) {
    for (int j = 0; j < N_IN; j++) fprintf(f, "%.6f,", 8.0 * uniform(&seed) - 4.0);
    fprintf(f, "%.6f\n", uniform(&seed));
  }
  if (fclose(f) != 0) return -1;
  size = file_size(path);
  s = fopen(stamp, "w");
  if (s) {
    fprintf(s, "%zu %ld\n", rows, size);
    fclose(s);
  }
  return size;
}

int main(int argc, char **argv) {
  int pipe = argc > 1 && strcmp(argv[1], "pipe") == 0;
  const char *path = argc > 2 ? argv[2] : "build/bench/bench.csv";
  size_t rows = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 1200000;
  long size = generate(path, rows);
  if (size < 0) {
    perror(path);
    return 2;
  }
  struct rusage before;
  getrusage(RUSAGE_SELF, &before);
  double t0 = now();
  bp_dataset *d = NULL;
  int status;
  if (pipe) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cat '%s'", path);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
      perror("popen");
      return 2;
    }
    status = bp_dataset_read_stream(p, path, N_IN, N_OUT, BP_OUTPUT_LOGISTIC, 0, &d);
    pclose(p);
  } else {
    status = bp_dataset_read_csv(path, N_IN, N_OUT, BP_OUTPUT_LOGISTIC, 0, &d);
  }
  if (status != GSL_SUCCESS) {
    fprintf(stderr, "bench_csv: %s\n", bp_error_message());
    return 2;
  }
  double seconds = now() - t0;
  struct rusage after;
  getrusage(RUSAGE_SELF, &after);
  double mb = (double)size / 1e6;
  double matrices = (double)(d->X->size1 * d->X->size2 + d->T->size1 * d->T->size2) * sizeof(double);
  double peak = (double)after.ru_maxrss * 1024.0; /* kilobytes on Linux */
  double ratio = peak / matrices;
  printf("%s %s: %.1f MB, %zu rows of %d numbers\n", pipe ? "pipe (1 pass) " : "file (2 passes)", path, mb, d->X->size1,
         N_IN + N_OUT);
  printf("read            %.2f s, %.0f MB/s\n", seconds, mb / seconds);
  printf("matrices        %.1f MB (X and T)\n", matrices / 1e6);
  printf("peak RSS        %.1f MB (%.1f MB before reading)\n", peak / 1e6, (double)before.ru_maxrss * 1024.0 / 1e6);
  if (pipe)
    printf("ratio           peak RSS / matrices = %.3f (a pipe cannot be read twice: about 2 expected; the goal "
           "<= %.1f is for files)\n",
           ratio, RATIO_GOAL);
  else
    printf("ratio           peak RSS / matrices = %.3f; goal <= %.1f: %s\n", ratio, RATIO_GOAL,
           ratio <= RATIO_GOAL ? "met" : "NOT met");
  bp_dataset_free(d);
  return 0;
}
