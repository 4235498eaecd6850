/*
 * discover.c: an input schema inferred from sample records, following
 * Kinesis Data Analytics' DiscoverInputSchema (developer guide: "Using the
 * Schema Discovery Feature", "Working with JSONPath", "Mapping Streaming
 * Source Elements to SQL Input Columns").
 *
 * JSON: every member of the sample objects becomes a column, in the order
 * first seen; nested objects are flattened (mapping "$.a.b", named after
 * the leaf "b"; a leaf name already taken gets its parent's name before it,
 * "a_b", then a number); arrays become one VARCHAR of their text
 * ("$.arr[0:]"). CSV: columns COL1, COL2, ... by position, with the
 * delimiter found among , TAB | ; (the one present in every record the same
 * number of times, else ',').
 *
 * Names: a name that is a reserved word, holds characters other than
 * [A-Za-z0-9_], starts with a digit, or is longer than 100 characters is
 * renamed COL_ + the name without the unsupported characters (USER ->
 * COL_USER, USER@DOMAIN -> COL_USERDOMAIN); when nothing is left, COL_ +
 * the column's position from 0 (@@ -> COL_0).
 *
 * Types: only integers -> the smallest of TINYINT, SMALLINT, INTEGER,
 * BIGINT holding every value (CSV: INTEGER, or BIGINT); numbers with a
 * fraction or exponent (or integers beyond BIGINT) -> DOUBLE; only
 * true/false -> BOOLEAN; anything else (strings, arrays, objects also seen
 * as values, mixed kinds) -> VARCHAR(n) with n the next power of two >= the
 * longest text in characters, at least 4. Timestamps stay VARCHAR, as in
 * KDA (retype them in the schema). A column seen only as null is
 * VARCHAR(4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ksql.h"
#include "banned.h"

#define CSV_MAX_FIELDS 1024
#define NAME_MAX_CHARS 100

/* SQL:2008 reserved words plus the further ones KDA's reference lists. */
static const char *const reserved[] = {
	"ABS", "ALL", "ALLOCATE", "ALLOW", "ALTER", "ANALYZE", "AND", "ANY",
	"APPROXIMATE_ARRIVAL_TIME", "ARE", "ARRAY", "ARRAY_AGG", "AS",
	"ASENSITIVE", "ASYMMETRIC", "AT", "ATOMIC", "AUTHORIZATION", "AVG",
	"BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN",
	"BOTH", "BY", "CALL", "CALLED", "CARDINALITY", "CASCADED", "CASE",
	"CAST", "CEIL", "CEILING", "CHAR", "CHARACTER", "CHARACTER_LENGTH",
	"CHAR_LENGTH", "CHECK", "CHECKPOINT", "CLOB", "CLOSE", "CLUSTERED",
	"COALESCE", "COLLATE", "COLLECT", "COLUMN", "COMMIT", "CONDITION",
	"CONNECT", "CONSTRAINT", "CONVERT", "CORR", "CORRESPONDING", "COUNT",
	"COVAR_POP", "COVAR_SAMP", "CREATE", "CROSS", "CUBE", "CUME_DIST",
	"CURRENT", "CURRENT_CATALOG", "CURRENT_DATE",
	"CURRENT_DEFAULT_TRANSFORM_GROUP", "CURRENT_PATH", "CURRENT_ROLE",
	"CURRENT_ROW_TIMESTAMP", "CURRENT_SCHEMA", "CURRENT_TIME",
	"CURRENT_TIMESTAMP", "CURRENT_TRANSFORM_GROUP_FOR_TYPE",
	"CURRENT_USER", "CURSOR", "CYCLE", "DATE", "DAY", "DEALLOCATE", "DEC",
	"DECIMAL", "DECLARE", "DEFAULT", "DELETE", "DENSE_RANK", "DEREF",
	"DESCRIBE", "DETERMINISTIC", "DISALLOW", "DISCONNECT", "DISTINCT",
	"DOUBLE", "DROP", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "END",
	"END-EXEC", "ESCAPE", "EVERY", "EXCEPT", "EXEC", "EXECUTE", "EXISTS",
	"EXP", "EXPLAIN", "EXP_AVG", "EXTERNAL", "EXTRACT", "FALSE", "FETCH",
	"FILTER", "FIRST_VALUE", "FLOAT", "FLOOR", "FOR", "FOREIGN", "FREE",
	"FROM", "FULL", "FUNCTION", "FUSION", "GET", "GLOBAL", "GRANT", "GROUP",
	"GROUPING", "HAVING", "HOLD", "HOUR", "IDENTITY", "IMPORT", "IN",
	"INDICATOR", "INNER", "INOUT", "INSENSITIVE", "INSERT", "INT",
	"INTEGER", "INTERSECT", "INTERSECTION", "INTERVAL", "INTO", "IS",
	"JOIN", "LANGUAGE", "LARGE", "LAST_VALUE", "LATERAL", "LEADING",
	"LEFT", "LIKE", "LIKE_REGEX", "LIMIT", "LN", "LOCAL", "LOCALTIME",
	"LOCALTIMESTAMP", "LOWER", "MATCH", "MAX", "MEMBER", "MERGE", "METHOD",
	"MIN", "MINUTE", "MOD", "MODIFIES", "MODULE", "MONTH", "MULTISET",
	"NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW", "NO", "NONE",
	"NORMALIZE", "NOT", "NULL", "NULLIF", "NUMERIC", "OCTET_LENGTH",
	"OCCURRENCES_REGEX", "OF", "OLD", "ON", "ONLY", "OPEN", "OR", "ORDER",
	"OUT", "OUTER", "OVER", "OVERLAPS", "OVERLAY", "PARAMETER", "PARTITION",
	"PERCENTILE_CONT", "PERCENTILE_DISC", "PERCENT_RANK", "POSITION",
	"POSITION_REGEX", "POWER", "PRECISION", "PREPARE", "PRIMARY",
	"PROCEDURE", "PUMP", "RANGE", "RANK", "READS", "REAL", "RECURSIVE",
	"REF", "REFERENCES", "REFERENCING", "REGR_AVGX", "REGR_AVGY",
	"REGR_COUNT", "REGR_INTERCEPT", "REGR_R2", "REGR_SLOPE", "REGR_SXX",
	"REGR_SXY", "REGR_SYY", "RELEASE", "RESULT", "RETURN", "RETURNS",
	"REVOKE", "RIGHT", "ROLLBACK", "ROLLUP", "ROW", "ROWS", "ROWTIME",
	"ROW_NUMBER", "SAVEPOINT", "SCOPE", "SCROLL", "SEARCH", "SECOND",
	"SELECT", "SENSITIVE", "SESSION_USER", "SET", "SIMILAR", "SMALLINT",
	"SOME", "SPECIFIC", "SPECIFICTYPE", "SQL", "SQLEXCEPTION", "SQLSTATE",
	"SQLWARNING", "SQRT", "START", "STATIC", "STDDEV", "STDDEV_POP",
	"STDDEV_SAMP", "STREAM", "SUBMULTISET", "SUBSTRING", "SUBSTRING_REGEX",
	"SUM", "SYMMETRIC", "SYSTEM", "SYSTEM_USER", "TABLE", "TABLESAMPLE",
	"THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR", "TIMEZONE_MINUTE",
	"TINYINT", "TO", "TRAILING", "TRANSLATE", "TRANSLATE_REGEX",
	"TRANSLATION", "TREAT", "TRIGGER", "TRIM", "TRIM_ARRAY", "TRUE",
	"TRUNCATE", "UESCAPE", "UNION", "UNIQUE", "UNKNOWN", "UNNEST",
	"UPDATE", "UPPER", "USER", "USING", "VALUE", "VALUES", "VARBINARY",
	"VARCHAR", "VARYING", "VAR_POP", "VAR_SAMP", "WHEN", "WHENEVER",
	"WHERE", "WIDTH_BUCKET", "WINDOW", "WITH", "WITHIN", "WITHOUT", "YEAR",
};

