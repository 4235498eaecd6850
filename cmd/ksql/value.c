/*
 * value.c: SQL values and types for ksql: the row arena, row errors, type
 * names and rules, operators, comparisons, hashing, casts, text forms and
 * LIKE.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksql.h"
#include "func.h"
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


/* ---- type names ---- */

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

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

static int is_datetime(enum ks_type t)
{
	return t == KS_T_TIMESTAMP || t == KS_T_DATE;
}

static int is_interval(enum ks_type t)
{
	return t == KS_T_INTERVAL_DS || t == KS_T_INTERVAL_YM;
}

const char *ks_type_str(const struct ks_sqltype *t, char *buf, size_t sz)
{
	if (t->t == KS_T_DECIMAL)
		snprintf(buf, sz, "DECIMAL(%d,%d)", (int)t->len, (int)t->scale);
	else if (ks_type_is_string(t->t) && t->len > 0)
		snprintf(buf, sz, "%s(%d)", ks_type_name(t->t), (int)t->len);
	else
		snprintf(buf, sz, "%s", ks_type_name(t->t));
	return buf;
}

#define tstr ks_type_str

void ks_type_format(const struct ks_sqltype *t, struct kc_buf *out)
{
	char buf[64];

	kc_buf_adds(out, tstr(t, buf, sizeof(buf)));
}

/* Precision and scale of an exact numeric type, integers as DECIMAL(p,0). */
static int num_prec(const struct ks_sqltype *t)
{
	switch (t->t) {
	case KS_T_TINYINT:
		return 3;
	case KS_T_SMALLINT:
		return 5;
	case KS_T_INTEGER:
		return 10;
	case KS_T_BIGINT:
		return 19;
	case KS_T_DECIMAL:
		return t->len > 0 ? t->len : 18;
	default:
		return 18;
	}
}

static int num_scale(const struct ks_sqltype *t)
{
	return t->t == KS_T_DECIMAL ? t->scale : 0;
}

/* ---- parsing a type name ---- */

struct tok {
	const char *p;
	size_t n;
};

static int word_is(const struct tok *w, const char *s)
{
	return strlen(s) == w->n && !strncasecmp(w->p, s, w->n);
}

/* Splits s into words and the parenthesised numbers. */
static size_t type_words(const char *s, size_t n, struct tok *w, size_t maxw,
			 const char **paren)
{
	size_t i = 0, nw = 0;

	*paren = NULL;
	while (i < n) {
		size_t j;

		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (s[i] == '(') {
			*paren = s + i;
			return nw;
		}
		for (j = i; j < n && !isspace((unsigned char)s[j]) && s[j] != '(';
		     j++)
			;
		if (nw < maxw) {
			w[nw].p = s + i;
			w[nw].n = j - i;
		}
		nw++;
		i = j;
	}
	return nw;
}

/* Parses "(p)" or "(p,s)"; the rest after ')' goes to *rest. */
static int type_args(const char *p, const char *end, long *a, long *b,
		     int *nargs, const char **rest)
{
	char *q;

	*nargs = 0;
	p++;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || !isdigit((unsigned char)*p))
		return -1;
	*a = strtol(p, &q, 10);
	if (q > end || *a > 1000000)
		return -1;
	p = q;
	*nargs = 1;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && *p == ',') {
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || !isdigit((unsigned char)*p))
			return -1;
		*b = strtol(p, &q, 10);
		if (q > end || *b > 1000000)
			return -1;
		p = q;
		*nargs = 2;
		while (p < end && isspace((unsigned char)*p))
			p++;
	}
	if (p >= end || *p != ')')
		return -1;
	*rest = p + 1;
	return 0;
}

int ks_type_parse(const char *s, size_t n, struct ks_sqltype *t, char *msg,
		  size_t msgsz)
{
	struct tok w[4], rw[4];
	const char *paren, *rest = s + n, *end = s + n, *rp;
	size_t nw, nrw = 0, used;
	long a = 0, b = 0;
	int nargs = 0;
	enum ks_type ty;

	memset(t, 0, sizeof(*t));
	nw = type_words(s, n, w, 4, &paren);
	if (paren) {
		if (type_args(paren, end, &a, &b, &nargs, &rest) < 0)
			goto bad;
		nrw = type_words(rest, (size_t)(end - rest), rw, 4, &rp);
		if (rp)
			goto bad;
	}
	if (nw == 0 || nw > 4 || nrw > 2)
		goto bad;
	used = 1;
	if (word_is(&w[0], "BOOLEAN") || word_is(&w[0], "BOOL"))
		ty = KS_T_BOOLEAN;
	else if (word_is(&w[0], "TINYINT"))
		ty = KS_T_TINYINT;
	else if (word_is(&w[0], "SMALLINT"))
		ty = KS_T_SMALLINT;
	else if (word_is(&w[0], "INTEGER") || word_is(&w[0], "INT"))
		ty = KS_T_INTEGER;
	else if (word_is(&w[0], "BIGINT"))
		ty = KS_T_BIGINT;
	else if (word_is(&w[0], "DECIMAL") || word_is(&w[0], "DEC") ||
		 word_is(&w[0], "NUMERIC"))
		ty = KS_T_DECIMAL;
	else if (word_is(&w[0], "REAL"))
		ty = KS_T_REAL;
	else if (word_is(&w[0], "FLOAT"))
		ty = KS_T_DOUBLE; /* SQL:2008 FLOAT is implementation-defined */
	else if (word_is(&w[0], "DOUBLE")) {
		ty = KS_T_DOUBLE;
		if (nw > 1 && word_is(&w[1], "PRECISION"))
			used = 2;
	} else if (word_is(&w[0], "CHAR") || word_is(&w[0], "CHARACTER")) {
		ty = KS_T_CHAR;
		if (nw > 1 && word_is(&w[1], "VARYING")) {
			ty = KS_T_VARCHAR;
			used = 2;
		}
	} else if (word_is(&w[0], "VARCHAR"))
		ty = KS_T_VARCHAR;
	else if (word_is(&w[0], "TIMESTAMP"))
		ty = KS_T_TIMESTAMP;
	else if (word_is(&w[0], "DATE"))
		ty = KS_T_DATE;
	else
		goto bad;
	/* Words after the name and before '(' other than NOT NULL. */
	if (paren && nw != used)
		goto bad;
	if (!paren) {
		if (nw == used + 2 && word_is(&w[used], "NOT") &&
		    word_is(&w[used + 1], "NULL"))
			t->not_null = 1;
		else if (nw != used)
			goto bad;
	} else if (nrw == 2 && word_is(&rw[0], "NOT") && word_is(&rw[1], "NULL"))
		t->not_null = 1;
	else if (nrw)
		goto bad;
	t->t = ty;
	switch (ty) {
	case KS_T_CHAR:
	case KS_T_VARCHAR:
		if (nargs > 1)
			goto bad;
		if (nargs == 1 && (a < 1 || a >= 65535)) {
			snprintf(msg, msgsz,
				 "%s length must be between 1 and 65534",
				 ks_type_name(ty));
			return -1;
		}
		t->len = nargs ? (int32_t)a : ty == KS_T_CHAR ? 1 : 0;
		return 0;
	case KS_T_DECIMAL:
		if (nargs == 0) {
			t->len = 18;
			return 0;
		}
		if (a < 1 || a > 18) {
			snprintf(msg, msgsz,
				 "DECIMAL precision must be between 1 and 18");
			return -1;
		}
		if (nargs == 2 && b > a) {
			snprintf(msg, msgsz,
				 "DECIMAL scale must not exceed its precision");
			return -1;
		}
		t->len = (int32_t)a;
		t->scale = (int16_t)(nargs == 2 ? b : 0);
		return 0;
	default:
		if (nargs)
			goto bad;
		return 0;
	}
bad:
	snprintf(msg, msgsz, "unknown type '%.*s'", (int)(n > 64 ? 64 : n), s);
	return -1;
}

/* ---- type rules ---- */

static const char *op_names[] = {
	"?", "+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=",
	"AND", "OR", "-", "NOT", "+",
};

static const char *op_name(enum ks_op op)
{
	return (unsigned)op < sizeof(op_names) / sizeof(op_names[0]) ?
		       op_names[op] :
		       "?";
}

static int type_err2(enum ks_op op, const struct ks_sqltype *a,
		     const struct ks_sqltype *b, char *msg, size_t msgsz)
{
	char x[64], y[64];

	snprintf(msg, msgsz, "cannot apply '%s' to %s and %s", op_name(op),
		 tstr(a, x, sizeof(x)), tstr(b, y, sizeof(y)));
	return -1;
}

static void set_type(struct ks_sqltype *rt, enum ks_type t, int32_t len,
		     int16_t scale)
{
	rt->t = t;
	rt->len = len;
	rt->scale = scale;
	rt->not_null = 0;
}

