/* pipeline.c: kfirehose's engine (see pipeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "compress.h"
#include "dest_dir.h"
#include "json.h"
#include "name.h"
#include "pipeline.h"
#include "prefix.h"
#include "seqno.h"
#include "units.h"
#include "banned.h"

#define MAX_PARTITIONS 500
#define BACKOFF_BASE_MS 1000
#define BACKOFF_CAP_MS 120000

/* ---- acknowledgements ---------------------------------------------------- */

/*
 * Every source record gets an ack entry in its shard's FIFO; each record
 * made of it (after deaggregation and the transform) holds a reference
 * until it was delivered or written to the error output. The checkpoint of
 * a shard advances over the leading entries without references.
 */
struct ack {
	uint64_t offset;
	uint32_t refs;
};

struct shard_acks {
	uint64_t shard;
	uint64_t base;           /* ack number of v[head] */
	struct ack *v;
	size_t head, n, cap;     /* entries v[head .. head+n) */
	int dirty;               /* entries completed since the last commit */
};

/* A record buffered for delivery (its bytes live in the buffer's arena). */
struct brec {
	size_t off, len;
	int64_t arrival_ms;
	uint64_t shard, offset;
	uint32_t sub, ack;
};

/* One buffer per evaluated partition. */
struct dbuf {
	struct kc_buf key;       /* partition key values, NUL-separated */
	struct fh_keys query, lambda;
	struct kc_buf arena;
	struct brec *v;
	size_t n, cap;
	int64_t first_mono;      /* when its first record came, monotonic ms */
	int64_t oldest_ms;
};

/* A record waiting for the transform. */
struct txrec {
	size_t off, len, pkoff, pklen;
	int64_t arrival_ms;
	uint64_t shard, offset;
	uint32_t sub, ack;
};

/* deliver()'s per-record arrays, kept between deliveries. */
struct scratch {
	size_t cap;
	enum fh_status *status;
	char (*code)[64];
	char (*message)[256];
	struct fh_record *sub;
	size_t *map;
	struct failure *fails;
};

struct counters {
	uint64_t incoming_records, incoming_bytes;
	uint64_t delivered_records, delivered_bytes;
	uint64_t attempts, attempts_ok;
	uint64_t failed_records;
	uint64_t tx_invocations, tx_ok, tx_ms, tx_ok_records, tx_ok_bytes, tx_failed_records;
	uint64_t tx_dropped;
};

struct fh_pipeline {
	const struct fh_config *c;
	const struct fh_run *run;
	const struct fh_dest_type *type;
	void *dest;
	struct fh_objects *errors;
	enum kc_codec error_codec;
	struct fh_prefix *prefix, *eprefix;
	struct fh_transform *tx;
	struct fh_partitioner *part;
	struct kc_group *group;
	volatile sig_atomic_t *stop;

	struct shard_acks *acks;
	size_t nacks;

	struct kc_buf tx_arena;
	struct txrec *tx_v;
	size_t tx_n, tx_cap;
	int64_t tx_first_mono;

	struct dbuf **bufs;
	size_t nbufs;
	struct kc_buf spare;     /* a delivered buffer's arena, for the next */
	struct scratch scratch;  /* deliver's */
	struct brec *spare_v;    /* and its record vector */
	size_t spare_vcap;
	struct fh_record *recs;  /* flush_buf's scratch */
	struct dbuf *cur;        /* the buffer being delivered */
	size_t recs_cap;

	struct qfail *failq;      /* see fail_one */
	size_t failq_n, failq_cap;
	struct kc_buf failq_data;

	struct counters m, last;
	int progress;            /* stderr is a terminal: show a progress line */
	int64_t progress_mono;
	int64_t metrics_mono;
	int64_t oldest_pending_ms;
	FILE *metrics;
};

static int64_t mono_ms(void)
{
	return (int64_t)(kc_mono_ns() / 1000000);
}

int64_t fh_pipeline_now(const struct fh_pipeline *p)
{
	return kc_now_ms() + p->run->now_offset_ms;
}

static struct shard_acks *acks_of(struct fh_pipeline *p, uint64_t shard)
{
	for (size_t i = 0; i < p->nacks; i++)
		if (p->acks[i].shard == shard)
			return &p->acks[i];
	p->acks = kc_xrealloc(p->acks, (p->nacks + 1) * sizeof(*p->acks));
	memset(&p->acks[p->nacks], 0, sizeof(*p->acks));
	p->acks[p->nacks].shard = shard;
	return &p->acks[p->nacks++];
}

static uint32_t ack_new(struct fh_pipeline *p, uint64_t shard, uint64_t offset)
{
	struct shard_acks *a = acks_of(p, shard);

	if (a->head + a->n == a->cap) {
		if (a->head > a->cap / 2) {
			memmove(a->v, a->v + a->head, a->n * sizeof(*a->v));
			a->head = 0;
		} else {
			a->cap = a->cap ? a->cap * 2 : 1024;
			a->v = kc_xrealloc(a->v, a->cap * sizeof(*a->v));
		}
	}
	a->v[a->head + a->n] = (struct ack){ offset, 1 };
	a->n++;
	return (uint32_t)(a->base + a->n - 1);
}

