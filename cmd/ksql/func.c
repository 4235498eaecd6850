/*
 * func.c: the scalar function registry (ks_func_lookup) and the numeric
 * and string functions: ABS, MOD, FLOOR, CEIL/CEILING (of numbers and of
 * timestamps TO a unit), STEP, ROUND, POWER, SQRT, LN, LOG10, EXP,
 * CHAR_LENGTH/CHARACTER_LENGTH, LOWER, UPPER, INITCAP, SUBSTRING,
 * POSITION, TRIM, OVERLAY, REGEX_REPLACE, COALESCE and NULLIF. The time
 * functions are in time.c, listed in their own table.
 *
 * Semantics follow the KDA SQL reference; where it is silent, SQL:2008
 * (noted at each function). Strings are counted in characters (UTF-8).
 */
#include <math.h>
#include <stdarg.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksql.h"
#include "func.h"
#include "banned.h"

#define NOTNULL(x) (!(x).null)

static int fn_err(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fn_err(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msgsz, fmt, ap);
	va_end(ap);
	return -1;
}

static void set_t(struct ks_sqltype *rt, enum ks_type t, int32_t len,
		  int16_t scale)
{
	memset(rt, 0, sizeof(*rt));
	rt->t = t;
	rt->len = len;
	rt->scale = scale;
}

static int is_null_t(const struct ks_sqltype *t)
{
	return t->t == KS_T_NULL;
}

static int str_arg(const struct ks_sqltype *t)
{
	return ks_type_is_string(t->t) || is_null_t(t);
}

static int num_arg(const struct ks_sqltype *t)
{
	return ks_type_is_numeric(t->t) || is_null_t(t);
}

static int int_arg(const struct ks_sqltype *t)
{
	return ks_type_is_integer(t->t) || is_null_t(t);
}

/* "FN: argument N must be TYPE, not VARCHAR(4)" */
static int arg_err(char *msg, size_t msgsz, const char *fn, int i,
		   const char *what, const struct ks_sqltype *t)
{
	char b[64];

	return fn_err(msg, msgsz, "%s: argument %d must be %s, not %s", fn,
		      i + 1, what, ks_type_str(t, b, sizeof(b)));
}

/* A constant keyword argument (e.g. 'MINUTE') as a unit, or -1. */
static int const_unit(const struct ks_value *const *consts, int i)
{
	if (!consts || !consts[i] || consts[i]->null)
		return -1;
	return ks_unit_parse(consts[i]->u.s.p, consts[i]->u.s.n);
}

/* ---- ABS, MOD, ROUND ---- */

static int abs_type(const struct ks_sqltype *argt,
		    const struct ks_value *const *consts, int argc,
		    struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!num_arg(&argt[0]) && argt[0].t != KS_T_INTERVAL_DS &&
	    argt[0].t != KS_T_INTERVAL_YM)
		return arg_err(msg, msgsz, "ABS", 0, "numeric", &argt[0]);
	*rt = argt[0];
	rt->not_null = 0;
	return 0;
}

static int abs_eval(struct ks_eval_ctx *c, void *state,
		    const struct ks_value *argv, const struct ks_sqltype *argt,
		    int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argc;
	*out = argv[0];
	if (argt[0].t == KS_T_REAL || argt[0].t == KS_T_DOUBLE) {
		out->u.d = fabs(argv[0].u.d);
		return 0;
	}
	if (argv[0].u.i < 0)
		return ks_eval_unary(c, KS_OP_NEG, &argv[0], &argt[0], rt, out);
	return 0;
}

static int mod_type(const struct ks_sqltype *argt,
		    const struct ks_value *const *consts, int argc,
		    struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!num_arg(&argt[0]))
		return arg_err(msg, msgsz, "MOD", 0, "numeric", &argt[0]);
	if (!num_arg(&argt[1]))
		return arg_err(msg, msgsz, "MOD", 1, "numeric", &argt[1]);
	return ks_type_binary(KS_OP_MOD, &argt[0], &argt[1], rt, msg, msgsz);
}

static int mod_eval(struct ks_eval_ctx *c, void *state,
		    const struct ks_value *argv, const struct ks_sqltype *argt,
		    int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argc;
	return ks_eval_binary(c, KS_OP_MOD, &argv[0], &argt[0], &argv[1],
			      &argt[1], rt, out);
}

static const int64_t p10[19] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

/* v rounded to a multiple of 10^e: down (mode -1), up (1), half away
 * from zero (0). -1 on overflow. */
static int round_pow10(int64_t v, int e, int mode, int64_t *out)
{
	int64_t d, q, r;

	if (e <= 0) {
		*out = v;
		return 0;
	}
	if (e > 18) {
		if (mode == 0 || v == 0 || (mode < 0 && v > 0) ||
		    (mode > 0 && v < 0)) {
			*out = 0;
			return 0;
		}
		return -1;
	}
	d = p10[e];
	q = v / d;
	r = v % d;
	if (mode < 0 && r < 0)
		q--;
	else if (mode > 0 && r > 0)
		q++;
	else if (mode == 0 && (r >= d - r || -r >= d + r))
		q += v < 0 ? -1 : 1;
	if (__builtin_mul_overflow(q, d, out))
		return -1;
	return 0;
}

/* ---- FLOOR, CEIL, STEP (numbers and timestamps) ---- */

