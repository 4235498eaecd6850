/*
 * ast.c: the syntax tree's lifetime and its SQL text. The text is
 * readable SQL with as few parentheses as the precedence needs, names
 * quoted only where they must be, and special forms written back in their
 * SQL syntax (FLOOR(x TO MINUTE)); parsing it again gives the same tree.
 * Interval literals come out in their largest exact unit (INTERVAL '60'
 * SECOND prints as INTERVAL '1' MINUTE): the tree keeps values, not units.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "lex.h"
#include "banned.h"

void ks_script_release(struct ks_script *script)
{
	if (!script)
		return;
	ks_arena_release(&script->arena);
	script->stmts = NULL;
	script->nstmts = 0;
}

/* ---- names, types, literals ---- */

/* A name as SQL must write it: bare when that reads back the same. */
static void name_sql(const char *s, struct kc_buf *out)
{
	const char *q;
	int plain = (*s >= 'A' && *s <= 'Z') || *s == '_';

	for (q = s; *q && plain; q++)
		plain = (*q >= 'A' && *q <= 'Z') || *q == '_' || *q == '$' ||
			(*q >= '0' && *q <= '9');
	if (plain && !ks_lex_reserved(s)) {
		kc_buf_adds(out, s);
		return;
	}
	kc_buf_addc(out, '"');
	for (q = s; *q; q++) {
		if (*q == '"')
			kc_buf_addc(out, '"');
		kc_buf_addc(out, *q);
	}
	kc_buf_addc(out, '"');
}

/*
 * A type in SQL syntax (what CAST and CREATE STREAM accept), not the
 * value-level name of ks_type_format: intervals keep a qualifier and
 * NOT NULL is part of it.
 */
static void type_sql(const struct ks_sqltype *t, struct kc_buf *out)
{
	switch (t->t) {
	case KS_T_NULL: kc_buf_adds(out, "NULL"); break;
	case KS_T_BOOLEAN: kc_buf_adds(out, "BOOLEAN"); break;
	case KS_T_TINYINT: kc_buf_adds(out, "TINYINT"); break;
	case KS_T_SMALLINT: kc_buf_adds(out, "SMALLINT"); break;
	case KS_T_INTEGER: kc_buf_adds(out, "INTEGER"); break;
	case KS_T_BIGINT: kc_buf_adds(out, "BIGINT"); break;
	case KS_T_DECIMAL:
		kc_buf_addf(out, "DECIMAL(%d,%d)", (int)t->len, (int)t->scale);
		break;
	case KS_T_REAL: kc_buf_adds(out, "REAL"); break;
	case KS_T_DOUBLE: kc_buf_adds(out, "DOUBLE"); break;
	case KS_T_CHAR: kc_buf_addf(out, "CHAR(%d)", (int)t->len); break;
	case KS_T_VARCHAR:
		if (t->len)
			kc_buf_addf(out, "VARCHAR(%d)", (int)t->len);
		else
			kc_buf_adds(out, "VARCHAR");
		break;
	case KS_T_TIMESTAMP: kc_buf_adds(out, "TIMESTAMP"); break;
	case KS_T_DATE: kc_buf_adds(out, "DATE"); break;
	case KS_T_INTERVAL_DS:
		kc_buf_adds(out, "INTERVAL DAY TO SECOND");
		break;
	case KS_T_INTERVAL_YM:
		kc_buf_adds(out, "INTERVAL YEAR TO MONTH");
		break;
	}
	if (t->not_null)
		kc_buf_adds(out, " NOT NULL");
}

/* y-m-d of a day count since 1970-01-01 (Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void datetime_sql(int64_t v, int date, struct kc_buf *out)
{
	int64_t days = date ? v : floor_div(v, 86400000), y;
	int64_t ms = date ? 0 : v - days * 86400000;
	int m, d;

	civil(days, &y, &m, &d);
	kc_buf_addf(out, "%s '%04" PRId64 "-%02d-%02d", date ? "DATE" :
		    "TIMESTAMP", y, m, d);
	if (!date) {
		kc_buf_addf(out, " %02d:%02d:%02d", (int)(ms / 3600000),
			    (int)(ms / 60000 % 60), (int)(ms / 1000 % 60));
		if (ms % 1000)
			kc_buf_addf(out, ".%03d", (int)(ms % 1000));
	}
	kc_buf_addc(out, '\'');
}

/*
 * An interval in its shortest exact qualifier: 60000 ms is '1' MINUTE,
 * 90000 '1:30' MINUTE TO SECOND, 1500 '1.500' SECOND, 14 months '1-2'
 * YEAR TO MONTH.
 */