static struct ack *ack_get(struct fh_pipeline *p, uint64_t shard, uint32_t id,
			   struct shard_acks **out)
{
	struct shard_acks *a = acks_of(p, shard);
	uint32_t rel = id - (uint32_t)a->base;

	*out = a;
	return &a->v[a->head + rel];
}

static void ack_ref(struct fh_pipeline *p, uint64_t shard, uint32_t id)
{
	struct shard_acks *a;

	ack_get(p, shard, id, &a)->refs++;
}

static void ack_done(struct fh_pipeline *p, uint64_t shard, uint32_t id)
{
	struct shard_acks *a;
	struct ack *k = ack_get(p, shard, id, &a);

	if (--k->refs == 0)
		a->dirty = 1;
}

/* Checkpoints every shard past its leading completed records. */
static int commit(struct fh_pipeline *p, struct kc_error *e)
{
	for (size_t i = 0; i < p->nacks; i++) {
		struct shard_acks *a = &p->acks[i];
		uint64_t last = 0;
		int any = 0;
		if (!a->dirty)
			continue;
		a->dirty = 0;
		while (a->n && a->v[a->head].refs == 0) {
			last = a->v[a->head].offset;
			any = 1;
			a->head++;
			a->n--;
			a->base++;
		}
		if (!a->n)
			a->head = 0;
		if (any && p->group && a->shard != FH_STDIN &&
		    kc_group_commit(p->group, a->shard, last, e))
			return -e->code;
	}
	return 0;
}

/* ---- the error output ----------------------------------------------------- */

struct failure {
	const struct fh_record *r;
	const char *code, *message;
	unsigned attempts;
	const char *type;        /* error output type */
	const struct fh_batch *batch;   /* for the destination's extra fields */
	size_t index;
};

static void failure_json(struct fh_pipeline *p, const struct failure *f,
			 int64_t now, struct kc_buf *out)
{
	size_t n = kc_base64_encoded_len(f->r->rawlen);

	kc_buf_addf(out, "{\"attemptsMade\":%u,\"arrivalTimestamp\":%" PRId64
		    ",\"errorCode\":", f->attempts, f->r->arrival_ms);
	kc_json_add_string(out, f->code, strlen(f->code));
	kc_buf_adds(out, ",\"errorMessage\":");
	kc_json_add_string(out, f->message, strlen(f->message));
	kc_buf_addf(out, ",\"attemptEndingTimestamp\":%" PRId64 ",\"rawData\":\"", now);
	kc_buf_grow(out, n + 1);
	kc_base64_encode(f->r->raw, f->r->rawlen, out->data + out->len);
	out->len += n;
	out->data[out->len] = '\0';
	kc_buf_addc(out, '"');
	if (!strcmp(f->type, "processing-failed") && p->tx) {
		kc_buf_adds(out, ",\"lambdaArn\":");
		kc_json_add_string(out, fh_transform_name(p->tx),
				   strlen(fh_transform_name(p->tx)));
	}
	if (f->batch && p->type->error_fields)
		p->type->error_fields(p->dest, f->batch, f->index, out);
	kc_buf_adds(out, "}\n");
}

/*
 * Writes failures (all of one error type) as one object of failed-record
 * JSON lines under the error prefix. A failure here is fatal: nothing is
 * committed, so the records come again after a restart.
 */
static int write_failures(struct fh_pipeline *p, const struct failure *f, size_t n,
			  struct kc_error *e)
{
	struct kc_buf body = KC_BUF_INIT, prefix = KC_BUF_INIT, name = KC_BUF_INIT;
	int64_t now = fh_pipeline_now(p);
	struct fh_piece piece;
	int rc;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		failure_json(p, &f[i], now, &body);
	rc = fh_prefix_eval(p->eprefix, NULL, NULL, now, f[0].type, &prefix, e);
	if (!rc) {
		fh_object_name(p->c->name, p->c->version, now,
			       kc_codec_extension(p->error_codec), &name);
		piece = (struct fh_piece){ body.data, body.len };
		rc = fh_objects_put(p->errors, prefix.data ? prefix.data : "", name.data,
				    p->error_codec, &piece, 1, e);
	}
	if (rc)
		kc_error_prefix(e, "error output: ");
	else
		p->m.failed_records += n;
	kc_buf_release(&body);
	kc_buf_release(&prefix);
	kc_buf_release(&name);
	return rc ? -e->code : 0;
}

/*
 * Records that failed before reaching a buffer (deaggregation, the
 * transform, partitioning) wait in a queue and are written as one object
 * per tick (or per 4 MiB), before anything is committed.
 */
struct qfail {
	size_t off, len;
	int64_t arrival_ms;
	unsigned attempts;
	char code[64];
	char message[256];
};

#define FAILQ_FLUSH (4 << 20)

