/*
 * window.c: sliding windows, AGG(x) OVER W with
 *   WINDOW W AS (PARTITION BY k RANGE INTERVAL '1' MINUTE PRECEDING)
 * or ROWS n PRECEDING. Every row that reaches the operator produces one
 * output row whose aggregates cover the rows of its partition inside the
 * window ending at it: for RANGE x, the rows whose ROWTIME is greater than
 * ROWTIME - x (a row exactly x old has left, as the KDA developer guide's
 * 5-second example shows); for ROWS n, the row and the n before it.
 *
 * A partition keeps a ring of its window's rows (ROWTIME and the values of
 * the aggregates' arguments) and a FIFO of their string bytes, so state
 * is bounded by the window; partitions whose window emptied are swept
 * away. Aggregates are recomputed over the ring left to right for every
 * row, which keeps floating-point sums identical to a fresh sum over the
 * same rows (a running sum with subtraction would drift).
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "banned.h"

struct ks_part {
	int64_t *times;
	struct ks_value *vals;  /* cap * nvals */
	size_t head, count, cap;
	struct kc_buf sb;       /* string bytes; values hold offsets */
	size_t sb_start;        /* first byte still referenced */
	int64_t last;
};

static void part_free(struct ks_part *pt)
{
	if (!pt)
		return;
	free(pt->times);
	free(pt->vals);
	kc_buf_release(&pt->sb);
	free(pt);
}

static void part_grow(struct ks_part *pt, size_t nv)
{
	size_t cap = pt->cap ? 2 * pt->cap : 8, i;
	int64_t *t = kc_xmalloc(cap * sizeof(*t));
	struct ks_value *v = kc_xmalloc((nv ? cap * nv : 1) * sizeof(*v));

	for (i = 0; i < pt->count; i++) {
		size_t j = (pt->head + i) % pt->cap;

		t[i] = pt->times[j];
		if (nv)
			memcpy(&v[i * nv], &pt->vals[j * nv], nv * sizeof(*v));
	}
	free(pt->times);
	free(pt->vals);
	pt->times = t;
	pt->vals = v;
	pt->cap = cap;
	pt->head = 0;
}

static int is_str(const struct ks_sqltype *t)
{
	return ks_type_is_string(t->t);
}

/* Drops string bytes no longer referenced once half the buffer is dead. */
static void part_compact(struct ks_part *pt, const struct ks_pump *pu,
			 const struct ks_slidewin *w)
{
	size_t i, a, start = pt->sb.len, nv = w->naggs;

	if (!pt->count) {
		kc_buf_reset(&pt->sb);
		pt->sb_start = 0;
		return;
	}
	for (i = 0; i < pt->count && start == pt->sb.len; i++) {
		struct ks_value *v = &pt->vals[((pt->head + i) % pt->cap) * nv];

		for (a = 0; a < nv; a++)
			if (!v[a].null &&
			    is_str(&pu->aggs[w->aggidx[a]].argt)) {
				start = (size_t)v[a].u.i;
				break;
			}
	}
	if (start < 4096 || start * 2 < pt->sb.len)
		return;
	memmove(pt->sb.data, pt->sb.data + start, pt->sb.len - start);
	pt->sb.len -= start;
	for (i = 0; i < pt->count; i++) {
		struct ks_value *v = &pt->vals[((pt->head + i) % pt->cap) * nv];

		for (a = 0; a < nv; a++)
			if (!v[a].null && is_str(&pu->aggs[w->aggidx[a]].argt))
				v[a].u.i -= (int64_t)start;
	}
}

/* Removes the partitions whose window is empty at time t. */
static void sweep(struct ks_slidewin *w, int64_t t)
{
	struct ks_gtab fresh;
	size_t i;

	if (w->frame != KS_FRAME_RANGE || w->unbounded)
		return;
	ks_gtab_init(&fresh, w->parts.kt, w->parts.nkeys, w->parts.psize);
	for (i = 0; i < w->parts.n; i++) {
		struct ks_part **pp = ks_gtab_payload(&w->parts, i), *pt = *pp;
		uint64_t h;
		long gi;
		int created;

		if (pt->last <= t - w->extent) {
			part_free(pt);
			continue;
		}
		memcpy(&h, w->parts.ents + i * w->parts.esize, 8);
		gi = ks_gtab_find(&fresh, ks_gtab_keys(&w->parts, i), h, 1,
				  &created);
		*(struct ks_part **)ks_gtab_payload(&fresh, (size_t)gi) = pt;
	}
	ks_gtab_release(&w->parts);
	w->parts = fresh;
}

