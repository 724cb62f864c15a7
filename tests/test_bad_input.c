/* test_bad_input.c - every kind of bad input the issue lists, as a table: the command exits 2 with one message
 * that names the file, line and cell where there is one, and writes nothing on stdout. Inputs that only look
 * odd (CRLF, a byte order mark, blank lines, trailing spaces) are accepted. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static char dir[64];

/* Files the rows refer to as $D/<name>. Targets: 2 inputs then 2 outputs. */
static const struct {
  const char *name, *text;
} files[] = {
    {"good.csv", "x1,x2,t1,t2\n0.3817,-2.385,0.25,0.75\n-0.91,0.443,1,0\n"},
    {"empty.csv", ""},
    {"header.csv", "# only names\nx1,x2,t1,t2\n"},
    {"ragged.csv", "0.3817,-2.385,0.25,0.75\n-0.91,0.443,1\n"},
    {"word.csv", "0.3817,-2.385,0.25,0.75\n-0.91,zero,1,0\n"},
    {"nan.csv", "0.3817,-2.385,0.25,0.75\n-0.91,nan,1,0\n"},
    {"inf.csv", "0.3817,-2.385,0.25,0.75\n-0.91,0.443,1,-inf\n"},
    {"huge.csv", "0.3817,1e999,0.25,0.75\n"},
    {"range.csv", "0.3817,-2.385,0.25,0.75\n-0.91,0.443,1.5,0\n"},
    {"negative.csv", "0.3817,-2.385,0.25,0.75\n-0.91,0.443,1.25,-0.25\n"},
    {"unnormal.csv", "0.3817,-2.385,0.25,0.75\n-0.91,0.443,0.5,0.4\n"},
    {"odd.csv", "\xEF\xBB\xBFx1,x2,t1,t2\r\n\r\n0.3817,-2.385,0.25,0.75  \r\n   \n-0.91,0.443,1,0\t\r\n"},
    {"semicolons.csv", "x1;x2;t1;t2\n0.3817;-2.385;0.25;0.75\n"},
    {"tabs.csv", "0.3817\t-2.385\t0.25\t0.75\n"},
    {"classes.csv", "x1,x2,class\n0.3817,-2.385,1\n-0.91,0.443,0\n"},
    {"unknown.tsv", "param\tvalue\nW1[0,0]\t0.5\nW7[0,0]\t0.5\n"},
    {"dup.tsv", "param\tvalue\nb1[0]\t0.5\nb1[0]\t0.25\n"},
    {"partial.tsv", "param\tvalue\nW1[0,0]\t0.5\n"},
};

