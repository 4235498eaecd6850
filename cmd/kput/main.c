/* kput: stdin to records of a stream, batched, routed, acknowledged. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "cli.h"
#include "hashkey.h"
#include "json.h"
#include "metrics.h"
#include "name.h"
#include "record.h"
#include "seqno.h"
#include "shard.h"
#include "stream.h"
#include "throttle.h"
#include "units.h"
#include "banned.h"

static const char usage[] =
	"usage: kput [-d DIR] -s STREAM [-0 | --json] [-k KEY | -K PATH]\n"
	"            [--explicit-hash-key N] [--sync always|interval|never]\n"
	"            [--sync-interval DURATION] [--batch-size SIZE] [--no-retry] [-p]\n"
	"            [-qv]\n";

enum { OPT_JSON = 0x100, OPT_EHK, OPT_SYNC, OPT_SYNC_INTERVAL, OPT_BATCH, OPT_NO_RETRY };

static struct opts {
	struct kc_cli cli;
	int nul, json, print_seq, no_retry;
	const char *key, *key_path;
	int has_ehk;
	kc_u128 ehk;
	enum kc_sync sync;
	uint64_t sync_interval_ms;
	uint64_t batch_bytes;
} opts;

static const struct option longopts[] = {
	KC_CLI_LONGOPTS,
	{ "null", no_argument, NULL, '0' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "key", required_argument, NULL, 'k' },
	{ "key-path", required_argument, NULL, 'K' },
	{ "explicit-hash-key", required_argument, NULL, OPT_EHK },
	{ "sync", required_argument, NULL, OPT_SYNC },
	{ "sync-interval", required_argument, NULL, OPT_SYNC_INTERVAL },
	{ "batch-size", required_argument, NULL, OPT_BATCH },
	{ "print-seq", no_argument, NULL, 'p' },
	{ "no-retry", no_argument, NULL, OPT_NO_RETRY },
	{ NULL, 0, NULL, 0 }
};

/* One shard's share of the batch being built; batches[] is by shard index. */
struct shard_batch {
	struct kc_shard_writer *w;   /* NULL for a closed shard */
	struct kc_buf frames;
	size_t n, cap;
	uint64_t *offsets;
	size_t sent, sent_off;   /* records and bytes appended by this commit */
	size_t refused;          /* records refused at least once (limits) */
	int done, failed;
};

/* One input record of the batch, in input order. */
struct item {
	long shard;              /* shard index, or -1: rejected */
	size_t idx;              /* frame index, or error offset in errors */
};

/* Set by SIGINT, SIGTERM or SIGHUP: commit what was read, then die by it. */
static volatile sig_atomic_t *stop;

static struct state {
	struct kc_stream *stream;
	struct shard_batch *batches;
	size_t nbatches;
	struct item *items;
	size_t nitems, items_cap;
	struct kc_buf errors;    /* NUL-terminated messages of rejected items */
	size_t pending_bytes;
	uint64_t recno;
	int bad;                 /* some record was rejected */
	long fixed_shard;        /* shard index of every record, or -1 */
	uint64_t rng;
	struct kc_buf out, deferred;
	struct kc_buf part;      /* the admitted prefix of a throttled batch */
	size_t *sizes, sizes_cap;
	int64_t wait_ms;         /* until the throttled budget allows more */
	long throttled_shard;
	uint64_t throttled;      /* records refused and retried */
	char jitter[16];
	uint64_t last_sync_ns;
	int unsynced;
} st;

static void parse_sync(const char *s)
{
	if (!strcmp(s, "always"))
		opts.sync = KC_SYNC_ALWAYS;
	else if (!strcmp(s, "interval"))
		opts.sync = KC_SYNC_INTERVAL;
	else if (!strcmp(s, "never"))
		opts.sync = KC_SYNC_NEVER;
	else
		kc_cli_usage(&opts.cli, "--sync: '%s' is not always, interval or never", s);
}

