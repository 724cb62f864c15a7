/* sandbox.h - run a program in a child process with limits, and collect what it wrote (POSIX).
 *
 * The grader (grade.h) runs the compiler and each exercise of a submission this way, so that code under test can
 * crash, loop, allocate without bound or print anything without taking the caller down. The child gets:
 *   - RLIMIT_CPU (cpu_seconds; SIGXCPU, then SIGKILL), RLIMIT_AS (memory_bytes; malloc returns NULL beyond it),
 *     RLIMIT_CORE 0 (no core dumps), RLIMIT_FSIZE (file_bytes);
 *   - its own process group, killed as a whole (SIGKILL) when wall_seconds have passed;
 *   - standard input from a file (or /dev/null), standard output and error into pipes, each kept up to
 *     output_bytes (the rest is read and dropped, and the result says so).
 * The library itself never exits: the forked child calls _exit(127) when exec fails, before running anything. */
#ifndef BP_SANDBOX_H
#define BP_SANDBOX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double cpu_seconds;  /* 0: no limit */
  double wall_seconds; /* 0: no limit */
  size_t memory_bytes; /* address space; 0: no limit */
  size_t file_bytes;   /* largest file the child may write; 0: no limit */
  size_t output_bytes; /* kept of stdout and of stderr each (> 0) */
} bp_sandbox_limits;

typedef struct {
  int exited; /* 1: exited normally with exit_status */
  int exit_status;
  int signal;    /* the signal that ended it, 0 if none */
  int timed_out; /* 1: killed at the wall-clock limit */
  int cpu_limit; /* 1: ended by the CPU-time limit (SIGXCPU, or SIGKILL past the hard limit) */
  int out_truncated, err_truncated;
  char *out, *err; /* NUL-terminated, owned: bp_sandbox_result_clear frees them */
  size_t out_len, err_len;
  double wall; /* seconds from start to end */
} bp_sandbox_result;

/* Runs argv[0] (searched in PATH) with argv, in directory cwd (NULL: the current one), standard input from
 * stdin_path (NULL: /dev/null). Fills r (cleared first). GSL_SUCCESS when the child ran, whatever it did;
 * GSL_EFAILED when it could not be started (fork or pipe failed), GSL_ENOMEM. A program that cannot be executed
 * exits with status 127. */
int bp_sandbox_run(char *const argv[], const char *cwd, const char *stdin_path, const bp_sandbox_limits *lim,
                   bp_sandbox_result *r);
void bp_sandbox_result_clear(bp_sandbox_result *r);
/* What ended the child, in words: "exited with status 3", "segmentation fault (SIGSEGV)", "CPU time limit of 2 s
 * exceeded", ... Writes at most len bytes. */
void bp_sandbox_describe(const bp_sandbox_result *r, const bp_sandbox_limits *lim, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
