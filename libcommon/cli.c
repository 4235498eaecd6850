/* cli.c: shared options, diagnostics and checked output of kin programs. */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "banned.h"

#ifndef KIN_VERSION
#define KIN_VERSION "0.1.0"
#endif

void kc_cli_init(struct kc_cli *cli, const char *usage)
{
	cli->usage = usage;
	cli->dir = NULL;
	cli->stream = NULL;
	cli->verbosity = 0;
	cli->epipe_status = 0;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

int kc_cli_option(struct kc_cli *cli, int c, const char *arg)
{
	switch (c) {
	case 'd':
		cli->dir = arg;
		return 1;
	case 's':
		cli->stream = arg;
		return 1;
	case 'q':
		cli->verbosity = -1;
		return 1;
	case 'v':
		cli->verbosity = 1;
		return 1;
	case 'h':
		printf("%s", cli->usage);
		exit(fflush(stdout) || ferror(stdout) ? KC_EIO : 0);
	case KC_OPT_VERSION:
		printf("%s (kin) %s\n", program_invocation_short_name, KIN_VERSION);
		exit(fflush(stdout) || ferror(stdout) ? KC_EIO : 0);
	case '?':
	case ':':
		fprintf(stderr, "%s", cli->usage);
		exit(KC_EUSAGE);
	default:
		return 0;
	}
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

volatile sig_atomic_t *kc_cli_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return &stop_signal;
}

void kc_cli_usage(const struct kc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s", cli->usage);
	exit(KC_EUSAGE);
}

void kc_cli_fail(const struct kc_error *e)
{
	int code = e->code;

	if (code != KC_EUSAGE && code != KC_EDATA && code != KC_ENOENT &&
	    code != KC_EIO && code != KC_ETEMP)
		code = KC_EFAIL;
	errx(code, "%s", e->msg);
}

void kc_cli_warn(const struct kc_cli *cli, const struct kc_error *e)
{
	if (cli->verbosity >= 0)
		warnx("%s", e->msg);
}

const char *kc_cli_need_stream(const struct kc_cli *cli)
{
	if (!cli->stream)
		kc_cli_usage(cli, "no stream given (-s STREAM)");
	return cli->stream;
}

void kc_cli_flush(const struct kc_cli *cli, struct kc_buf *out)
{
	if (out->len && kc_write_all(STDOUT_FILENO, out->data, out->len)) {
		if (errno == EPIPE)
			exit(cli->epipe_status);
		err(KC_EIO, "stdout");
	}
	kc_buf_reset(out);
}
