/*
 * agg.c: group tables, aggregate functions and the GROUP BY operator.
 *
 * A group table is open addressing over an entry array kept in insertion
 * order (so groups come out in the order they first appeared): each entry
 * is its hash, its key values (strings owned by the table's arena) and a
 * fixed-size payload. Clearing it keeps its memory for the next window.
 *
 * GROUP BY with a monotonic time key is a tumbling window: the table holds
 * only the groups of the open window, whose time key is kept aside; when a
 * row's time key advances past it (or, for keys made from ROWTIME, when the
 * stream's time reaches the window's end) every group is emitted with
 * ROWTIME = window end, and the table is cleared. State is thus bounded by
 * the keys of one window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "banned.h"

/* ---- group tables ---- */

void ks_gtab_init(struct ks_gtab *g, const struct ks_sqltype *kt, size_t nkeys,
		  size_t psize)
{
	memset(g, 0, sizeof(*g));
	g->nkeys = nkeys;
	g->kt = kc_xcalloc(nkeys ? nkeys : 1, sizeof(*g->kt));
	if (nkeys)
		memcpy(g->kt, kt, nkeys * sizeof(*kt));
	g->psize = psize;
	g->esize = (8 + nkeys * sizeof(struct ks_value) + psize + 7) & ~(size_t)7;
	ks_arena_init(&g->arena);
}

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline int int_repr(enum ks_type t)
{
	return t != KS_T_REAL && t != KS_T_DOUBLE && t != KS_T_CHAR &&
	       t != KS_T_VARCHAR;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL), w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ mix64(w)) * 0x100000001b3ULL;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	return mix64(h ^ w);
}