static int imin(int a, int b)
{
	return a < b ? a : b;
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Numeric result types. Integers: the wider operand type (so TINYINT +
 * TINYINT is TINYINT and overflows past 127: SQL:2008 leaves the choice
 * to the implementation, and this keeps declared column types meaningful).
 * DECIMAL (SQL:2008 6.27): + and - take the larger scale and one more
 * integer digit, * adds precisions and scales, / keeps at least 6
 * fractional digits (SQL:2008 leaves it open; this is SQL Server's rule),
 * all capped at 18 digits. REAL and DOUBLE win over exact types.
 */
static void arith_type(enum ks_op op, const struct ks_sqltype *a,
		       const struct ks_sqltype *b, struct ks_sqltype *rt)
{
	enum ks_type t = a->t > b->t ? a->t : b->t;
	int p1, s1, p2, s2, s, p;

	if (t != KS_T_DECIMAL) {
		set_type(rt, t, 0, 0);
		return;
	}
	p1 = num_prec(a), s1 = num_scale(a);
	p2 = num_prec(b), s2 = num_scale(b);
	switch (op) {
	case KS_OP_MUL:
		s = imin(s1 + s2, 18);
		p = imin(p1 + p2, 18);
		break;
	case KS_OP_DIV:
		s = imin(imax(6, imax(s1, s2)), 18);
		p = 18;
		break;
	case KS_OP_MOD:
		s = imax(s1, s2);
		p = imin(18, p2 - s2 + s);
		break;
	default:
		s = imax(s1, s2);
		p = imin(18, imax(p1 - s1, p2 - s2) + s + 1);
		break;
	}
	if (p < s)
		p = s;
	if (p < 1)
		p = 1;
	set_type(rt, KS_T_DECIMAL, p, (int16_t)s);
}

/* Whether values of a and b may be compared (NULL is checked before). */
static int comparable(enum ks_type a, enum ks_type b)
{
	if (ks_type_is_numeric(a) && ks_type_is_numeric(b))
		return 1;
	if (ks_type_is_string(a) && ks_type_is_string(b))
		return 1;
	if (is_datetime(a) && is_datetime(b))
		return 1;
	return a == b; /* BOOLEAN, and intervals of one kind */
}

int ks_type_binary(enum ks_op op, const struct ks_sqltype *a,
		   const struct ks_sqltype *b, struct ks_sqltype *rt, char *msg,
		   size_t msgsz)
{
	enum ks_type x = a->t, y = b->t;

	/* A bare NULL takes the other operand's type. */
	if (x == KS_T_NULL && y != KS_T_NULL)
		a = b, x = y;
	else if (y == KS_T_NULL && x != KS_T_NULL)
		b = a, y = x;
	switch (op) {
	case KS_OP_EQ:
	case KS_OP_NE:
	case KS_OP_LT:
	case KS_OP_LE:
	case KS_OP_GT:
	case KS_OP_GE:
		if (x != KS_T_NULL && !comparable(x, y))
			return type_err2(op, a, b, msg, msgsz);
		set_type(rt, KS_T_BOOLEAN, 0, 0);
		return 0;
	case KS_OP_AND:
	case KS_OP_OR:
		if ((x != KS_T_BOOLEAN && x != KS_T_NULL) ||
		    (y != KS_T_BOOLEAN && y != KS_T_NULL))
			return type_err2(op, a, b, msg, msgsz);
		set_type(rt, KS_T_BOOLEAN, 0, 0);
		return 0;
	case KS_OP_CONCAT:
		if (x == KS_T_NULL) {
			set_type(rt, KS_T_VARCHAR, 0, 0);
			return 0;
		}
		if (!ks_type_is_string(x) || !ks_type_is_string(y))
			return type_err2(op, a, b, msg, msgsz);
		set_type(rt,
			 x == KS_T_CHAR && y == KS_T_CHAR ? KS_T_CHAR :
							    KS_T_VARCHAR,
			 a->len > 0 && b->len > 0 && a->len + b->len < 65535 ?
				 a->len + b->len :
				 0,
			 0);
		return 0;
	case KS_OP_ADD:
	case KS_OP_SUB:
	case KS_OP_MUL:
	case KS_OP_DIV:
	case KS_OP_MOD:
		break;
	default:
		snprintf(msg, msgsz, "'%s' is not a binary operator",
			 op_name(op));
		return -1;
	}
	if (x == KS_T_NULL) {
		set_type(rt, KS_T_NULL, 0, 0);
		return 0;
	}
	if (ks_type_is_numeric(x) && ks_type_is_numeric(y)) {
		arith_type(op, a, b, rt);
		return 0;
	}
	if (op == KS_OP_ADD || op == KS_OP_SUB) {
		/* datetime ± interval, interval + datetime */
		if (is_datetime(x) && is_interval(y)) {
			set_type(rt, x, 0, 0);
			return 0;
		}
		if (op == KS_OP_ADD && is_interval(x) && is_datetime(y)) {
			set_type(rt, y, 0, 0);
			return 0;
		}
		if (is_interval(x) && x == y) {
			set_type(rt, x, 0, 0);
			return 0;
		}
		/* datetime - datetime: a day-time interval */
		if (op == KS_OP_SUB && is_datetime(x) && is_datetime(y)) {
			set_type(rt, KS_T_INTERVAL_DS, 0, 0);
			return 0;
		}
	}
	if (op == KS_OP_MUL && ((is_interval(x) && ks_type_is_numeric(y)) ||
				(ks_type_is_numeric(x) && is_interval(y)))) {
		set_type(rt, is_interval(x) ? x : y, 0, 0);
		return 0;
	}
	if (op == KS_OP_DIV && is_interval(x) && ks_type_is_numeric(y)) {
		set_type(rt, x, 0, 0);
		return 0;
	}
	return type_err2(op, a, b, msg, msgsz);
}

int ks_type_unary(enum ks_op op, const struct ks_sqltype *a,
		  struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char x[64];

	switch (op) {
	case KS_OP_NEG:
	case KS_OP_PLUS:
		if (a->t == KS_T_NULL || ks_type_is_numeric(a->t) ||
		    is_interval(a->t)) {
			*rt = *a;
			rt->not_null = 0;
			return 0;
		}
		break;
	case KS_OP_NOT:
		if (a->t == KS_T_NULL || a->t == KS_T_BOOLEAN) {
			set_type(rt, KS_T_BOOLEAN, 0, 0);
			return 0;
		}
		break;
	default:
		snprintf(msg, msgsz, "'%s' is not a unary operator",
			 op_name(op));
		return -1;
	}
	snprintf(msg, msgsz, "cannot apply '%s' to %s", op_name(op),
		 tstr(a, x, sizeof(x)));
	return -1;
}

int ks_type_common(const struct ks_sqltype *a, const struct ks_sqltype *b,
		   struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char x[64], y[64];
	enum ks_type t;

	if (a->t == KS_T_NULL || b->t == KS_T_NULL) {
		*rt = a->t == KS_T_NULL ? *b : *a;
		rt->not_null = 0;
		return 0;
	}
	if (ks_type_is_numeric(a->t) && ks_type_is_numeric(b->t)) {
		t = a->t > b->t ? a->t : b->t;
		if (t == KS_T_DECIMAL) {
			int s = imax(num_scale(a), num_scale(b));
			int p = imin(18, imax(num_prec(a) - num_scale(a),
					      num_prec(b) - num_scale(b)) +
						 s);

			set_type(rt, t, p, (int16_t)s);
		} else
			set_type(rt, t, 0, 0);
		return 0;
	}
	if (ks_type_is_string(a->t) && ks_type_is_string(b->t)) {
		/* CHAR only if both are; VARCHAR keeps the longer length */
		t = a->t == KS_T_CHAR && b->t == KS_T_CHAR ? KS_T_CHAR :
							     KS_T_VARCHAR;
		set_type(rt, t,
			 a->len > 0 && b->len > 0 ? imax(a->len, b->len) : 0,
			 0);
		return 0;
	}
	if (is_datetime(a->t) && is_datetime(b->t)) {
		set_type(rt, a->t == b->t ? a->t : KS_T_TIMESTAMP, 0, 0);
		return 0;
	}
	if (a->t == b->t) {
		set_type(rt, a->t, 0, 0);
		return 0;
	}
	snprintf(msg, msgsz, "incompatible types %s and %s",
		 tstr(a, x, sizeof(x)), tstr(b, y, sizeof(y)));
	return -1;
}

/*
 * CAST as the KDA reference lists it (sqlref CAST, "Valid Conversions"):
 * numbers to numbers and strings; strings to everything; DATE to DATE,
 * TIMESTAMP and strings; TIMESTAMP to TIMESTAMP, DATE and strings; a
 * day-time interval to itself, exact numbers (milliseconds) and strings;
 * BOOLEAN to BOOLEAN and strings. A year-month interval (which KDA does
 * not have as a value type) casts to itself and strings.
 */
int ks_type_castable(const struct ks_sqltype *from, const struct ks_sqltype *to)
{
	enum ks_type f = from->t, t = to->t;

	if (f == KS_T_NULL || f == t)
		return 1;
	if (ks_type_is_string(t))
		return 1;
	if (ks_type_is_string(f))
		return t != KS_T_NULL;
	if (ks_type_is_numeric(f))
		return ks_type_is_numeric(t);
	if (is_datetime(f))
		return is_datetime(t);
	if (f == KS_T_INTERVAL_DS)
		return t == KS_T_BIGINT || t == KS_T_DECIMAL ||
		       t == KS_T_INTEGER;
	return 0;
}

/*
 * INSERT INTO a stream column: a NULL anywhere, numbers into any numeric
 * column (range-checked per row), strings into strings (truncated or
 * padded), DATE and TIMESTAMP into each other, otherwise the same type.
 */
int ks_type_assignable(const struct ks_sqltype *from,
		       const struct ks_sqltype *to)
{
	enum ks_type f = from->t, t = to->t;

	if (f == KS_T_NULL || f == t)
		return 1;
	if (ks_type_is_numeric(f) && ks_type_is_numeric(t))
		return 1;
	if (ks_type_is_string(f) && ks_type_is_string(t))
		return 1;
	return is_datetime(f) && is_datetime(t);
}

/* ---- evaluation ---- */

static const int64_t p10[19] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

static i128 pow10_128(int e)
{
	i128 r = 1;

	while (e >= 18) {
		r *= p10[18];
		e -= 18;
	}
	return r * p10[e];
}

/* Whether v fits integer type t, or DECIMAL(p) (|v| < 10^p). */
static int fits(const struct ks_sqltype *t, int64_t v)
{
	switch (t->t) {
	case KS_T_TINYINT:
		return v >= -128 && v <= 127;
	case KS_T_SMALLINT:
		return v >= -32768 && v <= 32767;
	case KS_T_INTEGER:
		return v >= INT32_MIN && v <= INT32_MAX;
	case KS_T_DECIMAL:
		return t->len <= 0 || t->len > 18 ||
		       (v < p10[t->len] && v > -p10[t->len]);
	default:
		return 1;
	}
}

static int fits128(const struct ks_sqltype *t, i128 v)
{
	if (v > INT64_MAX || v < INT64_MIN)
		return 0;
	return fits(t, (int64_t)v);
}

static double to_double(const struct ks_value *v, const struct ks_sqltype *t)
{
	switch (t->t) {
	case KS_T_REAL:
	case KS_T_DOUBLE:
		return v->u.d;
	case KS_T_DECIMAL:
		return t->scale ? (double)v->u.i / (double)p10[t->scale] :
				  (double)v->u.i;
	default:
		return (double)v->u.i;
	}
}

static int div_zero(struct ks_eval_ctx *c)
{
	return ks_rowerr_set(c->err, KS_ERR_DIVISION_BY_ZERO,
			     "division by zero");
}

static int overflow(struct ks_eval_ctx *c, const struct ks_sqltype *rt)
{
	char x[64];

	return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
			     "numeric overflow: result does not fit %s",
			     tstr(rt, x, sizeof(x)));
}

static int overflow_int(struct ks_eval_ctx *c, enum ks_op op, int64_t x,
			int64_t y, const struct ks_sqltype *rt)
{
	char t[64];

	return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
			     "numeric overflow: %lld %s %lld does not fit %s",
			     (long long)x, op_name(op), (long long)y,
			     tstr(rt, t, sizeof(t)));
}

