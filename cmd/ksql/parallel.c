/*
 * parallel.c: data-parallel ad-hoc queries.
 *
 * Each worker thread owns a whole plan bound again from the script (its
 * decoder, register files, row arena, group table, kept rows), so the hot
 * path takes no lock and shares nothing writable; reference tables are
 * shared read-only. Work is handed out in pieces, in input order:
 *   stdin      the main thread reads blocks of CHUNK_BYTES, cuts each after
 *              its last newline (the rest starts the next block) and queues
 *              them; workers take the oldest queued block;
 *   kin stream every shard is cut at its segment boundaries into ranges
 *              [start, end) of logical offsets, up to the shard's published
 *              end when the scan began; workers take the next range and
 *              read it with a shard reader of their own. Sequence numbers
 *              are formatted only when the query reads SEQUENCE_NUMBER.
 * Records the schema discovery sampled were delivered first; worker 0
 * processes them before the threads start, and the stream ranges skip
 * them.
 *
 * Every group a worker creates and every row it keeps is stamped with the
 * input position of the record that made it (piece number << 32 | record
 * within the piece). A worker takes pieces in increasing order, so its
 * stamps increase, and the merge walks the workers' tables together in
 * stamp order: groups (and DISTINCT rows) enter the main plan in the order
 * they first appear in the input, as in a single-threaded run, and LIMIT
 * without ORDER BY and ORDER BY ties keep their single-threaded answers
 * for stdin. Partial aggregates merge (COUNT adds, SUM and AVG add sums and
 * counts, MIN/MAX compare); COUNT(DISTINCT x) merges the (group, value)
 * sets, counting each value once. Sums of DOUBLE add in another order and
 * may differ in the last bits from a single-threaded run, as in any
 * parallel engine.
 *
 * Row errors go to the main plan's error sink under a lock, so the
 * error_stream rows of different workers interleave by whole rows, in no
 * particular order.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "name.h"
#include "parallel.h"
#include "plan.h"
#include "reader.h"
#include "segment.h"
#include "seqno.h"
#include "stream.h"
#include "units.h"
#include "banned.h"

#define CHUNK_BYTES (2u << 20)
#define RANGE_MIN (1u << 20)
#define RANGE_MAX (16u << 20)
#define STAMP(piece, i) ((uint64_t)(piece) << 32 | (uint64_t)(i))

/* A block of stdin holding whole records. */
struct chunk {
	char *data;
	size_t len, cap;
	uint64_t seq;
	int64_t read_ms;
};

/* A range of one shard's records by logical offset. */
struct range {
	uint64_t shard;
	uint64_t start, end;
	uint64_t skip;    /* records below this were sampled */
	int64_t min_ms;   /* records that arrived before are not read */
};

struct par;

struct worker {
	struct par *par;
	int id;
	struct ks_plan p;
	struct ks_input in;
	struct ks_input *inp;
	struct ks_groupby *gb;   /* the query's group-by, or NULL */
	struct ks_result *res;
	pthread_t tid;
	int started;
	uint64_t *stamps;        /* per group (gb) or kept row (res) */
	size_t nstamps, stcap;
	_Atomic uint64_t nread;  /* records, for the progress line */
	char seq[40];
	char shard_id[32];
};

struct par {
	struct ks_plan *main;
	const struct ks_parallel_opts *o;
	struct worker *w;
	int nw;
	pthread_mutex_t mu;          /* guards what follows */
	pthread_cond_t cv_done;
	/* stdin */
	struct kc_buf carry;         /* the start of the next block */
	uint64_t seq;                /* the next block's number */
	int in_eof;                  /* read(2) said so */
	int eof;                     /* and every block was handed out */
	atomic_int abort;            /* an error or a signal: stop (read
				      * without the lock too) */
	int ndone;
	int rc;                      /* the first error */
	struct kc_error err;
	pthread_mutex_t errlock;
	/* a kin stream */
	struct kc_stream *st;
	struct range *ranges;
	size_t nranges, next;
	uint64_t range_bytes;        /* the size ranges are cut to */
	int need_seq;
};

