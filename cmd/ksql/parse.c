/*
 * parse.c: the recursive-descent parser of the Kinesis Data Analytics SQL
 * dialect, building the tree of ast.h in the script's arena.
 *
 * The first error stops parsing: fail() fills the ks_perror and jumps back
 * to ks_parse (longjmp), which releases the arena that holds every node.
 * Nothing else is allocated while parsing, so nothing leaks.
 *
 * Decisions where ast.h leaves a choice:
 * - Node positions: a binary or unary operator, IS, LIKE, IN, BETWEEN and
 *   SIMILAR are placed at their operator keyword or symbol (the place a
 *   type error is about); literals, columns, functions, CASE and CAST at
 *   their first token. A negative number ("-5") is one literal placed at
 *   the minus sign.
 * - ORDER BY, LIMIT and FETCH after a UNION ALL chain apply to the whole
 *   chain and are stored in its first SELECT.
 * - x IS [NOT] UNKNOWN is x IS [NOT] NULL; x IS [NOT] TRUE/FALSE becomes
 *   CASE WHEN [NOT] x THEN TRUE ELSE FALSE END (inverted for NOT).
 * - ROWS/RANGE CURRENT ROW is an extent of 0 (INTEGER or INTERVAL).
 * - Exact numeric literals have at most 18 digits (DECIMAL's limit); an
 *   integer literal is INTEGER when it fits 32 bits, else BIGINT.
 * - VARCHAR without a length has len 0 (unbounded); CHAR without one is
 *   CHAR(1); DECIMAL without precision is DECIMAL(18,0).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "lex.h"
#include "banned.h"

#define LOOKAHEAD 4
#define DEC_MAX_DIGITS 18
#define MAX_DEPTH 200 /* nesting of expressions and queries */

struct parser {
	struct ks_lexer lx;
	struct ks_token tok[LOOKAHEAD];
	int ntok;
	struct ks_arena *a;
	struct ks_perror *err;
	int depth;
	jmp_buf fail;
};

/* ---- errors and tokens ---- */

__attribute__((noreturn, format(printf, 3, 4))) static void
fail(struct parser *p, struct ks_pos pos, const char *fmt, ...)
{
	va_list ap;

	p->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	longjmp(p->fail, 1);
}

/* Token k ahead of the current one, without reporting lexical errors. */
static const struct ks_token *la(struct parser *p, int k)
{
	while (p->ntok <= k)
		ks_lex_next(&p->lx, &p->tok[p->ntok++]);
	return &p->tok[k];
}

/* The current token; a lexical error is reported when it becomes current,
 * so errors come out in the order of the text. */
static const struct ks_token *cur(struct parser *p)
{
	const struct ks_token *t = la(p, 0);

	if (t->kind == KS_TK_ERROR)
		fail(p, t->pos, "%s", t->text);
	return t;
}

static void advance(struct parser *p)
{
	cur(p);
	memmove(&p->tok[0], &p->tok[1], sizeof(p->tok[0]) * (LOOKAHEAD - 1));
	p->ntok--;
}

/* How a token is named in "found ..." (its source text, shortened). */
static const char *describe(struct parser *p, const struct ks_token *t)
{
	char *b;
	size_t n = t->srclen, i;
	int cut = 0;

	if (t->kind == KS_TK_EOF)
		return "end of input";
	for (i = 0; i < n; i++)
		if (t->src[i] == '\n' || t->src[i] == '\r')
			break;
	if (i < n || n > 40) {
		n = i < 40 ? i : 40;
		cut = 1;
	}
	b = ks_arena_alloc(p->a, 64);
	if (t->kind == KS_TK_STRING)
		snprintf(b, 64, "string %.*s%s", (int)n, t->src,
			 cut ? "...'" : "");
	else
		snprintf(b, 64, "'%.*s%s'", (int)n, t->src, cut ? "..." : "");
	return b;
}

__attribute__((noreturn)) static void expected(struct parser *p,
					       const char *what,
					       const char *ctx)
{
	const struct ks_token *t = cur(p);

	fail(p, t->pos, "expected %s%s%s, found %s", what, ctx ? " " : "",
	     ctx ? ctx : "", describe(p, t));
}

/* Bounds the recursion, so that deep nesting is an error, not a crash. */
static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		fail(p, cur(p)->pos, "nested too deeply (more than %d levels)",
		     MAX_DEPTH);
}

static void leave(struct parser *p)
{
	p->depth--;
}

static int is_kw(const struct ks_token *t, const char *kw)
{
	return t->kind == KS_TK_IDENT && !strcmp(t->text, kw);
}

static int kw(struct parser *p, const char *w)
{
	return is_kw(cur(p), w);
}

static int accept_kw(struct parser *p, const char *w)
{
	if (!kw(p, w))
		return 0;
	advance(p);
	return 1;
}

static void expect_kw(struct parser *p, const char *w, const char *ctx)
{
	if (!accept_kw(p, w))
		expected(p, w, ctx);
}

static int accept(struct parser *p, enum ks_tok k)
{
	if (cur(p)->kind != k)
		return 0;
	advance(p);
	return 1;
}

static void expect(struct parser *p, enum ks_tok k, const char *what,
		   const char *ctx)
{
	if (!accept(p, k))
		expected(p, what, ctx);
}

/* Whether t can be a name: a quoted or a non-reserved identifier. */
static int is_name(const struct ks_token *t)
{
	return t->kind == KS_TK_QIDENT ||
	       (t->kind == KS_TK_IDENT && !ks_lex_reserved(t->text));
}

/*
 * A name where one is declared or expected alone (stream, column, alias,
 * pump); a reserved word there gets a hint to quote it, unless plain.
 */
static const char *name_or_hint(struct parser *p, const char *what,
				const char *ctx, int plain)
{
	const struct ks_token *t = cur(p);
	const char *s = t->text;

	if (!plain && t->kind == KS_TK_IDENT && ks_lex_reserved(s))
		fail(p, t->pos, "expected %s%s%s, found reserved word '%.*s' "
		     "(write \"%s\" to use it as a name)", what, ctx ? " " : "",
		     ctx ? ctx : "", (int)t->srclen, t->src, s);
	if (!is_name(t))
		expected(p, what, ctx);
	advance(p);
	return s;
}

static const char *parse_name(struct parser *p, const char *what,
			      const char *ctx)
{
	return name_or_hint(p, what, ctx, 0);
}

/* "printf into the arena", for message contexts. */
__attribute__((format(printf, 2, 3))) static const char *
afmt(struct parser *p, const char *fmt, ...)
{
	char *b = ks_arena_alloc(p->a, 160);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, 160, fmt, ap);
	va_end(ap);
	return b;
}

/* ---- allocation ---- */

static void *alloc0(struct parser *p, size_t n)
{
	void *x = ks_arena_alloc(p->a, n);

	memset(x, 0, n);
	return x;
}

/* Returns arr with room for element n (capacity doubles in the arena). */
static void *grow(struct parser *p, void *arr, size_t n, size_t *cap,
		  size_t size)
{
	void *na;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	na = alloc0(p, *cap * size);
	if (n)
		memcpy(na, arr, n * size);
	return na;
}

/* PUSH(p, arr, n, cap) is the lvalue of a new last element of arr. */
#define PUSH(p, arr, n, cap)                                              \
	(*((arr) = grow((p), (arr), (n), &(cap), sizeof(*(arr))),          \
	   &(arr)[(n)++]))

static struct ks_expr *new_expr(struct parser *p, enum ks_expr_kind k,
				struct ks_pos pos)
{
	struct ks_expr *e = alloc0(p, sizeof(*e));

	e->kind = k;
	e->pos = pos;
	return e;
}

