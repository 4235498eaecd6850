/*
 * decode.c: records to row values, the hot path of every query.
 *
 * A JSON record is scanned once, left to right, without building a tree:
 * each member name is looked up in a small open-addressing table of the
 * field names the plan uses at that level (hash of length, first and last
 * byte; one memcmp to confirm), values of unused fields are skipped (but
 * still validated, so a broken record is always an error), and only used
 * values are converted. Strings without escapes point into the record;
 * strings with escapes are unescaped into the row arena. Integers and
 * simple decimals are parsed by hand; anything unusual (exponents out of
 * the exact range, timestamps, DECIMAL, CHAR padding, long VARCHARs) goes
 * through ks_from_text, the one place with KDA's coercion rules.
 *
 * A CSV record is split by the column delimiter with RFC 4180 quoting; an
 * unquoted empty field is NULL, a quoted empty field ("") the empty string
 * (PostgreSQL's COPY rule), and fields after the last used one are not
 * scanned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksql.h"
#include "banned.h"

#define MAX_DEPTH 256

struct jlevel;

/* A member name at one level of the record. */
struct jnode {
	const char *name;
	uint32_t len;
	int col;             /* column taking this member's value, or -1 */
	int arr_col;         /* column taking it as "[0:]" array text, or -1 */
	struct jlevel *sub;  /* used members of this member's object, or NULL */
};

struct jlevel {
	struct jnode *nodes;
	size_t n;
	uint16_t *tab;       /* node index + 1, 0 empty */
	uint32_t mask;
};

struct ks_decoder {
	enum ks_format fmt;
	size_t ncols;
	struct ks_sqltype *types;
	char **names;
	unsigned char *used;
	struct jlevel root;
	char col_delim, row_delim;
	size_t csv_last;     /* 1 + the last used CSV column */
	struct kc_buf key;   /* an escaped member name, unescaped */
	/* names parsed from mappings, freed with the decoder */
	char **steps;
	size_t nsteps;
};

/* ---- the field-name table -------------------------------------------- */

static inline uint32_t name_hash(const char *p, size_t n)
{
	if (!n)
		return 0;
	return (uint32_t)n * 0x9e3779b1u ^
	       ((uint32_t)(unsigned char)p[0] * 0x85ebca6bu) ^
	       ((uint32_t)(unsigned char)p[n - 1] * 0xc2b2ae35u);
}

static inline const struct jnode *lookup(const struct jlevel *l, const char *p,
					 size_t n)
{
	uint32_t h = name_hash(p, n) & l->mask;
	unsigned idx;

	while ((idx = l->tab[h])) {
		const struct jnode *nd = &l->nodes[idx - 1];
		if (nd->len == n && !memcmp(nd->name, p, n))
			return nd;
		h = (h + 1) & l->mask;
	}
	return NULL;
}

static struct jnode *level_add(struct jlevel *l, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->nodes[i].len == n && !memcmp(l->nodes[i].name, name, n))
			return &l->nodes[i];
	l->nodes = kc_xrealloc(l->nodes, (l->n + 1) * sizeof(*l->nodes));
	l->nodes[l->n] = (struct jnode){ name, (uint32_t)n, -1, -1, NULL };
	return &l->nodes[l->n++];
}

/* Builds the hash tables of l and its sublevels (load factor <= 1/4). */
static void level_index(struct jlevel *l)
{
	uint32_t size = 8;
	size_t i;

	while (size < 4 * l->n)
		size <<= 1;
	l->mask = size - 1;
	l->tab = kc_xcalloc(size, sizeof(*l->tab));
	for (i = 0; i < l->n; i++) {
		uint32_t h = name_hash(l->nodes[i].name, l->nodes[i].len) & l->mask;
		while (l->tab[h])
			h = (h + 1) & l->mask;
		l->tab[h] = (uint16_t)(i + 1);
		if (l->nodes[i].sub)
			level_index(l->nodes[i].sub);
	}
}

