/*
 * ksql_value.c: unit tests of ksql's values (cmd/ksql/value.c, time.c):
 * type names and rules with their messages, operators with NULLs,
 * overflow and division by zero, comparisons, hashing, casts, text and
 * JSON forms, and LIKE.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../cmd/ksql/ksql.h"
#include "../../cmd/ksql/func.h"
#include "banned.h"

static struct ks_arena arena;
static struct ks_rowerr rerr;
static struct ks_eval_ctx ctx = { &arena, 0, 0, &rerr };
static char out[4][1024];
static int outi;

/* A type from its name, dying on a bad name (test bug). */
static struct ks_sqltype ty(const char *name)
{
	struct ks_sqltype t;
	char msg[128];

	if (!strcmp(name, "NULL")) {
		memset(&t, 0, sizeof(t));
		return t;
	}
	if (!strcmp(name, "INTERVAL_DS") || !strcmp(name, "INTERVAL_YM")) {
		memset(&t, 0, sizeof(t));
		t.t = name[9] == 'D' ? KS_T_INTERVAL_DS : KS_T_INTERVAL_YM;
		return t;
	}
	if (ks_type_parse(name, strlen(name), &t, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bad test type %s: %s\n", name, msg);
		exit(2);
	}
	return t;
}

static const char *tname(const struct ks_sqltype *t)
{
	struct kc_buf b = KC_BUF_INIT;
	char *r = out[outi++ & 3];

	ks_type_format(t, &b);
	snprintf(r, 1024, "%s", b.data ? b.data : "");
	kc_buf_release(&b);
	return r;
}

/* A value of type t from text (NULL: SQL NULL); dies on failure. */
static struct ks_value val(const char *s, const struct ks_sqltype *t)
{
	struct ks_value v;