/* Divides by 10^e rounding half away from zero. */
static i128 round_div10(i128 v, int e)
{
	i128 d, q, r;

	if (e <= 0)
		return v;
	if (e > 38)
		return 0;
	d = pow10_128(e);
	q = v / d;
	r = v % d;
	if (r < 0)
		r = -r;
	if (r * 2 >= d)
		q += v < 0 ? -1 : 1;
	return q;
}

static int arith_int(struct ks_eval_ctx *c, enum ks_op op, int64_t x,
		     int64_t y, const struct ks_sqltype *rt, struct ks_value *out)
{
	int64_t r;

	switch (op) {
	case KS_OP_ADD:
		if (__builtin_add_overflow(x, y, &r))
			return overflow_int(c, op, x, y, rt);
		break;
	case KS_OP_SUB:
		if (__builtin_sub_overflow(x, y, &r))
			return overflow_int(c, op, x, y, rt);
		break;
	case KS_OP_MUL:
		if (__builtin_mul_overflow(x, y, &r))
			return overflow_int(c, op, x, y, rt);
		break;
	case KS_OP_DIV:
		if (y == 0)
			return div_zero(c);
		if (y == -1) {
			if (x == INT64_MIN)
				return overflow_int(c, op, x, y, rt);
			r = -x;
		} else
			r = x / y;
		break;
	default: /* MOD: the sign of the dividend, as SQL's MOD */
		if (y == 0)
			return div_zero(c);
		r = y == -1 ? 0 : x % y;
		break;
	}
	if (!fits(rt, r))
		return overflow_int(c, op, x, y, rt);
	out->null = 0;
	out->u.i = r;
	return 0;
}

static int arith_dec(struct ks_eval_ctx *c, enum ks_op op,
		     const struct ks_value *a, const struct ks_sqltype *at,
		     const struct ks_value *b, const struct ks_sqltype *bt,
		     const struct ks_sqltype *rt, struct ks_value *out)
{
	int sa = num_scale(at), sb = num_scale(bt), s = rt->scale, e;
	i128 x = a->u.i, y = b->u.i, r;

	switch (op) {
	case KS_OP_ADD:
	case KS_OP_SUB:
	case KS_OP_MOD:
		x = s >= sa ? x * pow10_128(s - sa) : round_div10(x, sa - s);
		y = s >= sb ? y * pow10_128(s - sb) : round_div10(y, sb - s);
		if (op == KS_OP_ADD)
			r = x + y;
		else if (op == KS_OP_SUB)
			r = x - y;
		else {
			if (y == 0)
				return div_zero(c);
			r = x % y;
		}
		break;
	case KS_OP_MUL:
		r = x * y; /* < 2^127: both below 2^63 */
		e = sa + sb - s;
		r = e >= 0 ? round_div10(r, e) : r * pow10_128(-e);
		break;
	default: /* DIV, truncating like integer division */
		if (y == 0)
			return div_zero(c);
		e = s - sa + sb;
		if (e < 0)
			r = x / y / pow10_128(-e);
		else if (e <= 19)
			r = x * pow10_128(e) / y;
		else {
			long double q = (long double)x / (long double)y *
					(long double)pow10_128(e);

			if (q >= 1e19L || q <= -1e19L)
				return overflow(c, rt);
			r = (i128)q;
		}
		break;
	}
	if (!fits128(rt, r))
		return overflow(c, rt);
	out->null = 0;
	out->u.i = (int64_t)r;
	return 0;
}

static int arith_float(struct ks_eval_ctx *c, enum ks_op op, double x,
		       double y, const struct ks_sqltype *rt,
		       struct ks_value *out)
{
	double r;

	switch (op) {
	case KS_OP_ADD:
		r = x + y;
		break;
	case KS_OP_SUB:
		r = x - y;
		break;
	case KS_OP_MUL:
		r = x * y;
		break;
	case KS_OP_DIV:
		/* SQL:2008 makes x/0 an exception for every numeric type */
		if (y == 0)
			return div_zero(c);
		r = x / y;
		break;
	default:
		if (y == 0)
			return div_zero(c);
		r = fmod(x, y);
		break;
	}
	if (rt->t == KS_T_REAL)
		r = (float)r;
	if (isinf(r) && !isinf(x) && !isinf(y) && !isnan(x) && !isnan(y))
		return overflow(c, rt);
	out->null = 0;
	out->u.d = r;
	return 0;
}

static int64_t dt_ms(const struct ks_value *v, const struct ks_sqltype *t)
{
	return t->t == KS_T_DATE ? v->u.i * KS_MS_PER_DAY : v->u.i;
}

static int arith_time(struct ks_eval_ctx *c, enum ks_op op,
		      const struct ks_value *a, const struct ks_sqltype *at,
		      const struct ks_value *b, const struct ks_sqltype *bt,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	int64_t r, x, y;
	double f;

	out->null = 0;
	if (is_datetime(rt->t)) {
		const struct ks_value *dv = a, *iv = b;
		const struct ks_sqltype *it = bt;
		int64_t n;

		if (is_interval(at->t))
			dv = b, iv = a, it = at;
		n = iv->u.i;
		if (op == KS_OP_SUB) {
			if (n == INT64_MIN)
				return overflow(c, rt);
			n = -n;
		}
		if (it->t == KS_T_INTERVAL_YM) {
			if (ks_ts_add_months(dt_ms(dv, rt), n, &r) < 0)
				return overflow(c, rt);
			if (rt->t == KS_T_DATE)
				r = ks_floor_div(r, KS_MS_PER_DAY);
		} else if (rt->t == KS_T_DATE) {
			/* SQL:2008: the result keeps the DATE's fields */
			r = dv->u.i + ks_floor_div(n, KS_MS_PER_DAY);
		} else if (__builtin_add_overflow(dv->u.i, n, &r))
			return overflow(c, rt);
		out->u.i = r;
		return 0;
	}
	/* rt is an interval */
	if (is_datetime(at->t)) { /* datetime - datetime */
		if (__builtin_sub_overflow(dt_ms(a, at), dt_ms(b, bt), &r))
			return overflow(c, rt);
		out->u.i = r;
		return 0;
	}
	if (is_interval(at->t) && is_interval(bt->t)) {
		if (op == KS_OP_ADD ? __builtin_add_overflow(a->u.i, b->u.i, &r) :
				      __builtin_sub_overflow(a->u.i, b->u.i, &r))
			return overflow(c, rt);
		out->u.i = r;
		return 0;
	}
	/* interval * number, number * interval, interval / number */
	if (is_interval(at->t))
		x = a->u.i;
	else {
		x = b->u.i;
		b = a, bt = at;
	}
	if (ks_type_is_integer(bt->t)) {
		y = b->u.i;
		if (op == KS_OP_DIV) {
			if (y == 0)
				return div_zero(c);
			if (x == INT64_MIN && y == -1)
				return overflow(c, rt);
			out->u.i = x / y;
			return 0;
		}
		if (__builtin_mul_overflow(x, y, &r))
			return overflow(c, rt);
		out->u.i = r;
		return 0;
	}
	f = to_double(b, bt);
	if (op == KS_OP_DIV) {
		if (f == 0)
			return div_zero(c);
		f = (double)x / f;
	} else
		f = (double)x * f;
	if (!(f < 9.2e18 && f > -9.2e18))
		return overflow(c, rt);
	out->u.i = llround(f);
	return 0;
}

