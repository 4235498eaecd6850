/* consumers.c: listing consumers with checkpoints, lease holders and lag. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consumer.h"
#include "consumers.h"
#include "json.h"
#include "name.h"
#include "reader.h"
#include "segment.h"
#include "seqno.h"
#include "units.h"
#include "banned.h"

/* The shard's published end and last arrival time, from its tail file. */
static int shard_tail(struct kc_stream *s, uint64_t shard, struct kc_tail *t,
		      struct kc_error *e)
{
	int dirfd = kc_stream_shard_dir(s, shard), fd, rc;

	fd = dirfd < 0 ? -1 : openat(dirfd, "tail", O_RDONLY | O_CLOEXEC);
	if (dirfd >= 0)
		close(dirfd);
	if (fd < 0)
		return kc_error_set(e, KC_EIO, "shard %" PRIu64 ": no tail file", shard);
	rc = kc_tail_read(fd, t, e);
	close(fd);
	return rc;
}

/* Adds LagBytes and MillisBehindLatest for a checkpoint at offset. */
static void add_lag(struct kc_stream *s, uint64_t shard, int has_ckpt,
		    uint64_t offset, struct kc_buf *out)
{
	struct kc_iterator it = { has_ckpt ? KC_ITER_AT_SEQUENCE : KC_ITER_TRIM_HORIZON,
				  offset, 0 };
	struct kc_reader *r;
	struct kc_record rec;
	struct kc_error e;
	struct kc_tail t;
	uint64_t pos;
	int64_t at;

	if (shard_tail(s, shard, &t, &e) || kc_reader_open(s, shard, &it, &r, &e))
		return;
	pos = r->pos;
	at = t.last_ms;
	if (kc_reader_next(r, &rec, &e) == 1) {
		at = rec.arrival_ms;
		if (has_ckpt)
			pos = r->pos;   /* the checkpointed record is done */
	}
	kc_buf_addf(out, ",\"LagBytes\":%" PRIu64 ",\"MillisBehindLatest\":%" PRId64,
		    t.end > pos ? t.end - pos : 0,
		    t.end > pos && t.last_ms > at ? t.last_ms - at : 0);
	kc_reader_close(r);
}

static void add_shard(struct kc_stream *s, struct kc_consumer *c, uint64_t shard,
		      struct kc_buf *out)
{
	enum kc_checkpoint_state st;
	struct kc_error e;
	uint64_t off = 0;
	char id[32], seq[40];
	long holder = kc_consumer_lease_holder(c, shard);

	kc_shard_id_format((unsigned long)shard, id);
	kc_buf_addf(out, "{\"ShardId\":\"%s\",\"Checkpoint\":", id);
	if (kc_consumer_checkpoint(c, shard, &st, &off, &e))
		st = KC_CKPT_NONE;
	if (st == KC_CKPT_SEQUENCE) {
		kc_seqno_format(shard, off, seq);
		kc_buf_addf(out, "\"%s\"", seq);
	} else {
		kc_buf_adds(out, st == KC_CKPT_SHARD_END ? "\"SHARD_END\"" : "null");
	}
	if (holder)
		kc_buf_addf(out, ",\"LeaseOwner\":\"pid %ld\"", holder);
	else
		kc_buf_adds(out, ",\"LeaseOwner\":null");
	if (st != KC_CKPT_SHARD_END)
		add_lag(s, shard, st == KC_CKPT_SEQUENCE, off, out);
	kc_buf_adds(out, "}");
}

static void add_description(struct kc_stream *s, struct kc_consumer *c,
			    struct kc_buf *out)
{
	int64_t created = 0;
	int reg = kc_consumer_is_registered(c, &created);
	char ts[40];

	kc_buf_adds(out, "\"ConsumerName\":");
	kc_json_add_string(out, c->name, strlen(c->name));
	if (reg) {
		kc_format_time(created, ts);
		kc_buf_addf(out, ",\"ConsumerARN\":\"arn:aws:kinesis:local:000000000000:"
			    "stream/%s/consumer/%s:%" PRId64 "\",\"ConsumerStatus\":\"ACTIVE\","
			    "\"ConsumerCreationTimestamp\":\"%s\"",
			    s->meta.name, c->name, created / 1000, ts);
	}
}

int kshard_consumers(struct kc_stream *s, struct kc_buf *out, struct kc_error *e)
{
	char **names;
	size_t n;
	int rc = kc_consumer_list(s, &names, &n, e);

	if (rc)
		return rc;
	kc_buf_adds(out, "{\"Consumers\":[");
	for (size_t i = 0; i < n; i++) {
		struct kc_consumer *c;
		if (kc_consumer_open(s, names[i], 0, &c, e))
			continue;
		kc_buf_adds(out, i ? ",{" : "{");
		add_description(s, c, out);
		kc_buf_addf(out, ",\"Registered\":%s,\"Workers\":%zu,\"Shards\":[",
			    kc_consumer_is_registered(c, NULL) ? "true" : "false",
			    kc_consumer_workers(c));
		for (size_t k = 0; k < s->meta.nshards; k++) {
			if (k)
				kc_buf_addc(out, ',');
			add_shard(s, c, s->meta.shards[k].index, out);
		}
		kc_buf_adds(out, "]}");
		kc_consumer_close(c);
	}
	kc_buf_adds(out, "]}");
	kc_stream_list_free(names, n);
	return 0;
}

int kshard_register(struct kc_stream *s, const char *name, struct kc_buf *out,
		    struct kc_error *e)
{
	struct kc_consumer *c;
	int rc = kc_consumer_register(s, name, e);

	if (rc || (rc = kc_consumer_open(s, name, 0, &c, e)))
		return rc;
	kc_buf_adds(out, "{\"Consumer\":{");
	add_description(s, c, out);
	kc_buf_adds(out, "}}");
	kc_consumer_close(c);
	return 0;
}

size_t kshard_registered_count(struct kc_stream *s)
{
	struct kc_error e;
	char **names;
	size_t n, count = 0;

	if (kc_consumer_list(s, &names, &n, &e))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct kc_consumer *c;
		if (!kc_consumer_open(s, names[i], 0, &c, &e)) {
			count += kc_consumer_is_registered(c, NULL);
			kc_consumer_close(c);
		}
	}
	kc_stream_list_free(names, n);
	return count;
}