struct dcol {
	char *mapping;           /* JSONPath, NULL for CSV */
	char *leaf, *parent;     /* member names, for the column's name */
	unsigned ints, fracs, bools, texts, values;
	int64_t imin, imax;
	size_t maxlen;           /* longest text form, in characters */
};

struct ks_discovery {
	enum ks_format f;
	struct dcol *cols;
	size_t n;
	size_t records, bad;
	/* CSV samples, kept to find the delimiter before splitting */
	struct kc_buf csv;
	size_t *csv_end;
	size_t ncsv;
	struct kc_buf header;    /* ks_discovery_header's line */
	int has_header;
};

struct ks_discovery *ks_discovery_new(enum ks_format f)
{
	struct ks_discovery *d = kc_xcalloc(1, sizeof(*d));

	d->f = f;
	return d;
}

void ks_discovery_free(struct ks_discovery *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->cols[i].mapping);
		free(d->cols[i].leaf);
		free(d->cols[i].parent);
	}
	free(d->cols);
	free(d->csv_end);
	kc_buf_release(&d->csv);
	kc_buf_release(&d->header);
	free(d);
}

static struct dcol *col_for(struct ks_discovery *d, const char *mapping,
			    const char *leaf, const char *parent)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (mapping ? !strcmp(d->cols[i].mapping, mapping) : 0)
			return &d->cols[i];
	d->cols = kc_xrealloc(d->cols, (d->n + 1) * sizeof(*d->cols));
	memset(&d->cols[d->n], 0, sizeof(d->cols[d->n]));
	d->cols[d->n].mapping = mapping ? kc_xstrdup(mapping) : NULL;
	d->cols[d->n].leaf = kc_xstrdup(leaf);
	d->cols[d->n].parent = kc_xstrdup(parent ? parent : "");
	return &d->cols[d->n++];
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static void note_text(struct dcol *c, const char *s, size_t n)
{
	size_t w = utf8_chars(s, n);

	if (w > c->maxlen)
		c->maxlen = w;
}