int ks_parallel_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > KS_THREADS_DEFAULT_MAX ? KS_THREADS_DEFAULT_MAX : (int)n;
}

const char *ks_parallel_veto(const struct ks_plan *p)
{
	const struct ks_pump *pu = p->query;
	const struct ks_input *in;
	size_t i;

	if (!p->adhoc || !pu || !pu->result)
		return "only ad-hoc queries run in parallel";
	if (p->npumps != 1)
		return "a table function reads its input in order";
	if (p->ninputs != 1)
		return "a query of several inputs reads them in turn";
	in = p->inputs[0];
	if (in->empty)
		return "the input is empty";
	if (in->done)
		return "the whole input was read to discover its schema";
	if (pu->mode == KS_PUMP_SLIDE)
		return "sliding windows need input order";
	if (pu->gb) {
		if (pu->gb->time_key >= 0)
			return "a monotonic GROUP BY key needs input order";
		for (i = 0; i < pu->gb->naggs; i++)
			if (pu->gb->aggs[i].fn == KS_AGG_FIRST ||
			    pu->gb->aggs[i].fn == KS_AGG_LAST)
				return "FIRST_VALUE and LAST_VALUE need input order";
		return NULL;
	}
	if (!pu->result->norder && !pu->result->distinct)
		return "rows come out in input order";
	if (!pu->result->norder && pu->result->limit >= 0)
		return "DISTINCT with LIMIT stops at the first rows in input order";
	return NULL;
}

void ks_parallel_explain(const struct ks_plan *p, int threads,
			 struct kc_buf *out)
{
	const char *why = ks_parallel_veto(p);
	int stream;

	if (!p->adhoc)
		return;
	if (threads < 2) {
		kc_buf_adds(out, "parallel: 1 thread (--threads 1)\n");
		return;
	}
	if (why) {
		kc_buf_addf(out, "parallel: 1 thread: %s\n", why);
		return;
	}
	stream = strcmp(p->inputs[0]->source, "-") != 0;
	kc_buf_addf(out, "parallel: %d threads, each reading %s; %s merged at "
		    "the end in input order\n", threads,
		    stream ? "ranges of the shards' segments"
			   : "blocks of whole lines of stdin",
		    p->query->gb ? "partial aggregates" : "kept rows");
}

/* ---- workers' plans ---- */

static void fail(struct par *par, int rc, const struct kc_error *e)
{
	pthread_mutex_lock(&par->mu);
	if (!par->rc) {
		par->rc = rc;
		par->err = *e;
	}
	par->abort = 1;
	pthread_mutex_unlock(&par->mu);
}

/*
 * Binds the script again into w's own plan over a copy of the main input
 * (same schema, its own stream row and decoder). The main plan bound, so
 * this binds too.
 */
static int worker_init(struct par *par, struct worker *w,
		       const struct ks_script *s, struct kc_error *e)
{
	struct ks_plan *mp = par->main, *p = &w->p;
	const struct ks_input *min = mp->inputs[0];
	struct ks_stream *st;
	struct ks_perror pe;
	unsigned char *used;
	size_t i, j;

	memset(&pe, 0, sizeof(pe));
	w->par = par;
	w->in = *min;
	w->in.stream = NULL;
	w->in.dec = NULL;
	w->in.src = NULL;
	w->in.row = NULL;
	w->in.pos = NULL;
	w->in.npos = 0;
	w->in.committed = NULL;
	w->in.ncommitted = 0;
	w->in.consumer = 0;
	w->in.nrecords = 0;
	w->in.samples = NULL;
	w->in.nsamples = 0;
	memset(&w->in.sample_data, 0, sizeof(w->in.sample_data));
	w->inp = &w->in;
	p->adhoc = 1;
	p->inputs = &w->inp;
	p->ninputs = 1;
	p->tables = mp->tables;
	p->ntables = mp->ntables;
	ks_arena_init(&p->arena);
	ks_arena_init(&p->carena);
	p->ctx.arena = &p->arena;
	p->ctx.err = &p->rowerr;
	p->ctx.now_ms = mp->ctx.now_ms;
	if (ks_bind(p, s, &pe) || !p->query || !p->result)
		return kc_error_set(e, KC_EFAIL, "worker %d: the query did not "
				    "bind again: %s", w->id, pe.msg);
	st = w->in.stream;
	used = kc_xcalloc(w->in.schema.ncols + 1, 1);
	memcpy(used, st->used, st->nuser);
	if (w->in.rowtime_col >= 0)
		used[w->in.rowtime_col] = 1;
	w->in.dec = ks_decoder_new(&w->in.schema, used);
	free(used);
	w->in.row = kc_xcalloc(st->ncols + 1, sizeof(*w->in.row));
	for (i = 0; i < p->npumps; i++) {
		for (j = 0; j < p->pumps[i]->njoins; j++)
			ks_join_build(&p->pumps[i]->joins[j]);
		if (p->pumps[i]->result)
			p->pumps[i]->trow = kc_xcalloc(p->pumps[i]->nout +
						       p->pumps[i]->nhidden + 1,
						       sizeof(struct ks_value));
	}
	ks_arena_init(&p->result->arena);
	p->result->sink = NULL; /* keep rows for the merge */
	p->errsink = mp->errsink;
	p->errlock = &par->errlock;
	w->gb = p->query->gb;
	w->res = p->result;
	return 0;
}

