/*
 * ksql_func.c: unit tests of ksql's scalar function library (func.c,
 * time.c): the registry, every function with normal, NULL and error
 * cases, type errors with their messages, constant and per-row patterns.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../cmd/ksql/ksql.h"
#include "../../cmd/ksql/func.h"
#include "banned.h"

static struct ks_arena arena;
static struct ks_rowerr rerr;
/* ROWTIME 2024-05-01 12:34:56.789, now 2024-06-02 03:04:05.006 */
static struct ks_eval_ctx ctx = { &arena, 1714566896789LL, 1717297445006LL,
				  &rerr };
static char out[8][1024];
static int outi;
static int constant = 1; /* pass the arguments as constants */

static struct ks_sqltype ty(const char *name)
{
	struct ks_sqltype t;
	char msg[128];

	memset(&t, 0, sizeof(t));
	if (!strcmp(name, "NULL"))
		return t;
	if (!strcmp(name, "INTERVAL_DS") || !strcmp(name, "INTERVAL_YM")) {
		t.t = name[9] == 'D' ? KS_T_INTERVAL_DS : KS_T_INTERVAL_YM;
		return t;
	}
	if (ks_type_parse(name, strlen(name), &t, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "bad test type %s: %s\n", name, msg);
		exit(2);
	}
	return t;
}

/*
 * Calls function name as the engine does, with (type, text value) pairs
 * ending with a NULL type; a NULL value is SQL NULL. Returns "TYPE
 * value", "type error: msg", "prepare error: msg" or "ERROR_NAME: msg".
 */
static const char *fn(const char *name, ...)
{
	const struct ks_func *f = ks_func_lookup(name);
	struct ks_sqltype at[8], rt;
	struct ks_value av[8], r;
	const struct ks_value *consts[8];
	struct kc_buf b = KC_BUF_INIT;
	char msg[256], *o = out[outi++ & 7];
	const char *tn, *v;
	void *state = NULL;
	va_list ap;
	int n = 0, i, rc;

	va_start(ap, name);
	while ((tn = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		at[n] = ty(tn);
		if (!v)
			av[n].null = 1;
		else if (ks_from_text(&ctx, v, strlen(v), &at[n], &av[n]) < 0) {
			fprintf(stderr, "bad test value %s: %s\n", v, rerr.msg);
			exit(2);
		}
		consts[n] = constant ? &av[n] : NULL;
		n++;
	}
	va_end(ap);
	if (!f) {
		snprintf(o, 1024, "no such function");
		return o;
	}
	if (n < f->min_args || n > f->max_args) {
		snprintf(o, 1024, "bad argument count");
		return o;
	}
	if (f->type(at, consts, n, &rt, msg, sizeof(msg)) < 0) {
		snprintf(o, 1024, "type error: %s", msg);
		return o;
	}
	if (f->prepare && f->prepare(at, consts, n, &state, msg, sizeof(msg)) < 0) {
		snprintf(o, 1024, "prepare error: %s", msg);
		return o;
	}
	rc = 0;
	r.null = 1;
	for (i = 0; i < n; i++)
		if ((f->flags & KS_FN_STRICT) && av[i].null)
			break;
	if (i == n)
		rc = f->eval(&ctx, state, av, at, n, &rt, &r);
	if (f->release)
		f->release(state);
	if (rc < 0) {
		snprintf(o, 1024, "%s: %s", rerr.name, rerr.msg);
		return o;
	}
	ks_type_format(&rt, &b);
	kc_buf_addc(&b, ' ');
	if (r.null)
		kc_buf_adds(&b, "NULL");
	else
		ks_value_text(&r, &rt, &b);
	snprintf(o, 1024, "%s", b.data);
	kc_buf_release(&b);
	return o;
}

#define V "VARCHAR(40)"
#define I "INTEGER"
#define BI "BIGINT"
#define D "DOUBLE"
#define TS "TIMESTAMP"
#define E NULL

static void test_registry(void)
{
	static const char *names[] = {
		"ABS", "CEIL", "CEILING", "CHARACTER_LENGTH", "CHAR_LENGTH",
		"CHAR_TO_TIMESTAMP", "COALESCE", "CURRENT_DATE",
		"CURRENT_ROW_TIMESTAMP", "CURRENT_TIMESTAMP", "EXP", "EXTRACT",
		"FLOOR", "INITCAP", "LN", "LOCALTIMESTAMP", "LOG10", "LOWER",
		"MOD", "NULLIF", "OVERLAY", "POSITION", "POWER",
		"REGEX_REPLACE", "ROUND", "SQRT", "STEP", "SUBSTRING",
		"TIMESTAMP_TO_CHAR", "TO_TIMESTAMP", "TRIM", "TSDIFF",
		"UNIX_TIMESTAMP", "UPPER",
	};
	size_t i;
	int found = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ks_func *f = ks_func_lookup(names[i]);

		if (f && !strcmp(f->name, names[i]) && f->type && f->eval)
			found++;
		else
			diag("missing function %s", names[i]);
	}
	is_int(found, (int)(sizeof(names) / sizeof(names[0])),
	       "every function is registered");
	ok(ks_func_lookup("NOPE") == NULL, "unknown function");
	ok(ks_func_lookup("abs") == NULL, "lookup takes upper case names");
	ok(ks_func_lookup("COUNT") == NULL, "aggregates are not scalar");
	is_int(ks_func_lookup("ABS")->min_args, 1, "ABS min args");
	is_int(ks_func_lookup("COALESCE")->flags & KS_FN_STRICT, 0,
	       "COALESCE is not strict");
	is_int(ks_func_lookup("TIMESTAMP_TO_CHAR")->flags & KS_FN_STRICT, 0,
	       "TIMESTAMP_TO_CHAR is not strict (NULL gives 'null')");
	ok(ks_time_nfuncs == 10, "time table size");
	for (i = 1; i < ks_time_nfuncs; i++)
		if (strcmp(ks_time_funcs[i - 1].name, ks_time_funcs[i].name) >= 0)
			break;
	ok(i == ks_time_nfuncs, "time table sorted");
}