static const struct {
  const char *args;    /* $D is the fixture directory */
  int status;          /* expected exit status */
  const char *message; /* in stderr (for status 2) */
} rows[] = {
    /* the data file */
    {"grad --layers 2,3,2 --output softmax --data $D/missing.csv", 2, "missing.csv"},
    {"grad --layers 2,3,2 --output softmax --data $D", 2, "cannot"},
    {"grad --layers 2,3,2 --output softmax --data $D/empty.csv", 2, "empty.csv: no examples"},
    {"grad --layers 2,3,2 --output softmax --data $D/header.csv", 2, "header.csv: no examples"},
    {"grad --layers 2,3,2 --output softmax --data $D/ragged.csv", 2, "ragged.csv:2: found 3 cells, expected 4"},
    {"grad --layers 2,3,2 --output softmax --data $D/word.csv", 2, "word.csv:2:2:"},
    {"grad --layers 2,3,2 --output softmax --data $D/nan.csv", 2, "nan.csv:2:2:"},
    {"grad --layers 2,3,2 --output softmax --data $D/inf.csv", 2, "inf.csv:2:4:"},
    {"grad --layers 2,3,2 --output softmax --data $D/huge.csv", 2, "huge.csv:1:2:"},
    {"grad --layers 2,3,2 --output logistic --data $D/range.csv", 2, "range.csv:2:3:"},
    {"grad --layers 2,3,2 --output softmax --data $D/negative.csv", 2, "negative.csv:2:4:"},
    {"grad --layers 2,3,2 --output softmax --data $D/unnormal.csv", 2, "eq. (26)"},
    {"grad --layers 3,3,2 --output softmax --data $D/good.csv", 2, "good.csv:2: found 4 cells, expected 5"},
    {"grad --layers 2,3,2 --output softmax --data $D/semicolons.csv", 2,
     "semicolons.csv:2: cells are separated by commas"},
    /* a first line holding numbers is data, never a header, whatever separates them */
    {"grad --layers 2,3,2 --output softmax --data $D/tabs.csv", 2, "tabs.csv:1: cells are separated by commas"},
    {"grad --layers 2,3,2 --output softmax --data $D/classes.csv", 2, "classes.csv:2: found 3 cells, expected 4"},
    {"grad --layers 2,3,2 --output softmax --data $D/classes.csv", 2, "one-hot"},
    {"grad --layers 2,3,2 --output softmax --data $D/classes.csv", 2, "--labels"},
    /* --layers */
    {"grad --layers 2,0,2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,-3,2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,99999999999999999999,2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,1000000,2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,,2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2 --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers two,three --output softmax --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,3,1 --output softmax --data $D/good.csv", 2, "at least 2 outputs"},
    /* --params */
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv --params $D/unknown.tsv", 2, "unknown.tsv:3"},
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv --params $D/dup.tsv", 2, "dup.tsv"},
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv --params $D/partial.tsv", 2, "missing"},
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv --params $D/none.tsv", 2, "none.tsv"},
    /* options */
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv --bogus", 2, "--bogus"},
    {"grad --layers 2,3,2 --output softmax --data", 2, "--data needs a value"},
    {"grad --layers 2,3,2 --output softmax", 2, "--data"},
    {"grad --data $D/good.csv", 2, "--layers"},
    {"grad --layers 2,3,2 --data $D/good.csv", 2, "--output"},
    {"all --layers 2,3,2", 2, "options of grad"},
    {"grad --layers 2,3,2 --output tanh --data $D/good.csv", 2, "--output"},
    {"all --method secant", 2, "secant"},
    {"all --seed 12x", 2, "--seed"},
    {"all --seed 4294967296", 2, "--seed"},
    {"--format tsv", 2, "no command"},
    {"list extra", 2, "extra"},
    /* accepted */
    {"grad --layers 2,3,2 --output softmax --data $D/odd.csv", 0, NULL},
    {"grad --layers 2,3,2 --output softmax --data $D/good.csv", 0, NULL},
    {"--seed 4294967295 --output softmax grad --data $D/good.csv --layers 2,3,2", 0, NULL},
};

static int setup(void) {
  if (bp_test_mkdtemp(dir, sizeof dir, "bad")) return 1;
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
    if (bp_test_write_file(dir, files[k].name, files[k].text)) return 1;
  return 0;
}

static int teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

/* args with every $D replaced by the fixture directory. */
static void expand(const char *args, char *buf, size_t len) {
  size_t n = 0;
  for (const char *p = args; *p && n + strlen(dir) + 1 < len; p++) {
    if (p[0] == '$' && p[1] == 'D') {
      n += (size_t)snprintf(buf + n, len - n, "%s", dir);
      p++;
    } else {
      buf[n++] = *p;
    }
  }
  buf[n] = '\0';
}

static void every_bad_input_should_exit_two_with_a_message_and_no_output(void) {
  static char out[1 << 16], err[4096];
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    char args[512];
    expand(rows[k].args, args, sizeof args);
    int status = bp_test_run_bpcheck(args, dir, out, sizeof out, err, sizeof err);
    int ok = status == rows[k].status;
    if (rows[k].status == 2) {
      ok = ok && out[0] == '\0' && strstr(err, rows[k].message) != NULL && strncmp(err, "bpcheck: ", 9) == 0;
    } else {
      ok = ok && err[0] == '\0' && strstr(out, "PASS") != NULL;
    }
    if (!ok)
      printf("\n  row %zu: bpcheck %s\n    exit %d (expected %d), stderr: %s    expected in it: %s\n", k, rows[k].args,
             status, rows[k].status, err, rows[k].message ? rows[k].message : "(nothing)");
    CU_ASSERT(ok);
  }
}

int register_bad_input(void) {
  CU_pSuite s = CU_add_suite("bad input to the command", setup, teardown);
  if (s == NULL) return 1;
  return CU_add_test(s, "every_bad_input_should_exit_two_with_a_message_and_no_output",
                     every_bad_input_should_exit_two_with_a_message_and_no_output) == NULL;
}