	if (!s) {
		v.null = 1;
		return v;
	}
	if (ks_from_text(&ctx, s, strlen(s), t, &v) < 0) {
		fprintf(stderr, "bad test value %s: %s\n", s, rerr.msg);
		exit(2);
	}
	return v;
}

static const char *text(const struct ks_value *v, const struct ks_sqltype *t)
{
	struct kc_buf b = KC_BUF_INIT;
	char *r = out[outi++ & 3];

	if (v->null)
		snprintf(r, 1024, "NULL");
	else {
		ks_value_text(v, t, &b);
		snprintf(r, 1024, "%s", b.data ? b.data : "");
	}
	kc_buf_release(&b);
	return r;
}

static const char *json(const struct ks_value *v, const struct ks_sqltype *t)
{
	struct kc_buf b = KC_BUF_INIT;
	char *r = out[outi++ & 3];

	ks_value_json(v, t, &b);
	snprintf(r, 1024, "%s", b.data ? b.data : "");
	kc_buf_release(&b);
	return r;
}

/*
 * a OP b: "TYPE value" of the result, "type error: msg" when the type
 * rules refuse it, or "NAME: msg" for a row error.
 */
static const char *ev(enum ks_op op, const char *at, const char *a,
		      const char *bt, const char *b)
{
	struct ks_sqltype x = ty(at), y = ty(bt), rt;
	struct ks_value va = val(a, &x), vb = val(b, &y), r;
	char msg[256], *o;

	o = out[outi++ & 3];
	if (ks_type_binary(op, &x, &y, &rt, msg, sizeof(msg)) < 0) {
		snprintf(o, 1024, "type error: %s", msg);
		return o;
	}
	if (ks_eval_binary(&ctx, op, &va, &x, &vb, &y, &rt, &r) < 0) {
		snprintf(o, 1024, "%s: %s", rerr.name, rerr.msg);
		return o;
	}
	snprintf(o, 1024, "%s %s", tname(&rt), text(&r, &rt));
	return o;
}

static const char *ev1(enum ks_op op, const char *at, const char *a)
{
	struct ks_sqltype x = ty(at), rt;
	struct ks_value va = val(a, &x), r;
	char msg[256], *o;

	o = out[outi++ & 3];
	if (ks_type_unary(op, &x, &rt, msg, sizeof(msg)) < 0) {
		snprintf(o, 1024, "type error: %s", msg);
		return o;
	}
	if (ks_eval_unary(&ctx, op, &va, &x, &rt, &r) < 0) {
		snprintf(o, 1024, "%s: %s", rerr.name, rerr.msg);
		return o;
	}
	snprintf(o, 1024, "%s %s", tname(&rt), text(&r, &rt));
	return o;
}

/* CAST(a AS to): the text of the result or "NAME: msg". */
static const char *cast(const char *from, const char *a, const char *to)
{
	struct ks_sqltype x = ty(from), y = ty(to);
	struct ks_value va = val(a, &x), r;
	char *o = out[outi++ & 3];

	if (ks_cast(&ctx, &va, &x, &y, &r) < 0)
		snprintf(o, 1024, "%s: %s", rerr.name, rerr.msg);
	else
		snprintf(o, 1024, "%s", text(&r, &y));
	return o;
}

/* Text to type: the text form back, or "NAME: msg". */
static const char *conv(const char *s, const char *t)
{
	struct ks_sqltype y = ty(t);
	struct ks_value r;
	char *o = out[outi++ & 3];

	if (ks_from_text(&ctx, s, strlen(s), &y, &r) < 0)
		snprintf(o, 1024, "%s: %s", rerr.name, rerr.msg);
	else
		snprintf(o, 1024, "%s", text(&r, &y));
	return o;
}

static const char *tparse(const char *s)
{
	struct ks_sqltype t;
	char msg[128], *o = out[outi++ & 3];

	if (ks_type_parse(s, strlen(s), &t, msg, sizeof(msg)) < 0)
		snprintf(o, 1024, "error: %s", msg);
	else
		snprintf(o, 1024, "%s%s", tname(&t),
			 t.not_null ? " NOT NULL" : "");
	return o;
}

static const char *common(const char *a, const char *b)
{
	struct ks_sqltype x = ty(a), y = ty(b), r;
	char msg[128], *o = out[outi++ & 3];

	if (ks_type_common(&x, &y, &r, msg, sizeof(msg)) < 0)
		snprintf(o, 1024, "error: %s", msg);
	else
		snprintf(o, 1024, "%s", tname(&r));
	return o;
}

static int like(const char *pat, const char *esc, const char *s)
{
	struct ks_like *l;
	char msg[128];
	int r;

	if (ks_like_compile(pat, strlen(pat), esc, esc ? strlen(esc) : 0, &l,
			    msg, sizeof(msg)) < 0)
		return -1;
	r = ks_like_match(l, s, strlen(s));
	ks_like_free(l);
	return r;
}

static const char *dbl(double d, int real)
{
	char *o = out[outi++ & 3];

	ks_fmt_double(d, real, o);
	return o;
}

static void test_types(void)
{
	is_str(tparse("varchar(4)"), "VARCHAR(4)", "type VARCHAR(4)");
	is_str(tparse("CHARACTER VARYING(10)"), "VARCHAR(10)", "CHARACTER VARYING");
	is_str(tparse("char"), "CHAR(1)", "CHAR default length 1");
	is_str(tparse("CHARACTER(3)"), "CHAR(3)", "CHARACTER(3)");
	is_str(tparse("INT"), "INTEGER", "INT");
	is_str(tparse("integer"), "INTEGER", "integer");
	is_str(tparse("TINYINT"), "TINYINT", "TINYINT");
	is_str(tparse("SMALLINT"), "SMALLINT", "SMALLINT");
	is_str(tparse("BIGINT"), "BIGINT", "BIGINT");
	is_str(tparse("DECIMAL(10,2)"), "DECIMAL(10,2)", "DECIMAL(10,2)");
	is_str(tparse("numeric( 5 , 1 )"), "DECIMAL(5,1)", "NUMERIC with blanks");
	is_str(tparse("DEC(7)"), "DECIMAL(7,0)", "DEC(7)");
	is_str(tparse("DECIMAL"), "DECIMAL(18,0)", "DECIMAL default");
	is_str(tparse("REAL"), "REAL", "REAL");
	is_str(tparse("FLOAT"), "DOUBLE", "FLOAT is DOUBLE");
	is_str(tparse("double precision"), "DOUBLE", "DOUBLE PRECISION");
	is_str(tparse("DOUBLE"), "DOUBLE", "DOUBLE");
	is_str(tparse("BOOLEAN"), "BOOLEAN", "BOOLEAN");
	is_str(tparse("TIMESTAMP"), "TIMESTAMP", "TIMESTAMP");
	is_str(tparse("DATE"), "DATE", "DATE");
	is_str(tparse("BIGINT NOT NULL"), "BIGINT NOT NULL", "NOT NULL");
	is_str(tparse("VARCHAR(8) NOT NULL"), "VARCHAR(8) NOT NULL",
	       "VARCHAR(8) NOT NULL");
	is_str(tparse("VARCHAR"), "VARCHAR", "VARCHAR without length");
	is_str(tparse("BLOB"), "error: unknown type 'BLOB'", "unknown type");
	is_str(tparse("VARCHAR(0)"),
	       "error: VARCHAR length must be between 1 and 65534",
	       "VARCHAR(0)");
	is_str(tparse("DECIMAL(19,2)"),
	       "error: DECIMAL precision must be between 1 and 18",
	       "DECIMAL(19,2)");
	is_str(tparse("DECIMAL(4,5)"),
	       "error: DECIMAL scale must not exceed its precision",
	       "DECIMAL scale > precision");
	is_str(tparse("INTEGER(3)"), "error: unknown type 'INTEGER(3)'",
	       "INTEGER(3)");
	is_str(tparse("VARCHAR(4"), "error: unknown type 'VARCHAR(4'",
	       "unclosed parenthesis");
	is_str(tparse("DOUBLE TROUBLE"), "error: unknown type 'DOUBLE TROUBLE'",
	       "trailing word");
	ok(ks_type_is_numeric(KS_T_DECIMAL) && !ks_type_is_numeric(KS_T_VARCHAR),
	   "is_numeric");
	ok(ks_type_is_integer(KS_T_BIGINT) && !ks_type_is_integer(KS_T_DECIMAL),
	   "is_integer");
	ok(ks_type_is_string(KS_T_CHAR) && !ks_type_is_string(KS_T_DATE),
	   "is_string");
	is_str(ks_type_name(KS_T_TIMESTAMP), "TIMESTAMP", "type name");

	/* common types */
	is_str(common("INTEGER", "BIGINT"), "BIGINT", "common INTEGER BIGINT");
	is_str(common("INTEGER", "DOUBLE"), "DOUBLE", "common INTEGER DOUBLE");
	is_str(common("DECIMAL(5,2)", "INTEGER"), "DECIMAL(12,2)",
	       "common DECIMAL INTEGER");
	is_str(common("CHAR(3)", "VARCHAR(8)"), "VARCHAR(8)",
	       "common CHAR VARCHAR");
	is_str(common("CHAR(3)", "CHAR(5)"), "CHAR(5)", "common CHAR CHAR");
	is_str(common("NULL", "DATE"), "DATE", "common NULL DATE");
	is_str(common("DATE", "TIMESTAMP"), "TIMESTAMP", "common DATE TIMESTAMP");
	is_str(common("VARCHAR(4)", "INTEGER"),
	       "error: incompatible types VARCHAR(4) and INTEGER",
	       "common VARCHAR INTEGER");
	is_str(common("BOOLEAN", "BOOLEAN"), "BOOLEAN", "common BOOLEAN");

	/* castable / assignable */
	{
		struct ks_sqltype v = ty("VARCHAR(4)"), i = ty("INTEGER"),
				  b = ty("BOOLEAN"), ts = ty("TIMESTAMP"),
				  d = ty("DATE"), ds = ty("INTERVAL_DS"),
				  n = ty("NULL"), dbl_ = ty("DOUBLE");

		ok(ks_type_castable(&v, &i), "castable VARCHAR→INTEGER");
		ok(ks_type_castable(&i, &v), "castable INTEGER→VARCHAR");
		ok(!ks_type_castable(&i, &b), "not castable INTEGER→BOOLEAN");
		ok(ks_type_castable(&b, &v), "castable BOOLEAN→VARCHAR");
		ok(!ks_type_castable(&b, &i), "not castable BOOLEAN→INTEGER");
		ok(ks_type_castable(&ts, &d), "castable TIMESTAMP→DATE");
		ok(!ks_type_castable(&ts, &i), "not castable TIMESTAMP→INTEGER");
		ok(ks_type_castable(&ds, &i), "castable interval→INTEGER");
		ok(!ks_type_castable(&ds, &dbl_), "not castable interval→DOUBLE");
		ok(ks_type_castable(&n, &ts), "castable NULL→TIMESTAMP");
		ok(ks_type_assignable(&i, &dbl_), "assignable INTEGER→DOUBLE");
		ok(ks_type_assignable(&dbl_, &i), "assignable DOUBLE→INTEGER");
		ok(!ks_type_assignable(&v, &i), "not assignable VARCHAR→INTEGER");
		ok(ks_type_assignable(&d, &ts), "assignable DATE→TIMESTAMP");
		ok(ks_type_assignable(&n, &v), "assignable NULL→VARCHAR");
		ok(!ks_type_assignable(&b, &v), "not assignable BOOLEAN→VARCHAR");
	}
}

static void test_arith(void)
{
	/* integers: the wider type, integer division, overflow */
	is_str(ev(KS_OP_ADD, "INTEGER", "2", "INTEGER", "3"), "INTEGER 5", "2+3");
	is_str(ev(KS_OP_ADD, "TINYINT", "100", "TINYINT", "27"), "TINYINT 127",
	       "TINYINT 127 fits");
	is_str(ev(KS_OP_ADD, "TINYINT", "100", "TINYINT", "28"),
	       "NUMERIC_OVERFLOW: numeric overflow: 100 + 28 does not fit TINYINT",
	       "TINYINT overflow");
	is_str(ev(KS_OP_ADD, "TINYINT", "100", "SMALLINT", "28"), "SMALLINT 128",
	       "TINYINT+SMALLINT is SMALLINT");
	is_str(ev(KS_OP_SUB, "TINYINT", "-100", "TINYINT", "29"),
	       "NUMERIC_OVERFLOW: numeric overflow: -100 - 29 does not fit TINYINT",
	       "TINYINT underflow");
	is_str(ev(KS_OP_MUL, "SMALLINT", "200", "SMALLINT", "200"),
	       "NUMERIC_OVERFLOW: numeric overflow: 200 * 200 does not fit SMALLINT",
	       "SMALLINT overflow");
	is_str(ev(KS_OP_MUL, "SMALLINT", "100", "SMALLINT", "-327"),
	       "SMALLINT -32700", "SMALLINT fits");
	is_str(ev(KS_OP_ADD, "INTEGER", "2147483647", "INTEGER", "1"),
	       "NUMERIC_OVERFLOW: numeric overflow: 2147483647 + 1 does not fit INTEGER",
	       "INTEGER overflow");
	is_str(ev(KS_OP_ADD, "INTEGER", "2147483647", "BIGINT", "1"),
	       "BIGINT 2147483648", "INTEGER+BIGINT");
	is_str(ev(KS_OP_MUL, "BIGINT", "9223372036854775807", "BIGINT", "2"),
	       "NUMERIC_OVERFLOW: numeric overflow: 9223372036854775807 * 2 does not fit BIGINT",
	       "BIGINT overflow");
	is_str(ev(KS_OP_SUB, "BIGINT", "-9223372036854775807", "BIGINT", "2"),
	       "NUMERIC_OVERFLOW: numeric overflow: -9223372036854775807 - 2 does not fit BIGINT",
	       "BIGINT underflow");
	is_str(ev(KS_OP_DIV, "INTEGER", "7", "INTEGER", "2"), "INTEGER 3",
	       "integer division");
	is_str(ev(KS_OP_DIV, "INTEGER", "-7", "INTEGER", "2"), "INTEGER -3",
	       "integer division truncates toward zero");
	is_str(ev(KS_OP_DIV, "INTEGER", "7", "INTEGER", "0"),
	       "DIVISION_BY_ZERO: division by zero", "integer / 0");
	is_str(ev(KS_OP_MOD, "INTEGER", "7", "INTEGER", "0"),
	       "DIVISION_BY_ZERO: division by zero", "integer MOD 0");
	is_str(ev(KS_OP_MOD, "INTEGER", "-7", "INTEGER", "3"), "INTEGER -1",
	       "MOD sign of dividend");
	is_str(ev(KS_OP_MOD, "BIGINT", "-9223372036854775808", "BIGINT", "-1"),
	       "BIGINT 0", "MOD MIN by -1");
	is_str(ev(KS_OP_DIV, "BIGINT", "-9223372036854775808", "BIGINT", "-1"),
	       "NUMERIC_OVERFLOW: numeric overflow: -9223372036854775808 / -1 does not fit BIGINT",
	       "MIN / -1 overflows");
	is_str(ev(KS_OP_DIV, "TINYINT", "-128", "TINYINT", "-1"),
	       "NUMERIC_OVERFLOW: numeric overflow: -128 / -1 does not fit TINYINT",
	       "TINYINT -128 / -1");
	/* NULLs */
	is_str(ev(KS_OP_ADD, "INTEGER", NULL, "INTEGER", "1"), "INTEGER NULL",
	       "NULL + 1");
	is_str(ev(KS_OP_DIV, "INTEGER", NULL, "INTEGER", "0"), "INTEGER NULL",
	       "NULL / 0 is NULL, not an error");
	is_str(ev(KS_OP_ADD, "NULL", NULL, "INTEGER", "1"), "INTEGER NULL",
	       "bare NULL + INTEGER");
	is_str(ev(KS_OP_ADD, "NULL", NULL, "NULL", NULL), "NULL NULL",
	       "NULL + NULL");
	/* DECIMAL */
	is_str(ev(KS_OP_ADD, "DECIMAL(5,2)", "1.25", "DECIMAL(5,1)", "2.5"),
	       "DECIMAL(7,2) 3.75", "DECIMAL add");
	is_str(ev(KS_OP_SUB, "DECIMAL(5,2)", "1.25", "INTEGER", "3"),
	       "DECIMAL(13,2) -1.75", "DECIMAL - INTEGER");
	is_str(ev(KS_OP_MUL, "DECIMAL(5,2)", "1.25", "DECIMAL(4,1)", "-2.5"),
	       "DECIMAL(9,3) -3.125", "DECIMAL mul");
	is_str(ev(KS_OP_DIV, "DECIMAL(5,2)", "10.00", "INTEGER", "3"),
	       "DECIMAL(18,6) 3.333333", "DECIMAL div scale 6");
	is_str(ev(KS_OP_DIV, "DECIMAL(5,2)", "1.00", "DECIMAL(5,2)", "0.00"),
	       "DIVISION_BY_ZERO: division by zero", "DECIMAL / 0");
	is_str(ev(KS_OP_MOD, "DECIMAL(5,2)", "7.50", "DECIMAL(3,1)", "2.0"),
	       "DECIMAL(4,2) 1.50", "DECIMAL mod");
	is_str(ev(KS_OP_ADD, "DECIMAL(18,0)", "999999999999999999", "DECIMAL(18,0)",
		  "1"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit DECIMAL(18,0)",
	       "DECIMAL overflow");
	is_str(ev(KS_OP_MUL, "DECIMAL(3,1)", "99.9", "DECIMAL(3,1)", "99.9"),
	       "DECIMAL(6,2) 9980.01", "DECIMAL mul fits");
	/* REAL / DOUBLE */
	is_str(ev(KS_OP_ADD, "DOUBLE", "0.1", "DOUBLE", "0.2"),
	       "DOUBLE 0.30000000000000004", "0.1+0.2");
	is_str(ev(KS_OP_ADD, "REAL", "0.1", "REAL", "0.2"), "REAL 0.3",
	       "REAL 0.1+0.2");
	is_str(ev(KS_OP_DIV, "DOUBLE", "1", "INTEGER", "4"), "DOUBLE 0.25",
	       "DOUBLE / INTEGER");
	is_str(ev(KS_OP_DIV, "DOUBLE", "1", "DOUBLE", "0"),
	       "DIVISION_BY_ZERO: division by zero", "DOUBLE / 0");
	is_str(ev(KS_OP_MOD, "DOUBLE", "7.5", "DOUBLE", "2"), "DOUBLE 1.5",
	       "DOUBLE mod");
	is_str(ev(KS_OP_MUL, "DOUBLE", "1e200", "DOUBLE", "1e200"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit DOUBLE",
	       "DOUBLE overflow");
	is_str(ev(KS_OP_MUL, "REAL", "1e30", "REAL", "1e30"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit REAL",
	       "REAL overflow");
	is_str(ev(KS_OP_ADD, "REAL", "1.5", "DOUBLE", "1"), "DOUBLE 2.5",
	       "REAL + DOUBLE");
	is_str(ev(KS_OP_ADD, "DECIMAL(5,2)", "1.25", "REAL", "1"), "REAL 2.25",
	       "DECIMAL + REAL");
	is_str(ev(KS_OP_MUL, "BIGINT", "3", "DOUBLE", "0.5"), "DOUBLE 1.5",
	       "BIGINT * DOUBLE");
	/* simple alerts: ABS(Change / (Price - Change)) * 100 > 1 */
	is_str(ev(KS_OP_SUB, "DOUBLE", "84.51", "DOUBLE", "-0.5"), "DOUBLE 85.01",
	       "84.51 - -0.5");
	/* type errors */
	is_str(ev(KS_OP_ADD, "VARCHAR(4)", "ab", "INTEGER", "1"),
	       "type error: cannot apply '+' to VARCHAR(4) and INTEGER",
	       "VARCHAR + INTEGER");
	is_str(ev(KS_OP_MUL, "BOOLEAN", "true", "INTEGER", "1"),
	       "type error: cannot apply '*' to BOOLEAN and INTEGER",
	       "BOOLEAN * INTEGER");
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "2024-05-01 00:00:00", "TIMESTAMP",
		  "2024-05-01 00:00:00"),
	       "type error: cannot apply '+' to TIMESTAMP and TIMESTAMP",
	       "TIMESTAMP + TIMESTAMP");
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "2024-05-01 00:00:00", "INTEGER", "1"),
	       "type error: cannot apply '+' to TIMESTAMP and INTEGER",
	       "TIMESTAMP + INTEGER");
	is_str(ev(KS_OP_DIV, "INTEGER", "1", "INTERVAL_DS", "1000"),
	       "type error: cannot apply '/' to INTEGER and INTERVAL DAY TO SECOND",
	       "INTEGER / interval");
	/* unary */
	is_str(ev1(KS_OP_NEG, "INTEGER", "5"), "INTEGER -5", "-5");
	is_str(ev1(KS_OP_NEG, "TINYINT", "-128"),
	       "NUMERIC_OVERFLOW: numeric overflow: 0 - -128 does not fit TINYINT",
	       "-(-128) TINYINT");
	is_str(ev1(KS_OP_NEG, "BIGINT", "-9223372036854775808"),
	       "NUMERIC_OVERFLOW: numeric overflow: 0 - -9223372036854775808 does not fit BIGINT",
	       "-(MIN) BIGINT");
	is_str(ev1(KS_OP_NEG, "DOUBLE", "2.5"), "DOUBLE -2.5", "-2.5");
	is_str(ev1(KS_OP_NEG, "DECIMAL(4,2)", "2.50"), "DECIMAL(4,2) -2.50",
	       "-2.50");
	is_str(ev1(KS_OP_NEG, "INTEGER", NULL), "INTEGER NULL", "-NULL");
	is_str(ev1(KS_OP_PLUS, "INTEGER", "5"), "INTEGER 5", "+5");
	is_str(ev1(KS_OP_NEG, "INTERVAL_DS", "1000"),
	       "INTERVAL DAY TO SECOND -0 00:00:01.000", "-interval");
	is_str(ev1(KS_OP_NEG, "VARCHAR(3)", "abc"),
	       "type error: cannot apply '-' to VARCHAR(3)", "-VARCHAR");
	is_str(ev1(KS_OP_NOT, "BOOLEAN", "true"), "BOOLEAN FALSE", "NOT TRUE");
	is_str(ev1(KS_OP_NOT, "BOOLEAN", NULL), "BOOLEAN NULL", "NOT NULL");
	is_str(ev1(KS_OP_NOT, "INTEGER", "1"),
	       "type error: cannot apply 'NOT' to INTEGER", "NOT INTEGER");
}