static void level_free(struct jlevel *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->nodes[i].sub) {
			level_free(l->nodes[i].sub);
			free(l->nodes[i].sub);
		}
	free(l->nodes);
	free(l->tab);
}

/*
 * Adds column col with JSONPath mapping m to the tree. The mapping was
 * checked by ks_schema_load; one that does not parse here (a schema made
 * some other way) leaves the column always NULL.
 */
static void add_mapping(struct ks_decoder *d, int col, const char *m)
{
	struct jlevel *l = &d->root;
	struct jnode *nd = NULL;
	const char *p = m;

	if (*p++ != '$')
		return;
	while (*p) {
		const char *name;
		size_t n;
		if (nd) {
			if (!nd->sub)
				nd->sub = kc_xcalloc(1, sizeof(*nd->sub));
			l = nd->sub;
		}
		if (*p == '.') {
			name = p + 1;
			n = strcspn(name, ".[");
			p = name + n;
		} else if (p[0] == '[' && (p[1] == '\'' || p[1] == '"')) {
			const char *q = strchr(p + 2, p[1]);
			if (!q || q[1] != ']')
				return;
			name = p + 2;
			n = (size_t)(q - name);
			p = q + 2;
		} else {
			return;
		}
		if (!n || n > UINT32_MAX)
			return;
		nd = level_add(l, name, n);
		if (!strcmp(p, "[0:]")) {
			nd->arr_col = col;
			return;
		}
	}
	if (nd)
		nd->col = col;
}

struct ks_decoder *ks_decoder_new(const struct ks_schema *s,
				  const unsigned char *used)
{
	struct ks_decoder *d = kc_xcalloc(1, sizeof(*d));
	size_t i;

	d->fmt = s->format;
	d->ncols = s->ncols;
	d->col_delim = s->col_delim ? s->col_delim : ',';
	d->row_delim = s->row_delim ? s->row_delim : '\n';
	d->types = kc_xcalloc(s->ncols + 1, sizeof(*d->types));
	d->names = kc_xcalloc(s->ncols + 1, sizeof(*d->names));
	d->used = kc_xcalloc(s->ncols + 1, 1);
	d->steps = kc_xcalloc(s->ncols + 1, sizeof(*d->steps));
	for (i = 0; i < s->ncols; i++) {
		d->types[i] = s->cols[i].type;
		d->names[i] = kc_xstrdup(s->cols[i].name);
		d->used[i] = used ? used[i] != 0 : 1;
		if (!d->used[i])
			continue;
		if (d->fmt == KS_FMT_CSV) {
			d->csv_last = i + 1;
			continue;
		}
		if (s->cols[i].mapping) {
			d->steps[d->nsteps] = kc_xstrdup(s->cols[i].mapping);
		} else {
			struct kc_buf b = KC_BUF_INIT;
			kc_buf_addf(&b, "$.%s", s->cols[i].name);
			d->steps[d->nsteps] = b.data;
		}
		add_mapping(d, (int)i, d->steps[d->nsteps++]);
	}
	level_index(&d->root);
	return d;
}

void ks_decoder_free(struct ks_decoder *d)
{
	size_t i;

	if (!d)
		return;
	level_free(&d->root);
	for (i = 0; i < d->ncols; i++)
		free(d->names[i]);
	for (i = 0; i < d->nsteps; i++)
		free(d->steps[i]);
	free(d->steps);
	free(d->names);
	free(d->types);
	free(d->used);
	kc_buf_release(&d->key);
	free(d);
}

/* ---- conversions -------------------------------------------------------- */

static const double pow10_exact[23] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Parses s[0..n) when it is a JSON number the fast path gets exactly
 * right: returns 1 with an integer (no fraction, no exponent, fits int64)
 * in *iv, 2 with a double in *dv (mantissa <= 2^53 and a power of ten
 * <= 22: one correctly rounded multiplication or division), 0 otherwise.
 */