static void parse_options(int argc, char **argv)
{
	struct kc_error e;
	int c;

	opts.sync = KC_SYNC_ALWAYS;
	opts.sync_interval_ms = 1000;
	opts.batch_bytes = 4u << 20;
	while ((c = getopt_long(argc, argv, KC_CLI_SHORTOPTS "0k:K:p", longopts,
				NULL)) != -1) {
		if (kc_cli_option(&opts.cli, c, optarg))
			continue;
		switch (c) {
		case '0':
			opts.nul = 1;
			break;
		case OPT_JSON:
			opts.json = 1;
			break;
		case 'k':
			opts.key = optarg;
			break;
		case 'K':
			opts.key_path = optarg;
			break;
		case OPT_EHK:
			if (kc_u128_parse(optarg, strlen(optarg), &opts.ehk))
				kc_cli_usage(&opts.cli, "--explicit-hash-key: '%s' is not "
					     "an integer in 0..2^128-1", optarg);
			opts.has_ehk = 1;
			break;
		case OPT_SYNC:
			parse_sync(optarg);
			break;
		case OPT_SYNC_INTERVAL:
			if (kc_parse_duration("--sync-interval", optarg, 1000,
					      &opts.sync_interval_ms, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case OPT_BATCH:
			if (kc_parse_size("--batch-size", optarg, &opts.batch_bytes, &e))
				kc_cli_usage(&opts.cli, "%s", e.msg);
			break;
		case 'p':
			opts.print_seq = 1;
			break;
		case OPT_NO_RETRY:
			opts.no_retry = 1;
			break;
		}
	}
	if (optind < argc)
		kc_cli_usage(&opts.cli, "unexpected argument '%s'", argv[optind]);
	if (opts.key && opts.key_path)
		kc_cli_usage(&opts.cli, "-k and -K cannot be used together");
	if (opts.json && opts.key_path)
		kc_cli_usage(&opts.cli, "-K cannot be used with --json "
			     "(entries carry their PartitionKey)");
	if (opts.json && opts.nul)
		kc_cli_usage(&opts.cli, "-0 cannot be used with --json");
	kc_cli_need_stream(&opts.cli);
}

/* Rejects record recno with a one-line reason; the others go on. */
__attribute__((format(printf, 1, 2)))
static void reject(const char *fmt, ...)
{
	struct kc_error e;
	struct item *it;
	va_list ap;
	int n;

	e.code = KC_EDATA;
	n = snprintf(e.msg, sizeof(e.msg), "record %" PRIu64 ": ", st.recno);
	va_start(ap, fmt);
	vsnprintf(e.msg + n, sizeof(e.msg) - (size_t)n, fmt, ap);
	va_end(ap);
	kc_cli_warn(&opts.cli, &e);
	st.bad = 1;
	if (!(opts.print_seq && opts.json))
		return;
	if (st.nitems == st.items_cap) {
		st.items_cap = st.items_cap ? st.items_cap * 2 : 1024;
		st.items = kc_xrealloc(st.items, st.items_cap * sizeof(*st.items));
	}
	it = &st.items[st.nitems++];
	it->shard = -1;
	it->idx = st.errors.len;
	kc_buf_add(&st.errors, e.msg + n, strlen(e.msg + n) + 1);
}

static void describe_limit(uint64_t v, char *out, size_t n)
{
	if (v % (1u << 20) == 0)
		snprintf(out, n, "%" PRIu64 " MiB", v >> 20);
	else if (v % 1024 == 0)
		snprintf(out, n, "%" PRIu64 " KiB", v >> 10);
	else
		snprintf(out, n, "%" PRIu64 "-byte", v);
}

static void reject_size(uint64_t size)
{
	char lim[32];

	describe_limit(st.stream->meta.max_record_size, lim, sizeof(lim));
	reject("%" PRIu64 " bytes exceeds the %s limit", size, lim);
}

/* A line too long to buffer: its record size where the key is known. */
static void reject_skipped(uint64_t linelen)
{
	char lim[32];

	if (opts.json || opts.key_path) {
		describe_limit(st.stream->meta.max_record_size, lim, sizeof(lim));
		reject("%s line of %" PRIu64 " bytes exceeds the %s limit",
		       opts.json ? "entry" : "a", linelen, lim);
		return;
	}
	reject_size(linelen + (opts.key ? strlen(opts.key) : 16));
}

static void random_key(char out[16])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t x = st.rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	st.rng = x;
	x *= 0x2545F4914F6CDD1DULL;
	for (int i = 0; i < 16; i++, x >>= 4)
		out[i] = hex[x & 15];
}

/* The index of the open shard for hash h. */
static long route(kc_u128 h)
{
	long pos = kc_stream_route(st.stream, h);
	struct kc_error e;

	if (pos < 0) {
		kc_error_set(&e, KC_EIO, "stream '%s': no open shard holds a hash "
			     "key (damaged stream.meta)", st.stream->meta.name);
		kc_cli_fail(&e);
	}
	return (long)st.stream->meta.shards[pos].index;
}

/* Adds a valid record to its shard's batch. */
static void add_record(const char *key, size_t keylen, const char *data,
		       size_t datalen, const kc_u128 *ehk)
{
	struct shard_batch *b;
	struct item *it;
	long pos = st.fixed_shard;

	if (pos < 0)
		pos = route(ehk ? *ehk : kc_hashkey_of(key, keylen));
	b = &st.batches[pos];
	kc_frame_append(&b->frames, key, keylen, data, datalen, ehk);
	if (st.nitems == st.items_cap) {
		st.items_cap = st.items_cap ? st.items_cap * 2 : 1024;
		st.items = kc_xrealloc(st.items, st.items_cap * sizeof(*st.items));
	}
	it = &st.items[st.nitems++];
	it->shard = pos;
	it->idx = b->n++;
	st.pending_bytes += datalen + keylen;
}

/* Checks key and size, then adds; key may be NULL for a random one. */
static void put(const char *key, size_t keylen, const char *data, size_t datalen,
		const kc_u128 *ehk)
{
	char rnd[16];
	size_t chars;

	if (!key) {
		random_key(rnd);
		key = rnd;
		keylen = sizeof(rnd);
	}
	chars = kc_utf8_chars(key, keylen);
	if (keylen == 0)
		reject("empty partition key");
	else if (chars > KC_KEY_MAX_CHARS || keylen > KC_KEY_MAX_BYTES)
		reject("partition key of %zu characters exceeds %d", chars,
		       KC_KEY_MAX_CHARS);
	else if (datalen + keylen > st.stream->meta.max_record_size)
		reject_size(datalen + keylen);
	else
		add_record(key, keylen, data, datalen, ehk);
}

static const kc_u128 *default_ehk(void)
{
	return opts.has_ehk ? &opts.ehk : NULL;
}

static void put_keyed_line(const char *p, size_t n)
{
	struct kc_error e;
	struct kc_json *j = kc_json_parse(p, n, &e);
	const char *key, *why;
	size_t keylen;

	if (!j) {
		reject("%s", e.msg);
		return;
	}
	if (kc_json_get(j, opts.key_path, &key, &keylen, &why))
		reject("partition key path '%s': %s", opts.key_path, why);
	else
		put(key, keylen, p, n, default_ehk());
	kc_json_free(j);
}

static void put_json_entry(const char *p, size_t n)
{
	struct kc_error e;
	struct kc_json *j;
	const char *data, *key, *ehk, *why;
	size_t datalen, keylen, ehklen;
	const kc_u128 *hp = default_ehk();
	kc_u128 h;
	char *raw;
	long rawlen;

	if (n == 0)
		return;    /* blank lines between entries are allowed */
	if (!(j = kc_json_parse(p, n, &e))) {
		reject("%s", e.msg);
		return;
	}
	if (kc_json_get_string(j, "Data", &data, &datalen, &why)) {
		reject("Data: %s", why);
		goto out;
	}
	if (kc_json_get(j, "PartitionKey", &key, &keylen, &why)) {
		if (!opts.key) {
			reject("PartitionKey: %s", why);
			goto out;
		}
		key = opts.key;
		keylen = strlen(key);
	}
	if (!kc_json_get(j, "ExplicitHashKey", &ehk, &ehklen, &why)) {
		if (kc_u128_parse(ehk, ehklen, &h)) {
			reject("ExplicitHashKey: not an integer in 0..2^128-1");
			goto out;
		}
		hp = &h;
	}
	raw = kc_xmalloc(datalen / 4 * 3 + 3);
	rawlen = kc_base64_decode(data, datalen, raw);
	if (rawlen < 0)
		reject("Data: invalid base64");
	else
		put(key, keylen, raw, (size_t)rawlen, hp);
	free(raw);
out:
	kc_json_free(j);
}

static void put_line(const char *p, size_t n)
{
	st.recno++;
	if (opts.json)
		put_json_entry(p, n);
	else if (opts.key_path)
		put_keyed_line(p, n);
	else
		put(opts.key, opts.key ? strlen(opts.key) : 0, p, n, default_ehk());
}

static void format_item(const struct item *it, struct kc_buf *out)
{
	char id[32], seq[40];
	const struct shard_batch *b;
	uint64_t index;

	if (it->shard < 0) {
		const char *msg = st.errors.data + it->idx;
		kc_buf_adds(out, "{\"ErrorCode\":\"InvalidArgumentException\","
			    "\"ErrorMessage\":");
		kc_json_add_string(out, msg, strlen(msg));
		kc_buf_adds(out, "}\n");
		return;
	}
	b = &st.batches[it->shard];
	if (b->failed || it->idx >= b->sent)
		return;
	index = b->w->index;
	kc_shard_id_format((unsigned long)index, id);
	kc_seqno_format(index, b->offsets[it->idx], seq);
	if (opts.json)
		kc_buf_addf(out, "{\"SequenceNumber\":\"%s\",\"ShardId\":\"%s\"}\n",
			    seq, id);
	else
		kc_buf_addf(out, "%s %s\n", id, seq);
}

static void sync_all(void)
{
	struct kc_error e;

	for (size_t i = 0; i < st.nbatches; i++)
		if (st.batches[i].w && kc_shard_sync(st.batches[i].w, &e))
			kc_cli_fail(&e);
	st.unsynced = 0;
	st.last_sync_ns = kc_mono_ns();
	kc_buf_add(&st.out, st.deferred.data, st.deferred.len);
	kc_buf_reset(&st.deferred);
	kc_cli_flush(&opts.cli, &st.out);
}

static int wait_ms(void);

/* Opens writers for the open shards of the current map; sets fixed_shard. */
static void open_writers(void)
{
	const struct kc_stream_meta *m = &st.stream->meta;
	struct kc_error e;
	size_t open = 0;
	long only = -1;

	if (m->next_shard > st.nbatches) {
		st.batches = kc_xrealloc(st.batches, m->next_shard * sizeof(*st.batches));
		memset(st.batches + st.nbatches, 0,
		       (m->next_shard - st.nbatches) * sizeof(*st.batches));
		st.nbatches = m->next_shard;
	}
	for (size_t i = 0; i < m->nshards; i++) {
		const struct kc_shard_info *s = &m->shards[i];
		struct shard_batch *b = &st.batches[s->index];
		if (s->closed)
			continue;
		if (!b->w && kc_shard_writer_open(st.stream, s->index, &b->w, &e))
			kc_cli_fail(&e);
		kc_shard_writer_seen_meta(b->w, st.stream);
		open++;
		only = (long)s->index;
	}
	/* One open shard, or one fixed hash: route once, not per record. */
	st.fixed_shard = -1;
	if (open == 1)
		st.fixed_shard = only;
	else if (opts.has_ehk && !opts.json)
		st.fixed_shard = route(opts.ehk);
	else if (opts.key && !opts.json)
		st.fixed_shard = route(kc_hashkey_of(opts.key, strlen(opts.key)));
}

/*
 * The shard map changed under us (a split, merge or scale): re-read it and
 * move the records waiting for shards that are now closed to the open
 * shards that hold their hash keys, keeping input order.
 */
static void reroute(void)
{
	struct kc_error e;
	size_t *cursor;

	if (kc_stream_reload(st.stream, &e))
		kc_cli_fail(&e);
	open_writers();
	cursor = kc_xcalloc(st.nbatches, sizeof(*cursor));
	for (size_t i = 0; i < st.nitems; i++) {
		struct item *it = &st.items[i];
		struct shard_batch *from, *to;
		const struct kc_shard_info *sh;
		const char *f;
		long dst;

		if (it->shard < 0)
			continue;
		from = &st.batches[it->shard];
		sh = kc_stream_shard(st.stream, (uint64_t)it->shard);
		if (from->done || (sh && !sh->closed))
			continue;
		f = from->frames.data + cursor[it->shard];
		cursor[it->shard] += kc_frame_size_at(f);
		if (it->idx < from->sent)
			continue;    /* stored before the shard closed */
		dst = route(kc_frame_hash(f));
		to = &st.batches[dst];
		kc_buf_add(&to->frames, f, kc_frame_size_at(f));
		it->shard = dst;
		it->idx = to->n++;
	}
	for (size_t i = 0; i < st.nbatches; i++) {
		const struct kc_shard_info *sh = kc_stream_shard(st.stream, i);
		if (cursor[i] && sh && sh->closed) {
			struct shard_batch *b = &st.batches[i];
			if (b->sent) {
				/* What went in before it closed still gets acknowledged. */
				b->n = b->sent;
				b->done = 1;
			} else {
				kc_buf_reset(&b->frames);
				b->n = 0;
			}
		}
	}
	free(cursor);
}

/* Data and key bytes of the frame at f, as Kinesis counts a record. */
static size_t record_bytes(const char *f)
{
	return kc_frame_size_at(f) - KC_FRAME_HDR - (f[14] & KC_FRAME_EHK ? 16 : 0);
}

/*
 * With limits emulation: how many of the batch's unsent records the
 * shard's budget takes now. Refused ones are counted, and st.wait_ms says
 * when to try again.
 */
static int admit(struct shard_batch *b, size_t *admitted, struct kc_error *e)
{
	size_t left = b->n - b->sent;
	const char *f = b->frames.data + b->sent_off;
	int64_t retry = 0;
	int rc;

	*admitted = left;
	if (!st.stream->meta.enforce_limits)
		return 0;
	if (left > st.sizes_cap) {
		st.sizes = kc_xrealloc(st.sizes, left * sizeof(*st.sizes));
		st.sizes_cap = left;
	}
	for (size_t j = 0; j < left; j++, f += kc_frame_size_at(f))
		st.sizes[j] = record_bytes(f);
	rc = kc_throttle_admit_write(b->w->dirfd, kc_now_ms(), left, st.sizes,
				     admitted, &retry, e);
	if (rc == -KC_ETEMP)
		*admitted = 0;
	else if (rc)
		return rc;
	if (*admitted < left) {
		struct kc_metrics_counts m = { 0 };
		struct kc_error ignore;
		m.write_exceeded = 1;
		kc_metrics_add(b->w->dirfd, kc_now_ms(), &m, &ignore);
		if (left - *admitted > b->refused)
			b->refused = left - *admitted;
		st.throttled_shard = (long)b->w->index;
		if (st.wait_ms < 0 || retry < st.wait_ms)
			st.wait_ms = retry;
	}
	return 0;
}

/* Appends the admitted part of a shard's batch and counts it. */
static int append_batch(struct shard_batch *b, struct kc_error *e)
{
	struct kc_metrics_counts m = { 0 };
	struct kc_error ignore;
	const char *f = b->frames.data + b->sent_off;
	size_t admitted, len = 0;
	int rc = admit(b, &admitted, e);

	if (rc || !admitted)
		return rc;
	for (size_t j = 0; j < admitted; j++) {
		m.incoming_bytes += record_bytes(f + len);
		len += kc_frame_size_at(f + len);
	}
	if (admitted == b->n) {
		rc = kc_shard_append(b->w, &b->frames, b->n, opts.sync, b->offsets, e);
	} else {
		kc_buf_reset(&st.part);
		kc_buf_add(&st.part, f, len);
		rc = kc_shard_append(b->w, &st.part, admitted, opts.sync,
				     b->offsets + b->sent, e);
	}
	if (rc)
		return rc;
	b->sent += admitted;
	b->sent_off += len;
	b->done = b->sent == b->n;
	m.incoming_records = admitted;
	/* Metrics are best effort: a lost sample never fails a put. */
	kc_metrics_add(b->w->dirfd, kc_now_ms(), &m, &ignore);
	return 0;
}

/* Appends each waiting shard batch once; 1 if the map changed meanwhile. */
static int append_all(int *failed, struct kc_error *e)
{
	for (size_t i = 0; i < st.nbatches; i++) {
		struct shard_batch *b = &st.batches[i];
		int rc;

		if (!b->n || b->done || *failed)
			continue;
		if (b->n > b->cap) {
			b->cap = b->n;
			b->offsets = kc_xrealloc(b->offsets, b->cap * sizeof(uint64_t));
		}
		rc = append_batch(b, e);
		if (rc == -KC_ECLOSED || rc == -KC_ESTALE)
			return 1;
		if (rc) {
			char id[32];
			kc_shard_id_format((unsigned long)i, id);
			if (!strstr(e->msg, "shard"))
				kc_error_prefix(e, "%s: ", id);
			kc_error_prefix(e, "stream '%s': ", st.stream->meta.name);
			b->failed = 1;
			*failed = 1;
		}
	}
	return 0;
}

static void nap(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR && !*stop)
		;
}