/* Strings: bytewise (UTF-8 keeps code point order); with blank padding
 * when either side is CHAR (SQL:2008 PAD SPACE). */
static int str_cmp(const char *p, size_t n, const char *q, size_t m, int pad)
{
	size_t k = n < m ? n : m, i;
	int r = k ? memcmp(p, q, k) : 0;

	if (r || n == m)
		return r < 0 ? -1 : r > 0;
	if (!pad)
		return n < m ? -1 : 1;
	if (n > m) {
		for (i = k; i < n; i++)
			if (p[i] != ' ')
				return (unsigned char)p[i] < ' ' ? -1 : 1;
	} else {
		for (i = k; i < m; i++)
			if (q[i] != ' ')
				return (unsigned char)q[i] < ' ' ? 1 : -1;
	}
	return 0;
}

static int dbl_cmp(double x, double y)
{
	if (x < y)
		return -1;
	if (x > y)
		return 1;
	if (x == y)
		return 0;
	/* NaN sorts after every number and equals itself */
	return isnan(x) ? (isnan(y) ? 0 : 1) : -1;
}

int ks_compare(const struct ks_value *a, const struct ks_sqltype *at,
	       const struct ks_value *b, const struct ks_sqltype *bt)
{
	enum ks_type x = at->t, y = bt->t;

	if (x == y && (x != KS_T_DECIMAL || at->scale == bt->scale)) {
		switch (x) {
		case KS_T_REAL:
		case KS_T_DOUBLE:
			return dbl_cmp(a->u.d, b->u.d);
		case KS_T_CHAR:
		case KS_T_VARCHAR:
			return str_cmp(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n,
				       x == KS_T_CHAR);
		default:
			return (a->u.i > b->u.i) - (a->u.i < b->u.i);
		}
	}
	if (ks_type_is_numeric(x) && ks_type_is_numeric(y)) {
		if (x <= KS_T_DECIMAL && y <= KS_T_DECIMAL) {
			int sa = num_scale(at), sb = num_scale(bt);
			i128 p = a->u.i, q = b->u.i;

			if (sa < sb)
				p *= pow10_128(sb - sa);
			else
				q *= pow10_128(sa - sb);
			return (p > q) - (p < q);
		}
		return dbl_cmp(to_double(a, at), to_double(b, bt));
	}
	if (ks_type_is_string(x))
		return str_cmp(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n,
			       x == KS_T_CHAR || y == KS_T_CHAR);
	if (is_datetime(x)) {
		int64_t p = dt_ms(a, at), q = dt_ms(b, bt);

		return (p > q) - (p < q);
	}
	return (a->u.i > b->u.i) - (a->u.i < b->u.i);
}

int ks_eval_binary(struct ks_eval_ctx *c, enum ks_op op,
		   const struct ks_value *a, const struct ks_sqltype *at,
		   const struct ks_value *b, const struct ks_sqltype *bt,
		   const struct ks_sqltype *rt, struct ks_value *out)
{
	int r;

	switch (op) {
	case KS_OP_AND:
		/* FALSE wins over NULL, then NULL over TRUE */
		if ((!a->null && !a->u.i) || (!b->null && !b->u.i)) {
			out->null = 0;
			out->u.i = 0;
		} else if (a->null || b->null)
			out->null = 1;
		else {
			out->null = 0;
			out->u.i = 1;
		}
		return 0;
	case KS_OP_OR:
		if ((!a->null && a->u.i) || (!b->null && b->u.i)) {
			out->null = 0;
			out->u.i = 1;
		} else if (a->null || b->null)
			out->null = 1;
		else {
			out->null = 0;
			out->u.i = 0;
		}
		return 0;
	default:
		break;
	}
	if (a->null || b->null) {
		out->null = 1;
		return 0;
	}
	switch (op) {
	case KS_OP_EQ:
	case KS_OP_NE:
	case KS_OP_LT:
	case KS_OP_LE:
	case KS_OP_GT:
	case KS_OP_GE:
		r = ks_compare(a, at, b, bt);
		out->null = 0;
		out->u.i = op == KS_OP_EQ ? r == 0 :
			   op == KS_OP_NE ? r != 0 :
			   op == KS_OP_LT ? r < 0 :
			   op == KS_OP_LE ? r <= 0 :
			   op == KS_OP_GT ? r > 0 :
					    r >= 0;
		return 0;
	case KS_OP_CONCAT: {
		size_t n = (size_t)a->u.s.n + b->u.s.n;
		char *p;

		p = ks_arena_alloc(c->arena, n ? n : 1);
		if (a->u.s.n)
			memcpy(p, a->u.s.p, a->u.s.n);
		if (b->u.s.n)
			memcpy(p + a->u.s.n, b->u.s.p, b->u.s.n);
		out->null = 0;
		out->u.s.p = p;
		out->u.s.n = (uint32_t)n;
		return 0;
	}
	default:
		break;
	}
	switch (rt->t) {
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
		return arith_int(c, op, a->u.i, b->u.i, rt, out);
	case KS_T_DECIMAL:
		return arith_dec(c, op, a, at, b, bt, rt, out);
	case KS_T_REAL:
	case KS_T_DOUBLE:
		return arith_float(c, op, to_double(a, at), to_double(b, bt),
				   rt, out);
	case KS_T_TIMESTAMP:
	case KS_T_DATE:
	case KS_T_INTERVAL_DS:
	case KS_T_INTERVAL_YM:
		return arith_time(c, op, a, at, b, bt, rt, out);
	default:
		out->null = 1;
		return 0;
	}
}

int ks_eval_unary(struct ks_eval_ctx *c, enum ks_op op,
		  const struct ks_value *a, const struct ks_sqltype *at,
		  const struct ks_sqltype *rt, struct ks_value *out)
{
	if (a->null) {
		out->null = 1;
		return 0;
	}
	*out = *a;
	switch (op) {
	case KS_OP_NOT:
		out->u.i = !a->u.i;
		return 0;
	case KS_OP_NEG:
		if (at->t == KS_T_REAL || at->t == KS_T_DOUBLE) {
			out->u.d = -a->u.d;
			return 0;
		}
		if (a->u.i == INT64_MIN || !fits(rt, -a->u.i))
			return overflow_int(c, KS_OP_SUB, 0, a->u.i, rt);
		out->u.i = -a->u.i;
		return 0;
	default:
		return 0;
	}
}

/* ---- hashing and equality for grouping ---- */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t mum(uint64_t a, uint64_t b)
{
	u128 r = (u128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ (n * 0x9e3779b97f4a7c15ULL), w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = mum(h ^ w, 0xa0761d6478bd642fULL);
		p += 8;
		n -= 8;
	}
	if (n >= 4) { /* two overlapping 4-byte loads, as wyhash */
		uint32_t lo, hi;

		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		w = ((uint64_t)hi << 32) | lo;
		h = mum(h ^ w ^ ((uint64_t)n << 59), 0xe7037ed1a0b428dbULL);
	} else if (n) {
		w = (uint64_t)(unsigned char)p[0] |
		    ((uint64_t)(unsigned char)p[n >> 1] << 8) |
		    ((uint64_t)(unsigned char)p[n - 1] << 16);
		h = mum(h ^ w ^ ((uint64_t)n << 59), 0xe7037ed1a0b428dbULL);
	}
	return mix64(h);
}

static size_t rtrim_len(const char *p, size_t n)
{
	while (n && p[n - 1] == ' ')
		n--;
	return n;
}

uint64_t ks_value_hash(const struct ks_value *v, const struct ks_sqltype *t)
{
	uint64_t bits;
	double d;

	if (v->null)
		return 0x6e756c6c6e756c6cULL;
	switch (t->t) {
	case KS_T_REAL:
	case KS_T_DOUBLE:
		d = v->u.d;
		if (d == 0)
			d = 0; /* -0.0 groups with 0.0 */
		else if (isnan(d))
			d = NAN;
		memcpy(&bits, &d, 8);
		return mix64(bits);
	case KS_T_CHAR:
		return hash_bytes(v->u.s.p, rtrim_len(v->u.s.p, v->u.s.n));
	case KS_T_VARCHAR:
		return hash_bytes(v->u.s.p, v->u.s.n);
	default:
		return mix64((uint64_t)v->u.i);
	}
}