static void test_numeric(void)
{
	is_str(fn("ABS", I, "-5", E), "INTEGER 5", "ABS(-5)");
	is_str(fn("ABS", I, "5", E), "INTEGER 5", "ABS(5)");
	is_str(fn("ABS", D, "-2.5", E), "DOUBLE 2.5", "ABS(-2.5)");
	is_str(fn("ABS", "DECIMAL(5,2)", "-1.25", E), "DECIMAL(5,2) 1.25",
	       "ABS(DECIMAL)");
	is_str(fn("ABS", "TINYINT", "-128", E),
	       "NUMERIC_OVERFLOW: numeric overflow: 0 - -128 does not fit TINYINT",
	       "ABS(TINYINT -128) overflows");
	is_str(fn("ABS", I, NULL, E), "INTEGER NULL", "ABS(NULL)");
	is_str(fn("ABS", "NULL", NULL, E), "NULL NULL", "ABS(bare NULL)");
	is_str(fn("ABS", V, "x", E),
	       "type error: ABS: argument 1 must be numeric, not VARCHAR(40)",
	       "ABS(VARCHAR)");
	is_str(fn("ABS", "INTERVAL_DS", "-1000", E),
	       "INTERVAL DAY TO SECOND 0 00:00:01.000", "ABS(interval)");
	/* simple alerts: ABS(Change / (Price - Change)) * 100 */
	is_str(fn("ABS", D, "-0.005882352941176471", E),
	       "DOUBLE 0.005882352941176471", "ABS of a ratio");

	is_str(fn("MOD", I, "10", I, "3", E), "INTEGER 1", "MOD(10,3)");
	is_str(fn("MOD", I, "-10", I, "3", E), "INTEGER -1", "MOD(-10,3)");
	is_str(fn("MOD", I, "10", I, "0", E),
	       "DIVISION_BY_ZERO: division by zero", "MOD(10,0)");
	is_str(fn("MOD", BI, "10", I, NULL, E), "BIGINT NULL", "MOD(10,NULL)");
	is_str(fn("MOD", D, "7.5", I, "2", E), "DOUBLE 1.5", "MOD(7.5,2)");
	is_str(fn("MOD", V, "7", I, "2", E),
	       "type error: MOD: argument 1 must be numeric, not VARCHAR(40)",
	       "MOD(VARCHAR,..)");

	is_str(fn("FLOOR", D, "2.7", E), "DOUBLE 2", "FLOOR(2.7)");
	is_str(fn("FLOOR", D, "-2.2", E), "DOUBLE -3", "FLOOR(-2.2)");
	is_str(fn("CEIL", D, "2.2", E), "DOUBLE 3", "CEIL(2.2)");
	is_str(fn("CEILING", D, "-2.7", E), "DOUBLE -2", "CEILING(-2.7)");
	is_str(fn("FLOOR", I, "7", E), "INTEGER 7", "FLOOR(INTEGER)");
	is_str(fn("FLOOR", "DECIMAL(5,2)", "-1.25", E), "DECIMAL(4,0) -2",
	       "FLOOR(DECIMAL)");
	is_str(fn("CEIL", "DECIMAL(5,2)", "1.25", E), "DECIMAL(4,0) 2",
	       "CEIL(DECIMAL)");
	is_str(fn("CEIL", "DECIMAL(5,2)", "-1.25", E), "DECIMAL(4,0) -1",
	       "CEIL(-1.25)");
	is_str(fn("FLOOR", "DECIMAL(5,2)", "3.00", E), "DECIMAL(4,0) 3",
	       "FLOOR(3.00)");
	is_str(fn("FLOOR", D, NULL, E), "DOUBLE NULL", "FLOOR(NULL)");
	is_str(fn("FLOOR", V, "x", E),
	       "type error: FLOOR: argument 1 must be numeric, not VARCHAR(40)",
	       "FLOOR(VARCHAR)");
	is_str(fn("FLOOR", "REAL", "1.5", E), "REAL 1", "FLOOR(REAL)");

	is_str(fn("STEP", I, "17", I, "5", E), "INTEGER 15", "STEP(17 BY 5)");
	is_str(fn("STEP", I, "-1", I, "5", E), "INTEGER -5", "STEP(-1 BY 5)");
	is_str(fn("STEP", BI, "20", I, "5", E), "BIGINT 20", "STEP(20 BY 5)");
	is_str(fn("STEP", D, "7.5", D, "2", E), "DOUBLE 6", "STEP(7.5 BY 2)");
	is_str(fn("STEP", "DECIMAL(5,2)", "7.55", "DECIMAL(3,1)", "0.5", E),
	       "DECIMAL(6,2) 7.50", "STEP(DECIMAL)");
	is_str(fn("STEP", I, "7", I, "0", E),
	       "FUNCTION_ERROR: STEP: the step must be positive", "STEP BY 0");
	is_str(fn("STEP", I, NULL, I, "5", E), "INTEGER NULL", "STEP(NULL)");
	is_str(fn("STEP", V, "x", I, "5", E),
	       "type error: STEP: cannot step VARCHAR(40) by INTEGER",
	       "STEP(VARCHAR)");

	is_str(fn("ROUND", D, "2.5", E), "DOUBLE 3", "ROUND(2.5)");
	is_str(fn("ROUND", D, "-2.5", E), "DOUBLE -3", "ROUND(-2.5)");
	is_str(fn("ROUND", D, "3.14159", I, "2", E), "DOUBLE 3.14",
	       "ROUND(x,2)");
	is_str(fn("ROUND", I, "1234", I, "-2", E), "INTEGER 1200",
	       "ROUND(1234,-2)");
	is_str(fn("ROUND", I, "1250", I, "-2", E), "INTEGER 1300",
	       "ROUND(1250,-2)");
	is_str(fn("ROUND", "DECIMAL(6,3)", "1.235", I, "2", E),
	       "DECIMAL(6,3) 1.240", "ROUND(DECIMAL,2)");
	is_str(fn("ROUND", "TINYINT", "126", I, "-1", E),
	       "NUMERIC_OVERFLOW: ROUND: numeric overflow", "ROUND overflow");
	is_str(fn("ROUND", D, NULL, E), "DOUBLE NULL", "ROUND(NULL)");

	is_str(fn("POWER", I, "2", I, "10", E), "DOUBLE 1024", "POWER(2,10)");
	is_str(fn("POWER", D, "4", D, "0.5", E), "DOUBLE 2", "POWER(4,0.5)");
	is_str(fn("POWER", D, "-8", D, "0.5", E),
	       "FUNCTION_ERROR: POWER: negative base with a fractional exponent",
	       "POWER(-8,0.5)");
	is_str(fn("POWER", D, "0", D, "-1", E),
	       "FUNCTION_ERROR: POWER: zero to a negative power", "POWER(0,-1)");
	is_str(fn("POWER", D, "10", D, "400", E),
	       "NUMERIC_OVERFLOW: POWER: numeric overflow", "POWER overflow");
	is_str(fn("POWER", D, NULL, D, "2", E), "DOUBLE NULL", "POWER(NULL,2)");
	is_str(fn("SQRT", I, "16", E), "DOUBLE 4", "SQRT(16)");
	is_str(fn("SQRT", D, "-1", E), "FUNCTION_ERROR: SQRT: negative argument",
	       "SQRT(-1)");
	is_str(fn("SQRT", D, NULL, E), "DOUBLE NULL", "SQRT(NULL)");
	is_str(fn("LN", D, "1", E), "DOUBLE 0", "LN(1)");
	is_str(fn("LN", D, "0", E), "FUNCTION_ERROR: LN: argument must be positive",
	       "LN(0)");
	is_str(fn("LOG10", I, "1000", E), "DOUBLE 3", "LOG10(1000)");
	is_str(fn("LOG10", I, "-1", E),
	       "FUNCTION_ERROR: LOG10: argument must be positive", "LOG10(-1)");
	is_str(fn("EXP", I, "0", E), "DOUBLE 1", "EXP(0)");
	is_str(fn("EXP", D, "1000", E), "NUMERIC_OVERFLOW: EXP: numeric overflow",
	       "EXP overflow");
	is_str(fn("EXP", "DECIMAL(3,1)", "1.0", E), "DOUBLE 2.718281828459045",
	       "EXP(1.0)");
	is_str(fn("SQRT", "BOOLEAN", "true", E),
	       "type error: SQRT: argument 1 must be numeric, not BOOLEAN",
	       "SQRT(BOOLEAN)");
}

