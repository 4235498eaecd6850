/*
 * Unit tests for group.c against real streams: deferred commits and
 * resuming after the last commit, pending shards kept through a rebalance,
 * SHARD_END after a split only once the last record is committed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "buf.h"
#include "consumer.h"
#include "group.h"
#include "reshard.h"
#include "shard.h"
#include "stream.h"
#include "banned.h"

static char root[64];

/* What a kc_group_read call delivered. */
struct got {
	struct kc_buf data;      /* "data\n" per record */
	uint64_t offsets[64];
	size_t n;
	size_t stop_after;       /* the callback stops the read after this many */
};

static int collect(void *arg, const struct kc_record *rec)
{
	struct got *g = arg;

	kc_buf_add(&g->data, rec->data, rec->datalen);
	kc_buf_addc(&g->data, '\n');
	if (g->n < sizeof(g->offsets) / sizeof(g->offsets[0]))
		g->offsets[g->n] = rec->offset;
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

static void got_reset(struct got *g)
{
	kc_buf_reset(&g->data);
	g->n = 0;
	g->stop_after = 0;
}

/* Appends n records "tag-i" to shard index of s. */
static int put(struct kc_stream *s, uint64_t index, const char *tag, int n)
{
	struct kc_shard_writer *w;
	struct kc_buf frames = KC_BUF_INIT;
	struct kc_error e;
	uint64_t offs[64];
	char data[64];
	int rc;

	if (kc_shard_writer_open(s, index, &w, &e)) {
		diag("writer: %s", e.msg);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int len = snprintf(data, sizeof(data), "%s-%d", tag, i);
		kc_frame_append(&frames, "key", 3, data, (size_t)len, NULL);
	}
	rc = kc_shard_append(w, &frames, (size_t)n, KC_SYNC_ALWAYS, offs, &e);
	if (rc)
		diag("append: %s", e.msg);
	kc_buf_release(&frames);
	kc_shard_writer_close(w);
	return rc;
}

static struct kc_stream *make_stream(const char *name, unsigned shards)
{
	struct kc_stream_config cfg = { shards, 24, 1u << 20, 1u << 20, 0 };
	struct kc_stream *s = NULL;
	struct kc_error e;

	if (kc_stream_create(root, name, &cfg, &e) || kc_stream_open(root, name, &s, &e))
		diag("stream '%s': %s", name, e.msg);
	return s;
}

static struct kc_group *open_group(struct kc_stream *s, const char *name,
				   kc_group_end_fn end, void *arg)
{
	struct kc_group_opts o = { name, NULL, 0, end, arg };
	struct kc_group *g = NULL;
	struct kc_error e;

	if (kc_group_open(s, &o, &g, &e))
		diag("group '%s': %s", name, e.msg);
	return g;
}

/* The checkpoint of shard for consumer name: "SEQ <offset>", "SHARD_END", "NONE". */
static const char *checkpoint(struct kc_stream *s, const char *name, uint64_t shard)
{
	static char out[64];
	enum kc_checkpoint_state st = KC_CKPT_NONE;
	struct kc_consumer *c;
	struct kc_error e;
	uint64_t off = 0;

	snprintf(out, sizeof(out), "error");
	if (kc_consumer_open(s, name, 0, &c, &e))
		return out;
	if (!kc_consumer_checkpoint(c, shard, &st, &off, &e))
		snprintf(out, sizeof(out), "%s %llu", st == KC_CKPT_NONE ? "NONE"
			 : st == KC_CKPT_SEQUENCE ? "SEQ" : "SHARD_END",
			 st == KC_CKPT_SEQUENCE ? (unsigned long long)off : 0ull);
	kc_consumer_close(c);
	return out;
}

static long holder(struct kc_stream *s, const char *name, uint64_t shard)
{
	struct kc_consumer *c;
	struct kc_error e;
	long pid;

	if (kc_consumer_open(s, name, 0, &c, &e))
		return -1;
	pid = kc_consumer_lease_holder(c, shard);
	kc_consumer_close(c);
	return pid;
}

static void test_deferred_commit(void)
{
	struct kc_stream *s = make_stream("a", 1);
	struct got got = { KC_BUF_INIT, { 0 }, 0, 0 };
	struct kc_group *g;
	struct kc_error e;
	char want[64];
	uint64_t shard = 99, mid;
	int n;

	put(s, 0, "a", 10);
	g = open_group(s, "c", NULL, NULL);
	ok(g && !kc_group_pending(g), "open a worker: nothing pending");
	n = kc_group_read(g, 4, 1u << 20, collect, &got, &shard, &e);
	ok(n == 4 && shard == 0 && !strcmp(got.data.data, "a-0\na-1\na-2\na-3\n"),
	   "max_records: four records of shard 0");
	got.stop_after = 6;
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	is_int(n, 2, "the callback stops a read after its record");
	got.stop_after = 0;
	n = kc_group_read(g, 100, 1, collect, &got, &shard, &e);
	is_int(n, 1, "max_bytes: at least one record");
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 3 && got.n == 10 && kc_group_pending(g), "the rest; all pending");
	is_str(checkpoint(s, "c", 0), "NONE 0", "nothing checkpointed before a commit");
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 0 && kc_group_idle(g), "read to the end: 0 records, idle");

	mid = got.offsets[4];
	ok(kc_group_commit(g, 0, mid, &e) == 0, "commit the fifth record");
	snprintf(want, sizeof(want), "SEQ %llu", (unsigned long long)mid);
	is_str(checkpoint(s, "c", 0), want, "its checkpoint is written at once");
	ok(kc_group_pending(g), "later records stay pending");
	ok(kc_group_commit(g, 0, got.offsets[9] + 1, &e) == -KC_EUSAGE,
	   "an offset not read is refused: %s", e.msg);
	ok(kc_group_commit(g, 7, mid, &e) == -KC_EUSAGE,
	   "a shard not held is refused: %s", e.msg);
	kc_group_close(g);
	is_int(holder(s, "c", 0), 0, "close releases the lease");

	g = open_group(s, "c", NULL, NULL);
	got_reset(&got);
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 5 && !strcmp(got.data.data, "a-5\na-6\na-7\na-8\na-9\n"),
	   "reopened: it resumes after the committed record");
	ok(kc_group_commit(g, 0, got.offsets[4], &e) == 0 && !kc_group_pending(g),
	   "commit the last record: nothing pending");
	put(s, 0, "b", 2);
	got_reset(&got);
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 2 && !strcmp(got.data.data, "b-0\nb-1\n") && !kc_group_idle(g),
	   "new records are read by the same worker");
	kc_group_close(g);
	kc_buf_release(&got.data);
	kc_stream_close(s);
}