static void test_logic_compare(void)
{
	static const char *tv[3] = { "true", "false", NULL };
	/* AND / OR truth tables: T F U x T F U */
	static const char *and_t[9] = { "TRUE", "FALSE", "NULL", "FALSE", "FALSE",
					"FALSE", "NULL", "FALSE", "NULL" };
	static const char *or_t[9] = { "TRUE", "TRUE", "TRUE", "TRUE", "FALSE",
				       "NULL", "TRUE", "NULL", "NULL" };
	char want[64];
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			snprintf(want, sizeof(want), "BOOLEAN %s", and_t[i * 3 + j]);
			is_str(ev(KS_OP_AND, "BOOLEAN", tv[i], "BOOLEAN", tv[j]),
			       want, "%s AND %s", tv[i] ? tv[i] : "NULL",
			       tv[j] ? tv[j] : "NULL");
			snprintf(want, sizeof(want), "BOOLEAN %s", or_t[i * 3 + j]);
			is_str(ev(KS_OP_OR, "BOOLEAN", tv[i], "BOOLEAN", tv[j]),
			       want, "%s OR %s", tv[i] ? tv[i] : "NULL",
			       tv[j] ? tv[j] : "NULL");
		}
	is_str(ev(KS_OP_AND, "INTEGER", "1", "BOOLEAN", "true"),
	       "type error: cannot apply 'AND' to INTEGER and BOOLEAN",
	       "INTEGER AND BOOLEAN");
	is_str(ev(KS_OP_AND, "NULL", NULL, "BOOLEAN", "false"), "BOOLEAN FALSE",
	       "NULL AND FALSE");

	is_str(ev(KS_OP_LT, "INTEGER", "1", "INTEGER", "2"), "BOOLEAN TRUE", "1<2");
	is_str(ev(KS_OP_GE, "INTEGER", "1", "INTEGER", "2"), "BOOLEAN FALSE",
	       "1>=2");
	is_str(ev(KS_OP_EQ, "INTEGER", "1", "DOUBLE", "1.0"), "BOOLEAN TRUE",
	       "1 = 1.0");
	is_str(ev(KS_OP_EQ, "DECIMAL(5,2)", "1.50", "DECIMAL(3,1)", "1.5"),
	       "BOOLEAN TRUE", "1.50 = 1.5");
	is_str(ev(KS_OP_LT, "DECIMAL(5,2)", "1.49", "INTEGER", "2"),
	       "BOOLEAN TRUE", "1.49 < 2");
	is_str(ev(KS_OP_GT, "BIGINT", "9223372036854775807", "DECIMAL(18,2)",
		  "9999999999999999.99"),
	       "BOOLEAN TRUE", "BIGINT vs DECIMAL without overflow");
	is_str(ev(KS_OP_NE, "DOUBLE", "0.5", "REAL", "0.5"), "BOOLEAN FALSE",
	       "0.5 <> 0.5");
	is_str(ev(KS_OP_EQ, "INTEGER", NULL, "INTEGER", "1"), "BOOLEAN NULL",
	       "NULL = 1");
	is_str(ev(KS_OP_EQ, "NULL", NULL, "NULL", NULL), "BOOLEAN NULL",
	       "NULL = NULL");
	is_str(ev(KS_OP_EQ, "VARCHAR(8)", "abc", "VARCHAR(8)", "abc"),
	       "BOOLEAN TRUE", "'abc' = 'abc'");
	is_str(ev(KS_OP_EQ, "VARCHAR(8)", "abc", "VARCHAR(8)", "abc "),
	       "BOOLEAN FALSE", "VARCHAR compare is exact");
	is_str(ev(KS_OP_EQ, "VARCHAR(8)", "abc", "CHAR(5)", "abc"),
	       "BOOLEAN TRUE", "CHAR compare is blank-padded");
	is_str(ev(KS_OP_LT, "CHAR(5)", "ab", "VARCHAR(8)", "ab\x01"),
	       "BOOLEAN FALSE", "padding is a blank, above control chars");
	is_str(ev(KS_OP_LT, "VARCHAR(8)", "ab", "VARCHAR(8)", "abc"),
	       "BOOLEAN TRUE", "'ab' < 'abc'");
	is_str(ev(KS_OP_LT, "VARCHAR(8)", "Z", "VARCHAR(8)", "a"), "BOOLEAN TRUE",
	       "'Z' < 'a' (code points)");
	is_str(ev(KS_OP_LT, "VARCHAR(8)", "z", "VARCHAR(8)", "\xc3\xa9"),
	       "BOOLEAN TRUE", "'z' < 'é'");
	is_str(ev(KS_OP_GT, "TIMESTAMP", "2024-05-01 00:00:01", "DATE",
		  "2024-05-01"),
	       "BOOLEAN TRUE", "TIMESTAMP > DATE");
	is_str(ev(KS_OP_EQ, "BOOLEAN", "true", "BOOLEAN", "TRUE"), "BOOLEAN TRUE",
	       "TRUE = TRUE");
	is_str(ev(KS_OP_LT, "BOOLEAN", "false", "BOOLEAN", "true"),
	       "BOOLEAN TRUE", "FALSE < TRUE");
	is_str(ev(KS_OP_EQ, "VARCHAR(4)", "1", "INTEGER", "1"),
	       "type error: cannot apply '=' to VARCHAR(4) and INTEGER",
	       "VARCHAR = INTEGER");
	is_str(ev(KS_OP_LT, "TIMESTAMP", "2024-05-01 00:00:00", "BIGINT", "1"),
	       "type error: cannot apply '<' to TIMESTAMP and BIGINT",
	       "TIMESTAMP < BIGINT");
	is_str(ev(KS_OP_EQ, "BOOLEAN", "true", "INTEGER", "1"),
	       "type error: cannot apply '=' to BOOLEAN and INTEGER",
	       "BOOLEAN = INTEGER");
	is_str(ev(KS_OP_EQ, "INTERVAL_DS", "1000", "INTERVAL_YM", "1"),
	       "type error: cannot apply '=' to INTERVAL DAY TO SECOND and "
	       "INTERVAL YEAR TO MONTH",
	       "DS = YM");
	is_str(ev(KS_OP_LT, "DOUBLE", "NaN", "DOUBLE", "1"), "BOOLEAN FALSE",
	       "NaN sorts last");
	/* || */
	is_str(ev(KS_OP_CONCAT, "VARCHAR(4)", "ab", "VARCHAR(3)", "cd"),
	       "VARCHAR(7) abcd", "'ab' || 'cd'");
	is_str(ev(KS_OP_CONCAT, "CHAR(2)", "ab", "CHAR(2)", "cd"), "CHAR(4) abcd",
	       "CHAR || CHAR is CHAR");
	is_str(ev(KS_OP_CONCAT, "VARCHAR(4)", NULL, "VARCHAR(3)", "cd"),
	       "VARCHAR(7) NULL", "NULL || 'cd'");
	is_str(ev(KS_OP_CONCAT, "VARCHAR(4)", "ab", "INTEGER", "1"),
	       "type error: cannot apply '||' to VARCHAR(4) and INTEGER",
	       "VARCHAR || INTEGER");
	is_str(ev(KS_OP_CONCAT, "VARCHAR(4)", "", "VARCHAR(3)", ""),
	       "VARCHAR(7) ", "'' || ''");
}