static void interval_sql(int64_t v, int ym, struct kc_buf *out)
{
	static const uint64_t ms[] = { 86400000, 3600000, 60000, 1000 };
	static const char *const unit[] = { "DAY", "HOUR", "MINUTE", "SECOND" };
	static const char sep[] = { 0, ' ', ':', ':' };
	uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int lead = 3, trail = 3, u;

	kc_buf_addf(out, "INTERVAL '%s", v < 0 ? "-" : "");
	if (ym) {
		if (a % 12 == 0 && a)
			kc_buf_addf(out, "%" PRIu64 "' YEAR", a / 12);
		else if (a > 12)
			kc_buf_addf(out, "%" PRIu64 "-%" PRIu64
				    "' YEAR TO MONTH", a / 12, a % 12);
		else
			kc_buf_addf(out, "%" PRIu64 "' MONTH", a);
		return;
	}
	while (lead > 0 && a >= ms[lead - 1])
		lead--;
	for (u = lead; u <= 3; u++)
		if (a % ms[u] == 0) {
			trail = u;
			break;
		}
	for (u = lead; u <= trail; u++) {
		uint64_t f = u == lead ? a / ms[u] : a / ms[u] % (ms[u - 1] /
								 ms[u]);

		if (u != lead)
			kc_buf_addc(out, sep[u]);
		kc_buf_addf(out, u == lead ? "%" PRIu64 : "%02" PRIu64, f);
	}
	if (a % 1000)
		kc_buf_addf(out, ".%03u", (unsigned)(a % 1000));
	kc_buf_addf(out, "' %s", unit[lead]);
	if (trail != lead)
		kc_buf_addf(out, " TO %s", unit[trail]);
}

static void literal_sql(const struct ks_expr *e, struct kc_buf *out)
{
	const struct ks_value *v = &e->lit;
	uint32_t i;

	if (e->lit_type.t == KS_T_NULL) {
		kc_buf_adds(out, "NULL");
		return;
	}
	if (v->null) {
		kc_buf_adds(out, e->lit_type.t == KS_T_BOOLEAN ? "UNKNOWN" :
								  "NULL");
		return;
	}
	switch (e->lit_type.t) {
	case KS_T_BOOLEAN:
		kc_buf_adds(out, v->u.i ? "TRUE" : "FALSE");
		break;
	case KS_T_DECIMAL: {
		char digits[32];
		uint64_t a = v->u.i < 0 ? 0 - (uint64_t)v->u.i :
					  (uint64_t)v->u.i;
		int n, scale = e->lit_type.scale;

		n = snprintf(digits, sizeof(digits), "%0*" PRIu64, scale + 1,
			     a);
		if (v->u.i < 0)
			kc_buf_addc(out, '-');
		kc_buf_add(out, digits, (size_t)(n - scale));
		kc_buf_addc(out, '.'); /* "5." stays DECIMAL when read back */
		kc_buf_adds(out, digits + n - scale);
		break;
	}
	case KS_T_REAL:
	case KS_T_DOUBLE: {
		char b[40];
		int prec;

		for (prec = 15; prec < 17; prec++) {
			snprintf(b, sizeof(b), "%.*g", prec, v->u.d);
			if (strtod(b, NULL) == v->u.d)
				break;
		}
		snprintf(b, sizeof(b), "%.*g", prec, v->u.d);
		kc_buf_adds(out, b);
		if (!strpbrk(b, "eEn")) /* an exponent keeps it DOUBLE */
			kc_buf_adds(out, "E0");
		break;
	}
	case KS_T_CHAR:
	case KS_T_VARCHAR:
		if (e->keyword) {
			kc_buf_add(out, v->u.s.p, v->u.s.n);
			break;
		}
		kc_buf_addc(out, '\'');
		for (i = 0; i < v->u.s.n; i++) {
			if (v->u.s.p[i] == '\'')
				kc_buf_addc(out, '\'');
			kc_buf_addc(out, v->u.s.p[i]);
		}
		kc_buf_addc(out, '\'');
		break;
	case KS_T_TIMESTAMP:
	case KS_T_DATE:
		datetime_sql(v->u.i, e->lit_type.t == KS_T_DATE, out);
		break;
	case KS_T_INTERVAL_DS:
	case KS_T_INTERVAL_YM:
		interval_sql(v->u.i, e->lit_type.t == KS_T_INTERVAL_YM, out);
		break;
	default:
		kc_buf_addf(out, "%" PRId64, v->u.i);
		break;
	}
}

