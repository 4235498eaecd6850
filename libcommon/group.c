/* group.c: one worker of a named consumer: leases, reads, deferred commits. */
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consumer.h"
#include "group.h"
#include "metrics.h"
#include "name.h"
#include "throttle.h"
#include "units.h"
#include "watch.h"
#include "banned.h"

#define REBALANCE_MS 500

/* A shard this worker holds the lease of. */
struct lease {
	uint64_t index;
	int fd;                  /* the flock'd lease file */
	struct kc_reader *r;
	int started_at_from;     /* no checkpoint: opened at opts.from */
	int read;                /* a record of it was read */
	int pending;             /* records read but not committed */
	int draining;            /* over this worker's share: no more reads */
	uint64_t last;           /* offset of the last record read */
	int64_t throttled_until; /* limits emulation: no read call before */
	/* for kc_group_commit_start: */
	uint64_t from_pos;       /* reader position when opened */
	int start_done;          /* looked at, or committed */
};

struct kc_group {
	struct kc_stream *s;
	struct kc_consumer *c;
	struct kc_iterator from;
	int follow;
	kc_group_end_fn shard_end;
	void *arg;
	struct lease *v;
	size_t n;
	size_t next;             /* the lease read first by the next read */
	int wfd;                 /* inotify, or -1 */
	unsigned long meta_ino;  /* of the stream.meta last loaded */
	int64_t last_rebalance;
	int idle;                /* the last read found nothing, none throttled */
	uint64_t *skipped;       /* shards ended at from without a record */
	size_t nskipped;
};

static int skipped(const struct kc_group *g, uint64_t shard)
{
	for (size_t i = 0; i < g->nskipped; i++)
		if (g->skipped[i] == shard)
			return 1;
	return 0;
}

static struct lease *held(struct kc_group *g, uint64_t shard)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].index == shard)
			return &g->v[i];
	return NULL;
}

static void release(struct kc_group *g, size_t i)
{
	kc_reader_close(g->v[i].r);
	close(g->v[i].fd);
	g->v[i] = g->v[--g->n];
}

/* Whether shard is gone from the map or checkpointed at SHARD_END. */
static int finished(struct kc_group *g, uint64_t shard, int *done,
		    struct kc_error *e)
{
	enum kc_checkpoint_state st = KC_CKPT_SHARD_END;
	uint64_t off;
	int rc = 0;

	if (kc_stream_shard(g->s, shard))
		rc = kc_consumer_checkpoint(g->c, shard, &st, &off, e);
	*done = st == KC_CKPT_SHARD_END;
	return rc;
}

/* A shard is ready when it is not finished and its parents are. */
static int eligible(struct kc_group *g, const struct kc_shard_info *sh, int *ok,
		    struct kc_error *e)
{
	uint64_t parent = sh->parent, adjacent = sh->adjacent;
	int rc, done;

	*ok = 0;
	if ((rc = finished(g, sh->index, &done, e)) || done)
		return rc;
	if (parent != KC_NO_SHARD && ((rc = finished(g, parent, &done, e)) || !done))
		return rc;
	if (adjacent != KC_NO_SHARD && ((rc = finished(g, adjacent, &done, e)) || !done))
		return rc;
	*ok = 1;
	return 0;
}

/*
 * Where a shard starts when it has no checkpoint: a child of shards this
 * consumer read to their ends starts at its trim horizon, as the KCL does,
 * unless those parents were only passed over at from (nothing read); other
 * shards start at from.
 */
static struct kc_iterator initial_position(const struct kc_group *g, uint64_t shard)
{
	static const struct kc_iterator start = { KC_ITER_TRIM_HORIZON, 0, 0 };
	const struct kc_shard_info *sh = kc_stream_shard(g->s, shard);

	for (int k = 0; sh && k < 2; k++) {
		uint64_t p = k ? sh->adjacent : sh->parent;
		if (p == KC_NO_SHARD || !kc_stream_shard(g->s, p))
			continue;
		if (!skipped(g, p))
			return start;
	}
	return g->from;
}

/* Opens a reader after checkpoint st/off (or at the initial position). */
static int open_at(struct kc_group *g, uint64_t shard, enum kc_checkpoint_state st,
		   uint64_t off, struct kc_reader **r, struct kc_error *e)
{
	struct kc_iterator it = initial_position(g, shard);
	int rc;

	if (st == KC_CKPT_SEQUENCE) {
		it.type = KC_ITER_AFTER_SEQUENCE;
		it.offset = off;
	}
	rc = kc_reader_open(g->s, shard, &it, r, e);
	if (rc != -KC_ENOENT || it.type != KC_ITER_AFTER_SEQUENCE)
		return rc;
	/* The checkpointed record was trimmed: go on from the trim horizon. */
	it.type = KC_ITER_TRIM_HORIZON;
	return kc_reader_open(g->s, shard, &it, r, e);
}