/*
 * Classifies a text as a number: 1 an integer in int64 (*v set), 2 another
 * number, 0 not a number. JSON's number grammar, for CSV fields too.
 */
static int number_kind(const char *s, size_t n, int64_t *v)
{
	char buf[32], *end;
	size_t i = 0;
	int isint = 1;
	long long x;

	if (i < n && s[i] == '-')
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		isint = 0;
		if (++i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		isint = 0;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != n)
		return 0;
	if (!isint || n >= sizeof(buf))
		return 2;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno == ERANGE)
		return 2;
	*v = x;
	return 1;
}

static void note_number(struct dcol *c, const char *s, size_t n)
{
	int64_t v = 0;
	int k = number_kind(s, n, &v);

	note_text(c, s, n);
	c->values++;
	if (k == 1) {
		if (!c->ints || v < c->imin)
			c->imin = v;
		if (!c->ints || v > c->imax)
			c->imax = v;
		c->ints++;
	} else if (k == 2) {
		c->fracs++;
	} else {
		c->texts++;
	}
}

/* ---- JSON ----------------------------------------------------------- */

/* Writes v as compact JSON (for the length of an array's text). */
static void gen(yajl_gen g, yajl_val v, int depth)
{
	size_t i;

	if (depth > 64) {
		yajl_gen_null(g);
		return;
	}
	if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string,
				strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];
			yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			gen(g, v->u.object.values[i], depth + 1);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len; i++)
			gen(g, v->u.array.values[i], depth + 1);
		yajl_gen_array_close(g);
	} else {
		yajl_gen_null(g);
	}
}

static size_t json_text_chars(yajl_val v)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len = 0;

	if (!g)
		return 0;
	gen(g, v, 0);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		len = utf8_chars((const char *)buf, len);
	yajl_gen_free(g);
	return len;
}

/* A JSONPath step for member k: ".k", or ['k'] when k needs quoting. */
static int add_step(struct kc_buf *b, const char *k)
{
	if (*k && !strpbrk(k, ".[]'\"")) {
		kc_buf_addc(b, '.');
		kc_buf_adds(b, k);
	} else if (!strchr(k, '\'')) {
		kc_buf_addf(b, "['%s']", k);
	} else if (*k && !strchr(k, '"')) {
		kc_buf_addf(b, "[\"%s\"]", k);
	} else {
		return -1; /* no JSONPath spelling for it */
	}
	return 0;
}