/* ---- expressions ---- */

/* Binding strength, as parse.c's levels: OR 1 ... unary 8, primary 9. */
enum { P_OR = 1, P_AND, P_NOT, P_PRED, P_CONCAT, P_ADD, P_MUL, P_UNARY,
       P_PRIMARY };

static int prec(const struct ks_expr *e)
{
	switch (e->kind) {
	case KS_E_BINARY:
		switch (e->op) {
		case KS_OP_OR: return P_OR;
		case KS_OP_AND: return P_AND;
		case KS_OP_CONCAT: return P_CONCAT;
		case KS_OP_ADD: case KS_OP_SUB: return P_ADD;
		case KS_OP_MUL: case KS_OP_DIV: case KS_OP_MOD: return P_MUL;
		default: return P_PRED;
		}
	case KS_E_UNARY:
		return e->op == KS_OP_NOT ? P_NOT : P_UNARY;
	case KS_E_IS_NULL:
	case KS_E_LIKE:
	case KS_E_SIMILAR:
	case KS_E_IN:
	case KS_E_BETWEEN:
		return P_PRED;
	default:
		return P_PRIMARY;
	}
}

static const char *op_sql(enum ks_op op)
{
	switch (op) {
	case KS_OP_ADD: return "+";
	case KS_OP_SUB: return "-";
	case KS_OP_MUL: return "*";
	case KS_OP_DIV: return "/";
	case KS_OP_MOD: return "%";
	case KS_OP_CONCAT: return "||";
	case KS_OP_EQ: return "=";
	case KS_OP_NE: return "<>";
	case KS_OP_LT: return "<";
	case KS_OP_LE: return "<=";
	case KS_OP_GT: return ">";
	case KS_OP_GE: return ">=";
	case KS_OP_AND: return "AND";
	case KS_OP_OR: return "OR";
	case KS_OP_NEG: return "-";
	case KS_OP_NOT: return "NOT";
	case KS_OP_PLUS: return "+";
	}
	return "?";
}

static void expr_sql(const struct ks_expr *e, int min, struct kc_buf *out);
static void window_sql(const struct ks_window *w, struct kc_buf *out);

static void list_sql(struct ks_expr *const *v, size_t n, struct kc_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			kc_buf_adds(out, ", ");
		expr_sql(v[i], 0, out);
	}
}

static int is_keyword_arg(const struct ks_expr *e)
{
	return e->kind == KS_E_LITERAL && e->keyword;
}

/* Whether name(args) is printed back in its special syntax. */
static int func_is(const struct ks_expr *e, const char *name, size_t lo,
		   size_t hi)
{
	return !strcmp(e->func, name) && e->nargs >= lo && e->nargs <= hi &&
	       !e->star && !e->distinct;
}

