/*
 * schema.c: input schemas in AWS's InputSchema JSON, read from a file
 * (bare, or inside a describe-application or discover-input-schema
 * response) and printed back in the same shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>

#include "file.h"
#include "json.h"
#include "ksql.h"
#include "banned.h"

void ks_schema_release(struct ks_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ncols; i++) {
		free(s->cols[i].name);
		free(s->cols[i].mapping);
	}
	free(s->cols);
	free(s->row_path);
	memset(s, 0, sizeof(*s));
}

/* The member key of object v, or NULL. */
static yajl_val member(yajl_val v, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (i = 0; i < v->u.object.len; i++)
		if (!strcmp(v->u.object.keys[i], key))
			return v->u.object.values[i];
	return NULL;
}

/*
 * The first object in document order (depth first) that has a
 * RecordColumns member: the InputSchema itself, or the one inside
 * {"InputSchema": ...} (DiscoverInputSchema), ApplicationDetail.
 * InputDescriptions[0].InputSchema (kinesisanalytics describe-application),
 * the v2 ApplicationConfigurationDescription..., or a ReferenceSchema.
 */
static yajl_val find_schema(yajl_val v, int depth)
{
	size_t i;
	yajl_val r;

	if (depth > 64)
		return NULL;
	if (YAJL_IS_OBJECT(v)) {
		if (member(v, "RecordColumns"))
			return v;
		for (i = 0; i < v->u.object.len; i++)
			if ((r = find_schema(v->u.object.values[i], depth + 1)))
				return r;
	} else if (YAJL_IS_ARRAY(v)) {
		for (i = 0; i < v->u.array.len; i++)
			if ((r = find_schema(v->u.array.values[i], depth + 1)))
				return r;
	}
	return NULL;
}

/* A string member of v: NULL when absent; *bad set when not a string. */
static const char *str_member(yajl_val v, const char *key, int *bad)
{
	yajl_val m = member(v, key);

	if (!m || YAJL_IS_NULL(m))
		return NULL;
	if (!YAJL_IS_STRING(m)) {
		*bad = 1;
		return NULL;
	}
	return m->u.string;
}

/*
 * A delimiter string as one byte. "\r\n" as a row delimiter counts as
 * '\n' (the decoder drops a '\r' before the row delimiter).
 */
static int delim_char(const char *s, int row, char *out)
{
	if (row && !strcmp(s, "\r\n")) {
		*out = '\n';
		return 0;
	}
	if (strlen(s) != 1)
		return -1;
	*out = s[0];
	return 0;
}

/*
 * Checks a JSONPath mapping: "$" then ".name", "['name']" or "[\"name\"]"
 * steps, optionally ending in "[0:]" (the whole array as text). Row
 * flattening ("$.a[0:].b") needs one record to make several rows, which
 * ks_decoder_row cannot do, so it is refused here with a clear reason.
 */
static const char *mapping_error(const char *m)
{
	const char *p = m;

	if (*p++ != '$')
		return "a JSONPath must start with '$'";
	if (!*p)
		return "the mapping '$' names the whole record, not a field";
	while (*p) {
		if (*p == '.') {
			size_t n = strcspn(p + 1, ".[");
			if (!n)
				return "empty field name";
			p += 1 + n;
		} else if (!strncmp(p, "[0:]", 4)) {
			p += 4;
			if (*p)
				return "array elements as rows ('[0:].x') are "
				       "not supported; map the array as text "
				       "with '[0:]'";
		} else if (p[0] == '[' && (p[1] == '\'' || p[1] == '"')) {
			const char *q = strchr(p + 2, p[1]);
			if (!q || q == p + 2 || q[1] != ']')
				return "bad quoted field name";
			p = q + 2;
		} else if (*p == '[') {
			return "only the array index '[0:]' is supported";
		} else {
			return "expected '.' or '['";
		}
	}
	return NULL;
}

/* Column names: AWS's RecordColumn Name pattern [^-\s<>&]{1,256}. */
static const char *name_error(const char *n)
{
	const char *p;

	if (!*n)
		return "empty name";
	if (strlen(n) > 256)
		return "longer than 256 characters";
	for (p = n; *p; p++)
		if (strchr("-<>& \t\r\n\f\v", *p))
			return "a name may not contain '-', '<', '>', '&' or "
			       "white space";
	return NULL;
}

