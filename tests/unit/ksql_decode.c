/* Unit tests of ksql's input schemas (schema.c) and record decoder (decode.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "../../cmd/ksql/ksql.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/ksql_decode.XXXXXX";

/* ks_column names are char * (the schema owns them); literals here. */
#define S(x) ((char *)(x))

/* Writes text to dir/name; returns the path (static buffer). */
static const char *put_file(const char *name, const char *text)
{
	static char path[256];
	struct kc_error e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (kc_file_replace(path, text, strlen(text), &e))
		fprintf(stderr, "# %s\n", e.msg);
	return path;
}

static const char *type_text(const struct ks_sqltype *t)
{
	static char out[64];
	struct kc_buf b = KC_BUF_INIT;

	ks_type_format(t, &b);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	kc_buf_release(&b);
	return out;
}

static const char *str_of(const struct ks_value *v)
{
	static char out[256];

	if (v->null)
		return "(NULL)";
	snprintf(out, sizeof(out), "%.*s", (int)v->u.s.n, v->u.s.p);
	return out;
}

#define INPUT_SCHEMA                                                         \
	"{\"RecordFormat\":{\"RecordFormatType\":\"JSON\",\"MappingParameters\":" \
	"{\"JSONMappingParameters\":{\"RecordRowPath\":\"$\"}}},"                 \
	"\"RecordEncoding\":\"UTF-8\",\"RecordColumns\":["                        \
	"{\"Name\":\"TICKER_SYMBOL\",\"SqlType\":\"VARCHAR(4)\",\"Mapping\":\"$.TICKER_SYMBOL\"}," \
	"{\"Name\":\"PRICE\",\"SqlType\":\"DECIMAL(5,2)\",\"Mapping\":\"$.PRICE\"}," \
	"{\"Name\":\"city\",\"SqlType\":\"varchar(16)\",\"Mapping\":\"$.address.city\"}," \
	"{\"Name\":\"ORDERS\",\"SqlType\":\"VARCHAR(64)\",\"Mapping\":\"$.orders[0:]\"}]}"

