/* kfirehose: deliver a kin stream or stdin the way Kinesis Data Firehose does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "crc32c.h"
#include "file.h"
#include "group.h"
#include "pipeline.h"
#include "reader.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

static const char usage[] =
	"usage: kfirehose [-c FILE] [-d DIR] --name NAME --to URL [--from STREAM]\n"
	"                 [--buffer-size MIB] [--buffer-interval SECONDS]\n"
	"                 [--compression CODEC] [--prefix P] [--error-prefix P]\n"
	"                 [--transform CMD] [--partition-key NAME=JQ]...\n"
	"                 [--retry-duration SECONDS] [--error-to dir:PATH] [-0qv]\n"
	"       (kfirehose -h lists every option; see kfirehose(1))\n";

#define READ_CHUNK (1 << 20)
#define GROUP_MAX_RECORDS 10000
#define GROUP_MAX_BYTES (4 << 20)

/* Set by SIGINT, SIGTERM or SIGHUP: deliver, checkpoint, exit 0. */
static volatile sig_atomic_t *stop;

/*
 * The delivery stream's version: 1 at first, +1 whenever its configuration
 * changes (ROOT/firehose/NAME/config holds the last one, under a lock).
 */
static unsigned version_of(const char *root, const struct fh_config *c,
			   struct kc_error *e)
{
	struct kc_buf dir = KC_BUF_INIT, path = KC_BUF_INIT, conf = KC_BUF_INIT,
		      text = KC_BUF_INIT;
	char *old = NULL;
	size_t n = 0;
	unsigned version = 1;
	int lockfd = -1;

	fh_config_canonical(c, &conf);
	kc_buf_addf(&dir, "%s/firehose", root);
	if (mkdir(dir.data, 0777) && errno != EEXIST)
		goto io;
	kc_buf_addf(&dir, "/%s", c->name);
	if (mkdir(dir.data, 0777) && errno != EEXIST)
		goto io;
	kc_buf_addf(&path, "%s/lock", dir.data);
	lockfd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (lockfd < 0 || flock(lockfd, LOCK_EX))
		goto io;
	kc_buf_reset(&path);
	kc_buf_addf(&path, "%s/config", dir.data);
	if (kc_file_read(path.data, &old, &n, e) == 0) {
		const char *nl = memchr(old, '\n', n);
		version = (unsigned)strtoul(old + 8 < old + n ? old + 8 : "1", NULL, 10);
		if (!version || strncmp(old, "version ", 8) || !nl)
			version = 1;
		if (!nl || strlen(nl + 1) != conf.len || memcmp(nl + 1, conf.data, conf.len))
			version++;
		else
			goto out;
	}
	kc_buf_addf(&text, "version %u\n", version);
	kc_buf_add(&text, conf.data, conf.len);
	if (kc_file_replace(path.data, text.data, text.len, e))
		version = 0;
	goto out;
io:
	kc_error_errno(e, KC_EIO, errno, "%s", lockfd < 0 && path.len ? path.data : dir.data);
	version = 0;
out:
	if (lockfd >= 0)
		close(lockfd);
	free(old);
	kc_buf_release(&dir);
	kc_buf_release(&path);
	kc_buf_release(&conf);
	kc_buf_release(&text);
	return version;
}

static void check(int rc, const struct kc_error *e)
{
	if (rc)
		kc_cli_fail(e);
}

/* ---- stdin ---------------------------------------------------------------- */

static void run_stdin(struct fh_pipeline *p, int delim)
{
	struct kc_buf in = KC_BUF_INIT;
	struct kc_error e;
	uint64_t line = 0;
	int eof = 0;

	while (!eof && !*stop) {
		int64_t due = fh_pipeline_next_due(p);
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		size_t start = 0;
		ssize_t got;
		int r = poll(&pfd, 1, due < 0 ? 1000 : (int)(due > 1000 ? 1000 : due));
		if (r < 0 && errno != EINTR) {
			kc_error_errno(&e, KC_EIO, errno, "stdin");
			kc_cli_fail(&e);
		}
		if (r > 0) {
			kc_buf_grow(&in, READ_CHUNK);
			got = read(STDIN_FILENO, in.data + in.len, READ_CHUNK);
			if (got < 0 && errno != EINTR && errno != EAGAIN) {
				kc_error_errno(&e, KC_EIO, errno, "stdin");
				kc_cli_fail(&e);
			}
			if (got == 0)
				eof = 1;
			if (got > 0)
				in.len += (size_t)got;
		}
		for (;;) {
			char *end = memchr(in.data + start, delim, in.len - start);
			struct fh_source_record r = { 0 };
			if (!end && !(eof && start < in.len))
				break;
			if (!end)
				end = in.data + in.len;
			r.data = in.data + start;
			r.len = (size_t)(end - r.data);
			r.arrival_ms = fh_pipeline_now(p);
			r.shard = FH_STDIN;
			r.offset = ++line;
			check(fh_pipeline_put(p, &r, &e), &e);
			start = (size_t)(end - in.data) + (end < in.data + in.len);
		}
		if (start) {
			memmove(in.data, in.data + start, in.len - start);
			in.len -= start;
		}
		check(fh_pipeline_tick(p, 0, &e), &e);
		fh_pipeline_metrics(p, 0);
		fh_pipeline_progress(p, 0);
	}
	kc_buf_release(&in);
}

