/* cli.h - what the files of the bpcheck command share. Every command computes all of its output before it prints
 * the first line, writes messages to stderr as "bpcheck: ...", and returns an exit status. */
#ifndef BP_CLI_H
#define BP_CLI_H

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };
typedef enum { FORMAT_TABLE, FORMAT_TSV, FORMAT_JSON } format;

/* Prints "bpcheck: <message>" and a hint to stderr; returns EXIT_USAGE. */
int bp_cli_usage_error(const char *fmt, const char *arg);

/* `bpcheck plotdata NAME [--seed N]`: the TSV a figure of plots/ is drawn from (cli/plotdata.c). */
int bp_cli_plotdata(const char *name, unsigned long seed);
/* `bpcheck ladder [--seed N] [--format F]`: one gradient check in float, double and long double (cli/ladder.c). */
int bp_cli_ladder(unsigned long seed, format fmt);

#endif