static int fast_number(const char *s, size_t n, int64_t *iv, double *dv)
{
	const char *p = s, *end = s + n;
	uint64_t m = 0;
	int neg = 0, digits = 0, frac = 0, ex = 0, isint = 1;
	double d;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || (unsigned)(*p - '0') > 9)
		return 0;
	if (*p == '0' && p + 1 < end && (unsigned)(p[1] - '0') <= 9)
		return 0;
	for (; p < end && (unsigned)(*p - '0') <= 9; p++) {
		if (++digits > 19)
			return 0;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p == '.') {
		isint = 0;
		if (++p == end || (unsigned)(*p - '0') > 9)
			return 0;
		for (; p < end && (unsigned)(*p - '0') <= 9; p++) {
			if (++digits > 19)
				return 0;
			m = m * 10 + (uint64_t)(*p - '0');
			frac++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		isint = 0;
		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || (unsigned)(*p - '0') > 9)
			return 0;
		for (; p < end && (unsigned)(*p - '0') <= 9; p++)
			if (ex < 10000)
				ex = ex * 10 + (*p - '0');
		if (eneg)
			ex = -ex;
	}
	if (p != end)
		return 0;
	if (isint) {
		if (m > (uint64_t)INT64_MAX)
			return 0;
		*iv = neg ? -(int64_t)m : (int64_t)m;
		return 1;
	}
	ex -= frac;
	if (m > (1ull << 53) || ex < -22 || ex > 22)
		return 0;
	d = (double)m;
	d = ex < 0 ? d / pow10_exact[-ex] : d * pow10_exact[ex];
	*dv = neg ? -d : d;
	return 2;
}

/* Prefixes the row error's message with the column's name. */
static int col_error(const struct ks_decoder *d, size_t i, struct ks_eval_ctx *c)
{
	struct ks_rowerr *e = c->err;
	char old[sizeof(e->msg)];

	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	snprintf(e->msg, sizeof(e->msg), "column '%.100s': %.380s", d->names[i], old);
	if (!e->name)
		e->name = KS_ERR_CAST;
	return -1;
}

static int from_text(const struct ks_decoder *d, size_t i, const char *s,
		     size_t n, struct ks_value *v, struct ks_eval_ctx *c)
{
	if (ks_from_text(c, s, n, &d->types[i], v))
		return col_error(d, i, c);
	return 0;
}

/*
 * Converts text (a JSON string's contents, a number's literal, a CSV
 * field) to column i: fast paths for integers, doubles and VARCHARs that
 * fit; ks_from_text for everything else.
 */
static int conv_text(const struct ks_decoder *d, size_t i, const char *s,
		     size_t n, struct ks_value *v, struct ks_eval_ctx *c)
{
	const struct ks_sqltype *t = &d->types[i];
	int64_t iv;
	double dv;
	int k;

	switch (t->t) {
	case KS_T_VARCHAR:
		/* n bytes hold at most n characters: no truncation needed */
		if (!t->len || n <= (size_t)t->len) {
			v->null = 0;
			v->u.s.p = s;
			v->u.s.n = (uint32_t)n;
			return 0;
		}
		break;
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
		if (fast_number(s, n, &iv, &dv) != 1)
			break;
		if ((t->t == KS_T_TINYINT && (iv < -128 || iv > 127)) ||
		    (t->t == KS_T_SMALLINT && (iv < -32768 || iv > 32767)) ||
		    (t->t == KS_T_INTEGER &&
		     (iv < INT32_MIN || iv > INT32_MAX)))
			break; /* ks_from_text reports the overflow */
		v->null = 0;
		v->u.i = iv;
		return 0;
	case KS_T_DOUBLE:
	case KS_T_REAL:
		k = fast_number(s, n, &iv, &dv);
		if (k == 1) {
			if (iv > (1ll << 53) || iv < -(1ll << 53))
				break;
			dv = (double)iv;
		} else if (k != 2) {
			break;
		}
		v->null = 0;
		v->u.d = t->t == KS_T_REAL ? (double)(float)dv : dv;
		return 0;
	case KS_T_BOOLEAN:
		/* KDA: "true" in any case is TRUE, every other text FALSE */
		v->null = 0;
		v->u.i = n == 4 && !strncasecmp(s, "true", 4);
		return 0;
	default:
		break;
	}
	return from_text(d, i, s, n, v, c);
}