static void add_object(struct ks_discovery *d, yajl_val o, struct kc_buf *path,
		       const char *parent, int depth)
{
	size_t i, len = path->len;

	if (depth > 32)
		return;
	for (i = 0; i < o->u.object.len; i++) {
		const char *k = o->u.object.keys[i];
		yajl_val v = o->u.object.values[i];
		struct dcol *c;
		path->len = len;
		path->data[len] = '\0';
		if (add_step(path, k))
			continue;
		if (YAJL_IS_OBJECT(v) && v->u.object.len) {
			add_object(d, v, path, k, depth + 1);
			continue;
		}
		if (YAJL_IS_ARRAY(v))
			kc_buf_adds(path, "[0:]");
		c = col_for(d, path->data, k, parent);
		if (YAJL_IS_NULL(v))
			continue;
		if (YAJL_IS_STRING(v)) {
			c->values++;
			c->texts++;
			note_text(c, v->u.string, strlen(v->u.string));
		} else if (YAJL_IS_NUMBER(v)) {
			note_number(c, v->u.number.r, strlen(v->u.number.r));
		} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
			c->values++;
			c->bools++;
			note_text(c, YAJL_IS_TRUE(v) ? "true" : "false",
				  YAJL_IS_TRUE(v) ? 4 : 5);
		} else {
			size_t w = json_text_chars(v);
			c->values++;
			c->texts++;
			if (w > c->maxlen)
				c->maxlen = w;
		}
	}
	path->len = len;
	path->data[len] = '\0';
}

static void add_json(struct ks_discovery *d, const char *rec, size_t n)
{
	struct kc_buf path = KC_BUF_INIT;
	char *copy = kc_xmalloc(n + 1);
	yajl_val root;

	memcpy(copy, rec, n);
	copy[n] = '\0';
	root = yajl_tree_parse(copy, NULL, 0);
	free(copy);
	if (!root || !YAJL_IS_OBJECT(root)) {
		d->bad++;
		yajl_tree_free(root);
		return;
	}
	d->records++;
	kc_buf_addc(&path, '$');
	add_object(d, root, &path, NULL, 0);
	kc_buf_release(&path);
	yajl_tree_free(root);
}

/* ---- CSV ------------------------------------------------------------ */