static void worker_release(struct worker *w)
{
	ks_plan_release(&w->p);
	ks_decoder_free(w->in.dec);
	free(w->in.row);
	free(w->in.pos);
	free(w->stamps);
}

/* Processes one record; stamps what it created. 0, or -1 to stop. */
static inline int work_record(struct worker *w, const char *data, size_t n,
			      const struct ks_meta *m, uint64_t stamp)
{
	size_t made;

	ks_plan_record(&w->p, &w->in, data, n, m);
	made = w->gb ? w->gb->tab.n : w->res->nrows;
	if (made > w->nstamps) {
		if (made > w->stcap) {
			w->stcap = made > 2 * w->stcap ? made : 2 * w->stcap;
			w->stamps = kc_xrealloc(w->stamps,
						w->stcap * sizeof(*w->stamps));
		}
		while (w->nstamps < made)
			w->stamps[w->nstamps++] = stamp;
	}
	return w->p.failed ? -1 : 0;
}

/* The records discovery sampled, first of all (piece 0), by worker 0. */
static void replay_samples(struct worker *w, struct ks_input *min)
{
	size_t i;

	for (i = 0; i < min->nsamples; i++) {
		const struct ks_sample *s = &min->samples[i];
		struct ks_meta m = s->m;

		m.partition_key = min->sample_data.data + s->pk_off;
		m.sequence_number = min->sample_data.data + s->seq_off;
		m.shard_id = min->sample_data.data + s->shard_off;
		w->in.read_ms = s->m.arrival_ms;
		if (work_record(w, min->sample_data.data + s->off, s->n, &m,
				STAMP(0, i)))
			break;
	}
}

static void worker_done(struct worker *w)
{
	struct par *par = w->par;

	pthread_mutex_lock(&par->mu);
	par->ndone++;
	if (w->p.failed)
		par->abort = 1;
	pthread_cond_signal(&par->cv_done);
	pthread_mutex_unlock(&par->mu);
}

static uint64_t records_read(struct par *par)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < par->nw; i++)
		n += atomic_load_explicit(&par->w[i].nread, memory_order_relaxed);
	return n;
}

/* The progress line (main thread only). */
static void progress(struct par *par, int end)
{
	if (par->o->progress)
		ks_progress(records_read(par), end);
}

/* ---- stdin ---- */

static void chunk_records(struct worker *w, const struct chunk *c)
{
	struct ks_meta m = { "", 0, "", "", c->read_ms, 0, 0 };
	const char *p = c->data, *end = c->data + c->len;
	uint32_t i = 0;

	w->in.read_ms = c->read_ms;
	while (p < end) {
		const char *q = memchr(p, '\n', (size_t)(end - p));
		const char *next = q ? q + 1 : end;
		size_t len = (size_t)((q ? q : end) - p);

		/* as source.c: blank lines are not records */
		if (len && !(len == 1 && *p == '\r')) {
			m.offset++;
			if (work_record(w, p, len, &m, STAMP(c->seq, i++)))
				break;
		}
		p = next;
	}
	atomic_fetch_add_explicit(&w->nread, i, memory_order_relaxed);
}