static void test_strings(void)
{
	is_str(fn("CHAR_LENGTH", V, "hello", E), "INTEGER 5", "CHAR_LENGTH");
	is_str(fn("CHARACTER_LENGTH", V, "h\xc3\xa9llo", E), "INTEGER 5",
	       "CHARACTER_LENGTH counts characters");
	is_str(fn("CHAR_LENGTH", V, "", E), "INTEGER 0", "CHAR_LENGTH('')");
	is_str(fn("CHAR_LENGTH", "CHAR(6)", "ab", E), "INTEGER 6",
	       "CHAR_LENGTH(CHAR(6)) counts the padding");
	is_str(fn("CHAR_LENGTH", V, NULL, E), "INTEGER NULL",
	       "CHAR_LENGTH(NULL)");
	is_str(fn("CHAR_LENGTH", I, "5", E),
	       "type error: CHAR_LENGTH: argument 1 must be a string, not INTEGER",
	       "CHAR_LENGTH(INTEGER)");

	is_str(fn("LOWER", V, "HeLLo World", E), "VARCHAR(40) hello world",
	       "LOWER");
	is_str(fn("UPPER", V, "HeLLo World", E), "VARCHAR(40) HELLO WORLD",
	       "UPPER");
	is_str(fn("UPPER", V, "stra\xc3\x9f" "e \xc3\xa9t\xc3\xa9 \xc3\xbf", E),
	       "VARCHAR(40) STRA\xc3\x9f" "E \xc3\x89T\xc3\x89 \xc5\xb8",
	       "UPPER Latin-1 (ß kept)");
	is_str(fn("LOWER", V, "\xc3\x89T\xc3\x89 \xc3\x97", E),
	       "VARCHAR(40) \xc3\xa9t\xc3\xa9 \xc3\x97", "LOWER Latin-1 (× kept)");
	is_str(fn("UPPER", V, "\xce\xb1\xce\xb2\xce\xb3 \xd0\xb4\xd0\xb0", E),
	       "VARCHAR(40) \xce\x91\xce\x92\xce\x93 \xd0\x94\xd0\x90",
	       "UPPER Greek and Cyrillic");
	is_str(fn("LOWER", V, "\xc5\x81\xc3\x93" "D\xc5\xb9", E),
	       "VARCHAR(40) \xc5\x82\xc3\xb3" "d\xc5\xba", "LOWER Latin Extended-A");
	is_str(fn("UPPER", V, "\xe6\x97\xa5\xe6\x9c\xac", E),
	       "VARCHAR(40) \xe6\x97\xa5\xe6\x9c\xac", "UPPER leaves CJK");
	is_str(fn("UPPER", "CHAR(4)", "ab", E), "CHAR(4) AB  ",
	       "UPPER keeps CHAR");
	is_str(fn("LOWER", V, NULL, E), "VARCHAR(40) NULL", "LOWER(NULL)");
	is_str(fn("UPPER", I, "1", E),
	       "type error: UPPER: argument 1 must be a string, not INTEGER",
	       "UPPER(INTEGER)");
	is_str(fn("INITCAP", V, "Each FIRST lEtTeR is cAPITALIZED", E),
	       "VARCHAR(40) Each First Letter Is Capitalized",
	       "INITCAP (KDA example)");
	is_str(fn("INITCAP", V, "  two  spaces-and_more", E),
	       "VARCHAR(40)   Two  Spaces-and_more", "INITCAP space-delimited");
	is_str(fn("INITCAP", V, "\xc3\xa9" "cole \xc3\x89T\xc3\x89", E),
	       "VARCHAR(40) \xc3\x89" "cole \xc3\x89t\xc3\xa9", "INITCAP UTF-8");
	is_str(fn("INITCAP", V, "", E), "VARCHAR(40) ", "INITCAP('')");
	is_str(fn("INITCAP", V, NULL, E), "VARCHAR(40) NULL", "INITCAP(NULL)");

	is_str(fn("SUBSTRING", V, "hello world", I, "7", E), "VARCHAR(40) world",
	       "SUBSTRING FROM 7");
	is_str(fn("SUBSTRING", V, "hello world", I, "1", I, "5", E),
	       "VARCHAR(40) hello", "SUBSTRING FROM 1 FOR 5");
	is_str(fn("SUBSTRING", V, "hello", I, "0", I, "3", E), "VARCHAR(40) he",
	       "SUBSTRING FROM 0 FOR 3 (SQL:2008)");
	is_str(fn("SUBSTRING", V, "hello", I, "-2", I, "3", E), "VARCHAR(40) ",
	       "SUBSTRING FROM -2 FOR 3");
	is_str(fn("SUBSTRING", V, "hello", I, "4", I, "100", E), "VARCHAR(40) lo",
	       "SUBSTRING past the end");
	is_str(fn("SUBSTRING", V, "hello", I, "9", E), "VARCHAR(40) ",
	       "SUBSTRING start past the end");
	is_str(fn("SUBSTRING", V, "h\xc3\xa9llo", I, "2", I, "2", E),
	       "VARCHAR(40) \xc3\xa9l", "SUBSTRING counts characters");
	is_str(fn("SUBSTRING", V, "hello", I, "2", I, "-1", E),
	       "FUNCTION_ERROR: SUBSTRING: negative length -1",
	       "SUBSTRING negative length");
	is_str(fn("SUBSTRING", V, "hello", I, NULL, E), "VARCHAR(40) NULL",
	       "SUBSTRING FROM NULL");
	is_str(fn("SUBSTRING", V, NULL, I, "1", E), "VARCHAR(40) NULL",
	       "SUBSTRING(NULL)");
	is_str(fn("SUBSTRING", V, "hello", V, "1", E),
	       "type error: SUBSTRING: argument 2 must be an integer, not VARCHAR(40)",
	       "SUBSTRING FROM VARCHAR");
	is_str(fn("SUBSTRING", V, "hello", I, "2", BI, "9223372036854775807", E),
	       "VARCHAR(40) ello", "SUBSTRING huge length");

	is_str(fn("POSITION", V, "lo", V, "hello", E), "INTEGER 4", "POSITION");
	is_str(fn("POSITION", V, "x", V, "hello", E), "INTEGER 0",
	       "POSITION not found");
	is_str(fn("POSITION", V, "", V, "hello", E), "INTEGER 1",
	       "POSITION of ''");
	is_str(fn("POSITION", V, "l", V, "h\xc3\xa9llo", E), "INTEGER 3",
	       "POSITION counts characters");
	is_str(fn("POSITION", V, NULL, V, "hello", E), "INTEGER NULL",
	       "POSITION(NULL)");
	is_str(fn("POSITION", I, "1", V, "hello", E),
	       "type error: POSITION: argument 1 must be a string, not INTEGER",
	       "POSITION(INTEGER)");

	is_str(fn("TRIM", V, "BOTH", V, " ", V, "  hi  ", E), "VARCHAR(40) hi",
	       "TRIM BOTH");
	is_str(fn("TRIM", V, "LEADING", V, " ", V, "  hi  ", E),
	       "VARCHAR(40) hi  ", "TRIM LEADING");
	is_str(fn("TRIM", V, "TRAILING", V, " ", V, "  hi  ", E),
	       "VARCHAR(40)   hi", "TRIM TRAILING");
	is_str(fn("TRIM", V, "both", V, "x", V, "xxhixx", E), "VARCHAR(40) hi",
	       "TRIM 'x'");
	is_str(fn("TRIM", V, "BOTH", V, "\xc3\xa9", V, "\xc3\xa9h\xc3\xa9", E),
	       "VARCHAR(40) h", "TRIM a UTF-8 character");
	is_str(fn("TRIM", V, "BOTH", V, " ", V, "    ", E), "VARCHAR(40) ",
	       "TRIM all blanks");
	is_str(fn("TRIM", V, "BOTH", V, " ", V, NULL, E), "VARCHAR(40) NULL",
	       "TRIM(NULL)");
	is_str(fn("TRIM", V, "MIDDLE", V, " ", V, "x", E),
	       "type error: TRIM: the mode must be BOTH, LEADING or TRAILING",
	       "TRIM bad mode");
	is_str(fn("TRIM", V, "BOTH", V, "ab", V, "x", E),
	       "type error: TRIM: the trim character must be one character",
	       "TRIM two characters");
	constant = 0;
	is_str(fn("TRIM", V, "BOTH", V, "ab", V, "x", E),
	       "type error: TRIM: the mode must be BOTH, LEADING or TRAILING",
	       "TRIM mode must be a constant");
	constant = 1;

	is_str(fn("OVERLAY", V, "Txxxxas", V, "hom", I, "2", I, "4", E),
	       "VARCHAR(80) Thomas", "OVERLAY (SQL example)");
	is_str(fn("OVERLAY", V, "abcdef", V, "XY", I, "3", E),
	       "VARCHAR(80) abXYef", "OVERLAY without FOR");
	is_str(fn("OVERLAY", V, "abcdef", V, "XY", I, "3", I, "0", E),
	       "VARCHAR(80) abXYcdef", "OVERLAY FOR 0 inserts");
	is_str(fn("OVERLAY", V, "abc", V, "XY", I, "10", E),
	       "VARCHAR(80) abcXY", "OVERLAY past the end appends");
	is_str(fn("OVERLAY", V, "abc", V, "XY", I, "1", I, "-1", E),
	       "FUNCTION_ERROR: OVERLAY: negative length -1",
	       "OVERLAY negative length");
	is_str(fn("OVERLAY", V, "abc", V, NULL, I, "1", E), "VARCHAR(80) NULL",
	       "OVERLAY(NULL)");

	is_str(fn("COALESCE", I, NULL, I, "2", I, "3", E), "INTEGER 2",
	       "COALESCE");
	is_str(fn("COALESCE", I, NULL, I, NULL, E), "INTEGER NULL",
	       "COALESCE all NULL");
	is_str(fn("COALESCE", I, "5", D, "2.5", E), "DOUBLE 5",
	       "COALESCE converts to the common type");
	is_str(fn("COALESCE", "NULL", NULL, V, "x", E), "VARCHAR(40) x",
	       "COALESCE(NULL, 'x')");
	is_str(fn("COALESCE", "DECIMAL(4,1)", NULL, "DECIMAL(5,2)", "1.5", E),
	       "DECIMAL(5,2) 1.50", "COALESCE of DECIMALs");
	is_str(fn("COALESCE", "DECIMAL(4,1)", "2.5", "DECIMAL(5,2)", "1.5", E),
	       "DECIMAL(5,2) 2.50", "COALESCE rescales the first");
	is_str(fn("COALESCE", I, "1", V, "x", E),
	       "type error: COALESCE: incompatible types INTEGER and VARCHAR(40)",
	       "COALESCE incompatible");
	is_str(fn("NULLIF", I, "1", I, "1", E), "INTEGER NULL", "NULLIF equal");
	is_str(fn("NULLIF", I, "1", I, "2", E), "INTEGER 1", "NULLIF differ");
	is_str(fn("NULLIF", I, "1", I, NULL, E), "INTEGER 1", "NULLIF(1, NULL)");
	is_str(fn("NULLIF", I, NULL, I, "1", E), "INTEGER NULL", "NULLIF(NULL,1)");
	is_str(fn("NULLIF", V, "a", "CHAR(3)", "a", E), "VARCHAR(40) NULL",
	       "NULLIF blank-padded");
	is_str(fn("NULLIF", I, "1", V, "1", E),
	       "type error: NULLIF: cannot apply '=' to INTEGER and VARCHAR(40)",
	       "NULLIF incompatible");
}

