/* Unit tests of ksql's schema discovery (discover.c) and reference tables (reference.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "../../cmd/ksql/ksql.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/ksql_discover.XXXXXX";

static const char *put_file(const char *name, const char *text)
{
	static char path[256];
	struct kc_error e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (kc_file_replace(path, text, strlen(text), &e))
		fprintf(stderr, "# %s\n", e.msg);
	return path;
}

/* The schema as "NAME TYPE MAPPING" lines. */
static const char *columns(const struct ks_schema *s)
{
	static struct kc_buf b;
	size_t i;

	kc_buf_reset(&b);
	for (i = 0; i < s->ncols; i++) {
		kc_buf_addf(&b, "%s ", s->cols[i].name);
		ks_type_format(&s->cols[i].type, &b);
		kc_buf_addf(&b, " %s\n", s->cols[i].mapping ? s->cols[i].mapping : "-");
	}
	return b.data ? b.data : "";
}

static int discover(enum ks_format f, const char *const *recs,
		    struct ks_schema *s, struct kc_error *e)
{
	struct ks_discovery *d = ks_discovery_new(f);
	int rc;

	for (; *recs; recs++)
		ks_discovery_add(d, *recs, strlen(*recs));
	rc = ks_discovery_finish(d, s, e);
	ks_discovery_free(d);
	return rc;
}

static void test_json(void)
{
	static const char *const demo[] = {
		"{\"TICKER_SYMBOL\":\"AMZN\",\"SECTOR\":\"TECHNOLOGY\",\"CHANGE\":-0.5,\"PRICE\":84.51}",
		"{\"TICKER_SYMBOL\":\"WAS\",\"SECTOR\":\"RETAIL\",\"CHANGE\":2,\"PRICE\":12}",
		"not json at all",
		NULL
	};
	static const char *const types[] = {
		"{\"tiny\":1,\"small\":1000,\"int\":100000,\"big\":10000000000,"
		"\"dbl\":1,\"flag\":true,\"s3\":\"abc\",\"s5\":\"abcde\","
		"\"nul\":null,\"mixed\":1,\"tags\":[\"a\",\"b\"],"
		"\"geo\":{\"country\":\"DE\",\"id\":7,\"pos\":{\"lat\":1.5}},"
		"\"id\":\"x\",\"a.b\":1,\"empty\":{},\"ts\":\"2026-01-01T00:00:00Z\"}",
		"{\"tiny\":-5,\"small\":-32768,\"int\":-7,\"big\":1,\"dbl\":2.25,"
		"\"flag\":false,\"s5\":\"\\u00e9\\u00e9\",\"mixed\":\"seventeen chars!!\","
		"\"late\":12}",
		NULL
	};
	static const char *const names[] = {
		"{\"USER\":1,\"USER@DOMAIN\":1,\"@@\":1,\"1abc\":1,\"year\":1,"
		"\"ok_Name\":1,\"x0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\":1,"
		"\"Timestamp\":1,\"a b\":1,\"ab\":1}",
		NULL
	};
	static const char *const bad[] = { "[1,2]", "nope", NULL };
	static const char *const none[] = { NULL };
	struct ks_schema s;
	struct kc_error e;
	struct kc_buf b = KC_BUF_INIT;

	ok(!discover(KS_FMT_JSON, demo, &s, &e), "the demo stream");
	is_str(columns(&s),
	       "TICKER_SYMBOL VARCHAR(4) $.TICKER_SYMBOL\n"
	       "SECTOR VARCHAR(16) $.SECTOR\n"
	       "CHANGE DOUBLE $.CHANGE\n"
	       "PRICE DOUBLE $.PRICE\n", "demo columns");
	ks_schema_json(&s, &b);
	ok(strstr(b.data, "\"RecordRowPath\": \"$\"") &&
	   strstr(b.data, "\"Name\": \"TICKER_SYMBOL\",\n            \"SqlType\": "
		  "\"VARCHAR(4)\",\n            \"Mapping\": \"$.TICKER_SYMBOL\""),
	   "demo schema JSON");
	ks_schema_release(&s);

	ok(!discover(KS_FMT_JSON, types, &s, &e), "type inference");
	is_str(columns(&s),
	       "tiny TINYINT $.tiny\n"
	       "small SMALLINT $.small\n"
	       "COL_int INTEGER $.int\n"
	       "big BIGINT $.big\n"
	       "dbl DOUBLE $.dbl\n"
	       "flag BOOLEAN $.flag\n"
	       "s3 VARCHAR(4) $.s3\n"
	       "s5 VARCHAR(8) $.s5\n"
	       "nul VARCHAR(4) $.nul\n"
	       "mixed VARCHAR(32) $.mixed\n"
	       "tags VARCHAR(16) $.tags[0:]\n"
	       "country VARCHAR(4) $.geo.country\n"
	       "id TINYINT $.geo.id\n"
	       "lat DOUBLE $.geo.pos.lat\n"
	       "id_2 VARCHAR(4) $.id\n"
	       "COL_ab TINYINT $['a.b']\n"
	       "empty VARCHAR(4) $.empty\n"
	       "ts VARCHAR(32) $.ts\n"
	       "late TINYINT $.late\n", "types, nesting, arrays, first-seen order");
	ks_schema_release(&s);

	ok(!discover(KS_FMT_JSON, names, &s, &e), "renames");
	is_str(columns(&s),
	       "COL_USER TINYINT $.USER\n"
	       "COL_USERDOMAIN TINYINT $.USER@DOMAIN\n"
	       "COL_2 TINYINT $.@@\n"
	       "COL_1abc TINYINT $.1abc\n"
	       "COL_year TINYINT $.year\n"
	       "ok_Name TINYINT $.ok_Name\n"
	       "COL_x01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234 TINYINT "
	       "$.x0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
	       "COL_Timestamp TINYINT $.Timestamp\n"
	       "COL_ab TINYINT $.a b\n"
	       "ab TINYINT $.ab\n", "COL_ rename rules");
	is_int((int)strlen(s.cols[6].name), 100, "long names cut to 100");
	ks_schema_release(&s);

	is_int(discover(KS_FMT_JSON, bad, &s, &e), -KC_EDATA, "no objects");
	is_str(e.msg, "no sample record is a JSON object (2 records)",
	       "no objects: message");
	is_int(discover(KS_FMT_JSON, none, &s, &e), -KC_EDATA, "no records");
	is_str(e.msg, "no records to discover a schema from",
	       "no records: message");
	kc_buf_release(&b);
}