/* A JSON number literal to column i: as text, except to BOOLEAN. */
static int conv_number(const struct ks_decoder *d, size_t i, const char *s,
		       size_t n, struct ks_value *v, struct ks_eval_ctx *c)
{
	size_t k;

	if (d->types[i].t != KS_T_BOOLEAN)
		return conv_text(d, i, s, n, v, c);
	/* KDA: 0 is FALSE, every other number TRUE */
	v->null = 0;
	v->u.i = 0;
	for (k = 0; k < n && s[k] != 'e' && s[k] != 'E'; k++)
		if (s[k] >= '1' && s[k] <= '9')
			v->u.i = 1;
	return 0;
}

/* JSON true/false to column i (KDA's rules: 1/0 for numbers). */
static int conv_bool(const struct ks_decoder *d, size_t i, int b,
		     struct ks_value *v, struct ks_eval_ctx *c)
{
	const struct ks_sqltype *t = &d->types[i];

	switch (t->t) {
	case KS_T_BOOLEAN:
	case KS_T_TINYINT:
	case KS_T_SMALLINT:
	case KS_T_INTEGER:
	case KS_T_BIGINT:
		v->null = 0;
		v->u.i = b;
		return 0;
	case KS_T_REAL:
	case KS_T_DOUBLE:
		v->null = 0;
		v->u.d = b;
		return 0;
	case KS_T_DECIMAL:
		return from_text(d, i, b ? "1" : "0", 1, v, c);
	case KS_T_CHAR:
	case KS_T_VARCHAR:
		return conv_text(d, i, b ? "true" : "false", b ? 4 : 5, v, c);
	default:
		ks_rowerr_set(c->err, KS_ERR_CAST, "cannot convert %s to %s",
			      b ? "true" : "false", ks_type_name(t->t));
		return col_error(d, i, c);
	}
}

/* A JSON object or array (its source text) to column i. */
static int conv_nested(const struct ks_decoder *d, size_t i, const char *s,
		       size_t n, struct ks_value *v, struct ks_eval_ctx *c)
{
	if (ks_type_is_string(d->types[i].t))
		return conv_text(d, i, s, n, v, c);
	ks_rowerr_set(c->err, KS_ERR_CAST, "cannot convert a JSON %s to %s",
		      *s == '[' ? "array" : "object",
		      ks_type_name(d->types[i].t));
	return col_error(d, i, c);
}

/* ---- JSON scanning ------------------------------------------------------ */

/* Bytes that end the fast scan of a string: '"', '\\' and controls. */
static const unsigned char str_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	[0x5c] = 1,
};

struct jscan {
	const char *p, *end;
	int depth;
	struct ks_eval_ctx *c;
	const char *why; /* why the record is not JSON */
};