/*
 * Appends every shard's batch (waiting out throttling, with jitter, unless
 * --no-retry), then acknowledges in input order.
 */
static void commit(void)
{
	struct kc_error e;
	int failed = 0, throttled = 0;

	for (unsigned attempt = 0;; attempt++) {
		st.wait_ms = -1;
		if (append_all(&failed, &e)) {
			reroute();
			continue;
		}
		if (failed || st.wait_ms < 0)
			break;
		if (opts.no_retry || *stop) {
			throttled = 1;
			break;
		}
		random_key(st.jitter);
		nap(st.wait_ms + (int64_t)(st.rng % (10u << (attempt < 6 ? attempt : 6))));
	}
	if (opts.print_seq) {
		struct kc_buf *dst = opts.sync == KC_SYNC_INTERVAL ? &st.deferred : &st.out;
		for (size_t i = 0; i < st.nitems; i++)
			format_item(&st.items[i], dst);
	}
	if (opts.sync == KC_SYNC_INTERVAL)
		st.unsynced = 1;
	if (failed || throttled) {
		if (opts.sync != KC_SYNC_INTERVAL)
			kc_cli_flush(&opts.cli, &st.out);
		else
			sync_all();
		if (throttled) {
			size_t left = 0;
			char id[32];
			for (size_t i = 0; i < st.nbatches; i++)
				left += st.batches[i].n - st.batches[i].sent;
			kc_shard_id_format((unsigned long)st.throttled_shard, id);
			kc_error_set(&e, KC_ETEMP, "stream '%s': "
				     "ProvisionedThroughputExceededException: Rate exceeded "
				     "for shard %s: %zu records not stored",
				     st.stream->meta.name, id, left);
		}
		kc_cli_fail(&e);
	}
	kc_cli_flush(&opts.cli, &st.out);
	for (size_t i = 0; i < st.nbatches; i++) {
		kc_buf_reset(&st.batches[i].frames);
		st.batches[i].n = 0;
		st.batches[i].sent = st.batches[i].sent_off = 0;
		st.throttled += st.batches[i].refused;
		st.batches[i].refused = 0;
		st.batches[i].done = 0;
	}
	st.nitems = 0;
	st.pending_bytes = 0;
	kc_buf_reset(&st.errors);
	/* A producer that never pauses still gets its interval syncs. */
	if (st.unsynced && wait_ms() == 0)
		sync_all();
}