static void func_sql(const struct ks_expr *e, struct kc_buf *out)
{
	struct ks_expr *const *a = e->args;

	if (!e->nargs && !e->star && !e->over && !e->over_name &&
	    (!strcmp(e->func, "CURRENT_ROW_TIMESTAMP") ||
	     !strcmp(e->func, "CURRENT_TIMESTAMP") ||
	     !strcmp(e->func, "LOCALTIMESTAMP") ||
	     !strcmp(e->func, "CURRENT_DATE"))) {
		kc_buf_adds(out, e->func);
		return;
	}
	name_sql(e->func, out);
	kc_buf_addc(out, '(');
	if ((func_is(e, "FLOOR", 2, 2) || func_is(e, "CEIL", 2, 2) ||
	     func_is(e, "CEILING", 2, 2)) && is_keyword_arg(a[1])) {
		expr_sql(a[0], 0, out);
		kc_buf_adds(out, " TO ");
		expr_sql(a[1], 0, out);
	} else if (func_is(e, "EXTRACT", 2, 2) && is_keyword_arg(a[0])) {
		expr_sql(a[0], 0, out);
		kc_buf_adds(out, " FROM ");
		expr_sql(a[1], 0, out);
	} else if (func_is(e, "TRIM", 3, 3) && is_keyword_arg(a[0])) {
		expr_sql(a[0], 0, out);
		kc_buf_addc(out, ' ');
		expr_sql(a[1], 0, out);
		kc_buf_adds(out, " FROM ");
		expr_sql(a[2], 0, out);
	} else if (func_is(e, "STEP", 2, 2)) {
		expr_sql(a[0], 0, out);
		kc_buf_adds(out, " BY ");
		expr_sql(a[1], 0, out);
	} else if (func_is(e, "POSITION", 2, 2)) {
		expr_sql(a[0], P_CONCAT, out);
		kc_buf_adds(out, " IN ");
		expr_sql(a[1], 0, out);
	} else if (func_is(e, "SUBSTRING", 2, 3)) {
		expr_sql(a[0], 0, out);
		kc_buf_adds(out, " FROM ");
		expr_sql(a[1], 0, out);
		if (e->nargs == 3) {
			kc_buf_adds(out, " FOR ");
			expr_sql(a[2], 0, out);
		}
	} else if (func_is(e, "OVERLAY", 3, 4)) {
		expr_sql(a[0], 0, out);
		kc_buf_adds(out, " PLACING ");
		expr_sql(a[1], 0, out);
		kc_buf_adds(out, " FROM ");
		expr_sql(a[2], 0, out);
		if (e->nargs == 4) {
			kc_buf_adds(out, " FOR ");
			expr_sql(a[3], 0, out);
		}
	} else if (e->star) {
		kc_buf_addc(out, '*');
	} else {
		if (e->distinct)
			kc_buf_adds(out, "DISTINCT ");
		list_sql(e->args, e->nargs, out);
	}
	kc_buf_addc(out, ')');
	if (e->over_name) {
		kc_buf_adds(out, " OVER ");
		name_sql(e->over_name, out);
	} else if (e->over) {
		kc_buf_adds(out, " OVER ");
		window_sql(e->over, out);
	}
}

/* A negative number or a sign: "-" before it would make "--". */
static int starts_with_minus(const struct ks_expr *e)
{
	if (e->kind == KS_E_UNARY)
		return e->op != KS_OP_NOT;
	if (e->kind != KS_E_LITERAL || e->lit.null)
		return 0;
	switch (e->lit_type.t) {
	case KS_T_TINYINT: case KS_T_SMALLINT: case KS_T_INTEGER:
	case KS_T_BIGINT: case KS_T_DECIMAL:
		return e->lit.u.i < 0;
	case KS_T_REAL: case KS_T_DOUBLE:
		return e->lit.u.d < 0 || (e->lit.u.d == 0 &&
					  1 / e->lit.u.d < 0);
	default:
		return 0;
	}
}