static inline void skip_ws(struct jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Scans a string whose opening quote is at j->p: sets *s, *n to its raw
 * contents and *esc when it holds escapes; j->p moves past the closing
 * quote. Escapes are checked here (so skipping validates too).
 */
static int scan_string(struct jscan *j, const char **s, size_t *n, int *esc)
{
	const unsigned char *p = (const unsigned char *)j->p + 1;
	const unsigned char *end = (const unsigned char *)j->end;

	*s = (const char *)p;
	*esc = 0;
	for (;;) {
		while (p < end && !str_stop[*p])
			p++;
		if (p >= end) {
			j->why = "unterminated string";
			j->p = (const char *)p;
			return -1;
		}
		if (*p == '"')
			break;
		if (*p != '\\') {
			j->why = "control character in a string";
			j->p = (const char *)p;
			return -1;
		}
		*esc = 1;
		if (++p >= end) {
			j->why = "unterminated string";
			j->p = (const char *)p;
			return -1;
		}
		if (*p == 'u') {
			if (end - p < 5 || hexval(p[1]) < 0 || hexval(p[2]) < 0 ||
			    hexval(p[3]) < 0 || hexval(p[4]) < 0) {
				j->why = "bad \\u escape";
				j->p = (const char *)p;
				return -1;
			}
			p += 5;
		} else if (strchr("\"\\/bfnrt", *p) && *p) {
			p++;
		} else {
			j->why = "bad escape in a string";
			j->p = (const char *)p;
			return -1;
		}
	}
	*n = (size_t)((const char *)p - *s);
	j->p = (const char *)p + 1;
	return 0;
}

static void put_utf8(char **o, unsigned cp)
{
	unsigned char *q = (unsigned char *)*o;

	if (cp < 0x80) {
		*q++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*q++ = (unsigned char)(0xc0 | cp >> 6);
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (unsigned char)(0xe0 | cp >> 12);
		*q++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (unsigned char)(0xf0 | cp >> 18);
		*q++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)q;
}

static unsigned hex4(const char *p)
{
	return (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 |
			  hexval(p[2]) << 4 | hexval(p[3]));
}

/*
 * Unescapes the checked string contents s[0..n) into out (n bytes are
 * enough: no escape grows). A lone surrogate becomes U+FFFD. Returns the
 * length.
 */
static size_t unescape(const char *s, size_t n, char *out)
{
	const char *p = s, *end = s + n;
	char *o = out;

	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		unsigned cp;
		if (!q) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q + 2;
		switch (q[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			cp = hex4(p);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u') {
				unsigned lo = hex4(p + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			put_utf8(&o, cp);
			break;
		default: *o++ = q[1]; break;
		}
	}
	return (size_t)(o - out);
}

/* Scans a number at j->p (grammar of RFC 8259). */
static int scan_number(struct jscan *j)
{
	const char *p = j->p, *end = j->end;

	if (p < end && *p == '-')
		p++;
	if (p == end || (unsigned)(*p - '0') > 9)
		goto bad;
	if (*p == '0')
		p++;
	else
		while (p < end && (unsigned)(*p - '0') <= 9)
			p++;
	if (p < end && *p == '.') {
		if (++p == end || (unsigned)(*p - '0') > 9)
			goto bad;
		while (p < end && (unsigned)(*p - '0') <= 9)
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || (unsigned)(*p - '0') > 9)
			goto bad;
		while (p < end && (unsigned)(*p - '0') <= 9)
			p++;
	}
	j->p = p;
	return 0;
bad:
	j->why = "bad number";
	return -1;
}

static int scan_word(struct jscan *j, const char *w, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n)) {
		j->why = "unexpected character";
		return -1;
	}
	j->p += n;
	return 0;
}

static int scan_value(struct jscan *j);

/* Skips an object or array at j->p, checking it. */
static int scan_container(struct jscan *j)
{
	char close = *j->p == '{' ? '}' : ']';
	int obj = close == '}';
	const char *s;
	size_t n;
	int esc;

	if (++j->depth > MAX_DEPTH) {
		j->why = "nested too deeply";
		return -1;
	}
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (j->p >= j->end || *j->p != '"') {
				j->why = "expected a member name";
				return -1;
			}
			if (scan_string(j, &s, &n, &esc))
				return -1;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':') {
				j->why = "expected ':'";
				return -1;
			}
			j->p++;
			skip_ws(j);
		}
		if (scan_value(j))
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			skip_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		j->why = obj ? "expected ',' or '}'" : "expected ',' or ']'";
		return -1;
	}
}

/* Skips any value at j->p (after white space), checking it. */
static int scan_value(struct jscan *j)
{
	const char *s;
	size_t n;
	int esc;

	if (j->p >= j->end) {
		j->why = "unexpected end";
		return -1;
	}
	switch (*j->p) {
	case '"':
		return scan_string(j, &s, &n, &esc);
	case '{':
	case '[':
		return scan_container(j);
	case 't':
		return scan_word(j, "true", 4);
	case 'f':
		return scan_word(j, "false", 5);
	case 'n':
		return scan_word(j, "null", 4);
	default:
		return scan_number(j);
	}
}