static void open_stream(void)
{
	struct kc_error e;
	char *root = kc_root_resolve(opts.cli.dir);

	if (kc_stream_open(root, opts.cli.stream, &st.stream, &e))
		kc_cli_fail(&e);
	free(root);
	open_writers();
	if (getentropy(&st.rng, sizeof(st.rng)) || !st.rng)
		st.rng = (uint64_t)kc_now_ms() | 1;
}

/* Milliseconds poll() may wait for input, or -1 for ever. */
static int wait_ms(void)
{
	uint64_t due;

	if (!st.unsynced)
		return -1;
	due = st.last_sync_ns + opts.sync_interval_ms * 1000000ull;
	if (kc_mono_ns() >= due)
		return 0;
	return (int)((due - kc_mono_ns()) / 1000000ull) + 1;
}

static int input_ready(int timeout)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	int rc;

	while ((rc = poll(&p, 1, timeout)) < 0 && errno == EINTR && !*stop)
		;
	return rc > 0;
}

/*
 * Splits buf[0..len) into records, keeping a trailing partial one. A
 * record longer than cap is dropped (reported with its full size once its
 * delimiter arrives). Returns bytes consumed.
 */
static size_t split(char *buf, size_t len, size_t cap, int eof, uint64_t *skipping)
{
	char delim = opts.nul ? '\0' : '\n';
	size_t at = 0;

	while (at < len) {
		char *d = memchr(buf + at, delim, len - at);
		size_t n = d ? (size_t)(d - (buf + at)) : len - at;
		if (!d && !eof) {
			if (*skipping || n > cap) {
				*skipping += n;
				return len;
			}
			break;
		}
		if (*skipping) {
			st.recno++;
			reject_skipped(*skipping + n);
			*skipping = 0;
		} else {
			put_line(buf + at, n);
		}
		at += n + (d != NULL);
		if (st.pending_bytes >= opts.batch_bytes)
			commit();
	}
	if (eof && *skipping) {
		st.recno++;
		reject_skipped(*skipping);
		*skipping = 0;
	}
	return at;
}