static int floorceil_type(const char *fn, const struct ks_sqltype *argt,
			  const struct ks_value *const *consts, int argc,
			  struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char b[64];
	int u;

	if (argc == 1) {
		if (!num_arg(&argt[0]))
			return arg_err(msg, msgsz, fn, 0, "numeric", &argt[0]);
		*rt = argt[0];
		rt->not_null = 0;
		if (rt->t == KS_T_DECIMAL) {
			/* scale 0; one more integer digit for the carry */
			rt->len = rt->len - rt->scale + 1;
			if (rt->len > 18)
				rt->len = 18;
			rt->scale = 0;
		}
		return 0;
	}
	u = const_unit(consts, 1);
	if (!ks_type_is_string(argt[1].t) || u < 0 || u < KS_U_SECOND ||
	    u > KS_U_YEAR)
		return fn_err(msg, msgsz,
			      "%s: the unit must be SECOND, MINUTE, HOUR, DAY, "
			      "WEEK, MONTH, QUARTER or YEAR",
			      fn);
	if (argt[0].t != KS_T_TIMESTAMP && argt[0].t != KS_T_DATE &&
	    !is_null_t(&argt[0]))
		return fn_err(msg, msgsz, "%s: cannot %s %s to %s", fn,
			      fn[0] == 'F' ? "floor" : "ceil",
			      ks_type_str(&argt[0], b, sizeof(b)),
			      ks_unit_name(u));
	set_t(rt, is_null_t(&argt[0]) ? KS_T_TIMESTAMP : argt[0].t, 0, 0);
	return 0;
}

static int floor_type(const struct ks_sqltype *argt,
		      const struct ks_value *const *consts, int argc,
		      struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	return floorceil_type("FLOOR", argt, consts, argc, rt, msg, msgsz);
}

static int ceil_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	return floorceil_type("CEIL", argt, consts, argc, rt, msg, msgsz);
}

/* The unit of FLOOR/CEIL(ts TO unit) is kept in the state pointer. */
static int unit_prepare(const struct ks_sqltype *argt,
			const struct ks_value *const *consts, int argc,
			void **state, char *msg, size_t msgsz)
{
	(void)argt, (void)msg, (void)msgsz;
	*state = NULL;
	if (argc == 2) {
		int u = const_unit(consts, 1);

		*state = (void *)(intptr_t)(u + 1);
	}
	return 0;
}

static int floorceil_eval(struct ks_eval_ctx *c, void *state,
			  const struct ks_value *argv,
			  const struct ks_sqltype *argt, int argc,
			  const struct ks_sqltype *rt, struct ks_value *out,
			  int mode)
{
	const char *fn = mode < 0 ? "FLOOR" : "CEIL";

	out->null = 0;
	if (argc == 2) {
		int u = state ? (int)(intptr_t)state - 1 :
				ks_unit_parse(argv[1].u.s.p, argv[1].u.s.n);
		int64_t ms = argt[0].t == KS_T_DATE ?
				     argv[0].u.i * KS_MS_PER_DAY :
				     argv[0].u.i;

		if (ks_ts_trunc(ms, u, mode > 0, &out->u.i) < 0)
			return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
					     "%s: timestamp out of range", fn);
		if (rt->t == KS_T_DATE)
			out->u.i = ks_floor_div(out->u.i, KS_MS_PER_DAY);
		return 0;
	}
	switch (argt[0].t) {
	case KS_T_REAL:
	case KS_T_DOUBLE:
		out->u.d = mode < 0 ? floor(argv[0].u.d) : ceil(argv[0].u.d);
		return 0;
	case KS_T_DECIMAL:
		if (round_pow10(argv[0].u.i, argt[0].scale, mode, &out->u.i) < 0)
			return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
					     "%s: numeric overflow", fn);
		out->u.i /= p10[argt[0].scale];
		return 0;
	default:
		out->u.i = argv[0].u.i;
		return 0;
	}
}

static int floor_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	return floorceil_eval(c, state, argv, argt, argc, rt, out, -1);
}

static int ceil_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	return floorceil_eval(c, state, argv, argt, argc, rt, out, 1);
}

/*
 * STEP(x BY y) (KDA sqlref STEP): numbers: x rounded down to a multiple
 * of y, (x/y)*y for exact types; timestamps: rounded down to a multiple of
 * the interval since 1970-01-01 00:00:00 (a year-month interval counts
 * months since January 1970). y must be positive.
 */
static int step_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char a[64], b[64];

	(void)consts, (void)argc;
	if (num_arg(&argt[0]) && num_arg(&argt[1]) &&
	    !(is_null_t(&argt[0]) && is_null_t(&argt[1]))) {
		if (is_null_t(&argt[0]))
			*rt = argt[1];
		else if (ks_type_is_integer(argt[0].t) &&
			 ks_type_is_integer(argt[1].t))
			*rt = argt[0].t >= argt[1].t ? argt[0] : argt[1];
		else if (ks_type_binary(KS_OP_ADD, &argt[0], &argt[1], rt, msg,
					msgsz) < 0)
			return -1;
		rt->not_null = 0;
		return 0;
	}
	if ((argt[0].t == KS_T_TIMESTAMP || argt[0].t == KS_T_DATE ||
	     is_null_t(&argt[0])) &&
	    (argt[1].t == KS_T_INTERVAL_DS || argt[1].t == KS_T_INTERVAL_YM ||
	     is_null_t(&argt[1]))) {
		set_t(rt, KS_T_TIMESTAMP, 0, 0);
		return 0;
	}
	return fn_err(msg, msgsz, "STEP: cannot step %s by %s",
		      ks_type_str(&argt[0], a, sizeof(a)),
		      ks_type_str(&argt[1], b, sizeof(b)));
}