/*
 * Fills c with the next block of stdin, cut after its last newline (the
 * rest is carried to the next block), holding par->mu: reading is serial,
 * parsing is not, and the block is parsed by the thread that read it,
 * while it is in that core's cache. 1 with a block, 0 at the end.
 */
static int next_block(struct par *par, struct chunk *c)
{
	struct kc_error e;
	const char *nl;
	size_t cut, want = CHUNK_BYTES;

	if (par->eof || par->abort || *par->o->stop)
		return 0;
	if (par->carry.len + CHUNK_BYTES > c->cap) {
		c->cap = par->carry.len + CHUNK_BYTES;
		c->data = kc_xrealloc(c->data, c->cap);
	}
	memcpy(c->data, par->carry.data, par->carry.len);
	c->len = par->carry.len;
	kc_buf_reset(&par->carry);
	for (;;) {
		while (!par->in_eof && c->len < want) {
			struct pollfd pfd = { 0, POLLIN, 0 };
			ssize_t r;

			/* a stop signal is seen within 200 ms on a quiet pipe */
			if (*par->o->stop)
				return 0;
			if (poll(&pfd, 1, 200) == 0)
				continue;
			r = read(0, c->data + c->len, c->cap - c->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				kc_error_errno(&e, KC_EIO, errno, "read");
				par->rc = -KC_EIO;
				par->err = e;
				par->abort = 1;
				return 0;
			}
			if (r == 0)
				par->in_eof = 1;
			c->len += (size_t)r;
		}
		if (par->in_eof || memrchr(c->data, '\n', c->len))
			break;
		/* one record longer than a block: a bigger block */
		c->cap *= 2;
		c->data = kc_xrealloc(c->data, c->cap);
		want = c->cap;
	}
	cut = c->len;
	if (!par->in_eof && (nl = memrchr(c->data, '\n', c->len))) {
		cut = (size_t)(nl - c->data) + 1;
		kc_buf_add(&par->carry, c->data + cut, c->len - cut);
	}
	if (par->in_eof)
		par->eof = 1;
	c->len = cut;
	c->seq = par->seq++;
	c->read_ms = kc_now_ms();
	return 1;
}

static void *stdin_worker(void *arg)
{
	struct worker *w = arg;
	struct par *par = w->par;
	struct chunk c;

	memset(&c, 0, sizeof(c));
	for (;;) {
		int got;

		pthread_mutex_lock(&par->mu);
		got = !w->p.failed && next_block(par, &c);
		pthread_mutex_unlock(&par->mu);
		if (!got)
			break;
		chunk_records(w, &c);
	}
	free(c.data);
	worker_done(w);
	return NULL;
}

/* ---- kin streams ---- */