static void test_schema_load(void)
{
	struct ks_schema s;
	struct kc_error e;
	struct kc_buf b = KC_BUF_INIT;
	const char *p;
	char *again;
	int rc;

	p = put_file("bare.json", INPUT_SCHEMA);
	rc = ks_schema_load(p, &s, &e);
	if (!is_int(rc, 0, "bare InputSchema loads"))
		diag("%s", e.msg);
	is_int(s.format, KS_FMT_JSON, "format JSON");
	is_int((int)s.ncols, 4, "four columns");
	is_str(s.cols[0].name, "TICKER_SYMBOL", "name");
	is_str(type_text(&s.cols[0].type), "VARCHAR(4)", "VARCHAR(4)");
	is_str(type_text(&s.cols[1].type), "DECIMAL(5,2)", "DECIMAL(5,2)");
	is_str(s.cols[2].name, "city", "case kept");
	is_str(s.cols[2].mapping, "$.address.city", "nested mapping");
	is_str(s.cols[3].mapping, "$.orders[0:]", "array mapping");
	is_str(s.row_path, "$", "row path");

	/* printed back in the AWS shape, and read back the same */
	ks_schema_json(&s, &b);
	is_str(b.data,
	       "{\n"
	       "    \"RecordFormat\": {\n"
	       "        \"RecordFormatType\": \"JSON\",\n"
	       "        \"MappingParameters\": {\n"
	       "            \"JSONMappingParameters\": {\n"
	       "                \"RecordRowPath\": \"$\"\n"
	       "            }\n"
	       "        }\n"
	       "    },\n"
	       "    \"RecordEncoding\": \"UTF-8\",\n"
	       "    \"RecordColumns\": [\n"
	       "        {\n"
	       "            \"Name\": \"TICKER_SYMBOL\",\n"
	       "            \"SqlType\": \"VARCHAR(4)\",\n"
	       "            \"Mapping\": \"$.TICKER_SYMBOL\"\n"
	       "        },\n"
	       "        {\n"
	       "            \"Name\": \"PRICE\",\n"
	       "            \"SqlType\": \"DECIMAL(5,2)\",\n"
	       "            \"Mapping\": \"$.PRICE\"\n"
	       "        },\n"
	       "        {\n"
	       "            \"Name\": \"city\",\n"
	       "            \"SqlType\": \"VARCHAR(16)\",\n"
	       "            \"Mapping\": \"$.address.city\"\n"
	       "        },\n"
	       "        {\n"
	       "            \"Name\": \"ORDERS\",\n"
	       "            \"SqlType\": \"VARCHAR(64)\",\n"
	       "            \"Mapping\": \"$.orders[0:]\"\n"
	       "        }\n"
	       "    ]\n"
	       "}\n", "ks_schema_json golden");
	again = kc_xstrdup(b.data);
	ks_schema_release(&s);
	p = put_file("again.json", again);
	free(again);
	ok(!ks_schema_load(p, &s, &e) && s.ncols == 4 &&
	   !strcmp(s.cols[3].mapping, "$.orders[0:]"), "printed schema loads");
	ks_schema_release(&s);

	/* a DiscoverInputSchema response */
	p = put_file("discover.json", "{\"InputSchema\":" INPUT_SCHEMA
		     ",\"RawInputRecords\":[\"{}\"],\"ParsedInputRecords\":[[null]]}");
	ok(!ks_schema_load(p, &s, &e) && s.ncols == 4, "discover-input-schema "
	   "response");
	ks_schema_release(&s);

	/* describe-application (v1) */
	p = put_file("describe.json", "{\"ApplicationDetail\":{\"ApplicationName\":"
		     "\"a\",\"InputDescriptions\":[{\"InputId\":\"1.1\","
		     "\"NamePrefix\":\"SOURCE_SQL_STREAM\",\"InputSchema\":"
		     INPUT_SCHEMA "}],\"OutputDescriptions\":[]}}");
	ok(!ks_schema_load(p, &s, &e) && s.ncols == 4 &&
	   !strcmp(s.cols[1].name, "PRICE"), "describe-application output");
	ks_schema_release(&s);

	/* CSV */
	p = put_file("csv.json", "{\"RecordColumns\":[{\"SqlType\":\"VARCHAR(16)\","
		     "\"Name\":\"LastName\"},{\"SqlType\":\"INTEGER\",\"Name\":"
		     "\"CustomerId\"}],\"RecordFormat\":{\"MappingParameters\":"
		     "{\"CSVMappingParameters\":{\"RecordColumnDelimiter\":\"|\","
		     "\"RecordRowDelimiter\":\"\\r\\n\"}},\"RecordFormatType\":"
		     "\"CSV\"},\"RecordEncoding\":\"UTF-8\"}");
	rc = ks_schema_load(p, &s, &e);
	ok(!rc && s.format == KS_FMT_CSV && s.col_delim == '|' &&
	   s.row_delim == '\n' && s.ncols == 2 && !s.cols[0].mapping,
	   "CSV schema with delimiters");
	kc_buf_reset(&b);
	ks_schema_json(&s, &b);
	ok(strstr(b.data, "\"RecordColumnDelimiter\": \"|\"") &&
	   strstr(b.data, "\"RecordFormatType\": \"CSV\"") &&
	   !strstr(b.data, "Mapping\":"), "CSV schema printed");
	ks_schema_release(&s);
	kc_buf_release(&b);
}

/* Loads text as a schema file, expecting the error message want. */
static void schema_error(const char *text, int code, const char *want,
			 const char *title)
{
	struct ks_schema s;
	struct kc_error e;
	const char *p = put_file("bad.json", text);
	char full[600];
	int rc;

	snprintf(full, sizeof(full), "%s: %s", p, want);
	rc = ks_schema_load(p, &s, &e);
	is_int(rc, -code, "%s: status", title);
	if (rc)
		is_str(e.msg, full, "%s: message", title);
	else
		ks_schema_release(&s);
}

#define COLS(x) "{\"RecordColumns\":[" x "]}"