static int step_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	struct ks_value x, y;
	int64_t q, r;

	(void)state, (void)argc;
	out->null = 0;
	if (rt->t == KS_T_TIMESTAMP) {
		int64_t ms = argt[0].t == KS_T_DATE ?
				     argv[0].u.i * KS_MS_PER_DAY :
				     argv[0].u.i;

		if (argv[1].u.i <= 0)
			return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
					     "STEP: the interval must be "
					     "positive");
		if (argt[1].t == KS_T_INTERVAL_YM) {
			int64_t days = ks_floor_div(ms, KS_MS_PER_DAY), y0;
			int m, d;

			ks_civil_from_days(days, &y0, &m, &d);
			q = (y0 - 1970) * 12 + (m - 1); /* months since 1970 */
			q = ks_floor_div(q, argv[1].u.i) * argv[1].u.i;
			y0 = 1970 + ks_floor_div(q, 12);
			m = (int)(q - ks_floor_div(q, 12) * 12) + 1;
			out->u.i = ks_days_from_civil(y0, m, 1) * KS_MS_PER_DAY;
			return 0;
		}
		out->u.i = ks_floor_div(ms, argv[1].u.i) * argv[1].u.i;
		return 0;
	}
	/* numbers: in the result type, floor(x / y) * y */
	if (ks_cast(c, &argv[0], &argt[0], rt, &x) < 0 ||
	    ks_cast(c, &argv[1], &argt[1], rt, &y) < 0)
		return -1;
	if (rt->t == KS_T_REAL || rt->t == KS_T_DOUBLE) {
		if (!(y.u.d > 0))
			return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
					     "STEP: the step must be positive");
		out->u.d = floor(x.u.d / y.u.d) * y.u.d;
		if (rt->t == KS_T_REAL)
			out->u.d = (float)out->u.d;
		return 0;
	}
	if (y.u.i <= 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "STEP: the step must be positive");
	q = ks_floor_div(x.u.i, y.u.i);
	if (__builtin_mul_overflow(q, y.u.i, &r))
		return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
				     "STEP: numeric overflow");
	out->u.i = r;
	return 0;
}

/*
 * ROUND(x[, n]) (not in KDA's reference; as most SQL dialects): half away
 * from zero to n decimals (default 0, negative rounds to tens, ...); the
 * type stays x's.
 */
static int round_type(const struct ks_sqltype *argt,
		      const struct ks_value *const *consts, int argc,
		      struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts;
	if (!num_arg(&argt[0]))
		return arg_err(msg, msgsz, "ROUND", 0, "numeric", &argt[0]);
	if (argc > 1 && !int_arg(&argt[1]))
		return arg_err(msg, msgsz, "ROUND", 1, "an integer", &argt[1]);
	*rt = argt[0];
	rt->not_null = 0;
	return 0;
}

static int round_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	int64_t n = argc > 1 ? argv[1].u.i : 0;

	(void)state, (void)rt;
	out->null = 0;
	if (n > 400)
		n = 400;
	if (n < -400)
		n = -400;
	if (argt[0].t == KS_T_REAL || argt[0].t == KS_T_DOUBLE) {
		double x = argv[0].u.d, f;

		if (n >= 0) {
			f = pow(10, (double)n);
			out->u.d = isinf(x * f) ? x : round(x * f) / f;
		} else {
			f = pow(10, (double)-n);
			out->u.d = round(x / f) * f;
		}
		if (argt[0].t == KS_T_REAL)
			out->u.d = (float)out->u.d;
		return 0;
	}
	{
		int e = (int)((argt[0].t == KS_T_DECIMAL ? argt[0].scale : 0) -
			      n);

		if (round_pow10(argv[0].u.i, e, 0, &out->u.i) < 0 ||
		    (rt->t == KS_T_DECIMAL && rt->len < 18 &&
		     (out->u.i >= p10[rt->len] || out->u.i <= -p10[rt->len])) ||
		    (rt->t == KS_T_TINYINT && (out->u.i > 127 || out->u.i < -128)) ||
		    (rt->t == KS_T_SMALLINT &&
		     (out->u.i > 32767 || out->u.i < -32768)) ||
		    (rt->t == KS_T_INTEGER &&
		     (out->u.i > INT32_MAX || out->u.i < INT32_MIN)))
			return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
					     "ROUND: numeric overflow");
	}
	return 0;
}

/* ---- POWER, SQRT, LN, LOG10, EXP (DOUBLE; SQL:2008 6.27) ---- */

static double dval(const struct ks_value *v, const struct ks_sqltype *t)
{
	switch (t->t) {
	case KS_T_REAL:
	case KS_T_DOUBLE:
		return v->u.d;
	case KS_T_DECIMAL:
		return (double)v->u.i / (double)p10[t->scale];
	default:
		return (double)v->u.i;
	}
}

static int dbl_type(const char *fn, const struct ks_sqltype *argt, int argc,
		    struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!num_arg(&argt[i]))
			return arg_err(msg, msgsz, fn, i, "numeric", &argt[i]);
	set_t(rt, KS_T_DOUBLE, 0, 0);
	return 0;
}

#define DBL_FN(NAME, SQL)                                                    \
	static int NAME##_type(const struct ks_sqltype *argt,                \
			       const struct ks_value *const *consts, int argc, \
			       struct ks_sqltype *rt, char *msg, size_t msgsz) \
	{                                                                    \
		(void)consts;                                                \
		return dbl_type(SQL, argt, argc, rt, msg, msgsz);            \
	}
DBL_FN(power, "POWER")
DBL_FN(sqrt, "SQRT")
DBL_FN(ln, "LN")
DBL_FN(log10, "LOG10")
DBL_FN(exp, "EXP")

static int dbl_result(struct ks_eval_ctx *c, const char *fn, double r,
		      struct ks_value *out)
{
	if (isinf(r))
		return ks_rowerr_set(c->err, KS_ERR_OVERFLOW,
				     "%s: numeric overflow", fn);
	out->null = 0;
	out->u.d = r;
	return 0;
}

static int power_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	double x = dval(&argv[0], &argt[0]), y = dval(&argv[1], &argt[1]);

	(void)state, (void)argc, (void)rt;
	if (x == 0 && y < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "POWER: zero to a negative power");
	if (x < 0 && y != floor(y))
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "POWER: negative base with a fractional "
				     "exponent");
	return dbl_result(c, "POWER", pow(x, y), out);
}