static void test_regex(void)
{
	is_str(fn("REGEX_REPLACE", V, "TECHNOLOGY", V, "TECHNOLOGY", V,
		  "INFORMATION TECHNOLOGY", I, "1", I, "0", E),
	       "VARCHAR INFORMATION TECHNOLOGY", "KDA example 1");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "1", I, "0",
		  E),
	       "VARCHAR a-b-c", "replace all");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "1", I, "2",
		  E),
	       "VARCHAR aXb-c", "replace the 2nd");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "3", I, "1",
		  E),
	       "VARCHAR aXb-c", "start at 3, 1st occurrence from there");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "9", I, "0",
		  E),
	       "VARCHAR aXbXc", "start past the end returns the original");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "0", I, "0",
		  E),
	       "FUNCTION_ERROR: REGEX_REPLACE: startPosition 0 is less than 1",
	       "start 0");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "1", I, "-1",
		  E),
	       "FUNCTION_ERROR: REGEX_REPLACE: occurrence -1 is negative",
	       "negative occurrence");
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "Z", V, "-", I, "1", I, "0",
		  E),
	       "VARCHAR aXbXc", "no match");
	is_str(fn("REGEX_REPLACE", V, "john smith", V, "([a-z]+) ([a-z]+)", V,
		  "$2, $1", I, "1", I, "0", E),
	       "VARCHAR smith, john", "groups");
	is_str(fn("REGEX_REPLACE", V, "a1b22c333", V, "\\d+", V, "#", I, "1",
		  I, "0", E),
	       "VARCHAR a#b#c#", "Java \\d");
	is_str(fn("REGEX_REPLACE", V, "a1b22", V, "[\\d]", V, "#", I, "1", I,
		  "0", E),
	       "VARCHAR a#b##", "\\d inside brackets");
	is_str(fn("REGEX_REPLACE", V, "cost 5", V, "[0-9]", V, "\\$", I, "1",
		  I, "0", E),
	       "VARCHAR cost $", "escaped $ in the replacement");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "x*", V, "-", I, "1", I, "0",
		  E),
	       "VARCHAR -a-b-c-", "empty matches, as Java");
	is_str(fn("REGEX_REPLACE", V, "abab", V, "^ab", V, "X", I, "3", I, "0",
		  E),
	       "VARCHAR abab", "^ only at the start of the original");
	is_str(fn("REGEX_REPLACE", V, "abab", V, "^ab", V, "X", I, "1", I, "0",
		  E),
	       "VARCHAR Xab", "^ at the start");
	is_str(fn("REGEX_REPLACE", V, "\xc3\xa9t\xc3\xa9", V, "t", V, "T", I,
		  "3", I, "0", E),
	       "VARCHAR \xc3\xa9t\xc3\xa9", "start counts characters");
	is_str(fn("REGEX_REPLACE", V, "\xc3\xa9t\xc3\xa9", V, "t", V, "T", I,
		  "2", I, "0", E),
	       "VARCHAR \xc3\xa9T\xc3\xa9", "start at character 2");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "(b)", V, "$2", I, "1", I, "0",
		  E),
	       "FUNCTION_ERROR: REGEX_REPLACE: no group 2", "no such group");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "b", V, "x$", I, "1", I, "0",
		  E),
	       "FUNCTION_ERROR: REGEX_REPLACE: illegal group reference",
	       "trailing $");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "(b", V, "x", I, "1", I, "0",
		  E),
	       "prepare error: REGEX_REPLACE: bad regular expression '(b': "
	       "Unmatched ( or \\(",
	       "bad constant pattern fails at prepare");
	is_str(fn("REGEX_REPLACE", V, NULL, V, "b", V, "x", I, "1", I, "0", E),
	       "VARCHAR NULL", "NULL original");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "b", V, "x", E), "VARCHAR axc",
	       "start and occurrence default to 1 and 0");
	is_str(fn("REGEX_REPLACE", V, "abc", I, "1", V, "x", E),
	       "type error: REGEX_REPLACE: argument 2 must be a string, not INTEGER",
	       "pattern INTEGER");
	constant = 0;
	is_str(fn("REGEX_REPLACE", V, "aXbXc", V, "X", V, "-", I, "1", I, "0",
		  E),
	       "VARCHAR a-b-c", "per-row pattern");
	is_str(fn("REGEX_REPLACE", V, "abc", V, "(b", V, "x", I, "1", I, "0",
		  E),
	       "FUNCTION_ERROR: REGEX_REPLACE: bad regular expression '(b': "
	       "Unmatched ( or \\(",
	       "bad per-row pattern is a row error");
	constant = 1;
}