static void test_schema_errors(void)
{
	struct ks_schema s;
	struct kc_error e;
	char path[300];
	int rc;

	snprintf(path, sizeof(path), "%s/missing.json", dir);
	rc = ks_schema_load(path, &s, &e);
	is_int(rc, -KC_ENOENT, "missing file: status");
	ok(strstr(e.msg, "--schema '") == e.msg &&
	   strstr(e.msg, "missing.json': No such file or directory") != NULL,
	   "missing file: message: %s", e.msg);
	schema_error("{\"RecordColumns\": [", KC_EDATA, "bad JSON: premature EOF",
		     "truncated JSON");
	schema_error("{\"a\":1}", KC_EDATA, "no InputSchema with RecordColumns "
		     "found", "no RecordColumns");
	schema_error(COLS(""), KC_EDATA, "RecordColumns must be a non-empty "
		     "array", "empty columns");
	schema_error(COLS("{\"Name\":\"A\"}"), KC_EDATA, "column 'A': no SqlType",
		     "no SqlType");
	schema_error(COLS("{\"Name\":\"A\",\"SqlType\":\"INTEGER\"},"
			  "{\"Name\":\"A\",\"SqlType\":\"INTEGER\"}"),
		     KC_EDATA, "column 'A' appears twice", "duplicate column");
	schema_error(COLS("{\"Name\":\"a-b\",\"SqlType\":\"INTEGER\"}"), KC_EDATA,
		     "column 'a-b': a name may not contain '-', '<', '>', '&' "
		     "or white space", "bad name");
	schema_error(COLS("{\"Name\":\"A\",\"SqlType\":5}"), KC_EDATA,
		     "RecordColumns[0]: Name, SqlType and Mapping must be "
		     "strings, Name and SqlType present", "number as SqlType");
	schema_error(COLS("{\"Name\":\"A\",\"SqlType\":\"INTEGER\",\"Mapping\":"
			  "\"$.a[0:].b\"}"), KC_EDATA,
		     "column 'A': Mapping '$.a[0:].b': array elements as rows "
		     "('[0:].x') are not supported; map the array as text with "
		     "'[0:]'", "row flattening");
	schema_error(COLS("{\"Name\":\"A\",\"SqlType\":\"INTEGER\",\"Mapping\":"
			  "\"a.b\"}"), KC_EDATA,
		     "column 'A': Mapping 'a.b': a JSONPath must start with '$'",
		     "mapping without $");
	schema_error("{\"RecordFormat\":{\"RecordFormatType\":\"XML\"},"
		     "\"RecordColumns\":[{\"Name\":\"A\",\"SqlType\":\"INTEGER\"}]}",
		     KC_EDATA, "RecordFormatType 'XML': expected JSON or CSV",
		     "XML format");
	schema_error("{\"RecordFormat\":{\"RecordFormatType\":\"JSON\","
		     "\"MappingParameters\":{\"JSONMappingParameters\":"
		     "{\"RecordRowPath\":\"$.rows[0:]\"}}},"
		     "\"RecordColumns\":[{\"Name\":\"A\",\"SqlType\":\"INTEGER\"}]}",
		     KC_EDATA, "RecordRowPath '$.rows[0:]': only '$' (the record "
		     "itself) is supported", "row path");
	schema_error("{\"RecordEncoding\":\"UTF-16\",\"RecordColumns\":[{\"Name\":"
		     "\"A\",\"SqlType\":\"INTEGER\"}]}", KC_EDATA,
		     "RecordEncoding: only UTF-8 is supported", "encoding");

	/* a bad SqlType names the file, the column and the type */
	rc = ks_schema_load(put_file("bad.json", COLS("{\"Name\":\"PRICE\","
				     "\"SqlType\":\"MONEY\"}")), &s, &e);
	is_int(rc, -KC_EDATA, "bad SqlType: status");
	ok(strstr(e.msg, "bad.json: column 'PRICE': SqlType 'MONEY': ") != NULL,
	   "bad SqlType: message '%s'", e.msg);
}

/* ---- the decoder ----------------------------------------------------- */

static struct ks_arena arena;
static struct ks_rowerr err;
static struct ks_eval_ctx ctx = { &arena, 0, 0, &err };

enum { C_S, C_I, C_D, C_B, C_T, C_N, C_ARR, C_BIG, C_R, C_DEC, C_TINY, C_OBJ,
       C_Q, NCOLS };