/* Takes shard's lease if free: 1 taken, 0 not, or a negative status. */
static int take(struct kc_group *g, uint64_t shard, struct kc_error *e)
{
	enum kc_checkpoint_state st;
	struct kc_reader *r;
	struct lease *l;
	uint64_t off;
	int busy, rc, fd = kc_consumer_lease(g->c, shard, &busy, e);

	if (fd < 0)
		return busy ? 0 : fd;
	/* Another worker may have finished it between our look and the lease. */
	rc = kc_consumer_checkpoint(g->c, shard, &st, &off, e);
	if (!rc && st != KC_CKPT_SHARD_END)
		rc = open_at(g, shard, st, off, &r, e);
	if (rc || st == KC_CKPT_SHARD_END) {
		close(fd);
		return rc;
	}
	g->v = kc_xrealloc(g->v, (g->n + 1) * sizeof(*g->v));
	l = &g->v[g->n++];
	memset(l, 0, sizeof(*l));
	l->index = shard;
	l->fd = fd;
	l->r = r;
	l->started_at_from = st == KC_CKPT_NONE && g->from.type != KC_ITER_TRIM_HORIZON;
	l->from_pos = r->pos;
	l->start_done = !l->started_at_from;
	g->wfd = kc_watch_shard(g->wfd, r->dirpath);
	return 1;
}

/* Reloads the shard map when stream.meta was replaced: 1 if it was. */
static int refresh_map(struct kc_group *g, struct kc_error *e)
{
	struct stat st;
	unsigned long ino = fstatat(g->s->dirfd, KC_META_FILE, &st, 0) ? 0
			    : (unsigned long)st.st_ino;
	int rc;

	if (ino == g->meta_ino)
		return 0;
	if ((rc = kc_stream_reload(g->s, e)))
		return rc;
	g->meta_ino = ino;
	return 1;
}

/*
 * Takes this worker's fair share of the ready shards, ceil(ready/workers),
 * releasing extras with nothing pending so that a worker that joins gets
 * some. Extras with pending records are drained instead: no longer read,
 * they are released by a later rebalance once their records are committed
 * (a caller that always has records in flight would otherwise keep them).
 * Returns 1 when it took a lease or the shard map changed, else 0, or a
 * negative status.
 */
static int rebalance(struct kc_group *g, struct kc_error *e)
{
	size_t ready = 0, workers, target;
	int changed, rc, ok;

	if ((changed = refresh_map(g, e)) < 0)
		return changed;
	g->last_rebalance = kc_now_ms();
	for (size_t i = 0; i < g->s->meta.nshards; i++) {
		const struct kc_shard_info *sh = &g->s->meta.shards[i];
		ok = 1;
		if (!held(g, sh->index) && (rc = eligible(g, sh, &ok, e)))
			return rc;
		ready += (size_t)ok;
	}
	workers = kc_consumer_workers(g->c);
	workers = workers ? workers : 1;
	target = (ready + workers - 1) / workers;
	for (size_t i = g->n; i-- > 0 && g->n > target;)
		if (!g->v[i].pending)
			release(g, i);
	for (size_t i = 0; i < g->n; i++)
		g->v[i].draining = i >= target;
	for (size_t i = 0; i < g->s->meta.nshards && g->n < target; i++) {
		const struct kc_shard_info *sh = &g->s->meta.shards[i];
		if (held(g, sh->index))
			continue;
		if ((rc = eligible(g, sh, &ok, e)))
			return rc;
		if (!ok)
			continue;
		if ((rc = take(g, sh->index, e)) < 0)
			return rc;
		changed |= rc;
	}
	return changed;
}

/* Whether lease l's shard is closed and read to its end. */
static int at_end(const struct kc_group *g, const struct lease *l)
{
	const struct kc_shard_info *sh = kc_stream_shard(g->s, l->index);

	return sh && sh->closed && l->r->pos >= sh->end_offset;
}

/*
 * Lease i's shard is closed, read to its end and committed: checkpoints
 * SHARD_END so that its children can start, and releases it.
 */
static int finish(struct kc_group *g, size_t i, struct kc_error *e)
{
	struct lease *l = &g->v[i];
	int rc;

	if (g->shard_end)
		g->shard_end(g->arg, l->index);
	rc = kc_consumer_set_checkpoint(g->c, l->index, KC_CKPT_SHARD_END, 0, e);
	if (rc)
		return rc;
	if (l->started_at_from && !l->read &&
	    initial_position(g, l->index).type == g->from.type) {
		g->skipped = kc_xrealloc(g->skipped, (g->nskipped + 1) *
					 sizeof(*g->skipped));
		g->skipped[g->nskipped++] = l->index;
	}
	release(g, i);
	g->idle = 0;
	return 0;
}