uint64_t ks_gtab_hash(const struct ks_gtab *g, const struct ks_value *keys)
{
	uint64_t h = 0x2545f4914f6cdd1dULL;
	size_t i;

	for (i = 0; i < g->nkeys; i++) {
		const struct ks_value *v = &keys[i];
		enum ks_type t = g->kt[i].t;
		uint64_t k;

		if (v->null)
			k = 0x8badf00dULL;
		else if (int_repr(t))
			k = mix64((uint64_t)v->u.i);
		else if (t == KS_T_VARCHAR)
			k = hash_bytes(v->u.s.p, v->u.s.n);
		else
			k = ks_value_hash(v, &g->kt[i]);
		h = (h ^ k) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

static inline int keys_equal(const struct ks_gtab *g, const struct ks_value *a,
			     const struct ks_value *b)
{
	size_t i;

	for (i = 0; i < g->nkeys; i++) {
		enum ks_type t = g->kt[i].t;

		if (a[i].null || b[i].null) {
			if (a[i].null != b[i].null)
				return 0;
		} else if (int_repr(t)) {
			if (a[i].u.i != b[i].u.i)
				return 0;
		} else if (t == KS_T_VARCHAR) {
			if (a[i].u.s.n != b[i].u.s.n ||
			    memcmp(a[i].u.s.p, b[i].u.s.p, a[i].u.s.n))
				return 0;
		} else if (!ks_value_equal(&a[i], &b[i], &g->kt[i])) {
			return 0;
		}
	}
	return 1;
}

/*
 * A slot is the entry index + 1 in its low 32 bits and the high 32 bits of
 * the entry's hash above them, so probing past other keys does not touch
 * their entries (one cache miss per lookup instead of one per probe).
 */
static void gtab_rehash(struct ks_gtab *g, size_t nslots)
{
	size_t i, mask = nslots - 1;

	free(g->slots);
	g->slots = kc_xcalloc(nslots, sizeof(*g->slots));
	g->nslots = nslots;
	for (i = 0; i < g->n; i++) {
		uint64_t h;
		size_t j;

		memcpy(&h, g->ents + i * g->esize, 8);
		for (j = h & mask; g->slots[j]; j = (j + 1) & mask)
			;
		g->slots[j] = (h & 0xffffffff00000000ULL) | (i + 1);
	}
}

long ks_gtab_find(struct ks_gtab *g, const struct ks_value *keys, uint64_t h,
		  int create, int *created)
{
	size_t j, mask;
	char *e;
	struct ks_value *k;
	size_t i;

	*created = 0;
	if (!g->nslots)
		gtab_rehash(g, 64);
	mask = g->nslots - 1;
	for (j = h & mask; g->slots[j]; j = (j + 1) & mask) {
		uint64_t sl = g->slots[j];

		if ((sl ^ h) >> 32)
			continue;
		e = g->ents + (size_t)((sl & 0xffffffff) - 1) * g->esize;
		if (keys_equal(g, (struct ks_value *)(e + 8), keys))
			return (long)(sl & 0xffffffff) - 1;
	}
	if (!create)
		return -1;
	if ((g->n + 1) * 4 > g->nslots * 3) {
		gtab_rehash(g, g->nslots * 2);
		mask = g->nslots - 1;
		for (j = h & mask; g->slots[j]; j = (j + 1) & mask)
			;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->ents = kc_xrealloc(g->ents, g->cap * g->esize);
	}
	e = g->ents + g->n * g->esize;
	memcpy(e, &h, 8);
	k = (struct ks_value *)(e + 8);
	for (i = 0; i < g->nkeys; i++) {
		k[i] = keys[i];
		if (!k[i].null && ks_type_is_string(g->kt[i].t) && k[i].u.s.n)
			k[i].u.s.p = ks_arena_strdup(&g->arena, k[i].u.s.p,
						     k[i].u.s.n);
	}
	memset(e + 8 + g->nkeys * sizeof(struct ks_value), 0, g->psize);
	g->slots[j] = (h & 0xffffffff00000000ULL) | (g->n + 1);
	*created = 1;
	return (long)g->n++;
}

void ks_gtab_clear(struct ks_gtab *g)
{
	if (g->n && g->slots)
		memset(g->slots, 0, g->nslots * sizeof(*g->slots));
	g->n = 0;
	ks_arena_reset(&g->arena);
}

void ks_gtab_release(struct ks_gtab *g)
{
	free(g->kt);
	free(g->ents);
	free(g->slots);
	ks_arena_release(&g->arena);
	memset(g, 0, sizeof(*g));
}

/* ---- aggregate functions ---- */

static const char *const agg_names[] = {
	"COUNT", "COUNT", "SUM", "AVG", "MIN", "MAX", "FIRST_VALUE", "LAST_VALUE"
};

int ks_agg_parse(const char *name, enum ks_aggfn *fn)
{
	size_t i;

	for (i = 1; i < sizeof(agg_names) / sizeof(agg_names[0]); i++)
		if (!strcmp(name, agg_names[i])) {
			*fn = (enum ks_aggfn)i;
			return 0;
		}
	return -1;
}

const char *ks_agg_name(enum ks_aggfn fn)
{
	return agg_names[fn];
}

int ks_agg_type(enum ks_aggfn fn, const struct ks_sqltype *argt,
		struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	struct kc_buf b = KC_BUF_INIT;

	memset(rt, 0, sizeof(*rt));
	switch (fn) {
	case KS_AGG_COUNT_STAR:
	case KS_AGG_COUNT:
		rt->t = KS_T_BIGINT;
		return 0;
	case KS_AGG_SUM:
	case KS_AGG_AVG:
		if (argt->t == KS_T_NULL) {
			rt->t = KS_T_DOUBLE;
			return 0;
		}
		if (!ks_type_is_numeric(argt->t)) {
			ks_type_format(argt, &b);
			snprintf(msg, msgsz, "%s: cannot %s %s", agg_names[fn],
				 fn == KS_AGG_SUM ? "sum" : "average", b.data);
			kc_buf_release(&b);
			return -1;
		}
		*rt = *argt;
		rt->not_null = 0;
		if (fn == KS_AGG_SUM) {
			/* Sums widen so that they rarely overflow: integers
			 * to BIGINT, DECIMAL to 18 digits, REAL to DOUBLE. */
			if (ks_type_is_integer(argt->t))
				rt->t = KS_T_BIGINT, rt->len = 0;
			else if (argt->t == KS_T_DECIMAL)
				rt->len = 18;
			else
				rt->t = KS_T_DOUBLE;
		}
		/* AVG keeps the argument's type, as SQLstream does: the
		 * average of integers is truncated. */
		return 0;
	default:
		*rt = *argt;
		rt->not_null = 0;
		return 0;
	}
}

static void st_set(struct ks_aggst *st, const struct ks_value *v,
		   const struct ks_sqltype *t, int own)
{
	st->v = *v;
	if (own && !v->null && ks_type_is_string(t->t)) {
		if (v->u.s.n > st->cap) {
			st->cap = v->u.s.n < 16 ? 16 : v->u.s.n;
			free(st->buf);
			st->buf = kc_xmalloc(st->cap);
		}
		if (v->u.s.n)
			memcpy(st->buf, v->u.s.p, v->u.s.n);
		st->v.u.s.p = st->buf;
	}
}

int ks_agg_step(const struct ks_aggcall *a, struct ks_aggst *st,
		const struct ks_value *v, int own, struct ks_eval_ctx *x)
{
	switch (a->fn) {
	case KS_AGG_COUNT_STAR:
		st->n++;
		return 0;
	case KS_AGG_COUNT:
		st->n += !v->null;
		return 0;
	case KS_AGG_SUM:
	case KS_AGG_AVG:
		if (v->null)
			return 0;
		if (a->argt.t == KS_T_REAL || a->argt.t == KS_T_DOUBLE) {
			st->s.d += v->u.d;
		} else if (__builtin_add_overflow(st->s.i, v->u.i, &st->s.i)) {
			return ks_rowerr_set(x->err, KS_ERR_OVERFLOW,
					     "%s: overflow", agg_names[a->fn]);
		}
		st->n++;
		st->has = 1;
		return 0;
	case KS_AGG_MIN:
	case KS_AGG_MAX:
		if (v->null)
			return 0;
		if (st->has) {
			int c;

			if (a->argt.t == KS_T_DOUBLE || a->argt.t == KS_T_REAL)
				c = (v->u.d > st->v.u.d) - (v->u.d < st->v.u.d);
			else if (int_repr(a->argt.t))
				c = (v->u.i > st->v.u.i) - (v->u.i < st->v.u.i);
			else
				c = ks_compare(v, &a->argt, &st->v, &a->argt);
			if (a->fn == KS_AGG_MIN ? c >= 0 : c <= 0)
				return 0;
		}
		st_set(st, v, &a->argt, own);
		st->has = 1;
		return 0;
	case KS_AGG_FIRST:
		if (st->has)
			return 0;
		st_set(st, v, &a->argt, own);
		st->has = 1;
		return 0;
	case KS_AGG_LAST:
		st_set(st, v, &a->argt, own);
		st->has = 1;
		return 0;
	}
	return 0;
}

int ks_agg_final(const struct ks_aggcall *a, const struct ks_aggst *st,
		 struct ks_value *out, struct ks_eval_ctx *x)
{
	(void)x;
	out->null = 0;
	switch (a->fn) {
	case KS_AGG_COUNT_STAR:
	case KS_AGG_COUNT:
		out->u.i = st->n;
		return 0;
	case KS_AGG_SUM:
		if (!st->has) {
			out->null = 1;
		} else if (a->rt.t == KS_T_DOUBLE) {
			out->u.d = a->argt.t == KS_T_REAL || a->argt.t == KS_T_DOUBLE
				   ? st->s.d : (double)st->s.i;
		} else {
			out->u.i = st->s.i;
		}
		return 0;
	case KS_AGG_AVG:
		if (!st->n) {
			out->null = 1;
		} else if (a->rt.t == KS_T_DOUBLE) {
			out->u.d = st->s.d / (double)st->n;
		} else if (a->rt.t == KS_T_REAL) {
			out->u.d = (float)(st->s.d / (double)st->n);
		} else {
			out->u.i = st->s.i / st->n;
		}
		return 0;
	default:
		if (!st->has)
			out->null = 1;
		else
			*out = st->v;
		return 0;
	}
}

void ks_agg_free(struct ks_aggst *st)
{
	free(st->buf);
	st->buf = NULL;
	st->cap = 0;
}

/* ---- the GROUP BY operator ---- */

static void gb_emit_all(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_groupby *gb = pu->gb;
	struct ks_value *post = gb->post.regs;
	int64_t rowtime;
	size_t i, k, a;

	if (gb->time_key >= 0 && gb->time_rowtime)
		rowtime = gb->cur_time.u.i + gb->time_step;
	else
		rowtime = gb->max_rowtime;
	for (i = 0; i < gb->tab.n && !p->failed; i++) {
		struct ks_value *keys = ks_gtab_keys(&gb->tab, i);
		struct ks_aggst *st = ks_gtab_payload(&gb->tab, i);
		size_t kk = 0;

		for (k = 0; k < gb->nkeys; k++)
			post[gb->post_keys[k]] = (int)k == gb->time_key
						 ? gb->cur_time : keys[kk++];
		for (a = 0; a < gb->naggs; a++)
			ks_agg_final(&gb->aggs[a], &st[a], &post[gb->aggs[a].out],
				     &p->ctx);
		post[gb->post_rowtime].null = 0;
		post[gb->post_rowtime].u.i = rowtime;
		pu->rowtime = rowtime;
		if (gb->having.n && ks_code_run(&gb->having, post, &p->ctx)) {
			ks_pump_rowerr(p, pu);
			continue;
		}
		if (gb->having_reg >= 0 && !ks_true(&post[gb->having_reg]))
			continue;
		if (ks_code_run(&pu->sel, post, &p->ctx)) {
			ks_pump_rowerr(p, pu);
			continue;
		}
		ks_pump_emit(p, pu, post, rowtime);
	}
	if (gb->has_strings)
		for (i = 0; i < gb->tab.n; i++) {
			struct ks_aggst *st = ks_gtab_payload(&gb->tab, i);

			for (a = 0; a < gb->naggs; a++)
				ks_agg_free(&st[a]);
		}
	ks_gtab_clear(&gb->tab);
	for (a = 0; a < gb->naggs; a++)
		if (gb->dsets && gb->aggs[a].distinct)
			ks_gtab_clear(&gb->dsets[a]);
	gb->open = 0;
	gb->max_rowtime = INT64_MIN;
	if (gb->hold) {
		ks_hold_free(p, gb->hold);
		gb->hold = NULL;
	}
}

static int time_cmp(const struct ks_groupby *gb, const struct ks_value *v)
{
	const struct ks_sqltype *t = &gb->key_types[gb->time_key];

	if (int_repr(t->t))
		return (v->u.i > gb->cur_time.u.i) - (v->u.i < gb->cur_time.u.i);
	return ks_compare(v, t, &gb->cur_time, t);
}

/* ---- WINDOWED BY STAGGER ---- */

/*
 * A stagger window per partition key: it opens at the key's first row
 * (ROWTIME t), takes the key's rows with ROWTIME < t + range, and is
 * emitted, one row with ROWTIME = t + range, once the stream's time reaches
 * that (a later row of any key, an idle bound, the end of input). As every
 * window is equally long, windows close in the order they opened: a FIFO
 * of open windows gives the next one to close, and their rows come out in
 * ROWTIME order. A key whose window closed keeps its table entry until
 * half the table is closed entries; then the table is rebuilt with the
 * open ones, so state stays proportional to the open windows.
 */
static struct ks_stagwin *stag_win(const struct ks_gtab *g, size_t i)
{
	return ks_gtab_payload(g, i);
}

static struct ks_aggst *stag_st(const struct ks_gtab *g, size_t i)
{
	return (struct ks_aggst *)((char *)ks_gtab_payload(g, i) +
				   sizeof(struct ks_stagwin));
}

static void stag_emit(struct ks_plan *p, struct ks_pump *pu, size_t i)
{
	struct ks_groupby *gb = pu->gb;
	struct ks_value *post = gb->post.regs;
	struct ks_value *keys = ks_gtab_keys(&gb->tab, i);
	struct ks_stagwin *w = stag_win(&gb->tab, i);
	struct ks_aggst *st = stag_st(&gb->tab, i);
	int64_t rowtime = w->open_time + gb->range;
	size_t k, a;

	for (k = 0; k < gb->nkeys; k++)
		post[gb->post_keys[k]] = keys[k];
	for (a = 0; a < gb->naggs; a++)
		ks_agg_final(&gb->aggs[a], &st[a], &post[gb->aggs[a].out],
			     &p->ctx);
	post[gb->post_rowtime].null = 0;
	post[gb->post_rowtime].u.i = rowtime;
	pu->rowtime = rowtime;
	if (gb->having.n && ks_code_run(&gb->having, post, &p->ctx))
		ks_pump_rowerr(p, pu);
	else if (gb->having_reg >= 0 && !ks_true(&post[gb->having_reg]))
		;
	else if (ks_code_run(&pu->sel, post, &p->ctx))
		ks_pump_rowerr(p, pu);
	else
		ks_pump_emit(p, pu, post, rowtime);
	for (a = 0; a < gb->naggs; a++)
		ks_agg_free(&st[a]);
	memset(st, 0, gb->naggs * sizeof(*st));
	w->open = 0;
	if (w->hold) {
		ks_hold_free(p, w->hold);
		w->hold = NULL;
	}
	gb->sclosed++;
}

/* Rebuilds the table with the open windows only, in queue order. */
static void stag_compact(struct ks_groupby *gb)
{
	struct ks_gtab fresh;
	size_t q;

	ks_gtab_init(&fresh, gb->tab.kt, gb->tab.nkeys, gb->tab.psize);
	for (q = 0; q < gb->scount; q++) {
		size_t *slot = &gb->squeue[(gb->shead + q) % gb->scap];
		uint64_t h;
		long gi;
		int created;

		memcpy(&h, gb->tab.ents + *slot * gb->tab.esize, 8);
		gi = ks_gtab_find(&fresh, ks_gtab_keys(&gb->tab, *slot), h, 1,
				  &created);
		memcpy(ks_gtab_payload(&fresh, (size_t)gi),
		       ks_gtab_payload(&gb->tab, *slot), gb->tab.psize);
		*slot = (size_t)gi;
	}
	ks_gtab_release(&gb->tab);
	gb->tab = fresh;
	gb->sclosed = 0;
}

/* Emits the windows that end at or before t. */
static void stag_close(struct ks_plan *p, struct ks_pump *pu, int64_t t)
{
	struct ks_groupby *gb = pu->gb;
	int64_t rowtime = pu->rowtime;

	while (gb->scount && !p->failed) {
		size_t i = gb->squeue[gb->shead];

		if (t != INT64_MAX &&
		    stag_win(&gb->tab, i)->open_time + gb->range > t)
			break;
		gb->shead = (gb->shead + 1) % gb->scap;
		gb->scount--;
		stag_emit(p, pu, i);
	}
	gb->open = gb->scount > 0;
	pu->rowtime = rowtime;
	p->ctx.rowtime = rowtime;
	if (gb->sclosed >= 1024 && gb->sclosed * 2 >= gb->tab.n)
		stag_compact(gb);
}

static int stag_row(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_groupby *gb = pu->gb;
	struct ks_value *r = pu->f.regs;
	int64_t rowtime = pu->rowtime;
	struct ks_stagwin *w;
	struct ks_aggst *st;
	size_t k, a;
	long gi;
	int created;

	stag_close(p, pu, rowtime);
	for (k = 0; k < gb->nkeys; k++)
		gb->keybuf[k] = r[gb->key_regs[k]];
	gi = ks_gtab_find(&gb->tab, gb->keybuf,
			  ks_gtab_hash(&gb->tab, gb->keybuf), 1, &created);
	w = stag_win(&gb->tab, (size_t)gi);
	st = stag_st(&gb->tab, (size_t)gi);
	if (!w->open) {
		if (!created)
			gb->sclosed--;
		w->open = 1;
		w->open_time = rowtime;
		w->hold = ks_hold_new(p);
		if (gb->scount == gb->scap) {
			size_t ncap = gb->scap ? 2 * gb->scap : 64, q;
			size_t *nq = kc_xmalloc(ncap * sizeof(*nq));

			for (q = 0; q < gb->scount; q++)
				nq[q] = gb->squeue[(gb->shead + q) % gb->scap];
			free(gb->squeue);
			gb->squeue = nq;
			gb->scap = ncap;
			gb->shead = 0;
		}
		gb->squeue[(gb->shead + gb->scount++) % gb->scap] = (size_t)gi;
		gb->open = 1;
	}
	for (a = 0; a < gb->naggs; a++) {
		const struct ks_aggcall *ac = &gb->aggs[a];

		if (ks_agg_step(ac, &st[a], ac->arg >= 0 ? &r[ac->arg] : NULL, 1,
				&p->ctx))
			return -1;
	}
	return 0;
}

int ks_groupby_row(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_groupby *gb = pu->gb;
	struct ks_value *r = pu->f.regs;
	int64_t rowtime = pu->rowtime; /* emitting below changes pu->rowtime */
	struct ks_aggst *st;
	size_t k, kk = 0, a;
	uint64_t h;
	long gi;
	int created;

	if (gb->stagger)
		return stag_row(p, pu);
	if (gb->time_key >= 0) {
		const struct ks_value *tv = &r[gb->key_regs[gb->time_key]];

		if (tv->null)
			return ks_rowerr_set(p->ctx.err, KS_ERR_FUNCTION,
					     "the monotonic GROUP BY key is NULL");
		if (gb->open) {
			int c = time_cmp(gb, tv);

			if (c < 0)
				return ks_rowerr_set(p->ctx.err, KS_ERR_LATE_ROW,
						     "the monotonic GROUP BY key went "
						     "backwards");
			if (c > 0) {
				gb_emit_all(p, pu);
				pu->rowtime = rowtime;
				p->ctx.rowtime = rowtime;
			}
		}
		if (!gb->open) {
			gb->cur_time = *tv;
			if (!int_repr(gb->key_types[gb->time_key].t))
				ks_value_own(&gb->cur_time,
					     &gb->key_types[gb->time_key],
					     &gb->tab.arena);
			gb->open = 1;
			if (!gb->hold)
				gb->hold = ks_hold_new(p);
		}
	}
	for (k = 0; k < gb->nkeys; k++)
		if ((int)k != gb->time_key)
			gb->keybuf[kk++] = r[gb->key_regs[k]];
	h = ks_gtab_hash(&gb->tab, gb->keybuf);
	gi = ks_gtab_find(&gb->tab, gb->keybuf, h, 1, &created);
	st = ks_gtab_payload(&gb->tab, (size_t)gi);
	for (a = 0; a < gb->naggs; a++) {
		const struct ks_aggcall *ac = &gb->aggs[a];
		const struct ks_value *v = ac->arg >= 0 ? &r[ac->arg] : NULL;

		if (ac->distinct) {
			struct ks_value dk[2];
			int made;

			if (v->null)
				continue;
			dk[0].null = 0;
			dk[0].u.i = gi;
			dk[1] = *v;
			ks_gtab_find(&gb->dsets[a], dk,
				     ks_gtab_hash(&gb->dsets[a], dk), 1, &made);
			if (!made)
				continue;
		}
		if (ks_agg_step(ac, &st[a], v, 1, &p->ctx))
			return -1;
	}
	gb->open = 1;
	if (rowtime > gb->max_rowtime)
		gb->max_rowtime = rowtime;
	return 0;
}

void ks_groupby_bound(struct ks_plan *p, struct ks_pump *pu, int64_t t)
{
	struct ks_groupby *gb = pu->gb;

	if (gb->stagger) {
		stag_close(p, pu, t);
		return;
	}
	if (gb->open && gb->time_key >= 0 && gb->time_rowtime &&
	    t >= gb->cur_time.u.i + gb->time_step && gb->time_step > 0)
		gb_emit_all(p, pu);
}

void ks_groupby_flush(struct ks_plan *p, struct ks_pump *pu)
{
	struct ks_groupby *gb = pu->gb;

	if (gb->stagger) {
		stag_close(p, pu, INT64_MAX);
		return;
	}
	/* An aggregate without GROUP BY over no rows is still one row. */
	if (!gb->nkeys && !gb->tab.n && p->adhoc) {
		int created;

		ks_gtab_find(&gb->tab, gb->keybuf, ks_gtab_hash(&gb->tab, gb->keybuf),
			     1, &created);
		gb->open = 1;
	}
	if (gb->open || gb->tab.n)
		gb_emit_all(p, pu);
}

void ks_groupby_release(struct ks_groupby *gb)
{
	size_t i, a;

	if (!gb)
		return;
	if (gb->stagger) {
		for (i = 0; i < gb->tab.n; i++)
			for (a = 0; a < gb->naggs; a++)
				ks_agg_free(&stag_st(&gb->tab, i)[a]);
		free(gb->squeue);
	} else if (gb->has_strings)
		for (i = 0; i < gb->tab.n; i++) {
			struct ks_aggst *st = ks_gtab_payload(&gb->tab, i);

			for (a = 0; a < gb->naggs; a++)
				ks_agg_free(&st[a]);
		}
	ks_gtab_release(&gb->tab);
	if (gb->dsets) {
		for (a = 0; a < gb->naggs; a++)
			if (gb->aggs[a].distinct)
				ks_gtab_release(&gb->dsets[a]);
		free(gb->dsets);
	}
	free(gb->key_regs);
	free(gb->key_types);
	free(gb->aggs);
	free(gb->post_keys);
	free(gb->keybuf);
	ks_regfile_release(&gb->post);
	ks_code_release(&gb->having);
	free(gb);
}