static struct ks_column cols[NCOLS] = {
	{ S("s"), { KS_T_VARCHAR, 8, 0, 0 }, S("$.s") },
	{ S("i"), { KS_T_INTEGER, 0, 0, 0 }, S("$.i") },
	{ S("d"), { KS_T_DOUBLE, 0, 0, 0 }, S("$.d") },
	{ S("b"), { KS_T_BOOLEAN, 0, 0, 0 }, S("$.b") },
	{ S("t"), { KS_T_TIMESTAMP, 0, 0, 0 }, S("$.t") },
	{ S("n"), { KS_T_VARCHAR, 16, 0, 0 }, S("$.a.b") },
	{ S("arr"), { KS_T_VARCHAR, 64, 0, 0 }, S("$.arr[0:]") },
	{ S("big"), { KS_T_BIGINT, 0, 0, 0 }, S("$.big") },
	{ S("r"), { KS_T_REAL, 0, 0, 0 }, S("$.r") },
	{ S("dec"), { KS_T_DECIMAL, 5, 2, 0 }, S("$.dec") },
	{ S("tiny"), { KS_T_TINYINT, 0, 0, 0 }, S("$.tiny") },
	{ S("obj"), { KS_T_VARCHAR, 64, 0, 0 }, S("$.a") },
	{ S("q"), { KS_T_VARCHAR, 16, 0, 0 }, S("$['x.y']") },
};

static struct ks_value vals[NCOLS];

static int dec(struct ks_decoder *d, const char *rec)
{
	ks_arena_reset(&arena);
	memset(&err, 0, sizeof(err));
	return ks_decoder_row(d, rec, strlen(rec), vals, &ctx);
}

