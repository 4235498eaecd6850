/* consume.c: named consumers: share shards by lease, deliver, checkpoint. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consume.h"
#include "consumer.h"
#include "file.h"
#include "metrics.h"
#include "name.h"
#include "seqno.h"
#include "throttle.h"
#include "units.h"
#include "banned.h"

#define REBALANCE_MS 500

/* A shard this process holds the lease of. */
struct lease {
	uint64_t index;
	int fd;
	struct kc_reader *r;
	int started_at_from;     /* no checkpoint: opened at --from */
	int delivered;           /* a batch of it was delivered */
};

static struct consume {
	struct kc_stream *s;
	const struct kget_consume_opts *o;
	struct kc_consumer *c;
	struct lease *v;
	size_t n;
	int wfd;
	unsigned long meta_ino;
	struct kc_buf batch;
	uint64_t count;
	int64_t last_rebalance;
	uint64_t *skipped;       /* shards ended at --from without a record */
	size_t nskipped;
} cs;

static int skipped(uint64_t shard)
{
	for (size_t i = 0; i < cs.nskipped; i++)
		if (cs.skipped[i] == shard)
			return 1;
	return 0;
}

static void fail(const struct kc_error *e)
{
	kc_cli_fail(e);
}

static enum kc_checkpoint_state checkpoint_of(uint64_t shard, uint64_t *offset)
{
	enum kc_checkpoint_state st;
	struct kc_error e;

	if (kc_consumer_checkpoint(cs.c, shard, &st, offset, &e))
		fail(&e);
	return st;
}

static int finished(uint64_t shard)
{
	uint64_t off;

	return !kc_stream_shard(cs.s, shard) || checkpoint_of(shard, &off) == KC_CKPT_SHARD_END;
}

/* A shard is ready when it is not finished and its parents are. */
static int eligible(const struct kc_shard_info *sh)
{
	uint64_t off;

	if (checkpoint_of(sh->index, &off) == KC_CKPT_SHARD_END)
		return 0;
	if (sh->parent != KC_NO_SHARD && !finished(sh->parent))
		return 0;
	return sh->adjacent == KC_NO_SHARD || finished(sh->adjacent);
}

static struct lease *held(uint64_t shard)
{
	for (size_t i = 0; i < cs.n; i++)
		if (cs.v[i].index == shard)
			return &cs.v[i];
	return NULL;
}

static void release(size_t i)
{
	kc_reader_close(cs.v[i].r);
	close(cs.v[i].fd);
	cs.v[i] = cs.v[--cs.n];
}

/*
 * Where a shard starts when it has no checkpoint: a child of shards this
 * consumer read to their ends starts at its trim horizon, as the KCL does,
 * unless those parents were only passed over at --from (nothing delivered);
 * other shards start at --from.
 */
static struct kc_iterator initial_position(uint64_t shard)
{
	static const struct kc_iterator start = { KC_ITER_TRIM_HORIZON, 0, 0 };
	const struct kc_shard_info *sh = kc_stream_shard(cs.s, shard);

	for (int k = 0; sh && k < 2; k++) {
		uint64_t p = k ? sh->adjacent : sh->parent;
		if (p == KC_NO_SHARD || !kc_stream_shard(cs.s, p))
			continue;
		if (!skipped(p))
			return start;
	}
	return *cs.o->from;
}

/* Opens a reader after the checkpoint (or at its initial position). */
static struct kc_reader *open_at_checkpoint(uint64_t shard)
{
	struct kc_iterator it = initial_position(shard);
	struct kc_reader *r;
	struct kc_error e;
	uint64_t off;
	int rc;

	if (checkpoint_of(shard, &off) == KC_CKPT_SEQUENCE) {
		it.type = KC_ITER_AFTER_SEQUENCE;
		it.offset = off;
	}
	rc = kc_reader_open(cs.s, shard, &it, &r, &e);
	if (rc == 0)
		return r;
	if (it.type != KC_ITER_AFTER_SEQUENCE || rc != -KC_ENOENT)
		fail(&e);
	/* The checkpointed record was trimmed: go on from the trim horizon. */
	it.type = KC_ITER_TRIM_HORIZON;
	if (kc_reader_open(cs.s, shard, &it, &r, &e))
		fail(&e);
	return r;
}