/* A starting position as source.c reads it (ad-hoc: TRIM_HORIZON). */
static int parse_start(const char *s, struct kc_iterator *it,
		       struct kc_error *e)
{
	memset(it, 0, sizeof(*it));
	if (!s || !strcasecmp(s, "TRIM_HORIZON")) {
		it->type = KC_ITER_TRIM_HORIZON;
	} else if (!strcasecmp(s, "LATEST") || !strcasecmp(s, "NOW")) {
		it->type = KC_ITER_LATEST;
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

static void add_range(struct par *par, uint64_t shard, uint64_t start,
		      uint64_t end, uint64_t skip, int64_t min_ms)
{
	if (start >= end)
		return;
	par->ranges = kc_xrealloc(par->ranges, (par->nranges + 1) *
				  sizeof(*par->ranges));
	par->ranges[par->nranges++] = (struct range){ shard, start, end, skip,
						      min_ms };
}

/* Whether a valid frame starts at logical offset off of segment base. */
static int frame_at(int segfd, uint32_t salt, uint64_t base, uint64_t off,
		    struct kc_buf *b)
{
	off_t at = (off_t)(off - base + KC_SEG_HDR);
	struct kc_record rec;
	const char *why;
	size_t n, need;

	kc_buf_reset(b);
	kc_buf_grow(b, KC_FRAME_HDR);
	if (pread(segfd, b->data, KC_FRAME_HDR, at) != KC_FRAME_HDR)
		return 0;
	n = kc_frame_size_at(b->data);
	if (n < KC_FRAME_HDR || n > KC_FRAME_MAX)
		return 0;
	kc_buf_grow(b, n);
	if (pread(segfd, b->data, n, at) != (ssize_t)n)
		return 0;
	return kc_frame_decode(b->data, n, salt, off, &rec, &need, &why) > 0;
}

/*
 * Adds [lo, hi) of segment base as ranges of about range_bytes, cut where
 * the segment's time index names a frame (checked: the index is a hint),
 * so that a stream of one shard and one segment is read in parallel too.
 */
static void add_segment(struct par *par, const struct kc_reader *r,
			uint64_t base, uint64_t lo, uint64_t hi, uint64_t skip)
{
	struct kc_buf b = KC_BUF_INIT;
	struct kc_error e;
	char name[32], ent[KC_INDEX_ENTRY];
	uint32_t salt;
	off_t at;
	int fd, segfd = -1;

	uint64_t rb = par->range_bytes;

	if (hi - lo < 2 * rb)
		goto rest;
	kc_segment_name(base, KC_INDEX_SUFFIX, name);
	fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto rest;
	segfd = kc_segment_open(r->dirfd, base, r->shard, O_RDONLY, &salt, &e);
	for (at = 0; segfd >= 0 && pread(fd, ent, sizeof(ent), at) ==
		     (ssize_t)sizeof(ent); at += KC_INDEX_ENTRY) {
		uint64_t off = kc_get64(ent + 8);

		if (off < lo + rb || off + rb / 2 > hi)
			continue;
		if (!frame_at(segfd, salt, base, off, &b))
			continue;
		add_range(par, r->shard, lo, off, skip, r->min_ms);
		lo = off;
	}
	close(fd);
	if (segfd >= 0)
		close(segfd);
	kc_buf_release(&b);
rest:
	add_range(par, r->shard, lo, hi, skip, r->min_ms);
}

/*
 * Cuts shard index into ranges: from where the query's starting position
 * puts a reader to the shard's published end now, at every segment base
 * and within segments.
 */
static int plan_shard(struct par *par, const struct kc_iterator *it,
		      uint64_t index, uint64_t skip, uint64_t *total,
		      struct kc_error *e)
{
	struct kc_reader *r;
	struct kc_tail t;
	uint64_t *bases = NULL, start;
	size_t n = 0, i;
	int rc;

	rc = kc_reader_open(par->st, index, it, &r, e);
	if (rc == -KC_ENOENT)
		return 0; /* trimmed away entirely, as source.c */
	if (rc)
		return rc;
	start = r->pos; /* (skip need not be a frame's offset) */
	if ((rc = kc_tail_read(r->tailfd, &t, e)))
		goto out;
	if (total) {
		/* the first pass only measures */
		*total += t.end > start ? t.end - start : 0;
		goto out;
	}
	if ((rc = kc_segment_list(r->dirfd, &bases, &n, e)))
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t lo = bases[i] > start ? bases[i] : start;
		uint64_t hi = i + 1 < n && bases[i + 1] < t.end ? bases[i + 1]
								: t.end;

		if (lo < hi)
			add_segment(par, r, bases[i], lo, hi, skip);
	}
out:
	free(bases);
	kc_reader_close(r);
	return rc;
}

static int plan_stream(struct par *par, struct ks_input *in,
		       struct kc_error *e)
{
	struct kc_iterator it;
	uint64_t total = 0;
	size_t i, k;
	int rc;

