/*
 * adhoc.c: the end of a plain SELECT: DISTINCT, ORDER BY and LIMIT. Rows
 * go straight to the sink unless they must be sorted; sorted rows are kept
 * (strings copied into the result's arena) and written at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "units.h"
#include "banned.h"

static void keep(struct ks_result *r, const struct ks_value *vals,
		 int64_t rowtime)
{
	size_t w = r->nout + r->nhidden, i;
	struct ks_value *d;

	if (r->nrows == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->rows = kc_xrealloc(r->rows, r->cap * w * sizeof(*r->rows));
		r->rowtimes = kc_xrealloc(r->rowtimes, r->cap * sizeof(int64_t));
	}
	d = &r->rows[r->nrows * w];
	for (i = 0; i < w; i++) {
		d[i] = vals[i];
		if (!d[i].null && ks_type_is_string(r->types[i].t) && d[i].u.s.n)
			d[i].u.s.p = ks_arena_strdup(&r->arena, d[i].u.s.p,
						     d[i].u.s.n);
	}
	r->rowtimes[r->nrows++] = rowtime;
}

void ks_result_row(struct ks_plan *p, struct ks_result *r,
		   const struct ks_value *vals, int64_t rowtime)
{
	if (r->done)
		return;
	if (r->distinct) {
		int created;

		if (!r->dtab.kt)
			ks_gtab_init(&r->dtab, r->types, r->nout, 0);
		ks_gtab_find(&r->dtab, vals, ks_gtab_hash(&r->dtab, vals), 1,
			     &created);
		if (!created)
			return;
	}
	/* Without a sink (a parallel worker's result) rows are kept in
	 * order for parallel.c to merge. */
	if (r->norder || !r->sink) {
		keep(r, vals, rowtime);
		return;
	}
	if (r->limit >= 0 && r->emitted >= r->limit) {
		r->done = 1;
		return;
	}
	if (ks_sink_row(r->sink, rowtime, vals, &p->err))
		p->failed = 1;
	if (r->limit >= 0 && ++r->emitted >= r->limit)
		r->done = 1;
}

static int cmp_rows(const struct ks_result *r, size_t a, size_t b)
{
	size_t w = r->nout + r->nhidden, k;

	for (k = 0; k < r->norder; k++) {
		int col = r->order_col[k], c;
		const struct ks_value *x = &r->rows[a * w + (size_t)col];
		const struct ks_value *y = &r->rows[b * w + (size_t)col];

		if (x->null || y->null) {
			if (x->null == y->null)
				continue;
			/* NULLs last unless NULLS FIRST, whatever the order */
			c = x->null ? 1 : -1;
			if (r->order_nulls_first[k])
				c = -c;
			return c;
		}
		c = ks_compare(x, &r->types[col], y, &r->types[col]);
		if (c)
			return r->order_desc[k] ? -c : c;
	}
	return (a > b) - (a < b);
}