static void test_json(void)
{
	struct ks_schema s = { KS_FMT_JSON, NULL, ',', '\n', cols, NCOLS };
	struct ks_decoder *d = ks_decoder_new(&s, NULL);
	const char *rec;
	int rc;

	rec = " {\"s\":\"abc\", \"i\": -42 ,\"d\":84.51,\"b\":true,"
	      "\"t\":\"2024-05-01 12:00:00.250\",\"a\":{\"b\":\"deep\",\"c\":[1,{}]},"
	      "\"arr\":[1, 2,{\"x\":3}],\"big\":9007199254740993,\"r\":0.1,"
	      "\"dec\":12.34,\"tiny\":-128,\"x.y\":\"quoted\",\"extra\":[{\"s\":1}]}\n";
	rc = dec(d, rec);
	if (!is_int(rc, 0, "record decodes"))
		diag("%s: %s", err.name, err.msg);
	is_str(str_of(&vals[C_S]), "abc", "string");
	ok(vals[C_S].u.s.p > rec && vals[C_S].u.s.p < rec + strlen(rec),
	   "string points into the record");
	is_int(vals[C_I].u.i, -42, "integer");
	ok(!vals[C_D].null && vals[C_D].u.d == 84.51, "double 84.51 exactly");
	is_int(vals[C_B].u.i, 1, "boolean true");
	is_int(vals[C_T].u.i, 1714564800250, "timestamp");
	is_str(str_of(&vals[C_N]), "deep", "nested $.a.b");
	is_str(str_of(&vals[C_ARR]), "[1, 2,{\"x\":3}]", "array text $.arr[0:]");
	is_int(vals[C_BIG].u.i, 9007199254740993, "BIGINT beyond 2^53");
	ok(vals[C_R].u.d == (double)0.1f, "REAL rounded to float");
	is_int(vals[C_DEC].u.i, 1234, "DECIMAL(5,2) unscaled");
	is_int(vals[C_TINY].u.i, -128, "TINYINT minimum");
	is_str(str_of(&vals[C_OBJ]), "{\"b\":\"deep\",\"c\":[1,{}]}",
	       "object as text while its member is mapped too");
	is_str(str_of(&vals[C_Q]), "quoted", "$['x.y'] bracket mapping");

	/* missing and null fields are NULL */
	rc = dec(d, "{\"s\":null,\"a\":5,\"arr\":\"no array\"}");
	is_int(rc, 0, "sparse record decodes");
	ok(vals[C_S].null && vals[C_I].null && vals[C_N].null &&
	   vals[C_ARR].null && vals[C_T].null, "missing/null/mismatched → NULL");
	is_str(str_of(&vals[C_OBJ]), "5", "$.a as a number's text");
	rc = dec(d, "{}");
	ok(!rc && vals[C_S].null && vals[C_Q].null, "empty object: all NULL");

	/* escapes */
	rc = dec(d, "{\"s\":\"a\\\"b\\u00e9\\n\",\"\\u0069\":7,"
		    "\"x.y\":\"\\ud83d\\ude00!\"}");
	is_int(rc, 0, "escaped record decodes");
	is_int(vals[C_S].u.s.n, 6, "unescaped length");
	ok(!memcmp(vals[C_S].u.s.p, "a\"b\xc3\xa9\n", 6), "unescaped bytes");
	is_int(vals[C_I].u.i, 7, "escaped member name matches");
	is_str(str_of(&vals[C_Q]), "\xf0\x9f\x98\x80!", "surrogate pair");

	/* duplicate members: the last wins */
	rc = dec(d, "{\"i\":1,\"i\":2}");
	is_int(vals[C_I].u.i, 2, "duplicate member: last wins");

	/* KDA's coercions */
	rc = dec(d, "{\"i\":\"42\",\"d\":\"1e3\",\"b\":0,\"s\":12.50,"
		    "\"dec\":true,\"tiny\":false}");
	if (!is_int(rc, 0, "coercions decode"))
		diag("%s", err.msg);
	is_int(vals[C_I].u.i, 42, "string \"42\" to INTEGER");
	ok(vals[C_D].u.d == 1000, "string \"1e3\" to DOUBLE");
	is_int(vals[C_B].u.i, 0, "number 0 to BOOLEAN is FALSE");
	is_str(str_of(&vals[C_S]), "12.50", "number to VARCHAR keeps its text");
	is_int(vals[C_DEC].u.i, 100, "true to DECIMAL(5,2) is 1.00");
	is_int(vals[C_TINY].u.i, 0, "false to TINYINT is 0");
	rc = dec(d, "{\"b\":2.5}");
	is_int(vals[C_B].u.i, 1, "number 2.5 to BOOLEAN is TRUE");
	rc = dec(d, "{\"b\":\"TRUE\"}");
	is_int(vals[C_B].u.i, 1, "string TRUE to BOOLEAN");
	rc = dec(d, "{\"b\":\"yes\"}");
	ok(!rc && vals[C_B].u.i == 0, "other strings to BOOLEAN are FALSE");
	rc = dec(d, "{\"s\":\"abcdefghij\"}");
	is_str(str_of(&vals[C_S]), "abcdefgh", "VARCHAR(8) truncates silently");
	rc = dec(d, "{\"s\":[1,2]}");
	is_str(str_of(&vals[C_S]), "[1,2]", "array into VARCHAR as text");
	rc = dec(d, "{\"t\":\"2026-01-01T00:00:00Z\"}");
	is_int(vals[C_T].u.i, 1767225600000, "ISO 8601 timestamp");

	/* coercion errors: a row error naming the column */
	rc = dec(d, "{\"i\":123.4}");
	is_int(rc, -1, "123.4 to INTEGER fails");
	ok(err.name && strcmp(err.name, KS_ERR_BAD_RECORD) &&
	   !strncmp(err.msg, "column 'i': ", 12), "coercion error names the "
	   "column: %s: %s", err.name ? err.name : "", err.msg);
	rc = dec(d, "{\"tiny\":200}");
	ok(rc == -1 && !strncmp(err.msg, "column 'tiny': ", 15),
	   "200 to TINYINT fails: %s", err.msg);
	rc = dec(d, "{\"i\":[1]}");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_CAST) &&
	   !strcmp(err.msg, "column 'i': cannot convert a JSON array to INTEGER"),
	   "array to INTEGER fails: %s", err.msg);
	rc = dec(d, "{\"t\":true}");
	ok(rc == -1 && !strcmp(err.msg, "column 't': cannot convert true to "
	   "TIMESTAMP"), "true to TIMESTAMP fails: %s", err.msg);
	rc = dec(d, "{\"t\":\"yesterday\"}");
	ok(rc == -1 && !strncmp(err.msg, "column 't': ", 12),
	   "bad timestamp text fails: %s", err.msg);

	/* records that are not JSON */
	rc = dec(d, "{\"s\":");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD), "truncated record");
	is_str(err.msg, "record is not JSON: unexpected end at byte 5",
	       "truncated record: message");
	rc = dec(d, "[1,2]");
	ok(rc == -1 && !strcmp(err.msg, "record is not a JSON object"),
	   "array record: %s", err.msg);
	rc = dec(d, "{\"s\":\"x\"} x");
	ok(rc == -1 && !strcmp(err.msg, "record is not JSON: text after the "
	   "object at byte 10"), "trailing text: %s", err.msg);
	rc = dec(d, "{\"zz\":tru}");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD),
	   "bad literal in an unused member");
	rc = dec(d, "{\"zz\":[1,,2]}");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD),
	   "bad array in an unused member");
	rc = dec(d, "{\"zz\":01}");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD), "leading zero");
	rc = dec(d, "{\"s\":\"a\tb\"}");
	ok(rc == -1 && !strcmp(err.msg, "record is not JSON: control character "
	   "in a string at byte 7"), "raw tab in a string: %s", err.msg);
	rc = dec(d, "{\"s\":\"\\x\"}");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD), "bad escape");
	rc = dec(d, "not json");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD), "plain text");
	rc = dec(d, "");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD), "empty record");
	{
		char deep[1200];
		memcpy(deep, "{\"zz\":", 6);
		memset(deep + 6, '[', 300);
		memset(deep + 306, ']', 300);
		memcpy(deep + 606, "}", 2);
		rc = dec(d, deep);
		ok(rc == -1 && strstr(err.msg, "nested too deeply"),
		   "nesting limit: %s", err.msg);
	}
	ks_decoder_free(d);

	/* unused columns are not converted */
	{
		unsigned char used[NCOLS] = { 0 };
		used[C_S] = 1;
		d = ks_decoder_new(&s, used);
		rc = dec(d, "{\"i\":\"not a number\",\"s\":\"x\",\"t\":[]}");
		ok(!rc && vals[C_I].null && !strcmp(str_of(&vals[C_S]), "x"),
		   "unused columns are skipped without conversion");
		ks_decoder_free(d);
	}
}

