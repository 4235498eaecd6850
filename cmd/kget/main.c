/* kget: records of a stream to stdout, from an iterator, optionally following. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "cli.h"
#include "consume.h"
#include "json.h"
#include "metrics.h"
#include "name.h"
#include "output.h"
#include "reader.h"
#include "seqno.h"
#include "stream.h"
#include "throttle.h"
#include "units.h"
#include "watch.h"
#include "banned.h"

static const char usage[] =
	"usage: kget [-d DIR] -s STREAM [--shard ID] [--from POSITION] [-n N] [-f]\n"
	"            [-0 | --json | -F FORMAT] [-qv]\n"
	"       kget [-d DIR] -s STREAM --consumer NAME [--exec CMD] [--batch N]\n"
	"            [--max-retries N] [--from POSITION] [-n N] [-f]\n"
	"            [-0 | --json | -F FORMAT] [-qv]\n"
	"POSITION: trim-horizon | latest | at-sequence=SEQ | after-sequence=SEQ |\n"
	"          at-timestamp=TIME\n";

enum { OPT_SHARD = 0x100, OPT_FROM, OPT_JSON, OPT_CONSUMER, OPT_EXEC, OPT_BATCH,
       OPT_RETRIES };
static struct opts {
	struct kc_cli cli;
	const char *shard;
	struct kc_iterator it;
	int seq_given;
	uint64_t seq_shard;
	uint64_t limit;
	int follow;
	struct kget_output out;
	const char *consumer, *exec;
	uint64_t batch;
	unsigned max_retries;
	int consumer_opts;       /* --exec, --batch or --max-retries given */
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "limit", required_argument, NULL, 'n' },
	{ "follow", no_argument, NULL, 'f' },
	{ "null", no_argument, NULL, '0' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, 'F' },
	{ "consumer", required_argument, NULL, OPT_CONSUMER },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "max-retries", required_argument, NULL, OPT_RETRIES },
	{ NULL, 0, NULL, 0 }
};