static int load_columns(const char *path, yajl_val cols,
			struct ks_schema *out, struct kc_error *e)
{
	size_t i, j;

	if (!YAJL_IS_ARRAY(cols) || !cols->u.array.len)
		return kc_error_set(e, KC_EDATA, "%s: RecordColumns "
				    "must be a non-empty array", path);
	out->cols = kc_xcalloc(cols->u.array.len, sizeof(*out->cols));
	for (i = 0; i < cols->u.array.len; i++) {
		yajl_val c = cols->u.array.values[i];
		struct ks_column *col = &out->cols[i];
		const char *name, *type, *map, *why;
		char msg[256];
		int bad = 0;

		if (!YAJL_IS_OBJECT(c))
			return kc_error_set(e, KC_EDATA, "%s: "
					    "RecordColumns[%zu]: not an object",
					    path, i);
		name = str_member(c, "Name", &bad);
		type = str_member(c, "SqlType", &bad);
		map = str_member(c, "Mapping", &bad);
		if (bad || !name)
			return kc_error_set(e, KC_EDATA, "%s: "
					    "RecordColumns[%zu]: Name, SqlType "
					    "and Mapping must be strings, Name "
					    "and SqlType present", path, i);
		if ((why = name_error(name)))
			return kc_error_set(e, KC_EDATA, "%s: column "
					    "'%s': %s", path, name, why);
		if (!type)
			return kc_error_set(e, KC_EDATA, "%s: column "
					    "'%s': no SqlType", path, name);
		if (ks_type_parse(type, strlen(type), &col->type, msg,
				  sizeof(msg)))
			return kc_error_set(e, KC_EDATA, "%s: column "
					    "'%s': SqlType '%s': %s", path,
					    name, type, msg);
		for (j = 0; j < i; j++)
			if (!strcmp(out->cols[j].name, name))
				return kc_error_set(e, KC_EDATA, "%s: "
						    "column '%s' appears twice",
						    path, name);
		col->name = kc_xstrdup(name);
		out->ncols = i + 1;
		if (out->format == KS_FMT_CSV)
			continue; /* CSV maps by position; Mapping ignored */
		if (map && *map) {
			if ((why = mapping_error(map)))
				return kc_error_set(e, KC_EDATA, "%s: "
						    "column '%s': Mapping '%s': "
						    "%s", path, name, map, why);
			col->mapping = kc_xstrdup(map);
		} else {
			/* No mapping: the top-level field of the same name. */
			struct kc_buf b = KC_BUF_INIT;
			kc_buf_addf(&b, "$.%s", name);
			col->mapping = b.data;
		}
	}
	return 0;
}

static int load_format(const char *path, yajl_val fmt, struct ks_schema *out,
		       struct kc_error *e)
{
	const char *type, *s;
	yajl_val mp;
	int bad = 0;

	out->format = KS_FMT_JSON;
	out->col_delim = ',';
	out->row_delim = '\n';
	if (!fmt) {
		out->row_path = kc_xstrdup("$");
		return 0;
	}
	type = str_member(fmt, "RecordFormatType", &bad);
	if (bad || (type && strcasecmp(type, "JSON") && strcasecmp(type, "CSV")))
		return kc_error_set(e, KC_EDATA, "%s: RecordFormatType "
				    "'%s': expected JSON or CSV", path,
				    type ? type : "?");
	mp = member(fmt, "MappingParameters");
	if (type && !strcasecmp(type, "CSV")) {
		yajl_val c = member(mp, "CSVMappingParameters");
		out->format = KS_FMT_CSV;
		if ((s = str_member(c, "RecordColumnDelimiter", &bad)) &&
		    delim_char(s, 0, &out->col_delim))
			return kc_error_set(e, KC_EDATA, "%s: "
					    "RecordColumnDelimiter must be one "
					    "byte", path);
		if ((s = str_member(c, "RecordRowDelimiter", &bad)) &&
		    delim_char(s, 1, &out->row_delim))
			return kc_error_set(e, KC_EDATA, "%s: "
					    "RecordRowDelimiter must be one "
					    "byte or \"\\r\\n\"", path);
		if (bad)
			return kc_error_set(e, KC_EDATA, "%s: CSV "
					    "delimiters must be strings", path);
		return 0;
	}
	s = str_member(member(mp, "JSONMappingParameters"), "RecordRowPath",
		       &bad);
	/* Rows below the top level would make several rows of a record. */
	if (bad || (s && strcmp(s, "$")))
		return kc_error_set(e, KC_EDATA, "%s: RecordRowPath "
				    "'%s': only '$' (the record itself) is "
				    "supported", path, s ? s : "?");
	out->row_path = kc_xstrdup("$");
	return 0;
}