static void test_csv(void)
{
	struct ks_column cc[3] = {
		{ S("a"), { KS_T_VARCHAR, 32, 0, 0 }, NULL },
		{ S("b"), { KS_T_INTEGER, 0, 0, 0 }, NULL },
		{ S("c"), { KS_T_DOUBLE, 0, 0, 0 }, NULL },
	};
	struct ks_schema s = { KS_FMT_CSV, NULL, ',', '\n', cc, 3 };
	struct ks_decoder *d = ks_decoder_new(&s, NULL);
	int rc;

	rc = dec(d, "x,1,2.5");
	ok(!rc && !strcmp(str_of(&vals[0]), "x") && vals[1].u.i == 1 &&
	   vals[2].u.d == 2.5, "plain CSV record");
	rc = dec(d, "\"x,y\",2,");
	ok(!rc && !strcmp(str_of(&vals[0]), "x,y") && vals[1].u.i == 2 &&
	   vals[2].null, "quoted delimiter, empty last field is NULL");
	rc = dec(d, "\"he said \"\"hi\"\"\",3");
	is_str(str_of(&vals[0]), "he said \"hi\"", "doubled quotes");
	rc = dec(d, "\"\",,");
	ok(!rc && !vals[0].null && vals[0].u.s.n == 0 && vals[1].null,
	   "quoted empty is '', unquoted empty is NULL");
	rc = dec(d, "only");
	ok(!rc && vals[1].null && vals[2].null, "missing fields are NULL");
	rc = dec(d, "x,1,2.5,extra,fields");
	ok(!rc && vals[2].u.d == 2.5, "extra fields are ignored");
	rc = dec(d, "x,7,1\r");
	ok(!rc && vals[2].u.d == 1, "CR of CRLF dropped");
	rc = dec(d, "\"abc\"x,1");
	ok(rc == -1 && !strcmp(err.name, KS_ERR_BAD_RECORD) &&
	   !strcmp(err.msg, "record is not CSV: text after the closing quote "
	   "of field 1"), "text after a closing quote: %s", err.msg);
	rc = dec(d, "\"abc,1");
	ok(rc == -1 && !strcmp(err.msg, "record is not CSV: unterminated quote "
	   "in field 1"), "unterminated quote: %s", err.msg);
	rc = dec(d, "x,y,1");
	ok(rc == -1 && !strncmp(err.msg, "column 'b': ", 12),
	   "non-number in an INTEGER field: %s", err.msg);
	ks_decoder_free(d);

	s.col_delim = ';';
	d = ks_decoder_new(&s, NULL);
	rc = dec(d, "a,b;5;0.25");
	ok(!rc && !strcmp(str_of(&vals[0]), "a,b") && vals[1].u.i == 5 &&
	   vals[2].u.d == 0.25, "semicolon delimiter");
	ks_decoder_free(d);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	ks_arena_init(&arena);
	test_schema_load();
	test_schema_errors();
	test_json();
	test_csv();
	ks_arena_release(&arena);
	kc_file_remove_tree(dir);
	return done_testing();
}