int ks_value_equal(const struct ks_value *a, const struct ks_value *b,
		   const struct ks_sqltype *t)
{
	if (a->null || b->null)
		return a->null && b->null;
	switch (t->t) {
	case KS_T_REAL:
	case KS_T_DOUBLE:
		return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
	case KS_T_CHAR:
		return !str_cmp(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n, 1);
	case KS_T_VARCHAR:
		return a->u.s.n == b->u.s.n &&
		       (!a->u.s.n || !memcmp(a->u.s.p, b->u.s.p, a->u.s.n));
	default:
		return a->u.i == b->u.i;
	}
}

void ks_value_own(struct ks_value *v, const struct ks_sqltype *t,
		  struct ks_arena *a)
{
	if (!v->null && ks_type_is_string(t->t) && v->u.s.n)
		v->u.s.p = ks_arena_strdup(a, v->u.s.p, v->u.s.n);
}

/* ---- UTF-8 and number text ---- */

size_t ks_utf8_chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

size_t ks_utf8_prefix(const char *s, size_t n, size_t k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && k-- == 0)
			return i;
	return n;
}

size_t ks_fmt_int(int64_t v, char out[24])
{
	char tmp[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[i++] = '-';
	while (n)
		out[i++] = tmp[--n];
	out[i] = '\0';
	return i;
}

/* r (< 2^63) with k digits after the point, trailing zeros dropped. */
static size_t fmt_fixed(int neg, uint64_t r, int k, char *out)
{
	char dig[24];
	size_t nd = 0, i = 0;
	int j;

	while (k > 0 && r % 10 == 0) {
		r /= 10;
		k--;
	}
	do {
		dig[nd++] = (char)('0' + r % 10);
		r /= 10;
	} while (r);
	if (neg)
		out[i++] = '-';
	if ((int)nd <= k) {
		out[i++] = '0';
		out[i++] = '.';
		for (j = k - (int)nd; j > 0; j--)
			out[i++] = '0';
		while (nd)
			out[i++] = dig[--nd];
	} else {
		while ((int)nd > k)
			out[i++] = dig[--nd];
		if (k) {
			out[i++] = '.';
			while (nd)
				out[i++] = dig[--nd];
		}
	}
	out[i] = '\0';
	return i;
}

static const double p10d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Lays out the significant digits dig[0..k-1] with the decimal point
 * after position pt (value = 0.dig × 10^pt) as JavaScript's
 * Number.prototype.toString does: plain for 1e-7 < |x| < 1e21, else
 * "d.ddde+XX".
 */
static size_t layout(int neg, const char *dig, int k, int pt, char *out)
{
	size_t i = 0;
	int j;

	if (neg)
		out[i++] = '-';
	if (k <= pt && pt <= 21) {
		memcpy(out + i, dig, (size_t)k);
		i += (size_t)k;
		for (j = k; j < pt; j++)
			out[i++] = '0';
	} else if (0 < pt && pt <= 21) {
		memcpy(out + i, dig, (size_t)pt);
		i += (size_t)pt;
		out[i++] = '.';
		memcpy(out + i, dig + pt, (size_t)(k - pt));
		i += (size_t)(k - pt);
	} else if (-6 < pt && pt <= 0) {
		out[i++] = '0';
		out[i++] = '.';
		for (j = pt; j < 0; j++)
			out[i++] = '0';
		memcpy(out + i, dig, (size_t)k);
		i += (size_t)k;
	} else {
		out[i++] = dig[0];
		if (k > 1) {
			out[i++] = '.';
			memcpy(out + i, dig + 1, (size_t)(k - 1));
			i += (size_t)(k - 1);
		}
		out[i++] = 'e';
		out[i++] = pt - 1 < 0 ? '-' : '+';
		i += ks_fmt_int(pt - 1 < 0 ? 1 - pt : pt - 1, out + i);
	}
	out[i] = '\0';
	return i;
}

/*
 * Exact decimal digits. x = m·2^e with an mbits-bit mantissa (53 for a
 * double, 24 for a float). For a precision P, q = round(x·10^k) with ties
 * to even, k chosen so that q has P digits, is computed in 128 bits:
 * x·10^k = N/Dn with N = m·10^max(k,0)·2^max(e,0) and Dn =
 * 10^max(-k,0)·2^max(-e,0). The decimal q·10^-k reads back as x when it
 * lies within half an ulp: 2|q·Dn - N| <= W with W = 10^max(k,0) ·
 * 2^max(e,0) (ties only for an even m; half that below the smallest
 * mantissa, where the gap below is half as wide). All values stay below
 * 2^127 for 1e-6 <= x < 1e21.
 */
struct exact {
	uint64_t m;
	int e, mbits;
};

static void exact_init(struct exact *x, double v, int mbits)
{
	int ex;
	double fr = frexp(v, &ex); /* v = fr·2^ex, 0.5 <= fr < 1 */

	x->m = (uint64_t)ldexp(fr, mbits);
	x->e = ex - mbits;
	x->mbits = mbits;
}

static u128 pow10_u(int k)
{
	return k > 18 ? (u128)p10[18] * (u128)p10[k - 18] : (u128)p10[k];
}

/* N and Dn of x·10^k. */
static void exact_frac(const struct exact *x, int k, u128 *n, u128 *dn)
{
	*n = (u128)x->m * (k > 0 ? pow10_u(k) : 1);
	*dn = k < 0 ? pow10_u(-k) : 1;
	if (x->e >= 0)
		*n <<= x->e;
	else
		*dn <<= -x->e;
}

/* Whether q·10^-k reads back as x. */
static int exact_ok(const struct exact *x, uint64_t q, int k)
{
	u128 n, dn, qd, diff, w;
	int below;

	exact_frac(x, k, &n, &dn);
	qd = (u128)q * dn;
	below = qd < n;
	diff = below ? n - qd : qd - n;
	w = (k > 0 ? pow10_u(k) : 1) << (x->e > 0 ? x->e : 0);
	if (below && x->m == (uint64_t)1 << (x->mbits - 1))
		diff *= 2; /* the gap below a power of two is half */
	diff *= 2;
	return diff < w || (diff == w && !(x->m & 1));
}

/*
 * The shortest digits of v (1e-6 <= v < 1e21) among precisions pmin..pmax
 * (any shorter form is found at pmin as trailing zeros: pmin is 15 for a
 * double, 6 for a float). Returns the digit count, trailing zeros
 * dropped; *pt is the decimal point position (value = 0.digits·10^pt).
 */
static size_t digits_exact(double v, int mbits, int pmin, int pmax,
			   char *dig, int *pt)
{
	struct exact x;
	int p, k = 0, i, l10 = (int)floor(log10(v));
	uint64_t q = 0;
	size_t n;

	exact_init(&x, v, mbits);
	for (p = pmin; p <= pmax; p++) {
		k = p - 1 - l10;
		for (i = 0; i < 3; i++) {
			u128 num, den, r, qq;

			exact_frac(&x, k, &num, &den);
			qq = num / den;
			r = num - qq * den;
			if (r * 2 > den || (r * 2 == den && (qq & 1)))
				qq++;
			if (qq >= pow10_u(p))
				k--; /* log10 was high, or rounding carried */
			else if (qq < pow10_u(p - 1))
				k++;
			else {
				q = (uint64_t)qq;
				break;
			}
		}
		if (p == pmax || exact_ok(&x, q, k))
			break;
	}
	for (i = p - 1; i >= 0; i--) {
		dig[i] = (char)('0' + (int)(q % 10));
		q /= 10;
	}
	*pt = p - k;
	n = (size_t)p;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return n;
}

/*
 * Shortest round-trip text, laid out as JavaScript prints numbers ("12",
 * "84.51", "0.000001", "1e-7", "1e+21"). The fast path tries k = 0, 1,
 * ... decimals: r = round(|d| * 10^k) below 2^53 is exact, and r / 10^k
 * is the correctly rounded value of the decimal r·10^-k, which is what
 * strtod returns for that text; so when it equals |d| the text reads
 * back equal, and the first such k is the shortest. Other values (very
 * large or small, 16-17 digits) take the first %.*e precision that reads
 * back equal: any double with <= 15 significant digits (6 for a float)
 * survives the round trip, so the search starts there, except for
 * subnormals, which have fewer digits.
 */
size_t ks_fmt_double(double d, int real, char out[40])
{
	double ad = fabs(d), t, r;
	char buf[40], dig[24];
	int k, prec, nd, e;
	const char *p;

	if (isnan(d))
		return (size_t)snprintf(out, 40, "NaN");
	if (isinf(d))
		return (size_t)snprintf(out, 40, d < 0 ? "-Infinity" :
							 "Infinity");
	if (ad == 0) {
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	/* floats: the fast path only below 2^24, where every digit before
	 * the point counts, with each answer checked exactly (the float is
	 * rounded twice, through the double) */
	if (ad >= 1e-6 && ad < (real ? 16777216.0 : 1e21)) {
		float fa = (float)ad;
		struct exact x;

		if (real)
			exact_init(&x, ad, 24);
		for (k = 0; k <= 22; k++) {
			t = ad * p10d[k];
			if (t >= 9007199254740992.0)
				break;
			r = (double)(uint64_t)t; /* t < 2^53: exact */
			if (t - r >= 0.5)
				r += 1;
			if (real ? (float)(r / p10d[k]) == fa &&
					   exact_ok(&x, (uint64_t)r, k) :
				   r / p10d[k] == ad)
				return fmt_fixed(d < 0, (uint64_t)r, k, out);
		}
	}
	if (ad >= 1e-6 && ad < 1e21) {
		size_t n = real ? digits_exact(ad, 24, 6, 9, dig, &e) :
				  digits_exact(ad, 53, 15, 17, dig, &e);

		return layout(d < 0, dig, (int)n, e, out);
	}
	prec = real ? (ad < 1.17549435e-38 ? 1 : 6) :
		      ad < 2.2250738585072014e-308 ? 1 : 15;
	for (; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, ad);
		if (real ? strtof(buf, NULL) == (float)ad :
			   strtod(buf, NULL) == ad)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.16e", ad);
	/* buf is "d.ddddde±XX": collect the digits, drop trailing zeros */
	nd = 0;
	for (p = buf; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			dig[nd++] = *p;
	e = atoi(p + 1);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	return layout(d < 0, dig, nd, e + 1, out);
}

static size_t fmt_decimal(int64_t v, int scale, char *out)
{
	char dig[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t nd = 0, i = 0;
	int j;

	do {
		dig[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[i++] = '-';
	if ((int)nd <= scale) {
		out[i++] = '0';
		out[i++] = '.';
		for (j = scale - (int)nd; j > 0; j--)
			out[i++] = '0';
		while (nd)
			out[i++] = dig[--nd];
	} else {
		while ((int)nd > scale)
			out[i++] = dig[--nd];
		if (scale) {
			out[i++] = '.';
			while (nd)
				out[i++] = dig[--nd];
		}
	}
	out[i] = '\0';
	return i;
}

static size_t put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return 2;
}

/* "[-]D HH:MM:SS.mmm" and "[-]Y-MM", after SQL's interval literals. */
static size_t fmt_interval(int64_t v, enum ks_type t, char *out)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t i = 0;

	if (v < 0)
		out[i++] = '-';
	if (t == KS_T_INTERVAL_YM) {
		i += ks_fmt_int((int64_t)(u / 12), out + i);
		out[i++] = '-';
		i += put2(out + i, (int)(u % 12));
	} else {
		uint64_t ms = u % 1000, s = u / 1000;

		i += ks_fmt_int((int64_t)(s / 86400), out + i);
		out[i++] = ' ';
		i += put2(out + i, (int)(s / 3600 % 24));
		out[i++] = ':';
		i += put2(out + i, (int)(s / 60 % 60));
		out[i++] = ':';
		i += put2(out + i, (int)(s % 60));
		out[i++] = '.';
		out[i++] = (char)('0' + ms / 100);
		i += put2(out + i, (int)(ms % 100));
	}
	out[i] = '\0';
	return i;
}

/* The text of a non-string, non-NULL value into buf (>= 64 bytes). */
static size_t scalar_text(const struct ks_value *v, const struct ks_sqltype *t,
			  char *buf)
{
	switch (t->t) {
	case KS_T_BOOLEAN:
		memcpy(buf, v->u.i ? "TRUE" : "FALSE", v->u.i ? 5 : 6);
		return v->u.i ? 4 : 5;
	case KS_T_DECIMAL:
		return fmt_decimal(v->u.i, t->scale, buf);
	case KS_T_REAL:
	case KS_T_DOUBLE:
		return ks_fmt_double(v->u.d, t->t == KS_T_REAL, buf);
	case KS_T_TIMESTAMP:
		ks_ts_format(v->u.i, buf);
		return strlen(buf);
	case KS_T_DATE:
		return ks_date_format(v->u.i, buf);
	case KS_T_INTERVAL_DS:
	case KS_T_INTERVAL_YM:
		return fmt_interval(v->u.i, t->t, buf);
	default:
		return ks_fmt_int(v->u.i, buf);
	}
}

void ks_value_text(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out)
{
	char buf[64];

	if (v->null || t->t == KS_T_NULL)
		return;
	if (ks_type_is_string(t->t)) {
		kc_buf_add(out, v->u.s.p, v->u.s.n);
		if (t->t == KS_T_CHAR && t->len > 0 && v->u.s.n < (uint32_t)t->len) {
			size_t k = (size_t)t->len -
				   ks_utf8_chars(v->u.s.p, v->u.s.n);

			kc_buf_grow(out, k);
			memset(out->data + out->len, ' ', k);
			out->len += k;
			out->data[out->len] = '\0';
		}
		return;
	}
	kc_buf_add(out, buf, scalar_text(v, t, buf));
}

static const char hexd[] = "0123456789abcdef";

/* Appends p as a JSON string body (no quotes). */
static void json_escape(struct kc_buf *out, const char *p, size_t n)
{
	size_t i, start = 0;

	kc_buf_grow(out, n + 2);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 || ch == '"' || ch == '\\')
			break;
	}
	if (i == n) { /* nothing to escape: one copy */
		memcpy(out->data + out->len, p, n);
		out->len += n;
		out->data[out->len] = '\0';
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (i > start)
			kc_buf_add(out, p + start, i - start);
		start = i + 1;
		switch (ch) {
		case '"':
			kc_buf_add(out, "\\\"", 2);
			break;
		case '\\':
			kc_buf_add(out, "\\\\", 2);
			break;
		case '\n':
			kc_buf_add(out, "\\n", 2);
			break;
		case '\r':
			kc_buf_add(out, "\\r", 2);
			break;
		case '\t':
			kc_buf_add(out, "\\t", 2);
			break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hexd[ch >> 4],
				      hexd[ch & 15] };

			kc_buf_add(out, u, 6);
		}
		}
	}
	if (n > start)
		kc_buf_add(out, p + start, n - start);
}