static int sqrt_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	double x = dval(&argv[0], &argt[0]);

	(void)state, (void)argc, (void)rt;
	if (x < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "SQRT: negative argument");
	return dbl_result(c, "SQRT", sqrt(x), out);
}

static int ln_eval(struct ks_eval_ctx *c, void *state,
		   const struct ks_value *argv, const struct ks_sqltype *argt,
		   int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	double x = dval(&argv[0], &argt[0]);

	(void)state, (void)argc, (void)rt;
	if (x <= 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "LN: argument must be positive");
	return dbl_result(c, "LN", log(x), out);
}

static int log10_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	double x = dval(&argv[0], &argt[0]);

	(void)state, (void)argc, (void)rt;
	if (x <= 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "LOG10: argument must be positive");
	return dbl_result(c, "LOG10", log10(x), out);
}

static int exp_eval(struct ks_eval_ctx *c, void *state,
		    const struct ks_value *argv, const struct ks_sqltype *argt,
		    int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argc, (void)rt;
	return dbl_result(c, "EXP", exp(dval(&argv[0], &argt[0])), out);
}

/* ---- strings ---- */

static int str1_check(const char *fn, const struct ks_sqltype *argt,
		      char *msg, size_t msgsz)
{
	if (!str_arg(&argt[0]))
		return arg_err(msg, msgsz, fn, 0, "a string", &argt[0]);
	return 0;
}

static int charlen_type(const struct ks_sqltype *argt,
			const struct ks_value *const *consts, int argc,
			struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (str1_check("CHAR_LENGTH", argt, msg, msgsz) < 0)
		return -1;
	set_t(rt, KS_T_INTEGER, 0, 0);
	return 0;
}

static int charlen_eval(struct ks_eval_ctx *c, void *state,
			const struct ks_value *argv,
			const struct ks_sqltype *argt, int argc,
			const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)c, (void)state, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	out->u.i = (int64_t)ks_utf8_chars(argv[0].u.s.p, argv[0].u.s.n);
	return 0;
}

/* The same string type (CHAR stays CHAR), for LOWER, UPPER, INITCAP. */
static int same_str_type(const char *fn, const struct ks_sqltype *argt,
			 struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	if (str1_check(fn, argt, msg, msgsz) < 0)
		return -1;
	*rt = argt[0];
	if (is_null_t(rt))
		set_t(rt, KS_T_VARCHAR, 0, 0);
	rt->not_null = 0;
	return 0;
}

#define STR_FN(NAME, SQL)                                                    \
	static int NAME##_type(const struct ks_sqltype *argt,                \
			       const struct ks_value *const *consts, int argc, \
			       struct ks_sqltype *rt, char *msg, size_t msgsz) \
	{                                                                    \
		(void)consts, (void)argc;                                    \
		return same_str_type(SQL, argt, rt, msg, msgsz);             \
	}
STR_FN(lower, "LOWER")
STR_FN(upper, "UPPER")
STR_FN(initcap, "INITCAP")

/*
 * Case mapping of the letters whose cases are both two-byte UTF-8 (so a
 * string keeps its length): ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic. Other characters are kept.
 */
static uint32_t cp_upper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0xe0)
		return c;
	if (c <= 0xfe)
		return c == 0xf7 ? c : c - 32;
	if (c == 0xff)
		return 0x178;
	if (c >= 0x100 && c <= 0x17f) {
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c : c - 1;
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f)
			return c;
		return (c & 1) ? c - 1 : c;
	}
	if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2)
		return c - 32;
	if (c >= 0x430 && c <= 0x44f)
		return c - 32;
	if (c >= 0x450 && c <= 0x45f)
		return c - 80;
	return c;
}

static uint32_t cp_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xc0)
		return c;
	if (c <= 0xde)
		return c == 0xd7 ? c : c + 32;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x100 && c <= 0x17f) {
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c + 1 : c;
		if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x17f)
			return c;
		return (c & 1) ? c : c + 1;
	}
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

/* Maps the case of s into out (same length); how: 'U', 'L' or 'I'. */
static void map_case(const char *s, size_t n, char *out, int how)
{
	size_t i = 0;
	int word_start = 1;

	while (i < n) {
		unsigned char b = (unsigned char)s[i];
		int up = how == 'U' || (how == 'I' && word_start);

		if (b < 0x80) {
			out[i] = (char)(up ? (b >= 'a' && b <= 'z' ? b - 32 : b) :
					     (b >= 'A' && b <= 'Z' ? b + 32 : b));
			if (how == 'I')
				word_start = b == ' ' || b == '\t' ||
					     b == '\n' || b == '\r';
			i++;
			continue;
		}
		word_start = 0;
		if ((b & 0xe0) == 0xc0 && i + 1 < n &&
		    ((unsigned char)s[i + 1] & 0xc0) == 0x80) {
			uint32_t cp = ((uint32_t)(b & 0x1f) << 6) |
				      ((unsigned char)s[i + 1] & 0x3f);
			uint32_t m = up ? cp_upper(cp) : cp_lower(cp);

			if (m < 0x80 || m > 0x7ff)
				m = cp; /* keep the length */
			out[i] = (char)(0xc0 | (m >> 6));
			out[i + 1] = (char)(0x80 | (m & 0x3f));
			i += 2;
			continue;
		}
		out[i] = (char)b;
		i++;
	}
}

static int case_eval(struct ks_eval_ctx *c, const struct ks_value *argv,
		     struct ks_value *out, int how)
{
	size_t n = argv[0].u.s.n;
	char *p = ks_arena_alloc(c->arena, n ? n : 1);

	map_case(argv[0].u.s.p, n, p, how);
	out->null = 0;
	out->u.s.p = p;
	out->u.s.n = (uint32_t)n;
	return 0;
}

static int lower_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argt, (void)argc, (void)rt;
	return case_eval(c, argv, out, 'L');
}