/* A stable merge sort of row indexes. */
static void msort(const struct ks_result *r, size_t *v, size_t *tmp, size_t n)
{
	size_t m = n / 2, i = 0, j = m, k = 0;

	if (n < 2)
		return;
	msort(r, v, tmp, m);
	msort(r, v + m, tmp, n - m);
	while (i < m && j < n)
		tmp[k++] = cmp_rows(r, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < m)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int ks_result_finish(struct ks_plan *p, struct ks_result *r)
{
	size_t *idx, *tmp, i, w = r->nout + r->nhidden;

	if (!r->norder)
		return 0;
	idx = kc_xcalloc(r->nrows + 1, sizeof(*idx));
	tmp = kc_xcalloc(r->nrows + 1, sizeof(*tmp));
	for (i = 0; i < r->nrows; i++)
		idx[i] = i;
	msort(r, idx, tmp, r->nrows);
	for (i = 0; i < r->nrows; i++) {
		if (r->limit >= 0 && (int64_t)i >= r->limit)
			break;
		if (ks_sink_row(r->sink, r->rowtimes[idx[i]], &r->rows[idx[i] * w],
				&p->err)) {
			p->failed = 1;
			break;
		}
	}
	free(idx);
	free(tmp);
	return p->failed ? -1 : 0;
}

void ks_result_release(struct ks_result *r)
{
	if (r->dtab.kt)
		ks_gtab_release(&r->dtab);
	free(r->order_col);
	free(r->order_desc);
	free(r->order_nulls_first);
	free(r->rows);
	free(r->rowtimes);
	ks_arena_release(&r->arena);
}

/* ---- ORDER BY in a streaming query ---- */

void ks_sort_flush(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_sorter *so = pu->sorter;
	struct ks_result *r = &so->r;
	size_t w = r->nout + r->nhidden, i, *idx, *tmp;
	int *save = pu->out_regs;

	if (!r->nrows)
		return;
	idx = kc_xcalloc(r->nrows + 1, sizeof(*idx));
	tmp = kc_xcalloc(r->nrows + 1, sizeof(*tmp));
	for (i = 0; i < r->nrows; i++)
		idx[i] = i;
	msort(r, idx, tmp, r->nrows);
	so->flushing = 1;
	pu->out_regs = so->ident;
	for (i = 0; i < r->nrows && !p->failed; i++) {
		pu->rowtime = so->maxrt;
		ks_pump_emit(p, pu, &r->rows[idx[i] * w], so->maxrt);
	}
	pu->out_regs = save;
	so->flushing = 0;
	free(idx);
	free(tmp);
	r->nrows = 0;
	ks_arena_reset(&r->arena);
	if (so->hold) {
		ks_hold_free(p, so->hold);
		so->hold = NULL;
	}
}

void ks_sort_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t)
{
	struct ks_sorter *so = pu->sorter;
	int64_t rowtime = pu->rowtime;

	if (!so->r.nrows || !so->time_rowtime ||
	    t < so->key.u.i + (so->step > 0 ? so->step : 1))
		return;
	ks_sort_flush(p, pu);
	pu->rowtime = rowtime;
}

void ks_sort_row(struct ks_plan *p, struct ks_pump *pu,
		 const struct ks_value *regs, int64_t rowtime)
{
	struct ks_sorter *so = pu->sorter;
	struct ks_result *r = &so->r;
	size_t w = r->nout + r->nhidden, i;
	int col = r->order_col[0];
	const struct ks_sqltype *kt = &r->types[col];
	struct ks_value *v = so->vals;

	for (i = 0; i < w; i++)
		v[i] = regs[pu->out_regs[i]];
	if (v[col].null) {
		ks_rowerr_set(&p->rowerr, KS_ERR_FUNCTION, "the leading ORDER BY "
			      "key is NULL");
		ks_pump_rowerr(p, pu);
		return;
	}
	if (r->nrows) {
		int c = ks_compare(&v[col], kt, &so->key, kt);

		if (c < 0) {
			ks_rowerr_set(&p->rowerr, KS_ERR_LATE_ROW, "the leading "
				      "ORDER BY key went backwards");
			ks_pump_rowerr(p, pu);
			return;
		}
		if (c > 0) {
			ks_sort_flush(p, pu);
			pu->rowtime = rowtime;
		}
	}
	if (!r->nrows) {
		so->key = v[col];
		if (ks_type_is_string(kt->t) && !so->key.null) {
			kc_buf_reset(&so->kbuf);
			kc_buf_add(&so->kbuf, so->key.u.s.p, so->key.u.s.n);
			so->key.u.s.p = so->kbuf.data;
		}
		so->maxrt = rowtime;
		if (!so->hold)
			so->hold = ks_hold_new(p);
	}
	if (rowtime > so->maxrt)
		so->maxrt = rowtime;
	keep(r, v, rowtime);
}

void ks_sort_release(struct ks_sorter *so)
{
	if (!so)
		return;
	ks_result_release(&so->r);
	kc_buf_release(&so->kbuf);
	free(so->ident);
	free(so->vals);
	free(so);
}

void ks_progress(uint64_t records, int end)
{
	static int64_t last;
	int64_t now;

	if (end) {
		if (last)
			fputs("\r\033[K", stderr);
		return;
	}
	now = kc_now_ms();
	if (now - last < 500)
		return;
	last = now;
	fprintf(stderr, "\rksql: %llu records read\033[K",
		(unsigned long long)records);
}