void ks_value_json(const struct ks_value *v, const struct ks_sqltype *t,
		   struct kc_buf *out)
{
	char buf[64];
	size_t n;

	if (v->null || t->t == KS_T_NULL) {
		kc_buf_add(out, "null", 4);
		return;
	}
	switch (t->t) {
	case KS_T_BOOLEAN:
		if (v->u.i)
			kc_buf_add(out, "true", 4);
		else
			kc_buf_add(out, "false", 5);
		return;
	case KS_T_CHAR:
	case KS_T_VARCHAR:
		kc_buf_addc(out, '"');
		json_escape(out, v->u.s.p, v->u.s.n);
		if (t->t == KS_T_CHAR && t->len > 0 &&
		    v->u.s.n < (uint32_t)t->len) {
			size_t k = (size_t)t->len -
				   ks_utf8_chars(v->u.s.p, v->u.s.n);

			while (k--)
				kc_buf_addc(out, ' ');
		}
		kc_buf_addc(out, '"');
		return;
	case KS_T_REAL:
	case KS_T_DOUBLE:
		n = scalar_text(v, t, buf);
		if (!isfinite(v->u.d))
			break;
		kc_buf_add(out, buf, n);
		return;
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
	case KS_T_DECIMAL:
		kc_buf_add(out, buf, scalar_text(v, t, buf));
		return;
	default:
		n = scalar_text(v, t, buf);
		break;
	}
	/* TIMESTAMP, DATE, intervals, NaN and infinities: a string */
	kc_buf_grow(out, n + 2);
	kc_buf_addc(out, '"');
	kc_buf_add(out, buf, n);
	kc_buf_addc(out, '"');
}

/* ---- conversions ---- */

static int cast_err(struct ks_eval_ctx *c, const char *s, size_t n,
		    const struct ks_sqltype *t)
{
	char x[64];

	return ks_rowerr_set(c->err, KS_ERR_CAST, "cannot convert '%.*s'%s to %s",
			     (int)(n > 64 ? 64 : n), s, n > 64 ? "..." : "",
			     tstr(t, x, sizeof(x)));
}

static int range_err(struct ks_eval_ctx *c, const char *s, size_t n,
		     const struct ks_sqltype *t)
{
	char x[64];

	return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
			     "value '%.*s'%s out of range for %s",
			     (int)(n > 64 ? 64 : n), s, n > 64 ? "..." : "",
			     tstr(t, x, sizeof(x)));
}

/*
 * Fits a string to CHAR(n)/VARCHAR(n): VARCHAR truncates silently at n
 * characters (KDA's coercion rule), CHAR truncates and blank-pads. With
 * strict (a non-string value cast to a string too short for it, which
 * KDA rejects) the truncation is an error instead.
 */
static int str_fit(struct ks_eval_ctx *c, const char *p, size_t n,
		   const struct ks_sqltype *t, int strict, struct ks_value *out)
{
	size_t len = t->len > 0 ? (size_t)t->len : 0, chars, k;
	char *q;

	out->null = 0;
	out->u.s.p = p;
	out->u.s.n = (uint32_t)n;
	if (!len || (t->t == KS_T_VARCHAR && n <= len))
		return 0;
	chars = ks_utf8_chars(p, n);
	if (chars > len) {
		k = ks_utf8_prefix(p, n, len);
		if (strict && rtrim_len(p + k, n - k))
			return ks_rowerr_set(c->err, KS_ERR_CAST,
					     "'%.*s' does not fit %s(%d)",
					     (int)(n > 64 ? 64 : n), p,
					     ks_type_name(t->t), (int)len);
		out->u.s.n = (uint32_t)k;
		return 0;
	}
	if (t->t == KS_T_CHAR && chars < len) {
		q = ks_arena_alloc(c->arena, n + (len - chars));
		if (n)
			memcpy(q, p, n);
		memset(q + n, ' ', len - chars);
		out->u.s.p = q;
		out->u.s.n = (uint32_t)(n + len - chars);
	}
	return 0;
}