static void add_csv_sample(struct ks_discovery *d, const char *rec, size_t n)
{
	while (n && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
		n--;
	if (!n)
		return;
	kc_buf_add(&d->csv, rec, n);
	d->csv_end = kc_xrealloc(d->csv_end, (d->ncsv + 1) * sizeof(size_t));
	d->csv_end[d->ncsv++] = d->csv.len;
}

/* The delimiter present in every sample the same number of times. */
static char csv_delim(const struct ks_discovery *d)
{
	static const char cand[] = ",\t|;";
	size_t k, i;

	for (k = 0; cand[k]; k++) {
		size_t want = 0, start = 0;
		int okay = 1;
		for (i = 0; i < d->ncsv && okay; i++) {
			size_t cnt = 0, j;
			for (j = start; j < d->csv_end[i]; j++)
				cnt += d->csv.data[j] == cand[k];
			if (i == 0)
				want = cnt;
			okay = cnt && cnt == want;
			start = d->csv_end[i];
		}
		if (okay && d->ncsv)
			return cand[k];
	}
	return ',';
}

/*
 * A decoder of CSV_MAX_FIELDS unbounded VARCHARs that splits records the
 * way ks_decoder_row does, so discovery and decoding agree on quoting.
 */
struct splitter {
	struct ks_schema s;
	struct ks_decoder *dec;
	struct ks_value *vals;
	struct ks_arena arena;
	struct ks_rowerr err;
	struct ks_eval_ctx c;
};

static void splitter_init(struct splitter *sp, char delim)
{
	static char field[] = "field";
	size_t i;

	memset(sp, 0, sizeof(*sp));
	sp->s.format = KS_FMT_CSV;
	sp->s.col_delim = delim;
	sp->s.row_delim = '\n';
	sp->s.cols = kc_xcalloc(CSV_MAX_FIELDS, sizeof(*sp->s.cols));
	for (i = 0; i < CSV_MAX_FIELDS; i++) {
		sp->s.cols[i].name = field;
		sp->s.cols[i].type.t = KS_T_VARCHAR;
	}
	sp->s.ncols = CSV_MAX_FIELDS;
	sp->dec = ks_decoder_new(&sp->s, NULL);
	sp->vals = kc_xcalloc(CSV_MAX_FIELDS, sizeof(*sp->vals));
	ks_arena_init(&sp->arena);
	sp->c.arena = &sp->arena;
	sp->c.err = &sp->err;
}

/* Splits one record; the number of fields up to the last non-NULL, or -1. */
static long splitter_split(struct splitter *sp, const char *rec, size_t n)
{
	long j, last = 0;

	ks_arena_reset(&sp->arena);
	if (ks_decoder_row(sp->dec, rec, n, sp->vals, &sp->c))
		return -1;
	for (j = 0; j < CSV_MAX_FIELDS; j++)
		if (!sp->vals[j].null)
			last = j + 1;
	return last;
}

static void splitter_release(struct splitter *sp)
{
	ks_decoder_free(sp->dec);
	ks_arena_release(&sp->arena);
	free(sp->s.cols);
	free(sp->vals);
}

static void split_csv(struct ks_discovery *d, char delim)
{
	struct splitter sp;
	size_t i, start = 0;
	long j, last;
	char name[32];

	splitter_init(&sp, delim);
	for (i = 0; i < d->ncsv; i++) {
		last = splitter_split(&sp, d->csv.data + start,
				      d->csv_end[i] - start);
		start = d->csv_end[i];
		if (last < 0) {
			d->bad++;
			continue;
		}
		d->records++;
		for (j = 0; j < last; j++) {
			while (d->n <= (size_t)j) {
				snprintf(name, sizeof(name), "COL%zu", d->n + 1);
				col_for(d, NULL, name, NULL);
			}
			if (!sp.vals[j].null)
				note_number(&d->cols[j], sp.vals[j].u.s.p,
					    sp.vals[j].u.s.n);
		}
	}
	if (d->has_header && (last = splitter_split(&sp, d->header.data,
						    d->header.len)) > 0) {
		for (j = 0; j < last; j++) {
			const char *p = sp.vals[j].u.s.p;
			size_t n = sp.vals[j].u.s.n;
			if (sp.vals[j].null)
				continue;
			while (n && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
				     p[n - 1] == '\r'))
				n--;
			if (!n)
				continue;
			while (d->n <= (size_t)j) {
				snprintf(name, sizeof(name), "COL%zu", d->n + 1);
				col_for(d, NULL, name, NULL);
			}
			free(d->cols[j].leaf);
			d->cols[j].leaf = kc_xmalloc(n + 1);
			memcpy(d->cols[j].leaf, p, n);
			d->cols[j].leaf[n] = '\0';
		}
	}
	splitter_release(&sp);
}

void ks_discovery_header(struct ks_discovery *d, const char *line, size_t n)
{
	kc_buf_reset(&d->header);
	kc_buf_add(&d->header, line, n);
	d->has_header = 1;
}

void ks_discovery_add(struct ks_discovery *d, const char *rec, size_t n)
{
	if (d->f == KS_FMT_CSV)
		add_csv_sample(d, rec, n);
	else
		add_json(d, rec, n);
}

/* ---- names and types -------------------------------------------------- */

static int is_reserved(const char *s)
{
	size_t i = sizeof(reserved) / sizeof(reserved[0]);

	while (i--)
		if (!strcasecmp(reserved[i], s))
			return 1;
	return 0;
}