static struct ks_expr *new_binary(struct parser *p, enum ks_op op,
				  struct ks_pos pos, struct ks_expr *l,
				  struct ks_expr *r)
{
	struct ks_expr *e = new_expr(p, KS_E_BINARY, pos);

	e->op = op;
	e->args = alloc0(p, 2 * sizeof(*e->args));
	e->args[0] = l;
	e->args[1] = r;
	e->nargs = 2;
	return e;
}

static struct ks_expr *new_unary(struct parser *p, enum ks_op op,
				 struct ks_pos pos, struct ks_expr *x)
{
	struct ks_expr *e = new_expr(p, KS_E_UNARY, pos);

	e->op = op;
	e->args = alloc0(p, sizeof(*e->args));
	e->args[0] = x;
	e->nargs = 1;
	return e;
}

static struct ks_expr *new_literal(struct parser *p, struct ks_pos pos,
				   enum ks_type t)
{
	struct ks_expr *e = new_expr(p, KS_E_LITERAL, pos);

	e->lit_type.t = t;
	return e;
}

static struct ks_expr *new_bool(struct parser *p, struct ks_pos pos, int v)
{
	struct ks_expr *e = new_literal(p, pos, KS_T_BOOLEAN);

	e->lit.u.i = v;
	return e;
}

/* A string literal: CHAR(n) (or VARCHAR(n) for a keyword argument). */
static struct ks_expr *new_string(struct parser *p, struct ks_pos pos,
				  const char *s, size_t n, size_t chars,
				  int keyword)
{
	struct ks_expr *e = new_literal(p, pos,
					keyword ? KS_T_VARCHAR : KS_T_CHAR);

	e->lit_type.len = (int32_t)chars;
	e->lit.u.s.p = s;
	e->lit.u.s.n = (uint32_t)n;
	e->keyword = keyword;
	return e;
}

static struct ks_expr *new_keyword(struct parser *p, struct ks_pos pos,
				   const char *word)
{
	return new_string(p, pos, word, strlen(word), strlen(word), 1);
}

/* ---- literals ---- */

static struct ks_expr *number_literal(struct parser *p,
				      const struct ks_token *t,
				      struct ks_pos pos, int neg)
{
	struct ks_expr *e;
	const char *s = t->text;
	uint64_t v = 0, lim;
	int digits = 0, scale = 0, dot = 0;