/* Makes a live worker file for consumer name, as another process would. */
static int fake_worker(const char *stream, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/streams/%s/consumers/%s/workers/1", root,
		 stream, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void test_pending_kept(void)
{
	struct kc_stream *s = make_stream("b", 2);
	struct got got = { KC_BUF_INIT, { 0 }, 0, 0 };
	struct kc_group *g;
	struct kc_error e;
	uint64_t shard = 99, first, y0;
	long me = (long)getpid();
	int n, worker;

	put(s, 0, "x", 3);
	put(s, 1, "y", 3);
	g = open_group(s, "grp", NULL, NULL);
	ok(holder(s, "grp", 0) == me && holder(s, "grp", 1) == me,
	   "a lone worker takes both shards");
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	first = shard;
	ok(n == 1 && first == 0, "one record of shard 0 read, not committed");
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	y0 = got.offsets[1];
	ok(n == 1 && shard == 1, "shards are read in turn: one of shard 1");
	worker = fake_worker("b", "grp");
	ok(worker >= 0, "a second worker joins");
	usleep(600 * 1000);
	got_reset(&got);
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	ok(n == 1 && holder(s, "grp", 0) == me && holder(s, "grp", 1) == me,
	   "rebalancing to one shard each keeps both: both have pending records");
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	ok(n == 1 && shard == 0 && !strcmp(got.data.data, "x-1\nx-2\n"),
	   "the shard over the share is drained: only shard 0 is read");
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	ok(n == 0 && kc_group_idle(g) && holder(s, "grp", 1) == me,
	   "shard 1 is held while its record is pending; idle does not wait for it");
	ok(kc_group_commit(g, 1, y0, &e) == 0, "commit shard 1");
	ok(kc_group_pending(g), "shard 0 is still pending");
	usleep(600 * 1000);
	n = kc_group_read(g, 1, 1u << 20, collect, &got, &shard, &e);
	ok(n == 0 && holder(s, "grp", 0) == me && holder(s, "grp", 1) == 0,
	   "the next rebalance releases the committed shard, keeps the pending one");
	put(s, 0, "z", 1);
	got_reset(&got);
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 1 && shard == 0 && !strcmp(got.data.data, "z-0\n"),
	   "and reads on in the kept one");
	close(worker);
	kc_group_close(g);
	kc_buf_release(&got.data);
	kc_stream_close(s);
}