static void expr_sql(const struct ks_expr *e, int min, struct kc_buf *out)
{
	int p = prec(e), paren = p < min;
	size_t i;

	if (paren)
		kc_buf_addc(out, '(');
	switch (e->kind) {
	case KS_E_LITERAL:
		literal_sql(e, out);
		break;
	case KS_E_COLUMN:
		if (e->qual) {
			name_sql(e->qual, out);
			kc_buf_addc(out, '.');
		}
		name_sql(e->name, out);
		break;
	case KS_E_UNARY:
		kc_buf_adds(out, op_sql(e->op));
		if (e->op == KS_OP_NOT) {
			kc_buf_addc(out, ' ');
			expr_sql(e->args[0], P_NOT, out);
		} else if (starts_with_minus(e->args[0])) {
			kc_buf_addc(out, '(');
			expr_sql(e->args[0], 0, out);
			kc_buf_addc(out, ')');
		} else {
			expr_sql(e->args[0], P_UNARY, out);
		}
		break;
	case KS_E_BINARY:
		expr_sql(e->args[0], p, out);
		kc_buf_addf(out, " %s ", op_sql(e->op));
		expr_sql(e->args[1], p + 1, out);
		break;
	case KS_E_FUNC:
		func_sql(e, out);
		break;
	case KS_E_CASE:
		kc_buf_adds(out, "CASE");
		i = 0;
		if (e->has_operand) {
			kc_buf_addc(out, ' ');
			expr_sql(e->args[i++], 0, out);
		}
		for (; i < e->nargs - (e->has_else ? 1 : 0); i += 2) {
			kc_buf_adds(out, " WHEN ");
			expr_sql(e->args[i], 0, out);
			kc_buf_adds(out, " THEN ");
			expr_sql(e->args[i + 1], 0, out);
		}
		if (e->has_else) {
			kc_buf_adds(out, " ELSE ");
			expr_sql(e->args[e->nargs - 1], 0, out);
		}
		kc_buf_adds(out, " END");
		break;
	case KS_E_CAST:
		kc_buf_adds(out, "CAST(");
		expr_sql(e->args[0], 0, out);
		kc_buf_adds(out, " AS ");
		type_sql(&e->cast_type, out);
		kc_buf_addc(out, ')');
		break;
	case KS_E_IS_NULL:
		expr_sql(e->args[0], P_PRED, out);
		kc_buf_adds(out, e->negated ? " IS NOT NULL" : " IS NULL");
		break;
	case KS_E_LIKE:
	case KS_E_SIMILAR:
		expr_sql(e->args[0], P_PRED, out);
		kc_buf_adds(out, e->negated ? " NOT" : "");
		kc_buf_adds(out, e->kind == KS_E_LIKE ? " LIKE " :
							" SIMILAR TO ");
		expr_sql(e->args[1], P_CONCAT, out);
		if (e->nargs > 2) {
			kc_buf_adds(out, " ESCAPE ");
			expr_sql(e->args[2], P_CONCAT, out);
		}
		break;
	case KS_E_IN:
		expr_sql(e->args[0], P_PRED, out);
		kc_buf_adds(out, e->negated ? " NOT IN (" : " IN (");
		list_sql(e->args + 1, e->nargs - 1, out);
		kc_buf_addc(out, ')');
		break;
	case KS_E_BETWEEN:
		expr_sql(e->args[0], P_PRED, out);
		kc_buf_adds(out, e->negated ? " NOT BETWEEN " : " BETWEEN ");
		expr_sql(e->args[1], P_CONCAT, out);
		kc_buf_adds(out, " AND ");
		expr_sql(e->args[2], P_CONCAT, out);
		break;
	case KS_E_CURSOR:
		kc_buf_adds(out, "CURSOR(");
		ks_select_sql(e->cursor, out);
		kc_buf_addc(out, ')');
		break;
	}
	if (paren)
		kc_buf_addc(out, ')');
}

void ks_expr_sql(const struct ks_expr *e, struct kc_buf *out)
{
	expr_sql(e, 0, out);
}

/* ---- queries and statements ---- */

static void window_sql(const struct ks_window *w, struct kc_buf *out)
{
	const char *sep = "";

	kc_buf_addc(out, '(');
	if (w->base) {
		name_sql(w->base, out);
		sep = " ";
	}
	if (w->npartition) {
		kc_buf_adds(out, sep);
		kc_buf_adds(out, "PARTITION BY ");
		list_sql(w->partition, w->npartition, out);
		sep = " ";
	}
	if (w->norder) {
		kc_buf_adds(out, sep);
		kc_buf_adds(out, "ORDER BY ");
		list_sql(w->order, w->norder, out);
		sep = " ";
	}
	if (w->frame != KS_FRAME_NONE) {
		kc_buf_adds(out, sep);
		kc_buf_adds(out, w->frame == KS_FRAME_ROWS ? "ROWS " :
							     "RANGE ");
		if (w->extent)
			expr_sql(w->extent, P_ADD, out);
		else
			kc_buf_adds(out, "UNBOUNDED");
		kc_buf_adds(out, " PRECEDING");
	}
	kc_buf_addc(out, ')');
}

static void from_sql(const struct ks_from *f, const struct ks_window *over,
		     struct kc_buf *out)
{
	switch (f->kind) {
	case KS_FROM_NAME:
		name_sql(f->name, out);
		break;
	case KS_FROM_TABLE_FUNC:
		kc_buf_adds(out, "TABLE(");
		expr_sql(f->func, 0, out);
		kc_buf_addc(out, ')');
		break;
	case KS_FROM_SELECT:
		kc_buf_addc(out, '(');
		ks_select_sql(f->select, out);
		kc_buf_addc(out, ')');
		break;
	}
	if (over) {
		kc_buf_adds(out, " OVER ");
		window_sql(over, out);
	}
	if (f->alias) {
		kc_buf_adds(out, " AS ");
		name_sql(f->alias, out);
	}
}