static void run(void)
{
	uint64_t max = KC_RECORD_MAX_LIMIT, skipping = 0;
	/*
	 * Lines are buffered whole up to what the largest settable record
	 * needs, so that a record over a smaller stream limit is measured
	 * exactly; only longer lines are skipped while they stream past.
	 */
	size_t cap = opts.json ? max / 3 * 4 + 4 + (64u << 10) : max;
	size_t size = cap * 2 > (8u << 20) ? cap * 2 : (8u << 20), len = 0;
	char *buf = kc_xmalloc(size);
	int eof = 0;

	st.last_sync_ns = kc_mono_ns();
	while (!eof && !*stop) {
		ssize_t n;

		if (!input_ready(st.nitems ? 0 : wait_ms())) {
			if (st.nitems)
				commit();
			if (st.unsynced && wait_ms() == 0)
				sync_all();
			continue;
		}
		n = read(STDIN_FILENO, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int errnum = errno;
			if (st.nitems)
				commit();
			errno = errnum;
			err(KC_EIO, "stdin");
		}
		eof = n == 0;
		len += (size_t)n;
		n = (ssize_t)split(buf, len, cap, eof, &skipping);
		memmove(buf, buf + n, len - (size_t)n);
		len -= (size_t)n;
		if (eof)
			commit();
	}
	if (st.nitems)
		commit();
	if (st.unsynced)
		sync_all();
	free(buf);
}

static void release(void)
{
	for (size_t i = 0; i < st.nbatches; i++) {
		kc_shard_writer_close(st.batches[i].w);
		kc_buf_release(&st.batches[i].frames);
		free(st.batches[i].offsets);
	}
	free(st.batches);
	free(st.items);
	kc_buf_release(&st.errors);
	kc_buf_release(&st.out);
	kc_buf_release(&st.deferred);
	kc_buf_release(&st.part);
	free(st.sizes);
	kc_stream_close(st.stream);
}

int main(int argc, char **argv)
{
	kc_cli_init(&opts.cli, usage);
	opts.cli.epipe_status = KC_EIO;
	parse_options(argc, argv);
	open_stream();
	stop = kc_cli_catch_stop();
	run();
	if (st.throttled && opts.cli.verbosity >= 0)
		warnx("stream '%s': %" PRIu64 " records throttled "
		      "(ProvisionedThroughputExceededException) and retried",
		      st.stream->meta.name, st.throttled);
	release();
	if (*stop) {
		signal(*stop, SIG_DFL);
		raise(*stop);
	}
	if (close(STDOUT_FILENO) && errno != EBADF)
		return KC_EIO;
	return st.bad ? KC_EDATA : 0;
}
