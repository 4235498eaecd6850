/*
 * source.c: where ksql's records come from.
 *
 * A file descriptor (stdin) is read in large blocks and split at the
 * delimiter; records are handed to the callback as pointers into the read
 * buffer (no copy), valid during the call only. A kin stream is read
 * either as a named consumer through libcommon's consumer group (leases,
 * deferred commits: ks_source_commit checkpoints what the engine says is
 * done, so a restarted application continues there), or, without a
 * consumer name, by plain shard readers over every shard of the stream
 * (ad-hoc scans: nothing is written to the stream's directory).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "consumer.h"
#include "group.h"
#include "ksql.h"
#include "name.h"
#include "reader.h"
#include "seqno.h"
#include "stream.h"
#include "units.h"
#include "watch.h"
#include "banned.h"

#define READ_BLOCK (1u << 20)
#define GROUP_MAX_BYTES (4u << 20)

/* A shard read without a consumer. */
struct shard_reader {
	uint64_t index;
	struct kc_reader *r;
	int dry; /* had nothing at the last look */
};

struct ks_source {
	/* fd */
	int fd;
	char delim;
	struct kc_buf buf;
	size_t pos;         /* first unconsumed byte of buf */
	int eof;
	/* stream */
	struct kc_stream *st;
	struct kc_group *g;
	struct kc_iterator it;
	int follow;
	struct shard_reader *v;
	size_t nv, next;
	int wfd;
	/* the record being delivered */
	char seq[40];
	char shard_id[32];
	uint64_t id_shard;  /* shard whose id is in shard_id */
	int no_seqno;       /* leave seq "" */
	ks_record_fn fn;
	void *arg;
	int stop;
	size_t count;
};

static int parse_start(const char *s, struct kc_iterator *it,
		       struct kc_error *e)
{
	memset(it, 0, sizeof(*it));
	if (!s || !strcasecmp(s, "LATEST") || !strcasecmp(s, "NOW")) {
		it->type = KC_ITER_LATEST;
	} else if (!strcasecmp(s, "TRIM_HORIZON")) {
		it->type = KC_ITER_TRIM_HORIZON;
	} else if (!strncasecmp(s, "AT_TIMESTAMP=", 13)) {
		it->type = KC_ITER_AT_TIMESTAMP;
		return kc_parse_time("--starting-position", s + 13,
				     &it->time_ms, e);
	} else {
		return kc_error_set(e, KC_EUSAGE, "--starting-position '%s': "
				    "expected TRIM_HORIZON, LATEST, NOW or "
				    "AT_TIMESTAMP=TIME", s);
	}
	return 0;
}

static int add_shard(struct ks_source *s, uint64_t index, struct kc_error *e)
{
	struct kc_reader *r;
	int rc;

	rc = kc_reader_open(s->st, index, &s->it, &r, e);
	if (rc == -KC_ENOENT)
		return 0; /* trimmed away entirely */
	if (rc)
		return rc;
	s->v = kc_xrealloc(s->v, (s->nv + 1) * sizeof(*s->v));
	s->v[s->nv++] = (struct shard_reader){ index, r, 0 };
	s->wfd = kc_watch_shard(s->wfd, r->dirpath);
	return 0;
}

/* Opens readers for shards of the (reloaded) metadata not open yet. */
static int add_new_shards(struct ks_source *s, struct kc_error *e)
{
	size_t i, k;
	int rc;

	for (i = 0; i < s->st->meta.nshards; i++) {
		uint64_t index = s->st->meta.shards[i].index;
		for (k = 0; k < s->nv && s->v[k].index != index; k++)
			;
		if (k == s->nv && (rc = add_shard(s, index, e)))
			return rc;
	}
	return 0;
}

int ks_source_open(const struct ks_source_opts *o, struct ks_source **out,
		   struct kc_error *e)
{
	struct ks_source *s = kc_xcalloc(1, sizeof(*s));
	int rc;

