/* reshard.c: split, merge and scale, as Kinesis defines them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "file.h"
#include "name.h"
#include "reshard.h"
#include "shard.h"
#include "units.h"
#include "banned.h"

struct child {
	kc_u128 start, end;
};

static const struct kc_shard_info *open_shard(const struct kc_stream *s,
					      uint64_t index, struct kc_error *e)
{
	const struct kc_shard_info *sh = kc_stream_shard(s, index);
	char id[32];

	kc_shard_id_format((unsigned long)index, id);
	if (!sh) {
		kc_error_set(e, KC_ENOENT, "stream '%s': no shard %s "
			     "(ResourceNotFoundException)", s->meta.name, id);
		return NULL;
	}
	if (sh->closed) {
		kc_error_set(e, KC_EUSAGE, "stream '%s': shard %s is closed "
			     "(InvalidArgumentException)", s->meta.name, id);
		return NULL;
	}
	return sh;
}

/* Removes what a reshard that died before its commit left at index. */
static void remove_orphan(const struct kc_stream *s, uint64_t index)
{
	struct kc_buf path = KC_BUF_INIT;
	char id[32];

	kc_shard_id_format((unsigned long)index, id);
	kc_buf_addf(&path, "%s/shards/%s", s->path, id);
	kc_file_remove_tree(path.data);
	kc_buf_release(&path);
}

/* Adds the children to s->meta and closes the parents there at their ends. */
static void update_meta(struct kc_stream *s, struct kc_shard_writer **w,
			size_t np, const struct child *c, size_t nc, int64_t now)
{
	struct kc_stream_meta *m = &s->meta;

	for (size_t i = 0; i < np; i++) {
		struct kc_shard_info *sh = (struct kc_shard_info *)kc_stream_shard(s, w[i]->index);
		sh->closed = 1;
		sh->end_offset = w[i]->tail.end;
	}
	m->shards = kc_xrealloc(m->shards, (m->nshards + nc) * sizeof(*m->shards));
	for (size_t i = 0; i < nc; i++) {
		struct kc_shard_info *sh = &m->shards[m->nshards++];
		memset(sh, 0, sizeof(*sh));
		sh->index = m->next_shard++;
		sh->start = c[i].start;
		sh->end = c[i].end;
		sh->parent = w[0]->index;
		sh->adjacent = np > 1 ? w[1]->index : KC_NO_SHARD;
		sh->created_ms = now;
	}
}

/*
 * Closes the np parents (locked in index order) and creates the nc
 * children, with the metadata lock held by the caller.
 */
static int reshape(struct kc_stream *s, const uint64_t *parents, size_t np,
		   const struct child *c, size_t nc, struct kc_error *e)
{
	struct kc_shard_writer *w[2] = { NULL, NULL };
	size_t locked = 0;
	int64_t now = kc_now_ms();
	int rc = 0;

	for (size_t i = 0; i < np && !rc; i++)
		rc = kc_shard_writer_open(s, parents[i], &w[i], e);
	/* Lock in index order so that two reshards cannot deadlock. */
	for (size_t k = 0; k < np && !rc; k++) {
		size_t i = np == 2 && parents[1] < parents[0] ? 1 - k : k;
		rc = kc_shard_lock(w[i], e);
		locked |= rc ? 0 : 1u << i;
		if (!rc && (w[i]->tail.flags & KC_TAIL_CLOSED))
			rc = kc_error_set(e, KC_EIO, "shard %" PRIu64 ": tail closed "
					  "but stream.meta says open", parents[i]);
	}
	for (size_t i = 0; i < nc && !rc; i++) {
		remove_orphan(s, s->meta.next_shard + i);
		rc = kc_shard_init(s->dirfd, s->meta.next_shard + i, now, e);
	}
	if (!rc) {
		update_meta(s, w, np, c, nc, now);
		rc = kc_stream_meta_save(s, e);
	}
	for (size_t i = 0; i < np && !rc; i++)
		rc = kc_shard_mark_closed(w[i], e);
	for (size_t i = 0; i < np; i++) {
		if (locked & (1u << i))
			kc_shard_unlock(w[i]);
		kc_shard_writer_close(w[i]);
	}
	return rc;
}

static int split_locked(struct kc_stream *s, uint64_t shard, kc_u128 key,
			struct kc_error *e)
{
	const struct kc_shard_info *sh = open_shard(s, shard, e);
	struct child c[2];
	char k[40];

	if (!sh)
		return -e->code;
	if (!(key > sh->start + 1 && key < sh->end)) {
		kc_u128_format(key, k);
		return kc_error_set(e, KC_EUSAGE,
				    "hash key %s is not strictly inside the shard's "
				    "range (InvalidArgumentException)", k);
	}
	c[0].start = sh->start;
	c[0].end = key - 1;
	c[1].start = key;
	c[1].end = sh->end;
	return reshape(s, &shard, 1, c, 2, e);
}