static void note_end(void *arg, uint64_t shard)
{
	struct kc_buf *ends = arg;

	kc_buf_addf(ends, "%llu;", (unsigned long long)shard);
}

static void test_split(void)
{
	const kc_u128 half = (kc_u128)1 << 127;
	struct kc_stream *s = make_stream("sp", 1), *s2 = NULL;
	struct got got = { KC_BUF_INIT, { 0 }, 0, 0 };
	struct kc_buf ends = KC_BUF_INIT;
	struct kc_consumer *c;
	struct kc_group *g;
	struct kc_error e;
	uint64_t shard = 99, last;
	int n;

	put(s, 0, "old", 5);
	n = kc_reshard_split(s, 0, half, &e);
	ok(n == 0 && s->meta.nshards == 3, "split shard 0 into 1 and 2%s%s",
	   n ? ": " : "", n ? e.msg : "");
	put(s, 1, "new", 2);
	kc_stream_open(root, "sp", &s2, &e);

	g = open_group(s2, "c", note_end, &ends);
	n = kc_group_read(g, 3, 1u << 20, collect, &got, &shard, &e);
	ok(n == 3 && shard == 0, "the parent is read first");
	ok(kc_group_commit(g, 0, got.offsets[2], &e) == 0 &&
	   !strncmp(checkpoint(s, "c", 0), "SEQ ", 4),
	   "a middle commit: a sequence number");
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	last = got.offsets[4];
	ok(n == 2 && shard == 0, "the parent's last two records");
	ok(kc_group_commit(g, 0, got.offsets[3], &e) == 0 &&
	   !strncmp(checkpoint(s, "c", 0), "SEQ ", 4),
	   "read to its end, but the last record uncommitted: no SHARD_END");
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 0 && kc_group_idle(g) && holder(s, "c", 1) == 0,
	   "children wait for their parent's SHARD_END");
	is_str(ends.data ? ends.data : "", "", "no end reported yet");
	ok(kc_group_commit(g, 0, last, &e) == 0, "commit the last record");
	is_str(checkpoint(s, "c", 0), "SHARD_END 0", "now SHARD_END");
	is_str(ends.data, "0;", "the end is reported once");
	ok(!kc_group_idle(g) && !kc_group_pending(g), "no longer idle, nothing pending");
	got_reset(&got);
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 2 && shard == 1 && !strcmp(got.data.data, "new-0\nnew-1\n"),
	   "then a child is read");
	kc_group_close(g);

	/* Checkpointed at the last record: SHARD_END at once. */
	kc_buf_reset(&ends);
	if (!kc_consumer_open(s, "d", 1, &c, &e)) {
		kc_consumer_set_checkpoint(c, 0, KC_CKPT_SEQUENCE, last, &e);
		kc_consumer_close(c);
	}
	g = open_group(s2, "d", note_end, &ends);
	got_reset(&got);
	n = kc_group_read(g, 100, 1u << 20, collect, &got, &shard, &e);
	ok(n == 2 && shard == 1, "nothing left after the checkpoint: on to a child");
	is_str(checkpoint(s, "d", 0), "SHARD_END 0", "SHARD_END without a commit");
	is_str(ends.data, "0;", "reported");
	kc_group_close(g);

	kc_buf_release(&ends);
	kc_buf_release(&got.data);
	kc_stream_close(s2);
	kc_stream_close(s);
}

int main(void)
{
	char cmd[128];

	setenv("KIN_FSYNC", "0", 1);
	snprintf(root, sizeof(root), "/tmp/kin-unit-group.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_deferred_commit();
	test_pending_kept();
	test_split();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		diag("cannot remove %s", root);
	return done_testing();
}
