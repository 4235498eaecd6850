/*
 * value.c: SQL values and types for ksql: the row arena, row errors, type
 * names and rules, operators, comparisons, hashing, casts, text forms and
 * LIKE. (First cut: arena, row errors and type names; the rest follows.)
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksql.h"
#include "banned.h"

/* ---- the row arena ---- */

/*
 * Every chunk starts with this header, which links it into the list of
 * replaced chunks once a bigger one takes its place; so keeping old chunks
 * alive until the reset costs no allocation.
 */
struct ks_arena_old {
	struct ks_arena_old *next;
	size_t cap;
};
#define ARENA_HDR ((sizeof(struct ks_arena_old) + 15) & ~(size_t)15)

void ks_arena_init(struct ks_arena *a)
{
	a->chunk = NULL;
	a->used = 0;
	a->cap = 0;
	a->old = NULL;
}

static void arena_grow(struct ks_arena *a, size_t n)
{
	size_t cap = a->cap ? a->cap * 2 : 4096;
	struct ks_arena_old *h;

	while (cap < n + ARENA_HDR)
		cap *= 2;
	if (a->chunk) {
		h = (struct ks_arena_old *)a->chunk;
		h->next = a->old;
		h->cap = a->cap;
		a->old = h;
	}
	a->chunk = kc_xmalloc(cap);
	a->cap = cap;
	a->used = ARENA_HDR;
}

void *ks_arena_alloc(struct ks_arena *a, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n > a->cap - a->used || !a->chunk)
		arena_grow(a, n);
	p = a->chunk + a->used;
	a->used += n;
	return p;
}

char *ks_arena_strdup(struct ks_arena *a, const char *p, size_t n)
{
	char *s = ks_arena_alloc(a, n + 1);

	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void ks_arena_reset(struct ks_arena *a)
{
	struct ks_arena_old *h, *next;

	for (h = a->old; h; h = next) {
		next = h->next;
		free(h);
	}
	a->old = NULL;
	if (a->chunk)
		a->used = ARENA_HDR;
}

void ks_arena_release(struct ks_arena *a)
{
	ks_arena_reset(a);
	free(a->chunk);
	ks_arena_init(a);
}

/* ---- row errors ---- */

int ks_rowerr_set(struct ks_rowerr *e, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->name = name;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- placeholders, replaced in the next commits ---- */

static const char *const type_names[] = {
	"NULL", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
	"DECIMAL", "REAL", "DOUBLE", "CHAR", "VARCHAR", "TIMESTAMP", "DATE",
	"INTERVAL DAY TO SECOND", "INTERVAL YEAR TO MONTH",
};

const char *ks_type_name(enum ks_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ?
		       type_names[t] :
		       "?";
}

int ks_type_is_integer(enum ks_type t)
{
	return t >= KS_T_TINYINT && t <= KS_T_BIGINT;
}

int ks_type_is_numeric(enum ks_type t)
{
	return t >= KS_T_TINYINT && t <= KS_T_DOUBLE;
}

int ks_type_is_string(enum ks_type t)
{
	return t == KS_T_CHAR || t == KS_T_VARCHAR;
}

int ks_type_parse(const char *s, size_t n, struct ks_sqltype *t, char *msg,
		  size_t msgsz)
{
	(void)s, (void)n, (void)t;
	snprintf(msg, msgsz, "not implemented yet");
	return -1;
}

void ks_type_format(const struct ks_sqltype *t, struct kc_buf *out)
{
	kc_buf_adds(out, ks_type_name(t->t));
}

int ks_type_binary(enum ks_op op, const struct ks_sqltype *a,
		   const struct ks_sqltype *b, struct ks_sqltype *rt, char *msg,
		   size_t msgsz)
{
	(void)op, (void)a, (void)b, (void)rt;
	snprintf(msg, msgsz, "not implemented yet");
	return -1;
}

int ks_type_unary(enum ks_op op, const struct ks_sqltype *a,
		  struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)op, (void)a, (void)rt;
	snprintf(msg, msgsz, "not implemented yet");
	return -1;
}

int ks_type_common(const struct ks_sqltype *a, const struct ks_sqltype *b,
		   struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)a, (void)b, (void)rt;
	snprintf(msg, msgsz, "not implemented yet");
	return -1;
}

int ks_type_castable(const struct ks_sqltype *from, const struct ks_sqltype *to)
{
	(void)from, (void)to;
	return 0;
}

int ks_type_assignable(const struct ks_sqltype *from,
		       const struct ks_sqltype *to)
{
	(void)from, (void)to;
	return 0;
}

int ks_eval_binary(struct ks_eval_ctx *c, enum ks_op op,
		   const struct ks_value *a, const struct ks_sqltype *at,
		   const struct ks_value *b, const struct ks_sqltype *bt,
		   const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)op, (void)a, (void)at, (void)b, (void)bt, (void)rt, (void)out;
	return ks_rowerr_set(c->err, KS_ERR_FUNCTION, "not implemented yet");
}

int ks_eval_unary(struct ks_eval_ctx *c, enum ks_op op,
		  const struct ks_value *a, const struct ks_sqltype *at,
		  const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)op, (void)a, (void)at, (void)rt, (void)out;
	return ks_rowerr_set(c->err, KS_ERR_FUNCTION, "not implemented yet");
}

int ks_compare(const struct ks_value *a, const struct ks_sqltype *at,
	       const struct ks_value *b, const struct ks_sqltype *bt)
{
	(void)at, (void)bt;
	return (a->u.i > b->u.i) - (a->u.i < b->u.i);
}

uint64_t ks_value_hash(const struct ks_value *v, const struct ks_sqltype *t)
{
	(void)t;
	return v->null ? 0 : (uint64_t)v->u.i * 0x9e3779b97f4a7c15ull;
}

int ks_value_equal(const struct ks_value *a, const struct ks_value *b,
		   const struct ks_sqltype *t)
{
	(void)t;
	return a->null == b->null && (a->null || a->u.i == b->u.i);
}

void ks_value_own(struct ks_value *v, const struct ks_sqltype *t,
		  struct ks_arena *a)
{
	if (!v->null && ks_type_is_string(t->t))
		v->u.s.p = ks_arena_strdup(a, v->u.s.p, v->u.s.n);
}

int ks_cast(struct ks_eval_ctx *c, const struct ks_value *in,
	    const struct ks_sqltype *from, const struct ks_sqltype *to,
	    struct ks_value *out)
{
	(void)in, (void)from, (void)to, (void)out;
	return ks_rowerr_set(c->err, KS_ERR_CAST, "not implemented yet");
}

int ks_from_text(struct ks_eval_ctx *c, const char *s, size_t n,
		 const struct ks_sqltype *t, struct ks_value *out)
{
	(void)s, (void)n, (void)t, (void)out;
	return ks_rowerr_set(c->err, KS_ERR_CAST, "not implemented yet");
}

void ks_value_text(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out)
{
	(void)v, (void)t, (void)out;
}

void ks_value_json(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out)
{
	(void)v, (void)t;
	kc_buf_adds(out, "null");
}

struct ks_like {
	int dummy;
};

int ks_like_compile(const char *pat, size_t n, const char *escape, size_t en,
		    struct ks_like **out, char *msg, size_t msgsz)
{
	(void)pat, (void)n, (void)escape, (void)en, (void)out;
	snprintf(msg, msgsz, "not implemented yet");
	return -1;
}

int ks_like_match(const struct ks_like *l, const char *s, size_t n)
{
	(void)l, (void)s, (void)n;
	return 0;
}

void ks_like_free(struct ks_like *l)
{
	free(l);
}