static int finish_ended(struct kc_group *g, struct kc_error *e)
{
	int rc;

	for (size_t i = g->n; i-- > 0;)
		if (!g->v[i].pending && at_end(g, &g->v[i]) && (rc = finish(g, i, e)))
			return rc;
	return 0;
}

/*
 * With limits emulation each read is a GetRecords call: it needs the
 * shard's read budget (5 calls/s, 2 MiB/s). Returns 0 when l may read, 1
 * while it is throttled, or a negative status.
 */
static int read_budget(struct kc_group *g, struct lease *l, struct kc_error *e)
{
	int64_t now = kc_now_ms(), retry = 0;
	int rc;

	if (!g->s->meta.enforce_limits)
		return 0;
	if (now < l->throttled_until)
		return 1;
	rc = kc_throttle_admit_read(l->r->dirfd, now, &retry, e);
	if (rc == -KC_ETEMP) {
		struct kc_metrics_counts m = { 0 };
		struct kc_error ignore;
		m.read_exceeded = 1;
		kc_metrics_add(l->r->dirfd, now, &m, &ignore);
		l->throttled_until = now + retry;
		return 1;
	}
	if (rc)
		return kc_error_prefix(e, "stream '%s': %s: ", g->s->meta.name,
				       l->r->id);
	return 0;
}

/* Reads one call's worth of lease l: the count, or a negative status. */
static int read_lease(struct kc_group *g, struct lease *l, size_t max_records,
		      size_t max_bytes, kc_group_fn fn, void *arg,
		      struct kc_error *e)
{
	struct kc_metrics_counts m = { 0 };
	struct kc_error ignore;
	struct kc_record rec;
	int64_t last_ms = 0, now;
	size_t n = 0, bytes = 0;
	int rc = 0, stop = 0;

