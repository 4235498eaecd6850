/*
 * ksql_parse.c: unit tests of ksql's lexer and parser (cmd/ksql/lex.c,
 * parse.c, ast.c): the AWS example applications, every expression and
 * statement form, precedence, the special-syntax mappings of ksql.h,
 * literal types and values, names, comments, and error messages with
 * their line:column.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/ksql/ast.h"
#include "buf.h"
#include "../../cmd/ksql/lex.h"
#include "tap.h"
#include "banned.h"

/* The script as ks_stmt_sql prints it ("; " between statements), or
 * "L:C: message" when it does not parse. Caller frees. */
static char *script_sql(const char *text, int *parsed)
{
	struct ks_script s;
	struct ks_perror e;
	struct kc_buf b = KC_BUF_INIT;
	size_t i;

	*parsed = ks_parse("t.sql", text, strlen(text), &s, &e) == 0;
	if (!*parsed) {
		kc_buf_addf(&b, "%u:%u: %s", e.pos.line, e.pos.col, e.msg);
		return b.data;
	}
	for (i = 0; i < s.nstmts; i++) {
		if (i)
			kc_buf_adds(&b, "; ");
		ks_stmt_sql(&s.stmts[i], &b);
	}
	ks_script_release(&s);
	return b.data ? b.data : kc_xstrdup("");
}

/* Parses text, compares its SQL text with want, and checks that the
 * text parses back to the same text. */
static void check_sql(const char *text, const char *want, const char *name)
{
	int parsed, reparsed;
	char *got = script_sql(text, &parsed), *again;

	is_str(got, want, "%s", name);
	if (parsed) {
		again = script_sql(got, &reparsed);
		is_str(again, got, "%s: reads back the same", name);
		free(again);
	}
	free(got);
}

static void check_error(const char *text, const char *want)
{
	int parsed;
	char *got = script_sql(text, &parsed);

	is_str(got, want, "error: %s", want);
	free(got);
}

/* ---- a tree dumper, independent of ast.c's printer ---- */

static const char *const kind_names[] = {
	"lit", "col", "unary", "binary", "func", "case", "cast",
	"isnull", "like", "similar", "in", "between", "cursor",
};

static const char *const type_names[] = {
	"NULL", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
	"DECIMAL", "REAL", "DOUBLE", "CHAR", "VARCHAR", "TIMESTAMP", "DATE",
	"INTERVAL_DS", "INTERVAL_YM",
};

static const char *const op_names[] = {
	"?", "+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=",
	"AND", "OR", "neg", "NOT", "plus",
};

static void dump(const struct ks_expr *e, struct kc_buf *b)
{
	size_t i;

	switch (e->kind) {
	case KS_E_LITERAL:
		kc_buf_adds(b, type_names[e->lit_type.t]);
		if (e->lit_type.t == KS_T_DECIMAL)
			kc_buf_addf(b, "(%d,%d)", e->lit_type.len,
				    e->lit_type.scale);
		if (e->lit_type.t == KS_T_CHAR || e->lit_type.t == KS_T_VARCHAR)
			kc_buf_addf(b, "(%d)", e->lit_type.len);
		if (e->lit.null) {
			kc_buf_adds(b, ":null");
		} else if (e->lit_type.t == KS_T_DOUBLE) {
			kc_buf_addf(b, ":%.17g", e->lit.u.d);
		} else if (e->lit_type.t == KS_T_CHAR ||
			   e->lit_type.t == KS_T_VARCHAR) {
			kc_buf_addf(b, ":<%.*s>", (int)e->lit.u.s.n,
				    e->lit.u.s.p);
			if (e->keyword)
				kc_buf_adds(b, "kw");
		} else if (e->lit_type.t != KS_T_NULL) {
			kc_buf_addf(b, ":%" PRId64, e->lit.u.i);
		}
		return;
	case KS_E_COLUMN:
		if (e->qual)
			kc_buf_addf(b, "%s.", e->qual);
		kc_buf_adds(b, e->name);
		return;
	case KS_E_UNARY:
	case KS_E_BINARY:
		kc_buf_addf(b, "(%s", op_names[e->op]);
		break;
	case KS_E_FUNC:
		kc_buf_addf(b, "%s%s%s(", e->func, e->distinct ? "/distinct" :
			    "", e->star ? "/*" : "");
		break;
	case KS_E_CAST:
		kc_buf_addf(b, "(cast:%s%s", type_names[e->cast_type.t],
			    e->cast_type.len ? "(n)" : "");
		break;
	case KS_E_CASE:
		kc_buf_addf(b, "(case%s%s", e->has_operand ? "/op" : "",
			    e->has_else ? "/else" : "");
		break;
	case KS_E_CURSOR:
		kc_buf_adds(b, "(cursor)");
		return;
	default:
		kc_buf_addf(b, "(%s%s", e->negated ? "not-" : "",
			    kind_names[e->kind]);
		break;
	}
	for (i = 0; i < e->nargs; i++) {
		if (i || e->kind != KS_E_FUNC)
			kc_buf_addc(b, ' ');
		dump(e->args[i], b);
	}
	kc_buf_addc(b, ')');
	if (e->kind == KS_E_FUNC && e->over_name)
		kc_buf_addf(b, "/over:%s", e->over_name);
	if (e->kind == KS_E_FUNC && e->over)
		kc_buf_adds(b, "/over()");
}

/* Parses "SELECT <expr> FROM s" and dumps the expression. */
static char *expr_dump(const char *expr)
{
	struct ks_script s;
	struct ks_perror e;
	struct kc_buf b = KC_BUF_INIT, q = KC_BUF_INIT;

	kc_buf_addf(&q, "SELECT %s FROM s", expr);
	if (ks_parse("t.sql", q.data, q.len, &s, &e) < 0) {
		kc_buf_addf(&b, "%u:%u: %s", e.pos.line, e.pos.col, e.msg);
	} else {
		dump(s.stmts[0].select->items[0].e, &b);
		ks_script_release(&s);
	}
	kc_buf_release(&q);
	return b.data;
}

static void check_expr(const char *expr, const char *want)
{
	char *got = expr_dump(expr);

	is_str(got, want, "expr %s", expr);
	free(got);
}

/* The SQL text of one expression, and that it reads back the same. */
static void check_expr_sql(const char *expr, const char *want)
{
	struct kc_buf q = KC_BUF_INIT, w = KC_BUF_INIT;

	kc_buf_addf(&q, "SELECT %s FROM s", expr);
	kc_buf_addf(&w, "SELECT %s FROM S", want);
	check_sql(q.data, w.data, expr);
	kc_buf_release(&q);
	kc_buf_release(&w);
}

/* ---- the AWS developer guide's example applications ---- */