/*
 * A decimal number "[+-]digits[.digits][e[+-]digits]" as m·10^e with up
 * to 36 significant digits in m. -1 when s is not such a number.
 */
static int parse_num(const char *s, size_t n, i128 *m, int *e)
{
	size_t i = 0;
	int neg = 0, nd = 0, exp = 0, digits = 0;
	i128 v = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (nd < 36) {
			v = v * 10 + (s[i] - '0');
			nd += v != 0;
		} else
			exp++;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if (nd < 36) {
				v = v * 10 + (s[i] - '0');
				nd += v != 0;
				exp--;
			}
	}
	if (!digits)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, x = 0, ed = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++)
			if (x < 100000)
				x = x * 10 + (s[i] - '0');
		if (!ed)
			return -1;
		exp += eneg ? -x : x;
	}
	if (i != n)
		return -1;
	*m = neg ? -v : v;
	*e = exp;
	return 0;
}

/* m·10^e scaled to 'scale' digits, rounded half away from zero; -1 on
 * overflow of 18 digits. */
static int num_scale_to(i128 m, int e, int scale, i128 *out)
{
	int k = e + scale;

	if (m == 0) {
		*out = 0;
		return 0;
	}
	if (k >= 0) {
		if (k > 18)
			return -1;
		if (m > (i128)INT64_MAX * 10 || m < -(i128)INT64_MAX * 10)
			return -1;
		*out = m * p10[k];
		return 0;
	}
	*out = round_div10(m, -k);
	return 0;
}

static int parse_int_fast(const char *s, size_t n, int64_t *v)
{
	size_t i = 0;
	int neg = 0;
	uint64_t u = 0;

	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n || n - i > 18)
		return -1;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		u = u * 10 + d;
	}
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

static int parse_double(const char *s, size_t n, double *d)
{
	char buf[128], *end, *tmp = NULL;
	uint64_t m = 0;
	size_t i = 0;
	int neg = 0, nd = 0, frac = -1;

	/* Clinger's fast path: <= 15 digits and <= 22 decimals are exact */
	if (n && (s[0] == '-' || s[0] == '+'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		unsigned dg = (unsigned char)s[i] - '0';

		if (dg <= 9) {
			m = m * 10 + dg;
			if (++nd > 15)
				break;
			if (frac >= 0)
				frac++;
		} else if (s[i] == '.' && frac < 0)
			frac = 0;
		else
			break;
	}
	if (i == n && nd && frac != 0) {
		double r = (double)m;

		if (frac > 0)
			r /= p10d[frac];
		*d = neg ? -r : r;
		return 0;
	}
	if (n + 1 > sizeof(buf))
		tmp = kc_xmalloc(n + 1);
	memcpy(tmp ? tmp : buf, s, n);
	(tmp ? tmp : buf)[n] = '\0';
	errno = 0;
	*d = strtod(tmp ? tmp : buf, &end);
	i = (size_t)(end - (tmp ? tmp : buf));
	free(tmp);
	/* strtod also takes hex floats; SQL text does not */
	if (i != n || !n || memchr(s, 'x', n) || memchr(s, 'X', n))
		return -1;
	return 0;
}

/* ASCII case-insensitive equality with a lower-case word. */
static int ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!w[i] || (s[i] | 0x20) != w[i])
			return 0;
	return !w[n];
}

static int parse_interval(const char *s, size_t n, enum ks_type t, int64_t *v)
{
	size_t i = 0;
	int neg = 0;
	int64_t a = 0, f[3] = { 0, 0, 0 };
	int k = 0, ms = 0, md = 0;

	if (parse_int_fast(s, n, v) == 0)
		return 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == n || s[i] < '0' || s[i] > '9')
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9' && a < 100000000)
		a = a * 10 + (s[i++] - '0');
	if (t == KS_T_INTERVAL_YM) {
		if (i == n || s[i] != '-')
			return -1;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && f[0] < 100;
		     i++)
			f[0] = f[0] * 10 + (s[i] - '0');
		if (i != n || f[0] > 11)
			return -1;
		*v = (a * 12 + f[0]) * (neg ? -1 : 1);
		return 0;
	}
	if (i == n || s[i] != ' ')
		return -1;
	for (i++; k < 3; k++) {
		int nd = 0;

		for (; i < n && s[i] >= '0' && s[i] <= '9' && nd < 2; i++, nd++)
			f[k] = f[k] * 10 + (s[i] - '0');
		if (nd != 2)
			return -1;
		if (k < 2 && (i == n || s[i++] != ':'))
			return -1;
	}
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, md++)
			if (md < 3)
				ms = ms * 10 + (s[i] - '0');
	while (md > 0 && md < 3) {
		ms *= 10;
		md++;
	}
	if (i != n || f[0] > 23 || f[1] > 59 || f[2] > 59)
		return -1;
	*v = ((((a * 24 + f[0]) * 60 + f[1]) * 60 + f[2]) * 1000 + ms) *
	     (neg ? -1 : 1);
	return 0;
}

/*
 * Text to a value. Strings are kept as they are (then fitted to the
 * length); for other types surrounding blanks are ignored and an empty
 * text is NULL (an empty CSV field). Exact numbers must be exact: "12.0"
 * and "1e3" are integers, "123.4" to INTEGER is an error, as KDA's
 * coercion rules say; DECIMAL rounds extra decimals half away from zero.
 * BOOLEAN: "true"/"false" in any case, or 1/0.
 */
int ks_from_text(struct ks_eval_ctx *c, const char *s, size_t n,
		 const struct ks_sqltype *t, struct ks_value *out)
{
	const char *p = s;
	size_t m = n;
	i128 mant, r;
	int e;

	if (ks_type_is_string(t->t))
		return str_fit(c, s, n, t, 0, out);
	while (m && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		m--;
	}
	while (m && (p[m - 1] == ' ' || p[m - 1] == '\t' ||
		     p[m - 1] == '\n' || p[m - 1] == '\r'))
		m--;
	out->null = 0;
	if (!m || t->t == KS_T_NULL) {
		out->null = 1;
		return 0;
	}
	switch (t->t) {
	case KS_T_BOOLEAN:
		if (ieq(p, m, "true") || (m == 1 && *p == '1'))
			out->u.i = 1;
		else if (ieq(p, m, "false") || (m == 1 && *p == '0'))
			out->u.i = 0;
		else
			return cast_err(c, s, n, t);
		return 0;
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
		if (parse_int_fast(p, m, &out->u.i) == 0) {
			if (!fits(t, out->u.i))
				return range_err(c, p, m, t);
			return 0;
		}
		if (parse_num(p, m, &mant, &e) < 0)
			return cast_err(c, s, n, t);
		if (e < 0) { /* the fraction must be zero */
			i128 d = e < -38 ? 0 : pow10_128(-e);

			if (!d || mant % d)
				return mant == 0 ? (out->u.i = 0, 0) :
						   cast_err(c, s, n, t);
			mant /= d;
			e = 0;
		}
		if (num_scale_to(mant, e, 0, &r) < 0 || !fits128(t, r))
			return range_err(c, p, m, t);
		out->u.i = (int64_t)r;
		return 0;
	case KS_T_DECIMAL:
		if (parse_num(p, m, &mant, &e) < 0)
			return cast_err(c, s, n, t);
		if (num_scale_to(mant, e, t->scale, &r) < 0 || !fits128(t, r))
			return range_err(c, p, m, t);
		out->u.i = (int64_t)r;
		return 0;
	case KS_T_REAL:
	case KS_T_DOUBLE:
		if (parse_double(p, m, &out->u.d) < 0)
			return cast_err(c, s, n, t);
		if (t->t == KS_T_REAL) {
			double d = out->u.d;

			out->u.d = (float)d;
			if (isinf(out->u.d) && !isinf(d))
				return range_err(c, p, m, t);
		}
		return 0;
	case KS_T_TIMESTAMP:
		if (ks_ts_parse(p, m, &out->u.i) < 0)
			return cast_err(c, s, n, t);
		return 0;
	case KS_T_DATE:
		if (ks_date_parse(p, m, &out->u.i) < 0)
			return cast_err(c, s, n, t);
		return 0;
	case KS_T_INTERVAL_DS:
	case KS_T_INTERVAL_YM:
		if (parse_interval(p, m, t->t, &out->u.i) < 0)
			return cast_err(c, s, n, t);
		return 0;
	default:
		return cast_err(c, s, n, t);
	}
}

/*
 * Number to number. To an integer type the fraction is truncated toward
 * zero (SQL:2008 leaves rounding or truncation to the implementation; KDA
 * runs on Java, whose casts truncate); to DECIMAL it is rounded half away
 * from zero. Out of range values are NUMERIC_OVERFLOW row errors.
 */
static int num_cast(struct ks_eval_ctx *c, const struct ks_value *in,
		    const struct ks_sqltype *from, const struct ks_sqltype *to,
		    struct ks_value *out)
{
	int sf = num_scale(from);
	double d;
	i128 r;