	s->wfd = -1;
	s->id_shard = UINT64_MAX;
	*out = NULL;
	if (!o->stream) {
		s->fd = o->fd;
		/* 0 means the default: ksql has no NUL-delimited input */
		s->delim = o->delim ? o->delim : '\n';
		*out = s;
		return 0;
	}
	s->fd = -1;
	s->follow = o->follow;
	if ((rc = kc_name_check("stream", o->stream, e)) ||
	    (o->consumer && (rc = kc_name_check("consumer", o->consumer, e))) ||
	    (rc = parse_start(o->start, &s->it, e)))
		goto fail;
	rc = kc_stream_open(o->root, o->stream, &s->st, e);
	if (rc)
		goto fail;
	if (o->consumer) {
		struct kc_group_opts go = { o->consumer, &s->it, o->follow,
					    NULL, NULL };
		struct kc_consumer *c;

		/*
		 * The starting position is a new consumer's. A new consumer
		 * checkpoints each shard at once just before where it starts
		 * (kc_group_commit_start), so a restart before its first
		 * commit (a window still open) reads it again from there; a
		 * shard that was empty then has no checkpoint, and for an
		 * existing consumer such a shard is read from its start.
		 */
		if (!kc_consumer_open(s->st, o->consumer, 0, &c, e)) {
			kc_consumer_close(c);
			memset(&s->it, 0, sizeof(s->it));
			s->it.type = KC_ITER_TRIM_HORIZON;
		}
		rc = kc_group_open(s->st, &go, &s->g, e);
		if (!rc)
			rc = kc_group_commit_start(s->g, e);
	} else {
		s->wfd = kc_watch_stream(s->st);
		rc = add_new_shards(s, e);
	}
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	ks_source_close(s);
	return rc;
}

/* ---- fd ---------------------------------------------------------------- */

static int fd_deliver(struct ks_source *s, size_t max, ks_record_fn fn,
		      void *arg, int64_t now)
{
	struct ks_meta m = { "", 0, "", "", now, 0, 0 };
	size_t n = 0;

	while (n < max && s->pos < s->buf.len) {
		const char *p = s->buf.data + s->pos;
		size_t avail = s->buf.len - s->pos, len;
		const char *q = memchr(p, s->delim, avail);
		if (!q) {
			if (!s->eof)
				break;
			len = avail; /* a last record without delimiter */
			s->pos = s->buf.len;
		} else {
			len = (size_t)(q - p);
			s->pos += len + 1;
		}
		if (len == 0 || (len == 1 && *p == '\r'))
			continue; /* blank lines are not records */
		m.offset++;
		n++;
		if (fn(arg, p, len, &m))
			break;
	}
	return (int)n;
}

static int fd_read(struct ks_source *s, size_t max, ks_record_fn fn, void *arg,
		   struct kc_error *e)
{
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	int64_t now = kc_now_ms();
	ssize_t r;
	int n;