static void test_time_arith(void)
{
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "2024-05-01 12:00:00", "INTERVAL_DS",
		  "90000"),
	       "TIMESTAMP 2024-05-01 12:01:30.000", "ts + 90 s");
	is_str(ev(KS_OP_SUB, "TIMESTAMP", "2024-05-01 00:00:00", "INTERVAL_DS",
		  "1"),
	       "TIMESTAMP 2024-04-30 23:59:59.999", "ts - 1 ms");
	is_str(ev(KS_OP_ADD, "INTERVAL_DS", "86400000", "TIMESTAMP",
		  "2024-02-28 10:00:00"),
	       "TIMESTAMP 2024-02-29 10:00:00.000", "interval + ts (leap day)");
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "2024-01-31 08:00:00", "INTERVAL_YM",
		  "1"),
	       "TIMESTAMP 2024-02-29 08:00:00.000", "Jan 31 + 1 month");
	is_str(ev(KS_OP_SUB, "TIMESTAMP", "2024-03-31 08:00:00", "INTERVAL_YM",
		  "13"),
	       "TIMESTAMP 2023-02-28 08:00:00.000", "- 13 months");
	is_str(ev(KS_OP_SUB, "TIMESTAMP", "2024-05-01 12:00:01.5", "TIMESTAMP",
		  "2024-05-01 12:00:00"),
	       "INTERVAL DAY TO SECOND 0 00:00:01.500", "ts - ts");
	is_str(ev(KS_OP_SUB, "TIMESTAMP", "2024-05-01 00:00:00", "TIMESTAMP",
		  "2024-05-03 01:00:00"),
	       "INTERVAL DAY TO SECOND -2 01:00:00.000", "negative ts - ts");
	is_str(ev(KS_OP_SUB, "DATE", "2024-03-01", "DATE", "2024-02-01"),
	       "INTERVAL DAY TO SECOND 29 00:00:00.000", "date - date");
	is_str(ev(KS_OP_ADD, "DATE", "2024-12-31", "INTERVAL_DS", "86400000"),
	       "DATE 2025-01-01", "date + 1 day");
	is_str(ev(KS_OP_ADD, "DATE", "2024-01-31", "INTERVAL_YM", "1"),
	       "DATE 2024-02-29", "date + 1 month");
	is_str(ev(KS_OP_ADD, "INTERVAL_DS", "1000", "INTERVAL_DS", "500"),
	       "INTERVAL DAY TO SECOND 0 00:00:01.500", "interval + interval");
	is_str(ev(KS_OP_MUL, "INTERVAL_DS", "60000", "INTEGER", "3"),
	       "INTERVAL DAY TO SECOND 0 00:03:00.000", "interval * 3");
	is_str(ev(KS_OP_MUL, "DOUBLE", "1.5", "INTERVAL_DS", "60000"),
	       "INTERVAL DAY TO SECOND 0 00:01:30.000", "1.5 * interval");
	is_str(ev(KS_OP_DIV, "INTERVAL_DS", "60000", "INTEGER", "4"),
	       "INTERVAL DAY TO SECOND 0 00:00:15.000", "interval / 4");
	is_str(ev(KS_OP_DIV, "INTERVAL_DS", "60000", "INTEGER", "0"),
	       "DIVISION_BY_ZERO: division by zero", "interval / 0");
	is_str(ev(KS_OP_ADD, "INTERVAL_YM", "14", "INTERVAL_YM", "-3"),
	       "INTERVAL YEAR TO MONTH 0-11", "YM + YM");
	is_str(ev(KS_OP_ADD, "INTERVAL_YM", "14", "INTERVAL_DS", "3"),
	       "type error: cannot apply '+' to INTERVAL YEAR TO MONTH and "
	       "INTERVAL DAY TO SECOND",
	       "YM + DS");
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "2024-05-01 00:00:00", "INTERVAL_DS",
		  NULL),
	       "TIMESTAMP NULL", "ts + NULL");
	is_str(ev(KS_OP_ADD, "TIMESTAMP", "9223372036854775000", "INTERVAL_DS",
		  "1000"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit TIMESTAMP",
	       "timestamp overflow");
}

