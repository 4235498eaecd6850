/*
 * cli.h: the top of every kin program: shared options, diagnostics, exit
 * statuses and checked output. This is the one libcommon module that prints
 * and exits; it is called only from cmd/<prog>/main.c, never from the
 * library modules below it.
 */
#ifndef KC_CLI_H
#define KC_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"

#define KC_OPT_VERSION 0x1000

/* Options every program takes; append to its own option table. */
#define KC_CLI_SHORTOPTS "d:s:qvh"
#define KC_CLI_LONGOPTS                                          \
	{ "dir", required_argument, NULL, 'd' },                 \
	{ "stream", required_argument, NULL, 's' },              \
	{ "quiet", no_argument, NULL, 'q' },                     \
	{ "verbose", no_argument, NULL, 'v' },                   \
	{ "help", no_argument, NULL, 'h' },                      \
	{ "version", no_argument, NULL, KC_OPT_VERSION }

/* The values of the shared options; usage is the program's SYNOPSIS. */
struct kc_cli {
	const char *usage;
	const char *dir;
	const char *stream;
	int verbosity;           /* -1 with -q, 1 with -v */
	int epipe_status;        /* exit status when stdout's reader left */
};

/*
 * Sets up a program: ignores SIGPIPE (write errors report EPIPE instead)
 * and SIGXFSZ (a too-large file reports EFBIG).
 */
void kc_cli_init(struct kc_cli *cli, const char *usage);

/*
 * Handles option c if it is a shared one and returns 1; returns 0 for the
 * program's own options. -h prints usage and exits 0; --version prints the
 * version and exits 0; an unknown option ('?') prints usage and exits 64.
 */
int kc_cli_option(struct kc_cli *cli, int c, const char *arg);

/*
 * Catches SIGINT, SIGTERM and SIGHUP without SA_RESTART (so poll and read
 * return EINTR) and returns the flag they set: 0, or the number of the
 * signal that came. A program stops cleanly when it sees it set.
 */
volatile sig_atomic_t *kc_cli_catch_stop(void);

/* Prints "prog: msg" and usage to stderr and exits 64. */
_Noreturn void kc_cli_usage(const struct kc_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "prog: e->msg" and exits with e->code. */
_Noreturn void kc_cli_fail(const struct kc_error *e);

/* Prints "prog: e->msg" (a warning) unless quiet. */
void kc_cli_warn(const struct kc_cli *cli, const struct kc_error *e);

/* Requires -s STREAM: exits 64 when missing. */
const char *kc_cli_need_stream(const struct kc_cli *cli);

/*
 * Writes out->data to stdout and empties out. EPIPE (the reader went away)
 * exits quietly with cli->epipe_status (0 for a reader like kget; kput's
 * acknowledgements are its product, so it sets 74); another error prints
 * a diagnostic and exits 74.
 */
void kc_cli_flush(const struct kc_cli *cli, struct kc_buf *out);

#endif