static int upper_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argt, (void)argc, (void)rt;
	return case_eval(c, argv, out, 'U');
}

/* INITCAP (KDA sqlref): the first character of each space-delimited word
 * upper-cased, all others lower-cased. */
static int initcap_eval(struct ks_eval_ctx *c, void *state,
			const struct ks_value *argv,
			const struct ks_sqltype *argt, int argc,
			const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)state, (void)argt, (void)argc, (void)rt;
	return case_eval(c, argv, out, 'I');
}

/* A VARCHAR of the first string argument's length. */
static void varchar_like(const struct ks_sqltype *a, struct ks_sqltype *rt)
{
	set_t(rt, KS_T_VARCHAR, ks_type_is_string(a->t) ? a->len : 0, 0);
}

/*
 * SUBSTRING(s FROM a [FOR b]) (SQL:2008 6.29): the characters at
 * positions a .. a+b-1 that exist in s; a may be 0 or negative (the
 * positions before 1 are just not there); a negative length is an error.
 */
static int substring_type(const struct ks_sqltype *argt,
			  const struct ks_value *const *consts, int argc,
			  struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	(void)consts;
	if (str1_check("SUBSTRING", argt, msg, msgsz) < 0)
		return -1;
	for (i = 1; i < argc; i++)
		if (!int_arg(&argt[i]))
			return arg_err(msg, msgsz, "SUBSTRING", i, "an integer",
				       &argt[i]);
	varchar_like(&argt[0], rt);
	return 0;
}

/* The byte range of characters [from, to) (1-based, clipped) of s. */
static void char_range(const char *s, size_t n, int64_t from, int64_t to,
		       size_t *b0, size_t *b1)
{
	if (from < 1)
		from = 1;
	if (to <= from) {
		*b0 = *b1 = 0;
		return;
	}
	*b0 = ks_utf8_prefix(s, n, (size_t)(from - 1));
	*b1 = *b0 + ks_utf8_prefix(s + *b0, n - *b0, (size_t)(to - from));
}

static int substring_eval(struct ks_eval_ctx *c, void *state,
			  const struct ks_value *argv,
			  const struct ks_sqltype *argt, int argc,
			  const struct ks_sqltype *rt, struct ks_value *out)
{
	int64_t a = argv[1].u.i, e = INT64_MAX;
	size_t b0, b1;

	(void)state, (void)argt, (void)rt;
	if (argc > 2) {
		if (argv[2].u.i < 0)
			return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
					     "SUBSTRING: negative length %lld",
					     (long long)argv[2].u.i);
		if (__builtin_add_overflow(a, argv[2].u.i, &e))
			e = INT64_MAX;
	}
	char_range(argv[0].u.s.p, argv[0].u.s.n, a, e, &b0, &b1);
	out->null = 0;
	out->u.s.p = argv[0].u.s.p + b0;
	out->u.s.n = (uint32_t)(b1 - b0);
	return 0;
}

/* POSITION(a IN b): the character position of a in b, 1-based; 0 when it
 * does not occur; 1 for an empty a (SQL:2008 6.27). */
static int position_type(const struct ks_sqltype *argt,
			 const struct ks_value *const *consts, int argc,
			 struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)consts, (void)argc;
	if (!str_arg(&argt[0]))
		return arg_err(msg, msgsz, "POSITION", 0, "a string", &argt[0]);
	if (!str_arg(&argt[1]))
		return arg_err(msg, msgsz, "POSITION", 1, "a string", &argt[1]);
	set_t(rt, KS_T_INTEGER, 0, 0);
	return 0;
}

static int position_eval(struct ks_eval_ctx *c, void *state,
			 const struct ks_value *argv,
			 const struct ks_sqltype *argt, int argc,
			 const struct ks_sqltype *rt, struct ks_value *out)
{
	const char *f;

	(void)c, (void)state, (void)argt, (void)argc, (void)rt;
	out->null = 0;
	if (!argv[0].u.s.n) {
		out->u.i = 1;
		return 0;
	}
	f = memmem(argv[1].u.s.p, argv[1].u.s.n, argv[0].u.s.p, argv[0].u.s.n);
	out->u.i = f ? (int64_t)ks_utf8_chars(argv[1].u.s.p,
					      (size_t)(f - argv[1].u.s.p)) + 1 :
		       0;
	return 0;
}

/*
 * TRIM([BOTH|LEADING|TRAILING] [c] FROM s), called as TRIM(mode, c, s):
 * c must be one character (SQL:2008: otherwise "trim error").
 */
enum { TRIM_BOTH = 1, TRIM_LEADING, TRIM_TRAILING };

static int trim_mode(const char *s, size_t n)
{
	if (n == 4 && !strncasecmp(s, "BOTH", 4))
		return TRIM_BOTH;
	if (n == 7 && !strncasecmp(s, "LEADING", 7))
		return TRIM_LEADING;
	if (n == 8 && !strncasecmp(s, "TRAILING", 8))
		return TRIM_TRAILING;
	return -1;
}

static int trim_type(const struct ks_sqltype *argt,
		     const struct ks_value *const *consts, int argc,
		     struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	(void)argc;
	if (!ks_type_is_string(argt[0].t) || !consts || !consts[0] ||
	    consts[0]->null ||
	    trim_mode(consts[0]->u.s.p, consts[0]->u.s.n) < 0)
		return fn_err(msg, msgsz,
			      "TRIM: the mode must be BOTH, LEADING or "
			      "TRAILING");
	if (!str_arg(&argt[1]))
		return arg_err(msg, msgsz, "TRIM", 1, "a string", &argt[1]);
	if (!str_arg(&argt[2]))
		return arg_err(msg, msgsz, "TRIM", 2, "a string", &argt[2]);
	if (consts[1] && !consts[1]->null &&
	    ks_utf8_chars(consts[1]->u.s.p, consts[1]->u.s.n) != 1)
		return fn_err(msg, msgsz,
			      "TRIM: the trim character must be one character");
	varchar_like(&argt[2], rt);
	return 0;
}