/* The discovery name for raw at position pos, per the rules above. */
static char *column_name(const char *raw, size_t pos)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t i, n = strlen(raw);
	int renamed = 0;

	for (i = 0; i < n; i++) {
		char ch = raw[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')
			kc_buf_addc(&b, ch);
		else
			renamed = 1;
	}
	if (!b.len) {
		kc_buf_addf(&b, "COL_%zu", pos);
		return b.data;
	}
	if (renamed || is_reserved(b.data) || (b.data[0] >= '0' && b.data[0] <= '9') ||
	    b.len > NAME_MAX_CHARS) {
		struct kc_buf r = KC_BUF_INIT;
		kc_buf_adds(&r, "COL_");
		kc_buf_add(&r, b.data, b.len > NAME_MAX_CHARS - 4 ?
			   NAME_MAX_CHARS - 4 : b.len);
		kc_buf_release(&b);
		return r.data;
	}
	return b.data;
}

static int name_taken(const struct ks_schema *s, size_t upto, const char *n)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (!strcmp(s->cols[i].name, n))
			return 1;
	return 0;
}

static void infer_type(const struct ks_discovery *d, const struct dcol *c,
		       struct ks_sqltype *t)
{
	size_t len = 4;

	memset(t, 0, sizeof(*t));
	if (c->values && c->values == c->ints) {
		if (d->f == KS_FMT_CSV)
			t->t = c->imin >= INT32_MIN && c->imax <= INT32_MAX ?
				KS_T_INTEGER : KS_T_BIGINT;
		else if (c->imin >= -128 && c->imax <= 127)
			t->t = KS_T_TINYINT;
		else if (c->imin >= -32768 && c->imax <= 32767)
			t->t = KS_T_SMALLINT;
		else if (c->imin >= INT32_MIN && c->imax <= INT32_MAX)
			t->t = KS_T_INTEGER;
		else
			t->t = KS_T_BIGINT;
		return;
	}
	if (c->values && c->values == c->ints + c->fracs) {
		t->t = KS_T_DOUBLE;
		return;
	}
	if (c->values && c->values == c->bools) {
		t->t = KS_T_BOOLEAN;
		return;
	}
	while (len < c->maxlen && len < (1u << 30))
		len <<= 1;
	t->t = KS_T_VARCHAR;
	t->len = (int32_t)len;
}

int ks_discovery_finish(struct ks_discovery *d, struct ks_schema *out,
			struct kc_error *e)
{
	char delim = ',';
	size_t i;

	memset(out, 0, sizeof(*out));
	if (d->f == KS_FMT_CSV) {
		delim = csv_delim(d);
		split_csv(d, delim);
	}
	/* a header alone still names the columns (an empty table) */
	if (!d->records && !(d->has_header && d->n))
		return kc_error_set(e, KC_EDATA, d->bad ?
				    "no sample record is a JSON object (%zu "
				    "records)" : "no records to discover a "
				    "schema from", d->bad);
	if (!d->n)
		return kc_error_set(e, KC_EDATA, "the sample records have no "
				    "fields");
	out->format = d->f;
	out->col_delim = delim;
	out->row_delim = '\n';
	if (d->f == KS_FMT_JSON)
		out->row_path = kc_xstrdup("$");
	out->cols = kc_xcalloc(d->n, sizeof(*out->cols));
	for (i = 0; i < d->n; i++) {
		const struct dcol *c = &d->cols[i];
		struct ks_column *col = &out->cols[i];
		char *name = column_name(c->leaf, i);
		if (name_taken(out, i, name) && *c->parent) {
			struct kc_buf b = KC_BUF_INIT;
			kc_buf_addf(&b, "%s_%s", c->parent, c->leaf);
			free(name);
			name = column_name(b.data, i);
			kc_buf_release(&b);
		}
		if (name_taken(out, i, name)) {
			struct kc_buf b = KC_BUF_INIT;
			unsigned k = 2;
			do {
				kc_buf_reset(&b);
				kc_buf_addf(&b, "%s_%u", name, k++);
			} while (name_taken(out, i, b.data));
			free(name);
			name = b.data;
		}
		col->name = name;
		col->mapping = c->mapping ? kc_xstrdup(c->mapping) : NULL;
		infer_type(d, c, &col->type);
		out->ncols = i + 1;
	}
	return 0;
}