/* Parses --from: a name (AWS spellings accepted too) and maybe "=VALUE". */
static void parse_from(const char *arg)
{
	static const struct {
		const char *name;
		enum kc_iter_type type;
	} names[] = {
		{ "trim-horizon", KC_ITER_TRIM_HORIZON },
		{ "latest", KC_ITER_LATEST },
		{ "at-sequence", KC_ITER_AT_SEQUENCE },
		{ "at-sequence-number", KC_ITER_AT_SEQUENCE },
		{ "after-sequence", KC_ITER_AFTER_SEQUENCE },
		{ "after-sequence-number", KC_ITER_AFTER_SEQUENCE },
		{ "at-timestamp", KC_ITER_AT_TIMESTAMP },
	};
	const char *eq = strchr(arg, '='), *value = eq ? eq + 1 : NULL;
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg), i;
	char name[32];
	struct kc_error e;

	for (i = 0; i < n && i < sizeof(name) - 1; i++)
		name[i] = arg[i] == '_' ? '-' : (char)tolower((unsigned char)arg[i]);
	name[i] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n < sizeof(name) && !strcmp(name, names[i].name))
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		kc_cli_usage(&opts.cli, "--from: unknown position '%s'", arg);
	opts.it.type = names[i].type;
	switch (opts.it.type) {
	case KC_ITER_TRIM_HORIZON:
	case KC_ITER_LATEST:
		if (value)
			kc_cli_usage(&opts.cli, "--from: '%s' takes no value", name);
		break;
	case KC_ITER_AT_SEQUENCE:
	case KC_ITER_AFTER_SEQUENCE:
		if (!value || kc_seqno_parse(value, &opts.seq_shard, &opts.it.offset))
			kc_cli_usage(&opts.cli, "--from: '%s' is not a sequence number",
				     value ? value : "");
		opts.seq_given = 1;
		break;
	case KC_ITER_AT_TIMESTAMP:
		if (!value || kc_parse_time("--from at-timestamp", value,
					    &opts.it.time_ms, &e))
			kc_cli_usage(&opts.cli, "%s", value ? e.msg
				     : "--from at-timestamp: no time given");
		break;
	}
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	int c, modes = 0;
	uint64_t v;
	char bad;

	opts.out.delim = '\n';
	opts.it.type = KC_ITER_TRIM_HORIZON;
	opts.batch = 1000;
	opts.max_retries = 3;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "n:f0F:", longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		switch (c) {
		case OPT_SHARD:
			opts.shard = optarg;
			break;
		case OPT_FROM:
			parse_from(optarg);
			break;
		case 'n':
			if (kc_parse_uint("--limit", optarg, 1, UINT64_MAX, &opts.limit, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case 'f':
			opts.follow = 1;
			break;
		case '0':
			opts.out.delim = '\0';
			modes |= 1;
			break;
		case OPT_JSON:
			opts.out.mode = OUT_JSON;
			modes |= 2;
			break;
		case 'F':
			/* A later -F replaces an earlier one. */
			if (kget_output_format(&opts.out, optarg, &bad))
				kc_cli_usage(&opts.cli, "-F: unknown field '%%%c'", bad);
			modes |= 4;
			break;
		case OPT_CONSUMER:
			opts.consumer = optarg;
			break;
		case OPT_EXEC:
			opts.exec = optarg;
			opts.consumer_opts = 1;
			break;
		case OPT_BATCH:
			if (kc_parse_uint("--batch", optarg, 1, 10000, &opts.batch, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.consumer_opts = 1;
			break;
		case OPT_RETRIES:
			if (kc_parse_uint("--max-retries", optarg, 0, 1000, &v, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			opts.max_retries = (unsigned)v;
			opts.consumer_opts = 1;
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	if (modes & (modes - 1))
		kc_cli_usage(&opts.cli, "-0, --json and -F cannot be combined");
	if (opts.consumer_opts && !opts.consumer)
		kc_cli_usage(&opts.cli, "--exec, --batch and --max-retries need --consumer");
	if (opts.consumer && (opts.shard || opts.seq_given))
		kc_cli_usage(&opts.cli, "--consumer reads the shards it leases: "
			     "--shard and sequence numbers do not apply");
	kc_cli_need_stream(&opts.cli);
}

/* One shard being read. */
struct source {
	uint64_t index;
	struct kc_reader *r;
	struct kc_record rec;
	int has;
	int dry;                 /* had nothing at the last look */
	int active;              /* its parents are read to their ends */
	int done;                /* closed and read to its end */
	struct kc_metrics_counts m;  /* read since the last metrics update */
	int64_t last_ms;         /* arrival of the last record read */
	int in_call;             /* limits: a GetRecords-sized read is open */
	uint64_t call_records, call_bytes;
	int64_t throttled_until;
};

/* Adds what source v read to its shard's metrics (best effort). */
static void note_metrics(struct source *v)
{
	struct kc_error ignore;
	int64_t now = kc_now_ms();

	if (!v->m.outgoing_records && !v->m.read_exceeded)
		return;
	v->m.iterator_age_ms = now > v->last_ms ? (uint64_t)(now - v->last_ms) : 0;
	kc_metrics_add(v->r->dirfd, now, &v->m, &ignore);
	memset(&v->m, 0, sizeof(v->m));
}

/* Everything being read: the stream, its shards, the inotify watch. */
static struct reading {
	struct kc_stream *s;
	struct source *v;
	size_t n;
	int whole;               /* all shards (not --shard or a sequence number) */
	int wfd;
	unsigned long meta_ino;
	struct kc_buf out;
} rd = { .wfd = -1 };

static struct source *find(uint64_t index)
{
	for (size_t i = 0; i < rd.n; i++)
		if (rd.v[i].index == index)
			return &rd.v[i];
	return NULL;
}

static void add_source(uint64_t index, const struct kc_iterator *it)
{
	struct kc_error e;
	struct source *src;

	rd.v = kc_xrealloc(rd.v, (rd.n + 1) * sizeof(*rd.v));
	src = &rd.v[rd.n++];
	memset(src, 0, sizeof(*src));
	src->index = index;
	if (kc_reader_open(rd.s, index, it, &src->r, &e))
		kc_cli_fail(&e);
	rd.wfd = kc_watch_shard(rd.wfd, src->r->dirpath);
}

/* The one shard asked for with --shard or a sequence number. */
static uint64_t chosen_shard(void)
{
	struct kc_error e;
	unsigned long want = 0;

	if (opts.shard && kc_shard_id_parse(opts.shard, &want, &e))
		kc_cli_usage(&opts.cli, "--shard: %s", e.msg);
	if (opts.seq_given) {
		if (opts.shard && want != opts.seq_shard)
			kc_cli_usage(&opts.cli, "--from: the sequence number belongs to "
				     "shard %" PRIu64 ", not %lu", opts.seq_shard, want);
		want = (unsigned long)opts.seq_shard;
	}
	if (!kc_stream_shard(rd.s, want)) {
		char id[32];
		kc_shard_id_format(want, id);
		kc_error_set(&e, KC_ENOENT, "stream '%s': no shard %s", rd.s->meta.name, id);
		kc_cli_fail(&e);
	}
	return want;
}

static unsigned long meta_ino(void)
{
	struct stat st;

	return fstatat(rd.s->dirfd, KC_META_FILE, &st, 0) ? 0 : (unsigned long)st.st_ino;
}

static void open_sources(void)
{
	rd.whole = !opts.shard && !opts.seq_given;
	rd.meta_ino = meta_ino();
	if (!rd.whole) {
		add_source(chosen_shard(), &opts.it);
		rd.v[0].active = 1;
		return;
	}
	for (size_t i = 0; i < rd.s->meta.nshards; i++)
		add_source(rd.s->meta.shards[i].index, &opts.it);
}

/* Re-reads stream.meta after a reshard and starts reading new shards. */
static void refresh_map(void)
{
	static const struct kc_iterator start = { KC_ITER_TRIM_HORIZON, 0, 0 };
	struct kc_error e;
	unsigned long ino = meta_ino();

	if (!rd.whole || ino == rd.meta_ino)
		return;
	rd.meta_ino = ino;
	if (kc_stream_reload(rd.s, &e))
		kc_cli_fail(&e);
	for (size_t i = 0; i < rd.s->meta.nshards; i++)
		if (!find(rd.s->meta.shards[i].index))
			add_source(rd.s->meta.shards[i].index, &start);
}

/*
 * With limits emulation, reading is cut into GetRecords-sized calls (10,000
 * records or 10 MiB, or until the shard is dry): each call needs the
 * shard's read budget (5 calls/s, 2 MiB/s). Returns 0 when v may read.
 */
static int begin_call(struct source *v)
{
	struct kc_error e;
	int64_t now, retry = 0;
	int rc;

	if (!rd.s->meta.enforce_limits || v->in_call)
		return 0;
	now = kc_now_ms();
	if (now < v->throttled_until)
		return -1;
	rc = kc_throttle_admit_read(v->r->dirfd, now, &retry, &e);
	if (rc == -KC_ETEMP) {
		v->throttled_until = now + retry;
		v->m.read_exceeded++;
		return -1;
	}
	if (rc) {
		kc_error_prefix(&e, "stream '%s': %s: ", rd.s->meta.name, v->r->id);
		kc_cli_fail(&e);
	}
	v->in_call = 1;
	v->call_records = v->call_bytes = 0;
	return 0;
}

static void end_call(struct source *v)
{
	struct kc_error e;

	if (!v->in_call)
		return;
	v->in_call = 0;
	if (kc_throttle_charge_read_bytes(v->r->dirfd, kc_now_ms(), v->call_bytes, &e))
		kc_cli_fail(&e);
}

/* Notes a record read in the current call, ending a full call. */
static void count_call(struct source *v)
{
	if (!v->in_call)
		return;
	v->call_records++;
	v->call_bytes += v->rec.keylen + v->rec.datalen;
	if (v->call_records >= 10000 || v->call_bytes >= (10u << 20))
		end_call(v);
}

/*
 * Fills every active source's next record; returns the earliest, -1 when
 * none has one, or -2 when none has one but some are throttled.
 */
static long pick(void)
{
	struct kc_error e;
	long best = -1;
	int held = 0;

	for (size_t i = 0; i < rd.n; i++) {
		struct source *v = &rd.v[i];
		if (!v->active || v->done)
			continue;
		if (!v->has && !v->dry) {
			int rc;
			if (begin_call(v)) {
				held = 1;
				continue;
			}
			rc = kc_reader_next(v->r, &v->rec, &e);
			if (rc < 0) {
				/* What was verified before the damage is still output. */
				kc_cli_flush(&opts.cli, &rd.out);
				kc_cli_fail(&e);
			}
			v->has = rc;
			v->dry = !rc;
			if (rc)
				count_call(v);
			else
				end_call(v);
		}
		if (v->has && (best < 0 || v->rec.arrival_ms < rd.v[best].rec.arrival_ms))
			best = (long)i;
	}
	return best < 0 && held ? -2 : best;
}

/* Sleeps until the first throttled source may read again. */
static void wait_throttled(void)
{
	int64_t until = INT64_MAX, now = kc_now_ms();
	struct timespec ts;

	for (size_t i = 0; i < rd.n; i++)
		if (rd.v[i].throttled_until > now && rd.v[i].throttled_until < until)
			until = rd.v[i].throttled_until;
	if (until == INT64_MAX)
		return;
	ts.tv_sec = (until - now) / 1000;
	ts.tv_nsec = (until - now) % 1000 * 1000000;
	nanosleep(&ts, NULL);
}

static int parents_done(const struct source *src)
{
	const struct kc_shard_info *sh = kc_stream_shard(rd.s, src->index);
	const struct source *p;

	if (!sh)
		return 1;
	p = sh->parent == KC_NO_SHARD ? NULL : find(sh->parent);
	if (p && !p->done)
		return 0;
	p = sh->adjacent == KC_NO_SHARD ? NULL : find(sh->adjacent);
	return !p || p->done;
}

/*
 * Marks closed shards read to their ends as done, and lets shards whose
 * parents are done be read: a key's records come out in put order across
 * splits and merges. Returns whether anything changed.
 */
static int advance(void)
{
	int changed = 0;

	for (size_t i = 0; i < rd.n; i++) {
		struct source *v = &rd.v[i];
		const struct kc_shard_info *sh = kc_stream_shard(rd.s, v->index);
		if (v->done || !v->active || !v->dry || !sh || !sh->closed ||
		    v->r->pos < sh->end_offset)
			continue;
		v->done = 1;
		changed = 1;
		if (opts.out.mode == OUT_JSON)
			kget_output_child_shards(&rd.s->meta, v->index, &rd.out);
	}
	for (size_t i = 0; i < rd.n; i++) {
		struct source *v = &rd.v[i];
		if (!v->active && parents_done(v)) {
			v->active = 1;
			changed = 1;
		}
	}
	return changed;
}

int main(int argc, char **argv)
{
	struct kc_error e;
	uint64_t count = 0;
	char *root;

	kc_cli_init(&opts.cli, usage);
	parse_options(argc, argv);
	root = kc_root_resolve(opts.cli.dir);
	if (kc_stream_open(root, opts.cli.stream, &rd.s, &e))
		kc_cli_fail(&e);
	free(root);
	if (opts.consumer) {
		struct kget_consume_opts co = { &opts.cli, &opts.out, opts.consumer,
						opts.exec, opts.batch, opts.max_retries,
						&opts.it, opts.limit, opts.follow };
		int rc = kget_consume(rd.s, &co);
		kc_stream_close(rd.s);
		kget_output_release(&opts.out);
		return rc;
	}
	if (opts.follow)
		rd.wfd = kc_watch_stream(rd.s);
	open_sources();
	advance();
	while (!opts.limit || count < opts.limit) {
		long i = pick();
		if (i == -2) {
			kc_cli_flush(&opts.cli, &rd.out);
			wait_throttled();
			continue;
		}
		if (i >= 0) {
			struct source *v = &rd.v[i];
			kget_output_record(&opts.out, &rd.out, &v->rec);
			v->m.outgoing_records++;
			v->m.outgoing_bytes += v->rec.keylen + v->rec.datalen;
			v->last_ms = v->rec.arrival_ms;
			if (rd.out.len >= (64u << 10))
				kc_cli_flush(&opts.cli, &rd.out);
			if (v->m.outgoing_records >= 10000)
				note_metrics(v);
			rd.v[i].has = 0;
			count++;
			continue;
		}
		if (advance())
			continue;
		if (!opts.follow)
			break;
		kc_cli_flush(&opts.cli, &rd.out);
		for (size_t k = 0; k < rd.n; k++)
			note_metrics(&rd.v[k]);
		kc_watch_wait(rd.wfd, 1000);
		refresh_map();
		for (size_t k = 0; k < rd.n; k++)
			rd.v[k].dry = 0;
	}
	kc_cli_flush(&opts.cli, &rd.out);
	for (size_t i = 0; i < rd.n; i++) {
		end_call(&rd.v[i]);
		note_metrics(&rd.v[i]);
		kc_reader_close(rd.v[i].r);
	}
	free(rd.v);
	kc_stream_close(rd.s);
	kc_buf_release(&rd.out);
	kget_output_release(&opts.out);
	if (rd.wfd >= 0)
		close(rd.wfd);
	return 0;
}