static void test_csv(void)
{
	static const char *const energy[] = {
		"2001,1,AK,TotalElectricPowerIndustry,Coal,ShortTons,47615\r\n",
		"2001,1,AK,ElectricGeneratorsElectricUtilities,Coal,ShortTons,16535",
		"2001,1,AL,TotalElectricPowerIndustry,Coal,ShortTons,3020601",
		"2001,12,AL,\"Quoted, with comma\",Coal,ShortTons,5000000000",
		NULL
	};
	static const char *const pipes[] = { "a|1.5|true", "b|2|false", NULL };
	struct ks_schema s;
	struct kc_error e;
	struct ks_discovery *d;

	ok(!discover(KS_FMT_CSV, energy, &s, &e), "CSV discovery");
	is_str(columns(&s),
	       "COL1 INTEGER -\n"
	       "COL2 INTEGER -\n"
	       "COL3 VARCHAR(4) -\n"
	       "COL4 VARCHAR(64) -\n"
	       "COL5 VARCHAR(4) -\n"
	       "COL6 VARCHAR(16) -\n"
	       "COL7 BIGINT -\n", "CSV columns (the developer guide's example)");
	ok(s.format == KS_FMT_CSV && s.col_delim == ',', "comma delimiter");
	ks_schema_release(&s);

	ok(!discover(KS_FMT_CSV, pipes, &s, &e), "pipe-delimited");
	is_str(columns(&s), "COL1 VARCHAR(4) -\nCOL2 DOUBLE -\nCOL3 VARCHAR(8) -\n",
	       "pipe columns");
	is_int(s.col_delim, '|', "pipe delimiter found");
	ks_schema_release(&s);

	d = ks_discovery_new(KS_FMT_CSV);
	ks_discovery_header(d, "year, month ,state", 18);
	ks_discovery_add(d, "2001,1,AK", 9);
	ok(!ks_discovery_finish(d, &s, &e), "CSV with a header line");
	is_str(columns(&s), "COL_year INTEGER -\nCOL_month INTEGER -\n"
	       "state VARCHAR(4) -\n", "header names, trimmed and renamed");
	ks_schema_release(&s);
	ks_discovery_free(d);
}