/* Whether b's range begins right after a's (no wrap past 2^128-1). */
static int touches(const struct kc_shard_info *a, const struct kc_shard_info *b)
{
	return a->end != KC_U128_MAX && a->end + 1 == b->start;
}

static int merge_locked(struct kc_stream *s, uint64_t shard, uint64_t adjacent,
			struct kc_error *e)
{
	const struct kc_shard_info *a = open_shard(s, shard, e), *b;
	uint64_t parents[2] = { shard, adjacent };
	struct child c;

	if (!a || !(b = open_shard(s, adjacent, e)))
		return -e->code;
	if (!touches(a, b) && !touches(b, a))
		return kc_error_set(e, KC_EUSAGE,
				    "shards %" PRIu64 " and %" PRIu64 " are not "
				    "adjacent (InvalidArgumentException)",
				    shard, adjacent);
	c.start = a->start < b->start ? a->start : b->start;
	c.end = a->end > b->end ? a->end : b->end;
	return reshape(s, parents, 2, &c, 1, e);
}



/* The open shard holding hash h, or NULL. */
static const struct kc_shard_info *holder(const struct kc_stream *s, kc_u128 h)
{
	long i = kc_stream_route(s, h);

	return i < 0 ? NULL : &s->meta.shards[i];
}

/* Whether b starts a shard of the uniform map of target shards. */
static int is_target(kc_u128 b, kc_u128 width, unsigned target)
{
	return target > 1 && b % width == 0 && b / width >= 1 && b / width < target;
}

static int scale_locked(struct kc_stream *s, unsigned target, struct kc_error *e)
{
	kc_u128 width, end;
	size_t open = 0;
	int rc = 0;

	for (size_t i = 0; i < s->meta.nshards; i++)
		open += !s->meta.shards[i].closed;
	if (target < 1 || target > KC_SHARDS_MAX || (size_t)target * 2 < open ||
	    target > open * 2)
		return kc_error_set(e, KC_EUSAGE,
				    "target shard count %u is outside half to double "
				    "the %zu open shards (InvalidArgumentException)",
				    target, open);
	/* The width Kinesis gives each of target shards: floor(2^128/target). */
	kc_hashkey_range(0, target, &width, &end);
	width = end + 1;
	/* Split at every new boundary that is not a boundary yet. */
	for (unsigned j = 1; j < target && !rc; j++) {
		const struct kc_shard_info *sh = holder(s, (kc_u128)j * width);
		if (sh && sh->start != (kc_u128)j * width)
			rc = split_locked(s, sh->index, (kc_u128)j * width, e);
	}
	/* Merge away every old boundary that is not a new one. */
	for (int again = 1; again && !rc;) {
		again = 0;
		for (size_t i = 0; i < s->meta.nshards && !rc; i++) {
			const struct kc_shard_info *b = &s->meta.shards[i], *a;
			if (b->closed || b->start == 0 || is_target(b->start, width, target))
				continue;
			a = holder(s, b->start - 1);
			rc = merge_locked(s, a->index, b->index, e);
			again = 1;
			break;
		}
	}
	return rc;
}

/* One reshard operation, run under the stream's metadata lock. */
struct op {
	enum { OP_SPLIT, OP_MERGE, OP_SCALE } kind;
	uint64_t shard, adjacent;
	kc_u128 key;
	unsigned target;
};

static int run_locked(struct kc_stream *s, const struct op *op, struct kc_error *e)
{
	int fd, rc = kc_stream_meta_lock(s, &fd, e);

	if (rc)
		return rc;
	if (op->kind == OP_SPLIT)
		rc = split_locked(s, op->shard, op->key, e);
	else if (op->kind == OP_MERGE)
		rc = merge_locked(s, op->shard, op->adjacent, e);
	else
		rc = scale_locked(s, op->target, e);
	kc_stream_meta_unlock(fd);
	return rc;
}

int kc_reshard_split(struct kc_stream *s, uint64_t shard, kc_u128 key,
		     struct kc_error *e)
{
	struct op op = { OP_SPLIT, shard, 0, key, 0 };

	return run_locked(s, &op, e);
}

int kc_reshard_merge(struct kc_stream *s, uint64_t shard, uint64_t adjacent,
		     struct kc_error *e)
{
	struct op op = { OP_MERGE, shard, adjacent, 0, 0 };

	return run_locked(s, &op, e);
}

int kc_reshard_scale(struct kc_stream *s, unsigned target, struct kc_error *e)
{
	struct op op = { OP_SCALE, 0, 0, 0, target };

	return run_locked(s, &op, e);
}
