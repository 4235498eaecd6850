/*
 * bind.c: from the syntax tree to the typed plan. Resolves every name
 * against the streams in scope (inputs with their metadata columns,
 * CREATE STREAMs, reference tables), derives every type with value.c's
 * rules, checks what streaming SQL allows, and compiles each expression to
 * steps over its pump's frame. Every error is reported at the position of
 * the node it is about.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "banned.h"

#define MAX_RELS 16

struct rel {
	const char *name, *alias;
	struct ks_stream *stream;      /* or NULL: a reference table */
	const struct ks_table *table;
	size_t ncols;
	char *const *names;            /* stream column names */
	size_t nstar;                  /* columns * expands to */
	int base;
};

enum phase { PRE, POST };

/* What a GROUP BY key was: its text, and the column it names if any. */
struct gkey {
	struct kc_buf sql;
	int rel, col;                  /* -1 when not a plain column */
};

struct cx {
	struct ks_plan *p;
	struct ks_perror *pe;
	struct ks_pump *pu;
	const struct ks_select *sel;
	struct rel rels[MAX_RELS];
	size_t nrels;
	enum phase phase;
	struct ks_regfile *f;
	struct ks_code *code;
	int allow_agg;                 /* aggregates may appear (select, having) */
	int allow_over;
	struct gkey *gkeys;
	size_t ngkeys;
	int in_agg;
};