	if ((rc = parse_start(par->o->start, &it, e)) ||
	    (rc = kc_stream_open(par->o->root, in->source, &par->st, e)))
		return rc;
	/* ranges: 8 per worker, 1 to 16 MiB (a reader's start-up is small
	 * next to reading 1 MiB) */
	for (i = 0; i < par->st->meta.nshards; i++)
		if ((rc = plan_shard(par, &it, par->st->meta.shards[i].index, 0,
				     &total, e)))
			return rc;
	par->range_bytes = total / (8 * (uint64_t)par->nw);
	if (par->range_bytes < RANGE_MIN)
		par->range_bytes = RANGE_MIN;
	if (par->range_bytes > RANGE_MAX)
		par->range_bytes = RANGE_MAX;
	for (i = 0; i < par->st->meta.nshards; i++) {
		uint64_t index = par->st->meta.shards[i].index, skip = 0;

		for (k = 0; k < in->nsamples; k++)
			if (in->samples[k].m.shard == index &&
			    in->samples[k].m.offset + 1 > skip)
				skip = in->samples[k].m.offset + 1;
		if ((rc = plan_shard(par, &it, index, skip, NULL, e)))
			return rc;
	}
	return 0;
}

/* Reads range k (piece k + 1). */
static int read_range(struct worker *w, size_t k, struct kc_error *e)
{
	struct par *par = w->par;
	const struct range *g = &par->ranges[k];
	struct kc_iterator it = { KC_ITER_AT_SEQUENCE, g->start, 0 };
	struct kc_reader *r;
	struct kc_record rec;
	struct ks_meta m;
	uint32_t i = 0;
	int rc;

	if ((rc = kc_reader_open(par->st, g->shard, &it, &r, e)))
		return rc;
	if (r->min_ms < g->min_ms)
		r->min_ms = g->min_ms;
	kc_shard_id_format((unsigned long)g->shard, w->shard_id);
	memset(&m, 0, sizeof(m));
	m.sequence_number = "";
	m.shard_id = w->shard_id;
	while ((rc = kc_reader_next(r, &rec, e)) == 1) {
		if (rec.offset >= g->end)
			break;
		if (rec.offset < g->skip)
			continue;
		m.partition_key = rec.key;
		m.pklen = rec.keylen;
		if (par->need_seq) {
			kc_seqno_format(rec.shard, rec.offset, w->seq);
			m.sequence_number = w->seq;
		}
		m.arrival_ms = rec.arrival_ms;
		m.shard = rec.shard;
		m.offset = rec.offset;
		w->in.read_ms = rec.arrival_ms;
		if (work_record(w, rec.data, rec.datalen, &m, STAMP(k + 1, i)))
			break;
		if ((++i & 4095) == 0) {
			atomic_fetch_add_explicit(&w->nread, 4096,
						  memory_order_relaxed);
			if (*par->o->stop || par->abort)
				break;
		}
	}
	atomic_fetch_add_explicit(&w->nread, i & 4095, memory_order_relaxed);
	kc_reader_close(r);
	return rc < 0 ? rc : 0;
}

static void *stream_worker(void *arg)
{
	struct worker *w = arg;
	struct par *par = w->par;
	struct kc_error e;

	for (;;) {
		size_t k;
		int rc;

		pthread_mutex_lock(&par->mu);
		k = par->next;
		if (par->abort || *par->o->stop || w->p.failed)
			k = par->nranges;
		if (k < par->nranges)
			par->next++;
		pthread_mutex_unlock(&par->mu);
		if (k >= par->nranges)
			break;
		if ((rc = read_range(w, k, &e))) {
			fail(par, rc, &e);
			break;
		}
	}
	worker_done(w);
	return NULL;
}

/* ---- merging ---- */

/* Adds partial state s of aggregate a to d. 0, or -1 with a row error. */
static int merge_agg(const struct ks_aggcall *a, struct ks_aggst *d,
		     const struct ks_aggst *s, struct ks_eval_ctx *x)
{
	switch (a->fn) {
	case KS_AGG_COUNT_STAR:
	case KS_AGG_COUNT:
		d->n += s->n;
		return 0;
	case KS_AGG_SUM:
	case KS_AGG_AVG:
		if (!s->has)
			return 0;
		if (a->argt.t == KS_T_REAL || a->argt.t == KS_T_DOUBLE)
			d->s.d += s->s.d;
		else if (__builtin_add_overflow(d->s.i, s->s.i, &d->s.i))
			return ks_rowerr_set(x->err, KS_ERR_OVERFLOW,
					     "%s: overflow", ks_agg_name(a->fn));
		d->n += s->n;
		d->has = 1;
		return 0;
	case KS_AGG_MIN:
	case KS_AGG_MAX:
		/* a step with the other's value: compare, copy strings */
		return s->has ? ks_agg_step(a, d, &s->v, 1, x) : 0;
	default:
		return 0; /* FIRST_VALUE/LAST_VALUE never run in parallel */
	}
}

static void merge_error(struct ks_plan *mp)
{
	ks_plan_error(mp, mp->rowerr.name ? mp->rowerr.name : KS_ERR_FUNCTION,
		      mp->rowerr.msg, INT64_MIN, NULL, 0, 0, NULL);
}

/* The worker whose next stamp is the least, or -1 when all are done. */
static int next_worker(struct par *par, const size_t *pos, int groups)
{
	int best = -1, i;

	for (i = 0; i < par->nw; i++) {
		const struct worker *w = &par->w[i];
		size_t n = groups ? w->gb->tab.n : w->res->nrows;

		if (pos[i] < n && (best < 0 || w->stamps[pos[i]] <
				   par->w[best].stamps[pos[best]]))
			best = i;
	}
	return best;
}

static void merge_groups(struct par *par)
{
	struct ks_plan *mp = par->main;
	struct ks_groupby *gb = mp->query->gb;
	size_t *pos = kc_xcalloc((size_t)par->nw, sizeof(*pos));
	long **map = kc_xcalloc((size_t)par->nw, sizeof(*map));
	size_t a, j;
	int i;

	for (i = 0; i < par->nw; i++) {
		map[i] = kc_xcalloc(par->w[i].gb->tab.n + 1, sizeof(**map));
		if (par->w[i].gb->max_rowtime > gb->max_rowtime)
			gb->max_rowtime = par->w[i].gb->max_rowtime;
	}
	while ((i = next_worker(par, pos, 1)) >= 0) {
		const struct ks_gtab *wt = &par->w[i].gb->tab;
		size_t wi = pos[i]++;
		struct ks_aggst *d;
		const struct ks_aggst *s;
		uint64_t h;
		long gi;
		int created;

		memcpy(&h, wt->ents + wi * wt->esize, 8);
		gi = ks_gtab_find(&gb->tab, ks_gtab_keys(wt, wi), h, 1, &created);
		map[i][wi] = gi;
		d = ks_gtab_payload(&gb->tab, (size_t)gi);
		s = ks_gtab_payload(wt, wi);
		for (a = 0; a < gb->naggs; a++)
			if (!gb->aggs[a].distinct &&
			    merge_agg(&gb->aggs[a], &d[a], &s[a], &mp->ctx))
				merge_error(mp);
		gb->open = 1;
	}
	/* COUNT(DISTINCT x): each (group, value) pair counts once */
	for (a = 0; a < gb->naggs; a++) {
		if (!gb->aggs[a].distinct)
			continue;
		for (i = 0; i < par->nw; i++) {
			const struct ks_gtab *ws = &par->w[i].gb->dsets[a];

			for (j = 0; j < ws->n; j++) {
				struct ks_value dk[2];
				struct ks_aggst *d;
				int made;

				memcpy(dk, ks_gtab_keys(ws, j), sizeof(dk));
				dk[0].u.i = map[i][dk[0].u.i];
				ks_gtab_find(&gb->dsets[a], dk,
					     ks_gtab_hash(&gb->dsets[a], dk), 1,
					     &made);
				if (!made)
					continue;
				d = ks_gtab_payload(&gb->tab, (size_t)dk[0].u.i);
				if (ks_agg_step(&gb->aggs[a], &d[a], &dk[1], 1,
						&mp->ctx))
					merge_error(mp);
			}
		}
	}
	for (i = 0; i < par->nw; i++)
		free(map[i]);
	free(map);
	free(pos);
}

/* Kept rows (DISTINCT, ORDER BY) go through the main result in order. */
static void merge_rows(struct par *par)
{
	struct ks_plan *mp = par->main;
	size_t *pos = kc_xcalloc((size_t)par->nw, sizeof(*pos));
	int i;

	while (!mp->failed && (i = next_worker(par, pos, 0)) >= 0) {
		const struct ks_result *r = par->w[i].res;
		size_t k = pos[i]++;

		ks_result_row(mp, mp->result, &r->rows[k * (r->nout + r->nhidden)],
			      r->rowtimes[k]);
	}
	free(pos);
}

/* ---- running ---- */

int ks_parallel_run(struct ks_plan *mp, const struct ks_script *s,
		    const struct ks_parallel_opts *o, struct kc_error *e)
{
	struct ks_input *in = mp->inputs[0];
	int stream = strcmp(in->source, "-") != 0;
	struct par par;
	sigset_t block, old;
	int i, rc = 0;

	memset(&par, 0, sizeof(par));
	atomic_init(&par.abort, 0);
	par.main = mp;
	par.o = o;
	par.nw = o->threads;
	pthread_mutex_init(&par.mu, NULL);
	pthread_mutex_init(&par.errlock, NULL);
	pthread_cond_init(&par.cv_done, NULL);
	par.w = kc_xcalloc((size_t)par.nw, sizeof(*par.w));
	if (stream) {
		struct ks_stream *ist = in->stream;

		par.need_seq = ist->ncols > ist->nuser + 3 &&
			       ist->used[ist->nuser + 3];
		if ((rc = plan_stream(&par, in, e)))
			goto out;
	} else {
		const char *p;
		size_t n;

		/* what the source read ahead while the schema was discovered */
		par.in_eof = ks_source_unread(in->src, &p, &n);
		kc_buf_add(&par.carry, p, n);
		par.seq = 1;
	}
	for (i = 0; i < par.nw; i++) {
		par.w[i].id = i;
		if ((rc = worker_init(&par, &par.w[i], s, e)))
			goto out;
	}
	replay_samples(&par.w[0], in);
	/* signals reach the main thread, whose reads they interrupt */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < par.nw && !par.w[0].p.failed; i++) {
		if (pthread_create(&par.w[i].tid, NULL, stream ? stream_worker
							      : stdin_worker,
				   &par.w[i])) {
			kc_error_set(e, KC_EFAIL, "cannot start a thread");
			fail(&par, -KC_EFAIL, e);
			break;
		}
		par.w[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	{
		int started = 0;

		for (i = 0; i < par.nw; i++)
			started += par.w[i].started;
		pthread_mutex_lock(&par.mu);
		while (par.ndone < started) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&par.cv_done, &par.mu, &ts);
			pthread_mutex_unlock(&par.mu);
			progress(&par, 0);
			pthread_mutex_lock(&par.mu);
		}
		pthread_mutex_unlock(&par.mu);
	}
	for (i = 0; i < par.nw; i++)
		if (par.w[i].started)
			pthread_join(par.w[i].tid, NULL);
	progress(&par, 1);
	if (o->verbose && stream)
		fprintf(stderr, "ksql: %d threads read %zu ranges of %zu "
			"shard%s\n", par.nw, par.nranges, par.st->meta.nshards,
			par.st->meta.nshards == 1 ? "" : "s");
	else if (o->verbose)
		fprintf(stderr, "ksql: %d threads read %llu blocks of stdin\n",
			par.nw, (unsigned long long)(par.seq - 1));
	for (i = 0; i < par.nw; i++) {
		mp->nerrors += par.w[i].p.nerrors;
		in->nrecords += par.w[i].in.nrecords;
		if (par.w[i].p.failed && !mp->failed) {
			mp->failed = 1;
			mp->err = par.w[i].p.err;
		}
	}
	if (par.rc) {
		rc = par.rc;
		*e = par.err;
		goto out;
	}
	if (mp->failed)
		goto out;
	if (mp->query->gb)
		merge_groups(&par);
	else
		merge_rows(&par);
out:
	for (i = 0; i < par.nw; i++)
		if (par.w[i].par)
			worker_release(&par.w[i]);
	free(par.w);
	kc_buf_release(&par.carry);
	free(par.ranges);
	kc_stream_close(par.st);
	pthread_cond_destroy(&par.cv_done);
	pthread_mutex_destroy(&par.errlock);
	pthread_mutex_destroy(&par.mu);
	return rc;
}