static void test_casts(void)
{
	is_str(cast("INTEGER", "42", "VARCHAR(10)"), "42", "INTEGER→VARCHAR");
	is_str(cast("INTEGER", "12345", "VARCHAR(3)"),
	       "CAST_FAILED: '12345' does not fit VARCHAR(3)",
	       "INTEGER→VARCHAR too short is an error");
	is_str(cast("INTEGER", "42", "CHAR(4)"), "42  ", "INTEGER→CHAR pads");
	is_str(cast("VARCHAR(10)", "abcdef", "VARCHAR(3)"), "abc",
	       "VARCHAR truncates silently");
	is_str(cast("VARCHAR(10)", "ab", "CHAR(4)"), "ab  ", "CHAR pads");
	is_str(cast("VARCHAR(10)", "h\xc3\xa9llo", "VARCHAR(2)"), "h\xc3\xa9",
	       "truncation counts characters");
	is_str(cast("VARCHAR(10)", " 42 ", "INTEGER"), "42",
	       "VARCHAR→INTEGER trims");
	is_str(cast("VARCHAR(10)", "4x2", "INTEGER"),
	       "CAST_FAILED: cannot convert '4x2' to INTEGER",
	       "VARCHAR→INTEGER bad");
	is_str(cast("VARCHAR(10)", "300", "TINYINT"),
	       "NUMERIC_OVERFLOW: value '300' out of range for TINYINT",
	       "VARCHAR→TINYINT range");
	is_str(cast("VARCHAR(10)", "tRuE", "BOOLEAN"), "TRUE",
	       "VARCHAR→BOOLEAN");
	is_str(cast("VARCHAR(10)", "yes", "BOOLEAN"),
	       "CAST_FAILED: cannot convert 'yes' to BOOLEAN", "bad BOOLEAN");
	is_str(cast("VARCHAR(30)", "2024-05-01T12:00:00Z", "TIMESTAMP"),
	       "2024-05-01 12:00:00.000", "VARCHAR→TIMESTAMP");
	is_str(cast("VARCHAR(30)", "2024-05-01", "DATE"), "2024-05-01",
	       "VARCHAR→DATE");
	is_str(cast("VARCHAR(30)", "0 00:01:00", "INTERVAL_DS"),
	       "0 00:01:00.000", "VARCHAR→interval");
	is_str(cast("DOUBLE", "3.99", "INTEGER"), "3", "DOUBLE→INTEGER truncates");
	is_str(cast("DOUBLE", "-3.99", "INTEGER"), "-3",
	       "DOUBLE→INTEGER truncates toward zero");
	is_str(cast("DOUBLE", "3e10", "INTEGER"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit INTEGER",
	       "DOUBLE→INTEGER range");
	is_str(cast("DOUBLE", "1e300", "BIGINT"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit BIGINT",
	       "DOUBLE→BIGINT range");
	is_str(cast("DOUBLE", "NaN", "BIGINT"),
	       "CAST_FAILED: cannot convert NaN to BIGINT", "NaN→BIGINT");
	is_str(cast("DOUBLE", "2.345", "DECIMAL(5,2)"), "2.35",
	       "DOUBLE→DECIMAL rounds");
	is_str(cast("DOUBLE", "-2.5", "DECIMAL(5,0)"), "-3",
	       "DOUBLE→DECIMAL half away from zero");
	is_str(cast("DOUBLE", "12345.6", "DECIMAL(5,2)"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit DECIMAL(5,2)",
	       "DOUBLE→DECIMAL precision");
	is_str(cast("DECIMAL(6,3)", "-1.999", "INTEGER"), "-1",
	       "DECIMAL→INTEGER truncates");
	is_str(cast("DECIMAL(6,3)", "1.995", "DECIMAL(4,2)"), "2.00",
	       "DECIMAL→DECIMAL rounds");
	is_str(cast("DECIMAL(6,3)", "1.5", "DOUBLE"), "1.5", "DECIMAL→DOUBLE");
	is_str(cast("DECIMAL(6,3)", "1.5", "VARCHAR(10)"), "1.500",
	       "DECIMAL→VARCHAR keeps scale");
	is_str(cast("INTEGER", "300", "TINYINT"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit TINYINT",
	       "INTEGER→TINYINT range");
	is_str(cast("INTEGER", "-32768", "SMALLINT"), "-32768",
	       "INTEGER→SMALLINT");
	is_str(cast("BIGINT", "123", "DECIMAL(3,1)"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit DECIMAL(3,1)",
	       "BIGINT→DECIMAL precision");
	is_str(cast("BIGINT", "123", "DECIMAL(4,1)"), "123.0",
	       "BIGINT→DECIMAL");
	is_str(cast("DOUBLE", "0.1", "REAL"), "0.1", "DOUBLE→REAL");
	is_str(cast("DOUBLE", "1e300", "REAL"),
	       "NUMERIC_OVERFLOW: numeric overflow: result does not fit REAL",
	       "DOUBLE→REAL range");
	is_str(cast("INTEGER", NULL, "VARCHAR(3)"), "NULL", "NULL cast");
	is_str(cast("NULL", NULL, "TIMESTAMP"), "NULL", "bare NULL cast");
	is_str(cast("BOOLEAN", "true", "VARCHAR(5)"), "TRUE",
	       "BOOLEAN→VARCHAR");
	is_str(cast("BOOLEAN", "false", "VARCHAR(4)"),
	       "CAST_FAILED: 'FALSE' does not fit VARCHAR(4)",
	       "BOOLEAN→VARCHAR(4)");
	is_str(cast("TIMESTAMP", "2024-05-01 12:34:56.789", "DATE"), "2024-05-01",
	       "TIMESTAMP→DATE");
	is_str(cast("TIMESTAMP", "1969-12-31 23:00:00", "DATE"), "1969-12-31",
	       "TIMESTAMP→DATE before the epoch");
	is_str(cast("DATE", "2024-05-01", "TIMESTAMP"), "2024-05-01 00:00:00.000",
	       "DATE→TIMESTAMP");
	is_str(cast("TIMESTAMP", "2024-05-01 12:34:56.789", "VARCHAR(30)"),
	       "2024-05-01 12:34:56.789", "TIMESTAMP→VARCHAR");
	is_str(cast("DATE", "2008-08-23", "VARCHAR(9)"),
	       "CAST_FAILED: '2008-08-23' does not fit VARCHAR(9)",
	       "DATE→VARCHAR(9) (KDA example)");
	is_str(cast("DATE", "2008-08-23", "CHAR(12)"), "2008-08-23  ",
	       "DATE→CHAR(12) pads (KDA example)");
	is_str(cast("INTERVAL_DS", "90061001", "BIGINT"), "90061001",
	       "interval→BIGINT (ms)");
	is_str(cast("INTERVAL_DS", "90061001", "VARCHAR(20)"), "1 01:01:01.001",
	       "interval→VARCHAR");
	is_str(cast("BOOLEAN", "true", "BOOLEAN"), "TRUE", "BOOLEAN→BOOLEAN");
	is_str(cast("BOOLEAN", "true", "INTEGER"),
	       "CAST_FAILED: cannot cast BOOLEAN to INTEGER", "BOOLEAN→INTEGER");
	is_str(cast("VARCHAR(10)", "1.5e2", "DOUBLE"), "150", "VARCHAR→DOUBLE");
	is_str(cast("VARCHAR(10)", "0x10", "DOUBLE"),
	       "CAST_FAILED: cannot convert '0x10' to DOUBLE", "no hex floats");
}

static void test_from_text(void)
{
	is_str(conv("123", "INTEGER"), "123", "text INTEGER");
	is_str(conv("-2147483648", "INTEGER"), "-2147483648", "INTEGER min");
	is_str(conv("2147483648", "INTEGER"),
	       "NUMERIC_OVERFLOW: value '2147483648' out of range for INTEGER",
	       "INTEGER max+1");
	is_str(conv("123.4", "INTEGER"),
	       "CAST_FAILED: cannot convert '123.4' to INTEGER",
	       "123.4 to INTEGER is an error (KDA)");
	is_str(conv("12.0", "INTEGER"), "12", "12.0 to INTEGER");
	is_str(conv("1e3", "INTEGER"), "1000", "1e3 to INTEGER");
	is_str(conv("127", "TINYINT"), "127", "TINYINT 127");
	is_str(conv("128", "TINYINT"),
	       "NUMERIC_OVERFLOW: value '128' out of range for TINYINT",
	       "TINYINT 128");
	is_str(conv("-32769", "SMALLINT"),
	       "NUMERIC_OVERFLOW: value '-32769' out of range for SMALLINT",
	       "SMALLINT -32769");
	is_str(conv("9223372036854775807", "BIGINT"), "9223372036854775807",
	       "BIGINT max");
	is_str(conv("-9223372036854775808", "BIGINT"), "-9223372036854775808",
	       "BIGINT min");
	is_str(conv("9223372036854775808", "BIGINT"),
	       "NUMERIC_OVERFLOW: value '9223372036854775808' out of range for BIGINT",
	       "BIGINT max+1");
	is_str(conv("99999999999999999999999", "BIGINT"),
	       "NUMERIC_OVERFLOW: value '99999999999999999999999' out of range for BIGINT",
	       "BIGINT far out");
	is_str(conv("abc", "BIGINT"), "CAST_FAILED: cannot convert 'abc' to BIGINT",
	       "abc to BIGINT");
	is_str(conv("-", "BIGINT"), "CAST_FAILED: cannot convert '-' to BIGINT",
	       "lone sign");
	is_str(conv("", "INTEGER"), "NULL", "empty text is NULL");
	is_str(conv("  ", "DOUBLE"), "NULL", "blank text is NULL");
	is_str(conv("", "VARCHAR(4)"), "", "empty string stays a string");
	is_str(conv("12.345", "DECIMAL(5,2)"), "12.35", "DECIMAL rounds");
	is_str(conv("-12.345", "DECIMAL(5,2)"), "-12.35",
	       "DECIMAL rounds half away");
	is_str(conv("1234.5", "DECIMAL(5,2)"),
	       "NUMERIC_OVERFLOW: value '1234.5' out of range for DECIMAL(5,2)",
	       "DECIMAL precision");
	is_str(conv("1.5E1", "DECIMAL(5,2)"), "15.00", "DECIMAL exponent");
	is_str(conv("0.001", "DECIMAL(5,2)"), "0.00", "DECIMAL tiny");
	is_str(conv("7", "DECIMAL(5,2)"), "7.00", "DECIMAL integer text");
	is_str(conv("84.51", "DOUBLE"), "84.51", "DOUBLE 84.51");
	is_str(conv("84.51", "REAL"), "84.51", "REAL 84.51");
	is_str(conv("-0.5", "REAL"), "-0.5", "REAL -0.5");
	is_str(conv("1e39", "REAL"),
	       "NUMERIC_OVERFLOW: value '1e39' out of range for REAL",
	       "REAL out of range");
	is_str(conv("12345678901234567890", "DOUBLE"), "12345678901234567000",
	       "DOUBLE from 20 digits");
	is_str(conv("1.5.2", "DOUBLE"),
	       "CAST_FAILED: cannot convert '1.5.2' to DOUBLE", "bad DOUBLE");
	is_str(conv(".5", "DOUBLE"), "0.5", "DOUBLE .5");
	is_str(conv("5.", "DOUBLE"), "5", "DOUBLE 5.");
	is_str(conv("TRUE", "BOOLEAN"), "TRUE", "TRUE");
	is_str(conv("False", "BOOLEAN"), "FALSE", "False");
	is_str(conv("1", "BOOLEAN"), "TRUE", "1 BOOLEAN");
	is_str(conv("truex", "BOOLEAN"),
	       "CAST_FAILED: cannot convert 'truex' to BOOLEAN", "truex");
	is_str(conv("abcdef", "VARCHAR(4)"), "abcd", "VARCHAR(4) truncates");
	is_str(conv("ab", "CHAR(4)"), "ab  ", "CHAR(4) pads");
	is_str(conv("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "VARCHAR(2)"),
	       "\xe6\x97\xa5\xe6\x9c\xac", "VARCHAR(2) of 3 CJK characters");
	is_str(conv("2024-05-01 12:00:00", "TIMESTAMP"), "2024-05-01 12:00:00.000",
	       "timestamp space form");
	is_str(conv("2024-05-01 12:00:00.5", "TIMESTAMP"),
	       "2024-05-01 12:00:00.500", "timestamp .5");
	is_str(conv("2018-08-01T20:17:20.797945", "TIMESTAMP"),
	       "2018-08-01 20:17:20.797", "ISO microseconds (stagger example)");
	is_str(conv("2024-05-01T12:00:00+02:00", "TIMESTAMP"),
	       "2024-05-01 10:00:00.000", "ISO offset");
	is_str(conv("2024-05-01T12:00:00-0130", "TIMESTAMP"),
	       "2024-05-01 13:30:00.000", "ISO offset without colon");
	is_str(conv("2024-05-01T12:00Z", "TIMESTAMP"), "2024-05-01 12:00:00.000",
	       "ISO without seconds");
	is_str(conv("2024-05-01", "TIMESTAMP"), "2024-05-01 00:00:00.000",
	       "date only as timestamp");
	is_str(conv("1714564800000", "TIMESTAMP"), "2024-05-01 12:00:00.000",
	       "epoch ms");
	is_str(conv("-1", "TIMESTAMP"), "1969-12-31 23:59:59.999",
	       "epoch ms -1");
	is_str(conv("2024-02-30 00:00:00", "TIMESTAMP"),
	       "CAST_FAILED: cannot convert '2024-02-30 00:00:00' to TIMESTAMP",
	       "Feb 30");
	is_str(conv("2024-05-01 24:00:00", "TIMESTAMP"),
	       "CAST_FAILED: cannot convert '2024-05-01 24:00:00' to TIMESTAMP",
	       "hour 24");
	is_str(conv("2024-5-1", "TIMESTAMP"),
	       "CAST_FAILED: cannot convert '2024-5-1' to TIMESTAMP",
	       "single digits");
	is_str(conv("2023-02-29", "DATE"),
	       "CAST_FAILED: cannot convert '2023-02-29' to DATE",
	       "not a leap year");
	is_str(conv("2000-02-29", "DATE"), "2000-02-29", "2000 is leap");
	is_str(conv("1900-02-29", "DATE"),
	       "CAST_FAILED: cannot convert '1900-02-29' to DATE",
	       "1900 is not leap");
	is_str(conv("2024-05-01 23:59:59", "DATE"), "2024-05-01",
	       "DATE from timestamp text");
	is_str(conv("1-02", "INTERVAL_YM"), "1-02", "YM text");
	is_str(conv("-3 04:05:06.7", "INTERVAL_DS"), "-3 04:05:06.700",
	       "DS text");
	is_str(conv("0001-01-01 00:00:00", "TIMESTAMP"),
	       "0001-01-01 00:00:00.000", "year 1");
}

static void test_text_json(void)
{
	struct ks_sqltype d = ty("DOUBLE"), r = ty("REAL"), i = ty("INTEGER"),
			  dec = ty("DECIMAL(10,2)"), b = ty("BOOLEAN"),
			  v = ty("VARCHAR(20)"), c = ty("CHAR(4)"),
			  ts = ty("TIMESTAMP"), dt = ty("DATE"),
			  ds = ty("INTERVAL_DS"), ym = ty("INTERVAL_YM"),
			  nt = ty("NULL");
	struct ks_value x;

	is_str(dbl(84.51, 0), "84.51", "84.51");
	is_str(dbl(84.510000000000005, 0), "84.51", "84.510000000000005");
	is_str(dbl(0.1 + 0.2, 0), "0.30000000000000004", "0.1+0.2");
	is_str(dbl(1.0 / 3, 0), "0.3333333333333333", "1/3");
	is_str(dbl(2.0 / 3, 0), "0.6666666666666666", "2/3");
	is_str(dbl(0.005882352941176471, 0), "0.005882352941176471",
	       "odd 16-digit mantissa (no rounding of t + 0.5)");
	is_str(dbl(-0.5 / 85.01, 0), "-0.005881660981061051",
	       "16 digits");
	is_str(dbl(9.999999999999999e22, 0), "1e+23", "9.999999999999999e22");
	is_str(dbl(123456.78901234567, 0), "123456.78901234567",
	       "17 digits with an integer part");
	is_str(dbl(9007199254740993.0 * 1.5, 0), "13510798882111488",
	       "17 digits above 2^53");
	is_str(dbl(100, 0), "100", "100");
	is_str(dbl(-0.5, 0), "-0.5", "-0.5");
	is_str(dbl(0, 0), "0", "0");
	is_str(dbl(-0.0, 0), "0", "-0");
	is_str(dbl(1e21, 0), "1e+21", "1e21");
	is_str(dbl(1e20, 0), "100000000000000000000", "1e20");
	is_str(dbl(123456789012345680000.0, 0), "123456789012345680000",
	       "1.2345678901234568e20");
	is_str(dbl(1e-7, 0), "1e-7", "1e-7");
	is_str(dbl(1.5e-7, 0), "1.5e-7", "1.5e-7");
	is_str(dbl(-2.5e-300, 0), "-2.5e-300", "-2.5e-300");
	is_str(dbl(0.000001, 0), "0.000001", "1e-6");
	is_str(dbl(1.7976931348623157e308, 0), "1.7976931348623157e+308",
	       "DBL_MAX");
	is_str(dbl(5e-324, 0), "5e-324", "denormal min");
	is_str(dbl(9007199254740993.0, 0), "9007199254740992", "2^53+1");
	is_str(dbl(NAN, 0), "NaN", "NaN");
	is_str(dbl(-INFINITY, 0), "-Infinity", "-Infinity");
	is_str(dbl((float)84.51, 1), "84.51", "REAL 84.51");
	is_str(dbl((float)0.1, 1), "0.1", "REAL 0.1");
	is_str(dbl((float)33.11, 1), "33.11", "REAL 33.11");
	is_str(dbl((float)1.0 / 3, 1), "0.33333334", "REAL 1/3");
	is_str(dbl((float)16777217.0, 1), "16777216", "REAL 2^24+1");
	is_str(dbl((float)3.4e38, 1), "3.4e+38", "REAL max-ish");
	is_str(dbl((float)1e21, 1), "1e+21", "REAL 1e21");
	is_str(dbl((float)1e20, 1), "100000000000000000000", "REAL 1e20");
	is_str(dbl((float)1e-10, 1), "1e-10", "REAL 1e-10");
	is_str(dbl((float)7689357754368.0, 1), "7689358000000",
	       "REAL above 2^24 drops digits");
	is_str(dbl((float)5.0727e-43, 1), "5.07e-43", "REAL subnormal");
	is_str(dbl(-7522967108424739800.0, 0), "-7522967108424740000",
	       "15 digits above 2^53");
	is_str(dbl(324986.1929626113, 0), "324986.1929626113",
	       "16 digits the fast path misses");
	{
		int k, bad = 0;
		double xs[] = { 0.1, 1.5, 123.456, 1e-5, 3.14159265358979,
				2.718281828459045, 6.02214076e23, 1.1e-300,
				987654.321, 0.07 };
		char buf[40];

		for (k = 0; k < 2000; k++) {
			double y = xs[k % 10] * (1 + k * 1e-9) * (k & 1 ? -1 : 1);

			ks_fmt_double(y, 0, buf);
			if (strtod(buf, NULL) != y)
				bad++;
			ks_fmt_double((float)y, 1, buf);
			if (strtof(buf, NULL) != (float)y)
				bad++;
		}
		is_int(bad, 0, "2000 doubles and floats read back equal");
	}

	x = val("84.51", &d);
	is_str(text(&x, &d), "84.51", "text DOUBLE");
	is_str(json(&x, &d), "84.51", "json DOUBLE");
	x = val("84.51", &r);
	is_str(json(&x, &r), "84.51", "json REAL");
	x = val("-12", &i);
	is_str(json(&x, &i), "-12", "json INTEGER");
	x = val("5", &dec);
	is_str(text(&x, &dec), "5.00", "text DECIMAL");
	is_str(json(&x, &dec), "5.00", "json DECIMAL");
	x = val("-0.05", &dec);
	is_str(json(&x, &dec), "-0.05", "json DECIMAL -0.05");
	x = val("true", &b);
	is_str(text(&x, &b), "TRUE", "text BOOLEAN");
	is_str(json(&x, &b), "true", "json BOOLEAN");
	x = val("false", &b);
	is_str(json(&x, &b), "false", "json FALSE");
	x = val("say \"hi\"\\\n\t\x01", &v);
	is_str(text(&x, &v), "say \"hi\"\\\n\t\x01", "text VARCHAR raw");
	is_str(json(&x, &v), "\"say \\\"hi\\\"\\\\\\n\\t\\u0001\"",
	       "json VARCHAR escapes");
	x = val("h\xc3\xa9", &v);
	is_str(json(&x, &v), "\"h\xc3\xa9\"", "json UTF-8 kept");
	x.null = 0;
	x.u.s.p = "ab";
	x.u.s.n = 2;
	is_str(text(&x, &c), "ab  ", "text CHAR pads a short value");
	is_str(json(&x, &c), "\"ab  \"", "json CHAR pads");
	x = val("2024-05-01 12:00:00", &ts);
	is_str(text(&x, &ts), "2024-05-01 12:00:00.000", "text TIMESTAMP");
	is_str(json(&x, &ts), "\"2024-05-01 12:00:00.000\"", "json TIMESTAMP");
	x = val("2024-05-01", &dt);
	is_str(json(&x, &dt), "\"2024-05-01\"", "json DATE");
	x.null = 0;
	x.u.i = 3723004;
	is_str(json(&x, &ds), "\"0 01:02:03.004\"", "json interval DS");
	x.u.i = -14;
	is_str(text(&x, &ym), "-1-02", "text interval YM");
	x.null = 1;
	is_str(text(&x, &i), "NULL", "(helper) NULL");
	{
		struct kc_buf bb = KC_BUF_INIT;

		ks_value_text(&x, &i, &bb);
		is_int((int)bb.len, 0, "text NULL is empty");
		kc_buf_release(&bb);
	}
	is_str(json(&x, &i), "null", "json NULL");
	is_str(json(&x, &nt), "null", "json bare NULL");
	x.null = 0;
	x.u.d = NAN;
	is_str(json(&x, &d), "\"NaN\"", "json NaN is a string");
	x.u.d = 1e300 * 1e300;
	is_str(text(&x, &d), "Infinity", "text Infinity");
	{
		char t[32];

		ks_ts_format(0, t);
		is_str(t, "1970-01-01 00:00:00.000", "ts_format epoch");
		ks_ts_format(-1, t);
		is_str(t, "1969-12-31 23:59:59.999", "ts_format -1");
		ks_ts_format(951782400000LL + 86399999, t);
		is_str(t, "2000-02-29 23:59:59.999", "ts_format leap day");
		ks_ts_format(253402300799999LL, t);
		is_str(t, "9999-12-31 23:59:59.999", "ts_format 9999");
		ks_ts_format(253402300800000LL, t);
		is_str(t, "10000-01-01 00:00:00.000", "ts_format 10000");
	}
}

static void test_hash_equal(void)
{
	struct ks_sqltype v = ty("VARCHAR(8)"), c = ty("CHAR(5)"),
			  d = ty("DOUBLE"), i = ty("INTEGER");
	struct ks_value a = val("abc", &v), b = val("abc", &v),
			e = val("abd", &v), n1, n2, p, q;

	ok(ks_value_hash(&a, &v) == ks_value_hash(&b, &v), "equal strings hash equally");
	ok(ks_value_equal(&a, &b, &v), "equal strings");
	ok(!ks_value_equal(&a, &e, &v), "different strings");
	ok(ks_value_hash(&a, &v) != ks_value_hash(&e, &v),
	   "different strings hash differently");
	p = val("abc", &c);
	q.null = 0;
	q.u.s.p = "abc";
	q.u.s.n = 3;
	ok(ks_value_equal(&p, &q, &c) && ks_value_hash(&p, &c) == ks_value_hash(&q, &c),
	   "CHAR equal and hash ignore padding");
	n1.null = n2.null = 1;
	ok(ks_value_equal(&n1, &n2, &v), "NULLs group together");
	ok(ks_value_hash(&n1, &v) == ks_value_hash(&n2, &i), "NULL hash");
	ok(!ks_value_equal(&n1, &a, &v), "NULL <> value");
	p.null = q.null = 0;
	p.u.d = 0.0;
	q.u.d = -0.0;
	ok(ks_value_equal(&p, &q, &d) && ks_value_hash(&p, &d) == ks_value_hash(&q, &d),
	   "-0.0 groups with 0.0");
	p.u.d = NAN;
	q.u.d = -NAN;
	ok(ks_value_equal(&p, &q, &d) && ks_value_hash(&p, &d) == ks_value_hash(&q, &d),
	   "NaNs group together");
	p = val("7", &i);
	q = val("7", &i);
	ok(ks_value_equal(&p, &q, &i) && ks_value_hash(&p, &i) == ks_value_hash(&q, &i),
	   "integers");
	{
		/* 20k keys spread over 4096 buckets */
		static int bucket[4096];
		int k, maxb = 0;
		char key[16];

		for (k = 0; k < 20000; k++) {
			struct ks_value kv;

			kv.null = 0;
			kv.u.s.n = (uint32_t)snprintf(key, sizeof(key), "u%d", k);
			kv.u.s.p = key;
			bucket[ks_value_hash(&kv, &v) & 4095]++;
		}
		for (k = 0; k < 4096; k++)
			if (bucket[k] > maxb)
				maxb = bucket[k];
		ok(maxb < 20, "string hash spreads 20k keys (max bucket %d)", maxb);
	}
	{
		struct ks_arena a2;
		struct ks_value o = val("owned", &v);
		char src[8] = "mutable";

		ks_arena_init(&a2);
		o.u.s.p = src;
		o.u.s.n = 7;
		ks_value_own(&o, &v, &a2);
		src[0] = 'X';
		ok(o.u.s.p != src && !memcmp(o.u.s.p, "mutable", 7),
		   "ks_value_own copies the bytes");
		ks_arena_release(&a2);
	}
}

static void test_like(void)
{
	is_int(like("abc", NULL, "abc"), 1, "%s", "exact");
	is_int(like("abc", NULL, "abcd"), 0, "%s", "exact longer");
	is_int(like("abc", NULL, "ab"), 0, "%s", "exact shorter");
	is_int(like("a%", NULL, "abc"), 1, "%s", "prefix");
	is_int(like("a%", NULL, "a"), 1, "%s", "prefix exact");
	is_int(like("a%", NULL, "ba"), 0, "%s", "prefix miss");
	is_int(like("%c", NULL, "abc"), 1, "%s", "suffix");
	is_int(like("%c", NULL, "cb"), 0, "%s", "suffix miss");
	is_int(like("%b%", NULL, "abc"), 1, "%s", "contains");
	is_int(like("%x%", NULL, "abc"), 0, "%s", "contains miss");
	is_int(like("%", NULL, ""), 1, "%s", "% matches empty");
	is_int(like("", NULL, ""), 1, "%s", "empty matches empty");
	is_int(like("", NULL, "a"), 0, "%s", "empty pattern");
	is_int(like("_", NULL, "a"), 1, "%s", "_");
	is_int(like("_", NULL, ""), 0, "%s", "_ empty");
	is_int(like("_", NULL, "ab"), 0, "%s", "_ two");
	is_int(like("_", NULL, "\xc3\xa9"), 1, "%s", "_ is one UTF-8 character");
	is_int(like("a_c", NULL, "a\xe6\x97\xa5" "c"), 1, "%s", "a_c with CJK");
	is_int(like("%a_c%", NULL, "xxa\xe6\x97\xa5" "cyy"), 1, "%s", "%a_c% with CJK");
	is_int(like("a%b%c", NULL, "aXbYc"), 1, "%s", "a%b%c");
	is_int(like("a%b%c", NULL, "aXcYb"), 0, "%s", "a%b%c order");
	is_int(like("a%bc", NULL, "abcbc"), 1, "%s", "suffix after repeats");
	is_int(like("ab%bc", NULL, "abc"), 0, "%s", "prefix and suffix overlap");
	is_int(like("ab%bc", NULL, "abbc"), 1, "%s", "prefix and suffix adjacent");
	is_int(like("%aab", NULL, "aaab"), 1, "%s", "suffix aab");
	is_int(like("%a_b%", NULL, "aaxb"), 1, "%s", "middle with _ retried");
	is_int(like("%__", NULL, "a"), 0, "%s", "%__ on one char");
	is_int(like("%__", NULL, "ab"), 1, "%s", "%__ on two chars");
	is_int(like("__%__", NULL, "abc"), 0, "%s", "__%__ on 3");
	is_int(like("__%__", NULL, "abcd"), 1, "%s", "__%__ on 4");
	is_int(like("%%%", NULL, "x"), 1, "%s", "%%%");
	is_int(like("a\\%", "\\", "a%"), 1, "%s", "escaped %");
	is_int(like("a\\%", "\\", "ab"), 0, "%s", "escaped % is literal");
	is_int(like("a!_b", "!", "a_b"), 1, "%s", "escaped _");
	is_int(like("a!_b", "!", "axb"), 0, "%s", "escaped _ is literal");
	is_int(like("a!!", "!", "a!"), 1, "%s", "escaped escape");
	is_int(like("a!x", "!", "a!x"), -1, "%s", "bad escape sequence");
	is_int(like("a!", "!", "a!"), -1, "%s", "escape at the end");
	is_int(like("a", "!!", "a"), -1, "%s", "two-character escape");
	is_int(like("%TECH%", NULL, "INFORMATION TECHNOLOGY"), 1,
	       "%s", "KDA sector example");
	{
		struct ks_like *l;
		char msg[128];

		is_int(ks_like_compile("a!x", 3, "!", 1, &l, msg, sizeof(msg)), -1,
		       "bad escape fails");
		is_str(msg, "LIKE: invalid escape sequence in pattern 'a!x'",
		       "bad escape message");
		is_int(ks_like_compile("a", 1, "ab", 2, &l, msg, sizeof(msg)), -1,
		       "long escape fails");
		is_str(msg, "LIKE: the escape must be one character",
		       "long escape message");
	}
	{
		/* linear: a long string against a pattern with many parts */
		static char big[200001];
		struct ks_like *l;
		char msg[128];

		memset(big, 'a', sizeof(big) - 1);
		ks_like_compile("%a%a%a%b", 8, NULL, 0, &l, msg, sizeof(msg));
		is_int(ks_like_match(l, big, sizeof(big) - 1), 0,
		       "long non-match");
		ks_like_free(l);
	}
}

static void test_arena(void)
{
	struct ks_arena a;
	char *p, *q;
	size_t k;
	int good = 1;

	ks_arena_init(&a);
	p = ks_arena_alloc(&a, 3);
	q = ks_arena_alloc(&a, 5);
	ok(((uintptr_t)p & 7) == 0 && ((uintptr_t)q & 7) == 0 && q - p == 8,
	   "8-aligned bump allocation");
	p = ks_arena_strdup(&a, "hello", 5);
	is_str(p, "hello", "strdup NUL-terminated");
	for (k = 0; k < 1000; k++) {
		char *r = ks_arena_alloc(&a, 1000);

		memset(r, (int)k, 1000);
	}
	is_str(p, "hello", "earlier allocations stay valid after growth");
	ks_arena_reset(&a);
	q = ks_arena_alloc(&a, 500000);
	ok(q != NULL, "reset keeps a chunk");
	for (k = 0; k < 100; k++) {
		ks_arena_reset(&a);
		if (ks_arena_alloc(&a, 100) == NULL)
			good = 0;
	}
	ok(good, "reset and allocate repeatedly");
	ks_arena_release(&a);
	ok(a.chunk == NULL && a.cap == 0, "release empties");
	ks_arena_release(&a);
	is_int(ks_rowerr_set(&rerr, KS_ERR_CAST, "x %d", 5), -1,
	       "rowerr_set returns -1");
	is_str(rerr.msg, "x 5", "rowerr message");
	is_str(rerr.name, "CAST_FAILED", "rowerr name");
}

int main(void)
{
	ks_arena_init(&arena);
	test_types();
	test_arith();
	test_logic_compare();
	test_time_arith();
	test_casts();
	test_from_text();
	test_text_json();
	test_hash_equal();
	test_like();
	test_arena();
	ks_arena_release(&arena);
	return done_testing();
}