int ks_schema_load(const char *path, struct ks_schema *out, struct kc_error *e)
{
	char *text, why[256];
	yajl_val root, sch;
	const char *enc;
	int rc, bad = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = kc_file_read(path, &text, NULL, e)))
		return rc == -KC_ENOENT ?
			kc_error_set(e, KC_ENOENT, "--schema '%s': No such "
				     "file or directory", path) :
			kc_error_prefix(e, "--schema: ");
	why[0] = '\0';
	root = yajl_tree_parse(text, why, sizeof(why));
	free(text);
	if (!root) {
		why[strcspn(why, "\n")] = '\0';
		return kc_error_set(e, KC_EDATA, "%s: bad JSON: %s",
				    path, strncmp(why, "parse error: ", 13) ?
				    why : why + 13);
	}
	sch = find_schema(root, 0);
	if (!sch) {
		yajl_tree_free(root);
		return kc_error_set(e, KC_EDATA, "%s: no InputSchema "
				    "with RecordColumns found", path);
	}
	enc = str_member(sch, "RecordEncoding", &bad);
	if (bad || (enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8")))
		rc = kc_error_set(e, KC_EDATA, "%s: RecordEncoding: "
				  "only UTF-8 is supported", path);
	else
		rc = load_format(path, member(sch, "RecordFormat"), out, e);
	if (!rc)
		rc = load_columns(path, member(sch, "RecordColumns"), out, e);
	yajl_tree_free(root);
	if (rc)
		ks_schema_release(out);
	return rc;
}

void ks_schema_json(const struct ks_schema *s, struct kc_buf *out)
{
	struct kc_buf b = KC_BUF_INIT, t = KC_BUF_INIT;
	char d[2] = { 0, 0 };
	size_t i;

	kc_buf_adds(&b, "{\"RecordFormat\":{");
	if (s->format == KS_FMT_CSV) {
		kc_buf_adds(&b, "\"RecordFormatType\":\"CSV\","
			    "\"MappingParameters\":{\"CSVMappingParameters\":{");
		d[0] = s->row_delim ? s->row_delim : '\n';
		kc_json_add_key(&b, "RecordRowDelimiter");
		kc_json_add_string(&b, d, 1);
		kc_buf_addc(&b, ',');
		d[0] = s->col_delim ? s->col_delim : ',';
		kc_json_add_key(&b, "RecordColumnDelimiter");
		kc_json_add_string(&b, d, 1);
		kc_buf_adds(&b, "}}},");
	} else {
		kc_buf_adds(&b, "\"RecordFormatType\":\"JSON\","
			    "\"MappingParameters\":{\"JSONMappingParameters\":{");
		kc_json_add_key(&b, "RecordRowPath");
		kc_json_add_string(&b, s->row_path ? s->row_path : "$",
				   s->row_path ? strlen(s->row_path) : 1);
		kc_buf_adds(&b, "}}},");
	}
	kc_buf_adds(&b, "\"RecordEncoding\":\"UTF-8\",\"RecordColumns\":[");
	for (i = 0; i < s->ncols; i++) {
		const struct ks_column *c = &s->cols[i];
		if (i)
			kc_buf_addc(&b, ',');
		kc_buf_addc(&b, '{');
		kc_json_add_key(&b, "Name");
		kc_json_add_string(&b, c->name, strlen(c->name));
		kc_buf_addc(&b, ',');
		kc_json_add_key(&b, "SqlType");
		kc_buf_reset(&t);
		ks_type_format(&c->type, &t);
		kc_json_add_string(&b, t.data ? t.data : "", t.len);
		if (s->format == KS_FMT_JSON && c->mapping) {
			kc_buf_addc(&b, ',');
			kc_json_add_key(&b, "Mapping");
			kc_json_add_string(&b, c->mapping, strlen(c->mapping));
		}
		kc_buf_addc(&b, '}');
	}
	kc_buf_adds(&b, "]}");
	kc_json_pretty(b.data, b.len, out);
	kc_buf_release(&b);
	kc_buf_release(&t);
}