/* Converts the value at j->p to column col (and moves past it). */
static int take_value(struct jscan *j, const struct ks_decoder *d, int col,
		      struct ks_value *vals)
{
	const char *start = j->p, *s;
	size_t n;
	int esc;

	if (j->p >= j->end) {
		j->why = "unexpected end";
		return -1;
	}
	switch (*j->p) {
	case '"':
		if (scan_string(j, &s, &n, &esc))
			return -1;
		if (esc) {
			char *o = ks_arena_alloc(j->c->arena, n ? n : 1);
			n = unescape(s, n, o);
			s = o;
		}
		return conv_text(d, (size_t)col, s, n, &vals[col], j->c) ? -2 : 0;
	case '{':
	case '[':
		if (scan_container(j))
			return -1;
		return conv_nested(d, (size_t)col, start, (size_t)(j->p - start),
				   &vals[col], j->c) ? -2 : 0;
	case 't':
		if (scan_word(j, "true", 4))
			return -1;
		return conv_bool(d, (size_t)col, 1, &vals[col], j->c) ? -2 : 0;
	case 'f':
		if (scan_word(j, "false", 5))
			return -1;
		return conv_bool(d, (size_t)col, 0, &vals[col], j->c) ? -2 : 0;
	case 'n':
		return scan_word(j, "null", 4);
	default:
		if (scan_number(j))
			return -1;
		return conv_number(d, (size_t)col, start, (size_t)(j->p - start),
				   &vals[col], j->c) ? -2 : 0;
	}
}

/*
 * Scans the object at j->p, taking the members of level l. Returns 0, -1
 * (not JSON, j->why set) or -2 (a value did not convert, row error set).
 */
static int take_object(struct jscan *j, struct ks_decoder *d,
		       const struct jlevel *l, struct ks_value *vals)
{
	const char *key;
	size_t klen;
	int esc, rc;

	if (++j->depth > MAX_DEPTH) {
		j->why = "nested too deeply";
		return -1;
	}
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		const struct jnode *nd;
		if (j->p >= j->end || *j->p != '"') {
			j->why = "expected a member name";
			return -1;
		}
		if (scan_string(j, &key, &klen, &esc))
			return -1;
		if (esc) {
			kc_buf_reset(&d->key);
			kc_buf_grow(&d->key, klen + 1);
			klen = unescape(key, klen, d->key.data);
			key = d->key.data;
		}
		nd = lookup(l, key, klen);
		skip_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			j->why = "expected ':'";
			return -1;
		}
		j->p++;
		skip_ws(j);
		if (!nd) {
			rc = scan_value(j);
		} else if (nd->sub && j->p < j->end && *j->p == '{') {
			const char *start = j->p;
			rc = take_object(j, d, nd->sub, vals);
			if (!rc && nd->col >= 0)
				rc = conv_nested(d, (size_t)nd->col, start,
						 (size_t)(j->p - start),
						 &vals[nd->col], j->c) ? -2 : 0;
		} else if (nd->arr_col >= 0 && j->p < j->end && *j->p == '[') {
			const char *start = j->p;
			rc = scan_container(j);
			if (!rc)
				rc = conv_nested(d, (size_t)nd->arr_col, start,
						 (size_t)(j->p - start),
						 &vals[nd->arr_col], j->c) ? -2 : 0;
			if (!rc && nd->col >= 0)
				rc = conv_nested(d, (size_t)nd->col, start,
						 (size_t)(j->p - start),
						 &vals[nd->col], j->c) ? -2 : 0;
		} else if (nd->col >= 0) {
			rc = take_value(j, d, nd->col, vals);
		} else {
			rc = scan_value(j);
		}
		if (rc)
			return rc;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			skip_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		j->why = "expected ',' or '}'";
		return -1;
	}
}