static int take(uint64_t shard)
{
	struct kc_error e;
	uint64_t off;
	int busy, fd = kc_consumer_lease(cs.c, shard, &busy, &e);

	if (fd < 0) {
		if (!busy)
			fail(&e);
		return 0;
	}
	/* Another worker may have finished it between our look and the lease. */
	if (checkpoint_of(shard, &off) == KC_CKPT_SHARD_END) {
		close(fd);
		return 0;
	}
	cs.v = kc_xrealloc(cs.v, (cs.n + 1) * sizeof(*cs.v));
	cs.v[cs.n].index = shard;
	cs.v[cs.n].fd = fd;
	cs.v[cs.n].started_at_from = checkpoint_of(shard, &off) == KC_CKPT_NONE &&
				     cs.o->from->type != KC_ITER_TRIM_HORIZON;
	cs.v[cs.n].delivered = 0;
	cs.v[cs.n].r = open_at_checkpoint(shard);
	cs.wfd = kget_watch_shard(cs.wfd, cs.v[cs.n].r->dirpath);
	cs.n++;
	return 1;
}

static void refresh_map(void)
{
	struct kc_error e;
	struct stat st;
	unsigned long ino = fstatat(cs.s->dirfd, KC_META_FILE, &st, 0) ? 0
			    : (unsigned long)st.st_ino;

	if (ino == cs.meta_ino)
		return;
	cs.meta_ino = ino;
	if (kc_stream_reload(cs.s, &e))
		fail(&e);
}

/*
 * Takes this worker's fair share of the ready shards: ceil(ready/workers),
 * releasing extras so that a worker that joins gets some. Returns whether
 * a new lease was taken.
 */
static int rebalance(void)
{
	size_t ready = 0, workers, target;
	int took = 0;

	refresh_map();
	cs.last_rebalance = kc_now_ms();
	for (size_t i = 0; i < cs.s->meta.nshards; i++)
		ready += eligible(&cs.s->meta.shards[i]) || held(cs.s->meta.shards[i].index);
	workers = kc_consumer_workers(cs.c);
	workers = workers ? workers : 1;
	target = (ready + workers - 1) / workers;
	while (cs.n > target)
		release(cs.n - 1);
	for (size_t i = 0; i < cs.s->meta.nshards && cs.n < target; i++) {
		const struct kc_shard_info *sh = &cs.s->meta.shards[i];
		if (!held(sh->index) && eligible(sh))
			took |= take(sh->index);
	}
	return took;
}

static void set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1))
		_exit(126);
}

/* Runs --exec once with the batch on its stdin; returns its wait status. */
static int run_exec(const struct lease *l, uint64_t first, uint64_t last,
		    size_t records, unsigned attempt)
{
	char id[32], a[40], b[40], num[32];
	int p[2], status = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		kc_shard_id_format((unsigned long)l->index, id);
		kc_seqno_format(l->index, first, a);
		kc_seqno_format(l->index, last, b);
		set_env("KIN_STREAM", cs.s->meta.name);
		set_env("KIN_CONSUMER", cs.c->name);
		set_env("KIN_SHARD_ID", id);
		set_env("KIN_FIRST_SEQUENCE_NUMBER", a);
		set_env("KIN_LAST_SEQUENCE_NUMBER", b);
		snprintf(num, sizeof(num), "%zu", records);
		set_env("KIN_RECORDS", num);
		snprintf(num, sizeof(num), "%u", attempt);
		set_env("KIN_ATTEMPT", num);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], STDIN_FILENO) < 0)
			_exit(126);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", cs.o->exec, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* A command that does not read all its input is its own business. */
	kc_write_all(p[1], cs.batch.data, cs.batch.len);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Delivers the batch: to stdout, or through --exec with retries. */