static const struct {
	const char *name, *sql, *want;
} examples[] = {
	{ "1 simple alerts",
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" "
	  "(ticker_symbol VARCHAR(4), sector VARCHAR(12), change DOUBLE, "
	  "price DOUBLE);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM ticker_symbol, sector, change, price\n"
	  "FROM \"SOURCE_SQL_STREAM_001\"\n"
	  "WHERE (ABS(Change / (Price - Change)) * 100) > 1;\n",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL "
	  "VARCHAR(4), SECTOR VARCHAR(12), CHANGE DOUBLE, PRICE DOUBLE); "
	  "CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO "
	  "DESTINATION_SQL_STREAM SELECT STREAM TICKER_SYMBOL, SECTOR, CHANGE, "
	  "PRICE FROM SOURCE_SQL_STREAM_001 WHERE ABS(CHANGE / (PRICE - "
	  "CHANGE)) * 100 > 1" },
	{ "2 tumbling window",
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (TICKER "
	  "VARCHAR(4), MIN_PRICE REAL, MAX_PRICE REAL);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM TICKER, MIN(PRICE), MAX(PRICE)\n"
	  "FROM \"SOURCE_SQL_STREAM_001\"\n"
	  "GROUP BY TICKER, STEP(\"SOURCE_SQL_STREAM_001\".ROWTIME BY "
	  "INTERVAL '60' SECOND);",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER "
	  "VARCHAR(4), MIN_PRICE REAL, MAX_PRICE REAL); CREATE OR REPLACE "
	  "PUMP STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM SELECT "
	  "STREAM TICKER, MIN(PRICE), MAX(PRICE) FROM SOURCE_SQL_STREAM_001 "
	  "GROUP BY TICKER, STEP(SOURCE_SQL_STREAM_001.ROWTIME BY INTERVAL "
	  "'1' MINUTE)" },
	{ "3 sliding window",
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (ticker_symbol "
	  "VARCHAR(10), Min_Price double, Max_Price double, Avg_Price "
	  "double);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM ticker_symbol,\n"
	  "  MIN(Price) OVER W1 AS Min_Price,\n"
	  "  MAX(Price) OVER W1 AS Max_Price,\n"
	  "  AVG(Price) OVER W1 AS Avg_Price\n"
	  "FROM \"SOURCE_SQL_STREAM_001\"\n"
	  "WINDOW W1 AS (\n"
	  "  PARTITION BY ticker_symbol\n"
	  "  RANGE INTERVAL '1' MINUTE PRECEDING);",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL "
	  "VARCHAR(10), MIN_PRICE DOUBLE, MAX_PRICE DOUBLE, AVG_PRICE DOUBLE); "
	  "CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO "
	  "DESTINATION_SQL_STREAM SELECT STREAM TICKER_SYMBOL, MIN(PRICE) "
	  "OVER W1 AS MIN_PRICE, MAX(PRICE) OVER W1 AS MAX_PRICE, AVG(PRICE) "
	  "OVER W1 AS AVG_PRICE FROM SOURCE_SQL_STREAM_001 WINDOW W1 AS "
	  "(PARTITION BY TICKER_SYMBOL RANGE INTERVAL '1' MINUTE PRECEDING)" },
	{ "4 stagger window",
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (\n"
	  "  event_time TIMESTAMP,\n  ticker_symbol VARCHAR(4),\n"
	  "  ticker_count INTEGER);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM EVENT_TIME, TICKER, COUNT(TICKER) AS ticker_count\n"
	  "FROM \"SOURCE_SQL_STREAM_001\"\n"
	  "WINDOWED BY STAGGER (\n"
	  "  PARTITION BY TICKER, EVENT_TIME RANGE INTERVAL '1' MINUTE);",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (EVENT_TIME "
	  "TIMESTAMP, TICKER_SYMBOL VARCHAR(4), TICKER_COUNT INTEGER); "
	  "CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO "
	  "DESTINATION_SQL_STREAM SELECT STREAM EVENT_TIME, TICKER, "
	  "COUNT(TICKER) AS TICKER_COUNT FROM SOURCE_SQL_STREAM_001 WINDOWED "
	  "BY STAGGER (PARTITION BY TICKER, EVENT_TIME RANGE INTERVAL '1' "
	  "MINUTE)" },
	{ "5 top-K",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (\n"
	  "  \"TICKER\" VARCHAR(4),\n  \"MOST_FREQUENT_VALUES\" BIGINT\n);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM *\n"
	  "FROM TABLE (TOP_K_ITEMS_TUMBLING(\n"
	  "  CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"),\n"
	  "  'TICKER',     -- name of column in single quotes\n"
	  "  5,            -- number of the most frequently occurring values\n"
	  "  60            -- tumbling window size in seconds\n"
	  "  )\n);",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER "
	  "VARCHAR(4), MOST_FREQUENT_VALUES BIGINT); CREATE OR REPLACE PUMP "
	  "STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM * "
	  "FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "
	  "SOURCE_SQL_STREAM_001), 'TICKER', 5, 60))" },
	{ "6 count distinct",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM ( "
	  "NUMBER_OF_DISTINCT_ITEMS BIGINT);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(\n"
	  "  CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\"),\n"
	  "  'TICKER_SYMBOL', 60 ) );",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM "
	  "(NUMBER_OF_DISTINCT_ITEMS BIGINT); CREATE OR REPLACE PUMP "
	  "STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM * "
	  "FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * "
	  "FROM SOURCE_SQL_STREAM_001), 'TICKER_SYMBOL', 60))" },
	{ "7 anomaly",
	  "CREATE OR REPLACE STREAM \"TEMP_STREAM\" (\n"
	  "  \"heartRate\" INTEGER, \"rateType\" varchar(20), "
	  "\"ANOMALY_SCORE\" DOUBLE);\n"
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (\n"
	  "  \"heartRate\" INTEGER, \"rateType\" varchar(20), "
	  "\"ANOMALY_SCORE\" DOUBLE);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"TEMP_STREAM\"\n"
	  "SELECT STREAM \"heartRate\", \"rateType\", ANOMALY_SCORE\n"
	  "FROM TABLE(RANDOM_CUT_FOREST(\n"
	  "  CURSOR(SELECT STREAM * FROM \"SOURCE_SQL_STREAM_001\")));\n"
	  "CREATE OR REPLACE PUMP \"OUTPUT_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "SELECT STREAM * FROM \"TEMP_STREAM\"\n"
	  "ORDER BY FLOOR(\"TEMP_STREAM\".ROWTIME TO SECOND), ANOMALY_SCORE "
	  "DESC;",
	  "CREATE OR REPLACE STREAM TEMP_STREAM (\"heartRate\" INTEGER, "
	  "\"rateType\" VARCHAR(20), ANOMALY_SCORE DOUBLE); CREATE OR REPLACE "
	  "STREAM DESTINATION_SQL_STREAM (\"heartRate\" INTEGER, \"rateType\" "
	  "VARCHAR(20), ANOMALY_SCORE DOUBLE); CREATE OR REPLACE PUMP "
	  "STREAM_PUMP AS INSERT INTO TEMP_STREAM SELECT STREAM \"heartRate\", "
	  "\"rateType\", ANOMALY_SCORE FROM TABLE(RANDOM_CUT_FOREST(CURSOR("
	  "SELECT STREAM * FROM SOURCE_SQL_STREAM_001))); CREATE OR REPLACE "
	  "PUMP OUTPUT_PUMP AS INSERT INTO DESTINATION_SQL_STREAM SELECT "
	  "STREAM * FROM TEMP_STREAM ORDER BY FLOOR(TEMP_STREAM.ROWTIME TO "
	  "SECOND), ANOMALY_SCORE DESC" },
	{ "8 reference join",
	  "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (\n"
	  "  ticker_symbol VARCHAR(4), \"Company\" varchar(20),\n"
	  "  sector VARCHAR(12), change DOUBLE, price DOUBLE);\n"
	  "CREATE OR REPLACE PUMP \"STREAM_PUMP\" AS INSERT INTO "
	  "\"DESTINATION_SQL_STREAM\"\n"
	  "  SELECT STREAM ticker_symbol, \"c\".\"Company\", sector, change, "
	  "price\n"
	  "  FROM \"SOURCE_SQL_STREAM_001\" LEFT JOIN \"CompanyName\" as "
	  "\"c\"\n"
	  "  ON \"SOURCE_SQL_STREAM_001\".ticker_symbol = \"c\".\"Ticker\";",
	  "CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL "
	  "VARCHAR(4), \"Company\" VARCHAR(20), SECTOR VARCHAR(12), CHANGE "
	  "DOUBLE, PRICE DOUBLE); CREATE OR REPLACE PUMP STREAM_PUMP AS "
	  "INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM TICKER_SYMBOL, "
	  "\"c\".\"Company\", SECTOR, CHANGE, PRICE FROM SOURCE_SQL_STREAM_001 "
	  "LEFT JOIN \"CompanyName\" AS \"c\" ON "
	  "SOURCE_SQL_STREAM_001.TICKER_SYMBOL = \"c\".\"Ticker\"" },
};

static int parse_ok(const char *text, struct ks_script *s)
{
	struct ks_perror e;

	if (ks_parse("t.sql", text, strlen(text), s, &e) == 0)
		return 1;
	diag("parse failed: %u:%u: %s", e.pos.line, e.pos.col, e.msg);
	return 0;
}

static char *edump(const struct ks_expr *e)
{
	struct kc_buf b = KC_BUF_INIT;

	dump(e, &b);
	return b.data;
}

static void check_edump(const struct ks_expr *e, const char *want,
			const char *name)
{
	char *got = edump(e);

	is_str(got, want, "%s", name);
	free(got);
}

/* Tree details of the examples the printed text cannot show. */
static void test_example_trees(void)
{
	struct ks_script s;
	const struct ks_select *q;
	const struct ks_expr *e;

	if (parse_ok(examples[0].sql, &s)) {
		is_int(s.nstmts, 2, "ex1: two statements");
		is_int(s.stmts[0].kind, KS_S_CREATE_STREAM,
		       "ex1: CREATE STREAM");
		ok(s.stmts[0].or_replace, "ex1: OR REPLACE");
		is_str(s.stmts[0].name, "DESTINATION_SQL_STREAM", "ex1: name");
		is_int(s.stmts[0].ncols, 4, "ex1: 4 columns");
		is_int(s.stmts[0].cols[0].type.t, KS_T_VARCHAR, "ex1: VARCHAR");
		is_int(s.stmts[0].cols[0].type.len, 4, "ex1: VARCHAR(4)");
		is_int(s.stmts[0].cols[2].type.t, KS_T_DOUBLE, "ex1: DOUBLE");
		is_int(s.stmts[1].kind, KS_S_CREATE_PUMP, "ex1: CREATE PUMP");
		is_str(s.stmts[1].target, "DESTINATION_SQL_STREAM",
		       "ex1: pump target");
		is_int(s.stmts[1].target_pos.line, 2, "ex1: target line");
		is_int(s.stmts[1].target_pos.col, 53, "ex1: target column");
		q = s.stmts[1].select;
		ok(q->stream, "ex1: SELECT STREAM");
		is_str(q->from.name, "SOURCE_SQL_STREAM_001", "ex1: FROM");
		check_edump(q->where,
			    "(> (* ABS((/ CHANGE (- PRICE CHANGE))) "
			    "INTEGER:100) INTEGER:1)", "ex1: WHERE tree");
		is_int(q->where->pos.line, 5, "ex1: '>' line");
		is_int(q->where->pos.col, 46, "ex1: '>' column");
		ks_script_release(&s);
	}
	if (parse_ok(examples[1].sql, &s)) {
		q = s.stmts[1].select;
		is_int(q->ngroup, 2, "ex2: two GROUP BY keys");
		check_edump(q->group_by[1],
			    "STEP(SOURCE_SQL_STREAM_001.ROWTIME "
			    "INTERVAL_DS:60000)", "ex2: STEP(... BY INTERVAL)");
		check_edump(q->items[1].e, "MIN(PRICE)", "ex2: MIN(PRICE)");
		ok(!q->items[1].alias, "ex2: no alias");
		ks_script_release(&s);
	}
	if (parse_ok(examples[2].sql, &s)) {
		q = s.stmts[1].select;
		is_int(q->nwindows, 1, "ex3: one WINDOW");
		is_str(q->windows[0]->name, "W1", "ex3: window name");
		is_int(q->windows[0]->npartition, 1, "ex3: PARTITION BY");
		is_int(q->windows[0]->frame, KS_FRAME_RANGE, "ex3: RANGE");
		check_edump(q->windows[0]->extent, "INTERVAL_DS:60000",
			    "ex3: 1 minute");
		is_str(q->items[1].e->over_name, "W1", "ex3: OVER W1");
		is_str(q->items[1].alias, "MIN_PRICE", "ex3: alias folded");
		ks_script_release(&s);
	}
	if (parse_ok(examples[3].sql, &s)) {
		q = s.stmts[1].select;
		ok(q->stagger != NULL, "ex4: WINDOWED BY STAGGER");
		if (q->stagger) {
			is_int(q->stagger->npartition, 2, "ex4: 2 keys");
			check_edump(q->stagger->range, "INTERVAL_DS:60000",
				    "ex4: RANGE 1 minute");
		}
		is_int(s.stmts[0].cols[0].type.t, KS_T_TIMESTAMP,
		       "ex4: TIMESTAMP column");
		ks_script_release(&s);
	}
	if (parse_ok(examples[4].sql, &s)) {
		q = s.stmts[1].select;
		is_int(q->from.kind, KS_FROM_TABLE_FUNC, "ex5: TABLE(...)");
		e = q->from.func;
		is_str(e->func, "TOP_K_ITEMS_TUMBLING", "ex5: function");
		is_int(e->nargs, 4, "ex5: 4 arguments");
		is_int(e->args[0]->kind, KS_E_CURSOR, "ex5: CURSOR argument");
		ok(e->args[0]->cursor->stream, "ex5: cursor is SELECT STREAM");
		ok(e->args[0]->cursor->items[0].star, "ex5: cursor SELECT *");
		check_edump(e->args[1], "CHAR(6):<TICKER>", "ex5: 'TICKER'");
		ok(q->items[0].star && !q->items[0].star_qual, "ex5: *");
		ks_script_release(&s);
	}
	if (parse_ok(examples[6].sql, &s)) {
		is_int(s.nstmts, 4, "ex7: four statements");
		q = s.stmts[3].select;
		is_int(q->norder, 2, "ex7: ORDER BY two keys");
		ok(!q->order[0].desc && q->order[1].desc, "ex7: DESC");
		check_edump(q->order[0].e,
			    "FLOOR(TEMP_STREAM.ROWTIME VARCHAR(6):<SECOND>kw)",
			    "ex7: FLOOR(x TO SECOND)");
		is_str(s.stmts[0].cols[0].name, "heartRate",
		       "ex7: quoted name kept");
		ks_script_release(&s);
	}
	if (parse_ok(examples[7].sql, &s)) {
		q = s.stmts[1].select;
		is_int(q->njoins, 1, "ex8: one join");
		is_int(q->joins[0].kind, KS_JOIN_LEFT, "ex8: LEFT JOIN");
		is_str(q->joins[0].right.name, "CompanyName", "ex8: table");
		is_str(q->joins[0].right.alias, "c", "ex8: alias");
		ok(!q->joins[0].over, "ex8: no window");
		is_str(q->items[1].e->qual, "c", "ex8: qualifier");
		is_str(q->items[1].e->name, "Company", "ex8: column");
		check_edump(q->joins[0].on,
			    "(= SOURCE_SQL_STREAM_001.TICKER_SYMBOL c.Ticker)",
			    "ex8: ON");
		ks_script_release(&s);
	}
}

/* ---- expressions ---- */

static void test_precedence(void)
{
	check_expr("a + b * c", "(+ A (* B C))");
	check_expr("(a + b) * c", "(* (+ A B) C)");
	check_expr("a - b - c", "(- (- A B) C)");
	check_expr("a / b % c * d", "(* (% (/ A B) C) D)");
	check_expr("a || b + c", "(|| A (+ B C))");
	check_expr("a || b = c || d", "(= (|| A B) (|| C D))");
	check_expr("a = b AND c < d OR e >= f",
		   "(OR (AND (= A B) (< C D)) (>= E F))");
	check_expr("a OR b AND c", "(OR A (AND B C))");
	check_expr("NOT a = b", "(NOT (= A B))");
	check_expr("NOT a AND b", "(AND (NOT A) B)");
	check_expr("NOT NOT a", "(NOT (NOT A))");
	check_expr("-a * b", "(* (neg A) B)");
	check_expr("-(a * b)", "(neg (* A B))");
	check_expr("- - a", "(neg (neg A))");
	check_expr("+a", "(plus A)");
	check_expr("a + -1", "(+ A INTEGER:-1)");
	check_expr("a - -b", "(- A (neg B))");
	check_expr("a IS NULL AND b", "(AND (isnull A) B)");
	check_expr("a + 1 IS NOT NULL", "(not-isnull (+ A INTEGER:1))");
	check_expr("a BETWEEN 1 AND 2 AND b",
		   "(AND (between A INTEGER:1 INTEGER:2) B)");
	check_expr("a BETWEEN b + 1 AND c * 2",
		   "(between A (+ B INTEGER:1) (* C INTEGER:2))");
	check_expr("a LIKE 'x' || b", "(like A (|| CHAR(1):<x> B))");
	check_expr("NOT a LIKE b", "(NOT (like A B))");
	check_expr("a = b = c", "(= (= A B) C)");
	check_expr("a <> b", "(<> A B)");
	check_expr("a != b", "(<> A B)");
	check_expr("a<=b", "(<= A B)");
	check_expr("a>b", "(> A B)");
	check_expr("a IN (1, 2) OR b", "(OR (in A INTEGER:1 INTEGER:2) B)");
}

static void test_expression_forms(void)
{
	check_expr("CASE WHEN a > 1 THEN 'x' WHEN a > 2 THEN 'y' ELSE 'z' END",
		   "(case/else (> A INTEGER:1) CHAR(1):<x> (> A INTEGER:2) "
		   "CHAR(1):<y> CHAR(1):<z>)");
	check_expr("CASE a WHEN 1 THEN 2 END",
		   "(case/op A INTEGER:1 INTEGER:2)");
	check_expr("CAST(x AS VARCHAR(10))", "(cast:VARCHAR(n) X)");
	check_expr("CAST(x AS DOUBLE PRECISION)", "(cast:DOUBLE X)");
	check_expr("CAST(x AS INT)", "(cast:INTEGER X)");
	check_expr("CAST(x AS TIMESTAMP)", "(cast:TIMESTAMP X)");
	check_expr("a IS NULL", "(isnull A)");
	check_expr("a IS NOT NULL", "(not-isnull A)");
	check_expr("a IS UNKNOWN", "(isnull A)");
	check_expr("a IS TRUE", "(case/else A BOOLEAN:1 BOOLEAN:0)");
	check_expr("a IS NOT TRUE", "(case/else A BOOLEAN:0 BOOLEAN:1)");
	check_expr("a IS FALSE", "(case/else (NOT A) BOOLEAN:1 BOOLEAN:0)");
	check_expr("a LIKE 'a%'", "(like A CHAR(2):<a%>)");
	check_expr("a NOT LIKE 'a!%' ESCAPE '!'",
		   "(not-like A CHAR(3):<a!%> CHAR(1):<!>)");
	check_expr("a SIMILAR TO '[ab]+'", "(similar A CHAR(5):<[ab]+>)");
	check_expr("a NOT SIMILAR TO 'x' ESCAPE '\\'",
		   "(not-similar A CHAR(1):<x> CHAR(1):<\\>)");
	check_expr("a IN ('x', 'y', 'z')",
		   "(in A CHAR(1):<x> CHAR(1):<y> CHAR(1):<z>)");
	check_expr("a NOT IN (1)", "(not-in A INTEGER:1)");
	check_expr("a BETWEEN 1 AND 10", "(between A INTEGER:1 INTEGER:10)");
	check_expr("a NOT BETWEEN 1 AND 10",
		   "(not-between A INTEGER:1 INTEGER:10)");
	check_expr("a BETWEEN ASYMMETRIC 1 AND 2",
		   "(between A INTEGER:1 INTEGER:2)");
	check_expr("COUNT(*)", "COUNT/*()");
	check_expr("count(DISTINCT x)", "COUNT/distinct(X)");
	check_expr("SUM(ALL x)", "SUM(X)");
	check_expr("MAX(x) OVER w", "MAX(X)/over:W");
	check_expr("MAX(x) OVER (PARTITION BY k ROWS 5 PRECEDING)",
		   "MAX(X)/over()");
	check_expr("f()", "F()");
	check_expr("\"myFn\"(1, 2)", "myFn(INTEGER:1 INTEGER:2)");
	check_expr("s.ROWTIME", "S.ROWTIME");
	check_expr("\"S\".ROWTIME", "S.ROWTIME");
	check_expr("\"s\".\"rowtime\"", "s.rowtime");
	check_expr("ROWTIME", "ROWTIME");
	check_expr("value + \"user\"", "(+ VALUE user)");
}

static void test_special_forms(void)
{
	check_expr("FLOOR(ts TO MINUTE)", "FLOOR(TS VARCHAR(6):<MINUTE>kw)");
	check_expr("floor(ts to hour)", "FLOOR(TS VARCHAR(4):<HOUR>kw)");
	check_expr("CEIL(ts TO DAY)", "CEIL(TS VARCHAR(3):<DAY>kw)");
	check_expr("FLOOR(x)", "FLOOR(X)");
	check_expr("STEP(ROWTIME BY INTERVAL '10' SECOND)",
		   "STEP(ROWTIME INTERVAL_DS:10000)");
	check_expr("STEP(x BY 5)", "STEP(X INTEGER:5)");
	check_expr("SUBSTRING(s FROM 2 FOR 3)",
		   "SUBSTRING(S INTEGER:2 INTEGER:3)");
	check_expr("SUBSTRING(s FROM 2)", "SUBSTRING(S INTEGER:2)");
	check_expr("SUBSTRING(s, 2, 3)", "SUBSTRING(S INTEGER:2 INTEGER:3)");
	check_expr("POSITION('a' IN s)", "POSITION(CHAR(1):<a> S)");
	check_expr("POSITION('a' || b IN s)",
		   "POSITION((|| CHAR(1):<a> B) S)");
	check_expr("TRIM(s)", "TRIM(VARCHAR(4):<BOTH>kw CHAR(1):< > S)");
	check_expr("TRIM(BOTH 'x' FROM s)",
		   "TRIM(VARCHAR(4):<BOTH>kw CHAR(1):<x> S)");
	check_expr("TRIM(LEADING FROM s)",
		   "TRIM(VARCHAR(7):<LEADING>kw CHAR(1):< > S)");
	check_expr("TRIM(TRAILING '0' FROM s)",
		   "TRIM(VARCHAR(8):<TRAILING>kw CHAR(1):<0> S)");
	check_expr("TRIM('x' FROM s)",
		   "TRIM(VARCHAR(4):<BOTH>kw CHAR(1):<x> S)");
	check_expr("TRIM(FROM s)", "TRIM(VARCHAR(4):<BOTH>kw CHAR(1):< > S)");
	check_expr("OVERLAY(s PLACING 'ab' FROM 2 FOR 3)",
		   "OVERLAY(S CHAR(2):<ab> INTEGER:2 INTEGER:3)");
	check_expr("OVERLAY(s PLACING 'ab' FROM 2)",
		   "OVERLAY(S CHAR(2):<ab> INTEGER:2)");
	check_expr("EXTRACT(YEAR FROM ts)",
		   "EXTRACT(VARCHAR(4):<YEAR>kw TS)");
	check_expr("EXTRACT(second FROM INTERVAL '2 3:4:5.678' DAY TO SECOND)",
		   "EXTRACT(VARCHAR(6):<SECOND>kw INTERVAL_DS:183845678)");
	check_expr("CURRENT_ROW_TIMESTAMP", "CURRENT_ROW_TIMESTAMP()");
	check_expr("current_timestamp", "CURRENT_TIMESTAMP()");
	check_expr("LOCALTIMESTAMP", "LOCALTIMESTAMP()");
	check_expr("CURRENT_DATE", "CURRENT_DATE()");
	check_expr("CURRENT_ROW_TIMESTAMP()", "CURRENT_ROW_TIMESTAMP()");
	check_expr("TSDIFF(a, b)", "TSDIFF(A B)");
	check_expr("\"FLOOR\"(x, 'MINUTE')", "FLOOR(X CHAR(6):<MINUTE>)");
}

static void check_lit(const char *expr, enum ks_type t, int64_t v,
		      int32_t len, int scale)
{
	struct ks_script s;
	struct kc_buf q = KC_BUF_INIT;
	const struct ks_expr *e;

	kc_buf_addf(&q, "SELECT %s FROM s", expr);
	if (!parse_ok(q.data, &s)) {
		ok(0, "literal %s", expr);
		kc_buf_release(&q);
		return;
	}
	e = s.stmts[0].select->items[0].e;
	ok(e->kind == KS_E_LITERAL && e->lit_type.t == t && !e->lit.null &&
	   e->lit.u.i == v && e->lit_type.len == len &&
	   e->lit_type.scale == scale,
	   "literal %s: type %d value %" PRId64 " len %d scale %d", expr,
	   (int)t, v, (int)len, scale);
	ks_script_release(&s);
	kc_buf_release(&q);
}

static void test_literals(void)
{
	check_lit("0", KS_T_INTEGER, 0, 0, 0);
	check_lit("2147483647", KS_T_INTEGER, 2147483647, 0, 0);
	check_lit("-2147483648", KS_T_INTEGER, -2147483647LL - 1, 0, 0);
	check_lit("2147483648", KS_T_BIGINT, 2147483648LL, 0, 0);
	check_lit("-2147483649", KS_T_BIGINT, -2147483649LL, 0, 0);
	check_lit("9223372036854775807", KS_T_BIGINT, INT64_MAX, 0, 0);
	check_lit("-9223372036854775808", KS_T_BIGINT, INT64_MIN, 0, 0);
	check_lit("007", KS_T_INTEGER, 7, 0, 0);
	check_lit("12.5", KS_T_DECIMAL, 125, 3, 1);
	check_lit("1.50", KS_T_DECIMAL, 150, 3, 2);
	check_lit("-0.05", KS_T_DECIMAL, -5, 2, 2);
	check_lit(".5", KS_T_DECIMAL, 5, 1, 1);
	check_lit("5.", KS_T_DECIMAL, 5, 1, 0);
	check_lit("123456789012345.678", KS_T_DECIMAL, 123456789012345678LL,
		  18, 3);
	check_lit("TRUE", KS_T_BOOLEAN, 1, 0, 0);
	check_lit("false", KS_T_BOOLEAN, 0, 0, 0);
	check_lit("TIMESTAMP '2024-05-01 12:00:00'", KS_T_TIMESTAMP,
		  1714564800000LL, 0, 0);
	check_lit("TIMESTAMP '2024-05-01 12:00:00.25'", KS_T_TIMESTAMP,
		  1714564800250LL, 0, 0);
	check_lit("TIMESTAMP '1969-12-31 23:59:59.999'", KS_T_TIMESTAMP, -1,
		  0, 0);
	check_lit("TIMESTAMP '2024-02-29'", KS_T_TIMESTAMP, 1709164800000LL,
		  0, 0);
	check_lit("DATE '2024-05-01'", KS_T_DATE, 19844, 0, 0);
	check_lit("DATE '1970-01-01'", KS_T_DATE, 0, 0, 0);
	check_lit("INTERVAL '60' SECOND", KS_T_INTERVAL_DS, 60000, 0, 0);
	check_lit("INTERVAL '1' MINUTE", KS_T_INTERVAL_DS, 60000, 0, 0);
	check_lit("INTERVAL '2' HOUR", KS_T_INTERVAL_DS, 7200000, 0, 0);
	check_lit("INTERVAL '3' DAY", KS_T_INTERVAL_DS, 259200000, 0, 0);
	check_lit("INTERVAL '1.5' SECOND", KS_T_INTERVAL_DS, 1500, 0, 0);
	check_lit("INTERVAL '1:30' MINUTE TO SECOND", KS_T_INTERVAL_DS, 90000,
		  0, 0);
	check_lit("INTERVAL '1:30' HOUR TO MINUTE", KS_T_INTERVAL_DS, 5400000,
		  0, 0);
	check_lit("INTERVAL '1 2' DAY TO HOUR", KS_T_INTERVAL_DS, 93600000, 0,
		  0);
	check_lit("INTERVAL '1 02:03' DAY TO MINUTE", KS_T_INTERVAL_DS,
		  93780000, 0, 0);
	check_lit("INTERVAL '2 3:4:5.678' DAY TO SECOND", KS_T_INTERVAL_DS,
		  183845678, 0, 0);
	check_lit("INTERVAL '1:02:03' HOUR TO SECOND", KS_T_INTERVAL_DS,
		  3723000, 0, 0);
	check_lit("INTERVAL '100' DAY(3)", KS_T_INTERVAL_DS, 8640000000LL, 0,
		  0);
	check_lit("INTERVAL -'1' DAY", KS_T_INTERVAL_DS, -86400000, 0, 0);
	check_lit("INTERVAL '-1' DAY", KS_T_INTERVAL_DS, -86400000, 0, 0);
	check_lit("INTERVAL - '-1' DAY", KS_T_INTERVAL_DS, 86400000, 0, 0);
	check_lit("INTERVAL '+2' HOUR", KS_T_INTERVAL_DS, 7200000, 0, 0);
	check_lit("INTERVAL '1-2' YEAR TO MONTH", KS_T_INTERVAL_YM, 14, 0, 0);
	check_lit("INTERVAL '3' YEAR", KS_T_INTERVAL_YM, 36, 0, 0);
	check_lit("INTERVAL '5' MONTH", KS_T_INTERVAL_YM, 5, 0, 0);
	check_expr("1e3", "DOUBLE:1000");
	check_expr("1.5E-3", "DOUBLE:0.0015");
	check_expr("-2.5e+2", "DOUBLE:-250");
	check_expr("'it''s'", "CHAR(4):<it's>");
	check_expr("''", "CHAR(0):<>");
	check_expr("'h\xc3\xa9'", "CHAR(2):<h\xc3\xa9>");
	check_expr("NULL", "NULL:null");
	check_expr("UNKNOWN", "BOOLEAN:null");
	check_expr("'a\nb'", "CHAR(3):<a\nb>");
}

static void test_expr_sql(void)
{
	check_expr_sql("a+b*c", "A + B * C");
	check_expr_sql("(a+b)*c", "(A + B) * C");
	check_expr_sql("a-(b-c)", "A - (B - C)");
	check_expr_sql("(a-b)-c", "A - B - C");
	check_expr_sql("-(-1)", "-(-1)");
	check_expr_sql("- -a", "-(-A)");
	check_expr_sql("-(a+b)", "-(A + B)");
	check_expr_sql("NOT (a AND b)", "NOT (A AND B)");
	check_expr_sql("(NOT a) IS NULL", "(NOT A) IS NULL");
	check_expr_sql("(a OR b) AND c", "(A OR B) AND C");
	check_expr_sql("(a || b) LIKE c", "A || B LIKE C");
	check_expr_sql("a LIKE (b = c)", "A LIKE (B = C)");
	check_expr_sql("a BETWEEN (b OR c) AND d", "A BETWEEN (B OR C) AND D");
	check_expr_sql("1.0 * 2e0", "1.0 * 2E0");
	check_expr_sql("0.1e0", "0.1E0");
	check_expr_sql("'a''b'", "'a''b'");
	check_expr_sql("\"a\"\"b\"", "\"a\"\"b\"");
	check_expr_sql("\"select\" + \"Mixed\" + \"UP_1\"",
		       "\"select\" + \"Mixed\" + UP_1");
	check_expr_sql("TIMESTAMP '2024-05-01 12:00:00.5'",
		       "TIMESTAMP '2024-05-01 12:00:00.500'");
	check_expr_sql("TIMESTAMP '1960-01-01 00:00:01'",
		       "TIMESTAMP '1960-01-01 00:00:01'");
	check_expr_sql("DATE '2024-05-01'", "DATE '2024-05-01'");
	check_expr_sql("INTERVAL '60' SECOND", "INTERVAL '1' MINUTE");
	check_expr_sql("INTERVAL '90' SECOND",
		       "INTERVAL '1:30' MINUTE TO SECOND");
	check_expr_sql("INTERVAL '2 3:4:5.678' DAY TO SECOND",
		       "INTERVAL '2 03:04:05.678' DAY TO SECOND");
	check_expr_sql("INTERVAL -'1.5' SECOND", "INTERVAL '-1.500' SECOND");
	check_expr_sql("INTERVAL '14' MONTH", "INTERVAL '1-2' YEAR TO MONTH");
	check_expr_sql("INTERVAL '0' DAY", "INTERVAL '0' SECOND");
	check_expr_sql("CAST(x AS DECIMAL(10,2))", "CAST(X AS DECIMAL(10,2))");
	check_expr_sql("CAST(x AS NUMERIC)", "CAST(X AS DECIMAL(18,0))");
	check_expr_sql("CAST(x AS char)", "CAST(X AS CHAR(1))");
	check_expr_sql("CAST(x AS CHARACTER VARYING(5))",
		       "CAST(X AS VARCHAR(5))");
	check_expr_sql("CAST(x AS INTERVAL HOUR TO SECOND)",
		       "CAST(X AS INTERVAL DAY TO SECOND)");
	check_expr_sql("CASE WHEN a THEN 1 END", "CASE WHEN A THEN 1 END");
	check_expr_sql("case a when 1 then 2 else 3 end",
		       "CASE A WHEN 1 THEN 2 ELSE 3 END");
	check_expr_sql("a NOT IN (1, 2)", "A NOT IN (1, 2)");
	check_expr_sql("a NOT BETWEEN 1 AND 2", "A NOT BETWEEN 1 AND 2");
	check_expr_sql("a NOT LIKE 'x' ESCAPE '!'",
		       "A NOT LIKE 'x' ESCAPE '!'");
	check_expr_sql("a SIMILAR TO 'x'", "A SIMILAR TO 'x'");
	check_expr_sql("FLOOR(x TO MINUTE)", "FLOOR(X TO MINUTE)");
	check_expr_sql("STEP(x, 5)", "STEP(X BY 5)");
	check_expr_sql("SUBSTRING(s, 1, 2)", "SUBSTRING(S FROM 1 FOR 2)");
	check_expr_sql("POSITION('a' IN s)", "POSITION('a' IN S)");
	check_expr_sql("TRIM(s)", "TRIM(BOTH ' ' FROM S)");
	check_expr_sql("OVERLAY(s PLACING 'x' FROM 1)",
		       "OVERLAY(S PLACING 'x' FROM 1)");
	check_expr_sql("EXTRACT(HOUR FROM ts)", "EXTRACT(HOUR FROM TS)");
	check_expr_sql("CURRENT_ROW_TIMESTAMP", "CURRENT_ROW_TIMESTAMP");
	check_expr_sql("COUNT(*)", "COUNT(*)");
	check_expr_sql("COUNT(DISTINCT a)", "COUNT(DISTINCT A)");
	check_expr_sql("SUM(a) OVER (w PARTITION BY b ORDER BY ROWTIME "
		       "ROWS UNBOUNDED PRECEDING)",
		       "SUM(A) OVER (W PARTITION BY B ORDER BY ROWTIME ROWS "
		       "UNBOUNDED PRECEDING)");
	check_expr_sql("\"floor\"(1)", "\"floor\"(1)");
	check_expr_sql("a IS NOT TRUE", "CASE WHEN A THEN FALSE ELSE TRUE END");
}

/* ---- statements ---- */

static void test_statements(void)
{
	check_sql("select distinct a, b as \"B b\", c d, t.* from s as t "
		  "where x > 1 group by a, b having count(*) > 2 "
		  "order by 1 desc nulls last, b asc nulls first limit 10",
		  "SELECT DISTINCT A, B AS \"B b\", C AS D, T.* FROM S AS T "
		  "WHERE X > 1 GROUP BY A, B HAVING COUNT(*) > 2 ORDER BY 1 "
		  "DESC NULLS LAST, B NULLS FIRST LIMIT 10", "ad-hoc SELECT");
	check_sql("SELECT a FROM s FETCH FIRST 5 ROWS ONLY",
		  "SELECT A FROM S LIMIT 5", "FETCH FIRST n ROWS ONLY");
	check_sql("SELECT a FROM s FETCH NEXT ROW ONLY",
		  "SELECT A FROM S LIMIT 1", "FETCH NEXT ROW ONLY");
	check_sql("SELECT ALL a FROM s", "SELECT A FROM S", "SELECT ALL");
	check_sql("SELECT STREAM a FROM s UNION ALL SELECT STREAM b FROM t "
		  "UNION ALL SELECT STREAM c FROM u",
		  "SELECT STREAM A FROM S UNION ALL SELECT STREAM B FROM T "
		  "UNION ALL SELECT STREAM C FROM U", "UNION ALL");
	check_sql("SELECT * FROM (SELECT a FROM s) x",
		  "SELECT * FROM (SELECT A FROM S) AS X", "subquery in FROM");
	check_sql("SELECT * FROM (SELECT a FROM s ORDER BY a LIMIT 3)",
		  "SELECT * FROM (SELECT A FROM S ORDER BY A LIMIT 3)",
		  "subquery without alias");
	check_sql("SELECT STREAM * FROM o AS o JOIN t OVER (RANGE INTERVAL '1' "
		  "MINUTE PRECEDING) AS t ON o.id = t.id",
		  "SELECT STREAM * FROM O AS O JOIN T OVER (RANGE INTERVAL '1' "
		  "MINUTE PRECEDING) AS T ON O.ID = T.ID", "stream join OVER");
	check_sql(
		"SELECT * FROM a LEFT OUTER JOIN b ON TRUE RIGHT JOIN c ON "
		"TRUE FULL OUTER JOIN d ON TRUE INNER JOIN e ON TRUE CROSS "
		"JOIN f, g",
		"SELECT * FROM A LEFT JOIN B ON TRUE RIGHT JOIN C ON TRUE "
		"FULL JOIN D ON TRUE JOIN E ON TRUE CROSS JOIN F CROSS JOIN G",
		"join kinds");
	check_sql(
		"SELECT * FROM a JOIN b AS x OVER (ROWS 3 PRECEDING) ON 1 = 1",
		"SELECT * FROM A JOIN B OVER (ROWS 3 PRECEDING) AS X ON 1 = 1",
		"OVER after the alias");
	check_sql("SELECT SUM(x) OVER w2 FROM s WINDOW w1 AS (PARTITION BY a "
		  "ROWS 10 PRECEDING), w2 AS (w1 RANGE CURRENT ROW)",
		  "SELECT SUM(X) OVER W2 FROM S WINDOW W1 AS (PARTITION BY A "
		  "ROWS 10 PRECEDING), W2 AS (W1 RANGE INTERVAL '0' SECOND "
		  "PRECEDING)", "several windows");
	check_sql("SELECT AVG(x) OVER (ORDER BY ROWTIME RANGE BETWEEN "
		  "INTERVAL '5' SECOND PRECEDING AND CURRENT ROW) FROM s",
		  "SELECT AVG(X) OVER (ORDER BY ROWTIME RANGE INTERVAL '5' "
		  "SECOND PRECEDING) FROM S", "BETWEEN ... AND CURRENT ROW");
	check_sql(
		"CREATE STREAM s (a TINYINT, b SMALLINT, c INT, d INTEGER "
		"NOT NULL, e BIGINT NULL, f REAL, g DOUBLE, h DECIMAL(10,2), "
		"i VARCHAR(8), j CHAR(3), k BOOLEAN, l TIMESTAMP, m DATE, "
		"n FLOAT, o FLOAT(10), p NUMERIC(5), q DEC, r CHARACTER, "
		"s2 VARCHAR, t TIMESTAMP(3) WITHOUT TIME ZONE) "
		"DESCRIPTION 'all types'",
		"CREATE STREAM S (A TINYINT, B SMALLINT, C INTEGER, D INTEGER "
		"NOT NULL, E BIGINT, F REAL, G DOUBLE, H DECIMAL(10,2), "
		"I VARCHAR(8), J CHAR(3), K BOOLEAN, L TIMESTAMP, M DATE, "
		"N DOUBLE, O REAL, P DECIMAL(5,0), Q DECIMAL(18,0), "
		"R CHAR(1), S2 VARCHAR, T TIMESTAMP)",
		"every column type");
	check_sql(
		"CREATE PUMP p AS INSERT INTO d (a, \"b\") SELECT STREAM x, y "
		"FROM s",
		"CREATE PUMP P AS INSERT INTO D (A, \"b\") SELECT STREAM X, Y "
		"FROM S",
		"pump with a column list");
	check_sql(";;SELECT a FROM s;;SELECT b FROM t;",
		  "SELECT A FROM S; SELECT B FROM T", "empty statements");
	check_sql("SELECT a FROM s", "SELECT A FROM S", "no final ';'");
	check_sql("SELECT \"a\"\"b\", \"select\", \"Ab\" FROM \"my stream\"",
		  "SELECT \"a\"\"b\", \"select\", \"Ab\" FROM \"my stream\"",
		  "quoted identifiers");
	check_sql("select Abc, aBC, \"ABC\", \"abc\" from S",
		  "SELECT ABC, ABC, ABC, \"abc\" FROM S",
		  "unquoted names fold to upper case");
	check_sql("SELECT a$b, _x FROM s", "SELECT A$B, _X FROM S",
		  "$ and _ in names");
	check_sql("-- head\nSELECT /* inline */ a -- tail\n/* multi\nline */ "
		  "FROM s /**/;-- end",
		  "SELECT A FROM S", "comments");
	check_sql("SELECT a--b\nFROM s", "SELECT A FROM S", "-- right after a "
		  "name");
	check_sql("SELECT a-b/*c*/FROM s", "SELECT A - B FROM S",
		  "/* */ between tokens");
	check_sql("SELECT '--not a comment', '/*nor this*/' FROM s",
		  "SELECT '--not a comment', '/*nor this*/' FROM S",
		  "comment markers inside strings");
	check_sql("SELECT value, user, timestamp, date, range FROM s",
		  "SELECT VALUE, USER, TIMESTAMP, DATE, RANGE FROM S",
		  "non-reserved words as names");
	check_sql("SELECT TABLE FROM TABLE", "SELECT TABLE FROM TABLE",
		  "TABLE as a name");
	check_sql("\xEF\xBB\xBFSELECT a FROM s", "SELECT A FROM S",
		  "a UTF-8 byte order mark is skipped");
	check_error("\xEF\xBB\xBFSELECT a FROM s WHERE", "1:22: expected "
		    "an expression, found end of input");
}

static void test_positions(void)
{
	struct ks_script s;
	const struct ks_select *q;

	if (!parse_ok("\n  SELECT\ta,\n\t\"\xc3\xa9t\xc3\xa9\" + b\n"
		      "FROM s /* x\n y */ WHERE c = 'd\xc3\xa9j\xc3\xa0' AND e",
		      &s))
		return;
	q = s.stmts[0].select;
	is_int(s.stmts[0].pos.line, 2, "statement line");
	is_int(s.stmts[0].pos.col, 3, "statement column");
	is_int(q->items[0].e->pos.col, 10, "tab counts as one column");
	is_int(q->items[1].e->pos.line, 3, "item line");
	is_int(q->items[1].e->pos.col, 8, "'+' after a UTF-8 name: column");
	is_int(q->items[1].e->args[1]->pos.col, 10, "'b' column");
	is_str(q->items[1].e->args[0]->name, "\xc3\xa9t\xc3\xa9",
	       "UTF-8 in a quoted name");
	is_int(q->where->pos.line, 5, "AND line (after a comment)");
	is_int(q->where->pos.col, 24, "AND column (UTF-8 string)");
	is_int(q->where->args[0]->args[1]->lit_type.len, 4,
	       "CHAR length counts characters");
	is_int(q->where->args[0]->args[1]->lit.u.s.n, 6, "bytes of the string");
	is_int(q->from.pos.line, 4, "FROM item line");
	is_int(q->from.pos.col, 6, "FROM item column");
	ks_script_release(&s);
}

static void test_reserved(void)
{
	static const char *const words[] = {
		"ALL", "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CREATE",
		"CROSS", "CURRENT_DATE", "CURRENT_ROW_TIMESTAMP",
		"CURRENT_TIMESTAMP", "DISTINCT", "ELSE", "END", "ESCAPE",
		"EXCEPT", "FALSE", "FETCH", "FROM", "FULL", "GROUP", "HAVING",
		"IN", "INNER", "INSERT", "INTERSECT", "INTERVAL", "INTO", "IS",
		"JOIN", "LEFT", "LIKE", "LIMIT", "LOCALTIMESTAMP", "NATURAL",
		"NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER",
		"RIGHT", "SELECT", "SIMILAR", "STREAM", "THEN", "TRUE", "UNION",
		"UNKNOWN", "USING", "WHEN", "WHERE", "WINDOW", "WINDOWED",
	};
	size_t i, found = 0;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		found += ks_lex_reserved(words[i]);
	is_int(found, sizeof(words) / sizeof(words[0]),
	       "every reserved word is found (the table is sorted)");
	ok(!ks_lex_reserved("VALUE") && !ks_lex_reserved("ROWTIME") &&
	   !ks_lex_reserved("TIMESTAMP") && !ks_lex_reserved("select"),
	   "common column names are not reserved");
}

static void test_errors(void)
{
	check_error("SELECT ABS(x;", "1:13: expected ')' after the argument "
		    "list of 'ABS', found ';'");
	check_error("SELECT a,\n  'abc FROM s", "2:3: unterminated string "
		    "literal");
	check_error("CREATE STREAM s (a VARCHR(4))", "1:20: unknown type "
		    "'VARCHR'");
	check_error("CREATE STREAM s (\n\ta INTEGER,\n\tb varchr)",
		    "3:4: unknown type 'varchr'");
	check_error("SELECT a FROM s WHERE", "1:22: expected an expression, "
		    "found end of input");
	check_error("SELECT a FROM", "1:14: expected a stream or table name "
		    "after FROM, found end of input");
	check_error("SELECT a FROM order", "1:15: expected a stream or table "
		    "name after FROM, found reserved word 'order' (write "
		    "\"ORDER\" to use it as a name)");
	check_error("SELECT a b c FROM s", "1:12: expected FROM after the "
		    "select list, found 'c'");
	check_error("SELECT a FROM s /* never closed", "1:17: unterminated "
		    "comment");
	check_error("SELECT \"\" FROM s", "1:8: zero-length quoted identifier");
	check_error("SELECT \"abc FROM s", "1:8: unterminated quoted "
		    "identifier");
	check_error("SELECT a # b FROM s", "1:10: unexpected character '#'");
	check_error("SELECT a FROM s\nWHERE\t\xc3\xa9 > 1",
		    "2:7: unexpected character '\xc3\xa9'");
	check_error("SELECT 12abc FROM s", "1:8: invalid numeric literal "
		    "'12abc'");
	check_error("SELECT 1e FROM s", "1:8: invalid numeric literal '1e'");
	check_error("SELECT 99999999999999999999 FROM s", "1:8: integer "
		    "literal '99999999999999999999' is out of range for "
		    "BIGINT");
	check_error("SELECT 9223372036854775808 FROM s", "1:8: integer "
		    "literal '9223372036854775808' is out of range for "
		    "BIGINT");
	check_error("SELECT 1.2345678901234567890 FROM s", "1:8: numeric "
		    "literal '1.2345678901234567890' has more than 18 digits "
		    "(the precision of DECIMAL)");
	check_error("SELECT 1e999 FROM s", "1:8: numeric literal '1e999' is "
		    "out of range");
	check_error("SELECT TIMESTAMP '2024-13-01 00:00:00' FROM s",
		    "1:18: invalid TIMESTAMP literal '2024-13-01 00:00:00'");
	check_error("SELECT DATE '2023-02-29' FROM s", "1:13: invalid DATE "
		    "literal '2023-02-29'");
	check_error("SELECT INTERVAL '1:70' MINUTE TO SECOND FROM s",
		    "1:17: invalid INTERVAL literal '1:70' for MINUTE TO "
		    "SECOND");
	check_error("SELECT INTERVAL 'x' DAY FROM s", "1:17: invalid INTERVAL "
		    "literal 'x' for DAY");
	check_error("SELECT INTERVAL '1' FORTNIGHT FROM s", "1:21: expected "
		    "YEAR, MONTH, DAY, HOUR, MINUTE or SECOND after INTERVAL "
		    "'1', found 'FORTNIGHT'");
	check_error("SELECT INTERVAL '1' MONTH TO DAY FROM s", "1:30: invalid "
		    "interval qualifier MONTH TO DAY");
	check_error("SELECT INTERVAL 1 DAY FROM s", "1:17: expected a quoted "
		    "value such as '1' after INTERVAL, found '1'");
	check_error("SELECT a FROM s UNION SELECT b FROM t", "1:17: UNION "
		    "without ALL is not supported; use UNION ALL");
	check_error("CREATE PUMP p INSERT INTO x SELECT a FROM s", "1:15: "
		    "expected AS after the pump name 'P', found 'INSERT'");
	check_error("CREATE OR REPLACE PUMP p AS INSERT INTO x VALUES (1)",
		    "1:43: expected SELECT after INSERT INTO X, found "
		    "'VALUES'");
	check_error("CREATE TABLE t (a INT)", "1:8: expected STREAM or PUMP "
		    "after CREATE, found 'TABLE'");
	check_error("CREATE OR STREAM s (a INT)", "1:11: expected REPLACE "
		    "after CREATE OR, found 'STREAM'");
	check_error("DROP STREAM s", "1:1: expected a statement (CREATE "
		    "STREAM, CREATE PUMP or SELECT), found 'DROP'");
	check_error("SELECT CASE WHEN a THEN 1 FROM s", "1:27: expected END "
		    "to close CASE, found 'FROM'");
	check_error("SELECT CASE a END FROM s", "1:15: expected WHEN in CASE, "
		    "found 'END'");
	check_error("SELECT CASE WHEN a 1 END FROM s", "1:20: expected THEN "
		    "after the WHEN condition, found '1'");
	check_error(
		"SELECT FLOOR(ts TO FORTNIGHT) FROM s",
		"1:20: expected a "
		"time unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND...) after "
		"TO in FLOOR, found 'FORTNIGHT'");
	check_error("CREATE STREAM s (a DECIMAL(19,5))", "1:28: DECIMAL "
		    "precision 19 is out of range (1 to 18)");
	check_error("CREATE STREAM s (a DECIMAL(4,5))", "1:28: DECIMAL scale "
		    "5 is larger than its precision 4");
	check_error("CREATE STREAM s (a VARCHAR(0))", "1:28: invalid length 0 "
		    "for VARCHAR");
	check_error("CREATE STREAM s (a VARCHAR(x))", "1:28: expected an "
		    "integer in the length of VARCHAR, found 'x'");
	check_error("CREATE STREAM s (a INT NOT 5)", "1:28: expected NULL "
		    "after NOT, found '5'");
	check_error("CREATE STREAM s (a INT b INT)", "1:24: expected ')' or "
		    "',' in the column list of stream 'S', found 'b'");
	check_error("CREATE STREAM s ()", "1:18: expected a column name in "
		    "the column list of stream 'S', found ')'");
	check_error("CREATE STREAM select (a INT)", "1:15: expected a stream "
		    "name after CREATE STREAM, found reserved word 'select' "
		    "(write \"SELECT\" to use it as a name)");
	check_error("CREATE STREAM s (a INT, end INT)", "1:25: expected a "
		    "column name in the column list of stream 'S', found "
		    "reserved word 'end' (write \"END\" to use it as a name)");
	check_error("SELECT CAST(x AS TIME) FROM s", "1:18: type TIME is not "
		    "supported");
	check_error("SELECT CAST(x INT) FROM s", "1:15: expected AS after the "
		    "operand of CAST, found 'INT'");
	check_error("SELECT a FROM s; garbage", "1:18: expected a statement "
		    "(CREATE STREAM, CREATE PUMP or SELECT), found 'garbage'");
	check_error(
		"SELECT a FROM s SELECT b FROM t",
		"1:17: expected ';' or "
		"the end of the script after the statement, found 'SELECT'");
	check_error("", "1:1: the script has no statements");
	check_error("-- only a comment\n;", "2:2: the script has no "
		    "statements");
	check_error("SELECT a FROM s LEFT JOIN t WHERE x", "1:29: expected ON "
		    "after the joined stream, found 'WHERE'");
	check_error("SELECT a FROM s LEFT t ON x", "1:22: expected JOIN after "
		    "LEFT, found 't'");
	check_error("SELECT a FROM s JOIN t USING (a)", "1:24: JOIN ... USING "
		    "is not supported; use ON");
	check_error("SELECT a FROM s NATURAL JOIN t", "1:17: NATURAL JOIN is "
		    "not supported; use JOIN ... ON");
	check_error("SELECT x IN (SELECT 1 FROM t) FROM s", "1:14: subqueries "
		    "are not supported in IN");
	check_error("SELECT (SELECT 1 FROM t) FROM s", "1:9: subqueries are "
		    "not supported in expressions");
	check_error("SELECT 'x' || y FROM s WHERE ABS(x", "1:35: expected ')' "
		    "after the argument list of 'ABS', found end of input");
	check_error("SELECT '\xc3\xa9' || y FROM s WHERE ABS(x", "1:35: "
		    "expected ')' after the argument list of 'ABS', found end "
		    "of input");
	check_error("SELECT a.b.c FROM s", "1:11: a column name has at most "
		    "one qualifier");
	check_error("SELECT a. FROM s", "1:11: expected a column name after "
		    "'A.', found 'FROM'");
	check_error("SELECT a FROM s WINDOW w AS (PARTITION BY a RANGE "
		    "INTERVAL '1' MINUTE FOLLOWING)", "1:71: FOLLOWING is not "
		    "supported: a streaming window ends at the current row");
	check_error("SELECT a FROM s WINDOW w (ROWS 1 PRECEDING)", "1:26: "
		    "expected AS after the window name 'W', found '('");
	check_error("SELECT a FROM s WINDOW w AS (ROWS 1)", "1:36: expected "
		    "PRECEDING after the window's extent, found ')'");
	check_error("SELECT SUM(a) OVER (ORDER BY a DESC) FROM s", "1:32: a "
		    "window's ORDER BY cannot be DESC: rows arrive in time "
		    "order");
	check_error("SELECT a FROM s WINDOWED BY STAGGER (RANGE INTERVAL '1' "
		    "MINUTE)", "1:38: expected PARTITION in STAGGER (...), "
		    "found 'RANGE'");
	check_error("SELECT a FROM s WINDOWED BY STAGGER (PARTITION BY a)",
		    "1:52: expected RANGE after the PARTITION BY list of "
		    "STAGGER, found ')'");
	check_error("SELECT a IS 5 FROM s", "1:13: expected NULL, TRUE, FALSE "
		    "or UNKNOWN after IS, found '5'");
	check_error("SELECT a IS DISTINCT FROM b FROM s", "1:13: IS DISTINCT "
		    "FROM is not supported");
	check_error("SELECT a FROM s ORDER BY a NULLS MIDDLE", "1:34: expected "
		    "FIRST or LAST after NULLS, found 'MIDDLE'");
	check_error("SELECT COUNT(*) OVER FROM s", "1:22: expected a window "
		    "name or '(' after OVER, found 'FROM'");
	check_error("SELECT a FROM s OFFSET 5", "1:17: OFFSET is not "
		    "supported");
	check_error("SELECT a FROM s EXCEPT SELECT a FROM t", "1:17: EXCEPT "
		    "is not supported");
	check_error("SELECT a FROM s FETCH FIRST 5 ROWS", "1:35: expected ONLY "
		    "in FETCH FIRST n ROWS ONLY, found end of input");
	check_error("SELECT TRIM(LEADING s) FROM s", "1:22: expected FROM in "
		    "TRIM, found ')'");
	check_error("SELECT OVERLAY(s PLACING 'x' 1) FROM s", "1:30: expected "
		    "FROM in OVERLAY after PLACING, found '1'");
	check_error("SELECT * FROM TABLE(1)", "1:21: expected a table function "
		    "call in TABLE(...), found '1'");
	check_error("SELECT * FROM (a)", "1:16: expected SELECT in a subquery, "
		    "found 'a'");
	check_error("SELECT CURSOR(a) FROM s", "1:15: expected SELECT in "
		    "CURSOR(...), found 'a'");
	check_error("SELECT a FROM s WHERE a IN ()", "1:29: expected an "
		    "expression, found ')'");
	check_error("SELECT a FROM s WHERE b BETWEEN 1 OR 2", "1:35: expected "
		    "AND after the lower bound of BETWEEN, found 'OR'");
	check_error("SELECT a FROM s WHERE b SIMILAR 'x'", "1:33: expected TO "
		    "after SIMILAR, found string 'x'");
	check_error("SELECT a FROM s WHERE b = 'a very long string literal "
		    "indeed' 'x'",
		    "1:63: expected ';' or the end of the script "
		    "after the statement, found string 'x'");
	check_error("SELECT a FROM s WHERE b = 1 'a very long string literal "
		    "indeed, longer than forty'",
		    "1:29: expected ';' or the end "
		    "of the script after the statement, found string 'a very "
		    "long string literal indeed, long...'");
	check_error("SELECT a, FROM s", "1:11: expected an expression, found "
		    "'FROM'");
	check_error("SELECT a FROM s WHERE x = 1 |", "1:29: unexpected "
		    "character '|'");
	check_error("SELECT a ! b FROM s", "1:10: unexpected character '!'");
	check_error("SELECT a FROM s\n\n   WHERE (a + b", "3:16: expected ')' "
		    "after the expression in parentheses, found end of input");
}

/* An error found by the lexer ahead of the parser's position is reported
 * only when the parser reaches it: errors come in the order of the text. */
static void test_error_order(void)
{
	check_error("SELECT a FROM s WHERE )) 'unterminated",
		    "1:23: expected an expression, found ')'");
	check_error("SELECT a FROM s WHERE x = 'unterminated",
		    "1:27: unterminated string literal");
}

static void test_depth(void)
{
	struct kc_buf b = KC_BUF_INIT;
	int i, parsed;
	char *got;

	kc_buf_adds(&b, "SELECT ");
	for (i = 0; i < 90; i++)
		kc_buf_adds(&b, "(-");
	kc_buf_adds(&b, "1");
	for (i = 0; i < 90; i++)
		kc_buf_adds(&b, ")");
	kc_buf_adds(&b, " FROM s");
	got = script_sql(b.data, &parsed);
	ok(parsed, "90 nested parentheses and signs parse");
	free(got);
	kc_buf_reset(&b);
	kc_buf_adds(&b, "SELECT ");
	for (i = 0; i < 100000; i++)
		kc_buf_adds(&b, "(");
	got = script_sql(b.data, &parsed);
	is_str(got, "1:207: nested too deeply (more than 200 levels)",
	       "100000 parentheses: an error, not a crash");
	free(got);
	kc_buf_reset(&b);
	kc_buf_adds(&b, "SELECT * FROM ");
	for (i = 0; i < 100000; i++)
		kc_buf_adds(&b, "(SELECT * FROM ");
	got = script_sql(b.data, &parsed);
	is_str(got, "1:3001: nested too deeply (more than 200 levels)",
	       "deeply nested subqueries: an error");
	free(got);
	kc_buf_reset(&b);
	kc_buf_adds(&b, "SELECT ");
	for (i = 0; i < 100000; i++)
		kc_buf_adds(&b, "NOT ");
	got = script_sql(b.data, &parsed);
	ok(!parsed && strstr(got, "nested too deeply"),
	   "deep NOT: an error");
	free(got);
	kc_buf_reset(&b);
	kc_buf_adds(&b, "SELECT ");
	for (i = 0; i < 100000; i++)
		kc_buf_adds(&b, "- ");
	got = script_sql(b.data, &parsed);
	ok(!parsed && strstr(got, "nested too deeply"),
	   "deep minus signs: an error");
	free(got);
	kc_buf_release(&b);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		check_sql(examples[i].sql, examples[i].want, examples[i].name);
	test_example_trees();
	test_precedence();
	test_expression_forms();
	test_special_forms();
	test_literals();
	test_expr_sql();
	test_statements();
	test_positions();
	test_reserved();
	test_errors();
	test_error_order();
	test_depth();
	return done_testing();
}