static void test_reference(void)
{
	struct ks_table t;
	struct ks_schema given;
	struct ks_column gc[2];
	struct kc_error e;
	struct kc_buf b = KC_BUF_INIT;
	const char *p;
	size_t r, c;
	int rc;

	p = put_file("company.csv", "Ticker, Company\nAMZN,Amazon\nASD, SomeCompanyA\n"
		     "\n\"MM,B\",\"Some \"\"B\"\"\"\n");
	rc = ks_table_load("CompanyName", p, NULL, &t, &e);
	if (!is_int(rc, 0, "CSV reference table"))
		diag("%s", e.msg);
	is_str(t.name, "CompanyName", "table name");
	is_str(columns(&t.schema), "Ticker VARCHAR(4) -\nCompany VARCHAR(16) -\n",
	       "names from the header, types discovered");
	is_int((int)t.nrows, 3, "three rows, blank line skipped");
	for (r = 0; r < t.nrows; r++)
		for (c = 0; c < t.schema.ncols; c++) {
			ks_value_text(&t.rows[r * 2 + c], &t.schema.cols[c].type, &b);
			kc_buf_addc(&b, c ? '\n' : '|');
		}
	is_str(b.data, "AMZN|Amazon\nASD| SomeCompanyA\nMM,B|Some \"B\"\n",
	       "row values");
	ks_table_release(&t);

	p = put_file("prices.jsonl", "{\"sym\":\"A\",\"px\":1.5,\"n\":3}\n\n"
		     "{\"sym\":\"B\",\"n\":4}\n");
	rc = ks_table_load("P", p, NULL, &t, &e);
	ok(!rc && t.nrows == 2, "JSON lines reference table");
	is_str(columns(&t.schema), "sym VARCHAR(4) $.sym\npx DOUBLE $.px\n"
	       "n TINYINT $.n\n", "JSON lines columns");
	ok(t.rows[3 + 1].null && t.rows[3 + 2].u.i == 4, "missing field NULL");
	ks_table_release(&t);

	p = put_file("array.json", " [ {\"k\":\"x]\",\"v\":[1,2]},\n{\"k\":\"y\",\"v\":null} ]\n");
	rc = ks_table_load("A", p, NULL, &t, &e);
	if (!ok(!rc && t.nrows == 2, "JSON array reference table"))
		diag("%s", e.msg);
	else {
		kc_buf_reset(&b);
		ks_value_text(&t.rows[0], &t.schema.cols[0].type, &b);
		ks_value_text(&t.rows[1], &t.schema.cols[1].type, &b);
		is_str(b.data, "x][1,2]", "array elements decoded");
	}
	ks_table_release(&t);

	/* a given schema: its types, the header skipped */
	gc[0] = (struct ks_column){ (char *)"T", { KS_T_VARCHAR, 8, 0, 0 }, NULL };
	gc[1] = (struct ks_column){ (char *)"N", { KS_T_INTEGER, 0, 0, 0 }, NULL };
	given = (struct ks_schema){ KS_FMT_CSV, NULL, ',', '\n', gc, 2 };
	p = put_file("n.csv", "name,count\nx,12\ny,\n");
	rc = ks_table_load("N", p, &given, &t, &e);
	ok(!rc && t.nrows == 2 && t.rows[1].u.i == 12 && t.rows[3].null &&
	   !strcmp(t.schema.cols[1].name, "N"), "reference table with a schema");
	ks_table_release(&t);

	p = put_file("bad.csv", "name,count\nx,12\ny,zz\n");
	rc = ks_table_load("N", p, &given, &t, &e);
	is_int(rc, -KC_EDATA, "bad row: status");
	ok(strstr(e.msg, "bad.csv:3: column 'N': ") != NULL,
	   "bad row: message names the line and column: %s", e.msg);

	p = put_file("bad.json", "[{\"a\":1}, 2]");
	rc = ks_table_load("J", p, NULL, &t, &e);
	ok(rc == -KC_EDATA && strstr(e.msg, "not a JSON array of objects"),
	   "array of scalars: %s", e.msg);

	rc = ks_table_load("M", "/nonexistent/ref.csv", NULL, &t, &e);
	is_int(rc, -KC_ENOENT, "missing file: status");
	is_str(e.msg, "--reference '/nonexistent/ref.csv': No such file or "
	       "directory",
	       "missing file: message");

	p = put_file("empty.csv", "a,b\n");
	rc = ks_table_load("E", p, NULL, &t, &e);
	ok(!rc && t.nrows == 0 && t.schema.ncols == 2, "header only: empty table");
	ks_table_release(&t);
	kc_buf_release(&b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_json();
	test_csv();
	test_reference();
	kc_file_remove_tree(dir);
	return done_testing();
}
