/* sandbox.c - a child process with limits (sandbox.h). */
#define _POSIX_C_SOURCE 200809L
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void bp_sandbox_result_clear(bp_sandbox_result *r) {
  if (r == NULL) return;
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof *r);
}

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl = {soft, hard};
  setrlimit(resource, &rl);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(char *const argv[], const char *cwd, const char *stdin_path, const bp_sandbox_limits *lim,
                       int out_fd, int err_fd) {
  setpgid(0, 0);
  int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
  if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
  if (cwd != NULL && chdir(cwd) != 0) _exit(127);
  set_limit(RLIMIT_CORE, 0, 0);
  if (lim->cpu_seconds > 0) {
    rlim_t s = (rlim_t)ceil(lim->cpu_seconds);
    set_limit(RLIMIT_CPU, s, s + 1);
  }
  if (lim->memory_bytes > 0) set_limit(RLIMIT_AS, (rlim_t)lim->memory_bytes, (rlim_t)lim->memory_bytes);
  if (lim->file_bytes > 0) set_limit(RLIMIT_FSIZE, (rlim_t)lim->file_bytes, (rlim_t)lim->file_bytes);
  signal(SIGPIPE, SIG_DFL);
  execvp(argv[0], argv);
  _exit(127);
}

/* Appends what fd has to *buf (up to keep bytes, the rest dropped). Returns 0 at end of file, 1 otherwise. */
static int drain(int fd, char **buf, size_t *len, size_t keep, int *truncated) {
  char chunk[8192];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (n == 0) return 0;
  size_t take = (size_t)n;
  if (*len + take > keep) {
    take = keep > *len ? keep - *len : 0;
    *truncated = 1;
  }
  if (take > 0) {
    memcpy(*buf + *len, chunk, take);
    *len += take;
    (*buf)[*len] = '\0';
  }
  return 1;
}

int bp_sandbox_run(char *const argv[], const char *cwd, const char *stdin_path, const bp_sandbox_limits *lim,
                   bp_sandbox_result *r) {
  if (argv == NULL || argv[0] == NULL || lim == NULL || r == NULL || lim->output_bytes == 0)
    BP_ERROR(GSL_EINVAL, "bp_sandbox_run: a program, limits with output_bytes > 0 and a result are required");
  memset(r, 0, sizeof *r);
  r->out = bp_calloc(1, lim->output_bytes + 1);
  r->err = bp_calloc(1, lim->output_bytes + 1);
  if (r->out == NULL || r->err == NULL) {
    bp_sandbox_result_clear(r);
    return GSL_ENOMEM;
  }
  int po[2], pe[2];
  if (pipe(po) != 0) {
    bp_sandbox_result_clear(r);
    BP_ERROR(GSL_EFAILED, "cannot create a pipe: %s", strerror(errno));
  }
  if (pipe(pe) != 0) {
    close(po[0]);
    close(po[1]);
    bp_sandbox_result_clear(r);
    BP_ERROR(GSL_EFAILED, "cannot create a pipe: %s", strerror(errno));
  }
  fflush(NULL); /* nothing buffered is written twice by the child */
  double start = now_seconds();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
    bp_sandbox_result_clear(r);
    BP_ERROR(GSL_EFAILED, "cannot start %s: %s", argv[0], strerror(e));
  }
  if (pid == 0) {
    close(po[0]);
    close(pe[0]);
    child_exec(argv, cwd, stdin_path, lim, po[1], pe[1]);
  }
  setpgid(pid, pid); /* also here, so that the group exists before any kill */
  close(po[1]);
  close(pe[1]);
  int open_out = 1, open_err = 1, killed = 0;
  while (open_out || open_err) {
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int timeout_ms = -1;
    if (lim->wall_seconds > 0 && !killed) {
      double left = lim->wall_seconds - (now_seconds() - start);
      if (left <= 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        killed = r->timed_out = 1;
        continue;
      }
      timeout_ms = (int)(left * 1000) + 1;
    }
    if (!open_out) fds[0].fd = -1;
    if (!open_err) fds[1].fd = -1;
    int n = poll(fds, 2, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (open_out && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      open_out = drain(po[0], &r->out, &r->out_len, lim->output_bytes, &r->out_truncated);
    if (open_err && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      open_err = drain(pe[0], &r->err, &r->err_len, lim->output_bytes, &r->err_truncated);
  }
  close(po[0]);
  close(pe[0]);
  /* The pipes are closed: the child has exited or closed them; wait with the same deadline. */
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, killed || lim->wall_seconds <= 0 ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (w == 0) {
      if (now_seconds() - start > lim->wall_seconds) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        killed = r->timed_out = 1;
      } else {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
      }
    }
  }
  kill(-pid, SIGKILL); /* whatever the child left running in its group */
  r->wall = now_seconds() - start;
  if (WIFEXITED(status)) {
    r->exited = 1;
    r->exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r->signal = WTERMSIG(status);
    if (r->signal == SIGXCPU || (r->signal == SIGKILL && !r->timed_out && lim->cpu_seconds > 0)) r->cpu_limit = 1;
  }
  return GSL_SUCCESS;
}

static const char *signal_words(int sig) {
  switch (sig) {
  case SIGSEGV: return "segmentation fault (SIGSEGV): a read or write outside its arrays, or through NULL";
  case SIGBUS: return "bus error (SIGBUS): a misaligned or invalid memory access";
  case SIGABRT: return "aborted (SIGABRT): abort(), a failed assert(), or the C library found corrupted memory";
  case SIGFPE: return "arithmetic exception (SIGFPE): an integer division by zero";
  case SIGILL: return "illegal instruction (SIGILL)";
  case SIGKILL: return "killed (SIGKILL)";
  case SIGTERM: return "terminated (SIGTERM)";
  case SIGPIPE: return "broken pipe (SIGPIPE)";
  default: return NULL;
  }
}

void bp_sandbox_describe(const bp_sandbox_result *r, const bp_sandbox_limits *lim, char *buf, size_t len) {
  if (r->timed_out)
    snprintf(buf, len, "still running after the wall-clock limit of %g s: an infinite loop, or waiting for input",
             lim->wall_seconds);
  else if (r->cpu_limit)
    snprintf(buf, len, "the CPU-time limit of %g s was exceeded: an infinite loop?", lim->cpu_seconds);
  else if (r->signal != 0) {
    const char *w = signal_words(r->signal);
    if (w != NULL)
      snprintf(buf, len, "%s", w);
    else
      snprintf(buf, len, "ended by signal %d", r->signal);
  } else if (r->exited && r->exit_status == 127)
    snprintf(buf, len, "could not be run (exit status 127: program not found or not executable)");
  else
    snprintf(buf, len, "exited with status %d", r->exit_status);
}