static int window_row(struct ks_plan *p, struct ks_pump *pu,
		      struct ks_slidewin *w)
{
	struct ks_value *r = pu->f.regs;
	int64_t t = pu->rowtime;
	size_t nv = w->naggs, k, a, i;
	struct ks_part *pt, **pp;
	struct ks_value *slot;
	uint64_t h;
	long gi;
	int created;

	for (k = 0; k < w->npart; k++)
		w->keybuf[k] = r[w->part_regs[k]];
	h = ks_gtab_hash(&w->parts, w->keybuf);
	gi = ks_gtab_find(&w->parts, w->keybuf, h, 1, &created);
	pp = ks_gtab_payload(&w->parts, (size_t)gi);
	if (created)
		*pp = kc_xcalloc(1, sizeof(**pp));
	pt = *pp;
	/* expire */
	if (w->frame == KS_FRAME_RANGE && !w->unbounded) {
		while (pt->count && pt->times[pt->head] <= t - w->extent) {
			pt->head = (pt->head + 1) % pt->cap;
			pt->count--;
		}
	} else if (w->frame == KS_FRAME_ROWS && !w->unbounded) {
		while (pt->count && pt->count > (size_t)w->extent) {
			pt->head = (pt->head + 1) % pt->cap;
			pt->count--;
		}
	}
	part_compact(pt, pu, w);
	if (pt->count == pt->cap)
		part_grow(pt, nv);
	i = (pt->head + pt->count) % pt->cap;
	pt->times[i] = t;
	slot = &pt->vals[i * nv];
	for (a = 0; a < nv; a++) {
		const struct ks_aggcall *ac = &pu->aggs[w->aggidx[a]];

		if (ac->arg < 0) {
			slot[a].null = 1;
			continue;
		}
		slot[a] = r[ac->arg];
		if (!slot[a].null && is_str(&ac->argt)) {
			size_t off = pt->sb.len;

			kc_buf_add(&pt->sb, slot[a].u.s.p, slot[a].u.s.n);
			slot[a].u.i = (int64_t)off;
		}
	}
	pt->count++;
	pt->last = t;
	/* aggregate over the window */
	for (a = 0; a < nv; a++) {
		const struct ks_aggcall *ac = &pu->aggs[w->aggidx[a]];
		struct ks_aggst st;
		int str = ac->arg >= 0 && is_str(&ac->argt);

		memset(&st, 0, sizeof(st));
		for (i = 0; i < pt->count; i++) {
			struct ks_value v = pt->vals[((pt->head + i) % pt->cap) * nv + a];

			if (str && !v.null)
				v.u.s.p = pt->sb.data + v.u.i;
			if (ks_agg_step(ac, &st, &v, 0, &p->ctx))
				return -1;
		}
		ks_agg_final(ac, &st, &r[ac->out], &p->ctx);
	}
	if (++w->rows_since_sweep >= 65536) {
		w->rows_since_sweep = 0;
		sweep(w, t);
	}
	return 0;
}

int ks_slide_row(struct ks_plan *p, struct ks_pump *pu)
{
	size_t i;

	for (i = 0; i < pu->nwins; i++)
		if (window_row(p, pu, &pu->wins[i]))
			return -1;
	return 0;
}

void ks_slide_release(struct ks_slidewin *w)
{
	size_t i;

	for (i = 0; i < w->parts.n; i++)
		part_free(*(struct ks_part **)ks_gtab_payload(&w->parts, i));
	ks_gtab_release(&w->parts);
	free(w->part_regs);
	free(w->part_types);
	free(w->aggidx);
	free(w->keybuf);
}