static void core_sql(const struct ks_select *s, struct kc_buf *out)
{
	static const char *const join_sql[] = {
		[KS_JOIN_INNER] = " JOIN ",
		[KS_JOIN_LEFT] = " LEFT JOIN ",
		[KS_JOIN_RIGHT] = " RIGHT JOIN ",
		[KS_JOIN_FULL] = " FULL JOIN ",
		[KS_JOIN_CROSS] = " CROSS JOIN ",
	};
	size_t i;

	kc_buf_adds(out, "SELECT ");
	if (s->stream)
		kc_buf_adds(out, "STREAM ");
	if (s->distinct)
		kc_buf_adds(out, "DISTINCT ");
	for (i = 0; i < s->nitems; i++) {
		const struct ks_item *it = &s->items[i];

		if (i)
			kc_buf_adds(out, ", ");
		if (it->star) {
			if (it->star_qual) {
				name_sql(it->star_qual, out);
				kc_buf_addc(out, '.');
			}
			kc_buf_addc(out, '*');
			continue;
		}
		expr_sql(it->e, 0, out);
		if (it->alias) {
			kc_buf_adds(out, " AS ");
			name_sql(it->alias, out);
		}
	}
	kc_buf_adds(out, " FROM ");
	from_sql(&s->from, NULL, out);
	for (i = 0; i < s->njoins; i++) {
		const struct ks_join *j = &s->joins[i];

		kc_buf_adds(out, join_sql[j->kind]);
		from_sql(&j->right, j->over, out);
		if (j->on) {
			kc_buf_adds(out, " ON ");
			expr_sql(j->on, 0, out);
		}
	}
	if (s->where) {
		kc_buf_adds(out, " WHERE ");
		expr_sql(s->where, 0, out);
	}
	if (s->stagger) {
		kc_buf_adds(out, " WINDOWED BY STAGGER (PARTITION BY ");
		list_sql(s->stagger->partition, s->stagger->npartition, out);
		kc_buf_adds(out, " RANGE ");
		expr_sql(s->stagger->range, P_ADD, out);
		kc_buf_addc(out, ')');
	}
	if (s->ngroup) {
		kc_buf_adds(out, " GROUP BY ");
		list_sql(s->group_by, s->ngroup, out);
	}
	if (s->having) {
		kc_buf_adds(out, " HAVING ");
		expr_sql(s->having, 0, out);
	}
	for (i = 0; i < s->nwindows; i++) {
		kc_buf_adds(out, i ? ", " : " WINDOW ");
		name_sql(s->windows[i]->name, out);
		kc_buf_adds(out, " AS ");
		window_sql(s->windows[i], out);
	}
}

void ks_select_sql(const struct ks_select *s, struct kc_buf *out)
{
	const struct ks_select *u;
	size_t i;

	core_sql(s, out);
	for (u = s->union_all; u; u = u->union_all) {
		kc_buf_adds(out, " UNION ALL ");
		core_sql(u, out);
	}
	for (i = 0; i < s->norder; i++) {
		kc_buf_adds(out, i ? ", " : " ORDER BY ");
		expr_sql(s->order[i].e, 0, out);
		if (s->order[i].desc)
			kc_buf_adds(out, " DESC");
		if (s->order[i].nulls)
			kc_buf_adds(out, s->order[i].nulls == 1 ?
					 " NULLS FIRST" : " NULLS LAST");
	}
	if (s->limit) {
		kc_buf_adds(out, " LIMIT ");
		expr_sql(s->limit, P_ADD, out);
	}
}

void ks_stmt_sql(const struct ks_stmt *s, struct kc_buf *out)
{
	size_t i;

	if (s->kind == KS_S_SELECT) {
		ks_select_sql(s->select, out);
		return;
	}
	kc_buf_adds(out, s->or_replace ? "CREATE OR REPLACE " : "CREATE ");
	kc_buf_adds(out, s->kind == KS_S_CREATE_STREAM ? "STREAM " : "PUMP ");
	name_sql(s->name, out);
	if (s->kind == KS_S_CREATE_STREAM) {
		kc_buf_adds(out, " (");
		for (i = 0; i < s->ncols; i++) {
			if (i)
				kc_buf_adds(out, ", ");
			name_sql(s->cols[i].name, out);
			kc_buf_addc(out, ' ');
			type_sql(&s->cols[i].type, out);
		}
		kc_buf_addc(out, ')');
		return;
	}
	kc_buf_adds(out, " AS INSERT INTO ");
	name_sql(s->target, out);
	for (i = 0; i < s->ntarget_cols; i++) {
		kc_buf_adds(out, i ? ", " : " (");
		name_sql(s->target_cols[i], out);
	}
	if (s->ntarget_cols)
		kc_buf_addc(out, ')');
	kc_buf_addc(out, ' ');
	ks_select_sql(s->select, out);
}