static int trim_eval(struct ks_eval_ctx *c, void *state,
		     const struct ks_value *argv, const struct ks_sqltype *argt,
		     int argc, const struct ks_sqltype *rt, struct ks_value *out)
{
	int mode = trim_mode(argv[0].u.s.p, argv[0].u.s.n);
	const char *p = argv[2].u.s.p, *t = argv[1].u.s.p;
	size_t n = argv[2].u.s.n, tn = argv[1].u.s.n;

	(void)state, (void)argt, (void)argc, (void)rt;
	if (ks_utf8_chars(t, tn) != 1)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "TRIM: the trim character must be one "
				     "character");
	if (mode != TRIM_TRAILING)
		while (n >= tn && !memcmp(p, t, tn)) {
			p += tn;
			n -= tn;
		}
	if (mode != TRIM_LEADING)
		while (n >= tn && !memcmp(p + n - tn, t, tn))
			n -= tn;
	out->null = 0;
	out->u.s.p = p;
	out->u.s.n = (uint32_t)n;
	return 0;
}

/*
 * OVERLAY(s PLACING r FROM a [FOR b]) (SQL:2008 6.29): SUBSTRING(s FROM 1
 * FOR a-1) || r || SUBSTRING(s FROM a+b), b defaulting to r's length.
 */
static int overlay_type(const struct ks_sqltype *argt,
			const struct ks_value *const *consts, int argc,
			struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	(void)consts;
	for (i = 0; i < 2; i++)
		if (!str_arg(&argt[i]))
			return arg_err(msg, msgsz, "OVERLAY", i, "a string",
				       &argt[i]);
	for (i = 2; i < argc; i++)
		if (!int_arg(&argt[i]))
			return arg_err(msg, msgsz, "OVERLAY", i, "an integer",
				       &argt[i]);
	set_t(rt, KS_T_VARCHAR,
	      argt[0].len > 0 && argt[1].len > 0 &&
			      argt[0].len + argt[1].len < 65535 ?
		      argt[0].len + argt[1].len :
		      0,
	      0);
	return 0;
}

static int overlay_eval(struct ks_eval_ctx *c, void *state,
			const struct ks_value *argv,
			const struct ks_sqltype *argt, int argc,
			const struct ks_sqltype *rt, struct ks_value *out)
{
	const char *s = argv[0].u.s.p;
	size_t n = argv[0].u.s.n, a0, a1, b0, b1;
	int64_t a = argv[2].u.i, len, e;
	char *p;

	(void)state, (void)argt, (void)rt;
	len = argc > 3 ? argv[3].u.i :
			 (int64_t)ks_utf8_chars(argv[1].u.s.p, argv[1].u.s.n);
	if (len < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "OVERLAY: negative length %lld",
				     (long long)len);
	char_range(s, n, 1, a, &a0, &a1);
	if (__builtin_add_overflow(a, len, &e))
		e = INT64_MAX;
	char_range(s, n, e, INT64_MAX, &b0, &b1);
	if (e < 1) /* the whole string follows */
		b0 = 0, b1 = n;
	p = ks_arena_alloc(c->arena, (a1 - a0) + argv[1].u.s.n + (b1 - b0) + 1);
	memcpy(p, s + a0, a1 - a0);
	memcpy(p + (a1 - a0), argv[1].u.s.p, argv[1].u.s.n);
	memcpy(p + (a1 - a0) + argv[1].u.s.n, s + b0, b1 - b0);
	out->null = 0;
	out->u.s.p = p;
	out->u.s.n = (uint32_t)((a1 - a0) + argv[1].u.s.n + (b1 - b0));
	return 0;
}

/*
 * REGEX_REPLACE(original, regex, replacement, startPosition, occurrence)
 * (KDA sqlref): replaces the matches of regex in original, searching from
 * character startPosition (< 1 is an error; past the end returns original
 * unchanged); occurrence 0 replaces every match, n > 0 only the n-th
 * (counted from startPosition), < 0 is an error. The replacement follows
 * Java's replaceAll: $n inserts group n, \x inserts x. The pattern is a
 * POSIX extended regular expression (regcomp), with Java's \d and \D
 * accepted; '^' matches only at the start of original. A constant pattern
 * is compiled once, in prepare.
 */
struct regex_state {
	regex_t re;
	int ok;
};

/* Java-isms that POSIX ERE lacks: \d and \D (inside brackets \d only). */
static char *regex_translate(const char *s, size_t n)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t i;
	int inbr = 0;

	kc_buf_grow(&b, n + 8);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char d = s[i + 1];

			if (d == 'd') {
				kc_buf_adds(&b, inbr ? "0-9" : "[0-9]");
				i++;
				continue;
			}
			if (d == 'D' && !inbr) {
				kc_buf_adds(&b, "[^0-9]");
				i++;
				continue;
			}
			kc_buf_add(&b, s + i, 2);
			i++;
			continue;
		}
		if (s[i] == '[' && !inbr) {
			inbr = 1;
			kc_buf_addc(&b, '[');
			if (i + 1 < n && s[i + 1] == '^')
				kc_buf_addc(&b, s[++i]);
			if (i + 1 < n && s[i + 1] == ']')
				kc_buf_addc(&b, s[++i]);
			continue;
		}
		if (s[i] == ']' && inbr)
			inbr = 0;
		kc_buf_addc(&b, s[i]);
	}
	if (!b.data)
		kc_buf_grow(&b, 1);
	return b.data;
}