/* ---- a kin stream ---------------------------------------------------------- */

struct from_ctx {
	struct fh_pipeline *p;
	struct kc_error *e;
	int rc;
};

static int put_record(void *arg, const struct kc_record *rec)
{
	struct from_ctx *x = arg;
	struct fh_source_record r = { rec->data, rec->datalen, rec->arrival_ms,
				      rec->shard, rec->offset, rec->key, rec->keylen };

	x->rc = fh_pipeline_put(x->p, &r, x->e);
	return x->rc != 0;
}

static void parse_position(const char *s, struct kc_iterator *it)
{
	struct kc_error e;

	memset(it, 0, sizeof(*it));
	if (!s || !strcasecmp(s, "LATEST")) {
		it->type = KC_ITER_LATEST;
	} else if (!strcasecmp(s, "TRIM_HORIZON")) {
		it->type = KC_ITER_TRIM_HORIZON;
	} else if (!strncasecmp(s, "AT_TIMESTAMP=", 13)) {
		it->type = KC_ITER_AT_TIMESTAMP;
		check(kc_parse_time("--starting-position", s + 13, &it->time_ms, &e), &e);
	} else {
		kc_error_set(&e, KC_EUSAGE, "--starting-position '%s': expected LATEST, "
			     "TRIM_HORIZON or AT_TIMESTAMP=TIME", s);
		kc_cli_fail(&e);
	}
}

static void run_stream(struct fh_pipeline *p, struct kc_group *g, int once)
{
	struct kc_error e;
	struct from_ctx x = { p, &e, 0 };

	while (!*stop) {
		uint64_t shard;
		int64_t due;
		int n = kc_group_read(g, GROUP_MAX_RECORDS, GROUP_MAX_BYTES, put_record, &x,
				      &shard, &e);
		if (x.rc)
			kc_cli_fail(&e);
		check(n < 0, &e);
		check(fh_pipeline_tick(p, 0, &e), &e);
		fh_pipeline_metrics(p, 0);
		fh_pipeline_progress(p, 0);
		if (n > 0)
			continue;
		if (once && kc_group_idle(g)) {
			/*
			 * Deliver and commit everything: a commit that ends a
			 * closed parent makes its children readable at once.
			 */
			check(fh_pipeline_tick(p, 1, &e), &e);
			if (kc_group_idle(g))
				break;
			continue;
		}
		due = fh_pipeline_next_due(p);
		check(kc_group_wait(g, due < 0 || due > 500 ? 500 : (int)due, &e), &e);
	}
}

int main(int argc, char **argv)
{
	struct fh_config c;
	struct fh_run run;
	const struct fh_dest_type *type;
	struct fh_pipeline *p;
	struct kc_stream *s = NULL;
	struct kc_group *g = NULL;
	struct kc_error e;
	char *root, run_id[40];

	fh_config_parse(argc, argv, &c, &run, &type, usage);
	stop = kc_cli_catch_stop();
	root = kc_root_resolve(run.dir);
	check(kc_root_make(root, &e), &e);
	c.version = version_of(root, &c, &e);
	if (!c.version)
		kc_cli_fail(&e);
	snprintf(run_id, sizeof(run_id), "%lld", (long long)kc_now_ms());
	fh_record_id_run(run_id);
	if (c.from) {
		struct kc_iterator it;
		struct kc_group_opts o = { c.name, &it, !run.once, NULL, NULL };
		parse_position(run.starting_position, &it);
		check(kc_stream_open(root, c.from, &s, &e), &e);
		check(kc_group_open(s, &o, &g, &e), &e);
	}
	check(fh_pipeline_open(&c, &run, type, g, stop, &p, &e), &e);
	if (g)
		run_stream(p, g, run.once);
	else
		run_stdin(p, run.nul ? '\0' : '\n');
	/* End of input or a signal: deliver everything, checkpoint, exit 0. */
	check(fh_pipeline_tick(p, 1, &e), &e);
	fh_pipeline_metrics(p, 1);
	fh_pipeline_progress(p, 1);
	fh_pipeline_close(p);
	kc_group_close(g);
	kc_stream_close(s);
	free(root);
	fh_config_release(&c, &run);
	return 0;
}