	while ((!n || (n < max_records && bytes < max_bytes)) && !stop &&
	       (rc = kc_reader_next(l->r, &rec, e)) == 1) {
		n++;
		bytes += rec.keylen + rec.datalen;
		last_ms = rec.arrival_ms;
		l->last = rec.offset;
		l->read = l->pending = 1;
		stop = fn(arg, &rec);
	}
	if (rc < 0)
		return rc;
	now = kc_now_ms();
	if (g->s->meta.enforce_limits &&
	    (rc = kc_throttle_charge_read_bytes(l->r->dirfd, now, bytes, e)))
		return rc;
	if (!n)
		return 0;
	m.outgoing_records = n;
	m.outgoing_bytes = bytes;
	m.iterator_age_ms = now > last_ms ? (uint64_t)(now - last_ms) : 0;
	kc_metrics_add(l->r->dirfd, now, &m, &ignore);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* Reads the first held shard in turn that has records. */
static int read_some(struct kc_group *g, size_t max_records, size_t max_bytes,
		     kc_group_fn fn, void *arg, uint64_t *shard,
		     int *throttled, struct kc_error *e)
{
	int rc;

	for (size_t k = 0; k < g->n; k++) {
		size_t i = (g->next + k) % g->n;
		struct lease *l = &g->v[i];
		if (l->draining || at_end(g, l))
			continue;
		if ((rc = read_budget(g, l, e)) < 0)
			return rc;
		if (rc) {
			*throttled = 1;
			continue;
		}
		rc = read_lease(g, l, max_records, max_bytes, fn, arg, e);
		if (rc > 0) {
			*shard = l->index;
			g->next = i + 1;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int kc_group_read(struct kc_group *g, size_t max_records, size_t max_bytes,
		  kc_group_fn fn, void *arg, uint64_t *shard, struct kc_error *e)
{
	int rc, throttled = 0;

	if (kc_now_ms() - g->last_rebalance >= REBALANCE_MS &&
	    (rc = rebalance(g, e)) < 0)
		return rc;
	/* Nothing to read: finish ended shards, rebalance, and look again. */
	do {
		if ((rc = finish_ended(g, e)))
			return rc;
		throttled = 0;
		rc = read_some(g, max_records, max_bytes, fn, arg, shard, &throttled, e);
		if (rc)
			break;
	} while ((rc = rebalance(g, e)) == 1);
	if (rc > 0)
		g->idle = 0;
	else if (rc == 0)
		g->idle = !throttled;
	return rc;
}

int kc_group_commit(struct kc_group *g, uint64_t shard, uint64_t offset,
		    struct kc_error *e)
{
	struct lease *l = held(g, shard);
	char id[32];
	int rc;

	kc_shard_id_format((unsigned long)shard, id);
	if (!l)
		return kc_error_set(e, KC_EUSAGE, "consumer '%s': %s: not held by "
				    "this worker", g->c->name, id);
	if (!l->read || offset > l->last)
		return kc_error_set(e, KC_EUSAGE, "consumer '%s': %s: offset %" PRIu64
				    " was not read", g->c->name, id, offset);
	if (offset == l->last && at_end(g, l))
		return finish(g, (size_t)(l - g->v), e);
	l->start_done = 1;
	rc = kc_consumer_set_checkpoint(g->c, shard, KC_CKPT_SEQUENCE, offset, e);
	if (!rc && offset == l->last)
		l->pending = 0;
	return rc;
}

/*
 * The offset of shard's last record before pos: scans back in time from
 * now in growing steps (1 s, 8 s, 64 s, ...) and finally from the trim
 * horizon, so that a busy shard is not read from its start.
 */
static int last_before(struct kc_group *g, uint64_t shard, uint64_t pos,
		       int *found, uint64_t *off, struct kc_error *e)
{
	int64_t now = kc_now_ms(), back = 1000;
	struct kc_record rec;

	*found = 0;
	for (;;) {
		struct kc_iterator it = { KC_ITER_AT_TIMESTAMP, 0, now - back };
		struct kc_reader *r;
		int rc;

		if (back > ((int64_t)1 << 40))
			it.type = KC_ITER_TRIM_HORIZON;
		rc = kc_reader_open(g->s, shard, &it, &r, e);
		if (rc == -KC_ENOENT)
			return 0;
		if (rc)
			return rc;
		while ((rc = kc_reader_next(r, &rec, e)) == 1 && rec.offset < pos) {
			*found = 1;
			*off = rec.offset;
		}
		kc_reader_close(r);
		if (rc < 0)
			return rc;
		if (*found || it.type == KC_ITER_TRIM_HORIZON)
			return 0;
		back *= 8;
	}
}

int kc_group_commit_start(struct kc_group *g, struct kc_error *e)
{
	for (size_t i = 0; i < g->n; i++) {
		struct lease *l = &g->v[i];
		uint64_t off;
		int found, rc;

		if (l->start_done)
			continue;
		l->start_done = 1;
		if ((rc = last_before(g, l->index, l->from_pos, &found, &off, e)))
			return rc;
		if (found && (rc = kc_consumer_set_checkpoint(g->c, l->index,
							      KC_CKPT_SEQUENCE,
							      off, e)))
			return rc;
	}
	return 0;
}

int kc_group_pending(const struct kc_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].pending)
			return 1;
	return 0;
}

int kc_group_wait(struct kc_group *g, int ms, struct kc_error *e)
{
	int64_t now = kc_now_ms(), until = INT64_MAX;

	(void)e;
	ms = ms < 0 ? 0 : ms;
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].throttled_until > now && g->v[i].throttled_until < until)
			until = g->v[i].throttled_until;
	if (until != INT64_MAX) {
		/* A throttled shard may have records: wait, follow or not. */
		poll(NULL, 0, until - now < ms ? (int)(until - now) : ms);
		return 0;
	}
	if (!g->follow)
		return 0;
	if (g->last_rebalance + REBALANCE_MS - now < ms)
		ms = g->last_rebalance + REBALANCE_MS > now
			? (int)(g->last_rebalance + REBALANCE_MS - now) : 0;
	kc_watch_wait(g->wfd, ms);
	return 0;
}

int kc_group_idle(struct kc_group *g)
{
	return g->idle;
}

int kc_group_open(struct kc_stream *s, const struct kc_group_opts *o,
		  struct kc_group **out, struct kc_error *e)
{
	static const struct kc_iterator start = { KC_ITER_TRIM_HORIZON, 0, 0 };
	struct kc_group *g = kc_xcalloc(1, sizeof(*g));
	int rc;

	g->s = s;
	g->from = o->from ? *o->from : start;
	g->follow = o->follow;
	g->shard_end = o->shard_end;
	g->arg = o->arg;
	g->wfd = o->follow ? kc_watch_stream(s) : -1;
	rc = kc_consumer_open(s, o->name, 1, &g->c, e);
	if (!rc)
		rc = kc_consumer_join(g->c, e);
	if (!rc && (rc = rebalance(g, e)) > 0)
		rc = 0;
	if (rc) {
		kc_group_close(g);
		return rc;
	}
	*out = g;
	return 0;
}

void kc_group_close(struct kc_group *g)
{
	if (!g)
		return;
	while (g->n)
		release(g, g->n - 1);
	free(g->v);
	free(g->skipped);
	kc_consumer_close(g->c);
	if (g->wfd >= 0)
		close(g->wfd);
	free(g);
}