static int berr(struct cx *c, struct ks_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int berr(struct cx *c, struct ks_pos pos, const char *fmt, ...)
{
	va_list ap;

	c->pe->pos = pos;
	va_start(ap, fmt);
	vsnprintf(c->pe->msg, sizeof(c->pe->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void typestr(const struct ks_sqltype *t, char *out, size_t n)
{
	struct kc_buf b = KC_BUF_INIT;

	ks_type_format(t, &b);
	snprintf(out, n, "%s", b.data ? b.data : "?");
	kc_buf_release(&b);
}

static struct ks_sqltype mktype(enum ks_type t, int32_t len)
{
	struct ks_sqltype r;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.len = len;
	return r;
}

static struct ks_sqltype bool_type(void)
{
	return mktype(KS_T_BOOLEAN, 0);
}

/* ---- streams ---- */

struct ks_stream *ks_plan_stream(struct ks_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nstreams; i++)
		if (!strcmp(p->streams[i]->name, name))
			return p->streams[i];
	/* --input names are typed on the command line: an unquoted
	 * (upper-cased) SQL name finds them whatever their case */
	for (i = 0; i < p->nstreams; i++)
		if (p->streams[i]->is_input &&
		    !strcasecmp(p->streams[i]->name, name))
			return p->streams[i];
	return NULL;
}

static const struct ks_table *find_table(struct ks_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntables; i++)
		if (!strcmp(p->tables[i]->name, name))
			return p->tables[i];
	/* --reference names are typed on the command line: an unquoted
	 * (upper-cased) SQL name finds them whatever their case */
	for (i = 0; i < p->ntables; i++)
		if (!strcasecmp(p->tables[i]->name, name))
			return p->tables[i];
	return NULL;
}

static struct ks_stream *stream_new(struct ks_plan *p, const char *name,
				    size_t nuser, size_t nmeta)
{
	struct ks_stream *s = kc_xcalloc(1, sizeof(*s));

	s->name = kc_xstrdup(name);
	s->nuser = nuser;
	s->ncols = nuser + 1 + nmeta;
	s->names = kc_xcalloc(s->ncols, sizeof(*s->names));
	s->types = kc_xcalloc(s->ncols, sizeof(*s->types));
	s->used = kc_xcalloc(s->ncols, 1);
	s->names[nuser] = kc_xstrdup("ROWTIME");
	s->types[nuser] = mktype(KS_T_TIMESTAMP, 0);
	s->last_rowtime = INT64_MIN;
	p->streams = kc_xrealloc(p->streams,
				 (p->nstreams + 1) * sizeof(*p->streams));
	p->streams[p->nstreams++] = s;
	return s;
}

/* The columns every input has after ROWTIME. */
static const struct {
	const char *name;
	enum ks_type t;
	int32_t len;
} meta_cols[] = {
	{ "APPROXIMATE_ARRIVAL_TIME", KS_T_TIMESTAMP, 0 },
	{ "PARTITION_KEY", KS_T_VARCHAR, 256 },
	{ "SEQUENCE_NUMBER", KS_T_VARCHAR, 128 },
	{ "SHARD_ID", KS_T_VARCHAR, 64 },
};

static void input_stream(struct ks_plan *p, struct ks_input *in)
{
	size_t nuser = in->schema.ncols - (size_t)in->hidden;
	size_t nmeta = strcmp(in->source, "-") ? 4 : 1, i;
	struct ks_stream *s = stream_new(p, in->name, nuser, nmeta);

	for (i = 0; i < nuser; i++) {
		s->names[i] = kc_xstrdup(in->schema.cols[i].name);
		s->types[i] = in->schema.cols[i].type;
	}
	for (i = 0; i < nmeta; i++) {
		s->names[nuser + 1 + i] = kc_xstrdup(meta_cols[i].name);
		s->types[nuser + 1 + i] = mktype(meta_cols[i].t, meta_cols[i].len);
	}
	s->is_input = 1;
	s->input = in;
	in->stream = s;
}

/* ---- name resolution ---- */

static int rel_col(const struct rel *r, const char *name)
{
	size_t i;

	if (r->stream) {
		for (i = 0; i < r->ncols; i++)
			if (!strcmp(r->names[i], name))
				return (int)i;
		return -1;
	}
	for (i = 0; i < r->ncols; i++)
		if (!strcmp(r->table->schema.cols[i].name, name))
			return (int)i;
	return -1;
}

static const struct ks_sqltype *rel_type(const struct rel *r, int col)
{
	return r->stream ? &r->stream->types[col]
			 : &r->table->schema.cols[col].type;
}

static const char *rel_colname(const struct rel *r, size_t col)
{
	return r->stream ? r->names[col] : r->table->schema.cols[col].name;
}

/*
 * Ad-hoc queries only: the columns of r whose name equals name ignoring
 * case (discovered JSON fields keep their case, unquoted SQL names are
 * folded to upper case), or, for an input, whose JSON field ("$.user" of
 * a column discovery renamed COL_user) does. Returns how many there are;
 * *col is the last.
 */
static int rel_col_ci(const struct rel *r, const char *name, int *col)
{
	const struct ks_input *in = r->stream ? r->stream->input : NULL;
	size_t i;
	int n = 0;

	for (i = 0; i < r->ncols; i++) {
		const char *m = in && i < r->stream->nuser
				? in->schema.cols[i].mapping : NULL;

		if (!strcasecmp(rel_colname(r, i), name) ||
		    (m && m[0] == '$' && m[1] == '.' &&
		     !strcasecmp(m + 2, name))) {
			*col = (int)i;
			n++;
		}
	}
	return n;
}

/* The column of input rel r whose JSON field is exactly name ("$.name"). */
static int rel_col_field(const struct rel *r, const char *name)
{
	const struct ks_input *in = r->stream ? r->stream->input : NULL;
	size_t i;

	for (i = 0; in && i < r->stream->nuser; i++) {
		const char *m = in->schema.cols[i].mapping;

		if (m && m[0] == '$' && m[1] == '.' && !strcmp(m + 2, name))
			return (int)i;
	}
	return -1;
}

/*
 * No column is named e->name exactly. A name that is an input's JSON field
 * means its column (discovery renames reserved words: "method" is the
 * column COL_method, which KDA would make the SQL spell out). In an ad-hoc
 * query an unquoted name then means the one column whose name or field
 * equals it ignoring case (several: ambiguous); in an application it is
 * unknown, as in KDA.
 */
static int resolve_ci(struct cx *c, const struct ks_expr *e, size_t from,
		      size_t to, int *ri, int *ci)
{
	size_t i;
	int n = 0, col;
	const char *q;

	for (i = from; i < to; i++) {
		col = rel_col_field(&c->rels[i], e->name);
		if (col < 0)
			continue;
		if (n++)
			return berr(c, e->pos, "ambiguous column '%s'", e->name);
		*ri = (int)i;
		*ci = col;
	}
	if (n)
		return 0;

	/* a name with a lower-case letter was quoted: it means just that */
	for (q = e->name; *q && !(*q >= 'a' && *q <= 'z'); q++)
		;
	if (c->p && c->p->adhoc && !*q)
		for (i = from; i < to; i++) {
			int k = rel_col_ci(&c->rels[i], e->name, &col);

			if (!k)
				continue;
			n += k;
			*ri = (int)i;
			*ci = col;
		}
	if (n == 1)
		return 0;
	*ri = *ci = -1;
	if (n > 1)
		return berr(c, e->pos, "ambiguous column '%s' (it matches "
			    "%d columns ignoring case; quote the name)", e->name,
			    n);
	return berr(c, e->pos, "unknown column '%s'", e->name);
}

/* Finds the column e names: 0 with *ri, *ci; -1 with an error. */
static int resolve(struct cx *c, const struct ks_expr *e, int *ri, int *ci)
{
	size_t i;
	int found = 0;

	*ri = *ci = -1;
	if (e->qual) {
		for (i = 0; i < c->nrels; i++)
			if ((c->rels[i].alias && !strcmp(c->rels[i].alias, e->qual)) ||
			    (!c->rels[i].alias && !strcmp(c->rels[i].name, e->qual)))
				break;
		if (i == c->nrels)
			for (i = 0; i < c->nrels; i++)
				if (!strcmp(c->rels[i].name, e->qual))
					break;
		if (i == c->nrels)
			return berr(c, e->pos, "unknown stream or alias '%s'",
				    e->qual);
		*ci = rel_col(&c->rels[i], e->name);
		if (*ci < 0)
			return resolve_ci(c, e, i, i + 1, ri, ci);
		*ri = (int)i;
		return 0;
	}
	for (i = 0; i < c->nrels; i++) {
		int col = rel_col(&c->rels[i], e->name);

		if (col < 0)
			continue;
		if (found++)
			return berr(c, e->pos, "ambiguous column '%s'", e->name);
		*ri = (int)i;
		*ci = col;
	}
	if (!found)
		return resolve_ci(c, e, 0, c->nrels, ri, ci);
	return 0;
}

static void mark_used(struct cx *c, int ri, int ci)
{
	if (c->rels[ri].stream)
		c->rels[ri].stream->used[ci] = 1;
}

/* ---- expressions ---- */

static int compile(struct cx *c, const struct ks_expr *e, int *reg,
		   struct ks_sqltype *t);

static int is_agg_call(const struct ks_expr *e)
{
	enum ks_aggfn fn;

	return e->kind == KS_E_FUNC && !ks_agg_parse(e->func, &fn);
}

static int newreg(struct cx *c, struct ks_sqltype t)
{
	return ks_regfile_alloc(c->f, &t);
}

static int int_class(enum ks_type t)
{
	switch (t) {
	case KS_T_BOOLEAN: return 1;
	case KS_T_TINYINT: case KS_T_SMALLINT: case KS_T_INTEGER:
	case KS_T_BIGINT: return 2;
	case KS_T_TIMESTAMP: return 3;
	case KS_T_DATE: return 4;
	case KS_T_INTERVAL_DS: return 5;
	case KS_T_INTERVAL_YM: return 6;
	default: return 0;
	}
}

static int emit_cast(struct cx *c, int reg, const struct ks_sqltype *from,
		     const struct ks_sqltype *to)
{
	struct ks_step *s;
	int d;

	if (from->t == to->t && from->len == to->len && from->scale == to->scale)
		return reg;
	if (from->t == KS_T_NULL) {
		d = newreg(c, *to);
		s = ks_code_add(c->code, KS_I_SETNULL);
		s->dst = d;
		return d;
	}
	d = newreg(c, *to);
	s = ks_code_add(c->code, KS_I_CAST);
	s->dst = d;
	s->a = reg;
	s->ta = *from;
	s->tr = *to;
	return d;
}

static int compile_cmp(struct cx *c, struct ks_pos pos, enum ks_op op, int a,
		       const struct ks_sqltype *at, int b,
		       const struct ks_sqltype *bt, int *reg)
{
	struct ks_sqltype rt;
	struct ks_step *s;
	char msg[256];
	int ca = int_class(at->t), cb = int_class(bt->t);

	if (ks_type_binary(op, at, bt, &rt, msg, sizeof(msg)))
		return berr(c, pos, "%s", msg);
	*reg = newreg(c, bool_type());
	if (ca && ca == cb)
		s = ks_code_add(c->code, KS_I_CMP_I);
	else if (at->t == KS_T_DECIMAL && bt->t == KS_T_DECIMAL &&
		 at->scale == bt->scale)
		s = ks_code_add(c->code, KS_I_CMP_I);
	else if ((at->t == KS_T_DOUBLE || at->t == KS_T_REAL) &&
		 (bt->t == KS_T_DOUBLE || bt->t == KS_T_REAL))
		s = ks_code_add(c->code, KS_I_CMP_D);
	else if (at->t == KS_T_NULL || bt->t == KS_T_NULL)
		s = ks_code_add(c->code, KS_I_SETNULL);
	else
		s = ks_code_add(c->code, KS_I_CMP);
	s->sub = (uint8_t)op;
	s->dst = *reg;
	s->a = a;
	s->b = b;
	s->ta = *at;
	s->tb = *bt;
	s->tr = rt;
	return 0;
}

static int need_bool(struct cx *c, const struct ks_expr *e,
		     const struct ks_sqltype *t, const char *what)
{
	char ts[64];

	if (t->t == KS_T_BOOLEAN || t->t == KS_T_NULL)
		return 0;
	typestr(t, ts, sizeof(ts));
	return berr(c, e->pos, "%s must be BOOLEAN, not %s", what, ts);
}

static int compile_logic(struct cx *c, const struct ks_expr *e, int *reg,
			 struct ks_sqltype *t)
{
	struct ks_sqltype at, bt;
	struct ks_step *s;
	int a, b, d;
	size_t jmp;

	if (compile(c, e->args[0], &a, &at) ||
	    need_bool(c, e->args[0], &at, e->op == KS_OP_AND ? "AND operand"
							    : "OR operand"))
		return -1;
	d = newreg(c, bool_type());
	s = ks_code_add(c->code, e->op == KS_OP_AND ? KS_I_JFALSE : KS_I_JTRUE);
	s->a = a;
	s->dst = d;
	jmp = c->code->n - 1;
	if (compile(c, e->args[1], &b, &bt) ||
	    need_bool(c, e->args[1], &bt, e->op == KS_OP_AND ? "AND operand"
							    : "OR operand"))
		return -1;
	s = ks_code_add(c->code, e->op == KS_OP_AND ? KS_I_AND : KS_I_OR);
	s->a = a;
	s->b = b;
	s->dst = d;
	c->code->steps[jmp].c = (int32_t)c->code->n;
	*reg = d;
	*t = bool_type();
	return 0;
}

static int is_literal(const struct ks_expr *e)
{
	return e->kind == KS_E_LITERAL;
}

static int compile_func(struct cx *c, const struct ks_expr *e, int *reg,
			struct ks_sqltype *t)
{
	const struct ks_func *fn;
	struct ks_sqltype *argt;
	const struct ks_value **consts;
	int *regs, base, argc = (int)e->nargs, i;
	struct ks_step *s;
	void *state = NULL;
	char msg[256];

	if (!strcmp(e->func, "MONOTONIC") && e->nargs == 1)
		return compile(c, e->args[0], reg, t);
	fn = ks_func_lookup(e->func);
	if (!fn)
		return berr(c, e->pos, "unknown function '%s'", e->func);
	if (argc < fn->min_args || argc > fn->max_args) {
		if (fn->min_args == fn->max_args)
			return berr(c, e->pos, "%s: expected %d argument%s, got "
				    "%d", e->func, fn->min_args,
				    fn->min_args == 1 ? "" : "s", argc);
		if (fn->max_args >= 255)
			return berr(c, e->pos, "%s: expected at least %d "
				    "argument%s, got %d", e->func, fn->min_args,
				    fn->min_args == 1 ? "" : "s", argc);
		return berr(c, e->pos, "%s: expected %d to %d arguments, got %d",
			    e->func, fn->min_args, fn->max_args, argc);
	}
	argt = kc_xcalloc(argc ? (size_t)argc : 1, sizeof(*argt));
	consts = kc_xcalloc(argc ? (size_t)argc : 1, sizeof(*consts));
	regs = kc_xcalloc(argc ? (size_t)argc : 1, sizeof(*regs));
	for (i = 0; i < argc; i++)
		if (compile(c, e->args[i], &regs[i], &argt[i]))
			goto fail;
	/* The arguments must sit in consecutive registers. */
	for (i = 1; i < argc; i++)
		if (regs[i] != regs[0] + i)
			break;
	if (argc && i == argc) {
		base = regs[0];
	} else {
		base = (int)c->f->n;
		for (i = 0; i < argc; i++)
			newreg(c, argt[i]);
		for (i = 0; i < argc; i++) {
			if (is_literal(e->args[i])) {
				c->f->regs[base + i] = c->f->regs[regs[i]];
				continue;
			}
			s = ks_code_add(c->code, KS_I_MOVE);
			s->dst = base + i;
			s->a = regs[i];
		}
	}
	for (i = 0; i < argc; i++)
		consts[i] = is_literal(e->args[i]) ? &c->f->regs[base + i] : NULL;
	if (fn->type(argt, consts, argc, t, msg, sizeof(msg))) {
		berr(c, e->pos, "%s", msg);
		goto fail;
	}
	if (fn->prepare && fn->prepare(argt, consts, argc, &state, msg,
				       sizeof(msg))) {
		berr(c, e->pos, "%s", msg);
		goto fail;
	}
	*reg = newreg(c, *t);
	s = ks_code_add(c->code, KS_I_FUNC);
	s->dst = *reg;
	s->a = base;
	s->argc = (uint16_t)argc;
	s->fn = fn;
	s->state = state;
	s->argt = argt;
	s->tr = *t;
	free(consts);
	free(regs);
	return 0;
fail:
	free(argt);
	free(consts);
	free(regs);
	return -1;
}

static int compile_case(struct cx *c, const struct ks_expr *e, int *reg,
			struct ks_sqltype *t)
{
	size_t i = 0, n = e->nargs - (size_t)e->has_else, nb = 0, k;
	size_t *moves = kc_xcalloc(e->nargs + 1, sizeof(*moves));
	size_t *jumps = kc_xcalloc(e->nargs + 1, sizeof(*jumps));
	struct ks_sqltype *bt = kc_xcalloc(e->nargs + 1, sizeof(*bt));
	struct ks_sqltype rt = mktype(KS_T_NULL, 0), ot;
	struct ks_step *s;
	char msg[256];
	int d, op = -1, r, w;

	d = newreg(c, rt);
	if (e->has_operand) {
		if (compile(c, e->args[0], &op, &ot))
			goto fail;
		i = 1;
	}
	for (; i + 1 < n; i += 2) {
		struct ks_sqltype wt;
		size_t jnt;

		if (compile(c, e->args[i], &w, &wt))
			goto fail;
		if (e->has_operand) {
			if (compile_cmp(c, e->args[i]->pos, KS_OP_EQ, op, &ot, w,
					&wt, &w))
				goto fail;
		} else if (need_bool(c, e->args[i], &wt, "WHEN condition")) {
			goto fail;
		}
		s = ks_code_add(c->code, KS_I_JNT);
		s->a = w;
		jnt = c->code->n - 1;
		if (compile(c, e->args[i + 1], &r, &bt[nb]))
			goto fail;
		s = ks_code_add(c->code, KS_I_MOVE);
		s->dst = d;
		s->a = r;
		moves[nb++] = c->code->n - 1;
		ks_code_add(c->code, KS_I_JMP);
		jumps[nb - 1] = c->code->n - 1;
		c->code->steps[jnt].c = (int32_t)c->code->n;
	}
	if (e->has_else) {
		if (compile(c, e->args[e->nargs - 1], &r, &bt[nb]))
			goto fail;
		s = ks_code_add(c->code, KS_I_MOVE);
		s->dst = d;
		s->a = r;
		moves[nb++] = c->code->n - 1;
		jumps[nb - 1] = (size_t)-1;
	} else {
		s = ks_code_add(c->code, KS_I_SETNULL);
		s->dst = d;
	}
	for (k = 0; k < nb; k++) {
		if (bt[k].t == KS_T_NULL)
			continue;
		if (rt.t == KS_T_NULL) {
			rt = bt[k];
			continue;
		}
		if (ks_type_common(&rt, &bt[k], &rt, msg, sizeof(msg))) {
			berr(c, e->pos, "CASE: %s", msg);
			goto fail;
		}
	}
	for (k = 0; k < nb; k++) {
		s = &c->code->steps[moves[k]];
		if (bt[k].t == KS_T_NULL) {
			s->op = KS_I_SETNULL;
		} else if (bt[k].t != rt.t || bt[k].len != rt.len ||
			   bt[k].scale != rt.scale) {
			s->op = KS_I_CAST;
			s->ta = bt[k];
			s->tr = rt;
		}
		if (jumps[k] != (size_t)-1)
			c->code->steps[jumps[k]].c = (int32_t)c->code->n;
	}
	rt.not_null = 0;
	c->f->types[d] = rt;
	*reg = d;
	*t = rt;
	free(moves);
	free(jumps);
	free(bt);
	return 0;
fail:
	free(moves);
	free(jumps);
	free(bt);
	return -1;
}

static int compile_in(struct cx *c, const struct ks_expr *e, int *reg,
		      struct ks_sqltype *t)
{
	struct ks_sqltype xt, ct;
	struct ks_step *s;
	char msg[256];
	size_t i;
	int x, allconst = 1;

	if (compile(c, e->args[0], &x, &xt))
		return -1;
	for (i = 1; i < e->nargs; i++)
		if (!is_literal(e->args[i]))
			allconst = 0;
	*t = bool_type();
	if (allconst) {
		struct ks_inlist *l = kc_xcalloc(1, sizeof(*l));
		struct ks_eval_ctx ex = c->p->ctx;

		ct = xt;
		for (i = 1; i < e->nargs; i++) {
			if (e->args[i]->lit_type.t == KS_T_NULL)
				continue;
			if (ct.t == KS_T_NULL) {
				ct = e->args[i]->lit_type;
				continue;
			}
			if (ks_type_common(&ct, &e->args[i]->lit_type, &ct, msg,
					   sizeof(msg))) {
				free(l);
				return berr(c, e->args[i]->pos, "IN: %s", msg);
			}
		}
		l->t = ct;
		l->v = kc_xcalloc(e->nargs, sizeof(*l->v));
		ex.arena = &c->p->carena;
		for (i = 1; i < e->nargs; i++) {
			const struct ks_expr *a = e->args[i];

			if (a->lit.null || a->lit_type.t == KS_T_NULL) {
				l->has_null = 1;
				l->v[l->n].null = 1;
				l->n++;
				continue;
			}
			if (ks_cast(&ex, &a->lit, &a->lit_type, &ct, &l->v[l->n])) {
				free(l->v);
				free(l);
				return berr(c, a->pos, "IN: %s", c->p->rowerr.msg);
			}
			l->n++;
		}
		x = emit_cast(c, x, &xt, &ct);
		*reg = newreg(c, *t);
		s = ks_code_add(c->code, KS_I_IN);
		s->dst = *reg;
		s->a = x;
		s->sub = (uint8_t)e->negated;
		s->state = l;
		return 0;
	}
	{
		int acc = -1, r, cr;
		struct ks_sqltype rt2;

		for (i = 1; i < e->nargs; i++) {
			if (compile(c, e->args[i], &r, &rt2) ||
			    compile_cmp(c, e->args[i]->pos, KS_OP_EQ, x, &xt, r,
					&rt2, &cr))
				return -1;
			if (acc < 0) {
				acc = cr;
				continue;
			}
			s = ks_code_add(c->code, KS_I_OR);
			s->a = acc;
			s->b = cr;
			s->dst = newreg(c, *t);
			acc = s->dst;
		}
		if (e->negated) {
			s = ks_code_add(c->code, KS_I_NOT);
			s->a = acc;
			s->dst = newreg(c, *t);
			acc = s->dst;
		}
		*reg = acc;
	}
	return 0;
}

static int find_gkey(struct cx *c, const struct ks_expr *e)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t i;
	int ri = -1, ci = -1, k = -1;

	if (e->kind == KS_E_COLUMN) {
		char save[sizeof(c->pe->msg)];

		memcpy(save, c->pe->msg, sizeof(save));
		if (resolve(c, e, &ri, &ci))
			ri = ci = -1;
		memcpy(c->pe->msg, save, sizeof(save));
		for (i = 0; i < c->ngkeys; i++)
			if (ri >= 0 && c->gkeys[i].rel == ri && c->gkeys[i].col == ci)
				return (int)i;
	}
	ks_expr_sql(e, &b);
	for (i = 0; i < c->ngkeys; i++)
		if (b.data && c->gkeys[i].sql.data &&
		    !strcmp(b.data, c->gkeys[i].sql.data)) {
			k = (int)i;
			break;
		}
	kc_buf_release(&b);
	return k;
}

static int compile_agg(struct cx *c, const struct ks_expr *e, int *reg,
		       struct ks_sqltype *t);
static int compile_over(struct cx *c, const struct ks_expr *e, int *reg,
			struct ks_sqltype *t);

static int compile(struct cx *c, const struct ks_expr *e, int *reg,
		   struct ks_sqltype *t)
{
	struct ks_sqltype at, bt, rt;
	struct ks_step *s;
	char msg[256];
	int a, b, ri, ci;

	if (c->phase == POST) {
		int k = find_gkey(c, e);

		if (k >= 0) {
			*reg = c->pu->gb->post_keys[k];
			*t = c->pu->gb->key_types[k];
			return 0;
		}
	}
	switch (e->kind) {
	case KS_E_LITERAL:
		*t = e->lit_type;
		*reg = newreg(c, *t);
		c->f->regs[*reg] = e->lit;
		if (t->t == KS_T_NULL)
			c->f->regs[*reg].null = 1;
		return 0;
	case KS_E_COLUMN:
		if (resolve(c, e, &ri, &ci))
			return -1;
		if (c->phase == POST) {
			if (c->rels[ri].stream &&
			    (size_t)ci == c->rels[ri].stream->nuser) {
				*reg = c->pu->gb->post_rowtime;
				*t = mktype(KS_T_TIMESTAMP, 0);
				return 0;
			}
			return berr(c, e->pos, "column '%s' is neither grouped "
				    "nor aggregated", e->name);
		}
		mark_used(c, ri, ci);
		*reg = c->rels[ri].base + ci;
		*t = *rel_type(&c->rels[ri], ci);
		return 0;
	case KS_E_UNARY:
		if (compile(c, e->args[0], &a, &at))
			return -1;
		if (ks_type_unary(e->op, &at, &rt, msg, sizeof(msg)))
			return berr(c, e->pos, "%s", msg);
		if (e->op == KS_OP_PLUS) {
			*reg = a;
			*t = at;
			return 0;
		}
		*reg = newreg(c, rt);
		s = ks_code_add(c->code, e->op == KS_OP_NOT ? KS_I_NOT : KS_I_UN);
		s->sub = (uint8_t)e->op;
		s->dst = *reg;
		s->a = a;
		s->ta = at;
		s->tr = rt;
		*t = rt;
		return 0;
	case KS_E_BINARY:
		if (e->op == KS_OP_AND || e->op == KS_OP_OR)
			return compile_logic(c, e, reg, t);
		if (compile(c, e->args[0], &a, &at) ||
		    compile(c, e->args[1], &b, &bt))
			return -1;
		if (e->op >= KS_OP_EQ && e->op <= KS_OP_GE) {
			*t = bool_type();
			return compile_cmp(c, e->pos, e->op, a, &at, b, &bt, reg);
		}
		if (ks_type_binary(e->op, &at, &bt, &rt, msg, sizeof(msg)))
			return berr(c, e->pos, "%s", msg);
		*reg = newreg(c, rt);
		s = ks_code_add(c->code, KS_I_BIN);
		s->sub = (uint8_t)e->op;
		s->dst = *reg;
		s->a = a;
		s->b = b;
		s->ta = at;
		s->tb = bt;
		s->tr = rt;
		*t = rt;
		return 0;
	case KS_E_FUNC:
		if (e->over || e->over_name)
			return compile_over(c, e, reg, t);
		if (is_agg_call(e))
			return compile_agg(c, e, reg, t);
		return compile_func(c, e, reg, t);
	case KS_E_CASE:
		return compile_case(c, e, reg, t);
	case KS_E_CAST:
		if (compile(c, e->args[0], &a, &at))
			return -1;
		if (!ks_type_castable(&at, &e->cast_type)) {
			char f[64], to[64];

			typestr(&at, f, sizeof(f));
			typestr(&e->cast_type, to, sizeof(to));
			return berr(c, e->pos, "cannot cast %s to %s", f, to);
		}
		*t = e->cast_type;
		t->not_null = 0;
		*reg = newreg(c, *t);
		s = ks_code_add(c->code, at.t == KS_T_NULL ? KS_I_SETNULL
							  : KS_I_CAST);
		s->dst = *reg;
		s->a = a;
		s->ta = at;
		s->tr = *t;
		return 0;
	case KS_E_IS_NULL:
		if (compile(c, e->args[0], &a, &at))
			return -1;
		*t = bool_type();
		*reg = newreg(c, *t);
		s = ks_code_add(c->code, KS_I_ISNULL);
		s->dst = *reg;
		s->a = a;
		s->sub = (uint8_t)e->negated;
		return 0;
	case KS_E_LIKE: {
		struct ks_like *l;
		int esc = -1;

		if (compile(c, e->args[0], &a, &at))
			return -1;
		if (!ks_type_is_string(at.t) && at.t != KS_T_NULL) {
			typestr(&at, msg, sizeof(msg));
			return berr(c, e->pos, "LIKE needs a string, not %s", msg);
		}
		*t = bool_type();
		if (is_literal(e->args[1]) && !e->args[1]->lit.null &&
		    ks_type_is_string(e->args[1]->lit_type.t) &&
		    (e->nargs < 3 || (is_literal(e->args[2]) &&
				      !e->args[2]->lit.null))) {
			const struct ks_value *pv = &e->args[1]->lit;
			const struct ks_value *ev = e->nargs > 2 ? &e->args[2]->lit
								  : NULL;

			if (ks_like_compile(pv->u.s.p, pv->u.s.n,
					    ev ? ev->u.s.p : NULL,
					    ev ? ev->u.s.n : 0, &l, msg,
					    sizeof(msg)))
				return berr(c, e->args[1]->pos, "LIKE: %s", msg);
			*reg = newreg(c, *t);
			s = ks_code_add(c->code, KS_I_LIKE);
			s->dst = *reg;
			s->a = a;
			s->sub = (uint8_t)e->negated;
			s->state = l;
			return 0;
		}
		if (compile(c, e->args[1], &b, &bt))
			return -1;
		if (e->nargs > 2 && compile(c, e->args[2], &esc, &rt))
			return -1;
		*reg = newreg(c, *t);
		s = ks_code_add(c->code, KS_I_LIKE_DYN);
		s->dst = *reg;
		s->a = a;
		s->b = b;
		s->c = esc;
		s->sub = (uint8_t)e->negated;
		return 0;
	}
	case KS_E_IN:
		return compile_in(c, e, reg, t);
	case KS_E_BETWEEN: {
		int x, lo, hi, c1, c2;
		struct ks_sqltype xt, lt, ht;

		if (compile(c, e->args[0], &x, &xt) ||
		    compile(c, e->args[1], &lo, &lt) ||
		    compile(c, e->args[2], &hi, &ht) ||
		    compile_cmp(c, e->pos, KS_OP_GE, x, &xt, lo, &lt, &c1) ||
		    compile_cmp(c, e->pos, KS_OP_LE, x, &xt, hi, &ht, &c2))
			return -1;
		*t = bool_type();
		s = ks_code_add(c->code, KS_I_AND);
		s->a = c1;
		s->b = c2;
		s->dst = newreg(c, *t);
		*reg = s->dst;
		if (e->negated) {
			s = ks_code_add(c->code, KS_I_NOT);
			s->a = *reg;
			s->dst = newreg(c, *t);
			*reg = s->dst;
		}
		return 0;
	}
	case KS_E_SIMILAR:
		return berr(c, e->pos, "SIMILAR TO is not supported; use LIKE "
			    "or REGEX_REPLACE");
	case KS_E_CURSOR:
		return berr(c, e->pos, "CURSOR is only allowed as a table "
			    "function's argument");
	}
	return berr(c, e->pos, "unsupported expression");
}

/* An aggregate of GROUP BY (or of an ad-hoc query without GROUP BY). */
static int compile_agg(struct cx *c, const struct ks_expr *e, int *reg,
		       struct ks_sqltype *t)
{
	struct ks_groupby *gb = c->pu->gb;
	struct ks_aggcall ac;
	struct ks_regfile *sf = c->f;
	struct ks_code *sc = c->code;
	enum ks_aggfn fn;
	char msg[256];
	int r;

	if (!gb || c->phase != POST || c->in_agg) {
		if (c->in_agg)
			return berr(c, e->pos, "aggregates cannot be nested");
		if (c->allow_agg && !c->p->adhoc)
			return berr(c, e->pos, "aggregate '%s' in a streaming "
				    "query needs GROUP BY with a monotonic time "
				    "key, or OVER a window", e->func);
		return berr(c, e->pos, "aggregate '%s' is not allowed here",
			    e->func);
	}
	ks_agg_parse(e->func, &fn);
	memset(&ac, 0, sizeof(ac));
	ac.e = e;
	ac.arg = -1;
	if (e->star) {
		if (fn != KS_AGG_COUNT)
			return berr(c, e->pos, "%s(*) is not allowed", e->func);
		fn = KS_AGG_COUNT_STAR;
	} else if (e->nargs != 1) {
		return berr(c, e->pos, "%s takes one argument", e->func);
	}
	if (e->distinct) {
		if (fn != KS_AGG_COUNT)
			return berr(c, e->pos, "DISTINCT is only supported in "
				    "COUNT");
		ac.distinct = 1;
	}
	ac.fn = fn;
	if (fn != KS_AGG_COUNT_STAR) {
		c->phase = PRE;
		c->f = &c->pu->f;
		c->code = &c->pu->args;
		c->in_agg = 1;
		r = compile(c, e->args[0], &ac.arg, &ac.argt);
		c->in_agg = 0;
		c->phase = POST;
		c->f = sf;
		c->code = sc;
		if (r)
			return -1;
	}
	if (ks_agg_type(fn, &ac.argt, &ac.rt, msg, sizeof(msg)))
		return berr(c, e->pos, "%s", msg);
	ac.out = newreg(c, ac.rt);
	if (ks_type_is_string(ac.argt.t))
		gb->has_strings = 1;
	gb->aggs = kc_xrealloc(gb->aggs, (gb->naggs + 1) * sizeof(*gb->aggs));
	gb->aggs[gb->naggs++] = ac;
	*reg = ac.out;
	*t = ac.rt;
	return 0;
}

static const struct ks_window *find_window(const struct ks_select *s,
					   const char *name)
{
	size_t i;

	for (i = 0; i < s->nwindows; i++)
		if (s->windows[i]->name && !strcmp(s->windows[i]->name, name))
			return s->windows[i];
	return NULL;
}

/* A sliding window aggregate AGG(x) OVER W. */
static int compile_over(struct cx *c, const struct ks_expr *e, int *reg,
			struct ks_sqltype *t)
{
	struct ks_pump *pu = c->pu;
	const struct ks_window *w = e->over, *base;
	struct ks_aggcall ac;
	struct ks_slidewin *sw = NULL;
	struct ks_code *sc = c->code;
	enum ks_aggfn fn;
	char msg[256];
	size_t i;
	int r;

	if (!c->allow_over || c->phase != PRE || c->in_agg)
		return berr(c, e->pos, "OVER is not allowed here");
	if (ks_agg_parse(e->func, &fn))
		return berr(c, e->pos, "'%s' is not an aggregate function",
			    e->func);
	if (e->over_name) {
		w = find_window(c->sel, e->over_name);
		if (!w)
			return berr(c, e->pos, "unknown window '%s'",
				    e->over_name);
	}
	base = w;
	if (w->base) {
		base = find_window(c->sel, w->base);
		if (!base)
			return berr(c, w->pos, "unknown window '%s'", w->base);
	}
	if (w->frame == KS_FRAME_NONE && base->frame == KS_FRAME_NONE)
		return berr(c, w->pos, "a sliding window needs RANGE or ROWS");
	if (e->distinct)
		return berr(c, e->pos, "COUNT(DISTINCT) is not supported over "
			    "a sliding window");
	for (i = 0; i < pu->nwins; i++)
		if (pu->wins[i].pos.line == w->pos.line &&
		    pu->wins[i].pos.col == w->pos.col) {
			sw = &pu->wins[i];
			break;
		}
	if (!sw) {
		const struct ks_window *fw = w->frame != KS_FRAME_NONE ? w : base;
		const struct ks_window *pw = w->npartition ? w : base;
		const struct ks_expr *x = fw->extent;

		pu->wins = kc_xrealloc(pu->wins, (pu->nwins + 1) * sizeof(*pu->wins));
		sw = &pu->wins[pu->nwins++];
		memset(sw, 0, sizeof(*sw));
		sw->name = w->name ? w->name : e->over_name;
		sw->pos = w->pos;
		sw->frame = fw->frame;
		if (!x) {
			if (!c->p->adhoc)
				return berr(c, fw->pos, "an unbounded window "
					    "would grow without end; give RANGE "
					    "INTERVAL or ROWS n PRECEDING");
			sw->unbounded = 1;
		} else if (!is_literal(x)) {
			return berr(c, x->pos, "the window extent must be a "
				    "literal");
		} else if (fw->frame == KS_FRAME_ROWS) {
			if (!ks_type_is_integer(x->lit_type.t) || x->lit.u.i < 0)
				return berr(c, x->pos, "ROWS needs a "
					    "non-negative integer");
			sw->extent = x->lit.u.i;
		} else {
			if (x->lit_type.t != KS_T_INTERVAL_DS || x->lit.u.i <= 0)
				return berr(c, x->pos, "RANGE needs a positive "
					    "day-time INTERVAL");
			sw->extent = x->lit.u.i;
		}
		sw->npart = pw->npartition;
		sw->part_regs = kc_xcalloc(sw->npart + 1, sizeof(int));
		sw->part_types = kc_xcalloc(sw->npart + 1, sizeof(*sw->part_types));
		c->code = &pu->args;
		for (i = 0; i < sw->npart; i++)
			if (compile(c, pw->partition[i], &sw->part_regs[i],
				    &sw->part_types[i])) {
				c->code = sc;
				return -1;
			}
		c->code = sc;
		sw->keybuf = kc_xcalloc(sw->npart + 1, sizeof(*sw->keybuf));
		ks_gtab_init(&sw->parts, sw->part_types, sw->npart,
			     sizeof(void *));
	}
	memset(&ac, 0, sizeof(ac));
	ac.e = e;
	ac.arg = -1;
	ac.window = (int)(sw - pu->wins);
	if (e->star) {
		if (fn != KS_AGG_COUNT)
			return berr(c, e->pos, "%s(*) is not allowed", e->func);
		fn = KS_AGG_COUNT_STAR;
	} else if (e->nargs != 1) {
		return berr(c, e->pos, "%s takes one argument", e->func);
	}
	ac.fn = fn;
	if (fn != KS_AGG_COUNT_STAR) {
		c->code = &pu->args;
		c->in_agg = 1;
		r = compile(c, e->args[0], &ac.arg, &ac.argt);
		c->in_agg = 0;
		c->code = sc;
		if (r)
			return -1;
	}
	if (ks_agg_type(fn, &ac.argt, &ac.rt, msg, sizeof(msg)))
		return berr(c, e->pos, "%s", msg);
	ac.out = newreg(c, ac.rt);
	pu->aggs = kc_xrealloc(pu->aggs, (pu->naggs + 1) * sizeof(*pu->aggs));
	pu->aggs[pu->naggs++] = ac;
	sw->aggidx = kc_xrealloc(sw->aggidx, (sw->naggs + 1) * sizeof(size_t));
	sw->aggidx[sw->naggs++] = pu->naggs - 1;
	*reg = ac.out;
	*t = ac.rt;
	return 0;
}

/* ---- SELECT ---- */

static int has_agg(const struct ks_expr *e, int *over)
{
	size_t i;

	if (!e)
		return 0;
	if (e->kind == KS_E_FUNC && (e->over || e->over_name)) {
		*over = 1;
		return 0;
	}
	if (is_agg_call(e))
		return 1;
	for (i = 0; i < e->nargs; i++)
		if (e->args[i] && has_agg(e->args[i], over))
			return 1;
	return 0;
}

/* Whether e is FLOOR/STEP of ROWTIME; sets the window width. */
static int rowtime_key(struct cx *c, const struct ks_expr *e, int *rowtime,
		       int64_t *step)
{
	const struct ks_expr *x;
	int ri, ci;

	*rowtime = 0;
	*step = 0;
	while (e->kind == KS_E_FUNC && !strcmp(e->func, "MONOTONIC") &&
	       e->nargs == 1)
		e = e->args[0];
	if (e->kind == KS_E_COLUMN) {
		char save[sizeof(c->pe->msg)];
		int r;

		memcpy(save, c->pe->msg, sizeof(save));
		r = resolve(c, e, &ri, &ci);
		memcpy(c->pe->msg, save, sizeof(save));
		if (!r && c->rels[ri].stream &&
		    (size_t)ci == c->rels[ri].stream->nuser) {
			*rowtime = 1;
			return 1;
		}
		return 0;
	}
	if (e->kind != KS_E_FUNC || e->nargs != 2 ||
	    (strcmp(e->func, "FLOOR") && strcmp(e->func, "STEP")))
		return 0;
	x = e->args[0];
	while (x->kind == KS_E_FUNC && !strcmp(x->func, "MONOTONIC") &&
	       x->nargs == 1)
		x = x->args[0];
	if (x->kind == KS_E_COLUMN) {
		char save[sizeof(c->pe->msg)];
		int r;

		memcpy(save, c->pe->msg, sizeof(save));
		r = resolve(c, x, &ri, &ci);
		memcpy(c->pe->msg, save, sizeof(save));
		if (!r && c->rels[ri].stream &&
		    (size_t)ci == c->rels[ri].stream->nuser)
			*rowtime = 1;
	}
	if (*rowtime && is_literal(e->args[1])) {
		const struct ks_expr *u = e->args[1];

		if (!strcmp(e->func, "STEP") && u->lit_type.t == KS_T_INTERVAL_DS)
			*step = u->lit.u.i;
		else if (!strcmp(e->func, "FLOOR") &&
			 ks_type_is_string(u->lit_type.t)) {
			static const struct {
				const char *unit;
				int64_t ms;
			} units[] = { { "SECOND", 1000 }, { "MINUTE", 60000 },
				      { "HOUR", 3600000 }, { "DAY", 86400000 } };
			size_t i;

			for (i = 0; i < 4; i++)
				if (u->lit.u.s.n == strlen(units[i].unit) &&
				    !memcmp(u->lit.u.s.p, units[i].unit,
					    u->lit.u.s.n))
					*step = units[i].ms;
		}
	}
	if (*rowtime && !*step)
		*rowtime = 0;
	/* FLOOR/STEP of another column is taken to be monotonic too: rows
	 * whose key goes backwards are late. */
	return 1;
}

static int is_monotonic_call(const struct ks_expr *e)
{
	return e->kind == KS_E_FUNC && !strcmp(e->func, "MONOTONIC");
}

static void add_output(struct ks_pump *pu, int reg, struct ks_sqltype t,
		       const char *name)
{
	size_t n = pu->nout + pu->nhidden;

	pu->out_regs = kc_xrealloc(pu->out_regs, (n + 1) * sizeof(int));
	pu->out_types = kc_xrealloc(pu->out_types, (n + 1) * sizeof(*pu->out_types));
	pu->out_names = kc_xrealloc(pu->out_names, (n + 1) * sizeof(char *));
	pu->out_regs[n] = reg;
	pu->out_types[n] = t;
	pu->out_names[n] = name;
}

static const char *expr_name(struct ks_plan *p, const struct ks_expr *e)
{
	struct kc_buf b = KC_BUF_INIT;
	char *s;

	if (e->kind == KS_E_COLUMN)
		return e->name;
	ks_expr_sql(e, &b);
	s = ks_arena_strdup(&p->carena, b.data ? b.data : "", b.len + 1);
	s[b.len] = '\0';
	kc_buf_release(&b);
	return s;
}

static int bind_items(struct cx *c, const struct ks_select *s)
{
	struct ks_pump *pu = c->pu;
	size_t i, r, k;

	for (i = 0; i < s->nitems; i++) {
		const struct ks_item *it = &s->items[i];
		struct ks_sqltype t;
		int reg;

		if (it->star) {
			int any = 0;

			if (c->phase == POST)
				return berr(c, it->pos, "* cannot be used with "
					    "GROUP BY");
			for (r = 0; r < c->nrels; r++) {
				const struct rel *rl = &c->rels[r];

				if (it->star_qual &&
				    strcmp(it->star_qual, rl->alias ? rl->alias
								    : rl->name) &&
				    strcmp(it->star_qual, rl->name))
					continue;
				any = 1;
				for (k = 0; k < rl->nstar; k++) {
					mark_used(c, (int)r, (int)k);
					add_output(pu, rl->base + (int)k,
						   *rel_type(rl, (int)k),
						   rel_colname(rl, k));
					pu->nout++;
				}
			}
			if (!any)
				return berr(c, it->pos, "unknown stream or alias "
					    "'%s'", it->star_qual);
			continue;
		}
		c->allow_agg = 1;
		if (compile(c, it->e, &reg, &t))
			return -1;
		c->allow_agg = 0;
		add_output(pu, reg, t, it->alias ? it->alias
						 : expr_name(c->p, it->e));
		pu->nout++;
	}
	return 0;
}

/* Splits an ON condition into AND-ed terms. */
static void conjuncts(const struct ks_expr *e, const struct ks_expr ***v,
		      size_t *n)
{
	if (e->kind == KS_E_BINARY && e->op == KS_OP_AND) {
		conjuncts(e->args[0], v, n);
		conjuncts(e->args[1], v, n);
		return;
	}
	*v = kc_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = e;
}

/* Bit set of the relations e's columns come from (unresolvable: ~0). */
static unsigned rels_of(struct cx *c, const struct ks_expr *e)
{
	unsigned m = 0;
	size_t i;

	if (e->kind == KS_E_COLUMN) {
		char save[sizeof(c->pe->msg)];
		int ri, ci, r;

		memcpy(save, c->pe->msg, sizeof(save));
		r = resolve(c, e, &ri, &ci);
		memcpy(c->pe->msg, save, sizeof(save));
		return r ? ~0u : 1u << ri;
	}
	for (i = 0; i < e->nargs; i++)
		if (e->args[i])
			m |= rels_of(c, e->args[i]);
	return m;
}

static int bind_join(struct cx *c, const struct ks_join *j)
{
	struct ks_pump *pu = c->pu;
	const struct ks_table *tab;
	struct ks_joinop *jo;
	const struct ks_expr **terms = NULL;
	size_t nterms = 0, i, ji;
	unsigned me;
	int cond = -1;

	if (j->right.kind != KS_FROM_NAME)
		return berr(c, j->right.pos, "only reference tables can be "
			    "joined");
	tab = find_table(c->p, j->right.name);
	if (!tab) {
		if (ks_plan_stream(c->p, j->right.name))
			return berr(c, j->right.pos, "joins of two streams are "
				    "not supported; join a reference table");
		return berr(c, j->right.pos, "unknown table '%s'", j->right.name);
	}
	if (j->kind == KS_JOIN_RIGHT || j->kind == KS_JOIN_FULL)
		return berr(c, j->pos, "only INNER and LEFT joins with a "
			    "reference table are supported");
	if (c->nrels == MAX_RELS)
		return berr(c, j->pos, "too many joins");
	ji = pu->njoins;
	pu->joins = kc_xrealloc(pu->joins, (ji + 1) * sizeof(*pu->joins));
	jo = &pu->joins[ji];
	memset(jo, 0, sizeof(*jo));
	pu->njoins++;
	jo->left = j->kind == KS_JOIN_LEFT;
	jo->table = tab;
	jo->ncols = tab->schema.ncols;
	jo->base = (int)pu->f.n;
	for (i = 0; i < jo->ncols; i++)
		ks_regfile_alloc(&pu->f, &tab->schema.cols[i].type);
	c->rels[c->nrels].name = j->right.name;
	c->rels[c->nrels].alias = j->right.alias;
	c->rels[c->nrels].table = tab;
	c->rels[c->nrels].ncols = jo->ncols;
	c->rels[c->nrels].nstar = jo->ncols;
	c->rels[c->nrels].base = jo->base;
	me = 1u << c->nrels;
	c->nrels++;
	jo->cond_reg = -1;
	if (!j->on)
		return 0;
	conjuncts(j->on, &terms, &nterms);
	for (i = 0; i < nterms; i++) {
		const struct ks_expr *t = terms[i], *l, *r;
		struct ks_sqltype lt, rt, kt;
		char msg[256];
		int lr, ri, ci;
		unsigned ml, mr;

		if (t->kind == KS_E_BINARY && t->op == KS_OP_EQ) {
			l = t->args[0];
			r = t->args[1];
			ml = rels_of(c, l);
			mr = rels_of(c, r);
			if (ml == me && r->kind != KS_E_COLUMN)
				goto residual;
			if (ml == me) {
				const struct ks_expr *x = l;

				l = r;
				r = x;
				mr = ml;
				ml = rels_of(c, l);
			}
			if (mr != me || r->kind != KS_E_COLUMN || (ml & me) ||
			    ml == ~0u)
				goto residual;
			c->code = &jo->keys;
			if (compile(c, l, &lr, &lt) || resolve(c, r, &ri, &ci))
				goto fail;
			rt = *rel_type(&c->rels[ri], ci);
			if (ks_type_common(&lt, &rt, &kt, msg, sizeof(msg))) {
				berr(c, t->pos, "%s", msg);
				goto fail;
			}
			kt.not_null = 0;
			lr = emit_cast(c, lr, &lt, &kt);
			jo->lkey_regs = kc_xrealloc(jo->lkey_regs,
						    (jo->nkeys + 1) * sizeof(int));
			jo->rkey_cols = kc_xrealloc(jo->rkey_cols,
						    (jo->nkeys + 1) * sizeof(int));
			jo->key_types = kc_xrealloc(jo->key_types,
						    (jo->nkeys + 1) *
						    sizeof(*jo->key_types));
			jo->lkey_regs[jo->nkeys] = lr;
			jo->rkey_cols[jo->nkeys] = ci;
			jo->key_types[jo->nkeys] = kt;
			jo->nkeys++;
			continue;
		}
residual:
		{
			struct ks_sqltype ct;
			int reg;

			c->code = &jo->cond;
			if (compile(c, t, &reg, &ct) ||
			    need_bool(c, t, &ct, "the ON condition"))
				goto fail;
			if (cond < 0) {
				cond = reg;
			} else {
				struct ks_step *s = ks_code_add(c->code, KS_I_AND);

				s->a = cond;
				s->b = reg;
				s->dst = newreg(c, bool_type());
				cond = s->dst;
			}
		}
	}
	jo->cond_reg = cond;
	free(terms);
	return 0;
fail:
	free(terms);
	return -1;
}

static int bind_order_limit(struct cx *c, const struct ks_select *s,
			    struct ks_result *res)
{
	struct ks_pump *pu = c->pu;
	size_t i, k;

	res->norder = s->norder;
	res->order_col = kc_xcalloc(s->norder + 1, sizeof(int));
	res->order_desc = kc_xcalloc(s->norder + 1, sizeof(int));
	res->order_nulls_first = kc_xcalloc(s->norder + 1, sizeof(int));
	for (i = 0; i < s->norder; i++) {
		const struct ks_order *o = &s->order[i];
		const struct ks_expr *e = o->e;
		struct ks_sqltype t;
		int reg, col = -1;

		res->order_desc[i] = o->desc;
		res->order_nulls_first[i] = o->nulls == 1;
		if (is_literal(e) && ks_type_is_integer(e->lit_type.t)) {
			if (e->lit.u.i < 1 || (size_t)e->lit.u.i > pu->nout)
				return berr(c, e->pos, "ORDER BY position %lld is "
					    "not in the select list",
					    (long long)e->lit.u.i);
			col = (int)e->lit.u.i - 1;
		} else if (e->kind == KS_E_COLUMN && !e->qual) {
			for (k = 0; k < pu->nout; k++)
				if (!strcmp(pu->out_names[k], e->name)) {
					col = (int)k;
					break;
				}
		}
		if (col < 0) {
			c->allow_agg = 1;
			if (compile(c, e, &reg, &t))
				return -1;
			c->allow_agg = 0;
			add_output(pu, reg, t, "");
			col = (int)(pu->nout + pu->nhidden);
			pu->nhidden++;
		}
		res->order_col[i] = col;
	}
	res->limit = -1;
	if (s->limit) {
		if (!is_literal(s->limit) || !ks_type_is_integer(s->limit->lit_type.t) ||
		    s->limit->lit.u.i < 0)
			return berr(c, s->limit->pos, "LIMIT needs a "
				    "non-negative integer");
		res->limit = s->limit->lit.u.i;
	}
	return 0;
}

static int bind_select(struct ks_plan *p, struct ks_pump *pu,
		       const struct ks_select *s, struct ks_result *res,
		       struct ks_perror *pe);

static void attach(struct ks_stream *s, struct ks_pump *pu)
{
	s->pumps = kc_xrealloc(s->pumps, (s->npumps + 1) * sizeof(*s->pumps));
	s->pumps[s->npumps++] = pu;
}

static struct ks_pump *hidden_pump(struct ks_plan *p, const struct cx *c,
				   struct ks_pos pos)
{
	struct ks_pump *pu = kc_xcalloc(1, sizeof(*pu));

	pu->pos = pos;
	if (c->pu->name)
		pu->name = kc_xstrdup(c->pu->name);
	p->pumps = kc_xrealloc(p->pumps, (p->npumps + 1) * sizeof(*p->pumps));
	p->pumps[p->npumps++] = pu;
	return pu;
}

/* An integer literal argument in [lo, hi]. */
static int int_arg(struct cx *c, const struct ks_expr *fn, size_t i,
		   const char *what, int64_t lo, int64_t hi, int64_t *out)
{
	const struct ks_expr *a = fn->args[i];

	if (!is_literal(a) || !ks_type_is_integer(a->lit_type.t) ||
	    a->lit.null || a->lit.u.i < lo || a->lit.u.i > hi)
		return berr(c, a->pos, "%s: %s must be an integer from %lld to "
			    "%lld", fn->func, what, (long long)lo, (long long)hi);
	*out = a->lit.u.i;
	return 0;
}

/* The column named by a string literal argument, in stream s. */
static int col_arg(struct cx *c, const struct ks_expr *fn, size_t i,
		   const struct ks_stream *s, int *col)
{
	const struct ks_expr *a = fn->args[i];
	char name[256];
	size_t k, n;
	int found = -1;

	if (!is_literal(a) || !ks_type_is_string(a->lit_type.t) || a->lit.null)
		return berr(c, a->pos, "%s: the column must be given as a "
			    "string, such as 'TICKER'", fn->func);
	n = a->lit.u.s.n;
	while (n && a->lit.u.s.p[n - 1] == ' ')
		n--;
	snprintf(name, sizeof(name), "%.*s", (int)n, a->lit.u.s.p);
	for (k = 0; k < s->nuser; k++)
		if (!strcmp(s->names[k], name))
			found = (int)k;
	for (k = 0; found < 0 && k < s->nuser; k++)
		if (!strcasecmp(s->names[k], name))
			found = (int)k;
	if (found < 0)
		return berr(c, a->pos, "%s: the cursor has no column '%s'",
			    fn->func, name);
	*col = found;
	return 0;
}

/*
 * FROM TABLE(fn(CURSOR(SELECT STREAM ...), args)): binds the cursor's
 * SELECT as a pump into a hidden stream and the function as a pump from it
 * into another hidden stream, which is returned for the outer SELECT.
 */
static struct ks_stream *bind_tablefn(struct cx *c, const struct ks_from *f)
{
	static const struct {
		const char *name;
		enum ks_tfkind kind;
		size_t min, max;
	} fns[] = {
		{ "COUNT_DISTINCT_ITEMS_TUMBLING", KS_TF_COUNT_DISTINCT, 3, 3 },
		{ "TOP_K_ITEMS_TUMBLING", KS_TF_TOP_K, 4, 4 },
		{ "RANDOM_CUT_FOREST", KS_TF_RCF, 1, 5 },
		{ "RANDOM_CUT_FOREST_WITH_EXPLANATION", KS_TF_RCF_EXPL, 1, 6 },
	};
	struct ks_plan *p = c->p;
	const struct ks_expr *e = f->func;
	struct ks_stream *cs, *out;
	struct ks_pump *cpu, *tpu;
	struct ks_tablefn *tf;
	char name[64];
	size_t i, k, fi;
	int64_t v;

	for (fi = 0; fi < sizeof(fns) / sizeof(fns[0]); fi++)
		if (!strcmp(e->func, fns[fi].name))
			break;
	if (fi == sizeof(fns) / sizeof(fns[0])) {
		berr(c, e->pos, "unknown table function '%s'", e->func);
		return NULL;
	}
	if (p->adhoc) {
		berr(c, e->pos, "%s needs a streaming query (SELECT STREAM)",
		     e->func);
		return NULL;
	}
	if (e->nargs < fns[fi].min || e->nargs > fns[fi].max) {
		if (fns[fi].min == fns[fi].max)
			berr(c, e->pos, "%s: expected %zu arguments, got %zu",
			     e->func, fns[fi].min, e->nargs);
		else
			berr(c, e->pos, "%s: expected %zu to %zu arguments, got "
			     "%zu", e->func, fns[fi].min, fns[fi].max, e->nargs);
		return NULL;
	}
	if (e->args[0]->kind != KS_E_CURSOR) {
		berr(c, e->args[0]->pos, "%s: the first argument must be "
		     "CURSOR(SELECT STREAM ...)", e->func);
		return NULL;
	}
	/* the cursor: a pump into a hidden stream */
	cpu = hidden_pump(p, c, e->args[0]->cursor->pos);
	if (bind_select(p, cpu, e->args[0]->cursor, NULL, c->pe))
		return NULL;
	snprintf(name, sizeof(name), "$CURSOR%zu", p->nstreams);
	cs = stream_new(p, name, cpu->nout, 0);
	for (i = 0; i < cpu->nout; i++) {
		cs->names[i] = kc_xstrdup(cpu->out_names[i]);
		cs->types[i] = cpu->out_types[i];
		cs->types[i].not_null = 0;
	}
	cpu->dst = cs;
	cpu->map = kc_xcalloc(cpu->nout + 1, sizeof(int));
	cpu->copy = kc_xcalloc(cpu->nout + 1, 1);
	cpu->trow = kc_xcalloc(cs->ncols, sizeof(*cpu->trow));
	for (i = 0; i < cpu->nout; i++) {
		cpu->map[i] = (int)i;
		cpu->copy[i] = 1;
	}
	attach(cpu->src, cpu);
	/* the function */
	tf = kc_xcalloc(1, sizeof(*tf));
	tf->kind = fns[fi].kind;
	tf->name = fns[fi].name;
	tf->in = cs;
	tf->ntrees = 100;
	tf->sample = 256;
	tf->decay = 100000;
	tf->shingle = 1;
	tpu = hidden_pump(p, c, f->pos);
	tpu->tf = tf;
	tpu->src = cs;
	attach(cs, tpu);
	snprintf(name, sizeof(name), "$TABLE%zu", p->nstreams);
	switch (tf->kind) {
	case KS_TF_COUNT_DISTINCT:
		if (col_arg(c, e, 1, cs, &tf->col) ||
		    int_arg(c, e, 2, "the window size (seconds)", 1, 86400, &v))
			return NULL;
		tf->window = v * 1000;
		out = stream_new(p, name, 1, 0);
		out->names[0] = kc_xstrdup("NUMBER_OF_DISTINCT_ITEMS");
		out->types[0] = mktype(KS_T_BIGINT, 0);
		break;
	case KS_TF_TOP_K:
		if (col_arg(c, e, 1, cs, &tf->col) ||
		    int_arg(c, e, 2, "K", 1, 100000, &tf->k) ||
		    int_arg(c, e, 3, "the window size (seconds)", 1, 86400, &v))
			return NULL;
		tf->window = v * 1000;
		out = stream_new(p, name, 2, 0);
		out->names[0] = kc_xstrdup(cs->names[tf->col]);
		out->types[0] = cs->types[tf->col];
		out->names[1] = kc_xstrdup("MOST_FREQUENT_VALUES");
		out->types[1] = mktype(KS_T_BIGINT, 0);
		break;
	default:
		if ((e->nargs > 1 &&
		     int_arg(c, e, 1, "numberOfTrees", 1, 1000, &v)) ||
		    (e->nargs > 1 && (tf->ntrees = (int)v, 0)) ||
		    (e->nargs > 2 &&
		     int_arg(c, e, 2, "subSampleSize", 10, 1000, &v)) ||
		    (e->nargs > 2 && (tf->sample = (int)v, 0)) ||
		    (e->nargs > 3 &&
		     int_arg(c, e, 3, "timeDecay", 1, INT32_MAX, &v)) ||
		    (e->nargs > 3 && (tf->decay = (double)v, 0)) ||
		    (e->nargs > 4 && int_arg(c, e, 4, "shingleSize", 1, 30, &v)) ||
		    (e->nargs > 4 && (tf->shingle = (int)v, 0)))
			return NULL;
		if (e->nargs > 5) {
			const struct ks_expr *a = e->args[5];

			if (!is_literal(a) || a->lit_type.t != KS_T_BOOLEAN ||
			    a->lit.null) {
				berr(c, a->pos, "%s: withDirectionality must be "
				     "TRUE or FALSE", e->func);
				return NULL;
			}
			tf->directional = (int)a->lit.u.i;
		}
		tf->num_cols = kc_xcalloc(cs->nuser + 1, sizeof(int));
		for (i = 0; i < cs->nuser; i++)
			if (ks_type_is_numeric(cs->types[i].t) &&
			    cs->types[i].t != KS_T_DECIMAL)
				tf->num_cols[tf->nnum++] = (int)i;
		if (!tf->nnum) {
			berr(c, e->args[0]->pos, "%s: the cursor has no numeric "
			     "column (DECIMAL is not used)", e->func);
			return NULL;
		}
		k = tf->kind == KS_TF_RCF_EXPL ? 2 : 1;
		out = stream_new(p, name, cs->nuser + k, 0);
		for (i = 0; i < cs->nuser; i++) {
			out->names[i] = kc_xstrdup(cs->names[i]);
			out->types[i] = cs->types[i];
		}
		out->names[i] = kc_xstrdup("ANOMALY_SCORE");
		out->types[i] = mktype(KS_T_DOUBLE, 0);
		if (k == 2) {
			out->names[i + 1] = kc_xstrdup("ANOMALY_EXPLANATION");
			out->types[i + 1] = mktype(KS_T_VARCHAR, 20480);
		}
		break;
	}
	tf->out = out;
	tpu->dst = out;
	ks_tf_init(tf);
	return out;
}

/*
 * ORDER BY of a streaming query: its leading key must be time-monotonic
 * (ROWTIME, FLOOR/STEP of ROWTIME or of another column, MONOTONIC(x)).
 */
static int bind_stream_order(struct cx *c, const struct ks_select *s)
{
	struct ks_pump *pu = c->pu;
	struct ks_sorter *so;
	const struct ks_expr *e = s->order[0].e;
	int rt = 0;
	int64_t step = 0;
	size_t i;

	if (s->union_all)
		return berr(c, e->pos, "ORDER BY after UNION ALL in a streaming "
			    "query is not supported; insert the union into a "
			    "stream and order that");
	if (!(e->kind == KS_E_COLUMN || e->kind == KS_E_FUNC) ||
	    !(rowtime_key(c, e, &rt, &step) || is_monotonic_call(e)))
		return berr(c, e->pos, "ORDER BY in a streaming query needs a "
			    "time-monotonic leading key, such as "
			    "FLOOR(s.ROWTIME TO SECOND)");
	if (e->kind == KS_E_COLUMN && !rt)
		return berr(c, e->pos, "ORDER BY in a streaming query needs a "
			    "time-monotonic leading key, such as "
			    "FLOOR(s.ROWTIME TO SECOND)");
	if (s->limit && !pu->result)
		return berr(c, s->limit->pos, "LIMIT is not allowed in a pump");
	so = kc_xcalloc(1, sizeof(*so));
	pu->sorter = so;
	if (bind_order_limit(c, s, &so->r))
		return -1;
	/* a bare ROWTIME key: rowtime_key reports it with no width */
	if (e->kind == KS_E_COLUMN)
		rt = 1;
	so->time_rowtime = rt;
	so->step = step;
	so->r.nout = pu->nout;
	so->r.nhidden = pu->nhidden;
	so->r.types = pu->out_types;
	ks_arena_init(&so->r.arena);
	so->ident = kc_xcalloc(pu->nout + pu->nhidden + 1, sizeof(int));
	for (i = 0; i < pu->nout + pu->nhidden; i++)
		so->ident[i] = (int)i;
	so->vals = kc_xcalloc(pu->nout + pu->nhidden + 1, sizeof(*so->vals));
	return 0;
}

/*
 * Binds one SELECT into pu reading from its FROM stream. For a pump, dst
 * is set by the caller afterwards; for a query, res is the result.
 */
static int bind_select(struct ks_plan *p, struct ks_pump *pu,
		       const struct ks_select *s, struct ks_result *res,
		       struct ks_perror *pe)
{
	struct cx c;
	struct ks_stream *src;
	struct ks_sqltype t;
	size_t i;
	int over = 0, aggs = 0, reg, rc = -1;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.pe = pe;
	c.pu = pu;
	c.sel = s;
	c.f = &pu->f;
	pu->sel_ast = s;
	pu->where_reg = -1;
	if (s->union_all && p->adhoc)
		return berr(&c, s->union_all->pos, "UNION ALL is not supported in "
			    "an ad-hoc query");
	if (s->from.kind == KS_FROM_SELECT)
		return berr(&c, s->from.pos, "a subquery in FROM is not "
			    "supported; insert it into a stream with a pump");
	if (s->from.kind == KS_FROM_TABLE_FUNC) {
		src = bind_tablefn(&c, &s->from);
		if (!src)
			return -1;
	} else {
		src = ks_plan_stream(p, s->from.name);
	}
	if (!src) {
		if (find_table(p, s->from.name))
			return berr(&c, s->from.pos, "FROM needs a stream; join "
				    "the table '%s' to one", s->from.name);
		return berr(&c, s->from.pos, "unknown stream '%s'", s->from.name);
	}
	if (!p->adhoc && !s->stream && !res)
		return berr(&c, s->pos, "a pump needs SELECT STREAM");
	pu->src = src;
	for (i = 0; i < src->ncols; i++)
		ks_regfile_alloc(&pu->f, &src->types[i]);
	c.rels[0].name = s->from.kind == KS_FROM_TABLE_FUNC ? s->from.func->func
							    : s->from.name;
	c.rels[0].alias = s->from.alias;
	c.rels[0].stream = src;
	c.rels[0].ncols = src->ncols;
	c.rels[0].names = src->names;
	c.rels[0].nstar = src->nuser;
	c.nrels = 1;
	for (i = 0; i < s->njoins; i++)
		if (bind_join(&c, &s->joins[i]))
			goto out;
	c.code = &pu->where;
	if (s->where) {
		if (compile(&c, s->where, &pu->where_reg, &t) ||
		    need_bool(&c, s->where, &t, "WHERE"))
			goto out;
	}
	for (i = 0; i < s->nitems; i++)
		if (s->items[i].e)
			aggs |= has_agg(s->items[i].e, &over);
	aggs |= has_agg(s->having, &over);
	for (i = 0; i < s->norder; i++)
		aggs |= has_agg(s->order[i].e, &over);
	if (s->stagger && s->ngroup) {
		berr(&c, s->group_by[0]->pos, "GROUP BY cannot be combined with "
		     "WINDOWED BY STAGGER, whose PARTITION BY groups the rows");
		goto out;
	}
	if (s->stagger) {
		const struct ks_expr *x = s->stagger->range;

		if (!x || !is_literal(x) || x->lit_type.t != KS_T_INTERVAL_DS ||
		    x->lit.u.i <= 0) {
			berr(&c, x ? x->pos : s->stagger->pos, "WINDOWED BY "
			     "STAGGER needs RANGE with a positive day-time "
			     "INTERVAL");
			goto out;
		}
		if (over) {
			berr(&c, s->stagger->pos, "WINDOWED BY STAGGER and OVER "
			     "cannot be combined");
			goto out;
		}
	}
	if (s->distinct && !p->adhoc) {
		berr(&c, s->pos, "SELECT STREAM DISTINCT is not supported; use "
		     "GROUP BY with a time key");
		goto out;
	}
	if (s->ngroup || s->stagger || (aggs && p->adhoc)) {
		struct ks_groupby *gb = kc_xcalloc(1, sizeof(*gb));
		struct ks_expr *const *gexprs = s->stagger ? s->stagger->partition
							  : s->group_by;
		size_t ngroup = s->stagger ? s->stagger->npartition : s->ngroup;
		size_t k;

		if (over) {
			berr(&c, s->pos, "GROUP BY and OVER cannot be combined");
			goto out;
		}
		pu->mode = KS_PUMP_GROUP;
		pu->gb = gb;
		gb->nkeys = ngroup;
		gb->key_regs = kc_xcalloc(ngroup + 1, sizeof(int));
		gb->key_types = kc_xcalloc(ngroup + 1, sizeof(*gb->key_types));
		gb->post_keys = kc_xcalloc(ngroup + 1, sizeof(int));
		gb->keybuf = kc_xcalloc(ngroup + 1, sizeof(*gb->keybuf));
		gb->time_key = -1;
		gb->having_reg = -1;
		gb->max_rowtime = INT64_MIN;
		c.gkeys = kc_xcalloc(ngroup + 1, sizeof(*c.gkeys));
		c.ngkeys = ngroup;
		c.code = &pu->args;
		for (k = 0; k < ngroup; k++) {
			const struct ks_expr *g = gexprs[k];
			int rt;
			int64_t step;

			c.gkeys[k].rel = c.gkeys[k].col = -1;
			ks_expr_sql(g, &c.gkeys[k].sql);
			if (g->kind == KS_E_COLUMN) {
				if (resolve(&c, g, &c.gkeys[k].rel,
					    &c.gkeys[k].col))
					goto out;
			}
			if (compile(&c, g, &gb->key_regs[k], &gb->key_types[k]))
				goto out;
			gb->key_types[k].not_null = 0;
			if (!p->adhoc && !s->stagger && gb->time_key < 0 &&
			    (rowtime_key(&c, g, &rt, &step) ||
			     is_monotonic_call(g))) {
				gb->time_key = (int)k;
				gb->time_rowtime = rt;
				gb->time_step = step;
			}
		}
		if (s->stagger) {
			gb->stagger = 1;
			gb->range = s->stagger->range->lit.u.i;
		} else if (!p->adhoc && gb->time_key < 0) {
			berr(&c, s->ngroup ? s->group_by[0]->pos : s->pos,
			     "a streaming GROUP BY needs a monotonic time key, "
			     "such as STEP(ROWTIME BY INTERVAL '60' SECOND) or "
			     "FLOOR(ROWTIME TO MINUTE)");
			goto out;
		}
		for (k = 0; k < ngroup; k++)
			gb->post_keys[k] = ks_regfile_alloc(&gb->post,
							  &gb->key_types[k]);
		gb->post_rowtime = ks_regfile_alloc(&gb->post,
						  &(struct ks_sqltype){ KS_T_TIMESTAMP, 0, 0, 0 });
		c.phase = POST;
		c.f = &gb->post;
		if (s->having) {
			c.code = &gb->having;
			c.allow_agg = 1;
			if (compile(&c, s->having, &gb->having_reg, &t) ||
			    need_bool(&c, s->having, &t, "HAVING"))
				goto out;
		}
		c.code = &pu->sel;
		if (bind_items(&c, s))
			goto out;
	} else {
		if (s->having) {
			berr(&c, s->having->pos, "HAVING needs GROUP BY");
			goto out;
		}
		if (aggs && !over) {
			/* report the aggregate at its position */
			c.code = &pu->sel;
			c.allow_agg = 1;
			bind_items(&c, s);
			goto out;
		}
		pu->mode = over ? KS_PUMP_SLIDE : KS_PUMP_PROJECT;
		c.allow_over = over;
		c.code = &pu->sel;
		if (bind_items(&c, s))
			goto out;
	}
	if (!p->adhoc && s->norder) {
		if (bind_stream_order(&c, s))
			goto out;
		if (res) {
			res->limit = pu->sorter->r.limit;
			res->order_col = kc_xcalloc(1, sizeof(int));
			res->order_desc = kc_xcalloc(1, sizeof(int));
			res->order_nulls_first = kc_xcalloc(1, sizeof(int));
		}
	} else if (res) {
		if (bind_order_limit(&c, s, res))
			goto out;
	}
	if (res || s->norder) {
		;
	} else if (s->limit) {
		berr(&c, s->limit->pos, "LIMIT is not allowed in a pump");
		goto out;
	}
	if (pu->gb) {
		struct ks_groupby *gb = pu->gb;
		struct ks_sqltype *kt = kc_xcalloc(gb->nkeys + 1, sizeof(*kt));
		size_t k, kk = 0;

		for (k = 0; k < gb->nkeys; k++)
			if ((int)k != gb->time_key)
				kt[kk++] = gb->key_types[k];
		ks_gtab_init(&gb->tab, kt, kk, gb->naggs * sizeof(struct ks_aggst) +
			     (gb->stagger ? sizeof(struct ks_stagwin) : 0));
		free(kt);
		gb->dsets = kc_xcalloc(gb->naggs + 1, sizeof(*gb->dsets));
		for (k = 0; k < gb->naggs; k++)
			if (gb->aggs[k].distinct && gb->stagger) {
				berr(&c, gb->aggs[k].e->pos, "COUNT(DISTINCT) is not "
				     "supported in a stagger window");
				goto out;
			} else if (gb->aggs[k].distinct) {
				struct ks_sqltype dt[2];

				dt[0] = mktype(KS_T_BIGINT, 0);
				dt[1] = gb->aggs[k].argt;
				ks_gtab_init(&gb->dsets[k], dt, 2, 0);
			}
	}
	(void)reg;
	rc = 0;
out:
	for (i = 0; i < c.ngkeys; i++)
		kc_buf_release(&c.gkeys[i].sql);
	free(c.gkeys);
	return rc;
}

/* ---- statements ---- */

static int bind_insert(struct ks_plan *p, struct ks_pump *pu,
		       const struct ks_stmt *st, struct ks_perror *pe)
{
	struct ks_stream *dst = ks_plan_stream(p, st->target);
	struct cx c;
	size_t i, k, ncols;

	memset(&c, 0, sizeof(c));
	c.pe = pe;
	if (!dst)
		return berr(&c, st->target_pos, "unknown stream '%s'", st->target);
	if (dst->is_input)
		return berr(&c, st->target_pos, "cannot insert into the input "
			    "stream '%s'", st->target);
	pu->dst = dst;
	ncols = st->ntarget_cols ? st->ntarget_cols : dst->nuser;
	if (pu->nout != ncols)
		return berr(&c, st->select->pos, "INSERT INTO '%s' has %zu "
			    "columns but the SELECT has %zu", st->target, ncols,
			    pu->nout);
	pu->map = kc_xcalloc(ncols + 1, sizeof(int));
	pu->copy = kc_xcalloc(ncols + 1, 1);
	pu->trow = kc_xcalloc(dst->ncols, sizeof(*pu->trow));
	for (i = 0; i < dst->ncols; i++)
		pu->trow[i].null = 1;
	for (i = 0; i < ncols; i++) {
		const struct ks_sqltype *from = &pu->out_types[i], *to;
		struct ks_pos pos = st->select->pos;

		if (i < st->select->nitems && !st->select->items[i].star)
			pos = st->select->items[i].pos;
		if (st->ntarget_cols) {
			for (k = 0; k < dst->nuser; k++)
				if (!strcmp(dst->names[k], st->target_cols[i]))
					break;
			if (k == dst->nuser)
				return berr(&c, st->target_pos, "unknown column "
					    "'%s'", st->target_cols[i]);
		} else {
			k = i;
		}
		pu->map[i] = (int)k;
		to = &dst->types[k];
		if (!ks_type_assignable(from, to)) {
			char f[64], ts[64];

			typestr(from, f, sizeof(f));
			typestr(to, ts, sizeof(ts));
			return berr(&c, pos, "cannot insert %s into column '%s' "
				    "of type %s", f, dst->names[k], ts);
		}
		pu->copy[i] = (from->t == to->t &&
			       (ks_type_is_string(to->t)
				? to->t == KS_T_VARCHAR &&
				  (!to->len || (from->len && from->len <= to->len))
				: from->scale == to->scale)) ||
			      from->t == KS_T_NULL ||
			      (ks_type_is_integer(from->t) &&
			       ks_type_is_integer(to->t) && from->t <= to->t) ||
			      (from->t == KS_T_REAL && to->t == KS_T_DOUBLE);
	}
	return 0;
}

static int check_cycles(struct ks_plan *p, struct ks_perror *pe)
{
	size_t round, i;
	int changed = 1;
	struct cx c;

	memset(&c, 0, sizeof(c));
	c.pe = pe;
	for (round = 0; changed; round++) {
		changed = 0;
		if (round > p->npumps + 1) {
			for (i = 0; i < p->npumps; i++)
				if (p->pumps[i]->dst &&
				    p->pumps[i]->dst->level > (int)p->npumps)
					return berr(&c, p->pumps[i]->pos,
						    "pump '%s' is part of a cycle "
						    "of streams",
						    p->pumps[i]->name);
			return berr(&c, p->pumps[0]->pos, "the pumps form a cycle");
		}
		for (i = 0; i < p->npumps; i++) {
			struct ks_pump *pu = p->pumps[i];

			pu->level = pu->src->level + 1;
			if (pu->dst && pu->dst->level < pu->level) {
				pu->dst->level = pu->level;
				changed = 1;
			}
		}
	}
	return 0;
}

/*
 * UNION ALL: each further SELECT of first's chain is a pump of its own
 * with first's name, inserting into the same stream (or the same query
 * result, whose columns it must match in type).
 */
static int union_pumps(struct ks_plan *p, struct ks_pump *first,
		       const struct ks_stmt *st, struct ks_perror *pe)
{
	const struct ks_select *s;
	struct cx c;

	memset(&c, 0, sizeof(c));
	c.pe = pe;
	for (s = st->select->union_all; s; s = s->union_all) {
		struct ks_pump *pu = kc_xcalloc(1, sizeof(*pu));
		size_t i;

		pu->pos = s->pos;
		p->pumps = kc_xrealloc(p->pumps, (p->npumps + 1) * sizeof(*p->pumps));
		p->pumps[p->npumps++] = pu;
		if (first->name)
			pu->name = kc_xstrdup(first->name);
		if (first->result) {
			pu->result = first->result;
			if (bind_select(p, pu, s, NULL, pe))
				return -1;
			if (pu->nout != first->nout)
				return berr(&c, s->pos, "UNION ALL: this SELECT "
					    "has %zu columns, the first %zu",
					    pu->nout, first->nout);
			for (i = 0; i < pu->nout; i++)
				if (pu->out_types[i].t != first->out_types[i].t ||
				    pu->out_types[i].scale !=
				    first->out_types[i].scale) {
					char a[64], b[64];

					typestr(&pu->out_types[i], a, sizeof(a));
					typestr(&first->out_types[i], b, sizeof(b));
					return berr(&c, s->pos, "UNION ALL: column "
						    "%zu is %s here but %s in the "
						    "first SELECT; CAST it", i + 1,
						    a, b);
				}
		} else {
			struct ks_stmt one = *st;

			one.select = (struct ks_select *)s;
			if (bind_select(p, pu, s, NULL, pe) ||
			    bind_insert(p, pu, &one, pe))
				return -1;
		}
		attach(pu->src, pu);
	}
	return 0;
}

int ks_bind(struct ks_plan *p, const struct ks_script *s, struct ks_perror *pe)
{
	struct cx c;
	size_t i, k;

	memset(&c, 0, sizeof(c));
	c.pe = pe;
	c.p = p;
	p->script = s;
	for (i = 0; i < p->ninputs; i++)
		input_stream(p, p->inputs[i]);
	for (i = 0; i < s->nstmts; i++) {
		const struct ks_stmt *st = &s->stmts[i];
		struct ks_stream *old;
		struct ks_stream *ns;

		if (st->kind != KS_S_CREATE_STREAM)
			continue;
		old = ks_plan_stream(p, st->name);
		if (old && (old->is_input || !st->or_replace))
			return berr(&c, st->pos, "stream '%s' already exists",
				    st->name);
		if (old) {
			/* CREATE OR REPLACE: the later definition wins. */
			free(old->name);
			old->name = kc_xstrdup("");
		}
		if (!st->ncols)
			return berr(&c, st->pos, "stream '%s' has no columns",
				    st->name);
		ns = stream_new(p, st->name, st->ncols, 0);
		ns->pos = st->pos;
		for (k = 0; k < st->ncols; k++) {
			size_t j;

			for (j = 0; j < k; j++)
				if (!strcmp(st->cols[j].name, st->cols[k].name))
					return berr(&c, st->cols[k].pos,
						    "duplicate column '%s'",
						    st->cols[k].name);
			if (!strcmp(st->cols[k].name, "ROWTIME"))
				return berr(&c, st->cols[k].pos, "ROWTIME is "
					    "implicit and cannot be declared");
			ns->names[k] = kc_xstrdup(st->cols[k].name);
			ns->types[k] = st->cols[k].type;
		}
	}
	for (i = 0; i < s->nstmts; i++) {
		const struct ks_stmt *st = &s->stmts[i];
		struct ks_pump *pu;

		if (st->kind == KS_S_CREATE_STREAM)
			continue;
		pu = kc_xcalloc(1, sizeof(*pu));
		pu->pos = st->pos;
		p->pumps = kc_xrealloc(p->pumps, (p->npumps + 1) * sizeof(*p->pumps));
		p->pumps[p->npumps++] = pu;
		if (st->kind == KS_S_CREATE_PUMP) {
			for (k = 0; k + 1 < p->npumps; k++)
				if (p->pumps[k]->name &&
				    !strcmp(p->pumps[k]->name, st->name) &&
				    !st->or_replace)
					return berr(&c, st->pos, "pump '%s' already "
						    "exists", st->name);
			pu->name = kc_xstrdup(st->name);
			if (bind_select(p, pu, st->select, NULL, pe) ||
			    bind_insert(p, pu, st, pe))
				return -1;
			if (union_pumps(p, pu, st, pe))
				return -1;
		} else {
			if (p->query)
				return berr(&c, st->pos, "only one SELECT "
					    "statement can be run");
			p->result = kc_xcalloc(1, sizeof(*p->result));
			pu->result = p->result;
			p->query = pu;
			if (bind_select(p, pu, st->select, p->result, pe))
				return -1;
			p->result->nout = pu->nout;
			p->result->nhidden = pu->nhidden;
			p->result->types = pu->out_types;
			p->result->distinct = st->select->distinct;
			if (union_pumps(p, pu, st, pe))
				return -1;
		}
		attach(pu->src, pu);
	}
	if (p->npumps && check_cycles(p, pe))
		return -1;
	return 0;
}