	if (t->kind == KS_TK_FLOAT) {
		double d;

		errno = 0;
		d = strtod(s, NULL);
		if (errno == ERANGE && isinf(d))
			fail(p, t->pos, "numeric literal '%s' is out of range",
			     s);
		e = new_literal(p, pos, KS_T_DOUBLE);
		e->lit.u.d = neg ? -d : d;
		return e;
	}
	for (; *s; s++) {
		if (*s == '.') {
			dot = 1;
			continue;
		}
		if (digits || *s != '0')
			digits++;
		scale += dot;
		if (digits > DEC_MAX_DIGITS + 1)
			break;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (t->kind == KS_TK_INT) {
		lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		if (digits > 19 || (digits == 19 && v > lim))
			fail(p, t->pos,
			     "integer literal '%s%s' is out of range for "
			     "BIGINT",
			     neg ? "-" : "", t->text);
		e = new_literal(p, pos,
				v <= (neg ? 2147483648u : 2147483647u) ?
					KS_T_INTEGER : KS_T_BIGINT);
		e->lit.u.i = neg ? (int64_t)(0 - v) : (int64_t)v;
		return e;
	}
	if (digits > DEC_MAX_DIGITS)
		fail(p, t->pos,
		     "numeric literal '%s' has more than %d digits (the "
		     "precision of DECIMAL)", t->text, DEC_MAX_DIGITS);
	e = new_literal(p, pos, KS_T_DECIMAL);
	e->lit_type.len = digits > scale ? digits : scale > 0 ? scale : 1;
	e->lit_type.scale = (int16_t)scale;
	e->lit.u.i = neg ? -(int64_t)v : (int64_t)v;
	return e;
}

/* Reads 1..maxd digits at *s into *v; 0, or -1 when there are none. */
static int read_digits(const char **s, int maxd, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (**s >= '0' && **s <= '9' && n < maxd) {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n ? 0 : -1;
}

/* Milliseconds from a fraction's digits ".5" → 500 (beyond ms dropped). */
static int64_t read_fraction(const char **s)
{
	int64_t ms = 0;
	int n = 0;

	while (**s >= '0' && **s <= '9') {
		if (n < 3) {
			ms = ms * 10 + (**s - '0');
			n++;
		}
		(*s)++;
	}
	for (; n < 3; n++)
		ms *= 10;
	return ms;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int64_t y, int64_t m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30,
				  31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : md[m - 1];
}

static void skip_blanks(const char **s)
{
	while (**s == ' ')
		(*s)++;
}

/*
 * 'yyyy-MM-dd' (date_only) or 'yyyy-MM-dd HH:mm[:ss[.fff]]' (the time part
 * optional; T is accepted for the blank) into days or milliseconds.
 */
static int datetime_literal(const char *s, int date_only, int64_t *out)
{
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, days;

	skip_blanks(&s);
	if (read_digits(&s, 4, &y) < 0 || *s++ != '-' ||
	    read_digits(&s, 2, &mo) < 0 || *s++ != '-' ||
	    read_digits(&s, 2, &d) < 0)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	days = days_from_civil(y, mo, d);
	if (!date_only && (*s == ' ' || *s == 'T') && s[1] >= '0' &&
	    s[1] <= '9') {
		s++;
		if (read_digits(&s, 2, &h) < 0 || *s++ != ':' ||
		    read_digits(&s, 2, &mi) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (read_digits(&s, 2, &sec) < 0)
				return -1;
			if (*s == '.') {
				s++;
				if (*s < '0' || *s > '9')
					return -1;
				ms = read_fraction(&s);
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	skip_blanks(&s);
	if (*s)
		return -1;
	*out = date_only
		       ? days
		       : ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
	return 0;
}

enum unit { U_YEAR, U_MONTH, U_DAY, U_HOUR, U_MINUTE, U_SECOND, U_NONE };
static const char *const unit_names[] = { "YEAR", "MONTH", "DAY", "HOUR",
					  "MINUTE", "SECOND" };
/* field separators before each unit in a multi-field interval string */
static const char unit_sep[] = { 0, '-', 0, ' ', ':', ':' };
static const int64_t unit_ms[] = { 0, 0, 86400000, 3600000, 60000, 1000 };
static const int64_t unit_max[] = { 0, 11, 0, 23, 59, 59 };

static enum unit unit_of(const struct ks_token *t)
{
	int i;

	if (t->kind != KS_TK_IDENT)
		return U_NONE;
	for (i = 0; i < U_NONE; i++)
		if (!strcmp(t->text, unit_names[i]))
			return (enum unit)i;
	return U_NONE;
}

/*
 * The value of INTERVAL 's' from [TO to]: months (YEAR, MONTH) or
 * milliseconds. The leading field has any number of digits; the others
 * are bounded (MONTH 11, HOUR 23, MINUTE and SECOND 59). 0 or -1.
 */
static int interval_value(const char *s, enum unit from, enum unit to,
			  int64_t *out)
{
	int64_t v, total = 0, mult;
	int neg = 0;
	enum unit u;

	skip_blanks(&s);
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (u = from; u <= to; u++) {
		if (u != from && *s++ != unit_sep[u])
			return -1;
		if (read_digits(&s, u == from ? 18 : 2, &v) < 0)
			return -1;
		if (u != from && v > unit_max[u])
			return -1;
		mult = u == U_YEAR ? 12 : u == U_MONTH ? 1 : unit_ms[u];
		if (__builtin_mul_overflow(v, mult, &v) ||
		    __builtin_add_overflow(total, v, &total))
			return -1;
	}
	if (to == U_SECOND && *s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		total += read_fraction(&s);
	}
	skip_blanks(&s);
	if (*s)
		return -1;
	*out = neg ? -total : total;
	return 0;
}

/* (n) or (n, m) after a type or interval unit: returns n or m, or dflt. */
static int64_t opt_precision(struct parser *p, int64_t dflt, int64_t *second,
			     const char *ctx)
{
	const struct ks_token *t;
	int64_t v = 0;
	const char *s;

	if (second)
		*second = -1;
	if (!accept(p, KS_TK_LPAREN))
		return dflt;
	t = cur(p);
	if (t->kind != KS_TK_INT)
		expected(p, "an integer", ctx);
	for (s = t->text; *s; s++)
		if ((v = v * 10 + (*s - '0')) > INT32_MAX)
			fail(p, t->pos, "number %s is too large", t->text);
	advance(p);
	if (second && accept(p, KS_TK_COMMA)) {
		t = cur(p);
		if (t->kind != KS_TK_INT)
			expected(p, "an integer", ctx);
		*second = 0;
		for (s = t->text; *s; s++)
			if ((*second = *second * 10 + (*s - '0')) > INT32_MAX)
				fail(p, t->pos, "number %s is too large",
				     t->text);
		advance(p);
	}
	expect(p, KS_TK_RPAREN, "')'", ctx);
	return v;
}

/* An interval qualifier "unit[(p)] [TO unit[(p)]]"; fills from and to. */
static void interval_qualifier(struct parser *p, enum unit *from,
			       enum unit *to, const char *ctx)
{
	const struct ks_token *t = cur(p);
	int64_t frac;

	*from = unit_of(t);
	if (*from == U_NONE)
		expected(p, "YEAR, MONTH, DAY, HOUR, MINUTE or SECOND", ctx);
	advance(p);
	opt_precision(p, 0, &frac, "in the interval qualifier");
	*to = *from;
	if (!kw(p, "TO"))
		return;
	advance(p);
	t = cur(p);
	*to = unit_of(t);
	if (*to == U_NONE)
		expected(p, "MONTH, HOUR, MINUTE or SECOND", "after TO");
	if (*to <= *from || (*from <= U_MONTH) != (*to <= U_MONTH))
		fail(p, t->pos, "invalid interval qualifier %s TO %s",
		     unit_names[*from], unit_names[*to]);
	advance(p);
	opt_precision(p, 0, &frac, "in the interval qualifier");
}

/* INTERVAL [+|-] 'value' qualifier; the INTERVAL token is current. */
static struct ks_expr *interval_literal(struct parser *p)
{
	struct ks_pos pos = cur(p)->pos;
	const struct ks_token *t;
	const char *s;
	struct ks_pos spos;
	enum unit from, to;
	struct ks_expr *e;
	int neg = 0;
	int64_t v;

	advance(p);
	if (accept(p, KS_TK_MINUS))
		neg = 1;
	else
		accept(p, KS_TK_PLUS);
	t = cur(p);
	if (t->kind != KS_TK_STRING)
		expected(p, "a quoted value such as '1'", "after INTERVAL");
	s = t->text;
	spos = t->pos;
	advance(p);
	interval_qualifier(p, &from, &to, afmt(p, "after INTERVAL '%.40s'", s));
	if (interval_value(s, from, to, &v) < 0) {
		if (from == to)
			fail(p, spos, "invalid INTERVAL literal '%.40s' for %s",
			     s, unit_names[from]);
		fail(p, spos, "invalid INTERVAL literal '%.40s' for %s TO %s",
		     s, unit_names[from], unit_names[to]);
	}
	e = new_literal(p, pos,
			from <= U_MONTH ? KS_T_INTERVAL_YM : KS_T_INTERVAL_DS);
	e->lit.u.i = neg ? -v : v;
	return e;
}

/* ---- types ---- */

static const char *const floor_units[] = { "YEAR", "QUARTER", "MONTH",
					   "WEEK", "DAY", "HOUR", "MINUTE",
					   "SECOND", NULL };
static const char *const extract_fields[] = {
	"YEAR",	  "QUARTER",	 "MONTH", "WEEK", "DAY",  "HOUR",
	"MINUTE", "SECOND", "MILLISECOND", "DOW", "DOY", "EPOCH", NULL
};

static int in_list(const struct ks_token *t, const char *const *list)
{
	if (t->kind != KS_TK_IDENT)
		return 0;
	for (; *list; list++)
		if (!strcmp(t->text, *list))
			return 1;
	return 0;
}

static int32_t type_length(struct parser *p, const char *type, int32_t dflt)
{
	struct ks_pos pos = la(p, 1)->pos;
	int64_t n;

	if (cur(p)->kind != KS_TK_LPAREN)
		return dflt;
	n = opt_precision(p, dflt, NULL, afmt(p, "in the length of %s", type));
	if (n < 1)
		fail(p, pos, "invalid length %lld for %s", (long long)n, type);
	return (int32_t)n;
}

/*
 * A type name as CREATE STREAM and CAST write it, with SQL's synonyms;
 * the first token is current.
 */
static void parse_type(struct parser *p, struct ks_sqltype *ty,
		       const char *ctx)
{
	const struct ks_token *t = cur(p);
	struct ks_pos pos = t->pos;
	const char *n = t->text, *src = t->src;
	int srclen = (int)t->srclen;

	memset(ty, 0, sizeof(*ty));
	if (t->kind != KS_TK_IDENT)
		expected(p, "a type name", ctx);
	advance(p); /* t is now the next token */
	if (!strcmp(n, "INTEGER") || !strcmp(n, "INT")) {
		ty->t = KS_T_INTEGER;
	} else if (!strcmp(n, "TINYINT")) {
		ty->t = KS_T_TINYINT;
	} else if (!strcmp(n, "SMALLINT")) {
		ty->t = KS_T_SMALLINT;
	} else if (!strcmp(n, "BIGINT")) {
		ty->t = KS_T_BIGINT;
	} else if (!strcmp(n, "REAL")) {
		ty->t = KS_T_REAL;
	} else if (!strcmp(n, "DOUBLE")) {
		accept_kw(p, "PRECISION");
		ty->t = KS_T_DOUBLE;
	} else if (!strcmp(n, "FLOAT")) {
		ty->t = opt_precision(p, 53, NULL, "in FLOAT") <= 24 ?
				KS_T_REAL : KS_T_DOUBLE;
	} else if (!strcmp(n, "DECIMAL") || !strcmp(n, "DEC") ||
		   !strcmp(n, "NUMERIC")) {
		int64_t prec, scale;
		struct ks_pos ppos = la(p, 1)->pos; /* after '(' */

		prec = opt_precision(p, DEC_MAX_DIGITS, &scale,
				     afmt(p, "in the precision of %s", n));
		if (scale < 0)
			scale = 0;
		if (prec < 1 || prec > DEC_MAX_DIGITS)
			fail(p, ppos,
			     "DECIMAL precision %lld is out of range (1 to %d)",
			     (long long)prec, DEC_MAX_DIGITS);
		if (scale > prec)
			fail(p, ppos,
			     "DECIMAL scale %lld is larger than its precision "
			     "%lld", (long long)scale, (long long)prec);
		ty->t = KS_T_DECIMAL;
		ty->len = (int32_t)prec;
		ty->scale = (int16_t)scale;
	} else if (!strcmp(n, "VARCHAR")) {
		ty->t = KS_T_VARCHAR;
		ty->len = type_length(p, "VARCHAR", 0);
	} else if (!strcmp(n, "CHAR") || !strcmp(n, "CHARACTER")) {
		if (accept_kw(p, "VARYING")) {
			ty->t = KS_T_VARCHAR;
			ty->len = type_length(p, "VARCHAR", 0);
		} else {
			ty->t = KS_T_CHAR;
			ty->len = type_length(p, "CHAR", 1);
		}
	} else if (!strcmp(n, "BOOLEAN")) {
		ty->t = KS_T_BOOLEAN;
	} else if (!strcmp(n, "TIMESTAMP")) {
		opt_precision(p, 3, NULL, "in TIMESTAMP");
		if (accept_kw(p, "WITHOUT")) {
			expect_kw(p, "TIME", "after WITHOUT");
			expect_kw(p, "ZONE", "after WITHOUT TIME");
		}
		ty->t = KS_T_TIMESTAMP;
	} else if (!strcmp(n, "DATE")) {
		ty->t = KS_T_DATE;
	} else if (!strcmp(n, "INTERVAL")) {
		enum unit from, to;

		interval_qualifier(p, &from, &to, "after INTERVAL");
		ty->t = from <= U_MONTH ? KS_T_INTERVAL_YM : KS_T_INTERVAL_DS;
	} else if (!strcmp(n, "TIME") || !strcmp(n, "BINARY") ||
		   !strcmp(n, "VARBINARY")) {
		fail(p, pos, "type %s is not supported", n);
	} else {
		fail(p, pos, "unknown type '%.*s'", srclen, src);
	}
}

/* ---- expressions ---- */

static struct ks_expr *parse_expr(struct parser *p);
static struct ks_expr *parse_concat(struct parser *p);
static struct ks_expr *parse_add(struct parser *p);
static struct ks_expr *parse_primary(struct parser *p);
static struct ks_select *parse_query(struct parser *p);
static struct ks_window *parse_window_spec(struct parser *p, const char *name,
					   struct ks_pos pos, const char *ctx);

/* Appends an argument to a function-like node. */
static void add_arg(struct parser *p, struct ks_expr *e, size_t *cap,
		    struct ks_expr *a)
{
	PUSH(p, e->args, e->nargs, *cap) = a;
}

/* TRIM([BOTH|LEADING|TRAILING] [c] FROM s) or TRIM(s) → TRIM(spec, c, s). */
static void parse_trim(struct parser *p, struct ks_expr *e, size_t *cap)
{
	const struct ks_token *t = cur(p);
	struct ks_expr *spec = NULL, *chars = NULL, *x;

	if (is_kw(t, "BOTH") || is_kw(t, "LEADING") || is_kw(t, "TRAILING")) {
		spec = new_keyword(p, t->pos, t->text);
		advance(p);
	}
	if (kw(p, "FROM")) {
		advance(p);
		x = parse_expr(p);
	} else {
		x = parse_expr(p);
		if (accept_kw(p, "FROM")) {
			chars = x;
			x = parse_expr(p);
		} else if (spec) {
			expected(p, "FROM", "in TRIM");
		} else if (cur(p)->kind == KS_TK_COMMA) {
			/* TRIM(a, b, ...): a plain call */
			add_arg(p, e, cap, x);
			while (accept(p, KS_TK_COMMA))
				add_arg(p, e, cap, parse_expr(p));
			return;
		}
	}
	if (!spec)
		spec = new_keyword(p, e->pos, "BOTH");
	if (!chars)
		chars = new_string(p, e->pos, " ", 1, 1, 0);
	add_arg(p, e, cap, spec);
	add_arg(p, e, cap, chars);
	add_arg(p, e, cap, x);
}

/* name( ... ) [OVER ...]; the '(' is current. Special syntax becomes
 * plain arguments as ksql.h lists. */
static struct ks_expr *parse_call(struct parser *p, const char *name,
				  struct ks_pos pos, int quoted)
{
	struct ks_expr *e = new_expr(p, KS_E_FUNC, pos);
	const char *sp = quoted ? "" : name; /* special forms: unquoted */
	const char *ctx = afmt(p, "after the argument list of '%.64s'", name);
	const struct ks_token *t;
	struct ks_expr *x;
	size_t cap = 0;

	e->func = name;
	advance(p);
	t = cur(p);
	if (t->kind == KS_TK_RPAREN)
		goto close;
	if (t->kind == KS_TK_STAR && la(p, 1)->kind == KS_TK_RPAREN) {
		e->star = 1;
		advance(p);
		goto close;
	}
	if (!strcmp(sp, "TRIM")) {
		parse_trim(p, e, &cap);
		goto close;
	}
	if (!strcmp(sp, "EXTRACT") && in_list(t, extract_fields) &&
	    is_kw(la(p, 1), "FROM")) {
		add_arg(p, e, &cap, new_keyword(p, t->pos, t->text));
		advance(p);
		advance(p);
		add_arg(p, e, &cap, parse_expr(p));
		goto close;
	}
	if (accept_kw(p, "DISTINCT"))
		e->distinct = 1;
	else
		accept_kw(p, "ALL");
	if (!strcmp(sp, "POSITION")) {
		/* the first argument stops before IN */
		add_arg(p, e, &cap, parse_concat(p));
		if (accept_kw(p, "IN")) {
			add_arg(p, e, &cap, parse_expr(p));
			goto close;
		}
	} else {
		add_arg(p, e, &cap, parse_expr(p));
	}
	if ((!strcmp(sp, "FLOOR") || !strcmp(sp, "CEIL") ||
	     !strcmp(sp, "CEILING")) && accept_kw(p, "TO")) {
		t = cur(p);
		if (!in_list(t, floor_units))
			expected(p, "a time unit (YEAR, MONTH, DAY, HOUR, "
				 "MINUTE, SECOND...)",
				 afmt(p, "after TO in %s", name));
		add_arg(p, e, &cap, new_keyword(p, t->pos, t->text));
		advance(p);
		goto close;
	}
	if (!strcmp(sp, "STEP") && accept_kw(p, "BY")) {
		add_arg(p, e, &cap, parse_expr(p));
		goto close;
	}
	if (!strcmp(sp, "SUBSTRING") && accept_kw(p, "FROM")) {
		add_arg(p, e, &cap, parse_expr(p));
		if (accept_kw(p, "FOR"))
			add_arg(p, e, &cap, parse_expr(p));
		goto close;
	}
	if (!strcmp(sp, "OVERLAY") && accept_kw(p, "PLACING")) {
		add_arg(p, e, &cap, parse_expr(p));
		expect_kw(p, "FROM", "in OVERLAY after PLACING");
		add_arg(p, e, &cap, parse_expr(p));
		if (accept_kw(p, "FOR"))
			add_arg(p, e, &cap, parse_expr(p));
		goto close;
	}
	while (accept(p, KS_TK_COMMA)) {
		x = parse_expr(p);
		add_arg(p, e, &cap, x);
	}
close:
	expect(p, KS_TK_RPAREN, "')'", ctx);
	if (kw(p, "OVER")) {
		struct ks_pos opos = cur(p)->pos;

		advance(p);
		if (cur(p)->kind == KS_TK_LPAREN)
			e->over =
				parse_window_spec(p, NULL, opos, "after OVER");
		else
			e->over_name = name_or_hint(p, "a window name or '('",
						    "after OVER", 1);
	}
	return e;
}

/* CASE ... END; CASE is current. */
static struct ks_expr *parse_case(struct parser *p)
{
	struct ks_expr *e = new_expr(p, KS_E_CASE, cur(p)->pos);
	size_t cap = 0;
	int whens = 0;

	advance(p);
	if (!kw(p, "WHEN")) {
		e->has_operand = 1;
		add_arg(p, e, &cap, parse_expr(p));
	}
	while (accept_kw(p, "WHEN")) {
		add_arg(p, e, &cap, parse_expr(p));
		expect_kw(p, "THEN", "after the WHEN condition");
		add_arg(p, e, &cap, parse_expr(p));
		whens++;
	}
	if (!whens)
		expected(p, "WHEN", "in CASE");
	if (accept_kw(p, "ELSE")) {
		e->has_else = 1;
		add_arg(p, e, &cap, parse_expr(p));
	}
	expect_kw(p, "END", "to close CASE");
	return e;
}

/* A zero-argument function written without parentheses. */
static int is_niladic(const struct ks_token *t)
{
	return is_kw(t, "CURRENT_ROW_TIMESTAMP") ||
	       is_kw(t, "CURRENT_TIMESTAMP") || is_kw(t, "LOCALTIMESTAMP") ||
	       is_kw(t, "CURRENT_DATE");
}

static struct ks_expr *parse_primary(struct parser *p)
{
	const struct ks_token *t = cur(p);
	struct ks_pos pos = t->pos;
	struct ks_expr *e;
	const char *name;

	switch (t->kind) {
	case KS_TK_INT:
	case KS_TK_DEC:
	case KS_TK_FLOAT:
		e = number_literal(p, t, pos, 0);
		advance(p);
		return e;
	case KS_TK_STRING:
		e = new_string(p, pos, t->text, t->len, t->nchars, 0);
		advance(p);
		return e;
	case KS_TK_LPAREN:
		if (is_kw(la(p, 1), "SELECT"))
			fail(p, la(p, 1)->pos,
			     "subqueries are not supported in expressions");
		advance(p);
		e = parse_expr(p);
		expect(p, KS_TK_RPAREN, "')'", "after the expression in "
		       "parentheses");
		return e;
	case KS_TK_QIDENT:
	case KS_TK_IDENT:
		break;
	default:
		expected(p, "an expression", NULL);
	}
	if (t->kind == KS_TK_IDENT) {
		if (is_kw(t, "NULL") || is_kw(t, "UNKNOWN")) {
			e = new_literal(p, pos, is_kw(t, "NULL") ?
						KS_T_NULL : KS_T_BOOLEAN);
			e->lit.null = 1;
			advance(p);
			return e;
		}
		if (is_kw(t, "TRUE") || is_kw(t, "FALSE")) {
			e = new_bool(p, pos, is_kw(t, "TRUE"));
			advance(p);
			return e;
		}
		if (is_kw(t, "CASE"))
			return parse_case(p);
		if (is_kw(t, "CAST")) {
			e = new_expr(p, KS_E_CAST, pos);
			advance(p);
			expect(p, KS_TK_LPAREN, "'('", "after CAST");
			e->args = alloc0(p, sizeof(*e->args));
			e->args[0] = parse_expr(p);
			e->nargs = 1;
			expect_kw(p, "AS", "after the operand of CAST");
			parse_type(p, &e->cast_type, "after AS in CAST");
			expect(p, KS_TK_RPAREN, "')'",
			       "after the type in CAST");
			return e;
		}
		if (is_kw(t, "INTERVAL"))
			return interval_literal(p);
		if ((is_kw(t, "TIMESTAMP") || is_kw(t, "DATE")) &&
		    la(p, 1)->kind == KS_TK_STRING) {
			int date = is_kw(t, "DATE");
			const struct ks_token *s = la(p, 1);
			int64_t v;

			if (datetime_literal(s->text, date, &v) < 0)
				fail(p, s->pos, "invalid %s literal '%.40s'",
				     date ? "DATE" : "TIMESTAMP", s->text);
			e = new_literal(p, pos,
					date ? KS_T_DATE : KS_T_TIMESTAMP);
			e->lit.u.i = v;
			advance(p);
			advance(p);
			return e;
		}
		if (is_niladic(t)) {
			e = new_expr(p, KS_E_FUNC, pos);
			e->func = t->text;
			advance(p);
			if (cur(p)->kind == KS_TK_LPAREN &&
			    la(p, 1)->kind == KS_TK_RPAREN) {
				advance(p);
				advance(p);
			}
			return e;
		}
		if (is_kw(t, "CURSOR") && la(p, 1)->kind == KS_TK_LPAREN) {
			e = new_expr(p, KS_E_CURSOR, pos);
			advance(p);
			advance(p);
			if (!kw(p, "SELECT"))
				expected(p, "SELECT", "in CURSOR(...)");
			e->cursor = parse_query(p);
			expect(p, KS_TK_RPAREN, "')'",
			       "after the query of CURSOR");
			return e;
		}
		if (ks_lex_reserved(t->text))
			expected(p, "an expression", NULL);
	}
	name = t->text;
	if (la(p, 1)->kind == KS_TK_LPAREN) {
		int quoted = t->kind == KS_TK_QIDENT;

		advance(p);
		return parse_call(p, name, pos, quoted);
	}
	e = new_expr(p, KS_E_COLUMN, pos);
	e->name = name;
	advance(p);
	if (accept(p, KS_TK_DOT)) {
		e->qual = name;
		e->name = name_or_hint(p, "a column name",
				       afmt(p, "after '%.64s.'", name), 1);
		if (cur(p)->kind == KS_TK_DOT)
			fail(p, cur(p)->pos,
			     "a column name has at most one qualifier");
	}
	return e;
}

static struct ks_expr *parse_unary(struct parser *p)
{
	const struct ks_token *t = cur(p);
	struct ks_pos pos = t->pos;
	struct ks_expr *x;
	enum ks_tok k;

	if (t->kind != KS_TK_MINUS && t->kind != KS_TK_PLUS)
		return parse_primary(p);
	k = t->kind;
	advance(p);
	enter(p);
	t = cur(p);
	if (k == KS_TK_MINUS && (t->kind == KS_TK_INT || t->kind == KS_TK_DEC ||
				 t->kind == KS_TK_FLOAT)) {
		struct ks_expr *e = number_literal(p, t, pos, 1);

		advance(p);
		leave(p);
		return e;
	}
	x = parse_unary(p);
	leave(p);
	return new_unary(p, k == KS_TK_MINUS ? KS_OP_NEG : KS_OP_PLUS, pos, x);
}

static struct ks_expr *parse_mul(struct parser *p)
{
	struct ks_expr *e = parse_unary(p);

	for (;;) {
		const struct ks_token *t = cur(p);
		enum ks_op op = t->kind == KS_TK_STAR  ? KS_OP_MUL :
				t->kind == KS_TK_SLASH ? KS_OP_DIV :
				t->kind == KS_TK_PERCENT ? KS_OP_MOD : 0;
		struct ks_pos pos = t->pos;

		if (!op)
			return e;
		advance(p);
		e = new_binary(p, op, pos, e, parse_unary(p));
	}
}

static struct ks_expr *parse_add(struct parser *p)
{
	struct ks_expr *e = parse_mul(p);

	for (;;) {
		const struct ks_token *t = cur(p);
		enum ks_op op = t->kind == KS_TK_PLUS  ? KS_OP_ADD :
				t->kind == KS_TK_MINUS ? KS_OP_SUB : 0;
		struct ks_pos pos = t->pos;

		if (!op)
			return e;
		advance(p);
		e = new_binary(p, op, pos, e, parse_mul(p));
	}
}

static struct ks_expr *parse_concat(struct parser *p)
{
	struct ks_expr *e = parse_add(p);

	while (cur(p)->kind == KS_TK_CONCAT) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		e = new_binary(p, KS_OP_CONCAT, pos, e, parse_add(p));
	}
	return e;
}

static enum ks_op comparison(enum ks_tok k)
{
	switch (k) {
	case KS_TK_EQ: return KS_OP_EQ;
	case KS_TK_NE: return KS_OP_NE;
	case KS_TK_LT: return KS_OP_LT;
	case KS_TK_LE: return KS_OP_LE;
	case KS_TK_GT: return KS_OP_GT;
	case KS_TK_GE: return KS_OP_GE;
	default: return 0;
	}
}

/* x IS [NOT] TRUE/FALSE as CASE WHEN x THEN a ELSE b END. */
static struct ks_expr *is_truth(struct parser *p, struct ks_pos pos,
				struct ks_expr *x, int want, int negated)
{
	struct ks_expr *e = new_expr(p, KS_E_CASE, pos);
	size_t cap = 0;

	e->has_else = 1;
	add_arg(p, e, &cap, want ? x : new_unary(p, KS_OP_NOT, pos, x));
	add_arg(p, e, &cap, new_bool(p, pos, !negated));
	add_arg(p, e, &cap, new_bool(p, pos, negated));
	return e;
}

/* Comparisons and the predicates IS, LIKE, SIMILAR TO, IN, BETWEEN. */
static struct ks_expr *parse_pred(struct parser *p)
{
	struct ks_expr *l = parse_concat(p), *e;
	size_t cap;

	for (;;) {
		const struct ks_token *t = cur(p);
		struct ks_pos pos = t->pos;
		enum ks_op op = comparison(t->kind);
		int neg = 0;

		if (op) {
			advance(p);
			l = new_binary(p, op, pos, l, parse_concat(p));
			continue;
		}
		if (is_kw(t, "IS")) {
			advance(p);
			neg = accept_kw(p, "NOT");
			if (accept_kw(p, "NULL") || accept_kw(p, "UNKNOWN")) {
				e = new_expr(p, KS_E_IS_NULL, pos);
				e->negated = neg;
				cap = 0;
				add_arg(p, e, &cap, l);
				l = e;
			} else if (kw(p, "TRUE") || kw(p, "FALSE")) {
				int want = kw(p, "TRUE");

				advance(p);
				l = is_truth(p, pos, l, want, neg);
			} else if (kw(p, "DISTINCT")) {
				fail(p, cur(p)->pos,
				     "IS DISTINCT FROM is not supported");
			} else {
				expected(p, "NULL, TRUE, FALSE or UNKNOWN",
					 neg ? "after IS NOT" : "after IS");
			}
			continue;
		}
		if (is_kw(t, "NOT")) {
			const struct ks_token *n = la(p, 1);

			if (!is_kw(n, "LIKE") && !is_kw(n, "IN") &&
			    !is_kw(n, "BETWEEN") && !is_kw(n, "SIMILAR"))
				return l;
			neg = 1;
			advance(p);
			t = cur(p);
		}
		cap = 0;
		if (is_kw(t, "LIKE") || is_kw(t, "SIMILAR")) {
			int similar = is_kw(t, "SIMILAR");

			e = new_expr(p, similar ? KS_E_SIMILAR : KS_E_LIKE,
				     pos);
			advance(p);
			if (similar)
				expect_kw(p, "TO", "after SIMILAR");
			add_arg(p, e, &cap, l);
			add_arg(p, e, &cap, parse_concat(p));
			if (accept_kw(p, "ESCAPE"))
				add_arg(p, e, &cap, parse_concat(p));
		} else if (is_kw(t, "IN")) {
			e = new_expr(p, KS_E_IN, pos);
			advance(p);
			expect(p, KS_TK_LPAREN, "'('", "after IN");
			if (kw(p, "SELECT"))
				fail(p, cur(p)->pos,
				     "subqueries are not supported in IN");
			add_arg(p, e, &cap, l);
			do
				add_arg(p, e, &cap, parse_expr(p));
			while (accept(p, KS_TK_COMMA));
			expect(p, KS_TK_RPAREN, "')'", "after the IN list");
		} else if (is_kw(t, "BETWEEN")) {
			e = new_expr(p, KS_E_BETWEEN, pos);
			advance(p);
			if (!accept_kw(p, "ASYMMETRIC") &&
			    kw(p, "SYMMETRIC"))
				fail(p, cur(p)->pos,
				     "BETWEEN SYMMETRIC is not supported");
			add_arg(p, e, &cap, l);
			add_arg(p, e, &cap, parse_concat(p));
			expect_kw(p, "AND", "after the lower bound of BETWEEN");
			add_arg(p, e, &cap, parse_concat(p));
		} else {
			return l;
		}
		e->negated = neg;
		l = e;
	}
}

static struct ks_expr *parse_not(struct parser *p)
{
	struct ks_pos pos = cur(p)->pos;
	struct ks_expr *x;

	if (!accept_kw(p, "NOT"))
		return parse_pred(p);
	enter(p);
	x = parse_not(p);
	leave(p);
	return new_unary(p, KS_OP_NOT, pos, x);
}

static struct ks_expr *parse_and(struct parser *p)
{
	struct ks_expr *e = parse_not(p);

	while (kw(p, "AND")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		e = new_binary(p, KS_OP_AND, pos, e, parse_not(p));
	}
	return e;
}

static struct ks_expr *parse_expr(struct parser *p)
{
	struct ks_expr *e;

	enter(p);
	e = parse_and(p);
	while (kw(p, "OR")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		e = new_binary(p, KS_OP_OR, pos, e, parse_and(p));
	}
	leave(p);
	return e;
}

/* e1, e2, ... into *list. */
static void parse_expr_list(struct parser *p, struct ks_expr ***list,
			    size_t *n)
{
	size_t cap = 0;

	do
		PUSH(p, *list, *n, cap) = parse_expr(p);
	while (accept(p, KS_TK_COMMA));
}

/* ---- windows ---- */

/* UNBOUNDED PRECEDING | CURRENT ROW | e PRECEDING */
static void parse_bound(struct parser *p, struct ks_window *w)
{
	const struct ks_token *t = cur(p);

	if (is_kw(t, "UNBOUNDED")) {
		advance(p);
		if (kw(p, "FOLLOWING"))
			fail(p, cur(p)->pos, "FOLLOWING is not supported: a "
			     "streaming window ends at the current row");
		expect_kw(p, "PRECEDING", "after UNBOUNDED");
		w->extent = NULL;
		return;
	}
	if (is_kw(t, "CURRENT") && is_kw(la(p, 1), "ROW")) {
		w->extent = new_literal(p, t->pos,
					w->frame == KS_FRAME_ROWS
						? KS_T_INTEGER
						: KS_T_INTERVAL_DS);
		advance(p);
		advance(p);
		return;
	}
	w->extent = parse_add(p);
	if (kw(p, "FOLLOWING"))
		fail(p, cur(p)->pos, "FOLLOWING is not supported: a streaming "
		     "window ends at the current row");
	expect_kw(p, "PRECEDING", "after the window's extent");
}

/* ( [base] [PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE ...] ) */
static struct ks_window *parse_window_spec(struct parser *p, const char *name,
					   struct ks_pos pos, const char *ctx)
{
	struct ks_window *w = alloc0(p, sizeof(*w));
	const struct ks_token *t;
	size_t cap = 0;

	w->name = name;
	w->pos = pos;
	expect(p, KS_TK_LPAREN, "'('", ctx);
	t = cur(p);
	if (is_name(t) && !is_kw(t, "PARTITION") && !is_kw(t, "ORDER") &&
	    !is_kw(t, "RANGE") && !is_kw(t, "ROWS")) {
		w->base = t->text;
		advance(p);
	}
	if (accept_kw(p, "PARTITION")) {
		expect_kw(p, "BY", "after PARTITION");
		parse_expr_list(p, &w->partition, &w->npartition);
	}
	if (accept_kw(p, "ORDER")) {
		expect_kw(p, "BY", "after ORDER");
		do {
			PUSH(p, w->order, w->norder, cap) = parse_expr(p);
			if (kw(p, "DESC"))
				fail(p, cur(p)->pos,
				     "a window's ORDER BY "
				     "cannot be DESC: rows arrive in time "
				     "order");
			accept_kw(p, "ASC");
		} while (accept(p, KS_TK_COMMA));
	}
	t = cur(p);
	if (is_kw(t, "RANGE") || is_kw(t, "ROWS")) {
		w->frame = is_kw(t, "RANGE") ? KS_FRAME_RANGE : KS_FRAME_ROWS;
		advance(p);
		if (accept_kw(p, "BETWEEN")) {
			parse_bound(p, w);
			expect_kw(p, "AND", "after the window's start");
			if (!kw(p, "CURRENT") || !is_kw(la(p, 1), "ROW"))
				expected(p, "CURRENT ROW",
					 "after AND: a streaming window ends "
					 "at the current row");
			advance(p);
			advance(p);
		} else {
			parse_bound(p, w);
		}
	}
	expect(p, KS_TK_RPAREN, "')'", "after the window specification");
	return w;
}

/* ---- SELECT ---- */

static void parse_alias(struct parser *p, const char **alias)
{
	if (accept_kw(p, "AS"))
		*alias = parse_name(p, "an alias", "after AS");
	else if (is_name(cur(p)))
		*alias = parse_name(p, "an alias", NULL);
}

/* A FROM or JOIN item; over (joins only) receives OVER (...). */
static void parse_from_item(struct parser *p, struct ks_from *f,
			    struct ks_window **over, const char *ctx)
{
	const struct ks_token *t = cur(p);

	f->pos = t->pos;
	if (is_kw(t, "TABLE") && la(p, 1)->kind == KS_TK_LPAREN) {
		advance(p);
		advance(p);
		t = cur(p);
		if (!is_name(t) || la(p, 1)->kind != KS_TK_LPAREN)
			expected(p, "a table function call", "in TABLE(...)");
		f->kind = KS_FROM_TABLE_FUNC;
		f->func = parse_primary(p);
		expect(p, KS_TK_RPAREN, "')'",
		       "after the table function call in TABLE(...)");
	} else if (t->kind == KS_TK_LPAREN) {
		if (!is_kw(la(p, 1), "SELECT")) {
			advance(p);
			expected(p, "SELECT", "in a subquery");
		}
		advance(p);
		f->kind = KS_FROM_SELECT;
		f->select = parse_query(p);
		expect(p, KS_TK_RPAREN, "')'", "after the subquery");
	} else {
		f->kind = KS_FROM_NAME;
		f->name = parse_name(p, "a stream or table name", ctx);
	}
	if (over && kw(p, "OVER")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		*over = parse_window_spec(p, NULL, pos, "after OVER");
	}
	parse_alias(p, &f->alias);
	if (over && !*over && kw(p, "OVER")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		*over = parse_window_spec(p, NULL, pos, "after OVER");
	}
}

static void parse_joins(struct parser *p, struct ks_select *s)
{
	size_t cap = 0;

	for (;;) {
		const struct ks_token *t = cur(p);
		struct ks_pos pos = t->pos;
		enum ks_join_kind k;
		struct ks_join *j;

		if (t->kind == KS_TK_COMMA) {
			k = KS_JOIN_CROSS;
		} else if (is_kw(t, "JOIN")) {
			k = KS_JOIN_INNER;
		} else if (is_kw(t, "INNER")) {
			k = KS_JOIN_INNER;
		} else if (is_kw(t, "LEFT") || is_kw(t, "RIGHT") ||
			   is_kw(t, "FULL")) {
			k = is_kw(t, "LEFT") ? KS_JOIN_LEFT :
			    is_kw(t, "RIGHT") ? KS_JOIN_RIGHT : KS_JOIN_FULL;
		} else if (is_kw(t, "CROSS")) {
			k = KS_JOIN_CROSS;
		} else if (is_kw(t, "NATURAL")) {
			fail(p, pos, "NATURAL JOIN is not supported; use "
			     "JOIN ... ON");
		} else {
			return;
		}
		if (t->kind != KS_TK_COMMA && !is_kw(t, "JOIN")) {
			const char *w = t->text;

			advance(p);
			if (k != KS_JOIN_INNER && k != KS_JOIN_CROSS)
				accept_kw(p, "OUTER");
			expect_kw(p, "JOIN", afmt(p, "after %s", w));
		} else {
			advance(p);
		}
		j = &PUSH(p, s->joins, s->njoins, cap);
		j->kind = k;
		j->pos = pos;
		parse_from_item(p, &j->right, &j->over, "after JOIN");
		if (k == KS_JOIN_CROSS)
			continue;
		if (kw(p, "USING"))
			fail(p, cur(p)->pos,
			     "JOIN ... USING is not supported; use ON");
		expect_kw(p, "ON", "after the joined stream");
		j->on = parse_expr(p);
	}
}

static void parse_items(struct parser *p, struct ks_select *s)
{
	size_t cap = 0;

	do {
		const struct ks_token *t = cur(p);
		struct ks_item *it = &PUSH(p, s->items, s->nitems, cap);

		it->pos = t->pos;
		if (t->kind == KS_TK_STAR) {
			it->star = 1;
			advance(p);
		} else if (is_name(t) && la(p, 1)->kind == KS_TK_DOT &&
			   la(p, 2)->kind == KS_TK_STAR) {
			it->star = 1;
			it->star_qual = t->text;
			advance(p);
			advance(p);
			advance(p);
		} else {
			it->e = parse_expr(p);
			parse_alias(p, &it->alias);
		}
	} while (accept(p, KS_TK_COMMA));
}

/* SELECT ... FROM ... [WHERE] [WINDOWED BY] [GROUP BY] [HAVING] [WINDOW] */
static struct ks_select *parse_select_core(struct parser *p)
{
	struct ks_select *s = alloc0(p, sizeof(*s));
	size_t cap = 0;

	s->pos = cur(p)->pos;
	expect_kw(p, "SELECT", NULL);
	s->stream = accept_kw(p, "STREAM");
	if (accept_kw(p, "DISTINCT"))
		s->distinct = 1;
	else
		accept_kw(p, "ALL");
	parse_items(p, s);
	expect_kw(p, "FROM", "after the select list");
	parse_from_item(p, &s->from, NULL, "after FROM");
	parse_joins(p, s);
	if (accept_kw(p, "WHERE"))
		s->where = parse_expr(p);
	if (kw(p, "WINDOWED")) {
		struct ks_stagger *st = alloc0(p, sizeof(*st));

		st->pos = cur(p)->pos;
		advance(p);
		expect_kw(p, "BY", "after WINDOWED");
		expect_kw(p, "STAGGER", "after WINDOWED BY");
		expect(p, KS_TK_LPAREN, "'('", "after STAGGER");
		expect_kw(p, "PARTITION", "in STAGGER (...)");
		expect_kw(p, "BY", "after PARTITION");
		parse_expr_list(p, &st->partition, &st->npartition);
		expect_kw(p, "RANGE", "after the PARTITION BY list of STAGGER");
		st->range = parse_add(p);
		expect(p, KS_TK_RPAREN, "')'", "after the RANGE of STAGGER");
		s->stagger = st;
	}
	if (accept_kw(p, "GROUP")) {
		expect_kw(p, "BY", "after GROUP");
		parse_expr_list(p, &s->group_by, &s->ngroup);
	}
	if (accept_kw(p, "HAVING"))
		s->having = parse_expr(p);
	if (accept_kw(p, "WINDOW")) {
		do {
			struct ks_pos pos = cur(p)->pos;
			const char *name = parse_name(p, "a window name",
						      "after WINDOW");
			const char *ctx = afmt(p, "after AS in WINDOW %.64s",
					       name);

			expect_kw(p, "AS",
				  afmt(p, "after the window name '%.64s'",
				       name));
			PUSH(p, s->windows, s->nwindows, cap) =
				parse_window_spec(p, name, pos, ctx);
		} while (accept(p, KS_TK_COMMA));
	}
	return s;
}

static void parse_order(struct parser *p, struct ks_select *s)
{
	size_t cap = 0;

	do {
		struct ks_order *o = &PUSH(p, s->order, s->norder, cap);

		o->e = parse_expr(p);
		if (accept_kw(p, "DESC"))
			o->desc = 1;
		else
			accept_kw(p, "ASC");
		if (accept_kw(p, "NULLS")) {
			if (accept_kw(p, "FIRST"))
				o->nulls = 1;
			else if (accept_kw(p, "LAST"))
				o->nulls = 2;
			else
				expected(p, "FIRST or LAST", "after NULLS");
		}
	} while (accept(p, KS_TK_COMMA));
}

/* select_core [UNION ALL select_core]... [ORDER BY] [LIMIT | FETCH] */
static struct ks_select *parse_query(struct parser *p)
{
	struct ks_select *head, *last;

	enter(p);
	head = last = parse_select_core(p);

	while (kw(p, "UNION")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		if (!accept_kw(p, "ALL"))
			fail(p, pos, "UNION without ALL is not supported; "
			     "use UNION ALL");
		if (!kw(p, "SELECT"))
			expected(p, "SELECT", "after UNION ALL");
		last->union_all = parse_select_core(p);
		last = last->union_all;
	}
	if (kw(p, "INTERSECT") || kw(p, "EXCEPT"))
		fail(p, cur(p)->pos, "%s is not supported", cur(p)->text);
	if (accept_kw(p, "ORDER")) {
		expect_kw(p, "BY", "after ORDER");
		parse_order(p, head);
	}
	if (accept_kw(p, "LIMIT")) {
		head->limit = parse_add(p);
	} else if (kw(p, "FETCH")) {
		struct ks_pos pos = cur(p)->pos;

		advance(p);
		if (!accept_kw(p, "FIRST") && !accept_kw(p, "NEXT"))
			expected(p, "FIRST or NEXT", "after FETCH");
		if (kw(p, "ROW") || kw(p, "ROWS")) {
			head->limit = new_literal(p, pos, KS_T_INTEGER);
			head->limit->lit.u.i = 1;
		} else {
			head->limit = parse_add(p);
		}
		if (!accept_kw(p, "ROWS"))
			expect_kw(p, "ROW", "in FETCH FIRST n ROWS ONLY");
		expect_kw(p, "ONLY", "in FETCH FIRST n ROWS ONLY");
	}
	if (kw(p, "OFFSET"))
		fail(p, cur(p)->pos, "OFFSET is not supported");
	leave(p);
	return head;
}

/* ---- statements ---- */

static void parse_create_stream(struct parser *p, struct ks_stmt *s)
{
	size_t cap = 0;
	const char *ctx;

	s->kind = KS_S_CREATE_STREAM;
	s->name = parse_name(p, "a stream name", "after CREATE STREAM");
	expect(p, KS_TK_LPAREN, "'('",
	       afmt(p, "after the stream name '%.64s'", s->name));
	ctx = afmt(p, "in the column list of stream '%.64s'", s->name);
	do {
		struct ks_coldef *c = &PUSH(p, s->cols, s->ncols, cap);

		c->pos = cur(p)->pos;
		c->name = parse_name(p, "a column name", ctx);
		parse_type(p, &c->type,
			   afmt(p, "after the column name '%.64s'", c->name));
		if (accept_kw(p, "NOT")) {
			expect_kw(p, "NULL", "after NOT");
			c->type.not_null = 1;
		} else {
			accept_kw(p, "NULL");
		}
	} while (accept(p, KS_TK_COMMA));
	expect(p, KS_TK_RPAREN, "')' or ','",
	       afmt(p, "in the column list of stream '%.64s'", s->name));
	if (accept_kw(p, "DESCRIPTION")) {
		/* KDA's documentation string: accepted and ignored */
		if (cur(p)->kind != KS_TK_STRING)
			expected(p, "a string", "after DESCRIPTION");
		advance(p);
	}
}

static void parse_create_pump(struct parser *p, struct ks_stmt *s)
{
	size_t cap = 0;

	s->kind = KS_S_CREATE_PUMP;
	s->name = parse_name(p, "a pump name", "after CREATE PUMP");
	expect_kw(p, "AS", afmt(p, "after the pump name '%.64s'", s->name));
	expect_kw(p, "INSERT", "after AS in CREATE PUMP");
	expect_kw(p, "INTO", "after INSERT");
	s->target_pos = cur(p)->pos;
	s->target = parse_name(p, "a stream name", "after INSERT INTO");
	if (accept(p, KS_TK_LPAREN)) {
		do
			PUSH(p, s->target_cols, s->ntarget_cols, cap) =
				parse_name(p, "a column name",
					   "in the INSERT column list");
		while (accept(p, KS_TK_COMMA));
		expect(p, KS_TK_RPAREN, "')' or ','",
		       "in the INSERT column list");
	}
	if (!kw(p, "SELECT"))
		expected(p, "SELECT",
			 afmt(p, "after INSERT INTO %.64s", s->target));
	s->select = parse_query(p);
}

static void parse_stmt(struct parser *p, struct ks_stmt *s)
{
	const struct ks_token *t = cur(p);

	s->pos = t->pos;
	if (is_kw(t, "SELECT")) {
		s->kind = KS_S_SELECT;
		s->select = parse_query(p);
		return;
	}
	if (!is_kw(t, "CREATE"))
		expected(p, "a statement (CREATE STREAM, CREATE PUMP or "
			 "SELECT)", NULL);
	advance(p);
	if (accept_kw(p, "OR")) {
		expect_kw(p, "REPLACE", "after CREATE OR");
		s->or_replace = 1;
	}
	if (accept_kw(p, "STREAM"))
		parse_create_stream(p, s);
	else if (accept_kw(p, "PUMP"))
		parse_create_pump(p, s);
	else
		expected(p, "STREAM or PUMP", s->or_replace ?
			 "after CREATE OR REPLACE" : "after CREATE");
}

/* statement [; statement]... [;] */
static void parse_script(struct parser *p, struct ks_script *script)
{
	size_t cap = 0;

	for (;;) {
		while (accept(p, KS_TK_SEMI))
			;
		if (cur(p)->kind == KS_TK_EOF)
			break;
		parse_stmt(p, &PUSH(p, script->stmts, script->nstmts, cap));
		if (cur(p)->kind == KS_TK_EOF)
			break;
		if (!accept(p, KS_TK_SEMI))
			expected(p, "';' or the end of the script",
				 "after the statement");
	}
	if (!script->nstmts)
		fail(p, cur(p)->pos, "the script has no statements");
}

int ks_parse(const char *file, const char *text, size_t n,
	     struct ks_script *script, struct ks_perror *err)
{
	struct parser p;
	struct ks_perror dummy;

	memset(script, 0, sizeof(*script));
	script->file = file;
	ks_arena_init(&script->arena);
	memset(&p, 0, sizeof(p));
	p.a = &script->arena;
	p.err = err ? err : &dummy;
	memset(p.err, 0, sizeof(*p.err));
	ks_lex_init(&p.lx, text, n, p.a);
	if (setjmp(p.fail)) {
		/* only script is used here: it was not changed since setjmp */
		ks_script_release(script);
		return -1;
	}
	parse_script(&p, script);
	return 0;
}