static int flush_failq(struct fh_pipeline *p, struct kc_error *e)
{
	struct fh_record *r;
	struct failure *f;
	int rc;

	if (!p->failq_n)
		return 0;
	r = kc_xcalloc(p->failq_n, sizeof(*r));
	f = kc_xcalloc(p->failq_n, sizeof(*f));
	for (size_t i = 0; i < p->failq_n; i++) {
		const struct qfail *q = &p->failq[i];
		r[i] = (struct fh_record){ .data = p->failq_data.data + q->off, .len = q->len,
					   .arrival_ms = q->arrival_ms,
					   .raw = p->failq_data.data + q->off, .rawlen = q->len };
		f[i] = (struct failure){ &r[i], q->code, q->message, q->attempts,
					 "processing-failed", NULL, 0 };
	}
	rc = write_failures(p, f, p->failq_n, e);
	free(r);
	free(f);
	p->failq_n = 0;
	kc_buf_reset(&p->failq_data);
	return rc;
}

static int fail_one(struct fh_pipeline *p, const char *data, size_t len,
		    int64_t arrival, const char *code, const char *message,
		    unsigned attempts, struct kc_error *e)
{
	struct qfail *q;

	if (p->failq_n == p->failq_cap) {
		p->failq_cap = p->failq_cap ? p->failq_cap * 2 : 64;
		p->failq = kc_xrealloc(p->failq, p->failq_cap * sizeof(*p->failq));
	}
	q = &p->failq[p->failq_n++];
	q->off = p->failq_data.len;
	q->len = len;
	q->arrival_ms = arrival;
	q->attempts = attempts;
	snprintf(q->code, sizeof(q->code), "%s", code);
	snprintf(q->message, sizeof(q->message), "%s", message);
	kc_buf_add(&p->failq_data, data, len);
	return p->failq_data.len >= FAILQ_FLUSH ? flush_failq(p, e) : 0;
}

/* ---- buffers ---------------------------------------------------------------- */

static void dbuf_free(struct dbuf *b)
{
	kc_buf_release(&b->key);
	fh_keys_clear(&b->query);
	fh_keys_clear(&b->lambda);
	kc_buf_release(&b->arena);
	free(b->v);
	free(b);
}

static struct dbuf *dbuf_find(struct fh_pipeline *p, const struct kc_buf *key)
{
	for (size_t i = 0; i < p->nbufs; i++)
		if (p->bufs[i]->key.len == key->len &&
		    (!key->len || !memcmp(p->bufs[i]->key.data, key->data, key->len)))
			return p->bufs[i];
	return NULL;
}

static struct dbuf *dbuf_new(struct fh_pipeline *p, const struct kc_buf *key,
			     const struct fh_keys *query, const struct fh_keys *lambda)
{
	struct dbuf *b = kc_xcalloc(1, sizeof(*b));

	if (key->len)
		kc_buf_add(&b->key, key->data, key->len);
	for (size_t i = 0; query && i < query->n; i++)
		fh_keys_add(&b->query, query->name[i], strlen(query->name[i]),
			    query->value[i], strlen(query->value[i]));
	for (size_t i = 0; lambda && i < lambda->n; i++)
		fh_keys_add(&b->lambda, lambda->name[i], strlen(lambda->name[i]),
			    lambda->value[i], strlen(lambda->value[i]));
	b->first_mono = mono_ms();
	/*
	 * Room for a whole buffer, so that it never moves while it fills; the
	 * arena of the last delivered buffer is reused, its pages already
	 * mapped.
	 */
	if (p->spare.cap) {
		b->arena = p->spare;
		kc_buf_init(&p->spare);
	}
	kc_buf_grow(&b->arena, p->c->buffer_size + (64 << 10));
	if (p->spare_v) {
		b->v = p->spare_v;
		b->cap = p->spare_vcap;
		p->spare_v = NULL;
	}
	p->bufs = kc_xrealloc(p->bufs, (p->nbufs + 1) * sizeof(*p->bufs));
	p->bufs[p->nbufs++] = b;
	return b;
}

static void dbuf_remove(struct fh_pipeline *p, struct dbuf *b)
{
	for (size_t i = 0; i < p->nbufs; i++)
		if (p->bufs[i] == b) {
			p->bufs[i] = p->bufs[--p->nbufs];
			break;
		}
	if (!p->spare.cap) {
		p->spare = b->arena;
		kc_buf_init(&b->arena);
		kc_buf_reset(&p->spare);
	}
	if (!p->spare_v) {
		p->spare_v = b->v;
		p->spare_vcap = b->cap;
		b->v = NULL;
	}
	dbuf_free(b);
}