static int regex_compile(struct regex_state *st, const char *s, size_t n,
			 char *msg, size_t msgsz)
{
	char *pat = regex_translate(s, n), err[128];
	int r = regcomp(&st->re, pat, REG_EXTENDED);

	free(pat);
	if (r) {
		regerror(r, &st->re, err, sizeof(err));
		snprintf(msg, msgsz, "REGEX_REPLACE: bad regular expression "
			 "'%.*s': %s", (int)(n > 64 ? 64 : n), s, err);
		return -1;
	}
	st->ok = 1;
	return 0;
}

static int regex_type(const struct ks_sqltype *argt,
		      const struct ks_value *const *consts, int argc,
		      struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	int i;

	(void)consts;
	for (i = 0; i < 3; i++)
		if (!str_arg(&argt[i]))
			return arg_err(msg, msgsz, "REGEX_REPLACE", i,
				       "a string", &argt[i]);
	for (i = 3; i < argc; i++)
		if (!int_arg(&argt[i]))
			return arg_err(msg, msgsz, "REGEX_REPLACE", i,
				       "an integer", &argt[i]);
	set_t(rt, KS_T_VARCHAR, 0, 0);
	return 0;
}

static int regex_prepare(const struct ks_sqltype *argt,
			 const struct ks_value *const *consts, int argc,
			 void **state, char *msg, size_t msgsz)
{
	struct regex_state *st;

	(void)argt, (void)argc;
	*state = NULL;
	if (!consts || !consts[1] || consts[1]->null)
		return 0;
	st = kc_xcalloc(1, sizeof(*st));
	if (regex_compile(st, consts[1]->u.s.p, consts[1]->u.s.n, msg,
			  msgsz) < 0) {
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static void regex_release(void *state)
{
	struct regex_state *st = state;

	if (!st)
		return;
	if (st->ok)
		regfree(&st->re);
	free(st);
}

/* Appends the replacement for one match; -1 with a row error. */
static int regex_expand(struct ks_eval_ctx *c, struct kc_buf *b,
			const char *rep, size_t rn, const char *s,
			const regmatch_t *m, size_t nsub)
{
	size_t i;

	for (i = 0; i < rn; i++) {
		if (rep[i] == '\\') {
			if (++i == rn)
				return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
						     "REGEX_REPLACE: character "
						     "to be escaped is missing");
			kc_buf_addc(b, rep[i]);
		} else if (rep[i] == '$') {
			size_t g;

			if (++i == rn || rep[i] < '0' || rep[i] > '9')
				return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
						     "REGEX_REPLACE: illegal "
						     "group reference");
			g = (size_t)(rep[i] - '0');
			if (g > nsub)
				return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
						     "REGEX_REPLACE: no group "
						     "%zu",
						     g);
			/* $12 is group 12 if there is one, as in Java */
			while (i + 1 < rn && rep[i + 1] >= '0' &&
			       rep[i + 1] <= '9' &&
			       g * 10 + (size_t)(rep[i + 1] - '0') <= nsub)
				g = g * 10 + (size_t)(rep[++i] - '0');
			if (g < 10 && m[g].rm_so >= 0)
				kc_buf_add(b, s + m[g].rm_so,
					   (size_t)(m[g].rm_eo - m[g].rm_so));
		} else
			kc_buf_addc(b, rep[i]);
	}
	return 0;
}

static int regex_eval(struct ks_eval_ctx *c, void *state,
		      const struct ks_value *argv,
		      const struct ks_sqltype *argt, int argc,
		      const struct ks_sqltype *rt, struct ks_value *out)
{
	struct regex_state local, *st = state;
	const char *s = argv[0].u.s.p;
	size_t n = argv[0].u.s.n, pos, nsub;
	int64_t start = argc > 3 ? argv[3].u.i : 1;
	int64_t occ = argc > 4 ? argv[4].u.i : 0, seen = 0;
	struct kc_buf b = KC_BUF_INIT;
	regmatch_t m[10];
	char msg[256];
	int r = 0;

	(void)argt, (void)rt;
	if (start < 1)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "REGEX_REPLACE: startPosition %lld is "
				     "less than 1",
				     (long long)start);
	if (occ < 0)
		return ks_rowerr_set(c->err, KS_ERR_FUNCTION,
				     "REGEX_REPLACE: occurrence %lld is "
				     "negative",
				     (long long)occ);
	*out = argv[0];
	if ((uint64_t)start > ks_utf8_chars(s, n))
		return 0;
	if (!st) {
		memset(&local, 0, sizeof(local));
		if (regex_compile(&local, argv[1].u.s.p, argv[1].u.s.n, msg,
				  sizeof(msg)) < 0)
			return ks_rowerr_set(c->err, KS_ERR_FUNCTION, "%s",
					     msg);
		st = &local;
	}
	nsub = st->re.re_nsub;
	pos = ks_utf8_prefix(s, n, (size_t)(start - 1));
	kc_buf_add(&b, s, pos);
	while (pos <= n) {
		m[0].rm_so = (regoff_t)pos;
		m[0].rm_eo = (regoff_t)n;
		if (regexec(&st->re, s, 10, m, REG_STARTEND |
			    (pos > 0 ? REG_NOTBOL : 0)))
			break;
		seen++;
		kc_buf_add(&b, s + pos, (size_t)m[0].rm_so - pos);
		if (occ == 0 || seen == occ) {
			if (regex_expand(c, &b, argv[2].u.s.p, argv[2].u.s.n,
					 s, m, nsub) < 0) {
				r = -1;
				break;
			}
		} else
			kc_buf_add(&b, s + m[0].rm_so,
				   (size_t)(m[0].rm_eo - m[0].rm_so));
		pos = (size_t)m[0].rm_eo;
		if (m[0].rm_eo == m[0].rm_so) { /* empty match: step over */
			size_t k;

			if (pos >= n)
				break;
			k = ks_utf8_prefix(s + pos, n - pos, 1);
			kc_buf_add(&b, s + pos, k);
			pos += k;
		}
		if (occ && seen == occ)
			break;
	}
	if (r == 0 && pos < n)
		kc_buf_add(&b, s + pos, n - pos);
	if (st == &local)
		regfree(&local.re);
	if (r == 0) {
		out->null = 0;
		out->u.s.p = ks_arena_strdup(c->arena, b.data ? b.data : "",
					     b.len);
		out->u.s.n = (uint32_t)b.len;
	}
	kc_buf_release(&b);
	return r;
}