static int decode_json(struct ks_decoder *d, const char *rec, size_t n,
		       struct ks_value *vals, struct ks_eval_ctx *c)
{
	struct jscan j = { rec, rec + n, 0, c, NULL };
	int rc;

	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{') {
		if (j.p < j.end && !scan_value(&j)) {
			skip_ws(&j);
			if (j.p == j.end)
				return ks_rowerr_set(c->err, KS_ERR_BAD_RECORD,
						     "record is not a JSON object");
		}
		return ks_rowerr_set(c->err, KS_ERR_BAD_RECORD,
				     "record is not JSON: %s at byte %zu",
				     j.p >= j.end ? "unexpected end" :
				     j.why ? j.why : "unexpected character",
				     (size_t)(j.p - rec));
	}
	rc = take_object(&j, d, &d->root, vals);
	if (rc == -2)
		return -1;
	if (!rc) {
		skip_ws(&j);
		if (j.p != j.end) {
			j.why = "text after the object";
			rc = -1;
		}
	}
	if (rc)
		return ks_rowerr_set(c->err, KS_ERR_BAD_RECORD,
				     "record is not JSON: %s at byte %zu",
				     j.why ? j.why : "unexpected character",
				     (size_t)(j.p - rec));
	return 0;
}

/* ---- CSV ------------------------------------------------------------- */

static int decode_csv(struct ks_decoder *d, const char *rec, size_t n,
		      struct ks_value *vals, struct ks_eval_ctx *c)
{
	const char *p = rec, *end = rec + n;
	const char delim = d->col_delim;
	size_t i;

	/* The source cut the row delimiter; drop a CR of "\r\n" rows. */
	if (end > p && end[-1] == d->row_delim)
		end--;
	if (d->row_delim == '\n' && end > p && end[-1] == '\r')
		end--;
	for (i = 0; i < d->csv_last; i++) {
		const char *s = p;
		size_t len;
		if (*p == '"' && p < end) {
			/* quoted: "" is a quote; must end at a delimiter */
			const char *q = p + 1;
			int dq = 0;
			for (;;) {
				q = memchr(q, '"', (size_t)(end - q));
				if (!q)
					return ks_rowerr_set(c->err, KS_ERR_BAD_RECORD,
						"record is not CSV: unterminated "
						"quote in field %zu", i + 1);
				if (q + 1 < end && q[1] == '"') {
					dq = 1;
					q += 2;
					continue;
				}
				break;
			}
			s = p + 1;
			len = (size_t)(q - s);
			p = q + 1;
			if (p < end && *p != delim)
				return ks_rowerr_set(c->err, KS_ERR_BAD_RECORD,
					"record is not CSV: text after the "
					"closing quote of field %zu", i + 1);
			if (d->used[i]) {
				if (dq) {
					char *o = ks_arena_alloc(c->arena, len ? len : 1);
					size_t k, m = 0;
					for (k = 0; k < len; k++) {
						o[m++] = s[k];
						if (s[k] == '"')
							k++;
					}
					s = o;
					len = m;
				}
				if (conv_text(d, i, s, len, &vals[i], c))
					return -1;
			}
		} else {
			const char *q = memchr(p, delim, (size_t)(end - p));
			if (!q)
				q = end;
			len = (size_t)(q - p);
			p = q;
			if (d->used[i] && len &&
			    conv_text(d, i, s, len, &vals[i], c))
				return -1;
		}
		if (p >= end)
			break; /* the remaining columns are missing: NULL */
		p++; /* past the delimiter */
	}
	return 0;
}

int ks_decoder_row(struct ks_decoder *d, const char *rec, size_t n,
		   struct ks_value *vals, struct ks_eval_ctx *c)
{
	size_t i;

	for (i = 0; i < d->ncols; i++)
		vals[i].null = 1;
	if (d->fmt == KS_FMT_CSV)
		return decode_csv(d, rec, n, vals, c);
	return decode_json(d, rec, n, vals, c);
}