	out->null = 0;
	if (to->t == KS_T_REAL || to->t == KS_T_DOUBLE) {
		d = to_double(in, from);
		if (to->t == KS_T_REAL) {
			float f = (float)d;

			if (isinf(f) && !isinf(d))
				return overflow(c, to);
			d = f;
		}
		out->u.d = d;
		return 0;
	}
	if (from->t == KS_T_REAL || from->t == KS_T_DOUBLE) {
		d = in->u.d;
		if (isnan(d) || isinf(d))
			return ks_rowerr_set(c->err, KS_ERR_CAST,
					     "cannot convert %s to %s",
					     isnan(d) ? "NaN" : "infinity",
					     ks_type_name(to->t));
		if (to->t == KS_T_DECIMAL)
			d = round(d * p10d[to->scale]);
		else
			d = trunc(d);
		if (!(d < 9.2233720368547758e18 && d >= -9.2233720368547758e18))
			return overflow(c, to);
		out->u.i = (int64_t)d;
		if (!fits(to, out->u.i))
			return overflow(c, to);
		return 0;
	}
	r = in->u.i;
	if (to->t == KS_T_DECIMAL) {
		if (to->scale >= sf)
			r *= pow10_128(to->scale - sf);
		else
			r = round_div10(r, sf - to->scale);
	} else if (sf)
		r /= p10[sf];
	if (!fits128(to, r))
		return overflow(c, to);
	out->u.i = (int64_t)r;
	return 0;
}

int ks_cast(struct ks_eval_ctx *c, const struct ks_value *in,
	    const struct ks_sqltype *from, const struct ks_sqltype *to,
	    struct ks_value *out)
{
	enum ks_type f = from->t, t = to->t;
	char buf[64];
	size_t n;
	char x[64], y[64];

	if (in->null || f == KS_T_NULL) {
		out->null = 1;
		return 0;
	}
	if (ks_type_is_string(t)) {
		if (ks_type_is_string(f))
			return str_fit(c, in->u.s.p, in->u.s.n, to, 0, out);
		n = scalar_text(in, from, buf);
		if (str_fit(c, buf, n, to, 1, out) < 0)
			return -1;
		/* the text lives in buf: copy it to the arena */
		out->u.s.p = ks_arena_strdup(c->arena, out->u.s.p, out->u.s.n);
		return 0;
	}
	if (ks_type_is_string(f))
		return ks_from_text(c, in->u.s.p, in->u.s.n, to, out);
	if (ks_type_is_numeric(t)) {
		if (ks_type_is_numeric(f))
			return num_cast(c, in, from, to, out);
		if (f == KS_T_INTERVAL_DS) {
			struct ks_sqltype bt = { KS_T_BIGINT, 0, 0, 0 };

			return num_cast(c, in, &bt, to, out);
		}
	}
	*out = *in;
	if (f == t)
		return 0;
	if (t == KS_T_TIMESTAMP && f == KS_T_DATE) {
		out->u.i = in->u.i * KS_MS_PER_DAY;
		return 0;
	}
	if (t == KS_T_DATE && f == KS_T_TIMESTAMP) {
		out->u.i = ks_floor_div(in->u.i, KS_MS_PER_DAY);
		return 0;
	}
	return ks_rowerr_set(c->err, KS_ERR_CAST, "cannot cast %s to %s",
			     tstr(from, x, sizeof(x)), tstr(to, y, sizeof(y)));
}

/* ---- LIKE ---- */

/*
 * A compiled pattern: the text between '%'s as segments of elements,
 * each a literal byte or '_' (one UTF-8 character). Matching places the
 * first segment at the start unless the pattern starts with '%', the last
 * at the end unless it ends with '%', and each middle segment at its
 * leftmost occurrence after the previous one (which is correct for
 * '%'-separated patterns and needs no backtracking); segments without '_'
 * are found with memmem.
 */
struct like_seg {
	const char *lit; /* the literal bytes, ANY as '\0' where any[i] */
	const unsigned char *any;
	size_t n;
	int has_any;
};

struct ks_like {
	struct like_seg *seg;
	size_t nseg;
	int lead_pct, trail_pct; /* pattern starts / ends with '%' */
	char *bytes;
	unsigned char *anyv;
};

int ks_like_compile(const char *pat, size_t n, const char *escape, size_t en,
		    struct ks_like **out, char *msg, size_t msgsz)
{
	struct ks_like *l;
	size_t i, k = 0, segstart = 0;
	int esc = -1, in_seg = 0;

	if (escape) {
		if (ks_utf8_chars(escape, en) != 1 || en != 1) {
			snprintf(msg, msgsz,
				 "LIKE: the escape must be one character");
			return -1;
		}
		esc = (unsigned char)escape[0];
	}
	l = kc_xcalloc(1, sizeof(*l));
	l->bytes = kc_xmalloc(n + 1);
	l->anyv = kc_xcalloc(n + 1, 1);
	l->seg = kc_xcalloc(n / 2 + 2, sizeof(*l->seg));
	l->lead_pct = n > 0 && pat[0] == '%' && esc != '%';
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)pat[i], lit = 0;

		if (ch == esc) {
			if (i + 1 == n || (pat[i + 1] != '%' && pat[i + 1] != '_' &&
					   (unsigned char)pat[i + 1] != esc)) {
				snprintf(msg, msgsz,
					 "LIKE: invalid escape sequence in "
					 "pattern '%.*s'",
					 (int)(n > 64 ? 64 : n), pat);
				ks_like_free(l);
				return -1;
			}
			ch = (unsigned char)pat[++i];
			lit = 1;
		}
		if (ch == '%' && !lit) {
			if (in_seg) {
				l->seg[l->nseg++].n = k - segstart;
				in_seg = 0;
			}
			l->trail_pct = 1;
			continue;
		}
		l->trail_pct = 0;
		if (!in_seg) {
			in_seg = 1;
			segstart = k;
			l->seg[l->nseg].lit = l->bytes + k;
			l->seg[l->nseg].any = l->anyv + k;
			l->seg[l->nseg].has_any = 0;
		}
		if (ch == '_' && !lit) {
			l->anyv[k] = 1;
			l->seg[l->nseg].has_any = 1;
			l->bytes[k++] = '\0';
		} else
			l->bytes[k++] = (char)ch;
	}
	if (in_seg)
		l->seg[l->nseg++].n = k - segstart;
	*out = l;
	return 0;
}

static size_t u8len(unsigned char c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Matches seg at s[pos..]: the end position, or (size_t)-1. */
static size_t seg_at(const struct like_seg *g, const char *s, size_t n,
		     size_t pos)
{
	size_t i;

	if (!g->has_any)
		return n - pos >= g->n && !memcmp(s + pos, g->lit, g->n) ?
			       pos + g->n :
			       (size_t)-1;
	for (i = 0; i < g->n; i++) {
		if (pos >= n)
			return (size_t)-1;
		if (g->any[i])
			pos += u8len((unsigned char)s[pos]);
		else if (s[pos++] != g->lit[i])
			return (size_t)-1;
	}
	return pos <= n ? pos : (size_t)-1;
}

/* Matches seg ending exactly at n, starting at or after lo. */
static int seg_suffix(const struct like_seg *g, const char *s, size_t n,
		      size_t lo)
{
	size_t pos = n, i;

	for (i = g->n; i-- > 0;) {
		if (pos <= lo)
			return 0;
		if (g->any[i]) {
			pos--;
			while (pos > lo && ((unsigned char)s[pos] & 0xc0) == 0x80)
				pos--;
		} else if (s[--pos] != g->lit[i])
			return 0;
	}
	return 1;
}

/*
 * The first occurrence of needle in hay: memchr and memcmp for short
 * needles (at most 16 comparisons per byte), memmem's two-way search,
 * linear in the worst case, for longer ones.
 */
static const char *find(const char *hay, size_t n, const char *needle,
			size_t k)
{
	const char *p = hay, *end = hay + n;

	if (!k)
		return hay;
	if (k > 16)
		return memmem(hay, n, needle, k);
	while ((size_t)(end - p) >= k) {
		p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
		if (!p)
			return NULL;
		if (!memcmp(p, needle, k))
			return p;
		p++;
	}
	return NULL;
}

int ks_like_match(const struct ks_like *l, const char *s, size_t n)
{
	size_t pos = 0, i = 0, last = l->nseg, e;

	if (l->nseg == 0)
		return l->lead_pct || n == 0;
	if (!l->lead_pct) {
		pos = seg_at(&l->seg[0], s, n, 0);
		if (pos == (size_t)-1)
			return 0;
		i = 1;
		if (l->nseg == 1 && !l->trail_pct)
			return pos == n;
	}
	if (!l->trail_pct)
		last--;
	for (; i < last; i++) {
		const struct like_seg *g = &l->seg[i];

		if (!g->has_any) {
			const char *f = find(s + pos, n - pos, g->lit, g->n);

			if (!f)
				return 0;
			pos = (size_t)(f - s) + g->n;
			continue;
		}
		for (;;) {
			if (pos >= n && g->n)
				return 0;
			e = seg_at(g, s, n, pos);
			if (e != (size_t)-1)
				break;
			pos += u8len((unsigned char)s[pos]);
		}
		pos = e;
	}
	if (!l->trail_pct)
		return seg_suffix(&l->seg[last], s, n, pos);
	return 1;
}

void ks_like_free(struct ks_like *l)
{
	if (!l)
		return;
	free(l->bytes);
	free(l->anyv);
	free(l->seg);
	free(l);
}