static void deliver(const struct lease *l, uint64_t first, uint64_t last,
		    size_t records)
{
	struct kc_error e;
	int status = 0;

	if (!cs.o->exec) {
		kc_cli_flush(cs.o->cli, &cs.batch);
		return;
	}
	for (unsigned attempt = 1; attempt <= cs.o->max_retries + 1; attempt++) {
		status = run_exec(l, first, last, records, attempt);
		if (status == 0) {
			kc_buf_reset(&cs.batch);
			return;
		}
		if (attempt <= cs.o->max_retries)
			usleep((useconds_t)(100000u << (attempt < 6 ? attempt - 1 : 5)));
	}
	{
		char id[32], a[40], b[40];
		kc_shard_id_format((unsigned long)l->index, id);
		kc_seqno_format(l->index, first, a);
		kc_seqno_format(l->index, last, b);
		kc_error_set(&e, KC_EFAIL,
			     "--exec: '%s' failed (%s %d) for %s records %s..%s after "
			     "%u attempts; not checkpointed", cs.o->exec,
			     WIFEXITED(status) ? "exit status" : "signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			     id, a, b, cs.o->max_retries + 1);
	}
	fail(&e);
}

/* Adds a delivered batch to its shard's metrics (best effort). */
static void note_metrics(const struct lease *l, size_t records, uint64_t bytes,
			 int64_t last_ms)
{
	struct kc_metrics_counts m = { 0 };
	struct kc_error ignore;
	int64_t now = kc_now_ms();

	m.outgoing_records = records;
	m.outgoing_bytes = bytes;
	m.iterator_age_ms = now > last_ms ? (uint64_t)(now - last_ms) : 0;
	kc_metrics_add(l->r->dirfd, now, &m, &ignore);
}

/*
 * With limits emulation each batch is a GetRecords call: it waits for the
 * shard's read budget (5 calls/s, 2 MiB/s). Returns 1 if it had to wait.
 */
static int read_budget(const struct lease *l)
{
	struct kc_error e;
	int64_t retry = 0;
	int rc;

	if (!cs.s->meta.enforce_limits)
		return 0;
	rc = kc_throttle_admit_read(l->r->dirfd, kc_now_ms(), &retry, &e);
	if (rc == -KC_ETEMP) {
		struct kc_metrics_counts m = { 0 };
		struct timespec ts = { retry / 1000, retry % 1000 * 1000000 };
		m.read_exceeded = 1;
		kc_metrics_add(l->r->dirfd, kc_now_ms(), &m, &e);
		nanosleep(&ts, NULL);
		return 1;
	}
	if (rc) {
		char id[32];
		kc_shard_id_format((unsigned long)l->index, id);
		kc_error_prefix(&e, "stream '%s': %s: ", cs.s->meta.name, id);
		fail(&e);
	}
	return 0;
}

/* Reads and delivers one batch of lease i; returns whether it made progress. */
static int process(size_t i)
{
	struct lease *l = &cs.v[i];
	const struct kc_shard_info *sh = kc_stream_shard(cs.s, l->index);
	uint64_t first = 0, last = 0, max = cs.o->batch, bytes = 0;
	int64_t last_ms = 0;
	struct kc_record rec;
	struct kc_error e;
	size_t records = 0;
	int rc = 0;

	if (cs.o->limit && cs.o->limit - cs.count < max)
		max = cs.o->limit - cs.count;
	if (read_budget(l))
		return 1;
	kc_buf_reset(&cs.batch);
	while (records < max && bytes < (10u << 20) &&
	       (rc = kc_reader_next(l->r, &rec, &e)) == 1) {
		if (!records)
			first = rec.offset;
		last = rec.offset;
		last_ms = rec.arrival_ms;
		bytes += rec.keylen + rec.datalen;
		records++;
		kget_output_record(cs.o->out, &cs.batch, &rec);
	}
	if (rc < 0)
		fail(&e);
	if (cs.s->meta.enforce_limits &&
	    kc_throttle_charge_read_bytes(l->r->dirfd, kc_now_ms(), bytes, &e))
		fail(&e);
	if (records) {
		deliver(l, first, last, records);
		if (kc_consumer_set_checkpoint(cs.c, l->index, KC_CKPT_SEQUENCE, last, &e))
			fail(&e);
		cs.count += records;
		l->delivered = 1;
		note_metrics(l, records, bytes, last_ms);
		return 1;
	}
	if (!sh || !sh->closed || l->r->pos < sh->end_offset)
		return 0;
	/* Read to its end: record SHARD_END so that its children can start. */
	if (cs.o->out->mode == OUT_JSON && !cs.o->exec) {
		kget_output_child_shards(&cs.s->meta, l->index, &cs.batch);
		kc_cli_flush(cs.o->cli, &cs.batch);
	}
	if (kc_consumer_set_checkpoint(cs.c, l->index, KC_CKPT_SHARD_END, 0, &e))
		fail(&e);
	if (l->started_at_from && !l->delivered &&
	    initial_position(l->index).type == cs.o->from->type) {
		cs.skipped = kc_xrealloc(cs.skipped, (cs.nskipped + 1) * sizeof(*cs.skipped));
		cs.skipped[cs.nskipped++] = l->index;
	}
	release(i);
	return 1;
}

int kget_consume(struct kc_stream *s, const struct kget_consume_opts *o)
{
	struct kc_error e;

	cs.s = s;
	cs.o = o;
	cs.wfd = o->follow ? kget_watch(s) : -1;
	if (kc_consumer_open(s, o->name, 1, &cs.c, &e) || kc_consumer_join(cs.c, &e))
		fail(&e);
	rebalance();
	while (!o->limit || cs.count < o->limit) {
		int progress = 0;
		for (size_t i = cs.n; i-- > 0;)
			progress |= process(i);
		if (kc_now_ms() - cs.last_rebalance >= REBALANCE_MS || !progress)
			progress |= rebalance();
		if (progress)
			continue;
		if (!o->follow)
			break;
		kget_wait(cs.wfd, REBALANCE_MS);
	}
	while (cs.n)
		release(cs.n - 1);
	free(cs.v);
	free(cs.skipped);
	kc_buf_release(&cs.batch);
	kc_consumer_close(cs.c);
	if (cs.wfd >= 0)
		close(cs.wfd);
	return 0;
}
