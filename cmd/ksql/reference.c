/*
 * reference.c: reference tables (KDA's reference data sources) loaded
 * whole from a file: CSV whose first line names the columns, JSON lines,
 * or one JSON array of objects. Without a schema the column types are
 * discovered from every row (discover.c); with one, its columns and types
 * are used (a CSV header line is still skipped). Strings are copied into
 * the table's arena, so the file is not kept.
 */
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "ksql.h"
#include "banned.h"

struct span {
	const char *p;
	size_t n;
	size_t line;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static void span_add(struct spans *s, const char *p, size_t n, size_t line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = kc_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct span){ p, n, line };
}

static int blank(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	return n == 0;
}

/* Lines of text, blank ones skipped. */
static void split_lines(const char *text, size_t len, struct spans *out)
{
	const char *p = text, *end = text + len;
	size_t line = 1;

	while (p < end) {
		const char *q = memchr(p, '\n', (size_t)(end - p));
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
		if (!blank(p, n))
			span_add(out, p, n, line);
		p += n + 1;
		line++;
	}
}

/*
 * The elements of a top-level JSON array, found by tracking strings and
 * nesting (the decoder then checks each one). -1 when the brackets do not
 * balance.
 */
static int split_array(const char *text, size_t len, struct spans *out)
{
	const char *p = text, *end = text + len, *start = NULL;
	size_t line = 1, start_line = 1;
	int depth = 0;

	while (p < end && *p != '[') {
		line += *p == '\n';
		p++;
	}
	for (; p < end; p++) {
		char ch = *p;
		if (ch == '\n')
			line++;
		if (ch == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return -1;
			continue;
		}
		if (ch == '[' || ch == '{') {
			if (depth++ == 1) {
				start = p;
				start_line = line;
			}
		} else if (ch == ']' || ch == '}') {
			if (--depth == 1 && start) {
				span_add(out, start, (size_t)(p + 1 - start),
					 start_line);
				start = NULL;
			} else if (depth == 0) {
				return blank(p + 1, (size_t)(end - p - 1)) ? 0 : -1;
			} else if (depth < 0) {
				return -1;
			}
		} else if (depth == 1 && ch != ',' && ch != ' ' && ch != '\t' &&
			   ch != '\r' && ch != '\n') {
			return -1; /* a scalar element: not a row */
		}
	}
	return -1;
}

static void schema_copy(const struct ks_schema *from, struct ks_schema *to)
{
	size_t i;

	*to = *from;
	to->row_path = from->row_path ? kc_xstrdup(from->row_path) : NULL;
	to->cols = kc_xcalloc(from->ncols + 1, sizeof(*to->cols));
	for (i = 0; i < from->ncols; i++) {
		to->cols[i].name = kc_xstrdup(from->cols[i].name);
		to->cols[i].type = from->cols[i].type;
		to->cols[i].mapping = from->cols[i].mapping ?
			kc_xstrdup(from->cols[i].mapping) : NULL;
	}
}

int ks_table_load(const char *name, const char *path,
		  const struct ks_schema *schema, struct ks_table *out,
		  struct kc_error *e)
{
	struct spans recs = { 0 };
	struct ks_decoder *dec = NULL;
	struct ks_rowerr err;
	struct ks_eval_ctx c;
	enum ks_format fmt;
	const char *p;
	char *text = NULL;
	size_t len, i, k, first = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	ks_arena_init(&out->arena);
	out->name = kc_xstrdup(name);
	if ((rc = kc_file_read(path, &text, &len, e))) {
		if (rc == -KC_ENOENT)
			kc_error_set(e, KC_ENOENT, "--reference '%s': No "
				     "such file or directory", path);
		else
			kc_error_prefix(e, "--reference: ");
		goto fail;
	}
	for (p = text; p < text + len && strchr(" \t\r\n", *p) && *p; p++)
		;
	fmt = schema ? schema->format :
		p < text + len && (*p == '{' || *p == '[') ? KS_FMT_JSON :
		KS_FMT_CSV;
	if (fmt == KS_FMT_JSON && p < text + len && *p == '[') {
		if (split_array(text, len, &recs)) {
			rc = kc_error_set(e, KC_EDATA, "%s: not a JSON array of "
					  "objects", path);
			goto fail;
		}
	} else {
		split_lines(text, len, &recs);
	}
	if (fmt == KS_FMT_CSV) {
		if (!recs.n) {
			rc = kc_error_set(e, KC_EDATA, "%s: no header line",
					  path);
			goto fail;
		}
		first = 1; /* the header */
	}
	if (schema) {
		schema_copy(schema, &out->schema);
	} else {
		struct ks_discovery *d = ks_discovery_new(fmt);
		if (fmt == KS_FMT_CSV)
			ks_discovery_header(d, recs.v[0].p, recs.v[0].n);
		for (i = first; i < recs.n; i++)
			ks_discovery_add(d, recs.v[i].p, recs.v[i].n);
		rc = ks_discovery_finish(d, &out->schema, e);
		ks_discovery_free(d);
		if (rc) {
			kc_error_prefix(e, "%s: ", path);
			goto fail;
		}
	}
	dec = ks_decoder_new(&out->schema, NULL);
	out->rows = kc_xcalloc((recs.n - first) * out->schema.ncols + 1,
			       sizeof(*out->rows));
	c = (struct ks_eval_ctx){ &out->arena, 0, 0, &err };
	for (i = first; i < recs.n; i++) {
		struct ks_value *row = out->rows + out->nrows * out->schema.ncols;
		if (ks_decoder_row(dec, recs.v[i].p, recs.v[i].n, row, &c)) {
			rc = kc_error_set(e, KC_EDATA, "%s:%zu: %s", path,
					  recs.v[i].line, err.msg);
			goto fail;
		}
		for (k = 0; k < out->schema.ncols; k++) {
			struct ks_value *v = &row[k];
			if (!v->null && ks_type_is_string(out->schema.cols[k].type.t))
				v->u.s.p = ks_arena_strdup(&out->arena, v->u.s.p,
							   v->u.s.n);
		}
		out->nrows++;
	}
	ks_decoder_free(dec);
	free(recs.v);
	free(text);
	return 0;
fail:
	ks_decoder_free(dec);
	free(recs.v);
	free(text);
	ks_table_release(out);
	return rc;
}

void ks_table_release(struct ks_table *t)
{
	if (!t)
		return;
	free(t->name);
	ks_schema_release(&t->schema);
	free(t->rows);
	ks_arena_release(&t->arena);
	memset(t, 0, sizeof(*t));
}