/* ---- COALESCE, NULLIF ---- */

static int coalesce_type(const struct ks_sqltype *argt,
			 const struct ks_value *const *consts, int argc,
			 struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	char m2[200];
	int i;

	(void)consts;
	*rt = argt[0];
	for (i = 1; i < argc; i++)
		if (ks_type_common(rt, &argt[i], rt, m2, sizeof(m2)) < 0)
			return fn_err(msg, msgsz, "COALESCE: %s", m2);
	rt->not_null = 0;
	return 0;
}

static int coalesce_eval(struct ks_eval_ctx *c, void *state,
			 const struct ks_value *argv,
			 const struct ks_sqltype *argt, int argc,
			 const struct ks_sqltype *rt, struct ks_value *out)
{
	int i;

	(void)state;
	for (i = 0; i < argc; i++)
		if (!argv[i].null) {
			if (argt[i].t == rt->t &&
			    (rt->t != KS_T_DECIMAL ||
			     argt[i].scale == rt->scale) &&
			    rt->t != KS_T_CHAR) {
				*out = argv[i];
				return 0;
			}
			return ks_cast(c, &argv[i], &argt[i], rt, out);
		}
	out->null = 1;
	return 0;
}

/* NULLIF(a, b) (SQL:2008 6.11): NULL when a = b, else a. */
static int nullif_type(const struct ks_sqltype *argt,
		       const struct ks_value *const *consts, int argc,
		       struct ks_sqltype *rt, char *msg, size_t msgsz)
{
	struct ks_sqltype bt;
	char m2[200];

	(void)consts, (void)argc;
	if (ks_type_binary(KS_OP_EQ, &argt[0], &argt[1], &bt, m2,
			   sizeof(m2)) < 0)
		return fn_err(msg, msgsz, "NULLIF: %s", m2);
	*rt = is_null_t(&argt[0]) ? argt[1] : argt[0];
	rt->not_null = 0;
	return 0;
}

static int nullif_eval(struct ks_eval_ctx *c, void *state,
		       const struct ks_value *argv,
		       const struct ks_sqltype *argt, int argc,
		       const struct ks_sqltype *rt, struct ks_value *out)
{
	(void)c, (void)state, (void)argc, (void)rt;
	if (argv[0].null || (!argv[1].null &&
			     ks_compare(&argv[0], &argt[0], &argv[1],
					&argt[1]) == 0)) {
		out->null = 1;
		return 0;
	}
	*out = argv[0];
	return 0;
}

/* ---- the registry ---- */

#define S KS_FN_STRICT

/* Sorted by name (strcmp) for bsearch; the test checks the order. */
static const struct ks_func funcs[] = {
	{ "ABS", 1, 1, S, abs_type, NULL, NULL, abs_eval },
	{ "CEIL", 1, 2, S, ceil_type, unit_prepare, NULL, ceil_eval },
	{ "CEILING", 1, 2, S, ceil_type, unit_prepare, NULL, ceil_eval },
	{ "CHARACTER_LENGTH", 1, 1, S, charlen_type, NULL, NULL, charlen_eval },
	{ "CHAR_LENGTH", 1, 1, S, charlen_type, NULL, NULL, charlen_eval },
	{ "COALESCE", 1, 255, 0, coalesce_type, NULL, NULL, coalesce_eval },
	{ "EXP", 1, 1, S, exp_type, NULL, NULL, exp_eval },
	{ "FLOOR", 1, 2, S, floor_type, unit_prepare, NULL, floor_eval },
	{ "INITCAP", 1, 1, S, initcap_type, NULL, NULL, initcap_eval },
	{ "LN", 1, 1, S, ln_type, NULL, NULL, ln_eval },
	{ "LOG10", 1, 1, S, log10_type, NULL, NULL, log10_eval },
	{ "LOWER", 1, 1, S, lower_type, NULL, NULL, lower_eval },
	{ "MOD", 2, 2, S, mod_type, NULL, NULL, mod_eval },
	{ "NULLIF", 2, 2, 0, nullif_type, NULL, NULL, nullif_eval },
	{ "OVERLAY", 3, 4, S, overlay_type, NULL, NULL, overlay_eval },
	{ "POSITION", 2, 2, S, position_type, NULL, NULL, position_eval },
	{ "POWER", 2, 2, S, power_type, NULL, NULL, power_eval },
	{ "REGEX_REPLACE", 3, 5, S, regex_type, regex_prepare, regex_release,
	  regex_eval },
	{ "ROUND", 1, 2, S, round_type, NULL, NULL, round_eval },
	{ "SQRT", 1, 1, S, sqrt_type, NULL, NULL, sqrt_eval },
	{ "STEP", 2, 2, S, step_type, NULL, NULL, step_eval },
	{ "SUBSTRING", 2, 3, S, substring_type, NULL, NULL, substring_eval },
	{ "TRIM", 3, 3, S, trim_type, NULL, NULL, trim_eval },
	{ "UPPER", 1, 1, S, upper_type, NULL, NULL, upper_eval },
};

static int func_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ks_func *)elem)->name);
}

const struct ks_func *ks_func_lookup(const char *name)
{
	const struct ks_func *f;

	f = bsearch(name, funcs, sizeof(funcs) / sizeof(funcs[0]),
		    sizeof(funcs[0]), func_cmp);
	if (!f)
		f = bsearch(name, ks_time_funcs, ks_time_nfuncs,
			    sizeof(ks_time_funcs[0]), func_cmp);
	return f;
}