/* Sleeps ms unless stop is set; returns whether it was. */
static int nap(struct fh_pipeline *p, int64_t ms)
{
	while (ms > 0 && !*p->stop) {
		int64_t step = ms > 100 ? 100 : ms;
		struct timespec ts = { (time_t)(step / 1000), (long)(step % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return *p->stop != 0;
}

static int64_t backoff_ms(unsigned retry)
{
	int64_t ms = BACKOFF_BASE_MS;
	unsigned char jitter;

	for (unsigned i = 0; i < retry && ms < BACKOFF_CAP_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_CAP_MS)
		ms = BACKOFF_CAP_MS;
	if (getentropy(&jitter, 1) == 0)
		ms += ms * ((int)jitter - 128) * 15 / 100 / 128;
	return ms;
}

/* The records of b as fh_records (in p->recs, valid until the next call). */
static struct fh_record *materialize(struct fh_pipeline *p, const struct dbuf *b)
{
	if (p->recs_cap < b->n) {
		free(p->recs);
		p->recs_cap = b->n;
		p->recs = kc_xcalloc(b->n, sizeof(*p->recs));
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct brec *r = &b->v[i];
		p->recs[i] = (struct fh_record){ b->arena.data + r->off, r->len, r->arrival_ms,
						 r->shard, r->offset, r->sub, r->ack,
						 b->arena.data + r->off, r->len };
	}
	return p->recs;
}

/* SIGTERM while retrying a stream's records: they stay unacknowledged. */
static int stopped(struct kc_error *e, size_t n)
{
	return kc_error_set(e, KC_ETEMP, "stopped while retrying a delivery: %zu "
			    "records stay unacknowledged and come again after a "
			    "restart", n);
}

/*
 * Delivers b (all records of it), retrying the records the destination
 * marks FH_RETRY with backoff until the retry duration has passed since
 * the first failure; then, and for FH_FAIL at once, writes them to the
 * error output. Returns 0, or a negative status for a fatal error.
 */
static int deliver(struct fh_pipeline *p, struct fh_batch *b, struct kc_error *e)
{
	size_t n = b->n;
	struct scratch *x = &p->scratch;
	enum fh_status *status;
	char (*code)[64], (*message)[256];
	struct fh_record *all = b->v, *sub;
	size_t *map;
	struct failure *fails;
	struct fh_batch attempt = *b;
	int64_t first_failure = 0;
	size_t left = n, nf = 0;
	unsigned retry = 0;
	int rc = 0;

	/* Reused between deliveries and never cleared: see below. */
	if (x->cap < n) {
		x->cap = n;
		x->status = kc_xrealloc(x->status, n * sizeof(*x->status));
		x->code = kc_xrealloc(x->code, n * sizeof(*x->code));
		x->message = kc_xrealloc(x->message, n * sizeof(*x->message));
		x->sub = kc_xrealloc(x->sub, n * sizeof(*x->sub));
		x->map = kc_xrealloc(x->map, n * sizeof(*x->map));
		x->fails = kc_xrealloc(x->fails, n * sizeof(*x->fails));
	}
	status = x->status;
	code = x->code;
	message = x->message;
	sub = x->sub;
	map = x->map;
	fails = x->fails;
	attempt.attempt = 1;
	for (;;) {
		struct fh_result r = { status, code, message };
		size_t keep = 0, ok = 0;
		attempt.now_ms = fh_pipeline_now(p);
		/*
		 * Only status is reset: code and message are read only for
		 * records a destination failed, and it sets them then.
		 */
		memset(status, 0, left * sizeof(*status));
		if ((rc = p->type->deliver(p->dest, &attempt, &r)) < 0) {
			kc_error_set(e, -rc, "delivery: local error");
			break;
		}
		p->m.attempts++;
		if (!attempt.v) {
			/* A lazy batch (see flush_buf): records only if needed. */
			size_t bad = 0;
			for (size_t i = 0; i < left; i++)
				bad += status[i] != FH_OK;
			if (!bad) {
				p->m.attempts_ok++;
				p->m.delivered_records += left;
				p->m.delivered_bytes += attempt.bytes;
				break;
			}
			attempt.v = b->v = all = materialize(p, p->cur);
		}
		for (size_t i = 0; i < left; i++) {
			struct fh_record *rec = &attempt.v[i];
			if (status[i] == FH_OK) {
				ok++;
				p->m.delivered_records++;
				p->m.delivered_bytes += rec->len;
				continue;
			}
			if (status[i] == FH_RETRY && !*p->stop) {
				sub[keep] = *rec;
				map[keep] = attempt.attempt == 1 ? i : map[i];
				memcpy(code[keep], code[i], sizeof(code[0]));
				memcpy(message[keep], message[i], sizeof(message[0]));
				keep++;
				continue;
			}
			size_t o = attempt.attempt == 1 ? i : map[i];
			fails[nf++] = (struct failure){ &all[o], "", "", attempt.attempt,
							p->type->error_type, b, o };
			fails[nf - 1].code = kc_xstrdup(code[i][0] ? code[i] : "Unknown");
			fails[nf - 1].message = kc_xstrdup(message[i]);
		}
		p->m.attempts_ok += ok == left;
		if (*p->stop && p->group && left > ok) {
			rc = stopped(e, left - ok);
			break;
		}
		if (!keep)
			break;
		if (!first_failure)
			first_failure = mono_ms();
		if (nap(p, 0) || mono_ms() - first_failure >= p->c->retry_duration_ms ||
		    nap(p, backoff_ms(retry++)) ||
		    mono_ms() - first_failure > p->c->retry_duration_ms) {
			if (*p->stop && p->group) {
				rc = stopped(e, keep);
				break;
			}
			for (size_t i = 0; i < keep; i++) {
				fails[nf++] = (struct failure){ &all[map[i]], "", "",
								attempt.attempt,
								p->type->error_type, b, map[i] };
				fails[nf - 1].code = kc_xstrdup(code[i][0] ? code[i] : "Unknown");
				fails[nf - 1].message = kc_xstrdup(message[i]);
			}
			break;
		}
		attempt.v = sub;
		attempt.n = left = keep;
		attempt.body = NULL;
		attempt.body_len = 0;
		attempt.bytes = 0;
		for (size_t i = 0; i < keep; i++)
			attempt.bytes += sub[i].len;
		attempt.attempt++;
	}
	if (!rc && nf)
		rc = write_failures(p, fails, nf, e);
	/* (After a stop, nothing is written: the records are not acknowledged.) */
	for (size_t i = 0; i < nf; i++) {
		free((char *)fails[i].code);
		free((char *)fails[i].message);
	}
	return rc;
}

/* Delivers one buffer in batches of at most max_records, then forgets it. */
static int flush_buf(struct fh_pipeline *p, struct dbuf *b, struct kc_error *e)
{
	struct kc_buf prefix = KC_BUF_INIT;
	struct fh_record *recs = NULL;
	size_t max = p->type->max_records ? p->type->max_records : b->n;
	/*
	 * A destination that takes the whole buffer as one body looks at the
	 * records one by one only if the delivery fails.
	 */
	int lazy = p->type->whole_body && max >= b->n;
	int rc = 0, named;

	if (!lazy)
		recs = materialize(p, b);
	p->cur = b;
	named = fh_prefix_eval(p->prefix, &b->query, &b->lambda, b->oldest_ms, NULL,
			       &prefix, e) == 0;
	if (!named) {
		/* The records cannot be named: all of them to the error output. */
		struct failure *f = kc_xcalloc(b->n, sizeof(*f));
		recs = materialize(p, b);
		for (size_t i = 0; i < b->n; i++)
			f[i] = (struct failure){ &recs[i], "S3.InvalidPrefix", e->msg, 1,
						 p->type->error_type, NULL, 0 };
		rc = write_failures(p, f, b->n, e);
		free(f);
	}
	if (named) {
		for (size_t start = 0; !rc && start < b->n; start += max) {
			struct fh_batch batch = { 0 };
			size_t cnt = b->n - start < max ? b->n - start : max;
			batch.v = recs ? recs + start : NULL;
			batch.n = cnt;
			if (recs)
				for (size_t i = 0; i < cnt; i++)
					batch.bytes += recs[start + i].len;
			else
				batch.bytes = b->arena.len;
			batch.prefix = prefix.data ? prefix.data : "";
			batch.oldest_ms = b->oldest_ms;
			fh_uuid(batch.request_id);
			if (start == 0 && cnt == b->n) {
				batch.body = b->arena.data;
				batch.body_len = b->arena.len;
			}
			rc = deliver(p, &batch, e);
		}
	}
	if (!rc)
		for (size_t i = 0; i < b->n; i++)
			ack_done(p, b->v[i].shard, b->v[i].ack);
	kc_buf_release(&prefix);
	dbuf_remove(p, b);
	return rc;
}

/* Puts one record (post-transform) into its partition's buffer. */
static int route(struct fh_pipeline *p, const char *data, size_t len,
		 const struct fh_keys *lambda, int64_t arrival, uint64_t shard,
		 uint64_t offset, uint32_t sub, uint32_t ack, struct kc_error *e)
{
	struct fh_keys query = { 0 };
	struct kc_buf key = KC_BUF_INIT;
	struct dbuf *b;
	struct brec *r;
	int rc = 0;

	if (p->part && fh_partition_eval(p->part, data, len, &query, e)) {
		rc = fail_one(p, data, len, arrival,
			      "DynamicPartitioning.MetadataExtractionFailed", e->msg, 1, e);
		goto out;
	}
	if (fh_prefix_partition(p->prefix, &query, lambda, &key, e)) {
		rc = fail_one(p, data, len, arrival,
			      "DynamicPartitioning.MetadataExtractionFailed", e->msg, 1, e);
		goto out;
	}
	b = dbuf_find(p, &key);
	if (!b && p->nbufs >= MAX_PARTITIONS) {
		char msg[128];
		snprintf(msg, sizeof(msg), "more than %d active partitions", MAX_PARTITIONS);
		rc = fail_one(p, data, len, arrival,
			      "DynamicPartitioning.PartitionCountExceeded", msg, 1, e);
		goto out;
	}
	if (!b)
		b = dbuf_new(p, &key, &query, lambda);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = kc_xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	r = &b->v[b->n++];
	*r = (struct brec){ b->arena.len, len + (p->c->append_delimiter != 0), arrival,
			    shard, offset, sub, ack };
	kc_buf_add(&b->arena, data, len);
	if (p->c->append_delimiter)
		kc_buf_addc(&b->arena, '\n');
	if (b->n == 1 || arrival < b->oldest_ms)
		b->oldest_ms = arrival;
	ack_ref(p, shard, ack);
	if (b->arena.len >= p->c->buffer_size)
		rc = flush_buf(p, b, e);
out:
	fh_keys_clear(&query);
	kc_buf_release(&key);
	return rc;
}

/* ---- the transform ------------------------------------------------------- */

static int tx_flush(struct fh_pipeline *p, struct kc_error *e)
{
	struct fh_tx_in *in;
	struct fh_tx_out *out;
	char (*ids)[32], (*seqs)[40];
	int64_t t0;
	int rc = 0;

	if (!p->tx_n)
		return 0;
	in = kc_xcalloc(p->tx_n, sizeof(*in));
	ids = kc_xcalloc(p->tx_n, sizeof(*ids));
	seqs = kc_xcalloc(p->tx_n, sizeof(*seqs));
	for (size_t i = 0; i < p->tx_n; i++) {
		const struct txrec *t = &p->tx_v[i];
		in[i].data = p->tx_arena.data + t->off;
		in[i].len = t->len;
		in[i].arrival_ms = t->arrival_ms;
		if (t->shard != FH_STDIN) {
			kc_shard_id_format((unsigned long)t->shard, ids[i]);
			kc_seqno_format(t->shard, t->offset, seqs[i]);
			in[i].shard_id = ids[i];
			in[i].sequence_number = seqs[i];
			in[i].partition_key = p->tx_arena.data + t->pkoff;
			in[i].subsequence_number = t->sub;
		}
	}
	t0 = mono_ms();
	rc = fh_transform_run(p->tx, in, p->tx_n, &out, e);
	p->m.tx_invocations++;
	p->m.tx_ms += (uint64_t)(mono_ms() - t0);
	for (size_t i = 0; !rc && i < p->tx_n; i++) {
		const struct txrec *t = &p->tx_v[i];
		switch (out[i].result) {
		case FH_TX_OK:
			p->m.tx_ok_records++;
			p->m.tx_ok_bytes += out[i].len;
			rc = route(p, out[i].data, out[i].len, &out[i].keys, t->arrival_ms,
				   t->shard, t->offset, t->sub, t->ack, e);
			break;
		case FH_TX_DROPPED:
			p->m.tx_dropped++;
			break;
		case FH_TX_FAILED:
			p->m.tx_failed_records++;
			rc = fail_one(p, in[i].data, in[i].len, t->arrival_ms, out[i].code,
				      out[i].message, fh_transform_attempts(p->tx), e);
			break;
		}
		if (!rc)
			ack_done(p, t->shard, t->ack);
	}
	if (!rc)
		p->m.tx_ok += 1;
	free(in);
	free(ids);
	free(seqs);
	kc_buf_reset(&p->tx_arena);
	p->tx_n = 0;
	return rc;
}

static int tx_add(struct fh_pipeline *p, const char *data, size_t len,
		  const struct fh_source_record *src, uint32_t sub, uint32_t ack,
		  struct kc_error *e)
{
	struct txrec *t;

	if (p->tx_n == p->tx_cap) {
		p->tx_cap = p->tx_cap ? p->tx_cap * 2 : 256;
		p->tx_v = kc_xrealloc(p->tx_v, p->tx_cap * sizeof(*p->tx_v));
	}
	if (!p->tx_n)
		p->tx_first_mono = mono_ms();
	t = &p->tx_v[p->tx_n++];
	*t = (struct txrec){ p->tx_arena.len, len, 0, 0, src->arrival_ms, src->shard,
			     src->offset, sub, ack };
	kc_buf_add(&p->tx_arena, data, len);
	t->pkoff = p->tx_arena.len;
	t->pklen = src->partition_key_len;
	kc_buf_add(&p->tx_arena, src->partition_key ? src->partition_key : "",
		   src->partition_key_len);
	kc_buf_addc(&p->tx_arena, '\0');
	ack_ref(p, src->shard, ack);
	if (p->tx_arena.len >= fh_transform_buffer_size(p->tx))
		return tx_flush(p, e);
	return 0;
}

/* ---- deaggregation ------------------------------------------------------- */

/* Length of the JSON value at s[0..n) (an object or array), 0 if incomplete. */
static size_t json_value_len(const char *s, size_t n)
{
	int depth = 0, in_string = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
			if (depth < 0)
				return 0;
		}
	}
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int one(struct fh_pipeline *p, const char *data, size_t len,
	       const struct fh_source_record *src, uint32_t sub, uint32_t ack,
	       struct kc_error *e)
{
	if (p->tx)
		return tx_add(p, data, len, src, sub, ack, e);
	return route(p, data, len, NULL, src->arrival_ms, src->shard, src->offset, sub,
		     ack, e);
}

static int deaggregate(struct fh_pipeline *p, const struct fh_source_record *src,
		       uint32_t ack, struct kc_error *e)
{
	const char *s = src->data, *end = src->data + src->len;
	uint32_t sub = 0;
	int rc = 0;

	if (!strcmp(p->run->deaggregate, "delimited")) {
		const char *d = p->run->delimiter;
		size_t dn = p->run->delimiter_len;
		while (!rc && s < end) {
			const char *hit = memmem(s, (size_t)(end - s), d, dn);
			const char *stop = hit ? hit : end;
			if (stop > s)
				rc = one(p, s, (size_t)(stop - s), src, sub++, ack, e);
			s = hit ? hit + dn : end;
		}
		return rc;
	}
	while (!rc && s < end) {
		size_t n;
		while (s < end && is_space(*s))
			s++;
		if (s == end)
			break;
		n = (*s == '{' || *s == '[') ? json_value_len(s, (size_t)(end - s)) : 0;
		if (!n)
			return fail_one(p, src->data, src->len, src->arrival_ms,
					"RecordDeAggregation.InvalidJSON",
					"the record is not a sequence of JSON objects", 1, e);
		rc = one(p, s, n, src, sub++, ack, e);
		s += n;
	}
	return rc;
}

int fh_pipeline_put(struct fh_pipeline *p, const struct fh_source_record *r,
		    struct kc_error *e)
{
	uint32_t ack = ack_new(p, r->shard, r->offset);
	int rc;

	p->m.incoming_records++;
	p->m.incoming_bytes += r->len;
	if (p->run->deaggregate)
		rc = deaggregate(p, r, ack, e);
	else
		rc = one(p, r->data, r->len, r, 0, ack, e);
	if (!rc)
		ack_done(p, r->shard, ack);   /* the reference taken by ack_new */
	return rc;
}

/* ---- ticking ------------------------------------------------------------- */

int64_t fh_pipeline_next_due(const struct fh_pipeline *p)
{
	int64_t now = mono_ms(), best = -1;

	if (p->tx_n) {
		best = p->tx_first_mono + fh_transform_buffer_interval_ms(p->tx) - now;
		if (best < 0)
			best = 0;
	}
	for (size_t i = 0; i < p->nbufs; i++) {
		int64_t d = p->bufs[i]->first_mono + p->c->buffer_interval_ms - now;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

int fh_pipeline_tick(struct fh_pipeline *p, int all, struct kc_error *e)
{
	int64_t now = mono_ms();
	int rc = 0;

	if (p->tx_n && (all || now - p->tx_first_mono >= fh_transform_buffer_interval_ms(p->tx)))
		rc = tx_flush(p, e);
	for (size_t i = p->nbufs; !rc && i-- > 0;) {
		struct dbuf *b = p->bufs[i];
		if (i >= p->nbufs)
			continue;
		if (all || now - b->first_mono >= p->c->buffer_interval_ms)
			rc = flush_buf(p, b, e);
	}
	if (!rc)
		rc = flush_failq(p, e);
	if (!rc)
		rc = commit(p, e);
	return rc;
}

/* ---- metrics ------------------------------------------------------------- */

void fh_pipeline_metrics(struct fh_pipeline *p, int final)
{
	int64_t now = mono_ms(), oldest = -1;
	const struct counters *m = &p->m, *l = &p->last;
	char ts[40];
	const char *d = p->type->metric;
	struct kc_buf out = KC_BUF_INIT;

	if (!p->metrics || (!final && now - p->metrics_mono < p->run->metrics_interval_ms))
		return;
	for (size_t i = 0; i < p->nbufs; i++)
		if (p->bufs[i]->n && (oldest < 0 || p->bufs[i]->oldest_ms < oldest))
			oldest = p->bufs[i]->oldest_ms;
	kc_format_time(fh_pipeline_now(p), ts);
	kc_buf_adds(&out, "{\"Timestamp\":");
	kc_json_add_string(&out, ts, strlen(ts));
	kc_buf_adds(&out, ",\"DeliveryStreamName\":");
	kc_json_add_string(&out, p->c->name, strlen(p->c->name));
	kc_buf_addf(&out, ",\"IncomingRecords\":%" PRIu64 ",\"IncomingBytes\":%" PRIu64,
		    m->incoming_records - l->incoming_records,
		    m->incoming_bytes - l->incoming_bytes);
	kc_buf_addf(&out, ",\"DeliveryTo%s.Records\":%" PRIu64 ",\"DeliveryTo%s.Bytes\":%"
		    PRIu64, d, m->delivered_records - l->delivered_records, d,
		    m->delivered_bytes - l->delivered_bytes);
	if (m->attempts > l->attempts)
		kc_buf_addf(&out, ",\"DeliveryTo%s.Success\":%.4f", d,
			    (double)(m->attempts_ok - l->attempts_ok) /
				    (double)(m->attempts - l->attempts));
	kc_buf_addf(&out, ",\"DeliveryTo%s.DataFreshness\":%" PRId64, d,
		    oldest < 0 ? 0 : (fh_pipeline_now(p) - oldest) / 1000);
	kc_buf_addf(&out, ",\"FailedRecords\":%" PRIu64, m->failed_records - l->failed_records);
	if (p->tx) {
		uint64_t inv = m->tx_invocations - l->tx_invocations;
		kc_buf_addf(&out, ",\"ExecuteProcessing.Duration\":%" PRIu64,
			    inv ? (m->tx_ms - l->tx_ms) / inv : 0);
		if (inv)
			kc_buf_addf(&out, ",\"ExecuteProcessing.Success\":%.4f",
				    (double)(m->tx_ok - l->tx_ok) / (double)inv);
		kc_buf_addf(&out, ",\"SucceedProcessing.Records\":%" PRIu64
			    ",\"SucceedProcessing.Bytes\":%" PRIu64,
			    m->tx_ok_records - l->tx_ok_records, m->tx_ok_bytes - l->tx_ok_bytes);
	}
	if (p->part || fh_prefix_uses_lambda(p->prefix))
		kc_buf_addf(&out, ",\"PartitionCount\":%zu", p->nbufs);
	kc_buf_adds(&out, "}\n");
	fputs(out.data, p->metrics);
	fflush(p->metrics);
	kc_buf_release(&out);
	p->last = p->m;
	p->metrics_mono = now;
}

/* The progress line on a terminal: rewritten in place once a second. */
void fh_pipeline_progress(struct fh_pipeline *p, int final)
{
	int64_t now = mono_ms();
	size_t buffered = 0;

	if (!p->progress || (!final && now - p->progress_mono < 1000))
		return;
	for (size_t i = 0; i < p->nbufs; i++)
		buffered += p->bufs[i]->n;
	fprintf(stderr, "\r\033[Kkfirehose: %s: %" PRIu64 " records in, %" PRIu64
		" delivered, %" PRIu64 " failed, %zu buffered in %zu partition%s%s",
		p->c->name, p->m.incoming_records, p->m.delivered_records,
		p->m.failed_records, buffered, p->nbufs, p->nbufs == 1 ? "" : "s",
		final ? "\n" : "");
	fflush(stderr);
	p->progress_mono = now;
}

/* ---- life ---------------------------------------------------------------- */

int fh_pipeline_open(const struct fh_config *c, const struct fh_run *run,
		     const struct fh_dest_type *type, struct kc_group *group,
		     volatile sig_atomic_t *stop, struct fh_pipeline **out,
		     struct kc_error *e)
{
	struct fh_pipeline *p = kc_xcalloc(1, sizeof(*p));
	const char *url = run->url;
	int rc;

	p->c = c;
	p->run = run;
	p->type = type;
	p->group = group;
	p->stop = stop;
	p->metrics_mono = mono_ms();
	if ((rc = fh_prefix_parse_pair(c->prefix, c->error_prefix, &p->prefix, &p->eprefix, e)))
		goto fail;
	if ((rc = fh_transform_open(c, &p->tx, e)) || (rc = fh_partition_open(c, &p->part, e)))
		goto fail;
	if ((fh_prefix_uses_query(p->prefix) && !p->part) ||
	    (fh_prefix_uses_lambda(p->prefix) && !p->tx)) {
		rc = kc_error_set(e, KC_EUSAGE, "--prefix uses %s, but no %s is given",
				  p->part ? "partitionKeyFromLambda" : "partitionKeyFromQuery",
				  p->part ? "--transform" : "--partition-key");
		goto fail;
	}
	if (p->part && type != &fh_dest_dir) {
		rc = kc_error_set(e, KC_EUSAGE, "--partition-key: only for a dir destination");
		goto fail;
	}
	if (type == &fh_dest_dir && c->compression &&
	    (rc = kc_codec_parse(c->compression, &p->error_codec, e)))
		goto fail;
	if ((rc = fh_objects_open(c->error_to ? c->error_to + 4 : url, &p->errors, e)))
		goto fail;
	if ((rc = type->open(c, url, &p->dest, e)))
		goto fail;
	p->progress = isatty(STDERR_FILENO) && run->verbosity >= 0 &&
		      !(run->metrics_interval_ms && !run->metrics_file);
	if (run->metrics_interval_ms) {
		p->metrics = run->metrics_file ? fopen(run->metrics_file, "ae") : stderr;
		if (!p->metrics) {
			rc = kc_error_errno(e, KC_EIO, errno, "%s", run->metrics_file);
			goto fail;
		}
	}
	*out = p;
	return 0;
fail:
	fh_pipeline_close(p);
	return rc < 0 ? rc : -e->code;
}

void fh_pipeline_close(struct fh_pipeline *p)
{
	if (!p)
		return;
	if (p->dest)
		p->type->close(p->dest);
	while (p->nbufs)
		dbuf_remove(p, p->bufs[p->nbufs - 1]);
	free(p->bufs);
	kc_buf_release(&p->spare);
	free(p->recs);
	free(p->spare_v);
	free(p->failq);
	kc_buf_release(&p->failq_data);
	free(p->scratch.status);
	free(p->scratch.code);
	free(p->scratch.message);
	free(p->scratch.sub);
	free(p->scratch.map);
	free(p->scratch.fails);
	for (size_t i = 0; i < p->nacks; i++)
		free(p->acks[i].v);
	free(p->acks);
	free(p->tx_v);
	kc_buf_release(&p->tx_arena);
	fh_objects_close(p->errors);
	fh_prefix_free(p->prefix);
	fh_prefix_free(p->eprefix);
	fh_transform_close(p->tx);
	fh_partition_close(p->part);
	if (p->metrics && p->metrics != stderr)
		fclose(p->metrics);
	free(p);
}