static void test_time(void)
{
	is_str(fn("CURRENT_ROW_TIMESTAMP", E), "TIMESTAMP 2024-05-01 12:34:56.789",
	       "CURRENT_ROW_TIMESTAMP");
	is_str(fn("CURRENT_TIMESTAMP", E), "TIMESTAMP 2024-06-02 03:04:05.006",
	       "CURRENT_TIMESTAMP");
	is_str(fn("LOCALTIMESTAMP", E), "TIMESTAMP 2024-06-02 03:04:05.006",
	       "LOCALTIMESTAMP");
	is_str(fn("CURRENT_DATE", E), "DATE 2024-06-02", "CURRENT_DATE");

	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "SECOND", E),
	       "TIMESTAMP 2024-05-01 12:34:56.000", "FLOOR TO SECOND");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "MINUTE", E),
	       "TIMESTAMP 2024-05-01 12:34:00.000", "FLOOR TO MINUTE");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "HOUR", E),
	       "TIMESTAMP 2024-05-01 12:00:00.000", "FLOOR TO HOUR");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "DAY", E),
	       "TIMESTAMP 2024-05-01 00:00:00.000", "FLOOR TO DAY");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "week", E),
	       "TIMESTAMP 2024-04-29 00:00:00.000", "FLOOR TO WEEK (Monday)");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "MONTH", E),
	       "TIMESTAMP 2024-05-01 00:00:00.000", "FLOOR TO MONTH");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "QUARTER", E),
	       "TIMESTAMP 2024-04-01 00:00:00.000", "FLOOR TO QUARTER");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56.789", V, "YEAR", E),
	       "TIMESTAMP 2024-01-01 00:00:00.000", "FLOOR TO YEAR");
	is_str(fn("FLOOR", TS, "1969-12-31 23:59:59.999", V, "MINUTE", E),
	       "TIMESTAMP 1969-12-31 23:59:00.000", "FLOOR before the epoch");
	is_str(fn("CEIL", TS, "2024-05-01 12:34:56.789", V, "MINUTE", E),
	       "TIMESTAMP 2024-05-01 12:35:00.000", "CEIL TO MINUTE");
	is_str(fn("CEIL", TS, "2024-05-01 12:34:00", V, "MINUTE", E),
	       "TIMESTAMP 2024-05-01 12:34:00.000", "CEIL of a whole minute");
	is_str(fn("CEIL", TS, "2024-12-15 00:00:00", V, "MONTH", E),
	       "TIMESTAMP 2025-01-01 00:00:00.000", "CEIL TO MONTH");
	is_str(fn("CEIL", TS, "2024-05-01 12:00:00", V, "YEAR", E),
	       "TIMESTAMP 2025-01-01 00:00:00.000", "CEIL TO YEAR");
	is_str(fn("FLOOR", "DATE", "2024-05-17", V, "MONTH", E),
	       "DATE 2024-05-01", "FLOOR(date TO MONTH)");
	is_str(fn("FLOOR", TS, NULL, V, "MINUTE", E), "TIMESTAMP NULL",
	       "FLOOR(NULL TO MINUTE)");
	is_str(fn("FLOOR", V, "abcd", V, "MINUTE", E),
	       "type error: FLOOR: cannot floor VARCHAR(40) to MINUTE",
	       "FLOOR(VARCHAR TO MINUTE)");
	is_str(fn("FLOOR", TS, "2024-05-01 12:34:56", V, "FORTNIGHT", E),
	       "type error: FLOOR: the unit must be SECOND, MINUTE, HOUR, DAY, "
	       "WEEK, MONTH, QUARTER or YEAR",
	       "FLOOR bad unit");

	is_str(fn("STEP", TS, "2024-05-01 12:34:56.789", "INTERVAL_DS", "60000",
		  E),
	       "TIMESTAMP 2024-05-01 12:34:00.000", "STEP BY 60 SECOND");
	is_str(fn("STEP", TS, "2024-05-01 12:34:56.789", "INTERVAL_DS",
		  "900000", E),
	       "TIMESTAMP 2024-05-01 12:30:00.000", "STEP BY 15 MINUTE");
	is_str(fn("STEP", TS, "2024-05-01 12:34:56.789", "INTERVAL_DS",
		  "7000", E),
	       "TIMESTAMP 2024-05-01 12:34:56.000",
	       "STEP BY 7 SECOND counts from the epoch (1714566896 = 7k)");
	is_str(fn("STEP", TS, "2024-05-01 12:34:55.999", "INTERVAL_DS",
		  "7000", E),
	       "TIMESTAMP 2024-05-01 12:34:49.000", "STEP BY 7 SECOND below");
	is_str(fn("STEP", TS, "1969-12-31 23:59:30", "INTERVAL_DS", "60000", E),
	       "TIMESTAMP 1969-12-31 23:59:00.000", "STEP before the epoch");
	is_str(fn("STEP", TS, "2024-05-17 12:00:00", "INTERVAL_YM", "3", E),
	       "TIMESTAMP 2024-04-01 00:00:00.000", "STEP BY 3 MONTH");
	is_str(fn("STEP", TS, "2024-05-01 00:00:00", "INTERVAL_DS", "0", E),
	       "FUNCTION_ERROR: STEP: the interval must be positive",
	       "STEP BY 0 SECOND");
	is_str(fn("STEP", TS, NULL, "INTERVAL_DS", "60000", E),
	       "TIMESTAMP NULL", "STEP(NULL BY interval)");
	is_str(fn("STEP", TS, "2024-05-01 00:00:00", I, "5", E),
	       "type error: STEP: cannot step TIMESTAMP by INTEGER",
	       "STEP(ts BY INTEGER)");

	is_str(fn("TSDIFF", TS, "2024-05-01 12:00:01.5", TS,
		  "2024-05-01 12:00:00", E),
	       "BIGINT 1500", "TSDIFF");
	is_str(fn("TSDIFF", TS, "2024-05-01 12:00:00", TS,
		  "2024-05-01 12:00:01.5", E),
	       "BIGINT -1500", "TSDIFF negative");
	is_str(fn("TSDIFF", TS, NULL, TS, "2024-05-01 12:00:00", E),
	       "BIGINT NULL", "TSDIFF(NULL, ts)");
	is_str(fn("TSDIFF", BI, "5000", BI, "2000", E), "BIGINT 3000",
	       "TSDIFF of epoch ms");
	is_str(fn("TSDIFF", V, "x", TS, "2024-05-01 12:00:00", E),
	       "type error: TSDIFF: argument 1 must be a TIMESTAMP, not VARCHAR(40)",
	       "TSDIFF(VARCHAR)");
	is_str(fn("UNIX_TIMESTAMP", TS, "2024-05-01 12:00:00", E),
	       "BIGINT 1714564800000", "UNIX_TIMESTAMP");
	is_str(fn("UNIX_TIMESTAMP", TS, NULL, E), "BIGINT NULL",
	       "UNIX_TIMESTAMP(NULL)");
	is_str(fn("UNIX_TIMESTAMP", I, "1", E),
	       "type error: UNIX_TIMESTAMP: argument 1 must be a TIMESTAMP, not INTEGER",
	       "UNIX_TIMESTAMP(INTEGER)");
	is_str(fn("TO_TIMESTAMP", BI, "1714564800000", E),
	       "TIMESTAMP 2024-05-01 12:00:00.000", "TO_TIMESTAMP");
	is_str(fn("TO_TIMESTAMP", BI, NULL, E), "TIMESTAMP NULL",
	       "TO_TIMESTAMP(NULL)");
	is_str(fn("TO_TIMESTAMP", D, "1.5", E),
	       "type error: TO_TIMESTAMP: argument 1 must be a BIGINT, not DOUBLE",
	       "TO_TIMESTAMP(DOUBLE)");

	/* EXTRACT: 2024-05-01 12:34:56.789 was a Wednesday */
	is_str(fn("EXTRACT", V, "YEAR", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 2024", "EXTRACT YEAR");
	is_str(fn("EXTRACT", V, "MONTH", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 5", "EXTRACT MONTH");
	is_str(fn("EXTRACT", V, "DAY", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 1", "EXTRACT DAY");
	is_str(fn("EXTRACT", V, "HOUR", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 12", "EXTRACT HOUR");
	is_str(fn("EXTRACT", V, "MINUTE", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 34", "EXTRACT MINUTE");
	is_str(fn("EXTRACT", V, "SECOND", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 56", "EXTRACT SECOND");
	is_str(fn("EXTRACT", V, "MILLISECOND", TS, "2024-05-01 12:34:56.789",
		  E),
	       "BIGINT 56789", "EXTRACT MILLISECOND");
	is_str(fn("EXTRACT", V, "DOW", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 3", "EXTRACT DOW (Wednesday)");
	is_str(fn("EXTRACT", V, "DOW", TS, "2024-05-05 00:00:00", E),
	       "BIGINT 0", "EXTRACT DOW (Sunday)");
	is_str(fn("EXTRACT", V, "DOY", TS, "2024-12-31 00:00:00", E),
	       "BIGINT 366", "EXTRACT DOY (leap year)");
	is_str(fn("EXTRACT", V, "WEEK", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 18", "EXTRACT WEEK");
	is_str(fn("EXTRACT", V, "WEEK", TS, "2021-01-03 00:00:00", E),
	       "BIGINT 53", "EXTRACT WEEK (ISO, previous year)");
	is_str(fn("EXTRACT", V, "WEEK", TS, "2024-12-30 00:00:00", E),
	       "BIGINT 1", "EXTRACT WEEK (ISO, next year)");
	is_str(fn("EXTRACT", V, "QUARTER", TS, "2024-05-01 12:34:56.789", E),
	       "BIGINT 2", "EXTRACT QUARTER");
	is_str(fn("EXTRACT", V, "EPOCH", TS, "2024-05-01 12:00:00.999", E),
	       "BIGINT 1714564800", "EXTRACT EPOCH");
	is_str(fn("EXTRACT", V, "EPOCH", TS, "1969-12-31 23:59:59.5", E),
	       "BIGINT -1", "EXTRACT EPOCH before 1970");
	is_str(fn("EXTRACT", V, "YEAR", "DATE", "1999-12-31", E), "BIGINT 1999",
	       "EXTRACT YEAR FROM DATE");
	is_str(fn("EXTRACT", V, "HOUR", "INTERVAL_DS", "93784005", E),
	       "BIGINT 2", "EXTRACT HOUR FROM interval");
	is_str(fn("EXTRACT", V, "DAY", "INTERVAL_DS", "93784005", E),
	       "BIGINT 1", "EXTRACT DAY FROM interval");
	is_str(fn("EXTRACT", V, "SECOND", "INTERVAL_DS", "-93784005", E),
	       "BIGINT -4", "EXTRACT SECOND FROM negative interval");
	is_str(fn("EXTRACT", V, "MONTH", "INTERVAL_YM", "14", E), "BIGINT 2",
	       "EXTRACT MONTH FROM YM");
	is_str(fn("EXTRACT", V, "YEAR", TS, NULL, E), "BIGINT NULL",
	       "EXTRACT FROM NULL");
	is_str(fn("EXTRACT", V, "YEAR", "INTERVAL_DS", "1000", E),
	       "type error: EXTRACT: cannot extract YEAR from INTERVAL DAY TO SECOND",
	       "EXTRACT YEAR FROM DS");
	is_str(fn("EXTRACT", V, "YEAR", I, "1", E),
	       "type error: EXTRACT: cannot extract YEAR from INTEGER",
	       "EXTRACT FROM INTEGER");
	is_str(fn("EXTRACT", V, "CENTURY", TS, "2024-05-01 00:00:00", E),
	       "type error: EXTRACT: unknown unit", "EXTRACT bad unit");
}

static void test_formats(void)
{
	/* TIMESTAMP_TO_CHAR */
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy-MM-dd hh:mm:ss", TS,
		  "2009-09-16 15:15:24", E),
	       "VARCHAR 2009-09-16 03:15:24", "hh is the 12-hour clock");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy-MM-dd HH:mm:ss.SSS", TS,
		  "2009-09-16 15:15:24.007", E),
	       "VARCHAR 2009-09-16 15:15:24.007", "HH and SSS");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "EEE, d MMM yyyy h:mm a", TS,
		  "2024-05-05 00:07:00", E),
	       "VARCHAR Sun, 5 May 2024 12:07 AM", "EEE MMM a");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "EEEE MMMM yy", TS,
		  "2024-02-01 00:00:00", E),
	       "VARCHAR Thursday February 24", "EEEE MMMM yy");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "'day' D 'of' yyyy, k:mm, K a", TS,
		  "2024-12-31 00:05:00", E),
	       "VARCHAR day 366 of 2024, 24:05, 0 AM", "quoted text, D, k, K");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "HH 'o''clock' ''", TS,
		  "2024-12-31 13:00:00", E),
	       "VARCHAR 13 o'clock '", "quotes in quotes");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyyMMdd'T'HHmmssX", TS,
		  "2024-01-02 03:04:05", E),
	       "VARCHAR 20240102T030405Z", "basic ISO with X");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy-MM-dd", TS, NULL, E),
	       "VARCHAR null", "NULL timestamp gives 'null' (KDA)");
	is_str(fn("TIMESTAMP_TO_CHAR", V, NULL, TS, "2024-01-02 03:04:05", E),
	       "VARCHAR NULL", "NULL format gives NULL");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy-QQ", TS, "2024-01-02 03:04:05",
		  E),
	       "prepare error: bad date format: illegal pattern character 'Q' "
	       "in 'yyyy-QQ'",
	       "bad pattern letter");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "'open", TS, "2024-01-02 03:04:05",
		  E),
	       "prepare error: bad date format: unterminated quote in ''open'",
	       "unterminated quote");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy", I, "1", E),
	       "type error: TIMESTAMP_TO_CHAR: argument 2 must be a TIMESTAMP, "
	       "not INTEGER",
	       "TIMESTAMP_TO_CHAR(INTEGER)");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy/MM/dd", "DATE", "2024-01-02",
		  E),
	       "VARCHAR 2024/01/02", "TIMESTAMP_TO_CHAR of a DATE");

	/* CHAR_TO_TIMESTAMP */
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd hh:mm:ss", V,
		  "2009-09-16 03:15:24", E),
	       "TIMESTAMP 2009-09-16 03:15:24.000", "KDA example");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V,
		  "2009-09-16 03:15:24", E),
	       "TIMESTAMP 2009-09-16 00:00:00.000",
	       "date only; the rest is ignored (KDA)");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM", V, "2009-09", E),
	       "TIMESTAMP 2009-09-01 00:00:00.000", "year and month, day 01");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "HH:mm", V, "13:45", E),
	       "TIMESTAMP 1970-01-01 13:45:00.000", "time only");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyyMMddHHmmss", V,
		  "20240102030405", E),
	       "TIMESTAMP 2024-01-02 03:04:05.000", "abutting numbers");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "d/M/yyyy h:mm a", V,
		  "5/1/2024 12:30 PM", E),
	       "TIMESTAMP 2024-01-05 12:30:00.000", "12 PM");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "d/M/yyyy h:mm a", V,
		  "5/1/2024 12:30 am", E),
	       "TIMESTAMP 2024-01-05 00:30:00.000", "12 AM");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "d/M/yyyy h:mm a", V,
		  "5/1/2024 3:30 PM", E),
	       "TIMESTAMP 2024-01-05 15:30:00.000", "3 PM");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "dd MMM yyyy", V, "07 feb 2024", E),
	       "TIMESTAMP 2024-02-07 00:00:00.000", "MMM");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "EEE, dd MMMM yyyy", V,
		  "Wed, 07 February 2024", E),
	       "TIMESTAMP 2024-02-07 00:00:00.000", "EEE and MMMM");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", V,
		  "2024-05-01T12:00:00.250+02:00", E),
	       "TIMESTAMP 2024-05-01 10:00:00.250", "zone offset");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd HH:mm:ss Z", V,
		  "2024-05-01 12:00:00 -0130", E),
	       "TIMESTAMP 2024-05-01 13:30:00.000", "Z offset");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yy-MM-dd", V, "24-05-01", E),
	       "TIMESTAMP 2024-05-01 00:00:00.000", "yy near now");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yy-MM-dd", V, "70-05-01", E),
	       "TIMESTAMP 1970-05-01 00:00:00.000", "yy 80 years back");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V, "2009-13-16", E),
	       "FUNCTION_ERROR: CHAR_TO_TIMESTAMP: cannot parse '2009-13-16' "
	       "with format 'yyyy-MM-dd'",
	       "month 13");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V, "2009-02-30", E),
	       "FUNCTION_ERROR: CHAR_TO_TIMESTAMP: cannot parse '2009-02-30' "
	       "with format 'yyyy-MM-dd'",
	       "February 30");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V, "2009/02/03", E),
	       "FUNCTION_ERROR: CHAR_TO_TIMESTAMP: cannot parse '2009/02/03' "
	       "with format 'yyyy-MM-dd'",
	       "wrong separator");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "HH:mm", V, "24:00", E),
	       "FUNCTION_ERROR: CHAR_TO_TIMESTAMP: cannot parse '24:00' with "
	       "format 'HH:mm'",
	       "hour 24");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V, NULL, E),
	       "TIMESTAMP NULL", "CHAR_TO_TIMESTAMP(NULL)");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", I, "1", E),
	       "type error: CHAR_TO_TIMESTAMP: argument 2 must be a string, not "
	       "INTEGER",
	       "CHAR_TO_TIMESTAMP(INTEGER)");
	constant = 0;
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd", V, "2009-09-16", E),
	       "TIMESTAMP 2009-09-16 00:00:00.000", "per-row format");
	is_str(fn("CHAR_TO_TIMESTAMP", V, "yyyy-qq", V, "2009-09-16", E),
	       "FUNCTION_ERROR: CHAR_TO_TIMESTAMP: bad date format: illegal "
	       "pattern character 'q' in 'yyyy-qq'",
	       "bad per-row format");
	is_str(fn("TIMESTAMP_TO_CHAR", V, "yyyy", TS, "2024-01-02 03:04:05", E),
	       "VARCHAR 2024", "per-row TIMESTAMP_TO_CHAR");
	constant = 1;
	{
		/* round trip through both functions for many timestamps */
		int k, bad = 0;
		char want[64], got[64];

		for (k = 0; k < 500; k++) {
			int64_t ms = -5000000000000LL + k * 23456789012LL;
			char ts[32];
			const char *r;

			ks_ts_format(ms, ts);
			r = fn("TIMESTAMP_TO_CHAR", V, "yyyy-MM-dd HH:mm:ss.SSS",
			       TS, ts, E);
			snprintf(got, sizeof(got), "%s", r + 8);
			r = fn("CHAR_TO_TIMESTAMP", V, "yyyy-MM-dd HH:mm:ss.SSS",
			       V, got, E);
			snprintf(want, sizeof(want), "TIMESTAMP %s", ts);
			if (strcmp(r, want))
				bad++;
		}
		is_int(bad, 0, "500 timestamps round-trip through the formats");
	}
}

int main(void)
{
	ks_arena_init(&arena);
	test_registry();
	test_numeric();
	test_strings();
	test_regex();
	test_time();
	test_formats();
	ks_arena_release(&arena);
	return done_testing();
}