	/* Whole records already buffered go first, without a read. */
	n = fd_deliver(s, max, fn, arg, now);
	if (n > 0)
		return n;
	if (s->eof)
		return KS_SOURCE_END;
	if (poll(&pfd, 1, 0) == 0)
		return 0;
	/* keep the partial record, drop what was consumed */
	if (s->pos) {
		memmove(s->buf.data, s->buf.data + s->pos, s->buf.len - s->pos);
		s->buf.len -= s->pos;
		s->pos = 0;
	}
	kc_buf_grow(&s->buf, READ_BLOCK);
	do
		r = read(s->fd, s->buf.data + s->buf.len, s->buf.cap - s->buf.len - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return kc_error_errno(e, KC_EIO, errno, "read");
	if (r == 0)
		s->eof = 1;
	s->buf.len += (size_t)r;
	n = fd_deliver(s, max, fn, arg, kc_now_ms());
	if (n == 0 && s->eof)
		return KS_SOURCE_END;
	return n;
}

int ks_source_unread(struct ks_source *s, const char **p, size_t *n)
{
	*p = s->buf.data ? s->buf.data + s->pos : "";
	*n = s->buf.len - s->pos;
	s->pos = s->buf.len;
	return s->eof;
}

/* ---- stream ------------------------------------------------------------ */

void ks_source_skip_seqno(struct ks_source *s)
{
	s->no_seqno = 1;
	s->seq[0] = '\0';
}

static void fill_meta(struct ks_source *s, const struct kc_record *rec,
		      struct ks_meta *m)
{
	if (s->id_shard != rec->shard) {
		kc_shard_id_format((unsigned long)rec->shard, s->shard_id);
		s->id_shard = rec->shard;
	}
	if (!s->no_seqno)
		kc_seqno_format(rec->shard, rec->offset, s->seq);
	m->partition_key = rec->key;
	m->pklen = rec->keylen;
	m->sequence_number = s->seq;
	m->shard_id = s->shard_id;
	m->arrival_ms = rec->arrival_ms;
	m->shard = rec->shard;
	m->offset = rec->offset;
}

/* kc_group_fn */
static int group_record(void *arg, const struct kc_record *rec)
{
	struct ks_source *s = arg;
	struct ks_meta m;

	fill_meta(s, rec, &m);
	s->count++;
	s->stop = s->fn(s->arg, rec->data, rec->datalen, &m) != 0;
	return s->stop;
}

static int group_read(struct ks_source *s, size_t max, struct kc_error *e)
{
	uint64_t shard;
	int n;

	n = kc_group_read(s->g, max, GROUP_MAX_BYTES, group_record, s, &shard, e);
	if (n >= 0) {
		int rc = kc_group_commit_start(s->g, e);

		if (rc)
			return rc;
	}
	if (n != 0)
		return n;
	if (!s->follow && kc_group_idle(s->g))
		return KS_SOURCE_END;
	return 0;
}

static int readers_read(struct ks_source *s, size_t max, struct kc_error *e)
{
	struct kc_record rec;
	size_t tried, n = 0;
	int rc, any = 0;

	for (tried = 0; tried < s->nv && n < max; tried++) {
		struct shard_reader *v = &s->v[s->next];
		v->dry = 0;
		while (n < max) {
			rc = kc_reader_next(v->r, &rec, e);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				v->dry = 1;
				break;
			}
			n++;
			any = 1;
			if (group_record(s, &rec))
				return (int)n;
		}
		if (v->dry)
			s->next = (s->next + 1) % s->nv;
	}
	if (!any && !s->follow)
		return KS_SOURCE_END;
	return (int)n;
}

int ks_source_read(struct ks_source *s, size_t max, ks_record_fn fn,
		   void *arg, struct kc_error *e)
{
	if (!max)
		return 0;
	if (!s->st)
		return fd_read(s, max, fn, arg, e);
	s->fn = fn;
	s->arg = arg;
	s->stop = 0;
	if (s->g)
		return group_read(s, max, e);
	if (!s->nv)
		return s->follow ? 0 : KS_SOURCE_END;
	return readers_read(s, max, e);
}

int ks_source_wait(struct ks_source *s, int ms, struct kc_error *e)
{
	int rc;

	if (!s->st) {
		struct pollfd pfd = { s->fd, POLLIN, 0 };
		if (s->eof || s->pos < s->buf.len)
			return 0;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return kc_error_errno(e, KC_EIO, errno, "poll");
		return 0;
	}
	if (s->g)
		return kc_group_wait(s->g, ms, e);
	kc_watch_wait(s->wfd, ms);
	/* A reshard adds shards: read them too. */
	if ((rc = kc_stream_reload(s->st, e)))
		return rc;
	return add_new_shards(s, e);
}

int ks_source_commit(struct ks_source *s, uint64_t shard, uint64_t offset,
		     struct kc_error *e)
{
	if (!s->g)
		return 0;
	return kc_group_commit(s->g, shard, offset, e);
}

void ks_source_close(struct ks_source *s)
{
	size_t i;

	if (!s)
		return;
	kc_group_close(s->g);
	for (i = 0; i < s->nv; i++)
		kc_reader_close(s->v[i].r);
	free(s->v);
	if (s->wfd >= 0)
		close(s->wfd);
	kc_stream_close(s->st);
	kc_buf_release(&s->buf);
	free(s);
}
